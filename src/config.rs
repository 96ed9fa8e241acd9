//! Settings: a TOML file (optional) overridden by command-line flags, validated once.
//! Each stage owns its section (`pose::config`, `analysis`, `report`); this module only
//! gathers them and reads the file.
//!
//! ```toml
//! [pose]
//! model = "full"             # or "lite": faster, less accurate on legs and feet
//! threads = 2                # ONNX Runtime threads per model
//! runner_zone = [0.0, 0.0, 1.0, 1.0]   # where the runner's hips may be (fractions of the frame)
//! ```

use std::path::Path;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::analysis::AnalysisConfig;
pub use crate::pose::config::{PoseConfig, RunnerZone};
use crate::report::ReportConfig;

/// Everything a config file may hold.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub pose: PoseConfig,
    pub analysis: AnalysisConfig,
    pub report: ReportConfig,
}

impl Config {
    /// Reads `path`, or the defaults when `None`.
    pub fn load(path: Option<&Path>) -> Result<Self> {
        let Some(path) = path else {
            return Ok(Self::default());
        };
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("config file '{}' cannot be read: check the path", path.display()))?;
        let config: Config = toml::from_str(&text).map_err(|e| {
            anyhow::anyhow!(
                "config file '{}' is not valid: {}",
                path.display(),
                e.to_string().lines().collect::<Vec<_>>().join(" ")
            )
        })?;
        // Checked here once for every command (report and compare too), before any work.
        config
            .pose
            .validate()
            .and_then(|()| config.analysis.validate())
            .map_err(|e| anyhow::anyhow!("config file '{}': {e:#}", path.display()))?;
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pose::landmarks::ModelVariant;

    #[test]
    fn toml_overrides_defaults_and_unknown_keys_fail() {
        let c: Config =
            toml::from_str("[pose]\nmodel = \"lite\"\nrunner_zone = [0.2, 0.0, 0.8, 1.0]\n").unwrap();
        assert_eq!(c.pose.model, ModelVariant::Lite);
        assert_eq!(c.pose.runner_zone.x0, 0.2);
        assert_eq!(c.pose.threads, 2);
        assert!(toml::from_str::<Config>("[pose]\nmodle = \"lite\"\n").is_err());
    }
}

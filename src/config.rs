//! Settings: a TOML file (optional) overridden by command-line flags, validated once into
//! [`Settings`], the only form in which the commands take them. Each stage owns its section
//! (`pose::config`, `analysis`, `report`) and its checks; this module gathers them and reads
//! the file.
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

/// The settings one command runs with: the file's sections with the command line's flags
/// applied, checked together. Only [`Settings::checked`] makes one, so a command never
/// checks them again.
#[derive(Debug, Clone)]
pub struct Settings {
    pub(crate) pose: PoseConfig,
    pub(crate) analysis: AnalysisConfig,
    pub(crate) report: ReportConfig,
}

impl Settings {
    /// The session's place in its runner's course, once its folder is claimed (the number
    /// may have moved on if another session took the name meanwhile).
    pub fn set_course(&mut self, course: crate::session::course::Course) {
        self.report.course = Some(course);
    }

    /// Every section checked; the error says which setting is wrong and how.
    pub fn checked(pose: PoseConfig, analysis: AnalysisConfig, report: ReportConfig) -> Result<Self> {
        pose.validate()?;
        analysis.validate()?;
        Ok(Self {
            pose,
            analysis,
            report,
        })
    }

    pub fn pose(&self) -> &PoseConfig {
        &self.pose
    }

    pub fn analysis(&self) -> &AnalysisConfig {
        &self.analysis
    }

    pub fn report(&self) -> &ReportConfig {
        &self.report
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

    #[test]
    fn settings_are_made_only_from_checked_sections() {
        let c = Config::default();
        assert!(Settings::checked(c.pose.clone(), c.analysis.clone(), c.report.clone()).is_ok());
        let mut pose = c.pose.clone();
        pose.threads = 0;
        assert!(Settings::checked(pose, c.analysis.clone(), c.report.clone()).is_err());
        let mut analysis = c.analysis.clone();
        analysis.min_visibility = 2.0;
        assert!(Settings::checked(c.pose, analysis, c.report).is_err());
    }
}

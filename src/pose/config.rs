//! The pose stage's settings (`[pose]` in the configuration): which landmark model, where
//! the models and ONNX Runtime live, threads, and the treadmill zone the runner stays in.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use super::landmarks::ModelVariant;
use super::runtime;

/// A rectangle in fractions of the frame (0..1) where the runner's hips must lie: the
/// treadmill zone. People outside it (a clinician, someone walking past) are ignored.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(from = "[f32; 4]", into = "[f32; 4]")]
pub struct RunnerZone {
    pub x0: f32,
    pub y0: f32,
    pub x1: f32,
    pub y1: f32,
}

impl Default for RunnerZone {
    fn default() -> Self {
        Self {
            x0: 0.0,
            y0: 0.0,
            x1: 1.0,
            y1: 1.0,
        }
    }
}

impl From<[f32; 4]> for RunnerZone {
    fn from(v: [f32; 4]) -> Self {
        Self {
            x0: v[0],
            y0: v[1],
            x1: v[2],
            y1: v[3],
        }
    }
}

impl From<RunnerZone> for [f32; 4] {
    fn from(z: RunnerZone) -> Self {
        [z.x0, z.y0, z.x1, z.y1]
    }
}

impl std::str::FromStr for RunnerZone {
    type Err = anyhow::Error;

    /// Parses `x0,y0,x1,y1` in fractions of the frame.
    fn from_str(s: &str) -> Result<Self> {
        let v: Vec<f32> = s
            .split(',')
            .map(|p| p.trim().parse::<f32>())
            .collect::<std::result::Result<_, _>>()
            .with_context(|| format!("runner zone '{s}' must be four numbers x0,y0,x1,y1 between 0 and 1"))?;
        let zone = match v[..] {
            [x0, y0, x1, y1] => RunnerZone { x0, y0, x1, y1 },
            _ => bail!("runner zone '{s}' must be four numbers x0,y0,x1,y1 between 0 and 1"),
        };
        zone.validate()?;
        Ok(zone)
    }
}

impl RunnerZone {
    pub fn validate(&self) -> Result<()> {
        let inside = [self.x0, self.y0, self.x1, self.y1]
            .iter()
            .all(|v| (0.0..=1.0).contains(v));
        if !inside || self.x0 >= self.x1 || self.y0 >= self.y1 {
            bail!(
                "runner zone [{}, {}, {}, {}] must satisfy 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1",
                self.x0,
                self.y0,
                self.x1,
                self.y1
            );
        }
        Ok(())
    }

    /// Whether image point `p` lies in the zone of a `width` × `height` frame.
    pub fn contains(&self, p: (f32, f32), width: i32, height: i32) -> bool {
        let (u, v) = (p.0 / width as f32, p.1 / height as f32);
        (self.x0..=self.x1).contains(&u) && (self.y0..=self.y1).contains(&v)
    }
}

/// Pose-stage settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PoseConfig {
    pub model: ModelVariant,
    /// Folder holding `pose_detection.onnx` and the landmark models.
    pub models_dir: PathBuf,
    /// The ONNX Runtime shared library.
    pub runtime_library: PathBuf,
    /// ONNX Runtime intra-op threads per model.
    pub threads: usize,
    pub runner_zone: RunnerZone,
    /// Below this landmark-model presence the runner counts as lost (MediaPipe uses 0.5).
    pub min_presence: f32,
    /// Detector score needed to start tracking someone (MediaPipe uses 0.5).
    pub min_detection_score: f32,
    /// People taller than this fraction of the frame are detector artefacts.
    pub max_person_height: f32,
    /// Choose as the runner only someone who looks like one (side-on, upright, a foot in
    /// view, for ten frames in a row) and keep them by their signature (`pose::runner`).
    /// Off: the lowest person in the zone at once, as for a single photograph.
    pub choose_runner: bool,
}

impl Default for PoseConfig {
    fn default() -> Self {
        Self {
            model: ModelVariant::Full,
            models_dir: default_models_dir(),
            runtime_library: runtime::default_library_path(),
            threads: 2,
            runner_zone: RunnerZone::default(),
            min_presence: 0.5,
            min_detection_score: 0.5,
            max_person_height: 0.9,
            choose_runner: true,
        }
    }
}

impl PoseConfig {
    pub fn validate(&self) -> Result<()> {
        self.runner_zone.validate()?;
        if !(1..=16).contains(&self.threads) {
            bail!("pose.threads = {} must be between 1 and 16", self.threads);
        }
        for (name, v) in [
            ("pose.min_presence", self.min_presence),
            ("pose.min_detection_score", self.min_detection_score),
        ] {
            if !(0.0..=1.0).contains(&v) {
                bail!("{name} = {v} must be between 0 and 1");
            }
        }
        if self.max_person_height <= 0.0 {
            bail!(
                "pose.max_person_height = {} must be above 0",
                self.max_person_height
            );
        }
        Ok(())
    }
}

/// `models/` in the working folder, else the one in the source tree it was built from.
fn default_models_dir() -> PathBuf {
    let local = PathBuf::from("models");
    if local.join("pose_detection.onnx").exists() {
        return local;
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("models")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_parses_and_rejects_nonsense() {
        let z: RunnerZone = "0.1, 0.2, 0.9, 1".parse().unwrap();
        assert_eq!(z, RunnerZone::from([0.1, 0.2, 0.9, 1.0]));
        assert!(z.contains((500.0, 500.0), 1000, 1000));
        assert!(!z.contains((50.0, 500.0), 1000, 1000));
        assert!("0.5,0,0.4,1".parse::<RunnerZone>().is_err());
        assert!("0,0,1".parse::<RunnerZone>().is_err());
        assert!("a,b,c,d".parse::<RunnerZone>().is_err());
    }
}

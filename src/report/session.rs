//! A finished session folder read back: `summary.json`, `steps.csv` and, when present,
//! the annotated video and keypoints.

use crate::analysis::Metric;
pub use crate::session::steps::StepRow;
use crate::session::steps::{self, Column};
use std::path::{Path, PathBuf};

use anyhow::{bail, Result};

use crate::session::summary::{self, Summary};

pub struct Session {
    pub dir: PathBuf,
    pub summary: Summary,
    pub steps: Vec<StepRow>,
    /// Where its frames are: `annotated.mp4`, or a live session's recordings.
    pub recordings: Vec<super::recordings::Recording>,
    pub keypoints: Option<PathBuf>,
    /// Frames per second of the session's frame numbers: the summary's, else (sessions
    /// recorded before it was kept) from the keypoints' frame numbers and times, else 30.
    pub fps: f64,
}

impl Session {
    pub fn load(dir: &Path) -> Result<Self> {
        let shown = dir.display();
        if !dir.is_dir() {
            bail!("session folder '{shown}' not found: give a folder written by gaitcue analyze or live");
        }
        let summary_path = dir.join("summary.json");
        if !summary_path.exists() {
            bail!("folder '{shown}' has no summary.json: is it a gaitcue session folder? (gaitcue analyze or live writes one)");
        }
        let summary = summary::read(&summary_path)?;
        let steps_path = dir.join("steps.csv");
        if !steps_path.exists() {
            bail!("folder '{shown}' has no steps.csv: is it a gaitcue session folder?");
        }
        let steps = steps::read(&steps_path)?;
        let source = Some(PathBuf::from(&summary.session.source));
        let recordings = super::recordings::find(dir, source.as_deref());
        let keypoints = Some(dir.join("keypoints.jsonl")).filter(|p| p.exists());
        let fps = Some(summary.session.fps)
            .filter(|f| f.is_finite() && *f > 0.0)
            .or_else(|| {
                keypoints
                    .as_deref()
                    .and_then(crate::session::keypoints::frame_rate)
            })
            .unwrap_or(30.0);
        Ok(Self {
            dir: dir.to_path_buf(),
            summary,
            steps,
            recordings,
            keypoints,
            fps,
        })
    }

    /// The belt speed typed for the whole session, km/h (sessions written before each step
    /// carried its own).
    pub fn typed_belt_speed_kmh(&self) -> Option<f64> {
        self.summary
            .session
            .belt_speed
            .as_deref()
            .and_then(|t| t.parse::<crate::analysis::scale::BeltSpeed>().ok())
            .map(|b| b.metres_per_second * 3.6)
    }

    /// Per-side summary of one metric: (median, q1, q3, n).
    pub fn summary_of(&self, side: &str, metric: Metric) -> Option<(f64, f64, f64, u64)> {
        let m = self.summary.metric(side, metric)?;
        Some((m.median?, m.q1?, m.q3?, m.n as u64))
    }

    /// The side ("left" or "right") whose leg was seen clearly better than the other's, from
    /// each side's median confidence at contact (as the summary's warning judges it);
    /// `None` when both were seen alike or too few steps were counted.
    pub fn trusted_side(&self) -> Option<&'static str> {
        let seen = |side: &str| {
            self.summary_of(side, Metric::Confidence)
                .filter(|(_, _, _, n)| *n >= 5)
                .map(|(m, ..)| m)
        };
        crate::analysis::sides::better_seen(seen("left")?, seen("right")?).map(|s| s.name())
    }

    /// The metric names the summary holds.
    pub fn metric_names(&self) -> Vec<String> {
        self.summary.per_side.both.keys().cloned().collect()
    }

    /// Values of `metric` over the valid steps, with their contact times (steps that failed
    /// the gait-validity gate never reach a chart; folders from before the gate have no
    /// `valid` column and count as valid).
    pub fn series(&self, metric: Metric, side: Option<&str>) -> Vec<(f64, f64)> {
        self.steps
            .iter()
            .filter(|s| s.text(Column::Valid) != "false")
            .filter(|s| side.is_none_or(|side| s.text(Column::Side) == side))
            .filter_map(|s| Some((s.num(Column::IcTime)?, s.value(metric)?)))
            .collect()
    }
}

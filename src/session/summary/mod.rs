//! `summary.json`: the machine-readable summary of a session — the facts of the session
//! (source, frame rate, settings, how the run went), its movement (running, walking or not
//! gait), and per side the median and spread (quartiles) of every step metric over the valid
//! steps, with its unit, definition and step count. Medians need at least
//! [`MIN_VALID_STEPS`] valid steps on a side; otherwise they are withheld, with the reason.
//! One type, [`Summary`], is written and read back; fields an earlier version did not
//! write read as unknown (a folder from before the running checks has no valid steps).

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::analysis::validity::Gait;
use crate::analysis::{Metric, Side};

mod build;

pub use build::{build, runner, session_gait, MIN_VALID_STEPS};

/// The whole file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub session: SessionFacts,
    #[serde(default)]
    pub runner: Runner,
    /// The session's movement (see [`session_gait`]).
    #[serde(default)]
    pub gait: Gait,
    /// Steps of each movement, by its name.
    #[serde(default)]
    pub gait_steps: BTreeMap<String, usize>,
    /// The leg nearer the camera (seen better: its numbers are the ones to read first).
    #[serde(default)]
    pub near_side: Option<Side>,
    /// Steps seen.
    #[serde(default)]
    pub steps: usize,
    /// Steps that passed every running check: only they feed medians, cues and charts.
    #[serde(default)]
    pub valid_steps: usize,
    /// Steps not counted, by reason.
    #[serde(default)]
    pub invalid_reasons: BTreeMap<String, usize>,
    /// Why a side's medians are not given (`None`: they are).
    #[serde(default)]
    pub medians_withheld: BySide<Option<String>>,
    #[serde(default)]
    pub pelvic_tilt_sources: Vec<String>,
    /// Times each cue was shown.
    #[serde(default)]
    pub cues_shown: BTreeMap<String, usize>,
    /// Each metric's summary by its name, per side.
    #[serde(default)]
    pub per_side: BySide<BTreeMap<String, MetricSummary>>,
    /// The clock's verdict from the hips' fall in flight (`analysis::time_base`).
    #[serde(default)]
    pub time_base: Value,
    /// Per belt-speed stage medians (`record::speed_stages`).
    #[serde(default)]
    pub speed_stages: Value,
    #[serde(default)]
    pub speed_strategy: Value,
    /// How much of the time a cue was due it was shown (`analysis::feedback`).
    #[serde(default)]
    pub feedback: Value,
    /// The cue rules in force.
    #[serde(default)]
    pub cue_rules: Value,
}

/// Facts about the session: where the frames came from, at what rate, with what settings,
/// and how the run went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionFacts {
    /// The video, camera or keypoints file, as described to the user.
    pub source: String,
    /// "live" for a live session (`None`: analysed from a file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// Frames per second of the frame numbers (the recording's rate). Always written; a
    /// summary from before it was kept reads as 0 (unknown).
    #[serde(default)]
    pub fps: f64,
    /// How many times slower the file plays than it was filmed (`--filmed-fps`, a phone's
    /// slow motion); `fps` and every time are as filmed. `None`: as the file states.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plays_slower_by: Option<f64>,
    #[serde(default)]
    pub created_unix_s: u64,
    #[serde(default)]
    pub gaitcue_version: Option<String>,
    #[serde(default)]
    pub pose_model: Option<String>,
    /// The belt speed as given (`--belt-speed`).
    #[serde(default)]
    pub belt_speed: Option<String>,
    #[serde(default)]
    pub speed_schedule: Option<String>,
    #[serde(default)]
    pub patient: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
    /// Where the session stands in its runner's course (`--runner`): test, retraining
    /// session N, retest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub course: Option<crate::session::course::Course>,
    /// What made the session hard or impossible to measure, one sentence each.
    #[serde(default)]
    pub warnings: Vec<String>,
    /// Seconds and times the runner was lost, and the most people seen at once.
    #[serde(default)]
    pub runner_lost_s: Option<f64>,
    #[serde(default)]
    pub runner_lost_times: Option<u64>,
    #[serde(default)]
    pub most_people_in_view: Option<u64>,
    /// The analysis and pose settings in force.
    #[serde(default)]
    pub settings: Value,
    /// How the run went (frames, drops, stage times, memory…), as each command measured it.
    #[serde(flatten)]
    pub run: Map<String, Value>,
}

impl SessionFacts {
    /// The facts every session has: its source, its frame rate and when it was made.
    pub fn new(source: &str, fps: f64) -> Self {
        Self {
            source: source.to_string(),
            mode: None,
            fps,
            plays_slower_by: None,
            created_unix_s: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0),
            gaitcue_version: Some(env!("CARGO_PKG_VERSION").to_string()),
            pose_model: None,
            belt_speed: None,
            speed_schedule: None,
            patient: None,
            notes: None,
            course: None,
            warnings: Vec::new(),
            runner_lost_s: None,
            runner_lost_times: None,
            most_people_in_view: None,
            settings: Value::Null,
            run: Map::new(),
        }
    }
}

/// Who the session describes, as the camera saw them.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Runner {
    pub leg_length_px: Option<f64>,
    pub leg_length_cm: Option<f64>,
    /// "left" or "right".
    pub facing: Option<String>,
}

/// One value per side and for both sides together.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct BySide<T> {
    pub left: T,
    pub right: T,
    pub both: T,
}

impl<T> BySide<T> {
    /// "left", "right" or "both".
    pub fn get(&self, side: &str) -> Option<&T> {
        match side {
            "left" => Some(&self.left),
            "right" => Some(&self.right),
            "both" => Some(&self.both),
            _ => None,
        }
    }
}

/// One metric over a side's valid steps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricSummary {
    pub unit: String,
    pub definition: String,
    /// Steps with a known value.
    pub n: usize,
    pub median: Option<f64>,
    pub q1: Option<f64>,
    pub q3: Option<f64>,
}

impl Summary {
    /// `metric` over `side`'s valid steps ("left", "right" or "both").
    pub fn metric(&self, side: &str, metric: Metric) -> Option<&MetricSummary> {
        self.per_side.get(side)?.get(metric.name())
    }
}

/// Writes `summary` to `path` whole (through a temporary file).
pub fn write(path: &Path, summary: &Summary) -> Result<()> {
    let text = serde_json::to_string_pretty(summary)?;
    crate::session::atomic::write_atomically(path, (text + "\n").as_bytes())
        .with_context(|| "is the disk full?".to_string())
}

/// Reads `summary.json` at `path`; the error says what is wrong in words.
pub fn read(path: &Path) -> Result<Summary> {
    if !path.exists() {
        bail!(
            "'{}' not found: is it a gaitcue session folder? (gaitcue analyze or live writes one)",
            path.display()
        );
    }
    let text = std::fs::read_to_string(path).with_context(|| format!("reading '{}'", path.display()))?;
    let value: Value = serde_json::from_str(&text).map_err(|e| {
        anyhow!(
            "'{}' is not valid JSON ({e}): the session was cut off; analyse it again",
            path.display()
        )
    })?;
    serde_json::from_value(value).map_err(|e| {
        anyhow!(
            "'{}' is not a gaitcue session summary ({e}): it was written by another program or edited",
            path.display()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::StepRecord;

    fn step(n: usize, side: Side, overstride: f64, valid: bool) -> StepRecord {
        StepRecord::example(n, side, overstride, valid)
    }

    #[test]
    fn the_summary_written_is_the_summary_read() {
        let steps: Vec<StepRecord> = (1..=30usize)
            .map(|n| {
                let side = if n.is_multiple_of(2) {
                    Side::Right
                } else {
                    Side::Left
                };
                step(n, side, 0.10 + 0.002 * n as f64, n > 4)
            })
            .collect();
        let mut facts = SessionFacts::new("video 'run.mp4'", 59.94);
        facts.patient = Some("J. D.".into());
        facts.warnings = vec!["the video has 24 frames per second".into()];
        facts.run.insert("frames".into(), 720.into());
        let mut summary = build(&steps, facts);
        summary.feedback = serde_json::json!({"retest": false, "cue_due_s": 12.5});
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("summary.json");
        write(&path, &summary).unwrap();
        let read = read(&path).unwrap();
        assert_eq!(read, summary);
        // What the file says, by name: a reader of the JSON alone gets the same.
        let json: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(json["session"]["fps"], 59.94);
        assert_eq!(json["session"]["frames"], 720);
        assert_eq!(json["gait"], "running");
        assert_eq!(json["near_side"], "left");
        assert_eq!(json["valid_steps"], 26);
        assert_eq!(json["invalid_reasons"]["first steps: still learning the belt"], 4);
        assert_eq!(json["cues_shown"]["Land under your hips"], 6);
        assert!(json["medians_withheld"]["both"].is_null());
        let overstride = read.metric("left", Metric::Overstride).unwrap();
        assert_eq!(overstride.n, 13);
        // Left steps 5, 7 … 29: the median is step 17's.
        assert_eq!(overstride.median, Some(0.134));
    }

    #[test]
    fn an_earlier_summary_reads_with_unknowns_and_a_foreign_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("summary.json");
        let summary = build(&[], SessionFacts::new("camera 0", 30.0));
        let mut json = serde_json::to_value(&summary).unwrap();
        for key in ["fps", "warnings", "runner_lost_s"] {
            json["session"].as_object_mut().unwrap().remove(key);
        }
        // A folder from before the running checks: no movement, valid steps, runner or
        // withheld medians.
        for key in [
            "speed_stages",
            "runner",
            "gait",
            "valid_steps",
            "medians_withheld",
        ] {
            json.as_object_mut().unwrap().remove(key);
        }
        std::fs::write(&path, json.to_string()).unwrap();
        let read = read(&path).unwrap();
        assert_eq!(read.session.fps, 0.0);
        assert_eq!(read.session.runner_lost_s, None);
        assert_eq!((read.valid_steps, read.gait), (0, Gait::NotGait));
        assert_eq!(read.runner, Runner::default());
        std::fs::write(&path, r#"{"steps": "many"}"#).unwrap();
        let err = read_err(&path);
        assert!(err.contains("is not a gaitcue session summary"), "{err}");
        std::fs::write(&path, r#"{"session": "#).unwrap();
        assert!(read_err(&path).contains("the session was cut off"));
    }

    fn read_err(path: &Path) -> String {
        read(path).unwrap_err().to_string()
    }
}

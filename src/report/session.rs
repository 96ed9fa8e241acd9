//! A finished session folder read back: `summary.json`, `steps.csv` and, when present,
//! the annotated video and keypoints.

use crate::analysis::Metric;
use crate::record::steps::Column;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use serde_json::Value;

/// One row of `steps.csv`, by column name.
#[derive(Debug, Clone)]
pub struct StepRow(HashMap<String, String>);

impl StepRow {
    /// The cell as a number; `inf` and `NaN` (a damaged or hand-edited file) are unknown.
    pub fn num(&self, column: Column) -> Option<f64> {
        self.0
            .get(column.name())
            .and_then(|v| v.parse::<f64>().ok())
            .filter(|v| v.is_finite())
    }

    pub fn text(&self, column: Column) -> &str {
        self.0.get(column.name()).map(String::as_str).unwrap_or("")
    }

    /// `metric`'s value in this step (`None`: unknown or not a number).
    pub fn value(&self, metric: Metric) -> Option<f64> {
        self.num(Column::Metric(metric))
    }
}

pub struct Session {
    pub dir: PathBuf,
    pub summary: Value,
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
        let summary: Value = serde_json::from_str(
            &std::fs::read_to_string(&summary_path)
                .with_context(|| format!("reading '{}'", summary_path.display()))?,
        )
        .map_err(|e| {
            anyhow!(
                "'{}' is not valid JSON ({e}): the session was cut off; analyse it again",
                summary_path.display()
            )
        })?;
        let steps_path = dir.join("steps.csv");
        let mut reader = csv::Reader::from_path(&steps_path)
            .map_err(|e| anyhow!("folder '{shown}' has no readable steps.csv ({e})"))?;
        let header: Vec<String> = reader.headers()?.iter().map(String::from).collect();
        let mut steps = Vec::new();
        for (i, row) in reader.records().enumerate() {
            let row = row.map_err(|e| anyhow!("'{}' row {}: {e}", steps_path.display(), i + 2))?;
            steps.push(StepRow(
                header.iter().cloned().zip(row.iter().map(String::from)).collect(),
            ));
        }
        let not_finite = steps
            .iter()
            .flat_map(|r| r.0.values())
            .filter(|v| v.parse::<f64>().is_ok_and(|x| !x.is_finite()))
            .count();
        if not_finite > 0 {
            eprintln!(
                "gaitcue: warning: '{}' has {not_finite} cells that are not finite numbers (inf or NaN); they are read as unknown",
                steps_path.display()
            );
        }
        let source = summary["session"]["source"]
            .as_str()
            .map(std::path::PathBuf::from);
        let recordings = super::recordings::find(dir, source.as_deref());
        let keypoints = Some(dir.join("keypoints.jsonl")).filter(|p| p.exists());
        let fps = summary["session"]["fps"]
            .as_f64()
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

    /// Per-side summary of one metric: (median, q1, q3, n).
    pub fn summary_of(&self, side: &str, metric: Metric) -> Option<(f64, f64, f64, u64)> {
        let m = &self.summary["per_side"][side][metric.name()];
        Some((
            m["median"].as_f64()?,
            m["q1"].as_f64()?,
            m["q3"].as_f64()?,
            m["n"].as_u64()?,
        ))
    }

    /// The metric names the summary holds.
    pub fn metric_names(&self) -> Vec<String> {
        self.summary["per_side"]["both"]
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
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

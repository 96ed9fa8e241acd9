//! `summary.json`: the machine-readable summary of a session — per side, the median and
//! spread (quartiles) of every step metric, with its unit, definition and step count.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use serde::Serialize;
use serde_json::{json, Value};

use crate::analysis::geometry::quantile;
use crate::analysis::{Side, StepRecord, METRICS};

#[derive(Debug, Serialize)]
pub struct MetricSummary {
    pub unit: &'static str,
    pub definition: &'static str,
    /// Steps with a known value.
    pub n: usize,
    pub median: Option<f64>,
    pub q1: Option<f64>,
    pub q3: Option<f64>,
}

fn summarise(steps: &[&StepRecord]) -> BTreeMap<&'static str, MetricSummary> {
    METRICS
        .iter()
        .map(|info| {
            let values: Vec<f64> = steps.iter().filter_map(|s| s.value(info.metric)).collect();
            let round = |v: Option<f64>| v.map(|x| (x * 1e4).round() / 1e4);
            (
                info.name,
                MetricSummary {
                    unit: info.unit,
                    definition: info.definition,
                    n: values.len(),
                    median: round(quantile(&values, 0.5)),
                    q1: round(quantile(&values, 0.25)),
                    q3: round(quantile(&values, 0.75)),
                },
            )
        })
        .collect()
}

/// Builds the summary; `session` holds facts about the source and settings.
pub fn build(steps: &[StepRecord], session: Value) -> Value {
    let by_side = |side: Option<Side>| -> Vec<&StepRecord> {
        steps
            .iter()
            .filter(|s| side.is_none_or(|side| s.side == side))
            .collect()
    };
    let mut cues: BTreeMap<String, usize> = BTreeMap::new();
    for s in steps {
        if let Some(c) = &s.cue {
            *cues.entry(c.clone()).or_default() += 1;
        }
    }
    let tilt_sources: Vec<&str> = {
        let mut v: Vec<&str> = steps.iter().filter_map(|s| s.pelvic_tilt_source).collect();
        v.sort();
        v.dedup();
        v
    };
    // The leg nearer the camera is seen better: its numbers are the ones to read first.
    let confidence = |side| {
        quantile(
            &by_side(Some(side))
                .iter()
                .map(|s| s.confidence)
                .collect::<Vec<_>>(),
            0.5,
        )
    };
    let near_side = match (confidence(Side::Left), confidence(Side::Right)) {
        (Some(l), Some(r)) => Some(if l >= r { "left" } else { "right" }),
        (Some(_), None) => Some("left"),
        (None, Some(_)) => Some("right"),
        (None, None) => None,
    };
    json!({
        "session": session,
        "near_side": near_side,
        "steps": steps.len(),
        "pelvic_tilt_sources": tilt_sources,
        "cues_shown": cues,
        "per_side": {
            "left": summarise(&by_side(Some(Side::Left))),
            "right": summarise(&by_side(Some(Side::Right))),
            "both": summarise(&by_side(None)),
        },
    })
}

pub fn write(path: &Path, summary: &Value) -> Result<()> {
    let text = serde_json::to_string_pretty(summary)?;
    std::fs::write(path, text + "\n")
        .with_context(|| format!("writing '{}' (is the disk full?)", path.display()))
}

//! `summary.json`: the machine-readable summary of a session — its movement (running,
//! walking or not gait), and per side the median and spread (quartiles) of every step metric
//! over the valid steps, with its unit, definition and step count. Medians need at least
//! [`MIN_VALID_STEPS`] valid steps on a side; otherwise they are withheld, with the reason.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use serde::Serialize;
use serde_json::{json, Value};

use crate::analysis::geometry::quantile;
use crate::analysis::validity::Gait;
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

/// Valid steps a side needs before its medians are given [Dingenen 2018 averages at least
/// 7 per side; 10 leaves room for a few unknown values].
pub const MIN_VALID_STEPS: usize = 10;

fn summarise(steps: &[&StepRecord]) -> BTreeMap<&'static str, MetricSummary> {
    let enough = steps.len() >= MIN_VALID_STEPS;
    METRICS
        .iter()
        .map(|info| {
            let values: Vec<f64> = if enough {
                steps.iter().filter_map(|s| s.value(info.metric)).collect()
            } else {
                Vec::new()
            };
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

/// The session's movement: running or walking when at least 60 % of the steps that could be
/// told apart (and at least 4) agree, else not gait.
pub fn session_gait(steps: &[StepRecord]) -> Gait {
    let count = |g: Gait| steps.iter().filter(|s| s.gait == g).count();
    let told = count(Gait::Running) + count(Gait::Walking);
    [Gait::Running, Gait::Walking]
        .into_iter()
        .find(|g| told >= 4 && count(*g) as f64 >= 0.6 * told as f64)
        .unwrap_or(Gait::NotGait)
}

/// Who the session describes, as the camera saw them: leg length in pixels (and in cm when
/// a scale is known) and the way they face, over the valid steps (every step when none is).
pub fn runner(steps: &[StepRecord]) -> Value {
    let valid: Vec<&StepRecord> = steps.iter().filter(|s| s.valid).collect();
    let pool: Vec<&StepRecord> = if valid.is_empty() {
        steps.iter().collect()
    } else {
        valid
    };
    let legs: Vec<f64> = pool.iter().map(|s| s.leg_length_px).collect();
    // overstride_cm / overstride_ratio is the leg length in cm, where a scale was known.
    let legs_cm: Vec<f64> = pool
        .iter()
        .filter_map(|s| s.overstride_cm.zip(s.overstride_ratio))
        .filter(|(_, r)| r.abs() >= 0.02)
        .map(|(cm, r)| cm / r)
        .collect();
    let right = pool.iter().filter(|s| s.facing == "right").count();
    let facing = match (right, pool.len()) {
        (_, 0) => None,
        (r, n) if 2 * r > n => Some("right"),
        (r, n) if 2 * r < n => Some("left"),
        _ => None,
    };
    let round = |v: Option<f64>| v.map(|x| (x * 10.0).round() / 10.0);
    json!({
        "leg_length_px": round(quantile(&legs, 0.5)),
        "leg_length_cm": round(quantile(&legs_cm, 0.5)),
        "facing": facing,
    })
}

/// Builds the summary; `session` holds facts about the source and settings.
pub fn build(steps: &[StepRecord], session: Value) -> Value {
    // Only steps that passed the gait-validity gate feed the medians.
    let by_side = |side: Option<Side>| -> Vec<&StepRecord> {
        steps
            .iter()
            .filter(|s| s.valid && side.is_none_or(|side| s.side == side))
            .collect()
    };
    let mut invalid: BTreeMap<String, usize> = BTreeMap::new();
    for s in steps.iter().filter(|s| !s.valid) {
        *invalid.entry(s.reason.clone().unwrap_or_default()).or_default() += 1;
    }
    let mut gaits: BTreeMap<&'static str, usize> = BTreeMap::new();
    for s in steps {
        *gaits.entry(s.gait.name()).or_default() += 1;
    }
    let gait = session_gait(steps);
    let withheld = |side: Option<Side>| -> Option<String> {
        let n = by_side(side).len();
        (n < MIN_VALID_STEPS).then(|| {
            let why = match gait {
                Gait::Running => "",
                Gait::Walking => " (the session is walking, not running)",
                Gait::NotGait => " (no running was recognised)",
            };
            if n == 0 {
                format!("no valid running steps; {MIN_VALID_STEPS} are needed{why}")
            } else {
                format!("only {n} valid running steps; {MIN_VALID_STEPS} are needed{why}")
            }
        })
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
            &steps
                .iter()
                .filter(|s| s.side == side)
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
        "runner": runner(steps),
        "gait": gait.name(),
        "gait_steps": gaits,
        "near_side": near_side,
        "steps": steps.len(),
        "valid_steps": by_side(None).len(),
        "invalid_reasons": invalid,
        "medians_withheld": {
            "left": withheld(Some(Side::Left)),
            "right": withheld(Some(Side::Right)),
            "both": withheld(None),
        },
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
    crate::session::atomic::write_atomically(path, (text + "\n").as_bytes())
        .with_context(|| "is the disk full?".to_string())
}

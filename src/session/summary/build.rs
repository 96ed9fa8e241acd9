//! The summary built from a session's steps: the movement, per-side medians and spreads
//! over the valid steps, the reasons steps were not counted, the cues shown.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{BySide, MetricSummary, Runner, SessionFacts, Summary};
use crate::analysis::geometry::quantile;
use crate::analysis::validity::Gait;
use crate::analysis::{Side, StepRecord, METRICS};

/// Valid steps a side needs before its medians are given [Dingenen 2018 averages at least
/// 7 per side; 10 leaves room for a few unknown values].
pub const MIN_VALID_STEPS: usize = 10;

fn summarise(steps: &[&StepRecord]) -> BTreeMap<String, MetricSummary> {
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
                info.name.to_string(),
                MetricSummary {
                    unit: info.unit.to_string(),
                    definition: info.definition.to_string(),
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
pub fn runner(steps: &[StepRecord]) -> Runner {
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
    Runner {
        leg_length_px: round(quantile(&legs, 0.5)),
        leg_length_cm: round(quantile(&legs_cm, 0.5)),
        facing: facing.map(String::from),
    }
}

/// Builds the summary of `steps`; `session` holds facts about the source, the settings and
/// the run. The sections written by other stages (time base, speed stages, feedback, cue
/// rules) start empty.
pub fn build(steps: &[StepRecord], session: SessionFacts) -> Summary {
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
    let mut gaits: BTreeMap<String, usize> = BTreeMap::new();
    for s in steps {
        *gaits.entry(s.gait.name().to_string()).or_default() += 1;
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
    let tilt_sources: Vec<String> = {
        let mut v: Vec<String> = steps
            .iter()
            .filter_map(|s| s.pelvic_tilt_source.map(String::from))
            .collect();
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
        (Some(l), Some(r)) => Some(if l >= r { Side::Left } else { Side::Right }),
        (Some(_), None) => Some(Side::Left),
        (None, Some(_)) => Some(Side::Right),
        (None, None) => None,
    };
    Summary {
        session,
        runner: runner(steps),
        gait,
        gait_steps: gaits,
        near_side,
        steps: steps.len(),
        valid_steps: by_side(None).len(),
        invalid_reasons: invalid,
        medians_withheld: BySide {
            left: withheld(Some(Side::Left)),
            right: withheld(Some(Side::Right)),
            both: withheld(None),
        },
        pelvic_tilt_sources: tilt_sources,
        cues_shown: cues,
        per_side: BySide {
            left: summarise(&by_side(Some(Side::Left))),
            right: summarise(&by_side(Some(Side::Right))),
            both: summarise(&by_side(None)),
        },
        time_base: Value::Null,
        speed_stages: Value::Null,
        speed_strategy: Value::Null,
        feedback: Value::Null,
        cue_rules: Value::Null,
    }
}

//! `speed_stages` and `speed_strategy` in `summary.json`: the session stage by stage of belt
//! speed, and how the runner met each rise in speed — with longer steps or with more of
//! them. On a treadmill step length = belt speed × step time, so for one increment
//! Δln step length / Δln speed + Δln cadence / Δln speed = 1: the two shares of the rise.
//! Runners lengthen their steps first and turn to cadence at higher speeds [Dorn 2012];
//! the speed where cadence takes over more than half is reported.

use serde_json::{json, Value};

use crate::analysis::geometry::quantile;
use crate::analysis::{Metric, Side, SpeedSpan, StageConfig, StepRecord};

/// What each stage reports, median and quartiles over its analysed valid steps.
pub const STAGE_METRICS: [Metric; 8] = [
    Metric::Cadence,
    Metric::StepLength,
    Metric::ContactTime,
    Metric::DutyFactor,
    Metric::Overstride,
    Metric::ShankAngleIc,
    Metric::ThighExtensionTo,
    Metric::TrunkLean,
];

/// A speed rise smaller than this (ln) is not split into shares: the noise would dominate.
const MIN_RISE_LN: f64 = 0.02;

fn round(v: Option<f64>, decimals: usize) -> Value {
    let k = 10f64.powi(decimals as i32);
    v.map(|x| (x * k).round() / k).into()
}

struct Stage {
    speed_kmh: Option<f64>,
    ratio_to_previous: Option<f64>,
    enough: bool,
    cadence: Option<f64>,
    step_length: Option<f64>,
}

/// `speed_stages` (one object per stage) and `speed_strategy`.
pub fn build(
    steps: &[StepRecord],
    spans: &[SpeedSpan],
    session_end_s: f64,
    cfg: &StageConfig,
) -> (Value, Value) {
    let mut stages = Vec::new();
    let mut out = Vec::new();
    // Stages the session never reached are left out; the last one ends with the session.
    let reached: Vec<&SpeedSpan> = spans
        .iter()
        .enumerate()
        .filter(|(k, s)| *k == 0 || s.from_s < session_end_s)
        .map(|(_, s)| s)
        .collect();
    for (k, span) in reached.iter().enumerate() {
        let end = reached
            .get(k + 1)
            .map_or(session_end_s, |s| s.from_s)
            .min(session_end_s)
            .max(span.from_s);
        let from = (span.from_s + cfg.settle_s).max(end - cfg.analysed_s);
        let analysed: Vec<&StepRecord> = steps
            .iter()
            .filter(|s| s.valid && s.ic_time_s >= from && s.ic_time_s < end)
            .collect();
        let count = |side| analysed.iter().filter(|s| s.side == side).count();
        let (left, right) = (count(Side::Left), count(Side::Right));
        let enough = left.min(right) >= cfg.min_steps_per_side && end > from;
        let stat = |m: Metric| -> (Option<f64>, Value) {
            let values: Vec<f64> = analysed.iter().filter_map(|s| s.value(m)).collect();
            let d = m.info().decimals;
            let median = quantile(&values, 0.5).filter(|_| enough);
            let q = |p| round(quantile(&values, p).filter(|_| enough), d);
            (
                median,
                json!({"median": round(median, d), "q1": q(0.25), "q3": q(0.75), "n": values.len(), "unit": m.info().unit}),
            )
        };
        let mut metrics = serde_json::Map::new();
        for m in STAGE_METRICS {
            metrics.insert(m.name().into(), stat(m).1);
        }
        let withheld = (!enough).then(|| {
            if end <= from {
                format!("the stage is shorter than its {} s of settling", cfg.settle_s)
            } else {
                format!(
                    "{left} left and {right} right valid steps in the analysed {:.0} s; {} per side needed",
                    end - from,
                    cfg.min_steps_per_side
                )
            }
        });
        out.push(json!({
            "stage": k + 1,
            "belt_speed_kmh": round(span.speed_kmh(), 2),
            "speed_source": span.source,
            "speed_ratio_to_previous": round(span.ratio_to_previous, 3),
            "start_s": round(Some(span.from_s), 2),
            "end_s": round(Some(end), 2),
            "analysed_from_s": round(Some(from.min(end)), 2),
            "valid_steps": {"left": left, "right": right},
            "numbers_withheld": withheld,
            "metrics": metrics,
        }));
        stages.push(Stage {
            speed_kmh: span.speed_kmh(),
            ratio_to_previous: span.ratio_to_previous,
            enough,
            cadence: stat(Metric::Cadence).0,
            step_length: stat(Metric::StepLength).0,
        });
    }
    (Value::Array(out), strategy(&stages))
}

/// How each rise in speed split between step length and cadence.
fn strategy(stages: &[Stage]) -> Value {
    let mut increments = Vec::new();
    let mut takes_over: Option<Value> = None;
    for (k, w) in stages.windows(2).enumerate() {
        let (a, b) = (&w[0], &w[1]);
        let rise = match (a.speed_kmh, b.speed_kmh) {
            (Some(va), Some(vb)) => Some(((vb / va).ln(), "as given")),
            _ => b
                .ratio_to_previous
                .map(|r| (r.ln(), "from the foot's speed over the belt")),
        };
        let (Some((dv, speed_from)), true, Some(ca), Some(cb)) =
            (rise, a.enough && b.enough, a.cadence, b.cadence)
        else {
            continue;
        };
        if dv.abs() < MIN_RISE_LN {
            continue;
        }
        let cadence_share = (cb / ca).ln() / dv;
        // Step length measured when the speed is known; otherwise the rest of the rise.
        let (length_share, length_from) = match (a.step_length, b.step_length) {
            (Some(la), Some(lb)) => ((lb / la).ln() / dv, "measured"),
            _ => (
                1.0 - cadence_share,
                "the rest of the rise (no step length without a belt speed)",
            ),
        };
        if takes_over.is_none() && cadence_share > 0.5 && dv > 0.0 {
            takes_over = Some(json!({
                "from_stage": k + 1,
                "above_kmh": round(a.speed_kmh, 2),
            }));
        }
        increments.push(json!({
            "from_stage": k + 1,
            "to_stage": k + 2,
            "from_kmh": round(a.speed_kmh, 2),
            "to_kmh": round(b.speed_kmh, 2),
            "speed_change_ln": round(Some(dv), 4),
            "speed_change_from": speed_from,
            "step_length_share": round(Some(length_share), 3),
            "step_length_share_from": length_from,
            "cadence_share": round(Some(cadence_share), 3),
        }));
    }
    json!({
        "definition": "per rise in belt speed: step_length_share = Δln step length / Δln speed, cadence_share = Δln cadence / Δln speed (they add up to about 1); cadence_takes_over is the first rise in which cadence supplies more than half",
        "increments": increments,
        "cadence_takes_over": takes_over,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_the_session_never_reached_are_left_out() {
        let span = |from_s: f64, kmh: f64| SpeedSpan {
            from_s,
            speed: Some(format!("{kmh} km/h").parse().unwrap()),
            ratio_to_previous: None,
            source: "given",
        };
        let spans = [span(0.0, 8.0), span(90.0, 8.8), span(180.0, 9.7)];
        let (stages, _) = build(&[], &spans, 120.0, &StageConfig::default());
        let stages = stages.as_array().unwrap();
        assert_eq!(stages.len(), 2, "{stages:#?}");
        assert_eq!(stages[1]["end_s"].as_f64(), Some(120.0));
        let (stages, _) = build(&[], &spans, 5.9, &StageConfig::default());
        assert_eq!(stages.as_array().unwrap().len(), 1);
        assert_eq!(stages[0]["end_s"].as_f64(), Some(5.9));
    }
}

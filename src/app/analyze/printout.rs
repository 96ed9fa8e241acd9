//! What `gaitcue analyze` prints when it is done: the files written, how long it took, the
//! cadence of the counted steps and a table of each side's medians, near and far leg named.

use crate::analysis::geometry::median;
use crate::analysis::{Metric, Side, StepRecord};

use super::AnalyzeSummary;
use crate::session::summary::MIN_VALID_STEPS;

impl std::fmt::Display for AnalyzeSummary {
    /// What the clinician sees when the analysis ends: times, what was found, the files.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "analysed {} frames in {:.1} s: pose and analysis {:.1} s ({:.1} frames/s), report {:.1} s; runner found in {} ({:.0} %); {} steps",
            self.frames,
            self.wall_s + self.report_s,
            self.wall_s,
            self.frames as f64 / self.wall_s.max(1e-9),
            self.report_s,
            self.frames_with_runner,
            100.0 * self.frames_with_runner as f64 / self.frames.max(1) as f64,
            self.gait.steps.len()
        )?;
        if let Some((fps, k)) = self.filmed {
            writeln!(
                f,
                "timed as filmed at {fps:.0} frames/s: the clip plays {} (--filmed-fps)",
                crate::capture::filmed::slower_or_faster(k)
            )?;
        }
        if let Some(expected) = self.interrupted {
            let of = expected.map(|n| format!(" of {n}")).unwrap_or_default();
            writeln!(
                f,
                "stopped early (Ctrl-C) after frame {}{of}: the results below cover what was analysed",
                self.frames
            )?;
        }
        write!(f, "{}", PerSide(&self.gait.steps))?;
        if let Some(clip) = &self.clip {
            writeln!(f, "annotated clip: {}", clip.display())?;
        }
        if let Some(k) = &self.keypoints {
            writeln!(f, "keypoints:      {}", k.display())?;
        }
        writeln!(f, "steps:          {}", self.gait.steps_csv.display())?;
        writeln!(f, "summary:        {}", self.gait.summary_json.display())?;
        if let Some(r) = &self.report {
            writeln!(f, "report:         {}", r.display())?;
        }
        Ok(())
    }
}

/// The counted steps' key numbers, one column per side: medians over the steps that passed
/// the running checks, withheld (as in `summary.json`) for a side with too few of them.
struct PerSide<'a>(&'a [StepRecord]);

/// The numbers printed, in order.
const PRINTED: [Metric; 7] = [
    Metric::StepTime,
    Metric::ContactTime,
    Metric::DutyFactor,
    Metric::Overstride,
    Metric::KneeFlexionIc,
    Metric::ShankAngleIc,
    Metric::FootStrikeAngle,
];

impl std::fmt::Display for PerSide<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let counted = |side: Side| -> Vec<&StepRecord> {
            self.0.iter().filter(|s| s.valid && s.side == side).collect()
        };
        let (left, right) = (counted(Side::Left), counted(Side::Right));
        let all: Vec<f64> = left.iter().chain(&right).filter_map(|s| s.step_time_s).collect();
        if !all.is_empty() {
            // Steps per minute over the counted steps: their mean step time, both feet (a
            // near and a far foot timed each with its own small bias cancel).
            let cadence = 60.0 * all.len() as f64 / all.iter().sum::<f64>();
            writeln!(f, "cadence of the counted steps: {cadence:.1} steps/min")?;
        }
        // The leg nearer the camera is seen better: its numbers are the ones to trust most.
        let seen = |steps: &[&StepRecord]| median(&steps.iter().map(|s| s.confidence).collect::<Vec<_>>());
        let near_left = seen(&left).unwrap_or(0.0) >= seen(&right).unwrap_or(0.0);
        let label =
            |side: &str, near: bool, n: usize| format!("{side} ({}, {n})", if near { "near" } else { "far" });
        writeln!(
            f,
            "{:<44} {:>14} {:>14}",
            "medians of the counted steps",
            label("left", near_left, left.len()),
            label("right", !near_left, right.len())
        )?;
        for metric in PRINTED {
            let info = metric.info();
            let median_of = |steps: &[&StepRecord]| -> String {
                if steps.len() < MIN_VALID_STEPS {
                    return "too few".into();
                }
                let values: Vec<f64> = steps.iter().filter_map(|s| s.value(metric)).collect();
                median(&values).map_or("unknown".into(), |v| format!("{v:.*}", info.decimals.min(2)))
            };
            writeln!(
                f,
                "  {:<42} {:>14} {:>14}",
                format!("{} ({})", info.label, info.unit),
                median_of(&left),
                median_of(&right)
            )?;
        }
        Ok(())
    }
}

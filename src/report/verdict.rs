//! A change between two sessions in words and colour: which way each metric should move
//! in retraining, whether a change moved that way, and how it reads.

use crate::analysis::Metric;

/// Which way a metric should move in retraining, where there is an aim.
#[derive(Clone, Copy)]
enum Aim {
    Down,
    Up,
    /// Toward zero from either side (a vertical shank: 0°).
    TowardZero,
}

fn aim(metric: Metric) -> Option<Aim> {
    match metric {
        Metric::Overstride | Metric::OverstrideCm | Metric::VerticalOscillation => Some(Aim::Down),
        Metric::ShankAngleIc => Some(Aim::TowardZero),
        Metric::Cadence => Some(Aim::Up),
        _ => None,
    }
}

/// Whether going from `a` to `b` moves toward the aim.
fn toward(aim: Aim, a: f64, b: f64) -> bool {
    match aim {
        Aim::Down => b < a,
        Aim::Up => b > a,
        Aim::TowardZero => b.abs() < a.abs(),
    }
}

/// A change in words: "increased by 6.0 steps/min", or "no meaningful change".
pub(super) fn verdict(metric: Metric, change: f64, meaningful: bool) -> String {
    let info = metric.info();
    let d = info.decimals.min(3);
    if !meaningful {
        "no meaningful change".to_string()
    } else if change > 0.0 {
        format!("increased by {change:.d$} {}", info.unit)
    } else {
        format!("decreased by {:.d$} {}", -change, info.unit)
    }
}

/// Whether a meaningful change from `a` to `b` moved toward the retraining's aim (`None`:
/// no aim, or no meaningful change).
pub(super) fn toward_goal(metric: Metric, a: f64, b: f64, meaningful: bool) -> Option<bool> {
    aim(metric).filter(|_| meaningful).map(|g| toward(g, a, b))
}

/// The colour class of a verdict: toward the aim, away from it, or neither (also when the
/// sessions may not be comparable).
pub(super) fn verdict_class(toward_goal: Option<bool>, comparable: bool) -> &'static str {
    match (toward_goal, comparable) {
        (Some(true), true) => "toward",
        (Some(false), true) => "away",
        _ => "same",
    }
}

/// A change with its sign at `d` decimals; one that rounds to nothing is "0", unsigned.
pub(super) fn signed(change: f64, d: usize) -> String {
    let shown = format!("{change:+.d$}");
    if shown
        .trim_start_matches(['+', '-'])
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        format!("{:.d$}", 0.0)
    } else {
        shown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_read_in_words_with_the_aim_and_no_signed_zero() {
        assert_eq!(signed(0.0004, 3), "0.000");
        assert_eq!(signed(-0.0004, 3), "0.000");
        assert_eq!(signed(-0.082, 3), "-0.082");
        assert_eq!(signed(6.0, 1), "+6.0");
        assert_eq!(verdict(Metric::Cadence, 6.0, true), "increased by 6.0 steps/min");
        assert_eq!(verdict(Metric::Cadence, 6.0, false), "no meaningful change");
        // Less overstride and more cadence are toward the aim; a shank past vertical the
        // other way by less is too.
        assert_eq!(toward_goal(Metric::Overstride, 0.12, 0.04, true), Some(true));
        assert_eq!(toward_goal(Metric::Cadence, 170.0, 164.0, true), Some(false));
        assert_eq!(toward_goal(Metric::ShankAngleIc, 9.0, -3.0, true), Some(true));
        assert_eq!(toward_goal(Metric::Overstride, 0.12, 0.04, false), None);
        assert_eq!(verdict_class(Some(true), true), "toward");
        assert_eq!(verdict_class(Some(true), false), "same");
    }
}

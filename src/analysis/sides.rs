//! Whether the two legs were measured alike. From the side, the far leg is seen past the
//! near one and the treadmill: the pose is less sure of it, and its contacts are timed less
//! well (on the real runner its step times read 0.38 s against the near foot's 0.33 s while
//! the hips kept an even rhythm). Differences between the sides then come from the camera as
//! much as from the runner, and the clinician is told so.

use super::geometry::median;
use super::{Side, StepRecord};

/// Counted steps a side needs before the sides are compared.
const MIN_STEPS: usize = 5;
/// A side whose median confidence (the stance leg's lowest keypoint visibility at contact)
/// is below this…
const LOW_CONFIDENCE: f64 = 0.75;
/// …and this far below the other side's is seen worse than the other.
const CONFIDENCE_GAP: f64 = 0.15;

/// The leg seen clearly better than the other, from each side's median confidence at
/// contact; `None` when the two were seen alike (or both well).
pub fn better_seen(left: f64, right: f64) -> Option<Side> {
    let (better, worse_c, better_c) = if left < right {
        (Side::Right, left, right)
    } else {
        (Side::Left, right, left)
    };
    (worse_c < LOW_CONFIDENCE && better_c - worse_c >= CONFIDENCE_GAP).then_some(better)
}

/// One sentence when one leg was seen clearly worse than the other, naming both.
pub fn unequal_legs(steps: &[StepRecord]) -> Option<String> {
    let confidence = |side: Side| {
        let c: Vec<f64> = steps
            .iter()
            .filter(|s| s.valid && s.side == side)
            .map(|s| s.confidence)
            .collect();
        (c.len() >= MIN_STEPS).then(|| median(&c)).flatten()
    };
    let (left, right) = (confidence(Side::Left)?, confidence(Side::Right)?);
    let better = better_seen(left, right)?;
    let worse = better.other();
    let (worse_c, better_c) = if better == Side::Left {
        (right, left)
    } else {
        (left, right)
    };
    Some(format!(
        "the {} leg was seen less well than the {} (the pose's confidence at contact {worse_c:.2} against {better_c:.2}; most likely the leg further from the camera, seen past the near one or the treadmill): its numbers are less reliable, and differences between the sides may come from the camera rather than the runner; compare each side with itself from session to session, and trust the {} leg's numbers most",
        worse.name(),
        better.name(),
        better.name()
    ))
}

/// One sentence when a side counted fewer than `per_side` steps (but some were counted): its
/// medians are less steady than a test or a retest needs.
pub fn few_steps(steps: &[StepRecord], per_side: usize) -> Option<String> {
    let count = |side: Side| steps.iter().filter(|s| s.valid && s.side == side).count();
    let (left, right) = (count(Side::Left), count(Side::Right));
    (left + right > 0 && left.min(right) < per_side).then(|| {
        format!(
            "only {left} left and {right} right steps were counted: medians from fewer than {per_side} steps a side are less steady; for a test or a retest, record a minute or more of steady running"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(side: Side, confidence: f64, valid: bool) -> StepRecord {
        StepRecord {
            confidence,
            ..StepRecord::example(1, side, 0.2, valid)
        }
    }

    #[test]
    fn a_far_leg_seen_poorly_is_named_and_equal_legs_are_not() {
        let mut steps: Vec<StepRecord> = (0..8)
            .flat_map(|_| [step(Side::Left, 0.94, true), step(Side::Right, 0.55, true)])
            .collect();
        let said = unequal_legs(&steps).unwrap();
        assert!(
            said.starts_with("the right leg was seen less well than the left"),
            "{said}"
        );
        assert!(said.contains("0.55 against 0.94"), "{said}");
        // Both seen well, or both alike: nothing to say.
        for s in steps.iter_mut() {
            s.confidence = if s.side == Side::Right { 0.85 } else { 0.95 };
        }
        assert_eq!(unequal_legs(&steps), None);
        for s in steps.iter_mut() {
            s.confidence = 0.6;
        }
        assert_eq!(unequal_legs(&steps), None);
    }

    #[test]
    fn a_short_session_is_told_to_record_longer() {
        let steps: Vec<StepRecord> = (0..13)
            .flat_map(|_| [step(Side::Left, 0.9, true), step(Side::Right, 0.9, true)])
            .collect();
        let said = few_steps(&steps, 30).unwrap();
        assert!(
            said.starts_with("only 13 left and 13 right steps were counted"),
            "{said}"
        );
        assert_eq!(few_steps(&steps, 13), None);
        assert_eq!(few_steps(&[step(Side::Left, 0.9, false)], 30), None);
    }

    #[test]
    fn steps_not_counted_or_too_few_say_nothing() {
        let few: Vec<StepRecord> = (0..4)
            .flat_map(|_| [step(Side::Left, 0.94, true), step(Side::Right, 0.5, true)])
            .collect();
        assert_eq!(unequal_legs(&few), None);
        let uncounted: Vec<StepRecord> = (0..8)
            .flat_map(|_| [step(Side::Left, 0.94, true), step(Side::Right, 0.5, false)])
            .collect();
        assert_eq!(unequal_legs(&uncounted), None);
    }
}

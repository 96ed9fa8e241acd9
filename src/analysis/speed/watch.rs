//! Changes of belt speed noticed from the stance foot, when none was given.

use serde::Serialize;

use crate::analysis::geometry::median;

/// Steps that make a stage's reference, and the recent steps compared with it.
const WATCH_STEPS: usize = 12;
/// A change of the belt's speed in the image larger than this share is a new stage (speed
/// is changed by 0.5-1 km/h at a time: 4-8 % at 12 km/h; correlated keypoint noise
/// scatters single steps by several per cent, so the medians of 12 steps are compared, and
/// all but two of the recent steps must have moved the same way).
const WATCH_CHANGE: f64 = 0.05;

/// A speed change noticed from the stance foot.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DetectedChange {
    /// Contact time of the first step at the new speed, seconds.
    pub at_s: f64,
    /// New speed / old speed, as the foot moves over the belt.
    pub ratio: f64,
}

/// Watches the stance foot's speed over the belt (leg lengths per second, so the runner
/// moving nearer the camera does not count) and notices when the belt's speed changes.
#[derive(Debug, Default)]
pub struct SpeedWatch {
    /// The current stage's first steps (up to `WATCH_STEPS`).
    reference: Vec<f64>,
    /// The latest steps once the reference is full: (contact time, speed).
    recent: Vec<(f64, f64)>,
    /// The speed of the stage before the latest change, to finish its ratio once the new
    /// stage's reference is full.
    before: Option<f64>,
    pub changes: Vec<DetectedChange>,
}

impl SpeedWatch {
    /// Someone else is measured: their own reference (the changes seen so far stay).
    pub fn restart(&mut self) {
        self.reference.clear();
        self.recent.clear();
        self.before = None;
    }

    /// Whether the latest steps all moved off the reference the same way: a change of
    /// speed may be under way (cues wait until it is decided).
    pub fn unsettled(&self) -> bool {
        let (Some(base), true) = (median(&self.reference), self.recent.len() >= 4) else {
            return false;
        };
        let last: Vec<f64> = self
            .recent
            .iter()
            .rev()
            .take(4)
            .map(|r| r.1 / base - 1.0)
            .collect();
        last.iter().all(|d| *d > WATCH_CHANGE) || last.iter().all(|d| *d < -WATCH_CHANGE)
    }

    /// One counted step's foot speed at its contact time; returns a change when it is seen.
    pub fn push(&mut self, t: f64, legs_per_s: f64) -> Option<DetectedChange> {
        if !(legs_per_s.is_finite() && legs_per_s > 0.0) {
            return None;
        }
        if self.reference.len() < WATCH_STEPS {
            self.reference.push(legs_per_s);
            if let (true, Some(before), Some(last)) = (
                self.reference.len() == WATCH_STEPS,
                self.before,
                self.changes.last_mut(),
            ) {
                // The new stage's speed from its own first steps only.
                last.ratio = median(&self.reference)? / before;
                self.before = None;
            }
            return None;
        }
        self.recent.push((t, legs_per_s));
        if self.recent.len() > WATCH_STEPS {
            self.recent.remove(0);
        }
        if self.recent.len() < WATCH_STEPS {
            return None;
        }
        let base = median(&self.reference)?;
        let values: Vec<f64> = self.recent.iter().map(|r| r.1).collect();
        let ratio = median(&values)? / base;
        // Most of the recent steps off the reference the same way, not a few outliers.
        let off = values
            .iter()
            .filter(|v| {
                (*v / base - 1.0).signum() == (ratio - 1.0).signum()
                    && (*v / base - 1.0).abs() > 0.5 * WATCH_CHANGE
            })
            .count();
        if (ratio - 1.0).abs() <= WATCH_CHANGE || off < WATCH_STEPS - 2 {
            return None;
        }
        // Where the speed changed: the split that leaves the least scatter, the steps
        // before it about the reference and those after it about their own mean.
        let cost = |i: usize| {
            let after = &values[i..];
            let mean = after.iter().sum::<f64>() / after.len() as f64;
            values[..i].iter().map(|v| (v - base).powi(2)).sum::<f64>()
                + after.iter().map(|v| (v - mean).powi(2)).sum::<f64>()
        };
        let split = (0..WATCH_STEPS - 1)
            .min_by(|a, b| cost(*a).total_cmp(&cost(*b)))
            .unwrap_or(0);
        let change = DetectedChange {
            at_s: self.recent[split].0,
            ratio: median(&values[split..])? / base,
        };
        self.changes.push(change);
        self.before = Some(base);
        self.reference = values[split..].to_vec();
        self.recent.clear();
        Some(change)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_belt_change_is_noticed_from_the_foot_and_noise_is_not() {
        let mut w = SpeedWatch::default();
        // ±3 % scatter about 3.0 leg lengths/s, alternating: no change.
        for i in 0..60 {
            let v = 3.0 * (1.0 + 0.03 * if i % 2 == 0 { 1.0 } else { -1.0 });
            assert_eq!(w.push(i as f64 * 0.35, v), None, "step {i}");
        }
        // The belt slows by a quarter at step 60.
        let mut seen = None;
        for i in 60..80 {
            let v = 2.25 * (1.0 + 0.03 * if i % 2 == 0 { 1.0 } else { -1.0 });
            if let Some(c) = w.push(i as f64 * 0.35, v) {
                seen.get_or_insert((i, c));
            }
        }
        let (i, c) = seen.expect("the change is noticed");
        assert!(i < 60 + WATCH_STEPS + 2, "noticed at step {i}");
        assert!((c.at_s - 60.0 * 0.35).abs() < 1e-9);
        assert!((c.ratio - 0.75).abs() < 0.03);
        assert_eq!(w.changes.len(), 1);
    }
}

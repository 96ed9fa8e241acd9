//! The fallback event detector, used until the treadmill's belt is learned for a foot (the
//! first seconds, and again after the runner was lost): initial contact (IC) is the moment the heel is furthest
//! ahead of the hip centre, toe-off (TO) the moment the toe is furthest behind it
//! [Zeni 2008]. A peak is confirmed once the signal has moved back from it by `delta` leg
//! lengths, i.e. a few frames after it happened. Before contact the heel approaches its
//! forward-most point slowly (it barely moves relative to the hips at the end of swing),
//! after it the heel moves back with the belt; so with noise the highest sample can fall a
//! frame or two early, and frames may be missing. So the contact is placed where the
//! heel's stance line (its speed learned from earlier steps) meets the peak's level,
//! between samples if need be.

use std::collections::VecDeque;

use super::{EventKind, GaitEvent};
use crate::analysis::body::BodyFrame;
use crate::analysis::geometry::fit_line;
use crate::analysis::sample::Side;

/// Finds maxima (or minima) of a signal with hysteresis, causally.
#[derive(Debug, Clone)]
struct PeakTracker {
    delta: f64,
    want_max: bool,
    /// The extreme seen since the last confirmed opposite extreme: (value, frame, t).
    best: Option<(f64, u64, f64)>,
    /// Whether we are currently looking for the extreme we report (vs. its opposite).
    looking: bool,
}

impl PeakTracker {
    fn new(delta: f64, want_max: bool) -> Self {
        Self {
            delta,
            want_max,
            best: None,
            looking: false,
        }
    }

    /// Feeds one value; returns the frame and time of a newly confirmed extreme.
    fn push(&mut self, v: f64, frame: u64, t: f64) -> Option<(u64, f64)> {
        // Work with "higher is the extreme we are after" when looking, its opposite otherwise.
        let sign = if self.want_max == self.looking { 1.0 } else { -1.0 };
        let Some((best, bf, bt)) = self.best else {
            self.best = Some((v, frame, t));
            return None;
        };
        if sign * v > sign * best {
            self.best = Some((v, frame, t));
            return None;
        }
        if sign * (best - v) > self.delta {
            let was_looking = self.looking;
            self.looking = !self.looking;
            self.best = Some((v, frame, t));
            if was_looking {
                return Some((bf, bt));
            }
        }
        None
    }
}

/// Recent samples of one signal: (frame, t, value).
type Recent = VecDeque<(u64, f64, f64)>;
/// Samples kept for placing a contact (longer than any confirmation delay).
const RECENT_SAMPLES: usize = 32;
/// After contact (skipping the first 20 ms, in case the contact was placed early) the heel
/// is fitted with a line over 80 ms to learn its stance speed.
const STANCE_FIT_SKIP_S: f64 = 0.02;
const STANCE_FIT_S: f64 = 0.08;
/// Samples this long before a heel peak give its level.
const LEVEL_WINDOW_S: f64 = 0.025;
/// A contact is placed once this many samples lie on the stance line after it, or this
/// long after the first of them: more samples, steadier timing, at most ~4 frames' delay
/// at 60 fps.
const PLACE_SAMPLES: usize = 4;
const PLACE_WAIT_S: f64 = 0.04;
/// ...and never later than this after the peak, once any stance sample is in.
const PLACE_MAX_S: f64 = 0.06;
/// Stance speeds kept per foot (leg lengths per second, median used).
const STANCE_SPEEDS: usize = 8;

/// Per-foot state for placing initial contacts in time.
#[derive(Debug, Clone, Default)]
struct ContactTiming {
    recent: Recent,
    /// Rate (leg lengths/s) at which the heel moves back relative to the hips in stance.
    speeds: VecDeque<f64>,
    /// Contact time whose stance line is still being measured.
    measuring_from: Option<f64>,
    /// A confirmed heel peak waiting for enough stance samples to be placed.
    pending: Option<(u64, f64)>,
}

impl ContactTiming {
    fn push(&mut self, frame: u64, t: f64, v: f64) {
        self.recent.push_back((frame, t, v));
        if self.recent.len() > RECENT_SAMPLES {
            self.recent.pop_front();
        }
        if let Some(t0) = self.measuring_from {
            if t - t0 >= STANCE_FIT_SKIP_S + STANCE_FIT_S {
                self.measuring_from = None;
                let (from, to) = (t0 + STANCE_FIT_SKIP_S, t0 + STANCE_FIT_SKIP_S + STANCE_FIT_S);
                let pts: Vec<(f64, f64)> = self
                    .recent
                    .iter()
                    .filter(|r| r.1 > from && r.1 <= to)
                    .map(|r| (r.1, r.2))
                    .collect();
                // (three points at least: two would fit any noise exactly)
                let slope = (pts.len() >= 3)
                    .then(|| fit_line(&pts, 0.0))
                    .flatten()
                    .map(|l| l.0);
                if let Some(slope) = slope.filter(|s| *s < 0.0) {
                    self.speeds.push_back(-slope);
                    if self.speeds.len() > STANCE_SPEEDS {
                        self.speeds.pop_front();
                    }
                }
            }
        }
    }

    /// Places the contact of a confirmed heel peak at `peak` (frame, t): the samples past
    /// the peak lie on the stance line, which is followed back to the peak's level; without
    /// a learned stance speed, the last sample within `plateau` of the peak.
    fn place(&mut self, peak: (u64, f64), plateau: f64) -> (f64, f64) {
        let level = self.level(peak);
        let stance = self.stance_after(peak, level, plateau);
        // Without a learned stance speed: the last sample still at the level.
        let last_level_t = self
            .recent
            .iter()
            .rev()
            .find(|r| r.0 >= peak.0 && r.2 >= level - plateau)
            .map_or(peak.1, |r| r.1);
        let speed = crate::analysis::geometry::median(self.speeds.make_contiguous()).filter(|s| *s > 0.0);
        let t = match (speed, stance.first()) {
            (Some(speed), Some(first)) => {
                let estimates: Vec<f64> = stance.iter().map(|(t, v)| t - (level - v) / speed).collect();
                crate::analysis::geometry::median(&estimates)
                    .unwrap_or(last_level_t)
                    .max(peak.1)
                    .min(first.0.max(peak.1))
            }
            _ => last_level_t,
        };
        self.measuring_from = Some(t);
        (t, level)
    }

    /// Whether the pending peak has enough stance samples behind it to be placed: at
    /// least `PLACE_SAMPLES`, or `PLACE_WAIT_S` since the first one.
    fn ready(&self, plateau: f64) -> bool {
        let Some(peak) = self.pending else {
            return false;
        };
        let level = self.level(peak);
        let stance: Vec<f64> = self
            .stance_after(peak, level, plateau)
            .iter()
            .map(|r| r.0)
            .collect();
        let now = self.recent.back().map_or(peak.1, |r| r.1);
        stance.len() >= PLACE_SAMPLES
            || stance
                .first()
                .is_some_and(|t0| now - t0 >= PLACE_WAIT_S || now - peak.1 >= PLACE_MAX_S)
    }

    /// The heel's level at a peak: the median of the samples just before it (the highest
    /// of several noisy samples would overstate it; the approach is nearly flat there).
    fn level(&self, peak: (u64, f64)) -> f64 {
        let near: Vec<f64> = self
            .recent
            .iter()
            .filter(|r| r.0 <= peak.0 && peak.1 - r.1 <= LEVEL_WINDOW_S)
            .map(|r| r.2)
            .collect();
        crate::analysis::geometry::median(&near).unwrap_or(0.0)
    }

    /// The last sample still at the peak's level, and the samples after it (on the stance
    /// line), as (t, value).
    fn stance_after(&self, peak: (u64, f64), level: f64, plateau: f64) -> Vec<(f64, f64)> {
        let after: Vec<&(u64, f64, f64)> = self.recent.iter().filter(|r| r.0 >= peak.0).collect();
        let from = after
            .iter()
            .rposition(|r| r.2 >= level - plateau)
            .map_or(0, |i| i + 1);
        after
            .get(from..)
            .unwrap_or_default()
            .iter()
            .map(|r| (r.1, r.2))
            .collect()
    }

    /// The frame of the sample nearest to `t`.
    fn nearest_frame(&self, t: f64) -> Option<u64> {
        self.recent
            .iter()
            .min_by(|a, b| (a.1 - t).abs().total_cmp(&(b.1 - t).abs()))
            .map(|r| r.0)
    }
}

/// IC and TO detection for both legs, relative to the hips.
#[derive(Debug, Clone)]
pub struct HipRelative {
    ic: [PeakTracker; 2],
    timing: [ContactTiming; 2],
    plateau: f64,
    to: [PeakTracker; 2],
    last_ic_t: [Option<f64>; 2],
    last_to_t: [Option<f64>; 2],
    min_stride_s: f64,
}

fn slot(side: Side) -> usize {
    match side {
        Side::Left => 0,
        Side::Right => 1,
    }
}

/// Physiological floors: no foot swings through in less than this (sprinters ~0.3 s)...
const MIN_SWING_S: f64 = 0.2;
/// ...or stays on the ground for less than this (sprinters ~0.1 s).
const MIN_CONTACT_S: f64 = 0.08;

impl HipRelative {
    /// When foot `i` left the ground, if it is in the air now.
    fn in_swing_since(&self, i: usize) -> Option<f64> {
        self.last_to_t[i].filter(|to| self.last_ic_t[i].is_none_or(|ic| *to > ic))
    }

    /// `delta`: how far (in leg lengths) the heel or toe must travel back from a peak to
    /// confirm it; `plateau`: samples this close to the heel's peak (leg lengths) count
    /// as not yet past it; `min_stride_s`: no two ICs of one foot closer than this.
    pub fn new(delta: f64, plateau: f64, min_stride_s: f64) -> Self {
        Self {
            ic: [PeakTracker::new(delta, true), PeakTracker::new(delta, true)],
            timing: [ContactTiming::default(), ContactTiming::default()],
            plateau,
            to: [PeakTracker::new(delta, false), PeakTracker::new(delta, false)],
            last_ic_t: [None; 2],
            last_to_t: [None; 2],
            min_stride_s,
        }
    }

    /// Feeds one frame; returns the events it confirms, oldest first.
    pub fn push(&mut self, body: &BodyFrame) -> Vec<GaitEvent> {
        let mut out = Vec::new();
        for side in Side::BOTH {
            let p = side.points();
            let i = slot(side);
            let heel = body.forward_of_hips(p.heel);
            self.timing[i].push(body.frame, body.t, heel);
            if let Some(peak) = self.ic[i].push(heel, body.frame, body.t) {
                self.timing[i].pending = Some(peak);
            }
            if self.timing[i].ready(self.plateau) {
                let peak = self.timing[i].pending.take().expect("ready implies pending");
                let (t, heel_forward) = self.timing[i].place(peak, self.plateau);
                let too_soon = self.last_ic_t[i].is_some_and(|last| t - last < self.min_stride_s)
                    || self.in_swing_since(i).is_some_and(|to| t - to < MIN_SWING_S);
                if !too_soon {
                    self.last_ic_t[i] = Some(t);
                    out.push(GaitEvent {
                        kind: EventKind::InitialContact,
                        side,
                        frame: self.timing[i].nearest_frame(t).unwrap_or(peak.0),
                        t,
                        heel_forward: Some(heel_forward),
                        contact: None,
                        confirmed_frame: body.frame,
                        confirmed_t: body.t,
                    });
                }
            }
            if let Some((frame, t)) = self.to[i].push(body.forward_of_hips(p.toe), body.frame, body.t) {
                let in_stance_since =
                    self.last_ic_t[i].filter(|ic| self.last_to_t[i].is_none_or(|to| *ic > to));
                let too_soon = self.last_to_t[i].is_some_and(|last| t - last < self.min_stride_s)
                    || in_stance_since.is_some_and(|ic| t - ic < MIN_CONTACT_S);
                if !too_soon {
                    self.last_to_t[i] = Some(t);
                    out.push(GaitEvent {
                        kind: EventKind::ToeOff,
                        side,
                        frame,
                        t,
                        heel_forward: None,
                        contact: None,
                        confirmed_frame: body.frame,
                        confirmed_t: body.t,
                    });
                }
            }
        }
        out.sort_by(|a, b| a.t.total_cmp(&b.t));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peaks_are_confirmed_after_the_signal_falls_back_by_delta() {
        let mut p = PeakTracker::new(0.1, true);
        let signal = [0.0, 0.2, 0.5, 0.52, 0.45, 0.3, 0.1, -0.3, -0.2, 0.4, 0.6, 0.4];
        let mut found = Vec::new();
        for (i, v) in signal.iter().enumerate() {
            if let Some((frame, _)) = p.push(*v, i as u64, i as f64) {
                found.push((frame, i));
            }
        }
        // Max at 3 confirmed at 5 (0.52 → 0.3 > 0.1); max at 10 confirmed at 11.
        assert_eq!(found, vec![(3, 5), (10, 11)]);
    }

    #[test]
    fn minima_tracker_reports_troughs() {
        let mut p = PeakTracker::new(0.1, false);
        let signal = [0.5, 0.2, -0.4, -0.1, 0.3, -0.6, -0.2];
        let found: Vec<u64> = signal
            .iter()
            .enumerate()
            .filter_map(|(i, v)| p.push(*v, i as u64, i as f64).map(|f| f.0))
            .collect();
        assert_eq!(found, vec![2, 5]);
    }
}

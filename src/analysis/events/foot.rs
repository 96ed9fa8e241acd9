//! One foot on the treadmill, followed through its stride: its fore-aft swing relative to the
//! hips gives each stride's frame (the foot furthest ahead, then furthest behind), and the
//! stance between the two is fitted (see [`super::treadmill`] for the method). It keeps what
//! it learned of the belt (velocity, the foot's flat angle, keypoint noise).

use std::collections::VecDeque;

use super::belt::Belt;
use super::kink;
use super::{ContactPoint, EventKind, GaitEvent};
use crate::analysis::geometry::{fit_line, median, Point};
use crate::analysis::sample::Side;
use crate::analysis::validity::FootStrike;

/// The foot's swing must turn back by this much (leg lengths) to confirm its forward or
/// backward extreme: far above keypoint noise (~0.03), above a lost far foot's one-frame
/// jump once despiked, far below a running or walking swing (0.5–1.2).
const REVERSAL_FRAC: f64 = 0.2;
/// The swing's course is a running median over this long either side of each sample, and
/// at least one sample: longer than a label swap of a frame at 30 fps, of up to three at 120.
const DESPIKE_S: f64 = 0.025;
const MIN_DESPIKE_HALF: usize = 1;
/// Between the foot's forward and backward extremes lie the stance and the start of the
/// swing. The stance's core, where every strike type rests flat on the belt, is taken as this
/// share of that span (heel strikers are flat by ~15 % of stance, the heel rises after ~60 %;
/// the stance is ~70–85 % of the span).
const CORE: (f64, f64) = (0.2, 0.55);
/// The wider core, for low frame rates: later, not earlier (the forward extreme is known only
/// to a sample; at 15-18 fps a core from 10 % held the foot still coming down).
const CORE_WIDE: (f64, f64) = (0.2, 0.7);
/// Samples in the core needed to fit the stance.
const MIN_CORE_SAMPLES: usize = 2;
/// The approach to the belt is fitted from this long before the forward extreme (at least
/// `APPROACH_SHARE` of the span), the lift from the middle of the core on.
const APPROACH_S: f64 = 0.1;
const APPROACH_SHARE: f64 = 0.25;
/// The longest span from a foot's forward extreme to its backward one (a slow walker's
/// stance and early swing), and the longest gap in its samples within it, seconds.
const MAX_SPAN_S: f64 = 1.5;
const MAX_SAMPLE_GAP_S: f64 = 0.15;
/// The toe's rise is fitted up to this long past the foot's backward extreme.
const LIFT_FIT_S: f64 = 0.1;
/// Samples of the approach fitted only when seen at least this well, and at least this many
/// of them.
const APPROACH_MIN_VISIBILITY: f32 = 0.4;
const MIN_APPROACH_SAMPLES: usize = 1;
/// Physiological limits: no foot stays down shorter or longer than this in gait (sprinting
/// ~0.08 s, slow walking ~1 s), nor swings through faster than `MIN_SWING_S`.
const MIN_CONTACT_S: f64 = 0.08;
const MAX_CONTACT_S: f64 = 1.2;
const MIN_SWING_S: f64 = 0.15;
/// The foot angle at contact is the median of the samples this long before it.
const STRIKE_WINDOW_S: f64 = 0.05;
/// The point measured at contact moves from the heel (foot this many degrees toe-up over its
/// flat angle) through the middle of the sole (flat) to the toe (as many toe-down), linearly:
/// a landing near flat is measured near the middle whatever its noisy strike label says, and
/// 2° of angle noise moves the point by 1/30 of a foot (~9 mm).
const FULL_TILT_DEG: f64 = 30.0;
/// The point that touches first is the heel or the toe beyond this angle over the flat foot,
/// moving between them within it (keypoint noise makes a flat landing's angle ±2°).
const TOUCH_TILT_DEG: f64 = 4.0;
/// Samples kept per foot, seconds (more than the slowest stride, ~1.3 s).
const KEEP_S: f64 = 2.5;
/// A heel–toe distance outside this range (leg lengths) is not a foot: the model lost it.
const FOOT_LENGTH_FRAC: (f64, f64) = (0.08, 0.6);

#[derive(Debug, Clone, Copy)]
pub(super) struct Sample {
    pub(super) frame: u64,
    pub(super) t: f64,
    pub(super) heel: Point,
    pub(super) toe: Point,
    /// Hip centre's image x, leg length (px) and running direction at this frame.
    pub(super) hip_x: f64,
    pub(super) leg: f64,
    pub(super) dir: f64,
    /// The lower of the heel's and toe's visibility.
    pub(super) visibility: f32,
}

impl Sample {
    /// Heel → toe above horizontal, degrees, toe up positive.
    fn foot_angle(&self) -> f64 {
        (self.heel.1 - self.toe.1)
            .atan2((self.toe.0 - self.heel.0) * self.dir)
            .to_degrees()
    }

    /// The point `f` of the way from heel to toe.
    fn along(&self, f: f64) -> Point {
        (
            self.heel.0 + f * (self.toe.0 - self.heel.0),
            self.heel.1 + f * (self.toe.1 - self.heel.1),
        )
    }

    /// How far ahead of the hips the middle of the foot is, leg lengths.
    fn forward(&self) -> f64 {
        (self.along(0.5).0 - self.hip_x) * self.dir / self.leg
    }

    fn is_foot(&self) -> bool {
        let len = (self.toe.0 - self.heel.0).hypot(self.toe.1 - self.heel.1) / self.leg;
        (FOOT_LENGTH_FRAC.0..=FOOT_LENGTH_FRAC.1).contains(&len)
    }
}

/// Turning points of a signal, with hysteresis: `(t, is_max)` once the signal has come back
/// from the extreme by `delta`.
#[derive(Debug, Clone, Default)]
struct Turns {
    /// The extreme being followed: (value, t, is_max).
    best: Option<(f64, f64, bool)>,
    /// When the signal started: an extreme there is no turn (it may have started on its way
    /// back).
    started: Option<f64>,
}

impl Turns {
    fn push(&mut self, v: f64, t: f64, delta: f64) -> Option<(f64, bool)> {
        let Some((best, bt, is_max)) = self.best else {
            // Which way it goes first is not known: follow a maximum, and switch if the
            // signal falls from where it started.
            self.best = Some((v, t, true));
            self.started = Some(t);
            return None;
        };
        let sign = if is_max { 1.0 } else { -1.0 };
        if sign * (v - best) > 0.0 {
            self.best = Some((v, t, is_max));
            None
        } else if sign * (best - v) > delta {
            self.best = Some((v, t, !is_max));
            (self.started != Some(bt)).then_some((bt, is_max))
        } else {
            None
        }
    }
}

/// One foot's stance, fitted.
#[derive(Debug, Clone, Copy)]
struct Stance {
    ic: f64,
    to: Option<f64>,
    contact: ContactPoint,
}

#[derive(Debug, Clone)]
pub(super) struct Foot {
    side: Side,
    pub(super) samples: VecDeque<Sample>,
    pub(super) belt: Belt,
    turns: Turns,
    /// The forward extreme of the stride under way, if seen.
    forward_at: Option<f64>,
    last_ic: Option<f64>,
    last_to: Option<f64>,
    /// Stances fitted so far.
    stances: usize,
}

impl Foot {
    pub(super) fn new(side: Side) -> Self {
        Self {
            side,
            samples: VecDeque::new(),
            belt: Belt::default(),
            turns: Turns::default(),
            forward_at: None,
            last_ic: None,
            last_to: None,
            stances: 0,
        }
    }

    /// Whether a stance of this foot has been fitted (its events are timed from then on).
    pub(super) fn timed(&self) -> bool {
        self.stances > 0
    }

    /// Feeds one sample; returns the events of a stance it completes (contact, then toe-off).
    pub(super) fn push(&mut self, s: Sample, now: (u64, f64), min_stride_s: f64) -> Vec<GaitEvent> {
        if !s.is_foot() {
            return Vec::new();
        }
        self.samples.push_back(s);
        while self.samples.front().is_some_and(|f| s.t - f.t > KEEP_S) {
            self.samples.pop_front();
        }
        // The swing is followed a little late, through a running median over at least three
        // samples and `DESPIKE_S` either side: a foot the model loses or swaps for a frame (a
        // few at a high frame rate) makes no turn.
        let n = self.samples.len();
        let half = self
            .samples
            .iter()
            .rev()
            .take_while(|x| s.t - x.t <= 2.0 * DESPIKE_S + 1e-6)
            .count()
            .div_ceil(2)
            .max(MIN_DESPIKE_HALF);
        if n < 2 * half + 1 {
            return Vec::new();
        }
        let middle = self.samples[n - 1 - half];
        let mut near: Vec<f64> = self
            .samples
            .range(n - 1 - 2 * half..)
            .map(Sample::forward)
            .collect();
        near.sort_by(f64::total_cmp);
        let Some((turn_t, was_max)) = self.turns.push(near[half], middle.t, REVERSAL_FRAC) else {
            return Vec::new();
        };
        if was_max {
            self.forward_at = Some(turn_t);
            return Vec::new();
        }
        let Some(forward_at) = self.forward_at.take() else {
            return Vec::new();
        };
        let Some(stance) = self.fit_stance(forward_at, turn_t) else {
            return Vec::new();
        };
        self.stances += 1;
        let too_soon = self.last_ic.is_some_and(|ic| stance.ic - ic < min_stride_s)
            || self.last_to.is_some_and(|to| stance.ic - to < MIN_SWING_S);
        if too_soon {
            return Vec::new();
        }
        self.last_ic = Some(stance.ic);
        let mut out = vec![self.event(EventKind::InitialContact, stance.ic, Some(stance.contact), now)];
        if let Some(to) = stance.to {
            self.last_to = Some(to);
            out.push(self.event(EventKind::ToeOff, to, None, now));
        }
        out
    }

    fn event(&self, kind: EventKind, t: f64, contact: Option<ContactPoint>, now: (u64, f64)) -> GaitEvent {
        let frame = self
            .samples
            .iter()
            .min_by(|a, b| (a.t - t).abs().total_cmp(&(b.t - t).abs()))
            .map_or(now.0, |s| s.frame);
        GaitEvent {
            kind,
            side: self.side,
            frame,
            t,
            heel_forward: None,
            contact,
            confirmed_frame: now.0,
            confirmed_t: now.1,
        }
    }

    /// Fits the stance between the foot's forward extreme at `t_f` and its backward one at
    /// `t_b`: the line the foot rides on the belt (its core), the contact where the approach
    /// joins it, the toe-off where the toe rises from it.
    fn fit_stance(&mut self, t_f: f64, t_b: f64) -> Option<Stance> {
        let span = t_b - t_f;
        if !(MIN_CONTACT_S..=MAX_SPAN_S).contains(&span) {
            return None;
        }
        // A gap in the foot's samples (hidden, or no pose) leaves the stance unframed.
        let framed: Vec<f64> = self
            .samples
            .iter()
            .filter(|s| s.t >= t_f && s.t <= t_b)
            .map(|s| s.t)
            .collect();
        if framed.windows(2).any(|w| w[1] - w[0] > MAX_SAMPLE_GAP_S) {
            return None;
        }
        let core_of = |(from, to): (f64, f64)| -> (f64, f64, Vec<Sample>) {
            let (from, to) = (t_f + from * span, t_f + to * span);
            let core = self
                .samples
                .iter()
                .filter(|s| s.t >= from && s.t <= to)
                .copied()
                .collect();
            (from, to, core)
        };
        let (mut core_from, mut core_to, mut core) = core_of(CORE);
        if core.len() < 3 {
            // A low frame rate leaves few samples in the core: take the wider one.
            (core_from, core_to, core) = core_of(CORE_WIDE);
        }
        if core.len() < MIN_CORE_SAMPLES {
            return None;
        }
        // The flat foot: its angle, heights and the belt's velocity in the image.
        let angles: Vec<f64> = core.iter().map(Sample::foot_angle).collect();
        self.belt.add_flat_angles(&angles);
        let heel_y = median(&core.iter().map(|s| s.heel.1).collect::<Vec<_>>())?;
        let toe_y = median(&core.iter().map(|s| s.toe.1).collect::<Vec<_>>())?;
        let mid: Vec<(f64, f64)> = core.iter().map(|s| (s.t, s.along(0.5).0)).collect();
        if let Some((v, _)) = (core.len() >= 3).then(|| fit_line(&mid, 0.0)).flatten() {
            // Only a velocity that goes backward is the belt's.
            if v * core[0].dir < 0.0 {
                self.belt.add_velocity(v);
            }
        }
        let velocity = self
            .belt
            .velocity()
            .or_else(|| fit_line(&mid, 0.0).map(|l| l.0))
            .filter(|v| v * core[0].dir < 0.0);
        let velocity = velocity?;
        // (and at least three sample intervals: a curve needs three samples)
        let dt = framed
            .windows(2)
            .map(|w| w[1] - w[0])
            .fold(MAX_SAMPLE_GAP_S, f64::min);
        let from = t_f - APPROACH_S.max(APPROACH_SHARE * span).max(3.0 * dt);
        // Before the stance, only what the camera saw: a foot behind the treadmill's console (or
        // the other leg) is the model's guess, and a guess bends the approach.
        let window: Vec<Sample> = self
            .samples
            .iter()
            .filter(|s| s.t >= from && s.t <= core_to)
            .filter(|s| s.t >= core_from || s.visibility >= APPROACH_MIN_VISIBILITY)
            .copied()
            .collect();
        if window.iter().filter(|s| s.t < core_from).count() < MIN_APPROACH_SAMPLES {
            return None;
        }
        // The contact, first at the middle of the foot; then the foot's angle just before it
        // says which point touched first, and the contact is fitted again at that point.
        // Searched up to the core's second sample (the first may still be coming down).
        let search_to = core.get(1).map_or(core_from, |s| s.t);
        let first = self.contact_at(&window, &core, 0.5, (heel_y, toe_y), velocity, (from, search_to))?;
        let before: Vec<f64> = window
            .iter()
            .filter(|s| s.t < first && first - s.t <= STRIKE_WINDOW_S)
            .map(Sample::foot_angle)
            .collect();
        let before = if before.is_empty() {
            window
                .iter()
                .rev()
                .find(|s| s.t < first)
                .map(|s| vec![s.foot_angle()])
                .unwrap_or_default()
        } else {
            before
        };
        let foot_angle = median(&before).map(|a| a - self.belt.flat_angle());
        let noise = self
            .belt
            .angle_noise()
            .map(|sd| sd / (before.len().max(1) as f64).sqrt());
        let strike = foot_angle
            .zip(noise)
            .and_then(|(a, sd)| FootStrike::classify(a, sd));
        // The lower end of the foot touches first (both ends within a few degrees of flat);
        // the overstride is measured at a point that moves with the angle more slowly.
        let along = |full_tilt_deg: f64| {
            foot_angle.map_or(0.5, |a| (0.5 - a / (2.0 * full_tilt_deg)).clamp(0.0, 1.0))
        };
        let touch = along(TOUCH_TILT_DEG);
        let ic = self.contact_at(
            &window,
            &core,
            touch,
            (heel_y, toe_y),
            velocity,
            (from, search_to),
        )?;
        let f = along(FULL_TILT_DEG);
        let line_x = stance_line(&core, f, velocity, ic)?;
        let contact = ContactPoint {
            x: line_x(ic),
            y: heel_y + f * (toe_y - heel_y),
            strike,
            foot_angle_deg: foot_angle,
        };
        let to = self
            .toe_off(0.5 * (core_from + core_to), t_b, toe_y)
            .filter(|to| (MIN_CONTACT_S..=MAX_CONTACT_S).contains(&(to - ic)));
        Some(Stance { ic, to, contact })
    }

    /// The instant the point `f` of the way from heel to toe joined the belt: where its height
    /// above the stance level and its lag behind the stance line both close to zero, fitted as
    /// one kink over the approach and the core (see `kink.rs`), searched within `range`.
    fn contact_at(
        &self,
        window: &[Sample],
        core: &[Sample],
        f: f64,
        (heel_y, toe_y): (f64, f64),
        velocity: f64,
        (lo, hi): (f64, f64),
    ) -> Option<f64> {
        let level = heel_y + f * (toe_y - heel_y);
        let dy: Vec<(f64, f64)> = window.iter().map(|s| (-s.t, level - s.along(f).1)).collect();
        let line_x = stance_line(core, f, velocity, hi)?;
        let dx: Vec<(f64, f64)> = window
            .iter()
            .map(|s| (-s.t, (line_x(s.t) - s.along(f).0) * s.dir))
            .collect();
        // Reversed in time, both gaps grow from zero at contact going back: the foot comes
        // down (slowing or not) and, in late swing, lags the belt more and more.
        let y = kink::Series {
            pts: &dy,
            growth: kink::Growth::Curved,
            free_level: true,
        };
        let x = kink::Series {
            pts: &dx,
            growth: kink::Growth::SpeedingUp,
            free_level: false,
        };
        kink::fit(&[y, x], -hi, -lo).map(|(k, _)| -k)
    }

    /// The toe-off: where the toe's rise above its stance level starts, searched from the
    /// middle of the stance to the foot's backward extreme, fitted over the samples up to
    /// `LIFT_FIT_S` past that (the toe may leave the belt just before the foot turns).
    fn toe_off(&self, from: f64, to: f64, toe_y: f64) -> Option<f64> {
        let rise: Vec<(f64, f64)> = self
            .samples
            .iter()
            .filter(|s| s.t >= from && s.t <= to + LIFT_FIT_S)
            .map(|s| (s.t, toe_y - s.toe.1))
            .collect();
        // The toe rises faster and faster as the knee flexes into swing.
        let toe = kink::Series {
            pts: &rise,
            growth: kink::Growth::SpeedingUp,
            free_level: true,
        };
        kink::fit(&[toe], from, to).map(|(k, _)| k)
    }
}

/// The line a point `f` of the way from heel to toe rides on the belt through the stance's
/// core: image x at any instant, moving at `velocity` px/s.
fn stance_line(core: &[Sample], f: f64, velocity: f64, t0: f64) -> Option<impl Fn(f64) -> f64> {
    let xs: Vec<f64> = core
        .iter()
        .map(|s| s.along(f).0 - velocity * (s.t - t0))
        .collect();
    median(&xs).map(|x0| move |t: f64| x0 + velocity * (t - t0))
}

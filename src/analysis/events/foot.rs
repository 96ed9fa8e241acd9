//! One foot on the treadmill: whether it is on the belt or in the air, and when it landed
//! and lifted, placed between frames (see [`super::treadmill`] for the method). It learns its
//! own belt line, belt velocity, flat-foot angle and habitual strike as it goes.

use std::collections::VecDeque;

use super::belt::{Belt, BeltLine};
use super::kink;
use super::{ContactPoint, EventKind, GaitEvent};
use crate::analysis::geometry::{fit_line, median, Point};
use crate::analysis::sample::Side;
use crate::analysis::validity::FootStrike;

/// A point within this height of its belt line (leg lengths) rests on the belt: about three
/// times the keypoint noise of a good side view.
const ON_BELT_FRAC: f64 = 0.03;
/// A point this far above its belt line (leg lengths) is clearly in the air.
const HIGH_FRAC: f64 = 0.06;
/// A contact (or a lift-off) is confirmed after this many samples spanning this long.
const CONFIRM_SAMPLES: usize = 2;
const CONFIRM_S: f64 = 0.025;
/// Samples from this long before the first one near (or clear of) the belt are fitted; for a
/// landing, from the last time the foot was clearly up if that is longer, up to
/// `MAX_DESCENT_S`.
const FIT_WINDOW_S: f64 = 0.08;
const MAX_DESCENT_S: f64 = 0.25;
/// A landing is confirmed once this many samples, spanning this long, lie past the fitted
/// contact (they pin the stance level), or after `MAX_LANDING_SAMPLES` samples near the
/// belt whatever the fit says.
const SETTLED_SAMPLES: usize = 3;
const SETTLED_S: f64 = 0.04;
const MAX_LANDING_SAMPLES: usize = 8;
/// Physiological floors: no foot swings through faster, or stays down shorter, than this.
const MIN_SWING_S: f64 = 0.2;
const MIN_CONTACT_S: f64 = 0.08;
/// Longer on the belt than this is standing, not a step.
const MAX_CONTACT_S: f64 = 2.0;
/// The foot angle at contact is the median of the samples this long before it neared the belt.
const STRIKE_WINDOW_S: f64 = 0.05;
/// A foot's usual strike is the commonest of its last this many known ones.
const USUAL_STRIKE_STEPS: usize = 10;
/// Samples kept per foot, seconds.
const KEEP_S: f64 = 2.5;

#[derive(Debug, Clone, Copy)]
pub(super) struct Sample {
    pub(super) frame: u64,
    pub(super) t: f64,
    pub(super) heel: Point,
    pub(super) toe: Point,
    /// Leg length (px) and running direction at this frame.
    pub(super) leg: f64,
    pub(super) dir: f64,
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

    /// Height of the lowest point above its belt line, pixels (image y points down).
    fn clearance(&self, line: &BeltLine) -> f64 {
        (line.heel_y - self.heel.1).min(line.toe_y - self.toe.1)
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Phase {
    /// Not yet seen clear of the belt.
    Unknown,
    Air,
    /// On the belt since `ic`; `reported`: whether that contact was reported as a step.
    Ground {
        ic: f64,
        reported: bool,
    },
}

#[derive(Debug, Clone)]
pub(super) struct Foot {
    side: Side,
    pub(super) samples: VecDeque<Sample>,
    pub(super) belt: Belt,
    phase: Phase,
    /// The first sample of the current run on (in the air: landing) or off (on the ground:
    /// leaving) the belt, and how many samples it has.
    run: Option<(f64, usize)>,
    last_ic: Option<f64>,
    last_to: Option<f64>,
    /// The last time the foot was clearly up.
    last_high: Option<f64>,
    /// The strikes of the last steps whose strike was known.
    strikes: VecDeque<FootStrike>,
}

impl Foot {
    pub(super) fn new(side: Side) -> Self {
        Self {
            side,
            samples: VecDeque::new(),
            belt: Belt::default(),
            phase: Phase::Unknown,
            run: None,
            last_ic: None,
            last_to: None,
            last_high: None,
            strikes: VecDeque::new(),
        }
    }

    pub(super) fn push(&mut self, s: Sample, now: (u64, f64), min_stride_s: f64) -> Option<GaitEvent> {
        self.samples.push_back(s);
        while self.samples.front().is_some_and(|f| s.t - f.t > KEEP_S) {
            self.samples.pop_front();
        }
        self.belt.add(s.t, s.heel.1, s.toe.1);
        let line = self.belt.line()?;
        let clearance = s.clearance(&line);
        let on = clearance <= ON_BELT_FRAC * s.leg;
        if clearance > HIGH_FRAC * s.leg {
            self.last_high = Some(s.t);
        }
        // Samples that count toward the change the phase is waiting for.
        let counts = match self.phase {
            Phase::Unknown | Phase::Ground { .. } => !on,
            Phase::Air => on,
        };
        // Coming down, a noisy sample just above the line does not restart the landing: only
        // being clearly up again does.
        let keeps = counts
            || self.phase == Phase::Air && self.run.is_some() && self.last_high.is_none_or(|h| h < s.t);
        self.run = match (keeps, self.run) {
            (false, _) => None,
            (true, None) => Some((s.t, usize::from(counts))),
            (true, Some((t0, n))) => Some((t0, n + usize::from(counts))),
        };
        let (t0, n) = self.run?;
        if n < CONFIRM_SAMPLES || s.t - t0 < CONFIRM_S - 1e-9 {
            return None;
        }
        match self.phase {
            Phase::Unknown => {
                // Seen clear of the belt: from the next landing on, events can be timed.
                self.run = None;
                self.phase = Phase::Air;
                None
            }
            Phase::Air => {
                let (t, contact, after) = self.place_contact(t0, &line);
                let settled = after >= SETTLED_SAMPLES && s.t - t >= SETTLED_S;
                if !settled && n < MAX_LANDING_SAMPLES {
                    // Still coming down: wait for the samples past the contact.
                    return None;
                }
                self.run = None;
                let too_soon = self.last_ic.is_some_and(|ic| t - ic < min_stride_s)
                    || self.last_to.is_some_and(|to| t - to < MIN_SWING_S);
                if too_soon {
                    // A foot put down again too soon to be a step (or noise on a swinging
                    // foot): it rests on the belt, but no contact is reported.
                    self.phase = Phase::Ground {
                        ic: t,
                        reported: false,
                    };
                    return None;
                }
                self.phase = Phase::Ground {
                    ic: t,
                    reported: true,
                };
                self.last_ic = Some(t);
                if let Some(k) = contact.strike {
                    self.strikes.push_back(k);
                    if self.strikes.len() > USUAL_STRIKE_STEPS {
                        self.strikes.pop_front();
                    }
                }
                Some(self.event(EventKind::InitialContact, t, Some(contact), now))
            }
            Phase::Ground { ic, reported } => {
                self.run = None;
                if t0 - ic < MIN_CONTACT_S {
                    return None;
                }
                let t = self.place_toe_off(t0, ic, &line);
                self.phase = Phase::Air;
                let standing = t - ic > MAX_CONTACT_S;
                if !reported {
                    // The end of an unreported rest: nothing to tell, nothing to learn.
                    return None;
                }
                self.learn_stance(ic, t);
                self.last_to = Some(t);
                (!standing).then(|| self.event(EventKind::ToeOff, t, None, now))
            }
        }
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

    /// Places the IC of a contact whose first sample near the belt is at `t_on`: the kink
    /// where the closing gaps reach zero, and how many samples lie past it.
    fn place_contact(&self, t_on: f64, line: &BeltLine) -> (f64, ContactPoint, usize) {
        // From the last time the foot was clearly up (before a gap in the frames, too), and
        // at least a little before it came near.
        let from = self
            .last_high
            .filter(|h| *h < t_on && t_on - h <= MAX_DESCENT_S)
            .map_or(t_on - FIT_WINDOW_S, |h| h.min(t_on - FIT_WINDOW_S));
        let window: Vec<Sample> = self
            .samples
            .iter()
            .filter(|s| s.t >= from - 1e-9)
            .copied()
            .collect();
        // (a gap in the frames after the landing does not widen the search)
        let now = window.last().map_or(t_on, |s| s.t).min(t_on + MAX_DESCENT_S);
        let first = *window
            .iter()
            .find(|s| s.t >= t_on)
            .expect("the landing sample is kept");
        // Without a strike type, whichever point came down lowest touched first.
        let lowest = if line.heel_y - first.heel.1 <= line.toe_y - first.toe.1 {
            0.0
        } else {
            1.0
        };
        let landing = |f: f64| -> Vec<(f64, f64)> {
            // Reversed in time, the gaps grow from zero at IC going back.
            let belt_y = line.at(f);
            window.iter().map(|s| (-s.t, belt_y - s.along(f).1)).collect()
        };
        // A slowly wandering keypoint error lifts or lowers the whole landing: the flat
        // level is fitted. The foot may slow down (or speed up) as it comes down.
        let fit_y = |dy: &[(f64, f64)]| {
            let y = kink::Series {
                pts: dy,
                growth: kink::Growth::Curved,
                free_level: true,
            };
            kink::fit(&[y], -now, -from).map_or(t_on, |(k, _)| -k)
        };
        // The foot's angle just before it neared the belt (late swing holds it nearly still),
        // against its flat angle; the strike is left unknown when keypoint noise could put
        // the angle across a class boundary.
        let angles: Vec<f64> = window
            .iter()
            .filter(|s| s.t < t_on && t_on - s.t <= STRIKE_WINDOW_S)
            .map(Sample::foot_angle)
            .collect();
        let foot_angle = median(&angles).map(|a| a - self.belt.flat_angle());
        let noise = self
            .belt
            .angle_noise()
            .map(|sd| sd / (angles.len().max(1) as f64).sqrt());
        let strike = foot_angle
            .zip(noise)
            .and_then(|(a, sd)| FootStrike::classify(a, sd));
        // The point that touched first: this step's strike when it is clear, else the foot's
        // usual one (a runner's strike is habitual; a noisy angle near a boundary should not
        // move the point by half a foot), else the lowest point.
        let clear = foot_angle
            .zip(noise)
            .is_some_and(|(a, sd)| FootStrike::clear_of_boundaries(a, sd, 2.0));
        let usual = self.usual_strike();
        let f = match (strike, usual) {
            (Some(s), _) if clear => s.contact_fraction(),
            (_, Some(u)) => u.contact_fraction(),
            (Some(s), None) => s.contact_fraction(),
            (None, None) => lowest,
        };
        let belt_y = line.at(f);
        let dy = landing(f);
        let t_y = fit_y(&dy);
        let y = kink::Series {
            pts: &dy,
            growth: kink::Growth::Curved,
            free_level: true,
        };
        // The stance line through the samples past that, moving at the belt's velocity.
        let velocity = self.belt.velocity();
        let line_x = velocity.and_then(|v| {
            let xs: Vec<f64> = window
                .iter()
                .filter(|s| s.t > t_y)
                .map(|s| s.along(f).0 - v * (s.t - t_y))
                .collect();
            median(&xs).map(|x0| move |t: f64| x0 + v * (t - t_y))
        });
        let t = match line_x {
            Some(line_x) => {
                let dx: Vec<(f64, f64)> = window
                    .iter()
                    .map(|s| (-s.t, (line_x(s.t) - s.along(f).0) * s.dir))
                    .collect();
                // Retraction speeds the foot's lag behind the belt's line up going back in time.
                // (its level is 0 by construction: the line runs through the stance samples)
                let x = kink::Series {
                    pts: &dx,
                    growth: kink::Growth::SpeedingUp,
                    free_level: false,
                };
                kink::fit(&[y, x], -now, -from).map_or(t_y, |(k, _)| -k)
            }
            None => t_y,
        };
        let after = window.iter().filter(|s| s.t > t).count();
        let x = match line_x {
            Some(line_x) => line_x(t),
            None => first.along(f).0,
        };
        let contact = ContactPoint {
            x,
            y: belt_y,
            strike,
            foot_angle_deg: foot_angle,
        };
        (t, contact, after)
    }

    /// Whether the foot has been seen clear of the belt, so its events can be timed.
    pub(super) fn timed(&self) -> bool {
        self.phase != Phase::Unknown
    }

    /// The strike this foot showed most often over its last steps.
    fn usual_strike(&self) -> Option<FootStrike> {
        [FootStrike::Heel, FootStrike::Mid, FootStrike::Fore]
            .into_iter()
            .map(|k| (k, self.strikes.iter().filter(|s| **s == k).count()))
            .filter(|(_, n)| *n > 0)
            .max_by_key(|(_, n)| *n)
            .map(|(k, _)| k)
    }

    /// Places the TO of a lift whose first sample clear of the belt is at `t_off`: the kink
    /// where the toe's height starts to grow.
    fn place_toe_off(&self, t_off: f64, ic: f64, line: &BeltLine) -> f64 {
        let from = (t_off - FIT_WINDOW_S).max(ic + MIN_CONTACT_S);
        let rise: Vec<(f64, f64)> = self
            .samples
            .iter()
            .filter(|s| s.t >= from)
            .map(|s| (s.t, line.toe_y - s.toe.1))
            .collect();
        // The toe rises faster and faster as the knee flexes into swing.
        let toe = kink::Series {
            pts: &rise,
            growth: kink::Growth::SpeedingUp,
            free_level: true,
        };
        kink::fit(&[toe], from, t_off).map_or(t_off, |(k, _)| k)
    }

    /// Learns the belt velocity and the flat foot from one stance.
    fn learn_stance(&mut self, ic: f64, to: f64) {
        let tc = to - ic;
        if !(MIN_CONTACT_S..=MAX_CONTACT_S).contains(&tc) {
            return;
        }
        // The toe rests on the belt from foot-flat to toe-off whatever the strike.
        let toe: Vec<(f64, f64)> = self
            .samples
            .iter()
            .filter(|s| s.t >= ic + 0.25 * tc && s.t <= to - 0.1 * tc)
            .map(|s| (s.t, s.toe.0))
            .collect();
        if toe.len() >= 3 {
            if let Some((v, _)) = fit_line(&toe, ic) {
                self.belt.add_velocity(v);
            }
        }
        let flat: Vec<f64> = self
            .samples
            .iter()
            .filter(|s| s.t >= ic + 0.25 * tc && s.t <= ic + 0.5 * tc)
            .map(Sample::foot_angle)
            .collect();
        self.belt.add_flat_angles(&flat);
    }
}

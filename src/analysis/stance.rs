//! A step from its contact to its toe-off: opened at initial contact with what is measured
//! there, closed at toe-off with the rest, put through the gait-validity gate, and given its
//! cue if it passed while the session is running.

use super::events::GaitEvent;
use super::geometry::{median, Turn};
use super::metrics::{self, ContactMetrics};
use super::step::ContactPose;
use super::time_base::FLIGHT_MARGIN_S;
use super::validity::{self, Gait, StepFacts, RUNNING_STEP_S};
use super::{pelvis, slot, GaitAnalyzer, Side, StepRecord, CADENCE_STEPS};

/// Share of the contact time over which the heel is taken as flat on the belt.
/// The part of the stance, as shares of the contact time, in which every kind of foot
/// strike rests flat on the belt (heel strikes are flat from about 15 %, the heel rises
/// after about half).
const FLAT_FROM: f64 = 0.2;
const FLAT_TO: f64 = 0.55;
/// The wider window, for low frame rates: a heel strike's heel and a forefoot strike's toe
/// are already on the belt by 10 %, and the heel rises after about 60 %.
const FLAT_FROM_WIDE: f64 = 0.1;
const FLAT_TO_WIDE: f64 = 0.65;

/// The least-squares slope of y on t, from at least 2 samples spread in time.
fn slope(samples: &[(f64, f64)]) -> Option<f64> {
    if samples.len() < 2 {
        return None;
    }
    let n = samples.len() as f64;
    let (mt, my) = samples
        .iter()
        .fold((0.0, 0.0), |(a, b), (t, y)| (a + t / n, b + y / n));
    let (stt, sty) = samples.iter().fold((0.0, 0.0), |(a, b), (t, y)| {
        (a + (t - mt).powi(2), b + (t - mt) * (y - my))
    });
    (stt > 0.0).then(|| sty / stt)
}
/// Steps timed on a side before that side's usual step time is taken (its own among them:
/// an outlier is never the median of three).
const USUAL_STEP_FROM: usize = 3;
/// Steps ending on one side kept for its usual step time.
const SIDE_STEPS: usize = CADENCE_STEPS / 2;
/// The end of loading response as a share of the contact time after initial contact.
const LOADING_SHARE: f64 = 0.2;

/// A step between its contact and its toe-off.
#[derive(Debug, Clone)]
pub(super) struct OpenStep {
    pub(super) step: usize,
    pub(super) ic: GaitEvent,
    contact: ContactMetrics,
    step_time_s: Option<f64>,
    stride_time_s: Option<f64>,
    vertical_oscillation_ratio: Option<f64>,
    /// The foot of the contact before this one.
    prev_side: Option<Side>,
    /// The tracked person at contact.
    track: Option<u64>,
    /// This contact, the one before it and this foot's last one were all placed by the
    /// treadmill detector: the step's timings do not mix the two detectors.
    timed_on_belt: bool,
    at_contact: ContactPose,
    /// +1 facing image right, −1 facing left.
    facing: f64,
}

impl GaitAnalyzer {
    pub(super) fn open_step(&mut self, ic: GaitEvent) {
        // The pose at the contact instant, which falls between frames.
        let Some(body) = self.history.at(ic.t) else {
            return;
        };
        let side = slot(ic.side);
        // Overstride at the point that touched first, against the hips' line through the
        // frames around the contact; from the fallback detector, the heel's lead it measured.
        let hip_x = self.history.hip_x_at(ic.t);
        let overstride = match (ic.contact, hip_x) {
            (Some(c), Some(hip_x)) => Some((c.x - hip_x) * body.dir / body.leg_length),
            _ => ic.heel_forward,
        };
        let leg = ic.side.points();
        let xy = |i: usize| (body.keypoints[i].x as f64, body.keypoints[i].y as f64);
        let at_contact = ContactPose {
            hip: (hip_x.unwrap_or(body.hip_centre.0), body.hip_centre.1),
            knee: xy(leg.knee),
            ankle: xy(leg.ankle),
            contact: ic.contact.map_or(xy(leg.heel), |c| (c.x, c.y)),
            dir: body.dir,
        };
        // Knee flexion turns at a minimum near contact (the knee stops extending and starts
        // to flex), the shank angle at a maximum.
        let turn = metrics::AnglesAtTurn {
            shank: self
                .history
                .at_turn(ic.t, Turn::Max, |b| metrics::shank_angle(b, ic.side, 0.0)),
            knee: self
                .history
                .at_turn(ic.t, Turn::Min, |b| Some(metrics::knee_flexion(b, ic.side))),
        };
        let contact = metrics::at_contact(
            &body,
            ic.side,
            self.config.min_visibility,
            overstride,
            ic.contact.as_ref(),
            turn,
        );
        let step_time_s = self
            .last_ic
            .filter(|prev| prev.side != ic.side)
            .map(|prev| ic.t - prev.t)
            .filter(|dt| *dt > 0.0);
        let stride_time_s = self.last_ic_by_side[side].map(|t| ic.t - t);
        let since = self.last_ic.map(|prev| prev.t).unwrap_or(f64::NEG_INFINITY);
        let hip_heights: Vec<f64> = self
            .history
            .iter()
            .filter(|f| f.t >= since && f.t <= ic.t)
            .map(|f| f.hip_centre.1)
            .collect();
        let vertical_oscillation_ratio = (step_time_s.is_some() && hip_heights.len() >= 3).then(|| {
            let (lo, hi) = hip_heights
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), y| {
                    (lo.min(*y), hi.max(*y))
                });
            (hi - lo) / body.leg_length
        });
        if let Some(dt) = step_time_s {
            self.step_times.push_back(dt);
            if self.step_times.len() > CADENCE_STEPS {
                self.step_times.pop_front();
            }
        }
        // The flight before this contact: from the other foot's toe-off to now, when that
        // toe-off follows its own foot's contact and the contact before this one (a missed
        // event must not stretch the window over a stance).
        let other = slot(ic.side.other());
        let flight_from = self.last_to_by_side[other].filter(|to| {
            *to < ic.t
                && self.last_ic_by_side[other].is_some_and(|other_ic| other_ic < *to)
                && self
                    .last_ic
                    .is_some_and(|prev| prev.side != ic.side && prev.t < *to)
        });
        if let Some(to) = flight_from {
            let flight: Vec<(f64, f64)> = self
                .history
                .iter()
                .filter(|f| f.t > to + FLIGHT_MARGIN_S && f.t < ic.t - FLIGHT_MARGIN_S)
                .map(|f| (f.t, f.hip_centre.1))
                .collect();
            self.fall.add_flight(&flight, body.leg_length);
        }
        let prev_side = self.last_ic.map(|prev| prev.side);
        let timed_on_belt = ic.contact.is_some()
            && self.last_ic.is_some_and(|prev| prev.contact.is_some())
            && self.last_ic_on_belt[side];
        self.last_ic_on_belt[side] = ic.contact.is_some();
        // Each side's usual step is learned only from steps timed on the belt and within
        // running's range: a first step timed by the fallback, or one across a missed
        // contact, would pull a median of five.
        let (lo, hi) = RUNNING_STEP_S;
        if let Some(dt) = step_time_s.filter(|dt| timed_on_belt && (lo..=hi).contains(dt)) {
            let mine = &mut self.side_step_times[side];
            mine.push_back(dt);
            if mine.len() > SIDE_STEPS {
                mine.pop_front();
            }
        }
        self.last_ic = Some(ic);
        self.last_ic_by_side[side] = Some(ic.t);
        self.recent_ics.push_back(ic.t);
        if self.recent_ics.len() > CADENCE_STEPS + 1 {
            self.recent_ics.pop_front();
        }
        self.open[side] = Some(OpenStep {
            step: self.next_step,
            ic,
            contact,
            step_time_s,
            stride_time_s,
            vertical_oscillation_ratio,
            prev_side,
            track: self.track,
            timed_on_belt,
            facing: body.dir,
            at_contact,
        });
        self.next_step += 1;
    }

    pub(super) fn close(&mut self, open: OpenStep, to: Option<GaitEvent>, decided_at_s: f64) -> StepRecord {
        let min_vis = self.config.min_visibility;
        let side = open.ic.side;
        let to_body = to.and_then(|e| self.frame_at(e.frame).cloned());
        let contact_time_s = to.map(|e| e.t - open.ic.t);
        let thigh_extension_to_deg = to_body
            .as_ref()
            .and_then(|b| metrics::thigh_extension(b, side, min_vis));
        let stance_end = to.map(|e| e.t).unwrap_or(open.ic.t);
        let leans: Vec<f64> = self
            .history
            .iter()
            .filter(|f| f.t >= open.ic.t && f.t <= stance_end)
            .filter_map(|f| metrics::trunk_lean(f, min_vis))
            .collect();
        let mut confidence = open.contact.visibility;
        if let Some(b) = &to_body {
            confidence = confidence.min(metrics::leg_visibility(b, side));
        }
        // Timing from a leg the camera cannot see is a guess: unknown, like its angles, unless
        // the treadmill detector fitted the stance over its frames (a far foot is seen less
        // well in any one frame, but its stance as a whole is followed).
        let seen = confidence >= min_vis;
        let timed = seen || open.ic.contact.is_some();
        let contact_time_s = contact_time_s.filter(|_| timed);
        let cadence_spm = self.cadence_spm();
        // Loading response ends about a fifth of the way through stance.
        let shank_angle_lr_deg = contact_time_s
            .and_then(|ct| self.history.at(open.ic.t + LOADING_SHARE * ct))
            .and_then(|b| metrics::shank_angle(&b, side, min_vis));
        let mut record = StepRecord {
            step: open.step,
            side,
            ic_time_s: open.ic.t,
            toe_off_time_s: to.map(|e| e.t).filter(|_| timed),
            step_time_s: open.step_time_s.filter(|_| timed),
            cadence_spm,
            contact_time_s,
            overstride_ratio: open.contact.overstride_ratio,
            overstride_cm: None,
            shank_angle_ic_deg: open.contact.shank_angle_ic_deg,
            knee_flexion_ic_deg: open.contact.knee_flexion_ic_deg,
            thigh_extension_to_deg,
            trunk_lean_deg: median(&leans),
            vertical_oscillation_ratio: open.vertical_oscillation_ratio,
            pelvic_tilt_deg: None,
            pelvic_tilt_source: None,
            confidence,
            cue: None,
            ic_frame: open.ic.frame,
            ic_decided_at_s: open.ic.confirmed_t,
            decided_at_s,
            duty_factor: contact_time_s.zip(open.stride_time_s).map(|(c, s)| c / s),
            // Set below, with the belt's speed at the contact.
            step_length_m: None,
            foot_strike_angle_deg: open.contact.foot_strike_angle_deg,
            active_cue: None,
            shank_angle_lr_deg,
            foot_strike_type: open.contact.strike.filter(|_| seen),
            gait: Gait::NotGait,
            valid: true,
            reason: None,
            leg_length_px: open.contact.leg_length_px,
            facing: if open.facing > 0.0 { "right" } else { "left" },
            belt_speed_kmh: None,
            speed_stage: 1,
            at_contact: Some(open.at_contact).filter(|_| seen),
            track: open.track,
            judged: false,
        };
        let facts = StepFacts {
            settling: !open.timed_on_belt,
            same_side_as_previous: open.prev_side == Some(side),
            step_time_s: record.step_time_s,
            contact_time_s: record.contact_time_s,
            duty_factor: record.duty_factor,
            seen: timed,
            has_toe_off: to.is_some(),
            person_changed: open.track != self.track,
            knee_flexion_ic_deg: record.knee_flexion_ic_deg,
            shank_angle_ic_deg: record.shank_angle_ic_deg,
            overstride_ratio: record.overstride_ratio,
            double_support: to.and_then(|to| self.double_support(side, open.ic.t, to.t)),
            usual_step_s: Some(&self.side_step_times[slot(side)])
                .filter(|mine| mine.len() >= USUAL_STEP_FROM)
                .and_then(|mine| median(&mine.iter().copied().collect::<Vec<_>>())),
            hip_dip: to.and_then(|to| self.hip_dip(open.ic.t, to.t)),
        };
        record.gait = validity::gait_of(&facts);
        let session = self.gait.push(record.gait);
        if let Err(reason) = validity::judge(&facts, record.gait) {
            record.valid = false;
            record.reason = Some(reason);
        } else if let Some(problem) = self.time_base().and_then(|tb| tb.problem()) {
            // Times from a clock that runs slow or fast are no step's times.
            record.valid = false;
            record.reason = Some(problem);
        }
        let (stage, belt, stage_from) = self.speed_at(open.ic.t);
        // The first seconds of a stage after the first are the belt speeding up and the
        // runner adapting: they teach neither the scale nor the cues.
        let settling = stage > 1 && open.ic.t - stage_from < self.config.stages.settle_s;
        // Only counted steps teach the pixel scale and the speed watch: the belt's speed in
        // the image is the foot's while it rests flat on the belt, fitted over the frames
        // of that part of the stance (every strike type is flat by then, and an error of a
        // frame or two in the contact time moves the window but not the speed).
        if let (true, Some(ct)) = (record.valid, contact_time_s) {
            if let Some(px_s) = self.foot_speed_px_s(side, open.ic.t, ct) {
                if let (Some(b), false) = (belt, settling) {
                    self.scale.add_stance(px_s, b);
                }
                self.watch.push(open.ic.t, px_s / open.contact.leg_length_px);
            }
        }
        record.speed_stage = stage;
        record.belt_speed_kmh = belt.map(|b| b.metres_per_second * 3.6);
        // Step length is the belt's travel in a step: not while the belt is still reaching
        // a new speed, nor while the foot says it moves at another than the one given.
        let belt_steady = !settling && !self.watch.unsettled();
        record.step_length_m = belt
            .filter(|_| belt_steady)
            .zip(record.step_time_s)
            .map(|(b, dt)| b.metres_per_second * dt);
        (record.pelvic_tilt_deg, record.pelvic_tilt_source) = self.pelvic_tilt(&open, to);
        let scale = self.scale.metres_per_px(open.contact.leg_length_px);
        record.overstride_cm = open
            .contact
            .overstride_ratio
            .zip(scale)
            .map(|(r, (m_per_px, _))| r * open.contact.leg_length_px * m_per_px * 100.0);
        // Cues only for valid steps while the session is running.
        // Cues wait while the speed is changing: the runner's values at the old speed are no
        // reference, and the new one's are not yet in.
        if record.valid && session == Gait::Running && !settling && !self.watch.unsettled() {
            // The runner's own reference values belong to one speed: new speed, new ones.
            if self.cue_stage.is_some_and(|s| s != stage) {
                self.cues.new_stage();
            }
            self.cue_stage = Some(stage);
            let decision = self.cues.step(record.decided_at_s, |m| record.value(m));
            record.cue = decision.shown;
            record.active_cue = decision.active;
            record.judged = decision.judged && self.config.cues.enabled;
        }
        record
    }

    /// The speed of the foot flat on the belt in the image, pixels per second: the slope
    /// of its heel–toe midpoint over the frames of flat stance (the window is widened when
    /// a low frame rate leaves fewer than 3 frames in it).
    fn foot_speed_px_s(&self, side: Side, ic_t: f64, ct: f64) -> Option<f64> {
        let foot = side.points();
        let samples = |from: f64, to: f64| -> Vec<(f64, f64)> {
            self.history
                .iter()
                .filter(|f| f.t >= ic_t + from * ct && f.t <= ic_t + to * ct)
                .map(|f| {
                    (
                        f.t,
                        0.5 * (f.keypoints[foot.heel].x + f.keypoints[foot.toe].x) as f64,
                    )
                })
                .collect()
        };
        let mut s = samples(FLAT_FROM, FLAT_TO);
        if s.len() < 3 {
            s = samples(FLAT_FROM_WIDE, FLAT_TO_WIDE);
        }
        slope(&s).map(f64::abs)
    }

    /// Whether the other foot was still on the belt when `side` landed at `ic` (it left
    /// after, before `to`), or in the air (it left before and had not landed again).
    fn double_support(&self, side: Side, ic: f64, to: f64) -> Option<bool> {
        let other = slot(side.other());
        let (other_ic, other_to) = (self.last_ic_by_side[other]?, self.last_to_by_side[other]?);
        if other_to > ic && other_to < to {
            Some(true)
        } else if other_to <= ic && other_ic < other_to {
            Some(false)
        } else {
            None
        }
    }

    /// How much lower the hips are at mid-stance than at contact and toe-off, leg lengths.
    fn hip_dip(&self, ic: f64, to: f64) -> Option<f64> {
        let y = |t: f64| self.history.at(t).map(|b| (b.hip_centre.1, b.leg_length));
        let ((y_ic, leg), (y_mid, _), (y_to, _)) = (y(ic)?, y(0.5 * (ic + to))?, y(to)?);
        Some((y_mid - 0.5 * (y_ic + y_to)) / leg)
    }

    /// Steps per minute over the recent contacts: the number of steps (counted with the
    /// median step time, so a missed contact does not halve the rate) over their span.
    fn cadence_spm(&self) -> Option<f64> {
        let step = median(&self.step_times.iter().copied().collect::<Vec<_>>())?;
        let (first, last) = (self.recent_ics.front()?, self.recent_ics.back()?);
        let span = last - first;
        let steps = (span / step).round();
        (steps >= 1.0 && span > 0.0).then(|| 60.0 * steps / span)
    }

    /// Marker tilt over the stance, when markers are on and were seen; otherwise unknown.
    fn pelvic_tilt(&mut self, open: &OpenStep, to: Option<GaitEvent>) -> (Option<f64>, Option<&'static str>) {
        if !self.config.pelvis.markers {
            return (None, None);
        }
        let last = to.map(|e| e.frame).unwrap_or(open.ic.frame);
        match self.tilts.take_median(open.ic.frame, last) {
            Some(tilt) => (Some(tilt), Some(pelvis::SOURCE_MARKERS)),
            None => (None, None),
        }
    }
}

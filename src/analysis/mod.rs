//! The analysis stage: poses in, steps out.
//!
//! In: [`PoseSample`]s in time order (live or replayed from `keypoints.jsonl`). Out:
//! [`StepRecord`]s, each emitted as soon as its foot leaves the ground (toe-off), with the
//! step's metrics and the cue chosen for it. Everything is decided causally from the
//! frames seen so far, so the same code runs live.

pub mod body;
mod config;
pub mod cues;
pub mod events;
pub mod geometry;
pub mod metric;
pub mod metrics;
pub mod pelvis;
pub mod sample;
pub mod scale;
mod step;

use std::collections::VecDeque;

use anyhow::{bail, Result};

use body::{BodyFrame, BodyTracker};
pub use config::AnalysisConfig;
use cues::CueEngine;
use events::{EventDetector, EventKind, GaitEvent};
use geometry::median;
pub use metric::{Metric, MetricInfo, METRICS};
use metrics::ContactMetrics;
pub use sample::{PoseSample, Side};
use scale::ScaleEstimator;
pub use step::StepRecord;

/// Seconds of body frames kept for looking back at contacts (longest walking stride ~1.5 s).
const HISTORY_S: f64 = 3.0;
/// Steps in the rolling cadence.
const CADENCE_STEPS: usize = 10;
/// Share of the contact time over which the heel is taken as flat on the belt.
const STANCE_SCALE_SHARE: f64 = 0.4;
/// Without a pose for this long the runner is considered gone: tracking state restarts.
const MAX_GAP_S: f64 = 0.5;
/// Leg points may lie this far outside the frame (pixels) before the frame is unusable.
const FRAME_MARGIN_PX: f32 = 2.0;

/// A step between its contact and its toe-off.
#[derive(Debug, Clone)]
struct OpenStep {
    step: usize,
    ic: GaitEvent,
    contact: ContactMetrics,
    heel_x_ic: f64,
    step_time_s: Option<f64>,
    stride_time_s: Option<f64>,
    vertical_oscillation_ratio: Option<f64>,
}

pub struct GaitAnalyzer {
    config: AnalysisConfig,
    body: BodyTracker,
    events: EventDetector,
    history: VecDeque<BodyFrame>,
    open: [Option<OpenStep>; 2],
    last_ic: Option<GaitEvent>,
    last_ic_by_side: [Option<f64>; 2],
    step_times: VecDeque<f64>,
    /// Times of the recent contacts, both feet, for the cadence.
    recent_ics: VecDeque<f64>,
    cues: CueEngine,
    scale: ScaleEstimator,
    /// Thigh extension of each leg's first steps: the proxy tilt's zero, per leg (the near
    /// and far legs differ in perspective).
    thigh_baseline: [Vec<f64>; 2],
    tilts: pelvis::TiltLog,
    next_step: usize,
    last_t: Option<f64>,
    events_seen: Vec<GaitEvent>,
    last_pose_t: Option<f64>,
    track: Option<u64>,
    /// Times the runner was lost and the analysis restarted.
    pub restarts: u64,
    /// Frames skipped because a leg was outside the picture.
    pub partial_frames: u64,
}

fn slot(side: Side) -> usize {
    match side {
        Side::Left => 0,
        Side::Right => 1,
    }
}

impl GaitAnalyzer {
    pub fn new(config: AnalysisConfig) -> Result<Self> {
        config.validate()?;
        Ok(Self {
            body: BodyTracker::default(),
            events: EventDetector::new(config.event_delta, config.contact_plateau, config.min_stride_s),
            history: VecDeque::new(),
            open: [None, None],
            last_ic: None,
            last_ic_by_side: [None; 2],
            step_times: VecDeque::new(),
            recent_ics: VecDeque::new(),
            cues: CueEngine::new(config.cues.clone()),
            scale: ScaleEstimator::new(config.belt_speed, config.runner_height_cm.map(|cm| cm / 100.0)),
            thigh_baseline: [Vec::new(), Vec::new()],
            tilts: pelvis::TiltLog::default(),
            next_step: 1,
            last_t: None,
            events_seen: Vec::new(),
            last_pose_t: None,
            track: None,
            restarts: 0,
            partial_frames: 0,
            config,
        })
    }

    /// Every gait event confirmed so far (for tests and reports).
    pub fn events(&self) -> &[GaitEvent] {
        &self.events_seen
    }

    /// The latest repaired body frame, for drawing and marker search.
    pub fn latest_body(&self) -> Option<&BodyFrame> {
        self.history.back()
    }

    /// Records a calibrated marker tilt for `frame` (marker mode).
    pub fn record_marker_tilt(&mut self, frame: u64, tilt_deg: f64) {
        let calibrated = tilt_deg - self.config.pelvis.standing_tilt_deg.unwrap_or(0.0);
        self.tilts.record(frame, calibrated);
    }

    /// Feeds one frame; returns the steps it completes. Time must not go backwards.
    pub fn process(&mut self, sample: &PoseSample) -> Result<Vec<StepRecord>> {
        if let Some(last) = self.last_t {
            if sample.t < last {
                bail!(
                    "time goes backwards at frame {} ({:.3} s after {:.3} s)",
                    sample.frame,
                    sample.t,
                    last
                );
            }
        }
        self.last_t = Some(sample.t);
        let Some(kps) = &sample.keypoints else {
            return Ok(Vec::new());
        };
        if let Some((w, h)) = sample.size {
            let outside = |k: &crate::pose::Keypoint| {
                k.x < -FRAME_MARGIN_PX
                    || k.y < -FRAME_MARGIN_PX
                    || k.x > w as f32 + FRAME_MARGIN_PX
                    || k.y > h as f32 + FRAME_MARGIN_PX
            };
            let leg_points = Side::BOTH.iter().flat_map(|s| {
                let p = s.points();
                [p.hip, p.knee, p.ankle, p.heel, p.toe]
            });
            if leg_points.into_iter().any(|i| outside(&kps[i])) {
                self.partial_frames += 1;
                return Ok(Vec::new());
            }
        }
        let mut out = Vec::new();
        let lost = self.last_pose_t.is_some_and(|last| sample.t - last > MAX_GAP_S);
        let new_person = sample.track.is_some() && self.track.is_some() && sample.track != self.track;
        if lost || new_person {
            out.extend(self.restart());
        }
        if new_person {
            // Someone else: their own baselines and scale.
            self.thigh_baseline = [Vec::new(), Vec::new()];
            self.scale = ScaleEstimator::new(
                self.config.belt_speed,
                self.config.runner_height_cm.map(|cm| cm / 100.0),
            );
            self.cues = CueEngine::new(self.config.cues.clone());
        }
        self.last_pose_t = Some(sample.t);
        self.track = sample.track.or(self.track);
        let Some(body) = self.body.update(sample.frame, sample.t, kps) else {
            return Ok(out);
        };
        self.history.push_back(body.clone());
        while self.history.front().is_some_and(|f| body.t - f.t > HISTORY_S) {
            self.history.pop_front();
        }
        for event in self.events.push(&body) {
            self.events_seen.push(event);
            match event.kind {
                EventKind::InitialContact => {
                    if let Some(stale) = self.open[slot(event.side)].take() {
                        out.push(self.close(stale, None, event.confirmed_t));
                    }
                    self.open_step(event);
                }
                EventKind::ToeOff => {
                    let open = &self.open[slot(event.side)];
                    if open.as_ref().is_some_and(|s| s.ic.t < event.t) {
                        let step = self.open[slot(event.side)].take().expect("checked above");
                        out.push(self.close(step, Some(event), event.confirmed_t));
                    }
                }
            }
        }
        Ok(out)
    }

    /// The runner was lost (or replaced): close open steps and start the body and event
    /// tracking afresh, keeping the step count, cadence history and cue state.
    fn restart(&mut self) -> Vec<StepRecord> {
        self.restarts += 1;
        let closed = self.finish();
        self.body = BodyTracker::default();
        self.events = EventDetector::new(
            self.config.event_delta,
            self.config.contact_plateau,
            self.config.min_stride_s,
        );
        self.history.clear();
        self.last_ic = None;
        self.last_ic_by_side = [None; 2];
        self.recent_ics.clear();
        closed
    }

    /// Closes steps still waiting for a toe-off (end of the recording).
    pub fn finish(&mut self) -> Vec<StepRecord> {
        let t = self.last_t.unwrap_or(0.0);
        let mut open: Vec<OpenStep> = self.open.iter_mut().filter_map(Option::take).collect();
        open.sort_by_key(|s| s.step);
        open.into_iter().map(|s| self.close(s, None, t)).collect()
    }

    fn frame_at(&self, frame: u64) -> Option<&BodyFrame> {
        self.history.iter().rev().find(|f| f.frame == frame)
    }

    fn open_step(&mut self, ic: GaitEvent) {
        let Some(body) = self.frame_at(ic.frame).cloned() else {
            return;
        };
        let side = slot(ic.side);
        let contact = metrics::at_contact(&body, ic.side, self.config.min_visibility, ic.heel_forward);
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
        self.last_ic = Some(ic);
        self.last_ic_by_side[side] = Some(ic.t);
        self.recent_ics.push_back(ic.t);
        if self.recent_ics.len() > CADENCE_STEPS + 1 {
            self.recent_ics.pop_front();
        }
        let heel_x_ic = body.keypoints[ic.side.points().heel].x as f64;
        self.open[side] = Some(OpenStep {
            step: self.next_step,
            ic,
            contact,
            heel_x_ic,
            step_time_s,
            stride_time_s,
            vertical_oscillation_ratio,
        });
        self.next_step += 1;
    }

    fn close(&mut self, open: OpenStep, to: Option<GaitEvent>, decided_at_s: f64) -> StepRecord {
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
        // Timing from a leg the camera cannot see is a guess: unknown, like its angles.
        let seen = confidence >= min_vis;
        let contact_time_s = contact_time_s.filter(|_| seen);
        if let (true, Some(ct)) = (seen, contact_time_s) {
            // The belt's speed in the image: the heel until mid-stance, while it is still
            // flat on the belt (by toe-off it has lifted and rolled over the forefoot).
            let mid_t = open.ic.t + STANCE_SCALE_SHARE * ct;
            if let Some(mid) = self
                .history
                .iter()
                .min_by(|a, b| (a.t - mid_t).abs().total_cmp(&(b.t - mid_t).abs()))
            {
                if mid.t > open.ic.t {
                    self.scale.add_stance(
                        open.heel_x_ic,
                        mid.keypoints[side.points().heel].x as f64,
                        mid.t - open.ic.t,
                    );
                }
            }
        }
        let (pelvic_tilt_deg, pelvic_tilt_source) = self.pelvic_tilt(&open, to, thigh_extension_to_deg);
        let scale = self.scale.metres_per_px(open.contact.leg_length_px);
        let overstride_cm = open
            .contact
            .overstride_ratio
            .zip(scale)
            .map(|(r, (m_per_px, _))| r * open.contact.leg_length_px * m_per_px * 100.0);
        let cadence_spm = self.cadence_spm();
        let mut record = StepRecord {
            step: open.step,
            side,
            ic_time_s: open.ic.t,
            toe_off_time_s: to.map(|e| e.t).filter(|_| seen),
            step_time_s: open.step_time_s.filter(|_| seen),
            cadence_spm,
            contact_time_s,
            overstride_ratio: open.contact.overstride_ratio,
            overstride_cm,
            shank_angle_ic_deg: open.contact.shank_angle_ic_deg,
            knee_flexion_ic_deg: open.contact.knee_flexion_ic_deg,
            thigh_extension_to_deg,
            trunk_lean_deg: median(&leans),
            vertical_oscillation_ratio: open.vertical_oscillation_ratio,
            pelvic_tilt_deg,
            pelvic_tilt_source,
            confidence,
            cue: None,
            ic_frame: open.ic.frame,
            ic_decided_at_s: open.ic.confirmed_t,
            decided_at_s,
            duty_factor: contact_time_s.zip(open.stride_time_s).map(|(c, s)| c / s),
            // (contact_time_s is already unknown when the leg was not seen)
            step_length_m: self
                .scale
                .belt()
                .zip(open.step_time_s)
                .map(|(b, dt)| b.metres_per_second * dt),
            foot_strike_angle_deg: open.contact.foot_strike_angle_deg,
            active_cue: None,
        };
        let decision = self.cues.step(|m| record.value(m));
        record.cue = decision.shown;
        record.active_cue = decision.active;
        record
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

    /// Marker tilt over the stance when markers were seen, else the thigh-extension proxy.
    fn pelvic_tilt(
        &mut self,
        open: &OpenStep,
        to: Option<GaitEvent>,
        thigh_extension: Option<f64>,
    ) -> (Option<f64>, Option<&'static str>) {
        if self.config.pelvis.markers {
            let last = to.map(|e| e.frame).unwrap_or(open.ic.frame);
            if let Some(tilt) = self.tilts.take_median(open.ic.frame, last) {
                return (Some(tilt), Some(pelvis::SOURCE_MARKERS));
            }
            return (None, None);
        }
        let Some(ext) = thigh_extension else {
            return (None, None);
        };
        let baseline_steps = self.config.pelvis.proxy_baseline_steps.div_ceil(2);
        let own = &mut self.thigh_baseline[slot(open.ic.side)];
        if own.len() < baseline_steps {
            own.push(ext);
            return (None, None);
        }
        let baseline = median(own).unwrap_or(ext);
        (Some(baseline - ext), Some(pelvis::SOURCE_PROXY))
    }
}

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
pub mod feedback;
pub mod geometry;
mod history;
pub mod metric;
pub mod metrics;
pub mod pelvis;
pub mod sample;
pub mod scale;
pub mod sides;
pub mod speed;
mod stance;
mod step;
pub mod time_base;
pub mod validity;
pub mod view;

use std::collections::VecDeque;

use anyhow::{bail, Result};

use body::{BodyFrame, BodyTracker};
pub use config::{AnalysisConfig, StageConfig};
use cues::CueEngine;
use events::{EventDetector, EventKind, GaitEvent};
use history::History;
pub use metric::{Metric, MetricInfo, METRICS};
pub use sample::{PoseSample, Side};
use scale::ScaleEstimator;
use speed::{DetectedChange, SpeedWatch};
use stance::OpenStep;
pub use step::{ContactPose, StepRecord};
use validity::{Gait, SessionGait};

/// Steps in the rolling cadence.
pub(crate) const CADENCE_STEPS: usize = 10;
/// Without a pose for this long the runner is considered gone: tracking state restarts.
/// The shortest time between two contacts that can be a step, seconds.
const MIN_STEP_S: f64 = 0.25;
const MAX_GAP_S: f64 = 0.5;
/// Leg points may lie this far outside the frame (pixels) before the frame is unusable.
const FRAME_MARGIN_PX: f32 = 2.0;

/// A change the stance foot shows this long before or after a given change of speed is
/// that change (the speed is typed a moment before or after the belt gets there; the
/// watch notices about 12 steps late).
const EXPLAINED_BEFORE_S: f64 = 5.0;
const EXPLAINED_AFTER_S: f64 = 15.0;

/// One speed stage of the session.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SpeedSpan {
    pub from_s: f64,
    /// As given; `None` when the stage was only noticed.
    pub speed: Option<scale::BeltSpeed>,
    /// This stage's speed / the previous stage's, as the stance foot measured it.
    pub ratio_to_previous: Option<f64>,
    pub source: &'static str,
}

impl SpeedSpan {
    pub fn speed_kmh(&self) -> Option<f64> {
        self.speed.map(|v| v.metres_per_second * 3.6)
    }
}

pub struct GaitAnalyzer {
    config: AnalysisConfig,
    body: BodyTracker,
    events: EventDetector,
    history: History,
    open: [Option<OpenStep>; 2],
    last_ic: Option<GaitEvent>,
    last_ic_by_side: [Option<f64>; 2],
    last_to_by_side: [Option<f64>; 2],
    /// Whether each foot's last contact was placed by the treadmill detector.
    last_ic_on_belt: [bool; 2],
    gait: SessionGait,
    step_times: VecDeque<f64>,
    /// Recent step times ending on each foot's contact: each side's usual step, for the
    /// rhythm check (a runner's two steps may differ, and so may the near and far foot's
    /// timing).
    side_step_times: [VecDeque<f64>; 2],
    /// Times of the recent contacts, both feet, for the cadence.
    recent_ics: VecDeque<f64>,
    cues: CueEngine,
    scale: ScaleEstimator,
    /// The belt's speed as given (flags, configuration, typed live).
    schedule: Option<speed::SpeedSchedule>,
    /// Changes of belt speed noticed from the stance foot, when no schedule was given
    /// after them.
    watch: SpeedWatch,
    /// The speed stage (1-based) of the latest step the cues judged.
    cue_stage: Option<usize>,
    tilts: pelvis::TiltLog,
    /// The hips' fall in flight, for telling real time from slow motion.
    fall: time_base::FallFit,
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
            history: History::default(),
            open: [None, None],
            last_ic: None,
            last_ic_by_side: [None; 2],
            last_to_by_side: [None; 2],
            last_ic_on_belt: [false; 2],
            gait: SessionGait::default(),
            step_times: VecDeque::new(),
            side_step_times: [VecDeque::new(), VecDeque::new()],
            recent_ics: VecDeque::new(),
            cues: CueEngine::new(config.cues.clone()),
            scale: ScaleEstimator::new(config.runner_height_cm.map(|cm| cm / 100.0)),
            schedule: config.schedule(),
            watch: SpeedWatch::default(),
            cue_stage: None,
            tilts: pelvis::TiltLog::default(),
            fall: time_base::FallFit::default(),
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

    /// Media time of the latest frame fed.
    pub fn last_t(&self) -> Option<f64> {
        self.last_t
    }

    /// Every gait event confirmed so far (for tests and reports).
    pub fn events(&self) -> &[GaitEvent] {
        &self.events_seen
    }

    /// The latest repaired body frame, for drawing and marker search.
    pub fn latest_body(&self) -> Option<&BodyFrame> {
        self.history.latest()
    }

    /// The belt was set to `speed` at media time `t` (typed during a live session).
    pub fn set_belt_speed(&mut self, t: f64, speed: scale::BeltSpeed) {
        match &mut self.schedule {
            Some(s) => s.push(t, speed),
            None => self.schedule = Some(speed::SpeedSchedule::typed_from(t, speed)),
        }
    }

    /// A live session whose clock did not start at 0: the schedule given at the start
    /// counts from its first frame.
    pub fn start_schedule_at(&mut self, t0: f64) {
        if let Some(s) = &self.schedule {
            self.schedule = Some(s.shifted(t0));
        }
    }

    /// The speed stages so far: the stages given (flags, configuration, typed), and a new
    /// stage of unknown speed wherever the stance foot showed a change of belt speed that
    /// no given stage explains (nothing given, or the belt changed anyway).
    pub fn speed_spans(&self) -> Vec<SpeedSpan> {
        let given: Vec<SpeedSpan> = match &self.schedule {
            Some(schedule) => schedule
                .stages()
                .iter()
                .map(|s| SpeedSpan {
                    from_s: s.from_s,
                    speed: s.speed,
                    ratio_to_previous: None,
                    source: "given",
                })
                .collect(),
            None => vec![SpeedSpan {
                from_s: 0.0,
                speed: None,
                ratio_to_previous: None,
                source: "start",
            }],
        };
        let explained = |t: f64| {
            given
                .iter()
                .skip(1)
                .any(|g| t > g.from_s - EXPLAINED_BEFORE_S && t < g.from_s + EXPLAINED_AFTER_S)
        };
        let mut spans: Vec<SpeedSpan> = given.clone();
        spans.extend(
            self.watch
                .changes
                .iter()
                .filter(|c| !explained(c.at_s))
                .map(|c| SpeedSpan {
                    from_s: c.at_s,
                    speed: None,
                    ratio_to_previous: Some(c.ratio),
                    source: "detected from the foot's speed over the belt",
                }),
        );
        spans.sort_by(|a, b| a.from_s.total_cmp(&b.from_s));
        spans
    }

    /// The speed stage (from 1) at media time `t`, its speed when known, and when it began.
    pub(crate) fn speed_at(&self, t: f64) -> (usize, Option<scale::BeltSpeed>, f64) {
        let spans = self.speed_spans();
        let k = spans.iter().rposition(|s| s.from_s <= t).unwrap_or(0);
        (k + 1, spans[k].speed, spans[k].from_s)
    }

    /// Belt-speed changes noticed from the stance foot (whether or not a speed was given).
    pub fn detected_speed_changes(&self) -> &[DetectedChange] {
        &self.watch.changes
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
            self.scale = ScaleEstimator::new(self.config.runner_height_cm.map(|cm| cm / 100.0));
            self.watch.restart();
            self.cues = CueEngine::new(self.config.cues.clone());
            self.cue_stage = None;
        }
        self.last_pose_t = Some(sample.t);
        self.track = sample.track.or(self.track);
        let Some(body) = self.body.update(sample.frame, sample.t, kps) else {
            return Ok(out);
        };
        self.history.push(body.clone());
        for event in self.events.push(&body) {
            self.events_seen.push(event);
            match event.kind {
                EventKind::InitialContact => {
                    // No two contacts within a quarter second (240 steps/min, beyond any
                    // treadmill running or walking): the later one is an artefact (a foot
                    // leaving the picture, a snapped leg) and rests silently.
                    if self.last_ic.is_some_and(|prev| event.t - prev.t < MIN_STEP_S) {
                        continue;
                    }
                    if let Some(stale) = self.open[slot(event.side)].take() {
                        out.push(self.close(stale, None, event.confirmed_t));
                    }
                    self.open_step(event);
                }
                EventKind::ToeOff => {
                    self.last_to_by_side[slot(event.side)] = Some(event.t);
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
        self.last_to_by_side = [None; 2];
        self.last_ic_on_belt = [false; 2];
        self.gait.clear();
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
        self.history.frame(frame)
    }

    /// Whether the clip's clock runs at real time, from the hips' fall in flight so far.
    pub fn time_base(&self) -> Option<time_base::TimeBase> {
        let step = geometry::median(&self.step_times.iter().copied().collect::<Vec<_>>());
        self.fall
            .time_base(self.config.runner_height_cm.map(|cm| cm / 100.0), step)
    }

    /// The movement of the session over its last steps.
    pub fn gait(&self) -> Gait {
        self.gait.state()
    }
}

//! The live screen's state between frames: recent steps, the cue on show, latency,
//! problems to show, recording and delayed replay; and what each key or command does.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use crossbeam_channel::{Sender, TrySendError};
use opencv::core::Mat;
use opencv::prelude::*;

use crate::analysis::scale::BeltSpeed;
use crate::analysis::speed::SpeedSchedule;
use crate::analysis::validity::SessionGait;
use crate::analysis::StepRecord;
use crate::capture::live::CaptureStatus;
use crate::display::Command;
use crate::panel::{self, PanelState};
use crate::record::recorder::{RecorderMsg, RecorderStatus};
use crate::timing::Samples;

pub(super) use super::problems::Problem;
use super::problems::NO_RUNNER_S;
use crate::session::events::EventLog;

/// Steps kept for the panel and its chart.
const PANEL_STEPS: usize = panel::CHART_STEPS;
/// Latency samples kept for the rolling p50/p95 on screen.
const LATENCY_WINDOW: usize = 300;

/// The screen's state between frames.
pub(super) struct Ui {
    pub(super) state: PanelState,
    pub(super) steps: VecDeque<StepRecord>,
    /// The movement over the last steps, as the analysis judges it.
    pub(super) gait: SessionGait,
    pub(super) latency: Samples,
    pub(super) recent_latency: VecDeque<f64>,
    pub(super) shown: u64,
    pub(super) started: Instant,
    pub(super) recording_since: Option<Instant>,
    /// The delay view: the replay beside the live picture.
    pub(super) replay: super::replay::DelayView,
    /// Media time of the first and the latest frame, and of the latest with a runner.
    pub(super) first_frame_t: Option<f64>,
    pub(super) last_frame_t: f64,
    pub(super) last_pose_t: Option<f64>,
    /// What is wrong now, as shown in red (`state.problems` holds the words).
    pub(super) problems: Vec<Problem>,
    /// Files the analysis can no longer write: wrong for the rest of the session.
    pub(super) lasting: Vec<Problem>,
    /// Set to have the pose stage choose another person as the runner.
    pub(super) choose_runner: Arc<AtomicBool>,
    /// Whether the analysis may show cues (off while hidden and for a retest).
    pub(super) cues_allowed: Arc<AtomicBool>,
    /// A retest: cues stay off whatever is pressed (shared with the analysis).
    pub(super) retest: Arc<AtomicBool>,
    /// Belt speeds typed, to the analysis: (media time, speed).
    pub(super) speed_tx: Sender<(f64, BeltSpeed)>,
    /// The belt's speed now, km/h, as typed or scheduled.
    pub(super) belt_kmh: Option<f64>,
    /// The last picture shown, as drawn (pose, contact, banner), before the panel.
    pub(super) last_view: Mat,
    /// The speed-ramp test's stages, when one runs, and the stage shown last.
    pub(super) ramp: Option<SpeedSchedule>,
    pub(super) ramp_stage: Option<usize>,
    /// A snapshot is to be taken of the next frame shown.
    pub(super) snapshot_pending: bool,
    /// The cues shown in turn as a preview: when it began (media time) and their words.
    pub(super) preview: Option<(f64, Vec<String>)>,
    /// The cues the rules in use can give.
    pub(super) cue_texts: Vec<String>,
    /// Everyone in view at the pose stage's latest look around: (media time, boxes).
    pub(super) people: Option<(f64, Vec<crate::pose::PersonBox>)>,
}

/// Each cue of a preview stays up this long, seconds.
const PREVIEW_EACH_S: f64 = 3.0;

/// People seen this long ago still have their faces blurred in a snapshot, seconds.
const PEOPLE_HOLD_S: f64 = 1.5;

impl Ui {
    pub(super) fn push_step(&mut self, s: StepRecord) {
        self.state.gait = self.gait.push(s.gait);
        self.steps.push_back(s);
        if self.steps.len() > PANEL_STEPS {
            self.steps.pop_front();
        }
        self.state.recent_steps = self.steps.iter().cloned().collect();
    }

    pub(super) fn record_latency(&mut self, d: Duration) {
        self.shown += 1;
        self.latency.push(d);
        self.recent_latency.push_back(d.as_secs_f64() * 1e3);
        if self.recent_latency.len() > LATENCY_WINDOW {
            self.recent_latency.pop_front();
        }
        let recent: Vec<f64> = self.recent_latency.iter().copied().collect();
        self.state.latency_p50_ms = crate::analysis::geometry::quantile(&recent, 0.5);
        self.state.latency_p95_ms = crate::analysis::geometry::quantile(&recent, 0.95);
        self.state.fps = Some(self.shown as f64 / self.started.elapsed().as_secs_f64().max(1e-9));
    }

    /// Updates the problems shown in red; returns the changes worth logging.
    pub(super) fn refresh_problems(
        &mut self,
        capture: &CaptureStatus,
        recorder: &RecorderStatus,
    ) -> Vec<String> {
        let no_runner = self.last_frame_t
            - self
                .last_pose_t
                .unwrap_or(self.first_frame_t.unwrap_or(self.last_frame_t));
        let problems: Vec<Problem> = capture
            .lost()
            .map(Problem::SourceLost)
            .into_iter()
            .chain(recorder.warning().map(Problem::Warning))
            .chain((no_runner > NO_RUNNER_S).then_some(Problem::NoRunner))
            .chain(self.lasting.iter().cloned())
            .collect();
        let mut changes: Vec<String> = problems
            .iter()
            .filter(|p| !self.problems.contains(p))
            .map(Problem::to_string)
            .collect();
        changes.extend(
            self.problems
                .iter()
                .filter(|p| !problems.contains(p))
                .map(Problem::resolved),
        );
        self.state.problems = problems.iter().map(Problem::to_string).collect();
        self.problems = problems;
        // The indicator follows the clinician's R key, unless the recorder had to stop.
        if recorder.stopped_itself.swap(false, Ordering::Relaxed) {
            self.recording_since = None;
        }
        changes
    }

    /// Applies one command; returns true to quit.
    pub(super) fn apply(
        &mut self,
        c: &Command,
        rec: &Sender<RecorderMsg>,
        events: &mut EventLog,
        t: f64,
    ) -> Result<bool> {
        match c {
            Command::ToggleRecord => {
                if self.recording_since.is_some() {
                    if self.tell_recorder(rec, RecorderMsg::StopRecording, events, t) {
                        self.recording_since = None;
                        events.log(t, "recording stopped");
                    }
                } else if self.tell_recorder(rec, RecorderMsg::StartRecording, events, t) {
                    self.recording_since = Some(Instant::now());
                    events.log(t, "recording started");
                }
            }
            Command::SavePreroll => {
                if self.recording_since.is_some() {
                    self.state.notice = Some("recording: everything is being saved already".into());
                } else if self.tell_recorder(rec, RecorderMsg::SavePreroll, events, t) {
                    self.state.notice = Some("saved the last seconds".into());
                    events.log(t, "pre-roll saved");
                }
            }
            Command::Phase(p) => {
                self.state.phase = Some(p.clone());
                events.log(t, &format!("phase {p}"));
                if p == "retest" {
                    self.retest.store(true, Ordering::SeqCst);
                    self.set_cues(false);
                    events.log(t, "cues off for the retest");
                }
            }
            Command::ToggleCues => {
                if self.retest.load(Ordering::SeqCst) || self.ramp.is_some() {
                    self.state.notice = Some("cues stay off during a retest or a speed ramp".into());
                } else {
                    self.set_cues(!self.state.cues_on);
                    events.log(t, if self.state.cues_on { "cues on" } else { "cues off" });
                }
            }
            Command::SetSpeed(kmh) => self.set_speed(*kmh, events, t)?,
            Command::StepSpeed(d) => match self.belt_kmh {
                Some(now) => self.set_speed(((now + d) * 10.0).round() / 10.0, events, t)?,
                None => {
                    self.state.notice =
                        Some("type the belt speed first (speed 10 on the command line)".into());
                }
            },
            Command::ToggleMirror => self.state.mirrored = !self.state.mirrored,
            Command::ToggleDelay => {
                self.replay.toggle();
                events.log(
                    t,
                    if self.replay.on {
                        "delay view on"
                    } else {
                        "delay view off"
                    },
                );
            }
            Command::ChangeDelay(by) => {
                self.replay.change_delay(*by);
                self.state.notice = Some(format!("replay {:.1} s behind", self.replay.delay_s));
            }
            Command::SetDelay(s) => {
                self.replay.set_delay(*s);
                self.state.notice = Some(format!("replay {:.1} s behind", self.replay.delay_s));
            }
            Command::Freeze => self.replay.toggle_freeze(t),
            Command::SlowMotion => self.replay.toggle_slow(),
            Command::LoopStride => {
                let stride = self.last_stride();
                if !self.replay.toggle_loop(stride, t) {
                    self.state.notice = Some(
                        "no whole stride in the replay yet (turn on D, wait for two steps of one foot)"
                            .into(),
                    );
                }
            }
            Command::ToggleHelp => self.state.show_help = !self.state.show_help,
            Command::ChooseRunner => {
                self.choose_runner.store(true, Ordering::SeqCst);
                self.state.notice = Some("choosing another runner: the skeleton shows who".into());
                events.log(
                    t,
                    "runner chosen again by the clinician: the next person in view who looks like a runner; the analysis starts afresh",
                );
            }
            Command::Snapshot => {
                self.snapshot_pending = true;
            }
            Command::PreviewCues => {
                let mut texts = self.cue_texts.clone();
                texts.dedup();
                self.preview = Some((t, texts));
                events.log(t, "cue preview shown to the runner");
            }
            // The window's own business (see the session loop); nothing to do headless.
            Command::ToggleFullscreen => {}
            Command::Quit => return Ok(true),
        }
        Ok(false)
    }

    /// Blurs the faces in a picture about to leave the screen: the runner's from their face
    /// keypoints, anyone else's from the latest look around (grown for movement).
    pub(super) fn blur_faces(
        &self,
        picture: &mut Mat,
        pose: Option<&crate::pose::Pose>,
        t: f64,
    ) -> Result<()> {
        if let Some(p) = pose {
            crate::privacy::blur_face(picture, &p.keypoints)?;
        }
        let (w, h) = (picture.cols(), picture.rows());
        for (_, people) in self.people.iter().filter(|(seen, _)| t - seen <= PEOPLE_HOLD_S) {
            for person in people {
                if let Some(face) = crate::privacy::face_of_detection(person.bbox, w, h) {
                    let grown = crate::privacy::grow(face, 0.3, w, h);
                    crate::privacy::blur_rect(picture, grown)?;
                }
            }
        }
        Ok(())
    }

    /// The first problem that stops the measuring (no runner, no camera), as a banner over
    /// the picture: it outranks any cue. The recorder's and the analysis's warnings stay on
    /// the panel: they can last the whole session, and the runner cannot act on them.
    pub(super) fn warning_banner(&self) -> Option<crate::overlay::Banner> {
        self.problems
            .iter()
            .find_map(Problem::headline)
            .map(crate::overlay::Banner::Warning)
    }

    /// The last picture shown (`last_view`), dimmed, with the camera's problem over it and
    /// the panel as it is now: what the window shows while no frame comes (`None`:
    /// nothing shown yet).
    pub(super) fn stale_screen(&self) -> Result<Option<Mat>> {
        if self.last_view.empty() {
            return Ok(None);
        }
        let lost = self
            .problems
            .iter()
            .find(|p| matches!(p, Problem::SourceLost(_)))
            .and_then(Problem::headline)
            .unwrap_or_else(|| "No picture - waiting for the camera".to_string());
        let mut picture = Mat::default();
        self.last_view.convert_to(&mut picture, -1, 0.4, 0.0)?;
        crate::overlay::draw_banner(&mut picture, &crate::overlay::Banner::Warning(lost), 0, None)?;
        let mut out = Mat::default();
        panel::compose(&picture, &self.state, None, &mut out)?;
        Ok(Some(out))
    }

    /// The preview banner at media time `t`, while a preview runs (each cue for
    /// [`PREVIEW_EACH_S`], then "good").
    pub(super) fn preview_banner(&mut self, t: f64) -> Option<crate::overlay::Banner> {
        let (start, texts) = self.preview.as_ref()?;
        let k = ((t - start) / PREVIEW_EACH_S).max(0.0) as usize;
        let banner = match texts.get(k) {
            Some(text) => crate::overlay::Banner::Cue(format!("{text} (preview)")),
            None if k == texts.len() => crate::overlay::Banner::Good,
            None => {
                self.preview = None;
                return None;
            }
        };
        Some(banner)
    }

    /// Hands `msg` to the recorder; when its thread has ended, says so on the panel and in
    /// the log and returns false.
    fn tell_recorder(
        &mut self,
        rec: &Sender<RecorderMsg>,
        msg: RecorderMsg,
        events: &mut EventLog,
        t: f64,
    ) -> bool {
        let sent = rec.send(msg).is_ok();
        if !sent {
            let said = "the recorder has stopped: nothing more can be recorded in this session".to_string();
            events.log(t, &said);
            self.state.notice = Some(said);
        }
        sent
    }

    fn set_cues(&mut self, on: bool) {
        self.state.cues_on = on;
        self.cues_allowed.store(on, Ordering::SeqCst);
    }

    /// The belt was set to `kmh` at media time `t`: every step from now is measured at it.
    fn set_speed(&mut self, kmh: f64, events: &mut EventLog, t: f64) -> Result<()> {
        if self.ramp.is_some() {
            self.state.notice = Some("the ramp sets the belt speed: follow its prompts".into());
            return Ok(());
        }
        match format!("{kmh} km/h").parse::<BeltSpeed>() {
            Ok(speed) => match self.speed_tx.try_send((t, speed)) {
                Ok(()) => {
                    self.belt_kmh = Some(kmh);
                    self.state.notice = Some(format!("belt speed {kmh:.1} km/h"));
                    events.log(t, &format!("belt speed {kmh:.1} km/h"));
                }
                // Speeds typed faster than the analysis takes them: this one is not used.
                Err(TrySendError::Full(_)) => {
                    self.state.notice = Some(format!(
                        "belt speed {kmh:.1} km/h not taken: too many speeds at once, type it again"
                    ))
                }
                Err(TrySendError::Disconnected(_)) => {
                    let said = format!("belt speed {kmh:.1} km/h not taken: the analysis has stopped");
                    events.log(t, &said);
                    self.state.notice = Some(said);
                }
            },
            Err(e) => self.state.notice = Some(format!("{e}")),
        }
        Ok(())
    }

    /// The belt speed line and, in a speed ramp, the stage timer and the prompt to change
    /// speed, for media time `t` (seconds from the session's first frame: `since`).
    /// Returns what to log when a ramp stage begins.
    pub(super) fn speed_lines(&mut self, t: f64) -> Option<String> {
        let since = t - self.first_frame_t.unwrap_or(t);
        self.state.prompt = None;
        let Some(ramp) = &self.ramp else {
            self.state.speed = self.belt_kmh.map(|v| format!("belt {v:.1} km/h"));
            return None;
        };
        let (k, speed) = ramp.at(since);
        let n = ramp.stages().len();
        let end = ramp.end_of(k, f64::INFINITY);
        let kmh = speed.map_or(0.0, |v| v.metres_per_second * 3.6);
        let begun = (self.ramp_stage != Some(k))
            .then(|| format!("ramp stage {} of {n} begins: belt at {kmh:.1} km/h", k + 1));
        self.ramp_stage = Some(k);
        self.belt_kmh = Some(kmh);
        let mmss = |s: f64| format!("{}:{:02}", (s / 60.0) as u64, (s % 60.0) as u64);
        self.state.speed = Some(if end.is_finite() {
            format!(
                "ramp stage {} of {n}: {kmh:.1} km/h, {} left",
                k + 1,
                mmss((end - since).max(0.0))
            )
        } else {
            format!("ramp stage {n} of {n}: {kmh:.1} km/h")
        });
        let started = since - ramp.stages()[k].from_s;
        if started < 8.0 && k > 0 {
            self.state.prompt = Some(format!("set the belt to {kmh:.1} km/h now"));
        } else if let Some(next) = ramp.stages().get(k + 1).filter(|_| end - since < 10.0) {
            self.state.prompt = Some(format!(
                "next: {:.1} km/h in {:.0} s",
                next.speed.map_or(0.0, |v| v.metres_per_second * 3.6),
                (end - since).ceil()
            ));
        }
        begun
    }

    /// The last stride: from a contact to the next contact of the same foot, media times.
    fn last_stride(&self) -> Option<(f64, f64)> {
        let last = self.steps.back()?;
        let before = self.steps.iter().rev().skip(1).find(|s| s.side == last.side)?;
        Some((before.ic_time_s, last.ic_time_s))
    }

    pub(super) fn status_line(&self, capture: &CaptureStatus, recorder_dropped: u64) -> String {
        let last = self.steps.back();
        format!(
            "gaitcue live {:6.1} s: {} frames ({:.1} fps), dropped {} at entrance, {} by recorder; latency p50 {} p95 {} ms; {} steps{}{}{}",
            self.started.elapsed().as_secs_f64(),
            self.shown,
            self.state.fps.unwrap_or(0.0),
            capture.dropped.load(Ordering::Relaxed),
            recorder_dropped,
            self.state.latency_p50_ms.map(|v| format!("{v:.0}")).unwrap_or("-".into()),
            self.state.latency_p95_ms.map(|v| format!("{v:.0}")).unwrap_or("-".into()),
            last.map(|s| s.step).unwrap_or(0),
            last.and_then(|s| s.overstride_ratio).map(|o| format!(", overstride {o:.2} leg lengths")).unwrap_or_default(),
            self.state.cue.as_ref().map(|c| format!(", cue: {c}")).unwrap_or_default()
                + &self.state.speed.as_ref().map(|v| format!("; {v}")).unwrap_or_default()
                + &self.state.prompt.as_ref().map(|p| format!(" - {p}")).unwrap_or_default(),
            self.state.problems.iter().map(|p| format!(" [{p}]")).collect::<String>(),
        )
    }
}

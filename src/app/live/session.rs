//! A live session as three steps: [`LiveSession::start`] opens the source, loads the model,
//! claims the folder and starts every stage and the screen; `tick` (tick.rs) shows one
//! frame; [`LiveSession::finish`] stops the stages, writes the summary and the report.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Instant;

use anyhow::{anyhow, bail, Result};
use crossbeam_channel::{bounded, Receiver, Sender};
use opencv::core::Mat;
use serde_json::json;
use tracing::info;

use super::analysis::{spawn_analysis, AnalysisResult, Controls, Packet};
use super::commands::spawn_stdin_commands;
use super::screen::Ui;
use super::system::{cpu_seconds, describe_open_failure, join_within, peak_memory_mb, threshold_of};
use super::{replay, LiveOptions, LiveSummary, CAPTURE_JOIN_WAIT, MAX_BUFFER_S, RECORDER_QUEUE};
use crate::analysis::Metric;
use crate::app::gait_stage::GaitStage;
use crate::app::join_stage;
use crate::app::stages::{spawn_pose, PoseStats, Posed, LIVE_LOOK_AROUND_S};
use crate::capture::live::{self as live_capture, CaptureStatus, LiveCapture};
use crate::capture::SourceSpec;
use crate::display::{Command, Display};
use crate::frame::Frame;
use crate::panel::{self, PanelState};
use crate::pose::blazepose::BlazePose;
use crate::pose::PoseEstimator;
use crate::record::recorder::{self, RecorderMsg, RecorderOptions, RecorderStatus};
use crate::record::session_dir::SessionDir;
use crate::session::events::EventLog;
use crate::session::keypoints::KeypointsWriter;
use crate::session::summary::SessionFacts;
use crate::timing::{Samples, StageTimes};

/// What the loop does after a tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tick {
    Go,
    Stop,
}

/// Everything a running live session holds between ticks.
pub(super) struct LiveSession<'a> {
    pub(super) opts: &'a LiveOptions,
    pub(super) stop: Arc<AtomicBool>,
    pub(super) capture_status: Arc<CaptureStatus>,
    pub(super) recorder_status: Arc<RecorderStatus>,
    capture: JoinHandle<Result<StageTimes>>,
    pose_stage: JoinHandle<Result<PoseStats>>,
    analysis: JoinHandle<Result<AnalysisResult>>,
    recorder: JoinHandle<Result<StageTimes>>,
    pub(super) packet_rx: Receiver<Packet>,
    pub(super) rec_tx: Sender<RecorderMsg>,
    pub(super) display: Option<Display>,
    pub(super) commands: Option<Receiver<Command>>,
    headless_reason: Option<String>,
    pub(super) ui: Ui,
    pub(super) events: EventLog,
    /// The screen as last composed: the runner's view beside the panel.
    pub(super) screen: Mat,
    pub(super) screen_times: StageTimes,
    pub(super) last_status: Instant,
    pub(super) recorder_dropped: u64,
    /// Media time of the latest frame shown.
    pub(super) last_pts: f64,
    pub(super) last_packet: Instant,
    /// Held to the end: no other session writes this folder meanwhile.
    folder: SessionDir,
}

impl<'a> LiveSession<'a> {
    pub(super) fn start(opts: &'a LiveOptions) -> Result<Self> {
        opts.check_limits()?;
        if opts.every_frame && !matches!(opts.source, SourceSpec::File(_)) {
            bail!("--every-frame plays a video file frame by frame; a camera or stream cannot wait for the analysis, so leave it out");
        }
        let first = opts
            .source
            .open()
            .map_err(|e| anyhow!("{}", describe_open_failure(&opts.source, e)))?;
        let (width, height) = first.frame_size();
        let fps_hint = first
            .fps_hint()
            .filter(|f| (5.0..=240.0).contains(f))
            .unwrap_or(30.0);
        let mut estimator = BlazePose::new(&opts.settings.pose)?;
        estimator.set_frame_rate(fps_hint);
        let source_file = match &opts.source {
            SourceSpec::File(p) => Some(p.as_path()),
            _ => None,
        };
        // Held to the end: no other session writes this folder meanwhile.
        let mut folder = SessionDir::open(&opts.out, "live", source_file.as_slice(), opts.overwrite)?;
        // The source delivers and the model loaded: the earlier session (--overwrite) goes now.
        folder.clear_earlier()?;
        let mut session = SessionFacts::new(&first.describe(), fps_hint);
        session.mode = Some("live".into());
        session.pose_model = Some(format!("BlazePose {} (ONNX)", opts.settings.pose.model.name()));
        session.belt_speed = opts.settings.analysis.belt_speed.map(String::from);
        session.speed_schedule = opts.settings.analysis.speed_schedule.clone().map(String::from);
        session.patient = opts.settings.report.patient.clone();
        session.course = opts.settings.report.course;
        session.notes = opts.settings.report.notes.clone();
        session.settings = json!({"analysis": &opts.settings.analysis, "pose": &opts.settings.pose});
        let gait = GaitStage::create(&opts.out, &opts.settings.analysis, session)?;
        let mut events = EventLog::create(&opts.out)?;

        let stop = Arc::new(AtomicBool::new(false));
        {
            let stop = stop.clone();
            // Ctrl-C and kill (SIGTERM) end the session cleanly; a second handler cannot be
            // installed in the same process, which only matters to tests.
            let _ = ctrlc::set_handler(move || stop.store(true, Ordering::SeqCst));
        }
        let capture_status = Arc::new(CaptureStatus::default());
        let (entrance_tx, entrance_rx) = bounded::<Frame>(1);
        let (pose_tx, pose_rx) = bounded::<Posed>(2);
        let (packet_tx, packet_rx) = bounded::<Packet>(2);
        let (rec_tx, rec_rx) = bounded::<RecorderMsg>(RECORDER_QUEUE);
        let live = LiveCapture {
            pace: opts.pace,
            reconnect: !matches!(opts.source, SourceSpec::File(_)),
            every_frame: opts.every_frame,
            spec: opts.source.clone(),
        };
        let capture = live_capture::spawn(
            live,
            first,
            entrance_tx,
            entrance_rx.clone(),
            stop.clone(),
            capture_status.clone(),
        )?;
        let choose_runner = Arc::new(AtomicBool::new(false));
        let pose_stage = spawn_pose(
            estimator,
            entrance_rx,
            pose_tx,
            stop.clone(),
            LIVE_LOOK_AROUND_S,
            Some(choose_runner.clone()),
        )?;
        let recorder_status = Arc::new(RecorderStatus::default());
        let keypoints = KeypointsWriter::create(&opts.out.join("keypoints.jsonl"))?;
        let retest = opts.settings.analysis.cues.feedback.retest || opts.phase.as_deref() == Some("retest");
        let cues_on = opts.cues_on && !retest && opts.settings.analysis.cues.enabled;
        let cues_allowed = Arc::new(AtomicBool::new(cues_on));
        // Read by the analysis at every frame: a few typed speeds at most wait in it.
        let (speed_tx, speed_rx) = bounded(16);
        let retest_flag = Arc::new(AtomicBool::new(retest));
        let controls = Controls {
            cues_allowed: cues_allowed.clone(),
            retest: retest_flag.clone(),
            speeds: speed_rx,
        };
        let analysis = spawn_analysis(gait, Some(keypoints), pose_rx, packet_tx, controls)?;
        let recorder = recorder::spawn(
            RecorderOptions {
                out_dir: opts.out.clone(),
                fps: fps_hint,
                size: (width, height),
                record_raw: opts.record_raw,
                preroll_s: opts.preroll_s,
            },
            rec_rx,
            recorder_status.clone(),
        )?;
        if opts.record {
            rec_tx
                .send(RecorderMsg::StartRecording)
                .map_err(|_| anyhow!("the recorder stopped as the session began: see the messages above"))?;
            events.log(0.0, "recording started");
        }

        let screen_w = (width as f64 * panel::VIEW_HEIGHT as f64 / height.max(1) as f64) as usize
            + panel::PANEL_WIDTH as usize;
        let mut window_notice = None;
        let (display, headless_reason) = if opts.headless {
            (None, Some("--headless given".to_string()))
        } else {
            match Display::open("gaitcue", screen_w, panel::VIEW_HEIGHT as usize, opts.fullscreen) {
                Ok((d, refused)) => {
                    window_notice = refused;
                    (Some(d), None)
                }
                Err(why) => (None, Some(why)),
            }
        };
        let commands = if display.is_none() {
            eprintln!(
                "gaitcue: running headless: {}",
                headless_reason.as_deref().unwrap_or("no window")
            );
            Some(spawn_stdin_commands())
        } else {
            None
        };

        let ui = Ui {
            state: PanelState {
                cues_on,
                phase: opts.phase.clone(),
                mirrored: opts.mirror,
                overstride_threshold: threshold_of(&opts.settings.analysis, Metric::Overstride),
                tilt_threshold: threshold_of(&opts.settings.analysis, Metric::PelvicTilt),
                notice: window_notice,
                ..PanelState::default()
            },
            steps: VecDeque::new(),
            gait: Default::default(),
            latency: Samples::default(),
            recent_latency: VecDeque::new(),
            shown: 0,
            started: Instant::now(),
            recording_since: opts.record.then(Instant::now),
            replay: replay::DelayView::new(opts.delayed, opts.delay_s.max(0.5), MAX_BUFFER_S),
            first_frame_t: None,
            last_frame_t: 0.0,
            last_pose_t: None,
            problems: Vec::new(),
            lasting: Vec::new(),
            choose_runner,
            snapshot_pending: false,
            preview: None,
            cue_texts: opts
                .settings
                .analysis
                .cues
                .describe()
                .iter()
                .filter_map(|r| r["cue"].as_str().map(String::from))
                .collect(),
            people: None,
            cues_allowed,
            retest: retest_flag,
            speed_tx,
            belt_kmh: opts
                .settings
                .analysis
                .schedule()
                .filter(|s| s.stages().len() == 1)
                .and_then(|s| s.at(0.0).1)
                .map(|v| v.metres_per_second * 3.6),
            ramp: opts.ramp.then(|| opts.settings.analysis.schedule()).flatten(),
            ramp_stage: None,
            last_view: Mat::default(),
        };
        if let Some(p) = &opts.phase {
            events.log(0.0, &format!("phase {p}"));
        }
        let screen = Mat::default();
        let screen_times = StageTimes::default();
        let last_status = Instant::now();
        let recorder_dropped = 0u64;
        let last_pts = 0.0;
        let last_packet = Instant::now();
        Ok(LiveSession {
            opts,
            stop,
            capture_status,
            recorder_status,
            capture,
            pose_stage,
            analysis,
            recorder,
            packet_rx,
            rec_tx,
            display,
            commands,
            headless_reason,
            ui,
            events,
            screen,
            screen_times,
            last_status,
            recorder_dropped,
            last_pts,
            last_packet,
            folder,
        })
    }

    /// Stops every stage, keeps what they measured, writes the summary and the report.
    pub(super) fn finish(self) -> Result<LiveSummary> {
        let LiveSession {
            opts,
            capture_status,
            recorder_status,
            capture,
            pose_stage,
            analysis,
            recorder,
            packet_rx,
            rec_tx,
            display: _,
            commands: _,
            headless_reason,
            ui,
            mut events,
            screen: _,
            screen_times,
            last_status: _,
            recorder_dropped,
            last_pts,
            last_packet: _,
            stop,
            folder: _folder,
        } = self;
        info!("stopping the live session");
        stop.store(true, Ordering::SeqCst);
        drop(packet_rx);
        // A camera stuck in a reconnect can block its thread for long: don't wait for it.
        let capture_result = join_within("capture", capture, CAPTURE_JOIN_WAIT);
        let pose_result = join_stage("pose", pose_stage);
        let analysis_result = join_stage("analysis", analysis);
        drop(rec_tx);
        let recorder_result = join_stage("record", recorder);
        // The analysis stage comes back even when it failed, so what it measured is saved.
        let (gait, analysis_times, analysis_error) = analysis_result?;
        let pose_times = pose_result.as_ref().map(|p| p.times.clone()).unwrap_or_default();
        let wall = ui.started.elapsed().as_secs_f64();
        let fps = ui.shown as f64 / wall.max(1e-9);
        let mut times = StageTimes::default();
        if let Ok(t) = &capture_result {
            times.merge(t);
        }
        times.merge(&pose_times);
        times.merge(&analysis_times);
        times.merge(&screen_times);
        if let Ok(t) = &recorder_result {
            times.merge(t);
        }
        let stage_medians: serde_json::Map<String, serde_json::Value> = times
            .iter()
            .map(|(name, s)| {
                (
                    format!("{name}_ms"),
                    json!({"median": s.median(), "p95": s.quantile(0.95), "n": s.len()}),
                )
            })
            .collect();
        let extra = json!({
            "duration_s": wall,
            "frames_captured": capture_status.frames.load(Ordering::Relaxed),
            "frames_shown": ui.shown,
            "frames_per_second": fps,
            "dropped_at_entrance": capture_status.dropped.load(Ordering::Relaxed),
            "dropped_by_recorder": recorder_dropped,
            "source_reconnects": capture_status.reconnects.load(Ordering::Relaxed),
            "latency_capture_to_screen_ms": {
                "p50": ui.latency.quantile(0.5),
                "p95": ui.latency.quantile(0.95),
                "n": ui.latency.len(),
            },
            "stage_times": stage_medians,
            "headless": headless_reason,
            "peak_memory_mb": peak_memory_mb(),
            "cpu_percent_of_one_core": cpu_seconds().map(|c| 100.0 * c / wall.max(1e-9)),
        });
        let outputs = gait.finish(extra.as_object().cloned().unwrap_or_default())?;
        events.log(last_pts, "session ended");
        let progress = crate::app::progress_bar(true, None, "report");
        let report = crate::report::build(&opts.out, &opts.settings.report, &opts.settings.pose, &progress);
        progress.finish_and_clear();
        let report = match report {
            Ok(p) => Some(p),
            Err(e) => {
                eprintln!("gaitcue: the session report was not written: {e:#}");
                None
            }
        };
        // Everything measured is saved; now say what went wrong, if anything did.
        if let Some(e) = analysis_error {
            return Err(e.context(format!("the session was saved in '{}'", opts.out.display())));
        }
        pose_result?;
        capture_result?;
        recorder_result?;
        let clips = recorder_status
            .clips
            .lock()
            .map(|c| c.clone())
            .unwrap_or_default();
        Ok(LiveSummary {
            report,
            frames_shown: ui.shown,
            dropped: capture_status.dropped.load(Ordering::Relaxed),
            recorder_dropped,
            reconnects: capture_status.reconnects.load(Ordering::Relaxed),
            latency: ui.latency,
            fps,
            gait: outputs,
            clips,
            headless_reason,
        })
    }
}

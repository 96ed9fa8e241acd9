//! `gaitcue live`: camera (or stream, or a clip played in real time) to cue on screen.
//!
//! Threads, one per stage: `capture` → (one-slot entrance, latest frame wins, drops
//! counted) → `pose` → `analysis` → this thread (draw, window or headless, latency) →
//! `record` (bounded; drops counted when the disk falls behind). Every other edge is
//! bounded and blocking, so nothing is lost silently and memory stays flat.

use std::collections::VecDeque;
use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use crossbeam_channel::{bounded, Receiver, RecvTimeoutError, Sender, TrySendError};
use opencv::core::{Mat, Vector};
use opencv::imgcodecs;
use serde_json::json;
use tracing::info;

use super::gait_stage::{GaitOutputs, GaitStage};
use super::join_stage;
use super::stages::{spawn_pose, Posed, LIVE_LOOK_AROUND_S};
use crate::analysis::{AnalysisConfig, PoseSample, StepRecord};
use crate::capture::live::{self as live_capture, CaptureStatus, LiveCapture};
use crate::capture::SourceSpec;
use crate::display::{Command, Display};
use crate::frame::Frame;
use crate::overlay;
use crate::panel::{self, PanelState};
use crate::pose::blazepose::BlazePose;
use crate::pose::config::PoseConfig;
use crate::pose::Pose;
use crate::record::keypoints::{KeypointsRecord, KeypointsWriter};
use crate::record::prepare_output_dir;
use crate::record::recorder::{self, RecorderMsg, RecorderOptions, RecorderStatus};
use crate::timing::{Samples, StageTimes};

/// Without a runner for this long the screen says so.
const NO_RUNNER_S: f64 = 1.5;
const NO_RUNNER: &str = "no runner in view - whole body, side on, inside the zone";
/// How long the end of a session waits for the capture thread.
const CAPTURE_JOIN_WAIT: Duration = Duration::from_secs(3);
/// Frames queued for the recorder before it counts as behind (~0.25 s at 30 fps).
const RECORDER_QUEUE: usize = 8;
/// A shown cue stays on screen this long after its step.
const CUE_HOLD_S: f64 = 1.5;
/// Steps kept for the panel and its chart.
const PANEL_STEPS: usize = panel::CHART_STEPS;
/// Latency samples kept for the rolling p50/p95 on screen.
const LATENCY_WINDOW: usize = 300;

pub struct LiveOptions {
    pub report: crate::report::ReportConfig,
    pub source: SourceSpec,
    /// Play a file at its real speed (the demo, recorded clips used as a camera).
    pub pace: bool,
    /// Show and record every frame of a file: stages wait for each other instead of
    /// dropping (slower than real time when the computer cannot keep up).
    pub every_frame: bool,
    pub headless: bool,
    pub record: bool,
    pub record_raw: bool,
    pub out: PathBuf,
    pub pose: PoseConfig,
    pub analysis: AnalysisConfig,
    /// Stop after this long (seconds of session time).
    pub duration_s: Option<f64>,
    pub preroll_s: f64,
    pub delay_s: f64,
    /// Start with the delayed replay on.
    pub delayed: bool,
    pub phase: Option<String>,
    pub mirror: bool,
    pub cues_on: bool,
    /// Seconds between headless status lines.
    pub status_every_s: f64,
}

pub struct LiveSummary {
    pub frames_shown: u64,
    pub dropped: u64,
    pub recorder_dropped: u64,
    pub reconnects: u64,
    pub latency: Samples,
    pub fps: f64,
    pub gait: GaitOutputs,
    pub clips: Vec<PathBuf>,
    pub headless_reason: Option<String>,
    pub report: Option<PathBuf>,
}

impl std::fmt::Display for LiveSummary {
    /// What the clinician sees when the session ends: frames, drops, latency, the files.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "live session: {} frames shown ({:.1} fps), {} dropped at the entrance, {} by the recorder, {} reconnects",
            self.frames_shown, self.fps, self.dropped, self.recorder_dropped, self.reconnects
        )?;
        writeln!(
            f,
            "latency capture to screen: p50 {:.1} ms, p95 {:.1} ms; {} steps",
            self.latency.quantile(0.5).unwrap_or(f64::NAN),
            self.latency.quantile(0.95).unwrap_or(f64::NAN),
            self.gait.steps.len()
        )?;
        for c in &self.clips {
            writeln!(f, "clip:    {}", c.display())?;
        }
        writeln!(f, "steps:   {}", self.gait.steps_csv.display())?;
        writeln!(f, "summary: {}", self.gait.summary_json.display())?;
        if let Some(r) = &self.report {
            writeln!(f, "report:  {}", r.display())?;
        }
        Ok(())
    }
}

/// What the analysis stage hands the screen.
struct Packet {
    frame: Frame,
    pose: Option<Pose>,
    steps: Vec<StepRecord>,
}

pub fn run(opts: &LiveOptions) -> Result<LiveSummary> {
    opts.pose.validate()?;
    if opts.every_frame && !matches!(opts.source, SourceSpec::File(_)) {
        bail!("--every-frame plays a video file frame by frame; a camera or stream cannot wait for the analysis, so leave it out");
    }
    opts.analysis.validate()?;
    let first = opts
        .source
        .open()
        .map_err(|e| anyhow!("{}", describe_open_failure(&opts.source, e)))?;
    let (width, height) = first.frame_size();
    let fps_hint = first
        .fps_hint()
        .filter(|f| (5.0..=240.0).contains(f))
        .unwrap_or(30.0);
    let estimator = BlazePose::new(&opts.pose)?;
    prepare_output_dir(&opts.out)?;
    let session = json!({
        "source": first.describe(),
        "mode": "live",
        "created_unix_s": std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0),
        "gaitcue_version": env!("CARGO_PKG_VERSION"),
        "pose_model": format!("BlazePose {} (ONNX)", opts.pose.model.name()),
        "belt_speed": opts.analysis.belt_speed.map(String::from),
        "settings": {"analysis": &opts.analysis, "pose": &opts.pose},
    });
    let gait = GaitStage::create(&opts.out, &opts.analysis, session)?;
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
    let pose_stage = spawn_pose(estimator, entrance_rx, pose_tx, stop.clone(), LIVE_LOOK_AROUND_S)?;
    let recorder_status = Arc::new(RecorderStatus::default());
    let keypoints = KeypointsWriter::create(&opts.out.join("keypoints.jsonl"))?;
    let analysis = spawn_analysis(gait, Some(keypoints), pose_rx, packet_tx, recorder_status.clone())?;
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
        let _ = rec_tx.send(RecorderMsg::StartRecording);
        events.log(0.0, "recording started")?;
    }

    let screen_w = (width as f64 * panel::VIEW_HEIGHT as f64 / height.max(1) as f64) as usize
        + panel::PANEL_WIDTH as usize;
    let (mut display, headless_reason) = if opts.headless {
        (None, Some("--headless given".to_string()))
    } else {
        match Display::open("gaitcue", screen_w, panel::VIEW_HEIGHT as usize) {
            Ok(d) => (Some(d), None),
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

    let mut ui = Ui {
        state: PanelState {
            cues_on: opts.cues_on,
            phase: opts.phase.clone(),
            mirrored: opts.mirror,
            overstride_threshold: threshold_of(&opts.analysis, "overstride_ratio"),
            tilt_threshold: threshold_of(&opts.analysis, "pelvic_tilt_deg"),
            ..PanelState::default()
        },
        steps: VecDeque::new(),
        latency: Samples::default(),
        recent_latency: VecDeque::new(),
        shown: 0,
        started: Instant::now(),
        recording_since: opts.record.then(Instant::now),
        delay_on: opts.delayed && opts.delay_s > 0.0,
        delay_ring: VecDeque::new(),
        last_cue: None,
        first_frame_t: None,
        last_frame_t: 0.0,
        last_pose_t: None,
    };
    if let Some(p) = &opts.phase {
        events.log(0.0, &format!("phase {p}"))?;
    }
    let mut screen = Mat::default();
    let mut screen_times = StageTimes::default();
    let mut last_status = Instant::now();
    let mut recorder_dropped = 0u64;
    let mut last_pts = 0.0;
    loop {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        if opts
            .duration_s
            .is_some_and(|d| ui.started.elapsed().as_secs_f64() >= d)
        {
            break;
        }
        let mut pending: Vec<Command> = display.as_ref().map(|d| d.commands()).unwrap_or_default();
        if let Some(rx) = &commands {
            pending.extend(rx.try_iter());
        }
        if display.as_ref().is_some_and(|d| !d.is_open()) {
            pending.push(Command::Quit);
        }
        let mut quit = false;
        for c in pending {
            quit |= ui.apply(&c, &rec_tx, &mut events, last_pts, opts.delay_s)?;
        }
        if quit {
            break;
        }
        let packet = match packet_rx.recv_timeout(Duration::from_millis(50)) {
            Ok(p) => p,
            Err(RecvTimeoutError::Timeout) => {
                for change in ui.refresh_problems(&capture_status, &recorder_status) {
                    eprintln!("gaitcue: {change}");
                    events.log(last_pts, &change)?;
                }
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => break,
        };
        last_pts = packet.frame.pts_s;
        let Packet {
            mut frame,
            pose,
            steps,
        } = packet;
        for s in steps {
            if let Some(c) = &s.cue {
                events.log(s.decided_at_s, &format!("cue {c}"))?;
            }
            ui.push_step(s);
        }
        ui.state.cue = ui.current_cue(frame.pts_s);
        ui.first_frame_t.get_or_insert(frame.pts_s);
        ui.last_frame_t = frame.pts_s;
        if pose.is_some() {
            ui.last_pose_t = Some(frame.pts_s);
        }
        let raw = opts.record_raw.then(|| frame.image.clone());
        let t_draw = Instant::now();
        if let Some(p) = &pose {
            overlay::draw_pose(&mut frame.image, p)?;
        }
        overlay::draw_status(
            &mut frame.image,
            &overlay::status_line(frame.pts_s, ui.steps.back()),
        )?;
        if let Some(cue) = ui.state.cue.as_deref().filter(|_| ui.state.cues_on) {
            overlay::draw_cue(&mut frame.image, cue)?;
        }
        screen_times.record("draw", t_draw.elapsed());
        for change in ui.refresh_problems(&capture_status, &recorder_status) {
            eprintln!("gaitcue: {change}");
            events.log(frame.pts_s, &change)?;
        }
        ui.state.dropped = capture_status.dropped.load(Ordering::Relaxed);
        ui.state.recorder_dropped = recorder_dropped;
        ui.state.recording_s = ui.recording_since.map(|t| t.elapsed().as_secs_f64());
        // The cue banner is already on the frame (also what is recorded): the panel only
        // names it.
        let t_panel = Instant::now();
        panel::compose(&frame.image, &ui.state, &mut screen)?;
        let t_show = Instant::now();
        let shown = ui.delayed(&screen, frame.pts_s, opts.delay_s)?;
        if let Some(d) = &mut display {
            d.show(shown.as_ref().unwrap_or(&screen))?;
        }
        screen_times.record("panel", t_show - t_panel);
        screen_times.record("display", t_show.elapsed());
        let latency = frame.captured_at.elapsed();
        ui.record_latency(latency);
        let msg = RecorderMsg::Frame {
            annotated: frame.image,
            raw,
            pts_s: frame.pts_s,
        };
        let queued = if opts.every_frame {
            rec_tx.send(msg).map_err(|e| TrySendError::Disconnected(e.0))
        } else {
            rec_tx.try_send(msg)
        };
        if let Err(TrySendError::Full(_)) = queued {
            recorder_dropped += 1;
            recorder_status.dropped.fetch_add(1, Ordering::Relaxed);
        }
        if display.is_none() && last_status.elapsed().as_secs_f64() >= opts.status_every_s {
            last_status = Instant::now();
            eprintln!("{}", ui.status_line(&capture_status, recorder_dropped));
        }
    }
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
    let outputs = gait.finish(extra)?;
    events.log(last_pts, "session ended")?;
    let progress = super::progress_bar(true, None, "report");
    let report = crate::report::build(&opts.out, &opts.report, &opts.pose, &progress);
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

/// Joins `handle` if it finishes within `wait`; otherwise leaves it (it ends with the process).
fn join_within<T: Default>(stage: &str, handle: thread::JoinHandle<Result<T>>, wait: Duration) -> Result<T> {
    let deadline = Instant::now() + wait;
    while !handle.is_finished() {
        if Instant::now() >= deadline {
            tracing::warn!("the {stage} thread did not stop in time; leaving it");
            return Ok(T::default());
        }
        thread::sleep(Duration::from_millis(20));
    }
    join_stage(stage, handle)
}

/// The fixed threshold of the first cue rule on `metric`, for the panel's charts.
fn threshold_of(a: &AnalysisConfig, metric: &str) -> Option<f64> {
    a.cues
        .rules
        .iter()
        .find(|r| r.metric == metric && r.baseline_steps == 0)
        .map(|r| r.threshold)
}

fn describe_open_failure(spec: &SourceSpec, e: anyhow::Error) -> String {
    match spec {
        SourceSpec::Camera(_) => {
            let mut found: Vec<String> = std::fs::read_dir("/dev")
                .map(|d| {
                    d.filter_map(|e| e.ok())
                        .map(|e| e.file_name().to_string_lossy().into_owned())
                        .filter(|n| n.starts_with("video"))
                        .map(|n| format!("/dev/{n}"))
                        .collect()
                })
                .unwrap_or_default();
            found.sort();
            let found = if found.is_empty() {
                "none".to_string()
            } else {
                found.join(", ")
            };
            format!("{e:#}; tried V4L2; video devices present: {found}")
        }
        _ => format!("{e:#}"),
    }
}

/// CPU time (user + system) used by the whole process so far, seconds.
fn cpu_seconds() -> Option<f64> {
    // SAFETY: getrusage only writes into the zeroed struct we pass.
    let usage = unsafe {
        let mut u: libc::rusage = std::mem::zeroed();
        (libc::getrusage(libc::RUSAGE_SELF, &mut u) == 0).then_some(u)?
    };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    Some(secs(usage.ru_utime) + secs(usage.ru_stime))
}

fn peak_memory_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// The analysis stage's thread result: the stage itself (so its steps can be saved
/// whatever happened), its timings, and the error that stopped it, if one did.
type AnalysisResult = (GaitStage, StageTimes, Option<anyhow::Error>);

fn spawn_analysis(
    mut gait: GaitStage,
    mut keypoints: Option<KeypointsWriter>,
    rx: Receiver<Posed>,
    tx: Sender<Packet>,
    problems: Arc<RecorderStatus>,
) -> Result<thread::JoinHandle<Result<AnalysisResult>>> {
    thread::Builder::new()
        .name("analysis".into())
        .spawn(move || {
            let mut times = StageTimes::default();
            let mut warned = false;
            for Posed { frame, pose, people } in rx.iter() {
                let t0 = Instant::now();
                let size = (frame.width(), frame.height());
                // Every frame's keypoints, written here so that none is ever skipped.
                if let Some(w) = &mut keypoints {
                    let record = KeypointsRecord::new(
                        frame.id,
                        frame.pts_s,
                        size.0,
                        size.1,
                        pose.as_ref(),
                        people.as_deref(),
                    );
                    if let Err(e) = w.write(&record) {
                        if let Ok(mut p) = problems.warning.lock() {
                            *p = Some(format!("keypoints no longer saved: {e:#}"));
                        }
                        keypoints = None;
                    }
                }
                let sample = PoseSample::from_pose(frame.id, frame.pts_s, size, pose.as_ref());
                let steps = match gait.process(&sample, Some(&frame.image)) {
                    Ok(s) => s,
                    Err(e) => return Ok((gait, times, Some(e))),
                };
                if let (Some(e), false) = (gait.write_error(), warned) {
                    warned = true;
                    if let Ok(mut w) = problems.warning.lock() {
                        *w = Some(format!("steps no longer saved: {e}"));
                    }
                }
                times.record("analysis", t0.elapsed());
                if tx.send(Packet { frame, pose, steps }).is_err() {
                    break;
                }
            }
            Ok((gait, times, None))
        })
        .context("starting the analysis thread")
}

/// Headless commands, one per line on standard input.
fn spawn_stdin_commands() -> Receiver<Command> {
    let (tx, rx) = bounded::<Command>(16);
    let _ = thread::Builder::new().name("commands".into()).spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            let Some(c) = Command::parse(&line) else {
                if !line.trim().is_empty() {
                    eprintln!(
                        "gaitcue: unknown command '{}' (record, save, phase NAME, cues, mirror, delay, quit)",
                        line.trim()
                    );
                }
                continue;
            };
            if tx.send(c).is_err() {
                break;
            }
        }
    });
    rx
}

/// The screen's state between frames.
struct Ui {
    state: PanelState,
    steps: VecDeque<StepRecord>,
    latency: Samples,
    recent_latency: VecDeque<f64>,
    shown: u64,
    started: Instant,
    recording_since: Option<Instant>,
    delay_on: bool,
    /// Encoded screens for the delayed replay: (media time, JPEG).
    delay_ring: VecDeque<(f64, Vector<u8>)>,
    last_cue: Option<(f64, String)>,
    /// Media time of the first and the latest frame, and of the latest with a runner.
    first_frame_t: Option<f64>,
    last_frame_t: f64,
    last_pose_t: Option<f64>,
}

impl Ui {
    fn push_step(&mut self, s: StepRecord) {
        if let Some(c) = &s.cue {
            self.last_cue = Some((s.decided_at_s, c.clone()));
        }
        self.steps.push_back(s);
        if self.steps.len() > PANEL_STEPS {
            self.steps.pop_front();
        }
        self.state.recent_steps = self.steps.iter().cloned().collect();
    }

    fn current_cue(&self, now: f64) -> Option<String> {
        self.last_cue
            .as_ref()
            .filter(|(t, _)| now - t <= CUE_HOLD_S)
            .map(|(_, c)| c.clone())
    }

    fn record_latency(&mut self, d: Duration) {
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
    fn refresh_problems(&mut self, capture: &CaptureStatus, recorder: &RecorderStatus) -> Vec<String> {
        let no_runner = self.last_frame_t
            - self
                .last_pose_t
                .unwrap_or(self.first_frame_t.unwrap_or(self.last_frame_t));
        let runner_problem = (no_runner > NO_RUNNER_S).then(|| NO_RUNNER.to_string());
        let problems: Vec<String> = capture
            .problem()
            .into_iter()
            .chain(recorder.warning())
            .chain(runner_problem)
            .collect();
        let mut changes: Vec<String> = problems
            .iter()
            .filter(|p| !self.state.problems.contains(p))
            .cloned()
            .collect();
        changes.extend(
            self.state
                .problems
                .iter()
                .filter(|p| !problems.contains(p))
                .map(|p| match p.strip_suffix(" lost - reconnecting") {
                    _ if p == NO_RUNNER => "runner in view again".to_string(),
                    Some(source) => format!("{source} is back"),
                    None => format!("resolved: {p}"),
                }),
        );
        self.state.problems = problems;
        // The indicator follows the clinician's R key, unless the recorder had to stop.
        if recorder.stopped_itself.swap(false, Ordering::Relaxed) {
            self.recording_since = None;
        }
        changes
    }

    /// Applies one command; returns true to quit.
    fn apply(
        &mut self,
        c: &Command,
        rec: &Sender<RecorderMsg>,
        events: &mut EventLog,
        t: f64,
        delay_s: f64,
    ) -> Result<bool> {
        match c {
            Command::ToggleRecord => {
                if self.recording_since.is_some() {
                    let _ = rec.send(RecorderMsg::StopRecording);
                    self.recording_since = None;
                    events.log(t, "recording stopped")?;
                } else {
                    let _ = rec.send(RecorderMsg::StartRecording);
                    self.recording_since = Some(Instant::now());
                    events.log(t, "recording started")?;
                }
            }
            Command::SavePreroll => {
                if self.recording_since.is_some() {
                    self.state.notice = Some("recording: everything is being saved already".into());
                } else {
                    let _ = rec.send(RecorderMsg::SavePreroll);
                    self.state.notice = Some("saved the last seconds".into());
                    events.log(t, "pre-roll saved")?;
                }
            }
            Command::Phase(p) => {
                self.state.phase = Some(p.clone());
                events.log(t, &format!("phase {p}"))?;
            }
            Command::ToggleCues => {
                self.state.cues_on = !self.state.cues_on;
                events.log(t, if self.state.cues_on { "cues on" } else { "cues off" })?;
            }
            Command::ToggleMirror => self.state.mirrored = !self.state.mirrored,
            Command::ToggleDelay => {
                self.delay_on = !self.delay_on && delay_s > 0.0;
                self.delay_ring.clear();
                events.log(
                    t,
                    if self.delay_on {
                        "delayed replay on"
                    } else {
                        "delayed replay off"
                    },
                )?;
            }
            Command::ToggleHelp => self.state.show_help = !self.state.show_help,
            Command::Quit => return Ok(true),
        }
        Ok(false)
    }

    /// With delayed replay on, the screen from `delay_s` ago (None: show the live one).
    fn delayed(&mut self, screen: &Mat, t: f64, delay_s: f64) -> Result<Option<Mat>> {
        self.state.delay_s = None;
        if !self.delay_on {
            return Ok(None);
        }
        let mut jpeg = Vector::<u8>::new();
        imgcodecs::imencode_def(".jpg", screen, &mut jpeg).context("encoding the replay buffer")?;
        self.delay_ring.push_back((t, jpeg));
        while self.delay_ring.len() > 1 && t - self.delay_ring[1].0 >= delay_s {
            self.delay_ring.pop_front();
        }
        let (t0, old) = &self.delay_ring[0];
        if t - t0 + 0.05 < delay_s {
            return Ok(None); // still filling
        }
        self.state.delay_s = Some(delay_s);
        Ok(Some(
            imgcodecs::imdecode(old, imgcodecs::IMREAD_COLOR).context("decoding the replay buffer")?,
        ))
    }

    fn status_line(&self, capture: &CaptureStatus, recorder_dropped: u64) -> String {
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
            last.and_then(|s| s.overstride_ratio).map(|o| format!(", overstride {:.0}%", o * 100.0)).unwrap_or_default(),
            self.state.cue.as_ref().map(|c| format!(", cue: {c}")).unwrap_or_default(),
            self.state.problems.iter().map(|p| format!(" [{p}]")).collect::<String>(),
        )
    }
}

/// `events.csv`: what happened when (phase marks, recordings, cues, source problems),
/// flushed line by line.
struct EventLog {
    out: std::fs::File,
    failed: bool,
}

impl EventLog {
    fn create(dir: &std::path::Path) -> Result<Self> {
        let path = dir.join("events.csv");
        let mut out =
            std::fs::File::create(&path).with_context(|| format!("creating '{}'", path.display()))?;
        writeln!(out, "t_s,event")?;
        Ok(Self { out, failed: false })
    }

    /// Appends one event; a failure (disk full) is reported once and the session goes on.
    fn log(&mut self, t: f64, event: &str) -> Result<()> {
        if self.failed {
            return Ok(());
        }
        if let Err(e) = writeln!(self.out, "{t:.3},\"{}\"", event.replace('"', "'")) {
            self.failed = true;
            eprintln!("gaitcue: events.csv no longer written: {e} (is the disk full?)");
        }
        Ok(())
    }
}

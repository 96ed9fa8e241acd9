//! `gaitcue live`: camera (or stream, or a clip played in real time) to cue on screen.
//!
//! Threads, one per stage: `capture` → (one-slot entrance, latest frame wins, drops
//! counted) → `pose` → `analysis` → this thread (draw, window or headless, latency) →
//! `record` (bounded; drops counted when the disk falls behind). Every other edge is
//! bounded and blocking, so nothing is lost silently and memory stays flat.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Result};
use crossbeam_channel::{bounded, RecvTimeoutError, TrySendError};
use opencv::core::Mat;
use opencv::prelude::MatTraitConst;
use serde_json::json;
use tracing::info;

use super::gait_stage::{GaitOutputs, GaitStage};
use super::join_stage;
use super::stages::{spawn_pose, Posed, LIVE_LOOK_AROUND_S};
use crate::analysis::{AnalysisConfig, Metric};
use crate::capture::live::{self as live_capture, CaptureStatus, LiveCapture};
use crate::capture::SourceSpec;
use crate::display::{Command, Display};
use crate::frame::Frame;
use crate::overlay;
use crate::panel::{self, PanelState};
use crate::pose::blazepose::BlazePose;
use crate::pose::config::PoseConfig;
use crate::record::recorder::{self, RecorderMsg, RecorderOptions, RecorderStatus};
use crate::record::session_dir::SessionDir;
use crate::session::keypoints::KeypointsWriter;
use crate::timing::{Samples, StageTimes};

mod analysis;
mod commands;
mod replay;
mod screen;
mod system;

use crate::session::events::EventLog;
use crate::session::summary::SessionFacts;
use analysis::{spawn_analysis, Controls, Packet};
use commands::spawn_stdin_commands;
use screen::Ui;
use system::{cpu_seconds, describe_open_failure, join_within, peak_memory_mb, threshold_of};

/// How long the end of a session waits for the capture thread.
const CAPTURE_JOIN_WAIT: Duration = Duration::from_secs(3);
/// Frames queued for the recorder before it counts as behind (~0.25 s at 30 fps).
const RECORDER_QUEUE: usize = 8;
/// With no frame for this long, the window dims its last picture and says what is wrong.
const STALE_AFTER: Duration = Duration::from_secs(1);

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
    /// Open the window over the whole screen (F11 toggles).
    pub fullscreen: bool,
    pub phase: Option<String>,
    pub mirror: bool,
    pub cues_on: bool,
    /// A speed-ramp test runs (`analysis` holds its schedule): stage timer and prompts.
    pub ramp: bool,
    /// Seconds between headless status lines.
    pub status_every_s: f64,
    /// Replace the session already in `out` (refused without it).
    pub overwrite: bool,
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

/// The delayed replay and the pre-roll keep frames in memory and on disk: a minute each
/// is plenty for a clinic and bounded (at 1080p30 a 60-s replay holds ~0.7 GB of JPEG).
const MAX_BUFFER_S: f64 = 60.0;

impl LiveOptions {
    /// Every number a user typed, within what the session can honour.
    fn check_limits(&self) -> Result<()> {
        let within = |name: &str, v: f64, lo: f64, hi: f64| {
            if v.is_finite() && (lo..=hi).contains(&v) {
                Ok(())
            } else {
                Err(anyhow!("{name} {v} must be between {lo} and {hi} seconds"))
            }
        };
        within("--delay", self.delay_s, 0.0, MAX_BUFFER_S)?;
        within("--preroll", self.preroll_s, 0.0, MAX_BUFFER_S)?;
        within("--status-every", self.status_every_s, 0.1, 3600.0)?;
        if let Some(d) = self.duration_s {
            within("--duration", d, 0.1, 24.0 * 3600.0)?;
        }
        Ok(())
    }
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

pub fn run(opts: &LiveOptions) -> Result<LiveSummary> {
    opts.pose.validate()?;
    opts.check_limits()?;
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
    session.pose_model = Some(format!("BlazePose {} (ONNX)", opts.pose.model.name()));
    session.belt_speed = opts.analysis.belt_speed.map(String::from);
    session.speed_schedule = opts.analysis.speed_schedule.clone().map(String::from);
    session.patient = opts.report.patient.clone();
    session.notes = opts.report.notes.clone();
    session.settings = json!({"analysis": &opts.analysis, "pose": &opts.pose});
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
    let retest = opts.analysis.cues.feedback.retest || opts.phase.as_deref() == Some("retest");
    let cues_on = opts.cues_on && !retest && opts.analysis.cues.enabled;
    let cues_allowed = Arc::new(AtomicBool::new(cues_on));
    // Read by the analysis at every frame: a few typed speeds at most wait in it.
    let (speed_tx, speed_rx) = bounded(16);
    let retest_flag = Arc::new(AtomicBool::new(retest));
    let controls = Controls {
        cues_allowed: cues_allowed.clone(),
        retest: retest_flag.clone(),
        speeds: speed_rx,
    };
    let analysis = spawn_analysis(
        gait,
        Some(keypoints),
        pose_rx,
        packet_tx,
        recorder_status.clone(),
        controls,
    )?;
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
        events.log(0.0, "recording started");
    }

    let screen_w = (width as f64 * panel::VIEW_HEIGHT as f64 / height.max(1) as f64) as usize
        + panel::PANEL_WIDTH as usize;
    let mut window_notice = None;
    let (mut display, headless_reason) = if opts.headless {
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

    let mut ui = Ui {
        state: PanelState {
            cues_on,
            phase: opts.phase.clone(),
            mirrored: opts.mirror,
            overstride_threshold: threshold_of(&opts.analysis, Metric::Overstride),
            tilt_threshold: threshold_of(&opts.analysis, Metric::PelvicTilt),
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
        choose_runner,
        snapshot_pending: false,
        preview: None,
        cue_texts: opts
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
            .analysis
            .schedule()
            .filter(|s| s.stages().len() == 1)
            .and_then(|s| s.at(0.0).1)
            .map(|v| v.metres_per_second * 3.6),
        ramp: opts.ramp.then(|| opts.analysis.schedule()).flatten(),
        ramp_stage: None,
        last_view: Mat::default(),
    };
    if let Some(p) = &opts.phase {
        events.log(0.0, &format!("phase {p}"));
    }
    let mut screen = Mat::default();
    let mut screen_times = StageTimes::default();
    let mut last_status = Instant::now();
    let mut recorder_dropped = 0u64;
    let mut last_pts = 0.0;
    let mut last_packet = Instant::now();
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
            if let (Command::ToggleFullscreen, Some(d)) = (&c, display.as_mut()) {
                if let Err(why) = d.toggle_fullscreen() {
                    ui.state.notice = Some(why);
                }
            }
            quit |= ui.apply(&c, &rec_tx, &mut events, last_pts)?;
        }
        if quit {
            break;
        }
        let packet = match packet_rx.recv_timeout(Duration::from_millis(50)) {
            Ok(p) => p,
            Err(RecvTimeoutError::Timeout) => {
                for change in ui.refresh_problems(&capture_status, &recorder_status) {
                    eprintln!("gaitcue: {change}");
                    events.log(last_pts, &change);
                }
                // No frame: the window still answers keys, and after a while says so over
                // the last picture, dimmed.
                if let Some(d) = &mut display {
                    let stale = if last_packet.elapsed() >= STALE_AFTER {
                        ui.stale_screen()?
                    } else {
                        None
                    };
                    match stale {
                        Some(stale) => d.show(&stale)?,
                        None => d.poll(),
                    }
                }
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => break,
        };
        last_pts = packet.frame.pts_s;
        last_packet = Instant::now();
        let Packet {
            mut frame,
            pose,
            steps,
            cue,
            banner,
            contact,
            people,
        } = packet;
        if people.is_some() {
            ui.people = people.map(|p| (frame.pts_s, p));
        }
        for s in steps {
            if let Some(c) = &s.cue {
                events.log(s.decided_at_s, &format!("cue {c}"));
            }
            ui.push_step(s);
        }
        ui.state.cue = cue;
        let first_t = *ui.first_frame_t.get_or_insert(frame.pts_s);
        if let Some(begun) = ui.speed_lines(frame.pts_s) {
            eprintln!("gaitcue: {begun}");
            events.log(frame.pts_s, &begun);
        }
        // A ramp ends with its last stage, on the clock its stages run on.
        if let Some(ramp_end) = opts.ramp.then(|| opts.analysis.ramp.duration_s()) {
            if frame.pts_s - first_t >= ramp_end {
                events.log(frame.pts_s, "the ramp's last stage is over");
                break;
            }
        }
        ui.last_frame_t = frame.pts_s;
        if pose.is_some() {
            ui.last_pose_t = Some(frame.pts_s);
        }
        let raw = opts.record_raw.then(|| frame.image.clone());
        // A snapshot is this frame again, faces blurred before anything is drawn on it.
        let snapshot = ui.snapshot_pending.then(|| frame.image.clone());
        // What is wrong now, before the banner is chosen (a camera back is no longer lost).
        for change in ui.refresh_problems(&capture_status, &recorder_status) {
            eprintln!("gaitcue: {change}");
            events.log(frame.pts_s, &change);
        }
        let t_draw = Instant::now();
        // The runner's view: skeleton, contact, banner; the clinician's numbers are on the
        // panel, not over the picture.
        let banner = ui
            .preview_banner(frame.pts_s)
            .or_else(|| ui.warning_banner())
            .or(banner.filter(|_| ui.state.cues_on));
        if ui.preview.is_some() {
            // The panel names what the runner sees, preview included.
            ui.state.cue = banner.as_ref().map(|b| b.text().to_string());
        }
        // A mirrored view is the clean frame turned, then drawn on, so its words read the
        // right way round; the recording and the replay keep the camera's side.
        let mirrored = (ui.state.mirrored && display.is_some())
            .then(|| {
                overlay::draw_view_mirrored(&frame.image, pose.as_ref(), contact.as_ref(), banner.as_ref())
            })
            .transpose()?;
        overlay::draw_view(
            &mut frame.image,
            pose.as_ref(),
            contact.as_ref(),
            None,
            banner.as_ref(),
        )?;
        let shown = mirrored.as_ref().unwrap_or(&frame.image);
        if display.is_some() {
            // Kept for the window to show, dimmed, if the frames stop.
            shown.copy_to(&mut ui.last_view)?;
        }
        screen_times.record("draw", t_draw.elapsed());
        ui.state.dropped = capture_status.dropped.load(Ordering::Relaxed);
        ui.state.recorder_dropped = recorder_dropped;
        ui.state.recording_s = ui.recording_since.map(|t| t.elapsed().as_secs_f64());
        // The cue banner is already on the frame (also what is recorded): the panel only
        // names it.
        let t_panel = Instant::now();
        ui.replay.push(frame.pts_s, &frame.image)?;
        let pane = if ui.replay.on {
            Some(ui.replay.pane(frame.pts_s)?)
        } else {
            None
        };
        let second = pane.as_ref().map(|p| match p {
            replay::Pane::Filling(held, want) => panel::Second::Filling(*held, *want),
            replay::Pane::Frame(image, label) => panel::Second::Frame(image, label),
        });
        panel::compose(shown, &ui.state, second, &mut screen)?;
        let t_show = Instant::now();
        if let Some(d) = &mut display {
            d.show(&screen)?;
        }
        screen_times.record("panel", t_show - t_panel);
        if let Some(mut picture) = snapshot {
            ui.snapshot_pending = false;
            let saved = (|| -> Result<std::path::PathBuf> {
                ui.blur_faces(&mut picture, pose.as_ref(), frame.pts_s)?;
                if ui.state.mirrored {
                    picture = overlay::draw_view_mirrored(
                        &picture,
                        pose.as_ref(),
                        contact.as_ref(),
                        banner.as_ref(),
                    )?;
                } else {
                    overlay::draw_view(
                        &mut picture,
                        pose.as_ref(),
                        contact.as_ref(),
                        None,
                        banner.as_ref(),
                    )?;
                }
                let mut shot = Mat::default();
                panel::compose(&picture, &ui.state, None, &mut shot)?;
                crate::record::snapshot::save(&shot, &opts.out)
            })();
            let said = match saved {
                // Named within the session folder, on the panel as in the event log.
                Ok(path) => format!(
                    "snapshot saved: {}",
                    path.strip_prefix(&opts.out).unwrap_or(&path).display()
                ),
                Err(e) => format!("snapshot not saved: {e:#}"),
            };
            eprintln!("gaitcue: {said}");
            events.log(frame.pts_s, &said);
            ui.state.notice = Some(said);
        }
        screen_times.record("display", t_show.elapsed());
        let latency = frame.captured_at.elapsed();
        ui.record_latency(latency);
        let msg = RecorderMsg::Frame {
            annotated: frame.image,
            raw,
            pts_s: frame.pts_s,
            frame: frame.id,
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
    let outputs = gait.finish(extra.as_object().cloned().unwrap_or_default())?;
    events.log(last_pts, "session ended");
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

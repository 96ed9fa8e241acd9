//! `gaitcue live`: camera (or stream, or a clip played in real time) to cue on screen.
//!
//! Threads, one per stage: `capture` → (one-slot entrance, latest frame wins, drops
//! counted) → `pose` → `analysis` → this thread (draw, window or headless, latency) →
//! `record` (bounded; drops counted when the disk falls behind). Every other edge is
//! bounded and blocking, so nothing is lost silently and memory stays flat.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{anyhow, Result};

use super::gait_stage::GaitOutputs;
use crate::capture::SourceSpec;
use crate::config::Settings;
use crate::timing::Samples;

mod analysis;
mod commands;
mod problems;
mod replay;
mod screen;
mod session;
mod system;
mod tick;

use session::{LiveSession, Tick};

/// How long the end of a session waits for the capture thread.
const CAPTURE_JOIN_WAIT: Duration = Duration::from_secs(3);
/// Frames queued for the recorder before it counts as behind (~0.25 s at 30 fps).
const RECORDER_QUEUE: usize = 8;
/// With no frame for this long, the window dims its last picture and says what is wrong.
const STALE_AFTER: Duration = Duration::from_secs(1);

pub struct LiveOptions {
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
    /// Pose, analysis and report settings, checked.
    pub settings: Settings,
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
    let mut session = LiveSession::start(opts)?;
    while session.tick()? == Tick::Go {}
    session.finish()
}

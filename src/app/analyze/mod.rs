//! `gaitcue analyze VIDEO --out DIR`: every frame of a recorded clip through the pose and
//! analysis stages, written out as an annotated clip, per-frame keypoints, per-step rows
//! and a summary. `gaitcue analyze --keypoints FILE.jsonl --out DIR` replays recorded
//! keypoints through the analysis stage alone.
//!
//! Threads: `capture` (decode) → `pose` → this thread (analysis, draw, encode, write).
//! Channels are bounded and blocking: a file is analysed frame by frame, nothing skipped.

mod encoder;
mod printout;
mod video;

use video::run_video;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Result};

use super::gait_stage::{GaitOutputs, GaitStage};
use super::progress_bar;
use crate::capture::filmed::check_filmed_fps;
use crate::config::Settings;
use crate::record::session_dir::{claim_default, SessionDir};
use crate::session::keypoints::KeypointsReplay;
use crate::session::summary::SessionFacts;
use crate::timing::StageTimes;

/// Frames in flight between two stages; small, so memory stays flat.
const CHANNEL_DEPTH: usize = 4;
/// A file that yields fewer than this share of the frames its header announces is
/// reported as truncated.
const MIN_FRAME_SHARE: f64 = 0.95;

/// What to analyse.
#[derive(Debug, Clone)]
pub enum AnalyzeInput {
    Video(PathBuf),
    /// A `keypoints.jsonl` written by an earlier analysis (or another tool).
    Keypoints(PathBuf),
}

pub struct AnalyzeOptions {
    pub input: AnalyzeInput,
    pub out: PathBuf,
    /// Pose, analysis and report settings, checked.
    pub settings: Settings,
    pub progress: bool,
    /// Replace the earlier session in `out` (refused without it).
    pub overwrite: bool,
    /// The rate the clip was filmed at, where it plays at another (a phone's slow motion):
    /// its times are measured as filmed.
    pub filmed_fps: Option<f64>,
}

/// What an analysis produced.
#[derive(Debug)]
pub struct AnalyzeSummary {
    pub frames: u64,
    pub frames_with_runner: u64,
    pub detector_runs: u64,
    /// Annotated clip and keypoints (video input only).
    pub clip: Option<PathBuf>,
    pub keypoints: Option<PathBuf>,
    pub gait: GaitOutputs,
    pub report: Option<PathBuf>,
    /// Seconds spent on pose and analysis (or replay), and on the report.
    pub wall_s: f64,
    pub report_s: f64,
    pub times: StageTimes,
    /// Stopped early by Ctrl-C (or SIGTERM), with the frames the video holds when known.
    pub interrupted: Option<Option<u64>>,
    /// Where the results are: the session folder, or beside an earlier session kept whole.
    pub saved_in: PathBuf,
    /// The rate the clip was timed at and how many times slower it plays (`--filmed-fps`).
    pub filmed: Option<(f64, f64)>,
}

impl AnalyzeSummary {
    /// The paths once the staged results moved from `stage` into `out`.
    fn moved(&mut self, stage: &Path, out: &Path) {
        let moved = |p: &mut PathBuf| {
            if let Ok(rel) = p.strip_prefix(stage) {
                *p = out.join(rel);
            }
        };
        for p in [&mut self.clip, &mut self.keypoints, &mut self.report]
            .into_iter()
            .flatten()
        {
            moved(p);
        }
        moved(&mut self.gait.steps_csv);
        moved(&mut self.gait.summary_json);
    }
}

pub fn run(opts: &AnalyzeOptions) -> Result<AnalyzeSummary> {
    let input = match &opts.input {
        AnalyzeInput::Video(p) | AnalyzeInput::Keypoints(p) => p.clone(),
    };
    let mut output = Output {
        out: &opts.out,
        input: &input,
        overwrite: opts.overwrite,
        held: None,
    };
    let result = match &opts.input {
        AnalyzeInput::Video(video) => run_video(video, opts, &mut output),
        AnalyzeInput::Keypoints(file) => run_keypoints(file, opts, &mut output),
    };
    // Nothing was written: the folder was never opened, or the run failed before it wrote.
    let Some((mut folder, stage)) = output.held.take() else {
        return result;
    };
    let out = opts.out.display();
    let mut summary = match result {
        Ok(summary) => summary,
        Err(e) if std::fs::remove_dir(&stage).is_ok() => return Err(e),
        Err(e) if folder.holds_earlier() => {
            let kept = folder.set_aside(&stage)?;
            bail!(
                "{e:#}; what was analysed is in '{}', and the earlier results in '{out}' are untouched",
                kept.display()
            );
        }
        Err(e) => {
            folder.commit(&stage)?;
            bail!("{e:#}; what was analysed was saved in '{out}'");
        }
    };
    // The results are complete: the report is built beside them, then all move in.
    let started = Instant::now();
    let progress = progress_bar(opts.progress, None, "report");
    match crate::report::build(&stage, &opts.settings.report, &opts.settings.pose, &progress) {
        Ok(path) => summary.report = Some(path),
        Err(e) => {
            eprintln!("gaitcue: the report was not written ({e:#}); steps.csv and summary.json are complete")
        }
    }
    progress.finish_and_clear();
    summary.report_s = started.elapsed().as_secs_f64();
    // Stopped early: what was analysed replaces nothing that was whole before it.
    let target = if summary.interrupted.is_some() && folder.holds_earlier() {
        folder.set_aside(&stage)?
    } else {
        if let Err(e) = folder.commit(&stage) {
            let kept = folder.set_aside(&stage).unwrap_or(stage);
            bail!("{e:#}; the new results are in '{}'", kept.display());
        }
        opts.out.clone()
    };
    summary.moved(&stage, &target);
    summary.saved_in = target;
    Ok(summary)
}

/// The session folder, opened once the input is known to be readable (so a missing
/// video or model is named before the folder is judged), with the run's staging folder.
struct Output<'a> {
    out: &'a Path,
    input: &'a Path,
    overwrite: bool,
    held: Option<(SessionDir, PathBuf)>,
}

impl Output<'_> {
    /// Opens the folder and returns where this run writes.
    fn open(&mut self) -> Result<PathBuf> {
        let folder = SessionDir::open(self.out, "analyze", &[self.input], self.overwrite)?;
        let stage = folder.stage()?;
        self.held = Some((folder, stage.clone()));
        Ok(stage)
    }
}

/// Ctrl-C (and SIGTERM) end the analysis early and keep what was processed; a second
/// one ends the program at once.
fn stop_on_signal(stop: Arc<AtomicBool>, interrupted: Arc<AtomicBool>) {
    let _ = ctrlc::set_handler(move || {
        if interrupted.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
        stop.store(true, Ordering::SeqCst);
    });
}

fn session_facts(source: &str, fps: f64, slower_by: Option<f64>, opts: &AnalyzeOptions) -> SessionFacts {
    let mut facts = SessionFacts::new(source, fps);
    facts.plays_slower_by = slower_by;
    facts.pose_model = Some(format!("BlazePose {} (ONNX)", opts.settings.pose.model.name()));
    facts.belt_speed = opts.settings.analysis.belt_speed.map(String::from);
    facts.speed_schedule = opts.settings.analysis.speed_schedule.clone().map(String::from);
    facts.patient = opts.settings.report.patient.clone();
    facts.course = opts.settings.report.course;
    facts.notes = opts.settings.report.notes.clone();
    facts.settings = serde_json::json!({"analysis": &opts.settings.analysis, "pose": &opts.settings.pose});
    facts.run.insert(
        "runner_height_cm".into(),
        opts.settings.analysis.runner_height_cm.into(),
    );
    facts
}

/// Replays `keypoints.jsonl` through the analysis stage; on a bad line the steps before it
/// are kept (written and summarised) and the error names the line.
fn run_keypoints(file: &Path, opts: &AnalyzeOptions, output: &mut Output) -> Result<AnalyzeSummary> {
    let started = Instant::now();
    let mut replay = KeypointsReplay::open(file)?;
    let out = output.open()?;
    // A keypoints file states no frame rate: its frame numbers and times give it (one
    // line or none measures nothing, and 30 is assumed).
    let plays_at = crate::session::keypoints::frame_rate(file)
        .map(|f| (f * 1000.0).round() / 1000.0)
        .unwrap_or(30.0);
    let (fps, slower_by) = match opts.filmed_fps {
        Some(filmed) => (check_filmed_fps(filmed)?, Some(filmed / plays_at)),
        None => (plays_at, None),
    };
    let mut gait = GaitStage::create(
        &out,
        &opts.settings.analysis,
        session_facts(&file.display().to_string(), fps, slower_by, opts),
    )?;
    let (mut frames, mut with_runner) = (0u64, 0u64);
    let mut failure = None;
    for sample in replay.by_ref() {
        let step = sample.and_then(|mut s| {
            s.t /= slower_by.unwrap_or(1.0);
            with_runner += u64::from(s.keypoints.is_some());
            gait.process(&s, None)?;
            match gait.write_error() {
                Some(e) => Err(anyhow::anyhow!("{e}")),
                None => Ok(()),
            }
        });
        if let Err(e) = step {
            failure = Some(e);
            break;
        }
        frames += 1;
    }
    let run = serde_json::json!({"frames": frames, "frames_with_runner": with_runner});
    let gait = gait.finish(run.as_object().cloned().unwrap_or_default())?;
    if let Some(e) = failure {
        bail!("{e:#}; the {} steps before it were kept", gait.steps.len());
    }
    if frames == 0 {
        bail!("keypoints file '{}' is empty: nothing to analyse", file.display());
    }
    Ok(AnalyzeSummary {
        frames,
        frames_with_runner: with_runner,
        detector_runs: 0,
        clip: None,
        keypoints: None,
        gait,
        report: None,
        wall_s: started.elapsed().as_secs_f64(),
        report_s: 0.0,
        times: StageTimes::default(),
        interrupted: None,
        saved_in: PathBuf::new(),
        filmed: slower_by.map(|k| (fps, k)),
    })
}

/// The default output folder for a video: `out/<video stem>`, or `out/<video stem>-2`…
/// when that is taken; created here, so two runs never share one.
pub fn default_out_dir(video: &Path) -> Result<PathBuf> {
    let stem = video
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "session".into());
    claim_default(&PathBuf::from("out").join(stem))
}

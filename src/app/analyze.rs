//! `gaitcue analyze VIDEO --out DIR`: every frame of a recorded clip through the pose and
//! analysis stages, written out as an annotated clip, per-frame keypoints, per-step rows
//! and a summary. `gaitcue analyze --keypoints FILE.jsonl --out DIR` replays recorded
//! keypoints through the analysis stage alone.
//!
//! Threads: `capture` (decode) → `pose` → this thread (analysis, draw, encode, write).
//! Channels are bounded and blocking: a file is analysed frame by frame, nothing skipped.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Result};
use crossbeam_channel::bounded;
use tracing::info;

use super::gait_stage::{GaitOutputs, GaitStage};
use super::stages::{spawn_pose, Posed, LOOK_AROUND_S};
use super::{join_stage, progress_bar};
use crate::analysis::geometry::median;
use crate::analysis::{AnalysisConfig, Metric, PoseSample, Side, StepRecord};
use crate::capture::{self, SourceSpec};
use crate::frame::Frame;
use crate::overlay;
use crate::pose::blazepose::BlazePose;
use crate::pose::config::PoseConfig;
use crate::record::clip::ClipWriter;
use crate::record::session_dir::{claim_default, SessionDir};
use crate::session::keypoints::KeypointsReplay;
use crate::session::keypoints::{KeypointsRecord, KeypointsWriter};
use crate::session::summary::{SessionFacts, MIN_VALID_STEPS};
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
    pub pose: PoseConfig,
    pub analysis: AnalysisConfig,
    pub report: crate::report::ReportConfig,
    pub progress: bool,
    /// Replace the earlier session in `out` (refused without it).
    pub overwrite: bool,
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

impl std::fmt::Display for AnalyzeSummary {
    /// What the clinician sees when the analysis ends: times, what was found, the files.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "analysed {} frames in {:.1} s: pose and analysis {:.1} s ({:.1} frames/s), report {:.1} s; runner found in {} ({:.0} %); {} steps",
            self.frames,
            self.wall_s + self.report_s,
            self.wall_s,
            self.frames as f64 / self.wall_s.max(1e-9),
            self.report_s,
            self.frames_with_runner,
            100.0 * self.frames_with_runner as f64 / self.frames.max(1) as f64,
            self.gait.steps.len()
        )?;
        if let Some(expected) = self.interrupted {
            let of = expected.map(|n| format!(" of {n}")).unwrap_or_default();
            writeln!(
                f,
                "stopped early (Ctrl-C) after frame {}{of}: the results below cover what was analysed",
                self.frames
            )?;
        }
        write!(f, "{}", PerSide(&self.gait.steps))?;
        if let Some(clip) = &self.clip {
            writeln!(f, "annotated clip: {}", clip.display())?;
        }
        if let Some(k) = &self.keypoints {
            writeln!(f, "keypoints:      {}", k.display())?;
        }
        writeln!(f, "steps:          {}", self.gait.steps_csv.display())?;
        writeln!(f, "summary:        {}", self.gait.summary_json.display())?;
        if let Some(r) = &self.report {
            writeln!(f, "report:         {}", r.display())?;
        }
        Ok(())
    }
}

/// The counted steps' key numbers, one column per side: medians over the steps that passed
/// the running checks, withheld (as in `summary.json`) for a side with too few of them.
struct PerSide<'a>(&'a [StepRecord]);

/// The numbers printed, in order.
const PRINTED: [Metric; 7] = [
    Metric::StepTime,
    Metric::ContactTime,
    Metric::DutyFactor,
    Metric::Overstride,
    Metric::KneeFlexionIc,
    Metric::ShankAngleIc,
    Metric::FootStrikeAngle,
];

impl std::fmt::Display for PerSide<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let counted = |side: Side| -> Vec<&StepRecord> {
            self.0.iter().filter(|s| s.valid && s.side == side).collect()
        };
        let (left, right) = (counted(Side::Left), counted(Side::Right));
        let all: Vec<f64> = left.iter().chain(&right).filter_map(|s| s.step_time_s).collect();
        if !all.is_empty() {
            // Steps per minute over the counted steps: their mean step time, both feet (a
            // near and a far foot timed each with its own small bias cancel).
            let cadence = 60.0 * all.len() as f64 / all.iter().sum::<f64>();
            writeln!(f, "cadence of the counted steps: {cadence:.1} steps/min")?;
        }
        // The leg nearer the camera is seen better: its numbers are the ones to trust most.
        let seen = |steps: &[&StepRecord]| median(&steps.iter().map(|s| s.confidence).collect::<Vec<_>>());
        let near_left = seen(&left).unwrap_or(0.0) >= seen(&right).unwrap_or(0.0);
        let label =
            |side: &str, near: bool, n: usize| format!("{side} ({}, {n})", if near { "near" } else { "far" });
        writeln!(
            f,
            "{:<44} {:>14} {:>14}",
            "medians of the counted steps",
            label("left", near_left, left.len()),
            label("right", !near_left, right.len())
        )?;
        for metric in PRINTED {
            let info = metric.info();
            let median_of = |steps: &[&StepRecord]| -> String {
                if steps.len() < MIN_VALID_STEPS {
                    return "too few".into();
                }
                let values: Vec<f64> = steps.iter().filter_map(|s| s.value(metric)).collect();
                median(&values).map_or("unknown".into(), |v| format!("{v:.*}", info.decimals.min(2)))
            };
            writeln!(
                f,
                "  {:<42} {:>14} {:>14}",
                format!("{} ({})", info.label, info.unit),
                median_of(&left),
                median_of(&right)
            )?;
        }
        Ok(())
    }
}

pub fn run(opts: &AnalyzeOptions) -> Result<AnalyzeSummary> {
    opts.analysis.validate()?;
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
    match crate::report::build(&stage, &opts.report, &opts.pose, &progress) {
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

fn session_facts(source: &str, fps: f64, opts: &AnalyzeOptions) -> SessionFacts {
    let mut facts = SessionFacts::new(source, fps);
    facts.pose_model = Some(format!("BlazePose {} (ONNX)", opts.pose.model.name()));
    facts.belt_speed = opts.analysis.belt_speed.map(String::from);
    facts.speed_schedule = opts.analysis.speed_schedule.clone().map(String::from);
    facts.patient = opts.report.patient.clone();
    facts.notes = opts.report.notes.clone();
    facts.settings = serde_json::json!({"analysis": &opts.analysis, "pose": &opts.pose});
    facts
        .run
        .insert("runner_height_cm".into(), opts.analysis.runner_height_cm.into());
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
    let fps = crate::session::keypoints::frame_rate(file).unwrap_or(30.0);
    let mut gait = GaitStage::create(
        &out,
        &opts.analysis,
        session_facts(&file.display().to_string(), fps, opts),
    )?;
    let (mut frames, mut with_runner) = (0u64, 0u64);
    let mut failure = None;
    for sample in replay.by_ref() {
        let step = sample.and_then(|s| {
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
    })
}

fn run_video(video: &Path, opts: &AnalyzeOptions, output: &mut Output) -> Result<AnalyzeSummary> {
    opts.pose.validate()?;
    let source = SourceSpec::File(video.to_path_buf()).open()?;
    let estimator = BlazePose::new(&opts.pose)?;
    let out = output.open()?;
    let started = Instant::now();
    let (width, height) = source.frame_size();
    let fps = source.fps_hint().unwrap_or(30.0);
    let expected = source.frame_count_hint();
    let clip_path = out.join("annotated.mp4");
    let keypoints_path = out.join("keypoints.jsonl");
    let mut clip = ClipWriter::review(&clip_path, fps, width, height)?;
    let mut keypoints = KeypointsWriter::create(&keypoints_path)?;
    let facts = session_facts(&video.display().to_string(), fps, opts);
    let mut gait = GaitStage::create(&out, &opts.analysis, facts)?;

    let stop = Arc::new(AtomicBool::new(false));
    let interrupted = Arc::new(AtomicBool::new(false));
    stop_on_signal(stop.clone(), interrupted.clone());
    let (frame_tx, frame_rx) = bounded::<Frame>(CHANNEL_DEPTH);
    let (pose_tx, pose_rx) = bounded::<Posed>(CHANNEL_DEPTH);
    let describe = source.describe();
    let capture = capture::spawn_reader(source, frame_tx, stop.clone())?;
    let pose_stage = spawn_pose(estimator, frame_rx, pose_tx, stop.clone(), LOOK_AROUND_S, None)?;

    let progress = progress_bar(opts.progress, expected, "analyse");
    let mut times = StageTimes::default();
    let mut frames = 0u64;
    let mut frames_with_runner = 0u64;
    let mut write_result = Ok(());
    for Posed {
        mut frame,
        pose,
        people,
    } in pose_rx.iter()
    {
        let step = (|| -> Result<()> {
            let t_analysis = Instant::now();
            gait.process(
                &PoseSample::from_pose(frame.id, frame.pts_s, (width, height), pose.as_ref()),
                Some(&frame.image),
            )?;
            if let Some(e) = gait.write_error() {
                bail!("{e}");
            }
            times.record("analysis", t_analysis.elapsed());
            let t0 = Instant::now();
            let track = pose.as_ref().map(|p| p.track);
            overlay::draw_view(
                &mut frame.image,
                pose.as_ref(),
                gait.contact_at(frame.pts_s, track).as_ref(),
                Some(&overlay::status_line(frame.pts_s, gait.last_step_of(track))),
                gait.banner_at(frame.pts_s, track).as_ref(),
            )?;
            let t1 = Instant::now();
            clip.write(&frame.image)?;
            let t2 = Instant::now();
            keypoints.write(&KeypointsRecord::new(
                frame.id,
                frame.pts_s,
                width,
                height,
                pose.as_ref(),
                people.as_deref(),
            ))?;
            times.record("draw", t1 - t0);
            times.record("encode", t2 - t1);
            times.record("write_keypoints", t2.elapsed());
            Ok(())
        })();
        if let Err(e) = step {
            write_result = Err(e);
            stop.store(true, Ordering::Relaxed);
            break;
        }
        frames += 1;
        frames_with_runner += u64::from(pose.is_some());
        progress.inc(1);
    }
    drop(pose_rx);
    progress.finish_and_clear();
    let finish = clip.finish();
    let capture_stats = join_stage("capture", capture);
    let pose_stats = join_stage("pose", pose_stage);
    let most_people = pose_stats.as_ref().map(|p| p.most_people).unwrap_or(0);
    let interrupted = interrupted.load(Ordering::SeqCst);
    let run = serde_json::json!({
        "frames": frames,
        "frames_with_runner": frames_with_runner,
        "most_people_in_view": most_people,
        "interrupted": interrupted,
    });
    let gait = gait.finish(run.as_object().cloned().unwrap_or_default());
    write_result?;
    finish?;
    let gait = gait?;
    let capture_stats = capture_stats?;
    let pose_stats = pose_stats?;
    let detector_runs = pose_stats.detector_runs;
    times.merge(&capture_stats.times);
    times.merge(&pose_stats.times);

    if frames == 0 {
        bail!("{describe} has no readable frames: the file is corrupt or not a video; re-export or copy it again");
    }
    if let Some(expected) = expected.filter(|_| !interrupted) {
        if (frames as f64) < MIN_FRAME_SHARE * expected as f64 {
            bail!("{describe} ended at frame {frames} of {expected}: the file is truncated or corrupt; the frames before it were analysed");
        }
    }
    if frames_with_runner == 0 {
        match pose_stats.why_no_runner {
            Some(why) => bail!("no runner found in {describe}: {why}; film the runner from the side, upright, with the whole body in view"),
            None => bail!("no runner found in {describe}: film the runner from the side with the whole body in view, or widen --zone"),
        }
    }
    if most_people > 1 {
        eprintln!(
            "gaitcue: note: up to {most_people} people were in view; only the runner was measured (chosen side-on and lowest, kept by size, belt line and clothes; narrow the choice with --zone)"
        );
    }
    info!(frames, frames_with_runner, detector_runs, "analysis finished");
    Ok(AnalyzeSummary {
        frames,
        frames_with_runner,
        detector_runs,
        clip: Some(clip_path),
        keypoints: Some(keypoints_path),
        gait,
        report: None,
        wall_s: started.elapsed().as_secs_f64(),
        report_s: 0.0,
        times,
        interrupted: interrupted.then_some(expected),
        saved_in: PathBuf::new(),
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

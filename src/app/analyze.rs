//! `gaitcue analyze VIDEO --out DIR`: every frame of a recorded clip through the pose
//! stage, written out as an annotated clip and per-frame keypoints.
//!
//! Threads: `capture` (decode) → `pose` → this thread (draw, encode, write). Channels are
//! bounded and blocking: a file is analysed frame by frame, nothing is skipped.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use crossbeam_channel::bounded;
use indicatif::{ProgressBar, ProgressStyle};
use tracing::info;

use super::join_stage;
use crate::capture::{self, SourceSpec};
use crate::config::PoseConfig;
use crate::frame::Frame;
use crate::overlay;
use crate::pose::blazepose::BlazePose;
use crate::pose::{Pose, PoseEstimator};
use crate::record::clip::ClipWriter;
use crate::record::keypoints::{KeypointsRecord, KeypointsWriter};
use crate::record::prepare_output_dir;
use crate::timing::StageTimes;

/// Frames in flight between two stages; small, so memory stays flat.
const CHANNEL_DEPTH: usize = 4;
/// A file that yields fewer than this share of the frames its header announces is
/// reported as truncated.
const MIN_FRAME_SHARE: f64 = 0.95;

pub struct AnalyzeOptions {
    pub video: PathBuf,
    pub out: PathBuf,
    pub pose: PoseConfig,
    pub progress: bool,
}

/// What an analysis produced.
#[derive(Debug)]
pub struct AnalyzeSummary {
    pub frames: u64,
    pub frames_with_runner: u64,
    pub detector_runs: u64,
    pub clip: PathBuf,
    pub keypoints: PathBuf,
    pub wall_s: f64,
    pub times: StageTimes,
}

pub fn run(opts: &AnalyzeOptions) -> Result<AnalyzeSummary> {
    opts.pose.validate()?;
    let source = SourceSpec::File(opts.video.clone()).open()?;
    let estimator = BlazePose::new(&opts.pose)?;
    prepare_output_dir(&opts.out)?;
    let started = Instant::now();
    let (width, height) = source.frame_size();
    let fps = source.fps_hint().unwrap_or(30.0);
    let expected = source.frame_count_hint();
    let clip_path = opts.out.join("annotated.mp4");
    let keypoints_path = opts.out.join("keypoints.jsonl");
    let mut clip = ClipWriter::create(&clip_path, fps, width, height)?;
    let mut keypoints = KeypointsWriter::create(&keypoints_path)?;

    let stop = Arc::new(AtomicBool::new(false));
    let (frame_tx, frame_rx) = bounded::<Frame>(CHANNEL_DEPTH);
    let (pose_tx, pose_rx) = bounded::<(Frame, Option<Pose>)>(CHANNEL_DEPTH);
    let describe = source.describe();
    let capture = capture::spawn_reader(source, frame_tx, stop.clone())?;
    let pose_stage = spawn_pose(estimator, frame_rx, pose_tx, stop.clone())?;

    let progress = progress_bar(opts.progress, expected);
    let mut times = StageTimes::default();
    let mut frames = 0u64;
    let mut frames_with_runner = 0u64;
    let mut write_result = Ok(());
    for (mut frame, pose) in pose_rx.iter() {
        let step = (|| -> Result<()> {
            let t0 = Instant::now();
            if let Some(p) = &pose {
                overlay::draw_pose(&mut frame.image, p)?;
            }
            let t1 = Instant::now();
            clip.write(&frame.image)?;
            let t2 = Instant::now();
            keypoints.write(&KeypointsRecord::new(
                frame.id,
                frame.pts_s,
                width,
                height,
                pose.as_ref(),
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
    write_result?;
    finish?;
    let capture_stats = capture_stats?;
    let (pose_times, detector_runs) = pose_stats?;
    times.merge(&capture_stats.times);
    times.merge(&pose_times);

    if frames == 0 {
        bail!("{describe} has no readable frames: the file is corrupt or not a video; re-export or copy it again");
    }
    if let Some(expected) = expected {
        if (frames as f64) < MIN_FRAME_SHARE * expected as f64 {
            bail!(
                "{describe} ended at frame {frames} of {expected}: the file is truncated or corrupt; the frames before it were analysed and saved in '{}'",
                opts.out.display()
            );
        }
    }
    info!(frames, frames_with_runner, detector_runs, "analysis finished");
    Ok(AnalyzeSummary {
        frames,
        frames_with_runner,
        detector_runs,
        clip: clip_path,
        keypoints: keypoints_path,
        wall_s: started.elapsed().as_secs_f64(),
        times,
    })
}

type PoseStageResult = Result<(StageTimes, u64)>;

fn spawn_pose(
    mut estimator: BlazePose,
    rx: crossbeam_channel::Receiver<Frame>,
    tx: crossbeam_channel::Sender<(Frame, Option<Pose>)>,
    stop: Arc<AtomicBool>,
) -> Result<thread::JoinHandle<PoseStageResult>> {
    thread::Builder::new()
        .name("pose".into())
        .spawn(move || {
            for frame in rx.iter() {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let pose = estimator
                    .estimate(&frame.image)
                    .with_context(|| format!("pose estimation on frame {}", frame.id))?;
                if tx.send((frame, pose)).is_err() {
                    break;
                }
            }
            Ok((estimator.times().clone(), estimator.detector_runs()))
        })
        .context("starting the pose thread")
}

fn progress_bar(enabled: bool, len: Option<u64>) -> ProgressBar {
    if !enabled {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len.unwrap_or(0));
    let style = ProgressStyle::with_template("{bar:40} {pos}/{len} frames  {per_sec}  eta {eta}")
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar
}

/// The default output folder for a video: `out/<video stem>`.
pub fn default_out_dir(video: &Path) -> PathBuf {
    let stem = video
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "session".into());
    PathBuf::from("out").join(stem)
}

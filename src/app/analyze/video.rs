//! A video analysed: decode, pose and analysis on their own threads, the annotated clip and
//! the keypoints written here as the frames come.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Result};
use crossbeam_channel::bounded;
use tracing::info;

use super::encoder::Encoder;
use super::{
    session_facts, stop_on_signal, AnalyzeOptions, AnalyzeSummary, Output, CHANNEL_DEPTH, MIN_FRAME_SHARE,
};
use crate::analysis::PoseSample;
use crate::app::gait_stage::GaitStage;
use crate::app::stages::{spawn_pose, Posed, LOOK_AROUND_S};
use crate::app::{join_stage, progress_bar};
use crate::capture::filmed::Filmed;
use crate::capture::{self, FrameSource, SourceSpec};
use crate::frame::Frame;
use crate::overlay;
use crate::pose::blazepose::BlazePose;
use crate::pose::PoseEstimator;
use crate::record::clip::ClipWriter;
use crate::session::keypoints::{KeypointsRecord, KeypointsWriter};
use crate::timing::StageTimes;

pub(super) fn run_video(video: &Path, opts: &AnalyzeOptions, output: &mut Output) -> Result<AnalyzeSummary> {
    let (source, slower_by) = match opts.filmed_fps {
        Some(filmed) => {
            let source = Filmed::new(SourceSpec::File(video.to_path_buf()).open()?, filmed)?;
            let slower_by = source.slower_by();
            (Box::new(source) as Box<dyn FrameSource>, Some(slower_by))
        }
        None => (SourceSpec::File(video.to_path_buf()).open()?, None),
    };
    let mut estimator = BlazePose::new(&opts.settings.pose)?;
    let out = output.open()?;
    let started = Instant::now();
    let (width, height) = source.frame_size();
    let fps = source.fps_hint().unwrap_or(30.0);
    estimator.set_frame_rate(fps);
    let expected = source.frame_count_hint();
    let clip_path = out.join("annotated.mp4");
    let keypoints_path = out.join("keypoints.jsonl");
    let encoder = Encoder::spawn(ClipWriter::review(&clip_path, fps, width, height)?)?;
    let mut keypoints = KeypointsWriter::create(&keypoints_path)?;
    let facts = session_facts(&video.display().to_string(), fps, slower_by, opts);
    let mut gait =
        GaitStage::create(&out, &opts.settings.analysis, facts)?.with_stated_fps(source.fps_hint());

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
            if !encoder.send(std::mem::take(&mut frame.image)) {
                bail!("the annotated clip stopped being written");
            }
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
            times.record("hand_to_encoder", t2 - t1);
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
    let finish = encoder.finish();
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
    // The encoder's own error (a full disk) says more than the hand-over that failed.
    let encode_times = finish?;
    write_result?;
    times.merge(&encode_times);
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
        filmed: slower_by.map(|k| (fps, k)),
    })
}

//! Wiring the stages together: threads, bounded channels, start and stop.

pub mod analyze;
pub mod calibrate;
pub mod gait_stage;
pub mod live;

use std::thread::JoinHandle;

use anyhow::{anyhow, Context, Result};
use indicatif::{ProgressBar, ProgressStyle};

use crate::frame::Frame;
use crate::pose::blazepose::BlazePose;
use crate::pose::{PersonBox, Pose, PoseEstimator};

/// How often (seconds of media time) the pose stage of `analyze` also looks for everyone
/// in view, not just the runner: the session then knows where every face is, for blurring,
/// at the cost of one detector run per look.
pub const LOOK_AROUND_S: f64 = 0.33;
/// The same live, where a look delays its frame by a detector run (~10-20 ms): once a
/// second keeps those frames out of the 95th latency percentile.
pub const LIVE_LOOK_AROUND_S: f64 = 1.0;

/// A frame with what the pose stage found in it.
pub struct Posed {
    pub frame: Frame,
    /// The runner, or `None` when no runner is in view.
    pub pose: Option<Pose>,
    /// Everyone in view, on frames where the detector ran.
    pub people: Option<Vec<PersonBox>>,
}

/// The pose stage's work on one frame: the runner's pose, and everyone in view when it is
/// time to look around (every `look_every_s`, or when the detector ran anyway).
/// `last_look` is the media time of the latest look.
pub fn pose_frame(
    estimator: &mut BlazePose,
    frame: Frame,
    look_every_s: f64,
    last_look: &mut Option<f64>,
) -> Result<Posed> {
    let pose = estimator
        .estimate(&frame.image)
        .with_context(|| format!("pose estimation on frame {}", frame.id))?;
    if last_look.is_none_or(|t| frame.pts_s - t >= look_every_s || frame.pts_s < t) {
        estimator
            .look_around(&frame.image)
            .with_context(|| format!("looking for people on frame {}", frame.id))?;
    }
    let people = estimator.take_people();
    if people.is_some() {
        *last_look = Some(frame.pts_s);
    }
    Ok(Posed { frame, pose, people })
}

/// Joins a stage's thread, naming the stage in any failure.
pub fn join_stage<T>(stage: &str, handle: JoinHandle<Result<T>>) -> Result<T> {
    match handle.join() {
        Ok(result) => result,
        Err(_) => Err(anyhow!("the {stage} stage crashed")),
    }
}

/// A progress bar on stderr counting `what` (hidden when `enabled` is false or stderr is
/// not a terminal).
pub fn progress_bar(enabled: bool, len: Option<u64>, what: &str) -> ProgressBar {
    if !enabled {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len.unwrap_or(0));
    let template = format!("{what:<8} {{bar:40}} {{pos}}/{{len}} frames  {{per_sec}}  eta {{eta}}");
    let style = ProgressStyle::with_template(&template).unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar
}

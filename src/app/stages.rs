//! The stage loops every command shares. The pose stage is the one place that runs the
//! pose estimator: frames in (from the capture thread or the live entrance), [`Posed`]
//! messages out, on a thread named `pose`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use anyhow::{Context, Result};
use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};

use crate::frame::Frame;
use crate::pose::{PersonBox, Pose, PoseEstimator};
use crate::timing::StageTimes;

/// How often (seconds of media time) the pose stage of `analyze` also looks for everyone
/// in view, not just the runner: the session then knows where every face is, for blurring,
/// at the cost of one detector run per look.
pub const LOOK_AROUND_S: f64 = 0.33;
/// The same live, where a look delays its frame by a detector run (~10-20 ms): once a
/// second keeps those frames out of the 95th latency percentile.
pub const LIVE_LOOK_AROUND_S: f64 = 1.0;
/// How long the pose thread waits for a frame before looking at the stop flag again.
const STOP_POLL: Duration = Duration::from_millis(100);

/// A frame with what the pose stage found in it.
pub struct Posed {
    pub frame: Frame,
    /// The runner, or `None` when no runner is in view.
    pub pose: Option<Pose>,
    /// Everyone in view, on frames where the estimator looked around.
    pub people: Option<Vec<PersonBox>>,
}

/// What the pose stage measured over a session.
#[derive(Debug, Clone, Default)]
pub struct PoseStats {
    pub times: StageTimes,
    /// Whole-frame searches for the runner (once per lost track).
    pub detector_runs: u64,
    /// The most people seen in one frame.
    pub most_people: usize,
    /// Why nobody in view was chosen as the runner, when nobody was.
    pub why_no_runner: Option<String>,
}

/// Starts the pose thread: each frame from `rx` is estimated and sent on as [`Posed`],
/// looking around for everyone in view every `look_every_s`. Ends when `rx` closes, `tx`
/// hangs up or `stop` is set; an estimator failure ends it with the frame named.
pub fn spawn_pose<E: PoseEstimator + 'static>(
    mut estimator: E,
    rx: Receiver<Frame>,
    tx: Sender<Posed>,
    stop: Arc<AtomicBool>,
    look_every_s: f64,
    choose_again: Option<Arc<AtomicBool>>,
) -> Result<JoinHandle<Result<PoseStats>>> {
    thread::Builder::new()
        .name("pose".into())
        .spawn(move || {
            let mut last_look = None;
            let mut most_people = 0;
            loop {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let frame = match rx.recv_timeout(STOP_POLL) {
                    Ok(f) => f,
                    Err(RecvTimeoutError::Timeout) => continue,
                    Err(RecvTimeoutError::Disconnected) => break,
                };
                if choose_again
                    .as_ref()
                    .is_some_and(|c| c.swap(false, Ordering::SeqCst))
                {
                    estimator.choose_again();
                }
                let posed = pose_frame(&mut estimator, frame, look_every_s, &mut last_look)?;
                most_people = most_people.max(estimator.people_in_view());
                if tx.send(posed).is_err() {
                    break;
                }
            }
            Ok(PoseStats {
                times: estimator.times().clone(),
                detector_runs: estimator.detector_runs(),
                most_people,
                why_no_runner: estimator.why_no_runner(),
            })
        })
        .context("starting the pose thread")
}

/// The pose stage's work on one frame: the runner's pose, and everyone in view when it is
/// time to look around (or the estimator looked anyway). `last_look` is the media time of
/// the latest look.
fn pose_frame<E: PoseEstimator>(
    estimator: &mut E,
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

//! Pose estimation: from a BGR frame to the runner's 33 named keypoints in image pixels.
//!
//! In: a [`Frame`]'s image. Out: `Option<Pose>` — `None` when no runner is in view.
//! ONNX Runtime is used only inside this module.

pub mod blazepose;
pub mod config;
mod crop;
pub mod detector;
pub mod keypoints;
pub mod landmarks;
pub mod roi;
pub mod runner;
pub mod runtime;
pub mod stickers;

use anyhow::Result;
use opencv::core::Mat;

use crate::timing::StageTimes;
pub use keypoints::{Keypoint, KEYPOINT_NAMES, NUM_KEYPOINTS};
pub use roi::Roi;

/// The runner's pose in one frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Pose {
    /// The 33 BlazePose body keypoints, indexed as [`KEYPOINT_NAMES`], in image pixels.
    pub keypoints: [Keypoint; NUM_KEYPOINTS],
    /// The model's confidence that a person fills the crop, 0..1.
    pub presence: f32,
    /// The crop the keypoints were computed in.
    pub roi: Roi,
    /// Which person this pose belongs to: a new number each time someone is chosen as the
    /// runner (or, without choosing, each time the detector finds a person again). The chosen
    /// runner found again by the detector after a lost frame keeps the number.
    pub track: u64,
}

impl Pose {
    /// The keypoint called `name` (one of [`KEYPOINT_NAMES`]).
    pub fn get(&self, name: &str) -> Option<&Keypoint> {
        keypoints::index_of(name).map(|i| &self.keypoints[i])
    }
}

/// Someone the person detector found (the runner, a clinician, a passer-by): box corners
/// (x0, y0, x1, y1) in image pixels and the detector's score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PersonBox {
    pub bbox: [f32; 4],
    pub score: f32,
}

/// Estimates the runner's pose frame by frame; implementations may track between frames.
pub trait PoseEstimator: Send {
    fn estimate(&mut self, image: &Mat) -> Result<Option<Pose>>;
    /// Time spent per sub-stage since creation.
    fn times(&self) -> &StageTimes;
    /// The frames' rate (per second), so that what the estimator waits for (a runner
    /// confirmed, a former runner passed over) lasts the same time at any frame rate.
    fn set_frame_rate(&mut self, _fps: f64) {}
    /// Looks for everyone in view in `image` (the frame just estimated), for
    /// [`PoseEstimator::take_people`]; estimators that cannot see others do nothing.
    /// Lets go of the runner and chooses again, passing over them while anyone else in
    /// view looks like a runner (the clinician's P key).
    fn choose_again(&mut self) {}
    /// Why none of the people seen was chosen as the runner (the commonest reason), when
    /// no runner was ever chosen.
    fn why_no_runner(&self) -> Option<String> {
        None
    }
    fn look_around(&mut self, _image: &Mat) -> Result<()> {
        Ok(())
    }
    /// Everyone found in the frame just estimated, when the estimator looked.
    fn take_people(&mut self) -> Option<Vec<PersonBox>> {
        None
    }
    /// People seen the last time the estimator looked.
    fn people_in_view(&self) -> usize {
        0
    }
    /// How often the estimator had to search the whole frame for the runner.
    fn detector_runs(&self) -> u64 {
        0
    }
}

//! `gaitcue calibrate VIDEO`: the standing pelvic tilt from ASIS/PSIS stickers, the zero
//! that marker-mode tilt is reported against. The runner stands still in profile for a
//! few seconds; every frame with the runner and both stickers gives one angle, and the
//! median is the calibration.

use std::path::Path;

use anyhow::{bail, Result};

use crate::analysis::body::BodyTracker;
use crate::analysis::geometry::quantile;
use crate::analysis::pelvis::{marker_tilt_deg, MarkerFinder, PelvisConfig};
use crate::capture::SourceSpec;
use crate::pose::config::PoseConfig;
use crate::pose::blazepose::BlazePose;
use crate::pose::PoseEstimator;

/// Frames with both stickers needed for a calibration.
const MIN_FRAMES: usize = 10;

#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    pub standing_tilt_deg: f64,
    /// Interquartile range of the per-frame angles, degrees.
    pub spread_deg: f64,
    pub frames: usize,
    pub frames_read: u64,
}

pub fn run(video: &Path, pose: &PoseConfig, pelvis: &PelvisConfig) -> Result<Calibration> {
    pose.validate()?;
    let mut source = SourceSpec::File(video.to_path_buf()).open()?;
    let mut estimator = BlazePose::new(pose)?;
    let mut finder = MarkerFinder::new(pelvis.clone());
    let mut body = BodyTracker::default();
    let mut angles = Vec::new();
    let mut frames_read = 0;
    while let Some(frame) = source.next_frame()? {
        frames_read += 1;
        let Some(p) = estimator.estimate(&frame.image)? else {
            continue;
        };
        let Some(b) = body.update(frame.id, frame.pts_s, &p.keypoints) else {
            continue;
        };
        if let Some((asis, psis)) =
            finder.find(&frame.image, b.hip_centre, pelvis.search_radius * b.leg_length)?
        {
            angles.push(marker_tilt_deg(asis, psis, b.dir));
        }
    }
    if angles.len() < MIN_FRAMES {
        bail!(
            "video '{}': the pelvic stickers were seen in only {} of {frames_read} frames (need {MIN_FRAMES}): check the sticker colours and that the runner stands in profile",
            video.display(),
            angles.len()
        );
    }
    let (q1, median, q3) = (
        quantile(&angles, 0.25),
        quantile(&angles, 0.5),
        quantile(&angles, 0.75),
    );
    Ok(Calibration {
        standing_tilt_deg: median.unwrap_or_default(),
        spread_deg: q3.zip(q1).map(|(a, b)| a - b).unwrap_or_default(),
        frames: angles.len(),
        frames_read,
    })
}

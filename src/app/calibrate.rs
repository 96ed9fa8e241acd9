//! `gaitcue calibrate VIDEO`: the standing pelvic tilt from ASIS/PSIS stickers, the zero
//! that marker-mode tilt is reported against. The runner stands still in profile for a
//! few seconds; every frame with the runner and both stickers gives one angle, and the
//! median is the calibration.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::{bail, Result};
use crossbeam_channel::bounded;

use super::join_stage;
use super::stages::{spawn_pose, Posed};

use crate::analysis::body::BodyTracker;
use crate::analysis::geometry::quantile;
use crate::analysis::pelvis::marker_tilt_deg;
use crate::capture::{self, SourceSpec};
use crate::config::Settings;
use crate::pose::blazepose::BlazePose;
use crate::pose::stickers::MarkerFinder;

/// Frames with both stickers needed for a calibration.
const MIN_FRAMES: usize = 10;
/// Frames in flight between two stages.
const CHANNEL_DEPTH: usize = 4;

#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    pub standing_tilt_deg: f64,
    /// Interquartile range of the per-frame angles, degrees.
    pub spread_deg: f64,
    pub frames: usize,
    pub frames_read: u64,
}

impl std::fmt::Display for Calibration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "standing pelvic tilt: {:.1} deg (ASIS below PSIS positive), spread {:.1} deg (IQR), from {} of {} frames",
            self.standing_tilt_deg, self.spread_deg, self.frames, self.frames_read
        )?;
        writeln!(
            f,
            "use it with: gaitcue analyze VIDEO --markers --standing-tilt {:.1}   (or [analysis.pelvis] standing_tilt_deg = {:.1})",
            self.standing_tilt_deg, self.standing_tilt_deg
        )
    }
}

pub fn run(video: &Path, settings: &Settings) -> Result<Calibration> {
    let (pose, pelvis) = (&settings.pose, &settings.analysis.pelvis);
    let source = SourceSpec::File(video.to_path_buf()).open()?;
    let estimator = BlazePose::new(pose)?;
    let mut finder = MarkerFinder::new(pelvis.asis_colour, pelvis.psis_colour);
    let mut body = BodyTracker::default();
    let mut angles = Vec::new();
    let mut frames_read = 0;
    let stop = Arc::new(AtomicBool::new(false));
    let (frame_tx, frame_rx) = bounded(CHANNEL_DEPTH);
    let (posed_tx, posed_rx) = bounded::<Posed>(CHANNEL_DEPTH);
    let capture = capture::spawn_reader(source, frame_tx, stop.clone())?;
    // Nobody else matters while the runner stands still: no looking around after the start.
    let pose_stage = spawn_pose(estimator, frame_rx, posed_tx, stop.clone(), f64::INFINITY, None)?;
    let mut failure = Ok(());
    for Posed { frame, pose, .. } in posed_rx.iter() {
        frames_read += 1;
        let Some(p) = pose else {
            continue;
        };
        let Some(b) = body.update(frame.id, frame.pts_s, &p.keypoints) else {
            continue;
        };
        match finder.find(&frame.image, b.hip_centre, pelvis.search_radius * b.leg_length) {
            Ok(Some((asis, psis))) => angles.push(marker_tilt_deg(asis, psis, b.dir)),
            Ok(None) => {}
            Err(e) => {
                failure = Err(e);
                stop.store(true, Ordering::Relaxed);
                break;
            }
        }
    }
    drop(posed_rx);
    let captured = join_stage("capture", capture);
    let posed = join_stage("pose", pose_stage);
    failure?;
    captured?;
    posed?;
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

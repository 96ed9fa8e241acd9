//! Drawing a pose into the frame it was computed from (no window involved).
//!
//! Left limbs are drawn in orange, right limbs in blue, heels and toes larger; points the
//! model thinks are hidden are drawn hollow, so the clinician sees what is guessed.

use anyhow::Result;
use opencv::core::{Mat, Point, Scalar, ToInputOutputArray};
use opencv::imgproc;
use opencv::prelude::*;

use crate::analysis::StepRecord;
use crate::pose::keypoints::{is_left, SKELETON};
use crate::pose::Pose;

/// Points at or above this visibility are drawn solid (MediaPipe draws from 0.5).
pub const MIN_SOLID_VISIBILITY: f32 = 0.5;
const LEFT: (f64, f64, f64) = (0.0, 140.0, 255.0); // BGR orange
const RIGHT: (f64, f64, f64) = (255.0, 160.0, 0.0); // BGR blue
const CENTRE: (f64, f64, f64) = (230.0, 230.0, 230.0);
const FOOT_POINTS: [usize; 4] = [29, 30, 31, 32];

fn colour(c: (f64, f64, f64)) -> Scalar {
    Scalar::new(c.0, c.1, c.2, 0.0)
}

fn side_colour(index: usize) -> Scalar {
    match is_left(index) {
        Some(true) => colour(LEFT),
        Some(false) => colour(RIGHT),
        None => colour(CENTRE),
    }
}

/// Line and marker sizes that stay readable from 480p to 4K.
fn scale_for(image: &impl MatTraitConst) -> i32 {
    (image.rows().max(image.cols()) / 640).max(1)
}

/// Draws `pose` onto `image` (8-bit BGR) in place.
pub fn draw_pose(image: &mut Mat, pose: &Pose) -> Result<()> {
    let s = scale_for(image);
    let at = |i: usize| {
        Point::new(
            pose.keypoints[i].x.round() as i32,
            pose.keypoints[i].y.round() as i32,
        )
    };
    for &(a, b) in SKELETON.iter() {
        let seen = pose.keypoints[a].visibility.min(pose.keypoints[b].visibility) >= MIN_SOLID_VISIBILITY;
        let thickness = if seen { 2 * s } else { s };
        imgproc::line(
            image,
            at(a),
            at(b),
            side_colour(b),
            thickness,
            imgproc::LINE_AA,
            0,
        )?;
    }
    for (i, kp) in pose.keypoints.iter().enumerate() {
        let radius = if FOOT_POINTS.contains(&i) { 5 * s } else { 3 * s };
        let fill = if kp.visibility >= MIN_SOLID_VISIBILITY {
            imgproc::FILLED
        } else {
            s
        };
        imgproc::circle(image, at(i), radius, side_colour(i), fill, imgproc::LINE_AA, 0)?;
    }
    Ok(())
}

/// Writes one line of status text at the top left, on a dark band for contrast.
pub fn draw_status(image: &mut (impl ToInputOutputArray + MatTraitConst), text: &str) -> Result<()> {
    let s = scale_for(image);
    let scale = 0.6 * s as f64;
    let mut baseline = 0;
    let size = imgproc::get_text_size(text, imgproc::FONT_HERSHEY_SIMPLEX, scale, s, &mut baseline)?;
    let band = opencv::core::Rect::new(0, 0, size.width + 16 * s, size.height + baseline + 12 * s);
    imgproc::rectangle(
        image,
        band,
        Scalar::new(0.0, 0.0, 0.0, 0.0),
        imgproc::FILLED,
        imgproc::LINE_8,
        0,
    )?;
    imgproc::put_text(
        image,
        text,
        Point::new(8 * s, size.height + 6 * s),
        imgproc::FONT_HERSHEY_SIMPLEX,
        scale,
        Scalar::all(255.0),
        s,
        imgproc::LINE_AA,
        false,
    )?;
    Ok(())
}

/// The clinician's one-line summary: time, last step, its overstride and cadence, and
/// whether the step counted (passed the gait-validity gate).
pub fn status_line(t: f64, last: Option<&StepRecord>) -> String {
    let mut text = format!("t {t:6.2} s");
    if let Some(s) = last {
        text += &format!("  step {} ({})", s.step, s.side.name());
        if let Some(c) = s.cadence_spm {
            text += &format!("  cadence {c:.0} spm");
        }
        match s.overstride_ratio {
            Some(o) => text += &format!("  overstride {:.0}% leg", o * 100.0),
            None => text += "  overstride unknown",
        }
        if !s.valid {
            text += "  (not counted)";
        }
    }
    text
}

/// The cue as a large banner across the top of the frame (under the status line), readable
/// from the treadmill and never over the feet.
pub fn draw_cue(image: &mut (impl ToInputOutputArray + MatTraitConst), cue: &str) -> Result<()> {
    let s = scale_for(image);
    let font_scale = 1.4 * s as f64;
    let thickness = 3 * s;
    let mut baseline = 0;
    let size = imgproc::get_text_size(
        cue,
        imgproc::FONT_HERSHEY_DUPLEX,
        font_scale,
        thickness,
        &mut baseline,
    )?;
    let band_h = size.height + baseline + 24 * s;
    // Across the top, under the status line: never over the feet and belt the cue is about.
    let mut status_base = 0;
    let status = imgproc::get_text_size(
        "Ag",
        imgproc::FONT_HERSHEY_SIMPLEX,
        0.6 * s as f64,
        s,
        &mut status_base,
    )?;
    let top = (status.height + status_base + 12 * s).min((image.rows() - band_h).max(0));
    let band = opencv::core::Rect::new(0, top, image.cols(), band_h);
    imgproc::rectangle(
        image,
        band,
        Scalar::new(0.0, 90.0, 230.0, 0.0),
        imgproc::FILLED,
        imgproc::LINE_8,
        0,
    )?;
    let x = ((image.cols() - size.width) / 2).max(8);
    imgproc::put_text(
        image,
        cue,
        Point::new(x, top + 12 * s + size.height),
        imgproc::FONT_HERSHEY_DUPLEX,
        font_scale,
        Scalar::all(255.0),
        thickness,
        imgproc::LINE_AA,
        false,
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pose::{Keypoint, Roi};
    use opencv::core::{Vec3b, CV_8UC3};

    #[test]
    fn the_cue_is_drawn_at_the_top_and_leaves_the_feet_alone() -> Result<()> {
        for (w, h) in [(1280, 720), (720, 1280)] {
            let mut image = Mat::new_rows_cols_with_default(h, w, CV_8UC3, Scalar::all(0.0))?;
            draw_cue(&mut image, "Land under your hips")?;
            let rows_drawn: Vec<i32> = (0..h)
                .filter(|y| (0..w).any(|x| *image.at_2d::<Vec3b>(*y, x).unwrap() != Vec3b::all(0)))
                .collect();
            let (first, last) = (rows_drawn[0], *rows_drawn.last().unwrap());
            assert!(
                first < h / 10 && last < h * 3 / 10,
                "{w}x{h}: cue drawn on rows {first}..{last}"
            );
        }
        Ok(())
    }

    #[test]
    fn pose_is_drawn_where_its_points_are_and_nowhere_else() -> Result<()> {
        let mut image = Mat::new_rows_cols_with_default(480, 640, CV_8UC3, Scalar::all(0.0))?;
        let mut keypoints = [Keypoint::default(); 33];
        for (i, kp) in keypoints.iter_mut().enumerate() {
            *kp = Keypoint {
                x: 100.0 + 10.0 * (i % 4) as f32,
                y: 100.0 + 8.0 * i as f32,
                z: 0.0,
                visibility: 0.9,
                presence: 0.9,
            };
        }
        let pose = Pose {
            keypoints,
            presence: 0.9,
            roi: Roi::letterbox(640, 480),
            track: 1,
        };
        draw_pose(&mut image, &pose)?;
        let left_heel = *image.at_2d::<Vec3b>(pose.keypoints[29].y as i32, pose.keypoints[29].x as i32)?;
        assert_eq!(left_heel, Vec3b::from([0, 140, 255]));
        let far = *image.at_2d::<Vec3b>(450, 600)?;
        assert_eq!(far, Vec3b::from([0, 0, 0]));
        Ok(())
    }
}

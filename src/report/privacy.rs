//! Faces blurred in everything exported (stills, clips), found from the face keypoints.

use anyhow::Result;
use opencv::core::{Mat, Rect, Size};
use opencv::imgproc;
use opencv::prelude::*;

use crate::pose::Keypoint;

/// Face keypoints: nose, eyes, ears, mouth (BlazePose 0..=10).
const FACE: std::ops::RangeInclusive<usize> = 0..=10;
/// The blurred box is this much larger than the face points' extent (hair, chin).
const MARGIN: f64 = 0.9;

/// The head region of a pose, in image pixels, clipped to the image.
pub fn head_box(keypoints: &[Keypoint], width: i32, height: i32) -> Option<Rect> {
    let pts: Vec<(f64, f64)> = keypoints[FACE].iter().map(|k| (k.x as f64, k.y as f64)).collect();
    let (x0, x1) = pts
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.0), b.max(p.0)));
    let (y0, y1) = pts
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.1), b.max(p.1)));
    // A side view squeezes the face points together: size the box by the larger extent.
    let side = (x1 - x0).max(y1 - y0).max(8.0) * (1.0 + 2.0 * MARGIN);
    let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
    let left = ((cx - side / 2.0).floor() as i32).clamp(0, width);
    let top = ((cy - side / 2.0).floor() as i32).clamp(0, height);
    let right = ((cx + side / 2.0).ceil() as i32).clamp(0, width);
    let bottom = ((cy + side / 2.0).ceil() as i32).clamp(0, height);
    (right - left >= 2 && bottom - top >= 2).then(|| Rect::new(left, top, right - left, bottom - top))
}

/// Blurs the head region of `image` in place; the rest of the frame is untouched.
pub fn blur_face(image: &mut Mat, keypoints: &[Keypoint]) -> Result<()> {
    let Some(r) = head_box(keypoints, image.cols(), image.rows()) else {
        return Ok(());
    };
    let region = Mat::roi(image, r)?.try_clone()?;
    let mut blurred = Mat::default();
    // A kernel as large as the box, applied twice: identity is gone, the outline remains.
    let k = (r.width.min(r.height) | 1).max(3);
    let sigma = k as f64 / 3.0;
    let mut once = Mat::default();
    imgproc::gaussian_blur(
        &region,
        &mut once,
        Size::new(k, k),
        sigma,
        sigma,
        opencv::core::BORDER_REPLICATE,
    )?;
    imgproc::gaussian_blur(
        &once,
        &mut blurred,
        Size::new(k, k),
        sigma,
        sigma,
        opencv::core::BORDER_REPLICATE,
    )?;
    let mut target = Mat::roi_mut(image, r)?;
    blurred.copy_to(&mut target)?;
    Ok(())
}

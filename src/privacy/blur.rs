//! Blurring a region of a frame so that no face survives it.

use anyhow::Result;
use opencv::core::{Mat, Rect, Size};
use opencv::imgproc;
use opencv::prelude::*;

use crate::pose::Keypoint;

use super::regions::head_box;

/// A blurred region is reduced to this many cells across its longer side before it is
/// smoothed and scaled back: the cost no longer grows with the box, and no face survives.
const BLUR_CELLS: i32 = 10;

/// Blurs the head region of `image` in place; the rest of the frame is untouched.
pub fn blur_face(image: &mut Mat, keypoints: &[Keypoint]) -> Result<()> {
    match head_box(keypoints, image.cols(), image.rows()) {
        Some(r) => blur_rect(image, r),
        None => Ok(()),
    }
}

/// Replaces `r` with a smooth blob of its own colours: reduced to [`BLUR_CELLS`] across,
/// smoothed, and scaled back, so the cost hardly depends on the box's size.
pub fn blur_rect(image: &mut Mat, r: Rect) -> Result<()> {
    if r.width < 2 || r.height < 2 {
        return Ok(());
    }
    let region = Mat::roi(image, r)?;
    let long = r.width.max(r.height) as f64;
    let cells = Size::new(
        ((r.width as f64 * BLUR_CELLS as f64 / long).round() as i32).max(2),
        ((r.height as f64 * BLUR_CELLS as f64 / long).round() as i32).max(2),
    );
    let mut small = Mat::default();
    imgproc::resize(&region, &mut small, cells, 0.0, 0.0, imgproc::INTER_AREA)?;
    let mut smooth = Mat::default();
    imgproc::gaussian_blur(
        &small,
        &mut smooth,
        Size::new(3, 3),
        0.0,
        0.0,
        opencv::core::BORDER_REPLICATE,
    )?;
    let mut back = Mat::default();
    imgproc::resize(&smooth, &mut back, r.size(), 0.0, 0.0, imgproc::INTER_LINEAR)?;
    let mut target = Mat::roi_mut(image, r)?;
    back.copy_to(&mut target)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use opencv::core::{Scalar, CV_8UC3};

    /// A striped test card: fine detail that a blur must remove.
    fn stripes(w: i32, h: i32) -> Mat {
        let mut m = Mat::new_rows_cols_with_default(h, w, CV_8UC3, Scalar::all(0.0)).unwrap();
        for y in 0..h {
            for x in (0..w).step_by(4) {
                *m.at_2d_mut::<opencv::core::Vec3b>(y, x).unwrap() = [255, 255, 255].into();
            }
        }
        m
    }

    /// Largest difference between horizontally adjacent pixels inside `r`.
    fn detail(m: &Mat, r: Rect) -> i32 {
        let mut worst = 0;
        for y in r.y..r.y + r.height {
            for x in r.x..r.x + r.width - 1 {
                let a = m.at_2d::<opencv::core::Vec3b>(y, x).unwrap()[0] as i32;
                let b = m.at_2d::<opencv::core::Vec3b>(y, x + 1).unwrap()[0] as i32;
                worst = worst.max((a - b).abs());
            }
        }
        worst
    }

    #[test]
    fn blurring_removes_detail_inside_the_box_only() {
        for side in [12, 60, 400] {
            let mut m = stripes(600, 500);
            let r = Rect::new(50, 40, side, side);
            blur_rect(&mut m, r).unwrap();
            assert!(detail(&m, r) < 80, "box {side}: detail {} left", detail(&m, r));
            let outside = Rect::new(480, 440, 100, 40);
            assert_eq!(detail(&m, outside), 255, "pixels outside the box changed");
        }
    }
}

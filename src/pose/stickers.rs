//! Two coloured stickers on the pelvis (ASIS in front, PSIS behind), found in the frame
//! near the hip keypoints: the largest blob of each colour in a window, its centroid to a
//! fraction of a pixel. `analysis::pelvis` turns them into a tilt.

use anyhow::{Context, Result};
use opencv::core::{self, Mat, Rect, Scalar};
use opencv::imgproc;
use opencv::prelude::*;
use serde::{Deserialize, Serialize};

/// An image point, pixels.
pub type Point = (f64, f64);

/// An HSV colour range in OpenCV units (H 0–180, S and V 0–255).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HsvRange {
    pub low: [f64; 3],
    pub high: [f64; 3],
}

/// Pixels a sticker must cover to count (a 5 mm dot at 2 m is ~6 px on a 720p camera).
const MIN_STICKER_PX: i32 = 6;

/// Finds the two stickers near `hip` (image pixels) within `radius` pixels.
pub struct MarkerFinder {
    asis: HsvRange,
    psis: HsvRange,
    hsv: Mat,
    mask: Mat,
}

impl MarkerFinder {
    /// `asis`, `psis`: the two stickers' colours.
    pub fn new(asis: HsvRange, psis: HsvRange) -> Self {
        Self {
            asis,
            psis,
            hsv: Mat::default(),
            mask: Mat::default(),
        }
    }

    /// Centroids of the ASIS and PSIS stickers, or `None` when either is not seen.
    pub fn find(&mut self, image: &Mat, hip: Point, radius: f64) -> Result<Option<(Point, Point)>> {
        let (w, h) = (image.cols(), image.rows());
        let r = radius.max(4.0);
        let x0 = ((hip.0 - r).floor() as i32).clamp(0, w);
        let y0 = ((hip.1 - r).floor() as i32).clamp(0, h);
        let x1 = ((hip.0 + r).ceil() as i32).clamp(0, w);
        let y1 = ((hip.1 + r).ceil() as i32).clamp(0, h);
        if x1 - x0 < 2 || y1 - y0 < 2 {
            return Ok(None);
        }
        let window =
            Mat::roi(image, Rect::new(x0, y0, x1 - x0, y1 - y0)).context("cutting the marker window")?;
        imgproc::cvt_color_def(&window, &mut self.hsv, imgproc::COLOR_BGR2HSV)
            .context("converting to HSV")?;
        let mut centroid = |range: HsvRange| -> Result<Option<Point>> {
            let lo = Scalar::new(range.low[0], range.low[1], range.low[2], 0.0);
            let hi = Scalar::new(range.high[0], range.high[1], range.high[2], 0.0);
            core::in_range(&self.hsv, &lo, &hi, &mut self.mask)?;
            let (mut labels, mut stats, mut centroids) = (Mat::default(), Mat::default(), Mat::default());
            let n = imgproc::connected_components_with_stats(
                &self.mask,
                &mut labels,
                &mut stats,
                &mut centroids,
                8,
                core::CV_32S,
            )?;
            // The largest blob of the colour is the sticker; a few pixels are noise.
            let mut best: Option<(i32, i32)> = None;
            for label in 1..n {
                let area = *stats.at_2d::<i32>(label, imgproc::CC_STAT_AREA)?;
                if area >= MIN_STICKER_PX && best.is_none_or(|(_, a)| area > a) {
                    best = Some((label, area));
                }
            }
            let Some((label, _)) = best else {
                return Ok(None);
            };
            let (cx, cy) = (
                *centroids.at_2d::<f64>(label, 0)?,
                *centroids.at_2d::<f64>(label, 1)?,
            );
            Ok(Some((x0 as f64 + cx, y0 as f64 + cy)))
        };
        let asis = centroid(self.asis)?;
        let psis = centroid(self.psis)?;
        Ok(asis.zip(psis))
    }
}

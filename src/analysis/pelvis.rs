//! Anterior pelvic tilt, honestly. Hip keypoints are joint centres and say nothing about
//! the pelvis' tilt: tilt is measured only from two coloured stickers on the ASIS (front)
//! and PSIS (back), found near the hip keypoints; tilt = the ASIS–PSIS line against
//! horizontal, positive when the ASIS is lower (anterior), reported as the change from a
//! standing calibration. Bone shape alone varies the absolute angle by 0–23° [Preece
//! 2008], hence the calibration. Without stickers the tilt is unknown.
//!
//! The thigh's angle behind vertical at toe-off is *not* a stand-in for it: that angle is
//! hip extension **plus** anterior tilt (tipping the pelvis forward over a fixed thigh flexes
//! the hip), and it follows belt speed. Runners short of hip extension reach the same thigh
//! angle with more anterior tilt [Schache 2000], which the thigh angle cannot show. The
//! thigh angle is reported as what it is (`thigh_extension_to_deg`) and feeds the "Run
//! long" cue only together with overstride (`cues`).

use std::collections::HashMap;

use anyhow::{bail, Context, Result};
use opencv::core::{self, Mat, Point as CvPoint, Rect, Scalar};
use opencv::imgproc;
use opencv::prelude::*;
use serde::{Deserialize, Serialize};

use super::geometry::{median, Point};

pub const SOURCE_MARKERS: &str = "markers (change from standing calibration)";

/// An HSV colour range in OpenCV units (H 0–180, S and V 0–255).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HsvRange {
    pub low: [f64; 3],
    pub high: [f64; 3],
}

/// `[pelvis]` in the configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PelvisConfig {
    /// Look for ASIS/PSIS stickers in the video.
    pub markers: bool,
    /// Sticker colours: fluorescent magenta on the ASIS, cyan on the PSIS by default —
    /// colours rare on skin, clothing, treadmills and grass.
    pub asis_colour: HsvRange,
    pub psis_colour: HsvRange,
    /// Search window around the hip keypoints, as a share of leg length.
    pub search_radius: f64,
    /// Tilt measured standing (from `gaitcue calibrate`), degrees; subtracted from every value.
    pub standing_tilt_deg: Option<f64>,
}

impl PelvisConfig {
    pub fn validate(&self) -> Result<()> {
        for (name, c) in [
            ("asis_colour", &self.asis_colour),
            ("psis_colour", &self.psis_colour),
        ] {
            let limits = [180.0, 255.0, 255.0];
            let ok = (0..3).all(|i| {
                (0.0..=limits[i]).contains(&c.low[i])
                    && (0.0..=limits[i]).contains(&c.high[i])
                    && c.low[i] <= c.high[i]
            });
            if !ok {
                bail!("pelvis.{name} must have low <= high, hue 0-180, saturation and value 0-255");
            }
        }
        if !(0.05..=2.0).contains(&self.search_radius) {
            bail!(
                "pelvis.search_radius = {} must be between 0.05 and 2 leg lengths",
                self.search_radius
            );
        }
        if let Some(t) = self.standing_tilt_deg.filter(|t| !(-45.0..=45.0).contains(t)) {
            bail!("pelvis.standing_tilt_deg = {t} must be between -45 and 45 degrees");
        }
        Ok(())
    }
}

impl Default for PelvisConfig {
    fn default() -> Self {
        Self {
            markers: false,
            asis_colour: HsvRange {
                low: [140.0, 150.0, 120.0],
                high: [170.0, 255.0, 255.0],
            },
            psis_colour: HsvRange {
                low: [85.0, 150.0, 120.0],
                high: [100.0, 255.0, 255.0],
            },
            search_radius: 0.35,
            standing_tilt_deg: None,
        }
    }
}

/// Tilt of the ASIS–PSIS line from horizontal, degrees, positive when the ASIS (front) is
/// lower than the PSIS; `dir` is the running direction.
pub fn marker_tilt_deg(asis: Point, psis: Point, dir: f64) -> f64 {
    (asis.1 - psis.1).atan2((asis.0 - psis.0) * dir).to_degrees()
}

/// Pixels a sticker must cover to count (a 5 mm dot at 2 m is ~6 px on a 720p camera).
const MIN_STICKER_PX: i32 = 6;

/// Finds the two stickers near `hip` (image pixels) within `radius` pixels.
pub struct MarkerFinder {
    config: PelvisConfig,
    hsv: Mat,
    mask: Mat,
}

impl MarkerFinder {
    pub fn new(config: PelvisConfig) -> Self {
        Self {
            config,
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
        let asis = centroid(self.config.asis_colour)?;
        let psis = centroid(self.config.psis_colour)?;
        Ok(asis.zip(psis))
    }
}

/// Per-frame marker tilt (already calibrated) waiting for the steps that span it.
#[derive(Debug, Default)]
pub struct TiltLog {
    by_frame: HashMap<u64, f64>,
}

impl TiltLog {
    pub fn record(&mut self, frame: u64, tilt_deg: f64) {
        self.by_frame.insert(frame, tilt_deg);
    }

    /// Median tilt over frames `first..=last`, forgetting frames before `first`.
    pub fn take_median(&mut self, first: u64, last: u64) -> Option<f64> {
        let values: Vec<f64> = (first..=last)
            .filter_map(|f| self.by_frame.get(&f).copied())
            .collect();
        self.by_frame.retain(|f, _| *f >= first);
        median(&values)
    }
}

/// Sticker colours (BGR) matching the default ranges: fluorescent magenta and cyan.
pub const ASIS_BGR: [f64; 3] = [200.0, 0.0, 255.0];
pub const PSIS_BGR: [f64; 3] = [255.0, 220.0, 0.0];

/// Draws a round sticker, for tests and calibration targets.
pub fn draw_sticker(image: &mut Mat, at: Point, radius: i32, bgr: [f64; 3]) -> Result<()> {
    imgproc::circle(
        image,
        CvPoint::new(at.0.round() as i32, at.1.round() as i32),
        radius,
        Scalar::new(bgr[0], bgr[1], bgr[2], 0.0),
        imgproc::FILLED,
        imgproc::LINE_8,
        0,
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use opencv::core::CV_8UC3;

    #[test]
    fn marker_tilt_is_signed_by_running_direction() {
        // Facing right: ASIS ahead (right) and 10 px lower than the PSIS, 100 px apart.
        let a = marker_tilt_deg((200.0, 110.0), (100.0, 100.0), 1.0);
        assert!((a - 5.71).abs() < 0.01);
        let b = marker_tilt_deg((0.0, 110.0), (100.0, 100.0), -1.0);
        assert!((a - b).abs() < 1e-9);
    }

    #[test]
    fn stickers_are_found_at_their_centres() -> Result<()> {
        let mut image = Mat::new_rows_cols_with_default(200, 300, CV_8UC3, Scalar::all(90.0))?;
        draw_sticker(&mut image, (170.0, 104.0), 5, ASIS_BGR)?;
        draw_sticker(&mut image, (120.0, 96.0), 5, PSIS_BGR)?;
        draw_sticker(&mut image, (150.0, 130.0), 1, ASIS_BGR)?; // a speck of the same colour
        let mut finder = MarkerFinder::new(PelvisConfig::default());
        let (asis, psis) = finder.find(&image, (145.0, 100.0), 60.0)?.expect("both stickers");
        assert!((asis.0 - 170.0).abs() < 0.5 && (asis.1 - 104.0).abs() < 0.5);
        assert!((psis.0 - 120.0).abs() < 0.5 && (psis.1 - 96.0).abs() < 0.5);
        // Outside the search window they are not found.
        assert!(finder.find(&image, (20.0, 20.0), 30.0)?.is_none());
        Ok(())
    }
}

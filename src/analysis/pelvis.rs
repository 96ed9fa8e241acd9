//! Anterior pelvic tilt, honestly. Hip keypoints are joint centres and say nothing about
//! the pelvis' tilt: tilt is measured only from two coloured stickers on the ASIS (front)
//! and PSIS (back), found near the hip keypoints (`pose::stickers`); tilt = the ASIS–PSIS line against
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

use anyhow::{bail, Result};
use serde::{Deserialize, Serialize};

use super::geometry::{median, Point};
use crate::pose::stickers::HsvRange;

pub const SOURCE_MARKERS: &str = "markers (change from standing calibration)";

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marker_tilt_is_signed_by_running_direction() {
        // Facing right: ASIS ahead (right) and 10 px lower than the PSIS, 100 px apart.
        let a = marker_tilt_deg((200.0, 110.0), (100.0, 100.0), 1.0);
        assert!((a - 5.71).abs() < 0.01);
        let b = marker_tilt_deg((0.0, 110.0), (100.0, 100.0), -1.0);
        assert!((a - b).abs() < 1e-9);
    }
}

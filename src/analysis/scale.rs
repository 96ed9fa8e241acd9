//! Turning pixels into metres: from the treadmill belt speed (the stance foot moves with
//! the belt) or, failing that, from the runner's height.

use std::str::FromStr;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use super::geometry::median;

/// Hip-to-ankle segment length (thigh 0.245 H + shank 0.246 H) as a share of body height,
/// from Winter's anthropometric table (Biomechanics and Motor Control of Human Movement).
pub const LEG_LENGTH_PER_HEIGHT: f64 = 0.491;

/// A belt speed as typed on the treadmill console: "10 km/h", "6.2 mph" or "2.8 m/s".
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BeltSpeed {
    pub metres_per_second: f64,
    text_unit: SpeedUnit,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum SpeedUnit {
    Kmh,
    Mph,
    Ms,
}

impl FromStr for BeltSpeed {
    type Err = anyhow::Error;

    fn from_str(s: &str) -> Result<Self> {
        let t = s.trim().to_ascii_lowercase().replace(' ', "");
        let (number, unit, factor) = if let Some(n) = t.strip_suffix("km/h").or_else(|| t.strip_suffix("kmh"))
        {
            (n, SpeedUnit::Kmh, 1.0 / 3.6)
        } else if let Some(n) = t.strip_suffix("mph") {
            (n, SpeedUnit::Mph, 0.44704)
        } else if let Some(n) = t.strip_suffix("m/s") {
            (n, SpeedUnit::Ms, 1.0)
        } else {
            bail!("belt speed '{s}' needs a unit: km/h, mph or m/s (e.g. \"10 km/h\")");
        };
        let value: f64 = number
            .parse()
            .with_context(|| format!("belt speed '{s}' is not a number with a unit, e.g. \"10 km/h\""))?;
        if !(value > 0.0 && value * factor < 12.0) {
            bail!("belt speed '{s}' is outside 0-43 km/h");
        }
        Ok(Self {
            metres_per_second: value * factor,
            text_unit: unit,
        })
    }
}

impl TryFrom<String> for BeltSpeed {
    type Error = anyhow::Error;
    fn try_from(s: String) -> Result<Self> {
        s.parse()
    }
}

impl From<BeltSpeed> for String {
    fn from(b: BeltSpeed) -> String {
        match b.text_unit {
            SpeedUnit::Kmh => format!("{:.2} km/h", b.metres_per_second * 3.6),
            SpeedUnit::Mph => format!("{:.2} mph", b.metres_per_second / 0.44704),
            SpeedUnit::Ms => format!("{:.3} m/s", b.metres_per_second),
        }
    }
}

/// Collects stance-foot speeds and answers metres per pixel. The camera does not move when
/// the belt changes speed, so every stance on a belt of known speed gives the same scale,
/// and all of them are pooled (the analysis leaves out the seconds after a change, while
/// the belt is still speeding up).
#[derive(Debug, Default)]
pub struct ScaleEstimator {
    runner_height_m: Option<f64>,
    /// Metres per pixel from each counted stance.
    samples: Vec<f64>,
}

/// Stance phases needed before the belt-based scale is trusted.
const MIN_STANCES: usize = 4;

impl ScaleEstimator {
    pub fn new(runner_height_m: Option<f64>) -> Self {
        Self {
            runner_height_m,
            samples: Vec::new(),
        }
    }

    /// Records one stance: the speed in the image (pixels per second) of the foot resting
    /// on a belt running at `belt`.
    pub fn add_stance(&mut self, px_s: f64, belt: BeltSpeed) {
        if px_s.is_finite() && px_s > 0.0 {
            self.samples.push(belt.metres_per_second / px_s);
        }
    }

    /// Metres per pixel and where it came from, or `None` when unknown.
    pub fn metres_per_px(&self, leg_length_px: f64) -> Option<(f64, &'static str)> {
        if self.samples.len() >= MIN_STANCES {
            return median(&self.samples).map(|m| (m, "belt speed"));
        }
        let height = self.runner_height_m?;
        (leg_length_px > 0.0).then(|| (LEG_LENGTH_PER_HEIGHT * height / leg_length_px, "runner height"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn belt_speed_units() {
        let kmh: BeltSpeed = "10 km/h".parse().unwrap();
        assert!((kmh.metres_per_second - 2.7778).abs() < 1e-4);
        let mph: BeltSpeed = "6.2mph".parse().unwrap();
        assert!((mph.metres_per_second - 2.7716).abs() < 1e-4);
        assert!("10".parse::<BeltSpeed>().is_err());
        assert!("fast km/h".parse::<BeltSpeed>().is_err());
        assert!("-3 m/s".parse::<BeltSpeed>().is_err());
        assert_eq!(String::from(kmh), "10.00 km/h");
    }

    #[test]
    fn belt_scale_from_stance_speed_and_height_fallback() {
        let belt: BeltSpeed = "3.6 km/h".parse().unwrap();
        let mut s = ScaleEstimator::new(Some(1.8));
        // Until enough stances are seen the height gives the scale.
        let (m, source) = s.metres_per_px(400.0).unwrap();
        assert_eq!(source, "runner height");
        assert!((m - 0.491 * 1.8 / 400.0).abs() < 1e-12);
        for _ in 0..4 {
            s.add_stance(800.0, belt); // 800 px/s on a 1 m/s belt
        }
        let (m, source) = s.metres_per_px(400.0).unwrap();
        assert_eq!(source, "belt speed");
        assert!((m - 1.0 / 800.0).abs() < 1e-12);
        // A faster belt moves the foot faster in the picture; the scale holds.
        for _ in 0..5 {
            s.add_stance(1600.0, "7.2 km/h".parse().unwrap());
        }
        assert!((s.metres_per_px(400.0).unwrap().0 - 1.0 / 800.0).abs() < 1e-12);
        assert!(ScaleEstimator::new(None).metres_per_px(400.0).is_none());
    }
}

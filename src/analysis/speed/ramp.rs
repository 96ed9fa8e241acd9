//! The speed-ramp test: stages rising from a share of the runner's easy pace.

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use super::schedule::{SpeedSchedule, SpeedStage};
use crate::analysis::scale::BeltSpeed;

/// `[analysis.ramp]`: the speed-ramp test (`--protocol ramp --easy-pace 10km/h`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RampConfig {
    /// The first stage as a share of the runner's easy pace.
    pub start_share: f64,
    /// Each stage this much faster than the one before (0.10: +10 %).
    pub step_share: f64,
    pub stages: usize,
    /// Length of each stage, seconds (its last `analysis.stages.analysed_s` are summarised).
    pub stage_s: f64,
}

impl Default for RampConfig {
    fn default() -> Self {
        Self {
            start_share: 0.8,
            step_share: 0.10,
            stages: 5,
            stage_s: 90.0,
        }
    }
}

impl RampConfig {
    pub fn validate(&self) -> Result<()> {
        if !(0.3..=1.5).contains(&self.start_share) || !(0.02..=0.5).contains(&self.step_share) {
            bail!(
                "analysis.ramp: start_share ({}) must be 0.3-1.5 and step_share ({}) 0.02-0.5",
                self.start_share,
                self.step_share
            );
        }
        if !(2..=20).contains(&self.stages) || !(30.0..=600.0).contains(&self.stage_s) {
            bail!(
                "analysis.ramp: stages ({}) must be 2-20 and stage_s ({}) 30-600 seconds",
                self.stages,
                self.stage_s
            );
        }
        Ok(())
    }

    /// The stages for a runner whose easy pace is `easy`, each rounded to the 0.1 km/h a
    /// treadmill console can be set to.
    pub fn schedule(&self, easy: BeltSpeed) -> Result<SpeedSchedule> {
        let easy_kmh = easy.metres_per_second * 3.6;
        let stages = (0..self.stages)
            .map(|k| {
                let kmh = easy_kmh * self.start_share * (1.0 + self.step_share).powi(k as i32);
                let speed: BeltSpeed = format!("{kmh:.1} km/h").parse().with_context(|| {
                    format!(
                        "the ramp's stage {} from an easy pace of {easy_kmh:.1} km/h",
                        k + 1
                    )
                })?;
                Ok(SpeedStage {
                    from_s: k as f64 * self.stage_s,
                    speed: Some(speed),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(SpeedSchedule { stages })
    }

    /// How long the whole ramp lasts, seconds.
    pub fn duration_s(&self) -> f64 {
        self.stages as f64 * self.stage_s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ramp_starts_at_four_fifths_of_easy_pace_and_rises_a_tenth_a_stage() {
        let s = RampConfig::default()
            .schedule("10 km/h".parse().unwrap())
            .unwrap();
        let kmh: Vec<f64> = s
            .stages()
            .iter()
            .map(|st| st.speed.unwrap().metres_per_second * 3.6)
            .collect();
        let expected = [8.0, 8.8, 9.7, 10.6, 11.7];
        assert!(
            kmh.iter().zip(expected).all(|(a, b)| (a - b).abs() < 1e-9),
            "{kmh:?}"
        );
        assert_eq!(s.stages()[4].from_s, 360.0);
        // A pace the belt cannot run is refused, not dropped.
        assert!(RampConfig::default()
            .schedule("40 km/h".parse().unwrap())
            .is_err());
    }
}

//! The analysis stage's settings (`[analysis]` in the configuration), checked once.

use anyhow::{bail, Result};
use serde::{Deserialize, Serialize};

use super::cues::CueConfig;
use super::pelvis::PelvisConfig;
use super::scale::BeltSpeed;
use super::speed::{RampConfig, SpeedSchedule};

/// `[analysis]` in the configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AnalysisConfig {
    /// Below this visibility a leg's metrics are unknown rather than guessed.
    pub min_visibility: f64,
    /// How far back (leg lengths) a heel or toe must travel from a peak to confirm an event.
    pub event_delta: f64,
    /// Heel positions this close to the forward-most one (leg lengths) are still "before
    /// contact": about twice the keypoint noise.
    pub contact_plateau: f64,
    /// No two contacts of one foot closer than this, seconds (240 steps/min running).
    pub min_stride_s: f64,
    /// Treadmill belt speed, e.g. "10 km/h": gives step length and the pixel scale.
    pub belt_speed: Option<BeltSpeed>,
    /// Belt speed by stage, e.g. "0:8,60:9,120:10" (seconds:km/h), instead of `belt_speed`.
    pub speed_schedule: Option<SpeedSchedule>,
    /// How each speed stage is summarised.
    pub stages: StageConfig,
    /// The speed-ramp test's stages.
    pub ramp: RampConfig,
    /// Runner height in cm: a pixel scale when no belt speed is given.
    pub runner_height_cm: Option<f64>,
    pub cues: CueConfig,
    pub pelvis: PelvisConfig,
}

impl Default for AnalysisConfig {
    fn default() -> Self {
        Self {
            min_visibility: 0.5,
            event_delta: 0.05,
            contact_plateau: 0.02,
            min_stride_s: 0.45,
            belt_speed: None,
            speed_schedule: None,
            stages: StageConfig::default(),
            ramp: RampConfig::default(),
            runner_height_cm: None,
            cues: CueConfig::default(),
            pelvis: PelvisConfig::default(),
        }
    }
}

/// `[analysis.stages]`: which part of each speed stage its numbers come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StageConfig {
    /// Each stage is summarised over its last this many seconds...
    pub analysed_s: f64,
    /// ...never over its first this many (the runner adapting to the new speed).
    pub settle_s: f64,
    /// Valid steps per side a stage needs before its numbers are given.
    pub min_steps_per_side: usize,
}

impl Default for StageConfig {
    fn default() -> Self {
        Self {
            analysed_s: 60.0,
            settle_s: 10.0,
            min_steps_per_side: 30,
        }
    }
}

impl AnalysisConfig {
    /// The belt's speed over the session, if it was given (one speed is one stage).
    pub fn schedule(&self) -> Option<SpeedSchedule> {
        self.speed_schedule
            .clone()
            .or_else(|| self.belt_speed.map(SpeedSchedule::constant))
    }

    pub fn validate(&self) -> Result<()> {
        if self.belt_speed.is_some() && self.speed_schedule.is_some() {
            bail!("give the belt speed once: either belt_speed (--belt-speed) or speed_schedule (--speed-schedule), not both");
        }
        self.ramp.validate()?;
        let st = &self.stages;
        if !(st.analysed_s >= 5.0 && st.analysed_s <= 3600.0 && st.settle_s >= 0.0 && st.settle_s <= 600.0) {
            bail!(
                "analysis.stages: analysed_s ({}) must be 5-3600 s and settle_s ({}) 0-600 s",
                st.analysed_s,
                st.settle_s
            );
        }
        if !(1..=1000).contains(&st.min_steps_per_side) {
            bail!(
                "analysis.stages.min_steps_per_side = {} must be between 1 and 1000",
                st.min_steps_per_side
            );
        }
        if !(0.0..=1.0).contains(&self.min_visibility) {
            bail!(
                "analysis.min_visibility = {} must be between 0 and 1",
                self.min_visibility
            );
        }
        if !(0.005..=0.5).contains(&self.event_delta) {
            bail!(
                "analysis.event_delta = {} must be between 0.005 and 0.5 leg lengths",
                self.event_delta
            );
        }
        if !(0.0..=0.2).contains(&self.contact_plateau) {
            bail!(
                "analysis.contact_plateau = {} must be between 0 and 0.2 leg lengths",
                self.contact_plateau
            );
        }
        if !(0.2..=2.0).contains(&self.min_stride_s) {
            bail!(
                "analysis.min_stride_s = {} must be between 0.2 and 2 seconds",
                self.min_stride_s
            );
        }
        if let Some(h) = self.runner_height_cm {
            if !(80.0..=250.0).contains(&h) {
                bail!("runner height {h} cm must be between 80 and 250 cm");
            }
        }
        self.cues.validate()?;
        self.pelvis.validate()
    }
}

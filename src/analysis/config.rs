//! The analysis stage's settings (`[analysis]` in the configuration), checked once.

use anyhow::{bail, Result};
use serde::{Deserialize, Serialize};

use super::cues::CueConfig;
use super::pelvis::PelvisConfig;
use super::scale::BeltSpeed;

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
            runner_height_cm: None,
            cues: CueConfig::default(),
            pelvis: PelvisConfig::default(),
        }
    }
}

impl AnalysisConfig {
    pub fn validate(&self) -> Result<()> {
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

//! One step as the analysis reports it: a row of `steps.csv`, with `None` for what the
//! pose could not support.

use serde::Serialize;

use super::Side;

/// One step, as a row of `steps.csv`. `None` = unknown.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepRecord {
    pub step: usize,
    pub side: Side,
    pub ic_time_s: f64,
    pub toe_off_time_s: Option<f64>,
    pub step_time_s: Option<f64>,
    pub cadence_spm: Option<f64>,
    pub contact_time_s: Option<f64>,
    pub overstride_ratio: Option<f64>,
    pub overstride_cm: Option<f64>,
    pub shank_angle_ic_deg: Option<f64>,
    pub knee_flexion_ic_deg: Option<f64>,
    pub thigh_extension_to_deg: Option<f64>,
    pub trunk_lean_deg: Option<f64>,
    pub vertical_oscillation_ratio: Option<f64>,
    pub pelvic_tilt_deg: Option<f64>,
    pub pelvic_tilt_source: Option<&'static str>,
    pub confidence: f64,
    pub cue: Option<String>,
    // After the required columns:
    pub ic_frame: u64,
    /// Media time at which the contact was confirmed.
    pub ic_decided_at_s: f64,
    /// Media time at which this row, and its cue, were decided.
    pub decided_at_s: f64,
    pub duty_factor: Option<f64>,
    pub step_length_m: Option<f64>,
    pub foot_strike_angle_deg: Option<f64>,
    /// The cue rule that is active (shown or not, after cool-down and fading).
    pub active_cue: Option<String>,
}

impl StepRecord {
    /// A metric by its column name, for the cue rules.
    pub fn metric(&self, name: &str) -> Option<f64> {
        match name {
            "overstride_ratio" => self.overstride_ratio,
            "overstride_cm" => self.overstride_cm,
            "cadence_spm" => self.cadence_spm,
            "step_time_s" => self.step_time_s,
            "contact_time_s" => self.contact_time_s,
            "shank_angle_ic_deg" => self.shank_angle_ic_deg,
            "knee_flexion_ic_deg" => self.knee_flexion_ic_deg,
            "thigh_extension_to_deg" => self.thigh_extension_to_deg,
            "trunk_lean_deg" => self.trunk_lean_deg,
            "vertical_oscillation_ratio" => self.vertical_oscillation_ratio,
            "pelvic_tilt_deg" => self.pelvic_tilt_deg,
            "duty_factor" => self.duty_factor,
            "step_length_m" => self.step_length_m,
            "foot_strike_angle_deg" => self.foot_strike_angle_deg,
            _ => None,
        }
    }
}

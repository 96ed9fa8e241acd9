//! One step as the analysis reports it: a row of `steps.csv`, with `None` for what the
//! pose could not support.

use serde::Serialize;

use super::validity::{FootStrike, Gait};
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
    pub shank_angle_lr_deg: Option<f64>,
    /// Which part of the foot touched first: heel, mid or fore (`None`: unknown).
    pub foot_strike_type: Option<FootStrike>,
    /// The movement this step belongs to.
    pub gait: Gait,
    /// Whether the step passed the gait-validity gate: only valid steps feed medians, cues
    /// and charts.
    pub valid: bool,
    /// Why the step is not valid (empty when it is).
    pub reason: Option<String>,
    /// The runner's leg length in the image at contact, pixels (who, and how far away).
    pub leg_length_px: f64,
    /// Which way the runner faces in the image: "right" or "left".
    pub facing: &'static str,
    /// The belt's speed at this step's contact, km/h, as given (`None`: not given).
    pub belt_speed_kmh: Option<f64>,
    /// The speed stage this step belongs to, from 1: the schedule's, or counted from the
    /// changes noticed in the stance foot's speed when none was given.
    pub speed_stage: usize,
    /// Where the leg was at initial contact, for drawing (not a column of steps.csv).
    #[serde(skip)]
    pub at_contact: Option<ContactPose>,
    /// The pose stage's track of the person measured (not a column of steps.csv).
    #[serde(skip)]
    pub track: Option<u64>,
    /// The cue rules judged this step against the runner's references (not a column).
    #[serde(skip)]
    pub judged: bool,
}

/// The stance leg at the instant of initial contact, image pixels: what the clinical
/// overlay draws (plumb line from the hips, contact point, shank and knee angles).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ContactPose {
    /// The hip centre's line through the frames around the contact, and its height.
    pub hip: (f64, f64),
    pub knee: (f64, f64),
    pub ankle: (f64, f64),
    /// The point that touched first (heel, mid-foot or toe).
    pub contact: (f64, f64),
    /// +1 running toward image right, -1 toward the left.
    pub dir: f64,
}

impl StepRecord {
    /// The value of `metric` in this step (`None`: unknown).
    pub fn value(&self, metric: super::Metric) -> Option<f64> {
        metric.of(self)
    }
}

#[cfg(test)]
impl StepRecord {
    /// A plausible running step for tests: step `n` of a runner at 171 steps/min, the left leg
    /// seen better (confidence 0.9 against 0.6).
    pub(crate) fn example(n: usize, side: Side, overstride: f64, valid: bool) -> StepRecord {
        StepRecord {
            step: n,
            side,
            ic_time_s: 0.35 * n as f64,
            toe_off_time_s: Some(0.35 * n as f64 + 0.22),
            step_time_s: Some(0.35),
            cadence_spm: Some(171.4),
            contact_time_s: Some(0.22),
            overstride_ratio: Some(overstride),
            overstride_cm: None,
            shank_angle_ic_deg: Some(6.0),
            knee_flexion_ic_deg: Some(12.0),
            thigh_extension_to_deg: Some(10.0),
            trunk_lean_deg: Some(5.0),
            vertical_oscillation_ratio: Some(0.09),
            pelvic_tilt_deg: None,
            pelvic_tilt_source: None,
            confidence: if side == Side::Left { 0.9 } else { 0.6 },
            cue: n.is_multiple_of(5).then(|| "Land under your hips".to_string()),
            ic_frame: 10 * n as u64,
            ic_decided_at_s: 0.35 * n as f64 + 0.3,
            decided_at_s: 0.35 * n as f64 + 0.4,
            duty_factor: Some(0.31),
            step_length_m: None,
            foot_strike_angle_deg: Some(15.0),
            active_cue: None,
            shank_angle_lr_deg: None,
            foot_strike_type: Some(FootStrike::Heel),
            gait: Gait::Running,
            valid,
            reason: (!valid).then(|| "first steps: still learning the belt".to_string()),
            leg_length_px: 290.0,
            facing: "left",
            belt_speed_kmh: None,
            speed_stage: 1,
            at_contact: None,
            track: Some(1),
            judged: true,
        }
    }
}

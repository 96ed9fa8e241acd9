//! What the synthetic runner really did: its events and per-step truth, and the
//! measurements that read the truth from the noiseless keypoints.

use super::{Side, Strike, ANKLE, HEEL, HIP, KNEE, TOE};

#[derive(Clone, Debug)]
pub struct TrueEvent {
    pub side: Side,
    pub t: f64,
    /// Nearest frame index, `round(t·fps)`.
    pub frame: usize,
}

#[derive(Clone, Debug)]
pub struct TrueStep {
    pub side: Side,
    pub ic_t: f64,
    pub toe_off_t: f64,
    pub contact_time_s: f64,
    pub strike: Strike,
    /// Measured from the noiseless keypoints at `ic_t`: the contact point's x (heel, heel–toe
    /// midpoint or toe) − hip-centre x, signed by the running direction, ÷ leg length.
    pub overstride_ratio: f64,
    /// Knee → ankle against vertical at IC, positive when the ankle is ahead of the knee.
    pub shank_angle_deg: f64,
    /// 180° − the interior hip-knee-ankle angle at IC.
    pub knee_flexion_deg: f64,
    /// Heel → toe against the belt at IC, toe up positive.
    pub foot_angle_deg: f64,
    /// The shank angle at the end of loading response, 20 % of the contact time after IC.
    pub shank_angle_lr_deg: f64,
    pub ic_frame: usize,
    pub toe_off_frame: usize,
}

#[derive(Clone, Debug)]
pub struct Truth {
    /// Every IC inside the recording (0 ≤ t ≤ last frame's t), in time order; sides alternate.
    pub contacts: Vec<TrueEvent>,
    /// Every TO inside the recording, in time order.
    pub toe_offs: Vec<TrueEvent>,
    /// Steps whose IC and TO are both inside the recording.
    pub steps: Vec<TrueStep>,
    /// Before any speed change:
    pub cadence_spm: f64,
    pub step_time_s: f64,
    pub stride_time_s: f64,
    pub contact_time_s: f64,
    pub trunk_lean_deg: f64,
    pub leg_length_px: f64,
    /// Peak-to-peak travel of the hip centre's y.
    pub vertical_oscillation_px: f64,
    /// Speed of the belt (and of a foot in contact) in the image, px/s, toward −direction,
    /// before any speed change.
    pub belt_speed_px_s: f64,
    /// `belt_speed_px_s / belt_speed_mps` when the belt speed was given.
    pub px_per_m: Option<f64>,
    /// Image x of the hip centre (it sways ±0.006 leg lengths about this).
    pub hip_x_px: f64,
    /// Image y of the belt surface: a heel or toe in contact has exactly this y.
    pub ground_y_px: f64,
    /// Frames where a foot was out of reach and a knee was clamped (0 within the documented
    /// parameter ranges).
    pub ik_clamped_frames: usize,
}

/// Contact point x (heel, heel–toe midpoint or toe) − hip-centre x, signed by `direction`,
/// ÷ `leg_px`.
pub fn overstride_of(pts: &[[f64; 2]; 33], side: Side, strike: Strike, direction: f64, leg_px: f64) -> f64 {
    let hip_x = 0.5 * (pts[HIP][0] + pts[HIP + 1][0]);
    let f = strike.contact_fraction();
    let (heel, toe) = (pts[HEEL + side.offset()][0], pts[TOE + side.offset()][0]);
    direction.signum() * (heel + f * (toe - heel) - hip_x) / leg_px
}

/// Knee → ankle against vertical, degrees, positive when the ankle is ahead of the knee.
pub fn shank_angle_of(pts: &[[f64; 2]; 33], side: Side, direction: f64) -> f64 {
    let (knee, ankle) = (pts[KNEE + side.offset()], pts[ANKLE + side.offset()]);
    (direction.signum() * (ankle[0] - knee[0]))
        .atan2(ankle[1] - knee[1])
        .to_degrees()
}

/// 180° − the interior hip-knee-ankle angle, degrees.
pub fn knee_flexion_of(pts: &[[f64; 2]; 33], side: Side) -> f64 {
    let s = side.offset();
    let (hip, knee, ankle) = (pts[HIP + s], pts[KNEE + s], pts[ANKLE + s]);
    let a = [hip[0] - knee[0], hip[1] - knee[1]];
    let b = [ankle[0] - knee[0], ankle[1] - knee[1]];
    let interior = (a[0] * b[1] - a[1] * b[0]).abs().atan2(a[0] * b[0] + a[1] * b[1]);
    180.0 - interior.to_degrees()
}

/// The overstride as gaitcue defines it (README, "overstride_ratio"): the point of the sole
/// that moves linearly with the foot's angle over the belt at contact, from the heel at 30°
/// toe-up through the middle of the sole when flat to the toe at 30° toe-down, ahead of the
/// hip centre, signed by `direction`, ÷ `leg_px`. Taken from the noiseless pose at the true
/// contact instant.
pub fn defined_overstride_of(pts: &[[f64; 2]; 33], side: Side, direction: f64, leg_px: f64) -> f64 {
    const FULL_TILT_DEG: f64 = 30.0;
    let f = (0.5 - foot_angle_of(pts, side, direction) / (2.0 * FULL_TILT_DEG)).clamp(0.0, 1.0);
    let hip_x = 0.5 * (pts[HIP][0] + pts[HIP + 1][0]);
    let (heel, toe) = (pts[HEEL + side.offset()][0], pts[TOE + side.offset()][0]);
    direction.signum() * (heel + f * (toe - heel) - hip_x) / leg_px
}

/// Heel → toe against the belt, degrees, toe up positive.
pub fn foot_angle_of(pts: &[[f64; 2]; 33], side: Side, direction: f64) -> f64 {
    let (heel, toe) = (pts[HEEL + side.offset()], pts[TOE + side.offset()]);
    (heel[1] - toe[1])
        .atan2(direction.signum() * (toe[0] - heel[0]))
        .to_degrees()
}

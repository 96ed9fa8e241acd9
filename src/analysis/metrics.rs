//! Per-step clinical metrics, each with its definition and unit, `None` when the pose
//! cannot support it (the stance leg hidden or low confidence).

use serde::Serialize;

use super::body::BodyFrame;
use super::events::ContactPoint;
use super::geometry::{flexion, foot_angle, forward_angle_from_down, forward_angle_from_up, midpoint};
use super::sample::{Side, LEFT_SHOULDER, RIGHT_SHOULDER};
use super::validity::FootStrike;

/// Everything measured at one foot's initial contact.
#[derive(Debug, Clone, Serialize)]
pub struct ContactMetrics {
    pub overstride_ratio: Option<f64>,
    pub shank_angle_ic_deg: Option<f64>,
    pub knee_flexion_ic_deg: Option<f64>,
    pub foot_strike_angle_deg: Option<f64>,
    pub strike: Option<FootStrike>,
    /// Leg length in pixels at contact, for converting the overstride to cm.
    pub leg_length_px: f64,
    /// Lowest visibility of the stance leg's points.
    pub visibility: f64,
}

/// Shank angle and knee flexion at the contact instant taken across the turn of their course
/// (see `History::at_turn`), when the frames around it allow.
#[derive(Debug, Clone, Copy, Default)]
pub struct AnglesAtTurn {
    pub shank: Option<f64>,
    pub knee: Option<f64>,
}

/// Knee flexion (180° − hip-knee-ankle) in one frame.
pub fn knee_flexion(body: &BodyFrame, side: Side) -> f64 {
    let p = side.points();
    flexion(body.at(p.hip), body.at(p.knee), body.at(p.ankle))
}

/// The stance leg's lowest visibility at `body`.
pub fn leg_visibility(body: &BodyFrame, side: Side) -> f64 {
    let p = side.points();
    [p.hip, p.knee, p.ankle, p.heel, p.toe]
        .iter()
        .map(|&i| body.visibility(i))
        .fold(1.0, f64::min)
}

/// Metrics at initial contact, from the pose at the contact instant; leg-specific ones are
/// `None` below `min_visibility`. `overstride` is the lead of the point that touched first
/// over the hips, when the event detector measured it (else the heel's lead in `body`);
/// `contact` is where and how the foot met the belt, from the treadmill detector.
pub fn at_contact(
    body: &BodyFrame,
    side: Side,
    min_visibility: f64,
    overstride: Option<f64>,
    contact: Option<&ContactPoint>,
    turn: AnglesAtTurn,
) -> ContactMetrics {
    let p = side.points();
    let visibility = leg_visibility(body, side);
    let seen = visibility >= min_visibility;
    let (hip, knee, ankle) = (body.at(p.hip), body.at(p.knee), body.at(p.ankle));
    ContactMetrics {
        overstride_ratio: seen.then(|| overstride.unwrap_or_else(|| body.forward_of_hips(p.heel))),
        shank_angle_ic_deg: seen.then(|| {
            turn.shank
                .unwrap_or_else(|| forward_angle_from_down(knee, ankle, body.dir))
        }),
        knee_flexion_ic_deg: seen.then(|| turn.knee.unwrap_or_else(|| flexion(hip, knee, ankle))),
        foot_strike_angle_deg: match contact {
            Some(c) => c.foot_angle_deg.filter(|_| seen),
            None => seen.then(|| foot_angle(body.at(p.heel), body.at(p.toe), body.dir)),
        },
        strike: contact.and_then(|c| c.strike).filter(|_| seen),
        leg_length_px: body.leg_length,
        visibility,
    }
}

/// Shank angle (knee → ankle from vertical, ankle ahead positive) in one frame.
pub fn shank_angle(body: &BodyFrame, side: Side, min_visibility: f64) -> Option<f64> {
    let p = side.points();
    let seen = body.visibility(p.knee).min(body.visibility(p.ankle)) >= min_visibility;
    seen.then(|| forward_angle_from_down(body.at(p.knee), body.at(p.ankle), body.dir))
}

/// Thigh extension at toe-off: hip → knee behind the vertical, degrees.
pub fn thigh_extension(body: &BodyFrame, side: Side, min_visibility: f64) -> Option<f64> {
    let p = side.points();
    let seen = body.visibility(p.hip).min(body.visibility(p.knee)) >= min_visibility;
    seen.then(|| -forward_angle_from_down(body.at(p.hip), body.at(p.knee), body.dir))
}

/// Trunk lean in one frame, or `None` when shoulders or hips are not seen.
pub fn trunk_lean(body: &BodyFrame, min_visibility: f64) -> Option<f64> {
    let seen = [LEFT_SHOULDER, RIGHT_SHOULDER, 23, 24]
        .iter()
        .all(|&i| body.visibility(i) >= min_visibility);
    let shoulders = midpoint(body.at(LEFT_SHOULDER), body.at(RIGHT_SHOULDER));
    seen.then(|| forward_angle_from_up(body.hip_centre, shoulders, body.dir))
}

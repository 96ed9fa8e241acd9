//! The noiseless treadmill-running model: a continuous function from time to the 33 BlazePose
//! keypoints in image pixels, built once from [`RunParams`](super::RunParams).
//!
//! Internally everything lives in a "runner" frame: `u` forward (in the running direction) and
//! `h` up from the belt, both in pixels; the image is `x = hip_x + direction·u`,
//! `y = ground_y − h`. The pelvis stays in place (tiny fore-aft sway, vertical oscillation
//! lowest at mid-stance); a foot in stance rides the belt backwards at a constant speed, a
//! foot in swing travels forward along a raised curve; knees come from two-link inverse
//! kinematics.
//!
//! Stance of one foot, `τ` = time since its initial contact (IC), `Tc` = contact time:
//! - `0 ≤ τ < 0.18·Tc`: heel on the belt, foot rotating down about the heel from the IC foot
//!   angle (toe up, dorsiflexed) to flat;
//! - `0.18·Tc ≤ τ < 0.55·Tc`: foot flat on the belt;
//! - `0.55·Tc ≤ τ < Tc`: heel rising, foot rotating about the toe to 32° plantarflexion; toe-off
//!   (TO) at `τ = Tc`, when the toe leaves the belt.
//!
//! The contact point (heel, then the whole foot, then the toe) moves at the belt speed `v`, so
//! `v·Tc = (heel_IC − toe_TO)·direction + foot_length` in image x, with heel-to-toe foot length
//! 0.255·L. The IC heel position is set by the overstride ratio; the TO toe position by a knee
//! flexion of 18° at TO; `v` is whatever joins them in the contact time.
//!
//! Swing (TO → next IC) is planned relative to the hip centre: the ankle's forward position
//! follows a smoothstep (zero velocity relative to the hip at both ends, so the heel's forward
//! distance from the hip peaks exactly at IC and the toe's is smallest exactly at TO, the
//! events of Zeni 2008), its height a cubic Hermite leaving at +1 L/s and landing at −1 L/s
//! plus a lift bump that peaks early in swing (heel kick).

use std::f64::consts::PI;

use super::{RunParams, Side};

/// Thigh and shank as shares of the leg length (hip–knee + knee–ankle).
pub const THIGH_FRAC: f64 = 0.53;
pub const SHANK_FRAC: f64 = 0.47;
/// Heel and toe (foot_index) from the ankle with the foot flat, in leg lengths (forward, up).
/// The heel keypoint sits on the belt when the foot is flat.
const HEEL_FROM_ANKLE: [f64; 2] = [-0.055, -0.08];
const TOE_FROM_ANKLE: [f64; 2] = [0.20, -0.08];
/// Heel to toe, in leg lengths.
pub const FOOT_LENGTH_FRAC: f64 = TOE_FROM_ANKLE[0] - HEEL_FROM_ANKLE[0];
/// Foot flat and heel-off as shares of the contact time (heel-strike running).
const FOOT_FLAT_AT: f64 = 0.18;
const HEEL_OFF_AT: f64 = 0.55;
/// Foot angle to the belt at toe-off (plantarflexed), degrees.
const TOE_OFF_FOOT_ANGLE_DEG: f64 = 32.0;
/// Knee flexion at toe-off, degrees: sets how far behind the hip the toe leaves the belt.
pub const KNEE_FLEXION_TO_DEG: f64 = 18.0;
/// Vertical speeds of the toe leaving and the heel landing, leg lengths per second.
const TAKE_OFF_SPEED: f64 = 1.0;
const LANDING_SPEED: f64 = 1.0;
/// Extra ankle lift in swing on top of the Hermite curve, leg lengths (heel kick).
const SWING_LIFT_FRAC: f64 = 0.22;
/// Fore-aft sway of the hip centre, amplitude in leg lengths, at step frequency.
const SWAY_FRAC: f64 = 0.006;
/// Pelvis rotation: each hip joint moves fore-aft by this much (leg lengths) with its leg.
const PELVIS_ROTATION_FRAC: f64 = 0.015;
/// Shoulder rotation, opposite to the pelvis.
const SHOULDER_ROTATION_FRAC: f64 = 0.02;
/// Hip centre → shoulder centre. Winter's segment proportions put the shoulder at 0.818 and
/// the hip at 0.530 of stature, and the ankle at 0.039: trunk / leg = 0.288 / 0.491 ≈ 0.59.
pub const TRUNK_FRAC: f64 = 0.60;
/// Shoulder centre → ear, along half the trunk lean (the head stays more upright).
const NECK_FRAC: f64 = 0.22;
const UPPER_ARM_FRAC: f64 = 0.36;
const FOREARM_FRAC: f64 = 0.30;
/// Upper-arm swing (degrees from the trunk line, forward positive) and elbow flexion.
const ARM_SWING_AMP_DEG: f64 = 30.0;
const ARM_SWING_BIAS_DEG: f64 = -8.0;
const ELBOW_FLEXION_DEG: f64 = 88.0;
const ELBOW_FLEXION_AMP_DEG: f64 = 12.0;

/// The 33 keypoints of one instant in image pixels, plus whether a knee had to be clamped
/// because its foot was out of reach (never, for parameters in the documented ranges).
pub struct ModelPose {
    pub points: [[f64; 2]; 33],
    pub clamped: bool,
}

/// Where one foot is, in the runner frame (forward u, up h), pixels.
#[derive(Clone, Copy, Debug)]
pub struct Foot {
    pub ankle: [f64; 2],
    pub heel: [f64; 2],
    pub toe: [f64; 2],
    /// Foot angle to the belt, radians, toe up positive.
    pub angle: f64,
    pub in_stance: bool,
}

#[derive(Clone, Debug)]
pub struct Model {
    pub leg_px: f64,
    pub direction: f64,
    pub hip_x: f64,
    pub ground_y: f64,
    pub step_time: f64,
    pub stride_time: f64,
    pub contact_time: f64,
    swing_time: f64,
    /// Time of the left foot's IC with index 0; right ICs are half a stride later.
    pub first_left_ic: f64,
    hip_mean_h: f64,
    pub vertical_oscillation_px: f64,
    sway_px: f64,
    trunk_lean: f64,
    ic_foot_angle: f64,
    to_foot_angle: f64,
    /// Heel u at IC (world), toe u at TO (world), belt speed in px/s.
    heel_ic_u: f64,
    pub belt_speed_px_s: f64,
    /// Swing plan: ankle u relative to the hip centre at TO and IC, ankle heights there.
    swing_u0: f64,
    swing_u1: f64,
    swing_h0: f64,
    swing_h1: f64,
}

fn rot(v: [f64; 2], a: f64) -> [f64; 2] {
    let (s, c) = a.sin_cos();
    [v[0] * c - v[1] * s, v[0] * s + v[1] * c]
}

fn add(a: [f64; 2], b: [f64; 2]) -> [f64; 2] {
    [a[0] + b[0], a[1] + b[1]]
}

fn sub(a: [f64; 2], b: [f64; 2]) -> [f64; 2] {
    [a[0] - b[0], a[1] - b[1]]
}

fn scale(a: [f64; 2], k: f64) -> [f64; 2] {
    [a[0] * k, a[1] * k]
}

/// Unit vector at `angle` from straight down, turning forward (+u) for positive angles.
fn from_down(angle: f64) -> [f64; 2] {
    [angle.sin(), -angle.cos()]
}

fn smoothstep(s: f64) -> f64 {
    let s = s.clamp(0.0, 1.0);
    s * s * (3.0 - 2.0 * s)
}

fn hermite(p0: f64, p1: f64, m0: f64, m1: f64, s: f64) -> f64 {
    let (s2, s3) = (s * s, s * s * s);
    (2.0 * s3 - 3.0 * s2 + 1.0) * p0 + (s3 - 2.0 * s2 + s) * m0 + (-2.0 * s3 + 3.0 * s2) * p1 + (s3 - s2) * m1
}

/// Zero with zero slope at both ends, 1 at its peak (s = 0.4).
fn bump(s: f64) -> f64 {
    let s = s.clamp(0.0, 1.0);
    s * s * (1.0 - s).powi(3) / (0.4f64.powi(2) * 0.6f64.powi(3))
}

/// Hip–ankle distance for a knee flexion, in leg lengths.
pub fn reach_for_flexion(flexion_deg: f64) -> f64 {
    let (a, b) = (THIGH_FRAC, SHANK_FRAC);
    (a * a + b * b + 2.0 * a * b * flexion_deg.to_radians().cos()).sqrt()
}

impl Model {
    /// `first_left_ic` in seconds; the image is `width × height` with the hip centre at mid-width.
    pub fn new(p: &RunParams, first_left_ic: f64, width: i32, ground_y: f64) -> Self {
        let l = p.leg_length_px;
        let step_time = 60.0 / p.cadence_spm;
        let stride_time = 2.0 * step_time;
        let contact_time = p.duty_factor * stride_time;
        let swing_time = stride_time - contact_time;
        let sway_px = SWAY_FRAC * l;
        let vo = p.vertical_oscillation_frac * l;
        let phase = 2.0 * PI * p.duty_factor; // 2π·(Tc/2)/Ts
        let ic_foot_angle = p.foot_angle_ic_deg.to_radians();
        let to_foot_angle = -TOE_OFF_FOOT_ANGLE_DEG.to_radians();

        // Initial contact: heel on the belt `overstride·L` ahead of the hip centre.
        let sway_ic = sway_px * phase.sin();
        let heel_ic_u = sway_ic + p.overstride_ratio * l;
        let ankle_from_heel_ic = scale(rot(HEEL_FROM_ANKLE, ic_foot_angle), -l);
        let ankle_ic = [heel_ic_u + ankle_from_heel_ic[0], ankle_from_heel_ic[1]];
        // The hip height that gives the requested knee flexion at IC (the landing leg's hip
        // joint is rotated forward by the full pelvis rotation then).
        let hip_joint_ic_u = sway_ic + PELVIS_ROTATION_FRAC * l;
        let reach_ic = reach_for_flexion(p.knee_flexion_ic_deg) * l;
        let horiz_ic = ankle_ic[0] - hip_joint_ic_u;
        let hip_ic_h = ankle_ic[1] + (reach_ic * reach_ic - horiz_ic * horiz_ic).max(0.0).sqrt();
        let hip_mean_h = hip_ic_h + 0.5 * vo * phase.cos();

        // Toe-off, symmetric about mid-stance: same hip height, knee flexed KNEE_FLEXION_TO_DEG.
        let sway_to = -sway_ic;
        let ankle_from_toe_to = scale(rot(TOE_FROM_ANKLE, to_foot_angle), -l);
        let hip_joint_to_u = sway_to + PELVIS_ROTATION_FRAC * l * phase.cos();
        let reach_to = reach_for_flexion(KNEE_FLEXION_TO_DEG) * l;
        let vert_to = hip_ic_h - ankle_from_toe_to[1];
        let ankle_to_u = hip_joint_to_u - (reach_to * reach_to - vert_to * vert_to).max(0.0).sqrt();
        let toe_to_u = ankle_to_u - ankle_from_toe_to[0];
        let belt_speed_px_s = (heel_ic_u + FOOT_LENGTH_FRAC * l - toe_to_u) / contact_time;

        Model {
            leg_px: l,
            direction: p.direction.signum(),
            hip_x: f64::from(width) / 2.0,
            ground_y,
            step_time,
            stride_time,
            contact_time,
            swing_time,
            first_left_ic,
            hip_mean_h,
            vertical_oscillation_px: vo,
            sway_px,
            trunk_lean: p.trunk_lean_deg.to_radians(),
            ic_foot_angle,
            to_foot_angle,
            heel_ic_u,
            belt_speed_px_s,
            swing_u0: ankle_to_u - sway_to,
            swing_u1: ankle_ic[0] - sway_ic,
            swing_h0: ankle_from_toe_to[1],
            swing_h1: ankle_ic[1],
        }
    }

    /// IC time of `side`'s step `k` (k may be negative).
    pub fn ic_time(&self, side: Side, k: i64) -> f64 {
        let offset = match side {
            Side::Left => 0.0,
            Side::Right => self.step_time,
        };
        self.first_left_ic + offset + k as f64 * self.stride_time
    }

    /// Step phase angle: 0 at every IC (either foot), so π·duty at mid-stance.
    fn step_phase(&self, t: f64) -> f64 {
        2.0 * PI * (t - self.first_left_ic - 0.5 * self.contact_time) / self.step_time
    }

    /// Hip centre in the runner frame: `[u, h]`.
    pub fn hip_centre(&self, t: f64) -> [f64; 2] {
        let ph = self.step_phase(t);
        [
            -self.sway_px * ph.sin(),
            self.hip_mean_h - 0.5 * self.vertical_oscillation_px * ph.cos(),
        ]
    }

    /// Phase of `side`'s stride, radians: 0 at its IC.
    fn stride_phase(&self, side: Side, t: f64) -> f64 {
        2.0 * PI * (t - self.ic_time(side, 0)) / self.stride_time
    }

    fn hip_joint(&self, side: Side, t: f64) -> [f64; 2] {
        let c = self.hip_centre(t);
        [
            c[0] + PELVIS_ROTATION_FRAC * self.leg_px * self.stride_phase(side, t).cos(),
            c[1],
        ]
    }

    pub fn foot(&self, side: Side, t: f64) -> Foot {
        let l = self.leg_px;
        let tau = (t - self.ic_time(side, 0)).rem_euclid(self.stride_time);
        let tc = self.contact_time;
        let (ankle, angle, in_stance) = if tau < tc {
            let (t_ff, t_ho) = (FOOT_FLAT_AT * tc, HEEL_OFF_AT * tc);
            let heel_u = self.heel_ic_u - self.belt_speed_px_s * tau;
            if tau < t_ho {
                let angle = self.ic_foot_angle * (1.0 - smoothstep(tau / t_ff));
                (
                    sub([heel_u, 0.0], scale(rot(HEEL_FROM_ANKLE, angle), l)),
                    angle,
                    true,
                )
            } else {
                let angle = self.to_foot_angle * smoothstep((tau - t_ho) / (tc - t_ho));
                let toe_u = heel_u + FOOT_LENGTH_FRAC * l;
                (
                    sub([toe_u, 0.0], scale(rot(TOE_FROM_ANKLE, angle), l)),
                    angle,
                    true,
                )
            }
        } else {
            let s = (tau - tc) / self.swing_time;
            let angle = self.to_foot_angle + (self.ic_foot_angle - self.to_foot_angle) * smoothstep(s);
            let u_rel = self.swing_u0 + (self.swing_u1 - self.swing_u0) * smoothstep(s);
            let m0 = TAKE_OFF_SPEED * l * self.swing_time;
            let m1 = -LANDING_SPEED * l * self.swing_time;
            let h = hermite(self.swing_h0, self.swing_h1, m0, m1, s) + SWING_LIFT_FRAC * l * bump(s);
            ([u_rel + self.hip_centre(t)[0], h], angle, false)
        };
        Foot {
            ankle,
            heel: add(ankle, scale(rot(HEEL_FROM_ANKLE, angle), l)),
            toe: add(ankle, scale(rot(TOE_FROM_ANKLE, angle), l)),
            angle,
            in_stance,
        }
    }

    /// Runner frame → image pixels.
    fn to_image(&self, p: [f64; 2]) -> [f64; 2] {
        [self.hip_x + self.direction * p[0], self.ground_y - p[1]]
    }

    /// Hip, knee, ankle, heel, toe of one leg in the runner frame; `true` if clamped.
    fn leg(&self, side: Side, t: f64) -> ([[f64; 2]; 5], bool) {
        let (a, b) = (THIGH_FRAC * self.leg_px, SHANK_FRAC * self.leg_px);
        let hip = self.hip_joint(side, t);
        let mut foot = self.foot(side, t);
        let to_ankle = sub(foot.ankle, hip);
        let d = to_ankle[0].hypot(to_ankle[1]);
        let unit = scale(to_ankle, 1.0 / d);
        let (d_min, d_max) = ((a - b).abs() * 1.001, (a + b) * 0.99999);
        let clamped_d = d.clamp(d_min, d_max);
        let clamped = clamped_d != d;
        if clamped {
            let shift = scale(unit, clamped_d - d);
            foot.ankle = add(foot.ankle, shift);
            foot.heel = add(foot.heel, shift);
            foot.toe = add(foot.toe, shift);
        }
        // Angle at the hip between hip→ankle and hip→knee; the knee turns forward.
        let cos_hip = (a * a + clamped_d * clamped_d - b * b) / (2.0 * a * clamped_d);
        let knee = add(hip, scale(rot(unit, cos_hip.clamp(-1.0, 1.0).acos()), a));
        ([hip, knee, foot.ankle, foot.heel, foot.toe], clamped)
    }

    pub fn pose(&self, t: f64) -> ModelPose {
        let l = self.leg_px;
        let mut pts = [[0.0f64; 2]; 33];
        let mut clamped = false;
        for (side, first) in [(Side::Left, 23), (Side::Right, 24)] {
            let (leg, c) = self.leg(side, t);
            clamped |= c;
            for (j, p) in leg.iter().enumerate() {
                pts[first + 2 * j] = *p; // 23/24 hip, 25/26 knee, 27/28 ankle, 29/30 heel, 31/32 toe
            }
        }

        let hip = self.hip_centre(t);
        let lean = self.trunk_lean;
        let shoulder_c = add(hip, scale([lean.sin(), lean.cos()], TRUNK_FRAC * l));
        for (side, first) in [(Side::Left, 11), (Side::Right, 12)] {
            let ph = self.stride_phase(side, t);
            // Shoulders rotate against the pelvis; each arm swings against its own leg.
            let shoulder = add(shoulder_c, [-SHOULDER_ROTATION_FRAC * l * ph.cos(), 0.0]);
            let upper = lean + (ARM_SWING_BIAS_DEG - ARM_SWING_AMP_DEG * ph.cos()).to_radians();
            let flex = (ELBOW_FLEXION_DEG - ELBOW_FLEXION_AMP_DEG * ph.cos()).to_radians();
            let elbow = add(shoulder, scale(from_down(upper), UPPER_ARM_FRAC * l));
            let wrist = add(elbow, scale(from_down(upper + flex), FOREARM_FRAC * l));
            let pinky = add(wrist, scale(from_down(upper + flex - 0.3), 0.06 * l));
            let index = add(wrist, scale(from_down(upper + flex), 0.07 * l));
            let thumb = add(wrist, scale(from_down(upper + flex + 0.5), 0.045 * l));
            for (j, p) in [shoulder, elbow, wrist, pinky, index, thumb].iter().enumerate() {
                pts[first + 2 * j] = *p;
            }
        }

        // Head: ears above the shoulders along half the lean, face ahead of the ears.
        let ear = add(
            shoulder_c,
            scale([(0.5 * lean).sin(), (0.5 * lean).cos()], NECK_FRAC * l),
        );
        let face = |du: f64, dh: f64| add(ear, [du * l, dh * l]);
        pts[0] = face(0.10, -0.01);
        // Left then right: inner, centre, outer eye; the right side a hair behind the left.
        for (k, du) in [0.085, 0.075, 0.065].iter().enumerate() {
            pts[1 + k] = face(*du, 0.02);
            pts[4 + k] = face(*du - 0.004, 0.021);
        }
        pts[7] = face(0.0, 0.0);
        pts[8] = face(-0.004, 0.001);
        pts[9] = face(0.08, -0.045);
        pts[10] = face(0.076, -0.044);

        for p in pts.iter_mut() {
            *p = self.to_image(*p);
        }
        ModelPose { points: pts, clamped }
    }
}

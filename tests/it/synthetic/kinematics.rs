//! The noiseless treadmill model: a continuous function from model time to the 33 BlazePose
//! keypoints in image pixels, built once from [`RunParams`](super::RunParams). Speed changes
//! are a warp of model time (see `mod.rs`), so everything here runs at one pace.
//!
//! Internally everything lives in a "runner" frame: `u` forward (in the running direction) and
//! `h` up from the belt, both in pixels; the image is `x = hip_x + direction·u`,
//! `y = ground_y − h`. The pelvis sways a little fore-aft and drifts slowly on the belt; its
//! height is lowest at mid-stance when running (spring-mass) and highest when walking
//! (inverted pendulum) [Cavagna 1977]. A foot in stance rides the belt backwards at the belt
//! speed; a foot in swing travels along a planned curve relative to the hips; knees come from
//! two-link inverse kinematics.
//!
//! Stance of one foot, `τ` = time since its initial contact (IC), `Tc` = contact time. The foot
//! first touches the belt with its contact point — the heel (rearfoot strike, toe up), the
//! middle of the heel–toe line (midfoot, landing flat) or the toe (forefoot, heel up)
//! [Lieberman 2010; Altman & Davis 2012] — and then:
//! - `0 ≤ τ < 0.18·Tc`: rotates about the contact point, on the belt, to flat;
//! - `0.18·Tc ≤ τ < 0.55·Tc`: flat on the belt;
//! - `0.55·Tc ≤ τ < Tc`: heel rising, the foot rotating about the toe to 32° plantarflexion;
//!   toe-off (TO) at `τ = Tc`, when the toe leaves the belt.
//!
//! The contact point (then the toe) moves at the belt speed `v`, chosen so that the toe leaves
//! the belt with the knee flexed 18° when the contact point landed `overstride·L` ahead of the
//! hip centre.
//!
//! Swing (TO → next IC) is planned relative to the hip centre. It leaves TO with the velocity
//! the foot had on the belt, so the toe keeps travelling back for 20 ms after it lifts
//! [Fellin 2010]; it swings forward to its furthest point `retraction_s` before IC and is then pulled back,
//! reaching `retraction_speed` (leg lengths/s, relative to the hips, at most 70 % of the belt
//! speed so the foot still moves forward over the ground as it lands) at IC — late-swing
//! retraction [Seyfarth 2003; ISBS 2017 #111: 6.8 ± 12.8 ms, up to ~60 ms]. Its height is a
//! cubic Hermite leaving at +1 L/s and landing at −1 L/s plus a lift bump early in swing
//! (heel kick). The foot turns from its toe-off angle to its landing angle by 80 % of the
//! swing and holds it (pre-positioned for landing).

use std::f64::consts::PI;

use super::{RunParams, Side, Strike};

/// Thigh and shank as shares of the leg length (hip–knee + knee–ankle).
pub const THIGH_FRAC: f64 = 0.53;
pub const SHANK_FRAC: f64 = 0.47;
/// Heel and toe (foot_index) from the ankle with the foot flat, in leg lengths (forward, up).
/// Both sit on the belt when the foot is flat.
const HEEL_FROM_ANKLE: [f64; 2] = [-0.055, -0.08];
const TOE_FROM_ANKLE: [f64; 2] = [0.20, -0.08];
/// Standard gravity, m/s², and leg length (hip–knee + knee–ankle) as a share of height
/// [Winter 2009]: they give the flight's parabola its size.
const GRAVITY_MPS2: f64 = 9.81;
const LEG_PER_HEIGHT: f64 = 0.491;
/// Heel to toe, in leg lengths.
pub const FOOT_LENGTH_FRAC: f64 = TOE_FROM_ANKLE[0] - HEEL_FROM_ANKLE[0];
/// Foot flat and heel-off as shares of the contact time.
const FOOT_FLAT_AT: f64 = 0.18;
const HEEL_OFF_AT: f64 = 0.55;
/// Foot angle to the belt at toe-off (plantarflexed), degrees.
const TOE_OFF_FOOT_ANGLE_DEG: f64 = 32.0;
/// Knee flexion at toe-off by default, degrees: sets how far behind the hip the toe leaves
/// the belt.
pub const KNEE_FLEXION_TO_DEG: f64 = 20.0;
/// Vertical speeds of the toe leaving and the contact point landing, leg lengths per second.
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
/// After TO the foot's backward speed relative to the hips falls to zero over this long (the
/// toe is furthest back this late after TO).
const RELEASE_S: f64 = 0.02;
/// The stance leg reaches no further than this (leg lengths): the knee is never locked.
const MAX_STANCE_REACH: f64 = 0.995;
/// The foot is never pulled back faster than this share of the belt speed: it still moves
/// forward over the ground when it lands (it would skid otherwise).
const MAX_RETRACTION_OF_BELT: f64 = 0.7;
/// Share of the swing by which the foot has turned to its landing angle.
const FOOT_SET_BY: f64 = 0.8;
/// Retraction never takes more than this share of the swing.
const MAX_RETRACTION_SHARE: f64 = 0.4;

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
    /// Running with flight: gravity (px/s²) and the stance dip (px); `hip_mean_h` is then the
    /// hips' height at IC and TO.
    ballistic: Option<(f64, f64)>,
    /// +1 running (hips lowest at mid-stance), −1 walking (highest).
    bounce: f64,
    pub vertical_oscillation_px: f64,
    sway_px: f64,
    drift_px: f64,
    drift_period: f64,
    trunk_lean: f64,
    ic_foot_angle: f64,
    to_foot_angle: f64,
    /// Contact point from the ankle, foot flat, leg lengths; and its share along heel → toe.
    contact_from_ankle: [f64; 2],
    contact_fraction: f64,
    overstride_px: f64,
    pub belt_speed_px_s: f64,
    retraction: f64,
    retraction_speed_px_s: f64,
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

fn lerp(a: [f64; 2], b: [f64; 2], s: f64) -> [f64; 2] {
    add(a, scale(sub(b, a), s))
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

impl Strike {
    /// Where along the heel → toe line the foot first touches: 0 heel, 1 toe.
    pub fn contact_fraction(self) -> f64 {
        match self {
            Strike::Heel => 0.0,
            Strike::Mid => 0.5,
            Strike::Fore => 1.0,
        }
    }
}

impl Model {
    /// `first_left_ic` in seconds; the image is `width` wide with the hip centre at mid-width.
    pub fn new(p: &RunParams, first_left_ic: f64, width: i32, ground_y: f64) -> Self {
        let l = p.leg_length_px;
        let step_time = 60.0 / p.cadence_spm;
        let stride_time = 2.0 * step_time;
        let contact_time = p.duty_factor * stride_time;
        let swing_time = stride_time - contact_time;
        let vo = p.vertical_oscillation_frac * l;
        let bounce = if p.walking { -1.0 } else { 1.0 };
        let phase = 2.0 * PI * p.duty_factor; // 2π·(Tc/2)/Ts
        let ic_foot_angle = match p.strike {
            Strike::Mid => 0.0,
            _ => p.foot_angle_ic_deg.to_radians(),
        };
        let to_foot_angle = -TOE_OFF_FOOT_ANGLE_DEG.to_radians();
        let f = p.strike.contact_fraction();
        let contact_from_ankle = lerp(HEEL_FROM_ANKLE, TOE_FROM_ANKLE, f);

        // IC, relative to the hip centre: the contact point on the belt `overstride·L` ahead.
        let overstride_px = p.overstride_ratio * l;
        let ankle_from_contact = scale(rot(contact_from_ankle, ic_foot_angle), -l);
        let ankle_ic = [overstride_px + ankle_from_contact[0], ankle_from_contact[1]];
        // The hip height that gives the requested knee flexion at IC (the landing leg's hip
        // joint is rotated forward by the full pelvis rotation then).
        let reach_ic = reach_for_flexion(p.knee_flexion_ic_deg) * l;
        let horiz_ic = ankle_ic[0] - PELVIS_ROTATION_FRAC * l;
        let hip_ic_h = ankle_ic[1] + (reach_ic * reach_ic - horiz_ic * horiz_ic).max(0.0).sqrt();
        // Running with a flight phase: the hips fall freely in flight (a parabola with
        // gravity, at the runner's own scale) and dip in stance (half a sine, meeting the flight
        // with the same vertical speed at IC and TO). Walking, or no flight: the sinusoid.
        let flight_time = step_time - contact_time;
        let px_per_m = l / (LEG_PER_HEIGHT * p.runner_height_m);
        let ballistic = !p.walking && flight_time > 0.0;
        let gravity_px = GRAVITY_MPS2 * px_per_m;
        let stance_dip = gravity_px * flight_time * contact_time / (2.0 * PI);
        let (hip_mean_h, vo) = if ballistic {
            (
                hip_ic_h,
                gravity_px * flight_time * flight_time / 8.0 + stance_dip,
            )
        } else {
            (hip_ic_h + bounce * 0.5 * vo * phase.cos(), vo)
        };

        // TO, symmetric about mid-stance: same hip height, knee flexed `knee_flexion_to_deg`.
        let sway_px = SWAY_FRAC * l;
        let sway_ic = sway_px * phase.sin();
        let ankle_from_toe_to = scale(rot(TOE_FROM_ANKLE, to_foot_angle), -l);
        let hip_joint_to_u = PELVIS_ROTATION_FRAC * l * phase.cos();
        let reach_to = reach_for_flexion(p.knee_flexion_to_deg) * l;
        let vert_to = hip_ic_h - ankle_from_toe_to[1];
        let ankle_to_u = hip_joint_to_u - (reach_to * reach_to - vert_to * vert_to).max(0.0).sqrt();
        let toe_to_u = ankle_to_u - ankle_from_toe_to[0] - sway_ic;
        let toe_flat_u = sway_ic + overstride_px + (1.0 - f) * FOOT_LENGTH_FRAC * l;
        let belt_speed_px_s = (toe_flat_u - toe_to_u) / contact_time;

        let mut model = Model {
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
            bounce,
            ballistic: ballistic.then_some((gravity_px, stance_dip)),
            vertical_oscillation_px: vo,
            sway_px,
            drift_px: p.drift_frac * l,
            drift_period: p.drift_period_s,
            trunk_lean: p.trunk_lean_deg.to_radians(),
            ic_foot_angle,
            to_foot_angle,
            contact_from_ankle,
            contact_fraction: f,
            overstride_px,
            belt_speed_px_s,
            retraction: p.retraction_s.min(MAX_RETRACTION_SHARE * swing_time),
            retraction_speed_px_s: (p.retraction_speed_lps * l).min(MAX_RETRACTION_OF_BELT * belt_speed_px_s),
        };
        model.lower_hips_into_reach();
        model
    }

    /// Lowers the hips where the stance foot would be out of reach (a forefoot striker's
    /// heel dropping after contact, a long stance): the knee then flexes a little more at
    /// contact than asked, and the truth measures what the model does.
    fn lower_hips_into_reach(&mut self) {
        let max_reach = MAX_STANCE_REACH * self.leg_px;
        for _ in 0..4 {
            let ic = self.ic_time(Side::Left, 0);
            let excess = (0..=100)
                .map(|j| {
                    let tau = self.contact_time * j as f64 / 100.0;
                    let (ankle, _) = self.stance(ic, tau);
                    let hip = self.hip_joint(Side::Left, ic + tau);
                    (ankle[0] - hip[0]).hypot(ankle[1] - hip[1]) - max_reach
                })
                .fold(0.0, f64::max);
            if excess <= 0.0 {
                return;
            }
            self.hip_mean_h -= excess;
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

    /// Step phase angle: 0 at every mid-stance (either foot).
    fn step_phase(&self, t: f64) -> f64 {
        2.0 * PI * (t - self.first_left_ic - 0.5 * self.contact_time) / self.step_time
    }

    /// Slow fore-aft drift of the runner on the belt, pixels.
    fn drift(&self, t: f64) -> f64 {
        self.drift_px * (2.0 * PI * t / self.drift_period).sin()
    }

    /// Hip centre in the runner frame: `[u, h]`.
    pub fn hip_centre(&self, t: f64) -> [f64; 2] {
        let ph = self.step_phase(t);
        let h = match self.ballistic {
            Some((g, dip)) => {
                let tau = (t - self.first_left_ic).rem_euclid(self.step_time);
                let flight = self.step_time - self.contact_time;
                self.hip_mean_h
                    + if tau < self.contact_time {
                        -dip * (PI * tau / self.contact_time).sin()
                    } else {
                        let s = tau - self.contact_time;
                        0.5 * g * flight * s - 0.5 * g * s * s
                    }
            }
            None => self.hip_mean_h - self.bounce * 0.5 * self.vertical_oscillation_px * ph.cos(),
        };
        [-self.sway_px * ph.sin() + self.drift(t), h]
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

    /// The foot `tau` after the IC at `ic` (0 ≤ tau ≤ Tc): ankle and angle, runner frame.
    fn stance(&self, ic: f64, tau: f64) -> ([f64; 2], f64) {
        let l = self.leg_px;
        let tc = self.contact_time;
        let (t_ff, t_ho) = (FOOT_FLAT_AT * tc, HEEL_OFF_AT * tc);
        let contact_u = self.hip_centre(ic)[0] + self.overstride_px - self.belt_speed_px_s * tau;
        if tau < t_ho {
            let angle = self.ic_foot_angle * (1.0 - smoothstep(tau / t_ff));
            (
                sub([contact_u, 0.0], scale(rot(self.contact_from_ankle, angle), l)),
                angle,
            )
        } else {
            let angle = self.to_foot_angle * smoothstep((tau - t_ho) / (tc - t_ho));
            let toe_u = contact_u + (1.0 - self.contact_fraction) * FOOT_LENGTH_FRAC * l;
            (sub([toe_u, 0.0], scale(rot(TOE_FROM_ANKLE, angle), l)), angle)
        }
    }

    /// Swing from the TO at `to` to the next IC, `s` seconds in: ankle and angle.
    fn swing(&self, to: f64, s: f64) -> ([f64; 2], f64) {
        let l = self.leg_px;
        let (tc, tsw) = (self.contact_time, self.swing_time);
        let ic = to - tc;
        // Leaving the belt: where the ankle was relative to the hips, and how fast.
        let eps = 1e-4;
        let (a_to, _) = self.stance(ic, tc);
        let (a_before, _) = self.stance(ic, tc - eps);
        let hip_to = self.hip_centre(to)[0];
        let u0 = a_to[0] - hip_to;
        let v0 = (a_to[0] - a_before[0]) / eps - (hip_to - self.hip_centre(to - eps)[0]) / eps;
        // Landing: the ankle where the contact point is `overstride` ahead of the hips.
        let ankle_from_contact = scale(rot(self.contact_from_ankle, self.ic_foot_angle), -l);
        let u1 = self.overstride_px + ankle_from_contact[0];
        let (r, vr) = (self.retraction, self.retraction_speed_px_s);
        // Release: the backward speed falls linearly to zero over RELEASE_S...
        let d = RELEASE_S;
        let u_r = u0 + 0.5 * v0 * d;
        let u_rel = if s < d {
            u0 + v0 * s - 0.5 * (v0 / d) * s * s
        } else if r > 0.0 {
            // ...then forward to the peak, and retraction back to the landing point.
            let peak = u1 + 0.5 * vr * r;
            let reach = tsw - r - d;
            if s < d + reach {
                hermite(u_r, peak, 0.0, 0.0, (s - d) / reach)
            } else {
                peak - 0.5 * (vr / r) * (s - d - reach).powi(2)
            }
        } else {
            hermite(u_r, u1, 0.0, -vr * (tsw - d), (s - d) / (tsw - d))
        };
        let h0 = a_to[1];
        let h1 = ankle_from_contact[1];
        let x = s / tsw;
        let h = hermite(h0, h1, TAKE_OFF_SPEED * l * tsw, -LANDING_SPEED * l * tsw, x)
            + SWING_LIFT_FRAC * l * bump(x);
        // The foot is set to its landing angle by the last fifth of swing (pre-positioned).
        let angle =
            self.to_foot_angle + (self.ic_foot_angle - self.to_foot_angle) * smoothstep(x / FOOT_SET_BY);
        ([u_rel + self.hip_centre(to + s)[0], h], angle)
    }

    pub fn foot(&self, side: Side, t: f64) -> Foot {
        let l = self.leg_px;
        let since = t - self.ic_time(side, 0);
        let k = (since / self.stride_time).floor();
        let ic = self.ic_time(side, 0) + k * self.stride_time;
        let tau = t - ic;
        let in_stance = tau < self.contact_time;
        let (ankle, angle) = if in_stance {
            self.stance(ic, tau)
        } else {
            self.swing(ic + self.contact_time, tau - self.contact_time)
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

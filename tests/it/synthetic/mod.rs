//! Synthetic treadmill running with known truth, for the analysis stage's integration tests.
//!
//! [`generate`] turns [`RunParams`] into per-frame BlazePose keypoints (image pixels, y down,
//! `[x, y, visibility]`) and the [`Truth`] they were made from; [`to_jsonl`] writes them in the
//! product's `keypoints.jsonl` format. The noiseless model lives in `kinematics.rs` (read its
//! header for the gait: heel strike, foot flat, toe pivot, swing), then come, in this order,
//! visibility, Gaussian keypoint noise, left/right label swaps and missing frames.
//!
//! Truth is measured from the noiseless model at the exact event times, which fall between
//! frames: initial contact (IC) is the instant the heel reaches the belt, toe-off (TO) the
//! instant the toe leaves it, and each [`TrueEvent::frame`] is the nearest frame. The
//! randomness comes from separate streams of one seed (phase, visibility, noise, swaps,
//! dropouts), so changing `noise_frac` does not move the missing or swapped frames.
#![allow(dead_code)]

mod kinematics;

use std::fmt::Write;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

#[allow(unused_imports)]
pub use kinematics::{Model, FOOT_LENGTH_FRAC, KNEE_FLEXION_TO_DEG, SHANK_FRAC, THIGH_FRAC, TRUNK_FRAC};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Left,
    Right,
}

impl Side {
    pub fn other(self) -> Side {
        match self {
            Side::Left => Side::Right,
            Side::Right => Side::Left,
        }
    }

    /// 0 for left, 1 for right: add to a left keypoint index (11, 13, … 31) to get this side's.
    pub fn offset(self) -> usize {
        match self {
            Side::Left => 0,
            Side::Right => 1,
        }
    }
}

#[derive(Clone, Debug)]
pub struct RunParams {
    /// Frames per second, 25..240.
    pub fps: f64,
    /// Steps per minute, 150..195.
    pub cadence_spm: f64,
    /// Heel x ahead of the hip-centre x at initial contact, ÷ leg length, 0.0..0.30.
    pub overstride_ratio: f64,
    /// Forward lean of the hip-centre → shoulder-centre line from vertical, degrees, 0..15.
    pub trunk_lean_deg: f64,
    /// Gaussian sd of keypoint noise (x and y each) as a share of leg length, 0..0.01.
    pub noise_frac: f64,
    /// Share of frames with no pose at all (runs of 1-5 frames).
    pub missing_frac: f64,
    /// Share of frames whose left/right labels are swapped (runs of 1-3 frames).
    pub swap_frames: f64,
    /// +1.0: the runner faces and moves toward +x (image right); -1.0 toward -x.
    pub direction: f64,
    pub duration_s: f64,
    /// Thigh + shank, pixels.
    pub leg_length_px: f64,
    /// Contact time / stride time (stride = two steps), running ~0.30..0.40.
    pub duty_factor: f64,
    /// Belt speed in m/s, only to give the truth a pixel scale (`Truth::px_per_m`).
    pub belt_speed_mps: Option<f64>,
    pub seed: u64,
    /// Knee flexion at IC, degrees (typical treadmill running 11-20). Sets the hip height.
    pub knee_flexion_ic_deg: f64,
    /// Foot angle to the belt at IC, degrees, toe up (heel strike). 0 = flat-foot landing.
    pub foot_angle_ic_deg: f64,
    /// Peak-to-peak vertical travel of the hip centre, share of leg length (~0.06..0.08).
    pub vertical_oscillation_frac: f64,
}

impl Default for RunParams {
    fn default() -> Self {
        RunParams {
            fps: 60.0,
            cadence_spm: 170.0,
            overstride_ratio: 0.10,
            trunk_lean_deg: 5.0,
            noise_frac: 0.005,
            missing_frac: 0.05,
            swap_frames: 0.02,
            direction: 1.0,
            duration_s: 20.0,
            leg_length_px: 300.0,
            duty_factor: 0.35,
            belt_speed_mps: None,
            seed: 1,
            knee_flexion_ic_deg: 15.0,
            foot_angle_ic_deg: 12.0,
            vertical_oscillation_frac: 0.07,
        }
    }
}

impl RunParams {
    /// The same run without noise, dropouts or swaps.
    pub fn noiseless(&self) -> RunParams {
        RunParams {
            noise_frac: 0.0,
            missing_frac: 0.0,
            swap_frames: 0.0,
            ..self.clone()
        }
    }
}

#[derive(Clone, Debug)]
pub struct SyntheticFrame {
    /// Seconds, `frame index / fps`.
    pub t: f64,
    /// What the pose stage would report: noisy, maybe swapped; `None` for a dropped frame.
    pub keypoints: Option<[[f32; 3]; 33]>,
    /// The noiseless, correctly labelled keypoints of this instant (present even when dropped).
    pub clean: [[f32; 3]; 33],
    /// Whether `keypoints` has its left/right labels swapped (never on a dropped frame).
    pub swapped: bool,
}

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
    /// Measured from the noiseless keypoints at `ic_t`: heel x − hip-centre x, signed by the
    /// running direction, ÷ leg length.
    pub overstride_ratio: f64,
    /// Knee → ankle against vertical at IC, positive when the ankle is ahead of the knee.
    pub shank_angle_deg: f64,
    /// 180° − the interior hip-knee-ankle angle at IC.
    pub knee_flexion_deg: f64,
    /// Heel → toe against the belt at IC, toe up positive.
    pub foot_angle_deg: f64,
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
    pub cadence_spm: f64,
    pub step_time_s: f64,
    pub stride_time_s: f64,
    pub contact_time_s: f64,
    pub trunk_lean_deg: f64,
    pub leg_length_px: f64,
    /// Peak-to-peak travel of the hip centre's y.
    pub vertical_oscillation_px: f64,
    /// Speed of the belt (and of a foot in contact) in the image, px/s, toward −direction.
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

#[derive(Clone, Debug)]
pub struct SyntheticRun {
    pub params: RunParams,
    pub frames: Vec<SyntheticFrame>,
    pub truth: Truth,
    pub width: i32,
    pub height: i32,
    /// The noiseless model, for evaluating the exact pose at any time (`model.pose(t)`).
    pub model: Model,
}

/// BlazePose keypoint names in model order (the product's own list).
pub use gaitcue::pose::KEYPOINT_NAMES;

/// Left/right keypoint pairs: the eyes, ears, mouth corners and every limb point.
pub const LEFT_RIGHT_PAIRS: [(usize, usize); 16] = [
    (1, 4),
    (2, 5),
    (3, 6),
    (7, 8),
    (9, 10),
    (11, 12),
    (13, 14),
    (15, 16),
    (17, 18),
    (19, 20),
    (21, 22),
    (23, 24),
    (25, 26),
    (27, 28),
    (29, 30),
    (31, 32),
];

pub const HIP: usize = 23;
pub const KNEE: usize = 25;
pub const ANKLE: usize = 27;
pub const HEEL: usize = 29;
pub const TOE: usize = 31;

/// Random streams of one seed, one per purpose.
const STREAM_PHASE: u64 = 1;
const STREAM_VISIBILITY: u64 = 2;
const STREAM_NOISE: u64 = 3;
const STREAM_SWAP: u64 = 4;
const STREAM_MISSING: u64 = 5;
const MAX_MISSING_RUN: usize = 5;
const MAX_SWAP_RUN: usize = 3;

fn stream(seed: u64, purpose: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(purpose);
    rng
}

fn check(p: &RunParams) {
    let ok = |c: bool, what: &str| assert!(c, "synthetic::generate: {what} out of range in {p:?}");
    ok(p.fps.is_finite() && p.fps > 0.0, "fps");
    ok(p.cadence_spm > 60.0 && p.cadence_spm < 300.0, "cadence_spm");
    ok((0.0..=0.5).contains(&p.overstride_ratio), "overstride_ratio");
    ok((-30.0..=45.0).contains(&p.trunk_lean_deg), "trunk_lean_deg");
    ok(p.noise_frac >= 0.0 && p.noise_frac.is_finite(), "noise_frac");
    ok((0.0..=1.0).contains(&p.missing_frac), "missing_frac");
    ok((0.0..=1.0).contains(&p.swap_frames), "swap_frames");
    ok(p.direction != 0.0, "direction");
    ok(p.duration_s > 0.0, "duration_s");
    ok(p.leg_length_px > 10.0, "leg_length_px");
    ok((0.1..=0.6).contains(&p.duty_factor), "duty_factor");
    ok(p.belt_speed_mps.is_none_or(|v| v > 0.0), "belt_speed_mps");
    ok(
        (0.0..=60.0).contains(&p.knee_flexion_ic_deg),
        "knee_flexion_ic_deg",
    );
    ok((-10.0..=30.0).contains(&p.foot_angle_ic_deg), "foot_angle_ic_deg");
    ok(
        (0.0..=0.2).contains(&p.vertical_oscillation_frac),
        "vertical_oscillation_frac",
    );
}

fn nearest_frame(t: f64, fps: f64, n: usize) -> usize {
    ((t * fps).round().max(0.0) as usize).min(n.saturating_sub(1))
}

/// Chooses `target` frames among those not `blocked`, in runs of 1..=`max_run` that neither
/// overlap nor touch one another (falling back to single frames if the share is too high).
fn pick_runs(rng: &mut ChaCha8Rng, blocked: &[bool], target: usize, max_run: usize) -> Vec<bool> {
    let n = blocked.len();
    let mut chosen = vec![false; n];
    let free = blocked.iter().filter(|b| !**b).count();
    let target = target.min(free);
    let mut count = 0;
    let mut tries = 0;
    while count < target && tries < 200 * n {
        tries += 1;
        let len = rng.gen_range(1..=max_run).min(target - count);
        let start = rng.gen_range(0..n);
        let end = start + len;
        let touches = (start > 0 && chosen[start - 1]) || (end < n && chosen[end]);
        if end > n || touches || (start..end).any(|j| blocked[j] || chosen[j]) {
            continue;
        }
        chosen[start..end].iter_mut().for_each(|c| *c = true);
        count += len;
    }
    for j in 0..n {
        if count == target {
            break;
        }
        if !blocked[j] && !chosen[j] {
            chosen[j] = true;
            count += 1;
        }
    }
    chosen
}

/// Heel x − hip-centre x, signed by `direction`, ÷ `leg_px`.
pub fn overstride_of(pts: &[[f64; 2]; 33], side: Side, direction: f64, leg_px: f64) -> f64 {
    let hip_x = 0.5 * (pts[HIP][0] + pts[HIP + 1][0]);
    direction.signum() * (pts[HEEL + side.offset()][0] - hip_x) / leg_px
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

/// Heel → toe against the belt, degrees, toe up positive.
pub fn foot_angle_of(pts: &[[f64; 2]; 33], side: Side, direction: f64) -> f64 {
    let (heel, toe) = (pts[HEEL + side.offset()], pts[TOE + side.offset()]);
    (heel[1] - toe[1])
        .atan2(direction.signum() * (toe[0] - heel[0]))
        .to_degrees()
}

fn even(v: f64) -> i32 {
    2 * (v / 2.0).round() as i32
}

pub fn generate(p: &RunParams) -> SyntheticRun {
    check(p);
    let l = p.leg_length_px;
    let height = even(2.4 * l);
    let width = even(f64::from(height) * 16.0 / 9.0);
    let ground_y = 2.25 * l;
    let stride_time = 120.0 / p.cadence_spm;
    let first_left_ic = stream(p.seed, STREAM_PHASE).gen_range(0.0..stride_time);
    let model = Model::new(p, first_left_ic, width, ground_y);
    let n = ((p.duration_s * p.fps).round() as usize).max(1);
    let t_last = (n - 1) as f64 / p.fps;

    let missing = pick_runs(
        &mut stream(p.seed, STREAM_MISSING),
        &vec![false; n],
        (p.missing_frac * n as f64).round() as usize,
        MAX_MISSING_RUN,
    );
    let swapped = pick_runs(
        &mut stream(p.seed, STREAM_SWAP),
        &missing,
        (p.swap_frames * n as f64).round() as usize,
        MAX_SWAP_RUN,
    );
    let noise = Normal::new(0.0, p.noise_frac * l).expect("noise_frac was checked");
    let mut vis_rng = stream(p.seed, STREAM_VISIBILITY);
    let mut noise_rng = stream(p.seed, STREAM_NOISE);
    let near = if p.direction > 0.0 {
        Side::Left
    } else {
        Side::Right
    };

    let mut ik_clamped_frames = 0;
    let mut frames = Vec::with_capacity(n);
    for i in 0..n {
        let t = i as f64 / p.fps;
        let pose = model.pose(t);
        ik_clamped_frames += usize::from(pose.clamped);
        let mut clean = [[0f32; 3]; 33];
        let mut noisy = [[0f32; 3]; 33];
        for (k, pt) in pose.points.iter().enumerate() {
            // Knee to toe: the near leg is seen well, the far one behind it less so.
            let vis = if (KNEE..=TOE + 1).contains(&k) {
                let side = if k % 2 == 1 { Side::Left } else { Side::Right };
                if side == near {
                    vis_rng.gen_range(0.90..0.99)
                } else {
                    vis_rng.gen_range(0.50..0.80)
                }
            } else {
                vis_rng.gen_range(0.85..0.97)
            };
            let (dx, dy) = (noise.sample(&mut noise_rng), noise.sample(&mut noise_rng));
            clean[k] = [pt[0] as f32, pt[1] as f32, vis];
            noisy[k] = [(pt[0] + dx) as f32, (pt[1] + dy) as f32, vis];
        }
        if swapped[i] {
            for (a, b) in LEFT_RIGHT_PAIRS {
                noisy.swap(a, b);
            }
        }
        frames.push(SyntheticFrame {
            t,
            keypoints: (!missing[i]).then_some(noisy),
            clean,
            swapped: swapped[i],
        });
    }

    // Events: IC times of both feet, from one stride before the start to the end.
    let event = |side, t| TrueEvent {
        side,
        t,
        frame: nearest_frame(t, p.fps, n),
    };
    let mut contacts = Vec::new();
    let mut toe_offs = Vec::new();
    let mut steps = Vec::new();
    for side in [Side::Left, Side::Right] {
        for k in -2.. {
            let ic_t = model.ic_time(side, k);
            if ic_t > t_last {
                break;
            }
            let toe_off_t = ic_t + model.contact_time;
            let inside = |t: f64| (0.0..=t_last).contains(&t);
            if inside(ic_t) {
                contacts.push(event(side, ic_t));
            }
            if inside(toe_off_t) {
                toe_offs.push(event(side, toe_off_t));
            }
            if inside(ic_t) && inside(toe_off_t) {
                let pts = model.pose(ic_t).points;
                steps.push(TrueStep {
                    side,
                    ic_t,
                    toe_off_t,
                    overstride_ratio: overstride_of(&pts, side, p.direction, l),
                    shank_angle_deg: shank_angle_of(&pts, side, p.direction),
                    knee_flexion_deg: knee_flexion_of(&pts, side),
                    foot_angle_deg: foot_angle_of(&pts, side, p.direction),
                    ic_frame: nearest_frame(ic_t, p.fps, n),
                    toe_off_frame: nearest_frame(toe_off_t, p.fps, n),
                });
            }
        }
    }
    contacts.sort_by(|a, b| a.t.total_cmp(&b.t));
    toe_offs.sort_by(|a, b| a.t.total_cmp(&b.t));
    steps.sort_by(|a, b| a.ic_t.total_cmp(&b.ic_t));

    let truth = Truth {
        contacts,
        toe_offs,
        steps,
        cadence_spm: 60.0 / model.step_time,
        step_time_s: model.step_time,
        stride_time_s: model.stride_time,
        contact_time_s: model.contact_time,
        trunk_lean_deg: p.trunk_lean_deg,
        leg_length_px: l,
        vertical_oscillation_px: model.vertical_oscillation_px,
        belt_speed_px_s: model.belt_speed_px_s,
        px_per_m: p.belt_speed_mps.map(|mps| model.belt_speed_px_s / mps),
        hip_x_px: model.hip_x,
        ground_y_px: ground_y,
        ik_clamped_frames,
    };
    SyntheticRun {
        params: p.clone(),
        frames,
        truth,
        width,
        height,
        model,
    }
}

fn json_number(v: f64, decimals: i32) -> String {
    let k = 10f64.powi(decimals);
    serde_json::Value::from((v * k).round() / k).to_string()
}

/// `keypoints.jsonl` text in the product's format (rounded as the product rounds: pixels to
/// 0.01, visibility to 0.0001, time to 1 µs), one line per frame, each ending in `\n`.
pub fn to_jsonl(run: &SyntheticRun) -> String {
    let mut out = String::new();
    for (i, f) in run.frames.iter().enumerate() {
        let t = json_number(f.t, 6);
        let _ = write!(
            out,
            "{{\"frame\":{i},\"t\":{t},\"width\":{},\"height\":{},\"keypoints\":",
            run.width, run.height
        );
        match &f.keypoints {
            None => out.push_str("null"),
            Some(kps) => {
                out.push('{');
                for (k, (name, kp)) in KEYPOINT_NAMES.iter().zip(kps.iter()).enumerate() {
                    let sep = if k == 0 { "" } else { "," };
                    let (x, y) = (json_number(f64::from(kp[0]), 2), json_number(f64::from(kp[1]), 2));
                    let v = json_number(f64::from(kp[2]), 4);
                    let _ = write!(out, "{sep}\"{name}\":[{x},{y},{v}]");
                }
                out.push('}');
            }
        }
        out.push_str("}\n");
    }
    out
}

#[cfg(test)]
mod tests;

impl SyntheticRun {
    /// Frame `i` as the analysis stage receives it from the pose stage.
    pub fn pose_sample(&self, i: usize) -> gaitcue::analysis::PoseSample {
        let f = &self.frames[i];
        gaitcue::analysis::PoseSample {
            frame: i as u64,
            t: f.t,
            keypoints: f.keypoints.map(|kps| {
                kps.map(|[x, y, v]| gaitcue::pose::Keypoint {
                    x,
                    y,
                    z: 0.0,
                    visibility: v,
                    presence: 1.0,
                })
            }),
            track: f.keypoints.map(|_| 1),
            size: Some((self.width, self.height)),
            people: None,
        }
    }
}

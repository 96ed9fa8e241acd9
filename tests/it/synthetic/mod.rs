//! Synthetic treadmill running with known truth, for the analysis stage's integration tests.
//!
//! [`generate`] turns [`RunParams`] into per-frame BlazePose keypoints (image pixels, y down,
//! `[x, y, visibility]`) and the [`Truth`] they were made from; [`to_jsonl`] writes them in the
//! product's `keypoints.jsonl` format. The noiseless model lives in `kinematics.rs` (read its
//! header for the gait: heel, midfoot or forefoot strike, foot flat, toe pivot, swing with
//! late retraction, fore-aft drift, walking), then come, in this order, a time warp for speed
//! changes, visibility, Gaussian keypoint noise (white or AR(1)-correlated in time), the far
//! leg snapping onto the near one, left/right label swaps and missing frames.
//!
//! Truth is measured from the noiseless model at the exact event times, which fall between
//! frames: initial contact (IC) is the instant the foot's contact point (heel, mid-foot or
//! toe) reaches the belt, toe-off (TO) the
//! instant the toe leaves it, and each [`TrueEvent::frame`] is the nearest frame. The
//! randomness comes from separate streams of one seed (phase, visibility, noise, swaps,
//! dropouts), so changing `noise_frac` does not move the missing or swapped frames.
#![allow(dead_code)]

mod kinematics;
mod output;
pub mod ramp;
mod truth;
mod warp;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

#[allow(unused_imports)]
pub use kinematics::{
    reach_for_flexion, Model, FOOT_LENGTH_FRAC, KNEE_FLEXION_TO_DEG, SHANK_FRAC, THIGH_FRAC, TRUNK_FRAC,
};
pub use output::to_jsonl;
#[allow(unused_imports)]
pub use truth::{
    defined_overstride_of, foot_angle_of, knee_flexion_of, overstride_of, shank_angle_of, TrueEvent,
    TrueStep, Truth,
};
pub use warp::Warp;

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

/// Which part of the foot touches the belt first [Lieberman 2010].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strike {
    /// Rearfoot: the heel, toes up (`foot_angle_ic_deg` > 0).
    Heel,
    /// Midfoot: heel and toe together, the foot flat (`foot_angle_ic_deg` ignored).
    Mid,
    /// Forefoot: the toe, heel up (`foot_angle_ic_deg` < 0).
    Fore,
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
    /// Foot angle to the belt at IC, degrees, toe up positive: 8..20 for a heel strike,
    /// -12..-4 for a forefoot strike (Altman & Davis 2012 classify by this angle).
    pub foot_angle_ic_deg: f64,
    /// Peak-to-peak vertical travel of the hip centre, share of leg length (~0.06..0.08), when
    /// walking (or without flight); running with a flight phase, the travel follows from
    /// gravity in flight and is reported in the truth.
    pub vertical_oscillation_frac: f64,
    /// The runner's height, m: with the leg length in pixels, the scale of gravity in flight.
    pub runner_height_m: f64,
    pub strike: Strike,
    /// Late-swing retraction: the foot is furthest forward this long before IC (0..0.06 s)...
    pub retraction_s: f64,
    /// ...and moves back relative to the hips at this speed at IC, leg lengths/s (0..2.2,
    /// i.e. 0..2 m/s for a 0.9 m leg; capped at 70 % of the belt speed).
    pub retraction_speed_lps: f64,
    /// Slow fore-aft drift of the runner on the belt: amplitude (leg lengths) and period.
    pub drift_frac: f64,
    pub drift_period_s: f64,
    /// A speed change: cadence, contact time and belt speed all scale by `1 + speed_change`,
    /// eased in from `speed_change_at_s` over `speed_change_over_s` (step geometry held).
    pub speed_change: f64,
    pub speed_change_at_s: f64,
    pub speed_change_over_s: f64,
    /// Walking: hips highest at mid-stance; use with duty_factor > 0.5 (double support).
    pub walking: bool,
    /// Keypoint noise correlation time, seconds (0 = white; AR(1) per coordinate otherwise).
    pub noise_corr_s: f64,
    /// Share of frames on which the far leg (knee to toe) snaps onto the near one (runs of
    /// 2-6 frames), as pose models do when the legs overlap.
    pub far_snap_frac: f64,
    /// The first left initial contact, seconds into the run (`None`: drawn from the seed).
    pub first_left_ic_s: Option<f64>,
    /// Knee flexion when the toe leaves the belt, degrees: more flexion leaves the foot
    /// nearer the hips (less push back, less thigh extension at toe-off).
    pub knee_flexion_to_deg: f64,
    /// What a phone shows (all off by default; [`RunParams::phone`] sets them as measured on
    /// the real runner in `tests/data/real`):
    /// exposure time, s: each keypoint is where the model puts a blurred limb, the mean of
    /// its positions over the exposure (0: sharp);
    pub exposure_s: f64,
    /// the far leg's (knee to toe) visibility range;
    pub far_visibility: (f32, f32),
    /// share of frames on which the far foot (ankle, heel, toe) jumps 50–100 px at a 300 px
    /// leg (0.17–0.34 leg lengths) in any direction, runs of 1–2 frames;
    pub far_jump_frac: f64,
    /// the far leg hidden (a treadmill console) while its ankle is this far ahead of the hips
    /// (leg lengths): the model guesses it 0.1–0.25 leg lengths off, slowly wandering, at
    /// visibility 0.2–0.45;
    pub far_hidden_ahead: Option<f64>,
    /// a low camera: the far side's points sit this much higher in the picture (leg
    /// lengths), its belt line above the near one's;
    pub far_depth_frac: f64,
    /// the camera rolled by this much, degrees (the whole picture turned about its centre).
    pub camera_roll_deg: f64,
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
            runner_height_m: 1.75,
            strike: Strike::Heel,
            retraction_s: 0.0,
            retraction_speed_lps: 0.0,
            drift_frac: 0.0,
            drift_period_s: 8.0,
            speed_change: 0.0,
            speed_change_at_s: 0.0,
            speed_change_over_s: 1.0,
            walking: false,
            noise_corr_s: 0.0,
            far_snap_frac: 0.0,
            first_left_ic_s: None,
            knee_flexion_to_deg: KNEE_FLEXION_TO_DEG,
            exposure_s: 0.0,
            far_visibility: (0.50, 0.80),
            far_jump_frac: 0.0,
            far_hidden_ahead: None,
            far_depth_frac: 0.0,
            camera_roll_deg: 0.0,
        }
    }
}

impl RunParams {
    /// A phone at 30 fps, low and close, as on the real runner (`tests/data/real`): left and
    /// right swapped for 1–3 frames at a time on 4 % of frames, the far foot's visibility
    /// 0.35–0.65 and jumps of 50–100 px on 4 % of frames, the far leg hidden at the front of
    /// its stride, its belt line 3 % of a leg higher, motion blur of a 1/60 s exposure,
    /// 1 % noise correlated over 80 ms, the camera rolled 1°.
    pub fn phone() -> RunParams {
        RunParams {
            fps: 30.0,
            noise_frac: 0.01,
            noise_corr_s: 0.08,
            missing_frac: 0.02,
            swap_frames: 0.04,
            far_snap_frac: 0.02,
            exposure_s: 1.0 / 60.0,
            far_visibility: (0.35, 0.65),
            far_jump_frac: 0.04,
            far_hidden_ahead: Some(0.25),
            far_depth_frac: 0.03,
            camera_roll_deg: 1.0,
            ..RunParams::default()
        }
    }

    /// A walking warm-up on the treadmill: 110 steps/min, duty factor 0.62 (double support),
    /// the heel well ahead, knee nearly straight at contact, hips highest at mid-stance.
    pub fn walking() -> RunParams {
        RunParams {
            walking: true,
            cadence_spm: 110.0,
            duty_factor: 0.62,
            overstride_ratio: 0.30,
            knee_flexion_ic_deg: 8.0,
            foot_angle_ic_deg: 18.0,
            vertical_oscillation_frac: 0.035,
            runner_height_m: 1.75,
            ..RunParams::default()
        }
    }

    /// The same run without noise, dropouts or swaps.
    pub fn noiseless(&self) -> RunParams {
        RunParams {
            noise_frac: 0.0,
            missing_frac: 0.0,
            swap_frames: 0.0,
            far_snap_frac: 0.0,
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
    /// Whether the far leg snapped onto the near one in `keypoints`.
    pub snapped: bool,
}

#[derive(Clone, Debug)]
pub struct SyntheticRun {
    pub params: RunParams,
    pub frames: Vec<SyntheticFrame>,
    pub truth: Truth,
    pub width: i32,
    pub height: i32,
    /// The noiseless model, for evaluating the exact pose at any model time
    /// (`model.pose(warp.model_time(t))`).
    pub model: Model,
    pub warp: Warp,
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
const STREAM_SNAP: u64 = 6;
const MAX_MISSING_RUN: usize = 5;
const MAX_SNAP_RUN: usize = 6;
/// Share of the leg length by which a snapped far-leg point misses the near one.
const SNAP_JITTER_FRAC: f64 = 0.01;
const MAX_SWAP_RUN: usize = 3;
const STREAM_JUMP: u64 = 7;
const STREAM_HIDDEN: u64 = 8;
const MAX_JUMP_RUN: usize = 2;
/// Sub-samples of the exposure for motion blur.
const EXPOSURE_SAMPLES: usize = 5;

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
    ok((0.1..=0.7).contains(&p.duty_factor), "duty_factor");
    ok((0.0..=0.1).contains(&p.retraction_s), "retraction_s");
    ok(
        (0.0..=3.0).contains(&p.retraction_speed_lps),
        "retraction_speed_lps",
    );
    ok(
        p.retraction_s > 0.0 || p.retraction_speed_lps == 0.0,
        "retraction",
    );
    ok(
        (0.0..=0.3).contains(&p.drift_frac) && p.drift_period_s > 1.0,
        "drift",
    );
    ok(
        p.speed_change > -0.5 && p.speed_change < 1.0 && p.speed_change_over_s > 0.0,
        "speed_change",
    );
    ok(p.noise_corr_s >= 0.0, "noise_corr_s");
    ok(
        (5.0..=60.0).contains(&p.knee_flexion_to_deg),
        "knee_flexion_to_deg",
    );
    ok((0.0..=0.3).contains(&p.far_snap_frac), "far_snap_frac");
    ok((0.0..=0.05).contains(&p.exposure_s), "exposure_s");
    ok(
        0.0 <= p.far_visibility.0 && p.far_visibility.0 < p.far_visibility.1 && p.far_visibility.1 <= 1.0,
        "far_visibility",
    );
    ok((0.0..=0.2).contains(&p.far_jump_frac), "far_jump_frac");
    ok((0.0..=0.1).contains(&p.far_depth_frac), "far_depth_frac");
    ok(p.camera_roll_deg.abs() <= 5.0, "camera_roll_deg");
    ok(
        match p.strike {
            Strike::Heel => p.foot_angle_ic_deg > 0.0,
            Strike::Mid => true,
            Strike::Fore => p.foot_angle_ic_deg < 0.0,
        },
        "foot_angle_ic_deg for the strike",
    );
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
    ok((1.4..=2.1).contains(&p.runner_height_m), "runner_height_m");
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
    let first_left_ic = p
        .first_left_ic_s
        .unwrap_or_else(|| stream(p.seed, STREAM_PHASE).gen_range(0.0..stride_time));
    let model = Model::new(p, first_left_ic, width, ground_y);
    let warp = Warp::new(p);
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
    let snapped = pick_runs(
        &mut stream(p.seed, STREAM_SNAP),
        &missing,
        (p.far_snap_frac * n as f64).round() as usize,
        MAX_SNAP_RUN,
    );
    let jumped = pick_runs(
        &mut stream(p.seed, STREAM_JUMP),
        &missing,
        (p.far_jump_frac * n as f64).round() as usize,
        MAX_JUMP_RUN,
    );
    let mut jump_rng = stream(p.seed, STREAM_JUMP + 100);
    let mut hidden_rng = stream(p.seed, STREAM_HIDDEN);
    // The guess for a hidden far leg wanders slowly: one offset per stride.
    let mut hidden_offset = [0.0f64; 2];
    let mut hidden_until = f64::NEG_INFINITY;
    let (roll_sin, roll_cos) = p.camera_roll_deg.to_radians().sin_cos();
    let white = Normal::new(0.0, 1.0).expect("unit normal");
    let sigma = p.noise_frac * l;
    // AR(1): e ← ρ·e + √(1−ρ²)·σ·w keeps the spread σ with correlation ρ between frames.
    let rho = if p.noise_corr_s > 0.0 {
        (-1.0 / (p.fps * p.noise_corr_s)).exp()
    } else {
        0.0
    };
    let innovation = (1.0 - rho * rho).sqrt();
    let mut vis_rng = stream(p.seed, STREAM_VISIBILITY);
    let mut noise_rng = stream(p.seed, STREAM_NOISE);
    let mut snap_rng = stream(p.seed, STREAM_SNAP + 100);
    let mut error = [[0.0f64; 2]; 33];
    for e in error.iter_mut().flatten() {
        *e = sigma * white.sample(&mut noise_rng);
    }
    let near = if p.direction > 0.0 {
        Side::Left
    } else {
        Side::Right
    };

    let mut ik_clamped_frames = 0;
    let mut frames = Vec::with_capacity(n);
    for i in 0..n {
        let t = i as f64 / p.fps;
        let pose = model.pose(warp.model_time(t));
        ik_clamped_frames += usize::from(pose.clamped);
        // What the camera shows: the limbs blurred over the exposure.
        let seen_pts: [[f64; 2]; 33] = if p.exposure_s > 0.0 {
            let mut sum = [[0.0f64; 2]; 33];
            for j in 0..EXPOSURE_SAMPLES {
                let dt = p.exposure_s * ((j as f64 + 0.5) / EXPOSURE_SAMPLES as f64 - 0.5);
                let sub = model.pose(warp.model_time(t + dt));
                for (s, q) in sum.iter_mut().zip(sub.points.iter()) {
                    s[0] += q[0] / EXPOSURE_SAMPLES as f64;
                    s[1] += q[1] / EXPOSURE_SAMPLES as f64;
                }
            }
            sum
        } else {
            pose.points
        };
        let far = near.other();
        let far_ankle_ahead = p.direction.signum()
            * (pose.points[ANKLE + far.offset()][0] - 0.5 * (pose.points[HIP][0] + pose.points[HIP + 1][0]))
            / l;
        let hidden = p.far_hidden_ahead.is_some_and(|a| far_ankle_ahead > a);
        if hidden && t > hidden_until {
            let r = hidden_rng.gen_range(0.1..0.25) * l;
            let a = hidden_rng.gen_range(0.0..std::f64::consts::TAU);
            hidden_offset = [r * a.cos(), r * a.sin()];
            hidden_until = t + model.stride_time;
        }
        let mut clean = [[0f32; 3]; 33];
        let mut noisy = [[0f32; 3]; 33];
        for (k, (pt, seen)) in pose.points.iter().zip(seen_pts.iter()).enumerate() {
            let side = if k % 2 == 1 { Side::Left } else { Side::Right };
            let is_far_leg = (KNEE..=TOE + 1).contains(&k) && side == far;
            // Knee to toe: the near leg is seen well, the far one behind it less so.
            let vis = if (KNEE..=TOE + 1).contains(&k) {
                if side == near {
                    vis_rng.gen_range(0.90..0.99)
                } else if hidden {
                    vis_rng.gen_range(0.20..0.45)
                } else {
                    vis_rng.gen_range(p.far_visibility.0..p.far_visibility.1)
                }
            } else {
                vis_rng.gen_range(0.85..0.97)
            };
            // The low camera lifts the far side; the hidden far leg is a guess.
            let mut seen = *seen;
            if k >= HIP && side == far {
                seen[1] -= p.far_depth_frac * l;
            }
            if is_far_leg && hidden {
                seen[0] += hidden_offset[0];
                seen[1] += hidden_offset[1];
            }
            // The camera's roll turns the whole picture about its centre.
            let (cx, cy) = (0.5 * width as f64, 0.5 * height as f64);
            let (dx, dy) = (seen[0] - cx, seen[1] - cy);
            let seen = [
                cx + roll_cos * dx - roll_sin * dy,
                cy + roll_sin * dx + roll_cos * dy,
            ];
            if i > 0 {
                for e in error[k].iter_mut() {
                    *e = rho * *e + innovation * sigma * white.sample(&mut noise_rng);
                }
            }
            clean[k] = [pt[0] as f32, pt[1] as f32, vis];
            noisy[k] = [
                (seen[0] + error[k][0]) as f32,
                (seen[1] + error[k][1]) as f32,
                vis,
            ];
        }
        if jumped[i] {
            let r = jump_rng.gen_range(0.17..0.34) * l;
            let a = jump_rng.gen_range(0.0..std::f64::consts::TAU);
            for base in [ANKLE, HEEL, TOE] {
                let k = base + far.offset();
                noisy[k][0] += (r * a.cos()) as f32;
                noisy[k][1] += (r * a.sin()) as f32;
            }
        }
        if snapped[i] {
            let far = near.other();
            for base in [KNEE, ANKLE, HEEL, TOE] {
                let (from, to) = (base + near.offset(), base + far.offset());
                let jitter = SNAP_JITTER_FRAC * l;
                noisy[to] = [
                    noisy[from][0] + (jitter * white.sample(&mut snap_rng)) as f32,
                    noisy[from][1] + (jitter * white.sample(&mut snap_rng)) as f32,
                    noisy[to][2],
                ];
            }
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
            snapped: snapped[i],
        });
    }

    // Events in model time, reported in media time.
    let event = |side, t| TrueEvent {
        side,
        t,
        frame: nearest_frame(t, p.fps, n),
    };
    let m_last = warp.model_time(t_last);
    let mut contacts = Vec::new();
    let mut toe_offs = Vec::new();
    let mut steps = Vec::new();
    for side in [Side::Left, Side::Right] {
        for k in -2.. {
            let m_ic = model.ic_time(side, k);
            if m_ic > m_last {
                break;
            }
            let m_to = m_ic + model.contact_time;
            let (ic_t, toe_off_t) = (warp.media_time(m_ic), warp.media_time(m_to));
            let inside = |t: f64| (0.0..=t_last).contains(&t);
            if inside(ic_t) {
                contacts.push(event(side, ic_t));
            }
            if inside(toe_off_t) {
                toe_offs.push(event(side, toe_off_t));
            }
            if inside(ic_t) && inside(toe_off_t) {
                let pts = model.pose(m_ic).points;
                let loading = model.pose(m_ic + 0.2 * model.contact_time).points;
                steps.push(TrueStep {
                    side,
                    ic_t,
                    toe_off_t,
                    contact_time_s: toe_off_t - ic_t,
                    strike: p.strike,
                    overstride_ratio: defined_overstride_of(&pts, side, p.direction, l),
                    shank_angle_deg: shank_angle_of(&pts, side, p.direction),
                    knee_flexion_deg: knee_flexion_of(&pts, side),
                    foot_angle_deg: foot_angle_of(&pts, side, p.direction),
                    shank_angle_lr_deg: shank_angle_of(&loading, side, p.direction),
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
        warp,
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod variety_tests;

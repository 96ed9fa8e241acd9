//! A treadmill speed ramp: one runner, stages of rising belt speed, each stage its own
//! steady run of the model with the stride geometry that speed gives.
//!
//! How the runner adapts, per stage `k` at speed `v_k`:
//! - cadence: each increment multiplies it by `(v_{k+1}/v_k)^β_k`, so `β_k` is exactly the
//!   share of that increment carried by cadence (Δln cadence / Δln speed) and `1 − β_k` the
//!   share carried by step length (step length = speed × step time on a treadmill). Runners
//!   lengthen their steps first and turn to cadence at higher speeds [Dorn 2012], so `β`
//!   rises from stage to stage;
//! - overstride grows a little with speed, and the foot leaves the belt further behind
//!   (the thigh more extended at toe-off);
//! - contact time is what the geometry gives at that belt speed: the stance foot rides the
//!   belt at `v_k`, over a contact length set by where the foot lands and leaves, so the
//!   duty factor falls as the belt speeds up.
//!
//! The picture's scale is one camera's: `leg_length_px / leg_length_m` pixels per metre in
//! every stage, so the belt's speed in the image follows the schedule. Stages join at the
//! same phase of the stride (the runner does not stumble), but the geometry changes at once:
//! the first steps of a stage are the runner adapting, as on a real belt.

use super::{generate, Model, RunParams, SyntheticFrame, SyntheticRun, TrueStep};

#[derive(Clone, Debug)]
pub struct RampParams {
    /// Frame rate, noise, dropouts, leg length in pixels, seed: everything but the gait.
    pub base: RunParams,
    /// Thigh + shank in metres (sets the picture's scale with `base.leg_length_px`).
    pub leg_length_m: f64,
    /// Belt speed of each stage, km/h.
    pub speeds_kmh: Vec<f64>,
    pub stage_s: f64,
    /// Cadence at the first stage, steps/min.
    pub first_cadence_spm: f64,
    /// Cadence's share of each increment (one fewer than the stages).
    pub cadence_shares: Vec<f64>,
    /// Overstride at the first stage, and its growth per km/h, leg lengths.
    pub first_overstride: f64,
    pub overstride_per_kmh: f64,
    /// Knee flexion at toe-off = `knee_to_intercept_deg + knee_to_per_kmh × speed`: faster
    /// running pushes further back, so the thigh is more extended when the toe leaves.
    pub knee_to_intercept_deg: f64,
    pub knee_to_per_kmh: f64,
    /// Changes to one stage's gait beyond what its speed gives (the runner changing form).
    pub adjust: Option<fn(usize, &mut RunParams)>,
}

impl Default for RampParams {
    fn default() -> Self {
        RampParams {
            base: RunParams::default(),
            leg_length_m: 0.9,
            speeds_kmh: vec![8.0, 10.0, 12.0, 14.0],
            stage_s: 40.0,
            first_cadence_spm: 155.0,
            cadence_shares: vec![0.1, 0.2, 0.55],
            first_overstride: 0.10,
            overstride_per_kmh: 0.012,
            knee_to_intercept_deg: 46.0,
            knee_to_per_kmh: -2.5,
            adjust: None,
        }
    }
}

/// What the runner did in one stage.
#[derive(Clone, Debug)]
pub struct StageTruth {
    pub speed_kmh: f64,
    pub start_s: f64,
    pub end_s: f64,
    pub cadence_spm: f64,
    /// Belt speed × step time.
    pub step_length_m: f64,
    pub contact_time_s: f64,
    pub duty_factor: f64,
    pub overstride_ratio: f64,
    /// Hip → knee behind vertical when the toe leaves the belt, degrees.
    pub thigh_extension_to_deg: f64,
}

pub struct RampRun {
    /// The whole ramp as one run (`run.truth` holds every stage's events and steps; its
    /// single-pace fields are the first stage's).
    pub run: SyntheticRun,
    pub stages: Vec<StageTruth>,
    pub px_per_m: f64,
}

impl RampRun {
    /// `--speed-schedule` for this ramp: "0:8,40:10,…".
    pub fn schedule(&self) -> String {
        self.stages
            .iter()
            .map(|s| format!("{}:{}", s.start_s, s.speed_kmh))
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// The duty factor that makes the stance foot ride the belt at `belt_px_s` (the model's
/// contact length hardly depends on it, so a few fixed-point steps settle it).
fn duty_for_speed(p: &RunParams, belt_px_s: f64) -> f64 {
    let mut duty = 0.35;
    for _ in 0..20 {
        let m = Model::new(
            &RunParams {
                duty_factor: duty,
                ..p.clone()
            },
            0.0,
            1000,
            500.0,
        );
        duty *= m.belt_speed_px_s / belt_px_s;
        duty = duty.clamp(0.1, 0.7);
    }
    duty
}

/// Hip → knee behind vertical at the first toe-off of a steady run, degrees.
fn thigh_extension_at_toe_off(run: &SyntheticRun) -> f64 {
    let step = &run.truth.steps[0];
    let pts = run.model.pose(step.toe_off_t).points;
    let (hip, knee) = (
        pts[super::HIP + step.side.offset()],
        pts[super::KNEE + step.side.offset()],
    );
    (-(knee[0] - hip[0]) * run.params.direction)
        .atan2(knee[1] - hip[1])
        .to_degrees()
}

pub fn generate_ramp(r: &RampParams) -> RampRun {
    assert_eq!(
        r.cadence_shares.len() + 1,
        r.speeds_kmh.len(),
        "one cadence share per increment"
    );
    let px_per_m = r.base.leg_length_px / r.leg_length_m;
    let fps = r.base.fps;
    assert!((r.stage_s * fps).fract() == 0.0, "whole frames per stage");
    let mut frames: Vec<SyntheticFrame> = Vec::new();
    let mut stages = Vec::new();
    let mut first: Option<SyntheticRun> = None;
    let (mut contacts, mut toe_offs, mut steps) = (Vec::new(), Vec::new(), Vec::<TrueStep>::new());
    let mut cadence = r.first_cadence_spm;
    // Phase of the left foot's stride at the end of the previous stage, 0..1.
    let mut phase_at_end: Option<f64> = None;
    for (k, &kmh) in r.speeds_kmh.iter().enumerate() {
        if k > 0 {
            cadence *= (kmh / r.speeds_kmh[k - 1]).powf(r.cadence_shares[k - 1]);
        }
        let start = k as f64 * r.stage_s;
        let overstride = r.first_overstride + r.overstride_per_kmh * (kmh - r.speeds_kmh[0]);
        let stride = 120.0 / cadence;
        let mut gait = RunParams {
            cadence_spm: cadence,
            overstride_ratio: overstride,
            duration_s: r.stage_s,
            seed: r.base.seed * 1000 + k as u64,
            belt_speed_mps: Some(kmh / 3.6),
            first_left_ic_s: phase_at_end.map(|phi| (1.0 - phi).rem_euclid(1.0) * stride),
            knee_flexion_to_deg: r.knee_to_intercept_deg + r.knee_to_per_kmh * kmh,
            ..r.base.clone()
        };
        if let Some(adjust) = r.adjust {
            adjust(k, &mut gait);
        }
        let duty = duty_for_speed(&gait, kmh / 3.6 * px_per_m);
        let stage = generate(&RunParams {
            duty_factor: duty,
            ..gait.clone()
        });
        let m = &stage.model;
        assert!(
            (m.belt_speed_px_s / px_per_m * 3.6 - kmh).abs() < 1e-3 * kmh,
            "stage {k}: the belt runs at {} km/h in the picture, not {kmh}",
            m.belt_speed_px_s / px_per_m * 3.6
        );
        assert!(
            duty < 0.5,
            "stage {k} at {kmh} km/h: duty factor {duty:.2} is not running"
        );
        phase_at_end = Some(((r.stage_s - m.first_left_ic) / m.stride_time).rem_euclid(1.0));
        stages.push(StageTruth {
            speed_kmh: kmh,
            start_s: start,
            end_s: start + r.stage_s,
            cadence_spm: cadence,
            step_length_m: kmh / 3.6 * m.step_time,
            contact_time_s: m.contact_time,
            duty_factor: duty,
            overstride_ratio: gait.overstride_ratio,
            thigh_extension_to_deg: thigh_extension_at_toe_off(&stage),
        });
        let offset_frames = frames.len();
        let shift = |e: &super::TrueEvent| super::TrueEvent {
            side: e.side,
            t: e.t + start,
            frame: e.frame + offset_frames,
        };
        contacts.extend(stage.truth.contacts.iter().map(shift));
        toe_offs.extend(stage.truth.toe_offs.iter().map(shift));
        steps.extend(stage.truth.steps.iter().map(|s| TrueStep {
            ic_t: s.ic_t + start,
            toe_off_t: s.toe_off_t + start,
            ic_frame: s.ic_frame + offset_frames,
            toe_off_frame: s.toe_off_frame + offset_frames,
            ..s.clone()
        }));
        frames.extend(stage.frames.iter().map(|f| SyntheticFrame {
            t: f.t + start,
            ..f.clone()
        }));
        first.get_or_insert(stage);
    }
    let mut run = first.expect("at least one stage");
    run.frames = frames;
    run.truth.contacts = contacts;
    run.truth.toe_offs = toe_offs;
    run.truth.steps = steps;
    run.truth.px_per_m = Some(px_per_m);
    run.params.duration_s = r.stage_s * r.speeds_kmh.len() as f64;
    RampRun {
        run,
        stages,
        px_per_m,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_follow_the_belt_and_split_each_increment_as_asked() {
        let ramp = generate_ramp(&RampParams::default());
        for s in &ramp.stages {
            eprintln!("{s:?}");
        }
        let st = &ramp.stages;
        for (k, w) in st.windows(2).enumerate() {
            let dv = (w[1].speed_kmh / w[0].speed_kmh).ln();
            let dc = (w[1].cadence_spm / w[0].cadence_spm).ln();
            let dl = (w[1].step_length_m / w[0].step_length_m).ln();
            assert!((dc / dv - RampParams::default().cadence_shares[k]).abs() < 1e-9);
            assert!(
                (dc + dl - dv).abs() < 1e-9,
                "step length and cadence make up the speed"
            );
            assert!(
                w[1].duty_factor < w[0].duty_factor,
                "faster: shorter share on the ground"
            );
        }
        // Running throughout: a flight phase (duty factor below 0.5) in every stage.
        assert!(
            st.iter().all(|s| s.duty_factor > 0.2 && s.duty_factor < 0.45),
            "{st:?}"
        );
        // The picture keeps one scale; time runs on across the joins.
        let f = &ramp.run.frames;
        assert!(f
            .windows(2)
            .all(|w| ((w[1].t - w[0].t) * 60.0 - 1.0).abs() < 1e-6));
        let c = &ramp.run.truth.contacts;
        for w in c.windows(2) {
            // (A contact in a join's last 1/60 s belongs to neither stage's frames.)
            let step = 60.0 / 150.0;
            assert!(w[0].side != w[1].side || w[1].t - w[0].t > 1.5 * step, "{w:?}");
            assert!(w[1].t - w[0].t < 2.5 * step, "no lost stride at a join: {w:?}");
        }
    }
}

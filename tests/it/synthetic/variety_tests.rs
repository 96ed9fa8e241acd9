//! Self-tests of what makes the synthetic runner hard: strike types, late-swing retraction,
//! the foot leaving the belt at belt speed, walking, speed changes, correlated noise and the
//! far leg snapping.

use super::*;

fn quiet(p: RunParams) -> SyntheticRun {
    generate(&p.noiseless())
}

/// The foot's velocity is continuous through TO (it leaves the belt moving with it) and the
/// retraction speed at IC is as asked.
#[test]
fn foot_velocity_is_continuous_at_toe_off_and_retracts_at_contact() {
    let p = RunParams {
        retraction_s: 0.04,
        retraction_speed_lps: 1.5,
        ..RunParams::default()
    };
    let run = quiet(p.clone());
    let m = &run.model;
    let step = &run.truth.steps[2];
    let k = TOE + step.side.offset();
    let dt = 1e-4;
    let vx = |t: f64, k: usize| (m.pose(t + dt).points[k][0] - m.pose(t - dt).points[k][0]) / (2.0 * dt);
    let before = vx(step.toe_off_t - 3.0 * dt, k);
    let after = vx(step.toe_off_t + 3.0 * dt, k);
    assert!(
        (before - after).abs() < 0.02 * run.truth.belt_speed_px_s,
        "{before} vs {after}"
    );
    assert!((before + run.truth.belt_speed_px_s).abs() < 0.05 * run.truth.belt_speed_px_s);
    let h = HEEL + step.side.offset();
    let hip = |t: f64| {
        let pts = m.pose(t).points;
        0.5 * (pts[HIP][0] + pts[HIP + 1][0])
    };
    let rel = (m.pose(step.ic_t - dt).points[h][0]
        - hip(step.ic_t - dt)
        - m.pose(step.ic_t - 3.0 * dt).points[h][0]
        + hip(step.ic_t - 3.0 * dt))
        / (2.0 * dt);
    assert!(
        (rel / p.leg_length_px + 1.5).abs() < 0.05,
        "retraction speed {} L/s",
        rel / p.leg_length_px
    );
}

/// Each strike lands on its own contact point: the heel toe-up, the whole foot flat, or the
/// toe heel-up; the point reaches the belt exactly at IC and the rest of the foot after.
#[test]
fn heel_mid_and_forefoot_strikes_land_on_their_contact_point() {
    for (strike, angle) in [(Strike::Heel, 15.0), (Strike::Mid, 0.0), (Strike::Fore, -8.0)] {
        for direction in [1.0, -1.0] {
            let p = RunParams {
                strike,
                foot_angle_ic_deg: angle,
                direction,
                retraction_s: 0.03,
                retraction_speed_lps: 1.0,
                duration_s: 4.0,
                ..RunParams::default()
            };
            let run = quiet(p.clone());
            assert_eq!(run.truth.ik_clamped_frames, 0, "{p:?}");
            let ground = run.truth.ground_y_px;
            for step in &run.truth.steps {
                let s = step.side.offset();
                let at = run.model.pose(step.ic_t).points;
                let (heel, toe) = (at[HEEL + s], at[TOE + s]);
                let f = strike.contact_fraction();
                let contact_y = heel[1] + f * (toe[1] - heel[1]);
                assert!((contact_y - ground).abs() < 1e-6, "{p:?}");
                assert!(heel[1] <= ground + 1e-6 && toe[1] <= ground + 1e-6, "{p:?}");
                assert!((step.foot_angle_deg - angle).abs() < 1e-3, "{p:?}");
                let before = run.model.pose(step.ic_t - 0.003).points;
                assert!(before[HEEL + s][1] < ground - 0.5 && before[TOE + s][1] < ground - 0.5);
                match strike {
                    Strike::Heel => assert!(toe[1] < ground - 1.0),
                    Strike::Mid => assert!((toe[1] - ground).abs() < 1e-6),
                    Strike::Fore => assert!(heel[1] < ground - 1.0),
                }
                // The defined point is within half a foot of the point that touched first.
                let ahead = step.overstride_ratio - p.overstride_ratio;
                assert!(ahead.abs() <= 0.5 * FOOT_LENGTH_FRAC + 1e-3, "{p:?}");
            }
        }
    }
}

/// Walking: double support (both feet on the belt around each IC) and hips highest at
/// mid-stance; running: a flight phase and hips lowest at mid-stance.
#[test]
fn walking_has_double_support_and_running_a_flight_phase() {
    let walk = RunParams {
        duration_s: 6.0,
        ..RunParams::walking()
    };
    for (p, walking) in [(walk, true), (RunParams::default(), false)] {
        let run = quiet(p.clone());
        assert_eq!(run.truth.ik_clamped_frames, 0, "{p:?}");
        let m = &run.model;
        let step = &run.truth.steps[2];
        // Just after IC, is the other foot still down?
        let other = m.foot(step.side.other(), step.ic_t + 0.01);
        assert_eq!(other.in_stance, walking, "{p:?}");
        let hip_h = |t: f64| m.hip_centre(t)[1];
        let mid = step.ic_t + 0.5 * step.contact_time_s;
        assert_eq!(hip_h(mid) > hip_h(step.ic_t), walking, "{p:?}");
    }
}

#[test]
fn speed_changes_warp_time_smoothly_and_invertibly() {
    let p = RunParams {
        speed_change: 0.15,
        speed_change_at_s: 5.0,
        speed_change_over_s: 4.0,
        duration_s: 14.0,
        ..RunParams::default()
    };
    let run = generate(&p.noiseless());
    let w = run.warp;
    for t in [0.0, 4.0, 6.5, 9.0, 13.0] {
        assert!((w.media_time(w.model_time(t)) - t).abs() < 1e-9);
    }
    let steps = &run.truth.steps;
    let early = steps.iter().find(|s| s.ic_t > 1.0).unwrap();
    let late = steps.iter().rev().find(|s| s.ic_t < 12.5).unwrap();
    assert!((early.contact_time_s - run.truth.contact_time_s).abs() < 1e-6);
    assert!((late.contact_time_s * 1.15 - run.truth.contact_time_s).abs() < 1e-6);
    let gaps: Vec<f64> = run.truth.contacts.windows(2).map(|c| c[1].t - c[0].t).collect();
    assert!(gaps.iter().all(|g| *g > 0.0));
    assert!((gaps[gaps.len() - 1] * 1.15 - run.truth.step_time_s).abs() < 1e-3);
}

#[test]
fn correlated_noise_keeps_its_spread_and_far_leg_snaps_onto_the_near_one() {
    let p = RunParams {
        noise_frac: 0.01,
        noise_corr_s: 0.1,
        far_snap_frac: 0.05,
        swap_frames: 0.0,
        duration_s: 20.0,
        ..RunParams::default()
    };
    let run = generate(&p);
    let (mut sum2, mut count, mut lag1, mut lag_count) = (0.0, 0.0, 0.0, 0.0);
    let mut last: Option<f64> = None;
    for f in &run.frames {
        let Some(kps) = f.keypoints else {
            last = None;
            continue;
        };
        let e = f64::from(kps[0][0] - f.clean[0][0]);
        sum2 += e * e;
        count += 1.0;
        if let Some(prev) = last {
            lag1 += e * prev;
            lag_count += 1.0;
        }
        last = Some(e);
    }
    let var = sum2 / count;
    let sd = var.sqrt() / p.leg_length_px;
    let rho = lag1 / lag_count / var;
    let want = (-1.0f64 / (60.0 * 0.1)).exp();
    assert!((sd - 0.01).abs() < 0.002, "sd {sd}");
    assert!((rho - want).abs() < 0.05, "lag-1 correlation {rho} vs {want}");
    let snapped: Vec<_> = run
        .frames
        .iter()
        .filter(|f| f.snapped && f.keypoints.is_some())
        .collect();
    assert!((snapped.len() as f64 / run.frames.len() as f64 - 0.05).abs() < 0.005);
    // Facing +x the near leg is the left one: the right (far) ankle sits on the left one.
    for f in snapped {
        let k = f.keypoints.unwrap();
        let d = f64::from((k[ANKLE + 1][0] - k[ANKLE][0]).hypot(k[ANKLE + 1][1] - k[ANKLE][1]));
        assert!(d < 0.05 * p.leg_length_px, "{d}");
    }
}

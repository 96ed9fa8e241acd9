//! Self-tests of the generator: the truth it reports is what the keypoints show.

use super::*;

fn quiet(p: RunParams) -> SyntheticRun {
    generate(&p.noiseless())
}

fn pts64(kp: &[[f32; 3]; 33]) -> [[f64; 2]; 33] {
    kp.map(|k| [f64::from(k[0]), f64::from(k[1])])
}

fn dist(a: [f64; 2], b: [f64; 2]) -> f64 {
    (a[0] - b[0]).hypot(a[1] - b[1])
}

/// Corners of the documented ranges, both directions.
fn corners() -> Vec<RunParams> {
    let mut out = Vec::new();
    for overstride_ratio in [0.0, 0.1, 0.3] {
        for (cadence_spm, duty_factor) in [(150.0, 0.40), (195.0, 0.30), (170.0, 0.35)] {
            for direction in [1.0, -1.0] {
                out.push(RunParams {
                    overstride_ratio,
                    cadence_spm,
                    duty_factor,
                    direction,
                    trunk_lean_deg: 15.0 * overstride_ratio / 0.3,
                    duration_s: 3.0,
                    seed: out.len() as u64,
                    ..RunParams::default()
                });
            }
        }
    }
    out
}

#[test]
fn heel_is_on_the_belt_at_the_overstride_ratio_at_every_ic() {
    for p in corners() {
        let run = quiet(p.clone());
        assert!(run.truth.steps.len() >= 4, "{p:?}");
        for step in &run.truth.steps {
            let pts = run.model.pose(step.ic_t).points;
            let heel = pts[HEEL + step.side.offset()];
            assert!(
                (heel[1] - run.truth.ground_y_px).abs() < 1e-6,
                "heel off the belt at IC, {p:?}"
            );
            let ratio = overstride_of(&pts, step.side, p.strike, p.direction, p.leg_length_px);
            assert!((ratio - p.overstride_ratio).abs() < 1e-3, "{ratio} vs {p:?}");
            // The defined point lies within half a foot of the point that touched first.
            let ahead = step.overstride_ratio - p.overstride_ratio;
            assert!(ahead.abs() <= 0.5 * FOOT_LENGTH_FRAC + 1e-3, "{ahead} vs {p:?}");
            assert!(
                (step.knee_flexion_deg - p.knee_flexion_ic_deg).abs() < 1e-3,
                "{p:?}"
            );
            assert!((step.foot_angle_deg - p.foot_angle_ic_deg).abs() < 1e-3, "{p:?}");
            // Just before IC the heel is still in the air.
            let before = run.model.pose(step.ic_t - 0.002).points[HEEL + step.side.offset()];
            assert!(before[1] < run.truth.ground_y_px - 0.5, "{p:?}");
        }
    }
}

#[test]
fn contacts_alternate_one_step_apart() {
    for fps in [25.0, 60.0, 240.0] {
        let p = RunParams {
            fps,
            cadence_spm: 183.0,
            duration_s: 6.0,
            ..RunParams::default()
        };
        let run = generate(&p);
        let truth = &run.truth;
        let step = 60.0 / p.cadence_spm;
        assert!((truth.step_time_s - step).abs() < 1e-12 && (truth.cadence_spm - 183.0).abs() < 1e-9);
        assert!((truth.contact_time_s - p.duty_factor * 2.0 * step).abs() < 1e-12);
        assert!((truth.contacts.len() as f64 - p.duration_s / step).abs() <= 1.0);
        assert!(truth.contacts[0].t < step);
        for pair in truth.contacts.windows(2) {
            assert_ne!(pair[0].side, pair[1].side);
            assert!((pair[1].t - pair[0].t - step).abs() < 1e-9);
        }
        for e in truth.contacts.iter().chain(&truth.toe_offs) {
            assert_eq!(e.frame, (e.t * fps).round() as usize);
        }
        for s in &truth.steps {
            assert!((s.toe_off_t - s.ic_t - truth.contact_time_s).abs() < 1e-12);
            let to = truth.toe_offs.iter().find(|e| (e.t - s.toe_off_t).abs() < 1e-12);
            assert_eq!(to.map(|e| e.side), Some(s.side));
        }
    }
}

#[test]
fn segments_keep_their_lengths_and_feet_stay_above_the_belt() {
    for p in corners() {
        let run = quiet(p.clone());
        let l = p.leg_length_px;
        assert_eq!(run.truth.ik_clamped_frames, 0, "{p:?}");
        for f in &run.frames {
            let pts = pts64(&f.clean);
            for s in [0, 1] {
                let thigh = dist(pts[HIP + s], pts[KNEE + s]);
                let shank = dist(pts[KNEE + s], pts[ANKLE + s]);
                let foot = dist(pts[HEEL + s], pts[TOE + s]);
                assert!((thigh - THIGH_FRAC * l).abs() < 1e-2, "thigh {thigh}, {p:?}");
                assert!((shank - SHANK_FRAC * l).abs() < 1e-2, "shank {shank}, {p:?}");
                assert!((foot - FOOT_LENGTH_FRAC * l).abs() < 1e-2, "foot {foot}, {p:?}");
                for k in [HEEL + s, TOE + s, ANKLE + s] {
                    assert!(pts[k][1] <= run.truth.ground_y_px + 1e-3, "below the belt, {p:?}");
                }
                // The knee bends forward, toward the running direction.
                let (hip, knee, ankle) = (pts[HIP + s], pts[KNEE + s], pts[ANKLE + s]);
                let cross =
                    (ankle[0] - hip[0]) * (knee[1] - hip[1]) - (ankle[1] - hip[1]) * (knee[0] - hip[0]);
                assert!(cross * p.direction <= 1e-6, "knee bends backward, {p:?}");
            }
        }
    }
}

#[test]
fn the_two_directions_mirror_each_other() {
    let forward = quiet(RunParams {
        duration_s: 3.0,
        ..RunParams::default()
    });
    let backward = quiet(RunParams {
        direction: -1.0,
        duration_s: 3.0,
        ..RunParams::default()
    });
    let w = f64::from(forward.width);
    for (a, b) in forward.frames.iter().zip(&backward.frames) {
        for (pa, pb) in a.clean.iter().zip(&b.clean) {
            assert!((f64::from(pa[0]) + f64::from(pb[0]) - w).abs() < 1e-3);
            assert!((pa[1] - pb[1]).abs() < 1e-3);
        }
        // The near leg is the left one facing +x and the right one facing −x.
        assert!(a.clean[ANKLE][2] > 0.85 && a.clean[ANKLE + 1][2] < 0.85);
        assert!(b.clean[ANKLE][2] < 0.85 && b.clean[ANKLE + 1][2] > 0.85);
    }
    for (a, b) in forward.truth.steps.iter().zip(&backward.truth.steps) {
        assert_eq!(a.side, b.side);
        assert!((a.shank_angle_deg - b.shank_angle_deg).abs() < 1e-9);
        assert!((a.overstride_ratio - b.overstride_ratio).abs() < 1e-9);
    }
}

/// Lengths of the runs of `true` in `flags`.
fn runs(flags: impl Iterator<Item = bool>) -> Vec<usize> {
    let mut out = vec![0];
    for f in flags {
        match (f, out.last_mut()) {
            (true, Some(n)) => *n += 1,
            (false, Some(0)) => {}
            _ => out.push(0),
        }
    }
    out.retain(|n| *n > 0);
    out
}

#[test]
fn missing_and_swapped_shares_match_the_parameters() {
    let p = RunParams {
        missing_frac: 0.05,
        swap_frames: 0.03,
        ..RunParams::default()
    };
    let run = generate(&p);
    let n = run.frames.len() as f64;
    let missing = run.frames.iter().filter(|f| f.keypoints.is_none()).count() as f64;
    let swapped = run.frames.iter().filter(|f| f.swapped).count() as f64;
    assert!((missing / n - 0.05).abs() < 0.002, "{missing}");
    assert!((swapped / n - 0.03).abs() < 0.002, "{swapped}");
    let missing_runs = runs(run.frames.iter().map(|f| f.keypoints.is_none()));
    let swap_runs = runs(run.frames.iter().map(|f| f.swapped));
    assert!(missing_runs.iter().all(|r| *r <= MAX_MISSING_RUN) && missing_runs.len() > 10);
    assert!(swap_runs.iter().all(|r| *r <= MAX_SWAP_RUN) && swap_runs.len() > 10);
    assert!(run.frames.iter().all(|f| !(f.swapped && f.keypoints.is_none())));

    // Without noise a swapped frame is exactly the clean frame with its labels exchanged;
    // the dropped and swapped frames do not move when only the noise changes.
    let clean = generate(&RunParams { noise_frac: 0.0, ..p });
    for (a, b) in run.frames.iter().zip(&clean.frames) {
        assert_eq!(
            (a.swapped, a.keypoints.is_none()),
            (b.swapped, b.keypoints.is_none())
        );
        let Some(kps) = b.keypoints else { continue };
        for (l, r) in LEFT_RIGHT_PAIRS {
            let (want_l, want_r) = if b.swapped { (r, l) } else { (l, r) };
            assert_eq!((kps[l], kps[r]), (b.clean[want_l], b.clean[want_r]));
        }
    }
}

#[test]
fn noise_has_the_requested_spread() {
    let p = RunParams {
        noise_frac: 0.01,
        duration_s: 5.0,
        ..RunParams::default()
    };
    let run = generate(&p);
    let (mut sum2, mut count) = (0.0, 0.0);
    for f in run.frames.iter().filter(|f| !f.swapped) {
        let Some(kps) = f.keypoints else { continue };
        for (a, b) in kps.iter().zip(&f.clean) {
            sum2 += f64::from(a[0] - b[0]).powi(2) + f64::from(a[1] - b[1]).powi(2);
            count += 2.0;
        }
    }
    let sd = (sum2 / count).sqrt() / p.leg_length_px;
    assert!((sd - 0.01).abs() < 0.0005, "{sd}");
}

#[test]
fn jsonl_lines_parse_with_33_names_in_order() {
    let run = generate(&RunParams {
        duration_s: 4.0,
        missing_frac: 0.1,
        ..RunParams::default()
    });
    let text = to_jsonl(&run);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), run.frames.len());
    for (i, (line, f)) in lines.iter().zip(&run.frames).enumerate() {
        let v: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
        assert_eq!(v["frame"].as_u64(), Some(i as u64));
        assert!((v["t"].as_f64().unwrap() - f.t).abs() < 1e-6);
        assert_eq!(v["width"].as_i64(), Some(i64::from(run.width)));
        assert_eq!(v["height"].as_i64(), Some(i64::from(run.height)));
        let Some(kps) = f.keypoints else {
            assert!(v["keypoints"].is_null());
            continue;
        };
        let obj = v["keypoints"].as_object().expect("keypoints object");
        assert_eq!(obj.len(), 33);
        let mut last = 0;
        for (name, kp) in KEYPOINT_NAMES.iter().zip(kps.iter()) {
            let pos = line.find(&format!("\"{name}\":")).expect("every name");
            assert!(pos > last, "{name} out of order");
            last = pos;
            let arr = obj[*name].as_array().expect("[x, y, visibility]");
            assert_eq!(arr.len(), 3);
            assert!((arr[0].as_f64().unwrap() - f64::from(kp[0])).abs() < 0.006);
            assert!((arr[1].as_f64().unwrap() - f64::from(kp[1])).abs() < 0.006);
            assert!((arr[2].as_f64().unwrap() - f64::from(kp[2])).abs() < 1e-4);
        }
    }
}

/// Where the hip-relative detectors look for events (Zeni 2008) against the truth: without
/// retraction the heel's forward distance from the hip centre peaks at IC, with retraction
/// `retraction_s` before it; the toe keeps moving back after TO, so its furthest-back point
/// comes after TO. Feet clear the belt in swing; the heel stays down from IC to heel-off.
#[test]
fn events_against_the_extrema_and_swing_clears_the_belt() {
    for (retraction_s, retraction_speed_lps) in [(0.0, 0.0), (0.04, 1.5)] {
        for p in corners().into_iter().step_by(3) {
            let p = RunParams {
                retraction_s,
                retraction_speed_lps,
                ..p
            };
            let run = quiet(p.clone());
            let m = &run.model;
            let (tc, stride) = (run.truth.contact_time_s, run.truth.stride_time_s);
            let ground = run.truth.ground_y_px;
            let step = &run.truth.steps[1];
            let s = step.side.offset();
            let forward = |t: f64, k: usize| {
                let pts = m.pose(t).points;
                p.direction * (pts[k][0] - 0.5 * (pts[HIP][0] + pts[HIP + 1][0]))
            };
            let samples = 2000;
            let (mut best_heel, mut best_toe) = ((f64::MIN, 0.0), (f64::MAX, 0.0));
            for j in 0..samples {
                let t = step.ic_t - 0.5 * stride + stride * j as f64 / samples as f64;
                let heel = forward(t, HEEL + s);
                if heel > best_heel.0 {
                    best_heel = (heel, t);
                }
                let t_to = t + tc;
                let toe = forward(t_to, TOE + s);
                if toe < best_toe.0 {
                    best_toe = (toe, t_to);
                }
                let pts = m.pose(t).points;
                let since_ic = (t - step.ic_t).rem_euclid(stride);
                if since_ic > tc + 1e-9 && since_ic < stride - 1e-9 {
                    assert!(pts[HEEL + s][1] < ground && pts[TOE + s][1] < ground, "{p:?}");
                } else if since_ic < 0.5 * tc {
                    assert!((pts[HEEL + s][1] - ground).abs() < 1e-6, "{p:?}");
                }
            }
            let tick = stride / samples as f64;
            assert!(
                // (the foot still turns in late swing, so the heel peaks near, not exactly at,
                // the ankle's turning point)
                (best_heel.1 - (step.ic_t - retraction_s)).abs() <= 0.005 + 2.0 * tick,
                "heel peak {:.4} vs IC {:.4}, {p:?}",
                best_heel.1,
                step.ic_t
            );
            let late = best_toe.1 - step.toe_off_t;
            assert!(
                (0.005..0.08).contains(&late),
                "toe furthest back {late:.3} s after TO, {p:?}"
            );
            let lift = (0..100)
                .map(|j| {
                    ground - m.pose(step.toe_off_t + (stride - tc) * j as f64 / 100.0).points[HEEL + s][1]
                })
                .fold(0.0, f64::max);
            assert!(
                (0.3..0.55).contains(&(lift / p.leg_length_px)),
                "heel lift {lift}, {p:?}"
            );
        }
    }
}

#[test]
fn trunk_lean_vertical_oscillation_and_belt_speed_are_as_reported() {
    let p = RunParams {
        trunk_lean_deg: 11.0,
        belt_speed_mps: Some(3.0),
        fps: 240.0,
        duration_s: 2.0,
        ..RunParams::default()
    };
    let run = quiet(p.clone());
    let (mut lo, mut hi) = (f64::MAX, f64::MIN);
    for f in &run.frames {
        let pts = pts64(&f.clean);
        let hip = [
            0.5 * (pts[HIP][0] + pts[HIP + 1][0]),
            0.5 * (pts[HIP][1] + pts[HIP + 1][1]),
        ];
        let sh = [0.5 * (pts[11][0] + pts[12][0]), 0.5 * (pts[11][1] + pts[12][1])];
        let lean = (p.direction * (sh[0] - hip[0]))
            .atan2(hip[1] - sh[1])
            .to_degrees();
        assert!((lean - 11.0).abs() < 1e-3, "{lean}");
        lo = lo.min(hip[1]);
        hi = hi.max(hip[1]);
        // The head is above the shoulders and the nose ahead of the ears.
        assert!(pts[0][1] < sh[1] && p.direction * (pts[0][0] - pts[7][0]) > 0.0);
    }
    let vo = run.truth.vertical_oscillation_px;
    // Running: the hips' travel follows from gravity in flight, 4-12 % of a leg.
    assert!((0.04..=0.12).contains(&(vo / p.leg_length_px)), "{vo}");
    assert!((hi - lo - vo).abs() < 0.01 * vo, "{} vs {vo}", hi - lo);
    // A foot flat on the belt moves backward at the belt speed.
    let step = &run.truth.steps[0];
    let t = step.ic_t + 0.4 * run.truth.contact_time_s;
    let dt = 1e-3;
    let k = HEEL + step.side.offset();
    let v = p.direction * (run.model.pose(t + dt).points[k][0] - run.model.pose(t).points[k][0]) / dt;
    assert!((v + run.truth.belt_speed_px_s).abs() < 1e-6 * run.truth.belt_speed_px_s);
    assert!((run.truth.px_per_m.unwrap() * 3.0 - run.truth.belt_speed_px_s).abs() < 1e-9);
    // Shank angle at IC grows with overstride.
    let shank = |r| {
        quiet(RunParams {
            overstride_ratio: r,
            ..p.clone()
        })
        .truth
        .steps[0]
            .shank_angle_deg
    };
    assert!(shank(0.0) < shank(0.15) && shank(0.15) < shank(0.3));
}

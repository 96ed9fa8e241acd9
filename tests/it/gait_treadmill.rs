//! The analysis against the treadmill grid of issue 10: 30, 60 and 120 fps; heel, midfoot and
//! forefoot strikes; late-swing retraction 0–60 ms; keypoint noise of 0.5 and 1 % of leg
//! length, white and AR(1)-correlated; drift on the belt; label swaps, the far leg snapping
//! and missing frames throughout. Every contact, toe-off and metric is checked against the
//! truth of the step it belongs to.

use crate::synthetic::{self, generate, RunParams, Strike, SyntheticRun};

use gaitcue::analysis::events::EventKind;
use gaitcue::analysis::geometry::{median, quantile};
use gaitcue::analysis::validity::Gait;
use gaitcue::analysis::{AnalysisConfig, GaitAnalyzer, Side, StepRecord};
use gaitcue::session::summary;

/// Contacts this close to the start may be missed while the detector settles.
const SETTLE_S: f64 = 2.0;
/// A detected contact matches a true one of the same foot this close.
const MATCH_S: f64 = 0.04;

fn side(s: synthetic::Side) -> Side {
    match s {
        synthetic::Side::Left => Side::Left,
        synthetic::Side::Right => Side::Right,
    }
}

pub struct Scored {
    pub truth: usize,
    pub found: usize,
    pub detected: usize,
    pub spurious: usize,
    pub ic_errors: Vec<f64>,
    pub to_errors: Vec<f64>,
    pub contact_errors: Vec<f64>,
    pub overstride_errors: Vec<f64>,
    pub knee_errors: Vec<f64>,
    pub shank_errors: Vec<f64>,
    pub shank_lr_errors: Vec<f64>,
    pub strike_right: usize,
    pub strike_known: usize,
    pub steps: Vec<StepRecord>,
}

pub fn analyse(run: &SyntheticRun) -> (Vec<StepRecord>, Vec<(Side, f64)>) {
    let mut analyzer = GaitAnalyzer::new(AnalysisConfig::default()).unwrap();
    let mut steps = Vec::new();
    for i in 0..run.frames.len() {
        steps.extend(analyzer.process(&run.pose_sample(i)).unwrap());
    }
    steps.extend(analyzer.finish());
    let contacts = analyzer
        .events()
        .iter()
        .filter(|e| e.kind == EventKind::InitialContact)
        .map(|e| (e.side, e.t))
        .collect();
    (steps, contacts)
}

pub fn score(run: &SyntheticRun) -> Scored {
    let (steps, contacts) = analyse(run);
    let end = run.frames.last().unwrap().t - 0.4;
    let window = |t: f64| t >= SETTLE_S && t <= end;
    let truth: Vec<_> = run.truth.contacts.iter().filter(|c| window(c.t)).collect();
    let found = truth
        .iter()
        .filter(|c| {
            contacts
                .iter()
                .any(|(s, t)| *s == side(c.side) && (t - c.t).abs() <= MATCH_S)
        })
        .count();
    let detected: Vec<_> = contacts.iter().filter(|(_, t)| window(*t)).collect();
    let spurious = detected
        .iter()
        .filter(|(s, t)| {
            !run.truth
                .contacts
                .iter()
                .any(|c| side(c.side) == *s && (t - c.t).abs() <= MATCH_S)
        })
        .count();
    let mut out = Scored {
        truth: truth.len(),
        found,
        detected: detected.len(),
        spurious,
        ic_errors: Vec::new(),
        to_errors: Vec::new(),
        contact_errors: Vec::new(),
        overstride_errors: Vec::new(),
        knee_errors: Vec::new(),
        shank_errors: Vec::new(),
        shank_lr_errors: Vec::new(),
        strike_right: 0,
        strike_known: 0,
        steps: Vec::new(),
    };
    for s in &steps {
        if !window(s.ic_time_s) {
            continue;
        }
        let Some(t) = run
            .truth
            .steps
            .iter()
            .find(|t| side(t.side) == s.side && (t.ic_t - s.ic_time_s).abs() <= MATCH_S)
        else {
            continue;
        };
        out.ic_errors.push(s.ic_time_s - t.ic_t);
        let push = |v: &mut Vec<f64>, got: Option<f64>, want: f64| {
            if let Some(g) = got {
                v.push(g - want);
            }
        };
        push(&mut out.to_errors, s.toe_off_time_s, t.toe_off_t);
        push(&mut out.contact_errors, s.contact_time_s, t.contact_time_s);
        push(&mut out.overstride_errors, s.overstride_ratio, t.overstride_ratio);
        push(&mut out.knee_errors, s.knee_flexion_ic_deg, t.knee_flexion_deg);
        push(&mut out.shank_errors, s.shank_angle_ic_deg, t.shank_angle_deg);
        push(
            &mut out.shank_lr_errors,
            s.shank_angle_lr_deg,
            t.shank_angle_lr_deg,
        );
        if let Some(kind) = s.foot_strike_type {
            out.strike_known += 1;
            let want = match t.strike {
                Strike::Heel => "heel",
                Strike::Mid => "mid",
                Strike::Fore => "fore",
            };
            out.strike_right += usize::from(kind.name() == want);
        }
    }
    out.steps = steps;
    out
}

fn iqr(v: &[f64]) -> f64 {
    quantile(v, 0.75).unwrap_or(f64::NAN) - quantile(v, 0.25).unwrap_or(f64::NAN)
}

/// The grid: every combination of frame rate, strike, retraction and noise; drift on half.
pub fn grid() -> Vec<RunParams> {
    let mut out = Vec::new();
    let mut seed = 1000;
    for fps in [30.0, 60.0, 120.0] {
        for (strike, angle) in [(Strike::Heel, 14.0), (Strike::Mid, 0.0), (Strike::Fore, -8.0)] {
            for (retraction_s, retraction_speed_lps) in [(0.0, 0.0), (0.03, 1.1), (0.06, 2.2)] {
                for (noise_frac, noise_corr_s) in [(0.005, 0.0), (0.01, 0.0), (0.005, 0.08), (0.01, 0.08)] {
                    seed += 1;
                    out.push(RunParams {
                        fps,
                        strike,
                        foot_angle_ic_deg: angle,
                        retraction_s,
                        retraction_speed_lps,
                        noise_frac,
                        noise_corr_s,
                        drift_frac: if seed % 2 == 0 { 0.1 } else { 0.0 },
                        cadence_spm: 160.0 + (seed % 5) as f64 * 6.0,
                        duty_factor: 0.30 + (seed % 3) as f64 * 0.04,
                        overstride_ratio: 0.04 + (seed % 4) as f64 * 0.06,
                        direction: if seed % 3 == 0 { -1.0 } else { 1.0 },
                        missing_frac: 0.02,
                        swap_frames: 0.01,
                        far_snap_frac: 0.02,
                        duration_s: 20.0,
                        seed,
                        ..RunParams::default()
                    });
                }
            }
        }
    }
    out
}

/// Errors pooled over the runs of one grid cell.
#[derive(Default)]
struct Pool {
    ic: Vec<f64>,
    to: Vec<f64>,
    contact: Vec<f64>,
    overstride: Vec<f64>,
    knee: Vec<f64>,
    shank: Vec<f64>,
    shank_lr: Vec<f64>,
}

impl Pool {
    fn add(&mut self, s: &Scored) {
        self.ic.extend(&s.ic_errors);
        self.to.extend(&s.to_errors);
        self.contact.extend(&s.contact_errors);
        self.overstride.extend(&s.overstride_errors);
        self.knee.extend(&s.knee_errors);
        self.shank.extend(&s.shank_errors);
        self.shank_lr.extend(&s.shank_lr_errors);
    }

    /// The bounds on this pool's medians (and the IC spread); the failures, worded.
    fn failures(&self, limits: &Limits) -> Vec<String> {
        let m = |v: &[f64]| median(v).unwrap_or(f64::NAN);
        let checks = [
            ("IC median (s)", m(&self.ic), limits.ic),
            ("TO median (s)", m(&self.to), limits.to),
            ("contact time median (s)", m(&self.contact), limits.contact),
            (
                "overstride median (leg lengths)",
                m(&self.overstride),
                limits.overstride,
            ),
            ("knee flexion at IC median (deg)", m(&self.knee), limits.angle),
            ("shank angle at IC median (deg)", m(&self.shank), limits.angle),
            (
                "shank angle at loading median (deg)",
                m(&self.shank_lr),
                limits.angle,
            ),
        ];
        let mut out: Vec<String> = checks
            .iter()
            .filter(|(_, v, limit)| v.is_nan() || v.abs() > *limit)
            .map(|(what, v, limit)| format!("{what} {v:+.4} beyond ±{limit}"))
            .collect();
        if iqr(&self.ic).is_nan() || iqr(&self.ic) > limits.ic_iqr {
            out.push(format!("IC IQR {:.4} s above {}", iqr(&self.ic), limits.ic_iqr));
        }
        out
    }

    fn line(&self) -> String {
        let m = |v: &[f64]| median(v).unwrap_or(f64::NAN);
        let p90 = |v: &[f64]| {
            let abs: Vec<f64> = v.iter().map(|x| x.abs()).collect();
            quantile(&abs, 0.9).unwrap_or(f64::NAN)
        };
        format!(
            "IC {:+5.1} ms (IQR {:4.1}, p90 |err| {:4.1}) | TO {:+5.1} ms (p90 {:4.1}) | contact {:+5.1} ms (p90 {:4.1}) | overstride {:+.4} (p90 {:.3}) | knee {:+.1}° (p90 {:.1}) shank {:+.1}° loading {:+.1}° | {} steps",
            1e3 * m(&self.ic),
            1e3 * iqr(&self.ic),
            1e3 * p90(&self.ic),
            1e3 * m(&self.to),
            1e3 * p90(&self.to),
            1e3 * m(&self.contact),
            1e3 * p90(&self.contact),
            m(&self.overstride),
            p90(&self.overstride),
            m(&self.knee),
            p90(&self.knee),
            m(&self.shank),
            m(&self.shank_lr),
            self.ic.len(),
        )
    }
}

struct Limits {
    ic: f64,
    ic_iqr: f64,
    to: f64,
    contact: f64,
    overstride: f64,
    angle: f64,
}

/// Bounds over the whole grid (issue 10's, with 1 ms more for IC since issue 21's stance
/// fit, which holds on real keypoints).
const GRID: Limits = Limits {
    ic: 0.006,
    ic_iqr: 0.012,
    to: 0.008,
    contact: 0.015,
    overstride: 0.015,
    angle: 3.0,
};

/// A phone at 30 fps with the real runner's failure modes (medians; the spread is printed).
const PHONE: Limits = Limits {
    ic: 0.015,
    ic_iqr: 0.03,
    to: 0.02,
    contact: 0.025,
    overstride: 0.03,
    angle: 5.0,
};

/// The same for every cell of the grid (frame rate × noise), but for the spread of single
/// contacts: at 30 fps with 1 % noise one contact rests on two or three samples.
const CELL: Limits = Limits {
    ic: 0.01,
    ic_iqr: 0.016,
    to: 0.008,
    contact: 0.015,
    overstride: 0.02,
    angle: 4.5,
};

/// A guard for every single run (about 50 steps each, so wider): one run's strike, retraction
/// and noise may bias it further than the pooled cells.
const RUN: Limits = Limits {
    ic: 0.03,
    ic_iqr: 0.035,
    to: 0.03,
    contact: 0.035,
    overstride: 0.08,
    angle: 8.0,
};

#[test]
fn contacts_toe_offs_and_metrics_hold_across_the_treadmill_grid() {
    let mut failures = Vec::new();
    let (mut truth, mut found, mut detected, mut spurious) = (0, 0, 0, 0);
    let (mut strike_right, mut strike_known, mut strike_steps) = (0, 0, 0);
    let mut cells: Vec<((u32, u32, bool), Pool)> = Vec::new();
    let mut all = Pool::default();
    for p in grid() {
        let run = generate(&p);
        let s = score(&run);
        truth += s.truth;
        found += s.found;
        detected += s.detected;
        spurious += s.spurious;
        strike_right += s.strike_right;
        strike_known += s.strike_known;
        strike_steps += s.ic_errors.len();
        let key = (p.fps as u32, (p.noise_frac * 1000.0) as u32, p.noise_corr_s > 0.0);
        match cells.iter_mut().find(|(k, _)| *k == key) {
            Some((_, pool)) => pool.add(&s),
            None => {
                let mut pool = Pool::default();
                pool.add(&s);
                cells.push((key, pool));
            }
        }
        all.add(&s);
        let mut one = Pool::default();
        one.add(&s);
        for f in one.failures(&RUN) {
            failures.push(format!("{p:?}: {f}"));
        }
    }
    for ((fps, noise, correlated), pool) in &cells {
        eprintln!(
            "{fps:>3} fps, noise {:.1} % {}: {}",
            *noise as f64 / 10.0,
            if *correlated { "AR(1)" } else { "white" },
            pool.line()
        );
        for f in pool.failures(&CELL) {
            failures.push(format!(
                "{fps} fps, noise {noise} ‰, correlated {correlated}: {f}"
            ));
        }
    }
    for f in all.failures(&GRID) {
        failures.push(format!("whole grid: {f}"));
    }
    let found_share = found as f64 / truth as f64;
    let spurious_share = spurious as f64 / detected as f64;
    eprintln!("whole grid: {}", all.line());
    eprintln!(
        "contacts: {found}/{truth} found ({:.2} %), {spurious}/{detected} spurious ({:.2} %); strike type known for {strike_known}/{strike_steps} steps, right for {strike_right}",
        100.0 * found_share,
        100.0 * spurious_share,
    );
    assert!(
        failures.is_empty(),
        "{} out of bounds:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        found_share >= 0.95,
        "{:.2} % of contacts found",
        100.0 * found_share
    );
    assert!(spurious_share <= 0.02, "{:.2} % spurious", 100.0 * spurious_share);
    assert!(
        strike_right as f64 >= 0.9 * strike_known as f64 && strike_known as f64 >= 0.7 * strike_steps as f64,
        "strike type right for {strike_right} of {strike_known} known ({strike_steps} steps)"
    );
}

/// No running step is ever reported with a duty factor of 0.5 or more, or a contact time not
/// shorter than its step: across the grid, every valid step has a flight phase.
#[test]
fn every_valid_step_has_a_flight_phase_and_alternates() {
    let mut valid = 0;
    for p in grid().into_iter().step_by(5) {
        let (mut steps, _) = analyse(&generate(&p));
        // In the order of their contacts (a step is written when its foot turns back).
        steps.sort_by_key(|s| s.step);
        let mut previous: Option<&StepRecord> = None;
        for s in &steps {
            if s.valid {
                valid += 1;
                let (contact, step) = (s.contact_time_s.unwrap(), s.step_time_s.unwrap());
                assert!(s.duty_factor.is_none_or(|d| d < 0.5), "{s:?}");
                assert!(contact < step, "{s:?}");
                assert_eq!(s.gait, Gait::Running);
                assert_ne!(previous.map(|p| p.side), Some(s.side), "{s:?}");
            } else {
                assert!(s.reason.is_some() && s.cue.is_none(), "{s:?}");
            }
            previous = Some(s);
        }
    }
    assert!(valid > 800, "{valid} valid steps");
}

/// A walking warm-up on the treadmill: labelled walking, not one step counted as running,
/// no cue, and the summary withholds its running medians saying why.
#[test]
fn walking_is_labelled_walking_and_gets_no_running_cue() {
    for (fps, seed) in [(30.0, 1), (60.0, 2), (120.0, 3)] {
        let run = generate(&RunParams {
            fps,
            seed,
            noise_frac: 0.008,
            noise_corr_s: 0.05,
            far_snap_frac: 0.02,
            duration_s: 30.0,
            ..RunParams::walking()
        });
        let (steps, _) = analyse(&run);
        assert!(steps.len() > 40, "{fps} fps: {} steps", steps.len());
        let walking = steps.iter().filter(|s| s.gait == Gait::Walking).count();
        let running = steps.iter().filter(|s| s.gait == Gait::Running).count();
        eprintln!(
            "walking at {fps} fps: {walking} steps labelled walking, {running} running of {}",
            steps.len()
        );
        assert!(
            walking as f64 >= 0.8 * steps.len() as f64,
            "{fps} fps: {walking} of {} walking",
            steps.len()
        );
        assert!(steps
            .iter()
            .all(|s| !s.valid && s.cue.is_none() && s.active_cue.is_none()));
        assert_eq!(summary::session_gait(&steps), Gait::Walking);
        // As summary.json holds it.
        let json =
            serde_json::to_value(summary::build(&steps, summary::SessionFacts::new("walker", 30.0))).unwrap();
        assert_eq!(json["gait"], "walking");
        assert!(json["per_side"]["both"]["overstride_ratio"]["median"].is_null());
        assert!(json["medians_withheld"]["left"]
            .as_str()
            .unwrap()
            .contains("walking"));
    }
}

/// The belt speeds up by 15 % over 4 s (cadence and belt speed with it): the belt's velocity
/// is relearned from the stance phases and the contacts keep their timing.
#[test]
fn a_speed_change_keeps_contacts_and_contact_times() {
    let p = RunParams {
        fps: 60.0,
        noise_frac: 0.008,
        noise_corr_s: 0.05,
        speed_change: 0.15,
        speed_change_at_s: 8.0,
        speed_change_over_s: 4.0,
        retraction_s: 0.03,
        retraction_speed_lps: 1.1,
        duration_s: 24.0,
        seed: 77,
        ..RunParams::default()
    };
    let run = generate(&p);
    let s = score(&run);
    let found = s.found as f64 / s.truth as f64;
    let m = |v: &[f64]| median(v).unwrap();
    eprintln!(
        "speed change: {}/{} found, {} spurious, IC {:+.1} ms, contact {:+.1} ms",
        s.found,
        s.truth,
        s.spurious,
        1e3 * m(&s.ic_errors),
        1e3 * m(&s.contact_errors)
    );
    assert!(found >= 0.95 && s.spurious <= 2);
    // (the IC bound of a grid cell since the stance fit of issue 21)
    assert!(m(&s.ic_errors).abs() <= 0.01 && m(&s.contact_errors).abs() <= 0.015);
    // Contact time shortens with the pace, and the analysis sees it.
    let contact = |from: f64, to: f64| {
        let v: Vec<f64> = s
            .steps
            .iter()
            .filter(|x| x.valid && x.ic_time_s > from && x.ic_time_s < to)
            .filter_map(|x| x.contact_time_s)
            .collect();
        m(&v)
    };
    let (before, after) = (contact(3.0, 8.0), contact(13.0, 23.0));
    assert!(
        (after * 1.15 - before).abs() < 0.015,
        "contact {before:.3} s before, {after:.3} s after"
    );
}

/// The 18 phone runs (`RunParams::phone`) at `fps`: 150, 170 and 190 steps/min, heel, mid- and
/// forefoot strikes, both directions, overstrides 0.04-0.22, duty factors 0.30-0.38, 30 ms of
/// retraction; seeds from `first_seed` + 1.
pub fn phone_runs(fps: f64, first_seed: u64) -> Vec<RunParams> {
    let mut out = Vec::new();
    let mut seed = first_seed;
    for cadence_spm in [150.0, 170.0, 190.0] {
        for (strike, foot_angle_ic_deg) in [(Strike::Heel, 16.0), (Strike::Mid, 0.0), (Strike::Fore, -8.0)] {
            for direction in [1.0, -1.0] {
                seed += 1;
                out.push(RunParams {
                    fps,
                    cadence_spm,
                    strike,
                    foot_angle_ic_deg,
                    direction,
                    overstride_ratio: 0.04 + (seed % 4) as f64 * 0.06,
                    duty_factor: 0.30 + (seed % 3) as f64 * 0.04,
                    retraction_s: 0.03,
                    retraction_speed_lps: 1.1,
                    seed,
                    ..RunParams::phone()
                });
            }
        }
    }
    out
}

/// The real runner's failure modes on the synthetic one (`RunParams::phone`: a phone at 30 fps,
/// low and close — swaps, a far foot that fades, jumps and hides at the front of its stride,
/// motion blur, a tilted camera) across cadences, strikes and overstrides: contacts are
/// still found and timed to within a frame, with the per-step spread (p90) reported.
#[test]
fn a_phone_at_30_fps_with_the_real_runners_failure_modes() {
    let mut pool = Pool::default();
    let (mut truth, mut found, mut detected, mut spurious) = (0, 0, 0, 0);
    let (mut seen, mut counted) = (0, 0);
    for p in phone_runs(30.0, 3000) {
        let s = score(&generate(&p));
        truth += s.truth;
        found += s.found;
        detected += s.detected;
        spurious += s.spurious;
        let later: Vec<&StepRecord> = s.steps.iter().filter(|r| r.ic_time_s > SETTLE_S).collect();
        seen += later.len();
        counted += later.iter().filter(|r| r.valid).count();
        pool.add(&s);
    }
    let found_share = found as f64 / truth as f64;
    let spurious_share = spurious as f64 / detected as f64;
    let counted_share = counted as f64 / seen as f64;
    eprintln!("phone, 30 fps: {}", pool.line());
    eprintln!(
        "phone, 30 fps: contacts {found}/{truth} found ({:.1} %), {spurious}/{detected} spurious; {counted}/{seen} steps counted ({:.1} %)",
        100.0 * found_share,
        100.0 * counted_share
    );
    let failures = pool.failures(&PHONE);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Measured when these modes were added (issue 21): 86 % found, 8 % spurious (far-foot
    // contacts hidden at landing, placed 40-140 ms early), 85 % of steps counted.
    assert!(
        found_share >= 0.85,
        "{:.1} % of contacts found",
        100.0 * found_share
    );
    assert!(spurious_share <= 0.12, "{:.1} % spurious", 100.0 * spurious_share);
    assert!(
        counted_share >= 0.8,
        "{:.1} % of steps counted",
        100.0 * counted_share
    );
}

//! Belt speed through every number: a synthetic ramp 8 → 10 → 12 → 14 km/h replayed through
//! the binary with and without `--speed-schedule`, and the cues across a change of speed and
//! a change of form.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{gaitcue, replay, stderr};
use crate::synthetic::ramp::{generate_ramp, RampParams, RampRun};
use crate::synthetic::{to_jsonl, RunParams};

/// A runner as the pose model sees one: correlated keypoint error, dropouts, swaps, the far
/// leg snapping, late-swing retraction.
fn realistic(seed: u64) -> RunParams {
    RunParams {
        noise_corr_s: 0.04,
        far_snap_frac: 0.01,
        retraction_s: 0.03,
        retraction_speed_lps: 1.0,
        seed,
        ..RunParams::default()
    }
}

fn ramp(speeds: Vec<f64>, shares: Vec<f64>, stage_s: f64, seed: u64) -> RampRun {
    generate_ramp(&RampParams {
        base: realistic(seed),
        speeds_kmh: speeds,
        cadence_shares: shares,
        stage_s,
        ..RampParams::default()
    })
}

/// Replays `ramp` through `gaitcue analyze` with `extra` arguments; the session folder.
fn analyze(ramp: &RampRun, dir: &Path, extra: &[&str]) -> PathBuf {
    let file = dir.join("ramp.jsonl");
    std::fs::write(&file, to_jsonl(&ramp.run)).unwrap();
    let out = dir.join("out");
    let result = replay(&file, &[&["--out", out.to_str().unwrap()][..], extra].concat());
    assert!(result.status.success(), "{}", stderr(&result));
    out
}

fn summary(out: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap()
}

fn rows(out: &Path) -> Vec<csv::StringRecord> {
    let mut reader = csv::Reader::from_path(out.join("steps.csv")).unwrap();
    let header = reader.headers().unwrap().clone();
    assert!(header.iter().any(|h| h == "belt_speed_kmh"));
    reader.records().map(|r| r.unwrap()).collect()
}

fn cell<'a>(out: &Path, row: &'a csv::StringRecord, name: &str) -> &'a str {
    let mut reader = csv::Reader::from_path(out.join("steps.csv")).unwrap();
    let i = reader.headers().unwrap().iter().position(|h| h == name).unwrap();
    &row[i]
}

#[test]
fn a_ramp_with_its_schedule_gives_each_stage_and_how_speed_was_gained() {
    let shares = vec![0.1, 0.2, 0.55];
    let ramp = ramp(vec![8.0, 10.0, 12.0, 14.0], shares.clone(), 45.0, 3);
    let dir = tempfile::tempdir().unwrap();
    let schedule = ramp.schedule();
    let out = analyze(&ramp, dir.path(), &["--speed-schedule", &schedule]);

    // Every step carries the belt speed of its stage.
    for r in rows(&out) {
        let t: f64 = cell(&out, &r, "ic_time_s").parse().unwrap();
        let stage = ramp
            .stages
            .iter()
            .position(|s| t >= s.start_s && t < s.end_s)
            .unwrap();
        let kmh: f64 = cell(&out, &r, "belt_speed_kmh").parse().unwrap();
        assert_eq!(kmh, ramp.stages[stage].speed_kmh, "step at {t:.2} s");
        assert_eq!(cell(&out, &r, "speed_stage"), (stage + 1).to_string());
        // While the belt reaches a new speed (the first 10 s of a later stage) the typed
        // speed is not yet the belt's: no step length is made of it.
        if stage > 0 && t - ramp.stages[stage].start_s < 10.0 {
            assert_eq!(cell(&out, &r, "step_length_m"), "", "step at {t:.2} s");
        }
    }

    let s = summary(&out);
    // The schedule explains every change the foot shows: nothing to warn about.
    let warnings = s["session"]["warnings"].as_array().unwrap();
    assert!(
        warnings.iter().all(|w| !w.as_str().unwrap().contains("speed")),
        "{warnings:#?}"
    );
    let stages = s["speed_stages"].as_array().unwrap();
    assert_eq!(stages.len(), 4, "{:#}", s["speed_stages"]);
    for (got, truth) in stages.iter().zip(&ramp.stages) {
        assert_eq!(got["belt_speed_kmh"].as_f64(), Some(truth.speed_kmh));
        assert_eq!(got["numbers_withheld"], Value::Null, "{got:#}");
        let length = got["metrics"]["step_length_m"]["median"].as_f64().unwrap();
        assert!(
            (length / truth.step_length_m - 1.0).abs() < 0.03,
            "{} km/h: step length {length:.3} m, truth {:.3} m",
            truth.speed_kmh,
            truth.step_length_m
        );
        let cadence = got["metrics"]["cadence_spm"]["median"].as_f64().unwrap();
        assert!(
            (cadence - truth.cadence_spm).abs() < 1.5,
            "{cadence} vs {}",
            truth.cadence_spm
        );
        for side in ["left", "right"] {
            assert!(got["valid_steps"][side].as_u64().unwrap() >= 30, "{got:#}");
        }
    }
    let increments = s["speed_strategy"]["increments"].as_array().unwrap();
    assert_eq!(increments.len(), 3);
    for (inc, share) in increments.iter().zip(&shares) {
        let cadence = inc["cadence_share"].as_f64().unwrap();
        let length = inc["step_length_share"].as_f64().unwrap();
        assert!((cadence - share).abs() < 0.05, "{inc:#} vs cadence share {share}");
        assert!((length - (1.0 - share)).abs() < 0.05, "{inc:#}");
    }
    assert_eq!(
        s["speed_strategy"]["cadence_takes_over"]["above_kmh"].as_f64(),
        Some(12.0)
    );
}

#[test]
fn without_a_schedule_the_changes_are_noticed_and_metres_are_not_guessed() {
    for fps in [60.0, 30.0] {
        let ramp = generate_ramp(&RampParams {
            base: RunParams { fps, ..realistic(4) },
            stage_s: 45.0,
            ..RampParams::default()
        });
        let dir = tempfile::tempdir().unwrap();
        let out = analyze(&ramp, dir.path(), &["--belt-speed", "8 km/h"]);
        let s = summary(&out);
        let warnings = s["session"]["warnings"].as_array().unwrap();
        let changes: Vec<&str> = warnings
            .iter()
            .filter_map(Value::as_str)
            .filter(|w| w.contains("belt's speed changed"))
            .collect();
        assert_eq!(changes.len(), 3, "{fps} fps: {warnings:#?}");
        // The speed typed holds until the first change; after it, it no longer holds: no
        // step length, no km/h.
        let mut before = 0;
        for r in rows(&out) {
            let t: f64 = cell(&out, &r, "ic_time_s").parse().unwrap();
            if t < 44.0 {
                assert_eq!(cell(&out, &r, "belt_speed_kmh"), "8.00", "step at {t:.2} s");
                before += 1;
            } else if t > 50.0 {
                assert_eq!(cell(&out, &r, "step_length_m"), "", "step at {t:.2} s");
                assert_eq!(cell(&out, &r, "belt_speed_kmh"), "");
            }
        }
        assert!(before > 90, "{before} steps at the typed speed");
        // The summary's stages follow the foot, not the one speed typed.
        let stages = s["speed_stages"].as_array().unwrap();
        assert_eq!(stages.len(), 4, "{fps} fps: {:#}", s["speed_stages"]);
        assert_eq!(stages[0]["belt_speed_kmh"].as_f64(), Some(8.0));
        assert!(stages[1..].iter().all(|st| st["belt_speed_kmh"].is_null()));

        // With nothing typed, the stages still come from the foot, and each rise is split
        // with the speed ratio the foot measured.
        let dir = tempfile::tempdir().unwrap();
        let out = analyze(&ramp, dir.path(), &[]);
        let s = summary(&out);
        let stages = s["speed_stages"].as_array().unwrap();
        assert_eq!(stages.len(), 4, "{fps} fps: {:#}", s["speed_stages"]);
        for (got, truth) in stages.iter().skip(1).zip(&ramp.stages[1..]) {
            let start = got["start_s"].as_f64().unwrap();
            assert!(
                start >= truth.start_s - 0.5 && start < truth.start_s + 4.0,
                "{got:#}"
            );
            assert_eq!(got["belt_speed_kmh"], Value::Null);
        }
        for (got, w) in stages.iter().skip(1).zip(ramp.stages.windows(2)) {
            let ratio = got["speed_ratio_to_previous"].as_f64().unwrap();
            let truth = w[1].speed_kmh / w[0].speed_kmh;
            assert!(
                (ratio / truth - 1.0).abs() < 0.03,
                "{fps} fps: ratio {ratio} vs {truth}"
            );
        }
    }
}

/// The steps with a cue the rules found (`active_cue`) and with one shown (`cue`).
fn cue_counts(out: &Path) -> (Vec<String>, Vec<String>) {
    let rows = rows(out);
    let pick = |name| {
        rows.iter()
            .map(|r| cell(out, r, name).to_string())
            .filter(|c| !c.is_empty())
            .collect::<Vec<_>>()
    };
    (pick("active_cue"), pick("cue"))
}

#[test]
fn slowing_the_belt_with_the_runner_unchanged_brings_no_cue() {
    // 12 → 9 km/h: shorter reach, less thigh extension, lower cadence, the same runner.
    let ramp = ramp(vec![12.0, 9.0], vec![0.3], 60.0, 5);
    let (a, b) = (&ramp.stages[0], &ramp.stages[1]);
    eprintln!(
        "truth: thigh extension {:.1} -> {:.1} deg, overstride {:.3} -> {:.3}",
        a.thigh_extension_to_deg, b.thigh_extension_to_deg, a.overstride_ratio, b.overstride_ratio
    );
    assert!(
        b.thigh_extension_to_deg < a.thigh_extension_to_deg - 3.0,
        "the thigh extends less"
    );
    let schedule = ramp.schedule();
    for extra in [vec!["--speed-schedule", schedule.as_str()], vec![]] {
        let dir = tempfile::tempdir().unwrap();
        let out = analyze(&ramp, dir.path(), &extra);
        let (active, shown) = cue_counts(&out);
        assert!(active.is_empty() && shown.is_empty(), "{extra:?}: {active:?}");
        let s = summary(&out);
        assert_eq!(
            s["speed_stages"].as_array().unwrap().len(),
            2,
            "{extra:?}: {:#}",
            s["session"]["warnings"]
        );
    }
}

#[test]
fn reaching_forward_at_one_speed_brings_run_long_within_ten_steps() {
    // 11 km/h throughout; after 40 s the runner lands further ahead and leaves the belt with
    // the knee more bent (less push back): less thigh extension, more overstride.
    let ramp = generate_ramp(&RampParams {
        base: realistic(6),
        speeds_kmh: vec![11.0, 11.0],
        cadence_shares: vec![0.0],
        stage_s: 40.0,
        adjust: Some(|k, p| {
            if k == 1 {
                p.overstride_ratio += 0.06;
                p.knee_flexion_to_deg = 35.0;
            }
        }),
        ..RampParams::default()
    });
    let (a, b) = (&ramp.stages[0], &ramp.stages[1]);
    assert!(
        b.thigh_extension_to_deg < a.thigh_extension_to_deg - 4.0,
        "{a:?} {b:?}"
    );
    let dir = tempfile::tempdir().unwrap();
    let out = analyze(&ramp, dir.path(), &["--belt-speed", "11 km/h"]);
    let s = summary(&out);
    assert_eq!(
        s["speed_stages"].as_array().unwrap().len(),
        1,
        "the belt did not change"
    );
    let valid_after: Vec<(String, String)> = rows(&out)
        .iter()
        .filter(|r| cell(&out, r, "valid") == "true")
        .filter(|r| cell(&out, r, "ic_time_s").parse::<f64>().unwrap() >= 40.0)
        .map(|r| {
            (
                cell(&out, r, "active_cue").to_string(),
                cell(&out, r, "cue").to_string(),
            )
        })
        .collect();
    let first = valid_after.iter().position(|(active, _)| active == "Run long");
    assert!(
        first.is_some_and(|f| f < 10),
        "Run long first at valid step {first:?} after the change"
    );
    let before = rows(&out)
        .iter()
        .filter(|r| cell(&out, r, "ic_time_s").parse::<f64>().unwrap() < 40.0)
        .filter(|r| !cell(&out, r, "active_cue").is_empty())
        .count();
    assert_eq!(before, 0, "no cue while the runner ran as at the start");
    assert!(
        valid_after.iter().any(|(_, shown)| shown == "Run long"),
        "and it is shown"
    );
}

#[test]
fn half_the_feedback_keeps_the_banner_up_half_the_time_and_a_retest_shows_none() {
    // A runner overstriding throughout, judged against the fixed fallback threshold, so a
    // cue is due all session.
    let run = crate::synthetic::generate(&RunParams {
        overstride_ratio: 0.24,
        duration_s: 120.0,
        ..realistic(7)
    });
    let ramp = RampRun {
        stages: Vec::new(),
        px_per_m: 0.0,
        run,
    };
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("fixed.toml");
    std::fs::write(
        &config,
        "[[analysis.cues.rules]]\ncue = \"Land under your hips\"\nmetric = \"overstride_ratio\"\nwhen = \"above\"\nthreshold = 0.15\n",
    )
    .unwrap();
    let out = analyze(
        &ramp,
        dir.path(),
        &["--config", config.to_str().unwrap(), "--feedback-share", "0.5"],
    );
    let f = &summary(&out)["feedback"];
    let share = f["banner_up_share_of_due"].as_f64().unwrap();
    assert!(f["cue_due_s"].as_f64().unwrap() > 100.0, "{f:#}");
    assert!(
        (share - 0.5).abs() <= 0.05,
        "banner up {share} of the time: {f:#}"
    );
    let s = summary(&out);
    assert!(s["cue_rules"][0]["against"]
        .as_str()
        .unwrap()
        .contains("fixed threshold"));

    let dir = tempfile::tempdir().unwrap();
    let out = analyze(
        &ramp,
        dir.path(),
        &["--config", config.to_str().unwrap(), "--retest"],
    );
    let (active, shown) = cue_counts(&out);
    assert!(
        !active.is_empty() && shown.is_empty(),
        "the rules still judge; nothing is shown"
    );
    let s = summary(&out);
    assert_eq!(s["feedback"]["banner_up_s"].as_f64(), Some(0.0));
    assert_eq!(s["feedback"]["retest"], true);
    assert!(s["cues_shown"].as_object().unwrap().is_empty());
}

#[test]
fn a_steady_belt_is_never_taken_for_a_change_of_speed() {
    let mut noticed = Vec::new();
    let speeds = [8.0, 10.0, 12.0, 14.0, 16.0, 9.0];
    for (seed, kmh) in (11..35).zip(speeds.iter().cycle().copied()) {
        let ramp = ramp(vec![kmh], vec![], 60.0, seed);
        let mut analyzer = gaitcue::analysis::GaitAnalyzer::new(Default::default()).unwrap();
        let mut steps = 0;
        for i in 0..ramp.run.frames.len() {
            steps += analyzer.process(&ramp.run.pose_sample(i)).unwrap().len();
        }
        assert!(steps > 140, "{steps} steps at {kmh} km/h");
        noticed.extend(analyzer.detected_speed_changes().iter().map(|c| (kmh, seed, *c)));
    }
    assert!(noticed.is_empty(), "{noticed:?}");
}

#[test]
fn two_ramps_are_compared_stage_by_stage_and_the_report_plots_against_speed() {
    let shares = vec![0.1, 0.2, 0.55];
    let dir = tempfile::tempdir().unwrap();
    let mut outs = Vec::new();
    for (k, seed) in [21, 22].into_iter().enumerate() {
        let ramp = ramp(vec![8.0, 10.0, 12.0, 14.0], shares.clone(), 45.0, seed);
        let sub = dir.path().join(format!("s{k}"));
        std::fs::create_dir(&sub).unwrap();
        let schedule = ramp.schedule();
        outs.push(analyze(&ramp, &sub, &["--speed-schedule", &schedule, "--retest"]));
    }
    let report = std::fs::read_to_string(outs[0].join("report.html")).unwrap();
    for text in [
        "Belt speed stages",
        "cadence against belt speed",
        "step length against belt speed",
        "from longer steps",
        "Above 12.0 km/h cadence supplied more than half",
    ] {
        assert!(report.contains(text), "{text} missing from the report");
    }
    let cmp = dir.path().join("cmp");
    let result = gaitcue(&[
        "compare",
        outs[0].to_str().unwrap(),
        outs[1].to_str().unwrap(),
        "--out",
        cmp.to_str().unwrap(),
    ]);
    assert!(result.status.success(), "{}", stderr(&result));
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(cmp.join("compare.json")).unwrap()).unwrap();
    assert_eq!(
        doc["warnings"].as_array().unwrap().len(),
        0,
        "{:#}",
        doc["warnings"]
    );
    let stages = doc["stage_changes"].as_array().unwrap();
    assert_eq!(stages.len(), 4);
    // The same runner twice: no stage's cadence or step length changed.
    for st in stages {
        for m in st["metrics"].as_array().unwrap() {
            if ["cadence_spm", "step_length_m"].contains(&m["metric"].as_str().unwrap()) {
                assert_eq!(m["meaningful"], false, "{m:#}");
            }
        }
    }
    assert!(std::fs::read_to_string(cmp.join("compare.html"))
        .unwrap()
        .contains("Stage by stage"));
}

/// Writes the synthetic sessions `scripts/screens.sh` photographs into
/// `$GAITCUE_SCREENS_TO`: a speed ramp with its schedule, and a runner before and after
/// retraining (less overstride, a slightly higher cadence) at 11 km/h.
#[test]
#[ignore = "run by scripts/screens.sh"]
fn write_screen_sessions() {
    let Some(dir) = std::env::var_os("GAITCUE_SCREENS_TO") else {
        return;
    };
    let dir = Path::new(&dir);
    let r = ramp(vec![8.0, 10.0, 12.0, 14.0], vec![0.1, 0.2, 0.55], 45.0, 3);
    std::fs::write(dir.join("ramp.jsonl"), to_jsonl(&r.run)).unwrap();
    std::fs::write(dir.join("ramp.schedule"), r.schedule()).unwrap();
    for (name, overstride, cadence, seed) in [("before", 0.18, 164.0, 31), ("after", 0.10, 170.0, 32)] {
        let run = crate::synthetic::generate(&RunParams {
            overstride_ratio: overstride,
            cadence_spm: cadence,
            duration_s: 90.0,
            belt_speed_mps: Some(11.0 / 3.6),
            ..realistic(seed)
        });
        std::fs::write(dir.join(format!("{name}.jsonl")), to_jsonl(&run)).unwrap();
    }
    // A course: a test, three retraining sessions, a retest, and one at another speed.
    let course = [
        (0.20, 164.0),
        (0.17, 166.0),
        (0.14, 168.0),
        (0.12, 170.0),
        (0.12, 170.0),
        (0.12, 170.0),
    ];
    for (i, (overstride, cadence)) in course.into_iter().enumerate() {
        let run = crate::synthetic::generate(&RunParams {
            overstride_ratio: overstride,
            cadence_spm: cadence,
            duration_s: 60.0,
            belt_speed_mps: Some(11.0 / 3.6),
            ..realistic(50 + i as u64)
        });
        std::fs::write(dir.join(format!("course-{i}.jsonl")), to_jsonl(&run)).unwrap();
    }
}

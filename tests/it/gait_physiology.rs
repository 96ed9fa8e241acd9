//! Running recognised by physiology, not by cadence: a slow jogger and a sprinter are both
//! running, and a clip whose clock runs slow (a phone's slow motion saved at 30 fps) is
//! recognised by the hips' fall in flight, never counted. The synthetic runner's hips fall
//! with gravity in flight at the runner's own scale (its height), so the truth is the
//! generator's physics, not the detector's definition.

use gaitcue::analysis::geometry::median;
use gaitcue::analysis::validity::Gait;
use gaitcue::analysis::{AnalysisConfig, GaitAnalyzer, StepRecord};
use serde_json::Value;

use crate::common::analyze_keypoints_with;
use crate::synthetic::{generate, to_jsonl, RunParams, SyntheticRun};

fn analyse(run: &SyntheticRun) -> Vec<StepRecord> {
    let mut analyzer = GaitAnalyzer::new(AnalysisConfig::default()).unwrap();
    let mut steps = Vec::new();
    for i in 0..run.frames.len() {
        steps.extend(analyzer.process(&run.pose_sample(i)).unwrap());
    }
    steps.extend(analyzer.finish());
    steps
}

#[test]
fn a_slow_jogger_and_a_sprinter_are_both_running() {
    // A jogger at 100 steps/min with half-second contacts and ~75 ms of flight; a sprinter
    // at 210 with 0.17 s contacts. Filmed at 60 fps.
    for (cadence, duty) in [(100.0, 0.435), (210.0, 0.30)] {
        let run = generate(&RunParams {
            fps: 60.0,
            cadence_spm: cadence,
            duty_factor: duty,
            duration_s: 20.0,
            seed: 21,
            ..RunParams::default()
        });
        let steps = analyse(&run);
        let later: Vec<&StepRecord> = steps.iter().filter(|s| s.ic_time_s > 3.0).collect();
        let counted: Vec<&StepRecord> = later.iter().copied().filter(|s| s.valid).collect();
        let reasons: Vec<_> = later.iter().filter_map(|s| s.reason.as_ref()).collect();
        assert!(
            counted.len() as f64 >= 0.9 * later.len() as f64,
            "{cadence} steps/min: {} of {} counted; {reasons:?}",
            counted.len(),
            later.len()
        );
        assert!(counted.iter().all(|s| s.gait == Gait::Running));
        let step = median(&counted.iter().filter_map(|s| s.step_time_s).collect::<Vec<_>>()).unwrap();
        assert!(
            (60.0 / step / cadence - 1.0).abs() < 0.02,
            "{cadence}: step {step}"
        );
        let contact = median(
            &counted
                .iter()
                .filter_map(|s| s.contact_time_s)
                .collect::<Vec<_>>(),
        )
        .unwrap();
        let true_contact = run.truth.contact_time_s;
        assert!(
            (contact - true_contact).abs() < 0.03,
            "{cadence}: contact {contact} vs {true_contact}"
        );
    }
}

/// Replays `run` through the binary with every time multiplied by `slow` (as if filmed at
/// `fps` and saved at `fps / slow`); returns the summary.
fn replay_slowed(run: &SyntheticRun, slow: f64, flags: &[&str]) -> (Value, String) {
    let text: String = to_jsonl(run)
        .lines()
        .map(|line| {
            let mut v: Value = serde_json::from_str(line).unwrap();
            let t = v["t"].as_f64().unwrap();
            v["t"] = (t * slow).into();
            v.to_string() + "\n"
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let (out, printed) = analyze_keypoints_with(dir.path(), "clip", &text, flags);
    let summary = serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    (summary, printed)
}

#[test]
fn slow_motion_is_recognised_by_gravity_and_never_counted() {
    // A 210 steps/min runner filmed at 120 fps, 1.60 m tall (the analysis assumes 1.75 m).
    let run = generate(&RunParams {
        fps: 120.0,
        cadence_spm: 210.0,
        duty_factor: 0.3,
        runner_height_m: 1.6,
        noise_frac: 0.005,
        duration_s: 16.0,
        seed: 5,
        ..RunParams::default()
    });
    let (real, _) = replay_slowed(&run, 1.0, &[]);
    let g = real["time_base"]["apparent_gravity_mps2"].as_f64().unwrap();
    assert!((5.0..=16.0).contains(&g), "{}", real["time_base"]);
    assert!(real["time_base"]["stretched_by"].is_null());
    assert!(real["valid_steps"].as_u64().unwrap() > 30);
    // Saved at 30 fps: 4× slow, 52 "steps/min" with flight phases. And 2×: 105 steps/min
    // with 0.57 s steps, which a slow jogger shows too, told apart by gravity alone.
    for slow in [4.0, 2.0] {
        let (summary, printed) = replay_slowed(&run, slow, &[]);
        let k = summary["time_base"]["stretched_by"].as_f64();
        assert!(
            k.is_some_and(|k| (k / slow - 1.0).abs() < 0.25),
            "{slow}×: {}",
            summary["time_base"]
        );
        assert_eq!(summary["valid_steps"], 0, "{slow}×");
        assert!(printed.contains("slow motion"), "{printed}");
        let warnings = summary["session"]["warnings"].to_string();
        assert!(warnings.contains("runs about"), "{warnings}");
        // Filmed at 120 fps whatever rate it plays at; told that, it is measured as the
        // runner ran.
        assert!(printed.contains("--filmed-fps 120`"), "{printed}");
        let (summary, _) = replay_slowed(&run, slow, &["--filmed-fps", "120"]);
        assert!(
            summary["time_base"]["stretched_by"].is_null(),
            "{}",
            summary["time_base"]
        );
        assert!(
            summary["valid_steps"].as_u64().unwrap() > 30,
            "{slow}×: {}",
            summary["valid_steps"]
        );
        let cadence = summary["per_side"]["both"]["cadence_spm"]["median"]
            .as_f64()
            .unwrap();
        assert!((cadence - 210.0).abs() < 3.0, "{slow}×: cadence {cadence}");
    }
}

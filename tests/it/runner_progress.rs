//! A runner's course through the real binary: synthetic sessions replayed with
//! `analyze --keypoints --runner DIR` (a test, three retraining sessions with less
//! overstride each time, a retest, then a session of another runner and one at another belt
//! speed), and `gaitcue progress DIR` checked against the generator's overstride, the
//! fading schedule's shares and the reasons for leaving sessions out.

use crate::common::{gaitcue, stderr};
use crate::synthetic::{generate, to_jsonl, RunParams};

use std::path::Path;

use serde_json::Value;

/// Replays one synthetic session into the runner's folder; returns the folder it made.
fn session(runner: &Path, name: &str, p: &RunParams, extra: &[&str]) -> String {
    let file = runner.parent().unwrap().join(format!("{name}.jsonl"));
    std::fs::write(&file, to_jsonl(&generate(p))).unwrap();
    let mut args = vec![
        "analyze",
        "--keypoints",
        file.to_str().unwrap(),
        "--runner",
        runner.to_str().unwrap(),
        "--quiet",
    ];
    args.extend_from_slice(extra);
    let out = gaitcue(&args);
    assert!(out.status.success(), "{name}: {}", stderr(&out));
    let printed = String::from_utf8_lossy(&out.stdout).to_string();
    let line = printed.lines().find(|l| l.starts_with("summary:")).unwrap();
    let folder = Path::new(line.trim_start_matches("summary:").trim())
        .parent()
        .unwrap();
    folder.file_name().unwrap().to_string_lossy().into_owned()
}

fn runner_params(overstride: f64, seed: u64) -> RunParams {
    RunParams {
        fps: 60.0,
        cadence_spm: 172.0,
        overstride_ratio: overstride,
        belt_speed_mps: Some(10.0 / 3.6),
        duration_s: 30.0,
        seed,
        ..RunParams::default()
    }
}

fn find<'a>(doc: &'a Value, metric: &str, side: &str) -> &'a Value {
    doc["speeds"][0]["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["metric"] == metric && c["side"] == side)
        .unwrap_or_else(|| panic!("no {metric} {side} in progress.json"))
}

#[test]
fn a_course_of_retraining_is_followed_session_by_session_at_one_speed() {
    let dir = tempfile::tempdir().unwrap();
    let runner = dir.path().join("runner");
    let speed = ["--belt-speed", "10 km/h"];
    // Overstride (leg lengths) as the generator lays it down: a test, three retraining
    // sessions each landing closer, a retest that kept the gain.
    let planned = [0.22, 0.18, 0.14, 0.10, 0.10];
    let mut folders = Vec::new();
    for (i, &o) in planned.iter().enumerate() {
        let visit: &[&str] = if i == planned.len() - 1 {
            &["--visit", "retest"]
        } else {
            &[]
        };
        let extra = [&speed[..], visit].concat();
        folders.push(session(
            &runner,
            &format!("s{i}"),
            &runner_params(o, 40 + i as u64),
            &extra,
        ));
    }
    assert!(folders[0].ends_with("-test-1"), "{folders:?}");
    for (k, f) in folders[1..4].iter().enumerate() {
        assert!(f.ends_with(&format!("-retrain-{}", k + 1)), "{folders:?}");
    }
    assert!(folders[4].ends_with("-retest-1"), "{folders:?}");
    // Another runner (a shorter leg in the picture: someone else, or the camera moved),
    // and this runner at another belt speed.
    let other = RunParams {
        leg_length_px: 220.0,
        ..runner_params(0.10, 60)
    };
    let other_runner = session(&runner, "other", &other, &speed);
    let faster = session(
        &runner,
        "fast",
        &runner_params(0.10, 61),
        &["--belt-speed", "12 km/h"],
    );
    // A folder that is not a session.
    std::fs::create_dir(runner.join("photos")).unwrap();

    let out = gaitcue(&["progress", runner.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    for f in ["progress.html", "progress.json", "progress.csv"] {
        assert!(runner.join(f).is_file(), "{f}");
    }
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(runner.join("progress.json")).unwrap()).unwrap();
    assert_eq!(doc["baseline"], folders[0].as_str());
    let sessions = doc["sessions"].as_array().unwrap();
    let by_folder = |f: &str| sessions.iter().find(|s| s["folder"] == f).unwrap();

    // Refused, each with its reason; never in the trends.
    let refused = |f: &str| by_folder(f)["refused_because"].as_str().unwrap_or("").to_string();
    assert!(
        refused(&other_runner).contains("another runner"),
        "{}",
        refused(&other_runner)
    );
    assert!(
        refused(&faster).contains("another belt speed"),
        "{}",
        refused(&faster)
    );
    assert!(
        refused("photos").contains("no summary.json"),
        "{}",
        refused("photos")
    );
    for f in &folders {
        assert_eq!(by_folder(f)["compared"], true, "{f}: {}", refused(f));
    }

    // Feedback: none in the test or the retest; in retraining the share of the session
    // counted in the folder (1st, 2nd, 3rd: 100 %, 100 %, 75 % by default), not typed.
    assert_eq!(by_folder(&folders[0])["feedback"]["cues"], "off");
    assert_eq!(by_folder(&folders[4])["feedback"]["cues"], "retest");
    for (k, share) in [(1, 1.0), (2, 1.0), (3, 0.75)] {
        let f = &by_folder(&folders[k])["feedback"];
        assert_eq!(f["cues"], "on");
        assert_eq!(f["session_number"], k as u64, "{f}");
        assert_eq!(f["share_allowed"].as_f64(), Some(share), "{f}");
    }

    // Overstride on both sides follows the generator: down over the course, and the retest's
    // change (0.12 leg lengths less) beyond the noise, toward the aim.
    for side in ["left", "right"] {
        let c = find(&doc, "overstride_ratio", side);
        let points = c["points"].as_array().unwrap();
        let labels: Vec<&str> = points.iter().map(|p| p["folder"].as_str().unwrap()).collect();
        assert_eq!(
            labels,
            folders.iter().map(String::as_str).collect::<Vec<_>>(),
            "{side}"
        );
        let medians: Vec<f64> = points.iter().map(|p| p["median"].as_f64().unwrap()).collect();
        // The point measured is on the sole, not the heel the generator places, so the
        // changes are compared: each session's change from the test as laid down.
        for (got, want) in medians.iter().zip(planned) {
            let (got, want) = (got - medians[0], want - planned[0]);
            assert!(
                (got - want).abs() < 0.02,
                "{side}: medians {medians:?} for {planned:?}"
            );
        }
        assert_eq!(c["trend"]["direction"], "down", "{side}: {c}");
        let last = points.last().unwrap();
        assert_eq!(last["beyond_noise"], true, "{side}: {last}");
        assert_eq!(last["toward_aim"], true, "{side}: {last}");
        let band = c["band"].as_array().unwrap();
        assert!(band[0].as_f64() < Some(medians[0]) && band[1].as_f64() > Some(medians[0]));
    }
    // The cadence (both feet together) did not change: steady, and no session's change
    // beyond its noise.
    let cad = find(&doc, "cadence_spm", "both");
    assert_eq!(cad["trend"]["direction"], "steady", "{cad}");
    for p in cad["points"].as_array().unwrap() {
        assert_eq!(p["beyond_noise"], false, "cadence: {p}");
    }
    let headline = doc["headline"].as_str().unwrap();
    assert!(
        headline.contains("closer under your hips")
            && headline.contains("more than the measurement's margin of error"),
        "{headline}"
    );
    // The research table: every readable session's medians, the refused ones marked.
    let csv = std::fs::read_to_string(runner.join("progress.csv")).unwrap();
    for f in folders.iter().chain([&other_runner, &faster]) {
        assert!(
            csv.lines().any(|l| l.starts_with(f.as_str())),
            "{f} missing from progress.csv"
        );
    }
    assert!(csv
        .lines()
        .any(|l| l.starts_with(faster.as_str()) && l.contains(",false,12.0,")));
}

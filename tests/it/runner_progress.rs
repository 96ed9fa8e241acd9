//! A runner's course through the real binary: synthetic sessions replayed with
//! `analyze --keypoints --runner DIR` (a test, three retraining sessions with less
//! overstride each time, a retest, then a session of another runner and one at another belt
//! speed), and `gaitcue progress DIR` checked against the generator's overstride, the
//! fading schedule's shares and the reasons for leaving sessions out.

use crate::common::{gaitcue, replay, stderr};
use crate::synthetic::{generate, to_jsonl, RunParams};

use std::path::Path;

use serde_json::Value;

/// Replays one synthetic session as `dir/NAME.jsonl` with `place` (where it goes) and
/// `extra` settings; returns what the binary printed.
fn replay_run(dir: &Path, name: &str, p: &RunParams, place: &[&str], extra: &[&str]) -> String {
    let file = dir.join(format!("{name}.jsonl"));
    std::fs::write(&file, to_jsonl(&generate(p))).unwrap();
    let out = replay(&file, &[place, &["--quiet"], extra].concat());
    assert!(out.status.success(), "{name}: {}", stderr(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Replays one synthetic session into the runner's folder; returns the folder it made.
fn session(runner: &Path, name: &str, p: &RunParams, extra: &[&str]) -> String {
    let place = ["--runner", runner.to_str().unwrap()];
    let printed = replay_run(runner.parent().unwrap(), name, p, &place, extra);
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
    let html = std::fs::read_to_string(runner.join("progress.html")).unwrap();
    for f in &folders {
        assert_eq!(by_folder(f)["compared"], true, "{f}: {}", refused(f));
        // Each session's own report is linked from the page.
        let report = by_folder(f)["report"].as_str().unwrap_or_default().to_string();
        assert!(runner.join(&report).is_file(), "{f}: report {report:?}");
        assert!(
            html.contains(&format!("href=\"{report}\"")),
            "{f}: no link to {report}"
        );
    }
    assert!(by_folder("photos")["report"].is_null());

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
        let (low, high) = (c["band"][0].as_f64().unwrap(), c["band"][1].as_f64().unwrap());
        assert!(
            low < medians[0] && medians[0] < high,
            "{side}: band {low}..{high}"
        );
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

/// Replays one synthetic session into `dir/name` (a plain session folder, no runner's
/// folder).
fn plain_session(dir: &Path, name: &str, p: &RunParams, extra: &[&str]) -> std::path::PathBuf {
    let out = dir.join(name);
    replay_run(dir, name, p, &["--out", out.to_str().unwrap()], extra);
    out
}

fn copy_folder(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_folder(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn edit_summary(folder: &Path, edit: impl FnOnce(&mut Value)) {
    let path = folder.join("summary.json");
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    edit(&mut v);
    std::fs::write(&path, serde_json::to_string_pretty(&v).unwrap()).unwrap();
}

/// Sessions brought from elsewhere, as a clinic collects them: folders named by hand (no
/// course in their summaries), copied from another computer (analysed on another day than
/// they were recorded), written by an earlier gaitcue (no belt speed per step, no record of
/// which steps were counted), a video whose analysis was stopped, a walking warm-up, and a
/// session from before the first test. Each is ordered by the date in its folder's name and
/// taken or refused with its own reason.
#[test]
fn sessions_from_other_computers_and_earlier_versions_are_taken_or_refused_with_their_reason() {
    let dir = tempfile::tempdir().unwrap();
    let speed = ["--belt-speed", "10 km/h"];
    let test = plain_session(dir.path(), "test", &runner_params(0.22, 70), &speed);
    let later = plain_session(dir.path(), "later", &runner_params(0.12, 71), &speed);
    let walking = plain_session(
        dir.path(),
        "walking",
        &RunParams {
            duration_s: 30.0,
            seed: 72,
            ..RunParams::walking()
        },
        &["--belt-speed", "5 km/h"],
    );
    let runner = dir.path().join("runner");
    let named = |n: &str| runner.join(n);
    copy_folder(&test, &named("2026-03-02-test-1"));
    // Recorded on the 9th, analysed on another computer long before the test's analysis
    // (its summary's time is earlier), by a version that kept the belt speed only in the
    // summary.
    let moved = named("2026-03-09-retrain-1");
    copy_folder(&later, &moved);
    edit_summary(&moved, |v| {
        v["session"]["created_unix_s"] = 1_000_000.into();
        assert_eq!(v["session"]["belt_speed"], "10.00 km/h", "{}", v["session"]);
    });
    let steps = std::fs::read_to_string(moved.join("steps.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(steps.as_bytes());
    let header = reader.headers().unwrap().clone();
    let keep: Vec<usize> = (0..header.len())
        .filter(|&i| &header[i] != "belt_speed_kmh")
        .collect();
    assert!(
        keep.len() < header.len(),
        "steps.csv has a belt speed column: {header:?}"
    );
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(keep.iter().map(|&i| &header[i])).unwrap();
    for row in reader.records() {
        let row = row.unwrap();
        writer.write_record(keep.iter().map(|&i| &row[i])).unwrap();
    }
    std::fs::write(moved.join("steps.csv"), writer.into_inner().unwrap()).unwrap();
    // A session from before the test.
    copy_folder(&later, &named("2026-02-20-retrain-1"));
    // A video whose analysis was stopped part-way.
    let stopped = named("2026-03-16-retrain-2");
    copy_folder(&later, &stopped);
    edit_summary(&stopped, |v| v["session"]["interrupted"] = true.into());
    // An earlier version's summary: no counted steps nor movement recorded.
    let old = named("2026-03-23-retrain-3");
    copy_folder(&later, &old);
    edit_summary(&old, |v| {
        let o = v.as_object_mut().unwrap();
        for key in ["valid_steps", "gait", "gait_steps"] {
            o.remove(key);
        }
        v["session"]["gaitcue_version"] = "0.3.0".into();
    });
    copy_folder(&walking, &named("2026-03-30-retest-1"));
    // Not sessions: a hidden folder (not listed at all) and loose files.
    copy_folder(&later, &named(".trash"));
    std::fs::write(runner.join("notes.txt"), "shoes: new").unwrap();

    let out = gaitcue(&["progress", runner.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(runner.join("progress.json")).unwrap()).unwrap();
    let sessions = doc["sessions"].as_array().unwrap();
    let order: Vec<&str> = sessions.iter().map(|s| s["folder"].as_str().unwrap()).collect();
    assert_eq!(
        order,
        [
            "2026-02-20-retrain-1",
            "2026-03-02-test-1",
            "2026-03-09-retrain-1",
            "2026-03-16-retrain-2",
            "2026-03-23-retrain-3",
            "2026-03-30-retest-1",
        ],
        "by the dates in the folders' names, hidden folders and files left out"
    );
    assert_eq!(doc["baseline"], "2026-03-02-test-1");
    let line = |f: &str| sessions.iter().find(|s| s["folder"] == f).unwrap();
    assert_eq!(line("2026-03-09-retrain-1")["date"], "2026-03-09");
    assert_eq!(line("2026-03-09-retrain-1")["visit"], "retrain");
    let reason = |f: &str| line(f)["refused_because"].as_str().unwrap_or("").to_string();
    for (folder, words) in [
        ("2026-02-20-retrain-1", "recorded before"),
        ("2026-03-16-retrain-2", "interrupted"),
        ("2026-03-23-retrain-3", "earlier gaitcue"),
        ("2026-03-30-retest-1", "not a running session (walking)"),
    ] {
        assert!(reason(folder).contains(words), "{folder}: {}", reason(folder));
        assert_eq!(line(folder)["compared"], false, "{folder}");
    }
    assert_eq!(
        line("2026-03-09-retrain-1")["compared"],
        true,
        "{}",
        reason("2026-03-09-retrain-1")
    );
    assert_eq!(
        line("2026-03-09-retrain-1")["belt_speeds_kmh"][0].as_f64(),
        Some(10.0),
        "the speed typed for an earlier version's session"
    );
    // The chart has the test then the later session, the change as laid down.
    for side in ["left", "right"] {
        let c = find(&doc, "overstride_ratio", side);
        let points = c["points"].as_array().unwrap();
        let folders: Vec<&str> = points.iter().map(|p| p["folder"].as_str().unwrap()).collect();
        assert_eq!(folders, ["2026-03-02-test-1", "2026-03-09-retrain-1"], "{side}");
        let change = points[1]["change"].as_f64().unwrap();
        assert!((change + 0.10).abs() < 0.02, "{side}: change {change}");
        let (low, high) = (c["band"][0].as_f64().unwrap(), c["band"][1].as_f64().unwrap());
        let base = points[0]["median"].as_f64().unwrap();
        assert!(
            low < base && base < high,
            "{side}: band {low}..{high} around {base}"
        );
    }
    let html = std::fs::read_to_string(runner.join("progress.html")).unwrap();
    assert!(html.contains("earlier gaitcue"), "refusals are shown on the page");
    // One session's folder, or a folder of no sessions, is not a runner's folder.
    for (folder, words) in [
        (&test, "one session's folder"),
        (&dir.path().join("empty"), "holds no session"),
    ] {
        std::fs::create_dir_all(folder).unwrap();
        let out = gaitcue(&["progress", folder.to_str().unwrap()]);
        assert!(
            !out.status.success() && stderr(&out).contains(words),
            "{}",
            stderr(&out)
        );
        assert!(!folder.join("progress.json").exists());
    }
}

/// Settings that contradict the visit are refused before anything is written, rather than
/// one of them silently deciding the cues.
#[test]
fn a_visit_and_cue_settings_that_contradict_it_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("run.jsonl");
    std::fs::write(
        &file,
        to_jsonl(&generate(&RunParams {
            duration_s: 4.0,
            ..runner_params(0.2, 80)
        })),
    )
    .unwrap();
    let runner = dir.path().join("runner");
    for (extra, words) in [
        (&["--visit", "test", "--session-number", "3"][..], "gives no cues"),
        (
            &["--visit", "retest", "--feedback-share", "0.5"][..],
            "gives no cues",
        ),
        (&["--visit", "retrain", "--retest"][..], "contradict"),
    ] {
        let out = replay(
            &file,
            &[&["--runner", runner.to_str().unwrap()][..], extra].concat(),
        );
        let err = stderr(&out);
        assert!(!out.status.success(), "{extra:?} was accepted");
        assert!(err.contains(words), "{extra:?}: {err}");
        let made = std::fs::read_dir(&runner).map_or(0, |d| d.count());
        assert_eq!(made, 0, "{extra:?} left a session folder");
    }
}

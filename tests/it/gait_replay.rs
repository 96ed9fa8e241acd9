//! `gaitcue analyze --keypoints FILE.jsonl`: synthetic running replayed through the real
//! binary, steps.csv and summary.json checked against the truth, and bad keypoints files
//! rejected with the line number while everything before the bad line is kept.

use crate::common;
use crate::synthetic;

use std::path::Path;

use common::{gaitcue, stderr};
use gaitcue::session::steps::required_columns;
use serde_json::Value;
use synthetic::{generate, to_jsonl, RunParams};

fn read_steps(dir: &Path) -> (Vec<String>, Vec<csv::StringRecord>) {
    let mut reader = csv::Reader::from_path(dir.join("steps.csv")).unwrap();
    let header = reader.headers().unwrap().iter().map(String::from).collect();
    (header, reader.records().map(|r| r.unwrap()).collect())
}

fn column(header: &[String], name: &str) -> usize {
    header.iter().position(|h| h == name).unwrap()
}

#[test]
fn replayed_running_gives_steps_and_summary_matching_the_truth() {
    let run = generate(&RunParams {
        fps: 60.0,
        cadence_spm: 176.0,
        overstride_ratio: 0.12,
        belt_speed_mps: Some(3.0),
        duration_s: 20.0,
        seed: 11,
        ..RunParams::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("run.jsonl");
    std::fs::write(&file, to_jsonl(&run)).unwrap();
    let out = dir.path().join("out");
    let result = gaitcue(&[
        "analyze",
        "--keypoints",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--belt-speed",
        "10.8 km/h",
    ]);
    assert!(result.status.success(), "{}", stderr(&result));

    let (header, rows) = read_steps(&out);
    assert_eq!(required_columns(), common::README_COLUMNS);
    assert_eq!(&header[..common::README_COLUMNS.len()], common::README_COLUMNS);
    let true_steps = run.truth.contacts.len();
    assert!(
        rows.len() + 3 >= true_steps && rows.len() <= true_steps + 1,
        "{} rows for {true_steps} steps",
        rows.len()
    );

    // Overstride in cm: ratio × leg length, scaled by the belt (the stance foot moves with it).
    let px_per_m = run.truth.px_per_m.unwrap();
    let true_ratios: Vec<f64> = run.truth.steps.iter().map(|s| s.overstride_ratio).collect();
    let true_ratio = gaitcue::analysis::geometry::median(&true_ratios).unwrap();
    let expected_cm = true_ratio * run.truth.leg_length_px / px_per_m * 100.0;
    let cm: Vec<f64> = rows
        .iter()
        .filter_map(|r| r[column(&header, "overstride_cm")].parse().ok())
        .collect();
    let median_cm =
        gaitcue::analysis::geometry::median(&cm).expect("overstride in cm once the scale is known");
    assert!(
        (median_cm - expected_cm).abs() <= 0.1 * expected_cm,
        "{median_cm:.1} cm vs {expected_cm:.1} cm"
    );
    // Step length = belt speed × step time.
    let lengths: Vec<f64> = rows
        .iter()
        .filter_map(|r| r[column(&header, "step_length_m")].parse().ok())
        .collect();
    let expected_m = 3.0 * 60.0 / 176.0;
    let median_m = gaitcue::analysis::geometry::median(&lengths).unwrap();
    assert!(
        (median_m - expected_m).abs() < 0.02,
        "step length {median_m:.3} m vs {expected_m:.3} m"
    );

    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    for side in ["left", "right"] {
        let c = &summary["per_side"][side]["cadence_spm"];
        assert!((c["median"].as_f64().unwrap() - 176.0).abs() < 1.0, "{side}: {c}");
        let o = &summary["per_side"][side]["overstride_ratio"];
        assert!(
            (o["median"].as_f64().unwrap() - true_ratio).abs() < 0.02,
            "{side}: {o}"
        );
        assert!(o["n"].as_u64().unwrap() > 20);
        assert_eq!(o["unit"], "leg lengths");
    }
    // Without stickers the pelvic tilt is unknown: the thigh's angle is not a stand-in.
    for r in &rows {
        assert_eq!(&r[column(&header, "pelvic_tilt_deg")], "");
        assert_eq!(&r[column(&header, "pelvic_tilt_source")], "");
    }
    assert!(rows
        .iter()
        .filter(|r| !r[column(&header, "toe_off_time_s")].is_empty())
        .skip(10)
        .all(|r| !r[column(&header, "thigh_extension_to_deg")].is_empty()));
    assert_eq!(summary["pelvic_tilt_sources"].as_array().map(Vec::len), Some(0));
}

/// Writes `lines` (the first `good` of a valid file, then `bad`) and expects a failure that
/// names line `good + 1`, with the steps of the good lines kept.
fn rejects_bad_line(bad: &str, expected: &str) {
    let run = generate(&RunParams {
        duration_s: 6.0,
        missing_frac: 0.0,
        swap_frames: 0.0,
        seed: 5,
        ..RunParams::default()
    });
    let text = to_jsonl(&run);
    let good: Vec<&str> = text.lines().take(300).collect();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.jsonl");
    std::fs::write(
        &file,
        format!("{}\n{bad}\n{}\n", good.join("\n"), text.lines().nth(301).unwrap()),
    )
    .unwrap();
    let out = dir.path().join("out");
    let result = gaitcue(&[
        "analyze",
        "--keypoints",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let err = stderr(&result);
    assert_eq!(result.status.code(), Some(1), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    let prefix = format!("keypoints file '{}' line 301: ", file.display());
    assert!(err.contains(&prefix) && err.contains(expected), "{err}");
    // The steps completed in the 300 good lines (5 s at 60 fps) are on disk.
    let (_, rows) = read_steps(&out);
    assert!(rows.len() >= 10, "only {} steps kept", rows.len());
    assert!(
        err.contains(&format!(
            "the {} steps before it were kept; what was analysed was saved in '{}'",
            rows.len(),
            out.display()
        )),
        "{err}"
    );
    assert!(out.join("summary.json").exists());
}

#[test]
fn malformed_json_line() {
    rejects_bad_line("{\"frame\": 300, \"t\": 5.0, \"width\": 1280", "malformed JSON");
}

#[test]
fn missing_keypoints_field() {
    rejects_bad_line(
        "{\"frame\": 300, \"t\": 5.0, \"width\": 1280, \"height\": 720}",
        "no \"keypoints\" field",
    );
}

#[test]
fn unknown_keypoint_name() {
    rejects_bad_line(
        "{\"frame\": 300, \"t\": 5.0, \"width\": 1280, \"height\": 720, \"keypoints\": {\"tail\": [1, 2, 0.9]}}",
        "unknown keypoint name 'tail'",
    );
}

#[test]
fn missing_keypoint() {
    rejects_bad_line(
        "{\"frame\": 300, \"t\": 5.0, \"width\": 1280, \"height\": 720, \"keypoints\": {\"nose\": [1, 2, 0.9]}}",
        "keypoint 'left_eye_inner' is missing",
    );
}

#[test]
fn malformed_people_boxes() {
    rejects_bad_line(
        "{\"frame\": 300, \"t\": 5.0, \"width\": 1280, \"height\": 720, \"keypoints\": null, \"people\": [[500, 10, 400, 300, 0.9]]}",
        "each of \"people\" must be [x0, y0, x1, y1, score]",
    );
}

#[test]
fn time_going_backwards() {
    rejects_bad_line(
        "{\"frame\": 300, \"t\": 1.0, \"width\": 1280, \"height\": 720, \"keypoints\": null}",
        "does not come after the previous line's",
    );
}

#[test]
fn visibility_outside_0_to_1() {
    rejects_bad_line(
        &line_301_with(|kps| kps["left_heel"][2] = serde_json::json!(1.7)),
        "keypoint 'left_heel' must be finite pixels with a visibility in 0..1",
    );
}

#[test]
fn negative_time() {
    rejects_bad_line(
        "{\"frame\": 300, \"t\": -1.0, \"width\": 1280, \"height\": 720, \"keypoints\": null}",
        "\"t\" must be a number of seconds, 0 or more",
    );
}

/// Line 301 of the synthetic run used by `rejects_bad_line`, changed by `edit`.
fn line_301_with(edit: impl Fn(&mut serde_json::Value)) -> String {
    let run = generate(&RunParams {
        duration_s: 6.0,
        missing_frac: 0.0,
        swap_frames: 0.0,
        seed: 5,
        ..RunParams::default()
    });
    let text = to_jsonl(&run);
    let mut v: serde_json::Value = serde_json::from_str(text.lines().nth(300).unwrap()).unwrap();
    edit(&mut v["keypoints"]);
    v.to_string()
}

/// A file saved by an editor that writes a byte-order mark replays like any other.
#[test]
fn a_byte_order_mark_is_accepted() {
    let run = generate(&RunParams {
        duration_s: 12.0,
        seed: 6,
        ..RunParams::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let (out, _) = common::analyze_keypoints(dir.path(), "bom", &format!("\u{feff}{}", to_jsonl(&run)));
    let (_, rows) = read_steps(&out);
    assert!(rows.len() > 20, "{} steps", rows.len());
}

/// A folder or an empty file is refused before any output is written.
#[test]
fn a_folder_or_an_empty_file_is_not_a_keypoints_file() {
    let dir = tempfile::tempdir().unwrap();
    let session = dir.path().join("session");
    std::fs::create_dir_all(&session).unwrap();
    std::fs::write(session.join("keypoints.jsonl"), "").unwrap();
    let out = dir.path().join("out");
    for (input, expected) in [
        (session.clone(), "is a folder: give the keypoints.jsonl file ("),
        (session.join("keypoints.jsonl"), "is empty: nothing to analyse"),
    ] {
        let result = gaitcue(&[
            "analyze",
            "--keypoints",
            input.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        let err = stderr(&result);
        assert_eq!(result.status.code(), Some(1), "{err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(err.contains(expected), "{err}");
        assert!(!out.exists(), "an output folder was made for nothing");
    }
}

#[test]
fn missing_keypoints_file() {
    let dir = tempfile::tempdir().unwrap();
    let result = gaitcue(&[
        "analyze",
        "--keypoints",
        "nowhere.jsonl",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(result.status.code(), Some(1));
    assert!(
        stderr(&result).contains("keypoints file 'nowhere.jsonl' not found"),
        "{}",
        stderr(&result)
    );
}

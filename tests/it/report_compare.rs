//! Reports and test → retest comparisons on synthetic sessions with known truth, the
//! errors `compare` gives for folders it cannot compare, and face blurring on a real image.

use crate::common;
use crate::synthetic;

use std::path::{Path, PathBuf};

use common::{data, gaitcue, photo_config, stderr};
use gaitcue::pose::blazepose::BlazePose;
use gaitcue::pose::PoseEstimator;
use gaitcue::privacy::{blur_face, head_box};
use opencv::core::{self, Mat};
use opencv::imgcodecs;
use opencv::prelude::*;
use serde_json::Value;
use synthetic::{generate, to_jsonl, RunParams};

/// Analyses a synthetic run (replayed keypoints) into a session folder.
fn session(dir: &Path, name: &str, overstride_ratio: f64, seed: u64) -> PathBuf {
    session_of(
        dir,
        name,
        RunParams {
            overstride_ratio,
            duration_s: 40.0,
            seed,
            ..RunParams::default()
        },
    )
}

fn session_of(dir: &Path, name: &str, params: RunParams) -> PathBuf {
    let run = generate(&params);
    let file = dir.join(format!("{name}.jsonl"));
    std::fs::write(&file, to_jsonl(&run)).unwrap();
    let out = dir.join(name);
    let r = gaitcue(&[
        "analyze",
        "--keypoints",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(r.status.success(), "{}", stderr(&r));
    out
}

fn compare(dir: &Path, a: &Path, b: &Path) -> Value {
    let out = dir.join(format!(
        "cmp-{}-{}",
        a.file_name().unwrap().to_string_lossy(),
        b.file_name().unwrap().to_string_lossy()
    ));
    let r = gaitcue(&[
        "compare",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(r.status.success(), "{}", stderr(&r));
    // The page is handed to the patient: sessions by their folder's own name, never the
    // folders above it (they often hold the patient's name).
    let html = std::fs::read_to_string(out.join("compare.html")).unwrap();
    let parent = dir.canonicalize().unwrap();
    assert!(!html.contains(parent.to_str().unwrap()) && !html.contains(dir.to_str().unwrap()));
    let name = a.file_name().unwrap().to_string_lossy();
    assert!(html.contains(&format!("&#39;{name}&#39;")) || html.contains(&format!("'{name}'")));
    serde_json::from_str(&std::fs::read_to_string(out.join("compare.json")).unwrap()).unwrap()
}

fn change<'a>(doc: &'a Value, metric: &str) -> &'a Value {
    doc["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["metric"] == metric && c["side"] == "both")
        .unwrap()
}

#[test]
fn compare_reports_a_known_change_and_no_change_between_alike_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let base = session(dir.path(), "base", 0.10, 21);
    let worse = session(dir.path(), "worse", 0.20, 22);
    let alike = session(dir.path(), "alike", 0.10, 23);

    let doc = compare(dir.path(), &base, &worse);
    let o = change(&doc, "overstride_ratio");
    let delta = o["change"].as_f64().unwrap();
    assert!((delta - 0.10).abs() < 0.02, "overstride change {delta}");
    assert_eq!(o["meaningful"], true);
    assert!(
        o["verdict"].as_str().unwrap().starts_with("increased by 0."),
        "{o}"
    );
    // Per side, and coloured by the aim: more overstride moves away from it.
    for side in ["left", "right"] {
        let c = doc["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["metric"] == "overstride_ratio" && c["side"] == side)
            .unwrap();
        assert_eq!(
            (c["meaningful"].clone(), c["toward_goal"].clone()),
            (Value::Bool(true), Value::Bool(false)),
            "{c}"
        );
    }
    let html = std::fs::read_to_string(dir.path().join("cmp-base-worse").join("compare.html")).unwrap();
    assert!(
        html.contains("<span class=away>increased by"),
        "more overstride is shown as moving away from the aim"
    );
    assert!(doc["smallest_detectable_difference"]
        .as_str()
        .unwrap()
        .contains("1.96"));

    assert_eq!(
        doc["warnings"].as_array().map(Vec::len),
        Some(0),
        "{}",
        doc["warnings"]
    );

    let doc = compare(dir.path(), &base, &alike);
    for c in doc["changes"].as_array().unwrap() {
        assert_eq!(c["meaningful"], false, "{c}");
        assert_eq!(c["verdict"], "no meaningful change");
    }
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(base.join("summary.json")).unwrap()).unwrap();
    let leg = summary["runner"]["leg_length_px"].as_f64().unwrap();
    assert!(
        (leg - 300.0).abs() < 6.0,
        "runner's leg length {leg} px, truth 300"
    );
    assert_eq!(summary["runner"]["facing"], "right");

    // The synthetic sessions' reports: tables and plots, and an honest note on stills.
    let html = std::fs::read_to_string(base.join("report.html")).unwrap();
    assert!(html.contains("Summary per side") && html.matches("<svg").count() >= 4);
    assert!(html.contains("No video in this session"));
    assert!(
        html.contains("Pelvic tilt is measured only from ASIS/PSIS stickers"),
        "the report must say why pelvic tilt is unknown"
    );
}

/// Two different people (legs 300 and 360 px), or the same one filmed from the other side:
/// `compare` still compares, but warns on the terminal, in compare.json and compare.html,
/// and no verdict is coloured as better or worse.
#[test]
fn compare_warns_when_the_sessions_describe_different_runners() {
    let dir = tempfile::tempdir().unwrap();
    let base = session(dir.path(), "base", 0.10, 41);
    let other = session_of(
        dir.path(),
        "other",
        RunParams {
            overstride_ratio: 0.20,
            leg_length_px: 360.0,
            duration_s: 40.0,
            seed: 42,
            ..RunParams::default()
        },
    );
    let mirrored = session_of(
        dir.path(),
        "mirrored",
        RunParams {
            overstride_ratio: 0.10,
            direction: -1.0,
            duration_s: 40.0,
            seed: 43,
            ..RunParams::default()
        },
    );
    let out = dir.path().join("cmp-people");
    let r = gaitcue(&[
        "compare",
        base.to_str().unwrap(),
        other.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(r.status.success(), "{}", stderr(&r));
    let terminal = String::from_utf8_lossy(&r.stdout).to_string() + &stderr(&r);
    assert!(
        terminal.contains("WARNING: the runners differ: leg length 30"),
        "{terminal}"
    );
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("compare.json")).unwrap()).unwrap();
    assert!(
        doc["warnings"][0].as_str().unwrap().contains("20 % apart"),
        "{doc}"
    );
    let html = std::fs::read_to_string(out.join("compare.html")).unwrap();
    assert!(html.contains("<strong>Warning:</strong> the runners differ"));
    assert!(!html.contains("<span class=toward>") && !html.contains("<span class=away>"));

    let doc = compare(dir.path(), &base, &mirrored);
    let warnings: Vec<&str> = doc["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|w| w.as_str())
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("faces right in the baseline and left in the retest"));
}

/// A folder compared with itself is flagged; a session with too few valid running steps
/// (here a walking one) is refused with a one-line error naming it.
#[test]
fn compare_flags_the_same_folder_and_refuses_sessions_without_running() {
    let dir = tempfile::tempdir().unwrap();
    let base = session(dir.path(), "base", 0.10, 51);
    let doc = compare(dir.path(), &base, &base);
    let warnings = doc["warnings"].to_string();
    assert!(warnings.contains("the same folder"), "{warnings}");
    let walking = session_of(
        dir.path(),
        "walking",
        RunParams {
            duration_s: 30.0,
            seed: 52,
            ..RunParams::walking()
        },
    );
    let r = gaitcue(&[
        "compare",
        base.to_str().unwrap(),
        walking.to_str().unwrap(),
        "--out",
        dir.path().join("cmp-walk").to_str().unwrap(),
    ]);
    let err = stderr(&r);
    assert_eq!(r.status.code(), Some(1), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("walking' has 0 valid running steps; 10 are needed"),
        "{err}"
    );
}

#[test]
fn compare_refuses_folders_it_cannot_compare() {
    let dir = tempfile::tempdir().unwrap();
    let base = session(dir.path(), "base", 0.10, 31);
    let empty = dir.path().join("not-a-session");
    std::fs::create_dir_all(&empty).unwrap();
    let r = gaitcue(&[
        "compare",
        base.to_str().unwrap(),
        empty.to_str().unwrap(),
        "--out",
        dir.path().join("c").to_str().unwrap(),
    ]);
    assert_eq!(r.status.code(), Some(1));
    assert!(
        stderr(&r).contains(&format!("folder '{}' has no summary.json", empty.display())),
        "{}",
        stderr(&r)
    );

    // A session whose summary lacks a metric (another version) is refused, not half-compared.
    let other = session(dir.path(), "other", 0.10, 32);
    let path = other.join("summary.json");
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    doc["per_side"]["both"]
        .as_object_mut()
        .unwrap()
        .remove("trunk_lean_deg");
    std::fs::write(&path, doc.to_string()).unwrap();
    let r = gaitcue(&[
        "compare",
        base.to_str().unwrap(),
        other.to_str().unwrap(),
        "--out",
        dir.path().join("c").to_str().unwrap(),
    ]);
    assert_eq!(r.status.code(), Some(1));
    assert!(
        stderr(&r).contains("the sessions measured different metrics"),
        "{}",
        stderr(&r)
    );
}

#[test]
fn face_blur_changes_the_head_and_nothing_else() {
    let image = imgcodecs::imread(data("bus.jpg").to_str().unwrap(), imgcodecs::IMREAD_COLOR).unwrap();
    let pose = BlazePose::new(&photo_config())
        .unwrap()
        .estimate(&image)
        .unwrap()
        .expect("person in bus.jpg");
    let head = head_box(&pose.keypoints, image.cols(), image.rows()).expect("a head box");
    let mut blurred = image.clone();
    blur_face(&mut blurred, &pose.keypoints).unwrap();
    let mut diff = Mat::default();
    core::absdiff(&image, &blurred, &mut diff).unwrap();
    // Inside the head box the picture changed a lot...
    let inside = core::mean_def(&Mat::roi(&diff, head).unwrap()).unwrap();
    assert!(
        inside[0] + inside[1] + inside[2] > 15.0,
        "head barely changed: {inside:?}"
    );
    // ...and not one pixel outside it.
    let mut outside = diff.clone();
    Mat::roi_mut(&mut outside, head)
        .unwrap()
        .set_to_def(&core::Scalar::all(0.0))
        .unwrap();
    assert_eq!(core::count_non_zero(&outside.reshape(1, 0).unwrap()).unwrap(), 0);
    // The box is the head: it holds the nose and stays above the shoulders.
    let nose = (pose.keypoints[0].x as i32, pose.keypoints[0].y as i32);
    assert!(head.contains(core::Point::new(nose.0, nose.1)));
    assert!((head.y + head.height) as f32 <= pose.keypoints[11].y.max(pose.keypoints[12].y) + 30.0);
}

#[test]
fn bystanders_faces_are_blurred_too() {
    use gaitcue::config::PoseConfig;
    use gaitcue::privacy::FaceBlur;
    // Two people: bus.jpg beside its mirror image. The runner is whichever is tracked.
    let image = imgcodecs::imread(data("bus.jpg").to_str().unwrap(), imgcodecs::IMREAD_COLOR).unwrap();
    let mut mirrored = Mat::default();
    core::flip(&image, &mut mirrored, 1).unwrap();
    let mut both = Mat::default();
    core::hconcat2(&image, &mirrored, &mut both).unwrap();
    let config: PoseConfig = photo_config();
    let runner = BlazePose::new(&config)
        .unwrap()
        .estimate(&both)
        .unwrap()
        .expect("a runner");
    let nose = (runner.keypoints[0].x, runner.keypoints[0].y);
    let twin_nose = (both.cols() as f32 - 1.0 - nose.0, nose.1);
    let mut blurred = both.clone();
    let mut blur = FaceBlur::new(&config);
    blur.apply(&mut blurred, 0, Some(&runner.keypoints)).unwrap();
    // The next frame is blurred from the faces held since the detection on frame 0.
    let mut next = both.clone();
    blur.apply(&mut next, 1, Some(&runner.keypoints)).unwrap();
    let mut diff = Mat::default();
    core::absdiff(&both, &blurred, &mut diff).unwrap();
    let mut gray = Mat::default();
    opencv::imgproc::cvt_color_def(&diff, &mut gray, opencv::imgproc::COLOR_BGR2GRAY).unwrap();
    let changed_near = |(x, y): (f32, f32)| {
        let r = core::Rect::new(x as i32 - 15, y as i32 - 15, 30, 30);
        core::count_non_zero(&Mat::roi(&gray, r).unwrap()).unwrap()
    };
    assert!(changed_near(nose) > 300, "the runner's face is not blurred");
    assert!(
        changed_near(twin_nose) > 300,
        "the bystander's face is not blurred"
    );
    let mut held = Mat::default();
    core::absdiff(&both, &next, &mut diff).unwrap();
    opencv::imgproc::cvt_color_def(&diff, &mut held, opencv::imgproc::COLOR_BGR2GRAY).unwrap();
    let r = core::Rect::new(twin_nose.0 as i32 - 15, twin_nose.1 as i32 - 15, 30, 30);
    assert!(
        core::count_non_zero(&Mat::roi(&held, r).unwrap()).unwrap() > 300,
        "the bystander's face is not blurred in the frame after a detection"
    );
    // Nothing changed far from both heads (the bus, the street, the legs).
    for (x, y) in [(405.0, 900.0), (1215.0, 900.0), (810.0, 200.0), (150.0, 850.0)] {
        assert_eq!(changed_near((x, y)), 0, "pixels changed at ({x}, {y})");
    }
}

#[test]
fn clips_cut_from_one_stream_hold_their_own_frames() {
    use gaitcue::record::h264::{ClipBatch, ClipSpan};
    use opencv::videoio::{VideoCapture, CAP_FFMPEG};
    let dir = tempfile::tempdir().unwrap();
    // Overlapping and separate runs of a 13-frame stream whose frame i is grey level 15·i
    // (H.264's video range moves a level by a few units, never by half a step).
    let spans = [(0, 4), (3, 9), (10, 12)];
    let clips: Vec<ClipSpan> = spans
        .iter()
        .enumerate()
        .map(|(i, (first, last))| ClipSpan {
            first: *first,
            last: *last,
            path: dir.path().join(format!("clip-{i}.mp4")),
        })
        .collect();
    let size = core::Size::new(64, 48);
    let mut batch = ClipBatch::create(clips.clone(), 30.0, size).unwrap();
    for i in 0..13 {
        let frame =
            Mat::new_size_with_default(size, core::CV_8UC3, core::Scalar::all(15.0 * i as f64)).unwrap();
        batch.write(&frame).unwrap();
    }
    batch.finish().unwrap();
    for (clip, (first, last)) in clips.iter().zip(spans) {
        let mut cap = VideoCapture::from_file(clip.path.to_str().unwrap(), CAP_FFMPEG).unwrap();
        let mut levels = Vec::new();
        let mut m = Mat::default();
        while cap.read(&mut m).unwrap() {
            levels.push(core::mean_def(&m).unwrap()[0]);
        }
        assert_eq!(levels.len() as u64, last - first + 1, "{}", clip.path.display());
        for (k, level) in levels.iter().enumerate() {
            let expected = 15.0 * (first + k as u64) as f64;
            assert!(
                (level - expected).abs() < 6.0,
                "{}: frame {k} grey {level}, not {expected}",
                clip.path.display()
            );
        }
    }
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 3, "only the finished clips remain: {names:?}");
}

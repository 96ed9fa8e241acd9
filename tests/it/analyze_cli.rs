//! `gaitcue analyze` end to end on the real demo clip: real decode, inference and encode.

use crate::common;

use common::*;
use gaitcue::pose::KEYPOINT_NAMES;
use gaitcue::session::steps::required_columns;
use opencv::core::{self, Mat, Rect};
use opencv::prelude::*;
use opencv::videoio::{self, VideoCapture};
use serde_json::Value;

fn read_frames(path: &std::path::Path) -> Vec<Mat> {
    let mut cap = VideoCapture::from_file(path.to_str().unwrap(), videoio::CAP_FFMPEG).unwrap();
    assert!(cap.is_opened().unwrap(), "{} does not open", path.display());
    let mut frames = Vec::new();
    let mut m = Mat::default();
    while cap.read(&mut m).unwrap() {
        frames.push(m.clone());
    }
    frames
}

/// Mean absolute difference of two frames inside `r`.
fn mean_diff(a: &Mat, b: &Mat, r: Rect) -> f64 {
    let (ra, rb) = (Mat::roi(a, r).unwrap(), Mat::roi(b, r).unwrap());
    let mut d = Mat::default();
    core::absdiff(&ra, &rb, &mut d).unwrap();
    let m = core::mean_def(&d).unwrap();
    (m[0] + m[1] + m[2]) / 3.0
}

#[test]
fn analyze_writes_annotated_clip_and_keypoints_for_every_frame() {
    let out = tempfile::tempdir().unwrap();
    let video = data("demo.mp4");
    let result = gaitcue(&[
        "analyze",
        video.to_str().unwrap(),
        "--out",
        out.path().to_str().unwrap(),
        "--zone",
        "0,0.45,1,1",
        "--quiet",
        "--patient",
        "Demo Walker",
        "--notes",
        "first visit <no shoes>",
    ]);
    assert!(result.status.success(), "analyze failed: {}", stderr(&result));

    // keypoints.jsonl: one object per frame, in order, all 33 names when a runner is found.
    let text = std::fs::read_to_string(out.path().join("keypoints.jsonl")).unwrap();
    let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 230);
    let mut last_t = -1.0;
    let mut with_runner = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        assert_eq!(line["frame"].as_u64(), Some(i as u64));
        let t = line["t"].as_f64().unwrap();
        assert!(t > last_t, "time goes backwards at frame {i}");
        last_t = t;
        assert_eq!(
            (line["width"].as_i64(), line["height"].as_i64()),
            (Some(1768), Some(994))
        );
        match &line["keypoints"] {
            Value::Null => {}
            Value::Object(kps) => {
                let names: Vec<&str> = kps.keys().map(|k| k.as_str()).collect();
                assert_eq!(names, KEYPOINT_NAMES);
                for v in kps.values() {
                    let v = v.as_array().unwrap();
                    assert_eq!(v.len(), 3);
                    assert!((0.0..=1.0).contains(&v[2].as_f64().unwrap()));
                }
                with_runner.push(i);
            }
            other => panic!("frame {i}: keypoints is {other}"),
        }
    }
    // The walker is in view from ~2 s to 6.5 s at 30 fps; before ~1.9 s nobody is in the zone.
    assert!(
        with_runner.len() >= 120,
        "runner in only {} frames",
        with_runner.len()
    );
    assert!(
        lines[10]["keypoints"].is_null(),
        "someone found before the walker enters"
    );
    assert!((lines[229]["t"].as_f64().unwrap() - 229.0 / 30.0).abs() < 0.05);
    // The pose stage looks around for everyone in view about three times a second: the
    // report blurs bystanders' faces from these boxes.
    let looks: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l["people"].is_array())
        .map(|(i, _)| i)
        .collect();
    assert_eq!(looks.first(), Some(&0));
    for w in looks.windows(2) {
        assert!(
            w[1] - w[0] <= 10,
            "no look around between frames {} and {}",
            w[0],
            w[1]
        );
    }
    let man_seen = looks.iter().any(|i| {
        lines[*i]["people"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p[3].as_f64().unwrap() < 994.0 * 0.45)
    });
    assert!(man_seen, "the man on the box (upper half) was never seen");

    // annotated.mp4 decodes to the same number of frames, with the skeleton drawn where the
    // keypoints say and the rest of the picture unchanged (up to codec noise).
    // It is a review copy scaled to fit 1280 pixels: the keypoints scale with it.
    let annotated = read_frames(&out.path().join("annotated.mp4"));
    let original = read_frames(&video);
    assert_eq!(annotated.len(), original.len());
    let f = 120;
    assert_eq!((annotated[f].cols(), annotated[f].rows()), (1280, 720));
    let scale = 1280.0 / 1768.0;
    let mut original_f = Mat::default();
    opencv::imgproc::resize(
        &original[f],
        &mut original_f,
        opencv::core::Size::new(1280, 720),
        0.0,
        0.0,
        opencv::imgproc::INTER_LINEAR,
    )
    .unwrap();
    let kps = lines[f]["keypoints"]
        .as_object()
        .expect("walker found at frame 120");
    let heel = kps["left_heel"].as_array().unwrap();
    let (x, y) = (
        (heel[0].as_f64().unwrap() * scale) as i32,
        (heel[1].as_f64().unwrap() * scale) as i32,
    );
    let near_heel = Rect::new(x - 3, y - 3, 7, 7);
    let corner = Rect::new(1195, 145, 43, 43); // sky: no pose, no status text, no cue banner
    let drawn = mean_diff(&annotated[f], &original_f, near_heel);
    let untouched = mean_diff(&annotated[f], &original_f, corner);
    assert!(drawn > 40.0, "no overlay at the heel (diff {drawn:.1})");
    assert!(
        untouched < 12.0,
        "the picture changed away from the pose (diff {untouched:.1})"
    );

    // steps.csv: the required columns first; the walker's steps (she is in view from ~2 s
    // to ~6.5 s) move forward in time at a walking cadence. The demo is walking, not
    // running: no step of hers is valid running, none carries a cue, and the steps that
    // could be told apart are labelled walking.
    let mut reader = csv::Reader::from_path(out.path().join("steps.csv")).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(required_columns(), common::README_COLUMNS);
    assert_eq!(&header[..common::README_COLUMNS.len()], common::README_COLUMNS);
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (gait, valid, cue) = (column("gait"), column("valid"), column("cue"));
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    let walker: Vec<&csv::StringRecord> = rows
        .iter()
        .filter(|r| r[2].parse::<f64>().unwrap() < 6.5)
        .collect();
    assert!(walker.len() >= 5, "only {} steps of the walker", walker.len());
    // Rows are written as steps close (a step whose toe-off was missed closes late); by
    // step number, contacts move forward in time.
    let mut by_number: Vec<(u64, f64)> = walker
        .iter()
        .map(|r| (r[0].parse().unwrap(), r[2].parse().unwrap()))
        .collect();
    by_number.sort_by_key(|s| s.0);
    for pair in by_number.windows(2) {
        assert!(pair[1].0 > pair[0].0 && pair[1].1 > pair[0].1, "{by_number:?}");
    }
    let labels: Vec<&str> = walker.iter().map(|r| &r[gait]).collect();
    let count = |g: &str| labels.iter().filter(|l| **l == g).count();
    // (the far leg is hidden much of the time, so some steps cannot be told apart)
    assert!(count("walking") > count("running"), "walker labelled {labels:?}");
    assert!(rows.iter().all(|r| &r[valid] == "false" && r[cue].is_empty()));
    let cadences: Vec<f64> = walker.iter().filter_map(|r| r[5].parse::<f64>().ok()).collect();
    let cadence = gaitcue::analysis::geometry::median(&cadences).unwrap();
    assert!(
        (90.0..=130.0).contains(&cadence),
        "walking cadence {cadence:.1} steps/min"
    );
    eprintln!(
        "demo: {} steps of the walker ({labels:?}), median cadence {cadence:.1} steps/min",
        walker.len()
    );

    // summary.json: a walking session, its running medians withheld with the reason.
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["steps"].as_u64(), Some(rows.len() as u64));
    // Walking, or too few steps told apart to say; never running.
    assert_ne!(summary["gait"], "running");
    assert_eq!(summary["valid_steps"].as_u64(), Some(0));
    let both = &summary["per_side"]["both"]["cadence_spm"];
    assert_eq!(both["unit"], "steps/min");
    assert!(both["median"].is_null());
    let why = summary["medians_withheld"]["both"].as_str().unwrap();
    assert!(
        why.contains("walking") || why.contains("no running was recognised"),
        "{why}"
    );

    // report.html: self-contained (nothing fetched), with the summary table, plots, stills
    // at initial contact, and links to clips that exist and play.
    let html = std::fs::read_to_string(out.path().join("report.html")).unwrap();
    // The report goes to the patient: the video by its name, not its folders.
    let folder = video.parent().unwrap().to_str().unwrap();
    assert!(!html.contains(folder), "report.html shows the folder '{folder}'");
    assert!(html.contains("demo.mp4"));
    for fetch in ["src=\"http", "href=\"http", "url(http", "<script", "<link"] {
        assert!(
            !html.contains(fetch),
            "report.html would fetch something: {fetch}"
        );
    }
    assert!(html.contains("Summary per side") && html.contains("<td>overstride</td>"));
    assert!(
        html.contains("<code>overstride_ratio</code>"),
        "definitions name the columns"
    );
    // The headline in plain words, with the patient and the notes (escaped).
    assert!(html.contains("<div class=headline><p><strong>Demo Walker</strong></p>"));
    assert!(html.contains("No running steps could be counted"));
    assert!(html.contains("Notes: first visit &lt;no shoes&gt;"));
    // Walking: nothing to plot, and the stills and clips are marked as not counted.
    assert!(html.contains("no counted running step to plot"));
    assert!(html.contains("No valid running step in this session"));
    assert!(html.contains("Movement") || html.contains("movement"));
    assert_eq!(
        html.matches("<img src=\"data:image/jpeg;base64,").count(),
        4,
        "typical + 3 worst stills"
    );
    // Three worst steps, and up to three best among the others.
    for (kind, n) in [("worst", 3), ("best", rows.len().saturating_sub(3).min(3))] {
        assert!(n >= 2, "{} steps", rows.len());
        assert!(!html.contains(&format!("href=\"clips/{kind}-{}.mp4\"", n + 1)));
        for i in 1..=n {
            let name = format!("clips/{kind}-{i}.mp4");
            assert!(html.contains(&format!("href=\"{name}\"")), "{name} not linked");
            let frames = read_frames(&out.path().join(&name));
            assert!(frames.len() >= 20, "{name}: {} frames", frames.len());
            let probe = std::process::Command::new("ffprobe")
                .args([
                    "-v",
                    "error",
                    "-show_entries",
                    "stream=codec_name",
                    "-of",
                    "csv=p=0",
                ])
                .arg(out.path().join(&name))
                .output()
                .unwrap();
            assert_eq!(
                String::from_utf8_lossy(&probe.stdout).trim(),
                "h264",
                "{name}: browsers play H.264"
            );
        }
    }
    let leftovers: Vec<_> = std::fs::read_dir(out.path().join("clips"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("partial"))
        .collect();
    assert!(leftovers.is_empty(), "temporary clip files left: {leftovers:?}");
}

/// A new user's first command: the demo with no flags. The walker is the runner; the man
/// jumping on the box (facing the camera, then walking along it) is never measured.
#[test]
fn the_demo_without_a_zone_measures_the_walker_only() {
    let out = tempfile::tempdir().unwrap();
    let result = gaitcue(&[
        "analyze",
        data("demo.mp4").to_str().unwrap(),
        "--out",
        out.path().to_str().unwrap(),
        "--quiet",
    ]);
    assert!(result.status.success(), "analyze failed: {}", stderr(&result));
    let reference: VideoReference = fixture("demo_reference.json");
    let text = std::fs::read_to_string(out.path().join("keypoints.jsonl")).unwrap();
    let mut measured = 0;
    for line in text.lines().map(|l| serde_json::from_str::<Value>(l).unwrap()) {
        let k = &line["keypoints"];
        if k.is_null() {
            continue;
        }
        measured += 1;
        let frame = line["frame"].as_u64().unwrap();
        let hips = (
            (k["left_hip"][0].as_f64().unwrap() + k["right_hip"][0].as_f64().unwrap()) / 2.0,
            (k["left_hip"][1].as_f64().unwrap() + k["right_hip"][1].as_f64().unwrap()) / 2.0,
        );
        // The man's hips are in the upper half of the frame; hers in the lower.
        assert!(
            hips.1 > 994.0 * 0.45,
            "frame {frame}: hips at {hips:?}: not the walker"
        );
        if (70..=185).contains(&frame) {
            let h = walker_hips(&reference, frame);
            let d = (hips.0 - h.0 as f64).hypot(hips.1 - h.1 as f64);
            assert!(d < 120.0, "frame {frame}: hips {d:.0} px from the walker's");
        }
    }
    assert!(
        measured >= 100,
        "the walker was measured in only {measured} frames"
    );
    let mut reader = csv::Reader::from_path(out.path().join("steps.csv")).unwrap();
    let header = reader.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let mut rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert!(rows.len() >= 4, "{} steps", rows.len());
    // In the order of their contacts (a row is written when its step closes).
    rows.sort_by_key(|r| r[col("step")].parse::<u64>().unwrap());
    for pair in rows.windows(2) {
        assert_ne!(
            pair[0][col("side")],
            pair[1][col("side")],
            "sides do not alternate"
        );
    }
    for r in &rows {
        if let Ok(t) = r[col("step_time_s")].parse::<f64>() {
            assert!(t >= 0.25, "step time {t} s");
        }
        if let Ok(c) = r[col("cadence_spm")].parse::<f64>() {
            assert!(c <= 250.0, "cadence {c} steps/min");
        }
        assert_eq!(&r[col("cue")], "", "a cue for a walker");
        assert_eq!(&r[col("valid")], "false", "a walking step counted");
    }
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["valid_steps"], 0);
    assert!(summary["session"]["most_people_in_view"].as_u64().unwrap() >= 2);
    // Her stills are in the report.
    let html = std::fs::read_to_string(out.path().join("report.html")).unwrap();
    assert!(html.matches("data:image/jpeg").count() >= 2);
}

//! A real treadmill runner (`tests/data/real/male_side.mp4`, a phone filming from low and
//! close at 30 fps) through the whole pipeline: decode, real pose inference, events, metrics,
//! summary. The truth is pose-free (cadence 168.9 ± 0.5 steps/min from pixel motion, see the
//! clip's README); the rest are running's physiological bands.

use std::path::Path;

use gaitcue::analysis::geometry::median;
use serde_json::Value;

use crate::common::{analyze_keypoints, analyze_keypoints_with, gaitcue, root, stderr};

/// Cadence measured from the clip's pixels, without any pose, steps/min.
const TRUE_CADENCE_SPM: f64 = 168.9;

/// One row of `steps.csv`, the columns this test reads.
#[derive(Debug, serde::Deserialize)]
struct Row {
    side: String,
    ic_time_s: f64,
    step_time_s: Option<f64>,
    contact_time_s: Option<f64>,
    duty_factor: Option<f64>,
    knee_flexion_ic_deg: Option<f64>,
    overstride_ratio: Option<f64>,
    valid: bool,
    reason: Option<String>,
}

fn steps(dir: &Path) -> Vec<Row> {
    let mut reader = csv::Reader::from_path(dir.join("steps.csv")).unwrap();
    reader.deserialize().map(|r| r.unwrap()).collect()
}

/// The bars on one session's steps; returns (counted after 3 s, seen after 3 s,
/// cadence, median contact time, median knee flexion at contact).
fn check(rows: &[Row]) -> (usize, usize, f64, f64, f64) {
    // After the first 3 s, at least 90 % of the steps seen are counted, each left out for a
    // reason in words.
    let later: Vec<&Row> = rows.iter().filter(|r| r.ic_time_s >= 3.0).collect();
    let counted: Vec<&Row> = later.iter().copied().filter(|r| r.valid).collect();
    let not_counted: Vec<_> = later
        .iter()
        .filter(|r| !r.valid)
        .map(|r| (r.ic_time_s, &r.reason))
        .collect();
    assert!(
        counted.len() as f64 >= 0.9 * later.len() as f64 && later.len() >= 20,
        "{} of {} steps after 3 s counted; left out: {not_counted:?}",
        counted.len(),
        later.len()
    );
    assert!(not_counted
        .iter()
        .all(|(_, why)| why.as_ref().is_some_and(|w| !w.is_empty())));

    // Cadence of the counted steps against the pixels' truth (the mean step time: near and
    // far foot may each be timed with their own small bias, which the mean cancels).
    let step_times: Vec<f64> = counted.iter().filter_map(|r| r.step_time_s).collect();
    let cadence = 60.0 * step_times.len() as f64 / step_times.iter().sum::<f64>();
    assert!(
        (cadence / TRUE_CADENCE_SPM - 1.0).abs() <= 0.015,
        "cadence {cadence:.1} steps/min, truth {TRUE_CADENCE_SPM}"
    );

    // Every contact seen, in time: sides alternate, and no two within 0.2 s.
    let mut all: Vec<&Row> = rows.iter().filter(|r| r.ic_time_s >= 3.0).collect();
    all.sort_by(|a, b| a.ic_time_s.total_cmp(&b.ic_time_s));
    for pair in all.windows(2) {
        assert!(pair[1].ic_time_s - pair[0].ic_time_s >= 0.2, "{pair:?}");
        assert_ne!(pair[0].side, pair[1].side, "{pair:?}");
    }

    // Running's physiology: a flight phase every step.
    let contact: Vec<f64> = counted.iter().filter_map(|r| r.contact_time_s).collect();
    let contact_median = median(&contact).unwrap();
    assert!(
        (0.18..=0.32).contains(&contact_median),
        "median contact time {contact_median:.3} s"
    );
    for r in &counted {
        let duty = r.duty_factor.unwrap_or(0.0);
        assert!(duty < 0.5, "{r:?}");
        if let (Some(c), Some(s)) = (r.contact_time_s, r.step_time_s) {
            assert!(c < s, "{r:?}");
        }
    }
    // Knee flexion at contact: a knee bent forward, never backward (running: ~10–25° with
    // markers; BlazePose reads knee flexion ~5° low, and this runner lands with the near knee
    // almost straight, 2–5° by the pose).
    let knee: Vec<f64> = counted.iter().filter_map(|r| r.knee_flexion_ic_deg).collect();
    let knee_median = median(&knee).unwrap();
    assert!(
        (0.0..=30.0).contains(&knee_median),
        "median knee flexion at contact {knee_median:.1}°"
    );

    (counted.len(), later.len(), cadence, contact_median, knee_median)
}

/// Per side, how the steps of `coarse` (the same running filmed at a lower frame rate) were
/// timed and measured against `fine`'s: the medians of (contact time, overstride) differences
/// over the contacts both found (matched within 0.1 s).
fn against(coarse: &[Row], fine: &[Row], side: &str) -> (f64, f64, usize) {
    let (mut ic, mut overstride) = (Vec::new(), Vec::new());
    for r in coarse.iter().filter(|r| r.side == side) {
        let Some(m) = fine
            .iter()
            .filter(|m| m.side == side)
            .min_by(|a, b| {
                (a.ic_time_s - r.ic_time_s)
                    .abs()
                    .total_cmp(&(b.ic_time_s - r.ic_time_s).abs())
            })
            .filter(|m| (m.ic_time_s - r.ic_time_s).abs() <= 0.1)
        else {
            continue;
        };
        ic.push(r.ic_time_s - m.ic_time_s);
        if let (Some(a), Some(b)) = (r.overstride_ratio, m.overstride_ratio) {
            overstride.push(a - b);
        }
    }
    (median(&ic).unwrap(), median(&overstride).unwrap(), ic.len())
}

#[test]
fn a_real_treadmill_runner_is_measured_step_by_step() {
    let clip = root().join("tests/data/real/male_side.mp4");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("session");
    let run = gaitcue(&["analyze", clip.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert!(run.status.success(), "{}", stderr(&run));
    let printed = String::from_utf8_lossy(&run.stdout);
    assert!(
        printed.contains("left (") && printed.contains("right ("),
        "{printed}"
    );

    let rows = steps(&out);
    let (counted, seen, cadence, contact, knee) = check(&rows);
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["gait"], "running", "{}", summary["gait_steps"]);
    eprintln!(
        "real runner at 30 fps: {counted} of {seen} steps after 3 s counted, cadence {cadence:.1} steps/min, contact {:.0} ms, knee at contact {knee:.1}°",
        1e3 * contact
    );

    // The same keypoints, one frame in two: the runner as a 15 fps camera shows them (a
    // stance is 3-4 frames).
    let half: String = std::fs::read_to_string(out.join("keypoints.jsonl"))
        .unwrap()
        .lines()
        .filter(|line| {
            let v: Value = serde_json::from_str(line).unwrap();
            v["frame"].as_u64().unwrap().is_multiple_of(2)
        })
        .map(|line| format!("{line}\n"))
        .collect();
    let (out15, _) = analyze_keypoints(dir.path(), "at15", &half);
    let rows15 = steps(&out15);
    let (counted, seen, cadence, contact, knee) = check(&rows15);
    eprintln!(
        "real runner at 15 fps: {counted} of {seen} steps after 3 s counted, cadence {cadence:.1} steps/min, contact {:.0} ms, knee at contact {knee:.1}°",
        1e3 * contact
    );
    // The running did not change with the frame rate: each foot's contacts are timed as at
    // 30 fps to within a third of a 15 fps frame, and the foot lands as far ahead, within
    // 0.06 leg lengths (~5 cm). (Before the stance's core began after contact at low frame
    // rates: 13-41 ms early, 0.12-0.15 leg lengths further ahead.)
    for side in ["left", "right"] {
        let (ic, overstride, matched) = against(&rows15, &rows, side);
        eprintln!(
            "15 fps against 30 fps, {side}: {matched} contacts, IC {:+.1} ms, overstride {overstride:+.3} leg lengths",
            1e3 * ic
        );
        assert!(
            matched >= 12,
            "{side}: {matched} contacts found at both frame rates"
        );
        assert!(
            ic.abs() <= 0.022,
            "{side}: contacts {:+.1} ms from 30 fps's",
            1e3 * ic
        );
        assert!(
            overstride.abs() <= 0.06,
            "{side}: overstride {overstride:+.3} from 30 fps's"
        );
    }
}

/// The same runner through another pose pipeline: MediaPipe's own landmarks of the clip
/// (`tests/data/real/male_side.mediapipe.jsonl`, made by `scripts/mediapipe_keypoints.py`:
/// MediaPipe tracks the person and smooths the landmarks, which delays a moving foot and
/// changes the far foot's errors). Replayed, they must meet the same bars: the events do not
/// rest on gaitcue's own pose stage. (Before issue 21 these landmarks gave 7 of ~34 steps.)
#[test]
fn the_real_runner_through_mediapipes_own_landmarks_meets_the_same_bars() {
    let dir = tempfile::tempdir().unwrap();
    let landmarks =
        std::fs::read_to_string(root().join("tests/data/real/male_side.mediapipe.jsonl")).unwrap();
    let (out, _) = analyze_keypoints(dir.path(), "mediapipe", &landmarks);
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["gait"], "running", "{}", summary["gait_steps"]);
    let (counted, seen, cadence, contact, knee) = check(&steps(&out));
    eprintln!(
        "real runner, MediaPipe's landmarks: {counted} of {seen} steps after 3 s counted, cadence {cadence:.1} steps/min, contact {:.0} ms, knee at contact {knee:.1}°",
        1e3 * contact
    );
}

/// Writes the real clip's frames to `path` (MPEG-4) stated at `fps`, each frame `repeat`
/// times; returns the frames written.
fn rewrite_real_clip(path: &Path, fps: f64, repeat: usize) -> usize {
    use opencv::prelude::*;
    use opencv::videoio::{VideoCapture, VideoWriter, CAP_ANY, CAP_PROP_FPS};

    let source = root().join("tests/data/real/male_side.mp4");
    let mut read = VideoCapture::from_file(source.to_str().unwrap(), CAP_ANY).unwrap();
    assert_eq!(read.get(CAP_PROP_FPS).unwrap().round(), 30.0);
    let mut frame = opencv::core::Mat::default();
    let mut write: Option<VideoWriter> = None;
    let mut written = 0;
    while read.read(&mut frame).unwrap() && !frame.empty() {
        let w = write.get_or_insert_with(|| {
            let fourcc = VideoWriter::fourcc('m', 'p', '4', 'v').unwrap();
            VideoWriter::new(path.to_str().unwrap(), fourcc, fps, frame.size().unwrap(), true).unwrap()
        });
        for _ in 0..repeat {
            w.write(&frame).unwrap();
            written += 1;
        }
    }
    write.unwrap().release().unwrap();
    written
}

/// The same runner in 4× slow motion (each 30 fps frame saved to play at 7.5 fps, as a
/// phone saves 120 fps at 30): by the file's clock the runner takes 42 "steps/min" with
/// flight phases, which gravity gives away, so nothing is counted and the clinician is
/// told to give the rate it was filmed at; with `--filmed-fps 30` it is measured as the
/// runner ran, through the whole pipeline.
#[test]
fn the_real_runner_in_slow_motion_is_measured_as_filmed_when_told_the_rate() {
    let dir = tempfile::tempdir().unwrap();
    let slow = dir.path().join("runner-slow-motion.mp4");
    assert_eq!(rewrite_real_clip(&slow, 7.5, 1), 360);

    let out = dir.path().join("as-filmed");
    let run = gaitcue(&[
        "analyze",
        slow.to_str().unwrap(),
        "--filmed-fps",
        "30",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(
        String::from_utf8_lossy(&run.stdout).contains("plays 4.0× slower"),
        "{}",
        String::from_utf8_lossy(&run.stdout)
    );
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["session"]["fps"].as_f64(), Some(30.0));
    let slower = summary["session"]["plays_slower_by"].as_f64().unwrap();
    assert!((slower - 4.0).abs() < 1e-3, "{slower}");
    assert!(
        summary["time_base"]["stretched_by"].is_null(),
        "{}",
        summary["time_base"]
    );
    let (counted, seen, cadence, ..) = check(&steps(&out));
    eprintln!("real runner in slow motion, as filmed: {counted} of {seen} steps after 3 s counted, cadence {cadence:.1} steps/min");

    // The same keypoints on the file's own clock (times ×4), as without the flag.
    let stretched: String = std::fs::read_to_string(out.join("keypoints.jsonl"))
        .unwrap()
        .lines()
        .map(|line| {
            let mut v: Value = serde_json::from_str(line).unwrap();
            v["t"] = (v["t"].as_f64().unwrap() * 4.0).into();
            v.to_string() + "\n"
        })
        .collect();
    let (as_played, printed) = analyze_keypoints(dir.path(), "as-played", &stretched);
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(as_played.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["valid_steps"], 0, "{}", summary["time_base"]);
    assert!(
        printed.contains("slow motion") && printed.contains("--filmed-fps"),
        "{printed}"
    );

    // A wrong rate (the real-time keypoints said to be filmed at 120): nothing counted, and
    // the rate given is the first thing to check.
    let as_filmed = std::fs::read_to_string(out.join("keypoints.jsonl")).unwrap();
    let (wrong, printed) =
        analyze_keypoints_with(dir.path(), "wrong-rate", &as_filmed, &["--filmed-fps", "120"]);
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(wrong.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["valid_steps"], 0);
    assert!(
        printed.contains("timed as filmed at 120 frames per second (--filmed-fps"),
        "{printed}"
    );
}

/// The real runner as a 120 fps camera delivers them: each of the clip's frames written
/// four times into a 120 fps video. The running is the same, so everything measured in
/// seconds must be too: cadence against the pixels' truth, contact time, the clock's check
/// (not slow motion), and the report's clips (1 s of running around a contact, played at a
/// quarter speed) all follow the video's own frame rate.
#[test]
fn the_real_runner_filmed_at_120_fps_is_measured_in_seconds_not_frames() {
    use opencv::prelude::*;
    use opencv::videoio::{VideoCapture, CAP_ANY, CAP_PROP_FPS, CAP_PROP_FRAME_COUNT};

    let dir = tempfile::tempdir().unwrap();
    let fast = dir.path().join("runner-120fps.mp4");
    assert!(rewrite_real_clip(&fast, 120.0, 4) >= 1400);

    let out = dir.path().join("session");
    let run = gaitcue(&["analyze", fast.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert!(run.status.success(), "{}", stderr(&run));
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["session"]["fps"].as_f64(), Some(120.0));
    assert_eq!(summary["gait"], "running", "{}", summary["gait_steps"]);
    assert!(
        summary["time_base"]["stretched_by"].is_null(),
        "taken for slow motion: {}",
        summary["time_base"]
    );
    let (counted, seen, cadence, contact, knee) = check(&steps(&out));
    eprintln!(
        "real runner at 120 fps: {counted} of {seen} steps after 3 s counted, cadence {cadence:.1} steps/min, contact {:.0} ms, knee at contact {knee:.1}°",
        1e3 * contact
    );

    // Each clip holds 1 s of running (121 frames at 120 fps), played at a quarter speed.
    let clips: Vec<_> = std::fs::read_dir(out.join("clips"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert!(!clips.is_empty(), "no clips cut");
    for clip in &clips {
        let c = VideoCapture::from_file(clip.to_str().unwrap(), CAP_ANY).unwrap();
        let frames = c.get(CAP_PROP_FRAME_COUNT).unwrap();
        let played_fps = c.get(CAP_PROP_FPS).unwrap();
        let running_s = frames / 120.0;
        assert!(
            (running_s - 1.0).abs() <= 2.0 / 120.0,
            "{}: {frames} frames",
            clip.display()
        );
        assert!(
            (frames / played_fps - 4.0 * running_s).abs() < 0.1,
            "{}: {frames} frames at {played_fps} fps",
            clip.display()
        );
    }
}

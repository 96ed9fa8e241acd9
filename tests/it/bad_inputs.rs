//! Every bad input gives one clear line naming the file and what to do, a non-zero exit,
//! no panic, and leaves earlier output alone.

use crate::common;

use std::path::Path;

use common::*;

/// Runs `analyze` and returns (exit code, stderr), checking the error is a single line.
fn analyze_fails(args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gaitcue"))
        .arg("analyze")
        .args(args)
        .arg("--quiet")
        .envs(env.iter().copied())
        .current_dir(root())
        .output()
        .unwrap();
    let err = stderr(&out);
    let code = out.status.code().expect("exited, not killed");
    assert_ne!(code, 0, "expected failure, got success; stderr: {err}");
    assert!(!err.contains("panicked"), "panic: {err}");
    assert_eq!(err.trim().lines().count(), 1, "not one line: {err}");
    assert!(err.starts_with("gaitcue: error: "), "{err}");
    (code, err)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn missing_video() {
    let out = tempfile::tempdir().unwrap();
    let (code, err) = analyze_fails(&["no/such/clip.mp4", "--out", s(out.path())], &[]);
    assert_eq!(code, 1);
    assert!(
        err.contains("video 'no/such/clip.mp4' not found: check the path"),
        "{err}"
    );
}

#[test]
fn folder_given_as_video() {
    let dir = tempfile::tempdir().unwrap();
    let (_, err) = analyze_fails(&[s(dir.path()), "--out", s(&dir.path().join("out"))], &[]);
    assert!(
        err.contains(&format!(
            "video '{}' is a folder: give the path of a video file",
            dir.path().display()
        )),
        "{err}"
    );
}

#[test]
fn corrupt_video() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("garbage.mp4");
    std::fs::write(
        &bad,
        (0..200_000u32)
            .map(|i| (i * 7919 % 251) as u8)
            .collect::<Vec<_>>(),
    )
    .unwrap();
    let (code, err) = analyze_fails(&[s(&bad), "--out", s(&dir.path().join("out"))], &[]);
    assert_eq!(code, 1);
    assert!(
        err.contains(&format!("video '{}' cannot be decoded", bad.display())),
        "{err}"
    );
    assert!(err.contains("corrupt"), "{err}");
}

#[test]
fn truncated_video_keeps_what_was_analysed() {
    let dir = tempfile::tempdir().unwrap();
    let full = std::fs::read(data("demo.mp4")).unwrap();
    let cut = dir.path().join("cut.mp4");
    std::fs::write(&cut, &full[..full.len() / 2]).unwrap();
    let out = dir.path().join("out");
    let (code, err) = analyze_fails(&[s(&cut), "--out", s(&out), "--zone", "0,0.45,1,1"], &[]);
    assert_eq!(code, 1);
    assert!(err.contains(&format!("video '{}'", cut.display())), "{err}");
    assert!(err.contains("truncated"), "{err}");
    // Whatever was decoded before the cut is on disk, one line per frame.
    if err.contains("ended at frame") {
        let lines = std::fs::read_to_string(out.join("keypoints.jsonl"))
            .unwrap()
            .lines()
            .count();
        assert!(
            lines > 0 && err.contains(&format!("ended at frame {lines} of 230")),
            "{lines}: {err}"
        );
    }
}

#[test]
fn missing_model_and_previous_results_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("keypoints.jsonl"), "earlier session\n").unwrap();
    let empty = dir.path().join("models");
    std::fs::create_dir_all(&empty).unwrap();
    let (code, err) = analyze_fails(
        &[s(&data("demo.mp4")), "--out", s(&out), "--models", s(&empty)],
        &[],
    );
    assert_eq!(code, 1);
    let expected = format!(
        "model '{}' not found",
        empty.join("pose_detection.onnx").display()
    );
    assert!(err.contains(&expected), "{err}");
    assert_eq!(
        std::fs::read_to_string(out.join("keypoints.jsonl")).unwrap(),
        "earlier session\n"
    );
}

#[test]
fn wrong_model_is_named_with_its_shape() {
    let dir = tempfile::tempdir().unwrap();
    let models = dir.path().join("models");
    std::fs::create_dir_all(&models).unwrap();
    // The landmark model where the detector should be: right format, wrong input shape.
    std::fs::copy(
        root().join("models/pose_landmark_full.onnx"),
        models.join("pose_detection.onnx"),
    )
    .unwrap();
    let (_, err) = analyze_fails(
        &[
            s(&data("demo.mp4")),
            "--out",
            s(&dir.path().join("o")),
            "--models",
            s(&models),
        ],
        &[],
    );
    assert!(
        err.contains("takes input [1, 256, 256, 3] but the BlazePose person detector takes [1, 224, 224, 3]"),
        "{err}"
    );
}

#[test]
fn corrupt_model() {
    let dir = tempfile::tempdir().unwrap();
    let models = dir.path().join("models");
    std::fs::create_dir_all(&models).unwrap();
    std::fs::write(models.join("pose_detection.onnx"), b"this is not an onnx file").unwrap();
    let (_, err) = analyze_fails(
        &[
            s(&data("demo.mp4")),
            "--out",
            s(&dir.path().join("o")),
            "--models",
            s(&models),
        ],
        &[],
    );
    let path = models.join("pose_detection.onnx");
    assert!(
        err.contains(&format!("model '{}' cannot be loaded", path.display())),
        "{err}"
    );
    assert!(err.contains("corrupt or not an ONNX model"), "{err}");
}

#[test]
fn missing_runtime_library() {
    let dir = tempfile::tempdir().unwrap();
    let (_, err) = analyze_fails(
        &[s(&data("demo.mp4")), "--out", s(dir.path())],
        &[("GAITCUE_ORT_LIB", "/nonexistent/libonnxruntime.so")],
    );
    assert!(
        err.contains("ONNX Runtime library '/nonexistent/libonnxruntime.so' not found: run scripts/setup.sh"),
        "{err}"
    );
}

#[test]
fn runtime_library_that_is_not_one() {
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("libonnxruntime.so");
    std::fs::write(&fake, b"not a shared library").unwrap();
    let (_, err) = analyze_fails(
        &[s(&data("demo.mp4")), "--out", s(&dir.path().join("o"))],
        &[("GAITCUE_ORT_LIB", s(&fake))],
    );
    assert!(
        err.contains(&format!(
            "ONNX Runtime library '{}' cannot be loaded",
            fake.display()
        )),
        "{err}"
    );
}

#[test]
fn unwritable_output_folder() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let out = file.join("results");
    let (_, err) = analyze_fails(&[s(&data("demo.mp4")), "--out", s(&out)], &[]);
    assert!(
        err.contains(&format!("output folder '{}' cannot be created", out.display())),
        "{err}"
    );
    assert!(err.contains("choose a writable --out"), "{err}");
    let (_, err) = analyze_fails(&[s(&data("demo.mp4")), "--out", s(&file)], &[]);
    assert!(err.contains("is a file"), "{err}");
}

#[test]
fn bad_zone_and_config() {
    let (code, err) = analyze_fails(&[s(&data("demo.mp4")), "--zone", "0.9,0,0.1,1"], &[]);
    assert_eq!(code, 2, "usage errors exit with 2");
    assert!(
        err.contains("runner zone [0.9, 0, 0.1, 1] must satisfy 0 <= x0 < x1 <= 1"),
        "{err}"
    );
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("gaitcue.toml");
    std::fs::write(&cfg, "[pose]\nmodle = \"full\"\n").unwrap();
    let (_, err) = analyze_fails(&["--config", s(&cfg), s(&data("demo.mp4"))], &[]);
    assert!(
        err.contains(&format!("config file '{}' is not valid", cfg.display())),
        "{err}"
    );
}

#[test]
fn no_runner_in_view() {
    // A real video with nobody in it: a moving test pattern, encoded and decoded for real.
    use gaitcue::record::clip::ClipWriter;
    use opencv::core::{Mat, Scalar, CV_8UC3};
    use opencv::imgproc;
    let dir = tempfile::tempdir().unwrap();
    let video = dir.path().join("empty-treadmill.mp4");
    let mut clip = ClipWriter::create(&video, 30.0, 640, 360).unwrap();
    for i in 0..45 {
        let mut frame =
            Mat::new_rows_cols_with_default(360, 640, CV_8UC3, Scalar::new(40.0, 60.0, 70.0, 0.0)).unwrap();
        let r = opencv::core::Rect::new(10 + 10 * i, 150, 60, 40);
        imgproc::rectangle(
            &mut frame,
            r,
            Scalar::all(220.0),
            imgproc::FILLED,
            imgproc::LINE_8,
            0,
        )
        .unwrap();
        clip.write(&frame).unwrap();
    }
    clip.finish().unwrap();
    let out = dir.path().join("out");
    let (code, err) = analyze_fails(&[s(&video), "--out", s(&out)], &[]);
    assert_eq!(code, 1);
    assert!(
        err.contains(&format!("no runner found in video '{}'", video.display())),
        "{err}"
    );
    assert!(err.contains("whole body in view"), "{err}");
    // What was analysed is kept: every frame, marked as without a runner.
    let lines = std::fs::read_to_string(out.join("keypoints.jsonl")).unwrap();
    assert_eq!(lines.lines().count(), 45);
    assert!(lines.lines().all(|l| l.contains("\"keypoints\":null")));
}

/// Runs `gaitcue ARGS` and expects a one-line error containing `expected`.
fn command_fails(args: &[&str], expected: &str) {
    let out = gaitcue(args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(!err.contains("panicked"), "panic: {err}");
    assert_eq!(err.trim().lines().count(), 1, "not one line: {err}");
    assert!(err.contains(expected), "{err}");
}

#[test]
fn live_buffers_and_intervals_are_capped() {
    for (flag, value, expected) in [
        ("--delay", "300", "--delay 300 must be between 0 and 60 seconds"),
        (
            "--preroll=-1",
            "",
            "--preroll -1 must be between 0 and 60 seconds",
        ),
        (
            "--status-every",
            "0",
            "--status-every 0 must be between 0.1 and 3600 seconds",
        ),
        ("--duration", "NaN", "--duration NaN must be between"),
    ] {
        let mut args = vec!["live", "--headless", "--source", "demo", flag];
        if !value.is_empty() {
            args.push(value);
        }
        command_fails(&args, expected);
    }
}

#[test]
fn a_bad_config_is_refused_by_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("gaitcue.toml");
    std::fs::write(&config, "[pose]\nthreads = 10000\n").unwrap();
    let expected = "pose.threads = 10000 must be between 1 and 16";
    for command in [
        vec!["report", s(dir.path())],
        vec!["compare", s(dir.path()), s(dir.path()), "--out", s(dir.path())],
    ] {
        let mut args = vec!["--config", s(&config)];
        args.extend(command);
        command_fails(&args, expected);
    }
}

#[test]
fn every_frame_is_for_files_only() {
    command_fails(
        &["live", "--headless", "--camera", "57", "--every-frame"],
        "--every-frame plays a video file frame by frame",
    );
}

/// Makes a video with ffmpeg (installed by scripts/setup.sh) from `args` into `out`.
fn ffmpeg(args: &[&str], out: &Path) {
    let status = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-y"])
        .args(args)
        .arg(out)
        .status()
        .expect("ffmpeg runs (scripts/setup.sh installs it)");
    assert!(status.success());
}

#[test]
fn a_sideways_video_is_named_as_rotated() {
    let dir = tempfile::tempdir().unwrap();
    let video = dir.path().join("sideways.mp4");
    ffmpeg(
        &[
            "-i",
            s(&data("demo.mp4")),
            "-vf",
            "transpose=1",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
        ],
        &video,
    );
    let out = dir.path().join("out");
    // Nobody lying on their side is taken for a runner: no step at 900 steps/min.
    let (code, err) = analyze_fails(&[s(&video), "--out", s(&out)], &[]);
    assert_eq!(code, 1);
    assert!(
        err.contains(&format!("no runner found in video '{}'", video.display()))
            && err.contains("not upright in the picture: is the video rotated?"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("steps.csv"))
            .unwrap()
            .lines()
            .count(),
        1
    );
}

#[test]
fn a_still_picture_gets_the_reason_no_runner_was_found() {
    let dir = tempfile::tempdir().unwrap();
    let video = dir.path().join("still.mp4");
    ffmpeg(
        &[
            "-loop",
            "1",
            "-i",
            s(&data("bus.jpg")),
            "-t",
            "3",
            "-r",
            "30",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
        ],
        &video,
    );
    let out = dir.path().join("out");
    let (code, err) = analyze_fails(&[s(&video), "--out", s(&out)], &[]);
    assert_eq!(code, 1);
    assert!(
        err.contains("the people in view were not side-on to the camera"),
        "{err}"
    );
}

#[test]
fn non_finite_cells_in_a_session_are_unknown_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let run = crate::synthetic::generate(&crate::synthetic::RunParams {
        duration_s: 12.0,
        seed: 8,
        ..Default::default()
    });
    let keypoints = dir.path().join("k.jsonl");
    std::fs::write(&keypoints, crate::synthetic::to_jsonl(&run)).unwrap();
    let out = dir.path().join("out");
    let done = gaitcue(&["analyze", "--keypoints", s(&keypoints), "--out", s(&out)]);
    assert!(done.status.success(), "{}", stderr(&done));
    let steps = out.join("steps.csv");
    let text = std::fs::read_to_string(&steps).unwrap();
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let column = header.iter().position(|h| *h == "overstride_ratio").unwrap();
    let damaged: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, line)| {
            let mut cells: Vec<String> = line.split(',').map(String::from).collect();
            if i == 3 {
                cells[column] = "inf".into();
            }
            if i == 4 {
                cells[column] = "NaN".into();
            }
            cells.join(",")
        })
        .collect();
    std::fs::write(&steps, damaged.join("\n") + "\n").unwrap();
    let done = gaitcue(&["report", s(&out)]);
    let err = stderr(&done);
    assert!(done.status.success(), "{err}");
    assert!(
        err.contains("has 2 cells that are not finite numbers (inf or NaN); they are read as unknown"),
        "{err}"
    );
    assert!(!std::fs::read_to_string(out.join("report.html"))
        .unwrap()
        .contains("inf"));
}

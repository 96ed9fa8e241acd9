//! Session folders never lose data: a folder holding a session is refused without
//! `--overwrite`; with it, a failed run leaves the earlier results whole; an input among
//! the files a session writes is refused; default folder names never collide.
//! (A second session into a folder in use, and Ctrl-C during `analyze`: live_session.rs.)

use crate::common;
use crate::synthetic;

use std::path::Path;
use std::process::{Command, Output};

use common::{data, gaitcue, stderr};
use synthetic::{generate, to_jsonl, RunParams};

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A valid keypoints file of 8 s of synthetic running.
fn keypoints_file(path: &Path, seed: u64) {
    let run = generate(&RunParams {
        duration_s: 8.0,
        seed,
        ..RunParams::default()
    });
    std::fs::write(path, to_jsonl(&run)).unwrap();
}

fn replay(file: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["analyze", "--keypoints", s(file), "--out", s(out)];
    args.extend(extra);
    gaitcue(&args)
}

fn one_line_error(out: &Output) -> String {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "not one line: {err}");
    assert!(!err.contains("panicked"), "{err}");
    err
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_used_folder_is_refused_and_a_failed_overwrite_leaves_it_whole() {
    let dir = tempfile::tempdir().unwrap();
    let (first, second) = (dir.path().join("first.jsonl"), dir.path().join("second.jsonl"));
    keypoints_file(&first, 1);
    keypoints_file(&second, 2);
    let out = dir.path().join("session");
    let done = replay(&first, &out, &[]);
    assert!(done.status.success(), "{}", stderr(&done));
    let summary = std::fs::read(out.join("summary.json")).unwrap();
    let steps = std::fs::read(out.join("steps.csv")).unwrap();
    assert!(out.join("report.html").exists());

    // Again into the same folder: refused, nothing touched.
    let err = one_line_error(&replay(&second, &out, &[]));
    assert!(
        err.contains(&format!(
            "output folder '{}' already holds a session",
            out.display()
        )),
        "{err}"
    );
    assert!(err.contains("--overwrite"), "{err}");
    assert_eq!(std::fs::read(out.join("summary.json")).unwrap(), summary);

    // With --overwrite, a run that fails part-way (a bad line) keeps the earlier session
    // whole and sets its own partial results aside.
    let bad = dir.path().join("bad.jsonl");
    let text = std::fs::read_to_string(&second).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines[400] = "{ not json";
    std::fs::write(&bad, lines.join("\n")).unwrap();
    let err = one_line_error(&replay(&bad, &out, &["--overwrite"]));
    assert!(err.contains("line 401"), "{err}");
    assert!(err.contains("the earlier results in"), "{err}");
    assert_eq!(std::fs::read(out.join("summary.json")).unwrap(), summary);
    assert_eq!(std::fs::read(out.join("steps.csv")).unwrap(), steps);
    assert!(out.join("report.html").exists());
    let incomplete: Vec<String> = names(&out)
        .into_iter()
        .filter(|n| n.starts_with("incomplete-"))
        .collect();
    assert_eq!(incomplete.len(), 1, "{:?}", names(&out));
    let kept = out.join(&incomplete[0]);
    assert!(
        err.contains(&format!("what was analysed is in '{}'", kept.display())),
        "{err}"
    );
    assert!(kept.join("steps.csv").exists() && kept.join("summary.json").exists());

    // A whole run with --overwrite replaces the session, and leaves no staging behind.
    let done = replay(&second, &out, &["--overwrite"]);
    assert!(done.status.success(), "{}", stderr(&done));
    assert_ne!(std::fs::read(out.join("summary.json")).unwrap(), summary);
    assert!(out.join("report.html").exists());
    assert!(
        names(&out).iter().all(|n| !n.starts_with(".gaitcue-partial")),
        "{:?}",
        names(&out)
    );
}

#[test]
fn an_input_among_the_session_files_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("session");
    std::fs::create_dir(&out).unwrap();
    // The session's own recording given back as the video to analyse (even with
    // --overwrite, it would be written over).
    let video = out.join("annotated.mp4");
    std::fs::copy(data("demo.mp4"), &video).unwrap();
    let before = std::fs::read(&video).unwrap();
    let err = one_line_error(&gaitcue(&[
        "analyze",
        s(&video),
        "--out",
        s(&out),
        "--overwrite",
        "--quiet",
    ]));
    assert!(
        err.contains(&format!(
            "'{}' is one of the files a session writes",
            video.display()
        )),
        "{err}"
    );
    assert_eq!(std::fs::read(&video).unwrap(), before);
    // The same for a keypoints file and for live's recordings.
    let keypoints = out.join("keypoints.jsonl");
    keypoints_file(&keypoints, 3);
    let err = one_line_error(&replay(&keypoints, &out, &["--overwrite"]));
    assert!(err.contains("would be written over"), "{err}");
    let recording = out.join("annotated-001.ts");
    std::fs::copy(data("demo.mp4"), &recording).unwrap();
    let err = one_line_error(&gaitcue(&[
        "live",
        "--headless",
        "--source",
        s(&recording),
        "--out",
        s(&out),
        "--overwrite",
    ]));
    assert!(err.contains("would be written over"), "{err}");
    assert_eq!(
        names(&out),
        [
            ".gaitcue.lock",
            "annotated-001.ts",
            "annotated.mp4",
            "keypoints.jsonl"
        ]
    );
}

#[test]
fn default_folders_are_new_each_run() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("anna.jsonl");
    keypoints_file(&file, 4);
    let run = || {
        Command::new(env!("CARGO_BIN_EXE_gaitcue"))
            .args(["analyze", "--keypoints", s(&file)])
            .current_dir(dir.path())
            .output()
            .unwrap()
    };
    for _ in 0..2 {
        let done = run();
        assert!(done.status.success(), "{}", stderr(&done));
    }
    let out = dir.path().join("out");
    assert_eq!(names(&out), ["anna", "anna-2"]);
    for name in ["anna", "anna-2"] {
        assert!(out.join(name).join("summary.json").exists(), "{name}");
    }
    // A run that fails before writing leaves no empty default folder behind.
    let missing = Command::new(env!("CARGO_BIN_EXE_gaitcue"))
        .args(["analyze", "missing.mp4"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(1));
    assert_eq!(names(&out), ["anna", "anna-2"]);
}

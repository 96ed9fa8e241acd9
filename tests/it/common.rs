//! Shared helpers for the integration tests: real files from `scripts/setup.sh`, the
//! committed reference fixtures, and the built `gaitcue` binary.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use gaitcue::config::{PoseConfig, RunnerZone};
use serde::Deserialize;

/// The zone that keeps the demo clip's walker and excludes the man on the electrical box
/// (his hips are in the upper half of the frame).
pub const DEMO_ZONE: RunnerZone = RunnerZone {
    x0: 0.0,
    y0: 0.45,
    x1: 1.0,
    y1: 1.0,
};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A file fetched by `scripts/setup.sh` into `data/`.
pub fn data(name: &str) -> PathBuf {
    let p = root().join("data").join(name);
    assert!(
        p.exists(),
        "{} is missing: run scripts/setup.sh first",
        p.display()
    );
    p
}

/// For a single photograph: the lowest person, at once, whichever way they face.
pub fn photo_config() -> PoseConfig {
    PoseConfig {
        choose_runner: false,
        ..pose_config()
    }
}

pub fn pose_config() -> PoseConfig {
    PoseConfig {
        models_dir: root().join("models"),
        ..PoseConfig::default()
    }
}

/// A keypoint as the fixtures store it: [x, y, visibility] in image pixels.
pub type RefPoint = [f32; 3];

#[derive(Deserialize)]
pub struct ImageReference {
    pub width: i32,
    pub height: i32,
    pub keypoints: HashMap<String, RefPoint>,
}

#[derive(Deserialize)]
pub struct VideoReference {
    pub fps: f64,
    pub frames: Vec<FrameReference>,
}

#[derive(Deserialize)]
pub struct FrameReference {
    pub frame: u64,
    pub keypoints: HashMap<String, RefPoint>,
}

pub fn fixture<T: for<'de> Deserialize<'de>>(name: &str) -> T {
    let path = root().join("tests/fixtures").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Runs the built binary with `args`.
pub fn gaitcue(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gaitcue"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("running gaitcue")
}

/// `gaitcue analyze --keypoints FILE` followed by `extra` (where to write, settings).
pub fn replay(file: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["analyze", "--keypoints", file.to_str().unwrap()];
    args.extend_from_slice(extra);
    gaitcue(&args)
}

/// Writes `keypoints` as `DIR/NAME.jsonl` and replays it through `gaitcue analyze
/// --keypoints` into `DIR/NAME/`; returns that folder and what the binary printed on stderr.
pub fn analyze_keypoints(dir: &Path, name: &str, keypoints: &str) -> (PathBuf, String) {
    analyze_keypoints_with(dir, name, keypoints, &[])
}

/// As [`analyze_keypoints`], with more flags.
pub fn analyze_keypoints_with(dir: &Path, name: &str, keypoints: &str, flags: &[&str]) -> (PathBuf, String) {
    let file = dir.join(format!("{name}.jsonl"));
    std::fs::write(&file, keypoints).unwrap();
    let out = dir.join(name);
    let mut args = vec![
        "analyze",
        "--keypoints",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(flags);
    let result = gaitcue(&args);
    assert!(result.status.success(), "{}", stderr(&result));
    (out, stderr(&result))
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn distance(a: (f32, f32), b: (f32, f32)) -> f32 {
    (a.0 - b.0).hypot(a.1 - b.1)
}

/// The `steps.csv` columns the README promises, in order (the product's contract, written
/// out here so that a change to the product's table shows up as a failing test).
pub const README_COLUMNS: [&str; 18] = [
    "step",
    "side",
    "ic_time_s",
    "toe_off_time_s",
    "step_time_s",
    "cadence_spm",
    "contact_time_s",
    "overstride_ratio",
    "overstride_cm",
    "shank_angle_ic_deg",
    "knee_flexion_ic_deg",
    "thigh_extension_to_deg",
    "trunk_lean_deg",
    "vertical_oscillation_ratio",
    "pelvic_tilt_deg",
    "pelvic_tilt_source",
    "confidence",
    "cue",
];

pub fn ref_point(kps: &HashMap<String, RefPoint>, name: &str) -> (f32, f32) {
    let p = kps.get(name).unwrap_or_else(|| panic!("fixture lacks {name}"));
    (p[0], p[1])
}

/// Hip centre of the walker at `frame`, interpolated (or extrapolated) from the fixture.
pub fn walker_hips(reference: &VideoReference, frame: u64) -> (f32, f32) {
    let hips = |f: &FrameReference| {
        let (l, r) = (
            ref_point(&f.keypoints, "left_hip"),
            ref_point(&f.keypoints, "right_hip"),
        );
        ((l.0 + r.0) / 2.0, (l.1 + r.1) / 2.0)
    };
    let frames = &reference.frames;
    let i = frames
        .iter()
        .position(|f| f.frame >= frame)
        .unwrap_or(frames.len() - 1)
        .max(1);
    let (a, b) = (&frames[i - 1], &frames[i]);
    let s = (frame as f32 - a.frame as f32) / (b.frame as f32 - a.frame as f32);
    let (ha, hb) = (hips(a), hips(b));
    (ha.0 + s * (hb.0 - ha.0), ha.1 + s * (hb.1 - ha.1))
}

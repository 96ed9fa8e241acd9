//! Hostile input through the real binary: 1,000 generated malformed keypoint files and 200
//! malformed configuration files. Every one must end in a one-line error naming the file,
//! exit status 1, no panic, and no hang. A hang is judged by the CPU time the program
//! used (over 10 s), not by the clock, so a busy machine cannot fail the test; a program
//! blocked without using CPU is caught by a generous clock guard.

use crate::common;
use crate::synthetic;

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;

use common::root;
use synthetic::{generate, to_jsonl, RunParams};

const KEYPOINT_FILES: usize = 1000;
const CONFIG_FILES: usize = 200;
/// CPU seconds after which a run counts as hung.
const HANG_CPU_S: f64 = 10.0;
/// A run blocked without using CPU is stopped after this long.
const BLOCKED: Duration = Duration::from_secs(120);

struct Ran {
    code: Option<i32>,
    stderr: String,
    hung: Option<String>,
}

/// CPU seconds `pid` has used so far (all its threads), from /proc.
fn cpu_seconds(pid: u32) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // Fields after the command name (which may hold spaces) start at the last ')'.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    (ticks(11) + ticks(12)) / hz
}

fn run(args: &[&str]) -> Ran {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gaitcue"))
        .args(args)
        .current_dir(root())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let mut hung = None;
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        let cpu = cpu_seconds(child.id());
        if cpu > HANG_CPU_S || started.elapsed() > BLOCKED {
            hung = Some(format!(
                "{cpu:.1} s of CPU, {:.0} s",
                started.elapsed().as_secs_f64()
            ));
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let mut stderr = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut stderr);
    }
    Ran {
        code: status.and_then(|s| s.code()),
        stderr,
        hung,
    }
}

/// Runs `check(0..n)` on a few threads (each run is mostly the program starting up, which
/// waits on the disk as much as on the CPU); returns the failures in order.
fn in_parallel(n: usize, check: impl Fn(usize) -> Option<String> + Sync) -> Vec<String> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let found = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..3 {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= n {
                    break;
                }
                if let Some(f) = check(i) {
                    found.lock().unwrap().push((i, f));
                }
            });
        }
    });
    let mut found = found.into_inner().unwrap();
    found.sort();
    found.into_iter().map(|(_, f)| f).collect()
}

/// What each run must show: refused (status 1) with one line naming `file`.
fn judge(ran: &Ran, file: &Path, what: &str) -> Option<String> {
    let named = format!("'{}'", file.display());
    let err = ran.stderr.trim();
    if let Some(h) = &ran.hung {
        return Some(format!("{what}: hung ({h})"));
    }
    if err.contains("panicked") || ran.code == Some(101) {
        return Some(format!("{what}: panic: {err}"));
    }
    if ran.code != Some(1) {
        return Some(format!("{what}: exit {:?} (accepted silently?): {err}", ran.code));
    }
    if err.lines().count() != 1 || !err.starts_with("gaitcue: error: ") || !err.contains(&named) {
        return Some(format!("{what}: not one line naming the file: {err}"));
    }
    None
}

/// A line's JSON with `path` (keys) set to the raw JSON text `raw` (which may be invalid).
fn with_raw(line: &Value, path: &[&str], raw: &str) -> String {
    let mut v = line.clone();
    let mut at = &mut v;
    for key in &path[..path.len() - 1] {
        at = at.get_mut(*key).unwrap();
    }
    at[path[path.len() - 1]] = Value::String("\u{1}RAW\u{1}".into());
    serde_json::to_string(&v)
        .unwrap()
        .replace("\"\\u0001RAW\\u0001\"", raw)
}

/// One malformed copy of `lines`: a single fault, at a random line.
fn malformed(lines: &[String], rng: &mut ChaCha8Rng) -> (Vec<u8>, &'static str) {
    let k = rng.gen_range(0..lines.len());
    let line: Value = serde_json::from_str(&lines[k]).unwrap();
    let names: Vec<String> = line["keypoints"].as_object().unwrap().keys().cloned().collect();
    let name = names.choose(rng).unwrap().clone();
    let pick = |rng: &mut ChaCha8Rng, options: &[&str]| options.choose(rng).unwrap().to_string();
    let (bad, kind): (Vec<u8>, &str) = match rng.gen_range(0..16) {
        0 => {
            let cut = rng.gen_range(1..lines[k].len() - 1);
            (lines[k].as_bytes()[..cut].to_vec(), "cut short")
        }
        1 => (
            with_raw(
                &line,
                &["t"],
                &pick(rng, &["-1", "\"soon\"", "null", "1e999", "NaN", "[]", "-0.001"]),
            )
            .into(),
            "bad time",
        ),
        2 => {
            let t = if k == 0 {
                "-0.5".to_string()
            } else {
                let prev: Value = serde_json::from_str(&lines[k - 1]).unwrap();
                prev["t"].to_string()
            };
            (with_raw(&line, &["t"], &t).into(), "time not rising")
        }
        3 => {
            let f = if k > 0 && rng.gen_bool(0.5) {
                let prev: Value = serde_json::from_str(&lines[k - 1]).unwrap();
                prev["frame"].to_string()
            } else {
                pick(rng, &["-1", "1.5", "\"x\"", "null"])
            };
            (with_raw(&line, &["frame"], &f).into(), "bad frame")
        }
        4 => (
            with_raw(
                &line,
                &["keypoints", &name],
                &pick(
                    rng,
                    &[
                        "[1,2]",
                        "[1,2,1.5]",
                        "[1,2,-0.1]",
                        "[\"a\",2,0.5]",
                        "[1,null,0.5]",
                        "5",
                        "{}",
                        "[1e999,2,0.5]",
                    ],
                ),
            )
            .into(),
            "bad keypoint",
        ),
        5 => {
            let mut v = line.clone();
            v["keypoints"].as_object_mut().unwrap().remove(&name);
            (serde_json::to_string(&v).unwrap().into(), "keypoint missing")
        }
        6 => {
            let mut v = line.clone();
            let map = v["keypoints"].as_object_mut().unwrap();
            let value = map.remove(&name).unwrap();
            map.insert(format!("{name}z"), value);
            (serde_json::to_string(&v).unwrap().into(), "unknown keypoint")
        }
        7 => {
            let mut v = line.clone();
            v.as_object_mut().unwrap().remove("keypoints");
            (serde_json::to_string(&v).unwrap().into(), "no keypoints field")
        }
        8 => (
            with_raw(&line, &["keypoints"], &pick(rng, &["5", "[]", "\"x\"", "true"])).into(),
            "keypoints not an object",
        ),
        9 => (
            with_raw(
                &line,
                &["people"],
                &pick(
                    rng,
                    &[
                        "\"x\"",
                        "[[1,2,0,4,0.5]]",
                        "[[0,0,10,10,2]]",
                        "[[1,2,3]]",
                        "5",
                        "[[0,0,1e999,10,0.5]]",
                    ],
                ),
            )
            .into(),
            "bad people",
        ),
        10 => {
            let mut b = lines[k].clone().into_bytes();
            let at = rng.gen_range(0..b.len());
            b.splice(at..at, [0xff, 0xfe, 0xc3]);
            (b, "not UTF-8")
        }
        11 => (
            format!("{}{}", lines[k], pick(rng, &[" x", ",", "}", " {\"t\":1}", "]"])).into(),
            "text after the object",
        ),
        12 => (
            with_raw(
                &line,
                &[*["width", "height"].choose(rng).unwrap()],
                &pick(rng, &["0", "-5", "1000000", "\"wide\"", "1.5"]),
            )
            .into(),
            "bad frame size",
        ),
        13 => {
            // The whole file is noise.
            let n = rng.gen_range(1..200);
            let mut noise: Vec<u8> = (0..n).map(|_| rng.gen()).collect();
            noise[0] = b'#';
            return (noise, "noise");
        }
        14 => (
            pick(rng, &["[1,2,3]", "42", "\"line\"", "null", "true"]).into(),
            "not an object",
        ),
        _ => (
            with_raw(&line, &["track"], &pick(rng, &["\"x\"", "-1", "1.5", "[]"])).into(),
            "bad track",
        ),
    };
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        if i == k {
            out.extend_from_slice(&bad);
        } else {
            out.extend_from_slice(l.as_bytes());
        }
        out.push(b'\n');
    }
    (out, kind)
}

#[test]
fn a_thousand_malformed_keypoint_files_are_each_refused_with_one_line() {
    let run_ = generate(&RunParams {
        duration_s: 1.5,
        missing_frac: 0.0,
        seed: 21,
        ..RunParams::default()
    });
    // Every line gets a track and the people in view, so every field can be damaged.
    let lines: Vec<String> = to_jsonl(&run_)
        .lines()
        .map(|l| {
            let mut v: Value = serde_json::from_str(l).unwrap();
            v["track"] = 1.into();
            v["people"] = serde_json::json!([[10.0, 20.0, 300.0, 600.0, 0.9]]);
            v["width"] = 1280.into();
            v["height"] = 720.into();
            serde_json::to_string(&v).unwrap()
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let files: Vec<(std::path::PathBuf, &str)> = (0..KEYPOINT_FILES)
        .map(|i| {
            let (bytes, kind) = malformed(&lines, &mut rng);
            let file = dir.path().join(format!("k{i}.jsonl"));
            std::fs::write(&file, bytes).unwrap();
            (file, kind)
        })
        .collect();
    let failures = in_parallel(files.len(), |i| {
        let (file, kind) = &files[i];
        let out = dir.path().join(format!("out{i}"));
        let ran = run(&[
            "analyze",
            "--keypoints",
            file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        judge(&ran, file, &format!("file {i} ({kind})"))
    });
    assert!(
        failures.is_empty(),
        "{} of {KEYPOINT_FILES} malformed keypoint files were not refused cleanly:\n{}",
        failures.len(),
        failures.iter().take(20).cloned().collect::<Vec<_>>().join("\n")
    );
}

/// One malformed configuration: a valid one with a single fault.
fn malformed_config(rng: &mut ChaCha8Rng) -> (String, &'static str) {
    const VALID: &str = "[pose]\nmodel = \"full\"\nthreads = 2\nrunner_zone = [0.0, 0.45, 1.0, 1.0]\n\n[analysis]\nmin_visibility = 0.5\n\n[analysis.cues]\nwindow = 10\nmin_count = 7\n\n[analysis.cues.feedback]\nblock_s = 20.0\n\n[report]\nblur_faces = true\n";
    let rule = |threshold: &str| {
        format!("\n[[analysis.cues.rules]]\ncue = \"Land under your hips\"\nmetric = \"overstride_ratio\"\nwhen = \"above\"\nthreshold = {threshold}\n")
    };
    let faults: Vec<(&str, &str, String)> = vec![
        ("[pose]", "threads", "0".into()),
        ("[pose]", "threads", "17".into()),
        ("[pose]", "threads", "10000".into()),
        ("[pose]", "threads", "\"two\"".into()),
        ("[pose]", "model", "\"huge\"".into()),
        ("[pose]", "min_presence", "nan".into()),
        ("[pose]", "min_presence", "1.5".into()),
        ("[pose]", "min_detection_score", "-0.1".into()),
        ("[pose]", "runner_zone", "[0.5, 0.0, 0.2, 1.0]".into()),
        ("[pose]", "runner_zone", "[0.0, 1.0]".into()),
        ("[pose]", "runner_zone", "[0.0, 0.0, 1.5, 1.0]".into()),
        ("[pose]", "modle", "\"lite\"".into()),
        ("[analysis]", "min_visibility", "1.1".into()),
        ("[analysis]", "min_visibility", "nan".into()),
        ("[analysis]", "event_delta", "0".into()),
        ("[analysis]", "event_delta", "inf".into()),
        ("[analysis]", "contact_plateau", "-0.01".into()),
        ("[analysis]", "min_stride_s", "-1".into()),
        ("[analysis]", "min_stride_s", "nan".into()),
        ("[analysis]", "runner_height_cm", "10".into()),
        ("[analysis]", "runner_height_cm", "-inf".into()),
        ("[analysis]", "belt_speed", "\"fast\"".into()),
        ("[analysis]", "belt_speed", "\"-3 km/h\"".into()),
        ("[analysis]", "walking_speed", "3".into()),
        ("[analysis.cues]", "min_count", "0".into()),
        ("[analysis.cues]", "min_count", "11".into()),
        ("[analysis.cues]", "release_count", "7".into()),
        ("[analysis.cues.feedback]", "visible_share", "0.0".into()),
        ("[analysis.cues.feedback]", "visible_share", "1.5".into()),
        ("[analysis.cues.feedback]", "block_s", "nan".into()),
        ("[analysis.cues.feedback]", "share_by_session", "[]".into()),
        ("[analysis.cues.feedback]", "session_number", "0".into()),
        ("[analysis]", "speed_schedule", "\"5:8,3:9\"".into()),
        ("[analysis.cues]", "profile", "\"sprinter\"".into()),
        ("[analysis.cues]", "window", "-3".into()),
        ("[report]", "blur_faces", "\"no\"".into()),
        ("[report]", "blur", "false".into()),
    ];
    match rng.gen_range(0..10) {
        // A value out of range, of the wrong type, or a key that does not exist.
        0..=6 => {
            let (section, key, value) = faults.choose(rng).unwrap();
            let mut text = String::new();
            let mut current = "";
            for line in VALID.lines() {
                if line.starts_with('[') {
                    current = line;
                } else if current == *section && line.starts_with(&format!("{key} =")) {
                    continue;
                }
                text.push_str(line);
                text.push('\n');
                if line == *section {
                    text.push_str(&format!("{key} = {value}\n"));
                }
            }
            (text, "bad value")
        }
        // A cue rule with a threshold that is not a number one can use.
        7 => (
            VALID.to_string() + &rule(["nan", "inf", "-inf", "1e9", "\"high\""].choose(rng).unwrap()),
            "bad rule",
        ),
        // Cut short, or broken TOML.
        8 => {
            let cut = rng.gen_range(1..VALID.len() - 1);
            let mut t = VALID[..cut].to_string();
            t.push_str(
                ["= 3\n", "[pose\n", "threads = = 2\n", "\"\n", "[[\n"]
                    .choose(rng)
                    .unwrap(),
            );
            (t, "broken TOML")
        }
        _ => (
            VALID.replace(
                "[analysis]",
                ["[analysiss]", "[analysis.cue]", "[[analysis]]"]
                    .choose(rng)
                    .unwrap(),
            ),
            "unknown section",
        ),
    }
}

#[test]
fn two_hundred_malformed_configs_are_each_refused_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let keypoints = dir.path().join("k.jsonl");
    std::fs::write(
        &keypoints,
        to_jsonl(&generate(&RunParams {
            duration_s: 1.0,
            ..RunParams::default()
        })),
    )
    .unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let configs: Vec<(String, &str)> = (0..CONFIG_FILES).map(|_| malformed_config(&mut rng)).collect();
    let failures = in_parallel(configs.len(), |i| {
        let (text, kind) = &configs[i];
        let config = dir.path().join(format!("c{i}.toml"));
        std::fs::write(&config, text).unwrap();
        let out = dir.path().join(format!("out{i}"));
        let ran = run(&[
            "--config",
            config.to_str().unwrap(),
            "analyze",
            "--keypoints",
            keypoints.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        if let Some(f) = judge(&ran, &config, &format!("config {i} ({kind})")) {
            return Some(format!("{f}\n---\n{text}---"));
        }
        // Refused before any work: no output folder was made.
        out.exists()
            .then(|| format!("config {i} ({kind}): '{}' was created", out.display()))
    });
    assert!(
        failures.is_empty(),
        "{} of {CONFIG_FILES} malformed configs were not refused cleanly:\n{}",
        failures.len(),
        failures.iter().take(10).cloned().collect::<Vec<_>>().join("\n")
    );
}

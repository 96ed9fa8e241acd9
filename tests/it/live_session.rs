//! `gaitcue live` end to end, headless (no camera, no display here): a live-paced GStreamer
//! test source that ends and comes back, the demo clip played frame by frame, and
//! recordings that survive SIGKILL and finish cleanly on SIGINT.
//!
//! Nothing here depends on how much CPU the session gets: the camera-like source is checked
//! for bookkeeping (every frame shown or counted as dropped), and everything that needs a
//! given number of frames plays the demo with `--every-frame`, which waits for the analysis
//! instead of dropping. Frame rates and latencies are measured by `scripts/bench_live.sh`,
//! never asserted. Live sessions run one at a time ([`one_session_at_a_time`]).

use crate::common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use common::{data, root};
use opencv::prelude::*;
use opencv::videoio::{self, VideoCapture};
use serde_json::Value;

/// 1280×720 at 30 fps, paced by the clock like a camera; ends after `buffers` frames.
fn test_source(buffers: u32) -> String {
    format!(
        "videotestsrc num-buffers={buffers} is-live=true ! video/x-raw,width=1280,height=720,framerate=30/1 ! videoconvert ! video/x-raw,format=BGR ! appsink drop=true max-buffers=2"
    )
}

/// Live sessions are meant to have the machine to themselves: the tests in this file take
/// turns rather than run in parallel test threads.
fn one_session_at_a_time() -> MutexGuard<'static, ()> {
    static LIVE_SESSIONS: Mutex<()> = Mutex::new(());
    LIVE_SESSIONS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A guard on a session that should end by itself: generous, so that only a hang trips it.
const HANG: Duration = Duration::from_secs(300);

/// Waits until `path` has more than `rows` lines after its header (a hang guard only).
fn wait_for_rows(path: &Path, rows: usize, child: &mut Child) {
    let deadline = Instant::now() + HANG;
    loop {
        let have = std::fs::read_to_string(path)
            .map(|t| t.lines().count().saturating_sub(1))
            .unwrap_or(0);
        if have >= rows {
            return;
        }
        if Instant::now() >= deadline || child.try_wait().ok().flatten().is_some() {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{} never reached {rows} rows", path.display());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Waits until `path` contains `text` (a hang guard only).
fn wait_for_text(path: &Path, text: &str, child: &mut Child) {
    let deadline = Instant::now() + HANG;
    while !std::fs::read_to_string(path).is_ok_and(|t| t.contains(text)) {
        if Instant::now() >= deadline || child.try_wait().ok().flatten().is_some() {
            let _ = child.kill();
            let _ = child.wait();
            panic!("'{text}' never appeared in {}", path.display());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A live session of `source` played frame by frame and recorded into `out`, to its end.
fn record_every_frame(source: &str, out: &str) -> std::process::Output {
    live(&["--source", source, "--every-frame", "--record", "--out", out])
        .output()
        .unwrap()
}

fn live(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_gaitcue"));
    c.arg("live")
        .arg("--headless")
        .args(args)
        .current_dir(root())
        .stdin(Stdio::null());
    c
}

/// Starts `cmd` with commands to be written on its standard input.
fn with_stdin(mut cmd: Command, stderr: Stdio) -> (Child, std::process::ChildStdin) {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .unwrap();
    let stdin = child.stdin.take().unwrap();
    (child, stdin)
}

fn summary(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap()
}

fn decoded_frames(path: &Path) -> usize {
    let mut cap = VideoCapture::from_file(path.to_str().unwrap(), videoio::CAP_FFMPEG).unwrap();
    assert!(cap.is_opened().unwrap(), "{} does not open", path.display());
    let mut m = opencv::core::Mat::default();
    let mut n = 0;
    while cap.read(&mut m).unwrap_or(false) {
        n += 1;
    }
    n
}

fn csv_rows(path: &Path) -> Vec<csv::StringRecord> {
    csv::Reader::from_path(path)
        .unwrap()
        .records()
        .map(|r| r.unwrap())
        .collect()
}

#[test]
fn live_test_source_counts_frames_drops_latency_and_survives_source_loss() {
    let _turn = one_session_at_a_time();
    let out = tempfile::tempdir().unwrap();
    // The source ends every 1.5 s (45 frames): the session must reconnect and carry on.
    let result = live(&[
        "--source",
        &test_source(45),
        "--duration",
        "7",
        "--record",
        "--out",
        out.path().to_str().unwrap(),
    ])
    .output()
    .unwrap();
    let err = String::from_utf8_lossy(&result.stderr);
    assert!(result.status.success(), "{:?}: {err}", result.status);
    assert!(err.contains("running headless: --headless given"), "{err}");
    assert!(
        err.contains("lost - reconnecting") && err.contains("is back"),
        "{err}"
    );
    let s = summary(out.path());
    let session = &s["session"];
    let captured = session["frames_captured"].as_u64().unwrap();
    let shown = session["frames_shown"].as_u64().unwrap();
    let dropped = session["dropped_at_entrance"].as_u64().unwrap();
    assert!(captured > 0 && shown > 0, "{session}");
    // Every captured frame is shown or counted as dropped at the entrance, but for the few
    // still in flight between the stages when the session ends (at most 7: one per slot).
    assert!(
        shown + dropped <= captured && captured - (shown + dropped) <= 7,
        "{captured} != {shown} + {dropped}"
    );
    assert!(session["source_reconnects"].as_u64().unwrap() >= 1, "{session}");
    let latency = &session["latency_capture_to_screen_ms"];
    assert!(
        latency["p50"].as_f64().unwrap() > 0.0
            && latency["p95"].as_f64().unwrap() >= latency["p50"].as_f64().unwrap()
    );
    // Bounded memory: models, runtime and a few 720p frames in flight.
    let peak = session["peak_memory_mb"].as_f64().unwrap();
    assert!(peak < 1000.0, "peak memory {peak:.0} MB");
    let events = std::fs::read_to_string(out.path().join("events.csv")).unwrap();
    assert!(
        events.contains("lost - reconnecting") && events.contains("is back"),
        "{events}"
    );
    // Nobody is in the test pattern: after 1.5 s the picture itself says so, in large
    // yellow type on a near-black band across its top (the colour bars are bright there),
    // and the recording shows it too.
    let with_warning = |m: &opencv::core::Mat| {
        let px = |x: i32, y: i32| *m.at_2d::<opencv::core::Vec3b>(y, x).unwrap();
        let band = (0..m.cols())
            .step_by(40)
            .all(|x| px(x, 2).0.iter().all(|c| *c < 40));
        let yellow = (0..m.rows() / 5)
            .flat_map(|y| (0..m.cols()).map(move |x| (x, y)))
            .filter(|&(x, y)| {
                let p = px(x, y);
                p[0] < 80 && p[1] > 150 && p[2] > 200
            })
            .count();
        band && yellow > 500
    };
    let mut cap = VideoCapture::from_file(
        out.path().join("annotated-001.ts").to_str().unwrap(),
        videoio::CAP_FFMPEG,
    )
    .unwrap();
    let mut m = opencv::core::Mat::default();
    let mut marked = Vec::new();
    while cap.read(&mut m).unwrap_or(false) {
        marked.push(with_warning(&m));
    }
    // However few frames a busy computer shows, a 7-s session records several.
    assert!(marked.len() > 5, "{} frames recorded", marked.len());
    assert!(!marked[0], "no warning before the runner has been missing 1.5 s");
    let share = marked.iter().filter(|w| **w).count() as f64 / marked.len() as f64;
    assert!(
        share > 0.3,
        "the no-runner warning on {share:.2} of the recorded frames"
    );
}

#[test]
fn demo_clip_frame_by_frame_finds_steps_and_records_every_frame() {
    let _turn = one_session_at_a_time();
    let out = tempfile::tempdir().unwrap();
    let result = record_every_frame("demo", out.path().to_str().unwrap());
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    let s = summary(out.path());
    let session = &s["session"];
    assert_eq!(session["frames_captured"].as_u64(), Some(230));
    assert_eq!(session["frames_shown"].as_u64(), Some(230), "{session}");
    assert_eq!(session["dropped_at_entrance"].as_u64(), Some(0));
    assert_eq!(session["dropped_by_recorder"].as_u64(), Some(0));
    assert!(s["steps"].as_u64().unwrap() >= 5, "{}", s["steps"]);
    assert!(session["latency_capture_to_screen_ms"]["p95"].as_f64().is_some());
    assert!(session["stage_times"]["pose_ms"]["median"].as_f64().is_some());
    let clip = out.path().join("annotated-001.ts");
    let frames = decoded_frames(&clip);
    assert_eq!(frames, 230, "frames in the clip");
    assert!(
        !out.path().join(".preroll").exists(),
        "pre-roll scratch left behind"
    );
    // The recording's index names the frame at each position, so the report's stills and
    // clips are cut from it as an analysed video's are.
    let index = std::fs::read_to_string(out.path().join("annotated-001.frames")).unwrap();
    let ids: Vec<u64> = index.lines().map(|l| l.parse().unwrap()).collect();
    assert_eq!(ids, (0..230).collect::<Vec<u64>>());
    let report = std::fs::read_to_string(out.path().join("report.html")).unwrap();
    assert!(
        report.matches("data:image/jpeg").count() >= 2,
        "no stills in the live report"
    );
    let clips: Vec<_> = std::fs::read_dir(out.path().join("clips"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(!clips.is_empty(), "no clips in the live report");
    // The event log, read back from events.csv, is in the report.
    assert!(
        report.contains("What happened when") && report.contains("<td>0:00</td><td>recording started</td>"),
        "no event log in the live report"
    );
    for clip in &clips {
        assert!(decoded_frames(clip) > 10, "{}", clip.display());
        let name = clip.file_name().unwrap().to_string_lossy().into_owned();
        assert!(report.contains(&format!("clips/{name}")), "{name} not linked");
    }
}

/// Starts a recording live session on the demo and waits until `steps.csv` has `rows` steps.
/// The caller signals and waits for the returned child.
#[allow(clippy::zombie_processes)]
fn recording_session(out: &Path, rows: usize) -> Child {
    let mut child = live(&[
        "--source",
        "demo",
        "--every-frame",
        "--record",
        "--out",
        out.to_str().unwrap(),
    ])
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    wait_for_rows(&out.join("steps.csv"), rows, &mut child);
    child
}

#[test]
fn sigkill_while_recording_keeps_a_playable_clip_and_every_step() {
    let _turn = one_session_at_a_time();
    let out = tempfile::tempdir().unwrap();
    let mut child = recording_session(out.path(), 3);
    std::thread::sleep(Duration::from_millis(300));
    Command::new("kill")
        .args(["-KILL", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success());
    // The clip so far plays.
    let frames = decoded_frames(&out.path().join("annotated-001.ts"));
    assert!(frames >= 60, "only {frames} frames readable after the kill");
    // steps.csv holds every step completed before the kill: replaying the keypoints that
    // were written (flushed per frame) finds no completed step that steps.csv lacks.
    let kept = csv_rows(&out.path().join("steps.csv"));
    let keypoints = out.path().join("keypoints.jsonl");
    let text = std::fs::read_to_string(&keypoints).unwrap();
    let complete: String = text
        .lines()
        .filter(|l| l.ends_with('}'))
        .map(|l| format!("{l}\n"))
        .collect();
    let last_t = complete
        .lines()
        .last()
        .and_then(|l| serde_json::from_str::<Value>(l).ok())
        .and_then(|v| v["t"].as_f64())
        .unwrap();
    let replay_in = out.path().join("replay.jsonl");
    std::fs::write(&replay_in, complete).unwrap();
    let replay_out = out.path().join("replay");
    let r = common::gaitcue(&[
        "analyze",
        "--keypoints",
        replay_in.to_str().unwrap(),
        "--out",
        replay_out.to_str().unwrap(),
    ]);
    assert!(r.status.success(), "{}", common::stderr(&r));
    let replayed = csv_rows(&replay_out.join("steps.csv"));
    for step in replayed
        .iter()
        .filter(|r| !r[3].is_empty() && r[20].parse::<f64>().unwrap() < last_t - 0.2)
    {
        let ic: f64 = step[2].parse().unwrap();
        assert!(
            kept.iter()
                .any(|k| k[1] == step[1] && (k[2].parse::<f64>().unwrap() - ic).abs() < 0.002),
            "step {} ({} at {ic} s) completed before the kill but is missing from steps.csv",
            &step[0],
            &step[1]
        );
    }
}

#[test]
fn sigint_finishes_every_file() {
    let _turn = one_session_at_a_time();
    let out = tempfile::tempdir().unwrap();
    let mut child = recording_session(out.path(), 2);
    // While it runs, no other session may write its folder; the refusal names it.
    let holder = format!(
        "in use by another gaitcue session (gaitcue live, process {}",
        child.id()
    );
    for args in [
        vec![
            "live",
            "--headless",
            "--source",
            "demo",
            "--out",
            out.path().to_str().unwrap(),
        ],
        vec!["report", out.path().to_str().unwrap()],
    ] {
        let second = common::gaitcue(&args);
        let err = common::stderr(&second);
        assert_eq!(second.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains(&holder), "{args:?}: {err}");
    }
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let deadline = Instant::now() + HANG;
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "still running long after Ctrl-C");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "exit {status:?} after Ctrl-C");
    let s = summary(out.path());
    assert!(s["session"]["frames_shown"].as_u64().unwrap() > 0);
    let events = csv_rows(&out.path().join("events.csv"));
    assert_eq!(
        events.last().map(|e| e[1].to_string()).as_deref(),
        Some("session ended"),
        "{events:?}"
    );
    assert!(!out.path().join(".preroll").exists());
    // The clip was finished: ffprobe reads a duration from it.
    let probe = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "format=duration",
            "-of",
            "csv=p=0",
        ])
        .arg(out.path().join("annotated-001.ts"))
        .output()
        .unwrap();
    let duration: f64 = String::from_utf8_lossy(&probe.stdout).trim().parse().unwrap();
    assert!(duration > 1.0, "clip of {duration} s");
    assert!(csv_rows(&out.path().join("steps.csv")).len() >= 2);
    let _ = data("demo.mp4");
}

/// Analyses the demo into `out` and sends Ctrl-C once past frame 100 (the walker has been
/// chosen as the runner from about frame 70); the run writes into a staging folder until it
/// is complete.
fn analyze_until_ctrl_c(out: &Path, extra: &[&str]) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gaitcue"))
        .args(["analyze", "data/demo.mp4", "--quiet", "--out"])
        .arg(out)
        .args(extra)
        .current_dir(root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let staged = out
        .join(format!(".gaitcue-partial-{}", child.id()))
        .join("keypoints.jsonl");
    wait_for_rows(&staged, 100, &mut child);
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn ctrl_c_during_analyze_keeps_a_playable_clip_steps_summary_and_report() {
    let _turn = one_session_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("session");
    let done = analyze_until_ctrl_c(&out, &["--zone", "0,0.45,1,1"]);
    let err = String::from_utf8_lossy(&done.stderr).into_owned();
    assert_eq!(done.status.code(), Some(1), "{err}");
    assert!(err.contains("stopped by Ctrl-C after frame"), "{err}");
    assert!(err.contains(&format!("saved in '{}'", out.display())), "{err}");
    // Everything processed is there and whole: the clip plays every analysed frame.
    let frames = std::fs::read_to_string(out.join("keypoints.jsonl"))
        .unwrap()
        .lines()
        .count();
    assert!((100..230).contains(&frames), "{frames} frames");
    assert_eq!(decoded_frames(&out.join("annotated.mp4")), frames);
    let s = summary(&out);
    assert_eq!(s["session"]["interrupted"], true, "{s}");
    assert_eq!(s["session"]["frames"].as_u64(), Some(frames as u64));
    assert!(out.join("steps.csv").exists() && out.join("report.html").exists());
    let stdout = String::from_utf8_lossy(&done.stdout);
    assert!(
        stdout.contains(&format!("stopped early (Ctrl-C) after frame {frames} of")),
        "{stdout}"
    );
}

#[test]
fn absent_camera_lists_what_was_tried() {
    let _turn = one_session_at_a_time();
    let result = live(&["--camera", "57", "--duration", "1"]).output().unwrap();
    let err = String::from_utf8_lossy(&result.stderr);
    assert_eq!(result.status.code(), Some(1), "{err}");
    assert!(
        err.contains("camera 57 (/dev/video57) could not be opened"),
        "{err}"
    );
    assert!(err.contains("tried V4L2; video devices present:"), "{err}");
}

#[test]
fn headless_commands_toggle_recording_and_save_the_preroll() {
    let _turn = one_session_at_a_time();
    let out = tempfile::tempdir().unwrap();
    let (mut child, mut stdin) = with_stdin(
        live(&[
            "--source",
            "demo",
            "--every-frame",
            "--preroll",
            "3",
            "--belt-speed",
            "8 km/h",
            "--out",
            out.path().to_str().unwrap(),
        ]),
        Stdio::null(),
    );
    use std::io::Write;
    // The first step comes after the walker has been in view a while: by then more than
    // the 3-s pre-roll has been played.
    wait_for_rows(&out.path().join("steps.csv"), 1, &mut child);
    writeln!(stdin, "save").unwrap();
    writeln!(stdin, "speed +1.5").unwrap();
    writeln!(stdin, "snapshot").unwrap();
    // The delay view and its controls run alongside (the snapshot shows the live screen).
    for c in ["delay", "delay 2", "freeze", "slow", "freeze", "loop"] {
        writeln!(stdin, "{c}").unwrap();
    }
    writeln!(stdin, "phase retest").unwrap();
    writeln!(stdin, "record").unwrap();
    wait_for_text(&out.path().join("events.csv"), "recording started", &mut child);
    // Two more steps (at least half a second of video) go into the recording.
    let recorded_from = std::fs::read_to_string(out.path().join("steps.csv"))
        .unwrap()
        .lines()
        .count()
        - 1;
    wait_for_rows(&out.path().join("steps.csv"), recorded_from + 2, &mut child);
    writeln!(stdin, "quit").unwrap();
    let status = child.wait().unwrap();
    assert!(status.success());
    let events = std::fs::read_to_string(out.path().join("events.csv")).unwrap();
    for e in [
        "pre-roll saved",
        "phase retest",
        "cues off for the retest",
        "recording started",
        "belt speed 9.5 km/h",
    ] {
        assert!(events.contains(e), "{e} missing: {events}");
    }
    // Every step is measured at the belt speed typed for its moment (the analysis may be a
    // frame or two ahead of the screen when the command arrives: steps within half a second of
    // it may have either speed).
    let typed_at: f64 = events
        .lines()
        .find(|l| l.contains("belt speed 9.5"))
        .and_then(|l| l.split(',').next()?.parse().ok())
        .unwrap();
    let mut reader = csv::Reader::from_path(out.path().join("steps.csv")).unwrap();
    let header = reader.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    let t_of = |r: &csv::StringRecord| r[col("ic_time_s")].parse::<f64>().unwrap();
    assert!(rows.iter().any(|r| t_of(r) > typed_at + 0.5));
    for r in &rows {
        let t = t_of(r);
        if t < typed_at {
            assert_eq!(
                &r[col("belt_speed_kmh")],
                "8.00",
                "step at {t} s (typed at {typed_at} s)"
            );
        } else if t > typed_at + 0.5 {
            assert_eq!(
                &r[col("belt_speed_kmh")],
                "9.50",
                "step at {t} s (typed at {typed_at} s)"
            );
        }
    }
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["feedback"]["retest"], true, "{:#}", summary["feedback"]);
    // The snapshot: the whole screen (picture and panel) as a PNG, in the report too.
    let shot = image::open(out.path().join("snapshots/snapshot-001.png")).unwrap();
    assert!(
        shot.width() > shot.height() && shot.height() >= 500,
        "{}x{}",
        shot.width(),
        shot.height()
    );
    let report = std::fs::read_to_string(out.path().join("report.html")).unwrap();
    assert!(report.contains("<h2>Snapshots</h2>") && report.contains("data:image/png;base64,"));
    let preroll = decoded_frames(&out.path().join("preroll-001.ts"));
    assert!(
        (45..=200).contains(&preroll),
        "{preroll} frames in a 3-s pre-roll"
    );
    assert!(decoded_frames(&out.path().join("annotated-001.ts")) >= 10);
}

/// Unmounts the small filesystem when the test ends, pass or fail.
struct Mounted(std::path::PathBuf);

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_stops_the_recording_and_the_live_view_goes_on() {
    let _turn = one_session_at_a_time();
    // A 56 MB filesystem: recording stops at 50 MB free, a few seconds into the demo.
    let dir = tempfile::tempdir().unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=56m", "tmpfs"])
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(
        mounted.success(),
        "this test mounts a small tmpfs and needs root (CI runs as root)"
    );
    let _guard = Mounted(dir.path().to_path_buf());
    let out = dir.path().join("session");
    let result = record_every_frame("demo", out.to_str().unwrap());
    let err = String::from_utf8_lossy(&result.stderr);
    assert!(result.status.success(), "{err}");
    assert!(
        err.contains("recording stopped: only") && err.contains("MB free"),
        "{err}"
    );
    let s = summary(&out);
    assert_eq!(
        s["session"]["frames_shown"].as_u64(),
        Some(230),
        "the live view stopped"
    );
    assert!(s["steps"].as_u64().unwrap() >= 5);
    let recorded = decoded_frames(&out.join("annotated-001.ts"));
    assert!(
        (10..200).contains(&recorded),
        "{recorded} frames recorded before the stop"
    );
}

/// Runs `gaitcue ARGS` under `strace -f -e trace=network` (inside a network namespace with
/// no interfaces when this machine allows one, so nothing could leak even if the test
/// failed) and returns every traced line that opens an internet socket. The child does not
/// inherit `CI` or any `ORT_*` setting: a build server's `CI=true` or a developer's
/// `ORT_TELEMETRY_DISABLED` would silence ONNX Runtime's telemetry even if gaitcue no longer
/// did.
fn internet_sockets(args: &[&str]) -> Vec<String> {
    let trace = tempfile::NamedTempFile::new().unwrap();
    let isolated = Command::new("unshare")
        .args(["-n", "true"])
        .status()
        .is_ok_and(|s| s.success());
    let mut cmd = if isolated {
        let mut c = Command::new("unshare");
        c.args(["-n", "strace"]);
        c
    } else {
        Command::new("strace")
    };
    for (name, _) in std::env::vars_os() {
        if name == "CI" || name.to_string_lossy().starts_with("ORT_") {
            cmd.env_remove(name);
        }
    }
    let status = cmd
        .args(["-f", "-e", "trace=network", "-o"])
        .arg(trace.path())
        .arg(env!("CARGO_BIN_EXE_gaitcue"))
        .args(args)
        .current_dir(root())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("strace runs (scripts/setup.sh installs it)");
    assert!(status.success(), "gaitcue {args:?} failed under strace");
    std::fs::read_to_string(trace.path())
        .unwrap()
        .lines()
        .filter(|l| l.contains("AF_INET"))
        .map(String::from)
        .collect()
}

#[test]
fn nothing_leaves_the_computer_in_analyze_report_and_live() {
    let _turn = one_session_at_a_time();
    let out = tempfile::tempdir().unwrap();
    let session = out.path().join("session");
    let session = session.to_str().unwrap();
    let demo = data("demo.mp4");
    for args in [
        vec!["analyze", demo.to_str().unwrap(), "--out", session, "--quiet"],
        vec!["report", session],
        vec![
            "live",
            "--headless",
            "--source",
            "demo",
            "--duration",
            "3",
            "--out",
            out.path().join("live").to_str().unwrap(),
        ],
    ] {
        let sockets = internet_sockets(&args);
        assert!(
            sockets.is_empty(),
            "gaitcue {} opened internet sockets:\n{}",
            args[0],
            sockets.join("\n")
        );
    }
}

/// The clinician's P key (headless: `runner`) lets go of the runner and chooses again: the
/// event is logged, the walker is passed over and the analysis starts afresh (a new track).
#[test]
fn choosing_another_runner_lets_go_of_the_current_one() {
    let _turn = one_session_at_a_time();
    let out = tempfile::tempdir().unwrap();
    let (mut child, mut stdin) = with_stdin(
        live(&[
            "--source",
            "demo",
            "--every-frame",
            "--out",
            out.path().to_str().unwrap(),
        ]),
        Stdio::null(),
    );
    use std::io::Write;
    wait_for_rows(&out.path().join("steps.csv"), 1, &mut child);
    writeln!(stdin, "runner").unwrap();
    wait_for_text(
        &out.path().join("events.csv"),
        "runner chosen again by the clinician",
        &mut child,
    );
    let status = child.wait().unwrap();
    assert!(status.success());
    // From the frame of the command, the walker (still in view) is let go: frames without
    // a runner follow at once, for a while (nobody else looks like a runner: the man on the
    // box faces the camera), and not because she left the picture (about frame 195).
    let events = std::fs::read_to_string(out.path().join("events.csv")).unwrap();
    let at_s: f64 = events
        .lines()
        .find(|l| l.contains("runner chosen again"))
        .and_then(|l| l.split(',').next())
        .and_then(|t| t.trim_matches('"').parse().ok())
        .unwrap();
    let at = (at_s * 30.0).round() as usize;
    assert!(at < 150, "the command came at frame {at}, too late to tell");
    let text = std::fs::read_to_string(out.path().join("keypoints.jsonl")).unwrap();
    let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(
        !lines[at - 5]["keypoints"].is_null(),
        "the walker was not the runner before"
    );
    let nobody = lines[at..at + 40]
        .iter()
        .filter(|l| l["keypoints"].is_null())
        .count();
    assert!(
        nobody >= 30,
        "the walker was measured in {} of the 40 frames after",
        40 - nobody
    );
}

/// Ctrl-C during `analyze --overwrite`: the earlier session was whole and stays so; what
/// was analysed goes beside it.
#[test]
fn ctrl_c_during_an_overwrite_keeps_the_earlier_session() {
    let _turn = one_session_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("session");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("summary.json"), "{\"earlier\": true}\n").unwrap();
    std::fs::write(out.join("steps.csv"), "step\n1\n").unwrap();
    let done = analyze_until_ctrl_c(&out, &["--overwrite"]);
    let err = String::from_utf8_lossy(&done.stderr).into_owned();
    assert_eq!(done.status.code(), Some(1), "{err}");
    assert_eq!(
        std::fs::read_to_string(out.join("summary.json")).unwrap(),
        "{\"earlier\": true}\n"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("steps.csv")).unwrap(),
        "step\n1\n"
    );
    let kept: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("incomplete-")
        })
        .collect();
    assert_eq!(kept.len(), 1, "{err}");
    assert!(
        err.contains(&format!("saved in '{}'", kept[0].display())),
        "{err}"
    );
    assert!(kept[0].join("annotated.mp4").exists() && kept[0].join("summary.json").exists());
}

/// The speed-ramp test run live: two 30-s stages from an easy pace of 10 km/h (8.0 and
/// 8.8 km/h). The screen's timer and prompts lead each stage, typed speeds and the cue key
/// are refused, and the session ends by itself after the last stage. A camera-like test
/// pattern: the mechanics of the ramp, not the runner (those are `speed_ramp`'s tests).
#[test]
fn a_live_speed_ramp_leads_each_stage_refuses_typed_speeds_and_ends_by_itself() {
    let _turn = one_session_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("ramp.toml");
    std::fs::write(&config, "[analysis.ramp]\nstages = 2\nstage_s = 30.0\n").unwrap();
    let out = dir.path().join("ramp");
    // Its terminal output goes to a file (a pipe unread for a minute could fill).
    let log = dir.path().join("stderr.txt");
    let (mut child, mut stdin) = with_stdin(
        live(&[
            "--config",
            config.to_str().unwrap(),
            "--source",
            &test_source(1_000_000),
            "--protocol",
            "ramp",
            "--easy-pace",
            "10 km/h",
            "--status-every",
            "1",
            "--out",
            out.to_str().unwrap(),
        ]),
        Stdio::from(std::fs::File::create(&log).unwrap()),
    );
    use std::io::Write;
    wait_for_text(&out.join("events.csv"), "ramp stage 1 of 2", &mut child);
    for c in ["speed 12", "speed +1", "cues"] {
        writeln!(stdin, "{c}").unwrap();
    }
    // No --duration and no quit: the ramp ends the session (a guard stops a hung one).
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(600) {
            child.kill().unwrap();
            panic!("the ramp did not end the session");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let status = child.wait().unwrap();
    let err = std::fs::read_to_string(&log).unwrap();
    assert!(status.success(), "{err}");
    for shown in [
        "ramp stage 1 of 2: 8.0 km/h, 0:",
        "next: 8.8 km/h in",
        "ramp stage 2 of 2: 8.8 km/h",
        "set the belt to 8.8 km/h now",
    ] {
        assert!(err.contains(shown), "'{shown}' never on the status line: {err}");
    }
    let events = std::fs::read_to_string(out.join("events.csv")).unwrap();
    for e in [
        "ramp stage 1 of 2 begins: belt at 8.0 km/h",
        "ramp stage 2 of 2 begins: belt at 8.8 km/h",
        "the ramp's last stage is over",
    ] {
        assert!(events.contains(e), "{e} missing: {events}");
    }
    assert!(
        !events.contains("belt speed") && !events.contains("cues on") && !events.contains("cues off"),
        "a typed speed or the cue key was taken during the ramp: {events}"
    );
    let stage_begins = |k: &str| -> f64 {
        events
            .lines()
            .find(|l| l.contains(&format!("ramp stage {k} of 2 begins")))
            .and_then(|l| l.split(',').next()?.parse().ok())
            .unwrap()
    };
    // On the session's own clock, counted from its first frame: stage 2 begins with the
    // first frame shown from 30 s on (a busy computer may show it later, never sooner).
    let first = stage_begins("1");
    let gap = stage_begins("2") - first;
    assert!(
        (29.99..45.0).contains(&gap),
        "stage 2 began {gap:.2} s after stage 1"
    );
    let s = summary(&out);
    let stages = s["speed_stages"].as_array().unwrap();
    let speeds: Vec<f64> = stages
        .iter()
        .map(|st| st["belt_speed_kmh"].as_f64().unwrap())
        .collect();
    assert_eq!(speeds, [8.0, 8.8], "{stages:?}");
    // The summary's stages count from that same first frame.
    let start = stages[1]["start_s"].as_f64().unwrap();
    assert!(
        (start - (first + 30.0)).abs() < 0.02,
        "stage 2 starts at {start} s"
    );
    let end = stages[1]["end_s"].as_f64().unwrap() - first;
    assert!(
        (59.98..75.0).contains(&end),
        "the last stage ends {end} s after the first frame"
    );
    // Nobody ran: no stage has numbers, and says why.
    assert!(
        stages.iter().all(|st| st["numbers_withheld"].is_string()),
        "{stages:?}"
    );
}

/// The real runner at 60 frames a second (each frame of the 30 fps clip written twice,
/// through OpenCV's own encoder): a camera rate other than 30.
fn real_runner_at_60_fps(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("runner-60fps.mp4");
    let source = root().join("tests/data/real/male_side.mp4");
    let mut cap = VideoCapture::from_file(source.to_str().unwrap(), videoio::CAP_FFMPEG).unwrap();
    let size = opencv::core::Size::new(
        cap.get(videoio::CAP_PROP_FRAME_WIDTH).unwrap() as i32,
        cap.get(videoio::CAP_PROP_FRAME_HEIGHT).unwrap() as i32,
    );
    let fourcc = videoio::VideoWriter::fourcc('m', 'p', '4', 'v').unwrap();
    let mut writer = videoio::VideoWriter::new_with_backend(
        path.to_str().unwrap(),
        videoio::CAP_FFMPEG,
        fourcc,
        60.0,
        size,
        true,
    )
    .unwrap();
    let mut frame = opencv::core::Mat::default();
    while cap.read(&mut frame).unwrap_or(false) {
        writer.write(&frame).unwrap();
        writer.write(&frame).unwrap();
    }
    writer.release().unwrap();
    path
}

/// (frames, stated frames per second) of each clip the report cut.
fn report_clips(dir: &Path) -> Vec<(usize, f64)> {
    let mut clips: Vec<_> = std::fs::read_dir(dir.join("clips"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "mp4"))
        .collect();
    clips.sort();
    clips
        .iter()
        .map(|c| {
            let cap = VideoCapture::from_file(c.to_str().unwrap(), videoio::CAP_FFMPEG).unwrap();
            (decoded_frames(c), cap.get(videoio::CAP_PROP_FPS).unwrap())
        })
        .collect()
}

#[test]
fn a_60_fps_session_keeps_its_rate_and_its_report_cuts_one_second_clips() {
    let _turn = one_session_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let clip = real_runner_at_60_fps(dir.path());
    let out = dir.path().join("session");
    let result = record_every_frame(clip.to_str().unwrap(), out.to_str().unwrap());
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    let s = summary(&out);
    assert_eq!(
        s["session"]["fps"].as_f64(),
        Some(60.0),
        "the summary's frame rate"
    );
    assert!(s["valid_steps"].as_u64().unwrap() >= 10, "{}", s["valid_steps"]);
    // A clip is a second around its contact: 61 frames at 60 fps, played at 60 (the live
    // recording is already drawn on, so it is not slowed).
    let one_second = |clips: &[(usize, f64)]| {
        !clips.is_empty()
            && clips.iter().all(|(n, fps)| *n <= 61 && (fps - 60.0).abs() < 0.5)
            && clips.iter().any(|(n, _)| *n == 61)
    };
    let clips = report_clips(&out);
    assert!(one_second(&clips), "clips (frames, fps): {clips:?}");

    // A summary from before the rate was kept: the report takes it from the keypoints'
    // frame numbers and times, not from the MPEG-TS recording (which states 90000).
    let path = out.join("summary.json");
    let mut old = summary(&out);
    old["session"].as_object_mut().unwrap().remove("fps");
    std::fs::write(&path, serde_json::to_string(&old).unwrap()).unwrap();
    std::fs::remove_dir_all(out.join("clips")).unwrap();
    let report = common::gaitcue(&["report", out.to_str().unwrap()]);
    assert!(report.status.success(), "{}", common::stderr(&report));
    let clips = report_clips(&out);
    assert!(
        one_second(&clips),
        "clips (frames, fps) without a rate in the summary: {clips:?}"
    );
}

#[test]
fn live_sessions_go_into_the_runners_folder_as_test_then_retraining() {
    let _turn = one_session_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let runner = dir.path().join("runner");
    let mut made = Vec::new();
    for _ in 0..2 {
        let result = live(&[
            "--source",
            &test_source(30),
            "--duration",
            "1",
            "--runner",
            runner.to_str().unwrap(),
        ])
        .output()
        .unwrap();
        assert!(
            result.status.success(),
            "{}",
            String::from_utf8_lossy(&result.stderr)
        );
        let mut names: Vec<String> = std::fs::read_dir(&runner)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| !made.contains(n))
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
        made.push(names.pop().unwrap());
    }
    assert!(
        made[0].ends_with("-test-1") && made[1].ends_with("-retrain-1"),
        "{made:?}"
    );
    let first = summary(&runner.join(&made[0]));
    assert_eq!(first["session"]["course"]["visit"], "test");
    assert_eq!(first["cue_rules"], serde_json::json!([]), "a test shows no cue");
    let second = summary(&runner.join(&made[1]));
    assert_eq!(second["session"]["course"]["visit"], "retrain");
    assert_eq!(second["session"]["course"]["retrain_before"], 0);
    assert_eq!(second["feedback"]["session_number"], 1);
}

//! One runner per session, on real footage: two people are pasted into the demo while the
//! walker (the runner) crosses it — one larger, walking in front of her and hiding her,
//! one smaller, passing behind her. Both are the walker herself from other moments of the
//! clip (same clothes: only size, belt line and place tell them apart), so the test is as
//! hard as a clinic's twin-treadmill room. Every measured frame must be hers, and the time
//! she was hidden must be reported as lost.

use crate::common;

use opencv::core::{self, Mat, Rect, Size};
use opencv::imgproc;
use opencv::prelude::*;
use opencv::videoio::{VideoCapture, VideoWriter, CAP_FFMPEG};
use serde_json::Value;

use common::{data, fixture, gaitcue, stderr, walker_hips, VideoReference};

/// The walker's box around her hips at frame `f` (she is about 460 px tall).
fn walker_box(reference: &VideoReference, f: u64) -> Rect {
    let (x, y) = walker_hips(reference, f);
    Rect::new(x as i32 - 130, y as i32 - 270, 260, 480)
}

/// A pasted person: the walker as seen at source frame `from(f)`, scaled by `scale`, with
/// the middle of her feet at `at(f)`; drawn over the runner (`in_front`) or under her.
struct Passer {
    frames: std::ops::RangeInclusive<u64>,
    from: fn(u64) -> u64,
    at: fn(u64) -> (i32, i32),
    scale: f64,
    in_front: bool,
}

fn paste(frame: &mut Mat, patch: &Mat, feet: (i32, i32), keep: Option<Rect>) {
    let (w, h) = (patch.cols(), patch.rows());
    let x0 = feet.0 - w / 2;
    let y0 = feet.1 - h;
    for y in 0..h {
        for x in 0..w {
            let (fx, fy) = (x0 + x, y0 + y);
            if fx < 0 || fy < 0 || fx >= frame.cols() || fy >= frame.rows() {
                continue;
            }
            if keep.is_some_and(|r| r.contains(core::Point::new(fx, fy))) {
                continue;
            }
            *frame.at_2d_mut::<core::Vec3b>(fy, fx).unwrap() = *patch.at_2d::<core::Vec3b>(y, x).unwrap();
        }
    }
}

#[test]
fn passers_in_front_and_behind_never_become_the_runner() {
    let reference: VideoReference = fixture("demo_reference.json");
    let passers = [
        // Larger (nearer the camera), walking the other way and hiding her around frame 130.
        Passer {
            frames: 112..=150,
            from: |f| f - 40,
            at: |f| (400 + 8 * (f as i32 - 112), 990),
            scale: 1.35,
            in_front: true,
        },
        // Smaller (further away), passing behind her around frame 95.
        Passer {
            frames: 78..=118,
            from: |f| f + 60,
            at: |f| (1500 - 18 * (f as i32 - 78), 700),
            scale: 0.6,
            in_front: false,
        },
    ];
    // The patches, cut from the source in a first pass.
    let mut patches: std::collections::HashMap<u64, Mat> = Default::default();
    let wanted: Vec<u64> = passers
        .iter()
        .flat_map(|p| p.frames.clone().map(|f| (p.from)(f)))
        .collect();
    let mut cap = VideoCapture::from_file(data("demo.mp4").to_str().unwrap(), CAP_FFMPEG).unwrap();
    let mut m = Mat::default();
    let mut i = 0u64;
    while cap.read(&mut m).unwrap() {
        if wanted.contains(&i) {
            let r = walker_box(&reference, i) & Rect::new(0, 0, m.cols(), m.rows());
            patches.insert(i, Mat::roi(&m, r).unwrap().try_clone().unwrap());
        }
        i += 1;
    }
    let dir = tempfile::tempdir().unwrap();
    let video = dir.path().join("two-passers.mp4");
    let mut cap = VideoCapture::from_file(data("demo.mp4").to_str().unwrap(), CAP_FFMPEG).unwrap();
    let fps = cap.get(opencv::videoio::CAP_PROP_FPS).unwrap();
    let mut writer = VideoWriter::new(
        video.to_str().unwrap(),
        VideoWriter::fourcc('m', 'p', '4', 'v').unwrap(),
        fps,
        Size::new(1768, 994),
        true,
    )
    .unwrap();
    let mut f = 0u64;
    while cap.read(&mut m).unwrap() {
        // Behind first, so the one in front covers everything.
        for p in passers
            .iter()
            .filter(|p| !p.in_front)
            .chain(passers.iter().filter(|p| p.in_front))
        {
            if !p.frames.contains(&f) {
                continue;
            }
            let patch = &patches[&(p.from)(f)];
            let mut scaled = Mat::default();
            imgproc::resize(
                patch,
                &mut scaled,
                Size::new(0, 0),
                p.scale,
                p.scale,
                imgproc::INTER_LINEAR,
            )
            .unwrap();
            // Behind her: her own pixels stay on top.
            let keep = (!p.in_front).then(|| walker_box(&reference, f));
            // The patch's feet are 20 px above its bottom edge (the box reaches below them).
            let feet = (p.at)(f);
            paste(&mut m, &scaled, (feet.0, feet.1 + (20.0 * p.scale) as i32), keep);
        }
        writer.write(&m).unwrap();
        f += 1;
    }
    writer.release().unwrap();

    if let Ok(keep) = std::env::var("GAITCUE_KEEP_VIDEO") {
        std::fs::copy(&video, keep).unwrap();
    }
    let out = dir.path().join("session");
    let done = gaitcue(&[
        "analyze",
        video.to_str().unwrap(),
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(done.status.success(), "{}", stderr(&done));
    let text = std::fs::read_to_string(out.join("keypoints.jsonl")).unwrap();
    let (mut measured, mut hidden_measured) = (0, Vec::new());
    for line in text.lines().map(|l| serde_json::from_str::<Value>(l).unwrap()) {
        let k = &line["keypoints"];
        if k.is_null() {
            continue;
        }
        let frame = line["frame"].as_u64().unwrap();
        let at = |name: &str| (k[name][0].as_f64().unwrap(), k[name][1].as_f64().unwrap());
        let hips = (
            (at("left_hip").0 + at("right_hip").0) / 2.0,
            (at("left_hip").1 + at("right_hip").1) / 2.0,
        );
        let leg = |s: &str| {
            let (h, kn, a) = (
                at(&format!("{s}_hip")),
                at(&format!("{s}_knee")),
                at(&format!("{s}_ankle")),
            );
            (h.0 - kn.0).hypot(h.1 - kn.1) + (kn.0 - a.0).hypot(kn.1 - a.1)
        };
        let leg = (leg("left") + leg("right")) / 2.0;
        assert!(
            hips.1 > 994.0 * 0.45,
            "frame {frame}: the man on the box was measured"
        );
        if (70..=185).contains(&frame) {
            measured += 1;
            let h = walker_hips(&reference, frame);
            let d = (hips.0 - h.0 as f64).hypot(hips.1 - h.1 as f64);
            assert!(
                d < 120.0 && (120.0..260.0).contains(&leg),
                "frame {frame}: a pose {d:.0} px from the runner's hips, leg {leg:.0} px: someone else was measured"
            );
            if (134..=146).contains(&frame) {
                hidden_measured.push(frame);
            }
        }
    }
    assert!(
        measured >= 80,
        "the runner was measured in only {measured} frames"
    );
    eprintln!("runner measured in {measured} of 116 frames; while hidden: {hidden_measured:?}");
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let lost = summary["session"]["runner_lost_s"].as_f64().unwrap();
    assert!(
        lost > 0.2 && summary["session"]["runner_lost_times"].as_u64().unwrap() >= 1,
        "{}",
        summary["session"]
    );
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        html.contains("runner lost"),
        "the report does not give the lost time"
    );
}

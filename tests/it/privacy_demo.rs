//! Bystanders' faces in exported clips, on real footage: the demo's man on the box, seen
//! behind the walker, is blurred in every clip frame where the pose model finds his face.
//! The oracle is independent of what the report blurs by (the people the pose stage saw
//! about three times a second, moved and held between looks): the pose model run on every
//! source frame with a zone around him.

use crate::common;

use indicatif::ProgressBar;
use opencv::core::{self, Mat, Rect};
use opencv::imgproc;
use opencv::prelude::*;
use opencv::videoio::{VideoCapture, CAP_FFMPEG};

use common::{data, gaitcue, pose_config, stderr};
use gaitcue::pose::blazepose::BlazePose;
use gaitcue::pose::PoseEstimator;
use gaitcue::privacy::FaceBlur;
use gaitcue::report::media::{self, Cuts};

/// The fine detail of `r` in `image` (grey level minus its Gaussian blur), as numbers.
fn detail(image: &Mat, r: Rect) -> Vec<f32> {
    let mut gray = Mat::default();
    imgproc::cvt_color_def(&Mat::roi(image, r).unwrap(), &mut gray, imgproc::COLOR_BGR2GRAY).unwrap();
    let mut g = Mat::default();
    gray.convert_to_def(&mut g, core::CV_32F).unwrap();
    let mut smooth = Mat::default();
    imgproc::gaussian_blur_def(&g, &mut smooth, core::Size::new(0, 0), 1.5).unwrap();
    let mut high = Mat::default();
    core::subtract_def(&g, &smooth, &mut high).unwrap();
    let high = high.try_clone().unwrap();
    high.data_typed::<f32>().unwrap().to_vec()
}

fn rms(v: &[f32]) -> f64 {
    (v.iter().map(|x| (*x as f64).powi(2)).sum::<f64>() / v.len().max(1) as f64).sqrt()
}

/// How much of the reference's fine detail is still in `now`: the correlation of the two
/// (1: the same face, about 0: none of it left).
fn kept(reference: &[f32], now: &[f32]) -> f64 {
    let dot: f64 = reference
        .iter()
        .zip(now)
        .map(|(a, b)| *a as f64 * *b as f64)
        .sum();
    dot / (rms(reference) * rms(now) * reference.len() as f64).max(1e-9)
}

/// Below this RMS of fine detail (grey levels) a region holds nothing recognisable.
const MIN_DETAIL: f64 = 2.0;
/// A face keeping more than this correlation with its original detail is recognisable.
const RECOGNISABLE: f64 = 0.5;

fn frames_of(path: &std::path::Path) -> Vec<Mat> {
    let mut cap = VideoCapture::from_file(path.to_str().unwrap(), CAP_FFMPEG).unwrap();
    let mut frames = Vec::new();
    let mut m = Mat::default();
    while cap.read(&mut m).unwrap() {
        frames.push(m.clone());
    }
    frames
}

#[test]
fn the_bystanders_face_is_blurred_in_every_clip_frame() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("session");
    let done = gaitcue(&[
        "analyze",
        data("demo.mp4").to_str().unwrap(),
        "--zone",
        "0,0.45,1,1",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(done.status.success(), "{}", stderr(&done));
    // The man on the box is in view until about frame 130, the walker from about 45.
    let (first, last) = (0u64, 130u64);
    let frames: Vec<u64> = (first..=last).collect();
    let mut keypoints = media::keypoints_for(&out.join("keypoints.jsonl"), &frames).unwrap();
    // Clips are cropped on the runner, which leaves him out; without the runner's
    // keypoints the clip is the whole frame, and only the bystanders' blur acts.
    keypoints.by_frame.clear();
    // The clip as the report cuts it, and a control cut without blurring: the check must
    // tell the man's face in the control from the blurred one.
    let config = pose_config();
    let clip = dir.path().join("blurred.mp4");
    let control = dir.path().join("control.mp4");
    let mut blur = FaceBlur::new(&config);
    for (path, blur) in [(&clip, Some(&mut blur)), (&control, None)] {
        let cuts = Cuts {
            stills: Vec::new(),
            clips: vec![(first, last, path.clone())],
            ..Cuts::at(30.0)
        };
        // Nothing drawn on it (`clean` off): the frames compared are the source's, blurred.
        media::cut(
            &data("demo.mp4"),
            &cuts,
            &keypoints,
            blur,
            false,
            &ProgressBar::hidden(),
        )
        .unwrap();
    }

    let source = frames_of(&data("demo.mp4"));
    let (width, height) = (source[0].cols(), source[0].rows());
    let (region, size) = media::clip_region(&keypoints, &frames, width, height);
    let clip_frames = frames_of(&clip);
    let control_frames = frames_of(&control);
    assert_eq!(clip_frames.len(), frames.len());
    assert_eq!(control_frames.len(), frames.len());
    let (sx, sy) = (
        size.width as f32 / region.width as f32,
        size.height as f32 / region.height as f32,
    );
    let mut man = BlazePose::new(&gaitcue::config::PoseConfig {
        runner_zone: "0,0,1,0.42".parse().unwrap(),
        choose_runner: false,
        ..config.clone()
    })
    .unwrap();
    let (mut checked, mut failures, mut seen_in_control) = (0, Vec::new(), 0);
    for (k, f) in frames.iter().enumerate() {
        let Some(pose) = man.estimate(&source[*f as usize]).unwrap() else {
            continue;
        };
        let k_ = &pose.keypoints;
        // Only the man: hips in the upper part of the frame.
        if (k_[23].y + k_[24].y) / 2.0 > 0.45 * height as f32 {
            continue;
        }
        // His face points, in clip pixels, padded to at least 16 px.
        let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
        for p in &k_[0..=10] {
            let (x, y) = ((p.x - region.x as f32) * sx, (p.y - region.y as f32) * sy);
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
        }
        let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
        let half = ((x1 - x0).max(y1 - y0) / 2.0).max(8.0);
        let r = Rect::new(
            (cx - half) as i32,
            (cy - half) as i32,
            (2.0 * half) as i32,
            (2.0 * half) as i32,
        );
        let inside = r.x >= 0 && r.y >= 0 && r.x + r.width <= size.width && r.y + r.height <= size.height;
        if !inside {
            continue;
        }
        // The same place in the source, cut and scaled as the clip was.
        let mut reference = Mat::default();
        imgproc::resize(
            &Mat::roi(&source[*f as usize], region).unwrap(),
            &mut reference,
            size,
            0.0,
            0.0,
            imgproc::INTER_LINEAR,
        )
        .unwrap();
        let was = detail(&reference, r);
        // Too smooth to recognise anyone (glare, motion blur): nothing to check.
        if rms(&was) < MIN_DETAIL {
            continue;
        }
        checked += 1;
        let (now, unblurred) = (
            kept(&was, &detail(&clip_frames[k], r)),
            kept(&was, &detail(&control_frames[k], r)),
        );
        if unblurred > RECOGNISABLE {
            seen_in_control += 1;
        }
        if now > RECOGNISABLE {
            failures.push(format!(
                "frame {f}: {now:.2} of his face's detail kept (control {unblurred:.2}) at {r:?}"
            ));
        }
    }
    eprintln!(
        "bystander's face checked in {checked} of {} clip frames",
        frames.len()
    );
    assert!(
        checked >= 30,
        "the man's face was in only {checked} clip frames: the check proves little"
    );
    assert!(
        seen_in_control * 10 >= checked * 8,
        "the check finds his face in only {seen_in_control} of {checked} unblurred frames"
    );
    assert!(
        failures.is_empty(),
        "his face is not blurred in {} frames: {failures:#?}",
        failures.len()
    );
}

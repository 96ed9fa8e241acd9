//! Marker-mode pelvic tilt: stickers rendered at known angles — in the colours a camera
//! sees rather than the finder's own, dimmed, blurred and partly covered — are measured
//! within 1°, the standing calibration is subtracted, and `gaitcue calibrate` reads stickers
//! painted on real footage through a real encode and decode.

use crate::common;
use crate::synthetic;

use gaitcue::analysis::pelvis::{marker_tilt_deg, PelvisConfig};
use gaitcue::analysis::AnalysisConfig;
use gaitcue::app::gait_stage::GaitStage;
use gaitcue::capture::SourceSpec;
use gaitcue::config::PoseConfig;
use gaitcue::pose::blazepose::BlazePose;
use gaitcue::pose::stickers::MarkerFinder;
use gaitcue::pose::PoseEstimator;
use gaitcue::record::clip::ClipWriter;
use gaitcue::session::summary::SessionFacts;
use opencv::core::{Mat, Point, Rect, Scalar, Size, CV_8UC3};
use opencv::imgproc;
use opencv::prelude::*;
use synthetic::{generate, RunParams};

/// Sticker centres for a pelvis tilted `tilt_deg` (ASIS lower = positive) around `hip`,
/// `spread` px apart, runner facing `dir`.
fn sticker_points(hip: (f64, f64), tilt_deg: f64, spread: f64, dir: f64) -> ((f64, f64), (f64, f64)) {
    let (s, c) = tilt_deg.to_radians().sin_cos();
    let half = spread / 2.0;
    (
        (hip.0 + dir * half * c, hip.1 + half * s),
        (hip.0 - dir * half * c, hip.1 - half * s),
    )
}

/// Fluorescent magenta and cyan stickers as a phone photographs them under indoor light
/// (BGR), not the centres of the finder's colour ranges.
const MAGENTA_SEEN: [f64; 3] = [190.0, 60.0, 240.0];
const CYAN_SEEN: [f64; 3] = [230.0, 200.0, 40.0];

/// How the camera sees a sticker: `light` scales its colour (1: as printed), `blur` is the
/// width in pixels of the defocus and motion softening (0: none), `covered` the share of
/// its height hidden from below by a fold of clothing.
#[derive(Clone, Copy, Debug)]
struct Look {
    light: f64,
    blur: i32,
    covered: f64,
}

const PLAIN: Look = Look {
    light: 0.85,
    blur: 3,
    covered: 0.0,
};

/// Renders one sticker of `radius` px at `at` the way [`Look`] says, with OpenCV's
/// anti-aliased drawing, a clothing-grey cover and a Gaussian blur of the area around it.
fn render_sticker(image: &mut Mat, at: (f64, f64), radius: i32, bgr: [f64; 3], look: Look) {
    let c = |i: usize| bgr[i] * look.light;
    let centre = Point::new(at.0.round() as i32, at.1.round() as i32);
    imgproc::circle(
        image,
        centre,
        radius,
        Scalar::new(c(0), c(1), c(2), 0.0),
        imgproc::FILLED,
        imgproc::LINE_AA,
        0,
    )
    .unwrap();
    if look.covered > 0.0 {
        let hidden = (2.0 * radius as f64 * look.covered).round() as i32;
        let top = centre.y + radius - hidden + 1;
        let cloth = Rect::new(centre.x - radius - 2, top, 2 * radius + 5, hidden + 2);
        imgproc::rectangle(
            image,
            cloth,
            Scalar::new(120.0, 118.0, 115.0, 0.0),
            imgproc::FILLED,
            imgproc::LINE_8,
            0,
        )
        .unwrap();
    }
    if look.blur > 0 {
        let reach = radius + 3 * look.blur + 2;
        let area = Rect::new(centre.x - reach, centre.y - reach, 2 * reach + 1, 2 * reach + 1)
            & Rect::new(0, 0, image.cols(), image.rows());
        let region = Mat::roi(image, area).unwrap().try_clone().unwrap();
        let mut soft = Mat::default();
        let k = 2 * look.blur + 1;
        imgproc::gaussian_blur(
            &region,
            &mut soft,
            Size::new(k, k),
            0.0,
            0.0,
            opencv::core::BORDER_REPLICATE,
        )
        .unwrap();
        soft.copy_to(&mut Mat::roi_mut(image, area).unwrap()).unwrap();
    }
}

fn paint(image: &mut Mat, hip: (f64, f64), tilt_deg: f64, spread: f64, dir: f64, look: Look) {
    let (asis, psis) = sticker_points(hip, tilt_deg, spread, dir);
    render_sticker(image, asis, 6, MAGENTA_SEEN, look);
    render_sticker(image, psis, 6, CYAN_SEEN, look);
}

fn finder() -> MarkerFinder {
    let config = PelvisConfig::default();
    MarkerFinder::new(config.asis_colour, config.psis_colour)
}

#[test]
fn rendered_stickers_give_the_tilt_within_one_degree() {
    let mut finder = finder();
    let looks = [
        PLAIN,
        // Dim light, strong blur, the lower third of both stickers under the waistband.
        Look {
            light: 0.6,
            blur: 5,
            covered: 0.0,
        },
        Look {
            light: 1.0,
            blur: 0,
            covered: 0.33,
        },
        Look {
            light: 0.6,
            blur: 4,
            covered: 0.33,
        },
    ];
    for (dir, look) in [1.0, -1.0].into_iter().flat_map(|d| looks.map(|l| (d, l))) {
        for tilt in [-12.0, -5.0, 0.0, 3.5, 8.0, 15.0, 22.0] {
            let mut image =
                Mat::new_rows_cols_with_default(300, 400, CV_8UC3, Scalar::new(60.0, 80.0, 90.0, 0.0))
                    .unwrap();
            let hip = (201.3, 148.7);
            paint(&mut image, hip, tilt, 70.0, dir, look);
            let (asis, psis) = finder
                .find(&image, hip, 80.0)
                .unwrap()
                .unwrap_or_else(|| panic!("{look:?}: stickers not found"));
            let measured = marker_tilt_deg(asis, psis, dir);
            assert!(
                (measured - tilt).abs() <= 1.0,
                "dir {dir}, {look:?}: {measured:.2}° for {tilt}°"
            );
        }
    }
}

#[test]
fn marker_steps_report_the_change_from_standing() {
    let run = generate(&RunParams {
        duration_s: 8.0,
        noise_frac: 0.003,
        missing_frac: 0.0,
        swap_frames: 0.0,
        seed: 3,
        ..RunParams::default()
    });
    let out = tempfile::tempdir().unwrap();
    let mut config = AnalysisConfig::default();
    config.pelvis.markers = true;
    config.pelvis.standing_tilt_deg = Some(4.0);
    let mut stage = GaitStage::create(
        out.path(),
        &config,
        SessionFacts::new("synthetic runner", run.params.fps),
    )
    .unwrap();
    let running_tilt = 14.0;
    for (i, f) in run.frames.iter().enumerate() {
        let mut image = Mat::new_rows_cols_with_default(
            run.height,
            run.width,
            CV_8UC3,
            Scalar::new(60.0, 80.0, 90.0, 0.0),
        )
        .unwrap();
        let hip = (
            (f.clean[23][0] + f.clean[24][0]) as f64 / 2.0,
            (f.clean[23][1] + f.clean[24][1]) as f64 / 2.0,
        );
        paint(
            &mut image,
            hip,
            running_tilt,
            0.25 * run.truth.leg_length_px,
            run.params.direction,
            PLAIN,
        );
        let sample = run.pose_sample(i);
        stage.process(&sample, Some(&image)).unwrap();
    }
    let outputs = stage.finish(Default::default()).unwrap();
    let with_tilt: Vec<_> = outputs
        .steps
        .iter()
        .filter(|s| s.pelvic_tilt_deg.is_some())
        .collect();
    assert!(with_tilt.len() >= 15, "{} steps with a tilt", with_tilt.len());
    for s in with_tilt {
        let tilt = s.pelvic_tilt_deg.unwrap();
        assert!(
            (tilt - (running_tilt - 4.0)).abs() <= 1.0,
            "step {}: {tilt:.2}°",
            s.step
        );
        assert_eq!(
            s.pelvic_tilt_source,
            Some(gaitcue::analysis::pelvis::SOURCE_MARKERS)
        );
    }
}

#[test]
fn calibrate_reads_stickers_painted_on_real_footage() {
    // Paint stickers at 9° on the walker's hips in demo frames 90..150, encode, then calibrate.
    let dir = tempfile::tempdir().unwrap();
    let clip_path = dir.path().join("stickers.mp4");
    let config = PoseConfig {
        runner_zone: common::DEMO_ZONE,
        ..common::pose_config()
    };
    let mut source = SourceSpec::File(common::data("demo.mp4")).open().unwrap();
    let mut pose = BlazePose::new(&config).unwrap();
    let (w, h) = source.frame_size();
    let mut clip = ClipWriter::create(&clip_path, 30.0, w, h).unwrap();
    let mut painted = 0;
    while let Some(mut frame) = source.next_frame().unwrap() {
        let found = pose.estimate(&frame.image).unwrap();
        if !(90..150).contains(&frame.id) {
            continue;
        }
        if let Some(p) = found {
            let hip = (
                (p.keypoints[23].x + p.keypoints[24].x) as f64 / 2.0,
                (p.keypoints[23].y + p.keypoints[24].y) as f64 / 2.0,
            );
            // She walks toward image left.
            paint(&mut frame.image, hip, 9.0, 44.0, -1.0, PLAIN);
            painted += 1;
        }
        clip.write(&frame.image).unwrap();
    }
    clip.finish().unwrap();
    assert!(painted >= 50);
    let result = common::gaitcue(&["calibrate", clip_path.to_str().unwrap(), "--zone", "0,0.45,1,1"]);
    let text = String::from_utf8_lossy(&result.stdout).into_owned();
    assert!(result.status.success(), "{}", common::stderr(&result));
    let value: f64 = text
        .split("standing pelvic tilt: ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no tilt in: {text}"));
    assert!(
        (value - 9.0).abs() <= 1.0,
        "calibrated {value}° for stickers at 9°: {text}"
    );
}

#[test]
fn stickers_outside_the_window_or_too_small_are_not_found() {
    let mut image = Mat::new_rows_cols_with_default(200, 300, CV_8UC3, Scalar::all(90.0)).unwrap();
    paint(&mut image, (145.0, 100.0), 5.0, 50.0, 1.0, PLAIN);
    assert!(finder().find(&image, (145.0, 100.0), 60.0).unwrap().is_some());
    assert!(finder().find(&image, (20.0, 20.0), 30.0).unwrap().is_none());
    // Specks of the stickers' colours (a pixel or two) are noise, not stickers.
    let mut specks = Mat::new_rows_cols_with_default(200, 300, CV_8UC3, Scalar::all(90.0)).unwrap();
    render_sticker(
        &mut specks,
        (120.0, 96.0),
        1,
        MAGENTA_SEEN,
        Look { blur: 0, ..PLAIN },
    );
    render_sticker(
        &mut specks,
        (170.0, 104.0),
        1,
        CYAN_SEEN,
        Look { blur: 0, ..PLAIN },
    );
    assert!(finder().find(&specks, (145.0, 100.0), 60.0).unwrap().is_none());
}

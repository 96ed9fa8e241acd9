//! Marker-mode pelvic tilt: stickers rendered at known angles are measured within 1°, the
//! standing calibration is subtracted, and `gaitcue calibrate` reads stickers painted on
//! real footage through a real encode and decode.

use crate::common;
use crate::synthetic;

use gaitcue::analysis::pelvis::{
    draw_sticker, marker_tilt_deg, MarkerFinder, PelvisConfig, ASIS_BGR, PSIS_BGR,
};
use gaitcue::analysis::AnalysisConfig;
use gaitcue::app::gait_stage::GaitStage;
use gaitcue::capture::SourceSpec;
use gaitcue::config::PoseConfig;
use gaitcue::pose::blazepose::BlazePose;
use gaitcue::pose::PoseEstimator;
use gaitcue::record::clip::ClipWriter;
use opencv::core::{Mat, Scalar, CV_8UC3};
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

fn paint(image: &mut Mat, hip: (f64, f64), tilt_deg: f64, spread: f64, dir: f64) {
    let (asis, psis) = sticker_points(hip, tilt_deg, spread, dir);
    draw_sticker(image, asis, 6, ASIS_BGR).unwrap();
    draw_sticker(image, psis, 6, PSIS_BGR).unwrap();
}

#[test]
fn rendered_stickers_give_the_tilt_within_one_degree() {
    let mut finder = MarkerFinder::new(PelvisConfig::default());
    for dir in [1.0, -1.0] {
        for tilt in [-12.0, -5.0, 0.0, 3.5, 8.0, 15.0, 22.0] {
            let mut image =
                Mat::new_rows_cols_with_default(300, 400, CV_8UC3, Scalar::new(60.0, 80.0, 90.0, 0.0))
                    .unwrap();
            let hip = (201.3, 148.7);
            paint(&mut image, hip, tilt, 70.0, dir);
            let (asis, psis) = finder.find(&image, hip, 80.0).unwrap().expect("both stickers");
            let measured = marker_tilt_deg(asis, psis, dir);
            assert!(
                (measured - tilt).abs() <= 1.0,
                "dir {dir}: {measured:.2}° for {tilt}°"
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
    let mut stage = GaitStage::create(out.path(), &config, serde_json::json!({})).unwrap();
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
        );
        let sample = run.pose_sample(i);
        stage.process(&sample, Some(&image)).unwrap();
    }
    let outputs = stage.finish(serde_json::json!({})).unwrap();
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
            paint(&mut frame.image, hip, 9.0, 44.0, -1.0);
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

//! Report stills on real footage with bystanders (the demo): cut from the source video,
//! faces blurred first and nothing blurred on the runner's body, then the skeleton and the
//! contact overlay (plumb line from the hips, contact point, angle labels) drawn on top.

use base64::Engine;
use indicatif::ProgressBar;
use opencv::core::{Mat, Rect, Vector};
use opencv::imgcodecs;
use opencv::prelude::*;

use crate::common::{data, gaitcue, pose_config, stderr};
use gaitcue::analysis::Side;
use gaitcue::privacy::{body_box, head_box, FaceBlur};
use gaitcue::report::media::{self, Cuts, StepMark};

fn decode(data_url: &str) -> Mat {
    let b64 = data_url.split_once("base64,").unwrap().1;
    let bytes = base64::engine::general_purpose::STANDARD.decode(b64).unwrap();
    imgcodecs::imdecode(&Vector::<u8>::from_slice(&bytes), imgcodecs::IMREAD_COLOR).unwrap()
}

/// Whether pixel (x, y) differs between two stills by more than JPEG noise.
fn differs(a: &Mat, b: &Mat, x: i32, y: i32) -> bool {
    let (p, q) = (
        a.at_2d::<opencv::core::Vec3b>(y, x).unwrap(),
        b.at_2d::<opencv::core::Vec3b>(y, x).unwrap(),
    );
    (0..3)
        .map(|c| (i32::from(p[c]) - i32::from(q[c])).abs())
        .max()
        .unwrap()
        > 40
}

#[test]
fn stills_are_blurred_off_the_body_then_drawn_with_the_plumb_line_and_angles() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("session");
    let done = gaitcue(&[
        "analyze",
        data("demo.mp4").to_str().unwrap(),
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(done.status.success(), "{}", stderr(&done));
    let mut reader = csv::Reader::from_path(out.join("steps.csv")).unwrap();
    let header = reader.headers().unwrap().clone();
    let col = |n: &str| header.iter().position(|h| h == n).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    let frames: Vec<u64> = rows.iter().map(|r| r[col("ic_frame")].parse().unwrap()).collect();
    let keypoints = media::keypoints_for(&out.join("keypoints.jsonl"), &frames).unwrap();
    let (w, h) = keypoints.size.unwrap();
    let mut checked = 0;
    for (r, &frame) in rows.iter().zip(&frames) {
        let (Some(k), Ok(overstride)) = (
            keypoints.by_frame.get(&frame),
            r[col("overstride_ratio")].parse::<f64>(),
        ) else {
            continue;
        };
        let mark = StepMark {
            side: if &r[col("side")] == "right" {
                Side::Right
            } else {
                Side::Left
            },
            dir: if &r[col("facing")] == "left" { -1.0 } else { 1.0 },
            forefoot: false,
            overstride_ratio: Some(overstride),
            overstride_cm: None,
            shank_deg: r[col("shank_angle_ic_deg")].parse().ok(),
            knee_deg: r[col("knee_flexion_ic_deg")].parse().ok(),
            counted: &r[col("valid")] != "false",
        };
        let still = |marks: bool, blur: bool, clean: bool| -> Mat {
            let cuts = Cuts {
                stills: vec![frame],
                marks: if marks {
                    [(frame, mark)].into_iter().collect()
                } else {
                    Default::default()
                },
                ..Cuts::at(30.0)
            };
            let mut b = FaceBlur::new(&pose_config());
            let got = media::cut(
                &data("demo.mp4"),
                &cuts,
                &keypoints,
                blur.then_some(&mut b),
                clean,
                &ProgressBar::hidden(),
            )
            .unwrap();
            decode(&got[&frame])
        };
        let (drawn, blurred, untouched) = (
            still(true, true, true),
            still(false, true, false),
            still(false, false, false),
        );
        if let Some(dir) = std::env::var_os("GAITCUE_STILLS_TO") {
            for (name, m) in [
                ("drawn", &drawn),
                ("blurred", &blurred),
                ("untouched", &untouched),
            ] {
                let p = std::path::Path::new(&dir).join(format!("{frame}-{name}.png"));
                imgcodecs::imwrite_def(p.to_str().unwrap(), m).unwrap();
            }
        }
        // Still coordinates: the crop around the runner, scaled to the still.
        let crop = media::still_region(k, w, h);
        let scale = f64::from(drawn.cols()) / f64::from(crop.width);
        let to_still = |x: f32, y: f32| {
            (
                ((f64::from(x) - f64::from(crop.x)) * scale) as i32,
                ((f64::from(y) - f64::from(crop.y)) * scale) as i32,
            )
        };

        // 1. The blur touched nothing of the runner's body (shoulders to feet, below their
        // own blurred face).
        let mut body = body_box(k, w, h).unwrap();
        if let Some(head) = head_box(k, w, h) {
            let bottom = body.y + body.height;
            body.y = body.y.max(head.y + head.height);
            body.height = bottom - body.y;
        }
        let (bx0, by0) = to_still(body.x as f32, body.y as f32);
        let (bx1, by1) = to_still((body.x + body.width) as f32, (body.y + body.height) as f32);
        let inner = Rect::new(bx0 + 3, by0 + 3, (bx1 - bx0 - 6).max(1), (by1 - by0 - 6).max(1));
        let inside = (inner.y..inner.y + inner.height)
            .flat_map(|y| (inner.x..inner.x + inner.width).map(move |x| (x, y)))
            .filter(|(x, y)| *x >= 0 && *y >= 0 && *x < drawn.cols() && *y < drawn.rows());
        let (mut n, mut changed) = (0, 0);
        for (x, y) in inside {
            n += 1;
            changed += usize::from(differs(&blurred, &untouched, x, y));
        }
        assert!(
            (changed as f64) < 0.01 * n as f64,
            "frame {frame}: {changed} of {n} pixels of the runner's body were blurred"
        );

        // 2. The plumb line: down from the hips to the contact, drawn on the still.
        let hip = ((k[23].x + k[24].x) / 2.0, (k[23].y + k[24].y) / 2.0);
        let heel = if mark.side == Side::Left { k[29] } else { k[30] };
        let (px, py0) = to_still(hip.0, hip.1);
        let (_, py1) = to_still(heel.x, heel.y);
        let rows_marked = (py0 + 5..py1 - 5)
            .filter(|y| (px - 3..=px + 3).any(|x| differs(&drawn, &blurred, x, *y)))
            .count();
        assert!(
            rows_marked as f64 >= 0.45 * f64::from(py1 - py0 - 10),
            "frame {frame}: the plumb line marks {rows_marked} of {} rows",
            py1 - py0 - 10
        );

        // 3. The labels (overstride, shank and knee angles) on their dark bands.
        let dark = |m: &Mat| {
            (0..m.rows())
                .flat_map(|y| (0..m.cols()).map(move |x| (x, y)))
                .filter(|(x, y)| {
                    let p = m.at_2d::<opencv::core::Vec3b>(*y, *x).unwrap();
                    p[0] < 35 && p[1] < 35 && p[2] < 35
                })
                .count()
        };
        let labels = dark(&drawn).saturating_sub(dark(&blurred));
        let expected = if mark.shank_deg.is_some() && mark.knee_deg.is_some() {
            3
        } else {
            1
        };
        assert!(labels > expected * 400, "frame {frame}: {labels} label pixels");
        checked += 1;
    }
    assert!(checked >= 4, "{checked} steps checked");
}

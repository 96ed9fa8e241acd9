//! Faces blurred in everything exported (stills, clips): the runner's from their face
//! keypoints, anyone else's (a clinician, another patient) from the person detector,
//! whose box covers a person's head and shoulders.

use anyhow::Result;
use opencv::core::{Mat, Rect, Size};
use opencv::imgproc;
use opencv::prelude::*;

use crate::config::PoseConfig;
use crate::pose::detector::PersonDetector;
use crate::pose::{runtime, Keypoint};
use crate::timing::StageTimes;

/// Bystanders are detected with a low bar: blurring a non-face costs little.
const BYSTANDER_MIN_SCORE: f32 = 0.3;

/// Face keypoints: nose, eyes, ears, mouth (BlazePose 0..=10).
const FACE: std::ops::RangeInclusive<usize> = 0..=10;
/// The blurred box is this much larger than the face points' extent (hair, chin).
const MARGIN: f64 = 0.9;

/// The head region of a pose, in image pixels, clipped to the image.
pub fn head_box(keypoints: &[Keypoint], width: i32, height: i32) -> Option<Rect> {
    let pts: Vec<(f64, f64)> = keypoints[FACE].iter().map(|k| (k.x as f64, k.y as f64)).collect();
    let (x0, x1) = pts
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.0), b.max(p.0)));
    let (y0, y1) = pts
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.1), b.max(p.1)));
    // A side view squeezes the face points together: size the box by the larger extent.
    let side = (x1 - x0).max(y1 - y0).max(8.0) * (1.0 + 2.0 * MARGIN);
    let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
    let left = ((cx - side / 2.0).floor() as i32).clamp(0, width);
    let top = ((cy - side / 2.0).floor() as i32).clamp(0, height);
    let right = ((cx + side / 2.0).ceil() as i32).clamp(0, width);
    let bottom = ((cy + side / 2.0).ceil() as i32).clamp(0, height);
    (right - left >= 2 && bottom - top >= 2).then(|| Rect::new(left, top, right - left, bottom - top))
}

/// Blurs the head region of `image` in place; the rest of the frame is untouched.
pub fn blur_face(image: &mut Mat, keypoints: &[Keypoint]) -> Result<()> {
    match head_box(keypoints, image.cols(), image.rows()) {
        Some(r) => blur_rect(image, r),
        None => Ok(()),
    }
}

/// The face part of a detector box: its upper middle (the box spans head and shoulders).
fn face_of_detection(bbox: [f32; 4], width: i32, height: i32) -> Option<Rect> {
    let (w, h) = (bbox[2] - bbox[0], bbox[3] - bbox[1]);
    let left = ((bbox[0] + 0.2 * w) as i32).clamp(0, width);
    let right = ((bbox[2] - 0.2 * w) as i32).clamp(0, width);
    let top = (bbox[1] as i32).clamp(0, height);
    let bottom = ((bbox[1] + 0.6 * h) as i32).clamp(0, height);
    (right - left >= 2 && bottom - top >= 2).then(|| Rect::new(left, top, right - left, bottom - top))
}

/// Blurs every face in frames before they leave the session: the runner's and bystanders'.
pub struct FaceBlur {
    detector: PersonDetector,
    times: StageTimes,
}

impl FaceBlur {
    pub fn new(pose: &PoseConfig) -> Result<Self> {
        let env = runtime::environment(&pose.runtime_library)?;
        let detector = PersonDetector::new(
            &env,
            &pose.models_dir.join("pose_detection.onnx"),
            pose.threads,
            BYSTANDER_MIN_SCORE,
        )?;
        Ok(Self {
            detector,
            times: StageTimes::default(),
        })
    }

    /// Blurs the runner's face (from `runner`'s keypoints) and every other person's.
    pub fn apply(&mut self, image: &mut Mat, runner: Option<&[Keypoint]>) -> Result<()> {
        if let Some(k) = runner {
            blur_face(image, k)?;
        }
        let nose = runner.map(|k| (k[0].x, k[0].y));
        for person in self.detector.detect(image, &mut self.times)? {
            let b = person.bbox;
            let is_runner = nose.is_some_and(|(x, y)| x >= b[0] && x <= b[2] && y >= b[1] && y <= b[3]);
            if !is_runner {
                if let Some(r) = face_of_detection(b, image.cols(), image.rows()) {
                    blur_rect(image, r)?;
                }
            }
        }
        Ok(())
    }
}

fn blur_rect(image: &mut Mat, r: Rect) -> Result<()> {
    let region = Mat::roi(image, r)?.try_clone()?;
    let mut blurred = Mat::default();
    // A kernel as large as the box, applied twice: identity is gone, the outline remains.
    let k = (r.width.min(r.height) | 1).max(3);
    let sigma = k as f64 / 3.0;
    let mut once = Mat::default();
    imgproc::gaussian_blur(
        &region,
        &mut once,
        Size::new(k, k),
        sigma,
        sigma,
        opencv::core::BORDER_REPLICATE,
    )?;
    imgproc::gaussian_blur(
        &once,
        &mut blurred,
        Size::new(k, k),
        sigma,
        sigma,
        opencv::core::BORDER_REPLICATE,
    )?;
    let mut target = Mat::roi_mut(image, r)?;
    blurred.copy_to(&mut target)?;
    Ok(())
}

//! Faces blurred in everything exported (stills, clips): the runner's from their face
//! keypoints, anyone else's (a clinician, another patient) from the person detector,
//! whose box covers a person's head and shoulders.

use anyhow::Result;
use opencv::core::{Mat, Rect, Size};
use opencv::imgproc;
use opencv::prelude::*;

use crate::pose::config::PoseConfig;
use crate::pose::detector::PersonDetector;
use crate::pose::{keypoints, runtime, Keypoint};
use crate::timing::StageTimes;

use super::sightings::{grow, Sightings};

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

/// The runner's body below the face: from the shoulders down to the lowest foot point,
/// across every body keypoint (BlazePose 11..=32).
pub fn body_box(keypoints: &[Keypoint], width: i32, height: i32) -> Option<Rect> {
    let (x0, y0, x1, y1) = keypoints::bounds(keypoints.get(11..=32)?)?;
    let left = (x0.floor() as i32).clamp(0, width);
    let top = (y0.floor() as i32).clamp(0, height);
    let right = (x1.ceil() as i32).clamp(0, width);
    let bottom = (y1.ceil() as i32).clamp(0, height);
    (right > left && bottom > top).then(|| Rect::new(left, top, right - left, bottom - top))
}

/// Blurs the head region of `image` in place; the rest of the frame is untouched.
pub fn blur_face(image: &mut Mat, keypoints: &[Keypoint]) -> Result<()> {
    match head_box(keypoints, image.cols(), image.rows()) {
        Some(r) => blur_rect(image, r),
        None => Ok(()),
    }
}

/// The face part of a detector box: its upper middle (the box spans head and shoulders).
pub fn face_of_detection(bbox: [f32; 4], width: i32, height: i32) -> Option<Rect> {
    let (w, h) = (bbox[2] - bbox[0], bbox[3] - bbox[1]);
    let left = ((bbox[0] + 0.2 * w) as i32).clamp(0, width);
    let right = ((bbox[2] - 0.2 * w) as i32).clamp(0, width);
    let top = (bbox[1] as i32).clamp(0, height);
    let bottom = ((bbox[1] + 0.6 * h) as i32).clamp(0, height);
    (right - left >= 2 && bottom - top >= 2).then(|| Rect::new(left, top, right - left, bottom - top))
}

/// Sessions without the pose stage's looks around (older ones, replays of other tools'
/// keypoints): the person detector runs on one exported frame in this many, and between
/// runs the faces it found are held (a bystander moves little in a fifth of a second).
const DETECT_EVERY: u64 = 6;
/// A face the detector stops finding stays blurred this many frames (missed detections,
/// a turned head), unless a detection overlapping it replaces it first.
const HOLD_FRAMES: u64 = 45;
/// Held boxes grow by this share each way, for movement between detections.
const HOLD_GROW: f64 = 0.35;
/// A blurred region is reduced to this many cells across its longer side before it is
/// smoothed and scaled back: the cost no longer grows with the box, and no face survives.
const BLUR_CELLS: i32 = 10;

/// A bystander's face, as last found by the detector.
#[derive(Debug, Clone, Copy)]
struct HeldFace {
    rect: Rect,
    seen_at: u64,
}

/// Blurs every face in frames before they leave the session: the runner's and bystanders'.
pub struct FaceBlur {
    pose: PoseConfig,
    /// Bystanders from the session's looks around; without them, the detector.
    sightings: Option<Sightings>,
    detector: Option<PersonDetector>,
    times: StageTimes,
    held: Vec<HeldFace>,
    last_detection: Option<u64>,
    last_frame: Option<u64>,
}

impl FaceBlur {
    /// The detector is loaded only if it is needed (a session without looks around).
    pub fn new(pose: &PoseConfig) -> Self {
        Self {
            pose: pose.clone(),
            sightings: None,
            detector: None,
            times: StageTimes::default(),
            held: Vec::new(),
            last_detection: None,
            last_frame: None,
        }
    }

    /// Bystanders' faces come from `sightings` (the pose stage's looks around) instead of
    /// running the detector here.
    /// Called once per video: what was held from another video is dropped.
    pub fn use_sightings(&mut self, sightings: Sightings) {
        self.sightings = (!sightings.is_empty()).then_some(sightings);
        self.held.clear();
        self.last_detection = None;
        self.last_frame = None;
    }

    /// Blurs the runner's face (from `runner`'s keypoints) and every other person's, in
    /// frame `index` of the video (indices must rise from call to call).
    pub fn apply(&mut self, image: &mut Mat, index: u64, runner: Option<&[Keypoint]>) -> Result<()> {
        if let Some(k) = runner {
            blur_face(image, k)?;
        }
        // Never blur over the runner's body or below their hips: their face is blurred from
        // their keypoints, a box held from before they were found would hide the legs being
        // measured, and no bystander's face is lower than a runner's hips (the detector's
        // weak false finds in the grass or on the belt are).
        let body = runner.and_then(|k| body_box(k, image.cols(), image.rows()));
        let hips_y = runner.map(|k| (k[23].y + k[24].y) / 2.0);
        let outside_body = |r: &Rect| {
            let c = opencv::core::Point::new(r.x + r.width / 2, r.y + r.height / 2);
            !body.is_some_and(|b| b.contains(c)) && !hips_y.is_some_and(|y| c.y as f32 > y)
        };
        // A bystander's box, held and grown, may still reach over the runner: the runner's
        // body (shoulders to feet) is put back as it was after the bystanders are blurred.
        let kept = match body {
            Some(b) => Some((b, Mat::roi(image, b)?.try_clone()?)),
            None => None,
        };
        self.blur_bystanders(image, index, runner, &outside_body)?;
        if let Some((b, original)) = kept {
            original.copy_to(&mut Mat::roi_mut(image, b)?)?;
        }
        Ok(())
    }

    /// Blurs everyone else's face whose box passes `keep`.
    fn blur_bystanders(
        &mut self,
        image: &mut Mat,
        index: u64,
        runner: Option<&[Keypoint]>,
        outside_body: &dyn Fn(&Rect) -> bool,
    ) -> Result<()> {
        if let Some(s) = &self.sightings {
            for r in s.faces_at(index).iter().filter(|r| outside_body(r)) {
                blur_rect(image, *r)?;
            }
            return Ok(());
        }
        let contiguous = self.last_frame.is_some_and(|f| index == f + 1);
        self.last_frame = Some(index);
        let due = !contiguous || self.last_detection.is_none_or(|d| index >= d + DETECT_EVERY);
        if due {
            self.detect(image, index, runner)?;
        }
        self.held.retain(|h| index <= h.seen_at + HOLD_FRAMES);
        for h in &self.held {
            let r = if h.seen_at == index {
                h.rect
            } else {
                grow(h.rect, HOLD_GROW, image.cols(), image.rows())
            };
            if outside_body(&r) {
                blur_rect(image, r)?;
            }
        }
        Ok(())
    }

    fn detector(&mut self) -> Result<&mut PersonDetector> {
        if self.detector.is_none() {
            let env = runtime::environment(&self.pose.runtime_library)?;
            self.detector = Some(PersonDetector::new(
                &env,
                &self.pose.models_dir.join("pose_detection.onnx"),
                // One thread: the clips' encoder runs beside it on the other core.
                1,
                BYSTANDER_MIN_SCORE,
            )?);
        }
        self.detector
            .as_mut()
            .ok_or_else(|| anyhow::anyhow!("the person detector could not be loaded"))
    }

    fn detect(&mut self, image: &Mat, index: u64, runner: Option<&[Keypoint]>) -> Result<()> {
        self.last_detection = Some(index);
        let nose = runner.map(|k| (k[0].x, k[0].y));
        let mut times = std::mem::take(&mut self.times);
        let people = self.detector()?.detect(image, &mut times);
        self.times = times;
        let found: Vec<Rect> = people?
            .into_iter()
            .filter(|p| {
                let b = p.bbox;
                !nose.is_some_and(|(x, y)| x >= b[0] && x <= b[2] && y >= b[1] && y <= b[3])
            })
            .filter_map(|p| face_of_detection(p.bbox, image.cols(), image.rows()))
            .collect();
        // A face found again replaces its held box; one not found is kept a while.
        self.held.retain(|h| !found.iter().any(|f| overlaps(*f, h.rect)));
        self.held
            .extend(found.into_iter().map(|rect| HeldFace { rect, seen_at: index }));
        Ok(())
    }
}

fn overlaps(a: Rect, b: Rect) -> bool {
    a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height
}

/// Replaces `r` with a smooth blob of its own colours: reduced to [`BLUR_CELLS`] across,
/// smoothed, and scaled back, so the cost hardly depends on the box's size.
pub fn blur_rect(image: &mut Mat, r: Rect) -> Result<()> {
    if r.width < 2 || r.height < 2 {
        return Ok(());
    }
    let region = Mat::roi(image, r)?;
    let long = r.width.max(r.height) as f64;
    let cells = Size::new(
        ((r.width as f64 * BLUR_CELLS as f64 / long).round() as i32).max(2),
        ((r.height as f64 * BLUR_CELLS as f64 / long).round() as i32).max(2),
    );
    let mut small = Mat::default();
    imgproc::resize(&region, &mut small, cells, 0.0, 0.0, imgproc::INTER_AREA)?;
    let mut smooth = Mat::default();
    imgproc::gaussian_blur(
        &small,
        &mut smooth,
        Size::new(3, 3),
        0.0,
        0.0,
        opencv::core::BORDER_REPLICATE,
    )?;
    let mut back = Mat::default();
    imgproc::resize(&smooth, &mut back, r.size(), 0.0, 0.0, imgproc::INTER_LINEAR)?;
    let mut target = Mat::roi_mut(image, r)?;
    back.copy_to(&mut target)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use opencv::core::{Scalar, CV_8UC3};

    /// A striped test card: fine detail that a blur must remove.
    fn stripes(w: i32, h: i32) -> Mat {
        let mut m = Mat::new_rows_cols_with_default(h, w, CV_8UC3, Scalar::all(0.0)).unwrap();
        for y in 0..h {
            for x in (0..w).step_by(4) {
                *m.at_2d_mut::<opencv::core::Vec3b>(y, x).unwrap() = [255, 255, 255].into();
            }
        }
        m
    }

    /// Largest difference between horizontally adjacent pixels inside `r`.
    fn detail(m: &Mat, r: Rect) -> i32 {
        let mut worst = 0;
        for y in r.y..r.y + r.height {
            for x in r.x..r.x + r.width - 1 {
                let a = m.at_2d::<opencv::core::Vec3b>(y, x).unwrap()[0] as i32;
                let b = m.at_2d::<opencv::core::Vec3b>(y, x + 1).unwrap()[0] as i32;
                worst = worst.max((a - b).abs());
            }
        }
        worst
    }

    #[test]
    fn blurring_removes_detail_inside_the_box_only() {
        for side in [12, 60, 400] {
            let mut m = stripes(600, 500);
            let r = Rect::new(50, 40, side, side);
            blur_rect(&mut m, r).unwrap();
            assert!(detail(&m, r) < 80, "box {side}: detail {} left", detail(&m, r));
            let outside = Rect::new(480, 440, 100, 40);
            assert_eq!(detail(&m, outside), 255, "pixels outside the box changed");
        }
    }

    #[test]
    fn held_boxes_grow_and_stay_in_the_image() {
        use super::super::sightings::grow;
        let r = grow(Rect::new(0, 10, 40, 20), 0.25, 45, 100);
        assert_eq!(r, Rect::new(0, 5, 45, 30));
        assert!(overlaps(Rect::new(0, 0, 10, 10), Rect::new(9, 9, 5, 5)));
        assert!(!overlaps(Rect::new(0, 0, 10, 10), Rect::new(10, 0, 5, 5)));
    }
}

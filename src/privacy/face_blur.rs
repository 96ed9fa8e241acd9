//! Every face blurred in frames before they leave the session: the runner's from their
//! keypoints, bystanders' from the pose stage's looks around or, without them, from the
//! person detector run here.

use anyhow::Result;
use opencv::core::{Mat, Rect};
use opencv::prelude::*;

use crate::pose::config::PoseConfig;
use crate::pose::detector::PersonDetector;
use crate::pose::{runtime, Keypoint};
use crate::timing::StageTimes;

use super::blur::{blur_face, blur_rect};
use super::regions::{body_box, face_of_detection, grow, overlaps};
use super::sightings::Sightings;

/// Bystanders are detected with a low bar: blurring a non-face costs little.
const BYSTANDER_MIN_SCORE: f32 = 0.3;

/// Sessions without the pose stage's looks around (older ones, replays of other tools'
/// keypoints): the person detector runs on one exported frame every this many seconds,
/// and between runs the faces it found are held (a bystander moves little in a fifth of a
/// second).
const DETECT_EVERY_S: f64 = 0.2;
/// A face the detector stops finding stays blurred this long, in seconds (missed
/// detections, a turned head), unless a detection overlapping it replaces it first.
const HOLD_S: f64 = 1.5;
/// The frame rate assumed until [`FaceBlur::use_sightings`] gives the video's.
const DEFAULT_FPS: f64 = 30.0;
/// Held boxes grow by this share each way, for movement between detections.
const HOLD_GROW: f64 = 0.35;
/// Whole frames in `seconds` at `fps` (at least one).
fn frames_in(seconds: f64, fps: f64) -> u64 {
    ((seconds * fps).round() as u64).max(1)
}

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
    /// Frames between detector runs, and frames a face is held, at the video's rate.
    detect_every: u64,
    hold_frames: u64,
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
            detect_every: frames_in(DETECT_EVERY_S, DEFAULT_FPS),
            hold_frames: frames_in(HOLD_S, DEFAULT_FPS),
        }
    }

    /// Bystanders' faces come from `sightings` (the pose stage's looks around) instead of
    /// running the detector here; the video's frames come at `fps`.
    /// Called once per video: what was held from another video is dropped.
    pub fn use_sightings(&mut self, sightings: Sightings, fps: f64) {
        let fps = if fps.is_finite() && fps > 0.0 {
            fps
        } else {
            DEFAULT_FPS
        };
        self.detect_every = frames_in(DETECT_EVERY_S, fps);
        self.hold_frames = frames_in(HOLD_S, fps);
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
        let due = !contiguous || self.last_detection.is_none_or(|d| index >= d + self.detect_every);
        if due {
            self.detect(image, index, runner)?;
        }
        let hold = self.hold_frames;
        self.held.retain(|h| index <= h.seen_at + hold);
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

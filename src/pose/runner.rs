//! Choosing the runner once and keeping them.
//!
//! **Choosing.** A person becomes the session's runner only if they look like one: seen
//! from the side (hips and shoulders close together across the picture), upright, with
//! the whole leg down to the heel and toe in view. Of those, the lowest (feet nearest the
//! floor, nearest the camera: the one on the treadmill) is chosen. Someone facing the
//! camera — a clinician talking to the runner, the demo's man on the box — is not chosen.
//!
//! **Keeping.** The chosen runner's signature is their body size (leg length in pixels,
//! which does not change with knee bend because it is the sum of the thigh and the shank),
//! where their feet meet the floor (the belt line), where their hips are, and what they
//! wear (a colour histogram of the trunk and thighs). A pose that breaks it while tracking
//! (someone walking in front took over the crop) makes the runner *lost*; a person found
//! while the runner is lost is accepted only if they match it. Nobody else ever replaces
//! the runner: their frames count as lost time.

use anyhow::Result;
use opencv::core::{self, Mat, Rect, Vector};
use opencv::imgproc;
use opencv::prelude::*;

use super::{Keypoint, NUM_KEYPOINTS};

const LEFT_SHOULDER: usize = 11;
const RIGHT_SHOULDER: usize = 12;
const LEFT_HIP: usize = 23;
const RIGHT_HIP: usize = 24;
const LEFT_KNEE: usize = 25;
const RIGHT_KNEE: usize = 26;
const LEFT_ANKLE: usize = 27;
const RIGHT_ANKLE: usize = 28;
const FOOT: [usize; 6] = [27, 28, 29, 30, 31, 32];

/// Side-on: hips closer than this share of the leg length across the picture (hip width
/// is about a third of leg length, so a front view gives about 0.33)…
pub const MAX_HIP_SPREAD: f32 = 0.2;
/// …and shoulders closer than this (shoulders are wider than hips).
const MAX_SHOULDER_SPREAD: f32 = 0.3;
/// Upright: the trunk within this many degrees of the picture's vertical.
pub const MAX_LEAN_DEG: f32 = 35.0;
/// Whole leg in view: heels, ankles and toes at least this visible.
const MIN_FOOT_VISIBILITY: f32 = 0.5;

/// The same runner: leg length within this ratio of theirs (thigh plus shank varies by
/// about ±6 % from frame to frame on the demo)…
const SAME_LEG_RATIO: f32 = 1.15;
/// …feet within this many leg lengths of their belt line (±0.05 on the demo; someone a
/// step nearer the camera lands about 0.3 lower)…
const SAME_FOOT_LINE: f32 = 0.25;
/// …hips within this many leg lengths of where they were last seen, plus the distance a
/// walker covers while out of view (leg lengths per second)…
const SAME_PLACE: f32 = 1.0;
const SAME_PLACE_PER_S: f32 = 2.4;
/// …and clothes not clearly different (histogram correlation, 1 = the same colours).
const SAME_CLOTHES: f64 = 0.3;
/// From one tracked frame to the next the hips move less than this (leg lengths).
const MAX_STEP_BETWEEN_FRAMES: f32 = 0.5;
/// How quickly the signature follows slow changes (camera drift, the runner moving back
/// on the belt): the share of each new frame.
const FOLLOW: f32 = 0.05;

/// A body's measures, in image pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Body {
    /// Thigh plus shank, the mean of both legs.
    pub leg: f32,
    /// The lowest foot point's height in the image.
    pub foot_y: f32,
    pub hip: (f32, f32),
    /// Hips and shoulders apart across the picture, in leg lengths.
    pub hip_spread: f32,
    pub shoulder_spread: f32,
    /// Trunk from the picture's vertical, degrees.
    pub lean_deg: f32,
    /// The near foot's least visible point (heel, ankle, toe), on the better side.
    pub foot_visibility: f32,
}

impl Body {
    pub fn of(k: &[Keypoint; NUM_KEYPOINTS]) -> Option<Body> {
        let dist = |a: usize, b: usize| (k[a].x - k[b].x).hypot(k[a].y - k[b].y);
        let leg = (dist(LEFT_HIP, LEFT_KNEE)
            + dist(LEFT_KNEE, LEFT_ANKLE)
            + dist(RIGHT_HIP, RIGHT_KNEE)
            + dist(RIGHT_KNEE, RIGHT_ANKLE))
            / 2.0;
        if !(leg.is_finite() && leg > 4.0) {
            return None;
        }
        let mid = |a: usize, b: usize| ((k[a].x + k[b].x) / 2.0, (k[a].y + k[b].y) / 2.0);
        let hip = mid(LEFT_HIP, RIGHT_HIP);
        let shoulders = mid(LEFT_SHOULDER, RIGHT_SHOULDER);
        Some(Body {
            leg,
            foot_y: FOOT.iter().map(|i| k[*i].y).fold(f32::MIN, f32::max),
            hip,
            hip_spread: (k[LEFT_HIP].x - k[RIGHT_HIP].x).abs() / leg,
            shoulder_spread: (k[LEFT_SHOULDER].x - k[RIGHT_SHOULDER].x).abs() / leg,
            lean_deg: (shoulders.0 - hip.0).atan2(hip.1 - shoulders.1).to_degrees(),
            // The near foot is enough: the far one is often hidden behind the near leg.
            foot_visibility: [[27, 29, 31], [28, 30, 32]]
                .iter()
                .map(|side| side.iter().map(|i| k[*i].visibility).fold(f32::MAX, f32::min))
                .fold(f32::MIN, f32::max),
        })
    }

    /// Why this body is not one to choose as the runner, if it is not.
    pub fn not_a_runner(&self) -> Option<&'static str> {
        if self.hip_spread > MAX_HIP_SPREAD || self.shoulder_spread > MAX_SHOULDER_SPREAD {
            Some("not side-on")
        } else if self.lean_deg.abs() > MAX_LEAN_DEG {
            Some("not upright")
        } else if self.foot_visibility < MIN_FOOT_VISIBILITY {
            Some("feet not in view")
        } else {
            None
        }
    }
}

/// What the trunk and thighs wear: a hue–saturation histogram of the box from the
/// shoulders to the knees, normalised.
pub fn clothes(image: &Mat, k: &[Keypoint; NUM_KEYPOINTS]) -> Result<Option<Mat>> {
    let pts = [
        LEFT_SHOULDER,
        RIGHT_SHOULDER,
        LEFT_HIP,
        RIGHT_HIP,
        LEFT_KNEE,
        RIGHT_KNEE,
    ];
    let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    for i in pts {
        (x0, y0, x1, y1) = (x0.min(k[i].x), y0.min(k[i].y), x1.max(k[i].x), y1.max(k[i].y));
    }
    // A side view makes the box narrow: widen it to a third of its height.
    let pad = ((y1 - y0) / 6.0 - (x1 - x0) / 2.0).max(0.0);
    let r = Rect::new(
        ((x0 - pad).floor() as i32).clamp(0, image.cols()),
        (y0.floor() as i32).clamp(0, image.rows()),
        0,
        0,
    );
    let right = ((x1 + pad).ceil() as i32).clamp(0, image.cols());
    let bottom = (y1.ceil() as i32).clamp(0, image.rows());
    let r = Rect::new(r.x, r.y, right - r.x, bottom - r.y);
    if r.width < 4 || r.height < 4 {
        return Ok(None);
    }
    let mut hsv = Mat::default();
    imgproc::cvt_color_def(&Mat::roi(image, r)?, &mut hsv, imgproc::COLOR_BGR2HSV)?;
    let mut images = Vector::<Mat>::new();
    images.push(hsv);
    let mut hist = Mat::default();
    imgproc::calc_hist(
        &images,
        &Vector::from_slice(&[0, 1]),
        &core::no_array(),
        &mut hist,
        &Vector::from_slice(&[16, 8]),
        &Vector::from_slice(&[0.0f32, 180.0, 0.0, 256.0]),
        false,
    )?;
    let mut normalised = Mat::default();
    core::normalize(
        &hist,
        &mut normalised,
        1.0,
        0.0,
        core::NORM_L1,
        -1,
        &core::no_array(),
    )?;
    Ok(Some(normalised))
}

/// The chosen runner's signature.
#[derive(Debug, Clone)]
pub struct RunnerIdentity {
    pub leg: f32,
    pub foot_y: f32,
    pub hip: (f32, f32),
    clothes: Option<Mat>,
    /// Seconds of video estimated since the runner was last seen.
    pub unseen_s: f32,
}

impl RunnerIdentity {
    pub fn new(body: &Body, clothes: Option<Mat>) -> Self {
        Self {
            leg: body.leg,
            foot_y: body.foot_y,
            hip: body.hip,
            clothes,
            unseen_s: 0.0,
        }
    }

    fn same_size_and_floor(&self, body: &Body) -> bool {
        let ratio = body.leg / self.leg;
        (1.0 / SAME_LEG_RATIO..=SAME_LEG_RATIO).contains(&ratio)
            && (body.foot_y - self.foot_y).abs() <= SAME_FOOT_LINE * self.leg
    }

    /// Whether `body`, found while the runner was lost, is the runner again.
    pub fn matches(&self, body: &Body, clothes: Option<&Mat>) -> bool {
        let reach = (SAME_PLACE + SAME_PLACE_PER_S * self.unseen_s) * self.leg;
        let near = (body.hip.0 - self.hip.0).hypot(body.hip.1 - self.hip.1) <= reach;
        self.same_size_and_floor(body) && near && self.same_clothes(clothes)
    }

    /// Whether a tracked pose still follows the runner from the previous frame.
    pub fn follows(&self, body: &Body) -> bool {
        let step = (body.hip.0 - self.hip.0).hypot(body.hip.1 - self.hip.1);
        self.same_size_and_floor(body) && step <= MAX_STEP_BETWEEN_FRAMES * self.leg
    }

    fn same_clothes(&self, clothes: Option<&Mat>) -> bool {
        match (&self.clothes, clothes) {
            (Some(a), Some(b)) => {
                imgproc::compare_hist(a, b, imgproc::HISTCMP_CORREL).unwrap_or(1.0) >= SAME_CLOTHES
            }
            _ => true,
        }
    }

    /// The runner seen again: the signature follows slow changes, the place is updated.
    pub fn seen(&mut self, body: &Body) {
        self.leg += FOLLOW * (body.leg - self.leg);
        self.foot_y += FOLLOW * (body.foot_y - self.foot_y);
        self.hip = body.hip;
        self.unseen_s = 0.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A figure with hips at `hip`, legs `leg` long, facing `side_on` or the camera.
    fn figure(hip: (f32, f32), leg: f32, side_on: bool) -> [Keypoint; NUM_KEYPOINTS] {
        let mut k = [Keypoint::default(); NUM_KEYPOINTS];
        let half = if side_on { 0.02 * leg } else { 0.18 * leg };
        let set = |k: &mut [Keypoint; NUM_KEYPOINTS], i: usize, x: f32, y: f32| {
            k[i] = Keypoint {
                x,
                y,
                visibility: 0.9,
                ..Keypoint::default()
            };
        };
        for (l, r, dy) in [
            (LEFT_SHOULDER, RIGHT_SHOULDER, -0.6 * leg),
            (LEFT_HIP, RIGHT_HIP, 0.0),
            (LEFT_KNEE, RIGHT_KNEE, 0.5 * leg),
            (LEFT_ANKLE, RIGHT_ANKLE, leg),
            (29, 30, leg + 0.03 * leg),
            (31, 32, leg + 0.05 * leg),
        ] {
            set(&mut k, l, hip.0 - half, hip.1 + dy);
            set(&mut k, r, hip.0 + half, hip.1 + dy);
        }
        k
    }

    #[test]
    fn a_side_on_whole_body_is_a_runner_and_a_front_view_is_not() {
        let side = Body::of(&figure((500.0, 400.0), 200.0, true)).unwrap();
        assert!((side.leg - 200.0).abs() < 1.0, "{side:?}");
        assert_eq!(side.not_a_runner(), None);
        let front = Body::of(&figure((500.0, 400.0), 200.0, false)).unwrap();
        assert_eq!(front.not_a_runner(), Some("not side-on"));
        let mut hidden = figure((500.0, 400.0), 200.0, true);
        hidden[31].visibility = 0.1;
        assert_eq!(
            Body::of(&hidden).unwrap().not_a_runner(),
            None,
            "one foot in view is enough"
        );
        hidden[32].visibility = 0.2;
        assert_eq!(
            Body::of(&hidden).unwrap().not_a_runner(),
            Some("feet not in view")
        );
    }

    #[test]
    fn only_the_same_size_on_the_same_floor_nearby_is_the_runner_again() {
        let runner = Body::of(&figure((500.0, 400.0), 200.0, true)).unwrap();
        let mut id = RunnerIdentity::new(&runner, None);
        // The runner, a little further on.
        assert!(id.matches(&Body::of(&figure((560.0, 405.0), 205.0, true)).unwrap(), None));
        // Someone passing in front (larger, feet lower) or behind (smaller, feet higher).
        assert!(!id.matches(&Body::of(&figure((500.0, 480.0), 270.0, true)).unwrap(), None));
        assert!(!id.matches(&Body::of(&figure((500.0, 330.0), 140.0, true)).unwrap(), None));
        // Someone the same size on the same floor, far away.
        assert!(!id.matches(&Body::of(&figure((1200.0, 400.0), 200.0, true)).unwrap(), None));
        // …who is allowed to be further off the longer the runner was out of view.
        id.unseen_s = 2.0;
        assert!(id.matches(&Body::of(&figure((1200.0, 400.0), 200.0, true)).unwrap(), None));
        // While tracking, a jump of more than half a leg is someone else.
        id.unseen_s = 0.0;
        assert!(id.follows(&Body::of(&figure((540.0, 400.0), 200.0, true)).unwrap()));
        assert!(!id.follows(&Body::of(&figure((650.0, 400.0), 200.0, true)).unwrap()));
    }
}

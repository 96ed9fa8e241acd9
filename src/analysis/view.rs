//! Whether the session could be measured at all: the camera's view (side-on, upright),
//! the frame rate, and, when no step was counted, the likely reason. Each finding is one
//! plain sentence for the clinician, in `summary.json` (`session.warnings`), on the
//! terminal and at the top of the report.

use super::geometry::median;
use super::sample::PoseSample;
use super::validity::Gait;
use super::StepRecord;
use crate::pose::runner::{Body, MAX_HIP_SPREAD, MAX_LEAN_DEG};

const LEFT_ANKLE: usize = 27;
const RIGHT_ANKLE: usize = 28;

/// A runner leaning more than this from the picture's vertical (median over the session)
/// is not upright in the picture: a rotated video or a tilted camera (the limit the pose
/// stage chooses a runner by). Running trunk lean is about 4–11° [Teng & Powers 2015].
const MAX_UPRIGHT_DEG: f64 = MAX_LEAN_DEG as f64;
/// Hips further apart across the picture than this share of the leg length (median) mean
/// the camera is not side-on: hip width is about a third of leg length, so a front view
/// gives about 0.33 and a view 35° off the side about 0.2.
const MAX_SIDE_ON_HIP_SPREAD: f64 = MAX_HIP_SPREAD as f64;
/// Frame rates outside this range cannot time a foot contact (about 0.2 s long in running)
/// or are not a camera's.
const MIN_FPS: f64 = 24.0;
const MAX_FPS: f64 = 1000.0;
/// Feet that move less than this share of the leg length over the whole session did not
/// run: a still picture or someone standing.
const MIN_FOOT_TRAVEL: f64 = 0.3;
/// A gap in the runner's frames longer than this (seconds) counts as lost time.
const LOST_GAP_S: f64 = 0.25;
/// Detections counted as people when counting who was in view (the pose stage's look
/// around keeps people down to this score).
const PERSON_SCORE: f32 = 0.3;
/// Seconds of video with the runner needed to learn the belt and count steps.
const MIN_SECONDS: f64 = 5.0;

/// What the frames showed, gathered frame by frame.
#[derive(Debug, Default)]
pub struct ViewCheck {
    frames: u64,
    with_runner: u64,
    lean_deg: Vec<f64>,
    hip_spread: Vec<f64>,
    /// Ankle x relative to leg length: its range is how far the feet travelled.
    ankle_x: Vec<f64>,
    times: Vec<f64>,
    /// When the runner was last in view, and the time and times they were lost between.
    last_runner_t: Option<f64>,
    lost_s: f64,
    lost_times: u64,
    /// The most people the pose stage saw at once when it looked around.
    most_people: usize,
}

impl ViewCheck {
    pub fn add(&mut self, sample: &PoseSample) {
        self.frames += 1;
        self.times.push(sample.t);
        if let Some(people) = &sample.people {
            let seen = people.iter().filter(|p| p.score >= PERSON_SCORE).count();
            self.most_people = self.most_people.max(seen);
        }
        let Some(k) = &sample.keypoints else { return };
        self.with_runner += 1;
        if let Some(gap) = self
            .last_runner_t
            .map(|last| sample.t - last)
            .filter(|g| *g > LOST_GAP_S)
        {
            self.lost_s += gap;
            self.lost_times += 1;
        }
        self.last_runner_t = Some(sample.t);
        let Some(body) = Body::of(k) else { return };
        let leg = body.leg as f64;
        self.lean_deg.push(body.lean_deg as f64);
        self.hip_spread.push(body.hip_spread as f64);
        self.ankle_x
            .push((k[LEFT_ANKLE].x + k[RIGHT_ANKLE].x) as f64 / 2.0 / leg);
    }

    /// How long the runner was lost (out of view, hidden by someone, or someone else in
    /// their place) between the moments they were measured: seconds (to the millisecond)
    /// and times.
    pub fn runner_lost(&self) -> (f64, u64) {
        ((self.lost_s * 1000.0).round() / 1000.0, self.lost_times)
    }

    /// The most people seen at once.
    pub fn most_people(&self) -> usize {
        self.most_people
    }

    /// The frame rate the timestamps show, frames per second.
    fn measured_fps(&self) -> Option<f64> {
        let dt: Vec<f64> = self
            .times
            .windows(2)
            .map(|w| w[1] - w[0])
            .filter(|d| *d > 0.0)
            .collect();
        median(&dt).map(|d| 1.0 / d)
    }

    /// One sentence per problem found; `header_fps` is what the video file states.
    pub fn warnings(&self, steps: &[StepRecord], header_fps: Option<f64>) -> Vec<String> {
        let mut out = Vec::new();
        let fps = header_fps
            .filter(|f| f.is_finite() && *f > 0.0)
            .or(self.measured_fps());
        if let Some(fps) = fps {
            if fps < MIN_FPS {
                out.push(format!(
                    "the video has {fps:.0} frames per second: a foot contact (about 0.2 s) spans only {:.0} frames, so contact times, overstride and the knee at contact are rough; film at 50–60 frames per second",
                    0.2 * fps
                ));
            } else if fps > MAX_FPS {
                out.push(format!(
                    "the video states {fps:.0} frames per second, which no clinic camera films at: its timing is not trustworthy; re-export it at its real frame rate"
                ));
            }
        }
        let lean = median(&self.lean_deg.iter().map(|a| a.abs()).collect::<Vec<_>>());
        let rotated = lean.is_some_and(|l| l > MAX_UPRIGHT_DEG);
        if let (true, Some(l)) = (rotated, lean) {
            out.push(format!(
                "the runner is {l:.0}° from upright in the picture: the video is probably rotated (turn it upright and analyse again) or the camera is tilted; steps and angles from it are not reliable"
            ));
        }
        if let Some(spread) = median(&self.hip_spread).filter(|s| !rotated && *s > MAX_SIDE_ON_HIP_SPREAD) {
            out.push(format!(
                "the hips are {:.0} % of a leg length apart across the picture: the camera is not side-on to the runner (film from the side, level with the hips); overstride and angles from this view are not reliable",
                spread * 100.0
            ));
        }
        if !steps.iter().any(|s| s.valid) {
            out.push(format!("no step was counted: {}", self.why_no_steps(steps)));
        }
        out.extend(super::sides::unequal_legs(steps));
        out
    }

    /// The likeliest reason no step was counted, most basic first.
    fn why_no_steps(&self, steps: &[StepRecord]) -> String {
        let seconds = match (self.times.first(), self.times.last()) {
            (Some(a), Some(b)) => b - a,
            _ => 0.0,
        };
        let travel = match (
            self.ankle_x.iter().copied().reduce(f64::min),
            self.ankle_x.iter().copied().reduce(f64::max),
        ) {
            (Some(a), Some(b)) => b - a,
            _ => 0.0,
        };
        if self.frames <= 1 {
            return "the file holds a single picture, not a video".into();
        }
        if self.with_runner == 0 {
            return "no runner was found in any frame".into();
        }
        if self.with_runner * 2 < self.frames {
            return format!(
                "the runner was found in only {:.0} % of the frames: keep their whole body in view, or set --zone around them",
                100.0 * self.with_runner as f64 / self.frames as f64
            );
        }
        if travel < MIN_FOOT_TRAVEL {
            return "the runner's feet hardly moved: a still picture, or someone standing".into();
        }
        if seconds < MIN_SECONDS {
            return format!("the video is {seconds:.1} s long; at least {MIN_SECONDS:.0} s of running are needed to learn the belt and count steps");
        }
        if steps.is_empty() {
            return "no foot contact was recognised: check the runner is on a treadmill, side-on and whole in view".into();
        }
        let walking = steps.iter().filter(|s| s.gait == Gait::Walking).count();
        let running = steps.iter().filter(|s| s.gait == Gait::Running).count();
        if walking > running {
            return format!(
                "the person was walking, not running ({walking} of {} steps were walking steps): gaitcue measures running",
                steps.len()
            );
        }
        let mut reasons: Vec<&str> = steps.iter().filter_map(|s| s.reason.as_deref()).collect();
        reasons.sort_unstable();
        let common = reasons
            .chunk_by(|a, b| a == b)
            .max_by_key(|c| c.len())
            .map(|c| c[0])
            .unwrap_or("not running");
        format!(
            "{} steps were seen but none passed the running checks (most often: {common}); see invalid_reasons",
            steps.len()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::sample::{LEFT_SHOULDER, RIGHT_SHOULDER};
    use crate::pose::{Keypoint, NUM_KEYPOINTS};

    const LEFT_HIP: usize = 23;
    const RIGHT_HIP: usize = 24;
    const LEFT_KNEE: usize = 25;
    const RIGHT_KNEE: usize = 26;

    /// A standing figure, rotated by `rot_deg`, hips `spread` leg lengths apart across.
    fn sample(frame: u64, fps: f64, rot_deg: f64, spread: f32, ankle_dx: f32) -> PoseSample {
        let mut k = [Keypoint::default(); NUM_KEYPOINTS];
        let put = |k: &mut [Keypoint; NUM_KEYPOINTS], i: usize, x: f32, y: f32| {
            let (s, c) = (
                rot_deg.to_radians().sin() as f32,
                rot_deg.to_radians().cos() as f32,
            );
            k[i] = Keypoint {
                x: 500.0 + x * c - y * s,
                y: 500.0 + x * s + y * c,
                visibility: 1.0,
                ..Keypoint::default()
            };
        };
        put(&mut k, LEFT_HIP, -spread * 50.0, 0.0);
        put(&mut k, RIGHT_HIP, spread * 50.0, 0.0);
        put(&mut k, LEFT_SHOULDER, 0.0, -60.0);
        put(&mut k, RIGHT_SHOULDER, 0.0, -60.0);
        put(&mut k, LEFT_ANKLE, ankle_dx, 100.0);
        put(&mut k, RIGHT_ANKLE, -ankle_dx, 100.0);
        put(&mut k, LEFT_KNEE, (-spread * 50.0 + ankle_dx) / 2.0, 50.0);
        put(&mut k, RIGHT_KNEE, (spread * 50.0 - ankle_dx) / 2.0, 50.0);
        PoseSample {
            frame,
            t: frame as f64 / fps,
            keypoints: Some(k),
            track: Some(1),
            size: Some((1000, 1000)),
            people: None,
        }
    }

    fn check(rot: f64, spread: f32, fps: f64, seconds: f64, moving: bool) -> Vec<String> {
        let mut v = ViewCheck::default();
        for f in 0..(seconds * fps) as u64 {
            let dx = if moving {
                40.0 * (f as f32 * 0.3).sin()
            } else {
                0.0
            };
            v.add(&sample(f, fps, rot, spread, dx));
        }
        v.warnings(&[], None)
    }

    #[test]
    fn a_rotated_or_front_view_or_slow_camera_is_named() {
        let w = check(90.0, 0.0, 60.0, 10.0, true);
        assert!(
            w[0].contains("90° from upright") && w[0].contains("rotated"),
            "{w:?}"
        );
        let w = check(0.0, 0.35, 60.0, 10.0, true);
        assert!(w[0].contains("not side-on"), "{w:?}");
        let w = check(0.0, 0.0, 10.0, 10.0, true);
        assert!(
            w[0].contains("10 frames per second: a foot contact (about 0.2 s) spans only 2 frames"),
            "{w:?}"
        );
        let w = check(0.0, 0.0, 60.0, 10.0, true);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].starts_with("no step was counted"), "{w:?}");
    }

    #[test]
    fn no_steps_gets_its_likely_reason() {
        assert!(check(0.0, 0.0, 60.0, 10.0, false)[0].contains("feet hardly moved"));
        assert!(check(0.0, 0.0, 60.0, 2.0, true)[0].contains("2.0 s long"));
        let mut v = ViewCheck::default();
        v.add(&sample(0, 30.0, 0.0, 0.0, 0.0));
        assert!(v.warnings(&[], None)[0].contains("single picture"));
        let mut v = ViewCheck::default();
        for f in 0..100 {
            let mut s = sample(f, 30.0, 0.0, 0.0, 30.0 * (f as f32).sin());
            if f % 3 != 0 {
                s.keypoints = None;
            }
            v.add(&s);
        }
        assert!(v.warnings(&[], None)[0].contains("found in only 34 %"));
    }
}

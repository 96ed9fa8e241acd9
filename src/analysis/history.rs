//! The last seconds of body frames, for looking back at an event that fell between frames:
//! the pose at any instant (interpolated between the two frames around it) and the hip
//! centre's fore-aft position there (a line fitted over the frames nearby, so one frame's
//! keypoint noise does not move it).

use std::collections::VecDeque;

use super::body::BodyFrame;
use super::geometry::{across_turn, fit_line, Point, Turn};

/// Seconds of body frames kept (longest walking stride ~1.5 s).
const KEEP_S: f64 = 3.0;
/// The hip centre is fitted over the frames this close to the instant.
const HIP_FIT_S: f64 = 0.05;
/// Trends around a turn are taken from frames this close to it.
const TURN_WINDOW_S: f64 = 0.07;

/// Two trends of a joint angle this far apart (degrees) are told from keypoint noise.
const TURN_NOISE_DEG: f64 = 5.0;

#[derive(Debug, Default)]
pub struct History {
    frames: VecDeque<BodyFrame>,
}

impl History {
    pub fn push(&mut self, body: BodyFrame) {
        let t = body.t;
        self.frames.push_back(body);
        while self.frames.front().is_some_and(|f| t - f.t > KEEP_S) {
            self.frames.pop_front();
        }
    }

    pub fn clear(&mut self) {
        self.frames.clear();
    }

    pub fn latest(&self) -> Option<&BodyFrame> {
        self.frames.back()
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &BodyFrame> {
        self.frames.iter()
    }

    /// The frame numbered `frame`, if kept.
    pub fn frame(&self, frame: u64) -> Option<&BodyFrame> {
        self.frames.iter().rev().find(|f| f.frame == frame)
    }

    /// The frame nearest to `t`.
    pub fn nearest(&self, t: f64) -> Option<&BodyFrame> {
        self.frames
            .iter()
            .min_by(|a, b| (a.t - t).abs().total_cmp(&(b.t - t).abs()))
    }

    /// The body at instant `t`: keypoints interpolated between the frames around it (the
    /// nearest frame when `t` is outside the kept span or the two are far apart).
    pub fn at(&self, t: f64) -> Option<BodyFrame> {
        let after = self.frames.iter().position(|f| f.t >= t);
        let (a, b) = match after {
            Some(0) | None => return self.nearest(t).cloned(),
            Some(i) => (&self.frames[i - 1], &self.frames[i]),
        };
        if b.t - a.t > 0.1 || b.t <= a.t {
            return self.nearest(t).cloned();
        }
        let w = (t - a.t) / (b.t - a.t);
        let mut out = if w < 0.5 { a.clone() } else { b.clone() };
        for (k, (p, q)) in a.keypoints.iter().zip(&b.keypoints).enumerate() {
            out.keypoints[k].x = p.x + (q.x - p.x) * w as f32;
            out.keypoints[k].y = p.y + (q.y - p.y) * w as f32;
            out.keypoints[k].visibility = p.visibility.min(q.visibility);
        }
        let (p, q): (Point, Point) = (a.hip_centre, b.hip_centre);
        out.hip_centre = (p.0 + (q.0 - p.0) * w, p.1 + (q.1 - p.1) * w);
        out.t = t;
        Some(out)
    }

    /// A quantity at instant `t` near which its course may turn sharply (a joint angle at
    /// contact stops extending and starts to flex), in degrees: see [`across_turn`]. Plain interpolation
    /// would cut the corner by up to 7° at 30 fps.
    pub fn at_turn(&self, t: f64, turn: Turn, value: impl Fn(&BodyFrame) -> Option<f64>) -> Option<f64> {
        let near: Vec<(f64, f64)> = self
            .frames
            .iter()
            .filter(|f| (f.t - t).abs() <= TURN_WINDOW_S)
            .filter_map(|f| value(f).map(|v| (f.t, v)))
            .collect();
        across_turn(&near, t, turn, TURN_NOISE_DEG)
    }

    /// The hip centre's image x at `t`, from a line through the frames within 50 ms.
    pub fn hip_x_at(&self, t: f64) -> Option<f64> {
        let pts: Vec<(f64, f64)> = self
            .frames
            .iter()
            .filter(|f| (f.t - t).abs() <= HIP_FIT_S)
            .map(|f| (f.t, f.hip_centre.0))
            .collect();
        match fit_line(&pts, t) {
            Some((_, x)) => Some(x),
            None => self.at(t).map(|b| b.hip_centre.0),
        }
    }
}

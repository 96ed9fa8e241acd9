//! Per-frame body geometry the gait events and metrics rest on: left/right label repair,
//! running direction and leg length, each estimated causally from the frames seen so far.

use std::collections::VecDeque;

use super::geometry::{distance, median, midpoint, point, Point};
use super::sample::Side;
use crate::pose::{Keypoint, NUM_KEYPOINTS};

/// Seconds of leg length kept for its running median (several strides at any cadence and
/// frame rate).
const LEG_LENGTH_S: f64 = 3.0;
/// At most this many frames kept (3 s at 240 fps; a clock that jumps back cannot grow it).
const MAX_LEG_LENGTHS: usize = 720;
/// Frames needed before the leg length is trusted.
const MIN_LEG_LENGTH_FRAMES: usize = 5;
/// A left/right relabel is accepted only when it explains the motion this much better
/// than the labels as given (cost ratio), so crossing legs at mid-swing never flip.
const SWAP_ADVANTAGE: f64 = 0.5;
/// ...and by at least this much in total (leg lengths over the eight points), so noise
/// never relabels legs that are close together.
const SWAP_MARGIN: f64 = 0.4;
/// The longest a relabelling may last before the model's labels are trusted again.
const MAX_RELABEL_S: f64 = 0.25;
/// Legs whose knee, ankle, heel and toe lie this close on average (leg lengths) are merged.
const MERGED_FRAC: f64 = 0.05;
/// Label repair needs the previous frame no older than this.
const MAX_REPAIR_GAP_S: f64 = 0.1;
/// Weight of the newest frame difference in the leg velocities.
const VELOCITY_SMOOTHING: f64 = 0.5;
/// Running-direction evidence decays by this factor per frame (~1 s memory at 60 fps).
const DIRECTION_DECAY: f64 = 0.985;

/// One frame's repaired keypoints and derived geometry.
#[derive(Debug, Clone)]
pub struct BodyFrame {
    pub frame: u64,
    pub t: f64,
    pub keypoints: [Keypoint; NUM_KEYPOINTS],
    pub hip_centre: Point,
    /// +1 facing image right, -1 facing left.
    pub dir: f64,
    /// Hip–knee + knee–ankle, pixels (running median).
    pub leg_length: f64,
}

impl BodyFrame {
    pub fn at(&self, index: usize) -> Point {
        point(&self.keypoints[index])
    }

    pub fn visibility(&self, index: usize) -> f64 {
        self.keypoints[index].visibility as f64
    }

    /// Forward distance of keypoint `index` from the hip centre, in leg lengths.
    pub fn forward_of_hips(&self, index: usize) -> f64 {
        (self.keypoints[index].x as f64 - self.hip_centre.0) * self.dir / self.leg_length
    }
}

/// Leg points (knee, ankle, heel, toe) used to follow each leg from frame to frame.
fn leg_track_points(side: Side) -> [usize; 4] {
    let p = side.points();
    [p.knee, p.ankle, p.heel, p.toe]
}

#[derive(Debug, Default)]
pub struct BodyTracker {
    /// (time, leg length) of the frames within [`LEG_LENGTH_S`].
    lengths: VecDeque<(f64, f64)>,
    direction_evidence: f64,
    /// Last repaired leg positions with their time, for continuity.
    last_legs: Option<(f64, [[Point; 4]; 2])>,
    /// Velocity of each leg point (px/s), for predicting across gaps.
    last_velocity: [[Point; 4]; 2],
    /// Since when the legs have been relabelled against the model, if they are.
    relabelled_since: Option<f64>,
}

impl BodyTracker {
    /// The running median of the leg length, once enough frames were seen.
    fn leg_length(&self) -> Option<f64> {
        if self.lengths.len() < MIN_LEG_LENGTH_FRAMES {
            return None;
        }
        median(&self.lengths.iter().map(|(_, l)| *l).collect::<Vec<_>>())
    }

    /// Repairs labels and derives geometry; `None` until enough frames were seen.
    pub fn update(&mut self, frame: u64, t: f64, keypoints: &[Keypoint; NUM_KEYPOINTS]) -> Option<BodyFrame> {
        let mut kps = *keypoints;
        let known_length = self.leg_length();
        self.repair_labels(t, &mut kps, known_length);
        let leg = |s: Side| {
            let p = s.points();
            distance(point(&kps[p.hip]), point(&kps[p.knee]))
                + distance(point(&kps[p.knee]), point(&kps[p.ankle]))
        };
        // Foreshortening only shortens a leg, so the longer of the two is the better estimate.
        self.lengths.push_back((t, leg(Side::Left).max(leg(Side::Right))));
        while self.lengths.len() > MAX_LEG_LENGTHS
            || self.lengths.front().is_some_and(|(t0, _)| t - t0 > LEG_LENGTH_S)
        {
            self.lengths.pop_front();
        }
        for s in Side::BOTH {
            let p = s.points();
            let w = (kps[p.heel].visibility.min(kps[p.toe].visibility)) as f64;
            self.direction_evidence =
                self.direction_evidence * DIRECTION_DECAY + w * (kps[p.toe].x - kps[p.heel].x) as f64;
        }
        if self.direction_evidence == 0.0 {
            return None;
        }
        let leg_length = self.leg_length()?;
        if leg_length <= 1.0 {
            return None;
        }
        let hip_centre = midpoint(point(&kps[23]), point(&kps[24]));
        Some(BodyFrame {
            frame,
            t,
            keypoints: kps,
            hip_centre,
            dir: self.direction_evidence.signum(),
            leg_length,
        })
    }

    /// Swaps the left and right legs back when the model's labels jump between legs:
    /// each leg is predicted from its last position and velocity, and the labelling that
    /// explains the new positions clearly better (by ratio and by a margin) wins. The model
    /// is right most of the time, so a relabelling never outlives `MAX_RELABEL_S`, and
    /// after a gap the model's labels are taken as they come.
    fn repair_labels(&mut self, t: f64, kps: &mut [Keypoint; NUM_KEYPOINTS], leg_length: Option<f64>) {
        let legs = |k: &[Keypoint; NUM_KEYPOINTS]| -> [[Point; 4]; 2] {
            [Side::Left, Side::Right].map(|s| leg_track_points(s).map(|i| point(&k[i])))
        };
        let observed = legs(kps);
        // One leg drawn on top of the other (pose models snap overlapping legs together):
        // the frame says nothing about which leg is which, and must not teach the tracker a
        // leg's jump as its velocity.
        if let Some(leg) = leg_length {
            let apart = (0..4)
                .map(|j| distance(observed[0][j], observed[1][j]))
                .sum::<f64>()
                / 4.0;
            if apart < MERGED_FRAC * leg {
                return;
            }
        }
        let mut swapped = false;
        if let (Some((last_t, last)), Some(leg)) = (self.last_legs, leg_length) {
            let dt = t - last_t;
            if dt > 0.0 && dt <= MAX_REPAIR_GAP_S {
                let predicted: [[Point; 4]; 2] = std::array::from_fn(|l| {
                    std::array::from_fn(|j| {
                        let v = self.last_velocity[l][j];
                        (last[l][j].0 + v.0 * dt, last[l][j].1 + v.1 * dt)
                    })
                });
                let cost = |a: &[Point; 4], b: &[Point; 4]| {
                    a.iter().zip(b).map(|(p, q)| distance(*p, *q)).sum::<f64>()
                };
                let keep = cost(&observed[0], &predicted[0]) + cost(&observed[1], &predicted[1]);
                let swap = cost(&observed[1], &predicted[0]) + cost(&observed[0], &predicted[1]);
                swapped = swap < SWAP_ADVANTAGE * keep && keep - swap > SWAP_MARGIN * leg;
            }
        }
        let relabelled_for = self.relabelled_since.map_or(0.0, |since| t - since);
        if swapped && relabelled_for > MAX_RELABEL_S {
            swapped = false;
        }
        // The state to keep is "swapped relative to the model" only while repairs continue.
        self.relabelled_since = match (swapped, self.relabelled_since) {
            (true, None) => Some(t),
            (true, since) => since,
            (false, _) => None,
        };
        if swapped {
            let (l, r) = (Side::Left.points(), Side::Right.points());
            for (a, b) in [
                (l.hip, r.hip),
                (l.knee, r.knee),
                (l.ankle, r.ankle),
                (l.heel, r.heel),
                (l.toe, r.toe),
            ] {
                kps.swap(a, b);
            }
        }
        let now = legs(kps);
        match self.last_legs {
            Some((last_t, last)) if t - last_t > 0.0 && t - last_t <= MAX_REPAIR_GAP_S => {
                let dt = t - last_t;
                // Smoothed velocity: raw frame differences at high frame rates are mostly noise.
                self.last_velocity = std::array::from_fn(|l| {
                    std::array::from_fn(|j| {
                        let v = (
                            (now[l][j].0 - last[l][j].0) / dt,
                            (now[l][j].1 - last[l][j].1) / dt,
                        );
                        let old = self.last_velocity[l][j];
                        (
                            old.0 + VELOCITY_SMOOTHING * (v.0 - old.0),
                            old.1 + VELOCITY_SMOOTHING * (v.1 - old.1),
                        )
                    })
                });
            }
            _ => self.last_velocity = [[(0.0, 0.0); 4]; 2],
        }
        self.last_legs = Some((t, now));
    }
}

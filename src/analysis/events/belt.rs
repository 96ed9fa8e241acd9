//! What the treadmill detector learns of the belt under one foot: the belt line (the image
//! height of the heel and of the toe when they rest on the belt), the belt's velocity in the
//! image, and the foot's own flat angle.
//!
//! The belt line is the level at which each point dwells lowest: a foot spends 13–35 % of a
//! running stride (more when walking) with its heel or toe on the belt, so a high quantile
//! of the point's image y over the last seconds lies inside that resting cluster. Perspective
//! puts the far foot's belt line a little higher in the image and its belt a little slower,
//! so each foot learns its own.

use std::collections::VecDeque;

use crate::analysis::geometry::{median, quantile};

/// Seconds of heel and toe heights kept for the belt line.
const WINDOW_S: f64 = 4.0;
/// The belt line is known once this much history is in.
const LEARN_S: f64 = 1.5;
/// The quantile of image y (down) taken as the belt line: inside the resting cluster of
/// both points for every strike type.
const BELT_QUANTILE: f64 = 0.93;
/// Per-stance estimates kept (medians used).
const KEPT: usize = 8;

/// Image y of the heel and of the toe resting on the belt.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BeltLine {
    pub heel_y: f64,
    pub toe_y: f64,
}

impl BeltLine {
    /// The belt line under a point `f` of the way from heel (0) to toe (1).
    pub fn at(&self, f: f64) -> f64 {
        self.heel_y + f * (self.toe_y - self.heel_y)
    }
}

#[derive(Debug, Clone, Default)]
pub struct Belt {
    heights: VecDeque<(f64, f64, f64)>,
    line: Option<BeltLine>,
    velocities: VecDeque<f64>,
    flat_angles: VecDeque<f64>,
    /// How far single frames' flat-foot angles stray from their stance's median, degrees.
    angle_scatter: VecDeque<f64>,
}

fn keep(v: &mut VecDeque<f64>, x: f64) {
    v.push_back(x);
    if v.len() > KEPT {
        v.pop_front();
    }
}

fn median_of(v: &VecDeque<f64>) -> Option<f64> {
    median(&v.iter().copied().collect::<Vec<_>>())
}

impl Belt {
    /// Adds one reliable sample of the heel's and toe's image y.
    pub fn add(&mut self, t: f64, heel_y: f64, toe_y: f64) {
        self.heights.push_back((t, heel_y, toe_y));
        while self.heights.front().is_some_and(|h| t - h.0 > WINDOW_S) {
            self.heights.pop_front();
        }
        let span = self.heights.front().map_or(0.0, |h| t - h.0);
        if span < LEARN_S {
            return;
        }
        let heel: Vec<f64> = self.heights.iter().map(|h| h.1).collect();
        let toe: Vec<f64> = self.heights.iter().map(|h| h.2).collect();
        self.line = quantile(&heel, BELT_QUANTILE)
            .zip(quantile(&toe, BELT_QUANTILE))
            .map(|(heel_y, toe_y)| BeltLine { heel_y, toe_y });
    }

    pub fn line(&self) -> Option<BeltLine> {
        self.line
    }

    /// Records one stance's belt velocity (image x, px/s, signed).
    pub fn add_velocity(&mut self, v: f64) {
        keep(&mut self.velocities, v);
    }

    /// The belt's velocity in the image, px/s, signed; once two stances were measured.
    pub fn velocity(&self) -> Option<f64> {
        (self.velocities.len() >= 2)
            .then(|| median_of(&self.velocities))
            .flatten()
    }

    pub fn stances_measured(&self) -> usize {
        self.velocities.len()
    }

    /// Records one stance's flat-foot angles (single frames, degrees).
    pub fn add_flat_angles(&mut self, frames: &[f64]) {
        let Some(m) = median(frames) else {
            return;
        };
        keep(&mut self.flat_angles, m);
        for a in frames {
            self.angle_scatter.push_back((a - m).abs());
            if self.angle_scatter.len() > 8 * KEPT {
                self.angle_scatter.pop_front();
            }
        }
    }

    /// The standard deviation of one frame's foot angle from keypoint noise, degrees
    /// (1.4826 × the median absolute deviation); `None` until measured.
    pub fn angle_noise(&self) -> Option<f64> {
        (self.angle_scatter.len() >= 6)
            .then(|| median_of(&self.angle_scatter))
            .flatten()
            .map(|mad| 1.4826 * mad)
    }

    /// The foot's heel → toe angle when flat on the belt, degrees (0 until measured).
    pub fn flat_angle(&self) -> f64 {
        median_of(&self.flat_angles).unwrap_or(0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_belt_line_is_the_resting_level_of_each_point() {
        let mut belt = Belt::default();
        // 60 fps, 2.8 strides/s: heel resting at y = 500 a fifth of the time, toe at 505
        // a third of the time, both higher (smaller y) otherwise.
        for i in 0..240 {
            let t = i as f64 / 60.0;
            let phase = (t * 1.4).fract();
            let heel = if phase < 0.2 {
                500.0
            } else {
                500.0 - 80.0 * (phase - 0.2) - 5.0
            };
            let toe = if phase < 0.33 {
                505.0
            } else {
                505.0 - 60.0 * (phase - 0.33) - 5.0
            };
            belt.add(t, heel, toe);
            if t < LEARN_S - 0.02 {
                assert!(belt.line().is_none());
            }
        }
        let line = belt.line().unwrap();
        assert!(
            (line.heel_y - 500.0).abs() < 0.5 && (line.toe_y - 505.0).abs() < 0.5,
            "{line:?}"
        );
        assert_eq!(line.at(0.5), 502.5);
        assert_eq!(belt.velocity(), None);
        belt.add_velocity(-900.0);
        belt.add_velocity(-1000.0);
        assert_eq!(belt.velocity(), Some(-950.0));
    }
}

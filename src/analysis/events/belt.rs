//! What the treadmill detector learns of the belt under one foot from its stances: the belt's
//! velocity in the image, the foot's own flat angle, and how much single frames' foot angles
//! scatter (keypoint noise). Perspective puts the far foot's belt a little higher in the
//! image and a little slower, so each foot learns its own.

use std::collections::VecDeque;

use crate::analysis::geometry::median;

/// Per-stance estimates kept (medians used).
const KEPT: usize = 8;

#[derive(Debug, Clone, Default)]
pub struct Belt {
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
    fn the_belt_velocity_is_the_median_of_the_stances() {
        let mut belt = Belt::default();
        assert_eq!(belt.velocity(), None);
        belt.add_velocity(-900.0);
        assert_eq!(belt.velocity(), None);
        belt.add_velocity(-1000.0);
        assert_eq!(belt.velocity(), Some(-950.0));
        belt.add_velocity(-5000.0);
        assert_eq!(belt.velocity(), Some(-1000.0));
    }
}

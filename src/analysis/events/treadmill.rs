//! The treadmill contact detector. A foot is on the belt when its lowest point (heel or toe)
//! rests on that point's belt line; a contact is confirmed once it has stayed there a few
//! samples, a toe-off once the foot has stayed clear of it.
//!
//! Events are then placed between frames:
//! - **IC** where the approaching foot meets the stance state: before contact the point that
//!   touched first is above its belt line (by `D_y`) and behind the belt's line of motion
//!   extrapolated back from the stance samples (by `D_x`, since in late swing the foot moves
//!   back slower than the belt, or forward); both shrink to zero at contact. One kink is
//!   fitted to both (flat after contact, growing before it, each with its own slope; see
//!   `kink.rs`), and IC is its likelihood-weighted time.
//! - **TO** where the toe's rise above its belt line, fitted over the first samples after it
//!   left, started. (The toe still moves back with the belt just after TO, so the
//!   horizontal gives nothing here; "toe furthest behind the hips" is 10–20 ms late.)
//!
//! Which point touched first comes from the foot angle just before contact, against the
//! runner's own flat foot (Altman & Davis 2012). Samples where the far foot sits on the near
//! one (pose models snap overlapping legs together) are left out for the foot that jumped.

use super::foot::{Foot, Sample};
use super::GaitEvent;
use crate::analysis::body::BodyFrame;
use crate::analysis::geometry::{point, Point};
use crate::analysis::sample::Side;

/// Heel and toe of both feet within this distance (leg lengths): the legs have merged.
const MERGED_FRAC: f64 = 0.04;
/// Points below this visibility are not used.
const MIN_VISIBILITY: f32 = 0.2;

/// The treadmill detector for both feet.
#[derive(Debug, Clone)]
pub struct Treadmill {
    feet: [Foot; 2],
    min_stride_s: f64,
}

impl Treadmill {
    pub fn new(min_stride_s: f64) -> Self {
        Self {
            feet: [Foot::new(Side::Left), Foot::new(Side::Right)],
            min_stride_s,
        }
    }

    fn foot(&self, side: Side) -> &Foot {
        &self.feet[usize::from(side == Side::Right)]
    }

    /// Whether `side`'s belt is learned: its line, and its speed from two stances.
    pub fn ready(&self, side: Side) -> bool {
        let f = self.foot(side);
        f.belt.line().is_some() && f.belt.stances_measured() >= 2 && f.timed()
    }

    /// Feeds one frame; returns the events it confirms.
    pub fn push(&mut self, body: &BodyFrame) -> Vec<GaitEvent> {
        let sample = |side: Side| {
            let p = side.points();
            let seen = body.keypoints[p.heel]
                .visibility
                .min(body.keypoints[p.toe].visibility)
                >= MIN_VISIBILITY;
            seen.then(|| Sample {
                frame: body.frame,
                t: body.t,
                heel: point(&body.keypoints[p.heel]),
                toe: point(&body.keypoints[p.toe]),
                leg: body.leg_length,
                dir: body.dir,
            })
        };
        let mut samples = [sample(Side::Left), sample(Side::Right)];
        if let [Some(l), Some(r)] = samples {
            let d = |a: Point, b: Point| (a.0 - b.0).hypot(a.1 - b.1);
            if d(l.heel, r.heel).max(d(l.toe, r.toe)) < MERGED_FRAC * body.leg_length {
                // One foot sits on the other: drop the one that jumped there.
                let jump = |foot: &Foot, s: &Sample| {
                    foot.samples
                        .back()
                        .map_or(f64::INFINITY, |last| d(last.heel, s.heel) + d(last.toe, s.toe))
                };
                let (jl, jr) = (jump(&self.feet[0], &l), jump(&self.feet[1], &r));
                samples[usize::from(jl < jr)] = None;
            }
        }
        let now = (body.frame, body.t);
        let mut out = Vec::new();
        for (foot, s) in self.feet.iter_mut().zip(samples) {
            if let Some(s) = s {
                out.extend(foot.push(s, now, self.min_stride_s));
            }
        }
        out
    }
}

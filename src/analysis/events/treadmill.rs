//! The treadmill contact detector, for each foot on its own. It rests on what holds on real
//! keypoints — a phone at 30 fps, the far foot swapped with the near one for a frame or two,
//! jumping 50–100 px or fading — rather than on thresholds of a few pixels:
//!
//! - **The stride's frame**: the foot's fore-aft position relative to the hips swings by
//!   0.5–1.2 leg lengths a stride; its forward and backward extremes, confirmed once it has
//!   turned back by 0.2 leg lengths (after a running median over ±25 ms and at least three
//!   samples, so a swap or jump of a frame at 30 fps, of up to three at 120, makes no turn), bracket the stance and the start of the swing.
//! - **The stance**: in the middle of that span every strike type rests flat on the belt and
//!   rides back with it. The belt's velocity in the image (median over the last stances), the
//!   heel's and toe's height there, and the foot's flat angle come from those samples; a
//!   fixed belt line or speed is never assumed, so perspective, a tilted camera or a slowly
//!   wandering keypoint error move the stance with them.
//! - **IC** where the approaching foot meets that stance: before contact the point that
//!   touches first is above its stance level (`D_y`) and behind the stance's line of motion
//!   extrapolated back (`D_x`: in late swing the foot moves back slower than the belt, or
//!   forward); both shrink to zero at contact. One kink is fitted to both (flat after
//!   contact, growing before it, each with its own slope; see `kink.rs`), and IC is its
//!   likelihood-weighted time, between frames.
//! - **TO** where the toe's rise above its stance level starts, fitted over the samples
//!   from mid-stance to just past the backward extreme. (The toe still moves back with the
//!   belt just after TO, so the horizontal gives nothing here; "toe furthest behind the
//!   hips" is 10–20 ms late.)
//!
//! Which point touches first comes from the foot angle just before contact, against the
//! runner's own flat foot (Altman & Davis 2012). Samples where the far foot sits on the near
//! one (pose models snap overlapping legs together) are left out for the foot that jumped.
//! Events are decided once the foot has turned back into swing: about a stance and a few
//! frames after the contact.

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

    /// Whether `side`'s events are timed: a stance of it has been fitted.
    pub fn ready(&self, side: Side) -> bool {
        self.foot(side).timed()
    }

    /// Feeds one frame; returns the events it confirms.
    pub fn push(&mut self, body: &BodyFrame) -> Vec<GaitEvent> {
        let sample = |side: Side| {
            let p = side.points();
            let visibility = body.keypoints[p.heel]
                .visibility
                .min(body.keypoints[p.toe].visibility);
            (visibility >= MIN_VISIBILITY).then(|| Sample {
                visibility,
                frame: body.frame,
                t: body.t,
                heel: point(&body.keypoints[p.heel]),
                toe: point(&body.keypoints[p.toe]),
                hip_x: body.hip_centre.0,
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

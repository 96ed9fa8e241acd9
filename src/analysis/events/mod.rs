//! Gait events, decided causally from the frames seen so far: initial contact (IC) and
//! toe-off (TO) of each foot.
//!
//! On a treadmill the stance foot rides the belt: it sits on a fixed belt line in the image
//! and moves backward at the belt's speed. [`treadmill`] learns both from the stance phases
//! and places each event where the foot joins or leaves the belt, between frames
//! ([`belt`] keeps what it learned). Until the belt is learned for a foot — the first
//! seconds, or after the runner was lost — the hip-relative detector of [`hip_relative`]
//! decides instead, and the steps it opens are marked as settling.

mod belt;
mod foot;
pub mod hip_relative;
mod kink;
pub mod treadmill;

use super::body::BodyFrame;
use super::sample::Side;
use super::validity::FootStrike;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    InitialContact,
    ToeOff,
}

/// Where and how a foot met the belt, found by the treadmill detector.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ContactPoint {
    /// The point that touched first (heel, mid-foot or toe), image pixels, at the IC instant.
    pub x: f64,
    pub y: f64,
    /// `None` when the foot's angle before contact was not seen.
    pub strike: Option<FootStrike>,
    /// Heel → toe above the runner's flat foot just before contact, degrees (toe up +).
    pub foot_angle_deg: Option<f64>,
}

/// A confirmed event.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GaitEvent {
    pub kind: EventKind,
    pub side: Side,
    /// Frame nearest to, and media time of, the event.
    pub frame: u64,
    pub t: f64,
    /// At a contact placed by the hip-relative detector: how far the heel was ahead of the
    /// hip centre, leg lengths.
    pub heel_forward: Option<f64>,
    /// At a contact placed by the treadmill detector: the point that touched first.
    pub contact: Option<ContactPoint>,
    /// Frame and media time at which it was confirmed (decided).
    pub confirmed_frame: u64,
    pub confirmed_t: f64,
}

/// Both detectors, each foot handed to the treadmill one once its belt is learned.
#[derive(Debug, Clone)]
pub struct EventDetector {
    fallback: hip_relative::HipRelative,
    belt: treadmill::Treadmill,
    /// Per foot: whether the treadmill detector has taken over.
    on_belt: [bool; 2],
    /// Per foot: the last event the fallback emitted (kind, t), to avoid a double at handover.
    last_fallback: [Option<(EventKind, f64)>; 2],
}

fn slot(side: Side) -> usize {
    match side {
        Side::Left => 0,
        Side::Right => 1,
    }
}

/// At handover, a treadmill event this close to the fallback's last one of the same kind is
/// the same event.
const HANDOVER_SAME_S: f64 = 0.12;

impl EventDetector {
    /// See [`hip_relative::HipRelative::new`] for the fallback's settings.
    pub fn new(delta: f64, plateau: f64, min_stride_s: f64) -> Self {
        Self {
            fallback: hip_relative::HipRelative::new(delta, plateau, min_stride_s),
            belt: treadmill::Treadmill::new(min_stride_s),
            on_belt: [false; 2],
            last_fallback: [None; 2],
        }
    }

    /// Feeds one frame; returns the events it confirms, oldest first.
    pub fn push(&mut self, body: &BodyFrame) -> Vec<GaitEvent> {
        let fallback = self.fallback.push(body);
        let belt = self.belt.push(body);
        let mut out = Vec::new();
        for side in Side::BOTH {
            let i = slot(side);
            if !self.on_belt[i] && self.belt.ready(side) {
                self.on_belt[i] = true;
            }
            if self.on_belt[i] {
                for e in belt.iter().filter(|e| e.side == side) {
                    let same = self.last_fallback[i]
                        .is_some_and(|(kind, t)| kind == e.kind && (e.t - t).abs() < HANDOVER_SAME_S);
                    if !same {
                        out.push(*e);
                    }
                }
            } else {
                for e in fallback.iter().filter(|e| e.side == side) {
                    self.last_fallback[i] = Some((e.kind, e.t));
                    out.push(*e);
                }
            }
        }
        out.sort_by(|a, b| a.t.total_cmp(&b.t));
        out
    }
}

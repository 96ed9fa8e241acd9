//! The analysis stage's input: one frame's pose (or its absence) with its media time.

use crate::pose::{Keypoint, PersonBox, Pose, NUM_KEYPOINTS};

/// Keypoint indices of one leg, BlazePose order.
#[derive(Debug, Clone, Copy)]
pub struct LegPoints {
    pub hip: usize,
    pub knee: usize,
    pub ankle: usize,
    pub heel: usize,
    pub toe: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Left,
    Right,
}

impl Side {
    pub const BOTH: [Side; 2] = [Side::Left, Side::Right];

    pub fn points(self) -> LegPoints {
        match self {
            Side::Left => LegPoints {
                hip: 23,
                knee: 25,
                ankle: 27,
                heel: 29,
                toe: 31,
            },
            Side::Right => LegPoints {
                hip: 24,
                knee: 26,
                ankle: 28,
                heel: 30,
                toe: 32,
            },
        }
    }

    pub fn other(self) -> Side {
        match self {
            Side::Left => Side::Right,
            Side::Right => Side::Left,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Side::Left => "left",
            Side::Right => "right",
        }
    }
}

/// One frame as the analysis sees it.
#[derive(Debug, Clone)]
pub struct PoseSample {
    pub frame: u64,
    /// Media time, seconds.
    pub t: f64,
    pub keypoints: Option<[Keypoint; NUM_KEYPOINTS]>,
    /// The pose stage's track number; a change means a different (or re-found) person.
    pub track: Option<u64>,
    /// Frame size in pixels, when known: legs outside it cannot be measured.
    pub size: Option<(i32, i32)>,
    /// Everyone in view, on frames where the pose stage looked (see `keypoints.jsonl`).
    pub people: Option<Vec<PersonBox>>,
}

impl PoseSample {
    pub fn from_pose(frame: u64, t: f64, size: (i32, i32), pose: Option<&Pose>) -> Self {
        Self {
            frame,
            t,
            keypoints: pose.map(|p| p.keypoints),
            track: pose.map(|p| p.track),
            size: Some(size),
            people: None,
        }
    }
}

pub const LEFT_SHOULDER: usize = 11;
pub const RIGHT_SHOULDER: usize = 12;

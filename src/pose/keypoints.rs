//! The 33 BlazePose keypoint names and the per-keypoint record.

use serde::{Deserialize, Serialize};

pub const NUM_KEYPOINTS: usize = 33;

/// BlazePose body keypoints in model order.
pub const KEYPOINT_NAMES: [&str; NUM_KEYPOINTS] = [
    "nose",
    "left_eye_inner",
    "left_eye",
    "left_eye_outer",
    "right_eye_inner",
    "right_eye",
    "right_eye_outer",
    "left_ear",
    "right_ear",
    "mouth_left",
    "mouth_right",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_pinky",
    "right_pinky",
    "left_index",
    "right_index",
    "left_thumb",
    "right_thumb",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
    "left_heel",
    "right_heel",
    "left_foot_index",
    "right_foot_index",
];

/// Bones drawn and checked: pairs of keypoint indices.
pub const SKELETON: [(usize, usize); 22] = [
    (11, 12), // shoulders
    (11, 23), // left trunk
    (12, 24), // right trunk
    (23, 24), // hips
    (11, 13), // left upper arm
    (13, 15), // left forearm
    (12, 14), // right upper arm
    (14, 16), // right forearm
    (23, 25), // left thigh
    (25, 27), // left shank
    (27, 29), // left ankle → heel
    (29, 31), // left heel → toe
    (27, 31), // left ankle → toe
    (24, 26), // right thigh
    (26, 28), // right shank
    (28, 30), // right ankle → heel
    (30, 32), // right heel → toe
    (28, 32), // right ankle → toe
    (0, 7),   // nose → left ear
    (0, 8),   // nose → right ear
    (9, 10),  // mouth
    (7, 8),   // ears
];

pub fn index_of(name: &str) -> Option<usize> {
    KEYPOINT_NAMES.iter().position(|n| *n == name)
}

/// One keypoint in image pixels.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Keypoint {
    pub x: f32,
    pub y: f32,
    /// Depth relative to the hips, in the same pixel scale (rough; not used for metrics).
    pub z: f32,
    /// Probability that the point is visible (not occluded), 0..1.
    pub visibility: f32,
    /// Probability that the point is inside the image, 0..1.
    pub presence: f32,
}

/// Whether a keypoint name belongs to the left (`Some(true)`), right or neither side.
pub fn is_left(index: usize) -> Option<bool> {
    let name = KEYPOINT_NAMES[index];
    if name.starts_with("left") || name == "mouth_left" {
        Some(true)
    } else if name.starts_with("right") || name == "mouth_right" {
        Some(false)
    } else {
        None
    }
}

/// The smallest box holding `points`: (x0, y0, x1, y1) in their pixels; `None` when empty.
pub fn bounds(points: &[Keypoint]) -> Option<(f32, f32, f32, f32)> {
    let first = points.first()?;
    Some(
        points
            .iter()
            .fold((first.x, first.y, first.x, first.y), |(x0, y0, x1, y1), p| {
                (x0.min(p.x), y0.min(p.y), x1.max(p.x), y1.max(p.y))
            }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_feet_where_blazepose_puts_them() {
        let mut sorted = KEYPOINT_NAMES.to_vec();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), NUM_KEYPOINTS);
        assert_eq!(index_of("left_heel"), Some(29));
        assert_eq!(index_of("right_foot_index"), Some(32));
        assert_eq!(index_of("left_hip"), Some(23));
        assert_eq!(index_of("tail"), None);
    }

    #[test]
    fn skeleton_pairs_join_same_side_points() {
        for (a, b) in SKELETON {
            assert!(a < NUM_KEYPOINTS && b < NUM_KEYPOINTS);
            if let (Some(sa), Some(sb)) = (is_left(a), is_left(b)) {
                let crosses = matches!((a, b), (11, 12) | (23, 24) | (9, 10) | (7, 8));
                assert!(sa == sb || crosses, "{a}-{b}");
            }
        }
    }

    #[test]
    fn bounds_hold_every_point() {
        let p = |x, y| Keypoint {
            x,
            y,
            ..Keypoint::default()
        };
        assert_eq!(
            bounds(&[p(3.0, 9.0), p(-1.0, 4.0), p(7.0, 5.0)]),
            Some((-1.0, 4.0, 7.0, 9.0))
        );
        assert_eq!(bounds(&[]), None);
    }
}

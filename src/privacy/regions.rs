//! Where to blur, in image pixels: the runner's head from their face keypoints, a
//! bystander's face from a person detector's box, and boxes grown for movement.

use opencv::core::Rect;

use crate::pose::{keypoints, Keypoint};

/// Face keypoints: nose, eyes, ears, mouth (BlazePose 0..=10).
const FACE: std::ops::RangeInclusive<usize> = 0..=10;
/// The blurred box is this much larger than the face points' extent (hair, chin).
const MARGIN: f64 = 0.9;

/// The head region of a pose, in image pixels, clipped to the image.
pub fn head_box(keypoints: &[Keypoint], width: i32, height: i32) -> Option<Rect> {
    let pts: Vec<(f64, f64)> = keypoints[FACE].iter().map(|k| (k.x as f64, k.y as f64)).collect();
    let (x0, x1) = pts
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.0), b.max(p.0)));
    let (y0, y1) = pts
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.1), b.max(p.1)));
    // A side view squeezes the face points together: size the box by the larger extent.
    let side = (x1 - x0).max(y1 - y0).max(8.0) * (1.0 + 2.0 * MARGIN);
    let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
    let left = ((cx - side / 2.0).floor() as i32).clamp(0, width);
    let top = ((cy - side / 2.0).floor() as i32).clamp(0, height);
    let right = ((cx + side / 2.0).ceil() as i32).clamp(0, width);
    let bottom = ((cy + side / 2.0).ceil() as i32).clamp(0, height);
    (right - left >= 2 && bottom - top >= 2).then(|| Rect::new(left, top, right - left, bottom - top))
}

/// The runner's body below the face: from the shoulders down to the lowest foot point,
/// across every body keypoint (BlazePose 11..=32).
pub fn body_box(keypoints: &[Keypoint], width: i32, height: i32) -> Option<Rect> {
    let (x0, y0, x1, y1) = keypoints::bounds(keypoints.get(11..=32)?)?;
    let left = (x0.floor() as i32).clamp(0, width);
    let top = (y0.floor() as i32).clamp(0, height);
    let right = (x1.ceil() as i32).clamp(0, width);
    let bottom = (y1.ceil() as i32).clamp(0, height);
    (right > left && bottom > top).then(|| Rect::new(left, top, right - left, bottom - top))
}

/// The face part of a detector box: its upper middle (the box spans head and shoulders).
pub fn face_of_detection(bbox: [f32; 4], width: i32, height: i32) -> Option<Rect> {
    let (w, h) = (bbox[2] - bbox[0], bbox[3] - bbox[1]);
    let left = ((bbox[0] + 0.2 * w) as i32).clamp(0, width);
    let right = ((bbox[2] - 0.2 * w) as i32).clamp(0, width);
    let top = (bbox[1] as i32).clamp(0, height);
    let bottom = ((bbox[1] + 0.6 * h) as i32).clamp(0, height);
    (right - left >= 2 && bottom - top >= 2).then(|| Rect::new(left, top, right - left, bottom - top))
}

/// `r` grown by `share` of its size on every side, clipped to the image.
pub fn grow(r: Rect, share: f64, width: i32, height: i32) -> Rect {
    let dx = (r.width as f64 * share).round() as i32;
    let dy = (r.height as f64 * share).round() as i32;
    let left = (r.x - dx).clamp(0, width);
    let top = (r.y - dy).clamp(0, height);
    let right = (r.x + r.width + dx).clamp(0, width);
    let bottom = (r.y + r.height + dy).clamp(0, height);
    Rect::new(left, top, right - left, bottom - top)
}

/// Whether two boxes share any pixel.
pub fn overlaps(a: Rect, b: Rect) -> bool {
    a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn held_boxes_grow_and_stay_in_the_image() {
        let r = grow(Rect::new(0, 10, 40, 20), 0.25, 45, 100);
        assert_eq!(r, Rect::new(0, 5, 45, 30));
        assert!(overlaps(Rect::new(0, 0, 10, 10), Rect::new(9, 9, 5, 5)));
        assert!(!overlaps(Rect::new(0, 0, 10, 10), Rect::new(10, 0, 5, 5)));
    }
}

//! A rotated square region of interest in image pixels, and its mapping to crop space.
//!
//! Crop coordinates `(u, v)` are normalised to 0..1 across the square crop, with `v`
//! pointing "down the body" after rotation. `image_from_crop` and `crop_from_image` are
//! exact inverses.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Roi {
    pub center_x: f32,
    pub center_y: f32,
    /// Side of the square, pixels.
    pub size: f32,
    /// Clockwise rotation of the crop in the image, radians.
    pub rotation: f32,
}

impl Roi {
    /// The whole image, letterboxed into a square (no rotation).
    pub fn letterbox(width: i32, height: i32) -> Self {
        Self {
            center_x: width as f32 / 2.0,
            center_y: height as f32 / 2.0,
            size: width.max(height) as f32,
            rotation: 0.0,
        }
    }

    /// A square around `center` whose "up" points from `center` towards `toward`, with
    /// side `scale` × twice their distance (BlazePose's alignment-point rule).
    pub fn from_alignment(center: (f32, f32), toward: (f32, f32), scale: f32) -> Self {
        let (dx, dy) = (toward.0 - center.0, toward.1 - center.1);
        let size = 2.0 * dx.hypot(dy) * scale;
        let rotation = normalize_angle(std::f32::consts::FRAC_PI_2 - (-dy).atan2(dx));
        Self {
            center_x: center.0,
            center_y: center.1,
            size,
            rotation,
        }
    }

    /// Image pixel of crop point `(u, v)` (0..1 across the crop).
    pub fn image_from_crop(&self, u: f32, v: f32) -> (f32, f32) {
        let (sin, cos) = self.rotation.sin_cos();
        let (a, b) = ((u - 0.5) * self.size, (v - 0.5) * self.size);
        (
            self.center_x + cos * a - sin * b,
            self.center_y + sin * a + cos * b,
        )
    }

    /// Crop point `(u, v)` of image pixel `(x, y)`; inverse of [`Roi::image_from_crop`].
    pub fn crop_from_image(&self, x: f32, y: f32) -> (f32, f32) {
        let (sin, cos) = self.rotation.sin_cos();
        let (dx, dy) = (x - self.center_x, y - self.center_y);
        let a = cos * dx + sin * dy;
        let b = -sin * dx + cos * dy;
        (a / self.size + 0.5, b / self.size + 0.5)
    }

    /// The 2×3 affine matrix taking crop pixel indices (of a `side`-pixel crop) to image
    /// pixels, as OpenCV's `warp_affine` wants with `WARP_INVERSE_MAP`.
    pub fn crop_to_image_affine(&self, side: i32) -> [[f64; 3]; 2] {
        let (sin, cos) = (self.rotation as f64).sin_cos();
        let k = self.size as f64 / side as f64;
        let (cx, cy, half) = (self.center_x as f64, self.center_y as f64, self.size as f64 / 2.0);
        [
            [cos * k, -sin * k, cx - cos * half + sin * half],
            [sin * k, cos * k, cy - sin * half - cos * half],
        ]
    }
}

/// Wraps an angle into -π..π.
pub fn normalize_angle(a: f32) -> f32 {
    use std::f32::consts::PI;
    a - 2.0 * PI * ((a + PI) / (2.0 * PI)).floor()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rois() -> Vec<Roi> {
        [0.0f32, 0.4, -1.3, 3.0]
            .iter()
            .map(|&rotation| Roi {
                center_x: 320.5,
                center_y: 211.0,
                size: 180.0,
                rotation,
            })
            .collect()
    }

    #[test]
    fn crop_and_image_round_trip() {
        for roi in rois() {
            for &(u, v) in &[(0.0, 0.0), (0.25, 0.9), (1.0, 0.5), (0.5, 0.5)] {
                let (x, y) = roi.image_from_crop(u, v);
                let (u2, v2) = roi.crop_from_image(x, y);
                assert!((u - u2).abs() < 1e-5 && (v - v2).abs() < 1e-5, "{roi:?} {u},{v}");
            }
        }
    }

    #[test]
    fn affine_matrix_agrees_with_point_mapping() {
        for roi in rois() {
            let m = roi.crop_to_image_affine(256);
            for &(px, py) in &[(0.0f64, 0.0f64), (128.0, 64.0), (255.0, 255.0)] {
                let x = m[0][0] * px + m[0][1] * py + m[0][2];
                let y = m[1][0] * px + m[1][1] * py + m[1][2];
                let (ex, ey) = roi.image_from_crop(px as f32 / 256.0, py as f32 / 256.0);
                assert!((x as f32 - ex).abs() < 1e-3 && (y as f32 - ey).abs() < 1e-3);
            }
        }
    }

    #[test]
    fn alignment_points_upright_and_lying_body() {
        // Upright: the scale point straight above the hips → no rotation.
        let up = Roi::from_alignment((100.0, 200.0), (100.0, 150.0), 1.25);
        assert!(up.rotation.abs() < 1e-6);
        assert!((up.size - 125.0).abs() < 1e-4);
        // The crop's top centre lies in the direction of the scale point.
        let lying = Roi::from_alignment((100.0, 200.0), (150.0, 200.0), 1.0);
        let (x, y) = lying.image_from_crop(0.5, 0.0);
        assert!((x - 150.0).abs() < 1e-3 && (y - 200.0).abs() < 1e-3, "{x},{y}");
    }

    #[test]
    fn letterbox_covers_the_whole_frame() {
        let roi = Roi::letterbox(1768, 994);
        let (x0, y0) = roi.image_from_crop(0.0, 0.0);
        let (x1, y1) = roi.image_from_crop(1.0, 1.0);
        assert_eq!((x0, x1), (0.0, 1768.0));
        assert!(y0 < 0.0 && y1 > 994.0);
    }

    #[test]
    fn angles_wrap() {
        use std::f32::consts::PI;
        assert!((normalize_angle(3.0 * PI / 2.0) + PI / 2.0).abs() < 1e-5);
        assert!((normalize_angle(-0.3) + 0.3).abs() < 1e-6);
    }
}

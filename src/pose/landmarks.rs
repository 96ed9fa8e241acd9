//! The BlazePose landmark model: a rotated 256×256 crop around one person in, 33 body
//! keypoints (plus 6 auxiliary points used for tracking) and a presence score out.

use std::path::Path;
use std::time::Instant;

use anyhow::{anyhow, Context, Result};
use opencv::core::Mat;
use ort::environment::Environment;
use ort::session::Session;
use ort::value::TensorRef;

use super::crop::{Border, Cropper};
use super::keypoints::{Keypoint, NUM_KEYPOINTS};
use super::roi::Roi;
use super::runtime::{load_model, ModelSpec};
use crate::timing::StageTimes;

/// Crops are this much larger than twice the alignment distance (MediaPipe's value).
pub const ROI_SCALE: f32 = 1.25;
const INPUT_SIDE: i32 = 256;
/// 33 body points + 6 auxiliary points, each (x, y, z, visibility logit, presence logit).
const NUM_LANDMARKS: usize = 39;
const VALUES_PER_LANDMARK: usize = 5;
/// Auxiliary points whose line gives the next frame's crop: body centre and scale point.
const AUX_CENTER: usize = 33;
const AUX_SCALE: usize = 34;
/// The heatmap output: 64×64 cells per landmark.
const HEATMAP_SIDE: usize = 64;
/// MediaPipe refines each body point to the confidence-weighted centre of a 7×7 heatmap
/// window around it, when the window's best cell is at least 0.5 confident.
const HEATMAP_KERNEL: usize = 7;
const HEATMAP_MIN_CONFIDENCE: f32 = 0.5;

/// Which landmark network to run: `full` is the default; `lite` trades accuracy on the
/// legs and feet for speed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelVariant {
    Full,
    Lite,
}

impl ModelVariant {
    pub fn file_name(self) -> &'static str {
        match self {
            ModelVariant::Full => "pose_landmark_full.onnx",
            ModelVariant::Lite => "pose_landmark_lite.onnx",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ModelVariant::Full => "full",
            ModelVariant::Lite => "lite",
        }
    }
}

impl std::str::FromStr for ModelVariant {
    type Err = anyhow::Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "full" => Ok(ModelVariant::Full),
            "lite" => Ok(ModelVariant::Lite),
            other => Err(anyhow!("model '{other}' is not one of: full, lite")),
        }
    }
}

/// What the landmark model saw in one crop.
#[derive(Debug, Clone)]
pub struct Landmarks {
    pub keypoints: [Keypoint; NUM_KEYPOINTS],
    /// Probability that a person fills the crop.
    pub presence: f32,
    /// The crop to use on the next frame when tracking.
    pub next_roi: Roi,
}

pub struct LandmarkModel {
    session: Session,
    input_name: String,
    landmarks_name: String,
    presence_name: String,
    heatmap_name: String,
    cropper: Cropper,
}

impl LandmarkModel {
    pub fn new(env: &Environment, path: &Path, threads: usize) -> Result<Self> {
        let spec = ModelSpec {
            path,
            role: "BlazePose landmark model",
            input_shape: &[1, INPUT_SIDE as i64, INPUT_SIDE as i64, 3],
            outputs: &[],
        };
        let session = load_model(env, &spec, threads)?;
        let output_shaped = |want: &[i64]| {
            session
                .outputs()
                .iter()
                .find(|o| o.dtype().tensor_shape().map(|s| &s[..] == want).unwrap_or(false))
                .map(|o| o.name().to_string())
                .ok_or_else(|| {
                    anyhow!(
                        "model '{}' has no {want:?} output: it is not the BlazePose landmark model; restore models/ from the repository",
                        path.display()
                    )
                })
        };
        Ok(Self {
            input_name: session.inputs()[0].name().to_string(),
            landmarks_name: output_shaped(&[1, (NUM_LANDMARKS * VALUES_PER_LANDMARK) as i64])?,
            presence_name: output_shaped(&[1, 1])?,
            heatmap_name: output_shaped(&[
                1,
                HEATMAP_SIDE as i64,
                HEATMAP_SIDE as i64,
                NUM_LANDMARKS as i64,
            ])?,
            session,
            cropper: Cropper::new(INPUT_SIDE, (0.0, 1.0), Border::Replicate),
        })
    }

    /// Runs the model on `roi` of `image` (8-bit BGR); keypoints come back in image pixels.
    pub fn run(&mut self, image: &Mat, roi: &Roi, times: &mut StageTimes) -> Result<Landmarks> {
        let t0 = Instant::now();
        self.cropper.crop(image, roi)?;
        let t1 = Instant::now();
        let side = INPUT_SIDE as usize;
        let input = TensorRef::from_array_view(([1usize, side, side, 3], self.cropper.tensor.as_slice()))
            .context("preparing the landmark input")?;
        let outputs = self
            .session
            .run(ort::inputs![self.input_name.as_str() => input])
            .map_err(|e| anyhow!("landmark model failed: {e}"))?;
        let t2 = Instant::now();
        let (_, raw) = outputs[self.landmarks_name.as_str()]
            .try_extract_tensor::<f32>()
            .map_err(|e| anyhow!("reading landmarks: {e}"))?;
        let (_, presence) = outputs[self.presence_name.as_str()]
            .try_extract_tensor::<f32>()
            .map_err(|e| anyhow!("reading pose presence: {e}"))?;
        let (_, heatmap) = outputs[self.heatmap_name.as_str()]
            .try_extract_tensor::<f32>()
            .map_err(|e| anyhow!("reading landmark heatmap: {e}"))?;
        let mut raw = raw.to_vec();
        refine_from_heatmap(&mut raw, heatmap);
        let result = decode(&raw, presence[0], roi);
        times.record("landmark_crop", t1 - t0);
        times.record("landmark_infer", t2 - t1);
        times.record("landmark_post", t2.elapsed());
        Ok(result)
    }
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// Moves each landmark, auxiliary ones included (x, y in crop pixels), to the confidence-weighted centre of
/// the heatmap window around it, as MediaPipe's pose graph does.
fn refine_from_heatmap(raw: &mut [f32], heatmap: &[f32]) {
    let side = INPUT_SIDE as f32;
    let cells = HEATMAP_SIDE as i64;
    let half = (HEATMAP_KERNEL / 2) as i64;
    for i in 0..NUM_LANDMARKS {
        let v = &mut raw[i * VALUES_PER_LANDMARK..i * VALUES_PER_LANDMARK + 2];
        let col = (v[0] / side * cells as f32) as i64;
        let row = (v[1] / side * cells as f32) as i64;
        if !(0..cells).contains(&col) || !(0..cells).contains(&row) {
            continue;
        }
        let (mut sum, mut best, mut wx, mut wy) = (0.0f32, 0.0f32, 0.0f32, 0.0f32);
        for r in (row - half).max(0)..(row + half + 1).min(cells) {
            for c in (col - half).max(0)..(col + half + 1).min(cells) {
                let cell = (r as usize * HEATMAP_SIDE + c as usize) * NUM_LANDMARKS + i;
                let confidence = sigmoid(heatmap[cell]);
                sum += confidence;
                best = best.max(confidence);
                wx += c as f32 * confidence;
                wy += r as f32 * confidence;
            }
        }
        if best >= HEATMAP_MIN_CONFIDENCE && sum > 0.0 {
            v[0] = wx / sum / cells as f32 * side;
            v[1] = wy / sum / cells as f32 * side;
        }
    }
}

/// Maps raw crop-space landmarks to image pixels.
fn decode(raw: &[f32], presence: f32, roi: &Roi) -> Landmarks {
    let side = INPUT_SIDE as f32;
    let point = |i: usize| {
        let v = &raw[i * VALUES_PER_LANDMARK..(i + 1) * VALUES_PER_LANDMARK];
        let (x, y) = roi.image_from_crop(v[0] / side, v[1] / side);
        Keypoint {
            x,
            y,
            z: v[2] / side * roi.size,
            visibility: sigmoid(v[3]),
            presence: sigmoid(v[4]),
        }
    };
    let keypoints = std::array::from_fn(point);
    let (c, s) = (point(AUX_CENTER), point(AUX_SCALE));
    Landmarks {
        keypoints,
        presence,
        next_roi: Roi::from_alignment((c.x, c.y), (s.x, s.y), ROI_SCALE),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heatmap_pulls_points_to_the_confident_cells_only() {
        let mut raw = vec![0.0f32; NUM_LANDMARKS * VALUES_PER_LANDMARK];
        raw[..2].copy_from_slice(&[100.0, 100.0]); // landmark 0 → cell (25, 25)
        raw[5..7].copy_from_slice(&[200.0, 40.0]); // landmark 1 → cell (50, 10)
        let mut heatmap = vec![-20.0f32; HEATMAP_SIDE * HEATMAP_SIDE * NUM_LANDMARKS];
        // Landmark 0: one confident cell at (row 27, col 24).
        heatmap[(27 * HEATMAP_SIDE + 24) * NUM_LANDMARKS] = 20.0;
        // Landmark 1: nothing confident → unchanged.
        heatmap[(10 * HEATMAP_SIDE + 50) * NUM_LANDMARKS + 1] = -0.5;
        refine_from_heatmap(&mut raw, &heatmap);
        assert!((raw[0] - 24.0 * 4.0).abs() < 1e-3 && (raw[1] - 27.0 * 4.0).abs() < 1e-3);
        assert_eq!(&raw[5..7], &[200.0, 40.0]);
    }

    #[test]
    fn decode_maps_crop_pixels_through_the_roi() {
        let mut raw = vec![0.0f32; NUM_LANDMARKS * VALUES_PER_LANDMARK];
        // Keypoint 0 at the crop centre, fully visible; aux points straight up the crop.
        raw[..5].copy_from_slice(&[128.0, 128.0, 0.0, 10.0, 10.0]);
        raw[AUX_CENTER * 5..AUX_CENTER * 5 + 2].copy_from_slice(&[128.0, 128.0]);
        raw[AUX_SCALE * 5..AUX_SCALE * 5 + 2].copy_from_slice(&[128.0, 64.0]);
        let roi = Roi {
            center_x: 500.0,
            center_y: 300.0,
            size: 512.0,
            rotation: std::f32::consts::FRAC_PI_2,
        };
        let out = decode(&raw, 0.9, &roi);
        let nose = out.keypoints[0];
        assert!((nose.x - 500.0).abs() < 1e-3 && (nose.y - 300.0).abs() < 1e-3);
        assert!(nose.visibility > 0.99);
        // "Up" in a crop rotated by 90° points right in the image; the next crop keeps the
        // rotation and spans 2 × (64 crop px × 2 image px per crop px) × 1.25.
        assert!((out.next_roi.rotation - roi.rotation).abs() < 1e-4);
        assert!((out.next_roi.size - 320.0).abs() < 1e-2);
    }
}

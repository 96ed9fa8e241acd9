//! The BlazePose person detector: whole frame in, people's boxes and alignment points out.
//!
//! The frame is letterboxed to 224×224; each of the 2,254 SSD anchors predicts a box and
//! four keypoints (0: hip centre, 1: a point whose distance and direction from it give the
//! body's scale and rotation). Overlapping boxes are merged by a score-weighted average.

use std::path::Path;
use std::time::Instant;

use anyhow::{anyhow, Context, Result};
use opencv::core::Mat;
use opencv::prelude::*;
use ort::environment::Environment;
use ort::session::Session;
use ort::value::TensorRef;

use super::crop::{Border, Cropper};
use super::roi::Roi;
use super::runtime::{load_model, ModelSpec};
use crate::timing::StageTimes;

const INPUT_SIDE: i32 = 224;
const NUM_ANCHORS: usize = 2254;
const VALUES_PER_ANCHOR: usize = 12;
/// MediaPipe's pose detector strides; layers with equal strides share a grid.
const STRIDES: [usize; 5] = [8, 16, 32, 32, 32];
/// Logits are clipped to ±100 before the sigmoid, as MediaPipe does.
const LOGIT_CLIP: f32 = 100.0;
/// Boxes overlapping more than this are the same person (MediaPipe's value).
const MERGE_IOU: f32 = 0.3;

/// One person found by the detector, in image pixels.
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    pub score: f32,
    /// Box corners (x0, y0, x1, y1).
    pub bbox: [f32; 4],
    /// The four alignment keypoints; 0 is the hip centre, 1 gives scale and rotation.
    pub keypoints: [(f32, f32); 4],
}

impl Detection {
    /// The crop the landmark model should see for this person.
    pub fn roi(&self) -> Roi {
        Roi::from_alignment(self.keypoints[0], self.keypoints[1], super::landmarks::ROI_SCALE)
    }

    fn area(&self) -> f32 {
        (self.bbox[2] - self.bbox[0]).max(0.0) * (self.bbox[3] - self.bbox[1]).max(0.0)
    }

    fn iou(&self, other: &Detection) -> f32 {
        let w = self.bbox[2].min(other.bbox[2]) - self.bbox[0].max(other.bbox[0]);
        let h = self.bbox[3].min(other.bbox[3]) - self.bbox[1].max(other.bbox[1]);
        let inter = w.max(0.0) * h.max(0.0);
        let union = self.area() + other.area() - inter;
        if union > 0.0 {
            inter / union
        } else {
            0.0
        }
    }
}

pub struct PersonDetector {
    session: Session,
    input_name: String,
    boxes_name: String,
    scores_name: String,
    anchors: Vec<(f32, f32)>,
    cropper: Cropper,
    min_score: f32,
}

impl PersonDetector {
    pub fn new(env: &Environment, path: &Path, threads: usize, min_score: f32) -> Result<Self> {
        let spec = ModelSpec {
            path,
            role: "BlazePose person detector",
            input_shape: &[1, INPUT_SIDE as i64, INPUT_SIDE as i64, 3],
            outputs: &[],
        };
        let session = load_model(env, &spec, threads)?;
        let output_with_last_dim = |dim: i64| {
            session
                .outputs()
                .iter()
                .find(|o| o.dtype().tensor_shape().and_then(|s| s.last().copied()) == Some(dim))
                .map(|o| o.name().to_string())
                .ok_or_else(|| {
                    anyhow!(
                        "model '{}' lacks the detector's {dim}-wide output: wrong model file; restore models/ from the repository",
                        path.display()
                    )
                })
        };
        Ok(Self {
            input_name: session.inputs()[0].name().to_string(),
            boxes_name: output_with_last_dim(VALUES_PER_ANCHOR as i64)?,
            scores_name: output_with_last_dim(1)?,
            session,
            anchors: anchors(),
            cropper: Cropper::new(INPUT_SIDE, (-1.0, 1.0), Border::Zero),
            min_score,
        })
    }

    /// People in `image` (8-bit BGR), best first, overlapping boxes merged.
    pub fn detect(&mut self, image: &Mat, times: &mut StageTimes) -> Result<Vec<Detection>> {
        self.detect_at(image, self.min_score, times)
    }

    /// As [`PersonDetector::detect`], keeping people down to `min_score`.
    pub fn detect_at(
        &mut self,
        image: &Mat,
        min_score: f32,
        times: &mut StageTimes,
    ) -> Result<Vec<Detection>> {
        let letterbox = Roi::letterbox(image.cols(), image.rows());
        let t0 = Instant::now();
        self.cropper.crop(image, &letterbox)?;
        let t1 = Instant::now();
        let side = INPUT_SIDE as usize;
        let input = TensorRef::from_array_view(([1usize, side, side, 3], self.cropper.tensor.as_slice()))
            .context("preparing the detector input")?;
        let outputs = self
            .session
            .run(ort::inputs![self.input_name.as_str() => input])
            .map_err(|e| anyhow!("person detector failed: {e}"))?;
        let t2 = Instant::now();
        let (_, boxes) = outputs[self.boxes_name.as_str()]
            .try_extract_tensor::<f32>()
            .map_err(|e| anyhow!("reading detector boxes: {e}"))?;
        let (_, logits) = outputs[self.scores_name.as_str()]
            .try_extract_tensor::<f32>()
            .map_err(|e| anyhow!("reading detector scores: {e}"))?;
        let raw = decode(boxes, logits, &self.anchors, min_score, &letterbox);
        let merged = weighted_nms(raw);
        times.record("detect_crop", t1 - t0);
        times.record("detect_infer", t2 - t1);
        times.record("detect_post", t2.elapsed());
        Ok(merged)
    }
}

/// SSD anchor centres in 0..1 of the 224-pixel input: two anchors per grid cell, grids of
/// equal stride merged, in the order the model emits them.
fn anchors() -> Vec<(f32, f32)> {
    let mut out = Vec::with_capacity(NUM_ANCHORS);
    let mut layer = 0;
    while layer < STRIDES.len() {
        let stride = STRIDES[layer];
        let mut per_cell = 0;
        while layer < STRIDES.len() && STRIDES[layer] == stride {
            per_cell += 2;
            layer += 1;
        }
        let cells = (INPUT_SIDE as usize).div_ceil(stride);
        for y in 0..cells {
            for x in 0..cells {
                let centre = ((x as f32 + 0.5) / cells as f32, (y as f32 + 0.5) / cells as f32);
                out.extend(std::iter::repeat_n(centre, per_cell));
            }
        }
    }
    out
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// Turns raw anchor predictions into detections in image pixels.
fn decode(
    boxes: &[f32],
    logits: &[f32],
    anchors: &[(f32, f32)],
    min_score: f32,
    letterbox: &Roi,
) -> Vec<Detection> {
    let scale = INPUT_SIDE as f32;
    let mut out = Vec::new();
    for (i, (&(ax, ay), raw)) in anchors
        .iter()
        .zip(boxes.chunks_exact(VALUES_PER_ANCHOR))
        .enumerate()
    {
        let score = sigmoid(logits[i].clamp(-LOGIT_CLIP, LOGIT_CLIP));
        if score < min_score {
            continue;
        }
        let (cx, cy) = (raw[0] / scale + ax, raw[1] / scale + ay);
        let (w, h) = (raw[2] / scale, raw[3] / scale);
        let (x0, y0) = letterbox.image_from_crop(cx - w / 2.0, cy - h / 2.0);
        let (x1, y1) = letterbox.image_from_crop(cx + w / 2.0, cy + h / 2.0);
        let mut keypoints = [(0.0, 0.0); 4];
        for (k, kp) in keypoints.iter_mut().enumerate() {
            *kp = letterbox.image_from_crop(raw[4 + 2 * k] / scale + ax, raw[5 + 2 * k] / scale + ay);
        }
        out.push(Detection {
            score,
            bbox: [x0, y0, x1, y1],
            keypoints,
        });
    }
    out
}

/// Merges overlapping detections into their score-weighted average (MediaPipe's
/// "weighted NMS"); the merged detection keeps the best score.
fn weighted_nms(mut dets: Vec<Detection>) -> Vec<Detection> {
    dets.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut out = Vec::new();
    while !dets.is_empty() {
        let best = dets[0].clone();
        let (group, rest): (Vec<_>, Vec<_>) = dets.into_iter().partition(|d| d.iou(&best) > MERGE_IOU);
        dets = rest;
        let total: f32 = group.iter().map(|d| d.score).sum();
        let mut merged = Detection {
            score: best.score,
            bbox: [0.0; 4],
            keypoints: [(0.0, 0.0); 4],
        };
        for d in &group {
            let w = d.score / total;
            for (m, v) in merged.bbox.iter_mut().zip(d.bbox) {
                *m += w * v;
            }
            for (m, v) in merged.keypoints.iter_mut().zip(d.keypoints) {
                m.0 += w * v.0;
                m.1 += w * v.1;
            }
        }
        out.push(merged);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchor_grid_matches_the_model() {
        let a = anchors();
        assert_eq!(a.len(), NUM_ANCHORS);
        assert_eq!(a[0], (0.5 / 28.0, 0.5 / 28.0));
        assert_eq!(a[0], a[1]);
        // The stride-16 grid starts after 28×28×2 anchors; the last is the 7×7 grid's corner.
        assert_eq!(a[1568], (0.5 / 14.0, 0.5 / 14.0));
        assert_eq!(a[NUM_ANCHORS - 1], (6.5 / 7.0, 6.5 / 7.0));
    }

    fn det(score: f32, x: f32) -> Detection {
        Detection {
            score,
            bbox: [x, 0.0, x + 10.0, 10.0],
            keypoints: [(x, 0.0); 4],
        }
    }

    #[test]
    fn overlapping_boxes_merge_by_score_and_separate_ones_stay() {
        let out = weighted_nms(vec![det(0.6, 2.0), det(0.9, 0.0), det(0.7, 100.0)]);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].score, 0.9);
        let expected_x0 = (0.9 * 0.0 + 0.6 * 2.0) / 1.5;
        assert!((out[0].bbox[0] - expected_x0).abs() < 1e-5);
        assert_eq!(out[1].bbox[0], 100.0);
    }

    #[test]
    fn decode_maps_anchor_offsets_to_image_pixels() {
        let anchors = anchors();
        let mut boxes = vec![0.0f32; NUM_ANCHORS * VALUES_PER_ANCHOR];
        let mut logits = vec![-10.0f32; NUM_ANCHORS];
        // Anchor 0 predicts a 22.4-pixel box, centre shifted 11.2 px right of the anchor.
        boxes[..4].copy_from_slice(&[11.2, 0.0, 22.4, 22.4]);
        logits[0] = 5.0;
        let letterbox = Roi::letterbox(448, 448);
        let out = decode(&boxes, &logits, &anchors, 0.5, &letterbox);
        assert_eq!(out.len(), 1);
        let cx = (anchors[0].0 + 0.05) * 448.0;
        assert!(((out[0].bbox[0] + out[0].bbox[2]) / 2.0 - cx).abs() < 1e-3);
        assert!((out[0].bbox[2] - out[0].bbox[0] - 44.8).abs() < 1e-3);
        assert!((out[0].score - sigmoid(5.0)).abs() < 1e-6);
    }
}

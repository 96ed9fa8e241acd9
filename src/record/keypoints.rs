//! `keypoints.jsonl`: one JSON object per frame, flushed as it is written, so a crash
//! keeps every frame up to the last one.
//!
//! `{"frame": n, "t": s, "width": w, "height": h, "keypoints": {"nose": [x, y, visibility], …}}`
//! with all 33 BlazePose names in model order, or `"keypoints": null` without a runner,
//! then `"track": n`, which changes when the runner was lost and someone was found again,
//! and, on frames where the pose stage looked for everyone in view (about three times a
//! second), `"people": [[x0, y0, x1, y1, score], …]`: each person's box in image pixels.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::pose::{PersonBox, Pose, KEYPOINT_NAMES};

/// One line of the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeypointsRecord {
    pub frame: u64,
    pub t: f64,
    pub width: i32,
    pub height: i32,
    /// name → [x, y, visibility], or `None` when no runner was found.
    pub keypoints: Option<Map<String, Value>>,
    /// Track number: changes when the runner was lost and someone was found again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub track: Option<u64>,
    /// Everyone in view, [x0, y0, x1, y1, score], on frames where the detector ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub people: Option<Vec<[f64; 5]>>,
}

impl KeypointsRecord {
    pub fn new(
        frame: u64,
        t: f64,
        width: i32,
        height: i32,
        pose: Option<&Pose>,
        people: Option<&[PersonBox]>,
    ) -> Self {
        let keypoints = pose.map(|p| {
            KEYPOINT_NAMES
                .iter()
                .zip(p.keypoints.iter())
                .map(|(name, kp)| {
                    let v = serde_json::json!([round(kp.x, 2), round(kp.y, 2), round(kp.visibility, 4)]);
                    (name.to_string(), v)
                })
                .collect()
        });
        Self {
            frame,
            t: (t * 1e6).round() / 1e6,
            width,
            height,
            keypoints,
            track: pose.map(|p| p.track),
            people: people.map(|ps| {
                ps.iter()
                    .map(|p| {
                        let b = p.bbox;
                        [
                            round(b[0], 1),
                            round(b[1], 1),
                            round(b[2], 1),
                            round(b[3], 1),
                            round(p.score, 3),
                        ]
                    })
                    .collect()
            }),
        }
    }
}

fn round(v: f32, decimals: i32) -> f64 {
    let k = 10f64.powi(decimals);
    (v as f64 * k).round() / k
}

pub struct KeypointsWriter {
    out: BufWriter<File>,
    path: PathBuf,
}

impl KeypointsWriter {
    pub fn create(path: &Path) -> Result<Self> {
        let file = File::create(path).with_context(|| format!("creating '{}'", path.display()))?;
        Ok(Self {
            out: BufWriter::new(file),
            path: path.to_path_buf(),
        })
    }

    pub fn write(&mut self, record: &KeypointsRecord) -> Result<()> {
        let context = || format!("writing '{}' (is the disk full?)", self.path.display());
        serde_json::to_writer(&mut self.out, record).with_context(context)?;
        self.out.write_all(b"\n").with_context(context)?;
        self.out.flush().with_context(context)
    }
}

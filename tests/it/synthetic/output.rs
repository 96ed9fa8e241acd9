//! The synthetic run as the product sees it: `keypoints.jsonl` text, and frames as the
//! analysis stage receives them from the pose stage.

use std::fmt::Write;

use super::{SyntheticRun, KEYPOINT_NAMES};

fn json_number(v: f64, decimals: i32) -> String {
    let k = 10f64.powi(decimals);
    serde_json::Value::from((v * k).round() / k).to_string()
}

/// `keypoints.jsonl` text in the product's format (rounded as the product rounds: pixels to
/// 0.01, visibility to 0.0001, time to 1 µs), one line per frame, each ending in `\n`.
pub fn to_jsonl(run: &SyntheticRun) -> String {
    let mut out = String::new();
    for (i, f) in run.frames.iter().enumerate() {
        let t = json_number(f.t, 6);
        let _ = write!(
            out,
            "{{\"frame\":{i},\"t\":{t},\"width\":{},\"height\":{},\"keypoints\":",
            run.width, run.height
        );
        match &f.keypoints {
            None => out.push_str("null"),
            Some(kps) => {
                out.push('{');
                for (k, (name, kp)) in KEYPOINT_NAMES.iter().zip(kps.iter()).enumerate() {
                    let sep = if k == 0 { "" } else { "," };
                    let (x, y) = (json_number(f64::from(kp[0]), 2), json_number(f64::from(kp[1]), 2));
                    let v = json_number(f64::from(kp[2]), 4);
                    let _ = write!(out, "{sep}\"{name}\":[{x},{y},{v}]");
                }
                out.push('}');
            }
        }
        out.push_str("}\n");
    }
    out
}

impl SyntheticRun {
    /// Frame `i` as the analysis stage receives it from the pose stage.
    pub fn pose_sample(&self, i: usize) -> gaitcue::analysis::PoseSample {
        let f = &self.frames[i];
        gaitcue::analysis::PoseSample {
            frame: i as u64,
            t: f.t,
            keypoints: f.keypoints.map(|kps| {
                kps.map(|[x, y, v]| gaitcue::pose::Keypoint {
                    x,
                    y,
                    z: 0.0,
                    visibility: v,
                    presence: 1.0,
                })
            }),
            track: f.keypoints.map(|_| 1),
            size: Some((self.width, self.height)),
            people: None,
        }
    }
}

//! Replaying recorded keypoints (`keypoints.jsonl`) into the analysis stage, line by line.
//! Every error names the file and the line, and the lines before it have already been
//! handed on.

use std::fs::File;
use std::io::{BufRead, BufReader, Lines};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Result};
use serde_json::Value;

use crate::analysis::PoseSample;
use crate::pose::{Keypoint, PersonBox, KEYPOINT_NAMES, NUM_KEYPOINTS};

pub struct KeypointsReplay {
    lines: Lines<BufReader<File>>,
    path: PathBuf,
    line_no: usize,
    last_t: Option<f64>,
    last_frame: Option<u64>,
    /// Frame size from the first line, for reports.
    pub size: Option<(i32, i32)>,
}

impl KeypointsReplay {
    pub fn open(path: &Path) -> Result<Self> {
        let shown = path.display();
        if !path.exists() {
            bail!("keypoints file '{shown}' not found: check the path");
        }
        if path.is_dir() {
            let inside = path.join("keypoints.jsonl");
            bail!(
                "keypoints file '{shown}' is a folder: give the keypoints.jsonl file{}",
                if inside.exists() {
                    format!(" ('{}')", inside.display())
                } else {
                    String::new()
                }
            );
        }
        if std::fs::metadata(path).is_ok_and(|m| m.len() == 0) {
            bail!("keypoints file '{shown}' is empty: nothing to analyse");
        }
        let file = File::open(path).map_err(|e| anyhow!("keypoints file '{shown}' cannot be read ({e})"))?;
        Ok(Self {
            lines: BufReader::new(file).lines(),
            path: path.to_path_buf(),
            line_no: 0,
            last_t: None,
            last_frame: None,
            size: None,
        })
    }

    fn parse(&mut self, text: &str) -> Result<PoseSample> {
        let v: Value = serde_json::from_str(text).map_err(|e| anyhow!("malformed JSON ({e})"))?;
        let obj = v.as_object().ok_or_else(|| anyhow!("expected a JSON object"))?;
        let frame = obj
            .get("frame")
            .and_then(Value::as_u64)
            .ok_or_else(|| anyhow!("\"frame\" must be a whole number"))?;
        let t = obj
            .get("t")
            .and_then(Value::as_f64)
            .filter(|t| t.is_finite() && *t >= 0.0)
            .ok_or_else(|| anyhow!("\"t\" must be a number of seconds, 0 or more"))?;
        if let Some(last) = self.last_t {
            if t <= last {
                bail!("time {t} s does not come after the previous line's {last} s");
            }
        }
        self.last_t = Some(t);
        if let Some(last) = self.last_frame {
            if frame <= last {
                bail!("frame {frame} does not come after the previous line's frame {last}");
            }
        }
        self.last_frame = Some(frame);
        // Every line's frame size is checked; the first one given is the session's.
        for key in ["width", "height"] {
            if let Some(v) = obj.get(key) {
                match v.as_i64() {
                    Some(n) if (1..=100_000).contains(&n) => {}
                    _ => bail!("\"{key}\" = {v} is not a picture's size in pixels"),
                }
            }
        }
        if self.size.is_none() {
            let dim = |k: &str| obj.get(k).and_then(Value::as_i64);
            self.size = dim("width").zip(dim("height")).map(|(w, h)| (w as i32, h as i32));
        }
        let keypoints = match obj.get("keypoints") {
            None => bail!("no \"keypoints\" field (null when no runner was found)"),
            Some(Value::Null) => None,
            Some(Value::Object(map)) => {
                if let Some(unknown) = map.keys().find(|k| !KEYPOINT_NAMES.contains(&k.as_str())) {
                    bail!("unknown keypoint name '{unknown}'");
                }
                let mut kps = [Keypoint::default(); NUM_KEYPOINTS];
                for (i, name) in KEYPOINT_NAMES.iter().enumerate() {
                    let v = map
                        .get(*name)
                        .ok_or_else(|| anyhow!("keypoint '{name}' is missing"))?;
                    let nums: Option<Vec<f64>> =
                        v.as_array().and_then(|a| a.iter().map(Value::as_f64).collect());
                    match nums.as_deref() {
                        Some([x, y, vis])
                            if !(x.is_finite() && y.is_finite() && (0.0..=1.0).contains(vis)) =>
                        {
                            bail!("keypoint '{name}' must be finite pixels with a visibility in 0..1")
                        }
                        Some([x, y, vis]) => {
                            kps[i] = Keypoint {
                                x: *x as f32,
                                y: *y as f32,
                                z: 0.0,
                                visibility: *vis as f32,
                                presence: 1.0,
                            }
                        }
                        _ => bail!("keypoint '{name}' must be [x, y, visibility]"),
                    }
                }
                Some(kps)
            }
            Some(_) => bail!("\"keypoints\" must be an object or null"),
        };
        let track = match obj.get("track") {
            None | Some(Value::Null) => None,
            Some(v) => Some(
                v.as_u64()
                    .ok_or_else(|| anyhow!("\"track\" must be a whole number"))?,
            ),
        };
        let people = match obj.get("people") {
            None | Some(Value::Null) => None,
            Some(v) => Some(parse_people(v)?),
        };
        Ok(PoseSample {
            frame,
            t,
            keypoints,
            track,
            size: self.size,
            people,
        })
    }
}

/// `"people": [[x0, y0, x1, y1, score], …]`.
fn parse_people(v: &Value) -> Result<Vec<PersonBox>> {
    let list = v
        .as_array()
        .ok_or_else(|| anyhow!("\"people\" must be a list of [x0, y0, x1, y1, score]"))?;
    list.iter()
        .map(|p| {
            let nums: Option<Vec<f64>> = p.as_array().and_then(|a| a.iter().map(Value::as_f64).collect());
            match nums.as_deref() {
                Some(&[x0, y0, x1, y1, score])
                    if [x0, y0, x1, y1].iter().all(|v| v.is_finite())
                        && x0 < x1
                        && y0 < y1
                        && (0.0..=1.0).contains(&score) =>
                {
                    Ok(PersonBox {
                        bbox: [x0 as f32, y0 as f32, x1 as f32, y1 as f32],
                        score: score as f32,
                    })
                }
                _ => bail!("each of \"people\" must be [x0, y0, x1, y1, score] with x0 < x1, y0 < y1 and a score in 0..1"),
            }
        })
        .collect()
}

impl Iterator for KeypointsReplay {
    type Item = Result<PoseSample>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let line = self.lines.next()?;
            self.line_no += 1;
            let shown = format!("keypoints file '{}' line {}", self.path.display(), self.line_no);
            let text = match line {
                Ok(t) => t,
                Err(e) => return Some(Err(anyhow!("{shown}: cannot be read ({e})"))),
            };
            // A byte-order mark (some editors write one) is not part of the first line.
            let text = match self.line_no {
                1 => text.strip_prefix('\u{feff}').map(String::from).unwrap_or(text),
                _ => text,
            };
            if text.trim().is_empty() {
                continue;
            }
            return Some(self.parse(&text).map_err(|e| anyhow!("{shown}: {e}")));
        }
    }
}

//! `keypoints.jsonl`: one JSON object per frame, flushed as it is written, so a crash
//! keeps every frame up to the last one; read back line by line, every error naming the
//! file and the line (the lines before it have already been handed on).
//!
//! `{"frame": n, "t": s, "width": w, "height": h, "keypoints": {"nose": [x, y, visibility], …}}`
//! with all 33 BlazePose names in model order, or `"keypoints": null` without a runner,
//! then `"track": n`, which changes when the runner was lost and someone was found again,
//! and, on frames where the pose stage looked for everyone in view (about three times a
//! second), `"people": [[x0, y0, x1, y1, score], …]`: each person's box in image pixels.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Lines, Write};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::analysis::PoseSample;
use crate::pose::{Keypoint, PersonBox, Pose, KEYPOINT_NAMES, NUM_KEYPOINTS};

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

/// Reads `keypoints.jsonl` back, one [`PoseSample`] per line.
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

/// Frames per second of a keypoints file's frame numbers, from its first and last lines'
/// frame and time (`None` when it has fewer than two readable lines or no time between
/// them): for sessions whose summary does not say.
pub fn frame_rate(path: &Path) -> Option<f64> {
    use std::io::{Read, Seek, SeekFrom};
    let frame_and_time = |line: &str| {
        let v: Value = serde_json::from_str(line.trim_start_matches('\u{feff}')).ok()?;
        Some((v.get("frame")?.as_u64()?, v.get("t")?.as_f64()?))
    };
    let mut file = File::open(path).ok()?;
    let first = BufReader::new(&file)
        .lines()
        .map_while(|l| l.ok())
        .find(|l| !l.trim().is_empty())
        .and_then(|l| frame_and_time(&l))?;
    // The last line from the file's tail only: a long session's file is large.
    let len = file.metadata().ok()?.len();
    file.seek(SeekFrom::Start(len.saturating_sub(TAIL_BYTES))).ok()?;
    let mut tail = String::new();
    file.read_to_string(&mut tail).ok()?;
    let last = tail
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .and_then(frame_and_time)?;
    let (frames, seconds) = (last.0.checked_sub(first.0)? as f64, last.1 - first.1);
    (frames > 0.0 && seconds > 0.0).then(|| frames / seconds)
}

/// Bytes read from the end of a keypoints file for its last line (a line is about 2 kB).
const TAIL_BYTES: u64 = 64 * 1024;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pose::Roi;

    /// A pose whose every keypoint differs, with values that need the file's rounding.
    fn pose(track: u64, shift: f32) -> Pose {
        let mut keypoints = [Keypoint::default(); NUM_KEYPOINTS];
        for (i, k) in keypoints.iter_mut().enumerate() {
            k.x = 100.0 + 7.123 * i as f32 + shift;
            k.y = 900.0 - 11.456 * i as f32;
            k.visibility = 0.5 + 0.0137 * (i % 30) as f32;
            k.presence = 1.0;
        }
        Pose {
            keypoints,
            presence: 0.99,
            roi: Roi::letterbox(720, 1280),
            track,
        }
    }

    #[test]
    fn what_is_written_reads_back_frame_by_frame() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keypoints.jsonl");
        let people = [PersonBox {
            bbox: [10.04, 20.0, 300.46, 700.0],
            score: 0.8765,
        }];
        let written = [
            (0, 0.0, Some(pose(1, 0.0)), Some(&people[..])),
            (1, 1.0 / 30.0, None, None),
            (3, 0.1, Some(pose(2, 3.0)), None),
        ];
        let mut writer = KeypointsWriter::create(&path).unwrap();
        for (frame, t, pose, people) in &written {
            let record = KeypointsRecord::new(*frame, *t, 720, 1280, pose.as_ref(), *people);
            writer.write(&record).unwrap();
        }
        drop(writer);
        // Frames 0..3 over 0.1 s.
        assert!((frame_rate(&path).unwrap() - 30.0).abs() < 1e-3);

        let read: Vec<PoseSample> = KeypointsReplay::open(&path)
            .unwrap()
            .collect::<Result<_>>()
            .unwrap();
        assert_eq!(read.len(), written.len());
        for (got, (frame, t, pose, people)) in read.iter().zip(&written) {
            assert_eq!(got.frame, *frame);
            assert!(
                (got.t - t).abs() < 1e-6,
                "frame {frame}: time {} read as {}",
                t,
                got.t
            );
            assert_eq!(got.size, Some((720, 1280)));
            assert_eq!(got.track, pose.as_ref().map(|p| p.track));
            match (&got.keypoints, pose) {
                (Some(k), Some(p)) => {
                    for (a, b) in k.iter().zip(&p.keypoints) {
                        // Pixels to 0.01, visibility to 0.0001 (the file's precision).
                        assert!((a.x - b.x).abs() <= 0.005 + 1e-4 && (a.y - b.y).abs() <= 0.005 + 1e-4);
                        assert!((a.visibility - b.visibility).abs() <= 0.00005 + 1e-6);
                    }
                }
                (None, None) => {}
                _ => panic!("frame {frame}: a runner written is not the runner read"),
            }
            match (&got.people, people) {
                (Some(g), Some(w)) => {
                    assert_eq!(g.len(), w.len());
                    assert!((g[0].bbox[0] - 10.0).abs() < 1e-4 && (g[0].bbox[2] - 300.5).abs() < 1e-4);
                    assert!((g[0].score - 0.877).abs() < 1e-4);
                }
                (None, None) => {}
                _ => panic!("frame {frame}: the people written are not the people read"),
            }
        }
    }

    #[test]
    fn a_line_out_of_order_is_named_with_its_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keypoints.jsonl");
        let mut writer = KeypointsWriter::create(&path).unwrap();
        for (frame, t) in [(0, 0.0), (1, 0.1), (2, 0.05)] {
            writer
                .write(&KeypointsRecord::new(frame, t, 64, 48, None, None))
                .unwrap();
        }
        drop(writer);
        let read: Vec<Result<PoseSample>> = KeypointsReplay::open(&path).unwrap().collect();
        assert!(read[0].is_ok() && read[1].is_ok());
        let err = read[2].as_ref().unwrap_err().to_string();
        assert!(
            err.contains("keypoints.jsonl' line 3") && err.contains("does not come after"),
            "{err}"
        );
    }
}

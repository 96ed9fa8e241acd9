//! Stills and short clips cut from a session's annotated video, faces blurred.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use base64::Engine;
use opencv::core::{Mat, Size, Vector};
use opencv::prelude::*;
use opencv::videoio::{self, VideoCapture, VideoWriter};
use opencv::{imgcodecs, imgproc};

use super::privacy::FaceBlur;
use crate::capture::replay::KeypointsReplay;
use crate::pose::{Keypoint, NUM_KEYPOINTS};

/// Stills are scaled to fit this box in the report.
const STILL_WIDTH: i32 = 640;
const STILL_HEIGHT: i32 = 420;
/// Clips are scaled down to at most this width: H.264 (through OpenCV, preset "medium")
/// costs ~70 ms per 1080p frame on a 2-core CPU, a quarter of that at this size.
const CLIP_MAX_WIDTH: i32 = 960;
/// H.264 in MP4: what browsers play inline.
const CLIP_FOURCC: [char; 4] = ['a', 'v', 'c', '1'];

/// What to cut: stills at frames, clips over frame ranges.
#[derive(Debug, Default)]
pub struct Cuts {
    pub stills: Vec<u64>,
    /// (first frame, last frame, output path)
    pub clips: Vec<(u64, u64, PathBuf)>,
}

/// Stills as JPEG data URLs, by frame.
pub type Stills = BTreeMap<u64, String>;

/// Keypoints of the given frames, from `keypoints.jsonl`.
pub fn keypoints_for(path: &Path, frames: &[u64]) -> Result<HashMap<u64, [Keypoint; NUM_KEYPOINTS]>> {
    let wanted: std::collections::HashSet<u64> = frames.iter().copied().collect();
    let mut out = HashMap::new();
    for sample in KeypointsReplay::open(path)? {
        let sample = sample?;
        if let (true, Some(k)) = (wanted.contains(&sample.frame), sample.keypoints) {
            out.insert(sample.frame, k);
        }
    }
    Ok(out)
}

/// Reads `video` once, front to back, producing the stills and clips of `cuts`; faces are
/// blurred when `blur` is given.
pub fn cut(
    video: &Path,
    cuts: &Cuts,
    keypoints: &HashMap<u64, [Keypoint; NUM_KEYPOINTS]>,
    mut blur: Option<&mut FaceBlur>,
) -> Result<Stills> {
    let shown = video.display();
    let mut cap = VideoCapture::from_file(video, videoio::CAP_FFMPEG)?;
    if !cap.is_opened()? {
        bail!("video '{shown}' cannot be opened for the report's stills and clips");
    }
    let fps = Some(cap.get(videoio::CAP_PROP_FPS)?)
        .filter(|f| *f > 0.0 && *f < 1000.0)
        .unwrap_or(30.0);
    let last = cuts
        .stills
        .iter()
        .copied()
        .chain(cuts.clips.iter().map(|c| c.1))
        .max()
        .unwrap_or(0);
    let mut writers: Vec<Option<VideoWriter>> = cuts.clips.iter().map(|_| None).collect();
    let mut stills = Stills::new();
    let mut frame = Mat::default();
    let mut index = 0u64;
    while index <= last && cap.read(&mut frame)? {
        let needed = cuts.stills.contains(&index) || cuts.clips.iter().any(|c| (c.0..=c.1).contains(&index));
        if needed {
            if let Some(b) = blur.as_deref_mut() {
                b.apply(&mut frame, keypoints.get(&index).map(|k| &k[..]))?;
            }
            if cuts.stills.contains(&index) {
                let around = keypoints
                    .get(&index)
                    .and_then(|k| runner_box(k, frame.cols(), frame.rows()));
                let still = match around {
                    Some(r) => Mat::roi(&frame, r)?.try_clone()?,
                    None => frame.clone(),
                };
                stills.insert(index, jpeg_data_url(&still)?);
            }
            let in_clip = cuts
                .clips
                .iter()
                .any(|(first, end, _)| (*first..=*end).contains(&index));
            // H.264 wants even sizes; large frames are scaled down.
            let odd = frame.cols() % 2 == 1 || frame.rows() % 2 == 1;
            if in_clip && (frame.cols() > CLIP_MAX_WIDTH || odd) {
                let scale = (CLIP_MAX_WIDTH as f64 / frame.cols() as f64).min(1.0);
                let size = Size::new(
                    ((frame.cols() as f64 * scale).round() as i32) & !1,
                    ((frame.rows() as f64 * scale).round() as i32) & !1,
                );
                let mut small = Mat::default();
                imgproc::resize(&frame, &mut small, size, 0.0, 0.0, imgproc::INTER_AREA)?;
                frame = small;
            }
            for (i, (first, end, path)) in cuts.clips.iter().enumerate() {
                if !(*first..=*end).contains(&index) {
                    continue;
                }
                if writers[i].is_none() {
                    let fourcc =
                        VideoWriter::fourcc(CLIP_FOURCC[0], CLIP_FOURCC[1], CLIP_FOURCC[2], CLIP_FOURCC[3])?;
                    let size = Size::new(frame.cols(), frame.rows());
                    let w = VideoWriter::new_with_backend(path, videoio::CAP_FFMPEG, fourcc, fps, size, true)
                        .with_context(|| format!("creating clip '{}'", path.display()))?;
                    if !w.is_opened()? {
                        bail!(
                            "clip '{}' cannot be created: check the folder is writable",
                            path.display()
                        );
                    }
                    writers[i] = Some(w);
                }
                if let Some(w) = &mut writers[i] {
                    w.write(&frame)?;
                }
            }
        }
        index += 1;
    }
    for w in writers.iter_mut().flatten() {
        w.release()?;
    }
    Ok(stills)
}

/// The runner with some room around them (a quarter of their size each way), so stills
/// show the legs large rather than the whole scene.
fn runner_box(k: &[Keypoint; NUM_KEYPOINTS], width: i32, height: i32) -> Option<opencv::core::Rect> {
    let (x0, x1) = k
        .iter()
        .fold((f32::MAX, f32::MIN), |(a, b), p| (a.min(p.x), b.max(p.x)));
    let (y0, y1) = k
        .iter()
        .fold((f32::MAX, f32::MIN), |(a, b), p| (a.min(p.y), b.max(p.y)));
    let pad = 0.25 * (x1 - x0).max(y1 - y0);
    let left = ((x0 - pad) as i32).clamp(0, width);
    let top = ((y0 - pad) as i32).clamp(0, height);
    let right = ((x1 + pad) as i32).clamp(0, width);
    let bottom = ((y1 + pad) as i32).clamp(0, height);
    (right - left > 16 && bottom - top > 16)
        .then(|| opencv::core::Rect::new(left, top, right - left, bottom - top))
}

/// A frame scaled to fit the report's still size, as a JPEG data URL.
fn jpeg_data_url(frame: &Mat) -> Result<String> {
    let scale = (STILL_WIDTH as f64 / frame.cols().max(1) as f64)
        .min(STILL_HEIGHT as f64 / frame.rows().max(1) as f64);
    let mut small = Mat::default();
    let size = Size::new(
        (frame.cols() as f64 * scale).round() as i32,
        (frame.rows() as f64 * scale).round() as i32,
    );
    imgproc::resize(frame, &mut small, size, 0.0, 0.0, imgproc::INTER_AREA)?;
    let mut buf = Vector::<u8>::new();
    imgcodecs::imencode_def(".jpg", &small, &mut buf)?;
    Ok(format!(
        "data:image/jpeg;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(buf.as_slice())
    ))
}

//! Stills and short clips cut from a session's video, faces blurred. From the source video
//! (an `analyze` session whose clip is still where it was) every frame is blurred first and
//! drawn on after: the skeleton, and at each contact the plumb line from the hips, the
//! contact point and the shank and knee angles; clips then run four times slower. From an
//! annotated recording (a live session) the frames are used as they were drawn.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use base64::Engine;
use indicatif::ProgressBar;
use opencv::core::{Mat, Rect, Size, Vector};
use opencv::prelude::*;
use opencv::videoio::{self, VideoCapture};
use opencv::{imgcodecs, imgproc};

pub use super::frame_keypoints::{keypoints_for, FrameKeypoints, Look};
use super::frame_reader::FrameReader;
use super::recordings::Recording;
use crate::pose::{Keypoint, NUM_KEYPOINTS};
use crate::privacy::FaceBlur;
use crate::record::h264::{ClipBatch, ClipSpan};

/// Stills are scaled to fit this box in the report.
const STILL_WIDTH: i32 = 960;
const STILL_HEIGHT: i32 = 720;
/// Clips from the source video play this many times slower than real time.
pub const SLOW_MOTION: f64 = 4.0;
/// Clips are cropped on the runner and scaled down to fit this box (H.264 costs grow with
/// the pixels; the runner fills the clip).
const CLIP_MAX_WIDTH: i32 = 960;
const CLIP_MAX_HEIGHT: i32 = 540;

/// What to cut: stills at frames, clips over frame ranges.
#[derive(Debug)]
pub struct Cuts {
    pub stills: Vec<u64>,
    /// (first frame, last frame, output path)
    pub clips: Vec<(u64, u64, PathBuf)>,
    /// The steps whose contacts are drawn on clean frames, by their contact frame id.
    pub marks: BTreeMap<u64, StepMark>,
    /// A contact stays drawn this many frames after it.
    pub hold_frames: u64,
    /// The session's frame rate: clips play at it (an MPEG-TS recording states 90000).
    pub fps: f64,
}

impl Cuts {
    /// Nothing to cut yet from a video whose frames come at `fps`.
    pub fn at(fps: f64) -> Self {
        Self {
            stills: Vec::new(),
            clips: Vec::new(),
            marks: BTreeMap::new(),
            hold_frames: 0,
            fps,
        }
    }
}

/// One step's contact as the overlay draws it: which leg, which way the runner faces, and
/// its numbers (the geometry comes from the keypoints of its contact frame).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepMark {
    pub side: crate::analysis::Side,
    pub dir: f64,
    pub forefoot: bool,
    pub overstride_ratio: Option<f64>,
    pub overstride_cm: Option<f64>,
    pub shank_deg: Option<f64>,
    pub knee_deg: Option<f64>,
    /// The step counted (passed the gait-validity gate).
    pub counted: bool,
}

/// Stills as JPEG data URLs, by frame.
pub type Stills = BTreeMap<u64, String>;

/// Cuts the stills and clips of `cuts` (frames given by id) from whichever of the session's
/// `recordings` holds them; a frame no recording holds gets no still, a clip no recording
/// holds is not written. Stills come back by frame id.
pub fn cut_session(
    recordings: &[Recording],
    cuts: &Cuts,
    keypoints: &FrameKeypoints,
    mut blur: Option<&mut FaceBlur>,
    progress: &ProgressBar,
) -> Result<Stills> {
    let mut stills = Stills::new();
    let mut clipped: Vec<&Path> = Vec::new();
    for recording in recordings {
        let mut local = Cuts::at(cuts.fps);
        for id in &cuts.stills {
            if let (Some(p), false) = (recording.position(*id), stills.contains_key(id)) {
                local.stills.push(p);
            }
        }
        for (first, last, path) in &cuts.clips {
            if clipped.contains(&path.as_path()) {
                continue;
            }
            if let Some((a, b)) = recording.span(*first, *last) {
                local.clips.push((a, b, path.clone()));
                clipped.push(path);
            }
        }
        if local.stills.is_empty() && local.clips.is_empty() {
            continue;
        }
        if recording.clean {
            local.marks = cuts
                .marks
                .iter()
                .filter_map(|(id, m)| Some((recording.position(*id)?, *m)))
                .collect();
            local.hold_frames = cuts.hold_frames;
        }
        let found = cut(
            &recording.path,
            &local,
            &keypoints.in_recording(recording, cuts.fps),
            blur.as_deref_mut(),
            recording.clean,
            progress,
        )?;
        for (position, still) in found {
            if let Some(id) = recording.id_at(position) {
                stills.insert(id, still);
            }
        }
    }
    Ok(stills)
}

/// Reads `video` once, front to back, producing the stills and clips of `cuts`; faces are
/// blurred when `blur` is given, and on a `clean` video (nothing drawn on it yet) the
/// skeleton and the contacts of `cuts.marks` are drawn after the blur. `progress` counts
/// the frames used.
pub fn cut(
    video: &Path,
    cuts: &Cuts,
    keypoints: &FrameKeypoints,
    mut blur: Option<&mut FaceBlur>,
    clean: bool,
    progress: &ProgressBar,
) -> Result<Stills> {
    let cap = open(video)?;
    let fps = cuts.fps;
    if !(fps.is_finite() && fps > 0.0) {
        bail!("no frame rate to cut '{}' at ({fps} frames/s)", video.display());
    }
    // Clips end with the video: a clip that would start after its last frame (a recording
    // cut short) is left out rather than written empty.
    let frames = Some(cap.get(videoio::CAP_PROP_FRAME_COUNT)?)
        .filter(|n| *n >= 1.0)
        .map_or(u64::MAX, |n| n as u64);
    let clips: Vec<&(u64, u64, PathBuf)> = cuts.clips.iter().filter(|c| c.0 < frames).collect();
    let in_clips: Vec<u64> = {
        let mut v: Vec<u64> = clips.iter().flat_map(|c| c.0..=c.1.min(frames - 1)).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let mut needed: Vec<u64> = cuts
        .stills
        .iter()
        .copied()
        .chain(in_clips.iter().copied())
        .collect();
    needed.sort_unstable();
    needed.dedup();
    progress.set_length(needed.len() as u64);
    let (width, height) = (
        cap.get(videoio::CAP_PROP_FRAME_WIDTH)? as i32,
        cap.get(videoio::CAP_PROP_FRAME_HEIGHT)? as i32,
    );
    if let Some(b) = blur.as_deref_mut() {
        b.use_sightings(keypoints.sightings(width, height, fps), fps);
    }
    let keypoints = &keypoints.scaled_to(width, height);
    // Every clip frame goes once, in video order, into one stream cut from the same place;
    // each clip is a run of that stream.
    let geometry = ClipGeometry::around_runner(keypoints, &in_clips, width, height);
    let position = |frame: u64| in_clips.partition_point(|f| *f < frame) as u64;
    let spans: Vec<ClipSpan> = clips
        .iter()
        .map(|(first, end, path)| ClipSpan {
            first: position(*first),
            last: position(*end),
            path: path.clone(),
        })
        .collect();
    let mut clips = if spans.is_empty() {
        None
    } else {
        let speed = if clean { fps / SLOW_MOTION } else { fps };
        Some(ClipBatch::create(spans, speed, geometry.size)?)
    };
    let mut stills = Stills::new();
    let reopen = video.to_path_buf();
    let reader = FrameReader::spawn(cap, needed, move || open(&reopen))?;
    for (want, mut frame) in reader.frames() {
        progress.inc(1);
        if let Some(b) = blur.as_deref_mut() {
            b.apply(&mut frame, want, keypoints.get(&want).map(|k| &k[..]))?;
        }
        // Cropped first, then drawn on (a clean video): labels stay inside what is shown.
        if cuts.stills.contains(&want) {
            let around = keypoints
                .get(&want)
                .and_then(|k| runner_box(k, frame.cols(), frame.rows()))
                .unwrap_or(Rect::new(0, 0, frame.cols(), frame.rows()));
            let mut still = Mat::roi(&frame, around)?.try_clone()?;
            if clean {
                draw_on(&mut still, around, want, keypoints, cuts)?;
            }
            stills.insert(want, jpeg_data_url(&still)?);
        }
        if let (Some(batch), true) = (&mut clips, in_clips.binary_search(&want).is_ok()) {
            let mut region = Mat::roi(&frame, geometry.region)?.try_clone()?;
            if clean {
                draw_on(&mut region, geometry.region, want, keypoints, cuts)?;
            }
            let mut out = Mat::default();
            // Linear, not area: area at a non-integer scale costs 10-20 times more.
            imgproc::resize(&region, &mut out, geometry.size, 0.0, 0.0, imgproc::INTER_LINEAR)?;
            batch.write(&out)?;
        }
    }
    reader.finish()?;
    if let Some(batch) = clips {
        batch.finish()?;
    }
    Ok(stills)
}

/// The skeleton of frame `want` and the latest contact before it (held `hold_frames`),
/// drawn on `part` (the region `at` of a frame already blurred).
fn draw_on(
    part: &mut Mat,
    at: Rect,
    want: u64,
    keypoints: &HashMap<u64, [Keypoint; NUM_KEYPOINTS]>,
    cuts: &Cuts,
) -> Result<()> {
    let shifted = |k: &[Keypoint; NUM_KEYPOINTS]| {
        let mut k = *k;
        for p in k.iter_mut() {
            p.x -= at.x as f32;
            p.y -= at.y as f32;
        }
        k
    };
    let frame = part;
    if let Some(k) = keypoints.get(&want) {
        crate::overlay::draw_keypoints(frame, &shifted(k))?;
    }
    let contact = cuts
        .marks
        .range(..=want)
        .next_back()
        .filter(|(ic, _)| want - **ic <= cuts.hold_frames);
    if let Some((ic, m)) = contact {
        if let Some(k) = keypoints.get(ic) {
            let drawing = crate::overlay::contact::ContactDrawing {
                at: crate::analysis::ContactPose::from_keypoints(&shifted(k), m.side, m.dir, m.forefoot),
                overstride_ratio: m.overstride_ratio,
                overstride_cm: m.overstride_cm,
                shank_deg: m.shank_deg,
                knee_deg: m.knee_deg,
                counted: m.counted,
            };
            crate::overlay::contact::draw_contact(frame, &drawing)?;
        }
    }
    Ok(())
}

/// Where the clips over `frames` are cut from a video of `width` × `height` (the union of
/// the runner's boxes in those frames), and the size they are written at.
pub fn clip_region(keypoints: &FrameKeypoints, frames: &[u64], width: i32, height: i32) -> (Rect, Size) {
    let g = ClipGeometry::around_runner(&keypoints.scaled_to(width, height), frames, width, height);
    (g.region, g.size)
}

/// Where a clip is cut from its frames, and the size it is written at.
#[derive(Debug, Clone, Copy, PartialEq)]
struct ClipGeometry {
    region: Rect,
    size: Size,
}

impl ClipGeometry {
    /// The runner's box over every frame of the clips (the whole frame when the runner was
    /// never found), scaled to fit the clip size, both sides even for H.264.
    fn around_runner(
        keypoints: &HashMap<u64, [Keypoint; NUM_KEYPOINTS]>,
        frames: &[u64],
        width: i32,
        height: i32,
    ) -> Self {
        let region = frames
            .iter()
            .filter_map(|i| keypoints.get(i))
            .filter_map(|k| runner_box(k, width, height))
            .reduce(|a, b| a | b)
            .unwrap_or(Rect::new(0, 0, width.max(2), height.max(2)));
        let scale = (CLIP_MAX_WIDTH as f64 / region.width as f64)
            .min(CLIP_MAX_HEIGHT as f64 / region.height as f64)
            .min(1.0);
        let even = |v: i32| ((v as f64 * scale).round() as i32 & !1).max(2);
        Self {
            region,
            size: Size::new(even(region.width), even(region.height)),
        }
    }
}

fn open(video: &Path) -> Result<VideoCapture> {
    let cap = VideoCapture::from_file(video, videoio::CAP_FFMPEG)?;
    if !cap.is_opened()? {
        bail!(
            "video '{}' cannot be opened for the report's stills and clips",
            video.display()
        );
    }
    Ok(cap)
}

/// The region of a frame of `width` × `height` a still of the runner is cut from.
pub fn still_region(k: &[Keypoint; NUM_KEYPOINTS], width: i32, height: i32) -> Rect {
    runner_box(k, width, height).unwrap_or(Rect::new(0, 0, width, height))
}

/// The runner with some room around them (a quarter of their size each way), so stills
/// show the legs large rather than the whole scene.
fn runner_box(k: &[Keypoint; NUM_KEYPOINTS], width: i32, height: i32) -> Option<opencv::core::Rect> {
    let (x0, y0, x1, y1) = crate::pose::keypoints::bounds(k)?;
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

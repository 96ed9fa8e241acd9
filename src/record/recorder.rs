//! The recorder thread: annotated clips in MPEG-TS (a container that needs no final index,
//! so a clip cut off by a crash or a kill still plays), the optional raw clip, and a pre-roll of the last seconds kept as short rolling segments so the
//! clinician can save what just happened. It never slows the live view: frames reach it
//! through a bounded queue that drops (and counts) when the writer falls behind.

use crate::session::frame_index::FrameIndexWriter;
use crate::timing::StageTimes;
use std::collections::VecDeque;
use std::fs;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};

use anyhow::{Context, Result};
use crossbeam_channel::Receiver;
use opencv::core::Mat;
use tracing::{info, warn};

use super::clip::ClipWriter;
use opencv::prelude::*;

/// Length of one pre-roll segment, seconds.
const SEGMENT_S: f64 = 2.0;
/// Video stops being written when the disk has less than this free, so the session's
/// steps, keypoints and summary always have room.
const MIN_FREE_MB: f64 = 50.0;
/// Free space is checked every this many frames.
const FREE_CHECK_FRAMES: u64 = 15;

pub enum RecorderMsg {
    Frame {
        annotated: Mat,
        raw: Option<Mat>,
        pts_s: f64,
        /// The frame's id (the pose stage's and `keypoints.jsonl`'s).
        frame: u64,
    },
    StartRecording,
    StopRecording,
    /// Save the pre-roll (the last seconds) as a clip.
    SavePreroll,
}

/// The pre-roll ("save the last seconds") is encoded all session long, recording or not:
/// at this size (longer side, pixels) it costs a quarter of a 720p encode per frame. A
/// recording started with R keeps the full size.
const PREROLL_MAX_SIDE: i32 = 640;

/// What the recorder reports to the screen and the session summary.
#[derive(Debug, Default)]
pub struct RecorderStatus {
    /// Frames the recorder could not take because it was behind.
    pub dropped: AtomicU64,
    /// A problem to show on screen (disk full, folder unwritable).
    pub warning: Mutex<Option<String>>,
    pub clips: Mutex<Vec<PathBuf>>,
    /// Set when the recorder stopped a recording by itself (disk, resolution).
    pub stopped_itself: AtomicBool,
}

impl RecorderStatus {
    pub fn warning(&self) -> Option<String> {
        self.warning.lock().ok().and_then(|w| w.clone())
    }

    fn warn(&self, text: String) {
        warn!("{text}");
        if let Ok(mut w) = self.warning.lock() {
            *w = Some(text);
        }
    }
}

pub struct RecorderOptions {
    pub out_dir: PathBuf,
    pub fps: f64,
    pub size: (i32, i32),
    pub record_raw: bool,
    /// Seconds of pre-roll kept (0: none).
    pub preroll_s: f64,
}

struct Segment {
    path: PathBuf,
    start_s: f64,
}

struct Recorder {
    opts: RecorderOptions,
    status: Arc<RecorderStatus>,
    clip: Option<(ClipWriter, Option<ClipWriter>)>,
    /// The frame ids written to the current clip, one per line, in order
    /// (`annotated-NNN.frames`): the report finds a step's frames in the recording by them.
    clip_frames: Option<FrameIndexWriter>,
    clips_started: usize,
    segments: VecDeque<Segment>,
    segment_writer: Option<(ClipWriter, f64)>,
    segment_no: usize,
    saves: usize,
    frames_seen: u64,
}

pub fn spawn(
    opts: RecorderOptions,
    rx: Receiver<RecorderMsg>,
    status: Arc<RecorderStatus>,
) -> Result<JoinHandle<Result<StageTimes>>> {
    let mut rec = Recorder {
        opts,
        status,
        clip: None,
        clip_frames: None,
        clips_started: 0,
        segments: VecDeque::new(),
        segment_writer: None,
        segment_no: 0,
        saves: 0,
        frames_seen: 0,
    };
    thread::Builder::new()
        .name("record".into())
        .spawn(move || {
            let mut times = StageTimes::default();
            for msg in rx.iter() {
                let is_frame = matches!(msg, RecorderMsg::Frame { .. });
                let t0 = std::time::Instant::now();
                rec.handle(msg);
                if is_frame {
                    times.record("record", t0.elapsed());
                }
            }
            rec.finish();
            Ok(times)
        })
        .context("starting the recorder thread")
}

impl Recorder {
    fn preroll_dir(&self) -> PathBuf {
        self.opts.out_dir.join(".preroll")
    }

    fn handle(&mut self, msg: RecorderMsg) {
        match msg {
            RecorderMsg::Frame {
                annotated,
                raw,
                pts_s,
                frame,
            } => {
                if annotated.cols() != self.opts.size.0 || annotated.rows() != self.opts.size.1 {
                    // The camera came back at another resolution: clips cannot change size.
                    if self.clip.is_some() || self.opts.preroll_s > 0.0 {
                        self.status.warn(format!(
                            "video no longer recorded: the camera changed resolution to {}x{}",
                            annotated.cols(),
                            annotated.rows()
                        ));
                        self.stop();
                        self.close_segment();
                        self.opts.preroll_s = 0.0;
                    }
                    return;
                }
                self.frames_seen += 1;
                if self.frames_seen % FREE_CHECK_FRAMES == 1
                    && (self.clip.is_some() || self.opts.preroll_s > 0.0)
                {
                    self.check_free_space();
                }
                if self.clip.is_some() {
                    self.write_clip(&annotated, raw.as_ref(), frame);
                } else if self.opts.preroll_s > 0.0 {
                    self.write_preroll(&annotated, pts_s);
                }
            }
            RecorderMsg::StartRecording => self.start(),
            RecorderMsg::StopRecording => self.stop(),
            RecorderMsg::SavePreroll => self.save_preroll(),
        }
    }

    fn start(&mut self) {
        if self.clip.is_some() {
            return;
        }
        if let Some(mb) = free_mb(&self.opts.out_dir).filter(|mb| *mb < MIN_FREE_MB) {
            self.status.warn(format!(
                "cannot record: only {mb:.0} MB free in '{}'; free some space",
                self.opts.out_dir.display()
            ));
            return;
        }
        self.clips_started += 1;
        let n = self.clips_started;
        let (w, h) = self.opts.size;
        let annotated = self.opts.out_dir.join(format!("annotated-{n:03}.ts"));
        let opened = ClipWriter::create(&annotated, self.opts.fps, w, h).and_then(|a| {
            let raw = if self.opts.record_raw {
                Some(ClipWriter::create(
                    &self.opts.out_dir.join(format!("raw-{n:03}.ts")),
                    self.opts.fps,
                    w,
                    h,
                )?)
            } else {
                None
            };
            Ok((a, raw))
        });
        match opened {
            Ok(c) => {
                info!(clip = %annotated.display(), "recording");
                self.clip_frames = FrameIndexWriter::create(&annotated).ok();
                if let Ok(mut clips) = self.status.clips.lock() {
                    clips.push(annotated);
                }
                self.clip = Some(c);
            }
            Err(e) => self.status.warn(format!("cannot record: {e:#}")),
        }
    }

    fn write_clip(&mut self, annotated: &Mat, raw: Option<&Mat>, frame: u64) {
        let Some((a, r)) = &mut self.clip else { return };
        let result = a.write(annotated).and_then(|_| match (r, raw) {
            (Some(r), Some(raw)) => r.write(raw),
            _ => Ok(()),
        });
        // The index is a help for the report; a clip without it still plays.
        if let (Ok(()), Some(index)) = (&result, &mut self.clip_frames) {
            if index.push(frame).is_err() {
                self.clip_frames = None;
            }
        }
        match result {
            Ok(()) => {}
            Err(e) => {
                self.status.warn(format!("recording stopped: {e:#}"));
                self.stop();
                self.status.stopped_itself.store(true, Ordering::Relaxed);
            }
        }
    }

    fn stop(&mut self) {
        self.clip_frames = None;
        if let Some((a, r)) = self.clip.take() {
            let path = a.path().to_path_buf();
            if let Err(e) = a.finish().and_then(|_| r.map_or(Ok(()), |r| r.finish())) {
                self.status.warn(format!("finishing '{}': {e:#}", path.display()));
            }
            info!(clip = %path.display(), "recording stopped");
        }
    }

    /// Rolling 2-s segments; only the last `preroll_s` seconds are kept.
    fn write_preroll(&mut self, annotated: &Mat, pts_s: f64) {
        let needs_new = self
            .segment_writer
            .as_ref()
            .is_none_or(|(_, start)| pts_s - start >= SEGMENT_S);
        if needs_new {
            self.close_segment();
            let dir = self.preroll_dir();
            if fs::create_dir_all(&dir).is_err() {
                return;
            }
            self.segment_no += 1;
            let path = dir.join(format!("seg-{:06}.ts", self.segment_no));
            let (w, h) = self.opts.size;
            match ClipWriter::fitted(&path, self.opts.fps, w, h, PREROLL_MAX_SIDE) {
                Ok(wr) => {
                    self.segment_writer = Some((wr, pts_s));
                    self.segments.push_back(Segment { path, start_s: pts_s });
                }
                Err(e) => {
                    self.status.warn(format!("pre-roll stopped: {e:#}"));
                    self.opts.preroll_s = 0.0;
                    return;
                }
            }
            // Forget segments that start before the pre-roll window (keep one extra).
            while self.segments.len() > 2 && pts_s - self.segments[1].start_s > self.opts.preroll_s {
                if let Some(old) = self.segments.pop_front() {
                    let _ = fs::remove_file(old.path);
                }
            }
        }
        if let Some((w, _)) = &mut self.segment_writer {
            if w.write(annotated).is_err() {
                self.segment_writer = None;
            }
        }
    }

    /// Stops video (recording and pre-roll) before the disk is full.
    fn check_free_space(&mut self) {
        let Some(mb) = free_mb(&self.opts.out_dir).filter(|mb| *mb < MIN_FREE_MB) else {
            return;
        };
        let folder = self.opts.out_dir.display().to_string();
        if self.clip.is_some() {
            self.status.warn(format!(
                "recording stopped: only {mb:.0} MB free in '{folder}'; free some space"
            ));
            self.stop();
        }
        if self.opts.preroll_s > 0.0 {
            self.close_segment();
            self.opts.preroll_s = 0.0;
            if self.status.warning().is_none() {
                self.status
                    .warn(format!("pre-roll stopped: only {mb:.0} MB free in '{folder}'"));
            }
        }
    }

    fn close_segment(&mut self) {
        if let Some((w, _)) = self.segment_writer.take() {
            let _ = w.finish();
        }
    }

    /// MPEG-TS segments join by simple concatenation.
    fn save_preroll(&mut self) {
        if self.clip.is_some() || self.segments.is_empty() {
            return;
        }
        self.close_segment();
        self.saves += 1;
        let path = self.opts.out_dir.join(format!("preroll-{:03}.ts", self.saves));
        let result = (|| -> Result<()> {
            let mut out = Vec::new();
            for s in &self.segments {
                out.extend(fs::read(&s.path).with_context(|| format!("reading '{}'", s.path.display()))?);
            }
            fs::write(&path, out).with_context(|| format!("writing '{}'", path.display()))
        })();
        match result {
            Ok(()) => {
                info!(clip = %path.display(), "pre-roll saved");
                if let Ok(mut clips) = self.status.clips.lock() {
                    clips.push(path);
                }
            }
            Err(e) => self.status.warn(format!("pre-roll not saved: {e:#}")),
        }
    }

    fn finish(&mut self) {
        self.stop();
        self.close_segment();
        let _ = fs::remove_dir_all(self.preroll_dir());
    }
}

/// Free space on the filesystem holding `dir`, MB.
fn free_mb(dir: &std::path::Path) -> Option<f64> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    // SAFETY: statvfs writes only into the zeroed struct; the path is NUL-terminated.
    let st = unsafe {
        let mut st: libc::statvfs = std::mem::zeroed();
        (libc::statvfs(path.as_ptr(), &mut st) == 0).then_some(st)?
    };
    Some(st.f_bavail as f64 * st.f_frsize as f64 / 1e6)
}

//! Frame sources and the capture thread.
//!
//! In: a video file, a camera index or a GStreamer pipeline string. Out: [`Frame`]s with
//! a monotonic id, a media timestamp and the capture instant, sent down a bounded channel
//! from a thread named `capture`.

pub mod camera;
pub mod filmed;
pub mod live;
mod opencv_source;
pub mod pipeline;
pub mod video_file;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Instant;

use anyhow::{Context, Result};
use crossbeam_channel::Sender;

use crate::frame::Frame;
use crate::timing::StageTimes;

pub use opencv_source::OpencvSource;

/// Keeps OpenCV's own warnings (e.g. GStreamer position queries) off the console; errors
/// still reach the user through gaitcue's messages.
pub fn quiet_opencv_logs() {
    let _ = opencv::core::set_log_level_1(opencv::core::LOG_LEVEL_ERROR);
}

/// Anything that yields frames: files, cameras, pipelines.
pub trait FrameSource: Send {
    /// Human-readable name for messages, e.g. `video 'clip.mp4'`.
    fn describe(&self) -> String;
    /// The next frame, or `None` at the end of the stream.
    fn next_frame(&mut self) -> Result<Option<Frame>>;
    /// Frames the container says it holds (files only).
    fn frame_count_hint(&self) -> Option<u64>;
    /// Nominal frame rate; live sources often report nonsense, so treat it as a hint.
    fn fps_hint(&self) -> Option<f64>;
    /// Frame size in pixels (width, height).
    fn frame_size(&self) -> (i32, i32);
}

/// Where frames come from, as the user named it.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceSpec {
    File(std::path::PathBuf),
    Camera(i32),
    Pipeline(String),
    /// A network stream (rtsp://, http://…), e.g. a phone used as a webcam.
    Url(String),
}

impl SourceSpec {
    /// Reads what the user typed after `--source`: a GStreamer pipeline (contains `!`), a
    /// stream URL, or a video file.
    pub fn parse(text: &str) -> SourceSpec {
        if text.contains('!') {
            SourceSpec::Pipeline(text.to_string())
        } else if ["rtsp://", "rtmp://", "http://", "https://", "udp://", "tcp://"]
            .iter()
            .any(|p| text.starts_with(p))
        {
            SourceSpec::Url(text.to_string())
        } else {
            SourceSpec::File(text.into())
        }
    }

    pub fn open(&self) -> Result<Box<dyn FrameSource>> {
        Ok(match self {
            SourceSpec::File(path) => Box::new(video_file::open(path)?),
            SourceSpec::Camera(index) => Box::new(camera::open(*index)?),
            SourceSpec::Pipeline(p) => Box::new(pipeline::open(p)?),
            SourceSpec::Url(u) => Box::new(pipeline::open_url(u)?),
        })
    }
}

/// A live session's source as the user chose it: `--camera N`, `--source TEXT` (a file, a
/// stream URL, a GStreamer pipeline or `demo`), or camera 0 when neither is given.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveSource {
    pub spec: SourceSpec,
    /// Play a file at its own speed, as a camera would deliver it.
    pub pace: bool,
}

impl LiveSource {
    pub fn choose(camera: Option<i32>, source: Option<&str>) -> Self {
        let spec = match (camera, source) {
            (Some(i), _) => SourceSpec::Camera(i),
            (None, Some("demo")) => SourceSpec::File(demo_clip()),
            (None, Some(text)) => SourceSpec::parse(text),
            (None, None) => SourceSpec::Camera(0),
        };
        let pace = matches!(spec, SourceSpec::File(_));
        Self { spec, pace }
    }
}

/// The bundled demo clip (fetched by `scripts/setup.sh`): `data/demo.mp4` in the working
/// folder, else in the source tree gaitcue was built from.
pub fn demo_clip() -> std::path::PathBuf {
    let local = std::path::PathBuf::from("data/demo.mp4");
    if local.exists() {
        return local;
    }
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/demo.mp4")
}

/// What the capture thread saw.
#[derive(Debug, Default)]
pub struct CaptureStats {
    pub frames: u64,
    pub times: StageTimes,
}

/// Runs `source` on a thread named `capture`, sending every frame to `tx` (blocking when
/// the next stage is busy: no frame of a file is ever skipped). Stops at the end of the
/// stream, when `stop` is set, or when the receiver hangs up.
pub fn spawn_reader(
    mut source: Box<dyn FrameSource>,
    tx: Sender<Frame>,
    stop: Arc<AtomicBool>,
) -> Result<JoinHandle<Result<CaptureStats>>> {
    thread::Builder::new()
        .name("capture".into())
        .spawn(move || {
            let mut stats = CaptureStats::default();
            while !stop.load(Ordering::Relaxed) {
                let started = Instant::now();
                let Some(frame) = source.next_frame()? else {
                    break;
                };
                stats.times.record("decode", started.elapsed());
                stats.frames += 1;
                if tx.send(frame).is_err() {
                    break;
                }
            }
            Ok(stats)
        })
        .context("starting the capture thread")
}

//! The OpenCV `VideoCapture` reader shared by files, cameras and pipelines.

use std::time::Instant;

use anyhow::{bail, Context, Result};
use opencv::core::Mat;
use opencv::prelude::*;
use opencv::videoio::{self, VideoCapture};

use super::FrameSource;
use crate::frame::Frame;

/// How a source stamps its frames.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Clock {
    /// Container timestamps (files).
    Media,
    /// Time since the first frame arrived (cameras and live pipelines report nonsense fps).
    Arrival,
}

pub struct OpencvSource {
    capture: VideoCapture,
    name: String,
    clock: Clock,
    next_id: u64,
    started: Option<Instant>,
    last_pts_s: f64,
    fps: Option<f64>,
    frame_count: Option<u64>,
    size: (i32, i32),
}

impl OpencvSource {
    /// Wraps an opened capture; fails when OpenCV could not open it.
    pub fn new(capture: VideoCapture, name: String, clock: Clock) -> Result<Self> {
        if !capture.is_opened()? {
            bail!("{name} could not be opened");
        }
        let get = |prop| capture.get(prop).unwrap_or(0.0);
        let fps = Some(get(videoio::CAP_PROP_FPS)).filter(|f| f.is_finite() && *f > 0.0 && *f < 1000.0);
        let count = get(videoio::CAP_PROP_FRAME_COUNT);
        let frame_count = (clock == Clock::Media && count >= 1.0).then_some(count as u64);
        let size = (
            get(videoio::CAP_PROP_FRAME_WIDTH) as i32,
            get(videoio::CAP_PROP_FRAME_HEIGHT) as i32,
        );
        Ok(Self {
            capture,
            name,
            clock,
            next_id: 0,
            started: None,
            last_pts_s: f64::NEG_INFINITY,
            fps,
            frame_count,
            size,
        })
    }

    /// The container's timestamp of the frame just read, falling back to id / fps when the
    /// container gives none or goes backwards.
    fn media_pts_s(&self) -> f64 {
        let ms = self.capture.get(videoio::CAP_PROP_POS_MSEC).unwrap_or(f64::NAN);
        let from_container = ms / 1e3;
        if from_container.is_finite() && from_container > self.last_pts_s && !(self.next_id > 0 && ms == 0.0)
        {
            return from_container;
        }
        let fps = self.fps.unwrap_or(30.0);
        (self.next_id as f64 / fps).max(self.last_pts_s + 1e-6)
    }
}

impl FrameSource for OpencvSource {
    fn describe(&self) -> String {
        self.name.clone()
    }

    fn frame_count_hint(&self) -> Option<u64> {
        self.frame_count
    }

    fn fps_hint(&self) -> Option<f64> {
        self.fps
    }

    fn frame_size(&self) -> (i32, i32) {
        self.size
    }

    fn next_frame(&mut self) -> Result<Option<Frame>> {
        let mut image = Mat::default();
        let ok = self
            .capture
            .read(&mut image)
            .with_context(|| format!("reading from {}", self.name))?;
        if !ok || image.empty() {
            return Ok(None);
        }
        let captured_at = Instant::now();
        let pts_s = match self.clock {
            Clock::Media => self.media_pts_s(),
            Clock::Arrival => captured_at
                .duration_since(*self.started.get_or_insert(captured_at))
                .as_secs_f64(),
        };
        self.last_pts_s = pts_s;
        let frame = Frame {
            id: self.next_id,
            pts_s,
            captured_at,
            image,
        };
        self.next_id += 1;
        Ok(Some(frame))
    }
}

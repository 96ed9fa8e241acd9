//! A captured video frame: the image plus where it sits in time.

use std::time::Instant;

use opencv::core::Mat;
use opencv::prelude::*;

/// One frame from a [`crate::capture::FrameSource`].
pub struct Frame {
    /// Monotonic index assigned by the source, from 0. Gaps mean frames were dropped.
    pub id: u64,
    /// Media timestamp in seconds (from the container, or from the capture clock for
    /// live sources). Analysis uses this, never frame counts.
    pub pts_s: f64,
    /// When the frame left the source; used only to measure latency.
    pub captured_at: Instant,
    /// The image, 8-bit BGR.
    pub image: Mat,
}

impl Frame {
    pub fn width(&self) -> i32 {
        self.image.cols()
    }

    pub fn height(&self) -> i32 {
        self.image.rows()
    }
}

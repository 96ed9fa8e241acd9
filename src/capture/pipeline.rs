//! GStreamer pipelines ending in `appsink` (network cameras, test sources).

use anyhow::{anyhow, Result};
use opencv::videoio::{self, VideoCapture};

use super::opencv_source::{Clock, OpencvSource};

/// Starts a GStreamer pipeline whose last element is an `appsink` delivering BGR frames.
pub fn open(description: &str) -> Result<OpencvSource> {
    let capture = VideoCapture::from_file(description, videoio::CAP_GSTREAMER)?;
    OpencvSource::new(capture, format!("GStreamer pipeline '{description}'"), Clock::Arrival).map_err(|_| {
        anyhow!(
            "GStreamer pipeline '{description}' could not be started: check the pipeline text (it must end in 'appsink') and that its plugins are installed"
        )
    })
}

//! GStreamer pipelines ending in `appsink` (test sources, special cameras) and network
//! streams opened through FFmpeg (phones used as webcams).

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

/// Opens a network stream (RTSP, HTTP MJPEG, …) through FFmpeg.
pub fn open_url(url: &str) -> Result<OpencvSource> {
    let capture = VideoCapture::from_file(url, videoio::CAP_FFMPEG)?;
    OpencvSource::new(capture, format!("stream '{url}'"), Clock::Arrival).map_err(|_| {
        anyhow!("stream '{url}' could not be opened: check the address and that the camera app is streaming")
    })
}

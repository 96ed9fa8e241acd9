//! USB cameras and phones-as-webcams, through V4L2.

use anyhow::{anyhow, Result};
use opencv::videoio::{self, VideoCapture};

use super::opencv_source::{Clock, OpencvSource};

/// Opens camera `index` (`/dev/videoN`).
pub fn open(index: i32) -> Result<OpencvSource> {
    let device = format!("/dev/video{index}");
    let capture = VideoCapture::new(index, videoio::CAP_V4L2)?;
    OpencvSource::new(capture, format!("camera {index} ({device})"), Clock::Arrival).map_err(|_| {
        anyhow!(
            "camera {index} ({device}) could not be opened: check that it is plugged in and not used by another program, or pick another --camera index"
        )
    })
}

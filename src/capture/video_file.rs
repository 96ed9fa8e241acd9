//! Video files, decoded with OpenCV's FFmpeg backend.

use std::path::Path;

use anyhow::{anyhow, bail, Result};
use opencv::videoio::{self, VideoCapture};

use super::opencv_source::{Clock, OpencvSource};

/// Opens a video file; every failure names the file and what to do.
pub fn open(path: &Path) -> Result<OpencvSource> {
    let shown = path.display();
    if !path.exists() {
        bail!("video '{shown}' not found: check the path");
    }
    if path.is_dir() {
        bail!("video '{shown}' is a folder: give the path of a video file");
    }
    if let Err(e) = std::fs::File::open(path) {
        bail!("video '{shown}' cannot be read ({e}): check its permissions");
    }
    let capture = VideoCapture::from_file(path, videoio::CAP_FFMPEG)?;
    OpencvSource::new(capture, format!("video '{shown}'"), Clock::Media).map_err(|_| {
        anyhow!(
            "video '{shown}' cannot be decoded: the file is corrupt, truncated or not a video; re-export or copy it again"
        )
    })
}

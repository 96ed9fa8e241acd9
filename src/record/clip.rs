//! Annotated video clips through OpenCV's FFmpeg writer.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use opencv::core::{Mat, Size};
use opencv::prelude::*;
use opencv::videoio::{self, VideoWriter};

/// MPEG-4 Part 2: ~3 ms per 720p frame on a 2-core CPU, playable everywhere. (x264
/// through OpenCV is stuck on preset "medium": 10× slower, too slow for live use.)
const FOURCC: [char; 4] = ['m', 'p', '4', 'v'];

/// Runs `f` with file descriptor 2 pointed at /dev/null when `silence` is set.
fn with_stderr_silenced<T>(silence: bool, f: impl FnOnce() -> T) -> T {
    if !silence {
        return f();
    }
    // SAFETY: dup/dup2/close on fd 2 and a freshly opened /dev/null; every descriptor
    // opened here is closed before returning, and fd 2 is restored.
    unsafe {
        let saved = libc::dup(2);
        let null = libc::open(c"/dev/null".as_ptr(), libc::O_WRONLY);
        if saved < 0 || null < 0 {
            if saved >= 0 {
                libc::close(saved);
            }
            if null >= 0 {
                libc::close(null);
            }
            return f();
        }
        libc::dup2(null, 2);
        libc::close(null);
        let out = f();
        libc::dup2(saved, 2);
        libc::close(saved);
        out
    }
}

pub struct ClipWriter {
    writer: VideoWriter,
    path: PathBuf,
    size: Size,
}

impl ClipWriter {
    pub fn create(path: &Path, fps: f64, width: i32, height: i32) -> Result<Self> {
        let shown = path.display();
        let fourcc = VideoWriter::fourcc(FOURCC[0], FOURCC[1], FOURCC[2], FOURCC[3])?;
        let size = Size::new(width, height);
        let ts = path.extension().is_some_and(|e| e == "ts");
        // OpenCV prints a harmless notice straight to stderr when MPEG-4 goes into MPEG-TS
        // (the container lists no codec tags); keep it off the clinician's console.
        let writer = with_stderr_silenced(ts, || {
            VideoWriter::new_with_backend(path, videoio::CAP_FFMPEG, fourcc, fps, size, true)
        })
        .with_context(|| format!("creating clip '{shown}'"))?;
        if !writer.is_opened()? {
            bail!("clip '{shown}' cannot be created: check the folder is writable and the disk has space");
        }
        Ok(Self {
            writer,
            path: path.to_path_buf(),
            size,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn write(&mut self, image: &Mat) -> Result<()> {
        if image.size()? != self.size {
            bail!(
                "frame size {}x{} differs from clip '{}' ({}x{}): the source changed resolution",
                image.cols(),
                image.rows(),
                self.path.display(),
                self.size.width,
                self.size.height
            );
        }
        self.writer
            .write(image)
            .with_context(|| format!("writing clip '{}'", self.path.display()))?;
        Ok(())
    }

    /// Writes the container's index; without it some players refuse the file.
    pub fn finish(mut self) -> Result<()> {
        self.writer
            .release()
            .with_context(|| format!("finishing clip '{}'", self.path.display()))
    }
}

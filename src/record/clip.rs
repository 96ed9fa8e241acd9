//! Annotated video clips through OpenCV's FFmpeg writer.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use opencv::core::{Mat, Size};
use opencv::imgproc;
use opencv::prelude::*;
use opencv::videoio::{self, VideoWriter};

/// MPEG-4 Part 2: ~3 ms per 720p frame on a 2-core CPU, playable everywhere. (x264
/// through OpenCV is stuck on preset "medium": 10× slower, too slow for live use.)
const FOURCC: [char; 4] = ['m', 'p', '4', 'v'];

/// Runs `f` with file descriptor 2 pointed at /dev/null when `silence` is set; the other
/// threads' messages to standard error wait meanwhile.
fn with_stderr_silenced<T>(silence: bool, f: impl FnOnce() -> T) -> T {
    if !silence {
        return f();
    }
    // fd 2 is the whole process's: while it points at /dev/null, a message another thread
    // prints would be lost (a live session's "running headless" line was, once). Holding
    // the standard error lock makes every other thread's message wait until it is back.
    let _held = std::io::stderr().lock();
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

/// The annotated copy of an analysed video is at most this many pixels on its longer side:
/// what a screen shows, and a 4K phone clip no longer costs 4K encoding per frame.
pub const REVIEW_MAX_SIDE: i32 = 1280;

/// The size of the annotated copy of a `width` × `height` video: scaled down to fit
/// [`REVIEW_MAX_SIDE`], even sides (what encoders and players expect).
pub fn review_size(width: i32, height: i32) -> (i32, i32) {
    fit_size(width, height, REVIEW_MAX_SIDE)
}

/// `width` × `height` scaled down so that the longer side is at most `max_side`, even
/// sides; unchanged when it fits already.
pub fn fit_size(width: i32, height: i32, max_side: i32) -> (i32, i32) {
    let scale = (max_side as f64 / width.max(height).max(1) as f64).min(1.0);
    if scale >= 1.0 {
        return (width, height);
    }
    let even = |v: i32| ((v as f64 * scale).round() as i32 & !1).max(2);
    (even(width), even(height))
}

pub struct ClipWriter {
    writer: VideoWriter,
    path: PathBuf,
    /// Frames come in at `source` and are written at `size`.
    source: Size,
    size: Size,
    scaled: Mat,
}

impl ClipWriter {
    /// A clip of frames of `width` × `height`, written at that size.
    pub fn create(path: &Path, fps: f64, width: i32, height: i32) -> Result<Self> {
        Self::scaled(path, fps, (width, height), (width, height))
    }

    /// A review copy of frames of `width` × `height`, written at [`review_size`].
    pub fn review(path: &Path, fps: f64, width: i32, height: i32) -> Result<Self> {
        Self::scaled(path, fps, (width, height), review_size(width, height))
    }

    /// Frames of `width` × `height`, written scaled to fit `max_side` ([`fit_size`]).
    pub fn fitted(path: &Path, fps: f64, width: i32, height: i32, max_side: i32) -> Result<Self> {
        Self::scaled(path, fps, (width, height), fit_size(width, height, max_side))
    }

    fn scaled(path: &Path, fps: f64, source: (i32, i32), out: (i32, i32)) -> Result<Self> {
        let shown = path.display();
        let fourcc = VideoWriter::fourcc(FOURCC[0], FOURCC[1], FOURCC[2], FOURCC[3])?;
        let size = Size::new(out.0, out.1);
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
            source: Size::new(source.0, source.1),
            size,
            scaled: Mat::default(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn write(&mut self, image: &Mat) -> Result<()> {
        if image.size()? != self.source {
            bail!(
                "frame size {}x{} differs from clip '{}' ({}x{}): the source changed resolution",
                image.cols(),
                image.rows(),
                self.path.display(),
                self.source.width,
                self.source.height
            );
        }
        let image = if self.size == self.source {
            image
        } else {
            // Drawn at full size (sharp lines and text), then scaled; linear is 10-20 times
            // cheaper than area averaging at these non-integer scales.
            imgproc::resize(
                image,
                &mut self.scaled,
                self.size,
                0.0,
                0.0,
                imgproc::INTER_LINEAR,
            )?;
            &self.scaled
        };
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

#[cfg(test)]
mod tests {
    use super::{fit_size, review_size};

    #[test]
    fn review_copies_fit_the_screen_and_keep_their_shape() {
        assert_eq!(review_size(1280, 720), (1280, 720));
        assert_eq!(review_size(640, 360), (640, 360));
        assert_eq!(review_size(1920, 1080), (1280, 720));
        assert_eq!(review_size(1080, 1920), (720, 1280));
        let (w, h) = review_size(1768, 994);
        assert_eq!((w, h), (1280, 720));
        let (w, h) = review_size(3840, 2160);
        assert!(w == 1280 && h % 2 == 0 && (w as f64 / h as f64 - 16.0 / 9.0).abs() < 0.01);
        assert_eq!(fit_size(1280, 720, 640), (640, 360));
        assert_eq!(fit_size(641, 359, 640), (640, 358));
    }
}

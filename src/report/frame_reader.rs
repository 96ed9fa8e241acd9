//! The frames a report cuts, read from its video on a thread of their own: while one frame
//! is blurred, cropped and handed to the encoder, the next is already being decoded.

use std::thread::JoinHandle;

use anyhow::{anyhow, Context, Result};
use crossbeam_channel::{bounded, Receiver};
use opencv::core::Mat;
use opencv::prelude::*;
use opencv::videoio::{self, VideoCapture};

/// Decoded frames waiting to be used.
const DEPTH: usize = 4;
/// A gap of more than this many unneeded frames is skipped by seeking, not decoding.
const SEEK_GAP: u64 = 60;

/// The reading thread and the frames it hands over, in order: (index in the video, image).
pub(super) struct FrameReader {
    rx: Receiver<(u64, Mat)>,
    handle: JoinHandle<Result<()>>,
}

impl FrameReader {
    /// Reads the frames `needed` (rising, no repeats) from `cap`, reopened from `open` when
    /// the container cannot seek exactly; stops early at the end of the video.
    pub(super) fn spawn(
        mut cap: VideoCapture,
        needed: Vec<u64>,
        open: impl Fn() -> Result<VideoCapture> + Send + 'static,
    ) -> Result<Self> {
        let (tx, rx) = bounded(DEPTH);
        let handle = std::thread::Builder::new()
            .name("report-read".into())
            .spawn(move || -> Result<()> {
                let mut index = 0u64;
                let mut seekable = true;
                for want in needed {
                    if seekable && want > index + SEEK_GAP {
                        if seek(&mut cap, want)? {
                            index = want;
                        } else {
                            // Position unknown: start again from the top and read on from now on.
                            cap = open()?;
                            (index, seekable) = (0, false);
                        }
                    }
                    // Frames nobody needs are decoded but not converted to colour.
                    while index < want && cap.grab()? {
                        index += 1;
                    }
                    let mut frame = Mat::default();
                    if index != want || !cap.read(&mut frame)? {
                        break;
                    }
                    index += 1;
                    if tx.send((want, frame)).is_err() {
                        break;
                    }
                }
                Ok(())
            })
            .context("starting the report's reading thread")?;
        Ok(Self { rx, handle })
    }

    /// The frames, in order, as they are decoded.
    pub(super) fn frames(&self) -> crossbeam_channel::Iter<'_, (u64, Mat)> {
        self.rx.iter()
    }

    /// Stops reading (if the frames were not all taken) and reports a read error.
    pub(super) fn finish(self) -> Result<()> {
        drop(self.rx);
        match self.handle.join() {
            Ok(result) => result,
            Err(_) => Err(anyhow!("the report's reading thread crashed")),
        }
    }
}

/// Moves `cap` so that its next frame is `frame`; false (position unknown: reopen or read
/// on) when the container cannot seek exactly.
fn seek(cap: &mut VideoCapture, frame: u64) -> Result<bool> {
    Ok(cap.set(videoio::CAP_PROP_POS_FRAMES, frame as f64)?
        && cap.get(videoio::CAP_PROP_POS_FRAMES)?.round() as u64 == frame)
}

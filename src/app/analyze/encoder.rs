//! The annotated clip encoded on its own thread: the analysis thread hands each drawn frame
//! over a bounded channel (nothing is dropped offline: it waits when the encoder is behind)
//! and goes on with the next frame while this one is scaled and encoded.

use std::thread::JoinHandle;
use std::time::Instant;

use anyhow::{Context, Result};
use crossbeam_channel::{bounded, Sender};
use opencv::core::Mat;

use crate::record::clip::ClipWriter;
use crate::timing::StageTimes;

/// Drawn frames waiting for the encoder.
const DEPTH: usize = 4;

/// The encoder thread and the way frames go to it.
pub(super) struct Encoder {
    tx: Option<Sender<Mat>>,
    handle: JoinHandle<Result<StageTimes>>,
}

impl Encoder {
    /// Starts encoding into `clip`.
    pub(super) fn spawn(mut clip: ClipWriter) -> Result<Self> {
        let (tx, rx) = bounded::<Mat>(DEPTH);
        let handle = std::thread::Builder::new()
            .name("encode".into())
            .spawn(move || -> Result<StageTimes> {
                let mut times = StageTimes::default();
                for image in rx.iter() {
                    let t0 = Instant::now();
                    clip.write(&image)?;
                    times.record("encode", t0.elapsed());
                }
                clip.finish()?;
                Ok(times)
            })
            .context("starting the encoding thread")?;
        Ok(Self { tx: Some(tx), handle })
    }

    /// Hands one drawn frame over; `false` when the encoder has stopped (its error comes
    /// from [`Encoder::finish`]).
    pub(super) fn send(&self, image: Mat) -> bool {
        self.tx.as_ref().is_some_and(|tx| tx.send(image).is_ok())
    }

    /// Waits for every frame handed over to be written and the clip to be closed.
    pub(super) fn finish(mut self) -> Result<StageTimes> {
        drop(self.tx.take());
        crate::app::join_stage("encode", self.handle)
    }
}

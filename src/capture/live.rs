//! The live entrance: a capture thread that keeps only the latest frame for the pose
//! stage (a slow pose stage skips frames here, and only here, and every skip is counted),
//! paces files at their real speed, and reconnects to cameras and streams that drop out.
//! A file can instead be played frame by frame (`every_frame`): the capture thread then
//! waits for the pose stage, so nothing is dropped whatever the CPU has to spare.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use crossbeam_channel::{Receiver, SendTimeoutError, Sender, TrySendError};
use tracing::{info, warn};

use super::{FrameSource, SourceSpec};
use crate::frame::Frame;
use crate::timing::StageTimes;

/// How often a lost source is tried again.
const RETRY_EVERY: Duration = Duration::from_millis(500);

/// What the capture thread tells the rest of the session.
#[derive(Debug, Default)]
pub struct CaptureStatus {
    /// The source's name while it is gone (being reconnected), e.g. "camera 0".
    pub lost: Mutex<Option<String>>,
    pub frames: AtomicU64,
    /// Frames replaced in the one-slot entrance before the pose stage took them.
    pub dropped: AtomicU64,
    pub reconnects: AtomicU64,
}

impl CaptureStatus {
    /// The source being reconnected, if it is gone.
    pub fn lost(&self) -> Option<String> {
        self.lost.lock().ok().and_then(|p| p.clone())
    }

    fn set_lost(&self, source: Option<String>) {
        if let Ok(mut p) = self.lost.lock() {
            *p = source;
        }
    }
}

pub struct LiveCapture {
    pub spec: SourceSpec,
    /// Play files at their own frame rate, as if they were a camera.
    pub pace: bool,
    /// Try again when a camera or stream ends or fails (files just end).
    pub reconnect: bool,
    /// Wait for the pose stage instead of replacing the waiting frame (files only): every
    /// frame is shown, at the file's speed when the computer keeps up, slower when not.
    pub every_frame: bool,
}

/// How long a blocked hand-over waits before looking at the stop flag again.
const HANDOVER_POLL: Duration = Duration::from_millis(100);

/// Starts the capture thread. Frames go into the one-slot `entrance`; when the slot is
/// still full the older frame is taken back out (via `reclaim`) and counted as dropped.
pub fn spawn(
    live: LiveCapture,
    first: Box<dyn FrameSource>,
    entrance: Sender<Frame>,
    reclaim: Receiver<Frame>,
    stop: Arc<AtomicBool>,
    status: Arc<CaptureStatus>,
) -> Result<JoinHandle<Result<StageTimes>>> {
    thread::Builder::new()
        .name("capture".into())
        .spawn(move || {
            let mut source = Some(first);
            let session_start = Instant::now();
            let mut next_id = 0u64;
            let mut pace_origin: Option<(Instant, f64)> = None;
            let mut times = StageTimes::default();
            while !stop.load(Ordering::Relaxed) {
                let Some(src) = source.as_mut() else {
                    // Lost: try again every RETRY_EVERY until it answers or we stop.
                    thread::sleep(RETRY_EVERY);
                    if let Ok(s) = live.spec.open() {
                        info!(source = %s.describe(), "source back");
                        status.reconnects.fetch_add(1, Ordering::Relaxed);
                        status.set_lost(None);
                        source = Some(s);
                        pace_origin = None;
                    }
                    continue;
                };
                let t0 = Instant::now();
                let read = src.next_frame();
                times.record("decode", t0.elapsed());
                let mut frame = match read {
                    Ok(Some(f)) => f,
                    Ok(None) | Err(_) if live.reconnect => {
                        let why = match &read {
                            Err(e) => format!("{e:#}"),
                            _ => "stream ended".into(),
                        };
                        warn!(source = %src.describe(), %why, "source lost, reconnecting");
                        status.set_lost(Some(src.describe()));
                        source = None;
                        continue;
                    }
                    Ok(None) => break,
                    Err(e) => return Err(e),
                };
                if live.pace {
                    // Wait until the frame's media time, as a camera would deliver it.
                    let (t0, pts0) = *pace_origin.get_or_insert((Instant::now(), frame.pts_s));
                    let due = t0 + Duration::from_secs_f64((frame.pts_s - pts0).max(0.0));
                    if let Some(wait) = due.checked_duration_since(Instant::now()) {
                        thread::sleep(wait);
                    }
                    frame.captured_at = Instant::now();
                } else {
                    // Cameras and streams: time since the session started, across reconnects.
                    frame.pts_s = frame.captured_at.duration_since(session_start).as_secs_f64();
                }
                frame.id = next_id;
                next_id += 1;
                status.frames.fetch_add(1, Ordering::Relaxed);
                if live.every_frame {
                    if !hand_over(&entrance, frame, &stop) {
                        break;
                    }
                    continue;
                }
                match entrance.try_send(frame) {
                    Ok(()) => {}
                    Err(TrySendError::Full(frame)) => {
                        if reclaim.try_recv().is_ok() {
                            status.dropped.fetch_add(1, Ordering::Relaxed);
                        }
                        if entrance.try_send(frame).is_err() {
                            status.dropped.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    Err(TrySendError::Disconnected(_)) => break,
                }
            }
            Ok(times)
        })
        .context("starting the capture thread")
}

/// Sends `frame`, waiting as long as the receiver is busy; false when the session is
/// stopping or the receiver has gone.
fn hand_over(entrance: &Sender<Frame>, mut frame: Frame, stop: &AtomicBool) -> bool {
    loop {
        match entrance.send_timeout(frame, HANDOVER_POLL) {
            Ok(()) => return true,
            Err(SendTimeoutError::Timeout(f)) if !stop.load(Ordering::Relaxed) => frame = f,
            Err(_) => return false,
        }
    }
}

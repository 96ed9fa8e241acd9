//! A clip read with the times it was filmed at, where it plays at another rate: a phone's
//! slow motion (filmed at 120 or 240 frames/s, saved to play at 30) or a file whose header
//! states a wrong rate. Every timestamp is divided, and the frame rate multiplied, by how
//! many times slower the clip plays than it was filmed.

use anyhow::{bail, Result};

use super::FrameSource;
use crate::frame::Frame;

/// The frame rates a camera may film at, frames per second.
const FILMED_FPS: std::ops::RangeInclusive<f64> = 1.0..=1000.0;

/// `fps` when a camera may film at it, else what to give instead.
pub fn check_filmed_fps(fps: f64) -> Result<f64> {
    if !(fps.is_finite() && FILMED_FPS.contains(&fps)) {
        bail!("--filmed-fps {fps}: give the rate the camera filmed at, 1 to 1000 frames per second");
    }
    Ok(fps)
}

/// How much slower (or faster, `k` < 1) a clip plays than it was filmed, in words.
pub fn slower_or_faster(k: f64) -> String {
    if k >= 1.0 {
        format!("{k:.1}× slower")
    } else {
        format!("{:.1}× faster", 1.0 / k)
    }
}

/// A source whose times are as filmed.
pub struct Filmed {
    inner: Box<dyn FrameSource>,
    filmed_fps: f64,
    slower_by: f64,
}

impl Filmed {
    /// `inner` filmed at `filmed_fps`; fails when the file states no frame rate of its own
    /// (nothing to scale from).
    pub fn new(inner: Box<dyn FrameSource>, filmed_fps: f64) -> Result<Self> {
        let filmed_fps = check_filmed_fps(filmed_fps)?;
        let Some(plays_at) = inner.fps_hint() else {
            bail!(
                "{} states no frame rate, so --filmed-fps cannot tell how much slower it plays; re-export it with its frame rate",
                inner.describe()
            );
        };
        Ok(Self {
            slower_by: filmed_fps / plays_at,
            filmed_fps,
            inner,
        })
    }

    /// How many times slower the file plays than it was filmed.
    pub fn slower_by(&self) -> f64 {
        self.slower_by
    }
}

impl FrameSource for Filmed {
    fn describe(&self) -> String {
        self.inner.describe()
    }

    fn next_frame(&mut self) -> Result<Option<Frame>> {
        Ok(self.inner.next_frame()?.map(|mut f| {
            f.pts_s /= self.slower_by;
            f
        }))
    }

    fn frame_count_hint(&self) -> Option<u64> {
        self.inner.frame_count_hint()
    }

    fn fps_hint(&self) -> Option<f64> {
        Some(self.filmed_fps)
    }

    fn frame_size(&self) -> (i32, i32) {
        self.inner.frame_size()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    /// Frames at `fps` by the file's clock, and perhaps no stated rate.
    struct Plays {
        fps: Option<f64>,
        next: u64,
    }

    impl FrameSource for Plays {
        fn describe(&self) -> String {
            "video 'slow.mp4'".into()
        }
        fn next_frame(&mut self) -> Result<Option<Frame>> {
            self.next += 1;
            Ok((self.next <= 3).then(|| Frame {
                id: self.next - 1,
                pts_s: (self.next - 1) as f64 / 30.0,
                captured_at: Instant::now(),
                image: opencv::core::Mat::default(),
            }))
        }
        fn frame_count_hint(&self) -> Option<u64> {
            Some(3)
        }
        fn fps_hint(&self) -> Option<f64> {
            self.fps
        }
        fn frame_size(&self) -> (i32, i32) {
            (720, 1280)
        }
    }

    #[test]
    fn a_phone_slow_motion_saved_at_30_is_timed_as_filmed_at_120() {
        let mut s = Filmed::new(
            Box::new(Plays {
                fps: Some(30.0),
                next: 0,
            }),
            120.0,
        )
        .unwrap();
        assert_eq!(s.fps_hint(), Some(120.0));
        assert_eq!(s.slower_by(), 4.0);
        let times: Vec<f64> = std::iter::from_fn(|| s.next_frame().unwrap())
            .map(|f| f.pts_s)
            .collect();
        assert_eq!(times.len(), 3);
        for (i, t) in times.iter().enumerate() {
            assert!((t - i as f64 / 120.0).abs() < 1e-12, "{times:?}");
        }
    }

    #[test]
    fn a_file_without_a_frame_rate_or_a_rate_no_camera_films_at_is_refused() {
        let e = Filmed::new(Box::new(Plays { fps: None, next: 0 }), 120.0)
            .err()
            .unwrap();
        assert!(
            e.to_string().contains("video 'slow.mp4' states no frame rate"),
            "{e}"
        );
        for bad in [0.0, -30.0, f64::NAN, 5000.0] {
            let e = Filmed::new(
                Box::new(Plays {
                    fps: Some(30.0),
                    next: 0,
                }),
                bad,
            )
            .err()
            .unwrap();
            assert!(e.to_string().contains("--filmed-fps"), "{e}");
        }
    }
}

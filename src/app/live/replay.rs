//! The delayed replay beside the live picture, as a clinician uses a delay view: the runner
//! sees themselves a few seconds late on the right while the live picture and the live
//! numbers stay on the left. The delay is set on screen; the replay can be frozen, slowed
//! to half speed, or loop the last stride (contact to the next contact of the same foot).

use std::collections::VecDeque;

use anyhow::{Context, Result};
use opencv::core::{Mat, Size, Vector};
use opencv::imgcodecs;
use opencv::imgproc;
use opencv::prelude::*;

/// Height the replay's frames are kept at (they fill half the view).
const KEPT_HEIGHT: i32 = 480;
/// Slow motion plays at this share of real time.
const SLOW: f64 = 0.5;

/// What the replay pane shows now.
pub(super) enum Pane {
    /// Not enough frames yet: seconds held and seconds needed.
    Filling(f64, f64),
    /// A frame and what it is ("2.0 s ago", "frozen", "last stride, half speed").
    Frame(Mat, String),
}

/// How the replay plays.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Mode {
    /// `delay_s` behind live (at half speed when slowed, catching up when released).
    Behind,
    /// One frame held.
    Frozen(f64),
    /// The span from one contact to the next of the same foot, over and over, from the
    /// media time the loop began.
    Loop { from: f64, to: f64, since: f64 },
}

pub(super) struct DelayView {
    pub(super) on: bool,
    pub(super) delay_s: f64,
    /// The most seconds kept (and the longest delay).
    max_s: f64,
    ring: VecDeque<(f64, Vector<u8>)>,
    /// The frames a freeze or a loop shows, copied out of the ring when it began, so that
    /// they stay however long it lasts while the ring rolls on.
    held: Vec<(f64, Vector<u8>)>,
    mode: Mode,
    slow: bool,
    /// Where a slowed replay is, media time.
    play_t: Option<f64>,
    last_t: Option<f64>,
    /// The frame decoded last, by its time: a frozen or slowed replay decodes it once.
    decoded: Option<(f64, Mat)>,
}

impl DelayView {
    pub(super) fn new(on: bool, delay_s: f64, max_s: f64) -> Self {
        Self {
            on,
            delay_s,
            max_s,
            ring: VecDeque::new(),
            held: Vec::new(),
            mode: Mode::Behind,
            slow: false,
            play_t: None,
            last_t: None,
            decoded: None,
        }
    }

    pub(super) fn toggle(&mut self) {
        self.on = !self.on;
        self.ring.clear();
        self.held.clear();
        self.mode = Mode::Behind;
        self.play_t = None;
    }

    /// A longer or shorter delay, within 0.5 s and what is kept.
    pub(super) fn change_delay(&mut self, by_s: f64) {
        self.delay_s = (self.delay_s + by_s).clamp(0.5, self.max_s);
        self.play_t = None;
    }

    pub(super) fn set_delay(&mut self, s: f64) {
        self.delay_s = s.clamp(0.5, self.max_s);
        self.play_t = None;
    }

    /// Freezes the frame on show, or goes on.
    pub(super) fn toggle_freeze(&mut self, now: f64) {
        self.mode = match self.mode {
            Mode::Frozen(_) => Mode::Behind,
            _ => {
                let t = self.shown_t(now);
                self.hold(t, t);
                Mode::Frozen(t)
            }
        };
    }

    /// Copies out of the ring the frames shown from `from` to `to`: those in the span and
    /// the one on show at its start.
    fn hold(&mut self, from: f64, to: f64) {
        let first = self.ring.iter().rposition(|f| f.0 <= from + 1e-6).unwrap_or(0);
        self.held = self
            .ring
            .iter()
            .skip(first)
            .take_while(|f| f.0 <= to + 1e-6)
            .cloned()
            .collect();
    }

    pub(super) fn toggle_slow(&mut self) {
        self.slow = !self.slow;
        self.play_t = None;
    }

    /// Loops the span `from`..`to` (the last stride), or stops looping. False when the
    /// span is not in what is kept.
    pub(super) fn toggle_loop(&mut self, span: Option<(f64, f64)>, now: f64) -> bool {
        if matches!(self.mode, Mode::Loop { .. }) {
            self.mode = Mode::Behind;
            return true;
        }
        match span.filter(|(from, to)| to > from && self.ring.front().is_some_and(|f| f.0 <= *from)) {
            Some((from, to)) => {
                self.hold(from, to);
                self.mode = Mode::Loop { from, to, since: now };
                true
            }
            None => false,
        }
    }

    /// Keeps a frame of the runner's view (overlays drawn) shown at media time `t`.
    pub(super) fn push(&mut self, t: f64, view: &Mat) -> Result<()> {
        if !self.on {
            return Ok(());
        }
        let scale = f64::from(KEPT_HEIGHT) / f64::from(view.rows().max(1));
        let mut small = Mat::default();
        let size = Size::new(
            ((f64::from(view.cols()) * scale).round() as i32).max(2),
            KEPT_HEIGHT,
        );
        // Linear, not area: area on a full-size frame costs several times more, every frame.
        imgproc::resize(view, &mut small, size, 0.0, 0.0, imgproc::INTER_LINEAR)?;
        let mut jpeg = Vector::<u8>::new();
        imgcodecs::imencode_def(".jpg", &small, &mut jpeg).context("encoding the replay buffer")?;
        self.ring.push_back((t, jpeg));
        while self.ring.front().is_some_and(|f| t - f.0 > self.max_s) {
            self.ring.pop_front();
        }
        Ok(())
    }

    /// The media time of the frame to show at `now`.
    fn shown_t(&mut self, now: f64) -> f64 {
        let dt = self.last_t.map_or(0.0, |l| (now - l).max(0.0));
        self.last_t = Some(now);
        match self.mode {
            Mode::Frozen(t) => t,
            Mode::Loop { from, to, since } => {
                let speed = if self.slow { SLOW } else { 1.0 };
                from + ((now - since) * speed).rem_euclid(to - from)
            }
            Mode::Behind => {
                let target = now - self.delay_s;
                if !self.slow {
                    self.play_t = None;
                    return target;
                }
                // Half speed falls behind; it starts again at the delay once it has fallen
                // out of what is kept.
                let t = self.play_t.map_or(target, |p| p + SLOW * dt);
                let t = if self.ring.front().is_some_and(|f| t < f.0) {
                    target
                } else {
                    t.min(target)
                };
                self.play_t = Some(t);
                t
            }
        }
    }

    /// What the pane shows at media time `now`.
    pub(super) fn pane(&mut self, now: f64) -> Result<Pane> {
        let t = self.shown_t(now);
        let held = self.ring.front().map_or(0.0, |f| now - f.0);
        let found = match self.mode {
            Mode::Behind => self.ring.iter().rev().find(|f| f.0 <= t + 1e-6),
            // A freeze or a loop shows only what it holds.
            _ => self
                .held
                .iter()
                .rev()
                .find(|f| f.0 <= t + 1e-6)
                .or(self.held.first()),
        };
        let Some(frame) = found else {
            return Ok(Pane::Filling(held.max(0.0), self.delay_s));
        };
        let frame_t = frame.0;
        let image = match &self.decoded {
            Some((t, m)) if *t == frame_t => m.clone(),
            _ => {
                let m = imgcodecs::imdecode(&frame.1, imgcodecs::IMREAD_COLOR)
                    .context("decoding the replay buffer")?;
                self.decoded = Some((frame_t, m.clone()));
                m
            }
        };
        let speed = if self.slow { ", half speed" } else { "" };
        let label = match self.mode {
            Mode::Frozen(_) => "frozen (F: go on)".to_string(),
            Mode::Loop { .. } => format!("last stride, looped{speed} (L: stop)"),
            Mode::Behind => format!("{:.1} s ago{speed}", now - frame_t),
        };
        Ok(Pane::Frame(image, label))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opencv::core::{Scalar, CV_8UC3};

    /// A frame whose grey level tells its time (20 levels a second, 0-240).
    fn frame(t: f64) -> Mat {
        Mat::new_rows_cols_with_default(48, 64, CV_8UC3, Scalar::all((t * 20.0).round())).unwrap()
    }

    /// The time a pane's frame was shown at, from its grey level.
    fn time_of(pane: &Pane) -> Option<f64> {
        match pane {
            Pane::Frame(m, _) => Some(f64::from(m.at_2d::<opencv::core::Vec3b>(10, 10).unwrap()[0]) / 20.0),
            Pane::Filling(..) => None,
        }
    }

    #[test]
    fn the_replay_fills_then_runs_behind_and_freezes_slows_and_loops() {
        let mut v = DelayView::new(true, 2.0, 60.0);
        let mut seen = Vec::new();
        for i in 0..360 {
            let t = f64::from(i) / 30.0;
            v.push(t, &frame(t)).unwrap();
            seen.push((t, v.pane(t).unwrap()));
        }
        // Filling for the first 2 s, said as held of wanted.
        assert!(matches!(seen[30].1, Pane::Filling(h, w) if (h - 1.0).abs() < 0.05 && w == 2.0));
        // Then 2 s behind (within a frame and the grey level's rounding).
        let (t, pane) = &seen[200];
        // (Frames go on to 12 s; the panes below look back into them.)
        assert!(
            (time_of(pane).unwrap() - (t - 2.0)).abs() < 0.1,
            "{:?} at {t}",
            time_of(pane)
        );
        // Frozen: the same frame however long; going on: behind again.
        v.toggle_freeze(8.0);
        let a = time_of(&v.pane(8.5).unwrap()).unwrap();
        let b = time_of(&v.pane(9.5).unwrap()).unwrap();
        assert_eq!(a, b);
        v.toggle_freeze(9.5);
        // Half speed falls behind by half the time passed.
        v.toggle_slow();
        let start = time_of(&v.pane(9.6).unwrap()).unwrap();
        let later = time_of(&v.pane(10.6).unwrap()).unwrap();
        assert!((later - start - 0.5).abs() < 0.1, "{start} -> {later}");
        v.toggle_slow();
        // The last stride (here 4.0-4.7 s) looped: every frame shown lies in it.
        assert!(v.toggle_loop(Some((4.0, 4.7)), 10.0));
        for k in 0..40 {
            let t = time_of(&v.pane(10.0 + f64::from(k) * 0.05).unwrap()).unwrap();
            assert!((3.95..=4.75).contains(&t), "{t}");
        }
        // A stride older than what is kept cannot loop.
        v.toggle_loop(None, 12.0);
        assert!(!v.toggle_loop(Some((-5.0, -4.3)), 12.0));
    }

    #[test]
    fn a_freeze_and_a_loop_keep_their_frames_while_the_ring_rolls_on() {
        // Only 3 s are kept: a freeze and a loop outlast them.
        let mut v = DelayView::new(true, 1.0, 3.0);
        let mut t = 0.0;
        let mut step = |v: &mut DelayView, until: f64| {
            while t < until {
                t += 1.0 / 30.0;
                v.push(t, &frame(t)).unwrap();
            }
        };
        step(&mut v, 5.0);
        v.toggle_freeze(5.0);
        let frozen = time_of(&v.pane(5.0).unwrap()).unwrap();
        step(&mut v, 11.0);
        assert_eq!(
            time_of(&v.pane(11.0).unwrap()),
            Some(frozen),
            "the frozen frame stays"
        );
        v.toggle_freeze(11.0);
        assert!(v.toggle_loop(Some((9.0, 9.7)), 11.0));
        step(&mut v, 20.0);
        for k in 0..30 {
            let shown = time_of(&v.pane(20.0 + f64::from(k) * 0.05).unwrap()).unwrap();
            assert!(
                (8.95..=9.75).contains(&shown),
                "{shown} outside the looped stride"
            );
        }
    }
}

//! Whether the clip's clock runs at real time, from gravity. Phones save slow motion (120 or
//! 240 frames per second) as 30 fps video, so every time in it is 4–8 times too long: a
//! runner appears at 35–70 steps/min, with flight phases — impossible running.
//!
//! In flight nothing holds the body up, so the hips fall with gravity, 9.8 m/s². Between one
//! foot's toe-off and the other's contact the hip centre's height is a parabola whose
//! curvature, in leg lengths per second², is g ÷ leg length. Each flight gives one window;
//! the curvature is fitted over all of them at once (each window with its own height and
//! speed), so a few pixels of keypoint noise per frame average out over the steps. With the
//! leg taken as 0.491 × height (Winter) and a height of 1.75 m when none is given (adult leg
//! lengths vary by ±15 %), the apparent gravity is g × (real / clip time)²: a quarter of g
//! for 2× slow motion, a sixteenth for 4×.

use serde::Serialize;

/// Standard gravity, m/s².
pub const G_MPS2: f64 = 9.81;
/// Leg length (hip–knee + knee–ankle) as a share of body height [Winter 2009].
const LEG_PER_HEIGHT: f64 = 0.491;
/// The height assumed when none is given, m.
const DEFAULT_HEIGHT_M: f64 = 1.75;
/// Flights needed before the clock is judged.
const MIN_FLIGHTS: usize = 6;
/// Apparent gravity below this share of g is a clock running slow: 2× slow motion gives
/// 0.25; real time, with the hips not quite the body's centre of mass and an unknown leg
/// length, stays within about 0.6–1.6.
const SLOW_BELOW: f64 = 0.45;
/// ...and above this share a clock running fast (a time-lapse, or a wrong frame rate).
const FAST_ABOVE: f64 = 2.5;
/// A flight longer than this (seconds, as the clip tells it) is not one flight.
const MAX_FLIGHT_S: f64 = 2.0;
/// Samples this close to the toe-off or the contact that bound a flight are left out: those
/// events are known to a frame or so, and a stance sample bends the fall the other way.
pub const FLIGHT_MARGIN_S: f64 = 0.02;
/// A clock judged slow must agree with the steps: steps this long (as the clip tells them)
/// or longer, 133 steps/min or slower (a runner's steps at real time are mostly shorter;
/// a slow jogger's are not, and gravity alone then tells).
const SLOW_STEP_S: f64 = 0.45;

/// The pooled fit of the hips' fall over the flights seen.
#[derive(Debug, Clone, Default)]
pub struct FallFit {
    /// Σ r_q·r_y and Σ r_q² over the windows, where r_q and r_y are the residuals of t² and
    /// of the height after each window's own straight line.
    qy: f64,
    qq: f64,
    /// Σ r_y², and the samples, for the fit's own noise.
    yy: f64,
    samples: usize,
    flights: usize,
}

/// What the clock looks like.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TimeBase {
    /// The hips' fall in flight, m/s², with the leg length assumed (or from the height given),
    /// and its standard error from the fit's own scatter.
    pub apparent_gravity_mps2: f64,
    pub standard_error_mps2: f64,
    pub flights: usize,
    /// The clip's time ÷ real time, when it is clearly not 1 (`None`: real time, or not
    /// enough flights to tell).
    pub stretched_by: Option<f64>,
}

impl FallFit {
    /// Adds one flight: the hip centre's image height (y down, pixels) at times `t`, with the
    /// leg length in pixels.
    pub fn add_flight(&mut self, samples: &[(f64, f64)], leg_px: f64) {
        if samples.len() < 3 || leg_px <= 0.0 {
            return;
        }
        let (first, last) = (samples[0].0, samples[samples.len() - 1].0);
        if last - first > MAX_FLIGHT_S || last <= first {
            return;
        }
        // Height up, in leg lengths, against time from the window's middle.
        let mid = 0.5 * (first + last);
        let pts: Vec<(f64, f64)> = samples.iter().map(|(t, y)| (t - mid, -y / leg_px)).collect();
        let n = pts.len() as f64;
        let mean = |f: &dyn Fn(&(f64, f64)) -> f64| pts.iter().map(f).sum::<f64>() / n;
        let (mt, my, mq) = (mean(&|p| p.0), mean(&|p| p.1), mean(&|p| p.0 * p.0));
        let stt: f64 = pts.iter().map(|p| (p.0 - mt).powi(2)).sum();
        if stt <= 0.0 {
            return;
        }
        // Residuals after the window's own line (height and speed at take-off are its own).
        let slope = |f: &dyn Fn(&(f64, f64)) -> f64, m: f64| {
            pts.iter().map(|p| (p.0 - mt) * (f(p) - m)).sum::<f64>() / stt
        };
        let (by, bq) = (slope(&|p| p.1, my), slope(&|p| p.0 * p.0, mq));
        for p in &pts {
            let ry = p.1 - my - by * (p.0 - mt);
            let rq = p.0 * p.0 - mq - bq * (p.0 - mt);
            self.qy += rq * ry;
            self.qq += rq * rq;
            self.yy += ry * ry;
        }
        self.samples += pts.len();
        self.flights += 1;
    }

    /// The clock as judged so far, with the steps' median time as the clip tells it; `None`
    /// before any flight was fitted.
    pub fn time_base(&self, height_m: Option<f64>, median_step_s: Option<f64>) -> Option<TimeBase> {
        if self.flights == 0 || self.qq <= 0.0 {
            return None;
        }
        // height(t) = a + b·t − g/2·t²: the fitted t² coefficient is −g/2, in leg lengths/s².
        let g_legs = -2.0 * self.qy / self.qq;
        let leg_m = LEG_PER_HEIGHT * height_m.unwrap_or(DEFAULT_HEIGHT_M);
        let g = g_legs * leg_m;
        // Each window spends two parameters (height, speed), the fit one more.
        let dof = self.samples.saturating_sub(2 * self.flights + 1);
        let rss = (self.yy - self.qy * self.qy / self.qq).max(0.0);
        let se = if dof > 0 {
            2.0 * (rss / dof as f64 / self.qq).sqrt() * leg_m
        } else {
            f64::INFINITY
        };
        // Judged only when the fall is measured well enough to be sure of the verdict, and
        // is a fall at all (hips rising in "flight" mean the flights were not found well).
        let judged = self.flights >= MIN_FLIGHTS && g > 0.0;
        let share = |g: f64| g / G_MPS2;
        let slow = share(g + 2.0 * se) < SLOW_BELOW && median_step_s.is_some_and(|s| s >= SLOW_STEP_S);
        let fast = share(g - 2.0 * se) > FAST_ABOVE;
        let stretched_by = (judged && (slow || fast)).then(|| (1.0 / share(g).max(1e-3)).sqrt());
        Some(TimeBase {
            apparent_gravity_mps2: g,
            standard_error_mps2: se,
            flights: self.flights,
            stretched_by,
        })
    }
}

/// How every clock problem begins, in words (a step's reason).
pub const PROBLEM_PREFIX: &str = "the hips fall at";

/// The stretch is named when gravity's standard error is below this share of its value.
const MAX_RELATIVE_ERROR: f64 = 1.0 / 3.0;

/// Frame rates cameras film at, frames per second (phones' slow motion: 120, 240).
const CAMERA_FPS: [f64; 11] = [
    24.0, 25.0, 30.0, 50.0, 60.0, 100.0, 120.0, 200.0, 240.0, 480.0, 960.0,
];

impl TimeBase {
    /// Why steps timed by this clock cannot be counted, in words; `None` at real time.
    pub fn problem(&self) -> Option<String> {
        let k = self.stretched_by?;
        let g = self.apparent_gravity_mps2;
        let (by, way, hint) = if k > 1.0 {
            (k, "slow", "slow motion saved at 30 fps?")
        } else {
            (1.0 / k, "fast", "a wrong frame rate?")
        };
        Some(if self.measured_well() {
            format!("{PROBLEM_PREFIX} {g:.1} m/s² in flight where gravity gives 9.8: the clip's time runs about {by:.1}× {way} ({hint})")
        } else {
            format!("{PROBLEM_PREFIX} {g:.1} m/s² in flight where gravity gives 9.8: the clip's time runs {way} ({hint}), by how much the fall is measured too loosely to say")
        })
    }

    /// Whether the fall is measured well enough to say how much the clock is stretched
    /// (gravity's standard error within a third of its value: the stretch within ±17 %).
    fn measured_well(&self) -> bool {
        self.standard_error_mps2 < MAX_RELATIVE_ERROR * self.apparent_gravity_mps2
    }

    /// What to do about a clock that is not real time, in words, for a clip whose times
    /// run at `fps` frames per second (0: unknown): analyse it with the rate it was filmed
    /// at, which looks like the camera rate nearest to `fps` times the stretch (named only
    /// when the fall is measured well).
    pub fn remedy(&self, fps: f64) -> Option<String> {
        let looks = fps * self.stretched_by?;
        let nearest = CAMERA_FPS
            .into_iter()
            .filter(|_| looks > 0.0 && self.measured_well())
            .min_by(|a, b| (a / looks).ln().abs().total_cmp(&(b / looks).ln().abs()));
        Some(match nearest {
            Some(f) => format!(
                "it looks filmed at about {f:.0} frames per second: if so (a phone's slow motion, or a wrong rate in the file), analyse it with `gaitcue analyze --filmed-fps {f:.0}`, or the rate the camera filmed at"
            ),
            None => "analyse it with `gaitcue analyze --filmed-fps` and the rate the camera filmed at".into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Flights of a body falling with gravity from the top of a parabola, sampled at `fps`,
    /// with times stretched by `slow`; leg 0.86 m = 300 px.
    fn fit(slow: f64, fps: f64, noise_px: f64) -> Option<TimeBase> {
        let px_per_m = 300.0 / (0.491 * 1.75);
        let mut fall = FallFit::default();
        let mut jitter = 0.37f64;
        for k in 0..12 {
            let t0 = k as f64 * 0.36 * slow;
            let samples: Vec<(f64, f64)> = (0..)
                .map(|i| i as f64 / fps)
                .take_while(|dt| *dt <= 0.12 * slow)
                .map(|dt| {
                    let real = dt / slow - 0.06;
                    jitter = (jitter * 7.31 + 0.113).fract();
                    let y = 500.0 + 0.5 * G_MPS2 * real * real * px_per_m + noise_px * (jitter - 0.5);
                    (t0 + dt, y)
                })
                .collect();
            fall.add_flight(&samples, 300.0);
        }
        fall.time_base(None, Some(0.36 * slow))
    }

    #[test]
    fn gravity_tells_real_time_from_slow_motion() {
        let real = fit(1.0, 30.0, 0.0).unwrap();
        assert!((real.apparent_gravity_mps2 - G_MPS2).abs() < 0.01, "{real:?}");
        assert_eq!(real.stretched_by, None);
        let noisy = fit(1.0, 30.0, 4.0).unwrap();
        assert_eq!(noisy.stretched_by, None, "{noisy:?}");
        let slow = fit(4.0, 30.0, 4.0).unwrap();
        assert!((slow.stretched_by.unwrap() - 4.0).abs() < 0.6, "{slow:?}");
        assert!(slow.problem().unwrap().contains("slow"));
        let twice = fit(2.0, 30.0, 4.0).unwrap();
        assert!((twice.stretched_by.unwrap() - 2.0).abs() < 0.4, "{twice:?}");
        // Too few flights: no verdict yet.
        let mut few = FallFit::default();
        few.add_flight(&[(0.0, 0.0), (0.1, 1.0), (0.2, 4.0)], 300.0);
        assert_eq!(few.time_base(None, Some(1.4)).unwrap().stretched_by, None);
        // A slow fall with steps of a real runner's length is not called slow motion.
        let mut quick = FallFit::default();
        for k in 0..8 {
            let t0 = k as f64;
            quick.add_flight(&[(t0, 0.0), (t0 + 0.1, -0.2), (t0 + 0.2, 0.0)], 300.0);
        }
        assert!(quick.time_base(None, Some(1.4)).unwrap().stretched_by.is_some());
        assert_eq!(quick.time_base(None, Some(0.35)).unwrap().stretched_by, None);
    }

    #[test]
    fn slow_motion_is_to_be_analysed_at_the_rate_it_looks_filmed_at() {
        // 4× and 2× slow motion of 30 fps footage saved at 30: filmed at 120 and 60.
        let four = fit(4.0, 30.0, 4.0).unwrap().remedy(30.0).unwrap();
        assert!(four.contains("--filmed-fps 120`"), "{four}");
        let two = fit(2.0, 30.0, 4.0).unwrap().remedy(30.0).unwrap();
        assert!(two.contains("--filmed-fps 60`"), "{two}");
        let unknown = fit(4.0, 30.0, 4.0).unwrap().remedy(0.0).unwrap();
        assert!(unknown.contains("--filmed-fps` and the rate"), "{unknown}");
        assert_eq!(fit(1.0, 30.0, 4.0).unwrap().remedy(30.0), None);
        // A fall measured loosely: slow, but neither the factor nor a rate is named.
        let loose = TimeBase {
            apparent_gravity_mps2: 0.05,
            standard_error_mps2: 0.09,
            flights: 9,
            stretched_by: Some(14.0),
        };
        let problem = loose.problem().unwrap();
        assert!(
            problem.contains("runs slow (slow motion saved at 30 fps?), by how much"),
            "{problem}"
        );
        assert!(!problem.contains("14"), "{problem}");
        let remedy = loose.remedy(7.5).unwrap();
        assert!(
            remedy.contains("--filmed-fps` and the rate the camera filmed at"),
            "{remedy}"
        );
    }
}

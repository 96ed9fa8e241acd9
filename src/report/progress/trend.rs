//! Each key metric over the course, per side, at each of the baseline's belt speeds: every
//! comparable session's median, its change from the baseline and whether that change is
//! beyond the measurement's noise, the baseline's smallest detectable change as a band, and
//! the trend over the sessions.
//!
//! Smallest detectable change, as `compare` judges two sessions: 1.96 × the Welch standard
//! error of the difference of the two sessions' step means (√(s₁²/n₁ + s₂²/n₂)), never below
//! the metric's floor (the camera's resolution). The band drawn around the baseline is the
//! same for a session as scattered and as long as the baseline (s₂ = s₁, n₂ = n₁).
//! Cadence is taken per step (60 / step time) so that its steps are independent.

use serde::Serialize;

use super::sessions::{same_speed, step_speed, Entry, Gathered};
use crate::analysis::geometry::{median, quantile};
use crate::analysis::pelvis::SOURCE_MARKERS;
use crate::analysis::Metric;
use crate::report::verdict::toward_goal;
use crate::session::steps::Column;
use crate::session::summary::MIN_VALID_STEPS;

/// The metrics followed over a course, in page order.
pub const FOLLOWED: [Metric; 8] = [
    Metric::Overstride,
    Metric::OverstrideCm,
    Metric::ShankAngleIc,
    Metric::Cadence,
    Metric::StepLength,
    Metric::ContactTime,
    Metric::TrunkLean,
    Metric::PelvicTilt,
];

/// The sides a metric is followed on: the body's own (cadence, trunk lean) on both feet
/// together, the legs' per side.
pub fn sides(metric: Metric) -> &'static [&'static str] {
    match metric {
        Metric::Cadence | Metric::TrunkLean => &["both"],
        _ => &["left", "right"],
    }
}

/// One session's values of a metric.
#[derive(Debug, Clone, Serialize)]
pub struct Point {
    pub folder: String,
    pub label: String,
    pub median: f64,
    pub n: usize,
    pub sd: f64,
    /// Median minus the baseline's median.
    pub change: f64,
    pub smallest_detectable_change: f64,
    pub beyond_noise: bool,
    /// Whether a change beyond noise moved toward the retraining's aim (`None`: no aim, or
    /// within noise).
    pub toward_aim: Option<bool>,
}

/// The course's direction for one metric and side.
#[derive(Debug, Clone, Serialize)]
pub struct Trend {
    /// Least-squares slope of the session medians, per session.
    pub per_session: f64,
    /// "down", "up" or "steady" (the fitted change over the course within the band).
    pub direction: &'static str,
}

/// One metric on one side at one speed.
#[derive(Debug, Clone, Serialize)]
pub struct Course {
    pub metric: &'static str,
    pub label: &'static str,
    pub unit: &'static str,
    pub side: &'static str,
    /// Baseline median ± its smallest detectable change.
    pub band: (f64, f64),
    pub points: Vec<Point>,
    pub trend: Option<Trend>,
}

/// Every followed metric at one of the baseline's speeds.
#[derive(Debug, Clone, Serialize)]
pub struct AtSpeed {
    /// km/h; `None`: no belt speed was given.
    pub belt_speed_kmh: Option<f64>,
    pub metrics: Vec<Course>,
}

/// A metric's values over `e`'s counted steps on `side` at `speed`.
pub fn values(e: &Entry, metric: Metric, side: Option<&str>, speed: Option<f64>) -> Vec<f64> {
    let Some(s) = &e.session else {
        return Vec::new();
    };
    s.steps
        .iter()
        .filter(|r| r.text(Column::Valid) != "false")
        .filter(|r| side.is_none_or(|side| r.text(Column::Side) == side))
        .filter(|r| same_speed(step_speed(s, r), speed))
        .filter(|r| metric != Metric::PelvicTilt || r.text(Column::PelvicTiltSource) == SOURCE_MARKERS)
        .filter_map(|r| match metric {
            Metric::Cadence => r.value(Metric::StepTime).filter(|t| *t > 0.0).map(|t| 60.0 / t),
            m => r.value(m),
        })
        .filter(|v| v.is_finite())
        .collect()
}

/// Median, sample SD and count (`None` below 2 values).
pub fn spread(v: &[f64]) -> Option<(f64, f64, usize)> {
    if v.len() < 2 {
        return None;
    }
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let sd = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    Some((median(v)?, sd, v.len()))
}

/// The smallest detectable change between two sessions (SD, n each) for `metric`.
fn sdc(metric: Metric, (sa, na): (f64, usize), (sb, nb): (f64, usize)) -> f64 {
    let se = (sa * sa / na as f64 + sb * sb / nb as f64).sqrt();
    (1.96 * se).max(metric.info().floor.unwrap_or(0.0))
}

/// Every followed metric at every speed of the baseline.
pub fn follow(g: &Gathered) -> Vec<AtSpeed> {
    let Some(base) = g.baseline() else {
        return Vec::new();
    };
    base.speeds
        .iter()
        .map(|&speed| AtSpeed {
            belt_speed_kmh: speed,
            metrics: FOLLOWED
                .iter()
                .flat_map(|&m| sides(m).iter().map(move |&side| (m, side)))
                .filter_map(|(m, side)| course(g, base, m, side, speed))
                .collect(),
        })
        .collect()
}

fn course(
    g: &Gathered,
    base: &Entry,
    metric: Metric,
    side: &'static str,
    speed: Option<f64>,
) -> Option<Course> {
    let which = Some(side).filter(|s| *s != "both");
    // A side's median needs half the steps a session needs; both sides together, all.
    let enough = if which.is_some() {
        MIN_VALID_STEPS / 2
    } else {
        MIN_VALID_STEPS
    };
    let at = |e: &Entry| {
        let held = e.speeds.iter().any(|v| same_speed(*v, speed));
        let v = if held {
            values(e, metric, which, speed)
        } else {
            Vec::new()
        };
        spread(&v).filter(|(_, _, n)| *n >= enough)
    };
    let (bm, bsd, bn) = at(base)?;
    let half = sdc(metric, (bsd, bn), (bsd, bn));
    let points: Vec<Point> = g
        .accepted()
        .filter_map(|e| {
            let (m, sd, n) = at(e)?;
            let change = m - bm;
            let smallest = sdc(metric, (bsd, bn), (sd, n));
            let beyond = change.abs() > smallest;
            Some(Point {
                folder: e.folder.clone(),
                label: e.short(),
                median: m,
                n,
                sd,
                change,
                smallest_detectable_change: smallest,
                beyond_noise: beyond,
                toward_aim: toward_goal(metric, bm, m, beyond),
            })
        })
        .collect();
    let info = metric.info();
    Some(Course {
        metric: info.name,
        label: info.label,
        unit: info.unit,
        side,
        band: (bm - half, bm + half),
        trend: trend(&points, half),
        points,
    })
}

/// The slope of the medians over the sessions; steady when the fitted change over the
/// whole course stays within the band's half-width.
fn trend(points: &[Point], half: f64) -> Option<Trend> {
    if points.len() < 2 {
        return None;
    }
    let pts: Vec<(f64, f64)> = points
        .iter()
        .enumerate()
        .map(|(i, p)| (i as f64, p.median))
        .collect();
    let (slope, _) = crate::analysis::geometry::fit_line(&pts, 0.0)?;
    let fitted = slope * (points.len() - 1) as f64;
    let direction = if fitted.abs() <= half {
        "steady"
    } else if slope < 0.0 {
        "down"
    } else {
        "up"
    };
    Some(Trend {
        per_session: slope,
        direction,
    })
}

/// Median and quartiles of `v` (for the research table).
pub fn quartiles(v: &[f64]) -> Option<(f64, f64, f64)> {
    Some((quantile(v, 0.5)?, quantile(v, 0.25)?, quantile(v, 0.75)?))
}

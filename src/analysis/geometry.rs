//! Sagittal-plane angles and distances, in image pixels (y points down) with the running
//! direction `dir` = +1 when the runner faces image right, -1 when facing left.

use crate::pose::Keypoint;

pub type Point = (f64, f64);

pub fn point(k: &Keypoint) -> Point {
    (k.x as f64, k.y as f64)
}

pub fn midpoint(a: Point, b: Point) -> Point {
    ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0)
}

pub fn distance(a: Point, b: Point) -> f64 {
    (a.0 - b.0).hypot(a.1 - b.1)
}

/// Angle of the segment `upper` → `lower` from the downward vertical, degrees, positive
/// when `lower` lies ahead of `upper` in the running direction (e.g. the shank angle:
/// knee → ankle, positive when the ankle is ahead of the knee).
pub fn forward_angle_from_down(upper: Point, lower: Point, dir: f64) -> f64 {
    ((lower.0 - upper.0) * dir).atan2(lower.1 - upper.1).to_degrees()
}

/// Angle of `lower` → `upper` from the upward vertical, degrees, positive when `upper`
/// lies ahead (trunk lean: hip centre → shoulder centre).
pub fn forward_angle_from_up(lower: Point, upper: Point, dir: f64) -> f64 {
    ((upper.0 - lower.0) * dir).atan2(lower.1 - upper.1).to_degrees()
}

/// Flexion at joint `b` between segments b→a and b→c: 0° when straight, degrees.
pub fn flexion(a: Point, b: Point, c: Point) -> f64 {
    let (u, v) = ((a.0 - b.0, a.1 - b.1), (c.0 - b.0, c.1 - b.1));
    let cos = (u.0 * v.0 + u.1 * v.1) / (u.0.hypot(u.1) * v.0.hypot(v.1));
    180.0 - cos.clamp(-1.0, 1.0).acos().to_degrees()
}

/// Angle of the heel → toe line above horizontal, degrees: positive when the toes point
/// up (a heel strike), negative when they point down (a forefoot strike).
pub fn foot_angle(heel: Point, toe: Point, dir: f64) -> f64 {
    (heel.1 - toe.1).atan2((toe.0 - heel.0) * dir).to_degrees()
}

/// Which way a course turns: down then up (a minimum) or up then down (a maximum).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Turn {
    Min,
    Max,
}

/// The value at `t` of a series (t, v) whose course may turn sharply near `t`, between or on
/// either side of the samples: the trend of the two samples before `t` carried forward and
/// the trend of the two after carried back; of the two, the one on the turn's outer side (the
/// higher for a minimum), which is exact for a course made of two straight pieces wherever
/// the corner lies (one side alone when the other has no samples); trends within `noise` of
/// each other are averaged. Plain interpolation would cut the corner; averaging the two trends
/// is exact only when the corner is at `t`. With one sample on a side (a low frame rate) no
/// trend can be carried: the value is interpolated between the samples either side (a lone
/// sample's value carried over the corner would stand for the whole side).
pub fn across_turn(series: &[(f64, f64)], t: f64, turn: Turn, noise: f64) -> Option<f64> {
    let before: Vec<&(f64, f64)> = series.iter().filter(|p| p.0 < t).rev().take(2).collect();
    let after: Vec<&(f64, f64)> = series.iter().filter(|p| p.0 >= t).take(2).collect();
    if let ([a, ..], [b, ..]) = (&before[..], &after[..]) {
        if (before.len() < 2 || after.len() < 2) && b.0 > a.0 {
            return Some(a.1 + (b.1 - a.1) * (t - a.0) / (b.0 - a.0));
        }
    }
    let carry = |pts: &[&(f64, f64)]| match pts {
        [a, b] if (a.0 - b.0).abs() > 1e-9 => Some(a.1 + (b.1 - a.1) / (b.0 - a.0) * (t - a.0)),
        [a, ..] => Some(a.1),
        [] => None,
    };
    match (carry(&before), carry(&after)) {
        (Some(a), Some(b)) => {
            // Two trends that differ by no more than noise are averaged (the larger of two
            // noisy values is biased); the further apart, the nearer to the outer one.
            let half_gap = 0.5 * (a - b).abs();
            let outer = 1.0 - (-(2.0 * half_gap / noise).powi(2)).exp();
            let sign = match turn {
                Turn::Min => 1.0,
                Turn::Max => -1.0,
            };
            Some(0.5 * (a + b) + sign * half_gap * outer)
        }
        (a, b) => a.or(b),
    }
}

/// Least-squares line through `pts` (t, v): its slope and its value at `t0`; `None` with
/// fewer than two distinct times.
pub fn fit_line(pts: &[(f64, f64)], t0: f64) -> Option<(f64, f64)> {
    if pts.len() < 2 {
        return None;
    }
    let n = pts.len() as f64;
    let (mt, mv) = (
        pts.iter().map(|p| p.0).sum::<f64>() / n,
        pts.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let (num, den) = pts.iter().fold((0.0, 0.0), |(num, den), (t, v)| {
        (num + (t - mt) * (v - mv), den + (t - mt) * (t - mt))
    });
    (den > 0.0).then(|| {
        let slope = num / den;
        (slope, mv + slope * (t0 - mt))
    })
}

/// Median of `values` (`None` when empty).
pub fn median(values: &[f64]) -> Option<f64> {
    quantile(values, 0.5)
}

/// Linear-interpolated quantile `q` in 0..=1 (`None` when empty).
pub fn quantile(values: &[f64], q: f64) -> Option<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let pos = q.clamp(0.0, 1.0) * (v.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    Some(v[lo] + (v[hi] - v[lo]) * (pos - lo as f64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn angles_follow_the_running_direction() {
        // Ankle 10 px ahead of the knee, 100 px below: ~5.7° forward either way round.
        let a = forward_angle_from_down((100.0, 100.0), (110.0, 200.0), 1.0);
        assert!((a - 5.71).abs() < 0.01);
        let b = forward_angle_from_down((100.0, 100.0), (90.0, 200.0), -1.0);
        assert!((a - b).abs() < 1e-9);
        // Shoulders 10 px ahead, 100 px above the hips: leaning forward ~5.7°.
        assert!((forward_angle_from_up((0.0, 100.0), (10.0, 0.0), 1.0) - 5.71).abs() < 0.01);
        assert!((flexion((0.0, 0.0), (0.0, 100.0), (0.0, 200.0))).abs() < 1e-9);
        assert!((flexion((0.0, 0.0), (0.0, 100.0), (100.0, 100.0)) - 90.0).abs() < 1e-9);
        // Toes 10 px higher than the heel, 50 px ahead: heel strike, ~11.3°.
        assert!((foot_angle((0.0, 100.0), (50.0, 90.0), 1.0) - 11.31).abs() < 0.01);
        assert!((foot_angle((0.0, 100.0), (-50.0, 90.0), -1.0) - 11.31).abs() < 0.01);
    }

    #[test]
    fn values_across_a_turn_follow_both_trends() {
        // A V with its vertex at t = 1.0, sampled at 0.7, 0.9, 1.2, 1.4: interpolation
        // would give 0.2 there.
        let v = |t: f64| (t - 1.0f64).abs();
        let pts: Vec<(f64, f64)> = [0.7, 0.9, 1.2, 1.4].iter().map(|t| (*t, v(*t))).collect();
        assert!(across_turn(&pts, 1.0, Turn::Min, 1e-6).unwrap().abs() < 1e-9);
        assert!((across_turn(&pts[..1], 1.0, Turn::Min, 1e-6).unwrap() - 0.3).abs() < 1e-9);
        assert_eq!(across_turn(&[], 1.0, Turn::Min, 1e-6), None);
        // The corner between the samples, away from `t`, with unequal slopes: each side's
        // trend is exact on its own side, the other side's overshoots.
        let v = |t: f64| {
            if t < 0.95 {
                20.0 * (0.95 - t)
            } else {
                2.0 * (t - 0.95)
            }
        };
        let pts: Vec<(f64, f64)> = [0.8, 0.9, 1.0, 1.1].iter().map(|t| (*t, v(*t))).collect();
        for t in [0.92, 0.97] {
            let got = across_turn(&pts, t, Turn::Min, 1e-3).unwrap();
            assert!((got - v(t)).abs() < 1e-9, "{t}: {got} vs {}", v(t));
            let flipped: Vec<(f64, f64)> = pts.iter().map(|(t, v)| (*t, -v)).collect();
            assert!((across_turn(&flipped, t, Turn::Max, 1e-3).unwrap() + v(t)).abs() < 1e-9);
        }
        // One sample on a side: between the samples, not the lone sample's value.
        let lone = [(0.9, 4.0), (1.05, 1.0), (1.1, 2.0)];
        assert!((across_turn(&lone, 1.0, Turn::Min, 1e-3).unwrap() - 2.0).abs() < 1e-9);
        // Trends a noise apart are averaged.
        let pts = [(0.8, 1.0), (0.9, 1.0), (1.1, 2.0), (1.2, 2.0)];
        assert!((across_turn(&pts, 1.0, Turn::Min, 100.0).unwrap() - 1.5).abs() < 1e-3);
    }

    #[test]
    fn lines_fit_through_their_points() {
        let pts = [(0.0, 1.0), (1.0, 3.0), (2.0, 5.0)];
        let (slope, at) = fit_line(&pts, 4.0).unwrap();
        assert!((slope - 2.0).abs() < 1e-12 && (at - 9.0).abs() < 1e-12);
        assert_eq!(fit_line(&pts[..1], 0.0), None);
        assert_eq!(fit_line(&[(1.0, 0.0), (1.0, 2.0)], 0.0), None);
    }

    #[test]
    fn quantiles_interpolate() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[1.0, 2.0, 3.0, 4.0]), Some(2.5));
        assert_eq!(quantile(&[0.0, 10.0], 0.25), Some(2.5));
    }
}

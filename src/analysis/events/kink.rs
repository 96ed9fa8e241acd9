//! Where a flat signal starts to grow: the time `t_k` of a kink between `d = c` and
//! `d = c + β·(t − t_k)`, fitted by least squares to samples on both sides. Before contact the
//! foot's gaps to its stance state close to zero, and after toe-off the toe's height grows
//! from zero: both are kinks, and fitting both sides at once uses every sample near the
//! event, not only the ones past a noise threshold.

/// Grid step of the search, seconds.
const STEP_S: f64 = 0.0005;

/// How a signal may grow past the kink.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Growth {
    /// `β·τ`.
    Straight,
    /// `β·τ + γ·τ²` with `γ ≥ 0`: faster and faster.
    SpeedingUp,
    /// `β·τ + γ·τ²`, either way.
    Curved,
}

/// One signal to fit: its samples (t, d), how it grows, and whether its flat level is
/// fitted (`c`) or known to be 0.
#[derive(Debug, Clone, Copy)]
pub struct Series<'a> {
    pub pts: &'a [(f64, f64)],
    pub growth: Growth,
    pub free_level: bool,
}

/// Solves the normal equations of `d ≈ Σ coef_j·basis_j` (at most 3 functions).
fn least_squares(rows: &[([f64; 3], f64)], k: usize) -> Option<[f64; 3]> {
    let mut a = [[0.0f64; 4]; 3];
    for (basis, d) in rows {
        for i in 0..k {
            for j in 0..k {
                a[i][j] += basis[i] * basis[j];
            }
            a[i][3] += basis[i] * d;
        }
    }
    // Gaussian elimination with partial pivoting.
    for col in 0..k {
        let pivot = (col..k).max_by(|x, y| a[*x][col].abs().total_cmp(&a[*y][col].abs()))?;
        if a[pivot][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, pivot);
        let pivot_row = a[col];
        for (row, r) in a.iter_mut().enumerate().take(k) {
            if row != col {
                let f = r[col] / pivot_row[col];
                for (x, p) in r.iter_mut().zip(pivot_row).skip(col) {
                    *x -= f * p;
                }
            }
        }
    }
    let mut out = [0.0; 3];
    for i in 0..k {
        out[i] = a[i][3] / a[i][i];
    }
    Some(out)
}

/// Least-squares `d = c + β·τ + γ·τ²` (τ = t − t_k where positive, else 0), growing:
/// the flat side's level `c` is fitted too, so a slowly wandering error (correlated keypoint
/// noise) shifts the level, not the kink. Returns (c, β, γ).
fn grow(s: &Series, tk: f64) -> (f64, f64, f64) {
    // Basis functions in order: [τ, τ², 1] — the level last, so it can be left out.
    let rows: Vec<([f64; 3], f64)> = s
        .pts
        .iter()
        .map(|(t, d)| {
            let tau = (t - tk).max(0.0);
            ([tau, tau * tau, 1.0], *d)
        })
        .collect();
    let mean = if s.free_level {
        s.pts.iter().map(|p| p.1).sum::<f64>() / s.pts.len().max(1) as f64
    } else {
        0.0
    };
    let pick = |which: &[usize]| -> Option<[f64; 3]> {
        let sub: Vec<([f64; 3], f64)> = rows
            .iter()
            .map(|(b, d)| {
                let mut out = [0.0; 3];
                for (k, &w) in which.iter().enumerate() {
                    out[k] = b[w];
                }
                (out, *d)
            })
            .collect();
        let c = least_squares(&sub, which.len())?;
        let mut full = [0.0; 3];
        for (k, &w) in which.iter().enumerate() {
            full[w] = c[k];
        }
        Some(full)
    };
    let level: &[usize] = if s.free_level { &[2] } else { &[] };
    let with = |extra: &[usize]| -> Vec<usize> { extra.iter().chain(level).copied().collect() };
    // A curve needs three samples past the kink to be told from a line.
    let growing = s.pts.iter().filter(|p| p.0 > tk).count();
    if s.growth != Growth::Straight && growing >= 3 {
        if let Some([b, g, c]) = pick(&with(&[0, 1])) {
            let rising = b > 0.0 && (s.growth == Growth::Curved || g >= 0.0);
            // (curving back down within the window is not growth)
            let tau_max = s.pts.iter().map(|p| p.0 - tk).fold(0.0, f64::max);
            if rising && b + 2.0 * g * tau_max >= 0.0 {
                return (c, b, g);
            }
        }
    }
    match pick(&with(&[0])) {
        Some([b, _, c]) if b >= 0.0 => (c, b, 0.0),
        _ => (mean, 0.0, 0.0),
    }
}

/// Sum of squared residuals of the best kink at `tk` over the series, and the slopes.
fn sse(series: &[Series], tk: f64) -> (f64, Vec<f64>) {
    let mut total = 0.0;
    let mut slopes = Vec::with_capacity(series.len());
    for s in series {
        let (c, beta, gamma) = grow(s, tk);
        slopes.push(beta);
        total += s
            .pts
            .iter()
            .map(|(t, d)| {
                let tau = (t - tk).max(0.0);
                let fit = c + beta * tau + gamma * tau * tau;
                (d - fit) * (d - fit)
            })
            .sum::<f64>();
    }
    (total, slopes)
}

/// The kink time in `lo..=hi` shared by every series (each with its own slope), and the
/// slopes there; `None` without samples on the growing side.
pub fn fit(series: &[Series], lo: f64, hi: f64) -> Option<(f64, Vec<f64>)> {
    if hi < lo {
        return None;
    }
    let steps = ((hi - lo) / STEP_S).ceil() as usize;
    let scanned: Vec<(f64, f64, Vec<f64>)> = (0..=steps)
        .map(|i| {
            let tk = (lo + i as f64 * STEP_S).min(hi);
            let (e, slopes) = sse(series, tk);
            (tk, e, slopes)
        })
        .filter(|(_, _, slopes)| slopes.iter().any(|b| *b > 0.0))
        .collect();
    let best = scanned.iter().min_by(|a, b| a.1.total_cmp(&b.1))?;
    // The least-squares kink likes to sit on a sample (that sample then fits either side),
    // so with noise it snaps to sample times; the likelihood-weighted mean over the scan
    // does not. The noise level comes from the best fit's residuals.
    let samples: usize = series.iter().map(|s| s.pts.len()).sum();
    let params: usize = series
        .iter()
        .map(|s| 1 + usize::from(s.growth != Growth::Straight) + usize::from(s.free_level))
        .sum::<usize>()
        + 1;
    let variance = best.1 / samples.saturating_sub(params).max(1) as f64;
    if variance <= f64::EPSILON * best.1.max(1.0) {
        return Some((best.0, best.2.clone()));
    }
    let (mut sum_w, mut sum_t) = (0.0, 0.0);
    for (tk, e, _) in &scanned {
        let w = (-(e - best.1) / (2.0 * variance)).exp();
        sum_w += w;
        sum_t += w * tk;
    }
    let tk = sum_t / sum_w;
    let (_, slopes) = sse(series, tk);
    Some((tk, slopes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_kink_between_samples() {
        // Flat until 0.1234 s, then rising at 50 units/s; sampled at 30 fps.
        let pts: Vec<(f64, f64)> = (0..8)
            .map(|i| {
                let t = i as f64 / 30.0;
                (t, 50.0 * (t - 0.1234).max(0.0))
            })
            .collect();
        let line = |pts| Series {
            pts,
            growth: Growth::Straight,
            free_level: false,
        };
        let (tk, slopes) = fit(&[line(&pts)], 0.0, 0.25).unwrap();
        assert!((tk - 0.1234).abs() < 0.001, "{tk}");
        assert!((slopes[0] - 50.0).abs() < 1.0);
        // Two series sharing the kink, one of them steeper.
        let steep: Vec<(f64, f64)> = pts.iter().map(|(t, d)| (*t, 3.0 * d)).collect();
        let (tk, slopes) = fit(&[line(&pts), line(&steep)], 0.0, 0.25).unwrap();
        assert!((tk - 0.1234).abs() < 0.001 && slopes[1] > slopes[0]);
        // Nothing growing: no kink.
        let flat: Vec<(f64, f64)> = (0..8).map(|i| (i as f64 / 30.0, 0.0)).collect();
        assert!(fit(&[line(&flat)], 0.0, 0.25).is_none());
        // Growth that speeds up is fitted with its curve.
        let curve: Vec<(f64, f64)> = (0..10)
            .map(|i| {
                let t = i as f64 / 60.0;
                let tau = (t - 0.051).max(0.0);
                (t, 20.0 * tau + 900.0 * tau * tau)
            })
            .collect();
        let curved = Series {
            pts: &curve,
            growth: Growth::SpeedingUp,
            free_level: false,
        };
        let (tk, _) = fit(&[curved], 0.0, 0.15).unwrap();
        assert!((tk - 0.051).abs() < 0.001, "{tk}");
        // A flat side away from zero: its level is fitted when asked.
        let raised: Vec<(f64, f64)> = pts.iter().map(|(t, d)| (*t, d + 7.0)).collect();
        let free = Series {
            pts: &raised,
            growth: Growth::Straight,
            free_level: true,
        };
        let (tk, _) = fit(&[free], 0.0, 0.25).unwrap();
        assert!((tk - 0.1234).abs() < 0.001, "{tk}");
    }
}

//! Speed changes as a warp of time: the model runs at one pace in model time, and media
//! time maps onto it with a pace that eases from 1 to `1 + change`.

use super::RunParams;

/// Model time against media time: the pace eases from 1 to `1 + change` over
/// `[at, at + over]`, so a speed change is a smooth change of cadence and belt speed.
#[derive(Clone, Copy, Debug)]
pub struct Warp {
    change: f64,
    at: f64,
    over: f64,
}

impl Warp {
    pub fn new(p: &RunParams) -> Self {
        Warp {
            change: p.speed_change,
            at: p.speed_change_at_s,
            over: p.speed_change_over_s,
        }
    }

    /// Model time at media time `t`: ∫ 1 + change·smoothstep.
    pub fn model_time(&self, t: f64) -> f64 {
        let x = (t - self.at) / self.over;
        let eased = if x <= 0.0 {
            0.0
        } else if x <= 1.0 {
            x.powi(3) - 0.5 * x.powi(4)
        } else {
            x - 0.5
        };
        t + self.change * self.over * eased
    }

    /// Media time at model time `m` (the inverse, by bisection).
    pub fn media_time(&self, m: f64) -> f64 {
        if self.change == 0.0 {
            return m;
        }
        let (mut lo, mut hi) = (
            m.min(m / (1.0 + self.change)) - 1.0,
            m.max(m / (1.0 + self.change)) + 1.0,
        );
        for _ in 0..80 {
            let mid = 0.5 * (lo + hi);
            if self.model_time(mid) < m {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        0.5 * (lo + hi)
    }
}

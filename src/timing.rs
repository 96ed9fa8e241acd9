//! Per-stage timing samples with medians and percentiles.

use std::collections::BTreeMap;
use std::time::Duration;

/// Durations collected for one stage, in milliseconds.
#[derive(Debug, Default, Clone)]
pub struct Samples {
    ms: Vec<f64>,
}

impl Samples {
    pub fn push(&mut self, d: Duration) {
        self.ms.push(d.as_secs_f64() * 1e3);
    }

    pub fn len(&self) -> usize {
        self.ms.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ms.is_empty()
    }

    /// The `q` quantile (0..=1) by nearest rank, or `None` without samples.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.ms.is_empty() {
            return None;
        }
        let mut sorted = self.ms.clone();
        sorted.sort_by(f64::total_cmp);
        let rank = (q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64).round() as usize;
        Some(sorted[rank])
    }

    pub fn median(&self) -> Option<f64> {
        self.quantile(0.5)
    }
}

/// Named stages, kept in the order they were first recorded.
#[derive(Debug, Default, Clone)]
pub struct StageTimes {
    order: Vec<String>,
    stages: BTreeMap<String, Samples>,
}

impl StageTimes {
    pub fn record(&mut self, stage: &str, d: Duration) {
        if !self.stages.contains_key(stage) {
            self.order.push(stage.to_string());
        }
        self.stages.entry(stage.to_string()).or_default().push(d);
    }

    pub fn get(&self, stage: &str) -> Option<&Samples> {
        self.stages.get(stage)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Samples)> {
        self.order
            .iter()
            .filter_map(|name| self.stages.get(name).map(|s| (name.as_str(), s)))
    }

    pub fn merge(&mut self, other: &StageTimes) {
        for (name, samples) in other.iter() {
            for &ms in &samples.ms {
                self.record(name, Duration::from_secs_f64(ms / 1e3));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_quantiles_by_nearest_rank() {
        let mut s = Samples::default();
        assert_eq!(s.median(), None);
        for ms in [5, 1, 3, 2, 4] {
            s.push(Duration::from_millis(ms));
        }
        assert!((s.median().unwrap() - 3.0).abs() < 1e-9);
        assert!((s.quantile(1.0).unwrap() - 5.0).abs() < 1e-9);
        assert!((s.quantile(0.0).unwrap() - 1.0).abs() < 1e-9);
    }

    #[test]
    fn stages_keep_first_seen_order() {
        let mut t = StageTimes::default();
        t.record("decode", Duration::from_millis(2));
        t.record("pose", Duration::from_millis(9));
        t.record("decode", Duration::from_millis(4));
        let names: Vec<_> = t.iter().map(|(n, _)| n.to_string()).collect();
        assert_eq!(names, ["decode", "pose"]);
        assert_eq!(t.get("decode").unwrap().len(), 2);
    }
}

//! Belt speed over a session: a schedule of stages typed by the clinician
//! (`--speed-schedule "0:8,60:9,120:10"`, `--belt-speed` as one stage, keys in `live`), and,
//! when none is given, changes of speed noticed from the stance foot's speed in the image.
//!
//! A stage change matters to every number: step length is belt speed × step time, and the
//! runner's own reference values (what the cues compare against) belong to one speed.

use std::str::FromStr;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use super::geometry::median;
use super::scale::BeltSpeed;

/// One stage: the belt runs at `speed` from `from_s` (media time) until the next stage;
/// `None` before the first speed typed during a live session.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpeedStage {
    pub from_s: f64,
    pub speed: Option<BeltSpeed>,
}

/// Speeds typed this close together (seconds) are one setting: the belt was being stepped.
const SAME_SETTING_S: f64 = 3.0;

/// Stages in time order, the first from 0 s.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SpeedSchedule {
    stages: Vec<SpeedStage>,
}

impl SpeedSchedule {
    pub fn constant(speed: BeltSpeed) -> Self {
        Self {
            stages: vec![SpeedStage {
                from_s: 0.0,
                speed: Some(speed),
            }],
        }
    }

    pub fn stages(&self) -> &[SpeedStage] {
        &self.stages
    }

    /// The stage running at media time `t` (its index and speed).
    pub fn at(&self, t: f64) -> (usize, Option<BeltSpeed>) {
        let k = self.stages.iter().rposition(|s| s.from_s <= t).unwrap_or(0);
        (k, self.stages[k].speed)
    }

    /// When stage `k` ends: the next stage's start, or `session_end`.
    pub fn end_of(&self, k: usize, session_end: f64) -> f64 {
        self.stages.get(k + 1).map_or(session_end, |s| s.from_s)
    }

    /// A speed typed during a live session, from media time `from_s` on. The same speed
    /// again changes nothing; speeds typed within a few seconds of the last one (the belt
    /// being stepped up key by key) are one setting.
    pub fn push(&mut self, from_s: f64, speed: BeltSpeed) {
        let Some(last) = self.stages.last_mut() else {
            self.stages.push(SpeedStage {
                from_s: 0.0,
                speed: Some(speed),
            });
            return;
        };
        if last.speed == Some(speed) {
            return;
        }
        if last.from_s > 0.0 && from_s - last.from_s < SAME_SETTING_S {
            last.speed = Some(speed);
            return;
        }
        let from_s = from_s.max(last.from_s);
        self.stages.push(SpeedStage {
            from_s,
            speed: Some(speed),
        });
    }

    /// The first speed typed at `from_s` in a session begun without one: unknown before.
    pub fn typed_from(from_s: f64, speed: BeltSpeed) -> Self {
        let mut stages = vec![SpeedStage {
            from_s: 0.0,
            speed: None,
        }];
        if from_s < SAME_SETTING_S {
            stages[0].speed = Some(speed);
        } else {
            stages.push(SpeedStage {
                from_s,
                speed: Some(speed),
            });
        }
        Self { stages }
    }

    /// The same schedule with every stage after the first moved `offset_s` later (a live
    /// session whose clock did not start at 0).
    pub fn shifted(&self, offset_s: f64) -> Self {
        let mut out = self.clone();
        for st in out.stages.iter_mut().skip(1) {
            st.from_s += offset_s;
        }
        out
    }
}

impl FromStr for SpeedSchedule {
    type Err = anyhow::Error;

    /// "0:8,30:10,60:12": seconds from the start of the video, then the speed in km/h (or
    /// with its unit: "0:5 mph,60:5.5 mph").
    fn from_str(s: &str) -> Result<Self> {
        let example = "e.g. \"0:8,60:9,120:10\" (seconds:km/h)";
        let mut stages: Vec<SpeedStage> = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (t, v) = part
                .split_once(':')
                .with_context(|| format!("speed schedule entry '{part}' is not seconds:speed, {example}"))?;
            let from_s: f64 = t
                .trim()
                .parse()
                .ok()
                .filter(|x: &f64| x.is_finite() && *x >= 0.0 && *x < 1e6)
                .with_context(|| {
                    format!("speed schedule entry '{part}': '{t}' is not a time in seconds, {example}")
                })?;
            let v = v.trim();
            let speed: BeltSpeed = if v.parse::<f64>().is_ok() {
                format!("{v} km/h").parse()
            } else {
                v.parse()
            }
            .with_context(|| format!("speed schedule entry '{part}'"))?;
            if let Some(prev) = stages.last() {
                if from_s <= prev.from_s {
                    bail!("speed schedule: stage at {from_s} s does not come after the one at {} s; give stages in time order, {example}", prev.from_s);
                }
            } else if from_s != 0.0 {
                bail!(
                    "speed schedule: the first stage must start at 0 s (it starts at {from_s} s), {example}"
                );
            }
            stages.push(SpeedStage {
                from_s,
                speed: Some(speed),
            });
        }
        if stages.is_empty() {
            bail!("speed schedule '{s}' has no stages, {example}");
        }
        Ok(Self { stages })
    }
}

impl TryFrom<String> for SpeedSchedule {
    type Error = anyhow::Error;
    fn try_from(s: String) -> Result<Self> {
        s.parse()
    }
}

impl From<SpeedSchedule> for String {
    fn from(s: SpeedSchedule) -> String {
        s.stages
            .iter()
            .map(|st| {
                let speed = st.speed.map_or_else(|| "unknown".to_string(), String::from);
                format!("{}:{speed}", st.from_s)
            })
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// `[analysis.ramp]`: the speed-ramp test (`--protocol ramp --easy-pace 10km/h`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RampConfig {
    /// The first stage as a share of the runner's easy pace.
    pub start_share: f64,
    /// Each stage this much faster than the one before (0.10: +10 %).
    pub step_share: f64,
    pub stages: usize,
    /// Length of each stage, seconds (its last `analysis.stages.analysed_s` are summarised).
    pub stage_s: f64,
}

impl Default for RampConfig {
    fn default() -> Self {
        Self {
            start_share: 0.8,
            step_share: 0.10,
            stages: 5,
            stage_s: 90.0,
        }
    }
}

impl RampConfig {
    pub fn validate(&self) -> Result<()> {
        if !(0.3..=1.5).contains(&self.start_share) || !(0.02..=0.5).contains(&self.step_share) {
            bail!(
                "analysis.ramp: start_share ({}) must be 0.3-1.5 and step_share ({}) 0.02-0.5",
                self.start_share,
                self.step_share
            );
        }
        if !(2..=20).contains(&self.stages) || !(30.0..=600.0).contains(&self.stage_s) {
            bail!(
                "analysis.ramp: stages ({}) must be 2-20 and stage_s ({}) 30-600 seconds",
                self.stages,
                self.stage_s
            );
        }
        Ok(())
    }

    /// The stages for a runner whose easy pace is `easy`, each rounded to the 0.1 km/h a
    /// treadmill console can be set to.
    pub fn schedule(&self, easy: BeltSpeed) -> Result<SpeedSchedule> {
        let easy_kmh = easy.metres_per_second * 3.6;
        let stages = (0..self.stages)
            .map(|k| {
                let kmh = easy_kmh * self.start_share * (1.0 + self.step_share).powi(k as i32);
                let speed: BeltSpeed = format!("{kmh:.1} km/h").parse().with_context(|| {
                    format!(
                        "the ramp's stage {} from an easy pace of {easy_kmh:.1} km/h",
                        k + 1
                    )
                })?;
                Ok(SpeedStage {
                    from_s: k as f64 * self.stage_s,
                    speed: Some(speed),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(SpeedSchedule { stages })
    }

    /// How long the whole ramp lasts, seconds.
    pub fn duration_s(&self) -> f64 {
        self.stages as f64 * self.stage_s
    }
}

/// Steps that make a stage's reference, and the recent steps compared with it.
const WATCH_STEPS: usize = 12;
/// A change of the belt's speed in the image larger than this share is a new stage (speed
/// is changed by 0.5-1 km/h at a time: 4-8 % at 12 km/h; correlated keypoint noise
/// scatters single steps by several per cent, so the medians of 12 steps are compared, and
/// all but two of the recent steps must have moved the same way).
const WATCH_CHANGE: f64 = 0.05;

/// A speed change noticed from the stance foot.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DetectedChange {
    /// Contact time of the first step at the new speed, seconds.
    pub at_s: f64,
    /// New speed / old speed, as the foot moves over the belt.
    pub ratio: f64,
}

/// Watches the stance foot's speed over the belt (leg lengths per second, so the runner
/// moving nearer the camera does not count) and notices when the belt's speed changes.
#[derive(Debug, Default)]
pub struct SpeedWatch {
    /// The current stage's first steps (up to `WATCH_STEPS`).
    reference: Vec<f64>,
    /// The latest steps once the reference is full: (contact time, speed).
    recent: Vec<(f64, f64)>,
    /// The speed of the stage before the latest change, to finish its ratio once the new
    /// stage's reference is full.
    before: Option<f64>,
    pub changes: Vec<DetectedChange>,
}

impl SpeedWatch {
    /// Someone else is measured: their own reference (the changes seen so far stay).
    pub fn restart(&mut self) {
        self.reference.clear();
        self.recent.clear();
        self.before = None;
    }

    /// Whether the latest steps all moved off the reference the same way: a change of
    /// speed may be under way (cues wait until it is decided).
    pub fn unsettled(&self) -> bool {
        let (Some(base), true) = (median(&self.reference), self.recent.len() >= 4) else {
            return false;
        };
        let last: Vec<f64> = self
            .recent
            .iter()
            .rev()
            .take(4)
            .map(|r| r.1 / base - 1.0)
            .collect();
        last.iter().all(|d| *d > WATCH_CHANGE) || last.iter().all(|d| *d < -WATCH_CHANGE)
    }

    /// One counted step's foot speed at its contact time; returns a change when it is seen.
    pub fn push(&mut self, t: f64, legs_per_s: f64) -> Option<DetectedChange> {
        if !(legs_per_s.is_finite() && legs_per_s > 0.0) {
            return None;
        }
        if self.reference.len() < WATCH_STEPS {
            self.reference.push(legs_per_s);
            if let (true, Some(before), Some(last)) = (
                self.reference.len() == WATCH_STEPS,
                self.before,
                self.changes.last_mut(),
            ) {
                // The new stage's speed from its own first steps only.
                last.ratio = median(&self.reference)? / before;
                self.before = None;
            }
            return None;
        }
        self.recent.push((t, legs_per_s));
        if self.recent.len() > WATCH_STEPS {
            self.recent.remove(0);
        }
        if self.recent.len() < WATCH_STEPS {
            return None;
        }
        let base = median(&self.reference)?;
        let values: Vec<f64> = self.recent.iter().map(|r| r.1).collect();
        let ratio = median(&values)? / base;
        // Most of the recent steps off the reference the same way, not a few outliers.
        let off = values
            .iter()
            .filter(|v| {
                (*v / base - 1.0).signum() == (ratio - 1.0).signum()
                    && (*v / base - 1.0).abs() > 0.5 * WATCH_CHANGE
            })
            .count();
        if (ratio - 1.0).abs() <= WATCH_CHANGE || off < WATCH_STEPS - 2 {
            return None;
        }
        // Where the speed changed: the split that leaves the least scatter, the steps
        // before it about the reference and those after it about their own mean.
        let cost = |i: usize| {
            let after = &values[i..];
            let mean = after.iter().sum::<f64>() / after.len() as f64;
            values[..i].iter().map(|v| (v - base).powi(2)).sum::<f64>()
                + after.iter().map(|v| (v - mean).powi(2)).sum::<f64>()
        };
        let split = (0..WATCH_STEPS - 1)
            .min_by(|a, b| cost(*a).total_cmp(&cost(*b)))
            .unwrap_or(0);
        let change = DetectedChange {
            at_s: self.recent[split].0,
            ratio: median(&values[split..])? / base,
        };
        self.changes.push(change);
        self.before = Some(base);
        self.reference = values[split..].to_vec();
        self.recent.clear();
        Some(change)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_parse_in_km_h_or_with_units_and_answer_the_stage_at_a_time() {
        let s: SpeedSchedule = "0:8, 30:10,60:12".parse().unwrap();
        assert_eq!(s.stages().len(), 3);
        assert_eq!(s.at(0.0).0, 0);
        assert_eq!(s.at(29.99).0, 0);
        let (k, v) = s.at(45.0);
        assert_eq!(k, 1);
        assert!((v.unwrap().metres_per_second * 3.6 - 10.0).abs() < 1e-9);
        assert_eq!(s.at(1e5).0, 2);
        assert_eq!(s.end_of(1, 100.0), 60.0);
        assert_eq!(s.end_of(2, 100.0), 100.0);
        let mph: SpeedSchedule = "0:5 mph,60:5.5mph".parse().unwrap();
        assert!((mph.at(61.0).1.unwrap().metres_per_second - 5.5 * 0.44704).abs() < 1e-9);
        for bad in [
            "",
            "8",
            "5:8",
            "0:8,0:9",
            "0:8,30:x",
            "0:8,-3:9",
            "0:0",
            "0:8,20:60",
        ] {
            assert!(bad.parse::<SpeedSchedule>().is_err(), "{bad}");
        }
        // Written back in a form that parses to the same schedule.
        let back: SpeedSchedule = String::from(s.clone()).parse().unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn a_ramp_starts_at_four_fifths_of_easy_pace_and_rises_a_tenth_a_stage() {
        let s = RampConfig::default()
            .schedule("10 km/h".parse().unwrap())
            .unwrap();
        let kmh: Vec<f64> = s
            .stages()
            .iter()
            .map(|st| st.speed.unwrap().metres_per_second * 3.6)
            .collect();
        let expected = [8.0, 8.8, 9.7, 10.6, 11.7];
        assert!(
            kmh.iter().zip(expected).all(|(a, b)| (a - b).abs() < 1e-9),
            "{kmh:?}"
        );
        assert_eq!(s.stages()[4].from_s, 360.0);
        // A pace the belt cannot run is refused, not dropped.
        assert!(RampConfig::default()
            .schedule("40 km/h".parse().unwrap())
            .is_err());
    }

    #[test]
    fn typed_speeds_start_when_typed_and_key_presses_in_a_row_are_one_setting() {
        let kmh = |k: f64| -> BeltSpeed { format!("{k} km/h").parse().unwrap() };
        let mut s = SpeedSchedule::typed_from(30.0, kmh(10.0));
        assert_eq!(s.at(10.0).1, None, "unknown before it was typed");
        assert_eq!(s.at(31.0).1, Some(kmh(10.0)));
        s.push(60.0, kmh(10.1));
        s.push(60.5, kmh(10.2));
        s.push(61.0, kmh(10.3));
        s.push(70.0, kmh(10.3));
        assert_eq!(s.stages().len(), 3, "{s:?}");
        assert_eq!(s.at(65.0), (2, Some(kmh(10.3))));
        assert_eq!(s.stages()[2].from_s, 60.0);
        let shifted = s.shifted(5.0);
        assert_eq!(
            (shifted.stages()[0].from_s, shifted.stages()[2].from_s),
            (0.0, 65.0)
        );
    }

    #[test]
    fn a_belt_change_is_noticed_from_the_foot_and_noise_is_not() {
        let mut w = SpeedWatch::default();
        // ±3 % scatter about 3.0 leg lengths/s, alternating: no change.
        for i in 0..60 {
            let v = 3.0 * (1.0 + 0.03 * if i % 2 == 0 { 1.0 } else { -1.0 });
            assert_eq!(w.push(i as f64 * 0.35, v), None, "step {i}");
        }
        // The belt slows by a quarter at step 60.
        let mut seen = None;
        for i in 60..80 {
            let v = 2.25 * (1.0 + 0.03 * if i % 2 == 0 { 1.0 } else { -1.0 });
            if let Some(c) = w.push(i as f64 * 0.35, v) {
                seen.get_or_insert((i, c));
            }
        }
        let (i, c) = seen.expect("the change is noticed");
        assert!(i < 60 + WATCH_STEPS + 2, "noticed at step {i}");
        assert!((c.at_s - 60.0 * 0.35).abs() < 1e-9);
        assert!((c.ratio - 0.75).abs() < 0.03);
        assert_eq!(w.changes.len(), 1);
    }
}

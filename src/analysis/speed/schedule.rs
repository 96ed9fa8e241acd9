//! The belt's speed as given: stages typed as a schedule (`--speed-schedule`), one
//! `--belt-speed`, or keys pressed during a live session, and how they are written back.

use std::str::FromStr;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use crate::analysis::scale::BeltSpeed;

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
    pub(super) stages: Vec<SpeedStage>,
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
}

//! The cue rules as configured under `[cues]`: what each watches, what it compares with,
//! which are in use and in what order, and the default rules.

use crate::analysis::feedback::FeedbackConfig;
use crate::analysis::Metric;

use anyhow::{bail, Result};
use serde::{Deserialize, Serialize};

/// Whom the session is for: hip-flexor patients get posture and overstride cues before
/// cadence cues, because a cadence increase raises hip-flexor load slightly [Lenhart 2014].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Profile {
    #[default]
    HipFlexor,
    General,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// The fault is the metric being too high.
    Above,
    /// The fault is the metric being too low.
    Below,
}

/// One cue rule, as written in the TOML configuration under `[[cues.rules]]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CueRule {
    /// Text shown to the runner, e.g. "Land under your hips".
    pub cue: String,
    /// A column of steps.csv: overstride_ratio, cadence_spm, pelvic_tilt_deg, trunk_lean_deg …
    pub metric: Metric,
    pub when: Direction,
    /// Fixed threshold; or, with `baseline_steps`, a margin added to (or, for `below`,
    /// taken from) the runner's baseline.
    pub threshold: f64,
    /// Judge against the median of the runner's first N measured steps instead of a fixed
    /// value (0 = fixed threshold).
    #[serde(default)]
    pub baseline_steps: usize,
    /// Lower number = more important. Defaults depend on the profile.
    #[serde(default)]
    pub priority: Option<u32>,
    /// A second condition that must hold in the same step (`[cues.rules.also]`).
    #[serde(default)]
    pub also: Option<Condition>,
}

/// A condition on one metric, judged like a rule's own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub metric: Metric,
    pub when: Direction,
    pub threshold: f64,
    #[serde(default)]
    pub baseline_steps: usize,
}

/// `[cues]` in the configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CueConfig {
    pub enabled: bool,
    pub profile: Profile,
    /// Steps looked at (Dingenen 2018: judge a runner on at least 7 steps per side).
    pub window: usize,
    pub min_count: usize,
    pub release_count: usize,
    pub cooldown_steps: usize,
    /// Whether the cadence cue is on; unset: off for the hip-flexor profile (a cadence
    /// increase raises hip-flexor load slightly [Lenhart 2014]), on for the general one.
    pub cadence_cue: Option<bool>,
    /// When cues may be seen: fading by session number, a set share, a retest.
    pub feedback: FeedbackConfig,
    pub rules: Vec<CueRule>,
}

impl Default for CueConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            profile: Profile::HipFlexor,
            window: 10,
            min_count: 7,
            release_count: 3,
            cooldown_steps: 0,
            cadence_cue: None,
            feedback: FeedbackConfig::default(),
            rules: default_rules(),
        }
    }
}

/// Steps of the runner's own at each speed that the default rules compare with.
pub const REFERENCE_STEPS: usize = 20;

/// A cadence cue never asks for more than this over the runner's own cadence at the speed.
pub const MAX_CADENCE_RISE: f64 = 0.05;

/// The default rules, each against the runner's own first [`REFERENCE_STEPS`] counted steps
/// at the current belt speed. Open tools call overstride above 15 % of leg length "poor"
/// (unvalidated; FINDINGS §6), and an ordinary heel striker lands at 0.15-0.20: a fixed cut
/// would cue most heel strikers all session, so the runner's own reference is used.
pub fn default_rules() -> Vec<CueRule> {
    let rule = |cue: &str, metric: Metric, when, threshold| CueRule {
        cue: cue.into(),
        metric,
        when,
        threshold,
        baseline_steps: REFERENCE_STEPS,
        priority: None,
        also: None,
    };
    vec![
        // Reaching forward instead of pushing back: less thigh extension at toe-off AND
        // more overstride than the runner's own at this speed, together. Either alone
        // follows belt speed (slower: both fall), so neither alone triggers it.
        CueRule {
            also: Some(Condition {
                metric: Metric::Overstride,
                when: Direction::Above,
                threshold: 0.03,
                baseline_steps: REFERENCE_STEPS,
            }),
            ..rule("Run long", Metric::ThighExtensionTo, Direction::Below, 3.0)
        },
        // Leaning forward from the hips more than the runner's own.
        rule("Run long", Metric::TrunkLean, Direction::Above, 4.0),
        // With ASIS/PSIS stickers: anterior tilt 3° above the runner's own running tilt.
        rule("Run long", Metric::PelvicTilt, Direction::Above, 3.0),
        rule("Land under your hips", Metric::Overstride, Direction::Above, 0.05),
        // 5 steps/min under the runner's own cadence at this speed (off for hip-flexor
        // patients unless cadence_cue = true).
        rule("Quicker, shorter steps", Metric::Cadence, Direction::Below, 5.0),
    ]
}

impl CueConfig {
    pub fn validate(&self) -> Result<()> {
        if self.window == 0 || self.min_count == 0 || self.min_count > self.window {
            bail!(
                "cues: min_count ({}) must be between 1 and window ({})",
                self.min_count,
                self.window
            );
        }
        if self.release_count >= self.min_count {
            bail!(
                "cues: release_count ({}) must be below min_count ({})",
                self.release_count,
                self.min_count
            );
        }
        self.feedback.validate()?;
        if self.window > 1000 || self.cooldown_steps > 1000 {
            bail!("cues: window and cooldown_steps must be at most 1000 steps");
        }
        // A rule may watch every per-step metric but the pose's confidence.
        for r in &self.rules {
            if !r.threshold.is_finite() || r.threshold.abs() > 1000.0 {
                bail!(
                    "cues: rule '{}' has threshold {}, which must be a number between -1000 and 1000",
                    r.cue,
                    r.threshold
                );
            }
            if let Some(c) = &r.also {
                if !c.threshold.is_finite() || c.threshold.abs() > 1000.0 || c.baseline_steps > 1000 {
                    bail!("cues: rule '{}' has an `also` condition out of range", r.cue);
                }
            }
            if r.baseline_steps > 1000 {
                bail!(
                    "cues: rule '{}' has baseline_steps {}: at most 1000",
                    r.cue,
                    r.baseline_steps
                );
            }
            if r.cue.trim().is_empty() {
                bail!("cues: a rule has no text to show (cue = \"\")");
            }
            let watched = std::iter::once(r.metric).chain(r.also.as_ref().map(|c| c.metric));
            if let Some(m) = watched
                .into_iter()
                .find(|m| matches!(m, Metric::Confidence | Metric::BeltSpeed))
            {
                bail!(
                    "cues: rule '{}' watches {}, which is not the runner's gait",
                    r.cue,
                    m.info().label
                );
            }
        }
        Ok(())
    }

    /// Whether the cadence cue is on for this profile.
    pub fn cadence_cue_on(&self) -> bool {
        self.cadence_cue.unwrap_or(self.profile == Profile::General)
    }

    /// Whether a rule is in use: cadence rules only when the cadence cue is on.
    pub(super) fn in_use(&self, rule: &CueRule) -> bool {
        !matches!(rule.metric, Metric::Cadence | Metric::StepTime) || self.cadence_cue_on()
    }

    /// The rules in use and what each compares with, for `summary.json` and the report.
    pub fn describe(&self) -> Vec<serde_json::Value> {
        self.rules
            .iter()
            .filter(|r| self.in_use(r))
            .map(|r| {
                let against = |steps: usize| {
                    if steps > 0 {
                        format!("the runner's own first {steps} counted steps (at each belt speed)")
                    } else {
                        "a fixed threshold (not speed-matched)".to_string()
                    }
                };
                serde_json::json!({
                    "cue": r.cue,
                    "metric": r.metric.name(),
                    "when": r.when,
                    "threshold": r.threshold,
                    "unit": r.metric.info().unit,
                    "against": against(r.baseline_steps),
                    "also": r.also.as_ref().map(|c| serde_json::json!({
                        "metric": c.metric.name(),
                        "when": c.when,
                        "threshold": c.threshold,
                        "against": against(c.baseline_steps),
                    })),
                })
            })
            .collect()
    }

    /// Default priority: hip-flexor patients see posture, then overstride, then cadence;
    /// others see overstride, cadence, then posture.
    pub(super) fn priority(&self, rule: &CueRule) -> u32 {
        rule.priority.unwrap_or(match (self.profile, rule.metric) {
            (Profile::HipFlexor, Metric::PelvicTilt | Metric::TrunkLean | Metric::ThighExtensionTo) => 1,
            (Profile::HipFlexor, Metric::Cadence | Metric::StepTime) => 3,
            (Profile::General, Metric::PelvicTilt | Metric::TrunkLean | Metric::ThighExtensionTo) => 3,
            (Profile::General, Metric::Cadence | Metric::StepTime) => 2,
            _ => 2,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::cues::CueEngine;

    fn engine(cfg: CueConfig) -> CueEngine {
        cfg.validate().unwrap();
        CueEngine::new(cfg)
    }

    #[test]
    fn run_long_needs_less_thigh_extension_and_more_overstride_together() {
        let steps = |e: &mut CueEngine, thigh: f64, overstride: f64, n: usize| {
            let mut last = None;
            let mut first = None;
            for i in 1..=n {
                let d = e.step(0.0, |m| match m {
                    Metric::ThighExtensionTo => Some(thigh),
                    Metric::Overstride => Some(overstride),
                    _ => None,
                });
                if d.active.as_deref() == Some("Run long") && first.is_none() {
                    first = Some(i);
                }
                last = d.active;
            }
            (first, last)
        };
        // The runner's own first 20 steps: thigh 20° behind vertical, overstride 0.10.
        let mut e = engine(CueConfig::default());
        steps(&mut e, 20.0, 0.10, 20);
        // The belt slows: the thigh extends less, and the foot lands less far ahead too.
        assert_eq!(steps(&mut e, 15.0, 0.06, 30), (None, None));
        // Same speed, reaching: less thigh extension while landing further ahead.
        let mut e = engine(CueConfig::default());
        steps(&mut e, 20.0, 0.10, 20);
        let (first, _) = steps(&mut e, 15.0, 0.14, 10);
        assert!(first.is_some_and(|f| f <= 10), "Run long first at {first:?}");
        // Reaching further only (thigh unchanged) is not "Run long".
        let mut e = engine(CueConfig::default());
        steps(&mut e, 20.0, 0.10, 20);
        assert_eq!(steps(&mut e, 20.0, 0.14, 30).0, None);
    }

    #[test]
    fn hip_flexor_profile_puts_posture_before_cadence_and_leaves_cadence_off_by_default() {
        let fixed = |cue: &str, threshold| CueRule {
            threshold,
            baseline_steps: 0,
            ..default_rules().into_iter().find(|r| r.cue == cue).unwrap()
        };
        let rules = vec![
            CueRule {
                metric: Metric::PelvicTilt,
                when: Direction::Above,
                also: None,
                ..fixed("Run long", 5.0)
            },
            fixed("Quicker, shorter steps", 160.0),
        ];
        let last_active = |cfg: CueConfig| {
            let mut e = engine(cfg);
            let mut last = None;
            for _ in 0..40 {
                last = e
                    .step(0.0, |m| match m {
                        Metric::PelvicTilt => Some(8.0),
                        Metric::Cadence => Some(150.0),
                        _ => None,
                    })
                    .active;
            }
            last
        };
        for (profile, expected) in [
            (Profile::HipFlexor, "Run long"),
            (Profile::General, "Quicker, shorter steps"),
        ] {
            let cfg = CueConfig {
                profile,
                cadence_cue: Some(true),
                rules: rules.clone(),
                ..CueConfig::default()
            };
            assert_eq!(last_active(cfg).as_deref(), Some(expected));
        }
        // Hip-flexor patients get no cadence cue unless it is switched on.
        let cfg = CueConfig {
            rules: vec![rules[1].clone()],
            ..CueConfig::default()
        };
        assert_eq!(last_active(cfg), None);
    }
}

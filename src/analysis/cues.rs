//! Choosing the cue to show from rolling per-step metrics.
//!
//! Each rule watches one metric over the last `window` steps and becomes active when at
//! least `min_count` of them cross its threshold — a fixed value, or the runner's own
//! baseline (median of their first steps) plus a margin. It is released, with
//! hysteresis, only when `release_count` or fewer cross. Among active rules the one with
//! the best priority is the cue; a shown cue rests for `cooldown_steps` steps, and a
//! faded-feedback schedule lowers the share of steps that show a cue over the session
//! [Willy 2012; Crowell & Davis 2011].

use super::Metric;
use std::collections::VecDeque;

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
    /// Share of steps that show a cue at the start and at the end of the fade.
    pub fade_start_share: f64,
    pub fade_end_share: f64,
    /// Steps over which the share falls (0 = no fading).
    pub fade_steps: usize,
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
            fade_start_share: 1.0,
            fade_end_share: 1.0,
            fade_steps: 0,
            rules: default_rules(),
        }
    }
}

/// Overstride above 15 % of leg length is "poor" in open tools (unvalidated; FINDINGS §6),
/// so it is the default — compare with the runner's own baseline where possible.
pub fn default_rules() -> Vec<CueRule> {
    let rule = |cue: &str, metric: Metric, when, threshold, baseline_steps| CueRule {
        cue: cue.into(),
        metric,
        when,
        threshold,
        baseline_steps,
        priority: None,
        also: None,
    };
    vec![
        // Reaching forward instead of pushing back: less thigh extension at toe-off AND
        // more overstride than the runner's own first steps, together. Either alone follows
        // belt speed (slower: both fall), so neither alone triggers it.
        CueRule {
            also: Some(Condition {
                metric: Metric::Overstride,
                when: Direction::Above,
                threshold: 0.03,
                baseline_steps: 20,
            }),
            ..rule("Run long", Metric::ThighExtensionTo, Direction::Below, 3.0, 20)
        },
        // With ASIS/PSIS stickers: anterior tilt 5° above standing.
        rule("Run long", Metric::PelvicTilt, Direction::Above, 5.0, 0),
        rule(
            "Land under your hips",
            Metric::Overstride,
            Direction::Above,
            0.15,
            0,
        ),
        rule(
            "Quicker, shorter steps",
            Metric::Cadence,
            Direction::Below,
            160.0,
            0,
        ),
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
        for share in [self.fade_start_share, self.fade_end_share] {
            if !(0.0..=1.0).contains(&share) {
                bail!("cues: fade shares must be between 0 and 1, not {share}");
            }
        }
        if self.fade_start_share == 0.0 || (self.fade_steps == 0 && self.fade_end_share == 0.0) {
            bail!("cues: this fade schedule never shows a cue: fade_start_share must be above 0 (use --no-cues, or enabled = false, for a session without cues)");
        }
        if self.window > 1000 || self.cooldown_steps > 1000 || self.fade_steps > 100_000 {
            bail!("cues: window and cooldown_steps must be at most 1000 steps, fade_steps at most 100000");
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
            if r.metric == Metric::Confidence {
                bail!(
                    "cues: rule '{}' watches the pose's confidence, which is not a gait metric",
                    r.cue
                );
            }
        }
        Ok(())
    }

    /// Default priority: hip-flexor patients see posture, then overstride, then cadence;
    /// others see overstride, cadence, then posture.
    fn priority(&self, rule: &CueRule) -> u32 {
        rule.priority.unwrap_or(match (self.profile, rule.metric) {
            (Profile::HipFlexor, Metric::PelvicTilt | Metric::TrunkLean | Metric::ThighExtensionTo) => 1,
            (Profile::HipFlexor, Metric::Cadence | Metric::StepTime) => 3,
            (Profile::General, Metric::PelvicTilt | Metric::TrunkLean | Metric::ThighExtensionTo) => 3,
            (Profile::General, Metric::Cadence | Metric::StepTime) => 2,
            _ => 2,
        })
    }
}

#[derive(Debug, Clone)]
struct RuleState {
    recent: VecDeque<bool>,
    baseline_values: Vec<f64>,
    also_baseline: Vec<f64>,
    active: bool,
}

/// Whether `value` shows the fault: against `threshold`, or, with `baseline_steps`, against
/// the median of the first values (gathered in `baseline`; `None` while it is gathered).
fn faulty(
    value: f64,
    when: Direction,
    threshold: f64,
    baseline_steps: usize,
    baseline: &mut Vec<f64>,
) -> Option<bool> {
    let limit = if baseline_steps > 0 {
        if baseline.len() < baseline_steps {
            baseline.push(value);
            return None;
        }
        let base = super::geometry::median(baseline).unwrap_or(value);
        match when {
            Direction::Above => base + threshold,
            Direction::Below => base - threshold,
        }
    } else {
        threshold
    };
    Some(match when {
        Direction::Above => value > limit,
        Direction::Below => value < limit,
    })
}

/// The cue chosen after one step.
#[derive(Debug, Clone, PartialEq)]
pub struct CueDecision {
    /// The cue shown at this step, if any.
    pub shown: Option<String>,
    /// The cue that would be shown without cool-down and fading.
    pub active: Option<String>,
}

pub struct CueEngine {
    config: CueConfig,
    states: Vec<RuleState>,
    steps: usize,
    shown_credit: f64,
    last_shown_step: Option<usize>,
}

impl CueEngine {
    pub fn new(config: CueConfig) -> Self {
        let states = config
            .rules
            .iter()
            .map(|_| RuleState {
                recent: VecDeque::new(),
                baseline_values: Vec::new(),
                also_baseline: Vec::new(),
                active: false,
            })
            .collect();
        Self {
            config,
            states,
            steps: 0,
            shown_credit: 0.0,
            last_shown_step: None,
        }
    }

    /// Feeds one step's metrics (`metric` looks a value up) and decides.
    pub fn step(&mut self, metric: impl Fn(Metric) -> Option<f64>) -> CueDecision {
        self.steps += 1;
        let cfg = &self.config;
        for (rule, state) in cfg.rules.iter().zip(self.states.iter_mut()) {
            // Unknown this step (either condition): neither for nor against.
            let Some(value) = metric(rule.metric) else {
                continue;
            };
            let also = match &rule.also {
                None => Some(true),
                Some(c) => match metric(c.metric) {
                    None => continue,
                    Some(v) => faulty(v, c.when, c.threshold, c.baseline_steps, &mut state.also_baseline),
                },
            };
            let own = faulty(
                value,
                rule.when,
                rule.threshold,
                rule.baseline_steps,
                &mut state.baseline_values,
            );
            let (Some(own), Some(also)) = (own, also) else {
                continue;
            };
            let fault = own && also;
            state.recent.push_back(fault);
            if state.recent.len() > cfg.window {
                state.recent.pop_front();
            }
            let count = state.recent.iter().filter(|f| **f).count();
            if count >= cfg.min_count {
                state.active = true;
            } else if count <= cfg.release_count {
                state.active = false;
            }
        }
        let active = cfg
            .rules
            .iter()
            .zip(&self.states)
            .filter(|(_, s)| s.active)
            .min_by_key(|(r, _)| cfg.priority(r))
            .map(|(r, _)| r.cue.clone());
        let shown = if cfg.enabled && active.is_some() && self.may_show() {
            self.last_shown_step = Some(self.steps);
            active.clone()
        } else {
            None
        };
        CueDecision { shown, active }
    }

    /// Cool-down and faded feedback: the share of steps that show a cue falls linearly
    /// from `fade_start_share` to `fade_end_share` over `fade_steps`.
    fn may_show(&mut self) -> bool {
        let cfg = &self.config;
        if let Some(last) = self.last_shown_step {
            if self.steps - last <= cfg.cooldown_steps {
                return false;
            }
        }
        let progress = if cfg.fade_steps == 0 {
            0.0
        } else {
            (self.steps as f64 / cfg.fade_steps as f64).min(1.0)
        };
        let share = cfg.fade_start_share + (cfg.fade_end_share - cfg.fade_start_share) * progress;
        self.shown_credit += share;
        if self.shown_credit >= 1.0 - 1e-9 {
            self.shown_credit -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine(cfg: CueConfig) -> CueEngine {
        cfg.validate().unwrap();
        CueEngine::new(cfg)
    }

    fn rule_named(cue: &str) -> CueRule {
        default_rules().into_iter().find(|r| r.cue == cue).unwrap()
    }

    fn overstride_only() -> CueConfig {
        CueConfig {
            rules: vec![rule_named("Land under your hips")],
            ..CueConfig::default()
        }
    }

    #[test]
    fn run_long_needs_less_thigh_extension_and_more_overstride_together() {
        let steps = |e: &mut CueEngine, thigh: f64, overstride: f64, n: usize| {
            let mut last = None;
            let mut first = None;
            for i in 1..=n {
                let d = e.step(|m| match m {
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
    fn activates_after_min_count_and_releases_with_hysteresis() {
        let mut e = engine(overstride_only());
        let mut first_cue = None;
        for step in 1..=10 {
            let d = e.step(|m| (m == Metric::Overstride).then_some(0.2));
            if d.shown.is_some() && first_cue.is_none() {
                first_cue = Some(step);
            }
        }
        assert_eq!(first_cue, Some(7));
        // Good steps: still active until only 3 of the last 10 are faults.
        let mut released_at = None;
        for step in 1..=10 {
            let d = e.step(|m| (m == Metric::Overstride).then_some(0.05));
            if d.active.is_none() && released_at.is_none() {
                released_at = Some(step);
            }
        }
        assert_eq!(released_at, Some(7));
    }

    #[test]
    fn never_cues_below_threshold_and_unknown_values_do_not_count() {
        let mut e = engine(overstride_only());
        for _ in 0..50 {
            assert_eq!(
                e.step(|m| (m == Metric::Overstride).then_some(0.149)).active,
                None
            );
            assert_eq!(e.step(|_| None).active, None);
        }
    }

    #[test]
    fn hip_flexor_profile_puts_posture_before_cadence_and_general_the_reverse() {
        for (profile, expected) in [
            (Profile::HipFlexor, "Run long"),
            (Profile::General, "Quicker, shorter steps"),
        ] {
            let mut e = engine(CueConfig {
                profile,
                ..CueConfig::default()
            });
            let mut last = None;
            for _ in 0..10 {
                last = Some(e.step(|m| match m {
                    Metric::PelvicTilt => Some(8.0),
                    Metric::Cadence => Some(150.0),
                    _ => None,
                }));
            }
            assert_eq!(last.unwrap().active.as_deref(), Some(expected));
        }
    }

    #[test]
    fn baseline_rules_compare_with_the_runners_own_first_steps() {
        let mut rule = rule_named("Land under your hips");
        rule.threshold = 0.03;
        rule.baseline_steps = 5;
        let mut e = engine(CueConfig {
            rules: vec![rule],
            ..CueConfig::default()
        });
        for _ in 0..5 {
            e.step(|_| Some(0.20)); // baseline 0.20: above the fixed 0.15 but normal for this runner
        }
        for _ in 0..10 {
            assert_eq!(e.step(|_| Some(0.21)).active, None);
        }
        let mut active = None;
        for _ in 0..10 {
            active = e.step(|_| Some(0.25)).active;
        }
        assert_eq!(active.as_deref(), Some("Land under your hips"));
    }

    #[test]
    fn cooldown_and_fading_thin_out_the_cues() {
        let mut e = engine(CueConfig {
            cooldown_steps: 2,
            ..overstride_only()
        });
        let shown: Vec<bool> = (0..16).map(|_| e.step(|_| Some(0.3)).shown.is_some()).collect();
        // Active from step 7, then every third step.
        assert_eq!(shown.iter().filter(|s| **s).count(), 4);
        assert!(shown[6] && !shown[7] && !shown[8] && shown[9]);

        let mut e = engine(CueConfig {
            fade_start_share: 1.0,
            fade_end_share: 0.25,
            fade_steps: 100,
            ..overstride_only()
        });
        let shown: Vec<bool> = (0..300).map(|_| e.step(|_| Some(0.3)).shown.is_some()).collect();
        let early = shown[6..56].iter().filter(|s| **s).count();
        let late = shown[200..300].iter().filter(|s| **s).count();
        assert!(early > 35, "{early}");
        assert_eq!(late, 25);
    }
}

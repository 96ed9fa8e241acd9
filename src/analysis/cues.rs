//! Choosing the cue to show from rolling per-step metrics.
//!
//! Each rule watches one metric over the last `window` steps and becomes active when at
//! least `min_count` of them cross its threshold — a fixed value, or the runner's own
//! baseline (median of their first steps) plus a margin. It is released, with
//! hysteresis, only when `release_count` or fewer cross. Among active rules the one with
//! the best priority is the cue; a shown cue rests for `cooldown_steps` steps, and the
//! feedback schedule (`feedback.rs`) decides when cues may be seen at all.
//!
//! The runner's own values depend on belt speed (faster: longer reach, more thigh
//! extension, higher cadence), so the default rules compare each step with the runner's own
//! first 20 counted steps at the current speed, gathered again whenever the speed changes.
//! A fixed threshold (`baseline_steps = 0`) is the fallback, labelled as not speed-matched.

use super::feedback::FeedbackConfig;
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
    fn in_use(&self, rule: &CueRule) -> bool {
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
                        format!("the runner's own first {steps} counted steps at the current belt speed")
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
    /// The runner's own cadence at this speed (first steps), for the cadence cap.
    preferred: Vec<f64>,
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
    /// At least one rule judged this step against its reference (the references are in):
    /// no active cue then means the stride is as it should be.
    pub judged: bool,
}

pub struct CueEngine {
    config: CueConfig,
    states: Vec<RuleState>,
    steps: usize,
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
                preferred: Vec::new(),
                active: false,
            })
            .collect();
        Self {
            config,
            states,
            steps: 0,
            last_shown_step: None,
        }
    }

    /// The belt's speed changed: the runner's own reference values are gathered again at the
    /// new speed, and no rule is active until they are.
    pub fn new_stage(&mut self) {
        for s in &mut self.states {
            s.recent.clear();
            s.baseline_values.clear();
            s.also_baseline.clear();
            s.preferred.clear();
            s.active = false;
        }
    }

    /// Feeds one step's metrics (`metric` looks a value up) and decides.
    /// `t` is the media time the step is decided at (the feedback schedule's clock).
    pub fn step(&mut self, t: f64, metric: impl Fn(Metric) -> Option<f64>) -> CueDecision {
        self.steps += 1;
        let mut judged = false;
        let cfg = &self.config;
        for (rule, state) in cfg.rules.iter().zip(self.states.iter_mut()) {
            if !cfg.in_use(rule) {
                continue;
            }
            // Unknown this step (either condition): neither for nor against.
            let Some(value) = metric(rule.metric) else {
                continue;
            };
            // A cadence cue never asks for more than 5 % over the runner's own cadence at
            // this speed (its first steps, the same steps as its reference), so it waits
            // until that is known.
            let capped = rule.metric == Metric::Cadence && rule.when == Direction::Below;
            let gathering = capped && state.preferred.len() < REFERENCE_STEPS;
            if gathering {
                state.preferred.push(value);
            }
            let cap = if capped && !gathering {
                super::geometry::median(&state.preferred).map(|p| p * (1.0 + MAX_CADENCE_RISE))
            } else {
                None
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
            let (Some(own), Some(also), false) = (own, also, gathering) else {
                continue;
            };
            judged = true;
            let fault = own && also && cap.is_none_or(|cap| value < cap);
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
        let shown = if cfg.enabled && active.is_some() && cfg.feedback.on_at(t) && self.rested() {
            self.last_shown_step = Some(self.steps);
            active.clone()
        } else {
            None
        };
        CueDecision {
            shown,
            active,
            judged,
        }
    }

    /// Whether the cool-down after the last shown cue is over.
    fn rested(&self) -> bool {
        self.last_shown_step
            .is_none_or(|last| self.steps - last > self.config.cooldown_steps)
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

    /// "Land under your hips" against the fixed fallback of 0.15 leg lengths.
    fn overstride_only() -> CueConfig {
        CueConfig {
            rules: vec![CueRule {
                threshold: 0.15,
                baseline_steps: 0,
                ..rule_named("Land under your hips")
            }],
            ..CueConfig::default()
        }
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
    fn activates_after_min_count_and_releases_with_hysteresis() {
        let mut e = engine(overstride_only());
        let mut first_cue = None;
        for step in 1..=10 {
            let d = e.step(0.0, |m| (m == Metric::Overstride).then_some(0.2));
            if d.shown.is_some() && first_cue.is_none() {
                first_cue = Some(step);
            }
        }
        assert_eq!(first_cue, Some(7));
        // Good steps: still active until only 3 of the last 10 are faults.
        let mut released_at = None;
        for step in 1..=10 {
            let d = e.step(0.0, |m| (m == Metric::Overstride).then_some(0.05));
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
                e.step(0.0, |m| (m == Metric::Overstride).then_some(0.149)).active,
                None
            );
            assert_eq!(e.step(0.0, |_| None).active, None);
        }
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

    #[test]
    fn the_cadence_cue_never_asks_for_more_than_five_percent_over_the_runners_own() {
        // A fixed rule asking for 180 steps/min of a runner whose own cadence is 160.
        let cfg = CueConfig {
            profile: Profile::General,
            rules: vec![CueRule {
                threshold: 180.0,
                baseline_steps: 0,
                ..rule_named("Quicker, shorter steps")
            }],
            ..CueConfig::default()
        };
        let run = |cadence: f64| {
            let mut e = engine(cfg.clone());
            for _ in 0..REFERENCE_STEPS {
                e.step(0.0, |_| Some(160.0));
            }
            (0..20)
                .filter_map(|_| e.step(0.0, |_| Some(cadence)).active)
                .count()
        };
        assert!(
            run(167.0) > 0,
            "below 168 (160 + 5 %) the cue still asks for more"
        );
        assert_eq!(run(169.0), 0, "above 168 it asks for no more");
    }

    #[test]
    fn a_new_belt_speed_gathers_the_runners_own_values_again() {
        let mut e = engine(CueConfig::default());
        let step = |e: &mut CueEngine, overstride: f64| {
            e.step(0.0, |m| (m == Metric::Overstride).then_some(overstride))
                .active
        };
        for _ in 0..REFERENCE_STEPS {
            step(&mut e, 0.10);
        }
        // Faster belt, longer reach: against the old reference this is a fault...
        let mut before = None;
        for _ in 0..10 {
            before = step(&mut e, 0.17);
        }
        assert_eq!(before.as_deref(), Some("Land under your hips"));
        // ...but the speed changed: the new reach is this speed's reference.
        e.new_stage();
        let after: Vec<_> = (0..30).filter_map(|_| step(&mut e, 0.17)).collect();
        assert!(after.is_empty(), "{after:?}");
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
            e.step(0.0, |_| Some(0.20)); // baseline 0.20: above the fixed 0.15 but normal for this runner
        }
        for _ in 0..10 {
            assert_eq!(e.step(0.0, |_| Some(0.21)).active, None);
        }
        let mut active = None;
        for _ in 0..10 {
            active = e.step(0.0, |_| Some(0.25)).active;
        }
        assert_eq!(active.as_deref(), Some("Land under your hips"));
    }

    #[test]
    fn cooldown_and_the_feedback_schedule_thin_out_the_cues() {
        let mut e = engine(CueConfig {
            cooldown_steps: 2,
            ..overstride_only()
        });
        let shown: Vec<bool> = (0..16)
            .map(|_| e.step(0.0, |_| Some(0.3)).shown.is_some())
            .collect();
        // Active from step 7, then every third step.
        assert_eq!(shown.iter().filter(|s| **s).count(), 4);
        assert!(shown[6] && !shown[7] && !shown[8] && shown[9]);

        // Half the time visible: cues are shown only in the first 10 s of each 20 s.
        let mut cfg = overstride_only();
        cfg.feedback.visible_share = Some(0.5);
        let mut e = engine(cfg);
        let shown: Vec<(f64, bool)> = (0..400)
            .map(|i| {
                let t = f64::from(i) * 0.35;
                (t, e.step(t, |_| Some(0.3)).shown.is_some())
            })
            .collect();
        assert!(shown[10..].iter().all(|(t, s)| *s == (t % 20.0 < 10.0)));
    }
}

//! The cue engine: each step judged by every rule in use against its threshold or the
//! runner's own reference, rules switched on and off with hysteresis, and the cue shown
//! after cool-down and the feedback schedule.

use std::collections::VecDeque;

use super::rules::{CueConfig, Direction, MAX_CADENCE_RISE, REFERENCE_STEPS};
use crate::analysis::Metric;

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
        let base = crate::analysis::geometry::median(baseline).unwrap_or(value);
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
                crate::analysis::geometry::median(&state.preferred).map(|p| p * (1.0 + MAX_CADENCE_RISE))
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
    use crate::analysis::cues::{default_rules, CueRule, Profile};

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

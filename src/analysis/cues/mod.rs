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

mod engine;
mod rules;

pub use engine::{CueDecision, CueEngine};
pub use rules::{
    default_rules, Condition, CueConfig, CueRule, Direction, Profile, MAX_CADENCE_RISE, REFERENCE_STEPS,
};

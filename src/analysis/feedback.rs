//! When a cue may be seen: feedback that fades [Winstein 1990; Willy 2012 faded feedback
//! over eight sessions; Crowell & Davis 2011], scheduled by time so that the share the
//! clinician sets is the share of the session the banner is up, and a retest without any.
//!
//! Time runs in blocks (`block_s`, 20 s by default): cues may show in the first
//! `share × block_s` of each block and not in the rest. The share comes from the session
//! number (continuous feedback early, tapering later) unless one is set. A retest shows none.

use anyhow::{bail, Result};
use serde::{Deserialize, Serialize};

/// `[analysis.cues.feedback]` in the configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FeedbackConfig {
    /// Share of the time cues may be seen, 0-1; unset: from `share_by_session`.
    pub visible_share: Option<f64>,
    /// The share for session 1, 2, 3 … (the last repeats for later sessions).
    pub share_by_session: Vec<f64>,
    /// Which session of the retraining this is (`--session-number`), from 1.
    pub session_number: Option<u32>,
    /// Length of one on/off block, seconds.
    pub block_s: f64,
    /// A retest (`--retest`): no cue is ever shown, whatever the rules find.
    pub retest: bool,
    /// A cue stays up this long after the step that showed it, while its block is on.
    pub hold_s: f64,
}

impl Default for FeedbackConfig {
    fn default() -> Self {
        Self {
            visible_share: None,
            share_by_session: vec![1.0, 1.0, 0.75, 0.5, 0.25],
            session_number: None,
            block_s: 20.0,
            retest: false,
            hold_s: 1.5,
        }
    }
}

impl FeedbackConfig {
    pub fn validate(&self) -> Result<()> {
        let ok = |v: f64| (0.0..=1.0).contains(&v);
        if let Some(v) = self.visible_share {
            if !ok(v) || v == 0.0 {
                bail!("cues.feedback.visible_share = {v} must be above 0 and at most 1 (for a session without cues use --retest or --no-cues)");
            }
        }
        if self.share_by_session.is_empty()
            || self.share_by_session.len() > 100
            || !self.share_by_session.iter().all(|v| ok(*v))
        {
            bail!("cues.feedback.share_by_session must list 1-100 shares between 0 and 1, e.g. [1.0, 1.0, 0.75, 0.5, 0.25]");
        }
        if !(self.block_s >= 2.0 && self.block_s <= 600.0) {
            bail!(
                "cues.feedback.block_s = {} must be between 2 and 600 seconds",
                self.block_s
            );
        }
        if !(self.hold_s >= 0.1 && self.hold_s <= 10.0) {
            bail!(
                "cues.feedback.hold_s = {} must be between 0.1 and 10 seconds",
                self.hold_s
            );
        }
        if self.session_number == Some(0) || self.session_number.is_some_and(|n| n > 1000) {
            bail!("the session number counts from 1 (at most 1000)");
        }
        Ok(())
    }

    /// The share of the time cues may be seen in this session.
    pub fn share(&self) -> f64 {
        if self.retest {
            return 0.0;
        }
        self.visible_share.unwrap_or_else(|| {
            let n = self.session_number.unwrap_or(1) as usize;
            let shares = &self.share_by_session;
            shares[(n - 1).min(shares.len() - 1)]
        })
    }

    /// Whether cues may be seen at media time `t`.
    pub fn on_at(&self, t: f64) -> bool {
        let share = self.share();
        share >= 1.0 || (share > 0.0 && t.rem_euclid(self.block_s) < share * self.block_s)
    }
}

/// The banner as the runner sees it, frame by frame: the latest shown cue while it is held
/// and its block is on; and how long it was up against how long a cue was due.
#[derive(Debug, Clone)]
pub struct CueBanner {
    config: FeedbackConfig,
    /// The latest step's shown cue and active cue, with the time they were decided.
    shown: Option<(f64, String)>,
    active: Option<(f64, String)>,
    last_t: Option<f64>,
    /// Whether cues may be shown now (live: the clinician hid them, or a retest began).
    allowed: bool,
    /// When a retest began during the session (live phase `retest`).
    retest_from: Option<f64>,
    pub visible_s: f64,
    pub active_s: f64,
    /// Time a cue was due while cues were hidden.
    pub hidden_s: f64,
}

impl CueBanner {
    pub fn new(config: FeedbackConfig) -> Self {
        Self {
            config,
            shown: None,
            active: None,
            last_t: None,
            allowed: true,
            retest_from: None,
            visible_s: 0.0,
            active_s: 0.0,
            hidden_s: 0.0,
        }
    }

    /// Cues allowed or hidden from now on; `retest` marks the start of a retest.
    pub fn allow(&mut self, allowed: bool, retest: bool) {
        self.allowed = allowed;
        if retest && self.retest_from.is_none() {
            self.retest_from = Some(self.last_t.unwrap_or(0.0));
        }
    }

    /// How long a shown cue stays up, seconds.
    pub fn hold_s(&self) -> f64 {
        self.config.hold_s
    }

    /// Whether feedback may be seen at `t` (allowed, and its block is on).
    pub fn may_show(&self, t: f64) -> bool {
        self.allowed && self.config.on_at(t)
    }

    /// A step was decided at `t` with this shown and active cue.
    pub fn step(&mut self, t: f64, shown: Option<&str>, active: Option<&str>) {
        self.shown = shown.map(|c| (t, c.to_string()));
        self.active = active.map(|c| (t, c.to_string()));
    }

    fn held(&self, cue: &Option<(f64, String)>, now: f64) -> Option<String> {
        cue.as_ref()
            .filter(|(t, _)| now >= *t && now - t <= self.config.hold_s)
            .map(|(_, c)| c.clone())
    }

    /// The cue on screen at frame time `now` (frames in time order); counts the time.
    pub fn frame(&mut self, now: f64) -> Option<String> {
        let visible = self
            .held(&self.shown, now)
            .filter(|_| self.allowed && self.config.on_at(now));
        let dt = self.last_t.map_or(0.0, |last| (now - last).clamp(0.0, 0.5));
        self.last_t = Some(now);
        if self.held(&self.active, now).is_some() {
            if !self.allowed {
                self.hidden_s += dt;
            } else {
                self.active_s += dt;
                if visible.is_some() {
                    self.visible_s += dt;
                }
            }
        }
        visible
    }

    /// What `summary.json` says of the feedback given.
    pub fn facts(&self) -> serde_json::Value {
        let c = &self.config;
        let retest = c.retest || self.retest_from.is_some();
        serde_json::json!({
            "visible_share_setting": if retest { 0.0 } else { c.share() },
            "share_from": if retest { "retest" } else if c.visible_share.is_some() { "visible_share" } else { "session number" },
            "session_number": c.session_number,
            "retest": retest,
            "retest_from_s": self.retest_from.or(c.retest.then_some(0.0)),
            "cue_due_while_hidden_s": (self.hidden_s * 10.0).round() / 10.0,
            "block_s": c.block_s,
            "cue_due_s": (self.active_s * 10.0).round() / 10.0,
            "banner_up_s": (self.visible_s * 10.0).round() / 10.0,
            "banner_up_share_of_due": (self.active_s > 0.0).then(|| (self.visible_s / self.active_s * 1000.0).round() / 1000.0),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn banner_share(config: FeedbackConfig) -> f64 {
        let mut b = CueBanner::new(config);
        // A cue due at every step (165 steps/min) for 10 minutes, frames at 30 fps.
        let (mut next_step, step) = (0.0, 60.0 / 165.0);
        for i in 0..30 * 600 {
            let t = f64::from(i) / 30.0;
            while next_step <= t {
                let shown = b.config.on_at(next_step).then_some("Run long");
                b.step(next_step, shown, Some("Run long"));
                next_step += step;
            }
            b.frame(t);
        }
        b.visible_s / b.active_s
    }

    #[test]
    fn the_share_set_is_the_share_of_time_the_banner_is_up() {
        for share in [1.0, 0.75, 0.5, 0.25] {
            let got = banner_share(FeedbackConfig {
                visible_share: Some(share),
                ..FeedbackConfig::default()
            });
            assert!(
                (got - share).abs() <= 0.05,
                "setting {share}: banner up {got:.3} of the time"
            );
        }
        let retest = banner_share(FeedbackConfig {
            retest: true,
            ..FeedbackConfig::default()
        });
        assert_eq!(retest, 0.0);
    }

    #[test]
    fn sessions_fade_from_continuous_to_a_quarter() {
        let share = |n| {
            FeedbackConfig {
                session_number: Some(n),
                ..FeedbackConfig::default()
            }
            .share()
        };
        assert_eq!(
            [share(1), share(2), share(3), share(4), share(5), share(9)],
            [1.0, 1.0, 0.75, 0.5, 0.25, 0.25]
        );
        assert_eq!(FeedbackConfig::default().share(), 1.0);
        assert!(FeedbackConfig {
            visible_share: Some(0.0),
            ..FeedbackConfig::default()
        }
        .validate()
        .is_err());
    }
}

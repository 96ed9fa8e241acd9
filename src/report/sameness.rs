//! Whether two sessions can be compared at all: two folders, made by one version, of the
//! same runner (leg length in the image
//! within 10 %, which also catches a camera moved nearer or further), filmed from the same
//! side, at the same belt speed (within 0.3 km/h), both running, and the retest without
//! cues. A difference is a warning in every output of
//! `compare`, and its verdicts lose their colours.

use super::session::Session;
use crate::analysis::validity::Gait;
use crate::analysis::Metric;

/// A session needs this many valid running steps to be compared at all.
pub const MIN_VALID_STEPS: usize = crate::session::summary::MIN_VALID_STEPS;

/// Valid running steps in a session.
pub fn valid_steps(s: &Session) -> usize {
    s.summary.valid_steps
}

/// Leg lengths (pixels) further apart than this share of the smaller one are different
/// runners, or the same runner filmed from a different distance.
const LEG_LENGTH_TOLERANCE: f64 = 0.10;

/// Belt speeds further apart than this (km/h) are different test conditions.
const MAX_BELT_DIFFERENCE_KMH: f64 = 0.3;

/// What makes the two sessions hard to compare, one line each (empty: nothing found).
pub fn warnings(base: &Session, retest: &Session) -> Vec<String> {
    let mut out = Vec::new();
    let same_folder = std::fs::canonicalize(&base.dir)
        .ok()
        .zip(std::fs::canonicalize(&retest.dir).ok())
        .is_some_and(|(a, b)| a == b);
    if same_folder {
        out.push("the baseline and the retest are the same folder".to_string());
    }
    let version = |s: &Session| s.summary.session.gaitcue_version.clone();
    if let (Some(a), Some(b)) = (version(base), version(retest)) {
        if a != b {
            out.push(format!("made by different gaitcue versions: {a} and {b}"));
        }
    }
    let legs = (
        base.summary.runner.leg_length_px,
        retest.summary.runner.leg_length_px,
    );
    if let (Some(a), Some(b)) = legs {
        let differ = (a - b).abs() / a.min(b);
        if differ > LEG_LENGTH_TOLERANCE {
            out.push(format!(
                "the runners differ: leg length {a:.0} px in the baseline, {b:.0} px in the retest ({:.0} % apart) — different people, or the camera moved",
                100.0 * differ
            ));
        }
    }
    let facing = (
        base.summary.runner.facing.clone(),
        retest.summary.runner.facing.clone(),
    );
    if let (Some(a), Some(b)) = facing {
        if a != b {
            out.push(format!(
                "filmed from different sides: the runner faces {a} in the baseline and {b} in the retest"
            ));
        }
    }
    // Belt speed: the median over the valid steps (older folders: the speed typed).
    let belt = |s: &Session| {
        s.summary_of("both", Metric::BeltSpeed)
            .map(|m| m.0)
            .or_else(|| s.typed_belt_speed_kmh())
    };
    match (belt(base), belt(retest)) {
        (Some(a), Some(b)) if (a - b).abs() > MAX_BELT_DIFFERENCE_KMH => out.push(format!(
            "different belt speeds: {a:.1} km/h in the baseline, {b:.1} km/h in the retest (stride, reach and thigh extension all change with speed: compare at one speed)"
        )),
        (Some(_), None) | (None, Some(_)) => out.push(
            "the belt speed was given for one session only: the speeds cannot be checked to match".to_string(),
        ),
        _ => {}
    }
    let cues = |s: &Session| -> usize { s.summary.cues_shown.values().sum() };
    if cues(retest) > 0 {
        out.push(format!(
            "cues were shown {} times during the retest: a retest measures the runner without feedback (--retest)",
            cues(retest)
        ));
    }
    for (s, label) in [(base, "baseline"), (retest, "retest")] {
        if s.summary.gait != Gait::Running {
            out.push(format!(
                "the {label} is not a running session ({})",
                s.summary.gait
            ));
        }
    }
    out
}

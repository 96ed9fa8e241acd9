//! Whether two sessions can be compared at all: two folders, made by one version, of the
//! same runner (leg length in the image
//! within 10 %, which also catches a camera moved nearer or further), filmed from the same
//! side, at the same belt speed, both running. A difference is a warning in every output of
//! `compare`, and its verdicts lose their colours.

use super::session::Session;

/// A session needs this many valid running steps to be compared at all.
pub const MIN_VALID_STEPS: usize = crate::record::summary::MIN_VALID_STEPS;

/// Valid running steps in a session (folders from before the gate: all its steps).
pub fn valid_steps(s: &Session) -> usize {
    s.summary["valid_steps"]
        .as_u64()
        .map_or(s.steps.len(), |n| n as usize)
}

/// Leg lengths (pixels) further apart than this share of the smaller one are different
/// runners, or the same runner filmed from a different distance.
const LEG_LENGTH_TOLERANCE: f64 = 0.10;

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
    let version = |s: &Session| s.summary["session"]["gaitcue_version"].as_str().map(String::from);
    if let (Some(a), Some(b)) = (version(base), version(retest)) {
        if a != b {
            out.push(format!("made by different gaitcue versions: {a} and {b}"));
        }
    }
    let runner = |s: &Session, key: &str| s.summary["runner"][key].clone();
    let legs = (
        runner(base, "leg_length_px").as_f64(),
        runner(retest, "leg_length_px").as_f64(),
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
        runner(base, "facing").as_str().map(String::from),
        runner(retest, "facing").as_str().map(String::from),
    );
    if let (Some(a), Some(b)) = facing {
        if a != b {
            out.push(format!(
                "filmed from different sides: the runner faces {a} in the baseline and {b} in the retest"
            ));
        }
    }
    let setting = |s: &Session, key: &str| s.summary["session"][key].as_str().map(String::from);
    let belts = (setting(base, "belt_speed"), setting(retest, "belt_speed"));
    if let (Some(a), Some(b)) = &belts {
        if a != b {
            out.push(format!(
                "different belt speeds: {a} in the baseline, {b} in the retest"
            ));
        }
    }
    let gait = |s: &Session| s.summary["gait"].as_str().map(String::from);
    for (s, label) in [(base, "baseline"), (retest, "retest")] {
        if let Some(g) = gait(s).filter(|g| g != "running") {
            out.push(format!("the {label} is not a running session ({g})"));
        }
    }
    out
}

//! The course in one sentence for the runner: where the foot lands now against the first
//! test, at the same belt speed, on the side the camera sees best, and whether the change is
//! beyond the measurement's margin of error.

use super::sessions::{speed_words, Entry, Gathered};
use super::trend::{AtSpeed, Course, Point};
use crate::session::course::Visit;

/// The sentence.
pub fn headline(g: &Gathered, speeds: &[AtSpeed]) -> String {
    let Some(base) = g.baseline() else {
        return "No session in this folder can be measured yet: each session needs enough counted running steps (see the sessions below).".to_string();
    };
    let first = match base.visit {
        Some(Visit::Test) => "your first test".to_string(),
        _ => format!("your first session here ({})", base.folder),
    };
    let side = near_side(base);
    for at in speeds {
        let find = |metric: &str| {
            at.metrics
                .iter()
                .find(|c| c.metric == metric && c.side == side && c.points.len() >= 2)
        };
        let Some((course, cm)) = find("overstride_cm")
            .map(|c| (c, true))
            .or_else(|| find("overstride_ratio").map(|c| (c, false)))
        else {
            continue;
        };
        let latest = course.points.last().expect("two points");
        let when = g
            .accepted()
            .find(|e| e.folder == latest.folder)
            .map_or(latest.folder.clone(), Entry::describe);
        return sentence(course, latest, cm, &when, &first, &speed_words(at.belt_speed_kmh));
    }
    format!(
        "{} is the starting point: later sessions at the same belt speed will be compared with it.",
        capitalise(&first)
    )
}

fn sentence(course: &Course, p: &Point, cm: bool, when: &str, first: &str, speed: &str) -> String {
    let amount = |v: f64| {
        if cm {
            format!("{:.0} cm", v.abs())
        } else {
            format!("{:.0} % of your leg length", 100.0 * v.abs())
        }
    };
    let side = format!("{} foot, nearer the camera,", course.side);
    let noise = amount(p.smallest_detectable_change);
    if !p.beyond_noise {
        return format!(
            "At your {when} ({speed}) your {side} landed about where it did at {first}: within the measurement's margin of error (±{noise})."
        );
    }
    let way = if p.change < 0.0 {
        "closer under your hips"
    } else {
        "further ahead of your hips"
    };
    format!(
        "At your {when} ({speed}) your {side} landed {} {way} than at {first} — more than the measurement's margin of error (±{noise}).",
        amount(p.change)
    )
}

/// The leg nearer the camera at the baseline (its numbers are the better ones), else left.
fn near_side(base: &Entry) -> &'static str {
    match base.session.as_ref().and_then(|s| s.summary.near_side) {
        Some(crate::analysis::Side::Right) => "right",
        _ => "left",
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

//! `progress.html`: the course for the runner and the clinician, in plain words and units:
//! the headline, the sessions (with the feedback each gave and why any is left out), and
//! each key metric over the sessions per side, with the first test's noise band. Sides get
//! their own colours; nothing is coloured as good or bad.

use anyhow::Result;

use super::plot::{self, Line};
use super::sessions::{speed_words, Gathered};
use super::trend::Course;
use super::{Feedback, Progress, SessionLine};
use crate::report::html::{esc, Html};
use crate::report::plots::{LEFT, RIGHT};

/// What each followed metric means, for the runner.
fn meaning(metric: &str) -> &'static str {
    match metric {
        "overstride_ratio" => "How far ahead of your hips your foot is when it lands, as a share of your leg length. Retraining aims to bring it closer under you.",
        "overstride_cm" => "How far ahead of your hips your foot is when it lands. Retraining aims to bring it closer under you.",
        "shank_angle_ic_deg" => "The angle of your shin from upright as your foot lands: 0° is an upright shin, above 0 the foot lands ahead of the knee, below 0 the knee is ahead of the foot. Retraining aims for a shin near upright.",
        "cadence_spm" => "Steps per minute, both feet together. Not a target of its own here: a few more steps a minute usually goes with landing closer under you.",
        "step_length_m" => "How far you travel with each step. Not a target of its own here: shorter steps usually go with landing closer under you.",
        "contact_time_s" => "How long each foot stays on the belt. Shown for context; not a target.",
        "trunk_lean_deg" => "How far your upper body leans forward. Shown for context; not a target.",
        "pelvic_tilt_deg" => "Forward tilt of your pelvis against standing, from the stickers.",
        _ => "",
    }
}

/// A chart's axis title: "Overstride (cm)".
fn axis(label: &str, u: &str) -> String {
    let u = match u {
        "deg" => "degrees",
        "s" => "ms",
        "leg lengths" => "share of leg length",
        other => other,
    };
    format!("{} ({u})", capitalised(label))
}

/// A value as shown: seconds in ms, centimetres and degrees to a tenth.
fn shown(v: f64, course: &Course) -> f64 {
    let d = decimals(course) as i32;
    let v = if course.unit == "s" { v * 1000.0 } else { v };
    (v * 10f64.powi(d)).round() / 10f64.powi(d)
}

fn decimals(course: &Course) -> usize {
    match course.unit {
        "s" => 0,
        "cm" | "deg" | "steps/min" => 1,
        "m" => 2,
        _ => 3,
    }
}

/// A value with its unit: "5.6 cm", "12.0°", "264 ms", "0.120 of leg length".
fn amount(v: f64, course: &Course) -> String {
    let d = decimals(course);
    let v = shown(v, course);
    match course.unit {
        "deg" => format!("{v:.d$}°"),
        "s" => format!("{v:.d$} ms"),
        "leg lengths" => format!("{v:.d$} of leg length"),
        u => format!("{v:.d$} {u}"),
    }
}

pub fn render(g: &Gathered, p: &Progress) -> Result<String> {
    let mut page = Html::new("gaitcue: running retraining progress");
    let patient = g
        .entries
        .iter()
        .rev()
        .find_map(|e| e.session.as_ref()?.summary.session.patient.clone());
    page.h1(&match patient {
        Some(name) => format!("Running retraining: progress for {name}"),
        None => "Running retraining: progress".to_string(),
    });
    page.raw(&format!("<p class=headline>{}</p>", esc(&p.headline)));
    if let Some(note) = &p.baseline_note {
        page.warning(note);
    }
    page.p("Each session is set beside your first test at the same belt speed, filmed from the same side with the camera in the same place; a session that differs is listed with the reason and left out of the charts. The shaded band around a line is the measurement's margin of error: how far the middle (median) of a session's steps can move from your first test by chance alone. A point outside the band is very likely (95 %) more than chance; whether the change matters for you is for your clinician to say. The band is worked out for a session as long and as even as your first test; the sentences under each chart give each side's margin for its latest session, from that session's own steps.");
    sessions_table(&mut page, &p.sessions);
    let labels: Vec<String> = g.accepted().map(|e| e.short()).collect();
    let index = |folder: &str| g.accepted().position(|e| e.folder == folder);
    for at in &p.speeds {
        page.h2(&format!("Your running at {}", speed_words(at.belt_speed_kmh)));
        let has_cm = at.metrics.iter().any(|c| c.metric == "overstride_cm");
        let mut names: Vec<&str> = Vec::new();
        for c in &at.metrics {
            let shown_in_cm = has_cm && c.metric == "overstride_ratio";
            if !shown_in_cm && !names.contains(&c.metric) {
                names.push(c.metric);
            }
        }
        for name in names {
            let sides: Vec<&Course> = at.metrics.iter().filter(|c| c.metric == name).collect();
            let first = sides[0];
            // Seconds are drawn in milliseconds.
            let scale = if first.unit == "s" { 1000.0 } else { 1.0 };
            let lines: Vec<Line> = sides
                .iter()
                .map(|c| Line {
                    label: match c.side {
                        "both" => "all steps".to_string(),
                        side => format!("{side} foot"),
                    },
                    colour: if c.side == "right" { RIGHT } else { LEFT },
                    dashed: c.side == "right",
                    points: c
                        .points
                        .iter()
                        .filter_map(|pt| Some((index(&pt.folder)?, scale * pt.median)))
                        .collect(),
                    band: (scale * c.band.0, scale * c.band.1),
                })
                .collect();
            let title = capitalised(first.label);
            let svg = plot::chart(&title, &axis(first.label, first.unit), &labels, &lines)?;
            page.raw(&format!("<h3>{}</h3>", esc(&title)));
            page.p(&esc(meaning(name)));
            page.figure_svg(&svg, &title);
            let words: Vec<String> = sides.iter().filter_map(|c| side_words(c)).collect();
            if !words.is_empty() {
                page.p(&words.iter().map(|w| esc(w)).collect::<Vec<_>>().join("<br>"));
            }
        }
    }
    page.raw(&format!("<p class=spread>Made by {}.</p>", esc(&p.made_by)));
    Ok(page.finish())
}

/// "Left foot: 28.6 cm at the first test, 23.1 cm at the retest: 5.5 cm less, beyond the
/// margin of error (±2.0 cm)." The change is worked out from the values as shown.
fn side_words(c: &Course) -> Option<String> {
    let (first, last) = (c.points.first()?, c.points.last()?);
    if c.points.len() < 2 {
        return None;
    }
    let d = decimals(c);
    let difference = shown(last.median, c) - shown(first.median, c);
    let unit_of = |text: String| {
        text.split_once(' ')
            .map_or(String::new(), |(_, u)| format!(" {u}"))
    };
    let suffix = if c.unit == "deg" {
        "°".to_string()
    } else {
        unit_of(amount(0.0, c))
    };
    let change = if difference.abs() < 0.5 * 10f64.powi(-(d as i32)) {
        "no change".to_string()
    } else if difference < 0.0 {
        format!("{:.d$}{suffix} less", -difference)
    } else {
        format!("{difference:.d$}{suffix} more")
    };
    let judged = if last.beyond_noise {
        "beyond the margin of error"
    } else {
        "within the margin of error"
    };
    let who = match c.side {
        "both" => "All steps".to_string(),
        side => format!("{} foot", capitalised(side)),
    };
    Some(format!(
        "{who}: {} at the {}, {} at the {}: {change}, {judged} (±{}).",
        amount(first.median, c),
        first.label.to_lowercase(),
        amount(last.median, c),
        last.label.to_lowercase(),
        amount(last.smallest_detectable_change, c)
    ))
}

fn sessions_table(page: &mut Html, sessions: &[SessionLine]) {
    page.h2("Your sessions");
    let rows = sessions
        .iter()
        .map(|s| {
            let compared = match (&s.refused_because, s.baseline) {
                (_, true) => "yes (the starting point)".to_string(),
                (None, false) => "yes".to_string(),
                (Some(why), false) => format!("no — {why}"),
            };
            let speeds = if s.belt_speeds_kmh.is_empty() {
                "—".to_string()
            } else {
                s.belt_speeds_kmh
                    .iter()
                    .map(|v| speed_words(*v))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let session = match &s.report {
                Some(path) => format!("<a href=\"{}\">{}</a>", esc(&href(path)), esc(&s.described)),
                None => esc(&s.described),
            };
            vec![
                esc(&day(&s.date)),
                session,
                esc(&speeds),
                s.counted_steps.to_string(),
                esc(&s.feedback.as_ref().map_or("—".to_string(), cue_words)),
                esc(&compared),
            ]
        })
        .collect();
    page.table(
        &[
            "Date",
            "Session",
            "Belt speed",
            "Steps counted",
            "Cues",
            "In the charts?",
        ],
        rows,
    );
}

/// A relative path as a link target: characters other than letters, digits and `-_.~/`
/// percent-encoded (a folder named by hand may hold spaces).
fn href(path: &str) -> String {
    path.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// The feedback of a session in words.
fn cue_words(f: &Feedback) -> String {
    match f.cues {
        "retest" => "none: a retest measures your running without help".to_string(),
        "off" => "none".to_string(),
        _ => {
            let plan = match (f.share_allowed, f.share_from.as_deref()) {
                (Some(s), Some("visible_share")) => {
                    format!("on, up to {:.0} % of the time (set by hand)", 100.0 * s)
                }
                (Some(s), _) => format!("on, fading plan: up to {:.0} % of the time", 100.0 * s),
                (None, _) => "on".to_string(),
            };
            match (f.cue_due_s, f.cue_shown_s) {
                (Some(due), Some(shown)) if due > 0.0 => {
                    format!("{plan}; a cue was needed for {due:.0} s and on screen for {shown:.0} s of it")
                }
                (Some(_), _) => format!("{plan}; no cue was shown: your running never crossed a cue's limit"),
                (None, _) => format!("{plan}; how long cues were needed was not recorded"),
            }
        }
    }
}

/// "5 Dec 2026" from `YYYY-MM-DD` ("—" when unknown).
fn day(date: &str) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let parts: Vec<usize> = date.split('-').filter_map(|p| p.parse().ok()).collect();
    match parts[..] {
        [y, m, d] if (1..=12).contains(&m) => format!("{d} {} {y}", MONTHS[m - 1]),
        _ => "—".to_string(),
    }
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feedback(share: Option<f64>, from: Option<&str>, due: Option<f64>, shown: Option<f64>) -> Feedback {
        Feedback {
            cues: "on",
            share_allowed: share,
            share_from: from.map(String::from),
            session_number: None,
            cue_due_s: due,
            cue_shown_s: shown,
            shown_share_of_due: None,
        }
    }

    #[test]
    fn links_to_folders_named_by_hand_are_encoded() {
        assert_eq!(
            href("2026-12-05-test-1/report.html"),
            "2026-12-05-test-1/report.html"
        );
        assert_eq!(href("Anna week 2/report.html"), "Anna%20week%202/report.html");
        assert_eq!(href("a\"b"), "a%22b");
    }

    #[test]
    fn cue_words_say_where_the_share_came_from_and_what_is_not_known() {
        let hand = cue_words(&feedback(
            Some(0.5),
            Some("visible_share"),
            Some(40.0),
            Some(20.0),
        ));
        assert!(hand.contains("set by hand") && !hand.contains("fading"), "{hand}");
        assert!(
            hand.contains("needed for 40 s") && hand.contains("20 s"),
            "{hand}"
        );
        let plan = cue_words(&feedback(
            Some(0.75),
            Some("session number"),
            Some(0.0),
            Some(0.0),
        ));
        assert!(
            plan.contains("fading plan: up to 75 %") && plan.contains("never crossed"),
            "{plan}"
        );
        // An earlier summary without the figures: nothing claimed.
        let old = cue_words(&feedback(None, None, None, None));
        assert!(
            old.starts_with("on;") && old.contains("not recorded") && !old.contains("never crossed"),
            "{old}"
        );
    }
}

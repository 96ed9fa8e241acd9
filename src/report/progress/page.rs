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
        "overstride_ratio" => "How far ahead of your hips your foot lands, as a share of your leg length. Retraining aims to bring it closer under you.",
        "overstride_cm" => "How far ahead of your hips your foot lands. Retraining aims to bring it closer under you.",
        "shank_angle_ic_deg" => "How far your shin leans forward as your foot lands. Retraining aims for a shin nearer upright.",
        "cadence_spm" => "Steps per minute.",
        "step_length_m" => "Distance the belt carries you per step.",
        "contact_time_s" => "How long each foot stays on the belt.",
        "trunk_lean_deg" => "How far your upper body leans forward.",
        "pelvic_tilt_deg" => "Forward tilt of your pelvis against standing, from the stickers.",
        _ => "",
    }
}

/// A unit as people write it.
fn unit(u: &str) -> &str {
    match u {
        "deg" => "°",
        "leg lengths" => "of leg length",
        other => other,
    }
}

/// A value with its unit: "6 cm", "12.0°", "0.12 of leg length".
fn amount(v: f64, course: &Course) -> String {
    let d = crate::analysis::Metric::from_name(course.metric).map_or(2, |m| m.info().decimals.min(3));
    let d = if course.unit == "cm" { 0 } else { d };
    match course.unit {
        "deg" => format!("{v:.d$}°"),
        u => format!("{v:.d$} {}", unit(u)),
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
    sessions_table(&mut page, &p.sessions);
    let labels: Vec<String> = g.accepted().map(|e| e.short()).collect();
    let index = |folder: &str| g.accepted().position(|e| e.folder == folder);
    for at in &p.speeds {
        page.h2(&format!("At {}", speed_words(at.belt_speed_kmh)));
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
            let lines: Vec<Line> = sides
                .iter()
                .map(|c| Line {
                    label: format!("{} foot", c.side),
                    colour: if c.side == "left" { LEFT } else { RIGHT },
                    points: c
                        .points
                        .iter()
                        .filter_map(|pt| Some((index(&pt.folder)?, pt.median)))
                        .collect(),
                    band: c.band,
                })
                .collect();
            let title = capitalised(first.label);
            let svg = plot::chart(&title, unit(first.unit), &labels, &lines)?;
            page.raw(&format!("<h3>{}</h3>", esc(&title)));
            page.p(&esc(meaning(name)));
            page.figure_svg(&svg, &title);
            let words: Vec<String> = sides.iter().filter_map(|c| side_words(c)).collect();
            if !words.is_empty() {
                page.p(&words.iter().map(|w| esc(w)).collect::<Vec<_>>().join("<br>"));
            }
        }
    }
    page.h2("How to read this page");
    page.p("Each session is set beside your first test at the same belt speed, filmed from the same side with the camera in the same place. A session that differs is listed above with the reason and left out of the charts.");
    page.p("The shaded band around each line is the measurement's noise: how far a session's middle value can move from your first test by chance, from step-to-step scatter and the camera's resolution. A point outside the band is a real change.");
    page.p(&format!(
        "R1, R2 … are the retraining sessions. {}",
        esc(&p.made_by)
    ));
    Ok(page.finish())
}

/// "Left foot: 12 cm at the first test, 6 cm at the retest: 6 cm less, beyond the noise (±3 cm)."
fn side_words(c: &Course) -> Option<String> {
    let (first, last) = (c.points.first()?, c.points.last()?);
    if c.points.len() < 2 {
        return None;
    }
    let shown = amount(last.change.abs(), c);
    let change = if shown == amount(0.0, c) {
        "no change".to_string()
    } else if last.change < 0.0 {
        format!("{shown} less")
    } else {
        format!("{shown} more")
    };
    let judged = if last.beyond_noise {
        "beyond the noise"
    } else {
        "within the noise"
    };
    Some(format!(
        "{} foot: {} at {}, {} at {}: {change}, {judged} (±{}).",
        capitalised(c.side),
        amount(first.median, c),
        first.label,
        amount(last.median, c),
        last.label,
        amount(last.smallest_detectable_change, c)
    ))
}

fn sessions_table(page: &mut Html, sessions: &[SessionLine]) {
    page.h2("Your sessions");
    let rows = sessions
        .iter()
        .map(|s| {
            let compared = match (&s.refused_because, s.baseline) {
                (_, true) => "yes: the starting point".to_string(),
                (None, false) => "yes".to_string(),
                (Some(why), false) => format!("no: {why}"),
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
            vec![
                esc(&day(&s.date)),
                esc(&s.described),
                esc(&speeds),
                esc(&s.feedback.as_ref().map_or("—".to_string(), cue_words)),
                esc(&compared),
            ]
        })
        .collect();
    page.table(&["Date", "Session", "Belt speed", "Cues", "Compared"], rows);
}

/// The feedback of a session in words.
fn cue_words(f: &Feedback) -> String {
    match f.cues {
        "retest" => "none: a retest measures your running without help".to_string(),
        "off" => "none".to_string(),
        _ => {
            let allowed = f.share_allowed.map_or(String::new(), |s| {
                format!("allowed {:.0} % of the time", 100.0 * s)
            });
            match (f.cue_due_s, f.cue_shown_s) {
                (Some(due), Some(shown)) if due > 0.0 => {
                    format!("{allowed}; on screen {shown:.0} s of the {due:.0} s a cue was due")
                }
                _ => format!("{allowed}; no cue was due"),
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

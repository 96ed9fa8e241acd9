//! `gaitcue progress DIR`: a runner's course on one page. Reads every session folder in
//! the runner's folder (typed readers only, so sessions from other computers or earlier
//! versions are taken or refused with a reason), sets each comparable session beside the
//! first test at the same belt speed, and writes `progress.html` (for the runner and the
//! clinician), `progress.json` and `progress.csv` (every session's per-speed medians, for
//! research) into the runner's folder.

mod headline;
mod page;
mod plot;
pub mod sessions;
pub mod trend;

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::Serialize;
use serde_json::Value;

use crate::analysis::{Metric, METRICS};
use crate::session::atomic::write_atomically;
use crate::session::course::Visit;
use sessions::{Entry, Gathered};
use trend::AtSpeed;

/// How much feedback a session gave.
#[derive(Debug, Clone, Serialize)]
pub struct Feedback {
    /// "on", "off" (no cue rules: a test, a ramp, --no-cues) or "retest".
    pub cues: &'static str,
    /// Share of the time cues were allowed on screen.
    pub share_allowed: Option<f64>,
    /// "session number" (the fading schedule), "visible_share" (set by hand) or "retest".
    pub share_from: Option<String>,
    /// The retraining session the fading schedule took.
    pub session_number: Option<u64>,
    /// Seconds a cue was due, and of those on the screen.
    pub cue_due_s: Option<f64>,
    pub cue_shown_s: Option<f64>,
    pub shown_share_of_due: Option<f64>,
}

/// One session of the course.
#[derive(Debug, Clone, Serialize)]
pub struct SessionLine {
    pub folder: String,
    /// `YYYY-MM-DD` (empty when unknown).
    pub date: String,
    pub visit: Option<Visit>,
    pub number: Option<u32>,
    /// In words: "retraining session 2".
    pub described: String,
    pub baseline: bool,
    pub compared: bool,
    pub refused_because: Option<String>,
    pub belt_speeds_kmh: Vec<Option<f64>>,
    pub counted_steps: usize,
    pub feedback: Option<Feedback>,
    /// The session's own report, relative to the runner's folder, when it has one.
    pub report: Option<String>,
}

/// `progress.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Progress {
    pub runner_folder: String,
    pub made_by: String,
    pub baseline: Option<String>,
    pub baseline_note: Option<String>,
    pub headline: String,
    pub smallest_detectable_change: &'static str,
    pub sessions: Vec<SessionLine>,
    pub speeds: Vec<AtSpeed>,
}

pub const SDC_DEFINITION: &str = "max(1.96 x sqrt(s1^2/n1 + s2^2/n2), the metric's floor): the 95 % limit of a difference of two sessions' step means from step-to-step scatter alone (Welch standard error), never below the camera's single-session resolution; the band around the baseline is that limit for a session like the baseline (s2 = s1, n2 = n1)";

pub struct ProgressOutputs {
    pub html: PathBuf,
    pub json: PathBuf,
    pub csv: PathBuf,
    pub progress: Progress,
}

impl std::fmt::Display for ProgressOutputs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let p = &self.progress;
        writeln!(f, "{}", p.headline)?;
        let compared = p.sessions.iter().filter(|s| s.compared).count();
        writeln!(f, "{compared} of {} sessions compared", p.sessions.len())?;
        for s in p.sessions.iter().filter(|s| !s.compared) {
            writeln!(
                f,
                "  not compared: {}: {}",
                s.folder,
                s.refused_because.as_deref().unwrap_or("?")
            )?;
        }
        writeln!(f, "progress: {}", self.html.display())?;
        writeln!(f, "data:     {}", self.json.display())?;
        writeln!(f, "table:    {}", self.csv.display())
    }
}

/// Reads the runner's folder and writes the three files into it.
pub fn run(runner: &Path) -> Result<ProgressOutputs> {
    if !runner.is_dir() {
        bail!(
            "runner folder '{}' not found: give the folder sessions were recorded into with --runner",
            runner.display()
        );
    }
    if runner.join("summary.json").is_file() {
        bail!(
            "'{}' is one session's folder: give the runner's folder that holds the sessions (its parent, when sessions were recorded with --runner)",
            runner.display()
        );
    }
    let g = sessions::gather(runner)
        .with_context(|| format!("runner folder '{}' cannot be read", runner.display()))?;
    let looks_like_sessions = g
        .entries
        .iter()
        .any(|e| e.session.is_some() || e.course.is_some());
    if !looks_like_sessions {
        bail!(
            "runner folder '{}' holds no session: record sessions into it with gaitcue live --runner or gaitcue analyze --runner",
            runner.display()
        );
    }
    let speeds = trend::follow(&g);
    let progress = Progress {
        runner_folder: runner.display().to_string(),
        made_by: format!("gaitcue {}", env!("CARGO_PKG_VERSION")),
        baseline: g.baseline().map(|b| b.folder.clone()),
        baseline_note: g.note.clone(),
        headline: headline::headline(&g, &speeds),
        smallest_detectable_change: SDC_DEFINITION,
        sessions: g
            .entries
            .iter()
            .enumerate()
            .map(|(i, e)| line(e, g.baseline == Some(i)))
            .collect(),
        speeds,
    };
    let json = runner.join("progress.json");
    write_atomically(
        &json,
        (serde_json::to_string_pretty(&progress)? + "\n").as_bytes(),
    )?;
    let csv = runner.join("progress.csv");
    write_atomically(&csv, &research_table(&g, &progress)?)?;
    let html = runner.join("progress.html");
    write_atomically(&html, page::render(&g, &progress)?.as_bytes())?;
    Ok(ProgressOutputs {
        html,
        json,
        csv,
        progress,
    })
}

fn line(e: &Entry, baseline: bool) -> SessionLine {
    let summary = e.session.as_ref().map(|s| &s.summary);
    SessionLine {
        folder: e.folder.clone(),
        date: e.date.clone(),
        visit: e.visit,
        number: e.course.map(|c| c.number),
        described: e.describe(),
        baseline,
        compared: e.refused.is_none(),
        refused_because: e.refused.clone(),
        belt_speeds_kmh: e.speeds.clone(),
        counted_steps: summary.map_or(0, |s| s.valid_steps),
        feedback: summary.map(|s| feedback(&s.feedback, &s.cue_rules)),
        report: e
            .session
            .as_ref()
            .filter(|s| s.dir.join("report.html").is_file())
            .map(|_| format!("{}/report.html", e.folder)),
    }
}

/// The feedback a summary records.
fn feedback(f: &Value, rules: &Value) -> Feedback {
    let off = rules.as_array().is_some_and(|r| r.is_empty());
    let retest = f["retest"] == true;
    Feedback {
        cues: if retest {
            "retest"
        } else if off {
            "off"
        } else {
            "on"
        },
        share_allowed: if off {
            Some(0.0)
        } else {
            f["visible_share_setting"].as_f64()
        },
        share_from: f["share_from"].as_str().map(String::from).filter(|_| !off),
        session_number: f["session_number"].as_u64().filter(|_| !off),
        cue_due_s: f["cue_due_s"].as_f64(),
        cue_shown_s: f["banner_up_s"].as_f64(),
        shown_share_of_due: f["banner_up_share_of_due"].as_f64(),
    }
}

/// Every readable session's medians and quartiles per belt speed, side and metric.
fn research_table(g: &Gathered, p: &Progress) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "session",
        "date",
        "visit",
        "number",
        "compared",
        "belt_speed_kmh",
        "side",
        "metric",
        "unit",
        "n",
        "median",
        "q1",
        "q3",
    ])?;
    let compared = METRICS
        .iter()
        .filter(|m| m.floor.is_some() && m.metric != Metric::BeltSpeed);
    for (e, line) in g.entries.iter().zip(&p.sessions) {
        for &speed in &e.speeds {
            for info in compared.clone() {
                for side in [Some("left"), Some("right"), None] {
                    let v = trend::values(e, info.metric, side, speed);
                    let Some((m, q1, q3)) = trend::quartiles(&v) else {
                        continue;
                    };
                    let d = info.decimals;
                    w.write_record([
                        e.folder.clone(),
                        line.date.clone(),
                        e.visit.map(|v| v.to_string()).unwrap_or_default(),
                        line.number.map(|n| n.to_string()).unwrap_or_default(),
                        line.compared.to_string(),
                        speed.map(|s| format!("{s:.1}")).unwrap_or_default(),
                        side.unwrap_or("both").to_string(),
                        info.name.to_string(),
                        info.unit.to_string(),
                        v.len().to_string(),
                        format!("{m:.d$}"),
                        format!("{q1:.d$}"),
                        format!("{q3:.d$}"),
                    ])?;
                }
            }
        }
    }
    Ok(w.into_inner()?)
}

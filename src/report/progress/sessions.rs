//! The sessions of a runner's folder, read from their files alone, in the order they were
//! recorded; the baseline (the first test) chosen; and every session that cannot be set
//! beside it refused with its reason in words: not a finished session, too few counted
//! steps, not running, another runner or a moved camera, the other side, another speed.

use std::path::Path;

use crate::analysis::validity::Gait;
use crate::analysis::Metric;
use crate::report::session::Session;
use crate::session::course::{self, Course, Visit};
use crate::session::steps::{Column, StepRow};
use crate::session::summary::MIN_VALID_STEPS;

/// Leg lengths in the image further apart than this share are another runner, or the same
/// runner filmed from another distance (as `compare` judges it).
const LEG_LENGTH_TOLERANCE: f64 = 0.10;
/// Belt speeds this close (km/h) are the same speed.
pub const SAME_SPEED_KMH: f64 = 0.3;

/// One subfolder of the runner's folder.
pub struct Entry {
    /// The subfolder's name.
    pub folder: String,
    /// `None`: not readable as a finished session (the reason is in `refused`).
    pub session: Option<Session>,
    /// The visit: from the summary's course, else from the folder's name, else a retest
    /// when the summary says it was one.
    pub visit: Option<Visit>,
    pub course: Option<Course>,
    /// `YYYY-MM-DD`: the folder name's date, else the day the summary was written.
    pub date: String,
    pub created_unix_s: u64,
    /// Why it is not set beside the baseline (`None`: it is).
    pub refused: Option<String>,
    /// Belt speeds with enough counted steps to compare, km/h (`None`: no speed given).
    pub speeds: Vec<Option<f64>>,
}

impl Entry {
    /// "retraining session 2", or the folder's name when the course is unknown.
    pub fn describe(&self) -> String {
        match (self.course, self.visit) {
            (Some(c), _) => c.describe(),
            (None, Some(Visit::Retest)) => "retest".to_string(),
            _ => format!("session {}", self.folder),
        }
    }

    /// A short axis label: "First test", "Session 2", "Retest".
    pub fn short(&self) -> String {
        match (self.visit, self.course.map(|c| c.number)) {
            (Some(Visit::Test), Some(1) | None) => "First test".into(),
            (Some(Visit::Test), Some(n)) => format!("Test {n}"),
            (Some(Visit::Retrain), Some(n)) => format!("Session {n}"),
            (Some(Visit::Retest), Some(1) | None) => "Retest".into(),
            (Some(Visit::Retest), Some(n)) => format!("Retest {n}"),
            _ => self.folder.chars().take(12).collect(),
        }
    }
}

/// A runner's sessions, oldest first.
pub struct Gathered {
    pub entries: Vec<Entry>,
    /// Index of the baseline in `entries`.
    pub baseline: Option<usize>,
    /// How the baseline was chosen when no session is marked as a test.
    pub note: Option<String>,
}

impl Gathered {
    pub fn baseline(&self) -> Option<&Entry> {
        self.baseline.map(|i| &self.entries[i])
    }

    /// The sessions set beside the baseline (the baseline first).
    pub fn accepted(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| e.refused.is_none())
    }
}

/// Reads every subfolder of `runner`.
pub fn gather(runner: &Path) -> std::io::Result<Gathered> {
    let mut entries: Vec<Entry> = Vec::new();
    for dir in std::fs::read_dir(runner)?.flatten() {
        let hidden = dir.file_name().to_string_lossy().starts_with('.');
        if hidden || !dir.path().is_dir() {
            continue;
        }
        entries.push(read(&dir.path(), &dir.file_name().to_string_lossy()));
    }
    // Oldest first by the day recorded (the folder's date; the summary's time only says
    // when it was analysed), then test, retraining, retest, by number; folders that could
    // not be read last, by name.
    entries.sort_by_key(|e| {
        (
            e.session.is_none(),
            e.date.clone(),
            e.visit,
            e.course.map(|c| c.number),
            e.created_unix_s,
            e.folder.clone(),
        )
    });
    // The baseline: the first comparable test with a belt speed held long enough.
    let usable = |e: &Entry| e.refused.is_none() && !e.speeds.is_empty();
    let baseline = entries
        .iter()
        .position(|e| usable(e) && e.visit == Some(Visit::Test));
    let (baseline, note) = match baseline {
        Some(i) => (Some(i), None),
        None => {
            let first = entries.iter().position(usable);
            let note = first.map(|i| {
                format!(
                    "no session is marked as the first test (--visit test): the earliest session that can be compared, {}, is the baseline",
                    entries[i].folder
                )
            });
            (first, note)
        }
    };
    if let Some(b) = baseline {
        let reasons: Vec<Option<String>> = entries
            .iter()
            .enumerate()
            .map(|(i, e)| {
                if i == b || e.refused.is_some() {
                    e.refused.clone()
                } else if i < b && e.session.is_some() {
                    Some(format!(
                        "recorded before {}, which the course is measured from",
                        entries[b].describe()
                    ))
                } else {
                    against_baseline(e, &entries[b])
                }
            })
            .collect();
        for (e, r) in entries.iter_mut().zip(reasons) {
            e.refused = r;
        }
    } else {
        for e in entries.iter_mut().filter(|e| e.refused.is_none()) {
            e.refused = Some(no_speed_held());
        }
    }
    Ok(Gathered {
        entries,
        baseline,
        note,
    })
}

/// One session folder, with what makes it unusable on its own.
fn read(dir: &Path, folder: &str) -> Entry {
    let named = course::parse_folder_name(folder);
    let named_course = named.map(|(visit, number)| Course {
        visit,
        number,
        retrain_before: 0,
    });
    let folder_date = course::folder_date(folder).map(String::from);
    let unreadable = |why: String| Entry {
        folder: folder.to_string(),
        session: None,
        visit: named.map(|n| n.0),
        course: named_course,
        date: folder_date.clone().unwrap_or_default(),
        created_unix_s: 0,
        refused: Some(why),
        speeds: Vec::new(),
    };
    if !dir.join("summary.json").exists() {
        return unreadable(
            "no summary.json: not a finished gaitcue session (still recording, stopped before its end, or another kind of folder)".to_string(),
        );
    }
    let session = match Session::load(dir) {
        Ok(s) => s,
        Err(e) => return unreadable(format!("not readable as a gaitcue session: {e:#}")),
    };
    let summary = &session.summary;
    let course = summary.session.course.or(named_course);
    let retest = summary.feedback["retest"] == true;
    let visit = course.map(|c| c.visit).or(retest.then_some(Visit::Retest));
    let counted_by_earlier_version =
        summary.steps > 0 && summary.valid_steps == 0 && summary.gait_steps.is_empty();
    let refused = if summary.session.run.get("interrupted") == Some(&true.into()) {
        Some("stopped before the end of its video (interrupted): analyse the whole video again".to_string())
    } else if counted_by_earlier_version {
        Some(format!(
            "made by an earlier gaitcue ({}) that did not record which steps were counted: run gaitcue analyze on its keypoints.jsonl again",
            summary.session.gaitcue_version.as_deref().unwrap_or("version not recorded")
        ))
    } else if summary.gait == Gait::Walking {
        Some(format!("not a running session ({})", summary.gait))
    } else if summary.valid_steps < MIN_VALID_STEPS {
        Some(format!(
            "too few counted running steps: {} of the {MIN_VALID_STEPS} needed (its report says why steps were not counted)",
            summary.valid_steps
        ))
    } else if summary.gait != Gait::Running {
        Some(format!("not a running session ({})", summary.gait))
    } else {
        None
    };
    let speeds = speeds(&session);
    let date = folder_date.unwrap_or_else(|| day(summary.session.created_unix_s));
    Entry {
        folder: folder.to_string(),
        visit,
        course,
        date,
        created_unix_s: summary.session.created_unix_s,
        refused,
        speeds,
        session: Some(session),
    }
}

/// `YYYY-MM-DD` of a Unix time (empty when unknown).
pub fn day(unix_s: u64) -> String {
    if unix_s == 0 {
        return String::new();
    }
    time::OffsetDateTime::from_unix_timestamp(unix_s as i64)
        .ok()
        .and_then(|t| {
            t.format(time::macros::format_description!("[year]-[month]-[day]"))
                .ok()
        })
        .unwrap_or_default()
}

fn no_speed_held() -> String {
    format!("no belt speed held for {MIN_VALID_STEPS} counted steps, so there is no speed to compare at")
}

/// A counted step's belt speed to 0.1 km/h: its own column, or for files written before
/// steps carried it, the speed typed for the session.
pub fn step_speed(s: &Session, row: &StepRow) -> Option<f64> {
    let v = if row.has(Column::Metric(Metric::BeltSpeed)) {
        row.value(Metric::BeltSpeed)
    } else {
        s.typed_belt_speed_kmh()
    };
    v.map(|v| (v * 10.0).round() / 10.0)
}

/// The belt speeds a session ran at with at least [`MIN_VALID_STEPS`] counted steps, to
/// 0.1 km/h (a speed-ramp test has one per stage); `None` when no speed was given. Each
/// step joins the first speed group it matches.
fn speeds(s: &Session) -> Vec<Option<f64>> {
    let mut counts: Vec<(Option<f64>, usize)> = Vec::new();
    for row in s.steps.iter().filter(|r| r.text(Column::Valid) != "false") {
        let v = step_speed(s, row);
        match counts.iter_mut().find(|(k, _)| same_speed(*k, v)) {
            Some((_, n)) => *n += 1,
            None => counts.push((v, 1)),
        }
    }
    counts
        .into_iter()
        .filter(|(_, n)| *n >= MIN_VALID_STEPS)
        .map(|(k, _)| k)
        .collect()
}

/// Two belt speeds within [`SAME_SPEED_KMH`], or both not given.
pub fn same_speed(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() <= SAME_SPEED_KMH,
        (None, None) => true,
        _ => false,
    }
}

/// A speed in words: "10.0 km/h", or "no belt speed given".
pub fn speed_words(v: Option<f64>) -> String {
    v.map_or("no belt speed given".to_string(), |v| format!("{v:.1} km/h"))
}

/// Why `e` cannot be set beside the baseline `b` (`None`: it can).
fn against_baseline(e: &Entry, b: &Entry) -> Option<String> {
    let (s, base) = (e.session.as_ref()?, b.session.as_ref()?);
    let (r, rb) = (&s.summary.runner, &base.summary.runner);
    if let (Some(a), Some(l)) = (r.leg_length_px, rb.leg_length_px) {
        let apart = (a - l).abs() / a.min(l);
        if apart > LEG_LENGTH_TOLERANCE {
            return Some(format!(
                "another runner, or the camera moved: the leg measures {a:.0} px in the picture against {l:.0} px at the first test ({:.0} % apart)",
                100.0 * apart
            ));
        }
    }
    if let (Some(a), Some(f)) = (&r.facing, &rb.facing) {
        if a != f {
            return Some(format!(
                "filmed from the other side: the runner faces {a}, at the first test {f}"
            ));
        }
    }
    let common = e
        .speeds
        .iter()
        .any(|v| b.speeds.iter().any(|w| same_speed(*v, *w)));
    if e.speeds.is_empty() {
        return Some(no_speed_held());
    }
    if !common {
        let list = |v: &[Option<f64>]| v.iter().map(|x| speed_words(*x)).collect::<Vec<_>>().join(", ");
        return Some(format!(
            "run at another belt speed: {}, while your first test was at {}; running changes with speed, so only the same speed is compared",
            list(&e.speeds),
            list(&b.speeds)
        ));
    }
    None
}

//! A runner's course of sessions: test, retraining sessions with fading feedback, retest
//! [Crowell & Davis 2011; Willy 2012]. Each session of a runner's folder is a subfolder
//! named `YYYY-MM-DD-VISIT-N` (e.g. `2026-12-05-retrain-2`: the second retraining session),
//! and its summary records the same as [`Course`]. The names alone tell how many retraining
//! sessions came before, so the fading schedule follows from the folder even while an
//! earlier session is still being written.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use anyhow::{bail, Result};
use serde::{Deserialize, Serialize};

/// What a session is in the course.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Visit {
    /// The first measurement, without cues.
    Test,
    /// A retraining session: cues, fading as the sessions go on.
    Retrain,
    /// The measurement after retraining, without cues.
    Retest,
}

impl Visit {
    pub const ALL: [Visit; 3] = [Visit::Test, Visit::Retrain, Visit::Retest];

    pub fn name(self) -> &'static str {
        match self {
            Visit::Test => "test",
            Visit::Retrain => "retrain",
            Visit::Retest => "retest",
        }
    }
}

impl fmt::Display for Visit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Visit {
    type Err = anyhow::Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "test" | "baseline" => Ok(Visit::Test),
            "retrain" | "retraining" | "training" => Ok(Visit::Retrain),
            "retest" => Ok(Visit::Retest),
            other => bail!("'{other}' is not a visit: give test, retrain or retest"),
        }
    }
}

/// Where a session stands in its runner's course (`summary.json`'s `session.course`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Course {
    pub visit: Visit,
    /// Which session of that kind: the 2nd retraining session is 2.
    pub number: u32,
    /// Retraining sessions in the runner's folder before this one.
    pub retrain_before: u32,
}

impl Course {
    /// The folder name for this session on `date` (`YYYY-MM-DD`).
    pub fn folder_name(&self, date: &str) -> String {
        format!("{date}-{}-{}", self.visit, self.number)
    }

    /// In words: "first test", "retraining session 2", "retest".
    pub fn describe(&self) -> String {
        match (self.visit, self.number) {
            (Visit::Test, 1) => "first test".to_string(),
            (Visit::Test, n) => format!("test {n}"),
            (Visit::Retrain, n) => format!("retraining session {n}"),
            (Visit::Retest, 1) => "retest".to_string(),
            (Visit::Retest, n) => format!("retest {n}"),
        }
    }
}

/// The visit and number in a session folder's name `YYYY-MM-DD-VISIT-N`.
pub fn parse_folder_name(name: &str) -> Option<(Visit, u32)> {
    let mut parts = name.rsplitn(3, '-');
    let number = parts.next()?.parse::<u32>().ok().filter(|n| *n > 0)?;
    let kind = parts.next()?;
    let visit = Visit::ALL.into_iter().find(|v| v.name() == kind)?;
    let date = parts.next()?;
    let digits = date.split('-').map(|p| p.len()).collect::<Vec<_>>();
    let is_date = digits == [4, 2, 2] && date.chars().all(|c| c.is_ascii_digit() || c == '-');
    is_date.then_some((visit, number))
}

/// The date (`YYYY-MM-DD`) in a session folder's name `YYYY-MM-DD-VISIT-N`.
pub fn folder_date(name: &str) -> Option<&str> {
    parse_folder_name(name)?;
    name.get(..10)
}

/// The sessions already in a runner's folder, by their names: (visit, number) each.
pub fn earlier(runner: &Path) -> Vec<(Visit, u32)> {
    let Ok(entries) = std::fs::read_dir(runner) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|e| e.path().is_dir())
        .filter_map(|e| parse_folder_name(&e.file_name().to_string_lossy()))
        .collect()
}

/// The next session in a runner's folder: of `visit` (unset: a test when the folder holds
/// no session yet, else a retraining session), numbered after the earlier ones of its kind.
pub fn next(earlier: &[(Visit, u32)], visit: Option<Visit>) -> Course {
    let visit = visit.unwrap_or(if earlier.is_empty() {
        Visit::Test
    } else {
        Visit::Retrain
    });
    let highest = |kind: Visit| {
        earlier
            .iter()
            .filter(|(v, _)| *v == kind)
            .map(|(_, n)| *n)
            .max()
            .unwrap_or(0)
    };
    Course {
        visit,
        number: highest(visit) + 1,
        retrain_before: earlier.iter().filter(|(v, _)| *v == Visit::Retrain).count() as u32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_names_round_trip_and_foreign_names_are_not_sessions() {
        let c = Course {
            visit: Visit::Retrain,
            number: 12,
            retrain_before: 11,
        };
        let name = c.folder_name("2026-12-05");
        assert_eq!(name, "2026-12-05-retrain-12");
        assert_eq!(parse_folder_name(&name), Some((Visit::Retrain, 12)));
        assert_eq!(folder_date(&name), Some("2026-12-05"));
        for foreign in [
            "retrain-1",
            "2026-12-05-walk-1",
            "2026-12-05-test-0",
            "26-1-5-test-1",
            "notes",
        ] {
            assert_eq!(parse_folder_name(foreign), None, "{foreign}");
            assert_eq!(folder_date(foreign), None, "{foreign}");
        }
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(serde_json::from_str::<Course>(&json).unwrap(), c);
        assert!(json.contains("\"retrain\""));
    }

    #[test]
    fn a_first_session_is_the_test_and_later_ones_retrain_counted_by_kind() {
        assert_eq!(next(&[], None).visit, Visit::Test);
        let earlier = [(Visit::Test, 1), (Visit::Retrain, 1), (Visit::Retrain, 2)];
        let c = next(&earlier, None);
        assert_eq!((c.visit, c.number, c.retrain_before), (Visit::Retrain, 3, 2));
        let c = next(&earlier, Some(Visit::Retest));
        assert_eq!((c.visit, c.number, c.retrain_before), (Visit::Retest, 1, 2));
        // A gap in the numbers (a session deleted) never reuses a name.
        let c = next(&[(Visit::Retrain, 4)], Some(Visit::Retrain));
        assert_eq!((c.number, c.retrain_before), (5, 1));
        assert!("Retraining".parse::<Visit>().is_ok());
        assert!("warmup".parse::<Visit>().is_err());
    }
}

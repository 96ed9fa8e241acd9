//! `events.csv`: what happened when in a live session (phase marks, recordings, cues,
//! belt speeds, source problems), one row per event with its media time in seconds,
//! flushed row by row so a crash keeps every event before it.

use std::fs::File;
use std::path::Path;

use anyhow::{anyhow, Context, Result};
use serde::{Deserialize, Serialize};

/// One row of the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Media time of the session, seconds.
    pub t_s: f64,
    /// What happened, in words.
    pub event: String,
}

/// The session's event log. Logging cannot fail: when the disk refuses a row, that is said
/// once on the terminal and the session goes on without its log.
pub struct EventLog {
    out: Option<csv::Writer<File>>,
}

impl EventLog {
    /// Starts `events.csv` in `dir`.
    pub fn create(dir: &Path) -> Result<Self> {
        let path = dir.join("events.csv");
        let file = File::create(&path).with_context(|| format!("creating '{}'", path.display()))?;
        // The header is written here, so that an empty log is a well-formed file.
        let mut out = csv::WriterBuilder::new().has_headers(false).from_writer(file);
        out.write_record(["t_s", "event"])
            .and_then(|_| out.flush().map_err(Into::into))
            .with_context(|| format!("writing '{}' (is the disk full?)", path.display()))?;
        Ok(Self { out: Some(out) })
    }

    /// Appends what happened at media time `t` (seconds).
    pub fn log(&mut self, t: f64, event: &str) {
        let Some(out) = &mut self.out else { return };
        // Milliseconds, always three decimals, as the file has always held them.
        let row = [format!("{t:.3}"), event.to_string()];
        if let Err(e) = out
            .write_record(&row)
            .map_err(anyhow::Error::from)
            .and_then(|_| Ok(out.flush()?))
        {
            eprintln!("gaitcue: events.csv no longer written: {e} (is the disk full?)");
            self.out = None;
        }
    }
}

/// The events of `events.csv` at `path`, in file order; an error names the file and row.
pub fn read(path: &Path) -> Result<Vec<Event>> {
    let mut reader =
        csv::Reader::from_path(path).map_err(|e| anyhow!("'{}' cannot be read ({e})", path.display()))?;
    reader
        .deserialize()
        .enumerate()
        .map(|(i, row)| row.map_err(|e| anyhow!("'{}' row {}: {e}", path.display(), i + 2)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_written_read_back_with_commas_and_quotes_intact() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = EventLog::create(dir.path()).unwrap();
        let said = [
            (0.0, "recording started"),
            (12.3456, "phase retrain"),
            (15.0, "cue \"Run long\" shown, 3 of 4"),
        ];
        for (t, e) in said {
            log.log(t, e);
        }
        drop(log);
        let read = read(&dir.path().join("events.csv")).unwrap();
        let expected: Vec<Event> = said
            .iter()
            .map(|(t, e)| Event {
                t_s: (t * 1000.0_f64).round() / 1000.0,
                event: e.to_string(),
            })
            .collect();
        assert_eq!(read, expected);
        let text = std::fs::read_to_string(dir.path().join("events.csv")).unwrap();
        assert!(
            text.starts_with("t_s,event\n0.000,recording started\n12.346,"),
            "{text}"
        );
    }

    #[test]
    fn a_damaged_row_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.csv");
        std::fs::write(&path, "t_s,event\n1.5,started\nsoon,stopped\n").unwrap();
        let err = read(&path).unwrap_err().to_string();
        assert!(err.contains("events.csv' row 3"), "{err}");
    }
}

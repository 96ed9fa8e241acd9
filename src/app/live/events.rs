//! `events.csv`: what happened when in a live session.

use std::io::Write;

use anyhow::{Context, Result};

/// `events.csv`: what happened when (phase marks, recordings, cues, source problems),
/// flushed line by line.
pub(super) struct EventLog {
    pub(super) out: std::fs::File,
    pub(super) failed: bool,
}

impl EventLog {
    pub(super) fn create(dir: &std::path::Path) -> Result<Self> {
        let path = dir.join("events.csv");
        let mut out =
            std::fs::File::create(&path).with_context(|| format!("creating '{}'", path.display()))?;
        writeln!(out, "t_s,event")?;
        Ok(Self { out, failed: false })
    }

    /// Appends one event; a failure (disk full) is reported once and the session goes on.
    pub(super) fn log(&mut self, t: f64, event: &str) -> Result<()> {
        if self.failed {
            return Ok(());
        }
        if let Err(e) = writeln!(self.out, "{t:.3},\"{}\"", event.replace('"', "'")) {
            self.failed = true;
            eprintln!("gaitcue: events.csv no longer written: {e} (is the disk full?)");
        }
        Ok(())
    }
}

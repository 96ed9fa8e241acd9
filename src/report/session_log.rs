//! What happened during a live session, as the clinician saw it: the snapshots taken and
//! the event log (phases, recordings, cues, belt speeds, source problems).

use anyhow::{Context, Result};

use super::html::{esc, Html};
use super::session::Session;
use crate::session::events;

/// The snapshots taken during a live session (already blurred when they were saved).
pub(super) fn snapshots(page: &mut Html, s: &Session) -> Result<()> {
    let shots = crate::record::snapshot::list(&s.dir);
    if shots.is_empty() {
        return Ok(());
    }
    page.h2("Snapshots");
    let figures = shots
        .iter()
        .map(|p| -> Result<(String, String)> {
            let bytes = std::fs::read(p).with_context(|| format!("reading '{}'", p.display()))?;
            let src = format!(
                "data:image/png;base64,{}",
                base64::Engine::encode(&base64::engine::general_purpose::STANDARD, bytes)
            );
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            Ok((src, format!("{name}: the screen as the runner saw it")))
        })
        .collect::<Result<Vec<_>>>()?;
    page.raw("<div class=snapshots>");
    page.stills(&figures);
    page.raw("</div>");
    Ok(())
}

/// The event log as a table of media times and events, folded away (a long session logs
/// every cue); a log that cannot be read is said, not fatal.
pub(super) fn events(page: &mut Html, s: &Session) {
    let path = s.dir.join("events.csv");
    if !path.exists() {
        return;
    }
    match events::read(&path) {
        Ok(list) if list.is_empty() => {}
        Ok(list) => {
            page.h2("What happened when");
            page.raw(&format!(
                "<details><summary>{} events of the session</summary>",
                list.len()
            ));
            let rows = list
                .iter()
                .map(|e| {
                    let whole = e.t_s.max(0.0).round() as u64;
                    vec![format!("{}:{:02}", whole / 60, whole % 60), esc(&e.event)]
                })
                .collect();
            page.table(&["time (min:s)", "event"], rows);
            page.raw("</details>");
        }
        Err(e) => page.warning(&format!("The session's event log could not be read: {e:#}")),
    }
}

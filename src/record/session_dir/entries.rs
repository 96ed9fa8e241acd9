//! What a session writes in its folder: the names it uses, the entries found there, and
//! whether an input lies among them.

use std::fs;
use std::path::{Component, Path, PathBuf};

use anyhow::{Context, Result};

/// Files and folders a session writes.
const SESSION_NAMES: &[&str] = &[
    "summary.json",
    "steps.csv",
    "keypoints.jsonl",
    "events.csv",
    "annotated.mp4",
    "report.html",
    "clips",
    "snapshots",
];
/// Numbered recordings of `live`: prefix and extension.
const NUMBERED: &[(&str, &str)] = &[
    ("annotated-", ".ts"),
    ("annotated-", ".frames"),
    ("raw-", ".ts"),
    ("preroll-", ".ts"),
];

/// Whether a file or folder of this name is one a session writes.
pub fn is_session_entry(name: &str) -> bool {
    SESSION_NAMES.contains(&name)
        || NUMBERED
            .iter()
            .any(|(prefix, ext)| name.starts_with(prefix) && name.ends_with(ext))
}

/// The entries of `dir` that a session wrote.
pub(super) fn session_entries(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir).with_context(|| format!("reading '{}'", dir.display()))? {
        let entry = entry?;
        if is_session_entry(&entry.file_name().to_string_lossy()) {
            found.push(entry.path());
        }
    }
    found.sort();
    Ok(found)
}

/// Whether `input` is, or lies inside, something a session writes in `dir`.
pub(super) fn would_write_over(dir: &Path, input: &Path) -> bool {
    let (Ok(dir), Ok(input)) = (dir.canonicalize(), input.canonicalize()) else {
        return false;
    };
    match input
        .strip_prefix(&dir)
        .ok()
        .and_then(|rel| rel.components().next())
    {
        Some(Component::Normal(first)) => is_session_entry(&first.to_string_lossy()),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::session_dir::SessionDir;

    #[test]
    fn an_input_among_the_session_files_is_refused_and_others_are_not() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("clips")).unwrap();
        for name in [
            "annotated.mp4",
            "clips/worst-1.mp4",
            "annotated-002.ts",
            "raw-footage.mp4",
        ] {
            fs::write(dir.path().join(name), "x").unwrap();
        }
        for name in ["annotated.mp4", "clips/worst-1.mp4", "annotated-002.ts"] {
            let input = dir.path().join(name);
            let err = SessionDir::open(dir.path(), "analyze", &[&input], true)
                .unwrap_err()
                .to_string();
            assert!(err.contains("would be written over"), "{name}: {err}");
        }
        let own = dir.path().join("raw-footage.mp4");
        SessionDir::open(dir.path(), "analyze", &[&own], true).unwrap();
    }
}

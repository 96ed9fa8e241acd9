//! Every whole file of a session (summary, report, rewritten steps, snapshots) is written
//! through a temporary name in the same folder and renamed over the old one.

use std::fs;
use std::path::Path;

use anyhow::{Context, Result};

/// Writes `bytes` to `path` through a temporary name in the same folder, so a reader (or
/// a crash) never sees half a file and the earlier file stays until the new one is whole.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let partial = path.with_file_name(format!(".{name}.partial"));
    let written = fs::write(&partial, bytes).and_then(|()| fs::rename(&partial, path));
    if written.is_err() {
        // A full disk leaves no half-written file behind; what was there before stays.
        let _ = fs::remove_file(&partial);
    }
    written.with_context(|| format!("writing '{}'", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_new_file_replaces_the_old_whole_and_a_failure_leaves_the_old_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("summary.json");
        std::fs::write(&path, "old").unwrap();
        write_atomically(&path, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        // A folder in the way of the rename: the write fails, the old file and no
        // temporary file remain.
        let blocked = dir.path().join("report.html");
        std::fs::create_dir(&blocked).unwrap();
        std::fs::write(blocked.join("inside"), "x").unwrap();
        assert!(write_atomically(&blocked, b"new").is_err());
        assert!(blocked.join("inside").exists());
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(!left.iter().any(|n| n.ends_with(".partial")), "{left:?}");
    }
}

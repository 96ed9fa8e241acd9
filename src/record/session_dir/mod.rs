//! Session folders that never lose data.
//!
//! - One session writes a folder at a time: a lock file names its holder, and a second
//!   session into the same folder is refused with that name. The lock is the operating
//!   system's, so a killed session leaves no stale lock behind.
//! - A folder that holds an earlier session is refused unless `--overwrite` is given.
//! - An input that lies among the files a session writes (its own `annotated.mp4`, a
//!   recording, `keypoints.jsonl`) is refused: it would be written over.
//! - `analyze` writes into a staging folder inside the session folder and moves the
//!   results in when they are complete ([`SessionDir::commit`]); a failed run leaves the
//!   earlier results whole and its own in an `incomplete-…` folder beside them.
//! - Default folder names never collide: [`claim_default`] creates the folder atomically.

mod entries;
mod names;

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use super::prepare_output_dir;
pub use entries::is_session_entry;
use entries::{session_entries, would_write_over};
use names::free_name;
pub use names::{claim_default, claim_in_runner, release_if_empty, stamp};

const LOCK: &str = ".gaitcue.lock";
const STAGE_PREFIX: &str = ".gaitcue-partial-";
/// An earlier session's entries are moved here while a commit replaces them, and deleted
/// once the new ones are in: a crash in between leaves both sessions whole, never mixed.
const REPLACED_PREFIX: &str = ".gaitcue-replaced-";

/// A session folder held by this process (the lock is released when it is dropped).
#[derive(Debug)]
pub struct SessionDir {
    dir: PathBuf,
    _lock: File,
    /// The earlier session's files and folders found when the folder was opened.
    earlier: Vec<PathBuf>,
}

impl SessionDir {
    /// Opens `dir` for a session of `command`: creates it, takes its lock, refuses an
    /// input among the files a session writes there, and refuses a folder holding an
    /// earlier session unless `overwrite`. Nothing is deleted here.
    pub fn open(dir: &Path, command: &str, inputs: &[&Path], overwrite: bool) -> Result<Self> {
        let held = Self::lock(dir, command)?;
        let shown = dir.display();
        for input in inputs {
            if would_write_over(dir, input) {
                bail!(
                    "'{}' is one of the files a session writes in '{shown}' and would be written over: copy it elsewhere or choose another --out",
                    input.display()
                );
            }
        }
        if !held.earlier.is_empty() && !overwrite {
            let names: Vec<String> = held
                .earlier
                .iter()
                .take(4)
                .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                .collect();
            bail!(
                "output folder '{shown}' already holds a session ({}{}): choose another --out, or add --overwrite to replace it",
                names.join(", "),
                if held.earlier.len() > 4 { ", …" } else { "" }
            );
        }
        Ok(held)
    }

    /// Takes the folder's lock without judging what it holds (`report` rewrites the
    /// report of the session it reads).
    pub fn lock(dir: &Path, command: &str) -> Result<Self> {
        prepare_output_dir(dir)?;
        let shown = dir.display();
        let path = dir.join(LOCK);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .with_context(|| format!("output folder '{shown}': cannot create its lock file"))?;
        if file.try_lock().is_err() {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = holder.trim();
            bail!(
                "output folder '{shown}' is in use by another gaitcue session ({}): wait for it to end or choose another --out",
                if holder.is_empty() { "unknown" } else { holder }
            );
        }
        let started = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        let text = format!(
            "gaitcue {command}, process {}, started {started}",
            std::process::id()
        );
        file.set_len(0)
            .and_then(|_| file.rewind())
            .and_then(|_| file.write_all(text.as_bytes()))
            .with_context(|| format!("writing '{}'", path.display()))?;
        // What a killed run left (its staging folder, or an earlier session it was
        // replacing) is nobody's now that the lock is ours: kept in view, never deleted.
        for entry in fs::read_dir(dir).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let kind = if name.starts_with(STAGE_PREFIX) {
                "incomplete"
            } else if name.starts_with(REPLACED_PREFIX) {
                "replaced"
            } else {
                continue;
            };
            let path = entry.path();
            if fs::remove_dir(&path).is_err() {
                let _ = fs::rename(&path, free_name(dir, kind));
            }
        }
        Ok(Self {
            dir: dir.to_path_buf(),
            _lock: file,
            earlier: session_entries(dir)?,
        })
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Whether the folder held an earlier session when it was opened.
    pub fn holds_earlier(&self) -> bool {
        !self.earlier.is_empty()
    }

    /// A fresh, empty staging folder inside the session folder (same disk, so the
    /// results move in by renaming).
    pub fn stage(&self) -> Result<PathBuf> {
        let stage = self.dir.join(format!("{STAGE_PREFIX}{}", std::process::id()));
        if stage.exists() {
            fs::remove_dir_all(&stage).with_context(|| format!("clearing '{}'", stage.display()))?;
        }
        fs::create_dir(&stage).with_context(|| format!("creating '{}'", stage.display()))?;
        Ok(stage)
    }

    /// Moves everything in `stage` into the folder, replacing the earlier session: its
    /// entries the new run did not write are removed too, so the folder never mixes two
    /// sessions. Each move is a rename on one disk.
    pub fn commit(&mut self, stage: &Path) -> Result<()> {
        let trash = self.dir.join(format!("{REPLACED_PREFIX}{}", std::process::id()));
        if !self.earlier.is_empty() {
            fs::create_dir_all(&trash).with_context(|| format!("creating '{}'", trash.display()))?;
            for old in self.earlier.drain(..) {
                if let Some(name) = old.file_name() {
                    fs::rename(&old, trash.join(name))
                        .with_context(|| format!("moving aside '{}'", old.display()))?;
                }
            }
        }
        for entry in fs::read_dir(stage).with_context(|| format!("reading '{}'", stage.display()))? {
            let entry = entry?;
            let target = self.dir.join(entry.file_name());
            fs::rename(entry.path(), &target)
                .with_context(|| format!("moving the results into '{}'", target.display()))?;
        }
        fs::remove_dir(stage).with_context(|| format!("removing '{}'", stage.display()))?;
        if trash.exists() {
            fs::remove_dir_all(&trash).with_context(|| format!("removing '{}'", trash.display()))?;
        }
        Ok(())
    }

    /// Keeps a failed run's results apart from the earlier session, which stays whole:
    /// `stage` becomes `incomplete-<time>` in the session folder.
    pub fn set_aside(&self, stage: &Path) -> Result<PathBuf> {
        let target = free_name(&self.dir, "incomplete");
        fs::rename(stage, &target).with_context(|| format!("moving '{}'", stage.display()))?;
        Ok(target)
    }

    /// Removes the earlier session's files (for `live --overwrite`, once the source has
    /// delivered and the session is about to write).
    pub fn clear_earlier(&mut self) -> Result<()> {
        for old in self.earlier.drain(..) {
            remove(&old)?;
        }
        Ok(())
    }
}

fn remove(path: &Path) -> Result<()> {
    let result = match fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => fs::remove_dir_all(path),
        Ok(_) => fs::remove_file(path),
        Err(_) => return Ok(()),
    };
    result.with_context(|| format!("replacing '{}'", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_session_is_refused_and_named_while_the_first_holds_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let first = SessionDir::open(dir.path(), "live", &[], false).unwrap();
        let err = SessionDir::open(dir.path(), "analyze", &[], false)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("in use by another gaitcue session (gaitcue live, process"),
            "{err}"
        );
        drop(first);
        SessionDir::open(dir.path(), "analyze", &[], false).unwrap();
    }

    #[test]
    fn earlier_results_are_refused_without_overwrite_and_replaced_whole_with_it() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("summary.json"), "old").unwrap();
        fs::write(dir.path().join("annotated-001.ts"), "old").unwrap();
        fs::write(dir.path().join("notes.txt"), "the clinician's").unwrap();
        let err = SessionDir::open(dir.path(), "analyze", &[], false)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("already holds a session (annotated-001.ts, summary.json)"),
            "{err}"
        );
        assert!(err.contains("--overwrite"), "{err}");
        let mut held = SessionDir::open(dir.path(), "analyze", &[], true).unwrap();
        let stage = held.stage().unwrap();
        fs::write(stage.join("summary.json"), "new").unwrap();
        fs::create_dir(stage.join("clips")).unwrap();
        held.commit(&stage).unwrap();
        let mut names: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| !n.starts_with('.'))
            .collect();
        names.sort();
        assert_eq!(names, ["clips", "notes.txt", "summary.json"]);
        assert_eq!(
            fs::read_to_string(dir.path().join("summary.json")).unwrap(),
            "new"
        );
    }

    #[test]
    fn what_a_killed_run_left_is_kept_in_view() {
        let dir = tempfile::tempdir().unwrap();
        let stale = dir.path().join(format!("{STAGE_PREFIX}99999"));
        fs::create_dir(&stale).unwrap();
        fs::write(stale.join("steps.csv"), "partial").unwrap();
        let replaced = dir.path().join(format!("{REPLACED_PREFIX}99999"));
        fs::create_dir(&replaced).unwrap();
        fs::write(replaced.join("summary.json"), "old").unwrap();
        SessionDir::lock(dir.path(), "report").unwrap();
        let mut names: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n != LOCK)
            .collect();
        names.sort();
        assert_eq!(names.len(), 2, "{names:?}");
        assert!(
            names[0].starts_with("incomplete-") && names[1].starts_with("replaced-"),
            "{names:?}"
        );
    }

    #[test]
    fn a_failed_run_is_set_aside_and_the_earlier_session_stays() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("steps.csv"), "old").unwrap();
        let held = SessionDir::open(dir.path(), "analyze", &[], true).unwrap();
        let stage = held.stage().unwrap();
        fs::write(stage.join("steps.csv"), "partial").unwrap();
        let kept = held.set_aside(&stage).unwrap();
        assert_eq!(fs::read_to_string(dir.path().join("steps.csv")).unwrap(), "old");
        assert_eq!(fs::read_to_string(kept.join("steps.csv")).unwrap(), "partial");
        assert!(kept
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("incomplete-"));
    }
}

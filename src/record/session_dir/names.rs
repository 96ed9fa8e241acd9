//! Folder names: a default session folder claimed without collisions, and given back when a
//! failed run left nothing in it; names stamped with the time for what is set aside.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use super::LOCK;
use crate::session::course::Course;

/// Creates a new folder named `base`, or `base-2`, `base-3`… when that exists, and
/// returns it. `create_dir` is atomic, so two sessions started at once never share one.
pub fn claim_default(base: &Path) -> Result<PathBuf> {
    if let Some(parent) = base.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).with_context(|| {
            format!(
                "output folder '{}' cannot be created: choose a writable --out",
                parent.display()
            )
        })?;
    }
    let name = base
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    for n in 1..10_000 {
        let candidate = if n == 1 {
            base.to_path_buf()
        } else {
            base.with_file_name(format!("{name}-{n}"))
        };
        match fs::create_dir(&candidate) {
            Ok(()) => return Ok(candidate),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => bail!(
                "output folder '{}' cannot be created ({e}): choose a writable --out",
                candidate.display()
            ),
        }
    }
    bail!("no free folder name beside '{}': choose an --out", base.display())
}

/// Creates the folder of the next session in a runner's folder (made if needed), named
/// for `course` and today's date ([`Course::folder_name`]); a name taken meanwhile (another
/// session started at once) moves the number on.
pub fn claim_in_runner(runner: &Path, mut course: Course) -> Result<(PathBuf, Course)> {
    fs::create_dir_all(runner).with_context(|| {
        format!(
            "runner folder '{}' cannot be created: choose a writable --runner",
            runner.display()
        )
    })?;
    let today = time::OffsetDateTime::now_local().unwrap_or_else(|_| time::OffsetDateTime::now_utc());
    let date = today
        .format(time::macros::format_description!("[year]-[month]-[day]"))
        .unwrap_or_else(|_| "0000-00-00".into());
    for _ in 0..10_000 {
        let candidate = runner.join(course.folder_name(&date));
        match fs::create_dir(&candidate) {
            Ok(()) => return Ok((candidate, course)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => course.number += 1,
            Err(e) => bail!(
                "session folder '{}' cannot be created ({e}): choose a writable --runner",
                candidate.display()
            ),
        }
    }
    bail!("no free session name in '{}'", runner.display())
}

/// `dir/KIND-<time>`, or with `-2`… when that exists.
pub(super) fn free_name(dir: &Path, kind: &str) -> PathBuf {
    let stamp = stamp();
    let mut target = dir.join(format!("{kind}-{stamp}"));
    let mut n = 2;
    while target.exists() {
        target = dir.join(format!("{kind}-{stamp}-{n}"));
        n += 1;
    }
    target
}

/// Gives back a default folder a failed run claimed: removed when it holds nothing but
/// the lock (anything else in it stays).
pub fn release_if_empty(dir: &Path) {
    let only_lock = fs::read_dir(dir)
        .map(|entries| entries.flatten().all(|e| e.file_name() == LOCK))
        .unwrap_or(false);
    if only_lock {
        let _ = fs::remove_file(dir.join(LOCK));
        let _ = fs::remove_dir(dir);
    }
}

/// The time now as `YYYYMMDD-HHMMSS`, local time where the system says it safely.
pub fn stamp() -> String {
    let now = time::OffsetDateTime::now_local().unwrap_or_else(|_| time::OffsetDateTime::now_utc());
    now.format(time::macros::format_description!(
        "[year][month][day]-[hour][minute][second]"
    ))
    .unwrap_or_else(|_| now.unix_timestamp().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::session_dir::SessionDir;

    #[test]
    fn a_claimed_folder_goes_again_only_when_nothing_but_the_lock_is_in_it() {
        let dir = tempfile::tempdir().unwrap();
        let empty = claim_default(&dir.path().join("a")).unwrap();
        drop(SessionDir::open(&empty, "analyze", &[], false).unwrap());
        release_if_empty(&empty);
        assert!(!empty.exists());
        let used = claim_default(&dir.path().join("b")).unwrap();
        drop(SessionDir::open(&used, "analyze", &[], false).unwrap());
        fs::write(used.join("keypoints.jsonl"), "{}").unwrap();
        release_if_empty(&used);
        assert!(used.join("keypoints.jsonl").exists());
    }

    #[test]
    fn default_folders_never_collide() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("out").join("demo");
        let a = claim_default(&base).unwrap();
        let b = claim_default(&base).unwrap();
        let c = claim_default(&base).unwrap();
        assert_eq!(a, base);
        assert_eq!(b, dir.path().join("out").join("demo-2"));
        assert_eq!(c, dir.path().join("out").join("demo-3"));
    }
}

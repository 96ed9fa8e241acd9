//! Writing results to disk as they are produced: the annotated clip and per-frame
//! keypoints. Every writer names its file in its errors.

pub mod clip;
pub mod h264;
pub mod recorder;
pub mod session_dir;
pub mod snapshot;
pub mod speed_stages;

use std::path::Path;

use anyhow::{bail, Result};

/// Creates `dir` if needed and checks a file can be written there, so a bad `--out`
/// fails before any work starts and without touching earlier results.
pub fn prepare_output_dir(dir: &Path) -> Result<()> {
    let shown = dir.display();
    if dir.exists() && !dir.is_dir() {
        bail!("output folder '{shown}' is a file: choose another --out");
    }
    if let Err(e) = std::fs::create_dir_all(dir) {
        bail!("output folder '{shown}' cannot be created ({e}): choose a writable --out");
    }
    let probe = dir.join(".gaitcue-write-test");
    if let Err(e) = std::fs::write(&probe, b"ok") {
        bail!("output folder '{shown}' is not writable ({e}): choose a writable --out");
    }
    let _ = std::fs::remove_file(probe);
    Ok(())
}

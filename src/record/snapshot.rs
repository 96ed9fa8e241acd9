//! Snapshots for the patient: the screen as it was shown (picture, overlays, cue, panel),
//! faces blurred, saved as PNG (`image` crate) under `snapshots/` in the session folder,
//! written to a temporary name and renamed, never over an earlier one.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use opencv::core::Mat;
use opencv::prelude::*;

/// The folder of a session's snapshots.
pub fn folder(session: &Path) -> PathBuf {
    session.join("snapshots")
}

/// PNG bytes of an 8-bit BGR screen.
pub fn png(screen: &Mat) -> Result<Vec<u8>> {
    if screen.typ() != opencv::core::CV_8UC3 || screen.empty() {
        bail!("a snapshot needs an 8-bit colour screen");
    }
    let continuous = if screen.is_continuous() {
        screen.clone()
    } else {
        screen.try_clone()?
    };
    let bgr = continuous.data_bytes().context("reading the screen")?;
    let rgb: Vec<u8> = bgr.chunks_exact(3).flat_map(|p| [p[2], p[1], p[0]]).collect();
    let image = image::RgbImage::from_raw(screen.cols() as u32, screen.rows() as u32, rgb)
        .context("the screen's size does not match its pixels")?;
    let mut out = Cursor::new(Vec::new());
    image
        .write_to(&mut out, image::ImageFormat::Png)
        .context("encoding the snapshot as PNG")?;
    Ok(out.into_inner())
}

/// Saves `screen` as the next `snapshot-NNN.png` of the session; its path.
pub fn save(screen: &Mat, session: &Path) -> Result<PathBuf> {
    let dir = folder(session);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating '{}'", dir.display()))?;
    let bytes = png(screen)?;
    for n in 1..10_000 {
        let path = dir.join(format!("snapshot-{n:03}.png"));
        if path.exists() {
            continue;
        }
        crate::session::atomic::write_atomically(&path, &bytes)
            .with_context(|| format!("saving '{}' (is the disk full?)", path.display()))?;
        return Ok(path);
    }
    bail!("'{}' already holds 9999 snapshots", dir.display())
}

/// The session's snapshots, in the order they were taken.
pub fn list(session: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(folder(session))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("snapshot-") && n.ends_with(".png"))
        })
        .collect();
    found.sort();
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use opencv::core::{Scalar, CV_8UC3};

    #[test]
    fn a_screen_is_saved_as_a_png_with_its_colours_and_never_over_another() {
        let dir = tempfile::tempdir().unwrap();
        // Blue in BGR.
        let screen =
            Mat::new_rows_cols_with_default(20, 30, CV_8UC3, Scalar::new(255.0, 0.0, 0.0, 0.0)).unwrap();
        let a = save(&screen, dir.path()).unwrap();
        let b = save(&screen, dir.path()).unwrap();
        assert_ne!(a, b);
        assert_eq!(list(dir.path()), vec![a.clone(), b]);
        let decoded = image::open(&a).unwrap().to_rgb8();
        assert_eq!((decoded.width(), decoded.height()), (30, 20));
        assert_eq!(decoded.get_pixel(5, 5).0, [0, 0, 255]);
    }
}

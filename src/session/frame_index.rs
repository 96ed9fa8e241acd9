//! `annotated-NNN.frames`, beside each live recording `annotated-NNN.ts`: the frame id at each
//! of the recording's positions, one per line, rising (frames the live view skipped are
//! missing from both). The report finds a step's frames in the recording by it. Written
//! line by line as the recording grows, so a crash keeps it in step with the video.

use std::fs::File;
use std::io::{LineWriter, Write};
use std::path::{Path, PathBuf};

/// The index of the recording at `recording`.
pub fn path_for(recording: &Path) -> PathBuf {
    recording.with_extension("frames")
}

/// Appends frame ids to a recording's index.
pub struct FrameIndexWriter {
    out: LineWriter<File>,
}

impl FrameIndexWriter {
    /// Starts the index of the recording at `recording` (see [`path_for`]).
    pub fn create(recording: &Path) -> std::io::Result<Self> {
        Ok(Self {
            out: LineWriter::new(File::create(path_for(recording))?),
        })
    }

    /// The recording's next position holds frame `id`.
    pub fn push(&mut self, id: u64) -> std::io::Result<()> {
        writeln!(self.out, "{id}")
    }
}

/// The frame ids of the recording at `recording`, by position; `None` when its index is
/// missing, empty or damaged (ids not rising would misplace every still). A last line cut
/// off mid-write ends the index.
pub fn read(recording: &Path) -> Option<Vec<u64>> {
    let text = std::fs::read_to_string(path_for(recording)).ok()?;
    let ids: Vec<u64> = text.lines().map_while(|l| l.trim().parse().ok()).collect();
    (!ids.is_empty() && ids.windows(2).all(|w| w[0] < w[1])).then_some(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ids_written_are_the_ids_read() {
        let dir = tempfile::tempdir().unwrap();
        let recording = dir.path().join("annotated-001.ts");
        let ids = [0, 1, 2, 5, 6, 900, 901];
        let mut w = FrameIndexWriter::create(&recording).unwrap();
        for id in ids {
            w.push(id).unwrap();
        }
        drop(w);
        assert!(dir.path().join("annotated-001.frames").exists());
        assert_eq!(read(&recording), Some(ids.to_vec()));
    }

    #[test]
    fn a_damaged_or_missing_index_is_none_and_a_cut_off_line_ends_it() {
        let dir = tempfile::tempdir().unwrap();
        let recording = dir.path().join("annotated-002.ts");
        assert_eq!(read(&recording), None);
        std::fs::write(path_for(&recording), "40\n39\n").unwrap();
        assert_eq!(read(&recording), None);
        std::fs::write(path_for(&recording), "").unwrap();
        assert_eq!(read(&recording), None);
        std::fs::write(path_for(&recording), "3\n4\n5x").unwrap();
        assert_eq!(read(&recording), Some(vec![3, 4]));
    }
}

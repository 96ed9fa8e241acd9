//! Where a session's frames are on disk. `analyze` writes `annotated.mp4`, whose frame at
//! position p is frame p. A live session writes one recording per start of recording
//! (`annotated-NNN.ts`), each with `annotated-NNN.frames`: the frame id at each position
//! (frames skipped by the live view are missing from both).

use std::path::{Path, PathBuf};

use crate::session::frame_index;

/// One video of a session and the frame ids it holds.
#[derive(Debug, Clone)]
pub struct Recording {
    pub path: PathBuf,
    /// Frame id at each position, rising; `None`: position = frame id.
    ids: Option<Vec<u64>>,
    /// The source video, with nothing drawn on it: stills and clips are blurred first and
    /// drawn on after.
    pub clean: bool,
}

impl Recording {
    /// The position of frame `id` in this recording, if it holds that frame.
    pub fn position(&self, id: u64) -> Option<u64> {
        match &self.ids {
            None => Some(id),
            Some(ids) => ids.binary_search(&id).ok().map(|p| p as u64),
        }
    }

    /// The position of frame `id`, or of the first frame after it that the recording holds
    /// (the last one when none does): where something seen at `id` is still to be reckoned
    /// with.
    pub fn position_from(&self, id: u64) -> u64 {
        match &self.ids {
            None => id,
            Some(ids) => (ids.partition_point(|i| *i < id) as u64).min(ids.len().saturating_sub(1) as u64),
        }
    }

    /// The frame id at `position`.
    pub fn id_at(&self, position: u64) -> Option<u64> {
        match &self.ids {
            None => Some(position),
            Some(ids) => ids.get(position as usize).copied(),
        }
    }

    /// The positions of the frames with ids from `first` to `last`, if it holds any.
    pub fn span(&self, first: u64, last: u64) -> Option<(u64, u64)> {
        match &self.ids {
            None => Some((first, last)),
            Some(ids) => {
                let a = ids.partition_point(|i| *i < first) as u64;
                let b = ids.partition_point(|i| *i <= last) as u64;
                (b > a).then(|| (a, b - 1))
            }
        }
    }
}

/// The session's videos: the source video an `analyze` session was made from, when it is
/// still where it was (clean frames: blurred first, drawn on after); else `annotated.mp4`;
/// else the live recordings that have an index.
pub fn find(dir: &Path, source: Option<&Path>) -> Vec<Recording> {
    let analysed = dir.join("annotated.mp4");
    if analysed.exists() {
        let video = source.filter(|s| s.is_file() && s.extension().is_none_or(|e| e != "jsonl") && opens(s));
        return vec![Recording {
            path: video.map_or(analysed, Path::to_path_buf),
            ids: None,
            clean: video.is_some(),
        }];
    }
    let mut found: Vec<Recording> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            name.starts_with("annotated-") && name.ends_with(".ts")
        })
        .filter_map(|path| {
            // A recording without a sound index is left out: it would misplace every still.
            let ids = frame_index::read(&path)?;
            Some(Recording {
                path,
                ids: Some(ids),
                clean: false,
            })
        })
        .collect();
    found.sort_by(|a, b| a.path.cmp(&b.path));
    found
}

/// Whether OpenCV can read a frame of `video`.
fn opens(video: &Path) -> bool {
    use opencv::prelude::*;
    opencv::videoio::VideoCapture::from_file(video, opencv::videoio::CAP_FFMPEG)
        .and_then(|mut c| {
            let mut m = opencv::core::Mat::default();
            c.read(&mut m)
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_recordings_are_found_by_their_frame_ids() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("annotated-001.ts"), "").unwrap();
        std::fs::write(dir.path().join("annotated-001.frames"), "10\n11\n13\n14\n20\n").unwrap();
        std::fs::write(dir.path().join("annotated-002.ts"), "").unwrap();
        std::fs::write(dir.path().join("annotated-002.frames"), "40\n39\n").unwrap();
        std::fs::write(dir.path().join("annotated-003.ts"), "").unwrap();
        let found = find(dir.path(), None);
        assert_eq!(found.len(), 1, "{found:?}");
        let r = &found[0];
        assert_eq!(r.position(13), Some(2));
        assert_eq!(r.position(12), None);
        assert_eq!(
            (r.position_from(12), r.position_from(3), r.position_from(99)),
            (2, 0, 4)
        );
        assert_eq!(r.id_at(4), Some(20));
        assert_eq!(r.span(9, 15), Some((0, 3)));
        assert_eq!(r.span(15, 19), None);
    }
}

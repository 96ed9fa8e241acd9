//! The runner's keypoints and everyone seen around them, by frame, read from
//! `keypoints.jsonl` for the frames the report cuts: scaled to the video they are drawn on,
//! and placed in a live session's recordings by their frame index.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use anyhow::Result;

use super::recordings::Recording;
use crate::pose::{Keypoint, PersonBox, NUM_KEYPOINTS};
use crate::privacy::Sightings;
use crate::session::keypoints::KeypointsReplay;

/// Looks this long (seconds) before a recording began still count for it.
const LOOK_BEFORE_S: f64 = 2.0;
/// Keypoints by frame, in the pixels of frames of `size` (the analysed video's).
#[derive(Debug, Clone, Default)]
pub struct FrameKeypoints {
    pub size: Option<(i32, i32)>,
    pub by_frame: HashMap<u64, [Keypoint; NUM_KEYPOINTS]>,
    /// Everyone in view where the pose stage looked around, with the runner's nose then.
    pub looks: BTreeMap<u64, Look>,
}

/// Everyone the pose stage saw in one frame, and the runner's nose (when found) in it.
pub type Look = (Vec<PersonBox>, Option<(f32, f32)>);

impl FrameKeypoints {
    /// The same points in a copy of the video scaled to `width` × `height` (the annotated
    /// copy can be smaller than the source).
    pub(super) fn scaled_to(&self, width: i32, height: i32) -> HashMap<u64, [Keypoint; NUM_KEYPOINTS]> {
        let (sx, sy) = self.scale_to(width, height);
        self.by_frame
            .iter()
            .map(|(f, k)| {
                let mut k = *k;
                for p in k.iter_mut() {
                    p.x *= sx;
                    p.y *= sy;
                }
                (*f, k)
            })
            .collect()
    }

    /// Bystanders' faces at every look, in frames of `width` × `height`.
    pub(super) fn sightings(&self, width: i32, height: i32, fps: f64) -> Sightings {
        let (sx, sy) = self.scale_to(width, height);
        let looks = self
            .looks
            .iter()
            .map(|(f, (people, _))| {
                let scaled = people
                    .iter()
                    .map(|p| PersonBox {
                        bbox: [p.bbox[0] * sx, p.bbox[1] * sy, p.bbox[2] * sx, p.bbox[3] * sy],
                        score: p.score,
                    })
                    .collect();
                (*f, scaled)
            })
            .collect();
        let nose = |f: u64| {
            self.looks
                .get(&f)
                .and_then(|(_, n)| *n)
                .map(|(x, y)| (x * sx, y * sy))
        };
        Sightings::new(&looks, nose, width, height, fps)
    }

    /// Factors from the keypoints' pixels to those of frames of `width` × `height`.
    fn scale_to(&self, width: i32, height: i32) -> (f32, f32) {
        let Some((w, h)) = self
            .size
            .filter(|(w, h)| *w > 0 && *h > 0 && (*w, *h) != (width, height))
        else {
            return (1.0, 1.0);
        };
        (width as f32 / w as f32, height as f32 / h as f32)
    }
}

impl FrameKeypoints {
    /// The same keypoints keyed by their position in `recording` (frames it lacks left out);
    /// the session's frames come at `fps`.
    pub(super) fn in_recording(&self, recording: &Recording, fps: f64) -> FrameKeypoints {
        let look_before = (LOOK_BEFORE_S * fps).round().max(1.0) as u64;
        FrameKeypoints {
            size: self.size,
            by_frame: self
                .by_frame
                .iter()
                .filter_map(|(id, k)| Some((recording.position(*id)?, *k)))
                .collect(),
            // A person seen before recording began, or on a frame the recorder skipped, is
            // still blurred: their look counts from the next frame the recording holds.
            looks: self
                .looks
                .iter()
                .filter(|(id, _)| recording.id_at(0).is_none_or(|first| **id + look_before >= first))
                .fold(BTreeMap::new(), |mut looks, (id, (people, nose))| {
                    let entry = looks
                        .entry(recording.position_from(*id))
                        .or_insert_with(|| (Vec::new(), None));
                    entry.0.extend(people.iter().copied());
                    entry.1 = entry.1.or(*nose);
                    looks
                }),
        }
    }
}

/// Keypoints of the given frames, from `keypoints.jsonl`.
pub fn keypoints_for(path: &Path, frames: &[u64]) -> Result<FrameKeypoints> {
    let wanted: std::collections::HashSet<u64> = frames.iter().copied().collect();
    let mut out = FrameKeypoints::default();
    for sample in KeypointsReplay::open(path)? {
        let sample = sample?;
        out.size = out.size.or(sample.size);
        if let Some(people) = sample.people {
            let nose = sample.keypoints.map(|k| (k[0].x, k[0].y));
            out.looks.insert(sample.frame, (people, nose));
        }
        if let (true, Some(k)) = (wanted.contains(&sample.frame), sample.keypoints) {
            out.by_frame.insert(sample.frame, k);
        }
    }
    Ok(out)
}

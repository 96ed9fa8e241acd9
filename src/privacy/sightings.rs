//! Where bystanders' faces were in every frame, from the pose stage's looks around (about
//! three a second, recorded in `keypoints.jsonl` as `"people"`). The person detector
//! misses people often (a turned head, raised arms, a small face), so a face, once seen,
//! stays blurred where it was last seen until its person is found again: faces in
//! successive looks are joined into one person's track when they are close; between two
//! sightings of one person the box moves along the line between them; after the last
//! sighting it is held to the end; before the first, for [`MAX_GAP_S`]. Every box not
//! seen in that very frame is grown for movement. The runner's own box (the one holding
//! their nose) is left out: their face is blurred from their keypoints.

use std::collections::BTreeMap;

use opencv::core::Rect;

use crate::pose::PersonBox;

use super::regions::{face_of_detection, grow};

/// A person is blurred this long (seconds) before they are first seen.
const MAX_GAP_S: f64 = 1.5;
/// Boxes between looks grow by this share of their size on every side.
const GROW: f64 = 0.35;
/// Two faces are the same person when their centres are closer than this many face
/// widths (someone walking briskly past moves about two face widths between looks).
const SAME_PERSON_WIDTHS: f64 = 2.5;

/// Bystanders' face boxes, one track per person, in the pixels of the frames exported.
#[derive(Debug, Clone, Default)]
pub struct Sightings {
    /// Each person's sightings, by frame.
    tracks: Vec<Vec<(u64, Rect)>>,
    width: i32,
    height: i32,
    /// [`MAX_GAP_S`] in frames.
    max_gap: u64,
}

impl Sightings {
    /// `looks`: everyone seen, by frame; `runner_nose`: the runner's nose in that frame,
    /// when the runner was found; frames of `width` × `height` at `fps`.
    pub fn new(
        looks: &BTreeMap<u64, Vec<PersonBox>>,
        runner_nose: impl Fn(u64) -> Option<(f32, f32)>,
        width: i32,
        height: i32,
        fps: f64,
    ) -> Self {
        let mut tracks: Vec<Vec<(u64, Rect)>> = Vec::new();
        for (frame, people) in looks {
            let nose = runner_nose(*frame);
            let faces: Vec<Rect> = people
                .iter()
                .filter(|p| {
                    let b = p.bbox;
                    !nose.is_some_and(|(x, y)| x >= b[0] && x <= b[2] && y >= b[1] && y <= b[3])
                })
                .filter_map(|p| face_of_detection(p.bbox, width, height))
                .collect();
            let mut taken = vec![false; tracks.len()];
            for face in faces {
                let last: Vec<Rect> = tracks.iter().map(|t| t.last().map_or(face, |s| s.1)).collect();
                let free: Vec<(usize, Rect)> = last
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| !taken[*i])
                    .map(|(i, r)| (i, *r))
                    .collect();
                let rects: Vec<Rect> = free.iter().map(|(_, r)| *r).collect();
                match nearest(&face, &rects).map(|j| free[j].0) {
                    Some(i) => {
                        taken[i] = true;
                        tracks[i].push((*frame, face));
                    }
                    None => {
                        tracks.push(vec![(*frame, face)]);
                        taken.push(true);
                    }
                }
            }
        }
        Self {
            tracks,
            width,
            height,
            max_gap: (MAX_GAP_S * fps).round().max(1.0) as u64,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.tracks.is_empty()
    }

    /// Every bystander face region to blur in frame `index`.
    pub fn faces_at(&self, index: u64) -> Vec<Rect> {
        let grown = |r: &Rect| grow(*r, GROW, self.width, self.height);
        let mut out = Vec::new();
        for track in &self.tracks {
            let i = track.partition_point(|(f, _)| *f < index);
            match (i.checked_sub(1).map(|j| &track[j]), track.get(i)) {
                (_, Some((f, r))) if *f == index => out.push(*r),
                (Some((p, a)), Some((n, b))) => {
                    let f = (index - p) as f64 / (n - p) as f64;
                    out.push(grown(&lerp(a, b, f)));
                }
                (Some((_, a)), None) => out.push(grown(a)),
                (None, Some((n, b))) if n - index <= self.max_gap => out.push(grown(b)),
                _ => {}
            }
        }
        out
    }
}

fn centre(r: &Rect) -> (f64, f64) {
    (
        r.x as f64 + r.width as f64 / 2.0,
        r.y as f64 + r.height as f64 / 2.0,
    )
}

/// The face in `candidates` nearest to `r`, if it is close enough to be the same person.
fn nearest(r: &Rect, candidates: &[Rect]) -> Option<usize> {
    let (cx, cy) = centre(r);
    candidates
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let (x, y) = centre(c);
            (i, (x - cx).hypot(y - cy), r.width.max(c.width) as f64)
        })
        .filter(|(_, d, w)| *d <= SAME_PERSON_WIDTHS * w)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(i, _, _)| i)
}

fn lerp(a: &Rect, b: &Rect, f: f64) -> Rect {
    let mix = |u: i32, v: i32| (u as f64 + (v - u) as f64 * f).round() as i32;
    Rect::new(
        mix(a.x, b.x),
        mix(a.y, b.y),
        mix(a.width, b.width),
        mix(a.height, b.height),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(x0: f32, y0: f32) -> PersonBox {
        PersonBox {
            bbox: [x0, y0, x0 + 100.0, y0 + 200.0],
            score: 0.9,
        }
    }

    fn contains(outer: &Rect, inner: &Rect) -> bool {
        outer.x <= inner.x
            && outer.y <= inner.y
            && outer.x + outer.width >= inner.x + inner.width
            && outer.y + outer.height >= inner.y + inner.height
    }

    #[test]
    fn a_walking_bystander_is_followed_between_looks() {
        // Seen at frames 0 and 10, 120 px (two face widths) apart: in between the box
        // moves along.
        let looks = BTreeMap::from([(0, vec![person(100.0, 100.0)]), (10, vec![person(220.0, 100.0)])]);
        let s = Sightings::new(&looks, |_| None, 1000, 800, 30.0);
        let start = s.faces_at(0)[0];
        let end = s.faces_at(10)[0];
        let middle = s.faces_at(5);
        assert_eq!(middle.len(), 1);
        let expected = lerp(&start, &end, 0.5);
        assert!(contains(&middle[0], &expected), "{middle:?} misses {expected:?}");
        assert!(middle[0].width > expected.width, "boxes between looks are grown");
    }

    #[test]
    fn faces_are_held_until_found_again_and_the_runner_is_left_out() {
        // The runner (nose inside the second box) is never a bystander.
        let looks = BTreeMap::from([
            (0, vec![person(100.0, 100.0), person(600.0, 100.0)]),
            (30, vec![person(600.0, 100.0)]),
            (60, vec![person(600.0, 100.0)]),
            (90, vec![person(150.0, 100.0), person(600.0, 100.0)]),
        ]);
        let nose = |_| Some((650.0, 130.0));
        let s = Sightings::new(&looks, nose, 1000, 800, 30.0);
        assert_eq!(s.faces_at(0).len(), 1);
        // The detector missed the bystander at two looks: still blurred where last seen,
        // and followed to where they are found again.
        let (first, last) = (s.faces_at(0)[0], s.faces_at(90)[0]);
        assert_eq!(s.faces_at(90).len(), 1);
        for frame in [20, 30, 45, 60, 75] {
            let faces = s.faces_at(frame);
            assert_eq!(faces.len(), 1, "frame {frame}: {faces:?}");
            let along = lerp(&first, &last, frame as f64 / 90.0);
            assert!(
                contains(&faces[0], &along),
                "frame {frame}: {faces:?} misses {along:?}"
            );
        }
        // After the last look, held to the end.
        assert_eq!(s.faces_at(900).len(), 1);
        // Before the first look, a face is held back in time as well.
        let s = Sightings::new(
            &BTreeMap::from([(50, vec![person(100.0, 100.0)])]),
            |_| None,
            1000,
            800,
            30.0,
        );
        assert_eq!(s.faces_at(40).len(), 1);
        assert!(s.faces_at(0).is_empty());
    }
}

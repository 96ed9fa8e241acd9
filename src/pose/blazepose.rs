//! BlazePose: choose the runner once, then track them from frame to frame.
//!
//! The detector runs until a runner is chosen and whenever the landmark model loses them
//! (presence below threshold, the body leaves the runner zone, or the pose no longer fits
//! the runner: someone walked in front). Between detections the next crop comes from the
//! auxiliary landmarks of the previous frame, as in MediaPipe. Who is chosen and who is
//! accepted as the runner again is [`super::runner`]'s: side-on, upright, feet in view,
//! the lowest such person inside the configured zone; afterwards only someone matching
//! their size, belt line, place and clothes.

use std::time::Instant;

use anyhow::Result;
use opencv::core::Mat;
use opencv::prelude::*;

use super::config::{PoseConfig, RunnerZone};
use super::detector::{Detection, PersonDetector};
use super::landmarks::{LandmarkModel, Landmarks};
use super::roi::Roi;
use super::runner::{clothes, Body, RunnerIdentity};
use super::runtime;
use super::{PersonBox, Pose, PoseEstimator};
use crate::timing::StageTimes;

pub struct BlazePose {
    detector: PersonDetector,
    landmarks: LandmarkModel,
    zone: RunnerZone,
    choose_runner: bool,
    min_presence: f32,
    max_person_height: f32,
    tracked: Option<Roi>,
    /// The chosen runner, once chosen.
    identity: Option<RunnerIdentity>,
    /// Someone who looks like a runner, followed until they have for [`CONFIRM_S`] in a
    /// row (a person turning for a moment is not chosen), and for how long so far (s).
    provisional: Option<(RunnerIdentity, f64)>,
    /// The runner let go of by [`PoseEstimator::choose_again`], passed over until someone
    /// else is chosen or for [`PASS_OVER_S`], and for how long so far (s).
    passed_by: Option<(RunnerIdentity, f64)>,
    /// Seconds from one frame to the next (the video's or camera's frame rate).
    frame_s: f64,
    /// Seconds since the detector last searched the whole frame.
    since_search_s: f64,
    /// People seen but not chosen as the runner, by reason.
    passed_over: std::collections::BTreeMap<&'static str, u64>,
    track: u64,
    detector_runs: u64,
    people_in_view: usize,
    /// Everyone the detector found in the latest frame, if it ran on it.
    seen: Option<Vec<PersonBox>>,
    /// Detections counted as people in view (the weaker ones are kept for blurring only).
    min_detection_score: f32,
    times: StageTimes,
}

/// Looking around for everyone in view (for blurring their faces, and to know who is
/// there) keeps people down to this detector score: a non-face blurred costs little.
const PEOPLE_MIN_SCORE: f32 = 0.3;

fn boxes(people: &[Detection]) -> Vec<PersonBox> {
    people
        .iter()
        .map(|d| PersonBox {
            bbox: d.bbox,
            score: d.score,
        })
        .collect()
}

impl BlazePose {
    pub fn new(config: &PoseConfig) -> Result<Self> {
        let env = runtime::environment(&config.runtime_library)?;
        let detector = PersonDetector::new(
            &env,
            &config.models_dir.join("pose_detection.onnx"),
            config.threads,
            config.min_detection_score,
        )?;
        let landmarks = LandmarkModel::new(
            &env,
            &config.models_dir.join(config.model.file_name()),
            config.threads,
        )?;
        Ok(Self {
            detector,
            landmarks,
            zone: config.runner_zone,
            choose_runner: config.choose_runner,
            min_presence: config.min_presence,
            max_person_height: config.max_person_height,
            tracked: None,
            identity: None,
            provisional: None,
            passed_over: Default::default(),
            passed_by: None,
            frame_s: 1.0 / DEFAULT_FPS,
            since_search_s: f64::INFINITY,
            track: 0,
            detector_runs: 0,
            people_in_view: 0,
            seen: None,
            min_detection_score: config.min_detection_score,
            times: StageTimes::default(),
        })
    }

    /// The landmarks in `roi`, if they show a person inside the runner zone.
    fn person_at(&mut self, image: &Mat, roi: &Roi) -> Result<Option<(Landmarks, Body)>> {
        let lm = self.landmarks.run(image, roi, &mut self.times)?;
        let hips = (
            (lm.keypoints[23].x + lm.keypoints[24].x) / 2.0,
            (lm.keypoints[23].y + lm.keypoints[24].y) / 2.0,
        );
        if lm.presence < self.min_presence || !self.zone.contains(hips, image.cols(), image.rows()) {
            return Ok(None);
        }
        Ok(Body::of(&lm.keypoints).map(|body| (lm, body)))
    }

    /// `lm` is the runner in this frame: remember where to look next. `new_person`: someone
    /// other than the runner of the frames before may be meant (a new track begins).
    fn keep(&mut self, lm: Landmarks, body: &Body, roi: &Roi, new_person: bool) -> Pose {
        if new_person {
            self.track += 1;
        }
        self.tracked = Some(lm.next_roi);
        if let Some(id) = &mut self.identity {
            id.seen(body);
        }
        Pose {
            keypoints: lm.keypoints,
            presence: lm.presence,
            roi: *roi,
            track: self.track,
        }
    }

    fn estimate_inner(&mut self, image: &Mat) -> Result<Option<Pose>> {
        for id in self
            .identity
            .iter_mut()
            .chain(self.passed_by.iter_mut().map(|(p, _)| p))
        {
            id.unseen_s += self.frame_s as f32;
        }
        self.since_search_s += self.frame_s;
        if let Some(roi) = self.tracked.take() {
            if let Some((lm, body)) = self.person_at(image, &roi)? {
                if !self.choose_runner || self.identity.as_ref().is_some_and(|id| id.follows(&body)) {
                    return Ok(Some(self.keep(lm, &body, &roi, false)));
                }
                if let Some((candidate, followed_s)) = &mut self.provisional {
                    if candidate.follows(&body) && body.not_a_runner().is_none() {
                        candidate.seen(&body);
                        *followed_s += self.frame_s;
                        if *followed_s < CONFIRM_S - 0.5 * self.frame_s {
                            self.tracked = Some(lm.next_roi);
                            return Ok(None);
                        }
                        self.identity = self.provisional.take().map(|(c, _)| c);
                        self.passed_by = None;
                        return Ok(Some(self.keep(lm, &body, &roi, true)));
                    }
                }
            }
        }
        self.provisional = None;
        if let Some((_, passed_s)) = &mut self.passed_by {
            *passed_s += self.frame_s;
            if *passed_s > PASS_OVER_S {
                self.passed_by = None;
            }
        }
        // The runner lost just now is searched for on every frame; with nobody to find
        // again, a few times a second is enough (someone stepping into view is chosen only
        // after CONFIRM_S anyway) and leaves the CPU to the rest of the pipeline.
        let lost_just_now = self
            .identity
            .as_ref()
            .is_some_and(|id| f64::from(id.unseen_s) <= SEARCH_EVERY_FRAME_S);
        if !lost_just_now && self.since_search_s < SEARCH_EVERY_S - 0.5 * self.frame_s {
            return Ok(None);
        }
        self.since_search_s = 0.0;
        self.detector_runs += 1;
        let people = self.detector.detect(image, &mut self.times)?;
        self.people_in_view = people.len();
        self.seen = Some(boxes(&people));
        let candidates = runner_candidates(
            &people,
            image.cols(),
            image.rows(),
            &self.zone,
            self.max_person_height,
        );
        for candidate in candidates.into_iter().take(MAX_CANDIDATES) {
            let roi = candidate.roi();
            let Some((lm, body)) = self.person_at(image, &roi)? else {
                continue;
            };
            let worn = clothes(image, &lm.keypoints)?;
            if !self.choose_runner {
                return Ok(Some(self.keep(lm, &body, &roi, true)));
            }
            if self.identity.is_none()
                && self
                    .passed_by
                    .as_ref()
                    .is_some_and(|(p, _)| p.matches(&body, worn.as_ref()))
            {
                continue;
            }
            match &self.identity {
                Some(id) if id.matches(&body, worn.as_ref()) => {
                    // The runner, found again: the same person, the same track.
                    return Ok(Some(self.keep(lm, &body, &roi, false)));
                }
                None => match body.not_a_runner() {
                    None => {
                        self.provisional = Some((RunnerIdentity::new(&body, worn), self.frame_s));
                        self.tracked = Some(lm.next_roi);
                        return Ok(None);
                    }
                    Some(why) => *self.passed_over.entry(why).or_default() += 1,
                },
                Some(_) => {}
            }
        }
        Ok(None)
    }
}

/// After the clinician asks for another runner, the former one is passed over this long
/// (seconds) while someone else may be chosen.
const PASS_OVER_S: f64 = 3.0;

/// A person is chosen as the runner after looking like one this long in a row (seconds;
/// 10 frames at 30 fps, 40 at 120).
const CONFIRM_S: f64 = 1.0 / 3.0;

/// With nobody to find again, the whole frame is searched this often (seconds: every
/// other frame at 30 fps, every 8th at 120).
const SEARCH_EVERY_S: f64 = 1.0 / 15.0;

/// For this long after the runner was last seen (seconds), every frame is searched.
const SEARCH_EVERY_FRAME_S: f64 = 0.5;

/// The frame rate assumed until [`PoseEstimator::set_frame_rate`] says otherwise.
const DEFAULT_FPS: f64 = 30.0;

/// People checked when looking for the runner in one frame, lowest first.
const MAX_CANDIDATES: usize = 4;

impl PoseEstimator for BlazePose {
    fn estimate(&mut self, image: &Mat) -> Result<Option<Pose>> {
        let started = Instant::now();
        self.seen = None;
        let detector_runs = self.detector_runs;
        let pose = self.estimate_inner(image);
        let elapsed = started.elapsed();
        self.times.record("pose", elapsed);
        if self.detector_runs == detector_runs {
            // Frames handled by tracking alone: the steady state while someone runs.
            self.times.record("pose_tracked", elapsed);
        }
        pose
    }

    fn times(&self) -> &StageTimes {
        &self.times
    }

    fn set_frame_rate(&mut self, fps: f64) {
        if fps.is_finite() && fps > 0.0 {
            self.frame_s = 1.0 / fps;
        }
    }

    fn choose_again(&mut self) {
        // The runner, or the person about to be chosen, is passed over.
        let current = self.identity.take().or(self.provisional.take().map(|(c, _)| c));
        if let Some(mut former) = current {
            former.unseen_s = 0.0;
            self.passed_by = Some((former, 0.0));
        }
        self.tracked = None;
        self.provisional = None;
        self.since_search_s = f64::INFINITY;
    }

    fn why_no_runner(&self) -> Option<String> {
        if self.identity.is_some() {
            return None;
        }
        let (why, _) = self.passed_over.iter().max_by_key(|(_, n)| **n)?;
        Some(
            match *why {
                "not side-on" => {
                    "the people in view were not side-on to the camera (facing it or turned away)"
                }
                "not upright" => "the people in view were not upright in the picture: is the video rotated?",
                "feet not in view" => "the people in view did not have their feet in the picture",
                other => other,
            }
            .to_string(),
        )
    }

    /// How often the detector has run (once per lost track).
    fn detector_runs(&self) -> u64 {
        self.detector_runs
    }

    /// People the detector saw the last time it ran.
    fn people_in_view(&self) -> usize {
        self.people_in_view
    }

    /// Runs the detector on `image` (the frame just estimated) unless it ran on it
    /// already, so that [`BlazePose::take_people`] has everyone in view.
    fn look_around(&mut self, image: &Mat) -> Result<()> {
        if self.seen.is_none() {
            let t0 = Instant::now();
            let people = self
                .detector
                .detect_at(image, PEOPLE_MIN_SCORE, &mut self.times)?;
            self.people_in_view = people
                .iter()
                .filter(|d| d.score >= self.min_detection_score)
                .count();
            self.seen = Some(boxes(&people));
            self.times.record("look_around", t0.elapsed());
        }
        Ok(())
    }

    /// Everyone the detector found in the frame just estimated, when it ran on it.
    fn take_people(&mut self) -> Option<Vec<PersonBox>> {
        self.seen.take()
    }
}

/// Who may be the runner among `people`, most likely first: hips inside `zone`, not
/// implausibly large (the detector sometimes reports a region spanning the whole frame),
/// lowest in the image first (feet nearest the floor: on the treadmill belt).
pub fn runner_candidates<'a>(
    people: &'a [Detection],
    width: i32,
    height: i32,
    zone: &RunnerZone,
    max_person_height: f32,
) -> Vec<&'a Detection> {
    let radius = |d: &Detection| {
        let (h, s) = (d.keypoints[0], d.keypoints[1]);
        (s.0 - h.0).hypot(s.1 - h.1)
    };
    let mut found: Vec<&Detection> = people
        .iter()
        .filter(|d| zone.contains(d.keypoints[0], width, height))
        .filter(|d| 2.0 * radius(d) <= max_person_height * height as f32)
        .collect();
    found.sort_by(|a, b| (b.keypoints[0].1 + radius(b)).total_cmp(&(a.keypoints[0].1 + radius(a))));
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(hip: (f32, f32), radius: f32) -> Detection {
        Detection {
            score: 0.9,
            bbox: [0.0; 4],
            keypoints: [hip, (hip.0, hip.1 - radius), (0.0, 0.0), (0.0, 0.0)],
        }
    }

    #[test]
    fn candidates_are_inside_the_zone_lowest_first() {
        let everywhere = RunnerZone::default();
        let people = [
            person((300.0, 300.0), 200.0),
            person((800.0, 500.0), 250.0),
            person((500.0, 500.0), 900.0),
        ];
        // The whole-frame region is rejected; of the other two the lower one wins.
        let found = runner_candidates(&people, 1000, 1000, &everywhere, 0.9);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].keypoints[0], (800.0, 500.0));
        // A zone on the left half excludes that person.
        let left = RunnerZone {
            x0: 0.0,
            y0: 0.0,
            x1: 0.5,
            y1: 1.0,
        };
        let found = runner_candidates(&people, 1000, 1000, &left, 0.9);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].keypoints[0], (300.0, 300.0));
        assert!(runner_candidates(&[], 1000, 1000, &left, 0.9).is_empty());
    }
}

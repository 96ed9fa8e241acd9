//! BlazePose: detect the runner once, then track them from frame to frame.
//!
//! The detector runs on the first frame and whenever the landmark model loses the runner
//! (presence below threshold, or the body leaves the runner zone). Between detections the
//! next crop comes from the auxiliary landmarks of the previous frame, as in MediaPipe.
//! With several people in view, the runner is the lowest person (feet nearest the floor,
//! i.e. on the treadmill belt) whose hips lie inside the configured zone; tracking then
//! holds on to them.

use std::time::Instant;

use anyhow::Result;
use opencv::core::Mat;
use opencv::prelude::*;

use super::config::{PoseConfig, RunnerZone};
use super::detector::{Detection, PersonDetector};
use super::landmarks::{LandmarkModel, Landmarks};
use super::roi::Roi;
use super::runtime;
use super::{PersonBox, Pose, PoseEstimator};
use crate::timing::StageTimes;

pub struct BlazePose {
    detector: PersonDetector,
    landmarks: LandmarkModel,
    zone: RunnerZone,
    min_presence: f32,
    max_person_height: f32,
    tracked: Option<Roi>,
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
            min_presence: config.min_presence,
            max_person_height: config.max_person_height,
            tracked: None,
            track: 0,
            detector_runs: 0,
            people_in_view: 0,
            seen: None,
            min_detection_score: config.min_detection_score,
            times: StageTimes::default(),
        })
    }

    fn accept(&self, lm: &Landmarks, width: i32, height: i32) -> bool {
        let hips = (
            (lm.keypoints[23].x + lm.keypoints[24].x) / 2.0,
            (lm.keypoints[23].y + lm.keypoints[24].y) / 2.0,
        );
        lm.presence >= self.min_presence && self.zone.contains(hips, width, height)
    }

    fn track(&mut self, image: &Mat, roi: &Roi) -> Result<Option<Pose>> {
        let lm = self.landmarks.run(image, roi, &mut self.times)?;
        if !self.accept(&lm, image.cols(), image.rows()) {
            self.tracked = None;
            return Ok(None);
        }
        if self.tracked.is_none() {
            self.track += 1;
        }
        self.tracked = Some(lm.next_roi);
        Ok(Some(Pose {
            keypoints: lm.keypoints,
            presence: lm.presence,
            roi: *roi,
            track: self.track,
        }))
    }

    fn estimate_inner(&mut self, image: &Mat) -> Result<Option<Pose>> {
        if let Some(roi) = self.tracked {
            if let Some(pose) = self.track(image, &roi)? {
                return Ok(Some(pose));
            }
        }
        self.detector_runs += 1;
        let people = self.detector.detect(image, &mut self.times)?;
        self.people_in_view = people.len();
        self.seen = Some(boxes(&people));
        let Some(runner) = select_runner(
            &people,
            image.cols(),
            image.rows(),
            &self.zone,
            self.max_person_height,
        ) else {
            return Ok(None);
        };
        let roi = runner.roi();
        self.track(image, &roi)
    }
}

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

/// The runner among `people`: hips inside `zone`, not implausibly large (the detector
/// sometimes reports a region spanning the whole frame), and lowest in the image.
pub fn select_runner<'a>(
    people: &'a [Detection],
    width: i32,
    height: i32,
    zone: &RunnerZone,
    max_person_height: f32,
) -> Option<&'a Detection> {
    let radius = |d: &Detection| {
        let (h, s) = (d.keypoints[0], d.keypoints[1]);
        (s.0 - h.0).hypot(s.1 - h.1)
    };
    people
        .iter()
        .filter(|d| zone.contains(d.keypoints[0], width, height))
        .filter(|d| 2.0 * radius(d) <= max_person_height * height as f32)
        .max_by(|a, b| (a.keypoints[0].1 + radius(a)).total_cmp(&(b.keypoints[0].1 + radius(b))))
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
    fn picks_the_lowest_person_inside_the_zone() {
        let everywhere = RunnerZone::default();
        let people = [
            person((300.0, 300.0), 200.0),
            person((800.0, 500.0), 250.0),
            person((500.0, 500.0), 900.0),
        ];
        // The whole-frame region is rejected; of the other two the lower one wins.
        let pick = select_runner(&people, 1000, 1000, &everywhere, 0.9).unwrap();
        assert_eq!(pick.keypoints[0], (800.0, 500.0));
        // A zone on the left half excludes that person.
        let left = RunnerZone {
            x0: 0.0,
            y0: 0.0,
            x1: 0.5,
            y1: 1.0,
        };
        let pick = select_runner(&people, 1000, 1000, &left, 0.9).unwrap();
        assert_eq!(pick.keypoints[0], (300.0, 300.0));
        assert!(select_runner(&[], 1000, 1000, &left, 0.9).is_none());
    }
}

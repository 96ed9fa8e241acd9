//! The analysis stage as the apps run it: poses in, `steps.csv` rows out as each step
//! completes, `summary.json` at the end; pelvic markers looked up in the frame when
//! marker mode is on.

use std::path::{Path, PathBuf};

use anyhow::Result;
use opencv::core::Mat;
use serde_json::Value;

use crate::analysis::feedback::CueBanner;
use crate::overlay::contact::ContactDrawing;
use crate::overlay::Banner;

/// A contact's overlay stays on the video this long after its step is decided, seconds.
const CONTACT_HOLD_S: f64 = 0.6;
use crate::analysis::pelvis::marker_tilt_deg;
use crate::analysis::view::ViewCheck;
use crate::analysis::{sides, time_base};
use crate::analysis::{AnalysisConfig, GaitAnalyzer, PoseSample, StageConfig, StepRecord};
use crate::pose::stickers::MarkerFinder;
use crate::record::speed_stages;
use crate::session::steps::StepsWriter;
use crate::session::summary::{self, SessionFacts};

pub struct GaitStage {
    analyzer: GaitAnalyzer,
    writer: StepsWriter,
    steps: Vec<StepRecord>,
    markers: Option<MarkerFinder>,
    marker_radius: f64,
    summary_path: PathBuf,
    steps_path: PathBuf,
    session: SessionFacts,
    /// The frame rate a video file's header states, for the frame-rate warning (`None`:
    /// no header; the rate of the frames seen is judged instead).
    stated_fps: Option<f64>,
    marker_frames: u64,
    write_error: Option<String>,
    view: ViewCheck,
    stages: StageConfig,
    banner: CueBanner,
    /// The cue on screen for the latest frame.
    on_screen: Option<String>,
    cue_rules: Vec<Value>,
    /// Whether cues may be shown now (live: hidden by the clinician, or a retest).
    cues_allowed: bool,
}

impl GaitStage {
    pub fn create(out_dir: &Path, config: &AnalysisConfig, session: SessionFacts) -> Result<Self> {
        let steps_path = out_dir.join("steps.csv");
        Ok(Self {
            analyzer: GaitAnalyzer::new(config.clone())?,
            writer: StepsWriter::create(&steps_path)?,
            steps: Vec::new(),
            markers: config
                .pelvis
                .markers
                .then(|| MarkerFinder::new(config.pelvis.asis_colour, config.pelvis.psis_colour)),
            marker_radius: config.pelvis.search_radius,
            summary_path: out_dir.join("summary.json"),
            steps_path,
            session,
            stated_fps: None,
            marker_frames: 0,
            write_error: None,
            view: ViewCheck::default(),
            stages: config.stages.clone(),
            banner: CueBanner::new(config.cues.feedback.clone()),
            on_screen: None,
            cues_allowed: true,
            cue_rules: if config.cues.enabled {
                config.cues.describe()
            } else {
                Vec::new()
            },
        })
    }

    /// Feeds one frame (and its image, for marker mode); returns the steps it completed,
    /// already written to `steps.csv`.
    pub fn process(&mut self, sample: &PoseSample, image: Option<&Mat>) -> Result<Vec<StepRecord>> {
        self.view.add(sample);
        let done = self.analyzer.process(sample)?;
        if let (Some(finder), Some(image), Some(body)) =
            (&mut self.markers, image, self.analyzer.latest_body())
        {
            if body.frame == sample.frame {
                let radius = self.marker_radius * body.leg_length;
                if let Some((asis, psis)) = finder.find(image, body.hip_centre, radius)? {
                    let tilt = marker_tilt_deg(asis, psis, body.dir);
                    self.analyzer.record_marker_tilt(sample.frame, tilt);
                    self.marker_frames += 1;
                }
            }
        }
        let mut done = done;
        for s in done.iter_mut().filter(|_| !self.cues_allowed) {
            s.cue = None;
        }
        for s in &done {
            self.banner
                .step(s.decided_at_s, s.cue.as_deref(), s.active_cue.as_deref());
        }
        self.on_screen = self.banner.frame(sample.t);
        self.keep(done)
    }

    /// Writes finished steps. A write failure (disk full) is kept, not raised: the steps
    /// stay in memory and the caller decides — `analyze` stops, `live` warns and goes on.
    fn keep(&mut self, done: Vec<StepRecord>) -> Result<Vec<StepRecord>> {
        if self.write_error.is_none() {
            for step in &done {
                if let Err(e) = self.writer.write(step) {
                    self.write_error = Some(format!("{e:#}"));
                    break;
                }
            }
        }
        self.steps.extend(done.iter().cloned());
        Ok(done)
    }

    /// Whether cues may be shown from now on (a cue not allowed is not shown, nor written as
    /// shown; the rule's finding stays in `active_cue`).
    pub fn allow_cues(&mut self, allowed: bool, retest: bool) {
        self.cues_allowed = allowed && !retest;
        self.banner.allow(self.cues_allowed, retest);
    }

    /// A live session's clock starts at `t0`: the schedule given counts from there.
    pub fn start_schedule_at(&mut self, t0: f64) {
        self.analyzer.start_schedule_at(t0);
    }

    /// The belt was set to a new speed at media time `t` (typed during a live session).
    pub fn set_belt_speed(&mut self, t: f64, speed: crate::analysis::scale::BeltSpeed) {
        self.analyzer.set_belt_speed(t, speed);
    }

    /// Changes of belt speed the stance foot shows that the given speeds do not.
    fn speed_warnings(&self, spans: &[crate::analysis::SpeedSpan]) -> Vec<String> {
        let given: Vec<f64> = spans
            .iter()
            .filter(|s| s.source == "given")
            .map(|s| s.from_s)
            .collect();
        self.analyzer
            .detected_speed_changes()
            .iter()
            .filter_map(|c| {
                let change = format!("the belt's speed changed at {:.0} s (x{:.2}, from the foot's speed over the belt)", c.at_s, c.ratio);
                match given.len() {
                    0 => Some(format!("{change}: the stages are told apart, but give --speed-schedule for step lengths in metres")),
                    1 => Some(format!("{change}, but one belt speed was given: step lengths after it are unknown; give --speed-schedule")),
                    _ => (!given.iter().any(|g| (g - c.at_s).abs() < 15.0))
                        .then(|| format!("{change}, where the speed schedule has no change: check the schedule")),
                }
            })
            .collect()
    }

    /// Why `steps.csv` stopped being written, if it did.
    pub fn write_error(&self) -> Option<&str> {
        self.write_error.as_deref()
    }

    /// The cue on screen with the latest frame: the latest shown cue, held for a moment
    /// while the feedback schedule allows cues.
    pub fn cue_on_screen(&self) -> Option<&str> {
        self.on_screen.as_deref()
    }

    /// What the banner shows at media time `t` for the person `track`: the cue, or "good"
    /// when the last step of that person (within the hold time) was judged against the
    /// runner's references and found nothing, while feedback may be seen.
    pub fn banner_at(&self, t: f64, track: Option<u64>) -> Option<Banner> {
        if let Some(cue) = &self.on_screen {
            return Some(Banner::Cue(cue.clone()));
        }
        let last = self.steps.last()?;
        let fresh = t - last.decided_at_s <= self.banner.hold_s() && last.track == track;
        let good = fresh && last.valid && last.judged && last.active_cue.is_none();
        (good && self.cues_allowed && self.banner.may_show(t)).then_some(Banner::Good)
    }

    /// The latest contact of `track` to draw at media time `t` (held briefly after the
    /// step is decided; nothing carried over to someone else).
    pub fn contact_at(&self, t: f64, track: Option<u64>) -> Option<ContactDrawing> {
        let last = self.steps.iter().rev().find(|s| s.at_contact.is_some())?;
        (last.track == track && t - last.decided_at_s <= CONTACT_HOLD_S && t >= last.ic_time_s)
            .then(|| ContactDrawing::of_step(last))
            .flatten()
    }

    /// The latest step of `track` (the header names nobody else's).
    pub fn last_step_of(&self, track: Option<u64>) -> Option<&StepRecord> {
        self.steps.last().filter(|s| s.track == track && track.is_some())
    }

    /// The video file's header states `fps` (see [`GaitStage::finish`]'s frame-rate warning).
    pub fn with_stated_fps(mut self, fps: Option<f64>) -> Self {
        self.stated_fps = fps;
        self
    }

    pub fn last_step(&self) -> Option<&StepRecord> {
        self.steps.last()
    }

    /// Closes open steps and writes `summary.json`, with `run`: how the run went, as the
    /// command measured it (frames, drops, stage times…).
    pub fn finish(mut self, run: serde_json::Map<String, Value>) -> Result<GaitOutputs> {
        let done = self.analyzer.finish();
        self.keep(done)?;
        // The clock as judged over the whole session decides: steps counted before it could be
        // judged slow are withdrawn, and steps held back by a passing verdict that the whole
        // session does not confirm are counted again (they passed every other check).
        let time_base = self.analyzer.time_base();
        let clock_problem = time_base.and_then(|tb| tb.problem());
        let mut changed = 0;
        for s in self.steps.iter_mut() {
            let held = s
                .reason
                .as_deref()
                .is_some_and(|r| r.starts_with(time_base::PROBLEM_PREFIX));
            match &clock_problem {
                Some(problem) if s.valid => {
                    s.valid = false;
                    s.reason = Some(problem.clone());
                    s.cue = None;
                    changed += 1;
                }
                None if held => {
                    s.valid = true;
                    s.reason = None;
                    changed += 1;
                }
                _ => {}
            }
        }
        if changed > 0 && self.write_error.is_none() {
            if let Err(e) = crate::session::steps::rewrite(&self.steps_path, &self.steps) {
                self.write_error = Some(format!("{e:#}"));
            }
        }
        let mut session = self.session.clone();
        session.run.extend(run);
        let mut warnings = Vec::new();
        if let Some(problem) = clock_problem {
            let remedy = time_base
                .and_then(|tb| tb.remedy(self.session.fps))
                .unwrap_or_default();
            warnings.push(format!("{problem}: no step is counted; {remedy}"));
        }
        warnings.extend(self.view.warnings(&self.steps, self.stated_fps));
        warnings.extend(sides::few_steps(&self.steps, self.stages.min_steps_per_side));
        if let (Some(k), false) = (self.session.plays_slower_by, self.steps.iter().any(|s| s.valid)) {
            warnings.push(format!(
                "no step was counted with the clip timed as filmed at {:.0} frames per second (--filmed-fps; it plays {}): check that rate against the camera's setting",
                self.session.fps,
                crate::capture::filmed::slower_or_faster(k)
            ));
        }
        let spans = self.analyzer.speed_spans();
        warnings.extend(self.speed_warnings(&spans));
        session
            .run
            .insert("frames_with_pelvic_markers".into(), self.marker_frames.into());
        session.warnings = warnings.clone();
        let (lost_s, lost_times) = self.view.runner_lost();
        session.runner_lost_s = Some(lost_s);
        session.runner_lost_times = Some(lost_times);
        // The pose stage's own count (every detector run) may be higher than the view's.
        let counted = session.run.remove("most_people_in_view").and_then(|v| v.as_u64());
        session.most_people_in_view = Some(counted.unwrap_or(0).max(self.view.most_people() as u64));
        let mut summary = summary::build(&self.steps, session);
        let end = self.analyzer.last_t().unwrap_or(0.0);
        let (stages, strategy) = speed_stages::build(&self.steps, &spans, end, &self.stages);
        summary.time_base = serde_json::to_value(time_base)?;
        summary.speed_stages = stages;
        summary.speed_strategy = strategy;
        summary.feedback = self.banner.facts();
        summary.cue_rules = self.cue_rules.clone().into();
        summary::write(&self.summary_path, &summary)?;
        if let Some(e) = &self.write_error {
            anyhow::bail!(
                "steps.csv is incomplete ({e}); summary.json holds all {} steps",
                self.steps.len()
            );
        }
        Ok(GaitOutputs {
            warnings,
            steps: self.steps,
            steps_csv: self.steps_path,
            summary_json: self.summary_path,
        })
    }
}

#[derive(Debug)]
pub struct GaitOutputs {
    /// What made the session hard or impossible to measure, one sentence each.
    pub warnings: Vec<String>,
    pub steps: Vec<StepRecord>,
    pub steps_csv: PathBuf,
    pub summary_json: PathBuf,
}

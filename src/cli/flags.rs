//! The flags shared by several commands (pose, gait, report), each laid over its section
//! of the settings file.

use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::Args;
use gaitcue::analysis::scale::BeltSpeed;
use gaitcue::analysis::speed::SpeedSchedule;
use gaitcue::analysis::AnalysisConfig;
use gaitcue::config::{PoseConfig, RunnerZone};
use gaitcue::pose::landmarks::ModelVariant;
use gaitcue::session::course::{self, Course, Visit};

#[derive(Args)]
pub(super) struct PoseFlags {
    /// Landmark model: full (default) or lite (faster, less accurate on legs and feet).
    #[arg(long)]
    model: Option<ModelVariant>,
    /// Folder holding the ONNX pose models.
    #[arg(long)]
    models: Option<PathBuf>,
    /// ONNX Runtime threads per model.
    #[arg(long)]
    threads: Option<usize>,
    /// Where the runner's hips may be, as fractions of the frame: x0,y0,x1,y1.
    #[arg(long)]
    zone: Option<RunnerZone>,
}

#[derive(Args)]
pub(super) struct ReportFlags {
    /// Who the session is for, as the report should name them (shown in the report only).
    #[arg(long, value_name = "NAME")]
    patient: Option<String>,
    /// The clinician's notes for the report.
    #[arg(long, value_name = "TEXT")]
    notes: Option<String>,
}

impl ReportFlags {
    pub(super) fn apply(self, mut r: gaitcue::report::ReportConfig) -> gaitcue::report::ReportConfig {
        if self.patient.is_some() {
            r.patient = self.patient;
        }
        if self.notes.is_some() {
            r.notes = self.notes;
        }
        r
    }
}

#[derive(Args)]
pub(super) struct CourseFlags {
    /// The runner's folder: the session goes into a new subfolder named for the date, the
    /// visit and its number (e.g. 2026-12-05-retrain-2); cues fade with the count of earlier
    /// retraining sessions there. `gaitcue progress DIR` shows the whole course.
    #[arg(long, value_name = "DIR", conflicts_with = "out")]
    pub(super) runner: Option<PathBuf>,
    /// What this session is in the runner's course: test (no cues), retrain (cues) or retest
    /// (no cues) [default: test in a new runner folder, else retrain; retest with --retest].
    #[arg(long, requires = "runner")]
    visit: Option<Visit>,
}

impl CourseFlags {
    /// The session's place in the runner's course (`None` without --runner), from the
    /// sessions already in the folder.
    pub(super) fn plan(&self, retest: bool) -> Option<Course> {
        let runner = self.runner.as_deref()?;
        let visit = self.visit.or(retest.then_some(Visit::Retest));
        Some(course::next(&course::earlier(runner), visit))
    }
}

/// What a visit implies for the cues: none in a test or a retest; in a retraining session,
/// the fading share of the session counted in the runner's folder, unless a session
/// number or a share was given (by flag or in the settings file). Settings that contradict
/// the visit are refused rather than one of them silently winning.
pub(super) fn follow_course(a: &mut AnalysisConfig, course: &Course) -> Result<()> {
    let feedback = &mut a.cues.feedback;
    let schedule_set = feedback.session_number.is_some() || feedback.visible_share.is_some();
    match course.visit {
        Visit::Test | Visit::Retest if schedule_set => bail!(
            "a {} gives no cues, so --session-number and --feedback-share (or the settings file's session_number and visible_share) do not apply: drop them, or use --visit retrain",
            course.visit
        ),
        Visit::Retrain if feedback.retest => bail!(
            "--visit retrain and --retest contradict each other: a retest is --visit retest"
        ),
        Visit::Test => a.cues.enabled = false,
        Visit::Retest => feedback.retest = true,
        Visit::Retrain => {
            if !schedule_set {
                feedback.session_number = Some(course.retrain_before + 1);
            }
        }
    }
    Ok(())
}

#[derive(Args)]
pub(super) struct GaitFlags {
    /// Treadmill belt speed, e.g. "10 km/h" or "6.2 mph": gives step length and a cm scale.
    #[arg(long, conflicts_with = "speed_schedule")]
    belt_speed: Option<BeltSpeed>,
    /// Belt speed by stage, seconds from the start:km/h, e.g. "0:8,60:9,120:10".
    #[arg(long, value_name = "SECONDS:KMH,...")]
    speed_schedule: Option<SpeedSchedule>,
    /// Runner height in cm: a cm scale when no belt speed is given.
    #[arg(long)]
    height_cm: Option<f64>,
    /// Track coloured ASIS/PSIS stickers for pelvic tilt (see README).
    #[arg(long)]
    markers: bool,
    /// Pelvic tilt measured standing, degrees (from `gaitcue calibrate`).
    #[arg(long, allow_hyphen_values = true)]
    standing_tilt: Option<f64>,
    /// Which session of the retraining this is (1, 2, …): cues fade with it, shown all
    /// the time in sessions 1-2, then 75 %, 50 % and 25 % of the time (see README).
    #[arg(long, value_name = "N")]
    session_number: Option<u32>,
    /// Share of the time cues may be seen, 0-1 (instead of the session number's).
    #[arg(long, value_name = "SHARE")]
    feedback_share: Option<f64>,
    /// A retest: the gait is measured and no cue is ever shown.
    #[arg(long)]
    pub(super) retest: bool,
    /// A speed-ramp test: stages from 80 % of --easy-pace up by 10 % each (see README),
    /// cues off; gives the speed schedule.
    #[arg(long, value_enum, requires = "easy_pace", conflicts_with_all = ["belt_speed", "speed_schedule"])]
    pub(super) protocol: Option<Protocol>,
    /// The runner's easy pace on the treadmill, e.g. "10 km/h" (for --protocol ramp).
    #[arg(long, requires = "protocol")]
    easy_pace: Option<BeltSpeed>,
}

/// A test protocol.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub(super) enum Protocol {
    /// Rising belt speed in stages.
    Ramp,
}

impl GaitFlags {
    pub(super) fn apply(self, mut a: AnalysisConfig) -> Result<AnalysisConfig> {
        if self.belt_speed.is_some() {
            a.belt_speed = self.belt_speed;
            a.speed_schedule = None;
        }
        if self.speed_schedule.is_some() {
            a.speed_schedule = self.speed_schedule;
            a.belt_speed = None;
        }
        if self.height_cm.is_some() {
            a.runner_height_cm = self.height_cm;
        }
        if self.markers {
            a.pelvis.markers = true;
        }
        if self.standing_tilt.is_some() {
            a.pelvis.standing_tilt_deg = self.standing_tilt;
        }
        let feedback = &mut a.cues.feedback;
        if self.session_number.is_some() {
            feedback.session_number = self.session_number;
        }
        if self.feedback_share.is_some() {
            feedback.visible_share = self.feedback_share;
        }
        if self.retest {
            feedback.retest = true;
        }
        if let (Some(Protocol::Ramp), Some(easy)) = (self.protocol, self.easy_pace) {
            a.speed_schedule = Some(a.ramp.schedule(easy)?);
            a.belt_speed = None;
            a.cues.enabled = false;
        }
        Ok(a)
    }
}

impl PoseFlags {
    pub(super) fn apply(self, mut pose: PoseConfig) -> PoseConfig {
        if let Some(m) = self.model {
            pose.model = m;
        }
        if let Some(d) = self.models {
            pose.models_dir = d;
        }
        if let Some(t) = self.threads {
            pose.threads = t;
        }
        if let Some(z) = self.zone {
            pose.runner_zone = z;
        }
        pose
    }
}

//! The live analysis thread: every frame's keypoints written, the gait analysed, and the
//! frame with its pose and new steps handed to the screen.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Instant;

use anyhow::{Context, Result};
use crossbeam_channel::{Receiver, Sender};

use super::problems::Problem;
use crate::analysis::scale::BeltSpeed;
use crate::analysis::{PoseSample, StepRecord};
use crate::app::gait_stage::GaitStage;
use crate::app::stages::Posed;
use crate::frame::Frame;
use crate::overlay::contact::ContactDrawing;
use crate::overlay::Banner;
use crate::pose::PersonBox;
use crate::pose::Pose;
use crate::session::keypoints::{KeypointsRecord, KeypointsWriter};
use crate::timing::StageTimes;

/// What the analysis stage hands the screen.
pub(super) struct Packet {
    pub(super) frame: Frame,
    pub(super) pose: Option<Pose>,
    pub(super) steps: Vec<StepRecord>,
    /// The cue on screen with this frame.
    pub(super) cue: Option<String>,
    /// The banner for this frame (the cue, or "good") and the contact overlay.
    pub(super) banner: Option<Banner>,
    pub(super) contact: Option<ContactDrawing>,
    /// Everyone in view, where the pose stage looked around in this frame.
    pub(super) people: Option<Vec<PersonBox>>,
    /// Files of the session the analysis could no longer write, each said once.
    pub(super) not_saved: Vec<Problem>,
}

/// The analysis stage's thread result: the stage itself (so its steps can be saved
/// whatever happened), its timings, and the error that stopped it, if one did.
pub(super) type AnalysisResult = (GaitStage, StageTimes, Option<anyhow::Error>);

/// What the screen tells the analysis while it runs.
pub(super) struct Controls {
    /// Whether cues may be shown (off while hidden, and for a retest or a ramp).
    pub(super) cues_allowed: Arc<AtomicBool>,
    /// Set when a retest begins: no cue from then on.
    pub(super) retest: Arc<AtomicBool>,
    /// Belt speeds typed: (media time, speed).
    pub(super) speeds: Receiver<(f64, BeltSpeed)>,
}

pub(super) fn spawn_analysis(
    mut gait: GaitStage,
    mut keypoints: Option<KeypointsWriter>,
    rx: Receiver<Posed>,
    tx: Sender<Packet>,
    controls: Controls,
) -> Result<thread::JoinHandle<Result<AnalysisResult>>> {
    thread::Builder::new()
        .name("analysis".into())
        .spawn(move || {
            let mut times = StageTimes::default();
            let mut warned = false;
            let mut first = true;
            let mut not_saved = Vec::new();
            for Posed { frame, pose, people } in rx.iter() {
                let t0 = Instant::now();
                let size = (frame.width(), frame.height());
                // Every frame's keypoints, written here so that none is ever skipped.
                if let Some(w) = &mut keypoints {
                    let record = KeypointsRecord::new(
                        frame.id,
                        frame.pts_s,
                        size.0,
                        size.1,
                        pose.as_ref(),
                        people.as_deref(),
                    );
                    if let Err(e) = w.write(&record) {
                        not_saved.push(Problem::NotSaved {
                            what: "keypoints",
                            why: format!("{e:#}"),
                        });
                        keypoints = None;
                    }
                }
                if std::mem::take(&mut first) {
                    // The schedule counts from the session's first frame, as its screen does.
                    gait.start_schedule_at(frame.pts_s);
                }
                while let Ok((t, speed)) = controls.speeds.try_recv() {
                    gait.set_belt_speed(t, speed);
                }
                gait.allow_cues(
                    controls.cues_allowed.load(Ordering::SeqCst),
                    controls.retest.load(Ordering::SeqCst),
                );
                let sample = PoseSample::from_pose(frame.id, frame.pts_s, size, pose.as_ref());
                let steps = match gait.process(&sample, Some(&frame.image)) {
                    Ok(s) => s,
                    Err(e) => return Ok((gait, times, Some(e))),
                };
                if let (Some(e), false) = (gait.write_error(), warned) {
                    warned = true;
                    not_saved.push(Problem::NotSaved {
                        what: "steps",
                        why: e.to_string(),
                    });
                }
                times.record("analysis", t0.elapsed());
                let cue = gait.cue_on_screen().map(String::from);
                let track = pose.as_ref().map(|p| p.track);
                let packet = Packet {
                    banner: gait.banner_at(frame.pts_s, track),
                    contact: gait.contact_at(frame.pts_s, track),
                    frame,
                    pose,
                    steps,
                    cue,
                    people,
                    not_saved: std::mem::take(&mut not_saved),
                };
                if tx.send(packet).is_err() {
                    break;
                }
            }
            Ok((gait, times, None))
        })
        .context("starting the analysis thread")
}

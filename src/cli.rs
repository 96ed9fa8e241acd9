//! The command line: clap's types for every command and flag, turned into each command's
//! validated options, run, and its summary printed (each summary is the command's
//! `Display`).

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Parser, Subcommand};
use gaitcue::analysis::scale::BeltSpeed;
use gaitcue::analysis::speed::SpeedSchedule;
use gaitcue::analysis::AnalysisConfig;
use gaitcue::app::analyze::{self, AnalyzeInput, AnalyzeOptions};
use gaitcue::app::live::LiveOptions;
use gaitcue::bench::{self, BenchOptions};
use gaitcue::capture::LiveSource;
use gaitcue::config::{Config, PoseConfig, RunnerZone};
use gaitcue::pose::landmarks::ModelVariant;
use gaitcue::record::session_dir;

/// Running-gait analysis beside the treadmill: pose, foot strikes, overstride, cues.
#[derive(Parser)]
#[command(name = "gaitcue", version, about)]
pub struct Cli {
    /// TOML settings file (see README); flags override it.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Analyse a recorded clip: writes DIR/annotated.mp4, keypoints.jsonl, steps.csv,
    /// summary.json, report.html and clips/ (or, with --keypoints, replays recorded
    /// keypoints: steps, summary and report).
    Analyze {
        /// The video file (side view of the runner).
        #[arg(required_unless_present = "keypoints", conflicts_with = "keypoints")]
        video: Option<PathBuf>,
        /// Replay a keypoints.jsonl instead of analysing a video.
        #[arg(long)]
        keypoints: Option<PathBuf>,
        /// Output folder (created if needed) [default: out/<video name>, or
        /// out/<video name>-2… when taken]. A folder holding a session is refused unless
        /// --overwrite is given.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Replace the session already in --out (its results stay whole if this run fails).
        #[arg(long)]
        overwrite: bool,
        /// Hide the progress bar.
        #[arg(long)]
        quiet: bool,
        #[command(flatten)]
        pose: PoseFlags,
        #[command(flatten)]
        gait: GaitFlags,
        #[command(flatten)]
        report: ReportFlags,
    },
    /// Live session: camera or stream to skeleton and cue on screen, with recording.
    Live {
        /// Camera index (/dev/videoN).
        #[arg(long, conflicts_with = "source")]
        camera: Option<i32>,
        /// A video file (played at its real speed), a stream URL, a GStreamer pipeline
        /// ending in appsink, or "demo" for the bundled clip.
        #[arg(long)]
        source: Option<String>,
        /// No window: status lines on stderr, commands on stdin.
        #[arg(long)]
        headless: bool,
        /// Video files only: show and record every frame, waiting for the analysis instead
        /// of skipping frames (plays slower than real time on a slow computer).
        #[arg(long)]
        every_frame: bool,
        /// Record the annotated clip from the first frame.
        #[arg(long)]
        record: bool,
        /// Also record the clip without overlay.
        #[arg(long)]
        record_raw: bool,
        /// Session folder [default: out/live-<date>-<time>]. A folder holding a session
        /// is refused unless --overwrite is given.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Replace the session already in --out (removed once the source delivers).
        #[arg(long)]
        overwrite: bool,
        /// End the session after this many seconds.
        #[arg(long)]
        duration: Option<f64>,
        /// Seconds kept for "save the last seconds" (0: off).
        #[arg(long, default_value_t = 10.0)]
        preroll: f64,
        /// Delay of the delayed replay, seconds.
        #[arg(long, default_value_t = 5.0)]
        delay: f64,
        /// Start with delayed replay on.
        #[arg(long)]
        delayed: bool,
        /// Open the window over the whole screen, for the runner on the treadmill (F11
        /// toggles).
        #[arg(long)]
        fullscreen: bool,
        /// Phase to mark at the start (test, retest, …).
        #[arg(long)]
        phase: Option<String>,
        /// Mirror the view (the runner sees themselves as in a mirror).
        #[arg(long)]
        mirror: bool,
        /// Start with cues hidden.
        #[arg(long)]
        no_cues: bool,
        /// Seconds between headless status lines.
        #[arg(long, default_value_t = 5.0)]
        status_every: f64,
        #[command(flatten)]
        pose: PoseFlags,
        #[command(flatten)]
        gait: GaitFlags,
        #[command(flatten)]
        report: ReportFlags,
    },
    /// Rebuild the report of a session folder (report.html, clips/).
    Report {
        /// A folder written by gaitcue analyze or live.
        dir: PathBuf,
    },
    /// Compare a baseline session with a retest: every metric's change and whether it is
    /// larger than the smallest detectable difference.
    Compare {
        baseline: PathBuf,
        retest: PathBuf,
        /// Output folder for compare.html and compare.json.
        #[arg(long)]
        out: PathBuf,
    },
    /// Measure the standing pelvic tilt from ASIS/PSIS stickers (marker mode's zero).
    Calibrate {
        /// A few seconds of the runner standing still in profile, stickers on.
        video: PathBuf,
        #[command(flatten)]
        pose: PoseFlags,
    },
    /// Time every stage on a clip and print medians and frames per second.
    Bench {
        video: PathBuf,
        /// Stop after this many frames.
        #[arg(long)]
        frames: Option<u64>,
        /// Per-frame time of a reference pose implementation, ms, to print the speed-up.
        #[arg(long)]
        baseline_ms: Option<f64>,
        #[command(flatten)]
        pose: PoseFlags,
    },
}

#[derive(Args)]
struct PoseFlags {
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
struct ReportFlags {
    /// Who the session is for, as the report should name them (shown in the report only).
    #[arg(long, value_name = "NAME")]
    patient: Option<String>,
    /// The clinician's notes for the report.
    #[arg(long, value_name = "TEXT")]
    notes: Option<String>,
}

impl ReportFlags {
    fn apply(self, mut r: gaitcue::report::ReportConfig) -> gaitcue::report::ReportConfig {
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
struct GaitFlags {
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
    retest: bool,
    /// A speed-ramp test: stages from 80 % of --easy-pace up by 10 % each (see README),
    /// cues off; gives the speed schedule.
    #[arg(long, value_enum, requires = "easy_pace", conflicts_with_all = ["belt_speed", "speed_schedule"])]
    protocol: Option<Protocol>,
    /// The runner's easy pace on the treadmill, e.g. "10 km/h" (for --protocol ramp).
    #[arg(long, requires = "protocol")]
    easy_pace: Option<BeltSpeed>,
}

/// A test protocol.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum Protocol {
    /// Rising belt speed in stages.
    Ramp,
}

impl GaitFlags {
    fn apply(self, mut a: AnalysisConfig) -> Result<AnalysisConfig> {
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
    fn apply(self, mut pose: PoseConfig) -> PoseConfig {
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

pub fn run(cli: Cli) -> Result<()> {
    let config = Config::load(cli.config.as_deref())?;
    match cli.command {
        Command::Analyze {
            video,
            keypoints,
            out,
            overwrite,
            quiet,
            pose,
            gait,
            report,
        } => {
            let input = match (video, keypoints) {
                (_, Some(k)) => AnalyzeInput::Keypoints(k),
                (Some(v), None) => AnalyzeInput::Video(v),
                (None, None) => anyhow::bail!("give a video file or --keypoints FILE"),
            };
            let claimed = out.is_none();
            let out = match (out, &input) {
                (Some(out), _) => out,
                (None, AnalyzeInput::Video(p) | AnalyzeInput::Keypoints(p)) => analyze::default_out_dir(p)?,
            };
            let opts = AnalyzeOptions {
                input,
                out,
                pose: pose.apply(config.pose),
                analysis: gait.apply(config.analysis)?,
                report: report.apply(config.report),
                progress: !quiet,
                overwrite,
            };
            let done = unclaim_on_failure(analyze::run(&opts), &opts.out, claimed)?;
            print!("{done}");
            warn_all(&done.gait.warnings);
            if done.interrupted.is_some() {
                anyhow::bail!(
                    "stopped by Ctrl-C after frame {}; what was analysed is saved in '{}'",
                    done.frames,
                    done.saved_in.display()
                );
            }
        }
        Command::Live {
            camera,
            source,
            headless,
            every_frame,
            record,
            record_raw,
            out,
            overwrite,
            duration,
            preroll,
            delay,
            delayed,
            fullscreen,
            phase,
            mirror,
            no_cues,
            status_every,
            pose,
            gait,
            report,
        } => {
            let pose = pose.apply(config.pose);
            let ramp = gait.protocol.is_some();
            let analysis = gait.apply(config.analysis)?;
            let source = LiveSource::choose(camera, source.as_deref());
            let claimed = out.is_none();
            let out = match out {
                Some(out) => out,
                None => session_dir::claim_default(
                    &PathBuf::from("out").join(format!("live-{}", session_dir::stamp())),
                )?,
            };
            let opts = LiveOptions {
                report: report.apply(config.report),
                source: source.spec,
                pace: source.pace,
                every_frame,
                headless,
                record,
                record_raw,
                out,
                pose,
                analysis,
                duration_s: duration,
                preroll_s: preroll,
                delay_s: delay,
                delayed,
                fullscreen,
                phase,
                mirror,
                cues_on: !no_cues,
                ramp,
                status_every_s: status_every,
                overwrite,
            };
            let done = unclaim_on_failure(gaitcue::app::live::run(&opts), &opts.out, claimed)?;
            print!("{done}");
            warn_all(&done.gait.warnings);
        }
        Command::Report { dir } => {
            let started = std::time::Instant::now();
            // A live session still writing, or another report, must not share the folder.
            let _held = if dir.is_dir() {
                Some(session_dir::SessionDir::lock(&dir, "report")?)
            } else {
                None
            };
            let progress = gaitcue::app::progress_bar(true, None, "report");
            let path = gaitcue::report::build(&dir, &config.report, &config.pose, &progress)?;
            progress.finish_and_clear();
            println!(
                "report: {} ({:.1} s)",
                path.display(),
                started.elapsed().as_secs_f64()
            );
        }
        Command::Compare {
            baseline,
            retest,
            out,
        } => {
            let o = gaitcue::report::compare::run(
                &baseline,
                &retest,
                &out,
                config.report.blur_faces,
                &config.pose,
            )?;
            print!("{o}");
        }
        Command::Calibrate { video, pose } => {
            let c = gaitcue::app::calibrate::run(&video, &pose.apply(config.pose), &config.analysis.pelvis)?;
            print!("{c}");
        }
        Command::Bench {
            video,
            frames,
            baseline_ms,
            pose,
        } => {
            let pose = pose.apply(config.pose);
            let (model, threads) = (pose.model.name(), pose.threads);
            let opts = BenchOptions {
                scratch_dir: bench::default_scratch_dir(&video),
                video,
                pose,
                max_frames: frames,
                baseline_pose_ms: baseline_ms,
            };
            let report = bench::run(&opts)?;
            let _ = std::fs::remove_dir_all(&opts.scratch_dir);
            print!("{}", report.render(model, threads, opts.baseline_pose_ms));
        }
    }
    Ok(())
}

/// A run's result; when it failed, the default folder made for it goes again unless
/// something was written into it.
fn unclaim_on_failure<T>(done: Result<T>, out: &std::path::Path, claimed: bool) -> Result<T> {
    if claimed && done.is_err() {
        session_dir::release_if_empty(out);
    }
    done
}

fn warn_all(warnings: &[String]) {
    for w in warnings {
        eprintln!("gaitcue: warning: {w}");
    }
}

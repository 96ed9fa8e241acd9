//! The command line: clap's types for every command and flag, turned into each command's
//! validated options, run, and its summary printed (each summary is the command's
//! `Display`).

mod flags;

use std::path::PathBuf;

use anyhow::Result;
use clap::{Parser, Subcommand};
use gaitcue::app::analyze::{self, AnalyzeInput, AnalyzeOptions};
use gaitcue::app::live::LiveOptions;
use gaitcue::bench::{self, BenchOptions};
use gaitcue::capture::filmed::check_filmed_fps;
use gaitcue::capture::LiveSource;
use gaitcue::config::{Config, Settings};
use gaitcue::record::session_dir;
use gaitcue::session::course::Course;

use flags::{CourseFlags, GaitFlags, PoseFlags, ReportFlags};

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
        /// The frame rate the camera filmed at, where the clip plays slower (a phone's
        /// slow motion: 120 or 240, saved to play at 30): times are measured as filmed.
        #[arg(long, value_name = "FPS")]
        filmed_fps: Option<f64>,
        #[command(flatten)]
        pose: PoseFlags,
        #[command(flatten)]
        gait: GaitFlags,
        #[command(flatten)]
        report: ReportFlags,
        #[command(flatten)]
        course: CourseFlags,
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
        #[command(flatten)]
        course: CourseFlags,
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
    /// A runner's course on one page: every session in the runner's folder (--runner) set
    /// beside the first test at the same belt speed; writes progress.html, progress.json
    /// and progress.csv into it.
    Progress {
        /// The runner's folder.
        dir: PathBuf,
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

pub fn run(cli: Cli) -> Result<()> {
    let config = Config::load(cli.config.as_deref())?;
    match cli.command {
        Command::Analyze {
            video,
            keypoints,
            out,
            overwrite,
            quiet,
            filmed_fps,
            pose,
            gait,
            report,
            course,
        } => {
            let filmed_fps = filmed_fps.map(check_filmed_fps).transpose()?;
            let input = match (video, keypoints) {
                (_, Some(k)) => AnalyzeInput::Keypoints(k),
                (Some(v), None) => AnalyzeInput::Video(v),
                (None, None) => anyhow::bail!("give a video file or --keypoints FILE"),
            };
            // Checked before a default folder is claimed for the results.
            let (settings, plan) = settings_for(&config, pose, gait, report, &course)?;
            let claimed = out.is_none();
            let (out, settings) = match (out, &input, course.runner, plan) {
                (Some(out), ..) => (out, settings),
                (None, _, Some(runner), Some(plan)) => in_runner_folder(&runner, plan, settings)?,
                (None, AnalyzeInput::Video(p) | AnalyzeInput::Keypoints(p), ..) => {
                    (analyze::default_out_dir(p)?, settings)
                }
            };
            let opts = AnalyzeOptions {
                input,
                out,
                settings,
                progress: !quiet,
                overwrite,
                filmed_fps,
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
            course,
        } => {
            let ramp = gait.protocol.is_some();
            let (settings, plan) = settings_for(&config, pose, gait, report, &course)?;
            let source = LiveSource::choose(camera, source.as_deref());
            let claimed = out.is_none();
            let (out, settings) = match (out, course.runner, plan) {
                (Some(out), ..) => (out, settings),
                (None, Some(runner), Some(plan)) => in_runner_folder(&runner, plan, settings)?,
                (None, ..) => (
                    session_dir::claim_default(
                        &PathBuf::from("out").join(format!("live-{}", session_dir::stamp())),
                    )?,
                    settings,
                ),
            };
            let opts = LiveOptions {
                source: source.spec,
                pace: source.pace,
                every_frame,
                headless,
                record,
                record_raw,
                out,
                settings,
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
        Command::Progress { dir } => {
            print!("{}", gaitcue::report::progress::run(&dir)?);
        }
        Command::Calibrate { video, pose } => {
            let settings = Settings::checked(pose.apply(config.pose), config.analysis, config.report)?;
            let c = gaitcue::app::calibrate::run(&video, &settings)?;
            print!("{c}");
        }
        Command::Bench {
            video,
            frames,
            baseline_ms,
            pose,
        } => {
            let settings = Settings::checked(pose.apply(config.pose), config.analysis, config.report)?;
            let (model, threads) = (settings.pose().model.name(), settings.pose().threads);
            let opts = BenchOptions {
                scratch_dir: bench::default_scratch_dir(&video),
                video,
                settings,
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

/// The checked settings of an analyze or live run, with what its place in a runner's course
/// implies for the cues (the plan: `None` without --runner).
fn settings_for(
    config: &Config,
    pose: PoseFlags,
    gait: GaitFlags,
    report: ReportFlags,
    course: &CourseFlags,
) -> Result<(Settings, Option<Course>)> {
    let plan = course.plan(gait.retest);
    let mut analysis = gait.apply(config.analysis.clone())?;
    if let Some(plan) = &plan {
        flags::follow_course(&mut analysis, plan)?;
    }
    let mut settings = Settings::checked(
        pose.apply(config.pose.clone()),
        analysis,
        report.apply(config.report.clone()),
    )?;
    if let Some(plan) = plan {
        settings.set_course(plan);
    }
    Ok((settings, plan))
}

/// Claims the session's folder in the runner's folder; the settings record the course as
/// claimed.
fn in_runner_folder(
    runner: &std::path::Path,
    plan: Course,
    mut settings: Settings,
) -> Result<(PathBuf, Settings)> {
    let (out, course) = session_dir::claim_in_runner(runner, plan)?;
    settings.set_course(course);
    Ok((out, settings))
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

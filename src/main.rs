//! The `gaitcue` command line: parse flags, build a validated configuration, run.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, Parser, Subcommand};
use gaitcue::analysis::scale::BeltSpeed;
use gaitcue::analysis::AnalysisConfig;
use gaitcue::app::analyze::{self, AnalyzeInput, AnalyzeOptions};
use gaitcue::app::live::LiveOptions;
use gaitcue::bench::{self, BenchOptions};
use gaitcue::capture::SourceSpec;
use gaitcue::config::{Config, PoseConfig, RunnerZone};
use gaitcue::pose::landmarks::ModelVariant;

/// Running-gait analysis beside the treadmill: pose, foot strikes, overstride, cues.
#[derive(Parser)]
#[command(name = "gaitcue", version, about)]
struct Cli {
    /// TOML settings file (see README); flags override it.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Analyse a recorded clip: writes DIR/annotated.mp4, keypoints.jsonl, steps.csv and
    /// summary.json (or, with --keypoints, replays recorded keypoints: steps and summary).
    Analyze {
        /// The video file (side view of the runner).
        #[arg(required_unless_present = "keypoints", conflicts_with = "keypoints")]
        video: Option<PathBuf>,
        /// Replay a keypoints.jsonl instead of analysing a video.
        #[arg(long)]
        keypoints: Option<PathBuf>,
        /// Output folder (created if needed) [default: out/<video name>].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Hide the progress bar.
        #[arg(long)]
        quiet: bool,
        #[command(flatten)]
        pose: PoseFlags,
        #[command(flatten)]
        gait: GaitFlags,
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
        /// Session folder [default: out/live-<unix time>].
        #[arg(long)]
        out: Option<PathBuf>,
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
struct GaitFlags {
    /// Treadmill belt speed, e.g. "10 km/h" or "6.2 mph": gives step length and a cm scale.
    #[arg(long)]
    belt_speed: Option<BeltSpeed>,
    /// Runner height in cm: a cm scale when no belt speed is given.
    #[arg(long)]
    height_cm: Option<f64>,
    /// Track coloured ASIS/PSIS stickers for pelvic tilt (see README).
    #[arg(long)]
    markers: bool,
    /// Pelvic tilt measured standing, degrees (from `gaitcue calibrate`).
    #[arg(long, allow_hyphen_values = true)]
    standing_tilt: Option<f64>,
}

impl GaitFlags {
    fn apply(self, mut a: AnalysisConfig) -> AnalysisConfig {
        if self.belt_speed.is_some() {
            a.belt_speed = self.belt_speed;
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
        a
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

fn run(cli: Cli) -> Result<()> {
    let config = Config::load(cli.config.as_deref())?;
    match cli.command {
        Command::Analyze {
            video,
            keypoints,
            out,
            quiet,
            pose,
            gait,
        } => {
            let input = match (video, keypoints) {
                (_, Some(k)) => AnalyzeInput::Keypoints(k),
                (Some(v), None) => AnalyzeInput::Video(v),
                (None, None) => anyhow::bail!("give a video file or --keypoints FILE"),
            };
            let out = out.unwrap_or_else(|| match &input {
                AnalyzeInput::Video(p) | AnalyzeInput::Keypoints(p) => analyze::default_out_dir(p),
            });
            let opts = AnalyzeOptions {
                input,
                out,
                pose: pose.apply(config.pose),
                analysis: gait.apply(config.analysis),
                report: config.report,
                progress: !quiet,
            };
            let s = analyze::run(&opts)?;
            println!(
                "analysed {} frames in {:.1} s: pose and analysis {:.1} s ({:.1} frames/s), report {:.1} s; runner found in {} ({:.0} %); {} steps",
                s.frames,
                s.wall_s + s.report_s,
                s.wall_s,
                s.frames as f64 / s.wall_s.max(1e-9),
                s.report_s,
                s.frames_with_runner,
                100.0 * s.frames_with_runner as f64 / s.frames.max(1) as f64,
                s.gait.steps.len()
            );
            if let Some(clip) = &s.clip {
                println!("annotated clip: {}", clip.display());
            }
            if let Some(k) = &s.keypoints {
                println!("keypoints:      {}", k.display());
            }
            println!("steps:          {}", s.gait.steps_csv.display());
            println!("summary:        {}", s.gait.summary_json.display());
            if let Some(r) = &s.report {
                println!("report:         {}", r.display());
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
            duration,
            preroll,
            delay,
            delayed,
            phase,
            mirror,
            no_cues,
            status_every,
            pose,
            gait,
        } => {
            let zone_given = pose.zone.is_some();
            let mut pose = pose.apply(config.pose);
            let (spec, pace) = match (camera, source.as_deref()) {
                (Some(i), _) => (SourceSpec::Camera(i), false),
                (None, Some("demo")) => {
                    if !zone_given {
                        // The demo's walker, not the man on the box (README).
                        pose.runner_zone = "0,0.45,1,1".parse()?;
                    }
                    (SourceSpec::File(demo_clip()), true)
                }
                (None, Some(text)) => {
                    let spec = SourceSpec::parse(text);
                    let pace = matches!(spec, SourceSpec::File(_));
                    (spec, pace)
                }
                (None, None) => (SourceSpec::Camera(0), false),
            };
            let out = out.unwrap_or_else(|| {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or(0);
                PathBuf::from("out").join(format!("live-{now}"))
            });
            let opts = LiveOptions {
                report: config.report,
                source: spec,
                pace,
                every_frame,
                headless,
                record,
                record_raw,
                out,
                pose,
                analysis: gait.apply(config.analysis),
                duration_s: duration,
                preroll_s: preroll,
                delay_s: delay,
                delayed,
                phase,
                mirror,
                cues_on: !no_cues,
                status_every_s: status_every,
            };
            let s = gaitcue::app::live::run(&opts)?;
            println!(
                "live session: {} frames shown ({:.1} fps), {} dropped at the entrance, {} by the recorder, {} reconnects",
                s.frames_shown, s.fps, s.dropped, s.recorder_dropped, s.reconnects
            );
            println!(
                "latency capture to screen: p50 {:.1} ms, p95 {:.1} ms; {} steps",
                s.latency.quantile(0.5).unwrap_or(f64::NAN),
                s.latency.quantile(0.95).unwrap_or(f64::NAN),
                s.gait.steps.len()
            );
            for c in &s.clips {
                println!("clip:    {}", c.display());
            }
            println!("steps:   {}", s.gait.steps_csv.display());
            println!("summary: {}", s.gait.summary_json.display());
            if let Some(r) = &s.report {
                println!("report:  {}", r.display());
            }
        }
        Command::Report { dir } => {
            let started = std::time::Instant::now();
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
            for c in o.changes.iter().filter(|c| c.meaningful) {
                println!("{:<28} {}", c.metric, c.verdict);
            }
            if o.changes.iter().all(|c| !c.meaningful) {
                println!("no meaningful change in any metric");
            }
            println!("comparison: {}", o.html.display());
            println!("data:       {}", o.json.display());
        }
        Command::Calibrate { video, pose } => {
            let c = gaitcue::app::calibrate::run(&video, &pose.apply(config.pose), &config.analysis.pelvis)?;
            println!(
                "standing pelvic tilt: {:.1} deg (ASIS below PSIS positive), spread {:.1} deg (IQR), from {} of {} frames",
                c.standing_tilt_deg, c.spread_deg, c.frames, c.frames_read
            );
            println!(
                "use it with: gaitcue analyze VIDEO --markers --standing-tilt {:.1}   (or [analysis.pelvis] standing_tilt_deg = {:.1})",
                c.standing_tilt_deg, c.standing_tilt_deg
            );
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

/// The bundled demo clip (fetched by scripts/setup.sh).
fn demo_clip() -> PathBuf {
    let local = PathBuf::from("data/demo.mp4");
    if local.exists() {
        return local;
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/demo.mp4")
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("GAITCUE_LOG"))
        .with_writer(std::io::stderr)
        .init();
    // OpenCV's and FFmpeg's own messages would bury the one clear line printed below;
    // set these variables to see them when debugging.
    // The report's H.264 clips: OpenCV leaves x264 on preset "medium" (~70 ms per 1080p
    // frame on 2 cores); "veryfast" is several times quicker at a slightly larger file.
    // The MPEG-4 writers of the annotated clips ignore the option.
    for (name, value) in [
        ("OPENCV_LOG_LEVEL", "ERROR"),
        ("OPENCV_FFMPEG_LOGLEVEL", "-8"),
        ("OPENCV_FFMPEG_WRITER_OPTIONS", "preset;veryfast"),
    ] {
        if std::env::var_os(name).is_none() {
            std::env::set_var(name, value);
        }
    }
    gaitcue::capture::quiet_opencv_logs();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help and --version
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            let text = e.render().to_string();
            let first = text
                .lines()
                .next()
                .unwrap_or_default()
                .trim_start_matches("error: ");
            eprintln!("gaitcue: error: {first} (see gaitcue --help)");
            return ExitCode::from(2);
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gaitcue: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

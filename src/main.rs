//! The `gaitcue` command line: parse flags, build a validated configuration, run.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, Parser, Subcommand};
use gaitcue::app::analyze::{self, AnalyzeOptions};
use gaitcue::bench::{self, BenchOptions};
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
    /// Analyse a recorded clip: writes DIR/annotated.mp4 and DIR/keypoints.jsonl.
    Analyze {
        /// The video file (side view of the runner).
        video: PathBuf,
        /// Output folder (created if needed) [default: out/<video name>].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Hide the progress bar.
        #[arg(long)]
        quiet: bool,
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
    #[arg(long, value_enum)]
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
            out,
            quiet,
            pose,
        } => {
            let out = out.unwrap_or_else(|| analyze::default_out_dir(&video));
            let opts = AnalyzeOptions {
                video,
                out,
                pose: pose.apply(config.pose),
                progress: !quiet,
            };
            let s = analyze::run(&opts)?;
            println!(
                "analysed {} frames in {:.1} s ({:.1} frames/s); runner found in {} ({:.0} %)",
                s.frames,
                s.wall_s,
                s.frames as f64 / s.wall_s,
                s.frames_with_runner,
                100.0 * s.frames_with_runner as f64 / s.frames as f64
            );
            println!("annotated clip: {}", s.clip.display());
            println!("keypoints:      {}", s.keypoints.display());
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

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("GAITCUE_LOG"))
        .with_writer(std::io::stderr)
        .init();
    // OpenCV's and FFmpeg's own messages would bury the one clear line printed below;
    // set these variables to see them when debugging.
    for (name, value) in [("OPENCV_LOG_LEVEL", "ERROR"), ("OPENCV_FFMPEG_LOGLEVEL", "-8")] {
        if std::env::var_os(name).is_none() {
            std::env::set_var(name, value);
        }
    }
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

//! `gaitcue bench VIDEO`: each stage timed on one thread, frame by frame, reported as
//! medians (timings on a shared CPU are noisy; medians from one run are comparable).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Result;

use crate::capture::SourceSpec;
use crate::config::Settings;
use crate::overlay;
use crate::pose::blazepose::BlazePose;
use crate::pose::PoseEstimator;
use crate::record::clip::ClipWriter;
use crate::timing::StageTimes;

pub struct BenchOptions {
    pub video: PathBuf,
    /// The pose settings are the ones timed.
    pub settings: Settings,
    /// Stop after this many frames (all when `None`).
    pub max_frames: Option<u64>,
    /// Per-frame time of a reference implementation to compare the pose stage with.
    pub baseline_pose_ms: Option<f64>,
    /// Where the encoded clip goes (deleted afterwards).
    pub scratch_dir: PathBuf,
}

pub struct BenchReport {
    pub frames: u64,
    pub frames_with_runner: u64,
    pub detector_runs: u64,
    pub wall_s: f64,
    pub times: StageTimes,
}

impl BenchReport {
    pub fn pose_median_ms(&self) -> Option<f64> {
        self.times.get("pose").and_then(|s| s.median())
    }

    /// Human-readable table; `baseline_ms` adds the speed-up of the pose stage.
    pub fn render(&self, model: &str, threads: usize, baseline_ms: Option<f64>) -> String {
        let mut out = format!(
            "gaitcue bench: {} frames, runner found in {}, detector ran {} times, model {model}, {threads} thread(s)\n",
            self.frames, self.frames_with_runner, self.detector_runs
        );
        out += &format!("{:<18}{:>10}{:>10}{:>8}\n", "stage", "median ms", "p95 ms", "n");
        for (name, s) in self.times.iter() {
            let (m, p) = (
                s.median().unwrap_or(f64::NAN),
                s.quantile(0.95).unwrap_or(f64::NAN),
            );
            out += &format!("{name:<18}{m:>10.2}{p:>10.2}{:>8}\n", s.len());
        }
        out += &format!(
            "end to end (one thread, all stages): {:.1} frames/s\n",
            self.frames as f64 / self.wall_s
        );
        if let (Some(pose), Some(base)) = (self.pose_median_ms(), baseline_ms) {
            out += &format!(
                "pose stage, all frames: {pose:.2} ms median ({:.0} frames/s); baseline {base:.2} ms -> {:.2}x faster\n",
                1e3 / pose,
                base / pose
            );
            if let Some(tracked) = self.times.get("pose_tracked").and_then(|s| s.median()) {
                out += &format!(
                    "pose stage, tracked frames: {tracked:.2} ms median; baseline {base:.2} ms -> {:.2}x faster\n",
                    base / tracked
                );
            }
        }
        out
    }
}

pub fn run(opts: &BenchOptions) -> Result<BenchReport> {
    let mut source = SourceSpec::File(opts.video.clone()).open()?;
    let mut estimator = BlazePose::new(&opts.settings.pose)?;
    estimator.set_frame_rate(source.fps_hint().unwrap_or(30.0));
    crate::record::prepare_output_dir(&opts.scratch_dir)?;
    let (w, h) = source.frame_size();
    let clip_path = opts.scratch_dir.join("bench.mp4");
    let mut clip = ClipWriter::create(&clip_path, source.fps_hint().unwrap_or(30.0), w, h)?;
    let mut times = StageTimes::default();
    let (mut frames, mut found) = (0u64, 0u64);
    let started = Instant::now();
    loop {
        if opts.max_frames.is_some_and(|m| frames >= m) {
            break;
        }
        let t0 = Instant::now();
        let Some(mut frame) = source.next_frame()? else {
            break;
        };
        let t1 = Instant::now();
        let pose = estimator.estimate(&frame.image)?;
        let t2 = Instant::now();
        if let Some(p) = &pose {
            overlay::draw_pose(&mut frame.image, p)?;
        }
        let t3 = Instant::now();
        clip.write(&frame.image)?;
        times.record("decode", t1 - t0);
        times.record("draw", t3 - t2);
        times.record("encode", t3.elapsed());
        frames += 1;
        found += u64::from(pose.is_some());
    }
    let wall_s = started.elapsed().as_secs_f64();
    clip.finish()?;
    let _ = std::fs::remove_file(&clip_path);
    times.merge(estimator.times());
    Ok(BenchReport {
        frames,
        frames_with_runner: found,
        detector_runs: estimator.detector_runs(),
        wall_s,
        times,
    })
}

/// A scratch folder for the benchmark's encoded clip.
pub fn default_scratch_dir(video: &Path) -> PathBuf {
    std::env::temp_dir().join(format!(
        "gaitcue-bench-{}-{}",
        std::process::id(),
        video
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    ))
}

//! What the live session asks of the system: a thread that may not stop in time, why a
//! camera could not be opened, CPU time and peak memory for the summary.

use std::thread;
use std::time::{Duration, Instant};

use anyhow::Result;

use crate::analysis::{AnalysisConfig, Metric};
use crate::app::join_stage;
use crate::capture::SourceSpec;

/// Joins `handle` if it finishes within `wait`; otherwise leaves it (it ends with the process).
pub(super) fn join_within<T: Default>(
    stage: &str,
    handle: thread::JoinHandle<Result<T>>,
    wait: Duration,
) -> Result<T> {
    let deadline = Instant::now() + wait;
    while !handle.is_finished() {
        if Instant::now() >= deadline {
            tracing::warn!("the {stage} thread did not stop in time; leaving it");
            return Ok(T::default());
        }
        thread::sleep(Duration::from_millis(20));
    }
    join_stage(stage, handle)
}

/// The fixed threshold of the first cue rule on `metric`, for the panel's charts.
pub(super) fn threshold_of(a: &AnalysisConfig, metric: Metric) -> Option<f64> {
    a.cues
        .rules
        .iter()
        .find(|r| r.metric == metric && r.baseline_steps == 0)
        .map(|r| r.threshold)
}

pub(super) fn describe_open_failure(spec: &SourceSpec, e: anyhow::Error) -> String {
    match spec {
        SourceSpec::Camera(_) => {
            let mut found: Vec<String> = std::fs::read_dir("/dev")
                .map(|d| {
                    d.filter_map(|e| e.ok())
                        .map(|e| e.file_name().to_string_lossy().into_owned())
                        .filter(|n| n.starts_with("video"))
                        .map(|n| format!("/dev/{n}"))
                        .collect()
                })
                .unwrap_or_default();
            found.sort();
            let found = if found.is_empty() {
                "none".to_string()
            } else {
                found.join(", ")
            };
            format!("{e:#}; tried V4L2; video devices present: {found}")
        }
        _ => format!("{e:#}"),
    }
}

/// CPU time (user + system) used by the whole process so far, seconds.
pub(super) fn cpu_seconds() -> Option<f64> {
    // SAFETY: getrusage only writes into the zeroed struct we pass.
    let usage = unsafe {
        let mut u: libc::rusage = std::mem::zeroed();
        (libc::getrusage(libc::RUSAGE_SELF, &mut u) == 0).then_some(u)?
    };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    Some(secs(usage.ru_utime) + secs(usage.ru_stime))
}

pub(super) fn peak_memory_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

//! Wiring the stages together: threads, bounded channels, start and stop.

pub mod analyze;
pub mod calibrate;
pub mod gait_stage;
pub mod live;
pub mod stages;

use std::thread::JoinHandle;

use anyhow::{anyhow, Result};
use indicatif::{ProgressBar, ProgressStyle};

/// Joins a stage's thread, naming the stage in any failure.
pub fn join_stage<T>(stage: &str, handle: JoinHandle<Result<T>>) -> Result<T> {
    match handle.join() {
        Ok(result) => result,
        Err(_) => Err(anyhow!("the {stage} stage crashed")),
    }
}

/// A progress bar on stderr counting `what` (hidden when `enabled` is false or stderr is
/// not a terminal).
pub fn progress_bar(enabled: bool, len: Option<u64>, what: &str) -> ProgressBar {
    if !enabled {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len.unwrap_or(0));
    let template = format!("{what:<8} {{bar:40}} {{pos}}/{{len}} frames  {{per_sec}}  eta {{eta}}");
    let style = ProgressStyle::with_template(&template).unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar
}

//! Wiring the stages together: threads, bounded channels, start and stop.

pub mod analyze;
pub mod calibrate;
pub mod gait_stage;
pub mod live;

use std::thread::JoinHandle;

use anyhow::{anyhow, Result};

/// Joins a stage's thread, naming the stage in any failure.
pub fn join_stage<T>(stage: &str, handle: JoinHandle<Result<T>>) -> Result<T> {
    match handle.join() {
        Ok(result) => result,
        Err(_) => Err(anyhow!("the {stage} stage crashed")),
    }
}

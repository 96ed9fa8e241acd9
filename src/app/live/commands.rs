//! Headless live sessions take their commands (record, save, phase …) on standard input.

use std::io::BufRead;
use std::thread;

use crossbeam_channel::{bounded, Receiver};

use crate::display::Command;

/// Headless commands, one per line on standard input.
pub(super) fn spawn_stdin_commands() -> Receiver<Command> {
    let (tx, rx) = bounded::<Command>(16);
    let _ = thread::Builder::new().name("commands".into()).spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            let Some(c) = Command::parse(&line) else {
                if !line.trim().is_empty() {
                    eprintln!(
                        "gaitcue: unknown command '{}' (record, save, phase NAME, cues, mirror, delay, runner, speed KMH, snapshot, preview, delay [SECONDS], freeze, loop, slow, quit)",
                        line.trim()
                    );
                }
                continue;
            };
            if tx.send(c).is_err() {
                break;
            }
        }
    });
    rx
}

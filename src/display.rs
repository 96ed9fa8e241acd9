//! The live window (minifb, main thread): shows the composed screen and turns key presses
//! into commands. Nothing else in gaitcue touches the window system.

use anyhow::{Context, Result};
use minifb::{Key, KeyRepeat, Window, WindowOptions};
use opencv::core::Mat;
use opencv::imgproc;
use opencv::prelude::*;

/// What the clinician asked for, by key (window) or by line on standard input (headless).
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    ToggleRecord,
    SavePreroll,
    Phase(String),
    ToggleCues,
    ToggleMirror,
    ToggleDelay,
    /// The delay view's delay longer (+) or shorter (-), seconds.
    ChangeDelay(f64),
    /// The delay view's delay, seconds.
    SetDelay(f64),
    /// Freeze the replay, or go on.
    Freeze,
    /// Loop the last stride in the replay, or stop.
    LoopStride,
    /// The replay at half speed, or full.
    SlowMotion,
    ToggleHelp,
    /// Choose another person in view as the runner (the next one who looks like one).
    ChooseRunner,
    /// Save the screen as shown (faces blurred) as a PNG in the session folder.
    Snapshot,
    /// Show each cue in turn, marked as a preview, so the runner knows them before running.
    PreviewCues,
    /// The belt was set to this speed, km/h.
    SetSpeed(f64),
    /// The belt was sped up (+) or slowed (-) by this much, km/h.
    StepSpeed(f64),
    Quit,
}

impl Command {
    /// Parses a headless command line: record, save, phase NAME, cues, mirror, delay, runner,
    /// speed KMH (or speed +0.5 / speed -0.5), snapshot, preview, delay SECONDS, freeze,
    /// loop, slow, help, quit.
    pub fn parse(line: &str) -> Option<Command> {
        let mut words = line.split_whitespace();
        Some(match words.next()? {
            "record" => Command::ToggleRecord,
            "save" => Command::SavePreroll,
            "phase" => Command::Phase(words.next().unwrap_or("test").to_string()),
            "cues" => Command::ToggleCues,
            "mirror" => Command::ToggleMirror,
            "delay" => match words
                .next()
                .and_then(|w| w.parse::<f64>().ok())
                .filter(|v| v.is_finite())
            {
                Some(s) => Command::SetDelay(s),
                None => Command::ToggleDelay,
            },
            "freeze" => Command::Freeze,
            "loop" => Command::LoopStride,
            "slow" => Command::SlowMotion,
            "help" => Command::ToggleHelp,
            "runner" => Command::ChooseRunner,
            "snapshot" => Command::Snapshot,
            "preview" => Command::PreviewCues,
            "speed" => {
                let arg = words.next()?;
                let value: f64 = arg.parse().ok().filter(|v: &f64| v.is_finite())?;
                if arg.starts_with('+') || arg.starts_with('-') {
                    Command::StepSpeed(value)
                } else {
                    Command::SetSpeed(value)
                }
            }
            "quit" | "q" => Command::Quit,
            _ => return None,
        })
    }
}

pub struct Display {
    window: Window,
    buffer: Vec<u32>,
    bgra: Mat,
}

impl Display {
    /// Opens the window, or says why it cannot (no display, no X server).
    pub fn open(title: &str, width: usize, height: usize) -> std::result::Result<Self, String> {
        if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
            return Err("no display (DISPLAY is not set)".into());
        }
        let options = WindowOptions {
            resize: true,
            ..WindowOptions::default()
        };
        let mut window =
            Window::new(title, width, height, options).map_err(|e| format!("cannot open a window: {e}"))?;
        window.set_target_fps(0);
        Ok(Self {
            window,
            buffer: Vec::new(),
            bgra: Mat::default(),
        })
    }

    pub fn is_open(&self) -> bool {
        self.window.is_open()
    }

    /// Shows an 8-bit BGR screen.
    pub fn show(&mut self, screen: &Mat) -> Result<()> {
        imgproc::cvt_color_def(screen, &mut self.bgra, imgproc::COLOR_BGR2BGRA)
            .context("preparing the screen")?;
        let bytes = self.bgra.data_bytes().context("reading the screen")?;
        self.buffer.clear();
        self.buffer.extend(
            bytes
                .chunks_exact(4)
                .map(|p| u32::from_le_bytes([p[0], p[1], p[2], 0])),
        );
        self.window
            .update_with_buffer(&self.buffer, screen.cols() as usize, screen.rows() as usize)
            .context("updating the window")
    }

    /// Commands from the keys pressed since the last call.
    pub fn commands(&self) -> Vec<Command> {
        let mut out = Vec::new();
        for key in self.window.get_keys_pressed(KeyRepeat::No) {
            out.push(match key {
                Key::R => Command::ToggleRecord,
                Key::S => Command::SavePreroll,
                Key::Key1 => Command::Phase("test".into()),
                Key::Key2 => Command::Phase("retest".into()),
                Key::C => Command::ToggleCues,
                Key::M => Command::ToggleMirror,
                Key::D => Command::ToggleDelay,
                Key::LeftBracket => Command::ChangeDelay(-0.5),
                Key::RightBracket => Command::ChangeDelay(0.5),
                Key::F => Command::Freeze,
                Key::L => Command::LoopStride,
                Key::Z => Command::SlowMotion,
                Key::H => Command::ToggleHelp,
                Key::P => Command::ChooseRunner,
                Key::I => Command::Snapshot,
                Key::V => Command::PreviewCues,
                Key::Up => Command::StepSpeed(0.1),
                Key::Down => Command::StepSpeed(-0.1),
                Key::PageUp => Command::StepSpeed(1.0),
                Key::PageDown => Command::StepSpeed(-1.0),
                Key::Q | Key::Escape => Command::Quit,
                _ => continue,
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headless_commands_parse() {
        assert_eq!(Command::parse("record"), Some(Command::ToggleRecord));
        assert_eq!(
            Command::parse(" phase retest "),
            Some(Command::Phase("retest".into()))
        );
        assert_eq!(Command::parse("quit"), Some(Command::Quit));
        assert_eq!(Command::parse("speed 10.5"), Some(Command::SetSpeed(10.5)));
        assert_eq!(Command::parse("speed +0.5"), Some(Command::StepSpeed(0.5)));
        assert_eq!(Command::parse("speed -1"), Some(Command::StepSpeed(-1.0)));
        assert_eq!(Command::parse("speed fast"), None);
        assert_eq!(Command::parse("speed"), None);
        assert_eq!(Command::parse("dance"), None);
        assert_eq!(Command::parse(""), None);
    }
}

//! The live window (minifb, main thread): shows the composed screen and turns key presses
//! into commands. Nothing else in gaitcue touches the window system.

use anyhow::{Context, Result};
use minifb::{Key, KeyRepeat, ScaleMode, Window, WindowOptions};
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
    /// The window over the whole screen (for the runner on the treadmill), or back.
    ToggleFullscreen,
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
    title: String,
    /// The window's size when not over the whole screen.
    windowed: (usize, usize),
    fullscreen: bool,
}

/// Where a full-screen window goes: the primary monitor as XRandR lists it (or the first),
/// else the whole X screen; its corner and size (`None`: no X server answered).
fn monitor() -> Option<((isize, isize), (usize, usize))> {
    let xlib = x11_dl::xlib::Xlib::open().ok()?;
    // SAFETY: the display is opened, read and closed here, and never shared; the monitor
    // list is read within its length and freed once.
    unsafe {
        let display = (xlib.XOpenDisplay)(std::ptr::null());
        if display.is_null() {
            return None;
        }
        let screen = (xlib.XDefaultScreen)(display);
        let whole = (
            0,
            0,
            (xlib.XDisplayWidth)(display, screen),
            (xlib.XDisplayHeight)(display, screen),
        );
        let primary = x11_dl::xrandr::Xrandr::open().ok().and_then(|xrandr| {
            let root = (xlib.XRootWindow)(display, screen);
            let mut n = 0;
            let list = (xrandr.XRRGetMonitors)(display, root, 1, &mut n);
            if list.is_null() {
                return None;
            }
            let monitors = std::slice::from_raw_parts(list, usize::try_from(n).unwrap_or(0));
            let chosen = monitors
                .iter()
                .find(|m| m.primary != 0)
                .or(monitors.first())
                .map(|m| (m.x, m.y, m.width, m.height));
            (xrandr.XRRFreeMonitors)(list);
            chosen
        });
        (xlib.XCloseDisplay)(display);
        let (x, y, w, h) = primary.filter(|m| m.2 > 0 && m.3 > 0).unwrap_or(whole);
        Some((
            (x as isize, y as isize),
            (usize::try_from(w).ok()?, usize::try_from(h).ok()?),
        ))
    }
}

/// A window of `size`: framed and resizable, or borderless over one monitor from `corner`.
/// Either way the screen keeps its proportions inside it.
fn new_window(
    title: &str,
    size: (usize, usize),
    fullscreen: Option<(isize, isize)>,
) -> std::result::Result<Window, String> {
    let corner = fullscreen;
    let fullscreen = corner.is_some();
    let options = WindowOptions {
        resize: !fullscreen,
        borderless: fullscreen,
        title: !fullscreen,
        topmost: fullscreen,
        scale_mode: ScaleMode::AspectRatioStretch,
        ..WindowOptions::default()
    };
    let mut window =
        Window::new(title, size.0, size.1, options).map_err(|e| format!("cannot open a window: {e}"))?;
    if let Some((x, y)) = corner {
        window.set_position(x, y);
    }
    window.set_target_fps(0);
    Ok(window)
}

impl Display {
    /// Opens the window (over the whole screen with `fullscreen`), or says why it cannot
    /// (no display, no X server). A full screen that cannot be had leaves the window at its
    /// own size, with the reason to show.
    pub fn open(
        title: &str,
        width: usize,
        height: usize,
        fullscreen: bool,
    ) -> std::result::Result<(Self, Option<String>), String> {
        if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
            return Err("no display (DISPLAY is not set)".into());
        }
        let mut display = Self {
            window: new_window(title, (width, height), None)?,
            buffer: Vec::new(),
            bgra: Mat::default(),
            title: title.to_string(),
            windowed: (width, height),
            fullscreen: false,
        };
        let refused = if fullscreen {
            display.toggle_fullscreen().err()
        } else {
            None
        };
        Ok((display, refused))
    }

    pub fn is_open(&self) -> bool {
        self.window.is_open()
    }

    /// Puts the window over the whole screen, or back to its own size. Says why not when
    /// the screen's size cannot be read or the new window cannot open (the window stays as
    /// it was).
    pub fn toggle_fullscreen(&mut self) -> std::result::Result<(), String> {
        let (corner, size) = if self.fullscreen {
            (None, self.windowed)
        } else {
            let (corner, size) = monitor().ok_or("full screen: the screen's size could not be read")?;
            (Some(corner), size)
        };
        let window = new_window(&self.title, size, corner).map_err(|e| format!("full screen: {e}"))?;
        self.window = window;
        self.fullscreen = !self.fullscreen;
        Ok(())
    }

    /// Reads the keys and keeps the window answering while no new screen comes (a camera
    /// reconnecting).
    pub fn poll(&mut self) {
        self.window.update();
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
                Key::F11 => Command::ToggleFullscreen,
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

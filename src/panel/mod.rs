//! The live screen without the window: the frame (with its pose) scaled to the view, the
//! cue banner, and a side panel with the last step, rolling medians, a chart of overstride
//! over the last steps, frame rate, drops, latency and the recording indicator.

mod chart;
mod side;
mod text;

use anyhow::Result;
use opencv::core::{Mat, Rect, Scalar, Size, ToInputOutputArray, CV_8UC3};
use opencv::imgproc;
use opencv::prelude::*;

use crate::analysis::validity::Gait;
use crate::analysis::StepRecord;
use crate::overlay;
use side::draw_panel;
use text::{text, WHITE};

/// Height of the video part of the screen, pixels.
pub const VIEW_HEIGHT: i32 = 720;
/// Width of the side panel, pixels.
pub const PANEL_WIDTH: i32 = 420;
/// Steps in the overstride chart.
pub const CHART_STEPS: usize = 30;

/// Everything the panel shows besides the frame.
#[derive(Debug, Clone, Default)]
pub struct PanelState {
    pub recent_steps: Vec<StepRecord>,
    /// The movement over the last steps: running, walking or not gait.
    pub gait: Gait,
    pub cue: Option<String>,
    pub cues_on: bool,
    pub recording_s: Option<f64>,
    pub phase: Option<String>,
    pub fps: Option<f64>,
    pub dropped: u64,
    pub recorder_dropped: u64,
    pub latency_p50_ms: Option<f64>,
    pub latency_p95_ms: Option<f64>,
    /// Problems to show in red: camera lost, disk full.
    pub problems: Vec<String>,
    pub notice: Option<String>,
    pub overstride_threshold: Option<f64>,
    pub tilt_threshold: Option<f64>,
    pub show_help: bool,
    /// Draw the cue banner over the video (off when the frame already carries it).
    pub banner: bool,
    /// The live picture is shown turned left to right (the caller turns it: see
    /// `overlay::draw_view_mirrored`).
    pub mirrored: bool,
    /// The belt's speed (and the ramp's stage timer).
    pub speed: Option<String>,
    /// What to do now in a ramp test: "set the belt to 9.7 km/h now".
    pub prompt: Option<String>,
}

/// The second picture of the delay view, beside the live one.
pub enum Second<'a> {
    /// The replay is still filling: seconds held, seconds of delay.
    Filling(f64, f64),
    /// A replayed frame and what it is.
    Frame(&'a Mat, &'a str),
}

/// `image` scaled to fit `area` of `canvas`, centred, on black.
fn fit_into(canvas: &mut Mat, area: Rect, image: &Mat) -> Result<()> {
    let scale = (f64::from(area.width) / f64::from(image.cols().max(1)))
        .min(f64::from(area.height) / f64::from(image.rows().max(1)));
    let (w, h) = (
        ((f64::from(image.cols()) * scale).round() as i32).clamp(1, area.width),
        ((f64::from(image.rows()) * scale).round() as i32).clamp(1, area.height),
    );
    let at = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    Mat::roi_mut(canvas, area)?.set_to_def(&Scalar::all(0.0))?;
    let mut target = Mat::roi_mut(canvas, at)?;
    imgproc::resize(
        image,
        &mut target,
        Size::new(w, h),
        0.0,
        0.0,
        imgproc::INTER_LINEAR,
    )?;
    Ok(())
}

/// Builds the whole screen from an annotated frame (pose already drawn on it), with the
/// delayed replay beside it when `second` is given (the panel stays live).
pub fn compose(frame: &Mat, state: &PanelState, second: Option<Second>, canvas: &mut Mat) -> Result<()> {
    let scale = VIEW_HEIGHT as f64 / frame.rows().max(1) as f64;
    let view_w = ((frame.cols() as f64 * scale).round() as i32).max(1);
    let size = Size::new(view_w + PANEL_WIDTH, VIEW_HEIGHT);
    if canvas.size()? != size || canvas.typ() != CV_8UC3 {
        *canvas = Mat::new_size_with_default(size, CV_8UC3, Scalar::all(0.0))?;
    }
    if let Some(second) = second {
        // Live on the left, the replay on the right, each labelled.
        let half = view_w / 2;
        let (left, right) = (
            Rect::new(0, 0, half, VIEW_HEIGHT),
            Rect::new(half, 0, view_w - half, VIEW_HEIGHT),
        );
        fit_into(canvas, left, frame)?;
        overlay::draw_status(&mut Mat::roi_mut(canvas, left)?, "LIVE")?;
        match second {
            Second::Frame(image, label) => {
                fit_into(canvas, right, image)?;
                overlay::draw_status(&mut Mat::roi_mut(canvas, right)?, &format!("REPLAY {label}"))?;
            }
            Second::Filling(held, want) => {
                Mat::roi_mut(canvas, right)?.set_to_def(&Scalar::all(0.0))?;
                overlay::draw_status(
                    &mut Mat::roi_mut(canvas, right)?,
                    &format!("REPLAY filling: {held:.1} of {want:.1} s"),
                )?;
            }
        }
    } else {
        let mut view = Mat::roi_mut(canvas, Rect::new(0, 0, view_w, VIEW_HEIGHT))?;
        imgproc::resize(
            frame,
            &mut view,
            Size::new(view_w, VIEW_HEIGHT),
            0.0,
            0.0,
            imgproc::INTER_LINEAR,
        )?;
        if let Some(cue) = state.cue.as_deref().filter(|_| state.cues_on && state.banner) {
            overlay::draw_cue(&mut view, cue)?;
        }
    }
    let mut panel = Mat::roi_mut(canvas, Rect::new(view_w, 0, PANEL_WIDTH, VIEW_HEIGHT))?;
    draw_panel(&mut panel, state)?;
    if state.show_help {
        let mut view = Mat::roi_mut(canvas, Rect::new(0, 0, view_w, VIEW_HEIGHT))?;
        draw_help(&mut view)?;
    }
    Ok(())
}

/// Keys, drawn over the video when help is on.
pub const HELP: [&str; 14] = [
    "R  record on / off",
    "S  save the last seconds (pre-roll)",
    "1  mark test phase    2  retest (cues off)",
    "C  cues on / off",
    "V  show each cue to the runner (preview)",
    "I  snapshot of the screen (PNG, faces blurred)",
    "Up/Down  belt +/-0.1 km/h   PgUp/PgDn  +/-1",
    "M  mirror view",
    "D  delay view   [ ] delay -/+0.5 s",
    "F  freeze   L  loop last stride   Z  half speed",
    "P  choose another person as the runner",
    "F11  full screen on / off",
    "H  this help",
    "Q or Esc  quit",
];

fn draw_help(view: &mut impl ToInputOutputArray) -> Result<()> {
    let r = Rect::new(40, 40, 640, 40 + 34 * HELP.len() as i32);
    imgproc::rectangle(
        view,
        r,
        Scalar::new(20.0, 20.0, 20.0, 0.0),
        imgproc::FILLED,
        imgproc::LINE_8,
        0,
    )?;
    for (i, line) in HELP.iter().enumerate() {
        text(view, line, (60, 80 + 34 * i as i32), 0.7, WHITE, 1)?;
    }
    Ok(())
}

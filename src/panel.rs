//! The live screen without the window: the frame (with its pose) scaled to the view, the
//! cue banner, and a side panel with the last step, rolling medians, a chart of overstride
//! over the last steps, frame rate, drops, latency and the recording indicator.

use anyhow::Result;
use opencv::core::{Mat, Point, Rect, Scalar, Size, ToInputOutputArray, CV_8UC3};
use opencv::imgproc;
use opencv::prelude::*;

use crate::analysis::geometry::median;
use crate::analysis::validity::Gait;
use crate::analysis::StepRecord;
use crate::overlay;

/// Height of the video part of the screen, pixels.
pub const VIEW_HEIGHT: i32 = 720;
/// Width of the side panel, pixels.
pub const PANEL_WIDTH: i32 = 420;
/// Steps in the overstride chart.
pub const CHART_STEPS: usize = 30;

const WHITE: (f64, f64, f64) = (255.0, 255.0, 255.0);
const GREY: (f64, f64, f64) = (170.0, 170.0, 170.0);
const RED: (f64, f64, f64) = (40.0, 40.0, 230.0);
const AMBER: (f64, f64, f64) = (0.0, 170.0, 255.0);
const GREEN: (f64, f64, f64) = (90.0, 200.0, 90.0);

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

/// `s` cut to `n` characters with an ellipsis.
fn short(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        s.chars().take(n - 3).collect::<String>() + "..."
    }
}

/// `s` with each quoted path cut to its last part: the panel may face the patient, and
/// folder names often hold a patient's name ("free in '/clinic/jane/s1'" -> "free in 's1'").
fn without_folders(s: &str) -> String {
    let mut out = String::new();
    for (i, part) in s.split('\'').enumerate() {
        if i > 0 {
            out.push('\'');
        }
        let quoted = i % 2 == 1;
        if quoted && part.contains('/') {
            out.push_str(part.trim_end_matches('/').rsplit('/').next().unwrap_or(part));
        } else {
            out.push_str(part);
        }
    }
    out
}

/// `s` broken at spaces into lines of at most `n` characters (a longer word is cut).
fn wrap(s: &str, n: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in s.split_whitespace() {
        match lines.last_mut() {
            Some(l) if l.chars().count() + 1 + word.chars().count() <= n => {
                l.push(' ');
                l.push_str(word);
            }
            _ => lines.push(short(word, n)),
        }
    }
    lines
}

fn colour(c: (f64, f64, f64)) -> Scalar {
    Scalar::new(c.0, c.1, c.2, 0.0)
}

fn text(
    canvas: &mut impl ToInputOutputArray,
    s: &str,
    at: (i32, i32),
    scale: f64,
    c: (f64, f64, f64),
    thick: i32,
) -> Result<()> {
    imgproc::put_text(
        canvas,
        s,
        Point::new(at.0, at.1),
        imgproc::FONT_HERSHEY_SIMPLEX,
        scale,
        colour(c),
        thick,
        imgproc::LINE_AA,
        false,
    )?;
    Ok(())
}

fn fmt(v: Option<f64>, unit: &str, decimals: usize) -> String {
    v.map(|x| format!("{x:.decimals$}{unit}"))
        .unwrap_or_else(|| "unknown".into())
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

fn draw_panel(panel: &mut (impl ToInputOutputArray + MatTrait), s: &PanelState) -> Result<()> {
    panel.set_to_def(&Scalar::new(32.0, 28.0, 26.0, 0.0))?;
    let x = 18;
    let mut y = 36;
    text(panel, "gaitcue", (x, y), 0.9, WHITE, 2)?;
    if let Some(rec) = s.recording_s {
        imgproc::circle(
            panel,
            Point::new(PANEL_WIDTH - 150, y - 10),
            10,
            colour(RED),
            imgproc::FILLED,
            imgproc::LINE_AA,
            0,
        )?;
        let (m, sec) = ((rec / 60.0).floor(), rec % 60.0);
        text(
            panel,
            &format!("REC {m:02.0}:{sec:02.0}"),
            (PANEL_WIDTH - 132, y),
            0.75,
            RED,
            2,
        )?;
    }
    y += 28;
    let phase = s.phase.as_deref().unwrap_or("-");
    let cues = if s.cues_on { "on" } else { "off" };
    text(
        panel,
        &format!("phase: {phase}    cues: {cues}"),
        (x, y),
        0.6,
        GREY,
        1,
    )?;
    if let Some(speed) = &s.speed {
        y += 28;
        text(panel, &short(speed, 34), (x, y), 0.6, WHITE, 1)?;
    }
    if let Some(prompt) = &s.prompt {
        y += 36;
        text(panel, &short(prompt, 24), (x, y), 0.9, WHITE, 2)?;
    }
    y += 30;
    let movement = match s.gait {
        Gait::Running => "running".to_string(),
        Gait::Walking => "walking: no running numbers".to_string(),
        Gait::NotGait => "not running yet".to_string(),
    };
    text(panel, &movement, (x, y), 0.65, WHITE, 1)?;

    // The two numbers read from the treadmill, large (over 32 px): the last step's
    // overstride and the cadence. A step that did not count, or an unknown value, is grey,
    // never a colour that reads as good or alarming.
    let last = s.recent_steps.last();
    let counted = last.is_some_and(|l| l.valid);
    let overstride = last.and_then(|l| l.overstride_ratio);
    let over = s.overstride_threshold.zip(overstride).is_some_and(|(t, o)| o > t);
    let shade = match (counted, overstride.is_some(), s.overstride_threshold, over) {
        (true, true, Some(_), true) => AMBER,
        (true, true, Some(_), false) => GREEN,
        (true, true, None, _) => WHITE,
        _ => GREY,
    };
    y += 34;
    let head = last
        .map(|l| format!("overstride, last step ({} #{})", l.side.name(), l.step))
        .unwrap_or_else(|| "overstride: waiting for steps".into());
    text(panel, &head, (x, y), 0.55, GREY, 1)?;
    y += 48;
    text(panel, &fmt(overstride, " leg", 2), (x, y), 1.5, shade, 3)?;
    if let Some(reason) = last.and_then(|l| l.reason.as_deref()) {
        y += 24;
        text(
            panel,
            &format!("not counted: {}", short(reason, 36)),
            (x, y),
            0.5,
            GREY,
            1,
        )?;
    }
    let last10: Vec<&StepRecord> = s.recent_steps.iter().rev().filter(|r| r.valid).take(10).collect();
    let med =
        |f: fn(&StepRecord) -> Option<f64>| median(&last10.iter().filter_map(|r| f(r)).collect::<Vec<_>>());
    let cadence = med(|r| r.cadence_spm);
    y += 30;
    text(panel, "cadence, last 10 counted steps", (x, y), 0.55, GREY, 1)?;
    y += 48;
    text(
        panel,
        &fmt(cadence, " /min", 0),
        (x, y),
        1.5,
        if cadence.is_some() { WHITE } else { GREY },
        3,
    )?;

    let lines = [
        (
            "shank at contact",
            fmt(last.and_then(|l| l.shank_angle_ic_deg), " deg", 0),
        ),
        (
            "knee at contact",
            fmt(last.and_then(|l| l.knee_flexion_ic_deg), " deg", 0),
        ),
        ("contact time", fmt(last.and_then(|l| l.contact_time_s), " s", 2)),
        ("trunk lean", fmt(last.and_then(|l| l.trunk_lean_deg), " deg", 0)),
        (
            "foot strike",
            last.and_then(|l| l.foot_strike_type)
                .map_or("unknown".into(), |f| f.name().to_string()),
        ),
        (
            "pelvic tilt",
            fmt(last.and_then(|l| l.pelvic_tilt_deg), " deg", 1),
        ),
    ];
    y += 8;
    for (label, value) in lines {
        y += 24;
        text(panel, label, (x, y), 0.55, GREY, 1)?;
        let known = counted && value != "unknown";
        text(
            panel,
            &value,
            (x + 200, y),
            0.6,
            if known { WHITE } else { GREY },
            1,
        )?;
    }

    // Overstride over the last steps (the pelvic-tilt chart only with stickers).
    let last_steps = |f: fn(&StepRecord) -> Option<f64>| -> Vec<Option<f64>> {
        s.recent_steps
            .iter()
            .rev()
            .take(CHART_STEPS)
            .rev()
            .map(|st| f(st).filter(|_| st.valid))
            .collect()
    };
    y += 14;
    let overstride_chart = ChartSpec {
        title: "overstride, last 30 steps",
        values: last_steps(|st| st.overstride_ratio),
        range: (0.0, 0.4),
        threshold: s.overstride_threshold,
        label: |t| format!("{t:.2}"),
    };
    let chart = Rect::new(x, y, PANEL_WIDTH - 2 * x, 84);
    draw_chart(panel, chart, &overstride_chart)?;
    y += chart.height;
    if s.recent_steps.iter().any(|st| st.pelvic_tilt_deg.is_some()) {
        y += 6;
        let tilt = ChartSpec {
            title: "pelvic tilt change (stickers), deg",
            values: last_steps(|st| st.pelvic_tilt_deg),
            range: (-10.0, 15.0),
            threshold: s.tilt_threshold,
            label: |t| format!("{t:.0}"),
        };
        let chart = Rect::new(x, y, PANEL_WIDTH - 2 * x, 64);
        draw_chart(panel, chart, &tilt)?;
        y += chart.height;
    }

    // What is wrong now (red, large) in whole sentences, then the last notice, down to the
    // cue line; then the engineer's numbers, smallest, at the foot.
    let last_line = VIEW_HEIGHT - 12 - 52 - 26;
    for p in &s.problems {
        for line in wrap(&without_folders(p), 30) {
            if y + 28 > last_line {
                break;
            }
            y += 28;
            text(panel, &line, (x, y), 0.65, RED, 2)?;
        }
        y += 4;
    }
    if let Some(n) = &s.notice {
        for line in wrap(n, 40) {
            if y + 24 > last_line {
                break;
            }
            y += 24;
            text(panel, &line, (x, y), 0.55, WHITE, 1)?;
        }
    }
    let cue = match (&s.cue, s.cues_on) {
        (Some(c), true) => format!("cue: {c}"),
        (Some(c), false) => format!("cue (hidden): {c}"),
        (None, _) => "cue: none".into(),
    };
    let foot = VIEW_HEIGHT - 12;
    text(
        panel,
        &short(&cue, 40),
        (x, foot - 52),
        0.55,
        if s.cue.is_some() { AMBER } else { GREY },
        1,
    )?;
    text(
        panel,
        &format!(
            "{} fps  dropped {}/{}  latency {}/{} ms",
            fmt(s.fps, "", 0),
            s.dropped,
            s.recorder_dropped,
            fmt(s.latency_p50_ms, "", 0),
            fmt(s.latency_p95_ms, "", 0)
        ),
        (x, foot - 28),
        0.45,
        GREY,
        1,
    )?;
    text(panel, "H: help   Q: quit", (x, foot), 0.5, GREY, 1)?;
    Ok(())
}

/// What a bar chart shows: a title, one value per step, the value range and a threshold.
struct ChartSpec<'a> {
    title: &'a str,
    values: Vec<Option<f64>>,
    range: (f64, f64),
    threshold: Option<f64>,
    /// How the threshold is labelled.
    label: fn(f64) -> String,
}

fn draw_chart(panel: &mut impl ToInputOutputArray, r: Rect, c: &ChartSpec) -> Result<()> {
    imgproc::rectangle(
        panel,
        r,
        Scalar::new(60.0, 55.0, 50.0, 0.0),
        1,
        imgproc::LINE_8,
        0,
    )?;
    text(panel, c.title, (r.x + 6, r.y + 16), 0.45, GREY, 1)?;
    let (lo, hi) = c.range;
    let y_of =
        |v: f64| r.y + r.height - (((v.clamp(lo, hi) - lo) / (hi - lo)) * (r.height - 24) as f64) as i32 - 2;
    if let Some(t) = c.threshold {
        let ty = y_of(t);
        imgproc::line(
            panel,
            Point::new(r.x, ty),
            Point::new(r.x + r.width, ty),
            colour(AMBER),
            1,
            imgproc::LINE_AA,
            0,
        )?;
        text(panel, &(c.label)(t), (r.x + r.width - 40, ty - 4), 0.45, AMBER, 1)?;
    }
    let bar_w = (r.width - 8) / CHART_STEPS as i32;
    let base = y_of(lo.max(0.0).min(hi));
    for (i, v) in c.values.iter().enumerate() {
        let x0 = r.x + 4 + i as i32 * bar_w;
        match v {
            Some(v) => {
                let over = c.threshold.is_some_and(|t| *v > t);
                let (top, bottom) = (y_of(*v).min(base), y_of(*v).max(base));
                let bar = Rect::new(x0, top, (bar_w - 2).max(1), (bottom - top).max(1));
                imgproc::rectangle(
                    panel,
                    bar,
                    colour(if over { AMBER } else { GREEN }),
                    imgproc::FILLED,
                    imgproc::LINE_8,
                    0,
                )?;
            }
            None => {
                // Unknown step: a hollow marker, never a guessed bar.
                let y = r.y + r.height - 8;
                imgproc::rectangle(
                    panel,
                    Rect::new(x0, y, (bar_w - 2).max(1), 6),
                    colour(GREY),
                    1,
                    imgproc::LINE_8,
                    0,
                )?;
            }
        }
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

#[cfg(test)]
mod tests {
    use super::{without_folders, wrap};

    #[test]
    fn quoted_paths_lose_their_folders() {
        assert_eq!(
            without_folders("recording stopped: only 40 MB free in '/clinic/jane-doe/s1'; free some space"),
            "recording stopped: only 40 MB free in 's1'; free some space"
        );
        assert_eq!(
            without_folders("camera 0 lost - reconnecting"),
            "camera 0 lost - reconnecting"
        );
        assert_eq!(
            without_folders("finishing 'out/a/clip-001.ts': disk full"),
            "finishing 'clip-001.ts': disk full"
        );
    }

    #[test]
    fn long_problems_are_wrapped_whole_not_cut() {
        let p = "no runner in view - whole body, side on, inside the zone; nobody else is measured meanwhile";
        let lines = wrap(p, 30);
        assert!(lines.iter().all(|l| l.chars().count() <= 30), "{lines:?}");
        assert_eq!(lines.join(" "), p);
        assert_eq!(wrap("", 30), Vec::<String>::new());
        assert_eq!(wrap("a-very-long-folder-name-without-spaces", 10), ["a-very-..."]);
    }
}

//! The side panel: the phase and speed, the last step's overstride and the cadence large,
//! the last step's other numbers, the charts, problems and notices, the cue and the
//! engineer's numbers.

use anyhow::Result;
use opencv::core::{Point, Rect, Scalar, ToInputOutputArray};
use opencv::imgproc;
use opencv::prelude::*;

use super::chart::{draw_chart, ChartSpec};
use super::text::{colour, fmt, short, text, without_folders, wrap, AMBER, GREEN, GREY, RED, WHITE};
use super::{PanelState, CHART_STEPS, PANEL_WIDTH, VIEW_HEIGHT};
use crate::analysis::geometry::median;
use crate::analysis::validity::Gait;
use crate::analysis::StepRecord;

pub(super) fn draw_panel(panel: &mut (impl ToInputOutputArray + MatTrait), s: &PanelState) -> Result<()> {
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

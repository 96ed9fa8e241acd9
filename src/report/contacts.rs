//! The contacts shown as pictures: the typical, worst and best steps by overstride, as
//! stills with the plumb line and angles drawn and as one-second clips, faces blurred.

use anyhow::{Context, Result};
use indicatif::ProgressBar;

use super::html::{esc, Html};
use super::media::{self, Cuts};
use super::session::{Session, StepRow};
use crate::analysis::Metric;
use crate::session::steps::Column;

/// Steps shown as stills (worst) and clips (worst and best).
const WORST: usize = 3;
/// "Best" steps land nearest this overstride (leg lengths): the middle of the 0-8 % that
/// open tools call good (not validated; FINDINGS §6).
const OVERSTRIDE_TARGET: f64 = 0.04;
/// The contact overlay stays on clip frames this long after the contact.
const CONTACT_HOLD_S: f64 = 0.25;
/// Seconds of video either side of each contact in a clip: the step before and after
/// (a running step lasts 0.3-0.4 s, a walking one about 0.55 s).
const CLIP_HALF_S: f64 = 0.5;

/// The steps with a measured overstride, highest first, and whether they were counted; of
/// the better-seen leg only when one leg was seen clearly worse (otherwise "worst" and
/// "best" would only set the near leg against the far one).
fn by_overstride(s: &Session) -> (Vec<&StepRow>, bool) {
    let trusted = s.trusted_side();
    let measured = |r: &&StepRow| {
        r.value(Metric::Overstride).is_some()
            && r.num(Column::IcFrame).is_some()
            && trusted.is_none_or(|side| r.text(Column::Side) == side)
    };
    let valid: Vec<&StepRow> = s
        .steps
        .iter()
        .filter(measured)
        .filter(|r| r.text(Column::Valid) != "false")
        .collect();
    let counted = !valid.is_empty();
    let mut v = if counted {
        valid
    } else {
        s.steps.iter().filter(measured).collect()
    };
    v.sort_by(|a, b| {
        b.value(Metric::Overstride)
            .unwrap_or(0.0)
            .total_cmp(&a.value(Metric::Overstride).unwrap_or(0.0))
    });
    (v, counted)
}

pub(super) fn media_section(
    page: &mut Html,
    s: &Session,
    blur: Option<&mut crate::privacy::FaceBlur>,
    progress: &ProgressBar,
) -> Result<()> {
    page.h2("Initial contact: typical and worst steps");
    let (ranked, counted) = by_overstride(s);
    if s.recordings.is_empty() || ranked.is_empty() {
        page.p("No video in this session (stills and clips come from <code>gaitcue analyze VIDEO</code> or a live session with <code>--record</code>), or no step with a measured overstride.");
        return Ok(());
    }
    if !counted {
        page.p("No valid running step in this session: the stills and clips below show the steps the camera saw, for review only; their numbers were not counted.");
    }
    let not_counted = if counted { "" } else { " (not counted)" };
    let fps = s.fps;
    let typical = typical_step(&ranked);
    let worst: Vec<&StepRow> = ranked.iter().take(WORST).copied().collect();
    // Best: landing closest to under the hips (the guide's 0-8 % of leg length), not the
    // most negative overstride (a foot that lands behind the hips is a measuring artefact
    // or a different fault, not good form).
    let mut best: Vec<&StepRow> = ranked.iter().rev().copied().collect();
    let off_target =
        |r: &StepRow| (r.value(Metric::Overstride).unwrap_or(f64::MAX) - OVERSTRIDE_TARGET).abs();
    best.sort_by(|a, b| off_target(a).total_cmp(&off_target(b)));
    best.retain(|r| !worst.iter().any(|w| std::ptr::eq(*w, *r)));
    best.truncate(WORST);
    let frame = |r: &StepRow| r.num(Column::IcFrame).unwrap_or(0.0) as u64;
    let clips_dir = s.dir.join("clips");
    std::fs::create_dir_all(&clips_dir).with_context(|| format!("creating '{}'", clips_dir.display()))?;
    let half = (CLIP_HALF_S * fps).round() as u64;
    let mut cuts = Cuts {
        stills: typical.iter().chain(worst.iter()).map(|r| frame(r)).collect(),
        clips: Vec::new(),
        marks: typical
            .iter()
            .chain(worst.iter())
            .chain(best.iter())
            .map(|r| (frame(r), step_mark(r)))
            .collect(),
        hold_frames: (CONTACT_HOLD_S * fps).round() as u64,
        fps,
    };
    let mut links = Vec::new();
    for (kind, rows) in [("worst", &worst), ("best", &best)] {
        for (i, r) in rows.iter().enumerate() {
            let name = format!("{kind}-{}.mp4", i + 1);
            cuts.clips.push((
                frame(r).saturating_sub(half),
                frame(r) + half,
                clips_dir.join(&name),
            ));
            links.push((kind, i + 1, name, *r));
        }
    }
    let all_frames: Vec<u64> = cuts
        .stills
        .iter()
        .copied()
        .chain(cuts.clips.iter().flat_map(|c| c.0..=c.1))
        .collect();
    let keypoints = match &s.keypoints {
        Some(k) => media::keypoints_for(k, &all_frames)?,
        None => Default::default(),
    };
    // Clips of an earlier build of this report would be linked under the wrong step.
    for (_, _, path) in &cuts.clips {
        let _ = std::fs::remove_file(path);
    }
    let stills = media::cut_session(&s.recordings, &cuts, &keypoints, blur, progress)?;
    // A live session records only while recording is on: steps outside it have no clip.
    links.retain(|(_, _, name, _)| clips_dir.join(name).exists());
    let caption = |label: &str, r: &StepRow| {
        format!(
            "{label}{not_counted}: step {} ({}), {:.2} s, overstride {:.2} leg lengths, shank {}",
            r.text(Column::Step),
            r.text(Column::Side),
            r.num(Column::IcTime).unwrap_or(0.0),
            r.value(Metric::Overstride).unwrap_or(0.0),
            r.value(Metric::ShankAngleIc)
                .map(|v| format!("{v:.0}°"))
                .unwrap_or_else(|| "unknown".into())
        )
    };
    let mut figures = Vec::new();
    if let Some(t) = typical {
        if let Some(src) = stills.get(&frame(t)) {
            figures.push((src.clone(), caption("typical", t)));
        }
    }
    for (i, r) in worst.iter().enumerate() {
        if let Some(src) = stills.get(&frame(r)) {
            figures.push((src.clone(), caption(&format!("worst {}", i + 1), r)));
        }
    }
    page.stills(&figures);
    page.h2("Clips of the worst and best steps");
    page.p(&if s.recordings.iter().any(|r| r.clean) {
        format!("Each clip holds one second of running around the step's landing, cropped on the runner, faces blurred, and plays {:.0} times slower than real time.", media::SLOW_MOTION)
    } else {
        "Each clip holds one second of running around the step's landing, as the annotated recording drew it (a live session, or an analysed video no longer where it was), faces blurred, at real speed.".to_string()
    });
    let items: Vec<String> = links
        .iter()
        .map(|(kind, i, name, r)| {
            format!(
                "<li><a href=\"clips/{name}\">{kind} {i}</a>{not_counted} — step {} ({}), overstride {:.2} leg lengths</li>",
                esc(r.text(Column::Step)),
                esc(r.text(Column::Side)),
                r.value(Metric::Overstride).unwrap_or(0.0)
            )
        })
        .collect();
    page.raw(&format!("<ul class=clips>{}</ul>", items.join("")));
    Ok(())
}

/// How the contact overlay draws step `r`.
fn step_mark(r: &StepRow) -> media::StepMark {
    media::StepMark {
        side: if r.text(Column::Side) == "right" {
            crate::analysis::Side::Right
        } else {
            crate::analysis::Side::Left
        },
        dir: if r.text(Column::Facing) == "left" {
            -1.0
        } else {
            1.0
        },
        forefoot: r.text(Column::FootStrikeType) == "fore",
        overstride_ratio: r.value(Metric::Overstride),
        overstride_cm: r.value(Metric::OverstrideCm),
        shank_deg: r.value(Metric::ShankAngleIc),
        knee_deg: r.value(Metric::KneeFlexionIc),
        counted: r.text(Column::Valid) != "false",
    }
}

/// The step whose overstride is nearest the session's median.
fn typical_step<'a>(ranked: &[&'a StepRow]) -> Option<&'a StepRow> {
    let values: Vec<f64> = ranked
        .iter()
        .filter_map(|r| r.value(Metric::Overstride))
        .collect();
    let median = crate::analysis::geometry::median(&values)?;
    let distance = |r: &StepRow| (r.value(Metric::Overstride).unwrap_or(0.0) - median).abs();
    ranked
        .iter()
        .min_by(|a, b| distance(a).total_cmp(&distance(b)))
        .copied()
}

/// The typical step's contact (overstride nearest the session median) as a still.
pub(crate) fn typical_still(
    s: &Session,
    blur: Option<&mut crate::privacy::FaceBlur>,
) -> Result<Option<(String, String)>> {
    // Only a counted step is typical of the session.
    let (ranked, true) = by_overstride(s) else {
        return Ok(None);
    };
    if s.recordings.is_empty() {
        return Ok(None);
    }
    let Some(r) = typical_step(&ranked) else {
        return Ok(None);
    };
    let frame = r.num(Column::IcFrame).unwrap_or(0.0) as u64;
    let cuts = Cuts {
        stills: vec![frame],
        clips: Vec::new(),
        marks: [(frame, step_mark(r))].into_iter().collect(),
        hold_frames: 0,
        fps: s.fps,
    };
    let keypoints = match &s.keypoints {
        Some(k) => media::keypoints_for(k, &[frame])?,
        None => Default::default(),
    };
    let stills = media::cut_session(&s.recordings, &cuts, &keypoints, blur, &ProgressBar::hidden())?;
    Ok(stills.get(&frame).map(|src| {
        let caption = format!(
            "typical step {} ({}), overstride {:.2} leg lengths",
            r.text(Column::Step),
            r.text(Column::Side),
            r.value(Metric::Overstride).unwrap_or(0.0)
        );
        (src.clone(), caption)
    }))
}

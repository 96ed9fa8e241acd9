//! The session report: `report.html`, self-contained (plots as inline SVG, stills as
//! embedded JPEG, faces blurred), with links to short clips of the worst and best steps in
//! `clips/`; and `gaitcue compare` for test → retest.

pub mod compare;
mod html;
pub mod media;
pub mod plots;
mod recordings;
mod sameness;
pub mod session;
mod stages;
mod verdict;

use crate::record::steps::Column;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use indicatif::ProgressBar;
use serde::{Deserialize, Serialize};

use crate::analysis::{Metric, METRICS};
use html::{esc, Html};
use media::Cuts;
use plots::Series;
use session::{Session, StepRow};

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

/// `[report]` in the configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReportConfig {
    /// Blur faces in every still and clip the report exports.
    pub blur_faces: bool,
    /// Who the session is for, as the clinic writes it (shown in the report only).
    pub patient: Option<String>,
    /// The clinician's notes for the report.
    pub notes: Option<String>,
}

impl Default for ReportConfig {
    fn default() -> Self {
        Self {
            blur_faces: true,
            patient: None,
            notes: None,
        }
    }
}

/// The metrics plotted over the session.
const PLOTTED: [Metric; 5] = [
    Metric::Overstride,
    Metric::ShankAngleIc,
    Metric::Cadence,
    Metric::TrunkLean,
    Metric::PelvicTilt,
];

/// Builds `report.html` (and `clips/`) for the session in `dir`; `progress` counts the
/// video frames cut for stills and clips.
pub fn build(
    dir: &Path,
    config: &ReportConfig,
    pose: &crate::pose::config::PoseConfig,
    progress: &ProgressBar,
) -> Result<PathBuf> {
    let session = Session::load(dir)?;
    let mut blur = if config.blur_faces && !session.recordings.is_empty() {
        Some(crate::privacy::FaceBlur::new(pose))
    } else {
        None
    };
    let mut page = Html::new("gaitcue session report");
    page.h1("Running session report");
    for w in session.summary["session"]["warnings"]
        .as_array()
        .into_iter()
        .flatten()
    {
        if let Some(w) = w.as_str() {
            page.warning(w);
        }
    }
    headline(&mut page, &session);
    facts(&mut page, &session);
    cue_log(&mut page, &session);
    summary_table(&mut page, &session);
    plots_section(&mut page, &session)?;
    stages::section(&mut page, &session)?;
    stages::feedback_section(&mut page, &session);
    media_section(&mut page, &session, blur.as_mut(), progress)?;
    snapshots_section(&mut page, &session)?;
    definitions(&mut page, config);
    let path = dir.join("report.html");
    crate::record::session_dir::write_atomically(&path, page.finish().as_bytes())
        .context("is the disk full?")?;
    Ok(path)
}

/// Overstride guide of open tools (not validated; FINDINGS §6), leg lengths.
const OVERSTRIDE_GOOD_BELOW: f64 = 0.08;
const OVERSTRIDE_POOR_ABOVE: f64 = 0.15;

/// The headline a patient reads first: what was measured, in plain words, against the
/// guide ranges, in a neutral box (the numbers are the runner's; the guide is not a verdict).
fn headline(page: &mut Html, s: &Session) {
    let mut lines: Vec<String> = Vec::new();
    let session = &s.summary["session"];
    if let Some(p) = session["patient"].as_str() {
        lines.push(format!("<strong>{}</strong>", esc(p)));
    }
    let valid = s.summary["valid_steps"].as_u64().unwrap_or(0);
    if valid == 0 {
        lines.push("No running steps could be counted in this session, so no running numbers are given (see the warnings and the reasons below).".into());
    } else {
        lines.push(format!("{valid} running steps were measured."));
        if let Some((o, _, _, _)) = s.summary_of("both", Metric::Overstride) {
            let cm = s
                .summary_of("both", Metric::OverstrideCm)
                .map(|c| format!(" (about {:.0} cm)", c.0))
                .unwrap_or_default();
            let guide = if o < OVERSTRIDE_GOOD_BELOW {
                "under the 0.08 that open tools call landing under the hips"
            } else if o > OVERSTRIDE_POOR_ABOVE {
                "above the 0.15 that open tools call reaching out in front (a guide, not validated: compare with your own earlier sessions)"
            } else {
                "between landing under the hips (under 0.08, as open tools put it) and reaching out in front (over 0.15): in between, a guide, not validated; compare with your own earlier sessions"
            };
            lines.push(format!(
                "Your foot landed a median {o:.2} leg lengths{cm} ahead of your hips: {guide}."
            ));
        }
        if let Some((c, _, _, _)) = s.summary_of("both", Metric::Cadence) {
            lines.push(format!("You took {c:.0} steps a minute."));
        }
        if let Some((t, _, _, _)) = s.summary_of("both", Metric::PelvicTilt) {
            lines.push(format!(
                "Your pelvis tilted {t:+.1}° forward of how you stand (from the stickers)."
            ));
        }
    }
    let shown: u64 = s.summary["cues_shown"]
        .as_object()
        .map_or(0, |o| o.values().filter_map(|v| v.as_u64()).sum());
    let retest = s.summary["feedback"]["retest"] == true;
    lines.push(if shown > 0 {
        format!("Cues were shown {shown} times (see the cue log).")
    } else if retest {
        "A retest: no cue was shown, so the numbers are your own.".to_string()
    } else {
        "No cue was shown.".to_string()
    });
    if let Some(n) = session["notes"].as_str() {
        lines.push(format!("Notes: {}", esc(n)));
    }
    page.raw(&format!(
        "<div class=headline>{}</div>",
        lines.iter().map(|l| format!("<p>{l}</p>")).collect::<String>()
    ));
}

/// Which cue was shown, how often, and when.
fn cue_log(page: &mut Html, s: &Session) {
    let mut by_cue: std::collections::BTreeMap<String, Vec<f64>> = Default::default();
    for r in &s.steps {
        let cue = r.text(Column::Cue);
        if !cue.is_empty() {
            by_cue
                .entry(cue.to_string())
                .or_default()
                .push(r.num(Column::IcTime).unwrap_or(0.0));
        }
    }
    if by_cue.is_empty() {
        return;
    }
    page.h2("Cue log");
    let mmss = |t: f64| format!("{}:{:02}", (t / 60.0) as u64, (t % 60.0) as u64);
    let rows = by_cue
        .iter()
        .map(|(cue, times)| {
            vec![
                esc(cue),
                times.len().to_string(),
                mmss(times[0]),
                mmss(*times.last().unwrap_or(&0.0)),
            ]
        })
        .collect();
    page.table(
        &["cue", "steps it was shown at", "first (min:s)", "last (min:s)"],
        rows,
    );
}

/// When the session was made, as "2026-11-30 17:00 UTC".
pub(super) fn session_date(s: &Session) -> Option<String> {
    s.summary["session"]["created_unix_s"]
        .as_i64()
        .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok())
        .and_then(|d| {
            d.format(time::macros::format_description!(
                "[year]-[month]-[day] [hour]:[minute] UTC"
            ))
            .ok()
        })
}

/// A session as the pages handed to a patient name it: its folder's own name, date and
/// source file, never the folders above (they often hold the patient's name).
pub(super) fn session_name(s: &Session) -> String {
    let folder = s
        .dir
        .canonicalize()
        .unwrap_or_else(|_| s.dir.clone())
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "session".into());
    let mut name = format!("'{folder}'");
    if let Some(d) = session_date(s) {
        name += &format!(", {d}");
    }
    if let Some(src) = s.summary["session"]["source"].as_str() {
        name += &format!(", {}", file_name_only(src));
    }
    name
}

fn facts(page: &mut Html, s: &Session) {
    let session = &s.summary["session"];
    let created = session_date(s).unwrap_or_else(|| "unknown".into());
    let text = |v: &serde_json::Value| v.as_str().map(String::from).unwrap_or_else(|| "not given".into());
    let rows = [
        ("date", created),
        ("source", file_name_only(&text(&session["source"]))),
        ("pose model", text(&session["pose_model"])),
        (
            "belt speed",
            session["speed_schedule"]
                .as_str()
                .map(|s| format!("by stage: {s}"))
                .unwrap_or_else(|| text(&session["belt_speed"])),
        ),
        (
            "movement",
            match s.summary["gait"].as_str() {
                Some("not gait") => "not recognised as running or walking".to_string(),
                _ => text(&s.summary["gait"]),
            },
        ),
        (
            "steps",
            match s.summary["valid_steps"].as_u64() {
                Some(v) => format!("{} ({v} valid running steps)", s.summary["steps"]),
                None => s.summary["steps"].to_string(),
            },
        ),
        ("side nearer the camera", text(&s.summary["near_side"])),
        (
            "runner lost",
            match (
                session["runner_lost_s"].as_f64(),
                session["runner_lost_times"].as_u64(),
            ) {
                (Some(s), Some(n)) if n > 0 => {
                    format!("{s:.1} s over {n} times (out of view or hidden; nobody else was measured)")
                }
                (Some(_), Some(_)) => "never, once found".into(),
                _ => "not recorded".into(),
            },
        ),
        (
            "people in view",
            match session["most_people_in_view"].as_u64() {
                Some(n) if n > 1 => format!("up to {n} at once; only the runner was measured"),
                Some(_) => "the runner only".into(),
                None => "not recorded".into(),
            },
        ),
        (
            "pelvic tilt from",
            s.summary["pelvic_tilt_sources"]
                .as_array()
                .map(|a| a.iter().filter_map(|v| v.as_str()).collect::<Vec<_>>().join("; "))
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| "not measured".into()),
        ),
    ];
    page.h2("Session");
    page.table(
        &["", ""],
        rows.iter().map(|(k, v)| vec![esc(k), esc(v)]).collect(),
    );
}

/// The report is handed to the patient: a source is shown by its file name alone, since
/// folder names often hold a patient's name (`video '/clinic/jane-doe/run.mp4'` →
/// `video 'run.mp4'`). A pipeline or a stream is named by its kind only: either may hold
/// a path or an address.
fn file_name_only(source: &str) -> String {
    let base = |path: &str| path.rsplit(['/', '\\']).next().unwrap_or(path).to_string();
    for kind in ["GStreamer pipeline", "stream"] {
        if source.starts_with(&format!("{kind} '")) {
            return format!("a {kind}");
        }
    }
    match (source.find('\''), source.rfind('\'')) {
        // `video '/a/b/run.mp4'`: the quoted path loses its folders.
        (Some(a), Some(b)) if b > a => {
            format!("{}{}{}", &source[..=a], base(&source[a + 1..b]), &source[b..])
        }
        // A bare path.
        _ if !source.contains(' ') => base(source),
        // Anything else (a camera, a stream described in words) as it is.
        _ => source.to_string(),
    }
}

fn summary_table(page: &mut Html, s: &Session) {
    page.h2("Summary per side");
    page.p("Median and spread (first–third quartile) over the valid running steps, with the number of steps that could be measured; steps where the pose could not support a number are left out, not guessed. A step counts when it passes every check of running: recognised as running, the stance leg seen from contact to toe-off, sides alternate, step time 0.25–0.5 s, a flight phase (duty factor below 0.5, contact shorter than the step), the same person throughout, angles within physical limits, and the belt already learned.");
    for side in ["left", "right"] {
        if let Some(why) = s.summary["medians_withheld"][side].as_str() {
            page.p(&esc(&format!("{side}: medians withheld: {why}.")));
        }
    }
    if let Some(reasons) = s.summary["invalid_reasons"].as_object().filter(|r| !r.is_empty()) {
        let rows = reasons
            .iter()
            .map(|(why, n)| vec![esc(why), n.to_string()])
            .collect();
        page.table(&["steps not counted because", "steps"], rows);
    }
    let cell = |side: &str, metric: Metric, decimals: usize| match s.summary_of(side, metric) {
        Some((m, q1, q3, n)) => {
            format!("{m:.decimals$} <span class=spread>[{q1:.decimals$}–{q3:.decimals$}] n={n}</span>")
        }
        None => "<span class=unknown>unknown</span>".into(),
    };
    let rows = METRICS
        .iter()
        .filter(|i| i.metric != Metric::Confidence)
        .map(|i| {
            let d = i.decimals.min(3);
            let label = if i.metric == Metric::PelvicTilt && is_proxy(s) {
                format!("{} (proxy)", i.label)
            } else {
                i.label.to_string()
            };
            vec![
                esc(&label),
                esc(i.unit),
                cell("left", i.metric, d),
                cell("right", i.metric, d),
            ]
        })
        .collect();
    page.table(&["metric", "unit", "left", "right"], rows);
}

fn is_proxy(s: &Session) -> bool {
    s.steps
        .iter()
        .any(|r| r.text(Column::PelvicTiltSource).starts_with("proxy"))
}

fn plots_section(page: &mut Html, s: &Session) -> Result<()> {
    page.h2("Over the session");
    for metric in PLOTTED {
        let title = format!("{} ({})", metric.info().label, metric.info().unit);
        let title = if metric == Metric::PelvicTilt && is_proxy(s) {
            format!("{title} — proxy, not a measurement")
        } else {
            title
        };
        let series = [("left", plots::LEFT), ("right", plots::RIGHT)]
            .iter()
            .map(|(side, colour)| Series {
                label: side.to_string(),
                points: s.series(metric, Some(side)),
                colour: *colour,
            })
            .collect::<Vec<_>>();
        let (reference, bands) = guides(metric);
        match plots::with_bands(&title, metric.info().unit, "time (s)", &series, reference, &bands)? {
            Some(svg) => page.figure_svg(&svg, &title),
            None => page.p(&format!("{}: no valid running step to plot.", esc(&title))),
        }
    }
    Ok(())
}

/// The guide drawn on a plot of `metric`: the line above which it reads poor, and the
/// shaded range that reads good (overstride only; no other metric has a guide).
pub(super) fn guides(metric: Metric) -> (Option<f64>, Vec<plots::Band<'static>>) {
    if metric != Metric::Overstride {
        return (None, Vec::new());
    }
    (
        Some(OVERSTRIDE_POOR_ABOVE),
        vec![plots::Band {
            from: 0.0,
            to: OVERSTRIDE_GOOD_BELOW,
            label: "guide: good under 0.08",
        }],
    )
}

/// Steps with a measured overstride, highest first: the valid running steps, or when there
/// are none every step seen (`false`), so the clinician can still look at them.
fn by_overstride(s: &Session) -> (Vec<&StepRow>, bool) {
    let measured = |r: &&StepRow| r.value(Metric::Overstride).is_some() && r.num(Column::IcFrame).is_some();
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

fn media_section(
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

/// The snapshots taken during a live session (already blurred when they were saved).
fn snapshots_section(page: &mut Html, s: &Session) -> Result<()> {
    let shots = crate::record::snapshot::list(&s.dir);
    if shots.is_empty() {
        return Ok(());
    }
    page.h2("Snapshots");
    let figures = shots
        .iter()
        .map(|p| -> Result<(String, String)> {
            let bytes = std::fs::read(p).with_context(|| format!("reading '{}'", p.display()))?;
            let src = format!(
                "data:image/png;base64,{}",
                base64::Engine::encode(&base64::engine::general_purpose::STANDARD, bytes)
            );
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            Ok((src, format!("{name}: the screen as the runner saw it")))
        })
        .collect::<Result<Vec<_>>>()?;
    page.raw("<div class=snapshots>");
    page.stills(&figures);
    page.raw("</div>");
    Ok(())
}

fn definitions(page: &mut Html, config: &ReportConfig) {
    page.h2("Definitions");
    let rows = METRICS
        .iter()
        .map(|i| {
            vec![
                esc(i.label),
                esc(i.unit),
                esc(i.definition),
                format!("<code>{}</code>", esc(i.name)),
            ]
        })
        .collect();
    page.table(&["metric", "unit", "definition", "column in steps.csv"], rows);
    page.p("Overstride cut-offs (under 0.08 leg lengths good, over 0.15 poor) come from open tools and are not validated: compare a runner with their own earlier sessions. Pelvic tilt is measured only from ASIS/PSIS stickers (change from standing); without them it is unknown. Sessions from earlier versions may hold a tilt marked “proxy”: that was the loss of thigh extension at toe-off, not a measurement of the pelvis.");
    page.p(if config.blur_faces {
        "Privacy: faces are blurred in every still and clip of this report — the runner's from their face keypoints, anyone else's from where the pose stage saw them (or the person detector, for older sessions), never over the runner's body. Everything stays on this computer."
    } else {
        "Privacy: face blurring is switched off in the configuration. Everything stays on this computer."
    });
}

#[cfg(test)]
mod tests {
    use super::file_name_only;

    #[test]
    fn sources_lose_their_folders() {
        assert_eq!(
            file_name_only("video '/clinic/jane-doe/run.mp4'"),
            "video 'run.mp4'"
        );
        assert_eq!(
            file_name_only("/clinic/jane-doe/keypoints.jsonl"),
            "keypoints.jsonl"
        );
        assert_eq!(file_name_only("camera 0 (/dev/video0)"), "camera 0 (/dev/video0)");
        assert_eq!(
            file_name_only(
                "GStreamer pipeline 'filesrc location=/clinic/jane/run.mp4 ! decodebin ! appsink'"
            ),
            "a GStreamer pipeline"
        );
        assert_eq!(file_name_only("stream 'rtsp://10.0.0.5/jane'"), "a stream");
        assert_eq!(file_name_only("demo.mp4"), "demo.mp4");
    }
}

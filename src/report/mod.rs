//! The session report: `report.html`, self-contained (plots as inline SVG, stills as
//! embedded JPEG, faces blurred), with links to short clips of the worst and best steps in
//! `clips/`; and `gaitcue compare` for test → retest.

pub mod compare;
mod contacts;
mod frame_keypoints;
mod frame_reader;
mod html;
pub mod media;
mod overview;
pub mod plots;
pub mod progress;
mod recordings;
mod sameness;
pub mod session;
mod session_log;
mod stages;
mod verdict;

use crate::session::steps::Column;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use indicatif::ProgressBar;
use serde::{Deserialize, Serialize};

use crate::analysis::{Metric, METRICS};
pub(crate) use contacts::typical_still;
use html::{esc, Html};
use overview::session_name;
use plots::Series;
use session::Session;

/// Overstride guide of open tools (not validated; FINDINGS §6), leg lengths.
pub(super) const OVERSTRIDE_GOOD_BELOW: f64 = 0.08;
pub(super) const OVERSTRIDE_POOR_ABOVE: f64 = 0.15;

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
    /// Where the session stands in its runner's course (`--runner`; not a file setting).
    #[serde(skip)]
    pub course: Option<crate::session::course::Course>,
}

impl Default for ReportConfig {
    fn default() -> Self {
        Self {
            blur_faces: true,
            patient: None,
            notes: None,
            course: None,
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
    for w in &session.summary.session.warnings {
        page.warning(w);
    }
    overview::headline(&mut page, &session);
    overview::facts(&mut page, &session);
    overview::cue_log(&mut page, &session);
    summary_table(&mut page, &session);
    plots_section(&mut page, &session)?;
    stages::section(&mut page, &session)?;
    stages::feedback_section(&mut page, &session);
    contacts::media_section(&mut page, &session, blur.as_mut(), progress)?;
    session_log::snapshots(&mut page, &session)?;
    session_log::events(&mut page, &session);
    definitions(&mut page, config);
    let path = dir.join("report.html");
    crate::session::atomic::write_atomically(&path, page.finish().as_bytes()).context("is the disk full?")?;
    Ok(path)
}

fn summary_table(page: &mut Html, s: &Session) {
    page.h2("Summary per side");
    page.p("Each cell: the median over the counted steps, the spread [first to third quartile] and n, the number of steps measured. Where the video could not support a number it is left out, never guessed.");
    page.p("A step is counted when it is running: a flight phase (contact shorter than the step, duty factor below 0.5); left and right alternate; a step time of 0.27–0.64 s (94–222 steps a minute) within 15 % of the runner's usual step on that side; the stance leg seen from landing to take-off; the same person throughout; angles within physical limits; not in the first few seconds, while gaitcue learns where the belt is; and a video that plays at real speed (not slow motion).");
    for side in ["left", "right"] {
        if let Some(Some(why)) = s.summary.medians_withheld.get(side) {
            page.p(&esc(&format!("{side}: medians withheld: {why}.")));
        }
    }
    if let Some(reasons) = Some(&s.summary.invalid_reasons).filter(|r| !r.is_empty()) {
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
            None if s.summary.valid_steps > 0 => page.p(&format!(
                "{}: not measured in any counted step{}.",
                esc(&title),
                if metric == Metric::PelvicTilt {
                    " (it needs ASIS/PSIS stickers: --markers)"
                } else {
                    ""
                }
            )),
            None => page.p(&format!("{}: no counted running step to plot.", esc(&title))),
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
    page.p("Overstride cut-offs (under 0.08 leg lengths good, over 0.15 poor) come from other open-source gait tools and are not validated: compare a runner with their own earlier sessions. Pelvic tilt is measured only from ASIS/PSIS stickers (change from standing); without them it is unknown. Sessions from earlier versions may hold a tilt marked “proxy”: that was the loss of thigh extension at toe-off, not a measurement of the pelvis.");
    page.p(if config.blur_faces {
        "Privacy: faces are blurred in every still and clip of this report — the runner's from their face keypoints, anyone else's from where the pose stage saw them (or the person detector, for older sessions), never over the runner's body. Everything stays on this computer."
    } else {
        "Privacy: face blurring is switched off in the configuration. Everything stays on this computer."
    });
}

//! `gaitcue compare BASELINE RETEST`: what changed between two sessions, and whether the
//! change is larger than the two sessions' own step-to-step scatter can explain.
//!
//! Smallest detectable difference: a change counts when it exceeds both
//! * 1.96 × the standard error of the difference of the two sessions' step means
//!   (Welch: √(s₁²/n₁ + s₂²/n₂)), i.e. the 95 % limit of a difference arising from
//!   step-to-step variability alone, and
//! * a floor per metric — the resolution a side-view camera gives a single session
//!   (e.g. 0.02 leg lengths of overstride, 2 steps/min, 2°), so that very long sessions do
//!   not turn trivial shifts into "changes".

use crate::session::atomic::write_atomically;
use crate::session::steps::Column;
use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use serde::Serialize;
use serde_json::json;

use super::html::{esc, Html};
use super::plots::{self, Series};
use super::session::Session;
use super::verdict::{signed, toward_goal, verdict, verdict_class};
use crate::analysis::{Metric, METRICS};

#[derive(Debug, Clone, Serialize)]
pub struct MetricChange {
    pub metric: String,
    pub unit: String,
    pub baseline_median: f64,
    pub retest_median: f64,
    pub change: f64,
    pub smallest_detectable_difference: f64,
    pub meaningful: bool,
    pub verdict: String,
    pub baseline_n: usize,
    pub retest_n: usize,
    /// "left", "right" or "both".
    pub side: String,
    /// Whether a meaningful change moved toward the retraining's aim (less overstride, a
    /// more vertical shank, less bounce, a higher cadence); `None`: no aim, or no change.
    pub toward_goal: Option<bool>,
}

fn stats(v: &[f64]) -> Option<(f64, f64, usize)> {
    if v.len() < 2 {
        return None;
    }
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    Some((mean, var, v.len()))
}

/// Compares every metric both sessions measured.
pub fn changes(base: &Session, retest: &Session) -> Result<Vec<MetricChange>> {
    let (a, b) = (base.metric_names(), retest.metric_names());
    if a != b {
        bail!(
            "the sessions measured different metrics ('{}': {}; '{}': {}): compare sessions made by the same gaitcue version",
            base.dir.display(),
            a.join(", "),
            retest.dir.display(),
            b.join(", ")
        );
    }
    let mut out = Vec::new();
    let proxy = |s: &Session| {
        s.steps
            .iter()
            .any(|r| r.text(Column::PelvicTiltSource).starts_with("proxy"))
    };
    // Every metric with a meaningful-change floor (all but the pose's confidence).
    // The belt speed is a condition of the test, not an outcome: a difference is a warning.
    let sides = [("left", Some("left")), ("right", Some("right")), ("both", None)];
    for (info, (side, which)) in METRICS
        .iter()
        .filter(|i| i.floor.is_some() && i.metric != Metric::BeltSpeed)
        .flat_map(|i| sides.iter().map(move |s| (i, *s)))
    {
        let (metric, unit) = (info.metric, info.unit);
        // A proxy tilt is relative to each session's own first steps: across sessions,
        // compare thigh extension instead.
        if metric == Metric::PelvicTilt && (proxy(base) || proxy(retest)) {
            continue;
        }
        let va: Vec<f64> = base.series(metric, which).into_iter().map(|p| p.1).collect();
        let vb: Vec<f64> = retest.series(metric, which).into_iter().map(|p| p.1).collect();
        let (Some((_, var_a, na)), Some((_, var_b, nb))) = (stats(&va), stats(&vb)) else {
            continue;
        };
        let (ma, mb) = (
            crate::analysis::geometry::median(&va).unwrap_or_default(),
            crate::analysis::geometry::median(&vb).unwrap_or_default(),
        );
        let change = mb - ma;
        let sdd = (1.96 * (var_a / na as f64 + var_b / nb as f64).sqrt()).max(info.floor.unwrap_or(0.0));
        let meaningful = change.abs() > sdd;
        let verdict = verdict(metric, change, meaningful);
        out.push(MetricChange {
            metric: metric.to_string(),
            unit: unit.to_string(),
            baseline_median: ma,
            retest_median: mb,
            change,
            smallest_detectable_difference: sdd,
            meaningful,
            verdict,
            baseline_n: na,
            retest_n: nb,
            side: side.to_string(),
            toward_goal: toward_goal(metric, ma, mb, meaningful),
        });
    }
    Ok(out)
}

pub struct CompareOutputs {
    pub html: PathBuf,
    pub json: PathBuf,
    pub changes: Vec<MetricChange>,
    /// Why the two sessions may not be comparable.
    pub warnings: Vec<String>,
}

impl std::fmt::Display for CompareOutputs {
    /// Warnings, the meaningful changes, then the files.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for w in &self.warnings {
            writeln!(f, "WARNING: {w}")?;
        }
        for c in self.changes.iter().filter(|c| c.meaningful && c.side == "both") {
            writeln!(f, "{:<28} {}", c.metric, c.verdict)?;
        }
        if self.changes.iter().all(|c| !c.meaningful) {
            writeln!(f, "no meaningful change in any metric")?;
        }
        writeln!(f, "comparison: {}", self.html.display())?;
        writeln!(f, "data:       {}", self.json.display())
    }
}

/// Writes `compare.html` and `compare.json` into `out`.
pub fn run(
    baseline: &Path,
    retest: &Path,
    out: &Path,
    blur_faces: bool,
    pose: &crate::pose::config::PoseConfig,
) -> Result<CompareOutputs> {
    let base = Session::load(baseline)?;
    let re = Session::load(retest)?;
    for s in [&base, &re] {
        let n = super::sameness::valid_steps(s);
        if n < super::sameness::MIN_VALID_STEPS {
            bail!(
                "session '{}' has {n} valid running steps; {} are needed to compare it (see its summary.json for why steps were not counted)",
                s.dir.display(),
                super::sameness::MIN_VALID_STEPS
            );
        }
    }
    let changes = changes(&base, &re)?;
    let warnings = super::sameness::warnings(&base, &re);
    let stage_changes = super::stages::compare(&base, &re);
    crate::record::prepare_output_dir(out)?;
    let json_path = out.join("compare.json");
    let doc = json!({
        "baseline": baseline.display().to_string(),
        "retest": retest.display().to_string(),
        "smallest_detectable_difference": "max(1.96 x sqrt(s1^2/n1 + s2^2/n2), per-metric floor): the 95 % limit of a difference of step means from step-to-step variability alone (Welch standard error), floored at the camera's single-session resolution",
        "warnings": warnings,
        "changes": changes,
        "stage_changes": stage_changes,
    });
    write_atomically(
        &json_path,
        (serde_json::to_string_pretty(&doc)? + "\n").as_bytes(),
    )?;

    let mut page = Html::new("gaitcue test / retest");
    page.h1("Test → retest");
    page.p(&format!(
        "Baseline: {}<br>Retest: {}",
        esc(&super::session_name(&base)),
        esc(&super::session_name(&re))
    ));
    for w in &warnings {
        page.warning(&format!("{w}."));
    }
    page.p("A change counts when it exceeds the smallest detectable difference: 1.96 × the standard error of the difference between the two sessions' step means (their own step-to-step scatter), and never less than the camera's resolution for that metric.");
    page.p("Coloured by the aim of retraining where there is one: green when the change moves toward it (less overstride, a shank nearer vertical, less bounce, a higher cadence), amber when away; grey when there is no aim, no meaningful change, or the sessions may not be comparable.");
    let rows = changes
        .iter()
        .filter(|c| c.side != "both")
        .map(|c| {
            // Sessions that may not be comparable get no colour that reads as better or worse.
            let class = verdict_class(c.toward_goal, warnings.is_empty());
            let d = Metric::from_name(&c.metric).map_or(3, |m| m.info().decimals.min(3));
            let label = Metric::from_name(&c.metric).map_or(c.metric.as_str(), |m| m.info().label);
            vec![
                esc(label),
                esc(&c.side),
                esc(&c.unit),
                format!("{:.d$} (n={})", c.baseline_median, c.baseline_n),
                format!("{:.d$} (n={})", c.retest_median, c.retest_n),
                signed(c.change, d),
                format!("{:.d$}", c.smallest_detectable_difference),
                format!("<span class={class}>{}</span>", esc(&c.verdict)),
            ]
        })
        .collect();
    page.table(
        &[
            "metric",
            "side",
            "unit",
            "baseline median",
            "retest median",
            "change",
            "smallest detectable",
            "verdict",
        ],
        rows,
    );
    super::stages::compare_table(&mut page, &stage_changes, warnings.is_empty());
    page.h2("Initial contact, typical step");
    let mut blur = if blur_faces && (!base.recordings.is_empty() || !re.recordings.is_empty()) {
        Some(crate::privacy::FaceBlur::new(pose))
    } else {
        None
    };
    let mut stills: Vec<(String, String)> = Vec::new();
    for (s, label) in [(&base, "baseline"), (&re, "retest")] {
        if let Some((src, caption)) = super::typical_still(s, blur.as_mut())? {
            stills.push((src, format!("{label}: {caption}")));
        }
    }
    if stills.is_empty() {
        page.p("No analysed video in these sessions: stills come from <code>gaitcue analyze VIDEO</code>.");
    } else {
        page.stills(&stills);
    }
    page.h2("Both sessions");
    for metric in [Metric::Overstride, Metric::Cadence, Metric::ShankAngleIc] {
        let title = &format!("{} ({})", metric.info().label, metric.info().unit);
        // Time from each session's first step, so the two lie over each other.
        let series = [
            (&base, "baseline", plots::BASELINE),
            (&re, "retest", plots::RETEST),
        ]
        .iter()
        .map(|(s, label, colour)| {
            let pts = s.series(metric, None);
            let t0 = pts.first().map(|p| p.0).unwrap_or(0.0);
            Series {
                label: label.to_string(),
                points: pts.into_iter().map(|(t, v)| (t - t0, v)).collect(),
                colour: *colour,
            }
        })
        .collect::<Vec<_>>();
        let (reference, bands) = super::guides(metric);
        if let Some(svg) = plots::with_bands(
            title,
            metric.info().unit,
            "time from first step (s)",
            &series,
            reference,
            &bands,
        )? {
            page.figure_svg(&svg, title);
        }
    }
    let html_path = out.join("compare.html");
    write_atomically(&html_path, page.finish().as_bytes())?;
    Ok(CompareOutputs {
        html: html_path,
        json: json_path,
        changes,
        warnings,
    })
}

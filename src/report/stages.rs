//! The report's belt-speed section: the stages of the session side by side, how the runner
//! met each rise in speed, and cadence and step length plotted against speed; and the
//! feedback given (which cues could fire, against what, and how long one was on screen).

use anyhow::Result;
use serde_json::Value;

use super::html::{esc, Html};
use super::plots::{self, Series};
use super::session::Session;
use crate::analysis::Metric;
use crate::record::speed_stages::STAGE_METRICS;

fn num(v: &Value, decimals: usize) -> Option<String> {
    v.as_f64().map(|x| format!("{x:.decimals$}"))
}

/// One stage's median with its quartiles, or "unknown" in grey.
fn cell(m: &Value, metric: Metric) -> String {
    let d = metric.info().decimals.min(3);
    match (num(&m["median"], d), num(&m["q1"], d), num(&m["q3"], d)) {
        (Some(med), Some(q1), Some(q3)) => format!("{med} <span class=spread>({q1}–{q3})</span>"),
        _ => "<span class=unknown>unknown</span>".into(),
    }
}

/// The stages table, the strategy and the plots; nothing for a session of one stage with
/// no speed given.
pub fn section(page: &mut Html, s: &Session) -> Result<()> {
    let Some(stages) = s.summary.speed_stages.as_array() else {
        return Ok(());
    };
    let speeds_known = stages.iter().any(|st| st["belt_speed_kmh"].is_number());
    if stages.len() < 2 && !speeds_known {
        return Ok(());
    }
    page.h2("Belt speed stages");
    page.p("Each stage is summarised over its last part (the first seconds after a change of speed are the runner adapting): median, with the middle half of the steps in brackets. Stride, reach and thigh extension all change with speed, so compare stages with themselves, and sessions at the same speed.");
    let mut header = vec!["stage", "belt speed", "time (s)", "valid steps L / R"];
    header.extend(STAGE_METRICS.iter().map(|m| m.info().label));
    let rows = stages
        .iter()
        .map(|st| {
            let speed = num(&st["belt_speed_kmh"], 1)
                .map(|v| format!("{v} km/h"))
                .or_else(|| {
                    num(&st["speed_ratio_to_previous"], 2)
                        .map(|r| format!("×{r} the stage before (from the foot)"))
                })
                .unwrap_or_else(|| "<span class=unknown>not given</span>".into());
            let mut row = vec![
                st["stage"].to_string(),
                speed,
                format!(
                    "{}–{} (from {})",
                    num(&st["start_s"], 0).unwrap_or_default(),
                    num(&st["end_s"], 0).unwrap_or_default(),
                    num(&st["analysed_from_s"], 0).unwrap_or_default()
                ),
                format!("{} / {}", st["valid_steps"]["left"], st["valid_steps"]["right"]),
            ];
            row.extend(STAGE_METRICS.iter().map(|m| cell(&st["metrics"][m.name()], *m)));
            row
        })
        .collect();
    page.table(&header, rows);
    for st in stages {
        if let Some(why) = st["numbers_withheld"].as_str() {
            page.p(&format!("Stage {}: numbers withheld: {}.", st["stage"], esc(why)));
        }
    }
    strategy(page, &s.summary.speed_strategy);
    if speeds_known {
        for (metric, colour) in [(Metric::Cadence, plots::LEFT), (Metric::StepLength, plots::RIGHT)] {
            let points: Vec<(f64, f64)> = stages
                .iter()
                .filter_map(|st| {
                    Some((
                        st["belt_speed_kmh"].as_f64()?,
                        st["metrics"][metric.name()]["median"].as_f64()?,
                    ))
                })
                .collect();
            if points.len() < 2 {
                continue;
            }
            let info = metric.info();
            let title = format!("{} against belt speed", info.label);
            let series = [Series {
                label: "stage median".into(),
                points,
                colour,
            }];
            if let Some(svg) = plots::over_time(&title, info.unit, "belt speed (km/h)", &series, None)? {
                page.figure_svg(&svg, &title);
            }
        }
    }
    Ok(())
}

/// How each rise in speed split between longer steps and more of them, in words.
fn strategy(page: &mut Html, strategy: &Value) {
    let Some(increments) = strategy["increments"].as_array().filter(|i| !i.is_empty()) else {
        return;
    };
    let mut lines = Vec::new();
    for inc in increments {
        let (Some(l), Some(c)) = (inc["step_length_share"].as_f64(), inc["cadence_share"].as_f64()) else {
            continue;
        };
        let between = match (num(&inc["from_kmh"], 1), num(&inc["to_kmh"], 1)) {
            (Some(a), Some(b)) => format!("{a} → {b} km/h"),
            _ => format!("stage {} → {}", inc["from_stage"], inc["to_stage"]),
        };
        let derived = inc["step_length_share_from"]
            .as_str()
            .is_some_and(|f| f != "measured");
        lines.push(format!(
            "<li>{between}: {:.0} % from a higher cadence, {:.0} % from longer steps{}</li>",
            100.0 * c,
            100.0 * l,
            if derived {
                " (the rest of the rise: the step length itself needs a belt speed)"
            } else {
                ""
            }
        ));
    }
    let over = &strategy["cadence_takes_over"];
    let verdict = if over.is_null() {
        "Step length supplied most of every rise in speed.".to_string()
    } else if let Some(v) = num(&over["above_kmh"], 1) {
        format!("Above {v} km/h cadence supplied more than half of the rise.")
    } else {
        format!(
            "From stage {} on, cadence supplied more than half of the rise.",
            over["from_stage"]
        )
    };
    page.p(&format!(
        "How the runner gained speed (runners lengthen their steps first and turn to cadence at higher speeds):<ul>{}</ul>{verdict}",
        lines.join("")
    ));
}

/// The cue rules in effect and the feedback given.
pub fn feedback_section(page: &mut Html, s: &Session) {
    let f = &s.summary.feedback;
    let Some(rules) = s.summary.cue_rules.as_array() else {
        return;
    };
    page.h2("Cues and feedback");
    if rules.is_empty() {
        page.p("Cues were off in this session.");
        return;
    }
    // Rules on pelvic tilt need the stickers: without them they never apply.
    let tilt_measured = !s.summary.pelvic_tilt_sources.is_empty();
    let rows = rules
        .iter()
        .filter(|r| tilt_measured || r["metric"].as_str() != Some(Metric::PelvicTilt.name()))
        .map(|r| {
            let cond = |c: &Value| {
                let name = c["metric"].as_str().and_then(Metric::from_name);
                let label = name.map_or("?", |m| m.info().label);
                let unit = name.map_or("", |m| m.info().unit);
                let (when, against) = (
                    c["when"].as_str().unwrap_or(""),
                    c["against"].as_str().unwrap_or(""),
                );
                // A margin over the runner's own steps, or a fixed value.
                if against.starts_with("the runner's own") {
                    let way = if when == "below" { "less" } else { "more" };
                    format!("{label} {} {unit} {way} than on {against}", c["threshold"])
                } else {
                    format!("{label} {when} {} {unit} ({against})", c["threshold"])
                }
            };
            let mut when = cond(r);
            if r["also"].is_object() {
                when += &format!(", and {}", cond(&r["also"]));
            }
            vec![esc(r["cue"].as_str().unwrap_or("")), esc(&when)]
        })
        .collect();
    page.table(&["cue", "shown when, in the same step"], rows);
    if !tilt_measured {
        page.p("Cues on pelvic tilt apply only with ASIS/PSIS stickers (not used here).");
    }
    if f.is_object() {
        let share = f["visible_share_setting"].as_f64().unwrap_or(1.0);
        let text = if f["retest"] == true {
            "A retest: no cue was shown.".to_string()
        } else {
            let why = match (f["share_from"].as_str(), f["session_number"].as_u64()) {
                (Some("session number"), Some(n)) => {
                    format!("the share for training session {n}: feedback fades as sessions go on")
                }
                (Some("session number"), None) => "the share for a first session".to_string(),
                _ => "as set for this session".to_string(),
            };
            let due = num(&f["cue_due_s"], 0).unwrap_or_else(|| "0".into());
            if due == "0" {
                format!(
                    "Cues could be shown {:.0} % of the time ({why}). No cue was due.",
                    100.0 * share
                )
            } else {
                format!(
                    "Cues could be shown {:.0} % of the time ({why}). A cue was due for {due} s in all; it was on the screen for {} s of that.",
                    100.0 * share,
                    num(&f["banner_up_s"], 0).unwrap_or_else(|| "0".into())
                )
            }
        };
        page.p(&esc(&text));
    }
}

/// Belt speeds closer than this (km/h) are the same stage in two sessions.
const SAME_SPEED_KMH: f64 = 0.3;

/// Test and retest compared stage by stage at matching belt speeds: for each stage metric
/// the change of medians and the smallest detectable difference (from each stage's spread:
/// SD ≈ interquartile range / 1.349, Welch standard error, 1.96 ×, never below the metric's
/// floor). Empty when the sessions share no speed.
pub fn compare(base: &Session, re: &Session) -> Vec<Value> {
    let stages = |s: &Session| s.summary.speed_stages.as_array().cloned().unwrap_or_default();
    let (a, b) = (stages(base), stages(re));
    let mut out = Vec::new();
    for sa in &a {
        let Some(va) = sa["belt_speed_kmh"].as_f64() else {
            continue;
        };
        let Some(sb) = b.iter().find(|sb| {
            sb["belt_speed_kmh"]
                .as_f64()
                .is_some_and(|vb| (vb - va).abs() <= SAME_SPEED_KMH)
        }) else {
            continue;
        };
        let metrics: Vec<Value> = STAGE_METRICS
            .iter()
            .filter_map(|m| {
                let (x, y) = (&sa["metrics"][m.name()], &sb["metrics"][m.name()]);
                let sd = |v: &Value| Some((v["q3"].as_f64()? - v["q1"].as_f64()?) / 1.349);
                // Cadence is a rolling value over 10 contacts: neighbouring steps share it,
                // so a stage holds a tenth as many independent values.
                let per = if *m == Metric::Cadence {
                    crate::analysis::CADENCE_STEPS as f64
                } else {
                    1.0
                };
                let n = |v: &Value| v["n"].as_f64().map(|n| n / per).filter(|n| *n > 1.0);
                let (ma, mb) = (x["median"].as_f64()?, y["median"].as_f64()?);
                let se = ((sd(x)?.powi(2) / n(x)?) + (sd(y)?.powi(2) / n(y)?)).sqrt();
                let sdd = (1.96 * se).max(m.info().floor.unwrap_or(0.0));
                let change = mb - ma;
                Some(serde_json::json!({
                    "metric": m.name(),
                    "unit": m.info().unit,
                    "baseline_median": ma,
                    "retest_median": mb,
                    "change": change,
                    "smallest_detectable_difference": sdd,
                    "meaningful": change.abs() > sdd,
                }))
            })
            .collect();
        out.push(serde_json::json!({
            "baseline_kmh": va,
            "retest_kmh": sb["belt_speed_kmh"],
            "metrics": metrics,
        }));
    }
    out
}

/// The stage-by-stage comparison as a table.
/// The stage-by-stage comparison as a table, coloured like the session table (only when
/// the sessions are `comparable`).
pub fn compare_table(page: &mut Html, stages: &[Value], comparable: bool) {
    if stages.is_empty() {
        return;
    }
    page.h2("Stage by stage, at matching belt speeds");
    page.p("Both sides together: each stage's summary pools left and right steps (the table above gives each side over the whole session).");
    let mut rows = Vec::new();
    for st in stages {
        let speed = num(&st["baseline_kmh"], 1).unwrap_or_default();
        for m in st["metrics"].as_array().into_iter().flatten() {
            let Some(metric) = m["metric"].as_str().and_then(Metric::from_name) else {
                continue;
            };
            let (Some(a), Some(b), Some(change)) = (
                m["baseline_median"].as_f64(),
                m["retest_median"].as_f64(),
                m["change"].as_f64(),
            ) else {
                continue;
            };
            let d = metric.info().decimals.min(3);
            let meaningful = m["meaningful"] == true;
            let class = super::verdict::verdict_class(
                super::verdict::toward_goal(metric, a, b, meaningful),
                comparable,
            );
            rows.push(vec![
                format!("{speed} km/h"),
                esc(metric.info().label),
                esc(metric.info().unit),
                format!("{a:.d$}"),
                format!("{b:.d$}"),
                super::verdict::signed(change, d),
                num(&m["smallest_detectable_difference"], d).unwrap_or_default(),
                format!(
                    "<span class={class}>{}</span>",
                    esc(&super::verdict::verdict(metric, change, meaningful))
                ),
            ]);
        }
    }
    page.table(
        &[
            "belt speed",
            "metric",
            "unit",
            "baseline median",
            "retest median",
            "change",
            "smallest detectable",
            "verdict",
        ],
        rows,
    );
}

//! The top of a session report: the headline a patient reads first, the session's facts,
//! and the cues the runner was shown.

use super::html::{esc, Html};
use super::session::Session;
use crate::analysis::cues::{CueConfig, REFERENCE_STEPS};
use crate::analysis::validity::Gait;
use crate::analysis::Metric;
use crate::capture::filmed::slower_or_faster;
use crate::session::steps::Column;

use super::{OVERSTRIDE_GOOD_BELOW, OVERSTRIDE_POOR_ABOVE};

/// A frame rate to a tenth, printed without a trailing ".0" (30, 7.5; 29.97 → 30).
fn tenths(fps: f64) -> f64 {
    (fps * 10.0).round() / 10.0
}

/// The headline a patient reads first: what was measured, in plain words, against the
/// guide ranges, in a neutral box (the numbers are the runner's; the guide is not a verdict).
pub(super) fn headline(page: &mut Html, s: &Session) {
    let mut lines: Vec<String> = Vec::new();
    let session = &s.summary.session;
    if let Some(p) = &session.patient {
        lines.push(format!("<strong>{}</strong>", esc(p)));
    }
    let valid = s.summary.valid_steps;
    if valid == 0 {
        lines.push("No running steps could be counted in this session, so no running numbers are given (see the warnings and the reasons below).".into());
    } else {
        lines.push(format!("{valid} running steps were measured."));
        // One leg seen clearly worse: the better-seen leg's overstride, named.
        let (side, whose) = match s.trusted_side() {
            Some(side) => (side, format!("Your {side} foot (the leg the camera saw best)")),
            None => ("both", "Your foot".to_string()),
        };
        if let Some((o, _, _, _)) = s.summary_of(side, Metric::Overstride) {
            let cm = s
                .summary_of(side, Metric::OverstrideCm)
                .map(|c| format!(" (about {:.0} cm)", c.0))
                .unwrap_or_default();
            let guide = if o < OVERSTRIDE_GOOD_BELOW {
                "under the 0.08 that other open-source gait tools call landing under the hips"
            } else if o > OVERSTRIDE_POOR_ABOVE {
                "above the 0.15 that other open-source gait tools call reaching out in front (a guide, not validated: compare with your own earlier sessions)"
            } else {
                "between landing under the hips (under 0.08, as other open-source gait tools put it) and reaching out in front (over 0.15): in between, a guide, not validated; compare with your own earlier sessions"
            };
            lines.push(format!(
                "{whose} landed a median {o:.2} leg lengths{cm} ahead of your hips: {guide}."
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
    let shown: usize = s.summary.cues_shown.values().sum();
    // How many steps a cue needs in a row, as the session was set (defaults otherwise).
    let cues = &session.settings["analysis"]["cues"];
    let defaults = CueConfig::default();
    let setting = |key: &str, default: usize| cues[key].as_u64().map_or(default, |v| v as usize);
    let (min_count, window) = (
        setting("min_count", defaults.min_count),
        setting("window", defaults.window),
    );
    let retest = s.summary.feedback["retest"] == true;
    let cues = if shown > 0 {
        Some(format!("Cues were shown {shown} times (see the cue log)."))
    } else if retest {
        Some("A retest: no cue was shown, so the numbers are your own.".to_string())
    } else if valid == 0 {
        None
    } else if s.summary.cue_rules.as_array().is_some_and(|r| r.is_empty()) {
        Some(
            "Cues were off in this session (a test, or a speed-ramp test): the numbers are your own."
                .to_string(),
        )
    } else if s.summary.feedback["cue_due_s"].as_f64().is_some_and(|d| d > 0.0) {
        Some("A cue was due, but this session's feedback schedule kept it off the screen (see Feedback below).".to_string())
    } else if valid < REFERENCE_STEPS + window {
        Some(format!("No cue could be given: a cue compares each step with your own first {REFERENCE_STEPS} counted steps at the belt speed and needs a change that lasts {min_count} steps of {window} after them; this session counted {valid}, too few after them to tell (record a minute or more)."))
    } else {
        Some(format!("No cue was given: after your own first {REFERENCE_STEPS} counted steps, which cues compare with, no change lasted {min_count} steps of {window}."))
    };
    lines.extend(cues);
    if let Some(n) = &session.notes {
        lines.push(format!("Notes: {}", esc(n)));
    }
    page.raw(&format!(
        "<div class=headline>{}</div>",
        lines.iter().map(|l| format!("<p>{l}</p>")).collect::<String>()
    ));
}

/// Which cue was shown, how often, and when.
pub(super) fn cue_log(page: &mut Html, s: &Session) {
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
pub(crate) fn session_date(s: &Session) -> Option<String> {
    Some(s.summary.session.created_unix_s as i64)
        .filter(|t| *t > 0)
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
pub(crate) fn session_name(s: &Session) -> String {
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
    name += &format!(", {}", file_name_only(&s.summary.session.source));
    name
}

pub(super) fn facts(page: &mut Html, s: &Session) {
    let session = &s.summary.session;
    let created = session_date(s).unwrap_or_else(|| "unknown".into());
    let text = |v: &Option<String>| v.clone().unwrap_or_else(|| "not given".into());
    let rows = [
        ("date", created),
        ("source", file_name_only(&session.source)),
        (
            "frame rate",
            match (session.fps, session.plays_slower_by) {
                (f, _) if !(f.is_finite() && f > 0.0) => "not recorded".into(),
                (f, Some(k)) => format!(
                    "{} frames/s as filmed (the file plays {})",
                    tenths(f),
                    slower_or_faster(k)
                ),
                (f, None) => format!("{} frames/s", tenths(f)),
            },
        ),
        ("pose model", text(&session.pose_model)),
        (
            "belt speed",
            session
                .speed_schedule
                .as_ref()
                .map(|s| format!("by stage: {s}"))
                .unwrap_or_else(|| text(&session.belt_speed)),
        ),
        (
            "movement",
            match s.summary.gait {
                Gait::NotGait => "not recognised as running or walking".to_string(),
                g => g.name().to_string(),
            },
        ),
        (
            "steps",
            format!(
                "{} ({} valid running steps)",
                s.summary.steps, s.summary.valid_steps
            ),
        ),
        (
            "side nearer the camera",
            s.summary
                .near_side
                .map_or_else(|| "not given".into(), |side| side.name().to_string()),
        ),
        (
            "runner lost",
            match (session.runner_lost_s, session.runner_lost_times) {
                (Some(s), Some(n)) if n > 0 => {
                    format!("{s:.1} s over {n} times (out of view or hidden; nobody else was measured)")
                }
                (Some(_), Some(_)) => "never lost after first being found".into(),
                _ => "not recorded".into(),
            },
        ),
        (
            "people in view",
            match session.most_people_in_view {
                Some(n) if n > 1 => format!("up to {n} at once; only the runner was measured"),
                Some(_) => "the runner only".into(),
                None => "not recorded".into(),
            },
        ),
        (
            "pelvic tilt from",
            Some(s.summary.pelvic_tilt_sources.join("; "))
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

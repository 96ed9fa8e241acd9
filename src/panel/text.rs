//! Writing on the screen: the colours, text drawn at a point, and strings shortened,
//! wrapped and stripped of folders to fit the panel.

use anyhow::Result;
use opencv::core::{Point, Scalar, ToInputOutputArray};
use opencv::imgproc;

pub(super) const WHITE: (f64, f64, f64) = (255.0, 255.0, 255.0);
pub(super) const GREY: (f64, f64, f64) = (170.0, 170.0, 170.0);
pub(super) const RED: (f64, f64, f64) = (40.0, 40.0, 230.0);
pub(super) const AMBER: (f64, f64, f64) = (0.0, 170.0, 255.0);
pub(super) const GREEN: (f64, f64, f64) = (90.0, 200.0, 90.0);

/// `s` cut to `n` characters with an ellipsis.
pub(super) fn short(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        s.chars().take(n - 3).collect::<String>() + "..."
    }
}

/// `s` with each quoted path cut to its last part: the panel may face the patient, and
/// folder names often hold a patient's name ("free in '/clinic/jane/s1'" -> "free in 's1'").
pub(super) fn without_folders(s: &str) -> String {
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
pub(super) fn wrap(s: &str, n: usize) -> Vec<String> {
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

pub(super) fn colour(c: (f64, f64, f64)) -> Scalar {
    Scalar::new(c.0, c.1, c.2, 0.0)
}

pub(super) fn text(
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

pub(super) fn fmt(v: Option<f64>, unit: &str, decimals: usize) -> String {
    v.map(|x| format!("{x:.decimals$}{unit}"))
        .unwrap_or_else(|| "unknown".into())
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

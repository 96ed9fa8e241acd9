//! Text that fits its frame: sized from the frame's shorter side (so a portrait treadmill
//! clip reads like a landscape one), shrunk or broken onto a second line rather than ever
//! running off the edge, on a band for contrast.

use anyhow::Result;
use opencv::core::{Point, Rect, Scalar, ToInputOutputArray};
use opencv::imgproc;
use opencv::prelude::*;

/// Text laid out to fit a width: its lines, font scale and stroke.
#[derive(Debug, Clone)]
pub struct Fitted {
    pub lines: Vec<String>,
    pub font: i32,
    pub scale: f64,
    pub thickness: i32,
    /// Height of one line including its descent, and the gap between lines, pixels.
    pub line_h: i32,
    pub gap: i32,
    /// The widest line, pixels.
    pub width: i32,
}

impl Fitted {
    pub fn height(&self) -> i32 {
        self.lines.len() as i32 * self.line_h + (self.lines.len() as i32 - 1).max(0) * self.gap
    }
}

fn measure(text: &str, font: i32, scale: f64, thickness: i32) -> Result<(i32, i32)> {
    let mut baseline = 0;
    let size = imgproc::get_text_size(text, font, scale, thickness, &mut baseline)?;
    Ok((size.width, size.height + baseline + thickness))
}

/// The two halves of `text` split at the space nearest its middle (`None`: one word).
fn halves(text: &str) -> Option<(String, String)> {
    let mid = text.len() / 2;
    let at = text
        .char_indices()
        .filter(|(_, c)| *c == ' ')
        .map(|(i, _)| i)
        .min_by_key(|i| i.abs_diff(mid))?;
    Some((text[..at].trim().to_string(), text[at..].trim().to_string()))
}

/// Lays `text` out in at most two lines no wider than `max_w`: at `scale` when it fits on
/// one line, else on two lines at `scale`, else as large as fits (never clipped).
pub fn fit(text: &str, font: i32, scale: f64, max_w: i32, stroke_per_scale: f64) -> Result<Fitted> {
    let thickness_at = |s: f64| ((s * stroke_per_scale).round() as i32).max(1);
    let widest = |lines: &[String], s: f64| -> Result<(i32, i32)> {
        let mut w = 0;
        let mut h = 0;
        for l in lines {
            let (lw, lh) = measure(l, font, s, thickness_at(s))?;
            w = w.max(lw);
            h = h.max(lh);
        }
        Ok((w, h))
    };
    let one = vec![text.to_string()];
    let mut candidates = vec![one.clone()];
    if let Some((a, b)) = halves(text) {
        candidates.push(vec![a, b]);
    }
    // The largest scale (up to `scale`) at which each layout fits; prefer one line.
    let mut best: Option<(Vec<String>, f64)> = None;
    for lines in candidates {
        let (w, _) = widest(&lines, scale)?;
        let s = if w <= max_w {
            scale
        } else {
            scale * f64::from(max_w) / f64::from(w.max(1)) * 0.98
        };
        if best.as_ref().is_none_or(|(_, b)| s > *b * 1.25) {
            best = Some((lines, s));
        }
    }
    let (lines, s) = best.unwrap_or((one, scale));
    let thickness = thickness_at(s);
    let (width, line_h) = widest(&lines, s)?;
    Ok(Fitted {
        lines,
        font,
        scale: s,
        thickness,
        line_h,
        gap: (line_h / 4).max(2),
        width,
    })
}

/// Draws `fitted` on a filled band `band` (full lines centred or left-aligned), white
/// text; returns the box of each line drawn.
pub fn draw_on_band(
    image: &mut (impl ToInputOutputArray + MatTraitConst),
    fitted: &Fitted,
    band: Rect,
    fill: Scalar,
    ink: Scalar,
    centred: bool,
    pad: i32,
) -> Result<Vec<Rect>> {
    imgproc::rectangle(image, band, fill, imgproc::FILLED, imgproc::LINE_8, 0)?;
    let mut boxes = Vec::new();
    let mut y = band.y + pad;
    for line in &fitted.lines {
        let (w, h) = measure(line, fitted.font, fitted.scale, fitted.thickness)?;
        let x = if centred {
            band.x + (band.width - w) / 2
        } else {
            band.x + pad
        };
        // put_text's origin is the baseline; the line's box starts `h` above it less descent.
        let baseline_y = y + h - fitted.thickness - (h / 5);
        imgproc::put_text(
            image,
            line,
            Point::new(x, baseline_y),
            fitted.font,
            fitted.scale,
            ink,
            fitted.thickness,
            imgproc::LINE_AA,
            false,
        )?;
        boxes.push(Rect::new(x, y, w, h));
        y += h + fitted.gap;
    }
    Ok(boxes)
}

/// The shorter side of the frame: the unit text is sized in.
pub fn unit(image: &impl MatTraitConst) -> f64 {
    f64::from(image.rows().min(image.cols()).max(1))
}

//! The bar charts of the last steps, with the threshold line.

use anyhow::Result;
use opencv::core::{Point, Rect, Scalar, ToInputOutputArray};
use opencv::imgproc;

use super::text::{colour, text, AMBER, GREEN, GREY};
use super::CHART_STEPS;

/// What a bar chart shows: a title, one value per step, the value range and a threshold.
pub(super) struct ChartSpec<'a> {
    pub(super) title: &'a str,
    pub(super) values: Vec<Option<f64>>,
    pub(super) range: (f64, f64),
    pub(super) threshold: Option<f64>,
    /// How the threshold is labelled.
    pub(super) label: fn(f64) -> String,
}

pub(super) fn draw_chart(panel: &mut impl ToInputOutputArray, r: Rect, c: &ChartSpec) -> Result<()> {
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

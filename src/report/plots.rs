//! Metric-over-time plots as inline SVG (plotters): one line per side or per session.

use anyhow::{anyhow, Result};
use plotters::prelude::*;

/// One line on a plot.
pub struct Series {
    pub label: String,
    pub points: Vec<(f64, f64)>,
    pub colour: RGBColor,
}

pub const LEFT: RGBColor = RGBColor(230, 120, 0);
pub const RIGHT: RGBColor = RGBColor(0, 110, 220);
pub const BASELINE: RGBColor = RGBColor(120, 120, 120);
/// Not green: the retest line must not read as "better" before the numbers say so.
pub const RETEST: RGBColor = RGBColor(110, 60, 170);

/// A shaded range of y values on a plot, with its meaning.
pub struct Band<'a> {
    pub from: f64,
    pub to: f64,
    pub label: &'a str,
}

/// An SVG plot of `series` against time; `None` when there is nothing to draw.
pub fn over_time(
    title: &str,
    y_label: &str,
    x_label: &str,
    series: &[Series],
    reference: Option<f64>,
) -> Result<Option<String>> {
    with_bands(title, y_label, x_label, series, reference, &[])
}

/// [`over_time`] with shaded reference bands. The legend sits beside the plot, never over
/// the data; ticks are 14 px; a single value gets an axis around it, not a sliver.
pub fn with_bands(
    title: &str,
    y_label: &str,
    x_label: &str,
    series: &[Series],
    reference: Option<f64>,
    bands: &[Band],
) -> Result<Option<String>> {
    let all: Vec<(f64, f64)> = series.iter().flat_map(|s| s.points.iter().copied()).collect();
    if all.is_empty() {
        return Ok(None);
    }
    let (mut x0, mut x1) = all
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.0), b.max(p.0)));
    let (mut y0, mut y1) = all
        .iter()
        .chain(reference.map(|r| (0.0, r)).iter())
        .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.1), b.max(p.1)));
    if x1 - x0 < 1e-9 {
        x0 -= 1.0;
        x1 += 1.0;
    }
    // A few values close together: an axis at least a tenth of their size (or 0.05) tall.
    let span = (y1 - y0).max(0.1 * y0.abs().max(y1.abs())).max(0.05);
    let mid = 0.5 * (y0 + y1);
    let (lo, hi) = (mid - 0.5 * span, mid + 0.5 * span);
    let pad = 0.1 * span;
    (y0, y1) = (lo.min(y0) - pad, hi.max(y1) + pad);
    let mut svg = String::new();
    {
        let whole = SVGBackend::with_string(&mut svg, (900, 300)).into_drawing_area();
        whole.fill(&WHITE).map_err(|e| anyhow!("plot: {e}"))?;
        let (root, legend) = whole.split_horizontally(700);
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(70)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(|e| anyhow!("plot: {e}"))?;
        chart
            .configure_mesh()
            .x_desc(x_label)
            .y_desc(y_label)
            .light_line_style(RGBColor(235, 235, 235))
            .label_style(("sans-serif", 14))
            .axis_desc_style(("sans-serif", 15))
            .draw()
            .map_err(|e| anyhow!("plot: {e}"))?;
        for b in bands {
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(x0, b.from.max(y0)), (x1, b.to.min(y1))],
                    RGBColor(225, 225, 225).mix(0.6).filled(),
                )))
                .map_err(|e| anyhow!("plot: {e}"))?;
        }
        // Only what the axis shows is named in the legend. Guides are not validated: drawn in
        // grey, never in a colour that reads as good or alarming.
        let mut keys: Vec<(String, RGBColor, bool)> = bands
            .iter()
            .filter(|b| b.from < y1 && b.to > y0)
            .map(|b| (b.label.to_string(), RGBColor(200, 200, 200), true))
            .collect();
        if let Some(r) = reference.filter(|r| (y0..=y1).contains(r)) {
            chart
                .draw_series(LineSeries::new(
                    [(x0, r), (x1, r)],
                    RGBColor(110, 110, 110).stroke_width(1),
                ))
                .map_err(|e| anyhow!("plot: {e}"))?;
            keys.push((format!("guide: poor above {r}"), RGBColor(110, 110, 110), false));
        }
        for s in series {
            let colour = s.colour;
            chart
                .draw_series(LineSeries::new(s.points.iter().copied(), colour.stroke_width(2)))
                .map_err(|e| anyhow!("plot: {e}"))?;
            keys.push((s.label.clone(), colour, false));
            chart
                .draw_series(s.points.iter().map(|p| Circle::new(*p, 3, colour.filled())))
                .map_err(|e| anyhow!("plot: {e}"))?;
        }
        // The legend, beside the plot.
        for (i, (label, colour, band)) in keys.iter().enumerate() {
            let y = 50 + 26 * i as i32;
            let mark = if *band {
                legend.draw(&Rectangle::new([(4, y - 6), (24, y + 6)], colour.filled()))
            } else {
                legend.draw(&PathElement::new([(4, y), (24, y)], colour.stroke_width(3)))
            };
            mark.map_err(|e| anyhow!("plot: {e}"))?;
            legend
                .draw(&Text::new(label.clone(), (30, y - 8), ("sans-serif", 14)))
                .map_err(|e| anyhow!("plot: {e}"))?;
        }
        whole.present().map_err(|e| anyhow!("plot: {e}"))?;
    }
    Ok(Some(svg))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plot_is_svg_with_its_labels() {
        let s = Series {
            label: "left".into(),
            points: vec![(1.0, 0.1), (2.0, 0.12), (3.0, 0.09)],
            colour: LEFT,
        };
        let svg = over_time("overstride", "leg lengths", "time (s)", &[s], Some(0.15))
            .unwrap()
            .unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("overstride") && svg.contains("left"));
        assert!(over_time("empty", "", "", &[], None).unwrap().is_none());
    }
}

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
pub const RETEST: RGBColor = RGBColor(20, 150, 60);

/// An SVG plot of `series` against time; `None` when there is nothing to draw.
pub fn over_time(
    title: &str,
    y_label: &str,
    x_label: &str,
    series: &[Series],
    reference: Option<f64>,
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
    let pad = ((y1 - y0) * 0.1).max(1e-3);
    y0 -= pad;
    y1 += pad;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (760, 280)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| anyhow!("plot: {e}"))?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(56)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(|e| anyhow!("plot: {e}"))?;
        chart
            .configure_mesh()
            .x_desc(x_label)
            .y_desc(y_label)
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(|e| anyhow!("plot: {e}"))?;
        if let Some(r) = reference {
            chart
                .draw_series(LineSeries::new(
                    [(x0, r), (x1, r)],
                    RGBColor(200, 60, 60).stroke_width(1),
                ))
                .map_err(|e| anyhow!("plot: {e}"))?
                .label(format!("threshold {r}"))
                .legend(|(x, y)| PathElement::new([(x, y), (x + 16, y)], RGBColor(200, 60, 60)));
        }
        for s in series {
            let colour = s.colour;
            chart
                .draw_series(LineSeries::new(s.points.iter().copied(), colour.stroke_width(2)))
                .map_err(|e| anyhow!("plot: {e}"))?
                .label(s.label.clone())
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 16, y)], colour.stroke_width(2)));
            chart
                .draw_series(s.points.iter().map(|p| Circle::new(*p, 3, colour.filled())))
                .map_err(|e| anyhow!("plot: {e}"))?;
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(200, 200, 200))
            .position(SeriesLabelPosition::UpperRight)
            .draw()
            .map_err(|e| anyhow!("plot: {e}"))?;
        root.present().map_err(|e| anyhow!("plot: {e}"))?;
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

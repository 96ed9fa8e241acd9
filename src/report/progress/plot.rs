//! One metric over the sessions of a course as inline SVG: a line per side through each
//! session's median, and around each side's first-test value a shaded band of the
//! measurement's noise (a point outside it is a change).

use anyhow::{anyhow, Result};
use plotters::prelude::*;

/// One side's line.
pub struct Line {
    pub label: String,
    pub colour: RGBColor,
    /// (session index, median).
    pub points: Vec<(usize, f64)>,
    /// The band around the first test: (low, high).
    pub band: (f64, f64),
}

fn err(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow!("progress plot: {e}")
}

/// The chart, sessions named along the bottom by `labels`.
pub fn chart(title: &str, unit: &str, labels: &[String], lines: &[Line]) -> Result<String> {
    let ys = lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.1).chain([l.band.0, l.band.1]));
    let (lo, hi) = ys.fold((f64::MAX, f64::MIN), |(a, b), y| (a.min(y), b.max(y)));
    let span = (hi - lo).max(0.1 * lo.abs().max(hi.abs())).max(0.05);
    let (y0, y1) = (lo - 0.15 * span, hi + 0.15 * span);
    let n = labels.len().max(1);
    let mut svg = String::new();
    {
        let whole = SVGBackend::with_string(&mut svg, (900, 300)).into_drawing_area();
        whole.fill(&WHITE).map_err(err)?;
        let (root, legend) = whole.split_horizontally(680);
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(-0.5..(n as f64 - 0.5), y0..y1)
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n)
            .x_label_formatter(&|x| {
                let i = x.round();
                if (x - i).abs() < 1e-6 && i >= 0.0 {
                    labels.get(i as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .y_desc(unit)
            .light_line_style(RGBColor(235, 235, 235))
            .label_style(("sans-serif", 14))
            .axis_desc_style(("sans-serif", 15))
            .draw()
            .map_err(err)?;
        for l in lines {
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(-0.5, l.band.0), (n as f64 - 0.5, l.band.1)],
                    l.colour.mix(0.12).filled(),
                )))
                .map_err(err)?;
        }
        for l in lines {
            let pts: Vec<(f64, f64)> = l.points.iter().map(|(i, v)| (*i as f64, *v)).collect();
            chart
                .draw_series(LineSeries::new(pts.iter().copied(), l.colour.stroke_width(2)))
                .map_err(err)?;
            chart
                .draw_series(pts.iter().map(|p| Circle::new(*p, 4, l.colour.filled())))
                .map_err(err)?;
        }
        let mut y = 50;
        for l in lines {
            legend
                .draw(&PathElement::new([(4, y), (24, y)], l.colour.stroke_width(3)))
                .map_err(err)?;
            legend
                .draw(&Text::new(l.label.clone(), (30, y - 8), ("sans-serif", 14)))
                .map_err(err)?;
            y += 26;
            legend
                .draw(&Rectangle::new(
                    [(4, y - 6), (24, y + 6)],
                    l.colour.mix(0.25).filled(),
                ))
                .map_err(err)?;
            legend
                .draw(&Text::new(
                    "within noise of the first test",
                    (30, y - 8),
                    ("sans-serif", 14),
                ))
                .map_err(err)?;
            y += 34;
        }
        whole.present().map_err(err)?;
    }
    Ok(svg)
}

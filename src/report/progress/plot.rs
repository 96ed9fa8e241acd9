//! One metric over the sessions of a course as inline SVG: a line per side through each
//! session's median (the right side dashed, with triangles, so that lines lying on each
//! other both show), and around each side's first-test value a grey band of the
//! measurement's margin of error, edged in the side's colour.

use anyhow::{anyhow, Result};
use plotters::prelude::*;

/// One side's line.
pub struct Line {
    pub label: String,
    pub colour: RGBColor,
    /// Dashed with triangles (the right side), else solid with dots.
    pub dashed: bool,
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
            .y_max_light_lines(0)
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
        let right = n as f64 - 0.5;
        for l in lines {
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(-0.5, l.band.0), (right, l.band.1)],
                    RGBColor(150, 150, 150).mix(0.15).filled(),
                )))
                .map_err(err)?;
            for edge in [l.band.0, l.band.1] {
                chart
                    .draw_series(DashedLineSeries::new(
                        [(-0.5, edge), (right, edge)],
                        4,
                        4,
                        l.colour.mix(0.6).stroke_width(1),
                    ))
                    .map_err(err)?;
            }
        }
        for l in lines {
            let pts: Vec<(f64, f64)> = l.points.iter().map(|(i, v)| (*i as f64, *v)).collect();
            if l.dashed {
                chart
                    .draw_series(DashedLineSeries::new(
                        pts.iter().copied(),
                        8,
                        5,
                        l.colour.stroke_width(2),
                    ))
                    .map_err(err)?;
                chart
                    .draw_series(pts.iter().map(|p| TriangleMarker::new(*p, 6, l.colour.filled())))
                    .map_err(err)?;
            } else {
                chart
                    .draw_series(LineSeries::new(pts.iter().copied(), l.colour.stroke_width(2)))
                    .map_err(err)?;
                chart
                    .draw_series(pts.iter().map(|p| Circle::new(*p, 4, l.colour.filled())))
                    .map_err(err)?;
            }
        }
        let mut y = 50;
        for l in lines {
            let line = [(4, y), (24, y)];
            if l.dashed {
                legend
                    .draw(&PathElement::new(line, l.colour.stroke_width(3)))
                    .map_err(err)?;
                legend
                    .draw(&TriangleMarker::new((14, y), 6, l.colour.filled()))
                    .map_err(err)?;
            } else {
                legend
                    .draw(&PathElement::new(line, l.colour.stroke_width(3)))
                    .map_err(err)?;
                legend
                    .draw(&Circle::new((14, y), 4, l.colour.filled()))
                    .map_err(err)?;
            }
            legend
                .draw(&Text::new(l.label.clone(), (30, y - 8), ("sans-serif", 14)))
                .map_err(err)?;
            y += 26;
            legend
                .draw(&Rectangle::new(
                    [(4, y - 6), (24, y + 6)],
                    RGBColor(150, 150, 150).mix(0.3).filled(),
                ))
                .map_err(err)?;
            legend
                .draw(&Rectangle::new(
                    [(4, y - 6), (24, y + 6)],
                    l.colour.stroke_width(1),
                ))
                .map_err(err)?;
            legend
                .draw(&Text::new(
                    "first test ± margin of error",
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

//! What a clinician draws on a frame at initial contact: a plumb line down from the hips,
//! the point that touched first with the overstride between them, and the shank and knee
//! angles as arcs at the knee. Neutral colours (white on a dark outline): the drawing shows
//! where things were, never a judgement.

use std::f64::consts::PI;

use anyhow::Result;
use opencv::core::{Point, Rect, Scalar, ToInputOutputArray};
use opencv::imgproc;
use opencv::prelude::*;

use super::text;
use crate::analysis::{ContactPose, Side, StepRecord};
use crate::pose::Keypoint;

/// What the contact overlay shows: where the leg was, and the step's numbers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ContactDrawing {
    pub at: ContactPose,
    pub overstride_ratio: Option<f64>,
    pub overstride_cm: Option<f64>,
    pub shank_deg: Option<f64>,
    pub knee_deg: Option<f64>,
    /// Whether the step counted (passed the gait-validity gate); one that did not is drawn
    /// in grey and marked "not counted", as the panel shows it.
    pub counted: bool,
}

impl ContactDrawing {
    /// A step as the analysis closed it (`None`: its leg was not seen at contact).
    pub fn of_step(step: &StepRecord) -> Option<Self> {
        Some(Self {
            at: step.at_contact?,
            overstride_ratio: step.overstride_ratio,
            overstride_cm: step.overstride_cm,
            shank_deg: step.shank_angle_ic_deg,
            knee_deg: step.knee_flexion_ic_deg,
            counted: step.valid,
        })
    }
}

impl ContactDrawing {
    /// The same drawing in a frame `width` pixels wide turned left to right (a mirrored
    /// view): every point mirrored, the runner facing the other way.
    pub fn mirrored(&self, width: f64) -> Self {
        let m = |p: (f64, f64)| (width - 1.0 - p.0, p.1);
        let a = self.at;
        Self {
            at: ContactPose {
                hip: m(a.hip),
                knee: m(a.knee),
                ankle: m(a.ankle),
                contact: m(a.contact),
                dir: -a.dir,
            },
            ..*self
        }
    }
}

impl ContactPose {
    /// The leg of `side` in one frame's keypoints; the contact point is the heel, or the
    /// toe for a forefoot strike.
    pub fn from_keypoints(k: &[Keypoint], side: Side, dir: f64, forefoot: bool) -> Self {
        let p = side.points();
        let xy = |i: usize| (f64::from(k[i].x), f64::from(k[i].y));
        let hip = (0.5 * (xy(23).0 + xy(24).0), 0.5 * (xy(23).1 + xy(24).1));
        Self {
            hip,
            knee: xy(p.knee),
            ankle: xy(p.ankle),
            contact: xy(if forefoot { p.toe } else { p.heel }),
            dir,
        }
    }
}

const INK: (f64, f64, f64) = (255.0, 255.0, 255.0);
const OUTLINE: (f64, f64, f64) = (20.0, 20.0, 20.0);
const MARK: (f64, f64, f64) = (0.0, 215.0, 255.0); // BGR yellow: the contact point
/// A step that did not count: everything in one mid grey.
const NOT_COUNTED: (f64, f64, f64) = (150.0, 150.0, 150.0);

/// The colours of one drawing: lines and text, and the contact point.
#[derive(Debug, Clone, Copy)]
struct Ink {
    line: (f64, f64, f64),
    mark: (f64, f64, f64),
}

impl Ink {
    fn of(counted: bool) -> Self {
        if counted {
            Self {
                line: INK,
                mark: MARK,
            }
        } else {
            Self {
                line: NOT_COUNTED,
                mark: NOT_COUNTED,
            }
        }
    }
}

fn scalar(c: (f64, f64, f64)) -> Scalar {
    Scalar::new(c.0, c.1, c.2, 0.0)
}

fn pt(p: (f64, f64)) -> Point {
    Point::new(p.0.round() as i32, p.1.round() as i32)
}

/// A line in `ink` over a dark outline, readable on any background.
fn line(image: &mut impl ToInputOutputArray, ink: Ink, a: (f64, f64), b: (f64, f64), w: i32) -> Result<()> {
    imgproc::line(image, pt(a), pt(b), scalar(OUTLINE), w + 2, imgproc::LINE_AA, 0)?;
    imgproc::line(image, pt(a), pt(b), scalar(ink.line), w, imgproc::LINE_AA, 0)?;
    Ok(())
}

/// A dashed vertical line from `top` down to `bottom_y`.
fn plumb(
    image: &mut impl ToInputOutputArray,
    ink: Ink,
    top: (f64, f64),
    bottom_y: f64,
    w: i32,
    dash: f64,
) -> Result<()> {
    let mut y = top.1;
    while y < bottom_y {
        let end = (y + dash).min(bottom_y);
        line(image, ink, (top.0, y), (top.0, end), w)?;
        y += 2.0 * dash;
    }
    Ok(())
}

/// An arc at `centre` of `radius` from angle `a0` to `a1` (radians, image axes: 0 = +x,
/// π/2 = down).
fn arc(
    image: &mut impl ToInputOutputArray,
    ink: Ink,
    centre: (f64, f64),
    radius: f64,
    a0: f64,
    a1: f64,
    w: i32,
) -> Result<()> {
    let n = 24;
    let p = |k: i32| {
        let a = a0 + (a1 - a0) * f64::from(k) / f64::from(n);
        (centre.0 + radius * a.cos(), centre.1 + radius * a.sin())
    };
    for k in 0..n {
        line(image, ink, p(k), p(k + 1), w)?;
    }
    Ok(())
}

/// A label's text laid out for this frame, and its padding.
fn label_layout(image: &impl MatTraitConst, s: &str) -> Result<(text::Fitted, i32)> {
    let u = text::unit(image);
    let pad = (0.006 * u).round().max(2.0) as i32;
    let fitted = text::fit(
        s,
        imgproc::FONT_HERSHEY_SIMPLEX,
        0.03 * u / 22.0,
        image.cols() / 2,
        2.0,
    )?;
    Ok((fitted, pad))
}

/// The width and height a label takes.
fn label_size(image: &impl MatTraitConst, s: &str) -> Result<(i32, i32)> {
    let (fitted, pad) = label_layout(image, s)?;
    Ok((fitted.width + 2 * pad, fitted.height() + 2 * pad))
}

/// A small label with a dark band behind it, kept inside the frame; its box.
fn label(
    image: &mut (impl ToInputOutputArray + MatTraitConst),
    ink: Ink,
    s: &str,
    at: (f64, f64),
) -> Result<Rect> {
    let (fitted, pad) = label_layout(image, s)?;
    let (w, h) = (fitted.width + 2 * pad, fitted.height() + 2 * pad);
    let x = (at.0.round() as i32).clamp(0, (image.cols() - w).max(0));
    let y = (at.1.round() as i32).clamp(0, (image.rows() - h).max(0));
    let band = Rect::new(x, y, w, h);
    text::draw_on_band(
        image,
        &fitted,
        band,
        scalar(OUTLINE),
        scalar(ink.line),
        false,
        pad,
    )?;
    Ok(band)
}

/// Draws the contact overlay. Returns the boxes of the labels drawn.
pub fn draw_contact(
    image: &mut (impl ToInputOutputArray + MatTraitConst),
    step: &ContactDrawing,
) -> Result<Vec<Rect>> {
    let c = step.at;
    let leg = ((c.hip.0 - c.knee.0).hypot(c.hip.1 - c.knee.1)
        + (c.knee.0 - c.ankle.0).hypot(c.knee.1 - c.ankle.1))
    .max(10.0);
    let w = ((leg / 150.0).round() as i32).clamp(1, 6);
    let ink = Ink::of(step.counted);
    let mut labels = Vec::new();
    // The plumb line from the hips to the belt, and the contact point on it.
    plumb(image, ink, c.hip, c.contact.1, w, leg * 0.04)?;
    imgproc::circle(
        image,
        pt(c.contact),
        (leg * 0.035) as i32 + 2,
        scalar(OUTLINE),
        w + 2,
        imgproc::LINE_AA,
        0,
    )?;
    imgproc::circle(
        image,
        pt(c.contact),
        (leg * 0.035) as i32 + 2,
        scalar(ink.mark),
        w + 1,
        imgproc::LINE_AA,
        0,
    )?;
    // The overstride: from the plumb line to the contact point, along the belt.
    let belt_y = c.contact.1 + leg * 0.06;
    line(image, ink, (c.hip.0, belt_y), (c.contact.0, belt_y), w)?;
    for x in [c.hip.0, c.contact.0] {
        line(image, ink, (x, belt_y - leg * 0.03), (x, belt_y + leg * 0.03), w)?;
    }
    let mut overstride = match (step.overstride_ratio, step.overstride_cm) {
        (Some(r), Some(cm)) => format!("overstride {r:.2} leg ({cm:.0} cm)"),
        (Some(r), None) => format!("overstride {r:.2} leg"),
        _ => "overstride unknown".to_string(),
    };
    if !step.counted {
        overstride += " - not counted";
    }
    let mid_x = 0.5 * (c.hip.0 + c.contact.0);
    labels.push(label(
        image,
        ink,
        &overstride,
        (mid_x - leg * 0.3, belt_y + leg * 0.05),
    )?);
    // The shank against vertical, and the knee's bend, as arcs at the knee.
    let shank_dir = (c.ankle.1 - c.knee.1).atan2(c.ankle.0 - c.knee.0);
    let thigh_on = (c.knee.1 - c.hip.1).atan2(c.knee.0 - c.hip.0);
    let r = leg * 0.2;
    line(image, ink, c.knee, (c.knee.0, c.knee.1 + leg * 0.3), w)?;
    arc(image, ink, c.knee, r, PI / 2.0, shank_dir, w + 2)?;
    arc(image, ink, c.knee, r * 1.3, thigh_on, shank_dir, w + 2)?;
    // The angle labels behind the knee, one under the other.
    let ahead = c.dir.signum();
    let mut at = (c.knee.0 - ahead * leg * 0.2, c.knee.1 - leg * 0.1);
    for text in [
        step.shank_deg.map(|v| format!("shank {v:.0} deg")),
        step.knee_deg.map(|v| format!("knee {v:.0} deg")),
    ]
    .into_iter()
    .flatten()
    {
        // Behind the knee: to its left for a runner facing right, to its right otherwise.
        let probe = label_size(image, &text)?;
        let x = if ahead > 0.0 {
            at.0 - f64::from(probe.0)
        } else {
            at.0
        };
        let band = label(image, ink, &text, (x, at.1))?;
        at.1 = f64::from(band.y + band.height) + 2.0;
        labels.push(band);
    }
    Ok(labels)
}

#[cfg(test)]
mod tests {
    use super::*;
    use opencv::core::{Mat, Vec3b, CV_8UC3};

    fn drawn(counted: bool) -> Result<Mat> {
        let mut image = Mat::new_rows_cols_with_default(720, 1280, CV_8UC3, Scalar::all(60.0))?;
        let step = ContactDrawing {
            at: ContactPose {
                hip: (600.0, 300.0),
                knee: (660.0, 450.0),
                ankle: (700.0, 590.0),
                contact: (690.0, 610.0),
                dir: 1.0,
            },
            overstride_ratio: Some(0.21),
            overstride_cm: Some(19.0),
            shank_deg: Some(9.0),
            knee_deg: Some(14.0),
            counted,
        };
        draw_contact(&mut image, &step)?;
        Ok(image)
    }

    fn count(image: &Mat, colour: (f64, f64, f64)) -> usize {
        let want = Vec3b::from([colour.0 as u8, colour.1 as u8, colour.2 as u8]);
        image
            .data_typed::<Vec3b>()
            .unwrap()
            .iter()
            .filter(|p| **p == want)
            .count()
    }

    #[test]
    fn a_step_that_did_not_count_is_drawn_in_grey_only() -> Result<()> {
        let counted = drawn(true)?;
        assert!(count(&counted, INK) > 500, "white lines and text");
        assert!(count(&counted, MARK) > 20, "the yellow contact point");
        let not = drawn(false)?;
        assert_eq!(count(&not, INK), 0, "nothing in white");
        assert_eq!(count(&not, MARK), 0, "nothing in yellow");
        assert!(count(&not, NOT_COUNTED) > 500);
        // The overstride label says so: it is wider by " - not counted".
        let (with, _) = label_size(&not, "overstride 0.21 leg (19 cm) - not counted")?;
        let (without, _) = label_size(&not, "overstride 0.21 leg (19 cm)")?;
        assert!(with > without);
        Ok(())
    }
}

//! Drawing a pose into the frame it was computed from (no window involved).
//!
//! Left limbs are drawn in orange, right limbs in blue, heels and toes larger; points the
//! model thinks are hidden are drawn hollow, so the clinician sees what is guessed.

use anyhow::Result;
pub mod contact;
pub mod text;

use opencv::core::{Mat, Point, Rect, Scalar, ToInputOutputArray};
use opencv::imgproc;
use opencv::prelude::*;

use crate::analysis::StepRecord;
use crate::pose::keypoints::{is_left, SKELETON};
use crate::pose::{Keypoint, Pose};

/// Points at or above this visibility are drawn solid (MediaPipe draws from 0.5).
pub const MIN_SOLID_VISIBILITY: f32 = 0.5;
const LEFT: (f64, f64, f64) = (0.0, 140.0, 255.0); // BGR orange
const RIGHT: (f64, f64, f64) = (255.0, 160.0, 0.0); // BGR blue
const CENTRE: (f64, f64, f64) = (230.0, 230.0, 230.0);
const FOOT_POINTS: [usize; 4] = [29, 30, 31, 32];

fn colour(c: (f64, f64, f64)) -> Scalar {
    Scalar::new(c.0, c.1, c.2, 0.0)
}

fn side_colour(index: usize) -> Scalar {
    match is_left(index) {
        Some(true) => colour(LEFT),
        Some(false) => colour(RIGHT),
        None => colour(CENTRE),
    }
}

/// Line and marker sizes that stay readable from 480p to 4K.
fn scale_for(image: &impl MatTraitConst) -> i32 {
    (image.rows().max(image.cols()) / 640).max(1)
}

/// Draws `pose` onto `image` (8-bit BGR) in place.
pub fn draw_pose(image: &mut Mat, pose: &Pose) -> Result<()> {
    draw_keypoints(image, &pose.keypoints)
}

/// Draws the skeleton of `keypoints` (image pixels) onto `image` in place.
pub fn draw_keypoints(image: &mut Mat, keypoints: &[Keypoint; crate::pose::NUM_KEYPOINTS]) -> Result<()> {
    let s = scale_for(image);
    let at = |i: usize| Point::new(keypoints[i].x.round() as i32, keypoints[i].y.round() as i32);
    for &(a, b) in SKELETON.iter() {
        let seen = keypoints[a].visibility.min(keypoints[b].visibility) >= MIN_SOLID_VISIBILITY;
        let thickness = if seen { 2 * s } else { s };
        imgproc::line(
            image,
            at(a),
            at(b),
            side_colour(b),
            thickness,
            imgproc::LINE_AA,
            0,
        )?;
    }
    for (i, kp) in keypoints.iter().enumerate() {
        let radius = if FOOT_POINTS.contains(&i) { 5 * s } else { 3 * s };
        let fill = if kp.visibility >= MIN_SOLID_VISIBILITY {
            imgproc::FILLED
        } else {
            s
        };
        imgproc::circle(image, at(i), radius, side_colour(i), fill, imgproc::LINE_AA, 0)?;
    }
    Ok(())
}

/// The header: one or two lines of text across the top left, on a dark band, sized to
/// the frame. Returns the band.
pub fn draw_status(image: &mut (impl ToInputOutputArray + MatTraitConst), text: &str) -> Result<Rect> {
    let u = text::unit(image);
    let pad = (0.012 * u).round().max(3.0) as i32;
    let fitted = text::fit(
        text,
        imgproc::FONT_HERSHEY_SIMPLEX,
        0.028 * u / 22.0,
        image.cols() - 2 * pad,
        2.2,
    )?;
    let band = Rect::new(
        0,
        0,
        (fitted.width + 2 * pad).min(image.cols()),
        fitted.height() + 2 * pad,
    );
    text::draw_on_band(
        image,
        &fitted,
        band,
        Scalar::all(0.0),
        Scalar::all(255.0),
        false,
        pad,
    )?;
    Ok(band)
}

/// The clinician's summary for the annotated video: time, and the last step (its side,
/// overstride and whether it counted) when it is the person in this frame.
pub fn status_line(t: f64, last: Option<&StepRecord>) -> String {
    let mut text = format!("{t:.2} s");
    if let Some(s) = last {
        text += &format!("  {} step {}", s.side.name(), s.step);
        match s.overstride_ratio {
            Some(o) => text += &format!("  overstride {o:.2} leg lengths"),
            None => text += "  overstride unknown",
        }
        if !s.valid {
            text += "  (not counted)";
        }
    }
    text
}

/// What the banner says to the runner.
#[derive(Debug, Clone, PartialEq)]
pub enum Banner {
    /// A cue to change something.
    Cue(String),
    /// The stride is as it should be (no rule is active and the references are in).
    Good,
    /// Something is wrong with the session (no runner, camera lost): nothing is measured
    /// or recorded as it should be until it is over.
    Warning(String),
}

impl Banner {
    pub fn text(&self) -> &str {
        match self {
            Banner::Cue(c) => c,
            Banner::Good => "Good - keep it up",
            Banner::Warning(w) => w,
        }
    }

    fn fill(&self) -> Scalar {
        match self {
            Banner::Cue(_) => Scalar::new(0.0, 90.0, 230.0, 0.0),
            Banner::Good => Scalar::new(40.0, 120.0, 20.0, 0.0),
            Banner::Warning(_) => Scalar::all(25.0),
        }
    }

    /// The text's colour: white, or yellow for a warning (on near-black, unlike any cue).
    fn ink(&self) -> Scalar {
        match self {
            Banner::Warning(_) => Scalar::new(0.0, 220.0, 255.0, 0.0),
            _ => Scalar::all(255.0),
        }
    }
}

/// The banner in large type across the picture, below `top` (the header's bottom), and
/// never over `avoid` (the runner's feet): at the top, or at the bottom when the feet are
/// up there. Returns the band and each line's box.
pub fn draw_banner(
    image: &mut (impl ToInputOutputArray + MatTraitConst),
    banner: &Banner,
    top: i32,
    avoid: Option<Rect>,
) -> Result<(Rect, Vec<Rect>)> {
    let u = text::unit(image);
    let pad = (0.02 * u).round().max(4.0) as i32;
    let fitted = text::fit(
        banner.text(),
        imgproc::FONT_HERSHEY_DUPLEX,
        0.075 * u / 22.0,
        image.cols() - 2 * pad,
        2.4,
    )?;
    let h = fitted.height() + 2 * pad;
    let at_top = Rect::new(0, top.clamp(0, (image.rows() - h).max(0)), image.cols(), h);
    let at_bottom = Rect::new(0, (image.rows() - h).max(0), image.cols(), h);
    let overlap = |r: Rect| avoid.map_or(0, |a| (r & a).area());
    let band = if overlap(at_top) > 0 && overlap(at_bottom) < overlap(at_top) {
        at_bottom
    } else {
        at_top
    };
    let boxes = text::draw_on_band(image, &fitted, band, banner.fill(), banner.ink(), true, pad)?;
    Ok((band, boxes))
}

/// The cue banner at the top of the frame (see [`draw_banner`]).
pub fn draw_cue(image: &mut (impl ToInputOutputArray + MatTraitConst), cue: &str) -> Result<()> {
    draw_banner(image, &Banner::Cue(cue.to_string()), 0, None)?;
    Ok(())
}

/// Everything drawn on a frame, in order: the skeleton, the contact overlay, the header
/// (the clinician's line; `None` on the runner's own view) and the banner, which keeps off
/// the runner's feet.
pub fn draw_view(
    image: &mut Mat,
    pose: Option<&Pose>,
    contact: Option<&contact::ContactDrawing>,
    header: Option<&str>,
    banner: Option<&Banner>,
) -> Result<()> {
    if let Some(p) = pose {
        draw_pose(image, p)?;
    }
    if let Some(c) = contact {
        contact::draw_contact(image, c)?;
    }
    let top = match header {
        Some(h) => {
            let band = draw_status(image, h)?;
            band.y + band.height
        }
        None => 0,
    };
    if let Some(b) = banner {
        draw_banner(image, b, top, pose.and_then(feet_box))?;
    }
    Ok(())
}

/// [`draw_view`] on `clean` turned left to right, as a mirror shows the runner: the
/// picture is flipped before anything is drawn, so every word reads the right way round.
pub fn draw_view_mirrored(
    clean: &Mat,
    pose: Option<&Pose>,
    contact: Option<&contact::ContactDrawing>,
    banner: Option<&Banner>,
) -> Result<Mat> {
    let mut image = Mat::default();
    opencv::core::flip(clean, &mut image, 1)?;
    let w = image.cols() as f32;
    let pose = pose.map(|p| {
        let mut m = p.clone();
        for k in m.keypoints.iter_mut() {
            k.x = w - 1.0 - k.x;
        }
        m
    });
    let contact = contact.map(|c| c.mirrored(f64::from(w)));
    draw_view(&mut image, pose.as_ref(), contact.as_ref(), None, banner)?;
    Ok(image)
}

/// The box around the runner's feet (ankles, heels, toes), grown by a tenth of the leg.
pub fn feet_box(pose: &Pose) -> Option<Rect> {
    let (x0, y0, x1, y1) = crate::pose::keypoints::bounds(&pose.keypoints[27..=32])?;
    let k = &pose.keypoints;
    let leg = ((k[23].x - k[25].x).hypot(k[23].y - k[25].y) + (k[25].x - k[27].x).hypot(k[25].y - k[27].y))
        .max(10.0);
    let m = 0.1 * leg;
    (x1 >= x0).then(|| {
        Rect::new(
            (x0 - m) as i32,
            (y0 - m) as i32,
            (x1 - x0 + 2.0 * m) as i32,
            (y1 - y0 + 2.0 * m) as i32,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pose::{Keypoint, Roi};
    use opencv::core::{Vec3b, CV_8UC3};

    /// Text pixels (white, or a warning's yellow) in the first and last columns and rows of
    /// the frame.
    fn text_at_the_edges(image: &Mat) -> usize {
        let (w, h) = (image.cols(), image.rows());
        let yellow = Vec3b::from([0, 220, 255]);
        let white = |x: i32, y: i32| {
            let p = *image.at_2d::<Vec3b>(y, x).unwrap();
            p == Vec3b::all(255) || p == yellow
        };
        (0..h).filter(|y| white(0, *y) || white(w - 1, *y)).count()
            + (0..w).filter(|x| white(*x, 0) || white(*x, h - 1)).count()
    }

    #[test]
    fn no_text_is_clipped_and_the_banner_never_covers_the_feet() -> Result<()> {
        let header =
            status_line(1234.56, None) + "  left step 1234  overstride 0.12 leg lengths  (not counted)";
        let banners = [
            Banner::Cue("Land under your hips".into()),
            Banner::Cue("Quicker, shorter steps".into()),
            Banner::Cue("Run long".into()),
            Banner::Good,
            Banner::Warning("No runner in view - whole body, side on".into()),
            Banner::Warning("Camera lost - reconnecting".into()),
        ];
        for (w, h) in [(640, 360), (1280, 720), (720, 1280)] {
            for banner in &banners {
                let mut image = Mat::new_rows_cols_with_default(h, w, CV_8UC3, Scalar::all(0.0))?;
                let head = draw_status(&mut image, &header)?;
                // The runner at the bottom of the frame: feet in its lowest fifth.
                let feet = Rect::new(w / 3, h * 4 / 5, w / 3, h / 5);
                let (band, lines) = draw_banner(&mut image, banner, head.y + head.height, Some(feet))?;
                for r in lines.iter().chain([&head]) {
                    assert!(
                        r.x >= 0 && r.y >= 0 && r.x + r.width <= w && r.y + r.height <= h,
                        "{w}x{h} {banner:?}: text box {r:?} leaves the frame"
                    );
                }
                assert_eq!((band & feet).area(), 0, "{w}x{h}: banner {band:?} over the feet");
                assert!(band.y >= head.y + head.height, "the banner under the header");
                assert_eq!(
                    text_at_the_edges(&image),
                    0,
                    "{w}x{h} {banner:?}: text touches the edge"
                );
                // Large enough to read from the treadmill: at least 4 % of the shorter side.
                assert!(lines[0].height as f64 >= 0.04 * f64::from(w.min(h)), "{lines:?}");
            }
            // Feet high in the picture: the banner moves to the bottom.
            let mut image = Mat::new_rows_cols_with_default(h, w, CV_8UC3, Scalar::all(0.0))?;
            let feet = Rect::new(0, 0, w, h / 3);
            let (band, _) = draw_banner(&mut image, &banners[0], 0, Some(feet))?;
            assert_eq!((band & feet).area(), 0);
        }
        Ok(())
    }

    /// The 33 points in a column from `top`, 8 px apart and 10 px side to side, well seen.
    fn column_of_points(top: f32, frame: (i32, i32)) -> Pose {
        let mut keypoints = [Keypoint::default(); 33];
        for (i, kp) in keypoints.iter_mut().enumerate() {
            *kp = Keypoint {
                x: 100.0 + 10.0 * (i % 4) as f32,
                y: top + 8.0 * i as f32,
                z: 0.0,
                visibility: 0.9,
                presence: 0.9,
            };
        }
        Pose {
            keypoints,
            presence: 0.9,
            roi: Roi::letterbox(frame.0, frame.1),
            track: 1,
        }
    }

    #[test]
    fn a_mirrored_view_turns_the_picture_and_the_pose_but_never_the_words() -> Result<()> {
        // A picture whose left and right differ: brightness rising to the right.
        let mut clean = Mat::new_rows_cols_with_default(360, 640, CV_8UC3, Scalar::all(0.0))?;
        for x in 0..640 {
            for y in 0..360 {
                *clean.at_2d_mut::<Vec3b>(y, x)? = Vec3b::all((x / 3) as u8);
            }
        }
        let pose = column_of_points(60.0, (640, 360));
        let banner = Banner::Cue("Run long".into());
        let mut drawn = clean.clone();
        draw_view(&mut drawn, Some(&pose), None, None, Some(&banner))?;
        let mirrored = draw_view_mirrored(&clean, Some(&pose), None, Some(&banner))?;
        let (band, _) = draw_banner(&mut clean.clone(), &banner, 0, None)?;
        // The banner reads the same in both; turning the drawn frame would reverse it.
        let rows =
            |m: &Mat| -> Result<Vec<u8>> { Ok(Mat::roi(m, band)?.try_clone()?.data_bytes()?.to_vec()) };
        assert_eq!(
            rows(&mirrored)?,
            rows(&drawn)?,
            "the words are the same way round"
        );
        let mut turned = Mat::default();
        opencv::core::flip(&drawn, &mut turned, 1)?;
        assert_ne!(rows(&turned)?, rows(&drawn)?);
        // The picture is turned: bright on the left now, below the banner.
        let below = band.y + band.height + 5;
        assert!(mirrored.at_2d::<Vec3b>(below, 5)?[0] > mirrored.at_2d::<Vec3b>(below, 634)?[0]);
        // The left heel (orange) is drawn where the mirror puts it.
        let heel = &pose.keypoints[29];
        let at = *mirrored.at_2d::<Vec3b>(heel.y as i32, 639 - heel.x as i32)?;
        assert_eq!(at, Vec3b::from([0, 140, 255]));
        Ok(())
    }

    #[test]
    fn pose_is_drawn_where_its_points_are_and_nowhere_else() -> Result<()> {
        let mut image = Mat::new_rows_cols_with_default(480, 640, CV_8UC3, Scalar::all(0.0))?;
        let pose = column_of_points(100.0, (640, 480));
        draw_pose(&mut image, &pose)?;
        let left_heel = *image.at_2d::<Vec3b>(pose.keypoints[29].y as i32, pose.keypoints[29].x as i32)?;
        assert_eq!(left_heel, Vec3b::from([0, 140, 255]));
        let far = *image.at_2d::<Vec3b>(450, 600)?;
        assert_eq!(far, Vec3b::from([0, 0, 0]));
        Ok(())
    }
}

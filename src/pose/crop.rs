//! Cutting a rotated square out of a BGR frame into a model's RGB float tensor.

use anyhow::{Context, Result};
use opencv::core::{self, Mat, Scalar, Size};
use opencv::imgproc;
use opencv::prelude::*;

use super::roi::Roi;

/// What pixels outside the image read as.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Border {
    /// Black (the detector's letterbox).
    Zero,
    /// The nearest edge pixel (MediaPipe's default for the landmark crop).
    Replicate,
}

/// Reusable buffers for one model input of `side` × `side` pixels.
pub struct Cropper {
    side: i32,
    /// Output value of pixel value 0 and the step per unit, e.g. [0,1] → (0, 1/255).
    offset: f32,
    scale: f32,
    border: Border,
    patch: Mat,
    /// NHWC RGB tensor data, `side * side * 3` values.
    pub tensor: Vec<f32>,
}

impl Cropper {
    /// `range` is the value range the model expects for pixel values 0..=255.
    pub fn new(side: i32, range: (f32, f32), border: Border) -> Self {
        Self {
            side,
            offset: range.0,
            scale: (range.1 - range.0) / 255.0,
            border,
            patch: Mat::default(),
            tensor: vec![0.0; (side * side * 3) as usize],
        }
    }

    /// Samples `roi` of `image` (8-bit BGR) bilinearly into [`Cropper::tensor`].
    pub fn crop(&mut self, image: &Mat, roi: &Roi) -> Result<()> {
        let m =
            Mat::from_slice_2d(&roi.crop_to_image_affine(self.side)).context("building the crop matrix")?;
        imgproc::warp_affine(
            image,
            &mut self.patch,
            &m,
            Size::new(self.side, self.side),
            imgproc::INTER_LINEAR | imgproc::WARP_INVERSE_MAP,
            match self.border {
                Border::Zero => core::BORDER_CONSTANT,
                Border::Replicate => core::BORDER_REPLICATE,
            },
            Scalar::all(0.0),
        )
        .context("cropping the region of interest")?;
        let bgr = self.patch.data_bytes().context("reading the crop")?;
        for (dst, src) in self.tensor.chunks_exact_mut(3).zip(bgr.chunks_exact(3)) {
            dst[0] = self.offset + self.scale * src[2] as f32;
            dst[1] = self.offset + self.scale * src[1] as f32;
            dst[2] = self.offset + self.scale * src[0] as f32;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opencv::core::{Vec3b, CV_8UC3};

    #[test]
    fn crop_reads_the_pixels_the_roi_names_in_rgb_order() -> Result<()> {
        // 100×60 image, blue everywhere, one red pixel block at (70..80, 20..30).
        let mut image = Mat::new_rows_cols_with_default(60, 100, CV_8UC3, Scalar::new(255.0, 0.0, 0.0, 0.0))?;
        for y in 20..30 {
            for x in 70..80 {
                *image.at_2d_mut::<Vec3b>(y, x)? = Vec3b::from([0, 0, 255]);
            }
        }
        let roi = Roi {
            center_x: 75.0,
            center_y: 25.0,
            size: 8.0,
            rotation: 0.7,
        };
        let mut cropper = Cropper::new(16, (0.0, 1.0), Border::Replicate);
        cropper.crop(&image, &roi)?;
        let centre = &cropper.tensor[(8 * 16 + 8) * 3..(8 * 16 + 8) * 3 + 3];
        assert_eq!(centre, &[1.0, 0.0, 0.0]);
        // A letterbox of the whole image: the top rows fall outside → black → -1 in [-1, 1].
        let mut det = Cropper::new(20, (-1.0, 1.0), Border::Zero);
        det.crop(&image, &Roi::letterbox(100, 60))?;
        assert_eq!(&det.tensor[0..3], &[-1.0, -1.0, -1.0]);
        let mid = &det.tensor[(10 * 20 + 2) * 3..(10 * 20 + 2) * 3 + 3];
        assert_eq!(mid, &[-1.0, -1.0, 1.0]);
        // Replicating the border instead repeats the top row (blue).
        let mut rep = Cropper::new(20, (-1.0, 1.0), Border::Replicate);
        rep.crop(&image, &Roi::letterbox(100, 60))?;
        assert_eq!(&rep.tensor[0..3], &[-1.0, -1.0, 1.0]);
        Ok(())
    }
}

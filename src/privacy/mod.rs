//! Faces blurred in everything exported (stills, clips, live snapshots): the runner's
//! from their face keypoints, anyone else's (a clinician, another patient) from the person
//! detector, whose box covers a person's head and shoulders.

mod blur;
mod face_blur;
mod regions;
mod sightings;

pub use blur::{blur_face, blur_rect};
pub use face_blur::FaceBlur;
pub use regions::{body_box, face_of_detection, grow, head_box};
pub use sightings::Sightings;

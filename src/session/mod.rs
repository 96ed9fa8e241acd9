//! The session folder's files, each format in one module with its writer, its reader and
//! a round-trip test: the keypoints, the live recordings' frame indexes, the event log; and
//! where a session stands in its runner's course.

pub mod atomic;
pub mod course;
pub mod events;
pub mod frame_index;
pub mod keypoints;
pub mod steps;
pub mod summary;

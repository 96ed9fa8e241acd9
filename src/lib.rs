//! gaitcue: treadmill running-gait analysis from a side-view camera.
//!
//! The pipeline, one stage per module: [`capture`] reads frames from a video file, a
//! camera or a GStreamer pipeline on its own thread; [`pose`] finds the runner and their
//! 33 BlazePose keypoints (hips, knees, ankles, heels, toes …) with ONNX Runtime;
//! [`overlay`] draws the pose on the frame it was computed from; [`record`] writes the
//! annotated clip and the per-frame keypoints as they are produced; [`app`] wires the
//! stages together with bounded channels, and [`bench`] times each stage.

pub mod analysis;
pub mod app;
pub mod bench;
pub mod capture;
pub mod config;
pub(crate) mod display;
pub(crate) mod frame;
pub(crate) mod overlay;
pub(crate) mod panel;
pub mod pose;
pub mod privacy;
pub mod record;
pub mod report;
pub mod session;
pub(crate) mod timing;

//! gaitcue's integration tests, one binary (the way ripgrep keeps them): real inference on
//! real footage, real video decode and encode, real files, and synthetic gait with known
//! truth. Shared helpers are compiled once: [`common`] (paths, the binary, the pose
//! configuration) and [`synthetic`] (the synthetic runner, whose own tests run here once).

mod common;
mod synthetic;

mod analyze_cli;
mod bad_inputs;
mod capture_sources;
mod floor_plan;
mod fuzz_inputs;
mod gait_frame_rates;
mod gait_physiology;
mod gait_replay;
mod gait_synthetic;
mod gait_treadmill;
mod live_session;
mod pelvic_markers;
mod pose_reference;
mod privacy_demo;
mod real_runner;
mod report_compare;
mod report_stills;
mod runner_identity;
mod runner_progress;
mod session_folders;
mod speed_ramp;

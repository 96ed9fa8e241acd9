//! Belt speed over a session: a schedule of stages typed by the clinician
//! (`--speed-schedule "0:8,60:9,120:10"`, `--belt-speed` as one stage, keys in `live`), and,
//! when none is given, changes of speed noticed from the stance foot's speed in the image.
//!
//! A stage change matters to every number: step length is belt speed × step time, and the
//! runner's own reference values (what the cues compare against) belong to one speed.

mod ramp;
mod schedule;
mod watch;

pub use ramp::RampConfig;
pub use schedule::{SpeedSchedule, SpeedStage};
pub use watch::{DetectedChange, SpeedWatch};

//! What is wrong now in a live session, typed: shown in red until it is over, logged when
//! it begins and when it ends.

/// Without a runner for this long the screen says so.
pub(super) const NO_RUNNER_S: f64 = 1.5;

/// Something the screen shows in red until it is over.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Problem {
    /// The camera or stream (named) is gone and being reconnected.
    SourceLost(String),
    /// Nobody the pose stage accepts as the runner, for more than [`NO_RUNNER_S`].
    NoRunner,
    /// The recorder's warning (disk full, a recording stopped).
    Warning(String),
    /// A file of the session the analysis can no longer write (`what`: keypoints, steps);
    /// it lasts the session.
    NotSaved { what: &'static str, why: String },
}

impl Problem {
    /// The problem in a few words, large on the picture for the runner and the clinician
    /// (`None`: a warning for the clinician's panel only).
    pub(super) fn headline(&self) -> Option<String> {
        match self {
            Problem::SourceLost(_) => Some("Camera lost - reconnecting".into()),
            Problem::NoRunner => Some("No runner in view - whole body, side on".into()),
            Problem::Warning(_) | Problem::NotSaved { .. } => None,
        }
    }

    /// What is logged when the problem is over.
    pub(super) fn resolved(&self) -> String {
        match self {
            Problem::SourceLost(source) => format!("{source} is back"),
            Problem::NoRunner => {
                "runner in view again (the same runner: size, belt line and clothes match)".into()
            }
            Problem::Warning(w) => format!("resolved: {w}"),
            Problem::NotSaved { what, .. } => format!("{what} saved again"),
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::SourceLost(source) => write!(f, "{source} lost - reconnecting"),
            Problem::NoRunner => f.write_str(
                "no runner in view - whole body, side on, inside the zone; nobody else is measured meanwhile",
            ),
            Problem::Warning(w) => f.write_str(w),
            Problem::NotSaved { what, why } => write!(f, "{what} no longer saved: {why}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Problem;

    #[test]
    fn problems_say_what_is_wrong_and_when_it_is_over() {
        let lost = Problem::SourceLost("camera 0".into());
        assert_eq!(lost.to_string(), "camera 0 lost - reconnecting");
        assert_eq!(lost.resolved(), "camera 0 is back");
        assert!(Problem::NoRunner.resolved().starts_with("runner in view again"));
        let full = Problem::Warning("recording stopped: only 40 MB free".into());
        assert_eq!(full.resolved(), "resolved: recording stopped: only 40 MB free");
        let steps = Problem::NotSaved {
            what: "steps",
            why: "No space left on device".into(),
        };
        assert_eq!(
            steps.to_string(),
            "steps no longer saved: No space left on device"
        );
        assert_eq!(steps.headline(), None);
    }

    #[test]
    fn problems_that_stop_the_measuring_are_headlined_for_the_picture() {
        assert_eq!(
            Problem::SourceLost("camera 0 (/dev/video0)".into())
                .headline()
                .as_deref(),
            Some("Camera lost - reconnecting")
        );
        assert!(Problem::NoRunner.headline().is_some_and(|h| h.len() < 45));
        // The recorder's warnings can last the session: the panel's, never the picture's.
        let full = Problem::Warning("pre-roll stopped: only 40 MB free in '/clinic/out'".into());
        assert_eq!(full.headline(), None);
    }
}

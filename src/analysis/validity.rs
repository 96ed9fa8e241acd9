//! The gait-validity gate: what kind of movement a step belongs to, and whether the step
//! respects running physiology. A step that fails stays in `steps.csv` with `valid = false`
//! and its reason, but never feeds medians, cues or charts.
//!
//! Running has a flight phase: no double support, so the duty factor (contact / stride) is
//! below 0.5 and the contact time below the step time; recreational runners at ~170 steps/min
//! show contact 180–320 ms and a duty factor of 0.25–0.48. Walking has double support (duty
//! factor ~0.6) and its hips are highest at mid-stance (inverted pendulum) where a runner's
//! are lowest (spring-mass) [Cavagna 1977; Novacheck 1998]. People walk at 100–130 steps/min
//! [Tudor-Locke 2011] and run at about 95–220: a slow jogger and a brisk walker share a
//! cadence, so the cadence never decides the movement, the flight phase does.

use serde::{Deserialize, Serialize};

/// Which part of the foot touched the belt first, from the foot angle at contact relative to
/// the runner's own flat foot (Altman & Davis 2012: rearfoot above 8°, forefoot below −1.6°).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FootStrike {
    Heel,
    Mid,
    Fore,
}

/// Foot angle at contact above the flat foot's, degrees, from which a strike is rearfoot...
pub const REARFOOT_ABOVE_DEG: f64 = 8.0;
/// ...and below which it is forefoot.
pub const FOREFOOT_BELOW_DEG: f64 = -1.6;

impl FootStrike {
    /// Classifies a foot angle at contact (toe up positive), relative to the flat foot.
    pub fn from_angle(relative_deg: f64) -> FootStrike {
        if relative_deg > REARFOOT_ABOVE_DEG {
            FootStrike::Heel
        } else if relative_deg < FOREFOOT_BELOW_DEG {
            FootStrike::Fore
        } else {
            FootStrike::Mid
        }
    }

    /// Classifies an angle known to ± `sd` degrees; `None` (unknown) when it lies within one
    /// `sd` of a class boundary.
    pub fn classify(relative_deg: f64, sd: f64) -> Option<FootStrike> {
        Self::clear_of_boundaries(relative_deg, sd, 1.0).then(|| FootStrike::from_angle(relative_deg))
    }

    /// Whether `relative_deg` lies at least `k` × `sd` from both class boundaries.
    pub fn clear_of_boundaries(relative_deg: f64, sd: f64, k: f64) -> bool {
        [REARFOOT_ABOVE_DEG, FOREFOOT_BELOW_DEG]
            .iter()
            .all(|edge| (relative_deg - edge).abs() >= k * sd)
    }

    /// Where along the heel → toe line the foot touches first: 0 heel, 1 toe.
    pub fn contact_fraction(self) -> f64 {
        match self {
            FootStrike::Heel => 0.0,
            FootStrike::Mid => 0.5,
            FootStrike::Fore => 1.0,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            FootStrike::Heel => "heel",
            FootStrike::Mid => "mid",
            FootStrike::Fore => "fore",
        }
    }
}

/// The movement: running, walking, or neither (standing, stepping on and off, a person the
/// pose cannot follow).
/// Written as its [`Gait::name`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Gait {
    #[serde(rename = "running")]
    Running,
    #[serde(rename = "walking")]
    Walking,
    #[default]
    #[serde(rename = "not gait")]
    NotGait,
}

impl Gait {
    pub fn name(self) -> &'static str {
        match self {
            Gait::Running => "running",
            Gait::Walking => "walking",
            Gait::NotGait => "not gait",
        }
    }
}

impl std::fmt::Display for Gait {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Running step times, seconds (about 94–222 steps/min: a slow jogger at 100 steps/min takes
/// 0.58 s steps with 75 ms of flight; a sprinter reaches 210–220).
pub const RUNNING_STEP_S: (f64, f64) = (0.27, 0.64);
/// Contact times possible at all, seconds (sprinting ~0.08; walking slowly ~0.9).
pub const CONTACT_S: (f64, f64) = (0.08, 1.0);
/// Duty factors of any gait, from sprinting (~0.2) to slow walking (~0.7).
const ANY_DUTY: (f64, f64) = (0.15, 0.8);
/// Step times of any gait, seconds.
const ANY_STEP_S: (f64, f64) = (0.25, 0.9);
/// Physical limits of the angles at contact, degrees.
const KNEE_FLEXION_DEG: (f64, f64) = (-10.0, 70.0);
const SHANK_ANGLE_DEG: (f64, f64) = (-35.0, 45.0);
/// Overstride beyond these (leg lengths) is a mislabelled or lost foot.
const OVERSTRIDE: (f64, f64) = (-0.4, 0.7);
/// A step this much longer or shorter than the runner's usual step on the same side (share)
/// was timed from a missed or mistimed contact: a change of belt speed moves the cadence by a
/// few per cent over several steps. Each side has its own usual step: a runner's left and
/// right steps may differ (an injured runner's by more than this), and so may the timing
/// of the near and the far foot (on the real runner 0.33 against 0.38 s).
const RHYTHM_SHARE: f64 = 0.15;
/// Hips this much (leg lengths) lower or higher at mid-stance than at contact and toe-off
/// count as evidence of running or walking.
pub const HIP_DIP_FRAC: f64 = 0.01;

/// What the gate needs to know of one step.
#[derive(Debug, Clone, Default)]
pub struct StepFacts {
    /// The contact was placed before the belt was learned.
    pub settling: bool,
    /// The previous contact was of the same foot (one of the other foot's was missed).
    pub same_side_as_previous: bool,
    pub step_time_s: Option<f64>,
    pub contact_time_s: Option<f64>,
    pub duty_factor: Option<f64>,
    /// The stance leg was seen well enough.
    pub seen: bool,
    pub has_toe_off: bool,
    /// The tracked person changed between contact and toe-off.
    pub person_changed: bool,
    pub knee_flexion_ic_deg: Option<f64>,
    pub shank_angle_ic_deg: Option<f64>,
    pub overstride_ratio: Option<f64>,
    /// Whether the other foot was still down when this one landed (`Some(true)`: double
    /// support) or in the air (`Some(false)`: flight); `None`: not seen.
    pub double_support: Option<bool>,
    /// How much lower the hips were at mid-stance than at contact and toe-off, leg lengths
    /// (positive: lowest at mid-stance, as in running).
    pub hip_dip: Option<f64>,
    /// The runner's usual step time on this side (median of the recent steps ending on
    /// this foot's contact), seconds.
    pub usual_step_s: Option<f64>,
}

/// The movement one step belongs to, by majority of the evidence it has: the duty factor,
/// double support or flight at its contact, and the hips' course over its stance (lowest
/// at mid-stance running, highest walking). Never the cadence: joggers and walkers overlap.
pub fn gait_of(f: &StepFacts) -> Gait {
    // A step the camera did not follow through, or whose own timing is impossible for any
    // gait, is evidence of nothing.
    let outside = |v: Option<f64>, (lo, hi): (f64, f64)| v.is_some_and(|v| v < lo || v > hi);
    if !f.seen
        || !f.has_toe_off
        || outside(f.contact_time_s, CONTACT_S)
        || outside(f.duty_factor, ANY_DUTY)
        || outside(f.step_time_s, ANY_STEP_S)
    {
        return Gait::NotGait;
    }
    let mut running = 0;
    let mut walking = 0;
    let mut vote = |is_running: bool| {
        if is_running {
            running += 1;
        } else {
            walking += 1;
        }
    };
    if let Some(d) = f.duty_factor {
        vote(d < 0.5);
    }
    if let Some(double) = f.double_support {
        vote(!double);
    }
    if let Some(dip) = f.hip_dip.filter(|d| d.abs() >= HIP_DIP_FRAC) {
        vote(dip > 0.0);
    }
    // The cadence says nothing: a slow jogger steps at 100 steps/min, as a brisk walker does.
    match running.cmp(&walking) {
        std::cmp::Ordering::Greater => Gait::Running,
        std::cmp::Ordering::Less => Gait::Walking,
        std::cmp::Ordering::Equal => Gait::NotGait,
    }
}

/// Whether a step may feed medians, cues and charts: `Err` with the reason if not.
pub fn judge(f: &StepFacts, gait: Gait) -> Result<(), String> {
    let outside = |v: Option<f64>, (lo, hi): (f64, f64)| v.is_some_and(|v| v < lo || v > hi);
    match gait {
        Gait::Running => {}
        Gait::Walking => return Err("walking, not running".into()),
        Gait::NotGait if !f.settling => return Err("not recognisable as running".into()),
        Gait::NotGait => {}
    }
    if f.settling {
        return Err("first steps: gaitcue is still finding the belt's level and speed".into());
    }
    if f.person_changed {
        return Err("a different person was tracked during the step".into());
    }
    if !f.has_toe_off {
        return Err("no toe-off seen".into());
    }
    if !f.seen {
        return Err("the stance leg was not seen well enough".into());
    }
    if f.same_side_as_previous {
        return Err("sides do not alternate (the other foot's contact was missed)".into());
    }
    let Some(step) = f.step_time_s else {
        return Err("no step time (first step after a gap)".into());
    };
    if outside(Some(step), RUNNING_STEP_S) {
        return Err(format!(
            "step time {step:.3} s outside running's {}-{} s",
            RUNNING_STEP_S.0, RUNNING_STEP_S.1
        ));
    }
    if let Some(usual) = f.usual_step_s {
        if (step / usual - 1.0).abs() > RHYTHM_SHARE {
            return Err(format!(
                "step time {step:.3} s out of line with the runner's usual {usual:.3} s on this side (a contact missed or mistimed)"
            ));
        }
    }
    if let Some(c) = f.contact_time_s {
        if outside(Some(c), CONTACT_S) {
            return Err(format!("contact time {c:.3} s is not possible"));
        }
        if c >= step {
            return Err("contact time not shorter than the step time (no flight phase)".into());
        }
    }
    if f.duty_factor.is_some_and(|d| d >= 0.5) {
        return Err("duty factor 0.5 or more (no flight phase)".into());
    }
    if outside(f.knee_flexion_ic_deg, KNEE_FLEXION_DEG)
        || outside(f.shank_angle_ic_deg, SHANK_ANGLE_DEG)
        || outside(f.overstride_ratio, OVERSTRIDE)
    {
        return Err("an angle or overstride at contact outside physical limits".into());
    }
    Ok(())
}

/// The session's movement over its last steps.
#[derive(Debug, Clone, Default)]
pub struct SessionGait {
    recent: std::collections::VecDeque<Gait>,
    state: Gait,
}

/// Steps looked at, and the share of them one movement needs to set the state.
const SESSION_STEPS: usize = 8;
const SESSION_SHARE: f64 = 0.6;

impl SessionGait {
    pub fn push(&mut self, gait: Gait) -> Gait {
        self.recent.push_back(gait);
        if self.recent.len() > SESSION_STEPS {
            self.recent.pop_front();
        }
        let needed = (SESSION_SHARE * SESSION_STEPS as f64).ceil() as usize;
        self.state = [Gait::Running, Gait::Walking]
            .into_iter()
            .find(|g| self.recent.iter().filter(|r| *r == g).count() >= needed)
            .unwrap_or(Gait::NotGait);
        self.state
    }

    /// The movement now: running or walking once most of the last 8 steps agree.
    pub fn state(&self) -> Gait {
        self.state
    }

    /// Forgets the steps (the runner was lost).
    pub fn clear(&mut self) {
        self.recent.clear();
        self.state = Gait::NotGait;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn running_step() -> StepFacts {
        StepFacts {
            step_time_s: Some(0.35),
            contact_time_s: Some(0.25),
            duty_factor: Some(0.36),
            seen: true,
            has_toe_off: true,
            knee_flexion_ic_deg: Some(15.0),
            shank_angle_ic_deg: Some(5.0),
            overstride_ratio: Some(0.1),
            double_support: Some(false),
            hip_dip: Some(0.04),
            ..StepFacts::default()
        }
    }

    #[test]
    fn running_steps_pass_and_physiology_fails_them() {
        let ok = running_step();
        assert_eq!(gait_of(&ok), Gait::Running);
        assert_eq!(judge(&ok, Gait::Running), Ok(()));
        let duty = StepFacts {
            duty_factor: Some(0.52),
            contact_time_s: Some(0.36),
            ..running_step()
        };
        // Duty factor says walking, flight and hips say running: running, but invalid.
        assert_eq!(gait_of(&duty), Gait::Running);
        assert!(judge(&duty, Gait::Running)
            .unwrap_err()
            .contains("no flight phase"));
        let same = StepFacts {
            same_side_as_previous: true,
            ..running_step()
        };
        assert!(judge(&same, Gait::Running).unwrap_err().contains("alternate"));
        // A slow jogger: 100 steps/min, half-second contacts, 75 ms of flight.
        let jogger = StepFacts {
            step_time_s: Some(0.58),
            contact_time_s: Some(0.505),
            duty_factor: Some(0.435),
            ..running_step()
        };
        assert_eq!(gait_of(&jogger), Gait::Running);
        assert_eq!(judge(&jogger, Gait::Running), Ok(()));
        // 85 steps/min with a flight phase: nobody runs that slowly (slow motion).
        let slow = StepFacts {
            step_time_s: Some(0.7),
            ..running_step()
        };
        assert!(judge(&slow, Gait::Running).unwrap_err().contains("step time"));
        // A step 20 % shorter than the runner's others: one of its contacts is mistimed.
        let out_of_line = StepFacts {
            step_time_s: Some(0.28),
            usual_step_s: Some(0.35),
            ..running_step()
        };
        assert!(judge(&out_of_line, Gait::Running)
            .unwrap_err()
            .contains("out of line"));
        let in_line = StepFacts {
            usual_step_s: Some(0.37),
            ..running_step()
        };
        assert_eq!(judge(&in_line, Gait::Running), Ok(()));
        let settling = StepFacts {
            settling: true,
            ..running_step()
        };
        assert!(judge(&settling, Gait::Running)
            .unwrap_err()
            .starts_with("first steps"));
    }

    #[test]
    fn walking_is_told_from_running() {
        let walk = StepFacts {
            duty_factor: Some(0.62),
            double_support: Some(true),
            hip_dip: Some(-0.03),
            ..running_step()
        };
        assert_eq!(gait_of(&walk), Gait::Walking);
        assert_eq!(judge(&walk, Gait::Walking), Err("walking, not running".into()));
        let mut session = SessionGait::default();
        for _ in 0..4 {
            session.push(Gait::Running);
        }
        assert_eq!(session.state(), Gait::NotGait);
        session.push(Gait::Running);
        assert_eq!(session.state(), Gait::Running);
        for _ in 0..8 {
            session.push(Gait::Walking);
        }
        assert_eq!(session.state(), Gait::Walking);
    }

    #[test]
    fn strikes_follow_altman_and_davis() {
        assert_eq!(FootStrike::from_angle(12.0), FootStrike::Heel);
        assert_eq!(FootStrike::from_angle(3.0), FootStrike::Mid);
        assert_eq!(FootStrike::from_angle(-5.0), FootStrike::Fore);
        assert_eq!(FootStrike::classify(8.5, 1.0), None);
        assert_eq!(FootStrike::classify(-5.0, 1.0), Some(FootStrike::Fore));
    }
}

//! The per-step metrics, once: each one's name (its `steps.csv` column and `summary.json`
//! key), unit, plain label, definition, decimals and the smallest change worth reporting
//! between two sessions. Everything that names a metric — the analysis, `steps.csv`, the
//! summary, the report, `compare`, the cue rules — goes through this table.

use serde::{Deserialize, Serialize};

use super::StepRecord;

/// A per-step metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Metric {
    StepTime,
    Cadence,
    ContactTime,
    DutyFactor,
    Overstride,
    OverstrideCm,
    ShankAngleIc,
    ShankAngleLr,
    KneeFlexionIc,
    ThighExtensionTo,
    TrunkLean,
    VerticalOscillation,
    FootStrikeAngle,
    StepLength,
    BeltSpeed,
    PelvicTilt,
    Confidence,
}

/// What the table says of one metric.
#[derive(Debug, Clone, Copy)]
pub struct MetricInfo {
    pub metric: Metric,
    /// Column and key name, e.g. `overstride_ratio`.
    pub name: &'static str,
    pub unit: &'static str,
    /// In plain words, for people: "overstride".
    pub label: &'static str,
    pub definition: &'static str,
    /// Decimals written and shown.
    pub decimals: usize,
    /// The smallest change between two sessions counted as meaningful, whatever the
    /// step-to-step scatter says; `None` for what is not compared.
    pub floor: Option<f64>,
}

/// Every metric, in `summary.json` and report order.
pub const METRICS: [MetricInfo; 17] = [
    MetricInfo {
        metric: Metric::StepTime,
        name: "step_time_s",
        unit: "s",
        label: "step time",
        definition: "time from the other foot's initial contact to this one",
        decimals: 4,
        floor: Some(0.01),
    },
    MetricInfo {
        metric: Metric::Cadence,
        name: "cadence_spm",
        unit: "steps/min",
        label: "cadence",
        definition: "steps per minute over the last 10 contacts, both feet",
        decimals: 1,
        floor: Some(2.0),
    },
    MetricInfo {
        metric: Metric::ContactTime,
        name: "contact_time_s",
        unit: "s",
        label: "contact time",
        definition: "initial contact to toe-off of this foot",
        decimals: 4,
        floor: Some(0.01),
    },
    MetricInfo {
        metric: Metric::DutyFactor,
        name: "duty_factor",
        unit: "ratio",
        label: "duty factor",
        definition: "contact time / stride time (stride: this foot's IC to its previous IC)",
        decimals: 3,
        floor: Some(0.02),
    },
    MetricInfo {
        metric: Metric::Overstride,
        name: "overstride_ratio",
        unit: "leg lengths",
        label: "overstride",
        definition: "a point of the sole ahead of the hip centre at initial contact / (hip-knee + knee-ankle); the point moves with the foot's angle over its flat angle: the heel at 30 deg toe-up, mid-sole when flat, the toe at 30 deg toe-down",
        decimals: 4,
        floor: Some(0.02),
    },
    MetricInfo {
        metric: Metric::OverstrideCm,
        name: "overstride_cm",
        unit: "cm",
        label: "overstride",
        definition: "overstride ratio x leg length, when the scale is known (belt speed or runner height)",
        decimals: 1,
        floor: Some(2.0),
    },
    MetricInfo {
        metric: Metric::ShankAngleIc,
        name: "shank_angle_ic_deg",
        unit: "deg",
        label: "shank angle at contact",
        definition: "knee->ankle from vertical at initial contact, positive with the ankle ahead of the knee",
        decimals: 1,
        floor: Some(2.0),
    },
    MetricInfo {
        metric: Metric::ShankAngleLr,
        name: "shank_angle_lr_deg",
        unit: "deg",
        label: "shank angle at loading",
        definition: "knee->ankle from vertical at the end of loading response (20 % of contact time after initial contact)",
        decimals: 1,
        floor: Some(2.0),
    },
    MetricInfo {
        metric: Metric::KneeFlexionIc,
        name: "knee_flexion_ic_deg",
        unit: "deg",
        label: "knee flexion at contact",
        definition: "180 - hip-knee-ankle angle at initial contact",
        decimals: 1,
        floor: Some(2.0),
    },
    MetricInfo {
        metric: Metric::ThighExtensionTo,
        name: "thigh_extension_to_deg",
        unit: "deg",
        label: "thigh extension at toe-off",
        definition: "hip->knee behind vertical at toe-off",
        decimals: 1,
        floor: Some(2.0),
    },
    MetricInfo {
        metric: Metric::TrunkLean,
        name: "trunk_lean_deg",
        unit: "deg",
        label: "trunk lean",
        definition: "hip centre->shoulder centre from vertical, forward positive, median over stance",
        decimals: 1,
        floor: Some(2.0),
    },
    MetricInfo {
        metric: Metric::VerticalOscillation,
        name: "vertical_oscillation_ratio",
        unit: "leg lengths",
        label: "vertical oscillation",
        definition: "hip-centre vertical range over the step / leg length",
        decimals: 4,
        floor: Some(0.02),
    },
    MetricInfo {
        metric: Metric::FootStrikeAngle,
        name: "foot_strike_angle_deg",
        unit: "deg",
        label: "foot strike angle",
        definition: "heel->toe above horizontal at initial contact (positive: heel strike)",
        decimals: 1,
        floor: Some(2.0),
    },
    MetricInfo {
        metric: Metric::StepLength,
        name: "step_length_m",
        unit: "m",
        label: "step length",
        definition: "belt speed x step time (treadmill, belt speed given; unknown while the belt is still reaching a new speed)",
        decimals: 3,
        floor: Some(0.03),
    },
    MetricInfo {
        metric: Metric::BeltSpeed,
        name: "belt_speed_kmh",
        unit: "km/h",
        label: "belt speed",
        definition: "treadmill belt speed at initial contact, as given (--belt-speed, --speed-schedule or typed live)",
        decimals: 2,
        floor: Some(0.3),
    },
    MetricInfo {
        metric: Metric::PelvicTilt,
        name: "pelvic_tilt_deg",
        unit: "deg",
        label: "pelvic tilt",
        definition:
            "anterior pelvic tilt change from standing, from ASIS/PSIS stickers (--markers); unknown without them",
        decimals: 1,
        floor: Some(2.0),
    },
    MetricInfo {
        metric: Metric::Confidence,
        name: "confidence",
        unit: "0-1",
        label: "confidence",
        definition:
            "lowest visibility of the stance leg's hip, knee, ankle, heel and toe at contact and toe-off",
        decimals: 3,
        floor: None,
    },
];

impl Metric {
    pub fn info(self) -> &'static MetricInfo {
        METRICS
            .iter()
            .find(|i| i.metric == self)
            .expect("every metric is in METRICS")
    }

    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// The metric called `name` (a column name), if there is one.
    pub fn from_name(name: &str) -> Option<Metric> {
        METRICS.iter().find(|i| i.name == name).map(|i| i.metric)
    }

    /// The metric's value in one step (`None`: unknown).
    pub fn of(self, s: &StepRecord) -> Option<f64> {
        match self {
            Metric::StepTime => s.step_time_s,
            Metric::Cadence => s.cadence_spm,
            Metric::ContactTime => s.contact_time_s,
            Metric::DutyFactor => s.duty_factor,
            Metric::Overstride => s.overstride_ratio,
            Metric::OverstrideCm => s.overstride_cm,
            Metric::ShankAngleIc => s.shank_angle_ic_deg,
            Metric::ShankAngleLr => s.shank_angle_lr_deg,
            Metric::KneeFlexionIc => s.knee_flexion_ic_deg,
            Metric::ThighExtensionTo => s.thigh_extension_to_deg,
            Metric::TrunkLean => s.trunk_lean_deg,
            Metric::VerticalOscillation => s.vertical_oscillation_ratio,
            Metric::FootStrikeAngle => s.foot_strike_angle_deg,
            Metric::StepLength => s.step_length_m,
            Metric::BeltSpeed => s.belt_speed_kmh,
            Metric::PelvicTilt => s.pelvic_tilt_deg,
            Metric::Confidence => Some(s.confidence),
        }
    }
}

impl std::fmt::Display for Metric {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl TryFrom<String> for Metric {
    type Error = String;

    fn try_from(name: String) -> Result<Self, String> {
        Metric::from_name(&name).ok_or_else(|| {
            let names: Vec<&str> = METRICS.iter().map(|i| i.name).collect();
            format!("unknown metric '{name}' (one of: {})", names.join(", "))
        })
    }
}

impl From<Metric> for String {
    fn from(m: Metric) -> String {
        m.name().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_once_and_names_round_trip() {
        for (i, info) in METRICS.iter().enumerate() {
            assert_eq!(info.metric.info().name, info.name);
            assert_eq!(Metric::from_name(info.name), Some(info.metric));
            assert!(METRICS[..i]
                .iter()
                .all(|o| o.name != info.name && o.metric != info.metric));
        }
        assert_eq!(Metric::from_name("tail_length_m"), None);
        let parsed: Metric = serde_json::from_str("\"cadence_spm\"").unwrap();
        assert_eq!(parsed, Metric::Cadence);
    }
}

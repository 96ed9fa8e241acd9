//! `steps.csv`: one row per step, appended and flushed as each step completes, so a crash
//! keeps every finished step. Empty cell = unknown. Opens cleanly in a spreadsheet.

use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::analysis::{Metric, StepRecord};

/// One column of `steps.csv`: a per-step metric (named by the metric table) or one of the
/// step's other facts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Column {
    Step,
    Side,
    IcTime,
    ToeOffTime,
    Metric(Metric),
    PelvicTiltSource,
    Cue,
    IcFrame,
    IcDecidedAt,
    DecidedAt,
    ActiveCue,
    FootStrikeType,
    Gait,
    Valid,
    Reason,
    LegLength,
    Facing,
    SpeedStage,
}

/// Every column, in file order: the first [`REQUIRED`] are the ones every consumer may rely
/// on, in this order; more follow them.
pub const COLUMNS: [Column; 34] = [
    Column::Step,
    Column::Side,
    Column::IcTime,
    Column::ToeOffTime,
    Column::Metric(Metric::StepTime),
    Column::Metric(Metric::Cadence),
    Column::Metric(Metric::ContactTime),
    Column::Metric(Metric::Overstride),
    Column::Metric(Metric::OverstrideCm),
    Column::Metric(Metric::ShankAngleIc),
    Column::Metric(Metric::KneeFlexionIc),
    Column::Metric(Metric::ThighExtensionTo),
    Column::Metric(Metric::TrunkLean),
    Column::Metric(Metric::VerticalOscillation),
    Column::Metric(Metric::PelvicTilt),
    Column::PelvicTiltSource,
    Column::Metric(Metric::Confidence),
    Column::Cue,
    Column::IcFrame,
    Column::IcDecidedAt,
    Column::DecidedAt,
    Column::Metric(Metric::DutyFactor),
    Column::Metric(Metric::StepLength),
    Column::Metric(Metric::FootStrikeAngle),
    Column::ActiveCue,
    Column::Metric(Metric::ShankAngleLr),
    Column::FootStrikeType,
    Column::Gait,
    Column::Valid,
    Column::Reason,
    Column::LegLength,
    Column::Facing,
    Column::Metric(Metric::BeltSpeed),
    Column::SpeedStage,
];
/// How many of [`COLUMNS`] are required.
pub const REQUIRED: usize = 18;

impl Column {
    pub fn name(self) -> &'static str {
        match self {
            Column::Step => "step",
            Column::Side => "side",
            Column::IcTime => "ic_time_s",
            Column::ToeOffTime => "toe_off_time_s",
            Column::Metric(m) => m.name(),
            Column::PelvicTiltSource => "pelvic_tilt_source",
            Column::Cue => "cue",
            Column::IcFrame => "ic_frame",
            Column::IcDecidedAt => "ic_decided_at_s",
            Column::DecidedAt => "decided_at_s",
            Column::ActiveCue => "active_cue",
            Column::FootStrikeType => "foot_strike_type",
            Column::Gait => "gait",
            Column::Valid => "valid",
            Column::Reason => "reason",
            Column::LegLength => "leg_length_px",
            Column::Facing => "facing",
            Column::SpeedStage => "speed_stage",
        }
    }

    /// The cell of step `r` in this column (empty: unknown).
    pub fn cell(self, r: &StepRecord) -> String {
        match self {
            Column::Step => r.step.to_string(),
            Column::Side => r.side.name().to_string(),
            Column::IcTime => num(Some(r.ic_time_s), 4),
            Column::ToeOffTime => num(r.toe_off_time_s, 4),
            Column::Metric(m) => num(r.value(m), m.info().decimals),
            Column::PelvicTiltSource => r.pelvic_tilt_source.unwrap_or_default().to_string(),
            Column::Cue => r.cue.clone().unwrap_or_default(),
            Column::IcFrame => r.ic_frame.to_string(),
            Column::IcDecidedAt => num(Some(r.ic_decided_at_s), 4),
            Column::DecidedAt => num(Some(r.decided_at_s), 4),
            Column::ActiveCue => r.active_cue.clone().unwrap_or_default(),
            Column::FootStrikeType => r
                .foot_strike_type
                .map(|f| f.name())
                .unwrap_or_default()
                .to_string(),
            Column::Gait => r.gait.name().to_string(),
            Column::Valid => r.valid.to_string(),
            Column::Reason => r.reason.clone().unwrap_or_default(),
            Column::LegLength => num(Some(r.leg_length_px), 1),
            Column::Facing => r.facing.to_string(),
            Column::SpeedStage => r.speed_stage.to_string(),
        }
    }
}

/// The required columns' names, in order.
pub fn required_columns() -> Vec<&'static str> {
    COLUMNS[..REQUIRED].iter().map(|c| c.name()).collect()
}

fn num(v: Option<f64>, decimals: usize) -> String {
    v.filter(|x| x.is_finite())
        .map(|x| format!("{x:.decimals$}"))
        .unwrap_or_default()
}

/// The row's cells, in column order.
pub fn cells(r: &StepRecord) -> Vec<String> {
    COLUMNS.iter().map(|c| c.cell(r)).collect()
}

/// Writes `records` as a whole `steps.csv` at `path`, through a temporary file renamed over
/// it (steps judged again at the end of a session: the file never holds half of each).
pub fn rewrite(path: &Path, records: &[StepRecord]) -> Result<()> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(COLUMNS.iter().map(|c| c.name()))?;
    for r in records {
        out.write_record(cells(r))?;
    }
    let bytes = out.into_inner().context("steps.csv in memory")?;
    super::session_dir::write_atomically(path, &bytes)
        .with_context(|| format!("rewriting '{}' (is the disk full?)", path.display()))
}

pub struct StepsWriter {
    out: csv::Writer<File>,
    path: PathBuf,
    rows: usize,
}

impl StepsWriter {
    pub fn create(path: &Path) -> Result<Self> {
        let file = File::create(path).with_context(|| format!("creating '{}'", path.display()))?;
        let mut w = Self {
            out: csv::Writer::from_writer(file),
            path: path.to_path_buf(),
            rows: 0,
        };
        let header: Vec<&str> = COLUMNS.iter().map(|c| c.name()).collect();
        w.write_cells(&header)?;
        Ok(w)
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn write(&mut self, record: &StepRecord) -> Result<()> {
        self.write_cells(&cells(record))?;
        self.rows += 1;
        Ok(())
    }

    fn write_cells<S: AsRef<[u8]>>(&mut self, cells: &[S]) -> Result<()> {
        let context = || format!("writing '{}' (is the disk full?)", self.path.display());
        self.out.write_record(cells).with_context(context)?;
        self.out.flush().with_context(context)
    }
}

//! `steps.csv`: one row per step, appended and flushed as each step completes, so a crash
//! keeps every finished step. Empty cell = unknown. Opens cleanly in a spreadsheet. Read
//! back row by row by column name, so files with fewer optional columns (earlier versions)
//! or more (later ones) are read too.

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context, Result};

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
    crate::session::atomic::write_atomically(path, &bytes)
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

/// One row of `steps.csv`, by column name.
#[derive(Debug, Clone)]
pub struct StepRow(HashMap<String, String>);

impl StepRow {
    /// The cell as a number; `inf` and `NaN` (a damaged or hand-edited file) are unknown.
    pub fn num(&self, column: Column) -> Option<f64> {
        self.0
            .get(column.name())
            .and_then(|v| v.parse::<f64>().ok())
            .filter(|v| v.is_finite())
    }

    /// Whether the file has the column at all (files from earlier versions lack some).
    pub fn has(&self, column: Column) -> bool {
        self.0.contains_key(column.name())
    }

    pub fn text(&self, column: Column) -> &str {
        self.0.get(column.name()).map(String::as_str).unwrap_or("")
    }

    /// `metric`'s value in this step (`None`: unknown or not a number).
    pub fn value(&self, metric: Metric) -> Option<f64> {
        self.num(Column::Metric(metric))
    }
}

/// Reads `steps.csv` at `path`; an error names the file and the row. Cells that are not
/// finite numbers (`inf`, `NaN`: a damaged or hand-edited file) are read as unknown, and
/// said once.
pub fn read(path: &Path) -> Result<Vec<StepRow>> {
    let mut reader =
        csv::Reader::from_path(path).map_err(|e| anyhow!("'{}' cannot be read ({e})", path.display()))?;
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| anyhow!("'{}' has no header row ({e})", path.display()))?
        .iter()
        .map(String::from)
        .collect();
    let mut steps = Vec::new();
    for (i, row) in reader.records().enumerate() {
        let row = row.map_err(|e| anyhow!("'{}' row {}: {e}", path.display(), i + 2))?;
        steps.push(StepRow(
            header.iter().cloned().zip(row.iter().map(String::from)).collect(),
        ));
    }
    let not_finite = steps
        .iter()
        .flat_map(|r| r.0.values())
        .filter(|v| v.parse::<f64>().is_ok_and(|x| !x.is_finite()))
        .count();
    if not_finite > 0 {
        eprintln!(
            "gaitcue: warning: '{}' has {not_finite} cells that are not finite numbers (inf or NaN); they are read as unknown",
            path.display()
        );
    }
    Ok(steps)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::validity::{FootStrike, Gait};
    use crate::analysis::{Side, METRICS};

    /// A step with every column filled, values that need the file's rounding, a reason with
    /// a comma and quotes, and one with every optional value unknown.
    fn steps() -> Vec<StepRecord> {
        let full = StepRecord {
            step: 7,
            side: Side::Right,
            ic_time_s: 3.162_77,
            toe_off_time_s: Some(3.372_04),
            step_time_s: Some(0.351_2),
            cadence_spm: Some(170.84),
            contact_time_s: Some(0.230_4),
            overstride_ratio: Some(0.123_456),
            overstride_cm: Some(11.06),
            shank_angle_ic_deg: Some(-2.35),
            knee_flexion_ic_deg: Some(14.26),
            thigh_extension_to_deg: Some(9.9),
            trunk_lean_deg: Some(6.05),
            vertical_oscillation_ratio: Some(0.101),
            pelvic_tilt_deg: Some(12.5),
            pelvic_tilt_source: Some("markers (change from standing calibration)"),
            confidence: 0.876_5,
            cue: Some("Land under your hips".into()),
            ic_frame: 94,
            ic_decided_at_s: 3.4,
            decided_at_s: 3.6,
            duty_factor: Some(0.328),
            step_length_m: Some(1.12),
            foot_strike_angle_deg: Some(18.7),
            active_cue: Some("Land under your hips".into()),
            shank_angle_lr_deg: Some(1.5),
            foot_strike_type: Some(FootStrike::Heel),
            gait: Gait::Running,
            valid: false,
            reason: Some("rhythm: 18 % off the usual step, \"too long\"".into()),
            leg_length_px: 292.14,
            facing: "left",
            belt_speed_kmh: Some(10.0),
            speed_stage: 2,
            at_contact: None,
            track: Some(1),
            judged: true,
        };
        let unknown = StepRecord {
            step: 8,
            side: Side::Left,
            toe_off_time_s: None,
            step_time_s: None,
            cadence_spm: None,
            contact_time_s: None,
            overstride_ratio: None,
            overstride_cm: None,
            shank_angle_ic_deg: None,
            knee_flexion_ic_deg: None,
            pelvic_tilt_source: None,
            cue: None,
            foot_strike_type: None,
            gait: Gait::NotGait,
            reason: None,
            belt_speed_kmh: None,
            ..full.clone()
        };
        vec![full, unknown]
    }

    #[test]
    fn every_column_written_reads_back_as_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("steps.csv");
        let written = steps();
        let mut writer = StepsWriter::create(&path).unwrap();
        for s in &written {
            writer.write(s).unwrap();
        }
        assert_eq!(writer.rows(), 2);
        drop(writer);
        let read = read(&path).unwrap();
        assert_eq!(read.len(), written.len());
        let (full, unknown) = (&read[0], &read[1]);
        assert_eq!(full.text(Column::Step), "7");
        assert_eq!(full.text(Column::Side), "right");
        assert_eq!(
            full.text(Column::Reason),
            "rhythm: 18 % off the usual step, \"too long\""
        );
        assert_eq!(full.text(Column::FootStrikeType), "heel");
        assert_eq!(full.text(Column::Valid), "false");
        assert_eq!(full.num(Column::IcFrame), Some(94.0));
        // Every metric to its stated decimals; unknown stays unknown.
        for info in METRICS.iter() {
            let (w, got) = (written[0].value(info.metric), full.value(info.metric));
            match (w, got) {
                (Some(a), Some(b)) => {
                    let half_step = 0.5 * 10f64.powi(-(info.decimals as i32)) + 1e-12;
                    assert!((a - b).abs() <= half_step, "{}: wrote {a}, read {b}", info.name);
                }
                (None, None) => {}
                _ => panic!("{}: wrote {w:?}, read {got:?}", info.name),
            }
        }
        assert_eq!(unknown.value(Metric::Overstride), None);
        assert_eq!(unknown.text(Column::Cue), "");
        assert_eq!(unknown.text(Column::Gait), "not gait");
    }

    #[test]
    fn a_rewrite_replaces_the_rows_and_an_earlier_file_with_fewer_columns_reads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("steps.csv");
        rewrite(&path, &steps()).unwrap();
        rewrite(&path, &steps()[..1]).unwrap();
        assert_eq!(read(&path).unwrap().len(), 1);
        // Only the required columns, as an earlier version wrote them; and a damaged row.
        let header = required_columns().join(",");
        std::fs::write(
            &path,
            format!("{header}\n1,left,0.5{}\n", ",".repeat(REQUIRED - 3)),
        )
        .unwrap();
        let rows = read(&path).unwrap();
        assert_eq!(rows[0].num(Column::IcTime), Some(0.5));
        assert_eq!(rows[0].text(Column::Facing), "");
        std::fs::write(&path, format!("{header}\n1,left\n")).unwrap();
        let err = read(&path).unwrap_err().to_string();
        assert!(err.contains("steps.csv' row 2"), "{err}");
    }
}

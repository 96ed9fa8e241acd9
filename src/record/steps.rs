//! `steps.csv`: one row per step, appended and flushed as each step completes, so a crash
//! keeps every finished step. Empty cell = unknown. Opens cleanly in a spreadsheet.

use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::analysis::StepRecord;

/// The columns every consumer may rely on, in this order; more follow them.
pub const REQUIRED_COLUMNS: [&str; 18] = [
    "step",
    "side",
    "ic_time_s",
    "toe_off_time_s",
    "step_time_s",
    "cadence_spm",
    "contact_time_s",
    "overstride_ratio",
    "overstride_cm",
    "shank_angle_ic_deg",
    "knee_flexion_ic_deg",
    "thigh_extension_to_deg",
    "trunk_lean_deg",
    "vertical_oscillation_ratio",
    "pelvic_tilt_deg",
    "pelvic_tilt_source",
    "confidence",
    "cue",
];

pub const EXTRA_COLUMNS: [&str; 7] = [
    "ic_frame",
    "ic_decided_at_s",
    "decided_at_s",
    "duty_factor",
    "step_length_m",
    "foot_strike_angle_deg",
    "active_cue",
];

fn num(v: Option<f64>, decimals: usize) -> String {
    v.filter(|x| x.is_finite())
        .map(|x| format!("{x:.decimals$}"))
        .unwrap_or_default()
}

/// The row's cells, in column order.
pub fn cells(r: &StepRecord) -> Vec<String> {
    vec![
        r.step.to_string(),
        r.side.name().to_string(),
        num(Some(r.ic_time_s), 4),
        num(r.toe_off_time_s, 4),
        num(r.step_time_s, 4),
        num(r.cadence_spm, 1),
        num(r.contact_time_s, 4),
        num(r.overstride_ratio, 4),
        num(r.overstride_cm, 1),
        num(r.shank_angle_ic_deg, 1),
        num(r.knee_flexion_ic_deg, 1),
        num(r.thigh_extension_to_deg, 1),
        num(r.trunk_lean_deg, 1),
        num(r.vertical_oscillation_ratio, 4),
        num(r.pelvic_tilt_deg, 1),
        r.pelvic_tilt_source.unwrap_or_default().to_string(),
        num(Some(r.confidence), 3),
        r.cue.clone().unwrap_or_default(),
        r.ic_frame.to_string(),
        num(Some(r.ic_decided_at_s), 4),
        num(Some(r.decided_at_s), 4),
        num(r.duty_factor, 3),
        num(r.step_length_m, 3),
        num(r.foot_strike_angle_deg, 1),
        r.active_cue.clone().unwrap_or_default(),
    ]
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
        let header: Vec<&str> = REQUIRED_COLUMNS
            .iter()
            .chain(EXTRA_COLUMNS.iter())
            .copied()
            .collect();
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

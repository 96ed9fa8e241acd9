//! Low frame rates on the synthetic runner, its truth from the generator's geometry: a
//! studio camera at 18 fps, phones at 15 and 24 fps, each with the real runner's failure
//! modes (`RunParams::phone`). A stance is then 3-5 frames; contacts, contact times,
//! overstride and knee flexion at contact must not drift with the frame interval.

use crate::gait_treadmill::{phone_runs, score};
use crate::synthetic::generate;
use gaitcue::analysis::geometry::{median, quantile};

/// Errors pooled over runs at one frame rate.
#[derive(Default)]
struct Pooled {
    truth: usize,
    found: usize,
    ic: Vec<f64>,
    contact: Vec<f64>,
    overstride: Vec<f64>,
    knee: Vec<f64>,
}

fn run_at(fps: f64) -> Pooled {
    let mut pool = Pooled::default();
    for p in phone_runs(fps, 4000) {
        let s = score(&generate(&p));
        pool.truth += s.truth;
        pool.found += s.found;
        pool.ic.extend(&s.ic_errors);
        pool.contact.extend(&s.contact_errors);
        pool.overstride.extend(&s.overstride_errors);
        pool.knee.extend(&s.knee_errors);
    }
    pool
}

fn p90(v: &[f64]) -> f64 {
    quantile(&v.iter().map(|x| x.abs()).collect::<Vec<_>>(), 0.9).unwrap()
}

#[test]
fn cameras_at_15_to_24_fps_time_contacts_without_drifting_early() {
    for fps in [15.0, 18.0, 24.0] {
        let p = run_at(fps);
        let found = p.found as f64 / p.truth as f64;
        let (ic, contact) = (median(&p.ic).unwrap(), median(&p.contact).unwrap());
        let (overstride, knee) = (median(&p.overstride).unwrap(), median(&p.knee).unwrap());
        eprintln!(
            "{fps} fps: {}/{} contacts found ({:.0} %), IC {:+.1} ms (p90 |err| {:.1}), contact time {:+.1} ms (p90 {:.1}), overstride {overstride:+.3} (p90 {:.3}), knee {knee:+.1}° (p90 {:.1})",
            p.found,
            p.truth,
            100.0 * found,
            1e3 * ic,
            1e3 * p90(&p.ic),
            1e3 * contact,
            1e3 * p90(&p.contact),
            p90(&p.overstride),
            p90(&p.knee),
        );
        // Measured with the stance's core starting after contact (issue 21, session 10): 81,
        // 84 and 88 % found; IC -15.8, -9.4 and -3.2 ms; knee +9.2, +6.9 and +3.8°. Before,
        // the core's first sample could still be in the air and the contact was searched only
        // before it: IC -32, -30 and -15 ms, knee +22, +21 and +5°, overstride +0.054.
        let frame = 1.0 / fps;
        assert!(
            found >= 0.75,
            "{fps} fps: {:.0} % of contacts found",
            100.0 * found
        );
        assert!(ic.abs() <= 0.3 * frame, "{fps} fps: IC {:+.1} ms", 1e3 * ic);
        assert!(
            contact.abs() <= 0.3 * frame,
            "{fps} fps: contact time {:+.1} ms",
            1e3 * contact
        );
        assert!(overstride.abs() <= 0.03, "{fps} fps: overstride {overstride:+.3}");
        assert!(
            knee.abs() <= 12.0,
            "{fps} fps: knee flexion at contact {knee:+.1}°"
        );
    }
}

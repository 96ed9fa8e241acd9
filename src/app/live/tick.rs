//! One turn of a live session's loop: the clinician's keys and commands, then the next
//! analysed frame drawn once for the runner, put on the screen beside the panel, saved as
//! a snapshot when asked, and handed to the recorder; with no frame, the screen says why.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use anyhow::Result;
use crossbeam_channel::{RecvTimeoutError, TrySendError};
use opencv::core::Mat;
use opencv::prelude::MatTraitConst;

use super::analysis::Packet;
use super::session::{LiveSession, Tick};
use super::{replay, STALE_AFTER};
use crate::display::Command;
use crate::overlay;
use crate::panel;
use crate::record::recorder::RecorderMsg;

impl LiveSession<'_> {
    /// Keys, then one frame (or, after 50 ms without one, the state of the sources).
    pub(super) fn tick(&mut self) -> Result<Tick> {
        let LiveSession {
            opts,
            stop,
            capture_status,
            recorder_status,
            packet_rx,
            rec_tx,
            display,
            commands,
            ui,
            events,
            screen,
            screen_times,
            last_status,
            recorder_dropped,
            last_pts,
            last_packet,
            ..
        } = self;
        if stop.load(Ordering::Relaxed) {
            return Ok(Tick::Stop);
        }
        if opts
            .duration_s
            .is_some_and(|d| ui.started.elapsed().as_secs_f64() >= d)
        {
            return Ok(Tick::Stop);
        }
        let mut pending: Vec<Command> = display.as_ref().map(|d| d.commands()).unwrap_or_default();
        if let Some(rx) = &commands {
            pending.extend(rx.try_iter());
        }
        if display.as_ref().is_some_and(|d| !d.is_open()) {
            pending.push(Command::Quit);
        }
        let mut quit = false;
        for c in pending {
            if let (Command::ToggleFullscreen, Some(d)) = (&c, display.as_mut()) {
                if let Err(why) = d.toggle_fullscreen() {
                    ui.state.notice = Some(why);
                }
            }
            quit |= ui.apply(&c, rec_tx, events, *last_pts)?;
        }
        if quit {
            return Ok(Tick::Stop);
        }
        let packet = match packet_rx.recv_timeout(Duration::from_millis(50)) {
            Ok(p) => p,
            Err(RecvTimeoutError::Timeout) => {
                for change in ui.refresh_problems(capture_status, recorder_status) {
                    eprintln!("gaitcue: {change}");
                    events.log(*last_pts, &change);
                }
                // No frame: the window still answers keys, and after a while says so over
                // the last picture, dimmed.
                if let Some(d) = display {
                    let stale = if last_packet.elapsed() >= STALE_AFTER {
                        ui.stale_screen()?
                    } else {
                        None
                    };
                    match stale {
                        Some(stale) => d.show(&stale)?,
                        None => d.poll(),
                    }
                }
                return Ok(Tick::Go);
            }
            Err(RecvTimeoutError::Disconnected) => return Ok(Tick::Stop),
        };
        *last_pts = packet.frame.pts_s;
        *last_packet = Instant::now();
        let Packet {
            mut frame,
            pose,
            steps,
            cue,
            banner,
            contact,
            people,
            not_saved,
        } = packet;
        ui.lasting.extend(not_saved);
        if people.is_some() {
            ui.people = people.map(|p| (frame.pts_s, p));
        }
        for s in steps {
            if let Some(c) = &s.cue {
                events.log(s.decided_at_s, &format!("cue {c}"));
            }
            ui.push_step(s);
        }
        ui.state.cue = cue;
        let first_t = *ui.first_frame_t.get_or_insert(frame.pts_s);
        if let Some(begun) = ui.speed_lines(frame.pts_s) {
            eprintln!("gaitcue: {begun}");
            events.log(frame.pts_s, &begun);
        }
        // A ramp ends with its last stage, on the clock its stages run on.
        if let Some(ramp_end) = opts.ramp.then(|| opts.settings.analysis.ramp.duration_s()) {
            if frame.pts_s - first_t >= ramp_end {
                events.log(frame.pts_s, "the ramp's last stage is over");
                return Ok(Tick::Stop);
            }
        }
        ui.last_frame_t = frame.pts_s;
        if pose.is_some() {
            ui.last_pose_t = Some(frame.pts_s);
        }
        let raw = opts.record_raw.then(|| frame.image.clone());
        // A snapshot is this frame again, faces blurred before anything is drawn on it.
        let snapshot = ui.snapshot_pending.then(|| frame.image.clone());
        // What is wrong now, before the banner is chosen (a camera back is no longer lost).
        for change in ui.refresh_problems(capture_status, recorder_status) {
            eprintln!("gaitcue: {change}");
            events.log(frame.pts_s, &change);
        }
        let t_draw = Instant::now();
        // The runner's view: skeleton, contact, banner; the clinician's numbers are on the
        // panel, not over the picture.
        let banner = ui
            .preview_banner(frame.pts_s)
            .or_else(|| ui.warning_banner())
            .or(banner.filter(|_| ui.state.cues_on));
        if ui.preview.is_some() {
            // The panel names what the runner sees, preview included.
            ui.state.cue = banner.as_ref().map(|b| b.text().to_string());
        }
        // A mirrored view is the clean frame turned, then drawn on, so its words read the
        // right way round; the recording and the replay keep the camera's side.
        let mirrored = (ui.state.mirrored && display.is_some())
            .then(|| {
                overlay::draw_view_mirrored(&frame.image, pose.as_ref(), contact.as_ref(), banner.as_ref())
            })
            .transpose()?;
        overlay::draw_view(
            &mut frame.image,
            pose.as_ref(),
            contact.as_ref(),
            None,
            banner.as_ref(),
        )?;
        let shown = mirrored.as_ref().unwrap_or(&frame.image);
        if display.is_some() {
            // Kept for the window to show, dimmed, if the frames stop.
            shown.copy_to(&mut ui.last_view)?;
        }
        screen_times.record("draw", t_draw.elapsed());
        ui.state.dropped = capture_status.dropped.load(Ordering::Relaxed);
        ui.state.recorder_dropped = *recorder_dropped;
        ui.state.recording_s = ui.recording_since.map(|t| t.elapsed().as_secs_f64());
        // The cue banner is already on the frame (also what is recorded): the panel only
        // names it.
        let t_panel = Instant::now();
        ui.replay.push(frame.pts_s, &frame.image)?;
        let pane = if ui.replay.on {
            Some(ui.replay.pane(frame.pts_s)?)
        } else {
            None
        };
        let second = pane.as_ref().map(|p| match p {
            replay::Pane::Filling(held, want) => panel::Second::Filling(*held, *want),
            replay::Pane::Frame(image, label) => panel::Second::Frame(image, label),
        });
        panel::compose(shown, &ui.state, second, screen)?;
        let t_show = Instant::now();
        if let Some(d) = display {
            d.show(screen)?;
        }
        screen_times.record("panel", t_show - t_panel);
        if let Some(mut picture) = snapshot {
            ui.snapshot_pending = false;
            let saved = (|| -> Result<std::path::PathBuf> {
                ui.blur_faces(&mut picture, pose.as_ref(), frame.pts_s)?;
                if ui.state.mirrored {
                    picture = overlay::draw_view_mirrored(
                        &picture,
                        pose.as_ref(),
                        contact.as_ref(),
                        banner.as_ref(),
                    )?;
                } else {
                    overlay::draw_view(
                        &mut picture,
                        pose.as_ref(),
                        contact.as_ref(),
                        None,
                        banner.as_ref(),
                    )?;
                }
                let mut shot = Mat::default();
                panel::compose(&picture, &ui.state, None, &mut shot)?;
                crate::record::snapshot::save(&shot, &opts.out)
            })();
            let said = match saved {
                // Named within the session folder, on the panel as in the event log.
                Ok(path) => format!(
                    "snapshot saved: {}",
                    path.strip_prefix(&opts.out).unwrap_or(&path).display()
                ),
                Err(e) => format!("snapshot not saved: {e:#}"),
            };
            eprintln!("gaitcue: {said}");
            events.log(frame.pts_s, &said);
            ui.state.notice = Some(said);
        }
        screen_times.record("display", t_show.elapsed());
        let latency = frame.captured_at.elapsed();
        ui.record_latency(latency);
        let msg = RecorderMsg::Frame {
            annotated: frame.image,
            raw,
            pts_s: frame.pts_s,
            frame: frame.id,
        };
        let queued = if opts.every_frame {
            rec_tx.send(msg).map_err(|e| TrySendError::Disconnected(e.0))
        } else {
            rec_tx.try_send(msg)
        };
        if let Err(TrySendError::Full(_)) = queued {
            *recorder_dropped += 1;
            recorder_status.dropped.fetch_add(1, Ordering::Relaxed);
        }
        if display.is_none() && last_status.elapsed().as_secs_f64() >= opts.status_every_s {
            *last_status = Instant::now();
            eprintln!("{}", ui.status_line(capture_status, *recorder_dropped));
        }
        Ok(Tick::Go)
    }
}

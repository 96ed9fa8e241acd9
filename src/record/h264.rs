//! Browser-playable H.264 clips (the report's short clips), several cut from one stream of
//! frames and encoded by one `ffmpeg` process with a fast x264 preset. OpenCV 4.6's FFmpeg
//! writer cannot pass options to the encoder, so through it x264 is stuck on preset
//! "medium", and one process per clip pays FFmpeg's start-up each time; together they
//! were most of a report's time. Frames go to `ffmpeg` as raw BGR on a pipe, each clip is
//! written under a temporary name and renamed when complete. Without `ffmpeg`, OpenCV's
//! writer is used (slower, same format).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};

use anyhow::{bail, Context, Result};
use opencv::core::{Mat, Size};
use opencv::prelude::*;
use opencv::videoio::{self, VideoWriter};

/// x264's speed/size trade-off: "ultrafast" encodes several times quicker than "medium"
/// (measured on the demo's report: 1.4 s against 1.6 s with "superfast") at a file about
/// 1.5 times larger (about 0.6 MB a clip), which short clips can afford; its constrained
/// baseline stream plays in every browser.
const PRESET: &str = "ultrafast";
/// Constant quality (x264's default).
const CRF: &str = "23";

/// One clip: frames `first..=last` of the stream given to [`ClipBatch::write`].
#[derive(Debug, Clone)]
pub struct ClipSpan {
    pub first: u64,
    pub last: u64,
    pub path: PathBuf,
}

enum Encoder {
    Ffmpeg {
        child: Child,
        stdin: ChildStdin,
    },
    /// A writer per clip, opened at its first frame.
    Opencv(Vec<Option<VideoWriter>>),
}

/// Clips cut from one stream of equally sized frames.
pub struct ClipBatch {
    encoder: Encoder,
    clips: Vec<ClipSpan>,
    partial: Vec<PathBuf>,
    fps: f64,
    size: Size,
    written: u64,
}

impl ClipBatch {
    /// Starts the clips (.mp4) of frames of `size` at `fps`; both sides of `size` must be
    /// even (H.264 with 4:2:0 colour).
    pub fn create(clips: Vec<ClipSpan>, fps: f64, size: Size) -> Result<Self> {
        if size.width % 2 != 0 || size.height % 2 != 0 || size.width <= 0 || size.height <= 0 {
            bail!(
                "H.264 clips need even frame sides, got {}x{}",
                size.width,
                size.height
            );
        }
        let partial: Vec<PathBuf> = clips.iter().map(|c| partial_name(&c.path)).collect();
        let encoder = match spawn_ffmpeg(&clips, &partial, fps, size) {
            Ok((child, stdin)) => Encoder::Ffmpeg { child, stdin },
            Err(e) => {
                tracing::warn!("ffmpeg unavailable ({e:#}); clips use OpenCV's slower H.264 writer");
                Encoder::Opencv(clips.iter().map(|_| None).collect())
            }
        };
        Ok(Self {
            encoder,
            clips,
            partial,
            fps,
            size,
            written: 0,
        })
    }

    /// The next frame of the stream.
    pub fn write(&mut self, frame: &Mat) -> Result<()> {
        if frame.size()? != self.size || frame.typ() != opencv::core::CV_8UC3 {
            bail!("a clip frame of another size or type");
        }
        let n = self.written;
        self.written += 1;
        match &mut self.encoder {
            Encoder::Ffmpeg { stdin, .. } => {
                let continuous;
                let bytes = if frame.is_continuous() {
                    frame.data_bytes()?
                } else {
                    continuous = frame.try_clone()?;
                    continuous.data_bytes()?
                };
                stdin
                    .write_all(bytes)
                    .context("encoding the clips (ffmpeg stopped)")
            }
            Encoder::Opencv(writers) => {
                for (i, clip) in self.clips.iter().enumerate() {
                    if !(clip.first..=clip.last).contains(&n) {
                        continue;
                    }
                    if writers[i].is_none() {
                        writers[i] = Some(opencv_writer(&self.partial[i], self.fps, self.size)?);
                    }
                    if let Some(w) = &mut writers[i] {
                        w.write(frame)
                            .with_context(|| format!("writing clip '{}'", clip.path.display()))?;
                    }
                }
                Ok(())
            }
        }
    }

    /// Finishes every clip and gives each its name.
    pub fn finish(self) -> Result<()> {
        match self.encoder {
            Encoder::Ffmpeg { child, stdin } => {
                drop(stdin);
                let out = child.wait_with_output().context("finishing the clips")?;
                if !out.status.success() {
                    for p in &self.partial {
                        let _ = std::fs::remove_file(p);
                    }
                    let why = String::from_utf8_lossy(&out.stderr);
                    bail!(
                        "the clips could not be encoded: {} (is the disk full?)",
                        why.lines().last().unwrap_or("ffmpeg failed")
                    );
                }
            }
            Encoder::Opencv(writers) => {
                for mut w in writers.into_iter().flatten() {
                    w.release().context("finishing a clip")?;
                }
            }
        }
        for (clip, partial) in self.clips.iter().zip(&self.partial) {
            std::fs::rename(partial, &clip.path)
                .with_context(|| format!("naming clip '{}'", clip.path.display()))?;
        }
        Ok(())
    }
}

/// `dir/.name.partial.mp4`: hidden, and still an .mp4 for the encoder to recognise.
fn partial_name(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "clip.mp4".into());
    path.with_file_name(format!(".{name}.partial.mp4"))
}

/// One `ffmpeg`: the stream is split, each branch trimmed to its clip and encoded.
fn spawn_ffmpeg(
    clips: &[ClipSpan],
    partial: &[PathBuf],
    fps: f64,
    size: Size,
) -> Result<(Child, ChildStdin)> {
    let n = clips.len();
    let mut graph = format!("[0:v]split={n}");
    graph.extend((0..n).map(|i| format!("[s{i}]")));
    for (i, c) in clips.iter().enumerate() {
        graph.push_str(&format!(
            ";[s{i}]trim=start_frame={}:end_frame={},setpts=PTS-STARTPTS[o{i}]",
            c.first,
            c.last + 1
        ));
    }
    let mut cmd = Command::new("ffmpeg");
    cmd.args(["-hide_banner", "-nostdin", "-loglevel", "error", "-y"])
        .args(["-f", "rawvideo", "-pix_fmt", "bgr24"])
        .args(["-s", &format!("{}x{}", size.width, size.height)])
        .args(["-framerate", &format!("{fps:.6}"), "-i", "pipe:0"])
        .args(["-filter_complex", &graph]);
    for (i, p) in partial.iter().enumerate() {
        cmd.args(["-map", &format!("[o{i}]"), "-an"])
            .args(["-c:v", "libx264", "-preset", PRESET, "-crf", CRF])
            .args(["-pix_fmt", "yuv420p", "-movflags", "+faststart", "-f", "mp4"])
            .arg(p);
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .context("starting ffmpeg")?;
    let stdin = child.stdin.take().context("ffmpeg's input")?;
    Ok((child, stdin))
}

fn opencv_writer(path: &Path, fps: f64, size: Size) -> Result<VideoWriter> {
    let fourcc = VideoWriter::fourcc('a', 'v', 'c', '1')?;
    let w = VideoWriter::new_with_backend(path, videoio::CAP_FFMPEG, fourcc, fps, size, true)
        .with_context(|| format!("creating clip '{}'", path.display()))?;
    if !w.is_opened()? {
        bail!(
            "clip '{}' cannot be created: check the folder is writable",
            path.display()
        );
    }
    Ok(w)
}

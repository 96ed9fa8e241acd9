//! Loading ONNX Runtime and the pose models, with errors a clinician can act on.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::{anyhow, bail, Result};
use ort::environment::Environment;
use ort::session::builder::GraphOptimizationLevel;
use ort::session::Session;

/// The ONNX Runtime release the project is built and tested against.
pub const ORT_LIBRARY_NAME: &str = "libonnxruntime.so.1.32.0";

/// Environment variable that overrides where the runtime library is looked for.
pub const ORT_LIBRARY_ENV: &str = "GAITCUE_ORT_LIB";

/// Where the runtime library is looked for when none is configured: `$GAITCUE_ORT_LIB`,
/// `.runtime/` in the working folder, then `.runtime/` in the source tree it was built from.
pub fn default_library_path() -> PathBuf {
    if let Some(p) = std::env::var_os(ORT_LIBRARY_ENV) {
        return PathBuf::from(p);
    }
    let local = Path::new(".runtime").join(ORT_LIBRARY_NAME);
    if local.exists() {
        return local;
    }
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(".runtime")
        .join(ORT_LIBRARY_NAME)
}

static ENVIRONMENT: OnceLock<std::result::Result<Environment, String>> = OnceLock::new();

/// Loads the runtime library once per process and returns the shared environment.
pub fn environment(library: &Path) -> Result<Environment> {
    let loaded = ENVIRONMENT.get_or_init(|| {
        if !library.exists() {
            return Err(format!(
                "ONNX Runtime library '{}' not found: run scripts/setup.sh, or set {ORT_LIBRARY_ENV} to the library's path",
                library.display()
            ));
        }
        let builder = ort::init_from(library).map_err(|e| {
            format!(
                "ONNX Runtime library '{}' cannot be loaded ({e}): run scripts/setup.sh to fetch version 1.32",
                library.display()
            )
        })?;
        // Patients are filmed: nothing leaves this computer. Microsoft's builds of ONNX
        // Runtime send usage telemetry unless told not to (seen as DNS lookups of
        // mobile.events.data.microsoft.com while analysing).
        builder
            .with_name("gaitcue")
            .with_telemetry(false)
            .build()
            .map_err(|e| format!("ONNX Runtime from '{}' failed to start: {e}", library.display()))
    });
    loaded.clone().map_err(|e| anyhow!(e))
}

/// A model file and what its first input must look like.
pub struct ModelSpec<'a> {
    pub path: &'a Path,
    /// What the model is, for messages, e.g. "BlazePose landmark model".
    pub role: &'a str,
    pub input_shape: &'a [i64],
    /// Outputs the code reads; each must exist.
    pub outputs: &'a [&'a str],
}

/// Opens a model with `threads` intra-op threads (spinning off: on small CPUs spinning
/// threads fight the rest of the pipeline), checking its input shape and outputs.
pub fn load_model(env: &Environment, spec: &ModelSpec, threads: usize) -> Result<Session> {
    let shown = spec.path.display();
    if !spec.path.exists() {
        bail!(
            "model '{shown}' not found: restore the models/ folder from the repository or point --models at it"
        );
    }
    let build = || -> std::result::Result<Session, String> {
        let text = |e: &dyn std::fmt::Display| e.to_string();
        Session::builder(env)
            .map_err(|e| text(&e))?
            .with_optimization_level(GraphOptimizationLevel::Level3)
            .map_err(|e| text(&e))?
            .with_intra_threads(threads.max(1))
            .map_err(|e| text(&e))?
            .with_intra_op_spinning(false)
            .map_err(|e| text(&e))?
            .with_inter_threads(1)
            .map_err(|e| text(&e))?
            .commit_from_file(spec.path)
            .map_err(|e| text(&e))
    };
    let session = build().map_err(|e| {
        anyhow!(
            "model '{shown}' cannot be loaded ({}): the file is corrupt or not an ONNX model; restore it from the repository",
            first_line(&e)
        )
    })?;
    let input = session
        .inputs()
        .first()
        .ok_or_else(|| anyhow!("model '{shown}' has no input: it is not the {}", spec.role))?;
    let shape: Vec<i64> = input
        .dtype()
        .tensor_shape()
        .map(|s| s.to_vec())
        .unwrap_or_default();
    let fits = shape.len() == spec.input_shape.len()
        && shape
            .iter()
            .zip(spec.input_shape)
            .all(|(got, want)| *got == *want || (*got < 0 && *want == 1));
    if !fits {
        bail!(
            "model '{shown}' takes input {shape:?} but the {} takes {:?}: wrong model file; restore models/ from the repository",
            spec.role,
            spec.input_shape
        );
    }
    for name in spec.outputs {
        if !session.outputs().iter().any(|o| o.name() == *name) {
            bail!(
                "model '{shown}' has no output '{name}': it is not the {}; restore models/ from the repository",
                spec.role
            );
        }
    }
    Ok(session)
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s).trim()
}

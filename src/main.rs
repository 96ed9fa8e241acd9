//! The `gaitcue` program: quiet the libraries' own logging, parse the command line
//! ([`cli`]), run the command, and print any error once, on one line.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("GAITCUE_LOG"))
        .with_writer(std::io::stderr)
        .init();
    // OpenCV's and FFmpeg's own messages would bury the one clear line printed below;
    // set these variables to see them when debugging.
    //
    // Patients are filmed: nothing may leave this computer. ONNX Runtime 1.32's own
    // telemetry looks up mobile.events.data.microsoft.com even with telemetry events
    // disabled in its environment (seen with strace); it stays silent when it believes it
    // runs on a build server (CI set), and later versions read ORT_TELEMETRY_DISABLED.
    // Set here, before any thread starts and before the runtime is loaded.
    for (name, value) in [
        ("OPENCV_LOG_LEVEL", "ERROR"),
        ("OPENCV_FFMPEG_LOGLEVEL", "-8"),
        ("ORT_TELEMETRY_DISABLED", "1"),
        ("CI", "true"),
    ] {
        if std::env::var_os(name).is_none() {
            std::env::set_var(name, value);
        }
    }
    gaitcue::capture::quiet_opencv_logs();
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help and --version
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) if e.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            // Bare `gaitcue` (or a command without its arguments): show the help.
            let _ = e.print();
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!(
                "gaitcue: error: {} (see gaitcue --help)",
                one_line(&e.render().to_string())
            );
            return ExitCode::from(2);
        }
    };
    match cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gaitcue: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// clap's message on one line: the error and what it names (a missing argument's name is
/// on the lines below the first), without the usage and tips that follow.
fn one_line(text: &str) -> String {
    text.lines()
        .take_while(|l| !l.trim().is_empty())
        .map(|l| l.trim().trim_start_matches("error: "))
        .collect::<Vec<_>>()
        .join(" ")
}

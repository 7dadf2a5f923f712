//! `fdkit`: the command-line face of the fdkit model.
//!
//! Conventions (one place for all of them): results go to stdout, errors and
//! progress to stderr; an error is one line, `fdkit: message` (with `file:line:col:`
//! for input errors); exit status 0 means clean, 1 means differences or findings, 2
//! means an error (which wins over 1); a closed stdout (`fdkit ... | head`) ends the
//! program quietly with status 0.

mod audit;
mod bench;
mod check;
mod cli;
mod diff;
mod draw;
mod host;
mod live;
mod run;
mod tables;

use clap::Parser;
use std::io::Write;
use std::process::ExitCode;

/// How a subcommand ended, when it did not fail.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Status {
    /// Nothing to report: exit 0.
    Clean,
    /// Differences or findings were reported: exit 1.
    Findings,
    /// Errors were reported on stderr, each on its own line, after going on past
    /// them: exit 2.
    Errors,
    /// Nothing differs, but only if the program inherited numbers that the log
    /// shows only as skipped by allocations (`fdkit check`'s unconfirmed
    /// inferences): exit 3.
    Unconfirmed,
}

fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| report_bug(info.payload(), info.location())));
    let args = cli::Cli::parse();
    match cli::dispatch(args) {
        Ok(Status::Clean) => ExitCode::SUCCESS,
        Ok(Status::Findings) => ExitCode::from(1),
        Ok(Status::Errors) => ExitCode::from(2),
        Ok(Status::Unconfirmed) => ExitCode::from(3),
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            let _ = writeln!(std::io::stderr(), "fdkit: {err:#}");
            ExitCode::from(2)
        }
    }
}

/// A panic is a bug in fdkit, never the input's fault: report it as the one
/// error line the conventions promise (no backtrace), and exit 2.
fn report_bug(payload: &(dyn std::any::Any + Send), location: Option<&std::panic::Location<'_>>) {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".to_string());
    let at = location
        .map(|l| format!(" at {}:{}", l.file(), l.line()))
        .unwrap_or_default();
    let what: String = what
        .lines()
        .next()
        .unwrap_or("")
        .chars()
        .take(300)
        .collect();
    let _ = writeln!(
        std::io::stderr(),
        "fdkit: internal error (a bug in fdkit, please report it): {what}{at}"
    );
    std::process::exit(2);
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

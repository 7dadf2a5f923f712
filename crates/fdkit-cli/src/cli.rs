//! Command-line definitions: every flag is defined once, here, and its doc comment is
//! its help text.

use crate::Status;
use clap::{Parser, Subcommand, ValueEnum};

/// Model the Linux file-descriptor system: run scenarios, replay strace logs, diff
/// against the host kernel, audit descriptor leaks.
#[derive(Parser, Debug)]
#[command(name = "fdkit", version, about, propagate_version = true)]
pub struct Cli {
    /// When to colour output.
    #[arg(long, value_enum, default_value_t = Color::Auto, global = true)]
    pub color: Color,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// `--color`.
#[derive(Clone, Copy, PartialEq, Eq, Debug, ValueEnum)]
pub enum Color {
    /// Colour a terminal, unless `NO_COLOR` is set or `TERM=dumb`.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// The subcommands; each one's flags are defined in its own module.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run a scenario written in strace syntax in the model (or, with --host, on
    /// the real kernel).
    #[command(after_long_help = calls_help())]
    Run(crate::run::Args),
    /// Run scenarios on the model and on the host kernel and show where they
    /// differ, call by call.
    Diff(crate::diff::Args),
    /// Replay a recorded `strace -f` log against the model and report divergences.
    Check(crate::check::Args),
    /// Measure the model against the host kernel, side by side, in one run.
    Bench(crate::bench::Args),
    /// Find descriptor leaks and misuse in a recorded `strace -f` log.
    Audit(crate::audit::Args),
    /// Show every process's descriptor table at a line of a recorded `strace -f` log.
    Tables(crate::tables::Args),
    /// Write one self-contained HTML page to scrub through a log (or a scenario)
    /// and watch each process's descriptor, open file description and file
    /// tables, with its findings and divergences.
    View(crate::view::Args),
}

/// `fdkit run --help`'s last paragraph: the calls a scenario may use.
fn calls_help() -> String {
    format!(
        "Calls a scenario may use: {}. A recorded `strace -f` log, with every other \
         call, is replayed by `fdkit check`.",
        fdkit_scenario::CALLS.join(", ")
    )
}

/// Runs the chosen subcommand.
pub fn dispatch(cli: Cli) -> anyhow::Result<Status> {
    match cli.command {
        Command::Run(args) => crate::run::main(&args, cli.color),
        Command::Diff(args) => crate::diff::main(&args, cli.color),
        Command::Check(args) => crate::check::main(&args, cli.color),
        Command::Bench(args) => crate::bench::main(&args, cli.color),
        Command::Audit(args) => crate::audit::main(&args, cli.color),
        Command::Tables(args) => crate::tables::main(&args, cli.color),
        Command::View(args) => crate::view::main(&args, cli.color),
    }
}

//! `fdkit`: the command-line face of the fdkit model.
//!
//! Conventions (one place for all of them): results go to stdout, errors and
//! progress to stderr; an error is one line, `fdkit: message` (with `file:line:col:`
//! for input errors); exit status 0 means clean, 1 means differences or findings, 2
//! means an error (which wins over 1); a closed stdout (`fdkit ... | head`) ends the
//! program quietly with status 0.
//!
//! The binary also carries the host executor's helper (`fdkit run --host`,
//! `fdkit diff`): the executor starts it as `fdkit __fdkit-host-helper MODE ...`
//! ([`fdkit_host::helper::EMBEDDED_ARG`]), so `fdkit` needs no second executable,
//! wherever it was built or installed. A helper must start with exactly the
//! descriptors the kernel left it, and Rust's own start-up reopens closed
//! descriptors 0-2 on `/dev/null`; so `main` is a C `main` (`#![no_main]`, as
//! `fdkit-host-helper` is built) that looks at `argv[1]` before anything else runs,
//! and otherwise does what Rust's start-up does for a command line tool (0-2 on
//! `/dev/null` when closed, `SIGPIPE` ignored so a closed stdout is an error and
//! not a kill) and runs the command.

// Unit tests (`cargo test`) get the test harness's `main` instead.
#![cfg_attr(not(test), no_main)]
#![cfg_attr(test, allow(dead_code))]

mod audit;
mod bench;
mod check;
mod cli;
mod diff;
mod draw;
mod host;
mod input;
mod live;
mod run;
mod tables;
mod view;

use clap::Parser as _;
use std::io::Write;

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

/// The process's entry point: the embedded host helper, or the command.
#[cfg(not(test))]
#[no_mangle]
extern "C" fn main(argc: std::os::raw::c_int, argv: *const *const std::os::raw::c_char) -> i32 {
    // SAFETY: argc and argv as the C runtime passes them to main.
    if unsafe { fdkit_host::helper::is_embedded_call(argc, argv) } {
        return std::panic::catch_unwind(fdkit_host::helper::main).unwrap_or(101);
    }
    rust_startup();
    let code = command();
    // Flushes stdout (std's clean-up) and exits.
    std::process::exit(code)
}

/// What Rust's start-up (`lang_start`) does that the command relies on: closed
/// descriptors 0-2 are opened on `/dev/null` (so no file fdkit opens becomes its
/// standard output), and `SIGPIPE` is ignored (a closed stdout is `EPIPE`, which
/// ends the program quietly). Children still start with `SIGPIPE` at its default:
/// `std::process::Command` resets it.
fn rust_startup() {
    for fd in 0..3 {
        // SAFETY: F_GETFD only reads the descriptor's flags.
        let closed = unsafe { libc::fcntl(fd, libc::F_GETFD) } == -1
            && std::io::Error::last_os_error().raw_os_error() == Some(libc::EBADF);
        if closed {
            // SAFETY: a plain open; the lowest free number is `fd` (0..fd are open).
            let null = unsafe { libc::open(c"/dev/null".as_ptr(), libc::O_RDWR) };
            if null != fd {
                std::process::abort();
            }
        }
    }
    // SAFETY: setting a disposition to SIG_IGN.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
    }
}

/// The command: parses the arguments, runs the subcommand, returns the exit status.
fn command() -> i32 {
    std::panic::set_hook(Box::new(|info| report_bug(info.payload(), info.location())));
    let args = match cli::Cli::try_parse() {
        Ok(args) => args,
        Err(e) => return usage_error(&e),
    };
    match cli::dispatch(args) {
        Ok(Status::Clean) => 0,
        Ok(Status::Findings) => 1,
        Ok(Status::Errors) => 2,
        Ok(Status::Unconfirmed) => 3,
        Err(err) => {
            if is_broken_pipe(&err) {
                return 0;
            }
            let _ = writeln!(std::io::stderr(), "fdkit: {err:#}");
            2
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

/// A command line clap refuses: `--help` and `--version` print as usual (exit 0);
/// an error becomes one line, `fdkit: message; see `fdkit SUBCOMMAND --help``,
/// exit 2, as every other error.
fn usage_error(e: &clap::Error) -> i32 {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = e.print();
            return 0;
        }
        _ => {}
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    let line = one_line(e.kind(), &e.render().to_string(), &args);
    let _ = writeln!(std::io::stderr(), "{line}");
    2
}

/// The one-line form of clap's error text `rendered` (for [`usage_error`]).
fn one_line(kind: clap::error::ErrorKind, rendered: &str, args: &[String]) -> String {
    use clap::CommandFactory;
    let subcommands: Vec<String> = cli::Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_owned())
        .filter(|n| n != "help")
        .collect();
    if kind == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        return format!(
            "fdkit: a subcommand is required: {}; see `fdkit --help`",
            subcommands.join(", ")
        );
    }
    // "error: MESSAGE" and its indented continuation lines, up to the first blank
    // line (tips and usage follow).
    let mut message = String::new();
    for line in rendered.lines() {
        let line = line.trim();
        if line.is_empty() {
            if message.is_empty() {
                continue;
            }
            break;
        }
        let line = line.strip_prefix("error: ").unwrap_or(line);
        if !message.is_empty() {
            message.push(' ');
        }
        message.push_str(line);
    }
    let sub = args
        .iter()
        .take_while(|a| *a != "--")
        .find(|a| subcommands.contains(a));
    let help = match sub {
        Some(s) => format!("fdkit {s} --help"),
        None => "fdkit --help".to_owned(),
    };
    format!("fdkit: {message}; see `{help}`")
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

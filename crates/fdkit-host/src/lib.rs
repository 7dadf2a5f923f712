//! # fdkit-host: the same calls on the real kernel, and a diff against the model
//!
//! fdkit models Linux's descriptor system; the kernel is the oracle. This crate runs
//! an [`fdkit::syscall::Call`] list on the host kernel — inside real child processes
//! started in exactly the model's initial state — and compares the kernel's answers
//! with the model's, call by call.
//!
//! ```no_run
//! use fdkit::syscall::Call;
//! use fdkit_host::{compare, Config, ProcessRef, Script};
//!
//! let p0 = ProcessRef::INITIAL;
//! let mut script = Script::new();
//! script
//!     .push(p0, Call::Open { path: "/tmp/a".into(), flags: 0o102, mode: 0o644 })
//!     .push(p0, Call::Dup2 { old: 3, new: 1023 })
//!     .push(p0, Call::Dup2 { old: 3, new: 1024 }); // EBADF: at the soft limit
//! let report = compare(&script, Config::locate()?)?;
//! if let Some(d) = &report.divergence {
//!     eprintln!("{d}");
//! }
//! # Ok::<(), fdkit_host::Error>(())
//! ```
//!
//! ## Layers
//!
//! | module | what |
//! |---|---|
//! | [`Script`], [`ProcessRef`] | calls addressed to processes named by creation order |
//! | [`Backend`], [`Outcome`] | what runs a step: [`Host`] (the kernel) or [`Model`] (fdkit) |
//! | [`Host`], [`Config`] | the executor: helper processes, shared-memory mailboxes ([`host`] explains the design) |
//! | [`Table`] | a process's descriptors, probed the same way on both backends |
//! | [`diff`], [`Report`], [`Divergence`] | the comparison and its first difference |
//! | [`result_difference`], [`table_difference`], [`not_compared`] | the same judgement, one step or table at a time |
//!
//! The helper binary `fdkit-host-helper` (built with this crate) is what runs in the
//! child processes; [`Config::locate`] finds it. A program can carry the helper in
//! itself instead ([`Config::embedded`], [`helper::EMBEDDED_ARG`]), as the `fdkit`
//! command does.
//!
//! ## Not covered
//!
//! The host executor does not run `vfork`, `clone` with `CLONE_VM` or
//! `CLONE_THREAD` (threads), `fcntl` commands that take a pointer (locks, owner-ex,
//! hints), `ioctl`s other than `FIOCLEX`/`FIONCLEX`/`FIONBIO`/`FIOASYNC`, `unshare`
//! of namespaces, or paths with a `..` component; these are
//! [`ErrorKind::Unsupported`]. Pid arguments (`wait4`, `prlimit64`) are passed as
//! given, so scripts use `-1`/`0`. Linux only.

#![deny(missing_docs)]

mod backend;
mod compare;
mod error;
pub mod fmt;
#[doc(hidden)]
pub mod helper;
pub mod host;
mod kernel;
mod mailbox;
mod model;
mod scratch;
mod script;
mod sys;
mod table;
mod wire;

pub use backend::{Backend, Outcome};
pub use compare::{diff, not_compared, result_difference, table_difference, Divergence, Report};
pub use error::{Error, ErrorKind};
pub use host::{Config, Host};
pub use model::Model;
pub use script::{ProcessRef, Script, Step};
pub use table::{normalize_link, FdState, Table};

/// Runs `script` on the host kernel and returns each step's outcome.
///
/// # Errors
/// As [`Host::start`] and [`Backend::execute`].
pub fn run(script: &Script, config: Config) -> Result<Vec<Outcome>, Error> {
    let mut host = Host::start(config)?;
    let outcomes = script
        .steps
        .iter()
        .map(|step| host.execute(step.process, &step.call))
        .collect::<Result<Vec<_>, _>>()?;
    host.shutdown()?;
    Ok(outcomes)
}

/// Runs `script` on the host and on a [`Model`] configured like it
/// ([`Host::model_config`]) and compares them ([`diff`]).
///
/// # Errors
/// As [`run`].
pub fn compare(script: &Script, config: Config) -> Result<Report, Error> {
    let (block, call) = (config.block_timeout, config.call_timeout);
    let mut host = Host::start(config)?;
    let mut model = Model::new(host.model_config())?.with_timeouts(block, call);
    let report = diff(script, &mut model, &mut host)?;
    host.shutdown()?;
    Ok(report)
}

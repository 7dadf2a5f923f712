//! [`Backend`]: what runs a script's steps — the kernel ([`Host`](crate::Host)) or the
//! model ([`Model`](crate::Model)) — so one test body runs on both.

use crate::error::Error;
use crate::script::ProcessRef;
use crate::table::Table;
use fdkit::syscall::{Call, Value};
use fdkit::Errno;

/// What one step produced.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Outcome {
    /// The call's result: its value or its errno. Pids in it (`fork`, `wait4`) are the
    /// backend's own; see [`Backend::process_of`].
    pub result: Result<Value, Errno>,
    /// After a successful `execve`: the table the new program found.
    pub table: Option<Table>,
}

impl From<Result<Value, Errno>> for Outcome {
    fn from(result: Result<Value, Errno>) -> Outcome {
        Outcome {
            result,
            table: None,
        }
    }
}

/// Runs calls as the processes of a script and reports what it observes.
///
/// A step for a process that does not exist — never created, or exited — fails with
/// `ESRCH` on every backend (as [`fdkit::System::task`] does), so scripts that
/// address exited processes still compare.
pub trait Backend {
    /// Runs `call` as `process`.
    ///
    /// # Errors
    /// The backend could not run the call (see [`Error`]); a call that fails with an
    /// errno is an `Ok` outcome.
    fn execute(&mut self, process: ProcessRef, call: &Call) -> Result<Outcome, Error>;

    /// The open descriptors of `process`, or `None` if it does not exist.
    ///
    /// # Errors
    /// As [`Backend::execute`].
    fn table(&mut self, process: ProcessRef) -> Result<Option<Table>, Error>;

    /// The script's name for the process with this backend's `pid`.
    fn process_of(&self, pid: u32) -> Option<ProcessRef>;

    /// This backend's pid of `process`, if it was created (the inverse of
    /// [`Backend::process_of`]): what a `wait4` or `prlimit64` naming `process`
    /// must pass.
    fn pid_of(&self, process: ProcessRef) -> Option<u32>;

    /// How many processes the script has created so far, `p0` included.
    fn created(&self) -> u32;

    /// The `/proc` link text of `process`'s descriptor `fd`, in the model's
    /// namespace, if it is open.
    fn link(&mut self, process: ProcessRef, fd: i32) -> Option<String>;
}

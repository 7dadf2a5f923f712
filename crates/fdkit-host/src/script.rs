//! [`Script`]: system calls addressed to processes, the unit both backends run.
//!
//! A scenario names processes by creation order, not by pid: `p0` is the initial
//! process, `p1` the first one a `fork`/`clone` in the script creates, and so on. Pids
//! differ between the model and the kernel; creation order does not.

use crate::fmt::{call_text, rust_call};
use fdkit::syscall::Call;
use std::fmt;

/// A process as a script names it: by creation order (`p0` is the initial process,
/// `pN` the one created by the N-th successful `fork`/`clone` of the script).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub struct ProcessRef(pub u32);

impl ProcessRef {
    /// The initial process, `p0`.
    pub const INITIAL: ProcessRef = ProcessRef(0);

    /// The creation index.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for ProcessRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "p{}", self.0)
    }
}

/// One call made by one process.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Step {
    /// The calling process.
    pub process: ProcessRef,
    /// The call, with raw arguments.
    pub call: Call,
}

impl Step {
    /// `call` made by `process`.
    pub fn new(process: ProcessRef, call: Call) -> Step {
        Step { process, call }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.process, call_text(&self.call))
    }
}

/// Calls made in order by a set of processes. Each call completes before the next
/// starts, so a run is deterministic; a call that would block is interrupted on both
/// backends and fails with `EINTR`.
///
/// ```
/// use fdkit::syscall::Call;
/// use fdkit_host::{ProcessRef, Script};
///
/// let mut script = Script::new();
/// script
///     .push(ProcessRef(0), Call::Pipe2 { flags: 0 })
///     .push(ProcessRef(0), Call::Fork)
///     .push(ProcessRef(1), Call::Close { fd: 3 });
/// assert_eq!(
///     script.to_string(),
///     "p0 pipe2(0x7ffc0000, 0)\np0 fork()\np1 close(3)\n"
/// );
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct Script {
    /// The steps, in order.
    pub steps: Vec<Step>,
}

impl Script {
    /// An empty script.
    pub fn new() -> Script {
        Script::default()
    }

    /// Appends `call` made by `process`.
    pub fn push(&mut self, process: ProcessRef, call: Call) -> &mut Script {
        self.steps.push(Step::new(process, call));
        self
    }

    /// Number of steps.
    pub fn len(&self) -> usize {
        self.steps.len()
    }

    /// Whether there are no steps.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// The script as Rust source: an array of `(ProcessRef, Call)` pairs, ready to
    /// paste into a regression test.
    pub fn to_rust(&self) -> String {
        let mut out = String::from("[\n");
        for step in &self.steps {
            out.push_str(&format!(
                "    (ProcessRef({}), {}),\n",
                step.process.0,
                rust_call(&step.call)
            ));
        }
        out.push(']');
        out
    }
}

impl FromIterator<(ProcessRef, Call)> for Script {
    fn from_iter<I: IntoIterator<Item = (ProcessRef, Call)>>(iter: I) -> Script {
        Script {
            steps: iter
                .into_iter()
                .map(|(process, call)| Step { process, call })
                .collect(),
        }
    }
}

impl fmt::Display for Script {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for step in &self.steps {
            writeln!(f, "{step}")?;
        }
        Ok(())
    }
}

/// Whether `call` can wait for another process (and so may need interrupting): the
/// transfer calls on pipes, sockets and terminals, and `wait4` without `WNOHANG`.
pub(crate) fn may_block(call: &Call) -> bool {
    matches!(
        call,
        Call::Read { .. }
            | Call::Write { .. }
            | Call::Pread { .. }
            | Call::Pwrite { .. }
            | Call::Wait4 { nohang: false, .. }
    )
}

//! [`Model`]: runs scenario steps in a fresh [`fdkit::System`], one call at a time.
//!
//! Two things differ from calling [`Task::execute`] directly:
//! - a `fork`/`vfork`/`clone` whose result is written takes that pid for the child
//!   (`fork() = 101`), so later lines can name it;
//! - a call that would block is refused ([`StepError::WouldBlock`]) instead of
//!   hanging: with one call at a time, nothing could ever wake it. Reads and writes
//!   run with `O_NONBLOCK` set for the call (and cleared after), and `EAGAIN` from
//!   a description that was blocking means the real call would have waited;
//!   `wait4` without `WNOHANG` first looks with `WNOHANG`.

use crate::step::{Ret, Step};
use fdkit::syscall::{Call, Value};
use fdkit::{CloneFlags, Errno, Pid, System, Task};
use std::collections::HashMap;
use std::fmt;

/// Why a step could not run in the model (the scenario's fault, not a finding).
#[derive(Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum StepError {
    /// No live process or thread has this scenario pid.
    NoProcess(u32),
    /// `fork() = N` where N is taken.
    PidInUse(u32),
    /// The pid cannot be a process (0, or above 2³¹ − 1).
    BadPid(u32),
    /// The call would wait forever: what it waits for.
    WouldBlock(&'static str),
}

impl fmt::Display for StepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StepError::NoProcess(pid) => write!(
                f,
                "no process {pid} (a child exists after `fork() = {pid}`; an exited one is gone)"
            ),
            StepError::PidInUse(pid) => write!(f, "pid {pid} is already in use"),
            StepError::BadPid(pid) => write!(f, "{pid} cannot be a pid"),
            StepError::WouldBlock(why) => write!(
                f,
                "the call would block forever ({why}); a scenario runs one call at a time"
            ),
        }
    }
}

impl std::error::Error for StepError {}

/// A model system running a scenario.
#[derive(Debug)]
pub struct Model {
    sys: System,
    /// Labels of open file descriptions in listings (`A`, `B`, ...), by id.
    pub(crate) labels: HashMap<u64, String>,
}

impl Model {
    /// A fresh system with one process, `first_pid`, with 0, 1 and 2 open on a
    /// terminal; the filesystem holds `/`, `/tmp`, `/dev/null`, `/dev/zero`.
    ///
    /// # Errors
    /// [`StepError::BadPid`] for pid 0 or above 2³¹ − 1.
    pub fn new(first_pid: u32) -> Result<Model, StepError> {
        let sys = System::new();
        sys.spawn_with(Some(Pid::new(first_pid)), true)
            .map_err(|_| StepError::BadPid(first_pid))?;
        Ok(Model {
            sys,
            labels: HashMap::new(),
        })
    }

    /// The system, to look at or to drive directly.
    pub fn system(&self) -> &System {
        &self.sys
    }

    /// Runs `step` and returns what the call gave.
    ///
    /// # Errors
    /// A [`StepError`] when the step cannot run; the system is then unchanged.
    pub fn run(&self, step: &Step) -> Result<Result<Value, Errno>, StepError> {
        let task = self
            .sys
            .task(step.pid)
            .map_err(|_| StepError::NoProcess(step.pid))?;
        let call = &step.call;
        match call {
            Call::Fork | Call::Vfork | Call::Clone { .. } => self.clone_task(&task, step),
            Call::Wait4 { pid, nohang: false } => match task.wait4(*pid, true) {
                Ok(None) => Err(StepError::WouldBlock("no child has exited yet")),
                Ok(child) => Ok(Ok(Value::Child(child))),
                Err(e) => Ok(Err(e)),
            },
            Call::Read { fd, .. }
            | Call::Pread { fd, .. }
            | Call::Write { fd, .. }
            | Call::Pwrite { fd, .. } => Self::transfer(&task, *fd, call),
            _ => Ok(task.execute(call)),
        }
    }

    /// `fork`/`vfork`/`clone`, giving the child the pid the step names.
    fn clone_task(&self, task: &Task, step: &Step) -> Result<Result<Value, Errno>, StepError> {
        let flags = match step.call {
            Call::Clone { flags } => CloneFlags::from_bits_retain(flags),
            Call::Vfork => CloneFlags::VM | CloneFlags::VFORK,
            _ => CloneFlags::empty(),
        };
        let wanted = match step.expected.as_ref().and_then(|e| e.ret) {
            Some(Ret::Value(n)) if n > 0 => {
                let n = u32::try_from(n)
                    .ok()
                    .filter(|n| *n <= i32::MAX as u32)
                    .ok_or(StepError::BadPid(n as u32))?;
                if self.sys.exit_status(n).is_ok() || self.sys.task(n).is_ok() {
                    return Err(StepError::PidInUse(n));
                }
                Some(Pid::new(n))
            }
            _ => None,
        };
        Ok(task
            .clone_task(flags, wanted)
            .map(|(pid, _pidfd)| Value::Int(i64::from(pid.get()))))
    }

    /// A read or write, refused if it would block.
    fn transfer(task: &Task, fd: i32, call: &Call) -> Result<Result<Value, Errno>, StepError> {
        let Ok(ofd) = task.file(fd) else {
            return Ok(task.execute(call));
        };
        if ofd.is_nonblocking() {
            return Ok(task.execute(call));
        }
        ofd.set_nonblocking(true);
        let result = task.execute(call);
        ofd.set_nonblocking(false);
        let why = match (call, &result) {
            (Call::Read { .. } | Call::Pread { .. }, Err(Errno::AGAIN)) => {
                "nothing to read, and a writer could still write"
            }
            (Call::Write { .. } | Call::Pwrite { .. }, Err(Errno::AGAIN)) => {
                "no room to write, and a reader could still read"
            }
            (Call::Write { data, .. } | Call::Pwrite { data, .. }, Ok(Value::Int(n)))
                if (*n as usize) < data.len() =>
            {
                "no room for the rest, and a reader could still read"
            }
            _ => return Ok(result),
        };
        Err(StepError::WouldBlock(why))
    }
}

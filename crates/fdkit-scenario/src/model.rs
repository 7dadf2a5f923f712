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
    /// A [`StepError`] when the step cannot run. The system is then unchanged,
    /// except that a write refused as blocking has written what fitted.
    pub fn run(&self, step: &Step) -> Result<Result<Value, Errno>, StepError> {
        if step.pid == 0 || step.pid > i32::MAX as u32 {
            return Err(StepError::BadPid(step.pid));
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Scenario, TableState};

    type Ran = Result<Result<Value, Errno>, StepError>;

    /// Runs every line of `text`; the results (or refusals) in order.
    #[track_caller]
    fn run(text: &str) -> (Model, Vec<Ran>) {
        let s = Scenario::parse(text).unwrap_or_else(|e| panic!("{e:?}"));
        let model = Model::new(s.first_pid).unwrap();
        let results = s.steps().map(|step| model.run(step)).collect();
        (model, results)
    }

    fn int(n: i64) -> Ran {
        Ok(Ok(Value::Int(n)))
    }

    // ---- fork, clone ------------------------------------------------------------

    #[test]
    fn fork_names_the_child_as_written() {
        let (_, r) = run("fork() = 250\n[pid 250] dup(0) = 3\nfork()\nvfork() = 250\n");
        assert_eq!(r[0], int(250));
        assert_eq!(r[1], int(3));
        assert_eq!(r[2], int(100 + 1));
        assert_eq!(r[3], Err(StepError::PidInUse(250)));
        let (_, r) = run("fork() = 4294967295\n");
        assert_eq!(r[0], Err(StepError::BadPid(u32::MAX)));
    }

    #[test]
    fn unknown_pids_are_refused() {
        let (_, r) = run("[pid 100] dup(0)\n[pid 7] dup(0)\n");
        assert_eq!(r[1], Err(StepError::NoProcess(7)));
        assert_eq!(Model::new(0).unwrap_err(), StepError::BadPid(0));
    }

    // ---- blocking ---------------------------------------------------------------

    #[test]
    fn calls_that_would_block_are_refused_and_change_nothing() {
        let (model, r) = run(
            "pipe2([3, 4], 0)\nread(3, 10)\nwrite(4, \"x\", 1) = 1\nread(3, 10)\nfork() = 101\nwait4(101, NULL, 0, NULL)\n",
        );
        assert!(matches!(r[1], Err(StepError::WouldBlock(_))));
        assert_eq!(r[3], Ok(Ok(Value::Bytes(b"x".to_vec()))));
        assert!(matches!(r[5], Err(StepError::WouldBlock(_))));
        // The read end is still blocking.
        let t = model.system().task(100u32).unwrap();
        assert_eq!(t.fcntl_getfl(3).unwrap().bits() & 0o4000, 0);
        // A non-blocking end gives EAGAIN as it should.
        let (_, r) =
            run("pipe2([3, 4], O_NONBLOCK)\nread(3, 10)\neventfd2(0, 0) = 5\nread(5, 8)\n");
        assert_eq!(r[1], Ok(Err(Errno::AGAIN)));
        assert!(matches!(r[3], Err(StepError::WouldBlock(_))));
    }

    #[test]
    fn wait4_reaps_an_exited_child() {
        let (_, r) = run("fork() = 101\n[pid 101] exit_group(7)\nwait4(-1, NULL, 0, NULL)\nwait4(-1, NULL, 0, NULL)\n");
        assert_eq!(
            r[2],
            Ok(Ok(Value::Child(Some((
                Pid::new(101),
                fdkit::ExitStatus::Exited(7)
            )))))
        );
        assert_eq!(r[3], Ok(Err(Errno::CHILD)));
    }

    // ---- tables -----------------------------------------------------------------

    #[test]
    fn tables_show_sharing_zombies_and_labels() {
        let (mut model, _) = run(
            "dup(0) = 3\nclone(child_stack=NULL, flags=CLONE_FILES|SIGCHLD) = 101\nfork() = 102\n[pid 102] exit_group(0)\n",
        );
        let tables = model.tables();
        let states: Vec<(u32, &TableState)> = tables.iter().map(|t| (t.pid, &t.state)).collect();
        assert_eq!(states[1], (101, &TableState::SharedWith(100)));
        assert_eq!(
            states[2],
            (102, &TableState::Exited(fdkit::ExitStatus::Exited(0)))
        );
        let TableState::Open(entries) = &tables[0].state else {
            panic!("{tables:?}")
        };
        let labels: Vec<&str> = entries.iter().map(|e| e.ofd.as_str()).collect();
        assert_eq!(labels, ["A", "A", "A", "A"]);
        assert_eq!(entries[3].link, "/dev/pts/0");
        let text = crate::tables::render(&tables);
        assert!(
            text.contains("# ls -l /proc/101/fd: the very table of /proc/100/fd"),
            "{text}"
        );
        assert!(
            text.contains("# ls -l /proc/102/fd: none, 102 exited with 0"),
            "{text}"
        );
    }
}

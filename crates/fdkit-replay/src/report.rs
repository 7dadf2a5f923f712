//! What a replay reports: per-call verdicts and divergences, inferences about the
//! starting state, descriptor events, and tables, handed to a [`Sink`].

use std::fmt;
use std::sync::Arc;

use crate::desc::Description;
pub use crate::op::Predicted;

/// Counts over a whole replay.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Summary {
    /// System calls seen (completed, or given up on when the log never completes them).
    pub calls: u64,
    /// Processes (thread groups) seen.
    pub processes: u64,
    /// Calls whose result the table decides and the log agrees with.
    pub agree: u64,
    /// Calls whose result the table decides otherwise.
    pub differ: u64,
    /// Calls whose result the table does not decide (`ENOENT`, byte counts, calls
    /// without descriptor semantics, or a search bound hit).
    pub undecided: u64,
    /// Agreeing calls that needed the concurrent calls around them reordered.
    pub reordered: u64,
    /// Calls left undecided because a search hit its bound or lost orders.
    pub bounded: u64,
    /// Facts inferred about the starting state.
    pub inferred: u64,
    /// Of those, numbers inferred open only because an allocation skipped them,
    /// never used by a later line ([`Inference::unconfirmed`]).
    pub unconfirmed: u64,
    /// Lines that could not be parsed.
    pub errors: u64,
}

impl fmt::Display for Summary {
    /// `checked N calls in P processes: A agree, D differ, S not decided by the table`
    /// (and `, U unconfirmed inferences` when there are some).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "checked {} calls in {} processes: {} agree, {} differ, {} not decided by the table",
            self.calls, self.processes, self.agree, self.differ, self.undecided
        )?;
        if self.unconfirmed > 0 {
            let s = if self.unconfirmed == 1 { "" } else { "s" };
            write!(f, ", {} unconfirmed inference{s}", self.unconfirmed)?;
        }
        Ok(())
    }
}

/// [`Divergence::what`] of a call whose descriptor lookup decided its result: the
/// errno's name, from `fdkit`'s errno table.
pub(crate) const WHAT_EBADF: &str = match fdkit::Errno::BADF.name() {
    Some(n) => n,
    None => panic!("EBADF has a name"),
};

/// One descriptor of a table, as `ls -l /proc/PID/fd` would list it, plus the
/// description it refers to.
#[derive(Clone, Debug)]
pub struct FdView {
    /// The descriptor number.
    pub fd: u32,
    /// Its close-on-exec flag.
    pub cloexec: bool,
    /// The open file description (shared with every descriptor that has the same
    /// [`Description::id`]).
    pub desc: Arc<Description>,
}

impl FdView {
    /// The permission column of `ls -l /proc/PID/fd`: `lr-x------` (read),
    /// `l-wx------` (write), `lrwx------` (both), `l---------` (`O_PATH`), and
    /// `l?????????` when the access mode is not known.
    pub fn mode_string(&self) -> &'static str {
        let s = self.desc.status();
        match (s.can_read(), s.can_write()) {
            (Some(true), Some(true)) => "lrwx------",
            (Some(true), Some(false)) => "lr-x------",
            (Some(false), Some(true)) => "l-wx------",
            (Some(false), Some(false)) => "l---------",
            _ => "l?????????",
        }
    }
}

impl fmt::Display for FdView {
    /// `lrwx------ 3 -> /tmp/a`, with ` (cloexec)` when set.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} -> {}",
            self.mode_string(),
            self.fd,
            self.desc.link()
        )?;
        if self.cloexec {
            f.write_str(" (cloexec)")?;
        }
        Ok(())
    }
}

/// A process's descriptor table at some point of the log.
#[derive(Clone, Debug)]
pub struct ProcessTable {
    /// The process (thread-group leader's pid; 0 for a log without pids).
    pub pid: u32,
    /// Its live threads, leader first.
    pub tids: Vec<u32>,
    /// Other processes sharing this table (`CLONE_FILES`), if any.
    pub shared_with: Vec<u32>,
    /// The descriptors, in increasing order.
    pub fds: Vec<FdView>,
}

/// A call whose logged result the model decided otherwise.
#[derive(Clone, Debug)]
pub struct Divergence {
    /// The line holding the result (the `<... resumed>` line of a split call).
    pub line: u64,
    /// The line where the call entered (equal to `line` unless split).
    pub entered: u64,
    /// The calling thread (`None` for a log without pids).
    pub pid: Option<u32>,
    /// The system call's name.
    pub syscall: String,
    /// The call in strace syntax, `name(args) = result` (long arguments shortened).
    pub call: String,
    /// What is compared: `descriptor`, `EBADF`, `F_GETFD`, `F_GETFL`, `offset`,
    /// `close`, `RLIMIT_NOFILE`...
    pub what: &'static str,
    /// What the log says.
    pub expected: String,
    /// What the model predicted.
    pub predicted: String,
    /// The process's table as the model had it before the call.
    pub table: Vec<FdView>,
}

/// A fact about the state before the log, inferred from evidence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inference {
    /// The line of the evidence.
    pub line: u64,
    /// The thread whose call was the evidence.
    pub pid: Option<u32>,
    /// What was inferred.
    pub fact: Fact,
    /// The evidence, in strace syntax.
    pub evidence: String,
    /// For an inference that rests on an allocation skipping the number (see
    /// `infer`'s "provisional inferences"): the later line that used the number
    /// successfully and so confirmed it. `None` for an inference from a use.
    pub confirmed_by: Option<u64>,
    /// The inference rests only on an allocation skipping the number, and no later
    /// line used the number: the log is consistent only if the program really
    /// inherited it (reported at the end of the log).
    pub unconfirmed: bool,
}

/// What an [`Inference`] says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fact {
    /// The descriptor was open when the log started (inherited).
    OpenAtStart {
        /// The descriptor.
        fd: u32,
    },
    /// The descriptor was not open when the log started.
    ClosedAtStart {
        /// The descriptor.
        fd: u32,
    },
    /// An inherited descriptor had close-on-exec set (or clear).
    CloexecAtStart {
        /// The descriptor.
        fd: u32,
        /// The flag.
        on: bool,
    },
    /// The soft `RLIMIT_NOFILE` was this value (EMFILE at the lowest free number).
    SoftLimit {
        /// The process.
        pid: u32,
        /// The limit.
        limit: u64,
    },
    /// The soft `RLIMIT_NOFILE` was above this value (a descriptor at it was
    /// allocated).
    SoftLimitAbove {
        /// The process.
        pid: u32,
        /// The number that was allocated.
        at_least: u64,
    },
}

impl fmt::Display for Fact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fact::OpenAtStart { fd } => write!(f, "fd {fd} was open at start (inherited)"),
            Fact::ClosedAtStart { fd } => write!(f, "fd {fd} was not open at start"),
            Fact::CloexecAtStart { fd, on: true } => {
                write!(f, "fd {fd} had close-on-exec set at start")
            }
            Fact::CloexecAtStart { fd, on: false } => {
                write!(f, "fd {fd} had close-on-exec clear at start")
            }
            Fact::SoftLimit { pid, limit } => {
                write!(f, "process {pid}: soft RLIMIT_NOFILE was {limit}")
            }
            Fact::SoftLimitAbove { pid, at_least } => {
                write!(f, "process {pid}: soft RLIMIT_NOFILE was above {at_least}")
            }
        }
    }
}

/// A call left undecided because the concurrency search hit its bound (or the
/// window had lost orders), reported so a reader knows where checking was weaker.
#[derive(Clone, Debug)]
pub struct Note {
    /// The line holding the result.
    pub line: u64,
    /// The calling thread.
    pub pid: Option<u32>,
    /// The call in strace syntax.
    pub call: String,
    /// Why it was not decided.
    pub reason: &'static str,
}

/// Why a descriptor was closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CloseCause {
    /// `close`.
    Close,
    /// `close_range`.
    CloseRange,
    /// Replaced by `dup2`/`dup3` (closed silently).
    Replaced,
    /// Close-on-exec at a successful `execve`.
    Exec,
    /// The last task using the table exited.
    Exit,
}

impl CloseCause {
    /// The call that closed the descriptor, as messages name it: `close`,
    /// `close_range`, `dup2` (for `dup2`/`dup3` replacing it), `execve`
    /// (close-on-exec) or `exit` (the table's last user exited).
    pub fn syscall(self) -> &'static str {
        match self {
            CloseCause::Close => "close",
            CloseCause::CloseRange => "close_range",
            CloseCause::Replaced => "dup2",
            CloseCause::Exec => "execve",
            CloseCause::Exit => "exit",
        }
    }
}

/// Something that happened to descriptors or processes, in log order (for
/// `fdkit audit`-style consumers; only produced when [`Sink::wants_events`]).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Event {
    /// A descriptor was installed (allocated, received, or placed by `dup2`).
    Created {
        /// The line of the call.
        line: u64,
        /// The calling thread.
        pid: Option<u32>,
        /// The system call.
        syscall: String,
        /// The descriptor.
        fd: u32,
        /// Its close-on-exec flag.
        cloexec: bool,
        /// The description.
        desc: Arc<Description>,
    },
    /// A descriptor was closed.
    Closed {
        /// The line of the call (or exit).
        line: u64,
        /// The thread.
        pid: Option<u32>,
        /// The descriptor.
        fd: u32,
        /// Why.
        cause: CloseCause,
        /// The description it referred to.
        desc: Arc<Description>,
    },
    /// A call used an open descriptor: it looked the number up and did not fail
    /// with `EBADF` (I/O, `fstat`, `mmap`, `fcntl`, the source of `dup`/`dup2`, the
    /// directory of `openat`, `accept`'s socket; not `close`).
    Used {
        /// The line of the call.
        line: u64,
        /// The calling thread.
        pid: Option<u32>,
        /// The system call.
        syscall: String,
        /// The descriptor.
        fd: u32,
        /// The description it referred to.
        desc: Arc<Description>,
    },
    /// A descriptor's close-on-exec flag was set or cleared by a call that exists
    /// for that (`F_SETFD`, `FIOCLEX`, `FIONCLEX`), successfully. Clearing it is how
    /// a program hands a descriptor to the next one on purpose (a jobserver pipe
    /// before `execve`).
    CloexecChanged {
        /// The line of the call.
        line: u64,
        /// The calling thread.
        pid: Option<u32>,
        /// The system call.
        syscall: String,
        /// The descriptor.
        fd: u32,
        /// The flag's new value.
        on: bool,
    },
    /// A call failed with `EBADF` on a descriptor (use after close, double close).
    BadDescriptor {
        /// The line of the call.
        line: u64,
        /// The thread.
        pid: Option<u32>,
        /// The system call.
        syscall: String,
        /// The descriptor.
        fd: u32,
    },
    /// An allocation failed with `EMFILE`.
    TooManyFiles {
        /// The line of the call.
        line: u64,
        /// The thread.
        pid: Option<u32>,
        /// The system call.
        syscall: String,
        /// Descriptors open in the table then.
        open: usize,
    },
    /// A task was created.
    Forked {
        /// The line of the `clone`/`fork` result (or of the child's first line).
        line: u64,
        /// The parent thread.
        parent: u32,
        /// The new thread.
        child: u32,
        /// `CLONE_FILES`: the child shares the parent's table.
        shares_table: bool,
        /// `CLONE_THREAD`: the child is a thread of the parent's process.
        thread: bool,
    },
    /// A task stopped sharing its table (`unshare(CLONE_FILES)`,
    /// `close_range(.., CLOSE_RANGE_UNSHARE)`, `execve` in a `CLONE_FILES`
    /// process) and got a private copy, listed in `kept`; the others keep the old
    /// table. Not produced when the task was the table's only user.
    Unshared {
        /// The line of the call.
        line: u64,
        /// The thread.
        pid: u32,
        /// The descriptors of its private copy (before the call closes any).
        kept: Vec<FdView>,
    },
    /// A successful `execve`: the descriptors that survived (inherited by the new
    /// program), after the close-on-exec sweep.
    Exec {
        /// The line of the result.
        line: u64,
        /// The process.
        pid: u32,
        /// The program path as written in the call.
        program: String,
        /// Descriptors the new program starts with.
        inherited: Vec<FdView>,
    },
    /// A thread exited; `open` lists the table when it was the last one using it.
    Exited {
        /// The line of the `+++` notice.
        line: u64,
        /// The thread.
        pid: u32,
        /// Descriptors still open when the table was released (empty if other
        /// tasks still use it).
        open: Vec<FdView>,
    },
}

/// Receives what a replay reports. Every method has an empty default.
pub trait Sink {
    /// A divergence.
    fn divergence(&mut self, _d: &Divergence) {}
    /// An inference about the starting state.
    fn inference(&mut self, _i: &Inference) {}
    /// A call left undecided by a search bound.
    fn note(&mut self, _n: &Note) {}
    /// A line that could not be parsed.
    fn error(&mut self, _e: &InputError) {}
    /// Whether [`Sink::event`] should be called (events cost a little).
    fn wants_events(&self) -> bool {
        false
    }
    /// A descriptor or process event.
    fn event(&mut self, _e: &Event) {}
}

/// A sink that keeps nothing.
impl Sink for () {}

/// A line that could not be read: `LINE:COLUMN: expected WHAT, found WHAT`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputError {
    /// The 1-based line.
    pub line: u64,
    /// The 1-based byte column.
    pub column: usize,
    /// What was expected there.
    pub expected: String,
    /// What was found instead (quoted), or `end of line`.
    pub found: String,
}

impl InputError {
    /// An error at `line:column`.
    pub fn new(
        line: u64,
        column: usize,
        expected: impl Into<String>,
        found: impl Into<String>,
    ) -> InputError {
        InputError {
            line,
            column,
            expected: expected.into(),
            found: found.into(),
        }
    }

    /// The parser's error, as reported by the replay.
    pub fn from_parser(e: &fdkit_strace::Error) -> InputError {
        InputError::new(e.line(), e.column(), e.expected(), e.found())
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: expected {}, found {}",
            self.line, self.column, self.expected, self.found
        )
    }
}

impl std::error::Error for InputError {}

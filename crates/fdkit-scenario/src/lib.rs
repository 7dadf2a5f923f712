//! # fdkit-scenario: descriptor scenarios written as strace lines
//!
//! A *scenario* is a file of system calls in strace's syntax, written by hand,
//! with results where you want them checked:
//!
//! ```text
//! # open, dup, fork
//! openat(AT_FDCWD, "/tmp/a", O_RDWR|O_CREAT, 0644) = 3
//! dup(3)                                   # no result: not checked
//! pipe2([5, 6], O_CLOEXEC) = 0             # [5, 6] is checked too
//! fork() = 101                             # the child is called 101
//! [pid 101] close(3) = 0
//! # show
//! ```
//!
//! This crate turns such text into [`Step`]s (typed [`fdkit::syscall::Call`]s with
//! raw numeric arguments, plus what each is expected to give), runs them in the
//! model ([`Model`]), and prints calls and results back exactly as strace prints
//! them ([`print`](mod@print)). Steps know nothing of the model, so the same list can run on
//! the host kernel and be compared.
//!
//! ```
//! use fdkit_scenario::{print, Model, Scenario};
//!
//! let s = Scenario::parse("openat(AT_FDCWD, \"/tmp/a\", O_RDWR|O_CREAT, 0644) = 3\ndup(3) = 5\n")
//!     .map_err(|errors| errors[0].clone())?;
//! let model = Model::new(s.first_pid)?;
//! let mut lines = Vec::new();
//! for step in s.steps() {
//!     let result = model.run(step)?;
//!     let shown = step.shown(&result);
//!     lines.push(print::line("", &step.call, &step.argv, Some(&shown)));
//!     if let Some(m) = step.expected.as_ref().and_then(|e| e.check(&step.call, &result)) {
//!         lines.push(format!("# line {}: {m}", step.line));
//!     }
//! }
//! assert_eq!(lines[1], "dup(3)                                  = 4");
//! assert_eq!(lines[2], "# line 2: expected 5, got 4");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## The format
//!
//! - One call per line, in strace syntax: `[pid 101] `, `101  ` or no prefix (the
//!   first process); timestamps, `-y` decorations (`3</tmp/a>`) and `-T` times are
//!   accepted and ignored. ` = result` is optional; written, it is checked:
//!   `= 3`, `= 0x1 (flags FD_CLOEXEC)` (the number counts), `= -1 EBADF (...)`
//!   (the name counts), `= ?` (does not return).
//! - Arguments are C expressions over strace's names: `O_RDWR|O_CREAT|O_CLOEXEC`,
//!   `F_DUPFD_CLOEXEC`, `FD_CLOEXEC`, `CLOSE_RANGE_CLOEXEC|CLOSE_RANGE_UNSHARE`,
//!   `SOCK_STREAM|SOCK_CLOEXEC`, `AF_UNIX`, `CLONE_FILES|SIGCHLD`,
//!   `RLIMIT_NOFILE`, `SEEK_SET`, `EFD_CLOEXEC`, `FIOCLEX`, `AT_FDCWD`, `~0`,
//!   `0xffffffff`, `-1`, `8192*1024`, `0644`, `0x403 /* F_??? */`,
//!   `_IOC(_IOC_NONE, 0x12, 0x34, 0)`; structs `{rlim_cur=16, rlim_max=16}`;
//!   strings with strace's escapes. A value is narrowed to the argument's C type
//!   as the kernel narrows a register (`close_range(3, -1, 0)` is `~0U`). Names
//!   are looked up in one namespace, as C macros are ([`symbols`]); an unknown
//!   name is an error at its column.
//! - Output arguments may be left out (`pipe2(O_CLOEXEC)`, `read(3, 10)`) or
//!   written: with values (`[3, 4]`, `"abc"`, `{rlim_cur=...}`,
//!   `[{WIFEXITED(s) && WEXITSTATUS(s) == 0}]`, `{st_mode=S_IFREG|0644, ...}`)
//!   they are checked; as a pointer or `NULL` they say nothing.
//! - `# show` prints every process's table there (`# show 101`: only 101's);
//!   other `#` lines are comments; a
//!   `  # note` may end a call line. `+++ exited ... +++` and `--- SIG... ---` lines
//!   are kept as text.
//!
//! The calls: see [`CALLS`]. `clone3` becomes `clone` with the same flags and exit
//! signal, `eventfd` becomes `eventfd2`, `fcntl64` becomes `fcntl`.
//!
//! ## Layers
//!
//! | module | what |
//! |---|---|
//! | [`Scenario`], [`Item`] | the file: lines, `# show`, comments |
//! | [`Step`], [`Expected`], [`Ret`], [`Out`] | one call and what it should give; [`Expected::check`] |
//! | [`symbols`] | strace's names and Linux x86-64 values, in strace's print order |
//! | [`print`](mod@print) | calls and results → strace text |
//! | [`Model`] | runs steps on [`fdkit::System`] |
//! | [`tables`] | every process's `/proc/PID/fd`, for `# show` |

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod convert;
mod error;
mod eval;
mod model;
mod parse;
pub mod print;
mod step;
pub mod symbols;
pub mod tables;

pub use convert::CALLS;
pub use error::{Error, ErrorKind};
pub use model::{Model, StepError};
pub use parse::{Item, Scenario, MAX_ERRORS, MAX_LINE_BYTES};
pub use step::{Expected, Mismatch, Out, Ret, Step, FIRST_PID};
pub use tables::{Entry, Table, TableState};

impl std::fmt::Display for Scenario {
    /// The scenario as text that parses back to it: calls of the first process
    /// without a pid prefix, others with `[pid N]`; the first call keeps its
    /// prefix when the first process is not [`FIRST_PID`], since it names it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut first = true;
        for item in &self.items {
            match item {
                Item::Step(step) => {
                    let named = first && self.first_pid != FIRST_PID;
                    first = false;
                    let prefix = (step.pid != self.first_pid || named).then_some(step.pid);
                    writeln!(f, "{}", print::step_line(step, prefix))?;
                }
                Item::Show { pids, .. } => {
                    write!(f, "# show")?;
                    for pid in pids {
                        write!(f, " {pid}")?;
                    }
                    writeln!(f)?;
                }
                Item::Text { text, .. } => writeln!(f, "{text}")?,
            }
        }
        Ok(())
    }
}

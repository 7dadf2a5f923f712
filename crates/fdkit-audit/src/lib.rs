//! # fdkit-audit: descriptor bugs found in real `strace -f` logs
//!
//! A log is replayed by [`fdkit_replay::Replay`] (the descriptor-table model that
//! `fdkit check` verifies against the kernel); the [`Auditor`] is its
//! [`fdkit_replay::Sink`] and turns its events (descriptors created, used,
//! closed; forks, `execve`s, exits; `EBADF` and `EMFILE`) into [`Finding`]s.
//! `fdkit audit` is the command-line face.
//!
//! ## Findings
//!
//! Every finding has a [`Kind`], a [`Severity`], a process, the line of the
//! finding and, when it is about one descriptor, the descriptor, what it refers
//! to (the link text `ls -l /proc/PID/fd` would show: a path as written in the
//! call, or absolute with `-y`; `pipe:[N]`, `socket:[N]`; placeholders such as
//! `pipe:[?]` where the log does not name it), where it got its number
//! ([`Finding::created`]) and where its open file description was created
//! ([`Finding::opened`]; differs after `dup2`, `fork`...). The rules, exactly:
//!
//! | kind | severity | rule |
//! |---|---|---|
//! | `inherited-across-exec` | high; low if open before the log; info if used or handed over | After a successful `execve`, a descriptor other than 0, 1, 2 is still open (it lacked `FD_CLOEXEC`). One finding per descriptor per `execve`, at the `execve`'s result line. `used` is the new program's first use of it ([`fdkit_replay::Event::Used`]: any call that looked the number up without `EBADF`, `dup2` and `fcntl` included, before the number is closed or replaced). Never used: high, CWE-403 (exposure of a descriptor to an unintended control sphere). Used: info: a deliberate pass, as `subprocess`'s `pass_fds` or a shell's `3>file cmd` make. Handed over (`handed_over`: the old program cleared the flag with `F_SETFD` or `FIONCLEX` after it was last set, as a jobserver does with its pipe before `execve`; the mark stays with the descriptor through later `execve`s until the flag is set again): info as well, used or not. Open before the log began and never used: low (it came from outside the trace, and every program in it passes it on); all such descriptors are one finding. |
//! | `use-after-close` | low | A call fails with `EBADF` on a number that is not open, that this process had open and closed earlier (`close` or `close_range`; the history starts at the process's last `execve`, and a forked child starts with its parent's). Not reported for probes: `fcntl` (`F_GETFD`; shells save a number with `F_DUPFD` if it is open) and the `stat` family, whose `EBADF` is an answer. Low: the call failed and touched nothing in this run; the harm comes when the number is reused first (`stale-number`). |
//! | `double-close` | low | The same for `close` itself. |
//! | `stale-number` | high | After a `use-after-close` of a number (not a `double-close`: a second `close` is the stale code path letting go), the number is reused by a new descriptor, and the next call that uses that descriptor (or closes it) may be the stale code path reading, writing or closing the new file, silently. Reported once, at that use. |
//! | `replaced-by-dup2` | medium | `dup2`/`dup3` onto an open descriptor other than 0, 1, 2, which this process had used since it got its number, closing the last descriptor of its open file description in the table (the file is closed silently, and later calls through the number reach the new file). Redirecting 0, 1, 2 is what shells and `subprocess` do by design; replacing a number whose file stays reachable through another (a shell saves it first) loses nothing. |
//! | `emfile` | medium | An allocation failed with `EMFILE`. |
//! | `leak-trend` | medium | Descriptors other than 0, 1, 2 made by one process image with the same call on objects of the same shape (the link with digit runs as `#`: `log#.txt`, `pipe:[#]`) reached [`TREND_MIN`] open at once and never dropped below it until the image ended (`execve`, exit, end of log). At the line where the count reached [`TREND_MIN`]; the descriptor named is the oldest still open. |
//! | `open-at-exit` | low | A process's table is released at its exit with a descriptor other than 0, 1, 2 that the process made itself (since its last `execve`, or its `fork`). At the `+++ exited` line. Descriptors a child got from its parent (across `fork` or `execve`) count at the parent's exit, not the child's. |
//!
//! Severities rank harm: a call that silently reached another file
//! (`stale-number`) or a file any later program can reach (`inherited-across-exec`)
//! is high; lost or exhausted descriptors are medium; an `EBADF` that did no
//! harm, and a descriptor left for the exit to close, are low.
//!
//! ## Source locations
//!
//! A log recorded with `strace -k` (live mode adds it) has the stack of every
//! call. Feed every line to [`Auditor::stack_line`] as well as to the replay,
//! and every [`Site`] and [`Place`] of a call with a stack gets its
//! [`Site::source`]: `file:line (function)` of the first frame outside the
//! system libraries, from the binary's DWARF, or `binary+0xOFFSET (symbol)`
//! without debug information ([`symbols`]). [`Finding::source`] is where the
//! finding's own call was made.
//!
//! ## Grouping
//!
//! [`Auditor::finish`] reports one finding per descriptor per cause
//! ([`group`]): occurrences with the same kind, severity, descriptor number,
//! creation line ([`Finding::created`]), open file description line
//! ([`Finding::opened`]) and cause (the `close` before a use after close, the
//! failing call of an `EMFILE`, a trend's call and shape) are one finding, the
//! earliest one, whose [`Finding::places`] list every occurrence (line, pid,
//! program). A descriptor leaked by one `openat` into 12 `fork`+`execve`s is one
//! `inherited-across-exec` finding with 12 places; one open before the log
//! (creation line 0) is one finding per number, however many programs pass it
//! on. With source locations, findings are grouped by source site: the same
//! kind at the same `file:line` of the finding's call, of the descriptor's
//! creation and of the cause is one finding, whatever the numbers ([`group`]).
//! Descriptors from before the log that no program used are one finding
//! whatever their numbers ([`Finding::fds`] lists them).
//! [`Auditor::finish_each`] gives every occurrence on its own, as the rules
//! above state them.
//!
//! ## Control
//!
//! [`Suppressions`] (`fdkit audit --suppressions FILE`) leave out accepted
//! findings by kind, path pattern, program and source frame ([`suppress`] has
//! the format); [`sarif::sarif`] writes findings as a SARIF 2.1.0 log
//! (`fdkit audit --sarif`).
//!
//! What counts as clean: a program whose every descriptor is close-on-exec or
//! closed before `execve`, that closes what it opens before exiting, and whose
//! `EBADF`s (if any) are probes. Passing 0, 1, 2 is never a finding; neither is
//! a shell's or `subprocess`'s redirection of them.
//!
//! ## Compared with valgrind
//!
//! `valgrind --track-fds=yes` reports, per process at its exit, every descriptor
//! still open, with the stack that created it, or `<inherited from parent>` for
//! those it did not see created (valgrind starts over at each `execve`). The
//! same facts are in [`Auditor::exits`]: each [`HeldFd`] says how it [`Came`] to
//! the process. valgrind's inherited ones are [`Came::Exec`]; its others are
//! [`Came::Own`] (the `open-at-exit` findings) and [`Came::Fork`]: a forked
//! child that exits without `execve` runs its parent's code, and valgrind
//! attributes the parent's descriptors to it with the parent's stacks, where
//! fdkit reports them once, at the parent's exit.
//!
//! ## Not covered
//!
//! Descriptors the replay cannot see being made (the `ioctl`s and `SCM_RIGHTS`
//! cases `fdkit_replay` lists), uses the log does not show (`mmap`ed memory,
//! `poll` sets), and intent: a descriptor inherited on purpose but used only
//! later than the log shows is reported as unused.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod auditor;
mod finding;
mod group;
pub mod sarif;
mod shape;
pub mod suppress;
pub mod symbols;

pub use auditor::{Auditor, Came, ExitRecord, HeldFd, TREND_MIN};
pub use finding::{Detail, Finding, Kind, Place, Severity, Site};
pub use group::group;
pub use shape::shape;
pub use suppress::{SuppressionError, Suppressions};
pub use symbols::Source;

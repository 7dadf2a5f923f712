//! # fdkit-replay: real `strace -f` logs replayed against the fdkit table model
//!
//! Records in, verdicts out: every call a log shows is replayed against
//! [`fdkit::FdTable`]s (Linux's table rules and check orders) and its logged result
//! is compared with the model's: the numbers allocations return, `EBADF`/`EMFILE`/
//! `EINVAL`/`EBUSY` outcomes, `F_GETFD`/`F_GETFL` values, `close`/`close_range`
//! results, and file offsets that follow from the log. Results the table cannot
//! know (`ENOENT`, byte counts) are taken as given. The real kernel is the oracle.
//!
//! ```
//! use fdkit_replay::{Divergence, Replay, Sink};
//!
//! struct Print(Vec<u64>);
//! impl Sink for Print {
//!     fn divergence(&mut self, d: &Divergence) {
//!         self.0.push(d.line);
//!     }
//! }
//!
//! let log = "\
//! 100 openat(AT_FDCWD, \"/tmp/a\", O_RDONLY) = 3
//! 100 dup(3) = 4
//! 100 close(3) = 0
//! 100 fcntl(3, F_GETFD) = 0
//! ";
//! let mut replay = Replay::default();
//! let mut sink = Print(Vec::new());
//! for (i, line) in log.lines().enumerate() {
//!     replay.push_line(i as u64 + 1, line, &mut sink);
//! }
//! replay.finish(&mut sink);
//! assert_eq!(sink.0, [4]); // 3 was closed: F_GETFD must fail with EBADF
//! let s = replay.summary();
//! assert_eq!((s.calls, s.agree, s.differ), (4, 3, 1));
//! ```
//!
//! ## Layers
//!
//! | module | what it does |
//! |---|---|
//! | [`Replay`] (`engine`) | lines → pids → calls; pairs `<unfinished ...>` with `<... resumed>`; tasks, processes, tables |
//! | `orphans` | a new pid's lines held back while several clones are pending, until one returns it |
//! | `syscalls` | syscall name → class; everything irrelevant is dismissed before its arguments are read |
//! | `fast` | lines of dismissed calls recognised by shape, without the full parser |
//! | `calls` | a call's arguments → table operations, process events, offsets and flags |
//! | `op` | one table operation checked against one logged result ([`Predicted`]) |
//! | `lin` | shared tables: the linearizability check for overlapping calls of threads |
//! | `infer` | explaining a disagreement by the unknown starting state ([`Inference`]) |
//! | [`Description`] | what is known about an open file description: link, kind, flags, offset |
//! | [`LogReader`] | a log read in chunks, line by line |
//! | `prep` | a line's pure half: shape, parse, class, decoded arguments, as spans of the line |
//! | `pipeline` | [`Replay::run_threaded`]: the pure half on a second thread, a batch of lines at a time |
//!
//! ## Model
//!
//! Each task (thread) uses one table; threads and `CLONE_FILES` processes share
//! one. `fork`/`clone`/`vfork`/`clone3` copy or share it per the flags text,
//! `unshare(CLONE_FILES)` and `close_range(.., CLOSE_RANGE_UNSHARE)` unshare it,
//! a successful `execve` unshares (a `CLONE_FILES` process) and sweeps
//! close-on-exec (a failed one changes nothing, a non-leader thread's takes over the
//! leader), and the last task to exit closes it. The soft `RLIMIT_NOFILE` is per
//! process, learned from `getrlimit`/`prlimit64` results (default 1024).
//! Descriptions are shared `Arc`s: `dup`, `fork` and `SCM_RIGHTS` transfers (through
//! a `socketpair` the log shows) keep the identity, so offsets move together.
//!
//! Concurrent calls on one table are accepted when *some* order consistent with
//! the log explains every result (see the `lin` module); a bounded search decides,
//! and when the bound is hit the call is *not decided* rather than a divergence.
//!
//! The starting table is 0, 1, 2 (or [`Options::initial_fds`]); more is inferred
//! from evidence and reported. After a divergence the model takes the log's value
//! and marks the numbers involved doubtful, so one error does not cascade.
//!
//! ## Using it
//!
//! - `fdkit check`: feed lines, count, print [`Divergence`]s, [`Inference`]s and the
//!   [`Summary`]. For a log file it uses [`Replay::run_threaded`]: each line's
//!   pure half (splitting, parsing, classifying, decoding the arguments) runs on a
//!   second thread, a batch of lines at a time, while this one replays; the
//!   results are those of [`Replay::push_line`], line for line.
//! - Leak audits: implement [`Sink::event`] (and [`Sink::wants_events`]) to get
//!   [`Event`]s: descriptors created, used, closed (and why), `EBADF`/`EMFILE`,
//!   forks, `execve` with the descriptors the new program inherits, exits with the
//!   descriptors still open.
//! - Tables at a line: feed lines up to it, then [`Replay::tables`].
//!
//! ## Limits of the check
//!
//! - **Concurrency is bounded.** A shared table keeps at most 32 reorderable
//!   calls and a search runs at most 30 000 table operations; past that, the
//!   oldest call's place is fixed and the numbers it shares with overlapping calls
//!   become *doubtful*: disagreements about them are learned, and a search that
//!   fails soon after is *not decided* instead of a divergence. A log of many
//!   threads racing on one table is checked less strictly than a serial one.
//! - **Offsets** are modelled for regular files and memfds only, and given up
//!   (not decided) after `O_APPEND` writes, `SEEK_END`/`SEEK_DATA`/`SEEK_HOLE`,
//!   `getdents`, and calls on one description that overlap in time.
//! - **`F_GETFL`** is predicted for descriptions whose flags the log shows being
//!   set (`open` family, pipes, sockets, `eventfd`, `epoll`, `memfd`); others
//!   are learned from their first `F_GETFL`.
//! - **Access modes** of inherited descriptors are unknown until calls show
//!   them, so `EBADF` from a `read` on one is not decided.
//! - **Starting-state inference** is by evidence only: a higher allocation with
//!   unknown numbers below it is explained as inherited descriptors, but only
//!   *provisionally*: each such number must be used successfully by a later line
//!   (the inference then names that line, [`Inference::confirmed_by`]), else it
//!   is reported as *unconfirmed* when the log ends ([`Inference::unconfirmed`];
//!   `fdkit check` exits 3, not 0). A use of an
//!   unknown number is an inference at once; a number an earlier line pinned
//!   down is never inferred. A number skipped while other calls on the table are
//!   pending is learned quietly (a blocked `accept4` holds its number unseen).
//!   `--initial-fds` turns inference off.
//! - **Elided values** (`strace -s 0`, `-s N`: `pipe2([...], 0) = 0`,
//!   `cmsg_data=[...]`) are unknown, never guessed: the new descriptors are
//!   placed where a lone caller's would go, but those numbers are *doubtful*
//!   (what later calls show is learned, never reported), and a failed `sendmsg`
//!   whose passed numbers are elided is not decided.
//! - **`ioctl`**: `TIOCGPTPEER` creates a descriptor (drivers/tty/pty.c); any
//!   other `ioctl` returning a positive value makes that number doubtful, since
//!   it may be a new descriptor (KVM, DRM, `NS_GET_*`).
//!
//! - **Errno sets** come from [`fdkit::catalog`]: an errno outside a call's set,
//!   or `EBADF` with no descriptor argument looked up, is a divergence. The sets
//!   are what Linux's own code and in-tree file systems return; a seccomp filter
//!   returning an arbitrary errno (other than `ENOSYS`, always accepted) or a FUSE
//!   server returning one Linux never would from `flush` or `lookup` is outside
//!   the model and is reported.
//!
//! ## Not modelled
//!
//! File systems (paths are link text, `ENOENT` is taken as given), descriptors
//! created by `ioctl`s other than `TIOCGPTPEER` (KVM, DRM...: their numbers
//! are only made doubtful), `SCM_RIGHTS` over sockets
//! connected by `connect`/`accept` (received descriptions start unknown; over a
//! `socketpair` the log shows, they are the sender's), `poll`/`select` sets, `bpf`,
//! `seccomp` user notification, `kcmp`, `-ff` per-process files (replay each), and
//! the current directory (relative paths stay relative in link texts).

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod calls;
mod desc;
mod engine;
mod fast;
mod flags;
mod infer;
mod lin;
mod op;
mod orphans;
mod pipeline;
mod prep;
mod reader;
mod report;
mod syscalls;

pub use desc::{Description, Kind, Origin, Status};
pub use engine::{Options, Replay};
pub use reader::{LogReader, MAX_LINE};
pub use report::{
    CloseCause, Divergence, Event, Fact, FdView, Inference, InputError, Note, Predicted,
    ProcessTable, Sink, Summary,
};

impl Replay {
    /// Replays a whole log from `reader` (in chunks; memory stays bounded), calling
    /// `progress` with the bytes read so far after each chunk, then
    /// [`Replay::finish`].
    ///
    /// # Errors
    /// The first read error.
    pub fn run<R: std::io::Read>(
        &mut self,
        reader: R,
        sink: &mut dyn Sink,
        progress: impl FnMut(u64),
    ) -> std::io::Result<()> {
        let mut r = LogReader::new(reader);
        r.try_for_each_text_line(
            |n, line| {
                match line {
                    Ok(text) => self.push_text(n, text, sink),
                    Err(bytes) => self.push_bytes(n, bytes, sink),
                }
                Ok(())
            },
            progress,
        )?;
        self.finish(sink);
        Ok(())
    }
}

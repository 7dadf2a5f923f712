//! # fdkit: the POSIX file-descriptor system, modelled exactly like Linux
//!
//! An embeddable model of the per-process descriptor system of Linux (x86-64, 6.x):
//! descriptor tables, open file descriptions, and the calls that move between them
//! (`dup`, `dup2`, `dup3`, `fcntl`, `close_range`, `fork`, `execve` ...), with Linux's
//! check order and errno for every call. Emulators, sandboxes, network simulators,
//! userspace kernels and WASM runtimes can use it instead of writing their own table.
//!
//! ```
//! use fdkit::{OFlags, System};
//!
//! let sys = System::new();
//! let pid = sys.spawn()?;                 // 0, 1, 2 open on a terminal
//! let t = sys.task(pid)?;
//! let a = t.open("/tmp/a", OFlags::RDWR | OFlags::CREAT, 0o644)?;
//! assert_eq!(a.get(), 3);                 // the lowest free number
//! assert_eq!(t.dup(a)?.get(), 4);         // same open file description
//! print!("{}", t.fd_listing()?);          // like `ls -l /proc/PID/fd`
//! # Ok::<(), fdkit::Errno>(())
//! ```
//!
//! ## Layers
//!
//! | layer | type | Linux | what lives there |
//! |---|---|---|---|
//! | descriptor table | [`FdTable`] | `files_struct` | numbers, close-on-exec, reservations, lowest-free |
//! | open file description | [`OpenFileDescription`] | `struct file` | access mode, status flags, offset |
//! | object | [`FileObject`] | inode + `file_operations` | files, pipes, sockets, devices, yours |
//! | process, thread | [`Task`], [`Pid`] | `task_struct`, `signal_struct` | rlimits, which table a thread uses |
//! | system | [`System`] | the kernel | processes, filesystem, `nr_open` |
//!
//! - [`FdTable`] is usable on its own, generic over the entry type, for embedders
//!   that keep their own file objects: it owns every table rule (lowest free number,
//!   `dup2`/`dup3`/`F_DUPFD` check order, limits, reservations, copy-on-write fork,
//!   the exec sweep).
//! - [`System`] adds processes, threads, the filesystem and the objects; its
//!   [`Task`] handles carry one method per system call ([`syscall`]).
//! - [`python`] expresses Python's `os.dup`/`os.dup2`/inheritable rules as those
//!   calls.
//! - [`procfs`] renders a table as `/proc/PID/fd` shows it.
//!
//! ## `no_std`
//!
//! The default feature `std` adds everything above the table: objects, open file
//! descriptions, processes, threads, `System`. Without it
//! (`default-features = false`) the crate is `#![no_std]` + `alloc`, for kernels and
//! library OSes: [`FdTable`] with per-descriptor data ([`FdData`]) and owner tags
//! ([`OwnerTag`]), [`Limits`], [`CloseRange`], [`Fd`], [`Errno`], the flags and the
//! [`catalog`]. The C ABI is the crate `fdkit-c`.
//!
//! ## Rules worth knowing
//!
//! - Close-on-exec belongs to the descriptor; offset and status flags (`O_APPEND`,
//!   `O_NONBLOCK` ...) belong to the description, shared by every duplicate.
//! - The soft `RLIMIT_NOFILE` belongs to the calling *process* and is read on every
//!   call; `nr_open` caps table growth. Allocation fails with `EMFILE`, placement
//!   (`dup2`/`dup3`) with `EBADF`, an `F_DUPFD` minimum at the limit with `EINVAL`.
//! - The last close of a description happens when no table in any process refers to
//!   it any more, after every lock is dropped; [`System::set_release_hook`] observes it.
//!
//! ## Not modelled
//!
//! `ENOMEM` and `ENFILE`; POSIX record locks, OFD locks and leases (`fcntl` returns
//! `ENOSYS`); signals other than as an interrupt ([`System::interrupt`]: `EINTR`) —
//! in particular `SIGPIPE` is not delivered, writes just fail with `EPIPE`; program
//! images (`execve` always succeeds); symbolic and hard links, ownership and
//! timestamps in the filesystem; `SCM_RIGHTS`, `shutdown` and addresses on sockets;
//! `O_TMPFILE`; pipe capacity accounted in pages (bytes are counted).

#![cfg_attr(not(feature = "std"), no_std)]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

extern crate alloc;
#[cfg(test)]
extern crate std;

// The table layer: `core` + `alloc` only, so it builds with `#![no_std]`.
pub mod catalog;
pub mod errno;
pub mod fd;
pub mod flags;
pub mod owner;
pub mod table;

// Processes, threads, objects and the system: they need `std` (locks, condition
// variables, the clock), behind the default feature `std`.
#[cfg(feature = "std")]
pub mod object;
#[cfg(feature = "std")]
pub mod ofd;
#[cfg(feature = "std")]
pub mod process;
#[cfg(feature = "std")]
pub mod procfs;
#[cfg(feature = "std")]
pub mod python;
#[cfg(feature = "std")]
mod sync;
#[cfg(feature = "std")]
pub mod syscall;
#[cfg(feature = "std")]
pub mod system;
#[cfg(feature = "std")]
mod wait;

pub use errno::{Errno, Result};
pub use fd::Fd;
pub use flags::{
    AccessMode, CloneFlags, CloseRangeFlags, DupFlags, EventFdFlags, FdFlags, OFlags, SockFlags,
    Whence,
};
#[cfg(feature = "std")]
pub use object::{FileKind, FileObject, Stat};
#[cfg(feature = "std")]
pub use ofd::{OpenFileDescription, Released};
pub use owner::{OwnerTag, TagError};
#[cfg(feature = "std")]
pub use process::{ExitStatus, Pid, RLimit};
#[cfg(feature = "std")]
pub use procfs::{FdInfo, FdListing};
#[cfg(feature = "std")]
pub use system::{Config, System, Task};
pub use table::{CloseRange, DataRule, FdData, FdTable, Limits};
#[cfg(feature = "std")]
pub use wait::{Interrupt, Wake};

/// The README's Rust code blocks, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;

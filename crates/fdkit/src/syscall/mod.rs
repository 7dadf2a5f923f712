//! The system-call surface: methods of [`Task`](crate::Task), a file per family.
//!
//! | family | calls |
//! |---|---|
//! | [`fd`] | `dup`, `dup2`, `dup3`, `close`, `close_range`, `fcntl`, `ioctl` (FIOCLEX ...) |
//! | [`open`] | `open`, `openat`, `creat`, `mkdir`, `unlink`, `rmdir`, `rename`, `chdir`, `fstat` |
//! | [`io`] | `read`, `write`, `pread64`, `pwrite64`, `lseek` |
//! | [`ipc`] | `pipe`, `pipe2`, `socketpair`, `eventfd`, `eventfd2` |
//! | [`rlimit`] | `getrlimit`, `setrlimit`, `prlimit64`, `getdtablesize` |
//! | process calls | `fork`, `vfork`, `clone`, `unshare`, `execve`, `exit`, `exit_group`, `wait4`: in [`crate::system`] |
//!
//! [`Call`] is the same surface as data, for replaying logs and running one call list
//! on the model and on the host.
//!
//! Every call returns [`Result`](crate::Result) with Linux's errno; each function's
//! `# Errors` section lists them in the order Linux checks them.

pub mod call;
pub mod fd;
pub mod io;
pub mod ipc;
pub mod open;
pub mod rlimit;

pub use call::{Call, Value};

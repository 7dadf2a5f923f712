//! Python's descriptor semantics (PEP 446), as CPython 3.x implements them on Linux,
//! expressed as the system calls CPython makes. Python programs are a main source of
//! descriptor traffic; these helpers let a model run them call for call.
//!
//! - Every descriptor Python creates is non-inheritable (close-on-exec), except the
//!   target of `os.dup2(fd, fd2)` with the default `inheritable=True`.
//! - `os.dup(fd)` is `fcntl(fd, F_DUPFD_CLOEXEC, 0)`.
//! - `os.dup2(fd, fd2, inheritable=True)` is `dup2`; with `inheritable=False` it is
//!   `dup3(fd, fd2, O_CLOEXEC)`, so `os.dup2(fd, fd, inheritable=False)` fails with
//!   `EINVAL` while `os.dup2(fd, fd)` is a no-op.
//! - `os.set_inheritable` uses `ioctl(FIONCLEX/FIOCLEX)`, falling back to
//!   `F_GETFD`/`F_SETFD` when the ioctl fails with `EBADF` (an `O_PATH` descriptor);
//!   `os.set_blocking` uses `ioctl(FIONBIO)`, `os.get_blocking` `F_GETFL`.

use crate::errno::{Errno, Result};
use crate::fd::Fd;
use crate::flags::{DupFlags, FdFlags, OFlags};
use crate::syscall::fd::{FIOCLEX, FIONBIO, FIONCLEX};
use crate::system::Task;

/// `os.open(path, flags, mode)`: `open` with `O_CLOEXEC` added.
///
/// # Errors
/// As [`Task::open`].
pub fn open(task: &Task, path: &str, flags: OFlags, mode: u32) -> Result<Fd> {
    task.open(path, flags | OFlags::CLOEXEC, mode)
}

/// `os.pipe()`: `pipe2(O_CLOEXEC)`.
///
/// # Errors
/// As [`Task::pipe2`].
pub fn pipe(task: &Task) -> Result<[Fd; 2]> {
    task.pipe2(OFlags::CLOEXEC)
}

/// `os.dup(fd)`: `fcntl(fd, F_DUPFD_CLOEXEC, 0)`; the copy is non-inheritable.
///
/// # Errors
/// `EBADF`, `EMFILE`.
pub fn dup(task: &Task, fd: impl Into<Fd>) -> Result<Fd> {
    task.fcntl_dupfd_cloexec(fd, 0)
}

/// `os.dup2(fd, fd2, inheritable)`; returns `fd2`.
///
/// # Errors
/// As [`Task::dup2`] or [`Task::dup3`].
pub fn dup2(task: &Task, fd: impl Into<Fd>, fd2: impl Into<Fd>, inheritable: bool) -> Result<Fd> {
    if inheritable {
        task.dup2(fd, fd2)
    } else {
        task.dup3(fd, fd2, DupFlags::CLOEXEC)
    }
}

/// `os.get_inheritable(fd)`: close-on-exec clear.
///
/// # Errors
/// `EBADF`.
pub fn get_inheritable(task: &Task, fd: impl Into<Fd>) -> Result<bool> {
    Ok(!task.fcntl_getfd(fd)?.contains(FdFlags::CLOEXEC))
}

/// `os.set_inheritable(fd, inheritable)`.
///
/// # Errors
/// `EBADF`.
pub fn set_inheritable(task: &Task, fd: impl Into<Fd>, inheritable: bool) -> Result<()> {
    let fd = fd.into();
    let request = if inheritable { FIONCLEX } else { FIOCLEX };
    match task.ioctl(fd, request, 0) {
        Ok(_) => Ok(()),
        Err(e) if e == Errno::BADF => {
            let flags = task.fcntl_getfd(fd)?;
            let mut new = flags;
            new.set(FdFlags::CLOEXEC, !inheritable);
            if new != flags {
                task.fcntl_setfd(fd, new)?;
            }
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// `os.get_blocking(fd)`: `O_NONBLOCK` clear.
///
/// # Errors
/// `EBADF`.
pub fn get_blocking(task: &Task, fd: impl Into<Fd>) -> Result<bool> {
    Ok(!task.fcntl_getfl(fd)?.contains(OFlags::NONBLOCK))
}

/// `os.set_blocking(fd, blocking)`: `ioctl(fd, FIONBIO, &!blocking)`, as CPython does
/// on Linux.
///
/// # Errors
/// `EBADF` (also for `O_PATH` descriptors: `ioctl` refuses them).
pub fn set_blocking(task: &Task, fd: impl Into<Fd>, blocking: bool) -> Result<()> {
    task.ioctl(fd, FIONBIO, u64::from(!blocking)).map(|_| ())
}

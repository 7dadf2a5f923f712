//! One [`Call`] on the real kernel, in the helper: raw arguments in, the kernel's
//! result out. Process calls (`fork`, `clone`, `execve`, `exit`) are the serving
//! loop's business ([`crate::helper`]); everything else is here.

use crate::sys::{self, PathCall};
use crate::table::{self, Table};
use fdkit::catalog::flagset as fs;
use fdkit::syscall::{Call, Value};
use fdkit::{Errno, Fd};
use std::ffi::CString;

/// What the helper answers for a call it does not perform.
pub(crate) type Unsupported = String;

fn path(p: &str) -> Result<CString, Unsupported> {
    CString::new(p).map_err(|_| format!("path {p:?} holds a NUL byte"))
}

fn int(r: Result<i64, Errno>) -> Result<Value, Errno> {
    r.map(Value::Int)
}

fn pair(r: Result<[i32; 2], Errno>) -> Result<Value, Errno> {
    r.map(|[a, b]| Value::Pair([Fd::from_raw(a), Fd::from_raw(b)]))
}

fn buffer(count: usize, room: usize) -> Result<Vec<u8>, Unsupported> {
    if count > room {
        return Err(format!(
            "a read of {count} bytes does not fit the {room}-byte mailbox"
        ));
    }
    Ok(vec![0; count])
}

fn bytes(mut buf: Vec<u8>, r: Result<i64, Errno>) -> Result<Value, Errno> {
    let n = r?;
    buf.truncate(n as usize);
    Ok(Value::Bytes(buf))
}

/// Runs `call`; `room` is the most bytes a read may return through the mailbox.
///
/// # Errors
/// The call's text when the executor does not perform it: process calls, pointer
/// `fcntl` commands, `ioctl`s other than `FIOCLEX`/`FIONCLEX`/`FIONBIO`/`FIOASYNC`,
/// `unshare` of anything but files, fs and SysV semaphores, paths with NUL bytes.
pub(crate) fn perform(call: &Call, room: usize) -> Result<Result<Value, Errno>, Unsupported> {
    use Call::*;
    let unsupported = || Err(format!("{} is not run by the host executor", call.name()));
    Ok(match call {
        Open {
            path: p,
            flags,
            mode,
        } => int(sys::open(&path(p)?, *flags, *mode)),
        Openat {
            dirfd,
            path: p,
            flags,
            mode,
        } => int(sys::openat(*dirfd, &path(p)?, *flags, *mode)),
        Creat { path: p, mode } => int(sys::creat(&path(p)?, *mode)),
        Close { fd } => int(sys::close(*fd)),
        CloseRange { first, last, flags } => int(sys::close_range(*first, *last, *flags)),
        Dup { fd } => int(sys::dup(*fd)),
        Dup2 { old, new } => int(sys::dup2(*old, *new)),
        Dup3 { old, new, flags } => int(sys::dup3(*old, *new, *flags)),
        Fcntl { fd, cmd, arg } => match sys::fcntl_int(*fd, *cmd, *arg) {
            Some(r) => int(r),
            None => return Err(format!("fcntl command {cmd} takes a pointer")),
        },
        Ioctl { fd, request, arg } => match sys::ioctl_int(*fd, *request, *arg as i32) {
            Some(r) => int(r),
            None => return Err(format!("ioctl request {request:#x} is not run")),
        },
        Read { fd, count } => {
            let mut buf = buffer(*count, room)?;
            let r = sys::read(*fd, &mut buf);
            bytes(buf, r)
        }
        Write { fd, data } => int(sys::write(*fd, data)),
        Pread { fd, count, offset } => {
            let mut buf = buffer(*count, room)?;
            let r = sys::pread(*fd, &mut buf, *offset);
            bytes(buf, r)
        }
        Pwrite { fd, data, offset } => int(sys::pwrite(*fd, data, *offset)),
        Lseek { fd, offset, whence } => int(sys::lseek(*fd, *offset, *whence)),
        Pipe => pair(sys::pipe(None)),
        Pipe2 { flags } => pair(sys::pipe(Some(*flags))),
        Socketpair {
            domain,
            ty,
            protocol,
        } => pair(sys::socketpair(*domain, *ty, *protocol)),
        Eventfd2 { initval, flags } => int(sys::eventfd2(*initval, *flags)),
        Getrlimit { resource } => sys::getrlimit(*resource).map(Value::Limit),
        Setrlimit { resource, limit } => int(sys::setrlimit(*resource, *limit)),
        Prlimit { pid, resource, new } => sys::prlimit(*pid, *resource, *new).map(Value::Limit),
        Unshare { flags } => {
            // CLONE_FS | CLONE_FILES | CLONE_SYSVSEM: nothing that changes namespaces.
            if flags & !(fs::CLONE_FS | fs::CLONE_FILES | fs::CLONE_SYSVSEM) != 0 {
                return Err(format!("unshare({flags:#x}) is not run"));
            }
            int(sys::unshare(*flags))
        }
        Wait4 { pid, nohang } => sys::wait4(*pid, *nohang)
            .map(|child| Value::Child(child.map(|(pid, status)| (fdkit::Pid::new(pid), status)))),
        Mkdir { path: p, mode } => int(sys::mkdir(&path(p)?, *mode)),
        Unlink { path: p } => int(sys::path_call(PathCall::Unlink, &path(p)?)),
        Rmdir { path: p } => int(sys::path_call(PathCall::Rmdir, &path(p)?)),
        Rename { old, new } => int(sys::rename(&path(old)?, &path(new)?)),
        Chdir { path: p } => int(sys::path_call(PathCall::Chdir, &path(p)?)),
        Fstat { fd } => sys::fstat(*fd).map(Value::Stat),
        Fork | Vfork | Clone { .. } | Execve { .. } | Exit { .. } | ExitGroup { .. } => {
            return unsupported()
        }
    })
}

/// This process's table, probed on the kernel ([`table::probe`]); links are read
/// from `/proc/self/fd`, which needs no descriptor.
pub(crate) fn own_table(candidates: &[u32]) -> Table {
    table::probe(
        candidates,
        |fd, cmd, arg| sys::fcntl_int(fd, cmd, arg).unwrap_or(Err(Errno::INVAL)),
        |fd| sys::lseek(fd, 0, 1),
        |fd| match rustix::fs::readlink(format!("/proc/self/fd/{fd}"), Vec::new()) {
            Ok(link) => link.to_string_lossy().into_owned(),
            Err(e) => format!("? ({e})"),
        },
    )
}

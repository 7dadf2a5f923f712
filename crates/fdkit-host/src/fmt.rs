//! Text forms of calls and results: strace lines for diffs, printed by the one
//! strace printer ([`fdkit_scenario::print`], whose flag names come from
//! [`fdkit::catalog::flagset`]), and Rust literals for regression tests.

use fdkit::syscall::{Call, Value};
use fdkit::{Errno, RLimit};
use fdkit_scenario::print;

/// Open flags as strace prints them (`F_GETFL`'s `flags O_RDWR|O_LARGEFILE`):
/// the access mode, then the flags.
pub(crate) fn open_flags_text(flags: u32) -> String {
    print::open_flags(flags)
}

/// A call as strace prints it, without the result: `dup2(3, 1023)`. Buffers the
/// call fills print as the address strace would show ([`print::ADDRESS`]).
pub fn call_text(call: &Call) -> String {
    print::call_text(call, &[], None)
}

/// A result as strace prints it after `=`: `3`, `-1 EBADF (Bad file descriptor)`,
/// with what the call filled in (`[3, 4]`, the bytes read ...) after it.
pub fn result_text(result: &Result<Value, Errno>) -> String {
    print::result_text(None, result)
}

/// A successful value as [`result_text`] prints it.
pub fn value_text(value: &Value) -> String {
    print::result_text(None, &Ok(value.clone()))
}

fn rust_limit(l: &RLimit) -> String {
    let v = |n: u64| {
        if n == u64::MAX {
            "u64::MAX".to_string()
        } else {
            n.to_string()
        }
    };
    format!("RLimit {{ cur: {}, max: {} }}", v(l.cur), v(l.max))
}

/// A call as a Rust expression (`Call::Dup2 { old: 3, new: 1023 }`), for regression
/// tests; it assumes `fdkit::syscall::Call` and `fdkit::RLimit` are in scope.
pub fn rust_call(call: &Call) -> String {
    use Call::*;
    let s = |p: &str| format!("{p:?}.into()");
    match call {
        Open { path, flags, mode } => format!(
            "Call::Open {{ path: {}, flags: {flags:#o}, mode: {mode:#o} }}",
            s(path)
        ),
        Openat {
            dirfd,
            path,
            flags,
            mode,
        } => format!(
            "Call::Openat {{ dirfd: {dirfd}, path: {}, flags: {flags:#o}, mode: {mode:#o} }}",
            s(path)
        ),
        Creat { path, mode } => format!("Call::Creat {{ path: {}, mode: {mode:#o} }}", s(path)),
        Close { fd } => format!("Call::Close {{ fd: {fd} }}"),
        CloseRange { first, last, flags } => {
            format!("Call::CloseRange {{ first: {first}, last: {last}, flags: {flags} }}")
        }
        Dup { fd } => format!("Call::Dup {{ fd: {fd} }}"),
        Dup2 { old, new } => format!("Call::Dup2 {{ old: {old}, new: {new} }}"),
        Dup3 { old, new, flags } => {
            format!("Call::Dup3 {{ old: {old}, new: {new}, flags: {flags:#o} }}")
        }
        Fcntl { fd, cmd, arg } => format!("Call::Fcntl {{ fd: {fd}, cmd: {cmd}, arg: {arg:#x} }}"),
        Ioctl { fd, request, arg } => {
            format!("Call::Ioctl {{ fd: {fd}, request: {request:#x}, arg: {arg} }}")
        }
        Read { fd, count } => format!("Call::Read {{ fd: {fd}, count: {count} }}"),
        Write { fd, data } => format!("Call::Write {{ fd: {fd}, data: vec!{data:?} }}"),
        Pread { fd, count, offset } => {
            format!("Call::Pread {{ fd: {fd}, count: {count}, offset: {offset} }}")
        }
        Pwrite { fd, data, offset } => {
            format!("Call::Pwrite {{ fd: {fd}, data: vec!{data:?}, offset: {offset} }}")
        }
        Lseek { fd, offset, whence } => {
            format!("Call::Lseek {{ fd: {fd}, offset: {offset}, whence: {whence} }}")
        }
        Pipe => "Call::Pipe".to_string(),
        Pipe2 { flags } => format!("Call::Pipe2 {{ flags: {flags:#o} }}"),
        Socketpair {
            domain,
            ty,
            protocol,
        } => format!("Call::Socketpair {{ domain: {domain}, ty: {ty:#o}, protocol: {protocol} }}"),
        Eventfd2 { initval, flags } => {
            format!("Call::Eventfd2 {{ initval: {initval}, flags: {flags:#o} }}")
        }
        Getrlimit { resource } => format!("Call::Getrlimit {{ resource: {resource} }}"),
        Setrlimit { resource, limit } => format!(
            "Call::Setrlimit {{ resource: {resource}, limit: {} }}",
            rust_limit(limit)
        ),
        Prlimit { pid, resource, new } => format!(
            "Call::Prlimit {{ pid: {pid}, resource: {resource}, new: {} }}",
            new.as_ref()
                .map_or("None".to_string(), |l| format!("Some({})", rust_limit(l)))
        ),
        Fork => "Call::Fork".to_string(),
        Vfork => "Call::Vfork".to_string(),
        Clone { flags } => format!("Call::Clone {{ flags: {flags:#x} }}"),
        Unshare { flags } => format!("Call::Unshare {{ flags: {flags:#x} }}"),
        Execve { path } => format!("Call::Execve {{ path: {} }}", s(path)),
        Exit { status } => format!("Call::Exit {{ status: {status} }}"),
        ExitGroup { status } => format!("Call::ExitGroup {{ status: {status} }}"),
        Wait4 { pid, nohang } => format!("Call::Wait4 {{ pid: {pid}, nohang: {nohang} }}"),
        Mkdir { path, mode } => format!("Call::Mkdir {{ path: {}, mode: {mode:#o} }}", s(path)),
        Unlink { path } => format!("Call::Unlink {{ path: {} }}", s(path)),
        Rmdir { path } => format!("Call::Rmdir {{ path: {} }}", s(path)),
        Rename { old, new } => format!("Call::Rename {{ old: {}, new: {} }}", s(old), s(new)),
        Chdir { path } => format!("Call::Chdir {{ path: {} }}", s(path)),
        Fstat { fd } => format!("Call::Fstat {{ fd: {fd} }}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_flags_read_like_strace() {
        assert_eq!(open_flags_text(0o2000102), "O_RDWR|O_CREAT|O_CLOEXEC");
        assert_eq!(open_flags_text(0), "O_RDONLY");
        assert_eq!(open_flags_text(0o1 | 0x8000_0000), "O_WRONLY|0x80000000");
        assert_eq!(open_flags_text(0o4030002), "O_RDWR|O_SYNC|FASYNC");
    }

    #[test]
    fn calls_read_like_strace() {
        assert_eq!(call_text(&Call::Dup2 { old: 3, new: -1 }), "dup2(3, -1)");
        assert_eq!(
            call_text(&Call::Fcntl {
                fd: 3,
                cmd: 1030,
                arg: 10
            }),
            "fcntl(3, F_DUPFD_CLOEXEC, 10)"
        );
        assert_eq!(
            call_text(&Call::CloseRange {
                first: 3,
                last: u32::MAX,
                flags: 6
            }),
            "close_range(3, 4294967295, CLOSE_RANGE_UNSHARE|CLOSE_RANGE_CLOEXEC)"
        );
        assert_eq!(
            result_text(&Err(Errno::BADF)),
            "-1 EBADF (Bad file descriptor)"
        );
    }
}

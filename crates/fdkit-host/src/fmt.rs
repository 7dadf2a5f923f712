//! Text forms of calls and results: strace-like lines for diffs, and Rust literals for
//! regression tests.

use fdkit::syscall::{Call, Value};
use fdkit::{Errno, ExitStatus, RLimit};

const OPEN_FLAGS: &[(u32, &str)] = &[
    (0o100, "O_CREAT"),
    (0o200, "O_EXCL"),
    (0o400, "O_NOCTTY"),
    (0o1000, "O_TRUNC"),
    (0o2000, "O_APPEND"),
    (0o4000, "O_NONBLOCK"),
    (0o10000, "O_DSYNC"),
    (0o20000, "O_ASYNC"),
    (0o40000, "O_DIRECT"),
    (0o100000, "O_LARGEFILE"),
    (0o200000, "O_DIRECTORY"),
    (0o400000, "O_NOFOLLOW"),
    (0o1000000, "O_NOATIME"),
    (0o2000000, "O_CLOEXEC"),
    (0o4000000, "__O_SYNC"),
    (0o10000000, "O_PATH"),
    (0o20000000, "__O_TMPFILE"),
];

const SOCK_FLAGS: &[(u32, &str)] = &[(0o4000, "SOCK_NONBLOCK"), (0o2000000, "SOCK_CLOEXEC")];

const CLOSE_RANGE_FLAGS: &[(u32, &str)] = &[(2, "CLOSE_RANGE_UNSHARE"), (4, "CLOSE_RANGE_CLOEXEC")];

const CLONE_FLAGS: &[(u32, &str)] = &[
    (0x100, "CLONE_VM"),
    (0x200, "CLONE_FS"),
    (0x400, "CLONE_FILES"),
    (0x800, "CLONE_SIGHAND"),
    (0x1000, "CLONE_PIDFD"),
    (0x4000, "CLONE_VFORK"),
    (0x10000, "CLONE_THREAD"),
    (0x40000, "CLONE_SYSVSEM"),
];

/// `names` of the bits set in `value`, `|`-joined, with leftover bits in hex; `zero`
/// when nothing is set.
fn flag_text(value: u32, names: &[(u32, &str)], zero: &str) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut rest = value;
    for &(bit, name) in names {
        if value & bit == bit && bit != 0 {
            parts.push(name.to_string());
            rest &= !bit;
        }
    }
    if rest != 0 || parts.is_empty() {
        if rest == 0 {
            return zero.to_string();
        }
        parts.push(format!("{rest:#x}"));
    }
    parts.join("|")
}

/// Open flags as strace prints them: the access mode, then the flags.
pub(crate) fn open_flags_text(flags: u32) -> String {
    let mode = match flags & 3 {
        0 => "O_RDONLY",
        1 => "O_WRONLY",
        2 => "O_RDWR",
        _ => "O_ACCMODE",
    };
    let rest = flags & !3;
    if rest == 0 {
        mode.to_string()
    } else {
        format!("{mode}|{}", flag_text(rest, OPEN_FLAGS, "0"))
    }
}

fn fcntl_cmd_text(cmd: i32) -> String {
    let name = match cmd {
        0 => "F_DUPFD",
        1 => "F_GETFD",
        2 => "F_SETFD",
        3 => "F_GETFL",
        4 => "F_SETFL",
        8 => "F_SETOWN",
        9 => "F_GETOWN",
        10 => "F_SETSIG",
        11 => "F_GETSIG",
        1027 => "F_DUPFD_QUERY",
        1028 => "F_CREATED_QUERY",
        1030 => "F_DUPFD_CLOEXEC",
        1031 => "F_SETPIPE_SZ",
        1032 => "F_GETPIPE_SZ",
        _ => return format!("{cmd:#x} /* F_??? */"),
    };
    name.to_string()
}

fn fcntl_text(fd: i32, cmd: i32, arg: u64) -> String {
    let name = fcntl_cmd_text(cmd);
    match cmd {
        1 | 3 | 9 | 11 | 1032 => format!("fcntl({fd}, {name})"),
        2 if arg == 1 => format!("fcntl({fd}, {name}, FD_CLOEXEC)"),
        4 => format!(
            "fcntl({fd}, {name}, {})",
            open_flags_text(arg as u32).replace("O_RDONLY|", "")
        ),
        _ if arg > u64::from(u32::MAX) || cmd == 2 => format!("fcntl({fd}, {name}, {arg:#x})"),
        _ => format!("fcntl({fd}, {name}, {arg})"),
    }
}

fn dirfd_text(dirfd: i32) -> String {
    if dirfd == -100 {
        "AT_FDCWD".to_string()
    } else {
        dirfd.to_string()
    }
}

fn rlimit_value(v: u64) -> String {
    if v == u64::MAX {
        "RLIM64_INFINITY".to_string()
    } else {
        v.to_string()
    }
}

fn rlimit_text(l: &RLimit) -> String {
    format!(
        "{{rlim_cur={}, rlim_max={}}}",
        rlimit_value(l.cur),
        rlimit_value(l.max)
    )
}

fn resource_text(resource: u32) -> String {
    if resource == 7 {
        "RLIMIT_NOFILE".to_string()
    } else {
        format!("{resource} /* RLIMIT_??? */")
    }
}

/// Bytes as strace shows a buffer: a C string literal with escapes.
pub(crate) fn bytes_text(data: &[u8]) -> String {
    let mut out = String::from("\"");
    for &b in data.iter().take(32) {
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push('"');
    if data.len() > 32 {
        out.push_str("...");
    }
    out
}

/// A call as an strace-like line, without the result: `dup2(3, 1023)`.
pub fn call_text(call: &Call) -> String {
    use Call::*;
    match call {
        Open { path, flags, mode } => {
            format!("open({path:?}, {}, {mode:#o})", open_flags_text(*flags))
        }
        Openat {
            dirfd,
            path,
            flags,
            mode,
        } => format!(
            "openat({}, {path:?}, {}, {mode:#o})",
            dirfd_text(*dirfd),
            open_flags_text(*flags)
        ),
        Creat { path, mode } => format!("creat({path:?}, {mode:#o})"),
        Close { fd } => format!("close({fd})"),
        CloseRange { first, last, flags } => format!(
            "close_range({first}, {last}, {})",
            flag_text(*flags, CLOSE_RANGE_FLAGS, "0")
        ),
        Dup { fd } => format!("dup({fd})"),
        Dup2 { old, new } => format!("dup2({old}, {new})"),
        Dup3 { old, new, flags } => {
            format!("dup3({old}, {new}, {})", flag_text(*flags, OPEN_FLAGS, "0"))
        }
        Fcntl { fd, cmd, arg } => fcntl_text(*fd, *cmd, *arg),
        Ioctl { fd, request, arg } => {
            let name = match *request as u32 {
                0x5451 => "FIOCLEX".to_string(),
                0x5450 => "FIONCLEX".to_string(),
                0x5421 => format!("FIONBIO, [{arg}]"),
                0x5452 => format!("FIOASYNC, [{arg}]"),
                _ => format!("{request:#x}, {arg}"),
            };
            format!("ioctl({fd}, {name})")
        }
        Read { fd, count } => format!("read({fd}, {count})"),
        Write { fd, data } => format!("write({fd}, {}, {})", bytes_text(data), data.len()),
        Pread { fd, count, offset } => format!("pread64({fd}, {count}, {offset})"),
        Pwrite { fd, data, offset } => format!(
            "pwrite64({fd}, {}, {}, {offset})",
            bytes_text(data),
            data.len()
        ),
        Lseek { fd, offset, whence } => {
            let w = match whence {
                0 => "SEEK_SET".to_string(),
                1 => "SEEK_CUR".to_string(),
                2 => "SEEK_END".to_string(),
                3 => "SEEK_DATA".to_string(),
                4 => "SEEK_HOLE".to_string(),
                other => format!("{other:#x} /* SEEK_??? */"),
            };
            format!("lseek({fd}, {offset}, {w})")
        }
        Pipe => "pipe()".to_string(),
        Pipe2 { flags } => format!("pipe2({})", flag_text(*flags, OPEN_FLAGS, "0")),
        Socketpair {
            domain,
            ty,
            protocol,
        } => {
            let d = if *domain == 1 {
                "AF_UNIX".to_string()
            } else {
                domain.to_string()
            };
            let kind = match ty & 0xf {
                1 => "SOCK_STREAM".to_string(),
                2 => "SOCK_DGRAM".to_string(),
                5 => "SOCK_SEQPACKET".to_string(),
                k => k.to_string(),
            };
            let rest = ty & !0xf;
            let t = if rest == 0 {
                kind
            } else {
                format!("{kind}|{}", flag_text(rest, SOCK_FLAGS, "0"))
            };
            format!("socketpair({d}, {t}, {protocol})")
        }
        Eventfd2 { initval, flags } => {
            format!(
                "eventfd2({initval}, {})",
                flag_text(*flags, OPEN_FLAGS, "0")
            )
        }
        Getrlimit { resource } => format!("getrlimit({})", resource_text(*resource)),
        Setrlimit { resource, limit } => format!(
            "setrlimit({}, {})",
            resource_text(*resource),
            rlimit_text(limit)
        ),
        Prlimit { pid, resource, new } => format!(
            "prlimit64({pid}, {}, {})",
            resource_text(*resource),
            new.as_ref().map_or("NULL".to_string(), rlimit_text)
        ),
        Fork => "fork()".to_string(),
        Vfork => "vfork()".to_string(),
        Clone { flags } => {
            let signal = flags & 0xff;
            let mut text = flag_text((*flags & !0xff) as u32, CLONE_FLAGS, "0");
            if signal == 17 {
                text.push_str("|SIGCHLD");
            } else if signal != 0 {
                text.push_str(&format!("|{signal}"));
            }
            format!("clone(flags={text})")
        }
        Unshare { flags } => format!("unshare({})", flag_text(*flags as u32, CLONE_FLAGS, "0")),
        Execve { path } => format!("execve({path:?})"),
        Exit { status } => format!("exit({status})"),
        ExitGroup { status } => format!("exit_group({status})"),
        Wait4 { pid, nohang } => {
            format!("wait4({pid}, {})", if *nohang { "WNOHANG" } else { "0" })
        }
        Mkdir { path, mode } => format!("mkdir({path:?}, {mode:#o})"),
        Unlink { path } => format!("unlink({path:?})"),
        Rmdir { path } => format!("rmdir({path:?})"),
        Rename { old, new } => format!("rename({old:?}, {new:?})"),
        Chdir { path } => format!("chdir({path:?})"),
        Fstat { fd } => format!("fstat({fd})"),
    }
}

/// A result as strace prints it after `=`: `3`, `-1 EBADF (Bad file descriptor)`,
/// with what the call filled in (`[3, 4]`, the bytes read ...) after it.
pub fn result_text(result: &Result<Value, Errno>) -> String {
    match result {
        Err(e) => format!("-1 {e}"),
        Ok(v) => value_text(v),
    }
}

/// A successful value as [`result_text`] prints it.
pub fn value_text(value: &Value) -> String {
    match value {
        Value::Int(n) => n.to_string(),
        Value::Pair([a, b]) => format!("0 [{a}, {b}]"),
        Value::Bytes(b) => format!("{} {}", b.len(), bytes_text(b)),
        Value::Limit(l) => format!("0 {}", rlimit_text(l)),
        Value::Stat(s) => format!("0 {{st_mode={:#o}, st_size={}}}", s.mode, s.size),
        Value::Child(None) => "0".to_string(),
        Value::Child(Some((pid, ExitStatus::Exited(code)))) => {
            format!("{pid} [{{WIFEXITED(s) && WEXITSTATUS(s) == {code}}}]")
        }
        Value::Child(Some((pid, ExitStatus::Killed(sig)))) => {
            format!("{pid} [{{WIFSIGNALED(s) && WTERMSIG(s) == {sig}}}]")
        }
        Value::NoReturn => "?".to_string(),
    }
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

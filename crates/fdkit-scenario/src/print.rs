//! Calls and results → strace text, built as [`fdkit_strace`] values so that
//! strace's own quoting and layout rules (in `fdkit-strace`'s `Display`) apply.
//!
//! What strace decodes, this decodes the same way: flag words by its tables and
//! in its order ([`crate::symbols`]), `fcntl(3, F_GETFL) = 0x8002 (flags
//! O_RDWR|O_LARGEFILE)`, rlimits as `4*1024`, modes as `0644`. Where strace shows
//! a user-space address the model has none, and a fixed one stands in
//! ([`ADDRESS`]). Differences from strace's default output, all kept so that
//! printing round-trips:
//! - strings are never cut at 32 bytes (as with `strace -s 65536`);
//! - `execve`'s environment prints as `[]` (as with `strace -v`), its `argv` as
//!   written (`NULL` when unknown);
//! - an argument strace leaves out because the call ignores it (`open`'s mode
//!   without `O_CREAT`, `fcntl(3, F_GETFD)`'s third argument) is printed when it
//!   is not 0.

use crate::step::{Expected, Out, Ret, Step};
use crate::symbols::{
    self, FlagSet, ADDRESS_FAMILIES, AT_DIRFD, CLONE_FLAGS, CLOSE_RANGE_FLAGS, CSIGNAL, EFD_FLAGS,
    FCNTL_CMDS, FD_FLAGS, FILE_TYPES, IOCTLS, IOC_DIRS, MODE_BITS, OPEN_FLAGS, OPEN_WITH_MODE,
    RESOURCES, RLIM_VALUES, SOCK_TYPES, SOCK_TYPE_FLAGS, SOCK_TYPE_MASK, S_IFMT, UNSHARE_FLAGS,
    WAIT_OPTIONS, WHENCE,
};
use fdkit::catalog::flagset::{self as fs, name};
use fdkit::flags::fcntl_cmd::*;
use fdkit::syscall::{Call, Value as SysValue};
use fdkit::{Errno, ExitStatus, RLimit};
use fdkit_strace::{BinaryOp, Field, Int, Outcome, Radix, Value};
use std::borrow::Cow;

/// The address printed for a buffer the call did not fill (strace prints where
/// the buffer is; the model has no addresses).
pub const ADDRESS: u64 = 0x7ffc_0000;

/// The column strace pads a call to before ` = `.
const RESULT_COLUMN: usize = 40;

/// `[pid   101] `: strace's prefix for a call of another process than the first,
/// when it writes to its standard error.
pub fn pid_prefix(pid: u32) -> String {
    format!("[pid {pid:5}] ")
}

/// One strace line: `prefix` (e.g. [`pid_prefix`]), the call with its output
/// arguments from `shown`, and ` = result` if `shown` has one, padded as strace
/// pads.
pub fn line(prefix: &str, call: &Call, argv: &[String], shown: Option<&Expected>) -> String {
    let out = shown.and_then(|e| e.out.as_ref());
    let head = format!("{prefix}{}", call_text(call, argv, out));
    match shown.and_then(|e| e.ret) {
        None => head,
        Some(r) => {
            let width = RESULT_COLUMN.saturating_sub(1);
            format!("{head:<width$} = {}", ret(call, r))
        }
    }
}

/// The line for `step` with what it expects, prefixed with `[pid N]` when `prefix`
/// is set, with its trailing note.
pub(crate) fn step_line(step: &Step, prefix: Option<u32>) -> String {
    let prefix = prefix.map(pid_prefix).unwrap_or_default();
    let text = line(&prefix, &step.call, &step.argv, step.expected.as_ref());
    with_note(text, step.note.as_deref())
}

/// The column a trailing `# note` starts at, unless the line is longer.
const NOTE_COLUMN: usize = 50;

/// `line` followed by `  # note`, the notes of short lines aligned.
pub fn with_note(line: String, note: Option<&str>) -> String {
    match note {
        None => line,
        Some(note) => {
            let width = NOTE_COLUMN - 2;
            format!("{line:<width$}  # {note}")
        }
    }
}

/// `name(args)` as strace prints the call, with the output argument `out`.
pub fn call_text(call: &Call, argv: &[String], out: Option<&Out>) -> String {
    let args = args(call, argv, out);
    let c = fdkit_strace::Call::new(call.name(), &args);
    format!("{}({})", c.name, c.args)
}

/// A result as strace prints it after ` = `.
pub fn ret(call: &Call, r: Ret) -> Outcome<'static> {
    match r {
        Ret::Value(n) => value_outcome(call, n),
        other => plain_ret(other),
    }
}

/// A result without the call's decoding: a value prints as a plain number.
fn plain_ret(r: Ret) -> Outcome<'static> {
    match r {
        Ret::NoReturn => Outcome::unknown(),
        Ret::Error(e) => match (e.name(), e.message()) {
            (Some(name), Some(msg)) => Outcome::failed(name, msg),
            _ => Outcome::failed(
                format!("E{}", e.raw()),
                format!("Unknown error {}", e.raw()),
            ),
        },
        Ret::Value(n) => Outcome::returned(n),
    }
}

/// What a call gave, as strace shows it: the result after ` = ` then, after a
/// space, what the call filled in (`0 [3, 4]`, `3 "abc"`,
/// `-1 EBADF (Bad file descriptor)`). `call` decodes `fcntl` results
/// (`0x1 (flags FD_CLOEXEC)`); without it the number prints plain.
pub fn result_text(call: Option<&Call>, result: &Result<SysValue, Errno>) -> String {
    let shown = Expected::of(result);
    let mut text = match (shown.ret, call) {
        (Some(r), Some(call)) => ret(call, r).to_string(),
        (Some(r), None) => plain_ret(r).to_string(),
        (None, _) => String::new(),
    };
    if let Some(o) = &shown.out {
        text.push(' ');
        text.push_str(&out(o).to_string());
    }
    text
}

fn value_outcome(call: &Call, n: i64) -> Outcome<'static> {
    let Call::Fcntl { cmd, .. } = call else {
        return Outcome::returned(n);
    };
    if n < 0 {
        return Outcome::returned(n);
    }
    let detail = match *cmd {
        F_GETFD if n != 0 => format!("flags {}", flags(&FD_FLAGS, n as u64)),
        F_GETFL => format!("flags {}", open_modes(n as u64)),
        F_GETSIG if n != 0 => match symbols::signal_name(n as u64) {
            Some(name) => return Outcome::returned_text(n.to_string(), Some(name.into())),
            None => return Outcome::returned(n),
        },
        _ => return Outcome::returned(n),
    };
    Outcome::returned_text(hex(n as u64).to_string(), Some(detail.into()))
}

/// An output argument's value as strace prints it: `[3, 4]`, `"abc"`,
/// `{rlim_cur=1024, rlim_max=4*1024}`.
pub fn out(o: &Out) -> Value<'static> {
    match o {
        Out::Fds([a, b]) => Value::Array(vec![Value::int(*a), Value::int(*b)]),
        Out::Data { bytes, truncated } => {
            let mut v = Value::string(bytes);
            if *truncated {
                if let Value::Str(s) = v {
                    v = Value::Str(fdkit_strace::Str::from_escaped(
                        s.escaped().to_string(),
                        true,
                    ));
                }
            }
            v
        }
        Out::Limit(l) => rlimit(*l),
        Out::Stat { mode, size } => {
            let mut fields = vec![field("st_mode", stat_mode(*mode))];
            if let Some(size) = size {
                fields.push(field("st_size", Value::int(*size)));
            }
            fields.push(Field {
                name: None,
                value: Value::Ellipsis,
            });
            Value::Struct(fields)
        }
        Out::Status(s) => status(*s),
    }
}

fn args(call: &Call, argv: &[String], out: Option<&Out>) -> Vec<Value<'static>> {
    use Call::*;
    let fd = |n: i32| Value::int(n);
    let buf = || out.map_or_else(address, self::out);
    match call {
        Open { path, flags, mode } => open_args(None, path, *flags, *mode),
        Openat {
            dirfd,
            path,
            flags,
            mode,
        } => open_args(Some(*dirfd), path, *flags, *mode),
        Creat { path, mode } => vec![string(path), umode(*mode)],
        Close { fd: f } | Dup { fd: f } => vec![fd(*f)],
        Fstat { fd: f } => vec![fd(*f), buf()],
        CloseRange {
            first,
            last,
            flags: fl,
        } => vec![
            Value::int(*first),
            Value::int(*last),
            flags(&CLOSE_RANGE_FLAGS, u64::from(*fl)),
        ],
        Dup2 { old, new } => vec![fd(*old), fd(*new)],
        Dup3 {
            old,
            new,
            flags: fl,
        } => {
            vec![fd(*old), fd(*new), flags(&OPEN_FLAGS, u64::from(*fl))]
        }
        Fcntl { fd: f, cmd, arg } => fcntl_args(*f, *cmd, *arg),
        Ioctl {
            fd: f,
            request,
            arg,
        } => ioctl_args(*f, *request, *arg),
        Read { fd: f, count } => vec![fd(*f), buf(), Value::int(*count as u64)],
        Write { fd: f, data } => vec![fd(*f), Value::string(data), Value::int(data.len() as u64)],
        Pread {
            fd: f,
            count,
            offset,
        } => {
            vec![
                fd(*f),
                buf(),
                Value::int(*count as u64),
                Value::int(*offset),
            ]
        }
        Pwrite {
            fd: f,
            data,
            offset,
        } => vec![
            fd(*f),
            Value::string(data),
            Value::int(data.len() as u64),
            Value::int(*offset),
        ],
        Lseek {
            fd: f,
            offset,
            whence,
        } => vec![
            fd(*f),
            Value::int(*offset),
            xval(&WHENCE, u64::from(*whence as u32)),
        ],
        Pipe => vec![buf()],
        Pipe2 { flags: fl } => vec![buf(), flags(&OPEN_FLAGS, u64::from(*fl))],
        Socketpair {
            domain,
            ty,
            protocol,
        } => vec![
            xval(&ADDRESS_FAMILIES, u64::from(*domain as u32)),
            socket_type(u64::from(*ty)),
            Value::int(*protocol),
            buf(),
        ],
        Eventfd2 { initval, flags: fl } => {
            vec![Value::int(*initval), flags(&EFD_FLAGS, u64::from(*fl))]
        }
        _ => process_args(call, argv, out),
    }
}

fn process_args(call: &Call, argv: &[String], out: Option<&Out>) -> Vec<Value<'static>> {
    use Call::*;
    let limit_or = |fallback: Value<'static>| match out {
        Some(o @ Out::Limit(_)) => self::out(o),
        _ => fallback,
    };
    match call {
        Getrlimit { resource } => vec![xval(&RESOURCES, u64::from(*resource)), limit_or(address())],
        Setrlimit { resource, limit } => {
            vec![xval(&RESOURCES, u64::from(*resource)), rlimit(*limit)]
        }
        Prlimit { pid, resource, new } => vec![
            Value::int(*pid as i32),
            xval(&RESOURCES, u64::from(*resource)),
            new.map_or(Value::Null, rlimit),
            limit_or(Value::Null),
        ],
        Fork | Vfork => Vec::new(),
        Clone { flags } => vec![
            raw("child_stack=NULL".to_string()),
            raw(format!("flags={}", clone_flags(*flags))),
        ],
        Unshare { flags: fl } => vec![flags(&UNSHARE_FLAGS, *fl)],
        Execve { path } => {
            let argv = if argv.is_empty() {
                Value::Null
            } else {
                Value::Array(argv.iter().map(|a| string(a)).collect())
            };
            vec![string(path), argv, Value::Array(Vec::new())]
        }
        Exit { status } | ExitGroup { status } => vec![Value::int(*status)],
        Wait4 { pid, nohang } => {
            let status = match out {
                Some(o @ Out::Status(_)) => self::out(o),
                _ => address(),
            };
            let options = flags(&WAIT_OPTIONS, if *nohang { fs::WNOHANG } else { 0 });
            vec![Value::int(*pid), status, options, Value::Null]
        }
        Mkdir { path, mode } => vec![string(path), umode(*mode)],
        Unlink { path } | Rmdir { path } | Chdir { path } => vec![string(path)],
        Rename { old, new } => vec![string(old), string(new)],
        _ => Vec::new(),
    }
}

fn open_args(dirfd: Option<i32>, path: &str, fl: u32, mode: u32) -> Vec<Value<'static>> {
    let mut v = Vec::new();
    if let Some(d) = dirfd {
        v.push(match AT_DIRFD.name_of(i64::from(d) as u64) {
            Some(at) => Value::ident(at),
            None => Value::int(d),
        });
    }
    v.push(string(path));
    v.push(open_modes(u64::from(fl)));
    if u64::from(fl) & OPEN_WITH_MODE != 0 || mode != 0 {
        v.push(umode(mode));
    }
    v
}

fn fcntl_args(fd: i32, cmd: i32, arg: u64) -> Vec<Value<'static>> {
    let mut v = vec![Value::int(fd), xval(&FCNTL_CMDS, u64::from(cmd as u32))];
    let third = match cmd {
        F_SETFD => flags(&FD_FLAGS, arg),
        F_SETFL => open_modes(arg),
        F_DUPFD | F_DUPFD_CLOEXEC | F_SETOWN | F_SETPIPE_SZ | F_DUPFD_QUERY => {
            Value::int(arg as i64)
        }
        F_SETSIG => match symbols::signal_name(arg) {
            Some(name) => Value::ident(name),
            None => Value::int(arg as i64),
        },
        F_GETFD | F_GETFL | F_GETOWN | F_GETSIG | F_GETPIPE_SZ | F_GETLEASE | F_GET_SEALS
            if arg == 0 =>
        {
            return v
        }
        _ => hex(arg),
    };
    v.push(third);
    v
}

fn ioctl_args(fd: i32, request: u64, arg: u64) -> Vec<Value<'static>> {
    let name = IOCTLS.name_of(request);
    let req = match name {
        Some(n) => Value::ident(n),
        None if request <= u64::from(u32::MAX) => ioc(request),
        None => hex(request),
    };
    let mut v = vec![Value::int(fd), req];
    match request {
        fs::FIOCLEX | fs::FIONCLEX if arg == 0 => {}
        fs::FIONBIO | fs::FIOASYNC => v.push(Value::Array(vec![Value::int(arg as i64)])),
        _ if name.is_some() && arg == 0 => v.push(Value::Null),
        _ => v.push(hex(arg)),
    }
    v
}

/// `_IOC(_IOC_WRITE, 0x54, 0x21, 0x4)`.
fn ioc(request: u64) -> Value<'static> {
    let dir = request >> 30 & 3;
    let dir = match IOC_DIRS.name_of(dir) {
        Some(n) => Value::ident(n),
        None => Value::Flags(vec![
            Value::ident(name::_IOC_READ),
            Value::ident(name::_IOC_WRITE),
        ]),
    };
    Value::Func {
        name: Cow::Borrowed("_IOC"),
        args: vec![
            dir,
            hex(request >> 8 & 0xff),
            hex(request & 0xff),
            hex(request >> 16 & 0x3fff),
        ],
    }
}

fn socket_type(ty: u64) -> Value<'static> {
    let base = xval(&SOCK_TYPES, ty & SOCK_TYPE_MASK);
    let rest = ty & !SOCK_TYPE_MASK;
    if rest == 0 {
        return base;
    }
    let mut parts = vec![base];
    match flags(&SOCK_TYPE_FLAGS, rest) {
        Value::Flags(more) => parts.extend(more),
        one => parts.push(one),
    }
    Value::Flags(parts)
}

/// `clone`'s flags: the flag names, then `|SIGCHLD` for the exit signal.
fn clone_flags(value: u64) -> Value<'static> {
    let sig = value & CSIGNAL;
    let rest = value & !CSIGNAL;
    let signal = match symbols::signal_name(sig) {
        Some(name) => Value::ident(name),
        None => Value::int(sig),
    };
    if rest == 0 {
        return signal;
    }
    let mut parts = match flags(&CLONE_FLAGS, rest) {
        Value::Flags(v) => v,
        one => vec![one],
    };
    if sig != 0 {
        parts.push(signal);
    }
    one_or_flags(parts)
}

/// `O_RDWR|O_LARGEFILE`: an open flag word as strace prints `F_GETFL`'s result.
pub fn open_flags(flags: u32) -> String {
    open_modes(u64::from(flags)).to_string()
}

/// `O_RDWR|O_CREAT`: the access mode, then the flags (strace `tprint_open_modes`).
pub(crate) fn open_modes(value: u64) -> Value<'static> {
    let (access, names, unknown) = fs::split_open_modes(value);
    let mut parts = vec![Value::ident(access)];
    parts.extend(names.into_iter().map(Value::ident));
    if unknown != 0 {
        parts.push(hex(unknown));
    }
    one_or_flags(parts)
}

/// A flag word (strace `printflags`): known names in table order, the rest in
/// hex; only unknown bits print as `0x8 /* O_??? */`; nothing prints as `0`.
pub(crate) fn flags(x: &FlagSet, value: u64) -> Value<'static> {
    if value == 0 {
        return Value::int(0);
    }
    let (names, unknown) = flag_names(x, value);
    if names.is_empty() {
        return unknown_value(x, unknown);
    }
    let mut parts: Vec<Value<'static>> = names.into_iter().map(Value::ident).collect();
    if unknown != 0 {
        parts.push(hex(unknown));
    }
    one_or_flags(parts)
}

fn flag_names(x: &FlagSet, value: u64) -> (Vec<&'static str>, u64) {
    x.split(value)
}

/// A value from a table (strace `printxval`): its name, or `0x63 /* RLIMIT_??? */`.
fn xval(x: &FlagSet, value: u64) -> Value<'static> {
    match x.name_of(value) {
        Some(name) => Value::ident(name),
        None => unknown_value(x, value),
    }
}

fn unknown_value(x: &FlagSet, value: u64) -> Value<'static> {
    Value::Commented {
        value: Box::new(hex(value)),
        comment: Cow::Owned(format!("{}???", x.unknown)),
    }
}

fn one_or_flags(mut parts: Vec<Value<'static>>) -> Value<'static> {
    if parts.len() == 1 {
        parts.remove(0)
    } else {
        Value::Flags(parts)
    }
}

/// `%#x`: `0` for zero, else `0x1f`.
fn hex(v: u64) -> Value<'static> {
    let radix = if v == 0 { Radix::Dec } else { Radix::Hex };
    Value::Int(Int {
        value: i128::from(v),
        radix,
    })
}

/// A file mode as `%#03o`: `0644`, `000`.
fn umode(mode: u32) -> Value<'static> {
    if mode == 0 {
        return raw("000".to_string());
    }
    Value::Int(Int {
        value: i128::from(mode),
        radix: Radix::Oct,
    })
}

/// `S_IFREG|0644`, `S_IFDIR|S_ISVTX|0777`, `0600` (no type).
fn stat_mode(mode: u32) -> Value<'static> {
    let mode = u64::from(mode);
    let mut parts = Vec::new();
    if mode & S_IFMT != 0 {
        parts.push(xval(&FILE_TYPES, mode & S_IFMT));
    }
    let (names, _) = flag_names(&MODE_BITS, mode & 0o7000);
    parts.extend(names.into_iter().map(Value::ident));
    parts.push(umode((mode & 0o777) as u32));
    one_or_flags(parts)
}

/// `{rlim_cur=1024, rlim_max=4*1024}` (strace `print_rlim64_t`).
fn rlimit(l: RLimit) -> Value<'static> {
    let one = |n: u64| {
        if let Some(named) = RLIM_VALUES.name_of(n) {
            Value::ident(named)
        } else if n > 1024 && n % 1024 == 0 {
            Value::Binary {
                op: BinaryOp::Mul,
                lhs: Box::new(Value::int(n / 1024)),
                rhs: Box::new(Value::int(1024)),
            }
        } else {
            Value::int(n)
        }
    };
    Value::Struct(vec![
        field("rlim_cur", one(l.cur)),
        field("rlim_max", one(l.max)),
    ])
}

/// `[{WIFEXITED(s) && WEXITSTATUS(s) == 0}]`.
fn status(s: ExitStatus) -> Value<'static> {
    let call = |name: &'static str| Value::Func {
        name: Cow::Borrowed(name),
        args: vec![Value::ident("s")],
    };
    let (test, get, value) = match s {
        ExitStatus::Exited(n) => ("WIFEXITED", "WEXITSTATUS", Value::int(n)),
        ExitStatus::Killed(sig) => (
            "WIFSIGNALED",
            "WTERMSIG",
            match symbols::signal_name(sig as u64) {
                Some(name) => Value::ident(name),
                None => Value::int(sig),
            },
        ),
    };
    let eq = Value::Binary {
        op: BinaryOp::Eq,
        lhs: Box::new(call(get)),
        rhs: Box::new(value),
    };
    let both = Value::Binary {
        op: BinaryOp::LogAnd,
        lhs: Box::new(call(test)),
        rhs: Box::new(eq),
    };
    Value::Array(vec![Value::Struct(vec![Field {
        name: None,
        value: both,
    }])])
}

fn field(name: &'static str, value: Value<'static>) -> Field<'static> {
    Field {
        name: Some(Cow::Borrowed(name)),
        value,
    }
}

fn string(s: &str) -> Value<'static> {
    Value::string(s.as_bytes())
}

fn raw(text: String) -> Value<'static> {
    Value::Raw(Cow::Owned(text))
}

fn address() -> Value<'static> {
    hex(ADDRESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn shown(call: Call, r: Ret) -> String {
        line(
            "",
            &call,
            &[],
            Some(&Expected {
                ret: Some(r),
                out: None,
            }),
        )
    }

    #[test]
    fn prints_like_strace() {
        let open = Call::Openat {
            dirfd: -100,
            path: "/tmp/a".into(),
            flags: 0o102,
            mode: 0o644,
        };
        assert_eq!(
            shown(open, Ret::Value(3)),
            "openat(AT_FDCWD, \"/tmp/a\", O_RDWR|O_CREAT, 0644) = 3"
        );
        let getfd = Call::Fcntl {
            fd: 3,
            cmd: F_GETFD,
            arg: 0,
        };
        assert_eq!(
            shown(getfd, Ret::Value(1)),
            "fcntl(3, F_GETFD)                       = 0x1 (flags FD_CLOEXEC)"
        );
        let getfl = Call::Fcntl {
            fd: 3,
            cmd: F_GETFL,
            arg: 0,
        };
        assert_eq!(
            shown(getfl, Ret::Value(0x8002)),
            "fcntl(3, F_GETFL)                       = 0x8002 (flags O_RDWR|O_LARGEFILE)"
        );
        assert_eq!(
            shown(Call::Dup { fd: 42 }, Ret::Error(Errno::BADF)),
            "dup(42)                                 = -1 EBADF (Bad file descriptor)"
        );
        assert_eq!(
            shown(Call::ExitGroup { status: 0 }, Ret::NoReturn),
            "exit_group(0)                           = ?"
        );
    }

    #[test]
    fn prints_flag_words_like_strace() {
        let t = |v: Value<'_>| v.to_string();
        assert_eq!(
            t(flags(&OPEN_FLAGS, 0xdead)),
            "O_EXCL|O_TRUNC|O_APPEND|O_NONBLOCK|O_DSYNC|O_DIRECT|O_LARGEFILE|0x2d"
        );
        assert_eq!(t(flags(&OPEN_FLAGS, 8)), "0x8 /* O_??? */");
        assert_eq!(t(open_modes(0x8000_0000)), "O_RDONLY|0x80000000");
        assert_eq!(
            t(open_modes(0o4030501)),
            "O_WRONLY|O_CREAT|O_NOCTTY|O_SYNC|FASYNC"
        );
        assert_eq!(
            t(socket_type(0o2004001)),
            "SOCK_STREAM|SOCK_CLOEXEC|SOCK_NONBLOCK"
        );
        assert_eq!(t(socket_type(0x101)), "SOCK_STREAM|0x100 /* SOCK_??? */");
        assert_eq!(t(clone_flags(0x411)), "CLONE_FILES|SIGCHLD");
        assert_eq!(t(clone_flags(0)), "0");
        assert_eq!(t(ioc(0x4004_5421)), "_IOC(_IOC_WRITE, 0x54, 0x21, 0x4)");
        assert_eq!(t(ioc(0x1234)), "_IOC(_IOC_NONE, 0x12, 0x34, 0)");
        assert_eq!(
            t(rlimit(RLimit {
                cur: 1024,
                max: 4096
            })),
            "{rlim_cur=1024, rlim_max=4*1024}"
        );
        assert_eq!(t(stat_mode(0o41777)), "S_IFDIR|S_ISVTX|0777");
        assert_eq!(t(stat_mode(0o600)), "0600");
        assert_eq!(t(umode(0)), "000");
        assert_eq!(
            t(status(ExitStatus::Killed(9))),
            "[{WIFSIGNALED(s) && WTERMSIG(s) == SIGKILL}]"
        );
    }
}

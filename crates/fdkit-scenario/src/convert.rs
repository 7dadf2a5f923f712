//! strace's arguments → a typed [`Call`] with raw numeric arguments, plus what the
//! output arguments are expected to hold.
//!
//! Each system call accepts the argument list strace prints for it, and the same
//! list with the output arguments left out: `pipe2([3, 4], O_CLOEXEC)` or
//! `pipe2(O_CLOEXEC)`, `read(3, "abc", 10)` or `read(3, 10)`. An output argument
//! written with values (`[3, 4]`, `"abc"`, `{rlim_cur=...}`) is an expectation; a
//! pointer, a name or `NULL` there says nothing.

use crate::error::{Error, ErrorKind};
use crate::eval::{self, bits, Cx};
use crate::step::Out;
use crate::symbols::{CSIGNAL, NSIG};
use fdkit::syscall::Call;
use fdkit::{ExitStatus, RLimit};
use fdkit_strace::{Arg, Args, BinaryOp, Value};

/// What one strace call line converts to.
pub(crate) struct Converted {
    pub call: Call,
    pub argv: Vec<String>,
    pub out: Option<Out>,
}

/// Every system call name a scenario line may use.
pub const CALLS: &[&str] = &[
    "open",
    "openat",
    "creat",
    "close",
    "close_range",
    "dup",
    "dup2",
    "dup3",
    "fcntl",
    "ioctl",
    "read",
    "write",
    "pread64",
    "pwrite64",
    "lseek",
    "pipe",
    "pipe2",
    "socketpair",
    "eventfd",
    "eventfd2",
    "getrlimit",
    "setrlimit",
    "prlimit64",
    "fork",
    "vfork",
    "clone",
    "clone3",
    "unshare",
    "execve",
    "exit",
    "exit_group",
    "wait4",
    "mkdir",
    "unlink",
    "rmdir",
    "rename",
    "chdir",
    "fstat",
];

/// The arguments of one call, with the line they came from.
struct List<'a, 'l> {
    cx: Cx<'l>,
    name: &'a str,
    args: Vec<Arg<'a>>,
}

/// Converts call `name` with `args`, both slices of the line in `cx`.
pub(crate) fn convert(cx: Cx<'_>, name: &str, args: Args<'_>) -> Result<Converted, Error> {
    let l = List {
        cx,
        name,
        args: args.iter().collect(),
    };
    let plain = |call| {
        Ok(Converted {
            call,
            argv: Vec::new(),
            out: None,
        })
    };
    match name {
        "open" | "openat" | "creat" | "mkdir" | "unlink" | "rmdir" | "rename" | "chdir" => {
            plain(l.path_call()?)
        }
        "close" | "close_range" | "dup" | "dup2" | "dup3" | "fcntl" | "fcntl64" | "ioctl"
        | "lseek" | "unshare" | "exit" | "exit_group" | "eventfd" | "eventfd2" => {
            plain(l.fd_call()?)
        }
        "read" | "write" | "pread64" | "pwrite64" => l.io_call(),
        "pipe" | "pipe2" | "socketpair" => l.pair_call(),
        "getrlimit" | "setrlimit" | "prlimit64" => l.rlimit_call(),
        "fork" | "vfork" | "clone" | "clone3" | "execve" | "wait4" | "fstat" => l.process_call(),
        _ => Err(cx.error(
            ErrorKind::UnknownCall,
            name,
            name,
            match did_you_mean(name) {
                Some(near) => {
                    format!("`{name}` is not a call scenarios model; did you mean `{near}`?")
                }
                None => format!(
                    "`{name}` is not a call scenarios model (`fdkit run --help` lists them)"
                ),
            },
        )),
    }
}

/// The modelled call nearest to `name` (see [`CALLS`]), if one is within two
/// edits (one for names of up to four letters).
fn did_you_mean(name: &str) -> Option<&'static str> {
    let name = name.to_ascii_lowercase();
    let most = if name.chars().count() <= 4 { 1 } else { 2 };
    CALLS
        .iter()
        .map(|&c| (edit_distance(&name, c), c))
        .filter(|&(d, _)| d <= most)
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

/// Levenshtein distance, by characters (names are short; a long one is cut).
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().take(64).collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

impl<'a, 'l> List<'a, 'l> {
    /// Checks the argument count; returns it.
    fn arity(&self, allowed: &[usize]) -> Result<usize, Error> {
        let n = self.args.len();
        if allowed.contains(&n) {
            return Ok(n);
        }
        let counts: Vec<String> = allowed.iter().map(usize::to_string).collect();
        let want = match counts.as_slice() {
            [one] => one.clone(),
            [init @ .., last] => format!("{} or {last}", init.join(", ")),
            [] => "no".to_string(),
        };
        let plural = if allowed == [1] { "" } else { "s" };
        Err(self.cx.error(
            ErrorKind::Arity,
            self.name,
            self.name,
            format!("`{}` takes {want} argument{plural}, found {n}", self.name),
        ))
    }

    fn value(&self, i: usize) -> Result<Value<'a>, Error> {
        self.args[i]
            .value()
            .map_err(|e| Error::strace(&e, self.cx.line))
    }

    fn int(&self, i: usize) -> Result<i128, Error> {
        eval::int(self.cx, &self.value(i)?, self.args[i].text())
    }

    fn u64(&self, i: usize) -> Result<u64, Error> {
        self.int(i).map(bits)
    }

    fn i64(&self, i: usize) -> Result<i64, Error> {
        self.u64(i).map(|n| n as i64)
    }

    fn u32(&self, i: usize) -> Result<u32, Error> {
        self.u64(i).map(|n| n as u32)
    }

    fn i32(&self, i: usize) -> Result<i32, Error> {
        self.u64(i).map(|n| n as i32)
    }

    fn error(&self, i: usize, message: String) -> Error {
        let at = self.args[i].text();
        self.cx.error(ErrorKind::Value, at, at, message)
    }

    /// A string argument's bytes and truncation mark.
    fn bytes(&self, i: usize) -> Result<(Vec<u8>, bool), Error> {
        match self.value(i)? {
            Value::Str(s) => Ok((s.bytes().into_owned(), s.is_truncated())),
            other => Err(self.error(i, format!("expected a string, found `{other}`"))),
        }
    }

    fn path(&self, i: usize) -> Result<String, Error> {
        let (bytes, truncated) = self.bytes(i)?;
        if truncated {
            return Err(self.error(i, "a path cannot be truncated (`\"...\"...`)".to_string()));
        }
        String::from_utf8(bytes).map_err(|_| self.error(i, "the path is not UTF-8".to_string()))
    }

    fn path_call(&self) -> Result<Call, Error> {
        Ok(match self.name {
            "open" => {
                let n = self.arity(&[2, 3])?;
                Call::Open {
                    path: self.path(0)?,
                    flags: self.u32(1)?,
                    mode: if n == 3 { self.u32(2)? } else { 0 },
                }
            }
            "openat" => {
                let n = self.arity(&[3, 4])?;
                Call::Openat {
                    dirfd: self.i32(0)?,
                    path: self.path(1)?,
                    flags: self.u32(2)?,
                    mode: if n == 4 { self.u32(3)? } else { 0 },
                }
            }
            "creat" => {
                self.arity(&[2])?;
                Call::Creat {
                    path: self.path(0)?,
                    mode: self.u32(1)?,
                }
            }
            "mkdir" => {
                let n = self.arity(&[1, 2])?;
                Call::Mkdir {
                    path: self.path(0)?,
                    mode: if n == 2 { self.u32(1)? } else { 0o777 },
                }
            }
            "rename" => {
                self.arity(&[2])?;
                Call::Rename {
                    old: self.path(0)?,
                    new: self.path(1)?,
                }
            }
            name => {
                self.arity(&[1])?;
                let path = self.path(0)?;
                match name {
                    "unlink" => Call::Unlink { path },
                    "rmdir" => Call::Rmdir { path },
                    _ => Call::Chdir { path },
                }
            }
        })
    }

    fn fd_call(&self) -> Result<Call, Error> {
        Ok(match self.name {
            "close" => {
                self.arity(&[1])?;
                Call::Close { fd: self.i32(0)? }
            }
            "close_range" => {
                self.arity(&[3])?;
                Call::CloseRange {
                    first: self.u32(0)?,
                    last: self.u32(1)?,
                    flags: self.u32(2)?,
                }
            }
            "dup" => {
                self.arity(&[1])?;
                Call::Dup { fd: self.i32(0)? }
            }
            "dup2" => {
                self.arity(&[2])?;
                Call::Dup2 {
                    old: self.i32(0)?,
                    new: self.i32(1)?,
                }
            }
            "dup3" => {
                self.arity(&[3])?;
                Call::Dup3 {
                    old: self.i32(0)?,
                    new: self.i32(1)?,
                    flags: self.u32(2)?,
                }
            }
            "fcntl" | "fcntl64" => {
                let n = self.arity(&[2, 3])?;
                Call::Fcntl {
                    fd: self.i32(0)?,
                    cmd: self.i32(1)?,
                    arg: if n == 3 { self.u64(2)? } else { 0 },
                }
            }
            "ioctl" => {
                let n = self.arity(&[2, 3])?;
                Call::Ioctl {
                    fd: self.i32(0)?,
                    request: self.u64(1)?,
                    arg: if n == 3 { self.ioctl_arg(2)? } else { 0 },
                }
            }
            _ => self.misc_call()?,
        })
    }

    fn misc_call(&self) -> Result<Call, Error> {
        Ok(match self.name {
            "lseek" => {
                self.arity(&[3])?;
                Call::Lseek {
                    fd: self.i32(0)?,
                    offset: self.i64(1)?,
                    whence: self.i32(2)?,
                }
            }
            "unshare" => {
                self.arity(&[1])?;
                Call::Unshare {
                    flags: self.u64(0)?,
                }
            }
            "eventfd" => {
                self.arity(&[1])?;
                Call::Eventfd2 {
                    initval: self.u32(0)?,
                    flags: 0,
                }
            }
            "eventfd2" => {
                self.arity(&[2])?;
                Call::Eventfd2 {
                    initval: self.u32(0)?,
                    flags: self.u32(1)?,
                }
            }
            "exit" => {
                self.arity(&[1])?;
                Call::Exit {
                    status: self.i32(0)?,
                }
            }
            _ => {
                self.arity(&[1])?;
                Call::ExitGroup {
                    status: self.i32(0)?,
                }
            }
        })
    }

    /// `ioctl`'s third argument: `[1]` (the int it points to, as strace shows it for
    /// `FIONBIO`), a number, or `NULL`.
    fn ioctl_arg(&self, i: usize) -> Result<u64, Error> {
        match self.value(i)? {
            Value::Array(items) if items.len() == 1 => {
                eval::int(self.cx, &items[0], self.args[i].text()).map(bits)
            }
            _ => self.u64(i),
        }
    }

    fn io_call(&self) -> Result<Converted, Error> {
        let (call, out) = match self.name {
            "read" => {
                let n = self.arity(&[2, 3])?;
                let call = Call::Read {
                    fd: self.i32(0)?,
                    count: self.u64(n - 1)? as usize,
                };
                (call, if n == 3 { self.out_data(1)? } else { None })
            }
            "pread64" => {
                let n = self.arity(&[3, 4])?;
                let call = Call::Pread {
                    fd: self.i32(0)?,
                    count: self.u64(n - 2)? as usize,
                    offset: self.i64(n - 1)?,
                };
                (call, if n == 4 { self.out_data(1)? } else { None })
            }
            "write" => {
                let n = self.arity(&[2, 3])?;
                let data = self.data(n == 3)?;
                (
                    Call::Write {
                        fd: self.i32(0)?,
                        data,
                    },
                    None,
                )
            }
            _ => {
                let n = self.arity(&[3, 4])?;
                let data = self.data(n == 4)?;
                let call = Call::Pwrite {
                    fd: self.i32(0)?,
                    data,
                    offset: self.i64(n - 1)?,
                };
                (call, None)
            }
        };
        Ok(Converted {
            call,
            argv: Vec::new(),
            out,
        })
    }

    /// The bytes `write`/`pwrite64` pass: the string in argument 1, cut to the
    /// count in argument 2 if `counted` (a truncated string is padded with zeros).
    fn data(&self, counted: bool) -> Result<Vec<u8>, Error> {
        let (mut bytes, truncated) = self.bytes(1)?;
        if !counted {
            return Ok(bytes);
        }
        let count = self.u64(2)?;
        if count > bytes.len() as u64 && !truncated {
            return Err(self.error(
                2,
                format!("the string has {} bytes, fewer than {count}", bytes.len()),
            ));
        }
        if count > 1 << 20 {
            return Err(self.error(2, format!("{count} bytes is more than a scenario writes")));
        }
        bytes.resize(count as usize, 0);
        Ok(bytes)
    }

    /// `"abc"` in an output buffer: the bytes read.
    fn out_data(&self, i: usize) -> Result<Option<Out>, Error> {
        Ok(match self.value(i)? {
            Value::Str(s) => Some(Out::Data {
                bytes: s.bytes().into_owned(),
                truncated: s.is_truncated(),
            }),
            _ => None,
        })
    }

    fn pair_call(&self) -> Result<Converted, Error> {
        let (call, fds) = match self.name {
            "pipe" => {
                let n = self.arity(&[0, 1])?;
                (Call::Pipe, (n == 1).then_some(0))
            }
            "pipe2" => {
                let n = self.arity(&[1, 2])?;
                let flags = self.u32(n - 1)?;
                (Call::Pipe2 { flags }, (n == 2).then_some(0))
            }
            _ => {
                let n = self.arity(&[3, 4])?;
                let call = Call::Socketpair {
                    domain: self.i32(0)?,
                    ty: self.u32(1)?,
                    protocol: self.i32(2)?,
                };
                (call, (n == 4).then_some(3))
            }
        };
        let out = match fds {
            Some(i) => self.out_fds(i)?,
            None => None,
        };
        Ok(Converted {
            call,
            argv: Vec::new(),
            out,
        })
    }

    /// `[3, 4]`: the descriptors a pair call stores.
    fn out_fds(&self, i: usize) -> Result<Option<Out>, Error> {
        let Value::Array(items) = self.value(i)? else {
            return Ok(None);
        };
        let at = self.args[i].text();
        let [a, b] = items.as_slice() else {
            return Err(self.error(
                i,
                format!("expected two descriptors, `[3, 4]`, found `{at}`"),
            ));
        };
        let fd = |v: &Value<'_>| eval::int(self.cx, v, at).map(|n| bits(n) as i32);
        Ok(Some(Out::Fds([fd(a)?, fd(b)?])))
    }

    fn rlimit_call(&self) -> Result<Converted, Error> {
        let (call, out) = match self.name {
            "getrlimit" => {
                let n = self.arity(&[1, 2])?;
                let call = Call::Getrlimit {
                    resource: self.u32(0)?,
                };
                (call, if n == 2 { self.out_limit(1)? } else { None })
            }
            "setrlimit" => {
                self.arity(&[2])?;
                let Some(limit) = self.limit(1)? else {
                    return Err(self.error(
                        1,
                        "setrlimit needs a limit, `{rlim_cur=N, rlim_max=M}`".to_string(),
                    ));
                };
                let call = Call::Setrlimit {
                    resource: self.u32(0)?,
                    limit,
                };
                (call, None)
            }
            _ => {
                let n = self.arity(&[3, 4])?;
                let call = Call::Prlimit {
                    pid: self.u32(0)?,
                    resource: self.u32(1)?,
                    new: self.limit(2)?,
                };
                (call, if n == 4 { self.out_limit(3)? } else { None })
            }
        };
        Ok(Converted {
            call,
            argv: Vec::new(),
            out,
        })
    }

    /// `{rlim_cur=1024, rlim_max=4*1024}`, or `NULL`.
    fn limit(&self, i: usize) -> Result<Option<RLimit>, Error> {
        let at = self.args[i].text();
        let fields = match self.value(i)? {
            Value::Null => return Ok(None),
            Value::Struct(fields) => fields,
            other => {
                return Err(self.error(
                    i,
                    format!("expected `{{rlim_cur=N, rlim_max=M}}` or NULL, found `{other}`"),
                ))
            }
        };
        let mut cur_max = [None, None];
        for (k, f) in fields.iter().enumerate() {
            let slot = match f.name.as_deref() {
                Some("rlim_cur") => 0,
                Some("rlim_max") => 1,
                None if k < 2 => k,
                _ => return Err(self.error(i, format!("unexpected field in `{at}`"))),
            };
            cur_max[slot] = Some(bits(eval::int(self.cx, &f.value, at)?));
        }
        match cur_max {
            [Some(cur), Some(max)] => Ok(Some(RLimit { cur, max })),
            _ => Err(self.error(i, format!("`{at}` needs rlim_cur and rlim_max"))),
        }
    }

    /// A limit in an output argument; pointers say nothing.
    fn out_limit(&self, i: usize) -> Result<Option<Out>, Error> {
        match self.value(i)? {
            Value::Struct(_) => Ok(self.limit(i)?.map(Out::Limit)),
            _ => Ok(None),
        }
    }

    fn process_call(&self) -> Result<Converted, Error> {
        let mut argv = Vec::new();
        let mut out = None;
        let call = match self.name {
            "fork" | "vfork" => {
                self.arity(&[0])?;
                if self.name == "fork" {
                    Call::Fork
                } else {
                    Call::Vfork
                }
            }
            "clone" => self.clone_call()?,
            "clone3" => self.clone3_call()?,
            "execve" => {
                let n = self.arity(&[1, 2, 3])?;
                let path = self.path(0)?;
                argv = if n >= 2 {
                    self.argv(1)?
                } else {
                    // `execve(path)`: the program's name, as a shell would pass it.
                    vec![path.rsplit('/').next().unwrap_or(&path).to_string()]
                };
                Call::Execve { path }
            }
            "wait4" => {
                let (call, status) = self.wait4_call()?;
                out = status;
                call
            }
            _ => {
                let n = self.arity(&[1, 2])?;
                if n == 2 {
                    out = self.out_stat(1)?;
                }
                Call::Fstat { fd: self.i32(0)? }
            }
        };
        Ok(Converted { call, argv, out })
    }

    /// `clone(child_stack=NULL, flags=CLONE_FILES|SIGCHLD, ...)`, or `clone(FLAGS)`.
    fn clone_call(&self) -> Result<Call, Error> {
        let named = self.args.iter().position(|a| a.name() == Some("flags"));
        let i = match named {
            Some(i) => i,
            None if self.args.len() == 1 && self.args[0].name().is_none() => 0,
            None => {
                return Err(self.cx.error(
                    ErrorKind::Arity,
                    self.name,
                    self.name,
                    "`clone` needs `flags=...`".to_string(),
                ))
            }
        };
        Ok(Call::Clone {
            flags: self.u64(i)?,
        })
    }

    /// `clone3({flags=..., exit_signal=SIGCHLD, ...}, 88)`: the flags and the exit
    /// signal make `clone`'s flag word.
    fn clone3_call(&self) -> Result<Call, Error> {
        self.arity(&[1, 2])?;
        let at = self.args[0].text();
        let Value::Struct(fields) = self.value(0)? else {
            return Err(self.error(0, "expected `{flags=..., exit_signal=...}`".to_string()));
        };
        let mut flags = 0;
        for f in &fields {
            match f.name.as_deref() {
                Some("flags") => flags |= bits(eval::int(self.cx, &f.value, at)?) & !CSIGNAL,
                Some("exit_signal") => {
                    flags |= bits(eval::int(self.cx, &f.value, at)?) & CSIGNAL;
                }
                _ => {}
            }
        }
        Ok(Call::Clone { flags })
    }

    /// `["true", "-x"]`; `NULL` or a pointer gives no argv.
    fn argv(&self, i: usize) -> Result<Vec<String>, Error> {
        let Value::Array(items) = self.value(i)? else {
            return Ok(Vec::new());
        };
        items
            .iter()
            .map(|v| match v {
                Value::Str(s) => Ok(String::from_utf8_lossy(&s.bytes()).into_owned()),
                other => Err(self.error(i, format!("expected a string in argv, found `{other}`"))),
            })
            .collect()
    }

    /// `wait4(pid)`, `wait4(pid, options)`, `wait4(pid, status, options[, rusage])`.
    fn wait4_call(&self) -> Result<(Call, Option<Out>), Error> {
        let n = self.arity(&[1, 2, 3, 4])?;
        let options = match n {
            1 => 0,
            2 => self.u64(1)?,
            _ => self.u64(2)?,
        };
        let status = if n >= 3 { self.out_status(1)? } else { None };
        let call = Call::Wait4 {
            pid: self.i32(0)?,
            nohang: options & 1 != 0,
        };
        Ok((call, status))
    }

    /// `[{WIFEXITED(s) && WEXITSTATUS(s) == 0}]` or
    /// `[{WIFSIGNALED(s) && WTERMSIG(s) == SIGKILL}]`.
    fn out_status(&self, i: usize) -> Result<Option<Out>, Error> {
        let v = self.value(i)?;
        let Value::Array(items) = &v else {
            return Ok(None);
        };
        let at = self.args[i].text();
        let bad = || {
            self.error(
                i,
                format!("expected `[{{WIFEXITED(s) && WEXITSTATUS(s) == N}}]`, found `{at}`"),
            )
        };
        let [Value::Struct(fields)] = items.as_slice() else {
            return Err(bad());
        };
        let [field] = fields.as_slice() else {
            return Err(bad());
        };
        let mut terms = Vec::new();
        conjuncts(&field.value, &mut terms);
        for t in terms {
            let Value::Binary {
                op: BinaryOp::Eq,
                lhs,
                rhs,
            } = t
            else {
                continue;
            };
            let Value::Func { name, .. } = lhs.as_ref() else {
                continue;
            };
            let n = bits(eval::int(self.cx, rhs, at)?) as i32;
            match name.as_ref() {
                "WEXITSTATUS" => return Ok(Some(Out::Status(ExitStatus::Exited(n)))),
                "WTERMSIG" if (1..=NSIG as i32).contains(&n) => {
                    return Ok(Some(Out::Status(ExitStatus::Killed(n))))
                }
                _ => {}
            }
        }
        Err(bad())
    }

    /// `{st_mode=S_IFREG|0644, st_size=9, ...}`.
    fn out_stat(&self, i: usize) -> Result<Option<Out>, Error> {
        let Value::Struct(fields) = self.value(i)? else {
            return Ok(None);
        };
        let at = self.args[i].text();
        let (mut mode, mut size) = (None, None);
        for f in &fields {
            match f.name.as_deref() {
                Some("st_mode") => mode = Some(bits(eval::int(self.cx, &f.value, at)?) as u32),
                Some("st_size") => size = Some(bits(eval::int(self.cx, &f.value, at)?)),
                _ => {}
            }
        }
        match mode {
            Some(mode) => Ok(Some(Out::Stat { mode, size })),
            None => Err(self.error(i, format!("`{at}` needs st_mode"))),
        }
    }
}

/// The terms of `a && b && c`.
fn conjuncts<'v, 'a>(v: &'v Value<'a>, out: &mut Vec<&'v Value<'a>>) {
    match v {
        Value::Binary {
            op: BinaryOp::LogAnd,
            lhs,
            rhs,
        } => {
            conjuncts(lhs, out);
            conjuncts(rhs, out);
        }
        Value::Paren(inner) => conjuncts(inner, out),
        other => out.push(other),
    }
}

#[cfg(test)]
mod suggest_tests {
    use super::{did_you_mean, edit_distance};

    #[test]
    fn near_names_are_suggested() {
        assert_eq!(edit_distance("dupp", "dup"), 1);
        assert_eq!(did_you_mean("dupp"), Some("dup"));
        assert_eq!(did_you_mean("opnat"), Some("openat"));
        assert_eq!(did_you_mean("clsoe"), Some("close"));
        assert_eq!(did_you_mean("DUP2"), Some("dup2"));
        assert_eq!(did_you_mean("brk"), None);
        assert_eq!(did_you_mean("frobnicate"), None);
    }
}

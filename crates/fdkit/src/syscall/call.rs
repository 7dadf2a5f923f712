//! [`Call`]: the system calls as data, so one call list can run on the model, on the
//! host kernel, or be parsed from and printed as strace lines.
//!
//! Arguments are raw, as a program passes them (descriptor numbers as C `int`s, flag
//! words as integers), so invalid values stay representable: a differential test
//! needs `dup2(-1, 5)` and `dup3(3, 4, 0xdead)` as much as valid calls.

use crate::errno::{Errno, Result};
use crate::fd::Fd;
use crate::flags::{
    CloneFlags, CloseRangeFlags, DupFlags, EventFdFlags, OFlags, SockFlags, Whence,
};
use crate::object::Stat;
use crate::process::{ExitStatus, Pid, RLimit};
use crate::system::{System, Task};

/// One system call with its arguments.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum Call {
    /// `open(path, flags, mode)`.
    Open {
        /// Path.
        path: String,
        /// Raw open flags.
        flags: u32,
        /// Creation mode.
        mode: u32,
    },
    /// `openat(dirfd, path, flags, mode)`.
    Openat {
        /// Directory descriptor or `AT_FDCWD` (-100).
        dirfd: i32,
        /// Path.
        path: String,
        /// Raw open flags.
        flags: u32,
        /// Creation mode.
        mode: u32,
    },
    /// `creat(path, mode)`.
    Creat {
        /// Path.
        path: String,
        /// Creation mode.
        mode: u32,
    },
    /// `close(fd)`.
    Close {
        /// Descriptor.
        fd: i32,
    },
    /// `close_range(first, last, flags)`.
    CloseRange {
        /// First descriptor.
        first: u32,
        /// Last descriptor (inclusive).
        last: u32,
        /// Raw flags.
        flags: u32,
    },
    /// `dup(fd)`.
    Dup {
        /// Descriptor.
        fd: i32,
    },
    /// `dup2(old, new)`.
    Dup2 {
        /// Source.
        old: i32,
        /// Target.
        new: i32,
    },
    /// `dup3(old, new, flags)`.
    Dup3 {
        /// Source.
        old: i32,
        /// Target.
        new: i32,
        /// Raw flags.
        flags: u32,
    },
    /// `fcntl(fd, cmd, arg)`.
    Fcntl {
        /// Descriptor.
        fd: i32,
        /// Command.
        cmd: i32,
        /// Argument (integer commands only).
        arg: u64,
    },
    /// `ioctl(fd, request, arg)` (descriptor requests: `FIOCLEX` ...).
    Ioctl {
        /// Descriptor.
        fd: i32,
        /// Request.
        request: u64,
        /// The integer the argument points to, where it matters.
        arg: u64,
    },
    /// `read(fd, buf, count)`.
    Read {
        /// Descriptor.
        fd: i32,
        /// Bytes asked for.
        count: usize,
    },
    /// `write(fd, data, len)`.
    Write {
        /// Descriptor.
        fd: i32,
        /// Bytes written.
        data: Vec<u8>,
    },
    /// `pread64(fd, buf, count, offset)`.
    Pread {
        /// Descriptor.
        fd: i32,
        /// Bytes asked for.
        count: usize,
        /// Offset.
        offset: i64,
    },
    /// `pwrite64(fd, data, len, offset)`.
    Pwrite {
        /// Descriptor.
        fd: i32,
        /// Bytes written.
        data: Vec<u8>,
        /// Offset.
        offset: i64,
    },
    /// `lseek(fd, offset, whence)`.
    Lseek {
        /// Descriptor.
        fd: i32,
        /// Offset.
        offset: i64,
        /// Whence.
        whence: i32,
    },
    /// `pipe(fds)`.
    Pipe,
    /// `pipe2(fds, flags)`.
    Pipe2 {
        /// Raw flags.
        flags: u32,
    },
    /// `socketpair(domain, type, protocol, fds)`.
    Socketpair {
        /// Family.
        domain: i32,
        /// Type, with `SOCK_NONBLOCK`/`SOCK_CLOEXEC`.
        ty: u32,
        /// Protocol.
        protocol: i32,
    },
    /// `eventfd2(initval, flags)`.
    Eventfd2 {
        /// Initial value.
        initval: u32,
        /// Raw flags.
        flags: u32,
    },
    /// `getrlimit(resource)`.
    Getrlimit {
        /// Resource number.
        resource: u32,
    },
    /// `setrlimit(resource, limit)`.
    Setrlimit {
        /// Resource number.
        resource: u32,
        /// New limit.
        limit: RLimit,
    },
    /// `prlimit64(pid, resource, new, old)`.
    Prlimit {
        /// Target process (0: the caller).
        pid: u32,
        /// Resource number.
        resource: u32,
        /// New limit, if any.
        new: Option<RLimit>,
    },
    /// `fork()`.
    Fork,
    /// `vfork()`.
    Vfork,
    /// `clone(flags)`.
    Clone {
        /// Raw clone flags.
        flags: u64,
    },
    /// `unshare(flags)`.
    Unshare {
        /// Raw clone flags.
        flags: u64,
    },
    /// `execve(path, argv, envp)` after success (the table sweep).
    Execve {
        /// Program path (informational in the model).
        path: String,
    },
    /// `exit(status)` (this thread).
    Exit {
        /// Status.
        status: i32,
    },
    /// `exit_group(status)`.
    ExitGroup {
        /// Status.
        status: i32,
    },
    /// `wait4(pid, status, options, rusage)`.
    Wait4 {
        /// -1 for any child, or a pid.
        pid: i32,
        /// `WNOHANG`.
        nohang: bool,
    },
    /// `mkdir(path, mode)`.
    Mkdir {
        /// Path.
        path: String,
        /// Mode.
        mode: u32,
    },
    /// `unlink(path)`.
    Unlink {
        /// Path.
        path: String,
    },
    /// `rmdir(path)`.
    Rmdir {
        /// Path.
        path: String,
    },
    /// `rename(old, new)`.
    Rename {
        /// Old path.
        old: String,
        /// New path.
        new: String,
    },
    /// `chdir(path)`.
    Chdir {
        /// Path.
        path: String,
    },
    /// `fstat(fd)`.
    Fstat {
        /// Descriptor.
        fd: i32,
    },
}

/// What a successful call returned.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Value {
    /// An integer: a descriptor, a count, an offset, a flag word, 0.
    Int(i64),
    /// A pair of descriptors (`pipe`, `socketpair`); the call returned 0.
    Pair([Fd; 2]),
    /// Bytes read; the call returned their count.
    Bytes(Vec<u8>),
    /// A limit (`getrlimit`, `prlimit64`'s old value); the call returned 0.
    Limit(RLimit),
    /// `fstat` information; the call returned 0.
    Stat(Stat),
    /// A reaped child, or `None` for `WNOHANG` with nothing to reap.
    Child(Option<(Pid, ExitStatus)>),
    /// The call does not return (`exit`, `exit_group`).
    NoReturn,
}

impl Value {
    /// The integer the system call itself returns (`rax`).
    pub fn ret(&self) -> i64 {
        match self {
            Value::Int(n) => *n,
            Value::Bytes(b) => b.len() as i64,
            Value::Child(Some((pid, _))) => i64::from(pid.get()),
            Value::Pair(_) | Value::Limit(_) | Value::Stat(_) | Value::Child(None) => 0,
            Value::NoReturn => 0,
        }
    }
}

impl Call {
    /// The system call's name as strace prints it.
    pub fn name(&self) -> &'static str {
        match self {
            Call::Open { .. } => "open",
            Call::Openat { .. } => "openat",
            Call::Creat { .. } => "creat",
            Call::Close { .. } => "close",
            Call::CloseRange { .. } => "close_range",
            Call::Dup { .. } => "dup",
            Call::Dup2 { .. } => "dup2",
            Call::Dup3 { .. } => "dup3",
            Call::Fcntl { .. } => "fcntl",
            Call::Ioctl { .. } => "ioctl",
            Call::Read { .. } => "read",
            Call::Write { .. } => "write",
            Call::Pread { .. } => "pread64",
            Call::Pwrite { .. } => "pwrite64",
            Call::Lseek { .. } => "lseek",
            Call::Pipe => "pipe",
            Call::Pipe2 { .. } => "pipe2",
            Call::Socketpair { .. } => "socketpair",
            Call::Eventfd2 { .. } => "eventfd2",
            Call::Getrlimit { .. } => "getrlimit",
            Call::Setrlimit { .. } => "setrlimit",
            Call::Prlimit { .. } => "prlimit64",
            Call::Fork => "fork",
            Call::Vfork => "vfork",
            Call::Clone { .. } => "clone",
            Call::Unshare { .. } => "unshare",
            Call::Execve { .. } => "execve",
            Call::Exit { .. } => "exit",
            Call::ExitGroup { .. } => "exit_group",
            Call::Wait4 { .. } => "wait4",
            Call::Mkdir { .. } => "mkdir",
            Call::Unlink { .. } => "unlink",
            Call::Rmdir { .. } => "rmdir",
            Call::Rename { .. } => "rename",
            Call::Chdir { .. } => "chdir",
            Call::Fstat { .. } => "fstat",
        }
    }
}

impl Task {
    /// Runs `call` as this thread. Process calls (`fork`, `clone`, `execve`, `exit`
    /// ...) act on the system as the corresponding methods do; `fork`/`clone` return
    /// the child's id, picked by the system.
    ///
    /// # Errors
    /// The call's own errors.
    pub fn execute(&self, call: &Call) -> Result<Value> {
        use Call::*;
        let int = |r: Result<Fd>| r.map(|fd| Value::Int(i64::from(fd.get())));
        let unit = |r: Result<()>| r.map(|()| Value::Int(0));
        match call {
            Open { path, flags, mode } => int(self.open(path, OFlags::from_raw(*flags), *mode)),
            Openat {
                dirfd,
                path,
                flags,
                mode,
            } => int(self.openat(*dirfd, path, OFlags::from_raw(*flags), *mode)),
            Creat { path, mode } => int(self.creat(path, *mode)),
            Close { fd } => unit(self.close(*fd)),
            CloseRange { first, last, flags } => {
                unit(self.close_range(*first, *last, CloseRangeFlags::from_bits_retain(*flags)))
            }
            Dup { fd } => int(self.dup(*fd)),
            Dup2 { old, new } => int(self.dup2(*old, *new)),
            Dup3 { old, new, flags } => {
                int(self.dup3(*old, *new, DupFlags::from_bits_retain(*flags)))
            }
            Fcntl { fd, cmd, arg } => self.fcntl(*fd, *cmd, *arg).map(Value::Int),
            Ioctl { fd, request, arg } => self.ioctl(*fd, *request, *arg).map(Value::Int),
            Read { fd, count } => {
                let mut buf = vec![0; (*count).min(1 << 20)];
                let n = self.read(*fd, &mut buf)?;
                buf.truncate(n);
                Ok(Value::Bytes(buf))
            }
            Write { fd, data } => self.write(*fd, data).map(|n| Value::Int(n as i64)),
            Pread { fd, count, offset } => {
                let mut buf = vec![0; (*count).min(1 << 20)];
                let n = self.pread(*fd, &mut buf, *offset)?;
                buf.truncate(n);
                Ok(Value::Bytes(buf))
            }
            Pwrite { fd, data, offset } => self
                .pwrite(*fd, data, *offset)
                .map(|n| Value::Int(n as i64)),
            Lseek { fd, offset, whence } => self
                .lseek_raw(Fd::from(*fd), *offset, Whence::from_raw(*whence))
                .map(|n| Value::Int(n as i64)),
            Pipe => self.pipe().map(Value::Pair),
            Pipe2 { flags } => self
                .pipe2(OFlags::from_bits_retain(*flags))
                .map(Value::Pair),
            Socketpair {
                domain,
                ty,
                protocol,
            } => self
                .socketpair(
                    *domain,
                    *ty & 0xf,
                    SockFlags::from_bits_retain(*ty & !0xf),
                    *protocol,
                )
                .map(Value::Pair),
            Eventfd2 { initval, flags } => {
                int(self.eventfd2(*initval, EventFdFlags::from_bits_retain(*flags)))
            }
            Getrlimit { resource } => self.getrlimit(*resource).map(Value::Limit),
            Setrlimit { resource, limit } => unit(self.setrlimit(*resource, *limit)),
            Prlimit { pid, resource, new } => self
                .prlimit(Some(Pid::new(*pid)), *resource, *new)
                .map(Value::Limit),
            Fork => self.fork().map(|p| Value::Int(i64::from(p.get()))),
            Vfork => self.vfork().map(|p| Value::Int(i64::from(p.get()))),
            Clone { flags } => self
                .clone_task(CloneFlags::from_bits_retain(*flags), None)
                .map(|(p, _)| Value::Int(i64::from(p.get()))),
            Unshare { flags } => unit(self.unshare(CloneFlags::from_bits_retain(*flags))),
            Execve { .. } => self.execve().map(|_| Value::Int(0)),
            Exit { status } => {
                self.exit(*status);
                Ok(Value::NoReturn)
            }
            ExitGroup { status } => {
                self.exit_group(*status);
                Ok(Value::NoReturn)
            }
            Wait4 { pid, nohang } => self.wait4(*pid, *nohang).map(Value::Child),
            Mkdir { path, mode } => unit(self.mkdir(path, *mode)),
            Unlink { path } => unit(self.unlink(path)),
            Rmdir { path } => unit(self.rmdir(path)),
            Rename { old, new } => unit(self.rename(old, new)),
            Chdir { path } => unit(self.chdir(path)),
            Fstat { fd } => self.fstat(*fd).map(Value::Stat),
        }
    }
}

impl System {
    /// Runs `call` as thread `tid`; see [`Task::execute`].
    ///
    /// # Errors
    /// `ESRCH` for an unknown thread, then the call's own errors.
    pub fn execute(&self, tid: impl Into<Pid>, call: &Call) -> Result<Value> {
        self.task(tid)?.execute(call)
    }
}

/// The error a call returned, if any (convenience for comparisons).
pub fn errno_of(result: &Result<Value>) -> Option<Errno> {
    result.as_ref().err().copied()
}

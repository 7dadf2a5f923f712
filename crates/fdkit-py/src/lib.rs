//! # fdkit-py: the fdkit model as the Python extension module `fdkit._fdkit`
//!
//! Built by maturin (`pip install .` at the repository root) into the Python package
//! `fdkit` (its Python sources are in `python/fdkit`). This crate is the thin native
//! layer: [`PySystem`] is an [`fdkit::System`], [`PyTask`] an [`fdkit::Task`] with one
//! method per system call of the core, each run as an [`fdkit::syscall::Call`] so
//! that it is also recorded as the line `strace -f -o` would write (the run's log,
//! which `fdkit audit` and `System.audit()` replay). The `os` module's surface
//! (PEP 446, Python's argument rules), `fdkit.patch()`, `python -m fdkit` and the
//! pytest fixture are Python code over these two classes.
//!
//! Errors are raised as `OSError(errno, strerror)`, so Python picks the subclass
//! exactly as it does for the `os` module (`EBADF` → `OSError`, `ENOENT` →
//! `FileNotFoundError`, `ESRCH` → `ProcessLookupError`, `ECHILD` →
//! `ChildProcessError` ...). Every call releases the GIL while the model runs, so
//! a thread blocked reading an empty model pipe lets the writer's thread run;
//! [`fdkit::System`] is `Send + Sync`, so the objects are safe to share between
//! Python threads.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

use fdkit::object::memfs::Credentials;
use fdkit::object::Io;
use fdkit::syscall::{Call, Value};
use fdkit::{Errno, ExitStatus, FdInfo, Interrupt, OFlags, Pid, RLimit};
use fdkit_audit::{Auditor, Finding};
use fdkit_replay::{Options, Replay};
use fdkit_scenario::print;
use fdkit_scenario::Expected;
use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyTuple};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// The largest host file whose contents [`PySystem::mirror_file`] copies into the
/// model (64 MiB): a bigger one is mirrored cut to this size, so that
/// no host file makes the model allocate without bound.
const MAX_MIRRORED: usize = 64 << 20;

/// `OSError(errno, strerror)`: Python's `OSError.__new__` maps the errno to its
/// subclass, as for the `os` module's own errors.
fn os_error(e: Errno) -> PyErr {
    let message = e
        .message()
        .map_or_else(|| format!("Unknown error {}", e.raw()), str::to_owned);
    PyOSError::new_err((e.raw(), message))
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The model and the run's log.
struct Shared {
    sys: fdkit::System,
    /// The `strace -f -o` lines of every call made through a [`PyTask`].
    log: Mutex<Vec<String>>,
    /// Held across a call that cannot block and its log line, so that the log's
    /// order is the order the calls took effect in.
    order: Mutex<()>,
}

impl Shared {
    fn record(&self, pid: u32, text: String) {
        lock(&self.log).push(format!("{pid:<5} {text}"));
    }
}

/// `fdkit.System`: the model of a Linux kernel's descriptor system — processes,
/// threads, descriptor tables, open file descriptions, an in-memory filesystem with
/// `/tmp`, `/dev/null` and `/dev/zero`, and a terminal on which spawned processes
/// have 0, 1 and 2 open.
///
/// Every call made through its tasks is recorded as `strace -f -o` records it
/// (`log()`); `audit()` replays that log through `fdkit audit`'s rules.
#[pyclass(name = "System", module = "fdkit._fdkit", frozen)]
pub struct PySystem {
    shared: Arc<Shared>,
}

#[pymethods]
impl PySystem {
    /// A new, empty system. `first_pid` is the first pid handed out (100);
    /// `nofile` the soft and hard `RLIMIT_NOFILE` of spawned processes
    /// (Linux's `INR_OPEN_CUR`/`INR_OPEN_MAX`: 1024, 4096); `privileged`: spawned
    /// processes bypass permission bits as root does (`CAP_DAC_OVERRIDE`).
    #[new]
    #[pyo3(signature = (first_pid = 100, nofile = (1024, 4096), privileged = true))]
    fn new(first_pid: u32, nofile: (u64, u64), privileged: bool) -> PyResult<Self> {
        if first_pid == 0 {
            return Err(PyValueError::new_err("first_pid must be at least 1"));
        }
        let config = fdkit::Config {
            first_pid,
            nofile: RLimit {
                cur: nofile.0,
                max: nofile.1,
            },
            privileged,
            ..fdkit::Config::default()
        };
        Ok(PySystem {
            shared: Arc::new(Shared {
                sys: fdkit::System::with_config(config),
                log: Mutex::new(Vec::new()),
                order: Mutex::new(()),
            }),
        })
    }

    /// Starts a process (no parent) with 0, 1 and 2 open read-write on the terminal
    /// `/dev/pts/0` when `stdio`, and returns its pid (the lowest unused one).
    #[pyo3(signature = (stdio = true))]
    fn spawn(&self, stdio: bool) -> PyResult<u32> {
        self.shared
            .sys
            .spawn_with(None, stdio)
            .map(Pid::get)
            .map_err(os_error)
    }

    /// The thread `tid` (a pid is its main thread's tid), to make calls as.
    /// `ProcessLookupError` (`ESRCH`) when there is no such thread.
    fn task(&self, tid: u32) -> PyResult<PyTask> {
        self.shared.sys.task(tid).map_err(os_error)?;
        Ok(PyTask {
            shared: Arc::clone(&self.shared),
            tid,
        })
    }

    /// The pids of the live processes (zombies included), in increasing order.
    fn pids(&self) -> Vec<u32> {
        self.shared.sys.pids().into_iter().map(Pid::get).collect()
    }

    /// The tids of process `pid`'s live threads.
    fn threads(&self, pid: u32) -> PyResult<Vec<u32>> {
        let threads = self.shared.sys.threads(pid).map_err(os_error)?;
        Ok(threads.into_iter().map(Pid::get).collect())
    }

    /// `None` while process `pid` runs; after it exited, `("exited", code)` or
    /// `("killed", signal)`.
    fn exit_status(&self, pid: u32) -> PyResult<Option<(&'static str, i32)>> {
        let status = self.shared.sys.exit_status(pid).map_err(os_error)?;
        Ok(status.map(status_pair))
    }

    /// Whether threads or processes `a` and `b` use one descriptor table
    /// (`CLONE_FILES`).
    fn shares_table(&self, a: u32, b: u32) -> PyResult<bool> {
        self.shared.sys.shares_table(a, b).map_err(os_error)
    }

    /// A signal to thread `tid` whose handler interrupts a blocked call without
    /// `SA_RESTART`: a call blocked in it (a `read` of an empty pipe) fails with
    /// `EINTR` (`InterruptedError`); otherwise it stays pending until the next
    /// wait. Returns whether the thread was blocked.
    fn interrupt(&self, tid: u32) -> PyResult<bool> {
        self.shared.sys.interrupt(tid).map_err(os_error)
    }

    /// `fs.nr_open`: the most descriptors a table may grow to (default 1,048,576).
    #[getter]
    fn nr_open(&self) -> u32 {
        self.shared.sys.nr_open()
    }

    /// Sets `fs.nr_open` (`EINVAL` outside Linux's 64 ..= 2,147,483,584).
    #[setter]
    fn set_nr_open(&self, nr_open: u32) -> PyResult<()> {
        self.shared.sys.set_nr_open(nr_open).map_err(os_error)
    }

    /// Whether process `pid` holds root's privileges (`CAP_SYS_RESOURCE` raises a
    /// hard limit, `CAP_DAC_OVERRIDE` bypasses permission bits).
    fn set_privileged(&self, pid: u32, privileged: bool) -> PyResult<()> {
        self.shared
            .sys
            .set_privileged(pid, privileged)
            .map_err(os_error)
    }

    /// Whether `path` (absolute) exists in the model's filesystem.
    fn exists(&self, path: &str) -> bool {
        self.shared.sys.fs().resolve(path).is_ok()
    }

    /// Whether `path` (absolute) is a directory in the model's filesystem.
    fn is_dir(&self, path: &str) -> bool {
        self.shared
            .sys
            .fs()
            .resolve(path)
            .is_ok_and(|inode| inode.is_dir())
    }

    /// Makes directory `path` and every missing parent (mode `mode`), as root,
    /// without a system call in the log: how a host directory appears in the
    /// model. Returns whether anything was made.
    #[pyo3(signature = (path, mode = 0o755))]
    fn mirror_dir(&self, py: Python<'_>, path: &str, mode: u32) -> PyResult<bool> {
        py.detach(|| mirror_dirs(&self.shared.sys, path, mode, true))
            .map_err(os_error)
    }

    /// Creates regular file `path` (mode `mode`, parents made as by `mirror_dir`)
    /// holding `data` (at most 64 MiB of it), unless `path` exists: how a host
    /// file appears in the model. Nothing is ever written back to the host.
    /// Returns whether the file was made.
    #[pyo3(signature = (path, data, mode = 0o644))]
    fn mirror_file(&self, py: Python<'_>, path: &str, data: &[u8], mode: u32) -> PyResult<bool> {
        py.detach(|| mirror_file(&self.shared.sys, path, data, mode))
            .map_err(os_error)
    }

    /// Everything the processes wrote to the terminal `/dev/pts/0`.
    fn terminal_output<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        let buffers = self.shared.sys.terminal().buffers();
        let out = lock(&buffers).output.clone();
        PyBytes::new(py, &out)
    }

    /// The log of every call made through this system's tasks, one line per call
    /// as `strace -f -o FILE` writes it (`PID  call(args) = result`), with
    /// `+++ exited with N +++` for each `exit_group`. `fdkit check` and
    /// `fdkit audit` read it.
    fn log(&self) -> String {
        let lines = lock(&self.shared.log);
        let mut text = String::new();
        for l in lines.iter() {
            text.push_str(l);
            text.push('\n');
        }
        text
    }

    /// The leak audit of the run so far: the log replayed through `fdkit audit`'s
    /// rules (descriptors inherited across `execve` without close-on-exec, open at
    /// exit, used after close, closed twice or silently by `dup2`, `EMFILE`,
    /// growing tables), one finding per descriptor per cause, most severe first.
    fn audit(&self, py: Python<'_>) -> Vec<PyFinding> {
        let text = self.log();
        let findings = py.detach(move || {
            let mut replay = Replay::new(Options {
                initial_fds: Some(vec![0, 1, 2]),
                nofile: None,
            });
            let mut auditor = Auditor::default();
            for (n, line) in text.lines().enumerate() {
                replay.push_text(n as u64 + 1, line, &mut auditor);
            }
            replay.finish(&mut auditor);
            auditor.finish()
        });
        findings.into_iter().map(PyFinding::from).collect()
    }

    fn __repr__(&self) -> String {
        format!("<fdkit.System, processes {:?}>", self.pids())
    }
}

fn status_pair(s: ExitStatus) -> (&'static str, i32) {
    match s {
        ExitStatus::Exited(n) => ("exited", n),
        ExitStatus::Killed(n) => ("killed", n),
    }
}

const ROOT: Credentials = Credentials {
    privileged: true,
    umask: 0,
};

/// Makes the directories of `path` (all of it when `last`, else its parents).
fn mirror_dirs(sys: &fdkit::System, path: &str, mode: u32, last: bool) -> Result<bool, Errno> {
    if !path.starts_with('/') {
        return Err(Errno::INVAL);
    }
    let parts: Vec<&str> = path.split('/').filter(|c| !c.is_empty()).collect();
    let upto = if last {
        parts.len()
    } else {
        parts.len().saturating_sub(1)
    };
    let mut made = false;
    let mut here = String::new();
    for part in &parts[..upto] {
        here.push('/');
        here.push_str(part);
        match sys.fs().resolve(&here) {
            Ok(inode) if inode.is_dir() => {}
            Ok(_) => return Err(Errno::NOTDIR),
            Err(_) => {
                sys.fs().mkdir(&here, mode, ROOT)?;
                made = true;
            }
        }
    }
    Ok(made)
}

fn mirror_file(sys: &fdkit::System, path: &str, data: &[u8], mode: u32) -> Result<bool, Errno> {
    if sys.fs().resolve(path).is_ok() {
        return Ok(false);
    }
    mirror_dirs(sys, path, 0o755, false)?;
    let flags = OFlags::CREAT | OFlags::EXCL | OFlags::WRONLY;
    let opened = sys.fs().open(path, flags, mode, ROOT)?;
    let interrupt = Interrupt::new();
    let mut io = Io {
        pos: 0,
        nonblock: false,
        append: false,
        interrupt: &interrupt,
    };
    let data = &data[..data.len().min(MAX_MIRRORED)];
    let mut done = 0;
    while done < data.len() {
        match opened.object.write(&mut io, &data[done..])? {
            0 => break,
            n => done += n,
        }
    }
    Ok(true)
}

/// `fdkit.Task`: one thread of a model process; each method is one Linux system
/// call made by that thread, with Linux's check order and errno, recorded in the
/// system's log. Arguments are raw, as a C program passes them (flag words as
/// integers: `os.O_RDONLY`, `fcntl.F_DUPFD_CLOEXEC` ... have Linux's values).
#[pyclass(name = "Task", module = "fdkit._fdkit", frozen)]
pub struct PyTask {
    shared: Arc<Shared>,
    tid: u32,
}

/// Calls that may wait (a pipe with nothing to read, a child still running): they
/// run without the order lock, so that another thread can make the call that ends
/// the wait.
fn may_block(call: &Call) -> bool {
    matches!(
        call,
        Call::Read { .. }
            | Call::Pread { .. }
            | Call::Write { .. }
            | Call::Pwrite { .. }
            | Call::Wait4 { .. }
    )
}

impl PyTask {
    fn task(&self) -> Result<fdkit::Task, Errno> {
        self.shared.sys.task(self.tid)
    }

    /// Runs `call` as this thread without the GIL and records it.
    fn run(&self, py: Python<'_>, call: Call, argv: &[String]) -> PyResult<Value> {
        let shared = &self.shared;
        let tid = self.tid;
        py.detach(|| {
            let task = shared.sys.task(tid)?;
            let pid = task.pid().get();
            let line = |result: &Result<Value, Errno>| {
                let shown = Expected::of(result);
                print::line("", &call, argv, Some(&shown))
            };
            let result = if may_block(&call) {
                let r = task.execute(&call);
                shared.record(tid, line(&r));
                r
            } else {
                let _order = lock(&shared.order);
                let r = task.execute(&call);
                shared.record(tid, line(&r));
                if let (Call::ExitGroup { status }, Ok(_)) = (&call, &r) {
                    shared.record(pid, format!("+++ exited with {} +++", status & 0xff));
                }
                r
            };
            result
        })
        .map_err(os_error)
    }

    fn int(&self, py: Python<'_>, call: Call) -> PyResult<i64> {
        Ok(self.run(py, call, &[])?.ret())
    }

    fn bytes<'py>(&self, py: Python<'py>, call: Call) -> PyResult<Bound<'py, PyBytes>> {
        match self.run(py, call, &[])? {
            Value::Bytes(b) => Ok(PyBytes::new(py, &b)),
            _ => Ok(PyBytes::new(py, b"")),
        }
    }

    fn pair(&self, py: Python<'_>, call: Call) -> PyResult<(i32, i32)> {
        match self.run(py, call, &[])? {
            Value::Pair([a, b]) => Ok((a.as_raw(), b.as_raw())),
            _ => Err(os_error(Errno::INVAL)),
        }
    }
}

#[pymethods]
impl PyTask {
    /// The thread id.
    #[getter]
    fn tid(&self) -> u32 {
        self.tid
    }

    /// The process id (thread-group id); `ESRCH` after the thread exited.
    #[getter]
    fn pid(&self) -> PyResult<u32> {
        Ok(self.task().map_err(os_error)?.pid().get())
    }

    /// `open(path, flags, mode)`: the lowest free descriptor for a new open file
    /// description; close-on-exec iff `O_CLOEXEC` (Linux `do_sys_open`).
    #[pyo3(signature = (path, flags, mode = 0o666))]
    fn open(&self, py: Python<'_>, path: String, flags: u32, mode: u32) -> PyResult<i64> {
        self.int(py, Call::Open { path, flags, mode })
    }

    /// `openat(dirfd, path, flags, mode)` (`AT_FDCWD` is -100).
    #[pyo3(signature = (dirfd, path, flags, mode = 0o666))]
    fn openat(
        &self,
        py: Python<'_>,
        dirfd: i32,
        path: String,
        flags: u32,
        mode: u32,
    ) -> PyResult<i64> {
        self.int(
            py,
            Call::Openat {
                dirfd,
                path,
                flags,
                mode,
            },
        )
    }

    /// `creat(path, mode)`: `open(path, O_CREAT|O_WRONLY|O_TRUNC, mode)`.
    fn creat(&self, py: Python<'_>, path: String, mode: u32) -> PyResult<i64> {
        self.int(py, Call::Creat { path, mode })
    }

    /// `close(fd)`: frees the number; the description is released with its last
    /// descriptor in any process (`EBADF` if not open).
    fn close(&self, py: Python<'_>, fd: i32) -> PyResult<()> {
        self.int(py, Call::Close { fd }).map(drop)
    }

    /// `close_range(first, last, flags)` (`CLOSE_RANGE_CLOEXEC` 4,
    /// `CLOSE_RANGE_UNSHARE` 2); `EINVAL` when `first > last` or unknown flags.
    #[pyo3(signature = (first, last, flags = 0))]
    fn close_range(&self, py: Python<'_>, first: u32, last: u32, flags: u32) -> PyResult<()> {
        self.int(py, Call::CloseRange { first, last, flags })
            .map(drop)
    }

    /// `dup(fd)`: the lowest free number, same description, close-on-exec clear.
    fn dup(&self, py: Python<'_>, fd: i32) -> PyResult<i64> {
        self.int(py, Call::Dup { fd })
    }

    /// `dup2(old, new)`: `new` closed first and reused, close-on-exec clear;
    /// `dup2(fd, fd)` checks `fd` and does nothing else.
    fn dup2(&self, py: Python<'_>, old: i32, new: i32) -> PyResult<i64> {
        self.int(py, Call::Dup2 { old, new })
    }

    /// `dup3(old, new, flags)`: as `dup2` with `O_CLOEXEC` allowed; `EINVAL` when
    /// `old == new`.
    #[pyo3(signature = (old, new, flags = 0))]
    fn dup3(&self, py: Python<'_>, old: i32, new: i32, flags: u32) -> PyResult<i64> {
        self.int(py, Call::Dup3 { old, new, flags })
    }

    /// `fcntl(fd, cmd, arg)` for the integer commands (`F_DUPFD`,
    /// `F_DUPFD_CLOEXEC`, `F_GETFD`, `F_SETFD`, `F_GETFL`, `F_SETFL` ...).
    #[pyo3(signature = (fd, cmd, arg = 0))]
    fn fcntl(&self, py: Python<'_>, fd: i32, cmd: i32, arg: u64) -> PyResult<i64> {
        self.int(py, Call::Fcntl { fd, cmd, arg })
    }

    /// `ioctl(fd, request, arg)` for the descriptor requests (`FIOCLEX`,
    /// `FIONCLEX`, `FIONBIO`, `FIOASYNC`, `FIONREAD`); `arg` is the integer the
    /// argument points to.
    #[pyo3(signature = (fd, request, arg = 0))]
    fn ioctl(&self, py: Python<'_>, fd: i32, request: u64, arg: u64) -> PyResult<i64> {
        self.int(py, Call::Ioctl { fd, request, arg })
    }

    /// `read(fd, count)`: at most `count` bytes (at most 1 MiB per call) from the
    /// description's offset, which moves; blocks on an empty pipe with a writer.
    fn read<'py>(&self, py: Python<'py>, fd: i32, count: usize) -> PyResult<Bound<'py, PyBytes>> {
        self.bytes(py, Call::Read { fd, count })
    }

    /// `write(fd, data)`: the number of bytes written.
    fn write(&self, py: Python<'_>, fd: i32, data: Vec<u8>) -> PyResult<i64> {
        self.int(py, Call::Write { fd, data })
    }

    /// `pread64(fd, count, offset)`: the offset does not move (`ESPIPE` on a pipe).
    fn pread<'py>(
        &self,
        py: Python<'py>,
        fd: i32,
        count: usize,
        offset: i64,
    ) -> PyResult<Bound<'py, PyBytes>> {
        self.bytes(py, Call::Pread { fd, count, offset })
    }

    /// `pwrite64(fd, data, offset)`.
    fn pwrite(&self, py: Python<'_>, fd: i32, data: Vec<u8>, offset: i64) -> PyResult<i64> {
        self.int(py, Call::Pwrite { fd, data, offset })
    }

    /// `lseek(fd, offset, whence)`: the new offset, shared by every descriptor of
    /// the description (`ESPIPE` on a pipe, `EINVAL` for a negative result).
    fn lseek(&self, py: Python<'_>, fd: i32, offset: i64, whence: i32) -> PyResult<i64> {
        self.int(py, Call::Lseek { fd, offset, whence })
    }

    /// `pipe()`: `(read end, write end)`, the two lowest free numbers.
    fn pipe(&self, py: Python<'_>) -> PyResult<(i32, i32)> {
        self.pair(py, Call::Pipe)
    }

    /// `pipe2(flags)` (`O_CLOEXEC`, `O_NONBLOCK`, `O_DIRECT`).
    fn pipe2(&self, py: Python<'_>, flags: u32) -> PyResult<(i32, i32)> {
        self.pair(py, Call::Pipe2 { flags })
    }

    /// `socketpair(domain, type, protocol)` (`AF_UNIX` only; `type` may carry
    /// `SOCK_CLOEXEC`/`SOCK_NONBLOCK`).
    #[pyo3(signature = (domain, ty, protocol = 0))]
    fn socketpair(
        &self,
        py: Python<'_>,
        domain: i32,
        ty: u32,
        protocol: i32,
    ) -> PyResult<(i32, i32)> {
        self.pair(
            py,
            Call::Socketpair {
                domain,
                ty,
                protocol,
            },
        )
    }

    /// `eventfd2(initval, flags)`.
    #[pyo3(signature = (initval, flags = 0))]
    fn eventfd(&self, py: Python<'_>, initval: u32, flags: u32) -> PyResult<i64> {
        self.int(py, Call::Eventfd2 { initval, flags })
    }

    /// `fstat(fd)` as an `os.stat_result` (mode, inode, device, links, size; owner
    /// and times are 0: not modelled).
    fn fstat<'py>(&self, py: Python<'py>, fd: i32) -> PyResult<Bound<'py, PyAny>> {
        let Value::Stat(s) = self.run(py, Call::Fstat { fd }, &[])? else {
            return Err(os_error(Errno::INVAL));
        };
        let fields = (s.mode, s.ino, s.dev, s.nlink, 0, 0, s.size, 0, 0, 0);
        py.import("os")?
            .getattr("stat_result")?
            .call1((PyTuple::new(py, fields.into_pyobject(py)?.iter())?,))
    }

    /// `getrlimit(resource)`: `(soft, hard)` (`RLIMIT_NOFILE` is 7).
    fn getrlimit(&self, py: Python<'_>, resource: u32) -> PyResult<(u64, u64)> {
        match self.run(py, Call::Getrlimit { resource }, &[])? {
            Value::Limit(l) => Ok((l.cur, l.max)),
            _ => Err(os_error(Errno::INVAL)),
        }
    }

    /// `setrlimit(resource, (soft, hard))`: lowering the soft `RLIMIT_NOFILE`
    /// closes nothing; later allocations at or above it fail with `EMFILE`.
    fn setrlimit(&self, py: Python<'_>, resource: u32, limit: (u64, u64)) -> PyResult<()> {
        let limit = RLimit {
            cur: limit.0,
            max: limit.1,
        };
        self.int(py, Call::Setrlimit { resource, limit }).map(drop)
    }

    /// `prlimit64(pid, resource, new)`: the old `(soft, hard)` of process `pid`
    /// (0: the caller), and the new one set when given.
    #[pyo3(signature = (pid, resource, new = None))]
    fn prlimit(
        &self,
        py: Python<'_>,
        pid: u32,
        resource: u32,
        new: Option<(u64, u64)>,
    ) -> PyResult<(u64, u64)> {
        let new = new.map(|(cur, max)| RLimit { cur, max });
        match self.run(py, Call::Prlimit { pid, resource, new }, &[])? {
            Value::Limit(l) => Ok((l.cur, l.max)),
            _ => Err(os_error(Errno::INVAL)),
        }
    }

    /// The process is killed by `signal` (every thread ends, as `exit_group`,
    /// with a killed status for `wait4`).
    fn kill(&self, py: Python<'_>, signal: i32) -> PyResult<()> {
        let task = self.task().map_err(os_error)?;
        let pid = task.pid().get();
        py.detach(|| {
            let _order = lock(&self.shared.order);
            task.kill(signal);
            let name = fdkit::catalog::flagset::signal_name(signal as u64)
                .unwrap_or_else(|| signal.to_string());
            self.shared.record(pid, format!("+++ killed by {name} +++"));
        });
        Ok(())
    }

    /// `fork()`: a new process with a copy of this table (same descriptions, same
    /// close-on-exec flags); returns the child's pid. The child is another task
    /// (`System.task(pid)`), not a second Python process.
    fn fork(&self, py: Python<'_>) -> PyResult<i64> {
        self.int(py, Call::Fork)
    }

    /// `vfork()`: as `fork` for the table.
    fn vfork(&self, py: Python<'_>) -> PyResult<i64> {
        self.int(py, Call::Vfork)
    }

    /// `clone(flags)`: `CLONE_FILES` shares the table, `CLONE_THREAD` makes a
    /// thread; returns the new tid.
    fn clone(&self, py: Python<'_>, flags: u64) -> PyResult<i64> {
        self.int(py, Call::Clone { flags })
    }

    /// `unshare(flags)`: `CLONE_FILES` gives the caller its own copy of the table.
    fn unshare(&self, py: Python<'_>, flags: u64) -> PyResult<()> {
        self.int(py, Call::Unshare { flags }).map(drop)
    }

    /// A successful `execve(path, argv, envp)`: the exec sweep closes every
    /// close-on-exec descriptor; the others stay open in the new program (this is
    /// where descriptors leak). The model runs no program image.
    #[pyo3(signature = (path, argv = None))]
    fn execve(&self, py: Python<'_>, path: String, argv: Option<Vec<String>>) -> PyResult<()> {
        let argv = argv.unwrap_or_else(|| vec![path.clone()]);
        self.run(py, Call::Execve { path }, &argv).map(drop)
    }

    /// `exit(status)`: this thread ends.
    fn exit(&self, py: Python<'_>, status: i32) -> PyResult<()> {
        self.run(py, Call::Exit { status }, &[]).map(drop)
    }

    /// `exit_group(status)`: every thread of the process ends; its table is
    /// released (descriptions close with their last reference) and it is a zombie
    /// until its parent waits for it.
    fn exit_group(&self, py: Python<'_>, status: i32) -> PyResult<()> {
        self.run(py, Call::ExitGroup { status }, &[]).map(drop)
    }

    /// `wait4(pid, WNOHANG?)`: `(pid, ("exited", code) | ("killed", sig))`, or
    /// `None` with `nohang` while no child has exited; `ECHILD` without children.
    #[pyo3(signature = (pid = -1, nohang = false))]
    fn wait4(
        &self,
        py: Python<'_>,
        pid: i32,
        nohang: bool,
    ) -> PyResult<Option<(u32, (&'static str, i32))>> {
        match self.run(py, Call::Wait4 { pid, nohang }, &[])? {
            Value::Child(Some((p, s))) => Ok(Some((p.get(), status_pair(s)))),
            _ => Ok(None),
        }
    }

    /// `mkdir(path, mode)`.
    #[pyo3(signature = (path, mode = 0o777))]
    fn mkdir(&self, py: Python<'_>, path: String, mode: u32) -> PyResult<()> {
        self.int(py, Call::Mkdir { path, mode }).map(drop)
    }

    /// `unlink(path)`: open descriptions keep the file (`(deleted)` in
    /// `/proc/PID/fd`).
    fn unlink(&self, py: Python<'_>, path: String) -> PyResult<()> {
        self.int(py, Call::Unlink { path }).map(drop)
    }

    /// `rmdir(path)`.
    fn rmdir(&self, py: Python<'_>, path: String) -> PyResult<()> {
        self.int(py, Call::Rmdir { path }).map(drop)
    }

    /// `rename(old, new)`.
    fn rename(&self, py: Python<'_>, old: String, new: String) -> PyResult<()> {
        self.int(py, Call::Rename { old, new }).map(drop)
    }

    /// `chdir(path)`.
    fn chdir(&self, py: Python<'_>, path: String) -> PyResult<()> {
        self.int(py, Call::Chdir { path }).map(drop)
    }

    /// The table this thread uses, as data: one `FdInfo` per open descriptor, in
    /// increasing order (`/proc/PID/fd` and `/proc/PID/fdinfo`).
    fn fds(&self, py: Python<'_>) -> PyResult<Vec<PyFdInfo>> {
        let listing = py.detach(|| self.task()?.fd_listing()).map_err(os_error)?;
        Ok(listing.entries.into_iter().map(PyFdInfo::from).collect())
    }

    /// The table as `ls -l /proc/PID/fd` shows it, one line per descriptor
    /// (`lrwx------ 3 -> /tmp/a`), without owner and date.
    fn listing(&self, py: Python<'_>) -> PyResult<String> {
        let listing = py.detach(|| self.task()?.fd_listing()).map_err(os_error)?;
        Ok(listing.to_string())
    }

    fn __repr__(&self) -> String {
        format!("<fdkit.Task {}>", self.tid)
    }
}

/// `fdkit.FdInfo`: one descriptor as `/proc/PID/fd/N` and `/proc/PID/fdinfo/N`
/// describe it.
#[pyclass(name = "FdInfo", module = "fdkit._fdkit", frozen, eq)]
#[derive(PartialEq)]
pub struct PyFdInfo {
    /// The descriptor number.
    #[pyo3(get)]
    fd: u32,
    /// The link text: a path, `pipe:[N]`, `socket:[N]`, `/dev/pts/0` ...
    #[pyo3(get)]
    link: String,
    /// The access mode of the description: `"r"`, `"w"`, `"rw"`, or `""` for
    /// `O_PATH`.
    #[pyo3(get)]
    access: &'static str,
    /// The descriptor's close-on-exec flag (`not os.get_inheritable(fd)`).
    #[pyo3(get)]
    cloexec: bool,
    /// The open file description's identity: equal for descriptors sharing one.
    #[pyo3(get)]
    description: u64,
    /// The description's offset (`fdinfo`'s `pos`).
    #[pyo3(get)]
    offset: u64,
    /// `F_GETFL` of the description (`fdinfo`'s `flags`, without `O_CLOEXEC`).
    #[pyo3(get)]
    flags: u32,
    /// The permission column `ls -l` shows (`lrwx------`).
    #[pyo3(get)]
    mode: &'static str,
}

impl From<FdInfo> for PyFdInfo {
    fn from(e: FdInfo) -> Self {
        let access = match e.access {
            fdkit::AccessMode::ReadOnly => "r",
            fdkit::AccessMode::WriteOnly => "w",
            fdkit::AccessMode::ReadWrite => "rw",
            fdkit::AccessMode::NoAccess => "",
        };
        PyFdInfo {
            fd: e.fd.get(),
            mode: e.mode_string(),
            link: e.link,
            access,
            cloexec: e.cloexec,
            description: e.description,
            offset: e.offset,
            flags: e.flags.bits(),
        }
    }
}

#[pymethods]
impl PyFdInfo {
    fn __repr__(&self) -> String {
        format!(
            "FdInfo(fd={}, link={:?}, access={:?}, cloexec={})",
            self.fd,
            self.link,
            self.access,
            if self.cloexec { "True" } else { "False" }
        )
    }
}

/// `fdkit.Finding`: one leak-audit finding (the rules of `fdkit audit`).
#[pyclass(name = "Finding", module = "fdkit._fdkit", frozen)]
pub struct PyFinding {
    /// `inherited-across-exec`, `open-at-exit`, `use-after-close`,
    /// `double-close`, `stale-number`, `replaced-by-dup2`, `emfile`, `leak-trend`.
    #[pyo3(get)]
    kind: &'static str,
    /// `high`, `medium`, `low` or `info`.
    #[pyo3(get)]
    severity: &'static str,
    /// The log line of the finding (`System.log()`, counted from 1).
    #[pyo3(get)]
    line: u64,
    /// The process.
    #[pyo3(get)]
    pid: u32,
    /// The descriptor, when the finding is about one.
    #[pyo3(get)]
    fd: Option<u32>,
    /// What the descriptor refers to, as `ls -l /proc/PID/fd` shows it.
    #[pyo3(get)]
    object: Option<String>,
    /// The finding in one sentence.
    #[pyo3(get)]
    message: String,
    /// Every occurrence: `(line, pid, program)`.
    #[pyo3(get)]
    places: Vec<(u64, u32, String)>,
}

impl From<Finding> for PyFinding {
    fn from(f: Finding) -> Self {
        PyFinding {
            kind: f.kind.name(),
            severity: f.severity.name(),
            line: f.line,
            pid: f.pid,
            fd: f.fd,
            message: f.message(),
            places: f
                .places
                .iter()
                .map(|p| (p.line, p.pid, p.program.clone()))
                .collect(),
            object: f.object,
        }
    }
}

#[pymethods]
impl PyFinding {
    fn __repr__(&self) -> String {
        format!(
            "Finding({}, {}, line {}, pid {}: {})",
            self.severity, self.kind, self.line, self.pid, self.message
        )
    }

    fn __str__(&self) -> String {
        format!(
            "line {}: pid {}: {} {}: {}",
            self.line, self.pid, self.severity, self.kind, self.message
        )
    }
}

/// The extension module `fdkit._fdkit`.
#[pymodule]
fn _fdkit(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PySystem>()?;
    m.add_class::<PyTask>()?;
    m.add_class::<PyFdInfo>()?;
    m.add_class::<PyFinding>()?;
    Ok(())
}

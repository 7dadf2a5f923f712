//! [`Host`]: runs calls on the real kernel, each scripted process a real process.
//!
//! Read this first. The test process (the *driver*) may be multi-threaded, so it
//! never forks: it starts the helper binary (`fdkit-host-helper`) with
//! [`std::process::Command`], and every real process of a script descends from it.
//!
//! ```text
//! driver (this process)            reaper (session leader, subreaper)
//!   │  spawn ──────────────────────▶ │ fork
//!   │                                 ▼
//!   │  mailbox 0 ◀── shared memory ─▶ p0 ── fork ──▶ p1 ── execve ──▶ p1'
//!   │  mailbox 1 ◀───────────────────────────────────┘ (same mailbox, same pid)
//! ```
//!
//! - **No descriptor is spent on control.** Driver and helpers talk through a System
//!   V shared memory segment: one mailbox per process, a futex word in each
//!   (`mailbox.rs`). A helper's table holds exactly what the script made, so
//!   `dup` returns what the model returns and `close_range(0, ~0U, 0)` breaks nothing.
//!   After `execve` the new program re-attaches by segment id, still without a
//!   descriptor.
//! - **The model's initial state.** `p0` has 0, 1 and 2 open on one read-write open
//!   file description of a fresh pseudo-terminal (as the model's processes have on
//!   `/dev/pts/0`), nothing else (the reaper closes what the driver leaked, such as
//!   cargo's jobserver pipes), umask 022, the configured `RLIMIT_NOFILE` (default
//!   soft 1024, hard 4096, the model's), and its current directory in a private
//!   scratch directory standing for `/` (`scratch.rs`).
//! - **Blocking.** A call that could wait (`read`, `write`, `pread64`, `pwrite64`,
//!   `wait4` without `WNOHANG`) and is still running after
//!   [`Config::block_timeout`] and asleep in the kernel (`/proc/PID/syscall`) is
//!   interrupted with `SIGURG`, whose handler has no `SA_RESTART`: it fails with
//!   `EINTR`, as the model's call does when the
//!   comparison interrupts it ([`crate::Model`]). A scripted run therefore never
//!   hangs on a call that would block.
//! - **Timeouts and cleanup.** Every wait has a deadline ([`Config::call_timeout`])
//!   and notices a helper's death through its pidfd. Dropping the [`Host`] asks idle
//!   helpers to exit, waits for the reaper (which reaps everyone, orphans included),
//!   kills the whole session if that takes too long, and removes the scratch
//!   directory. If the driver dies, the reaper notices within half a second and kills
//!   the session.

use crate::backend::{Backend, Outcome};
use crate::error::{Error, ErrorKind};
use crate::mailbox::{segment_len, Header, Mailbox, FAILED, READY, REQUEST, RESPONSE};
use crate::scratch::Scratch;
use crate::script::{may_block, ProcessRef};
use crate::sys::{self, Kcmp, Segment};
use crate::table::{FdState, Table};
use crate::wire::{Request, Response};
use fdkit::syscall::{Call, Value};
use fdkit::{Errno, RLimit};
use rustix::event::{poll, PollFd, PollFlags, Timespec};
use rustix::process::{pidfd_open, pidfd_send_signal, Pid, PidfdFlags, Signal};
use std::ffi::OsString;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// Settings of a [`Host`].
#[derive(Clone, Debug)]
pub struct Config {
    /// The `fdkit-host-helper` binary, or a binary that embeds the helper (see
    /// [`Config::embedded`]).
    pub helper: PathBuf,
    /// Arguments that come first, before the helper's own (default none; for an
    /// embedding binary, [`crate::helper::EMBEDDED_ARG`]).
    pub helper_args: Vec<OsString>,
    /// `RLIMIT_NOFILE` of the initial process (default soft 1024, hard 4096, as the
    /// model's). Raising the hard limit above the driver's needs privilege.
    pub nofile: RLimit,
    /// Most processes a script may create, `p0` included (default 16).
    pub max_processes: u32,
    /// Bytes a request or response may take, so also the largest `read` (default
    /// 256 KiB; rounded up to a multiple of 64).
    pub capacity: usize,
    /// How long one call, or starting up, may take (default 10 s).
    pub call_timeout: Duration,
    /// How long a call that could block may run before it is interrupted (default
    /// 50 ms).
    pub block_timeout: Duration,
    /// A command prefix to start the helper under, such as
    /// `["strace", "-f", "-o", "log"]` (default none).
    pub launcher: Vec<OsString>,
    /// Where the scratch directory standing for `/` is made (default `/dev/shm`
    /// when it is a tmpfs, whose behaviour the model's filesystem follows, else the
    /// temporary directory).
    pub scratch_parent: PathBuf,
}

impl Config {
    /// Defaults, with the helper at `helper`.
    pub fn new(helper: impl Into<PathBuf>) -> Config {
        Config {
            helper: helper.into(),
            helper_args: Vec::new(),
            nofile: RLimit {
                cur: 1024,
                max: 4096,
            },
            max_processes: 16,
            capacity: 256 * 1024,
            call_timeout: Duration::from_secs(10),
            block_timeout: Duration::from_millis(50),
            launcher: Vec::new(),
            scratch_parent: crate::scratch::default_parent(),
        }
    }

    /// Defaults, with the helper embedded in the binary `exe`: started as `exe
    /// __fdkit-host-helper MODE ...` ([`crate::helper::EMBEDDED_ARG`]). `exe` must
    /// check for that argument in a C `main`, before Rust's start-up reopens closed
    /// descriptors 0-2 (which would change the table a helper inherits across
    /// `execve`), and run [`crate::helper::main`]; this is how the `fdkit` command
    /// carries the helper in itself.
    pub fn embedded(exe: impl Into<PathBuf>) -> Config {
        Config {
            helper_args: vec![crate::helper::EMBEDDED_ARG.into()],
            ..Config::new(exe)
        }
    }

    /// Defaults, with the helper found at `$FDKIT_HOST_HELPER`, or next to the
    /// running executable, or in its parent directory (where cargo puts binaries
    /// relative to test executables in `deps/`).
    ///
    /// # Errors
    /// `HelperNotFound`.
    pub fn locate() -> Result<Config, Error> {
        if let Some(path) = std::env::var_os("FDKIT_HOST_HELPER") {
            return Ok(Config::new(path));
        }
        let exe = std::env::current_exe()
            .map_err(|e| Error::new(ErrorKind::HelperNotFound, e.to_string()))?;
        let dirs = [exe.parent(), exe.parent().and_then(Path::parent)];
        let found = dirs
            .into_iter()
            .flatten()
            .map(|d| d.join("fdkit-host-helper"))
            .find(|p| p.is_file());
        found.map(Config::new).ok_or_else(|| {
            Error::new(
                ErrorKind::HelperNotFound,
                "fdkit-host-helper: build it (cargo build -p fdkit-host) or set FDKIT_HOST_HELPER",
            )
        })
    }
}

/// One real process of the script.
#[derive(Debug)]
struct Proc {
    pid: u32,
    pidfd: OwnedFd,
    alive: bool,
}

/// A live set of real processes running a script's calls on the kernel.
///
/// ```no_run
/// use fdkit::syscall::{Call, Value};
/// use fdkit_host::{Backend, Config, Host, ProcessRef};
///
/// let mut host = Host::start(Config::locate()?)?;
/// let p0 = ProcessRef::INITIAL;
/// let out = host.execute(p0, &Call::Dup { fd: 1 })?;
/// assert_eq!(out.result, Ok(Value::Int(3)));
/// host.shutdown()?;
/// # Ok::<(), fdkit_host::Error>(())
/// ```
#[derive(Debug)]
pub struct Host {
    config: Config,
    launched: Option<Child>,
    launched_fd: Option<OwnedFd>,
    reaper: u32,
    processes: Vec<Proc>,
    nr_open: u32,
    privileged: bool,
    // Dropped after the processes are gone (see `Drop`): the segment, the terminal's
    // master side, then the scratch directory.
    segment: Segment,
    /// The terminal's master side, held so the helpers' terminal stays up.
    _terminal: OwnedFd,
    scratch: Scratch,
}

fn setup_io(what: &'static str) -> impl Fn(std::io::Error) -> Error {
    move |e| Error::setup(what, e)
}

fn setup_errno(what: &'static str) -> impl Fn(rustix::io::Errno) -> Error {
    move |e| Error::setup(what, e)
}

/// A fresh pseudo-terminal: (master, slave), both close-on-exec.
fn open_terminal() -> Result<(OwnedFd, OwnedFd), Error> {
    use rustix::fs::{Mode, OFlags};
    use rustix::pty::{grantpt, openpt, ptsname, unlockpt, OpenptFlags};
    let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY | OpenptFlags::CLOEXEC)
        .map_err(setup_errno("opening a pseudo-terminal"))?;
    grantpt(&master).map_err(setup_errno("grantpt"))?;
    unlockpt(&master).map_err(setup_errno("unlockpt"))?;
    let name = ptsname(&master, Vec::new()).map_err(setup_errno("ptsname"))?;
    let slave = rustix::fs::open(
        name.as_c_str(),
        OFlags::RDWR | OFlags::NOCTTY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(setup_errno("opening the terminal"))?;
    Ok((master, slave))
}

/// Whether the process behind `pidfd` has exited, waiting up to `timeout`.
fn exited(pidfd: &OwnedFd, timeout: Duration) -> bool {
    let ts = Timespec {
        tv_sec: timeout.as_secs() as i64,
        tv_nsec: i64::from(timeout.subsec_nanos()),
    };
    let mut fds = [PollFd::new(pidfd, PollFlags::IN)];
    poll(&mut fds, Some(&ts)).is_ok_and(|n| n > 0)
}

/// Whether this process holds `CAP_SYS_RESOURCE` (bit 24 of `CapEff` in
/// `/proc/self/status`): it decides whether the hard `RLIMIT_NOFILE` may be raised.
/// Being root is not enough — containers often drop the capability.
fn cap_sys_resource() -> bool {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok())
        .is_some_and(|caps| caps & (1 << 24) != 0)
}

/// The hard `RLIMIT_NOFILE` of `pid`, from `/proc/PID/limits`.
fn hard_nofile(pid: u32) -> Option<u64> {
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(4)?.parse().ok()
}

fn open_pidfd(pid: u32) -> Result<OwnedFd, Error> {
    let died = || Error::new(ErrorKind::HelperDied, format!("process {pid} is gone"));
    let pid = Pid::from_raw(pid as i32).ok_or_else(died)?;
    pidfd_open(pid, PidfdFlags::empty()).map_err(|_| died())
}

/// What a wait for a mailbox state is about.
struct Wait<'a> {
    want: u32,
    watch: &'a OwnedFd,
    interrupt: Option<Interrupt<'a>>,
    what: &'a str,
}

/// A call that may be interrupted if it blocks: the process (its pidfd and pid) and
/// the system call number it makes.
#[derive(Clone, Copy)]
struct Interrupt<'a> {
    pidfd: &'a OwnedFd,
    pid: u32,
    syscall: i64,
}

/// The system call a call that could block makes (x86-64 numbers via libc), or
/// `None` for calls that never wait for another process.
fn blocking_syscall(call: &Call) -> Option<i64> {
    if !may_block(call) {
        return None;
    }
    Some(match call {
        Call::Read { .. } => libc::SYS_read,
        Call::Write { .. } => libc::SYS_write,
        Call::Pread { .. } => libc::SYS_pread64,
        Call::Pwrite { .. } => libc::SYS_pwrite64,
        _ => libc::SYS_wait4,
    })
}

/// Whether `pid` is asleep in system call `nr`, from `/proc/PID/syscall` (the
/// number while blocked, `running` otherwise). If the file cannot be read (ptrace
/// restrictions), assume it is.
fn asleep_in(pid: u32, nr: i64) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/syscall")) {
        Ok(text) => text
            .split_whitespace()
            .next()
            .and_then(|n| n.parse::<i64>().ok())
            .is_some_and(|n| n == nr),
        Err(_) => true,
    }
}

impl Config {
    /// Waits until `mailbox` reaches `w.want`; fails if the watched process exits
    /// first, the helper reports a failed setup, or the call timeout passes.
    ///
    /// A call that could block is interrupted with `SIGURG` once it has run for the
    /// block timeout *and* the helper is asleep in that system call: a signal that
    /// lands while the call is still working can fail it too (a terminal write
    /// checks for signals as it goes), which would be a false "would block" under
    /// load. The signal is repeated every 20 ms until the answer comes.
    fn await_state(&self, mailbox: &Mailbox<'_>, w: Wait<'_>) -> Result<(), Error> {
        let start = Instant::now();
        let mut signalled: Option<Instant> = None;
        loop {
            let seen = mailbox.load();
            if seen == w.want {
                return Ok(());
            }
            if seen == FAILED {
                let why = mailbox.response().unwrap_or_default();
                return Err(Error::new(
                    ErrorKind::Setup,
                    String::from_utf8_lossy(&why).into_owned(),
                ));
            }
            let elapsed = start.elapsed();
            if elapsed >= self.call_timeout {
                return Err(Error::new(
                    ErrorKind::Timeout,
                    format!("{}: no answer in {:?}", w.what, self.call_timeout),
                ));
            }
            if exited(w.watch, Duration::ZERO) {
                if mailbox.load() == w.want {
                    return Ok(());
                }
                return Err(Error::new(ErrorKind::HelperDied, w.what.to_string()));
            }
            if let Some(target) = w.interrupt {
                let due = signalled.map_or(elapsed >= self.block_timeout, |t| {
                    t.elapsed() >= Duration::from_millis(20)
                });
                if due && asleep_in(target.pid, target.syscall) {
                    let _ = pidfd_send_signal(target.pidfd, Signal::URG);
                    signalled = Some(Instant::now());
                }
            }
            mailbox.sleep(seen, Duration::from_millis(2));
        }
    }
}

impl Host {
    /// Starts the reaper and the initial process `p0`, ready for calls.
    ///
    /// # Errors
    /// `HelperNotFound`, `Setup` (scratch directory, pseudo-terminal, shared memory,
    /// the helper's own setup), `Timeout`, `HelperDied`.
    pub fn start(config: Config) -> Result<Host, Error> {
        let mut config = config;
        config.capacity = config.capacity.max(4096).div_ceil(64) * 64;
        config.max_processes = config.max_processes.max(1);
        let nr_open = std::fs::read_to_string("/proc/sys/fs/nr_open")
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(1 << 20);
        let scratch = Scratch::create(&config.scratch_parent)?;
        let len = segment_len(config.max_processes, config.capacity)
            .ok_or_else(|| Error::new(ErrorKind::Capacity, "mailboxes too large"))?;
        let segment = Segment::create(len).map_err(|e| Error::setup("shmget", e))?;
        Header::init(&segment, config.max_processes, config.capacity, nr_open)
            .ok_or_else(|| Error::new(ErrorKind::Setup, "shared memory too small"))?;
        let (terminal, slave) = open_terminal()?;
        let mut command = match config.launcher.split_first() {
            None => Command::new(&config.helper),
            Some((program, args)) => {
                let mut c = Command::new(program);
                c.args(args).arg(&config.helper);
                c
            }
        };
        command
            .args(&config.helper_args)
            .arg("root")
            .arg(segment.id().to_string())
            .arg(config.nofile.cur.to_string())
            .arg(config.nofile.max.to_string())
            .arg(std::process::id().to_string())
            .current_dir(scratch.root())
            .stdin(Stdio::from(
                slave.try_clone().map_err(setup_io("dup terminal"))?,
            ))
            .stdout(Stdio::from(
                slave.try_clone().map_err(setup_io("dup terminal"))?,
            ))
            .stderr(Stdio::from(slave));
        let child = command.spawn().map_err(|e| {
            let kind = if e.kind() == std::io::ErrorKind::NotFound {
                ErrorKind::HelperNotFound
            } else {
                ErrorKind::Setup
            };
            Error::new(kind, format!("starting {}: {e}", config.helper.display()))
        })?;
        let launched_fd = open_pidfd(child.id());
        let mut host = Host {
            config,
            launched: Some(child),
            launched_fd: launched_fd.ok(),
            reaper: 0,
            processes: Vec::new(),
            nr_open,
            privileged: cap_sys_resource(),
            segment,
            _terminal: terminal,
            scratch,
        };
        // From here on, dropping `host` tears down whatever started.
        host.await_initial()?;
        Ok(host)
    }

    fn await_initial(&mut self) -> Result<(), Error> {
        let watch = self
            .launched_fd
            .as_ref()
            .ok_or_else(|| Error::new(ErrorKind::HelperDied, "the helper exited at once"))?;
        let header = self.header()?;
        let mailbox = header.slot(0).ok_or_else(protocol)?;
        self.config.await_state(
            &mailbox,
            Wait {
                want: READY,
                watch,
                interrupt: None,
                what: "starting p0",
            },
        )?;
        let pid = mailbox.pid.load(Ordering::Relaxed);
        let reaper = header.reaper().map_or(0, |w| w.load(Ordering::Acquire));
        let pidfd = open_pidfd(pid)?;
        self.reaper = reaper;
        self.processes.push(Proc {
            pid,
            pidfd,
            alive: true,
        });
        Ok(())
    }

    fn header(&self) -> Result<Header<'_>, Error> {
        Header::open(&self.segment).ok_or_else(protocol)
    }

    /// The settings a [`Model`](crate::Model) needs to start in this host's state:
    /// the same `RLIMIT_NOFILE`, the host's `fs.nr_open`, umask 022, and privileged
    /// if the helpers hold `CAP_SYS_RESOURCE` (so raising the hard limit agrees). The
    /// model's `privileged` also bypasses file permission bits (`CAP_DAC_OVERRIDE`);
    /// scripts that compare permission checks should create files the owner can
    /// read and write.
    pub fn model_config(&self) -> fdkit::Config {
        fdkit::Config {
            nr_open: self.nr_open,
            nofile: self.config.nofile,
            privileged: self.privileged,
            umask: 0o022,
            ..fdkit::Config::default()
        }
    }

    /// The settings this host runs with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The real pid of `process`, if it was created.
    pub fn pid(&self, process: ProcessRef) -> Option<u32> {
        self.processes.get(process.index()).map(|p| p.pid)
    }

    /// Whether descriptor `fa` of `a` and descriptor `fb` of `b` refer to the same
    /// open file description (`kcmp(KCMP_FILE)`), as the model's description ids
    /// tell. `None` if either process is gone, either number is not open, or the
    /// kernel refuses `kcmp` (no `CONFIG_KCMP`, or ptrace restrictions).
    pub fn same_description(&self, a: ProcessRef, fa: u32, b: ProcessRef, fb: u32) -> Option<bool> {
        let (pa, pb) = (self.live_pid(a)?, self.live_pid(b)?);
        sys::kcmp(pa, pb, Kcmp::File, fa, fb)
            .ok()
            .map(|order| order == 0)
    }

    /// Whether `a` and `b` share one descriptor table (`kcmp(KCMP_FILES)`: a
    /// `clone(CLONE_FILES)` child and its parent, until one unshares). `None` if
    /// either process is gone or the kernel refuses `kcmp`.
    pub fn same_table(&self, a: ProcessRef, b: ProcessRef) -> Option<bool> {
        let (pa, pb) = (self.live_pid(a)?, self.live_pid(b)?);
        sys::kcmp(pa, pb, Kcmp::Files, 0, 0)
            .ok()
            .map(|order| order == 0)
    }

    fn live_pid(&self, process: ProcessRef) -> Option<u32> {
        self.live(process).map(|index| self.processes[index].pid)
    }

    /// The scratch directory standing for `/`.
    pub fn scratch_dir(&self) -> &Path {
        self.scratch.root()
    }

    fn live(&self, process: ProcessRef) -> Option<usize> {
        let index = process.index();
        self.processes.get(index).filter(|p| p.alive).map(|_| index)
    }

    /// The numbers open in process `index`, from `/proc/PID/fd`.
    fn open_fds(&self, index: usize) -> Result<Vec<u32>, Error> {
        let pid = self.processes[index].pid;
        let dir = std::fs::read_dir(format!("/proc/{pid}/fd")).map_err(|e| {
            Error::new(
                ErrorKind::HelperDied,
                format!("reading /proc/{pid}/fd: {e}"),
            )
        })?;
        Ok(dir
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.parse().ok())
            .collect())
    }

    fn unmap_table(&self, table: Table) -> Table {
        Table {
            fds: table
                .fds
                .into_iter()
                .map(|s| FdState {
                    link: self.scratch.unmap_link(&s.link),
                    ..s
                })
                .collect(),
        }
    }

    /// Posts `request` to process `index` and waits for the response.
    fn request(
        &mut self,
        index: usize,
        request: &Request,
        blocking: Option<i64>,
    ) -> Result<Response, Error> {
        let bytes = request.encode();
        let header = self.header()?;
        let mailbox = header.slot(index as u32).ok_or_else(protocol)?;
        if mailbox.load() != READY {
            return Err(Error::new(
                ErrorKind::Protocol,
                format!("p{index} is not waiting for a request"),
            ));
        }
        if !mailbox.put_request(&bytes) {
            return Err(Error::new(
                ErrorKind::Capacity,
                format!(
                    "a {}-byte request does not fit {} bytes",
                    bytes.len(),
                    mailbox.capacity()
                ),
            ));
        }
        mailbox.hand_over(REQUEST);
        let proc = &self.processes[index];
        let what = format!("p{index} (pid {})", proc.pid);
        let waited = self.config.await_state(
            &mailbox,
            Wait {
                want: RESPONSE,
                watch: &proc.pidfd,
                interrupt: blocking.map(|syscall| Interrupt {
                    pidfd: &proc.pidfd,
                    pid: proc.pid,
                    syscall,
                }),
                what: &what,
            },
        );
        if let Err(e) = waited {
            if e.kind() == ErrorKind::HelperDied {
                self.processes[index].alive = false;
            }
            return Err(e);
        }
        let response = mailbox
            .response()
            .and_then(|b| Response::decode(&b).ok())
            .ok_or_else(protocol);
        mailbox.state.store(READY, Ordering::Release);
        response
    }

    /// Waits for process `index` to exit after `exit`/`exit_group` was posted.
    fn await_exit(&mut self, index: usize) -> Result<Outcome, Error> {
        let start = Instant::now();
        loop {
            let proc = &self.processes[index];
            if exited(&proc.pidfd, Duration::from_millis(2)) {
                self.processes[index].alive = false;
                return Ok(Ok(Value::NoReturn).into());
            }
            let header = self.header()?;
            let mailbox = header.slot(index as u32).ok_or_else(protocol)?;
            if mailbox.load() == RESPONSE {
                let response = mailbox.response().and_then(|b| Response::decode(&b).ok());
                mailbox.state.store(READY, Ordering::Release);
                return Err(match response {
                    Some(Response::Unsupported(why)) => Error::new(ErrorKind::Unsupported, why),
                    _ => protocol(),
                });
            }
            if start.elapsed() >= self.config.call_timeout {
                return Err(Error::new(
                    ErrorKind::Timeout,
                    format!("p{index} did not exit"),
                ));
            }
        }
    }

    /// Registers the process a `fork`/`clone` created once it serves mailbox `slot`.
    fn adopt(&mut self, slot: u32, pid: u32) -> Result<(), Error> {
        let pidfd = open_pidfd(pid)?;
        let header = self.header()?;
        let mailbox = header.slot(slot).ok_or_else(protocol)?;
        self.config.await_state(
            &mailbox,
            Wait {
                want: READY,
                watch: &pidfd,
                interrupt: None,
                what: &format!("new process {pid}"),
            },
        )?;
        if mailbox.pid.load(Ordering::Relaxed) != pid {
            return Err(protocol());
        }
        self.processes.push(Proc {
            pid,
            pidfd,
            alive: true,
        });
        Ok(())
    }

    /// Ends every helper and removes the scratch directory, reporting whether they
    /// all went quietly (dropping a `Host` does the same, ignoring failures).
    ///
    /// # Errors
    /// `Timeout`: helpers had to be killed.
    pub fn shutdown(mut self) -> Result<(), Error> {
        self.teardown()
    }

    fn teardown(&mut self) -> Result<(), Error> {
        let Some(mut launched) = self.launched.take() else {
            return Ok(());
        };
        if let Ok(header) = self.header() {
            let quit = Request::Quit.encode();
            for (index, proc) in self.processes.iter().enumerate().rev() {
                let Some(mailbox) = header.slot(index as u32) else {
                    continue;
                };
                if proc.alive && mailbox.load() == READY && mailbox.put_request(&quit) {
                    mailbox.hand_over(REQUEST);
                }
            }
        }
        // The reaper exits once every descendant is gone (and a launcher with it).
        let quiet = self
            .launched_fd
            .as_ref()
            .is_some_and(|fd| exited(fd, Duration::from_secs(2)));
        if !quiet {
            if let Some(reaper) = Pid::from_raw(self.reaper as i32) {
                let _ = rustix::process::kill_process_group(reaper, Signal::KILL);
            }
            let _ = launched.kill();
        }
        let _ = launched.wait();
        for proc in &mut self.processes {
            proc.alive = false;
        }
        if quiet {
            Ok(())
        } else {
            Err(Error::new(
                ErrorKind::Timeout,
                "helpers did not exit; killed them",
            ))
        }
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        let _ = self.teardown();
    }
}

fn protocol() -> Error {
    Error::new(ErrorKind::Protocol, "malformed mailbox or message")
}

impl Backend for Host {
    fn execute(&mut self, process: ProcessRef, call: &Call) -> Result<Outcome, Error> {
        let Some(index) = self.live(process) else {
            return Ok(Err(Errno::SRCH).into());
        };
        let mapped = self.scratch.map_call(call)?;
        let spawning = matches!(call, Call::Fork | Call::Clone { .. });
        let child_slot = self.processes.len() as u32;
        if spawning && child_slot >= self.config.max_processes {
            return Err(Error::new(
                ErrorKind::Capacity,
                format!("more than {} processes", self.config.max_processes),
            ));
        }
        let candidates = match call {
            Call::Execve { .. } => {
                let fds = self.open_fds(index)?;
                self.check_loader_room(index, &fds)?;
                fds
            }
            _ => Vec::new(),
        };
        let request = Request::Call {
            call: mapped,
            child_slot,
            candidates,
        };
        if matches!(call, Call::Exit { .. } | Call::ExitGroup { .. }) {
            self.request_exit(index, &request)?;
            return self.await_exit(index);
        }
        match self.request(index, &request, blocking_syscall(call))? {
            Response::Done { result, table } => {
                if let (true, Ok(Value::Int(pid))) = (spawning, &result) {
                    self.adopt(child_slot, *pid as u32)?;
                }
                Ok(Outcome {
                    result,
                    table: table.map(|t| self.unmap_table(t)),
                })
            }
            Response::Unsupported(why) => Err(Error::new(ErrorKind::Unsupported, why)),
            Response::Table(_) => Err(protocol()),
        }
    }

    fn table(&mut self, process: ProcessRef) -> Result<Option<Table>, Error> {
        let Some(index) = self.live(process) else {
            return Ok(None);
        };
        let candidates = self.open_fds(index)?;
        match self.request(index, &Request::Table { candidates }, None)? {
            Response::Table(t) => Ok(Some(self.unmap_table(t))),
            _ => Err(protocol()),
        }
    }

    fn process_of(&self, pid: u32) -> Option<ProcessRef> {
        self.processes
            .iter()
            .position(|p| p.pid == pid)
            .map(|i| ProcessRef(i as u32))
    }

    fn pid_of(&self, process: ProcessRef) -> Option<u32> {
        self.pid(process)
    }

    fn created(&self) -> u32 {
        self.processes.len() as u32
    }

    fn link(&mut self, process: ProcessRef, fd: i32) -> Option<String> {
        let pid = self.processes.get(self.live(process)?)?.pid;
        let link = std::fs::read_link(format!("/proc/{pid}/fd/{fd}")).ok()?;
        Some(self.scratch.unmap_link(link.to_str()?))
    }
}

impl Host {
    /// Refuses an `execve` after which the helper could not start: its dynamic
    /// loader needs a free number below the limit, which the helper can raise to the
    /// hard limit (or beyond, with `CAP_SYS_RESOURCE`) but no further. The kernel
    /// would run the exec; the executor cannot observe it.
    fn check_loader_room(&self, index: usize, open: &[u32]) -> Result<(), Error> {
        if self.privileged {
            return Ok(());
        }
        let pid = self.processes[index].pid;
        let Some(hard) = hard_nofile(pid) else {
            return Ok(());
        };
        let lowest_free = (0..).find(|n| !open.contains(n)).unwrap_or(u32::MAX);
        if u64::from(lowest_free) >= hard {
            return Err(Error::new(
                ErrorKind::Unsupported,
                format!(
                    "execve with descriptors 0..{hard} all open: the helper's dynamic loader \
                     would find no free number (raising the hard limit needs CAP_SYS_RESOURCE)"
                ),
            ));
        }
        Ok(())
    }

    /// Posts an `exit`/`exit_group` request without waiting for a response.
    fn request_exit(&self, index: usize, request: &Request) -> Result<(), Error> {
        let header = self.header()?;
        let mailbox = header.slot(index as u32).ok_or_else(protocol)?;
        if mailbox.load() != READY || !mailbox.put_request(&request.encode()) {
            return Err(protocol());
        }
        mailbox.hand_over(REQUEST);
        Ok(())
    }
}

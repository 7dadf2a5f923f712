//! Live mode: `fdkit audit|check|tables [OPTIONS] -- PROG [ARGS...]` runs PROG
//! under `strace -f` and replays the log as strace writes it.
//!
//! # How the log gets to fdkit
//!
//! fdkit makes a pipe with both ends close-on-exec and starts
//! `strace -f -q [-k] -o /proc/FDKIT_PID/fd/W -- PROG ARGS...`, where `W` is the
//! pipe's write end in *fdkit's* table. strace opens that path itself (a new
//! write-only description of the same pipe) and marks its output descriptor
//! close-on-exec, so:
//!
//! - strace inherits nothing from fdkit but the user's descriptors (both pipe
//!   ends are close-on-exec in fdkit), and PROG gets nothing from strace: PROG
//!   starts with exactly the table the user's shell gave fdkit (a test traces
//!   `ls -l /proc/self/fd` to check it);
//! - no file is made (a FIFO would need a temporary name; `-o /proc/self/fd/N`
//!   would need `N` open without close-on-exec in strace, and strace would then
//!   hand it to PROG);
//! - fdkit holds its write end until strace has exited (a thread waits for it),
//!   so strace can open the path whenever it starts up; the reader then sees end
//!   of file exactly when strace and every traced process are gone.
//!
//! PROG's standard input, output and error are fdkit's own; strace's log never
//! touches them (strace writes only its rare diagnostics to standard error,
//! `-q` silences the attach and detach notices). `-k` (stack traces) is added
//! when this strace supports it, found by one probe, which also tells whether
//! ptrace is permitted here.
//!
//! # Signals
//!
//! While PROG runs, fdkit does not die of `SIGINT`, `SIGTERM` or `SIGHUP`: it
//! sends the signal to PROG (the first pid of the log; strace, which blocks
//! fatal signals while it runs a program with `-o`, delivers it; a signal that
//! comes before the log's first line waits for it), and reports on the log up to
//! PROG's end. A Ctrl-C on a terminal reaches all three processes anyway; the
//! forwarding covers a signal sent to fdkit alone. Once strace has exited, the
//! previous dispositions are back (a Ctrl-C then stops fdkit's report). A signal
//! ignored when fdkit started (a background job's `SIGINT`) stays ignored.
//!
//! # Errors (one line each, exit 2)
//!
//! strace not installed, ptrace not permitted, PROG not found or not
//! executable: fdkit looks these up before it starts strace. PROG's `execve`
//! failing all the same (a script's interpreter missing): the log's first line
//! says so, and fdkit reports it after strace's own `exec:` line.

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicI32, Ordering};
use std::thread::JoinHandle;

use anyhow::{bail, Context as _};

/// The program to run live, and where to keep its log.
#[derive(Debug)]
pub struct Target<'a> {
    /// PROG and its arguments (never empty).
    pub command: &'a [OsString],
    /// `--log FILE`: a copy of the log.
    pub keep: Option<&'a Path>,
}

/// A running `strace -f PROG`: reading it reads the log as strace writes it.
/// Dropping it drains the rest of the log and waits for strace.
pub struct Live {
    reader: File,
    tee: Option<(io::BufWriter<File>, PathBuf)>,
    waiter: Option<JoinHandle<io::Result<ExitStatus>>>,
    name: String,
    /// Whether the log held anything (a PROG that started).
    read_any: bool,
    /// The log's first bytes, until PROG's pid is known.
    head: Option<Vec<u8>>,
    /// The log's first line, until it is complete: PROG's `execve`.
    first_line: Option<Vec<u8>>,
    /// That `execve`'s error, when it failed (`ENOEXEC (Exec format error)`).
    exec_failed: Option<String>,
    /// The signal dispositions the forwarder replaced, put back once strace is gone.
    saved: Vec<(libc::c_int, libc::sigaction)>,
    /// The descriptors PROG starts with: fdkit's own that are not close-on-exec
    /// when it starts strace (strace passes them on untouched).
    inherited: Vec<u32>,
    /// Whether strace records stacks (`-k`): source locations for `fdkit audit`.
    stacks: bool,
}

/// strace's pid while it runs, for the signal forwarder (0: none).
static STRACE_PID: AtomicI32 = AtomicI32::new(0);
/// PROG's pid (the first pid of the log) while strace runs (0: not known yet).
static PROG_PID: AtomicI32 = AtomicI32::new(0);

/// A signal that came before PROG's pid was known (0: none): delivered to PROG
/// as soon as the log names it.
static PENDING: AtomicI32 = AtomicI32::new(0);

extern "C" fn forward(sig: libc::c_int) {
    let prog = PROG_PID.load(Ordering::SeqCst);
    let pid = if prog > 0 {
        prog
    } else {
        // strace blocks fatal signals while it runs a program with `-o` (`-I3`):
        // keep the signal for PROG too.
        PENDING.store(sig, Ordering::SeqCst);
        STRACE_PID.load(Ordering::SeqCst)
    };
    if pid > 0 {
        // SAFETY: kill is async-signal-safe.
        unsafe {
            libc::kill(pid, sig);
        }
    }
}

impl Live {
    /// Starts `strace -f` on the target.
    ///
    /// # Errors
    /// strace missing or not allowed to trace, PROG not found, the pipe or the
    /// `--log` file cannot be made.
    pub fn start(target: &Target<'_>) -> anyhow::Result<Live> {
        let (prog, args) = target
            .command
            .split_first()
            .context("no program to run after `--`")?;
        let strace = which(OsStr::new("strace")).context(
            "strace is not installed (live mode runs the program under `strace -f`): \
             install it, e.g. `apt-get install strace`",
        )?;
        resolve(prog)?;
        let stack = probe(&strace)?;
        let tee = match target.keep {
            Some(path) => {
                let f = File::create(path)
                    .with_context(|| format!("{}: cannot create", path.display()))?;
                Some((io::BufWriter::with_capacity(1 << 16, f), path.to_owned()))
            }
            None => None,
        };
        let (reader, writer) = pipe()?;
        let inherited = inheritable_fds();
        let mut cmd = Command::new(&strace);
        cmd.arg("-f").arg("-q");
        if stack {
            cmd.arg("-k");
        }
        // strace opens our write end through /proc (see the module docs).
        let out = format!("/proc/{}/fd/{}", std::process::id(), writer.as_raw_fd());
        cmd.arg("-o").arg(out).arg("--").arg(prog).args(args);
        cmd.stdin(Stdio::inherit())
            .stdout(Stdio::inherit())
            .stderr(Stdio::inherit());
        let mut child = cmd
            .spawn()
            .with_context(|| format!("{}: cannot start", strace.display()))?;
        STRACE_PID.store(child.id() as i32, Ordering::SeqCst);
        let saved = install_forwarder();
        let waiter = std::thread::spawn(move || {
            let status = child.wait();
            // strace and its tracees are gone: end of file for the reader.
            drop(writer);
            status
        });
        let name = match target.keep {
            Some(p) => p.display().to_string(),
            None => format!("<{}>", Path::new(prog).display()),
        };
        Ok(Live {
            reader,
            tee,
            waiter: Some(waiter),
            saved,
            name,
            read_any: false,
            head: Some(Vec::new()),
            first_line: Some(Vec::new()),
            exec_failed: None,
            inherited,
            stacks: stack,
        })
    }

    /// Whether this strace records each call's stack (`-k`; the probe runs
    /// `strace -f -k` once): `fdkit audit`'s source locations.
    pub fn stacks(&self) -> bool {
        self.stacks
    }

    /// The descriptors PROG starts with, known exactly in live mode: the replay's
    /// starting table (`--initial-fds`), so nothing about the start is inferred.
    pub fn inherited(&self) -> &[u32] {
        &self.inherited
    }

    /// The log's name in messages: the `--log` file, or `<PROG>`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Reads the rest of the log (kept with `--log`, else dropped), waits for
    /// strace, and flushes the kept log. Once; later calls do nothing.
    ///
    /// # Errors
    /// The log could not be read or kept; PROG never started (strace said why
    /// on standard error).
    pub fn finish(&mut self) -> anyhow::Result<()> {
        if self.waiter.is_none() {
            return Ok(());
        }
        let mut sink = [0u8; 1 << 16];
        loop {
            match self.read(&mut sink) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(anyhow::Error::new(e).context("reading strace's log")),
            }
        }
        let status = self.wait();
        if let Some((w, path)) = &mut self.tee {
            w.flush()
                .with_context(|| format!("{}: cannot write", path.display()))?;
        }
        let status = status.context("waiting for strace")?;
        if let Some(why) = &self.exec_failed {
            bail!("{}: cannot run: {why}", self.name.trim_matches(['<', '>']));
        }
        if !self.read_any {
            bail!(
                "{}: strace could not run it ({status})",
                self.name.trim_matches(['<', '>'])
            );
        }
        Ok(())
    }

    fn wait(&mut self) -> io::Result<ExitStatus> {
        let Some(w) = self.waiter.take() else {
            return Err(io::Error::other("already waited"));
        };
        let r = w
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("waiter panicked")));
        STRACE_PID.store(0, Ordering::SeqCst);
        PROG_PID.store(0, Ordering::SeqCst);
        PENDING.store(0, Ordering::SeqCst);
        for (sig, old) in self.saved.drain(..) {
            // SAFETY: restoring a disposition sigaction returned.
            unsafe {
                libc::sigaction(sig, &old, std::ptr::null_mut());
            }
        }
        r
    }
}

impl Live {
    /// Collects the log's first line and notes whether PROG's `execve` failed
    /// (a script's missing interpreter, a binary for another machine): strace
    /// writes `PID execve("PROG", ...) = -1 ENOENT (No such file or directory)`.
    fn learn_start(&mut self, bytes: &[u8]) {
        let Some(line) = &mut self.first_line else {
            return;
        };
        let end = bytes.iter().position(|&b| b == b'\n');
        line.extend_from_slice(&bytes[..end.unwrap_or(bytes.len())]);
        if end.is_none() && line.len() < 1 << 16 {
            return;
        }
        let text = String::from_utf8_lossy(line);
        if text.contains(" execve(") {
            if let Some((_, result)) = text.rsplit_once(") = ") {
                if let Some(errno) = result.strip_prefix("-1 ") {
                    self.exec_failed = Some(errno.trim().to_owned());
                }
            }
        }
        self.first_line = None;
    }

    /// Notes PROG's pid for the signal forwarder: the log's first word (`strace
    /// -f` starts each line with the pid).
    fn learn_pid(&mut self, bytes: &[u8]) {
        let Some(head) = &mut self.head else { return };
        let end = bytes.iter().position(|b| !b.is_ascii_digit());
        head.extend_from_slice(&bytes[..end.unwrap_or(bytes.len())]);
        if end.is_some() || head.len() > 10 {
            let pid = std::str::from_utf8(head)
                .ok()
                .and_then(|t| t.parse::<i32>().ok())
                .unwrap_or(0);
            if pid > 0 && self.waiter.is_some() {
                PROG_PID.store(pid, Ordering::SeqCst);
                let sig = PENDING.swap(0, Ordering::SeqCst);
                if sig != 0 {
                    // SAFETY: a signal to PROG, which strace still traces (it
                    // cannot be reaped, so the pid is still PROG's).
                    unsafe {
                        libc::kill(pid, sig);
                    }
                }
            }
            self.head = None;
        }
    }
}

impl Read for Live {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.reader.read(buf)?;
        if n > 0 {
            self.read_any = true;
            self.learn_pid(&buf[..n]);
            self.learn_start(&buf[..n]);
            if let Some((w, _)) = &mut self.tee {
                w.write_all(&buf[..n])?;
            }
        }
        Ok(n)
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        if self.waiter.is_some() {
            // An early return (an error, a closed stdout): let PROG run to its
            // end rather than kill it or leave it without its tracer.
            let _ = self.finish();
        }
    }
}

/// Installs [`forward`] for SIGINT, SIGTERM and SIGHUP, except where the signal
/// is ignored (a background job's SIGINT); returns the dispositions replaced.
fn install_forwarder() -> Vec<(libc::c_int, libc::sigaction)> {
    let mut saved = Vec::new();
    for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: reading the current disposition, then a plain handler that only
        // uses atomics and kill; SA_RESTART keeps the reads going.
        unsafe {
            let mut old: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(sig, std::ptr::null(), &mut old) != 0
                || old.sa_sigaction == libc::SIG_IGN
            {
                continue;
            }
            let mut act: libc::sigaction = std::mem::zeroed();
            act.sa_sigaction = forward as extern "C" fn(libc::c_int) as libc::sighandler_t;
            act.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut act.sa_mask);
            if libc::sigaction(sig, &act, std::ptr::null_mut()) == 0 {
                saved.push((sig, old));
            }
        }
    }
    saved
}

/// A pipe, both ends close-on-exec: (read, write).
fn pipe() -> anyhow::Result<(File, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: pipe2 writes two descriptors into `fds`.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(anyhow::Error::new(io::Error::last_os_error()).context("pipe2"));
    }
    // SAFETY: both descriptors are new and owned by nobody else.
    unsafe { Ok((File::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1]))) }
}

/// Whether this strace can trace here, and with `-k`: runs `strace -f -k -o
/// /dev/null true` and, if that fails, without `-k`.
fn probe(strace: &Path) -> anyhow::Result<bool> {
    let run = |stack: bool| {
        let mut c = Command::new(strace);
        c.arg("-f");
        if stack {
            c.arg("-k");
        }
        c.args(["-o", "/dev/null", "--", "true"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
    };
    let out = run(true).with_context(|| format!("{}: cannot start", strace.display()))?;
    if out.status.success() {
        return Ok(true);
    }
    let out = run(false).with_context(|| format!("{}: cannot start", strace.display()))?;
    if out.status.success() {
        return Ok(false);
    }
    let why = String::from_utf8_lossy(&out.stderr);
    if why.contains("Operation not permitted") || why.contains("EPERM") {
        bail!(
            "strace cannot trace here: ptrace is not permitted (in a container, start it \
             with `--cap-add SYS_PTRACE`; check `sysctl kernel.yama.ptrace_scope`, 0 or 1 allow it)"
        );
    }
    let first = why.lines().next().unwrap_or("").trim();
    bail!("strace does not work here: {first} ({})", out.status)
}

/// Checks that PROG can be started as strace will start it (a path with a
/// `/`, else the first executable of that name in `PATH`).
fn resolve(prog: &OsStr) -> anyhow::Result<PathBuf> {
    let shown = Path::new(prog).display();
    if prog.is_empty() {
        bail!("no program to run after `--`");
    }
    if prog.as_bytes().contains(&b'/') {
        let path = PathBuf::from(prog);
        let meta = path
            .metadata()
            .with_context(|| format!("{shown}: cannot run"))?;
        if meta.is_dir() {
            bail!("{shown}: cannot run: is a directory");
        }
        if meta.permissions().mode() & 0o111 == 0 {
            bail!("{shown}: cannot run: not executable");
        }
        return Ok(path);
    }
    which(prog).with_context(|| format!("{shown}: command not found"))
}

/// The first executable file `name` in `PATH`.
fn which(name: &OsStr) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| {
            p.metadata()
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

/// Where the replay of `audit`, `check`, `tables` and `view` starts: the LOG's
/// companions (`-ff` files), the state the log starts from, or live mode.
#[derive(clap::Args, Debug)]
pub struct Source {
    /// More of `strace -ff -o PREFIX`'s per-process files (`PREFIX.PID`),
    /// merged with LOG by their timestamps; LOG may also be PREFIX itself.
    #[arg(value_name = "MORE", conflicts_with = "command")]
    pub more: Vec<PathBuf>,
    /// The descriptors open when the log starts, e.g. `0,1,2,255` (default: 0, 1,
    /// 2, with more inferred from evidence; with this flag nothing is inferred; in
    /// live mode, the descriptors PROG inherits).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub initial_fds: Option<Vec<u32>>,
    /// The soft RLIMIT_NOFILE when the log starts (default: 1024, or what the
    /// log's getrlimit/prlimit64 calls show).
    #[arg(long, value_name = "N")]
    pub nofile: Option<u64>,
    /// Live mode: run PROG with its ARGS under `strace -f` and replay its log as it
    /// runs, instead of reading LOG (PROG keeps this terminal's standard input,
    /// output and error).
    #[arg(last = true, value_name = "PROG [ARGS]")]
    pub command: Vec<OsString>,
    /// Live mode: also keep the log in FILE.
    #[arg(long = "log", value_name = "FILE", requires = "command")]
    pub keep_log: Option<PathBuf>,
}

/// A subcommand's log source once started: PROG under strace (live mode), or
/// the log file or standard input.
pub struct Started {
    /// The live run, in live mode.
    pub live: Option<Live>,
    /// The log's name in messages: `<PROG>`, the `--log` file, or the file given.
    pub name: String,
    /// The replay's options: `--nofile`, and `--initial-fds` when given, else in
    /// live mode PROG's starting descriptors (known exactly: what fdkit passes on).
    pub options: fdkit_replay::Options,
}

impl Source {
    /// Starts PROG under strace in live mode; otherwise names `log`.
    /// `--initial-fds` wins over what live mode knows.
    ///
    /// # Errors
    /// As [`Live::start`].
    pub fn start_for(&self, log: &Path) -> anyhow::Result<Started> {
        let live = self.start()?;
        let name = match &live {
            Some(l) => l.name().to_owned(),
            None => log.display().to_string(),
        };
        let initial_fds = match &self.initial_fds {
            Some(fds) => Some(fds.clone()),
            None => live.as_ref().map(|l| l.inherited().to_vec()),
        };
        Ok(Started {
            live,
            name,
            options: fdkit_replay::Options {
                initial_fds,
                nofile: self.nofile,
            },
        })
    }

    /// Starts PROG under strace when live mode was asked for.
    ///
    /// # Errors
    /// As [`Live::start`].
    pub fn start(&self) -> anyhow::Result<Option<Live>> {
        if self.command.is_empty() {
            return Ok(None);
        }
        Live::start(&Target {
            command: &self.command,
            keep: self.keep_log.as_deref(),
        })
        .map(Some)
    }
}

/// This process's descriptors that an `execve` keeps (no close-on-exec), in order.
fn inheritable_fds() -> Vec<u32> {
    let mut fds: Vec<u32> = match std::fs::read_dir("/proc/self/fd") {
        Ok(dir) => dir
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
            .collect(),
        Err(_) => (0..3).collect(),
    };
    fds.retain(|&fd| {
        // SAFETY: F_GETFD only reads the descriptor's flags.
        let flags = unsafe { libc::fcntl(fd as libc::c_int, libc::F_GETFD) };
        flags >= 0 && flags & libc::FD_CLOEXEC == 0
    });
    fds.sort_unstable();
    fds
}

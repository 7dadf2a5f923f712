//! The log `fdkit check`, `audit` and `tables` read: a file, standard input, or
//! `strace -ff`'s per-process files merged into one log.
//!
//! # Per-process logs (`strace -ff -o PREFIX`)
//!
//! `fdkit audit PREFIX.1234 PREFIX.1235 ...` (several files), or
//! `fdkit audit PREFIX` when no file `PREFIX` exists but `PREFIX.PID` files do,
//! reads the files merged as `strace-log-merge` merges them
//! ([`fdkit_strace::merge`]): each line gets the pid its file is named after
//! (the `strace -f -o` form, `PID line`) and the lines of all files are
//! ordered by their timestamps (`-t`, `-tt`, `-ttt`; stable on ties). Files
//! without timestamps are one error line saying to record with `-tt`. The merge
//! is streamed: one line per file is held, whatever the logs' length.
//! strace stamps a line with the time its call *started*, and `-ff` never
//! splits a call into `<unfinished ...>` and `<... resumed>`: calls that
//! overlapped in two processes come in the order they started, with their
//! results; the replay accepts overlapping results (as for threads in one
//! `-f` log).
//!
//! # Logs strace wrote to its standard error (`strace -f` without `-o`)
//!
//! strace then prefixes a line with `[pid N]` only while it traces more than
//! one process: the first process's lines before its first child have no pid,
//! and neither have the lines after the last child exited. The replay gives
//! unprefixed lines to the only live process, but the first process's early
//! lines were replayed before its pid was known, under a stand-in, so findings
//! about descriptors it opened then (open at exit...) were lost. [`StderrForm`]
//! reads ahead until the first process's pid shows (the first `[pid N]` line
//! that is not a child: not a pid a `clone`/`fork`/`vfork` returned or an
//! attach notice named, nor a line printed while the first process's `clone`
//! was still pending) and gives those early lines the `[pid N] ` prefix.
//! It holds at most [`MAX_AHEAD`] bytes: a longer log without a second process
//! (or without pids at all) is passed on as it is.
//!
//! Line numbers in findings and divergences count the lines of the merged log
//! (what `strace-log-merge PREFIX` prints); an input error names the real file
//! and its own line and column ([`error_at`]), as does every position [`locate`]
//! can still map (the last [`MAX_RUNS`] switches from one file to another are
//! remembered: 24 bytes each, a bounded amount whatever the log's length).

use std::cell::RefCell;
use std::collections::VecDeque;
use std::ffi::OsStr;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use fdkit_replay::InputError;
use fdkit_strace::merge::{Merge, MergeError};

/// How many runs of consecutive lines from one file are remembered to map
/// merged line numbers back to files (1.5 MiB at most).
pub const MAX_RUNS: usize = 1 << 16;

/// The input: standard input (`-`), a file, or per-process files merged. `more`
/// are further files named on the command line (`strace -ff`'s).
///
/// # Errors
/// A file that cannot be opened, a per-process file not named `PREFIX.PID`,
/// per-process files without timestamps: one line each.
pub fn open(path: &Path, more: &[PathBuf], name: &str) -> anyhow::Result<Box<dyn Read>> {
    ORIGINS.with(|o| *o.borrow_mut() = None);
    if !more.is_empty() {
        let mut files = vec![path.to_path_buf()];
        files.extend(more.iter().cloned());
        let mut named = Vec::with_capacity(files.len());
        for f in files {
            let pid = pid_of(&f).with_context(|| {
                format!(
                    "{}: several logs are merged as `strace -ff -o PREFIX` wrote them, \
                     named PREFIX.PID; this name has no .PID",
                    f.display()
                )
            })?;
            named.push((pid, f));
        }
        return merged(named);
    }
    if path == Path::new("-") {
        return Ok(Box::new(StderrForm::new(io::stdin().lock())));
    }
    match File::open(path) {
        Ok(f) => Ok(Box::new(StderrForm::new(f))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let parts = per_process_files(path);
            if parts.is_empty() {
                return Err(anyhow::Error::new(e).context(format!("{name}: cannot open")));
            }
            merged(parts)
        }
        Err(e) => Err(anyhow::Error::new(e).context(format!("{name}: cannot open"))),
    }
}

/// The log when it is one plain file, which another thread may read (`fdkit
/// check --threads 2`); `None` for standard input, several `-ff` files, or a name
/// that does not open as a file (then [`open`] merges a prefix's files, or says
/// why not).
pub fn open_single(path: &Path, more: &[PathBuf]) -> Option<StderrForm<File>> {
    if !more.is_empty() || path == Path::new("-") {
        return None;
    }
    let f = File::open(path).ok()?;
    if !f.metadata().is_ok_and(|m| m.is_file()) {
        return None;
    }
    ORIGINS.with(|o| *o.borrow_mut() = None);
    Some(StderrForm::new(f))
}

/// `FILE:LINE` for line `line` of the log named `name`: the real file and line
/// when the log is merged (while the position is remembered).
pub fn locate(name: &str, line: u64) -> String {
    ORIGINS.with(|o| match o.borrow().as_ref().and_then(|o| o.find(line)) {
        Some((file, l, _)) => format!("{file}:{l}"),
        None => format!("{name}:{line}"),
    })
}

/// An input error as `FILE:LINE:COL: expected ..., found ...`: the real file,
/// line and column when the log is merged (the pid the merge added is not
/// counted in the column).
pub fn error_at(name: &str, e: &InputError) -> String {
    ORIGINS.with(|o| match o.borrow().as_ref().and_then(|o| o.find(e.line)) {
        Some((file, l, added)) => {
            let col = if e.column > added {
                e.column - added
            } else {
                1
            };
            format!(
                "{file}:{l}:{col}: expected {}, found {}",
                e.expected, e.found
            )
        }
        None => format!("{name}:{e}"),
    })
}

/// The pid a per-process file is named after: `PREFIX.PID`.
fn pid_of(path: &Path) -> Option<u32> {
    let name = path.file_name()?.to_str()?;
    let (_, pid) = name.rsplit_once('.')?;
    if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    pid.parse().ok()
}

/// `PREFIX.PID` files next to `prefix`, by pid.
fn per_process_files(prefix: &Path) -> Vec<(u32, PathBuf)> {
    let Some(base) = prefix.file_name().and_then(OsStr::to_str) else {
        return Vec::new();
    };
    let dir = match prefix.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut parts: Vec<(u32, PathBuf)> = entries
        .filter_map(|e| {
            let e = e.ok()?;
            let n = e.file_name();
            let rest = n.to_str()?.strip_prefix(base)?.strip_prefix('.')?;
            if rest.is_empty() || !rest.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            Some((rest.parse().ok()?, e.path()))
        })
        .collect();
    parts.sort();
    parts
}

/// Opens the files and starts the merge.
fn merged(files: Vec<(u32, PathBuf)>) -> anyhow::Result<Box<dyn Read>> {
    room_for(files.len());
    let mut readers = Vec::with_capacity(files.len());
    let mut names = Vec::with_capacity(files.len());
    for (pid, path) in files {
        let shown = path.display().to_string();
        let f = File::open(&path).with_context(|| {
            format!(
                "{shown}: cannot open (merging {} per-process files at once; `ulimit -n` may be too low)",
                names.len() + 1
            )
        })?;
        readers.push((pid, BufReader::with_capacity(MERGE_BUFFER, f)));
        names.push((shown, pid.to_string().len() + 1));
    }
    let merge = Merge::new(readers).map_err(|e| merge_error(&names, e))?;
    ORIGINS.with(|o| {
        *o.borrow_mut() = Some(Origins {
            files: names.clone(),
            runs: VecDeque::new(),
        })
    });
    Ok(Box::new(Merged {
        merge,
        names,
        out: Vec::new(),
        pos: 0,
        line: 0,
    }))
}

/// Each merged file's read buffer: small, since a build's `-ff` logs are
/// thousands of files.
const MERGE_BUFFER: usize = 8 << 10;

/// Raises the soft `RLIMIT_NOFILE` towards the hard limit when `n` files must be
/// open at once (a `strace -ff` log of a build has one per process); if it
/// cannot, opening the files says so.
fn room_for(n: usize) {
    let want = n as u64 + 32;
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit with a valid resource and a pointer to a
    // live struct.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 || lim.rlim_cur >= want {
            return;
        }
        lim.rlim_cur = want.min(lim.rlim_max);
        libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
    }
}

fn merge_error(names: &[(String, usize)], e: MergeError) -> anyhow::Error {
    let file = names.get(e.source_index()).map_or("?", |(n, _)| n.as_str());
    match e {
        MergeError::Io { error, .. } => {
            anyhow::Error::new(error).context(format!("{file}: cannot read"))
        }
        e @ MergeError::NoTimestamp { .. } => anyhow::anyhow!("{file}:{e}"),
    }
}

/// The merged log as bytes, `PID line\n` per line, recording where each line
/// came from.
struct Merged {
    merge: Merge<BufReader<File>>,
    names: Vec<(String, usize)>,
    out: Vec<u8>,
    pos: usize,
    /// Merged lines handed out so far.
    line: u64,
}

impl Read for Merged {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.out.len() {
            self.out.clear();
            self.pos = 0;
            let next = self
                .merge
                .next_line()
                .map_err(|e| io::Error::other(format!("{:#}", merge_error(&self.names, e))))?;
            let Some(l) = next else {
                return Ok(0);
            };
            self.line += 1;
            let n = self.line;
            ORIGINS.with(|o| {
                if let Some(o) = o.borrow_mut().as_mut() {
                    o.record(n, l.source, l.line);
                }
            });
            self.out.extend_from_slice(l.pid.to_string().as_bytes());
            self.out.push(b' ');
            self.out.extend_from_slice(l.text);
            self.out.push(b'\n');
        }
        let k = buf.len().min(self.out.len() - self.pos);
        buf[..k].copy_from_slice(&self.out[self.pos..self.pos + k]);
        self.pos += k;
        Ok(k)
    }
}

/// The most bytes [`StderrForm`] reads ahead looking for the first process's
/// pid.
pub const MAX_AHEAD: usize = 8 << 20;

/// A log in strace's standard-error form with the first process's early lines
/// given their pid (see the [module](self)); any other log unchanged.
pub struct StderrForm<R> {
    inner: BufReader<R>,
    /// Bytes ready to hand out.
    out: Vec<u8>,
    pos: usize,
    /// Still looking for the first process's pid (lines held in `out`, whole).
    looking: bool,
    /// The line starts held in `out` (while looking).
    starts: Vec<usize>,
    /// Pids known to be children of the first process.
    children: Vec<u32>,
    /// The first process has a `clone`/`fork`/`vfork` without its result yet.
    cloning: bool,
    started: bool,
}

impl<R: Read> StderrForm<R> {
    /// Wraps `inner`.
    pub fn new(inner: R) -> StderrForm<R> {
        StderrForm {
            inner: BufReader::with_capacity(1 << 16, inner),
            out: Vec::new(),
            pos: 0,
            looking: true,
            starts: Vec::new(),
            children: Vec::new(),
            cloning: false,
            started: false,
        }
    }

    /// Reads one more line while looking; stops looking when the pid is known,
    /// the input ends or too much is held.
    fn look(&mut self) -> io::Result<()> {
        let start = self.out.len();
        let n = io::BufRead::read_until(&mut self.inner, b'\n', &mut self.out)?;
        if n == 0 {
            return self.stop(None);
        }
        let line = String::from_utf8_lossy(&self.out[start..]).into_owned();
        let line = line.trim_end_matches('\n');
        if !self.started {
            self.started = true;
            // `-o` logs (`1234 ...`) and logs that start with a pid need nothing.
            if line.starts_with("[pid") || line.starts_with(|c: char| c.is_ascii_digit()) {
                return self.stop(None);
            }
        }
        self.starts.push(start);
        if let Some(rest) = line.strip_prefix("[pid") {
            let rest = rest.trim_start();
            let end = rest.find(']').unwrap_or(rest.len());
            let pid: Option<u32> = rest[..end].trim().parse().ok();
            let body = rest.get(end + 1..).unwrap_or("").trim_start();
            let Some(pid) = pid else {
                return self.stop(None);
            };
            self.starts.pop();
            if self.children.contains(&pid) {
            } else if self.cloning && !is_clone_resumed(body) {
                // The first process waits in its clone: this is the child.
                self.children.push(pid);
            } else {
                return self.stop(Some(pid));
            }
            self.starts.push(start);
        } else {
            self.learn(line);
        }
        if self.out.len() > MAX_AHEAD {
            return self.stop(None);
        }
        Ok(())
    }

    /// What an unprefixed line (the first process's) says about children.
    fn learn(&mut self, line: &str) {
        if let Some(i) = line.find("strace: Process ") {
            let rest = &line[i + "strace: Process ".len()..];
            if let Some(pid) = rest.split(' ').next().and_then(|p| p.parse().ok()) {
                self.children.push(pid);
            }
        }
        let name = line.split('(').next().unwrap_or("");
        let clone = matches!(name, "clone" | "clone3" | "fork" | "vfork") || is_clone_resumed(line);
        let continues = line.starts_with(',') || line.starts_with(')') || line.starts_with(' ');
        if !(clone || (continues && self.cloning)) {
            return;
        }
        match line.rsplit_once(" = ") {
            Some((_, r)) => {
                let r = r.split(' ').next().unwrap_or("");
                if let Ok(pid) = r.parse::<u32>() {
                    self.children.push(pid);
                }
                self.cloning = false;
            }
            None => self.cloning = true,
        }
    }

    /// Stops looking: the held lines get `[pid ROOT] ` (all but continuations
    /// of a cut line and notices) when the pid is known.
    fn stop(&mut self, root: Option<u32>) -> io::Result<()> {
        self.looking = false;
        let Some(root) = root else {
            return Ok(());
        };
        let held = std::mem::take(&mut self.out);
        let starts = std::mem::take(&mut self.starts);
        let prefix = format!("[pid {root}] ");
        let mut out = Vec::with_capacity(held.len() + starts.len() * prefix.len());
        let mut from = 0;
        for (k, &s) in starts.iter().enumerate() {
            out.extend_from_slice(&held[from..s]);
            let end = starts.get(k + 1).copied().unwrap_or(held.len());
            let line = &held[s..end];
            let own = !line.starts_with(b"[pid")
                && !line.starts_with(b"strace: ")
                && !matches!(line.first(), Some(b',' | b')' | b' ' | b'\n'));
            if own {
                out.extend_from_slice(prefix.as_bytes());
            }
            out.extend_from_slice(line);
            from = end;
        }
        out.extend_from_slice(&held[from..]);
        self.out = out;
        Ok(())
    }
}

/// `<... clone resumed>` and the like.
fn is_clone_resumed(body: &str) -> bool {
    ["clone", "clone3", "fork", "vfork"]
        .iter()
        .any(|n| body.starts_with(&format!("<... {n} resumed>")))
}

impl<R: Read> Read for StderrForm<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.looking {
            self.look()?;
        }
        if self.pos < self.out.len() {
            let k = buf.len().min(self.out.len() - self.pos);
            buf[..k].copy_from_slice(&self.out[self.pos..self.pos + k]);
            self.pos += k;
            if self.pos == self.out.len() {
                self.out = Vec::new();
                self.pos = 0;
            }
            return Ok(k);
        }
        self.inner.read(buf)
    }
}

/// A run of merged lines from one file: merged line `start` is the file's
/// line `line`, and so on while the run lasts.
#[derive(Clone, Copy)]
struct Run {
    start: u64,
    source: usize,
    line: u64,
}

/// Where the merged log's lines came from.
struct Origins {
    /// Each file's name and the length of the pid prefix the merge adds.
    files: Vec<(String, usize)>,
    runs: VecDeque<Run>,
}

impl Origins {
    fn record(&mut self, n: u64, source: usize, line: u64) {
        if let Some(r) = self.runs.back() {
            if r.source == source && r.line + (n - r.start) == line {
                return;
            }
        }
        if self.runs.len() == MAX_RUNS {
            self.runs.pop_front();
        }
        self.runs.push_back(Run {
            start: n,
            source,
            line,
        });
    }

    /// The file, its line and the prefix length for merged line `n`.
    fn find(&self, n: u64) -> Option<(&str, u64, usize)> {
        let i = self.runs.partition_point(|r| r.start <= n);
        let r = self.runs.get(i.checked_sub(1)?)?;
        let (file, added) = self.files.get(r.source)?;
        Some((file, r.line + (n - r.start), *added))
    }
}

thread_local! {
    /// The origins of the log being read, when it is merged. The command reads one
    /// log at a time on one thread; the sinks that print positions reach it
    /// through [`locate`] and [`error_at`] without carrying it.
    static ORIGINS: RefCell<Option<Origins>> = const { RefCell::new(None) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pids_come_from_names() {
        assert_eq!(pid_of(Path::new("/x/app.1234")), Some(1234));
        assert_eq!(pid_of(Path::new("app.strace")), None);
        assert_eq!(pid_of(Path::new("app.")), None);
        assert_eq!(pid_of(Path::new("app.99999999999")), None);
    }

    #[test]
    fn runs_map_merged_lines_back() {
        let mut o = Origins {
            files: vec![("a.1".into(), 2), ("b.22".into(), 3)],
            runs: VecDeque::new(),
        };
        for (n, s, l) in [(1, 0, 1), (2, 0, 2), (3, 1, 1), (4, 0, 3), (5, 1, 2)] {
            o.record(n, s, l);
        }
        assert_eq!(o.runs.len(), 4);
        assert_eq!(o.find(2), Some(("a.1", 2, 2)));
        assert_eq!(o.find(3), Some(("b.22", 1, 3)));
        assert_eq!(o.find(4), Some(("a.1", 3, 2)));
        assert_eq!(o.find(0), None);
    }
}

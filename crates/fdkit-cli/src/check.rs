//! `fdkit check LOG`: replay a recorded `strace -f` log against the model.
//!
//! Every process in the log is replayed through `fdkit_replay::Replay`; each
//! result the descriptor tables decide is compared with what the kernel recorded.
//!
//! # Human output (stdout)
//!
//! One block per divergence, in log order, then the inferences and notes as they
//! come, then exactly one summary line, last:
//!
//! ```text
//! log.strace:57: pid 1234: openat(AT_FDCWD, "b", O_RDONLY) = 5
//!   descriptor: log says 5, model predicts 4
//!   table of pid 1234 before the call:
//!     lr-x------ 0 -> /dev/null
//!     ...
//! log.strace:80: inferred: fd 7 was open at start (inherited), from: read(7, "x", 1) = 1
//! checked 1234 calls in 3 processes: 800 agree, 1 differ, 433 not decided by the table
//! ```
//!
//! # JSON Lines (`--json`)
//!
//! One object per line, `{"type": TYPE, "data": {...}}`, the summary last:
//!
//! - `divergence`: `line` (of the result), `entered` (line the call entered),
//!   `pid` (number or null), `syscall`, `call` (strace syntax), `what`
//!   (`descriptor`, `EBADF`, `close`, `close_range`, `F_GETFD`, `F_GETFL`,
//!   `F_DUPFD_QUERY`, `offset`, `RLIMIT_NOFILE`), `expected` (the log's result),
//!   `predicted` (the model's), `table`: the process's descriptors before the call,
//!   each `{fd, mode, link, cloexec, description}` (`description` is equal for
//!   descriptors sharing an open file description).
//! - `inference`: `line`, `pid`, `fact` (`open_at_start`, `closed_at_start`,
//!   `cloexec_at_start`, `soft_limit`, `soft_limit_above`), `fd` (or null), `value`
//!   (the limit, the flag, or null), `text` (in words), `evidence` (the call),
//!   `confirmed_by` (the later line that used a number inferred from an
//!   allocation skipping it, or null), `unconfirmed` (true for a number only an
//!   allocation skipped and no later line used; reported at the end of the log).
//! - `undecided`: a call the concurrency search could not decide: `line`, `pid`,
//!   `call`, `reason`.
//! - `summary`: `calls`, `processes`, `agree`, `differ`, `undecided`, `reordered`,
//!   `bounded`, `inferred`, `unconfirmed`, `errors`, and `text` (the human summary
//!   line).
//!
//! Lines that cannot be parsed are errors on stderr (`fdkit: FILE:LINE:COL:
//! expected ..., found ...`) in both modes; the replay goes on and exits 2.
//!
//! # Exit status
//!
//! 0: nothing differs; 1: something differs; 2: the log could not be read or some
//! line could not be parsed (wins over 1); 3: nothing differs, but only because
//! numbers that allocations skipped and no later line used are taken as inherited
//! (unconfirmed inferences: a wrong allocation result looks exactly like this;
//! `--initial-fds` states the start and settles it).

use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use crate::live::Started;
use fdkit_replay::{
    Divergence, Fact, FdView, Inference, InputError, LogReader, Note, Replay, Sink, Summary,
};
use serde::Serialize;

use crate::cli::Color;
use crate::Status;

/// Flags of `fdkit check`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The log (`-` for standard input): what `strace -f` wrote, with or without
    /// `-o`, `-y`/`-yy`, `-t`/`-tt`/`-ttt`/`-r` and `-T`. Not with `-- PROG`.
    #[arg(required_unless_present = "command", conflicts_with = "command")]
    pub log: Option<PathBuf>,
    /// Print JSON Lines (`{"type", "data"}` objects, the summary last) instead of
    /// text.
    #[arg(long)]
    pub json: bool,
    /// Do not print the process's table under each divergence (text output).
    #[arg(long)]
    pub no_tables: bool,
    /// Threads for a log file: 2 parses lines on a second thread while the first
    /// replays (same results); 1 does both on one. Standard input and live mode
    /// always use one.
    #[arg(long, value_name = "N", default_value_t = 2,
          value_parser = clap::value_parser!(u8).range(1..=2))]
    pub threads: u8,
    #[command(flatten)]
    pub source: crate::live::Source,
}

/// Errors printed before the rest are only counted.
const MAX_ERRORS_SHOWN: u64 = 20;
/// Files at least this large get a progress bar (on a terminal).
const PROGRESS_MIN_BYTES: u64 = 16 << 20;

/// Runs `fdkit check`.
pub fn main(args: &Args, color: Color) -> anyhow::Result<Status> {
    let log = args.log.as_deref().unwrap_or(Path::new("-"));
    let Started {
        mut live,
        name,
        options,
    } = args.source.start_for(log)?;
    // One log file may be read on a second thread (`--threads 2`); standard
    // input, live mode's pipe and merged `-ff` files are read here.
    let mut file = None;
    let (input, size): (Box<dyn Read + '_>, Option<u64>) = if let Some(l) = live.as_mut() {
        (Box::new(l), None)
    } else {
        let size = std::fs::metadata(log)
            .ok()
            .filter(|m| m.is_file() && log != Path::new("-"))
            .map(|m| m.len());
        match crate::input::open_single(log, &args.source.more) {
            Some(f) if args.threads > 1 => {
                file = Some(f);
                (Box::new(io::empty()), size)
            }
            _ => (crate::input::open(log, &args.source.more, &name)?, size),
        }
    };
    let stdout = io::stdout();
    let colored = !args.json && use_color(color, stdout.is_terminal());
    let mut out = Output {
        w: io::BufWriter::with_capacity(1 << 16, stdout.lock()),
        json: args.json,
        tables: !args.no_tables,
        color: colored,
        name: name.clone(),
        err: None,
        errors: 0,
    };
    let mut replay = Replay::new(options);
    let bar = progress_bar(size);
    let progress = |read| {
        if let Some(b) = &bar {
            b.set_position(read);
        }
    };
    let result = match file {
        Some(f) => {
            drop(input);
            replay.run_threaded(
                f,
                &mut out,
                |out| out.err.take().map_or(Ok(()), Err),
                progress,
            )
        }
        None => LogReader::new(input).try_for_each_text_line(
            |n, line| {
                match line {
                    Ok(text) => replay.push_text(n, text, &mut out),
                    Err(bytes) => replay.push_bytes(n, bytes, &mut out),
                }
                out.err.take().map_or(Ok(()), Err)
            },
            progress,
        ),
    };
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    if let Err(e) = result {
        if e.kind() == io::ErrorKind::BrokenPipe {
            return Err(e.into());
        }
        out.flush_quietly();
        return Err(anyhow::Error::new(e).context(format!("{name}: cannot read")));
    }
    if let Some(l) = live.as_mut() {
        l.finish()?;
    }
    replay.finish(&mut out);
    let summary = replay.summary();
    if out.errors > MAX_ERRORS_SHOWN {
        let more = out.errors - MAX_ERRORS_SHOWN;
        eprintln!("fdkit: {name}: {more} more lines could not be parsed");
    }
    out.summary(&summary)?;
    out.w.flush()?;
    if summary.errors > 0 {
        anyhow::bail!(
            "{name}: {} line{} could not be parsed",
            summary.errors,
            if summary.errors == 1 { "" } else { "s" }
        );
    }
    Ok(if summary.differ > 0 {
        Status::Findings
    } else if summary.unconfirmed > 0 {
        Status::Unconfirmed
    } else {
        Status::Clean
    })
}

/// Whether to colour: `--color`, then a terminal without `NO_COLOR` or `TERM=dumb`.
fn use_color(color: Color, terminal: bool) -> bool {
    match color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => {
            terminal
                && std::env::var_os("NO_COLOR").map_or(true, |v| v.is_empty())
                && std::env::var_os("TERM").map_or(true, |t| t != "dumb")
        }
    }
}

fn progress_bar(size: Option<u64>) -> Option<indicatif::ProgressBar> {
    let size = size.filter(|&s| s >= PROGRESS_MIN_BYTES)?;
    if !io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(size),
        indicatif::ProgressDrawTarget::stderr_with_hz(4),
    );
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{bar:40} {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} {eta}",
    ) {
        bar.set_style(style);
    }
    Some(bar)
}

/// The sink: writes results to stdout as they come.
struct Output<W: Write> {
    w: W,
    json: bool,
    tables: bool,
    color: bool,
    name: String,
    /// The first write error (a closed stdout stops the replay).
    err: Option<io::Error>,
    errors: u64,
}

#[derive(Serialize)]
struct JsonFd<'a> {
    fd: u32,
    mode: &'a str,
    link: String,
    cloexec: bool,
    description: u64,
}

#[derive(Serialize)]
struct JsonDivergence<'a> {
    line: u64,
    entered: u64,
    pid: Option<u32>,
    syscall: &'a str,
    call: &'a str,
    what: &'a str,
    expected: &'a str,
    predicted: &'a str,
    table: Vec<JsonFd<'a>>,
}

#[derive(Serialize)]
struct JsonInference<'a> {
    line: u64,
    pid: Option<u32>,
    fact: &'a str,
    fd: Option<u32>,
    value: Option<u64>,
    text: String,
    evidence: &'a str,
    confirmed_by: Option<u64>,
    unconfirmed: bool,
}

#[derive(Serialize)]
struct JsonNote<'a> {
    line: u64,
    pid: Option<u32>,
    call: &'a str,
    reason: &'a str,
}

#[derive(Serialize)]
struct JsonSummary {
    calls: u64,
    processes: u64,
    agree: u64,
    differ: u64,
    undecided: u64,
    reordered: u64,
    bounded: u64,
    inferred: u64,
    unconfirmed: u64,
    errors: u64,
    text: String,
}

#[derive(Serialize)]
struct Record<'a, T> {
    #[serde(rename = "type")]
    kind: &'a str,
    data: T,
}

fn json_fds(t: &[FdView]) -> Vec<JsonFd<'_>> {
    t.iter()
        .map(|v| JsonFd {
            fd: v.fd,
            mode: v.mode_string(),
            link: v.desc.link(),
            cloexec: v.cloexec,
            description: v.desc.id(),
        })
        .collect()
}

fn fact_parts(f: &Fact) -> (&'static str, Option<u32>, Option<u64>) {
    match *f {
        Fact::OpenAtStart { fd } => ("open_at_start", Some(fd), None),
        Fact::ClosedAtStart { fd } => ("closed_at_start", Some(fd), None),
        Fact::CloexecAtStart { fd, on } => ("cloexec_at_start", Some(fd), Some(u64::from(on))),
        Fact::SoftLimit { limit, .. } => ("soft_limit", None, Some(limit)),
        Fact::SoftLimitAbove { at_least, .. } => ("soft_limit_above", None, Some(at_least)),
        _ => ("other", None, None),
    }
}

impl<W: Write> Output<W> {
    fn write_json<T: Serialize>(&mut self, kind: &str, data: T) -> io::Result<()> {
        serde_json::to_writer(&mut self.w, &Record { kind, data })?;
        self.w.write_all(b"\n")
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    fn keep(&mut self, r: io::Result<()>) {
        if let Err(e) = r {
            self.err.get_or_insert(e);
        }
    }

    fn divergence_text(&mut self, d: &Divergence) -> io::Result<()> {
        let pid = d.pid.map_or(String::new(), |p| format!("pid {p}: "));
        let head = self.paint(
            "1;31",
            &format!("{}:", crate::input::locate(&self.name, d.line)),
        );
        writeln!(self.w, "{head} {pid}{}", d.call)?;
        if d.entered != d.line {
            writeln!(self.w, "  (entered on line {})", d.entered)?;
        }
        writeln!(
            self.w,
            "  {}: log says {}, model predicts {}",
            d.what, d.expected, d.predicted
        )?;
        if self.tables {
            let who = d
                .pid
                .map_or("the process".to_owned(), |p| format!("pid {p}"));
            writeln!(self.w, "  table of {who} before the call:")?;
            for v in &d.table {
                writeln!(self.w, "    {v}")?;
            }
        }
        Ok(())
    }

    fn summary(&mut self, s: &Summary) -> io::Result<()> {
        if self.json {
            self.write_json(
                "summary",
                JsonSummary {
                    calls: s.calls,
                    processes: s.processes,
                    agree: s.agree,
                    differ: s.differ,
                    undecided: s.undecided,
                    reordered: s.reordered,
                    bounded: s.bounded,
                    inferred: s.inferred,
                    unconfirmed: s.unconfirmed,
                    errors: s.errors,
                    text: s.to_string(),
                },
            )
        } else {
            writeln!(self.w, "{s}")
        }
    }

    fn flush_quietly(&mut self) {
        let _ = self.w.flush();
    }
}

impl<W: Write> Sink for Output<W> {
    fn divergence(&mut self, d: &Divergence) {
        let r = if self.json {
            self.write_json(
                "divergence",
                JsonDivergence {
                    line: d.line,
                    entered: d.entered,
                    pid: d.pid,
                    syscall: &d.syscall,
                    call: &d.call,
                    what: d.what,
                    expected: &d.expected,
                    predicted: &d.predicted,
                    table: json_fds(&d.table),
                },
            )
        } else {
            self.divergence_text(d)
        };
        self.keep(r);
    }

    fn inference(&mut self, i: &Inference) {
        let r = if self.json {
            let (fact, fd, value) = fact_parts(&i.fact);
            self.write_json(
                "inference",
                JsonInference {
                    line: i.line,
                    pid: i.pid,
                    fact,
                    fd,
                    value,
                    text: i.fact.to_string(),
                    evidence: &i.evidence,
                    confirmed_by: i.confirmed_by,
                    unconfirmed: i.unconfirmed,
                },
            )
        } else {
            let head = self.paint(
                "36",
                &format!("{}: inferred:", crate::input::locate(&self.name, i.line)),
            );
            match i.confirmed_by {
                None if i.unconfirmed => writeln!(
                    self.w,
                    "{head} {} (unconfirmed: an allocation skipped it and no later line uses it; \
                     pass --initial-fds to state the start), from: {}",
                    i.fact, i.evidence
                ),
                Some(by) => writeln!(
                    self.w,
                    "{head} {}, from: {} (confirmed by line {by})",
                    i.fact, i.evidence
                ),
                None => writeln!(self.w, "{head} {}, from: {}", i.fact, i.evidence),
            }
        };
        self.keep(r);
    }

    fn note(&mut self, n: &Note) {
        let r = if self.json {
            self.write_json(
                "undecided",
                JsonNote {
                    line: n.line,
                    pid: n.pid,
                    call: &n.call,
                    reason: n.reason,
                },
            )
        } else {
            let head = self.paint(
                "33",
                &format!("{}: not decided:", crate::input::locate(&self.name, n.line)),
            );
            writeln!(self.w, "{head} {} ({})", n.call, n.reason)
        };
        self.keep(r);
    }

    fn error(&mut self, e: &InputError) {
        self.errors += 1;
        if self.errors <= MAX_ERRORS_SHOWN {
            // Keep stdout and stderr in order when both go to one terminal.
            self.flush_quietly();
            eprintln!("fdkit: {}", crate::input::error_at(&self.name, e));
        }
    }
}

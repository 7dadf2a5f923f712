//! `fdkit audit LOG`: descriptor bugs in a recorded `strace -f` log: descriptors
//! leaked across `execve` (CWE-403), left open at exit, used after close, closed
//! twice or silently by `dup2`, `EMFILE`, and descriptors that pile up. The
//! rules and severities are `fdkit_audit`'s (see its crate documentation).
//!
//! # Human output (stdout)
//!
//! Findings grouped by severity, highest first, each group in line order; each
//! finding is `FILE:LINE: pid PID: KIND: message`, then, from a log with
//! `strace -k` stacks (live mode records them), `at prog.c:14 (main)`: where the
//! program made the call (`binary+0xOFFSET (symbol)` without debug
//! information); then where its descriptor got its number (with its source
//! location) and where its open file description was created; one summary line
//! last:
//!
//! ```text
//! high (1)
//!   leak-shell.strace:82: pid 11003: inherited-across-exec: fd 5 (held.txt) inherited across execve("/usr/bin/cat") without close-on-exec; the new program never used it (CWE-403)
//!     fd 5 from line 59 (dup2); open file description from line 57
//! 1 finding: 1 high, 0 medium, 0 low, 0 info (2 processes, 138 lines)
//! ```
//!
//! # JSON Lines (`--json`)
//!
//! `{"type": "finding", "data": {...}}` per finding, in the same order, then
//! `{"type": "summary", ...}`. A finding has `kind` (`inherited-across-exec`,
//! `use-after-close`, `double-close`, `stale-number`, `replaced-by-dup2`,
//! `emfile`, `leak-trend`, `open-at-exit`), `severity` (`high`, `medium`, `low`,
//! `info`), `line`, `pid`, `fd`, `object` (what the descriptor refers to),
//! `created` (`{line, syscall}`: where the descriptor got its number; line 0:
//! before the log), `opened` (the line of its open file description), `message`,
//! and, null where they do not apply: `program` (the new program; the exiting
//! one), `used` (`{line, syscall}`: the new program's first use), `handed_over`
//! (`{line, syscall}`: where the old program cleared close-on-exec), `syscall` (the
//! failing, using or creating call), `closed` (`{line, syscall}`), `bad`
//! (`{line, syscall}`: the EBADF that showed a stale number), `reused`
//! (`{line, syscall}`), `before` (what a stale number referred to), `last_use`
//! (`{line, syscall}`), `now` (what a replaced number refers to), `open`
//! (descriptors open at EMFILE; of a trend, still open at the end), `shape`,
//! `created_count`, `closed_count`, `peak` (of a trend), `count` (how many
//! times it occurred) and `places` (every occurrence, in line order:
//! `[{line, pid, program, fd, source}]`; the first is the finding's own `line`
//! and `pid`). Every `{line, syscall}` site has a `source`, and the finding has
//! one for its own call: null without a `-k` stack, else `{text, file, line,
//! function, binary, offset}` (`text`: `prog.c:14 (main)`; `file` and `line`
//! null where the binary has no DWARF for it; `offset`: strace's file offset).
//!
//! # SARIF (`--sarif`)
//!
//! One SARIF 2.1.0 log (`fdkit_audit::sarif` describes the mapping): a result
//! per finding with its source location (else the log's line), the
//! descriptor's creation and the kind's other sites as related locations.
//!
//! # Suppressions (`--suppressions FILE`)
//!
//! One rule a line, `kind=KIND[,KIND] path=GLOB program=GLOB frame=GLOB` (any
//! of them; all given must match; `#` comments), applied before `--kind`,
//! `--pid`, `--min-severity`; the summary counts the findings suppressed whole
//! (`suppressed`). `fdkit_audit::suppress` has the format. A bad rule is an
//! error `FILE:LINE:COL: ...`, exit 2.
//!
//! Findings are grouped (`fdkit_audit::group`): one finding per descriptor per
//! cause, so a descriptor leaked by one `openat` into 12 `execve`s is one
//! finding with `count` 12, its kind-specific fields (`program`, `used`...)
//! those of the first occurrence; the text output ends such a finding's
//! message with `(12 times, lines A–B, in N processes)`.
//!
//! The summary: `findings`, `high`, `medium`, `low`, `info`, `fail_on`,
//! `failing` (findings at or above `fail_on`), `processes`, `lines`,
//! `divergences`, `hidden` (left out by the filters), `suppressed`, `text`.
//!
//! # Pictures
//!
//! `--dot` / `--svg` print, instead of text, one three-table picture per
//! finding site: the process's table at the finding's line (before the exit for
//! `open-at-exit`), the descriptors concerned highlighted by severity, with every
//! other process holding their open file descriptions; a closed number is a
//! dashed row.
//!
//! # Exit status
//!
//! 0 when no finding is at or above `--fail-on` (default `low`: every finding
//! but `info` counts; `never`: always 0), 1 otherwise, 2 if the log cannot be
//! read or some line cannot be parsed (wins over 1).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use crate::live::Started;
use anyhow::Context as _;
use clap::ValueEnum;
use fdkit_audit::{Auditor, Detail, Finding, Kind, Severity, Site, Source, Suppressions};
use fdkit_draw::{Mark, Picture};
use fdkit_replay::{Divergence, Event, InputError, LogReader, Options, Replay, Sink};
use serde::Serialize;

use crate::cli::Color;
use crate::draw::{Format, Programs};
use crate::Status;

/// Flags of `fdkit audit`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The log (`-` for standard input), as `strace -f` wrote it (`-y`/`-yy`
    /// decorations name pipes and sockets, and make paths absolute). Not with
    /// `-- PROG`.
    #[arg(required_unless_present = "command", conflicts_with = "command")]
    pub log: Option<PathBuf>,
    /// Print JSON Lines (`{"type", "data"}` objects, the summary last) instead of
    /// text.
    #[arg(long, conflicts_with_all = ["dot", "svg"])]
    pub json: bool,
    /// Print a SARIF 2.1.0 log (for code-scanning interfaces) instead of text.
    #[arg(long, conflicts_with_all = ["json", "dot", "svg"])]
    pub sarif: bool,
    /// Leave out what this suppression file's rules match (one rule a line:
    /// `kind=KIND[,KIND] path=GLOB program=GLOB frame=GLOB`, every field given
    /// must match; `#` comments). Repeatable. Applied before the filters.
    #[arg(long = "suppressions", value_name = "FILE")]
    pub suppressions: Vec<PathBuf>,
    /// Exit 1 when a finding is at least this severe (`never`: always exit 0).
    #[arg(long, value_enum, value_name = "SEVERITY", default_value_t = FailOn::Low)]
    pub fail_on: FailOn,
    /// Report only findings of these kinds (inherited-across-exec,
    /// use-after-close, double-close, stale-number, replaced-by-dup2, emfile,
    /// leak-trend, open-at-exit). Applied before output and `--fail-on`.
    #[arg(
        long = "kind",
        value_name = "KIND[,KIND]",
        value_delimiter = ',',
        value_parser = kind_parser()
    )]
    pub kinds: Vec<Kind>,
    /// Report only what occurred in these processes (a grouped finding keeps
    /// the places in them). Applied before output and `--fail-on`.
    #[arg(long = "pid", value_name = "PID[,PID]", value_delimiter = ',')]
    pub pids: Vec<u32>,
    /// Report only findings at least this severe. Applied before output and
    /// `--fail-on`.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub min_severity: Option<MinSeverity>,
    /// Print the findings' three-table pictures as Graphviz DOT instead of text.
    #[arg(long, conflicts_with = "svg")]
    pub dot: bool,
    /// Print the findings' three-table pictures as SVG instead of text.
    #[arg(long)]
    pub svg: bool,
    /// With `--svg` or `--dot`: draw only the Nth finding (1-based, in the
    /// order the text and `--json` list them).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub finding: Option<u64>,
    #[command(flatten)]
    pub source: crate::live::Source,
}

/// `--kind`'s values: [`Kind::name`]s.
fn kind_parser() -> impl clap::builder::TypedValueParser<Value = Kind> {
    use clap::builder::TypedValueParser as _;
    clap::builder::PossibleValuesParser::new(Kind::ALL.map(Kind::name))
        .map(|s| Kind::from_name(&s).expect("a possible value"))
}

/// `--min-severity`.
#[derive(Clone, Copy, PartialEq, Eq, Debug, ValueEnum)]
pub enum MinSeverity {
    /// Everything (the default).
    Info,
    /// Leave out info.
    Low,
    /// Only medium and high.
    Medium,
    /// Only high.
    High,
}

impl MinSeverity {
    fn severity(self) -> Severity {
        match self {
            MinSeverity::Info => Severity::Info,
            MinSeverity::Low => Severity::Low,
            MinSeverity::Medium => Severity::Medium,
            MinSeverity::High => Severity::High,
        }
    }
}

/// The findings `--kind`, `--pid` and `--min-severity` keep. `--pid` keeps a
/// grouped finding's places in those processes (the first of them becomes its
/// line and pid), and drops it when none is.
fn filter(findings: Vec<Finding>, args: &Args) -> Vec<Finding> {
    findings
        .into_iter()
        .filter(|f| args.kinds.is_empty() || args.kinds.contains(&f.kind))
        .filter(|f| {
            args.min_severity
                .map_or(true, |m| f.severity >= m.severity())
        })
        .filter_map(|mut f| {
            if args.pids.is_empty() {
                return Some(f);
            }
            f.places.retain(|p| args.pids.contains(&p.pid));
            let first = f.places.first()?;
            (f.line, f.pid) = (first.line, first.pid);
            Some(f)
        })
        .collect()
}

/// `--fail-on`.
#[derive(Clone, Copy, PartialEq, Eq, Debug, ValueEnum)]
pub enum FailOn {
    /// Inherited across exec and unused, a stale number reaching another file.
    High,
    /// Also dup2 closing a used file, EMFILE, leak trends.
    Medium,
    /// Also use after close and double close (EBADF), descriptors open at exit.
    Low,
    /// Also descriptors passed across exec and used by the new program.
    Info,
    /// Never: always exit 0 (without errors).
    Never,
}

impl FailOn {
    fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::High => Some(Severity::High),
            FailOn::Medium => Some(Severity::Medium),
            FailOn::Low => Some(Severity::Low),
            FailOn::Info => Some(Severity::Info),
            FailOn::Never => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            FailOn::High => "high",
            FailOn::Medium => "medium",
            FailOn::Low => "low",
            FailOn::Info => "info",
            FailOn::Never => "never",
        }
    }
}

/// Panels drawn at most (the rest are counted in a last note).
const MAX_PANELS: usize = 24;

/// Runs `fdkit audit`.
pub fn main(args: &Args, color: Color) -> anyhow::Result<Status> {
    if args.finding.is_some() && !(args.svg || args.dot) {
        anyhow::bail!("--finding N draws one finding's picture: add --svg or --dot");
    }
    let log = args.log.as_deref().unwrap_or(Path::new("-"));
    let Started {
        mut live,
        name,
        options: opts,
    } = args.source.start_for(log)?;
    if live.as_ref().is_some_and(|l| !l.stacks()) {
        eprintln!(
            "fdkit: warning: this strace cannot record stacks (`strace -k`): findings name \
             lines of the log, not of the source"
        );
    }
    let picture = Format::from_flags(args.dot, args.svg);
    let suppressions = read_suppressions(&args.suppressions)?;
    // Pictures replay the log twice: standard input and a live log are kept in
    // memory for that.
    let stdin = match (picture, live.as_mut(), log == Path::new("-")) {
        (Some(_), Some(l), _) => {
            let mut bytes = Vec::new();
            l.read_to_end(&mut bytes)
                .with_context(|| format!("{name}: cannot read"))?;
            l.finish()?;
            Some(bytes)
        }
        (Some(_), None, true) => {
            let mut bytes = Vec::new();
            io::stdin()
                .lock()
                .read_to_end(&mut bytes)
                .with_context(|| format!("{name}: cannot read"))?;
            Some(bytes)
        }
        _ => None,
    };
    let mut audited = audit(
        input(&stdin, live.as_mut(), log, &args.source.more, &name)?,
        opts.clone(),
        &name,
    )?;
    if let Some(l) = live.as_mut() {
        l.finish()?;
    }
    let (unsuppressed, suppressed) = suppressions.apply(std::mem::take(&mut audited.findings));
    let all = unsuppressed.len();
    let kept = filter(unsuppressed, args);
    let findings = &kept;
    let mut summary = Summary::new(findings, args.fail_on, &audited);
    summary.hide(all - kept.len());
    summary.suppress(suppressed);
    if audited.divergences > 0 {
        eprintln!(
            "fdkit: warning: {name}: {} calls differ from the model; findings near them rest on the log's results (see `fdkit check {name}`)",
            audited.divergences
        );
    }
    let mut out = io::BufWriter::new(io::stdout().lock());
    if let Some(format) = picture {
        let picture = pictures(
            input(&stdin, None, log, &args.source.more, &name)?,
            opts,
            &name,
            crate::draw::chosen(findings, args.finding, &name)?,
        )
        .with_context(|| format!("{name}: cannot read"))?;
        out.write_all(format.render(&picture).as_bytes())?;
    } else if args.sarif {
        let log = fdkit_audit::sarif::sarif(findings, &name, env!("CARGO_PKG_VERSION"));
        serde_json::to_writer_pretty(&mut out, &log)?;
        out.write_all(b"\n")?;
    } else if args.json {
        for f in findings {
            write_json(&mut out, "finding", JsonFinding::new(f))?;
        }
        write_json(&mut out, "summary", &summary)?;
    } else {
        let colored = use_color(color, io::stdout().is_terminal());
        text(&mut out, &name, findings, &summary, colored)?;
    }
    out.flush()?;
    if audited.errors > 0 {
        anyhow::bail!(
            "{name}: {} line{} could not be parsed",
            audited.errors,
            if audited.errors == 1 { "" } else { "s" }
        );
    }
    Ok(if summary.failing > 0 {
        Status::Findings
    } else {
        Status::Clean
    })
}

/// The rules of every `--suppressions` file; a bad rule is `FILE:LINE:COL: ...`.
fn read_suppressions(files: &[PathBuf]) -> anyhow::Result<Suppressions> {
    let mut s = Suppressions::default();
    for f in files {
        let text =
            std::fs::read_to_string(f).with_context(|| format!("{}: cannot read", f.display()))?;
        s.add(&text)
            .map_err(|e| anyhow::anyhow!("{}:{e}", f.display()))?;
    }
    Ok(s)
}

/// What the first pass found.
struct Audited {
    findings: Vec<Finding>,
    processes: u64,
    lines: u64,
    divergences: u64,
    /// Lines that could not be parsed (reported on stderr).
    errors: u64,
}

/// Replays the whole log with an [`Auditor`].
fn audit(input: Box<dyn Read + '_>, opts: Options, name: &str) -> anyhow::Result<Audited> {
    let mut replay = Replay::new(opts);
    let mut pass = Pass {
        audit: Auditor::default(),
        name: name.to_owned(),
        errors: 0,
    };
    let mut lines = 0;
    LogReader::new(input)
        .for_each_line(|n, line| {
            lines = n;
            pass.audit.stack_line(n, line);
            replay.push_bytes(n, line, &mut pass);
        })
        .with_context(|| format!("{name}: cannot read"))?;
    replay.finish(&mut pass);
    Ok(Audited {
        findings: pass.audit.finish(),
        processes: replay.summary().processes,
        lines,
        divergences: pass.audit.divergences(),
        errors: pass.errors,
    })
}

/// The log: standard input or a live log kept in memory, or the file (opened
/// again for each pass), standard input or a live log, streamed.
fn input<'a>(
    stdin: &'a Option<Vec<u8>>,
    live: Option<&'a mut crate::live::Live>,
    path: &Path,
    more: &[PathBuf],
    name: &str,
) -> anyhow::Result<Box<dyn Read + 'a>> {
    match (stdin, live) {
        (Some(bytes), _) => Ok(Box::new(&bytes[..])),
        (None, Some(l)) => Ok(Box::new(l)),
        (None, None) => crate::input::open(path, more, name),
    }
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

/// The first pass: the auditor, and parse errors on stderr.
struct Pass {
    audit: Auditor,
    name: String,
    errors: u64,
}

impl Sink for Pass {
    fn wants_events(&self) -> bool {
        true
    }
    fn event(&mut self, e: &Event) {
        self.audit.event(e);
    }
    fn divergence(&mut self, d: &Divergence) {
        self.audit.divergence(d);
    }
    fn error(&mut self, e: &InputError) {
        self.errors += 1;
        if self.errors <= 20 {
            eprintln!("fdkit: {}", crate::input::error_at(&self.name, e));
        }
    }
}

// ---- summary and text ----------------------------------------------------------

#[derive(Serialize)]
struct Summary {
    findings: usize,
    high: usize,
    medium: usize,
    low: usize,
    info: usize,
    fail_on: &'static str,
    failing: usize,
    processes: u64,
    lines: u64,
    divergences: u64,
    /// Findings left out by `--kind`, `--pid`, `--min-severity`.
    hidden: usize,
    /// Findings left out whole by `--suppressions`.
    suppressed: usize,
    text: String,
}

impl Summary {
    fn new(f: &[Finding], fail_on: FailOn, a: &Audited) -> Summary {
        let (processes, lines, divergences) = (a.processes, a.lines, a.divergences);
        let count = |s: Severity| f.iter().filter(|x| x.severity == s).count();
        let failing = fail_on
            .threshold()
            .map_or(0, |t| f.iter().filter(|x| x.severity >= t).count());
        let (high, medium, low, info) = (
            count(Severity::High),
            count(Severity::Medium),
            count(Severity::Low),
            count(Severity::Info),
        );
        let plural =
            |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let scope = format!(
            "{}, {}",
            plural(processes, "process", "processes"),
            plural(lines, "line", "lines")
        );
        let text = if f.is_empty() {
            format!("no findings ({scope})")
        } else {
            format!(
                "{}: {high} high, {medium} medium, {low} low, {info} info ({scope})",
                plural(f.len() as u64, "finding", "findings")
            )
        };
        Summary {
            findings: f.len(),
            high,
            medium,
            low,
            info,
            fail_on: fail_on.name(),
            failing,
            processes,
            lines,
            divergences,
            hidden: 0,
            suppressed: 0,
            text,
        }
    }

    /// Notes `n` findings left out by the filters.
    fn suppress(&mut self, n: usize) {
        self.suppressed = n;
        if n > 0 {
            self.text.push_str(&format!("; {n} suppressed"));
        }
    }

    fn hide(&mut self, n: usize) {
        self.hidden = n;
        if n > 0 {
            self.text.push_str(&format!(
                "; {n} more left out by --kind, --pid, --min-severity"
            ));
        }
    }
}

fn severity_style(s: Severity) -> &'static str {
    match s {
        Severity::High => "1;31",
        Severity::Medium => "1;33",
        Severity::Low => "33",
        Severity::Info => "36",
    }
}

fn text(
    out: &mut impl Write,
    name: &str,
    f: &[Finding],
    s: &Summary,
    color: bool,
) -> io::Result<()> {
    let paint = |code: &str, t: &str| {
        if color {
            format!("\x1b[{code}m{t}\x1b[0m")
        } else {
            t.to_owned()
        }
    };
    for sev in Severity::ALL {
        let group: Vec<&Finding> = f.iter().filter(|x| x.severity == sev).collect();
        if group.is_empty() {
            continue;
        }
        writeln!(
            out,
            "{}",
            paint(severity_style(sev), &format!("{sev} ({})", group.len()))
        )?;
        for x in group {
            let head = paint("1", &format!("{name}:{}:", x.line));
            writeln!(out, "  {head} pid {}: {}: {}", x.pid, x.kind, x.message())?;
            if let Some(src) = x.source() {
                writeln!(out, "    at {src}")?;
            }
            if let Some(origin) = origin_text(x) {
                writeln!(out, "    {origin}")?;
            }
        }
    }
    writeln!(out, "{}", s.text)
}

/// `fd 5 from line 59 (dup2); open file description from line 57`.
fn origin_text(f: &Finding) -> Option<String> {
    let c = f.created.as_ref()?;
    let fd = f.fd.map_or("it".to_owned(), |n| format!("fd {n}"));
    let mut t = if c.line == 0 {
        format!("{fd} from before the log")
    } else if c.syscall.is_empty() {
        format!("{fd} from line {}", c.line)
    } else {
        format!("{fd} from line {} ({})", c.line, c.syscall)
    };
    if let Some(src) = &c.source {
        t.push_str(&format!(" at {src}"));
    }
    if let Some(o) = f.opened.filter(|&o| o != c.line) {
        if o == 0 {
            t.push_str("; open file description from before the log");
        } else {
            t.push_str(&format!("; open file description from line {o}"));
        }
    }
    Some(t)
}

// ---- JSON ------------------------------------------------------------------------

#[derive(Serialize)]
struct Record<'a, T> {
    #[serde(rename = "type")]
    kind: &'a str,
    data: T,
}

fn write_json<T: Serialize>(out: &mut impl Write, kind: &str, data: T) -> io::Result<()> {
    serde_json::to_writer(&mut *out, &Record { kind, data })?;
    out.write_all(b"\n")
}

#[derive(Serialize)]
struct JsonSite<'a> {
    line: u64,
    syscall: &'a str,
    source: Option<JsonSource<'a>>,
}

impl<'a> From<&'a Site> for JsonSite<'a> {
    fn from(s: &'a Site) -> JsonSite<'a> {
        JsonSite {
            line: s.line,
            syscall: &s.syscall,
            source: s.source.as_ref().map(JsonSource::from),
        }
    }
}

/// A source location: `{text, file, line, function, binary, offset}`.
#[derive(Serialize)]
struct JsonSource<'a> {
    /// `prog.c:12 (main)`, or `/tmp/prog+0x11d6 (main)` without DWARF.
    text: String,
    file: Option<&'a str>,
    line: Option<u32>,
    function: Option<&'a str>,
    binary: &'a str,
    offset: u64,
}

impl<'a> From<&'a Source> for JsonSource<'a> {
    fn from(s: &'a Source) -> JsonSource<'a> {
        JsonSource {
            text: s.to_string(),
            file: s.file.as_deref(),
            line: s.line,
            function: s.function.as_deref(),
            binary: &s.binary,
            offset: s.offset,
        }
    }
}

#[derive(Serialize, Default)]
struct JsonFinding<'a> {
    kind: &'a str,
    severity: &'a str,
    line: u64,
    pid: u32,
    fd: Option<u32>,
    object: Option<&'a str>,
    created: Option<JsonSite<'a>>,
    opened: Option<u64>,
    source: Option<JsonSource<'a>>,
    message: String,
    program: Option<&'a str>,
    used: Option<JsonSite<'a>>,
    handed_over: Option<JsonSite<'a>>,
    syscall: Option<&'a str>,
    closed: Option<JsonSite<'a>>,
    bad: Option<JsonSite<'a>>,
    reused: Option<JsonSite<'a>>,
    before: Option<&'a str>,
    last_use: Option<JsonSite<'a>>,
    now: Option<&'a str>,
    open: Option<u64>,
    shape: Option<&'a str>,
    created_count: Option<u64>,
    closed_count: Option<u64>,
    peak: Option<u64>,
    count: usize,
    places: Vec<JsonPlace<'a>>,
}

#[derive(Serialize)]
struct JsonPlace<'a> {
    line: u64,
    pid: u32,
    program: &'a str,
    fd: Option<u32>,
    source: Option<JsonSource<'a>>,
}

impl<'a> JsonFinding<'a> {
    fn new(f: &'a Finding) -> JsonFinding<'a> {
        let mut j = JsonFinding {
            kind: f.kind.name(),
            severity: f.severity.name(),
            line: f.line,
            pid: f.pid,
            fd: f.fd,
            object: f.object.as_deref(),
            created: f.created.as_ref().map(JsonSite::from),
            opened: f.opened,
            source: f.source().map(JsonSource::from),
            message: f.message(),
            count: f.count(),
            places: f
                .places
                .iter()
                .map(|p| JsonPlace {
                    line: p.line,
                    pid: p.pid,
                    program: &p.program,
                    fd: p.fd,
                    source: p.source.as_ref().map(JsonSource::from),
                })
                .collect(),
            ..JsonFinding::default()
        };
        match &f.detail {
            Detail::Inherited {
                program,
                used,
                handed_over,
            } => {
                j.program = Some(program);
                j.used = used.as_ref().map(JsonSite::from);
                j.handed_over = handed_over.as_ref().map(JsonSite::from);
            }
            Detail::AtExit { program } => j.program = Some(program),
            Detail::AfterClose { syscall, closed } => {
                j.syscall = Some(syscall);
                j.closed = Some(closed.into());
            }
            Detail::Stale {
                syscall,
                bad,
                reused,
                before,
            } => {
                j.syscall = Some(syscall);
                j.bad = Some(bad.into());
                j.reused = Some(reused.into());
                j.before = Some(before);
            }
            Detail::Replaced {
                syscall,
                last_use,
                now,
            } => {
                j.syscall = Some(syscall);
                j.last_use = Some(last_use.into());
                j.now = Some(now);
            }
            Detail::TooMany { syscall, open } => {
                j.syscall = Some(syscall);
                j.open = Some(*open as u64);
            }
            Detail::Trend {
                syscall,
                shape,
                created,
                closed,
                peak,
                open,
            } => {
                j.syscall = Some(syscall);
                j.shape = Some(shape);
                j.created_count = Some(*created);
                j.closed_count = Some(*closed);
                j.peak = Some(*peak);
                j.open = Some(*open);
            }
            _ => {}
        }
        j
    }
}

// ---- pictures --------------------------------------------------------------------

fn mark(s: Severity) -> Mark {
    match s {
        Severity::High => Mark::High,
        Severity::Medium => Mark::Medium,
        Severity::Low => Mark::Low,
        Severity::Info => Mark::Info,
    }
}

/// The line after which a finding's tables are drawn: before the exit for
/// `open-at-exit` (the table is gone after it), after the finding's line
/// otherwise.
fn snapshot_line(f: &Finding) -> u64 {
    match f.kind {
        Kind::OpenAtExit => f.line.saturating_sub(1),
        _ => f.line,
    }
}

/// One panel per (line, process) of the findings, in the findings' order.
fn pictures(
    input: Box<dyn Read + '_>,
    opts: Options,
    name: &str,
    findings: &[Finding],
) -> io::Result<Picture> {
    let mut groups: Vec<((u64, u32), Vec<&Finding>)> = Vec::new();
    for f in findings {
        let key = (snapshot_line(f), f.pid);
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => v.push(f),
            None => groups.push((key, vec![f])),
        }
    }
    let omitted = groups.len().saturating_sub(MAX_PANELS);
    groups.truncate(MAX_PANELS);
    let mut at: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
    for (i, ((line, _), _)) in groups.iter().enumerate() {
        at.entry(*line).or_default().push(i);
    }
    let mut panels: Vec<Option<fdkit_draw::Panel>> = vec![None; groups.len()];
    let mut replay = Replay::new(opts);
    let mut programs = Programs::default();
    LogReader::new(input).for_each_line(|n, line| {
        replay.push_bytes(n, line, &mut programs);
        if let Some(idx) = at.get(&n) {
            let tables = replay.tables();
            for &i in idx {
                let ((line, pid), fs) = &groups[i];
                panels[i] = Some(panel(name, *line, *pid, fs, &tables, &programs));
            }
        }
    })?;
    let mut panels: Vec<fdkit_draw::Panel> = panels.into_iter().flatten().collect();
    if omitted > 0 {
        if let Some(last) = panels.last_mut() {
            last.notes.push((
                None,
                format!("{omitted} more finding sites not drawn (see --json)"),
            ));
        }
    }
    if panels.is_empty() {
        panels.push(fdkit_draw::Panel::new(format!("{name}: no findings")));
    }
    Ok(Picture { panels })
}

fn panel(
    name: &str,
    line: u64,
    pid: u32,
    fs: &[&Finding],
    tables: &[fdkit_replay::ProcessTable],
    programs: &Programs,
) -> fdkit_draw::Panel {
    let main = tables.iter().find(|t| t.pid == pid);
    let mut marks: HashMap<(u32, u32), Mark> = HashMap::new();
    let mut ghosts: Vec<(u32, String, Mark)> = Vec::new();
    for f in fs {
        let m = mark(f.severity);
        match (&f.detail, f.fd) {
            (Detail::AfterClose { closed, .. }, Some(fd)) => {
                ghosts.push((fd, format!("closed at line {}", closed.line), m));
            }
            (Detail::Trend { shape, .. }, _) => {
                for v in main.iter().flat_map(|t| &t.fds) {
                    if fdkit_audit::shape(&v.desc.link()) == *shape {
                        marks.entry((pid, v.fd)).or_insert(m);
                    }
                }
            }
            (_, Some(fd)) => {
                let e = marks.entry((pid, fd)).or_insert(m);
                if severity_rank(m) > severity_rank(*e) {
                    *e = m;
                }
            }
            _ => {}
        }
    }
    let marked: HashSet<u64> = main
        .iter()
        .flat_map(|t| &t.fds)
        .filter(|v| marks.contains_key(&(pid, v.fd)))
        .map(|v| v.desc.id())
        .collect();
    let mut shown: Vec<fdkit_replay::ProcessTable> = main.into_iter().cloned().collect();
    for t in tables.iter().filter(|t| t.pid != pid) {
        if t.fds.iter().any(|v| marked.contains(&v.desc.id())) {
            for v in t.fds.iter().filter(|v| marked.contains(&v.desc.id())) {
                marks.entry((t.pid, v.fd)).or_insert(Mark::Info);
            }
            shown.push(t.clone());
        }
    }
    let title = format!(
        "{name}: pid {pid} ({}) after line {line}",
        programs.get(pid)
    );
    let mut p = crate::tables::panel(&title, &shown, programs, &marks);
    if main.is_none() {
        p.notes
            .push((None, format!("pid {pid} has no table after line {line}")));
    } else {
        for (fd, text, m) in ghosts {
            p.add_ghost(0, fd, text, Some(m));
        }
    }
    p.notes = notes(fs);
    p
}

/// One note per finding; more than three of one kind at one line are one note.
fn notes(fs: &[&Finding]) -> Vec<(Option<Mark>, String)> {
    let mut out = Vec::new();
    let mut done: HashSet<(u64, Kind)> = HashSet::new();
    for f in fs {
        let same: Vec<&&Finding> = fs
            .iter()
            .filter(|g| (g.line, g.kind) == (f.line, f.kind))
            .collect();
        if same.len() <= 3 {
            let text = format!(
                "line {}: {} {}: {}",
                f.line,
                f.severity,
                f.kind,
                f.message()
            );
            out.push((Some(mark(f.severity)), text));
        } else if done.insert((f.line, f.kind)) {
            let fds: Vec<String> = same
                .iter()
                .map(|g| match (g.fd, &g.object) {
                    (Some(fd), Some(o)) => format!("{fd} ({o})"),
                    (Some(fd), None) => fd.to_string(),
                    _ => "?".to_owned(),
                })
                .collect();
            let text = format!(
                "line {}: {} {} ×{}: fd {}",
                f.line,
                f.severity,
                f.kind,
                same.len(),
                fds.join(", ")
            );
            out.push((Some(mark(f.severity)), text));
        }
    }
    out
}

fn severity_rank(m: Mark) -> u8 {
    match m {
        Mark::Info => 0,
        Mark::Low => 1,
        Mark::Medium => 2,
        Mark::High => 3,
    }
}

//! `fdkit view LOG|SCENARIO [-o report.html]`: one self-contained HTML page to
//! scrub through a log and watch the three tables (descriptors → open file
//! descriptions → files) of any process after any line, with the processes'
//! timeline, the audit's findings and the replay's divergences linked to their
//! lines. `fdkit view -- PROG` records PROG live (as `fdkit tables -- PROG`).
//!
//! One pass over the log: after every line the tables are taken from the
//! replay and turned into rows by the code of `fdkit tables` ([`tables_rows`]),
//! so the page at line L shows exactly what `fdkit tables --at L` prints. The
//! page itself ([`fdkit_view`]) only draws that data.
//!
//! # Large logs
//!
//! A page holds at most `--max-lines` lines (default
//! [`fdkit_view::DEFAULT_MAX_LINES`]); `--from`/`--to` choose the window. Lines
//! before the window are replayed (so its first tables are right) but not kept;
//! the log is not read past the window.
//!
//! # Exit status
//!
//! 0 (findings and divergences are shown, not judged); 2 if the log cannot be
//! read or the output cannot be written, or if lines could not be parsed (the
//! page is written all the same, with those lines marked).

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use fdkit::catalog::flagset::name;
use fdkit_audit::{Auditor, Detail};
use fdkit_replay::{Divergence, Event, InputError, LogReader, ProcessTable, Replay, Sink};
use fdkit_view::{Builder, Happening};

use crate::cli::Color;
use crate::draw::{self, Programs};
use crate::live::Started;
use crate::tables;
use crate::Status;

/// Flags of `fdkit view`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The log (`-` for standard input) as `strace -f` wrote it, or a scenario.
    /// Not with `-- PROG`.
    #[arg(required_unless_present = "command", conflicts_with = "command")]
    pub log: Option<PathBuf>,
    /// Write the page to FILE instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The first line the page shows (earlier lines are replayed, not shown).
    #[arg(long, value_name = "LINE", value_parser = clap::value_parser!(u64).range(1..))]
    pub from: Option<u64>,
    /// The last line the page shows (the log is not read further).
    #[arg(long, value_name = "LINE", value_parser = clap::value_parser!(u64).range(1..))]
    pub to: Option<u64>,
    /// The most lines one page holds, when `--to` does not say.
    #[arg(long, value_name = "N", default_value_t = fdkit_view::DEFAULT_MAX_LINES,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub max_lines: u64,
    #[command(flatten)]
    pub source: crate::live::Source,
}

/// Runs `fdkit view`.
pub fn main(args: &Args, _color: Color) -> anyhow::Result<Status> {
    let log = args.log.as_deref().unwrap_or(Path::new("-"));
    let from = args.from.unwrap_or(1);
    let to = match args.to {
        Some(to) if to < from => anyhow::bail!("--to {to} is before --from {from}"),
        Some(to) => to,
        None => from.saturating_add(args.max_lines - 1),
    };
    let Started {
        mut live,
        name,
        options,
    } = args.source.start_for(log)?;
    let input: Box<dyn Read + '_> = match live.as_mut() {
        Some(l) => Box::new(l),
        None => crate::input::open(log, &args.source.more, &name)?,
    };
    let mut replay = Replay::new(options);
    let mut builder = Builder::new(&name, from, to);
    builder.label("cloexec", name::FD_CLOEXEC);
    builder.label("shared", name::CLONE_FILES);
    let mut sink = Collect {
        builder,
        programs: Programs::default(),
        audit: Auditor::default(),
        name: name.clone(),
        errors: 0,
    };
    let last =
        read(input, &mut replay, &mut sink, to).with_context(|| format!("{name}: cannot read"))?;
    if let Some(l) = live.as_mut() {
        // PROG runs to its end; the rest of the log is kept (`--log`) or dropped.
        l.finish()?;
    }
    if last.lines == 0 {
        anyhow::bail!("{name}: the log is empty");
    }
    if last.lines < from {
        anyhow::bail!(
            "{name}: --from {from} is past the end of the log ({} lines)",
            last.lines
        );
    }
    replay.finish(&mut sink);
    let Collect {
        mut builder,
        mut audit,
        errors,
        ..
    } = sink;
    if last.more {
        builder.set_more(true);
        let note = format!(
            "the page shows lines {from}\u{2013}{to}; the log goes on (fdkit view --from/--to \
             chooses the window); findings and divergences are those of the log up to line {to}"
        );
        eprintln!("fdkit: warning: {name}: {note}");
        builder.note(note);
    } else if from > 1 {
        builder.note(format!(
            "the page shows lines {from}\u{2013}{}; earlier lines were replayed, not shown",
            last.lines
        ));
    }
    builder.findings(audit.finish().iter().map(finding).collect());
    let page = builder.page();
    match &args.output {
        Some(path) => std::fs::write(path, page.as_bytes())
            .with_context(|| format!("{}: cannot write", path.display()))?,
        None => {
            let mut out = io::stdout().lock();
            out.write_all(page.as_bytes())?;
            out.flush()?;
        }
    }
    if errors > 0 {
        anyhow::bail!(
            "{name}: {errors} line{} could not be parsed (marked in the page)",
            if errors == 1 { "" } else { "s" }
        );
    }
    Ok(Status::Clean)
}

/// How far the log was read.
struct Extent {
    /// The last line read.
    lines: u64,
    /// Whether the log has a line past `to`.
    more: bool,
}

/// Stops the reading past the window.
#[derive(Debug)]
struct Stop;

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("stop")
    }
}

impl std::error::Error for Stop {}

/// Replays lines 1..=`to`, recording each line and the tables after it.
fn read(
    input: Box<dyn Read + '_>,
    replay: &mut Replay,
    sink: &mut Collect,
    to: u64,
) -> io::Result<Extent> {
    let mut last = 0;
    let mut more = false;
    let mut reader = LogReader::new(input);
    let r = reader.try_for_each_line(
        |n, bytes| {
            if n > to {
                more = true;
                return Err(io::Error::other(Stop));
            }
            last = n;
            let text = String::from_utf8_lossy(bytes);
            sink.builder.line(n, &text);
            replay.push_bytes(n, bytes, sink);
            if n + 1 >= sink.builder.first() {
                let rows = tables_rows(&replay.tables(), &sink.programs);
                sink.builder.tables(n, &rows);
            }
            Ok(())
        },
        |_| {},
    );
    match r {
        Err(e) if e.get_ref().is_some_and(|s| s.is::<Stop>()) => {}
        Err(e) => return Err(e),
        Ok(()) => {}
    }
    Ok(Extent { lines: last, more })
}

/// The tables as `fdkit tables --at LINE --json` shows them: its letters, flag
/// text and offsets (the same functions), plus the file each description
/// refers to (as the `--svg` picture groups them).
pub fn tables_rows(tables: &[ProcessTable], programs: &Programs) -> Vec<fdkit_view::Table> {
    let letters = tables::letters(tables);
    tables
        .iter()
        .map(|t| {
            let (_, heading) = draw::replay_heading(t, programs);
            let rows = t
                .fds
                .iter()
                .map(|v| {
                    let flags = draw::status_text(v);
                    let (object, object_label) = draw::object_of(v);
                    fdkit_view::Row {
                        fd: v.fd,
                        mode: v.mode_string().to_owned(),
                        link: v.desc.link(),
                        ofd: letters[&v.desc.id()].clone(),
                        description: v.desc.id(),
                        flags: Some(flags).filter(|s| !s.is_empty()),
                        offset: tables::offset(v),
                        cloexec: v.cloexec,
                        object,
                        object_label,
                    }
                })
                .collect();
            fdkit_view::Table {
                pid: t.pid,
                heading,
                tids: t.tids.clone(),
                shared_with: t.shared_with.clone(),
                rows,
            }
        })
        .collect()
}

/// A finding as the page lists it: `fdkit audit`'s sentence, its places, and
/// the lines it names.
fn finding(f: &fdkit_audit::Finding) -> fdkit_view::Finding {
    let mut related: Vec<(u64, String)> = Vec::new();
    let mut site = |what: &str, s: &fdkit_audit::Site| {
        if s.line > 0 {
            related.push((s.line, format!("{what} ({})", s.syscall)));
        }
    };
    if let Some(c) = &f.created {
        site("fd created", c);
    }
    match &f.detail {
        Detail::Inherited {
            used, handed_over, ..
        } => {
            if let Some(u) = used {
                site("used", u);
            }
            if let Some(h) = handed_over {
                site(&format!("{} cleared", name::FD_CLOEXEC), h);
            }
        }
        Detail::AfterClose { closed, .. } => site("closed", closed),
        Detail::Stale { bad, reused, .. } => {
            site(fdkit::Errno::BADF.name().unwrap_or("bad descriptor"), bad);
            site("reused", reused);
        }
        Detail::Replaced { last_use, .. } => site("last used", last_use),
        _ => {}
    }
    if let Some(o) = f.opened.filter(|&o| o > 0) {
        if f.created.as_ref().map_or(true, |c| c.line != o) {
            related.push((o, "open file description created".to_owned()));
        }
    }
    fdkit_view::Finding {
        kind: f.kind.name().to_owned(),
        severity: f.severity.name().to_owned(),
        line: f.line,
        pid: f.pid,
        fd: f.fd,
        message: f.message(),
        places: f
            .places
            .iter()
            .map(|p| (p.line, p.pid, p.program.clone()))
            .collect(),
        related,
    }
}

/// The sink of the one pass: programs, the auditor, the page's events,
/// divergences and errors.
struct Collect {
    builder: Builder,
    programs: Programs,
    audit: Auditor,
    name: String,
    errors: u64,
}

impl Sink for Collect {
    fn wants_events(&self) -> bool {
        true
    }

    fn event(&mut self, e: &Event) {
        self.programs.learn(e);
        self.audit.event(e);
        let h = match e {
            Event::Forked {
                line,
                parent,
                child,
                shares_table,
                thread,
            } => Happening::Forked {
                line: *line,
                parent: *parent,
                child: *child,
                thread: *thread,
                how: if *shares_table && !*thread {
                    name::CLONE_FILES.to_owned()
                } else {
                    String::new()
                },
            },
            Event::Exec {
                line, pid, program, ..
            } => Happening::Exec {
                line: *line,
                pid: *pid,
                program: program.clone(),
            },
            Event::Exited { line, pid, .. } => Happening::Exited {
                line: *line,
                pid: *pid,
            },
            Event::Created {
                line,
                pid,
                syscall,
                fd,
                desc,
                ..
            } => Happening::Created {
                line: *line,
                pid: pid.unwrap_or(0),
                syscall: syscall.clone(),
                fd: *fd,
                link: desc.link(),
            },
            Event::Closed {
                line,
                pid,
                fd,
                cause,
                desc,
            } => Happening::Closed {
                line: *line,
                pid: pid.unwrap_or(0),
                cause: cause.syscall().to_owned(),
                fd: *fd,
                link: desc.link(),
            },
            _ => return,
        };
        self.builder.happening(h);
    }

    fn divergence(&mut self, d: &Divergence) {
        self.audit.divergence(d);
        self.builder.divergence(fdkit_view::Divergence {
            line: d.line,
            pid: d.pid,
            call: d.call.clone(),
            what: d.what.to_owned(),
            expected: d.expected.clone(),
            predicted: d.predicted.clone(),
        });
    }

    fn error(&mut self, e: &InputError) {
        self.errors += 1;
        if self.errors <= 20 {
            eprintln!("fdkit: {}:{e}", self.name);
        }
        self.builder.error(e.line, e.to_string());
    }
}

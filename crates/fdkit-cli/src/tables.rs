//! `fdkit tables LOG --at LINE`: every live process's descriptor table after a
//! line of a recorded `strace -f` log, as `ls -l /proc/PID/fd` lists it, with
//! the open file description each descriptor refers to (a letter: descriptors
//! with the same letter share one offset and one set of status flags), its
//! offset and flags, and the descriptor's close-on-exec flag.
//!
//! # Human output (stdout)
//!
//! ```text
//! pid 11002 (/bin/sh)
//!   l????????? 0 -> (inherited)   ofd A          flags ?
//!   l-wx------ 1 -> output.txt    ofd B  pos 0   O_WRONLY|O_LARGEFILE
//!   l-wx------ 5 -> held.txt      ofd D  pos 14  O_WRONLY|O_LARGEFILE
//!   l????????? 10 -> (inherited)  ofd E          flags ?               FD_CLOEXEC
//! pid 11003 (/usr/bin/cat)
//!   l-wx------ 1 -> output.txt    ofd B  pos 0   O_WRONLY|O_LARGEFILE
//!   l-wx------ 5 -> held.txt      ofd D  pos 14  O_WRONLY|O_LARGEFILE
//! shared open file descriptions:
//!   ofd B (output.txt): pid 11002 fd 1, pid 11003 fd 1
//!   ofd D (held.txt): pid 11002 fd 5, pid 11003 fd 5
//! at line 82: 2 processes, 9 descriptors, 5 open file descriptions (4 shared)
//! ```
//!
//! (`leak-shell.strace --at 82`, some rows left out.) `l?????????`: the access
//! mode is not known (descriptors from before the log);
//! `flags ?`: the log does not show the description's flags; `|?`: some bits are
//! not known.
//!
//! # JSON Lines (`--json`)
//!
//! - `table`: `line`, `pid`, `tids`, `program`, `shared_with` (processes sharing
//!   this very table, `CLONE_FILES`), `fds`: `[{fd, mode, link, ofd, description,
//!   flags, offset, cloexec}]` (`ofd`: the letter; `description`: a number equal
//!   for descriptors sharing a description; `flags`: text or null; `offset`:
//!   number or null);
//! - `shared`: an open file description referred to by more than one descriptor:
//!   `ofd`, `description`, `link`, `flags`, `offset`, `holders`: `[{pid, fd}]`;
//! - `summary` (last): `line`, `processes`, `descriptors`, `descriptions`,
//!   `shared`, `text`.
//!
//! # Pictures
//!
//! `--dot` / `--svg` print the three-table picture instead (Graphviz DOT, or SVG
//! laid out by fdkit).
//!
//! # Exit status
//!
//! 0; 2 if the log cannot be read, a line up to LINE cannot be parsed, LINE is
//! past the end of the log, or `--pid` names no live process.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use crate::live::Started;
use anyhow::Context as _;
use fdkit::catalog::flagset::name;
use fdkit_replay::{Event, InputError, LogReader, ProcessTable, Replay, Sink};
use serde::Serialize;

use crate::cli::Color;
use crate::draw::{self, Format, Programs};
use crate::Status;

/// Flags of `fdkit tables`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The log (`-` for standard input), as `strace -f` wrote it. Not with
    /// `-- PROG`.
    #[arg(required_unless_present = "command", conflicts_with = "command")]
    pub log: Option<PathBuf>,
    /// Show the tables after this line (1-based) has been replayed.
    #[arg(long, value_name = "LINE", value_parser = clap::value_parser!(u64).range(1..))]
    pub at: u64,
    /// Only this process (a thread id shows its process's table).
    #[arg(long, value_name = "PID")]
    pub pid: Option<u32>,
    /// Print JSON Lines (`{"type", "data"}` objects, the summary last) instead of
    /// text.
    #[arg(long, conflicts_with_all = ["dot", "svg"])]
    pub json: bool,
    /// Print the three-table picture as Graphviz DOT instead of text.
    #[arg(long, conflicts_with = "svg")]
    pub dot: bool,
    /// Print the three-table picture as SVG instead of text.
    #[arg(long)]
    pub svg: bool,
    #[command(flatten)]
    pub source: crate::live::Source,
}

/// Runs `fdkit tables`.
pub fn main(args: &Args, _color: Color) -> anyhow::Result<Status> {
    let log = args.log.as_deref().unwrap_or(Path::new("-"));
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
    let mut sink = Quiet {
        programs: Programs::default(),
        name: name.clone(),
        errors: 0,
    };
    let last = replay_until(input, &mut replay, &mut sink, args.at)
        .with_context(|| format!("{name}: cannot read"))?;
    if let Some(l) = live.as_mut() {
        // PROG runs to its end; the rest of the log is kept (`--log`) or dropped.
        l.finish()?;
    }
    if last < args.at {
        anyhow::bail!(
            "{name}: line {} is past the end of the log ({last} lines)",
            args.at
        );
    }
    if sink.errors > 0 {
        anyhow::bail!(
            "{name}: {} lines up to line {} could not be parsed",
            sink.errors,
            args.at
        );
    }
    let mut tables = replay.tables();
    if let Some(pid) = args.pid {
        match replay.table(pid) {
            Some(t) => tables = vec![t],
            None => {
                let live: Vec<String> = tables.iter().map(|t| t.pid.to_string()).collect();
                anyhow::bail!(
                    "{name}: pid {pid} is not live at line {} (live: {})",
                    args.at,
                    if live.is_empty() {
                        "none".to_owned()
                    } else {
                        live.join(", ")
                    }
                );
            }
        }
    }
    let mut out = io::BufWriter::new(io::stdout().lock());
    if let Some(format) = Format::from_flags(args.dot, args.svg) {
        let title = format!("{name}: after line {}", args.at);
        let panel = panel(&title, &tables, &sink.programs, &HashMap::new());
        let picture = fdkit_draw::Picture {
            panels: vec![panel],
        };
        out.write_all(format.render(&picture).as_bytes())?;
    } else if args.json {
        json(&mut out, args.at, &tables, &sink.programs)?;
    } else {
        text(&mut out, args.at, &tables, &sink.programs)?;
    }
    out.flush()?;
    Ok(Status::Clean)
}

/// Stops the reading after the wanted line.
#[derive(Debug)]
struct Stop;

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("stop")
    }
}

impl std::error::Error for Stop {}

/// Replays lines 1..=`upto`; returns the number of the last line read.
pub fn replay_until(
    input: Box<dyn Read + '_>,
    replay: &mut Replay,
    sink: &mut dyn Sink,
    upto: u64,
) -> io::Result<u64> {
    let mut last = 0;
    let mut reader = LogReader::new(input);
    let r = reader.try_for_each_line(
        |n, line| {
            if n > upto {
                return Err(io::Error::other(Stop));
            }
            last = n;
            replay.push_bytes(n, line, sink);
            Ok(())
        },
        |_| {},
    );
    match r {
        Err(e) if e.get_ref().is_some_and(|s| s.is::<Stop>()) => Ok(last),
        Err(e) => Err(e),
        Ok(()) => Ok(last),
    }
}

/// Learns programs, reports unparsable lines on stderr, ignores the rest.
struct Quiet {
    programs: Programs,
    name: String,
    errors: u64,
}

impl Sink for Quiet {
    fn wants_events(&self) -> bool {
        true
    }
    fn event(&mut self, e: &Event) {
        self.programs.learn(e);
    }
    fn error(&mut self, e: &InputError) {
        self.errors += 1;
        if self.errors <= 20 {
            eprintln!("fdkit: {}", crate::input::error_at(&self.name, e));
        }
    }
}

/// The picture of `tables`, rows marked as `marks` says (by (pid, fd)).
pub fn panel(
    title: &str,
    tables: &[ProcessTable],
    programs: &Programs,
    marks: &HashMap<(u32, u32), fdkit_draw::Mark>,
) -> fdkit_draw::Panel {
    let mut panel = fdkit_draw::Panel::new(title);
    for t in tables {
        let (title, sub) = draw::replay_heading(t, programs);
        let fds = t
            .fds
            .iter()
            .map(|v| draw::replay_fd(v, marks.get(&(t.pid, v.fd)).copied()))
            .collect();
        panel.add_table(title, sub, fds);
    }
    panel
}

/// Letters for descriptions, in order of first appearance.
pub(crate) fn letters(tables: &[ProcessTable]) -> HashMap<u64, String> {
    let mut map = HashMap::new();
    for v in tables.iter().flat_map(|t| &t.fds) {
        let n = map.len();
        map.entry(v.desc.id()).or_insert_with(|| label(n));
    }
    map
}

fn label(n: usize) -> String {
    let mut n = n + 1;
    let mut out = Vec::new();
    while n > 0 {
        n -= 1;
        out.push(b'A' + (n % 26) as u8);
        n /= 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// Descriptions held by more than one descriptor: (id, holders as (pid, fd)).
fn shared(tables: &[ProcessTable]) -> Vec<(u64, Vec<(u32, u32)>)> {
    let mut order: Vec<u64> = Vec::new();
    let mut holders: HashMap<u64, Vec<(u32, u32)>> = HashMap::new();
    for t in tables {
        for v in &t.fds {
            let id = v.desc.id();
            let h = holders.entry(id).or_insert_with(|| {
                order.push(id);
                Vec::new()
            });
            h.push((t.pid, v.fd));
        }
    }
    order
        .into_iter()
        .filter_map(|id| {
            let h = holders.remove(&id)?;
            (h.len() > 1).then_some((id, h))
        })
        .collect()
}

fn summary_text(line: u64, tables: &[ProcessTable]) -> String {
    let fds: usize = tables.iter().map(|t| t.fds.len()).sum();
    let descs = letters(tables).len();
    let shared = shared(tables).len();
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    format!(
        "at line {line}: {}, {}, {} ({shared} shared)",
        plural(tables.len(), "process", "processes"),
        plural(fds, "descriptor", "descriptors"),
        plural(descs, "open file description", "open file descriptions"),
    )
}

fn text(
    out: &mut impl Write,
    line: u64,
    tables: &[ProcessTable],
    programs: &Programs,
) -> io::Result<()> {
    let letters = letters(tables);
    let rows: Vec<Vec<[String; 5]>> = tables
        .iter()
        .map(|t| t.fds.iter().map(|v| row(v, &letters)).collect())
        .collect();
    // One set of column widths for every table, so they line up.
    let mut widths = [0; 5];
    for row in rows.iter().flatten() {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    for (t, rows) in tables.iter().zip(rows) {
        let (title, sub) = draw::replay_heading(t, programs);
        writeln!(out, "{title} ({sub})")?;
        if rows.is_empty() {
            writeln!(out, "  (no descriptors)")?;
        }
        for row in rows {
            let mut l = String::from(" ");
            for (cell, w) in row.iter().zip(widths) {
                if w > 0 {
                    l.push(' ');
                    l.push_str(&format!("{cell:<w$}"));
                    l.push(' ');
                }
            }
            writeln!(out, "{}", l.trim_end())?;
        }
    }
    let shared = shared(tables);
    if !shared.is_empty() {
        writeln!(out, "shared open file descriptions:")?;
        let views: HashMap<u64, &fdkit_replay::FdView> = tables
            .iter()
            .flat_map(|t| &t.fds)
            .map(|v| (v.desc.id(), v))
            .collect();
        for (id, holders) in shared {
            let h: Vec<String> = holders
                .iter()
                .map(|(p, f)| format!("pid {p} fd {f}"))
                .collect();
            let link = views.get(&id).map_or(String::new(), |v| v.desc.link());
            writeln!(out, "  ofd {} ({link}): {}", letters[&id], h.join(", "))?;
        }
    }
    writeln!(out, "{}", summary_text(line, tables))
}

/// `ls -l`'s columns, then the description's letter, offset and flags, and
/// `FD_CLOEXEC`.
fn row(v: &fdkit_replay::FdView, letters: &HashMap<u64, String>) -> [String; 5] {
    let flags = draw::status_text(v);
    [
        format!("{} {} -> {}", v.mode_string(), v.fd, v.desc.link()),
        format!("ofd {}", letters[&v.desc.id()]),
        offset(v).map_or(String::new(), |o| format!("pos {o}")),
        if flags.is_empty() {
            "flags ?".to_owned()
        } else {
            flags
        },
        if v.cloexec { name::FD_CLOEXEC } else { "" }.to_owned(),
    ]
}

pub(crate) fn offset(v: &fdkit_replay::FdView) -> Option<u64> {
    if v.desc.has_offset() {
        v.desc.offset()
    } else {
        None
    }
}

#[derive(Serialize)]
struct Record<'a, T> {
    #[serde(rename = "type")]
    kind: &'a str,
    data: T,
}

#[derive(Serialize)]
struct JsonFd {
    fd: u32,
    mode: &'static str,
    link: String,
    ofd: String,
    description: u64,
    flags: Option<String>,
    offset: Option<u64>,
    cloexec: bool,
}

#[derive(Serialize)]
struct JsonTable<'a> {
    line: u64,
    pid: u32,
    tids: &'a [u32],
    program: &'a str,
    shared_with: &'a [u32],
    fds: Vec<JsonFd>,
}

#[derive(Serialize)]
struct JsonHolder {
    pid: u32,
    fd: u32,
}

#[derive(Serialize)]
struct JsonShared {
    ofd: String,
    description: u64,
    link: String,
    flags: Option<String>,
    offset: Option<u64>,
    holders: Vec<JsonHolder>,
}

#[derive(Serialize)]
struct JsonSummary {
    line: u64,
    processes: usize,
    descriptors: usize,
    descriptions: usize,
    shared: usize,
    text: String,
}

fn write_json<T: Serialize>(out: &mut impl Write, kind: &str, data: T) -> io::Result<()> {
    serde_json::to_writer(&mut *out, &Record { kind, data })?;
    out.write_all(b"\n")
}

fn json(
    out: &mut impl Write,
    line: u64,
    tables: &[ProcessTable],
    programs: &Programs,
) -> io::Result<()> {
    let letters = letters(tables);
    let flags = |v: &fdkit_replay::FdView| Some(draw::status_text(v)).filter(|s| !s.is_empty());
    for t in tables {
        let fds = t
            .fds
            .iter()
            .map(|v| JsonFd {
                fd: v.fd,
                mode: v.mode_string(),
                link: v.desc.link(),
                ofd: letters[&v.desc.id()].clone(),
                description: v.desc.id(),
                flags: flags(v),
                offset: offset(v),
                cloexec: v.cloexec,
            })
            .collect();
        let data = JsonTable {
            line,
            pid: t.pid,
            tids: &t.tids,
            program: programs.get(t.pid),
            shared_with: &t.shared_with,
            fds,
        };
        write_json(out, "table", data)?;
    }
    let views: HashMap<u64, &fdkit_replay::FdView> = tables
        .iter()
        .flat_map(|t| &t.fds)
        .map(|v| (v.desc.id(), v))
        .collect();
    let shared = shared(tables);
    let n_shared = shared.len();
    for (id, holders) in shared {
        let v = views[&id];
        let data = JsonShared {
            ofd: letters[&id].clone(),
            description: id,
            link: v.desc.link(),
            flags: flags(v),
            offset: offset(v),
            holders: holders
                .into_iter()
                .map(|(pid, fd)| JsonHolder { pid, fd })
                .collect(),
        };
        write_json(out, "shared", data)?;
    }
    let data = JsonSummary {
        line,
        processes: tables.len(),
        descriptors: tables.iter().map(|t| t.fds.len()).sum(),
        descriptions: letters.len(),
        shared: n_shared,
        text: summary_text(line, tables),
    };
    write_json(out, "summary", data)
}

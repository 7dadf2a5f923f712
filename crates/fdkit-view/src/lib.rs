//! # fdkit-view: one HTML page to scrub through a replayed `strace -f` log
//!
//! `fdkit view LOG -o report.html` replays a log with `fdkit_replay::Replay`
//! (the table model `fdkit check` verifies against the kernel), records the
//! tables after every line, the processes' and threads' lives, the audit's
//! findings and the replay's divergences, and writes them as data into one
//! self-contained page ([`Builder::page`]): no server, no network, nothing
//! loaded from elsewhere; it opens from disk in any browser.
//!
//! The page only *shows* what the Rust side computed: each descriptor row is
//! what `fdkit tables --at LINE` prints for that line (the command builds the
//! [`Row`]s with the same code), and the script never applies a table rule of
//! its own (no `dup`, `fork` or close-on-exec logic in JavaScript).
//!
//! ## Data
//!
//! Compact by sharing: every distinct string, row and table is stored once
//! ([`Builder`] interns them), and each process keeps a history of
//! `[line, table, heading]` entries, one per line that changed its table (its
//! rows, its letters, its offsets, its threads or program). The table of a
//! process at line L is its last entry at or before L: a binary search.
//!
//! ## Safety with hostile logs
//!
//! Everything from the log (lines, paths, program names) is data: it is
//! embedded as JSON in a `<script type="application/json">` element, where
//! `<`, `>` and `&` are written `\u003c`, `\u003e`, `\u0026` so no text can end
//! the element ([`json_for_script`]); the page's script puts it into the
//! document with `textContent` only (never as markup), and links are buttons
//! that move the scrubber (no `href` from the log). The page's
//! Content-Security-Policy allows exactly the page's own script and style, by
//! their SHA-256 ([`csp`]): an inline script or event handler that got in
//! some other way would not run.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::collections::HashMap;

use base64::Engine as _;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The page's script (`assets/view.js`).
pub const SCRIPT: &str = include_str!("../assets/view.js");
/// The page's style sheet (`assets/view.css`).
pub const STYLE: &str = include_str!("../assets/view.css");
/// The page's static body (`assets/view.html`): the script fills it in.
pub const BODY: &str = include_str!("../assets/view.html");

/// The id of the `<script type="application/json">` element holding the data.
pub const DATA_ID: &str = "fdkit-data";

/// Lines a page holds by default: past this, `fdkit view` cuts the window (see
/// `--from`/`--to`). A page of this many lines stays smooth in a browser (the
/// log is drawn only where it is visible; a move is a binary search per
/// process).
pub const DEFAULT_MAX_LINES: u64 = 200_000;

/// One descriptor row, as `fdkit tables --at LINE` shows it (its `--json`
/// fields), plus the object the description refers to (for the file table).
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Row {
    /// The descriptor number.
    pub fd: u32,
    /// `ls -l /proc/PID/fd`'s permission column (`lrwx------`, `l?????????`).
    pub mode: String,
    /// The link text (`/tmp/a`, `pipe:[123]`, `(inherited)`).
    pub link: String,
    /// The description's letter (equal letters: one open file description,
    /// shared offset and status flags), as `fdkit tables` assigns them.
    pub ofd: String,
    /// A number equal for descriptors sharing a description.
    pub description: u64,
    /// The status flags (`O_RDWR|O_APPEND`), `None` when not known.
    pub flags: Option<String>,
    /// The file offset, when the model knows it.
    pub offset: Option<u64>,
    /// The descriptor's close-on-exec flag (`FD_CLOEXEC`): per descriptor,
    /// never shared by `dup` (Linux keeps it in the descriptor table).
    pub cloexec: bool,
    /// The file's key (equal for one file or one pipe).
    pub object: String,
    /// The file's label in the file table.
    pub object_label: String,
}

/// One process's table after a line, as `fdkit tables --at LINE` shows it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Table {
    /// The process (thread-group leader).
    pub pid: u32,
    /// The heading after `pid N`: program, threads, table sharing
    /// (`/bin/sh, 2 threads`).
    pub heading: String,
    /// Its live threads, leader first.
    pub tids: Vec<u32>,
    /// Processes sharing this very table (`CLONE_FILES`).
    pub shared_with: Vec<u32>,
    /// The descriptors, in increasing order.
    pub rows: Vec<Row>,
}

/// One finding of the audit, as the page lists it.
#[derive(Clone, Debug)]
pub struct Finding {
    /// `inherited-across-exec`, `use-after-close`...
    pub kind: String,
    /// `high`, `medium`, `low`, `info`.
    pub severity: String,
    /// The line of the finding.
    pub line: u64,
    /// The process.
    pub pid: u32,
    /// The descriptor, when it is about one.
    pub fd: Option<u32>,
    /// The sentence `fdkit audit` prints.
    pub message: String,
    /// Every occurrence: (line, pid, program).
    pub places: Vec<(u64, u32, String)>,
    /// Other lines the finding names (where the descriptor was created, closed,
    /// used), with what happened there.
    pub related: Vec<(u64, String)>,
}

/// One divergence of the replay (as `fdkit check` reports it).
#[derive(Clone, Debug)]
pub struct Divergence {
    /// The line of the result.
    pub line: u64,
    /// The calling thread.
    pub pid: Option<u32>,
    /// The call in strace syntax.
    pub call: String,
    /// What was compared (`descriptor`, `EBADF`, `offset`...).
    pub what: String,
    /// What the log says.
    pub expected: String,
    /// What the model predicted.
    pub predicted: String,
}

/// What happened to a task or a descriptor at a line (the timeline and the
/// search use them).
#[derive(Clone, Debug)]
pub enum Happening {
    /// A task was created by `fork`/`clone`/`vfork`.
    Forked {
        /// The line.
        line: u64,
        /// The parent thread.
        parent: u32,
        /// The new thread.
        child: u32,
        /// `CLONE_THREAD`.
        thread: bool,
        /// How the child got its table, when it shares the parent's
        /// (`CLONE_FILES`); empty for a copy.
        how: String,
    },
    /// A successful `execve`.
    Exec {
        /// The line.
        line: u64,
        /// The process.
        pid: u32,
        /// The new program.
        program: String,
    },
    /// A thread exited (or was killed).
    Exited {
        /// The line.
        line: u64,
        /// The thread.
        pid: u32,
    },
    /// A descriptor was installed.
    Created {
        /// The line.
        line: u64,
        /// The thread.
        pid: u32,
        /// The call.
        syscall: String,
        /// The descriptor.
        fd: u32,
        /// What it refers to.
        link: String,
    },
    /// A descriptor was closed.
    Closed {
        /// The line.
        line: u64,
        /// The thread.
        pid: u32,
        /// Why (`close`, `execve`, `exit`, `dup2`...).
        cause: String,
        /// The descriptor.
        fd: u32,
        /// What it referred to.
        link: String,
    },
}

/// Stack frames kept per call line (`strace -k`).
const MAX_FRAMES: usize = 8;

/// Collects a replay's results and writes the page.
///
/// Feed it every line ([`Builder::line`]) and the tables after it
/// ([`Builder::tables`]), the [`Happening`]s, then the findings and
/// divergences; [`Builder::page`] writes the HTML.
#[derive(Debug, Default)]
pub struct Builder {
    name: String,
    first: u64,
    last: u64,
    more: bool,
    texts: Vec<String>,
    tids: Vec<i64>,
    strings: Interner<String>,
    rows: Interner<RowData>,
    tables: Interner<Vec<usize>>,
    heads: Interner<HeadData>,
    procs: Vec<Proc>,
    proc_index: HashMap<u32, usize>,
    tgid: HashMap<u32, u32>,
    events: Vec<EventRec>,
    findings: Vec<Finding>,
    divergences: Vec<Divergence>,
    errors: Vec<(u64, String)>,
    notes: Vec<String>,
    labels: std::collections::BTreeMap<&'static str, String>,
    /// Per line of a call: its stack frames.
    frames: HashMap<u64, Vec<String>>,
    /// The line of the last call (strace writes a call's frames right after it,
    /// without a pid).
    last_call: Option<u64>,
}

#[derive(Debug)]
struct Proc {
    pid: u32,
    /// `[line, table or -1 when gone, head]`.
    history: Vec<(u64, i64, usize)>,
}

#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize)]
struct RowData(
    u32,
    usize,
    usize,
    usize,
    u64,
    i64,
    Option<u64>,
    u8,
    usize,
    usize,
);

#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize)]
struct HeadData(usize, Vec<u32>, Vec<u32>);

#[derive(Debug)]
struct Interner<T> {
    items: Vec<T>,
    index: HashMap<T, usize>,
}

impl<T> Default for Interner<T> {
    fn default() -> Self {
        Interner {
            items: Vec::new(),
            index: HashMap::new(),
        }
    }
}

impl<T: Clone + Eq + std::hash::Hash> Interner<T> {
    fn get(&mut self, item: T) -> usize {
        if let Some(&i) = self.index.get(&item) {
            return i;
        }
        let i = self.items.len();
        self.items.push(item.clone());
        self.index.insert(item, i);
        i
    }
}

impl Interner<String> {
    fn str(&mut self, s: &str) -> usize {
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        self.get(s.to_owned())
    }
}

impl Builder {
    /// A page for the log called `name`, showing lines `first..=last` (the
    /// tables before `first` are those after line `first - 1`).
    pub fn new(name: &str, first: u64, last: u64) -> Builder {
        Builder {
            name: name.to_owned(),
            first: first.max(1),
            last,
            ..Builder::default()
        }
    }

    /// The first line the page shows.
    pub fn first(&self) -> u64 {
        self.first
    }

    /// The last line the page may show.
    pub fn last(&self) -> u64 {
        self.last
    }

    /// Whether line `n` is shown.
    pub fn shows(&self, n: u64) -> bool {
        n >= self.first && n <= self.last
    }

    /// Records log line `n` (only kept when [`Builder::shows`] it): its text
    /// and the thread it belongs to (a line without a pid is pid 0's, as the
    /// replay takes it; comments, blank lines and notices belong to none).
    pub fn line(&mut self, n: u64, text: &str) {
        if !self.shows(n) {
            return;
        }
        let tid = match fdkit_strace::Line::parse(text) {
            Ok(l) => {
                let tid = l.pid().unwrap_or(0);
                match l.event() {
                    fdkit_strace::Event::StackFrame(frame) => {
                        if let Some(call) = self.last_call {
                            let f = self.frames.entry(call).or_default();
                            if f.len() < MAX_FRAMES {
                                f.push((*frame).to_owned());
                            }
                        }
                        -1
                    }
                    fdkit_strace::Event::Notice(_) => -1,
                    _ => {
                        self.last_call = Some(n);
                        i64::from(tid)
                    }
                }
            }
            Err(_) => -1,
        };
        self.texts.push(text.to_owned());
        self.tids.push(tid);
    }

    /// Records the tables after line `n` (every live process, by pid, as
    /// `Replay::tables` lists them). Kept from line `first - 1` on.
    pub fn tables(&mut self, n: u64, tables: &[Table]) {
        if n + 1 < self.first || n > self.last {
            return;
        }
        let mut seen = Vec::with_capacity(tables.len());
        for t in tables {
            let rows: Vec<usize> = t.rows.iter().map(|r| self.row(r)).collect();
            let table = self.tables.get(rows) as i64;
            let sub = self.strings.str(&t.heading);
            let head = self
                .heads
                .get(HeadData(sub, t.tids.clone(), t.shared_with.clone()));
            let i = match self.proc_index.get(&t.pid) {
                Some(&i) => i,
                None => {
                    let i = self.procs.len();
                    self.procs.push(Proc {
                        pid: t.pid,
                        history: Vec::new(),
                    });
                    self.proc_index.insert(t.pid, i);
                    i
                }
            };
            seen.push(i);
            let p = &mut self.procs[i];
            if p.history.last().map(|&(_, t, h)| (t, h)) != Some((table, head)) {
                p.history.push((n, table, head));
            }
        }
        seen.sort_unstable();
        let mut gone = Vec::new();
        for (i, p) in self.procs.iter().enumerate() {
            let live = p.history.last().is_some_and(|&(_, t, _)| t >= 0);
            if live && seen.binary_search(&i).is_err() {
                gone.push(i);
            }
        }
        for i in gone {
            let head = self.procs[i].history.last().map_or(0, |h| h.2);
            self.procs[i].history.push((n, -1, head));
        }
    }

    fn row(&mut self, r: &Row) -> usize {
        let s = &mut self.strings;
        let data = RowData(
            r.fd,
            s.str(&r.mode),
            s.str(&r.link),
            s.str(&r.ofd),
            r.description,
            r.flags.as_deref().map_or(-1, |f| s.str(f) as i64),
            r.offset,
            u8::from(r.cloexec),
            s.str(&r.object),
            s.str(&r.object_label),
        );
        self.rows.get(data)
    }

    /// Records a task or descriptor event.
    pub fn happening(&mut self, h: Happening) {
        let none = self.strings.str("");
        let e = match h {
            Happening::Forked {
                line,
                parent,
                child,
                thread,
                how,
            } => {
                if thread {
                    let leader = self.tgid.get(&parent).copied().unwrap_or(parent);
                    self.tgid.insert(child, leader);
                }
                let how = self.strings.str(&how);
                EventRec {
                    line,
                    kind: if thread { "thread" } else { "fork" },
                    who: parent,
                    tid: child,
                    fd: -1,
                    s: how,
                    c: none,
                }
            }
            Happening::Exec { line, pid, program } => EventRec {
                line,
                kind: "exec",
                who: pid,
                tid: pid,
                fd: -1,
                s: self.strings.str(&program),
                c: none,
            },
            Happening::Exited { line, pid } => EventRec {
                line,
                kind: "exit",
                who: pid,
                tid: pid,
                fd: -1,
                s: none,
                c: none,
            },
            Happening::Created {
                line,
                pid,
                syscall,
                fd,
                link,
            } => EventRec {
                line,
                kind: "open",
                who: pid,
                tid: pid,
                fd: i64::from(fd),
                s: self.strings.str(&link),
                c: self.strings.str(&syscall),
            },
            Happening::Closed {
                line,
                pid,
                cause,
                fd,
                link,
            } => EventRec {
                line,
                kind: "close",
                who: pid,
                tid: pid,
                fd: i64::from(fd),
                s: self.strings.str(&link),
                c: self.strings.str(&cause),
            },
        };
        self.events.push(e);
    }

    /// Records the audit's findings.
    pub fn findings(&mut self, f: Vec<Finding>) {
        self.findings = f;
    }

    /// Records a divergence.
    pub fn divergence(&mut self, d: Divergence) {
        self.divergences.push(d);
    }

    /// Records a line that could not be parsed, with the parser's message.
    pub fn error(&mut self, line: u64, message: String) {
        self.errors.push((line, message));
    }

    /// Adds a note shown at the top of the page (a window cut, a log that
    /// goes on).
    pub fn note(&mut self, note: String) {
        self.notes.push(note);
    }

    /// Sets a word the page shows: `cloexec` (the close-on-exec flag's name,
    /// `FD_CLOEXEC`) and `shared` (the flag that shares a table,
    /// `CLONE_FILES`). The caller takes them from `fdkit::catalog::flagset`,
    /// where every flag name is spelled once.
    pub fn label(&mut self, key: &'static str, text: &str) {
        self.labels.insert(key, text.to_owned());
    }

    /// Says the log goes on past the last line shown.
    pub fn set_more(&mut self, more: bool) {
        self.more = more;
    }

    /// The process (thread-group leader) of thread `tid`.
    pub fn process_of(&self, tid: u32) -> u32 {
        self.tgid.get(&tid).copied().unwrap_or(tid)
    }

    /// The page's data as JSON (what [`Builder::page`] embeds).
    pub fn data_json(&self) -> String {
        serde_json::to_string(&self.data()).unwrap_or_else(|_| "{}".to_owned())
    }

    fn data(&self) -> Data<'_> {
        let pid = |t: u32| self.process_of(t);
        let line_pids = self
            .tids
            .iter()
            .map(|&t| if t < 0 { -1 } else { i64::from(pid(t as u32)) })
            .collect();
        let events = self
            .events
            .iter()
            .map(|e| Event(e.line, e.kind, pid(e.who), e.tid, e.fd, e.s, e.c))
            .collect();
        let frames = |line: u64| self.frames.get(&line).cloned().unwrap_or_default();
        // A finding's frames: its line's, then those of the lines it names
        // (where the descriptor was created, closed, used).
        let finding_frames = |f: &Finding| -> Vec<(u64, Vec<String>)> {
            std::iter::once(f.line)
                .chain(f.related.iter().map(|r| r.0))
                .filter_map(|l| self.frames.get(&l).map(|fr| (l, fr.clone())))
                .collect()
        };
        Data {
            version: 1,
            name: &self.name,
            first: self.first,
            more: self.more,
            notes: &self.notes,
            labels: &self.labels,
            lines: &self.texts,
            line_pids,
            strings: &self.strings.items,
            rows: &self.rows.items,
            tables: &self.tables.items,
            heads: &self.heads.items,
            procs: {
                // By pid, as `fdkit tables` lists them.
                let mut procs: Vec<ProcData<'_>> = self
                    .procs
                    .iter()
                    .map(|p| ProcData {
                        pid: p.pid,
                        h: &p.history,
                    })
                    .collect();
                procs.sort_by_key(|p| p.pid);
                procs
            },
            events,
            findings: self
                .findings
                .iter()
                .map(|f| FindingData {
                    kind: &f.kind,
                    severity: &f.severity,
                    line: f.line,
                    pid: f.pid,
                    fd: f.fd,
                    message: &f.message,
                    places: &f.places,
                    related: &f.related,
                    frames: finding_frames(f),
                })
                .collect(),
            divergences: self
                .divergences
                .iter()
                .map(|d| DivergenceData {
                    line: d.line,
                    pid: d.pid.map(pid),
                    tid: d.pid,
                    call: &d.call,
                    what: &d.what,
                    expected: &d.expected,
                    predicted: &d.predicted,
                    frames: frames(d.line),
                })
                .collect(),
            errors: &self.errors,
        }
    }

    /// The page: one HTML document with the data, the script and the style
    /// inside, under a Content-Security-Policy that allows nothing else.
    pub fn page(&self) -> String {
        let json = json_for_script(&self.data_json());
        let mut out = String::with_capacity(json.len() + SCRIPT.len() + STYLE.len() + 4096);
        out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        out.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"");
        out.push_str(&csp());
        out.push_str("\">\n<meta name=\"referrer\" content=\"no-referrer\">\n");
        out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        out.push_str("<title>fdkit view: ");
        out.push_str(&escape_html(&self.name));
        out.push_str("</title>\n<style>");
        out.push_str(STYLE);
        out.push_str("</style>\n</head>\n<body>\n");
        out.push_str(BODY);
        out.push_str("<script type=\"application/json\" id=\"");
        out.push_str(DATA_ID);
        out.push_str("\">");
        out.push_str(&json);
        out.push_str("</script>\n<script>");
        out.push_str(SCRIPT);
        out.push_str("</script>\n</body>\n</html>\n");
        out
    }
}

#[derive(Serialize)]
struct Data<'a> {
    version: u32,
    name: &'a str,
    first: u64,
    more: bool,
    notes: &'a [String],
    labels: &'a std::collections::BTreeMap<&'static str, String>,
    lines: &'a [String],
    #[serde(rename = "linePids")]
    line_pids: Vec<i64>,
    strings: &'a [String],
    rows: &'a [RowData],
    tables: &'a [Vec<usize>],
    heads: &'a [HeadData],
    procs: Vec<ProcData<'a>>,
    events: Vec<Event>,
    findings: Vec<FindingData<'a>>,
    divergences: Vec<DivergenceData<'a>>,
    errors: &'a [(u64, String)],
}

#[derive(Serialize)]
struct ProcData<'a> {
    pid: u32,
    h: &'a [(u64, i64, usize)],
}

/// An event as recorded: `who` is the thread whose process it belongs to
/// (the parent of a fork), mapped to its process when the page is written.
#[derive(Debug)]
struct EventRec {
    line: u64,
    kind: &'static str,
    who: u32,
    tid: u32,
    fd: i64,
    s: usize,
    c: usize,
}

/// `[line, kind, process, thread, fd or -1, text, call]` (strings by index):
/// `fork`/`thread` (thread: the child; text: how the table is shared, if it is),
/// `exec` (text: the program), `exit`, `open` and `close` (text: the link;
/// call: the call, or why it was closed).
#[derive(Serialize)]
struct Event(u64, &'static str, u32, u32, i64, usize, usize);

#[derive(Serialize)]
struct FindingData<'a> {
    kind: &'a str,
    severity: &'a str,
    line: u64,
    pid: u32,
    fd: Option<u32>,
    message: &'a str,
    places: &'a [(u64, u32, String)],
    related: &'a [(u64, String)],
    frames: Vec<(u64, Vec<String>)>,
}

#[derive(Serialize)]
struct DivergenceData<'a> {
    line: u64,
    pid: Option<u32>,
    tid: Option<u32>,
    call: &'a str,
    what: &'a str,
    expected: &'a str,
    predicted: &'a str,
    frames: Vec<String>,
}

/// `sha256-BASE64` of `text`, as a Content-Security-Policy source names an
/// inline script or style.
pub fn csp_hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    format!(
        "sha256-{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// The page's Content-Security-Policy: nothing may load (`default-src
/// 'none'`), and the only script and style allowed are the page's own, by
/// hash; inline event handlers (`onerror=`) never run.
pub fn csp() -> String {
    format!(
        "default-src 'none'; script-src '{}'; style-src '{}'; img-src 'none'; \
         base-uri 'none'; form-action 'none'",
        csp_hash(SCRIPT),
        csp_hash(STYLE)
    )
}

/// JSON text made safe inside `<script type="application/json">`: `<`, `>`
/// and `&` become `\u003c`, `\u003e`, `\u0026` (JSON escapes that parse to
/// the same string), so no `</script>` or `<!--` can appear in it.
pub fn json_for_script(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + json.len() / 16);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// Text escaped for HTML content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

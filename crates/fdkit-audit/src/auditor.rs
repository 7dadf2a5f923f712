//! [`Auditor`]: the [`Sink`] that turns replay events into [`Finding`]s.
//!
//! Read this first: the auditor mirrors every descriptor table from the events
//! alone (`Created`, `Closed`, `Used`, `Forked`, `Unshared`, `Exec`, `Exited`),
//! keeping per descriptor what the table model does not: where it got its number,
//! which program image made it, and its last use. Per process it keeps the last
//! close of each number (for use after close), the descriptors inherited at the
//! last `execve` (to learn whether the new program uses them), and per call shape
//! the live count of descriptors (for leak trends). Findings that depend on the
//! future (a trend, whether an inherited descriptor is ever used) are settled
//! when the program image ends: at its next `execve`, at its exit, or at the end
//! of the log ([`Auditor::finish`]).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use fdkit_replay::{CloseCause, Description, Divergence, Event, FdView, Sink};

use crate::finding::{Detail, Finding, Kind, Place, Severity, Site};
use crate::shape::shape;
use crate::symbols::{Source, Stacks, Symbolizer};

/// How many descriptors of one shape must be open at once, until the program
/// ends, for a [`Kind::LeakTrend`] finding.
pub const TREND_MIN: u64 = 8;

/// A program image: a process from its creation (`fork`) or `execve` on.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
struct Image {
    pid: u32,
    gen: u32,
}

/// What the auditor keeps about one descriptor.
#[derive(Clone, Debug)]
struct Rec {
    desc: Arc<Description>,
    created: Site,
    /// The image that gave it this number (`None`: before the log).
    owner: Option<Image>,
    /// Its last use since it got its number (in this process: uses before a fork
    /// are the parent's).
    last_use: Option<Site>,
    /// Its trend key, if counted in one.
    trend: Option<TrendKey>,
    /// It crossed an `execve` (or was there before the log) on its way here.
    across_exec: bool,
    /// Where its close-on-exec flag was last cleared on purpose (`F_SETFD`,
    /// `FIONCLEX`), if that is its state now.
    handed_over: Option<Site>,
}

type TrendKey = (String, String);

/// A mirrored table and how many processes use it.
#[derive(Default, Debug)]
struct Table {
    fds: BTreeMap<u32, Rec>,
    users: u32,
}

/// Where and how a number was closed.
#[derive(Clone, Debug)]
struct Closure {
    site: Site,
    object: String,
    created: Site,
    opened: u64,
}

/// A number the program showed it still held after closing it.
#[derive(Clone, Debug)]
struct Stale {
    bad: Site,
    before: String,
    reused: Option<(Site, Arc<Description>)>,
}

#[derive(Clone, Default, Debug)]
struct Trend {
    created: u64,
    closed: u64,
    live: u64,
    peak: u64,
    /// The line where `live` reached [`TREND_MIN`], while it stays there.
    reached: Option<u64>,
}

/// One process (thread group).
#[derive(Debug)]
struct Proc {
    table: u64,
    image: Image,
    program: String,
    parent: Option<u32>,
    /// The line of its last successful `execve`.
    exec_line: Option<u64>,
    tasks: u32,
    closed: HashMap<u32, Closure>,
    stale: HashMap<u32, Stale>,
    /// Descriptors inherited at the last `execve`: their finding's index.
    watch: HashMap<u32, (usize, Arc<Description>)>,
    trends: HashMap<TrendKey, Trend>,
}

/// What one process held when it exited (the release of its table), for
/// comparisons with tools that report per process, like valgrind's
/// `--track-fds`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ExitRecord {
    /// The process.
    pub pid: u32,
    /// The process that forked it, if the log shows it.
    pub parent: Option<u32>,
    /// Its program (the last `execve`'s path, its parent's program if it never
    /// called `execve`, `?` if the log shows none).
    pub program: String,
    /// The line of its last successful `execve` (`None`: it runs the program it
    /// was forked with).
    pub exec_line: Option<u64>,
    /// The `+++ exited` line.
    pub line: u64,
    /// Every descriptor still open, in increasing order.
    pub open: Vec<HeldFd>,
}

/// One descriptor of an [`ExitRecord`].
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct HeldFd {
    /// The number.
    pub fd: u32,
    /// What it refers to.
    pub object: String,
    /// How the exiting process came to hold it.
    pub came: Came,
    /// Where it got its number.
    pub created: Site,
}

/// How a process came to hold a descriptor.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Came {
    /// It made it (since its last `execve`, or since its `fork`).
    Own,
    /// Its parent made it in the same program, before the `fork` (a process
    /// that has not called `execve` runs its parent's code: valgrind counts such
    /// descriptors as the child's own, with the parent's creation stack).
    Fork,
    /// It survived an `execve` into this program, or was open before the log
    /// (valgrind: `<inherited from parent>`).
    Exec,
}

/// Collects [`Finding`]s from a replay: pass it as the [`Sink`] of
/// [`fdkit_replay::Replay`], then call [`Auditor::finish`].
///
/// ```
/// use fdkit_audit::{Auditor, Kind};
/// use fdkit_replay::Replay;
///
/// let log = "\
/// 7 openat(AT_FDCWD, \"secret\", O_RDONLY) = 3
/// 7 execve(\"/bin/true\", [\"true\"], 0x1 /* 1 var */) = 0
/// 7 exit_group(0) = ?
/// 7 +++ exited with 0 +++
/// ";
/// let mut replay = Replay::default();
/// let mut audit = Auditor::default();
/// for (i, line) in log.lines().enumerate() {
///     replay.push_line(i as u64 + 1, line, &mut audit);
/// }
/// replay.finish(&mut audit);
/// let findings = audit.finish();
/// assert_eq!(findings.len(), 1);
/// assert_eq!((findings[0].kind, findings[0].line), (Kind::InheritedAcrossExec, 2));
/// assert_eq!(findings[0].created.as_ref().map(|s| s.line), Some(1));
/// ```
#[derive(Debug, Default)]
pub struct Auditor {
    findings: Vec<Finding>,
    exits: Vec<ExitRecord>,
    procs: HashMap<u32, Proc>,
    /// Thread id → process id.
    tgid: HashMap<u32, u32>,
    tables: HashMap<u64, Table>,
    next_table: u64,
    next_gen: u32,
    /// A `dup2`/`dup3` close waiting for the call's name: (line, fd, finding).
    replaced: Option<(u64, u32, Option<usize>)>,
    divergences: u64,
    /// The log's `-k` stack frames, by line.
    stacks: Stacks,
    symbols: Symbolizer,
}

impl Auditor {
    /// The findings so far, settling what depends on the rest of the log as if
    /// the log ended here, grouped ([`crate::group`]: one finding per
    /// descriptor per cause, with every place it occurred), highest severity
    /// first, then by line.
    pub fn finish(&mut self) -> Vec<Finding> {
        crate::group::group(self.finish_each())
    }

    /// Notes line `number` of the log for its `strace -k` stack frames (lines
    /// ` > BINARY(SYMBOL+0xOFF) [0xOFFSET]` after a call): feed every line, in
    /// order, as well as replaying it. [`Auditor::finish`] then gives every
    /// [`Site`] and [`Place`] of a call with a stack its [`Site::source`]:
    /// `file:line (function)` from the binary's DWARF, else `binary+offset`
    /// (see [`crate::symbols`]).
    pub fn stack_line(&mut self, number: u64, text: &[u8]) {
        self.stacks.push_line(number, text);
    }

    /// Fills in the source location of every site of `findings` whose call had
    /// a `-k` stack.
    fn locate(&mut self, findings: &mut [Finding]) {
        if self.stacks.is_empty() {
            return;
        }
        let mut memo: HashMap<u64, Option<Source>> = HashMap::new();
        let (stacks, symbols) = (&mut self.stacks, &mut self.symbols);
        let mut at = |line: u64| -> Option<Source> {
            memo.entry(line)
                .or_insert_with(|| {
                    let frame = stacks.frame_at(line)?.clone();
                    Some(symbols.resolve(&frame))
                })
                .clone()
        };
        for f in findings {
            for site in f.sites_mut() {
                site.source = at(site.line);
            }
            for p in &mut f.places {
                p.source = at(p.line);
            }
        }
    }

    /// As [`Auditor::finish`], without grouping: one finding per occurrence
    /// (each with one [`Place`]).
    pub fn finish_each(&mut self) -> Vec<Finding> {
        let mut pids: Vec<u32> = self.procs.keys().copied().collect();
        pids.sort_unstable();
        for pid in pids {
            self.end_image(pid);
        }
        let mut out = std::mem::take(&mut self.findings);
        self.locate(&mut out);
        out.sort_by(|a, b| {
            (b.severity, a.line, a.pid, a.fd, a.kind)
                .cmp(&(a.severity, b.line, b.pid, b.fd, b.kind))
        });
        out
    }

    /// What each process held when it exited, in log order.
    pub fn exits(&self) -> &[ExitRecord] {
        &self.exits
    }

    /// Calls whose result the model decided otherwise (`fdkit check` reports
    /// them); findings near them rest on the log's word.
    pub fn divergences(&self) -> u64 {
        self.divergences
    }

    /// Records `f` with its one place (its line, its process, the program).
    fn push(&mut self, mut f: Finding) {
        let program = match &f.detail {
            Detail::Inherited { program, .. } | Detail::AtExit { program } => program.clone(),
            _ => self
                .procs
                .get(&f.pid)
                .map_or_else(|| "?".to_owned(), |p| p.program.clone()),
        };
        f.places = vec![Place {
            line: f.line,
            pid: f.pid,
            program,
            fd: f.fd,
            source: None,
        }];
        self.findings.push(f);
    }

    // ---- processes and tables ----------------------------------------------------

    fn new_table(&mut self, fds: BTreeMap<u32, Rec>) -> u64 {
        self.next_table += 1;
        self.tables.insert(self.next_table, Table { fds, users: 1 });
        self.next_table
    }

    fn new_image(&mut self, pid: u32) -> Image {
        self.next_gen += 1;
        Image {
            pid,
            gen: self.next_gen,
        }
    }

    /// The process of thread `tid`, created (as a root) on first sight.
    fn pid_of(&mut self, tid: Option<u32>) -> u32 {
        let tid = tid.unwrap_or(0);
        if let Some(&p) = self.tgid.get(&tid) {
            return p;
        }
        if tid != 0 && self.procs.contains_key(&0) {
            // The replay names the process of a log's pid-less start by the first
            // pid that appears (strace's stderr form).
            self.rename(tid);
            return tid;
        }
        let table = self.new_table(BTreeMap::new());
        let image = self.new_image(tid);
        self.tgid.insert(tid, tid);
        self.procs.insert(
            tid,
            Proc {
                table,
                image,
                program: "?".to_owned(),
                parent: None,
                exec_line: None,
                tasks: 1,
                closed: HashMap::new(),
                stale: HashMap::new(),
                watch: HashMap::new(),
                trends: HashMap::new(),
            },
        );
        tid
    }

    fn rename(&mut self, to: u32) {
        if let Some(mut p) = self.procs.remove(&0) {
            p.image.pid = to;
            self.procs.insert(to, p);
        }
        for p in self.tgid.values_mut() {
            if *p == 0 {
                *p = to;
            }
        }
        if let Some(p) = self.tgid.remove(&0) {
            self.tgid.insert(to, p);
        }
        for f in &mut self.findings {
            if f.pid == 0 {
                f.pid = to;
            }
            for p in f.places.iter_mut().filter(|p| p.pid == 0) {
                p.pid = to;
            }
        }
    }

    fn table_mut(&mut self, pid: u32) -> Option<&mut Table> {
        let id = self.procs.get(&pid)?.table;
        self.tables.get_mut(&id)
    }

    fn release_table(&mut self, id: u64) {
        if let Some(t) = self.tables.get_mut(&id) {
            t.users = t.users.saturating_sub(1);
            if t.users == 0 {
                self.tables.remove(&id);
            }
        }
    }

    fn forked(&mut self, parent: u32, child: u32, shares: bool, thread: bool) {
        let ppid = self.pid_of(Some(parent));
        if thread {
            self.tgid.insert(child, ppid);
            if let Some(p) = self.procs.get_mut(&ppid) {
                p.tasks += 1;
            }
            return;
        }
        if self.procs.contains_key(&child) {
            return;
        }
        let Some(p) = self.procs.get(&ppid) else {
            return;
        };
        let (ptable, program) = (p.table, p.program.clone());
        let (closed, stale, watch) = (p.closed.clone(), p.stale.clone(), p.watch.clone());
        let table = if shares {
            if let Some(t) = self.tables.get_mut(&ptable) {
                t.users += 1;
            }
            ptable
        } else {
            let mut fds = self
                .tables
                .get(&ptable)
                .map(|t| t.fds.clone())
                .unwrap_or_default();
            for r in fds.values_mut() {
                r.last_use = None;
                r.trend = None;
            }
            self.new_table(fds)
        };
        let image = self.new_image(child);
        self.tgid.insert(child, child);
        self.procs.insert(
            child,
            Proc {
                table,
                image,
                program,
                parent: Some(ppid),
                exec_line: None,
                tasks: 1,
                closed,
                stale,
                watch,
                trends: HashMap::new(),
            },
        );
    }

    /// A private copy: `kept` as the engine listed it, keeping what is known.
    fn unshared(&mut self, tid: u32, kept: &[FdView]) {
        let pid = self.pid_of(Some(tid));
        let Some(old) = self.procs.get(&pid).map(|p| p.table) else {
            return;
        };
        let fds = self.rebuild(old, kept);
        self.release_table(old);
        let id = self.new_table(fds);
        if let Some(p) = self.procs.get_mut(&pid) {
            p.table = id;
        }
    }

    /// The records of table `id` for `views`, new ones for what it lacks.
    fn rebuild(&self, id: u64, views: &[FdView]) -> BTreeMap<u32, Rec> {
        let old = self.tables.get(&id);
        views
            .iter()
            .map(|v| {
                let rec = old
                    .and_then(|t| t.fds.get(&v.fd))
                    .filter(|r| Arc::ptr_eq(&r.desc, &v.desc))
                    .cloned()
                    .unwrap_or_else(|| unknown_rec(v));
                (v.fd, rec)
            })
            .collect()
    }

    // ---- program images -----------------------------------------------------------

    fn exec(&mut self, line: u64, pid: u32, program: &str, inherited: &[FdView]) {
        let pid = self.pid_of(Some(pid));
        self.end_image(pid);
        let Some(old) = self.procs.get(&pid).map(|p| p.table) else {
            return;
        };
        let mut fds = self.rebuild(old, inherited);
        for r in fds.values_mut() {
            r.last_use = None;
            r.trend = None;
            r.across_exec = true;
        }
        let mut watch = HashMap::new();
        for v in inherited.iter().filter(|v| v.fd > 2) {
            let rec = fds.get(&v.fd);
            let handed_over = rec.and_then(|r| r.handed_over.clone());
            watch.insert(v.fd, (self.findings.len(), v.desc.clone()));
            self.push(Finding {
                kind: Kind::InheritedAcrossExec,
                // Clearing close-on-exec is the way to pass a descriptor on; one
                // open before the log came from outside the trace.
                severity: if handed_over.is_some() {
                    Severity::Info
                } else if rec.is_some_and(|r| r.created.line == 0) {
                    Severity::Low
                } else {
                    Severity::High
                },
                line,
                pid,
                fd: Some(v.fd),
                object: Some(v.desc.link()),
                created: rec.map(|r| r.created.clone()),
                opened: Some(v.desc.origin().line),
                detail: Detail::Inherited {
                    program: program.to_owned(),
                    used: None,
                    handed_over,
                },
                places: Vec::new(),
            });
        }
        self.release_table(old);
        let table = self.new_table(fds);
        let image = self.new_image(pid);
        if let Some(p) = self.procs.get_mut(&pid) {
            p.table = table;
            p.image = image;
            p.program = program.to_owned();
            p.exec_line = Some(line);
            p.closed.clear();
            p.stale.clear();
            p.watch = watch;
        }
    }

    /// The program image of `pid` ends (exit, `execve`, end of log): settle its
    /// trends.
    fn end_image(&mut self, pid: u32) {
        let Some(p) = self.procs.get_mut(&pid) else {
            return;
        };
        let mut trends: Vec<(TrendKey, Trend)> = p.trends.drain().collect();
        trends.sort_by_key(|(_, t)| t.reached);
        let table = p.table;
        for ((syscall, shape), t) in trends {
            let Some(reached) = t.reached else {
                continue;
            };
            let key = (syscall.clone(), shape.clone());
            let first = self.tables.get(&table).and_then(|tb| {
                tb.fds
                    .iter()
                    .filter(|(_, r)| r.trend.as_ref() == Some(&key))
                    .min_by_key(|(_, r)| r.created.line)
                    .map(|(&fd, r)| (fd, r.clone()))
            });
            self.push(Finding {
                kind: Kind::LeakTrend,
                severity: Severity::Medium,
                line: reached,
                pid,
                fd: first.as_ref().map(|(fd, _)| *fd),
                object: first.as_ref().map(|(_, r)| r.desc.link()),
                created: first.as_ref().map(|(_, r)| r.created.clone()),
                opened: first.as_ref().map(|(_, r)| r.desc.origin().line),
                detail: Detail::Trend {
                    syscall,
                    shape,
                    created: t.created,
                    closed: t.closed,
                    peak: t.peak,
                    open: t.live,
                },
                places: Vec::new(),
            });
        }
        if let Some(t) = self.tables.get_mut(&table) {
            for r in t.fds.values_mut() {
                r.trend = None;
            }
        }
    }

    fn exited(&mut self, line: u64, tid: u32, open: &[FdView]) {
        let pid = self.pid_of(Some(tid));
        self.tgid.remove(&tid);
        let Some(p) = self.procs.get_mut(&pid) else {
            return;
        };
        p.tasks = p.tasks.saturating_sub(1);
        if p.tasks > 0 && open.is_empty() {
            return;
        }
        let (image, table, program) = (p.image, p.table, p.program.clone());
        let (parent, exec_line) = (p.parent, p.exec_line);
        self.end_image(pid);
        if !open.is_empty() {
            let held = self.held(table, open, image);
            for h in held.iter().filter(|h| h.came == Came::Own && h.fd > 2) {
                let opened = open
                    .iter()
                    .find(|v| v.fd == h.fd)
                    .map(|v| v.desc.origin().line);
                self.push(Finding {
                    kind: Kind::OpenAtExit,
                    severity: Severity::Low,
                    line,
                    pid,
                    fd: Some(h.fd),
                    object: Some(h.object.clone()),
                    created: Some(h.created.clone()),
                    opened,
                    detail: Detail::AtExit {
                        program: program.clone(),
                    },
                    places: Vec::new(),
                });
            }
            self.exits.push(ExitRecord {
                pid,
                parent,
                program,
                exec_line,
                line,
                open: held,
            });
        }
        if self.procs.get(&pid).is_some_and(|p| p.tasks == 0) {
            self.procs.remove(&pid);
            self.tgid.retain(|_, p| *p != pid);
            self.release_table(table);
        }
    }

    fn held(&self, table: u64, open: &[FdView], image: Image) -> Vec<HeldFd> {
        let t = self.tables.get(&table);
        open.iter()
            .map(|v| {
                let rec = t
                    .and_then(|t| t.fds.get(&v.fd))
                    .filter(|r| Arc::ptr_eq(&r.desc, &v.desc));
                let came = match rec {
                    Some(r) if r.owner == Some(image) => Came::Own,
                    Some(r) if !r.across_exec => Came::Fork,
                    _ => Came::Exec,
                };
                HeldFd {
                    fd: v.fd,
                    object: v.desc.link(),
                    came,
                    created: rec.map_or_else(|| Site::new(0, ""), |r| r.created.clone()),
                }
            })
            .collect()
    }

    // ---- descriptors ---------------------------------------------------------------

    fn created(
        &mut self,
        line: u64,
        tid: Option<u32>,
        syscall: &str,
        fd: u32,
        desc: &Arc<Description>,
    ) {
        let pid = self.pid_of(tid);
        let Some(p) = self.procs.get_mut(&pid) else {
            return;
        };
        let image = p.image;
        let site = Site::new(line, syscall);
        if let Some(st) = p.stale.get_mut(&fd) {
            st.reused = Some((site.clone(), desc.clone()));
        }
        let trend = (fd > 2).then(|| (syscall.to_owned(), shape(&desc.link())));
        if let Some(key) = &trend {
            let t = p.trends.entry(key.clone()).or_default();
            t.created += 1;
            t.live += 1;
            t.peak = t.peak.max(t.live);
            if t.live >= TREND_MIN && t.reached.is_none() {
                t.reached = Some(line);
            }
        }
        if let Some((l, f, Some(i))) = self.replaced.take() {
            if (l, f) == (line, fd) {
                if let Some(Detail::Replaced {
                    syscall: s, now, ..
                }) = self.findings.get_mut(i).map(|f| &mut f.detail)
                {
                    *s = syscall.to_owned();
                    *now = desc.link();
                }
            }
        }
        let rec = Rec {
            desc: desc.clone(),
            created: site,
            owner: Some(image),
            last_use: None,
            trend,
            across_exec: false,
            handed_over: None,
        };
        let displaced = self.table_mut(pid).and_then(|t| t.fds.insert(fd, rec));
        // A close the events have not shown yet (a concurrent thread's close that
        // returned later) still ends the old descriptor's count.
        if let Some(key) = displaced.and_then(|r| r.trend) {
            self.count_close(pid, &key);
        }
    }

    fn count_close(&mut self, pid: u32, key: &TrendKey) {
        if let Some(tr) = self.procs.get_mut(&pid).and_then(|p| p.trends.get_mut(key)) {
            tr.closed += 1;
            tr.live = tr.live.saturating_sub(1);
            if tr.live < TREND_MIN {
                tr.reached = None;
            }
        }
    }

    fn used(
        &mut self,
        line: u64,
        tid: Option<u32>,
        syscall: &str,
        fd: u32,
        desc: &Arc<Description>,
    ) {
        let pid = self.pid_of(tid);
        let site = Site::new(line, syscall);
        if let Some(t) = self.table_mut(pid) {
            let rec = t.fds.entry(fd).or_insert_with(|| {
                unknown_rec(&FdView {
                    fd,
                    cloexec: false,
                    desc: desc.clone(),
                })
            });
            rec.last_use = Some(site.clone());
        }
        let Some(p) = self.procs.get_mut(&pid) else {
            return;
        };
        if let Some((i, d)) = p.watch.remove(&fd) {
            if Arc::ptr_eq(&d, desc) {
                if let Some(f) = self.findings.get_mut(i) {
                    if let Detail::Inherited { used, .. } = &mut f.detail {
                        *used = Some(site.clone());
                        f.severity = Severity::Info;
                    }
                }
            }
        }
        self.stale_use(line, pid, syscall, fd, desc);
    }

    /// A use (or `close`) of `fd` after the program showed it still held the
    /// number and the number was reused: a [`Kind::StaleNumber`] finding.
    fn stale_use(&mut self, line: u64, pid: u32, syscall: &str, fd: u32, desc: &Arc<Description>) {
        let Some(p) = self.procs.get_mut(&pid) else {
            return;
        };
        let Some(st) = p.stale.get(&fd) else {
            return;
        };
        let Some((reused, d)) = &st.reused else {
            return;
        };
        if !Arc::ptr_eq(d, desc) {
            return;
        }
        let finding = Finding {
            kind: Kind::StaleNumber,
            severity: Severity::High,
            line,
            pid,
            fd: Some(fd),
            object: Some(desc.link()),
            created: Some(reused.clone()),
            opened: Some(desc.origin().line),
            detail: Detail::Stale {
                syscall: syscall.to_owned(),
                bad: st.bad.clone(),
                reused: reused.clone(),
                before: st.before.clone(),
            },
            places: Vec::new(),
        };
        p.stale.remove(&fd);
        self.push(finding);
    }

    fn closed(
        &mut self,
        line: u64,
        tid: Option<u32>,
        fd: u32,
        cause: CloseCause,
        desc: &Arc<Description>,
    ) {
        let pid = self.pid_of(tid);
        let syscall = cause.syscall();
        if cause == CloseCause::Exit {
            return; // the table goes as a whole: `exited` reads it first
        }
        if cause == CloseCause::Close {
            // Closing a reused number through the stale copy closes the new file.
            self.stale_use(line, pid, "close", fd, desc);
        }
        let Some(t) = self.table_mut(pid) else {
            return;
        };
        let mine = t.fds.get(&fd).is_some_and(|r| Arc::ptr_eq(&r.desc, desc));
        // Not `mine`: a later descriptor already took the number (see `created`).
        let rec = match mine {
            true => t.fds.remove(&fd),
            false => None,
        };
        // Only a replacement needs it (a whole-table scan).
        let still_referenced =
            cause == CloseCause::Replaced && t.fds.values().any(|r| Arc::ptr_eq(&r.desc, desc));
        let rec = rec.unwrap_or_else(|| {
            unknown_rec(&FdView {
                fd,
                cloexec: false,
                desc: desc.clone(),
            })
        });
        if cause != CloseCause::Exec {
            if let Some(key) = &rec.trend {
                self.count_close(pid, key);
            }
        }
        let Some(p) = self.procs.get_mut(&pid) else {
            return;
        };
        if mine {
            p.watch.remove(&fd);
        }
        if matches!(cause, CloseCause::Close | CloseCause::CloseRange) {
            p.closed.insert(
                fd,
                Closure {
                    site: Site::new(line, syscall),
                    object: desc.link(),
                    created: rec.created.clone(),
                    opened: desc.origin().line,
                },
            );
        }
        if cause == CloseCause::Replaced {
            let lost = rec.last_use.is_some() && fd > 2 && !still_referenced;
            let index = lost.then(|| self.replaced_finding(line, pid, fd, desc, &rec));
            self.replaced = Some((line, fd, index));
        }
    }

    /// A `replaced-by-dup2` finding for `rec`, closed at `line`; the call's name
    /// and what the number refers to now come with the `Created` event that
    /// follows (see `created`). Returns its index.
    fn replaced_finding(
        &mut self,
        line: u64,
        pid: u32,
        fd: u32,
        desc: &Arc<Description>,
        rec: &Rec,
    ) -> usize {
        self.push(Finding {
            kind: Kind::ReplacedByDup2,
            severity: Severity::Medium,
            line,
            pid,
            fd: Some(fd),
            object: Some(desc.link()),
            created: Some(rec.created.clone()),
            opened: Some(desc.origin().line),
            detail: Detail::Replaced {
                syscall: "dup2".to_owned(),
                last_use: rec.last_use.clone().unwrap_or_else(|| Site::new(0, "")),
                now: "?".to_owned(),
            },
            places: Vec::new(),
        });
        self.findings.len() - 1
    }

    /// `F_SETFD`/`FIOCLEX`/`FIONCLEX`: a cleared flag marks the descriptor as
    /// handed over on purpose, until the flag is set again or the number reused.
    fn cloexec_changed(&mut self, line: u64, tid: Option<u32>, syscall: &str, fd: u32, on: bool) {
        let pid = self.pid_of(tid);
        if let Some(rec) = self.table_mut(pid).and_then(|t| t.fds.get_mut(&fd)) {
            rec.handed_over = (!on).then(|| Site::new(line, syscall));
        }
    }

    fn bad_descriptor(&mut self, line: u64, tid: Option<u32>, syscall: &str, fd: u32) {
        if is_probe(syscall) {
            return;
        }
        let pid = self.pid_of(tid);
        let open = self.table_mut(pid).is_some_and(|t| t.fds.contains_key(&fd));
        let Some(p) = self.procs.get_mut(&pid) else {
            return;
        };
        if open {
            return; // EBADF for the access mode (read on O_WRONLY, O_PATH).
        }
        let Some(c) = p.closed.get(&fd).cloned() else {
            return; // never open in this process: a bad number, not a stale one
        };
        let kind = if syscall == "close" {
            Kind::DoubleClose
        } else {
            Kind::UseAfterClose
        };
        // A use shows a code path still holding the number, and likely to use
        // it again; a second `close` is that path letting go (shells close
        // pipe ends twice, then reuse the number for a redirection).
        if kind == Kind::UseAfterClose {
            p.stale.entry(fd).or_insert_with(|| Stale {
                bad: Site::new(line, syscall),
                before: c.object.clone(),
                reused: None,
            });
        }
        self.push(Finding {
            kind,
            // The call failed: nothing was touched in this run (the harm
            // would come from a reused number: `stale-number`).
            severity: Severity::Low,
            line,
            pid,
            fd: Some(fd),
            object: Some(c.object),
            created: Some(c.created),
            opened: Some(c.opened),
            detail: Detail::AfterClose {
                syscall: syscall.to_owned(),
                closed: c.site,
            },
            places: Vec::new(),
        });
    }

    fn too_many(&mut self, line: u64, tid: Option<u32>, syscall: &str, open: usize) {
        let pid = self.pid_of(tid);
        self.push(Finding {
            kind: Kind::TooManyFiles,
            severity: Severity::Medium,
            line,
            pid,
            fd: None,
            object: None,
            created: None,
            opened: None,
            detail: Detail::TooMany {
                syscall: syscall.to_owned(),
                open,
            },
            places: Vec::new(),
        });
    }
}

/// Calls programs use to ask whether a number is open, or what it is: `fcntl`
/// (`F_GETFD`; shells save a number with `F_DUPFD` if it is open) and the `stat`
/// family. Their `EBADF` is an answer, not a bug, and they cannot touch a file's
/// data.
fn is_probe(syscall: &str) -> bool {
    matches!(
        syscall,
        "fcntl" | "fcntl64" | "fstat" | "fstat64" | "newfstatat" | "fstatat64" | "statx"
    )
}

/// A record for a descriptor the events did not show being made.
fn unknown_rec(v: &FdView) -> Rec {
    let o = v.desc.origin();
    Rec {
        desc: v.desc.clone(),
        created: Site::new(o.line, ""),
        owner: None,
        last_use: None,
        trend: None,
        across_exec: true,
        handed_over: None,
    }
}

impl Sink for Auditor {
    fn wants_events(&self) -> bool {
        true
    }

    fn divergence(&mut self, _d: &Divergence) {
        self.divergences += 1;
    }

    fn event(&mut self, e: &Event) {
        match e {
            Event::Created {
                line,
                pid,
                syscall,
                fd,
                desc,
                ..
            } => self.created(*line, *pid, syscall, *fd, desc),
            Event::Used {
                line,
                pid,
                syscall,
                fd,
                desc,
            } => self.used(*line, *pid, syscall, *fd, desc),
            Event::Closed {
                line,
                pid,
                fd,
                cause,
                desc,
            } => self.closed(*line, *pid, *fd, *cause, desc),
            Event::BadDescriptor {
                line,
                pid,
                syscall,
                fd,
            } => self.bad_descriptor(*line, *pid, syscall, *fd),
            Event::TooManyFiles {
                line,
                pid,
                syscall,
                open,
            } => self.too_many(*line, *pid, syscall, *open),
            Event::Forked {
                parent,
                child,
                shares_table,
                thread,
                ..
            } => self.forked(*parent, *child, *shares_table, *thread),
            Event::Unshared { pid, kept, .. } => self.unshared(*pid, kept),
            Event::Exec {
                line,
                pid,
                program,
                inherited,
            } => self.exec(*line, *pid, program, inherited),
            Event::Exited { line, pid, open } => self.exited(*line, *pid, open),
            Event::CloexecChanged {
                line,
                pid,
                syscall,
                fd,
                on,
            } => self.cloexec_changed(*line, *pid, syscall, *fd, *on),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fdkit_replay::Replay;

    /// Replays `log` (lines `PID call = result`) into an auditor.
    #[track_caller]
    fn replayed(log: &str) -> Auditor {
        let mut replay = Replay::default();
        let mut a = Auditor::default();
        for (i, line) in log.lines().enumerate() {
            replay.push_line(i as u64 + 1, line.trim(), &mut a);
        }
        replay.finish(&mut a);
        assert_eq!(a.divergences(), 0, "the model disagrees with the test log");
        a
    }

    /// Audits `log`; findings as `kind line fd`.
    #[track_caller]
    fn audit(log: &str) -> (Vec<String>, Auditor) {
        let mut a = replayed(log);
        let found = a
            .finish()
            .iter()
            .map(|f| match f.fd {
                Some(fd) => format!("{} {} {fd}", f.kind, f.line),
                None => format!("{} {}", f.kind, f.line),
            })
            .collect();
        (found, a)
    }

    // ---- execve ----------------------------------------------------------------

    #[test]
    fn exec_reports_descriptors_without_cloexec() {
        let (f, _) = audit(
            "1 openat(AT_FDCWD, \"a\", O_RDONLY) = 3
             1 openat(AT_FDCWD, \"b\", O_RDONLY|O_CLOEXEC) = 4
             1 execve(\"/bin/x\", [\"x\"], 0x1 /* 0 vars */) = 0",
        );
        assert_eq!(f, ["inherited-across-exec 3 3"]);
    }

    /// Severity and hand-over site of each finding, for the jobserver tests.
    fn graded(log: &str) -> Vec<(String, Severity, Option<u64>)> {
        replayed(log)
            .finish_each()
            .iter()
            .map(|f| {
                let h = match &f.detail {
                    Detail::Inherited { handed_over, .. } => handed_over.as_ref().map(|h| h.line),
                    _ => None,
                };
                (format!("{} {} {:?}", f.kind, f.line, f.fd), f.severity, h)
            })
            .collect()
    }

    /// Found auditing `strace -f cargo build`: cargo hands its jobserver pipe to
    /// rustc by clearing close-on-exec in the child (`F_SETFD, 0`) just before
    /// `execve`, and rustc passes it on to `cc`. Deliberate at every step: info,
    /// with the line that cleared the flag, not 1,169 "high" findings.
    /// One descriptor passed on by one cause is one finding, with every place.
    #[test]
    fn a_descriptor_passed_into_many_execs_is_one_finding() {
        let log = "1 openat(AT_FDCWD, \"secret\", O_RDONLY) = 3
             1 fork() = 2
             2 execve(\"/bin/a\", [\"a\"], 0x1 /* 0 vars */) = 0
             1 fork() = 3
             3 execve(\"/bin/b\", [\"b\"], 0x1 /* 0 vars */) = 0
             1 fork() = 4
             4 execve(\"/bin/c\", [\"c\"], 0x1 /* 0 vars */) = 0
             4 read(3, \"\", 1) = 0";
        assert_eq!(replayed(log).finish_each().len(), 3);
        let f = replayed(log).finish();
        let got: Vec<String> = f
            .iter()
            .map(|f| {
                format!(
                    "{} {} {} {:?} x{}",
                    f.severity,
                    f.kind,
                    f.line,
                    f.fd,
                    f.count()
                )
            })
            .collect();
        // The one used by /bin/c is information, apart from the two leaks.
        assert_eq!(
            got,
            [
                "high inherited-across-exec 3 Some(3) x2",
                "info inherited-across-exec 7 Some(3) x1"
            ]
        );
        let places: Vec<(u64, u32, &str)> = f[0]
            .places
            .iter()
            .map(|p| (p.line, p.pid, p.program.as_str()))
            .collect();
        assert_eq!(places, [(3, 2, "/bin/a"), (5, 3, "/bin/b")]);
        assert_eq!(f[0].created.as_ref().map(|c| c.line), Some(1));
        assert!(
            f[0].message()
                .ends_with(" (2 times, lines 3\u{2013}5, in 2 processes)"),
            "{}",
            f[0].message()
        );
        assert_eq!(f[1].repeats(), "");
    }

    /// A descriptor from before the log is one finding per number, however many
    /// programs pass it on.
    #[test]
    fn a_descriptor_from_outside_the_log_is_reported_once_per_number() {
        let log = "1 execve(\"/bin/sh\", [\"sh\"], 0x1 /* 0 vars */) = 0
             1 fcntl(9, F_GETFD) = 0
             1 fork() = 2
             2 execve(\"/bin/a\", [\"a\"], 0x1 /* 0 vars */) = 0
             2 fork() = 3
             3 execve(\"/bin/b\", [\"b\"], 0x1 /* 0 vars */) = 0
             3 fork() = 4
             4 execve(\"/bin/c\", [\"c\"], 0x1 /* 0 vars */) = 0";
        let f = replayed(log).finish();
        let got: Vec<String> = f
            .iter()
            .map(|f| format!("{} {} {:?} x{}", f.severity, f.line, f.fd, f.count()))
            .collect();
        assert_eq!(got, ["low 4 Some(9) x3"]);
    }

    #[test]
    fn a_descriptor_whose_cloexec_was_cleared_is_handed_over_on_purpose() {
        let f = graded(
            "1 pipe2([3, 4], O_CLOEXEC) = 0
             1 fork() = 2
             2 fcntl(3, F_SETFD, 0) = 0
             2 ioctl(4, FIONCLEX) = 0
             2 execve(\"/bin/rustc\", [\"rustc\"], 0x1 /* 0 vars */) = 0
             2 fork() = 3
             3 execve(\"/bin/cc\", [\"cc\"], 0x1 /* 0 vars */) = 0",
        );
        let info = Severity::Info;
        assert_eq!(
            f,
            [
                ("inherited-across-exec 5 Some(3)".to_owned(), info, Some(3)),
                ("inherited-across-exec 5 Some(4)".to_owned(), info, Some(4)),
                ("inherited-across-exec 7 Some(3)".to_owned(), info, Some(3)),
                ("inherited-across-exec 7 Some(4)".to_owned(), info, Some(4)),
            ]
        );
    }

    #[test]
    fn setting_cloexec_again_withdraws_the_hand_over() {
        let f = graded(
            "1 pipe2([3, 4], O_CLOEXEC) = 0
             1 fcntl(3, F_SETFD, 0) = 0
             1 fcntl(3, F_SETFD, FD_CLOEXEC) = 0
             1 fcntl(4, F_SETFD, 0) = 0
             1 close(4) = 0
             1 openat(AT_FDCWD, \"a\", O_RDONLY) = 4
             1 execve(\"/bin/x\", [\"x\"], 0x1 /* 0 vars */) = 0",
        );
        // 3 is swept; 4 is a new descriptor under the old number: not handed over.
        assert_eq!(
            f,
            [(
                "inherited-across-exec 7 Some(4)".to_owned(),
                Severity::High,
                None
            )]
        );
    }

    #[test]
    fn a_descriptor_open_before_the_log_is_low() {
        let mut replay = Replay::new(fdkit_replay::Options {
            initial_fds: Some(vec![0, 1, 2, 10]),
            ..fdkit_replay::Options::default()
        });
        let mut a = Auditor::default();
        replay.push_line(
            1,
            "1 execve(\"/bin/x\", [\"x\"], 0x1 /* 0 vars */) = 0",
            &mut a,
        );
        replay.finish(&mut a);
        let f = a.finish();
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!((f[0].fd, f[0].severity), (Some(10), Severity::Low));
        assert!(
            f[0].message().contains("open before the log began"),
            "{}",
            f[0].message()
        );
        assert!(
            f[0].message().contains("fd 10 (inherited) inherited"),
            "{}",
            f[0].message()
        );
    }

    #[test]
    fn exec_inherited_and_used_is_info() {
        let log = "1 openat(AT_FDCWD, \"a\", O_RDONLY) = 3
                   1 execve(\"/bin/x\", [\"x\"], 0x1 /* 0 vars */) = 0
                   1 read(3, \"x\", 1) = 1";
        let mut replay = Replay::default();
        let mut a = Auditor::default();
        for (i, line) in log.lines().enumerate() {
            replay.push_line(i as u64 + 1, line.trim(), &mut a);
        }
        let f = a.finish();
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Info);
        let Detail::Inherited { used, .. } = &f[0].detail else {
            panic!("{:?}", f[0].detail)
        };
        assert_eq!(used.as_ref().map(|u| u.line), Some(3));
    }

    #[test]
    fn standard_streams_across_exec_are_not_findings() {
        let (f, _) = audit(
            "1 openat(AT_FDCWD, \"out\", O_WRONLY) = 3
             1 dup2(3, 1) = 1
             1 close(3) = 0
             1 execve(\"/bin/x\", [\"x\"], 0x1 /* 0 vars */) = 0",
        );
        assert!(f.is_empty(), "{f:?}");
    }

    // ---- EBADF -----------------------------------------------------------------

    #[test]
    fn ebadf_after_close_is_use_after_close_and_close_is_double_close() {
        let (f, _) = audit(
            "1 openat(AT_FDCWD, \"a\", O_RDONLY) = 3
             1 close(3) = 0
             1 read(3, 0x1, 1) = -1 EBADF (Bad file descriptor)
             1 close(3) = -1 EBADF (Bad file descriptor)",
        );
        assert_eq!(f, ["use-after-close 3 3", "double-close 4 3"]);
    }

    #[test]
    fn probes_and_never_opened_numbers_are_not_findings() {
        let (f, _) = audit(
            "1 openat(AT_FDCWD, \"a\", O_RDONLY) = 3
             1 close(3) = 0
             1 fcntl(3, F_GETFD) = -1 EBADF (Bad file descriptor)
             1 fcntl(3, F_DUPFD, 10) = -1 EBADF (Bad file descriptor)
             1 newfstatat(3, \"\", 0x1, AT_EMPTY_PATH) = -1 EBADF (Bad file descriptor)
             1 close(42) = -1 EBADF (Bad file descriptor)",
        );
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn a_number_closed_by_exec_is_not_stale_in_the_new_program() {
        let (f, _) = audit(
            "1 openat(AT_FDCWD, \"a\", O_RDONLY|O_CLOEXEC) = 3
             1 execve(\"/bin/x\", [\"x\"], 0x1 /* 0 vars */) = 0
             1 read(3, 0x1, 1) = -1 EBADF (Bad file descriptor)",
        );
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn a_reused_stale_number_is_reported_at_its_first_use() {
        let (f, _) = audit(
            "1 openat(AT_FDCWD, \"a\", O_WRONLY) = 3
             1 close(3) = 0
             1 write(3, \"x\", 1) = -1 EBADF (Bad file descriptor)
             1 openat(AT_FDCWD, \"b\", O_WRONLY) = 3
             1 write(3, \"x\", 1) = 1
             1 write(3, \"x\", 1) = 1
             1 close(3) = 0",
        );
        // The stale use reached another file: high, above the harmless EBADF.
        assert_eq!(f, ["stale-number 5 3", "use-after-close 3 3"]);
    }

    #[test]
    fn closing_a_reused_stale_number_is_a_stale_number() {
        let (f, _) = audit(
            "1 openat(AT_FDCWD, \"a\", O_WRONLY) = 3
             1 close(3) = 0
             1 write(3, \"x\", 1) = -1 EBADF (Bad file descriptor)
             1 openat(AT_FDCWD, \"b\", O_WRONLY) = 3
             1 close(3) = 0",
        );
        assert_eq!(f, ["stale-number 5 3", "use-after-close 3 3"]);
    }

    /// Found auditing a stock `bash -c 'ls | wc -l; echo hi > x.txt'`: bash
    /// closes a pipe end twice, then opens the redirection's file under that
    /// number and `dup2`s it onto 1. The double close is reported; the reuse is
    /// not a stale use.
    #[test]
    fn a_number_reused_after_a_double_close_is_not_stale() {
        let (f, _) = audit(
            "1 pipe2([3, 4], 0) = 0
             1 close(3) = 0
             1 close(3) = -1 EBADF (Bad file descriptor)
             1 openat(AT_FDCWD, \"x.txt\", O_WRONLY|O_CREAT|O_TRUNC, 0666) = 3
             1 dup2(3, 1) = 1
             1 close(3) = 0
             1 close(4) = 0",
        );
        assert_eq!(f, ["double-close 3 3"]);
    }

    /// With `-k` stacks, sites carry source locations, and the same kind at the
    /// same source sites is one finding whatever the numbers.
    #[test]
    fn findings_at_one_source_site_are_one_finding() {
        let log = "1 openat(AT_FDCWD, \"a\", O_RDONLY) = 3
 > /tmp/none/prog(main+0x10) [0x1100]
1 openat(AT_FDCWD, \"b\", O_RDONLY) = 4
 > /tmp/none/prog(main+0x10) [0x1100]
1 fork() = 2
2 execve(\"/bin/a\", [\"a\"], 0x1 /* 0 vars */) = 0
 > /usr/lib/x86_64-linux-gnu/libc.so.6(execve+0x7) [0xd4ad7]
 > /tmp/none/prog(main+0x30) [0x1130]
";
        let mut replay = Replay::default();
        let mut a = Auditor::default();
        for (i, line) in log.lines().enumerate() {
            a.stack_line(i as u64 + 1, line.as_bytes());
            replay.push_line(i as u64 + 1, line, &mut a);
        }
        replay.finish(&mut a);
        assert_eq!(a.finish_each().len(), 2);
        let mut replay = Replay::default();
        let mut a = Auditor::default();
        for (i, line) in log.lines().enumerate() {
            a.stack_line(i as u64 + 1, line.as_bytes());
            replay.push_line(i as u64 + 1, line, &mut a);
        }
        replay.finish(&mut a);
        let f = a.finish();
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].fds(), [3, 4]);
        assert_eq!(
            f[0].source().map(ToString::to_string).as_deref(),
            Some("/tmp/none/prog+0x1130 (main)")
        );
        let created = f[0].created.as_ref().and_then(|c| c.source.as_ref());
        assert_eq!(created.map(|s| s.offset), Some(0x1100));
        assert!(
            f[0].message().starts_with("fds 3, 4 (a) inherited"),
            "{}",
            f[0].message()
        );
    }

    // ---- dup2 ------------------------------------------------------------------

    #[test]
    fn dup2_over_a_used_file_is_reported_unless_it_stays_reachable() {
        let (f, _) = audit(
            "1 openat(AT_FDCWD, \"log\", O_WRONLY|O_CLOEXEC) = 3
             1 write(3, \"x\", 1) = 1
             1 fcntl(3, F_DUPFD_CLOEXEC, 10) = 10
             1 openat(AT_FDCWD, \"other\", O_WRONLY|O_CLOEXEC) = 4
             1 dup2(4, 3) = 3
             1 write(3, \"x\", 1) = 1
             1 dup2(4, 10) = 10",
        );
        // 3's file stays reachable through 10; then 10 is its last descriptor,
        // but 10 was never used through its own number.
        assert!(f.is_empty(), "{f:?}");
        let (f, _) = audit(
            "1 openat(AT_FDCWD, \"log\", O_WRONLY|O_CLOEXEC) = 3
             1 write(3, \"x\", 1) = 1
             1 openat(AT_FDCWD, \"other\", O_WRONLY|O_CLOEXEC) = 4
             1 dup2(4, 3) = 3
             1 dup2(4, 1) = 1",
        );
        assert_eq!(f, ["replaced-by-dup2 4 3"]);
    }

    // ---- leaks -----------------------------------------------------------------

    #[test]
    fn a_trend_needs_the_count_to_stay_up() {
        let mut opened = String::new();
        for i in 0..TREND_MIN {
            opened.push_str(&format!(
                "1 openat(AT_FDCWD, \"f{i}\", O_RDONLY|O_CLOEXEC) = {}\n",
                i + 3
            ));
        }
        let (f, _) = audit(&opened);
        let reached = TREND_MIN; // the line of the last open
        assert_eq!(f, [format!("leak-trend {reached} 3")]);
        let closed = format!("{opened}1 close(3) = 0\n");
        let (f, _) = audit(&closed);
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn open_at_exit_counts_own_descriptors_only() {
        let (f, a) = audit(
            "1 openat(AT_FDCWD, \"a\", O_RDONLY|O_CLOEXEC) = 3
             1 clone(child_stack=NULL, flags=SIGCHLD) = 2
             2 openat(AT_FDCWD, \"b\", O_RDONLY|O_CLOEXEC) = 4
             2 exit_group(0) = ?
             2 +++ exited with 0 +++
             1 exit_group(0) = ?
             1 +++ exited with 0 +++",
        );
        assert_eq!(f, ["open-at-exit 5 4", "open-at-exit 7 3"]);
        let child = &a.exits()[0];
        assert_eq!(
            (child.pid, child.parent, child.exec_line),
            (2, Some(1), None)
        );
        let came: Vec<(u32, Came)> = child.open.iter().map(|h| (h.fd, h.came)).collect();
        assert_eq!(&came[3..], [(3, Came::Fork), (4, Came::Own)]);
    }

    #[test]
    fn an_unshared_table_keeps_the_parent_s_descriptors() {
        let (f, _) = audit(
            "1 openat(AT_FDCWD, \"a\", O_RDONLY|O_CLOEXEC) = 3
             1 clone(child_stack=0x1, flags=CLONE_FILES|SIGCHLD) = 2
             2 unshare(CLONE_FILES) = 0
             2 close(3) = 0
             2 exit_group(0) = ?
             2 +++ exited with 0 +++
             1 read(3, \"x\", 1) = 1
             1 exit_group(0) = ?
             1 +++ exited with 0 +++",
        );
        assert_eq!(f, ["open-at-exit 9 3"]);
    }
}

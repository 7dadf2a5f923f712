//! [`Replay`]: the engine. Lines in; verdicts, inferences and events out; tables on
//! demand.
//!
//! Read this first: [`Replay::push_line`] parses one line, resolves its pid (lines
//! without a pid, lines continuing a call cut by a `strace:` notice, resumes under
//! the leader after a non-leader `execve`), and pairs `<unfinished ...>` with
//! `<... resumed>` itself, because the concurrency check needs to know when each
//! call *entered* (see [`crate::lin`]). Calls are dismissed by name before any
//! argument is read ([`crate::syscalls::classify`]); the others are handled in
//! [`crate::calls`]. Memory is proportional to live state: tasks, tables, one
//! pending call per task, and the concurrency windows.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use fdkit::Limits;
use fdkit_strace::{Event as LineEvent, Line, Outcome, Pause};

use crate::desc::{Description, Origin};
use crate::lin::{Group, Known};
use crate::op::{place_at, Change, Obs, Table};
use crate::orphans::{line_pid, Orphan, Orphans};
use crate::prep::{reparse, EventPrep, Parsed, Prep, Preparer};
use crate::report::{CloseCause, Event, FdView, InputError, ProcessTable, Sink, Summary};
use crate::syscalls::classify;
use crate::syscalls::Class;

/// How to start a replay.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The descriptors open when the log starts, if known (`--initial-fds`); then
    /// nothing is inferred. Default: 0, 1 and 2, with more inferred from evidence.
    pub initial_fds: Option<Vec<u32>>,
    /// The soft `RLIMIT_NOFILE` when the log starts (`--nofile`). Default: 1024,
    /// refined by `getrlimit`/`prlimit64` results in the log.
    pub nofile: Option<u64>,
}

/// Hashes pid keys with one multiplication.
#[derive(Default)]
pub(crate) struct PidHash(u64);

impl Hasher for PidHash {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.0 = u64::from(n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

pub(crate) type Map<K, V> = HashMap<K, V, BuildHasherDefault<PidHash>>;

/// The key of the task a log without pids talks about.
pub(crate) const NO_PID: u32 = 0;

/// A call between its `<unfinished ...>` and `<... resumed>` lines.
#[derive(Debug)]
pub(crate) struct Pending {
    pub name: String,
    pub args: String,
    pub entered: u64,
    pub class: Class,
    pub id: u64,
    /// Registered with the group as a table-changing candidate.
    pub cand: bool,
    /// Counted in the group's opaque pending calls.
    pub opaque: bool,
    /// The group it was registered with.
    pub group: u32,
    /// The descriptions of its descriptor arguments at entry, and whether each was
    /// open then.
    pub at_entry: [Option<(bool, Option<Arc<Description>>)>; 2],
    /// Descriptions whose offset use was registered at entry.
    pub uses: [Option<Arc<Description>>; 2],
    /// Its arguments, decoded at entry (taken at completion).
    pub decoded: crate::calls::Decoded,
}

/// One thread.
#[derive(Debug)]
pub(crate) struct Task {
    pub tgid: u32,
    pub group: u32,
    /// The task whose `clone` created it (`None` for a root).
    pub parent: Option<u32>,
    /// Boxed: it is moved through every completed call's context.
    pub pending: Option<Box<Pending>>,
    /// Buffers of the last pending call, reused.
    pub spare: Option<(String, String)>,
}

/// One process (thread group).
#[derive(Debug)]
pub(crate) struct Proc {
    pub nofile: u64,
    pub nofile_known: bool,
    /// A lower bound on the soft limit was inferred (reported once).
    pub nofile_raised: bool,
    pub tasks: u32,
}

/// A line's text where it lies (a batch's text, for a line replayed from another
/// thread's batch), read only where needed: a memoised line is replayed from its
/// body's own copy, without touching the memory the other thread wrote.
#[derive(Clone, Copy)]
pub(crate) struct LineText<'t> {
    text: &'t str,
    start: usize,
    end: usize,
}

impl<'t> LineText<'t> {
    /// All of `text`.
    pub(crate) fn whole(text: &'t str) -> LineText<'t> {
        LineText {
            text,
            start: 0,
            end: text.len(),
        }
    }

    /// `text[start..end]`.
    pub(crate) fn part(text: &'t str, start: usize, end: usize) -> LineText<'t> {
        LineText { text, start, end }
    }

    /// The line (empty if the range is not one of `text`).
    pub(crate) fn get(self) -> &'t str {
        self.text.get(self.start..self.end).unwrap_or("")
    }
}

/// Replays an strace log against the model. See the [crate documentation](crate).
pub struct Replay {
    pub(crate) opts: Options,
    pub(crate) tasks: Map<u32, Task>,
    pub(crate) procs: Map<u32, Proc>,
    pub(crate) groups: Vec<Option<Group>>,
    free_groups: Vec<u32>,
    /// Pid of the last call cut by a notice: its continuation has no pid.
    cut: Option<u32>,
    /// Pids that appeared in a line prefix and have not exited: a line without
    /// a pid belongs to the only one.
    seen: Map<u32, ()>,
    /// The pid last added to `seen`.
    last_seen: Option<u32>,
    /// Children announced by `Process N attached`, with the announcing task.
    pub(crate) announced: Vec<(u32, u32)>,
    /// Tasks with a `clone`/`fork`/`vfork`/`clone3` call pending.
    pub(crate) cloning: Vec<u32>,
    /// New pids held back until a clone claims them (see [`crate::orphans`]).
    pub(crate) orphans: Orphans,
    next_id: u64,
    pub(crate) summary: Summary,
    /// The numbers open in the starting table (each root process gets its own
    /// descriptions for them: separate process trees share nothing the log shows).
    pub(crate) start: Vec<u32>,
    /// Whether the sink wants events (cached per line).
    pub(crate) events: bool,
    pub(crate) changes: Vec<Change>,
    /// Events produced where no sink is at hand, flushed after each line.
    pub(crate) pending_events: Vec<Event>,
    /// The current line number.
    pub(crate) line: u64,
    /// Order-search steps saved up (see [`crate::lin::SEARCH_CREDIT_PER_CALL`]).
    pub(crate) search_credit: u64,
    /// Inferences waiting for a later use of their numbers (see `infer`).
    pub(crate) provisional: Vec<crate::infer::Provisional>,
    /// The pure half of each line pushed here (see [`crate::prep`]).
    preparer: Preparer,
}

impl Default for Replay {
    fn default() -> Self {
        Replay::new(Options::default())
    }
}

impl Replay {
    /// A replay that has seen nothing yet.
    pub fn new(opts: Options) -> Replay {
        let mut start = opts.initial_fds.clone().unwrap_or_else(|| vec![0, 1, 2]);
        start.retain(|&n| n < Limits::DEFAULT_NR_OPEN);
        start.sort_unstable();
        start.dedup();
        Replay {
            opts,
            tasks: Map::default(),
            procs: Map::default(),
            groups: Vec::new(),
            free_groups: Vec::new(),
            cut: None,
            seen: Map::default(),
            last_seen: None,
            announced: Vec::new(),
            cloning: Vec::new(),
            orphans: Orphans::default(),
            next_id: 1,
            summary: Summary::default(),
            start,
            events: false,
            changes: Vec::new(),
            pending_events: Vec::new(),
            line: 0,
            search_credit: u64::from(crate::lin::SEARCH_BUDGET),
            provisional: Vec::new(),
            preparer: Preparer::default(),
        }
    }

    /// Counts so far.
    pub fn summary(&self) -> Summary {
        self.summary
    }

    /// Feeds line `number` (1-based) as raw bytes; non-UTF-8 text is a parse error
    /// (strace writes only ASCII).
    pub fn push_bytes(&mut self, number: u64, bytes: &[u8], sink: &mut dyn Sink) {
        let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
        let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
        match std::str::from_utf8(bytes) {
            Ok(text) => self.push_line(number, text, sink),
            Err(e) => {
                let at = e.valid_up_to();
                self.not_utf8(number, at, bytes.get(at).copied().unwrap_or(0), sink);
            }
        }
    }

    /// Line `number` is not UTF-8: `byte`, at 0-based `at`, is the first bad one.
    pub(crate) fn not_utf8(&mut self, number: u64, at: usize, byte: u8, sink: &mut dyn Sink) {
        let found = format!("byte 0x{byte:02x}");
        let err = InputError::new(number, at + 1, "UTF-8 text", found);
        self.summary.errors += 1;
        sink.error(&err);
    }

    /// Feeds line `number` (1-based) as text already checked as UTF-8 (by
    /// [`LogReader::try_for_each_text_line`](crate::LogReader::try_for_each_text_line));
    /// a trailing `\n` or `\r\n` is ignored, as in [`Replay::push_bytes`].
    pub fn push_text(&mut self, number: u64, text: &str, sink: &mut dyn Sink) {
        let text = text.strip_suffix('\n').unwrap_or(text);
        let text = text.strip_suffix('\r').unwrap_or(text);
        self.push_line(number, text, sink);
    }

    /// Feeds line `number` (1-based), without its line terminator. Blank lines and
    /// `#` comment lines (a scenario's, such as `# show`: strace never starts a
    /// line with `#`) are skipped; a line that does not parse is reported to the
    /// sink and skipped.
    pub fn push_line(&mut self, number: u64, text: &str, sink: &mut dyn Sink) {
        let prep = self.preparer.prepare(text);
        self.push_prepared(number, LineText::whole(text), &prep, sink);
        self.preparer.recycle(prep);
    }

    /// [`Replay::push_line`] with the line's pure half done already (by
    /// [`prepare`], maybe on another thread).
    pub(crate) fn push_prepared(
        &mut self,
        number: u64,
        line: LineText<'_>,
        prep: &Prep,
        sink: &mut dyn Sink,
    ) {
        if matches!(prep, Prep::Comment) {
            return;
        }
        if (self.cloning.len() >= 2 || !self.orphans.is_empty())
            && self.hold(number, line.get(), sink)
        {
            return;
        }
        self.push_line_now(number, line, prep, sink);
        if !self.orphans.adopted.is_empty() || (!self.orphans.is_empty() && self.cloning.is_empty())
        {
            self.release_orphans(sink);
        }
    }

    /// Holds line `number` back if its pid is new and several clones are pending
    /// (whose child it is is not known yet), or if the pid's lines are held already.
    fn hold(&mut self, number: u64, text: &str, sink: &mut dyn Sink) -> bool {
        let Some(pid) = line_pid(text) else {
            return false;
        };
        let new = !self.orphans.holds(pid);
        if new
            && (self.cloning.len() < 2
                || self.tasks.contains_key(&pid)
                || self.tasks.contains_key(&NO_PID)
                || self.announced.iter().any(|(c, _)| *c == pid))
        {
            return false;
        }
        if let Some(evicted) = self.orphans.hold(pid, number, text) {
            self.replay_held(evicted, sink);
        }
        true
    }

    /// Replays held lines: of the pids a clone just returned, then, once no
    /// clone is pending, of every pid still held (new roots).
    fn release_orphans(&mut self, sink: &mut dyn Sink) {
        loop {
            if let Some(pid) = self.orphans.adopted.pop() {
                if let Some(o) = self.orphans.take(pid) {
                    self.replay_held(o, sink);
                }
                continue;
            }
            if self.cloning.is_empty() {
                if let Some(o) = self.orphans.take_oldest() {
                    self.replay_held(o, sink);
                    continue;
                }
            }
            break;
        }
    }

    fn replay_held(&mut self, o: Orphan, sink: &mut dyn Sink) {
        for (number, text) in o.lines {
            let prep = self.preparer.prepare(&text);
            self.push_line_now(number, LineText::whole(&text), &prep, sink);
            self.preparer.recycle(prep);
        }
    }

    /// [`Replay::push_line`] for a line that is not held back.
    #[inline]
    fn push_line_now(&mut self, number: u64, line: LineText<'_>, prep: &Prep, sink: &mut dyn Sink) {
        let parsed = match prep {
            Prep::Comment | Prep::Blank => return,
            Prep::Fast(f) => return self.apply_fast(number, line.get(), *f, sink),
            Prep::Body { pid, prep } => {
                // The body's own copy of the text is read, not the line's.
                self.line = number;
                self.events = sink.wants_events();
                return self.push_event(number, prep.body(), Some(*pid), &prep.0, sink);
            }
            Prep::Parsed(p) => p,
        };
        let text = line.get();
        self.line = number;
        self.events = sink.wants_events();
        let (line_pid, event) = match &**parsed {
            Parsed::Event(e) => return self.push_event(number, text, e.pid, e, sink),
            Parsed::Other { prefix } => match reparse(text, *prefix) {
                Ok(p) => p,
                Err(e) => return self.bad_line(number, text, &e, sink),
            },
            Parsed::Error(e) => return self.bad_line(number, text, e, sink),
        };
        let continues_cut = matches!(
            event,
            LineEvent::Resumed { name: None, .. } | LineEvent::Mark(_)
        );
        let pid = self.line_pid(line_pid, continues_cut, sink);
        match event {
            LineEvent::Call {
                name,
                args,
                outcome,
                ..
            } => {
                let class = classify(name);
                self.call_line(
                    pid,
                    name,
                    class,
                    args.as_str(),
                    &outcome,
                    number,
                    None,
                    None,
                    sink,
                );
            }
            LineEvent::Unfinished { name, args, pause } => {
                let class = classify(name);
                self.unfinished_line(pid, name, class, args.as_str(), pause, number, None, sink);
            }
            LineEvent::Resumed {
                name,
                args,
                outcome,
                ..
            } => self.resumed_line(pid, text, name, args.as_str(), &outcome, sink),
            LineEvent::Mark(Pause::Detached) => self.give_up(pid, sink),
            LineEvent::Mark(_) => {}
            LineEvent::Exited { .. } | LineEvent::Killed { .. } => {
                self.give_up(pid, sink);
                self.exit_task(pid, sink);
            }
            LineEvent::Superseded { by } => {
                self.give_up(pid, sink);
                self.supersede(pid, by, sink);
            }
            LineEvent::Notice(n) => {
                let parent = self.cloning.last().copied();
                if let Some(p) = parent {
                    self.announce(n, p);
                }
            }
            LineEvent::Signal { .. } | LineEvent::Stopped { .. } | LineEvent::StackFrame(_) => {}
        }
        if !self.pending_events.is_empty() {
            self.flush_events(sink);
        }
    }

    /// A call line prepared as `e`, task `pid`'s (`text`: what `e`'s spans count
    /// from).
    #[inline]
    fn push_event(
        &mut self,
        number: u64,
        text: &str,
        pid: Option<u32>,
        e: &EventPrep,
        sink: &mut dyn Sink,
    ) {
        if e.apply_table_call(pid, self, text, sink) {
            return;
        }
        let pid = self.line_pid(pid, e.continues_cut(), sink);
        e.apply(self, pid, number, text, sink);
        if !self.pending_events.is_empty() {
            self.flush_events(sink);
        }
    }

    /// A line that does not parse: reported, unless it continues a cut call.
    fn bad_line(&mut self, number: u64, text: &str, e: &fdkit_strace::Error, sink: &mut dyn Sink) {
        if !self.continue_cut(text, sink) {
            self.summary.errors += 1;
            sink.error(&InputError::from_parser(&e.clone().at_line(number)));
        }
    }

    /// The task a parsed line is about (see [`Replay::resolve_pid`]); a task
    /// seen for the first time is announced before its own events.
    fn line_pid(&mut self, line_pid: Option<u32>, continues_cut: bool, sink: &mut dyn Sink) -> u32 {
        let pid = self.resolve_pid(line_pid, continues_cut);
        if !self.pending_events.is_empty() {
            self.flush_events(sink);
        }
        pid
    }

    /// Whether a complete call of task `pid` can go through
    /// [`Replay::on_table_call`]: the task is known and has no pending call, and
    /// no events wait; then its table group and limits. What
    /// [`Replay::resolve_pid`] and [`Replay::give_up`] would do for it is only the
    /// bookkeeping of the last pid seen, done here.
    #[inline]
    pub(crate) fn ready_for_table_call(&mut self, pid: u32) -> Option<(u32, Limits)> {
        if !self.pending_events.is_empty() {
            return None;
        }
        let t = self.tasks.get(&pid).filter(|t| t.pending.is_none())?;
        let at = self.task_at(t);
        if self.last_seen != Some(pid) {
            self.seen.insert(pid, ());
            self.last_seen = Some(pid);
        }
        Some(at)
    }

    /// A complete call's line.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn call_line(
        &mut self,
        pid: u32,
        name: &str,
        class: Class,
        args: &str,
        outcome: &Outcome<'_>,
        number: u64,
        decoded: Option<crate::calls::Decoded>,
        observed: Option<Obs>,
        sink: &mut dyn Sink,
    ) {
        self.give_up(pid, sink);
        self.on_call(
            pid,
            name,
            class,
            args,
            Some(outcome),
            number,
            None,
            decoded,
            observed,
            sink,
        );
    }

    /// An `<unfinished ...>` (or `<detached ...>`, or cut) call's line.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn unfinished_line(
        &mut self,
        pid: u32,
        name: &str,
        class: Class,
        args: &str,
        pause: Pause<'_>,
        number: u64,
        decoded: Option<crate::calls::Decoded>,
        sink: &mut dyn Sink,
    ) {
        self.give_up(pid, sink);
        if pause == Pause::Detached {
            self.on_call(
                pid, name, class, args, None, number, None, decoded, None, sink,
            );
        } else {
            self.enter(pid, name, class, args, number, decoded);
        }
        if let Pause::Notice(n) = pause {
            // The notice lands in whatever line strace was printing: its
            // child belongs to the latest pending clone (this call, if
            // it is one).
            self.cut = Some(pid);
            if let Some(&parent) = self.cloning.last() {
                self.announce(n, parent);
            }
        }
    }

    /// A `<... name resumed>` line, or a cut call's continuation (`name` `None`).
    pub(crate) fn resumed_line(
        &mut self,
        pid: u32,
        text: &str,
        name: Option<&str>,
        args: &str,
        outcome: &Outcome<'_>,
        sink: &mut dyn Sink,
    ) {
        // Errors point at `<... name resumed>`, as the parser's do.
        let col = args_col(text, args)
            .saturating_sub(name.map_or(0, |n| n.len() + 14))
            .max(1);
        self.resume(pid, name, args, col, outcome, sink)
    }

    /// A line continuing a call that a `strace:` notice cut, when the cut fell
    /// inside the arguments (`newfstatat(AT_FDCWD, "/x", strace: Process 7
    /// attached` then `{st_mode=...}, 0) = 0`): parsed as the call's resumed half.
    fn continue_cut(&mut self, text: &str, sink: &mut dyn Sink) -> bool {
        let Some(pid) = self.cut else {
            return false;
        };
        let Some(name) = self
            .tasks
            .get(&pid)
            .and_then(|t| t.pending.as_ref())
            .map(|p| p.name.clone())
        else {
            return false;
        };
        let joined = format!("<... {name} resumed>{text}");
        let Ok(line) = Line::parse(&joined) else {
            return false;
        };
        let LineEvent::Resumed { args, outcome, .. } = line.into_event() else {
            return false;
        };
        self.cut = None;
        self.resume(pid, Some(&name), args.as_str(), 1, &outcome, sink);
        if !self.pending_events.is_empty() {
            self.flush_events(sink);
        }
        true
    }

    /// The log ended: calls still unfinished are given up on, and an allocation
    /// whose skipped numbers no later line used is reported as a divergence at
    /// its line (see [`Inference::confirmed_by`](crate::Inference::confirmed_by)).
    pub fn finish(&mut self, sink: &mut dyn Sink) {
        // Pids still waiting for their parent: the log ended first.
        while let Some(o) = self.orphans.take_oldest() {
            self.replay_held(o, sink);
        }
        let mut pids: Vec<u32> = self
            .tasks
            .iter()
            .filter(|(_, t)| t.pending.is_some())
            .map(|(p, _)| *p)
            .collect();
        pids.sort_unstable();
        for pid in pids {
            self.give_up(pid, sink);
        }
        self.settle_provisional(sink);
    }

    /// Every live process's table, by process id.
    pub fn tables(&self) -> Vec<ProcessTable> {
        let mut leaders: Vec<u32> = self.procs.keys().copied().collect();
        leaders.sort_unstable();
        leaders.into_iter().filter_map(|p| self.table(p)).collect()
    }

    /// The table of process (or thread) `pid`, if it is live.
    pub fn table(&self, pid: u32) -> Option<ProcessTable> {
        let task = self.tasks.get(&pid)?;
        let tgid = task.tgid;
        let mut tids: Vec<u32> = self
            .tasks
            .iter()
            .filter(|(_, t)| t.tgid == tgid)
            .map(|(p, _)| *p)
            .collect();
        tids.sort_unstable_by_key(|&t| (t != tgid, t));
        let group = task.group;
        let mut shared_with: Vec<u32> = self
            .tasks
            .values()
            .filter(|t| t.group == group && t.tgid != tgid)
            .map(|t| t.tgid)
            .collect();
        shared_with.sort_unstable();
        shared_with.dedup();
        let fds = self
            .group(group)
            .map(|g| list(&g.table))
            .unwrap_or_default();
        Some(ProcessTable {
            pid: tgid,
            tids,
            shared_with,
            fds,
        })
    }

    // ---- pids ---------------------------------------------------------------

    /// Resolves a line's pid, creating the task on first sight: the prefix's pid,
    /// or for a line without one (`continues_cut`: the continuation of a call cut
    /// by a notice), the task it belongs to.
    pub(crate) fn resolve_pid(&mut self, pid: Option<u32>, continues_cut: bool) -> u32 {
        match pid {
            None if continues_cut => match self.cut.take() {
                Some(p) => p,
                None => self.resolve_none(),
            },
            None => self.resolve_none(),
            Some(p) => {
                if !self.tasks.contains_key(&p) {
                    self.first_sight(p);
                }
                if self.last_seen != Some(p) {
                    self.seen.insert(p, ());
                    self.last_seen = Some(p);
                }
                p
            }
        }
    }

    /// A line without a pid is from the only live task, or from the task of a log
    /// without pids.
    fn resolve_none(&mut self) -> u32 {
        // strace drops the prefix while it traces one process; a child whose
        // clone returned but which printed nothing yet does not count (as in
        // `fdkit_strace::Joiner`).
        if self.seen.len() == 1 {
            if let Some(&p) = self.seen.keys().next() {
                if self.tasks.contains_key(&p) {
                    return p;
                }
            }
        }
        if self.tasks.is_empty() {
            self.new_root(NO_PID);
        }
        NO_PID
    }

    /// A pid seen for the first time: the process of a log that so far had no
    /// pids (stderr output), a child whose `clone` has not returned yet, or a
    /// process whose origin the log does not show.
    fn first_sight(&mut self, p: u32) {
        let announced = self.announced.iter().position(|(c, _)| *c == p);
        if announced.is_none() && self.tasks.contains_key(&NO_PID) {
            self.rename(NO_PID, p);
            return;
        }
        let parent = match announced {
            Some(i) => Some(self.announced.swap_remove(i).1),
            None => self.cloning.last().copied(),
        };
        match parent.filter(|pp| self.tasks.contains_key(pp)) {
            Some(pp) => {
                let flags = self.clone_flags_of(pp);
                self.spawn(pp, p, flags);
            }
            None => self.new_root(p),
        }
    }

    fn announce(&mut self, notice: &str, parent: u32) {
        let pid = notice
            .strip_prefix("Process ")
            .and_then(|r| r.strip_suffix(" attached"))
            .and_then(|n| n.trim().parse::<u32>().ok());
        if let Some(c) = pid {
            if !self.tasks.contains_key(&c) {
                self.announced.push((c, parent));
            }
        }
    }

    fn rename(&mut self, from: u32, to: u32) {
        if let Some(mut t) = self.tasks.remove(&from) {
            if t.tgid == from {
                t.tgid = to;
                if let Some(pr) = self.procs.remove(&from) {
                    self.procs.insert(to, pr);
                }
            }
            for other in self.tasks.values_mut() {
                if other.tgid == from {
                    other.tgid = to;
                }
                if other.parent == Some(from) {
                    other.parent = Some(to);
                }
            }
            self.tasks.insert(to, t);
        }
        for (_, parent) in &mut self.announced {
            if *parent == from {
                *parent = to;
            }
        }
        for c in &mut self.cloning {
            if *c == from {
                *c = to;
            }
        }
    }

    // ---- tasks, processes, groups --------------------------------------------

    pub(crate) fn group(&self, id: u32) -> Option<&Group> {
        self.groups.get(id as usize).and_then(Option::as_ref)
    }

    pub(crate) fn group_mut(&mut self, id: u32) -> Option<&mut Group> {
        self.groups.get_mut(id as usize).and_then(Option::as_mut)
    }

    pub(crate) fn add_group(&mut self, g: Group) -> u32 {
        match self.free_groups.pop() {
            Some(i) => {
                self.groups[i as usize] = Some(g);
                i
            }
            None => {
                self.groups.push(Some(g));
                (self.groups.len() - 1) as u32
            }
        }
    }

    /// A process with the starting table: the first process of the log, or one
    /// whose origin the log does not show.
    pub(crate) fn new_root(&mut self, pid: u32) {
        let mut t = Table::new();
        for &n in &self.start {
            let d = Description::inherited("(inherited)", Origin { line: 0, pid: None });
            place_at(&mut t, n, Arc::new(d), false);
        }
        let known = Known::new(self.opts.initial_fds.is_some());
        let g = self.add_group(Group::new(t, known));
        let nofile = self.opts.nofile.unwrap_or(1024);
        self.procs.insert(
            pid,
            Proc {
                nofile,
                nofile_known: self.opts.nofile.is_some(),
                nofile_raised: false,
                tasks: 1,
            },
        );
        self.summary.processes += 1;
        self.tasks.insert(
            pid,
            Task {
                tgid: pid,
                group: g,
                parent: None,
                pending: None,
                spare: None,
            },
        );
    }

    /// The clone flags of `parent`'s pending clone-family call.
    fn clone_flags_of(&self, parent: u32) -> u64 {
        let Some(p) = self.tasks.get(&parent).and_then(|t| t.pending.as_ref()) else {
            return 0;
        };
        match p.decoded.op {
            crate::calls::Op::Clone { flags } => flags.unwrap_or(0),
            _ => 0,
        }
    }

    /// Creates task `child` from `parent` with clone `flags`.
    pub(crate) fn spawn(&mut self, parent: u32, child: u32, flags: u64) {
        use crate::flags::clone::{FILES, THREAD};
        let Some(pt) = self.tasks.get(&parent) else {
            self.new_root(child);
            return;
        };
        let (ptgid, pgroup) = (pt.tgid, pt.group);
        let tgid = if flags & THREAD != 0 { ptgid } else { child };
        let group = if flags & FILES != 0 {
            if let Some(g) = self.group_mut(pgroup) {
                g.refs += 1;
            }
            pgroup
        } else {
            let copy = self.group_mut(pgroup).map(|g| {
                let t = g
                    .table
                    .fork(Limits::DEFAULT_NR_OPEN)
                    .unwrap_or_else(|_| g.table.snapshot());
                (t, g.known.clone())
            });
            let (t, known) = copy.unwrap_or_default();
            self.add_group(Group::new(t, known))
        };
        if tgid == ptgid {
            if let Some(pr) = self.procs.get_mut(&ptgid) {
                pr.tasks += 1;
            }
        } else {
            let (nofile, known) = self
                .procs
                .get(&ptgid)
                .map_or((1024, false), |p| (p.nofile, p.nofile_known));
            self.procs.insert(
                tgid,
                Proc {
                    nofile,
                    nofile_known: known,
                    nofile_raised: false,
                    tasks: 1,
                },
            );
            self.summary.processes += 1;
        }
        self.tasks.insert(
            child,
            Task {
                tgid,
                group,
                parent: Some(parent),
                pending: None,
                spare: None,
            },
        );
        if self.events {
            self.pending_events.push(Event::Forked {
                line: self.line,
                parent,
                child,
                shares_table: flags & FILES != 0,
                thread: flags & THREAD != 0,
            });
        }
    }

    /// Task `pid` leaves its group with a private copy of the table (`unshare`,
    /// `close_range(CLOSE_RANGE_UNSHARE)`, `execve` of a `CLONE_FILES` process).
    pub(crate) fn unshare(&mut self, pid: u32, max_fds: u32) {
        let Some(gid) = self.tasks.get(&pid).map(|t| t.group) else {
            return;
        };
        let Some(g) = self.group_mut(gid) else {
            return;
        };
        if g.refs <= 1 {
            return;
        }
        g.refs -= 1;
        let t = g
            .table
            .fork_with_max(max_fds, Limits::DEFAULT_NR_OPEN)
            .unwrap_or_else(|_| g.table.snapshot());
        let known = g.known.clone();
        let kept = if self.events { list(&t) } else { Vec::new() };
        let ng = self.add_group(Group::new(t, known));
        if let Some(task) = self.tasks.get_mut(&pid) {
            task.group = ng;
        }
        if self.events {
            self.pending_events.push(Event::Unshared {
                line: self.line,
                pid,
                kept,
            });
        }
    }

    /// Drops one task's reference to its group; the last one closes the table.
    fn release_group(&mut self, pid: u32, gid: u32, sink: &mut dyn Sink) {
        let line = self.line;
        let events = self.events;
        let Some(g) = self.group_mut(gid) else {
            return;
        };
        g.refs = g.refs.saturating_sub(1);
        if g.refs > 0 {
            return;
        }
        let open = if events { list(&g.table) } else { Vec::new() };
        drop(g.table.clear());
        self.groups[gid as usize] = None;
        self.free_groups.push(gid);
        if events {
            for v in &open {
                sink.event(&Event::Closed {
                    line,
                    pid: Some(pid),
                    fd: v.fd,
                    cause: CloseCause::Exit,
                    desc: v.desc.clone(),
                });
            }
            sink.event(&Event::Exited { line, pid, open });
        }
    }

    /// `+++ exited +++` / `+++ killed +++`.
    pub(crate) fn exit_task(&mut self, pid: u32, sink: &mut dyn Sink) {
        self.seen.remove(&pid);
        self.last_seen = None;
        self.cloning.retain(|&c| c != pid);
        let Some(task) = self.tasks.remove(&pid) else {
            return;
        };
        let shared = self.group(task.group).is_some_and(|g| g.refs > 1);
        if shared {
            if self.events {
                sink.event(&Event::Exited {
                    line: self.line,
                    pid,
                    open: Vec::new(),
                });
            }
            if let Some(g) = self.group_mut(task.group) {
                g.refs -= 1;
            }
        } else {
            self.release_group(pid, task.group, sink);
        }
        if let Some(pr) = self.procs.get_mut(&task.tgid) {
            pr.tasks = pr.tasks.saturating_sub(1);
            if pr.tasks == 0 {
                self.procs.remove(&task.tgid);
            }
        }
    }

    /// `+++ superseded by execve in pid BY +++` on leader `pid`: thread `by` called
    /// `execve` and becomes `pid`; its pending `execve` resumes under `pid`.
    fn supersede(&mut self, pid: u32, by: u32, sink: &mut dyn Sink) {
        self.seen.remove(&by);
        self.last_seen = None;
        if by == pid {
            return;
        }
        let Some(mut t) = self.tasks.remove(&by) else {
            return;
        };
        let pending = t.pending.take();
        if let Some(g) = self.group_mut(t.group) {
            g.refs = g.refs.saturating_sub(1);
        }
        if let Some(pr) = self.procs.get_mut(&t.tgid) {
            pr.tasks = pr.tasks.saturating_sub(1);
        }
        let _ = sink;
        if let Some(leader) = self.tasks.get_mut(&pid) {
            leader.pending = pending;
        }
    }

    // ---- joining -------------------------------------------------------------

    pub(crate) fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// An `<unfinished ...>` line.
    /// `decoded`: its arguments, if [`prepare`] decoded them already.
    pub(crate) fn enter(
        &mut self,
        pid: u32,
        name: &str,
        class: Class,
        args: &str,
        line: u64,
        decoded: Option<crate::calls::Decoded>,
    ) {
        let id = self.next_id();
        let Some(task) = self.tasks.get(&pid) else {
            return;
        };
        let (group, tgid) = (task.group, task.tgid);
        let (decoded, reg) = if class == Class::Plain {
            Default::default()
        } else {
            let d = decoded.unwrap_or_else(|| crate::calls::decode(class, name, args));
            let reg = self.on_entry(pid, (group, tgid), id, line, class, &d);
            (d, reg)
        };
        let Some(task) = self.tasks.get_mut(&pid) else {
            return;
        };
        let (mut n, mut a) = task.spare.take().unwrap_or_default();
        n.clear();
        a.clear();
        n.push_str(name);
        if class != Class::Plain {
            a.push_str(args);
        }
        task.pending = Some(Box::new(Pending {
            name: n,
            args: a,
            entered: line,
            class,
            id,
            cand: reg.cand,
            opaque: reg.opaque,
            group,
            at_entry: reg.at_entry,
            uses: reg.uses,
            decoded,
        }));
    }

    /// A `<... name resumed>` line (or the continuation of a cut line).
    pub(crate) fn resume(
        &mut self,
        pid: u32,
        name: Option<&str>,
        args: &str,
        col: usize,
        outcome: &Outcome<'_>,
        sink: &mut dyn Sink,
    ) {
        let number = self.line;
        let Some(task) = self.tasks.get_mut(&pid) else {
            return;
        };
        let Some(mut p) = task.pending.take() else {
            let found = match name {
                Some(n) => format!("`<... {n} resumed>`"),
                None => "a continuation".to_owned(),
            };
            let e = InputError::new(number, col, "an unfinished call to resume", found);
            self.summary.errors += 1;
            sink.error(&e);
            return;
        };
        if let Some(n) = name.filter(|n| *n != p.name) {
            let e = InputError::new(
                number,
                col,
                format!("`<... {} resumed>` (entered on line {})", p.name, p.entered),
                format!("`<... {n} resumed>`"),
            );
            task.pending = Some(p);
            self.summary.errors += 1;
            sink.error(&e);
            return;
        }
        if p.class != Class::Plain {
            p.args.push_str(args);
        }
        let name = std::mem::take(&mut p.name);
        let joined = std::mem::take(&mut p.args);
        let class = p.class;
        let entered = p.entered;
        self.on_call(
            pid,
            &name,
            class,
            &joined,
            Some(outcome),
            entered,
            Some(p),
            None,
            None,
            sink,
        );
        if let Some(task) = self.tasks.get_mut(&pid) {
            task.spare = Some((name, joined));
        }
    }

    /// The task's pending call will never complete in the log.
    pub(crate) fn give_up(&mut self, pid: u32, sink: &mut dyn Sink) {
        let Some(task) = self.tasks.get_mut(&pid) else {
            return;
        };
        let Some(mut p) = task.pending.take() else {
            return;
        };
        let name = std::mem::take(&mut p.name);
        let args = std::mem::take(&mut p.args);
        let class = p.class;
        let entered = p.entered;
        self.on_call(
            pid,
            &name,
            class,
            &args,
            None,
            entered,
            Some(p),
            None,
            None,
            sink,
        );
        if let Some(task) = self.tasks.get_mut(&pid) {
            task.spare = Some((name, args));
        }
    }

    /// Flushes events queued while no sink was at hand.
    pub(crate) fn flush_events(&mut self, sink: &mut dyn Sink) {
        for e in self.pending_events.drain(..) {
            sink.event(&e);
        }
    }
}

/// Lists a table as [`FdView`]s.
pub(crate) fn list(t: &Table) -> Vec<FdView> {
    t.iter()
        .map(|(fd, e, flags)| FdView {
            fd: fd.get(),
            cloexec: flags.bits() & 1 != 0,
            desc: e.clone(),
        })
        .collect()
}

/// The 1-based column where `args` starts in `text`.
fn args_col(text: &str, args: &str) -> usize {
    let base = text.as_ptr() as usize;
    let at = args.as_ptr() as usize;
    at.checked_sub(base).map_or(1, |d| d.min(text.len()) + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Replays `log` line by line, checking after each line that every window
    /// replays to its table.
    fn replay_checked(log: &str) -> Summary {
        let mut r = Replay::default();
        for (i, line) in log.lines().enumerate() {
            r.push_line(i as u64 + 1, line, &mut ());
            for g in r.groups.iter_mut().flatten() {
                assert!(g.consistent(), "window inconsistent after line {}", i + 1);
            }
        }
        r.finish(&mut ());
        r.summary()
    }

    #[test]
    fn windows_stay_consistent_on_the_threaded_fixtures() {
        for name in ["c-threads", "py-threads"] {
            let path = format!(
                "{}/../../tests/fixtures/{name}.strace",
                env!("CARGO_MANIFEST_DIR")
            );
            let log = std::fs::read_to_string(path).unwrap();
            let s = replay_checked(&log);
            assert_eq!(s.differ, 0, "{name}: {s}");
            assert!(s.agree > 400, "{name}: {s}");
        }
    }

    #[test]
    fn stderr_style_pids_are_resolved() {
        // Unprefixed lines belong to the only process; the clone line is cut by
        // the attach notice and continued without a pid.
        let log = "\
execve(\"/bin/x\", [\"x\"], 0x1 /* 1 var */) = 0
openat(AT_FDCWD, \"a\", O_RDONLY) = 3
clone(child_stack=NULL, flags=SIGCHLDstrace: Process 501 attached
 <unfinished ...>
[pid   501] close(3) = 0
[pid   500] <... clone resumed>) = 501
[pid   500] fcntl(3, F_GETFD) = 0
[pid   501] +++ exited with 0 +++
fcntl(3, F_GETFD) = 0
+++ exited with 0 +++
";
        let s = replay_checked(log);
        assert_eq!((s.differ, s.errors, s.processes), (0, 0, 2), "{s}");
    }
}

//! [`Joiner`]: pairs each pid's `<unfinished ...>` line with its `<... resumed>`
//! line, streaming.
//!
//! Memory is one entry per call currently unfinished (at most one per pid), with
//! its name and argument text copied; lines themselves are never kept. Calls come
//! out in the order they complete, which is the log's order for one pid.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::call::Call;
use crate::error::{excerpt, Error, ErrorKind};
use crate::line::{Event, Line, Pause, Timestamp};

/// What the [`Joiner`] hands back for a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record<'a> {
    /// A complete call, or one given up on (its `outcome` is `None`).
    Call(Call<'a>),
    /// Any line that is not part of a call: signals, exits, notices, stack frames.
    Event {
        /// The pid, resolved as for calls (see [`Joiner::push`]).
        pid: Option<u32>,
        /// The 1-based line number.
        number: u64,
        /// The line.
        line: Line<'a>,
    },
}

/// The records for one line: none (an `<unfinished ...>` line), one, or two (a
/// call given up on, then the line that ended it).
#[derive(Debug)]
pub struct Records<'a> {
    items: [Option<Record<'a>>; 2],
    next: usize,
}

impl<'a> Records<'a> {
    fn new() -> Records<'a> {
        Records {
            items: [None, None],
            next: 0,
        }
    }

    fn push(&mut self, r: Record<'a>) {
        let slot = if self.items[0].is_none() { 0 } else { 1 };
        self.items[slot] = Some(r);
    }
}

impl<'a> Iterator for Records<'a> {
    type Item = Record<'a>;
    fn next(&mut self) -> Option<Record<'a>> {
        while self.next < 2 {
            self.next += 1;
            if let Some(r) = self.items[self.next - 1].take() {
                return Some(r);
            }
        }
        None
    }
}

/// A call waiting for its `<... resumed>` line.
#[derive(Debug)]
struct Pending {
    name: String,
    args: String,
    entered: u64,
    time: Option<Timestamp>,
}

/// Hashes pid keys with one multiplication; pids are not attacker-chosen keys
/// worth SipHash, and this runs once per unfinished or resumed line.
#[derive(Default)]
struct PidHasher(u64);

impl Hasher for PidHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0 ^ n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

/// The key for a pid; lines without a pid share one key.
fn key(pid: Option<u32>) -> u64 {
    pid.map_or(u64::MAX, u64::from)
}

/// Pairs unfinished and resumed lines into [`Call`]s, streaming.
///
/// Feed every line in order with [`push`](Joiner::push), then collect calls still
/// unfinished with [`finish`](Joiner::finish).
///
/// ```
/// use fdkit_strace::{Joiner, Line, Record};
///
/// let log = "7  read(3,  <unfinished ...>\n8  close(4) = 0\n7  <... read resumed>\"hi\", 9) = 2\n";
/// let mut joiner = Joiner::new();
/// let mut calls = Vec::new();
/// for (i, text) in log.lines().enumerate() {
///     for record in joiner.push(i as u64 + 1, Line::parse(text)?)? {
///         if let Record::Call(call) = record {
///             calls.push(format!("{}({}) entered {} completed {}",
///                 call.name, call.args, call.entered, call.completed));
///         }
///     }
/// }
/// assert_eq!(calls, [
///     "close(4) entered 2 completed 2",
///     "read(3, \"hi\", 9) entered 1 completed 3",
/// ]);
/// # Ok::<(), fdkit_strace::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct Joiner {
    pending: HashMap<u64, Pending, BuildHasherDefault<PidHasher>>,
    /// Emptied name buffers, reused so steady state allocates only joined args.
    spare: Vec<String>,
    /// The last line number pushed.
    last: u64,
    /// The pid of the last call cut by a notice: its continuation (or lone
    /// `<detached ...>`) comes without a pid.
    cut: Option<Option<u32>>,
    /// Pids seen and not yet exited, to resolve lines without a pid.
    live: HashMap<u32, (), BuildHasherDefault<PidHasher>>,
    /// The pid last inserted into `live`, to skip re-inserting it line by line.
    last_live: Option<u32>,
}

impl Joiner {
    /// An empty joiner.
    pub fn new() -> Joiner {
        Joiner::default()
    }

    /// How many calls are waiting for their `<... resumed>` line.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Takes line `number` (1-based) and returns the records it completes.
    ///
    /// strace writing to stderr drops the `[pid N]` prefix while it traces a
    /// single process, which may be the last one left after others exited; so a
    /// line without a pid is taken to be from the only live pid, if exactly one
    /// has been seen (and not seen exiting). A line continuing a call that a
    /// `strace:` notice cut is taken to be from that call's pid. Calls and events
    /// carry the pid so resolved.
    ///
    /// An unfinished call on a pid that already has one, or on a pid that exits,
    /// is given up on: it comes out as a call with no outcome. The line after
    /// `+++ superseded by execve in pid N +++` may resume N's `execve` under the
    /// leader's pid, as strace prints it.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::UnexpectedResume`] for a `<... name resumed>` with nothing
    /// pending on its pid; [`ErrorKind::MismatchedResume`] when the pending call
    /// has another name (it stays pending). The line is otherwise ignored.
    pub fn push<'a>(&mut self, number: u64, line: Line<'a>) -> Result<Records<'a>, Error> {
        let continues_cut = matches!(
            line.event(),
            Event::Resumed { name: None, .. } | Event::Mark(_)
        );
        let pid = match line.pid() {
            None if continues_cut => match self.cut.take() {
                Some(cut) => cut,
                None => self.resolve(None),
            },
            pid => self.resolve(pid),
        };
        if let Event::Unfinished {
            pause: Pause::Notice(_),
            ..
        } = line.event()
        {
            self.cut = Some(pid);
        }
        let time = line.time();
        self.last = number;
        if let Some(p) = pid {
            match line.event() {
                Event::Exited { .. } | Event::Killed { .. } => {
                    self.live.remove(&p);
                    self.last_live = None;
                }
                Event::Superseded { by } => {
                    self.live.remove(by);
                    self.last_live = None;
                }
                _ if self.last_live == Some(p) => {}
                _ => {
                    self.live.insert(p, ());
                    self.last_live = Some(p);
                }
            };
        }
        let mut out = Records::new();
        match line.event() {
            Event::Call {
                name,
                args,
                outcome,
                duration,
            } => {
                self.give_up(pid, number, &mut out);
                out.push(Record::Call(Call {
                    pid,
                    name: Cow::Borrowed(*name),
                    args: Cow::Borrowed(args.as_str()),
                    outcome: Some(outcome.clone()),
                    time,
                    duration: *duration,
                    entered: number,
                    completed: number,
                }));
            }
            Event::Unfinished { name, args, pause } => {
                self.give_up(pid, number, &mut out);
                let mut p = self.pending_buffers(name, args.as_str(), number, time);
                if *pause == Pause::Detached {
                    out.push(Record::Call(self.given_up(pid, &mut p, number)));
                } else {
                    self.pending.insert(key(pid), p);
                }
            }
            Event::Resumed {
                name,
                args,
                outcome,
                duration,
            } => {
                let start = args
                    .offset()
                    .saturating_sub(name.map_or(0, |n| n.len() + 14));
                let Some(mut p) = self.pending.remove(&key(pid)) else {
                    let found = match name {
                        Some(n) => excerpt(&format!("<... {n} resumed>")),
                        None => excerpt(args.as_str()),
                    };
                    return Err(Error::new(
                        ErrorKind::UnexpectedResume,
                        start + 1,
                        "an unfinished call to resume",
                        found,
                    )
                    .at_line(number));
                };
                if let Some(n) = name.filter(|n| *n != p.name) {
                    let expected =
                        format!("`<... {} resumed>` (entered on line {})", p.name, p.entered);
                    let found = excerpt(&format!("<... {n} resumed>"));
                    self.pending.insert(key(pid), p);
                    return Err(Error::new(
                        ErrorKind::MismatchedResume,
                        start + 1,
                        expected,
                        found,
                    )
                    .at_line(number));
                }
                p.args.push_str(args.as_str());
                let call_name = match name {
                    Some(n) => {
                        self.recycle(std::mem::take(&mut p.name));
                        Cow::Borrowed(*n)
                    }
                    None => Cow::Owned(std::mem::take(&mut p.name)),
                };
                out.push(Record::Call(Call {
                    pid,
                    name: call_name,
                    args: Cow::Owned(std::mem::take(&mut p.args)),
                    outcome: Some(outcome.clone()),
                    time: p.time,
                    duration: *duration,
                    entered: p.entered,
                    completed: number,
                }));
                return Ok(out);
            }
            Event::Superseded { by } => {
                self.give_up(pid, number, &mut out);
                if let Some(p) = self.pending.remove(&key(Some(*by))) {
                    self.pending.insert(key(pid), p);
                }
                out.push(Record::Event { pid, number, line });
            }
            Event::Mark(Pause::Detached) | Event::Exited { .. } | Event::Killed { .. } => {
                self.give_up(pid, number, &mut out);
                out.push(Record::Event { pid, number, line });
            }
            _ => out.push(Record::Event { pid, number, line }),
        }
        Ok(out)
    }

    /// Gives up on every call still unfinished (the log ended), oldest first.
    /// Their `completed` line is the last line pushed.
    pub fn finish(&mut self) -> Vec<Call<'static>> {
        let last = self.last;
        let mut calls: Vec<_> = self
            .pending
            .drain()
            .map(|(k, mut p)| {
                let pid = u32::try_from(k).ok();
                Call {
                    pid,
                    name: Cow::Owned(std::mem::take(&mut p.name)),
                    args: Cow::Owned(std::mem::take(&mut p.args)),
                    outcome: None,
                    time: p.time,
                    duration: None,
                    entered: p.entered,
                    completed: last,
                }
            })
            .collect();
        calls.sort_by_key(|c| c.entered);
        calls
    }

    fn resolve(&self, pid: Option<u32>) -> Option<u32> {
        if pid.is_none() && self.live.len() == 1 {
            return self.live.keys().next().copied();
        }
        pid
    }

    fn pending_buffers(
        &mut self,
        name: &str,
        args: &str,
        entered: u64,
        time: Option<Timestamp>,
    ) -> Pending {
        let mut n = self.spare.pop().unwrap_or_default();
        n.push_str(name);
        let mut a = String::with_capacity(args.len() + 64);
        a.push_str(args);
        Pending {
            name: n,
            args: a,
            entered,
            time,
        }
    }

    fn recycle(&mut self, mut s: String) {
        if self.spare.len() < 64 {
            s.clear();
            self.spare.push(s);
        }
    }

    /// Emits the pid's pending call, if any, as given up on at line `number`.
    fn give_up(&mut self, pid: Option<u32>, number: u64, out: &mut Records<'_>) {
        if self.pending.is_empty() {
            return;
        }
        if let Some(mut p) = self.pending.remove(&key(pid)) {
            out.push(Record::Call(self.given_up(pid, &mut p, number)));
        }
    }

    fn given_up(&mut self, pid: Option<u32>, p: &mut Pending, number: u64) -> Call<'static> {
        Call {
            pid,
            name: Cow::Owned(std::mem::take(&mut p.name)),
            args: Cow::Owned(std::mem::take(&mut p.args)),
            outcome: None,
            time: p.time,
            duration: None,
            entered: p.entered,
            completed: number,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Joins `log`, returning calls as `pid name(args) = outcome @entered-completed`.
    #[track_caller]
    fn join(log: &str) -> Vec<String> {
        let mut j = Joiner::new();
        let mut out = Vec::new();
        for (i, text) in log.lines().enumerate() {
            let line = Line::parse(text).unwrap_or_else(|e| panic!("line {}: {e}", i + 1));
            let records = j
                .push(i as u64 + 1, line)
                .unwrap_or_else(|e| panic!("push: got {e}"));
            for r in records {
                match r {
                    Record::Call(c) => out.push(show(&c)),
                    Record::Event { pid, number, .. } => {
                        out.push(format!("event {pid:?} @{number}"))
                    }
                }
            }
        }
        out.extend(j.finish().iter().map(show));
        out
    }

    fn show(c: &Call<'_>) -> String {
        let o = c
            .outcome
            .as_ref()
            .map_or("none".to_owned(), |o| o.to_string());
        format!(
            "{} {}({}) = {o} @{}-{}",
            c.pid.map_or("-".into(), |p| p.to_string()),
            c.name,
            c.args,
            c.entered,
            c.completed
        )
    }

    #[test]
    fn joins_interleaved_pids() {
        let log = "\
2829  newfstatat(AT_FDCWD, \"/x\",  <unfinished ...>
2830  close(3 <unfinished ...>
2829  <... newfstatat resumed>0x7fff, 0) = -1 ENOENT (No such file or directory)
2830  <... close resumed>)              = 0
2829  clone(child_stack=NULL, flags=SIGCHLD <unfinished ...>
2829  <... clone resumed>, child_tidptr=0x7f) = 2831
2830  +++ exited with 0 +++";
        assert_eq!(
            join(log),
            [
                "2829 newfstatat(AT_FDCWD, \"/x\", 0x7fff, 0) = -1 ENOENT (No such file or directory) @1-3",
                "2830 close(3) = 0 @2-4",
                "2829 clone(child_stack=NULL, flags=SIGCHLD, child_tidptr=0x7f) = 2831 @5-6",
                "event Some(2830) @7",
            ]
        );
    }

    #[test]
    fn superseded_execve_resumes_under_leader_pid() {
        let log = "\
3078  execve(\"/bin/true\", [\"true\"], 0x7ffd /* 42 vars */ <unfinished ...>
3037  <... futex resumed>)              = ?
3037  +++ superseded by execve in pid 3078 +++
3037  <... execve resumed>)             = 0";
        let mut j = Joiner::new();
        let l1 = Line::parse(log.lines().next().unwrap()).unwrap();
        assert_eq!(j.push(1, l1).unwrap().count(), 0);
        let l2 = Line::parse(log.lines().nth(1).unwrap()).unwrap();
        let e = j.push(2, l2).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::UnexpectedResume);
        assert_eq!((e.line(), e.column()), (2, 7));
        assert_eq!(
            e.to_string(),
            "2:7: expected an unfinished call to resume, found `<... futex resumed>`"
        );
        for (i, text) in log.lines().enumerate().skip(2) {
            let records: Vec<_> = j
                .push(i as u64 + 1, Line::parse(text).unwrap())
                .unwrap()
                .collect();
            if i == 3 {
                let [Record::Call(c)] = &records[..] else {
                    panic!("got {records:?}")
                };
                assert_eq!(
                    show(c),
                    "3037 execve(\"/bin/true\", [\"true\"], 0x7ffd /* 42 vars */) = 0 @1-4"
                );
            }
        }
        assert_eq!(j.pending(), 0);
    }

    #[test]
    fn mismatched_resume_is_an_error_and_keeps_the_call() {
        let mut j = Joiner::new();
        j.push(1, Line::parse("5  read(3,  <unfinished ...>").unwrap())
            .unwrap();
        let e = j
            .push(
                2,
                Line::parse("5  <... write resumed>\"x\", 1) = 1").unwrap(),
            )
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::MismatchedResume);
        assert_eq!(
            e.to_string(),
            "2:4: expected `<... read resumed>` (entered on line 1), found `<... write resumed>`"
        );
        assert_eq!(j.pending(), 1);
        let r: Vec<_> = j
            .push(
                3,
                Line::parse("5  <... read resumed>\"x\", 1) = 1").unwrap(),
            )
            .unwrap()
            .collect();
        assert_eq!(r.len(), 1);
    }

    #[test]
    fn gives_up_on_detached_exited_and_unended_calls() {
        let log = "\
3288  wait4(-1,  <detached ...>
5  read(3,  <unfinished ...>
5  +++ killed by SIGKILL +++
6  poll([{fd=3, events=POLLIN}], 1, -1 <unfinished ...>";
        assert_eq!(
            join(log),
            [
                "3288 wait4(-1, ) = none @1-1",
                "5 read(3, ) = none @2-3",
                "event Some(5) @3",
                "6 poll([{fd=3, events=POLLIN}], 1, -1) = none @4-4",
            ]
        );
    }

    #[test]
    fn joins_a_line_cut_by_a_notice() {
        let log = "\
clone(child_stack=NULL, flags=CLONE_CHILD_SETTID|SIGCHLDstrace: Process 2861 attached
, child_tidptr=0x7f8de6e97a10) = 2861";
        assert_eq!(
            join(log),
            ["- clone(child_stack=NULL, flags=CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f8de6e97a10) = 2861 @1-2"]
        );
    }

    #[test]
    fn continuation_belongs_to_the_cut_call() {
        let log = "\
[pid 13859] clone3({flags=CLONE_VM, exit_signal=0}strace: Process 13861 attached
 => {parent_tid=[13861]}, 88) = 13861
[pid 13861] write(4, \"x1\\n\", 3)         = 3";
        assert_eq!(
            join(log),
            [
                "13859 clone3({flags=CLONE_VM, exit_signal=0} => {parent_tid=[13861]}, 88) = 13861 @1-2",
                "13861 write(4, \"x1\\n\", 3) = 3 @3-3",
            ]
        );
    }

    #[test]
    fn lone_detached_mark_ends_the_cut_call() {
        let log = "\
[pid  3211] clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, {tv_sec=364, tv_nsec=9}, strace: Process 3169 detached
strace: Process 3211 detached
 <detached ...>";
        assert_eq!(
            join(log),
            [
                "event Some(3211) @2",
                "3211 clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, {tv_sec=364, tv_nsec=9}, ) = none @1-3",
                "event Some(3211) @3",
            ]
        );
    }

    #[test]
    fn unprefixed_lines_belong_to_the_only_live_pid() {
        let log = "\
[pid  2860] wait4(-1,  <unfinished ...>
[pid  2862] exit_group(0)               = ?
[pid  2862] +++ exited with 0 +++
<... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 2862
+++ exited with 0 +++";
        assert_eq!(
            join(log),
            [
                "2862 exit_group(0) = ? @2-2",
                "event Some(2862) @3",
                "2860 wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 2862 @1-4",
                "event Some(2860) @5",
            ]
        );
    }
}

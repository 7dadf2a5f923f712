//! Explaining a disagreement by the state before the log.
//!
//! A traced program may have inherited descriptors the log never shows being
//! created, and a soft `RLIMIT_NOFILE` it never queried. The model starts with 0, 1
//! and 2 open and a limit of 1024; a number whose state no call in the log has
//! pinned down yet is *unknown* ([`crate::lin::Known`]). When a result disagrees
//! with the table, [`Replay::explain`] looks for flips of unknown numbers only
//! (open ↔ closed, close-on-exec) under which the table agrees:
//!
//! - a descriptor used successfully, that nothing in the log created, was open at
//!   the start (and is added, as one shared inherited description, to every table
//!   where that number is still unknown);
//! - an allocation higher than predicted, with unknown numbers below it, means
//!   those were open; a lower one means it was not;
//! - `EBADF` on an unknown default descriptor (0, 1, 2) means it was not open;
//! - `EMFILE` where the table had room, with the limit never queried, gives the
//!   soft limit; an allocation at or above the assumed limit raises it.
//!
//! Flips of numbers made doubtful by an earlier divergence are learned silently
//! (the call counts as not decided); flips of starting-state numbers are reported
//! as [`Inference`]s.
//!
//! ## Provisional inferences
//!
//! An inference that rests only on an allocation skipping numbers (`dup(4) = 9`
//! with 5..8 unknown: "5, 6, 7, 8 were open") is exactly what a wrong result
//! looks like, so it is *provisional*: it is reported only once a later line uses
//! each inferred number successfully (`fstat(7) = 0`, `close(7) = 0`, a `dup2`
//! from it, in any table that inherited it), with that line as
//! [`Inference::confirmed_by`]. A number never used by the end of the log is
//! reported then as an *unconfirmed* inference ([`Inference::unconfirmed`],
//! [`Summary::unconfirmed`](crate::Summary::unconfirmed)), and `fdkit check` exits
//! 3, not 0: the log is consistent only if the program really inherited those
//! numbers (shells and IDEs do leak descriptors a program never touches, so this
//! is not a divergence); `--initial-fds` states the start and removes the doubt.
//! Numbers the log pinned down before, by a `close`, an `EBADF`, an allocation,
//! are known and never inferred: such a contradiction is a divergence at once.

use std::sync::Arc;

use fdkit::{Errno, Fd, Limits};

use crate::desc::{Description, Origin};
use crate::engine::{Replay, NO_PID};
use crate::op::{apply, Change, Check, Fds, Obs, Src, TOp, Table};
use crate::report::{Fact, Inference, Sink};

/// Inferences that rest only on an allocation skipping numbers, waiting for a
/// later use of each number (see the module docs).
#[derive(Debug)]
pub(crate) struct Provisional {
    /// The inferred-open numbers not confirmed yet, with their inference.
    pub open: Vec<Inference>,
}

/// Whether an allocation needs `fd` open by itself (its source, `pre` or
/// directory descriptor), rather than skipping it.
fn alloc_uses(op: &TOp, fd: u32) -> bool {
    match op {
        TOp::Alloc {
            src, pre, dirfd, ..
        } => *pre == Some(fd) || *dirfd == Some(fd) || src_fd(src) == Some(fd),
        _ => true,
    }
}

/// The widest range of numbers one explanation may flip.
const MAX_FLIPS: u32 = 4096;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Flip {
    Open(u32),
    Closed(u32),
    Cloexec(u32, bool),
    /// The number is open but refers to another description (one that allows
    /// the call): only for doubtful numbers.
    Replace(u32),
}

impl Flip {
    fn fd(self) -> u32 {
        match self {
            Flip::Open(n) | Flip::Closed(n) | Flip::Cloexec(n, _) | Flip::Replace(n) => n,
        }
    }
}

fn is_open(t: &Table, fd: u32) -> bool {
    t.get(Fd::new(fd)).is_some()
}

/// The flips of numbers that would make `op` agree with `obs`, before checking
/// that they are all unknown.
fn flips(t: &Table, op: &TOp, obs: &Obs, lim: Limits) -> Vec<Flip> {
    let mut out = Vec::new();
    let fd_first = matches!(op, TOp::Use { need, .. } if need.fd_first);
    let success = match obs {
        Obs::Unknown | Obs::Err(Errno::BADF) => false,
        // Another error from a call that looks its descriptor up first.
        Obs::Err(_) => fd_first,
        _ => true,
    };
    let need_open = |fd: u32, out: &mut Vec<Flip>| {
        if !is_open(t, fd) {
            out.push(Flip::Open(fd));
        }
    };
    match (op, obs) {
        (
            TOp::Alloc {
                start,
                src,
                pre,
                dirfd,
                ..
            },
            Obs::Fds(r),
        ) => {
            for fd in [*pre, *dirfd].into_iter().flatten() {
                need_open(fd, &mut out);
            }
            if let Src::Dup(old) = src {
                need_open(*old, &mut out);
            }
            let hi = r.iter().copied().max().unwrap_or(0);
            if hi.saturating_sub(*start) > MAX_FLIPS || hi >= lim.nofile {
                return Vec::new();
            }
            for &n in r {
                if t.is_allocated(Fd::new(n)) {
                    out.push(Flip::Closed(n));
                }
            }
            for s in *start..hi {
                if !r.contains(&s) && !t.is_allocated(Fd::new(s)) && !out.contains(&Flip::Open(s)) {
                    out.push(Flip::Open(s));
                }
            }
        }
        (TOp::Alloc { start, src, .. }, Obs::Err(Errno::MFILE)) => {
            // Every free number in [start, limit) was in fact open.
            let count = match src {
                Src::New(v) => v.len().max(1) as u32,
                Src::Dup(_) => 1,
            };
            let mut free = Vec::new();
            let mut from = *start;
            while free.len() < MAX_FLIPS as usize {
                let n = t.lowest_free_from(from);
                if n >= u64::from(lim.nofile) {
                    break;
                }
                free.push(n as u32);
                from = n as u32 + 1;
            }
            if free.len() >= MAX_FLIPS as usize {
                return Vec::new();
            }
            // An allocation of `count` numbers fails when fewer are free.
            let keep = (count as usize).saturating_sub(1).min(free.len());
            out.extend(free[keep..].iter().map(|&n| Flip::Open(n)));
        }
        (
            TOp::Alloc {
                pre, dirfd, src, ..
            },
            Obs::Err(Errno::BADF),
        ) => {
            let first_open = [*pre, src_fd(src), *dirfd]
                .into_iter()
                .flatten()
                .find(|&fd| is_open(t, fd));
            out.extend(first_open.map(Flip::Closed));
        }
        (TOp::Place { old, .. }, _) if success => need_open(*old, &mut out),
        (TOp::Place { old, .. }, Obs::Err(Errno::BADF)) if is_open(t, *old) => {
            out.push(Flip::Closed(*old))
        }
        (TOp::Close { fd } | TOp::SetCloexec { fd, .. }, _) if success => need_open(*fd, &mut out),
        (TOp::GetFd { fd }, Obs::Ok(v)) => {
            if is_open(t, *fd) {
                out.push(Flip::Cloexec(*fd, v & 1 != 0));
            } else {
                out.push(Flip::Open(*fd));
                if v & 1 != 0 {
                    out.push(Flip::Cloexec(*fd, true));
                }
            }
        }
        (TOp::Use { fds, n, .. }, _) if success => {
            for &fd in &fds[..*n as usize] {
                if is_open(t, fd) {
                    out.push(Flip::Replace(fd));
                } else {
                    need_open(fd, &mut out);
                }
            }
        }
        (
            TOp::Close { fd } | TOp::SetCloexec { fd, .. } | TOp::GetFd { fd },
            Obs::Err(Errno::BADF),
        ) if is_open(t, *fd) => out.push(Flip::Closed(*fd)),
        (TOp::Use { fds, n: 1, .. }, Obs::Err(Errno::BADF)) if is_open(t, fds[0]) => {
            out.push(Flip::Closed(fds[0]))
        }
        // Two numbers, both open: the second one (the number an `SCM_RIGHTS`
        // message passes, looked up after the socket) was not.
        (TOp::Use { fds, n: 2, .. }, Obs::Err(Errno::BADF))
            if is_open(t, fds[0]) && is_open(t, fds[1]) =>
        {
            out.push(Flip::Closed(fds[1]))
        }
        _ => {}
    }
    out
}

fn src_fd(src: &Src) -> Option<u32> {
    match src {
        Src::Dup(o) => Some(*o),
        Src::New(_) => None,
    }
}

/// A flip as an operation and result that [`crate::op::force`] applies.
fn flip_op(f: Flip, entry: &Arc<Description>, cloexec: bool) -> (TOp, Obs) {
    let alloc = |n: u32| {
        (
            TOp::Alloc {
                start: 0,
                cloexec,
                src: Src::New(vec![entry.clone()]),
                kind: crate::op::AllocKind::New,
                dirfd: None,
                pre: None,
            },
            Obs::Fds(Fds::one(n)),
        )
    };
    match f {
        Flip::Open(n) | Flip::Replace(n) => alloc(n),
        Flip::Closed(n) => (TOp::Close { fd: n }, Obs::Ok(0)),
        Flip::Cloexec(n, on) => (
            TOp::SetCloexec {
                fd: n,
                on,
                raw: true,
            },
            Obs::Ok(0),
        ),
    }
}

impl Replay {
    /// Tries to explain a disagreement of call `at` (its id, entry and completion
    /// lines) by unknown starting state (or a doubtful number); on success applies
    /// the explanation and the call, reports inferences, and returns the call's
    /// check.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn explain(
        &mut self,
        pid: u32,
        gid: u32,
        at: (u64, u64, u64),
        op: &TOp,
        obs: &Obs,
        lim: Limits,
        text: &str,
        changes: &mut Vec<Change>,
        sink: &mut dyn Sink,
    ) -> Option<Check> {
        if let Some(c) = self.explain_limit(pid, gid, op, obs, lim, text, changes, sink) {
            return Some(c);
        }
        let line = self.line;
        let events = self.events;
        let g = self.group_mut(gid)?;
        let allowed = |f: &Flip| match f {
            Flip::Cloexec(fd, _) => !g.known.is_known(*fd) || g.known.doubt_cloexec.contains(fd),
            Flip::Replace(fd) => g.known.is_doubtful(*fd),
            _ => !g.known.is_known(f.fd()),
        };
        // Flips of known numbers are left to the concurrency search (a pending
        // close may free a number); only unknown ones are tried.
        let fl: Vec<Flip> = flips(&g.table, op, obs, lim)
            .into_iter()
            .filter(allowed)
            .collect();
        if fl.is_empty() {
            return None;
        }
        // A number an allocation skipped while other calls on the table are
        // pending may be held by one of them (a blocked `accept4` reserves its
        // number at entry): learned quietly, neither an inference nor a
        // divergence.
        let busy = g.others_pending(at.0);
        let skipped = |f: &Flip| match (f, op, obs) {
            (Flip::Open(n), TOp::Alloc { .. }, Obs::Fds(_)) => !alloc_uses(op, *n),
            _ => false,
        };
        let quiet: Vec<bool> = fl
            .iter()
            .map(|f| {
                g.known.is_doubtful(f.fd())
                    || matches!(f, Flip::Cloexec(fd, _) if g.known.doubt_cloexec.contains(fd))
                    || (busy && skipped(f))
            })
            .collect();
        let entries: Vec<(Arc<Description>, bool)> = fl
            .iter()
            .zip(&quiet)
            .map(|(f, &q)| {
                let alias = q
                    .then(|| g.known.alias.iter().find(|(n, _, _)| *n == f.fd()))
                    .flatten();
                match alias {
                    Some((_, e, c)) => (e.clone(), *c),
                    None if q => (
                        Arc::new(Description::inherited(
                            "?",
                            Origin {
                                line,
                                pid: Some(pid),
                            },
                        )),
                        false,
                    ),
                    None => (
                        Arc::new(Description::inherited(
                            "(inherited)",
                            Origin { line: 0, pid: None },
                        )),
                        false,
                    ),
                }
            })
            .collect();
        let saved = g.save();
        let (id, start, end) = at;
        for (f, (e, cloexec)) in fl.iter().zip(&entries) {
            let (op, obs) = flip_op(*f, e, *cloexec);
            g.correct((id, start, end), op, obs);
        }
        let ch = if events { Some(&mut *changes) } else { None };
        let done = g.complete(id, start, end, op, obs, lim, false, ch);
        if let Check::Differ(_) = done.check {
            g.restore(saved);
            changes.clear();
            return None;
        }
        for f in &fl {
            g.known.mark(f.fd());
            g.known.mark_cloexec(f.fd());
        }
        // Starting-state facts hold in every table that still has them unknown.
        let mut held = Vec::new();
        for ((&f, &q), (e, _)) in fl.iter().zip(&quiet).zip(&entries) {
            if q {
                continue;
            }
            self.infer_everywhere(f, e);
            let fact = match f {
                Flip::Open(fd) | Flip::Replace(fd) => Fact::OpenAtStart { fd },
                Flip::Closed(fd) => Fact::ClosedAtStart { fd },
                Flip::Cloexec(fd, on) => Fact::CloexecAtStart { fd, on },
            };
            let inference = Inference {
                line,
                pid: (pid != NO_PID).then_some(pid),
                fact,
                evidence: text.to_owned(),
                confirmed_by: None,
                unconfirmed: false,
            };
            if skipped(&f) {
                held.push(inference);
                continue;
            }
            self.summary.inferred += 1;
            sink.inference(&inference);
        }
        if !held.is_empty() {
            self.provisional.push(Provisional { open: held });
        }
        Some(if quiet.iter().any(|q| *q) || done.check != Check::Agree {
            Check::Undecided
        } else {
            Check::Agree
        })
    }

    /// A call at the current line used `fds` successfully: each provisional
    /// inference of one of them is confirmed, and reported with this line.
    pub(crate) fn confirm_uses(&mut self, fds: &[u32], sink: &mut dyn Sink) {
        if self.provisional.is_empty() || fds.is_empty() {
            return;
        }
        let line = self.line;
        let mut done = Vec::new();
        for p in &mut self.provisional {
            p.open.retain(|i| {
                let Fact::OpenAtStart { fd } = i.fact else {
                    return true;
                };
                if !fds.contains(&fd) {
                    return true;
                }
                done.push(Inference {
                    confirmed_by: Some(line),
                    ..i.clone()
                });
                false
            });
        }
        self.provisional.retain(|p| !p.open.is_empty());
        for i in done {
            self.summary.inferred += 1;
            sink.inference(&i);
        }
    }

    /// The end of the log: the numbers an allocation skipped that no later line
    /// used are reported as unconfirmed inferences ([`Inference::unconfirmed`],
    /// [`Summary::unconfirmed`](crate::Summary::unconfirmed)): the log is then
    /// consistent only if they really were inherited.
    pub(crate) fn settle_provisional(&mut self, sink: &mut dyn Sink) {
        for p in std::mem::take(&mut self.provisional) {
            for mut i in p.open {
                i.unconfirmed = true;
                self.summary.inferred += 1;
                self.summary.unconfirmed += 1;
                sink.inference(&i);
            }
        }
    }

    /// Applies a starting-state fact to every table where the number is still
    /// unknown, and to the starting table of processes yet to appear.
    fn infer_everywhere(&mut self, f: Flip, entry: &Arc<Description>) {
        let fd = f.fd();
        let line = self.line;
        for g in self.groups.iter_mut().flatten() {
            if g.known.is_known(fd) || g.known.is_doubtful(fd) {
                continue;
            }
            // A fact about the start: it may be placed before anything.
            let (op, obs) = flip_op(f, entry, false);
            g.correct((0, 0, line), op, obs);
        }
        match f {
            Flip::Open(n) => {
                if !self.start.contains(&n) {
                    self.start.push(n);
                }
            }
            Flip::Closed(n) => self.start.retain(|&s| s != n),
            Flip::Cloexec(..) | Flip::Replace(_) => {}
        }
    }

    /// `EMFILE` where the table had room, or an allocation at or above the assumed
    /// limit, in a process whose soft limit the log never showed.
    #[allow(clippy::too_many_arguments)]
    fn explain_limit(
        &mut self,
        pid: u32,
        gid: u32,
        op: &TOp,
        obs: &Obs,
        lim: Limits,
        text: &str,
        changes: &mut Vec<Change>,
        sink: &mut dyn Sink,
    ) -> Option<Check> {
        let tgid = self.tasks.get(&pid)?.tgid;
        if self.procs.get(&tgid)?.nofile_known {
            return None;
        }
        let table = &mut self.group_mut(gid)?.table;
        let (limit, exact) = match (op, obs) {
            (TOp::Alloc { start, .. }, Obs::Err(Errno::MFILE)) => {
                let n = table.lowest_free_from(*start);
                (n, true)
            }
            (TOp::Alloc { .. }, Obs::Fds(r)) => {
                let hi = u64::from(r.iter().copied().max()?);
                if hi < u64::from(lim.nofile) {
                    return None;
                }
                (hi + 1, false)
            }
            (TOp::Place { new, .. }, Obs::Ok(_)) if *new >= lim.nofile => {
                (u64::from(*new) + 1, false)
            }
            _ => return None,
        };
        let new_lim = Limits::new(limit);
        let mut t = table.snapshot();
        if let Check::Differ(_) = apply(&mut t, op, obs, new_lim, None) {
            return None;
        }
        let proc = self.procs.get_mut(&tgid)?;
        proc.nofile = limit;
        let report = exact || !proc.nofile_raised;
        if exact {
            proc.nofile_known = true;
        } else {
            proc.nofile_raised = true;
        }
        if report {
            let fact = if exact {
                Fact::SoftLimit { pid: tgid, limit }
            } else {
                Fact::SoftLimitAbove {
                    pid: tgid,
                    at_least: limit - 1,
                }
            };
            self.summary.inferred += 1;
            sink.inference(&Inference {
                line: self.line,
                pid: (pid != NO_PID).then_some(pid),
                fact,
                evidence: text.to_owned(),
                confirmed_by: None,
                unconfirmed: false,
            });
        }
        let events = self.events;
        let g = self.group_mut(gid)?;
        let ch = if events { Some(changes) } else { None };
        let check = apply(&mut g.table, op, obs, new_lim, ch);
        Some(if check == Check::Agree {
            Check::Agree
        } else {
            Check::Undecided
        })
    }
}

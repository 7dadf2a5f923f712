//! [`Group`]: one shared descriptor table and the linearizability check for the
//! calls its tasks make concurrently.
//!
//! Read this first. Threads (and `CLONE_FILES` processes) share a table, and strace
//! shows their calls overlapping: a call *enters* on one line (`<unfinished ...>`)
//! and *completes* on another (`<... resumed>`). A call that completed before
//! another entered happened before it; calls whose intervals overlap took effect in
//! some order the log does not show (and the log's order of completions is not the
//! kernel's). A result is accepted when *some* order explains it.
//!
//! The check is greedy with a bounded search:
//!
//! - **Fast path.** With no other table-changing call pending and no open window,
//!   a call is applied to the table at its completion and checked. Single-threaded
//!   processes never leave this path.
//! - **Window.** Otherwise the group keeps the table state before the oldest call
//!   still reorderable (`base`) and the calls since, in the order currently believed
//!   (`items`); calls are applied greedily in completion order. A pending call that
//!   changes the table (a [`Cand`]) may be placed early by a search, with the result
//!   the model predicts for it; its completion then confirms or refutes that.
//! - **Search.** When a result disagrees with the greedy state, a depth-first search
//!   over the window looks for an order of the completed calls (each at a point
//!   inside its interval: a call may precede another only if it entered before the
//!   other completed) plus any subset of pending ones, in which every completed
//!   call's logged result agrees. It is memoised on (calls placed, table state) and
//!   bounded by [`SEARCH_BUDGET`] table operations; when the bound is hit the call is
//!   *not decided* rather than reported as a divergence.
//! - **Commit.** The oldest call leaves the window once it completed before every
//!   other call in the window entered (its place in every order is fixed). When the
//!   window grows past [`MAX_WINDOW`] the oldest call is committed anyway; the
//!   descriptor numbers it shares with overlapping calls are marked *doubtful*
//!   (their state may be the other order's), so later evidence about them is learned
//!   instead of reported.

use std::collections::{HashSet, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};

use fdkit::{Fd, Limits};

use crate::op::{apply, force, run, Changes, Check, Entry, Fds, Obs, Src, TOp, Table, Touch};

/// Most calls a window holds before the oldest is committed anyway.
pub(crate) const MAX_WINDOW: usize = 32;
/// Most pending calls a search may place early.
pub(crate) const MAX_CANDS: usize = 12;
/// Most table operations one search may run.
pub(crate) const SEARCH_BUDGET: u32 = 30_000;
/// Search steps a log earns per checked call, up to [`SEARCH_BUDGET`] saved: a
/// search may take at most what is saved, so a log whose every window needs a
/// long search costs at most this many steps per call on average (found by
/// fuzzing: a 30 KB log of exhaustive searches ran 7 s under AddressSanitizer).
/// Real logs spend a few steps per call: nothing they check is cut short.
pub(crate) const SEARCH_CREDIT_PER_CALL: u64 = 64;
/// At most this many items (calls, their parts, and the pending calls' possible
/// placements) in one search: one bit each in a `u128`.
const MAX_SEARCH_ITEMS: usize = 128;

/// Descriptor numbers whose state the model knows, as opposed to numbers left as
/// they were before the log (inherited, inferred from evidence) or doubtful after a
/// divergence or a lossy commit.
#[derive(Clone, Debug, Default)]
pub(crate) struct Known {
    /// Every number is known (`--initial-fds` stated the starting table).
    pub all: bool,
    bits: Vec<u64>,
    /// Numbers made unknown again by a divergence or a lossy commit.
    pub doubt: Doubt,
    /// Numbers whose close-on-exec flag is doubtful after an `F_GETFD` divergence.
    pub doubt_cloexec: Vec<u32>,
    /// After an allocation diverged: the number the model predicted and the
    /// description the log's number got, so that a later use of the predicted number
    /// is learned as that description.
    pub alias: Vec<(u32, Entry, bool)>,
}

/// Numbers at or above this are always known (no bitmap grows by a hostile number).
const KNOWN_CAP: u32 = 1 << 16;

/// A set of descriptor numbers holding at most [`Doubt::MAX`]: a bitmap below
/// [`KNOWN_CAP`], a list above (so membership costs one bit test, not a scan).
#[derive(Clone, Debug, Default)]
pub(crate) struct Doubt {
    bits: Vec<u64>,
    big: Vec<u32>,
    len: usize,
}

impl Doubt {
    /// Numbers beyond this many are not added.
    const MAX: usize = 4096;

    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub(crate) fn contains(&self, fd: u32) -> bool {
        if fd < KNOWN_CAP {
            self.bits
                .get((fd / 64) as usize)
                .is_some_and(|w| w & (1 << (fd % 64)) != 0)
        } else {
            self.big.contains(&fd)
        }
    }

    /// Adds `fd` unless it is there or the set is full.
    fn insert(&mut self, fd: u32) {
        if self.contains(fd) || self.len >= Doubt::MAX {
            return;
        }
        if fd < KNOWN_CAP {
            let w = (fd / 64) as usize;
            if self.bits.len() <= w {
                self.bits.resize(w + 1, 0);
            }
            self.bits[w] |= 1 << (fd % 64);
        } else {
            self.big.push(fd);
        }
        self.len += 1;
    }

    fn remove(&mut self, fd: u32) {
        if self.len == 0 {
            return;
        }
        if fd < KNOWN_CAP {
            if let Some(w) = self.bits.get_mut((fd / 64) as usize) {
                if *w & (1 << (fd % 64)) != 0 {
                    *w &= !(1 << (fd % 64));
                    self.len -= 1;
                }
            }
        } else if let Some(i) = self.big.iter().position(|&d| d == fd) {
            self.big.swap_remove(i);
            self.len -= 1;
        }
    }

    /// Removes every number in `first..=last`.
    fn remove_range(&mut self, first: u32, last: u32) {
        if self.len == 0 || first > last {
            return;
        }
        let before = self.big.len();
        self.big.retain(|&d| d < first || d > last);
        self.len -= before - self.big.len();
        if first >= KNOWN_CAP {
            return;
        }
        let last = last.min(KNOWN_CAP - 1);
        let (w0, w1) = ((first / 64) as usize, (last / 64) as usize);
        for w in w0..=w1.min(self.bits.len().saturating_sub(1)) {
            if w >= self.bits.len() {
                break;
            }
            let lo = if w == w0 { first % 64 } else { 0 };
            let hi = if w == w1 { last % 64 } else { 63 };
            let mask = (u64::MAX >> (63 - hi)) & (u64::MAX << lo);
            self.len -= (self.bits[w] & mask).count_ones() as usize;
            self.bits[w] &= !mask;
        }
    }
}

impl Known {
    /// Nothing known, or (`all`) everything.
    pub(crate) fn new(all: bool) -> Known {
        Known {
            all,
            ..Known::default()
        }
    }

    pub(crate) fn is_known(&self, fd: u32) -> bool {
        if self.all || fd >= KNOWN_CAP {
            return !self.doubt.contains(fd);
        }
        self.bits
            .get((fd / 64) as usize)
            .is_some_and(|w| w & (1 << (fd % 64)) != 0)
    }

    pub(crate) fn is_doubtful(&self, fd: u32) -> bool {
        self.doubt.contains(fd)
    }

    #[inline]
    pub(crate) fn mark(&mut self, fd: u32) {
        if !self.doubt.is_empty() {
            self.doubt.remove(fd);
        }
        if !self.alias.is_empty() {
            self.alias.retain(|(n, _, _)| *n != fd);
        }
        self.record(fd);
    }

    /// Whether nothing is doubtful: no doubtful numbers or close-on-exec flags,
    /// no aliases ([`Known::mark`] is then [`Known::record`]).
    #[inline]
    pub(crate) fn settled(&self) -> bool {
        self.doubt.is_empty() && self.doubt_cloexec.is_empty() && self.alias.is_empty()
    }

    /// Records `fd` as known (the bitmap only).
    #[inline]
    pub(crate) fn record(&mut self, fd: u32) {
        if self.all || fd >= KNOWN_CAP {
            return;
        }
        let w = (fd / 64) as usize;
        match self.bits.get_mut(w) {
            Some(word) => *word |= 1 << (fd % 64),
            None => {
                self.bits.resize(w + 1, 0);
                self.bits[w] |= 1 << (fd % 64);
            }
        }
    }

    pub(crate) fn mark_range(&mut self, first: u32, last: u32) {
        self.doubt.remove_range(first, last);
        self.doubt_cloexec.retain(|&d| d < first || d > last);
        self.alias.retain(|(d, _, _)| *d < first || *d > last);
        let last = last.min(KNOWN_CAP - 1);
        if self.all || first > last {
            return;
        }
        let (w0, w1) = ((first / 64) as usize, (last / 64) as usize);
        if self.bits.len() <= w1 {
            self.bits.resize(w1 + 1, 0);
        }
        for w in w0..=w1 {
            let lo = if w == w0 { first % 64 } else { 0 };
            let hi = if w == w1 { last % 64 } else { 63 };
            let mask = (u64::MAX >> (63 - hi)) & (u64::MAX << lo);
            self.bits[w] |= mask;
        }
    }

    /// Remembers `entry` as what a doubtful `fd` may still refer to.
    pub(crate) fn add_alias(&mut self, fd: u32, entry: Entry, cloexec: bool) {
        self.alias.retain(|(n, _, _)| *n != fd);
        if self.alias.len() >= 64 {
            self.alias.remove(0);
        }
        self.alias.push((fd, entry, cloexec));
    }

    /// The close-on-exec flag of `fd` is settled (set by a call).
    pub(crate) fn mark_cloexec(&mut self, fd: u32) {
        if let Some(i) = self.doubt_cloexec.iter().position(|&d| d == fd) {
            self.doubt_cloexec.swap_remove(i);
        }
    }

    pub(crate) fn unmark(&mut self, fd: u32) {
        self.doubt.insert(fd);
        if fd < KNOWN_CAP {
            if let Some(w) = self.bits.get_mut((fd / 64) as usize) {
                *w &= !(1 << (fd % 64));
            }
        }
    }
}

/// A pending call that changes the table, as a search may place it early.
#[derive(Clone, Debug)]
pub(crate) struct Cand {
    pub id: u64,
    pub start: u64,
    pub op: TOp,
    pub lim: Limits,
}

/// A call in the window.
#[derive(Clone, Debug)]
struct Item {
    id: u64,
    start: u64,
    /// `u64::MAX` while the call is pending (placed early).
    end: u64,
    op: TOp,
    /// The observed result, or the predicted one for an early item.
    obs: Obs,
    lim: Limits,
    early: bool,
    /// A call whose logged result no order explains (a reported divergence): it
    /// is replayed as the log says, never checked.
    forced: bool,
}

impl Item {
    /// The item as the kernel performs it: an allocation of several numbers
    /// (`pipe2`, `socketpair`, `SCM_RIGHTS`) takes them one at a time, and other
    /// threads may allocate in between; every other item is one step.
    fn split(&self) -> Vec<Item> {
        let (
            TOp::Alloc {
                start,
                cloexec,
                src: Src::New(entries),
                kind,
                dirfd,
                pre,
            },
            Obs::Fds(fds),
        ) = (&self.op, &self.obs)
        else {
            return vec![self.clone()];
        };
        if fds.len() < 2 || entries.len() != fds.len() {
            return vec![self.clone()];
        }
        entries
            .iter()
            .zip(fds)
            .enumerate()
            .map(|(i, (e, &fd))| Item {
                op: TOp::Alloc {
                    start: *start,
                    cloexec: *cloexec,
                    src: Src::New(vec![e.clone()]),
                    kind: *kind,
                    dirfd: if i + 1 == fds.len() { *dirfd } else { None },
                    pre: if i == 0 { *pre } else { None },
                },
                obs: Obs::Fds(Fds::one(fd)),
                ..self.clone()
            })
            .collect()
    }

    /// Replays this item onto `t`: early items as the model predicts, forced ones
    /// as the log says, others checked. Returns the check (`Agree` for early and
    /// forced items).
    fn replay(&mut self, t: &mut Table) -> Check {
        if self.early {
            self.obs = run(t, &self.op, self.lim);
            Check::Agree
        } else if self.forced {
            force(t, &self.op, &self.obs, self.end, None);
            Check::Agree
        } else {
            apply(t, &self.op, &self.obs, self.lim, None)
        }
    }
}

/// A group's state saved by [`Group::save`].
pub(crate) struct Saved {
    table: Table,
    base: Option<Table>,
    items: VecDeque<Item>,
}

/// How a completion was checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Done {
    pub check: Check,
    /// A search reordered the window to explain the result.
    pub searched: bool,
    /// The search was cut short, or the window had lost orders: not decided.
    pub bounded: bool,
}

impl Done {
    fn plain(check: Check) -> Done {
        Done {
            check,
            searched: false,
            bounded: false,
        }
    }
}

/// One descriptor table shared by one or more tasks.
pub(crate) struct Group {
    /// The table as currently believed (greedy state).
    pub table: Table,
    /// Tasks using this table.
    pub refs: u32,
    pub known: Known,
    /// Pending calls that may change the table in ways no search can predict
    /// (`recvmsg`, `clone` with `CLONE_PIDFD`...).
    pub opaque: u32,
    /// The table before the window's first item (`None`: no window).
    base: Option<Table>,
    items: VecDeque<Item>,
    cands: Vec<Cand>,
    /// Early items committed by force before their completion: id and prediction.
    committed_early: Vec<(u64, Obs)>,
    /// The window lost an order at this line (an early placement dropped); a
    /// failed search is not decided until every call in the window entered after it.
    lossy: Option<u64>,
    /// What the searches of this window cost so far.
    work: SearchWork,
    /// Search steps the next search may take (the log's saved credit, set by the
    /// replay before each call; see [`SEARCH_CREDIT_PER_CALL`]).
    pub(crate) credit: u64,
    /// The window may hold early items (false: it holds none).
    maybe_early: bool,
}

impl Group {
    /// Whether a call other than `id` is pending on this table and may hold
    /// numbers no line shows yet (a blocked `accept` reserves its number at entry).
    pub(crate) fn others_pending(&self, id: u64) -> bool {
        self.opaque > 0 || self.cands.iter().any(|c| c.id != id)
    }

    pub(crate) fn new(table: Table, known: Known) -> Group {
        Group {
            table,
            refs: 1,
            known,
            opaque: 0,
            base: None,
            items: VecDeque::new(),
            cands: Vec::new(),
            committed_early: Vec::new(),
            lossy: None,
            work: SearchWork::default(),
            credit: u64::from(SEARCH_BUDGET),
            maybe_early: false,
        }
    }

    /// Whether calls of this group are checked one at a time (no window, nothing
    /// pending that a search could move).
    pub(crate) fn is_quiet(&self) -> bool {
        self.items.is_empty() && self.cands.is_empty() && self.committed_early.is_empty()
    }

    /// Applies a correction of the starting or doubtful state, needed by call
    /// `id` that entered on line `start` and completed on `end`: to the table,
    /// and (with a window) as a forced item over that interval, so that replays
    /// of the window can place it before the call.
    pub(crate) fn correct(&mut self, (id, start, end): (u64, u64, u64), op: TOp, obs: Obs) {
        force(&mut self.table, &op, &obs, end, None);
        if self.base.is_some() {
            self.items.push_back(Item {
                // The call's id: the two may go in either order in a search.
                id,
                start,
                end,
                op,
                obs,
                lim: Limits::new(u64::from(u32::MAX)),
                early: false,
                forced: true,
            });
        }
    }

    /// The state a failed attempt may need to go back to.
    pub(crate) fn save(&mut self) -> Saved {
        Saved {
            table: self.table.snapshot(),
            base: self.base.as_mut().map(Table::snapshot),
            items: self.items.clone(),
        }
    }

    /// Goes back to a saved state.
    pub(crate) fn restore(&mut self, s: Saved) {
        self.table = s.table;
        self.base = s.base;
        self.items = s.items;
        self.maybe_early = true;
    }

    /// A call whose result no order explains (reported as a divergence): the
    /// table takes the log's result, and the call stays in the window (replayed as
    /// logged) so the calls around it can still be reordered.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn force_item(
        &mut self,
        id: u64,
        start: u64,
        end: u64,
        op: &TOp,
        obs: &Obs,
        lim: Limits,
        pid: Option<u32>,
    ) {
        force(&mut self.table, op, obs, end, pid);
        if self.base.is_some() && op.mutates() {
            self.items.push_back(Item {
                id,
                start,
                end,
                op: op.clone(),
                obs: obs.clone(),
                lim,
                early: false,
                forced: true,
            });
        }
        self.commit();
    }

    /// A table-changing call entered.
    pub(crate) fn enter(&mut self, cand: Cand) {
        if self.cands.len() < 256 {
            self.cands.push(cand);
        }
    }

    /// A pending call ended without a result (`= ?`, killed, given up).
    pub(crate) fn abandon(&mut self, id: u64) {
        self.cands.retain(|c| c.id != id);
        self.committed_early.retain(|(i, _)| *i != id);
        while let Some(p) = self.items.iter().position(|it| it.id == id) {
            let Some(it) = self.items.remove(p) else {
                break;
            };
            match (&it.op, &it.obs) {
                (TOp::Reserve { .. }, Obs::Fds(r)) => {
                    for &n in r {
                        self.table.unreserve(Fd::new(n));
                    }
                }
                (TOp::Reserve { .. }, _) => {}
                _ => {
                    let _ = self.rebuild();
                }
            }
            self.lose();
        }
        self.commit();
    }

    /// Commits the whole window: the believed order becomes final. Early items
    /// stay applied and are remembered for their completion.
    pub(crate) fn settle(&mut self) {
        for it in self.items.drain(..) {
            if it.early {
                self.committed_early.push((it.id, it.obs));
            }
        }
        self.base = None;
        self.lossy = None;
    }

    /// Drops every pending registration (the tasks are gone: exec, exit).
    pub(crate) fn forget_pending(&mut self) {
        self.settle();
        for (_, obs) in self.committed_early.drain(..) {
            if let Obs::Fds(r) = obs {
                for &n in &r {
                    self.table.unreserve(Fd::new(n));
                }
            }
        }
        self.cands.clear();
        self.opaque = 0;
    }

    /// A call completed: check it against the table (searching the window when
    /// needed) and apply it.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn complete(
        &mut self,
        id: u64,
        start: u64,
        end: u64,
        op: &TOp,
        obs: &Obs,
        lim: Limits,
        entry_ok: bool,
        ch: Changes<'_>,
    ) -> Done {
        if self.is_quiet() {
            // No window, no candidates, no early items (the common case): what
            // the steps below come to, straight away.
            self.maybe_early = false;
            return self.complete_quiet(op, obs, lim, entry_ok, ch);
        }
        if let Some(p) = self.cands.iter().position(|c| c.id == id) {
            self.cands.swap_remove(p);
        }
        // One pass: how many early items the call has, and the first (none when
        // the window has no early item at all, the common case).
        let (mut steps, mut first_early) = (0usize, None);
        if self.maybe_early {
            let mut any = false;
            for (i, it) in self.items.iter().enumerate() {
                if it.early {
                    any = true;
                    if it.id == id {
                        steps += 1;
                        first_early.get_or_insert(i);
                    }
                }
            }
            self.maybe_early = any;
        }
        let committed = if self.committed_early.is_empty() {
            0
        } else {
            self.committed_early
                .iter()
                .filter(|(i, _)| *i == id)
                .count()
        };
        if steps + committed > 1 {
            if let Some(done) = self.confirm_steps(id, op, obs, end) {
                self.commit();
                return done;
            }
            return self.complete_windowed(id, start, end, op, obs, lim, entry_ok, ch, true);
        }
        if let Some(p) = first_early {
            if let Some(done) = self.confirm_early(p, op, obs, end) {
                self.commit();
                return done;
            }
            // The prediction was wrong: the call goes back to being unplaced.
            if let Some(Item {
                op: TOp::Reserve { .. },
                obs: Obs::Fds(r),
                ..
            }) = self.items.remove(p)
            {
                for &n in &r {
                    self.table.unreserve(Fd::new(n));
                }
            }
            return self.complete_windowed(id, start, end, op, obs, lim, entry_ok, ch, true);
        }
        if committed > 0 {
            if let Some(p) = self.committed_early.iter().position(|(i, _)| *i == id) {
                let (_, pred) = self.committed_early.swap_remove(p);
                return self.confirm_committed(op, obs, &pred);
            }
        }
        if self.is_quiet() {
            return self.complete_quiet(op, obs, lim, entry_ok, ch);
        }
        self.complete_windowed(id, start, end, op, obs, lim, entry_ok, ch, false)
    }

    /// [`Group::complete`] when nothing is left to reorder: the window (if any) is
    /// over, and the call applies to the table as it is.
    #[inline]
    fn complete_quiet(
        &mut self,
        op: &TOp,
        obs: &Obs,
        lim: Limits,
        entry_ok: bool,
        ch: Changes<'_>,
    ) -> Done {
        self.base = None;
        self.lossy = None;
        let check = apply(&mut self.table, op, obs, lim, ch);
        let check = match check {
            Check::Differ(_) if entry_ok => Check::Agree,
            c => c,
        };
        Done::plain(check)
    }

    #[allow(clippy::too_many_arguments)]
    fn complete_windowed(
        &mut self,
        id: u64,
        start: u64,
        end: u64,
        op: &TOp,
        obs: &Obs,
        lim: Limits,
        entry_ok: bool,
        ch: Changes<'_>,
        must_search: bool,
    ) -> Done {
        if self.base.is_none() {
            self.base = Some(self.table.snapshot());
        }
        let item = || Item {
            id,
            start,
            end,
            op: op.clone(),
            obs: obs.clone(),
            lim,
            early: false,
            forced: false,
        };
        let check = if must_search {
            None
        } else {
            Some(apply(&mut self.table, op, obs, lim, ch))
        };
        match check {
            Some(Check::Differ(_)) if entry_ok => {
                self.commit();
                Done::plain(Check::Agree)
            }
            Some(Check::Differ(pred)) => self.search_or_fail(item(), Check::Differ(pred)),
            Some(c) => {
                if op.mutates() {
                    self.items.push_back(item());
                }
                self.commit();
                Done::plain(c)
            }
            None => {
                let item = item();
                // Rebuild without the refuted early item, then check like a new call.
                let _ = self.rebuild();
                let mut s = self.table.snapshot();
                match apply(&mut s, &item.op, &item.obs, lim, None) {
                    Check::Differ(p) => self.search_or_fail(item, Check::Differ(p)),
                    c => {
                        self.table = s;
                        if item.op.mutates() {
                            self.items.push_back(item);
                        }
                        self.commit();
                        Done::plain(c)
                    }
                }
            }
        }
    }

    /// Whether an early item's prediction matches the call's real result; if so,
    /// finishes it (installs reserved numbers) and returns the verdict.
    fn confirm_early(&mut self, p: usize, op: &TOp, obs: &Obs, end: u64) -> Option<Done> {
        let pred = self.items[p].obs.clone();
        match (&self.items[p].op, &pred, obs) {
            (TOp::Reserve { .. }, Obs::Fds(r), Obs::Fds(o)) if r == o => {
                install_reserved(&mut self.table, op, r);
            }
            (TOp::Reserve { .. }, Obs::Fds(r), Obs::Err(e)) if *e != fdkit::Errno::MFILE => {
                // Reserved, then the call failed for another reason: released.
                for &n in r {
                    self.table.unreserve(Fd::new(n));
                }
                let _ = self.items.remove(p);
                self.lose();
                return Some(Done::plain(Check::Undecided));
            }
            (TOp::Reserve { .. }, Obs::Err(a), Obs::Err(b)) if a == b => {}
            (_, a, b) if same_result(a, b) => {}
            _ => return None,
        }
        let it = &mut self.items[p];
        it.op = op.clone();
        it.obs = obs.clone();
        it.end = end;
        it.early = false;
        Some(Done::plain(Check::Agree))
    }

    /// A pending allocation of several numbers that a search placed step by step
    /// (a pipe's two reservations, with other calls in between) completed: if
    /// the steps reserved what the call returned, install them; otherwise drop
    /// them (their numbers are released) and let the caller search again.
    fn confirm_steps(&mut self, id: u64, op: &TOp, obs: &Obs, end: u64) -> Option<Done> {
        let mut reserved: Vec<u32> = Vec::new();
        for (i, pred) in &self.committed_early {
            if *i == id {
                if let Obs::Fds(r) = pred {
                    reserved.extend(r);
                }
            }
        }
        for it in self.items.iter().filter(|it| it.id == id && it.early) {
            if let Obs::Fds(r) = &it.obs {
                reserved.extend(r);
            }
        }
        let entries = match op {
            TOp::Alloc {
                src: Src::New(v), ..
            } => v.clone(),
            _ => Vec::new(),
        };
        let matches =
            matches!(obs, Obs::Fds(o) if **o == reserved[..]) && entries.len() == reserved.len();
        if !matches {
            for &n in &reserved {
                self.table.unreserve(Fd::new(n));
            }
            self.items.retain(|it| !(it.id == id && it.early));
            self.committed_early.retain(|(i, _)| *i != id);
            let _ = self.rebuild();
            return None;
        }
        install_reserved(&mut self.table, op, &reserved);
        self.committed_early.retain(|(i, _)| *i != id);
        // Each step becomes the completed allocation of its number.
        let mut k = 0;
        for it in self.items.iter_mut().filter(|it| it.id == id && it.early) {
            let Obs::Fds(r) = it.obs.clone() else {
                continue;
            };
            let n = r.len();
            let (
                TOp::Alloc {
                    start,
                    cloexec,
                    kind,
                    ..
                },
                Some(part),
            ) = (op, entries.get(k..k + n))
            else {
                break;
            };
            it.op = TOp::Alloc {
                start: *start,
                cloexec: *cloexec,
                src: Src::New(part.to_vec()),
                kind: *kind,
                dirfd: None,
                pre: None,
            };
            it.end = end;
            it.early = false;
            k += n;
        }
        Some(Done::plain(Check::Agree))
    }

    /// An early item committed by force completed: its prediction is in the
    /// table already; if it was wrong, nothing can reorder it any more.
    fn confirm_committed(&mut self, op: &TOp, obs: &Obs, pred: &Obs) -> Done {
        match (pred, obs) {
            (Obs::Fds(r), Obs::Fds(o)) if r == o => {
                if matches!(op, TOp::Alloc { .. }) {
                    install_reserved(&mut self.table, op, r);
                }
                Done::plain(Check::Agree)
            }
            (a, b) if same_result(a, b) => Done::plain(Check::Agree),
            (Obs::Fds(r), _) => {
                for &n in r {
                    self.table.unreserve(Fd::new(n));
                }
                Done {
                    check: Check::Undecided,
                    searched: false,
                    bounded: true,
                }
            }
            _ => Done {
                check: Check::Undecided,
                searched: false,
                bounded: true,
            },
        }
    }

    /// Replays the window from `base` in its current order; false if some
    /// completed item no longer agrees (its logged result is then forced, so the
    /// table still reflects every observation).
    fn rebuild(&mut self) -> bool {
        let Some(base) = self.base.as_mut() else {
            return true;
        };
        let mut t = base.snapshot();
        let mut ok = true;
        for it in &mut self.items {
            if let Check::Differ(_) = it.replay(&mut t) {
                it.forced = true;
                force(&mut t, &it.op, &it.obs, it.end, None);
                ok = false;
            }
        }
        self.table = t;
        ok
    }

    /// The common repair, tried before a search: one pending call took effect just
    /// before this one (a `close` that freed the number an `open` got).
    fn quick_repair(&mut self, item: &mut Option<Item>) -> bool {
        let Some(it) = item.as_ref() else {
            return false;
        };
        for i in 0..self.cands.len().min(MAX_CANDS) {
            let c = &self.cands[i];
            if self.items.iter().any(|it| it.id == c.id) {
                continue;
            }
            let mut s = self.table.snapshot();
            let obs = run(&mut s, &c.op, c.lim);
            if let Check::Differ(_) = apply(&mut s, &it.op, &it.obs, it.lim, None) {
                continue;
            }
            let early = Item {
                id: c.id,
                start: c.start,
                end: u64::MAX,
                op: c.op.clone(),
                obs,
                lim: c.lim,
                early: true,
                forced: false,
            };
            self.items.push_back(early);
            self.maybe_early = true;
            self.items.extend(item.take());
            self.table = s;
            self.commit();
            return true;
        }
        false
    }

    fn search_or_fail(&mut self, item: Item, greedy: Check) -> Done {
        let mut item = Some(item);
        if self.quick_repair(&mut item) {
            return Done {
                check: Check::Agree,
                searched: true,
                bounded: false,
            };
        }
        let Some(item) = item else {
            return Done::plain(greedy);
        };
        match self.search(&item) {
            Outcome::Found => Done {
                check: Check::Agree,
                searched: true,
                bounded: false,
            },
            Outcome::NotFound { exhausted } => {
                let bounded = exhausted || self.lossy.is_some() || self.opaque > 0;
                if exhausted {
                    // The order the caller forces may be wrong: later failures
                    // around it are not decided either.
                    self.lose();
                }
                // The caller explains the result or forces it into the window.
                Done {
                    check: if bounded { Check::Undecided } else { greedy },
                    searched: true,
                    bounded,
                }
            }
        }
    }

    /// Searches for an order explaining the window plus `item`; on success the
    /// window and the table take that order.
    fn search(&mut self, item: &Item) -> Outcome {
        let Some(base) = self.base.as_mut() else {
            return Outcome::NotFound { exhausted: false };
        };
        let mut s = Search {
            items: Vec::new(),
            excludes: Vec::new(),
            requires: Vec::new(),
            required: 0,
            budget: SEARCH_BUDGET.min(u32::try_from(self.credit).unwrap_or(u32::MAX)),
            exhausted: false,
            seen: HashSet::default(),
            found: None,
            work: SearchWork::default(),
        };
        for it in self.items.iter().filter(|it| !it.early).chain(Some(item)) {
            for part in it.split() {
                if !s.push(part, true) {
                    return Outcome::NotFound { exhausted: true };
                }
            }
        }
        for c in self.cands.iter().take(MAX_CANDS) {
            let cand = |op: TOp| Item {
                id: c.id,
                start: c.start,
                end: u64::MAX,
                op,
                obs: Obs::Unknown,
                lim: c.lim,
                early: true,
                forced: false,
            };
            let whole = s.items.len();
            if !s.push(cand(c.op.clone()), false) {
                return Outcome::NotFound { exhausted: true };
            }
            if let TOp::Reserve { count } = c.op {
                // A pipe or socket pair takes its numbers one at a time, and
                // other calls may take numbers in between: offer the steps too,
                // each after the one before, as an alternative to all at once.
                for k in 0..count {
                    let i = s.items.len();
                    if !s.push(cand(TOp::Reserve { count: 1 }), false) {
                        return Outcome::NotFound { exhausted: true };
                    }
                    s.excludes[i] |= 1 << whole;
                    s.excludes[whole] |= 1 << i;
                    if k > 0 {
                        s.requires[i] |= 1 << (i - 1);
                    }
                }
            }
        }
        let mut t = base.snapshot();
        let mut order = Vec::new();
        let print = fingerprint(&t);
        s.work.slots += t.len() as u64 + t.reserved().len() as u64;
        s.dfs(&mut t, print, 0, &mut order);
        self.work.nodes += s.work.nodes;
        self.work.slots += s.work.slots;
        self.credit = self.credit.saturating_sub(s.work.nodes);
        match s.found.take() {
            Some((table, order)) => {
                let mut items = Vec::with_capacity(order.len());
                for (i, obs) in order {
                    let mut it = s.items[i].0.clone();
                    if it.early {
                        it.obs = obs;
                    }
                    items.push(it);
                }
                self.items = items.into();
                self.maybe_early = true;
                self.table = table;
                self.commit();
                Outcome::Found
            }
            None => Outcome::NotFound {
                exhausted: s.exhausted,
            },
        }
    }

    /// The window's invariant: replaying it from its base gives the table.
    #[cfg(test)]
    pub(crate) fn consistent(&mut self) -> bool {
        let Some(b) = self.base.as_mut() else {
            return true;
        };
        let mut t = b.snapshot();
        for it in &self.items {
            let mut it = it.clone();
            if let Check::Differ(_) = it.replay(&mut t) {
                force(&mut t, &it.op, &it.obs, it.end, None);
            }
        }
        fingerprint(&t) == fingerprint(&self.table)
    }

    /// Notes that an order was lost (an early placement dropped).
    fn lose(&mut self) {
        let now = self
            .items
            .iter()
            .map(|it| if it.end == u64::MAX { it.start } else { it.end })
            .max()
            .unwrap_or(0);
        self.lossy = Some(self.lossy.map_or(now, |l| l.max(now)));
    }

    /// Moves items whose place is fixed out of the window; forces the oldest out
    /// when the window is too long.
    fn commit(&mut self) {
        let min_cand = self.cands.iter().map(|c| c.start).min().unwrap_or(u64::MAX);
        while let Some(front) = self.items.front() {
            // The front's place is fixed when it completed before every other
            // call in the window entered. Looking for one that entered in time
            // usually stops at the next item or two (items are nearly in entry
            // order), so the common "not yet" costs little however long the window.
            let fixed = !front.early
                && front.end < min_cand
                && !self.items.iter().skip(1).any(|it| it.start <= front.end);
            if !fixed && self.items.len() <= MAX_WINDOW {
                break;
            }
            let Some(front) = self.items.pop_front() else {
                break;
            };
            if !fixed {
                self.doubt_overlaps(&front);
            }
            if front.early {
                self.committed_early.push((front.id, front.obs.clone()));
            }
            if let Some(b) = self.base.as_mut() {
                let mut front = front;
                let obs = front.obs.clone();
                if let Check::Differ(_) = front.replay(b) {
                    force(b, &front.op, &obs, front.end, None);
                }
            }
        }
        if self.is_quiet() {
            self.base = None;
            self.lossy = None;
        }
        if let Some(l) = self.lossy {
            let all_later =
                self.items.iter().all(|it| it.start > l) && self.cands.iter().all(|c| c.start > l);
            if all_later {
                self.lossy = None;
            }
        }
    }

    /// A forced commit loses the orders in which `front` came after calls that
    /// overlap it: the numbers they share become doubtful.
    fn doubt_overlaps(&mut self, front: &Item) {
        let mine = front.op.touch(&front.obs);
        let mut doubt = Vec::new();
        let mut all_mine = false;
        let mut note = |theirs: crate::op::Touch, doubt: &mut Vec<u32>| match (mine.all, theirs.all)
        {
            (false, false) => {
                doubt.extend(mine.fds().iter().filter(|x| theirs.fds().contains(x)));
            }
            (false, true) => all_mine = true,
            (true, false) => doubt.extend_from_slice(theirs.fds()),
            (true, true) => {}
        };
        for it in self.items.iter().filter(|it| it.start < front.end) {
            note(it.op.touch(&it.obs), &mut doubt);
        }
        for c in self
            .cands
            .iter()
            .filter(|c| c.start < front.end && c.id != front.id)
        {
            note(c.op.touch(&Obs::Unknown), &mut doubt);
        }
        if all_mine {
            doubt.extend_from_slice(mine.fds());
        }
        if !doubt.is_empty() {
            // An order was given up: a search that fails soon is not decided.
            self.lossy = Some(self.lossy.map_or(front.end, |l| l.max(front.end)));
        }
        for fd in doubt {
            self.known.unmark(fd);
        }
    }
}

/// Installs the descriptions of a completed allocation into numbers reserved for it.
fn install_reserved(t: &mut Table, op: &TOp, fds: &[u32]) {
    let (cloexec, entries): (bool, Vec<_>) = match op {
        TOp::Alloc {
            cloexec,
            src: Src::New(v),
            ..
        } => (*cloexec, v.clone()),
        _ => (false, Vec::new()),
    };
    for (i, &n) in fds.iter().enumerate() {
        let fd = Fd::new(n);
        if let Some(e) = entries.get(i) {
            if t.install(fd, e.clone()).is_ok() {
                let _ = t.set_cloexec(fd, cloexec);
                continue;
            }
        }
        t.unreserve(fd);
    }
}

/// Whether two results are the same for table purposes (`close` that failed to
/// flush still closed).
fn same_result(a: &Obs, b: &Obs) -> bool {
    a == b || matches!((a, b), (Obs::Ok(0), Obs::Err(e)) if *e != fdkit::Errno::BADF)
}

enum Outcome {
    Found,
    NotFound { exhausted: bool },
}

/// What searches cost: orders explored, and table slots read to fingerprint
/// them (kept so that tests can bound the work without timing it).
#[derive(Clone, Copy, Debug, Default)]
struct SearchWork {
    nodes: u64,
    slots: u64,
}

type Memo = HashSet<(u128, u64), BuildHasherDefault<Mix>>;

/// The depth-first search over orders of a window.
struct Search {
    /// Items and whether each is required (completed) or optional (pending).
    items: Vec<(Item, bool)>,
    /// Per item: the other optional items it excludes (alternative forms of the
    /// same pending call).
    excludes: Vec<u128>,
    /// Per item: the items that must be placed before it (earlier steps of one
    /// pending call).
    requires: Vec<u128>,
    required: u128,
    budget: u32,
    exhausted: bool,
    seen: Memo,
    found: Option<(Table, Vec<(usize, Obs)>)>,
    work: SearchWork,
}

impl Search {
    /// Adds an item; false when the search already holds [`MAX_SEARCH_ITEMS`]
    /// (the sets of placed items are `u128` bit masks), and then the window
    /// cannot be searched: its calls are not decided.
    fn push(&mut self, it: Item, required: bool) -> bool {
        if self.items.len() >= MAX_SEARCH_ITEMS {
            return false;
        }
        if required {
            self.required |= 1 << self.items.len();
        }
        self.items.push((it, required));
        self.excludes.push(0);
        self.requires.push(0);
        true
    }

    /// Explores the orders that extend `order` (the items in `placed`), from
    /// table `t` whose [`fingerprint`] is `print`.
    fn dfs(
        &mut self,
        t: &mut Table,
        print: u64,
        placed: u128,
        order: &mut Vec<(usize, Obs)>,
    ) -> bool {
        if placed & self.required == self.required {
            self.found = Some((t.snapshot(), order.clone()));
            return true;
        }
        self.work.nodes += 1;
        // Checked on one node in 16: a full fingerprint per node is the cost the
        // incremental one removes, and fuzzing builds keep debug assertions.
        if cfg!(debug_assertions) && self.work.nodes % 16 == 1 {
            assert_eq!(print, fingerprint(t), "incremental fingerprint drifted");
        }
        if !self.seen.insert((placed, print)) {
            return false;
        }
        // The two smallest completion lines among unplaced required items: an item
        // may go next only if it entered before every other one completed.
        // The smallest completion line among unplaced required items (of call
        // `id1`), and the smallest among other calls' items: an item may go next
        // only if it entered before every other call's item completed (the parts
        // of one split call do not constrain each other).
        let (mut m1, mut id1, mut m2) = (u64::MAX, None, u64::MAX);
        for (i, (it, req)) in self.items.iter().enumerate() {
            if *req && placed & (1 << i) == 0 {
                if it.end < m1 {
                    if id1 != Some(it.id) {
                        m2 = m1;
                    }
                    m1 = it.end;
                    id1 = Some(it.id);
                } else if it.end < m2 && id1 != Some(it.id) {
                    m2 = it.end;
                }
            }
        }
        // The items that may go next, in order.
        let mut eligible: u128 = 0;
        for i in 0..self.items.len() {
            if placed & (1 << i) != 0
                || placed & self.excludes[i] != 0
                || placed & self.requires[i] != self.requires[i]
            {
                continue;
            }
            let bound = if id1 == Some(self.items[i].0.id) {
                m2
            } else {
                m1
            };
            if self.items[i].0.start < bound {
                eligible |= 1 << i;
            }
        }
        while eligible != 0 {
            let i = eligible.trailing_zeros() as usize;
            eligible &= eligible - 1;
            let (it, req) = (&self.items[i].0, self.items[i].1);
            if self.budget == 0 {
                self.exhausted = true;
                return false;
            }
            self.budget -= 1;
            let s = &mut t.snapshot();
            let obs = if !req {
                run(s, &it.op, it.lim)
            } else if it.forced {
                force(s, &it.op, &it.obs, it.end, None);
                it.obs.clone()
            } else {
                if let Check::Differ(_) = apply(s, &it.op, &it.obs, it.lim, None) {
                    continue;
                }
                it.obs.clone()
            };
            // The new table's fingerprint from the numbers the step touched (all
            // of them for a range or a reservation): a search step costs what the
            // step does, not what the table holds.
            let touch = it.op.touch(&obs);
            self.work.slots += if touch.all {
                s.len() as u64 + s.reserved().len() as u64
            } else {
                touch.fds().len() as u64
            };
            let next = step_print(print, t, s, &touch);
            order.push((i, obs));
            if self.dfs(s, next, placed | (1 << i), order) {
                return true;
            }
            order.pop();
        }
        false
    }
}

/// A cheap multiplicative hasher for the memo keys and table fingerprints.
#[derive(Default)]
struct Mix(u64);

impl Hasher for Mix {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
    fn write_u128(&mut self, n: u128) {
        self.write_u64(n as u64);
        self.write_u64((n >> 64) as u64);
    }
}

/// A hash of a table's contents: numbers, descriptions (by
/// [`Description::id`](crate::Description::id), never reused), close-on-exec
/// and reservations.
///
/// It is the exclusive-or of every number's [`slot_print`], so that a search
/// step updates it from the numbers it touched alone.
fn fingerprint(t: &Table) -> u64 {
    let mut h = 0;
    for (fd, e, flags) in t.iter() {
        h ^= occupied_print(fd.get(), e.id(), flags.bits() & 1 != 0);
    }
    for &n in t.reserved() {
        h ^= reserved_print(n);
    }
    h
}

/// The [`fingerprint`] of `after`, a step away from `before` (whose fingerprint
/// is `print`) that changed only the numbers `touch` lists (or any, when `all`).
fn step_print(print: u64, before: &Table, after: &Table, touch: &Touch) -> u64 {
    if touch.all {
        return fingerprint(after);
    }
    let fds = touch.fds();
    // A number listed twice (`dup(6) = 6` forced after a divergence touches 6 as
    // source and result) counts once: exclusive-or would cancel it.
    fds.iter()
        .enumerate()
        .filter(|&(k, n)| !fds[..k].contains(n))
        .fold(print, |h, (_, &n)| {
            h ^ slot_print(before, n) ^ slot_print(after, n)
        })
}

/// Number `n`'s part of a table's [`fingerprint`] (0 when it is free).
fn slot_print(t: &Table, n: u32) -> u64 {
    let fd = Fd::new(n);
    match t.get(fd) {
        Some(e) => {
            let cloexec = t.fd_flags(fd).is_some_and(|f| f.bits() & 1 != 0);
            occupied_print(n, e.id(), cloexec)
        }
        None if t.is_reserved(fd) => reserved_print(n),
        None => 0,
    }
}

fn occupied_print(n: u32, id: u64, cloexec: bool) -> u64 {
    spread(spread(u64::from(n) << 1 | u64::from(cloexec)) ^ id)
}

fn reserved_print(n: u32) -> u64 {
    spread(u64::from(n) | 1 << 40)
}

/// A bijective 64-bit mixer (SplitMix64's finaliser): nearby inputs give
/// unrelated outputs, so exclusive-or sums of them rarely collide.
fn spread(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::desc::{Description, Kind, Origin, Status};
    use crate::op::{place_at, AllocKind, Entry};
    use std::sync::Arc;

    fn entry() -> Entry {
        Arc::new(Description::new(
            Kind::Path,
            "x",
            Status::known(0),
            Origin { line: 0, pid: None },
        ))
    }

    fn group(fds: &[u32]) -> Group {
        let mut t = Table::new();
        for &n in fds {
            place_at(&mut t, n, entry(), false);
        }
        Group::new(t, Known::default())
    }

    fn open() -> TOp {
        TOp::Alloc {
            start: 0,
            cloexec: false,
            src: Src::New(vec![entry()]),
            kind: AllocKind::New,
            dirfd: None,
            pre: None,
        }
    }

    const LIM: Limits = Limits {
        nofile: 1024,
        nr_open: Limits::DEFAULT_NR_OPEN,
    };

    #[test]
    fn doubt_behaves_as_the_list_it_replaced() {
        // The former representation: a list of distinct numbers, at most 4096.
        let mut list: Vec<u32> = Vec::new();
        let mut set = Doubt::default();
        let mut x: u64 = 7;
        for _ in 0..40_000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let r = (x >> 33) as u32;
            let fd = match r % 4 {
                0 => r % 70,
                1 => KNOWN_CAP - 40 + r % 80,
                2 => r % 9000,
                _ => r,
            };
            match (x >> 20) % 5 {
                0 | 1 => {
                    if !list.contains(&fd) && list.len() < 4096 {
                        list.push(fd);
                    }
                    set.insert(fd);
                }
                2 | 3 => {
                    if let Some(i) = list.iter().position(|&d| d == fd) {
                        list.swap_remove(i);
                    }
                    set.remove(fd);
                }
                _ => {
                    let last = fd.saturating_add((x >> 40) as u32 % 300);
                    list.retain(|&d| d < fd || d > last);
                    set.remove_range(fd, last);
                }
            }
            assert_eq!(set.len, list.len());
            assert_eq!(set.is_empty(), list.is_empty());
            let probe = (x >> 11) as u32 % 9100;
            assert_eq!(set.contains(probe), list.contains(&probe));
            assert_eq!(set.contains(fd), list.contains(&fd));
        }
    }

    #[test]
    fn a_number_freed_by_an_overlapping_close_may_be_reused_first() {
        // Thread A: close(3) enters at line 10, completes at 13.
        // Thread B: openat enters at 11 and completes at 12 returning 3.
        let mut g = group(&[0, 1, 2, 3]);
        g.enter(Cand {
            id: 1,
            start: 10,
            op: TOp::Close { fd: 3 },
            lim: LIM,
        });
        g.enter(Cand {
            id: 2,
            start: 11,
            op: TOp::Reserve { count: 1 },
            lim: LIM,
        });
        let d = g.complete(2, 11, 12, &open(), &Obs::Fds(Fds::one(3)), LIM, false, None);
        assert_eq!(d.check, Check::Agree);
        assert!(d.searched);
        assert!(g.consistent());
        let d = g.complete(
            1,
            10,
            13,
            &TOp::Close { fd: 3 },
            &Obs::Ok(0),
            LIM,
            false,
            None,
        );
        assert_eq!(d.check, Check::Agree);
        let fds: Vec<u32> = g.table.iter().map(|(f, _, _)| f.get()).collect();
        assert_eq!(fds, [0, 1, 2, 3]);
        assert!(g.consistent());
    }

    #[test]
    fn calls_that_do_not_overlap_keep_their_order() {
        // close(3) completed at line 5, before the open entered at 6: the open
        // cannot have come first, so it must get 3.
        let mut g = group(&[0, 1, 2, 3]);
        g.enter(Cand {
            id: 9,
            start: 1,
            op: TOp::Close { fd: 7 },
            lim: LIM,
        });
        let d = g.complete(
            1,
            5,
            5,
            &TOp::Close { fd: 3 },
            &Obs::Ok(0),
            LIM,
            false,
            None,
        );
        assert_eq!(d.check, Check::Agree);
        let d = g.complete(2, 6, 6, &open(), &Obs::Fds(Fds::one(4)), LIM, false, None);
        assert!(matches!(d.check, Check::Differ(_)), "{d:?}");
    }

    /// Found by fuzzing `fdkit check`: a 64 KiB log with 1,024 inherited
    /// descriptors and overlapping calls took 3.6 s, because every step of the
    /// order search hashed the whole table. A step now reads only the numbers it
    /// touched: the work per explored order is bounded by the calls, not the table.
    #[test]
    fn a_search_step_costs_what_the_step_touches_not_the_table_size() {
        let fds: Vec<u32> = (0..4000).collect();
        let mut g = group(&fds);
        for k in 0..6u32 {
            g.enter(Cand {
                id: u64::from(k) + 1,
                start: 10 + u64::from(k),
                op: TOp::Close { fd: 100 + k },
                lim: LIM,
            });
        }
        // No order of the pending closes lets an open return 5000: the search
        // explores them all and fails.
        let d = g.complete(
            99,
            20,
            21,
            &open(),
            &Obs::Fds(Fds::one(5000)),
            LIM,
            false,
            None,
        );
        assert!(d.searched);
        assert!(matches!(d.check, Check::Differ(_)), "{d:?}");
        let w = g.work;
        assert!(w.nodes > 60, "the search explored only {} orders", w.nodes);
        // One full fingerprint per search, then a few numbers per step.
        assert!(
            w.slots <= 2 * 4000 + 8 * w.nodes,
            "{} slots read for {} orders",
            w.slots,
            w.nodes
        );
    }

    /// Found by fuzzing `fdkit check`: a pending call that takes many numbers
    /// (a `recvmsg` with a large `SCM_RIGHTS` array) offers one search item per
    /// number, and the 129th shifted a bit out of the `u128` masks (a panic with
    /// overflow checks, a wrong mask without). Such a window is not searched.
    #[test]
    fn a_search_with_more_items_than_mask_bits_is_not_decided() {
        let mut g = group(&[0, 1, 2]);
        g.enter(Cand {
            id: 1,
            start: 10,
            op: TOp::Reserve { count: 200 },
            lim: LIM,
        });
        let d = g.complete(2, 11, 12, &open(), &Obs::Fds(Fds::one(9)), LIM, false, None);
        assert!(d.searched, "{d:?}");
        assert!(d.bounded, "{d:?}");
        assert_eq!(d.check, Check::Undecided, "{d:?}");
    }

    /// A search takes no more steps than the log has saved: when the credit is
    /// spent, the call is not decided (never a divergence), and the credit is
    /// what the search used up.
    #[test]
    fn a_search_stops_when_the_saved_credit_is_spent() {
        let fds: Vec<u32> = (0..40).collect();
        let mut g = group(&fds);
        for k in 0..6u32 {
            g.enter(Cand {
                id: u64::from(k) + 1,
                start: 10 + u64::from(k),
                op: TOp::Close { fd: 10 + k },
                lim: LIM,
            });
        }
        g.credit = 20;
        let d = g.complete(
            99,
            20,
            21,
            &open(),
            &Obs::Fds(Fds::one(500)),
            LIM,
            false,
            None,
        );
        assert!(d.bounded, "{d:?}");
        assert_eq!(d.check, Check::Undecided);
        assert!(g.work.nodes <= 20, "{} steps", g.work.nodes);
        assert_eq!(g.credit, 20 - g.work.nodes);
    }

    /// Found by fuzzing `fdkit check`: `dup(6) = 6`, forced after a divergence,
    /// touches 6 twice (source and result); folding both into the incremental
    /// fingerprint cancelled the change, two different tables looked alike, and
    /// the search could prune a state it never explored.
    #[test]
    fn a_number_touched_twice_counts_once_in_the_fingerprint() {
        let mut t = Table::new();
        for n in 0..8 {
            place_at(&mut t, n, entry(), n == 6);
        }
        let op = TOp::Alloc {
            start: 0,
            cloexec: false,
            src: Src::Dup(6),
            kind: AllocKind::Dup,
            dirfd: None,
            pre: None,
        };
        let obs = Obs::Fds(Fds::one(6));
        let touch = op.touch(&obs);
        assert_eq!(touch.fds(), [6, 6]);
        let mut s = t.snapshot();
        force(&mut s, &op, &obs, 1, None);
        assert_ne!(fingerprint(&s), fingerprint(&t), "the flag of 6 changed");
        assert_eq!(step_print(fingerprint(&t), &t, &s, &touch), fingerprint(&s));
    }
}

//! The table check of one call, and what follows a disagreement: explaining it
//! by the starting state, or reporting it and resynchronising with the log.

use super::*;
use crate::lin::{SEARCH_BUDGET, SEARCH_CREDIT_PER_CALL};

/// Whether the descriptors' state at the call's entry explains the observation
/// (a call that blocks looks its descriptors up when it starts).
pub(super) fn entry_ok(p: Option<&Pending>, op: &TOp, obs: &Obs) -> bool {
    let (Some(p), TOp::Use { n, .. }) = (p, op) else {
        return false;
    };
    let states: Vec<bool> = p.at_entry[..*n as usize]
        .iter()
        .map(|s| s.as_ref().is_some_and(|(open, _)| *open))
        .collect();
    if p.at_entry[..*n as usize].iter().any(Option::is_none) {
        return false;
    }
    match obs {
        Obs::Err(Errno::BADF) => states.iter().any(|o| !o),
        Obs::Unknown => false,
        _ => states.iter().all(|o| *o),
    }
}

/// Marks the numbers a checked operation pinned down as known; `pinned`:
/// [`TOp::pinned`] of `op` and `obs`, if the caller has it already.
#[inline]
pub(super) fn mark_known(
    g: &mut crate::lin::Group,
    op: &TOp,
    obs: &Obs,
    pinned: Option<crate::op::Touch>,
) {
    if g.known.all && g.known.doubt.is_empty() && g.known.doubt_cloexec.is_empty() {
        return;
    }
    if let TOp::CloseRange(Ok(r)) = op {
        if let Obs::Ok(_) = obs {
            g.known.mark_range(r.first(), r.last());
            return;
        }
    }
    let pinned = match pinned {
        Some(p) => p,
        None => op.pinned(obs),
    };
    if g.known.settled() {
        // Nothing doubtful to clear: marking only records the numbers.
        for &fd in pinned.fds() {
            g.known.record(fd);
        }
        return;
    }
    for &fd in pinned.fds() {
        g.known.mark(fd);
    }
    // Settling a close-on-exec flag only removes it from the doubtful ones.
    if !g.known.doubt_cloexec.is_empty() {
        for &fd in op.sets_cloexec(obs).fds() {
            g.known.mark_cloexec(fd);
        }
    }
}

impl Replay {
    /// Checks `op` against the caller's table and applies it; reports a divergence
    /// (after trying to explain it by the unknown starting state) and
    /// resynchronises.
    #[inline]
    pub(crate) fn table_op(
        &mut self,
        c: &mut Ctx<'_>,
        op: &TOp,
        obs: &Obs,
        what: &'static str,
        sink: &mut dyn Sink,
    ) -> Check {
        self.table_op_with(c, op, obs, what, false, sink)
    }

    /// An allocation whose new numbers the log does not name (`pipe2([...], 0) = 0`
    /// under `strace -s 0`): the descriptors are created where a lone caller's
    /// would go (the lowest free numbers), but those numbers are *doubtful*, the
    /// way a divergence leaves them: what later calls show about them is learned,
    /// never reported, and the call itself is not decided.
    pub(super) fn alloc_unnamed(
        &mut self,
        c: &mut Ctx<'_>,
        op: &TOp,
        count: usize,
        sink: &mut dyn Sink,
    ) -> Check {
        let Some((gid, lim)) = self.gid_limits(c.pid) else {
            return Check::Undecided;
        };
        let TOp::Alloc { start, .. } = op else {
            return Check::Undecided;
        };
        let Some(g) = self.group(gid) else {
            return Check::Undecided;
        };
        let mut nums = Vec::with_capacity(count);
        let mut from = *start;
        for _ in 0..count {
            let n = g.table.lowest_free_from(from);
            if n >= u64::from(lim.nofile) {
                return Check::Undecided;
            }
            nums.push(n as u32);
            from = n as u32 + 1;
        }
        let obs = Obs::Fds(nums.iter().copied().collect());
        self.table_op_with(c, op, &obs, "descriptor", true, sink);
        if let Some(g) = self.group_mut(gid) {
            for n in nums {
                g.known.unmark(n);
            }
        }
        Check::Undecided
    }

    /// [`Replay::table_op`]; with `guess`, `obs` is the model's own placement of
    /// numbers the log did not name, so a disagreement is applied, not reported.
    fn table_op_with(
        &mut self,
        c: &mut Ctx<'_>,
        op: &TOp,
        obs: &Obs,
        what: &'static str,
        guess: bool,
        sink: &mut dyn Sink,
    ) -> Check {
        let Some((gid, lim)) = c.at.or_else(|| self.gid_limits(c.pid)) else {
            return Check::Undecided;
        };
        let id = c.id(self);
        let entry_ok = c.pending.is_some() && entry_ok(c.pending.as_deref(), op, obs);
        let events = self.events;
        // The buffer of changes is reused; without events there is none.
        let mut changes = events.then(|| std::mem::take(&mut self.changes));
        let credit = (self.search_credit + SEARCH_CREDIT_PER_CALL).min(u64::from(SEARCH_BUDGET));
        let Some(g) = self.group_mut(gid) else {
            return Check::Undecided;
        };
        g.credit = credit;
        let ch = changes.as_mut();
        let done = g.complete(id, c.entered, c.completed, op, obs, lim, entry_ok, ch);
        c.consumed = true;
        if changes.is_none()
            && !done.searched
            && !done.bounded
            && self.provisional.is_empty()
            && !matches!(done.check, Check::Differ(_))
        {
            // The common case, what the general steps below come to: a check the
            // table decided at once, nothing to report, learn or emit.
            if let Some(g) = self.group_mut(gid) {
                mark_known(g, op, obs, c.pinned);
                self.search_credit = g.credit;
            }
            return done.check;
        }
        self.table_op_end(c, (gid, lim, id), op, obs, what, guess, done, changes, sink)
    }

    /// The rest of [`Replay::table_op_with`] after the group completed the call
    /// (`done`): a divergence, a reordering, confirmed inferences, a bounded
    /// search, events.
    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    fn table_op_end(
        &mut self,
        c: &mut Ctx<'_>,
        (gid, lim, id): (u32, Limits, u64),
        op: &TOp,
        obs: &Obs,
        what: &'static str,
        guess: bool,
        done: crate::lin::Done,
        mut changes: Option<Vec<Change>>,
        sink: &mut dyn Sink,
    ) -> Check {
        let mut check = done.check;
        if let (Check::Differ(_), true) = (&check, guess) {
            if let Some(g) = self.group_mut(gid) {
                g.force_item(id, c.entered, c.completed, op, obs, lim, c.pid_opt());
            }
            check = Check::Undecided;
        } else if let Check::Differ(pred) = &check {
            let pred = pred.clone();
            let at = (id, c.entered, c.completed);
            let mut none = Vec::new();
            let buf = changes.as_mut().unwrap_or(&mut none);
            check = self.diverge(c, gid, at, op, obs, lim, pred, what, buf, sink);
        } else if let Some(g) = self.group_mut(gid) {
            mark_known(g, op, obs, c.pinned);
        }
        if done.searched && check == Check::Agree {
            self.summary.reordered += 1;
        }
        if !self.provisional.is_empty() && matches!(obs, Obs::Ok(_) | Obs::Fds(_)) {
            // A successful use confirms an inference that rested on skipped numbers.
            // At most three looked up, plus a closed one: no allocation per call.
            let closed = match op {
                TOp::Close { fd } => Some(*fd),
                _ => None,
            };
            let mut used = [0u32; 4];
            let mut n = 0;
            for fd in op.used().chain(closed) {
                used[n] = fd;
                n += 1;
            }
            self.confirm_uses(&used[..n], sink);
        }
        if done.bounded {
            // The log's result stands, unchecked.
            if let Some(g) = self.group_mut(gid) {
                g.force_item(id, c.entered, c.completed, op, obs, lim, c.pid_opt());
            }
            self.summary.bounded += 1;
            sink.note(&Note {
                line: c.completed,
                pid: c.pid_opt(),
                call: c.text(),
                reason:
                    "the concurrent calls around it could not be ordered within the search bound",
            });
        }
        if let Some(changes) = changes.as_mut() {
            self.emit_changes(c, changes, obs, sink);
            self.emit_uses(c, gid, op, obs, sink);
            if let (TOp::SetCloexec { fd, on, .. }, Obs::Ok(_)) = (op, obs) {
                sink.event(&Event::CloexecChanged {
                    line: c.completed,
                    pid: c.pid_opt(),
                    syscall: c.name.to_owned(),
                    fd: *fd,
                    on: *on,
                });
            }
        }
        if let Some(mut changes) = changes {
            changes.clear();
            self.changes = changes;
        }
        // What the searches of this call (and of explaining a divergence) left.
        if let Some(left) = self.group(gid).map(|g| g.credit) {
            self.search_credit = left;
        }
        check
    }

    /// A result the table decided otherwise: explain it by the starting state if
    /// possible, else report it and make the table agree with the log.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn diverge(
        &mut self,
        c: &Ctx<'_>,
        gid: u32,
        at: (u64, u64, u64),
        op: &TOp,
        obs: &Obs,
        lim: Limits,
        pred: Predicted,
        what: &'static str,
        changes: &mut Vec<Change>,
        sink: &mut dyn Sink,
    ) -> Check {
        if let Some(check) = self.explain(c.pid, gid, at, op, obs, lim, &c.text(), changes, sink) {
            return check;
        }
        let Some(g) = self.group_mut(gid) else {
            return Check::Differ(pred);
        };
        let table = list(&g.table);
        // Offsets moved through these descriptors are no longer certain, and what
        // the resynchronisation displaces may be what the program still uses.
        let touched = op.touched(obs).unwrap_or_default();
        let before: Vec<(u32, Option<Entry>, bool)> = touched
            .iter()
            .map(|&fd| {
                let e = g.table.get(Fd::new(fd)).cloned();
                if let Some(d) = &e {
                    d.set_offset(None);
                }
                let cloexec = g
                    .table
                    .fd_flags(Fd::new(fd))
                    .is_some_and(|f| f.bits() & 1 != 0);
                (fd, e, cloexec)
            })
            .collect();
        let (id, start, end) = at;
        g.force_item(id, start, end, op, obs, lim, c.pid_opt());
        for (fd, old, cloexec) in before {
            let now = g.table.get(Fd::new(fd));
            if let Some(old) = old {
                if !now.is_some_and(|n| Arc::ptr_eq(n, &old)) {
                    g.known.add_alias(fd, old, cloexec);
                }
            }
        }
        for fd in op.touched(obs).unwrap_or_default() {
            if let Some(d) = g.table.get(Fd::new(fd)) {
                d.set_offset(None);
            }
        }
        for fd in op.touched(obs).unwrap_or_default() {
            g.known.unmark(fd);
        }
        if let TOp::GetFd { fd } = op {
            g.known.doubt_cloexec.push(*fd);
        }
        if let (Predicted::Fds(p), Obs::Fds(r)) = (&pred, obs) {
            // The program will likely use the number the model expected: if it
            // does, it means the description the log's number got.
            for (i, &fd) in p.iter().enumerate() {
                g.known.unmark(fd);
                if let Some(e) = r.get(i).and_then(|&n| g.table.get(Fd::new(n))).cloned() {
                    let cloexec = g
                        .table
                        .fd_flags(Fd::new(r[i]))
                        .is_some_and(|f| f.bits() & 1 != 0);
                    g.known.add_alias(fd, e, cloexec);
                }
            }
        } else if let Predicted::Fds(v) = &pred {
            for &fd in v {
                g.known.unmark(fd);
            }
        }
        self.report(c, what, pred.to_string(), table, Some(obs), sink);
        Check::Differ(pred)
    }

    pub(super) fn report(
        &mut self,
        c: &Ctx<'_>,
        what: &'static str,
        predicted: String,
        table: Vec<crate::report::FdView>,
        observed: Option<&Obs>,
        sink: &mut dyn Sink,
    ) {
        let outcome = c.outcome();
        let mut expected = match &outcome {
            Some(o) => o.to_string(),
            None => "?".to_owned(),
        };
        // Calls whose new descriptors are not the return value (`pipe2`,
        // `socketpair`, `recvmsg`, `clone` with `CLONE_PIDFD`): show them.
        if let Some(Obs::Fds(r)) = observed {
            let returned = outcome.and_then(|o| o.int());
            if r.len() != 1 || returned != Some(i64::from(r[0])) {
                expected = Predicted::Fds(r.to_vec()).to_string();
            }
        }
        sink.divergence(&Divergence {
            line: c.completed,
            entered: c.entered,
            pid: c.pid_opt(),
            syscall: c.name.to_owned(),
            call: c.text(),
            what,
            expected,
            predicted,
            table,
        });
    }

    /// [`Event::Used`] for each descriptor `op` looked up, when the call did not
    /// fail with `EBADF` and the descriptor is open after it.
    fn emit_uses(&self, c: &Ctx<'_>, gid: u32, op: &TOp, obs: &Obs, sink: &mut dyn Sink) {
        if *obs == Obs::Err(Errno::BADF) {
            return;
        }
        let Some(g) = self.group(gid) else {
            return;
        };
        for fd in op.used() {
            if let Some(desc) = g.table.get(Fd::new(fd)) {
                sink.event(&Event::Used {
                    line: c.completed,
                    pid: c.pid_opt(),
                    syscall: c.name.to_owned(),
                    fd,
                    desc: desc.clone(),
                });
            }
        }
    }

    pub(super) fn emit_changes(
        &mut self,
        c: &Ctx<'_>,
        changes: &mut Vec<Change>,
        obs: &Obs,
        sink: &mut dyn Sink,
    ) {
        let (line, pid) = (c.completed, c.pid_opt());
        let gid = self.gid(c.pid);
        for ch in changes.drain(..) {
            match ch {
                Change::Installed { fd, entry } => {
                    let cloexec = gid
                        .and_then(|g| self.group(g))
                        .and_then(|g| g.table.fd_flags(Fd::new(fd)))
                        .is_some_and(|f| f.bits() & 1 != 0);
                    sink.event(&Event::Created {
                        line,
                        pid,
                        syscall: c.name.to_owned(),
                        fd,
                        cloexec,
                        desc: entry,
                    });
                }
                Change::Closed { fd, entry } => {
                    let cause = match c.name {
                        "close" => CloseCause::Close,
                        "close_range" => CloseCause::CloseRange,
                        _ => CloseCause::Replaced,
                    };
                    sink.event(&Event::Closed {
                        line,
                        pid,
                        fd,
                        cause,
                        desc: entry,
                    });
                }
            }
        }
        match obs {
            Obs::Err(Errno::BADF) => {
                if let Some(fd) = Argv::new(c.args).fd(0) {
                    sink.event(&Event::BadDescriptor {
                        line,
                        pid,
                        syscall: c.name.to_owned(),
                        fd,
                    });
                }
            }
            Obs::Err(Errno::MFILE) => {
                let open = gid.and_then(|g| self.group(g)).map_or(0, |g| g.table.len());
                sink.event(&Event::TooManyFiles {
                    line,
                    pid,
                    syscall: c.name.to_owned(),
                    open,
                });
            }
            _ => {}
        }
    }

    /// Reports a divergence found outside the table (flags, offsets, limits).
    pub(super) fn report_beyond_table(
        &mut self,
        c: &Ctx<'_>,
        what: &'static str,
        predicted: String,
        sink: &mut dyn Sink,
    ) {
        let table = self
            .gid(c.pid)
            .and_then(|g| self.group(g))
            .map(|g| list(&g.table))
            .unwrap_or_default();
        self.report(c, what, predicted, table, None, sink);
    }
}

//! Calls that only use descriptors (`read`, `fstat`, `*at` calls...): `EBADF`
//! iff a descriptor is not open (or has the wrong access mode), and the file
//! offsets that follow from reads, writes and `lseek`.

use super::*;
use crate::report::WHAT_EBADF;

impl Replay {
    /// A call that only uses descriptors: `EBADF` iff one is not open (or has the
    /// wrong access mode).
    pub(super) fn use_fds(
        &mut self,
        c: &mut Ctx<'_>,
        fds: &[u32],
        need: Need,
        fd_first: bool,
        obs: &Obs,
        sink: &mut dyn Sink,
    ) -> Check {
        if fds.is_empty() {
            return Check::Undecided;
        }
        let mut arr = [0u32; 2];
        let n = fds.len().min(2);
        arr[..n].copy_from_slice(&fds[..n]);
        let need = Need {
            fd_first: need.fd_first || fd_first,
            ..need
        };
        self.learn_links(c, fds);
        let op = TOp::Use {
            fds: arr,
            n: n as u8,
            need,
        };
        self.table_op(c, &op, obs, WHAT_EBADF, sink)
    }

    /// Replaces placeholder links with the call's `-y` decorations.
    pub(super) fn learn_links(&self, c: &Ctx<'_>, fds: &[u32]) {
        if !c.args.contains('<') {
            return;
        }
        for a in Args::from_text(c.args).iter().take(6) {
            if let (Some(n), Some(deco)) = (a.int(), a.decoration()) {
                if fds.contains(&(n as u32)) {
                    if let Some(d) = self.lookup(c.pid, n as u32) {
                        d.learn_link(deco);
                    }
                }
            }
        }
    }

    /// A call of class [`Class::Use`] whose descriptor arguments decoded to
    /// `slots`; the position argument of `pread`-like calls is read at completion
    /// (strace prints it after the buffer).
    pub(super) fn generic_use(
        &mut self,
        c: &mut Ctx<'_>,
        u: Use,
        slots: [Option<u32>; 2],
        obs: Obs,
        sink: &mut dyn Sink,
    ) -> Check {
        let mut fds = Vec::with_capacity(2);
        let mut need = Need {
            raw: u.raw,
            fd_first: u.fd_first,
            ..Need::default()
        };
        for (k, &i) in u.fds.iter().enumerate() {
            if i == u8::MAX {
                continue;
            }
            match slots[k] {
                Some(fd) => {
                    let j = fds.len();
                    need.read[j] = u.read[k];
                    need.write[j] = u.write[k];
                    fds.push(fd);
                }
                None => return Check::Undecided,
            }
        }
        let check = self.use_fds(c, &fds, need, u.fd_first, &obs, sink);
        let diverged = matches!(check, Check::Differ(_));
        let mut a = Argv::new(c.args);
        for (k, eff) in [u.offset, u.offset2].into_iter().enumerate() {
            if let Some(&fd) = fds.get(k) {
                let eff = if diverged { Offset::Lose } else { eff };
                self.advance(c, k, fd, eff, &mut a, &obs);
            }
        }
        check
    }

    /// The entry-time description of descriptor `k` (or the current one).
    pub(super) fn use_desc(&self, c: &mut Ctx<'_>, k: usize, fd: u32) -> (Option<Entry>, bool) {
        let registered = c.pending.as_mut().and_then(|p| p.uses[k].take());
        match registered {
            Some(d) => (Some(d), true),
            None => (self.lookup(c.pid, fd), false),
        }
    }

    /// Moves the offset of descriptor `k`'s description after a read or write.
    pub(super) fn advance(
        &mut self,
        c: &mut Ctx<'_>,
        k: usize,
        fd: u32,
        eff: Offset,
        a: &mut Argv<'_>,
        obs: &Obs,
    ) {
        let (d, registered) = self.use_desc(c, k, fd);
        let Some(d) = d else {
            return;
        };
        let concurrent = d.finish_use(c.entered, c.completed, registered);
        if !d.has_offset() {
            return;
        }
        let advance = match eff {
            Offset::Keep => return,
            Offset::Lose => {
                d.set_offset(None);
                return;
            }
            Offset::Advance => true,
            Offset::AdvanceWithoutPos(i) => {
                let t = a.text(i as usize);
                t == "NULL" || flags::int(t) == Some(-1)
            }
        };
        if !advance {
            return;
        }
        let Obs::Ok(r) = *obs else {
            return;
        };
        let is_write = c.name.starts_with("write") || c.name.starts_with("pwrite") || k == 1;
        let append = d.status().unknown & OFlags::APPEND.bits() != 0
            || d.status().bits & OFlags::APPEND.bits() != 0;
        if concurrent || (is_write && append) || r < 0 {
            d.set_offset(None);
        } else {
            d.set_offset(d.offset().map(|o| o.saturating_add(r as u64)));
        }
    }

    /// `lseek(fd, off, whence)`.
    pub(super) fn lseek(
        &mut self,
        c: &mut Ctx<'_>,
        fd: u32,
        off: Option<i64>,
        whence: Whence,
        obs: Obs,
        sink: &mut dyn Sink,
    ) -> Check {
        let check = self.use_fds(c, &[fd], Need::default(), true, &obs, sink);
        let (d, registered) = self.use_desc(c, 0, fd);
        let Some(d) = d else {
            return check;
        };
        let concurrent = d.finish_use(c.entered, c.completed, registered);
        if check != Check::Agree || !d.has_offset() {
            return check;
        }
        let Obs::Ok(r) = obs else {
            return check;
        };
        let pred = match whence {
            Whence::Set => off.filter(|o| *o >= 0),
            Whence::Cur if !concurrent => match (d.offset(), off) {
                (Some(cur), Some(o)) => i64::try_from(cur)
                    .ok()
                    .and_then(|c| c.checked_add(o))
                    .filter(|v| *v >= 0),
                _ => None,
            },
            _ => None,
        };
        match pred {
            Some(p) if p == r => {
                d.set_offset(u64::try_from(r).ok());
                check
            }
            Some(p) => {
                // Which of the two is right is for the next call to tell.
                d.set_offset(None);
                self.report_beyond_table(c, "offset", p.to_string(), sink);
                Check::Differ(Predicted::Value(p))
            }
            None => {
                d.set_offset(if concurrent {
                    None
                } else {
                    u64::try_from(r).ok()
                });
                Check::Undecided
            }
        }
    }

    pub(super) fn at_call(
        &mut self,
        c: &mut Ctx<'_>,
        at: At,
        obs: Obs,
        sink: &mut dyn Sink,
    ) -> Check {
        let mut a = Argv::new(c.args);
        let empty_path = at.flags != u8::MAX
            && flags::has(
                a.text(at.flags as usize),
                name::AT_EMPTY_PATH,
                fs::AT_EMPTY_PATH,
            );
        let mut fds = Vec::with_capacity(2);
        let mut nonempty = true;
        for (di, pi) in at.pairs {
            if di == u8::MAX {
                continue;
            }
            let Some(dirfd) = a.fd(di as usize) else {
                return Check::Undecided;
            };
            if dirfd == AT_FDCWD {
                continue;
            }
            let path_text = a.text(pi as usize);
            let used = match unquote(path_text) {
                Some("") => {
                    nonempty = false;
                    empty_path || at.empty_is_fd
                }
                Some(p) => !p.starts_with('/'),
                None => path_text == "NULL" && at.empty_is_fd,
            };
            if used {
                fds.push(dirfd);
            }
        }
        if fds.is_empty() {
            return Check::Undecided;
        }
        let need = Need {
            raw: true,
            ..Need::default()
        };
        self.use_fds(c, &fds, need, nonempty, &obs, sink)
    }
}

//! Processes: `clone`/`fork`/`vfork`/`clone3`, `execve`, and `RLIMIT_NOFILE`.

use super::*;

impl Replay {
    /// A clone-family call with clone flags `fl`; its pidfd is read at completion.
    pub(super) fn clone_call(
        &mut self,
        c: &mut Ctx<'_>,
        fl: u64,
        obs: Obs,
        sink: &mut dyn Sink,
    ) -> Check {
        let Obs::Ok(child) = obs else {
            return Check::Undecided;
        };
        let Ok(child) = u32::try_from(child) else {
            return Check::Undecided;
        };
        let parent = self.tasks.get(&child).map(|t| t.parent);
        match parent {
            // Attached on its first line to this very clone.
            Some(Some(p)) if p == c.pid => {}
            // A stale task of a reused pid, or attached to another pending
            // clone: this clone's child replaces it.
            Some(_) => {
                self.exit_task(child, sink);
                self.spawn(c.pid, child, fl);
            }
            None => self.spawn(c.pid, child, fl),
        }
        if self.orphans.holds(child) {
            self.orphans.adopted.push(child);
        }
        if fl & flags::clone::PIDFD == 0 {
            return Check::Undecided;
        }
        // The pidfd is written to parent_tid (clone) or to pidfd (clone3).
        let mut a = Argv::new(c.args);
        let text = if c.name == "clone3" {
            c.args.rsplit("pidfd=").next().unwrap_or("")
        } else {
            a.named("parent_tid").unwrap_or("")
        };
        let Some(fds) = int_array(
            text.split(['}', ','])
                .next()
                .map(|s| s.trim())
                .unwrap_or(""),
        )
        .or_else(|| int_array(text)) else {
            return Check::Undecided;
        };
        let Some(&(pidfd, _)) = fds.first() else {
            return Check::Undecided;
        };
        let desc = Arc::new(Description::new(
            Kind::Anon,
            "anon_inode:[pidfd]",
            Status::unknown(),
            self.origin(c.pid),
        ));
        let op = TOp::Alloc {
            start: 0,
            cloexec: true,
            src: Src::New(vec![desc]),
            kind: AllocKind::New,
            dirfd: None,
            pre: None,
        };
        self.table_op(c, &op, &Obs::Fds(Fds::one(pidfd)), "descriptor", sink)
    }

    pub(super) fn exec(
        &mut self,
        c: &mut Ctx<'_>,
        at: bool,
        obs: Obs,
        sink: &mut dyn Sink,
    ) -> Check {
        if obs != Obs::Ok(0) {
            return Check::Undecided;
        }
        let pid = c.pid;
        let Some(tgid) = self.tasks.get(&pid).map(|t| t.tgid) else {
            return Check::Undecided;
        };
        // de_thread: every other thread of the process is gone.
        let others: Vec<u32> = self
            .tasks
            .iter()
            .filter(|(p, t)| t.tgid == tgid && **p != pid)
            .map(|(p, _)| *p)
            .collect();
        for o in others {
            if let Some(t) = self.tasks.remove(&o) {
                if let Some(g) = self.group_mut(t.group) {
                    g.refs = g.refs.saturating_sub(1);
                }
                if let Some(pr) = self.procs.get_mut(&tgid) {
                    pr.tasks = pr.tasks.saturating_sub(1);
                }
            }
        }
        // unshare_files, then the close-on-exec sweep.
        self.unshare(pid, u32::MAX);
        self.flush_events(sink);
        let Some(gid) = self.gid(pid) else {
            return Check::Undecided;
        };
        let events = self.events;
        let line = self.line;
        let Some(g) = self.group_mut(gid) else {
            return Check::Undecided;
        };
        g.forget_pending();
        // Whether a descriptor with a doubtful close-on-exec flag survives is
        // itself doubtful.
        for fd in std::mem::take(&mut g.known.doubt_cloexec) {
            g.known.unmark(fd);
            if let Some(e) = g.table.get(Fd::new(fd)).cloned() {
                g.known.add_alias(fd, e, false);
            }
        }
        let closing: Vec<(u32, Entry)> = if events {
            g.table
                .iter()
                .filter(|(_, _, f)| f.bits() & 1 != 0)
                .map(|(fd, e, _)| (fd.get(), e.clone()))
                .collect()
        } else {
            Vec::new()
        };
        let closed_count = {
            let closed = g.table.close_on_exec();
            closed.len()
        };
        let _ = closed_count;
        let kept = if events { list(&g.table) } else { Vec::new() };
        if events {
            for (fd, desc) in closing {
                sink.event(&Event::Closed {
                    line,
                    pid: c.pid_opt(),
                    fd,
                    cause: CloseCause::Exec,
                    desc,
                });
            }
            let mut a = Argv::new(c.args);
            let program = unquote(a.text(usize::from(at))).unwrap_or("?").to_owned();
            sink.event(&Event::Exec {
                line,
                pid: tgid,
                program,
                inherited: kept,
            });
        }
        Check::Undecided
    }

    pub(super) fn rlimit(
        &mut self,
        c: &mut Ctx<'_>,
        class: Class,
        obs: Obs,
        sink: &mut dyn Sink,
    ) -> Check {
        if obs != Obs::Ok(0) {
            return Check::Undecided;
        }
        let mut a = Argv::new(c.args);
        let (res_i, new_i, old_i, target) = match class {
            Class::Prlimit => (1, Some(2), Some(3), a.int(0).unwrap_or(0)),
            Class::Setrlimit => (0, Some(1), None, 0),
            _ => (0, None, Some(1), 0),
        };
        let res = flags::strip_comment(a.text(res_i));
        if res != name::RLIMIT_NOFILE && flags::int(res) != Some(fs::RLIMIT_NOFILE as i64) {
            return Check::Undecided;
        }
        let tgid = if target == 0 {
            self.tasks.get(&c.pid).map(|t| t.tgid)
        } else {
            u32::try_from(target)
                .ok()
                .and_then(|t| self.tasks.get(&t))
                .map(|t| t.tgid)
        };
        let Some(tgid) = tgid else {
            return Check::Undecided;
        };
        let mut check = Check::Undecided;
        if let Some(old) = old_i.and_then(|i| flags::rlim_cur(a.text(i))) {
            if let Some(p) = self.procs.get_mut(&tgid) {
                if p.nofile_known {
                    if p.nofile == old {
                        check = Check::Agree;
                    } else {
                        let pred = p.nofile;
                        p.nofile = old;
                        self.report_beyond_table(c, name::RLIMIT_NOFILE, pred.to_string(), sink);
                        check = Check::Differ(Predicted::Value(pred as i64));
                    }
                } else {
                    p.nofile = old;
                    p.nofile_known = true;
                }
            }
        }
        if let Some(new) = new_i.and_then(|i| flags::rlim_cur(a.text(i))) {
            if let Some(p) = self.procs.get_mut(&tgid) {
                p.nofile = new;
                p.nofile_known = true;
            }
        }
        check
    }
}

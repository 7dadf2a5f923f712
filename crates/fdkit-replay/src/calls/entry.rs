//! What a call registers when it *enters* (`<unfinished ...>`): the pending
//! table change a concurrency search may place early, and the state its
//! descriptors had at entry.

use super::*;

impl Replay {
    /// The call pending on `pid` just entered: register what a concurrency search
    /// needs, and the state its descriptors had at entry.
    pub(crate) fn on_entry(&mut self, pid: u32) {
        let Some(task) = self.tasks.get(&pid) else {
            return;
        };
        let Some(p) = task.pending.as_ref() else {
            return;
        };
        let gid = task.group;
        let shared = self.group(gid).is_some_and(|g| g.refs > 1);
        let class = p.class;
        let mut a = Argv::new(&p.args);
        let (id, start) = (p.id, p.entered);
        let lim = self.limits(pid);
        let mut cand: Option<TOp> = None;
        let mut opaque = false;
        let mut watch: [Option<u32>; 2] = [None, None];
        let mut offset_use = false;
        match class {
            Class::Close => cand = a.fd(0).map(|fd| TOp::Close { fd }),
            Class::Dup => cand = a.fd(0).map(|old| dup_op(old, 0, false, AllocKind::Dup)),
            Class::Dup2 | Class::Dup3 => {
                if let (Some(old), Some(new)) = (a.fd(0), a.fd(1)) {
                    let fl = if class == Class::Dup3 {
                        flags::eval(a.text(2), flags::oflag).map(|f| Some(f as u32))
                    } else {
                        Some(None)
                    };
                    if let Some(flags) = fl {
                        cand = Some(TOp::Place { old, new, flags });
                    }
                }
            }
            Class::Fcntl => {
                let cmd = flags::fcntl_cmd(a.text(1)).map(|c| c as i32);
                if let (Some(fd), Some(cmd)) = (a.fd(0), cmd) {
                    match cmd {
                        fcntl_cmd::F_DUPFD | fcntl_cmd::F_DUPFD_CLOEXEC => {
                            if let Some(min) = a.int(2) {
                                let c = cmd == fcntl_cmd::F_DUPFD_CLOEXEC;
                                cand = Some(dup_op(fd, min as u32, c, AllocKind::DupFd));
                            }
                        }
                        fcntl_cmd::F_SETFD => {
                            if let Some(v) = flags::eval(a.text(2), flags::fd_flag) {
                                let op = TOp::SetCloexec {
                                    fd,
                                    on: v & 1 != 0,
                                    raw: true,
                                };
                                cand = Some(op);
                            }
                        }
                        _ => watch[0] = Some(fd),
                    }
                }
            }
            Class::Ioctl => match (a.fd(0), flags::strip_comment(a.text(1))) {
                (Some(fd), req @ ("FIOCLEX" | "FIONCLEX")) => {
                    let on = req == "FIOCLEX";
                    cand = Some(TOp::SetCloexec { fd, on, raw: false });
                }
                (Some(fd), _) => watch[0] = Some(fd),
                _ => {}
            },
            Class::CloseRange => {
                let f = flags::eval(a.text(2), flags::close_range_flag).unwrap_or(0);
                if f & 2 == 0 {
                    if let (Some(first), Some(last)) = (a.int(0), a.int(1)) {
                        let r = CloseRange::new(first as u32, last as u32, f as u32);
                        cand = Some(TOp::CloseRange(r));
                    }
                }
            }
            // Linux 6.x allocates the number once the object exists: `accept`
            // only after a connection arrived (seen in logs: a blocked accept4
            // returns a number other threads used meanwhile).
            Class::Open(_) | Class::New(_) | Class::Accept { .. } => {
                cand = Some(TOp::Reserve { count: 1 })
            }
            Class::Pipe | Class::Socketpair => cand = Some(TOp::Reserve { count: 2 }),
            Class::Recvmsg { .. } => {
                opaque = true;
                watch[0] = a.fd(0);
            }
            Class::Clone | Class::Clone3 | Class::Fork => {
                self.cloning.push(pid);
                opaque =
                    clone_flags(&p.name, &p.args).is_some_and(|f| f & flags::clone::PIDFD != 0);
            }
            Class::Use(u) => {
                for (k, &i) in u.fds.iter().enumerate() {
                    if i != u8::MAX {
                        watch[k] = a.fd(i as usize);
                    }
                }
                offset_use = u.offset != Offset::Keep || u.offset2 != Offset::Keep;
            }
            Class::Lseek => {
                watch[0] = a.fd(0);
                offset_use = true;
            }
            Class::Sendmsg { .. } | Class::Mmap => {
                watch[0] = a.fd(if class == Class::Mmap { 4 } else { 0 })
            }
            _ => {}
        }
        let mut at_entry: [Option<(bool, Option<Arc<Description>>)>; 2] = [None, None];
        let mut uses: [Option<Arc<Description>>; 2] = [None, None];
        for k in 0..2 {
            if let Some(fd) = watch[k] {
                let d = self.lookup(pid, fd);
                if offset_use {
                    if let Some(d) = &d {
                        d.enter_use();
                        uses[k] = Some(d.clone());
                    }
                }
                at_entry[k] = Some((d.is_some(), d));
            }
        }
        let mut reg_cand = false;
        if shared {
            if let Some(g) = self.group_mut(gid) {
                if let Some(op) = cand {
                    g.enter(Cand { id, start, op, lim });
                    reg_cand = true;
                }
                if opaque {
                    g.opaque += 1;
                }
            }
        }
        if let Some(p) = self.tasks.get_mut(&pid).and_then(|t| t.pending.as_mut()) {
            p.cand = reg_cand;
            p.opaque = opaque && shared;
            p.at_entry = at_entry;
            p.uses = uses;
        }
    }
}

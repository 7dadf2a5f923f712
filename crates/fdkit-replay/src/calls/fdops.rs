//! `fcntl`, `ioctl` and `close_range`: descriptor flags, status flags, and the
//! commands that duplicate or close.

use super::*;

impl Replay {
    pub(super) fn fcntl(&mut self, c: &mut Ctx<'_>, obs: Obs, sink: &mut dyn Sink) -> Check {
        let mut a = Argv::new(c.args);
        let (Some(fd), Some(cmd)) = (a.fd(0), flags::fcntl_cmd(a.text(1))) else {
            return Check::Undecided;
        };
        let cmd = cmd as i32;
        match cmd {
            fcntl_cmd::F_DUPFD | fcntl_cmd::F_DUPFD_CLOEXEC => {
                let Some(min) = a.int(2) else {
                    return Check::Undecided;
                };
                let op = dup_op(
                    fd,
                    min as u32,
                    cmd == fcntl_cmd::F_DUPFD_CLOEXEC,
                    AllocKind::DupFd,
                );
                self.table_op(c, &op, &as_fds(obs), "descriptor", sink)
            }
            fcntl_cmd::F_GETFD => self.table_op(c, &TOp::GetFd { fd }, &obs, "F_GETFD", sink),
            fcntl_cmd::F_SETFD => match flags::eval(a.text(2), flags::fd_flag) {
                Some(v) => {
                    let op = TOp::SetCloexec {
                        fd,
                        on: v & 1 != 0,
                        raw: true,
                    };
                    self.table_op(c, &op, &obs, "EBADF", sink)
                }
                None => self.use_fds(
                    c,
                    &[fd],
                    Need {
                        raw: true,
                        ..Need::default()
                    },
                    true,
                    &obs,
                    sink,
                ),
            },
            fcntl_cmd::F_GETFL => {
                let check = self.use_fds(
                    c,
                    &[fd],
                    Need {
                        raw: true,
                        ..Need::default()
                    },
                    true,
                    &obs,
                    sink,
                );
                if check == Check::Agree {
                    if let Obs::Ok(v) = obs {
                        return worst(check, self.getfl(c, fd, v as u32, sink));
                    }
                }
                check
            }
            fcntl_cmd::F_SETFL => {
                let check = self.use_fds(c, &[fd], Need::default(), true, &obs, sink);
                if matches!(check, Check::Differ(_)) {
                    if let Some(d) = self.lookup(c.pid, fd) {
                        let mut s = d.status();
                        s.unknown |= SETFL_MASK.bits() | OFlags::ASYNC.bits();
                        d.set_status(s);
                    }
                } else if obs == Obs::Ok(0) {
                    if let (Some(d), Some(arg)) =
                        (self.lookup(c.pid, fd), flags::eval(a.text(2), flags::oflag))
                    {
                        let s = d.status();
                        let mask = SETFL_MASK.bits();
                        let bits = (s.bits & !mask) | (arg as u32 & mask);
                        let unknown = (s.unknown & !mask) | OFlags::ASYNC.bits();
                        d.set_status(Status {
                            bits: bits & !unknown,
                            unknown,
                        });
                    } else if let Some(d) = self.lookup(c.pid, fd) {
                        d.set_status(Status::unknown());
                    }
                }
                check
            }
            fcntl_cmd::F_DUPFD_QUERY => {
                let Some(other) = a.fd(2) else {
                    return Check::Undecided;
                };
                let check = self.use_fds(
                    c,
                    &[fd, other],
                    Need {
                        raw: true,
                        ..Need::default()
                    },
                    true,
                    &obs,
                    sink,
                );
                if check == Check::Agree {
                    if let (Obs::Ok(v), Some(x), Some(y)) =
                        (&obs, self.lookup(c.pid, fd), self.lookup(c.pid, other))
                    {
                        let same = i64::from(Arc::ptr_eq(&x, &y));
                        if *v != same {
                            self.summary_note_differ(c, "F_DUPFD_QUERY", same.to_string(), sink);
                            return Check::Differ(Predicted::Value(same));
                        }
                    }
                }
                check
            }
            _ => {
                let raw = fcntl_cmd::allowed_on_path(cmd);
                self.use_fds(
                    c,
                    &[fd],
                    Need {
                        raw,
                        fd_first: true,
                        ..Need::default()
                    },
                    true,
                    &obs,
                    sink,
                )
            }
        }
    }

    pub(super) fn getfl(&mut self, c: &Ctx<'_>, fd: u32, v: u32, sink: &mut dyn Sink) -> Check {
        let Some(d) = self.lookup(c.pid, fd) else {
            return Check::Undecided;
        };
        let s = d.status();
        let known = !s.unknown;
        if (v & known) != (s.bits & known) {
            let pred = if s.unknown == 0 {
                format!("{:#x}", s.bits)
            } else {
                format!("{:#x} (in the bits known)", s.bits & known)
            };
            self.summary_note_differ(c, "F_GETFL", pred, sink);
            // The bits that disagree are doubtful from now on.
            d.set_status(Status {
                bits: s.bits,
                unknown: s.unknown | ((v ^ s.bits) & known),
            });
            return Check::Differ(Predicted::Value(i64::from(s.bits)));
        }
        d.set_status(Status::known(v));
        if s.unknown == 0 {
            Check::Agree
        } else {
            Check::Undecided
        }
    }

    pub(super) fn ioctl(&mut self, c: &mut Ctx<'_>, obs: Obs, sink: &mut dyn Sink) -> Check {
        let mut a = Argv::new(c.args);
        let Some(fd) = a.fd(0) else {
            return Check::Undecided;
        };
        match flags::strip_comment(a.text(1)) {
            "FIOCLEX" => self.table_op(
                c,
                &TOp::SetCloexec {
                    fd,
                    on: true,
                    raw: false,
                },
                &obs,
                "EBADF",
                sink,
            ),
            "FIONCLEX" => self.table_op(
                c,
                &TOp::SetCloexec {
                    fd,
                    on: false,
                    raw: false,
                },
                &obs,
                "EBADF",
                sink,
            ),
            "FIONBIO" => {
                let check = self.use_fds(c, &[fd], Need::default(), true, &obs, sink);
                if obs == Obs::Ok(0) {
                    if let Some(d) = self.lookup(c.pid, fd) {
                        let on = a.text(2).trim_matches(|ch| ch == '[' || ch == ']').trim() != "0";
                        let mut s = d.status();
                        if s.unknown & O_NONBLOCK == 0 || s.unknown != u32::MAX {
                            s.bits = if on {
                                s.bits | O_NONBLOCK
                            } else {
                                s.bits & !O_NONBLOCK
                            };
                            s.unknown &= !O_NONBLOCK;
                            d.set_status(s);
                        }
                    }
                }
                check
            }
            _ => self.use_fds(c, &[fd], Need::default(), true, &obs, sink),
        }
    }

    pub(super) fn close_range(&mut self, c: &mut Ctx<'_>, obs: Obs, sink: &mut dyn Sink) -> Check {
        let mut a = Argv::new(c.args);
        let (Some(first), Some(last)) = (a.int(0), a.int(1)) else {
            return Check::Undecided;
        };
        let Some(f) = flags::eval(a.text(2), flags::close_range_flag) else {
            return Check::Undecided;
        };
        let req = CloseRange::new(first as u32, last as u32, f as u32);
        if let (Ok(r), Obs::Ok(0)) = (&req, &obs) {
            if r.unshare() {
                let cap = self
                    .gid(c.pid)
                    .and_then(|g| self.group(g))
                    .map_or(64, |g| g.table.capacity());
                self.unshare(c.pid, r.unshare_max_fds(cap));
            }
        }
        self.table_op(c, &TOp::CloseRange(req), &obs, "close_range", sink)
    }
}

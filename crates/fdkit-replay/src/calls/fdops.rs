//! `fcntl`, `ioctl` and `close_range`: descriptor flags, status flags, and the
//! commands that duplicate or close.

use super::*;

impl Replay {
    /// `fcntl`: the table decides `EBADF` (checked before the command), the
    /// duplicating commands, `F_GETFD`/`F_SETFD`; the description decides
    /// `F_GETFL`/`F_SETFL`.
    pub(super) fn fcntl(&mut self, c: &mut Ctx<'_>, obs: Obs, sink: &mut dyn Sink) -> Check {
        let mut a = Argv::new(c.args);
        let (Some(fd), Some(cmd)) = (a.fd(0), flags::fcntl_cmd(a.text(1))) else {
            return Check::Undecided;
        };
        let cmd = cmd as i32;
        let raw = Need {
            raw: true,
            ..Need::default()
        };
        match cmd {
            fcntl_cmd::F_DUPFD | fcntl_cmd::F_DUPFD_CLOEXEC => {
                let Some(min) = a.int(2) else {
                    return Check::Undecided;
                };
                let cloexec = cmd == fcntl_cmd::F_DUPFD_CLOEXEC;
                let op = dup_op(fd, min as u32, cloexec, AllocKind::DupFd);
                self.table_op(c, &op, &as_fds(obs), "descriptor", sink)
            }
            fcntl_cmd::F_GETFD => self.table_op(c, &TOp::GetFd { fd }, &obs, name::F_GETFD, sink),
            fcntl_cmd::F_SETFD => match flags::eval(a.text(2), flags::fd_flag) {
                Some(v) => {
                    let on = v & 1 != 0;
                    let op = TOp::SetCloexec { fd, on, raw: true };
                    self.table_op(c, &op, &obs, "EBADF", sink)
                }
                None => self.use_fds(c, &[fd], raw, true, &obs, sink),
            },
            fcntl_cmd::F_GETFL => {
                let check = self.use_fds(c, &[fd], raw, true, &obs, sink);
                match (&check, &obs) {
                    (Check::Agree, Obs::Ok(v)) => worst(check, self.getfl(c, fd, *v as u32, sink)),
                    _ => check,
                }
            }
            fcntl_cmd::F_SETFL => {
                let check = self.use_fds(c, &[fd], Need::default(), true, &obs, sink);
                let arg = flags::eval(a.text(2), flags::oflag);
                self.setfl(c, fd, arg, &check, &obs);
                check
            }
            fcntl_cmd::F_DUPFD_QUERY => match a.fd(2) {
                Some(other) => {
                    let check = self.use_fds(c, &[fd, other], raw, true, &obs, sink);
                    match check {
                        Check::Agree => self.dupfd_query(c, fd, other, &obs, sink),
                        _ => check,
                    }
                }
                None => Check::Undecided,
            },
            // A lock needs the access it locks for (fs/locks.c check_fmode_for_setlk):
            // F_WRLCK on a descriptor not open for writing is EBADF.
            fcntl_cmd::F_SETLK
            | fcntl_cmd::F_SETLKW
            | fcntl_cmd::F_OFD_SETLK
            | fcntl_cmd::F_OFD_SETLKW => {
                let lock = a.text(2);
                let need = Need {
                    read: [lock.contains(name::F_RDLCK), false],
                    write: [lock.contains(name::F_WRLCK), false],
                    fd_first: true,
                    ..Need::default()
                };
                self.use_fds(c, &[fd], need, true, &obs, sink)
            }
            _ => {
                let need = Need {
                    raw: fcntl_cmd::allowed_on_path(cmd),
                    fd_first: true,
                    ..Need::default()
                };
                self.use_fds(c, &[fd], need, true, &obs, sink)
            }
        }
    }

    /// `F_SETFL arg`: only `SETFL_MASK` changes; after a divergence those bits
    /// are unknown.
    fn setfl(&mut self, c: &Ctx<'_>, fd: u32, arg: Option<u64>, check: &Check, obs: &Obs) {
        let Some(d) = self.lookup(c.pid, fd) else {
            return;
        };
        let mask = SETFL_MASK.bits();
        let s = d.status();
        match (check, obs, arg) {
            (Check::Differ(_), _, _) => d.set_status(Status {
                unknown: s.unknown | mask | OFlags::ASYNC.bits(),
                ..s
            }),
            (_, Obs::Ok(0), Some(arg)) => {
                let bits = (s.bits & !mask) | (arg as u32 & mask);
                // O_ASYNC sticks only for objects with a ->fasync method.
                let unknown = (s.unknown & !mask) | OFlags::ASYNC.bits();
                d.set_status(Status {
                    bits: bits & !unknown,
                    unknown,
                });
            }
            (_, Obs::Ok(0), None) => d.set_status(Status::unknown()),
            _ => {}
        }
    }

    /// `F_DUPFD_QUERY`: 1 when both descriptors refer to one description.
    ///
    /// Two descriptors the log inherited (or that the replay met without seeing
    /// them made) may share a description it never saw shared — a terminal on 0,
    /// 1 and 2 usually is — so "different" is only a prediction when neither
    /// description is of unknown origin.
    fn dupfd_query(
        &mut self,
        c: &Ctx<'_>,
        fd: u32,
        other: u32,
        obs: &Obs,
        sink: &mut dyn Sink,
    ) -> Check {
        let (Obs::Ok(v), Some(x), Some(y)) =
            (obs, self.lookup(c.pid, fd), self.lookup(c.pid, other))
        else {
            return Check::Agree;
        };
        let same = i64::from(Arc::ptr_eq(&x, &y));
        if *v == same {
            return Check::Agree;
        }
        if same == 0 && (x.kind() == Kind::Inherited || y.kind() == Kind::Inherited) {
            return Check::Undecided;
        }
        self.report_beyond_table(c, name::F_DUPFD_QUERY, same.to_string(), sink);
        Check::Differ(Predicted::Value(same))
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
            self.report_beyond_table(c, name::F_GETFL, pred, sink);
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
            name::FIOCLEX => self.table_op(
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
            name::FIONCLEX => self.table_op(
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
            name::FIONBIO => {
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
            // drivers/tty/pty.c, ptm_open_peer: a new descriptor for the pty's
            // slave, `get_unused_fd_flags(flags)` (lowest free number,
            // close-on-exec from O_CLOEXEC in the argument); strace 6.1 prints
            // the flags as a number (`0x80102`), the command as `0x5441` when
            // built without it.
            "TIOCGPTPEER" | "0x5441" => self.ioctl_new_fd(c, fd, a.text(2), obs, sink),
            _ => {
                let check = self.use_fds(c, &[fd], Need::default(), true, &obs, sink);
                self.doubt_ioctl_result(c, &obs);
                check
            }
        }
    }

    /// An `ioctl` that creates a descriptor (`TIOCGPTPEER`): an allocation whose
    /// `pre` is the ioctl's descriptor.
    fn ioctl_new_fd(
        &mut self,
        c: &mut Ctx<'_>,
        fd: u32,
        flags_text: &str,
        obs: Obs,
        sink: &mut dyn Sink,
    ) -> Check {
        let fl = flags::eval(flags_text, flags::oflag);
        let cloexec = fl.is_some_and(|f| f & O_CLOEXEC != 0);
        let obs = as_fds(obs);
        // The slave's path (`/dev/pts/N`) is not in the log without -y; drivers
        // may adjust the status flags: only the access mode is predicted.
        let status = create::open_status(fl, OpenForm::Openat, Kind::Device);
        let deco = c.outcome.and_then(|o| o.value()).and_then(decoration);
        let desc = self.new_desc(c, &obs, Kind::Device, deco.unwrap_or("/dev/pts/?"), status);
        let op = TOp::Alloc {
            start: 0,
            cloexec,
            src: Src::New(vec![desc]),
            kind: AllocKind::New,
            dirfd: None,
            pre: Some(fd),
        };
        self.table_op(c, &op, &obs, "descriptor", sink)
    }

    /// An `ioctl` the replay does not model returned a positive value: it may be
    /// a new descriptor (KVM, DRM, VFIO, `NS_GET_*`, `PIDFD_GET_*_NAMESPACE`,
    /// `PERF_EVENT_IOC_*`... return one), so that number becomes doubtful in the
    /// caller's table, the way a divergence leaves it: what later calls show
    /// about it is learned, never reported.
    fn doubt_ioctl_result(&mut self, c: &Ctx<'_>, obs: &Obs) {
        let Obs::Ok(v) = *obs else {
            return;
        };
        if v <= 0 || v > i64::from(i32::MAX) {
            return;
        }
        let Some(gid) = self.gid(c.pid) else {
            return;
        };
        if let Some(g) = self.group_mut(gid) {
            g.known.unmark(v as u32);
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
                let max = self
                    .gid(c.pid)
                    .and_then(|g| self.group(g))
                    .map_or(u32::MAX, |g| r.unshare_max_fds(&g.table));
                self.unshare(c.pid, max);
                self.flush_events(sink);
            }
        }
        self.table_op(c, &TOp::CloseRange(req), &obs, "close_range", sink)
    }
}

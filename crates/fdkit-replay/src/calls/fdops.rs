//! `fcntl`, `ioctl` and `close_range`: descriptor flags, status flags, and the
//! commands that duplicate or close. The commands that only change or read the
//! table (`F_DUPFD`, `F_SETFD`, `FIOCLEX`...) are checked as decoded
//! ([`Op::Table`]); these are the rest.

use super::*;

/// `O_PATH` descriptors accepted, as by `fcntl`.
const RAW: Need = Need {
    read: [false; 2],
    write: [false; 2],
    raw: true,
    fd_first: false,
};

impl Replay {
    /// `F_GETFL`: the table decides `EBADF`, the description the value.
    pub(super) fn fcntl_getfl(
        &mut self,
        c: &mut Ctx<'_>,
        fd: u32,
        obs: Obs,
        sink: &mut dyn Sink,
    ) -> Check {
        let check = self.use_fds(c, &[fd], RAW, true, &obs, sink);
        match (&check, &obs) {
            (Check::Agree, Obs::Ok(v)) => worst(check, self.getfl(c, fd, *v as u32, sink)),
            _ => check,
        }
    }

    /// `F_SETFL arg`.
    pub(super) fn fcntl_setfl(
        &mut self,
        c: &mut Ctx<'_>,
        fd: u32,
        arg: Option<u64>,
        obs: Obs,
        sink: &mut dyn Sink,
    ) -> Check {
        let check = self.use_fds(c, &[fd], Need::default(), true, &obs, sink);
        self.setfl(c, fd, arg, &check, &obs);
        check
    }

    /// `F_DUPFD_QUERY other`.
    pub(super) fn fcntl_dupfd_query(
        &mut self,
        c: &mut Ctx<'_>,
        fd: u32,
        other: u32,
        obs: Obs,
        sink: &mut dyn Sink,
    ) -> Check {
        let check = self.use_fds(c, &[fd, other], RAW, true, &obs, sink);
        match check {
            Check::Agree => self.dupfd_query(c, fd, other, &obs, sink),
            _ => check,
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

    /// `ioctl(FIONBIO)`, turning `O_NONBLOCK` on or off.
    pub(super) fn fionbio(
        &mut self,
        c: &mut Ctx<'_>,
        fd: u32,
        on: bool,
        obs: Obs,
        sink: &mut dyn Sink,
    ) -> Check {
        let check = self.use_fds(c, &[fd], Need::default(), true, &obs, sink);
        if obs == Obs::Ok(0) {
            if let Some(d) = self.lookup(c.pid, fd) {
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

    /// An `ioctl` the replay models only as a use of its descriptor.
    pub(super) fn ioctl_other(
        &mut self,
        c: &mut Ctx<'_>,
        fd: u32,
        obs: Obs,
        sink: &mut dyn Sink,
    ) -> Check {
        let check = self.use_fds(c, &[fd], Need::default(), true, &obs, sink);
        self.doubt_ioctl_result(c, &obs);
        check
    }

    /// An `ioctl` that creates a descriptor (`TIOCGPTPEER`): an allocation whose
    /// `pre` is the ioctl's descriptor.
    pub(super) fn ioctl_new_fd(
        &mut self,
        c: &mut Ctx<'_>,
        fd: u32,
        fl: Option<u64>,
        obs: Obs,
        sink: &mut dyn Sink,
    ) -> Check {
        let cloexec = fl.is_some_and(|f| f & O_CLOEXEC != 0);
        let obs = as_fds(obs);
        // The slave's path (`/dev/pts/N`) is not in the log without -y; drivers
        // may adjust the status flags: only the access mode is predicted.
        let status = create::open_status(fl, OpenForm::Openat, Kind::Device);
        let deco = c.value().and_then(decoration);
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

    /// `close_range`.
    pub(super) fn close_range(
        &mut self,
        c: &mut Ctx<'_>,
        req: Result<CloseRange, Errno>,
        obs: Obs,
        sink: &mut dyn Sink,
    ) -> Check {
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

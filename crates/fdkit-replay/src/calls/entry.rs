//! What a call registers when it *enters* (`<unfinished ...>`): the pending
//! table change a concurrency search may place early, and the state its
//! descriptors had at entry.

use super::*;

/// What an entering call registers.
#[derive(Default)]
struct Plan {
    /// The table change a search may place before the call completes.
    cand: Option<TOp>,
    /// The call may change the table in ways no search can predict.
    opaque: bool,
    /// Descriptors whose state at entry explains the result of a call that
    /// blocks after looking them up.
    watch: [Option<u32>; 2],
    /// The call uses the watched descriptors' offsets.
    offset_use: bool,
}

/// The [`Plan`] of a call of `class` with the arguments printed at entry.
fn plan(class: Class, name: &str, args: &str) -> Plan {
    let mut a = Argv::new(args);
    let mut p = Plan::default();
    let cand = |op: TOp| Plan {
        cand: Some(op),
        ..Plan::default()
    };
    match class {
        Class::Close => a.fd(0).map_or(p, |fd| cand(TOp::Close { fd })),
        Class::Dup => a
            .fd(0)
            .map_or(p, |old| cand(dup_op(old, 0, false, AllocKind::Dup))),
        Class::Dup2 | Class::Dup3 => {
            let flags = match class {
                Class::Dup3 => flags::eval(a.text(2), flags::oflag).map(|f| Some(f as u32)),
                _ => Some(None),
            };
            match (a.fd(0), a.fd(1), flags) {
                (Some(old), Some(new), Some(flags)) => cand(TOp::Place { old, new, flags }),
                _ => p,
            }
        }
        Class::Fcntl => {
            let (Some(fd), Some(cmd)) = (a.fd(0), flags::fcntl_cmd(a.text(1))) else {
                return p;
            };
            match cmd as i32 {
                c @ (fcntl_cmd::F_DUPFD | fcntl_cmd::F_DUPFD_CLOEXEC) => {
                    a.int(2).map_or(p, |min| {
                        let cloexec = c == fcntl_cmd::F_DUPFD_CLOEXEC;
                        cand(dup_op(fd, min as u32, cloexec, AllocKind::DupFd))
                    })
                }
                fcntl_cmd::F_SETFD => flags::eval(a.text(2), flags::fd_flag).map_or(p, |v| {
                    cand(TOp::SetCloexec {
                        fd,
                        on: v & 1 != 0,
                        raw: true,
                    })
                }),
                _ => Plan {
                    watch: [Some(fd), None],
                    ..p
                },
            }
        }
        Class::Ioctl => match (a.fd(0), flags::strip_comment(a.text(1))) {
            (Some(fd), req @ (name::FIOCLEX | name::FIONCLEX)) => cand(TOp::SetCloexec {
                fd,
                on: req == name::FIOCLEX,
                raw: false,
            }),
            (fd, _) => Plan {
                watch: [fd, None],
                ..p
            },
        },
        Class::CloseRange => {
            let f = flags::eval(a.text(2), flags::close_range_flag).unwrap_or(0);
            match (a.int(0), a.int(1)) {
                // With CLOSE_RANGE_UNSHARE the caller leaves the table first.
                (Some(first), Some(last)) if f & 2 == 0 => cand(TOp::CloseRange(CloseRange::new(
                    first as u32,
                    last as u32,
                    f as u32,
                ))),
                _ => p,
            }
        }
        // Linux 6.x allocates the number once the object exists: `accept` only
        // after a connection arrived (seen in logs: a blocked accept4 returns a
        // number other threads used meanwhile).
        Class::Open(_) | Class::New(_) | Class::Accept { .. } => cand(TOp::Reserve { count: 1 }),
        Class::Pipe | Class::Socketpair => cand(TOp::Reserve { count: 2 }),
        Class::Recvmsg { .. } => Plan {
            opaque: true,
            watch: [a.fd(0), None],
            ..p
        },
        Class::Clone | Class::Clone3 | Class::Fork => Plan {
            opaque: clone_flags(name, args).is_some_and(|f| f & flags::clone::PIDFD != 0),
            ..p
        },
        Class::Use(u) => {
            for (k, &i) in u.fds.iter().enumerate() {
                if i != u8::MAX {
                    p.watch[k] = a.fd(usize::from(i));
                }
            }
            p.offset_use = u.offset != Offset::Keep || u.offset2 != Offset::Keep;
            p
        }
        Class::Lseek => Plan {
            watch: [a.fd(0), None],
            offset_use: true,
            ..p
        },
        Class::Sendmsg { .. } => Plan {
            watch: [a.fd(0), None],
            ..p
        },
        Class::Mmap => Plan {
            watch: [a.fd(4), None],
            ..p
        },
        _ => p,
    }
}

/// What an entering call registered (see [`Replay::on_entry`]).
#[derive(Default)]
pub(crate) struct Registered {
    pub cand: bool,
    pub opaque: bool,
    pub at_entry: [Option<(bool, Option<Arc<Description>>)>; 2],
    pub uses: [Option<Arc<Description>>; 2],
}

impl Replay {
    /// A call of `class` just entered on task `pid` (of process `tgid`, using table
    /// `gid`): register what a concurrency search needs, and the state its
    /// descriptors had at entry.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn on_entry(
        &mut self,
        pid: u32,
        (gid, tgid): (u32, u32),
        id: u64,
        start: u64,
        class: Class,
        name: &str,
        args: &str,
    ) -> Registered {
        let plan = plan(class, name, args);
        if matches!(class, Class::Clone | Class::Clone3 | Class::Fork) {
            self.cloning.push(pid);
        }
        let shared = self.group(gid).is_some_and(|g| g.refs > 1);
        let lim = Limits::new(self.procs.get(&tgid).map_or(1024, |p| p.nofile));
        let mut r = Registered::default();
        for k in 0..2 {
            if let Some(fd) = plan.watch[k] {
                let d = self
                    .group(gid)
                    .and_then(|g| g.table.get(Fd::new(fd)).cloned());
                if let (true, Some(d)) = (plan.offset_use, &d) {
                    d.enter_use();
                    r.uses[k] = Some(d.clone());
                }
                r.at_entry[k] = Some((d.is_some(), d));
            }
        }
        if shared {
            if let Some(g) = self.group_mut(gid) {
                if let Some(op) = plan.cand {
                    g.enter(Cand { id, start, op, lim });
                    r.cand = true;
                }
                if plan.opaque {
                    g.opaque += 1;
                }
            }
        }
        r.opaque = plan.opaque && shared;
        r
    }
}

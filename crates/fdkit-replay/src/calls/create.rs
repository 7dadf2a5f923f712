//! Calls that create descriptors: the `open` family, sockets, pipes, anonymous
//! inodes, `accept`, and `SCM_RIGHTS` transfers (`sendmsg`/`recvmsg`).

use super::*;
use crate::report::WHAT_EBADF;

/// `F_GETFL`'s value right after `open` with `flags`.
pub(super) fn open_status(flags: Option<u64>, form: OpenForm, kind: Kind) -> Status {
    let Some(f) = flags.and_then(|f| u32::try_from(f).ok()) else {
        return Status::unknown();
    };
    let path = OFlags::PATH.bits();
    let bits = if f & path != 0 {
        f & (path | OFlags::DIRECTORY.bits() | OFlags::NOFOLLOW.bits())
    } else {
        let strip =
            (OFlags::CREAT | OFlags::EXCL | OFlags::NOCTTY | OFlags::TRUNC | OFlags::CLOEXEC)
                .bits();
        (f | OFlags::LARGEFILE.bits()) & !strip
    };
    let mut unknown = 0;
    if form == OpenForm::Openat2 {
        unknown |= OFlags::LARGEFILE.bits();
    }
    if f & OFlags::TMPFILE.bits() != 0 || kind == Kind::Device {
        // Drivers and O_TMPFILE may adjust the stored flags.
        unknown |= !(fdkit::flags::O_ACCMODE | path);
    }
    Status { bits, unknown }
}

/// The descriptors of `SCM_RIGHTS` control messages whose `cmsg_data` strace
/// elided (`[...]` under `-s 0`, `[3, ...]` past `-s N`): `None` when there are
/// none, else how many there are, from `cmsg_len` (x86-64:
/// `CMSG_LEN(4 * n) = 16 + 4 * n`); `Some(None)` when that is not shown either.
pub(super) fn scm_elided(text: &str) -> Option<Option<u32>> {
    if !text.contains(name::SCM_RIGHTS) || !text.contains("...") {
        return None;
    }
    let mut found: Option<Option<u32>> = None;
    for a in Args::from_text(text).iter() {
        if let Ok(v) = a.value() {
            walk_elided(&v, &mut found);
        }
    }
    found
}

fn walk_elided(v: &Value<'_>, found: &mut Option<Option<u32>>) {
    match v {
        Value::Struct(fields) => {
            let rights = fields.iter().any(|f| {
                f.name.as_deref() == Some("cmsg_type")
                    && matches!(&f.value, Value::Ident(i) if i == name::SCM_RIGHTS)
            });
            let elided = rights
                && fields.iter().any(|f| {
                    f.name.as_deref() == Some("cmsg_data")
                        && match &f.value {
                            Value::Array(items) => items.iter().any(|i| i.as_int().is_none()),
                            _ => true,
                        }
                });
            if elided {
                let len = fields
                    .iter()
                    .find(|f| f.name.as_deref() == Some("cmsg_len"))
                    .and_then(|f| f.value.as_int())
                    .filter(|&l| l >= 20)
                    .map(|l| ((l - 16) / 4) as u32);
                *found = Some(match (*found, len) {
                    (None, l) => l,
                    (Some(Some(a)), Some(b)) => Some(a + b),
                    _ => None,
                });
                return;
            }
            for f in fields {
                walk_elided(&f.value, found);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| walk_elided(i, found)),
        Value::InOut(a, b) => {
            walk_elided(a, found);
            walk_elided(b, found);
        }
        Value::Commented { value, .. } | Value::Paren(value) => walk_elided(value, found),
        _ => {}
    }
}

/// Descriptor lists of `SCM_RIGHTS` control messages, in order.
pub(super) fn scm_rights(text: &str) -> Vec<Vec<u32>> {
    let mut out = Vec::new();
    if !text.contains(name::SCM_RIGHTS) {
        return out;
    }
    for a in Args::from_text(text).iter() {
        if let Ok(v) = a.value() {
            walk_scm(&v, &mut out);
        }
    }
    out
}

pub(super) fn walk_scm(v: &Value<'_>, out: &mut Vec<Vec<u32>>) {
    match v {
        Value::Struct(fields) => {
            let rights = fields.iter().any(|f| {
                f.name.as_deref() == Some("cmsg_type")
                    && matches!(&f.value, Value::Ident(i) if i == name::SCM_RIGHTS)
            });
            for f in fields {
                if rights && f.name.as_deref() == Some("cmsg_data") {
                    if let Value::Array(items) = &f.value {
                        out.push(
                            items
                                .iter()
                                .filter_map(|i| i.as_int())
                                .map(|n| n as u32)
                                .collect(),
                        );
                    }
                } else {
                    walk_scm(&f.value, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| walk_scm(i, out)),
        Value::InOut(a, b) => {
            walk_scm(a, out);
            walk_scm(b, out);
        }
        Value::Commented { value, .. } | Value::Paren(value) => walk_scm(value, out),
        _ => {}
    }
}

impl Replay {
    /// A description for the new descriptor of a call whose observation is `obs`
    /// (failed calls get a shared placeholder: nothing is installed).
    pub(super) fn new_desc(
        &self,
        c: &Ctx<'_>,
        obs: &Obs,
        kind: Kind,
        link: &str,
        status: Status,
    ) -> Entry {
        let _ = obs;
        Arc::new(Description::new(kind, link, status, self.origin(c.pid)))
    }

    /// An `open`-family call whose inputs decoded to `open` ([`Op::Open`]).
    pub(super) fn open(
        &mut self,
        c: &mut Ctx<'_>,
        form: OpenForm,
        open: OpenInputs,
        obs: Obs,
        sink: &mut dyn Sink,
    ) -> Check {
        let path = open.path.map(|p| p.get(c.args));
        let obs = as_fds(obs);
        let deco = c.value().and_then(decoration);
        let link = deco.or(path).unwrap_or("?");
        let device = link.starts_with("/dev/")
            || deco.is_some_and(|d| d.contains("<char ") || d.contains("<block "));
        let kind = if device { Kind::Device } else { Kind::Path };
        let status = open_status(open.flags, form, kind);
        let desc = self.new_desc(c, &obs, kind, link, status);
        let op = TOp::Alloc {
            start: 0,
            cloexec: open.cloexec,
            src: Src::New(vec![desc]),
            kind: AllocKind::New,
            dirfd: open.dirfd,
            pre: None,
        };
        self.table_op(c, &op, &obs, "descriptor", sink)
    }

    /// A descriptor-creating call other than the `open` family, pipes, socket
    /// pairs and `accept`.
    pub(super) fn new_fd(
        &mut self,
        c: &mut Ctx<'_>,
        kind: New,
        obs: Obs,
        sink: &mut dyn Sink,
    ) -> Check {
        let mut a = Argv::new(c.args);
        match kind {
            New::SignalFd | New::SignalFd4 if a.int(0).unwrap_or(-1) != -1 => {
                // An existing signalfd is modified.
                let fd = a.fd(0).unwrap_or(u32::MAX);
                return self.use_fds(c, &[fd], Need::default(), true, &obs, sink);
            }
            New::LandlockCreateRuleset
                if flags::has(
                    a.text(2),
                    name::LANDLOCK_CREATE_RULESET_VERSION,
                    fs::LANDLOCK_CREATE_RULESET_VERSION,
                ) =>
            {
                return Check::Undecided; // the ABI version, not a descriptor
            }
            _ => {}
        }
        let sp = spec(kind);
        let cloexec = match sp.cloexec {
            Cloexec::Never => false,
            Cloexec::Always => true,
            Cloexec::Flag(i, name, bit) => flags::has(a.text(usize::from(i)), name, bit),
        };
        let status = match sp.access {
            Some(access) => {
                let nb = sp
                    .nonblock
                    .map_or(0, |(i, name)| nb_bits(a.text(usize::from(i)), name));
                Status::known(access | nb)
            }
            // An anonymous inode is never an O_PATH description: calls that refuse
            // O_PATH decide EBADF on it.
            None if sp.kind == Kind::Anon => Status {
                bits: 0,
                unknown: !OFlags::PATH.bits(),
            },
            None => Status::unknown(),
        };
        let named = match kind {
            New::MemfdCreate => Some(format!(
                "/memfd:{} (deleted)",
                unquote(a.text(0)).unwrap_or("?")
            )),
            New::OpenTree => unquote(a.text(1)).map(str::to_owned),
            New::MqOpen => unquote(a.text(0)).map(str::to_owned),
            _ => None,
        };
        let pre = sp
            .pre
            .and_then(|i| a.fd(usize::from(i)))
            .filter(|&d| d != AT_FDCWD);
        let dirfd = match kind {
            New::OpenTree | New::Fspick => a.fd(0).filter(|&d| {
                d != AT_FDCWD && unquote(a.text(1)).is_some_and(|p| !p.starts_with('/'))
            }),
            _ => None,
        };
        let obs = as_fds(obs);
        let deco = c.value().and_then(decoration);
        let link = deco.or(named.as_deref()).unwrap_or(sp.link);
        let desc = self.new_desc(c, &obs, sp.kind, link, status);
        let op = TOp::Alloc {
            start: 0,
            cloexec,
            src: Src::New(vec![desc]),
            kind: AllocKind::New,
            dirfd,
            pre,
        };
        self.table_op(c, &op, &obs, "descriptor", sink)
    }

    pub(super) fn pair(
        &mut self,
        c: &mut Ctx<'_>,
        pipe: bool,
        obs: Obs,
        sink: &mut dyn Sink,
    ) -> Check {
        let mut a = Argv::new(c.args);
        let (arr_i, flags_text) = if pipe { (0, a.text(1)) } else { (3, a.text(1)) };
        let fds = int_array(a.text(arr_i));
        // `[...]` (`strace -s 0`): created, but the numbers are not shown.
        let unnamed = matches!(obs, Obs::Ok(_)) && fds.as_ref().map_or(true, |v| v.len() != 2);
        let obs = match (&obs, &fds) {
            (Obs::Ok(_), Some(v)) if v.len() == 2 => Obs::Fds(v.iter().map(|(n, _)| *n).collect()),
            (Obs::Ok(_), _) => Obs::Unknown,
            (o, _) => o.clone(),
        };
        let deco = |i: usize| {
            fds.as_ref()
                .and_then(|v| v.get(i))
                .and_then(|(_, d)| d.clone())
        };
        let origin = self.origin(c.pid);
        let descs: Vec<Entry> = if pipe {
            // fs/pipe.c, create_pipe_files: the write end is opened
            // `O_WRONLY | (flags & (O_NONBLOCK | O_DIRECT))`, the read end
            // `O_RDONLY | (flags & O_NONBLOCK)`: O_DIRECT is the write end's only.
            let nb = nb_bits(flags_text, name::O_NONBLOCK);
            let direct = if flags::has(flags_text, name::O_DIRECT, fs::O_DIRECT) {
                OFlags::DIRECT.bits()
            } else {
                0
            };
            (0..2)
                .map(|i| {
                    let bits = if i == 0 {
                        nb
                    } else {
                        OFlags::WRONLY.bits() | nb | direct
                    };
                    let link = deco(i).unwrap_or_else(|| "pipe:[?]".into());
                    let d = Description::new(Kind::Pipe, link, Status::known(bits), origin);
                    Arc::new(if deco(i).is_none() {
                        d.with_placeholder_link()
                    } else {
                        d
                    })
                })
                .collect()
        } else {
            let st = Status::known(OFlags::RDWR.bits() | nb_bits(flags_text, name::SOCK_NONBLOCK));
            let v: Vec<Entry> = (0..2)
                .map(|i| {
                    let link = deco(i).unwrap_or_else(|| "socket:[?]".into());
                    let d = Description::new(Kind::Socket, link, st, origin);
                    Arc::new(if deco(i).is_none() {
                        d.with_placeholder_link()
                    } else {
                        d
                    })
                })
                .collect();
            Description::pair(&v[0], &v[1]);
            v
        };
        let cloexec_name = if pipe {
            name::O_CLOEXEC
        } else {
            name::SOCK_CLOEXEC
        };
        let op = TOp::Alloc {
            start: 0,
            cloexec: flags::has(flags_text, cloexec_name, O_CLOEXEC),
            src: Src::New(descs),
            kind: AllocKind::New,
            dirfd: None,
            pre: None,
        };
        if unnamed {
            return self.alloc_unnamed(c, &op, 2, sink);
        }
        self.table_op(c, &op, &obs, "descriptor", sink)
    }

    /// `accept`/`accept4` on socket `fd`; `accept4`'s flags are read at
    /// completion (strace prints them after the address).
    pub(super) fn accept(
        &mut self,
        c: &mut Ctx<'_>,
        four: bool,
        fd: u32,
        obs: Obs,
        sink: &mut dyn Sink,
    ) -> Check {
        let mut a = Argv::new(c.args);
        let t = if four { a.text(3) } else { "" };
        let obs = as_fds(obs);
        let deco = c.value().and_then(decoration);
        let st = Status::known(OFlags::RDWR.bits() | nb_bits(t, name::SOCK_NONBLOCK));
        let desc = self.new_desc(c, &obs, Kind::Socket, deco.unwrap_or("socket:[?]"), st);
        let op = TOp::Alloc {
            start: 0,
            cloexec: flags::has(t, name::SOCK_CLOEXEC, fs::SOCK_CLOEXEC),
            src: Src::New(vec![desc]),
            kind: AllocKind::New,
            dirfd: None,
            pre: Some(fd),
        };
        self.table_op(c, &op, &obs, "descriptor", sink)
    }

    /// `recvmsg`/`recvmmsg` on socket `fd`: the received descriptors and the
    /// flags are read at completion.
    pub(super) fn recvmsg(
        &mut self,
        c: &mut Ctx<'_>,
        mmsg: bool,
        fd: u32,
        obs: Obs,
        sink: &mut dyn Sink,
    ) -> Check {
        let rights: Vec<u32> = if matches!(obs, Obs::Ok(_)) {
            scm_rights(c.args).into_iter().flatten().collect()
        } else {
            Vec::new()
        };
        let elided = if matches!(obs, Obs::Ok(_)) {
            scm_elided(c.args)
        } else {
            None
        };
        if rights.is_empty() && elided.is_none() {
            return self.use_fds(c, &[fd], Need::default(), true, &obs, sink);
        }
        let flags_text = Argv::new(c.args).text(if mmsg { 3 } else { 2 });
        let sock = self.lookup(c.pid, fd);
        let origin = self.origin(c.pid);
        // Elided numbers (`cmsg_data=[...]`): received, but not shown. How many
        // is known from `cmsg_len`; when not even that is, the lowest free
        // numbers (up to a few) become doubtful without anything installed.
        let unnamed = match elided {
            Some(Some(n)) => n as usize,
            Some(None) => {
                let check = self.use_fds(c, &[fd], Need::default(), true, &obs, sink);
                self.doubt_lowest_free(c.pid, 8);
                return check;
            }
            None => 0,
        };
        let descs: Vec<Entry> = (0..rights.len() + unnamed)
            .map(|_| {
                sock.as_ref()
                    .and_then(|s| s.receive_right())
                    .unwrap_or_else(|| Arc::new(Description::inherited("?", origin)))
            })
            .collect();
        let op = TOp::Alloc {
            start: 0,
            cloexec: flags::has(flags_text, name::MSG_CMSG_CLOEXEC, fs::MSG_CMSG_CLOEXEC),
            src: Src::New(descs),
            kind: AllocKind::New,
            dirfd: None,
            pre: Some(fd),
        };
        if unnamed > 0 {
            return self.alloc_unnamed(c, &op, rights.len() + unnamed, sink);
        }
        self.table_op(c, &op, &Obs::Fds(rights.into()), "descriptor", sink)
    }

    /// Makes the `count` lowest free numbers of `pid`'s table doubtful.
    fn doubt_lowest_free(&mut self, pid: u32, count: usize) {
        let Some(gid) = self.gid(pid) else {
            return;
        };
        let Some(g) = self.group_mut(gid) else {
            return;
        };
        let mut from = 0u32;
        for _ in 0..count {
            let n = g.table.lowest_free_from(from);
            if n >= u64::from(u32::MAX) {
                break;
            }
            g.known.unmark(n as u32);
            from = n as u32 + 1;
        }
    }

    /// `sendmsg`/`sendmmsg`. The socket is looked up first (`sockfd_lookup_light`),
    /// then every number an `SCM_RIGHTS` message names (net/core/scm.c,
    /// `scm_fp_copy`: `fget_raw` fails -> `EBADF`, before anything is sent; a
    /// negative number too). So `EBADF` with the socket open is right when a
    /// passed number is not open, and success is wrong then.
    pub(super) fn sendmsg(
        &mut self,
        c: &mut Ctx<'_>,
        fd: u32,
        obs: Obs,
        sink: &mut dyn Sink,
    ) -> Check {
        let sent: Vec<u32> = scm_rights(c.args).into_iter().flatten().collect();
        let sock_open = self.lookup(c.pid, fd).is_some();
        if sock_open && obs == Obs::Err(Errno::BADF) && scm_elided(c.args).is_some() {
            // A passed number strace did not show may be the one not open.
            return Check::Undecided;
        }
        if matches!(obs, Obs::Ok(_)) && scm_elided(c.args).is_some() {
            // Any of the sender's descriptions may have gone to a process that
            // moves its offset: none is known any more.
            if let Some(g) = self.gid(c.pid).and_then(|g| self.group(g)) {
                for v in list(&g.table) {
                    v.desc.set_offset(None);
                }
            }
        }
        if sent.is_empty() || !sock_open || matches!(obs, Obs::Unknown) {
            // No numbers named (or elided as `[...]`: not known), or the socket
            // itself decides `EBADF`.
            return self.use_fds(c, &[fd], Need::default(), true, &obs, sink);
        }
        // The passed number that decides: the first one not open, else the first
        // whose state is not known (inherited, or doubtful after a divergence),
        // else the first.
        let missing = sent
            .iter()
            .copied()
            .find(|&n| self.lookup(c.pid, n).is_none());
        let unknown = self
            .gid(c.pid)
            .and_then(|g| self.group(g))
            .and_then(|g| sent.iter().copied().find(|&n| !g.known.is_known(n)));
        let second = missing.or(unknown).unwrap_or(sent[0]);
        let check = if missing.is_some() || matches!(obs, Obs::Err(Errno::BADF)) {
            // One check of both lookups (`fget_raw`: O_PATH descriptors may be
            // passed, so `raw`).
            let op = TOp::Use {
                fds: [fd, second],
                n: 2,
                need: Need {
                    raw: true,
                    fd_first: true,
                    ..Need::default()
                },
            };
            self.table_op(c, &op, &obs, WHAT_EBADF, sink)
        } else {
            self.use_fds(c, &[fd], Need::default(), true, &obs, sink)
        };
        if matches!(obs, Obs::Ok(_)) && !matches!(check, Check::Differ(_)) {
            let descs: Vec<Entry> = sent.iter().filter_map(|&n| self.lookup(c.pid, n)).collect();
            if descs.len() == sent.len() {
                if let Some(s) = self.lookup(c.pid, fd) {
                    s.send_rights(descs);
                }
            }
        }
        check
    }
}

/// Whether a new descriptor gets close-on-exec.
#[derive(Clone, Copy)]
enum Cloexec {
    /// Never (`eventfd`, `epoll_create`, `inotify_init`, `signalfd`).
    Never,
    /// Always (pidfds, `io_uring`, landlock rulesets, `pidfd_getfd`).
    Always,
    /// When argument `.0` holds flag `.1` (bit `.2` when written as a number).
    Flag(u8, &'static str, u64),
}

/// What a descriptor-creating call gives its new descriptor.
struct Spec {
    cloexec: Cloexec,
    /// The access mode bits of `F_GETFL`, when known.
    access: Option<u32>,
    /// The argument and flag name that add `O_NONBLOCK`.
    nonblock: Option<(u8, &'static str)>,
    kind: Kind,
    /// The link text (`anon_inode:[eventfd]`), unless a decoration or the call
    /// names it.
    link: &'static str,
    /// An argument descriptor looked up before the allocation.
    pre: Option<u8>,
}

/// The [`Spec`] of each call (Linux 6.x: `anon_inode_getfd` names, flag names).
fn spec(kind: New) -> Spec {
    const RDWR: Option<u32> = Some(2);
    const RDONLY: Option<u32> = Some(0);
    let s = |cloexec, access, nonblock, kind, link| Spec {
        cloexec,
        access,
        nonblock,
        kind,
        link,
        pre: None,
    };
    let f = |i, name, bit| Cloexec::Flag(i, name, bit);
    let never = Cloexec::Never;
    use Kind::{Anon, Inherited, Memfd, Path, Socket};
    match kind {
        New::Socket => s(
            f(1, name::SOCK_CLOEXEC, fs::SOCK_CLOEXEC),
            RDWR,
            Some((1, name::SOCK_NONBLOCK)),
            Socket,
            "socket:[?]",
        ),
        New::EventFd => s(never, RDWR, None, Anon, "anon_inode:[eventfd]"),
        New::EventFd2 => s(
            f(1, name::EFD_CLOEXEC, fs::EFD_CLOEXEC),
            RDWR,
            Some((1, name::EFD_NONBLOCK)),
            Anon,
            "anon_inode:[eventfd]",
        ),
        New::EpollCreate => s(never, RDWR, None, Anon, "anon_inode:[eventpoll]"),
        New::EpollCreate1 => s(
            f(0, name::EPOLL_CLOEXEC, fs::EPOLL_CLOEXEC),
            RDWR,
            None,
            Anon,
            "anon_inode:[eventpoll]",
        ),
        New::SignalFd => s(never, None, None, Anon, "anon_inode:[signalfd]"),
        New::SignalFd4 => s(
            f(3, name::SFD_CLOEXEC, fs::SFD_CLOEXEC),
            None,
            None,
            Anon,
            "anon_inode:[signalfd]",
        ),
        New::TimerFd => s(
            f(1, name::TFD_CLOEXEC, fs::TFD_CLOEXEC),
            None,
            None,
            Anon,
            "anon_inode:[timerfd]",
        ),
        New::InotifyInit => s(never, RDONLY, None, Anon, "anon_inode:inotify"),
        New::InotifyInit1 => s(
            f(0, name::IN_CLOEXEC, fs::IN_CLOEXEC),
            None,
            None,
            Anon,
            "anon_inode:inotify",
        ),
        New::FanotifyInit => s(
            f(0, name::FAN_CLOEXEC, fs::FAN_CLOEXEC),
            None,
            None,
            Anon,
            "anon_inode:[fanotify]",
        ),
        New::MemfdCreate => s(
            f(1, name::MFD_CLOEXEC, fs::MFD_CLOEXEC),
            Some(OFlags::RDWR.bits() | OFlags::LARGEFILE.bits()),
            None,
            Memfd,
            "/memfd:? (deleted)",
        ),
        New::MemfdSecret => s(
            f(0, name::O_CLOEXEC, fs::O_CLOEXEC),
            None,
            None,
            Anon,
            "/secretmem (deleted)",
        ),
        New::Userfaultfd => s(
            f(0, name::O_CLOEXEC, fs::O_CLOEXEC),
            None,
            None,
            Anon,
            "anon_inode:[userfaultfd]",
        ),
        New::PerfEventOpen => s(
            f(4, name::PERF_FLAG_FD_CLOEXEC, fs::PERF_FLAG_FD_CLOEXEC),
            None,
            None,
            Anon,
            "anon_inode:[perf_event]",
        ),
        New::IoUringSetup => s(Cloexec::Always, None, None, Anon, "anon_inode:[io_uring]"),
        New::PidfdOpen => s(Cloexec::Always, None, None, Anon, "anon_inode:[pidfd]"),
        New::PidfdGetfd => Spec {
            pre: Some(0),
            ..s(Cloexec::Always, None, None, Inherited, "?")
        },
        New::LandlockCreateRuleset => s(
            Cloexec::Always,
            None,
            None,
            Anon,
            "anon_inode:landlock-ruleset",
        ),
        New::Fsopen => s(
            f(1, name::FSOPEN_CLOEXEC, fs::FSOPEN_CLOEXEC),
            None,
            None,
            Anon,
            "anon_inode:[fscontext]",
        ),
        New::Fspick => s(
            f(2, name::FSPICK_CLOEXEC, fs::FSPICK_CLOEXEC),
            None,
            None,
            Anon,
            "anon_inode:[fscontext]",
        ),
        New::Fsmount => Spec {
            pre: Some(0),
            ..s(
                f(1, name::FSMOUNT_CLOEXEC, fs::FSMOUNT_CLOEXEC),
                None,
                None,
                Path,
                "/",
            )
        },
        New::OpenTree => s(
            f(2, name::OPEN_TREE_CLOEXEC, fs::OPEN_TREE_CLOEXEC),
            None,
            None,
            Path,
            "?",
        ),
        New::OpenByHandleAt => Spec {
            pre: Some(0),
            ..s(f(2, name::O_CLOEXEC, fs::O_CLOEXEC), None, None, Path, "?")
        },
        New::MqOpen => s(f(1, name::O_CLOEXEC, fs::O_CLOEXEC), None, None, Path, "?"),
    }
}

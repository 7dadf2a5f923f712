//! Per-call handling: decode a call's arguments into table operations, check them
//! ([`crate::lin::Group::complete`]), then model what lives outside tables:
//! processes (`clone`, `execve`, rlimits) and descriptions (offsets, status flags,
//! `SCM_RIGHTS` transfers).
//!
//! Every handler returns the call's [`Check`]; a call with several checks (a
//! descriptor check and an offset check) differs if any of them differs.

use std::sync::Arc;

use fdkit::flags::{fcntl_cmd, SETFL_MASK};
use fdkit::{CloseRange, Errno, Fd, Limits, OFlags};
use fdkit_strace::{Arg, Args, Outcome, Value};

use crate::desc::{Description, Kind, Origin, Status};
use crate::engine::{list, Pending, Replay, NO_PID};
use crate::flags;
use crate::lin::Cand;
use crate::op::{AllocKind, Change, Check, Entry, Need, Obs, Predicted, Src, TOp};
use crate::report::{CloseCause, Divergence, Event, Note, Sink};
use crate::syscalls::{At, Class, New, Offset, OpenForm, Use};

const AT_FDCWD: u32 = -100i32 as u32;
const O_CLOEXEC: u64 = 0o2000000;
const O_NONBLOCK: u32 = 0o4000;

/// The arguments of a call, split lazily and only as far as asked (up to eight):
/// a `newfstatat` whose path is not empty never has its `stat` struct scanned.
struct Argv<'a> {
    iter: fdkit_strace::ArgIter<'a>,
    v: [Option<Arg<'a>>; 8],
    /// How many arguments have been split so far.
    n: usize,
    done: bool,
}

impl<'a> Argv<'a> {
    fn new(text: &'a str) -> Argv<'a> {
        Argv {
            iter: Args::from_text(text).iter(),
            v: [None; 8],
            n: 0,
            done: false,
        }
    }

    fn get(&mut self, i: usize) -> Option<Arg<'a>> {
        while self.n <= i && !self.done && self.n < self.v.len() {
            match self.iter.next() {
                Some(a) => {
                    self.v[self.n] = Some(a);
                    self.n += 1;
                }
                None => self.done = true,
            }
        }
        self.v.get(i).copied().flatten()
    }

    fn text(&mut self, i: usize) -> &'a str {
        self.get(i).map_or("", |a| a.text())
    }

    fn int(&mut self, i: usize) -> Option<i64> {
        flags::fd(self.text(i))
    }

    /// A descriptor argument: the low 32 bits, as the kernel reads it.
    fn fd(&mut self, i: usize) -> Option<u32> {
        self.int(i).map(|v| v as u32)
    }

    /// The argument named `name=` (for `clone`'s named arguments).
    fn named(&mut self, name: &str) -> Option<Arg<'a>> {
        self.get(7);
        self.v
            .iter()
            .flatten()
            .find(|a| a.name() == Some(name))
            .copied()
    }
}

/// One call being handled.
pub(crate) struct Ctx<'a> {
    pid: u32,
    name: &'a str,
    args: &'a str,
    outcome: Option<&'a Outcome<'a>>,
    entered: u64,
    completed: u64,
    pending: Option<Pending>,
    /// The call went through the group (its registration is consumed).
    consumed: bool,
}

impl Ctx<'_> {
    fn id(&self, r: &mut Replay) -> u64 {
        self.pending.as_ref().map_or_else(|| r.next_id(), |p| p.id)
    }

    fn text(&self) -> String {
        let mut s = String::with_capacity(self.name.len() + self.args.len().min(200) + 16);
        s.push_str(self.name);
        s.push('(');
        if self.args.len() > 200 {
            let mut cut = 200;
            while !self.args.is_char_boundary(cut) {
                cut -= 1;
            }
            s.push_str(&self.args[..cut]);
            s.push_str("...");
        } else {
            s.push_str(self.args);
        }
        s.push_str(") = ");
        match self.outcome {
            Some(o) => s.push_str(&o.to_string()),
            None => s.push('?'),
        }
        s
    }

    fn pid_opt(&self) -> Option<u32> {
        (self.pid != NO_PID).then_some(self.pid)
    }
}

/// The observation of an outcome.
pub(crate) fn obs_of(o: Option<&Outcome<'_>>) -> Obs {
    let Some(o) = o else {
        return Obs::Unknown;
    };
    if let Some(e) = o.errno() {
        if !o.is_error() {
            return Obs::Unknown;
        }
        return Obs::Err(errno(e));
    }
    if o.value().is_none() {
        return Obs::Unknown;
    }
    Obs::Ok(o.int().unwrap_or(0))
}

fn errno(name: &str) -> Errno {
    match name {
        "EBADF" => Errno::BADF,
        "ENOENT" => Errno::NOENT,
        "EMFILE" => Errno::MFILE,
        "EINVAL" => Errno::INVAL,
        "EAGAIN" => Errno::AGAIN,
        "EBUSY" => Errno::BUSY,
        "EINTR" => Errno::INTR,
        other => Errno::from_name(other).unwrap_or(Errno::from_raw(0)),
    }
}

/// A success value as new descriptors.
fn as_fds(obs: Obs) -> Obs {
    match obs {
        Obs::Ok(v) if (0..=i64::from(u32::MAX)).contains(&v) => Obs::Fds(vec![v as u32]),
        Obs::Ok(_) => Obs::Unknown,
        o => o,
    }
}

/// The text inside a `-y` decoration of a value: `/tmp/a` for `3</tmp/a>`.
fn decoration(value: &str) -> Option<&str> {
    let open = value.find('<')?;
    let close = value.rfind('>')?;
    (close > open + 1).then(|| &value[open + 1..close])
}

/// A path argument without its quotes (escapes kept), `None` for `NULL`.
fn unquote(text: &str) -> Option<&str> {
    let t = text.strip_suffix("...").unwrap_or(text);
    t.strip_prefix('"')?.strip_suffix('"')
}

/// The integers (and decorations) of an array such as `[3, 4]` or
/// `[3<pipe:[1]>, 4<pipe:[1]>]`.
fn int_array(text: &str) -> Option<Vec<(u32, Option<String>)>> {
    let t = text.trim();
    if !t.starts_with('[') {
        return None;
    }
    let Ok(Value::Array(items)) = Value::parse(t) else {
        return None;
    };
    items
        .iter()
        .map(|v| {
            let n = v.as_int()?;
            let deco = match v {
                Value::Decorated { info, .. } => Some(info.to_string()),
                _ => None,
            };
            Some((n as u32, deco))
        })
        .collect()
}

/// Descriptor lists of `SCM_RIGHTS` control messages, in order.
fn scm_rights(text: &str) -> Vec<Vec<u32>> {
    let mut out = Vec::new();
    if !text.contains("SCM_RIGHTS") {
        return out;
    }
    for a in Args::from_text(text).iter() {
        if let Ok(v) = a.value() {
            walk_scm(&v, &mut out);
        }
    }
    out
}

fn walk_scm(v: &Value<'_>, out: &mut Vec<Vec<u32>>) {
    match v {
        Value::Struct(fields) => {
            let rights = fields.iter().any(|f| {
                f.name.as_deref() == Some("cmsg_type")
                    && matches!(&f.value, Value::Ident(i) if i == "SCM_RIGHTS")
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

/// The clone flags of a pending or complete clone-family call.
pub(crate) fn clone_flags(name: &str, args: &str) -> Option<u64> {
    match name {
        "fork" => Some(0),
        "vfork" => Some(0x4100),
        "clone" => {
            let mut a = Argv::new(args);
            let f = a.named("flags").map(|f| f.text()).unwrap_or(a.text(0));
            flags::eval(f, flags::clone_flag)
        }
        "clone3" => flags::field(args, "flags").and_then(|f| flags::eval(f, flags::clone_flag)),
        _ => None,
    }
}

/// `F_GETFL`'s value right after `open` with `flags`.
fn open_status(flags: Option<u64>, form: OpenForm, kind: Kind) -> Status {
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

impl Replay {
    fn gid(&self, pid: u32) -> Option<u32> {
        self.tasks.get(&pid).map(|t| t.group)
    }

    fn limits(&self, pid: u32) -> Limits {
        let nofile = self
            .tasks
            .get(&pid)
            .and_then(|t| self.procs.get(&t.tgid))
            .map_or(1024, |p| p.nofile);
        Limits::new(nofile)
    }

    fn origin(&self, pid: u32) -> Origin {
        Origin {
            line: self.line,
            pid: (pid != NO_PID).then_some(pid),
        }
    }

    fn lookup(&self, pid: u32, fd: u32) -> Option<Entry> {
        let g = self.group(self.gid(pid)?)?;
        g.table.get(Fd::new(fd)).cloned()
    }

    // ---- entry -----------------------------------------------------------------

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
        let mut cand: Option<(TOp, bool)> = None;
        let mut opaque = false;
        let mut watch: [Option<u32>; 2] = [None, None];
        let mut offset_use = false;
        match class {
            Class::Close => cand = a.fd(0).map(|fd| (TOp::Close { fd }, false)),
            Class::Dup => {
                cand = a
                    .fd(0)
                    .map(|old| (dup_op(old, 0, false, AllocKind::Dup), false))
            }
            Class::Dup2 | Class::Dup3 => {
                if let (Some(old), Some(new)) = (a.fd(0), a.fd(1)) {
                    let fl = if class == Class::Dup3 {
                        flags::eval(a.text(2), flags::oflag).map(|f| Some(f as u32))
                    } else {
                        Some(None)
                    };
                    if let Some(flags) = fl {
                        cand = Some((TOp::Place { old, new, flags }, false));
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
                                cand = Some((dup_op(fd, min as u32, c, AllocKind::DupFd), false));
                            }
                        }
                        fcntl_cmd::F_SETFD => {
                            if let Some(v) = flags::eval(a.text(2), flags::fd_flag) {
                                let op = TOp::SetCloexec {
                                    fd,
                                    on: v & 1 != 0,
                                    raw: true,
                                };
                                cand = Some((op, false));
                            }
                        }
                        _ => watch[0] = Some(fd),
                    }
                }
            }
            Class::Ioctl => match (a.fd(0), flags::strip_comment(a.text(1))) {
                (Some(fd), "FIOCLEX") => {
                    cand = Some((
                        TOp::SetCloexec {
                            fd,
                            on: true,
                            raw: false,
                        },
                        false,
                    ))
                }
                (Some(fd), "FIONCLEX") => {
                    cand = Some((
                        TOp::SetCloexec {
                            fd,
                            on: false,
                            raw: false,
                        },
                        false,
                    ))
                }
                (Some(fd), _) => watch[0] = Some(fd),
                _ => {}
            },
            Class::CloseRange => {
                let f = flags::eval(a.text(2), flags::close_range_flag).unwrap_or(0);
                if f & 2 == 0 {
                    if let (Some(first), Some(last)) = (a.int(0), a.int(1)) {
                        let r = CloseRange::new(first as u32, last as u32, f as u32);
                        cand = Some((TOp::CloseRange(r), false));
                    }
                }
            }
            Class::Open(_) | Class::New(_) => cand = Some((TOp::Reserve { count: 1 }, false)),
            Class::Pipe | Class::Socketpair => cand = Some((TOp::Reserve { count: 2 }, false)),
            Class::Accept { .. } => cand = Some((TOp::Reserve { count: 1 }, true)),
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
                if let Some((op, reserve_now)) = cand {
                    let c = Cand { id, start, op, lim };
                    if reserve_now {
                        g.enter_reserving(c);
                    } else {
                        g.enter(c);
                    }
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

    // ---- completion --------------------------------------------------------------

    /// A call completed (or was given up on: `outcome` is `None`).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn on_call(
        &mut self,
        pid: u32,
        name: &str,
        class: Class,
        args: &str,
        outcome: Option<&Outcome<'_>>,
        entered: u64,
        pending: Option<Pending>,
        sink: &mut dyn Sink,
    ) {
        self.summary.calls += 1;
        if class == Class::Ignore || !self.tasks.contains_key(&pid) {
            self.summary.undecided += 1;
            if let Some(p) = pending {
                self.cleanup(pid, p, false);
            }
            return;
        }
        let mut c = Ctx {
            pid,
            name,
            args,
            outcome,
            entered,
            completed: self.line,
            pending,
            consumed: false,
        };
        let check = self.dispatch(&mut c, class, sink);
        match check {
            Check::Agree => self.summary.agree += 1,
            Check::Differ(_) => self.summary.differ += 1,
            Check::Undecided => self.summary.undecided += 1,
        }
        if let Some(p) = c.pending.take() {
            self.cleanup(pid, p, c.consumed);
        }
        if !self.pending_events.is_empty() {
            self.flush_events(sink);
        }
    }

    /// Releases what the pending call registered at entry.
    fn cleanup(&mut self, pid: u32, p: Pending, consumed: bool) {
        if matches!(p.class, Class::Clone | Class::Clone3 | Class::Fork) {
            if let Some(i) = self.cloning.iter().rposition(|&c| c == pid) {
                self.cloning.remove(i);
            }
        }
        for d in p.uses.iter().flatten() {
            d.finish_use(p.entered, self.line, true);
        }
        if let Some(g) = self.group_mut(p.group) {
            if p.cand && !consumed {
                g.abandon(p.id);
            }
            if p.opaque {
                g.opaque = g.opaque.saturating_sub(1);
            }
        }
    }

    fn dispatch(&mut self, c: &mut Ctx<'_>, class: Class, sink: &mut dyn Sink) -> Check {
        let obs = obs_of(c.outcome);
        match class {
            Class::Ignore => Check::Undecided,
            Class::Open(form) => self.open(c, form, obs, sink),
            Class::New(kind) => self.new_fd(c, kind, obs, sink),
            Class::Pipe | Class::Socketpair => self.pair(c, class == Class::Pipe, obs, sink),
            Class::Accept { four } => self.accept(c, four, obs, sink),
            Class::Recvmsg { mmsg } => self.recvmsg(c, mmsg, obs, sink),
            Class::Sendmsg { .. } => self.sendmsg(c, obs, sink),
            Class::Dup => {
                let mut a = Argv::new(c.args);
                match a.fd(0) {
                    Some(old) => {
                        let op = dup_op(old, 0, false, AllocKind::Dup);
                        self.table_op(c, &op, &as_fds(obs), "descriptor", sink)
                    }
                    None => Check::Undecided,
                }
            }
            Class::Dup2 | Class::Dup3 => {
                let mut a = Argv::new(c.args);
                let flags = if class == Class::Dup3 {
                    match flags::eval(a.text(2), flags::oflag) {
                        Some(f) => Some(f as u32),
                        None => return Check::Undecided,
                    }
                } else {
                    None
                };
                match (a.fd(0), a.fd(1)) {
                    (Some(old), Some(new)) => {
                        let op = TOp::Place { old, new, flags };
                        self.table_op(c, &op, &obs, "descriptor", sink)
                    }
                    _ => Check::Undecided,
                }
            }
            Class::Fcntl => self.fcntl(c, obs, sink),
            Class::Close => match Argv::new(c.args).fd(0) {
                Some(fd) => self.table_op(c, &TOp::Close { fd }, &obs, "close", sink),
                None => Check::Undecided,
            },
            Class::CloseRange => self.close_range(c, obs, sink),
            Class::Ioctl => self.ioctl(c, obs, sink),
            Class::Lseek => self.lseek(c, obs, sink),
            Class::Mmap => {
                let mut a = Argv::new(c.args);
                if flags::has(a.text(3), "MAP_ANONYMOUS", 0x20) {
                    return Check::Undecided;
                }
                match a.fd(4) {
                    Some(fd) => self.use_fds(c, &[fd], Need::default(), true, &obs, sink),
                    None => Check::Undecided,
                }
            }
            Class::Exec { at } => self.exec(c, at, obs, sink),
            Class::Clone | Class::Clone3 | Class::Fork => self.clone_call(c, obs, sink),
            Class::Unshare => {
                let mut a = Argv::new(c.args);
                if obs == Obs::Ok(0) && flags::has(a.text(0), "CLONE_FILES", 0x400) {
                    self.unshare(c.pid, u32::MAX);
                    self.flush_events(sink);
                }
                Check::Undecided
            }
            Class::Prlimit | Class::Setrlimit | Class::Getrlimit => {
                self.rlimit(c, class, obs, sink)
            }
            Class::Waitid => {
                let mut a = Argv::new(c.args);
                if a.text(0) == "P_PIDFD" {
                    if let Some(fd) = a.fd(1) {
                        return self.use_fds(c, &[fd], Need::default(), false, &obs, sink);
                    }
                }
                Check::Undecided
            }
            Class::Use(u) => self.generic_use(c, u, obs, sink),
            Class::At(at) => self.at_call(c, at, obs, sink),
        }
    }

    // ---- the table check ---------------------------------------------------------

    /// Checks `op` against the caller's table and applies it; reports a divergence
    /// (after trying to explain it by the unknown starting state) and
    /// resynchronises.
    pub(crate) fn table_op(
        &mut self,
        c: &mut Ctx<'_>,
        op: &TOp,
        obs: &Obs,
        what: &'static str,
        sink: &mut dyn Sink,
    ) -> Check {
        let Some(gid) = self.gid(c.pid) else {
            return Check::Undecided;
        };
        let lim = self.limits(c.pid);
        let id = c.id(self);
        let entry_ok = entry_ok(c.pending.as_ref(), op, obs);
        let events = self.events;
        let mut changes = std::mem::take(&mut self.changes);
        let Some(g) = self.group_mut(gid) else {
            return Check::Undecided;
        };
        let ch = if events { Some(&mut changes) } else { None };
        let done = g.complete(id, c.entered, c.completed, op, obs, lim, entry_ok, ch);
        c.consumed = true;
        let mut check = done.check;
        if let Check::Differ(pred) = &check {
            let pred = pred.clone();
            let at = (id, c.entered, c.completed);
            check = self.diverge(c, gid, at, op, obs, lim, pred, what, &mut changes, sink);
        } else if let Some(g) = self.group_mut(gid) {
            mark_known(g, op, obs);
        }
        if done.searched && check == Check::Agree {
            self.summary.reordered += 1;
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
        if events {
            self.emit_changes(c, &mut changes, obs, sink);
            self.emit_uses(c, gid, op, obs, sink);
        }
        changes.clear();
        self.changes = changes;
        check
    }

    /// A result the table decided otherwise: explain it by the starting state if
    /// possible, else report it and make the table agree with the log.
    #[allow(clippy::too_many_arguments)]
    fn diverge(
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
        self.report(c, what, pred.to_string(), table, sink);
        Check::Differ(pred)
    }

    fn report(
        &mut self,
        c: &Ctx<'_>,
        what: &'static str,
        predicted: String,
        table: Vec<crate::report::FdView>,
        sink: &mut dyn Sink,
    ) {
        let expected = match c.outcome {
            Some(o) => o.to_string(),
            None => "?".to_owned(),
        };
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

    fn emit_changes(
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

    // ---- descriptor creation -------------------------------------------------------

    /// A description for the new descriptor of a call whose observation is `obs`
    /// (failed calls get a shared placeholder: nothing is installed).
    fn new_desc(&self, c: &Ctx<'_>, obs: &Obs, kind: Kind, link: &str, status: Status) -> Entry {
        let _ = obs;
        Arc::new(Description::new(kind, link, status, self.origin(c.pid)))
    }

    fn open(&mut self, c: &mut Ctx<'_>, form: OpenForm, obs: Obs, sink: &mut dyn Sink) -> Check {
        let mut a = Argv::new(c.args);
        let (dirfd_i, path_i, flags_text) = match form {
            OpenForm::Open => (None, 0, a.text(1)),
            OpenForm::Openat => (Some(0), 1, a.text(2)),
            OpenForm::Creat => (None, 0, "O_CREAT|O_WRONLY|O_TRUNC"),
            OpenForm::Openat2 => (Some(0), 1, flags::field(a.text(2), "flags").unwrap_or("")),
        };
        let fl = flags::eval(flags_text, flags::oflag);
        let cloexec = match fl {
            Some(f) => f & O_CLOEXEC != 0,
            None => flags::has(flags_text, "O_CLOEXEC", O_CLOEXEC),
        };
        let path = unquote(a.text(path_i));
        let relative = path.is_some_and(|p| !p.starts_with('/'));
        let dirfd = dirfd_i
            .and_then(|i| a.fd(i))
            .filter(|&d| d != AT_FDCWD && relative);
        let obs = as_fds(obs);
        let deco = c.outcome.and_then(|o| o.value()).and_then(decoration);
        let link = deco.or(path).unwrap_or("?");
        let device = link.starts_with("/dev/")
            || deco.is_some_and(|d| d.contains("<char ") || d.contains("<block "));
        let kind = if device { Kind::Device } else { Kind::Path };
        let status = open_status(fl, form, kind);
        let desc = self.new_desc(c, &obs, kind, link, status);
        let op = TOp::Alloc {
            start: 0,
            cloexec,
            src: Src::New(vec![desc]),
            kind: AllocKind::New,
            dirfd,
            pre: None,
        };
        self.table_op(c, &op, &obs, "descriptor", sink)
    }

    fn new_fd(&mut self, c: &mut Ctx<'_>, kind: New, obs: Obs, sink: &mut dyn Sink) -> Check {
        let mut a = Argv::new(c.args);
        let rdwr = OFlags::RDWR.bits();
        let nb = |text: &str, name: &str| -> u32 {
            if flags::has(text, name, u64::from(O_NONBLOCK)) {
                O_NONBLOCK
            } else {
                0
            }
        };
        let ce = |text: &str, name: &str, bit: u64| flags::has(text, name, bit);
        // (cloexec, status, kind, link, pre-checked descriptor)
        let (cloexec, status, dkind, link, pre): (bool, Status, Kind, String, Option<u32>) =
            match kind {
                New::Socket => {
                    let t = a.text(1);
                    (
                        ce(t, "SOCK_CLOEXEC", O_CLOEXEC),
                        Status::known(rdwr | nb(t, "SOCK_NONBLOCK")),
                        Kind::Socket,
                        "socket:[?]".into(),
                        None,
                    )
                }
                New::EventFd => (
                    false,
                    Status::known(rdwr),
                    Kind::Anon,
                    "anon_inode:[eventfd]".into(),
                    None,
                ),
                New::EventFd2 => {
                    let t = a.text(1);
                    (
                        ce(t, "EFD_CLOEXEC", O_CLOEXEC),
                        Status::known(rdwr | nb(t, "EFD_NONBLOCK")),
                        Kind::Anon,
                        "anon_inode:[eventfd]".into(),
                        None,
                    )
                }
                New::EpollCreate => (
                    false,
                    Status::known(rdwr),
                    Kind::Anon,
                    "anon_inode:[eventpoll]".into(),
                    None,
                ),
                New::EpollCreate1 => (
                    ce(a.text(0), "EPOLL_CLOEXEC", O_CLOEXEC),
                    Status::known(rdwr),
                    Kind::Anon,
                    "anon_inode:[eventpoll]".into(),
                    None,
                ),
                New::SignalFd | New::SignalFd4 => {
                    let fd = a.int(0).unwrap_or(-1);
                    if fd != -1 {
                        // An existing signalfd is modified.
                        return self.use_fds(c, &[fd as u32], Need::default(), true, &obs, sink);
                    }
                    let t = if kind == New::SignalFd4 {
                        a.text(3)
                    } else {
                        ""
                    };
                    (
                        ce(t, "SFD_CLOEXEC", O_CLOEXEC),
                        Status::unknown(),
                        Kind::Anon,
                        "anon_inode:[signalfd]".into(),
                        None,
                    )
                }
                New::TimerFd => {
                    let t = a.text(1);
                    (
                        ce(t, "TFD_CLOEXEC", O_CLOEXEC),
                        Status::unknown(),
                        Kind::Anon,
                        "anon_inode:[timerfd]".into(),
                        None,
                    )
                }
                New::InotifyInit => (
                    false,
                    Status::unknown(),
                    Kind::Anon,
                    "anon_inode:inotify".into(),
                    None,
                ),
                New::InotifyInit1 => (
                    ce(a.text(0), "IN_CLOEXEC", O_CLOEXEC),
                    Status::unknown(),
                    Kind::Anon,
                    "anon_inode:inotify".into(),
                    None,
                ),
                New::FanotifyInit => (
                    ce(a.text(0), "FAN_CLOEXEC", 1),
                    Status::unknown(),
                    Kind::Anon,
                    "anon_inode:[fanotify]".into(),
                    None,
                ),
                New::MemfdCreate => {
                    let name = unquote(a.text(0)).unwrap_or("?");
                    (
                        ce(a.text(1), "MFD_CLOEXEC", 1),
                        Status::known(rdwr | OFlags::LARGEFILE.bits()),
                        Kind::Memfd,
                        format!("/memfd:{name} (deleted)"),
                        None,
                    )
                }
                New::MemfdSecret => (
                    ce(a.text(0), "O_CLOEXEC", O_CLOEXEC),
                    Status::unknown(),
                    Kind::Anon,
                    "/secretmem (deleted)".into(),
                    None,
                ),
                New::Userfaultfd => (
                    ce(a.text(0), "O_CLOEXEC", O_CLOEXEC),
                    Status::unknown(),
                    Kind::Anon,
                    "anon_inode:[userfaultfd]".into(),
                    None,
                ),
                New::PerfEventOpen => (
                    ce(a.text(4), "PERF_FLAG_FD_CLOEXEC", 8),
                    Status::unknown(),
                    Kind::Anon,
                    "anon_inode:[perf_event]".into(),
                    None,
                ),
                New::IoUringSetup => (
                    true,
                    Status::unknown(),
                    Kind::Anon,
                    "anon_inode:[io_uring]".into(),
                    None,
                ),
                New::PidfdOpen => (
                    true,
                    Status::unknown(),
                    Kind::Anon,
                    "anon_inode:[pidfd]".into(),
                    None,
                ),
                New::PidfdGetfd => (
                    true,
                    Status::unknown(),
                    Kind::Inherited,
                    "?".into(),
                    a.fd(0),
                ),
                New::LandlockCreateRuleset => {
                    if flags::has(a.text(2), "LANDLOCK_CREATE_RULESET_VERSION", 1) {
                        return Check::Undecided;
                    }
                    (
                        true,
                        Status::unknown(),
                        Kind::Anon,
                        "anon_inode:landlock-ruleset".into(),
                        None,
                    )
                }
                New::Fsopen => (
                    ce(a.text(1), "FSOPEN_CLOEXEC", 1),
                    Status::unknown(),
                    Kind::Anon,
                    "anon_inode:[fscontext]".into(),
                    None,
                ),
                New::Fspick => (
                    ce(a.text(2), "FSPICK_CLOEXEC", 1),
                    Status::unknown(),
                    Kind::Anon,
                    "anon_inode:[fscontext]".into(),
                    None,
                ),
                New::Fsmount => (
                    ce(a.text(1), "FSMOUNT_CLOEXEC", 1),
                    Status::unknown(),
                    Kind::Path,
                    "/".into(),
                    a.fd(0),
                ),
                New::OpenTree => (
                    ce(a.text(2), "OPEN_TREE_CLOEXEC", O_CLOEXEC),
                    Status::unknown(),
                    Kind::Path,
                    unquote(a.text(1)).unwrap_or("?").into(),
                    None,
                ),
                New::OpenByHandleAt => (
                    ce(a.text(2), "O_CLOEXEC", O_CLOEXEC),
                    Status::unknown(),
                    Kind::Path,
                    "?".into(),
                    a.fd(0).filter(|&d| d != AT_FDCWD),
                ),
                New::MqOpen => (
                    ce(a.text(1), "O_CLOEXEC", O_CLOEXEC),
                    Status::unknown(),
                    Kind::Path,
                    unquote(a.text(0)).unwrap_or("?").into(),
                    None,
                ),
            };
        let obs = as_fds(obs);
        let deco = c.outcome.and_then(|o| o.value()).and_then(decoration);
        let desc = self.new_desc(c, &obs, dkind, deco.unwrap_or(&link), status);
        if deco.is_none() && link.ends_with("[?]") {
            // A placeholder until a decoration names it.
        }
        let dirfd = match kind {
            New::OpenTree | New::Fspick => a.fd(0).filter(|&d| {
                d != AT_FDCWD && unquote(a.text(1)).is_some_and(|p| !p.starts_with('/'))
            }),
            _ => None,
        };
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

    fn pair(&mut self, c: &mut Ctx<'_>, pipe: bool, obs: Obs, sink: &mut dyn Sink) -> Check {
        let mut a = Argv::new(c.args);
        let (arr_i, flags_text) = if pipe { (0, a.text(1)) } else { (3, a.text(1)) };
        let fds = int_array(a.text(arr_i));
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
            let cloexec_nb = nb_bits(flags_text, "O_NONBLOCK")
                | if flags::has(flags_text, "O_DIRECT", 0o40000) {
                    OFlags::DIRECT.bits()
                } else {
                    0
                };
            (0..2)
                .map(|i| {
                    let access = if i == 0 { 0 } else { OFlags::WRONLY.bits() };
                    let link = deco(i).unwrap_or_else(|| "pipe:[?]".into());
                    let d = Description::new(
                        Kind::Pipe,
                        link,
                        Status::known(access | cloexec_nb),
                        origin,
                    );
                    Arc::new(if deco(i).is_none() {
                        d.with_placeholder_link()
                    } else {
                        d
                    })
                })
                .collect()
        } else {
            let st = Status::known(OFlags::RDWR.bits() | nb_bits(flags_text, "SOCK_NONBLOCK"));
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
        let cloexec_name = if pipe { "O_CLOEXEC" } else { "SOCK_CLOEXEC" };
        let op = TOp::Alloc {
            start: 0,
            cloexec: flags::has(flags_text, cloexec_name, O_CLOEXEC),
            src: Src::New(descs),
            kind: AllocKind::New,
            dirfd: None,
            pre: None,
        };
        self.table_op(c, &op, &obs, "descriptor", sink)
    }

    fn accept(&mut self, c: &mut Ctx<'_>, four: bool, obs: Obs, sink: &mut dyn Sink) -> Check {
        let mut a = Argv::new(c.args);
        let Some(fd) = a.fd(0) else {
            return Check::Undecided;
        };
        let t = if four { a.text(3) } else { "" };
        let obs = as_fds(obs);
        let deco = c.outcome.and_then(|o| o.value()).and_then(decoration);
        let st = Status::known(OFlags::RDWR.bits() | nb_bits(t, "SOCK_NONBLOCK"));
        let desc = self.new_desc(c, &obs, Kind::Socket, deco.unwrap_or("socket:[?]"), st);
        let op = TOp::Alloc {
            start: 0,
            cloexec: flags::has(t, "SOCK_CLOEXEC", O_CLOEXEC),
            src: Src::New(vec![desc]),
            kind: AllocKind::New,
            dirfd: None,
            pre: Some(fd),
        };
        self.table_op(c, &op, &obs, "descriptor", sink)
    }

    fn recvmsg(&mut self, c: &mut Ctx<'_>, mmsg: bool, obs: Obs, sink: &mut dyn Sink) -> Check {
        let mut a = Argv::new(c.args);
        let Some(fd) = a.fd(0) else {
            return Check::Undecided;
        };
        let rights: Vec<u32> = if matches!(obs, Obs::Ok(_)) {
            scm_rights(c.args).into_iter().flatten().collect()
        } else {
            Vec::new()
        };
        if rights.is_empty() {
            return self.use_fds(c, &[fd], Need::default(), true, &obs, sink);
        }
        let flags_text = a.text(if mmsg { 3 } else { 2 });
        let sock = self.lookup(c.pid, fd);
        let origin = self.origin(c.pid);
        let descs: Vec<Entry> = rights
            .iter()
            .map(|_| {
                sock.as_ref()
                    .and_then(|s| s.receive_right())
                    .unwrap_or_else(|| Arc::new(Description::inherited("?", origin)))
            })
            .collect();
        let op = TOp::Alloc {
            start: 0,
            cloexec: flags::has(flags_text, "MSG_CMSG_CLOEXEC", 0x4000_0000),
            src: Src::New(descs),
            kind: AllocKind::New,
            dirfd: None,
            pre: Some(fd),
        };
        self.table_op(c, &op, &Obs::Fds(rights), "descriptor", sink)
    }

    fn sendmsg(&mut self, c: &mut Ctx<'_>, obs: Obs, sink: &mut dyn Sink) -> Check {
        let mut a = Argv::new(c.args);
        let Some(fd) = a.fd(0) else {
            return Check::Undecided;
        };
        let mut check = self.use_fds(c, &[fd], Need::default(), true, &obs, sink);
        if matches!(obs, Obs::Ok(_)) {
            let sent: Vec<u32> = scm_rights(c.args).into_iter().flatten().collect();
            if !sent.is_empty() {
                let descs: Vec<Entry> =
                    sent.iter().filter_map(|&n| self.lookup(c.pid, n)).collect();
                if descs.len() != sent.len() {
                    let missing = sent
                        .iter()
                        .copied()
                        .find(|&n| self.lookup(c.pid, n).is_none());
                    if let Some(m) = missing {
                        let op = TOp::Use {
                            fds: [m, 0],
                            n: 1,
                            need: Need {
                                raw: true,
                                ..Need::default()
                            },
                        };
                        check = worst(check, self.table_op(c, &op, &Obs::Ok(0), "EBADF", sink));
                    }
                } else if let Some(s) = self.lookup(c.pid, fd) {
                    s.send_rights(descs);
                }
            }
        }
        check
    }

    // ---- the dup family, fcntl, ioctl, close_range -------------------------------------

    fn fcntl(&mut self, c: &mut Ctx<'_>, obs: Obs, sink: &mut dyn Sink) -> Check {
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

    /// Reports a divergence found outside the table (flags, offsets, limits).
    fn summary_note_differ(
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
        self.report(c, what, predicted, table, sink);
    }

    fn getfl(&mut self, c: &Ctx<'_>, fd: u32, v: u32, sink: &mut dyn Sink) -> Check {
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

    fn ioctl(&mut self, c: &mut Ctx<'_>, obs: Obs, sink: &mut dyn Sink) -> Check {
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

    fn close_range(&mut self, c: &mut Ctx<'_>, obs: Obs, sink: &mut dyn Sink) -> Check {
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

    // ---- uses of descriptors --------------------------------------------------------

    /// A call that only uses descriptors: `EBADF` iff one is not open (or has the
    /// wrong access mode).
    fn use_fds(
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
        self.table_op(c, &op, obs, "EBADF", sink)
    }

    /// Replaces placeholder links with the call's `-y` decorations.
    fn learn_links(&self, c: &Ctx<'_>, fds: &[u32]) {
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

    fn generic_use(&mut self, c: &mut Ctx<'_>, u: Use, obs: Obs, sink: &mut dyn Sink) -> Check {
        let mut a = Argv::new(c.args);
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
            match a.fd(i as usize) {
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
        for (k, eff) in [u.offset, u.offset2].into_iter().enumerate() {
            if let Some(&fd) = fds.get(k) {
                let eff = if diverged { Offset::Lose } else { eff };
                self.advance(c, k, fd, eff, &mut a, &obs);
            }
        }
        check
    }

    /// The entry-time description of descriptor `k` (or the current one).
    fn use_desc(&self, c: &mut Ctx<'_>, k: usize, fd: u32) -> (Option<Entry>, bool) {
        let registered = c.pending.as_mut().and_then(|p| p.uses[k].take());
        match registered {
            Some(d) => (Some(d), true),
            None => (self.lookup(c.pid, fd), false),
        }
    }

    /// Moves the offset of descriptor `k`'s description after a read or write.
    fn advance(
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
            Offset::AdvanceUnlessOffset(i) => {
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

    fn lseek(&mut self, c: &mut Ctx<'_>, obs: Obs, sink: &mut dyn Sink) -> Check {
        let mut a = Argv::new(c.args);
        let Some(fd) = a.fd(0) else {
            return Check::Undecided;
        };
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
        let off = a.int(1);
        let pred = match flags::strip_comment(a.text(2)) {
            "SEEK_SET" => off.filter(|o| *o >= 0),
            "SEEK_CUR" if !concurrent => match (d.offset(), off) {
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
                self.summary_note_differ(c, "offset", p.to_string(), sink);
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

    fn at_call(&mut self, c: &mut Ctx<'_>, at: At, obs: Obs, sink: &mut dyn Sink) -> Check {
        let mut a = Argv::new(c.args);
        let empty_path =
            at.flags != u8::MAX && flags::has(a.text(at.flags as usize), "AT_EMPTY_PATH", 0x1000);
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

    // ---- processes ---------------------------------------------------------------------

    fn clone_call(&mut self, c: &mut Ctx<'_>, obs: Obs, sink: &mut dyn Sink) -> Check {
        let Obs::Ok(child) = obs else {
            return Check::Undecided;
        };
        let Ok(child) = u32::try_from(child) else {
            return Check::Undecided;
        };
        let fl = clone_flags(c.name, c.args).unwrap_or(0);
        let existing = self.tasks.get(&child).map(|t| (t.tgid, t.group));
        match existing {
            Some(_) => {}
            None => self.spawn(c.pid, child, fl),
        }
        if fl & flags::clone::PIDFD == 0 {
            return Check::Undecided;
        }
        // The pidfd is written to parent_tid (clone) or to pidfd (clone3).
        let mut a = Argv::new(c.args);
        let text = if c.name == "clone3" {
            c.args.rsplit("pidfd=").next().unwrap_or("")
        } else {
            a.named("parent_tid").map_or("", |p| p.text())
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
        self.table_op(c, &op, &Obs::Fds(vec![pidfd]), "descriptor", sink)
    }

    fn exec(&mut self, c: &mut Ctx<'_>, at: bool, obs: Obs, sink: &mut dyn Sink) -> Check {
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

    fn rlimit(&mut self, c: &mut Ctx<'_>, class: Class, obs: Obs, sink: &mut dyn Sink) -> Check {
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
        if res != "RLIMIT_NOFILE" && res != "7" {
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
                        self.summary_note_differ(c, "RLIMIT_NOFILE", pred.to_string(), sink);
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

fn nb_bits(text: &str, name: &str) -> u32 {
    if flags::has(text, name, u64::from(O_NONBLOCK)) {
        O_NONBLOCK
    } else {
        0
    }
}

fn dup_op(old: u32, start: u32, cloexec: bool, kind: AllocKind) -> TOp {
    TOp::Alloc {
        start,
        cloexec,
        src: Src::Dup(old),
        kind,
        dirfd: None,
        pre: None,
    }
}

/// The worse of two checks: a divergence wins, then agreement.
fn worst(a: Check, b: Check) -> Check {
    match (a, b) {
        (d @ Check::Differ(_), _) | (_, d @ Check::Differ(_)) => d,
        (Check::Agree, _) | (_, Check::Agree) => Check::Agree,
        _ => Check::Undecided,
    }
}

/// Whether the descriptors' state at the call's entry explains the observation
/// (a call that blocks looks its descriptors up when it starts).
fn entry_ok(p: Option<&Pending>, op: &TOp, obs: &Obs) -> bool {
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

/// Marks the numbers a checked operation pinned down as known.
fn mark_known(g: &mut crate::lin::Group, op: &TOp, obs: &Obs) {
    if g.known.all && g.known.doubt.is_empty() && g.known.doubt_cloexec.is_empty() {
        return;
    }
    if let (TOp::CloseRange(Ok(r)), Obs::Ok(_)) = (op, obs) {
        g.known.mark_range(r.first(), r.last());
        return;
    }
    for &fd in op.pinned(obs).fds() {
        g.known.mark(fd);
    }
    for &fd in op.sets_cloexec(obs).fds() {
        g.known.mark_cloexec(fd);
    }
}

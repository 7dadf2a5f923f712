//! Per-call handling: decode a call's arguments once ([`decode()`]: at entry for a
//! call strace split, at completion otherwise) into table operations, check them
//! ([`crate::lin::Group::complete`]), then model what lives outside tables:
//! processes (`clone`, `execve`, rlimits) and descriptions (offsets, status flags,
//! `SCM_RIGHTS` transfers).
//!
//! Every handler returns the call's [`Check`]; a call with several checks (a
//! descriptor check and an offset check) differs if any of them differs.

mod check;
mod create;
mod decode;
mod entry;
mod fdops;
mod process;
mod strict;
mod uses;

pub(crate) use decode::{decode, decode_simple, Decoded, Op, OpenInputs};

use decode::{offset_use, Whence};

use std::sync::Arc;

use fdkit::catalog::flagset::{self as fs, name};
use fdkit::flags::{fcntl_cmd, SETFL_MASK};
use fdkit::{CloseRange, Errno, Fd, Limits, OFlags};
use fdkit_strace::{Args, Outcome, Value};

use crate::desc::{Description, Kind, Origin, Status};
use crate::engine::{list, Pending, Replay, Task, NO_PID};
use crate::flags;
use crate::lin::Cand;
use crate::op::{AllocKind, Change, Check, Entry, Fds, Need, Obs, Predicted, Src, TOp};
use crate::prep::OutSpans;
use crate::report::{CloseCause, Divergence, Event, Note, Sink};
use crate::syscalls::{At, Class, New, Offset, OpenForm, Use};

const AT_FDCWD: u32 = -100i32 as u32;
const O_CLOEXEC: u64 = fs::O_CLOEXEC;
const O_NONBLOCK: u32 = fs::O_NONBLOCK as u32;

/// The arguments of a call, split lazily and only as far as asked (up to eight):
/// a `newfstatat` whose path is not empty never has its `stat` struct scanned.
/// Simple argument text ([`crate::fast::simple_args`]: no strings, brackets,
/// decorations, comments or names) is split at its commas without the scanner,
/// into the same pieces [`fdkit_strace::ArgIter`] yields.
pub(crate) struct Argv<'a> {
    iter: Split<'a>,
    /// Each argument's name (`flags=`) and text.
    v: [Option<(Option<&'a str>, &'a str)>; 8],
    /// How many arguments have been split so far.
    n: usize,
    done: bool,
}

/// How [`Argv`] splits.
enum Split<'a> {
    Scan(fdkit_strace::ArgIter<'a>),
    /// Simple text: the rest to split, whether it is the first piece, and
    /// whether splitting ended.
    Commas {
        rest: &'a str,
        first: bool,
        done: bool,
    },
}

impl<'a> Split<'a> {
    fn next(&mut self) -> Option<(Option<&'a str>, &'a str)> {
        match self {
            Split::Scan(it) => it.next().map(|a| (a.name(), a.text())),
            Split::Commas { rest, first, done } => loop {
                if *done {
                    return None;
                }
                // Arguments are short: a loop beats `memchr`'s setup.
                let (raw, last) = match rest.bytes().position(|c| c == b',') {
                    Some(k) => {
                        let raw = &rest[..k];
                        *rest = &rest[k + 1..];
                        (raw, false)
                    }
                    None => (std::mem::take(rest), true),
                };
                let was_first = std::mem::replace(first, false);
                *done = last;
                let arg = fdkit_strace::ws::trim(raw);
                // As `ArgIter`: the empty piece before a leading comma or after a
                // trailing one (halves of a split call) is no argument.
                if arg.is_empty() && ((was_first && !last) || (last && !was_first)) {
                    continue;
                }
                return Some((None, arg));
            },
        }
    }
}

impl<'a> Argv<'a> {
    fn new(text: &'a str) -> Argv<'a> {
        if crate::fast::simple_args(text.as_bytes()) {
            return Argv::simple(text);
        }
        Argv::scanned(text)
    }

    /// Argument text split by the scanner ([`fdkit_strace::ArgIter`]).
    pub(crate) fn scanned(text: &'a str) -> Argv<'a> {
        Argv::with(Split::Scan(Args::from_text(text).iter()))
    }

    /// Simple argument text ([`crate::fast::simple_args`]), split at its commas.
    pub(crate) fn simple(text: &'a str) -> Argv<'a> {
        Argv::with(Split::Commas {
            rest: text,
            first: true,
            done: fdkit_strace::ws::trim(text).is_empty(),
        })
    }

    fn with(iter: Split<'a>) -> Argv<'a> {
        Argv {
            iter,
            v: [None; 8],
            n: 0,
            done: false,
        }
    }

    pub(crate) fn get(&mut self, i: usize) -> Option<(Option<&'a str>, &'a str)> {
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
        self.get(i).map_or("", |a| a.1)
    }

    fn int(&mut self, i: usize) -> Option<i64> {
        flags::fd(self.text(i))
    }

    /// A descriptor argument: the low 32 bits, as the kernel reads it.
    fn fd(&mut self, i: usize) -> Option<u32> {
        self.int(i).map(|v| v as u32)
    }

    /// The text of the argument named `name=` (for `clone`'s named arguments).
    fn named(&mut self, name: &str) -> Option<&'a str> {
        self.get(7);
        self.v
            .iter()
            .flatten()
            .find(|a| a.0 == Some(name))
            .map(|a| a.1)
    }
}

/// One call being handled.
pub(crate) struct Ctx<'a> {
    pid: u32,
    name: &'a str,
    args: &'a str,
    outcome: Option<Res<'a>>,
    entered: u64,
    completed: u64,
    pending: Option<Box<Pending>>,
    /// The call went through the group (its registration is consumed).
    consumed: bool,
    /// The task's table group and limits, if the caller looked them up already.
    at: Option<(u32, Limits)>,
    /// [`TOp::pinned`] of the call's table change, if the caller has it.
    pinned: Option<crate::op::Touch>,
}

/// A completed call's outcome: parsed, or the places of its parts in the line,
/// put together only if a report needs it.
#[derive(Clone, Copy)]
pub(crate) enum Res<'a> {
    Parsed(&'a Outcome<'a>),
    Spans(&'a str, OutSpans),
}

impl<'a> Ctx<'a> {
    /// The outcome (`None`: the call did not complete).
    fn outcome(&self) -> Option<Outcome<'a>> {
        match self.outcome? {
            Res::Parsed(o) => Some(o.clone()),
            Res::Spans(text, o) => Some(o.get(text)),
        }
    }

    /// The returned value as written ([`Outcome::value`]).
    fn value(&self) -> Option<&'a str> {
        match self.outcome? {
            Res::Parsed(o) => o.value(),
            Res::Spans(text, o) => o.value(text),
        }
    }
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
        match self.outcome() {
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
    let Some(v) = o.value() else {
        return Obs::Unknown;
    };
    // The commonest value, a short plain decimal, without the general reader.
    let b = v.as_bytes();
    if !b.is_empty()
        && b.len() <= 18
        && (b[0] != b'0' || b.len() == 1)
        && b.iter().all(u8::is_ascii_digit)
    {
        return Obs::Ok(b.iter().fold(0i64, |n, &c| n * 10 + i64::from(c - b'0')));
    }
    Obs::Ok(o.int().unwrap_or(0))
}

fn errno(name: &str) -> Errno {
    Errno::from_name(name).unwrap_or(Errno::from_raw(0))
}

/// A success value as new descriptors.
pub(crate) fn as_fds(obs: Obs) -> Obs {
    match obs {
        Obs::Ok(v) if (0..=i64::from(u32::MAX)).contains(&v) => Obs::Fds(Fds::one(v as u32)),
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

impl Replay {
    fn gid(&self, pid: u32) -> Option<u32> {
        self.tasks.get(&pid).map(|t| t.group)
    }

    /// The task's table and its process's limits.
    fn gid_limits(&self, pid: u32) -> Option<(u32, Limits)> {
        self.tasks.get(&pid).map(|t| self.task_at(t))
    }

    /// [`Replay::gid_limits`] of a task at hand.
    pub(crate) fn task_at(&self, t: &Task) -> (u32, Limits) {
        let nofile = self.procs.get(&t.tgid).map_or(1024, |p| p.nofile);
        (t.group, Limits::new(nofile))
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

    // ---- completion --------------------------------------------------------------

    /// A call completed (or was given up on: `outcome` is `None`); `decoded`: its
    /// arguments, and `observed`: [`obs_of`] its outcome, if
    /// [`crate::prep::Preparer::prepare`] read them already.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn on_call(
        &mut self,
        pid: u32,
        name: &str,
        class: Class,
        args: &str,
        outcome: Option<&Outcome<'_>>,
        entered: u64,
        pending: Option<Box<Pending>>,
        decoded: Option<Decoded>,
        observed: Option<Obs>,
        sink: &mut dyn Sink,
    ) {
        self.summary.calls += 1;
        let mut c = Ctx {
            pid,
            name,
            args,
            outcome: outcome.map(Res::Parsed),
            entered,
            completed: self.line,
            pending,
            consumed: false,
            at: None,
            pinned: None,
        };
        let obs = observed.unwrap_or_else(|| obs_of(outcome));
        if class == Class::Plain || !self.tasks.contains_key(&pid) {
            match self.contract(&c, &obs, Check::Undecided, sink) {
                Check::Differ(_) => self.summary.differ += 1,
                _ => self.summary.undecided += 1,
            }
            if let Some(p) = c.pending.take() {
                self.cleanup(pid, p, false);
            }
            return;
        }
        let decoded = match c.pending.as_mut() {
            Some(p) => std::mem::take(&mut p.decoded),
            None => decoded.unwrap_or_else(|| decode(class, name, args)),
        };
        let check = self.dispatch(&mut c, class, decoded.op, obs.clone(), sink);
        self.conclude(&mut c, &obs, check, sink);
    }

    /// The common case of [`Replay::on_call`], without its steps that have nothing
    /// to do: a complete call of a task that is known and has no pending call,
    /// whose arguments decoded to a table change (`op`, checked as `what`; with
    /// `fds`, a success value is a new descriptor) and whose outcome was read as
    /// `obs` by [`crate::prep::Preparer::prepare`]. The caller has done what
    /// [`Replay::resolve_pid`] and [`Replay::give_up`] do for such a task, and
    /// found its table group and limits, `at`.
    #[allow(clippy::too_many_arguments)]
    #[inline]
    pub(crate) fn on_table_call(
        &mut self,
        (pid, at): (u32, (u32, Limits)),
        name: &str,
        args: &str,
        outcome: Res<'_>,
        (op, what, fds): (&TOp, &'static str, bool),
        (obs, pinned): (&Obs, Option<crate::op::Touch>),
        sink: &mut dyn Sink,
    ) {
        self.summary.calls += 1;
        let mut c = Ctx {
            pid,
            name,
            args,
            outcome: Some(outcome),
            entered: self.line,
            completed: self.line,
            pending: None,
            consumed: false,
            at: Some(at),
            pinned,
        };
        let check = if fds {
            self.table_op(&mut c, op, &as_fds(obs.clone()), what, sink)
        } else {
            self.table_op(&mut c, op, obs, what, sink)
        };
        self.conclude(&mut c, obs, check, sink);
    }

    /// The end of every checked call: the errno contract, the count, and the
    /// release of what a pending call registered.
    #[inline]
    fn conclude(&mut self, c: &mut Ctx<'_>, obs: &Obs, check: Check, sink: &mut dyn Sink) {
        // Only an error result can break the errno contract.
        let check = if matches!(obs, Obs::Err(_)) {
            self.contract(c, obs, check, sink)
        } else {
            check
        };
        match check {
            Check::Agree => self.summary.agree += 1,
            Check::Differ(_) => self.summary.differ += 1,
            Check::Undecided => self.summary.undecided += 1,
        }
        if let Some(p) = c.pending.take() {
            self.cleanup(c.pid, p, c.consumed);
        }
        if !self.pending_events.is_empty() {
            self.flush_events(sink);
        }
    }

    /// Releases what the pending call registered at entry.
    fn cleanup(&mut self, pid: u32, p: Box<Pending>, consumed: bool) {
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

    /// Checks a call of `class` whose inputs decoded to `op`.
    fn dispatch(
        &mut self,
        c: &mut Ctx<'_>,
        class: Class,
        op: Op,
        obs: Obs,
        sink: &mut dyn Sink,
    ) -> Check {
        match op {
            Op::Undecided => Check::Undecided,
            Op::Open(open) => match class {
                Class::Open(form) => self.open(c, form, open, obs, sink),
                _ => Check::Undecided,
            },
            Op::Later => match class {
                Class::New(kind) => self.new_fd(c, kind, obs, sink),
                Class::Pipe | Class::Socketpair => self.pair(c, class == Class::Pipe, obs, sink),
                Class::Exec { at } => self.exec(c, at, obs, sink),
                Class::Prlimit | Class::Setrlimit | Class::Getrlimit => {
                    self.rlimit(c, class, obs, sink)
                }
                Class::At(at) => self.at_call(c, at, obs, sink),
                _ => Check::Undecided,
            },
            Op::Table { op, what, fds } => {
                let obs = if fds { as_fds(obs) } else { obs };
                self.table_op(c, &op, &obs, what, sink)
            }
            Op::CloseRange {
                req, flags_known, ..
            } => {
                if !flags_known {
                    return Check::Undecided;
                }
                self.close_range(c, req, obs, sink)
            }
            Op::Use { fds, n, need } => {
                self.use_fds(c, &fds[..usize::from(n)], need, false, &obs, sink)
            }
            Op::Uses { slots } => match class {
                Class::Use(u) => self.generic_use(c, u, slots, obs, sink),
                _ => Check::Undecided,
            },
            Op::Lseek { fd, off, whence } => self.lseek(c, fd, off, whence, obs, sink),
            Op::Getfl { fd } => self.fcntl_getfl(c, fd, obs, sink),
            Op::Setfl { fd, arg } => self.fcntl_setfl(c, fd, arg, obs, sink),
            Op::DupfdQuery { fd, other } => self.fcntl_dupfd_query(c, fd, other, obs, sink),
            Op::Fionbio { fd, on } => self.fionbio(c, fd, on, obs, sink),
            Op::PtPeer { fd, flags } => self.ioctl_new_fd(c, fd, flags, obs, sink),
            Op::Ioctl { fd } => self.ioctl_other(c, fd, obs, sink),
            Op::Socket { fd } => match class {
                Class::Accept { four } => self.accept(c, four, fd, obs, sink),
                Class::Recvmsg { mmsg } => self.recvmsg(c, mmsg, fd, obs, sink),
                Class::Sendmsg { .. } => self.sendmsg(c, fd, obs, sink),
                _ => Check::Undecided,
            },
            Op::Clone { flags } => self.clone_call(c, flags.unwrap_or(0), obs, sink),
            Op::Unshare { files } => {
                if obs == Obs::Ok(0) && files {
                    self.unshare(c.pid, u32::MAX);
                    self.flush_events(sink);
                }
                Check::Undecided
            }
        }
    }

    // ---- the table check ---------------------------------------------------------

    // ---- descriptor creation -------------------------------------------------------

    // ---- the dup family, fcntl, ioctl, close_range -------------------------------------

    // ---- uses of descriptors --------------------------------------------------------

    // ---- processes ---------------------------------------------------------------------
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

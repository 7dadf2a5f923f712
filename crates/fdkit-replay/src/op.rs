//! Table operations: what a call does to one descriptor table, checked against
//! what the log says it returned.
//!
//! Read this first: every call that touches a table is reduced to one [`TOp`], and
//! [`apply`] is the only place that runs a `TOp` against an [`FdTable`]. The table
//! itself (`fdkit::FdTable`) owns Linux's rules and check orders; `apply` compares
//! its answer with the observed [`Obs`] and says whether they [`Check::Agree`],
//! [`Check::Differ`], or whether the table does not decide the result
//! ([`Check::Undecided`], e.g. `ENOENT` from the filesystem). A failed call never
//! changes a table (except `close`, which frees the number even when the flush
//! fails), so an observed error is evaluated without touching the table.
//!
//! [`force`] is the resynchronisation after a divergence: it makes the table agree
//! with the observation, so that one wrong result does not cascade.

use std::fmt;
use std::sync::Arc;

use fdkit::{CloseRange, Errno, Fd, FdTable, Limits};

use crate::desc::{Description, Origin};

/// A table entry: the description a descriptor refers to.
pub(crate) type Entry = Arc<Description>;
/// A descriptor table of the replay.
pub(crate) type Table = FdTable<Entry>;

/// Limits for resynchronisation: no soft limit, Linux's default `nr_open`.
const UNLIMITED: Limits = Limits {
    nofile: u32::MAX,
    nr_open: Limits::DEFAULT_NR_OPEN,
};

/// Where the entries of an allocation come from.
#[derive(Clone, Debug)]
pub(crate) enum Src {
    /// New descriptions, one per descriptor (`open`, `pipe2`, `recvmsg`...).
    New(Vec<Entry>),
    /// The description of this descriptor (`dup`, `F_DUPFD`).
    Dup(u32),
}

/// The flavour of an allocation, which decides its errors.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum AllocKind {
    /// `dup`: `EBADF`, `EMFILE`.
    Dup,
    /// `F_DUPFD`/`F_DUPFD_CLOEXEC`: `EBADF`, `EINVAL`, `EMFILE`.
    DupFd,
    /// A new object: `EMFILE`; other errors are the object's.
    New,
}

/// What an fd-taking call needs from its descriptors.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub(crate) struct Need {
    /// Per descriptor: it must be open for reading (`read`, the source of
    /// `sendfile`...). `EBADF` otherwise.
    pub read: [bool; 2],
    /// Per descriptor: it must be open for writing.
    pub write: [bool; 2],
    /// `O_PATH` descriptors are accepted (`fdget_raw`).
    pub raw: bool,
    /// The kernel looks the descriptor up before anything else, so any other error
    /// means the descriptor was open.
    pub fd_first: bool,
}

/// One call's effect on a table.
#[derive(Clone, Debug)]
pub(crate) enum TOp {
    /// Allocate the lowest free numbers ≥ `start` (one per entry).
    Alloc {
        start: u32,
        cloexec: bool,
        src: Src,
        kind: AllocKind,
        /// A descriptor looked up after the allocation (`openat`'s directory).
        dirfd: Option<u32>,
        /// A descriptor looked up before the allocation (`accept`'s socket).
        pre: Option<u32>,
    },
    /// A pending allocation of `count` numbers placed early: reserve them.
    Reserve { count: u8 },
    /// `dup2` (`flags: None`) or `dup3`.
    Place {
        old: u32,
        new: u32,
        flags: Option<u32>,
    },
    /// `close`.
    Close { fd: u32 },
    /// `close_range` (`Err` when its arguments are invalid).
    CloseRange(Result<CloseRange, Errno>),
    /// `F_SETFD`, `FIOCLEX`, `FIONCLEX` (`raw`: `O_PATH` allowed, as for `fcntl`).
    SetCloexec { fd: u32, on: bool, raw: bool },
    /// Any other call taking descriptors: `EBADF` iff one is not open.
    Use { fds: [u32; 2], n: u8, need: Need },
    /// `F_GETFD`.
    GetFd { fd: u32 },
}

/// Descriptor numbers a call allocated: up to [`Fds::INLINE`] without a heap
/// allocation (every call but an `SCM_RIGHTS` transfer of many).
#[derive(Clone)]
pub(crate) struct Fds {
    len: u8,
    inline: [u32; Fds::INLINE],
    /// Longer lists (then `len` is 0 and `inline` unused).
    heap: Option<Box<[u32]>>,
}

impl Fds {
    pub(crate) const INLINE: usize = 4;

    /// No numbers.
    pub(crate) const fn new() -> Fds {
        Fds {
            len: 0,
            inline: [0; Fds::INLINE],
            heap: None,
        }
    }

    /// One number.
    pub(crate) fn one(n: u32) -> Fds {
        let mut f = Fds::new();
        f.push(n);
        f
    }

    /// Appends `n`.
    pub(crate) fn push(&mut self, n: u32) {
        if let Some(h) = &mut self.heap {
            let mut v = std::mem::take(h).into_vec();
            v.push(n);
            *h = v.into_boxed_slice();
        } else if usize::from(self.len) < Fds::INLINE {
            self.inline[usize::from(self.len)] = n;
            self.len += 1;
        } else {
            let mut v = self.inline.to_vec();
            v.push(n);
            self.heap = Some(v.into_boxed_slice());
            self.len = 0;
        }
    }
}

impl std::ops::Deref for Fds {
    type Target = [u32];
    fn deref(&self) -> &[u32] {
        match &self.heap {
            Some(h) => h,
            None => &self.inline[..usize::from(self.len)],
        }
    }
}

impl PartialEq for Fds {
    fn eq(&self, other: &Fds) -> bool {
        **self == **other
    }
}

impl Eq for Fds {}

impl fmt::Debug for Fds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<'a> IntoIterator for &'a Fds {
    type Item = &'a u32;
    type IntoIter = std::slice::Iter<'a, u32>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl From<Vec<u32>> for Fds {
    fn from(v: Vec<u32>) -> Fds {
        v.into_iter().collect()
    }
}

impl FromIterator<u32> for Fds {
    fn from_iter<I: IntoIterator<Item = u32>>(iter: I) -> Fds {
        let mut f = Fds::new();
        for n in iter {
            f.push(n);
        }
        f
    }
}

/// What the log says a call returned, as far as tables care.
#[derive(Clone, PartialEq, Eq, Debug)]
pub(crate) enum Obs {
    /// Success with these new descriptors.
    Fds(Fds),
    /// Success with this value.
    Ok(i64),
    /// Failure.
    Err(Errno),
    /// `= ?` or no result: the call did not return.
    Unknown,
}

/// What the model expected instead of an observed result.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Predicted {
    /// These new descriptors.
    Fds(Vec<u32>),
    /// This value.
    Value(i64),
    /// Success (any result but the errors a table decides).
    Success,
    /// Any result but this error, which Linux cannot return from the call with
    /// these arguments (its errno set in [`fdkit::catalog`]).
    Not(Errno),
    /// This error.
    Error(Errno),
}

impl fmt::Display for Predicted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Predicted::Fds(v) if v.len() == 1 => write!(f, "{}", v[0]),
            Predicted::Fds(v) => {
                f.write_str("[")?;
                for (i, n) in v.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{n}")?;
                }
                f.write_str("]")
            }
            Predicted::Value(v) => write!(f, "{v}"),
            Predicted::Success => f.write_str("success (not EBADF)"),
            Predicted::Error(e) => write!(f, "-1 {e}"),
            Predicted::Not(e) => write!(f, "not {}", e.name().unwrap_or("this errno")),
        }
    }
}

/// The result of checking one call against a table.
#[derive(Clone, PartialEq, Eq, Debug)]
pub(crate) enum Check {
    /// The table decided the result and the log agrees.
    Agree,
    /// The table does not decide this result.
    Undecided,
    /// The table decided something else.
    Differ(Predicted),
}

/// A change to a table, for the event stream.
#[derive(Clone, Debug)]
pub(crate) enum Change {
    /// A descriptor was installed (allocated, or placed by `dup2`).
    Installed { fd: u32, entry: Entry },
    /// A descriptor was closed (`close`, `close_range`, or displaced by `dup2`).
    Closed { fd: u32, entry: Entry },
}

/// Collects changes when asked to.
pub(crate) type Changes<'a> = Option<&'a mut Vec<Change>>;

fn note(ch: &mut Changes<'_>, c: Change) {
    if let Some(v) = ch {
        v.push(c);
    }
}

fn is_open(t: &Table, fd: u32) -> bool {
    t.get(Fd::new(fd)).is_some()
}

/// The numbers a fresh allocation of `count` descriptors ≥ `start` would get, or
/// `EMFILE`.
fn predict_new(t: &Table, start: u32, count: usize, lim: Limits) -> Result<Fds, Errno> {
    let mut out = Fds::new();
    let mut from = start;
    for _ in 0..count {
        let n = t.lowest_free_from(from);
        if n >= u64::from(lim.nofile) || n >= u64::from(lim.nr_open) {
            return Err(Errno::MFILE);
        }
        out.push(n as u32);
        from = n as u32 + 1;
    }
    Ok(out)
}

/// Runs `op` against `t`, comparing with `obs`; changes `t` only when the call
/// succeeded in the log and the table agrees (or does not decide).
pub(crate) fn apply(t: &mut Table, op: &TOp, obs: &Obs, lim: Limits, ch: Changes<'_>) -> Check {
    match op {
        TOp::Alloc {
            start,
            cloexec,
            src,
            kind,
            dirfd,
            pre,
        } => alloc(
            t,
            *start,
            *cloexec,
            src,
            *kind,
            (*pre, *dirfd),
            obs,
            lim,
            ch,
        ),
        TOp::Reserve { .. } => Check::Undecided,
        TOp::Place { old, new, flags } => place(t, *old, *new, *flags, obs, lim, ch),
        TOp::Close { fd } => close(t, *fd, obs, ch),
        TOp::CloseRange(r) => close_range(t, r, obs, ch),
        TOp::SetCloexec { fd, on, raw } => set_cloexec(t, *fd, *on, *raw, obs),
        TOp::Use { fds, n, need } => use_fds(t, &fds[..*n as usize], *need, obs),
        TOp::GetFd { fd } => {
            let pred = match t.fd_flags(Fd::new(*fd)) {
                Some(f) => Ok(i64::from(f.bits())),
                None => Err(Errno::BADF),
            };
            compare_value(pred, obs, &[Errno::BADF])
        }
    }
}

/// Compares a predicted value-or-error with an observation.
fn compare_value(pred: Result<i64, Errno>, obs: &Obs, table_errs: &[Errno]) -> Check {
    match (pred, obs) {
        (_, Obs::Unknown) => Check::Undecided,
        (Ok(v), Obs::Ok(o)) if v == *o => Check::Agree,
        (Ok(v), Obs::Ok(_)) => Check::Differ(Predicted::Value(v)),
        (Ok(v), Obs::Err(e)) if table_errs.contains(e) => Check::Differ(Predicted::Value(v)),
        (Ok(_), Obs::Err(_)) => Check::Undecided,
        (Err(p), Obs::Err(e)) if p == *e => Check::Agree,
        (Err(p), Obs::Err(e)) if table_errs.contains(e) => Check::Differ(Predicted::Error(p)),
        (Err(_), Obs::Err(_)) => Check::Undecided,
        (Err(p), _) => Check::Differ(Predicted::Error(p)),
        (Ok(v), Obs::Fds(_)) => Check::Differ(Predicted::Value(v)),
    }
}

#[allow(clippy::too_many_arguments)]
fn alloc(
    t: &mut Table,
    start: u32,
    cloexec: bool,
    src: &Src,
    kind: AllocKind,
    (pre, dirfd): (Option<u32>, Option<u32>),
    obs: &Obs,
    lim: Limits,
    mut ch: Changes<'_>,
) -> Check {
    let pred: Result<Fds, Errno> = (|| {
        if let Some(p) = pre {
            if !is_open(t, p) {
                return Err(Errno::BADF);
            }
        }
        let count = match src {
            Src::Dup(old) => {
                if !is_open(t, *old) {
                    return Err(Errno::BADF);
                }
                1
            }
            Src::New(v) => v.len(),
        };
        if kind == AllocKind::DupFd && start >= lim.nofile {
            return Err(Errno::INVAL);
        }
        let fds = predict_new(t, start, count, lim)?;
        if let Some(d) = dirfd {
            if !is_open(t, d) {
                return Err(Errno::BADF);
            }
        }
        Ok(fds)
    })();
    let table_errs: &[Errno] = match kind {
        AllocKind::Dup => &[Errno::BADF, Errno::MFILE],
        AllocKind::DupFd => &[Errno::BADF, Errno::INVAL, Errno::MFILE],
        AllocKind::New => &[Errno::MFILE],
    };
    match (pred, obs) {
        (_, Obs::Unknown) => Check::Undecided,
        (Ok(p), Obs::Fds(r)) if p == *r => {
            let mut install = |t: &mut Table, entry: Entry| {
                let kept = ch.is_some().then(|| entry.clone());
                if let Ok(fd) = t.insert_from(start, entry, cloexec, lim) {
                    if let Some(entry) = kept {
                        note(
                            &mut ch,
                            Change::Installed {
                                fd: fd.get(),
                                entry,
                            },
                        );
                    }
                }
            };
            match src {
                Src::Dup(old) => {
                    if let Some(e) = t.get(Fd::new(*old)).cloned() {
                        install(t, e);
                    }
                }
                Src::New(v) => {
                    for e in v {
                        install(t, e.clone());
                    }
                }
            }
            Check::Agree
        }
        (Ok(p), Obs::Fds(_)) => Check::Differ(Predicted::Fds(p.to_vec())),
        (Ok(p), Obs::Ok(_)) => Check::Differ(Predicted::Fds(p.to_vec())),
        (Ok(p), Obs::Err(e)) if table_errs.contains(e) => Check::Differ(Predicted::Fds(p.to_vec())),
        (Ok(_), Obs::Err(_)) => Check::Undecided,
        (Err(p), Obs::Err(e)) if p == *e => Check::Agree,
        (Err(p), Obs::Err(e)) => {
            if kind != AllocKind::New && !table_errs.contains(e) {
                Check::Undecided
            } else if kind == AllocKind::New && p != Errno::BADF && !table_errs.contains(e) {
                // EMFILE predicted, another error seen: which the kernel checks first
                // depends on the call.
                Check::Undecided
            } else {
                Check::Differ(Predicted::Error(p))
            }
        }
        (Err(p), _) => Check::Differ(Predicted::Error(p)),
    }
}

fn place(
    t: &mut Table,
    old: u32,
    new: u32,
    flags: Option<u32>,
    obs: &Obs,
    lim: Limits,
    mut ch: Changes<'_>,
) -> Check {
    let table_errs = [Errno::BADF, Errno::INVAL, Errno::BUSY];
    let run = |t: &mut Table| match flags {
        None => t.dup2(Fd::new(old), Fd::new(new), lim),
        Some(f) => t.dup3(Fd::new(old), Fd::new(new), f, lim),
    };
    match obs {
        Obs::Unknown => Check::Undecided,
        Obs::Err(_) => {
            let mut s = t.snapshot();
            let pred = run(&mut s).map(|(fd, _)| i64::from(fd.get()));
            compare_value(pred, obs, &table_errs)
        }
        _ => match run(t) {
            Ok((fd, displaced)) => {
                if let Some(d) = displaced {
                    note(&mut ch, Change::Closed { fd: new, entry: d });
                }
                if let Some(e) = t.get(fd) {
                    if old != new {
                        note(
                            &mut ch,
                            Change::Installed {
                                fd: new,
                                entry: e.clone(),
                            },
                        );
                    }
                }
                compare_value(Ok(i64::from(fd.get())), obs, &table_errs)
            }
            Err(e) => Check::Differ(Predicted::Error(e)),
        },
    }
}

fn close(t: &mut Table, fd: u32, obs: &Obs, mut ch: Changes<'_>) -> Check {
    match obs {
        Obs::Unknown => return Check::Undecided,
        Obs::Err(Errno::BADF) => {
            let pred = if is_open(t, fd) {
                Ok(0)
            } else {
                Err(Errno::BADF)
            };
            return compare_value(pred, obs, &[Errno::BADF]);
        }
        _ => {}
    }
    let pred = match t.close(Fd::new(fd)) {
        Ok(entry) => {
            note(&mut ch, Change::Closed { fd, entry });
            Ok(0)
        }
        Err(e) => Err(e),
    };
    match (pred, obs) {
        // Linux frees the number even when the final flush fails.
        (Ok(_), Obs::Err(e)) if *e != Errno::BADF => Check::Agree,
        (pred, obs) => compare_value(pred, obs, &[Errno::BADF]),
    }
}

fn close_range(
    t: &mut Table,
    r: &Result<CloseRange, Errno>,
    obs: &Obs,
    mut ch: Changes<'_>,
) -> Check {
    match (r, obs) {
        (_, Obs::Unknown) => Check::Undecided,
        (Err(e), o) => compare_value(Err(*e), o, &[Errno::INVAL]),
        (Ok(_), Obs::Err(e)) if *e != Errno::INVAL => Check::Undecided,
        (Ok(req), o) => {
            let check = compare_value(Ok(0), o, &[Errno::INVAL]);
            if check != Check::Agree {
                return check;
            }
            if ch.is_some() && !req.cloexec() {
                // Which numbers were closed, for the event stream.
                let mut fds = Vec::new();
                for (fd, e, _) in t.iter() {
                    let n = fd.get();
                    if n > req.last() {
                        break;
                    }
                    if n >= req.first() {
                        fds.push((n, e.clone()));
                    }
                }
                for (fd, entry) in fds {
                    note(&mut ch, Change::Closed { fd, entry });
                }
            }
            drop(t.apply_close_range(req));
            Check::Agree
        }
    }
}

fn set_cloexec(t: &mut Table, fd: u32, on: bool, raw: bool, obs: &Obs) -> Check {
    let path_only = t
        .get(Fd::new(fd))
        .is_some_and(|e| e.status().is_path_only() == Some(true));
    if !raw && path_only {
        return compare_value(Err(Errno::BADF), obs, &[Errno::BADF]);
    }
    match obs {
        Obs::Unknown => Check::Undecided,
        Obs::Err(_) => {
            let pred = if is_open(t, fd) {
                Ok(0)
            } else {
                Err(Errno::BADF)
            };
            compare_value(pred, obs, &[Errno::BADF])
        }
        _ => {
            let pred = t.set_cloexec(Fd::new(fd), on).map(|()| 0);
            compare_value(pred, obs, &[Errno::BADF])
        }
    }
}

fn use_fds(t: &Table, fds: &[u32], need: Need, obs: &Obs) -> Check {
    use crate::desc::{CAN_READ, CAN_WRITE, NOT_PATH};
    let mut unknown_access = false;
    let mut pred_bad = false;
    for (i, &fd) in fds.iter().enumerate() {
        let Some(e) = t.get(Fd::new(fd)) else {
            pred_bad = true;
            break;
        };
        let s = e.status();
        let bad_mode = (!need.raw && s.is_path_only() == Some(true))
            || (need.read[i] && s.can_read() == Some(false))
            || (need.write[i] && s.can_write() == Some(false));
        if bad_mode {
            pred_bad = true;
            break;
        }
        // Access not known from the flags may be known from earlier successes.
        let caps = e.caps();
        let unsure = (!need.raw && s.is_path_only().is_none() && caps & NOT_PATH == 0)
            || (need.read[i] && s.can_read().is_none() && caps & CAN_READ == 0)
            || (need.write[i] && s.can_write().is_none() && caps & CAN_WRITE == 0);
        if unsure {
            unknown_access = true;
        }
    }
    if !pred_bad && !matches!(obs, Obs::Err(_) | Obs::Unknown) {
        for (i, &fd) in fds.iter().enumerate() {
            if let Some(e) = t.get(Fd::new(fd)) {
                let mut caps = 0;
                if !need.raw {
                    caps |= NOT_PATH;
                }
                if need.read[i] {
                    caps |= CAN_READ | NOT_PATH;
                }
                if need.write[i] {
                    caps |= CAN_WRITE | NOT_PATH;
                }
                e.learn_caps(caps);
            }
        }
    }
    match (pred_bad, obs) {
        (_, Obs::Unknown) => Check::Undecided,
        (true, Obs::Err(Errno::BADF)) => Check::Agree,
        (true, Obs::Err(_)) if !need.fd_first => Check::Undecided,
        (true, _) => Check::Differ(Predicted::Error(Errno::BADF)),
        (false, Obs::Err(Errno::BADF)) if unknown_access => Check::Undecided,
        (false, Obs::Err(Errno::BADF)) => Check::Differ(Predicted::Success),
        (false, _) => Check::Agree,
    }
}

/// Places `entry` at exactly `n`, replacing whatever was there (for
/// resynchronisation and inference, not a Linux operation).
pub(crate) fn place_at(t: &mut Table, n: u32, entry: Entry, cloexec: bool) -> Option<Entry> {
    let fd = Fd::new(n);
    t.unreserve(fd);
    let old = t.close(fd).ok();
    let _ = t.insert_from(n, entry, cloexec, UNLIMITED);
    old
}

/// A description for a descriptor the log shows but the model cannot explain.
pub(crate) fn stray(line: u64, pid: Option<u32>) -> Entry {
    Arc::new(Description::inherited("?", Origin { line, pid }))
}

/// Makes `t` agree with the observation of `op` (after a divergence).
pub(crate) fn force(t: &mut Table, op: &TOp, obs: &Obs, line: u64, pid: Option<u32>) {
    match (op, obs) {
        (TOp::Alloc { src, cloexec, .. }, Obs::Fds(r)) => {
            for (i, &n) in r.iter().enumerate() {
                let entry = match src {
                    Src::Dup(old) => t
                        .get(Fd::new(*old))
                        .cloned()
                        .unwrap_or_else(|| stray(line, pid)),
                    Src::New(v) => v.get(i).cloned().unwrap_or_else(|| stray(line, pid)),
                };
                place_at(t, n, entry, *cloexec);
            }
        }
        (TOp::Place { old, new, flags }, Obs::Ok(_)) => {
            let entry = t
                .get(Fd::new(*old))
                .cloned()
                .unwrap_or_else(|| stray(line, pid));
            let cloexec = flags.is_some_and(|f| f & fdkit::OFlags::CLOEXEC.bits() != 0);
            if old != new {
                place_at(t, *new, entry, cloexec);
            }
        }
        (TOp::Close { fd }, _) => {
            let _ = t.close(Fd::new(*fd));
        }
        (TOp::CloseRange(Ok(req)), Obs::Ok(_)) => drop(t.apply_close_range(req)),
        (TOp::SetCloexec { fd, on, .. }, Obs::Ok(_))
            if t.set_cloexec(Fd::new(*fd), *on).is_err() =>
        {
            place_at(t, *fd, stray(line, pid), *on);
        }
        (TOp::SetCloexec { fd, .. } | TOp::GetFd { fd }, Obs::Err(Errno::BADF)) => {
            let _ = t.close(Fd::new(*fd));
        }
        (TOp::GetFd { fd }, Obs::Ok(v)) if t.set_cloexec(Fd::new(*fd), v & 1 != 0).is_err() => {
            place_at(t, *fd, stray(line, pid), v & 1 != 0);
        }
        (TOp::Use { fds, n, .. }, Obs::Err(Errno::BADF)) if *n == 1 => {
            let _ = t.close(Fd::new(fds[0]));
        }
        (TOp::Use { fds, n, .. }, o)
            if *o != Obs::Unknown && !matches!(o, Obs::Err(Errno::BADF)) =>
        {
            for &fd in &fds[..*n as usize] {
                if !is_open(t, fd) {
                    place_at(t, fd, stray(line, pid), false);
                }
            }
        }
        _ => {}
    }
}

/// Runs `op` as the model would, with no observation: the model's own result,
/// applied to `t` (for pending calls placed early by the search).
pub(crate) fn run(t: &mut Table, op: &TOp, lim: Limits) -> Obs {
    let fds = |r: fdkit::Result<Fd>| match r {
        Ok(fd) => Obs::Fds(Fds::one(fd.get())),
        Err(e) => Obs::Err(e),
    };
    let unit = |r: fdkit::Result<()>| match r {
        Ok(()) => Obs::Ok(0),
        Err(e) => Obs::Err(e),
    };
    match op {
        TOp::Reserve { count } => {
            let mut got = Fds::new();
            for _ in 0..*count {
                match t.reserve(0, false, lim) {
                    Ok(fd) => got.push(fd.get()),
                    Err(e) => {
                        for &n in &got {
                            t.unreserve(Fd::new(n));
                        }
                        return Obs::Err(e);
                    }
                }
            }
            Obs::Fds(got)
        }
        TOp::Alloc {
            start,
            cloexec,
            src: Src::Dup(old),
            kind,
            ..
        } => match kind {
            AllocKind::Dup => fds(t.dup(Fd::new(*old), lim)),
            _ if *cloexec => fds(t.fcntl_dupfd_cloexec(Fd::new(*old), *start, lim)),
            _ => fds(t.fcntl_dupfd(Fd::new(*old), *start, lim)),
        },
        TOp::Alloc { .. } => Obs::Unknown,
        TOp::Place { old, new, flags } => {
            let r = match flags {
                None => t.dup2(Fd::new(*old), Fd::new(*new), lim),
                Some(f) => t.dup3(Fd::new(*old), Fd::new(*new), *f, lim),
            };
            match r {
                Ok((fd, _)) => Obs::Ok(i64::from(fd.get())),
                Err(e) => Obs::Err(e),
            }
        }
        TOp::Close { fd } => unit(t.close(Fd::new(*fd)).map(drop)),
        TOp::CloseRange(Ok(req)) => {
            drop(t.apply_close_range(req));
            Obs::Ok(0)
        }
        TOp::CloseRange(Err(e)) => Obs::Err(*e),
        TOp::SetCloexec { fd, on, .. } => unit(t.set_cloexec(Fd::new(*fd), *on)),
        TOp::Use { .. } | TOp::GetFd { .. } => Obs::Unknown,
    }
}

/// The numbers an operation touches, without allocating: up to four, or "too
/// many / a range / not known yet" (`all`).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Touch {
    fds: [u32; 4],
    n: u8,
    /// A range, more than four numbers, or numbers not known yet.
    pub all: bool,
}

impl Touch {
    fn push(&mut self, fd: u32) {
        if (self.n as usize) < self.fds.len() {
            self.fds[self.n as usize] = fd;
            self.n += 1;
        } else {
            self.all = true;
        }
    }

    fn everything() -> Touch {
        Touch {
            all: true,
            ..Touch::default()
        }
    }

    /// The numbers listed (empty when `all`).
    pub(crate) fn fds(&self) -> &[u32] {
        if self.all {
            &[]
        } else {
            &self.fds[..self.n as usize]
        }
    }
}

impl TOp {
    /// [`TOp::touched`] without allocating.
    pub(crate) fn touch(&self, obs: &Obs) -> Touch {
        let mut t = Touch::default();
        match (self, obs) {
            (TOp::Alloc { src, .. }, Obs::Fds(r)) => {
                r.iter().for_each(|&n| t.push(n));
                if let Src::Dup(o) = src {
                    t.push(*o);
                }
            }
            (
                TOp::Alloc {
                    src: Src::Dup(o), ..
                },
                _,
            ) => t.push(*o),
            (TOp::Alloc { .. }, _) => {}
            (TOp::Reserve { .. }, _) | (TOp::CloseRange(_), _) => return Touch::everything(),
            (TOp::Place { old, new, .. }, _) => {
                t.push(*old);
                t.push(*new);
            }
            (TOp::Close { fd } | TOp::SetCloexec { fd, .. } | TOp::GetFd { fd }, _) => t.push(*fd),
            (TOp::Use { fds, n, .. }, _) => fds[..*n as usize].iter().for_each(|&f| t.push(f)),
        }
        t
    }

    /// The numbers whose state a checked call pinned down (for
    /// [`crate::lin::Known`]): what succeeded, or failed with `EBADF` on a single
    /// descriptor. A failed `dup2` says nothing definite.
    pub(crate) fn pinned(&self, obs: &Obs) -> Touch {
        let mut t = Touch::default();
        match (self, obs) {
            (_, Obs::Unknown) => {}
            (
                TOp::Close { fd } | TOp::SetCloexec { fd, .. } | TOp::GetFd { fd },
                Obs::Err(Errno::BADF),
            ) => t.push(*fd),
            (TOp::Use { fds, n: 1, .. }, Obs::Err(Errno::BADF)) => t.push(fds[0]),
            (TOp::Close { fd }, Obs::Err(_)) => t.push(*fd),
            (_, Obs::Err(_)) => {}
            (op, o) => return op.touch(o),
        }
        t
    }

    /// The numbers whose close-on-exec flag a successful call set.
    pub(crate) fn sets_cloexec(&self, obs: &Obs) -> Touch {
        let mut t = Touch::default();
        match (self, obs) {
            (TOp::Alloc { .. }, Obs::Fds(r)) => r.iter().for_each(|&n| t.push(n)),
            (TOp::Place { new, .. }, Obs::Ok(_)) => t.push(*new),
            (TOp::SetCloexec { fd, .. } | TOp::GetFd { fd }, Obs::Ok(_)) => t.push(*fd),
            _ => {}
        }
        t
    }

    /// Whether this operation changes the table (queries do not).
    pub(crate) fn mutates(&self) -> bool {
        !matches!(self, TOp::Use { .. } | TOp::GetFd { .. })
    }

    /// The numbers whose state this operation depends on or changes, given the
    /// observation; `None` for "a whole range" (`close_range`) or "unknown"
    /// (a pending allocation).
    /// The existing descriptors the call looks up and uses (not the ones it
    /// allocates, replaces or closes): a `read`'s descriptor, `dup`'s and `dup2`'s
    /// source, `openat`'s directory, `accept`'s socket, `fcntl`'s target.
    pub(crate) fn used(&self) -> impl Iterator<Item = u32> + '_ {
        let (a, b, c): (Option<u32>, Option<u32>, Option<u32>) = match self {
            TOp::Alloc {
                src, dirfd, pre, ..
            } => {
                let dup = match src {
                    Src::Dup(o) => Some(*o),
                    Src::New(_) => None,
                };
                (dup, *dirfd, *pre)
            }
            TOp::Reserve { .. } | TOp::Close { .. } | TOp::CloseRange(_) => (None, None, None),
            TOp::Place { old, .. } => (Some(*old), None, None),
            TOp::SetCloexec { fd, .. } | TOp::GetFd { fd } => (Some(*fd), None, None),
            TOp::Use { fds, n, .. } => (
                Some(fds[0]).filter(|_| *n >= 1),
                Some(fds[1]).filter(|_| *n >= 2),
                None,
            ),
        };
        [a, b, c].into_iter().flatten()
    }

    pub(crate) fn touched(&self, obs: &Obs) -> Option<Vec<u32>> {
        Some(match (self, obs) {
            (TOp::Alloc { src, .. }, Obs::Fds(r)) => {
                let mut v = r.to_vec();
                if let Src::Dup(o) = src {
                    v.push(*o);
                }
                v
            }
            (
                TOp::Alloc {
                    src: Src::Dup(o), ..
                },
                _,
            ) => vec![*o],
            (TOp::Alloc { .. }, _) => vec![],
            (TOp::Reserve { .. }, _) | (TOp::CloseRange(_), _) => return None,
            (TOp::Place { old, new, .. }, _) => vec![*old, *new],
            (TOp::Close { fd } | TOp::SetCloexec { fd, .. } | TOp::GetFd { fd }, _) => {
                vec![*fd]
            }
            (TOp::Use { fds, n, .. }, _) => fds[..*n as usize].to_vec(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::desc::{Kind, Status};

    fn entry(name: &str) -> Entry {
        Arc::new(Description::new(
            Kind::Path,
            name,
            Status::known(0),
            Origin { line: 0, pid: None },
        ))
    }

    fn table(fds: &[u32]) -> Table {
        let mut t = Table::new();
        for &n in fds {
            place_at(&mut t, n, entry("x"), false);
        }
        t
    }

    fn open_op() -> TOp {
        TOp::Alloc {
            start: 0,
            cloexec: false,
            src: Src::New(vec![entry("/a")]),
            kind: AllocKind::New,
            dirfd: None,
            pre: None,
        }
    }

    #[track_caller]
    fn check(t: &mut Table, op: &TOp, obs: Obs) -> Check {
        apply(t, op, &obs, Limits::new(1024), None)
    }

    #[test]
    fn alloc_takes_the_lowest_free_number() {
        let mut t = table(&[0, 1, 2]);
        assert_eq!(
            check(&mut t, &open_op(), Obs::Fds(Fds::one(3))),
            Check::Agree
        );
        assert_eq!(
            check(&mut t, &open_op(), Obs::Fds(Fds::one(5))),
            Check::Differ(Predicted::Fds(vec![4]))
        );
        assert_eq!(
            check(&mut t, &open_op(), Obs::Err(Errno::NOENT)),
            Check::Undecided
        );
        assert_eq!(
            check(&mut t, &open_op(), Obs::Err(Errno::MFILE)),
            Check::Differ(Predicted::Fds(vec![4]))
        );
    }

    #[test]
    fn close_and_use_follow_the_table() {
        let mut t = table(&[0, 1, 2, 3]);
        let use3 = TOp::Use {
            fds: [3, 0],
            n: 1,
            need: Need::default(),
        };
        assert_eq!(check(&mut t, &use3, Obs::Ok(5)), Check::Agree);
        assert_eq!(
            check(&mut t, &TOp::Close { fd: 3 }, Obs::Ok(0)),
            Check::Agree
        );
        assert_eq!(
            check(&mut t, &use3, Obs::Ok(5)),
            Check::Differ(Predicted::Error(Errno::BADF))
        );
        assert_eq!(check(&mut t, &use3, Obs::Err(Errno::BADF)), Check::Agree);
        assert_eq!(
            check(&mut t, &TOp::Close { fd: 3 }, Obs::Err(Errno::BADF)),
            Check::Agree
        );
    }

    #[test]
    fn dup2_errors_leave_the_table_alone() {
        let mut t = table(&[0, 1, 2, 3]);
        let op = TOp::Place {
            old: 3,
            new: 9,
            flags: None,
        };
        assert_eq!(
            check(&mut t, &op, Obs::Err(Errno::BADF)),
            Check::Differ(Predicted::Value(9))
        );
        assert!(!is_open(&t, 9));
        assert_eq!(check(&mut t, &op, Obs::Ok(9)), Check::Agree);
        assert!(is_open(&t, 9));
    }

    #[test]
    fn force_makes_the_table_agree() {
        let mut t = table(&[0, 1, 2]);
        force(&mut t, &open_op(), &Obs::Fds(Fds::one(7)), 1, None);
        assert!(is_open(&t, 7) && !is_open(&t, 3));
        force(&mut t, &TOp::GetFd { fd: 9 }, &Obs::Ok(1), 1, None);
        assert_eq!(t.fd_flags(Fd::new(9)).map(|f| f.bits()), Some(1));
    }

    #[test]
    fn used_lists_the_descriptors_looked_up() {
        let used = |op: TOp| op.used().collect::<Vec<_>>();
        let dup = TOp::Alloc {
            start: 0,
            cloexec: false,
            src: Src::Dup(3),
            kind: AllocKind::Dup,
            dirfd: None,
            pre: None,
        };
        assert_eq!(used(dup), [3]);
        let place = TOp::Place {
            old: 4,
            new: 1,
            flags: None,
        };
        assert_eq!(used(place), [4]);
        assert_eq!(used(TOp::Close { fd: 3 }), [] as [u32; 0]);
        let copy = TOp::Use {
            fds: [5, 6],
            n: 2,
            need: Need::default(),
        };
        assert_eq!(used(copy), [5, 6]);
        assert_eq!(used(open_op()), [] as [u32; 0]);
    }
}

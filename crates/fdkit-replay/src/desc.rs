//! [`Description`]: what the replay knows about one open file description (Linux
//! `struct file`): its link text, kind, status flags and offset.
//!
//! Descriptions are shared, through `Arc`, by every descriptor that refers to them, in
//! every table: a `dup`, a `fork` or an `SCM_RIGHTS` transfer hands out the same
//! `Arc`, so an offset moved through one descriptor is seen through all of them.
//! The mutable parts (flags, offset, link) use atomics or a lock of their own, so a
//! description is `Send + Sync` and never needs the table's lock.
//!
//! What is known is tracked bit by bit: status flags carry a mask of unknown bits
//! (descriptors inherited from outside the log start with every bit unknown), and
//! the offset is `None` once the log no longer determines it (after an `O_APPEND`
//! write, `SEEK_END`, `getdents`, or calls on the description that overlapped in
//! time).

use std::collections::VecDeque;
use std::fmt;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};

use fdkit::flags::O_ACCMODE;
use fdkit::OFlags;

/// What kind of object a description refers to, as far as the log tells.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[non_exhaustive]
pub enum Kind {
    /// A path opened with `open`/`openat`/`creat`/`openat2`: a regular file, a
    /// directory, or anything else that has a path.
    Path,
    /// A path under `/dev` (character or block device): offsets are not modelled.
    Device,
    /// One end of a pipe (`pipe`, `pipe2`).
    Pipe,
    /// A socket (`socket`, `socketpair`, `accept`).
    Socket,
    /// `eventfd`, `epoll`, `signalfd`, `timerfd`, `inotify`, `fanotify`, pidfds,
    /// `userfaultfd`, `io_uring`, `perf_event`, landlock rulesets, mount API objects:
    /// an anonymous inode, named by [`Description::link`].
    Anon,
    /// A `memfd_create`/`memfd_secret` file: seekable, with an offset.
    Memfd,
    /// A descriptor the traced program had before the log starts (0, 1, 2 and
    /// inferred ones), or one whose origin the log does not show.
    Inherited,
}

/// Where a description came from.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Origin {
    /// The log line of the call that created it (0 for descriptors from before the
    /// log).
    pub line: u64,
    /// The process (thread) that created it, if the log shows one.
    pub pid: Option<u32>,
}

/// The status flags as far as they are known: `F_GETFL`'s value where `unknown` has
/// no bit.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Status {
    /// The flag bits (`O_ACCMODE`, `O_APPEND`, `O_NONBLOCK`, `O_LARGEFILE`, `O_PATH`...).
    pub bits: u32,
    /// Bits whose value the log has not determined.
    pub unknown: u32,
}

impl Status {
    /// Every bit known.
    pub fn known(bits: u32) -> Status {
        Status { bits, unknown: 0 }
    }

    /// Nothing known.
    pub fn unknown() -> Status {
        Status {
            bits: 0,
            unknown: u32::MAX,
        }
    }

    fn pack(self) -> u64 {
        u64::from(self.bits & !self.unknown) | (u64::from(self.unknown) << 32)
    }

    fn unpack(v: u64) -> Status {
        Status {
            bits: v as u32,
            unknown: (v >> 32) as u32,
        }
    }

    /// Whether the access mode is known to allow reading (`None`: not known).
    pub fn can_read(self) -> Option<bool> {
        self.access_known()
            .then(|| self.bits & OFlags::PATH.bits() == 0 && matches!(self.bits & O_ACCMODE, 0 | 2))
    }

    /// Whether the access mode is known to allow writing (`None`: not known).
    pub fn can_write(self) -> Option<bool> {
        self.access_known()
            .then(|| self.bits & OFlags::PATH.bits() == 0 && matches!(self.bits & O_ACCMODE, 1 | 2))
    }

    /// Whether this is known to be an `O_PATH` description (`None`: not known).
    pub fn is_path_only(self) -> Option<bool> {
        (self.unknown & OFlags::PATH.bits() == 0).then_some(self.bits & OFlags::PATH.bits() != 0)
    }

    fn access_known(self) -> bool {
        self.unknown & (O_ACCMODE | OFlags::PATH.bits()) == 0
    }
}

const UNKNOWN_OFFSET: u64 = u64::MAX;

/// A call needing read access succeeded.
pub(crate) const CAN_READ: u32 = 1;
/// A call needing write access succeeded.
pub(crate) const CAN_WRITE: u32 = 2;
/// A call refusing `O_PATH` descriptions succeeded.
pub(crate) const NOT_PATH: u32 = 4;

/// One open file description, as far as the log determines it.
///
/// Identity is the `Arc`: descriptors share a description exactly when their
/// entries are the same `Arc` (compare with [`Arc::ptr_eq`] or [`Description::id`]).
pub struct Description {
    id: u64,
    kind: Kind,
    origin: Origin,
    /// Link text as `/proc/PID/fd/N` shows it; refined when a `-y` decoration names
    /// it. Locked only to read or replace the text.
    link: Mutex<Box<str>>,
    /// Whether `link` came from a decoration or the call itself (not a placeholder).
    link_exact: AtomicU32,
    status: AtomicU64,
    offset: AtomicU64,
    /// Access proven by successful calls ([`CAN_READ`], [`CAN_WRITE`],
    /// [`NOT_PATH`]), for descriptions whose flags are unknown.
    caps: AtomicU32,
    /// Calls using the offset that have entered and not yet completed.
    inflight: AtomicU32,
    /// The completion line of the last call that used the offset.
    last_use: AtomicU64,
    /// For one end of a socket pair: the other end, where `sendmsg` queues
    /// `SCM_RIGHTS` descriptions.
    peer: OnceLock<Weak<Description>>,
    /// Descriptions sent to this socket with `SCM_RIGHTS`, not yet received.
    /// Locked only to push, pop or look through.
    inbox: Mutex<VecDeque<InFlight>>,
}

/// A description in flight in a socket's queue. In flight it stays alive, as on
/// Linux — except where holding it would close a cycle of queues holding each other
/// (a socket sent through itself or its peer): that edge is weak, so such cycles are
/// freed when the program lets go of the sockets (what Linux's `unix_gc` does).
enum InFlight {
    Held(Arc<Description>),
    Cyclic(Weak<Description>),
}

/// How many descriptions a cycle search looks at before assuming a cycle.
const CYCLE_SEARCH_MAX: usize = 1024;

/// How many `SCM_RIGHTS` descriptions a socket holds before the oldest are
/// forgotten (a log whose receiver never reads must not grow memory).
const INBOX_MAX: usize = 256;

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

impl Description {
    /// A new description.
    pub fn new(
        kind: Kind,
        link: impl Into<Box<str>>,
        status: Status,
        origin: Origin,
    ) -> Description {
        let offset = match kind {
            Kind::Path | Kind::Memfd => 0,
            _ => UNKNOWN_OFFSET,
        };
        Description {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            kind,
            origin,
            link: Mutex::new(link.into()),
            link_exact: AtomicU32::new(1),
            status: AtomicU64::new(status.pack()),
            caps: AtomicU32::new(0),
            offset: AtomicU64::new(offset),
            inflight: AtomicU32::new(0),
            last_use: AtomicU64::new(0),
            peer: OnceLock::new(),
            inbox: Mutex::new(VecDeque::new()),
        }
    }

    /// A description from before the log (or of unknown origin): flags and offset
    /// unknown, link text a placeholder until a decoration names it.
    pub fn inherited(link: impl Into<Box<str>>, origin: Origin) -> Description {
        let d = Description::new(Kind::Inherited, link, Status::unknown(), origin);
        d.link_exact.store(0, Ordering::Relaxed);
        d
    }

    /// Marks the link text as a placeholder (`pipe:[?]`) to be replaced by the first
    /// decoration seen.
    pub(crate) fn with_placeholder_link(self) -> Description {
        self.link_exact.store(0, Ordering::Relaxed);
        self
    }

    /// A unique number: equal for descriptors that share this description.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// What kind of object this is.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// Where it was created.
    pub fn origin(&self) -> Origin {
        self.origin
    }

    /// The link text `ls -l /proc/PID/fd` would show: a path (as written in the call,
    /// or absolute from a `-y` decoration), `pipe:[N]`, `socket:[N]`,
    /// `anon_inode:[eventfd]`...
    pub fn link(&self) -> String {
        self.link.lock().map(|l| l.to_string()).unwrap_or_default()
    }

    /// Replaces a placeholder link with the text of a `-y` decoration.
    pub(crate) fn learn_link(&self, text: &str) {
        if self.link_exact.swap(1, Ordering::Relaxed) == 0 {
            if let Ok(mut l) = self.link.lock() {
                *l = text.into();
            }
        }
    }

    /// The status flags, as far as known.
    pub fn status(&self) -> Status {
        Status::unpack(self.status.load(Ordering::Relaxed))
    }

    pub(crate) fn set_status(&self, s: Status) {
        self.status.store(s.pack(), Ordering::Relaxed);
    }

    /// Access proven by successful calls (bits `CAN_READ`, `CAN_WRITE`, `NOT_PATH`).
    pub(crate) fn caps(&self) -> u32 {
        self.caps.load(Ordering::Relaxed)
    }

    pub(crate) fn learn_caps(&self, caps: u32) {
        if caps & !self.caps() != 0 {
            self.caps.fetch_or(caps, Ordering::Relaxed);
        }
    }

    /// The file offset, if the log determines it.
    pub fn offset(&self) -> Option<u64> {
        let o = self.offset.load(Ordering::Relaxed);
        (o != UNKNOWN_OFFSET).then_some(o)
    }

    pub(crate) fn set_offset(&self, o: Option<u64>) {
        let v = match o {
            Some(v) if v != UNKNOWN_OFFSET => v,
            _ => UNKNOWN_OFFSET,
        };
        self.offset.store(v, Ordering::Relaxed);
    }

    /// Whether the offset is modelled for this kind of object.
    pub fn has_offset(&self) -> bool {
        matches!(self.kind, Kind::Path | Kind::Memfd)
    }

    /// A call that uses the offset entered.
    pub(crate) fn enter_use(&self) {
        self.inflight.fetch_add(1, Ordering::Relaxed);
    }

    /// A call that used the offset completed; returns whether another such call
    /// overlapped it in time (entered before it completed and is still running, or
    /// completed after it entered), in which case their order is unknown.
    pub(crate) fn finish_use(&self, entered: u64, completed: u64, was_entered: bool) -> bool {
        let others = if was_entered {
            self.inflight
                .fetch_sub(1, Ordering::Relaxed)
                .saturating_sub(1)
        } else {
            self.inflight.load(Ordering::Relaxed)
        };
        let last = self.last_use.swap(completed, Ordering::Relaxed);
        others > 0 || (last >= entered && last != 0 && entered < completed)
    }

    /// Links two ends of a socket pair.
    pub(crate) fn pair(a: &Arc<Description>, b: &Arc<Description>) {
        let _ = a.peer.set(Arc::downgrade(b));
        let _ = b.peer.set(Arc::downgrade(a));
    }

    /// `sendmsg` with `SCM_RIGHTS` through this socket: queue the descriptions at
    /// the peer. Returns whether a peer is known.
    pub(crate) fn send_rights(&self, sent: Vec<Arc<Description>>) -> bool {
        let Some(peer) = self.peer.get().and_then(Weak::upgrade) else {
            return false;
        };
        let queued: Vec<InFlight> = sent
            .into_iter()
            .map(|d| {
                if reaches(&d, &peer) {
                    InFlight::Cyclic(Arc::downgrade(&d))
                } else {
                    InFlight::Held(d)
                }
            })
            .collect();
        if let Ok(mut inbox) = peer.inbox.lock() {
            inbox.extend(queued);
            while inbox.len() > INBOX_MAX {
                inbox.pop_front();
            }
        }
        true
    }

    /// `recvmsg` with `SCM_RIGHTS` through this socket: the next queued description
    /// (`None` if nothing is queued, or if it was part of a cycle and is gone).
    pub(crate) fn receive_right(&self) -> Option<Arc<Description>> {
        match self.inbox.lock().ok()?.pop_front()? {
            InFlight::Held(d) => Some(d),
            InFlight::Cyclic(d) => d.upgrade(),
        }
    }

    /// The descriptions this one's queue holds alive.
    fn held(&self) -> Vec<Arc<Description>> {
        let Ok(inbox) = self.inbox.lock() else {
            return Vec::new();
        };
        inbox
            .iter()
            .filter_map(|f| match f {
                InFlight::Held(d) => Some(Arc::clone(d)),
                InFlight::Cyclic(_) => None,
            })
            .collect()
    }
}

/// Whether `from` is `target` or holds it alive through queues of in-flight
/// descriptions (a bounded search; past the bound, assume it does).
fn reaches(from: &Arc<Description>, target: &Arc<Description>) -> bool {
    let mut stack = vec![Arc::clone(from)];
    let mut seen = 0;
    while let Some(d) = stack.pop() {
        if Arc::ptr_eq(&d, target) {
            return true;
        }
        seen += 1;
        if seen > CYCLE_SEARCH_MAX {
            return true;
        }
        stack.extend(d.held());
    }
    false
}

impl fmt::Debug for Description {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Description#{}({})", self.id, self.link())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_access_follows_known_bits() {
        let s = Status::known(OFlags::WRONLY.bits());
        assert_eq!((s.can_read(), s.can_write()), (Some(false), Some(true)));
        let p = Status::known(OFlags::PATH.bits());
        assert_eq!((p.can_read(), p.is_path_only()), (Some(false), Some(true)));
        let u = Status::unknown();
        assert_eq!((u.can_read(), u.is_path_only()), (None, None));
    }

    #[test]
    fn rights_travel_to_the_peer() {
        let o = Origin { line: 1, pid: None };
        let a = Arc::new(Description::new(
            Kind::Socket,
            "socket:[1]",
            Status::known(2),
            o,
        ));
        let b = Arc::new(Description::new(
            Kind::Socket,
            "socket:[2]",
            Status::known(2),
            o,
        ));
        Description::pair(&a, &b);
        let f = Arc::new(Description::new(Kind::Path, "/x", Status::known(0), o));
        assert!(a.send_rights(vec![f.clone()]));
        assert!(Arc::ptr_eq(&b.receive_right().unwrap(), &f));
        assert!(b.receive_right().is_none());
    }

    /// Found by fuzzing `fdkit check`: each end of a pair sent through itself made
    /// the two queues hold each other, and neither was ever freed.
    #[test]
    fn sockets_sent_through_themselves_are_freed() {
        let o = Origin { line: 1, pid: None };
        let sock = |link: &str| Arc::new(Description::new(Kind::Socket, link, Status::known(2), o));
        let (a, b) = (sock("socket:[1]"), sock("socket:[2]"));
        Description::pair(&a, &b);
        assert!(a.send_rights(vec![a.clone()])); // b's queue holds a
        assert!(b.send_rights(vec![b.clone()])); // a's queue would hold b: a cycle
        let (wa, wb) = (Arc::downgrade(&a), Arc::downgrade(&b));
        drop((a, b));
        assert!(
            wa.upgrade().is_none() && wb.upgrade().is_none(),
            "a cycle leaked"
        );
    }

    #[test]
    fn rights_in_flight_stay_alive_without_a_cycle() {
        let o = Origin { line: 1, pid: None };
        let sock = |link: &str| Arc::new(Description::new(Kind::Socket, link, Status::known(2), o));
        let (a, b) = (sock("socket:[1]"), sock("socket:[2]"));
        Description::pair(&a, &b);
        let f = Arc::new(Description::new(Kind::Path, "/x", Status::known(0), o));
        let wf = Arc::downgrade(&f);
        assert!(a.send_rights(vec![f]));
        assert!(
            wf.upgrade().is_some(),
            "the sender closed it, but it is in flight"
        );
        assert_eq!(b.receive_right().map(|d| d.link()), Some("/x".to_string()));
    }
}

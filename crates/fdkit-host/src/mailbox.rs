//! Mailboxes in the shared segment: one per real process, through which the driver
//! posts a request and the helper posts its response.
//!
//! Layout: a 64-byte header (magic, slot count, capacity, the reaper's pid,
//! `fs.nr_open`), then the
//! slots. A slot is a 64-byte control block (state word, pid, request length,
//! response length) followed by a request buffer and a response buffer of `capacity`
//! bytes each.
//!
//! The state word is also the futex both sides sleep on:
//!
//! ```text
//! FREE --helper starts--> READY --driver posts--> REQUEST --helper answers--> RESPONSE
//!                           ^                                                    |
//!                           +------------------driver reads----------------------+
//! ```
//!
//! A buffer is written only by the side about to hand the slot over, before its
//! `Release` store of the state; the other side reads it after an `Acquire` load that
//! saw the hand-over. A slot starts at 0 (`FREE`). `FAILED` replaces `READY` when a helper's setup fails; its
//! response buffer then holds the message.

use crate::sys::Segment;
use rustix::thread::futex;
use std::sync::atomic::{AtomicU32, AtomicU8, Ordering};
use std::time::Duration;

/// The process waits for a request.
pub(crate) const READY: u32 = 1;
/// A request is posted.
pub(crate) const REQUEST: u32 = 2;
/// A response is posted.
pub(crate) const RESPONSE: u32 = 3;
/// The process's setup failed; the response buffer says why.
pub(crate) const FAILED: u32 = 4;

const MAGIC: u32 = 0xfd_c0_de_01;
const HEADER: usize = 64;
const CONTROL: usize = 64;

/// The segment size for `slots` mailboxes of `capacity` bytes per direction.
pub(crate) fn segment_len(slots: u32, capacity: usize) -> Option<usize> {
    let slot = slot_len(capacity)?;
    slot.checked_mul(slots as usize)?.checked_add(HEADER)
}

fn slot_len(capacity: usize) -> Option<usize> {
    capacity.checked_mul(2)?.checked_add(CONTROL)
}

/// The header, as the driver writes it and helpers check it.
pub(crate) struct Header<'a> {
    seg: &'a Segment,
}

impl<'a> Header<'a> {
    /// Writes a fresh header for `slots` mailboxes of `capacity` bytes.
    pub(crate) fn init(
        seg: &'a Segment,
        slots: u32,
        capacity: usize,
        nr_open: u32,
    ) -> Option<Header<'a>> {
        if segment_len(slots, capacity)? > seg.len() || capacity % 64 != 0 {
            return None;
        }
        let capacity = u32::try_from(capacity).ok()?;
        seg.word(4)?.store(slots, Ordering::Relaxed);
        seg.word(8)?.store(capacity, Ordering::Relaxed);
        seg.word(12)?.store(0, Ordering::Relaxed);
        seg.word(16)?.store(nr_open, Ordering::Relaxed);
        seg.word(0)?.store(MAGIC, Ordering::Release);
        Some(Header { seg })
    }

    /// The header of a segment the driver initialised, if it is one.
    pub(crate) fn open(seg: &'a Segment) -> Option<Header<'a>> {
        if seg.word(0)?.load(Ordering::Acquire) != MAGIC {
            return None;
        }
        let header = Header { seg };
        if segment_len(header.slots(), header.capacity())? > seg.len() {
            return None;
        }
        Some(header)
    }

    fn slots(&self) -> u32 {
        self.seg.word(4).map_or(0, |w| w.load(Ordering::Relaxed))
    }

    fn capacity(&self) -> usize {
        self.seg
            .word(8)
            .map_or(0, |w| w.load(Ordering::Relaxed) as usize)
    }

    /// `fs.nr_open` on this host, as the driver read it.
    pub(crate) fn nr_open(&self) -> u32 {
        self.seg.word(16).map_or(0, |w| w.load(Ordering::Relaxed))
    }

    /// The pid of the reaper process (0 until the initial process records it).
    pub(crate) fn reaper(&self) -> Option<&'a AtomicU32> {
        self.seg.word(12)
    }

    /// Mailbox `index`, if there is one.
    pub(crate) fn slot(&self, index: u32) -> Option<Mailbox<'a>> {
        if index >= self.slots() {
            return None;
        }
        let capacity = self.capacity();
        let base = HEADER + slot_len(capacity)? * index as usize;
        let seg = self.seg;
        Some(Mailbox {
            state: seg.word(base)?,
            pid: seg.word(base + 4)?,
            request_len: seg.word(base + 8)?,
            response_len: seg.word(base + 12)?,
            request: seg.bytes(base + CONTROL, capacity)?,
            response: seg.bytes(base + CONTROL + capacity, capacity)?,
        })
    }
}

/// One process's mailbox.
#[derive(Clone, Copy)]
pub(crate) struct Mailbox<'a> {
    /// The state word and futex.
    pub(crate) state: &'a AtomicU32,
    /// The pid of the process serving the mailbox.
    pub(crate) pid: &'a AtomicU32,
    request_len: &'a AtomicU32,
    response_len: &'a AtomicU32,
    request: &'a [AtomicU8],
    response: &'a [AtomicU8],
}

fn put(dst: &[AtomicU8], len: &AtomicU32, src: &[u8]) -> bool {
    if src.len() > dst.len() {
        return false;
    }
    for (d, &s) in dst.iter().zip(src) {
        d.store(s, Ordering::Relaxed);
    }
    len.store(src.len() as u32, Ordering::Relaxed);
    true
}

fn get(src: &[AtomicU8], len: &AtomicU32) -> Option<Vec<u8>> {
    let len = len.load(Ordering::Relaxed) as usize;
    let bytes = src.get(..len)?;
    Some(bytes.iter().map(|b| b.load(Ordering::Relaxed)).collect())
}

impl Mailbox<'_> {
    /// Bytes one message may take.
    pub(crate) fn capacity(&self) -> usize {
        self.request.len()
    }

    /// Stores a request (driver side; the slot must be `READY`).
    pub(crate) fn put_request(&self, bytes: &[u8]) -> bool {
        put(self.request, self.request_len, bytes)
    }

    /// The posted request (helper side).
    pub(crate) fn request(&self) -> Option<Vec<u8>> {
        get(self.request, self.request_len)
    }

    /// Stores a response (helper side).
    pub(crate) fn put_response(&self, bytes: &[u8]) -> bool {
        put(self.response, self.response_len, bytes)
    }

    /// The posted response (driver side).
    pub(crate) fn response(&self) -> Option<Vec<u8>> {
        get(self.response, self.response_len)
    }

    /// Hands the slot over: stores `state` and wakes whoever sleeps on it.
    pub(crate) fn hand_over(&self, state: u32) {
        self.state.store(state, Ordering::Release);
        // Waking across processes: a shared (not PRIVATE) futex. Failure cannot
        // happen for a valid address; a missed wake is covered by timed waits.
        let _ = futex::wake(self.state, futex::Flags::empty(), u32::MAX);
    }

    /// The current state.
    pub(crate) fn load(&self) -> u32 {
        self.state.load(Ordering::Acquire)
    }

    /// Sleeps until the state is no longer `seen`, a wake, a signal, or `timeout`;
    /// returns whether the time ran out.
    pub(crate) fn sleep(&self, seen: u32, timeout: Duration) -> bool {
        let ts = futex::Timespec {
            tv_sec: timeout.as_secs() as i64,
            tv_nsec: i64::from(timeout.subsec_nanos()),
        };
        // EAGAIN (changed already), ETIMEDOUT and EINTR all mean "look again".
        matches!(
            futex::wait(self.state, futex::Flags::empty(), seen, Some(&ts)),
            Err(rustix::io::Errno::TIMEDOUT)
        )
    }
}

//! [`OpenFileDescription`]: what `open` creates and `dup` shares.
//!
//! Linux `struct file`. Everything here is shared by every descriptor that refers to
//! the description, in any process: the access mode, the status flags (`O_APPEND`,
//! `O_NONBLOCK`, `O_ASYNC`, `O_DIRECT`, `O_NOATIME`), the file offset and the object.
//! Close-on-exec is *not* here: it belongs to each descriptor
//! ([`FdTable`](crate::FdTable)).

use crate::errno::{Errno, Result};
use crate::flags::{AccessMode, OFlags, SETFL_MASK};
use crate::object::FileObject;
use crate::sync::atomic::{AtomicI32, AtomicU32, Ordering};
use crate::sync::{Arc, Mutex, MutexGuard};
use crate::wait::lock;
use std::fmt;
use std::sync::atomic::AtomicU64;

/// Called with the identity and link text of each description released (last close).
pub type ReleaseHook = dyn Fn(&Released) + Send + Sync;

/// What the embedder learns when an open file description is released: the moment
/// Linux's last `fput` runs (`->flush` and `->release`, dropping POSIX locks).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Released {
    /// The description's identity ([`OpenFileDescription::id`]).
    pub id: u64,
    /// Its `/proc/PID/fd` link text at release.
    pub link: String,
}

/// An open file description (Linux `struct file`): access mode, status flags, offset
/// and the object, shared by every descriptor duplicated from one open.
///
/// Dropping the last `Arc` to it is the last close: the object is dropped (a pipe end
/// wakes the other side) and the system's release hook runs, after every table lock
/// has been released.
#[doc(alias = "struct file")]
pub struct OpenFileDescription {
    id: u64,
    object: Box<dyn FileObject>,
    /// `f_flags`: access mode, status flags and the flags Linux keeps (`O_LARGEFILE`,
    /// `O_DIRECTORY`, `O_NOFOLLOW`, `O_PATH` ...), exactly what `F_GETFL` returns.
    flags: AtomicU32,
    /// `f_pos`, behind Linux's `f_pos_lock`: `read` and `write` hold it for their
    /// whole transfer, so concurrent transfers through duplicates never share a range.
    offset: Mutex<u64>,
    created: bool,
    owner: AtomicI32,
    signal: AtomicI32,
    hook: Option<Arc<ReleaseHook>>,
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

impl OpenFileDescription {
    /// A new description of `object` whose `f_flags` are exactly `flags` (the caller
    /// has applied its call's rules: see [`OpenFileDescription::flags_for_open`]).
    pub fn new(object: Box<dyn FileObject>, flags: OFlags) -> OpenFileDescription {
        OpenFileDescription {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            object,
            flags: AtomicU32::new(flags.bits()),
            offset: Mutex::new(0),
            created: false,
            owner: AtomicI32::new(0),
            signal: AtomicI32::new(0),
            hook: None,
        }
    }

    /// Marks the description as having created its file (`F_CREATED_QUERY`).
    pub fn with_created(mut self, created: bool) -> Self {
        self.created = created;
        self
    }

    /// Sets the hook run at release.
    pub fn with_release_hook(mut self, hook: Option<Arc<ReleaseHook>>) -> Self {
        self.hook = hook;
        self
    }

    /// The `f_flags` Linux stores for `open(path, flags)`: `O_LARGEFILE` forced on
    /// (64-bit), `O_CREAT`, `O_EXCL`, `O_NOCTTY`, `O_TRUNC` and `O_CLOEXEC` removed,
    /// `O_DSYNC` added to `__O_SYNC`; for `O_PATH`, only `O_PATH`, `O_DIRECTORY` and
    /// `O_NOFOLLOW` kept.
    pub fn flags_for_open(flags: OFlags) -> OFlags {
        if flags.contains(OFlags::PATH) {
            return flags & (OFlags::PATH | OFlags::DIRECTORY | OFlags::NOFOLLOW);
        }
        let mut flags = (flags | OFlags::LARGEFILE) - crate::flags::OPEN_STRIP;
        if flags.contains(OFlags::SYNC) {
            flags |= OFlags::DSYNC;
        }
        flags
    }

    /// A unique identity, stable for the description's life (not reused).
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The object behind this description.
    pub fn object(&self) -> &dyn FileObject {
        &*self.object
    }

    /// `F_GETFL`: access mode and status flags, as Linux reports them.
    pub fn flags(&self) -> OFlags {
        OFlags::from_bits_retain(self.flags.load(Ordering::Acquire))
    }

    /// The access mode (`O_PATH` descriptions report [`AccessMode::NoAccess`]).
    pub fn access_mode(&self) -> AccessMode {
        if self.is_path() {
            AccessMode::NoAccess
        } else {
            self.flags().access_mode()
        }
    }

    /// Whether this is an `O_PATH` description (location only, no I/O).
    pub fn is_path(&self) -> bool {
        self.flags().contains(OFlags::PATH)
    }

    /// Whether `O_NONBLOCK` is set.
    pub fn is_nonblocking(&self) -> bool {
        self.flags().contains(OFlags::NONBLOCK)
    }

    /// Whether this open created its file (`F_CREATED_QUERY`).
    pub fn created(&self) -> bool {
        self.created
    }

    /// `F_SETFL`: replace the changeable status flags with those in `arg`; every
    /// other bit of `arg` is ignored. `O_ASYNC` changes only for objects with a
    /// `->fasync` method.
    ///
    /// # Errors
    /// - `EBADF`: an `O_PATH` description.
    /// - `EINVAL`: `O_DIRECT` requested on an object that does not support it.
    pub fn set_status_flags(&self, arg: u32) -> Result<()> {
        if self.is_path() {
            return Err(Errno::BADF);
        }
        let arg = OFlags::from_bits_retain(arg);
        if arg.contains(OFlags::DIRECT) && !self.object.supports_direct() {
            return Err(Errno::INVAL);
        }
        let mut mask = SETFL_MASK;
        if self.object.supports_async() {
            mask |= OFlags::ASYNC;
        }
        let _ = self
            .flags
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |old| {
                Some((arg.bits() & mask.bits()) | (old & !mask.bits()))
            });
        Ok(())
    }

    /// Sets or clears `O_NONBLOCK` (`ioctl(FIONBIO)`).
    pub fn set_nonblocking(&self, on: bool) {
        let bit = OFlags::NONBLOCK.bits();
        if on {
            self.flags.fetch_or(bit, Ordering::AcqRel);
        } else {
            self.flags.fetch_and(!bit, Ordering::AcqRel);
        }
    }

    /// The current file offset.
    pub fn offset(&self) -> u64 {
        *lock(&self.offset)
    }

    /// Locks the file offset (Linux `f_pos_lock`) for a read-modify-write.
    pub fn lock_offset(&self) -> MutexGuard<'_, u64> {
        lock(&self.offset)
    }

    /// `F_GETOWN`: the process (or negated group) receiving `SIGIO`.
    pub fn owner(&self) -> i32 {
        self.owner.load(Ordering::Relaxed)
    }

    /// `F_SETOWN`.
    pub fn set_owner(&self, pid: i32) {
        self.owner.store(pid, Ordering::Relaxed)
    }

    /// `F_GETSIG`: the signal sent for readiness (0: `SIGIO`).
    pub fn signal(&self) -> i32 {
        self.signal.load(Ordering::Relaxed)
    }

    /// `F_SETSIG`.
    pub fn set_signal(&self, sig: i32) {
        self.signal.store(sig, Ordering::Relaxed)
    }
}

impl Drop for OpenFileDescription {
    fn drop(&mut self) {
        if let Some(hook) = &self.hook {
            hook(&Released {
                id: self.id,
                link: self.object.proc_link(),
            });
        }
    }
}

impl fmt::Debug for OpenFileDescription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenFileDescription")
            .field("id", &self.id)
            .field("link", &self.object.proc_link())
            .field("flags", &format_args!("{:#o}", self.flags().bits()))
            .field("offset", &self.offset())
            .finish()
    }
}

//! Owner tags: catching the wrong closer at the guilty `close`, in the style of
//! Android's fdsan (bionic `android_fdsan_exchange_owner_tag`,
//! `android_fdsan_close_with_tag`).
//!
//! Read this first: a descriptor number is reused as soon as it is closed, so a
//! double close in one thread silently closes *another* thread's newer descriptor,
//! and the damage shows up much later, as reads from the wrong file. An owner tag
//! names who owns a descriptor (a `File` object, a buffered stream, a runtime);
//! [`OwnerTag::NONE`] (0) means unowned. The owner claims the descriptor with
//! [`FdTable::exchange_owner_tag`] and closes it with [`FdTable::close_with_tag`]; a
//! plain `close(fd)` is `close_with_tag(fd, OwnerTag::NONE)`. Any close whose tag is
//! not the descriptor's is refused with a [`TagError`] naming both owners, at the
//! call that is wrong, and the table is left unchanged.
//!
//! The tag is the table's per-descriptor data ([`FdData`]): a duplicate starts
//! unowned ([`DataRule::Reset`]: the owner owns the number it claimed, not every
//! number of the description) and a forked child inherits every tag
//! ([`DataRule::Copy`]: fdsan's table lives in the process's memory, which `fork`
//! copies). So an emulator keeps an `FdTable<Entry, OwnerTag>` per guest process,
//! routes the guest's `close` to `close_with_tag(fd, OwnerTag::NONE)` and its fdsan
//! calls to these methods, and reports a guest's double close at the call that makes
//! it.
//!
//! ```
//! use fdkit::{Errno, Fd, FdTable, Limits, OwnerTag};
//!
//! let mut t: FdTable<&str, OwnerTag> = FdTable::with_data();
//! let fd = t.insert("/dev/null", false, Limits::default())?;
//! let file = OwnerTag::new(OwnerTag::KIND_FILE, 0x7f00);
//! t.exchange_owner_tag(fd, OwnerTag::NONE, file)?;   // the File object owns fd
//! let err = t.close_with_tag(fd, OwnerTag::NONE).unwrap_err(); // a stray close(fd)
//! assert_eq!(err.actual(), file);
//! assert_eq!(err.errno(), Errno::PERM);
//! assert_eq!(t.close_with_tag(fd, file)?, "/dev/null"); // the owner's close works
//! # Ok::<(), fdkit::Errno>(())
//! ```

use crate::errno::Errno;
use crate::fd::Fd;
use crate::table::{DataRule, FdData, FdTable};
use core::fmt;

/// Who owns a descriptor: 0 is nobody ([`OwnerTag::NONE`]); any other value is an
/// owner, by fdsan's convention the owner's kind in the top byte and an identity
/// (usually its address) below.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct OwnerTag(pub u64);

impl OwnerTag {
    /// Unowned: every new and every duplicated descriptor starts so.
    pub const NONE: OwnerTag = OwnerTag(0);
    /// fdsan's kind for a `FILE*` (`ANDROID_FDSAN_OWNER_TYPE_FILE`).
    pub const KIND_FILE: u8 = 1;
    /// fdsan's kind for a `DIR*` (`ANDROID_FDSAN_OWNER_TYPE_DIR`).
    pub const KIND_DIR: u8 = 2;
    /// fdsan's kind for a generic owner (`ANDROID_FDSAN_OWNER_TYPE_GENERIC_00`).
    pub const KIND_GENERIC: u8 = 3;

    /// A tag of `kind` (top byte) and `value` (its low 56 bits), as fdsan's
    /// `android_fdsan_create_owner_tag` builds one.
    pub const fn new(kind: u8, value: u64) -> OwnerTag {
        OwnerTag(((kind as u64) << 56) | (value & ((1 << 56) - 1)))
    }

    /// The owner's kind: the top byte.
    pub const fn kind(self) -> u8 {
        (self.0 >> 56) as u8
    }

    /// Whether this is [`OwnerTag::NONE`].
    pub const fn is_none(self) -> bool {
        self.0 == 0
    }
}

impl fmt::Display for OwnerTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_none() {
            f.write_str("unowned")
        } else {
            write!(f, "owner {:#018x}", self.0)
        }
    }
}

impl fmt::Debug for OwnerTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OwnerTag({:#x})", self.0)
    }
}

/// A duplicate starts unowned; a forked child inherits the tags.
impl FdData for OwnerTag {
    const ON_DUP: DataRule = DataRule::Reset;
    const ON_FORK: DataRule = DataRule::Copy;
}

/// Which owner-tag call failed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum TagOp {
    /// [`FdTable::close_with_tag`].
    Close,
    /// [`FdTable::exchange_owner_tag`].
    Exchange,
}

/// An owner-tag call refused: `fd` is not installed, or its owner is not the one the
/// caller named. `Display` names both owners.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct TagError {
    op: TagOp,
    fd: Fd,
    expected: OwnerTag,
    actual: Option<OwnerTag>,
}

impl TagError {
    /// The call that failed.
    pub fn op(&self) -> TagOp {
        self.op
    }

    /// The descriptor.
    pub fn fd(&self) -> Fd {
        self.fd
    }

    /// The owner the caller claimed.
    pub fn expected(&self) -> OwnerTag {
        self.expected
    }

    /// The descriptor's owner ([`OwnerTag::NONE`] when it is not installed).
    pub fn actual(&self) -> OwnerTag {
        self.actual.unwrap_or(OwnerTag::NONE)
    }

    /// The errno an interface with errno returns (the C ABI): `EBADF` when an
    /// unowned close or exchange names a descriptor that is not installed (what
    /// `close` itself returns), `EPERM` for a wrong owner.
    pub fn errno(&self) -> Errno {
        match self.actual {
            None if self.expected.is_none() => Errno::BADF,
            _ => Errno::PERM,
        }
    }
}

impl fmt::Display for TagError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verb = match self.op {
            TagOp::Close => "close",
            TagOp::Exchange => "change the owner of",
        };
        match self.actual {
            None if self.expected.is_none() => {
                write!(f, "attempted to {verb} fd {}, which is not open", self.fd)
            }
            actual => write!(
                f,
                "attempted to {verb} fd {} as {}, but it is {}",
                self.fd,
                self.expected,
                actual.unwrap_or(OwnerTag::NONE),
            ),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for TagError {}

impl From<TagError> for Errno {
    fn from(e: TagError) -> Errno {
        e.errno()
    }
}

impl<F: Clone> FdTable<F, OwnerTag> {
    /// The owner of an installed `fd`, or `None` if `fd` is not installed.
    pub fn owner_tag(&self, fd: Fd) -> Option<OwnerTag> {
        self.data(fd).copied()
    }

    /// fdsan's `android_fdsan_exchange_owner_tag`: if `fd`'s owner is `expected`,
    /// make it `new` (claim with `expected = NONE`, release with `new = NONE`,
    /// hand over with both set).
    ///
    /// # Errors
    /// - [`TagError`] with [`TagError::actual`] `NONE` and `EBADF`: `fd` is not
    ///   installed and `expected` is `NONE`; with `EPERM` if `expected` is an owner.
    /// - [`TagError`] naming both owners (`EPERM`): `fd`'s owner is not `expected`.
    pub fn exchange_owner_tag(
        &mut self,
        fd: Fd,
        expected: OwnerTag,
        new: OwnerTag,
    ) -> Result<(), TagError> {
        let error = |actual| TagError {
            op: TagOp::Exchange,
            fd,
            expected,
            actual,
        };
        match self.owner_tag(fd) {
            Some(actual) if actual == expected => {
                if actual != new {
                    if let Some(tag) = self.data_mut(fd) {
                        *tag = new;
                    }
                }
                Ok(())
            }
            actual => Err(error(actual)),
        }
    }

    /// fdsan's `android_fdsan_close_with_tag`: `close(fd)` by the owner `tag`
    /// (`NONE` for a plain `close`). Returns the entry, as [`FdTable::close`].
    ///
    /// Unlike fdsan in its warning mode, a refused close closes nothing: the
    /// descriptor stays with its owner, so the caller can report the guilty call
    /// and decide (an emulator may still carry out the guest's close with
    /// [`FdTable::close`]).
    ///
    /// # Errors
    /// - [`TagError`] with `EBADF`: `fd` is not installed and `tag` is `NONE`
    ///   (what `close` returns).
    /// - [`TagError`] naming both owners (`EPERM`): `fd`'s owner is not `tag` —
    ///   including an owner closing a descriptor that is no longer open, which
    ///   fdsan reports as owned by nobody.
    pub fn close_with_tag(&mut self, fd: Fd, tag: OwnerTag) -> Result<F, TagError> {
        match self.owner_tag(fd) {
            Some(actual) if actual == tag => self.close(fd).map_err(|_| TagError {
                op: TagOp::Close,
                fd,
                expected: tag,
                actual: None,
            }),
            actual => Err(TagError {
                op: TagOp::Close,
                fd,
                expected: tag,
                actual,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::Limits;
    use alloc::string::ToString;

    fn table() -> (FdTable<u32, OwnerTag>, Fd) {
        let mut t = FdTable::with_data();
        let fd = t.insert(7, false, Limits::default()).unwrap();
        (t, fd)
    }

    #[test]
    fn claim_release_handover() {
        let (mut t, fd) = table();
        let a = OwnerTag::new(OwnerTag::KIND_FILE, 0xa);
        let b = OwnerTag::new(OwnerTag::KIND_GENERIC, 0xb);
        assert_eq!(t.owner_tag(fd), Some(OwnerTag::NONE));
        t.exchange_owner_tag(fd, OwnerTag::NONE, a).unwrap();
        let e = t.exchange_owner_tag(fd, OwnerTag::NONE, b).unwrap_err();
        assert_eq!(
            (e.expected(), e.actual(), e.op()),
            (OwnerTag::NONE, a, TagOp::Exchange)
        );
        t.exchange_owner_tag(fd, a, b).unwrap();
        assert_eq!(t.owner_tag(fd), Some(b));
        assert_eq!(a.kind(), OwnerTag::KIND_FILE);
        t.exchange_owner_tag(fd, b, OwnerTag::NONE).unwrap();
        assert_eq!(t.close_with_tag(fd, OwnerTag::NONE), Ok(7));
    }

    #[test]
    fn wrong_closer_is_refused_and_named() {
        let (mut t, fd) = table();
        let a = OwnerTag(0x11);
        t.exchange_owner_tag(fd, OwnerTag::NONE, a).unwrap();
        let e = t.close_with_tag(fd, OwnerTag(0x22)).unwrap_err();
        assert_eq!(e.errno(), Errno::PERM);
        assert_eq!(
            e.to_string(),
            "attempted to close fd 0 as owner 0x0000000000000022, but it is owner 0x0000000000000011"
        );
        // Refused: still open, still owned.
        assert_eq!(t.owner_tag(fd), Some(a));
        assert_eq!(t.close_with_tag(fd, a), Ok(7));
        // Closed now: an unowned close is EBADF, an owner's close names "unowned".
        let e = t.close_with_tag(fd, OwnerTag::NONE).unwrap_err();
        assert_eq!(e.errno(), Errno::BADF);
        assert_eq!(e.to_string(), "attempted to close fd 0, which is not open");
        let e = t.close_with_tag(fd, a).unwrap_err();
        assert_eq!(e.errno(), Errno::PERM);
        assert_eq!(e.actual(), OwnerTag::NONE);
        assert!(e.to_string().ends_with("but it is unowned"), "{e}");
    }

    #[test]
    fn dup_starts_unowned_fork_inherits() {
        let (mut t, fd) = table();
        let limits = Limits::default();
        let a = OwnerTag(0x11);
        t.exchange_owner_tag(fd, OwnerTag::NONE, a).unwrap();
        let d = t.dup(fd, limits).unwrap();
        assert_eq!(t.owner_tag(d), Some(OwnerTag::NONE));
        let (d2, _) = t.dup2(fd, Fd::new(9), limits).unwrap();
        assert_eq!(t.owner_tag(d2), Some(OwnerTag::NONE));
        let d3 = t.fcntl_dupfd_cloexec(fd, 20, limits).unwrap();
        assert_eq!(t.owner_tag(d3), Some(OwnerTag::NONE));
        let mut child = t.fork(Limits::DEFAULT_NR_OPEN).unwrap();
        assert_eq!(child.owner_tag(fd), Some(a));
        // The copy-on-write copies are independent.
        child.exchange_owner_tag(fd, a, OwnerTag::NONE).unwrap();
        assert_eq!(t.owner_tag(fd), Some(a));
        assert_eq!(child.owner_tag(fd), Some(OwnerTag::NONE));
    }
}

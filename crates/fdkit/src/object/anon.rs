//! [`AnonObject`]: an object known only by its link text and kind.
//!
//! For descriptors whose behaviour the model does not simulate but whose place in the
//! table matters: an `epoll` instance, a `timerfd`, a TCP socket seen in a log. It
//! cannot be read or written (`EINVAL`) or seeked (`ESPIPE`).

use super::{FileKind, FileObject, Stat};

/// An opaque object with a fixed `/proc/PID/fd` link text.
#[derive(Clone, Debug)]
pub struct AnonObject {
    link: String,
    kind: FileKind,
    ino: u64,
}

impl AnonObject {
    /// An object shown as `link` (e.g. `anon_inode:[eventpoll]`, `socket:[77]`).
    pub fn new(link: impl Into<String>, kind: FileKind, ino: u64) -> AnonObject {
        AnonObject {
            link: link.into(),
            kind,
            ino,
        }
    }
}

impl FileObject for AnonObject {
    fn kind(&self) -> FileKind {
        self.kind
    }

    fn proc_link(&self) -> String {
        self.link.clone()
    }

    fn is_stream(&self) -> bool {
        matches!(self.kind, FileKind::Socket | FileKind::Fifo)
    }

    fn stat(&self) -> Stat {
        Stat {
            dev: 0xe,
            ino: self.ino,
            mode: self.kind.mode_bits() | 0o600,
            nlink: 1,
            size: 0,
        }
    }

    fn supports_async(&self) -> bool {
        matches!(self.kind, FileKind::Socket | FileKind::Fifo)
    }
}

//! Calls that create descriptor pairs or anonymous objects: `pipe`, `pipe2`,
//! `socketpair`, `eventfd`, `eventfd2`.

use crate::errno::{Errno, Result};
use crate::fd::Fd;
use crate::flags::{
    EventFdFlags, OFlags, SockFlags, AF_UNIX, EFD_SEMAPHORE, SOCK_CLOEXEC, SOCK_NONBLOCK,
};
use crate::object::eventfd::EventFd;
use crate::object::pipe::{End, Pipe};
use crate::object::socket::SocketPair;
use crate::object::FileObject;
use crate::ofd::OpenFileDescription;
use crate::system::Task;
use std::sync::Arc;

/// `O_NOTIFICATION_PIPE` (== `O_EXCL`): a watch-queue pipe.
pub const O_NOTIFICATION_PIPE: u32 = 0o200;
/// `AF_INET` (2).
pub const AF_INET: i32 = 2;
/// `AF_INET6` (10).
pub const AF_INET6: i32 = 10;
/// `AF_MAX`: families are below this.
pub const AF_MAX: i32 = 46;
/// `SOCK_MAX`: socket types are below this.
pub const SOCK_MAX: u32 = 11;
/// `SOCK_RAW` (3).
pub const SOCK_RAW: u32 = 3;

impl Task {
    /// `pipe(fds)` — `pipe2(fds, 0)`.
    ///
    /// # Errors
    /// As [`Task::pipe2`].
    pub fn pipe(&self) -> Result<[Fd; 2]> {
        self.pipe2(OFlags::empty())
    }

    /// `pipe2(fds, flags)` — a pipe; the read end takes the lowest free number, the
    /// write end the next. `O_NONBLOCK` goes on both descriptions, `O_DIRECT` on the
    /// write end only, `O_CLOEXEC` on both descriptors (Linux `do_pipe2`,
    /// `create_pipe_files`). A guest's raw flag word goes through
    /// [`Call::Pipe2`](crate::syscall::Call::Pipe2), or [`OFlags::from_bits_retain`],
    /// which keeps unknown bits so they are refused.
    ///
    /// # Errors
    /// 1. `EINVAL`: a flag other than `O_CLOEXEC`, `O_NONBLOCK`, `O_DIRECT`,
    ///    `O_NOTIFICATION_PIPE`.
    /// 2. `ENOPKG`: `O_NOTIFICATION_PIPE` (watch queues are not modelled, as in a
    ///    kernel built without `CONFIG_WATCH_QUEUE`).
    /// 3. `EMFILE`: fewer than two free numbers below the soft limit; nothing is
    ///    allocated.
    pub fn pipe2(&self, flags: OFlags) -> Result<[Fd; 2]> {
        let flags = flags.bits();
        let valid = OFlags::CLOEXEC.bits()
            | OFlags::NONBLOCK.bits()
            | OFlags::DIRECT.bits()
            | O_NOTIFICATION_PIPE;
        if flags & !valid != 0 {
            return Err(Errno::INVAL);
        }
        if flags & O_NOTIFICATION_PIPE != 0 {
            return Err(Errno::NOPKG);
        }
        let flags = OFlags::from_bits_retain(flags);
        let pipe = Pipe::new(self.shared.next_ino());
        let read = OFlags::empty() | (flags & OFlags::NONBLOCK);
        let write = OFlags::WRONLY | (flags & (OFlags::NONBLOCK | OFlags::DIRECT));
        let r = self.description(Box::new(Pipe::end(&pipe, End::Read)), read);
        let w = self.description(Box::new(Pipe::end(&pipe, End::Write)), write);
        self.install_pair(r, w, flags.contains(OFlags::CLOEXEC))
    }

    /// `socketpair(domain, kind | flags, protocol, fds)` — a connected pair of unix
    /// sockets (Linux `__sys_socketpair`, then `sock_create` and the family's
    /// `socketpair`). `kind` is the socket type (`SOCK_STREAM` ...; its low four
    /// bits), `flags` the `SOCK_NONBLOCK`/`SOCK_CLOEXEC` bits Linux or-s into the
    /// type. A guest's raw type word goes through
    /// [`Call::Socketpair`](crate::syscall::Call::Socketpair), which splits it.
    ///
    /// # Errors
    /// 1. `EINVAL`: flag bits other than `SOCK_NONBLOCK`, `SOCK_CLOEXEC` (bits of
    ///    `kind` above its low four, or unknown bits kept in `flags`).
    /// 2. `EMFILE`: fewer than two free numbers (checked before the socket is made).
    /// 3. `EAFNOSUPPORT`: unknown family; `EINVAL`: unknown type;
    ///    `EOPNOTSUPP`: `AF_INET`/`AF_INET6` (no socket pairs);
    ///    `ESOCKTNOSUPPORT`: an `AF_UNIX` type other than stream, datagram,
    ///    seqpacket or raw; `EPROTONOSUPPORT`: a protocol other than 0 or `AF_UNIX`.
    pub fn socketpair(
        &self,
        domain: i32,
        kind: u32,
        flags: SockFlags,
        protocol: i32,
    ) -> Result<[Fd; 2]> {
        let ty = kind | flags.bits();
        let flags = ty & !0xf;
        if flags & !(SOCK_CLOEXEC | SOCK_NONBLOCK) != 0 {
            return Err(Errno::INVAL);
        }
        let kind = ty & 0xf;
        let cloexec = flags & SOCK_CLOEXEC != 0;
        let fds = self.with_table(|t, limits| {
            let a = t.reserve(0, cloexec, limits)?;
            match t.reserve(0, cloexec, limits) {
                Ok(b) => Ok([a, b]),
                Err(e) => {
                    t.unreserve(a);
                    Err(e)
                }
            }
        })??;
        let made = socket_check(domain, kind, protocol).map(|()| {
            let (x, y) = SocketPair::connected(self.shared.next_ino(), self.shared.next_ino());
            let status = OFlags::RDWR | OFlags::from_bits_retain(flags & SOCK_NONBLOCK);
            (
                self.description(Box::new(x), status),
                self.description(Box::new(y), status),
            )
        });
        self.edit_table(|t| match made {
            Ok((x, y)) => {
                let ok = t.install(fds[0], x).is_ok() & t.install(fds[1], y).is_ok();
                if ok {
                    Ok(fds)
                } else {
                    Err(Errno::BADF)
                }
            }
            Err(e) => {
                t.unreserve(fds[0]);
                t.unreserve(fds[1]);
                Err(e)
            }
        })?
    }

    /// `eventfd(initval)` — `eventfd2(initval, 0)`.
    ///
    /// # Errors
    /// As [`Task::eventfd2`].
    pub fn eventfd(&self, initval: u32) -> Result<Fd> {
        self.eventfd2(initval, EventFdFlags::empty())
    }

    /// `eventfd2(initval, flags)` — an eventfd counter (`anon_inode:[eventfd]`;
    /// Linux `do_eventfd`). `EFD_CLOEXEC` and `EFD_NONBLOCK` have the `O_` values.
    /// A guest's raw flag word goes through
    /// [`Call::Eventfd2`](crate::syscall::Call::Eventfd2), or
    /// [`EventFdFlags::from_bits_retain`], which keeps unknown bits so they are
    /// refused.
    ///
    /// # Errors
    /// 1. `EINVAL`: flags other than `EFD_CLOEXEC`, `EFD_NONBLOCK`, `EFD_SEMAPHORE`.
    /// 2. `EMFILE`: no free number below the soft `RLIMIT_NOFILE`.
    pub fn eventfd2(&self, initval: u32, flags: EventFdFlags) -> Result<Fd> {
        let flags = flags.bits();
        let valid = OFlags::CLOEXEC.bits() | OFlags::NONBLOCK.bits() | EFD_SEMAPHORE;
        if flags & !valid != 0 {
            return Err(Errno::INVAL);
        }
        let object = EventFd::new(self.shared.next_ino(), initval, flags & EFD_SEMAPHORE != 0);
        let status = OFlags::RDWR | (OFlags::from_bits_retain(flags) & OFlags::NONBLOCK);
        let ofd = self.description(Box::new(object), status);
        let cloexec = flags & OFlags::CLOEXEC.bits() != 0;
        self.with_table(|t, limits| t.insert(ofd, cloexec, limits))?
    }

    fn description(&self, object: Box<dyn FileObject>, flags: OFlags) -> Arc<OpenFileDescription> {
        Arc::new(self.shared.new_ofd(object, flags, false))
    }

    /// Installs two descriptions at the two lowest free numbers, or neither.
    fn install_pair(
        &self,
        a: Arc<OpenFileDescription>,
        b: Arc<OpenFileDescription>,
        cloexec: bool,
    ) -> Result<[Fd; 2]> {
        let (fds, rejected) = self.with_table(|t, limits| {
            let first = match t.insert(a, cloexec, limits) {
                Ok(fd) => fd,
                Err(e) => return (Err(e), None),
            };
            match t.insert(b, cloexec, limits) {
                Ok(second) => (Ok([first, second]), None),
                Err(e) => (Err(e), t.close(first).ok()),
            }
        })?;
        drop(rejected);
        fds
    }
}

/// `sock_create` and the family's `socketpair` support, in Linux's order.
fn socket_check(domain: i32, kind: u32, protocol: i32) -> Result<()> {
    if !(0..AF_MAX).contains(&domain) {
        return Err(Errno::AFNOSUPPORT);
    }
    if kind >= SOCK_MAX {
        return Err(Errno::INVAL);
    }
    match domain {
        AF_UNIX => {
            if protocol != 0 && protocol != AF_UNIX {
                return Err(Errno::PROTONOSUPPORT);
            }
            match kind {
                crate::flags::SOCK_STREAM
                | crate::flags::SOCK_DGRAM
                | crate::flags::SOCK_SEQPACKET
                | SOCK_RAW => Ok(()),
                _ => Err(Errno::SOCKTNOSUPPORT),
            }
        }
        AF_INET | AF_INET6 => Err(Errno::OPNOTSUPP),
        _ => Err(Errno::AFNOSUPPORT),
    }
}

//! Which system calls matter to descriptor tables, and how: one [`Class`] per
//! syscall name (x86-64, as strace names them).
//!
//! The replay looks a call's name up here before it reads any argument; every name
//! not listed (`mmap` of anonymous memory is decided later, but `futex`, `brk`,
//! `rt_sigaction`, `getpid`... never reach argument parsing) is [`Class::Ignore`].
//!
//! For calls that only *use* descriptors, [`Use`] says which arguments are
//! descriptors, what access each needs (`read` on an `O_WRONLY` descriptor is
//! `EBADF`), whether `O_PATH` descriptors are accepted (Linux `fdget_raw` versus
//! `fdget`), whether the descriptor is the first thing the kernel checks, and how
//! the call moves the file offset.

/// How a call moves the offset of its first descriptor's description.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Offset {
    /// Not at all (`pread64`, `fstat`...).
    Keep,
    /// Forward by the returned byte count (`read`, `write`, `readv`...).
    Advance,
    /// Forward by the returned count unless argument `i` gives a position
    /// (`NULL`, or `-1` for `preadv2`, means the file offset is used).
    AdvanceWithoutPos(u8),
    /// To a position the log does not show (`getdents64`).
    Lose,
}

/// A call that uses descriptors without changing tables.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Use {
    /// Argument indices of the descriptors (at most two; `u8::MAX` for none).
    pub fds: [u8; 2],
    /// Per descriptor: needs read access.
    pub read: [bool; 2],
    /// Per descriptor: needs write access.
    pub write: [bool; 2],
    /// `O_PATH` descriptors are accepted.
    pub raw: bool,
    /// The descriptor is looked up before anything else can fail.
    pub fd_first: bool,
    /// The offset effect on the first descriptor.
    pub offset: Offset,
    /// Second descriptor's offset effect (`copy_file_range`, `sendfile`, `splice`).
    pub offset2: Offset,
}

const NONE: u8 = u8::MAX;

const fn u1(fd: u8) -> Use {
    Use {
        fds: [fd, NONE],
        read: [false; 2],
        write: [false; 2],
        raw: false,
        fd_first: true,
        offset: Offset::Keep,
        offset2: Offset::Keep,
    }
}

const fn rd(offset: Offset) -> Use {
    Use {
        read: [true, false],
        offset,
        ..u1(0)
    }
}

const fn wr(offset: Offset) -> Use {
    Use {
        write: [true, false],
        offset,
        ..u1(0)
    }
}

const fn raw(u: Use) -> Use {
    Use { raw: true, ..u }
}

const fn late(u: Use) -> Use {
    Use {
        fd_first: false,
        ..u
    }
}

/// An `*at` call: directory descriptor and path argument pairs, and the flags
/// argument that may hold `AT_EMPTY_PATH`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct At {
    /// (dirfd index, path index) pairs; `NONE` for an unused slot.
    pub pairs: [(u8, u8); 2],
    /// Index of the flags argument, or `NONE`.
    pub flags: u8,
    /// A `NULL` or empty path means the descriptor itself (`utimensat`, `readlinkat`).
    pub empty_is_fd: bool,
}

const fn at(dirfd: u8, path: u8, flags: u8) -> At {
    At {
        pairs: [(dirfd, path), (NONE, NONE)],
        flags,
        empty_is_fd: false,
    }
}

const fn at2(flags: u8) -> At {
    At {
        pairs: [(0, 1), (2, 3)],
        flags,
        empty_is_fd: false,
    }
}

/// A call that creates new descriptors (other than the `open` and `dup` families).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum New {
    Socket,
    EventFd,
    EventFd2,
    EpollCreate,
    EpollCreate1,
    SignalFd,
    SignalFd4,
    TimerFd,
    InotifyInit,
    InotifyInit1,
    FanotifyInit,
    MemfdCreate,
    MemfdSecret,
    Userfaultfd,
    PerfEventOpen,
    IoUringSetup,
    PidfdOpen,
    PidfdGetfd,
    LandlockCreateRuleset,
    Fsopen,
    Fsmount,
    Fspick,
    OpenTree,
    OpenByHandleAt,
    MqOpen,
}

/// What a system call is to the replay.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Class {
    /// No descriptor semantics.
    Ignore,
    /// `open`, `openat`, `creat`, `openat2`.
    Open(OpenForm),
    /// Other descriptor-creating calls.
    New(New),
    /// `pipe`, `pipe2`.
    Pipe,
    /// `socketpair`.
    Socketpair,
    /// `accept`, `accept4` (flags at index 3).
    Accept {
        four: bool,
    },
    /// `recvmsg` (`mmsg`: `recvmmsg`).
    Recvmsg {
        mmsg: bool,
    },
    /// `sendmsg` (`mmsg`: `sendmmsg`).
    Sendmsg {
        mmsg: bool,
    },
    Dup,
    Dup2,
    Dup3,
    Fcntl,
    Close,
    CloseRange,
    Ioctl,
    Lseek,
    Mmap,
    /// `execve` (`at`: `execveat`).
    Exec {
        at: bool,
    },
    /// `clone` (legacy argument form).
    Clone,
    Clone3,
    /// `fork`, `vfork`.
    Fork,
    Unshare,
    Prlimit,
    Setrlimit,
    Getrlimit,
    /// `waitid` (a pidfd when the first argument is `P_PIDFD`).
    Waitid,
    /// `signalfd`/`signalfd4` on an existing descriptor is a use; handled by `New`.
    Use(Use),
    At(At),
}

/// The argument layout of an `open`-family call.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum OpenForm {
    /// `open(path, flags, mode)`.
    Open,
    /// `openat(dirfd, path, flags, mode)`.
    Openat,
    /// `creat(path, mode)`.
    Creat,
    /// `openat2(dirfd, path, {flags=...}, size)`.
    Openat2,
}

/// The class of syscall `name`.
pub(crate) fn classify(name: &str) -> Class {
    use Class as C;
    use Offset::*;
    let b = name.as_bytes();
    // Fast rejection of the most frequent irrelevant calls.
    match b.first() {
        Some(b'm') if name.starts_with("mprotect") || name == "munmap" || name == "madvise" => {
            return C::Ignore
        }
        Some(b'f') if name == "futex" => return C::Ignore,
        Some(b'b') if name == "brk" => return C::Ignore,
        Some(b'r') if name.starts_with("rt_sig") => return C::Ignore,
        _ => {}
    }
    match name {
        "open" => C::Open(OpenForm::Open),
        "openat" => C::Open(OpenForm::Openat),
        "creat" => C::Open(OpenForm::Creat),
        "openat2" => C::Open(OpenForm::Openat2),
        "socket" => C::New(New::Socket),
        "eventfd" => C::New(New::EventFd),
        "eventfd2" => C::New(New::EventFd2),
        "epoll_create" => C::New(New::EpollCreate),
        "epoll_create1" => C::New(New::EpollCreate1),
        "signalfd" => C::New(New::SignalFd),
        "signalfd4" => C::New(New::SignalFd4),
        "timerfd_create" => C::New(New::TimerFd),
        "inotify_init" => C::New(New::InotifyInit),
        "inotify_init1" => C::New(New::InotifyInit1),
        "fanotify_init" => C::New(New::FanotifyInit),
        "memfd_create" => C::New(New::MemfdCreate),
        "memfd_secret" => C::New(New::MemfdSecret),
        "userfaultfd" => C::New(New::Userfaultfd),
        "perf_event_open" => C::New(New::PerfEventOpen),
        "io_uring_setup" => C::New(New::IoUringSetup),
        "pidfd_open" => C::New(New::PidfdOpen),
        "pidfd_getfd" => C::New(New::PidfdGetfd),
        "landlock_create_ruleset" => C::New(New::LandlockCreateRuleset),
        "fsopen" => C::New(New::Fsopen),
        "fsmount" => C::New(New::Fsmount),
        "fspick" => C::New(New::Fspick),
        "open_tree" => C::New(New::OpenTree),
        "open_by_handle_at" => C::New(New::OpenByHandleAt),
        "mq_open" => C::New(New::MqOpen),
        "pipe" | "pipe2" => C::Pipe,
        "socketpair" => C::Socketpair,
        "accept" => C::Accept { four: false },
        "accept4" => C::Accept { four: true },
        "recvmsg" => C::Recvmsg { mmsg: false },
        "recvmmsg" | "recvmmsg_time64" => C::Recvmsg { mmsg: true },
        "sendmsg" => C::Sendmsg { mmsg: false },
        "sendmmsg" => C::Sendmsg { mmsg: true },
        "dup" => C::Dup,
        "dup2" => C::Dup2,
        "dup3" => C::Dup3,
        "fcntl" | "fcntl64" => C::Fcntl,
        "close" => C::Close,
        "close_range" => C::CloseRange,
        "ioctl" => C::Ioctl,
        "lseek" => C::Lseek,
        "mmap" | "mmap2" => C::Mmap,
        "execve" => C::Exec { at: false },
        "execveat" => C::Exec { at: true },
        "clone" => C::Clone,
        "clone3" => C::Clone3,
        "fork" | "vfork" => C::Fork,
        "unshare" => C::Unshare,
        "prlimit64" => C::Prlimit,
        "setrlimit" => C::Setrlimit,
        "getrlimit" | "ugetrlimit" => C::Getrlimit,
        "waitid" => C::Waitid,
        // Reads and writes through the offset.
        "read" | "readv" => C::Use(rd(Advance)),
        "write" | "writev" => C::Use(wr(Advance)),
        "pread64" | "preadv" => C::Use(rd(Keep)),
        "pwrite64" | "pwritev" => C::Use(wr(Keep)),
        "preadv2" => C::Use(rd(AdvanceWithoutPos(3))),
        "pwritev2" => C::Use(wr(AdvanceWithoutPos(3))),
        "getdents" | "getdents64" => C::Use(rd(Lose)),
        "sendfile" | "sendfile64" => C::Use(Use {
            fds: [1, 0],
            read: [true, false],
            write: [false, true],
            offset: AdvanceWithoutPos(2),
            offset2: Advance,
            ..u1(1)
        }),
        "copy_file_range" => C::Use(Use {
            fds: [0, 2],
            read: [true, false],
            write: [false, true],
            offset: AdvanceWithoutPos(1),
            offset2: AdvanceWithoutPos(3),
            ..u1(0)
        }),
        "splice" => C::Use(Use {
            fds: [0, 2],
            read: [true, false],
            write: [false, true],
            offset: AdvanceWithoutPos(1),
            offset2: AdvanceWithoutPos(3),
            ..u1(0)
        }),
        "tee" => C::Use(Use {
            fds: [0, 1],
            read: [true, false],
            write: [false, true],
            ..u1(0)
        }),
        "vmsplice" => C::Use(u1(0)),
        // Descriptor-only calls.
        "fstat" | "newfstat" | "fstatfs" | "fstatfs64" | "fchdir" => C::Use(raw(u1(0))),
        "fsync"
        | "fdatasync"
        | "syncfs"
        | "ftruncate"
        | "fchmod"
        | "fchown"
        | "flock"
        | "fadvise64"
        | "readahead"
        | "sync_file_range"
        | "fgetxattr"
        | "fsetxattr"
        | "flistxattr"
        | "fremovexattr"
        | "bind"
        | "connect"
        | "listen"
        | "getsockname"
        | "getpeername"
        | "shutdown"
        | "setsockopt"
        | "getsockopt"
        | "sendto"
        | "recvfrom"
        | "inotify_add_watch"
        | "inotify_rm_watch"
        | "fanotify_mark"
        | "timerfd_settime"
        | "timerfd_gettime"
        | "pidfd_send_signal"
        | "setns"
        | "io_uring_enter"
        | "io_uring_register"
        | "fsconfig"
        | "landlock_add_rule"
        | "landlock_restrict_self"
        | "process_madvise"
        | "process_mrelease"
        | "mq_timedsend"
        | "mq_timedreceive"
        | "mq_notify"
        | "mq_getsetattr"
        | "finit_module"
        | "quotactl_fd" => C::Use(u1(0)),
        "fallocate" => C::Use(wr(Keep)),
        "epoll_ctl" => C::Use(late(Use {
            fds: [0, 2],
            ..u1(0)
        })),
        "epoll_wait" | "epoll_pwait" | "epoll_pwait2" => C::Use(late(u1(0))),
        // `*at` calls: the directory descriptor is used for relative paths only.
        "newfstatat" | "fstatat64" => C::At(at(0, 1, 3)),
        "statx" => C::At(at(0, 1, 2)),
        "faccessat" | "mkdirat" | "mknodat" | "futimesat" | "unlinkat" | "mount_setattr" => {
            C::At(at(0, 1, NONE))
        }
        "faccessat2" | "fchmodat2" => C::At(at(0, 1, 3)),
        "fchmodat" => C::At(at(0, 1, NONE)),
        "fchownat" | "name_to_handle_at" => C::At(at(0, 1, 4)),
        "getxattrat" | "setxattrat" | "listxattrat" | "removexattrat" | "file_getattr"
        | "file_setattr" => C::At(at(0, 1, 2)),
        "symlinkat" => C::At(at(1, 2, NONE)),
        "readlinkat" => C::At(At {
            empty_is_fd: true,
            ..at(0, 1, NONE)
        }),
        "utimensat" | "utimensat_time64" => C::At(At {
            empty_is_fd: true,
            ..at(0, 1, 3)
        }),
        "renameat" | "renameat2" => C::At(at2(NONE)),
        "linkat" => C::At(at2(4)),
        "move_mount" => C::At(at2(NONE)),
        _ => C::Ignore,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frequent_noise_is_ignored_and_fd_calls_are_not() {
        for n in [
            "getrandom",
            "futex",
            "brk",
            "rt_sigaction",
            "getpid",
            "mprotect",
            "nanosleep",
        ] {
            assert_eq!(classify(n), Class::Ignore, "{n}");
        }
        assert_eq!(classify("openat"), Class::Open(OpenForm::Openat));
        assert_eq!(classify("close"), Class::Close);
        assert!(matches!(classify("read"), Class::Use(u) if u.offset == Offset::Advance));
        assert!(matches!(classify("fstat"), Class::Use(u) if u.raw));
        assert!(matches!(classify("newfstatat"), Class::At(_)));
    }
}

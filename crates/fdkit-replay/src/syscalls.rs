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

/// Every syscall name the replay knows, with its class; any other name is
/// [`Class::Ignore`]. Looked up through a hash index ([`classify`]), so a name costs
/// one hash and one comparison instead of a chain of string comparisons.
fn names() -> &'static [(&'static str, Class)] {
    use Class as C;
    use Offset::*;
    const NAMES: &[(&str, Class)] = &[
        ("open", C::Open(OpenForm::Open)),
        ("openat", C::Open(OpenForm::Openat)),
        ("creat", C::Open(OpenForm::Creat)),
        ("openat2", C::Open(OpenForm::Openat2)),
        ("socket", C::New(New::Socket)),
        ("eventfd", C::New(New::EventFd)),
        ("eventfd2", C::New(New::EventFd2)),
        ("epoll_create", C::New(New::EpollCreate)),
        ("epoll_create1", C::New(New::EpollCreate1)),
        ("signalfd", C::New(New::SignalFd)),
        ("signalfd4", C::New(New::SignalFd4)),
        ("timerfd_create", C::New(New::TimerFd)),
        ("inotify_init", C::New(New::InotifyInit)),
        ("inotify_init1", C::New(New::InotifyInit1)),
        ("fanotify_init", C::New(New::FanotifyInit)),
        ("memfd_create", C::New(New::MemfdCreate)),
        ("memfd_secret", C::New(New::MemfdSecret)),
        ("userfaultfd", C::New(New::Userfaultfd)),
        ("perf_event_open", C::New(New::PerfEventOpen)),
        ("io_uring_setup", C::New(New::IoUringSetup)),
        ("pidfd_open", C::New(New::PidfdOpen)),
        ("pidfd_getfd", C::New(New::PidfdGetfd)),
        (
            "landlock_create_ruleset",
            C::New(New::LandlockCreateRuleset),
        ),
        ("fsopen", C::New(New::Fsopen)),
        ("fsmount", C::New(New::Fsmount)),
        ("fspick", C::New(New::Fspick)),
        ("open_tree", C::New(New::OpenTree)),
        ("open_by_handle_at", C::New(New::OpenByHandleAt)),
        ("mq_open", C::New(New::MqOpen)),
        ("pipe", C::Pipe),
        ("pipe2", C::Pipe),
        ("socketpair", C::Socketpair),
        ("accept", C::Accept { four: false }),
        ("accept4", C::Accept { four: true }),
        ("recvmsg", C::Recvmsg { mmsg: false }),
        ("recvmmsg", C::Recvmsg { mmsg: true }),
        ("recvmmsg_time64", C::Recvmsg { mmsg: true }),
        ("sendmsg", C::Sendmsg { mmsg: false }),
        ("sendmmsg", C::Sendmsg { mmsg: true }),
        ("dup", C::Dup),
        ("dup2", C::Dup2),
        ("dup3", C::Dup3),
        ("fcntl", C::Fcntl),
        ("fcntl64", C::Fcntl),
        ("close", C::Close),
        ("close_range", C::CloseRange),
        ("ioctl", C::Ioctl),
        ("lseek", C::Lseek),
        ("mmap", C::Mmap),
        ("mmap2", C::Mmap),
        ("execve", C::Exec { at: false }),
        ("execveat", C::Exec { at: true }),
        ("clone", C::Clone),
        ("clone3", C::Clone3),
        ("fork", C::Fork),
        ("vfork", C::Fork),
        ("unshare", C::Unshare),
        ("prlimit64", C::Prlimit),
        ("setrlimit", C::Setrlimit),
        ("getrlimit", C::Getrlimit),
        ("ugetrlimit", C::Getrlimit),
        ("waitid", C::Waitid),
        ("read", C::Use(rd(Advance))),
        ("readv", C::Use(rd(Advance))),
        ("write", C::Use(wr(Advance))),
        ("writev", C::Use(wr(Advance))),
        ("pread64", C::Use(rd(Keep))),
        ("preadv", C::Use(rd(Keep))),
        ("pwrite64", C::Use(wr(Keep))),
        ("pwritev", C::Use(wr(Keep))),
        ("preadv2", C::Use(rd(AdvanceWithoutPos(3)))),
        ("pwritev2", C::Use(wr(AdvanceWithoutPos(3)))),
        ("getdents", C::Use(rd(Lose))),
        ("getdents64", C::Use(rd(Lose))),
        (
            "sendfile",
            C::Use(Use {
                fds: [1, 0],
                read: [true, false],
                write: [false, true],
                offset: AdvanceWithoutPos(2),
                offset2: Advance,
                ..u1(1)
            }),
        ),
        (
            "sendfile64",
            C::Use(Use {
                fds: [1, 0],
                read: [true, false],
                write: [false, true],
                offset: AdvanceWithoutPos(2),
                offset2: Advance,
                ..u1(1)
            }),
        ),
        (
            "copy_file_range",
            C::Use(Use {
                fds: [0, 2],
                read: [true, false],
                write: [false, true],
                offset: AdvanceWithoutPos(1),
                offset2: AdvanceWithoutPos(3),
                ..u1(0)
            }),
        ),
        (
            "splice",
            C::Use(Use {
                fds: [0, 2],
                read: [true, false],
                write: [false, true],
                offset: AdvanceWithoutPos(1),
                offset2: AdvanceWithoutPos(3),
                ..u1(0)
            }),
        ),
        (
            "tee",
            C::Use(Use {
                fds: [0, 1],
                read: [true, false],
                write: [false, true],
                ..u1(0)
            }),
        ),
        ("vmsplice", C::Use(u1(0))),
        ("fstat", C::Use(raw(u1(0)))),
        ("newfstat", C::Use(raw(u1(0)))),
        ("fstatfs", C::Use(raw(u1(0)))),
        ("fstatfs64", C::Use(raw(u1(0)))),
        ("fchdir", C::Use(raw(u1(0)))),
        ("fsync", C::Use(u1(0))),
        ("fdatasync", C::Use(u1(0))),
        ("syncfs", C::Use(u1(0))),
        ("ftruncate", C::Use(u1(0))),
        ("fchmod", C::Use(u1(0))),
        ("fchown", C::Use(u1(0))),
        ("flock", C::Use(u1(0))),
        ("fadvise64", C::Use(u1(0))),
        ("readahead", C::Use(u1(0))),
        ("sync_file_range", C::Use(u1(0))),
        ("fgetxattr", C::Use(u1(0))),
        ("fsetxattr", C::Use(u1(0))),
        ("flistxattr", C::Use(u1(0))),
        ("fremovexattr", C::Use(u1(0))),
        ("bind", C::Use(u1(0))),
        ("connect", C::Use(u1(0))),
        ("listen", C::Use(u1(0))),
        ("getsockname", C::Use(u1(0))),
        ("getpeername", C::Use(u1(0))),
        ("shutdown", C::Use(u1(0))),
        ("setsockopt", C::Use(u1(0))),
        ("getsockopt", C::Use(u1(0))),
        ("sendto", C::Use(u1(0))),
        ("recvfrom", C::Use(u1(0))),
        ("inotify_add_watch", C::Use(u1(0))),
        ("inotify_rm_watch", C::Use(u1(0))),
        ("fanotify_mark", C::Use(u1(0))),
        ("timerfd_settime", C::Use(u1(0))),
        ("timerfd_gettime", C::Use(u1(0))),
        ("pidfd_send_signal", C::Use(u1(0))),
        ("setns", C::Use(u1(0))),
        ("io_uring_enter", C::Use(u1(0))),
        ("io_uring_register", C::Use(u1(0))),
        ("fsconfig", C::Use(u1(0))),
        ("landlock_add_rule", C::Use(u1(0))),
        ("landlock_restrict_self", C::Use(u1(0))),
        ("process_madvise", C::Use(u1(0))),
        ("process_mrelease", C::Use(u1(0))),
        ("mq_timedsend", C::Use(u1(0))),
        ("mq_timedreceive", C::Use(u1(0))),
        ("mq_notify", C::Use(u1(0))),
        ("mq_getsetattr", C::Use(u1(0))),
        ("finit_module", C::Use(u1(0))),
        ("quotactl_fd", C::Use(u1(0))),
        ("fallocate", C::Use(wr(Keep))),
        (
            "epoll_ctl",
            C::Use(late(Use {
                fds: [0, 2],
                ..u1(0)
            })),
        ),
        ("epoll_wait", C::Use(late(u1(0)))),
        ("epoll_pwait", C::Use(late(u1(0)))),
        ("epoll_pwait2", C::Use(late(u1(0)))),
        ("newfstatat", C::At(at(0, 1, 3))),
        ("fstatat64", C::At(at(0, 1, 3))),
        ("statx", C::At(at(0, 1, 2))),
        ("faccessat", C::At(at(0, 1, NONE))),
        ("mkdirat", C::At(at(0, 1, NONE))),
        ("mknodat", C::At(at(0, 1, NONE))),
        ("futimesat", C::At(at(0, 1, NONE))),
        ("unlinkat", C::At(at(0, 1, NONE))),
        ("mount_setattr", C::At(at(0, 1, NONE))),
        ("faccessat2", C::At(at(0, 1, 3))),
        ("fchmodat2", C::At(at(0, 1, 3))),
        ("fchmodat", C::At(at(0, 1, NONE))),
        ("fchownat", C::At(at(0, 1, 4))),
        ("name_to_handle_at", C::At(at(0, 1, 4))),
        ("getxattrat", C::At(at(0, 1, 2))),
        ("setxattrat", C::At(at(0, 1, 2))),
        ("listxattrat", C::At(at(0, 1, 2))),
        ("removexattrat", C::At(at(0, 1, 2))),
        ("file_getattr", C::At(at(0, 1, 2))),
        ("file_setattr", C::At(at(0, 1, 2))),
        ("symlinkat", C::At(at(1, 2, NONE))),
        (
            "readlinkat",
            C::At(At {
                empty_is_fd: true,
                ..at(0, 1, NONE)
            }),
        ),
        (
            "utimensat",
            C::At(At {
                empty_is_fd: true,
                ..at(0, 1, 3)
            }),
        ),
        (
            "utimensat_time64",
            C::At(At {
                empty_is_fd: true,
                ..at(0, 1, 3)
            }),
        ),
        ("renameat", C::At(at2(NONE))),
        ("renameat2", C::At(at2(NONE))),
        ("linkat", C::At(at2(4))),
        ("move_mount", C::At(at2(NONE))),
    ];

    NAMES
}

/// Slots of the hash index (a power of two, at least 4 times the names).
const SLOTS: usize = 1024;

/// A hash of a syscall name from its length and three of its bytes: cheap, and
/// spread well enough over the names (collisions are probed linearly).
#[inline]
fn name_hash(name: &[u8]) -> usize {
    let n = name.len();
    let (a, m, z) = (name[0] as usize, name[n / 2] as usize, name[n - 1] as usize);
    (n.wrapping_mul(0x9e37) ^ a.wrapping_mul(0x2f1) ^ m.wrapping_mul(0x61) ^ z.wrapping_mul(0x3b5))
        & (SLOTS - 1)
}

/// Open-addressing index into [`names`]: slot holds position + 1, 0 when empty.
fn index() -> &'static [u16; SLOTS] {
    static INDEX: std::sync::OnceLock<Box<[u16; SLOTS]>> = std::sync::OnceLock::new();
    INDEX.get_or_init(|| {
        let mut ix = Box::new([0u16; SLOTS]);
        for (i, (name, _)) in names().iter().enumerate() {
            let mut h = name_hash(name.as_bytes());
            while ix[h] != 0 {
                h = (h + 1) & (SLOTS - 1);
            }
            ix[h] = i as u16 + 1;
        }
        ix
    })
}

/// The class of syscall `name`.
pub(crate) fn classify(name: &str) -> Class {
    let b = name.as_bytes();
    if b.is_empty() || b.len() > 24 {
        return Class::Ignore;
    }
    let ix = index();
    let all = names();
    let mut h = name_hash(b);
    loop {
        let slot = ix[h];
        if slot == 0 {
            return Class::Ignore;
        }
        let (n, class) = &all[usize::from(slot) - 1];
        let n = n.as_bytes();
        // Byte by byte: names are short, and a call to `memcmp` costs more.
        if n.len() == b.len() && n.iter().zip(b).all(|(x, y)| x == y) {
            return *class;
        }
        h = (h + 1) & (SLOTS - 1);
    }
}

/// The original `match` of [`classify`], kept as the reference its table must agree with.
#[cfg(test)]
fn classify_by_match(name: &str) -> Class {
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
    fn the_table_agrees_with_the_match() {
        let mut all: Vec<String> = names().iter().map(|(n, _)| (*n).to_owned()).collect();
        for extra in [
            "",
            "x",
            "mprotect",
            "mprotect2",
            "munmap",
            "madvise",
            "futex",
            "brk",
            "rt_sigaction",
            "rt_sigprocmask",
            "rt_sigreturn",
            "getpid",
            "exit_group",
            "wait4",
            "syscall_0x3e8",
            "openat3",
            "Open",
            "a_very_long_name_of_no_syscall_at_all_here",
        ] {
            all.push(extra.to_owned());
        }
        for n in names().iter().map(|(n, _)| *n) {
            all.push(format!("{n}x"));
            all.push(n[..n.len() - 1].to_owned());
        }
        // Every name the match lists (read from this file's text) is in the table.
        let src = include_str!("syscalls.rs");
        let body = &src[src.find("fn classify_by_match").unwrap()..];
        let body = &body[body.find("match name {").unwrap()..body.find("_ => C::Ignore").unwrap()];
        for (k, piece) in body.split('"').enumerate() {
            if k % 2 == 1 {
                all.push(piece.to_owned());
                assert!(names().iter().any(|(n, _)| *n == piece), "{piece} missing");
            }
        }
        for n in &all {
            assert_eq!(classify(n), classify_by_match(n), "{n}");
        }
    }

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

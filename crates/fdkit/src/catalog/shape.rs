//! What a call does to descriptor tables ([`Shape`]), the kinds of its arguments
//! ([`ArgKind`]), what it creates ([`Creates`]) and which errnos it can return
//! ([`Errors`]).

use crate::errno::Errno;

/// How a call moves the offset of its first descriptor's description.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Offset {
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

/// No argument: the index used for an empty slot of [`Use`] and [`At`].
pub const NONE: u8 = u8::MAX;

/// A call that uses descriptors without changing tables (Linux `fdget`, `fdget_pos`,
/// `fdget_raw`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Use {
    /// Argument indices of the descriptors (at most two; [`NONE`] for none).
    pub fds: [u8; 2],
    /// Per descriptor: needs read access (`FMODE_READ`; `read` on an `O_WRONLY`
    /// descriptor is `EBADF`).
    pub read: [bool; 2],
    /// Per descriptor: needs write access (`FMODE_WRITE`).
    pub write: [bool; 2],
    /// `O_PATH` descriptors are accepted (`fdget_raw` rather than `fdget`).
    pub raw: bool,
    /// The descriptor is looked up before anything else can fail.
    pub fd_first: bool,
    /// The offset effect on the first descriptor.
    pub offset: Offset,
    /// Second descriptor's offset effect (`copy_file_range`, `sendfile`, `splice`).
    pub offset2: Offset,
}

/// An `*at` call: directory descriptor and path argument pairs, and the flags
/// argument that may hold `AT_EMPTY_PATH` (Linux `path_init`: the directory
/// descriptor is looked up only for a relative path, or an empty one with
/// `AT_EMPTY_PATH`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct At {
    /// (dirfd index, path index) pairs; [`NONE`] for an unused slot.
    pub pairs: [(u8, u8); 2],
    /// Index of the flags argument, or [`NONE`].
    pub flags: u8,
    /// A `NULL` or empty path means the descriptor itself (`utimensat`, `readlinkat`).
    pub empty_is_fd: bool,
}

/// A call that creates new descriptors, other than the `open` and `dup` families.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[allow(missing_docs)]
pub enum New {
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

/// The argument layout of an `open`-family call.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum OpenForm {
    /// `open(path, flags, mode)`.
    Open,
    /// `openat(dirfd, path, flags, mode)`.
    Openat,
    /// `creat(path, mode)`.
    Creat,
    /// `openat2(dirfd, path, {flags=...}, size)`.
    Openat2,
}

/// What a system call does to descriptor tables: the replay's handling of it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Shape {
    /// No descriptor-table semantics (`futex`, `brk`, `getpid`...): only the errno
    /// set is checked.
    Plain,
    /// `open`, `openat`, `creat`, `openat2`.
    Open(OpenForm),
    /// Other descriptor-creating calls.
    New(New),
    /// `pipe`, `pipe2`.
    Pipe,
    /// `socketpair`.
    Socketpair,
    /// `accept`, `accept4` (`four`: flags at index 3).
    Accept {
        /// `accept4`.
        four: bool,
    },
    /// `recvmsg` (`mmsg`: `recvmmsg`).
    Recvmsg {
        /// `recvmmsg`.
        mmsg: bool,
    },
    /// `sendmsg` (`mmsg`: `sendmmsg`).
    Sendmsg {
        /// `sendmmsg`.
        mmsg: bool,
    },
    /// `dup`.
    Dup,
    /// `dup2`.
    Dup2,
    /// `dup3`.
    Dup3,
    /// `fcntl`, `fcntl64`: per command, see [`super::fcntl_command`].
    Fcntl,
    /// `close`.
    Close,
    /// `close_range`.
    CloseRange,
    /// `ioctl`: per request, see [`super::ioctl_request`].
    Ioctl,
    /// `lseek`.
    Lseek,
    /// `mmap`, `mmap2` (the descriptor is ignored with `MAP_ANONYMOUS`).
    Mmap,
    /// `execve` (`at`: `execveat`).
    Exec {
        /// `execveat`.
        at: bool,
    },
    /// `clone` (legacy argument form).
    Clone,
    /// `clone3`.
    Clone3,
    /// `fork`, `vfork`.
    Fork,
    /// `unshare`.
    Unshare,
    /// `prlimit64`.
    Prlimit,
    /// `setrlimit`.
    Setrlimit,
    /// `getrlimit`, `ugetrlimit`.
    Getrlimit,
    /// `waitid` (a pidfd when the first argument is `P_PIDFD`).
    Waitid,
    /// A call that only uses descriptors.
    Use(Use),
    /// An `*at` call whose directory descriptors are used for relative paths only.
    At(At),
}

/// The kind of one argument, as far as descriptors and errors are concerned.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ArgKind {
    /// A descriptor that must be open (`EBADF` otherwise).
    Fd,
    /// A descriptor, or -1 for none: `signalfd`'s "make a new one",
    /// `perf_event_open`'s group leader. -1 is never `EBADF`.
    FdOrNone,
    /// A directory descriptor or `AT_FDCWD`, looked up only for a relative path
    /// (argument `path`) or an empty one with `AT_EMPTY_PATH`.
    DirFd {
        /// Index of the path argument it resolves.
        path: u8,
    },
    /// `mmap`'s descriptor: ignored with `MAP_ANONYMOUS`.
    MapFd,
    /// `waitid`'s id: a pidfd when the id type is `P_PIDFD`, else a number.
    PidfdIf,
    /// An `fd_set` (`select`, `pselect6`): every listed number must be open.
    FdSet,
    /// A `pollfd` array: a number that is not open gives `POLLNVAL`, never `EBADF`.
    PollFds,
    /// An `int[2]` the call fills with new descriptors (`pipe`, `socketpair`).
    FdPairOut,
    /// A `msghdr` whose control data may carry `SCM_RIGHTS` descriptors; sending
    /// one that is not open is `EBADF` (`scm_fp_copy`).
    Msg,
    /// A `clone_args` struct (its `cgroup` is a descriptor with
    /// `CLONE_INTO_CGROUP`; `pidfd` receives a new one with `CLONE_PIDFD`).
    CloneArgs,
    /// A flag word; the name is the flag set's (see [`super::flagset`]).
    Flags(&'static str),
    /// A command number (`fcntl`'s `cmd`, `ioctl`'s `request`).
    Command,
    /// A path name.
    Path,
    /// Any other scalar (counts, sizes, offsets, modes, pids, signals).
    Value,
    /// A pointer to a buffer or structure.
    Ptr,
}

impl ArgKind {
    /// Whether a bad value of this argument can be a reason for `EBADF`.
    pub const fn can_be_bad_fd(self) -> bool {
        matches!(
            self,
            ArgKind::Fd
                | ArgKind::FdOrNone
                | ArgKind::DirFd { .. }
                | ArgKind::MapFd
                | ArgKind::PidfdIf
                | ArgKind::FdSet
                | ArgKind::Msg
                | ArgKind::CloneArgs
        )
    }
}

/// The descriptors a successful call creates.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Creates {
    /// None.
    Nothing,
    /// One, the return value.
    Returned,
    /// Two, written to the `int[2]` argument.
    Pair,
    /// Those received in `SCM_RIGHTS` control messages.
    Received,
    /// A pidfd written through the arguments, with `CLONE_PIDFD`.
    Pidfd,
}

/// The complete set of errnos a call can return on Linux.
///
/// `EBADF` is special: a call returns it for a descriptor argument that is not open
/// (or not usable for the call), which the descriptor table decides; a call without
/// such an argument — or whose descriptor arguments were not looked up, such as
/// `openat(AT_FDCWD, …)` or `mmap(…, MAP_ANONYMOUS, -1, 0)` — never returns it, unless
/// `EBADF` is listed in [`Errors::only`] for a reason of its own (`madvise` on a
/// mapping that is not of a file). `ENOSYS` is always possible (a kernel without the
/// call, or a seccomp filter's default).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Errors {
    /// The errnos Linux's own code returns (man page and kernel source).
    pub only: &'static [Errno],
    /// The call also returns whatever the file's own operations return (a driver's
    /// `read`, `ioctl`, `open`...): any errno but `EBADF` is then possible.
    pub from_file: bool,
}

impl Errors {
    /// Whether `e` (not `EBADF`) is possible.
    pub fn allows(&self, e: Errno) -> bool {
        self.from_file || e == Errno::NOSYS || self.only.contains(&e)
    }

    /// Whether `EBADF` is listed for a reason other than a descriptor argument.
    pub fn ebadf_without_fd(&self) -> bool {
        self.only.contains(&Errno::BADF)
    }
}

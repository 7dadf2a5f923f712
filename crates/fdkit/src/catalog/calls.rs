//! The entries: one [`Syscall`] per x86-64 system call name fdkit knows, with the
//! per-command tables of `fcntl` and `ioctl`.
//!
//! Errno sets follow the Linux man pages (section 2) and the kernel source each
//! entry cites; where the two differ, the kernel wins. A call whose errors also come
//! from the file's own operations (a driver's `read`, a socket protocol, a file
//! system's `getattr`) says so with `from_file`, and only `EBADF` is then decided.

use super::shape::{
    ArgKind::{self, *},
    At, Creates, Errors, New, Offset, OpenForm, Shape, Use, NONE,
};
use crate::errno::Errno;

/// One system call: what it is to a descriptor table, and every errno Linux can
/// return from it.
#[derive(Clone, Copy, Debug)]
pub struct Syscall {
    /// The name strace prints (x86-64).
    pub name: &'static str,
    /// What it does to tables: how the replay handles it.
    pub shape: Shape,
    /// Its arguments, in order.
    pub args: &'static [ArgKind],
    /// The descriptors it creates on success.
    pub creates: Creates,
    /// Its complete errno set.
    pub errors: Errors,
    /// Where the errno set comes from: man page and kernel source.
    pub cite: &'static str,
}

impl Syscall {
    /// Whether some argument can make the call fail with `EBADF` because it is not
    /// an open descriptor (usable for this call).
    pub fn takes_fds(&self) -> bool {
        self.args.iter().any(|a| a.can_be_bad_fd())
    }
}

/// The errno list `e![A, B]` (`Errno::A`, `Errno::B`); `e![@path, …]` adds the
/// errors of resolving a path (`path_lookupat`, `may_lookup`, LSM hooks).
macro_rules! e {
    (@path $(, $n:ident)* $(,)?) => {
        e![ACCES, FAULT, LOOP, NAMETOOLONG, NOENT, NOMEM, NOTDIR, IO, STALE, PERM, INTR $(, $n)*]
    };
    ($($n:ident),* $(,)?) => {
        &[$(Errno::$n),*]
    };
}

const fn sc(
    name: &'static str,
    shape: Shape,
    args: &'static [ArgKind],
    creates: Creates,
    only: &'static [Errno],
    from_file: bool,
    cite: &'static str,
) -> Syscall {
    Syscall {
        name,
        shape,
        args,
        creates,
        errors: Errors { only, from_file },
        cite,
    }
}

/// A call without descriptor semantics: only its errno set is checked.
const fn plain(
    name: &'static str,
    args: &'static [ArgKind],
    only: &'static [Errno],
    cite: &'static str,
) -> Syscall {
    sc(
        name,
        Shape::Plain,
        args,
        Creates::Nothing,
        only,
        false,
        cite,
    )
}

/// A call that creates one descriptor, its return value.
const fn new(
    name: &'static str,
    kind: New,
    args: &'static [ArgKind],
    only: &'static [Errno],
    cite: &'static str,
) -> Syscall {
    sc(
        name,
        Shape::New(kind),
        args,
        Creates::Returned,
        only,
        false,
        cite,
    )
}

/// A call that uses descriptors, whose other errors come from the file.
const fn io(name: &'static str, u: Use, args: &'static [ArgKind], cite: &'static str) -> Syscall {
    sc(
        name,
        Shape::Use(u),
        args,
        Creates::Nothing,
        e![],
        true,
        cite,
    )
}

/// A call that uses descriptors, with a closed errno set.
const fn fdcall(
    name: &'static str,
    u: Use,
    args: &'static [ArgKind],
    only: &'static [Errno],
    cite: &'static str,
) -> Syscall {
    sc(
        name,
        Shape::Use(u),
        args,
        Creates::Nothing,
        only,
        false,
        cite,
    )
}

/// An `*at` call whose other errors come from the file system.
const fn atcall(
    name: &'static str,
    at: At,
    args: &'static [ArgKind],
    cite: &'static str,
) -> Syscall {
    sc(
        name,
        Shape::At(at),
        args,
        Creates::Nothing,
        e![],
        true,
        cite,
    )
}

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

const fn at_self(a: At) -> At {
    At {
        empty_is_fd: true,
        ..a
    }
}

const COPY: Use = Use {
    fds: [0, 2],
    read: [true, false],
    write: [false, true],
    offset: Offset::AdvanceWithoutPos(1),
    offset2: Offset::AdvanceWithoutPos(3),
    ..u1(0)
};

const SENDFILE: Use = Use {
    fds: [1, 0],
    read: [true, false],
    write: [false, true],
    offset: Offset::AdvanceWithoutPos(2),
    offset2: Offset::Advance,
    ..u1(1)
};

const DIR: ArgKind = DirFd { path: 1 };
const OPEN_ERRS: &[Errno] = e![@path, BUSY, DQUOT, EXIST, FBIG, ISDIR, MFILE, NFILE, NODEV, NOSPC, NXIO, OPNOTSUPP, OVERFLOW, ROFS, TXTBSY, AGAIN, INVAL, NOMEDIUM];
const RW: &[ArgKind] = &[Fd, Ptr, Value];
const PRW: &[ArgKind] = &[Fd, Ptr, Value, Value];
const FD_ONLY: &[ArgKind] = &[Fd];
const NO_ARGS: &[ArgKind] = &[];
const SOCK_ARGS: &[ArgKind] = &[Fd, Ptr, Value];

/// Every system call the catalogue knows, in no particular order (looked up by
/// [`super::lookup`]).
pub static SYSCALLS: &[Syscall] = &[
    // ---- the open family ------------------------------------------------------------
    sc("open", Shape::Open(OpenForm::Open), &[Path, Flags("open"), Value], Creates::Returned, OPEN_ERRS, true, "open(2); fs/open.c do_sys_open, a driver's open"),
    sc("openat", Shape::Open(OpenForm::Openat), &[DIR, Path, Flags("open"), Value], Creates::Returned, OPEN_ERRS, true, "openat(2); fs/open.c, fs/namei.c path_init"),
    sc("creat", Shape::Open(OpenForm::Creat), &[Path, Value], Creates::Returned, OPEN_ERRS, true, "creat(2); fs/open.c"),
    sc("openat2", Shape::Open(OpenForm::Openat2), &[DIR, Path, Ptr, Value], Creates::Returned, OPEN_ERRS, true, "openat2(2); fs/open.c build_open_flags"),
    // ---- other calls that create one descriptor -----------------------------------------
    new("socket", New::Socket, &[Value, Flags("socket_type"), Value], e![ACCES, AFNOSUPPORT, INVAL, MFILE, NFILE, NOBUFS, NOMEM, PROTONOSUPPORT, PROTOTYPE, SOCKTNOSUPPORT, PERM], "socket(2); net/socket.c __sys_socket"),
    new("eventfd", New::EventFd, &[Value], e![INVAL, MFILE, NFILE, NODEV, NOMEM], "eventfd(2); fs/eventfd.c"),
    new("eventfd2", New::EventFd2, &[Value, Flags("eventfd")], e![INVAL, MFILE, NFILE, NODEV, NOMEM], "eventfd(2); fs/eventfd.c do_eventfd"),
    new("epoll_create", New::EpollCreate, &[Value], e![INVAL, MFILE, NFILE, NOMEM], "epoll_create(2); fs/eventpoll.c"),
    new("epoll_create1", New::EpollCreate1, &[Flags("epoll_create")], e![INVAL, MFILE, NFILE, NOMEM], "epoll_create(2); fs/eventpoll.c do_epoll_create"),
    new("signalfd", New::SignalFd, &[FdOrNone, Ptr, Value], e![INVAL, MFILE, NFILE, NODEV, NOMEM, FAULT], "signalfd(2); fs/signalfd.c (fd -1 creates)"),
    new("signalfd4", New::SignalFd4, &[FdOrNone, Ptr, Value, Flags("signalfd")], e![INVAL, MFILE, NFILE, NODEV, NOMEM, FAULT], "signalfd(2); fs/signalfd.c do_signalfd4"),
    new("timerfd_create", New::TimerFd, &[Value, Flags("timerfd")], e![INVAL, MFILE, NFILE, NODEV, NOMEM, PERM], "timerfd_create(2); fs/timerfd.c"),
    new("inotify_init", New::InotifyInit, NO_ARGS, e![MFILE, NFILE, NOMEM], "inotify_init(2); fs/notify/inotify/inotify_user.c"),
    new("inotify_init1", New::InotifyInit1, &[Flags("inotify")], e![INVAL, MFILE, NFILE, NOMEM], "inotify_init(2); fs/notify/inotify/inotify_user.c"),
    new("fanotify_init", New::FanotifyInit, &[Value, Flags("open")], e![INVAL, MFILE, NFILE, NOMEM, PERM], "fanotify_init(2); fs/notify/fanotify/fanotify_user.c"),
    new("memfd_create", New::MemfdCreate, &[Path, Flags("memfd")], e![FAULT, INVAL, MFILE, NFILE, NOMEM, PERM], "memfd_create(2); mm/memfd.c"),
    new("memfd_secret", New::MemfdSecret, &[Flags("open")], e![INVAL, MFILE, NFILE, NOMEM], "memfd_secret(2); mm/secretmem.c"),
    new("userfaultfd", New::Userfaultfd, &[Flags("open")], e![INVAL, MFILE, NFILE, NOMEM, PERM], "userfaultfd(2); fs/userfaultfd.c"),
    new("perf_event_open", New::PerfEventOpen, &[Ptr, Value, Value, FdOrNone, Value], e![E2BIG, ACCES, BUSY, FAULT, INTR, INVAL, MFILE, NFILE, NODEV, NOENT, NOMEM, NOSPC, OPNOTSUPP, OVERFLOW, PERM, SRCH], "perf_event_open(2); kernel/events/core.c (group_fd -1: none)"),
    new("io_uring_setup", New::IoUringSetup, &[Value, Ptr], e![BADF, FAULT, INVAL, MFILE, NFILE, NOMEM, PERM, NXIO], "io_uring_setup(2); io_uring/io_uring.c (EBADF: the wq_fd of IORING_SETUP_ATTACH_WQ, inside the struct)"),
    new("pidfd_open", New::PidfdOpen, &[Value, Flags("pidfd")], e![INVAL, MFILE, NFILE, NODEV, NOMEM, SRCH], "pidfd_open(2); kernel/pid.c"),
    new("pidfd_getfd", New::PidfdGetfd, &[Fd, Value, Value], e![BADF, INVAL, MFILE, NFILE, PERM, SRCH], "pidfd_getfd(2); kernel/pid.c (EBADF also: targetfd not open in the other process)"),
    new("landlock_create_ruleset", New::LandlockCreateRuleset, &[Ptr, Value, Flags("landlock")], e![E2BIG, FAULT, INVAL, MSGSIZE, NOMSG, OPNOTSUPP, MFILE, NFILE, NOMEM], "landlock_create_ruleset(2); security/landlock/syscalls.c"),
    sc("fsopen", Shape::New(New::Fsopen), &[Path, Value], Creates::Returned, e![], true, "fsopen(2); fs/fsopen.c (file-system specific)"),
    sc("fsmount", Shape::New(New::Fsmount), &[Fd, Value, Value], Creates::Returned, e![], true, "fsmount(2); fs/namespace.c"),
    sc("fspick", Shape::New(New::Fspick), &[DIR, Path, Value], Creates::Returned, e![], true, "fspick(2); fs/fsopen.c"),
    sc("open_tree", Shape::New(New::OpenTree), &[DIR, Path, Value], Creates::Returned, e![], true, "open_tree(2); fs/namespace.c"),
    sc("open_by_handle_at", Shape::New(New::OpenByHandleAt), &[Fd, Ptr, Flags("open")], Creates::Returned, e![], true, "open_by_handle_at(2); fs/fhandle.c"),
    new("mq_open", New::MqOpen, &[Path, Flags("open"), Value, Ptr], e![ACCES, EXIST, INVAL, MFILE, NAMETOOLONG, NFILE, NOENT, NOMEM, NOSPC], "mq_open(3); ipc/mqueue.c"),
    // ---- pairs, sockets, SCM_RIGHTS ---------------------------------------------------------
    sc("pipe", Shape::Pipe, &[FdPairOut], Creates::Pair, e![FAULT, MFILE, NFILE, NOMEM], false, "pipe(2); fs/pipe.c do_pipe2"),
    sc("pipe2", Shape::Pipe, &[FdPairOut, Flags("open")], Creates::Pair, e![FAULT, INVAL, MFILE, NFILE, NOMEM, NOPKG], false, "pipe(2); fs/pipe.c do_pipe2 (O_NOTIFICATION_PIPE without CONFIG_WATCH_QUEUE: ENOPKG, kernel/watch_queue.c)"),
    sc("socketpair", Shape::Socketpair, &[Value, Flags("socket_type"), Value, FdPairOut], Creates::Pair, e![AFNOSUPPORT, FAULT, MFILE, NFILE, OPNOTSUPP, PROTONOSUPPORT, PROTOTYPE, SOCKTNOSUPPORT, INVAL, NOMEM, NOBUFS, PERM, ACCES], false, "socketpair(2); net/socket.c __sys_socketpair"),
    sc("accept", Shape::Accept { four: false }, &[Fd, Ptr, Ptr], Creates::Returned, e![], true, "accept(2): network errors pending on the new socket are passed on"),
    sc("accept4", Shape::Accept { four: true }, &[Fd, Ptr, Ptr, Flags("socket_type")], Creates::Returned, e![], true, "accept(2); net/socket.c do_accept"),
    sc("recvmsg", Shape::Recvmsg { mmsg: false }, &[Fd, Ptr, Value], Creates::Received, e![], true, "recvmsg(2): protocol errors"),
    sc("recvmmsg", Shape::Recvmsg { mmsg: true }, &[Fd, Ptr, Value, Value, Ptr], Creates::Received, e![], true, "recvmmsg(2)"),
    sc("recvmmsg_time64", Shape::Recvmsg { mmsg: true }, &[Fd, Ptr, Value, Value, Ptr], Creates::Received, e![], true, "recvmmsg(2)"),
    sc("sendmsg", Shape::Sendmsg { mmsg: false }, &[Fd, Msg, Value], Creates::Nothing, e![], true, "sendmsg(2); net/core/scm.c scm_fp_copy (EBADF for an SCM_RIGHTS number not open)"),
    sc("sendmmsg", Shape::Sendmsg { mmsg: true }, &[Fd, Msg, Value, Value], Creates::Nothing, e![], true, "sendmmsg(2)"),
    // ---- the dup family, fcntl, close ---------------------------------------------------------
    sc("dup", Shape::Dup, FD_ONLY, Creates::Returned, e![MFILE, NOMEM], false, "dup(2); fs/file.c ksys_dup"),
    sc("dup2", Shape::Dup2, &[Fd, Value], Creates::Returned, e![BUSY, INTR, MFILE, NOMEM], false, "dup2(2); fs/file.c ksys_dup3 (newfd ≥ RLIMIT_NOFILE is EBADF)"),
    sc("dup3", Shape::Dup3, &[Fd, Value, Flags("open")], Creates::Returned, e![BUSY, INTR, INVAL, MFILE, NOMEM], false, "dup3(2); fs/file.c ksys_dup3"),
    sc("fcntl", Shape::Fcntl, &[Fd, Command, Value], Creates::Returned, e![], false, "fcntl(2); fs/fcntl.c do_fcntl (per command: fcntl_command)"),
    sc("fcntl64", Shape::Fcntl, &[Fd, Command, Value], Creates::Returned, e![], false, "fcntl(2); fs/fcntl.c do_fcntl"),
    sc("close", Shape::Close, FD_ONLY, Creates::Nothing, e![INTR, IO, NOSPC, DQUOT, STALE, FBIG], false, "close(2); fs/open.c close_fd, filp_flush (ERESTART* become EINTR)"),
    sc("close_range", Shape::CloseRange, &[Value, Value, Flags("close_range")], Creates::Nothing, e![INVAL, NOMEM, MFILE], false, "close_range(2); fs/file.c __close_range (never EBADF)"),
    sc("ioctl", Shape::Ioctl, &[Fd, Command, Ptr], Creates::Nothing, e![], true, "ioctl(2); fs/ioctl.c do_vfs_ioctl, then the driver (per request: ioctl_request)"),
    sc("lseek", Shape::Lseek, &[Fd, Value, Value], Creates::Nothing, e![INVAL, NXIO, OVERFLOW, SPIPE], false, "lseek(2); fs/read_write.c vfs_llseek"),
    sc("mmap", Shape::Mmap, &[Ptr, Value, Flags("mmap_prot"), Flags("mmap"), MapFd, Value], Creates::Nothing, e![ACCES, AGAIN, EXIST, INVAL, NFILE, NODEV, NOMEM, OVERFLOW, PERM, TXTBSY], false, "mmap(2); mm/mmap.c do_mmap, ksys_mmap_pgoff (a driver's mmap for files)"),
    sc("mmap2", Shape::Mmap, &[Ptr, Value, Flags("mmap_prot"), Flags("mmap"), MapFd, Value], Creates::Nothing, e![ACCES, AGAIN, EXIST, INVAL, NFILE, NODEV, NOMEM, OVERFLOW, PERM, TXTBSY], false, "mmap(2)"),
    // ---- processes --------------------------------------------------------------------------------
    sc("execve", Shape::Exec { at: false }, &[Path, Ptr, Ptr], Creates::Nothing, e![@path, E2BIG, AGAIN, INVAL, ISDIR, LIBBAD, MFILE, NFILE, NOEXEC, TXTBSY, XDEV], false, "execve(2); fs/exec.c do_execveat_common"),
    sc("execveat", Shape::Exec { at: true }, &[DIR, Path, Ptr, Ptr, Flags("at")], Creates::Nothing, e![@path, E2BIG, AGAIN, INVAL, ISDIR, LIBBAD, MFILE, NFILE, NOEXEC, TXTBSY, XDEV], false, "execveat(2); fs/exec.c"),
    sc("clone", Shape::Clone, &[Flags("clone"), Ptr, Ptr, Ptr, Value], Creates::Pidfd, e![AGAIN, BUSY, EXIST, INVAL, NOMEM, NOSPC, PERM, USERS, FAULT], false, "clone(2); kernel/fork.c kernel_clone, copy_process"),
    sc("clone3", Shape::Clone3, &[CloneArgs, Value], Creates::Pidfd, e![AGAIN, BUSY, E2BIG, EXIST, INVAL, NOMEM, NOSPC, PERM, USERS, FAULT, OPNOTSUPP], false, "clone(2); kernel/fork.c copy_clone_args_from_user (cgroup fd: EBADF)"),
    sc("fork", Shape::Fork, NO_ARGS, Creates::Nothing, e![AGAIN, NOMEM], false, "fork(2); kernel/fork.c"),
    sc("vfork", Shape::Fork, NO_ARGS, Creates::Nothing, e![AGAIN, NOMEM], false, "vfork(2); kernel/fork.c"),
    sc("unshare", Shape::Unshare, &[Flags("clone")], Creates::Nothing, e![INVAL, NOMEM, NOSPC, PERM, USERS], false, "unshare(2); kernel/fork.c ksys_unshare"),
    sc("prlimit64", Shape::Prlimit, &[Value, Value, Ptr, Ptr], Creates::Nothing, e![FAULT, INVAL, PERM, SRCH], false, "prlimit(2); kernel/sys.c do_prlimit"),
    sc("setrlimit", Shape::Setrlimit, &[Value, Ptr], Creates::Nothing, e![FAULT, INVAL, PERM], false, "setrlimit(2); kernel/sys.c"),
    sc("getrlimit", Shape::Getrlimit, &[Value, Ptr], Creates::Nothing, e![FAULT, INVAL], false, "getrlimit(2); kernel/sys.c"),
    sc("ugetrlimit", Shape::Getrlimit, &[Value, Ptr], Creates::Nothing, e![FAULT, INVAL], false, "getrlimit(2)"),
    sc("waitid", Shape::Waitid, &[Value, PidfdIf, Ptr, Flags("wait"), Ptr], Creates::Nothing, e![AGAIN, CHILD, INTR, INVAL, FAULT, SRCH], false, "waitid(2); kernel/exit.c kernel_waitid (P_PIDFD: EBADF)"),
    // ---- reads and writes through the offset ----------------------------------------------------
    io("read", rd(Offset::Advance), RW, "read(2): the file's read"),
    io("readv", rd(Offset::Advance), RW, "readv(2)"),
    io("write", wr(Offset::Advance), RW, "write(2): the file's write"),
    io("writev", wr(Offset::Advance), RW, "writev(2)"),
    io("pread64", rd(Offset::Keep), PRW, "pread(2)"),
    io("preadv", rd(Offset::Keep), PRW, "preadv(2)"),
    io("pwrite64", wr(Offset::Keep), PRW, "pwrite(2)"),
    io("pwritev", wr(Offset::Keep), PRW, "pwritev(2)"),
    io("preadv2", rd(Offset::AdvanceWithoutPos(3)), &[Fd, Ptr, Value, Value, Value], "preadv2(2)"),
    io("pwritev2", wr(Offset::AdvanceWithoutPos(3)), &[Fd, Ptr, Value, Value, Value], "pwritev2(2)"),
    io("getdents", rd(Offset::Lose), RW, "getdents(2): the file system's iterate"),
    io("getdents64", rd(Offset::Lose), RW, "getdents(2)"),
    io("sendfile", SENDFILE, &[Fd, Fd, Ptr, Value], "sendfile(2)"),
    io("sendfile64", SENDFILE, &[Fd, Fd, Ptr, Value], "sendfile(2)"),
    io("copy_file_range", COPY, &[Fd, Ptr, Fd, Ptr, Value, Value], "copy_file_range(2)"),
    io("splice", COPY, &[Fd, Ptr, Fd, Ptr, Value, Value], "splice(2)"),
    io("tee", Use { fds: [0, 1], read: [true, false], write: [false, true], ..u1(0) }, &[Fd, Fd, Value, Value], "tee(2)"),
    io("vmsplice", u1(0), &[Fd, Ptr, Value, Value], "vmsplice(2)"),
    // ---- calls that use one descriptor ------------------------------------------------------------
    io("fstat", raw(u1(0)), &[Fd, Ptr], "fstat(2): the file system's getattr"),
    io("newfstat", raw(u1(0)), &[Fd, Ptr], "fstat(2)"),
    io("fstatfs", raw(u1(0)), &[Fd, Ptr], "fstatfs(2)"),
    io("fstatfs64", raw(u1(0)), &[Fd, Value, Ptr], "fstatfs(2)"),
    fdcall("fchdir", raw(u1(0)), FD_ONLY, e![ACCES, NOTDIR, IO, PERM, NOMEM, INTR], "fchdir(2); fs/open.c"),
    io("fsync", u1(0), FD_ONLY, "fsync(2): the file's fsync"),
    io("fdatasync", u1(0), FD_ONLY, "fdatasync(2)"),
    io("syncfs", u1(0), FD_ONLY, "syncfs(2)"),
    io("ftruncate", u1(0), &[Fd, Value], "ftruncate(2)"),
    io("fchmod", u1(0), &[Fd, Value], "fchmod(2)"),
    io("fchown", u1(0), &[Fd, Value, Value], "fchown(2)"),
    fdcall("flock", u1(0), &[Fd, Flags("flock")], e![INTR, INVAL, NOLCK, AGAIN, NOMEM], "flock(2); fs/locks.c"),
    fdcall("fadvise64", u1(0), &[Fd, Value, Value, Value], e![INVAL, SPIPE], "posix_fadvise(2); mm/fadvise.c"),
    fdcall("readahead", u1(0), &[Fd, Value, Value], e![INVAL], "readahead(2); mm/readahead.c"),
    io("sync_file_range", u1(0), &[Fd, Value, Value, Value], "sync_file_range(2)"),
    io("fgetxattr", u1(0), &[Fd, Path, Ptr, Value], "fgetxattr(2)"),
    io("fsetxattr", u1(0), &[Fd, Path, Ptr, Value, Value], "fsetxattr(2)"),
    io("flistxattr", u1(0), &[Fd, Ptr, Value], "flistxattr(2)"),
    io("fremovexattr", u1(0), &[Fd, Path], "fremovexattr(2)"),
    io("bind", u1(0), SOCK_ARGS, "bind(2): the protocol's bind"),
    io("connect", u1(0), SOCK_ARGS, "connect(2)"),
    io("listen", u1(0), &[Fd, Value], "listen(2)"),
    io("getsockname", u1(0), SOCK_ARGS, "getsockname(2)"),
    io("getpeername", u1(0), SOCK_ARGS, "getpeername(2)"),
    io("shutdown", u1(0), &[Fd, Value], "shutdown(2)"),
    io("setsockopt", u1(0), &[Fd, Value, Value, Ptr, Value], "setsockopt(2)"),
    io("getsockopt", u1(0), &[Fd, Value, Value, Ptr, Ptr], "getsockopt(2)"),
    io("sendto", u1(0), &[Fd, Ptr, Value, Value, Ptr, Value], "sendto(2)"),
    io("recvfrom", u1(0), &[Fd, Ptr, Value, Value, Ptr, Ptr], "recvfrom(2)"),
    fdcall("inotify_add_watch", u1(0), &[Fd, Path, Value], e![@path, EXIST, INVAL, NOSPC], "inotify_add_watch(2); fs/notify/inotify/inotify_user.c"),
    fdcall("inotify_rm_watch", u1(0), &[Fd, Value], e![INVAL], "inotify_rm_watch(2)"),
    io("fanotify_mark", u1(0), &[Fd, Value, Value, DirFd { path: 4 }, Path], "fanotify_mark(2)"),
    fdcall("timerfd_settime", u1(0), &[Fd, Value, Ptr, Ptr], e![FAULT, INVAL, CANCELED], "timerfd_settime(2); fs/timerfd.c"),
    fdcall("timerfd_gettime", u1(0), &[Fd, Ptr], e![FAULT, INVAL], "timerfd_gettime(2)"),
    fdcall("pidfd_send_signal", u1(0), &[Fd, Value, Ptr, Value], e![INVAL, PERM, SRCH, FAULT], "pidfd_send_signal(2); kernel/signal.c"),
    fdcall("setns", u1(0), &[Fd, Flags("clone")], e![INVAL, NOMEM, PERM, USERS, NOSPC], "setns(2); kernel/nsproxy.c"),
    io("io_uring_enter", u1(0), &[Fd, Value, Value, Value, Ptr, Value], "io_uring_enter(2)"),
    io("io_uring_register", u1(0), &[Fd, Value, Ptr, Value], "io_uring_register(2)"),
    io("fsconfig", u1(0), &[Fd, Value, Path, Ptr, Value], "fsconfig(2)"),
    fdcall("landlock_add_rule", u1(0), &[Fd, Value, Ptr, Value], e![INVAL, NOMSG, PERM, FAULT, MSGSIZE, OPNOTSUPP, NOMEM], "landlock_add_rule(2)"),
    fdcall("landlock_restrict_self", u1(0), &[Fd, Value], e![INVAL, PERM, E2BIG, NOMEM], "landlock_restrict_self(2)"),
    fdcall("process_madvise", u1(0), &[Fd, Ptr, Value, Value, Value], e![INVAL, PERM, SRCH, NOMEM, FAULT, AGAIN, OPNOTSUPP], "process_madvise(2)"),
    fdcall("process_mrelease", u1(0), &[Fd, Value], e![INVAL, INTR, SRCH, NOMEM], "process_mrelease(2)"),
    io("mq_timedsend", u1(0), &[Fd, Ptr, Value, Value, Ptr], "mq_send(3)"),
    io("mq_timedreceive", u1(0), &[Fd, Ptr, Value, Ptr, Ptr], "mq_receive(3)"),
    io("mq_notify", u1(0), &[Fd, Ptr], "mq_notify(3)"),
    io("mq_getsetattr", u1(0), &[Fd, Ptr, Ptr], "mq_getsetattr(2)"),
    io("finit_module", u1(0), &[Fd, Path, Value], "finit_module(2)"),
    io("quotactl_fd", u1(0), &[Fd, Value, Value, Ptr], "quotactl(2)"),
    io("fallocate", wr(Offset::Keep), &[Fd, Value, Value, Value], "fallocate(2)"),
    fdcall("epoll_ctl", late(Use { fds: [0, 2], ..u1(0) }), &[Fd, Value, Fd, Ptr], e![EXIST, INVAL, LOOP, NOENT, NOMEM, NOSPC, PERM, FAULT], "epoll_ctl(2); fs/eventpoll.c do_epoll_ctl"),
    fdcall("epoll_wait", late(u1(0)), &[Fd, Ptr, Value, Value], e![FAULT, INTR, INVAL], "epoll_wait(2); fs/eventpoll.c do_epoll_wait"),
    fdcall("epoll_pwait", late(u1(0)), &[Fd, Ptr, Value, Value, Ptr, Value], e![FAULT, INTR, INVAL], "epoll_wait(2)"),
    fdcall("epoll_pwait2", late(u1(0)), &[Fd, Ptr, Value, Ptr, Ptr, Value], e![FAULT, INTR, INVAL], "epoll_wait(2)"),
    // ---- `*at` calls: the directory descriptor is used for relative paths only ----------------------
    atcall("newfstatat", at(0, 1, 3), &[DIR, Path, Ptr, Flags("at")], "stat(2): the file system's getattr"),
    atcall("fstatat64", at(0, 1, 3), &[DIR, Path, Ptr, Flags("at")], "stat(2)"),
    atcall("statx", at(0, 1, 2), &[DIR, Path, Flags("at"), Value, Ptr], "statx(2)"),
    atcall("faccessat", at(0, 1, NONE), &[DIR, Path, Value], "access(2): the file system's permission"),
    atcall("faccessat2", at(0, 1, 3), &[DIR, Path, Value, Flags("at")], "access(2)"),
    atcall("mkdirat", at(0, 1, NONE), &[DIR, Path, Value], "mkdir(2)"),
    atcall("mknodat", at(0, 1, NONE), &[DIR, Path, Value, Value], "mknod(2)"),
    atcall("futimesat", at(0, 1, NONE), &[DIR, Path, Ptr], "futimesat(2)"),
    atcall("unlinkat", at(0, 1, NONE), &[DIR, Path, Flags("at")], "unlink(2)"),
    atcall("mount_setattr", at(0, 1, NONE), &[DIR, Path, Flags("at"), Ptr, Value], "mount_setattr(2)"),
    atcall("fchmodat", at(0, 1, NONE), &[DIR, Path, Value], "chmod(2)"),
    atcall("fchmodat2", at(0, 1, 3), &[DIR, Path, Value, Flags("at")], "chmod(2)"),
    atcall("fchownat", at(0, 1, 4), &[DIR, Path, Value, Value, Flags("at")], "chown(2)"),
    atcall("name_to_handle_at", at(0, 1, 4), &[DIR, Path, Ptr, Ptr, Flags("at")], "name_to_handle_at(2)"),
    atcall("getxattrat", at(0, 1, 2), &[DIR, Path, Flags("at"), Path, Ptr, Value], "getxattrat(2)"),
    atcall("setxattrat", at(0, 1, 2), &[DIR, Path, Flags("at"), Path, Ptr, Value], "setxattrat(2)"),
    atcall("listxattrat", at(0, 1, 2), &[DIR, Path, Flags("at"), Ptr, Value], "listxattrat(2)"),
    atcall("removexattrat", at(0, 1, 2), &[DIR, Path, Flags("at"), Path], "removexattrat(2)"),
    atcall("file_getattr", at(0, 1, 2), &[DIR, Path, Flags("at"), Ptr, Value], "file_getattr(2)"),
    atcall("file_setattr", at(0, 1, 2), &[DIR, Path, Flags("at"), Ptr, Value], "file_setattr(2)"),
    atcall("symlinkat", at(1, 2, NONE), &[Path, DirFd { path: 2 }, Path], "symlink(2)"),
    atcall("readlinkat", at_self(at(0, 1, NONE)), &[DIR, Path, Ptr, Value], "readlink(2)"),
    atcall("utimensat", at_self(at(0, 1, 3)), &[DIR, Path, Ptr, Flags("at")], "utimensat(2)"),
    atcall("utimensat_time64", at_self(at(0, 1, 3)), &[DIR, Path, Ptr, Flags("at")], "utimensat(2)"),
    atcall("renameat", at2(NONE), &[DIR, Path, DirFd { path: 3 }, Path], "rename(2)"),
    atcall("renameat2", at2(NONE), &[DIR, Path, DirFd { path: 3 }, Path, Value], "rename(2)"),
    atcall("linkat", at2(4), &[DIR, Path, DirFd { path: 3 }, Path, Flags("at")], "link(2)"),
    atcall("move_mount", at2(NONE), &[DIR, Path, DirFd { path: 3 }, Path, Value], "move_mount(2)"),
    // ---- calls without descriptors: only their errno sets are checked ---------------------------------
    plain("futex", &[Ptr, Value, Value, Ptr, Ptr, Value], e![ACCES, AGAIN, DEADLK, FAULT, INTR, INVAL, NFILE, NOMEM, PERM, SRCH, TIMEDOUT, OWNERDEAD, NOTRECOVERABLE, OPNOTSUPP], "futex(2); kernel/futex/"),
    plain("futex_waitv", &[Ptr, Value, Value, Ptr, Value], e![AGAIN, FAULT, INTR, INVAL, NOMEM, TIMEDOUT], "futex_waitv(2)"),
    plain("rt_sigaction", &[Value, Ptr, Ptr, Value], e![FAULT, INVAL], "sigaction(2); kernel/signal.c"),
    plain("rt_sigprocmask", &[Value, Ptr, Ptr, Value], e![FAULT, INVAL], "sigprocmask(2)"),
    plain("rt_sigsuspend", &[Ptr, Value], e![FAULT, INTR, INVAL], "sigsuspend(2)"),
    plain("rt_sigtimedwait", &[Ptr, Ptr, Ptr, Value], e![AGAIN, INTR, INVAL, FAULT], "sigtimedwait(2)"),
    plain("sigaltstack", &[Ptr, Ptr], e![FAULT, INVAL, NOMEM, PERM], "sigaltstack(2)"),
    plain("mprotect", &[Ptr, Value, Flags("mmap_prot")], e![ACCES, INVAL, NOMEM, PERM, FAULT], "mprotect(2); mm/mprotect.c"),
    plain("pkey_mprotect", &[Ptr, Value, Flags("mmap_prot"), Value], e![ACCES, INVAL, NOMEM, PERM, FAULT], "pkey_mprotect(2)"),
    plain("munmap", &[Ptr, Value], e![INVAL, NOMEM], "munmap(2); mm/mmap.c"),
    plain("mremap", &[Ptr, Value, Value, Value, Ptr], e![AGAIN, FAULT, INVAL, NOMEM], "mremap(2)"),
    plain("brk", &[Ptr], e![], "brk(2): the system call returns the break, never an error"),
    plain("madvise", &[Ptr, Value, Value], e![ACCES, AGAIN, BADF, INVAL, IO, NOMEM, PERM, FAULT, HWPOISON], "madvise(2); mm/madvise.c (EBADF: MADV_WILLNEED on a mapping that is not of a file)"),
    plain("mlock", &[Ptr, Value], e![AGAIN, INVAL, NOMEM, PERM], "mlock(2)"),
    plain("munlock", &[Ptr, Value], e![AGAIN, INVAL, NOMEM, PERM], "mlock(2)"),
    plain("msync", &[Ptr, Value, Value], e![BUSY, INVAL, NOMEM, IO, NOSPC], "msync(2)"),
    plain("mincore", &[Ptr, Value, Ptr], e![AGAIN, FAULT, INVAL, NOMEM], "mincore(2)"),
    plain("set_robust_list", &[Ptr, Value], e![INVAL], "set_robust_list(2)"),
    plain("get_robust_list", &[Value, Ptr, Ptr], e![FAULT, PERM, SRCH], "get_robust_list(2)"),
    plain("rseq", &[Ptr, Value, Value, Value], e![BUSY, INVAL, PERM, FAULT], "rseq(2); kernel/rseq.c"),
    plain("set_tid_address", &[Ptr], e![], "set_tid_address(2): always succeeds"),
    plain("arch_prctl", &[Value, Value], e![FAULT, INVAL, PERM, NODEV, BUSY], "arch_prctl(2)"),
    plain("prctl", &[Value, Value, Value, Value, Value], e![ACCES, BADF, BUSY, FAULT, INVAL, NXIO, OPNOTSUPP, PERM, RANGE, NODEV, NOMEM], "prctl(2) (EBADF: PR_SET_MM_EXE_FILE's descriptor, in an integer argument)"),
    plain("getrandom", &[Ptr, Value, Value], e![AGAIN, FAULT, INTR, INVAL], "getrandom(2)"),
    plain("getpid", NO_ARGS, e![], "getpid(2): always succeeds"),
    plain("getppid", NO_ARGS, e![], "getpid(2): always succeeds"),
    plain("gettid", NO_ARGS, e![], "gettid(2): always succeeds"),
    plain("getuid", NO_ARGS, e![], "getuid(2): always succeeds"),
    plain("geteuid", NO_ARGS, e![], "getuid(2): always succeeds"),
    plain("getgid", NO_ARGS, e![], "getgid(2): always succeeds"),
    plain("getegid", NO_ARGS, e![], "getgid(2): always succeeds"),
    plain("getpgrp", NO_ARGS, e![], "getpgrp(2): always succeeds"),
    plain("getpgid", &[Value], e![SRCH], "getpgid(2)"),
    plain("getsid", &[Value], e![SRCH, PERM], "getsid(2)"),
    plain("setpgid", &[Value, Value], e![ACCES, INVAL, PERM, SRCH], "setpgid(2)"),
    plain("setsid", NO_ARGS, e![PERM], "setsid(2)"),
    plain("getresuid", &[Ptr, Ptr, Ptr], e![FAULT], "getresuid(2)"),
    plain("getresgid", &[Ptr, Ptr, Ptr], e![FAULT], "getresuid(2)"),
    plain("getgroups", &[Value, Ptr], e![FAULT, INVAL], "getgroups(2)"),
    plain("setuid", &[Value], e![AGAIN, INVAL, PERM], "setuid(2)"),
    plain("setgid", &[Value], e![INVAL, PERM], "setgid(2)"),
    plain("setresuid", &[Value, Value, Value], e![AGAIN, INVAL, PERM], "setresuid(2)"),
    plain("setresgid", &[Value, Value, Value], e![AGAIN, INVAL, PERM], "setresuid(2)"),
    plain("setgroups", &[Value, Ptr], e![FAULT, INVAL, NOMEM, PERM], "setgroups(2)"),
    plain("umask", &[Value], e![], "umask(2): always succeeds"),
    plain("uname", &[Ptr], e![FAULT], "uname(2)"),
    plain("sysinfo", &[Ptr], e![FAULT], "sysinfo(2)"),
    plain("getcwd", &[Ptr, Value], e![ACCES, FAULT, INVAL, NAMETOOLONG, NOENT, NOMEM, RANGE], "getcwd(2); fs/d_path.c"),
    plain("chdir", &[Path], e![@path], "chdir(2)"),
    plain("access", &[Path, Value], e![@path, INVAL, ROFS, TXTBSY], "access(2)"),
    plain("readlink", &[Path, Ptr, Value], e![@path, INVAL], "readlink(2)"),
    sc("stat", Shape::Plain, &[Path, Ptr], Creates::Nothing, e![@path, OVERFLOW], true, "stat(2): the file system's getattr"),
    sc("lstat", Shape::Plain, &[Path, Ptr], Creates::Nothing, e![@path, OVERFLOW], true, "stat(2)"),
    sc("statfs", Shape::Plain, &[Path, Ptr], Creates::Nothing, e![@path, OVERFLOW, NOSYS], true, "statfs(2)"),
    sc("unlink", Shape::Plain, &[Path], Creates::Nothing, e![@path, BUSY, ISDIR, ROFS], true, "unlink(2)"),
    sc("mkdir", Shape::Plain, &[Path, Value], Creates::Nothing, e![@path, DQUOT, EXIST, MLINK, NOSPC, ROFS], true, "mkdir(2)"),
    sc("rmdir", Shape::Plain, &[Path], Creates::Nothing, e![@path, BUSY, INVAL, NOTEMPTY, ROFS], true, "rmdir(2)"),
    sc("rename", Shape::Plain, &[Path, Path], Creates::Nothing, e![@path, BUSY, DQUOT, EXIST, INVAL, ISDIR, MLINK, NOSPC, NOTEMPTY, ROFS, XDEV], true, "rename(2)"),
    sc("chmod", Shape::Plain, &[Path, Value], Creates::Nothing, e![@path, ROFS], true, "chmod(2)"),
    sc("utimes", Shape::Plain, &[Path, Ptr], Creates::Nothing, e![@path, ROFS], true, "utimes(2)"),
    plain("wait4", &[Value, Ptr, Flags("wait"), Ptr], e![CHILD, INTR, INVAL, FAULT, SRCH], "wait4(2); kernel/exit.c kernel_wait4"),
    plain("kill", &[Value, Value], e![INVAL, PERM, SRCH], "kill(2)"),
    plain("tgkill", &[Value, Value, Value], e![AGAIN, INVAL, PERM, SRCH], "tgkill(2)"),
    plain("tkill", &[Value, Value], e![AGAIN, INVAL, PERM, SRCH], "tkill(2)"),
    plain("nanosleep", &[Ptr, Ptr], e![FAULT, INTR, INVAL], "nanosleep(2)"),
    plain("clock_nanosleep", &[Value, Value, Ptr, Ptr], e![FAULT, INTR, INVAL, OPNOTSUPP], "clock_nanosleep(2)"),
    plain("clock_gettime", &[Value, Ptr], e![FAULT, INVAL], "clock_gettime(2)"),
    plain("clock_getres", &[Value, Ptr], e![FAULT, INVAL], "clock_getres(2)"),
    plain("gettimeofday", &[Ptr, Ptr], e![FAULT], "gettimeofday(2)"),
    plain("sched_getaffinity", &[Value, Value, Ptr], e![FAULT, INVAL, SRCH, PERM], "sched_setaffinity(2)"),
    plain("sched_setaffinity", &[Value, Value, Ptr], e![FAULT, INVAL, SRCH, PERM], "sched_setaffinity(2)"),
    plain("sched_yield", NO_ARGS, e![], "sched_yield(2): always succeeds"),
    plain("getpriority", &[Value, Value], e![INVAL, SRCH], "getpriority(2)"),
    plain("setpriority", &[Value, Value, Value], e![ACCES, INVAL, PERM, SRCH], "setpriority(2)"),
    plain("getrusage", &[Value, Ptr], e![FAULT, INVAL], "getrusage(2)"),
    plain("times", &[Ptr], e![FAULT], "times(2)"),
    plain("alarm", &[Value], e![], "alarm(2): always succeeds"),
    plain("pause", NO_ARGS, e![INTR], "pause(2)"),
    plain("poll", &[PollFds, Value, Value], e![FAULT, INTR, INVAL, NOMEM], "poll(2): a number not open is POLLNVAL, not EBADF"),
    plain("ppoll", &[PollFds, Value, Ptr, Ptr, Value], e![FAULT, INTR, INVAL, NOMEM], "poll(2)"),
    plain("select", &[Value, FdSet, FdSet, FdSet, Ptr], e![INTR, INVAL, NOMEM, FAULT], "select(2); fs/select.c (EBADF: a listed number not open)"),
    plain("pselect6", &[Value, FdSet, FdSet, FdSet, Ptr, Ptr], e![INTR, INVAL, NOMEM, FAULT], "select(2)"),
    plain("exit", &[Value], e![], "exit(2): does not return"),
    plain("exit_group", &[Value], e![], "exit_group(2): does not return"),
    plain("capget", &[Ptr, Ptr], e![FAULT, INVAL, PERM, SRCH], "capget(2)"),
    plain("capset", &[Ptr, Ptr], e![FAULT, INVAL, PERM, SRCH], "capget(2)"),
    plain("personality", &[Value], e![INVAL], "personality(2)"),
];

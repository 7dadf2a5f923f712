//! Flag and command names as strace prints them, each spelled once, grouped by the
//! flag word they belong to (`open` flags, `AT_*` flags, `CLONE_*`, `fcntl` commands…).
//!
//! Values are Linux x86-64's (`include/uapi/asm-generic/fcntl.h`,
//! `include/uapi/linux/sched.h`, `include/linux/net.h`, …). Each name is written once,
//! as the identifier of a `u64` constant in the `constants!` block below: the
//! constant holds its value (usable in `match`), [`name`] holds its spelling
//! (`name::O_CLOEXEC == "O_CLOEXEC"`, a `&'static str` for matching without a table
//! lookup), and the [`FlagSet`]s refer to both. Nothing else in the workspace spells a
//! flag name or value.
//!
//! A [`FlagSet`] lists its names in the order strace tries them when it prints a flag
//! word (strace `src/xlat/*.in`), because that order decides the output: `O_SYNC` is
//! tried before `O_DSYNC`, so `0o4010000` prints as `O_SYNC`, not `__O_SYNC|O_DSYNC`;
//! bit `0o20000` prints as `FASYNC` (strace's `open_mode_flags` names it so;
//! `O_ASYNC` is accepted when parsing). Names accepted when parsing but never
//! printed are the set's [`aliases`](FlagSet::aliases).

use alloc::borrow::ToOwned;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

/// Declares every named constant: `NAME = value;` makes `pub const NAME: u64` and
/// `name::NAME: &str`, so the spelling and the value live on one line.
macro_rules! constants {
    ($( $(#[$m:meta])* $name:ident = $value:expr; )*) => {
        $(
            $(#[$m])*
            #[allow(non_upper_case_globals)]
            pub const $name: u64 = $value;
        )*
        /// Every constant's name as strace prints it, for matching text without a
        /// table lookup: `name::O_CLOEXEC == "O_CLOEXEC"`.
        pub mod name {
            $(
                #[doc = concat!("`", stringify!($name), "`.")]
                #[allow(non_upper_case_globals)]
                pub const $name: &str = stringify!($name);
            )*
        }
    };
}

/// `[(name::X, X), …]`: table entries that refer to the constants.
macro_rules! entries {
    ($($name:ident),* $(,)?) => { &[$((name::$name, $name)),*] };
}

constants! {
    // --- open(2): include/uapi/asm-generic/fcntl.h ---
    /// `O_RDONLY` (0): open for reading only.
    O_RDONLY = 0;
    /// `O_WRONLY` (01): open for writing only.
    O_WRONLY = 0o1;
    /// `O_RDWR` (02): open for reading and writing.
    O_RDWR = 0o2;
    /// `O_ACCMODE` (03): the access-mode mask; as a mode, "no access" (ioctl-only).
    O_ACCMODE = 0o3;
    /// `O_CREAT` (0100).
    O_CREAT = 0o100;
    /// `O_EXCL` (0200).
    O_EXCL = 0o200;
    /// `O_NOCTTY` (0400).
    O_NOCTTY = 0o400;
    /// `O_TRUNC` (01000).
    O_TRUNC = 0o1000;
    /// `O_APPEND` (02000).
    O_APPEND = 0o2000;
    /// `O_NONBLOCK` (04000).
    O_NONBLOCK = 0o4000;
    /// `O_NDELAY`: glibc's alias of `O_NONBLOCK`.
    O_NDELAY = O_NONBLOCK;
    /// `O_DSYNC` (010000).
    O_DSYNC = 0o10000;
    /// `FASYNC` (020000): signal-driven I/O; strace's name for the bit.
    FASYNC = 0o20000;
    /// `O_ASYNC`: glibc's alias of `FASYNC` (accepted when parsing).
    O_ASYNC = FASYNC;
    /// `O_DIRECT` (040000).
    O_DIRECT = 0o40000;
    /// `O_LARGEFILE` (0100000).
    O_LARGEFILE = 0o100000;
    /// `O_DIRECTORY` (0200000).
    O_DIRECTORY = 0o200000;
    /// `O_NOFOLLOW` (0400000).
    O_NOFOLLOW = 0o400000;
    /// `O_NOATIME` (01000000).
    O_NOATIME = 0o1000000;
    /// `O_CLOEXEC` (02000000).
    O_CLOEXEC = 0o2000000;
    /// `__O_SYNC` (04000000): the bit `O_SYNC` adds to `O_DSYNC`.
    __O_SYNC = 0o4000000;
    /// `O_SYNC` (`__O_SYNC | O_DSYNC` = 04010000).
    O_SYNC = __O_SYNC | O_DSYNC;
    /// `O_FSYNC`: glibc's alias of `O_SYNC`.
    O_FSYNC = O_SYNC;
    /// `O_RSYNC`: glibc's alias of `O_SYNC` on Linux.
    O_RSYNC = O_SYNC;
    /// `O_PATH` (010000000).
    O_PATH = 0o10000000;
    /// `__O_TMPFILE` (020000000): the bit `O_TMPFILE` adds to `O_DIRECTORY`.
    __O_TMPFILE = 0o20000000;
    /// `O_TMPFILE` (`__O_TMPFILE | O_DIRECTORY`).
    O_TMPFILE = __O_TMPFILE | O_DIRECTORY;

    // --- *at(2) directory and flags: include/uapi/linux/fcntl.h ---
    /// `AT_FDCWD` (-100, as a 64-bit pattern): "the current directory".
    AT_FDCWD = -100i64 as u64;
    /// `AT_SYMLINK_NOFOLLOW` (0x100).
    AT_SYMLINK_NOFOLLOW = 0x100;
    /// `AT_REMOVEDIR` (0x200).
    AT_REMOVEDIR = 0x200;
    /// `AT_EACCESS` (0x200, `faccessat` only).
    AT_EACCESS = 0x200;
    /// `AT_SYMLINK_FOLLOW` (0x400).
    AT_SYMLINK_FOLLOW = 0x400;
    /// `AT_NO_AUTOMOUNT` (0x800).
    AT_NO_AUTOMOUNT = 0x800;
    /// `AT_EMPTY_PATH` (0x1000).
    AT_EMPTY_PATH = 0x1000;
    /// `AT_RECURSIVE` (0x8000).
    AT_RECURSIVE = 0x8000;

    // --- fcntl(2): include/uapi/asm-generic/fcntl.h, include/uapi/linux/fcntl.h ---
    /// `FD_CLOEXEC` (1): the descriptor flag.
    FD_CLOEXEC = 1;
    /// `F_DUPFD` (0).
    F_DUPFD = 0;
    /// `F_GETFD` (1).
    F_GETFD = 1;
    /// `F_SETFD` (2).
    F_SETFD = 2;
    /// `F_GETFL` (3).
    F_GETFL = 3;
    /// `F_SETFL` (4).
    F_SETFL = 4;
    /// `F_GETLK` (5).
    F_GETLK = 5;
    /// `F_SETLK` (6).
    F_SETLK = 6;
    /// `F_SETLKW` (7).
    F_SETLKW = 7;
    /// `F_GETLK64`: `F_GETLK` on 64-bit.
    F_GETLK64 = F_GETLK;
    /// `F_SETLK64`: `F_SETLK` on 64-bit.
    F_SETLK64 = F_SETLK;
    /// `F_SETLKW64`: `F_SETLKW` on 64-bit.
    F_SETLKW64 = F_SETLKW;
    /// `F_SETOWN` (8).
    F_SETOWN = 8;
    /// `F_GETOWN` (9).
    F_GETOWN = 9;
    /// `F_SETSIG` (10).
    F_SETSIG = 10;
    /// `F_GETSIG` (11).
    F_GETSIG = 11;
    /// `F_SETOWN_EX` (15).
    F_SETOWN_EX = 15;
    /// `F_GETOWN_EX` (16).
    F_GETOWN_EX = 16;
    /// `F_GETOWNER_UIDS` (17).
    F_GETOWNER_UIDS = 17;
    /// `F_OFD_GETLK` (36).
    F_OFD_GETLK = 36;
    /// `F_OFD_SETLK` (37).
    F_OFD_SETLK = 37;
    /// `F_OFD_SETLKW` (38).
    F_OFD_SETLKW = 38;
    /// `F_SETLEASE` (1024, `F_LINUX_SPECIFIC_BASE`).
    F_SETLEASE = 1024;
    /// `F_GETLEASE` (1025).
    F_GETLEASE = 1025;
    /// `F_NOTIFY` (1026).
    F_NOTIFY = 1026;
    /// `F_DUPFD_QUERY` (1027, Linux 6.10).
    F_DUPFD_QUERY = 1027;
    /// `F_CREATED_QUERY` (1028, Linux 6.12).
    F_CREATED_QUERY = 1028;
    /// `F_CANCELLK` (1029).
    F_CANCELLK = 1029;
    /// `F_DUPFD_CLOEXEC` (1030).
    F_DUPFD_CLOEXEC = 1030;
    /// `F_SETPIPE_SZ` (1031).
    F_SETPIPE_SZ = 1031;
    /// `F_GETPIPE_SZ` (1032).
    F_GETPIPE_SZ = 1032;
    /// `F_ADD_SEALS` (1033).
    F_ADD_SEALS = 1033;
    /// `F_GET_SEALS` (1034).
    F_GET_SEALS = 1034;
    /// `F_GET_RW_HINT` (1035; strace has no name for it).
    F_GET_RW_HINT = 1035;
    /// `F_SET_RW_HINT` (1036).
    F_SET_RW_HINT = 1036;
    /// `F_GET_FILE_RW_HINT` (1037).
    F_GET_FILE_RW_HINT = 1037;
    /// `F_SET_FILE_RW_HINT` (1038).
    F_SET_FILE_RW_HINT = 1038;
    /// `F_RDLCK` (0): a read lock (`struct flock`'s `l_type`).
    F_RDLCK = 0;
    /// `F_WRLCK` (1): a write lock.
    F_WRLCK = 1;
    /// `F_UNLCK` (2): unlock.
    F_UNLCK = 2;

    // --- openat2(2): include/uapi/linux/openat2.h ---
    /// `RESOLVE_BENEATH` (0x08): resolve beneath the directory descriptor, even an
    /// absolute path.
    RESOLVE_BENEATH = 0x08;
    /// `RESOLVE_IN_ROOT` (0x10): treat the directory descriptor as the root.
    RESOLVE_IN_ROOT = 0x10;

    // --- clone(2), unshare(2): include/uapi/linux/sched.h ---
    /// `CLONE_NEWTIME` (0x80, `unshare` and `clone3` only).
    CLONE_NEWTIME = 0x80;
    /// `CLONE_VM` (0x100).
    CLONE_VM = 0x100;
    /// `CLONE_FS` (0x200).
    CLONE_FS = 0x200;
    /// `CLONE_FILES` (0x400): share the descriptor table.
    CLONE_FILES = 0x400;
    /// `CLONE_SIGHAND` (0x800).
    CLONE_SIGHAND = 0x800;
    /// `CLONE_PIDFD` (0x1000).
    CLONE_PIDFD = 0x1000;
    /// `CLONE_PTRACE` (0x2000).
    CLONE_PTRACE = 0x2000;
    /// `CLONE_VFORK` (0x4000).
    CLONE_VFORK = 0x4000;
    /// `CLONE_PARENT` (0x8000).
    CLONE_PARENT = 0x8000;
    /// `CLONE_THREAD` (0x10000).
    CLONE_THREAD = 0x10000;
    /// `CLONE_NEWNS` (0x20000).
    CLONE_NEWNS = 0x20000;
    /// `CLONE_SYSVSEM` (0x40000).
    CLONE_SYSVSEM = 0x40000;
    /// `CLONE_SETTLS` (0x80000).
    CLONE_SETTLS = 0x80000;
    /// `CLONE_PARENT_SETTID` (0x100000).
    CLONE_PARENT_SETTID = 0x100000;
    /// `CLONE_CHILD_CLEARTID` (0x200000).
    CLONE_CHILD_CLEARTID = 0x200000;
    /// `CLONE_DETACHED` (0x400000, ignored by Linux).
    CLONE_DETACHED = 0x400000;
    /// `CLONE_UNTRACED` (0x800000).
    CLONE_UNTRACED = 0x800000;
    /// `CLONE_CHILD_SETTID` (0x1000000).
    CLONE_CHILD_SETTID = 0x1000000;
    /// `CLONE_NEWCGROUP` (0x2000000).
    CLONE_NEWCGROUP = 0x2000000;
    /// `CLONE_NEWUTS` (0x4000000).
    CLONE_NEWUTS = 0x4000000;
    /// `CLONE_NEWIPC` (0x8000000).
    CLONE_NEWIPC = 0x8000000;
    /// `CLONE_NEWUSER` (0x10000000).
    CLONE_NEWUSER = 0x10000000;
    /// `CLONE_NEWPID` (0x20000000).
    CLONE_NEWPID = 0x20000000;
    /// `CLONE_NEWNET` (0x40000000).
    CLONE_NEWNET = 0x40000000;
    /// `CLONE_IO` (0x80000000).
    CLONE_IO = 0x80000000;
    /// `CLONE_CLEAR_SIGHAND` (`clone3` only).
    CLONE_CLEAR_SIGHAND = 0x1_0000_0000;
    /// `CLONE_INTO_CGROUP` (`clone3` only).
    CLONE_INTO_CGROUP = 0x2_0000_0000;

    // --- close_range(2): include/uapi/linux/close_range.h ---
    /// `CLOSE_RANGE_UNSHARE` (2).
    CLOSE_RANGE_UNSHARE = 2;
    /// `CLOSE_RANGE_CLOEXEC` (4).
    CLOSE_RANGE_CLOEXEC = 4;

    // --- sockets: include/linux/net.h, include/linux/socket.h ---
    /// `SOCK_STREAM` (1).
    SOCK_STREAM = 1;
    /// `SOCK_DGRAM` (2).
    SOCK_DGRAM = 2;
    /// `SOCK_RAW` (3).
    SOCK_RAW = 3;
    /// `SOCK_RDM` (4).
    SOCK_RDM = 4;
    /// `SOCK_SEQPACKET` (5).
    SOCK_SEQPACKET = 5;
    /// `SOCK_DCCP` (6).
    SOCK_DCCP = 6;
    /// `SOCK_PACKET` (10).
    SOCK_PACKET = 10;
    /// `SOCK_CLOEXEC` (`O_CLOEXEC`).
    SOCK_CLOEXEC = O_CLOEXEC;
    /// `SOCK_NONBLOCK` (`O_NONBLOCK`).
    SOCK_NONBLOCK = O_NONBLOCK;
    /// `MSG_CMSG_CLOEXEC` (0x40000000): `recvmsg` sets close-on-exec on received descriptors.
    MSG_CMSG_CLOEXEC = 0x4000_0000;
    /// `SOL_SOCKET` (1).
    SOL_SOCKET = 1;
    /// `SCM_RIGHTS` (1): a control message carrying descriptors.
    SCM_RIGHTS = 1;
    /// `AF_UNSPEC` (0).
    AF_UNSPEC = 0;
    /// `AF_UNIX` (1).
    AF_UNIX = 1;
    /// `AF_LOCAL`: alias of `AF_UNIX`.
    AF_LOCAL = AF_UNIX;
    /// `AF_FILE`: alias of `AF_UNIX`.
    AF_FILE = AF_UNIX;
    /// `PF_UNIX`: alias of `AF_UNIX`.
    PF_UNIX = AF_UNIX;
    /// `PF_LOCAL`: alias of `AF_UNIX`.
    PF_LOCAL = AF_UNIX;
    /// `AF_INET` (2).
    AF_INET = 2;
    /// `PF_INET`: alias of `AF_INET`.
    PF_INET = AF_INET;
    /// `AF_AX25` (3).
    AF_AX25 = 3;
    /// `AF_IPX` (4).
    AF_IPX = 4;
    /// `AF_APPLETALK` (5).
    AF_APPLETALK = 5;
    /// `AF_NETROM` (6).
    AF_NETROM = 6;
    /// `AF_BRIDGE` (7).
    AF_BRIDGE = 7;
    /// `AF_ATMPVC` (8).
    AF_ATMPVC = 8;
    /// `AF_X25` (9).
    AF_X25 = 9;
    /// `AF_INET6` (10).
    AF_INET6 = 10;
    /// `PF_INET6`: alias of `AF_INET6`.
    PF_INET6 = AF_INET6;
    /// `AF_ROSE` (11).
    AF_ROSE = 11;
    /// `AF_DECnet` (12).
    AF_DECnet = 12;
    /// `AF_NETBEUI` (13).
    AF_NETBEUI = 13;
    /// `AF_SECURITY` (14).
    AF_SECURITY = 14;
    /// `AF_KEY` (15).
    AF_KEY = 15;
    /// `AF_NETLINK` (16).
    AF_NETLINK = 16;
    /// `AF_PACKET` (17).
    AF_PACKET = 17;
    /// `AF_ASH` (18).
    AF_ASH = 18;
    /// `AF_ECONET` (19).
    AF_ECONET = 19;
    /// `AF_ATMSVC` (20).
    AF_ATMSVC = 20;
    /// `AF_RDS` (21).
    AF_RDS = 21;
    /// `AF_SNA` (22).
    AF_SNA = 22;
    /// `AF_IRDA` (23).
    AF_IRDA = 23;
    /// `AF_PPPOX` (24).
    AF_PPPOX = 24;
    /// `AF_WANPIPE` (25).
    AF_WANPIPE = 25;
    /// `AF_LLC` (26).
    AF_LLC = 26;
    /// `AF_IB` (27).
    AF_IB = 27;
    /// `AF_MPLS` (28).
    AF_MPLS = 28;
    /// `AF_CAN` (29).
    AF_CAN = 29;
    /// `AF_TIPC` (30).
    AF_TIPC = 30;
    /// `AF_BLUETOOTH` (31).
    AF_BLUETOOTH = 31;
    /// `AF_IUCV` (32).
    AF_IUCV = 32;
    /// `AF_RXRPC` (33).
    AF_RXRPC = 33;
    /// `AF_ISDN` (34).
    AF_ISDN = 34;
    /// `AF_PHONET` (35).
    AF_PHONET = 35;
    /// `AF_IEEE802154` (36).
    AF_IEEE802154 = 36;
    /// `AF_CAIF` (37).
    AF_CAIF = 37;
    /// `AF_ALG` (38).
    AF_ALG = 38;
    /// `AF_NFC` (39).
    AF_NFC = 39;
    /// `AF_VSOCK` (40).
    AF_VSOCK = 40;
    /// `AF_KCM` (41).
    AF_KCM = 41;
    /// `AF_QIPCRTR` (42).
    AF_QIPCRTR = 42;
    /// `AF_SMC` (43).
    AF_SMC = 43;
    /// `AF_XDP` (44).
    AF_XDP = 44;
    /// `AF_MCTP` (45).
    AF_MCTP = 45;

    // --- descriptor-creating calls' flags ---
    /// `EFD_SEMAPHORE` (1): include/uapi/linux/eventfd.h.
    EFD_SEMAPHORE = 1;
    /// `EFD_CLOEXEC` (`O_CLOEXEC`).
    EFD_CLOEXEC = O_CLOEXEC;
    /// `EFD_NONBLOCK` (`O_NONBLOCK`).
    EFD_NONBLOCK = O_NONBLOCK;
    /// `MFD_CLOEXEC` (1): include/uapi/linux/memfd.h.
    MFD_CLOEXEC = 1;
    /// `MFD_ALLOW_SEALING` (2).
    MFD_ALLOW_SEALING = 2;
    /// `MFD_HUGETLB` (4).
    MFD_HUGETLB = 4;
    /// `MFD_NOEXEC_SEAL` (8).
    MFD_NOEXEC_SEAL = 8;
    /// `MFD_EXEC` (0x10).
    MFD_EXEC = 0x10;
    /// `EPOLL_CLOEXEC` (`O_CLOEXEC`): include/uapi/linux/eventpoll.h.
    EPOLL_CLOEXEC = O_CLOEXEC;
    /// `TFD_CLOEXEC` (`O_CLOEXEC`): include/uapi/linux/timerfd.h.
    TFD_CLOEXEC = O_CLOEXEC;
    /// `TFD_NONBLOCK` (`O_NONBLOCK`).
    TFD_NONBLOCK = O_NONBLOCK;
    /// `SFD_CLOEXEC` (`O_CLOEXEC`): include/uapi/linux/signalfd.h.
    SFD_CLOEXEC = O_CLOEXEC;
    /// `SFD_NONBLOCK` (`O_NONBLOCK`).
    SFD_NONBLOCK = O_NONBLOCK;
    /// `IN_CLOEXEC` (`O_CLOEXEC`): include/uapi/linux/inotify.h.
    IN_CLOEXEC = O_CLOEXEC;
    /// `IN_NONBLOCK` (`O_NONBLOCK`).
    IN_NONBLOCK = O_NONBLOCK;
    /// `FAN_CLOEXEC` (1): include/uapi/linux/fanotify.h.
    FAN_CLOEXEC = 1;
    /// `FAN_NONBLOCK` (2).
    FAN_NONBLOCK = 2;
    /// `PERF_FLAG_FD_CLOEXEC` (8): include/uapi/linux/perf_event.h.
    PERF_FLAG_FD_CLOEXEC = 8;
    /// `FSOPEN_CLOEXEC` (1): include/uapi/linux/mount.h.
    FSOPEN_CLOEXEC = 1;
    /// `FSPICK_CLOEXEC` (1).
    FSPICK_CLOEXEC = 1;
    /// `FSMOUNT_CLOEXEC` (1).
    FSMOUNT_CLOEXEC = 1;
    /// `OPEN_TREE_CLONE` (1).
    OPEN_TREE_CLONE = 1;
    /// `OPEN_TREE_CLOEXEC` (`O_CLOEXEC`).
    OPEN_TREE_CLOEXEC = O_CLOEXEC;
    /// `LANDLOCK_CREATE_RULESET_VERSION` (1): include/uapi/linux/landlock.h.
    LANDLOCK_CREATE_RULESET_VERSION = 1;

    // --- mmap(2): include/uapi/asm-generic/mman-common.h ---
    /// `MAP_SHARED` (1).
    MAP_SHARED = 1;
    /// `MAP_PRIVATE` (2).
    MAP_PRIVATE = 2;
    /// `MAP_FIXED` (0x10).
    MAP_FIXED = 0x10;
    /// `MAP_ANONYMOUS` (0x20).
    MAP_ANONYMOUS = 0x20;

    // --- waitid(2) id types: include/uapi/linux/wait.h ---
    /// `P_ALL` (0).
    P_ALL = 0;
    /// `P_PID` (1).
    P_PID = 1;
    /// `P_PGID` (2).
    P_PGID = 2;
    /// `P_PIDFD` (3).
    P_PIDFD = 3;

    // --- lseek(2): include/uapi/linux/fs.h ---
    /// `SEEK_SET` (0).
    SEEK_SET = 0;
    /// `SEEK_CUR` (1).
    SEEK_CUR = 1;
    /// `SEEK_END` (2).
    SEEK_END = 2;
    /// `SEEK_DATA` (3).
    SEEK_DATA = 3;
    /// `SEEK_HOLE` (4).
    SEEK_HOLE = 4;

    // --- resource limits: include/uapi/asm-generic/resource.h ---
    /// `RLIMIT_CPU` (0).
    RLIMIT_CPU = 0;
    /// `RLIMIT_FSIZE` (1).
    RLIMIT_FSIZE = 1;
    /// `RLIMIT_DATA` (2).
    RLIMIT_DATA = 2;
    /// `RLIMIT_STACK` (3).
    RLIMIT_STACK = 3;
    /// `RLIMIT_CORE` (4).
    RLIMIT_CORE = 4;
    /// `RLIMIT_RSS` (5).
    RLIMIT_RSS = 5;
    /// `RLIMIT_NPROC` (6).
    RLIMIT_NPROC = 6;
    /// `RLIMIT_NOFILE` (7): the descriptor limit.
    RLIMIT_NOFILE = 7;
    /// `RLIMIT_MEMLOCK` (8).
    RLIMIT_MEMLOCK = 8;
    /// `RLIMIT_AS` (9).
    RLIMIT_AS = 9;
    /// `RLIMIT_LOCKS` (10).
    RLIMIT_LOCKS = 10;
    /// `RLIMIT_SIGPENDING` (11).
    RLIMIT_SIGPENDING = 11;
    /// `RLIMIT_MSGQUEUE` (12).
    RLIMIT_MSGQUEUE = 12;
    /// `RLIMIT_NICE` (13).
    RLIMIT_NICE = 13;
    /// `RLIMIT_RTPRIO` (14).
    RLIMIT_RTPRIO = 14;
    /// `RLIMIT_RTTIME` (15).
    RLIMIT_RTTIME = 15;
    /// `RLIM64_INFINITY`: no limit (strace's name in `prlimit64`).
    RLIM64_INFINITY = u64::MAX;
    /// `RLIM_INFINITY`: no limit.
    RLIM_INFINITY = u64::MAX;

    // --- ioctl requests: include/uapi/asm-generic/ioctls.h ---
    /// `TCGETS` (0x5401).
    TCGETS = 0x5401;
    /// `TCSETS` (0x5402).
    TCSETS = 0x5402;
    /// `TIOCSCTTY` (0x540e).
    TIOCSCTTY = 0x540e;
    /// `TIOCGPGRP` (0x540f).
    TIOCGPGRP = 0x540f;
    /// `TIOCSPGRP` (0x5410).
    TIOCSPGRP = 0x5410;
    /// `TIOCGWINSZ` (0x5413).
    TIOCGWINSZ = 0x5413;
    /// `TIOCSWINSZ` (0x5414).
    TIOCSWINSZ = 0x5414;
    /// `FIONREAD` (0x541b).
    FIONREAD = 0x541b;
    /// `FIONBIO` (0x5421).
    FIONBIO = 0x5421;
    /// `TIOCGPTPEER` (0x5441, `_IO('T', 0x41)`): open the peer of a pty master.
    TIOCGPTPEER = 0x5441;
    /// `FIONCLEX` (0x5450): clear close-on-exec.
    FIONCLEX = 0x5450;
    /// `FIOCLEX` (0x5451): set close-on-exec.
    FIOCLEX = 0x5451;
    /// `FIOASYNC` (0x5452).
    FIOASYNC = 0x5452;
    /// `_IOC_NONE` (0): the `_IOC` direction "no data".
    _IOC_NONE = 0;
    /// `_IOC_WRITE` (1).
    _IOC_WRITE = 1;
    /// `_IOC_READ` (2).
    _IOC_READ = 2;

    // --- wait4(2) options: include/uapi/linux/wait.h ---
    /// `WNOHANG` (1).
    WNOHANG = 1;
    /// `WSTOPPED` (2).
    WSTOPPED = 2;
    /// `WUNTRACED`: alias of `WSTOPPED`.
    WUNTRACED = WSTOPPED;
    /// `WEXITED` (4).
    WEXITED = 4;
    /// `WCONTINUED` (8).
    WCONTINUED = 8;
    /// `WNOWAIT` (0x1000000).
    WNOWAIT = 0x1000000;
    /// `__WNOTHREAD` (0x20000000).
    __WNOTHREAD = 0x20000000;
    /// `__WALL` (0x40000000).
    __WALL = 0x40000000;
    /// `__WCLONE` (0x80000000).
    __WCLONE = 0x80000000;

    // --- signals: arch/x86/include/uapi/asm/signal.h ---
    /// `SIGHUP` (1).
    SIGHUP = 1;
    /// `SIGINT` (2).
    SIGINT = 2;
    /// `SIGQUIT` (3).
    SIGQUIT = 3;
    /// `SIGILL` (4).
    SIGILL = 4;
    /// `SIGTRAP` (5).
    SIGTRAP = 5;
    /// `SIGABRT` (6).
    SIGABRT = 6;
    /// `SIGIOT`: alias of `SIGABRT`.
    SIGIOT = SIGABRT;
    /// `SIGBUS` (7).
    SIGBUS = 7;
    /// `SIGFPE` (8).
    SIGFPE = 8;
    /// `SIGKILL` (9).
    SIGKILL = 9;
    /// `SIGUSR1` (10).
    SIGUSR1 = 10;
    /// `SIGSEGV` (11).
    SIGSEGV = 11;
    /// `SIGUSR2` (12).
    SIGUSR2 = 12;
    /// `SIGPIPE` (13).
    SIGPIPE = 13;
    /// `SIGALRM` (14).
    SIGALRM = 14;
    /// `SIGTERM` (15).
    SIGTERM = 15;
    /// `SIGSTKFLT` (16).
    SIGSTKFLT = 16;
    /// `SIGCHLD` (17).
    SIGCHLD = 17;
    /// `SIGCLD`: alias of `SIGCHLD`.
    SIGCLD = SIGCHLD;
    /// `SIGCONT` (18).
    SIGCONT = 18;
    /// `SIGSTOP` (19).
    SIGSTOP = 19;
    /// `SIGTSTP` (20).
    SIGTSTP = 20;
    /// `SIGTTIN` (21).
    SIGTTIN = 21;
    /// `SIGTTOU` (22).
    SIGTTOU = 22;
    /// `SIGURG` (23).
    SIGURG = 23;
    /// `SIGXCPU` (24).
    SIGXCPU = 24;
    /// `SIGXFSZ` (25).
    SIGXFSZ = 25;
    /// `SIGVTALRM` (26).
    SIGVTALRM = 26;
    /// `SIGPROF` (27).
    SIGPROF = 27;
    /// `SIGWINCH` (28).
    SIGWINCH = 28;
    /// `SIGIO` (29).
    SIGIO = 29;
    /// `SIGPOLL`: alias of `SIGIO`.
    SIGPOLL = SIGIO;
    /// `SIGPWR` (30).
    SIGPWR = 30;
    /// `SIGSYS` (31).
    SIGSYS = 31;
    /// `SIGRTMIN` (32); 33 and up print as `SIGRT_1` … (see [`signal_name`]).
    SIGRTMIN = 32;

    // --- st_mode: include/uapi/linux/stat.h ---
    /// `S_IFSOCK` (0140000).
    S_IFSOCK = 0o140000;
    /// `S_IFLNK` (0120000).
    S_IFLNK = 0o120000;
    /// `S_IFREG` (0100000).
    S_IFREG = 0o100000;
    /// `S_IFBLK` (060000).
    S_IFBLK = 0o60000;
    /// `S_IFDIR` (040000).
    S_IFDIR = 0o40000;
    /// `S_IFCHR` (020000).
    S_IFCHR = 0o20000;
    /// `S_IFIFO` (010000).
    S_IFIFO = 0o10000;
    /// `S_ISUID` (04000).
    S_ISUID = 0o4000;
    /// `S_ISGID` (02000).
    S_ISGID = 0o2000;
    /// `S_ISVTX` (01000).
    S_ISVTX = 0o1000;
}

/// `CSIGNAL` (0xff): the low byte of `clone`'s flags, the exit signal
/// (include/uapi/linux/sched.h).
pub const CSIGNAL: u64 = 0xff;
/// `SOCK_TYPE_MASK` (0xf): the socket type in `socket`'s type word (include/linux/net.h).
pub const SOCK_TYPE_MASK: u64 = 0xf;
/// `S_IFMT` (0170000): the file-type bits of `st_mode`.
pub const S_IFMT: u64 = 0o170000;
/// `_NSIG` (64): signals are 1 to 64.
pub const NSIG: u64 = 64;
/// `O_CREAT | __O_TMPFILE`: the open flags that make `open` read (and strace print)
/// the mode argument.
pub const OPEN_WITH_MODE: u64 = O_CREAT | __O_TMPFILE;

/// One flag word or value kind, as strace decodes it: its names in strace's print
/// order, plus aliases accepted when parsing.
#[derive(Debug)]
pub struct FlagSet {
    /// strace's `xlat` table this follows (`open_mode_flags`, `fcntlcmds` …).
    pub name: &'static str,
    /// How strace names an unknown value of this kind, without the `???`:
    /// `O_` gives `0x8 /* O_??? */`.
    pub unknown: &'static str,
    /// Names and values, in the order strace tries them.
    pub flags: &'static [(&'static str, u64)],
    /// Names accepted when parsing but never printed (glibc aliases, 64-bit twins).
    pub aliases: &'static [(&'static str, u64)],
}

impl FlagSet {
    /// The printed name of exactly `value`, if it has one (strace `xlookup`).
    pub fn name_of(&self, value: u64) -> Option<&'static str> {
        self.flags
            .iter()
            .find(|(_, v)| *v == value)
            .map(|(n, _)| *n)
    }

    /// The value of `name`, a printed name or an alias; allocates nothing.
    #[inline]
    pub fn value_of(&self, name: &str) -> Option<u64> {
        // Byte by byte after the length: names are short, and the replay looks up
        // every flag of every call it checks, where a call to `memcmp` costs more.
        let b = name.as_bytes();
        self.flags
            .iter()
            .chain(self.aliases)
            .find(|(n, _)| {
                let n = n.as_bytes();
                n.len() == b.len() && n.iter().zip(b).all(|(x, y)| x == y)
            })
            .map(|(_, v)| *v)
    }

    /// The names strace prints for the bits of `value`, in print order, and the bits
    /// no name covers (strace `printflags`: a name is taken when all its bits are set).
    pub fn split(&self, value: u64) -> (Vec<&'static str>, u64) {
        let mut rest = value;
        let mut names = Vec::new();
        for (name, bits) in self.flags {
            if *bits != 0 && rest & bits == *bits {
                names.push(*name);
                rest &= !bits;
            }
        }
        (names, rest)
    }

    /// `value` as strace prints a flag word: `A|B|0x8`, `0x8 /* O_??? */` when no
    /// name applies, `0` for zero.
    pub fn format_flags(&self, value: u64) -> String {
        if value == 0 {
            return "0".to_string();
        }
        let (names, rest) = self.split(value);
        if names.is_empty() {
            return self.format_unknown(rest);
        }
        let mut text = names.join("|");
        if rest != 0 {
            text.push_str(&format!("|{rest:#x}"));
        }
        text
    }

    /// `value` as strace prints one value of the kind (`printxval`): its name, or
    /// `0x63 /* RLIMIT_??? */`.
    pub fn format_value(&self, value: u64) -> String {
        match self.name_of(value) {
            Some(name) => name.to_string(),
            None => self.format_unknown(value),
        }
    }

    /// `0x8 /* O_??? */`.
    pub fn format_unknown(&self, value: u64) -> String {
        format!("{value:#x} /* {}??? */", self.unknown)
    }
}

/// `O_RDONLY` …: the access mode, the two low bits of the open flags (strace
/// `open_access_modes`).
pub const OPEN_ACCESS: FlagSet = FlagSet {
    name: "open_access_modes",
    unknown: "O_",
    flags: entries![O_RDONLY, O_WRONLY, O_RDWR, O_ACCMODE],
    aliases: &[],
};

/// The other open flags (strace `open_mode_flags`); also `dup3`, `pipe2`, `F_SETFL`
/// and `F_GETFL`'s flags.
pub const OPEN_FLAGS: FlagSet = FlagSet {
    name: "open_mode_flags",
    unknown: "O_",
    flags: entries![
        O_CREAT,
        O_EXCL,
        O_NOCTTY,
        O_TRUNC,
        O_APPEND,
        O_NONBLOCK,
        O_SYNC,
        __O_SYNC,
        O_DSYNC,
        O_DIRECT,
        O_LARGEFILE,
        O_NOFOLLOW,
        O_NOATIME,
        O_CLOEXEC,
        O_PATH,
        O_TMPFILE,
        __O_TMPFILE,
        O_DIRECTORY,
        FASYNC,
    ],
    aliases: entries![O_NDELAY, O_ASYNC, O_FSYNC, O_RSYNC],
};

/// `AT_FDCWD`, the one named directory descriptor.
pub const AT_DIRFD: FlagSet = FlagSet {
    name: "at_fdcwd",
    unknown: "AT_",
    flags: entries![AT_FDCWD],
    aliases: &[],
};

/// `*at` flags (strace `at_flags`).
pub const AT_FLAGS: FlagSet = FlagSet {
    name: "at_flags",
    unknown: "AT_",
    flags: entries![
        AT_SYMLINK_NOFOLLOW,
        AT_REMOVEDIR,
        AT_SYMLINK_FOLLOW,
        AT_NO_AUTOMOUNT,
        AT_EMPTY_PATH,
        AT_RECURSIVE,
    ],
    aliases: entries![AT_EACCESS],
};

/// Descriptor flags (`F_SETFD`, the `F_GETFD` result; strace `fdflags`).
pub const FD_FLAGS: FlagSet = FlagSet {
    name: "fdflags",
    unknown: "FD_",
    flags: entries![FD_CLOEXEC],
    aliases: &[],
};

/// `fcntl` commands (strace `fcntlcmds`, which has no names for the write-life hints).
pub const FCNTL_CMDS: FlagSet = FlagSet {
    name: "fcntlcmds",
    unknown: "F_",
    flags: entries![
        F_DUPFD,
        F_GETFD,
        F_SETFD,
        F_GETFL,
        F_SETFL,
        F_GETLK,
        F_SETLK,
        F_SETLKW,
        F_SETOWN,
        F_GETOWN,
        F_SETSIG,
        F_GETSIG,
        F_SETOWN_EX,
        F_GETOWN_EX,
        F_GETOWNER_UIDS,
        F_OFD_GETLK,
        F_OFD_SETLK,
        F_OFD_SETLKW,
        F_SETLEASE,
        F_GETLEASE,
        F_NOTIFY,
        F_DUPFD_QUERY,
        F_CREATED_QUERY,
        F_CANCELLK,
        F_DUPFD_CLOEXEC,
        F_SETPIPE_SZ,
        F_GETPIPE_SZ,
        F_ADD_SEALS,
        F_GET_SEALS,
    ],
    aliases: entries![
        F_GETLK64,
        F_SETLK64,
        F_SETLKW64,
        F_GET_RW_HINT,
        F_SET_RW_HINT,
        F_GET_FILE_RW_HINT,
        F_SET_FILE_RW_HINT,
    ],
};

/// `clone` flags, without the exit signal in the low byte (strace `clone_flags`).
pub const CLONE_FLAGS: FlagSet = FlagSet {
    name: "clone_flags",
    unknown: "CLONE_",
    flags: entries![
        CLONE_VM,
        CLONE_FS,
        CLONE_FILES,
        CLONE_SIGHAND,
        CLONE_PIDFD,
        CLONE_PTRACE,
        CLONE_VFORK,
        CLONE_PARENT,
        CLONE_THREAD,
        CLONE_NEWNS,
        CLONE_SYSVSEM,
        CLONE_SETTLS,
        CLONE_PARENT_SETTID,
        CLONE_CHILD_CLEARTID,
        CLONE_UNTRACED,
        CLONE_CHILD_SETTID,
        CLONE_NEWCGROUP,
        CLONE_NEWUTS,
        CLONE_NEWIPC,
        CLONE_NEWUSER,
        CLONE_NEWPID,
        CLONE_NEWNET,
        CLONE_IO,
    ],
    aliases: entries![CLONE_DETACHED, CLONE_CLEAR_SIGHAND, CLONE_INTO_CGROUP],
};

/// `unshare` flags (strace `unshare_flags`).
pub const UNSHARE_FLAGS: FlagSet = FlagSet {
    name: "unshare_flags",
    unknown: "CLONE_",
    flags: entries![
        CLONE_NEWTIME,
        CLONE_VM,
        CLONE_FS,
        CLONE_FILES,
        CLONE_SIGHAND,
        CLONE_THREAD,
        CLONE_NEWNS,
        CLONE_SYSVSEM,
        CLONE_NEWCGROUP,
        CLONE_NEWUTS,
        CLONE_NEWIPC,
        CLONE_NEWUSER,
        CLONE_NEWPID,
        CLONE_NEWNET,
    ],
    aliases: &[],
};

/// `close_range` flags (strace `close_range_flags`).
pub const CLOSE_RANGE_FLAGS: FlagSet = FlagSet {
    name: "close_range_flags",
    unknown: "CLOSE_RANGE_",
    flags: entries![CLOSE_RANGE_UNSHARE, CLOSE_RANGE_CLOEXEC],
    aliases: &[],
};

/// Socket types, the low four bits of `socket`'s type (strace `socktypes`).
pub const SOCK_TYPES: FlagSet = FlagSet {
    name: "socktypes",
    unknown: "SOCK_",
    flags: entries![
        SOCK_STREAM,
        SOCK_DGRAM,
        SOCK_RAW,
        SOCK_RDM,
        SOCK_SEQPACKET,
        SOCK_DCCP,
        SOCK_PACKET,
    ],
    aliases: &[],
};

/// The bits of a socket type outside [`SOCK_TYPE_MASK`] (strace `sock_type_flags`).
pub const SOCK_TYPE_FLAGS: FlagSet = FlagSet {
    name: "sock_type_flags",
    unknown: "SOCK_",
    flags: entries![SOCK_CLOEXEC, SOCK_NONBLOCK],
    aliases: &[],
};

/// `recvmsg` flags fdkit reads (strace `msg_flags`).
pub const MSG_FLAGS: FlagSet = FlagSet {
    name: "msg_flags",
    unknown: "MSG_",
    flags: entries![MSG_CMSG_CLOEXEC],
    aliases: &[],
};

/// Socket option levels fdkit reads (strace `socketlayers`).
pub const SOCKET_LEVELS: FlagSet = FlagSet {
    name: "socketlayers",
    unknown: "SOL_",
    flags: entries![SOL_SOCKET],
    aliases: &[],
};

/// `SOL_SOCKET` control-message types fdkit reads (strace `scmvals`).
pub const SCM_TYPES: FlagSet = FlagSet {
    name: "scmvals",
    unknown: "SCM_",
    flags: entries![SCM_RIGHTS],
    aliases: &[],
};

/// Address families (strace `addrfams`).
pub const ADDRESS_FAMILIES: FlagSet = FlagSet {
    name: "addrfams",
    unknown: "AF_",
    flags: entries![
        AF_UNSPEC,
        AF_UNIX,
        AF_INET,
        AF_AX25,
        AF_IPX,
        AF_APPLETALK,
        AF_NETROM,
        AF_BRIDGE,
        AF_ATMPVC,
        AF_X25,
        AF_INET6,
        AF_ROSE,
        AF_DECnet,
        AF_NETBEUI,
        AF_SECURITY,
        AF_KEY,
        AF_NETLINK,
        AF_PACKET,
        AF_ASH,
        AF_ECONET,
        AF_ATMSVC,
        AF_RDS,
        AF_SNA,
        AF_IRDA,
        AF_PPPOX,
        AF_WANPIPE,
        AF_LLC,
        AF_IB,
        AF_MPLS,
        AF_CAN,
        AF_TIPC,
        AF_BLUETOOTH,
        AF_IUCV,
        AF_RXRPC,
        AF_ISDN,
        AF_PHONET,
        AF_IEEE802154,
        AF_CAIF,
        AF_ALG,
        AF_NFC,
        AF_VSOCK,
        AF_KCM,
        AF_QIPCRTR,
        AF_SMC,
        AF_XDP,
        AF_MCTP,
    ],
    aliases: entries![AF_LOCAL, AF_FILE, PF_UNIX, PF_LOCAL, PF_INET, PF_INET6],
};

/// `eventfd2` flags (strace `efd_flags`).
pub const EFD_FLAGS: FlagSet = FlagSet {
    name: "efd_flags",
    unknown: "EFD_",
    flags: entries![EFD_SEMAPHORE, EFD_CLOEXEC, EFD_NONBLOCK],
    aliases: &[],
};

/// `memfd_create` flags (strace `memfd_create_flags`).
pub const MFD_FLAGS: FlagSet = FlagSet {
    name: "memfd_create_flags",
    unknown: "MFD_",
    flags: entries![
        MFD_CLOEXEC,
        MFD_ALLOW_SEALING,
        MFD_HUGETLB,
        MFD_NOEXEC_SEAL,
        MFD_EXEC
    ],
    aliases: &[],
};

/// `epoll_create1` flags (strace `epollflags`).
pub const EPOLL_FLAGS: FlagSet = FlagSet {
    name: "epollflags",
    unknown: "EPOLL_",
    flags: entries![EPOLL_CLOEXEC],
    aliases: &[],
};

/// `timerfd_create` flags (strace `timerfdflags`).
pub const TFD_FLAGS: FlagSet = FlagSet {
    name: "timerfdflags",
    unknown: "TFD_",
    flags: entries![TFD_CLOEXEC, TFD_NONBLOCK],
    aliases: &[],
};

/// `signalfd4` flags (strace `sfd_flags`).
pub const SFD_FLAGS: FlagSet = FlagSet {
    name: "sfd_flags",
    unknown: "SFD_",
    flags: entries![SFD_CLOEXEC, SFD_NONBLOCK],
    aliases: &[],
};

/// `inotify_init1` flags (strace `inotify_init_flags`).
pub const IN_INIT_FLAGS: FlagSet = FlagSet {
    name: "inotify_init_flags",
    unknown: "IN_",
    flags: entries![IN_CLOEXEC, IN_NONBLOCK],
    aliases: &[],
};

/// `fanotify_init` flags fdkit reads (strace `fan_init_flags`).
pub const FAN_INIT_FLAGS: FlagSet = FlagSet {
    name: "fan_init_flags",
    unknown: "FAN_",
    flags: entries![FAN_CLOEXEC, FAN_NONBLOCK],
    aliases: &[],
};

/// `perf_event_open` flags fdkit reads (strace `perf_event_open_flags`).
pub const PERF_FLAGS: FlagSet = FlagSet {
    name: "perf_event_open_flags",
    unknown: "PERF_FLAG_",
    flags: entries![PERF_FLAG_FD_CLOEXEC],
    aliases: &[],
};

/// The new mount API's close-on-exec flags (`fsopen`, `fspick`, `fsmount`,
/// `open_tree`; strace `fsopen_flags` …).
pub const MOUNT_API_FLAGS: FlagSet = FlagSet {
    name: "fsopen_flags",
    unknown: "",
    flags: entries![
        FSOPEN_CLOEXEC,
        FSPICK_CLOEXEC,
        FSMOUNT_CLOEXEC,
        OPEN_TREE_CLONE,
        OPEN_TREE_CLOEXEC,
    ],
    aliases: &[],
};

/// `landlock_create_ruleset` flags (strace `landlock_create_ruleset_flags`).
pub const LANDLOCK_FLAGS: FlagSet = FlagSet {
    name: "landlock_create_ruleset_flags",
    unknown: "LANDLOCK_",
    flags: entries![LANDLOCK_CREATE_RULESET_VERSION],
    aliases: &[],
};

/// `mmap` flags fdkit reads (strace `mmap_flags`).
pub const MAP_FLAGS: FlagSet = FlagSet {
    name: "mmap_flags",
    unknown: "MAP_",
    flags: entries![MAP_SHARED, MAP_PRIVATE, MAP_FIXED, MAP_ANONYMOUS],
    aliases: &[],
};

/// `waitid` id types (strace `waitid_types`).
pub const ID_TYPES: FlagSet = FlagSet {
    name: "waitid_types",
    unknown: "P_",
    flags: entries![P_ALL, P_PID, P_PGID, P_PIDFD],
    aliases: &[],
};

/// Resource numbers of `getrlimit`, `setrlimit`, `prlimit64` (strace `resources`).
pub const RESOURCES: FlagSet = FlagSet {
    name: "resources",
    unknown: "RLIMIT_",
    flags: entries![
        RLIMIT_CPU,
        RLIMIT_FSIZE,
        RLIMIT_DATA,
        RLIMIT_STACK,
        RLIMIT_CORE,
        RLIMIT_RSS,
        RLIMIT_NPROC,
        RLIMIT_NOFILE,
        RLIMIT_MEMLOCK,
        RLIMIT_AS,
        RLIMIT_LOCKS,
        RLIMIT_SIGPENDING,
        RLIMIT_MSGQUEUE,
        RLIMIT_NICE,
        RLIMIT_RTPRIO,
        RLIMIT_RTTIME,
    ],
    aliases: &[],
};

/// Named limit values (strace `print_rlim64_t`).
pub const RLIM_VALUES: FlagSet = FlagSet {
    name: "rlim64_t",
    unknown: "RLIM_",
    flags: entries![RLIM64_INFINITY],
    aliases: entries![RLIM_INFINITY],
};

/// `lseek` origins (strace `whence_codes`).
pub const WHENCE: FlagSet = FlagSet {
    name: "whence_codes",
    unknown: "SEEK_",
    flags: entries![SEEK_SET, SEEK_CUR, SEEK_END, SEEK_DATA, SEEK_HOLE],
    aliases: &[],
};

/// `ioctl` requests strace names that matter here; others print as `_IOC(...)`.
pub const IOCTLS: FlagSet = FlagSet {
    name: "ioctl_term",
    unknown: "",
    flags: entries![
        TCGETS,
        TCSETS,
        TIOCSCTTY,
        TIOCGPGRP,
        TIOCSPGRP,
        TIOCGWINSZ,
        TIOCSWINSZ,
        FIONREAD,
        FIONBIO,
        TIOCGPTPEER,
        FIONCLEX,
        FIOCLEX,
        FIOASYNC,
    ],
    aliases: &[],
};

/// The `_IOC` direction names.
pub const IOC_DIRS: FlagSet = FlagSet {
    name: "ioc_dirs",
    unknown: "_IOC_",
    flags: entries![_IOC_NONE, _IOC_WRITE, _IOC_READ],
    aliases: &[],
};

/// `wait4` options (strace `wait4_options`).
pub const WAIT_OPTIONS: FlagSet = FlagSet {
    name: "wait4_options",
    unknown: "W",
    flags: entries![
        WNOHANG,
        WEXITED,
        WSTOPPED,
        WCONTINUED,
        WNOWAIT,
        __WCLONE,
        __WALL,
        __WNOTHREAD,
    ],
    aliases: entries![WUNTRACED],
};

/// Signals 1 to 32 (`SIGRTMIN`); 33 and up are `SIGRT_1` … (see [`signal_name`]).
pub const SIGNALS: FlagSet = FlagSet {
    name: "signalent",
    unknown: "SIG",
    flags: entries![
        SIGHUP, SIGINT, SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGKILL, SIGUSR1,
        SIGSEGV, SIGUSR2, SIGPIPE, SIGALRM, SIGTERM, SIGSTKFLT, SIGCHLD, SIGCONT, SIGSTOP, SIGTSTP,
        SIGTTIN, SIGTTOU, SIGURG, SIGXCPU, SIGXFSZ, SIGVTALRM, SIGPROF, SIGWINCH, SIGIO, SIGPWR,
        SIGSYS, SIGRTMIN,
    ],
    aliases: entries![SIGIOT, SIGPOLL, SIGCLD],
};

/// File types in `st_mode` (strace `modetypes`).
pub const FILE_TYPES: FlagSet = FlagSet {
    name: "modetypes",
    unknown: "S_IF",
    flags: entries![S_IFSOCK, S_IFLNK, S_IFREG, S_IFBLK, S_IFDIR, S_IFCHR, S_IFIFO],
    aliases: &[],
};

/// The set-id and sticky bits of `st_mode` (strace `modeflags`).
pub const MODE_BITS: FlagSet = FlagSet {
    name: "modeflags",
    unknown: "S_I",
    flags: entries![S_ISUID, S_ISGID, S_ISVTX],
    aliases: &[],
};

/// Every flag set, in the order [`lookup`] searches them.
pub const ALL: &[&FlagSet] = &[
    &OPEN_ACCESS,
    &OPEN_FLAGS,
    &AT_DIRFD,
    &AT_FLAGS,
    &FD_FLAGS,
    &FCNTL_CMDS,
    &CLONE_FLAGS,
    &UNSHARE_FLAGS,
    &CLOSE_RANGE_FLAGS,
    &SOCK_TYPES,
    &SOCK_TYPE_FLAGS,
    &MSG_FLAGS,
    &SOCKET_LEVELS,
    &SCM_TYPES,
    &ADDRESS_FAMILIES,
    &EFD_FLAGS,
    &MFD_FLAGS,
    &EPOLL_FLAGS,
    &TFD_FLAGS,
    &SFD_FLAGS,
    &IN_INIT_FLAGS,
    &FAN_INIT_FLAGS,
    &PERF_FLAGS,
    &MOUNT_API_FLAGS,
    &LANDLOCK_FLAGS,
    &MAP_FLAGS,
    &ID_TYPES,
    &RESOURCES,
    &RLIM_VALUES,
    &WHENCE,
    &IOCTLS,
    &IOC_DIRS,
    &WAIT_OPTIONS,
    &SIGNALS,
    &FILE_TYPES,
    &MODE_BITS,
];

/// The value of a name in any set, as a C compiler sees the macros (one namespace):
/// `O_CLOEXEC`, `F_DUPFD_CLOEXEC`, `SIGCHLD`, `RLIMIT_NOFILE`, `AT_FDCWD` (the 64-bit
/// pattern of -100), `SIGRT_3` …
pub fn lookup(name: &str) -> Option<u64> {
    if let Some(n) = name.strip_prefix("SIGRT_") {
        let n: u64 = n.parse().ok()?;
        return (1..=NSIG - SIGRTMIN).contains(&n).then_some(SIGRTMIN + n);
    }
    ALL.iter().find_map(|set| set.value_of(name))
}

/// The name strace gives signal `n` (`SIGCHLD`, `SIGRTMIN`, `SIGRT_2`), if any.
pub fn signal_name(n: u64) -> Option<String> {
    match n {
        33..=NSIG => Some(format!("SIGRT_{}", n - SIGRTMIN)),
        _ => SIGNALS.name_of(n).map(str::to_owned),
    }
}

/// Open flags split as strace prints them (`tprint_open_modes`): the access-mode
/// name, the flag names in [`OPEN_FLAGS`] order, and the bits no name covers.
pub fn split_open_modes(value: u64) -> (&'static str, Vec<&'static str>, u64) {
    let access = OPEN_ACCESS
        .name_of(value & O_ACCMODE)
        .unwrap_or(name::O_ACCMODE);
    let (names, unknown) = OPEN_FLAGS.split(value & !O_ACCMODE);
    (access, names, unknown)
}

/// `O_RDWR|O_CREAT`: open flags as strace prints them, unknown bits as a trailing
/// `0x…` ([`split_open_modes`]).
pub fn open_modes(value: u64) -> String {
    let (access, names, unknown) = split_open_modes(value);
    let mut text = String::from(access);
    for n in names {
        text.push('|');
        text.push_str(n);
    }
    if unknown != 0 {
        text.push_str(&format!("|{unknown:#x}"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_their_identifiers() {
        assert_eq!(name::O_CLOEXEC, "O_CLOEXEC");
        assert_eq!(name::AF_DECnet, "AF_DECnet");
        assert_eq!(OPEN_FLAGS.value_of("O_CLOEXEC"), Some(0o2000000));
        assert_eq!(lookup("O_ASYNC"), Some(0o20000));
        assert_eq!(lookup("SIGRT_2"), Some(34));
        assert_eq!(lookup("SIGRT_0"), None);
        assert_eq!(lookup("AT_FDCWD"), Some(-100i64 as u64));
        assert_eq!(lookup("O_NOPE"), None);
    }

    #[test]
    fn prints_like_strace() {
        assert_eq!(
            open_modes(0o4030501),
            "O_WRONLY|O_CREAT|O_NOCTTY|O_SYNC|FASYNC"
        );
        assert_eq!(open_modes(0x8000_0000 | 1), "O_WRONLY|0x80000000");
        assert_eq!(open_modes(0o20200002), "O_RDWR|O_TMPFILE");
        assert_eq!(OPEN_FLAGS.format_flags(8), "0x8 /* O_??? */");
        assert_eq!(OPEN_FLAGS.format_flags(0), "0");
        assert_eq!(
            CLOSE_RANGE_FLAGS.format_flags(6),
            "CLOSE_RANGE_UNSHARE|CLOSE_RANGE_CLOEXEC"
        );
        assert_eq!(RESOURCES.format_value(99), "0x63 /* RLIMIT_??? */");
    }

    #[test]
    fn names_are_unique_within_each_set_and_agree_across_sets() {
        let mut seen: Vec<(&str, u64)> = Vec::new();
        for set in ALL {
            for (i, (a, _)) in set.flags.iter().enumerate() {
                assert!(set.flags[i + 1..].iter().all(|(b, _)| a != b), "{a} twice");
            }
            for &(n, v) in set.flags.iter().chain(set.aliases) {
                if let Some(&(_, w)) = seen.iter().find(|(m, _)| *m == n) {
                    assert_eq!(v, w, "{n} has two values");
                }
                seen.push((n, v));
            }
        }
    }
}

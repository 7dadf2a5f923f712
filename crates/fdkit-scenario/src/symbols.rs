//! strace's names for constants and flag bits, with their Linux x86-64 values.
//!
//! Every table lists its names in the order strace tries them when it prints a flag
//! word (strace `src/xlat/*.in`), because that order decides the output:
//! `O_SYNC` is tried before `O_DSYNC`, so `0o4010000` prints as `O_SYNC`, not
//! `__O_SYNC|O_DSYNC`. Parsing looks a name up in every table at once ([`lookup`]),
//! as a C compiler would: the names are macros in one namespace, so
//! `fcntl(3, F_SETFD, O_CLOEXEC)` means what it means in C (bit 0 is clear, so it
//! *clears* close-on-exec), and the model runs exactly that.

/// One table: the names of one kind of argument, in strace's print order.
#[derive(Debug)]
pub struct Xlat {
    /// How strace names an unknown value of this kind, without the `???`:
    /// `O_` gives `0x8 /* O_??? */`.
    pub unknown: &'static str,
    /// Names and values, in the order strace tries them.
    pub entries: &'static [(&'static str, u64)],
}

impl Xlat {
    /// The name of exactly `value`, if it has one.
    pub fn name(&self, value: u64) -> Option<&'static str> {
        self.entries
            .iter()
            .find(|(_, v)| *v == value)
            .map(|(n, _)| *n)
    }
}

/// `O_RDONLY` ... : the access mode, the two low bits of the open flags.
pub const OPEN_ACCESS: Xlat = Xlat {
    unknown: "O_",
    entries: &[
        ("O_RDONLY", 0),
        ("O_WRONLY", 1),
        ("O_RDWR", 2),
        ("O_ACCMODE", 3),
    ],
};

/// The other open flags (strace `open_mode_flags`); also used for `dup3`, `pipe2`,
/// `F_SETFL` and `F_GETFL`.
pub const OPEN_FLAGS: Xlat = Xlat {
    unknown: "O_",
    entries: &[
        ("O_CREAT", 0o100),
        ("O_EXCL", 0o200),
        ("O_NOCTTY", 0o400),
        ("O_TRUNC", 0o1000),
        ("O_APPEND", 0o2000),
        ("O_NONBLOCK", 0o4000),
        ("O_SYNC", 0o4010000),
        ("__O_SYNC", 0o4000000),
        ("O_DSYNC", 0o10000),
        ("O_DIRECT", 0o40000),
        ("O_LARGEFILE", 0o100000),
        ("O_NOFOLLOW", 0o400000),
        ("O_NOATIME", 0o1000000),
        ("O_CLOEXEC", 0o2000000),
        ("O_PATH", 0o10000000),
        ("O_TMPFILE", 0o20200000),
        ("__O_TMPFILE", 0o20000000),
        ("O_DIRECTORY", 0o200000),
        ("FASYNC", 0o20000),
    ],
};

/// `O_CREAT | __O_TMPFILE`: the open flags that make strace print the mode.
pub const OPEN_WITH_MODE: u64 = 0o100 | 0o20000000;

/// Descriptor flags (`F_SETFD`, the `F_GETFD` result).
pub const FD_FLAGS: Xlat = Xlat {
    unknown: "FD_",
    entries: &[("FD_CLOEXEC", 1)],
};

/// `fcntl` commands (strace `fcntlcmds`, which has no names for the write-life hints).
pub const FCNTL_CMDS: Xlat = Xlat {
    unknown: "F_",
    entries: &[
        ("F_DUPFD", 0),
        ("F_GETFD", 1),
        ("F_SETFD", 2),
        ("F_GETFL", 3),
        ("F_SETFL", 4),
        ("F_GETLK", 5),
        ("F_SETLK", 6),
        ("F_SETLKW", 7),
        ("F_SETOWN", 8),
        ("F_GETOWN", 9),
        ("F_SETSIG", 10),
        ("F_GETSIG", 11),
        ("F_SETOWN_EX", 15),
        ("F_GETOWN_EX", 16),
        ("F_GETOWNER_UIDS", 17),
        ("F_OFD_GETLK", 36),
        ("F_OFD_SETLK", 37),
        ("F_OFD_SETLKW", 38),
        ("F_SETLEASE", 1024),
        ("F_GETLEASE", 1025),
        ("F_NOTIFY", 1026),
        ("F_DUPFD_QUERY", 1027),
        ("F_CREATED_QUERY", 1028),
        ("F_CANCELLK", 1029),
        ("F_DUPFD_CLOEXEC", 1030),
        ("F_SETPIPE_SZ", 1031),
        ("F_GETPIPE_SZ", 1032),
        ("F_ADD_SEALS", 1033),
        ("F_GET_SEALS", 1034),
    ],
};

/// `clone` flags (without the exit signal in the low byte).
pub const CLONE_FLAGS: Xlat = Xlat {
    unknown: "CLONE_",
    entries: &[
        ("CLONE_VM", 0x100),
        ("CLONE_FS", 0x200),
        ("CLONE_FILES", 0x400),
        ("CLONE_SIGHAND", 0x800),
        ("CLONE_PIDFD", 0x1000),
        ("CLONE_PTRACE", 0x2000),
        ("CLONE_VFORK", 0x4000),
        ("CLONE_PARENT", 0x8000),
        ("CLONE_THREAD", 0x10000),
        ("CLONE_NEWNS", 0x20000),
        ("CLONE_SYSVSEM", 0x40000),
        ("CLONE_SETTLS", 0x80000),
        ("CLONE_PARENT_SETTID", 0x100000),
        ("CLONE_CHILD_CLEARTID", 0x200000),
        ("CLONE_UNTRACED", 0x800000),
        ("CLONE_CHILD_SETTID", 0x1000000),
        ("CLONE_NEWCGROUP", 0x2000000),
        ("CLONE_NEWUTS", 0x4000000),
        ("CLONE_NEWIPC", 0x8000000),
        ("CLONE_NEWUSER", 0x10000000),
        ("CLONE_NEWPID", 0x20000000),
        ("CLONE_NEWNET", 0x40000000),
        ("CLONE_IO", 0x80000000),
    ],
};

/// `CSIGNAL`: the low byte of `clone`'s flags, the signal sent to the parent at exit.
pub const CSIGNAL: u64 = 0xff;

/// `unshare` flags.
pub const UNSHARE_FLAGS: Xlat = Xlat {
    unknown: "CLONE_",
    entries: &[
        ("CLONE_NEWTIME", 0x80),
        ("CLONE_VM", 0x100),
        ("CLONE_FS", 0x200),
        ("CLONE_FILES", 0x400),
        ("CLONE_SIGHAND", 0x800),
        ("CLONE_THREAD", 0x10000),
        ("CLONE_NEWNS", 0x20000),
        ("CLONE_SYSVSEM", 0x40000),
        ("CLONE_NEWCGROUP", 0x2000000),
        ("CLONE_NEWUTS", 0x4000000),
        ("CLONE_NEWIPC", 0x8000000),
        ("CLONE_NEWUSER", 0x10000000),
        ("CLONE_NEWPID", 0x20000000),
        ("CLONE_NEWNET", 0x40000000),
    ],
};

/// `close_range` flags.
pub const CLOSE_RANGE_FLAGS: Xlat = Xlat {
    unknown: "CLOSE_RANGE_",
    entries: &[("CLOSE_RANGE_UNSHARE", 2), ("CLOSE_RANGE_CLOEXEC", 4)],
};

/// Socket types, the low four bits of `socketpair`'s type.
pub const SOCK_TYPES: Xlat = Xlat {
    unknown: "SOCK_",
    entries: &[
        ("SOCK_STREAM", 1),
        ("SOCK_DGRAM", 2),
        ("SOCK_RAW", 3),
        ("SOCK_RDM", 4),
        ("SOCK_SEQPACKET", 5),
        ("SOCK_DCCP", 6),
        ("SOCK_PACKET", 10),
    ],
};

/// The bits of a socket type outside [`SOCK_TYPES`].
pub const SOCK_TYPE_FLAGS: Xlat = Xlat {
    unknown: "SOCK_",
    entries: &[("SOCK_CLOEXEC", 0o2000000), ("SOCK_NONBLOCK", 0o4000)],
};

/// `SOCK_TYPE_MASK`.
pub const SOCK_TYPE_MASK: u64 = 0xf;

/// Address families.
pub const ADDRESS_FAMILIES: Xlat = Xlat {
    unknown: "AF_",
    entries: &[
        ("AF_UNSPEC", 0),
        ("AF_UNIX", 1),
        ("AF_INET", 2),
        ("AF_AX25", 3),
        ("AF_IPX", 4),
        ("AF_APPLETALK", 5),
        ("AF_NETROM", 6),
        ("AF_BRIDGE", 7),
        ("AF_ATMPVC", 8),
        ("AF_X25", 9),
        ("AF_INET6", 10),
        ("AF_ROSE", 11),
        ("AF_DECnet", 12),
        ("AF_NETBEUI", 13),
        ("AF_SECURITY", 14),
        ("AF_KEY", 15),
        ("AF_NETLINK", 16),
        ("AF_PACKET", 17),
        ("AF_ASH", 18),
        ("AF_ECONET", 19),
        ("AF_ATMSVC", 20),
        ("AF_RDS", 21),
        ("AF_SNA", 22),
        ("AF_IRDA", 23),
        ("AF_PPPOX", 24),
        ("AF_WANPIPE", 25),
        ("AF_LLC", 26),
        ("AF_IB", 27),
        ("AF_MPLS", 28),
        ("AF_CAN", 29),
        ("AF_TIPC", 30),
        ("AF_BLUETOOTH", 31),
        ("AF_IUCV", 32),
        ("AF_RXRPC", 33),
        ("AF_ISDN", 34),
        ("AF_PHONET", 35),
        ("AF_IEEE802154", 36),
        ("AF_CAIF", 37),
        ("AF_ALG", 38),
        ("AF_NFC", 39),
        ("AF_VSOCK", 40),
        ("AF_KCM", 41),
        ("AF_QIPCRTR", 42),
        ("AF_SMC", 43),
        ("AF_XDP", 44),
        ("AF_MCTP", 45),
    ],
};

/// `eventfd2` flags.
pub const EFD_FLAGS: Xlat = Xlat {
    unknown: "EFD_",
    entries: &[
        ("EFD_SEMAPHORE", 1),
        ("EFD_CLOEXEC", 0o2000000),
        ("EFD_NONBLOCK", 0o4000),
    ],
};

/// Resource numbers of `getrlimit`, `setrlimit`, `prlimit64`.
pub const RESOURCES: Xlat = Xlat {
    unknown: "RLIMIT_",
    entries: &[
        ("RLIMIT_CPU", 0),
        ("RLIMIT_FSIZE", 1),
        ("RLIMIT_DATA", 2),
        ("RLIMIT_STACK", 3),
        ("RLIMIT_CORE", 4),
        ("RLIMIT_RSS", 5),
        ("RLIMIT_NPROC", 6),
        ("RLIMIT_NOFILE", 7),
        ("RLIMIT_MEMLOCK", 8),
        ("RLIMIT_AS", 9),
        ("RLIMIT_LOCKS", 10),
        ("RLIMIT_SIGPENDING", 11),
        ("RLIMIT_MSGQUEUE", 12),
        ("RLIMIT_NICE", 13),
        ("RLIMIT_RTPRIO", 14),
        ("RLIMIT_RTTIME", 15),
    ],
};

/// `lseek` origins.
pub const WHENCE: Xlat = Xlat {
    unknown: "SEEK_",
    entries: &[
        ("SEEK_SET", 0),
        ("SEEK_CUR", 1),
        ("SEEK_END", 2),
        ("SEEK_DATA", 3),
        ("SEEK_HOLE", 4),
    ],
};

/// `ioctl` requests strace names that matter here; others print as `_IOC(...)`.
pub const IOCTLS: Xlat = Xlat {
    unknown: "",
    entries: &[
        ("TCGETS", 0x5401),
        ("TCSETS", 0x5402),
        ("TIOCSCTTY", 0x540e),
        ("TIOCGPGRP", 0x540f),
        ("TIOCSPGRP", 0x5410),
        ("TIOCGWINSZ", 0x5413),
        ("TIOCSWINSZ", 0x5414),
        ("FIONREAD", 0x541b),
        ("FIONBIO", 0x5421),
        ("FIONCLEX", 0x5450),
        ("FIOCLEX", 0x5451),
        ("FIOASYNC", 0x5452),
    ],
};

/// The `_IOC` direction names.
pub const IOC_DIRS: Xlat = Xlat {
    unknown: "_IOC_",
    entries: &[("_IOC_NONE", 0), ("_IOC_WRITE", 1), ("_IOC_READ", 2)],
};

/// `wait4` options.
pub const WAIT_OPTIONS: Xlat = Xlat {
    unknown: "W",
    entries: &[
        ("WNOHANG", 1),
        ("WEXITED", 4),
        ("WSTOPPED", 2),
        ("WCONTINUED", 8),
        ("WNOWAIT", 0x1000000),
        ("__WCLONE", 0x80000000),
        ("__WALL", 0x40000000),
        ("__WNOTHREAD", 0x20000000),
    ],
};

/// Signals 1 to 32 (`SIGRTMIN`); 33 and up are `SIGRT_1` ... (see [`signal_name`]).
pub const SIGNALS: Xlat = Xlat {
    unknown: "SIG",
    entries: &[
        ("SIGHUP", 1),
        ("SIGINT", 2),
        ("SIGQUIT", 3),
        ("SIGILL", 4),
        ("SIGTRAP", 5),
        ("SIGABRT", 6),
        ("SIGBUS", 7),
        ("SIGFPE", 8),
        ("SIGKILL", 9),
        ("SIGUSR1", 10),
        ("SIGSEGV", 11),
        ("SIGUSR2", 12),
        ("SIGPIPE", 13),
        ("SIGALRM", 14),
        ("SIGTERM", 15),
        ("SIGSTKFLT", 16),
        ("SIGCHLD", 17),
        ("SIGCONT", 18),
        ("SIGSTOP", 19),
        ("SIGTSTP", 20),
        ("SIGTTIN", 21),
        ("SIGTTOU", 22),
        ("SIGURG", 23),
        ("SIGXCPU", 24),
        ("SIGXFSZ", 25),
        ("SIGVTALRM", 26),
        ("SIGPROF", 27),
        ("SIGWINCH", 28),
        ("SIGIO", 29),
        ("SIGPWR", 30),
        ("SIGSYS", 31),
        ("SIGRTMIN", 32),
    ],
};

/// `_NSIG`: signals are 1 to 64.
pub const NSIG: u64 = 64;

/// File types in `st_mode`.
pub const FILE_TYPES: Xlat = Xlat {
    unknown: "S_IF",
    entries: &[
        ("S_IFSOCK", 0o140000),
        ("S_IFLNK", 0o120000),
        ("S_IFREG", 0o100000),
        ("S_IFBLK", 0o60000),
        ("S_IFDIR", 0o40000),
        ("S_IFCHR", 0o20000),
        ("S_IFIFO", 0o10000),
    ],
};

/// `S_IFMT`.
pub const S_IFMT: u64 = 0o170000;

/// The set-id and sticky bits of `st_mode`.
pub const MODE_BITS: Xlat = Xlat {
    unknown: "S_I",
    entries: &[
        ("S_ISUID", 0o4000),
        ("S_ISGID", 0o2000),
        ("S_ISVTX", 0o1000),
    ],
};

/// `AT_FDCWD` (-100): the directory argument meaning "the current directory".
pub const AT_FDCWD: i64 = -100;

/// Names accepted when parsing but never printed: aliases, and names strace does
/// not print for these calls.
const ALIASES: &[(&str, u64)] = &[
    ("O_NDELAY", 0o4000),
    ("O_ASYNC", 0o20000),
    ("O_FSYNC", 0o4010000),
    ("O_RSYNC", 0o4010000),
    ("F_GETLK64", 5),
    ("F_SETLK64", 6),
    ("F_SETLKW64", 7),
    ("F_GET_RW_HINT", 1035),
    ("F_SET_RW_HINT", 1036),
    ("F_GET_FILE_RW_HINT", 1037),
    ("F_SET_FILE_RW_HINT", 1038),
    ("CLONE_DETACHED", 0x400000),
    ("CLONE_CLEAR_SIGHAND", 0x1_0000_0000),
    ("CLONE_INTO_CGROUP", 0x2_0000_0000),
    ("AF_LOCAL", 1),
    ("AF_FILE", 1),
    ("PF_UNIX", 1),
    ("PF_LOCAL", 1),
    ("PF_INET", 2),
    ("PF_INET6", 10),
    ("SIGIOT", 6),
    ("SIGPOLL", 29),
    ("SIGCLD", 17),
    ("WUNTRACED", 2),
    ("RLIM_INFINITY", u64::MAX),
    ("RLIM64_INFINITY", u64::MAX),
    ("AT_FDCWD", AT_FDCWD as u64),
];

/// Every table [`lookup`] searches.
const TABLES: &[&Xlat] = &[
    &OPEN_ACCESS,
    &OPEN_FLAGS,
    &FD_FLAGS,
    &FCNTL_CMDS,
    &CLONE_FLAGS,
    &UNSHARE_FLAGS,
    &CLOSE_RANGE_FLAGS,
    &SOCK_TYPES,
    &SOCK_TYPE_FLAGS,
    &ADDRESS_FAMILIES,
    &EFD_FLAGS,
    &RESOURCES,
    &WHENCE,
    &IOCTLS,
    &IOC_DIRS,
    &WAIT_OPTIONS,
    &SIGNALS,
    &FILE_TYPES,
    &MODE_BITS,
];

/// The value of a name, in any table: `O_CLOEXEC`, `F_DUPFD_CLOEXEC`, `SIGCHLD`,
/// `RLIMIT_NOFILE`, `AT_FDCWD` (as the 64-bit pattern of -100), `SIGRT_3` ...
pub fn lookup(name: &str) -> Option<u64> {
    if let Some(n) = name.strip_prefix("SIGRT_") {
        let n: u64 = n.parse().ok()?;
        return (1..=NSIG - 32).contains(&n).then_some(32 + n);
    }
    TABLES
        .iter()
        .flat_map(|t| t.entries.iter())
        .chain(ALIASES.iter())
        .find(|(n, _)| *n == name)
        .map(|(_, v)| *v)
}

/// The name strace gives signal `n` (`SIGCHLD`, `SIGRTMIN`, `SIGRT_2`), if any.
pub fn signal_name(n: u64) -> Option<String> {
    match n {
        33..=NSIG => Some(format!("SIGRT_{}", n - 32)),
        _ => SIGNALS.name(n).map(str::to_owned),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_match_the_model() {
        use fdkit::flags::{fcntl_cmd, OFlags};
        assert_eq!(lookup("O_CLOEXEC"), Some(u64::from(OFlags::CLOEXEC.bits())));
        assert_eq!(
            lookup("O_LARGEFILE"),
            Some(u64::from(OFlags::LARGEFILE.bits()))
        );
        assert_eq!(
            lookup("O_DIRECTORY"),
            Some(u64::from(OFlags::DIRECTORY.bits()))
        );
        assert_eq!(
            lookup("F_DUPFD_CLOEXEC"),
            Some(fcntl_cmd::F_DUPFD_CLOEXEC as u64)
        );
        assert_eq!(
            lookup("F_DUPFD_QUERY"),
            Some(fcntl_cmd::F_DUPFD_QUERY as u64)
        );
        assert_eq!(lookup("FIOCLEX"), Some(fdkit::syscall::fd::FIOCLEX));
        assert_eq!(
            lookup("RLIMIT_NOFILE"),
            Some(u64::from(fdkit::flags::RLIMIT_NOFILE))
        );
        assert_eq!(
            lookup("SOCK_CLOEXEC"),
            Some(u64::from(fdkit::flags::SOCK_CLOEXEC))
        );
        assert_eq!(lookup("CLONE_FILES"), Some(fdkit::CloneFlags::FILES.bits()));
        assert_eq!(lookup("SIGCHLD"), Some(17));
        assert_eq!(lookup("SIGRT_2"), Some(34));
        assert_eq!(lookup("SIGRT_0"), None);
        assert_eq!(lookup("O_NOPE"), None);
    }

    #[test]
    fn names_are_unique_within_each_table() {
        for t in TABLES {
            for (i, (a, _)) in t.entries.iter().enumerate() {
                assert!(t.entries[i + 1..].iter().all(|(b, _)| a != b), "{a} twice");
            }
        }
    }
}

//! The catalogue of system calls: for every call fdkit knows (and every `fcntl` and
//! `ioctl` command with descriptor semantics), one entry that says what the call *is*
//! to a descriptor table — its name, its arguments and their kinds, what it creates,
//! and the complete set of errnos Linux can return from it, with where that set comes
//! from (man page and kernel source).
//!
//! Everything else derives from this module: the replay's classification of a log
//! line ([`lookup`]`(name).shape`), its errno checks ([`Errors`], [`ArgKind`]), and the
//! flag and command names of [`flagset`].
//!
//! # The errno rules
//!
//! - An errno outside a call's set is one Linux cannot return ([`Errors::allows`]).
//! - `EBADF` comes from a descriptor argument that is not open or not usable for the
//!   call ([`ArgKind::can_be_bad_fd`]); a call with no such argument, or whose
//!   descriptor arguments were not looked up (`openat(AT_FDCWD, …)`, an absolute
//!   path, `mmap(…, MAP_ANONYMOUS, -1, 0)`), cannot return it, unless its set lists
//!   `EBADF` for a reason of its own ([`Errors::ebadf_without_fd`]).
//! - A name that is not here is not decided: fdkit says nothing about it.
//!
//! # Adding a system call
//!
//! Its entry in [`calls`] (name, [`Shape`], arguments, what it creates, errno set,
//! citation); if its [`Shape`] is new, the replay's handler for it
//! (`crates/fdkit-replay/src/calls/`); if the model runs it, a `Call` variant and its
//! method (`crates/fdkit/src/syscall/`); and tests.

pub mod calls;
pub mod flagset;
mod shape;

pub use calls::{Syscall, SYSCALLS};
pub use shape::{ArgKind, At, Creates, Errors, New, Offset, OpenForm, Shape, Use, NONE};

use crate::errno::Errno;

/// Slots of the name index (a power of two, at least 4 times the names).
const SLOTS: usize = 1024;

/// A hash of a syscall name from its length and three of its bytes: cheap, and
/// spread well enough over the names (collisions are probed linearly).
#[inline]
const fn name_hash(name: &[u8]) -> usize {
    let n = name.len();
    let (a, m, z) = (name[0] as usize, name[n / 2] as usize, name[n - 1] as usize);
    (n.wrapping_mul(0x9e37) ^ a.wrapping_mul(0x2f1) ^ m.wrapping_mul(0x61) ^ z.wrapping_mul(0x3b5))
        & (SLOTS - 1)
}

/// Open-addressing index into [`SYSCALLS`], built at compile time: a slot holds the
/// position + 1, 0 when empty.
static INDEX: [u16; SLOTS] = {
    let mut ix = [0u16; SLOTS];
    let mut i = 0;
    while i < SYSCALLS.len() {
        let mut h = name_hash(SYSCALLS[i].name.as_bytes());
        while ix[h] != 0 {
            h = (h + 1) & (SLOTS - 1);
        }
        ix[h] = i as u16 + 1;
        i += 1;
    }
    ix
};

/// The entry of system call `name` (as strace prints it on x86-64), or `None` for a
/// call the catalogue does not know: one hash and one comparison.
#[inline(always)]
pub fn lookup(name: &str) -> Option<&'static Syscall> {
    let b = name.as_bytes();
    if b.is_empty() || b.len() > 24 {
        return None;
    }
    let mut h = name_hash(b);
    loop {
        let slot = INDEX[h];
        if slot == 0 {
            return None;
        }
        let entry = &SYSCALLS[usize::from(slot) - 1];
        let n = entry.name.as_bytes();
        // Byte by byte: names are short, and a call to `memcmp` costs more.
        if n.len() == b.len() && n.iter().zip(b).all(|(x, y)| x == y) {
            return Some(entry);
        }
        h = (h + 1) & (SLOTS - 1);
    }
}

/// One `fcntl` command: its number and its errno set beyond `EBADF` on a descriptor
/// that is not open (`fs/fcntl.c`, `do_fcntl` and `check_fcntl_cmd`).
#[derive(Clone, Copy, Debug)]
pub struct FcntlCommand {
    /// The command number.
    pub cmd: i32,
    /// The errnos it returns besides a closed descriptor's `EBADF`; `EBADF` listed
    /// here is the command's own (a lock of the wrong access mode, an `O_PATH`
    /// descriptor).
    pub errors: Errors,
}

/// The `fcntl` commands and their errno sets; an unknown command is `EINVAL`.
pub static FCNTL_COMMANDS: &[FcntlCommand] = {
    use crate::flags::fcntl_cmd::*;
    const fn c(cmd: i32, only: &'static [Errno]) -> FcntlCommand {
        FcntlCommand {
            cmd,
            errors: Errors {
                only,
                from_file: false,
            },
        }
    }
    const LOCK: &[Errno] = &[
        Errno::BADF,
        Errno::ACCES,
        Errno::AGAIN,
        Errno::DEADLK,
        Errno::FAULT,
        Errno::INTR,
        Errno::INVAL,
        Errno::NOLCK,
    ];
    &[
        // F_DUPFD: arg ≥ RLIMIT_NOFILE or nr_open is EINVAL; a full table is EMFILE.
        c(F_DUPFD, &[Errno::INVAL, Errno::MFILE, Errno::NOMEM]),
        c(F_DUPFD_CLOEXEC, &[Errno::INVAL, Errno::MFILE, Errno::NOMEM]),
        // F_GETFD, F_SETFD: only a closed descriptor fails.
        c(F_GETFD, &[]),
        c(F_SETFD, &[]),
        c(F_GETFL, &[]),
        // F_SETFL: O_APPEND off on an append-only file, O_DIRECT unsupported, the
        // file's fasync (a driver's) and O_NOATIME's permission check.
        c(
            F_SETFL,
            &[
                Errno::PERM,
                Errno::INVAL,
                Errno::BADF,
                Errno::NOMEM,
                Errno::AGAIN,
                Errno::NOTTY,
                Errno::ACCES,
            ],
        ),
        c(F_GETLK, LOCK),
        c(F_SETLK, LOCK),
        c(F_SETLKW, LOCK),
        c(F_OFD_GETLK, LOCK),
        c(F_OFD_SETLK, LOCK),
        c(F_OFD_SETLKW, LOCK),
        c(
            F_SETOWN,
            &[Errno::PERM, Errno::INVAL, Errno::SRCH, Errno::NOMEM],
        ),
        c(F_GETOWN, &[]),
        c(F_SETSIG, &[Errno::INVAL]),
        c(F_GETSIG, &[]),
        c(
            F_SETOWN_EX,
            &[Errno::FAULT, Errno::INVAL, Errno::SRCH, Errno::PERM],
        ),
        c(F_GETOWN_EX, &[Errno::FAULT, Errno::INVAL]),
        c(F_GETOWNER_UIDS, &[Errno::FAULT, Errno::INVAL]),
        c(
            F_SETLEASE,
            &[
                Errno::ACCES,
                Errno::AGAIN,
                Errno::INVAL,
                Errno::NOMEM,
                Errno::PERM,
                Errno::BUSY,
            ],
        ),
        c(F_GETLEASE, &[]),
        c(F_NOTIFY, &[Errno::INVAL, Errno::NOMEM, Errno::NOTDIR]),
        c(
            F_SETPIPE_SZ,
            &[
                Errno::BADF,
                Errno::BUSY,
                Errno::INVAL,
                Errno::PERM,
                Errno::NOMEM,
            ],
        ),
        c(F_GETPIPE_SZ, &[Errno::BADF]),
        c(F_ADD_SEALS, &[Errno::BUSY, Errno::INVAL, Errno::PERM]),
        c(F_GET_SEALS, &[Errno::INVAL]),
        c(F_GET_RW_HINT, &[Errno::FAULT, Errno::INVAL]),
        c(F_SET_RW_HINT, &[Errno::FAULT, Errno::INVAL]),
        c(F_GET_FILE_RW_HINT, &[Errno::FAULT, Errno::INVAL]),
        c(F_SET_FILE_RW_HINT, &[Errno::FAULT, Errno::INVAL]),
        // F_DUPFD_QUERY: the second descriptor not open is also EBADF.
        c(F_DUPFD_QUERY, &[Errno::BADF]),
        c(F_CREATED_QUERY, &[]),
    ]
};

/// The errno set of `fcntl(fd, cmd, …)` on an open descriptor; an unknown command
/// is `EINVAL` (and, on an `O_PATH` descriptor, `EBADF`).
pub fn fcntl_command(cmd: i32) -> Errors {
    const UNKNOWN: Errors = Errors {
        only: &[Errno::INVAL, Errno::BADF],
        from_file: false,
    };
    FCNTL_COMMANDS
        .iter()
        .find(|c| c.cmd == cmd)
        .map_or(UNKNOWN, |c| c.errors)
}

/// One `ioctl` request with descriptor semantics, handled by `do_vfs_ioctl` before
/// any driver (`fs/ioctl.c`).
#[derive(Clone, Copy, Debug)]
pub struct IoctlRequest {
    /// The request's name, as strace prints it.
    pub name: &'static str,
    /// What it creates (`TIOCGPTPEER`: a descriptor for the pty's peer).
    pub creates: Creates,
    /// Its errno set beyond `EBADF` on a descriptor that is not open.
    pub errors: Errors,
}

/// The `ioctl` requests fdkit models; any other request's errors come from the driver.
pub static IOCTL_REQUESTS: &[IoctlRequest] = &[
    // Descriptor flags: never fail on an open descriptor (fs/ioctl.c).
    IoctlRequest {
        name: flagset::name::FIOCLEX,
        creates: Creates::Nothing,
        errors: Errors {
            only: &[],
            from_file: false,
        },
    },
    IoctlRequest {
        name: flagset::name::FIONCLEX,
        creates: Creates::Nothing,
        errors: Errors {
            only: &[],
            from_file: false,
        },
    },
    // O_NONBLOCK through the argument (ioctl_fionbio): only reading it can fail.
    IoctlRequest {
        name: flagset::name::FIONBIO,
        creates: Creates::Nothing,
        errors: Errors {
            only: &[Errno::FAULT],
            from_file: false,
        },
    },
    // A new descriptor for the pty's peer (drivers/tty/pty.c ptm_open_peer).
    IoctlRequest {
        name: flagset::name::TIOCGPTPEER,
        creates: Creates::Returned,
        errors: Errors {
            only: &[],
            from_file: true,
        },
    },
];

/// The errno set of `ioctl(fd, request, …)` on an open descriptor: a request
/// [`IOCTL_REQUESTS`] lists, else whatever the driver returns.
pub fn ioctl_request(name: &str) -> Errors {
    IOCTL_REQUESTS.iter().find(|r| r.name == name).map_or(
        Errors {
            only: &[],
            from_file: true,
        },
        |r| r.errors,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_is_found_once_and_others_are_not() {
        for (i, s) in SYSCALLS.iter().enumerate() {
            assert!(std::ptr::eq(lookup(s.name).unwrap(), s), "{}", s.name);
            assert!(
                SYSCALLS[..i].iter().all(|t| t.name != s.name),
                "{} twice",
                s.name
            );
        }
        for n in [
            "",
            "x",
            "openat3",
            "Open",
            "rt_sigreturn",
            "a_very_long_name_of_no_syscall",
        ] {
            assert!(lookup(n).is_none(), "{n}");
        }
    }

    #[test]
    fn shapes_agree_with_arguments() {
        for s in SYSCALLS {
            // A call the replay does not look at must not take descriptors it would
            // have to check, except sets of numbers it leaves undecided.
            if s.shape == Shape::Plain {
                assert!(
                    s.args
                        .iter()
                        .all(|a| !a.can_be_bad_fd() || *a == ArgKind::FdSet),
                    "{}",
                    s.name
                );
            }
            if let Shape::Use(u) = s.shape {
                for i in u.fds.into_iter().filter(|&i| i != NONE) {
                    assert_eq!(s.args.get(usize::from(i)), Some(&ArgKind::Fd), "{}", s.name);
                }
            }
            if let Shape::At(a) = s.shape {
                for (d, p) in a.pairs.into_iter().filter(|&(d, _)| d != NONE) {
                    assert_eq!(
                        s.args.get(usize::from(d)),
                        Some(&ArgKind::DirFd { path: p }),
                        "{}",
                        s.name
                    );
                    assert_eq!(
                        s.args.get(usize::from(p)),
                        Some(&ArgKind::Path),
                        "{}",
                        s.name
                    );
                }
            }
            if matches!(
                s.shape,
                Shape::New(_) | Shape::Open(_) | Shape::Dup | Shape::Dup2 | Shape::Dup3
            ) {
                assert_eq!(s.creates, Creates::Returned, "{}", s.name);
            }
            // EBADF for a descriptor argument is the table's, never listed.
            if s.takes_fds() && !matches!(s.name, "pidfd_getfd") {
                assert!(!s.errors.ebadf_without_fd(), "{}", s.name);
            }
            assert!(!s.cite.is_empty());
        }
    }

    #[test]
    fn the_issue_s_impossible_results_are_outside_the_sets() {
        let close = lookup("close").unwrap();
        assert!(!close.errors.allows(Errno::INVAL));
        assert!(close.errors.allows(Errno::INTR));
        assert!(!fcntl_command(crate::flags::fcntl_cmd::F_GETFD).allows(Errno::INVAL));
        let cr = lookup("close_range").unwrap();
        assert!(!cr.takes_fds() && !cr.errors.ebadf_without_fd());
        for n in ["pipe2", "socket", "futex", "brk", "getpid"] {
            assert!(!lookup(n).unwrap().takes_fds(), "{n}");
        }
        assert!(lookup("madvise").unwrap().errors.ebadf_without_fd());
        assert!(lookup("read").unwrap().errors.allows(Errno::CONNRESET));
        assert!(lookup("getpid").unwrap().errors.allows(Errno::NOSYS));
    }
}

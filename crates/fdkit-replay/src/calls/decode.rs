//! A call's input arguments, decoded once: [`decode()`] is the only place that
//! reads them. A call split by strace is decoded at entry, from the arguments
//! the `<unfinished ...>` line printed, and its [`Decoded`] waits in the
//! [`Pending`] record for the completion; a complete line is decoded at
//! completion. The same result gives both the concurrency candidate and watched
//! descriptors an entering call registers ([`Decoded::cand`], [`Decoded::watch`])
//! and the operation its handler checks ([`Decoded::op`]).
//!
//! What strace prints only at completion (a call's results and outputs, and the
//! inputs it prints after an output: `pipe2`'s flags after the array,
//! `accept4`'s after the address, `newfstatat`'s after the `stat` struct,
//! `pread64`'s position after the buffer) is read by the handlers from the joined
//! arguments, for the classes decoded [`Op::Later`] and for the outputs of the
//! others: the pipe's numbers, the `SCM_RIGHTS` lists, `clone`'s pidfd, the
//! decorations of new descriptors.

use super::*;
use crate::prep::Span;
use crate::report::WHAT_EBADF;

/// Where `lseek` moves the offset from.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Whence {
    Set,
    Cur,
    /// `SEEK_END`, `SEEK_DATA`, `SEEK_HOLE`, or not decodable: not predicted.
    Other,
}

/// The operation of a call, from its input arguments.
#[derive(Clone, Debug, Default)]
pub(crate) enum Op {
    /// The arguments do not decode (or the call decides nothing): undecided.
    #[default]
    Undecided,
    /// Decoded by its handler at completion: the `open` family, the other
    /// descriptor-creating calls, pipes and socket pairs, `execve`, the rlimit
    /// calls and the `*at` calls, whose inputs strace may print after an output
    /// and whose entry registers nothing decoded from them.
    Later,
    /// A change the table alone decides (`close`, the `dup` family, `F_DUPFD`,
    /// `F_SETFD`, `F_GETFD`, `FIOCLEX`, `FIONCLEX`), its result checked as `what`;
    /// with `fds`, a success value is a new descriptor.
    Table {
        op: TOp,
        what: &'static str,
        fds: bool,
    },
    /// `close_range`; `flags_known` false when its flags do not decode (then the
    /// call is undecided, though its entry registered it as if they were 0).
    CloseRange {
        req: Result<CloseRange, Errno>,
        unshare: bool,
        flags_known: bool,
    },
    /// Descriptors used: `EBADF` iff one is not open (or has the wrong access).
    Use { fds: [u32; 2], n: u8, need: Need },
    /// A call of class [`Class::Use`]: its descriptors, one per descriptor
    /// argument the class names (`None`: that argument does not decode).
    Uses { slots: [Option<u32>; 2] },
    /// `lseek`.
    Lseek {
        fd: u32,
        off: Option<i64>,
        whence: Whence,
    },
    /// `F_GETFL`.
    Getfl { fd: u32 },
    /// `F_SETFL` with its argument, if it decodes.
    Setfl { fd: u32, arg: Option<u64> },
    /// `F_DUPFD_QUERY`.
    DupfdQuery { fd: u32, other: u32 },
    /// `ioctl(FIONBIO)`: whether it turns `O_NONBLOCK` on.
    Fionbio { fd: u32, on: bool },
    /// `ioctl(TIOCGPTPEER)` with its open flags, if they decode.
    PtPeer { fd: u32, flags: Option<u64> },
    /// Another `ioctl`.
    Ioctl { fd: u32 },
    /// `accept`, `sendmsg`, `recvmsg` (and their variants): the socket.
    Socket { fd: u32 },
    /// The clone family: the clone flags, if they decode.
    Clone { flags: Option<u64> },
    /// `unshare`: whether it unshares the table.
    Unshare { files: bool },
    /// The `open` family.
    Open(OpenInputs),
}

/// An `open`-family call's inputs.
#[derive(Clone, Copy, Debug)]
pub(crate) struct OpenInputs {
    /// It sets close-on-exec (`O_CLOEXEC`).
    pub cloexec: bool,
    /// The directory descriptor it looks up (`None`: `AT_FDCWD`, an absolute
    /// path, or no such argument).
    pub dirfd: Option<u32>,
    /// Its open flags, if they decode.
    pub flags: Option<u64>,
    /// Where its path, unquoted, lies in the arguments.
    pub path: Option<Span>,
}

/// A call decoded once (see the [module documentation](self)).
#[derive(Clone, Debug, Default)]
pub(crate) struct Decoded {
    pub op: Op,
    /// Descriptors whose state at entry explains the result of a call that
    /// blocks after looking them up.
    pub watch: [Option<u32>; 2],
}

impl Decoded {
    /// The table change a concurrency search may place before the call completes.
    pub(crate) fn cand(&self, class: Class) -> Option<TOp> {
        // Linux 6.x allocates the number once the object exists: `accept` only
        // after a connection arrived (seen in logs: a blocked accept4 returns a
        // number other threads used meanwhile).
        match class {
            Class::Open(_) | Class::New(_) | Class::Accept { .. } => {
                return Some(TOp::Reserve { count: 1 })
            }
            Class::Pipe | Class::Socketpair => return Some(TOp::Reserve { count: 2 }),
            _ => {}
        }
        match &self.op {
            Op::Table {
                op: TOp::GetFd { .. },
                ..
            } => None,
            Op::Table { op, .. } => Some(op.clone()),
            // With CLOSE_RANGE_UNSHARE the caller leaves the table first.
            Op::CloseRange {
                req,
                unshare: false,
                ..
            } => Some(TOp::CloseRange(*req)),
            _ => None,
        }
    }

    /// The call may change the table in ways no search can predict.
    pub(crate) fn opaque(&self, class: Class) -> bool {
        match (&self.op, class) {
            (_, Class::Recvmsg { .. }) => true,
            (Op::Clone { flags }, _) => flags.is_some_and(|f| f & flags::clone::PIDFD != 0),
            _ => false,
        }
    }
}

/// The call uses its watched descriptors' offsets.
pub(crate) fn offset_use(class: Class) -> bool {
    match class {
        Class::Use(u) => u.offset != Offset::Keep || u.offset2 != Offset::Keep,
        Class::Lseek => true,
        _ => false,
    }
}

/// Decodes a call of `class` (not [`Class::Plain`]) from its input arguments
/// `args`: those its `<unfinished ...>` line printed, or all of a complete line.
pub(crate) fn decode(class: Class, name: &str, args: &str) -> Decoded {
    decode_from(class, name, args, Argv::new(args))
}

/// [`decode()`] of simple arguments ([`crate::fast::simple_args`]).
pub(crate) fn decode_simple(class: Class, name: &str, args: &str) -> Decoded {
    decode_from(class, name, args, Argv::simple(args))
}

/// [`decode()`] with the arguments split by `a`.
fn decode_from(class: Class, name: &str, args: &str, mut a: Argv<'_>) -> Decoded {
    let op = |op: Op| Decoded {
        op,
        watch: [None; 2],
    };
    let watched = |op: Op, fd: Option<u32>| Decoded {
        op,
        watch: [fd, None],
    };
    let table = |t: TOp, what, fds| Op::Table { op: t, what, fds };
    let use1 = |fd: u32, need: Need| Op::Use {
        fds: [fd, 0],
        n: 1,
        need,
    };
    let first = Need {
        fd_first: true,
        ..Need::default()
    };
    let raw_first = Need { raw: true, ..first };
    match class {
        Class::Plain => Decoded::default(),
        Class::Close => op(a
            .fd(0)
            .map_or(Op::Undecided, |fd| table(TOp::Close { fd }, "close", false))),
        Class::Dup => op(a.fd(0).map_or(Op::Undecided, |old| {
            table(dup_op(old, 0, false, AllocKind::Dup), "descriptor", true)
        })),
        Class::Dup2 | Class::Dup3 => {
            let flags = match class {
                Class::Dup3 => flags::eval(a.text(2), flags::oflag).map(|f| Some(f as u32)),
                _ => Some(None),
            };
            op(match (a.fd(0), a.fd(1), flags) {
                (Some(old), Some(new), Some(flags)) => {
                    table(TOp::Place { old, new, flags }, "descriptor", false)
                }
                _ => Op::Undecided,
            })
        }
        Class::Fcntl => {
            let (Some(fd), Some(cmd)) = (a.fd(0), flags::fcntl_cmd(a.text(1))) else {
                return Decoded::default();
            };
            let cmd = cmd as i32;
            let o = match cmd {
                fcntl_cmd::F_DUPFD | fcntl_cmd::F_DUPFD_CLOEXEC => {
                    return op(a.int(2).map_or(Op::Undecided, |min| {
                        let cloexec = cmd == fcntl_cmd::F_DUPFD_CLOEXEC;
                        let d = dup_op(fd, min as u32, cloexec, AllocKind::DupFd);
                        table(d, "descriptor", true)
                    }));
                }
                fcntl_cmd::F_SETFD => {
                    return op(match flags::eval(a.text(2), flags::fd_flag) {
                        Some(v) => {
                            let on = v & fs::FD_CLOEXEC != 0;
                            table(TOp::SetCloexec { fd, on, raw: true }, WHAT_EBADF, false)
                        }
                        None => use1(fd, raw_first),
                    });
                }
                fcntl_cmd::F_GETFD => table(TOp::GetFd { fd }, name::F_GETFD, false),
                fcntl_cmd::F_GETFL => Op::Getfl { fd },
                fcntl_cmd::F_SETFL => Op::Setfl {
                    fd,
                    arg: flags::eval(a.text(2), flags::oflag),
                },
                fcntl_cmd::F_DUPFD_QUERY => match a.fd(2) {
                    Some(other) => Op::DupfdQuery { fd, other },
                    None => Op::Undecided,
                },
                // A lock needs the access it locks for (fs/locks.c
                // check_fmode_for_setlk): F_WRLCK on a descriptor not open for
                // writing is EBADF.
                fcntl_cmd::F_SETLK
                | fcntl_cmd::F_SETLKW
                | fcntl_cmd::F_OFD_SETLK
                | fcntl_cmd::F_OFD_SETLKW => {
                    let lock = a.text(2);
                    let need = Need {
                        read: [lock.contains(name::F_RDLCK), false],
                        write: [lock.contains(name::F_WRLCK), false],
                        ..first
                    };
                    use1(fd, need)
                }
                _ => use1(
                    fd,
                    Need {
                        raw: fcntl_cmd::allowed_on_path(cmd),
                        ..first
                    },
                ),
            };
            watched(o, Some(fd))
        }
        Class::Ioctl => {
            let fd = a.fd(0);
            let req = flags::strip_comment(a.text(1));
            let Some(fd) = fd else {
                return Decoded::default();
            };
            let o = match req {
                name::FIOCLEX | name::FIONCLEX => {
                    let on = req == name::FIOCLEX;
                    return op(table(
                        TOp::SetCloexec { fd, on, raw: false },
                        WHAT_EBADF,
                        false,
                    ));
                }
                name::FIONBIO => Op::Fionbio {
                    fd,
                    on: a.text(2).trim_matches(|ch| ch == '[' || ch == ']').trim() != "0",
                },
                // drivers/tty/pty.c, ptm_open_peer: a new descriptor for the
                // pty's slave, `get_unused_fd_flags(flags)` (lowest free number,
                // close-on-exec from O_CLOEXEC in the argument); strace 6.1
                // prints the flags as a number (`0x80102`), the command as
                // `0x5441` when built without it.
                r if r == name::TIOCGPTPEER || flags::int(r) == Some(fs::TIOCGPTPEER as i64) => {
                    Op::PtPeer {
                        fd,
                        flags: flags::eval(a.text(2), flags::oflag),
                    }
                }
                _ => Op::Ioctl { fd },
            };
            watched(o, Some(fd))
        }
        Class::CloseRange => {
            let f = flags::eval(a.text(2), flags::close_range_flag);
            let Some((first, last)) = a.int(0).zip(a.int(1)) else {
                return Decoded::default();
            };
            let bits = f.unwrap_or(0);
            op(Op::CloseRange {
                req: CloseRange::new(first as u32, last as u32, bits as u32),
                unshare: bits & fs::CLOSE_RANGE_UNSHARE != 0,
                flags_known: f.is_some(),
            })
        }
        Class::Accept { .. } => op(a.fd(0).map_or(Op::Undecided, |fd| Op::Socket { fd })),
        Class::Recvmsg { .. } | Class::Sendmsg { .. } => {
            let fd = a.fd(0);
            watched(fd.map_or(Op::Undecided, |fd| Op::Socket { fd }), fd)
        }
        Class::Clone | Class::Clone3 | Class::Fork => op(Op::Clone {
            flags: clone_flags(name, args, &mut a),
        }),
        Class::Use(u) => {
            let mut slots = [None; 2];
            for (k, &i) in u.fds.iter().enumerate() {
                if i != u8::MAX {
                    slots[k] = a.fd(usize::from(i));
                }
            }
            Decoded {
                op: Op::Uses { slots },
                watch: slots,
            }
        }
        Class::Lseek => {
            let fd = a.fd(0);
            let o = match fd {
                Some(fd) => Op::Lseek {
                    fd,
                    off: a.int(1),
                    whence: match flags::strip_comment(a.text(2)) {
                        name::SEEK_SET => Whence::Set,
                        name::SEEK_CUR => Whence::Cur,
                        _ => Whence::Other,
                    },
                },
                None => Op::Undecided,
            };
            watched(o, fd)
        }
        Class::Mmap => {
            let anon = flags::has(a.text(3), name::MAP_ANONYMOUS, fs::MAP_ANONYMOUS);
            let fd = a.fd(4);
            let o = match fd {
                Some(fd) if !anon => use1(fd, first),
                _ => Op::Undecided,
            };
            watched(o, fd)
        }
        Class::Unshare => op(Op::Unshare {
            files: flags::has(a.text(0), name::CLONE_FILES, fs::CLONE_FILES),
        }),
        Class::Waitid => op(match a.text(0) {
            name::P_PIDFD => a
                .fd(1)
                .map_or(Op::Undecided, |fd| use1(fd, Need::default())),
            _ => Op::Undecided,
        }),
        Class::Open(form) => op(open_op(form, args, &mut a)),
        Class::New(_)
        | Class::Pipe
        | Class::Socketpair
        | Class::Exec { .. }
        | Class::Prlimit
        | Class::Setrlimit
        | Class::Getrlimit
        | Class::At(_) => op(Op::Later),
    }
}

/// [`Op::Open`] of an `open`-family call with arguments `args` (split by `a`).
fn open_op(form: OpenForm, args: &str, a: &mut Argv<'_>) -> Op {
    let (dirfd_i, path_i, flags_text) = match form {
        OpenForm::Open => (None, 0, a.text(1)),
        OpenForm::Openat => (Some(0), 1, a.text(2)),
        OpenForm::Creat => (None, 0, "O_CREAT|O_WRONLY|O_TRUNC"),
        OpenForm::Openat2 => (Some(0), 1, flags::field(a.text(2), "flags").unwrap_or("")),
    };
    let fl = flags::eval(flags_text, flags::oflag);
    let cloexec = match fl {
        Some(f) => f & O_CLOEXEC != 0,
        None => flags::has(flags_text, name::O_CLOEXEC, fs::O_CLOEXEC),
    };
    let path = unquote(a.text(path_i));
    let relative = path.is_some_and(|p| !p.starts_with('/'));
    let dirfd = dirfd_i
        .and_then(|i| a.fd(i))
        .filter(|&d| d != AT_FDCWD && relative);
    Op::Open(OpenInputs {
        cloexec,
        dirfd,
        flags: fl,
        path: path.and_then(|p| Span::of(args, p)),
    })
}

/// The clone flags of a clone-family call `name` with arguments `args` (split
/// by `a`).
fn clone_flags(name: &str, args: &str, a: &mut Argv<'_>) -> Option<u64> {
    match name {
        "fork" => Some(0),
        "vfork" => Some(fs::CLONE_VM | fs::CLONE_VFORK),
        "clone" => {
            let f = a.named("flags").unwrap_or(a.text(0));
            flags::eval(f, flags::clone_flag)
        }
        "clone3" => flags::field(args, "flags").and_then(|f| flags::eval(f, flags::clone_flag)),
        _ => None,
    }
}

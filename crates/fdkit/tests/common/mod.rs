//! Shared setup of the conformance tests (`tests/conformance_*.rs`).
//!
//! Read this first: every test starts with [`setup`], which gives a [`System`] with one
//! process (pid 100, descriptors 0, 1, 2 open on the terminal, soft `RLIMIT_NOFILE`
//! 1024, hard 4096, privileged) and its task `fx.t`. Calls are checked with
//! [`check!`], whose failure message reads `call(args): got X, want Y`:
//!
//! ```ignore
//! check!(t.dup(-1), Err(Errno::BADF));      // dup(-1): got Ok(3), want Err(EBADF)
//! check!(t.dup(3), Ok(4));
//! ```
//!
//! A call's result is compared as the system call's return value: descriptors,
//! flag words and counts as integers, `()` as 0, `bool` as 0/1.
//!
//! Each test cites the case IDs of `shared/reference/conformance-cases.md` it covers;
//! `CONFORMANCE.md` maps every ID to its test or says why it does not apply.

#![allow(dead_code, unused_macros, unused_imports)]

pub use fdkit::flags::fcntl_cmd::*;
pub use fdkit::syscall::fd::{FIOASYNC, FIOCLEX, FIONBIO, FIONCLEX};
pub use fdkit::{
    CloneFlags, CloseRangeFlags, DupFlags, Errno, EventFdFlags, Fd, FdFlags, OFlags, Pid, RLimit,
    SockFlags, System, Task, Whence,
};
use std::sync::Arc;

/// `O_CLOEXEC` as the raw flag word `dup3` and `pipe2` take.
pub const O_CLOEXEC: u32 = OFlags::CLOEXEC.bits();
/// `FD_CLOEXEC`, as `F_GETFD` returns it.
pub const FD_CLOEXEC: i64 = 1;
/// `CLOSE_RANGE_UNSHARE`.
pub const CR_UNSHARE: u32 = 2;
/// `CLOSE_RANGE_CLOEXEC`.
pub const CR_CLOEXEC: u32 = 4;
/// `RLIMIT_NOFILE`.
pub const NOFILE: u32 = fdkit::flags::RLIMIT_NOFILE;
/// `SEEK_SET`, `SEEK_CUR`, `SEEK_END`.
pub const SEEK_SET: i32 = 0;
/// `SEEK_CUR`.
pub const SEEK_CUR: i32 = 1;
/// `SEEK_END`.
pub const SEEK_END: i32 = 2;
/// `AF_UNIX`, `SOCK_STREAM`, `SOCK_NONBLOCK`, `SOCK_CLOEXEC`.
pub const AF_UNIX: i32 = fdkit::flags::AF_UNIX;
/// `SOCK_STREAM`.
pub const SOCK_STREAM: u32 = fdkit::flags::SOCK_STREAM;
/// `SOCK_NONBLOCK`.
pub const SOCK_NONBLOCK: u32 = fdkit::flags::SOCK_NONBLOCK;
/// `SOCK_CLOEXEC`.
pub const SOCK_CLOEXEC: u32 = fdkit::flags::SOCK_CLOEXEC;
/// `EFD_CLOEXEC` (== `O_CLOEXEC`).
pub const EFD_CLOEXEC: u32 = O_CLOEXEC;
/// `S_IFMT`.
pub const S_IFMT: u32 = 0o170000;
/// `S_IFREG`.
pub const S_IFREG: u32 = 0o100000;

/// A call's result as the system call's return value, so that `check!` can compare
/// `Ok(4)` with a `Result<Fd>` or `Ok(0)` with a `Result<()>`.
pub trait Ret {
    /// The integer a successful call returns.
    fn ret(self) -> i64;
}

impl Ret for Fd {
    fn ret(self) -> i64 {
        i64::from(self.as_raw())
    }
}
impl Ret for () {
    fn ret(self) -> i64 {
        0
    }
}
impl Ret for bool {
    fn ret(self) -> i64 {
        i64::from(self)
    }
}
impl Ret for i64 {
    fn ret(self) -> i64 {
        self
    }
}
impl Ret for u64 {
    fn ret(self) -> i64 {
        self as i64
    }
}
impl Ret for usize {
    fn ret(self) -> i64 {
        self as i64
    }
}
impl Ret for FdFlags {
    fn ret(self) -> i64 {
        i64::from(self.bits())
    }
}
impl Ret for OFlags {
    fn ret(self) -> i64 {
        i64::from(self.bits())
    }
}

/// `result` as `Ok(return value)` or `Err(errno)`.
pub fn ret<T: Ret>(result: Result<T, Errno>) -> Result<i64, Errno> {
    result.map(Ret::ret)
}

/// Checks one call against the value Linux gives.
///
/// `check!(t.dup(fd), Ok(4))` or `check!(python::dup(&t, fd), Err(Errno::BADF))`.
/// On failure: `dup(3): got Err(EBADF), want Ok(4)`, at the caller's line. The
/// arguments are shown by `Debug` (they are evaluated again for the message, so keep
/// them free of side effects).
macro_rules! check {
    ($t:ident . $m:ident ( $($a:expr),* $(,)? ), $want:expr $(,)?) => {{
        let got = $crate::common::ret($t.$m($($a),*));
        let want: Result<i64, $crate::common::Errno> = $want;
        if got != want {
            let args: Vec<String> = vec![$($crate::common::show_arg(format!("{:?}", $a))),*];
            panic!(
                "{}({}): got {}, want {}",
                stringify!($m),
                args.join(", "),
                $crate::common::show(&got),
                $crate::common::show(&want)
            );
        }
    }};
    ($($f:ident)::+ ( $t:expr $(, $a:expr)* $(,)? ), $want:expr $(,)?) => {{
        let got = $crate::common::ret($($f)::+($t $(, $a)*));
        let want: Result<i64, $crate::common::Errno> = $want;
        if got != want {
            let args: Vec<String> = vec![$($crate::common::show_arg(format!("{:?}", $a))),*];
            panic!(
                "{}({}): got {}, want {}",
                stringify!($($f)::+),
                args.join(", "),
                $crate::common::show(&got),
                $crate::common::show(&want)
            );
        }
    }};
}

/// An argument as the failure messages print it: a descriptor as its C `int`.
pub fn show_arg(debug: String) -> String {
    match debug.strip_prefix("Fd(").and_then(|s| s.strip_suffix(')')) {
        Some(n) => n.to_string(),
        None => debug,
    }
}

/// `Ok(4)` / `Err(EBADF)`, as the failure messages print them.
pub fn show(r: &Result<i64, Errno>) -> String {
    match r {
        Ok(n) => format!("Ok({n})"),
        Err(e) => format!("Err({})", e.name().unwrap_or("?")),
    }
}

/// The fixture: a system, its one process, and that process's task.
pub struct Fx {
    /// The system.
    pub sys: System,
    /// The process (100).
    pub pid: Pid,
    /// Its only thread.
    pub t: Task,
}

/// A system with one process: 0, 1, 2 open, soft limit 1024, hard 4096, root.
#[track_caller]
pub fn setup() -> Fx {
    let sys = System::new();
    let pid = sys.spawn().expect("spawn");
    let t = sys.task(pid).expect("task");
    Fx { sys, pid, t }
}

impl Fx {
    /// The task of thread `tid`.
    #[track_caller]
    pub fn task(&self, tid: Pid) -> Task {
        self.sys.task(tid).expect("task")
    }

    /// `fork()` from `t`: the child's task.
    #[track_caller]
    pub fn fork(&self, t: &Task) -> Task {
        let child = t.fork().expect("fork");
        self.task(child)
    }

    /// `clone(CLONE_FILES)` from `t`: a child process sharing `t`'s table.
    #[track_caller]
    pub fn clone_files(&self, t: &Task) -> Task {
        let (child, _) = t
            .clone_task(CloneFlags::FILES, None)
            .expect("clone(CLONE_FILES)");
        self.task(child)
    }

    /// A new thread of `t`'s process (`CLONE_VM|CLONE_SIGHAND|CLONE_THREAD|CLONE_FILES`).
    #[track_caller]
    pub fn thread(&self, t: &Task) -> Task {
        let flags = CloneFlags::VM | CloneFlags::SIGHAND | CloneFlags::THREAD | CloneFlags::FILES;
        let (tid, _) = t.clone_task(flags, None).expect("clone(CLONE_THREAD)");
        self.task(tid)
    }
}

/// Opens (creating, mode 0644) `path` with `flags` on `t`; panics on failure.
#[track_caller]
pub fn open(t: &Task, path: &str, flags: OFlags) -> Fd {
    match t.open(path, flags | OFlags::CREAT, 0o644) {
        Ok(fd) => fd,
        Err(e) => panic!("open({path:?}, {flags:?}): got Err({e}), want a descriptor"),
    }
}

/// Creates `path` holding `contents` and opens it with `flags` (no `O_CREAT` needed).
#[track_caller]
pub fn open_with(t: &Task, path: &str, contents: &[u8], flags: OFlags) -> Fd {
    let w = open(t, path, OFlags::WRONLY | OFlags::TRUNC);
    assert_eq!(t.write(w, contents), Ok(contents.len()), "write({path:?})");
    t.close(w).expect("close");
    open(t, path, flags)
}

/// Whether `fd` is open in `t`'s table (`F_GETFD` succeeds).
pub fn is_open(t: &Task, fd: impl Into<Fd>) -> bool {
    t.fcntl_getfd(fd).is_ok()
}

/// Whether the open `fd` has close-on-exec; panics if it is not open.
#[track_caller]
pub fn cloexec(t: &Task, fd: impl Into<Fd>) -> bool {
    let fd = fd.into();
    match t.fcntl_getfd(fd) {
        Ok(flags) => flags.contains(FdFlags::CLOEXEC),
        Err(e) => panic!("fcntl({fd}, F_GETFD): got Err({e}), want an open descriptor"),
    }
}

/// `F_GETFL` of the open `fd`, as an integer.
#[track_caller]
pub fn getfl(t: &Task, fd: impl Into<Fd>) -> u32 {
    let fd = fd.into();
    match t.fcntl_getfl(fd) {
        Ok(flags) => flags.bits(),
        Err(e) => panic!("fcntl({fd}, F_GETFL): got Err({e}), want an open descriptor"),
    }
}

/// The open descriptors of `t`'s table, in increasing order.
#[track_caller]
pub fn fds(t: &Task) -> Vec<u32> {
    let listing = t.fd_listing().expect("fd_listing");
    listing.entries.iter().map(|e| e.fd.get()).collect()
}

/// The highest open descriptor of `t`'s table.
#[track_caller]
pub fn highest(t: &Task) -> Option<u32> {
    fds(t).last().copied()
}

/// Whether `a` and `b` refer to the same open file description.
#[track_caller]
pub fn same_ofd(t: &Task, a: impl Into<Fd>, b: impl Into<Fd>) -> bool {
    let (a, b) = (a.into(), b.into());
    let fa = t.file(a).unwrap_or_else(|e| panic!("file({a}): {e}"));
    let fb = t.file(b).unwrap_or_else(|e| panic!("file({b}): {e}"));
    Arc::ptr_eq(&fa, &fb)
}

/// The inode number behind the open `fd`.
#[track_caller]
pub fn ino(t: &Task, fd: impl Into<Fd>) -> u64 {
    let fd = fd.into();
    t.fstat(fd)
        .unwrap_or_else(|e| panic!("fstat({fd}): {e}"))
        .ino
}

/// Reads up to `n` bytes from `fd`.
#[track_caller]
pub fn read_n(t: &Task, fd: impl Into<Fd>, n: usize) -> Vec<u8> {
    let fd = fd.into();
    let mut buf = vec![0; n];
    let got = t
        .read(fd, &mut buf)
        .unwrap_or_else(|e| panic!("read({fd}, {n}): {e}"));
    buf.truncate(got);
    buf
}

/// Sets the soft `RLIMIT_NOFILE` of `t`'s process, keeping the hard limit.
#[track_caller]
pub fn set_nofile(t: &Task, cur: u64) {
    let max = t.getrlimit(NOFILE).expect("getrlimit").max.max(cur);
    t.setrlimit(NOFILE, RLimit { cur, max })
        .unwrap_or_else(|e| panic!("setrlimit(NOFILE, {cur}): {e}"));
}

/// `closefrom(lowfd)` as glibc implements it: `close_range(lowfd, ~0U, 0)`.
#[track_caller]
pub fn closefrom(t: &Task, lowfd: u32) {
    t.close_range(lowfd, u32::MAX, CloseRangeFlags::empty())
        .unwrap_or_else(|e| panic!("close_range({lowfd}, ~0U, 0): {e}"));
}

/// `n` consecutive descriptors opened read-only on fresh files `/tmp/{tag}.{i}`,
/// returned in order (they are consecutive when nothing above them is open).
#[track_caller]
pub fn open_many(t: &Task, tag: &str, n: usize) -> Vec<Fd> {
    (0..n)
        .map(|i| open(t, &format!("/tmp/{tag}.{i}"), OFlags::RDONLY))
        .collect()
}

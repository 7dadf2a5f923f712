//! The unsafe half of the crate: raw system calls, `fork`/`clone`/`execve`, signal
//! dispositions and System V shared memory. Every other module is safe code over the
//! wrappers here; each `unsafe` block says why it is sound.
//!
//! Why raw calls rather than rustix for the calls under test: the executor must pass
//! exactly what a script says, including descriptor numbers that are closed, negative
//! or huge and flag words with unknown bits. rustix's I/O-safe types cannot say that
//! (`BorrowedFd` never holds -1 and promises an open descriptor, `dup2` wants
//! `&mut OwnedFd`, flags are typed), and glibc's wrappers rewrite some calls (`open`
//! becomes `openat`, `fcntl(F_GETOWN)` becomes `F_GETOWN_EX`). So they go through
//! `libc::syscall` with the numbers as given, and strace shows the very call the script
//! names. The infrastructure (pidfds, futexes, polling, the pty) uses rustix.

use fdkit::catalog::flagset as fs;
use fdkit::{Errno, ExitStatus, RLimit, Stat};
use std::ffi::{CStr, CString};
use std::mem::MaybeUninit;
use std::sync::atomic::{AtomicU32, AtomicU8};

fn last_errno() -> Errno {
    Errno::from_raw(
        std::io::Error::last_os_error()
            .raw_os_error()
            .unwrap_or(libc::EIO),
    )
}

fn check(ret: libc::c_long) -> Result<i64, Errno> {
    if ret < 0 {
        Err(last_errno())
    } else {
        Ok(ret)
    }
}

/// A system call whose arguments are all plain integers (no pointers).
///
/// Private: only wrappers whose system call reads no argument as an address call it.
fn int_call(nr: libc::c_long, a: [i64; 3]) -> Result<i64, Errno> {
    // SAFETY: the callers below pass only system calls that treat these arguments as
    // integers (numbers, flags, offsets), so the kernel dereferences nothing of ours.
    check(unsafe { libc::syscall(nr, a[0], a[1], a[2]) })
}

/// `close(fd)`.
pub(crate) fn close(fd: i32) -> Result<i64, Errno> {
    int_call(libc::SYS_close, [i64::from(fd), 0, 0])
}

/// `close_range(first, last, flags)`.
pub(crate) fn close_range(first: u32, last: u32, flags: u32) -> Result<i64, Errno> {
    int_call(
        libc::SYS_close_range,
        [i64::from(first), i64::from(last), i64::from(flags)],
    )
}

/// `dup(fd)`.
pub(crate) fn dup(fd: i32) -> Result<i64, Errno> {
    int_call(libc::SYS_dup, [i64::from(fd), 0, 0])
}

/// `dup2(old, new)`.
pub(crate) fn dup2(old: i32, new: i32) -> Result<i64, Errno> {
    int_call(libc::SYS_dup2, [i64::from(old), i64::from(new), 0])
}

/// `dup3(old, new, flags)`.
pub(crate) fn dup3(old: i32, new: i32, flags: u32) -> Result<i64, Errno> {
    int_call(
        libc::SYS_dup3,
        [i64::from(old), i64::from(new), i64::from(flags)],
    )
}

/// `fcntl` commands whose argument is an address; [`fcntl_int`] refuses them.
pub(crate) fn fcntl_takes_pointer(cmd: i32) -> bool {
    // F_GETLK, F_SETLK, F_SETLKW, F_SETOWN_EX, F_GETOWN_EX, F_GETOWNER_UIDS,
    // F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW, F_GET_RW_HINT .. F_SET_FILE_RW_HINT.
    matches!(cmd, 5..=7 | 15..=17 | 36..=38 | 1035..=1038)
}

/// `fcntl(fd, cmd, arg)` for the integer commands; `None` for a pointer command.
pub(crate) fn fcntl_int(fd: i32, cmd: i32, arg: u64) -> Option<Result<i64, Errno>> {
    if fcntl_takes_pointer(cmd) {
        return None;
    }
    Some(int_call(
        libc::SYS_fcntl,
        [i64::from(fd), i64::from(cmd), arg as i64],
    ))
}

/// `lseek(fd, offset, whence)`.
pub(crate) fn lseek(fd: i32, offset: i64, whence: i32) -> Result<i64, Errno> {
    int_call(libc::SYS_lseek, [i64::from(fd), offset, i64::from(whence)])
}

/// `eventfd2(initval, flags)`.
pub(crate) fn eventfd2(initval: u32, flags: u32) -> Result<i64, Errno> {
    int_call(
        libc::SYS_eventfd2,
        [i64::from(initval), i64::from(flags), 0],
    )
}

/// `unshare(flags)`.
pub(crate) fn unshare(flags: u64) -> Result<i64, Errno> {
    int_call(libc::SYS_unshare, [flags as i64, 0, 0])
}

/// What [`kcmp`] compares: `KCMP_FILE` (two descriptors' open file descriptions)
/// or `KCMP_FILES` (two processes' descriptor tables).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Kcmp {
    /// `KCMP_FILE`: the descriptions behind `idx1` of `pid1` and `idx2` of `pid2`.
    File,
    /// `KCMP_FILES`: the tables of `pid1` and `pid2`.
    Files,
}

/// `kcmp(pid1, pid2, type, idx1, idx2)`: 0 when the two kernel objects are the same
/// (1 or 2 orders them otherwise). Needs `PTRACE_MODE_READ` on both processes.
pub(crate) fn kcmp(pid1: u32, pid2: u32, kind: Kcmp, idx1: u32, idx2: u32) -> Result<i64, Errno> {
    let kind: libc::c_long = match kind {
        Kcmp::File => 0,
        Kcmp::Files => 2,
    };
    // SAFETY: kcmp with KCMP_FILE or KCMP_FILES reads all five arguments as integers
    // (pids, a type, descriptor numbers); the kernel dereferences nothing of ours.
    check(unsafe {
        libc::syscall(
            libc::SYS_kcmp,
            libc::c_long::from(pid1),
            libc::c_long::from(pid2),
            kind,
            libc::c_long::from(idx1),
            libc::c_long::from(idx2),
        )
    })
}

/// `exit(status)`: ends this thread, which in the single-threaded helper ends the
/// process.
pub(crate) fn exit_thread(status: i32) -> ! {
    // SAFETY: exit takes an integer and does not return.
    unsafe {
        libc::syscall(libc::SYS_exit, libc::c_long::from(status));
    }
    exit_group(status)
}

/// `exit_group(status)`.
pub(crate) fn exit_group(status: i32) -> ! {
    // SAFETY: exit_group takes an integer and does not return.
    unsafe {
        libc::syscall(libc::SYS_exit_group, libc::c_long::from(status));
    }
    // Unreachable; `_exit` for the type checker and in case of a seccomp surprise.
    // SAFETY: `_exit` is always safe to call.
    unsafe { libc::_exit(status) }
}

/// The `ioctl` requests [`ioctl_int`] performs: `FIOCLEX`, `FIONCLEX`, `FIONBIO` and
/// `FIOASYNC`, whose argument is absent or a pointer to one `int`.
pub(crate) fn ioctl_supported(request: u64) -> bool {
    matches!(
        request & u64::from(u32::MAX),
        fs::FIOCLEX | fs::FIONCLEX | fs::FIONBIO | fs::FIOASYNC
    )
}

/// `ioctl(fd, request, &arg)` for the [`ioctl_supported`] requests; `None` otherwise.
pub(crate) fn ioctl_int(fd: i32, request: u64, arg: i32) -> Option<Result<i64, Errno>> {
    if !ioctl_supported(request) {
        return None;
    }
    let mut value: libc::c_int = arg;
    // SAFETY: the four requests read at most one int through the pointer, which
    // points at `value`, alive for the call.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_ioctl,
            libc::c_long::from(fd),
            request as libc::c_long,
            std::ptr::addr_of_mut!(value),
        )
    };
    Some(check(ret))
}

/// `open(path, flags, mode)`.
pub(crate) fn open(path: &CStr, flags: u32, mode: u32) -> Result<i64, Errno> {
    // SAFETY: `path` is a NUL-terminated string alive for the call.
    check(unsafe {
        libc::syscall(
            libc::SYS_open,
            path.as_ptr(),
            libc::c_long::from(flags),
            libc::c_long::from(mode),
        )
    })
}

/// `openat(dirfd, path, flags, mode)`.
pub(crate) fn openat(dirfd: i32, path: &CStr, flags: u32, mode: u32) -> Result<i64, Errno> {
    // SAFETY: `path` is a NUL-terminated string alive for the call.
    check(unsafe {
        libc::syscall(
            libc::SYS_openat,
            libc::c_long::from(dirfd),
            path.as_ptr(),
            libc::c_long::from(flags),
            libc::c_long::from(mode),
        )
    })
}

/// `creat(path, mode)`.
pub(crate) fn creat(path: &CStr, mode: u32) -> Result<i64, Errno> {
    // SAFETY: `path` is a NUL-terminated string alive for the call.
    check(unsafe { libc::syscall(libc::SYS_creat, path.as_ptr(), libc::c_long::from(mode)) })
}

/// `mkdir(path, mode)`.
pub(crate) fn mkdir(path: &CStr, mode: u32) -> Result<i64, Errno> {
    // SAFETY: `path` is a NUL-terminated string alive for the call.
    check(unsafe { libc::syscall(libc::SYS_mkdir, path.as_ptr(), libc::c_long::from(mode)) })
}

/// `unlink(path)`, `rmdir(path)` or `chdir(path)`: `nr` is one of those three.
pub(crate) fn path_call(nr: PathCall, path: &CStr) -> Result<i64, Errno> {
    let nr = match nr {
        PathCall::Unlink => libc::SYS_unlink,
        PathCall::Rmdir => libc::SYS_rmdir,
        PathCall::Chdir => libc::SYS_chdir,
    };
    // SAFETY: the three calls read one NUL-terminated string, alive for the call.
    check(unsafe { libc::syscall(nr, path.as_ptr()) })
}

/// The system calls taking just one path.
#[derive(Clone, Copy, Debug)]
pub(crate) enum PathCall {
    /// `unlink`.
    Unlink,
    /// `rmdir`.
    Rmdir,
    /// `chdir`.
    Chdir,
}

/// `rename(old, new)`.
pub(crate) fn rename(old: &CStr, new: &CStr) -> Result<i64, Errno> {
    // SAFETY: both are NUL-terminated strings alive for the call.
    check(unsafe { libc::syscall(libc::SYS_rename, old.as_ptr(), new.as_ptr()) })
}

/// `read(fd, buf, buf.len())`.
pub(crate) fn read(fd: i32, buf: &mut [u8]) -> Result<i64, Errno> {
    // SAFETY: the kernel writes at most `buf.len()` bytes into `buf`.
    check(unsafe {
        libc::syscall(
            libc::SYS_read,
            libc::c_long::from(fd),
            buf.as_mut_ptr(),
            buf.len(),
        )
    })
}

/// `write(fd, data, data.len())`.
pub(crate) fn write(fd: i32, data: &[u8]) -> Result<i64, Errno> {
    // SAFETY: the kernel reads at most `data.len()` bytes from `data`.
    check(unsafe {
        libc::syscall(
            libc::SYS_write,
            libc::c_long::from(fd),
            data.as_ptr(),
            data.len(),
        )
    })
}

/// `pread64(fd, buf, buf.len(), offset)`.
pub(crate) fn pread(fd: i32, buf: &mut [u8], offset: i64) -> Result<i64, Errno> {
    // SAFETY: the kernel writes at most `buf.len()` bytes into `buf`.
    check(unsafe {
        libc::syscall(
            libc::SYS_pread64,
            libc::c_long::from(fd),
            buf.as_mut_ptr(),
            buf.len(),
            offset,
        )
    })
}

/// `pwrite64(fd, data, data.len(), offset)`.
pub(crate) fn pwrite(fd: i32, data: &[u8], offset: i64) -> Result<i64, Errno> {
    // SAFETY: the kernel reads at most `data.len()` bytes from `data`.
    check(unsafe {
        libc::syscall(
            libc::SYS_pwrite64,
            libc::c_long::from(fd),
            data.as_ptr(),
            data.len(),
            offset,
        )
    })
}

/// `pipe(fds)` (`flags` `None`) or `pipe2(fds, flags)`.
pub(crate) fn pipe(flags: Option<u32>) -> Result<[i32; 2], Errno> {
    let mut fds = [-1 as libc::c_int; 2];
    // SAFETY: the kernel writes two ints into `fds`.
    let ret = unsafe {
        match flags {
            None => libc::syscall(libc::SYS_pipe, fds.as_mut_ptr()),
            Some(flags) => {
                libc::syscall(libc::SYS_pipe2, fds.as_mut_ptr(), libc::c_long::from(flags))
            }
        }
    };
    check(ret).map(|_| fds)
}

/// `socketpair(domain, ty, protocol, fds)`.
pub(crate) fn socketpair(domain: i32, ty: u32, protocol: i32) -> Result<[i32; 2], Errno> {
    let mut fds = [-1 as libc::c_int; 2];
    // SAFETY: the kernel writes two ints into `fds`.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_socketpair,
            libc::c_long::from(domain),
            libc::c_long::from(ty),
            libc::c_long::from(protocol),
            fds.as_mut_ptr(),
        )
    };
    check(ret).map(|_| fds)
}

/// `struct rlimit` as the x86-64 kernel reads and writes it (also `rlimit64`).
#[repr(C)]
#[derive(Clone, Copy)]
struct RawRlimit {
    cur: u64,
    max: u64,
}

/// `getrlimit(resource)`.
pub(crate) fn getrlimit(resource: u32) -> Result<RLimit, Errno> {
    let mut out = RawRlimit { cur: 0, max: 0 };
    // SAFETY: the kernel writes one struct rlimit into `out`.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_getrlimit,
            libc::c_long::from(resource),
            std::ptr::addr_of_mut!(out),
        )
    };
    check(ret).map(|_| RLimit {
        cur: out.cur,
        max: out.max,
    })
}

/// `setrlimit(resource, limit)`.
pub(crate) fn setrlimit(resource: u32, limit: RLimit) -> Result<i64, Errno> {
    let new = RawRlimit {
        cur: limit.cur,
        max: limit.max,
    };
    // SAFETY: the kernel reads one struct rlimit from `new`.
    check(unsafe {
        libc::syscall(
            libc::SYS_setrlimit,
            libc::c_long::from(resource),
            std::ptr::addr_of!(new),
        )
    })
}

/// `prlimit64(pid, resource, new, &old)`; returns the old limit.
pub(crate) fn prlimit(pid: u32, resource: u32, new: Option<RLimit>) -> Result<RLimit, Errno> {
    let new = new.map(|l| RawRlimit {
        cur: l.cur,
        max: l.max,
    });
    let new_ptr = new
        .as_ref()
        .map_or(std::ptr::null(), |n| n as *const RawRlimit);
    let mut old = RawRlimit { cur: 0, max: 0 };
    // SAFETY: `new_ptr` is null or points at `new`; the kernel writes `old`.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_prlimit64,
            libc::c_long::from(pid as i32),
            libc::c_long::from(resource),
            new_ptr,
            std::ptr::addr_of_mut!(old),
        )
    };
    check(ret).map(|_| RLimit {
        cur: old.cur,
        max: old.max,
    })
}

/// `fstat(fd)`.
pub(crate) fn fstat(fd: i32) -> Result<Stat, Errno> {
    let mut st = MaybeUninit::<libc::stat>::zeroed();
    // SAFETY: the kernel writes one struct stat into `st`, which is zeroed (a valid
    // value of this plain-integer struct) in any case.
    let ret = unsafe { libc::syscall(libc::SYS_fstat, libc::c_long::from(fd), st.as_mut_ptr()) };
    check(ret)?;
    // SAFETY: zero-initialised and then written by the kernel: initialised.
    let st = unsafe { st.assume_init() };
    Ok(Stat {
        dev: st.st_dev,
        ino: st.st_ino,
        mode: st.st_mode,
        nlink: st.st_nlink as u32,
        size: st.st_size as u64,
    })
}

/// `wait4(pid, &status, WNOHANG?, NULL)`: the reaped child and how it ended, or `None`
/// for `WNOHANG` with nothing to reap.
pub(crate) fn wait4(pid: i32, nohang: bool) -> Result<Option<(u32, ExitStatus)>, Errno> {
    let mut status: libc::c_int = 0;
    let options = if nohang { libc::WNOHANG } else { 0 };
    // SAFETY: the kernel writes one int into `status`; rusage is null.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_wait4,
            libc::c_long::from(pid),
            std::ptr::addr_of_mut!(status),
            libc::c_long::from(options),
            std::ptr::null_mut::<libc::rusage>(),
        )
    };
    let child = check(ret)?;
    if child == 0 {
        return Ok(None);
    }
    let how = if libc::WIFSIGNALED(status) {
        ExitStatus::Killed(libc::WTERMSIG(status))
    } else {
        ExitStatus::Exited(libc::WEXITSTATUS(status))
    };
    Ok(Some((child as u32, how)))
}

/// What `fork`/`clone` returned in this process.
pub(crate) enum Forked {
    /// The parent, with the child's pid.
    Parent(u32),
    /// The child.
    Child,
}

/// glibc's `fork()`, which keeps the C library's state valid in the child.
///
/// Call it only from a single-threaded process (the helper): in the child only the
/// calling thread exists, and with no other thread there is nothing left locked.
pub(crate) fn fork() -> Result<Forked, Errno> {
    // SAFETY: the helper is single-threaded, so the child is a faithful copy with no
    // lock held by a vanished thread.
    match unsafe { libc::fork() } {
        -1 => Err(last_errno()),
        0 => Ok(Forked::Child),
        pid => Ok(Forked::Parent(pid as u32)),
    }
}

/// `clone(flags)` with no new stack: a process like `fork`'s child but with `flags`
/// (`CLONE_FILES`, `CLONE_FS` ...). The caller refuses `CLONE_VM` and friends: without
/// its own address space the child would run on the parent's stack.
pub(crate) fn clone_process(flags: u64) -> Result<Forked, Errno> {
    // SAFETY: without CLONE_VM the child gets a copy-on-write copy of the address
    // space, so reusing the stack pointer (newsp 0) is what fork does; the helper is
    // single-threaded. The tid pointers and tls are unused (no CLONE_*TID/SETTLS).
    let ret = unsafe { libc::syscall(libc::SYS_clone, flags as libc::c_long, 0, 0, 0, 0) };
    match check(ret)? {
        0 => Ok(Forked::Child),
        pid => Ok(Forked::Parent(pid as u32)),
    }
}

/// `execve(path, argv, envp)`; returns only on failure.
pub(crate) fn execve(path: &CStr, argv: &[CString], envp: &[CString]) -> Errno {
    let mut args: Vec<*const libc::c_char> = argv.iter().map(|a| a.as_ptr()).collect();
    args.push(std::ptr::null());
    let mut env: Vec<*const libc::c_char> = envp.iter().map(|e| e.as_ptr()).collect();
    env.push(std::ptr::null());
    // SAFETY: both arrays are NULL-terminated arrays of NUL-terminated strings that
    // outlive the call.
    unsafe {
        libc::execve(path.as_ptr(), args.as_ptr(), env.as_ptr());
    }
    last_errno()
}

extern "C" fn on_interrupt(_signal: libc::c_int) {}

/// The helper's signal dispositions: `SIGPIPE` ignored (a write to a widowed pipe
/// fails with `EPIPE`, as the model has it), `SIGIO` ignored (a script may make a
/// helper the owner of an `O_ASYNC` terminal; the model delivers no signals) and a do-nothing `SIGURG` handler
/// installed *without* `SA_RESTART`, so the driver can make a call that would block
/// fail with `EINTR` (the model's interrupt). `SIGURG`'s default action is to ignore
/// it, so one that arrives while no handler is installed (during `execve`) is harmless.
pub(crate) fn install_signal_dispositions() -> Result<(), Errno> {
    // SAFETY: sigaction with a zeroed struct plus a handler of the right type; the
    // handler does nothing, so it is async-signal-safe.
    unsafe {
        let mut ignore: libc::sigaction = std::mem::zeroed();
        ignore.sa_sigaction = libc::SIG_IGN;
        for signal in [libc::SIGPIPE, libc::SIGIO] {
            if libc::sigaction(signal, &ignore, std::ptr::null_mut()) != 0 {
                return Err(last_errno());
            }
        }
        let mut handler: libc::sigaction = std::mem::zeroed();
        handler.sa_sigaction = on_interrupt as extern "C" fn(libc::c_int) as usize;
        handler.sa_flags = 0;
        libc::sigemptyset(&mut handler.sa_mask);
        if libc::sigaction(libc::SIGURG, &handler, std::ptr::null_mut()) != 0 {
            return Err(last_errno());
        }
    }
    Ok(())
}

/// A System V shared memory segment attached to this process.
///
/// System V rather than a mapped file or memfd because attaching needs no descriptor:
/// a helper that has just been `execve`d re-attaches by id, leaving its descriptor
/// table exactly as the kernel left it. The creator marks the segment for removal at
/// once (`IPC_RMID`); Linux still lets others attach by id until the last detach, so
/// nothing outlives the processes that use it.
///
/// Accessed only through atomics ([`Segment::word`], [`Segment::bytes`]): other
/// processes write it concurrently.
pub(crate) struct Segment {
    id: i32,
    ptr: *mut u8,
    len: usize,
}

// SAFETY: the segment is plain shared memory accessed only through atomics; the
// pointer stays valid until drop, whichever thread drops it.
unsafe impl Send for Segment {}
// SAFETY: as above; `&Segment` hands out only atomic views.
unsafe impl Sync for Segment {}

impl Segment {
    /// Creates and attaches a private segment of `len` bytes, already marked for
    /// removal.
    pub(crate) fn create(len: usize) -> Result<Segment, Errno> {
        // SAFETY: shmget takes integers only.
        let id = unsafe { libc::shmget(libc::IPC_PRIVATE, len, libc::IPC_CREAT | 0o600) };
        if id < 0 {
            return Err(last_errno());
        }
        let attached = Segment::attach(id);
        // SAFETY: IPC_RMID ignores the buffer argument.
        unsafe {
            libc::shmctl(id, libc::IPC_RMID, std::ptr::null_mut());
        }
        attached
    }

    /// Attaches segment `id`.
    pub(crate) fn attach(id: i32) -> Result<Segment, Errno> {
        let mut ds = MaybeUninit::<libc::shmid_ds>::zeroed();
        // SAFETY: IPC_STAT writes one shmid_ds into `ds`.
        if unsafe { libc::shmctl(id, libc::IPC_STAT, ds.as_mut_ptr()) } != 0 {
            return Err(last_errno());
        }
        // SAFETY: zeroed, then filled by the kernel.
        let len = unsafe { ds.assume_init() }.shm_segsz;
        // SAFETY: attach at an address of the kernel's choosing; nothing is replaced.
        let ptr = unsafe { libc::shmat(id, std::ptr::null(), 0) };
        if ptr as isize == -1 {
            return Err(last_errno());
        }
        Ok(Segment {
            id,
            ptr: ptr.cast(),
            len,
        })
    }

    /// The segment id (`shmid`).
    pub(crate) fn id(&self) -> i32 {
        self.id
    }

    /// Its size in bytes.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The 32-bit word at `offset` (4-aligned), if inside the segment.
    pub(crate) fn word(&self, offset: usize) -> Option<&AtomicU32> {
        if offset % 4 != 0 || offset.checked_add(4)? > self.len {
            return None;
        }
        // SAFETY: in bounds and aligned (the segment is page-aligned); the memory lives
        // as long as `self` and is only ever accessed atomically.
        Some(unsafe { &*self.ptr.add(offset).cast::<AtomicU32>() })
    }

    /// The `len` bytes at `offset`, if inside the segment.
    pub(crate) fn bytes(&self, offset: usize, len: usize) -> Option<&[AtomicU8]> {
        if offset.checked_add(len)? > self.len {
            return None;
        }
        // SAFETY: in bounds; AtomicU8 has the layout of u8; accessed only atomically.
        Some(unsafe { std::slice::from_raw_parts(self.ptr.add(offset).cast::<AtomicU8>(), len) })
    }
}

impl std::fmt::Debug for Segment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Segment")
            .field("id", &self.id)
            .field("len", &self.len)
            .finish()
    }
}

impl Drop for Segment {
    fn drop(&mut self) {
        // SAFETY: `ptr` came from shmat and no reference into it outlives `self`.
        unsafe {
            libc::shmdt(self.ptr.cast());
        }
    }
}

/// `SIGALRM` every `interval`, with a do-nothing handler installed without
/// `SA_RESTART`, so that a blocking `waitpid` returns `EINTR` that often (the reaper
/// uses it to notice that the driver is gone). Interval timers are not inherited by
/// `fork`, so the reaper's children are unaffected.
pub(crate) fn tick_every(interval: std::time::Duration) -> Result<(), Errno> {
    let tv = libc::timeval {
        tv_sec: interval.as_secs() as libc::time_t,
        tv_usec: libc::suseconds_t::from(interval.subsec_micros()),
    };
    let timer = libc::itimerval {
        it_interval: tv,
        it_value: tv,
    };
    // SAFETY: sigaction as in `install_signal_dispositions`; setitimer reads one
    // itimerval from `timer` and writes nothing (old value null).
    unsafe {
        let mut handler: libc::sigaction = std::mem::zeroed();
        handler.sa_sigaction = on_interrupt as extern "C" fn(libc::c_int) as usize;
        libc::sigemptyset(&mut handler.sa_mask);
        if libc::sigaction(libc::SIGALRM, &handler, std::ptr::null_mut()) != 0 {
            return Err(last_errno());
        }
        if libc::setitimer(libc::ITIMER_REAL, &timer, std::ptr::null_mut()) != 0 {
            return Err(last_errno());
        }
    }
    Ok(())
}

//! The host kernel side: the same work as the model, done with real system calls.
//!
//! This is the crate's only `unsafe` code (STYLE.md: unsafe, if ever, in one host
//! module). Every call is a plain libc wrapper on descriptors that a [`HostTable`]
//! owns; nothing here touches memory through a pointer the kernel did not fill.
//!
//! A [`HostTable`] fills the calling process's own descriptor table: it opens
//! `/dev/null` once and duplicates it, so every descriptor it creates refers to one
//! open file description, like the model fixtures. It records which numbers it
//! created and closes exactly those when dropped; descriptors the process had before
//! (stdio, a jobserver pipe) are left alone and only count as "open".
#![allow(unsafe_code)]

use std::io;

fn check(ret: libc::c_int) -> io::Result<libc::c_int> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

/// `dup(fd)`.
pub fn dup(fd: i32) -> io::Result<i32> {
    // SAFETY: dup reads no memory; an invalid fd is EBADF.
    check(unsafe { libc::dup(fd) })
}

/// `dup2(old, new)`.
pub fn dup2(old: i32, new: i32) -> io::Result<i32> {
    // SAFETY: as dup; callers only target numbers their HostTable owns or frees.
    check(unsafe { libc::dup2(old, new) })
}

/// `dup3(old, new, O_CLOEXEC)`.
pub fn dup3_cloexec(old: i32, new: i32) -> io::Result<i32> {
    // SAFETY: as dup2.
    check(unsafe { libc::dup3(old, new, libc::O_CLOEXEC) })
}

/// `close(fd)`.
pub fn close(fd: i32) -> io::Result<()> {
    // SAFETY: only called on descriptors the caller created.
    check(unsafe { libc::close(fd) }).map(drop)
}

/// `fcntl(fd, F_GETFD)`.
pub fn fcntl_getfd(fd: i32) -> io::Result<i32> {
    // SAFETY: F_GETFD takes no argument and reads no memory.
    check(unsafe { libc::fcntl(fd, libc::F_GETFD) })
}

/// `fcntl(fd, F_DUPFD, min)`.
pub fn fcntl_dupfd(fd: i32, min: i32) -> io::Result<i32> {
    // SAFETY: F_DUPFD takes an int and reads no memory.
    check(unsafe { libc::fcntl(fd, libc::F_DUPFD, min) })
}

/// `close_range(first, last, flags)` (Linux ≥ 5.9), through `syscall(2)`.
pub fn close_range(first: u32, last: u32, flags: u32) -> io::Result<()> {
    // SAFETY: close_range takes three integers; callers pass ranges they own.
    let ret = unsafe { libc::syscall(libc::SYS_close_range, first, last, flags) };
    check(ret as libc::c_int).map(drop)
}

/// `getppid()`: the cheapest system call, the floor under every host figure.
pub fn getppid() -> i32 {
    // SAFETY: getppid cannot fail and reads no memory.
    unsafe { libc::getppid() }
}

/// `fork()`; the child `_exit(0)`s at once; the parent `waitpid`s for it. The
/// caller must be single-threaded (the benchmarks join their threads before this).
pub fn fork_exit_wait() -> io::Result<()> {
    // SAFETY: the child calls only _exit, which is async-signal-safe.
    let pid = check(unsafe { libc::fork() })?;
    if pid == 0 {
        // SAFETY: ends the child without running Rust or libc exit handlers.
        unsafe { libc::_exit(0) };
    }
    let mut status = 0;
    // SAFETY: status is a valid, writable int.
    check(unsafe { libc::waitpid(pid, &mut status, 0) })?;
    Ok(())
}

/// The soft and hard `RLIMIT_NOFILE`.
pub fn nofile() -> io::Result<(u64, u64)> {
    let mut r = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: r is a valid, writable rlimit.
    check(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut r) })?;
    Ok((r.rlim_cur, r.rlim_max))
}

/// Raises the soft `RLIMIT_NOFILE` to at least `want` (and the hard limit with it,
/// which needs `CAP_SYS_RESOURCE`; without it, to the hard limit). Returns the soft
/// limit now in force. Never lowers a limit.
pub fn raise_nofile(want: u64) -> io::Result<u64> {
    let (cur, max) = nofile()?;
    if cur >= want {
        return Ok(cur);
    }
    let set = |cur: u64, max: u64| {
        let r = libc::rlimit {
            rlim_cur: cur,
            rlim_max: max,
        };
        // SAFETY: r is a valid rlimit.
        check(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &r) })
    };
    if set(want, max.max(want)).is_err() {
        set(max, max)?;
    }
    Ok(nofile()?.0)
}

/// The largest dense table a benchmark may build in this process: the soft
/// `RLIMIT_NOFILE` after raising it as far as allowed (to 2²⁰ with
/// `CAP_SYS_RESOURCE`), less 32 numbers of headroom, rounded down to a multiple of 64.
pub fn max_fds() -> u32 {
    let soft = raise_nofile(1 << 20).unwrap_or(1024).min(1 << 20) as u32;
    soft.saturating_sub(32) & !63
}

/// The process's open descriptors, from `/proc/self/fd`.
pub fn open_fds() -> io::Result<Vec<i32>> {
    let mut fds: Vec<i32> = std::fs::read_dir("/proc/self/fd")?
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    fds.sort_unstable();
    Ok(fds)
}

/// Descriptors this process created for a benchmark, closed on drop.
#[derive(Debug)]
pub struct HostTable {
    /// The `/dev/null` descriptor every other one duplicates.
    pub base: i32,
    owned: Vec<i32>,
}

impl HostTable {
    /// Opens `/dev/null` (at the lowest free number).
    pub fn new() -> io::Result<HostTable> {
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/null")?;
        let base = std::os::fd::IntoRawFd::into_raw_fd(file);
        Ok(HostTable {
            base,
            owned: vec![base],
        })
    }

    /// Makes every number below `n` open: `dup` fills the lowest hole each time, so
    /// the table ends dense, whatever the process already had open.
    pub fn fill(&mut self, n: i32) -> io::Result<()> {
        loop {
            let fd = dup(self.base)?;
            self.owned.push(fd);
            if fd >= n - 1 {
                return Ok(());
            }
        }
    }

    /// Whether this table created `fd` (and has not given it up).
    pub fn owns(&self, fd: i32) -> bool {
        self.owned.contains(&fd)
    }

    /// Records `fd` as created by this table (after a `dup2` into a free number).
    pub fn adopt(&mut self, fd: i32) {
        self.owned.push(fd);
    }

    /// Closes `fd`, which this table created, and forgets it.
    pub fn release(&mut self, fd: i32) -> io::Result<()> {
        if let Some(i) = self.owned.iter().rposition(|&o| o == fd) {
            self.owned.swap_remove(i);
            close(fd)?;
        }
        Ok(())
    }
}

impl Drop for HostTable {
    fn drop(&mut self) {
        self.owned.sort_unstable();
        self.owned.dedup();
        // Close contiguous runs with one close_range each.
        let mut i = 0;
        while i < self.owned.len() {
            let mut j = i;
            while j + 1 < self.owned.len() && self.owned[j + 1] == self.owned[j] + 1 {
                j += 1;
            }
            let (a, b) = (self.owned[i] as u32, self.owned[j] as u32);
            if close_range(a, b, 0).is_err() {
                for fd in a..=b {
                    let _ = close(fd as i32);
                }
            }
            i = j + 1;
        }
    }
}

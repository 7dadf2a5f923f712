//! # fdkit-c: fdkit's descriptor table for C
//!
//! The C ABI of [`fdkit::FdTable`]: an opaque [`FdkitTable`] handle, one function
//! per table call (`dup`, `dup2`, `dup3`, `fcntl`, `close`, `close_range`, `fork`,
//! `execve`'s sweep) with Linux's check order, and Linux's errno values returned
//! negated (`-EBADF`), so a C emulator can return them to its guest as they are.
//! Owner tags in the style of Android's fdsan ([`fdkit::OwnerTag`]) are every
//! descriptor's per-descriptor data.
//!
//! The header `include/fdkit.h` is generated from this file by cbindgen (the
//! crate's `build.rs` writes it to `OUT_DIR`, and a test fails when the committed
//! copy differs). Build `libfdkit_c.a` or `libfdkit_c.so` with
//! `cargo build --release -p fdkit-c` and link with `-lfdkit_c` (the static library
//! also needs `-lpthread -ldl -lm` on glibc).
//!
//! The model:
//! - A table holds descriptions: [`fdkit_open`] makes a new one for the caller's
//!   64-bit `cookie` (the caller's object); `dup`s and `fork`ed tables share it.
//!   When the last descriptor of a description goes, in whatever table, the table's
//!   release callback gets the cookie: Linux's last `fput`, where a file is
//!   really closed.
//! - Limits are per table: the soft `RLIMIT_NOFILE` and `fs.nr_open`
//!   ([`fdkit_set_limits`]).
//! - A handle is not thread-safe: one thread at a time per table (a caller lock).
//!   Different tables may be used from different threads; a release callback runs
//!   in the thread that made the last close.

#![deny(missing_docs)]

use core::ffi::{c_int, c_uint, c_void};
use fdkit::catalog::flagset;
use fdkit::{Errno, Fd, FdTable, Limits, OwnerTag};
use std::sync::Arc;

/// Called with the caller's context and a description's cookie when its last
/// descriptor closes (in any table).
pub type FdkitReleaseFn = Option<unsafe extern "C" fn(ctx: *mut c_void, cookie: u64)>;

/// An open file description: the caller's cookie, released on the last close.
struct Description {
    cookie: u64,
    release: FdkitReleaseFn,
    ctx: *mut c_void,
}

// SAFETY: `ctx` is only ever handed back to the caller's own callback, which the
// caller promises may run in any thread that uses a table holding the description
// (see `fdkit_table_new`); fdkit itself never reads through it.
unsafe impl Send for Description {}
// SAFETY: as for `Send`; a `Description` is never changed after it is made.
unsafe impl Sync for Description {}

impl Drop for Description {
    fn drop(&mut self) {
        if let Some(release) = self.release {
            // SAFETY: the caller gave this callback and context to fdkit_table_new
            // and promised they stay valid while any table holds the description.
            unsafe { release(self.ctx, self.cookie) }
        }
    }
}

/// A descriptor table (Linux `files_struct`): opaque to C.
pub struct FdkitTable {
    table: FdTable<Arc<Description>, OwnerTag>,
    limits: Limits,
    release: FdkitReleaseFn,
    ctx: *mut c_void,
}

/// `-errno` as the C result.
fn err(e: Errno) -> c_int {
    -e.raw()
}

/// A call's result as C sees it: the descriptor, or `-errno`.
fn fd_result(r: fdkit::Result<Fd>) -> c_int {
    match r {
        Ok(fd) => fd.as_raw(),
        Err(e) => err(e),
    }
}

/// Runs `f` on the table behind `t`, or returns `-EFAULT` for `NULL`.
///
/// # Safety
/// `t` is `NULL` or a live handle not used by another thread during the call.
unsafe fn with(t: *mut FdkitTable, f: impl FnOnce(&mut FdkitTable) -> c_int) -> c_int {
    // SAFETY: as the caller promises.
    match unsafe { t.as_mut() } {
        Some(t) => f(t),
        None => err(Errno::FAULT),
    }
}

/// Writes `value` through `out` unless it is `NULL`.
///
/// # Safety
/// `out` is `NULL` or valid for a write.
unsafe fn put(out: *mut u64, value: u64) {
    // SAFETY: as the caller promises.
    if let Some(out) = unsafe { out.as_mut() } {
        *out = value;
    }
}

/// A new, empty table (no descriptor open; soft `RLIMIT_NOFILE` 1024, `nr_open`
/// 1,048,576). `release` (may be `NULL`) is called with `ctx` and a description's
/// cookie when its last descriptor closes. Free it with [`fdkit_table_free`].
///
/// # Safety
/// `release` and `ctx` stay valid while any table made from this one (by
/// [`fdkit_fork`]) lives; `release` may be called from any thread that uses such a
/// table, and must not call into the table whose close it reports.
#[no_mangle]
pub unsafe extern "C" fn fdkit_table_new(
    release: FdkitReleaseFn,
    ctx: *mut c_void,
) -> *mut FdkitTable {
    Box::into_raw(Box::new(FdkitTable {
        table: FdTable::with_data(),
        limits: Limits::default(),
        release,
        ctx,
    }))
}

/// Frees a table, closing every descriptor as at process exit (Linux
/// `close_files`): descriptions no other table holds are released. `NULL` is
/// ignored.
///
/// # Safety
/// `t` is `NULL` or a handle from [`fdkit_table_new`] or [`fdkit_fork`], not used
/// afterwards.
#[no_mangle]
pub unsafe extern "C" fn fdkit_table_free(t: *mut FdkitTable) {
    if !t.is_null() {
        // SAFETY: as the caller promises, `t` came from Box::into_raw.
        let mut t = unsafe { Box::from_raw(t) };
        drop(t.table.clear());
    }
}

/// Sets the table's limits: the soft `RLIMIT_NOFILE` `nofile` (values above
/// 2³²−1, such as `RLIM_INFINITY`, clamp) and `fs.nr_open`. Returns 0.
///
/// # Errors
/// `-EINVAL`: `nr_open` is outside Linux's range for `fs.nr_open`
/// (64 ..= 2,147,483,584). `-EFAULT`: `t` is `NULL`.
///
/// # Safety
/// `t` is `NULL` or a live handle.
#[no_mangle]
pub unsafe extern "C" fn fdkit_set_limits(
    t: *mut FdkitTable,
    nofile: u64,
    nr_open: c_uint,
) -> c_int {
    // SAFETY: forwarded.
    unsafe {
        with(t, |t| {
            if !(Limits::MIN_NR_OPEN..=Limits::MAX_NR_OPEN).contains(&nr_open) {
                return err(Errno::INVAL);
            }
            t.limits = Limits::new(nofile).with_nr_open(nr_open);
            0
        })
    }
}

/// `open`'s table step: a new description for `cookie`, installed at the lowest
/// free number (Linux `get_unused_fd_flags` + `fd_install`), close-on-exec iff
/// `flags` has `O_CLOEXEC`. Returns the descriptor.
///
/// # Errors
/// `-EINVAL`: a flag other than `O_CLOEXEC`. `-EMFILE`: no free number below the
/// soft `RLIMIT_NOFILE` (or beyond `nr_open`).
///
/// # Safety
/// `t` is `NULL` or a live handle.
#[no_mangle]
pub unsafe extern "C" fn fdkit_open(t: *mut FdkitTable, cookie: u64, flags: c_int) -> c_int {
    // SAFETY: forwarded.
    unsafe {
        with(t, |t| {
            let flags = flags as u32 as u64;
            if flags & !flagset::O_CLOEXEC != 0 {
                return err(Errno::INVAL);
            }
            let description = Arc::new(Description {
                cookie,
                release: t.release,
                ctx: t.ctx,
            });
            let cloexec = flags & flagset::O_CLOEXEC != 0;
            fd_result(t.table.insert(description, cloexec, t.limits))
        })
    }
}

/// The cookie of `fd`'s description, written to `cookie` (may be `NULL`).
/// Returns 0.
///
/// # Errors
/// `-EBADF`: `fd` is not open.
///
/// # Safety
/// `t` is `NULL` or a live handle; `cookie` is `NULL` or writable.
#[no_mangle]
pub unsafe extern "C" fn fdkit_get(t: *mut FdkitTable, fd: c_int, cookie: *mut u64) -> c_int {
    // SAFETY: forwarded.
    unsafe {
        with(t, |t| match t.table.get(Fd::from_raw(fd)) {
            Some(d) => {
                put(cookie, d.cookie);
                0
            }
            None => err(Errno::BADF),
        })
    }
}

/// `dup(oldfd)`: the lowest free number, same description, close-on-exec clear,
/// unowned.
///
/// # Errors
/// `-EBADF`, then `-EMFILE` (Linux's order; see `FdTable::dup`).
///
/// # Safety
/// `t` is `NULL` or a live handle.
#[no_mangle]
pub unsafe extern "C" fn fdkit_dup(t: *mut FdkitTable, oldfd: c_int) -> c_int {
    // SAFETY: forwarded.
    unsafe { with(t, |t| fd_result(t.table.dup(Fd::from_raw(oldfd), t.limits))) }
}

/// `dup2(oldfd, newfd)`: `dup2(fd, fd)` returns `fd` unchanged when it is open;
/// what `newfd` held is closed silently.
///
/// # Errors
/// `-EBADF` (`oldfd` not open, `newfd` negative or ≥ `RLIMIT_NOFILE`), `-EBUSY`
/// (see `FdTable::dup2`).
///
/// # Safety
/// `t` is `NULL` or a live handle.
#[no_mangle]
pub unsafe extern "C" fn fdkit_dup2(t: *mut FdkitTable, oldfd: c_int, newfd: c_int) -> c_int {
    // SAFETY: forwarded.
    unsafe {
        with(t, |t| {
            let r = t
                .table
                .dup2(Fd::from_raw(oldfd), Fd::from_raw(newfd), t.limits);
            fd_result(r.map(|(fd, displaced)| {
                drop(displaced);
                fd
            }))
        })
    }
}

/// `dup3(oldfd, newfd, flags)`: [`fdkit_dup2`] with `O_CLOEXEC` allowed in `flags`
/// and `oldfd == newfd` an error.
///
/// # Errors
/// `-EINVAL` (a flag other than `O_CLOEXEC`; `oldfd == newfd`), then as
/// [`fdkit_dup2`].
///
/// # Safety
/// `t` is `NULL` or a live handle.
#[no_mangle]
pub unsafe extern "C" fn fdkit_dup3(
    t: *mut FdkitTable,
    oldfd: c_int,
    newfd: c_int,
    flags: c_int,
) -> c_int {
    // SAFETY: forwarded.
    unsafe {
        with(t, |t| {
            let r = t.table.dup3(
                Fd::from_raw(oldfd),
                Fd::from_raw(newfd),
                flags as u32,
                t.limits,
            );
            fd_result(r.map(|(fd, displaced)| {
                drop(displaced);
                fd
            }))
        })
    }
}

/// `fcntl(fd, cmd, arg)` for the table's commands: `F_DUPFD` and
/// `F_DUPFD_CLOEXEC` (the lowest free number ≥ `arg`, read as a C `int` taken
/// unsigned), `F_GETFD` (returns `FD_CLOEXEC` or 0) and `F_SETFD` (bit 0 of `arg`).
///
/// # Errors
/// `-EBADF` (`fd` not open, checked first), `-EINVAL` (a minimum ≥
/// `RLIMIT_NOFILE`; a command that is not one of the four: the description's
/// commands, such as `F_GETFL`, belong to the embedder), `-EMFILE`.
///
/// # Safety
/// `t` is `NULL` or a live handle.
#[no_mangle]
pub unsafe extern "C" fn fdkit_fcntl(t: *mut FdkitTable, fd: c_int, cmd: c_int, arg: u64) -> c_int {
    // SAFETY: forwarded.
    unsafe {
        with(t, |t| {
            let fd = Fd::from_raw(fd);
            let table = &mut t.table;
            match cmd as u32 as u64 {
                flagset::F_DUPFD => fd_result(table.fcntl_dupfd(fd, arg as u32, t.limits)),
                flagset::F_DUPFD_CLOEXEC => {
                    fd_result(table.fcntl_dupfd_cloexec(fd, arg as u32, t.limits))
                }
                flagset::F_GETFD => match table.fcntl_getfd(fd) {
                    Ok(flags) => flags.bits() as c_int,
                    Err(e) => err(e),
                },
                flagset::F_SETFD => match table.fcntl_setfd(fd, arg) {
                    Ok(()) => 0,
                    Err(e) => err(e),
                },
                _ if table.get(fd).is_none() => err(Errno::BADF),
                _ => err(Errno::INVAL),
            }
        })
    }
}

/// `close(fd)`: returns 0. A plain close is a close by no owner: an owned
/// descriptor is refused (see [`fdkit_close_with_tag`]).
///
/// # Errors
/// `-EBADF`: `fd` is not open. `-EPERM`: `fd` has an owner tag.
///
/// # Safety
/// `t` is `NULL` or a live handle.
#[no_mangle]
pub unsafe extern "C" fn fdkit_close(t: *mut FdkitTable, fd: c_int) -> c_int {
    // SAFETY: forwarded.
    unsafe { fdkit_close_with_tag(t, fd, 0, core::ptr::null_mut()) }
}

/// `close_range(first, last, flags)`: closes every open descriptor in
/// `[first, last]`, or with `CLOSE_RANGE_CLOEXEC` marks them close-on-exec;
/// `CLOSE_RANGE_UNSHARE` has nothing to unshare (a handle is one process's table).
/// Owner tags are not checked, as Linux's `close_range` knows none. Returns 0.
///
/// # Errors
/// `-EINVAL`: an unknown flag, or `first > last`.
///
/// # Safety
/// `t` is `NULL` or a live handle.
#[no_mangle]
pub unsafe extern "C" fn fdkit_close_range(
    t: *mut FdkitTable,
    first: c_uint,
    last: c_uint,
    flags: c_uint,
) -> c_int {
    // SAFETY: forwarded.
    unsafe {
        with(t, |t| match t.table.close_range(first, last, flags) {
            Ok(closed) => {
                drop(closed);
                0
            }
            Err(e) => err(e),
        })
    }
}

/// `fork` without `CLONE_FILES` (Linux `dup_fd`): a copy of the table in `*child`
/// (same numbers, same descriptions, close-on-exec flags and owner tags; the
/// limits too). Returns 0.
///
/// # Errors
/// `-EMFILE`: a descriptor ≥ `nr_open` is open. `-EFAULT`: `child` is `NULL`.
///
/// # Safety
/// `t` is `NULL` or a live handle; `child` is `NULL` or writable.
#[no_mangle]
pub unsafe extern "C" fn fdkit_fork(t: *mut FdkitTable, child: *mut *mut FdkitTable) -> c_int {
    // SAFETY: forwarded.
    unsafe {
        with(t, |t| {
            // `child` is NULL or writable, as the caller promises.
            let Some(child) = child.as_mut() else {
                return err(Errno::FAULT);
            };
            match t.table.fork(t.limits.nr_open) {
                Ok(table) => {
                    *child = Box::into_raw(Box::new(FdkitTable {
                        table,
                        limits: t.limits,
                        release: t.release,
                        ctx: t.ctx,
                    }));
                    0
                }
                Err(e) => err(e),
            }
        })
    }
}

/// `execve`'s sweep (Linux `do_close_on_exec`): closes every close-on-exec
/// descriptor. Returns how many were closed.
///
/// # Safety
/// `t` is `NULL` or a live handle.
#[no_mangle]
pub unsafe extern "C" fn fdkit_exec(t: *mut FdkitTable) -> c_int {
    // SAFETY: forwarded.
    unsafe { with(t, |t| t.table.close_on_exec().len() as c_int) }
}

/// The number of open descriptors.
///
/// # Safety
/// `t` is `NULL` (gives `-EFAULT`) or a live handle.
#[no_mangle]
pub unsafe extern "C" fn fdkit_count(t: *mut FdkitTable) -> c_int {
    // SAFETY: forwarded.
    unsafe { with(t, |t| t.table.len() as c_int) }
}

/// The owner tag of `fd`, written to `tag` (may be `NULL`; 0 is unowned).
/// Returns 0.
///
/// # Errors
/// `-EBADF`: `fd` is not open.
///
/// # Safety
/// `t` is `NULL` or a live handle; `tag` is `NULL` or writable.
#[no_mangle]
pub unsafe extern "C" fn fdkit_get_owner_tag(
    t: *mut FdkitTable,
    fd: c_int,
    tag: *mut u64,
) -> c_int {
    // SAFETY: forwarded.
    unsafe {
        with(t, |t| match t.table.owner_tag(Fd::from_raw(fd)) {
            Some(owner) => {
                put(tag, owner.0);
                0
            }
            None => err(Errno::BADF),
        })
    }
}

/// fdsan's `android_fdsan_exchange_owner_tag`: if `fd`'s owner is `expected_tag`,
/// make it `new_tag`. Returns 0. On an error, `*actual` (may be `NULL`) is the
/// descriptor's real owner (0 for unowned or not open).
///
/// # Errors
/// `-EPERM`: the owner is not `expected_tag`. `-EBADF`: `fd` is not open and
/// `expected_tag` is 0.
///
/// # Safety
/// `t` is `NULL` or a live handle; `actual` is `NULL` or writable.
#[no_mangle]
pub unsafe extern "C" fn fdkit_exchange_owner_tag(
    t: *mut FdkitTable,
    fd: c_int,
    expected_tag: u64,
    new_tag: u64,
    actual: *mut u64,
) -> c_int {
    // SAFETY: forwarded.
    unsafe {
        with(t, |t| {
            let fd = Fd::from_raw(fd);
            match t
                .table
                .exchange_owner_tag(fd, OwnerTag(expected_tag), OwnerTag(new_tag))
            {
                Ok(()) => 0,
                Err(e) => {
                    put(actual, e.actual().0);
                    err(e.errno())
                }
            }
        })
    }
}

/// fdsan's `android_fdsan_close_with_tag`: `close(fd)` by owner `tag` (0 for a
/// plain close). A close by the wrong owner is refused and closes nothing, so the
/// guilty call is the one that fails; `*actual` (may be `NULL`) then names the
/// descriptor's real owner (0 for unowned or not open). Returns 0.
///
/// # Errors
/// `-EPERM`: the owner is not `tag`. `-EBADF`: `fd` is not open and `tag` is 0.
///
/// # Safety
/// `t` is `NULL` or a live handle; `actual` is `NULL` or writable.
#[no_mangle]
pub unsafe extern "C" fn fdkit_close_with_tag(
    t: *mut FdkitTable,
    fd: c_int,
    tag: u64,
    actual: *mut u64,
) -> c_int {
    // SAFETY: forwarded.
    unsafe {
        with(t, |t| {
            match t.table.close_with_tag(Fd::from_raw(fd), OwnerTag(tag)) {
                Ok(description) => {
                    drop(description);
                    0
                }
                Err(e) => {
                    put(actual, e.actual().0);
                    err(e.errno())
                }
            }
        })
    }
}

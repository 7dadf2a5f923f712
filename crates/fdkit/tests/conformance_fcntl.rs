//! Conformance: `fcntl(2)` descriptor commands: `F_DUPFD`/`F_DUPFD_CLOEXEC`
//! (DUPFD-*), `F_GETFD`/`F_SETFD` (FD-*), `F_GETFL`/`F_SETFL` (FL-*) and the common
//! errors (FCNTL-*) of `shared/reference/conformance-cases.md`; `CONFORMANCE.md` maps
//! them.

// Needs the whole system (feature `std`); `--no-default-features` skips it.
#![cfg(feature = "std")]

#[macro_use]
mod common;
use common::*;

const LARGEFILE: u32 = OFlags::LARGEFILE.bits();
const APPEND: u32 = OFlags::APPEND.bits();
const NONBLOCK: u32 = OFlags::NONBLOCK.bits();
const ASYNC: u32 = OFlags::ASYNC.bits();
const DIRECT: u32 = OFlags::DIRECT.bits();
/// `O_SYNC` is `__O_SYNC | O_DSYNC`.
const SYNC: u32 = OFlags::SYNC.bits() | OFlags::DSYNC.bits();

// ---- F_DUPFD / F_DUPFD_CLOEXEC ------------------------------------------------------

/// DUPFD-01: the argument is a lower bound; the result is the lowest free ≥ arg.
#[test]
fn dupfd_returns_lowest_free_at_or_above_arg() {
    let fx = setup();
    let t = &fx.t;
    let fds = open_many(t, "dupfd01", 8);
    let a = fds[0].get();
    assert_eq!(fds[7].get(), a + 7);
    for fd in &fds[2..6] {
        t.close(*fd).unwrap();
    }
    check!(t.fcntl(a + 1, F_DUPFD, 1), Ok((a + 2).into()));
    check!(
        t.fcntl(a + 1, F_DUPFD, u64::from(a + 3)),
        Ok((a + 3).into())
    );
    // a+4 is free but below the minimum.
    check!(
        t.fcntl(a + 1, F_DUPFD, u64::from(a + 5)),
        Ok((a + 5).into())
    );
    assert!(!is_open(t, a + 4));
}

/// DUPFD-02: the minimum is honoured for 0, 1, 2, 3, 10, 100.
#[test]
fn dupfd_honours_minimum() {
    let fx = setup();
    let t = &fx.t;
    let fd = open(t, "/tmp/dupfd02", OFlags::RDWR);
    for (min, want) in [(0, 4), (1, 5), (2, 6), (3, 7), (10, 10), (100, 100)] {
        check!(t.fcntl(fd, F_DUPFD, min), Ok(want));
    }
}

/// DUPFD-03: `F_DUPFD` on a full table is `EMFILE`.
#[test]
fn dupfd_on_full_table_is_emfile() {
    let fx = setup();
    let child = fx.fork(&fx.t);
    let t = &child;
    let err = loop {
        if let Err(e) = t.open("/tmp/dupfd03", OFlags::RDONLY | OFlags::CREAT, 0o644) {
            break e;
        }
    };
    assert_eq!(err, Errno::MFILE);
    check!(t.fcntl(1, F_DUPFD, 1), Err(Errno::MFILE));
    check!(t.fcntl(1, F_DUPFD_CLOEXEC, 1), Err(Errno::MFILE));
}

/// DUPFD-04, DUPFD-09: `F_DUPFD_CLOEXEC` sets close-on-exec (value 1) on the copy.
#[test]
fn dupfd_cloexec_sets_flag() {
    let fx = setup();
    let t = &fx.t;
    let fd = open(t, "/tmp/dupfd04", OFlags::RDWR);
    check!(t.fcntl(fd, F_DUPFD_CLOEXEC, 0), Ok(4)); // DUPFD-04
    check!(t.fcntl(4, F_GETFD, 0), Ok(FD_CLOEXEC));
    check!(t.fcntl(fd, F_DUPFD_CLOEXEC, 10), Ok(10)); // DUPFD-09
    check!(t.fcntl(10, F_GETFD, 0), Ok(1));
    check!(t.fcntl(fd, F_GETFD, 0), Ok(0));
}

/// DUPFD-05, DUPFD-06: `F_DUPFD` and `F_DUPFD_CLOEXEC` work on `O_PATH`.
#[test]
fn dupfd_works_on_o_path() {
    let fx = setup();
    let t = &fx.t;
    let fd = t.open("/tmp", OFlags::PATH, 0).unwrap();
    let d = t.fcntl_dupfd(fd, 0).unwrap(); // DUPFD-05
    assert_ne!(d, fd);
    assert!(same_ofd(t, d, fd));
    check!(t.fcntl(d, F_GETFL, 0), Ok(OFlags::PATH.bits().into()));
    check!(t.fcntl(d, F_GETFD, 0), Ok(0));
    let c = t.fcntl_dupfd_cloexec(fd, 0).unwrap(); // DUPFD-06
    check!(t.fcntl(c, F_GETFD, 0), Ok(FD_CLOEXEC));
}

/// DUPFD-07: a large minimum (1024) makes a sparse table, listed without duplicates.
#[test]
fn dupfd_large_minimum_sparse_table() {
    let fx = setup();
    let t = &fx.t;
    set_nofile(t, 4096);
    let dir = t.open("/tmp", OFlags::DIRECTORY, 0).unwrap();
    check!(t.fcntl(dir, F_DUPFD, 1024), Ok(1024));
    let listed = fds(t);
    let mut unique = listed.clone();
    unique.dedup();
    assert_eq!(listed, unique);
    assert_eq!(listed, [0, 1, 2, 3, 1024]);
}

/// DUPFD-08, DUPFD-10: `F_DUPFD` clears close-on-exec on the copy.
#[test]
fn dupfd_clears_cloexec() {
    let fx = setup();
    let t = &fx.t;
    let fd1 = open(t, "/tmp/dupfd08", OFlags::RDWR | OFlags::CLOEXEC);
    check!(t.fcntl(fd1, F_DUPFD, 10), Ok(10)); // DUPFD-08
    check!(t.fcntl(10, F_GETFD, 0), Ok(0));
    // DUPFD-10: n = the number /dev/null was opened at, then closed.
    let n = t.open("/dev/null", OFlags::RDONLY, 0).unwrap().get();
    t.close(n).unwrap();
    let d = t.fcntl_dupfd(fd1, u64::from(n) + 1).unwrap();
    assert!(d.get() > n, "F_DUPFD({fd1}, {}) = {d}", n + 1);
    check!(t.fcntl(d, F_GETFD, 0), Ok(0));
}

/// DUPFD-11: a bad source is `EBADF` for both commands, whatever the argument.
#[test]
fn dupfd_bad_source_is_ebadf() {
    let fx = setup();
    let t = &fx.t;
    let fd = open(t, "/tmp/dupfd11", OFlags::RDWR).as_raw();
    for cmd in [F_DUPFD, F_DUPFD_CLOEXEC] {
        check!(t.fcntl(-1, cmd, 0), Err(Errno::BADF));
        check!(t.fcntl(fd + 1, cmd, 0), Err(Errno::BADF));
        check!(t.fcntl(10_000_000, cmd, 0), Err(Errno::BADF));
    }
}

/// DUPFD-12: a negative minimum or one ≥ the limit is `EINVAL` (not `EBADF`, not
/// `EMFILE`).
#[test]
fn dupfd_bad_minimum_is_einval() {
    let fx = setup();
    let t = &fx.t;
    assert!(t.getdtablesize() < 10_000_000);
    let fd = open(t, "/tmp/dupfd12", OFlags::RDWR);
    for cmd in [F_DUPFD, F_DUPFD_CLOEXEC] {
        check!(t.fcntl(fd, cmd, -1i64 as u64), Err(Errno::INVAL));
        check!(t.fcntl(fd, cmd, u64::from(-1i32 as u32)), Err(Errno::INVAL));
        check!(t.fcntl(fd, cmd, 10_000_000), Err(Errno::INVAL));
        check!(t.fcntl(fd, cmd, t.getdtablesize()), Err(Errno::INVAL));
    }
}

/// DUPFD-13 .. DUPFD-16: the gnulib sequence: the minimum is respected, the flag goes
/// only on the new descriptor, and is never copied.
#[test]
fn dupfd_minimum_and_flag_sequence() {
    let fx = setup();
    let t = &fx.t;
    let fd = open(t, "/tmp/dupfd13", OFlags::RDWR).as_raw();
    // DUPFD-13: arg equal to an occupied fd gives the next free above.
    check!(t.fcntl(fd, F_DUPFD, fd as u64), Ok((fd + 1).into()));
    assert!(!cloexec(t, fd + 1));
    assert!(!is_open(t, fd + 2));
    // DUPFD-14
    t.close(fd + 1).unwrap();
    check!(
        t.fcntl(fd, F_DUPFD_CLOEXEC, (fd + 2) as u64),
        Ok((fd + 2).into())
    );
    assert!(cloexec(t, fd + 2));
    assert!(!cloexec(t, fd));
    // DUPFD-15: fd is lower, but below the minimum.
    t.close(fd).unwrap();
    check!(
        t.fcntl(fd + 2, F_DUPFD, (fd + 1) as u64),
        Ok((fd + 1).into())
    );
    assert!(!cloexec(t, fd + 1));
    // DUPFD-16
    t.close(fd + 1).unwrap();
    check!(t.fcntl(fd + 2, F_DUPFD_CLOEXEC, 0), Ok(fd.into()));
    assert!(cloexec(t, fd));
}

/// DUPFD-17: `F_DUPFD_QUERY` answers "same open file description?".
#[test]
fn dupfd_query_reports_shared_description() {
    let fx = setup();
    let t = &fx.t;
    let a = open(t, "/tmp/dupfd17", OFlags::RDWR);
    let b = t.dup(a).unwrap();
    check!(t.dup2(a, 20), Ok(20));
    let other = open(t, "/tmp/dupfd17", OFlags::RDWR);
    check!(t.fcntl(a, F_DUPFD_QUERY, u64::from(b.get())), Ok(1));
    check!(t.fcntl(a, F_DUPFD_QUERY, 20), Ok(1));
    check!(t.fcntl(b, F_DUPFD_QUERY, u64::from(a.get())), Ok(1));
    check!(t.fcntl(a, F_DUPFD_QUERY, u64::from(other.get())), Ok(0));
    check!(t.fcntl(a, F_DUPFD_QUERY, u64::from(a.get())), Ok(1));
}

// ---- F_GETFD / F_SETFD --------------------------------------------------------------

/// FD-01, FD-02: the flag starts clear (for an `F_DUPFD` copy and a fresh open) and
/// round-trips.
#[test]
fn getfd_default_clear_and_round_trip() {
    let fx = setup();
    let t = &fx.t;
    let fd = open(t, "/tmp/fd01", OFlags::RDWR);
    check!(t.fcntl(fd, F_GETFD, 0), Ok(0)); // FD-02
    let d = t.fcntl_dupfd(fd, 0).unwrap();
    check!(t.fcntl(d, F_GETFD, 0), Ok(0)); // FD-01
    check!(t.fcntl(d, F_SETFD, 1), Ok(0));
    check!(t.fcntl(d, F_GETFD, 0), Ok(1));
}

/// FD-03, FD-12: `F_GETFD`/`F_SETFD` on a closed, negative or huge fd is `EBADF`.
#[test]
fn getfd_setfd_on_bad_fd_is_ebadf() {
    let fx = setup();
    let t = &fx.t;
    let fd = open(t, "/tmp/fd03", OFlags::RDWR);
    t.close(fd).unwrap();
    check!(t.fcntl(fd, F_GETFD, 0), Err(Errno::BADF)); // FD-03
    check!(t.fcntl(fd, F_SETFD, 1), Err(Errno::BADF));
    check!(t.fcntl(-1, F_GETFD, 0), Err(Errno::BADF)); // FD-12
    check!(t.fcntl(99, F_GETFD, 0), Err(Errno::BADF));
    check!(t.fcntl(10_000_000, F_GETFD, 0), Err(Errno::BADF));
}

/// FD-04, FD-06: set close-on-exec on an eventfd made without it; clear it on one
/// made with it.
#[test]
fn setfd_sets_and_clears_cloexec() {
    let fx = setup();
    let t = &fx.t;
    let e = t.eventfd2(0, EventFdFlags::empty()).unwrap(); // FD-04
    check!(t.fcntl(e, F_GETFD, 0), Ok(0));
    check!(t.fcntl(e, F_SETFD, 1), Ok(0));
    check!(t.fcntl(e, F_GETFD, 0), Ok(FD_CLOEXEC));
    let c = t.eventfd2(0, EventFdFlags::CLOEXEC).unwrap(); // FD-06
    check!(t.fcntl(c, F_GETFD, 0), Ok(FD_CLOEXEC));
    check!(t.fcntl(c, F_SETFD, 0), Ok(0));
    check!(t.fcntl(c, F_GETFD, 0), Ok(0));
}

/// FD-05: `O_PATH` allows `F_GETFD`/`F_SETFD`.
#[test]
fn setfd_works_on_o_path() {
    let fx = setup();
    let t = &fx.t;
    let fd = t.open("/tmp", OFlags::PATH, 0).unwrap();
    check!(t.fcntl(fd, F_GETFD, 0), Ok(0));
    check!(t.fcntl(fd, F_SETFD, 1), Ok(0));
    check!(t.fcntl(fd, F_GETFD, 0), Ok(FD_CLOEXEC));
}

/// FD-07: descriptor flags are not shared between duplicates.
#[test]
fn descriptor_flags_are_independent() {
    let fx = setup();
    let t = &fx.t;
    let fd = t.eventfd2(0, EventFdFlags::empty()).unwrap();
    let nfd = t.dup(fd).unwrap();
    check!(t.fcntl(nfd, F_GETFD, 0), Ok(0));
    check!(t.fcntl(fd, F_SETFD, 1), Ok(0));
    check!(t.fcntl(fd, F_GETFD, 0), Ok(FD_CLOEXEC));
    check!(t.fcntl(nfd, F_GETFD, 0), Ok(0));
}

/// FD-08: `O_ASYNC` is off by default and is not a descriptor flag.
#[test]
fn o_async_off_by_default() {
    let fx = setup();
    let t = &fx.t;
    let [s, _] = t
        .socketpair(
            AF_UNIX,
            SOCK_STREAM,
            SockFlags::NONBLOCK | SockFlags::CLOEXEC,
            0,
        )
        .unwrap();
    assert_eq!(getfl(t, s) & ASYNC, 0);
    assert_eq!(t.fcntl(s, F_GETFD, 0).unwrap() & i64::from(ASYNC), 0);
    assert_eq!(getfl(t, s), OFlags::RDWR.bits() | NONBLOCK);
}

/// FD-09: `F_SETFD` ignores every bit but `FD_CLOEXEC` (no error for extra bits).
#[test]
fn setfd_ignores_other_bits() {
    let fx = setup();
    let t = &fx.t;
    let [s, _] = t
        .socketpair(AF_UNIX, SOCK_STREAM, SockFlags::CLOEXEC, 0)
        .unwrap();
    let (fd_before, fl_before) = (t.fcntl(s, F_GETFD, 0).unwrap(), getfl(t, s));
    check!(
        t.fcntl(s, F_SETFD, (fd_before as u64) | u64::from(ASYNC)),
        Ok(0)
    );
    check!(t.fcntl(s, F_GETFD, 0), Ok(fd_before));
    check!(t.fcntl(s, F_GETFL, 0), Ok(fl_before.into()));
}

/// FD-10: `F_SETFL` of `O_ASYNC` changes the status flags, not the descriptor flags.
#[test]
fn setfl_o_async_leaves_descriptor_flags() {
    let fx = setup();
    let t = &fx.t;
    let [s, _] = t
        .socketpair(AF_UNIX, SOCK_STREAM, SockFlags::CLOEXEC, 0)
        .unwrap();
    let (fd_before, fl_before) = (t.fcntl(s, F_GETFD, 0).unwrap(), getfl(t, s));
    check!(t.fcntl(s, F_SETFL, u64::from(fl_before | ASYNC)), Ok(0));
    check!(t.fcntl(s, F_GETFL, 0), Ok((fl_before | ASYNC).into()));
    check!(t.fcntl(s, F_GETFD, 0), Ok(fd_before));
}

/// FD-11, FD-13: read-modify-write of the flag, both ways.
#[test]
fn setfd_read_modify_write_toggles() {
    let fx = setup();
    let t = &fx.t;
    let fd = open(t, "/tmp/fd11", OFlags::RDWR);
    let v = t.fcntl(fd, F_GETFD, 0).unwrap() as u64;
    check!(t.fcntl(fd, F_SETFD, v | 1), Ok(0)); // FD-11
    check!(t.fcntl(fd, F_GETFD, 0), Ok(FD_CLOEXEC));
    let v = t.fcntl(fd, F_GETFD, 0).unwrap() as u64;
    check!(t.fcntl(fd, F_SETFD, v & !1), Ok(0)); // FD-13: and back
    check!(t.fcntl(fd, F_GETFD, 0), Ok(0));
}

/// FD-14: a freed lowest slot is reused by `F_DUPFD_CLOEXEC(fd2, 0)`.
#[test]
fn dupfd_cloexec_reuses_freed_lowest_slot() {
    let fx = setup();
    let t = &fx.t;
    let fd = open(t, "/tmp/fd14", OFlags::RDWR);
    let fd2 = t.fcntl_dupfd_cloexec(fd, 0).unwrap();
    assert!(fd2 > fd);
    assert!(cloexec(t, fd2));
    t.close(fd).unwrap();
    check!(t.fcntl(fd2, F_DUPFD_CLOEXEC, 0), Ok(fd.as_raw().into()));
    assert!(cloexec(t, fd));
}

/// FD-15: set/clear close-on-exec and `F_DUPFD_CLOEXEC` on -1, B and a closed fd are
/// `EBADF`.
#[test]
fn cloexec_calls_on_bad_fds_are_ebadf() {
    let fx = setup();
    let t = &fx.t;
    let b = t.getdtablesize() as i32;
    let fd2 = open(t, "/tmp/fd15", OFlags::RDWR);
    t.close(fd2).unwrap();
    for bad in [-1, b, fd2.as_raw()] {
        check!(t.fcntl(bad, F_SETFD, 1), Err(Errno::BADF));
        check!(t.fcntl(bad, F_SETFD, 0), Err(Errno::BADF));
        check!(t.fcntl(bad, F_DUPFD_CLOEXEC, 0), Err(Errno::BADF));
    }
}

// ---- F_GETFL / F_SETFL --------------------------------------------------------------

/// FL-01: `F_SETFL` replaces (is not cumulative) and never changes the access mode;
/// the duplicate sees every change.
#[test]
fn setfl_replaces_status_flags_keeps_access_mode() {
    let fx = setup();
    let t = &fx.t;
    let fd = open(t, "/tmp/fl01", OFlags::WRONLY);
    let fd2 = t.fcntl_dupfd(fd, 0).unwrap();
    let wr = OFlags::WRONLY.bits() | LARGEFILE;
    check!(t.fcntl(fd, F_GETFL, 0), Ok(wr.into()));
    // O_NDELAY == O_NONBLOCK on Linux.
    for set in [NONBLOCK, APPEND, NONBLOCK | APPEND, 0] {
        check!(t.fcntl(fd, F_SETFL, u64::from(set)), Ok(0));
        check!(t.fcntl(fd, F_GETFL, 0), Ok((wr | set).into()));
        check!(t.fcntl(fd2, F_GETFL, 0), Ok((wr | set).into()));
    }
}

/// FL-02: the access mode is reported.
#[test]
fn getfl_reports_access_mode() {
    let fx = setup();
    let t = &fx.t;
    let fd = open(t, "/tmp/fl02", OFlags::RDWR);
    assert_eq!(getfl(t, fd) & 3, OFlags::RDWR.bits());
}

/// FL-03: `F_SETFL(O_NDELAY|O_APPEND|O_NONBLOCK)` is accepted.
#[test]
fn setfl_accepts_changeable_flags() {
    let fx = setup();
    let t = &fx.t;
    let fd = open(t, "/tmp/fl03", OFlags::RDWR);
    check!(t.fcntl(fd, F_SETFL, u64::from(NONBLOCK | APPEND)), Ok(0));
    assert_eq!(
        getfl(t, fd),
        OFlags::RDWR.bits() | NONBLOCK | APPEND | LARGEFILE
    );
}

/// FL-04: `F_GETFL` reports the open-time status flags plus `O_LARGEFILE`.
#[test]
fn getfl_reports_open_flags_with_largefile() {
    let fx = setup();
    let t = &fx.t;
    let want = OFlags::RDWR.bits() | DIRECT | SYNC | NONBLOCK | APPEND;
    let fd = t
        .open(
            "/tmp/fl04",
            OFlags::from_bits_retain(want) | OFlags::CREAT,
            0o644,
        )
        .unwrap();
    check!(t.fcntl(fd, F_GETFL, 0), Ok((want | LARGEFILE).into()));
}

/// FL-05: with `O_PATH` every other bit, the access mode included, is dropped.
#[test]
fn getfl_o_path_keeps_only_path_bits() {
    let fx = setup();
    let t = &fx.t;
    let flags = OFlags::RDWR
        | OFlags::DIRECT
        | OFlags::SYNC
        | OFlags::DSYNC
        | OFlags::NONBLOCK
        | OFlags::APPEND
        | OFlags::PATH
        | OFlags::NOFOLLOW
        | OFlags::DIRECTORY;
    let fd = t.open("/tmp", flags, 0).unwrap();
    let want = OFlags::PATH | OFlags::NOFOLLOW | OFlags::DIRECTORY;
    check!(t.fcntl(fd, F_GETFL, 0), Ok(want.bits().into()));
}

/// FL-06: only the changeable set is applied; access mode and `O_SYNC` are ignored.
#[test]
fn setfl_applies_only_changeable_set() {
    let fx = setup();
    let t = &fx.t;
    let fd = open(t, "/tmp/fl06", OFlags::RDONLY);
    let arg = OFlags::RDWR.bits() | DIRECT | SYNC | NONBLOCK | APPEND;
    check!(t.fcntl(fd, F_SETFL, u64::from(arg)), Ok(0));
    check!(
        t.fcntl(fd, F_GETFL, 0),
        Ok((DIRECT | NONBLOCK | APPEND | LARGEFILE).into())
    );
}

/// FL-07, FL-08: `O_PATH` rejects `F_SETFL` and the owner commands with `EBADF`.
#[test]
fn o_path_rejects_setfl_and_owner_commands() {
    let fx = setup();
    let t = &fx.t;
    let fd = t.open("/tmp", OFlags::PATH, 0).unwrap();
    check!(t.fcntl(fd, F_SETFL, 0), Err(Errno::BADF)); // FL-07
    for cmd in [F_SETOWN, F_GETOWN, F_SETOWN_EX, F_GETOWN_EX] {
        check!(t.fcntl(fd, cmd, 0), Err(Errno::BADF)); // FL-08
    }
    check!(t.fcntl(fd, F_GETFL, 0), Ok(OFlags::PATH.bits().into()));
}

/// FL-09: `O_ASYNC` set through one descriptor is seen through a later duplicate.
#[test]
fn o_async_is_carried_by_description() {
    let fx = setup();
    let t = &fx.t;
    let [s, _] = t
        .socketpair(AF_UNIX, SOCK_STREAM, SockFlags::empty(), 0)
        .unwrap();
    let v = getfl(t, s);
    check!(t.fcntl(s, F_SETFL, u64::from(v | ASYNC)), Ok(0));
    let d = t.dup(s).unwrap();
    assert_ne!(getfl(t, d) & ASYNC, 0);
}

/// FL-10: `/dev/null` in each access mode: the round trip is idempotent, then exactly
/// `O_NONBLOCK` is added.
#[test]
fn setfl_round_trip_on_dev_null() {
    let fx = setup();
    let t = &fx.t;
    for access in [OFlags::RDONLY, OFlags::WRONLY, OFlags::RDWR] {
        let fd = t.open("/dev/null", access, 0).unwrap();
        let v = getfl(t, fd);
        assert_eq!(v & 3, access.bits(), "{access:?}");
        assert_eq!(v & NONBLOCK, 0, "{access:?}");
        check!(t.fcntl(fd, F_SETFL, u64::from(v)), Ok(0));
        check!(t.fcntl(fd, F_GETFL, 0), Ok(v.into()));
        check!(t.fcntl(fd, F_SETFL, u64::from(v | NONBLOCK)), Ok(0));
        check!(t.fcntl(fd, F_GETFL, 0), Ok((v | NONBLOCK).into()));
    }
}

/// FL-11: the access mode cannot be changed by `F_SETFL`; `O_APPEND` can.
#[test]
fn setfl_cannot_change_access_mode() {
    let fx = setup();
    let t = &fx.t;
    let fd = open(t, "/tmp/fl11", OFlags::RDWR);
    assert_eq!(getfl(t, fd) & 3, OFlags::RDWR.bits());
    check!(t.fcntl(fd, F_SETFL, 0), Ok(0)); // O_RDONLY
    assert_eq!(getfl(t, fd) & 3, OFlags::RDWR.bits());
    check!(t.fcntl(fd, F_SETFL, u64::from(APPEND)), Ok(0));
    assert_eq!(getfl(t, fd), OFlags::RDWR.bits() | APPEND | LARGEFILE);
}

// ---- other fcntl errors -------------------------------------------------------------

/// FCNTL-01: an unknown command is `EINVAL`.
#[test]
fn unknown_command_is_einval() {
    let fx = setup();
    let t = &fx.t;
    check!(t.fcntl(1, 999, 0), Err(Errno::INVAL));
    // ... but the descriptor is checked first.
    check!(t.fcntl(-1, 999, 0), Err(Errno::BADF));
}

/// FCNTL-02, FCNTL-03: lock commands on a bad descriptor are `EBADF`.
#[test]
fn lock_commands_on_bad_fd_are_ebadf() {
    let fx = setup();
    let t = &fx.t;
    check!(t.fcntl(-1, F_GETLK, 0), Err(Errno::BADF)); // FCNTL-02
    check!(t.fcntl(-1, F_SETLK, 0), Err(Errno::BADF)); // FCNTL-03
}

// ---- linux-fd-semantics.md §1.7 and §6: rules beyond the case list ---------------------

/// §6 F_DUPFD: the argument is truncated to `int` (`0x1_0000_0014` is 20) and read as
/// unsigned (`0x8000_0000` is beyond any limit: `EINVAL`); a closed source is `EBADF`
/// whatever the argument.
#[test]
fn dupfd_argument_is_truncated_to_int() {
    let fx = setup();
    let t = &fx.t;
    check!(t.fcntl(0, F_DUPFD, 0x1_0000_0014_u64), Ok(20));
    check!(t.fcntl(0, F_DUPFD, 0x8000_0000_u64), Err(Errno::INVAL));
    check!(t.fcntl(0, F_DUPFD, 0xFFFF_FFFF_u64), Err(Errno::INVAL));
    check!(t.fcntl(9, F_DUPFD, -1i64 as u64), Err(Errno::BADF));
    check!(t.fcntl(9, F_DUPFD, 5000), Err(Errno::BADF));
}

/// §6 F_DUPFD: a free number exists below the limit but the table cannot grow to it
/// (`nr_open` lowered): `EMFILE`.
#[test]
fn dupfd_beyond_nr_open_is_emfile() {
    let fx = setup();
    let t = &fx.t;
    fx.sys.set_nr_open(64).unwrap();
    check!(t.fcntl(0, F_DUPFD, 63), Ok(63));
    check!(t.fcntl(0, F_DUPFD, 64), Err(Errno::MFILE));
    check!(t.fcntl(0, F_DUPFD_CLOEXEC, 100), Err(Errno::MFILE));
}

/// §1.7 F_GETFL: the creation flags and `O_CLOEXEC` are never reported
/// (`O_RDWR|O_CREAT|O_TRUNC|O_CLOEXEC` reads back as 0100002).
#[test]
fn getfl_never_shows_creation_flags() {
    let fx = setup();
    let t = &fx.t;
    let flags = OFlags::RDWR
        | OFlags::CREAT
        | OFlags::TRUNC
        | OFlags::CLOEXEC
        | OFlags::EXCL
        | OFlags::NOCTTY;
    let fd = t.open("/tmp/getfl", flags, 0o644).unwrap();
    check!(t.fcntl(fd, F_GETFL, 0), Ok(0o100002));
}

/// §1.7 F_SETFL errors: `O_DIRECT` on an object that cannot do direct I/O (a
/// directory, `/dev/null`) is `EINVAL` and changes nothing; a pipe accepts it.
#[test]
fn setfl_o_direct_unsupported_is_einval() {
    let fx = setup();
    let t = &fx.t;
    let d = t.open("/tmp", OFlags::DIRECTORY, 0).unwrap();
    let n = t.open("/dev/null", OFlags::RDWR, 0).unwrap();
    for fd in [d, n] {
        let before = getfl(t, fd);
        check!(
            t.fcntl(fd, F_SETFL, u64::from(DIRECT | APPEND)),
            Err(Errno::INVAL)
        );
        assert_eq!(getfl(t, fd), before);
    }
    let [r, _w] = t.pipe().unwrap();
    check!(t.fcntl(r, F_SETFL, u64::from(DIRECT)), Ok(0));
    check!(t.fcntl(r, F_GETFL, 0), Ok(DIRECT.into()));
}

/// open(2) (`do_dentry_open`): `O_DIRECT` on an object without direct I/O is `EINVAL`
/// at open time, and the descriptor number is given back; a regular file accepts it
/// (FL-04), and so does `O_PATH`, which drops it.
#[test]
fn open_o_direct_unsupported_is_einval() {
    let fx = setup();
    let t = &fx.t;
    check!(t.open("/dev/null", OFlags::DIRECT, 0), Err(Errno::INVAL));
    check!(
        t.open("/tmp", OFlags::DIRECTORY | OFlags::DIRECT, 0),
        Err(Errno::INVAL)
    );
    assert_eq!(fds(t), [0, 1, 2]);
    check!(t.open("/tmp", OFlags::PATH | OFlags::DIRECT, 0), Ok(3));
    check!(t.fcntl(3, F_GETFL, 0), Ok(OFlags::PATH.bits().into()));
    let f = t.open(
        "/tmp/direct",
        OFlags::RDWR | OFlags::CREAT | OFlags::DIRECT,
        0o644,
    );
    assert_eq!(f, Ok(Fd::new(4)));
}

/// §1.7 F_CREATED_QUERY: 1 if this open created the file, shared by duplicates,
/// allowed on `O_PATH`.
#[test]
fn created_query_reports_creating_open() {
    let fx = setup();
    let t = &fx.t;
    let c = t
        .open(
            "/tmp/created",
            OFlags::RDWR | OFlags::CREAT | OFlags::EXCL,
            0o644,
        )
        .unwrap();
    check!(t.fcntl(c, F_CREATED_QUERY, 0), Ok(1));
    let d = t.dup(c).unwrap();
    check!(t.fcntl(d, F_CREATED_QUERY, 0), Ok(1));
    let again = t
        .open("/tmp/created", OFlags::RDWR | OFlags::CREAT, 0o644)
        .unwrap();
    check!(t.fcntl(again, F_CREATED_QUERY, 0), Ok(0));
    let p = t.open("/tmp/created", OFlags::PATH, 0).unwrap();
    check!(t.fcntl(p, F_CREATED_QUERY, 0), Ok(0));
}

/// fcntl(2) F_SETSIG: the argument is an `int` (`0x1_0000_0005` is signal 5); a
/// signal above 64 or negative is `EINVAL`.
#[test]
fn setsig_argument_is_an_int() {
    let fx = setup();
    let t = &fx.t;
    let n = t.open("/dev/null", OFlags::RDWR, 0).unwrap();
    check!(t.fcntl(n, F_SETSIG, 64), Ok(0));
    check!(t.fcntl(n, F_SETSIG, 65), Err(Errno::INVAL));
    check!(t.fcntl(n, F_SETSIG, -1i64 as u64), Err(Errno::INVAL));
    check!(t.fcntl(n, F_GETSIG, 0), Ok(64));
    check!(t.fcntl(n, F_SETSIG, 0x1_0000_0005_u64), Ok(0));
    check!(t.fcntl(n, F_GETSIG, 0), Ok(5));
}

/// fcntl(2) F_SETOWN (`f_setown`): the owner must exist (`ESRCH`), `INT_MIN` cannot be
/// negated (`EINVAL`), 0 clears it; the argument is an `int`.
#[test]
fn setown_checks_the_owner_exists() {
    let fx = setup();
    let t = &fx.t;
    let n = t.open("/dev/null", OFlags::RDWR, 0).unwrap();
    let pid = u64::from(fx.pid.get());
    check!(t.fcntl(n, F_SETOWN, 4_000_000), Err(Errno::SRCH));
    check!(t.fcntl(n, F_SETOWN, -4_000_000i64 as u64), Err(Errno::SRCH));
    check!(
        t.fcntl(n, F_SETOWN, i64::from(i32::MIN) as u64),
        Err(Errno::INVAL)
    );
    check!(t.fcntl(n, F_GETOWN, 0), Ok(0));
    check!(t.fcntl(n, F_SETOWN, 0x1_0000_0000 + pid), Ok(0));
    check!(t.fcntl(n, F_GETOWN, 0), Ok(pid as i64));
    check!(t.fcntl(n, F_SETOWN, 0), Ok(0));
    check!(t.fcntl(n, F_GETOWN, 0), Ok(0));
}

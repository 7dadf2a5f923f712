//! Conformance: `dup2(2)` (cases DUP2-01 .. DUP2-31 of
//! `shared/reference/conformance-cases.md`; `CONFORMANCE.md` maps them).

// Needs the whole system (feature `std`); `--no-default-features` skips it.
#![cfg(feature = "std")]

#[macro_use]
mod common;
use common::*;
use std::sync::Arc;

/// DUP2-01, DUP2-02, DUP2-03, DUP2-04: the `dup2` error matrix at the limit; every
/// failure is `EBADF` (never `EMFILE` or `EINVAL`).
#[test]
fn dup2_bad_fds_are_ebadf() {
    let fx = setup();
    let t = &fx.t;
    let l = t.getdtablesize() as i32;
    assert_eq!(l, 1024);
    check!(t.dup2(-1, 5), Err(Errno::BADF)); // DUP2-01: negative oldfd
    check!(t.dup2(l, 5), Err(Errno::BADF)); // DUP2-02: oldfd at the limit
    check!(t.dup2(0, -1), Err(Errno::BADF)); // DUP2-03: negative newfd
    check!(t.dup2(0, l), Err(Errno::BADF)); // DUP2-04: newfd at the limit
    assert_eq!(fds(t), [0, 1, 2]);
}

/// DUP2-05: dup2 into a free slot yields the same inode (files 0444, 0222, 0666).
#[test]
fn dup2_into_free_slot_shares_inode() {
    let fx = setup();
    let t = &fx.t;
    let free: Vec<u32> = (3..100)
        .filter(|&n| !is_open(t, n))
        .skip(7)
        .take(3)
        .collect();
    for (perm, target) in [0o444, 0o222, 0o666].into_iter().zip(free) {
        let path = format!("/tmp/dup2_05.{perm:o}");
        let fd = t.open(&path, OFlags::WRONLY | OFlags::CREAT, perm).unwrap();
        check!(t.dup2(fd, target), Ok(i64::from(target)));
        let (a, b) = (t.fstat(fd).unwrap(), t.fstat(target).unwrap());
        assert_eq!((a.ino, a.mode), (b.ino, b.mode), "0{perm:o}");
    }
}

/// DUP2-07: dup2 onto an open slot silently closes the previous occupant, and the new
/// slot does not inherit close-on-exec from the source.
#[test]
fn dup2_replaces_open_target_and_clears_cloexec() {
    let fx = setup();
    let t = &fx.t;
    let fd1 = open_with(t, "/tmp/dup2_07.b", b"B", OFlags::RDONLY);
    let fd0 = open_with(t, "/tmp/dup2_07.a", b"A", OFlags::RDONLY | OFlags::CLOEXEC);
    assert!(cloexec(t, fd0));
    let previous = Arc::downgrade(&t.file(fd1).unwrap());
    check!(t.dup2(fd0, fd1), Ok(fd1.as_raw().into()));
    assert!(
        previous.upgrade().is_none(),
        "previous occupant not released"
    );
    assert_eq!(read_n(t, fd1, 10), b"A");
    check!(t.fcntl(fd1, F_GETFD, 0), Ok(0));
    check!(t.fcntl(fd0, F_GETFD, 0), Ok(FD_CLOEXEC));
}

/// DUP2-08: dup2 into a closed slot; the copy reads the source file with
/// close-on-exec clear.
#[test]
fn dup2_into_closed_slot() {
    let fx = setup();
    let t = &fx.t;
    let fd1 = open_with(t, "/tmp/dup2_08.b", b"B", OFlags::RDONLY);
    let fd0 = open_with(t, "/tmp/dup2_08.a", b"A", OFlags::RDONLY | OFlags::CLOEXEC);
    t.close(fd1).unwrap();
    check!(t.dup2(fd0, fd1), Ok(fd1.as_raw().into()));
    assert_eq!(read_n(t, fd1, 10), b"A");
    check!(t.fcntl(fd1, F_GETFD, 0), Ok(0));
}

/// DUP2-09: the exact target number is honoured, for both pipe ends.
#[test]
fn dup2_honours_exact_target() {
    let fx = setup();
    let t = &fx.t;
    let [r, w] = t.pipe().unwrap();
    check!(t.dup2(r, 10), Ok(10));
    check!(t.dup2(w, 20), Ok(20));
    assert_eq!(ino(t, 10), ino(t, r));
    assert_eq!(ino(t, 20), ino(t, w));
    assert!(same_ofd(t, 10, r) && same_ofd(t, 20, w));
}

/// DUP2-10: dup2 reaches slot L-1 but never L (`EBADF`).
#[test]
fn dup2_reaches_limit_minus_one_but_not_limit() {
    let fx = setup();
    let t = &fx.t;
    let l = t.getdtablesize() as i32;
    let f = open(t, "/tmp/dup2_10", OFlags::RDWR).as_raw();
    let mut first_failure = None;
    for k in f + 1..l + 10 {
        match t.dup2(k - 1, k) {
            Ok(fd) => assert_eq!(fd.as_raw(), k, "dup2({}, {k})", k - 1),
            Err(e) => {
                first_failure = Some((k, e));
                break;
            }
        }
    }
    assert_eq!(first_failure, Some((l, Errno::BADF)));
    assert_eq!(highest(t), Some(l as u32 - 1));
}

/// DUP2-11, DUP2-15, DUP2-24: `dup2(fd, fd)` on an open fd returns fd and changes
/// nothing.
#[test]
fn dup2_same_fd_is_noop() {
    let fx = setup();
    let t = &fx.t;
    let fd = open(t, "/tmp/dup2_11", OFlags::RDWR);
    let before = t.file(fd).unwrap();
    check!(t.dup2(fd, fd), Ok(3)); // DUP2-11, DUP2-15
    assert!(Arc::ptr_eq(&before, &t.file(fd).unwrap()));
    // DUP2-24: fd+1 and fd+2 closed, fd still open afterwards.
    assert!(!is_open(t, 4) && !is_open(t, 5));
    check!(t.dup2(fd, fd), Ok(3));
    assert_eq!(fds(t), [0, 1, 2, 3]);
}

/// DUP2-12: an offset set before the duplication is shared.
#[test]
fn dup2_shares_offset_set_before() {
    let fx = setup();
    let t = &fx.t;
    let fd = open_with(t, "/tmp/dup2_12", b"abcdefg", OFlags::RDWR);
    check!(t.lseek(fd, 1, Whence::Set), Ok(1));
    check!(t.dup2(fd, 10), Ok(10));
    assert_eq!(read_n(t, 10, 6), b"bcdefg");
}

/// DUP2-13: an offset moved after the duplication is visible through the copy.
#[test]
fn dup2_shares_offset_moved_after() {
    let fx = setup();
    let t = &fx.t;
    let fd = open_with(t, "/tmp/dup2_13", b"abcdefg", OFlags::RDWR);
    check!(t.dup2(fd, 10), Ok(10));
    check!(t.lseek(fd, 2, Whence::Set), Ok(2));
    assert_eq!(read_n(t, 10, 5), b"cdefg");
}

/// DUP2-14: dup2 over an occupied slot holding a copy of the same file.
#[test]
fn dup2_over_occupied_slot() {
    let fx = setup();
    let t = &fx.t;
    let fd = open(t, "/tmp/dup2_14", OFlags::RDONLY);
    let nfd = t.dup(fd).unwrap();
    check!(t.dup2(fd, nfd), Ok(nfd.as_raw().into()));
    assert!(same_ofd(t, fd, nfd));
}

/// DUP2-16: `O_PATH` descriptors go through dup2; `F_GETFL` is the same on both.
#[test]
fn dup2_with_o_path() {
    let fx = setup();
    let t = &fx.t;
    let fd = t.open("/tmp", OFlags::PATH, 0).unwrap();
    let v = getfl(t, fd);
    let nfd = t.dup(fd).unwrap();
    check!(t.dup2(fd, nfd), Ok(nfd.as_raw().into()));
    assert!(same_ofd(t, fd, nfd));
    check!(t.fcntl(fd, F_GETFL, 0), Ok(v.into()));
    check!(t.fcntl(nfd, F_GETFL, 0), Ok(v.into()));
}

/// DUP2-17: the return value is exactly the target: closing it closes fd2.
#[test]
fn dup2_returns_exactly_target() {
    let fx = setup();
    let t = &fx.t;
    let fd1 = open(t, "/tmp/dup2_17", OFlags::RDWR);
    let fd2 = open(t, "/tmp/dup2_17", OFlags::RDWR);
    assert!(!same_ofd(t, fd1, fd2));
    let got = t.dup2(fd1, fd2).unwrap();
    assert_eq!(got, fd2);
    check!(t.close(got), Ok(0));
    check!(t.close(fd1), Ok(0));
    check!(t.close(fd2), Err(Errno::BADF));
}

/// DUP2-18: the NetBSD error matrix; `dup2(fd, fd)` succeeds (must not be `EINVAL`).
#[test]
fn dup2_error_matrix() {
    let fx = setup();
    let t = &fx.t;
    let fd = open(t, "/tmp/dup2_18", OFlags::RDWR);
    check!(t.dup2(-1, -1), Err(Errno::BADF));
    check!(t.dup2(fd, -1), Err(Errno::BADF));
    check!(t.dup2(-1, fd), Err(Errno::BADF));
    check!(t.dup2(fd, fd), Ok(fd.as_raw().into()));
}

/// DUP2-19, DUP2-23: a target beyond the limit fails with `EBADF`.
#[test]
fn dup2_beyond_limit_is_ebadf() {
    let fx = setup();
    let t = &fx.t;
    let limit = t.getdtablesize() as i32;
    check!(t.dup2(2, limit + 1), Err(Errno::BADF)); // DUP2-19
    let fd1 = t.dup(0).unwrap();
    t.fcntl_setfd(fd1, FdFlags::CLOEXEC).unwrap();
    check!(t.dup2(fd1, limit + 1), Err(Errno::BADF)); // DUP2-23
    check!(t.dup2(fd1, limit), Err(Errno::BADF));
    assert!(!is_open(t, limit + 1));
}

/// DUP2-20: dup2 over an open descriptor on another file, for every access mode and
/// permission: the target then has the source's `st_mode` and inode.
#[test]
fn dup2_over_open_fd_across_modes() {
    let fx = setup();
    let t = &fx.t;
    for access in [OFlags::RDONLY, OFlags::WRONLY, OFlags::RDWR] {
        for perm in [0o700, 0o400, 0o600, 0o444, 0o666] {
            let path = format!("/tmp/dup2_20.{}.{perm:o}", access.bits());
            let fd1 = t.open(&path, access | OFlags::CREAT, perm).unwrap();
            let fd2 = t
                .open("/tmp/dup2_20.other", OFlags::RDWR | OFlags::CREAT, 0o755)
                .unwrap();
            check!(t.dup2(fd1, fd2), Ok(fd2.as_raw().into()));
            let (a, b) = (t.fstat(fd1).unwrap(), t.fstat(fd2).unwrap());
            assert_eq!((b.mode, b.ino), (a.mode, a.ino), "{access:?} 0{perm:o}");
            t.close(fd1).unwrap();
            t.close(fd2).unwrap();
        }
    }
}

/// DUP2-21: dup2 clears close-on-exec on the new slot.
#[test]
fn dup2_clears_cloexec() {
    let fx = setup();
    let t = &fx.t;
    let orig = open(t, "/tmp/dup2_21", OFlags::RDWR);
    let fd1 = t.dup(orig).unwrap();
    t.fcntl_setfd(fd1, FdFlags::CLOEXEC).unwrap();
    let target = fd1.as_raw() + 1;
    check!(t.dup2(fd1, target), Ok(target.into()));
    check!(t.fcntl(target, F_GETFD, 0), Ok(0));
}

/// DUP2-22: `dup2(fd, fd)` does not touch the descriptor flags (also GAP-04).
#[test]
fn dup2_same_fd_keeps_cloexec() {
    let fx = setup();
    let t = &fx.t;
    let fd1 = open(t, "/tmp/dup2_22", OFlags::RDWR | OFlags::CLOEXEC);
    check!(t.dup2(fd1, fd1), Ok(fd1.as_raw().into()));
    check!(t.fcntl(fd1, F_GETFD, 0), Ok(FD_CLOEXEC));
}

/// DUP2-25: a failed dup2 (bad source, including `AT_FDCWD`) does not close the
/// target.
#[test]
fn dup2_bad_source_leaves_target_open() {
    let fx = setup();
    let t = &fx.t;
    let fd = open(t, "/tmp/dup2_25", OFlags::RDWR);
    check!(t.dup2(-1, fd), Err(Errno::BADF));
    check!(t.dup2(-100, fd), Err(Errno::BADF)); // AT_FDCWD
    assert!(is_open(t, fd));
}

/// DUP2-26: self-dup of a closed fd is `EBADF`, not a no-op; it stays closed (also
/// GAP-09).
#[test]
fn dup2_same_closed_fd_is_ebadf() {
    let fx = setup();
    let t = &fx.t;
    let fd = open(t, "/tmp/dup2_26", OFlags::RDWR);
    let closed = fd.as_raw() + 1;
    check!(t.dup2(closed, closed), Err(Errno::BADF));
    assert!(!is_open(t, closed));
}

/// DUP2-27: a closed source onto an open destination fails and leaves it open.
#[test]
fn dup2_closed_source_leaves_destination_open() {
    let fx = setup();
    let t = &fx.t;
    let fd = open(t, "/tmp/dup2_27", OFlags::RDWR);
    let before = t.file(fd).unwrap();
    check!(t.dup2(fd.as_raw() + 1, fd), Err(Errno::BADF));
    assert!(Arc::ptr_eq(&before, &t.file(fd).unwrap()));
}

/// DUP2-28: a negative or huge destination is `EBADF`.
#[test]
fn dup2_negative_or_huge_target_is_ebadf() {
    let fx = setup();
    let t = &fx.t;
    let fd = open(t, "/tmp/dup2_28", OFlags::RDWR);
    check!(t.dup2(fd, -2), Err(Errno::BADF));
    check!(t.dup2(fd, 10_000_000), Err(Errno::BADF));
    assert_eq!(fds(t), [0, 1, 2, 3]);
}

/// DUP2-29: dup2 is not bound by the lowest-free rule: fd+1 stays free.
#[test]
fn dup2_may_skip_free_slots() {
    let fx = setup();
    let t = &fx.t;
    let fd = open(t, "/tmp/dup2_29", OFlags::RDWR).as_raw();
    check!(t.dup2(fd, fd + 2), Ok((fd + 2).into()));
    assert!(!is_open(t, fd + 1));
    check!(t.dup(fd), Ok((fd + 1).into()));
}

/// DUP2-30: the previous occupant is closed (a write after dup2 goes to /dev/null);
/// after re-duplication fd and fd+2 share one offset.
#[test]
fn dup2_replace_then_share_offset() {
    let fx = setup();
    let t = &fx.t;
    let fd = open(t, "/tmp/dup2_30", OFlags::RDWR | OFlags::TRUNC).as_raw();
    check!(t.dup2(fd, fd + 2), Ok((fd + 2).into()));
    check!(t.open("/dev/null", OFlags::RDWR, 0), Ok((fd + 1).into()));
    check!(t.dup2(fd + 1, fd), Ok(fd.into()));
    check!(t.close(fd + 1), Ok(0));
    check!(t.write(fd, b"1"), Ok(1));
    check!(t.dup2(fd + 2, fd), Ok(fd.into()));
    check!(t.lseek(fd, 0, Whence::End), Ok(0));
    check!(t.write(fd + 2, b"2"), Ok(1));
    check!(t.lseek(fd, 0, Whence::Set), Ok(0));
    assert_eq!(read_n(t, fd, 1), b"2");
}

/// DUP2-31: `dup2(fd+1, fd+1)` keeps close-on-exec; `dup2(fd+1, fd+2)` clears it on
/// the copy.
#[test]
fn dup2_self_keeps_flag_real_dup2_clears() {
    let fx = setup();
    let t = &fx.t;
    let fd = open(t, "/tmp/dup2_31", OFlags::RDWR).as_raw();
    check!(t.fcntl(fd, F_DUPFD_CLOEXEC, 0), Ok((fd + 1).into()));
    check!(t.dup2(fd + 1, fd + 1), Ok((fd + 1).into()));
    check!(t.fcntl(fd + 1, F_GETFD, 0), Ok(FD_CLOEXEC));
    check!(t.dup2(fd + 1, fd + 2), Ok((fd + 2).into()));
    check!(t.fcntl(fd + 2, F_GETFD, 0), Ok(0));
    check!(t.fcntl(fd + 1, F_GETFD, 0), Ok(FD_CLOEXEC));
}

// ---- linux-fd-semantics.md §1.5 and §6: rules beyond the case list ----------------------

/// §6 dup2: a target below the limit that the table cannot grow to (`nr_open`
/// lowered) is `EBADF` (`expand_files`' `EMFILE` is remapped); a target inside the
/// capacity the table already has needs no growth and works.
#[test]
fn dup2_beyond_nr_open_is_ebadf() {
    let fx = setup();
    let t = &fx.t;
    let other = fx.fork(t);
    check!(t.dup2(0, 100), Ok(100)); // grows to 128 slots first
    fx.sys.set_nr_open(64).unwrap();
    check!(t.dup2(0, 120), Ok(120));
    check!(t.dup2(0, 200), Err(Errno::BADF));
    check!(t.dup3(0, 200, DupFlags::CLOEXEC), Err(Errno::BADF));
    // A 64-slot table cannot grow at all now.
    check!(other.dup2(0, 63), Ok(63));
    check!(other.dup2(0, 64), Err(Errno::BADF));
    // Checked after the source: a bad source is still EBADF, and nothing grows.
    check!(other.dup2(99, 64), Err(Errno::BADF));
}

/// §6 dup2: a target at or above the limit is `EBADF` even when it is open; as a
/// self-dup it is returned unchecked.
#[test]
fn dup2_open_target_above_limit_is_ebadf() {
    let fx = setup();
    let t = &fx.t;
    check!(t.dup2(0, 500), Ok(500));
    set_nofile(t, 100);
    check!(t.dup2(1, 500), Err(Errno::BADF));
    check!(t.dup2(500, 500), Ok(500));
    check!(t.dup2(500, 50), Ok(50));
    assert!(same_ofd(t, 500, 0));
}

//! Conformance: `dup(2)` (cases DUP-01 .. DUP-18 of
//! `shared/reference/conformance-cases.md`; `CONFORMANCE.md` maps them).

// Needs the whole system (feature `std`); `--no-default-features` skips it.
#![cfg(feature = "std")]

#[macro_use]
mod common;
use common::*;

/// DUP-01, DUP-09, DUP-16: the copy is a new, different number for the same open file.
#[test]
fn dup_returns_new_number_for_same_file() {
    let fx = setup();
    let t = &fx.t;
    // DUP-01: read-write file; DUP-09: read-only file; DUP-16: temp file, smoke.
    for (id, flags) in [
        ("DUP-01", OFlags::RDWR),
        ("DUP-09", OFlags::RDONLY),
        ("DUP-16", OFlags::RDWR | OFlags::EXCL),
    ] {
        let fd = open(t, &format!("/tmp/{id}"), flags);
        let d = t.dup(fd).unwrap_or_else(|e| panic!("{id}: dup({fd}): {e}"));
        assert_ne!(d, fd, "{id}: dup returned its argument");
        assert!(d.as_raw() >= 0, "{id}: negative descriptor {d}");
        assert_eq!(ino(t, d), ino(t, fd), "{id}: fstat inode differs");
        assert!(
            same_ofd(t, d, fd),
            "{id}: not the same open file description"
        );
    }
}

/// DUP-02, DUP-12, DUP-15: a negative or unopened descriptor is `EBADF`.
#[test]
fn dup_of_negative_or_unopened_fd_is_ebadf() {
    let fx = setup();
    let t = &fx.t;
    check!(t.dup(-1), Err(Errno::BADF)); // DUP-02, DUP-12, DUP-15
    check!(t.dup(1500), Err(Errno::BADF)); // DUP-03: beyond the default limit
    check!(t.close(99), Err(Errno::BADF)); // DUP-15: 99 "explicitly closed"
    check!(t.dup(99), Err(Errno::BADF)); // DUP-15
    check!(t.dup(i32::MIN), Err(Errno::BADF));
    assert_eq!(fds(t), [0, 1, 2], "a failed dup allocated something");
}

/// DUP-03: a descriptor number beyond the limit that is not open is `EBADF`, not
/// `EMFILE` or `EINVAL`.
#[test]
fn dup_of_fd_beyond_limit_is_ebadf() {
    let fx = setup();
    let t = &fx.t;
    assert_eq!(t.getdtablesize(), 1024);
    check!(t.dup(1500), Err(Errno::BADF));
    check!(t.dup(1024), Err(Errno::BADF));
}

/// DUP-04: with the table full up to limit-1, dup fails with `EMFILE`, not `EBADF`.
#[test]
fn dup_on_full_table_is_emfile() {
    let fx = setup();
    let t = &fx.t;
    let limit = t.getdtablesize() as i32;
    let first = open(t, "/tmp/dup04", OFlags::RDWR);
    let mut newest = first;
    while newest.as_raw() < limit - 1 {
        newest = t.dup(first).expect("dup below the limit");
    }
    assert_eq!(newest.as_raw(), limit - 1);
    check!(t.dup(first), Err(Errno::MFILE));
}

/// DUP-05: both ends of a pipe can be duplicated.
#[test]
fn dup_of_pipe_ends_succeeds() {
    let fx = setup();
    let t = &fx.t;
    let [r, w] = t.pipe().unwrap();
    check!(t.dup(r), Ok(5));
    check!(t.dup(w), Ok(6));
    assert!(same_ofd(t, r, 5) && same_ofd(t, w, 6));
}

/// DUP-07: dup fills every free slot below the limit, then fails; never beyond it.
#[test]
fn dup_fills_every_free_slot_then_fails() {
    let fx = setup();
    let t = &fx.t;
    // Some holes and some occupied slots below the limit.
    t.dup2(0, 10).unwrap();
    t.dup2(0, 500).unwrap();
    t.close(1).unwrap();
    let limit = t.getdtablesize();
    let free = (0..limit as u32)
        .filter(|&fd| t.fcntl_getfd(fd) == Err(Errno::BADF))
        .count();
    let mut newest = open(t, "/tmp/dup07", OFlags::RDWR);
    let mut obtained = 1;
    let mut failure = None;
    for _ in 0..limit + 5 {
        match t.dup(newest) {
            Ok(fd) => {
                assert!(u64::from(fd.get()) < limit, "dup returned {fd} ≥ limit");
                newest = fd;
                obtained += 1;
            }
            Err(e) => {
                failure = Some(e);
                break;
            }
        }
    }
    assert_eq!(obtained, free, "descriptors obtained vs free slots");
    assert_eq!(failure, Some(Errno::MFILE));
}

/// DUP-08: the copy sees the same inode metadata (mode), for files created 0444,
/// 0222 and 0666 and opened write-only.
#[test]
fn dup_shares_inode_mode() {
    let fx = setup();
    let t = &fx.t;
    for perm in [0o444, 0o222, 0o666] {
        let path = format!("/tmp/dup08.{perm:o}");
        let fd = t
            .open(&path, OFlags::WRONLY | OFlags::CREAT, perm)
            .unwrap_or_else(|e| panic!("open({path}, 0{perm:o}): {e}"));
        let d = t.dup(fd).unwrap();
        let (a, b) = (t.fstat(fd).unwrap(), t.fstat(d).unwrap());
        assert_eq!(a.mode, b.mode, "0{perm:o}: st_mode differs");
        assert_eq!(a.mode, S_IFREG | (perm & !0o022), "0{perm:o}: st_mode");
    }
}

/// DUP-10: close-on-exec is per descriptor and is not copied by dup.
#[test]
fn dup_clears_cloexec() {
    let fx = setup();
    let t = &fx.t;
    let e = t.eventfd2(0, EventFdFlags::CLOEXEC).unwrap();
    check!(t.fcntl(e, F_GETFD, 0), Ok(FD_CLOEXEC));
    let d = t.dup(e).unwrap();
    check!(t.fcntl(d, F_GETFD, 0), Ok(0));
    check!(t.fcntl(e, F_GETFD, 0), Ok(FD_CLOEXEC));
    assert!(same_ofd(t, e, d));
}

/// DUP-11: an `O_PATH` descriptor can be duplicated; the status flags come with the
/// description.
#[test]
fn dup_of_o_path_keeps_status_flags() {
    let fx = setup();
    let t = &fx.t;
    let fd = t.open("/tmp", OFlags::PATH, 0).unwrap();
    let v = getfl(t, fd);
    assert_eq!(v, OFlags::PATH.bits());
    let d = t.dup(fd).unwrap();
    assert!(same_ofd(t, fd, d));
    check!(t.fcntl(d, F_GETFL, 0), Ok(i64::from(v)));
}

/// DUP-13: a limit lowered with setrlimit is enforced by dup (in a child whose table
/// holds exactly 0..9).
#[test]
fn dup_respects_lowered_rlimit() {
    let fx = setup();
    let child = fx.fork(&fx.t);
    let t = &child;
    check!(t.close_range(0, u32::MAX, CloseRangeFlags::empty()), Ok(0));
    check!(t.setrlimit(NOFILE, RLimit { cur: 10, max: 10 }), Ok(0));
    let first = open(t, "/tmp/dup13", OFlags::RDWR);
    assert_eq!(first.get(), 0);
    for i in 1..10 {
        check!(t.open("/tmp/dup13", OFlags::RDONLY, 0), Ok(i));
    }
    check!(t.dup(first), Err(Errno::MFILE));
    // The parent is unaffected.
    assert_eq!(fds(&fx.t), [0, 1, 2]);
}

/// DUP-14: for every access mode and permission, the duplicate has the original's
/// `st_mode` (and not that of another open file).
#[test]
fn dup_preserves_identity_across_modes() {
    let fx = setup();
    let t = &fx.t;
    let other = t
        .open("/tmp/dup14.other", OFlags::RDWR | OFlags::CREAT, 0o755)
        .unwrap();
    for access in [OFlags::RDONLY, OFlags::WRONLY, OFlags::RDWR] {
        for perm in [0o700, 0o400, 0o600, 0o444, 0o666] {
            let path = format!("/tmp/dup14.{}.{perm:o}", access.bits());
            let fd1 = t.open(&path, access | OFlags::CREAT, perm).unwrap();
            let d = t.dup(fd1).unwrap();
            let (m1, md) = (t.fstat(fd1).unwrap().mode, t.fstat(d).unwrap().mode);
            assert_eq!(md, m1, "{access:?} 0{perm:o}: st_mode of dup");
            assert_ne!(md, t.fstat(other).unwrap().mode);
            t.close(d).unwrap();
            t.close(fd1).unwrap();
        }
    }
}

/// DUP-17: dup takes the lowest free number (fd+1) and clears close-on-exec made by
/// `F_DUPFD_CLOEXEC`.
#[test]
fn dup_takes_lowest_free_and_clears_cloexec() {
    let fx = setup();
    let t = &fx.t;
    let src = open(t, "/tmp/dup17", OFlags::RDWR);
    let fd = t.fcntl_dupfd_cloexec(src, 10).unwrap();
    assert_eq!(fd.get(), 10);
    assert!(cloexec(t, fd));
    // Make fd+1 the lowest free number.
    for n in 4..10 {
        t.dup2(src, n).unwrap();
    }
    assert!(!is_open(t, 11));
    check!(t.dup(fd), Ok(11));
    check!(t.fcntl(11, F_GETFD, 0), Ok(0));
}

/// DUP-18: after `close_range(64, ~0U, CLOSE_RANGE_UNSHARE)` in a task sharing a
/// table of 0..127, the private copy's lowest free slot is exactly 64.
#[test]
fn dup_after_unshare_truncation_finds_lowest_free() {
    let fx = setup();
    let t = &fx.t;
    for i in 2..128 {
        t.dup2(0, i).unwrap();
    }
    let child = fx.clone_files(t);
    check!(
        child.close_range(64, u32::MAX, CloseRangeFlags::UNSHARE),
        Ok(0)
    );
    check!(child.fcntl(64, F_GETFD, 0), Err(Errno::BADF));
    check!(child.dup(0), Ok(64));
    assert_eq!(highest(&child), Some(64));
    // The parent kept its table.
    assert_eq!(fds(t).len(), 128);
    assert!(!fx.sys.shares_table(fx.pid, child.pid()).unwrap());
}

// ---- linux-fd-semantics.md §6: rules beyond the case list -------------------------------

/// §6 dup: a source at or above a lowered limit is usable; the copy lands below it.
#[test]
fn dup_of_fd_above_limit_lands_below_it() {
    let fx = setup();
    let t = &fx.t;
    check!(t.dup2(0, 500), Ok(500));
    set_nofile(t, 100);
    check!(t.dup(500), Ok(3));
    check!(t.read(500, &mut [0; 1]), Ok(0));
    check!(t.close(500), Ok(0));
}

/// §6 dup: the lowest free number is below the limit but the table cannot grow to it
/// (`nr_open` lowered): `EMFILE`.
#[test]
fn dup_beyond_nr_open_is_emfile() {
    let fx = setup();
    let t = &fx.t;
    fx.sys.set_nr_open(64).unwrap();
    for want in 3..64 {
        check!(t.dup(0), Ok(want));
    }
    check!(t.dup(0), Err(Errno::MFILE));
    check!(t.open("/dev/null", OFlags::RDONLY, 0), Err(Errno::MFILE));
    assert_eq!(t.pipe(), Err(Errno::MFILE));
}

//! Conformance: `dup3(2)` (cases DUP3-01 .. DUP3-21 of
//! `shared/reference/conformance-cases.md`; `CONFORMANCE.md` maps them).

// Needs the whole system (feature `std`); `--no-default-features` skips it.
#![cfg(feature = "std")]

#[macro_use]
mod common;
use common::*;
use std::sync::Arc;

/// DUP3-01, DUP3-02: flags 0 leaves close-on-exec clear; `O_CLOEXEC` sets it, and an
/// occupied target is replaced.
#[test]
fn dup3_flag_controls_cloexec() {
    let fx = setup();
    let t = &fx.t;
    check!(t.dup3(1, 4, DupFlags::empty()), Ok(4)); // DUP3-01
    check!(t.fcntl(4, F_GETFD, 0), Ok(0));
    check!(t.dup3(1, 4, DupFlags::CLOEXEC), Ok(4)); // DUP3-02
    check!(t.fcntl(4, F_GETFD, 0), Ok(FD_CLOEXEC));
}

/// DUP3-03, DUP3-04, DUP3-07, DUP3-15: `dup3(fd, fd, flags)` is `EINVAL`, whether fd is
/// open or not (unlike dup2). Also DIV-01.
#[test]
fn dup3_same_fd_is_einval() {
    let fx = setup();
    let t = &fx.t;
    // fd 3 closed.
    check!(t.dup3(3, 3, DupFlags::CLOEXEC), Err(Errno::INVAL)); // DUP3-03
    check!(t.dup3(3, 3, DupFlags::empty()), Err(Errno::INVAL)); // DUP3-04
                                                                // fd 3 open.
    let fd = open(t, "/tmp/dup3_03", OFlags::RDWR);
    assert_eq!(fd.get(), 3);
    check!(t.dup3(3, 3, DupFlags::CLOEXEC), Err(Errno::INVAL)); // DUP3-03, DUP3-15
    check!(t.dup3(3, 3, DupFlags::empty()), Err(Errno::INVAL)); // DUP3-04, DUP3-07, DUP3-15
    check!(t.fcntl(3, F_GETFD, 0), Ok(0));
}

/// DUP3-05: unknown flag bits are `EINVAL`, checked before the descriptors.
#[test]
fn dup3_unknown_flags_are_einval_before_fd_checks() {
    let fx = setup();
    let t = &fx.t;
    check!(
        t.dup3(3, 5, DupFlags::from_bits_retain(u32::MAX)),
        Err(Errno::INVAL)
    ); // 3 closed
    let fd = open(t, "/tmp/dup3_05", OFlags::RDWR);
    check!(
        t.dup3(fd, 5, DupFlags::from_bits_retain(u32::MAX)),
        Err(Errno::INVAL)
    ); // 3 open
    assert!(!is_open(t, 5));
}

/// DUP3-06: flag control on an occupied target: same file each time, `F_GETFD` 0 then
/// `FD_CLOEXEC`.
#[test]
fn dup3_onto_occupied_target() {
    let fx = setup();
    let t = &fx.t;
    let fd = open(t, "/tmp/dup3_06", OFlags::RDONLY);
    let nfd = t.dup(fd).unwrap();
    check!(t.dup3(fd, nfd, DupFlags::empty()), Ok(nfd.as_raw().into()));
    assert!(same_ofd(t, fd, nfd));
    check!(t.fcntl(nfd, F_GETFD, 0), Ok(0));
    check!(t.dup3(fd, nfd, DupFlags::CLOEXEC), Ok(nfd.as_raw().into()));
    assert!(same_ofd(t, fd, nfd));
    check!(t.fcntl(nfd, F_GETFD, 0), Ok(FD_CLOEXEC));
}

/// DUP3-08: `O_PATH` through dup3: close-on-exec 0 then `FD_CLOEXEC`; `F_GETFL` stays.
#[test]
fn dup3_with_o_path() {
    let fx = setup();
    let t = &fx.t;
    let fd = t.open("/tmp", OFlags::PATH, 0).unwrap();
    check!(t.fcntl(fd, F_GETFD, 0), Ok(0));
    let v = i64::from(getfl(t, fd));
    let nfd = t.dup(fd).unwrap();
    check!(t.dup3(fd, nfd, DupFlags::empty()), Ok(nfd.as_raw().into()));
    check!(t.fcntl(nfd, F_GETFD, 0), Ok(0));
    check!(t.fcntl(nfd, F_GETFL, 0), Ok(v));
    check!(t.dup3(fd, nfd, DupFlags::CLOEXEC), Ok(nfd.as_raw().into()));
    check!(t.fcntl(nfd, F_GETFD, 0), Ok(FD_CLOEXEC));
    check!(t.fcntl(nfd, F_GETFL, 0), Ok(v));
}

/// DUP3-09: the hard limit is capped by `nr_open`; `newfd == limit` is `EBADF`;
/// `limit-1` works even for a multi-million-entry table.
#[test]
fn dup3_limited_by_nr_open() {
    let fx = setup();
    let t = &fx.t;
    let nr = 1u64 << 22;
    fx.sys.set_nr_open(nr as u32).unwrap();
    let fd = open(t, "/tmp/dup3_09", OFlags::RDWR);
    check!(
        t.setrlimit(
            NOFILE,
            RLimit {
                cur: nr + 1,
                max: nr + 1
            }
        ),
        Err(Errno::PERM)
    );
    check!(t.setrlimit(NOFILE, RLimit { cur: nr, max: nr }), Ok(0));
    check!(t.dup3(fd, nr as i32, DupFlags::empty()), Err(Errno::BADF));
    check!(
        t.dup3(fd, nr as i32 - 1, DupFlags::empty()),
        Ok(nr as i64 - 1)
    );
    assert!(same_ofd(t, fd, nr as u32 - 1));
}

/// DUP3-10: bad descriptors are `EBADF`; any flag other than `O_CLOEXEC` is `EINVAL`.
#[test]
fn dup3_error_matrix() {
    let fx = setup();
    let t = &fx.t;
    let fd = open(t, "/tmp/dup3_10", OFlags::RDWR);
    check!(t.dup3(fd, -1, DupFlags::CLOEXEC), Err(Errno::BADF));
    check!(t.dup3(-1, fd, DupFlags::CLOEXEC), Err(Errno::BADF));
    check!(
        t.dup3(fd, 1, DupFlags::from_bits_retain(OFlags::NOFOLLOW.bits())),
        Err(Errno::INVAL)
    );
    for bad in [
        OFlags::NONBLOCK,
        OFlags::APPEND,
        OFlags::WRONLY,
        OFlags::RDWR,
    ] {
        check!(
            t.dup3(
                fd,
                1,
                DupFlags::from_bits_retain((bad | OFlags::CLOEXEC).bits())
            ),
            Err(Errno::INVAL)
        );
    }
    assert!(same_ofd(t, 1, 0), "fd 1 was touched by a failed dup3");
}

/// DUP3-11, DUP3-16: a target beyond the limit is `EBADF`.
#[test]
fn dup3_beyond_limit_is_ebadf() {
    let fx = setup();
    let t = &fx.t;
    let limit = t.getdtablesize() as i32;
    check!(t.dup3(2, limit + 1, DupFlags::CLOEXEC), Err(Errno::BADF)); // DUP3-11
    let fd1 = open(t, "/tmp/dup3_16", OFlags::RDWR);
    check!(t.dup3(fd1, limit + 1, DupFlags::CLOEXEC), Err(Errno::BADF)); // DUP3-16
    check!(t.dup3(fd1, limit, DupFlags::empty()), Err(Errno::BADF));
}

/// DUP3-12: dup3 with `O_CLOEXEC` over an open fd, every access mode and permission:
/// same `st_mode`, and the flag set.
#[test]
fn dup3_over_open_fd_across_modes() {
    let fx = setup();
    let t = &fx.t;
    for access in [OFlags::RDONLY, OFlags::WRONLY, OFlags::RDWR] {
        for perm in [0o700, 0o400, 0o600, 0o444, 0o666] {
            let path = format!("/tmp/dup3_12.{}.{perm:o}", access.bits());
            let fd1 = t.open(&path, access | OFlags::CREAT, perm).unwrap();
            let fd2 = t
                .open("/tmp/dup3_12.other", OFlags::RDWR | OFlags::CREAT, 0o755)
                .unwrap();
            check!(t.dup3(fd1, fd2, DupFlags::CLOEXEC), Ok(fd2.as_raw().into()));
            let (a, b) = (t.fstat(fd1).unwrap(), t.fstat(fd2).unwrap());
            assert_eq!((b.mode, b.ino), (a.mode, a.ino), "{access:?} 0{perm:o}");
            assert!(cloexec(t, fd2));
            t.close(fd1).unwrap();
            t.close(fd2).unwrap();
        }
    }
}

/// DUP3-13, DUP3-14: dup3 sets the flag with `O_CLOEXEC`, and with 0 clears it on the
/// replaced slot.
#[test]
fn dup3_sets_then_clears_cloexec_on_target() {
    let fx = setup();
    let t = &fx.t;
    let fd1 = open(t, "/tmp/dup3_13", OFlags::RDWR).as_raw();
    check!(
        t.dup3(fd1, fd1 + 1, DupFlags::CLOEXEC),
        Ok((fd1 + 1).into())
    ); // DUP3-13
    check!(t.fcntl(fd1 + 1, F_GETFD, 0), Ok(FD_CLOEXEC));
    check!(
        t.dup3(fd1, fd1 + 1, DupFlags::empty()),
        Ok((fd1 + 1).into())
    ); // DUP3-14
    check!(t.fcntl(fd1 + 1, F_GETFD, 0), Ok(0));
}

/// DUP3-17: the self-dup error leaves fd open (for flags 0 and `O_CLOEXEC`).
#[test]
fn dup3_same_fd_error_leaves_fd_open() {
    for f in [DupFlags::empty(), DupFlags::CLOEXEC] {
        let fx = setup();
        let t = &fx.t;
        let fd = open(t, "/tmp/dup3_17", OFlags::RDWR);
        check!(t.dup3(fd, fd, f), Err(Errno::INVAL));
        assert_eq!(fds(t), [0, 1, 2, 3], "flags {f:#o}");
        check!(t.fcntl(fd, F_GETFD, 0), Ok(0));
    }
}

/// DUP3-18: a failed dup3 (closed source) leaves the destination untouched, free or
/// open.
#[test]
fn dup3_closed_source_leaves_destination_untouched() {
    for f in [DupFlags::empty(), DupFlags::CLOEXEC] {
        let fx = setup();
        let t = &fx.t;
        let fd = open(t, "/tmp/dup3_18", OFlags::RDWR).as_raw();
        let before = t.file(fd).unwrap();
        check!(t.dup3(fd + 1, fd + 2, f), Err(Errno::BADF));
        check!(t.dup3(fd + 1, fd, f), Err(Errno::BADF));
        assert!(!is_open(t, fd + 2), "flags {f:#o}");
        assert!(Arc::ptr_eq(&before, &t.file(fd).unwrap()), "flags {f:#o}");
    }
}

/// DUP3-19: boundaries: -2 and B are `EBADF`, B-1 works, and the table grows past
/// 255/256.
#[test]
fn dup3_boundaries() {
    for f in [DupFlags::empty(), DupFlags::CLOEXEC] {
        let fx = setup();
        let t = &fx.t;
        let b = t.getdtablesize() as i32;
        assert!(b > 256);
        let fd = open(t, "/tmp/dup3_19", OFlags::RDWR);
        check!(t.dup3(fd, -2, f), Err(Errno::BADF));
        check!(t.dup3(fd, 255, DupFlags::empty()), Ok(255));
        check!(t.dup3(fd, 256, DupFlags::empty()), Ok(256));
        check!(t.dup3(fd, b - 1, DupFlags::empty()), Ok((b - 1).into()));
        check!(t.dup3(fd, b, f), Err(Errno::BADF));
        assert_eq!(fds(t), [0, 1, 2, 3, 255, 256, b as u32 - 1]);
    }
}

/// DUP3-20: dup3 may skip free slots; the copy has close-on-exec iff `O_CLOEXEC`.
#[test]
fn dup3_skips_slots_and_applies_flag() {
    for f in [DupFlags::empty(), DupFlags::CLOEXEC] {
        let fx = setup();
        let t = &fx.t;
        let fd = open(t, "/tmp/dup3_20", OFlags::RDWR).as_raw();
        check!(t.dup3(fd, fd + 2, f), Ok((fd + 2).into()));
        assert!(!is_open(t, fd + 1));
        assert_eq!(cloexec(t, fd + 2), f == DupFlags::CLOEXEC, "flags {f:#o}");
    }
}

/// DUP3-21: DUP2-30 with dup3: the previous occupant is closed; after re-duplication
/// fd and fd+2 share one offset.
#[test]
fn dup3_replace_then_share_offset() {
    for f in [DupFlags::empty(), DupFlags::CLOEXEC] {
        let fx = setup();
        let t = &fx.t;
        let fd = open(t, "/tmp/dup3_21", OFlags::RDWR | OFlags::TRUNC).as_raw();
        check!(t.dup3(fd, fd + 2, f), Ok((fd + 2).into()));
        check!(t.open("/dev/null", OFlags::RDWR, 0), Ok((fd + 1).into()));
        check!(t.dup3(fd + 1, fd, f), Ok(fd.into()));
        check!(t.close(fd + 1), Ok(0));
        check!(t.write(fd, b"1"), Ok(1));
        check!(t.dup3(fd + 2, fd, f), Ok(fd.into()));
        check!(t.lseek(fd, 0, Whence::End), Ok(0));
        check!(t.write(fd + 2, b"2"), Ok(1));
        check!(t.lseek(fd, 0, Whence::Set), Ok(0));
        assert_eq!(read_n(t, fd, 1), b"2", "flags {f:#o}");
    }
}

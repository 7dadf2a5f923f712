//! Conformance: Python's `os.dup`/`os.dup2`/inheritable rules (PEP 446) as
//! `fdkit::python` expresses them (cases PY-01 .. PY-32 of
//! `shared/reference/conformance-cases.md`; `CONFORMANCE.md` maps them).
//!
//! The subprocess cases (PY-24 ..) are about `_posixsubprocess`, which the model does
//! not have. Where such a case rests on a kernel rule, its test replays the system
//! calls the child makes between fork and exec (CPython
//! `Modules/_posixsubprocess.c`: `child_exec`) and checks that rule; the subprocess
//! logic itself is not modelled.

// Needs the whole system (feature `std`); `--no-default-features` skips it.
#![cfg(feature = "std")]

#[macro_use]
mod common;
use common::*;
use fdkit::python;

// ---- inheritable ----------------------------------------------------------------------

/// PY-01, PY-06: `os.open` descriptors are non-inheritable; the flag toggles.
#[test]
fn os_open_is_non_inheritable_and_toggles() {
    let fx = setup();
    let t = &fx.t;
    let fd = python::open(t, "/tmp/py01", OFlags::RDWR | OFlags::CREAT, 0o644).unwrap();
    check!(python::get_inheritable(t, fd), Ok(0)); // PY-06
    check!(python::set_inheritable(t, fd, true), Ok(0)); // PY-01
    check!(python::get_inheritable(t, fd), Ok(1));
    check!(python::set_inheritable(t, fd, false), Ok(0));
    check!(python::get_inheritable(t, fd), Ok(0));
}

/// PY-02, PY-03: inheritable is exactly "close-on-exec clear", in both directions.
#[test]
fn inheritable_is_cloexec_clear() {
    let fx = setup();
    let t = &fx.t;
    let fd = python::open(t, "/tmp/py02", OFlags::RDWR | OFlags::CREAT, 0o644).unwrap();
    check!(t.fcntl(fd, F_SETFD, 0), Ok(0)); // PY-02
    check!(python::get_inheritable(t, fd), Ok(1));
    check!(t.fcntl(fd, F_SETFD, 1), Ok(0)); // PY-03
    check!(python::set_inheritable(t, fd, true), Ok(0));
    check!(t.fcntl(fd, F_GETFD, 0), Ok(0));
}

/// PY-04: the inheritable calls work on `O_PATH` (through the `F_SETFD` fallback).
#[test]
fn inheritable_works_on_o_path() {
    let fx = setup();
    let t = &fx.t;
    let fd = python::open(t, "/tmp", OFlags::PATH, 0).unwrap();
    check!(t.ioctl(fd, FIONCLEX, 0), Err(Errno::BADF));
    check!(python::get_inheritable(t, fd), Ok(0));
    check!(python::set_inheritable(t, fd, true), Ok(0));
    check!(python::get_inheritable(t, fd), Ok(1));
    check!(python::set_inheritable(t, fd, false), Ok(0));
    check!(python::get_inheritable(t, fd), Ok(0));
}

/// PY-05, PY-16: the inheritable calls on an unopened descriptor are `EBADF`.
#[test]
fn inheritable_on_bad_fd_is_ebadf() {
    let fx = setup();
    let t = &fx.t;
    for bad in [99, -1] {
        check!(python::get_inheritable(t, bad), Err(Errno::BADF));
        check!(python::set_inheritable(t, bad, true), Err(Errno::BADF));
        check!(python::set_inheritable(t, bad, false), Err(Errno::BADF));
    }
}

/// PY-07: both ends of `os.pipe` are non-inheritable.
#[test]
fn os_pipe_is_non_inheritable() {
    let fx = setup();
    let t = &fx.t;
    let [r, w] = python::pipe(t).unwrap();
    check!(python::get_inheritable(t, r), Ok(0));
    check!(python::get_inheritable(t, w), Ok(0));
}

/// PY-08, PY-09, PY-19: `os.dup` always makes a non-inheritable copy (of stdio too);
/// it returns a plain descriptor number.
#[test]
fn os_dup_is_non_inheritable() {
    let fx = setup();
    let t = &fx.t;
    let fd1 = open(t, "/tmp/py08", OFlags::RDWR);
    check!(python::get_inheritable(t, fd1), Ok(1));
    let d = python::dup(t, fd1).unwrap(); // PY-08, PY-19
    check!(python::get_inheritable(t, d), Ok(0));
    assert!(same_ofd(t, d, fd1));
    let s = python::dup(t, 1).unwrap(); // PY-09
    assert!(s.as_raw() > 0);
    check!(python::get_inheritable(t, s), Ok(0));
}

/// PY-10, PY-11, PY-20: `os.dup2` onto an open target returns it, inheritable by
/// default; `inheritable=False` makes it non-inheritable.
#[test]
fn os_dup2_inheritable_keyword() {
    let fx = setup();
    let t = &fx.t;
    let fd = python::open(t, "/tmp/py10", OFlags::RDWR | OFlags::CREAT, 0o644).unwrap();
    let fd2 = python::open(t, "/tmp/py10.b", OFlags::RDWR | OFlags::CREAT, 0o644).unwrap();
    let fd3 = python::open(t, "/tmp/py10.c", OFlags::RDWR | OFlags::CREAT, 0o644).unwrap();
    check!(python::dup2(t, fd, fd2, true), Ok(fd2.as_raw().into())); // PY-10
    check!(python::get_inheritable(t, fd2), Ok(1));
    assert!(same_ofd(t, fd, fd2));
    check!(python::dup2(t, fd, fd3, false), Ok(fd3.as_raw().into())); // PY-11
    check!(python::get_inheritable(t, fd3), Ok(0));
    // PY-20: two opens of one file, dup2 of the first onto the second.
    let fp1 = python::open(t, "/tmp/py20", OFlags::RDWR | OFlags::CREAT, 0o644).unwrap();
    let fp2 = python::open(t, "/tmp/py20", OFlags::RDWR, 0).unwrap();
    check!(python::dup2(t, fp1, fp2, true), Ok(fp2.as_raw().into()));
    assert!(same_ofd(t, fp1, fp2));
}

/// PY-13, PY-14, PY-15: `os.dup`/`os.dup2` with a bad or negative descriptor are
/// `EBADF`, for every ordered pair of {valid, -1, -2**31}.
#[test]
fn os_dup_and_dup2_bad_fds_are_ebadf() {
    let fx = setup();
    let t = &fx.t;
    check!(python::dup(t, 99), Err(Errno::BADF)); // PY-13
    check!(python::dup2(t, 99, 20, true), Err(Errno::BADF)); // PY-14
    let valid = open(t, "/tmp/py15", OFlags::RDWR).as_raw();
    let values = [valid, -1, i32::MIN]; // PY-15
    for a in values {
        for b in values {
            if a != b {
                check!(python::dup2(t, a, b, true), Err(Errno::BADF));
            }
        }
    }
    assert!(is_open(t, valid));
}

/// PY-17: get/set_blocking on a bad descriptor are `EBADF`.
#[test]
fn blocking_on_bad_fd_is_ebadf() {
    let fx = setup();
    let t = &fx.t;
    check!(python::get_blocking(t, 99), Err(Errno::BADF));
    check!(python::set_blocking(t, 99, true), Err(Errno::BADF));
    check!(python::set_blocking(t, 99, false), Err(Errno::BADF));
}

/// PY-18: `O_NONBLOCK` toggles through `F_GETFL`/`F_SETFL`.
#[test]
fn blocking_toggles() {
    let fx = setup();
    let t = &fx.t;
    let fd = python::open(t, "/tmp/py18", OFlags::RDWR | OFlags::CREAT, 0o644).unwrap();
    check!(python::get_blocking(t, fd), Ok(1));
    check!(python::set_blocking(t, fd, false), Ok(0));
    check!(python::get_blocking(t, fd), Ok(0));
    assert_ne!(getfl(t, fd) & OFlags::NONBLOCK.bits(), 0);
    check!(python::set_blocking(t, fd, true), Ok(0));
    check!(python::get_blocking(t, fd), Ok(1));
}

/// PY-21: `os.open(O_RDONLY|O_CLOEXEC)` is non-inheritable.
#[test]
fn os_open_with_explicit_cloexec() {
    let fx = setup();
    let t = &fx.t;
    let fd = python::open(t, "/tmp", OFlags::CLOEXEC, 0).unwrap();
    check!(python::get_inheritable(t, fd), Ok(0));
    check!(t.fcntl(fd, F_GETFD, 0), Ok(FD_CLOEXEC));
}

/// PY-22: `os.pipe2(O_CLOEXEC|O_NONBLOCK)`: both ends non-inheritable and
/// non-blocking; reading the empty pipe fails instead of blocking.
#[test]
fn os_pipe2_creation_flags() {
    let fx = setup();
    let t = &fx.t;
    let [r, w] = t.pipe2(OFlags::CLOEXEC | OFlags::NONBLOCK).unwrap();
    for fd in [r, w] {
        check!(python::get_inheritable(t, fd), Ok(0));
        check!(python::get_blocking(t, fd), Ok(0));
    }
    check!(t.read(r, &mut [0; 1]), Err(Errno::AGAIN));
}

/// PY-23 (eventfd part): `os.eventfd(0)` (default flags `EFD_CLOEXEC`) is
/// non-inheritable. The `memfd_create` part is not modelled.
#[test]
fn os_eventfd_is_non_inheritable() {
    let fx = setup();
    let t = &fx.t;
    let fd = t.eventfd2(0, EventFdFlags::CLOEXEC).unwrap();
    check!(python::get_inheritable(t, fd), Ok(0));
}

/// GAP-13: `os.dup2(fd, fd)` is a no-op (dup2), but `inheritable=False` goes through
/// dup3, which rejects the same fd with `EINVAL`.
#[test]
fn os_dup2_same_fd() {
    let fx = setup();
    let t = &fx.t;
    let fd = python::open(t, "/tmp/gap13", OFlags::RDWR | OFlags::CREAT, 0o644).unwrap();
    check!(python::dup2(t, fd, fd, true), Ok(fd.as_raw().into()));
    check!(python::get_inheritable(t, fd), Ok(0));
    check!(python::dup2(t, fd, fd, false), Err(Errno::INVAL));
    check!(python::get_inheritable(t, fd), Ok(0));
}

/// GAP-14: `O_NONBLOCK` set through `os.set_blocking` is shared with an `os.dup` copy.
#[test]
fn blocking_is_shared_with_dup() {
    let fx = setup();
    let t = &fx.t;
    let fd = python::open(t, "/tmp/gap14", OFlags::RDWR | OFlags::CREAT, 0o644).unwrap();
    let d = python::dup(t, fd).unwrap();
    check!(python::set_blocking(t, fd, false), Ok(0));
    check!(python::get_blocking(t, d), Ok(0));
}

// ---- subprocess: the kernel rules under it ---------------------------------------------

/// PY-24: with `close_fds=False` every inheritable descriptor is open after exec; with
/// `close_fds=True` (the child calls `close_range(3, ~0U, 0)`) none is, and fd 1 is.
#[test]
fn close_fds_semantics_on_exec() {
    let fx = setup();
    let t = &fx.t;
    let [r, w] = python::pipe(t).unwrap();
    let mut mine = vec![r, w];
    for _ in 0..9 {
        mine.push(python::open(t, "/dev/null", OFlags::RDWR, 0).unwrap());
    }
    for &fd in &mine {
        python::set_inheritable(t, fd, true).unwrap();
    }
    let keep = fx.fork(t).execve().unwrap();
    assert!(mine.iter().all(|&fd| is_open(&keep, fd)));
    let child = fx.fork(t);
    check!(
        child.close_range(3, u32::MAX, CloseRangeFlags::empty()),
        Ok(0)
    );
    let closed = child.execve().unwrap();
    assert!(mine.iter().all(|&fd| !is_open(&closed, fd)));
    assert!(is_open(&closed, 1));
}

/// PY-25: descriptors above a lowered limit are inherited through fork and exec and
/// still closed by `close_range(3, ~0U, 0)`.
#[test]
fn close_fds_finds_fds_above_lowered_limit() {
    let fx = setup();
    let t = &fx.t;
    let mine: Vec<Fd> = (0..26)
        .map(|_| t.open("/dev/null", OFlags::RDWR, 0).unwrap())
        .collect();
    set_nofile(t, 20);
    assert!(mine.iter().any(|fd| fd.get() >= 20));
    // The middle process: spawned with close_fds=False.
    let middle = fx.fork(t).execve().unwrap();
    assert!(mine.iter().all(|&fd| is_open(&middle, fd)));
    // The checker: spawned by it with close_fds=True.
    let checker = fx.fork(&middle);
    check!(
        checker.close_range(3, u32::MAX, CloseRangeFlags::empty()),
        Ok(0)
    );
    let checker = checker.execve().unwrap();
    assert!(mine.iter().all(|&fd| !is_open(&checker, fd)));
}

/// PY-26: `pass_fds=(fd,)` with close_fds: the child closes the ranges around fd
/// (`close_range(3, fd-1)`, `close_range(fd+1, ~0U)`); only fd survives.
#[test]
fn pass_fds_keeps_only_whitelisted_fd() {
    let fx = setup();
    let t = &fx.t;
    let mut mine = Vec::new();
    for _ in 0..5 {
        let [r, w] = python::pipe(t).unwrap();
        mine.extend([r, w]);
    }
    for &fd in &mine {
        python::set_inheritable(t, fd, true).unwrap();
    }
    for &keep in &mine {
        let child = fx.fork(t);
        if keep.get() > 3 {
            check!(
                child.close_range(3, keep.get() - 1, CloseRangeFlags::empty()),
                Ok(0)
            );
        }
        check!(
            child.close_range(keep.get() + 1, u32::MAX, CloseRangeFlags::empty()),
            Ok(0)
        );
        let helper = child.execve().unwrap();
        assert_eq!(fds(&helper), [0, 1, 2, keep.get()], "pass_fds=({keep},)");
    }
}

/// PY-27: the flag is cleared only in the child between fork and exec: both passed
/// ends are open there, and the parent's flags are unchanged.
#[test]
fn pass_fds_clears_flag_only_in_child() {
    let fx = setup();
    let t = &fx.t;
    let [a, b] = python::pipe(t).unwrap();
    python::set_inheritable(t, a, true).unwrap();
    let child = fx.fork(t);
    for fd in [a, b] {
        check!(python::set_inheritable(&child, fd, true), Ok(0));
    }
    check!(
        child.close_range(b.get() + 1, u32::MAX, CloseRangeFlags::empty()),
        Ok(0)
    );
    let helper = child.execve().unwrap();
    assert!(is_open(&helper, a) && is_open(&helper, b));
    check!(python::get_inheritable(t, a), Ok(1));
    check!(python::get_inheritable(t, b), Ok(0));
}

/// PY-28: descriptors created after fork (by `preexec_fn`'s `dup2(1, fd)`) are closed
/// too: close_fds runs after it.
#[test]
fn close_fds_closes_fds_made_after_fork() {
    let fx = setup();
    let t = &fx.t;
    let fd = python::dup(t, 1).unwrap();
    let child = fx.fork(t);
    check!(child.dup2(1, fd), Ok(fd.as_raw().into()));
    check!(child.fcntl(fd, F_GETFD, 0), Ok(0));
    check!(
        child.close_range(3, u32::MAX, CloseRangeFlags::empty()),
        Ok(0)
    );
    let helper = child.execve().unwrap();
    assert!(!is_open(&helper, fd));
}

/// PY-29: when new pipe descriptors land on 0/1/2 (close-on-exec, from `os.pipe`),
/// `dup2(fd, fd)` leaves close-on-exec set, so exec would close the child's standard
/// stream; the flag must be cleared explicitly. For all seven subsets of {0, 1, 2}.
#[test]
fn dup2_onto_itself_does_not_clear_cloexec_for_std_fds() {
    for mask in 1..8u32 {
        let closed: Vec<u32> = (0..3).filter(|i| mask & (1 << i) != 0).collect();
        let fx = setup();
        let t = &fx.t;
        for &fd in &closed {
            t.close(fd).unwrap();
        }
        let mut pipes = Vec::new();
        while pipes.len() < 3 {
            let [r, w] = python::pipe(t).unwrap();
            pipes.extend([r.get(), w.get()]);
        }
        // Each closed std fd now holds a close-on-exec pipe end.
        for &fd in &closed {
            assert!(pipes.contains(&fd) && cloexec(t, fd), "{closed:?}: fd {fd}");
        }
        // Without the explicit clear, the stream vanishes at exec.
        let child = fx.fork(t);
        for &fd in &closed {
            check!(child.dup2(fd, fd), Ok(fd.into()));
            assert!(
                cloexec(&child, fd),
                "{closed:?}: dup2({fd}, {fd}) cleared it"
            );
        }
        let helper = child.execve().unwrap();
        assert!(closed.iter().all(|&fd| !is_open(&helper, fd)), "{closed:?}");
        // With it (`_Py_set_inheritable_async_safe`), the stream survives.
        let child = fx.fork(t);
        for &fd in &closed {
            check!(python::set_inheritable(&child, fd, true), Ok(0));
        }
        let helper = child.execve().unwrap();
        assert!(closed.iter().all(|&fd| is_open(&helper, fd)), "{closed:?}");
    }
}

/// PY-30: with 0 and 1 closed, subprocess's internal error pipe lands on them and is
/// still close-on-exec: the child has neither after exec.
#[test]
fn low_numbered_error_pipe_is_still_cloexec() {
    let fx = setup();
    let t = &fx.t;
    t.close(0).unwrap();
    t.close(1).unwrap();
    let [r, w] = python::pipe(t).unwrap();
    assert_eq!((r.get(), w.get()), (0, 1));
    let helper = fx.fork(t).execve().unwrap();
    assert_eq!(fds(&helper), [2]);
    assert!(is_open(t, 0) && is_open(t, 1));
}

/// PY-32: `os.dup2(copy, fd, inheritable=saved)` restores the caller-chosen flag.
#[test]
fn dup2_keyword_restores_saved_flag() {
    let fx = setup();
    let t = &fx.t;
    check!(python::set_inheritable(t, 2, false), Ok(0));
    let saved: Vec<(i32, Fd, bool)> = (0..3)
        .map(|fd| {
            let inheritable = python::get_inheritable(t, fd).unwrap();
            (fd, python::dup(t, fd).unwrap(), inheritable)
        })
        .collect();
    for &(fd, _, _) in &saved {
        t.close(fd).unwrap();
        t.open("/dev/null", OFlags::RDWR, 0).unwrap();
    }
    for &(fd, copy, inheritable) in &saved {
        check!(python::dup2(t, copy, fd, inheritable), Ok(fd.into()));
        check!(python::get_inheritable(t, fd), Ok(inheritable.into()));
        assert!(same_ofd(t, fd, copy));
        t.close(copy).unwrap();
    }
    assert_eq!(
        saved.iter().map(|s| s.2).collect::<Vec<_>>(),
        [true, true, false]
    );
}

//! Conformance: `close(2)`, `closefrom` (CLOSE-*) and `close_range(2)` (CR-*) of
//! `shared/reference/conformance-cases.md`; `CONFORMANCE.md` maps them. `closefrom(n)`
//! is `close_range(n, ~0U, 0)`, as glibc implements it.

// Needs the whole system (feature `std`); `--no-default-features` skips it.
#![cfg(feature = "std")]

#[macro_use]
mod common;
use common::*;
use std::collections::BTreeMap;

/// What a test expects of each descriptor it watches: `None` closed, `Some(cloexec)`
/// open.
type Expected = BTreeMap<u32, Option<bool>>;

/// `n` descriptors opened on `/dev/null` (read-only, close-on-exec iff `cloexec`),
/// consecutive from the lowest free number.
#[track_caller]
fn dev_null_range(t: &Task, n: usize, cloexec: bool) -> Vec<u32> {
    let flags = if cloexec {
        OFlags::CLOEXEC
    } else {
        OFlags::RDONLY
    };
    let fds: Vec<u32> = (0..n)
        .map(|_| t.open("/dev/null", flags, 0).expect("open /dev/null").get())
        .collect();
    assert!(fds.windows(2).all(|w| w[1] == w[0] + 1), "not contiguous");
    fds
}

/// Every watched descriptor is in the expected state.
#[track_caller]
fn assert_state(t: &Task, expected: &Expected, step: &str) {
    for (&fd, &want) in expected {
        let got = t.fcntl_getfd(fd).ok().map(|f| f.contains(FdFlags::CLOEXEC));
        assert_eq!(
            got, want,
            "{step}: fd {fd} (None: closed, Some(cloexec): open)"
        );
    }
}

/// `close_range(first, last, flags)` must succeed; updates `expected` by the Linux
/// rule (close the open ones, or mark them close-on-exec).
#[track_caller]
fn close_range_ok(t: &Task, first: u32, last: u32, flags: u32, expected: &mut Expected) {
    check!(
        t.close_range(first, last, CloseRangeFlags::from_bits_retain(flags)),
        Ok(0)
    );
    for (_, state) in expected.range_mut(first..=last) {
        if flags & CR_CLOEXEC != 0 {
            if state.is_some() {
                *state = Some(true);
            }
        } else {
            *state = None;
        }
    }
}

/// `close(fd)` of a watched descriptor, to make a hole.
#[track_caller]
fn hole(t: &Task, fd: u32, expected: &mut Expected) {
    check!(t.close(fd), Ok(0));
    expected.insert(fd, None);
}

// ---- close ------------------------------------------------------------------------

/// CLOSE-01: closing a regular file, a pipe read end and a socket returns 0.
#[test]
fn close_any_kind_succeeds() {
    let fx = setup();
    let t = &fx.t;
    let f = open(t, "/tmp/close01", OFlags::RDWR);
    let [r, _w] = t.pipe().unwrap();
    let [s, _s2] = t
        .socketpair(AF_UNIX, SOCK_STREAM, SockFlags::empty(), 0)
        .unwrap();
    for fd in [f, r, s] {
        check!(t.close(fd), Ok(0));
        assert!(!is_open(t, fd));
    }
}

/// CLOSE-02, CLOSE-03, CLOSE-04: close of -1 and double closes are `EBADF`.
#[test]
fn close_bad_or_twice_is_ebadf() {
    let fx = setup();
    let t = &fx.t;
    check!(t.close(-1), Err(Errno::BADF)); // CLOSE-02
    let fd = open(t, "/tmp/close03", OFlags::RDWR);
    check!(t.close(fd), Ok(0));
    check!(t.close(fd), Err(Errno::BADF)); // CLOSE-03
    let [r, w] = t.pipe().unwrap(); // CLOSE-04
    check!(t.close(r), Ok(0));
    check!(t.close(w), Ok(0));
    check!(t.close(r), Err(Errno::BADF));
    check!(t.close(w), Err(Errno::BADF));
}

/// CLOSE-05 .. CLOSE-09, CLOSE-11 .. CLOSE-13: the FreeBSD closefrom sequence:
/// lowest-free opens, closefrom above, into and across holes.
#[test]
fn closefrom_sequence() {
    let fx = setup();
    let t = &fx.t;
    // CLOSE-05: the lowest free is 3, and it is the highest open.
    check!(t.open("/dev/null", OFlags::RDWR, 0), Ok(3));
    assert_eq!(highest(t), Some(3));
    // CLOSE-06: closefrom above everything is a no-op.
    closefrom(t, 4);
    assert_eq!(highest(t), Some(3));
    // CLOSE-07: open 4..19, closefrom(11) leaves 10 highest.
    for want in 4..20 {
        check!(t.open("/dev/null", OFlags::RDWR, 0), Ok(want));
    }
    closefrom(t, 11);
    assert_eq!(highest(t), Some(10));
    // CLOSE-08: holes at 6 and 8; repeats are EBADF.
    check!(t.close(6), Ok(0));
    check!(t.close(8), Ok(0));
    check!(t.close(6), Err(Errno::BADF));
    check!(t.close(8), Err(Errno::BADF));
    // CLOSE-09: closefrom across the holes.
    closefrom(t, 4);
    assert_eq!(highest(t), Some(3));
    // CLOSE-11: dup2 may create a gap.
    check!(t.dup2(1, 6), Ok(6));
    assert_eq!(highest(t), Some(6));
    // CLOSE-12: closefrom starting in a hole.
    closefrom(t, 4);
    assert_eq!(highest(t), Some(3));
    // CLOSE-13: closefrom beyond the highest changes nothing.
    closefrom(t, 32);
    assert_eq!(fds(t), [0, 1, 2, 3]);
}

/// CLOSE-10, CLOSE-14: closefrom(0) in a forked child empties its table (twice, no
/// error); the parent is untouched.
#[test]
fn closefrom_zero_in_child_closes_everything() {
    let fx = setup();
    let t = &fx.t;
    open(t, "/tmp/close10", OFlags::RDWR);
    let child = fx.fork(t);
    closefrom(&child, 0); // CLOSE-10
    assert!(fds(&child).is_empty());
    closefrom(&child, 0); // CLOSE-14
    assert!(fds(&child).is_empty());
    check!(child.close(0), Err(Errno::BADF));
    assert_eq!(fds(t), [0, 1, 2, 3]);
}

/// CLOSE-15: glibc's closefrom test: tail closing with holes; at each step everything
/// ≥ start is closed and everything below stays open; finally the pre-test set.
#[test]
fn closefrom_tail_with_holes() {
    let fx = setup();
    let t = &fx.t;
    let before = fds(t);
    let fds = dev_null_range(t, 100, false);
    let low = fds[0];
    let (max, half, gap) = (low + 99, low + 50, low + 25);
    let mut want: Expected = fds.iter().map(|&fd| (fd, Some(false))).collect();
    close_range_ok(t, half, u32::MAX, 0, &mut want);
    assert_state(t, &want, "closefrom(half)");
    for off in 35..=38 {
        hole(t, low + off, &mut want);
    }
    close_range_ok(t, gap, u32::MAX, 0, &mut want);
    assert_state(t, &want, "closefrom(gap)");
    close_range_ok(t, low + 1, u32::MAX, 0, &mut want);
    assert_state(t, &want, "closefrom(low+1)");
    assert!(is_open(t, low));
    close_range_ok(t, low, u32::MAX, 0, &mut want);
    assert_state(t, &want, "closefrom(low)");
    assert!(!is_open(t, max));
    assert_eq!(common::fds(t), before);
}

/// CLOSE-16: closing needs no free descriptor: closefrom works on a full table.
#[test]
fn closefrom_works_on_full_table() {
    let fx = setup();
    let t = &fx.t;
    set_nofile(t, 100);
    let first = t.open("/dev/null", OFlags::RDONLY, 0).unwrap().get();
    let err = loop {
        if let Err(e) = t.open("/dev/null", OFlags::RDONLY, 0) {
            break e;
        }
    };
    assert_eq!(err, Errno::MFILE);
    assert_eq!(highest(t), Some(99));
    closefrom(t, first);
    for fd in first..100 {
        check!(t.fcntl(fd, F_GETFD, 0), Err(Errno::BADF));
    }
}

/// CLOSE-17: a range close (`os.closerange(first, first+2)`: CPython calls
/// `close_range(first, first+1, 0)`) skips closed fds silently; `first` is closed.
#[test]
fn closerange_skips_closed_fds() {
    let fx = setup();
    let t = &fx.t;
    let first = open(t, "/tmp/close17", OFlags::RDWR).get();
    assert!(!is_open(t, first + 1));
    check!(
        t.close_range(first, first + 1, CloseRangeFlags::empty()),
        Ok(0)
    );
    check!(t.write(first, b"x"), Err(Errno::BADF));
}

/// CLOSE-18: a range close over unopened fds returns 0.
#[test]
fn closerange_over_unopened_fds_succeeds() {
    let fx = setup();
    let t = &fx.t;
    check!(t.close_range(10, 11, CloseRangeFlags::empty()), Ok(0));
    check!(t.close_range(500, 600, CloseRangeFlags::empty()), Ok(0));
    assert_eq!(fds(t), [0, 1, 2]);
}

// ---- close_range: argument checks ----------------------------------------------------

/// CR-01: both ends of the range are inclusive.
#[test]
fn close_range_bounds_are_inclusive() {
    let fx = setup();
    let t = &fx.t;
    let fd = t.open("/", OFlags::PATH, 0).unwrap();
    check!(t.dup2(fd, 100), Ok(100));
    check!(
        t.close_range(fd.get(), 100, CloseRangeFlags::empty()),
        Ok(0)
    );
    check!(t.fcntl(fd, F_GETFD, 0), Err(Errno::BADF));
    check!(t.fcntl(100, F_GETFD, 0), Err(Errno::BADF));
}

/// CR-02, CR-21: first > last is `EINVAL`, and closes nothing.
#[test]
fn close_range_reversed_is_einval() {
    let fx = setup();
    let t = &fx.t;
    check!(
        t.close_range(4, 3, CloseRangeFlags::empty()),
        Err(Errno::INVAL)
    ); // CR-02
    let fds = open_many(t, "cr21", 10);
    check!(
        t.close_range(fds[9].get(), fds[0].get(), CloseRangeFlags::empty()),
        Err(Errno::INVAL)
    ); // CR-21
    assert!(fds.iter().all(|&fd| is_open(t, fd)));
}

/// CR-03, CR-23: any unknown flag bit is `EINVAL`, even alongside valid ones (also
/// GAP-11).
#[test]
fn close_range_unknown_flags_are_einval() {
    let fx = setup();
    let t = &fx.t;
    check!(
        t.close_range(3, u32::MAX, CloseRangeFlags::from_bits_retain(u32::MAX)),
        Err(Errno::INVAL)
    ); // CR-03
    let fds = open_many(t, "cr23", 10);
    let (first, last) = (fds[0].get(), fds[9].get());
    for flags in [CR_CLOEXEC | CR_UNSHARE | 0xF, 0xF0, CR_CLOEXEC | 0xF00] {
        check!(
            t.close_range(first, last, CloseRangeFlags::from_bits_retain(flags)),
            Err(Errno::INVAL)
        ); // CR-23
    }
    assert!(fds.iter().all(|&fd| !cloexec(t, fd)));
}

/// CR-04: a huge first is accepted; nothing to do.
#[test]
fn close_range_huge_first_is_noop() {
    let fx = setup();
    let t = &fx.t;
    check!(
        t.close_range(u32::MAX, u32::MAX, CloseRangeFlags::empty()),
        Ok(0)
    );
    assert_eq!(fds(t), [0, 1, 2]);
}

// ---- close_range: closing and marking --------------------------------------------------

/// CR-05, CR-16: `CLOSE_RANGE_CLOEXEC` marks instead of closing (on `O_PATH` too).
#[test]
fn close_range_cloexec_marks_instead_of_closing() {
    let fx = setup();
    let t = &fx.t;
    let p = t.open("/tmp", OFlags::PATH, 0).unwrap(); // CR-05
    check!(
        t.close_range(p.get(), p.get(), CloseRangeFlags::CLOEXEC),
        Ok(0)
    );
    check!(t.fcntl(p, F_GETFD, 0), Ok(FD_CLOEXEC));
    let fds = open_many(t, "cr16", 10); // CR-16
    check!(
        t.close_range(fds[0].get(), fds[9].get(), CloseRangeFlags::CLOEXEC),
        Ok(0)
    );
    for fd in fds {
        check!(t.read(fd, &mut [0; 1]), Ok(0));
        assert!(cloexec(t, fd));
    }
}

/// CR-06: `CLOSE_RANGE_UNSHARE` gives the caller a private copy before closing: the
/// sharing parent keeps the descriptor.
#[test]
fn close_range_unshare_isolates_caller() {
    let fx = setup();
    let t = &fx.t;
    let fd = open(t, "/tmp/cr06", OFlags::RDWR).get();
    let child = fx.clone_files(t);
    check!(child.close_range(fd, fd, CloseRangeFlags::UNSHARE), Ok(0));
    check!(child.fcntl(fd, F_GETFD, 0), Err(Errno::BADF));
    check!(t.fcntl(fd, F_GETFD, 0), Ok(0));
}

/// CR-07 .. CR-10: LTP close_range01's four variants. The parent runs
/// `close_range(3, ~0U, flags)`, opens fd0, makes fd1 = `dup2(fd0, 1000)`; a child
/// sharing the table (`CLONE_FILES`) runs the same call and `dup2(fd1, 42)` (before
/// the call when closing, after it when marking). Plain calls act on the shared
/// table; UNSHARE confines the effect to the child.
#[test]
fn close_range_on_shared_table_variants() {
    // (id, flags, child dup2 before the call, want in the parent for fd0, 1000, 42:
    // None closed, Some(cloexec) open)
    type Want = [Option<bool>; 3];
    let variants: [(&str, u32, bool, Want); 4] = [
        ("CR-07", 0, true, [None, None, None]),
        (
            "CR-08",
            CR_UNSHARE,
            true,
            [Some(false), Some(false), Some(false)],
        ),
        (
            "CR-09",
            CR_CLOEXEC,
            false,
            [Some(true), Some(true), Some(false)],
        ),
        (
            "CR-10",
            CR_CLOEXEC | CR_UNSHARE,
            false,
            [Some(false), Some(false), None],
        ),
    ];
    for (id, flags, dup_first, want) in variants {
        let fx = setup();
        let t = &fx.t;
        check!(
            t.close_range(3, u32::MAX, CloseRangeFlags::from_bits_retain(flags)),
            Ok(0)
        );
        let fd0 = t
            .open("/tmp/cr07", OFlags::RDWR | OFlags::CREAT, 0o644)
            .unwrap();
        check!(t.dup2(fd0, 1000), Ok(1000));
        let fds = [fd0.get(), 1000, 42];
        let child = fx.clone_files(t);
        if dup_first {
            check!(child.dup2(1000, 42), Ok(42));
        }
        check!(
            child.close_range(3, u32::MAX, CloseRangeFlags::from_bits_retain(flags)),
            Ok(0)
        );
        if flags & CR_CLOEXEC == 0 {
            assert!(fds.iter().all(|&fd| !is_open(&child, fd)), "{id}: child");
        } else {
            assert!(cloexec(&child, fd0) && cloexec(&child, 1000), "{id}: child");
            check!(child.dup2(1000, 42), Ok(42));
            assert!(!cloexec(&child, 42), "{id}: child fd 42");
        }
        child.exit(0);
        assert!(t.wait4(-1, false).unwrap().is_some());
        for (fd, want) in fds.into_iter().zip(want) {
            let got = t.fcntl_getfd(fd).ok().map(|f| f.contains(FdFlags::CLOEXEC));
            assert_eq!(got, want, "{id}: parent fd {fd}");
        }
        check!(t.close_range(3, u32::MAX, CloseRangeFlags::empty()), Ok(0));
        assert!(fds.iter().all(|&fd| !is_open(t, fd)), "{id}");
    }
}

/// CR-11, CR-14, CR-22, CR-37: contiguous ranges, a single fd, an unbounded upper end.
#[test]
fn close_range_closes_contiguous_ranges() {
    let fx = setup();
    let t = &fx.t;
    let before = fds(t);
    let a = open_many(t, "cr11", 10); // CR-11
    check!(
        t.close_range(a[0].get(), a[9].get(), CloseRangeFlags::empty()),
        Ok(0)
    );
    for fd in a {
        check!(t.read(fd, &mut [0; 1]), Err(Errno::BADF));
    }
    let one = open(t, "/tmp/cr14", OFlags::RDONLY); // CR-14
    check!(
        t.close_range(one.get(), one.get(), CloseRangeFlags::empty()),
        Ok(0)
    );
    check!(t.read(one, &mut [0; 1]), Err(Errno::BADF));
    let b = open_many(t, "cr22", 10); // CR-22
    check!(
        t.close_range(b[0].get(), u32::MAX, CloseRangeFlags::empty()),
        Ok(0)
    );
    assert!(b.iter().all(|&fd| !is_open(t, fd)));
    let c = dev_null_range(t, 100, false); // CR-37
    check!(
        t.close_range(c[0], u32::MAX, CloseRangeFlags::empty()),
        Ok(0)
    );
    assert_eq!(fds(t), before);
}

/// CR-12: holes in the range are tolerated.
#[test]
fn close_range_tolerates_holes() {
    let fx = setup();
    let t = &fx.t;
    let fds = open_many(t, "cr12", 10);
    t.close(fds[2]).unwrap();
    t.close(fds[7]).unwrap();
    check!(
        t.close_range(fds[0].get(), fds[9].get(), CloseRangeFlags::empty()),
        Ok(0)
    );
    for fd in fds {
        check!(t.read(fd, &mut [0; 1]), Err(Errno::BADF));
    }
}

/// CR-13, CR-18, CR-19: exact bounds in the middle, at the start and at the end,
/// with and without `CLOSE_RANGE_UNSHARE`.
#[test]
fn close_range_exact_bounds() {
    for (id, lo, hi, flags) in [
        ("CR-13", 4, 7, 0),
        ("CR-18", 0, 4, CR_UNSHARE),
        ("CR-19", 5, 9, CR_UNSHARE),
    ] {
        let fx = setup();
        let t = &fx.t;
        let fds = open_many(t, "cr13", 10);
        check!(
            t.close_range(
                fds[lo].get(),
                fds[hi].get(),
                CloseRangeFlags::from_bits_retain(flags)
            ),
            Ok(0)
        );
        for (i, &fd) in fds.iter().enumerate() {
            assert_eq!(is_open(t, fd), !(lo..=hi).contains(&i), "{id}: fds[{i}]");
        }
    }
}

/// CR-15: closing an already-closed range again is not an error.
#[test]
fn close_range_twice_succeeds() {
    let fx = setup();
    let t = &fx.t;
    let fds = open_many(t, "cr15", 10);
    let (first, last) = (fds[0].get(), fds[9].get());
    check!(t.close_range(first, last, CloseRangeFlags::empty()), Ok(0));
    check!(t.close_range(first, last, CloseRangeFlags::empty()), Ok(0));
}

/// CR-17, CR-20: in an unshared process `CLOSE_RANGE_UNSHARE` still closes; with
/// `CLOSE_RANGE_CLOEXEC` it only marks.
#[test]
fn close_range_unshare_in_unshared_process() {
    let fx = setup();
    let t = &fx.t;
    let a = open_many(t, "cr17", 10);
    check!(
        t.close_range(a[0].get(), a[9].get(), CloseRangeFlags::UNSHARE),
        Ok(0)
    ); // CR-17
    assert!(a.iter().all(|&fd| !is_open(t, fd)));
    let b = open_many(t, "cr20", 10);
    let flags = CR_CLOEXEC | CR_UNSHARE;
    check!(
        t.close_range(
            b[0].get(),
            b[9].get(),
            CloseRangeFlags::from_bits_retain(flags)
        ),
        Ok(0)
    ); // CR-20
    assert!(b.iter().all(|&fd| cloexec(t, fd)));
}

/// CR-24: concurrent `close_range(5, 110, UNSHARE)` and opens from 100 threads all
/// succeed, without deadlock.
#[test]
fn close_range_concurrent_with_opens() {
    let fx = setup();
    let t = &fx.t;
    open_many(t, "cr24", 10);
    let threads: Vec<Task> = (0..100).map(|_| fx.thread(t)).collect();
    std::thread::scope(|s| {
        for (i, task) in threads.iter().enumerate() {
            s.spawn(move || {
                if i % 2 == 0 {
                    check!(task.close_range(5, 110, CloseRangeFlags::UNSHARE), Ok(0));
                } else {
                    let path = format!("/tmp/cr24.t{i}");
                    let fd = task.open(&path, OFlags::RDWR | OFlags::CREAT, 0o644);
                    assert!(fd.is_ok(), "open in thread {i}: {fd:?}");
                }
            });
        }
    });
    // Every closing thread got a private table without 5..=110.
    for task in threads.iter().step_by(2) {
        assert!(fds(task).iter().all(|fd| !(5..=110).contains(fd)));
        assert!(!fx.sys.shares_table(fx.pid, task.tid()).unwrap());
    }
}

/// The gVisor/kselftest/glibc sequence: a range, holes, a capped range, a single fd.
/// `fds` are 101 (kselftest) or 100 (glibc) contiguous descriptors; `holes` are
/// absolute numbers.
#[track_caller]
fn range_sequence(t: &Task, fds: &[u32], steps: [(usize, usize); 4], holes: &[u32], flags: u32) {
    let cloexec_start = |fd: u32| t.fcntl_getfd(fd).map(|f| f.contains(FdFlags::CLOEXEC));
    let mut want: Expected = fds.iter().map(|&fd| (fd, cloexec_start(fd).ok())).collect();
    for (n, &(lo, hi)) in steps.iter().enumerate() {
        if n == 1 {
            for &h in holes {
                hole(t, h, &mut want);
            }
        }
        close_range_ok(t, fds[lo], fds[hi], flags, &mut want);
        assert_state(t, &want, &format!("step {n}: [{}, {}]", fds[lo], fds[hi]));
    }
}

const KSELFTEST_STEPS: [(usize, usize); 4] = [(0, 50), (51, 92), (93, 99), (100, 100)];
const KSELFTEST_HOLES: [u32; 6] = [57, 78, 81, 82, 84, 90];

/// CR-25: the kselftest core sequence, and an all-bits flag word is `EINVAL`.
#[test]
fn close_range_core_sequence() {
    let fx = setup();
    let t = &fx.t;
    let fds = dev_null_range(t, 101, true);
    check!(
        t.close_range(
            fds[0],
            fds[100],
            CloseRangeFlags::from_bits_retain(u32::MAX)
        ),
        Err(Errno::INVAL)
    );
    for w in fds.windows(2) {
        check!(t.fcntl(w[0], F_DUPFD_QUERY, u64::from(w[1])), Ok(0));
    }
    range_sequence(t, &fds, KSELFTEST_STEPS, &KSELFTEST_HOLES, 0);
}

/// CR-26: the same sequence with `CLOSE_RANGE_UNSHARE` in a child sharing the table:
/// identical results in the child; the first call gives it a private table, so the
/// parent keeps all 101.
#[test]
fn close_range_unshare_sequence_in_shared_child() {
    let fx = setup();
    let t = &fx.t;
    let fds = dev_null_range(t, 101, true);
    let child = fx.clone_files(t);
    range_sequence(&child, &fds, KSELFTEST_STEPS, &KSELFTEST_HOLES, CR_UNSHARE);
    assert!(fds.iter().all(|&fd| is_open(t, fd)));
}

/// CR-27: `close_range(fds[0], UINT_MAX, UNSHARE)` in a sharing child closes all 101
/// there, none in the parent.
#[test]
fn close_range_unshare_unbounded_in_shared_child() {
    let fx = setup();
    let t = &fx.t;
    let fds = dev_null_range(t, 101, true);
    let child = fx.clone_files(t);
    check!(
        child.close_range(fds[0], u32::MAX, CloseRangeFlags::UNSHARE),
        Ok(0)
    );
    assert!(fds.iter().all(|&fd| !is_open(&child, fd)));
    assert!(fds.iter().all(|&fd| is_open(t, fd)));
    assert_eq!(common::fds(&child), [0, 1, 2]);
}

/// CR-28, CR-29: CLOEXEC marking is not limited by `RLIMIT_NOFILE`: descriptors above
/// a lowered limit are marked and stay open (with and without UNSHARE).
#[test]
fn close_range_cloexec_ignores_rlimit() {
    for (id, extra) in [("CR-28", 0), ("CR-29", CR_UNSHARE)] {
        let fx = setup();
        let t = &fx.t;
        let fds = dev_null_range(t, 101, false);
        set_nofile(t, 25);
        let flags = CR_CLOEXEC | extra;
        check!(
            t.close_range(fds[0], fds[50], CloseRangeFlags::from_bits_retain(flags)),
            Ok(0)
        );
        check!(
            t.close_range(fds[75], fds[100], CloseRangeFlags::from_bits_retain(flags)),
            Ok(0)
        );
        for (i, &fd) in fds.iter().enumerate() {
            let want = i <= 50 || i >= 75;
            assert_eq!(cloexec(t, fd), want, "{id}: fds[{i}] = {fd}");
        }
        check!(
            t.close_range(3, u32::MAX, CloseRangeFlags::from_bits_retain(flags)),
            Ok(0)
        );
        assert!(fds.iter().all(|&fd| cloexec(t, fd)), "{id}");
    }
}

/// CR-30: CLOEXEC on a sparse shared table is visible to all sharers; dup2 afterwards
/// clears the flag on its copy; a fresh open is a different description.
#[test]
fn close_range_cloexec_on_shared_sparse_table() {
    let fx = setup();
    let t = &fx.t;
    let fd1 = t.open("/dev/null", OFlags::RDWR, 0).unwrap();
    check!(t.dup2(fd1, 1000), Ok(1000));
    let child = fx.clone_files(t);
    check!(
        child.close_range(3, u32::MAX, CloseRangeFlags::CLOEXEC),
        Ok(0)
    );
    check!(child.fcntl(fd1, F_GETFD, 0), Ok(FD_CLOEXEC));
    check!(child.fcntl(1000, F_GETFD, 0), Ok(FD_CLOEXEC));
    check!(child.dup2(fd1, 42), Ok(42));
    check!(child.fcntl(42, F_GETFD, 0), Ok(0));
    check!(child.fcntl(fd1, F_DUPFD_QUERY, 42), Ok(1));
    child.exit(0);
    // The parent shares the table: the marks are its own.
    check!(t.fcntl(fd1, F_GETFD, 0), Ok(FD_CLOEXEC));
    check!(t.fcntl(1000, F_GETFD, 0), Ok(FD_CLOEXEC));
    check!(t.dup2(fd1, 42), Ok(42));
    check!(t.fcntl(42, F_GETFD, 0), Ok(0));
    let fresh = t.open("/dev/null", OFlags::RDWR, 0).unwrap();
    check!(t.fcntl(fd1, F_DUPFD_QUERY, u64::from(fresh.get())), Ok(0));
    for fd in [fd1.get(), 1000, 42, fresh.get()] {
        check!(t.close(fd), Ok(0));
    }
}

/// CR-31: `UNSHARE|CLOEXEC` 100 times from sharing children: each child's copy
/// includes fds far above the lowest (no truncation); the parent is never marked.
#[test]
fn close_range_cloexec_unshare_copies_whole_table() {
    let fx = setup();
    let t = &fx.t;
    let fd1 = t.open("/dev/null", OFlags::RDWR, 0).unwrap();
    check!(t.dup2(fd1, 1000), Ok(1000));
    for round in 0..100 {
        let child = fx.clone_files(t);
        check!(
            child.close_range(
                3,
                u32::MAX,
                CloseRangeFlags::UNSHARE | CloseRangeFlags::CLOEXEC
            ),
            Ok(0)
        );
        assert!(cloexec(&child, fd1), "round {round}");
        assert!(cloexec(&child, 1000), "round {round}");
        check!(child.dup2(fd1, 42), Ok(42));
        assert!(!cloexec(&child, 42), "round {round}");
        for fd in [fd1.get(), 1000, 42] {
            check!(child.close(fd), Ok(0));
        }
        child.exit(0);
        assert!(t.wait4(-1, false).unwrap().is_some());
    }
    assert!(!cloexec(t, fd1));
    assert!(!cloexec(t, 1000));
    assert!(!is_open(t, 42));
    check!(t.dup2(fd1, 42), Ok(42));
    assert!(!cloexec(t, 42));
}

/// CR-32 .. CR-35: the FreeBSD close_range sequence: a middle hole, a start inside a
/// hole, an open-ended close, a partially empty range.
#[test]
fn close_range_freebsd_sequence() {
    let fx = setup();
    let t = &fx.t;
    check!(t.open("/dev/null", OFlags::RDWR, 0), Ok(3));
    let start = dev_null_range(t, 8, false)[0];
    assert_eq!(start, 4);
    // CR-32: a middle hole; each extra close is EBADF.
    check!(
        t.close_range(start + 3, start + 5, CloseRangeFlags::empty()),
        Ok(0)
    );
    for fd in start + 3..=start + 5 {
        check!(t.close(fd), Err(Errno::BADF));
    }
    // CR-33: starting inside the hole; inclusive, so start+6 closes too.
    check!(
        t.close_range(start + 4, start + 6, CloseRangeFlags::empty()),
        Ok(0)
    );
    assert_eq!(highest(t), Some(start + 7));
    assert!(!is_open(t, start + 6));
    // CR-34: open-ended.
    check!(
        t.close_range(start + 3, u32::MAX, CloseRangeFlags::empty()),
        Ok(0)
    );
    assert_eq!(highest(t), Some(start + 2));
    // CR-35: partially empty range.
    check!(
        t.close_range(start, start + 4, CloseRangeFlags::empty()),
        Ok(0)
    );
    assert_eq!(highest(t), Some(3));
}

/// CR-36: exact CLOEXEC bounds.
#[test]
fn close_range_cloexec_exact_bounds() {
    let fx = setup();
    let t = &fx.t;
    let fds = dev_null_range(t, 9, false);
    let start = fds[0];
    check!(
        t.close_range(start + 1, start + 4, CloseRangeFlags::CLOEXEC),
        Ok(0)
    );
    for (i, &fd) in fds.iter().enumerate() {
        assert_eq!(cloexec(t, fd), (1..=4).contains(&i), "start+{i}");
    }
}

/// glibc's `close_range_test_common` steps for 100 descriptors: [low, half],
/// [half+1, max-8], [max-7, max-1], [max]; holes at 57, 78, 81, 82, 84, 90.
fn glibc_steps() -> [(usize, usize); 4] {
    [(0, 50), (51, 91), (92, 98), (99, 99)]
}

/// CR-38: glibc's close_range test (same pattern as CR-25).
#[test]
fn close_range_glibc_sequence() {
    let fx = setup();
    let t = &fx.t;
    let fds = dev_null_range(t, 100, false);
    range_sequence(t, &fds, glibc_steps(), &KSELFTEST_HOLES, 0);
}

/// CR-39: the sequence run by a child sharing the table: the parent sees the fds
/// closed.
#[test]
fn close_range_in_shared_child_closes_for_parent() {
    let fx = setup();
    let t = &fx.t;
    let fds = dev_null_range(t, 100, false);
    let child = fx.clone_files(t);
    range_sequence(&child, &fds, glibc_steps(), &KSELFTEST_HOLES, 0);
    child.exit(0);
    assert!(fds.iter().all(|&fd| !is_open(t, fd)));
}

/// CR-40: the sequence with UNSHARE in a sharing child: all 100 still open in the
/// parent, which then closes them.
#[test]
fn close_range_unshare_in_child_leaves_parent() {
    let fx = setup();
    let t = &fx.t;
    let fds = dev_null_range(t, 100, false);
    let child = fx.clone_files(t);
    range_sequence(&child, &fds, glibc_steps(), &KSELFTEST_HOLES, CR_UNSHARE);
    child.exit(0);
    assert!(fds.iter().all(|&fd| is_open(t, fd)));
    check!(
        t.close_range(fds[0], fds[0] + 100, CloseRangeFlags::empty()),
        Ok(0)
    );
    assert_eq!(highest(t), Some(2));
}

/// CR-41: the sequence with CLOEXEC: fds in range are marked and stay open; holes stay
/// closed; fds outside the range are untouched.
#[test]
fn close_range_cloexec_never_touches_holes() {
    let fx = setup();
    let t = &fx.t;
    let fds = dev_null_range(t, 100, false);
    range_sequence(t, &fds, glibc_steps(), &KSELFTEST_HOLES, CR_CLOEXEC);
    for h in KSELFTEST_HOLES {
        check!(t.fcntl(h, F_GETFD, 0), Err(Errno::BADF));
    }
    assert!(!cloexec(t, 0) && !cloexec(t, 1) && !cloexec(t, 2));
}

/// CR-42: CLOEXEC on an empty range succeeds, and marks nothing: a later dup2 there
/// gives a descriptor without the flag.
#[test]
fn close_range_cloexec_on_empty_range() {
    let fx = setup();
    let t = &fx.t;
    check!(t.close_range(1000, 1000, CloseRangeFlags::CLOEXEC), Ok(0));
    assert!(!is_open(t, 1000));
    check!(t.close_range(42, 42, CloseRangeFlags::CLOEXEC), Ok(0));
    check!(t.dup2(0, 42), Ok(42));
    check!(t.fcntl(42, F_GETFD, 0), Ok(0));
}

// ---- linux-fd-semantics.md §1.6 and §6: rules beyond the case list ---------------------

/// §1.6 close_range step 3 (6.11+ `sane_fdtable_size` punch hole; related CR-27,
/// DUP-18): with UNSHARE (and no CLOEXEC), when the range holds the table's last open
/// descriptor, the private copy is sized to the last open descriptor below `first`.
/// So it fits a lowered `nr_open` where a copy of the whole table would not (`EMFILE`).
#[test]
fn close_range_unshare_copy_is_sized_below_first() {
    let fx = setup();
    let t = &fx.t;
    set_nofile(t, 4096);
    check!(t.dup2(0, 1500), Ok(1500)); // the table grows to 2048 slots
    let (c1, c2, c3, c4) = (
        fx.clone_files(t),
        fx.clone_files(t),
        fx.clone_files(t),
        fx.clone_files(t),
    );
    fx.sys.set_nr_open(512).unwrap();
    // The range holds 1500; below 1000 only 0..2 are open: a 64-slot copy.
    check!(
        c1.close_range(1000, u32::MAX, CloseRangeFlags::UNSHARE),
        Ok(0)
    );
    assert_eq!(fds(&c1), [0, 1, 2]);
    check!(c2.close_range(1000, 1600, CloseRangeFlags::UNSHARE), Ok(0));
    assert_eq!(fds(&c2), [0, 1, 2]);
    // The range misses 1500, or CLOEXEC keeps everything: the whole table is copied.
    check!(
        c3.close_range(3, 1000, CloseRangeFlags::UNSHARE),
        Err(Errno::MFILE)
    );
    check!(
        c4.close_range(
            1000,
            u32::MAX,
            CloseRangeFlags::UNSHARE | CloseRangeFlags::CLOEXEC
        ),
        Err(Errno::MFILE)
    );
    assert!(fx.sys.shares_table(fx.pid, c3.pid()).unwrap());
    // The copy's capacity is 64: growing it to 600 now meets nr_open; the original
    // table already has the slots.
    check!(c1.dup2(0, 600), Err(Errno::BADF));
    check!(t.dup2(0, 600), Ok(600));
    assert!(is_open(t, 1500));
}

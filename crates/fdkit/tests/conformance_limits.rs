//! Conformance: `RLIMIT_NOFILE`, `nr_open`, `EMFILE` and table growth for every
//! allocator (cases LIM-01 .. LIM-10 of `shared/reference/conformance-cases.md`;
//! `CONFORMANCE.md` maps them).

// Needs the whole system (feature `std`); `--no-default-features` skips it.
#![cfg(feature = "std")]

#[macro_use]
mod common;
use common::*;

/// LIM-01: below a lowered limit, allocation takes the lowest free numbers; a
/// descriptor above the limit stays open and does not block; dup3 to the limit is
/// `EBADF`.
#[test]
fn lowered_limit_bounds_allocation() {
    let fx = setup();
    let t = &fx.t;
    let f = open(t, "/tmp/lim01", OFlags::RDWR).get();
    check!(t.dup2(f, 201), Ok(201));
    set_nofile(t, 101);
    check!(t.dup3(f, 101, DupFlags::empty()), Err(Errno::BADF));
    let mut got = Vec::new();
    let err = loop {
        match t.dup(f) {
            Ok(fd) => got.push(fd.get()),
            Err(e) => break e,
        }
    };
    assert_eq!(err, Errno::MFILE);
    assert!(
        got.windows(2).all(|w| w[0] < w[1]),
        "not increasing: {got:?}"
    );
    assert!(got.iter().all(|&fd| fd < 101));
    assert_eq!(got.len() as u32, 101 - f - 1);
    assert!(is_open(t, 201));
}

/// LIM-02: a soft limit above the hard limit is `EINVAL`.
#[test]
fn soft_limit_above_hard_is_einval() {
    let fx = setup();
    let t = &fx.t;
    let hard = t.getrlimit(NOFILE).unwrap().max;
    check!(
        t.setrlimit(
            NOFILE,
            RLimit {
                cur: hard + 1,
                max: hard
            }
        ),
        Err(Errno::INVAL)
    );
    assert_eq!(
        t.getrlimit(NOFILE).unwrap(),
        RLimit {
            cur: 1024,
            max: hard
        }
    );
}

/// LIM-03: an unprivileged process may set limits within its hard limit, reads them
/// back, and may not raise the hard limit (`EPERM`).
#[test]
fn unprivileged_cannot_raise_hard_limit() {
    let fx = setup();
    let t = &fx.t;
    check!(
        t.setrlimit(
            NOFILE,
            RLimit {
                cur: 20000,
                max: 20000
            }
        ),
        Ok(0)
    );
    fx.sys.set_privileged(fx.pid, false).unwrap();
    let new = RLimit {
        cur: 1000,
        max: 20000,
    };
    check!(t.setrlimit(NOFILE, new), Ok(0));
    assert_eq!(t.getrlimit(NOFILE).unwrap(), new);
    assert_eq!(t.getdtablesize(), 1000);
    check!(
        t.setrlimit(
            NOFILE,
            RLimit {
                cur: 1000,
                max: 100_000
            }
        ),
        Err(Errno::PERM)
    );
    assert_eq!(t.getrlimit(NOFILE).unwrap(), new);
}

/// LIM-04: the table grows to tens of thousands of slots; the two pipe ends always
/// differ.
#[test]
fn pipes_grow_table_past_66000() {
    let fx = setup();
    let t = &fx.t;
    check!(
        t.setrlimit(
            NOFILE,
            RLimit {
                cur: 70_000,
                max: 70_000
            }
        ),
        Ok(0)
    );
    let mut expected = 3;
    loop {
        let [r, w] = t.pipe().expect("pipe");
        assert_eq!((r.get(), w.get()), (expected, expected + 1));
        expected += 2;
        if w.get() > 66_000 {
            break;
        }
    }
}

/// LIM-05, LIM-06: open and creat fail with `EMFILE` at the limit (open even for a path
/// that does not exist: the number is allocated before the lookup).
#[test]
fn open_and_creat_at_limit_are_emfile() {
    let fx = setup();
    let t = &fx.t;
    let limit = t.getdtablesize() as u32;
    // LIM-05
    let err = loop {
        if let Err(e) = t.open("/tmp/lim05", OFlags::RDWR | OFlags::CREAT, 0o644) {
            break e;
        }
    };
    assert_eq!(err, Errno::MFILE);
    assert_eq!(highest(t), Some(limit - 1));
    check!(t.open("/tmp/lim05", OFlags::RDONLY, 0), Err(Errno::MFILE));
    check!(t.open("/tmp/missing", OFlags::RDONLY, 0), Err(Errno::MFILE));
    // LIM-06: creat until fd == limit-1, then EMFILE.
    closefrom(t, 3);
    let mut fd = 0;
    while fd < limit - 1 {
        fd = t.creat("/tmp/lim06", 0o644).expect("creat").get();
    }
    check!(t.creat("/tmp/lim06", 0o644), Err(Errno::MFILE));
}

/// LIM-07: pipe needs two free slots; with one left it fails with `EMFILE` and
/// allocates nothing.
#[test]
fn pipe_needs_two_free_slots() {
    let fx = setup();
    let t = &fx.t;
    let limit = t.getdtablesize() as u32;
    let free = (0..limit).filter(|&fd| !is_open(t, fd)).count();
    assert_eq!(free % 2, 1, "the test wants an odd number of free slots");
    let mut obtained = 0;
    let err = loop {
        match t.pipe() {
            Ok(_) => obtained += 2,
            Err(e) => break e,
        }
    };
    assert_eq!(err, Errno::MFILE);
    assert_eq!(obtained, free / 2 * 2);
    // The last slot is still free, and usable.
    assert!(!is_open(t, limit - 1));
    check!(t.dup(0), Ok(i64::from(limit) - 1));
}

/// LIM-09: a table holding a descriptor ≥ `nr_open` cannot be copied:
/// `unshare(CLONE_FILES)` is `EMFILE`.
#[test]
fn unshare_of_table_beyond_nr_open_is_emfile() {
    let fx = setup();
    let t = &fx.t;
    let old = fx.sys.nr_open();
    fx.sys.set_nr_open(old + 1024).unwrap();
    let n = u64::from(old) + 1024;
    check!(t.setrlimit(NOFILE, RLimit { cur: n, max: n }), Ok(0));
    check!(t.dup2(2, old as i32 + 64), Ok(i64::from(old) + 64));
    let child = fx.clone_files(t);
    fx.sys.set_nr_open(old).unwrap();
    check!(child.unshare(CloneFlags::FILES), Err(Errno::MFILE));
    assert!(fx.sys.shares_table(fx.pid, child.pid()).unwrap());
    // Closing the high descriptor makes the copy possible again.
    check!(t.close(old + 64), Ok(0));
    check!(child.unshare(CloneFlags::FILES), Ok(0));
    assert!(!fx.sys.shares_table(fx.pid, child.pid()).unwrap());
}

// ---- linux-fd-semantics.md §1.9 and §6: rules beyond the case list ----------------------

/// §1.9: the limit belongs to the calling process, not to the table: two processes
/// sharing a table (`CLONE_FILES`) allocate against their own limits.
#[test]
fn limit_is_per_process_not_per_table() {
    let fx = setup();
    let t = &fx.t;
    let child = fx.clone_files(t);
    set_nofile(&child, 5);
    check!(child.dup(0), Ok(3));
    check!(child.dup(0), Ok(4));
    check!(child.dup(0), Err(Errno::MFILE));
    check!(t.dup(0), Ok(5));
    check!(child.fcntl(5, F_GETFD, 0), Ok(0)); // same table
    check!(child.dup2(0, 5), Err(Errno::BADF));
    check!(t.dup2(0, 6), Ok(6));
    // prlimit from the parent changes the child's limit.
    let old = t.prlimit(Some(child.pid()), NOFILE, Some(RLimit { cur: 10, max: 10 }));
    assert_eq!(old, Ok(RLimit { cur: 5, max: 4096 }));
    check!(child.dup(0), Ok(7));
}

/// §6 fork: descriptors at or above the child's limit are copied; a table whose
/// highest descriptor is at or above `nr_open` cannot be copied (`EMFILE`) until it
/// is closed.
#[test]
fn fork_copies_high_fds_but_not_beyond_nr_open() {
    let fx = setup();
    let t = &fx.t;
    check!(t.dup2(0, 900), Ok(900));
    set_nofile(t, 100);
    let child = fx.fork(t);
    assert!(same_ofd(&child, 900, 0));
    assert_eq!(child.getrlimit(NOFILE).map(|l| l.cur), Ok(100));
    fx.sys.set_nr_open(512).unwrap();
    assert_eq!(t.fork(), Err(Errno::MFILE));
    assert_eq!(
        t.clone_task(CloneFlags::empty(), None).err(),
        Some(Errno::MFILE)
    );
    // Sharing needs no copy.
    assert!(t.clone_task(CloneFlags::FILES, None).is_ok());
    check!(t.close(900), Ok(0));
    assert!(t.fork().is_ok());
}

/// §1.9 setrlimit checks, in order: `cur > max` is `EINVAL`; `max > nr_open` is `EPERM`
/// (even when `max` does not change, after `nr_open` was lowered); lowering `nr_open`
/// leaves existing limits alone.
#[test]
fn setrlimit_check_order() {
    let fx = setup();
    let t = &fx.t;
    let nr = u64::from(fx.sys.nr_open());
    check!(
        t.setrlimit(
            NOFILE,
            RLimit {
                cur: nr + 2,
                max: nr + 1
            }
        ),
        Err(Errno::INVAL)
    );
    check!(
        t.setrlimit(
            NOFILE,
            RLimit {
                cur: 10,
                max: nr + 1
            }
        ),
        Err(Errno::PERM)
    );
    check!(
        t.setrlimit(
            NOFILE,
            RLimit {
                cur: 2048,
                max: 4096
            }
        ),
        Ok(0)
    );
    fx.sys.set_nr_open(1024).unwrap();
    assert_eq!(
        t.getrlimit(NOFILE),
        Ok(RLimit {
            cur: 2048,
            max: 4096
        })
    );
    check!(
        t.setrlimit(NOFILE, RLimit { cur: 10, max: 4096 }),
        Err(Errno::PERM)
    );
    check!(t.setrlimit(NOFILE, RLimit { cur: 10, max: 1024 }), Ok(0));
}

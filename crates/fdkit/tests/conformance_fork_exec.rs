//! Conformance: `fork` and shared tables (FORK-*), close-on-exec across `execve` and
//! creation-time close-on-exec (EXEC-*) of `shared/reference/conformance-cases.md`;
//! `CONFORMANCE.md` maps them. The model's `execve` is the part after the point of no
//! return (`begin_new_exec`): a "helper program" is the task it returns.

// Needs the whole system (feature `std`); `--no-default-features` skips it.
#![cfg(feature = "std")]

#[macro_use]
mod common;
use common::*;

// ---- fork ---------------------------------------------------------------------------

/// FORK-01: every child reads through the parent's description: the offset is
/// shared, so after 100 one-byte reads the parent is at EOF.
#[test]
fn fork_children_share_offset() {
    let fx = setup();
    let t = &fx.t;
    let fd = open_with(t, "/tmp/fork01", &[b'a'; 100], OFlags::RDONLY);
    for i in 0..100 {
        let child = fx.fork(t);
        assert_eq!(read_n(&child, fd, 1), b"a", "child {i}");
        child.exit(0);
        assert!(t.wait4(-1, false).unwrap().is_some());
    }
    check!(t.read(fd, &mut [0; 1]), Ok(0));
}

/// FORK-02: a close in a child does not affect the parent; a read in another child
/// moves the shared offset.
#[test]
fn fork_child_close_leaves_parent() {
    let fx = setup();
    let t = &fx.t;
    let fd = open_with(t, "/tmp/fork02", b"x", OFlags::RDONLY);
    let c1 = fx.fork(t);
    check!(c1.close(fd), Ok(0));
    c1.exit(0);
    let c2 = fx.fork(t);
    assert_eq!(read_n(&c2, fd, 1), b"x");
    check!(c2.close(fd), Ok(0));
    c2.exit(0);
    check!(t.read(fd, &mut [0; 1]), Ok(0));
}

/// FORK-03: the child has an independent copy of a full table.
#[test]
fn fork_copies_full_table_independently() {
    let fx = setup();
    let t = &fx.t;
    let err = loop {
        if let Err(e) = t.open("/tmp/fork03", OFlags::RDWR | OFlags::CREAT, 0o644) {
            break e;
        }
    };
    assert_eq!(err, Errno::MFILE);
    let mine = fds(t);
    let child = fx.fork(t);
    assert_eq!(fds(&child), mine);
    check!(child.close(500), Ok(0));
    check!(child.open("/tmp/fork03", OFlags::RDWR, 0), Ok(500));
    for &fd in &mine {
        check!(child.close(fd), Ok(0));
    }
    child.exit(0);
    assert!(!same_ofd(t, 0, 500) && is_open(t, 500));
    for &fd in &mine {
        check!(t.close(fd), Ok(0));
    }
    check!(t.unlink("/tmp/fork03"), Ok(0));
}

/// FORK-04: offset changes propagate both ways across fork.
#[test]
fn fork_offset_changes_propagate_both_ways() {
    let fx = setup();
    let t = &fx.t;
    let mut data = vec![b'a'; 1024];
    data.extend([b'b'; 1024]);
    data.extend([b'c'; 1024]);
    let fd = open_with(t, "/tmp/fork04", &data, OFlags::RDONLY);
    let c1 = fx.fork(t);
    check!(c1.lseek(fd, 1024, Whence::Set), Ok(1024));
    c1.exit(0);
    assert_eq!(read_n(t, fd, 1024), [b'b'; 1024]);
    let c2 = fx.fork(t);
    assert_eq!(read_n(&c2, fd, 1024), [b'c'; 1024]);
}

/// FORK-05: inherited pipe ends work.
#[test]
fn fork_inherited_pipe_works() {
    let fx = setup();
    let t = &fx.t;
    let [r, w] = t.pipe().unwrap();
    let child = fx.fork(t);
    check!(child.write(w, b"!"), Ok(1));
    child.exit(0);
    assert_eq!(read_n(t, r, 1), b"!");
}

/// FORK-06, GAP-05: fork copies the numbers, the descriptions (same objects) and the
/// close-on-exec flags.
#[test]
fn fork_copies_numbers_descriptions_and_flags() {
    let fx = setup();
    let t = &fx.t;
    let a = open(t, "/tmp/fork06", OFlags::RDWR | OFlags::CLOEXEC);
    check!(t.dup2(a, 40), Ok(40));
    let child = fx.fork(t);
    assert_eq!(fds(&child), fds(t));
    for fd in [0, 1, 2, a.get(), 40] {
        let (p, c) = (t.file(fd).unwrap(), child.file(fd).unwrap());
        assert!(
            std::sync::Arc::ptr_eq(&p, &c),
            "fd {fd}: another description"
        );
    }
    check!(child.fcntl(a, F_GETFD, 0), Ok(FD_CLOEXEC)); // GAP-05
    check!(child.fcntl(40, F_GETFD, 0), Ok(0));
    // Descriptor flags are per table after the copy.
    check!(child.fcntl(a, F_SETFD, 0), Ok(0));
    check!(t.fcntl(a, F_GETFD, 0), Ok(FD_CLOEXEC));
}

// ---- execve -------------------------------------------------------------------------

/// EXEC-01: a close-on-exec descriptor of each kind (file, pipe write end, pipe read
/// end) is closed by exec in the child; the parent keeps it.
#[test]
fn exec_closes_cloexec_fds_of_every_kind() {
    let fx = setup();
    let t = &fx.t;
    let f = open(t, "/tmp/exec01", OFlags::RDWR);
    let [r, w] = t.pipe().unwrap();
    for fd in [f, w, r] {
        check!(t.fcntl(fd, F_SETFD, 1), Ok(0));
        let helper = fx.fork(t).execve().unwrap();
        check!(helper.fcntl(fd, F_GETFD, 0), Err(Errno::BADF));
        assert!(is_open(t, fd));
    }
}

/// EXEC-02, EXEC-05, EXEC-06: `O_CLOEXEC` at open time is honoured by exec; a
/// descriptor without it survives.
#[test]
fn exec_honours_o_cloexec_from_open() {
    let fx = setup();
    let t = &fx.t;
    let c = open(
        t,
        "/tmp/exec02",
        OFlags::RDWR | OFlags::APPEND | OFlags::CLOEXEC,
    );
    let n = open(t, "/tmp/exec06", OFlags::RDONLY);
    let helper = fx.fork(t).execve().unwrap();
    check!(helper.write(c, b"x"), Err(Errno::BADF)); // EXEC-02
    assert_eq!(helper.fstat(c).err(), Some(Errno::BADF)); // EXEC-05
    assert_eq!(helper.fstat(n).map(|s| s.ino), Ok(ino(t, n))); // EXEC-06
}

/// EXEC-03, EXEC-07: `pipe2(O_CLOEXEC)` and `eventfd(EFD_CLOEXEC)` descriptors are
/// closed by exec.
#[test]
fn exec_closes_pipe2_and_eventfd_cloexec() {
    let fx = setup();
    let t = &fx.t;
    let [r, w] = t.pipe2(OFlags::CLOEXEC).unwrap();
    let e = t.eventfd2(0, EventFdFlags::CLOEXEC).unwrap();
    let helper = fx.fork(t).execve().unwrap();
    check!(helper.fcntl(w, F_GETFL, 0), Err(Errno::BADF)); // EXEC-03
    check!(helper.fcntl(r, F_GETFL, 0), Err(Errno::BADF));
    check!(helper.fcntl(e, F_GETFD, 0), Err(Errno::BADF)); // EXEC-07
    assert_eq!(fds(&helper), [0, 1, 2]);
}

/// EXEC-04, EXEC-13: pipe2's creation flags land on the right layer: `O_CLOEXEC` on
/// both descriptors, `O_NONBLOCK` on both descriptions, `O_DIRECT` on the write end.
#[test]
fn pipe2_flags_land_on_right_layer() {
    let fx = setup();
    let t = &fx.t;
    let wr = OFlags::WRONLY.bits();
    let [r, w] = t.pipe2(OFlags::empty()).unwrap();
    check!(t.fcntl(r, F_GETFD, 0), Ok(0));
    check!(t.fcntl(w, F_GETFD, 0), Ok(0));
    check!(t.fcntl(r, F_GETFL, 0), Ok(0));
    check!(t.fcntl(w, F_GETFL, 0), Ok(wr.into()));
    let [r, w] = t.pipe2(OFlags::CLOEXEC).unwrap(); // EXEC-04, EXEC-13
    check!(t.fcntl(r, F_GETFD, 0), Ok(FD_CLOEXEC));
    check!(t.fcntl(w, F_GETFD, 0), Ok(FD_CLOEXEC));
    check!(t.fcntl(r, F_GETFL, 0), Ok(0));
    let direct = OFlags::DIRECT.bits();
    let [r, w] = t.pipe2(OFlags::from_bits_retain(direct)).unwrap();
    check!(t.fcntl(w, F_GETFL, 0), Ok((wr | direct).into()));
    check!(t.fcntl(r, F_GETFL, 0), Ok(0));
    let nonblock = OFlags::NONBLOCK.bits();
    let [r, w] = t.pipe2(OFlags::from_bits_retain(nonblock)).unwrap();
    check!(t.fcntl(r, F_GETFL, 0), Ok(nonblock.into()));
    check!(t.fcntl(w, F_GETFL, 0), Ok((wr | nonblock).into()));
    check!(t.fcntl(r, F_GETFD, 0), Ok(0));
}

/// EXEC-08: exec first unshares the table, so the sweep does not close the sharer's
/// close-on-exec descriptors.
#[test]
fn exec_unshares_before_sweeping() {
    let fx = setup();
    let t = &fx.t;
    let fd = open(t, "/tmp/exec08", OFlags::RDWR | OFlags::CLOEXEC);
    let flags = CloneFlags::VFORK | CloneFlags::VM | CloneFlags::FILES;
    let (child, _) = t.clone_task(flags, None).unwrap();
    let child = fx.task(child);
    assert!(fx.sys.shares_table(fx.pid, child.pid()).unwrap());
    let helper = child.execve().unwrap();
    assert!(!fx.sys.shares_table(fx.pid, helper.pid()).unwrap());
    check!(helper.fcntl(fd, F_GETFD, 0), Err(Errno::BADF));
    helper.exit(0);
    assert!(t.fstat(fd).is_ok());
    check!(t.fcntl(fd, F_GETFD, 0), Ok(FD_CLOEXEC));
}

/// EXEC-12: dup2 onto 0, 1, 2 gives non-close-on-exec copies of close-on-exec
/// sources: the copies survive exec, the originals vanish.
#[test]
fn exec_keeps_dup2_copies_of_cloexec_sources() {
    let fx = setup();
    let t = &fx.t;
    let devnull = t
        .open("/dev/null", OFlags::RDWR | OFlags::CLOEXEC, 0)
        .unwrap();
    let [r, w] = t.pipe2(OFlags::CLOEXEC).unwrap();
    let child = fx.fork(t);
    check!(child.dup2(devnull, 0), Ok(0));
    check!(child.dup2(devnull, 1), Ok(1));
    check!(child.dup2(w, 2), Ok(2));
    let helper = child.execve().unwrap();
    assert_eq!(fds(&helper), [0, 1, 2]);
    assert!(same_ofd(&helper, 0, 1));
    check!(helper.write(2, b"ok"), Ok(2));
    drop(helper);
    assert_eq!(read_n(t, r, 2), b"ok");
}

/// EXEC-14: unknown pipe2 flags are `EINVAL`, and allocate nothing.
#[test]
fn pipe2_unknown_flags_are_einval() {
    let fx = setup();
    let t = &fx.t;
    assert_eq!(t.pipe2(OFlags::from_bits_retain(0xDEAD)), Err(Errno::INVAL));
    assert_eq!(fds(t), [0, 1, 2]);
}

// ---- linux-fd-semantics.md §1.8 and §6: rules beyond the case list ---------------------

/// §1.8 exec (`de_thread`, then `unshare_files`, then `do_close_on_exec`): the other
/// threads are gone before the table is examined, so a table shared only by threads of
/// the exec'ing process is swept in place. The close-on-exec write end of a pipe is
/// its last reference: the reader sees end of file.
#[test]
fn exec_from_threaded_process_releases_cloexec_fds() {
    for leader_execs in [true, false] {
        let fx = setup();
        let t = &fx.t;
        let [r, w] = t.pipe2(OFlags::NONBLOCK).unwrap();
        check!(t.fcntl(w, F_SETFD, 1), Ok(0));
        let other = fx.thread(t);
        assert!(fx.sys.shares_table(fx.pid, other.tid()).unwrap());
        // Handles to both threads stay held across the exec.
        let (execs, dies) = if leader_execs {
            (t, &other)
        } else {
            (&other, t)
        };
        let after = execs.execve().unwrap();
        assert_eq!(after.tid(), fx.pid);
        check!(dies.fcntl(0, F_GETFD, 0), Err(Errno::SRCH));
        check!(after.fcntl(w, F_GETFD, 0), Err(Errno::BADF));
        check!(after.read(r, &mut [0; 1]), Ok(0));
    }
}

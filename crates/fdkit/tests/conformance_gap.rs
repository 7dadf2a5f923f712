//! Conformance: the gap-fill rules verified on Linux 6.18 (GAP-*), the behaviour of
//! other systems a Linux model must not adopt (DIV-*), and the modelled part of the
//! adjacent behaviours (ADJ-*) of `shared/reference/conformance-cases.md`;
//! `CONFORMANCE.md` maps them.

// Needs the whole system (feature `std`); `--no-default-features` skips it.
#![cfg(feature = "std")]

#[macro_use]
mod common;
use common::*;

const APPEND: u32 = OFlags::APPEND.bits();
const NONBLOCK: u32 = OFlags::NONBLOCK.bits();

// ---- GAP ------------------------------------------------------------------------------

/// GAP-01: status flags are shared through the description in both directions.
#[test]
fn status_flags_shared_both_ways() {
    let fx = setup();
    let t = &fx.t;
    let fd = open(t, "/tmp/gap01", OFlags::RDWR);
    let d = t.dup(fd).unwrap();
    check!(t.fcntl(fd, F_SETFL, u64::from(APPEND | NONBLOCK)), Ok(0));
    assert_eq!(getfl(t, d) & (APPEND | NONBLOCK), APPEND | NONBLOCK);
    check!(t.fcntl(d, F_SETFL, 0), Ok(0));
    assert_eq!(getfl(t, fd) & (APPEND | NONBLOCK), 0);
}

/// GAP-02: unchangeable bits in `F_SETFL` are silently ignored:
/// `F_GETFL` is `O_RDWR|O_APPEND|O_NONBLOCK|O_LARGEFILE` (0x8c02).
#[test]
fn setfl_ignores_unchangeable_bits() {
    let fx = setup();
    let t = &fx.t;
    let fd = open(t, "/tmp/gap02", OFlags::RDWR);
    let arg = APPEND
        | NONBLOCK
        | OFlags::SYNC.bits()
        | OFlags::DSYNC.bits()
        | OFlags::CREAT.bits()
        | OFlags::TRUNC.bits();
    check!(t.fcntl(fd, F_SETFL, u64::from(arg)), Ok(0));
    check!(t.fcntl(fd, F_GETFL, 0), Ok(0x8c02));
    // With O_NOFOLLOW too, as the reference run did: 0106002.
    check!(
        t.fcntl(fd, F_SETFL, u64::from(arg | OFlags::NOFOLLOW.bits())),
        Ok(0)
    );
    check!(t.fcntl(fd, F_GETFL, 0), Ok(0o106002));
}

/// GAP-03: only bit 0 of the `F_SETFD` argument matters.
#[test]
fn setfd_only_bit_zero_matters() {
    let fx = setup();
    let t = &fx.t;
    let fd = open(t, "/tmp/gap03", OFlags::RDWR | OFlags::CLOEXEC);
    check!(t.fcntl(fd, F_SETFD, 0x2000), Ok(0));
    check!(t.fcntl(fd, F_GETFD, 0), Ok(0));
    check!(t.fcntl(fd, F_SETFD, u64::MAX), Ok(0));
    check!(t.fcntl(fd, F_GETFD, 0), Ok(FD_CLOEXEC));
    check!(t.fcntl(fd, F_SETFD, 0xFFFF_FFFE_u64), Ok(0));
    check!(t.fcntl(fd, F_GETFD, 0), Ok(0));
}

/// GAP-06: the lowest free ≥ arg skips occupied slots.
#[test]
fn dupfd_skips_occupied_slots() {
    let fx = setup();
    let t = &fx.t;
    let fd = open(t, "/tmp/gap06", OFlags::RDWR);
    check!(t.dup2(fd, 21), Ok(21));
    check!(t.fcntl(fd, F_DUPFD, 20), Ok(20));
    check!(t.fcntl(fd, F_DUPFD, 21), Ok(22));
}

/// GAP-07: the full error ordering under a lowered limit (in a child with fd 15 open
/// and the soft limit lowered to 10).
#[test]
fn error_ordering_under_lowered_limit() {
    let fx = setup();
    let child = fx.fork(&fx.t);
    let t = &child;
    let fd = open(t, "/tmp/gap07", OFlags::RDWR);
    check!(t.dup2(fd, 15), Ok(15));
    set_nofile(t, 10);
    check!(t.fcntl(15, F_GETFD, 0), Ok(0)); // still open
    check!(t.dup2(fd, 10), Err(Errno::BADF));
    check!(t.dup2(fd, 9), Ok(9));
    check!(t.fcntl(fd, F_DUPFD, 10), Err(Errno::INVAL));
    for want in 4..9 {
        check!(t.dup(fd), Ok(want));
    }
    check!(t.fcntl(fd, F_DUPFD, 9), Err(Errno::MFILE)); // 0..9 full
    check!(t.dup(fd), Err(Errno::MFILE));
    check!(t.dup3(fd, 9, DupFlags::empty()), Ok(9)); // replacing needs no free slot
    check!(t.dup2(15, 9), Ok(9)); // above the limit, usable as a source
    check!(t.dup2(15, 15), Ok(15)); // dup2(x, x) has no limit check
    check!(t.dup3(fd, 15, DupFlags::empty()), Err(Errno::BADF)); // but x ≥ limit is no target
}

/// GAP-08: dup3's check order: flags, then the same fd, then newfd ≥ limit, then
/// oldfd (also DIV-02).
#[test]
fn dup3_check_order() {
    let fx = setup();
    let t = &fx.t;
    let closed = 7;
    check!(t.dup3(-1, -1, DupFlags::CLOEXEC), Err(Errno::INVAL));
    check!(t.dup3(closed, closed, DupFlags::empty()), Err(Errno::INVAL));
    check!(
        t.dup3(
            closed,
            8,
            DupFlags::from_bits_retain(OFlags::NOFOLLOW.bits())
        ),
        Err(Errno::INVAL)
    );
    check!(
        t.dup3(-1, 9, DupFlags::from_bits_retain(2)),
        Err(Errno::INVAL)
    );
    check!(t.dup3(closed, 5000, DupFlags::empty()), Err(Errno::BADF));
    check!(t.dup3(closed, 8, DupFlags::empty()), Err(Errno::BADF));
}

/// GAP-09: dup2's self case still validates oldfd.
#[test]
fn dup2_self_case_validates_oldfd() {
    let fx = setup();
    let t = &fx.t;
    let fd = open(t, "/tmp/gap09", OFlags::RDWR);
    check!(t.dup2(9, 9), Err(Errno::BADF));
    check!(t.dup2(fd, fd), Ok(fd.as_raw().into()));
    check!(t.dup2(-1, -1), Err(Errno::BADF));
}

/// GAP-10: `O_PATH` rules: `F_SETFL` is `EBADF`; dup and `F_DUPFD_CLOEXEC` work.
#[test]
fn o_path_setfl_rejected_dup_allowed() {
    let fx = setup();
    let t = &fx.t;
    let fd = t.open("/tmp", OFlags::PATH, 0).unwrap();
    check!(t.fcntl(fd, F_SETFL, 0), Err(Errno::BADF));
    check!(t.dup(fd), Ok(4));
    check!(t.fcntl(fd, F_DUPFD_CLOEXEC, 0), Ok(5));
    check!(t.fcntl(5, F_GETFD, 0), Ok(FD_CLOEXEC));
}

/// GAP-11: an unknown close_range flag bit (8) is `EINVAL`.
#[test]
fn close_range_flag_8_is_einval() {
    let fx = setup();
    let t = &fx.t;
    let fd = open(t, "/tmp/gap11", OFlags::RDWR);
    check!(
        t.close_range(3, 3, CloseRangeFlags::from_bits_retain(8)),
        Err(Errno::INVAL)
    );
    assert!(is_open(t, fd));
}

/// GAP-12: `F_DUPFD_QUERY`: 1 for a dup, 0 for a separate open, `EBADF` for a closed
/// fd.
#[test]
fn dupfd_query_semantics() {
    let fx = setup();
    let t = &fx.t;
    let fd = open(t, "/tmp/gap12", OFlags::RDWR);
    let d = t.dup(fd).unwrap();
    let o = open(t, "/tmp/gap12", OFlags::RDWR);
    check!(t.fcntl(fd, F_DUPFD_QUERY, u64::from(d.get())), Ok(1));
    check!(t.fcntl(fd, F_DUPFD_QUERY, u64::from(o.get())), Ok(0));
    check!(t.fcntl(fd, F_DUPFD_QUERY, 99), Err(Errno::BADF));
    check!(
        t.fcntl(99, F_DUPFD_QUERY, u64::from(fd.get())),
        Err(Errno::BADF)
    );
}

// ---- DIV: other systems' behaviour that must not happen -------------------------------

/// DIV-01: NetBSD's `dup3(fd, fd, O_CLOEXEC)` succeeds and sets the flag; Linux says
/// `EINVAL` and touches nothing.
#[test]
fn div_dup3_same_fd_does_not_succeed() {
    let fx = setup();
    let t = &fx.t;
    let fd = open(t, "/tmp/div01", OFlags::RDWR);
    check!(t.dup3(fd, fd, DupFlags::CLOEXEC), Err(Errno::INVAL));
    check!(t.fcntl(fd, F_GETFD, 0), Ok(0));
}

/// DIV-02: NetBSD's `dup3(-1, -1, O_CLOEXEC)` is `EBADF`; Linux checks the same fd
/// first: `EINVAL`.
#[test]
fn div_dup3_minus_one_twice_is_not_ebadf() {
    let fx = setup();
    let t = &fx.t;
    check!(t.dup3(-1, -1, DupFlags::CLOEXEC), Err(Errno::INVAL));
}

/// DIV-03: FreeBSD's `F_DUP2FD` (10) and `F_DUP2FD_CLOEXEC` (18) do not exist on
/// Linux: 18 is `EINVAL`; 10 is Linux's `F_SETSIG` and installs no descriptor.
#[test]
fn div_no_f_dup2fd() {
    let fx = setup();
    let t = &fx.t;
    let fd = t.open("/dev/null", OFlags::RDWR, 0).unwrap();
    check!(t.fcntl(fd, 18, 10), Err(Errno::INVAL));
    assert!(!is_open(t, 10));
    check!(t.fcntl(fd, 10, 20), Ok(0)); // F_SETSIG(20)
    assert!(!is_open(t, 20));
    check!(t.fcntl(fd, F_GETSIG, 0), Ok(20));
}

/// DIV-04: FreeBSD's `closefrom(-1)` closes everything; Linux's system call takes an
/// unsigned first descriptor, so `close_range(-1, ~0U, 0)` closes nothing.
#[test]
fn div_close_range_minus_one_closes_nothing() {
    let fx = setup();
    let t = &fx.t;
    check!(
        t.close_range(-1i32 as u32, u32::MAX, CloseRangeFlags::empty()),
        Ok(0)
    );
    assert_eq!(fds(t), [0, 1, 2]);
}

/// DIV-05: FreeBSD's `FIOASYNC` on /dev/null is `EINVAL`; Linux: a file without a
/// `->fasync` method gives `ENOTTY`, and `O_ASYNC` stays clear.
#[test]
fn div_fioasync_on_dev_null_is_enotty() {
    let fx = setup();
    let t = &fx.t;
    let fd = t.open("/dev/null", OFlags::RDWR, 0).unwrap();
    check!(t.ioctl(fd, FIOASYNC, 1), Err(Errno::NOTTY));
    assert_eq!(getfl(t, fd) & OFlags::ASYNC.bits(), 0);
    check!(t.ioctl(fd, FIOASYNC, 0), Ok(0)); // no change: no call, no error
                                             // Regular files, directories and eventfds have no ->fasync either.
    let f = open(t, "/tmp/div05", OFlags::RDWR);
    let d = t.open("/tmp", OFlags::DIRECTORY, 0).unwrap();
    let e = t.eventfd2(0, EventFdFlags::empty()).unwrap();
    for fd in [f, d, e] {
        check!(t.ioctl(fd, FIOASYNC, 1), Err(Errno::NOTTY));
    }
    // A socket has one.
    let [s, _] = t
        .socketpair(AF_UNIX, SOCK_STREAM, SockFlags::empty(), 0)
        .unwrap();
    check!(t.ioctl(s, FIOASYNC, 1), Ok(0));
    assert_ne!(getfl(t, s) & OFlags::ASYNC.bits(), 0);
}

/// DIV-07: close_range flags seen in a non-upstream copy (`CLOSE_RANGE_CLOEXEC_ONLY`,
/// `CLOSE_RANGE_EXCEPT`) are not Linux: every bit but UNSHARE (2) and CLOEXEC (4) is
/// `EINVAL`.
#[test]
fn div_close_range_accepts_only_upstream_flags() {
    let fx = setup();
    let t = &fx.t;
    let fd = open(t, "/tmp/div07", OFlags::RDWR).get();
    for bit in 0..32 {
        let flags = 1u32 << bit;
        if flags == CR_UNSHARE || flags == CR_CLOEXEC {
            continue;
        }
        check!(
            t.close_range(fd, fd, CloseRangeFlags::from_bits_retain(flags)),
            Err(Errno::INVAL)
        );
    }
    check!(
        t.close_range(fd, fd, CloseRangeFlags::UNSHARE | CloseRangeFlags::CLOEXEC),
        Ok(0)
    );
    assert!(cloexec(t, fd));
}

// ---- ADJ: the modelled part -----------------------------------------------------------

/// ADJ-06 (partial: signal delivery is not modelled): the async-I/O owner, signal and
/// `O_ASYNC` belong to the description: set through one descriptor, seen through its
/// duplicate, kept when the first is closed; `F_SETSIG(0)` through either reverts.
#[test]
fn async_io_state_belongs_to_description() {
    let fx = setup();
    let t = &fx.t;
    let [r, _w] = t.pipe().unwrap();
    let d = t.dup(r).unwrap();
    check!(t.fcntl(r, F_SETOWN, u64::from(fx.pid.get())), Ok(0));
    check!(t.fcntl(r, F_SETSIG, 10), Ok(0));
    let fl = getfl(t, r);
    check!(
        t.fcntl(r, F_SETFL, u64::from(fl | OFlags::ASYNC.bits())),
        Ok(0)
    );
    check!(t.fcntl(d, F_GETOWN, 0), Ok(fx.pid.get().into()));
    check!(t.fcntl(d, F_GETSIG, 0), Ok(10));
    check!(t.fcntl(d, F_SETSIG, 12), Ok(0));
    check!(t.fcntl(r, F_GETSIG, 0), Ok(12));
    check!(t.close(r), Ok(0));
    check!(t.fcntl(d, F_GETSIG, 0), Ok(12));
    assert_ne!(getfl(t, d) & OFlags::ASYNC.bits(), 0);
    check!(t.fcntl(d, F_SETSIG, 0), Ok(0));
    check!(t.fcntl(d, F_GETSIG, 0), Ok(0));
}

// ---- linux-fd-semantics.md §1.4, §1.8 and §6: rules beyond the case list ---------------

/// §6 reserved slots (a number allocated by an open in flight, `FdTable::reserve`):
/// dup2 onto one is `EBUSY` (after the other checks); lookups, `dup`, `close` and
/// `F_GETFD` see `EBADF`; allocation skips it; a forked copy has it free.
#[test]
fn reserved_slot_rules() {
    use fdkit::{FdTable, Limits};
    let limits = Limits::new(1024);
    let mut table: FdTable<&str> = FdTable::new();
    for name in ["in", "out", "err"] {
        table.insert(name, false, limits).unwrap();
    }
    let r = table.reserve(0, true, limits).unwrap();
    assert_eq!(r, Fd::new(3));
    assert_eq!(table.dup2(Fd::new(0), r, limits).err(), Some(Errno::BUSY));
    assert_eq!(
        table.dup3(Fd::new(0), r, O_CLOEXEC, limits).err(),
        Some(Errno::BUSY)
    );
    assert_eq!(table.dup2(Fd::new(9), r, limits).err(), Some(Errno::BADF));
    assert_eq!(table.dup2(r, r, limits).err(), Some(Errno::BADF));
    assert_eq!(table.dup(r, limits).err(), Some(Errno::BADF));
    assert_eq!(table.fcntl_getfd(r).err(), Some(Errno::BADF));
    assert_eq!(table.close(r).err(), Some(Errno::BADF));
    assert_eq!(table.insert("next", false, limits), Ok(Fd::new(4)));
    let mut child = table.fork(Limits::DEFAULT_NR_OPEN).unwrap();
    assert!(!child.is_allocated(r));
    assert_eq!(child.insert("child", false, limits), Ok(Fd::new(3)));
    assert_eq!(table.install(r, "file"), Ok(()));
    assert_eq!(table.get(r), Some(&"file"));
    assert_eq!(table.fcntl_getfd(r), Ok(FdFlags::CLOEXEC));
}

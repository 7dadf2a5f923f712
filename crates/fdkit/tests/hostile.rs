//! Hostile numbers: a guest controls every argument, so no single call may exhaust
//! memory or panic. Each test measures the heap growth of one hostile call with a
//! counting allocator (this test binary's own; the library has no unsafe code) and
//! checks the Linux errno.

// Needs the whole system (feature `std`); `--no-default-features` skips it.
#![cfg(feature = "std")]

use fdkit::flags::fcntl_cmd::{F_DUPFD, F_DUPFD_CLOEXEC, F_SETPIPE_SZ};
use fdkit::flags::RLIMIT_NOFILE;
use fdkit::{CloseRangeFlags, Config, DupFlags, Errno, OFlags, RLimit, System, Task, Whence};
use std::alloc::{GlobalAlloc, Layout, System as Heap};
use std::sync::atomic::{AtomicIsize, Ordering};

/// Counts live heap bytes.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: forwards to the system allocator unchanged; only counts sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { Heap.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { Heap.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const MIB: isize = 1 << 20;

/// Heap growth while `f` runs (other tests in this binary run on other threads, so
/// the bound is generous: one hostile call must stay far below a mebibyte).
fn growth<T>(f: impl FnOnce() -> T) -> (T, isize) {
    let before = LIVE.load(Ordering::SeqCst);
    let out = f();
    let after = LIVE.load(Ordering::SeqCst);
    (out, after - before)
}

/// A process whose soft and hard RLIMIT_NOFILE are the largest Linux allows.
fn unlimited() -> (System, Task) {
    let sys = System::with_config(Config {
        nr_open: fdkit::Limits::MAX_NR_OPEN,
        nofile: RLimit {
            cur: u64::from(fdkit::Limits::MAX_NR_OPEN),
            max: u64::from(fdkit::Limits::MAX_NR_OPEN),
        },
        ..Config::default()
    });
    let pid = sys.spawn().unwrap();
    let t = sys.task(pid).unwrap();
    (sys, t)
}

#[test]
fn dup2_to_the_top_of_the_number_space() {
    let (_sys, t) = unlimited();
    let fd = t
        .open("/tmp/a", OFlags::RDWR | OFlags::CREAT, 0o600)
        .unwrap();
    // 2^31 - 1 is at the limit (2,147,483,584 = max nr_open): EBADF, no growth.
    let (r, grew) = growth(|| t.dup2(fd, i32::MAX));
    assert_eq!(r, Err(Errno::BADF));
    assert!(grew < MIB, "{grew} bytes");
    // The highest usable number works and costs one path of the tree.
    let top = (fdkit::Limits::MAX_NR_OPEN - 1) as i32;
    let (r, grew) = growth(|| t.dup2(fd, top));
    assert_eq!(r.map(|f| f.as_raw()), Ok(top));
    assert!(grew < MIB, "{grew} bytes");
    let (r, grew) = growth(|| t.dup3(fd, top - 1, DupFlags::CLOEXEC));
    assert!(r.is_ok());
    assert!(grew < MIB, "{grew} bytes");
    // A fork copies it without sizing anything by it.
    let (child, grew) = growth(|| t.fork());
    assert!(child.is_ok());
    assert!(grew < MIB, "{grew} bytes");
}

#[test]
fn f_dupfd_with_huge_minimums() {
    let (_sys, t) = unlimited();
    let fd = t
        .open("/tmp/b", OFlags::RDWR | OFlags::CREAT, 0o600)
        .unwrap();
    // Linux truncates the argument to an int: the high half of 1 << 40 vanishes.
    assert_eq!(t.fcntl(fd, F_DUPFD, (1 << 40) | 7), Ok(7));
    for arg in [u64::MAX, i32::MAX as u64, (i32::MAX as u64) + 1] {
        let (r, grew) = growth(|| t.fcntl(fd, F_DUPFD, arg));
        assert!(matches!(r, Err(Errno::INVAL)), "F_DUPFD({arg:#x}): {r:?}");
        assert!(grew < MIB, "{grew} bytes");
    }
    let min = u64::from(fdkit::Limits::MAX_NR_OPEN) - 2;
    let (r, grew) = growth(|| t.fcntl(fd, F_DUPFD_CLOEXEC, min));
    assert_eq!(r, Ok(min as i64));
    assert!(grew < MIB, "{grew} bytes");
}

#[test]
fn close_range_over_everything() {
    let (_sys, t) = unlimited();
    let fd = t
        .open("/tmp/c", OFlags::RDWR | OFlags::CREAT, 0o600)
        .unwrap();
    t.dup2(fd, 2_000_000_000).unwrap();
    for flags in [0, 2, 4, 6] {
        let (r, grew) =
            growth(|| t.close_range(0, u32::MAX, CloseRangeFlags::from_bits_retain(flags)));
        assert_eq!(r, Ok(()));
        assert!(grew < MIB, "{grew} bytes");
    }
    assert!(t.fd_listing().unwrap().entries.is_empty());
    assert_eq!(
        t.close_range(u32::MAX, u32::MAX, CloseRangeFlags::empty()),
        Ok(())
    );
    assert_eq!(
        t.close_range(5, 4, CloseRangeFlags::empty()),
        Err(Errno::INVAL)
    );
    assert_eq!(
        t.close_range(0, u32::MAX, CloseRangeFlags::from_bits_retain(u32::MAX)),
        Err(Errno::INVAL)
    );
}

#[test]
fn prlimit_to_absurd_values() {
    let sys = System::new();
    let pid = sys.spawn().unwrap();
    let t = sys.task(pid).unwrap();
    let huge = RLimit {
        cur: 1 << 63,
        max: 1 << 63,
    };
    assert_eq!(t.setrlimit(RLIMIT_NOFILE, huge), Err(Errno::PERM));
    assert_eq!(
        t.setrlimit(
            RLIMIT_NOFILE,
            RLimit {
                cur: u64::MAX,
                max: 10
            }
        ),
        Err(Errno::INVAL)
    );
    assert_eq!(t.setrlimit(99, huge), Err(Errno::INVAL));
    assert_eq!(t.getrlimit(u32::MAX), Err(Errno::INVAL));
    // Other resources accept any value (RLIM_INFINITY is the default).
    assert_eq!(t.setrlimit(0, huge), Ok(()));
    // An enormous pipe size is refused without allocating it.
    let [r, _w] = t.pipe().unwrap();
    let (res, grew) = growth(|| t.fcntl(r, F_SETPIPE_SZ, u64::MAX));
    assert!(res.is_err());
    assert!(grew < MIB, "{grew} bytes");
}

#[test]
fn read_with_a_huge_count_is_bounded_by_the_data() {
    let sys = System::new();
    let t = sys.task(sys.spawn().unwrap()).unwrap();
    let fd = t.open("/dev/zero", OFlags::RDONLY, 0).unwrap();
    let call = fdkit::syscall::Call::Read {
        fd: fd.as_raw(),
        count: usize::MAX,
    };
    let (r, grew) = growth(|| t.execute(&call).map(|v| v.ret()));
    // The model caps one transfer at 1 MiB of buffer.
    assert_eq!(r, Ok(1 << 20));
    assert!(grew < 2 * MIB, "{grew} bytes");
}

#[test]
fn thousands_of_processes() {
    let sys = System::new();
    let first = sys.task(sys.spawn().unwrap()).unwrap();
    first
        .open("/tmp/shared", OFlags::RDWR | OFlags::CREAT, 0o600)
        .unwrap();
    let mut children = Vec::new();
    for _ in 0..5000 {
        children.push(first.fork().unwrap());
    }
    assert_eq!(sys.pids().len(), 5001);
    for child in &children {
        sys.task(*child).unwrap().exit_group(0);
    }
    for _ in &children {
        assert!(first.wait4(-1, true).unwrap().is_some());
    }
    assert_eq!(first.wait4(-1, true), Err(Errno::CHILD));
    // Absurd pids are refused or accepted without harm.
    assert_eq!(
        sys.spawn_with(Some(fdkit::Pid::new(0)), true),
        Err(Errno::INVAL)
    );
    assert_eq!(
        sys.spawn_with(Some(fdkit::Pid::new(u32::MAX)), true),
        Err(Errno::INVAL)
    );
    assert!(sys
        .spawn_with(Some(fdkit::Pid::new(i32::MAX as u32)), true)
        .is_ok());
    assert_eq!(sys.task(123_456_789u32).err(), Some(Errno::SRCH));
}

#[test]
fn writes_far_into_a_file_cost_what_they_write() {
    let sys = System::new();
    let t = sys.task(sys.spawn().unwrap()).unwrap();
    let fd = t
        .open("/tmp/sparse", OFlags::RDWR | OFlags::CREAT, 0o600)
        .unwrap();
    let last = (1i64 << 30) - 1;
    // pwrite of one byte at the last offset the model allows: a hole before it.
    let (r, grew) = growth(|| t.pwrite(fd, b"x", last));
    assert_eq!(r, Ok(1));
    assert!(grew < MIB, "{grew} bytes");
    assert_eq!(t.fstat(fd).unwrap().size, 1 << 30);
    // The hole reads as zeros; the byte is there.
    let mut buf = [7u8; 4];
    assert_eq!(t.pread(fd, &mut buf, last - 2), Ok(3));
    assert_eq!(&buf[..3], b"\0\0x");
    // lseek + write, one past the end: EFBIG, no growth.
    assert_eq!(t.lseek(fd, 1 << 30, Whence::Set), Ok(1 << 30));
    let (r, grew) = growth(|| t.write(fd, b"y"));
    assert_eq!(r, Err(Errno::FBIG));
    assert!(grew < MIB, "{grew} bytes");
    // Many small writes far apart: each costs about a page.
    let (_, grew) = growth(|| {
        for k in 0..64i64 {
            t.pwrite(fd, b"z", k << 24).unwrap();
        }
    });
    assert!(grew < MIB, "{grew} bytes");
}

//! Raw numbers from a guest go through [`Call`]: the typed `Task` methods take flag
//! types, and `Call`'s dispatch must still give Linux's errno for invalid raw bits.

// Needs the whole system (feature `std`); `--no-default-features` skips it.
#![cfg(feature = "std")]

use fdkit::syscall::{Call, Value};
use fdkit::{DupFlags, Errno, OFlags, System, Task, Whence};

fn task() -> (System, Task) {
    let sys = System::new();
    let t = sys.task(sys.spawn().unwrap()).unwrap();
    (sys, t)
}

fn file(t: &Task) -> i32 {
    let fd = t
        .open("/tmp/raw", OFlags::RDWR | OFlags::CREAT, 0o644)
        .unwrap();
    fd.get() as i32
}

#[test]
fn dup3_unknown_raw_bits_are_einval() {
    let (_sys, t) = task();
    let fd = file(&t);
    let call = Call::Dup3 {
        old: fd,
        new: 4,
        flags: 0xdead,
    };
    assert_eq!(t.execute(&call), Err(Errno::INVAL));
    let call = Call::Dup3 {
        old: fd,
        new: 4,
        flags: OFlags::CLOEXEC.bits(),
    };
    assert_eq!(t.execute(&call), Ok(Value::Int(4)));
    // The typed method refuses unknown bits kept by `from_bits_retain` the same way.
    assert_eq!(
        t.dup3(fd, 5, DupFlags::from_bits_retain(0xdead)),
        Err(Errno::INVAL)
    );
}

#[test]
fn close_range_unknown_raw_bits_are_einval() {
    let (_sys, t) = task();
    let fd = file(&t);
    for flags in [1, 8, 0x100, u32::MAX] {
        let call = Call::CloseRange {
            first: 0,
            last: u32::MAX,
            flags,
        };
        assert_eq!(t.execute(&call), Err(Errno::INVAL), "flags {flags:#x}");
    }
    assert!(t.file(fd).is_ok(), "nothing was closed");
}

#[test]
fn lseek_unknown_raw_whence_is_einval_after_ebadf() {
    let (_sys, t) = task();
    let fd = file(&t);
    let seek = |fd, whence| Call::Lseek {
        fd,
        offset: 0,
        whence,
    };
    assert_eq!(t.execute(&seek(fd, 7)), Err(Errno::INVAL));
    assert_eq!(t.execute(&seek(fd, -1)), Err(Errno::INVAL));
    assert_eq!(t.execute(&seek(99, 7)), Err(Errno::BADF));
    assert_eq!(t.execute(&seek(fd, 2)), Ok(Value::Int(0)));
    assert_eq!(t.lseek(fd, 0, Whence::Cur), Ok(0));
}

#[test]
fn pipe2_eventfd2_socketpair_raw_bits() {
    let (_sys, t) = task();
    assert_eq!(t.execute(&Call::Pipe2 { flags: 0xdead }), Err(Errno::INVAL));
    assert_eq!(
        t.execute(&Call::Eventfd2 {
            initval: 0,
            flags: 0x10
        }),
        Err(Errno::INVAL)
    );
    let pair = |ty| Call::Socketpair {
        domain: fdkit::flags::AF_UNIX,
        ty,
        protocol: 0,
    };
    assert_eq!(t.execute(&pair(1 | 0x10)), Err(Errno::INVAL));
    assert!(matches!(
        t.execute(&pair(1 | fdkit::flags::SOCK_CLOEXEC)),
        Ok(Value::Pair(_))
    ));
}

//! Model fixtures: tables and tasks filled the way the host fixtures are.
//!
//! Every descriptor in a fixture refers to one open file description, as every host
//! descriptor refers to one `/dev/null` file: duplicates, not separate opens.

use fdkit::flags::RLIMIT_NOFILE;
use fdkit::object::anon::AnonObject;
use fdkit::{Fd, FdTable, FileKind, Limits, OFlags, OpenFileDescription, RLimit, System, Task};
use std::sync::Arc;

/// The entry type of the table fixtures: what [`System`] stores.
pub type Entry = Arc<OpenFileDescription>;

/// Limits of every model fixture: soft `RLIMIT_NOFILE` = `nr_open` = 2²⁰, the most
/// the host allows.
pub const LIMITS: Limits = Limits {
    nofile: 1 << 20,
    nr_open: 1 << 20,
};

/// The descriptor the fixtures duplicate (the host's `/dev/null` lands at 3 too).
pub const BASE: Fd = Fd::new(3);

/// A fresh open file description.
pub fn entry() -> Entry {
    let object = AnonObject::new("anon_inode:[bench]", FileKind::Anon, 1);
    Arc::new(OpenFileDescription::new(Box::new(object), OFlags::RDWR))
}

/// A table with descriptors `0..n` open on one description.
pub fn dense_table(n: u32) -> FdTable<Entry> {
    let mut t = FdTable::new();
    let e = entry();
    for _ in 0..n {
        t.insert(Arc::clone(&e), false, LIMITS)
            .expect("fixture fits LIMITS");
    }
    t
}

/// A table of `u32` handle entries with descriptors `0..n` open, every entry 7.
pub fn dense_handles(n: u32) -> FdTable<u32> {
    let mut t = FdTable::new();
    for _ in 0..n {
        t.insert(7, false, LIMITS).expect("fixture fits LIMITS");
    }
    t
}

/// A system with one process whose table holds `0..n` (at least 0..=3): 0-2 on the
/// terminal, 3 a file, the rest duplicates of 3; soft and hard `RLIMIT_NOFILE` 2²⁰.
pub fn dense_task(n: u32) -> (System, Task) {
    let sys = System::new();
    let pid = sys.spawn().expect("spawn");
    let t = sys.task(pid).expect("task");
    let all = RLimit {
        cur: u64::from(LIMITS.nofile),
        max: u64::from(LIMITS.nofile),
    };
    t.setrlimit(RLIMIT_NOFILE, all).expect("root may raise");
    let fd = t
        .open("/tmp/bench", OFlags::RDWR | OFlags::CREAT, 0o644)
        .expect("open");
    assert_eq!(fd, BASE);
    for _ in 4..n {
        t.dup(BASE).expect("fixture fits LIMITS");
    }
    (sys, t)
}

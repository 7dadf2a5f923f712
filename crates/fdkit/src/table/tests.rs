//! Unit tests of the table's own rules; the conformance cases run against the full
//! system in `tests/`.

use super::*;
use alloc::vec;

fn limits(nofile: u32) -> Limits {
    Limits::new(u64::from(nofile))
}

/// A table with entries at `fds`, each entry equal to its number.
#[track_caller]
fn table(fds: &[u32]) -> FdTable<u32> {
    let mut t = FdTable::new();
    for &fd in fds {
        let (got, _) = t.dup2_seed(fd);
        assert_eq!(got, fd);
    }
    t
}

impl FdTable<u32> {
    fn dup2_seed(&mut self, fd: u32) -> (u32, Option<u32>) {
        let l = Limits::new(u64::from(u32::MAX)).with_nr_open(Limits::MAX_NR_OPEN);
        let fd = self.reserve(fd, false, l).map(|f| f.get()).unwrap_or(fd);
        let _ = self.install(Fd::new(fd), fd);
        (fd, None)
    }
}

fn fds(t: &FdTable<u32>) -> Vec<u32> {
    t.iter().map(|(fd, _, _)| fd.get()).collect()
}

// ---- allocation -------------------------------------------------------------------

#[test]
fn insert_takes_lowest_free() {
    let mut t = table(&[0, 1, 2, 4]);
    assert_eq!(t.insert(9, false, limits(1024)), Ok(Fd::new(3)));
    assert_eq!(t.insert(9, false, limits(1024)), Ok(Fd::new(5)));
    t.close(Fd::new(1)).unwrap();
    assert_eq!(t.insert(9, false, limits(1024)), Ok(Fd::new(1)));
}

#[test]
fn insert_at_limit_is_emfile() {
    let mut t = table(&[0, 1, 2]);
    assert_eq!(t.insert(9, false, limits(3)), Err(Errno::MFILE));
    assert_eq!(t.insert_from(1, 9, false, limits(4)), Ok(Fd::new(3)));
}

#[test]
fn nr_open_caps_growth_not_existing_capacity() {
    let mut t: FdTable<u32> = FdTable::new();
    let l = Limits::new(10_000).with_nr_open(100);
    // 64 slots exist; growing to 64 would need 128 slots > round_down(100, 64).
    for fd in 0..64 {
        assert_eq!(t.insert(fd, false, l), Ok(Fd::new(fd)));
    }
    assert_eq!(t.insert(64, false, l), Err(Errno::MFILE));
    // dup2 remaps the growth failure to EBADF.
    assert_eq!(t.dup2(Fd::new(0), Fd::new(70), l), Err(Errno::BADF));
    assert_eq!(t.capacity(), 64);
}

#[test]
fn capacity_grows_like_linux() {
    let mut t = table(&[0]);
    let l = limits(1 << 20);
    t.dup2(Fd::new(0), Fd::new(64), l).unwrap();
    assert_eq!(t.capacity(), 128);
    t.dup2(Fd::new(0), Fd::new(300), l).unwrap();
    assert_eq!(t.capacity(), 512);
    t.dup2(Fd::new(0), Fd::new(1_000_000), l).unwrap();
    assert_eq!(t.capacity(), 1 << 20);
    assert!(t.heap_bytes() < 16 * 1024, "{}", t.heap_bytes());
}

// ---- reservations -------------------------------------------------------------------

#[test]
fn reserved_slot_is_busy_for_dup2_and_badf_for_lookups() {
    let mut t = table(&[0, 1, 2]);
    let l = limits(1024);
    let r = t.reserve(0, false, l).unwrap();
    assert_eq!(r, Fd::new(3));
    assert_eq!(t.dup2(Fd::new(0), r, l), Err(Errno::BUSY));
    assert_eq!(t.close(r), Err(Errno::BADF));
    assert_eq!(t.fcntl_getfd(r), Err(Errno::BADF));
    assert_eq!(t.dup(r, l), Err(Errno::BADF));
    assert_eq!(
        t.insert(7, false, l),
        Ok(Fd::new(4)),
        "reserved counts as used"
    );
    let child = t.fork(Limits::DEFAULT_NR_OPEN).unwrap();
    assert!(
        !child.is_allocated(r),
        "a fork child sees a reservation free"
    );
    assert_eq!(t.install(r, 3), Ok(()));
    assert_eq!(t.get(r), Some(&3));
    assert!(!t.unreserve(Fd::new(4)));
}

#[test]
fn unreserve_frees_the_number() {
    let mut t = table(&[0, 1, 2]);
    let r = t.reserve(0, true, limits(1024)).unwrap();
    assert!(t.unreserve(r));
    assert_eq!(t.lowest_free(), r);
    assert!(!t.is_allocated(r));
}

// ---- dup family ---------------------------------------------------------------------

#[test]
fn dup2_returns_displaced_entry() {
    let mut t = table(&[0, 1, 2]);
    let (fd, old) = t.dup2(Fd::new(0), Fd::new(2), limits(1024)).unwrap();
    assert_eq!((fd, old), (Fd::new(2), Some(2)));
    assert_eq!(t.get(Fd::new(2)), Some(&0));
}

#[test]
fn dup3_check_order() {
    let mut t = table(&[0, 1, 2]);
    let l = limits(10);
    assert_eq!(t.dup3(Fd::from(-1), Fd::from(-1), 2, l), Err(Errno::INVAL));
    assert_eq!(t.dup3(Fd::new(7), Fd::new(7), 0, l), Err(Errno::INVAL));
    assert_eq!(t.dup3(Fd::new(7), Fd::new(10), 0, l), Err(Errno::BADF));
    assert_eq!(t.dup3(Fd::new(7), Fd::new(9), 0, l), Err(Errno::BADF));
}

#[test]
fn fcntl_dupfd_checks_old_before_min() {
    let mut t = table(&[0, 1, 2]);
    let l = limits(10);
    assert_eq!(t.fcntl_dupfd(Fd::new(5), u32::MAX, l), Err(Errno::BADF));
    assert_eq!(t.fcntl_dupfd(Fd::new(0), 10, l), Err(Errno::INVAL));
    assert_eq!(t.fcntl_dupfd(Fd::new(0), 9, l), Ok(Fd::new(9)));
    assert_eq!(t.fcntl_dupfd(Fd::new(0), 9, l), Err(Errno::MFILE));
}

// ---- close_range, exec, exit ---------------------------------------------------------

#[test]
fn close_range_touches_only_open_slots() {
    let mut t = table(&[0, 1, 2, 5, 100, 70_000]);
    let closed = t.close_range(3, u32::MAX, 0).unwrap();
    assert_eq!(closed, vec![5, 100, 70_000]);
    assert_eq!(fds(&t), vec![0, 1, 2]);
    assert_eq!(t.lowest_free(), Fd::new(3));
}

#[test]
fn close_range_cloexec_marks_without_closing() {
    let mut t = table(&[0, 1, 2, 5, 6]);
    t.close_range(2, 5, 4).unwrap();
    let flags: Vec<_> = t.iter().map(|(fd, _, f)| (fd.get(), f.bits())).collect();
    assert_eq!(flags, vec![(0, 0), (1, 0), (2, 1), (5, 1), (6, 0)]);
    assert_eq!(t.close_on_exec(), vec![2, 5]);
    assert_eq!(fds(&t), vec![0, 1, 6]);
}

#[test]
fn clear_returns_every_entry() {
    let mut t = table(&[0, 1, 2, 4000]);
    let mut all = t.clear();
    all.sort();
    assert_eq!(all, vec![0, 1, 2, 4000]);
    assert!(t.is_empty());
}

// ---- fork ---------------------------------------------------------------------------

#[test]
fn fork_copies_numbers_flags_and_high_descriptors() {
    let mut t = table(&[0, 1, 2, 500]);
    t.set_cloexec(Fd::new(1), true).unwrap();
    let mut child = t.fork(Limits::DEFAULT_NR_OPEN).unwrap();
    assert_eq!(fds(&child), vec![0, 1, 2, 500]);
    assert_eq!(child.fcntl_getfd(Fd::new(1)), Ok(FdFlags::CLOEXEC));
    child.close(Fd::new(500)).unwrap();
    assert!(t.get(Fd::new(500)).is_some(), "the parent keeps its copy");
}

#[test]
fn fork_fails_with_emfile_above_nr_open() {
    let mut t = table(&[0, 2000]);
    assert_eq!(t.fork(1024).err(), Some(Errno::MFILE));
    t.close(Fd::new(2000)).unwrap();
    assert!(t.fork(1024).is_ok());
}

#[test]
fn fork_with_max_copies_only_below() {
    let mut t = table(&[0, 1, 2, 3, 200, 5000]);
    let child = t.fork_with_max(3, 64).unwrap();
    // Rounded up to one 64-slot word: 0..63 copied.
    assert_eq!(fds(&child), vec![0, 1, 2, 3]);
}

#[test]
fn unshare_copy_is_sized_to_last_open_below_first() {
    let t = table(&[0, 1, 2, 63, 64, 130, 1500]);
    let max = |first, last, flags| {
        CloseRange::new(first, last, flags)
            .unwrap()
            .unshare_max_fds(&t)
    };
    // The range holds 1500: copy up to the last allocated number below `first`.
    assert_eq!(max(131, u32::MAX, 0), 131);
    assert_eq!(max(129, 1500, 0), 65);
    assert_eq!(max(64, u32::MAX, 0), 64);
    assert_eq!(max(0, u32::MAX, 0), 0);
    // It misses 1500, or CLOEXEC keeps everything: the whole table.
    assert_eq!(max(1501, u32::MAX, 0), u32::MAX);
    assert_eq!(max(3, 1499, 0), u32::MAX);
    assert_eq!(max(131, u32::MAX, 4), u32::MAX);
}

// ---- lowest-free cache ----------------------------------------------------------------

#[test]
fn lowest_free_cache_survives_full_leaves() {
    // Dense churn around leaf boundaries, where the cached lowest free number is only
    // a lower bound (its leaf filled up), checked against a brute-force scan.
    let mut t: FdTable<u32> = FdTable::new();
    let l = limits(1 << 20);
    let mut open = std::collections::BTreeSet::new();
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    for step in 0..3_000u32 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let n = (x >> 16) as u32 % 300;
        match x % 5 {
            0 | 1 => {
                let fd = t.insert(step, false, l).unwrap().get();
                assert!(open.insert(fd), "insert: got {fd}, already open");
            }
            2 => {
                let fd = t.insert_from(n, step, false, l).unwrap().get();
                assert!(open.insert(fd), "insert_from({n}): got {fd}, already open");
            }
            3 => {
                let want = if open.remove(&n) {
                    Ok(())
                } else {
                    Err(Errno::BADF)
                };
                assert_eq!(t.close(Fd::new(n)).map(drop), want, "close({n})");
            }
            _ => {
                if let Some(&old) = open.iter().next() {
                    t.dup2(Fd::new(old), Fd::new(n), l).unwrap();
                    open.insert(n);
                }
            }
        }
        let scan = |from: u32| (from..).find(|fd| !open.contains(fd)).unwrap();
        assert_eq!(t.lowest_free().get(), scan(0), "lowest_free at step {step}");
        assert_eq!(
            t.lowest_free_from(n),
            u64::from(scan(n)),
            "lowest_free_from({n})"
        );
    }
}

#[test]
fn iter_lists_exactly_the_installed_descriptors() {
    // Random tables over a few leaves (reservations, cloexec, holes, shared
    // leaves after snapshots): `iter` agrees with slot-by-slot lookups.
    let l = Limits::new(1 << 20).with_nr_open(Limits::MAX_NR_OPEN);
    let mut x: u64 = 1;
    let mut next = || {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (x >> 33) as u32
    };
    for round in 0..300 {
        let mut t: FdTable<u32> = FdTable::new();
        let mut keep = Vec::new();
        for _ in 0..(next() % 200) {
            let spread = [70, 300, 5000, 70_000][(round % 4) as usize];
            let fd = next() % spread;
            match next() % 6 {
                0 | 1 => {
                    let _ = t.insert_from(fd, fd, next() % 2 == 0, l);
                }
                2 => {
                    let _ = t.close(Fd::new(fd));
                }
                3 => {
                    let _ = t.reserve(fd, false, l);
                }
                4 => {
                    let _ = t.set_cloexec(Fd::new(fd), next() % 2 == 0);
                }
                _ => keep.push(t.snapshot()),
            }
        }
        let top = t.highest_allocated().map_or(0, |f| f.get() + 1);
        let want: Vec<(u32, u32, u32)> = (0..top)
            .filter_map(|n| {
                let fd = Fd::new(n);
                let e = *t.get(fd)?;
                Some((n, e, t.fd_flags(fd)?.bits()))
            })
            .collect();
        let got: Vec<(u32, u32, u32)> = t
            .iter()
            .map(|(fd, e, f)| (fd.get(), *e, f.bits()))
            .collect();
        assert_eq!(got, want, "round {round}");
    }
}

/// Capability rights: carried by every copy.
#[derive(Clone, Default, PartialEq, Debug)]
struct Rights(u8);
impl FdData for Rights {
    const ON_DUP: DataRule = DataRule::Copy;
    const ON_FORK: DataRule = DataRule::Copy;
}

/// A per-descriptor session: every copy starts afresh.
#[derive(Clone, Default, PartialEq, Debug)]
struct Session(u32);
impl FdData for Session {
    const ON_DUP: DataRule = DataRule::Reset;
    const ON_FORK: DataRule = DataRule::Reset;
}

/// A descriptor that may not be copied at all.
#[derive(Clone, Default, PartialEq, Debug)]
struct Pinned;
impl FdData for Pinned {
    const ON_DUP: DataRule = DataRule::Refuse(Errno::PERM);
    const ON_FORK: DataRule = DataRule::Refuse(Errno::NOMEM);
}

#[test]
fn data_copied_by_dup_and_fork() {
    let l = limits(1024);
    let mut t: FdTable<u32, Rights> = FdTable::with_data();
    let a = t.insert_with_data(0, 7, Rights(0b101), false, l).unwrap();
    let b = t.insert(8, false, l).unwrap();
    assert_eq!(t.data(b), Some(&Rights(0)));
    let d = t.dup_default(a).unwrap();
    assert_eq!(t.data(d), Some(&Rights(0b101)));
    let (d2, _) = t.dup2(a, Fd::new(40), l).unwrap();
    let (d3, _) = t.dup3(a, Fd::new(41), 0, l).unwrap();
    let d4 = t.fcntl_dupfd(a, 50, l).unwrap();
    for fd in [d2, d3, d4] {
        assert_eq!(t.data(fd), Some(&Rights(0b101)), "{fd}");
    }
    let mut child = t.fork(Limits::DEFAULT_NR_OPEN).unwrap();
    assert_eq!(child.data(a), Some(&Rights(0b101)));
    // Copy-on-write: changing the child's data leaves the parent's.
    child.data_mut(a).unwrap().0 = 1;
    assert_eq!(child.data(a), Some(&Rights(1)));
    assert_eq!(t.data(a), Some(&Rights(0b101)));
    assert_eq!(t.close_with_data(a), Ok((7, Rights(0b101))));
    assert_eq!(t.data(a), None);
    assert!(t.data_mut(a).is_none());
    assert!(t.data_mut(Fd::new(1 << 30)).is_none());
}

impl<F: Clone, D: FdData> FdTable<F, D> {
    /// `dup` with the default limits, for the tests above.
    fn dup_default(&mut self, fd: Fd) -> Result<Fd> {
        self.dup(fd, limits(1024))
    }
}

#[test]
fn data_reset_by_dup_and_fork() {
    let l = limits(1024);
    let mut t: FdTable<u32, Session> = FdTable::with_data();
    let a = t.insert(7, false, l).unwrap();
    *t.data_mut(a).unwrap() = Session(9);
    let d = t.dup_default(a).unwrap();
    assert_eq!(t.data(d), Some(&Session(0)));
    let (d2, _) = t.dup2(a, Fd::new(3), l).unwrap();
    assert_eq!(t.data(d2), Some(&Session(0)));
    // dup2(fd, fd) copies nothing and keeps the data.
    t.dup2(a, a, l).unwrap();
    assert_eq!(t.data(a), Some(&Session(9)));
    // Every descriptor of the child starts afresh; the parent keeps its own.
    let many: Vec<Fd> = (0..200).map(|_| t.insert(1, true, l).unwrap()).collect();
    for &fd in &many {
        *t.data_mut(fd).unwrap() = Session(fd.get());
    }
    let child = t.fork(Limits::DEFAULT_NR_OPEN).unwrap();
    assert_eq!(child.len(), t.len());
    assert!(child
        .iter()
        .all(|(fd, _, _)| child.data(fd) == Some(&Session(0))));
    assert_eq!(t.data(a), Some(&Session(9)));
    assert!(many
        .iter()
        .all(|&fd| t.data(fd) == Some(&Session(fd.get()))));
    // A snapshot is exact.
    let snap = t.snapshot();
    assert_eq!(snap.data(a), Some(&Session(9)));
}

#[test]
fn data_refused_after_ebadf() {
    let l = limits(1024);
    let mut t: FdTable<u32, Pinned> = FdTable::with_data();
    assert!(
        t.fork(Limits::DEFAULT_NR_OPEN).is_ok(),
        "nothing to inherit"
    );
    let a = t.insert(7, false, l).unwrap();
    let free = Fd::new(9);
    // Linux's own checks come first.
    assert_eq!(t.dup(free, l), Err(Errno::BADF));
    assert_eq!(t.dup2(a, Fd::new(5000), l).err(), Some(Errno::BADF));
    assert_eq!(t.dup3(a, a, 0, l).err(), Some(Errno::INVAL));
    // Then the refusal, with nothing changed.
    assert_eq!(t.dup(a, l), Err(Errno::PERM));
    assert_eq!(t.dup2(a, Fd::new(5), l).err(), Some(Errno::PERM));
    assert_eq!(t.dup3(a, Fd::new(5), 0, l).err(), Some(Errno::PERM));
    assert_eq!(t.fcntl_dupfd(a, 5, l), Err(Errno::PERM));
    assert_eq!(t.fcntl_dupfd(a, 5000, l), Err(Errno::PERM));
    assert_eq!(t.len(), 1);
    assert_eq!(t.lowest_free(), Fd::new(1));
    assert_eq!(t.fork(Limits::DEFAULT_NR_OPEN).err(), Some(Errno::NOMEM));
    // dup2(fd, fd) copies nothing: allowed.
    assert_eq!(t.dup2(a, a, l).map(|(fd, _)| fd), Ok(a));
}

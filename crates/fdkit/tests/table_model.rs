//! Property test: `FdTable` against a naive reference table that states Linux's rules
//! directly (a sorted map scanned linearly), over random operation sequences with
//! numbers around the radix tree's word and level boundaries and at the top of the
//! number space.
//!
//! Set `FDKIT_PROPTEST_CASES` for a longer run.

use fdkit::{Errno, Fd, FdTable, Limits};
use proptest::prelude::*;
use std::collections::BTreeMap;

/// What Linux's table holds, stated the simple way.
#[derive(Clone, Debug, Default)]
struct Reference {
    /// fd → (entry, cloexec)
    installed: BTreeMap<u32, (u32, bool)>,
    /// fd → cloexec
    reserved: BTreeMap<u32, bool>,
    capacity: u32,
}

fn grown_capacity(slots_wanted: u64, nr_open: u32) -> Result<u32, Errno> {
    let mut nr = ((slots_wanted / 128) + 1).next_power_of_two() * 128;
    if nr > u64::from(nr_open) {
        nr = u64::from(nr_open & !63);
        if nr < slots_wanted {
            return Err(Errno::MFILE);
        }
    }
    Ok(nr.min(u64::from(u32::MAX)) as u32)
}

impl Reference {
    fn new() -> Self {
        Reference {
            capacity: 64,
            ..Default::default()
        }
    }

    fn allocated(&self, fd: u32) -> bool {
        self.installed.contains_key(&fd) || self.reserved.contains_key(&fd)
    }

    fn lowest_free(&self, start: u32) -> u64 {
        let mut fd = u64::from(start);
        while fd <= u64::from(u32::MAX) && self.allocated(fd as u32) {
            fd += 1;
        }
        fd
    }

    fn expand(&mut self, fd: u32, nr_open: u32) -> Result<(), Errno> {
        if fd < self.capacity {
            return Ok(());
        }
        if fd >= nr_open {
            return Err(Errno::MFILE);
        }
        let grown = grown_capacity(u64::from(fd) + 1, nr_open)?;
        if grown <= fd {
            return Err(Errno::MFILE);
        }
        self.capacity = grown;
        Ok(())
    }

    fn alloc(&mut self, start: u32, l: Limits) -> Result<u32, Errno> {
        let fd = self.lowest_free(start);
        if fd >= u64::from(l.nofile) {
            return Err(Errno::MFILE);
        }
        let fd = fd as u32;
        self.expand(fd, l.nr_open)?;
        Ok(fd)
    }

    fn insert_from(&mut self, start: u32, e: u32, cloexec: bool, l: Limits) -> Result<u32, Errno> {
        let fd = self.alloc(start, l)?;
        self.installed.insert(fd, (e, cloexec));
        Ok(fd)
    }

    fn reserve(&mut self, start: u32, cloexec: bool, l: Limits) -> Result<u32, Errno> {
        let fd = self.alloc(start, l)?;
        self.reserved.insert(fd, cloexec);
        Ok(fd)
    }

    fn dup2(
        &mut self,
        old: u32,
        new: u32,
        flags: Option<u32>,
        l: Limits,
    ) -> Result<(u32, Option<u32>), Errno> {
        if let Some(f) = flags {
            if f & !0o2000000 != 0 {
                return Err(Errno::INVAL);
            }
            if old == new {
                return Err(Errno::INVAL);
            }
        } else if old == new {
            return match self.installed.get(&old) {
                Some(_) => Ok((new, None)),
                None => Err(Errno::BADF),
            };
        }
        if new >= l.nofile {
            return Err(Errno::BADF);
        }
        let grown = self.expand(new, l.nr_open);
        let (e, _) = *self.installed.get(&old).ok_or(Errno::BADF)?;
        grown.map_err(|_| Errno::BADF)?;
        if self.reserved.contains_key(&new) {
            return Err(Errno::BUSY);
        }
        let cloexec = flags.is_some_and(|f| f != 0);
        let old_entry = self.installed.insert(new, (e, cloexec)).map(|(e, _)| e);
        Ok((new, old_entry))
    }

    fn dupfd(&mut self, old: u32, min: u32, cloexec: bool, l: Limits) -> Result<u32, Errno> {
        let (e, _) = *self.installed.get(&old).ok_or(Errno::BADF)?;
        if min >= l.nofile {
            return Err(Errno::INVAL);
        }
        self.insert_from(min, e, cloexec, l)
    }

    fn close_range(&mut self, first: u32, last: u32, flags: u32) -> Result<Vec<u32>, Errno> {
        if flags & !6 != 0 || first > last {
            return Err(Errno::INVAL);
        }
        if flags & 4 != 0 {
            for (_, v) in self.installed.range_mut(first..=last) {
                v.1 = true;
            }
            for (_, v) in self.reserved.range_mut(first..=last) {
                *v = true;
            }
            return Ok(vec![]);
        }
        let fds: Vec<u32> = self
            .installed
            .range(first..=last)
            .map(|(k, _)| *k)
            .collect();
        Ok(fds
            .into_iter()
            .map(|fd| self.installed.remove(&fd).unwrap().0)
            .collect())
    }

    fn close_on_exec(&mut self) -> Vec<u32> {
        let fds: Vec<u32> = self
            .installed
            .iter()
            .filter(|(_, v)| v.1)
            .map(|(k, _)| *k)
            .collect();
        fds.into_iter()
            .map(|fd| self.installed.remove(&fd).unwrap().0)
            .collect()
    }

    fn fork(&self, nr_open: u32) -> Result<Reference, Errno> {
        let last = self
            .installed
            .keys()
            .chain(self.reserved.keys())
            .max()
            .copied();
        let open_files = last.map_or(64, |l| (u64::from(l) / 64 + 1) * 64);
        let capacity = if open_files > 64 {
            let g = grown_capacity(open_files, nr_open)?;
            if u64::from(g) < open_files {
                return Err(Errno::MFILE);
            }
            g
        } else {
            64
        };
        Ok(Reference {
            installed: self.installed.clone(),
            reserved: BTreeMap::new(),
            capacity,
        })
    }
}

#[derive(Clone, Debug)]
enum Op {
    Insert { start: u32, cloexec: bool },
    Reserve { start: u32, cloexec: bool },
    Install { which: usize },
    Unreserve { which: usize },
    Dup { old: u32 },
    Dup2 { old: u32, new: u32 },
    Dup3 { old: u32, new: u32, flags: u32 },
    DupFd { old: u32, min: u32, cloexec: bool },
    SetFd { fd: u32, arg: u64 },
    Close { fd: u32 },
    CloseRange { first: u32, last: u32, flags: u32 },
    Exec,
    Fork { continue_in_child: bool },
    Limits { nofile: u32, nr_open: u32 },
}

fn number() -> impl Strategy<Value = u32> {
    prop_oneof![
        6 => 0u32..80,
        2 => 60u32..70,
        2 => 4090u32..4100,
        1 => 262_140u32..262_150,
        1 => Just(1_000_000u32),
        1 => Just(i32::MAX as u32),
        1 => Just(u32::MAX),
        1 => Just(1023u32),
        1 => Just(1024u32),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        8 => (number(), any::<bool>()).prop_map(|(start, cloexec)| Op::Insert { start, cloexec }),
        1 => (number(), any::<bool>()).prop_map(|(start, cloexec)| Op::Reserve { start, cloexec }),
        1 => any::<usize>().prop_map(|which| Op::Install { which }),
        1 => any::<usize>().prop_map(|which| Op::Unreserve { which }),
        4 => number().prop_map(|old| Op::Dup { old }),
        4 => (number(), number()).prop_map(|(old, new)| Op::Dup2 { old, new }),
        2 => (number(), number(), prop_oneof![Just(0u32), Just(0o2000000), Just(1), any::<u32>()])
            .prop_map(|(old, new, flags)| Op::Dup3 { old, new, flags }),
        3 => (number(), number(), any::<bool>()).prop_map(|(old, min, cloexec)| Op::DupFd { old, min, cloexec }),
        2 => (number(), any::<u64>()).prop_map(|(fd, arg)| Op::SetFd { fd, arg }),
        6 => number().prop_map(|fd| Op::Close { fd }),
        2 => (number(), number(), prop_oneof![Just(0u32), Just(2), Just(4), Just(6), Just(1), Just(8)])
            .prop_map(|(first, last, flags)| Op::CloseRange { first, last, flags }),
        1 => Just(Op::Exec),
        1 => any::<bool>().prop_map(|continue_in_child| Op::Fork { continue_in_child }),
        1 => (prop_oneof![Just(3u32), Just(64), Just(100), Just(1024), Just(u32::MAX)],
              prop_oneof![Just(64u32), Just(100), Just(128), Just(4096), Just(1 << 20), Just(Limits::MAX_NR_OPEN)])
            .prop_map(|(nofile, nr_open)| Op::Limits { nofile, nr_open }),
    ]
}

fn check_same(t: &FdTable<u32>, r: &Reference) -> Result<(), TestCaseError> {
    let got: Vec<(u32, u32, bool)> = t
        .iter()
        .map(|(fd, e, f)| (fd.get(), *e, f.bits() == 1))
        .collect();
    let want: Vec<(u32, u32, bool)> = r
        .installed
        .iter()
        .map(|(fd, (e, c))| (*fd, *e, *c))
        .collect();
    prop_assert_eq!(&got, &want, "installed descriptors");
    let mut reserved: Vec<u32> = t.reserved().to_vec();
    reserved.sort();
    let want_reserved: Vec<u32> = r.reserved.keys().copied().collect();
    prop_assert_eq!(reserved, want_reserved, "reservations");
    prop_assert_eq!(t.capacity(), r.capacity, "capacity");
    prop_assert_eq!(t.len(), r.installed.len());
    prop_assert_eq!(
        u64::from(t.lowest_free().get()),
        r.lowest_free(0),
        "lowest free"
    );
    let highest = r.installed.keys().chain(r.reserved.keys()).max().copied();
    prop_assert_eq!(t.highest_allocated().map(Fd::get), highest);
    for fd in r.installed.keys().take(8) {
        prop_assert_eq!(
            t.lowest_free_from(*fd),
            r.lowest_free(*fd),
            "lowest free from {}",
            fd
        );
    }
    Ok(())
}

fn run(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let mut t: FdTable<u32> = FdTable::new();
    let mut r = Reference::new();
    let mut l = Limits::new(1024);
    let mut next_entry = 0u32;
    for op in ops {
        match op {
            Op::Insert { start, cloexec } => {
                next_entry += 1;
                let got = t.insert_from(start, next_entry, cloexec, l).map(Fd::get);
                let want = r.insert_from(start, next_entry, cloexec, l);
                prop_assert_eq!(got, want, "insert_from({})", start);
            }
            Op::Reserve { start, cloexec } => {
                let got = t.reserve(start, cloexec, l).map(Fd::get);
                let want = r.reserve(start, cloexec, l);
                prop_assert_eq!(got, want, "reserve({})", start);
            }
            Op::Install { which } => {
                if let Some((&fd, &cloexec)) =
                    r.reserved.iter().nth(which % r.reserved.len().max(1))
                {
                    next_entry += 1;
                    prop_assert!(t.install(Fd::new(fd), next_entry).is_ok());
                    r.reserved.remove(&fd);
                    r.installed.insert(fd, (next_entry, cloexec));
                }
            }
            Op::Unreserve { which } => {
                if let Some(&fd) = r.reserved.keys().nth(which % r.reserved.len().max(1)) {
                    prop_assert!(t.unreserve(Fd::new(fd)));
                    r.reserved.remove(&fd);
                }
            }
            Op::Dup { old } => {
                let got = t.dup(Fd::new(old), l).map(Fd::get);
                let want = r.dupfd(old, 0, false, l).map_err(|e| {
                    if e == Errno::INVAL {
                        Errno::MFILE
                    } else {
                        e
                    }
                });
                prop_assert_eq!(got, want, "dup({})", old);
            }
            Op::Dup2 { old, new } => {
                let got = t
                    .dup2(Fd::new(old), Fd::new(new), l)
                    .map(|(fd, d)| (fd.get(), d));
                let want = r.dup2(old, new, None, l);
                prop_assert_eq!(got, want, "dup2({}, {})", old, new);
            }
            Op::Dup3 { old, new, flags } => {
                let got = t
                    .dup3(Fd::new(old), Fd::new(new), flags, l)
                    .map(|(fd, d)| (fd.get(), d));
                let want = r.dup2(old, new, Some(flags), l);
                prop_assert_eq!(got, want, "dup3({}, {}, {:#o})", old, new, flags);
            }
            Op::DupFd { old, min, cloexec } => {
                let got = if cloexec {
                    t.fcntl_dupfd_cloexec(Fd::new(old), min, l)
                } else {
                    t.fcntl_dupfd(Fd::new(old), min, l)
                }
                .map(Fd::get);
                let want = r.dupfd(old, min, cloexec, l);
                prop_assert_eq!(got, want, "F_DUPFD({}, {})", old, min);
            }
            Op::SetFd { fd, arg } => {
                let got = t.fcntl_setfd(Fd::new(fd), arg);
                let want = match r.installed.get_mut(&fd) {
                    Some(v) => {
                        v.1 = arg & 1 == 1;
                        Ok(())
                    }
                    None => Err(Errno::BADF),
                };
                prop_assert_eq!(got, want, "F_SETFD({}, {:#x})", fd, arg);
            }
            Op::Close { fd } => {
                let got = t.close(Fd::new(fd));
                let want = r.installed.remove(&fd).map(|(e, _)| e).ok_or(Errno::BADF);
                prop_assert_eq!(got, want, "close({})", fd);
            }
            Op::CloseRange { first, last, flags } => {
                let got = t.close_range(first, last, flags);
                let want = r.close_range(first, last, flags);
                prop_assert_eq!(got, want, "close_range({}, {}, {})", first, last, flags);
            }
            Op::Exec => {
                prop_assert_eq!(t.close_on_exec(), r.close_on_exec(), "exec sweep");
            }
            Op::Fork { continue_in_child } => {
                let got = t.fork(l.nr_open);
                let want = r.fork(l.nr_open);
                match (got, want) {
                    (Ok(child), Ok(rchild)) => {
                        check_same(&child, &rchild)?;
                        if continue_in_child {
                            t = child;
                            r = rchild;
                        }
                    }
                    (Err(a), Err(b)) => prop_assert_eq!(a, b),
                    (a, b) => prop_assert!(false, "fork: got {:?}, want {:?}", a.err(), b.err()),
                }
            }
            Op::Limits { nofile, nr_open } => {
                l = Limits { nofile, nr_open };
            }
        }
        check_same(&t, &r)?;
    }
    Ok(())
}

fn cases() -> u32 {
    std::env::var("FDKIT_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    /// Every table operation gives the same result and leaves the same state as the
    /// naive reference (lowest-free rule, no double allocation, check orders,
    /// capacity, reservations, close-on-exec never shared between duplicates).
    #[test]
    fn table_matches_reference(ops in proptest::collection::vec(op(), 1..120)) {
        run(ops)?;
    }
}

/// A table holding a million descriptors with one hole far below the start of a
/// search answers without scanning (the radix tree's summaries), and stays compact.
#[test]
fn million_descriptors_one_far_hole() {
    let entry = std::sync::Arc::new(());
    let mut t: FdTable<std::sync::Arc<()>> = FdTable::new();
    let l = Limits::new(2_000_000).with_nr_open(2_000_000);
    for _ in 0..1_000_000 {
        t.insert(entry.clone(), false, l).unwrap();
    }
    t.close(Fd::new(10)).unwrap();
    assert_eq!(t.lowest_free(), Fd::new(10));
    assert_eq!(t.lowest_free_from(11), 1_000_000);
    assert_eq!(
        t.fcntl_dupfd(Fd::new(0), 500_000, l),
        Ok(Fd::new(1_000_000))
    );
    let per_fd = t.heap_bytes() as f64 / t.len() as f64;
    assert!(per_fd <= 16.0, "{per_fd} bytes per descriptor");
}

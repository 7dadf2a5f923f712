//! Property test: over random call sequences in several processes and threads, an open
//! file description is released exactly once, exactly when no descriptor in any
//! table refers to it any more (fork with copy-on-write tables, CLONE_FILES sharing,
//! unshare, close_range with and without CLOSE_RANGE_UNSHARE, exec — from the
//! leader and from another thread, of a process whose table a CLONE_FILES process
//! shares —, exit, dup2 replacement); status flags are always shared by every
//! descriptor of a description; close-on-exec never is.
//!
//! "Exactly when" is checked per call: the descriptions released during a call are
//! exactly those some table referred to before it and none after it (plus any the
//! call made and dropped itself), so no release comes early or late.
//!
//! Below the property, tests with OS threads: a call blocked in a read holds its
//! description (Linux `fdget` … `fdput`) past a close of the descriptor and past
//! an exit of the process, and the description is released when the read returns.
//!
//! Set `FDKIT_PROPTEST_CASES` for a longer run.

// Needs the whole system (feature `std`); `--no-default-features` skips it.
#![cfg(feature = "std")]

use fdkit::flags::fcntl_cmd::F_SETFL;
use fdkit::{
    CloneFlags, CloseRangeFlags, DupFlags, Fd, FdFlags, OFlags, Pid, Released, SockFlags, System,
};
use proptest::prelude::*;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};

#[derive(Clone, Debug)]
enum Op {
    Open { path: u8, flags: u32 },
    Dup { fd: i32 },
    Dup2 { old: i32, new: i32 },
    Dup3 { old: i32, new: i32, cloexec: bool },
    DupFd { fd: i32, min: u64, cloexec: bool },
    Close { fd: i32 },
    CloseRange { first: u32, last: u32, flags: u32 },
    Pipe { flags: u32 },
    SocketPair,
    SetFd { fd: i32, arg: u64 },
    SetFl { fd: i32, arg: u64 },
    Fork,
    CloneFiles,
    Thread,
    Unshare,
    Exec,
    ExecFromThread,
    Exit,
    ExitThread,
    Wait,
}

fn fd() -> impl Strategy<Value = i32> {
    prop_oneof![8 => 0i32..12, 1 => Just(-1), 1 => 60i32..70]
}

fn op() -> impl Strategy<Value = (u8, Op)> {
    let op = prop_oneof![
        4 => (0u8..3, prop_oneof![Just(0o2u32), Just(0o2000002), Just(0o102), Just(0o4001)])
            .prop_map(|(path, flags)| Op::Open { path, flags }),
        3 => fd().prop_map(|fd| Op::Dup { fd }),
        3 => (fd(), fd()).prop_map(|(old, new)| Op::Dup2 { old, new }),
        2 => (fd(), fd(), any::<bool>()).prop_map(|(old, new, cloexec)| Op::Dup3 { old, new, cloexec }),
        2 => (fd(), 0u64..70, any::<bool>()).prop_map(|(fd, min, cloexec)| Op::DupFd { fd, min, cloexec }),
        4 => fd().prop_map(|fd| Op::Close { fd }),
        1 => (0u32..12, prop_oneof![Just(5u32), Just(12), Just(u32::MAX)], prop_oneof![Just(0u32), Just(2), Just(4), Just(6)])
            .prop_map(|(first, last, flags)| Op::CloseRange { first, last, flags }),
        2 => prop_oneof![Just(0u32), Just(0o2000000), Just(0o4000)].prop_map(|flags| Op::Pipe { flags }),
        1 => Just(Op::SocketPair),
        2 => (fd(), any::<u64>()).prop_map(|(fd, arg)| Op::SetFd { fd, arg }),
        2 => (fd(), prop_oneof![Just(0u64), Just(0o2000), Just(0o4000), Just(0o6002)]).prop_map(|(fd, arg)| Op::SetFl { fd, arg }),
        2 => Just(Op::Fork),
        1 => Just(Op::CloneFiles),
        1 => Just(Op::Thread),
        1 => Just(Op::Unshare),
        1 => Just(Op::Exec),
        1 => Just(Op::ExecFromThread),
        1 => Just(Op::Exit),
        1 => Just(Op::ExitThread),
        1 => Just(Op::Wait),
    ];
    (any::<u8>(), op)
}

struct World {
    sys: System,
    released: Arc<Mutex<Vec<u64>>>,
    seen: HashSet<u64>,
}

impl World {
    fn new() -> World {
        let sys = System::new();
        let released = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&released);
        sys.set_release_hook(Some(Arc::new(move |r: &Released| {
            sink.lock().unwrap().push(r.id);
        })));
        sys.spawn().unwrap();
        World {
            sys,
            released,
            seen: HashSet::new(),
        }
    }

    fn live_tids(&self) -> Vec<Pid> {
        let mut tids = Vec::new();
        for pid in self.sys.pids() {
            if let Ok(threads) = self.sys.threads(pid) {
                tids.extend(threads);
            }
        }
        tids
    }

    /// description id → fds (tid, fd, cloexec, flags) referring to it.
    fn reachable(&self) -> BTreeMap<u64, Vec<(Pid, Fd, bool, u32)>> {
        let mut map: BTreeMap<u64, Vec<_>> = BTreeMap::new();
        for tid in self.live_tids() {
            let Ok(task) = self.sys.task(tid) else {
                continue;
            };
            for e in task.fd_listing().unwrap().entries {
                map.entry(e.description)
                    .or_default()
                    .push((tid, e.fd, e.cloexec, e.flags.bits()));
            }
        }
        map
    }

    fn check(&mut self) -> Result<(), TestCaseError> {
        let reachable = self.reachable();
        let released = self.released.lock().unwrap().clone();
        let mut counts: HashMap<u64, usize> = HashMap::new();
        for id in &released {
            *counts.entry(*id).or_default() += 1;
        }
        for (id, n) in &counts {
            prop_assert_eq!(*n, 1, "description {} released {} times", id, n);
            prop_assert!(
                !reachable.contains_key(id),
                "description {} released while reachable",
                id
            );
        }
        for (id, users) in &reachable {
            self.seen.insert(*id);
            let flags: HashSet<u32> = users.iter().map(|u| u.3).collect();
            prop_assert_eq!(
                flags.len(),
                1,
                "status flags differ within description {}: {:?}",
                id,
                users
            );
        }
        for id in &self.seen {
            if !reachable.contains_key(id) {
                prop_assert!(
                    counts.contains_key(id),
                    "description {} unreachable but not released",
                    id
                );
            }
        }
        Ok(())
    }
}

impl World {
    /// The releases since `released_before` are exactly the descriptions reachable
    /// in `before` and not now, plus descriptions never reachable (made and
    /// dropped within the call).
    fn check_moment(
        &self,
        before: &BTreeMap<u64, Vec<(Pid, Fd, bool, u32)>>,
        released_before: usize,
    ) -> Result<(), TestCaseError> {
        let after = self.reachable();
        let during: HashSet<u64> = self.released.lock().unwrap()[released_before..]
            .iter()
            .copied()
            .collect();
        for id in before.keys() {
            if !after.contains_key(id) {
                prop_assert!(
                    during.contains(id),
                    "description {} lost its last descriptor but was not released",
                    id
                );
            }
        }
        for id in &during {
            prop_assert!(
                !before.contains_key(id) || !after.contains_key(id),
                "description {} released while still referred to",
                id
            );
            if !before.contains_key(id) {
                prop_assert!(
                    !self.seen.contains(id),
                    "description {} released now, but unreachable already before",
                    id
                );
            }
        }
        Ok(())
    }
}

fn run(ops: Vec<(u8, Op)>) -> Result<(), TestCaseError> {
    let mut w = World::new();
    for (who, op) in ops {
        let tids = w.live_tids();
        if tids.is_empty() {
            break;
        }
        let tid = tids[who as usize % tids.len()];
        let t = w.sys.task(tid).unwrap();
        let before = w.reachable();
        let released_before = w.released.lock().unwrap().len();
        match &op {
            Op::Open { path, flags } => {
                let _ = t.open(
                    &format!("/tmp/f{path}"),
                    OFlags::from_raw(*flags) | OFlags::CREAT,
                    0o644,
                );
            }
            Op::Dup { fd } => ignore(t.dup(*fd)),
            Op::Dup2 { old, new } => ignore(t.dup2(*old, *new)),
            Op::Dup3 { old, new, cloexec } => {
                ignore(t.dup3(
                    *old,
                    *new,
                    DupFlags::from_bits_retain(if *cloexec { 0o2000000 } else { 0 }),
                ));
            }
            Op::DupFd { fd, min, cloexec } => drop(if *cloexec {
                t.fcntl_dupfd_cloexec(*fd, *min)
            } else {
                t.fcntl_dupfd(*fd, *min)
            }),
            Op::Close { fd } => ignore(t.close(*fd)),
            Op::CloseRange { first, last, flags } => {
                ignore(t.close_range(*first, *last, CloseRangeFlags::from_bits_retain(*flags)))
            }
            Op::Pipe { flags } => ignore(t.pipe2(OFlags::from_bits_retain(*flags))),
            Op::SocketPair => ignore(t.socketpair(1, 1, SockFlags::empty(), 0)),
            Op::SetFd { fd, arg } => {
                if t.fcntl_setfd(*fd, FdFlags::from_bits_retain(*arg as u32))
                    .is_ok()
                {
                    // Only this descriptor's flag changed.
                    let after = w.reachable();
                    for (id, users) in &before {
                        for u in users {
                            let now = after[id].iter().find(|v| v.0 == u.0 && v.1 == u.1).unwrap();
                            let target =
                                w.sys.shares_table(u.0, tid).unwrap() && u.1 == Fd::from(*fd);
                            if target {
                                prop_assert_eq!(now.2, arg & 1 == 1);
                            } else {
                                prop_assert_eq!(now.2, u.2, "close-on-exec leaked to {:?}", u);
                            }
                        }
                    }
                }
            }
            Op::SetFl { fd, arg } => ignore(t.fcntl(*fd, F_SETFL, *arg)),
            Op::Fork => ignore(t.fork()),
            Op::CloneFiles => ignore(t.clone_task(CloneFlags::FILES, None)),
            Op::Thread => ignore(t.clone_task(
                CloneFlags::THREAD | CloneFlags::SIGHAND | CloneFlags::VM | CloneFlags::FILES,
                None,
            )),
            Op::Unshare => ignore(t.unshare(CloneFlags::FILES)),
            Op::Exec => ignore(t.execve()),
            Op::ExecFromThread => {
                // A new thread of the caller's process execs: it takes the pid,
                // the other threads end, its (maybe CLONE_FILES-shared) table is
                // unshared and swept.
                let flags =
                    CloneFlags::THREAD | CloneFlags::SIGHAND | CloneFlags::VM | CloneFlags::FILES;
                if let Ok((thread, _)) = t.clone_task(flags, None) {
                    let thread = w.sys.task(thread).unwrap();
                    let after = thread.execve().unwrap();
                    prop_assert_eq!(after.tid(), t.pid());
                }
            }
            Op::Exit => t.exit_group(0),
            Op::ExitThread => t.exit(0),
            Op::Wait => ignore(t.wait4(-1, true)),
        }
        w.check()
            .map_err(|e| TestCaseError::fail(format!("after {op:?} by {tid}: {e}")))?;
        w.check_moment(&before, released_before)
            .map_err(|e| TestCaseError::fail(format!("during {op:?} by {tid}: {e}")))?;
    }
    // Everything ends: every description ever seen is released exactly once.
    for tid in w.live_tids() {
        if let Ok(t) = w.sys.task(tid) {
            t.exit_group(0);
        }
    }
    w.check()?;
    prop_assert!(w.reachable().is_empty());
    Ok(())
}

fn cases() -> u32 {
    std::env::var("FDKIT_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn descriptions_released_exactly_at_last_close(ops in proptest::collection::vec(op(), 1..60)) {
        run(ops)?;
    }
}

/// Discards a call's result: the property is checked on the state, not the return.
fn ignore<T>(_: T) {}

// ---- a blocked call holds its description -----------------------------------------

mod blocked {
    use fdkit::{CloneFlags, Errno, Fd, Released, System, Task};
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};
    use std::thread;
    use std::time::Duration;

    type Counts = Arc<Mutex<HashMap<u64, usize>>>;

    /// A process with a pipe, a second thread, and a counting hook.
    fn setup() -> (System, Task, Task, [Fd; 2], Counts) {
        let sys = System::new();
        let counts: Counts = Arc::default();
        let sink = Arc::clone(&counts);
        sys.set_release_hook(Some(Arc::new(move |r: &Released| {
            *sink.lock().unwrap().entry(r.id).or_default() += 1;
        })));
        let main = sys.task(sys.spawn().unwrap()).unwrap();
        let fds = main.pipe().unwrap();
        let flags = CloneFlags::THREAD | CloneFlags::SIGHAND | CloneFlags::VM | CloneFlags::FILES;
        let (tid, _) = main.clone_task(flags, None).unwrap();
        let reader = sys.task(tid).unwrap();
        (sys, main, reader, fds, counts)
    }

    fn released(counts: &Counts, id: u64) -> usize {
        counts.lock().unwrap().get(&id).copied().unwrap_or(0)
    }

    /// close() of the only descriptor while a read is blocked on it releases
    /// nothing; the read goes on with its reference, gets data written later, and
    /// the description is released as the read returns.
    #[test]
    fn close_during_a_blocked_read_releases_when_the_read_returns() {
        let (_sys, main, reader, [r, w], counts) = setup();
        let id = main.file(r).unwrap().id();
        thread::scope(|s| {
            let h = s.spawn(|| reader.read(r, &mut [0u8; 8]));
            thread::sleep(Duration::from_millis(50));
            main.close(r).unwrap();
            let at_close = released(&counts, id);
            thread::sleep(Duration::from_millis(20));
            let while_blocked = released(&counts, id);
            main.write(w, b"late").unwrap();
            let got = h.join().unwrap();
            if got == Err(Errno::BADF) {
                // The reader had not started when the number went: released at close.
                assert_eq!(at_close, 1);
            } else {
                assert_eq!(got, Ok(4), "the read used the description it held");
                assert_eq!(at_close, 0, "released while a read held it");
                assert_eq!(while_blocked, 0);
            }
        });
        assert_eq!(
            released(&counts, id),
            1,
            "released once, by the time the read returned"
        );
    }

    /// An interrupted blocked read returns EINTR and only then drops the
    /// description whose last descriptor was closed meanwhile.
    #[test]
    fn interrupted_read_releases_on_return() {
        let (sys, main, reader, [r, _w], counts) = setup();
        let id = main.file(r).unwrap().id();
        thread::scope(|s| {
            let h = s.spawn(|| reader.read(r, &mut [0u8; 8]));
            thread::sleep(Duration::from_millis(50));
            main.close(r).unwrap();
            let at_close = released(&counts, id);
            let was_blocked = sys.interrupt(reader.tid()).unwrap();
            let got = h.join().unwrap();
            if was_blocked {
                assert_eq!(at_close, 0, "released while a blocked read held it");
                assert_eq!(got, Err(Errno::INTR));
            } else {
                // Not yet blocked: no number any more (EBADF), or the pending
                // interrupt stops the wait (EINTR).
                assert!(
                    matches!(got, Err(Errno::BADF) | Err(Errno::INTR)),
                    "{got:?}"
                );
            }
        });
        assert_eq!(released(&counts, id), 1);
    }

    /// exit_group while a thread is blocked: the tables are closed at once, the
    /// read end (held by the read) is released when the woken read returns.
    #[test]
    fn exit_during_a_blocked_read_releases_each_description_once() {
        let (_sys, main, reader, [r, w], counts) = setup();
        let (rid, wid) = (main.file(r).unwrap().id(), main.file(w).unwrap().id());
        thread::scope(|s| {
            let h = s.spawn(|| reader.read(r, &mut [0u8; 8]));
            thread::sleep(Duration::from_millis(50));
            main.exit_group(0);
            assert_eq!(released(&counts, wid), 1, "the write end, at exit");
            let got = h.join().unwrap();
            assert!(
                matches!(got, Err(Errno::INTR) | Err(Errno::SRCH) | Ok(0)),
                "{got:?}"
            );
        });
        assert_eq!(released(&counts, rid), 1);
        assert_eq!(released(&counts, wid), 1);
    }
}

//! Model checking of the shared-table operations with shuttle: the fdkit source
//! built with shuttle's locks (`crate::sync` under `_shuttle`), OS threads making
//! calls as model threads of one process or as `CLONE_FILES` processes, and
//! shuttle's random and PCT schedulers choosing the interleaving at every lock,
//! wait and atomic access.
//!
//! Each test states its race. After every explored schedule:
//! - no number is handed to two holders at once, and a number a thread holds
//!   still refers to its own description (no description replaced under it);
//! - no description is released while a descriptor refers to it (the release
//!   hook's record is compared with every table);
//! - when everything has exited, every description opened is released exactly
//!   once (counted by the hook, by its unique path).
//!
//! The lookups that skip a shared table's mutex (`F_GETFD`, `file`: a per-task
//! cache checked against the table's version, an atomic shuttle sees) have their
//! own tests: answers must be linearizable — each one a state of the table, never
//! older than an earlier answer nor than a write that returned before the lookup
//! began — and a cached description must not outlive its last descriptor.
//!
//! `FDKIT_SHUTTLE_ITERATIONS` sets the schedules per scheduler and test (default
//! 300: the whole file runs in a few seconds); `cargo test -p fdkit-shuttle --
//! --ignored` runs the long version (20,000 each).

use fdkit_shuttle::{
    CloneFlags, CloseRangeFlags, DupFlags, Errno, Fd, FdFlags, OFlags, Pid, Released, System, Task,
};
use shuttle::scheduler::{PctScheduler, RandomScheduler};
use shuttle::{thread, Config, Runner};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex as StdMutex};

// ---- exploring -------------------------------------------------------------------

fn iterations() -> usize {
    std::env::var("FDKIT_SHUTTLE_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300)
}

/// Runs `test` under the random scheduler, then under PCT (bug depth 3), for
/// `iterations` schedules each.
fn explore(iterations: usize, test: fn()) {
    let mut config = Config::new();
    config.silence_warnings = true;
    Runner::new(RandomScheduler::new(iterations), config.clone()).run(test);
    Runner::new(PctScheduler::new(3, iterations), config).run(test);
}

/// Declares a test at the default count and its long `#[ignore]`d twin.
macro_rules! checked {
    ($name:ident, $long:ident, $body:expr) => {
        #[test]
        fn $name() {
            explore(iterations(), $body);
        }
        #[test]
        #[ignore = "long: 20,000 schedules per scheduler"]
        fn $long() {
            explore(20_000, $body);
        }
    };
}

// ---- the world and its checks ----------------------------------------------------

fn thread_flags() -> CloneFlags {
    CloneFlags::THREAD | CloneFlags::SIGHAND | CloneFlags::VM | CloneFlags::FILES
}

struct World {
    sys: System,
    /// Release counts by link text (every file a test opens has its own path).
    released: Arc<StdMutex<HashMap<String, usize>>>,
}

impl World {
    /// A system with one process (pid 100) and the counting release hook.
    fn new() -> (World, Task) {
        let sys = System::new();
        let released: Arc<StdMutex<HashMap<String, usize>>> = Arc::default();
        let sink = Arc::clone(&released);
        sys.set_release_hook(Some(Arc::new(move |r: &Released| {
            let mut counts = sink.lock().unwrap_or_else(|e| e.into_inner());
            *counts.entry(r.link.clone()).or_default() += 1;
        })));
        let pid = sys.spawn().unwrap();
        let main = sys.task(pid).unwrap();
        (World { sys, released }, main)
    }

    fn thread_of(&self, t: &Task) -> Task {
        let (tid, _) = t.clone_task(thread_flags(), None).unwrap();
        self.sys.task(tid).unwrap()
    }

    fn released(&self, link: &str) -> usize {
        self.released
            .lock()
            .unwrap()
            .get(link)
            .copied()
            .unwrap_or(0)
    }

    /// Link text → how many descriptors in all live tables refer to it.
    fn reachable(&self) -> BTreeMap<String, usize> {
        let mut map = BTreeMap::new();
        for pid in self.sys.pids() {
            for tid in self.sys.threads(pid).unwrap_or_default() {
                let Ok(t) = self.sys.task(tid) else { continue };
                let Ok(listing) = t.fd_listing() else {
                    continue;
                };
                for e in listing.entries {
                    *map.entry(e.link).or_default() += 1;
                }
            }
        }
        map
    }

    /// No description released twice, none released while reachable.
    fn check(&self) {
        let reachable = self.reachable();
        for (link, n) in self.released.lock().unwrap().iter() {
            assert_eq!(*n, 1, "{link} released {n} times");
            assert!(
                !reachable.contains_key(link),
                "{link} released while a descriptor refers to it"
            );
        }
    }

    /// Ends every process; then each of `opened` has been released exactly once.
    fn end(&self, opened: &[String]) {
        self.check();
        for pid in self.sys.pids() {
            for tid in self.sys.threads(pid).unwrap_or_default() {
                if let Ok(t) = self.sys.task(tid) {
                    t.exit_group(0);
                }
            }
        }
        assert!(self.reachable().is_empty());
        for link in opened {
            assert_eq!(self.released(link), 1, "{link} after everything exited");
        }
    }
}

/// Opens `path` (created), returning the descriptor.
fn open(t: &Task, path: &str) -> Fd {
    t.open(path, OFlags::RDWR | OFlags::CREAT, 0o600).unwrap()
}

/// The link of the description `fd` refers to now (the reference is dropped at
/// once, so holding it delays no release).
fn link(t: &Task, fd: Fd) -> Option<String> {
    t.fd_listing()
        .ok()?
        .entries
        .into_iter()
        .find(|e| e.fd == fd)
        .map(|e| e.link)
}

// ---- dup, dup2, close on one table -----------------------------------------------

/// Two threads of one process dup and close their own files while a third
/// replaces a shared descriptor with dup2: numbers are never handed out twice,
/// a held number keeps its description, the replaced description is released
/// exactly when dup2 drops it.
fn dup_dup2_close() {
    let (w, main) = World::new();
    let a = open(&main, "/tmp/a");
    let b = open(&main, "/tmp/b");
    let workers: Vec<Task> = (0..2).map(|_| w.thread_of(&main)).collect();
    let handles: Vec<_> = workers
        .into_iter()
        .enumerate()
        .map(|(i, t)| {
            thread::spawn(move || {
                let path = format!("/tmp/w{i}");
                let mine = open(&t, &path);
                let copy = t.dup(mine).unwrap();
                assert_ne!(copy, mine);
                assert_eq!(link(&t, copy).as_deref(), Some(path.as_str()));
                t.close(mine).unwrap();
                assert_eq!(link(&t, copy).as_deref(), Some(path.as_str()));
                (copy, path)
            })
        })
        .collect();
    let replacer = w.thread_of(&main);
    let r = thread::spawn(move || replacer.dup2(b, a));
    assert_eq!(r.join().unwrap(), Ok(a));
    let held: Vec<(Fd, String)> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_ne!(held[0].0, held[1].0, "one number handed to two threads");
    assert_eq!(
        w.released("/tmp/a"),
        1,
        "dup2 dropped /tmp/a's last descriptor"
    );
    w.check();
    let opened: Vec<String> = ["/tmp/a", "/tmp/b", "/tmp/w0", "/tmp/w1"]
        .map(String::from)
        .into();
    w.end(&opened);
}

checked!(
    dup_dup2_close_on_a_shared_table,
    dup_dup2_close_long,
    dup_dup2_close
);

/// dup and F_DUPFD from several threads at once all get distinct numbers, each
/// the lowest free when it ran: together exactly 3 ..= 6.
fn concurrent_lowest_free() {
    let (w, main) = World::new();
    let a = open(&main, "/tmp/a");
    let workers: Vec<Task> = (0..3).map(|_| w.thread_of(&main)).collect();
    let handles: Vec<_> = workers
        .into_iter()
        .enumerate()
        .map(|(i, t)| {
            thread::spawn(move || {
                if i == 0 {
                    t.fcntl_dupfd(a, 0).unwrap()
                } else {
                    t.dup(a).unwrap()
                }
            })
        })
        .collect();
    let mut got: Vec<u32> = handles
        .into_iter()
        .map(|h| h.join().unwrap().get())
        .collect();
    got.sort_unstable();
    assert_eq!(got, [4, 5, 6]);
    w.end(&["/tmp/a".to_string()]);
}

checked!(
    dup_and_f_dupfd_hand_out_distinct_lowest_numbers,
    concurrent_lowest_free_long,
    concurrent_lowest_free
);

// ---- fork, exec, close_range, unshare against dup and close ---------------------

/// A fork copies the table while another thread dups and closes: the child's
/// table is a snapshot (each descriptor it has refers to a live description), and
/// every description is released once, after both processes exit.
fn fork_against_dup_close() {
    let (w, main) = World::new();
    let a = open(&main, "/tmp/a");
    let worker = w.thread_of(&main);
    let forker = w.thread_of(&main);
    let h = thread::spawn(move || {
        let b = open(&worker, "/tmp/b");
        let c = worker.dup(b).unwrap();
        worker.close(a).unwrap();
        worker.close(b).unwrap();
        c
    });
    let f = thread::spawn(move || forker.fork().unwrap());
    let c = h.join().unwrap();
    let child = f.join().unwrap();
    let child = w.sys.task(child).unwrap();
    for e in child.fd_listing().unwrap().entries {
        assert_eq!(w.released(&e.link), 0, "child holds released {}", e.link);
    }
    assert_eq!(link(&main, c).as_deref(), Some("/tmp/b"));
    // /tmp/a survives in the parent only if the child copied it.
    let child_has_a = link(&child, a).as_deref() == Some("/tmp/a");
    assert_eq!(w.released("/tmp/a"), usize::from(!child_has_a));
    w.check();
    w.end(&["/tmp/a".to_string(), "/tmp/b".to_string()]);
}

checked!(
    fork_copies_a_consistent_table,
    fork_against_dup_close_long,
    fork_against_dup_close
);

/// A non-leader thread execs (killing the leader, sweeping close-on-exec) while
/// the leader opens and dups: each descriptor is either swept or kept, none is
/// released twice or while still installed.
fn exec_against_dup() {
    let (w, main) = World::new();
    let keep = open(&main, "/tmp/keep");
    let gone = main
        .open(
            "/tmp/gone",
            OFlags::RDWR | OFlags::CREAT | OFlags::CLOEXEC,
            0o600,
        )
        .unwrap();
    let execer = w.thread_of(&main);
    let leader = main.clone();
    let h = thread::spawn(move || {
        // The leader may be killed by the exec at any point: ESRCH from then on.
        let r = leader.open("/tmp/new", OFlags::RDWR | OFlags::CREAT, 0o600);
        if let Ok(fd) = r {
            let _ = leader.dup(fd);
        }
        let _ = leader.dup3(keep, 9, DupFlags::CLOEXEC);
    });
    let e = thread::spawn(move || execer.execve().unwrap());
    h.join().unwrap();
    let after = e.join().unwrap();
    assert_eq!(
        after.tid(),
        Pid::new(100),
        "the exec'ing thread takes the pid"
    );
    assert_eq!(w.sys.threads(100u32).unwrap(), [Pid::new(100)]);
    assert_eq!(link(&after, keep).as_deref(), Some("/tmp/keep"));
    assert_eq!(link(&after, gone), None);
    assert_eq!(w.released("/tmp/gone"), 1, "swept at exec");
    assert_eq!(
        after.file(9u32).err(),
        Some(Errno::BADF),
        "9 was close-on-exec or never made"
    );
    w.check();
    let mut opened = vec!["/tmp/keep".to_string(), "/tmp/gone".to_string()];
    if w.sys.fs().resolve("/tmp/new").is_ok() {
        opened.push("/tmp/new".to_string());
    }
    w.end(&opened);
}

checked!(
    exec_sweep_against_dup,
    exec_against_dup_long,
    exec_against_dup
);

/// close_range(3, ~0U, CLOSE_RANGE_UNSHARE) in one thread while another dups:
/// the closer ends with a private table holding nothing from 3 up; the other
/// thread's table keeps what the copy did not take, and nothing is released
/// while the other table still has it.
fn close_range_unshare_against_dup() {
    let (w, main) = World::new();
    let a = open(&main, "/tmp/a");
    let closer = w.thread_of(&main);
    let duper = w.thread_of(&main);
    let c = closer.clone();
    let h1 = thread::spawn(move || c.close_range(3, u32::MAX, CloseRangeFlags::UNSHARE));
    let d = duper.clone();
    let h2 = thread::spawn(move || d.dup(a).unwrap());
    assert_eq!(h1.join().unwrap(), Ok(()));
    let copy = h2.join().unwrap();
    assert!(!w.sys.shares_table(closer.tid(), duper.tid()).unwrap());
    let left: Vec<u32> = closer
        .fd_listing()
        .unwrap()
        .entries
        .iter()
        .map(|e| e.fd.get())
        .collect();
    assert_eq!(left, [0, 1, 2]);
    assert_eq!(link(&duper, a).as_deref(), Some("/tmp/a"));
    assert_eq!(link(&duper, copy).as_deref(), Some("/tmp/a"));
    assert_eq!(w.released("/tmp/a"), 0);
    w.check();
    w.end(&["/tmp/a".to_string()]);
}

checked!(
    close_range_unshare_against_dup_on_a_shared_table,
    close_range_unshare_long,
    close_range_unshare_against_dup
);

/// Two processes share a table (CLONE_FILES). One exits while the other dups and
/// closes: the table and its descriptions live on with the survivor, and are
/// released once when it exits too.
fn exit_against_dup_clone_files() {
    let (w, main) = World::new();
    let a = open(&main, "/tmp/a");
    let (other, _) = main.clone_task(CloneFlags::FILES, None).unwrap();
    let other = w.sys.task(other).unwrap();
    let o = other.clone();
    let h = thread::spawn(move || {
        let b = o.dup(a).unwrap();
        o.close(a).unwrap();
        b
    });
    let m = main.clone();
    let e = thread::spawn(move || m.exit_group(0));
    let b = h.join().unwrap();
    e.join().unwrap();
    assert_eq!(link(&other, b).as_deref(), Some("/tmp/a"));
    assert_eq!(w.released("/tmp/a"), 0);
    w.check();
    w.end(&["/tmp/a".to_string()]);
}

checked!(
    exit_of_one_clone_files_process_against_dup,
    exit_against_dup_long,
    exit_against_dup_clone_files
);

/// unshare(CLONE_FILES) in one thread while another replaces a descriptor with
/// dup2: the replaced description is released exactly when no table has it —
/// at dup2 if the copy was made after, only when the unsharer exits if before.
fn unshare_against_dup2() {
    let (w, main) = World::new();
    let a = open(&main, "/tmp/a");
    let b = open(&main, "/tmp/b");
    let unsharer = w.thread_of(&main);
    let u = unsharer.clone();
    let h1 = thread::spawn(move || u.unshare(CloneFlags::FILES));
    let m = main.clone();
    let h2 = thread::spawn(move || m.dup2(b, a));
    assert_eq!(h1.join().unwrap(), Ok(()));
    assert_eq!(h2.join().unwrap(), Ok(a));
    let copy_has_a = link(&unsharer, a).as_deref() == Some("/tmp/a");
    assert_eq!(w.released("/tmp/a"), usize::from(!copy_has_a));
    w.check();
    unsharer.exit(0);
    assert_eq!(w.released("/tmp/a"), 1);
    w.end(&["/tmp/a".to_string(), "/tmp/b".to_string()]);
}

checked!(
    unshare_against_dup2_replacement,
    unshare_against_dup2_long,
    unshare_against_dup2
);

// ---- a blocked call holds its description ---------------------------------------

/// A thread blocks reading a pipe; another closes the read end (its only
/// descriptor) and interrupts the reader. The read end's description stays alive
/// while the read holds it, and is released once, when the read returns EINTR —
/// as Linux's fdget/fdput around a blocking read.
fn blocked_read_holds_the_description() {
    let (w, main) = World::new();
    let [r, wr] = main.pipe().unwrap();
    let pipe = link(&main, r).unwrap();
    let reader = w.thread_of(&main);
    let rd = reader.clone();
    let h = thread::spawn(move || rd.read(r, &mut [0u8; 4]));
    main.close(r).unwrap();
    let after_close = w.released(&pipe);
    // Interrupted while blocked: the read took its reference before the close
    // (after it, the number was gone), so the close released nothing.
    let was_blocked = w.sys.interrupt(reader.tid()).unwrap();
    if was_blocked {
        assert_eq!(after_close, 0, "released while a blocked read held it");
    }
    let got = h.join().unwrap();
    // Closed before the read began (EBADF), or interrupted while blocked or
    // before it blocked (EINTR).
    assert!(
        matches!(got, Err(Errno::BADF) | Err(Errno::INTR)),
        "read: {got:?}"
    );
    if was_blocked {
        assert_eq!(got, Err(Errno::INTR));
    }
    assert_eq!(w.released(&pipe), 1, "the read end, once the read returned");
    main.close(wr).unwrap();
    assert_eq!(w.released(&pipe), 2, "then the write end (same link)");
    main.exit_group(0);
    assert!(w.reachable().is_empty());
    assert_eq!(w.released(&pipe), 2);
}

checked!(
    blocked_read_keeps_its_description_until_it_returns,
    blocked_read_long,
    blocked_read_holds_the_description
);

// ---- lookups without the table lock ---------------------------------------------

/// What descriptor 3 holds in each state [`lookups_against_writes`] walks through.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Seen {
    /// `F_GETFD`'s answer: `Some(cloexec)`, or `None` for `EBADF`.
    Flags(Option<bool>),
    /// The description `file(3)` returned (its id), or `None` for `EBADF`.
    File(Option<u64>),
}

/// A thread reads descriptor 3 of a shared table (`F_GETFD`, then `file`, three
/// times; its read cache was filled before) while another thread changes it through
/// five states: /tmp/a → close-on-exec set → replaced by /tmp/b (dup2) → closed →
/// /tmp/c opened there. The reads must be linearizable: each answer is one of the
/// states, in the writer's order (never an older state after a newer one), and a
/// read that starts after the writer returned sees the last state. A cached entry
/// must not keep /tmp/a or /tmp/b alive: each is released when its last descriptor
/// goes.
fn lookups_against_writes() {
    let (w, main) = World::new();
    let a = open(&main, "/tmp/a");
    let b = open(&main, "/tmp/b");
    let id_a = main.file(a).unwrap().id();
    let id_b = main.file(b).unwrap().id();
    let reader = w.thread_of(&main);
    let writer = w.thread_of(&main);
    // Fill the reader's cache for 3 at the first state.
    assert_eq!(reader.fcntl_getfd(a), Ok(FdFlags::empty()));
    assert_eq!(reader.file(a).map(|f| f.id()), Ok(id_a));
    let r = reader.clone();
    let reads = thread::spawn(move || {
        let mut seen = Vec::new();
        for _ in 0..3 {
            let flags = r.fcntl_getfd(a).ok();
            seen.push(Seen::Flags(flags.map(|f| f.contains(FdFlags::CLOEXEC))));
            seen.push(Seen::File(r.file(a).ok().map(|f| f.id())));
        }
        seen
    });
    let wr = writer.clone();
    let writes = thread::spawn(move || {
        wr.fcntl_setfd(a, FdFlags::CLOEXEC).unwrap();
        assert_eq!(wr.dup2(b, a), Ok(a));
        wr.close(b).unwrap();
        wr.close(a).unwrap();
        let c = open(&wr, "/tmp/c");
        assert_eq!(c, a, "the lowest free number");
        wr.file(c).unwrap().id()
    });
    let id_c = writes.join().unwrap();
    // After the writer returned, every thread sees the last state.
    assert_eq!(main.fcntl_getfd(a), Ok(FdFlags::empty()));
    let seen = reads.join().unwrap();
    assert_eq!(reader.file(a).map(|f| f.id()), Ok(id_c), "after both");
    assert_eq!(reader.fcntl_getfd(a), Ok(FdFlags::empty()), "after both");
    // The states, in the writer's order; each answer must fit one at or after
    // the state the previous answer fitted.
    let states = [
        (Some(false), Some(id_a)),
        (Some(true), Some(id_a)),
        (Some(false), Some(id_b)),
        (None, None),
        (Some(false), Some(id_c)),
    ];
    let fits = |s: &(Option<bool>, Option<u64>), answer: Seen| match answer {
        Seen::Flags(f) => s.0 == f,
        Seen::File(f) => s.1 == f,
    };
    let mut at = 0;
    for answer in &seen {
        match (at..states.len()).find(|&i| fits(&states[i], *answer)) {
            Some(i) => at = i,
            None => panic!("{answer:?} after state {at}: not linearizable ({seen:?})"),
        }
    }
    assert_eq!(
        w.released("/tmp/a"),
        1,
        "dup2 dropped /tmp/a's last descriptor"
    );
    assert_eq!(
        w.released("/tmp/b"),
        1,
        "close dropped /tmp/b's last descriptor"
    );
    w.check();
    let opened: Vec<String> = ["/tmp/a", "/tmp/b", "/tmp/c"].map(String::from).into();
    w.end(&opened);
}

checked!(
    lookups_on_a_shared_table_are_linearizable,
    lookups_against_writes_long,
    lookups_against_writes
);

/// Two threads each look up a descriptor the other closes and reopens on a new
/// file (the number reused at once): a lookup answers either description, or
/// `EBADF` in between, never a released one, and a lookup after both returned sees
/// the new files.
fn lookups_against_reuse() {
    let (w, main) = World::new();
    let a = open(&main, "/tmp/a");
    let b = open(&main, "/tmp/b");
    let ids = [main.file(a).unwrap().id(), main.file(b).unwrap().id()];
    let workers: Vec<Task> = (0..2).map(|_| w.thread_of(&main)).collect();
    // Fill each thread's cache for the other's descriptor.
    assert_eq!(workers[0].file(b).map(|f| f.id()), Ok(ids[1]));
    assert_eq!(workers[1].file(a).map(|f| f.id()), Ok(ids[0]));
    let handles: Vec<_> = workers
        .iter()
        .cloned()
        .enumerate()
        .map(|(i, t)| {
            let (mine, theirs) = if i == 0 { (a, b) } else { (b, a) };
            thread::spawn(move || {
                let seen = t.file(theirs).ok();
                t.close(mine).unwrap();
                let path = format!("/tmp/new{i}");
                let fd = t.open(&path, OFlags::RDWR | OFlags::CREAT, 0o600).unwrap();
                let new = t.file(fd).unwrap().id();
                let again = t.file(theirs).ok().map(|f| f.id());
                (fd, new, seen.map(|f| f.id()), again)
            })
        })
        .collect();
    let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let news: Vec<u64> = results.iter().map(|r| r.1).collect();
    for (i, (_, _, seen, again)) in results.iter().enumerate() {
        let other = 1 - i;
        for answer in [seen, again].into_iter().flatten() {
            assert!(
                *answer == ids[other] || news.contains(answer),
                "thread {i} saw description {answer}, which was never at that number"
            );
        }
    }
    // Both numbers were freed and taken again: {3, 4} hold the two new files.
    let mut fds: Vec<u32> = results.iter().map(|r| r.0.get()).collect();
    fds.sort_unstable();
    assert_eq!(fds, [3, 4]);
    for t in &workers {
        let mut now: Vec<u64> = [a, b].map(|fd| t.file(fd).unwrap().id()).into();
        now.sort_unstable();
        let mut want = news.clone();
        want.sort_unstable();
        assert_eq!(now, want, "after both returned");
    }
    assert_eq!(w.released("/tmp/a"), 1);
    assert_eq!(w.released("/tmp/b"), 1);
    w.check();
    let opened: Vec<String> = ["/tmp/a", "/tmp/b", "/tmp/new0", "/tmp/new1"]
        .map(String::from)
        .into();
    w.end(&opened);
}

checked!(
    lookups_against_close_and_reuse,
    lookups_against_reuse_long,
    lookups_against_reuse
);

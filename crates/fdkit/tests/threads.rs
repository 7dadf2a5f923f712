//! Concurrency: many OS threads making calls as model threads that share one table.
//!
//! - a stress run (4 threads × `FDKIT_STRESS_OPS` operations, default 100,000) of
//!   dup / dup2 / F_DUPFD / close / F_SETFD checking that no number is ever handed to
//!   two threads at once, that every descriptor a thread holds still refers to its own
//!   description, and that each description is released exactly once;
//! - a stress run of lookups (`F_GETFD`, `file`) on a shared table against a
//!   thread rewriting the descriptor, checking that no answer is stale;
//! - pipes blocking across threads, woken by data, by the last writer's close, and
//!   by an interrupt (`EINTR`).

// Needs the whole system (feature `std`); `--no-default-features` skips it.
#![cfg(feature = "std")]

use fdkit::{CloneFlags, DupFlags, Errno, Fd, FdFlags, OFlags, Released, System, Task};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::thread;
use std::time::Duration;

fn thread_flags() -> CloneFlags {
    CloneFlags::THREAD | CloneFlags::SIGHAND | CloneFlags::VM | CloneFlags::FILES
}

/// A small deterministic generator, so a failing run can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn stress_ops() -> usize {
    std::env::var("FDKIT_STRESS_OPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000)
}

#[test]
fn shared_table_stress_hands_out_each_number_once() {
    let sys = System::new();
    let released: Arc<Mutex<HashMap<u64, usize>>> = Arc::default();
    let sink = Arc::clone(&released);
    sys.set_release_hook(Some(Arc::new(move |r: &Released| {
        *sink.lock().unwrap().entry(r.id).or_default() += 1;
    })));
    let pid = sys.spawn().unwrap();
    let main = sys.task(pid).unwrap();
    let workers: Vec<Task> = (0..4)
        .map(|_| {
            let (tid, _) = main.clone_task(thread_flags(), None).unwrap();
            sys.task(tid).unwrap()
        })
        .collect();
    let ops = stress_ops();
    let barrier = Arc::new(Barrier::new(workers.len()));
    let ids: Vec<u64> = thread::scope(|s| {
        let handles: Vec<_> = workers
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let barrier = Arc::clone(&barrier);
                s.spawn(move || worker(t, i, ops, &barrier))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    // Every worker closed everything it opened: its description is gone, once.
    let released = released.lock().unwrap();
    for id in ids {
        assert_eq!(released.get(&id), Some(&1), "description {id}");
    }
    assert_eq!(
        main.fd_listing().unwrap().entries.len(),
        3,
        "only 0, 1, 2 remain"
    );
}

/// Lookups without the table lock, stressed: two threads read descriptor 9 of their
/// shared table (`F_GETFD` and `file`, answered from a per-thread cache while the
/// table is unchanged) while a third rewrites it `FDKIT_STRESS_OPS / 20` times:
/// step `k` is `dup3(k even ? a : b, 9, k % 3 == 0 ? O_CLOEXEC : 0)`, and the writer
/// publishes `k` once `dup3` returned. Each answer must be the state of a step
/// between the last one published before the read began and the one after the last
/// published when it ended — a lookup is linearizable, never stale — and 9 is never
/// found closed (dup3 replaces atomically).
#[test]
fn shared_table_lookups_are_never_stale() {
    let sys = System::new();
    let main = sys.task(sys.spawn().unwrap()).unwrap();
    let flags = OFlags::RDWR | OFlags::CREAT;
    let a = main.open("/tmp/a", flags, 0o600).unwrap();
    let b = main.open("/tmp/b", flags, 0o600).unwrap();
    let ids = [main.file(a).unwrap().id(), main.file(b).unwrap().id()];
    let target = Fd::new(9);
    let state = |k: usize| (ids[k % 2], k % 3 == 0);
    let step = |t: &Task, k: usize| {
        let cloexec = if k % 3 == 0 {
            DupFlags::CLOEXEC
        } else {
            DupFlags::empty()
        };
        let source = if k % 2 == 0 { a } else { b };
        assert_eq!(t.dup3(source, target, cloexec), Ok(target));
    };
    step(&main, 0);
    let thread_of = |t: &Task| {
        sys.task(t.clone_task(thread_flags(), None).unwrap().0)
            .unwrap()
    };
    let readers: Vec<Task> = (0..2).map(|_| thread_of(&main)).collect();
    let writer = thread_of(&main);
    let steps = stress_ops() / 20;
    let committed = AtomicUsize::new(0);
    let finished = AtomicUsize::new(0);
    let start = Barrier::new(readers.len() + 1);
    thread::scope(|s| {
        for t in &readers {
            let (committed, finished, start) = (&committed, &finished, &start);
            s.spawn(move || {
                // Each reader has looked 9 up (filling its cache) before the writes.
                assert_eq!(t.file(target).map(|f| f.id()), Ok(ids[0]));
                start.wait();
                let mut reads = 0u64;
                while finished.load(Ordering::Acquire) == 0 || reads < 1000 {
                    let before = committed.load(Ordering::Acquire);
                    let cloexec = t.fcntl_getfd(target).expect("9 is always open");
                    let id = t.file(target).expect("9 is always open").id();
                    let after = committed.load(Ordering::Acquire);
                    let cloexec = cloexec.contains(FdFlags::CLOEXEC);
                    let window = before..=after + 1;
                    assert!(
                        window.clone().any(|k| state(k).1 == cloexec),
                        "F_GETFD {cloexec} fits no step in {window:?}"
                    );
                    assert!(
                        window.clone().any(|k| state(k).0 == id),
                        "file {id} fits no step in {window:?}"
                    );
                    reads += 1;
                }
            });
        }
        start.wait();
        for k in 1..=steps {
            step(&writer, k);
            committed.store(k, Ordering::Release);
        }
        finished.store(1, Ordering::Release);
    });
    for t in &readers {
        let want = state(steps);
        assert_eq!(
            t.file(target).map(|f| f.id()),
            Ok(want.0),
            "after the writer"
        );
        let cloexec = t.fcntl_getfd(target).unwrap().contains(FdFlags::CLOEXEC);
        assert_eq!(cloexec, want.1, "after the writer");
    }
}

/// One worker: opens a private file and juggles descriptors of it. Returns the
/// description's id.
fn worker(t: &Task, index: usize, ops: usize, barrier: &Barrier) -> u64 {
    let path = format!("/tmp/worker{index}");
    let base = t.open(&path, OFlags::RDWR | OFlags::CREAT, 0o600).unwrap();
    let mine = t.file(base).unwrap();
    let id = mine.id();
    // Targets for dup2 that no other worker uses and lowest-free never reaches.
    let targets: Vec<i32> = (0..8).map(|k| 500 + (index as i32) * 10 + k).collect();
    let mut held: Vec<Fd> = vec![base];
    let mut rng = Rng(0x9e37_79b9 + index as u64);
    barrier.wait();
    for step in 0..ops {
        match rng.next() % 6 {
            0 | 1 if held.len() < 40 => {
                let fd = t.dup(base).expect("dup");
                assert!(!held.contains(&fd), "step {step}: {fd} handed out twice");
                held.push(fd);
            }
            2 => {
                let target = Fd::from(targets[(rng.next() % 8) as usize]);
                let fd = t.dup2(base, target).expect("dup2");
                if !held.contains(&fd) {
                    held.push(fd);
                }
            }
            3 if held.len() < 40 => {
                let min = rng.next() % 100;
                let fd = t.fcntl_dupfd_cloexec(base, min).expect("F_DUPFD_CLOEXEC");
                assert!(u64::from(fd.get()) >= min);
                assert!(!held.contains(&fd), "step {step}: {fd} handed out twice");
                held.push(fd);
            }
            4 if held.len() > 1 => {
                let k = 1 + (rng.next() as usize) % (held.len() - 1);
                let fd = held.swap_remove(k);
                t.close(fd)
                    .unwrap_or_else(|e| panic!("step {step}: close({fd}): {e}"));
            }
            _ => {
                let fd = held[(rng.next() as usize) % held.len()];
                t.fcntl_setfd(fd, FdFlags::from_bits_retain((rng.next() & 1) as u32))
                    .expect("F_SETFD");
                let ofd = t.file(fd).expect("held descriptor is open");
                assert!(
                    Arc::ptr_eq(&ofd, &mine),
                    "step {step}: {fd} now refers elsewhere"
                );
            }
        }
    }
    drop(mine);
    for fd in held {
        t.close(fd).unwrap();
    }
    id
}

#[test]
fn blocked_pipe_reader_wakes_for_data_and_eof() {
    let sys = System::new();
    let pid = sys.spawn().unwrap();
    let main = sys.task(pid).unwrap();
    let [r, w] = main.pipe().unwrap();
    let (tid, _) = main.clone_task(thread_flags(), None).unwrap();
    let reader = sys.task(tid).unwrap();
    thread::scope(|s| {
        let h = s.spawn(|| {
            let mut buf = [0u8; 16];
            let n = reader.read(r, &mut buf).unwrap();
            let first = buf[..n].to_vec();
            let eof = reader.read(r, &mut buf).unwrap();
            (first, eof)
        });
        thread::sleep(Duration::from_millis(50));
        assert_eq!(main.write(w, b"ping").unwrap(), 4);
        thread::sleep(Duration::from_millis(50));
        main.close(w).unwrap();
        let (first, eof) = h.join().unwrap();
        assert_eq!(first, b"ping");
        assert_eq!(eof, 0, "EOF once the last write end is released");
    });
}

#[test]
fn interrupted_pipe_read_fails_with_eintr() {
    let sys = System::new();
    let pid = sys.spawn().unwrap();
    let main = sys.task(pid).unwrap();
    let [r, _w] = main.pipe().unwrap();
    let (tid, _) = main.clone_task(thread_flags(), None).unwrap();
    let reader = sys.task(tid).unwrap();
    thread::scope(|s| {
        let h = s.spawn(|| reader.read(r, &mut [0u8; 4]));
        // Wait until the reader is blocked, then interrupt it.
        let mut interrupted = false;
        for _ in 0..200 {
            thread::sleep(Duration::from_millis(5));
            if sys.interrupt(tid).unwrap() {
                interrupted = true;
                break;
            }
        }
        assert!(interrupted, "the reader never blocked");
        assert_eq!(h.join().unwrap(), Err(Errno::INTR));
    });
    // A non-blocking read of the same empty pipe: EAGAIN, not a wait.
    main.fcntl_setfl(r, u64::from(OFlags::NONBLOCK.bits()))
        .unwrap();
    assert_eq!(main.read(r, &mut [0u8; 4]), Err(Errno::AGAIN));
}

#[test]
fn blocked_writer_gets_epipe_when_reader_goes() {
    let sys = System::new();
    let pid = sys.spawn().unwrap();
    let main = sys.task(pid).unwrap();
    let [r, w] = main.pipe().unwrap();
    let (tid, _) = main.clone_task(thread_flags(), None).unwrap();
    let writer = sys.task(tid).unwrap();
    let wrote = AtomicUsize::new(0);
    thread::scope(|s| {
        let h = s.spawn(|| {
            // 70,000 bytes do not fit in 64 KiB: the write blocks part-way.
            let r = writer.write(w, &vec![7u8; 70_000]);
            wrote.store(1, Ordering::SeqCst);
            r
        });
        thread::sleep(Duration::from_millis(50));
        assert_eq!(
            wrote.load(Ordering::SeqCst),
            0,
            "the writer should be blocked"
        );
        main.close(r).unwrap();
        // Partial progress is reported as a short count.
        assert_eq!(h.join().unwrap(), Ok(65_536));
    });
    assert_eq!(main.write(w, b"x"), Err(Errno::PIPE));
}

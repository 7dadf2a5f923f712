//! Lookups from N threads at once: `F_GETFD` on one descriptor, each thread in a
//! loop of the same length. The figure is the wall time from the common start to the
//! last thread's end, divided by the loop length: each thread's time per lookup
//! including any wait for a CPU, so perfect scaling keeps it flat as threads are
//! added — up to the number of cores — and N threads on fewer cores show up as
//! N / cores times slower.
//!
//! - `table`: N threads reading one shared `&FdTable` (no lock: what an embedder
//!   with its own read-mostly synchronisation gets).
//! - `system`: N threads of one process, sharing its table through the `System`.
//! - `host`: N threads of this process calling `fcntl(F_GETFD)` (Linux's lookup is
//!   lock-free under RCU).
//! - `lookup_threads_private`: N processes, one thread each, separate tables.
//!
//! Goal (issue 17): through the `System`, 2 threads sharing a table take at most
//! 1.25× the 1-thread time per lookup (`scaling` ≤ 1.25; at 1 thread the table is
//! the process's own). 4 threads on this 2-core machine show oversubscription, so
//! they have no goal.

use crate::host::{self, HostTable};
use crate::model::{self, BASE};
use crate::sample::Timer;
use crate::suite::{Bench, Params, Side};
use crate::Target;
use fdkit::{CloneFlags, Task};
use std::hint::black_box;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

pub(crate) fn benches(p: &Params) -> Vec<Bench> {
    let mut out: Vec<Bench> = p.threads.iter().map(|&n| shared(n)).collect();
    out.extend(p.threads.iter().map(|&n| private(n)));
    out
}

/// Runs `ops[i]` `iters` times on thread i, all released together, and returns the
/// time from the release until the last thread finished. The clock starts in the
/// calling thread, so a worker that waits for a CPU (more threads than cores) counts
/// its wait: the figure is wall time for the whole batch, not each thread's busy
/// time.
fn parallel<F: FnMut() + Send>(ops: Vec<F>, iters: u64) -> Duration {
    let barrier = Barrier::new(ops.len() + 1);
    std::thread::scope(|s| {
        let handles: Vec<_> = ops
            .into_iter()
            .map(|mut op| {
                let barrier = &barrier;
                s.spawn(move || {
                    barrier.wait();
                    for _ in 0..iters {
                        op();
                    }
                    Instant::now()
                })
            })
            .collect();
        barrier.wait();
        let start = Instant::now();
        handles
            .into_iter()
            .map(|h| h.join().expect("bench thread"))
            .max()
            .map_or(Duration::ZERO, |end| end.saturating_duration_since(start))
    })
}

fn tasks_timer(tasks: Vec<Task>) -> Timer {
    Box::new(move |iters| {
        let ops: Vec<_> = tasks
            .iter()
            .map(|t| {
                move || {
                    let _ = black_box(t.fcntl_getfd(black_box(BASE)));
                }
            })
            .collect();
        parallel(ops, iters)
    })
}

fn shared(n: u32) -> Bench {
    Bench::new(
        format!("lookup_threads/{n}"),
        format!("F_GETFD from {n} threads sharing one table, per thread"),
    )
    .param("threads", n)
    .targets(None, (n == 2).then_some(Target::ScalingAtMost(1.25)))
    .side(Side::Table, move || {
        let t = Arc::new(model::dense_table(4));
        Ok(Box::new(move |iters| {
            let ops: Vec<_> = (0..n)
                .map(|_| {
                    let t = Arc::clone(&t);
                    move || {
                        let _ = black_box(t.fcntl_getfd(black_box(BASE)));
                    }
                })
                .collect();
            parallel(ops, iters)
        }) as Timer)
    })
    .side(Side::System, move || {
        let (sys, t) = model::dense_task(4);
        let flags = CloneFlags::THREAD | CloneFlags::SIGHAND | CloneFlags::VM | CloneFlags::FILES;
        let mut tasks = vec![t.clone()];
        for _ in 1..n {
            let (tid, _) = t.clone_task(flags, None).expect("clone");
            tasks.push(sys.task(tid).expect("thread"));
        }
        Ok(tasks_timer(tasks))
    })
    .side(Side::Host, move || {
        let h = HostTable::new()?;
        Ok(Box::new(move |iters| {
            let base = h.base;
            let ops: Vec<_> = (0..n)
                .map(|_| {
                    move || {
                        let _ = black_box(host::fcntl_getfd(black_box(base)));
                    }
                })
                .collect();
            parallel(ops, iters)
        }) as Timer)
    })
}

fn private(n: u32) -> Bench {
    Bench::new(
        format!("lookup_threads_private/{n}"),
        format!("F_GETFD from {n} threads, each its own process and table, per thread"),
    )
    .param("threads", n)
    .side(Side::System, move || {
        let sys = fdkit::System::new();
        let mut tasks = Vec::new();
        for _ in 0..n {
            let t = sys.task(sys.spawn().expect("spawn")).expect("task");
            let path = format!("/tmp/bench{}", t.pid());
            let flags = fdkit::OFlags::RDWR | fdkit::OFlags::CREAT;
            assert_eq!(t.open(&path, flags, 0o644).expect("open"), BASE);
            tasks.push(t);
        }
        Ok(tasks_timer(tasks))
    })
}

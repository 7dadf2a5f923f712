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
//! The threads are started once per fixture and released by a spin, not a `Barrier`
//! ([`crate::workers`]). The `table` and `system` rows at N > 1 threads are measured
//! in pairs ([`crate::sample::measure_pairs`]): each of the N threads alone, then all
//! N at once, same iteration count, back to back; `scaling` is the median of the
//! pairs' ratios, each thread's time at once against its own time alone (so a vCPU
//! slower than the other, which this VM's often is, does not count as a cost of
//! running together). The `system` row interleaves two more sets of the same pairs:
//! `scaling_same_table`, whose threads alone are the N threads sharing the table (so
//! the shared table's read path is in both halves and the ratio is what running the
//! threads at once costs), and `scaling_unshared`, on N separate processes (the
//! `lookup_threads_private` fixture): what the machine's cores cost with nothing
//! shared.
//!
//! Goal (issue 17): through the `System`, 2 threads sharing a table take at most
//! 1.25× the 1-thread time per lookup (`scaling` ≤ 1.25; a thread alone, in the
//! pairs too, has a table of its own, as at `lookup_threads/1`). 4 threads on this
//! 2-core machine show oversubscription, so they have no goal.

use crate::host::{self, HostTable};
use crate::model::{self, BASE};
use crate::sample::{ThreadTimer, Threads, Timer};
use crate::suite::{Bench, Params, Reference, Side};
use crate::workers::Pool;
use crate::Target;
use fdkit::{CloneFlags, Task};
use std::hint::black_box;
use std::io;
use std::sync::Arc;

pub(crate) fn benches(p: &Params) -> Vec<Bench> {
    let mut out: Vec<Bench> = p.threads.iter().map(|&n| shared(n)).collect();
    out.extend(p.threads.iter().map(|&n| private(n)));
    out
}

/// The pool's run as a [`ThreadTimer`].
fn pool_timer<F: FnMut() + Send + 'static>(ops: Vec<F>) -> ThreadTimer {
    let mut pool = Pool::new(ops);
    Box::new(move |threads, iters| pool.run(threads, iters))
}

/// `F_GETFD` on each task, one task per thread.
fn tasks_timer(tasks: Vec<Task>) -> ThreadTimer {
    pool_timer(
        tasks
            .into_iter()
            .map(|t| {
                move || {
                    let _ = black_box(t.fcntl_getfd(black_box(BASE)));
                }
            })
            .collect(),
    )
}

/// N threads of one process, sharing its table; a run on fewer threads leaves the
/// others idle, so the table stays shared.
fn sharing_tasks(n: u32) -> ThreadTimer {
    let (sys, t) = model::dense_task(4);
    let flags = CloneFlags::THREAD | CloneFlags::SIGHAND | CloneFlags::VM | CloneFlags::FILES;
    let mut tasks = vec![t.clone()];
    for _ in 1..n {
        let (tid, _) = t.clone_task(flags, None).expect("clone");
        tasks.push(sys.task(tid).expect("thread"));
    }
    tasks_timer(tasks)
}

/// N threads of one process, sharing its table; a thread alone is a
/// single-threaded process instead, whose table is its own (as at `lookup_threads/1`),
/// so that a pair compares N threads sharing a table with 1 thread alone.
fn shared_tasks(n: u32) -> io::Result<ThreadTimer> {
    if n == 1 {
        return Ok(tasks_timer(vec![model::dense_task(4).1]));
    }
    let mut alone = private_tasks(n)?;
    let mut sharing = sharing_tasks(n);
    Ok(Box::new(move |threads, iters| match threads {
        Threads::First(k) if k > 1 => sharing(threads, iters),
        _ => alone(threads, iters),
    }))
}

/// N processes of one thread each, each with its own table.
fn private_tasks(n: u32) -> io::Result<ThreadTimer> {
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
}

/// A side's plain [`Timer`] (for criterion and the unpaired rows): all `n` threads.
fn all_threads(n: u32, mut timer: ThreadTimer) -> Timer {
    Box::new(move |iters| timer(Threads::First(n as usize), iters).wall)
}

fn shared(n: u32) -> Bench {
    Bench::new(
        format!("lookup_threads/{n}"),
        format!("F_GETFD from {n} threads sharing one table, per thread"),
    )
    .param("threads", n)
    .targets(None, (n == 2).then_some(Target::ScalingAtMost(1.25)))
    .thread_side(Side::Table, n, move || {
        let t = Arc::new(model::dense_table(4));
        let ops = (0..n)
            .map(|_| {
                let t = Arc::clone(&t);
                move || {
                    let _ = black_box(t.fcntl_getfd(black_box(BASE)));
                }
            })
            .collect();
        Ok(pool_timer(ops))
    })
    .thread_side(Side::System, n, move || shared_tasks(n))
    .reference(Reference::SameTable, move || Ok(sharing_tasks(n)))
    .reference(Reference::Unshared, move || private_tasks(n))
    .side(Side::Host, move || {
        let h = HostTable::new()?;
        let base = h.base;
        let ops = (0..n)
            .map(|_| {
                move || {
                    let _ = black_box(host::fcntl_getfd(black_box(base)));
                }
            })
            .collect();
        let mut timer = all_threads(n, pool_timer(ops));
        Ok(Box::new(move |iters| {
            let _keep_open = &h;
            timer(iters)
        }) as Timer)
    })
}

fn private(n: u32) -> Bench {
    Bench::new(
        format!("lookup_threads_private/{n}"),
        format!("F_GETFD from {n} threads, each its own process and table, per thread"),
    )
    .param("threads", n)
    .thread_side(Side::System, n, move || private_tasks(n))
}

//! Threads for the thread benches, started once per fixture and released together
//! by a spin on a generation number rather than a `Barrier`.
//!
//! A [`Pool`] of N runs operation 0 on the calling thread and operations 1..N on
//! threads of its own, which sleep (parked) between runs. A run on k threads first
//! wakes the k − 1 workers it needs and waits, untimed, until each spins on the
//! generation number; only then does it read the clock and publish the generation.
//! The workers see it within a cache-line transfer instead of a futex wake, so the
//! start costs no sleeper's wake-up, and workers left out of a run stay asleep and
//! leave their CPU to the others. Wall time still runs from the release to the
//! last thread's end: with more threads than cores, a worker that is not on a CPU
//! when released starts late and the run reads slower, as it should.

use crate::sample::Run;
use std::hint::spin_loop;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// What the calling thread and the workers share.
struct Control {
    /// The last generation announced: taking part workers get ready for it.
    armed: AtomicU64,
    /// The last generation released: the ready workers start.
    go: AtomicU64,
    /// Threads taking part in the armed generation (the caller included).
    threads: AtomicUsize,
    /// Operations each thread runs in the armed generation.
    iters: AtomicU64,
    /// Workers spinning on `go` for the armed generation.
    ready: AtomicUsize,
    /// Workers that finished the armed generation.
    done: AtomicUsize,
    /// Set when the pool is dropped.
    stop: AtomicBool,
    /// Each worker's own (start, end) in the last generation it took part in.
    times: Mutex<Vec<(Instant, Instant)>>,
}

/// N threads, each with its own copy of an operation; see the [module](self).
pub(crate) struct Pool<F: FnMut() + Send + 'static> {
    first: F,
    control: Arc<Control>,
    workers: Vec<JoinHandle<()>>,
    generation: u64,
}

impl<F: FnMut() + Send + 'static> Pool<F> {
    /// A pool of `ops.len()` threads (at least one): the first operation runs on the
    /// thread that calls [`Pool::run`], each other one on a worker started here.
    pub(crate) fn new(ops: Vec<F>) -> Pool<F> {
        let mut ops = ops.into_iter();
        let first = ops.next().expect("a pool has at least one operation");
        let now = Instant::now();
        let control = Arc::new(Control {
            armed: AtomicU64::new(0),
            go: AtomicU64::new(0),
            threads: AtomicUsize::new(0),
            iters: AtomicU64::new(0),
            ready: AtomicUsize::new(0),
            done: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
            times: Mutex::new(vec![(now, now); ops.len()]),
        });
        let workers = ops
            .enumerate()
            .map(|(slot, op)| {
                let control = Arc::clone(&control);
                std::thread::spawn(move || work(slot + 1, op, &control))
            })
            .collect();
        Pool {
            first,
            control,
            workers,
            generation: 0,
        }
    }

    /// Runs the operation `iters` times on each of the first `k` threads (clamped to
    /// 1..=N), all released at once, and returns the run's times.
    pub(crate) fn run(&mut self, k: usize, iters: u64) -> Run {
        let k = k.clamp(1, self.workers.len() + 1);
        let helpers = k - 1;
        let c = &*self.control;
        self.generation += 1;
        c.threads.store(k, Ordering::Relaxed);
        c.iters.store(iters, Ordering::Relaxed);
        c.ready.store(0, Ordering::Relaxed);
        c.done.store(0, Ordering::Relaxed);
        c.armed.store(self.generation, Ordering::Release);
        for worker in &self.workers[..helpers] {
            worker.thread().unpark();
        }
        wait_until(|| c.ready.load(Ordering::Acquire) == helpers);
        let release = Instant::now();
        c.go.store(self.generation, Ordering::Release);
        let start = Instant::now();
        for _ in 0..iters {
            (self.first)();
        }
        let end = Instant::now();
        wait_until(|| c.done.load(Ordering::Acquire) == helpers);
        let times = c.times.lock().unwrap_or_else(PoisonError::into_inner);
        let mut last = end;
        let mut own = end - start;
        for &(s, e) in &times[..helpers] {
            last = last.max(e);
            own += e.saturating_duration_since(s);
        }
        Run {
            wall: last.saturating_duration_since(release),
            own: own / k as u32,
        }
    }
}

impl<F: FnMut() + Send + 'static> Drop for Pool<F> {
    fn drop(&mut self) {
        self.control.stop.store(true, Ordering::Release);
        for worker in self.workers.drain(..) {
            worker.thread().unpark();
            // A worker that panicked has nothing left to clean up.
            let _ = worker.join();
        }
    }
}

/// Worker `index` (1-based; 0 is the caller): sleeps until a generation is armed,
/// and if it takes part, says it is ready, spins until the release, runs its loop
/// and records its own start and end.
fn work<F: FnMut()>(index: usize, mut op: F, c: &Control) {
    let mut seen = 0;
    loop {
        let armed = loop {
            if c.stop.load(Ordering::Acquire) {
                return;
            }
            let armed = c.armed.load(Ordering::Acquire);
            if armed != seen {
                break armed;
            }
            std::thread::park();
        };
        seen = armed;
        if index >= c.threads.load(Ordering::Relaxed) {
            continue;
        }
        let iters = c.iters.load(Ordering::Relaxed);
        c.ready.fetch_add(1, Ordering::Release);
        wait_until(|| c.go.load(Ordering::Acquire) == armed || c.stop.load(Ordering::Relaxed));
        let start = Instant::now();
        for _ in 0..iters {
            op();
        }
        let end = Instant::now();
        c.times.lock().unwrap_or_else(PoisonError::into_inner)[index - 1] = (start, end);
        c.done.fetch_add(1, Ordering::Release);
    }
}

/// Spins until `cond` holds, yielding the CPU after the first microseconds so that a
/// thread waiting for another one on the same core lets it run.
fn wait_until(mut cond: impl FnMut() -> bool) {
    let spinning = Instant::now();
    while !cond() {
        if spinning.elapsed() < Duration::from_micros(50) {
            spin_loop();
        } else {
            std::thread::yield_now();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Pool;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    /// A pool of three counters: operation i adds one to counter i.
    fn counting() -> (Pool<impl FnMut() + Send + 'static>, Arc<[AtomicU64; 3]>) {
        let counts = Arc::new([AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0)]);
        let ops = (0..3)
            .map(|i| {
                let counts = Arc::clone(&counts);
                move || {
                    counts[i].fetch_add(1, Ordering::Relaxed);
                }
            })
            .collect();
        (Pool::new(ops), counts)
    }

    fn read(counts: &[AtomicU64; 3]) -> [u64; 3] {
        [0, 1, 2].map(|i| counts[i].load(Ordering::Relaxed))
    }

    #[test]
    fn a_run_on_k_threads_runs_exactly_the_first_k_operations() {
        let (mut pool, counts) = counting();
        pool.run(2, 100);
        assert_eq!(read(&counts), [100, 100, 0]);
        pool.run(3, 10);
        assert_eq!(read(&counts), [110, 110, 10]);
        pool.run(1, 5);
        assert_eq!(read(&counts), [115, 110, 10]);
        pool.run(0, 1); // clamped to 1
        pool.run(9, 1); // clamped to 3
        assert_eq!(read(&counts), [117, 111, 11]);
        for k in 1..=3 {
            let run = pool.run(k, 1000);
            assert!(run.wall >= run.own, "{k} threads: {run:?}");
        }
    }

    #[test]
    fn wall_time_waits_for_the_slowest_thread_and_own_time_averages() {
        let ops: Vec<Box<dyn FnMut() + Send>> = vec![
            Box::new(|| {}),
            Box::new(|| std::thread::sleep(Duration::from_millis(2))),
        ];
        let mut pool = Pool::new(ops);
        let one = pool.run(1, 3);
        assert!(one.wall < Duration::from_millis(6), "{one:?}");
        let two = pool.run(2, 3);
        assert!(two.wall >= Duration::from_millis(6), "{two:?}");
        // (~0 + ≥ 6 ms) / 2 threads.
        assert!(two.own >= Duration::from_millis(3), "{two:?}");
        assert!(two.own < two.wall, "{two:?}");
    }
}

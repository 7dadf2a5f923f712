//! Threads for the thread benches, started once per fixture and released together
//! by a spin on a generation number rather than a `Barrier`.
//!
//! A [`Pool`] of N runs operation 0 on the calling thread and operations 1..N on
//! threads of its own, which sleep (parked) between runs. A run first wakes the
//! workers it needs and waits, untimed, until each spins on the generation number;
//! only then does it read the clock and publish the generation.
//! The workers see it within a cache-line transfer instead of a futex wake, so the
//! start costs no sleeper's wake-up, and workers left out of a run stay asleep and
//! leave their CPU to the others. Wall time still runs from the release to the
//! last thread's end: with more threads than cores, a worker that is not on a CPU
//! when released starts late and the run reads slower, as it should.

use crate::sample::{Run, Threads};
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
    /// The threads taking part in the armed generation: `lo..hi` (0 is the caller).
    lo: AtomicUsize,
    hi: AtomicUsize,
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
            lo: AtomicUsize::new(0),
            hi: AtomicUsize::new(0),
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

    /// Runs the operation `iters` times on each of the `threads` (clamped to the
    /// pool's), all released at once, and returns the run's times.
    pub(crate) fn run(&mut self, threads: Threads, iters: u64) -> Run {
        let n = self.workers.len() + 1;
        let (lo, hi) = match threads {
            Threads::First(k) => (0, k.clamp(1, n)),
            Threads::Only(i) => (i.min(n - 1), i.min(n - 1) + 1),
        };
        let helpers = lo.max(1)..hi;
        let c = &*self.control;
        self.generation += 1;
        c.lo.store(lo, Ordering::Relaxed);
        c.hi.store(hi, Ordering::Relaxed);
        c.iters.store(iters, Ordering::Relaxed);
        c.ready.store(0, Ordering::Relaxed);
        c.done.store(0, Ordering::Relaxed);
        c.armed.store(self.generation, Ordering::Release);
        for worker in &self.workers[helpers.start - 1..helpers.end - 1] {
            worker.thread().unpark();
        }
        let workers = &self.workers[helpers.start - 1..helpers.end - 1];
        wait_until(|| c.ready.load(Ordering::Acquire) == helpers.len() || check_alive(workers));
        let release = Instant::now();
        c.go.store(self.generation, Ordering::Release);
        let mut spans = Vec::with_capacity(hi - lo);
        if lo == 0 {
            let start = Instant::now();
            for _ in 0..iters {
                (self.first)();
            }
            spans.push((start, Instant::now()));
        }
        wait_done(|| c.done.load(Ordering::Acquire) == helpers.len() || check_alive(workers));
        let times = c.times.lock().unwrap_or_else(PoisonError::into_inner);
        spans.extend(helpers.map(|i| times[i - 1]));
        let ends: Vec<Duration> = spans
            .iter()
            .map(|(_, end)| end.saturating_duration_since(release))
            .collect();
        let own: Duration = spans
            .iter()
            .map(|(start, end)| end.saturating_duration_since(*start))
            .sum();
        Run {
            wall: ends.iter().copied().max().unwrap_or_default(),
            own: own / spans.len() as u32,
            ends,
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
        if !(c.lo.load(Ordering::Relaxed)..c.hi.load(Ordering::Relaxed)).contains(&index) {
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

/// `false`, or a panic if one of `workers` has ended (its operation panicked), so
/// that the caller does not wait for it forever.
fn check_alive(workers: &[JoinHandle<()>]) -> bool {
    assert!(
        !workers.iter().any(JoinHandle::is_finished),
        "a bench worker thread ended during a run"
    );
    false
}

/// Spins until `cond` holds, yielding the CPU after the first microseconds so that a
/// thread waiting for another one on the same core lets it run (for the release,
/// which must follow the workers' readiness closely).
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

/// Waits until `cond` holds, spinning briefly and then sleeping in short naps: for
/// the end of a run, whose times the threads have taken themselves, so the caller
/// need not notice at once and had better leave the CPUs to the workers.
fn wait_done(mut cond: impl FnMut() -> bool) {
    let spinning = Instant::now();
    while !cond() {
        if spinning.elapsed() < Duration::from_micros(20) {
            spin_loop();
        } else {
            std::thread::park_timeout(Duration::from_micros(50));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Pool;
    use crate::sample::Threads::{First, Only};
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
    fn a_run_runs_exactly_the_chosen_operations() {
        let (mut pool, counts) = counting();
        let run = pool.run(First(2), 100);
        assert_eq!(read(&counts), [100, 100, 0]);
        assert_eq!(run.ends.len(), 2, "{run:?}");
        pool.run(First(3), 10);
        assert_eq!(read(&counts), [110, 110, 10]);
        pool.run(First(1), 5);
        assert_eq!(read(&counts), [115, 110, 10]);
        pool.run(First(0), 1); // clamped to 1
        pool.run(First(9), 1); // clamped to 3
        assert_eq!(read(&counts), [117, 111, 11]);
        for i in 0..3 {
            let run = pool.run(Only(i), 1000);
            assert_eq!(run.ends.len(), 1, "{run:?}");
            assert_eq!(run.wall, run.ends[0]);
        }
        assert_eq!(read(&counts), [1117, 1111, 1011]);
        pool.run(Only(7), 1); // clamped to the last
        assert_eq!(read(&counts), [1117, 1111, 1012]);
        for k in 1..=3 {
            let run = pool.run(First(k), 1000);
            assert!(run.wall >= run.own, "{k} threads: {run:?}");
            assert_eq!(run.ends.iter().max(), Some(&run.wall), "{run:?}");
        }
    }

    #[test]
    fn wall_time_waits_for_the_slowest_thread_and_own_time_averages() {
        let ops: Vec<Box<dyn FnMut() + Send>> = vec![
            Box::new(|| {}),
            Box::new(|| std::thread::sleep(Duration::from_millis(2))),
        ];
        let mut pool = Pool::new(ops);
        let one = pool.run(First(1), 3);
        assert!(one.wall < Duration::from_millis(6), "{one:?}");
        let two = pool.run(First(2), 3);
        assert!(two.wall >= Duration::from_millis(6), "{two:?}");
        assert!(two.ends[0] < Duration::from_millis(6), "{two:?}");
        assert_eq!(two.ends[1], two.wall, "{two:?}");
        // (~0 + ≥ 6 ms) / 2 threads.
        assert!(two.own >= Duration::from_millis(3), "{two:?}");
        assert!(two.own < two.wall, "{two:?}");
        let slow = pool.run(Only(1), 3);
        assert!(slow.wall >= Duration::from_millis(6), "{slow:?}");
    }

    #[test]
    #[should_panic(expected = "a bench worker thread ended during a run")]
    fn a_worker_whose_operation_panics_fails_the_run_instead_of_hanging() {
        let ops: Vec<Box<dyn FnMut() + Send>> =
            vec![Box::new(|| {}), Box::new(|| panic!("operation failed"))];
        Pool::new(ops).run(First(2), 1);
    }
}

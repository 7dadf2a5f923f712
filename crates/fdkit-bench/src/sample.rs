//! Sampling: calibrate an iteration count, take samples, keep the median.
//!
//! A [`Timer`] runs its operation `iters` times and returns the time that counts (most
//! time the whole loop; a few time each call and leave their per-iteration setup out).
//! That is criterion's `iter_custom` contract, so the same timers serve criterion and
//! [`crate::run_suite`].

use std::time::{Duration, Instant};

/// Runs an operation `iters` times and returns the measured time.
pub type Timer = Box<dyn FnMut(u64) -> Duration>;

/// How long to sample.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sampling {
    /// Each sample runs at least this long (an operation slower than this runs once).
    pub sample_time: Duration,
    /// Samples taken after calibration; the median is reported.
    pub samples: u32,
}

impl Sampling {
    /// About 5 ms per sample, 7 samples: the quick suite.
    pub const QUICK: Sampling = Sampling {
        sample_time: Duration::from_millis(5),
        samples: 7,
    };
    /// About 20 ms per sample, 21 samples.
    pub const FULL: Sampling = Sampling {
        sample_time: Duration::from_millis(20),
        samples: 21,
    };
}

/// The result of sampling one timer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stats {
    /// Median of the samples, in nanoseconds per iteration.
    pub median_ns: f64,
    /// Fastest sample, ns per iteration.
    pub min_ns: f64,
    /// Slowest sample, ns per iteration.
    pub max_ns: f64,
    /// Iterations per sample.
    pub iters: u64,
    /// Samples taken.
    pub samples: u32,
}

impl Stats {
    /// `(max − min) / median`: how noisy the samples were.
    pub fn spread(&self) -> f64 {
        (self.max_ns - self.min_ns) / self.median_ns
    }
}

/// Calibrates (doubling the iteration count until a run lasts `sample_time`; these
/// runs are the warm-up), then takes `samples` samples.
pub fn measure(timer: &mut Timer, sampling: Sampling) -> Stats {
    let mut iters = 1u64;
    while iters < 1 << 32 && timer(iters) < sampling.sample_time {
        iters *= 2;
    }
    let mut per_iter: Vec<f64> = (0..sampling.samples.max(1))
        .map(|_| timer(iters).as_nanos() as f64 / iters as f64)
        .collect();
    per_iter.sort_by(f64::total_cmp);
    Stats {
        median_ns: per_iter[per_iter.len() / 2],
        min_ns: per_iter[0],
        max_ns: per_iter[per_iter.len() - 1],
        iters,
        samples: per_iter.len() as u32,
    }
}

/// A timer that times the whole loop of `op`.
pub fn looped(mut op: impl FnMut() + 'static) -> Timer {
    Box::new(move |iters| {
        let start = Instant::now();
        for _ in 0..iters {
            op();
        }
        start.elapsed()
    })
}

/// A timer that runs `setup` on `state` untimed before each timed `op` (for
/// operations that consume what they work on, like the exec sweep). Each timed call
/// also pays for one clock read (about 20-40 ns here): use it only for operations
/// far slower than that.
pub fn each<S: 'static>(
    mut state: S,
    mut setup: impl FnMut(&mut S) + 'static,
    mut op: impl FnMut(&mut S) + 'static,
) -> Timer {
    Box::new(move |iters| {
        let mut total = Duration::ZERO;
        for _ in 0..iters {
            setup(&mut state);
            let start = Instant::now();
            op(&mut state);
            total += start.elapsed();
        }
        total
    })
}

//! Sampling: calibrate an iteration count, take samples, keep the median.
//!
//! A [`Timer`] runs its operation `iters` times and returns the time that counts (most
//! time the whole loop; a few time each call and leave their per-iteration setup out).
//! That is criterion's `iter_custom` contract, so the same timers serve criterion and
//! [`crate::run_suite`].
//!
//! Thread benches also have a [`ThreadTimer`], which runs the loop on any number of
//! its threads, so that [`measure_pairs`] can time one thread and N threads back to
//! back on the same fixture and judge their ratio pair by pair ([`Scaling`]).

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
#[derive(Clone, Debug, PartialEq)]
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
    /// Thread benches measured by [`measure_pairs`]: N threads against 1, pair by pair.
    pub scaling: Option<Scaling>,
    /// The same pairs on the bench's reference fixtures, interleaved with the pairs
    /// of `scaling` ([`measure_pairs`]).
    pub references: Vec<Option<Scaling>>,
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
    let iters = calibrate(&mut |iters| timer(iters), sampling.sample_time);
    let per_iter: Vec<f64> = (0..sampling.samples.max(1))
        .map(|_| per_iter(timer(iters), iters))
        .collect();
    stats(per_iter, iters)
}

/// The iteration count whose run lasts at least `sample_time`, found by doubling.
fn calibrate(run: &mut dyn FnMut(u64) -> Duration, sample_time: Duration) -> u64 {
    let mut iters = 1u64;
    while iters < 1 << 32 && run(iters) < sample_time {
        iters *= 2;
    }
    iters
}

fn per_iter(time: Duration, iters: u64) -> f64 {
    time.as_nanos() as f64 / iters as f64
}

fn stats(mut per_iter: Vec<f64>, iters: u64) -> Stats {
    per_iter.sort_by(f64::total_cmp);
    Stats {
        median_ns: per_iter[per_iter.len() / 2],
        min_ns: per_iter[0],
        max_ns: per_iter[per_iter.len() - 1],
        iters,
        samples: per_iter.len() as u32,
        scaling: None,
        references: Vec::new(),
    }
}

/// One timed run of a thread bench's loop: every taking part thread runs the
/// operation `iters` times, all released together.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Run {
    /// From the release to the end of the last thread: what the bench reports, so a
    /// thread that waits for a CPU (more threads than cores) counts its wait.
    pub wall: Duration,
    /// Each thread's own time from its start to its end, averaged over the threads:
    /// the wall time without the threads' start lag and the wait for the slowest.
    pub own: Duration,
}

/// A thread bench's fixture: `timer(k, iters)` runs the loop on `k` of its threads
/// at once (1 ≤ k ≤ its thread count), `iters` operations each.
pub type ThreadTimer = Box<dyn FnMut(usize, u64) -> Run>;

/// N threads against 1, measured in pairs: each pair is a 1-thread run and an
/// N-thread run of the same fixture with the same iteration count, back to back, so
/// whatever drifts between runs (clock frequency, neighbours, steal) weighs on both
/// halves of a pair alike.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scaling {
    /// Median over the pairs of `wall(N) / wall(1)` ([`Run::wall`]). 1.0 is perfect
    /// scaling; N threads on fewer cores read about N / cores.
    pub median: f64,
    /// `(max − min) / median` of the pairs' wall-time ratios.
    pub spread: f64,
    /// Median over the pairs of `own(N) / own(1)` ([`Run::own`]).
    pub own: f64,
    /// Pairs that gave a ratio.
    pub pairs: u32,
}

/// The median of `values` (the mean of the middle two for an even count), or `None`
/// for none. NaNs sort last.
pub fn median(values: &mut [f64]) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(values[n / 2]),
        _ => Some((values[n / 2 - 1] + values[n / 2]) / 2.0),
    }
}

/// Judges `(one thread, N threads)` pairs: [`Scaling`] over the pairs whose two
/// halves both took time (a zero reading is the clock's granularity, not a speed),
/// or `None` when no pair did.
pub fn scaling(pairs: &[(Run, Run)]) -> Option<Scaling> {
    let ratio = |many: Duration, one: Duration| many.as_secs_f64() / one.as_secs_f64();
    let usable: Vec<&(Run, Run)> = pairs
        .iter()
        .filter(|(one, many)| {
            [one.wall, one.own, many.wall, many.own]
                .iter()
                .all(|d| !d.is_zero())
        })
        .collect();
    let mut wall: Vec<f64> = usable.iter().map(|(o, m)| ratio(m.wall, o.wall)).collect();
    let mut own: Vec<f64> = usable.iter().map(|(o, m)| ratio(m.own, o.own)).collect();
    let median_wall = median(&mut wall)?;
    Some(Scaling {
        median: median_wall,
        spread: (wall[wall.len() - 1] - wall[0]) / median_wall,
        own: median(&mut own)?,
        pairs: wall.len() as u32,
    })
}

/// Measures a thread bench at `threads` threads in pairs ([`Scaling`]): calibrates
/// the `threads`-thread run to `sample_time`, then takes `samples` pairs, the
/// 1-thread half first in even pairs and last in odd ones. Each reference fixture
/// (the same work set up otherwise: on one table throughout, with nothing shared
/// ...) is calibrated likewise and paired the same way, its pair taken right after
/// the main fixture's, so that every [`Scaling`] sees the same machine
/// ([`Stats::references`], in the order given). The [`Stats`] figures are the
/// main fixture's `threads`-thread runs' wall times.
pub fn measure_pairs(
    timer: &mut ThreadTimer,
    threads: usize,
    references: &mut [ThreadTimer],
    sampling: Sampling,
) -> Stats {
    let calibrated = |timer: &mut ThreadTimer| {
        calibrate(
            &mut |iters| timer(threads, iters).wall,
            sampling.sample_time,
        )
    };
    let iters = calibrated(timer);
    let reference_iters: Vec<u64> = references.iter_mut().map(calibrated).collect();
    let pair = |timer: &mut ThreadTimer, iters: u64, one_first: bool| {
        if one_first {
            let one = timer(1, iters);
            (one, timer(threads, iters))
        } else {
            let many = timer(threads, iters);
            (timer(1, iters), many)
        }
    };
    let mut pairs = Vec::new();
    let mut reference_pairs = vec![Vec::new(); references.len()];
    for i in 0..sampling.samples.max(1) {
        pairs.push(pair(timer, iters, i % 2 == 0));
        for ((reference, &iters), out) in references
            .iter_mut()
            .zip(&reference_iters)
            .zip(&mut reference_pairs)
        {
            out.push(pair(reference, iters, i % 2 == 0));
        }
    }
    let per_iter = pairs.iter().map(|(_, many)| per_iter(many.wall, iters));
    Stats {
        scaling: scaling(&pairs),
        references: reference_pairs.iter().map(|p| scaling(p)).collect(),
        ..stats(per_iter.collect(), iters)
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

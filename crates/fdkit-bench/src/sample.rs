//! Sampling: calibrate an iteration count, take samples, keep the median.
//!
//! A [`Timer`] runs its operation `iters` times and returns the time that counts (most
//! time the whole loop; a few time each call and leave their per-iteration setup out).
//! That is criterion's `iter_custom` contract, so the same timers serve criterion and
//! [`crate::run_suite`].
//!
//! Thread benches also have a [`ThreadTimer`], which runs the loop on any of its
//! threads, so that [`measure_pairs`] can time each thread alone and all N at once
//! back to back on the same fixture and judge their ratio pair by pair
//! ([`Scaling`]).

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
    /// Pairs taken by [`measure_pairs`] (thread benches at N > 1 threads): more than
    /// `samples`, since a pair's ratio is noisier than one run (it holds N + 1 runs,
    /// each of which a neighbour can slow down).
    pub pairs: u32,
}

impl Sampling {
    /// About 5 ms per sample, 7 samples (15 pairs): the quick suite.
    pub const QUICK: Sampling = Sampling {
        sample_time: Duration::from_millis(5),
        samples: 7,
        pairs: 15,
    };
    /// About 20 ms per sample, 21 samples (31 pairs).
    pub const FULL: Sampling = Sampling {
        sample_time: Duration::from_millis(20),
        samples: 21,
        pairs: 31,
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

/// Which of a thread bench fixture's threads run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Threads {
    /// The first k, at once.
    First(usize),
    /// Thread i alone (0-based).
    Only(usize),
}

/// One timed run of a thread bench's loop: every taking part thread runs the
/// operation `iters` times, all released together.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Run {
    /// From the release to the end of the last thread: what the bench reports, so a
    /// thread that waits for a CPU (more threads than cores) counts its wait.
    pub wall: Duration,
    /// Each thread's own time from its start to its end, averaged over the threads:
    /// the wall time without the threads' start lag and the wait for the slowest.
    pub own: Duration,
    /// From the release to each thread's end, in thread order.
    pub ends: Vec<Duration>,
}

impl Run {
    /// A run of one thread (or of threads that all ended together) lasting `wall`,
    /// with `own` as its own time.
    pub fn single(wall: Duration, own: Duration) -> Run {
        Run {
            wall,
            own,
            ends: vec![wall],
        }
    }
}

/// A thread bench's fixture: `timer(threads, iters)` runs the loop on those of its
/// threads, `iters` operations each.
pub type ThreadTimer = Box<dyn FnMut(Threads, u64) -> Run>;

/// One pair: each of the N threads alone, then all N at once (or the other way
/// round), with the same iteration count.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Pair {
    /// Thread i alone, for each i.
    pub alone: Vec<Run>,
    /// All N at once.
    pub together: Run,
}

impl Pair {
    /// `(wall, own)` ratios of the pair, or `None` if a time it needs is zero (the
    /// clock's granularity, not a speed) or the pair is incomplete. Wall: the largest
    /// over the threads of (release → its end, all at once) / (its time alone), so a
    /// thread on a slower CPU is compared with itself; with threads of equal speed
    /// this is the wall time of the N-thread run over the 1-thread one. Own: the
    /// threads' mean own time at once over their mean time alone.
    pub fn ratios(&self) -> Option<(f64, f64)> {
        let n = self.alone.len();
        if n == 0 || self.together.ends.len() != n {
            return None;
        }
        let mut wall = 0.0f64;
        for (end, alone) in self.together.ends.iter().zip(&self.alone) {
            if end.is_zero() || alone.wall.is_zero() {
                return None;
            }
            wall = wall.max(end.as_secs_f64() / alone.wall.as_secs_f64());
        }
        let alone_own: Duration = self.alone.iter().map(|r| r.own).sum::<Duration>() / n as u32;
        if alone_own.is_zero() || self.together.own.is_zero() {
            return None;
        }
        Some((
            wall,
            self.together.own.as_secs_f64() / alone_own.as_secs_f64(),
        ))
    }
}

/// N threads against 1, measured in pairs ([`Pair`]), taken back to back on the same
/// fixture, so whatever drifts between runs (clock frequency, neighbours, steal)
/// weighs on both halves of a pair alike, and each thread is compared with itself
/// alone, so one CPU slower than the other (a busy neighbour on the host) does not
/// read as a cost of running at once.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scaling {
    /// Median over the pairs of their wall ratio ([`Pair::ratios`]). 1.0 is perfect
    /// scaling; N threads on fewer cores read about N / cores.
    pub median: f64,
    /// `(max − min) / median` of the pairs' wall ratios.
    pub spread: f64,
    /// Median over the pairs of their own-time ratio ([`Run::own`]).
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

/// [`Scaling`] over the pairs that give ratios ([`Pair::ratios`]), or `None` when
/// none does.
pub fn scaling(pairs: &[Pair]) -> Option<Scaling> {
    let (mut wall, mut own): (Vec<f64>, Vec<f64>) = pairs.iter().filter_map(Pair::ratios).unzip();
    let median_wall = median(&mut wall)?;
    Some(Scaling {
        median: median_wall,
        spread: (wall[wall.len() - 1] - wall[0]) / median_wall,
        own: median(&mut own)?,
        pairs: wall.len() as u32,
    })
}

/// Measures a thread bench at `threads` threads in pairs ([`Scaling`]): calibrates
/// the `threads`-thread run to `sample_time`, then takes `pairs` pairs, the
/// threads alone first in even pairs and last in odd ones. Each reference fixture
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
    let all = Threads::First(threads);
    let calibrated = |timer: &mut ThreadTimer| {
        calibrate(&mut |iters| timer(all, iters).wall, sampling.sample_time)
    };
    let iters = calibrated(timer);
    let reference_iters: Vec<u64> = references.iter_mut().map(calibrated).collect();
    let pair = |timer: &mut ThreadTimer, iters: u64, alone_first: bool| {
        let alone = |timer: &mut ThreadTimer| {
            (0..threads)
                .map(|i| timer(Threads::Only(i), iters))
                .collect()
        };
        if alone_first {
            let alone = alone(timer);
            Pair {
                alone,
                together: timer(all, iters),
            }
        } else {
            let together = timer(all, iters);
            Pair {
                alone: alone(timer),
                together,
            }
        }
    };
    let mut pairs = Vec::new();
    let mut reference_pairs = vec![Vec::new(); references.len()];
    for i in 0..sampling.pairs.max(1) {
        pairs.push(pair(timer, iters, i % 2 == 0));
        for ((reference, &iters), out) in references
            .iter_mut()
            .zip(&reference_iters)
            .zip(&mut reference_pairs)
        {
            out.push(pair(reference, iters, i % 2 == 0));
        }
    }
    let per_iter = pairs.iter().map(|p| per_iter(p.together.wall, iters));
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

//! The paired scaling measurement: medians of per-pair ratios, each thread against
//! itself alone, pairs with a zero reading, the order of the runs, and drift between
//! pairs, with fake thread timers whose durations are chosen (no real timing is
//! asserted).

use fdkit_bench::sample::{
    measure_pairs, median, scaling, Pair, Run, Sampling, ThreadTimer, Threads,
};
use fdkit_bench::{Measurement, Target};
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

fn ns(n: u64) -> Duration {
    Duration::from_nanos(n)
}

/// A run of threads ending `ends` ns after the release, each busy all along.
fn run(ends: &[u64]) -> Run {
    let ends: Vec<Duration> = ends.iter().map(|&e| ns(e)).collect();
    let own = ends.iter().sum::<Duration>() / ends.len().max(1) as u32;
    Run {
        wall: ends.iter().copied().max().unwrap_or_default(),
        own,
        ends,
    }
}

/// Each thread alone taking `alone[i]` ns, then all at once ending at `together`.
fn pair(alone: &[u64], together: &[u64]) -> Pair {
    Pair {
        alone: alone.iter().map(|&t| run(&[t])).collect(),
        together: run(together),
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn median_of_odd_and_even_counts() {
    assert_eq!(median(&mut []), None);
    assert_eq!(median(&mut [4.0]), Some(4.0));
    assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
    assert_eq!(
        median(&mut [4.0, 1.0, 3.0, 2.0]),
        Some(2.5),
        "mean of the middle two"
    );
    assert_eq!(median(&mut [1.0, 9.0]), Some(5.0));
}

#[test]
fn scaling_is_the_median_of_the_pairs_ratios_not_the_ratio_of_medians() {
    // Pair ratios 1.0, 2.0, 1.1: median 1.1. The medians of the halves (100 and 220)
    // would say 2.2.
    let pairs = [
        pair(&[100], &[100]),
        pair(&[50], &[100]),
        pair(&[200], &[220]),
    ];
    let s = scaling(&pairs).unwrap();
    assert!(close(s.median, 1.1), "{s:?}");
    assert!(close(s.spread, (2.0 - 1.0) / 1.1), "{s:?}");
    assert_eq!(s.pairs, 3);
}

#[test]
fn an_even_number_of_pairs_takes_the_mean_of_the_middle_two() {
    let pairs = [
        pair(&[100, 100], &[100, 100]), // 1.0
        pair(&[100, 100], &[120, 110]), // 1.2
        pair(&[100, 100], &[100, 140]), // 1.4
        pair(&[100, 100], &[300, 100]), // 3.0
    ];
    let s = scaling(&pairs).unwrap();
    assert!(close(s.median, 1.3), "{s:?}");
    assert!(close(s.spread, 2.0 / 1.3), "{s:?}");
    assert_eq!(s.pairs, 4);
}

#[test]
fn each_thread_is_compared_with_itself_alone() {
    // Thread 1's CPU is 1.7× slower than thread 0's, alone and at once: no cost of
    // running together (the ratio of wall times would say 1.7).
    let s = scaling(&[pair(&[100, 170], &[100, 170])]).unwrap();
    assert!(close(s.median, 1.0), "{s:?}");
    // Both 20 % slower at once.
    let s = scaling(&[pair(&[100, 170], &[120, 204])]).unwrap();
    assert!(close(s.median, 1.2), "{s:?}");
    // The slow thread's end, from the release, counts its late start: 2.0.
    let s = scaling(&[pair(&[100, 170], &[100, 340])]).unwrap();
    assert!(close(s.median, 2.0), "{s:?}");
    // The worst thread decides: thread 0 at 1.5×, thread 1 at 1.0×.
    let s = scaling(&[pair(&[100, 170], &[150, 170])]).unwrap();
    assert!(close(s.median, 1.5), "{s:?}");
}

#[test]
fn own_times_give_their_own_ratio() {
    // The second thread ends at 200 (it started late); each thread's own time is
    // 110 at once against 100 alone.
    let two = Run {
        wall: ns(200),
        own: ns(110),
        ends: vec![ns(110), ns(200)],
    };
    let p = Pair {
        alone: vec![run(&[100]), run(&[100])],
        together: two,
    };
    let s = scaling(&[p]).unwrap();
    assert!(close(s.median, 2.0) && close(s.own, 1.1), "{s:?}");
}

#[test]
fn pairs_with_a_zero_reading_or_missing_threads_are_left_out() {
    assert_eq!(scaling(&[]), None);
    assert_eq!(scaling(&[pair(&[0], &[0])]), None);
    assert_eq!(scaling(&[pair(&[0], &[100]), pair(&[100], &[0])]), None);
    assert_eq!(scaling(&[pair(&[100, 0], &[100, 100])]), None);
    let own_zero = Pair {
        alone: vec![Run::single(ns(100), Duration::ZERO)],
        together: run(&[100]),
    };
    assert_eq!(own_zero.ratios(), None);
    // Two threads alone, one end at once (or the other way round): incomplete.
    assert_eq!(pair(&[100, 100], &[100]).ratios(), None);
    assert_eq!(pair(&[100], &[100, 100]).ratios(), None);
    assert_eq!(pair(&[], &[]).ratios(), None);
    let s = scaling(&[pair(&[0], &[100]), pair(&[100], &[150]), pair(&[80], &[0])]).unwrap();
    assert_eq!(s.pairs, 1);
    assert!(close(s.median, 1.5) && close(s.spread, 0.0), "{s:?}");
}

/// The calls made to fake fixtures: `(fixture, threads, iters)`.
type Log = Rc<RefCell<Vec<(&'static str, Threads, u64)>>>;

/// A fake fixture of `alone.len()` threads: thread i takes `alone[i]` ns per
/// iteration alone and `together[i]` at once, times the current pair's slowdown
/// (which changes only between pairs: calibration runs at 1×, then each pair's N + 1
/// runs share one entry of `slowdowns`). Every call is logged.
fn fake(
    name: &'static str,
    alone: &'static [u64],
    together: &'static [u64],
    slowdowns: &'static [u64],
    log: &Log,
) -> ThreadTimer {
    let log = Rc::clone(log);
    let n = alone.len();
    // Runs after calibration, which ends with the first run of a thread alone (pair
    // 0 runs the threads alone first).
    let mut sampled = None::<usize>;
    Box::new(move |threads, iters| {
        log.borrow_mut().push((name, threads, iters));
        if matches!(threads, Threads::Only(_)) && sampled.is_none() {
            sampled = Some(0);
        }
        let slowdown = match &mut sampled {
            None => 1,
            Some(calls) => {
                *calls += 1;
                slowdowns[((*calls - 1) / (n + 1)) % slowdowns.len()]
            }
        };
        let ends: Vec<u64> = match threads {
            Threads::Only(i) => vec![alone[i]],
            Threads::First(k) => together[..k].to_vec(),
        };
        let ends: Vec<u64> = ends.iter().map(|t| iters * t * slowdown).collect();
        run(&ends)
    })
}

#[test]
fn pairs_alternate_their_order_share_an_iteration_count_and_cancel_drift() {
    let log = Log::default();
    // Shared: at once, each thread takes 1.2× its time alone, and thread 1 is on a
    // slower CPU; the machine slows down 1×, 4×, 2× from pair to pair. Unshared: at
    // once 1.1×, same drift.
    let mut shared = fake("shared", &[10, 15], &[12, 18], &[1, 4, 2], &log);
    let unshared = fake("unshared", &[10, 10], &[11, 11], &[1, 4, 2], &log);
    let sampling = Sampling {
        sample_time: ns(2_000),
        samples: 9,
        pairs: 5,
    };
    let mut references = [unshared];
    let stats = measure_pairs(&mut shared, 2, &mut references, sampling);

    let s = stats.scaling.unwrap();
    assert!(close(s.median, 1.2) && close(s.spread, 0.0), "{s:?}");
    assert!(close(s.own, 1.2), "{s:?}");
    assert_eq!(s.pairs, 5);
    assert_eq!(stats.references.len(), 1);
    let u = stats.references[0].unwrap();
    assert!(close(u.median, 1.1) && close(u.spread, 0.0), "{u:?}");
    // The row's figure is the median of the 2-thread runs' wall times (18 ns per
    // iteration, the slower thread) over the pairs: 18 × (1, 4, 2, 1, 4).
    assert_eq!(stats.samples, 5, "one figure per pair");
    assert!(close(stats.median_ns, 36.0), "{stats:?}");
    assert!(
        close(stats.min_ns, 18.0) && close(stats.max_ns, 72.0),
        "{stats:?}"
    );

    let log = log.borrow();
    let both = Threads::First(2);
    // Calibration doubles on 2 threads until 2 µs: 18 ns × 128 ≥ 2000 > 18 × 64. The
    // unshared fixture calibrates likewise: 11 ns × 256 ≥ 2000 > 11 × 128.
    let shared_cal: Vec<u64> = log[..8].iter().map(|&(_, _, i)| i).collect();
    assert!(log[..8].iter().all(|&(n, t, _)| n == "shared" && t == both));
    assert_eq!(shared_cal, (0..=7).map(|p| 1 << p).collect::<Vec<u64>>());
    assert!(log[8..17]
        .iter()
        .all(|&(n, t, _)| n == "unshared" && t == both));
    assert_eq!(log[16].2, 256);
    assert_eq!(stats.iters, 128);
    // Then per pair: the shared pair, then the unshared one, each thread alone first
    // in even pairs and last in odd ones, every run at its fixture's count.
    let sampled = &log[17..];
    assert_eq!(sampled.len(), 5 * 6);
    let (a, b) = (Threads::Only(0), Threads::Only(1));
    for (p, round) in sampled.chunks(6).enumerate() {
        let order = if p % 2 == 0 {
            [a, b, both]
        } else {
            [both, a, b]
        };
        let want: Vec<_> = order
            .iter()
            .map(|&t| ("shared", t, 128))
            .chain(order.iter().map(|&t| ("unshared", t, 256)))
            .collect();
        assert_eq!(round, want, "pair {p}");
    }
}

#[test]
fn each_reference_gets_its_own_figure_in_order() {
    let log = Log::default();
    let sampling = Sampling {
        sample_time: ns(100),
        samples: 1,
        pairs: 4,
    };
    // Four threads at once, each twice as slow as alone.
    let mut timer = fake("t", &[10; 4], &[20; 4], &[1], &log);
    let stats = measure_pairs(&mut timer, 4, &mut [], sampling);
    assert!(stats.references.is_empty());
    let s = stats.scaling.unwrap();
    assert!(close(s.median, 2.0) && s.pairs == 4, "{s:?}");

    let mut references = [
        fake("flat", &[10; 4], &[10; 4], &[1], &log),
        fake("never", &[0; 4], &[0; 4], &[1], &log),
        fake("half", &[20; 4], &[10; 4], &[1], &log),
    ];
    let stats = measure_pairs(&mut timer, 4, &mut references, sampling);
    let medians: Vec<Option<f64>> = stats
        .references
        .iter()
        .map(|r| r.map(|r| r.median))
        .collect();
    // A fixture whose runs all read 0 ns has no figure (and calibrates to the cap).
    assert_eq!(medians, [Some(1.0), None, Some(0.5)]);
}

#[test]
fn the_text_says_whether_the_unshared_pairs_were_within_the_goal() {
    let mut m = Measurement::new("lookup_threads/2/system", "F_GETFD");
    m.model = Some(10.0);
    assert_eq!(m.scaling_summary(), None);
    m.scaling = Some(1.31);
    m.scaling_spread = Some(0.2);
    m.set_target(Some(Target::ScalingAtMost(1.25)));
    assert_eq!(m.met, Some(false));
    assert_eq!(m.scaling_summary().unwrap(), "1.31x, spread 0.20");
    m.scaling_unshared = Some(1.29);
    assert_eq!(
        m.scaling_summary().unwrap(),
        "1.31x, spread 0.20; sharing nothing 1.29x: over too"
    );
    m.scaling_same_table = Some(1.05);
    assert_eq!(
        m.scaling_summary().unwrap(),
        "1.31x, spread 0.20; same table 1.05x; sharing nothing 1.29x: over too"
    );
    m.scaling_same_table = None;
    m.scaling_unshared = Some(1.02);
    assert_eq!(
        m.scaling_summary().unwrap(),
        "1.31x, spread 0.20; sharing nothing 1.02x: within"
    );
    m.scaling = Some(1.1);
    m.scaling_unshared = Some(1.3);
    m.set_target(m.target);
    assert_eq!(m.met, Some(true), "the goal judges the shared figure alone");
    assert_eq!(
        m.scaling_summary().unwrap(),
        "1.10x, spread 0.20; sharing nothing 1.30x: over"
    );
    m.target = None;
    assert_eq!(
        m.scaling_summary().unwrap(),
        "1.10x, spread 0.20; sharing nothing 1.30x"
    );
}

//! The paired scaling measurement: medians of per-pair ratios, pairs with a zero
//! half, the order of the runs, and drift between pairs, with fake thread timers
//! whose durations are chosen (no real timing is asserted).

use fdkit_bench::sample::{measure_pairs, median, scaling, Run, Sampling, ThreadTimer};
use fdkit_bench::{Measurement, Target};
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

fn ns(n: u64) -> Duration {
    Duration::from_nanos(n)
}

/// A run whose wall and own times are both `wall` ns.
fn run(wall: u64) -> Run {
    Run {
        wall: ns(wall),
        own: ns(wall),
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
        (run(100), run(100)),
        (run(50), run(100)),
        (run(200), run(220)),
    ];
    let s = scaling(&pairs).unwrap();
    assert!(close(s.median, 1.1), "{s:?}");
    assert!(close(s.spread, (2.0 - 1.0) / 1.1), "{s:?}");
    assert_eq!(s.pairs, 3);
}

#[test]
fn an_even_number_of_pairs_takes_the_mean_of_the_middle_two() {
    let pairs = [
        (run(100), run(100)), // 1.0
        (run(100), run(120)), // 1.2
        (run(100), run(140)), // 1.4
        (run(100), run(300)), // 3.0
    ];
    let s = scaling(&pairs).unwrap();
    assert!(close(s.median, 1.3), "{s:?}");
    assert!(close(s.spread, 2.0 / 1.3), "{s:?}");
    assert_eq!(s.pairs, 4);
}

#[test]
fn own_times_give_their_own_ratio() {
    // Wall time doubles (the second thread started late); each thread's own time
    // grows by a tenth.
    let one = run(100);
    let two = Run {
        wall: ns(200),
        own: ns(110),
    };
    let s = scaling(&[(one, two)]).unwrap();
    assert!(close(s.median, 2.0) && close(s.own, 1.1), "{s:?}");
}

#[test]
fn pairs_with_a_zero_half_are_left_out() {
    let zero = Run::default();
    assert_eq!(scaling(&[]), None);
    assert_eq!(scaling(&[(zero, zero)]), None);
    assert_eq!(scaling(&[(zero, run(100)), (run(100), zero)]), None);
    let own_zero = Run {
        wall: ns(100),
        own: Duration::ZERO,
    };
    assert_eq!(scaling(&[(own_zero, run(100))]), None);
    let s = scaling(&[(zero, run(100)), (run(100), run(150)), (run(80), zero)]).unwrap();
    assert_eq!(s.pairs, 1);
    assert!(close(s.median, 1.5) && close(s.spread, 0.0), "{s:?}");
}

/// The calls made to fake fixtures: `(fixture, threads, iters)`.
type Log = Rc<RefCell<Vec<(&'static str, usize, u64)>>>;

/// A fake fixture: a run on `k` threads takes `iters × per_iter(k) × slowdown` ns,
/// where `slowdown` is the current pair's factor (set by the pair number, so it
/// changes only between pairs). Every call is logged as `(name, k, iters)`.
fn fake(
    name: &'static str,
    per_iter: fn(usize) -> u64,
    slowdowns: &'static [u64],
    log: &Log,
) -> ThreadTimer {
    let log = Rc::clone(log);
    // Calls after calibration, which ends with the first 1-thread run (pair 0 runs
    // 1 thread first).
    let mut sampled = None::<usize>;
    Box::new(move |k, iters| {
        log.borrow_mut().push((name, k, iters));
        if k == 1 && sampled.is_none() {
            sampled = Some(0);
        }
        let slowdown = match &mut sampled {
            None => 1,
            Some(calls) => {
                *calls += 1;
                slowdowns[((*calls - 1) / 2) % slowdowns.len()]
            }
        };
        let t = ns(iters * per_iter(k) * slowdown);
        Run { wall: t, own: t }
    })
}

#[test]
fn pairs_alternate_their_order_share_an_iteration_count_and_cancel_drift() {
    let log = Log::default();
    // Shared: 2 threads take 1.2× one thread; the machine slows down 1×, 4×, 2×
    // from pair to pair. Unshared: 2 threads take 1.1×, same drift.
    let mut shared = fake("shared", |k| if k == 1 { 10 } else { 12 }, &[1, 4, 2], &log);
    let unshared = fake(
        "unshared",
        |k| if k == 1 { 10 } else { 11 },
        &[1, 4, 2],
        &log,
    );
    let sampling = Sampling {
        sample_time: ns(1_000),
        samples: 5,
    };
    let mut references = [unshared];
    let stats = measure_pairs(&mut shared, 2, &mut references, sampling);

    let s = stats.scaling.unwrap();
    assert!(close(s.median, 1.2) && close(s.spread, 0.0), "{s:?}");
    assert_eq!(s.pairs, 5);
    assert_eq!(stats.references.len(), 1);
    let u = stats.references[0].unwrap();
    assert!(close(u.median, 1.1) && close(u.spread, 0.0), "{u:?}");
    // The row's figure is the median of the 2-thread halves: 12 ns × (1, 4, 2, 1, 4).
    assert_eq!(stats.samples, 5);
    assert!(close(stats.median_ns, 24.0), "{stats:?}");
    assert!(
        close(stats.min_ns, 12.0) && close(stats.max_ns, 48.0),
        "{stats:?}"
    );

    let log = log.borrow();
    // Calibration doubles on 2 threads until 1 µs: 12 ns × 128 ≥ 1000 > 12 × 64.
    // The unshared fixture calibrates likewise (11 ns × 128).
    let calibration: Vec<u64> = (0..=7).map(|p| 1 << p).collect();
    let shared_cal: Vec<u64> = log[..8].iter().map(|&(_, _, i)| i).collect();
    assert!(log[..8].iter().all(|&(n, k, _)| n == "shared" && k == 2));
    assert_eq!(shared_cal, calibration);
    assert!(log[8..16]
        .iter()
        .all(|&(n, k, _)| n == "unshared" && k == 2));
    assert_eq!(stats.iters, 128);
    // Then per pair: the shared pair, then the unshared one, 1 thread first in even
    // pairs and last in odd ones, every run at the calibrated count.
    let sampled = &log[16..];
    assert_eq!(sampled.len(), 5 * 4);
    for (p, round) in sampled.chunks(4).enumerate() {
        let order = if p % 2 == 0 { [1, 2] } else { [2, 1] };
        let want = [
            ("shared", order[0], 128),
            ("shared", order[1], 128),
            ("unshared", order[0], 128),
            ("unshared", order[1], 128),
        ];
        assert_eq!(round, want, "pair {p}");
    }
}

#[test]
fn each_reference_gets_its_own_figure_in_order() {
    let log = Log::default();
    let mut timer = fake("t", |k| 10 * k as u64, &[1], &log);
    let sampling = Sampling {
        sample_time: ns(100),
        samples: 4,
    };
    let stats = measure_pairs(&mut timer, 4, &mut [], sampling);
    assert!(stats.references.is_empty());
    let s = stats.scaling.unwrap();
    assert!(close(s.median, 4.0) && s.pairs == 4, "{s:?}");

    let mut timer = fake("t", |k| 10 * k as u64, &[1], &log);
    let mut references = [
        fake("flat", |_| 10, &[1], &log),
        fake("never", |_| 0, &[1], &log),
        fake("half", |k| if k == 1 { 20 } else { 10 }, &[1], &log),
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

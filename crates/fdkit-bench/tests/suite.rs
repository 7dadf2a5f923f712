//! The suite's plumbing, not its timings: every row is filled in and the JSON keys
//! are stable. Nothing here asserts on a duration (timings are benchmarked, never
//! tested).

use fdkit_bench::{benches, memory, suite, Measurement, Params, Sampling, Side, Target, Unit};
use std::time::Duration;

/// Sizes small enough for a debug build.
fn small() -> Params {
    Params {
        far_fds: 3_000,
        fork_fds: 2_000,
        dense_fds: 6_000,
        close_range_capacity: 1 << 14,
        exec_fds: vec![1_000],
        exec_cloexec: 4,
        threads: vec![1, 2],
        dense_log_bytes: 200_000,
    }
}

/// One sample of one iteration: enough to exercise every side.
const ONCE: Sampling = Sampling {
    sample_time: Duration::ZERO,
    samples: 1,
    pairs: 1,
};

#[test]
fn json_keys_are_the_documented_ones() {
    let mut m = Measurement::new("dup_close/table", "dup then close");
    m.model = Some(10.0);
    m.host = Some(300.0);
    m.set_target(Some(Target::RatioAtLeast(20.0)));
    let v: serde_json::Value = serde_json::to_value(&m).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    let want = [
        "baselines",
        "host",
        "host_spread",
        "id",
        "met",
        "model",
        "model_spread",
        "params",
        "ratio",
        "scaling",
        "scaling_own",
        "scaling_same_table",
        "scaling_spread",
        "scaling_unshared",
        "target",
        "unit",
        "what",
    ];
    assert_eq!(keys, want, "Measurement JSON keys");
    // ... and the ones the crate documentation's table lists, in its first column
    // (`model_spread`, `host_spread` share a line).
    let mut documented: Vec<&str> = include_str!("../src/lib.rs")
        .lines()
        .filter_map(|l| l.strip_prefix("//! | `"))
        .filter_map(|l| l.split(" |").next())
        .flat_map(|cell| cell.split(", "))
        .map(|key| key.trim_matches('`'))
        .collect();
    documented.sort_unstable();
    assert_eq!(documented, want, "lib.rs's JSON table");
    assert_eq!(v["unit"], "ns_per_op");
    assert_eq!(v["target"]["ratio_at_least"], 20.0);
    assert_eq!(v["ratio"], 30.0);
    assert_eq!(v["met"], true);
    let back: Measurement = serde_json::from_value(v).unwrap();
    assert_eq!(back, m, "round trip");
}

#[test]
fn at_most_targets_compare_the_model_figure() {
    let mut m = Measurement::new("dupfd_far/1000000/table", "F_DUPFD far");
    m.model = Some(120.0);
    m.set_target(Some(Target::AtMost(100.0)));
    assert_eq!((m.ratio, m.met), (None, Some(false)));
}

#[test]
fn scaling_targets_compare_with_the_one_thread_row() {
    let mut one = Measurement::new("lookup_threads/1/system", "F_GETFD");
    one.model = Some(20.0);
    let mut two = Measurement::new("lookup_threads/2/system", "F_GETFD");
    two.model = Some(26.0);
    two.set_target(Some(Target::ScalingAtMost(1.25)));
    assert_eq!(two.met, None, "no 1-thread figure yet");
    two.set_scaling(&one);
    assert_eq!((two.scaling, two.met), (Some(1.3), Some(false)));
    two.model = Some(24.0);
    two.set_scaling(&one);
    assert_eq!((two.scaling, two.met), (Some(1.2), Some(true)));
}

#[test]
fn memory_rows_are_sizes_with_their_targets() {
    let rows = memory(&small());
    let empty = rows.iter().find(|m| m.id == "memory/empty").unwrap();
    assert_eq!(empty.unit, Unit::Bytes);
    assert_eq!(empty.target, Some(Target::AtMost(256.0)));
    for m in rows.iter().filter(|m| m.id.starts_with("memory/per_fd/")) {
        assert_eq!(m.unit, Unit::BytesPerFd, "{}", m.id);
        assert!(m.model.is_some_and(|b| b > 0.0), "{}: {:?}", m.id, m.model);
        assert!(m.baselines.contains_key("vec_scan"), "{}", m.id);
    }
}

#[test]
fn every_side_of_the_small_benches_runs_and_fills_its_row() {
    let p = small();
    let chosen: Vec<_> = benches(&p)
        .into_iter()
        .filter(|b| !b.id.starts_with("fork")) // no fork() inside the test harness's threads
        .collect();
    let rows = suite::run(&chosen, &p, ONCE, &mut |_| {}).unwrap();
    for id in [
        "getfd/table",
        "getfd/table_handle",
        "getfd/system",
        "dup_close/system",
    ] {
        let m = rows
            .iter()
            .find(|m| m.id == id)
            .unwrap_or_else(|| panic!("no {id}"));
        assert!(m.model.is_some() && m.host.is_some(), "{id}: {m:?}");
        assert!(m.ratio.is_some() && m.met.is_some(), "{id}: {m:?}");
        assert!(m.baselines.contains_key("btree_free"), "{id}: baselines");
    }
    let two = rows
        .iter()
        .find(|m| m.id == "lookup_threads/2/system")
        .unwrap();
    assert_eq!(two.target, Some(Target::ScalingAtMost(1.25)));
    // One iteration of one pair can read 0 ns (clock granularity): then no scaling,
    // and the goal is not decided.
    assert_eq!(two.scaling.is_some(), two.met.is_some(), "{two:?}");
    let floor = rows.iter().find(|m| m.id == "syscall_floor/host").unwrap();
    assert!(floor.model.is_none() && floor.host.is_some());
    let sweep = rows
        .iter()
        .find(|m| m.id == "exec_sweep/1000/table")
        .unwrap();
    assert!(sweep.host.is_none(), "the exec sweep has no host side");
    assert_eq!(sweep.params.get("cloexec"), Some(&4));
}

#[test]
fn thread_rows_at_more_threads_are_measured_in_pairs() {
    let p = small();
    let chosen: Vec<_> = benches(&p)
        .into_iter()
        .filter(|b| b.id.starts_with("lookup_threads"))
        .collect();
    // Long enough that no run reads 0 ns.
    let sampling = Sampling {
        sample_time: Duration::from_micros(200),
        samples: 3,
        pairs: 3,
    };
    let rows = suite::run(&chosen, &p, sampling, &mut |_| {}).unwrap();
    let row = |id: &str| {
        rows.iter()
            .find(|m| m.id == id)
            .unwrap_or_else(|| panic!("no {id}"))
    };
    let positive = |v: Option<f64>| v.is_some_and(|x| x > 0.0);
    for id in [
        "lookup_threads/2/table",
        "lookup_threads/2/system",
        "lookup_threads_private/2/system",
    ] {
        let m = row(id);
        assert!(positive(m.model), "{id}: {m:?}");
        assert!(positive(m.scaling), "{id}: {m:?}");
        assert!(m.scaling_spread.is_some_and(|s| s >= 0.0), "{id}: {m:?}");
        assert!(positive(m.scaling_own), "{id}: {m:?}");
        // Only the shared `System` row has the references.
        let reference = id == "lookup_threads/2/system";
        assert_eq!(m.scaling_unshared.is_some(), reference, "{id}: {m:?}");
        assert_eq!(m.scaling_same_table.is_some(), reference, "{id}: {m:?}");
    }
    let two = row("lookup_threads/2/system");
    assert!(positive(two.scaling_unshared), "{two:?}");
    assert!(positive(two.scaling_same_table), "{two:?}");
    assert_eq!(two.met, two.scaling.map(|s| s <= 1.25), "{two:?}");
    for id in [
        "lookup_threads/1/table",
        "lookup_threads/1/system",
        "lookup_threads_private/1/system",
    ] {
        let m = row(id);
        assert_eq!(m.scaling, Some(1.0), "{id}: {m:?}");
        assert_eq!((m.scaling_spread, m.scaling_unshared), (None, None), "{id}");
        assert_eq!(m.scaling_same_table, None, "{id}");
    }
    assert!(row("lookup_threads/2/table").target.is_none());
}

#[test]
fn ns_per_byte_and_mb_per_s_are_inverses() {
    assert_eq!(fdkit_bench::mb_per_s(1.0), 1000.0);
    assert_eq!(fdkit_bench::mb_per_s(4.0), 250.0);
    assert_eq!(fdkit_bench::ns_per_byte(250.0), 4.0);
    let at_goal = fdkit_bench::ns_per_byte(300.0);
    assert!((at_goal - 10.0 / 3.0).abs() < 1e-12, "{at_goal}");
    assert!((fdkit_bench::mb_per_s(at_goal) - 300.0).abs() < 1e-9);
    // The JSON name lib.rs documents.
    let json = serde_json::to_value(Unit::NsPerByte).unwrap();
    assert_eq!(json, "ns_per_byte");
}

#[test]
fn the_quick_suite_has_the_dense_replay_rows_with_their_goal() {
    let p = Params::quick();
    assert_eq!(p.dense_log_bytes, 8_000_000);
    assert_eq!(Params::default().dense_log_bytes, 32_000_000);
    let all = benches(&p);
    let ids: Vec<&str> = all.iter().map(|b| b.id.as_str()).collect();
    for threads in [1u64, 2] {
        let id = format!("replay_dense/{threads}");
        let b = all
            .iter()
            .find(|b| b.id == id)
            .unwrap_or_else(|| panic!("no {id} in {ids:?}"));
        assert_eq!(b.unit, Unit::NsPerByte, "{id}");
        let bytes = b.params["log_bytes"];
        assert!((8_000_000..8_002_000).contains(&bytes), "{id}: {bytes}");
        assert_eq!(
            b.per_iteration, bytes as f64,
            "{id}: one replay per iteration"
        );
        assert_eq!(b.params["replay_threads"], threads);
        assert!(b.params["log_lines"] > 25 * b.params["iterations"]);
        let sides: Vec<Side> = b.sides.iter().map(|(s, _)| *s).collect();
        assert_eq!(sides, [Side::Replay, Side::Host], "{id}");
        let goal = (threads == 2).then(|| Target::AtMost(fdkit_bench::ns_per_byte(300.0)));
        assert_eq!(b.system_target, goal, "{id}");
    }
}

#[test]
fn replay_rows_report_per_byte_against_wc_l() {
    let p = small();
    let chosen: Vec<_> = benches(&p)
        .into_iter()
        .filter(|b| b.id.starts_with("replay_dense"))
        .collect();
    assert_eq!(chosen.len(), 2);
    let stats: Vec<_> = chosen.iter().map(|b| b.run(ONCE).unwrap()).collect();
    for (b, stats) in chosen.iter().zip(&stats) {
        let rows = b.measurements(stats);
        assert_eq!(rows.len(), 1, "{}: {rows:?}", b.id);
        let m = &rows[0];
        assert_eq!(m.id, format!("{}/replay", b.id));
        assert_eq!(m.unit, Unit::NsPerByte);
        let bytes = m.params["log_bytes"] as f64;
        assert!(bytes >= 200_000.0, "{bytes}");
        // Figures are a whole replay's median over the log's bytes.
        let per_replay = stats[&Side::Replay].median_ns;
        assert_eq!(m.model, Some(per_replay / bytes));
        assert_eq!(m.host, Some(stats[&Side::Host].median_ns / bytes));
        assert!(m.model.is_some_and(|v| v > 0.0) && m.host.is_some_and(|v| v > 0.0));
        assert_eq!(m.ratio, Some(m.host.unwrap() / m.model.unwrap()));
        if b.id == "replay_dense/2" {
            let limit = fdkit_bench::ns_per_byte(300.0);
            assert_eq!(m.met, Some(m.model.unwrap() <= limit), "{m:?}");
        } else {
            assert_eq!((m.target, m.met), (None, None));
        }
    }
}

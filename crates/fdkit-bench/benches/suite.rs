//! `cargo bench -p fdkit-bench`: every benchmark of the suite under criterion, one
//! group per bench and one function per side (`table`, `system`, `replay`,
//! `host`, `vec_scan`, `btree_free`; the replay rows report bytes per second too). Filter as usual: `cargo bench -p fdkit-bench -- fork`.
//!
//! Defaults are short (1 s warm-up, 2 s measurement, 20 samples) so the suite can be
//! iterated on; criterion's flags override them. The memory figures are printed at
//! the end (they are sizes, not timings).

use criterion::{criterion_group, Criterion, Throughput};
use fdkit_bench::{benches, Params, Unit};
use std::time::Duration;

fn suite(c: &mut Criterion) {
    let params = Params::default();
    for bench in benches(&params) {
        let mut group = c.benchmark_group(&bench.id);
        if bench.unit == Unit::NsPerByte {
            // The replay rows: one iteration replays the whole log.
            group.throughput(Throughput::Bytes(bench.per_iteration as u64));
        }
        for (side, setup) in &bench.sides {
            // Build the fixture only if criterion's filter selects this function.
            let mut timer = None;
            group.bench_function(side.name(), |b| {
                let timer = timer.get_or_insert_with(|| setup().expect("fixture"));
                b.iter_custom(timer);
            });
        }
        group.finish();
    }
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20)
}

criterion_group! {
    name = fdkit;
    config = config();
    targets = suite
}

fn memory() {
    for m in fdkit_bench::memory(&Params::default()) {
        let model = m.model.unwrap_or(f64::NAN);
        println!("{:<24} {:>12.1} {:?}  {}", m.id, model, m.unit, m.what);
    }
}

fn main() {
    fdkit();
    memory();
    Criterion::default().configure_from_args().final_summary();
}

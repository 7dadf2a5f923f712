//! Parse throughput in bytes per second on a 64 MiB log built by repeating the
//! recorded `-f -yy -tt -T` and `-f -o` logs (so the mix of line kinds is real).
//!
//! Run: `cargo bench -p fdkit-strace --bench parse`

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use fdkit_strace::{Event, Joiner, Lines};

const SAMPLES: &[&str] = &[
    include_str!("../tests/data/pipe-yy-tt-T.log"),
    include_str!("../tests/data/threads-yy-ttt-T.log"),
    include_str!("../tests/data/threads-f-o.log"),
    include_str!("../tests/data/many-children.log"),
    include_str!("../tests/data/paths-yy.log"),
];

const TARGET: usize = 64 << 20;

fn log() -> Vec<u8> {
    let mut out = Vec::with_capacity(TARGET + (64 << 10));
    while out.len() < TARGET {
        for s in SAMPLES {
            out.extend_from_slice(s.as_bytes());
        }
    }
    out
}

fn bench(c: &mut Criterion) {
    let data = log();
    let mut g = c.benchmark_group("parse");
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.sample_size(10);

    g.bench_function("lines", |b| {
        b.iter(|| {
            let mut n = 0u64;
            for r in Lines::new(black_box(&data)) {
                let (_, line) = r.expect("bench log parses");
                n += u64::from(matches!(line.event(), Event::Call { .. }));
            }
            n
        })
    });

    g.bench_function("lines+args", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for r in Lines::new(black_box(&data)) {
                let (_, line) = r.expect("bench log parses");
                if let Event::Call { args, .. }
                | Event::Unfinished { args, .. }
                | Event::Resumed { args, .. } = line.event()
                {
                    n += args.iter().map(|a| a.text().len()).sum::<usize>();
                }
            }
            n
        })
    });

    g.bench_function("lines+joiner", |b| {
        b.iter(|| {
            let mut joiner = Joiner::new();
            let mut n = 0usize;
            for r in Lines::new(black_box(&data)) {
                let (number, line) = r.expect("bench log parses");
                // Repeating the samples repeats pids, so a resume may not match.
                if let Ok(records) = joiner.push(number, line) {
                    n += records.count();
                }
            }
            n
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

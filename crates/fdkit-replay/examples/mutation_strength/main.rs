//! `mutation_strength LOG...`: the check-strength measure over real logs. Every
//! result of every line is mutated into each impossible class that applies to it,
//! one at a time, and the log replayed; prints, per class, how many were reported at
//! their own line, and each one missed.
//!
//! ```sh
//! cargo run --release -p fdkit-replay --example mutation_strength -- tests/fixtures/*.strace
//! scripts/mutation-strength.sh   # also records fresh real programs first
//! ```
//!
//! `--sample N` keeps N evenly spread mutations per class and log.

mod harness;

use harness::{mutations, Tally, CLASSES};

fn main() {
    let mut sample = usize::MAX;
    let mut files = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--sample" {
            sample = args.next().and_then(|n| n.parse().ok()).unwrap_or_else(|| {
                eprintln!("mutation_strength: --sample needs a number");
                std::process::exit(2)
            });
        } else {
            files.push(a);
        }
    }
    if files.is_empty() {
        eprintln!("usage: mutation_strength [--sample N] LOG...");
        std::process::exit(2);
    }
    let mut tally = Tally::default();
    for f in &files {
        let log = match std::fs::read_to_string(f) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("mutation_strength: {f}: {e}");
                std::process::exit(2);
            }
        };
        let base = harness::divergences(&log, None);
        if !base.is_empty() {
            eprintln!(
                "mutation_strength: {f}: {} divergences before mutating (lines {:?}); skipped",
                base.len(),
                &base[..base.len().min(5)]
            );
            continue;
        }
        let all = mutations(&log);
        let muts = harness::sample(&all, sample);
        tally.run(f, &log, &muts);
    }
    for m in &tally.missed {
        println!("missed {m}");
    }
    for (k, c) in CLASSES.iter().enumerate() {
        println!(
            "{:6} {:>6} of {:>6} reported at their line",
            c.name(),
            tally.caught[k],
            tally.tried[k]
        );
    }
    println!("all    {:.2} %", tally.ratio() * 100.0);
}

//! The check-strength measure, short version: in every fixture, a few single
//! results of each class are turned into ones Linux cannot give
//! (`examples/mutation_strength/harness.rs` says how), and each must be reported at
//! its own line. The full run (every result of every line) is
//! `cargo run --release -p fdkit-replay --example mutation_strength -- tests/fixtures/*.strace`
//! or `scripts/mutation-strength.sh`; `FDKIT_STRENGTH_SAMPLE=N` widens this test.

#[path = "../examples/mutation_strength/harness.rs"]
#[allow(dead_code)]
mod harness;

use harness::{mutations, sample, Tally, CLASSES};

fn fixtures() -> Vec<std::path::PathBuf> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures");
    let mut v: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/fixtures")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "strace"))
        .collect();
    v.sort();
    v
}

#[test]
fn single_impossible_results_are_reported_at_their_line() {
    let n = std::env::var("FDKIT_STRENGTH_SAMPLE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(4);
    let mut tally = Tally::default();
    for path in fixtures() {
        let log = std::fs::read_to_string(&path).expect("fixture");
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        assert_eq!(
            harness::divergences(&log, None),
            Vec::<u64>::new(),
            "{name} must replay clean"
        );
        tally.run(&name, &log, &sample(&mutations(&log), n));
    }
    for (k, c) in CLASSES.iter().enumerate() {
        eprintln!("{}: {} of {}", c.name(), tally.caught[k], tally.tried[k]);
        assert!(
            tally.tried[k] >= 20,
            "too few {} mutations: {}",
            c.name(),
            tally.tried[k]
        );
    }
    // Inherited 0, 1, 2 whose first use is mutated into EBADF read as numbers that
    // were closed at start: a few table mutations stay undecidable.
    assert!(
        tally.ratio() >= 0.99,
        "{:.2} % reported; missed:\n{}",
        tally.ratio() * 100.0,
        tally.missed.join("\n")
    );
}

//! The syscall surface under arbitrary call sequences with arbitrary integer
//! arguments, in several processes and threads: no panic, listings sorted and
//! unique, descriptions released exactly once and exactly when unreachable. The
//! bounded, always-on version of the `syscalls` fuzz target (same harness:
//! `tests/harness/mod.rs`); set `FDKIT_PROPTEST_CASES` for a longer run. Inputs the
//! fuzzer found are kept below as regression tests.

// Needs the whole system (feature `std`); `--no-default-features` skips it.
#![cfg(feature = "std")]

mod harness;

use proptest::prelude::*;

fn cases() -> u32 {
    std::env::var("FDKIT_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(600)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn arbitrary_call_sequences_keep_the_invariants(data in proptest::collection::vec(any::<u8>(), 0..1500)) {
        harness::try_run(&data).map_err(TestCaseError::fail)?;
    }
}

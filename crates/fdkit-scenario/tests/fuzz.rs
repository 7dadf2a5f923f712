//! Arbitrary text as a scenario, parsed, printed, run on the model and printed as
//! `fdkit run` prints it: no panic, printing round-trips. The bounded, always-on
//! version of the `scenario` fuzz target (same harness: `tests/harness/mod.rs`);
//! inputs the fuzzer found are kept below as regression tests.

mod harness;

use proptest::prelude::*;

/// Lines built from scenario-ish pieces, so some of them parse.
fn scenario_text() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just("dup(".to_string()),
        Just("dup2(".to_string()),
        Just("close_range(".to_string()),
        Just("fork()".to_string()),
        Just("clone(CLONE_VM|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD)".to_string()),
        Just("openat(AT_FDCWD, \"/tmp/a\", O_RDWR|O_CREAT, 0644)".to_string()),
        Just("pipe2([3, 4], O_CLOEXEC)".to_string()),
        Just("fcntl(".to_string()),
        Just("F_DUPFD, ".to_string()),
        Just("execve(\"/bin/true\", [\"true\"], NULL)".to_string()),
        Just("exit_group(0)".to_string()),
        Just("[pid 101] ".to_string()),
        Just(" = ".to_string()),
        Just("-1 EBADF (Bad file descriptor)".to_string()),
        Just(")".to_string()),
        Just(", ".to_string()),
        Just("\n".to_string()),
        Just("# show\n".to_string()),
        "-?[0-9]{1,11}",
        "[ -~]{0,6}",
    ];
    proptest::collection::vec(piece, 0..40).prop_map(|p| p.concat().into_bytes())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn any_text_parses_prints_and_runs(data in scenario_text()) {
        harness::try_run(&data).map_err(TestCaseError::fail)?;
    }
}

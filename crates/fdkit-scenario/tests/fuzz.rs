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

// ---- regressions -----------------------------------------------------------------

/// Garbage text: 20 errors, then one saying reading stopped (was: one error per
/// line, 600 MB and a minute for 10 MB of `x` lines).
#[test]
fn garbage_stops_after_max_errors() {
    use fdkit_scenario::{ErrorKind, Scenario, MAX_ERRORS};
    let errors = Scenario::parse(&"x\n".repeat(100_000)).unwrap_err();
    assert_eq!(errors.len(), MAX_ERRORS + 1);
    assert_eq!(errors[MAX_ERRORS].kind(), ErrorKind::TooManyErrors);
    assert_eq!(errors[MAX_ERRORS].line(), MAX_ERRORS as u64 + 1);
}

/// A line over the cap is one error, without parsing it (was: 5,000,000 flags
/// parsed into a 250 MB tree).
#[test]
fn overlong_line_is_one_error() {
    use fdkit_scenario::{ErrorKind, Scenario, MAX_LINE_BYTES};
    let line = format!("dup({}1)", "1|".repeat(MAX_LINE_BYTES / 2));
    let errors = Scenario::parse(&line).unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].kind(), ErrorKind::TooLong);
    assert_eq!(errors[0].column(), MAX_LINE_BYTES + 1);
}

/// An unknown 1 MB name is quoted in part (was: the whole name in the message).
#[test]
fn long_names_are_quoted_in_part() {
    let errors =
        fdkit_scenario::Scenario::parse(&format!("dup({})", "x".repeat(1 << 20))).unwrap_err();
    assert_eq!(
        errors[0].to_string(),
        format!("1:5: unknown constant `{}`...", "x".repeat(40))
    );
}

/// Steps naming pid 0 or a pid above 2^31 - 1 cannot run (was: "no process
/// 4294967295", suggesting a fork could make it).
#[test]
fn absurd_pids_are_bad_pids() {
    use fdkit_scenario::{Model, Scenario, StepError};
    let s = Scenario::parse("dup(1)\n[pid 4294967295] dup(1)\n[pid 0] dup(1)\n").unwrap();
    let model = Model::new(s.first_pid).unwrap();
    let got: Vec<_> = s.steps().map(|step| model.run(step).err()).collect();
    assert_eq!(
        got,
        [
            None,
            Some(StepError::BadPid(u32::MAX)),
            Some(StepError::BadPid(0))
        ]
    );
}

/// Found by fuzzing: a scenario whose first call is `[pid 101] ...` printed
/// that call without its prefix, so it read back as process 100.
#[test]
fn a_first_process_other_than_100_survives_printing() {
    use fdkit_scenario::Scenario;
    let s = Scenario::parse("[pid 101] dup(1) = 3\ndup(3)\n[pid 50] exit_group(0) = ?\n").unwrap();
    assert_eq!(s.first_pid, 101);
    let printed = s.to_string();
    assert!(printed.starts_with("[pid   101] dup(1)"), "{printed}");
    assert_eq!(Scenario::parse(&printed).unwrap(), s);
    harness::try_run(b"[pid 101] exit_group(0) = ?\n").unwrap();
}

/// Found by fuzzing: `text\r\r\r\n` lost one `\r` per print and parse (the
/// terminator's, then the one before it). Trailing `\r`s all belong to the
/// terminator.
#[test]
fn trailing_carriage_returns_are_part_of_the_terminator() {
    use fdkit_scenario::{Item, Scenario};
    let s = Scenario::parse("# a comment\r\r\r\ndup(1) = 3\r\r\n").unwrap();
    let Item::Text { text, .. } = &s.items[0] else {
        panic!()
    };
    assert_eq!(text, "# a comment");
    assert_eq!(Scenario::parse(&s.to_string()).unwrap(), s);
}

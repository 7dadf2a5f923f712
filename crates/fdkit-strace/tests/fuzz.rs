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

// ---- regressions -----------------------------------------------------------------

/// Found by fuzzing: `-0` was folded into the literal 0, so `1--0` printed as
/// `1-0` and `--0` as `-0`, then `0`: printing was no fixed point and the tree
/// changed at each round. `-0` is now a negation of 0.
#[test]
fn negative_zero_keeps_its_sign() {
    use fdkit_strace::{UnaryOp, Value};
    for text in ["-0", "--0", "1--0", "0x7fdade25c---00", "-0x0<x>", "-00"] {
        let v = Value::parse(text).unwrap();
        assert_eq!(v.to_string(), text, "{v:?}");
        assert_eq!(Value::parse(&v.to_string()).unwrap(), v);
    }
    assert!(matches!(
        Value::parse("-0").unwrap(),
        Value::Unary {
            op: UnaryOp::Neg,
            ..
        }
    ));
    assert_eq!(Value::parse("-1").unwrap(), Value::int(-1));
    harness::try_run(b"1795347370.024054326 execve(\"/x\", 0x7fdade25c-----000) = 0\n").unwrap();
}

/// Found by fuzzing: `11:35:4816381.8` was read as a clock time 4,816,381 s past
/// 11:35 and printed as `1349:28:01.8`, which does not parse. A clock time is
/// `HH:MM:SS` with each field two digits in range.
#[test]
fn clock_times_are_times_of_day() {
    use fdkit_strace::Line;
    for bad in [
        "11:35:4816381.8",
        "24:00:00",
        "12:60:00",
        "12:00:60",
        "1:2:3",
    ] {
        let text = format!("17113 {bad} brk(NULL) = 0");
        assert!(
            Line::parse(&text)
                .map(|l| l.time())
                .ok()
                .flatten()
                .is_none(),
            "{text}"
        );
    }
    let line = Line::parse("17113 23:59:59.999999 brk(NULL) = 0").unwrap();
    assert!(line
        .to_string()
        .starts_with("17113 23:59:59.999999 brk(NULL)"));
    harness::try_run(b"17113 11:35:4816381.8 brk(NULL)         = 0x55f865cd3000 <0.000009>\n")
        .unwrap();
}

/// Found by fuzzing: `a & &b` (a bitwise and of an address-of) printed tight as
/// `a&&b`, which reads as a logical and. A tight operator is spaced when an
/// operand's edge would fuse with it.
#[test]
fn tight_operators_do_not_fuse_with_their_operands() {
    use fdkit_strace::{BinaryOp, Value};
    let v = Value::parse("WIFEXITE*(s) & &WEXITSTATUS(s) == 0").unwrap();
    assert_eq!(v.to_string(), "WIFEXITE*(s) & &WEXITSTATUS(s) == 0");
    assert_eq!(Value::parse(&v.to_string()).unwrap(), v);
    let Value::Binary { op, .. } = Value::parse("a & &b").unwrap() else {
        panic!()
    };
    assert_eq!(op, BinaryOp::And);
    // Ordinary arithmetic stays tight, as strace writes it.
    for text in ["1<<3", "8192*1024", "1--1", "a|b"] {
        assert_eq!(Value::parse(text).unwrap().to_string(), text);
    }
    harness::try_run(b"[{WIFEXITE*(s) & &WEXITSTATUS(s) == 0}]").unwrap();
}

/// Found by fuzzing (twice): a ` => {...}` continuation after a timestamp or a
/// padded pid took the prefix's spaces into its arguments, so each print added a
/// space. After a prefix, a continuation keeps no leading space.
#[test]
fn continuation_after_a_prefix_prints_back_the_same() {
    use fdkit_strace::Line;
    for text in [
        "1795347370.02 => {parent_tid=[13877]}, 88) = 13877",
        "1795347370.02  => {parent_tid=[13877]}, 88) = 13877",
        " => {parent_tid=[13877]}, 88) = 13877",
        "1383  => {parent_tid=[17138]}, 88)      = 17138",
        "[pid 1383]  => {parent_tid=[17138]}, 88) = 17138",
    ] {
        let once = Line::parse(text).unwrap().to_string();
        let twice = Line::parse(&once).unwrap().to_string();
        assert_eq!(once, twice, "{text:?}");
    }
    harness::try_run(b"1795347370.02 => {parent_tid=[13877]}, 88) = 13877\n").unwrap();
}

/// Found by the replay engine's mutation proptest: a multi-byte character inside a
/// clock timestamp's seconds field made the parser slice inside it.
#[test]
fn clock_with_a_multibyte_character_is_an_error_not_a_panic() {
    assert!(fdkit_strace::Line::parse("11:33:\u{fffd}8.947074 close(3) = 0").is_err());
    assert!(fdkit_strace::Line::parse("100 11:3\u{e9}:48.947074 close(3) = 0").is_err());
}

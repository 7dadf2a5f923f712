//! No input makes parsing or running panic or hang: arbitrary text, and
//! arbitrary well-formed calls with hostile numbers, run on the model.

use fdkit_scenario::{Model, Scenario, CALLS};
use proptest::prelude::*;

/// An argument token: numbers at the edges, names, strings, structs, arrays.
fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        (0i64..12).prop_map(|n| n.to_string()),
        Just("-1".to_string()),
        Just("~0".to_string()),
        Just("4294967295".to_string()),
        Just("18446744073709551615".to_string()),
        Just("2147483647".to_string()),
        prop::sample::select(vec![
            "AT_FDCWD",
            "O_RDWR|O_CREAT",
            "O_CLOEXEC",
            "F_DUPFD",
            "F_DUPFD_CLOEXEC",
            "F_SETFL",
            "F_GETFD",
            "F_SETPIPE_SZ",
            "FD_CLOEXEC",
            "CLOSE_RANGE_UNSHARE",
            "SOCK_STREAM",
            "AF_UNIX",
            "CLONE_FILES|SIGCHLD",
            "CLONE_VM|CLONE_SIGHAND|CLONE_THREAD",
            "CLONE_FILES",
            "RLIMIT_NOFILE",
            "SEEK_END",
            "EFD_SEMAPHORE",
            "FIOCLEX",
            "FIONBIO",
            "NULL",
            "WNOHANG",
            "O_NONBLOCK",
            "O_PATH",
            "O_DIRECTORY",
        ])
        .prop_map(str::to_string),
        "\"[a-z/.]{0,8}\"",
        Just("\"/tmp/a\"".to_string()),
        Just("\"/tmp\"".to_string()),
        Just("\"/dev/null\"".to_string()),
        (any::<u64>(), any::<u64>()).prop_map(|(c, m)| format!("{{rlim_cur={c}, rlim_max={m}}}")),
        (0u64..40, 0u64..40).prop_map(|(c, m)| format!("{{rlim_cur={c}, rlim_max={m}}}")),
        (0i32..8, 0i32..8).prop_map(|(a, b)| format!("[{a}, {b}]")),
        Just("[1]".to_string()),
    ]
}

fn line() -> impl Strategy<Value = String> {
    (
        prop::sample::select(CALLS.to_vec()),
        proptest::collection::vec(token(), 0..5),
        prop_oneof![
            Just(String::new()),
            (0i64..300).prop_map(|n| format!(" = {n}")),
            Just(" = -1 EBADF (Bad file descriptor)".to_string())
        ],
        prop_oneof![
            Just(String::new()),
            Just("[pid 101] ".to_string()),
            Just("[pid 102] ".to_string())
        ],
    )
        .prop_map(|(name, args, result, prefix)| {
            format!("{prefix}{name}({}){result}", args.join(", "))
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn any_text_parses_or_errors(text in "(?s).{0,200}") {
        let _ = Scenario::parse(&text);
    }

    #[test]
    fn any_bytes_parse_or_error(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = Scenario::parse_bytes(&bytes);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    #[test]
    fn calls_with_hostile_numbers_run_or_are_refused(lines in proptest::collection::vec(line(), 1..25)) {
        let text = lines.join("\n");
        if let Ok(s) = Scenario::parse(&text) {
            let mut model = Model::new(s.first_pid).unwrap();
            for step in s.steps() {
                let _ = model.run(step);
                let _ = model.tables();
            }
        }
    }
}

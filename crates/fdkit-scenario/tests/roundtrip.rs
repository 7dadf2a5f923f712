//! Printing a step and parsing it back gives the same step; every example file
//! parses, prints and parses back to the same scenario.

use fdkit::syscall::Call;
use fdkit::{Errno, ExitStatus, RLimit};
use fdkit_scenario::{Expected, Out, Ret, Scenario, Step};
use proptest::prelude::*;

fn path() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("/tmp/a".to_string()),
        "[ -~]{0,12}",
        any::<String>().prop_map(|s| s.chars().take(8).collect()),
    ]
}

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..40)
}

fn limit() -> impl Strategy<Value = RLimit> {
    let n = prop_oneof![
        any::<u64>(),
        (0u64..1 << 20),
        Just(u64::MAX),
        (1u64..64).prop_map(|k| k * 1024)
    ];
    (n.clone(), n).prop_map(|(cur, max)| RLimit { cur, max })
}

fn fd_calls() -> impl Strategy<Value = Call> {
    prop_oneof![
        (path(), any::<u32>(), any::<u32>()).prop_map(|(path, flags, mode)| Call::Open {
            path,
            flags,
            mode
        }),
        (any::<i32>(), path(), any::<u32>(), any::<u32>()).prop_map(
            |(dirfd, path, flags, mode)| Call::Openat {
                dirfd,
                path,
                flags,
                mode
            }
        ),
        (Just(-100), path(), any::<u32>(), Just(0)).prop_map(|(dirfd, path, flags, mode)| {
            Call::Openat {
                dirfd,
                path,
                flags,
                mode,
            }
        }),
        (path(), any::<u32>()).prop_map(|(path, mode)| Call::Creat { path, mode }),
        any::<i32>().prop_map(|fd| Call::Close { fd }),
        (any::<u32>(), any::<u32>(), any::<u32>())
            .prop_map(|(first, last, flags)| Call::CloseRange { first, last, flags }),
        any::<i32>().prop_map(|fd| Call::Dup { fd }),
        (any::<i32>(), any::<i32>()).prop_map(|(old, new)| Call::Dup2 { old, new }),
        (any::<i32>(), any::<i32>(), any::<u32>()).prop_map(|(old, new, flags)| Call::Dup3 {
            old,
            new,
            flags
        }),
        (
            any::<i32>(),
            prop_oneof![0i32..40, 1024i32..1040, any::<i32>()],
            prop_oneof![Just(0u64), any::<u64>(), 0u64..70]
        )
            .prop_map(|(fd, cmd, arg)| Call::Fcntl { fd, cmd, arg }),
        (
            any::<i32>(),
            prop_oneof![
                0x5400u64..0x5460,
                any::<u32>().prop_map(u64::from),
                any::<u64>()
            ],
            prop_oneof![Just(0u64), any::<u64>()]
        )
            .prop_map(|(fd, request, arg)| Call::Ioctl { fd, request, arg }),
        (any::<i32>(), any::<u32>(), any::<u32>()).prop_map(|(d, ty, p)| Call::Socketpair {
            domain: d % 60,
            ty,
            protocol: p as i32
        }),
        (any::<u32>(), any::<u32>()).prop_map(|(initval, flags)| Call::Eventfd2 { initval, flags }),
        Just(Call::Pipe),
        any::<u32>().prop_map(|flags| Call::Pipe2 { flags }),
    ]
}

fn other_calls() -> impl Strategy<Value = Call> {
    prop_oneof![
        (any::<i32>(), 0usize..100_000).prop_map(|(fd, count)| Call::Read { fd, count }),
        (any::<i32>(), bytes()).prop_map(|(fd, data)| Call::Write { fd, data }),
        (any::<i32>(), 0usize..100_000, any::<i64>()).prop_map(|(fd, count, offset)| Call::Pread {
            fd,
            count,
            offset
        }),
        (any::<i32>(), bytes(), any::<i64>()).prop_map(|(fd, data, offset)| Call::Pwrite {
            fd,
            data,
            offset
        }),
        (any::<i32>(), any::<i64>(), any::<i32>()).prop_map(|(fd, offset, whence)| Call::Lseek {
            fd,
            offset,
            whence
        }),
        any::<u32>().prop_map(|resource| Call::Getrlimit { resource }),
        (any::<u32>(), limit()).prop_map(|(resource, limit)| Call::Setrlimit { resource, limit }),
        (any::<u32>(), any::<u32>(), proptest::option::of(limit()))
            .prop_map(|(pid, resource, new)| Call::Prlimit { pid, resource, new }),
        Just(Call::Fork),
        Just(Call::Vfork),
        any::<u64>().prop_map(|flags| Call::Clone { flags }),
        (0u64..0x1000).prop_map(|flags| Call::Clone { flags }),
        any::<u64>().prop_map(|flags| Call::Unshare { flags }),
        path().prop_map(|path| Call::Execve { path }),
        any::<i32>().prop_map(|status| Call::Exit { status }),
        any::<i32>().prop_map(|status| Call::ExitGroup { status }),
        (any::<i32>(), any::<bool>()).prop_map(|(pid, nohang)| Call::Wait4 { pid, nohang }),
        (path(), any::<u32>()).prop_map(|(path, mode)| Call::Mkdir { path, mode }),
        path().prop_map(|path| Call::Unlink { path }),
        path().prop_map(|path| Call::Rmdir { path }),
        (path(), path()).prop_map(|(old, new)| Call::Rename { old, new }),
        path().prop_map(|path| Call::Chdir { path }),
        any::<i32>().prop_map(|fd| Call::Fstat { fd }),
    ]
}

fn ret() -> impl Strategy<Value = Ret> {
    prop_oneof![
        any::<i64>().prop_map(Ret::Value),
        (0i64..5000).prop_map(Ret::Value),
        (1i32..4096).prop_map(|e| Ret::Error(Errno::from_raw(e))),
        Just(Ret::NoReturn),
    ]
}

/// An output value that fits `call`, if it has an output argument.
fn out_for(call: &Call) -> BoxedStrategy<Option<Out>> {
    let some = |s: BoxedStrategy<Out>| proptest::option::of(s).boxed();
    match call {
        Call::Pipe | Call::Pipe2 { .. } | Call::Socketpair { .. } => {
            some(any::<[i32; 2]>().prop_map(Out::Fds).boxed())
        }
        Call::Read { .. } | Call::Pread { .. } => some(
            (bytes(), any::<bool>())
                .prop_map(|(bytes, truncated)| Out::Data { bytes, truncated })
                .boxed(),
        ),
        Call::Getrlimit { .. } | Call::Prlimit { .. } => some(limit().prop_map(Out::Limit).boxed()),
        Call::Fstat { .. } => some(
            (0u32..0o177777, proptest::option::of(any::<u64>()))
                .prop_map(|(mode, size)| Out::Stat { mode, size })
                .boxed(),
        ),
        Call::Wait4 { .. } => some(
            prop_oneof![
                any::<i32>().prop_map(ExitStatus::Exited),
                (1i32..=64).prop_map(ExitStatus::Killed),
            ]
            .prop_map(Out::Status)
            .boxed(),
        ),
        _ => Just(None).boxed(),
    }
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![fd_calls(), other_calls()]
        .prop_flat_map(|call| {
            let out = out_for(&call);
            let argv = match call {
                Call::Execve { .. } => proptest::collection::vec("[ -~]{0,6}", 0..3).boxed(),
                _ => Just(Vec::new()).boxed(),
            };
            (
                Just(call),
                argv,
                proptest::option::of(ret()),
                out,
                any::<u32>(),
                proptest::option::of("[!-~][ -~]{0,10}[!-~]"),
            )
        })
        .prop_map(|(call, argv, ret, out, pid, note)| Step {
            line: 1,
            pid,
            call,
            argv,
            expected: (ret.is_some() || out.is_some()).then_some(Expected { ret, out }),
            show: false,
            note,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn printed_steps_parse_back(step in step()) {
        let text = step.to_string();
        let parsed = Scenario::parse(&text).map_err(|e| TestCaseError::fail(format!("{text}: {e:?}")))?;
        let got: Vec<&Step> = parsed.steps().collect();
        prop_assert_eq!(got, vec![&step], "text: {}", text);
    }
}

#[test]
fn examples_print_and_parse_back() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().map_or(true, |e| e != "strace") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let scenario =
            Scenario::parse(&text).unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
        let printed = scenario.to_string();
        let again = Scenario::parse(&printed).unwrap_or_else(|e| panic!("{printed}: {e:?}"));
        // Line numbers stay: one line printed per line read.
        assert_eq!(again, scenario, "{}", path.display());
        n += 1;
    }
    assert!(n >= 5, "only {n} examples");
}

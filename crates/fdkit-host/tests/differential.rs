//! Differential test: random call sequences on the model and on the real kernel must
//! agree call by call (results, errnos, tables after `execve` and at the end).
//!
//! `FDKIT_DIFF_CASES=N` sets the number of random cases (default 256, about half a
//! minute on two cores). Each counterexample proptest finds is shrunk and printed
//! with a ready-to-paste regression test; those live in `mod regressions` below.

use fdkit::syscall::Call;
use fdkit::RLimit;
use fdkit_host::{compare, Config, ErrorKind, ProcessRef, Report, Script};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::{FileFailurePersistence, TestCaseError, TestError, TestRunner};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

// ---- the comparison ---------------------------------------------------------------

fn config() -> Config {
    let mut c = Config::new(env!("CARGO_BIN_EXE_fdkit-host-helper"));
    c.block_timeout = Duration::from_millis(5);
    c
}

#[derive(Default)]
struct Tally {
    cases: AtomicUsize,
    steps: AtomicUsize,
    compared: AtomicUsize,
    tables: AtomicUsize,
    not_compared: AtomicUsize,
    cut_short: AtomicUsize,
}

static TALLY: Tally = Tally {
    cases: AtomicUsize::new(0),
    steps: AtomicUsize::new(0),
    compared: AtomicUsize::new(0),
    tables: AtomicUsize::new(0),
    not_compared: AtomicUsize::new(0),
    cut_short: AtomicUsize::new(0),
};

/// Runs `script` on both backends; `Err` describes the first divergence.
fn check(script: &Script) -> Result<Report, String> {
    let report = match compare(script, config()) {
        Ok(report) => report,
        // A step the executor does not run (an execve whose loader would find no
        // free descriptor, without CAP_SYS_RESOURCE): everything before it agreed.
        Err(e) if e.kind() == ErrorKind::Unsupported => {
            TALLY.cut_short.fetch_add(1, Ordering::Relaxed);
            return Ok(Report::default());
        }
        Err(e) => return Err(format!("executor error: {e}\nscript:\n{script}")),
    };
    TALLY.cases.fetch_add(1, Ordering::Relaxed);
    TALLY.steps.fetch_add(report.steps, Ordering::Relaxed);
    TALLY.compared.fetch_add(report.compared, Ordering::Relaxed);
    TALLY.tables.fetch_add(report.tables, Ordering::Relaxed);
    TALLY
        .not_compared
        .fetch_add(report.not_compared.len(), Ordering::Relaxed);
    match &report.divergence {
        None => Ok(report),
        Some(d) => Err(d.to_string()),
    }
}

/// A regression: `steps` must agree.
#[track_caller]
fn agree(steps: &[(ProcessRef, Call)]) {
    let script: Script = steps.iter().cloned().collect();
    if let Err(why) = check(&script) {
        panic!("{why}");
    }
}

// ---- the generator ------------------------------------------------------------------

const O_CREAT: u32 = 0o100;
const O_EXCL: u32 = 0o200;
const O_NOCTTY: u32 = 0o400;
const O_TRUNC: u32 = 0o1000;
const O_APPEND: u32 = 0o2000;
const O_NONBLOCK: u32 = 0o4000;
const O_DSYNC: u32 = 0o10000;
const O_ASYNC: u32 = 0o20000;
const O_DIRECT: u32 = 0o40000;
const O_DIRECTORY: u32 = 0o200000;
const O_NOFOLLOW: u32 = 0o400000;
const O_NOATIME: u32 = 0o1000000;
const O_CLOEXEC: u32 = 0o2000000;
const O_SYNC: u32 = 0o4010000;
const O_PATH: u32 = 0o10000000;
const O_RDWR_CREAT: u32 = 0o102;

/// Descriptor numbers: mostly the ones scripts create (3-6), the terminal (0-2), a
/// few more, and the interesting invalid ones: negative, at and just below the
/// limits the generator sets (16, 64, the default 1024, the hard 4096), `INT_MAX`.
fn fd() -> BoxedStrategy<i32> {
    prop_oneof![
        10 => 3..=6i32,
        3 => 0..=2i32,
        3 => 7..=10i32,
        2 => select(vec![-1, -100, 15, 16, 63, 64, 1000, 1023, 1024, 4095, 4096, i32::MAX]),
    ]
    .boxed()
}

fn fd_u32() -> BoxedStrategy<u32> {
    prop_oneof![
        8 => fd().prop_map(|n| n as u32),
        1 => Just(u32::MAX),
        1 => Just(u32::MAX - 1),
    ]
    .boxed()
}

/// `F_DUPFD` minimums: descriptor numbers and values that truncate or go negative.
fn min_arg() -> BoxedStrategy<u64> {
    prop_oneof![
        6 => 0..=10u64,
        2 => select(vec![
            15, 16, 63, 64, 1000, 1023, 1024, 4096, 0x7fff_ffff, 0xffff_ffff, 0x1_0000_0005,
            u64::MAX
        ]),
    ]
    .boxed()
}

fn path() -> BoxedStrategy<String> {
    prop_oneof![
        10 => select(vec!["/tmp/a", "/tmp/a", "/tmp/b", "/tmp", "/dev/null"]),
        3 => select(vec!["/tmp/d", "/tmp/d/f", "/", "/dev/zero", "/tmp/missing/x"]),
        2 => select(vec!["/tmp/a/", "/tmp/d/", "tmp/a", "a", "f", "d/f"]),
    ]
    .prop_map(str::to_string)
    .boxed()
}

/// Open flags: an access mode (3 included), `O_CREAT` half the time, and up to two
/// more flags.
fn open_flags() -> BoxedStrategy<u32> {
    let flag = select(vec![
        O_EXCL,
        O_TRUNC,
        O_APPEND,
        O_APPEND,
        O_DIRECTORY,
        O_CLOEXEC,
        O_CLOEXEC,
        O_NONBLOCK,
        O_PATH,
        O_NOFOLLOW,
        O_NOCTTY,
        O_DSYNC,
        O_SYNC,
        O_NOATIME,
        O_ASYNC,
        O_DIRECT,
    ]);
    let access = prop_oneof![2 => Just(0u32), 2 => Just(1), 4 => Just(2), 1 => Just(3)];
    let creat = prop_oneof![1 => Just(O_CREAT), 1 => Just(0)];
    (access, creat, prop::collection::vec(flag, 0..3))
        .prop_map(|(mode, creat, flags)| flags.into_iter().fold(mode | creat, |a, f| a | f))
        .boxed()
}

/// Creation modes the owner can read and write: the model's `privileged` stands for
/// both `CAP_SYS_RESOURCE` and `CAP_DAC_OVERRIDE`, and a host may have only one.
fn mode() -> BoxedStrategy<u32> {
    select(vec![0o644, 0o600, 0o700, 0o666]).boxed()
}

/// `F_SETFL` words: status flags, ignored bits, or anything — without `O_DIRECT`,
/// which on a pipe's write end turns on packet mode (see `known_divergences`);
/// `regressions::f_setfl_o_direct_per_object` covers it instead.
fn setfl_arg() -> BoxedStrategy<u64> {
    let no_direct = !u64::from(O_DIRECT);
    prop_oneof![
        3 => open_flags().prop_map(u64::from),
        1 => any::<u32>().prop_map(u64::from),
        1 => any::<u64>(),
    ]
    .prop_map(move |arg| arg & no_direct)
    .boxed()
}

fn limit() -> BoxedStrategy<RLimit> {
    let l = |cur, max| RLimit { cur, max };
    select(vec![
        l(8, 4096),
        l(5, 4096),
        l(3, 4096),
        l(0, 4096),
        l(1024, 4096),
        l(4096, 4096),
        l(4097, 4096),
        l(16, 16),
        l(16, 64),
        l(64, 64),
        l(1024, 8192),
        l(1 << 20, 1 << 20),
        l((1 << 20) + 1, (1 << 20) + 1),
        l(u64::MAX, u64::MAX),
        l(1024, u64::MAX),
    ])
    .boxed()
}

fn fcntl() -> BoxedStrategy<Call> {
    let call = |fd, cmd, arg| Call::Fcntl { fd, cmd, arg };
    let setfd = select(vec![0u64, 1, 1, 2, 3, 0xffff_fffe, u64::MAX, 0x1_0000_0000]);
    let pipe_size = select(vec![
        0u64,
        1,
        4096,
        4097,
        65536,
        1 << 20,
        (1 << 20) + 1,
        u64::MAX,
    ]);
    prop_oneof![
        3 => (fd(), select(vec![0, 1030]), min_arg()).prop_map(move |(f, c, a)| call(f, c, a)),
        2 => fd().prop_map(move |f| call(f, 1, 0)),
        2 => (fd(), setfd).prop_map(move |(f, a)| call(f, 2, a)),
        2 => fd().prop_map(move |f| call(f, 3, 0)),
        2 => (fd(), setfl_arg()).prop_map(move |(f, a)| call(f, 4, a)),
        1 => (fd(), fd()).prop_map(move |(f, g)| call(f, 1027, g as u32 as u64)),
        1 => (fd(), select(vec![1028, 1032, 11, 9, -1, 999, 12, 1029]))
            .prop_map(move |(f, c)| call(f, c, 0)),
        1 => (fd(), 0..70u64).prop_map(move |(f, s)| call(f, 10, s)),
        1 => (fd(), pipe_size).prop_map(move |(f, size)| call(f, 1031, size)),
    ]
    .boxed()
}

fn io() -> BoxedStrategy<Call> {
    let count = select(vec![0usize, 1, 3, 8, 64]);
    let data = prop::collection::vec(any::<u8>(), 0..10);
    let offset = select(vec![-1i64, 0, 2, 100]);
    let whence = prop_oneof![6 => 0..=2i32, 2 => 3..=4i32, 1 => Just(5)];
    prop_oneof![
        3 => (fd(), count.clone()).prop_map(|(fd, count)| Call::Read { fd, count }),
        3 => (fd(), data.clone()).prop_map(|(fd, data)| Call::Write { fd, data }),
        1 => (fd(), count, offset.clone())
            .prop_map(|(fd, count, offset)| Call::Pread { fd, count, offset }),
        1 => (fd(), data, offset).prop_map(|(fd, data, offset)| Call::Pwrite { fd, data, offset }),
        4 => (fd(), select(vec![-5i64, -1, 0, 0, 1, 3, 100]), whence)
            .prop_map(|(fd, offset, whence)| Call::Lseek { fd, offset, whence }),
        1 => fd().prop_map(|fd| Call::Fstat { fd }),
        1 => (fd(), select(vec![0x5451u64, 0x5450, 0x5421, 0x5452]), 0..2u64)
            .prop_map(|(fd, request, arg)| Call::Ioctl { fd, request, arg }),
    ]
    .boxed()
}

fn objects() -> BoxedStrategy<Call> {
    prop_oneof![
        6 => (path(), open_flags(), mode()).prop_map(|(path, flags, mode)| Call::Open { path, flags, mode }),
        2 => (prop_oneof![3 => Just(-100i32), 2 => fd()], path(), open_flags(), mode())
            .prop_map(|(dirfd, path, flags, mode)| Call::Openat { dirfd, path, flags, mode }),
        1 => (path(), mode()).prop_map(|(path, mode)| Call::Creat { path, mode }),
        2 => select(vec![0u32, O_CLOEXEC, O_NONBLOCK, O_CLOEXEC | O_NONBLOCK, O_APPEND, 0x8000_0000])
            .prop_map(|flags| Call::Pipe2 { flags }),
        1 => Just(Call::Pipe),
        2 => socketpair(),
        1 => (0..3u32, select(vec![0u32, O_CLOEXEC, O_NONBLOCK, 1, 2]))
            .prop_map(|(initval, flags)| Call::Eventfd2 { initval, flags }),
        1 => select(vec!["/tmp/d", "/tmp/a", "/tmp/d/e"]).prop_map(|p| Call::Mkdir { path: p.into(), mode: 0o755 }),
        1 => select(vec!["/tmp/a", "/tmp/b", "/tmp/d"]).prop_map(|p| Call::Unlink { path: p.into() }),
        // Never a directory that may be a process's current directory (/tmp, /tmp/d,
        // /tmp/e: see `known_divergences::lookups_in_a_removed_current_directory`).
        1 => select(vec!["/tmp/d/e", "/tmp/d/e/", "/tmp/a", "/tmp/missing"])
            .prop_map(|p| Call::Rmdir { path: p.into() }),
        1 => select(vec![("/tmp/a", "/tmp/b"), ("/tmp/b", "/tmp/a"), ("/tmp/d", "/tmp/e")])
            .prop_map(|(o, n)| Call::Rename { old: o.into(), new: n.into() }),
        1 => select(vec!["/tmp", "/", "/tmp/d", "/tmp/a"]).prop_map(|p| Call::Chdir { path: p.into() }),
    ]
    .boxed()
}

/// `socketpair`: unix stream pairs with valid and invalid flags and protocols; the
/// other unix types only with a protocol or flag that makes them fail (the model
/// treats datagram sockets as streams: see `known_divergences`); an unknown family;
/// and AF_INET only where Linux's answer does not depend on the inet protocol table.
fn socketpair() -> BoxedStrategy<Call> {
    let flags = select(vec![0u32, 0o2000000, 0o4000, 0o2004000, 0o100]);
    let call = |domain, ty, protocol| Call::Socketpair {
        domain,
        ty,
        protocol,
    };
    prop_oneof![
        6 => (flags.clone(), select(vec![0i32, 0, 1, 7]))
            .prop_map(move |(f, protocol)| call(1, 1 | f, protocol)),
        2 => (select(vec![2u32, 3, 5, 6, 11]), flags.clone())
            .prop_map(move |(kind, f)| call(1, kind | f, 7)),
        1 => select(vec![6u32, 11]).prop_map(move |kind| call(1, kind, 0)),
        1 => (select(vec![1u32, 2]), flags.clone()).prop_map(move |(kind, f)| call(2, kind | f, 0)),
        1 => (select(vec![1u32, 11]), flags).prop_map(move |(kind, f)| call(99, kind | f, 0)),
    ]
    .boxed()
}

fn table_calls() -> BoxedStrategy<Call> {
    let dup3_flags = prop_oneof![
        3 => Just(0u32),
        3 => Just(O_CLOEXEC),
        1 => select(vec![O_CLOEXEC | 1, O_NONBLOCK, 0x8000_0000, 1]),
    ];
    let cr_flags = prop_oneof![
        4 => Just(0u32),
        2 => Just(4),
        1 => Just(2),
        1 => Just(6),
        1 => 0..16u32,
        1 => Just(0x8000_0000u32),
    ];
    // Mostly first <= last: a range from a descriptor number, of a few or all.
    let range = prop_oneof![
        4 => (fd_u32(), select(vec![0u32, 1, 2, 5, u32::MAX]))
            .prop_map(|(first, len)| (first, first.saturating_add(len))),
        1 => (fd_u32(), fd_u32()),
    ];
    prop_oneof![
        4 => fd().prop_map(|fd| Call::Close { fd }),
        3 => fd().prop_map(|fd| Call::Dup { fd }),
        3 => (fd(), fd()).prop_map(|(old, new)| Call::Dup2 { old, new }),
        3 => (fd(), fd(), dup3_flags).prop_map(|(old, new, flags)| Call::Dup3 { old, new, flags }),
        2 => (range, cr_flags)
            .prop_map(|((first, last), flags)| Call::CloseRange { first, last, flags }),
    ]
    .boxed()
}

fn process_calls() -> BoxedStrategy<Call> {
    prop_oneof![
        3 => Just(Call::Fork),
        1 => Just(Call::Clone { flags: 0x400 | 17 }),
        2 => Just(Call::Execve { path: "/bin/helper".into() }),
        1 => (0..3i32).prop_map(|status| Call::Exit { status }),
        2 => prop_oneof![4 => Just(true), 1 => Just(false)]
            .prop_map(|nohang| Call::Wait4 { pid: -1, nohang }),
        1 => Just(Call::Unshare { flags: 0x400 }),
        2 => limit().prop_map(|limit| Call::Setrlimit { resource: 7, limit }),
        1 => select(vec![7u32, 7, 16, 99]).prop_map(|resource| Call::Getrlimit { resource }),
        1 => prop::option::of(limit()).prop_map(|new| Call::Prlimit { pid: 0, resource: 7, new }),
    ]
    .boxed()
}

fn call() -> BoxedStrategy<Call> {
    prop_oneof![
        5 => objects(),
        6 => table_calls(),
        4 => fcntl(),
        4 => io(),
        2 => process_calls(),
    ]
    .boxed()
}

/// Calls that normally succeed and leave something open: regular files (read-write,
/// sometimes appending or close-on-exec), pipes, socket pairs, and data in them.
fn setup() -> BoxedStrategy<Call> {
    let file_flags = select(vec![
        0o102u32, 0o102, 0o2102, 0o2000102, 0o1102, 0o101, 0o100,
    ]);
    let data = prop::collection::vec(any::<u8>(), 1..8);
    prop_oneof![
        4 => (select(vec!["/tmp/a", "/tmp/b"]), file_flags).prop_map(|(path, flags)| Call::Open {
            path: path.into(),
            flags,
            mode: 0o644,
        }),
        2 => select(vec![0u32, O_CLOEXEC, O_NONBLOCK]).prop_map(|flags| Call::Pipe2 { flags }),
        1 => select(vec![1u32, 0o2000001, 0o4001])
            .prop_map(|ty| Call::Socketpair { domain: 1, ty, protocol: 0 }),
        2 => (3..=5i32, data).prop_map(|(fd, data)| Call::Write { fd, data }),
    ]
    .boxed()
}

/// Most processes a case creates, `p0` included.
const MAX_PROCESSES: u32 = 6;

/// A script of 10-40 calls after a setup of 1-4 (files, pipes, socket pairs that
/// normally succeed, so later calls find descriptors 3-6 open); each is made by one
/// of the processes alive at that point (picked by the `u8`), assuming `fork` and
/// `clone` succeed and `exit` ends one.
fn script() -> impl Strategy<Value = Script> {
    // Optional steps so that shrinking can drop any of them (a vector does not shrink
    // below its minimum length).
    let setup = prop::collection::vec(prop::option::weighted(0.97, (Just(0u8), setup())), 1..=4);
    let ops = prop::collection::vec(prop::option::weighted(0.97, (any::<u8>(), call())), 10..=40);
    (setup, ops).prop_map(|(setup, ops)| {
        let mut live = vec![0u32];
        let mut created = 1;
        let mut script = Script::new();
        for (who, call) in setup.into_iter().chain(ops).flatten() {
            let Some(&p) = live.get(who as usize % live.len().max(1)) else {
                break;
            };
            match call {
                Call::Fork | Call::Clone { .. } => {
                    if created >= MAX_PROCESSES {
                        continue;
                    }
                    live.push(created);
                    created += 1;
                }
                Call::Exit { .. } => live.retain(|&q| q != p),
                _ => {}
            }
            script.push(ProcessRef(p), call);
        }
        script
    })
}

// ---- the property -------------------------------------------------------------------

fn cases() -> u32 {
    std::env::var("FDKIT_DIFF_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(256)
}

#[test]
fn model_matches_the_kernel_call_by_call() {
    let mut runner = TestRunner::new(ProptestConfig {
        cases: cases(),
        max_shrink_iters: 4096,
        source_file: Some(file!()),
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        ..ProptestConfig::default()
    });
    let result = runner.run(&script(), |script| {
        check(&script).map(|_| ()).map_err(TestCaseError::fail)
    });
    let t = &TALLY;
    eprintln!(
        "differential: {} cases, {} steps run, {} results compared, {} tables compared, \
         {} steps not compared (terminal input), {} cases cut short (unsupported step)",
        t.cases.load(Ordering::Relaxed),
        t.steps.load(Ordering::Relaxed),
        t.compared.load(Ordering::Relaxed),
        t.tables.load(Ordering::Relaxed),
        t.not_compared.load(Ordering::Relaxed),
        t.cut_short.load(Ordering::Relaxed),
    );
    match result {
        Ok(()) => {}
        Err(TestError::Fail(why, script)) => panic!(
            "{why}\nminimal script:\n{script}\nas a regression test:\n    agree(&{});\n",
            script.to_rust().replace('\n', "\n    ")
        ),
        Err(e) => panic!("{e}"),
    }
}

// ---- regressions --------------------------------------------------------------------
//
// Minimal counterexamples found by the property above, kept as plain tests; each
// names the model fix that made it pass.

mod regressions {
    use super::*;

    const P0: ProcessRef = ProcessRef(0);

    fn open(path: &str, flags: u32) -> Call {
        Call::Open {
            path: path.into(),
            flags,
            mode: 0o644,
        }
    }

    #[test]
    fn dup2_and_f_dupfd_around_the_soft_limit() {
        agree(&[
            (P0, Call::Dup2 { old: 1, new: 1023 }),
            (P0, Call::Dup2 { old: 1, new: 1024 }),
            (
                P0,
                Call::Fcntl {
                    fd: 1,
                    cmd: 0,
                    arg: 1023,
                },
            ),
            (
                P0,
                Call::Fcntl {
                    fd: 1,
                    cmd: 0,
                    arg: 1024,
                },
            ),
        ]);
    }

    /// "fix: open with access mode 3 asks for read and write": `ACC_MODE(3)` is
    /// read|write, so a directory refuses it.
    #[test]
    fn open_directory_with_access_mode_3_is_eisdir() {
        agree(&[(P0, open("/tmp", 0o3))]);
    }

    /// An executor bug: `/` was mapped to `$scratch/`, whose trailing slash makes
    /// O_CREAT fail with EISDIR; the root's answer is EEXIST.
    #[test]
    fn open_root_with_o_creat_o_excl_is_eexist() {
        agree(&[(P0, open("/", O_CREAT | O_EXCL)), (P0, open("/", O_CREAT))]);
    }

    /// "fix: O_CREAT with a trailing slash is EISDIR before lookup".
    #[test]
    fn creat_existing_file_with_a_trailing_slash_is_eisdir() {
        agree(&[
            (
                P0,
                Call::Openat {
                    dirfd: -100,
                    path: "tmp/a".into(),
                    flags: O_CREAT,
                    mode: 0o644,
                },
            ),
            (
                P0,
                Call::Creat {
                    path: "/tmp/a/".into(),
                    mode: 0o644,
                },
            ),
            (P0, open("/tmp/", O_CREAT | O_EXCL)),
        ]);
    }

    /// "fix: open refuses O_DIRECT on objects without direct I/O".
    #[test]
    fn open_dev_null_with_o_direct_is_einval() {
        agree(&[(
            P0,
            Call::Openat {
                dirfd: -100,
                path: "/dev/null".into(),
                flags: O_DIRECT,
                mode: 0o644,
            },
        )]);
    }

    /// "fix: eventfd write needs exactly 8 bytes".
    #[test]
    fn eventfd_write_of_nine_bytes_is_einval() {
        agree(&[
            (
                P0,
                Call::Eventfd2 {
                    initval: 0,
                    flags: 0,
                },
            ),
            (
                P0,
                Call::Write {
                    fd: 3,
                    data: vec![0; 9],
                },
            ),
        ]);
    }

    /// "fix: FIOASYNC without ->fasync is ENOTTY".
    #[test]
    fn fioasync_on_an_eventfd_is_enotty() {
        agree(&[
            (
                P0,
                Call::Eventfd2 {
                    initval: 0,
                    flags: 0,
                },
            ),
            (
                P0,
                Call::Ioctl {
                    fd: 3,
                    request: 0x5452,
                    arg: 1,
                },
            ),
            (
                P0,
                Call::Ioctl {
                    fd: 3,
                    request: 0x5452,
                    arg: 0,
                },
            ),
        ]);
    }

    /// An executor fix: the scratch directory was on ext4, whose directories seek
    /// to hash positions (`ext4_dir_llseek`); the model follows tmpfs, where
    /// `SEEK_END` on a directory is EINVAL. Scratch directories now go on tmpfs.
    #[test]
    fn lseek_directory_seek_end_is_einval_on_tmpfs() {
        agree(&[
            (P0, open("/tmp", 0)),
            (
                P0,
                Call::Lseek {
                    fd: 3,
                    offset: -5,
                    whence: 2,
                },
            ),
            (
                P0,
                Call::Lseek {
                    fd: 3,
                    offset: 3,
                    whence: 0,
                },
            ),
            (
                P0,
                Call::Lseek {
                    fd: 3,
                    offset: 0,
                    whence: 1,
                },
            ),
        ]);
    }

    /// "fix: an empty write to a pipe without readers returns 0".
    #[test]
    fn empty_write_to_a_widowed_pipe_is_zero() {
        agree(&[
            (P0, Call::Pipe2 { flags: 0 }),
            (P0, Call::Close { fd: 3 }),
            (
                P0,
                Call::Write {
                    fd: 4,
                    data: vec![],
                },
            ),
            (
                P0,
                Call::Write {
                    fd: 4,
                    data: vec![1],
                },
            ),
        ]);
    }

    /// "fix: a socket closed with unread data resets its peer".
    #[test]
    fn read_after_peer_closed_with_unread_data_is_econnreset() {
        agree(&[
            (
                P0,
                Call::Socketpair {
                    domain: 1,
                    ty: 1,
                    protocol: 0,
                },
            ),
            (
                P0,
                Call::Write {
                    fd: 4,
                    data: vec![0],
                },
            ),
            (P0, Call::Close { fd: 3 }),
            (P0, Call::Read { fd: 4, count: 1 }),
            (P0, Call::Read { fd: 4, count: 1 }),
        ]);
    }

    /// "fix: F_SETPIPE_SZ above 2^31 is EINVAL before EPERM".
    #[test]
    fn setpipe_sz_of_all_ones_is_einval() {
        agree(&[
            (P0, Call::Pipe2 { flags: O_NONBLOCK }),
            (
                P0,
                Call::Fcntl {
                    fd: 3,
                    cmd: 1031,
                    arg: u64::MAX,
                },
            ),
            (
                P0,
                Call::Fcntl {
                    fd: 3,
                    cmd: 1031,
                    arg: 1 << 31,
                },
            ),
            (
                P0,
                Call::Fcntl {
                    fd: 3,
                    cmd: 1031,
                    arg: (1 << 32) + 4097,
                },
            ),
        ]);
    }

    /// "fix: an empty write through O_APPEND keeps the offset" (seen in the final
    /// table: the offset of 5).
    #[test]
    fn empty_append_write_keeps_the_offset() {
        agree(&[
            (P0, open("/tmp/a", O_RDWR_CREAT)),
            (P0, open("/tmp/a", O_RDWR_CREAT | O_APPEND)),
            (
                P0,
                Call::Write {
                    fd: 3,
                    data: vec![0],
                },
            ),
            (
                P0,
                Call::Write {
                    fd: 4,
                    data: vec![],
                },
            ),
        ]);
    }

    /// "fix: O_ASYNC on a terminal makes the caller its owner" and "a terminal
    /// claims only an unowned description; F_GETOWN of a reaped owner is 0"
    /// (F_GETOWN is compared as a process).
    #[test]
    fn o_async_on_the_terminal_claims_it_for_the_caller() {
        let p1 = ProcessRef(1);
        agree(&[
            (P0, Call::Dup2 { old: 0, new: 5 }),
            (P0, Call::Fork),
            (
                p1,
                Call::Fcntl {
                    fd: 5,
                    cmd: 4,
                    arg: 0x2040,
                },
            ),
            (
                P0,
                Call::Fcntl {
                    fd: 0,
                    cmd: 9,
                    arg: 0,
                },
            ),
            (
                P0,
                Call::Ioctl {
                    fd: 1,
                    request: 0x5452,
                    arg: 0,
                },
            ),
            (
                P0,
                Call::Ioctl {
                    fd: 1,
                    request: 0x5452,
                    arg: 1,
                },
            ),
            (
                p1,
                Call::Fcntl {
                    fd: 2,
                    cmd: 9,
                    arg: 0,
                },
            ),
            (p1, Call::Exit { status: 0 }),
            (
                P0,
                Call::Fcntl {
                    fd: 0,
                    cmd: 9,
                    arg: 0,
                },
            ),
            (
                P0,
                Call::Wait4 {
                    pid: -1,
                    nohang: true,
                },
            ),
            (
                P0,
                Call::Fcntl {
                    fd: 0,
                    cmd: 9,
                    arg: 0,
                },
            ),
            (
                P0,
                Call::Fcntl {
                    fd: 0,
                    cmd: 8,
                    arg: 0,
                },
            ),
            (
                P0,
                Call::Fcntl {
                    fd: 0,
                    cmd: 4,
                    arg: 0,
                },
            ),
            (
                P0,
                Call::Fcntl {
                    fd: 0,
                    cmd: 4,
                    arg: 0o20000,
                },
            ),
            (
                P0,
                Call::Fcntl {
                    fd: 0,
                    cmd: 9,
                    arg: 0,
                },
            ),
        ]);
    }

    /// `F_SETFL(O_DIRECT)` on each kind of object (the random scripts leave it out;
    /// see `setfl_arg`): regular files and pipes take it, directories, devices, the
    /// terminal, sockets and eventfds refuse it; `pipe2(O_DIRECT)` marks only the
    /// write end.
    #[test]
    fn f_setfl_o_direct_per_object() {
        let setfl = |fd| Call::Fcntl {
            fd,
            cmd: 4,
            arg: u64::from(O_DIRECT),
        };
        let getfl = |fd| Call::Fcntl { fd, cmd: 3, arg: 0 };
        let mut steps = vec![
            (P0, open("/tmp/a", O_RDWR_CREAT)),
            (P0, open("/tmp", 0)),
            (P0, open("/dev/null", 2)),
            (P0, Call::Pipe2 { flags: 0 }),
            (
                P0,
                Call::Socketpair {
                    domain: 1,
                    ty: 1,
                    protocol: 0,
                },
            ),
            (
                P0,
                Call::Eventfd2 {
                    initval: 0,
                    flags: 0,
                },
            ),
            (P0, Call::Pipe2 { flags: O_DIRECT }),
        ];
        for fd in 0..=11 {
            steps.push((P0, setfl(fd)));
            steps.push((P0, getfl(fd)));
        }
        agree(&steps);
    }

    /// `pipe2` with each combination of `O_NONBLOCK`, `O_DIRECT` and `O_CLOEXEC`:
    /// `F_GETFL` and `F_GETFD` on both ends, no `F_SETFL` in between (fs/pipe.c,
    /// `create_pipe_files`: `O_DIRECT` is the write end's only).
    #[test]
    fn pipe2_flags_per_end() {
        const O_CLOEXEC: u32 = 0o2000000;
        let mut steps = Vec::new();
        for (i, flags) in [
            0,
            O_NONBLOCK,
            O_DIRECT,
            O_NONBLOCK | O_DIRECT,
            O_CLOEXEC | O_DIRECT,
            O_CLOEXEC | O_NONBLOCK | O_DIRECT,
        ]
        .into_iter()
        .enumerate()
        {
            steps.push((P0, Call::Pipe2 { flags }));
            for fd in [3 + 2 * i as i32, 4 + 2 * i as i32] {
                for cmd in [1, 3] {
                    steps.push((P0, Call::Fcntl { fd, cmd, arg: 0 }));
                }
            }
        }
        agree(&steps);
    }

    /// "fix: the current directory follows a rename" (found after 60,145 cases).
    #[test]
    fn cwd_follows_a_renamed_directory() {
        agree(&[
            (
                P0,
                Call::Mkdir {
                    path: "/tmp/d".into(),
                    mode: 0o755,
                },
            ),
            (
                P0,
                Call::Chdir {
                    path: "/tmp/d".into(),
                },
            ),
            (
                P0,
                Call::Rename {
                    old: "/tmp/d".into(),
                    new: "/tmp/e".into(),
                },
            ),
            (P0, open("a", O_CREAT)),
        ]);
    }
}

// ---- known divergences ---------------------------------------------------------------
//
// Counterexamples the model does not follow, each for a reason that needs more than a
// local fix. `cargo test -p fdkit-host --test differential -- --ignored` runs them.

mod known_divergences {
    use super::*;

    const P0: ProcessRef = ProcessRef(0);

    /// Linux looks the type and protocol up in the inet protocol table
    /// (`inet_create`): SOCK_SEQPACKET has no entry unless SCTP is loaded
    /// (ESOCKTNOSUPPORT), ICMP datagrams depend on `ping_group_range` (EACCES), raw
    /// sockets on CAP_NET_RAW. The model answers EOPNOTSUPP for every AF_INET and
    /// AF_INET6 pair; matching means modelling inet socket creation, which depends
    /// on the kernel's configuration and modules.
    #[test]
    #[ignore = "inet protocol lookup is not modelled: EOPNOTSUPP vs ESOCKTNOSUPPORT"]
    fn socketpair_inet_seqpacket_is_esocktnosupport() {
        agree(&[(
            P0,
            Call::Socketpair {
                domain: 2,
                ty: 5,
                protocol: 0,
            },
        )]);
    }

    /// A datagram socket whose peer is gone refuses the send (`unix_dgram_sendmsg`:
    /// ECONNREFUSED, then ENOTCONN). The model's sockets are all streams (datagram
    /// semantics are listed as not modelled in `fdkit::object::socket`) and answer
    /// EPIPE.
    /// A pipe's write end with O_DIRECT writes packets (`is_packetized`): a read
    /// returns at most one packet and drops the part of it that did not fit, though
    /// a packet may also merge into an earlier ordinary buffer. The model's pipe is a
    /// byte queue; packets need a new buffer representation and the writer's flags
    /// in `Io`. (Found after 33,622 random cases.)
    #[test]
    #[ignore = "pipe packet mode (O_DIRECT) is not modelled: a read stops at a packet"]
    fn pipe_packet_mode_read_stops_at_a_packet() {
        agree(&[
            (P0, Call::Pipe2 { flags: 0 }),
            (
                P0,
                Call::Fcntl {
                    fd: 4,
                    cmd: 4,
                    arg: u64::from(O_DIRECT),
                },
            ),
            (
                P0,
                Call::Write {
                    fd: 4,
                    data: vec![0],
                },
            ),
            (
                P0,
                Call::Write {
                    fd: 4,
                    data: vec![0],
                },
            ),
            (P0, Call::Read { fd: 3, count: 3 }),
        ]);
    }

    /// A removed directory that is still a process's current directory is dead:
    /// nothing can be looked up or created in it (ENOENT), even after a new
    /// directory takes its name. The model's current directory is the inode, whose
    /// path then names the new directory. Matching needs "unlinked" to be visible
    /// to path resolution in the model.
    #[test]
    #[ignore = "lookups in a removed current directory are not modelled"]
    fn lookups_in_a_removed_current_directory() {
        agree(&[
            (
                P0,
                Call::Mkdir {
                    path: "/tmp/d".into(),
                    mode: 0o755,
                },
            ),
            (
                P0,
                Call::Chdir {
                    path: "/tmp/d".into(),
                },
            ),
            (
                P0,
                Call::Rmdir {
                    path: "/tmp/d".into(),
                },
            ),
            (
                P0,
                Call::Mkdir {
                    path: "/tmp/d".into(),
                    mode: 0o755,
                },
            ),
            (
                P0,
                Call::Open {
                    path: "a".into(),
                    flags: O_CREAT,
                    mode: 0o644,
                },
            ),
        ]);
    }

    #[test]
    #[ignore = "datagram sockets are modelled as streams: EPIPE vs ECONNREFUSED"]
    fn dgram_write_to_a_closed_peer_is_econnrefused() {
        agree(&[
            (
                P0,
                Call::Socketpair {
                    domain: 1,
                    ty: 2,
                    protocol: 0,
                },
            ),
            (P0, Call::Close { fd: 4 }),
            (
                P0,
                Call::Write {
                    fd: 3,
                    data: vec![],
                },
            ),
        ]);
    }
}

// ---- generator coverage ---------------------------------------------------------------

/// How often each call succeeds and fails with what, on the model, over 400 random
/// scripts: a check that the generator reaches interesting states (run with
/// `cargo test -p fdkit-host --test differential generator_coverage -- --ignored
/// --nocapture`).
#[test]
#[ignore = "a report, not a check"]
fn generator_coverage() {
    use fdkit_host::{Backend, Model};
    use proptest::strategy::ValueTree;
    use std::collections::BTreeMap;
    let mut runner = TestRunner::default();
    let mut stats: BTreeMap<String, (u32, BTreeMap<String, u32>)> = BTreeMap::new();
    for _ in 0..400 {
        let script = script().new_tree(&mut runner).unwrap().current();
        let mut model = Model::new(fdkit::Config::default())
            .unwrap()
            .with_timeouts(Duration::from_millis(5), Duration::from_secs(5));
        for step in &script.steps {
            let out = model.execute(step.process, &step.call).unwrap();
            let key = match step.call {
                Call::Fcntl { cmd, .. } => format!("fcntl/{cmd}"),
                _ => step.call.name().to_string(),
            };
            let entry = stats.entry(key).or_default();
            match out.result {
                Ok(_) => entry.0 += 1,
                Err(e) => *entry.1.entry(format!("{e:?}")).or_default() += 1,
            }
        }
    }
    for (call, (ok, errors)) in stats {
        println!("{call:16} ok {ok:5}  {errors:?}");
    }
}

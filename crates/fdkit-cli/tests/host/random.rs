//! `fdkit diff` on random scenarios: a small seeded generator writes scenario files
//! (descriptor numbers valid and not, flags of every kind, pipes and socket pairs,
//! I/O through duplicates, limits down and up, fork, execve, exit and wait4 with
//! pids written or left to the next free one), and one `fdkit diff` run must find
//! no difference in any of them.
//!
//! `FDKIT_DIFF_SCENARIOS=N` sets how many (default 40), `FDKIT_DIFF_SEED` the
//! first seed, and `FDKIT_DIFF_KEEP=DIR` keeps the files there (to rerun one with
//! `fdkit diff --all`). The library-level differential test in `fdkit-host` covers far more
//! calls; this one checks the command line's side: parsing, pid naming, the
//! drivers, the comparison, the exit status.
//!
//! Left out, as in that test: its known divergences (datagram sockets, `O_DIRECT`
//! on pipes, a removed current directory) and reads of the terminal.

use super::host_required;
use crate::support::run;
use std::fmt::Write as _;

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

fn fd(r: &mut Rng) -> &'static str {
    if r.chance(85) {
        r.pick(&[
            "0", "1", "2", "3", "3", "4", "4", "5", "5", "6", "7", "8", "10",
        ])
    } else {
        r.pick(&[
            "-1",
            "63",
            "64",
            "1023",
            "1024",
            "4095",
            "4096",
            "2147483647",
        ])
    }
}

fn open_flags(r: &mut Rng) -> String {
    let mut flags = vec![r.pick(&["O_RDONLY", "O_WRONLY", "O_RDWR", "O_RDWR"])];
    for _ in 0..r.below(3) {
        flags.push(r.pick(&[
            "O_CREAT",
            "O_CREAT",
            "O_TRUNC",
            "O_APPEND",
            "O_CLOEXEC",
            "O_EXCL",
            "O_NONBLOCK",
            "O_DIRECTORY",
            "O_PATH",
            "O_NOFOLLOW",
        ]));
    }
    flags.join("|")
}

fn call(r: &mut Rng) -> String {
    match r.below(22) {
        0..=2 => format!(
            "openat(AT_FDCWD, \"{}\", {}, 0644)",
            r.pick(&[
                "/tmp/a",
                "/tmp/a",
                "/tmp/b",
                "/tmp",
                "/dev/null",
                "/tmp/d",
                "/tmp/missing/x"
            ]),
            open_flags(r)
        ),
        3 => format!("close({})", fd(r)),
        4 => format!("dup({})", fd(r)),
        5 => format!("dup2({}, {})", fd(r), fd(r)),
        6 => format!(
            "dup3({}, {}, {})",
            fd(r),
            fd(r),
            r.pick(&["0", "O_CLOEXEC", "O_CLOEXEC", "O_NONBLOCK"])
        ),
        7 => format!(
            "fcntl({}, {}, {})",
            fd(r),
            r.pick(&["F_DUPFD", "F_DUPFD_CLOEXEC"]),
            r.pick(&["0", "3", "5", "10", "1023", "1024", "-1"])
        ),
        8 => format!("fcntl({}, {})", fd(r), r.pick(&["F_GETFD", "F_GETFL"])),
        9 => format!(
            "fcntl({}, F_SETFD, {})",
            fd(r),
            r.pick(&["0", "FD_CLOEXEC", "0x2", "0xffffffff"])
        ),
        10 => format!(
            "fcntl({}, F_SETFL, {})",
            fd(r),
            r.pick(&[
                "O_APPEND",
                "O_NONBLOCK",
                "O_RDWR|O_APPEND",
                "0",
                "O_NOATIME"
            ])
        ),
        11 => format!(
            "close_range({}, {}, {})",
            r.pick(&["3", "4", "5", "0", "10"]),
            r.pick(&["3", "5", "6", "~0", "2"]),
            r.pick(&["0", "CLOSE_RANGE_CLOEXEC", "CLOSE_RANGE_UNSHARE", "0x8"])
        ),
        12 => format!(
            "pipe2({})",
            r.pick(&["0", "O_CLOEXEC", "O_NONBLOCK", "O_NONBLOCK|O_CLOEXEC"])
        ),
        13 => format!(
            "socketpair(AF_UNIX, {}, 0)",
            r.pick(&[
                "SOCK_STREAM",
                "SOCK_STREAM|SOCK_CLOEXEC",
                "SOCK_STREAM|SOCK_NONBLOCK"
            ])
        ),
        14 | 15 => {
            let data = r.pick(&["x", "hello", "\\n", "data\\0"]);
            let len = data.replace("\\n", "n").replace("\\0", "0").len();
            format!(
                "write({}, \"{data}\", {len})",
                r.pick(&["3", "4", "5", "6", "1", "-1"])
            )
        }
        16 => format!(
            "read({}, 0x7ffc0000, {})",
            r.pick(&["3", "4", "5", "6", "7"]),
            r.pick(&["1", "4", "64"])
        ),
        17 => format!(
            "lseek({}, {}, {})",
            fd(r),
            r.pick(&["0", "1", "-1", "100"]),
            r.pick(&["SEEK_SET", "SEEK_CUR", "SEEK_END"])
        ),
        18 => format!("fstat({}, 0x7ffc0000)", fd(r)),
        19 => format!(
            "setrlimit(RLIMIT_NOFILE, {{rlim_cur={}, rlim_max=4096}})",
            r.pick(&["3", "5", "8", "64", "1024", "4096", "4097"])
        ),
        20 => format!(
            "prlimit64(0, RLIMIT_NOFILE, {}, NULL)",
            r.pick(&[
                "NULL",
                "{rlim_cur=6, rlim_max=4096}",
                "{rlim_cur=1024, rlim_max=4096}"
            ])
        ),
        _ => format!("ioctl({}, {})", fd(r), r.pick(&["FIOCLEX", "FIONCLEX"])),
    }
}

/// A pid for an argument: a live or exited process of the scenario, 0, a process
/// group (negative), or a pid nobody has.
fn some_pid(r: &mut Rng, live: &[u32], exited: &[(u32, u32)]) -> String {
    let known: Vec<u32> = live
        .iter()
        .copied()
        .chain(exited.iter().map(|e| e.0))
        .collect();
    let pid = known[r.below(known.len())];
    match r.below(6) {
        0 => "0".to_string(),
        1 => format!("-{pid}"),
        2 => r.pick(&["-1", "999", "1"]).to_string(),
        _ => pid.to_string(),
    }
}

/// A scenario of 15-40 calls after opening a file or two: processes forked (named
/// as written, or left to the next free pid), each call made by a live one.
fn scenario(seed: u64) -> String {
    let mut r = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let mut text = format!("# random scenario, seed {seed}\n");
    text.push_str("openat(AT_FDCWD, \"/tmp/a\", O_RDWR|O_CREAT, 0644)\n");
    if r.chance(50) {
        text.push_str("pipe2(0)\n");
    }
    let mut live: Vec<u32> = vec![100];
    let mut exited: Vec<(u32, u32)> = Vec::new(); // (child, parent)
    let mut next_written = 200;
    let prefix = |pid: u32| {
        if pid == 100 {
            String::new()
        } else {
            format!("[pid {pid}] ")
        }
    };
    for _ in 0..15 + r.below(26) {
        let pid = live[r.below(live.len())];
        let line = match r.below(32) {
            0 | 1 if live.len() < 5 => {
                // fork: the child named as written, or the next free pid (both
                // sides must agree which that is).
                if r.chance(50) {
                    next_written += 1 + r.below(5) as u32;
                    live.push(next_written);
                    format!("fork() = {next_written}")
                } else {
                    "fork()".to_string()
                }
            }
            2 if pid != 100 => {
                live.retain(|&p| p != pid);
                exited.push((pid, 0));
                format!("exit_group({})", r.below(3))
            }
            3 => "execve(\"/bin/true\", [\"true\"], [])".to_string(),
            4 => format!(
                "wait4({}, NULL, WNOHANG, NULL)",
                match exited.first() {
                    Some((child, _)) if r.chance(50) => child.to_string(),
                    _ => r.pick(&["-1", "-1", "0", "999", "-2147483648"]).to_string(),
                }
            ),
            // Pids in arguments: a process of the scenario (live or not), itself,
            // a group, or nobody.
            5 => {
                let who = some_pid(&mut r, &live, &exited);
                match r.below(3) {
                    0 => format!("fcntl({}, F_SETOWN, {who})", fd(&mut r)),
                    1 => format!("fcntl({}, F_GETOWN)", fd(&mut r)),
                    _ => format!(
                        "prlimit64({}, RLIMIT_NOFILE, {}, NULL)",
                        who.trim_start_matches('-'),
                        r.pick(&["NULL", "{rlim_cur=7, rlim_max=4096}"])
                    ),
                }
            }
            _ => call(&mut r),
        };
        // An unwritten fork's child gets a pid the scenario cannot know here;
        // only written children are addressed.
        let _ = writeln!(text, "{}{line}", prefix(pid));
    }
    text
}

#[test]
#[cfg_attr(
    not(has_host_executor),
    ignore = "needs the host executor (Linux with /dev/ptmx)"
)]
fn random_scenarios_show_no_difference() {
    host_required!();
    let count: u64 = std::env::var("FDKIT_DIFF_SCENARIOS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(40);
    let first: u64 = std::env::var("FDKIT_DIFF_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let dir = tempfile::tempdir().expect("tempdir");
    let keep = std::env::var_os("FDKIT_DIFF_KEEP").map(std::path::PathBuf::from);
    let at = keep.as_deref().unwrap_or(dir.path());
    let mut paths = Vec::new();
    for seed in first..first + count {
        let path = at.join(format!("random-{seed}.strace"));
        std::fs::write(&path, scenario(seed)).expect("write scenario");
        paths.push(path.to_string_lossy().into_owned());
    }
    let mut args = vec!["diff"];
    args.extend(paths.iter().map(String::as_str));
    let r = run(&args);
    let total = r.stdout.lines().last().unwrap_or_default().to_string();
    eprintln!("fdkit diff on {count} random scenarios: {total}");
    if r.code != 0 {
        // The differing rows (per-file summaries left out), then those scenarios.
        let rows: Vec<&str> = r.stdout.lines().filter(|l| !l.starts_with("# ")).collect();
        let scenarios: String = rows
            .iter()
            .filter_map(|l| l.strip_prefix("== "))
            .filter_map(|p| std::fs::read_to_string(p).ok())
            .collect();
        panic!(
            "exit {}: {total}\n{}\n{}\nthe scenarios that differ:\n{scenarios}",
            r.code,
            rows.join("\n"),
            r.stderr
        );
    }
    assert!(total.contains(" compared, 0 differ; "), "{total}");
    if count > 1 {
        assert!(
            total.starts_with(&format!("# {count} scenarios: ")),
            "{total}"
        );
    }
}

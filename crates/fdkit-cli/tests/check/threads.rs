//! `fdkit check --threads 1` and the default (a log file parsed on a second
//! thread) print the same thing, byte for byte, with the same exit status; so
//! does a log on standard input (always one thread).

use crate::support::{fixtures, logs_in, run, run_with_stdin};

#[track_caller]
fn same_on_one_and_two_threads(path: &str) {
    for json in [false, true] {
        let mut one = vec!["check", "--threads", "1", path];
        let mut two = vec!["check", path];
        if json {
            one.insert(1, "--json");
            two.insert(1, "--json");
        }
        let (a, b) = (run(&one), run(&two));
        assert_eq!(
            (a.code, &a.stdout, &a.stderr),
            (b.code, &b.stdout, &b.stderr),
            "{path} (json: {json})"
        );
    }
}

#[test]
fn every_fixture_checks_the_same_on_one_and_two_threads() {
    let logs = logs_in(&fixtures());
    assert!(logs.len() >= 31, "fixtures: {logs:?}");
    for log in &logs {
        same_on_one_and_two_threads(log.to_str().unwrap());
    }
}

#[test]
fn bad_lines_are_reported_the_same_on_one_and_two_threads() {
    let dir = std::env::temp_dir().join(format!("fdkit-threads-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("odd.strace");
    let mut log = Vec::new();
    log.extend_from_slice(b"7 openat(AT_FDCWD, \"/x\", O_RDONLY) = 3\n");
    log.extend_from_slice(b"7 fcntl(3, F_GETFD) = 1\n"); // differs: 3 has no FD_CLOEXEC
    log.extend_from_slice(b"7 fcntl(\xff, F_GETFD) = 0\n"); // not UTF-8
    log.extend_from_slice(b"7 close(3 = 0\n"); // does not parse
    log.extend_from_slice(b"7 close(3)        = 0\n7 close(3) = 0"); // differs, no newline
    std::fs::write(&path, &log).unwrap();
    let p = path.to_str().unwrap();
    same_on_one_and_two_threads(p);
    let file = run(&["check", p]);
    assert_eq!(file.code, 2, "{}{}", file.stdout, file.stderr);
    assert!(file.stderr.contains(":3:"), "{}", file.stderr);
    assert!(file.stdout.contains(":6:"), "{}", file.stdout);
    // Standard input is read on one thread; only the name differs (`-`).
    let stdin = run_with_stdin(&["check", "-"], &log);
    let renamed: Vec<String> = stdin
        .stdout
        .lines()
        .map(|l| {
            l.strip_prefix("-:")
                .map_or(l.to_owned(), |r| format!("{p}:{r}"))
        })
        .collect();
    assert_eq!(stdin.code, file.code);
    assert_eq!(renamed, file.stdout.lines().collect::<Vec<_>>());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn threads_is_one_or_two() {
    let r = run(&["check", "--threads", "3", "x.strace"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--threads"), "{}", r.stderr);
}

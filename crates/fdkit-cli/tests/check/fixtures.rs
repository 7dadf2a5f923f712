//! Every recorded fixture replays without a divergence, with plausible counts.

use super::check_json;
use crate::support::{fixtures, logs_in, run};

#[test]
fn every_fixture_replays_clean() {
    let logs = logs_in(&fixtures());
    assert!(logs.len() >= 31, "fixtures: {logs:?}");
    for log in &logs {
        let path = log.to_str().unwrap();
        let (r, records, s) = check_json(&[path]);
        assert_eq!(r.code, 0, "{path}: {}{}", r.stdout, r.stderr);
        assert_eq!((s.differ, s.errors), (0, 0), "{path}: {s:?}");
        assert!(s.calls >= 30 && s.processes >= 1, "{path}: {s:?}");
        assert_eq!(s.agree + s.differ + s.undecided, s.calls, "{path}: {s:?}");
        // Every program opens, closes and writes: a good share is decided.
        assert!(s.agree >= 20 && s.agree * 5 >= s.calls, "{path}: {s:?}");
        // The recorder starts every program with exactly 0, 1, 2 open, except
        // py-inherited, started with fd 3 open (inferred from its log).
        let inherited = u64::from(path.ends_with("/py-inherited.strace"));
        assert_eq!(s.inferred, inherited, "{path}: {records:?}");
        assert_eq!(s.bounded, 0, "{path}: {s:?}");
    }
}

#[test]
fn concurrent_threads_need_reordering_and_get_it() {
    // c-threads: 4 threads reuse numbers; log order is not kernel order.
    let path = fixtures().join("c-threads.strace");
    let (_, _, s) = check_json(&[path.to_str().unwrap()]);
    assert_eq!(s.differ, 0);
    assert!(s.reordered > 20, "{s:?}");
    assert!(s.agree > 7000, "{s:?}");
    assert_eq!(s.processes, 1);
}

#[test]
fn decorated_and_stderr_variants_agree_with_the_plain_log() {
    // The same programs recorded with -yy -tt -T, -ttt, -r and to stderr decide
    // about as many calls as the plain recording (stderr adds fdlaunch's calls).
    for name in ["shell-pipeline", "c-fork-exec", "c-sockets", "py-threads"] {
        let plain = fixtures().join(format!("{name}.strace"));
        let (_, _, p) = check_json(&[plain.to_str().unwrap()]);
        for variant in ["yy-tt-T", "ttt", "r", "stderr"] {
            let v = fixtures().join(format!("{name}.{variant}.strace"));
            let (_, _, s) = check_json(&[v.to_str().unwrap()]);
            assert_eq!(s.differ, 0, "{name}.{variant}");
            let lo = p.agree - p.agree / 10;
            assert!(s.agree >= lo, "{name}.{variant}: {s:?} vs plain {p:?}");
            assert_eq!(s.processes, p.processes, "{name}.{variant}");
        }
    }
}

#[test]
fn human_output_ends_with_one_summary_line() {
    let path = fixtures().join("c-dup-edge.strace");
    let r = run(&["check", path.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{}", r.stdout);
    let last = lines[0];
    let words: Vec<&str> = last.split(' ').collect();
    assert_eq!(words[0], "checked");
    assert!(
        last.ends_with("not decided by the table") && last.contains(" agree, 0 differ, "),
        "{last}"
    );
}

#[test]
fn stdin_gives_the_same_result_as_the_file() {
    let path = fixtures().join("shell-pipeline.strace");
    let file = run(&["check", path.to_str().unwrap()]);
    let bytes = std::fs::read(&path).unwrap();
    let piped = crate::support::run_with_stdin(&["check", "-"], &bytes);
    assert_eq!((file.code, piped.code), (0, 0), "{}", piped.stderr);
    assert_eq!(file.stdout, piped.stdout);
}

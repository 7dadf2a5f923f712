//! `--json`: JSON Lines of `{"type", "data"}`, deserialized; the summary last.

use super::{check_json, divergences, Record};
use crate::support::{file, fixtures, run};

#[test]
fn every_record_deserializes_and_the_summary_is_last() {
    let path = fixtures().join("c-threads.strace");
    let (r, records, s) = check_json(&[path.to_str().unwrap()]);
    assert_eq!(r.code, 0);
    assert_eq!(records.len(), 1, "a clean log has only the summary");
    assert_eq!(s.agree + s.differ + s.undecided, s.calls);
}

#[test]
fn a_divergence_record_has_the_table_before_the_call() {
    // dup(3) after close(3): the model says EBADF, the (edited) log says 4.
    let log = "\
100 openat(AT_FDCWD, \"/tmp/a\", O_RDWR|O_CLOEXEC) = 3
100 dup(3) = 4
100 close(3) = 0
100 dup(3) = 5
100 exit_group(0) = ?
100 +++ exited with 0 +++
";
    let (_d, path) = file("d.strace", log.as_bytes());
    let (r, records, s) = check_json(&[path.to_str().unwrap()]);
    assert_eq!(r.code, 1);
    assert_eq!((s.calls, s.agree, s.differ, s.processes), (5, 3, 1, 1));
    let d = divergences(&records);
    assert_eq!(d.len(), 1);
    let d = d[0];
    assert_eq!((d.line, d.entered, d.pid), (4, 4, Some(100)));
    assert_eq!(d.syscall, "dup");
    assert_eq!(d.call, "dup(3) = 5");
    assert_eq!(d.what, "descriptor");
    assert_eq!(d.expected, "5");
    assert_eq!(d.predicted, "-1 EBADF (Bad file descriptor)");
    let fds: Vec<(u32, &str, bool)> = d
        .table
        .iter()
        .map(|f| (f.fd, f.link.as_str(), f.cloexec))
        .collect();
    assert_eq!(
        fds,
        [
            (0, "(inherited)", false),
            (1, "(inherited)", false),
            (2, "(inherited)", false),
            (4, "/tmp/a", false)
        ]
    );
    assert_eq!(d.table[3].mode, "lrwx------");
    // Descriptors sharing a description have the same description number.
    let ids: Vec<u64> = d.table.iter().map(|f| f.description).collect();
    assert_ne!(ids[0], ids[3]);
}

#[test]
fn inferences_are_records_and_lines() {
    // Nothing opened 7, yet it is read: it was inherited. And the first open
    // returns 4 with 3 untouched: 3 was open too.
    let log = "\
1 read(7, \"x\", 1) = 1
1 openat(AT_FDCWD, \"f\", O_RDONLY) = 4
1 close(3) = 0
";
    let (_d, path) = file("i.strace", log.as_bytes());
    let (r, records, s) = check_json(&[path.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!((s.differ, s.inferred, s.agree), (0, 2, 3));
    let facts: Vec<(u64, &str, Option<u32>)> = records
        .iter()
        .filter_map(|r| match r {
            Record::Inference(i) => Some((i.line, i.fact.as_str(), i.fd)),
            _ => None,
        })
        .collect();
    assert_eq!(
        facts,
        [(1, "open_at_start", Some(7)), (2, "open_at_start", Some(3))]
    );
    let Some(Record::Inference(first)) = records.first() else {
        panic!("{records:?}")
    };
    assert_eq!(first.pid, Some(1));
    assert_eq!(first.text, "fd 7 was open at start (inherited)");
    assert_eq!(first.evidence, "read(7, \"x\", 1) = 1");
    let text = run(&["check", path.to_str().unwrap()]);
    assert!(
        text.stdout.contains(
            ":1: inferred: fd 7 was open at start (inherited), from: read(7, \"x\", 1) = 1"
        ),
        "{}",
        text.stdout
    );
}

#[test]
fn initial_fds_and_nofile_state_the_start() {
    let log = "\
1 openat(AT_FDCWD, \"f\", O_RDONLY) = 4
1 dup(4) = -1 EMFILE (Too many open files)
1 close(3) = 0
";
    let (_d, path) = file("s.strace", log.as_bytes());
    let p = path.to_str().unwrap();
    // Stated: 0-3 open and a limit of 5: both results follow.
    let (r, _, s) = check_json(&["--initial-fds", "0,1,2,3", "--nofile", "5", p]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!((s.agree, s.differ, s.inferred), (3, 0, 0));
    // Stated otherwise: nothing is inferred, both differ (then `close(3)` is
    // learned: 3 is doubtful after the first divergence).
    let (r, records, s) = check_json(&["--initial-fds", "0,1,2", "--nofile", "1024", p]);
    assert_eq!(r.code, 1);
    assert_eq!((s.differ, s.inferred), (2, 0), "{records:?}");
    // Not stated: both are inferred (the soft limit was 5; 3 was open, which the
    // allocation skipping it suggests and `close(3) = 0` confirms).
    let (r, records, s) = check_json(&[p]);
    assert_eq!(r.code, 0);
    assert_eq!((s.differ, s.inferred), (0, 2), "{records:?}");
    let facts: Vec<(&str, Option<u32>, Option<u64>)> = records
        .iter()
        .filter_map(|r| match r {
            Record::Inference(i) => Some((i.fact.as_str(), i.fd, i.value)),
            _ => None,
        })
        .collect();
    assert_eq!(
        facts,
        [
            ("soft_limit", None, Some(5)),
            ("open_at_start", Some(3), None)
        ]
    );
    let confirmed: Vec<Option<u64>> = records
        .iter()
        .filter_map(|r| match r {
            Record::Inference(i) => Some(i.confirmed_by),
            _ => None,
        })
        .collect();
    assert_eq!(confirmed, [None, Some(3)]);
}

/// Changing `dup(4) = 7` into `= 9` once gave "fd 7 and 8 were open at start",
/// 0 differ, exit 0. An inference resting only on an allocation skipping
/// numbers is provisional: no later use of 5..8, so each is reported as
/// unconfirmed, with the allocation as evidence, and the exit status is 3.
#[test]
fn an_inference_from_skipped_numbers_only_is_unconfirmed_with_exit_3() {
    let log = "\
1 openat(AT_FDCWD, \"f\", O_RDONLY) = 3
1 dup(3) = 4
1 dup(4) = 9
1 close(9) = 0
1 close(4) = 0
";
    let (_d, path) = file("m.strace", log.as_bytes());
    let (r, records, s) = check_json(&[path.to_str().unwrap()]);
    assert_eq!(r.code, 3, "{records:?}");
    assert_eq!((s.differ, s.inferred), (0, 4), "{records:?}");
    let got: Vec<(u64, Option<u32>, bool, &str)> = records
        .iter()
        .filter_map(|r| match r {
            Record::Inference(i) => Some((i.line, i.fd, i.unconfirmed, i.evidence.as_str())),
            _ => None,
        })
        .collect();
    let want: Vec<(u64, Option<u32>, bool, &str)> =
        (5..9).map(|fd| (3, Some(fd), true, "dup(4) = 9")).collect();
    assert_eq!(got, want);
}

/// An inherited descriptor (a shell leaked 5 and 6) that a later line uses stays
/// clean: the inference shows the allocation and the confirming line.
#[test]
fn an_inherited_fd_confirmed_by_a_later_use_stays_clean() {
    let log = "\
1 openat(AT_FDCWD, \"f\", O_RDONLY) = 3
1 dup(3) = 4
1 dup(4) = 7
1 fcntl(5, F_GETFD) = 0
1 write(6, \"x\", 1) = 1
";
    let (_d, path) = file("c.strace", log.as_bytes());
    let (r, records, s) = check_json(&[path.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{records:?}");
    assert_eq!((s.differ, s.inferred), (0, 2), "{records:?}");
    let got: Vec<(u64, Option<u32>, Option<u64>, &str)> = records
        .iter()
        .filter_map(|r| match r {
            Record::Inference(i) => Some((i.line, i.fd, i.confirmed_by, i.evidence.as_str())),
            _ => None,
        })
        .collect();
    assert_eq!(
        got,
        [
            (3, Some(5), Some(4), "dup(4) = 7"),
            (3, Some(6), Some(5), "dup(4) = 7")
        ]
    );
    let text = run(&["check", path.to_str().unwrap()]);
    assert!(
        text.stdout.contains(
            ":3: inferred: fd 5 was open at start (inherited), from: dup(4) = 7 (confirmed by line 4)"
        ),
        "{}",
        text.stdout
    );
}

/// The same on a real log: `dup(3) = 7` of `c-fork-exec` changed into `= 9` is
/// not a clean run: the program's later uses of 7 confirm it, but 8 stays an
/// unconfirmed inference at that line, and the exit status is 3.
#[test]
fn a_real_allocation_moved_up_is_not_clean() {
    let src = std::fs::read_to_string(crate::support::fixtures().join("c-fork-exec.strace"))
        .expect("fixture");
    let (n, text) = src
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("dup(3)                            = 7"))
        .expect("the dup line");
    let (_d, path) =
        crate::support::edited("c-fork-exec.strace", n + 1, &text.replace("= 7", "= 9"));
    let (r, records, s) = check_json(&[path.to_str().unwrap()]);
    assert_eq!(r.code, 3, "{records:?}");
    assert_eq!(s.differ, 0, "{records:?}");
    let got: Vec<(u64, Option<u32>, bool)> = records
        .iter()
        .filter_map(|r| match r {
            Record::Inference(i) => Some((i.line, i.fd, i.unconfirmed)),
            _ => None,
        })
        .collect();
    assert_eq!(
        got,
        [
            (n as u64 + 1, Some(7), false),
            (n as u64 + 1, Some(8), true)
        ]
    );
}

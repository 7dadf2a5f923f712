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
";
    let (_d, path) = file("s.strace", log.as_bytes());
    let p = path.to_str().unwrap();
    // Stated: 0-3 open and a limit of 5: both results follow.
    let (r, _, s) = check_json(&["--initial-fds", "0,1,2,3", "--nofile", "5", p]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!((s.agree, s.differ, s.inferred), (2, 0, 0));
    // Stated otherwise: nothing is inferred, both differ.
    let (r, records, s) = check_json(&["--initial-fds", "0,1,2", "--nofile", "1024", p]);
    assert_eq!(r.code, 1);
    assert_eq!((s.differ, s.inferred), (2, 0), "{records:?}");
    // Not stated: both are inferred (3 was open; the soft limit was 5).
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
            ("open_at_start", Some(3), None),
            ("soft_limit", None, Some(5))
        ]
    );
}

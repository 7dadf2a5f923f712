//! `fdkit diff`: no difference on any example, differences side by side with their
//! line, steps the host cannot run as one error line each, bad input exits 2,
//! `--json` deserializes.

use super::{examples, fdkit_at_root, host_required};
use crate::support::{file, run};
use serde::Deserialize;

/// One `--json` record (the schema in `diff.rs`'s rustdoc).
#[derive(Debug, Deserialize)]
#[serde(tag = "type", content = "data", rename_all = "lowercase")]
enum Record {
    Row(Row),
    File(Counts),
    Summary(Counts),
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Row {
    file: String,
    line: u64,
    pid: Option<u32>,
    call: String,
    kind: String,
    model: Vec<String>,
    host: Vec<String>,
    differ: bool,
    compared: bool,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Counts {
    file: Option<String>,
    files: Option<u64>,
    steps: u64,
    compared: u64,
    differ: u64,
    tables: u64,
    tables_differ: u64,
    not_run: u64,
    not_compared: u64,
    errors: Option<u64>,
}

fn records(stdout: &str) -> Vec<Record> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
#[cfg_attr(
    not(has_host_executor),
    ignore = "needs the host executor (Linux with /dev/ptmx)"
)]
fn every_example_shows_no_difference() {
    host_required!();
    let names = examples();
    let mut args = vec!["diff"];
    args.extend(names.iter().map(String::as_str));
    let r = fdkit_at_root(&args);
    assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{}", r.stdout);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(
        lines.len(),
        names.len() + 1,
        "a summary per example and a total:\n{}",
        r.stdout
    );
    for (line, name) in lines.iter().zip(&names) {
        assert!(line.starts_with(&format!("# {name}: ")), "{line}");
        assert!(line.contains(" compared, 0 differ; "), "{line}");
        assert!(line.ends_with(" compared, 0 differ"), "{line}");
    }
    assert!(lines[names.len()].starts_with(&format!("# {} scenarios: ", names.len())));

    args.insert(1, "--json");
    let r = fdkit_at_root(&args);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let recs = records(&r.stdout);
    assert_eq!(
        recs.len(),
        names.len() + 1,
        "no rows, a file record each, a summary"
    );
    let Some(Record::Summary(total)) = recs.last() else {
        panic!("summary last: {recs:?}")
    };
    assert_eq!(total.files, Some(names.len() as u64));
    assert_eq!(
        (total.differ, total.tables_differ, total.errors),
        (0, 0, Some(0))
    );
    assert!(total.compared >= 120 && total.tables >= 20, "{total:?}");
    assert_eq!(total.compared, total.steps, "every example step compared");
}

#[test]
#[cfg_attr(
    not(has_host_executor),
    ignore = "needs the host executor (Linux with /dev/ptmx)"
)]
fn all_shows_every_step_with_pids_as_the_scenario_names_them() {
    host_required!();
    let text = "fork()\n\
                fork() = 500\n\
                [pid 500] exit_group(3)\n\
                wait4(500, NULL, 0, NULL)\n\
                [pid 101] prlimit64(0, RLIMIT_NOFILE, NULL, NULL)\n\
                prlimit64(101, RLIMIT_NOFILE, {rlim_cur=64, rlim_max=4096}, NULL)\n\
                [pid 101] getrlimit(RLIMIT_NOFILE, NULL)\n";
    let (_dir, path) = file("pids.strace", text.as_bytes());
    let path = path.to_str().unwrap();
    let r = run(&["diff", "--all", path]);
    assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{}", r.stdout);
    let rows: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(rows[0], format!("== {path}"));
    assert!(rows[1].starts_with(" line  call"), "{}", rows[1]);
    let cells = |row: &str| {
        row.split_whitespace()
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    // fork() without a result takes the next free pid, 101, on both sides.
    assert_eq!(cells(rows[2]), ["1", "fork()", "101", "101"]);
    assert_eq!(cells(rows[3]), ["2", "fork()", "500", "500"]);
    assert!(!r.stdout.contains(" | "), "nothing differs:\n{}", r.stdout);
    assert!(
        rows.last()
            .unwrap()
            .contains(": 7 steps: 7 compared, 0 differ; "),
        "{}",
        r.stdout
    );

    let r = run(&["diff", "--all", "--json", path]);
    assert_eq!(r.code, 0);
    let results: Vec<(u64, Vec<String>, Vec<String>)> = records(&r.stdout)
        .into_iter()
        .filter_map(|rec| match rec {
            Record::Row(row) if row.kind == "result" => Some((row.line, row.model, row.host)),
            _ => None,
        })
        .collect();
    let at = |line: u64| {
        let (_, m, h) = results.iter().find(|(l, _, _)| *l == line).expect("a row");
        assert_eq!(m, h, "line {line}");
        m[0].clone()
    };
    assert_eq!(at(4), "500 [{WIFEXITED(s) && WEXITSTATUS(s) == 3}]");
    // prlimit64 of process 101 reaches the same process on both sides.
    assert_eq!(at(7), "0 {rlim_cur=64, rlim_max=4*1024}");
}

/// A known divergence of the model (`fdkit-host`'s `known_divergences`): datagram
/// sockets are modelled as streams, so a send to a closed peer gives `EPIPE` where
/// Linux gives `ECONNREFUSED`. If the model learns datagrams, pick another one.
const DIVERGENT: &str = "# a datagram pair whose peer is gone\n\
socketpair(AF_UNIX, SOCK_DGRAM, 0, [3, 4]) = 0\n\
close(4) = 0\n\
write(3, \"x\", 1)\n\
dup(3) = 4\n";

#[test]
#[cfg_attr(
    not(has_host_executor),
    ignore = "needs the host executor (Linux with /dev/ptmx)"
)]
fn a_difference_is_shown_side_by_side_with_its_line() {
    host_required!();
    let (_dir, path) = file("dgram.strace", DIVERGENT.as_bytes());
    let path = path.to_str().unwrap();
    let r = run(&["diff", path]);
    assert_eq!((r.code, r.stderr.as_str()), (1, ""), "{}", r.stdout);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{}", r.stdout);
    assert_eq!(lines[0], format!("== {path}"));
    assert_eq!(
        lines[1].split_whitespace().collect::<Vec<_>>(),
        ["line", "call", "model", "host"]
    );
    let row = lines[2];
    assert!(row.starts_with("    4  write(3, \"x\", 1)"), "{row}");
    let (model, host) = row.split_once(" | ").expect("a `|` between the sides");
    assert!(
        model.trim_end().ends_with("-1 EPIPE (Broken pipe)"),
        "{row}"
    );
    assert_eq!(host, "-1 ECONNREFUSED (Connection refused)");
    assert_eq!(
        lines[3],
        format!("# {path}: 4 steps: 4 compared, 1 differs; 1 table compared, 0 differ")
    );

    let r = run(&["diff", "--json", path]);
    assert_eq!(r.code, 1);
    let recs = records(&r.stdout);
    let Record::Row(row) = &recs[0] else {
        panic!("{recs:?}")
    };
    assert_eq!(
        (row.line, row.pid, row.kind.as_str()),
        (4, Some(100), "result")
    );
    assert_eq!(row.model, ["-1 EPIPE (Broken pipe)"]);
    assert_eq!(row.host, ["-1 ECONNREFUSED (Connection refused)"]);
    assert!(row.differ && row.compared);
    assert!(matches!(&recs[1], Record::File(c) if c.differ == 1 && c.steps == 4));
    assert!(matches!(&recs[2], Record::Summary(c) if c.differ == 1 && c.errors == Some(0)));
}

#[test]
#[cfg_attr(
    not(has_host_executor),
    ignore = "needs the host executor (Linux with /dev/ptmx)"
)]
fn steps_the_host_cannot_run_are_one_line_each_and_exit_2() {
    host_required!();
    let text =
        "dup(0) = 3\nfcntl(3, F_GETLK, 0x7ffc0000)\nioctl(0, TCGETS, 0x7ffc0000)\ndup(0) = 4\n";
    let (_dir, path) = file("unsupported.strace", text.as_bytes());
    let path = path.to_str().unwrap();
    let r = run(&["diff", path]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    let errors: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(errors.len(), 2, "{}", r.stderr);
    assert!(
        errors[0].starts_with(&format!(
            "fdkit: {path}:2:1: the host executor cannot run this call: "
        )),
        "{}",
        errors[0]
    );
    assert!(
        errors[1].starts_with(&format!(
            "fdkit: {path}:3:1: the host executor cannot run this call: "
        )),
        "{}",
        errors[1]
    );
    // Skipped on both sides, so the rest still agrees.
    assert_eq!(
        r.stdout.trim_end(),
        format!("# {path}: 4 steps: 2 compared, 0 differ; 1 table compared, 0 differ, 2 not run on the host")
    );
}

#[test]
#[cfg_attr(
    not(has_host_executor),
    ignore = "needs the host executor (Linux with /dev/ptmx)"
)]
fn bad_input_exits_2_naming_the_place() {
    host_required!();
    let (_dir, path) = file(
        "bad.strace",
        b"dup(3) = 4\nopenat(AT_FDCWD, \"/tmp/a\", O_NOPE) = 3\n",
    );
    let path = path.to_str().unwrap();
    let r = run(&["diff", path]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.starts_with(&format!("fdkit: {path}:2:")),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("O_NOPE"), "{}", r.stderr);
    let r = run(&["diff", "/nonexistent/x.strace"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.starts_with("fdkit: /nonexistent/x.strace: "),
        "{}",
        r.stderr
    );
    let r = run(&["diff"]);
    assert_eq!(r.code, 2, "a scenario is required");
}

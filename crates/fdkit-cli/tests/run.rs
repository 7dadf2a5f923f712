//! `fdkit run`: the examples run clean, the seed's output is stable, wrong results
//! exit 1 naming their line, bad input exits 2 naming file:line:column, `--json`
//! deserializes, and output fed back in runs the same.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixture(name: &str) -> String {
    format!("{}/tests/run/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn fdkit(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_fdkit"));
    cmd.args(args)
        .current_dir(root())
        .env_remove("NO_COLOR")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("run fdkit");
    if let Some(input) = stdin {
        use std::io::Write;
        child.stdin.take().unwrap().write_all(input).unwrap();
    }
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

fn examples() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".strace"))
        .map(|n| format!("examples/{n}"))
        .collect();
    names.sort();
    names
}

#[test]
fn every_example_runs_clean() {
    let names = examples();
    assert!(names.len() >= 6, "examples: {names:?}");
    for name in names {
        let out = fdkit(&["run", &name], None);
        let stdout = text(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{name}:\n{stdout}{}",
            text(&out.stderr)
        );
        assert!(out.stderr.is_empty(), "{name}: {}", text(&out.stderr));
        let summary = stdout.lines().last().unwrap();
        assert!(summary.ends_with(", 0 differ"), "{name}: {summary}");
        assert!(!stdout.contains("# ^"), "{name}");
    }
}

#[test]
fn seed_output_matches_snapshot() {
    let out = fdkit(&["run", "examples/seed.strace"], None);
    assert_eq!(out.status.code(), Some(0));
    let got = text(&out.stdout);
    let path = fixture("seed.out");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &got).unwrap();
    }
    let want = std::fs::read_to_string(&path).unwrap();
    assert_eq!(got, want, "set UPDATE_SNAPSHOTS=1 to accept the new output");
}

#[test]
fn wrong_result_exits_1_and_names_the_line() {
    let path = fixture("wrong-result.strace");
    let out = fdkit(&["run", "--color", "never", &path], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    let at = lines.iter().position(|l| l.starts_with("dup(3)")).unwrap();
    assert_eq!(lines[at], "dup(3)                                  = 4");
    assert_eq!(lines[at + 1], "# ^ differs from line 3: expected 5, got 4");
    assert!(stdout.contains("# ^ differs from line 4: expected [4, 6], got [5, 6]"));
    assert_eq!(
        *lines.last().unwrap(),
        "# 4 calls in 1 process: 4 checked, 2 agree, 2 differ"
    );
}

#[test]
fn parse_errors_exit_2_with_file_line_column() {
    let path = fixture("parse-errors.strace");
    let out = fdkit(&["run", &path], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
    let stderr = text(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 5, "{stderr}");
    assert_eq!(
        lines[0],
        format!("fdkit: {path}:2:12: unknown constant `O_RDWRX`")
    );
    assert!(
        lines[1].starts_with(&format!("fdkit: {path}:3:1: `mmap` is not a call")),
        "{}",
        lines[1]
    );
    assert_eq!(
        lines[2],
        format!("fdkit: {path}:4:1: `dup` takes 1 argument, found 2")
    );
    assert_eq!(
        lines[3],
        format!("fdkit: {path}:5:15: unknown error name `ENOPE`")
    );
    assert!(
        lines[4].starts_with(&format!("fdkit: {path}:6:")),
        "{}",
        lines[4]
    );
}

#[test]
fn a_missing_file_is_one_error_line() {
    let out = fdkit(&["run", "no/such.strace"], None);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.starts_with("fdkit: no/such.strace: "), "{stderr}");
    assert_eq!(stderr.lines().count(), 1);
}

#[test]
fn steps_that_cannot_run_exit_2_and_the_rest_runs() {
    let path = fixture("would-block.strace");
    let out = fdkit(&["run", &path], None);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    assert!(lines[0].starts_with(&format!("fdkit: {path}:2:1: the call would block forever")));
    assert!(lines[1].starts_with(&format!("fdkit: {path}:5:1: no process 105")));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("read(3, \"\", 10)                         = 0"),
        "{stdout}"
    );
    assert!(stdout.ends_with("0 differ, 2 could not run\n"), "{stdout}");
}

#[test]
fn json_lines_deserialize() {
    let out = fdkit(&["run", "--json", "examples/seed.strace"], None);
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    let values: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect();
    let kinds: Vec<&str> = values.iter().map(|v| v["type"].as_str().unwrap()).collect();
    assert_eq!(*kinds.last().unwrap(), "summary");
    assert_eq!(kinds.iter().filter(|k| **k == "step").count(), 13);
    assert_eq!(kinds.iter().filter(|k| **k == "tables").count(), 2);
    let dup = &values
        .iter()
        .find(|v| v["data"]["call"] == "dup(42)")
        .unwrap()["data"];
    assert_eq!(dup["return"], -1);
    assert_eq!(dup["errno"], "EBADF");
    assert_eq!(dup["expected"], "-1 EBADF (Bad file descriptor)");
    assert_eq!(dup["match"], true);
    assert_eq!(dup["line"], 18);
    let fork = &values
        .iter()
        .find(|v| v["data"]["call"] == "fork()")
        .unwrap()["data"];
    assert_eq!(fork["return"], 101);
    let tables = &values.iter().find(|v| v["type"] == "tables").unwrap()["data"];
    let fd11 = &tables["processes"][0]["fds"][6];
    assert_eq!(fd11["fd"], 11);
    assert_eq!(fd11["cloexec"], true);
    assert_eq!(fd11["flags"], "O_RDWR|O_LARGEFILE");
    assert_eq!(fd11["ofd"], tables["processes"][0]["fds"][3]["ofd"]);
    let summary = &values.last().unwrap()["data"];
    assert_eq!(summary["calls"], 13);
    assert_eq!(summary["differ"], 0);

    let out = fdkit(&["run", "--json", &fixture("wrong-result.strace")], None);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    let dup: serde_json::Value = serde_json::from_str(stdout.lines().nth(1).unwrap()).unwrap();
    assert_eq!(dup["data"]["match"], false);
    assert_eq!(dup["data"]["mismatch"]["expected"], "5");
    assert_eq!(dup["data"]["mismatch"]["got"], "4");
}

#[test]
fn output_fed_back_runs_the_same() {
    for name in examples() {
        let first = fdkit(&["run", "--color", "never", &name], None);
        let printed = text(&first.stdout);
        let again = fdkit(&["run", "--color", "never", "-"], Some(printed.as_bytes()));
        assert_eq!(
            again.status.code(),
            Some(0),
            "{name}: {}",
            text(&again.stderr)
        );
        // The old summary is echoed as a comment, then the same summary again.
        let summary = printed.lines().last().unwrap();
        assert_eq!(
            text(&again.stdout),
            format!("{printed}{summary}\n"),
            "{name}"
        );
    }
}

#[test]
fn tables_flag_lists_tables_after_every_call() {
    let input = b"dup(0) = 3\nfork() = 200\n[pid 200] close(3) = 0\n";
    let out = fdkit(&["run", "--tables", "-"], Some(input));
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    assert_eq!(
        stdout.matches("# ls -l /proc/100/fd\n").count(),
        3,
        "{stdout}"
    );
    assert_eq!(
        stdout.matches("# ls -l /proc/200/fd\n").count(),
        2,
        "{stdout}"
    );
    assert!(stdout.contains("[pid   200] close(3)"), "{stdout}");
}

#[test]
fn color_always_marks_mismatches_in_red() {
    let out = fdkit(
        &["run", "--color", "always", &fixture("wrong-result.strace")],
        None,
    );
    assert!(text(&out.stdout).contains("\x1b[1;31m# ^ differs from line 3"));
    let out = fdkit(
        &[
            "run",
            "--color",
            "always",
            "--json",
            &fixture("wrong-result.strace"),
        ],
        None,
    );
    assert!(!text(&out.stdout).contains('\x1b'));
}

/// The output names a first process other than 100 on its first call, so it
/// runs as the same pids when fed back (found by fuzzing the scenario printer).
#[test]
fn output_names_a_first_process_other_than_100() {
    let input = b"[pid 101] dup(1) = 3\nprlimit64(101, RLIMIT_NOFILE, NULL, NULL) = 0\n";
    let out = fdkit(&["run", "-"], Some(input));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("[pid   101] dup(1) "), "{stdout}");
    let again = fdkit(&["run", "-"], Some(stdout.as_bytes()));
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stderr));
    // The same calls and results (the first summary comes back as a comment).
    let calls = |s: &str| -> Vec<String> {
        s.lines()
            .filter(|l| !l.starts_with('#'))
            .map(String::from)
            .collect()
    };
    assert_eq!(calls(&text(&again.stdout)), calls(&stdout));
}

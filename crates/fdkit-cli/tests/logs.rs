//! Log input for `check`, `audit` and `tables` (issue 14): `strace -ff`
//! per-process files merged by timestamp give the findings of the same program's
//! `strace -f` log; logs strace wrote to its standard error keep their
//! open-at-exit findings; `fdkit run` on a recorded log says to use `check`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fdkit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fdkit"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("run fdkit")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// What a finding says, without where (lines and pids differ between two
/// recordings of one program): kind, severity, fd, object, count and the
/// program's file name, counted.
fn findings(args: &[&str]) -> BTreeMap<String, usize> {
    let mut all = vec!["audit", "--json"];
    all.extend_from_slice(args);
    let out = fdkit(&all);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{args:?}: {}",
        text(&out.stderr)
    );
    let mut map = BTreeMap::new();
    for line in text(&out.stdout).lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        if v["type"] != "finding" {
            continue;
        }
        let d = &v["data"];
        let program = d["places"][0]["program"]
            .as_str()
            .and_then(|p| p.rsplit('/').next())
            .unwrap_or("?")
            .to_owned();
        let key = format!(
            "{} {} fd {} {} x{} in {program}",
            d["kind"], d["severity"], d["fd"], d["object"], d["count"]
        );
        *map.entry(key).or_default() += 1;
    }
    map
}

fn per_process_files(name: &str) -> Vec<String> {
    let dir = root().join("tests/fixtures/ff");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| {
            let n = e.ok()?.file_name().into_string().ok()?;
            n.starts_with(&format!("{name}."))
                .then(|| format!("tests/fixtures/ff/{n}"))
        })
        .collect();
    files.sort();
    files
}

#[test]
fn ff_logs_give_the_findings_of_the_f_log() {
    for name in ["leak-c-exec12", "c-fork-exec"] {
        let f = findings(&[&format!("tests/fixtures/{name}.tt.strace")]);
        assert!(!f.is_empty(), "{name}: no findings in the -f log");
        // The prefix alone, and the files named one by one.
        let prefix = findings(&[&format!("tests/fixtures/ff/{name}")]);
        assert_eq!(prefix, f, "{name}: -ff PREFIX vs -f");
        let files = per_process_files(name);
        assert!(files.len() > 2, "{name}: {files:?}");
        let refs: Vec<&str> = files.iter().map(String::as_str).collect();
        assert_eq!(findings(&refs), f, "{name}: -ff files vs -f");
        // And the model agrees with every line of the merged log.
        let out = fdkit(&["check", &format!("tests/fixtures/ff/{name}")]);
        let stdout = text(&out.stdout);
        assert!(
            stdout.contains(" 0 differ"),
            "{name}: {stdout}{}",
            text(&out.stderr)
        );
    }
    // The C program of issue 14: both leaks grouped over 12 execs, the use
    // after close and the double close.
    let f = findings(&["tests/fixtures/ff/leak-c-exec12"]);
    let keys: Vec<&String> = f.keys().collect();
    assert_eq!(keys.len(), 4, "{keys:?}");
    assert!(keys
        .iter()
        .any(|k| k.contains("inherited-across-exec") && k.contains("fd 3") && k.contains("x12")));
    assert!(keys
        .iter()
        .any(|k| k.contains("inherited-across-exec") && k.contains("fd 4") && k.contains("x12")));
    assert!(keys.iter().any(|k| k.contains("use-after-close")));
    assert!(keys.iter().any(|k| k.contains("double-close")));
}

#[test]
fn ff_logs_without_timestamps_are_one_error_saying_to_record_with_tt() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("app.100");
    let b = dir.path().join("app.101");
    std::fs::write(&a, "execve(\"/bin/x\", [\"x\"], 0x1 /* 1 var */) = 0\n").unwrap();
    std::fs::write(&b, "close(3) = 0\n").unwrap();
    let prefix = dir.path().join("app");
    for args in [
        vec!["audit", prefix.to_str().unwrap()],
        vec!["check", a.to_str().unwrap(), b.to_str().unwrap()],
        vec!["tables", "--at", "1", prefix.to_str().unwrap()],
    ] {
        let out = fdkit(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = text(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.starts_with(&format!("fdkit: {}:1:1: no timestamp", a.display())),
            "{err}"
        );
        assert!(err.contains("strace -ff -tt"), "{err}");
    }
    // A name that is not PREFIX.PID among several files.
    let out = fdkit(&[
        "audit",
        a.to_str().unwrap(),
        "tests/fixtures/clean-c.strace",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("PREFIX.PID"));
}

#[test]
fn errors_in_merged_logs_name_the_real_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("app.7"),
        "10:00:00.000001 close(3) = 0\n10:00:00.000009 clos(4 = 0\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("app.8"),
        "10:00:00.000002 close(5) = 0\n10:00:00.000003 close(6) = 0\n",
    )
    .unwrap();
    let out = fdkit(&["check", dir.path().join("app").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    // Line 2 of app.7 (line 4 of the merged log), at its own end (column 27).
    let want = format!(
        "fdkit: {}:2:27: expected `)`, found end of line",
        dir.path().join("app.7").display()
    );
    assert!(err.lines().any(|l| l == want), "{err}");
}

#[test]
fn stderr_logs_keep_their_findings() {
    // leak-c-dup2's pipe end open at exit was lost when the log was strace's
    // stderr: its first lines carry no pid.
    for name in [
        "leak-c-dup2",
        "leak-c-exec12",
        "c-fork-exec",
        "c-sockets",
        "py-threads",
        "shell-pipeline",
    ] {
        let plain = findings(&[&format!("tests/fixtures/{name}.strace")]);
        let stderr = findings(&[&format!("tests/fixtures/{name}.stderr.strace")]);
        assert_eq!(stderr, plain, "{name}: stderr form vs -o");
    }
    let f = findings(&["tests/fixtures/leak-c-dup2.stderr.strace"]);
    assert!(f.keys().any(|k| k.contains("open-at-exit")), "{f:?}");
    // And no finding names the stand-in pid 0.
    let out = fdkit(&["audit", "tests/fixtures/leak-c-dup2.stderr.strace"]);
    assert!(
        !text(&out.stdout).contains("pid 0:"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn run_on_a_recorded_log_says_once_to_use_check() {
    for f in [
        "tests/fixtures/leak-c-exec12.stderr.strace",
        "tests/fixtures/leak-c-exec12.tt.strace",
        "tests/fixtures/ff/leak-c-exec12",
        "tests/fixtures/py-subprocess.strace",
    ] {
        let path = root().join(f);
        if !path.exists() {
            // The -ff prefix is not a file: `run` cannot open it (one line).
            let out = fdkit(&["run", f]);
            assert_eq!(out.status.code(), Some(2), "{f}");
            assert_eq!(text(&out.stderr).lines().count(), 1, "{f}");
            continue;
        }
        let out = fdkit(&["run", f]);
        assert_eq!(out.status.code(), Some(2), "{f}");
        let err = text(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{f}: {err}");
        assert!(
            err.contains(&format!("replay it with `fdkit check {f}`")),
            "{f}: {err}"
        );
    }
}

#[test]
fn a_build_sized_ff_log_merges() {
    // More files than the usual soft RLIMIT_NOFILE (1024): fdkit raises its own
    // limit towards the hard one to hold one open file per process.
    let dir = tempfile::tempdir().unwrap();
    let n = 1500u32;
    std::fs::write(
        dir.path().join("b.100"),
        "10:00:00.000000 execve(\"/bin/x\", [\"x\"], 0x1 /* 1 var */) = 0\n",
    )
    .unwrap();
    for i in 1..n {
        std::fs::write(
            dir.path().join(format!("b.{}", 100 + i)),
            format!(
                "10:00:{:02}.{:06} close(3) = -1 EBADF (Bad file descriptor)\n",
                i / 1000,
                i % 1000
            ),
        )
        .unwrap();
    }
    // With the soft limit at 1024, as most shells start.
    let out = Command::new("/bin/sh")
        .args([
            "-c",
            "ulimit -Sn 1024 && exec \"$0\" \"$@\"",
            env!("CARGO_BIN_EXE_fdkit"),
            "check",
            "--json",
            dir.path().join("b").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    let last = stdout.lines().last().unwrap_or_default();
    let v: serde_json::Value = serde_json::from_str(last).unwrap_or_default();
    assert_eq!(
        v["data"]["calls"].as_u64(),
        Some(u64::from(n)),
        "{stdout}{}",
        text(&out.stderr)
    );
}

/// Records leak-c-exec12 afresh both ways (`strace -f -tt` and `strace -ff -tt`)
/// and compares: logs nobody tuned the merge to.
#[test]
#[cfg_attr(
    not(all(has_strace, has_gcc, has_make, has_python3)),
    ignore = "needs strace (allowed to trace), gcc, make and python3 in PATH"
)]
fn freshly_recorded_ff_logs_give_the_findings_of_the_f_log() {
    let out = tempfile::tempdir().unwrap();
    let rec = Command::new("bash")
        .arg(root().join("scripts/record-fixtures.sh"))
        .arg("--out")
        .arg(out.path())
        .arg("--no-verify")
        .arg("leak-c-exec12")
        .output()
        .expect("run record-fixtures.sh");
    assert!(
        rec.status.success(),
        "record-fixtures.sh failed: {}",
        String::from_utf8_lossy(&rec.stderr)
    );
    let tt = out.path().join("leak-c-exec12.tt.strace");
    let ff = out.path().join("ff/leak-c-exec12");
    let f = findings(&[tt.to_str().unwrap()]);
    assert_eq!(f.len(), 4, "{f:?}");
    assert_eq!(findings(&[ff.to_str().unwrap()]), f);
}

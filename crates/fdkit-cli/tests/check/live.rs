//! Re-records the fixture programs on this machine (when `strace`, `gcc`, `make`
//! and `python3` are installed and ptrace is allowed) and checks that every fresh
//! log replays clean: `fdkit check` must agree with logs nobody tuned it to.

use std::process::Command;

use super::check_json;
use crate::support::{logs_in, repo};

fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Fails the test unless every tool is in `PATH`. Without them the tests are
/// ignored (`cfg(has_*)` from `build.rs`), except under `CI=true`, where they run
/// and fail here.
#[track_caller]
fn require(tools: &[&str]) {
    let missing: Vec<&str> = tools.iter().copied().filter(|t| !have(t)).collect();
    assert!(
        missing.is_empty(),
        "not in PATH: {} (CI=true requires them; elsewhere this test is ignored without them)",
        missing.join(", ")
    );
}

#[test]
#[cfg_attr(
    not(all(has_strace, has_gcc, has_make, has_python3)),
    ignore = "needs strace (allowed to trace), gcc, make and python3 in PATH"
)]
fn freshly_recorded_logs_replay_clean() {
    require(&["strace", "gcc", "make", "python3"]);
    let out = tempfile::tempdir().unwrap();
    let rec = Command::new("bash")
        .arg(repo().join("scripts/record-fixtures.sh"))
        .arg("--out")
        .arg(out.path())
        // The recorder's own checks assert timing-dependent details of the
        // programs; here the replay is the check.
        .arg("--no-verify")
        .output()
        .expect("run record-fixtures.sh");
    let stderr = String::from_utf8_lossy(&rec.stderr);
    assert!(rec.status.success(), "record-fixtures.sh failed: {stderr}");
    let logs = logs_in(out.path());
    assert!(logs.len() >= 31, "recorded: {logs:?}");
    for log in &logs {
        let (r, records, s) = check_json(&[log.to_str().unwrap()]);
        assert_eq!(
            (r.code, s.differ, s.errors),
            (0, 0, 0),
            "{}: {records:?}",
            log.display()
        );
        assert!(s.agree > 0, "{}: {s:?}", log.display());
    }
}

/// Builds `data/threads-stress.c`, traces it a few times (plain and decorated),
/// and checks every log replays clean: six threads racing on one table, with
/// interleavings nobody chose.
#[test]
#[cfg_attr(
    not(all(has_strace, has_gcc)),
    ignore = "needs strace (allowed to trace) and gcc in PATH"
)]
fn a_racing_threaded_program_replays_clean() {
    require(&["strace", "gcc"]);
    let dir = tempfile::tempdir().unwrap();
    let src =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/check/data/threads-stress.c");
    let bin = dir.path().join("threads-stress");
    let cc = Command::new("gcc")
        .args(["-O2", "-pthread", "-o"])
        .arg(&bin)
        .arg(&src)
        .output()
        .expect("run gcc");
    assert!(
        cc.status.success(),
        "{}",
        String::from_utf8_lossy(&cc.stderr)
    );
    for (i, flags) in [&["-f"][..], &["-f"], &["-f", "-yy", "-tt", "-T"]]
        .iter()
        .enumerate()
    {
        let log = dir.path().join(format!("stress-{i}.strace"));
        let st = Command::new("strace")
            .args(*flags)
            .arg("-o")
            .arg(&log)
            .arg(&bin)
            .output()
            .expect("run strace");
        let err = String::from_utf8_lossy(&st.stderr);
        assert!(st.status.success(), "{err}");
        let (r, records, s) = check_json(&[log.to_str().unwrap()]);
        assert_eq!(
            (r.code, s.differ, s.errors),
            (0, 0, 0),
            "{}: {records:?}",
            log.display()
        );
        assert!(s.agree > 5000, "{s:?}");
    }
}

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

#[test]
fn freshly_recorded_logs_replay_clean() {
    let missing: Vec<&str> = ["strace", "gcc", "make", "python3"]
        .into_iter()
        .filter(|t| !have(t))
        .collect();
    if !missing.is_empty() {
        eprintln!("skipped: live re-recording needs {}", missing.join(", "));
        return;
    }
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
    if !rec.status.success() {
        if stderr.contains("cannot trace") || stderr.contains("ptrace") {
            eprintln!("skipped: strace cannot trace here: {stderr}");
            return;
        }
        panic!("record-fixtures.sh failed: {stderr}");
    }
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
fn a_racing_threaded_program_replays_clean() {
    let missing: Vec<&str> = ["strace", "gcc"].into_iter().filter(|t| !have(t)).collect();
    if !missing.is_empty() {
        eprintln!(
            "skipped: the threads stress test needs {}",
            missing.join(", ")
        );
        return;
    }
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
        if !st.status.success()
            && (err.contains("ptrace") || err.contains("Operation not permitted"))
        {
            eprintln!("skipped: strace cannot trace here: {err}");
            return;
        }
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

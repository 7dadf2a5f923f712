//! `fdkit bench`: the JSON keys are stable and the summary comes last.

use std::process::Command;

#[test]
fn bench_json_rows_and_summary() {
    let out = Command::new(env!("CARGO_BIN_EXE_fdkit"))
        .args(["bench", "--quick", "--json", "memory"])
        .output()
        .unwrap();
    let code = out.status.code();
    assert!(
        matches!(code, Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let (summary, rows) = lines.split_last().unwrap();
    assert_eq!(summary["type"], "summary");
    assert_eq!(summary["data"]["rows"], rows.len());
    // Exit 1 exactly when a target is MISSED.
    let missed = summary["data"]["met"] != summary["data"]["targets"];
    assert_eq!(code, Some(i32::from(missed)), "{summary}");
    assert!(!rows.is_empty());
    for row in rows {
        assert_eq!(row["type"], "measurement");
        let data = &row["data"];
        for key in [
            "id",
            "what",
            "unit",
            "model",
            "host",
            "ratio",
            "target",
            "met",
            "baselines",
            "params",
        ] {
            assert!(data.get(key).is_some(), "missing {key} in {data}");
        }
        assert!(data["id"].as_str().unwrap().starts_with("memory/"));
    }
    let empty = rows
        .iter()
        .find(|r| r["data"]["id"] == "memory/empty")
        .expect("memory/empty row");
    assert!(empty["data"]["model"].as_f64().unwrap() <= 256.0);
}

#[test]
fn bench_unknown_filter_is_an_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_fdkit"))
        .args(["bench", "--quick", "no-such-benchmark"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("fdkit: no benchmark matches"), "{err}");
}

/// The text table: a `MISSED` row means exit 1, none exit 0.
#[test]
fn bench_exit_status_follows_missed_targets() {
    let out = Command::new(env!("CARGO_BIN_EXE_fdkit"))
        .args(["bench", "--quick", "memory"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let missed = stdout.lines().any(|l| l.ends_with(" MISSED"));
    assert_eq!(out.status.code(), Some(i32::from(missed)), "{stdout}");
    assert!(stdout.lines().last().unwrap_or("").contains("targets met"));
}

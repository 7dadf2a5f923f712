//! The helper is embedded: `fdkit run --host` and `fdkit diff` work with the
//! `fdkit` binary alone (as `cargo install --path crates/fdkit-cli` installs it),
//! and `FDKIT_HOST_HELPER` still selects a separate helper binary.

use super::{fdkit_at_root, host_required};
use crate::support::fdkit;

/// A copy of `fdkit` alone in an empty directory runs scenarios on the host.
#[test]
#[cfg_attr(not(has_host_executor), ignore = "needs Linux with /dev/ptmx")]
fn fdkit_alone_runs_on_the_host() {
    host_required!();
    let dir = tempfile::tempdir().unwrap();
    let exe = dir.path().join("fdkit");
    std::fs::copy(env!("CARGO_BIN_EXE_fdkit"), &exe).unwrap();
    let scenario = crate::support::repo().join("examples/seed.strace");
    for args in [vec!["run", "--host"], vec!["diff"]] {
        let out = std::process::Command::new(&exe)
            .args(&args)
            .arg(&scenario)
            .env_remove("FDKIT_HOST_HELPER")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stdout}{stderr}");
        assert!(stdout.contains(" 0 differ"), "{args:?}: {stdout}");
    }
}

/// The hidden helper mode is no subcommand: without the driver it refuses, one
/// line, exit 2; and `--help` does not mention it.
#[test]
fn the_helper_mode_is_hidden() {
    let out = fdkit()
        .arg("__fdkit-host-helper")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "fdkit-host-helper: started by fdkit-host only"
    );
    let help = fdkit_at_root(&["--help"]);
    assert!(!help.stdout.contains("helper"), "{}", help.stdout);
}

/// `FDKIT_HOST_HELPER` naming a missing file: one line that says what it is.
#[test]
#[cfg_attr(not(has_host_executor), ignore = "needs Linux with /dev/ptmx")]
fn a_wrong_fdkit_host_helper_is_one_error() {
    let out = fdkit()
        .args(["run", "--host", "-"])
        .env("FDKIT_HOST_HELPER", "/nonexistent/fdkit-host-helper")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("fdkit: cannot start the host executor:"),
        "{stderr}"
    );
    assert!(stderr.contains("FDKIT_HOST_HELPER"), "{stderr}");
}

//! The host oracle from the command line: `fdkit run --host`, `fdkit diff`, and the
//! executor checked against `strace -f` through `fdkit check`.
//!
//! Each test needs the host executor: Linux, and nothing else built: `fdkit` carries
//! the helper in itself (it runs itself as `fdkit __fdkit-host-helper ...`; see
//! `embedded.rs`). Where the platform cannot
//! have the executor (not Linux, no pseudo-terminals: `cfg(has_host_executor)`,
//! from `build.rs`) the tests are ignored; where it should start and does not (no
//! System V shared memory ...) they fail, saying why.

mod diff;
mod embedded;
mod random;
mod run;
mod strace;

use crate::support::{fdkit, repo, run_with_stdin, Run};
use std::sync::OnceLock;

/// Whether the host executor runs here; `Err` says why not.
fn host_ready() -> Result<(), String> {
    static READY: OnceLock<Result<(), String>> = OnceLock::new();
    READY
        .get_or_init(|| {
            let r = run_with_stdin(&["run", "--host", "-"], b"dup(0) = 3\n");
            if r.stderr.contains("cannot start the host executor") {
                return Err(r.stderr.trim().to_string());
            }
            assert_eq!(
                r.code, 0,
                "a one-line scenario on the host:\n{}{}",
                r.stdout, r.stderr
            );
            Ok(())
        })
        .clone()
}

/// Fails the calling test, saying why, when the host executor cannot run here.
/// Where the platform cannot have it (not Linux, no `/dev/ptmx`) the tests are
/// ignored instead (`cfg(has_host_executor)`, set by `build.rs`; under `CI=true`
/// they always run).
macro_rules! host_required {
    () => {
        if let Err(why) = super::host_ready() {
            panic!("the host executor cannot run here: {why}");
        }
    };
}
use host_required;

/// Runs `fdkit ARGS...` from the repository root (so `examples/...` resolves).
#[track_caller]
fn fdkit_at_root(args: &[&str]) -> Run {
    let out = fdkit()
        .args(args)
        .current_dir(repo())
        .env_remove("NO_COLOR")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run fdkit");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `examples/*.strace`, sorted, relative to the repository root.
fn examples() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(repo().join("examples"))
        .expect("examples/")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".strace"))
        .map(|n| format!("examples/{n}"))
        .collect();
    names.sort();
    assert!(names.len() >= 6, "examples: {names:?}");
    names
}

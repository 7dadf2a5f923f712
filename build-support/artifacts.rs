//! Libraries an integration test links or loads that cargo does not build for
//! it: cargo builds only the `rlib` of a package for its integration tests,
//! never its `cdylib` or `staticlib` (nothing in the test links them). A test
//! that needs them asks cargo for them here, in its own profile, and cargo's
//! artifact messages say where they are. Included by tests with
//! `#[path = "../../../build-support/artifacts.rs"] mod artifacts;`.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Builds the library of `package` (in this test's profile: `release` when the
/// test binary runs from `target/release`) and returns the files cargo made for
/// the library target `lib_name` (`.a`, `.so`, `.rlib` ...).
///
/// # Panics
/// When cargo cannot build it: the test fails with cargo's own errors.
pub fn build_library(package: &str, lib_name: &str) -> Vec<PathBuf> {
    let exe = std::env::current_exe().expect("the test's own path");
    let release = exe
        .parent()
        .and_then(Path::parent)
        .and_then(Path::file_name)
        .is_some_and(|p| p == "release");
    let mut cmd = Command::new(env!("CARGO"));
    cmd.args([
        "build",
        "-p",
        package,
        "--lib",
        "--message-format=json-render-diagnostics",
    ])
    .current_dir(env!("CARGO_MANIFEST_DIR"));
    if release {
        cmd.arg("--release");
    }
    let out = cmd.output().expect("cargo runs");
    assert!(
        out.status.success(),
        "cargo build -p {package} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let name = format!("\"name\":\"{lib_name}\"");
    let files: Vec<PathBuf> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.contains("\"reason\":\"compiler-artifact\"") && l.contains(&name))
        .filter_map(|l| {
            let list = l.split("\"filenames\":[").nth(1)?.split(']').next()?;
            Some(
                list.split(',')
                    .map(|f| PathBuf::from(f.trim_matches('"')))
                    .collect::<Vec<_>>(),
            )
        })
        .flatten()
        .collect();
    assert!(!files.is_empty(), "cargo named no artifact of {lib_name}");
    files
}

//! The Python package's own tests (`python/tests`), run by pytest as part of
//! `cargo test`: the binding, the `os` functions over the model (PEP 446), the
//! patch, `subprocess` in the model, `python -m fdkit` on the tutorial, and the
//! pytest fixture.
//!
//! The interpreter is `$FDKIT_PYTHON` when set: `.ci/run` points it at a virtual
//! environment where it ran `pip install pytest` and `pip install .`, so the
//! installed wheel (abi3, entry point `pytest11`) is what is tested. Without it,
//! `python3` runs the package from the sources: `python/fdkit` and the extension
//! module (`cargo build -p fdkit-py`, run by the test), copied together into a
//! scratch directory on `PYTHONPATH`, the plugin loaded with `-p`. Without pytest
//! for that interpreter the test is ignored, with the reason; under `CI=true` it
//! runs and fails.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The extension module, built now by cargo in this test's profile: cargo builds
/// no `cdylib` for an integration test (nothing can link it), so the test asks for
/// it, and cargo's own artifact message says where it is.
fn extension() -> PathBuf {
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
        "fdkit-py",
        "--message-format=json-render-diagnostics",
    ])
    .current_dir(root());
    if release {
        cmd.arg("--release");
    }
    let out = cmd.output().expect("cargo runs");
    assert!(
        out.status.success(),
        "cargo build -p fdkit-py failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let suffix = std::env::consts::DLL_SUFFIX;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| {
            l.contains("\"reason\":\"compiler-artifact\"") && l.contains("\"name\":\"_fdkit\"")
        })
        .find_map(|l| {
            let files = l.split("\"filenames\":[").nth(1)?.split(']').next()?;
            files
                .split(',')
                .map(|f| f.trim_matches('"'))
                .find(|f| f.ends_with(suffix))
                .map(PathBuf::from)
        })
        .expect("cargo names the extension module it built")
}

/// `python/fdkit` with the fresh extension module, in a scratch directory.
fn package_from_sources() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fdkit-py-pythonpath");
    let pkg = dir.join("fdkit");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&pkg).expect("scratch directory");
    for entry in std::fs::read_dir(root().join("python/fdkit")).expect("python/fdkit") {
        let path = entry.expect("python/fdkit entry").path();
        if path.is_file() {
            std::fs::copy(&path, pkg.join(path.file_name().expect("a file name")))
                .expect("copy a package file");
        }
    }
    let lib = extension();
    assert!(
        lib.is_file(),
        "the extension module {} was not built",
        lib.display()
    );
    std::fs::copy(&lib, pkg.join("_fdkit.abi3.so")).expect("copy the extension module");
    dir
}

#[test]
#[cfg_attr(
    not(has_py_pytest),
    ignore = "needs pytest for $FDKIT_PYTHON or python3 (pip install pytest)"
)]
fn python_package_tests() {
    let mut cmd;
    match std::env::var_os("FDKIT_PYTHON") {
        Some(python) => {
            cmd = Command::new(python);
            cmd.args(["-m", "pytest"]);
        }
        None => {
            cmd = Command::new("python3");
            cmd.args([
                "-m",
                "pytest",
                "-p",
                "no:fdkit",
                "-p",
                "fdkit.pytest_plugin",
            ]);
            cmd.env("PYTHONPATH", package_from_sources());
        }
    }
    cmd.args(["-q", "-p", "no:cacheprovider", "python/tests"])
        .current_dir(root())
        .env("PYTHONDONTWRITEBYTECODE", "1");
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {:?}: {e}", cmd.get_program()));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "pytest failed:\n{text}");
    // Every test ran: none skipped or deselected.
    let summary = text.lines().last().unwrap_or_default();
    assert!(
        summary.contains(" passed") && !summary.contains("skipped"),
        "{summary}"
    );
}

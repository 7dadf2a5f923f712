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

#[path = "../../../build-support/artifacts.rs"]
mod artifacts;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The extension module, built now by cargo in this test's profile
/// (`build-support/artifacts.rs`: cargo builds no `cdylib` for a test).
fn extension() -> PathBuf {
    let suffix = std::env::consts::DLL_SUFFIX;
    artifacts::build_library("fdkit-py", "_fdkit")
        .into_iter()
        .find(|f| f.to_string_lossy().ends_with(suffix))
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

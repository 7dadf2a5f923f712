//! Tool probes for the build scripts of the crates whose tests run external programs
//! (`strace`, `valgrind`, `gcc` ...). Each such `build.rs` includes this file with
//! `#[path = "../../build-support/tools.rs"] mod tools;` and calls [`probe`].
//!
//! For each tool it declares `cfg(has_TOOL)` (`-` becomes `_`) and sets it when the
//! tool is usable here, so a test that needs it carries
//! `#[cfg_attr(not(has_TOOL), ignore = "needs TOOL in PATH")]`: without the tool,
//! `cargo test` lists the test as ignored, with the reason, instead of passing it.
//!
//! Under CI (`CI=true`) the cfg is set whatever the probe found: the tests run, and
//! one whose tool is missing fails (its [`require`]-style check panics, naming the
//! tool). CI cannot go green with the live comparisons silently skipped. The build
//! itself never fails, so a downstream crate building these libraries on its own CI
//! is not affected.
//!
//! The probes re-run when `PATH` or `CI` change.

#![allow(dead_code)]

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// What a test may need: a program in `PATH` or a capability of this machine.
pub enum Need {
    /// An executable file of this name in a `PATH` directory.
    Program(&'static str),
    /// `strace` in `PATH`, and allowed to trace here (ptrace can be forbidden in
    /// containers): `strace -f -o /dev/null true` succeeds. Sets `has_strace`.
    Strace,
    /// The host executor's platform: Linux with pseudo-terminals (`/dev/ptmx`).
    /// Sets `has_host_executor`.
    HostExecutor,
    /// A headless browser the tests can drive: `chromium` and its WebDriver
    /// server `chromedriver` in `PATH` (Debian: `chromium chromium-driver`).
    /// Sets `has_chromium`.
    Chromium,
    /// A Python module the tests' interpreter imports (`$FDKIT_PYTHON`, else
    /// `python3`). Sets `has_py_MODULE`.
    PythonModule(&'static str),
}

/// The Python interpreter the tests use: `$FDKIT_PYTHON` (CI points it at a
/// virtual environment), else `python3` from `PATH`.
pub fn python() -> PathBuf {
    env::var_os("FDKIT_PYTHON").map_or_else(|| PathBuf::from("python3"), PathBuf::from)
}

impl Need {
    fn cfg(&self) -> String {
        match self {
            Need::Program(p) => format!("has_{}", p.replace(['-', '.'], "_")),
            Need::Strace => "has_strace".to_string(),
            Need::HostExecutor => "has_host_executor".to_string(),
            Need::Chromium => "has_chromium".to_string(),
            Need::PythonModule(m) => format!("has_py_{}", m.replace(['-', '.'], "_")),
        }
    }

    /// `Ok` if usable here, else why not.
    fn check(&self) -> Result<(), String> {
        match self {
            Need::Program(p) => which(p).map(|_| ()).ok_or(format!("{p} is not in PATH")),
            Need::Strace => {
                let strace = which("strace").ok_or("strace is not in PATH")?;
                let ok = Command::new(strace)
                    .args(["-f", "-o", "/dev/null", "true"])
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .is_ok_and(|s| s.success());
                if ok {
                    Ok(())
                } else {
                    Err("strace cannot trace here (ptrace not allowed?)".to_string())
                }
            }
            Need::HostExecutor => {
                if env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("linux") {
                    Err("the host executor runs on Linux only".to_string())
                } else if !Path::new("/dev/ptmx").exists() {
                    Err("no /dev/ptmx (pseudo-terminals)".to_string())
                } else {
                    Ok(())
                }
            }
            Need::Chromium => {
                which("chromium").ok_or("chromium is not in PATH")?;
                which("chromedriver").ok_or("chromedriver is not in PATH")?;
                Ok(())
            }
            Need::PythonModule(m) => {
                let python = python();
                let ok = Command::new(&python)
                    .args(["-c", &format!("import {m}")])
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .is_ok_and(|s| s.success());
                if ok {
                    Ok(())
                } else {
                    Err(format!("{} cannot import {m}", python.display()))
                }
            }
        }
    }
}

/// Whether this build runs under CI: `CI` is `true` (or `1`), as CI services set it.
pub fn under_ci() -> bool {
    env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

/// The first executable `name` in `PATH`.
pub fn which(name: &str) -> Option<PathBuf> {
    let path = env::var_os("PATH")?;
    env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.metadata().is_ok_and(|m| m.is_file() && executable(&m)))
}

#[cfg(unix)]
fn executable(m: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    m.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn executable(_: &std::fs::Metadata) -> bool {
    true
}

/// Declares and sets the `has_*` cfgs for `needs` (see the module documentation).
pub fn probe(needs: &[Need]) {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=../../build-support/tools.rs");
    println!("cargo::rerun-if-env-changed=PATH");
    println!("cargo::rerun-if-env-changed=CI");
    println!("cargo::rerun-if-env-changed=FDKIT_PYTHON");
    let ci = under_ci();
    for need in needs {
        let cfg = need.cfg();
        println!("cargo::rustc-check-cfg=cfg({cfg})");
        match need.check() {
            Ok(()) => println!("cargo::rustc-cfg={cfg}"),
            Err(why) if ci => {
                println!("cargo::rustc-cfg={cfg}");
                println!("cargo::warning=CI=true: {why}; the tests that need it will fail");
            }
            Err(_) => {}
        }
    }
}

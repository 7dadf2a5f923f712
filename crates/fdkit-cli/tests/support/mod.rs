//! Helpers shared by the command-line tests: running the binary, locating the
//! recorded fixtures, writing edited copies of them.

#![allow(dead_code)] // each subcommand's tests use a different subset

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The `fdkit` binary under test.
pub fn fdkit() -> Command {
    Command::new(env!("CARGO_BIN_EXE_fdkit"))
}

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `tests/fixtures` of the repository.
pub fn fixtures() -> PathBuf {
    repo().join("tests/fixtures")
}

/// Every recorded log in `dir`, sorted.
pub fn logs_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "strace"))
        .collect();
    v.sort();
    v
}

/// The output of a finished command, as text.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(out: Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// Runs `fdkit ARGS...`.
#[track_caller]
pub fn run(args: &[&str]) -> Run {
    let out = fdkit()
        .args(args)
        .env_remove("NO_COLOR")
        .stdin(Stdio::null())
        .output()
        .expect("run fdkit");
    Run::from(out)
}

/// Runs `fdkit ARGS...` with `input` on standard input.
#[track_caller]
pub fn run_with_stdin(args: &[&str], input: &[u8]) -> Run {
    use std::io::Write;
    let mut child = fdkit()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn fdkit");
    let mut stdin = child.stdin.take().expect("stdin");
    let data = input.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&data);
    });
    let out = child.wait_with_output().expect("wait fdkit");
    writer.join().expect("writer");
    Run::from(out)
}

/// A copy of fixture `name` with line `line` (1-based) replaced by `text`, in a
/// new temporary directory (kept alive by the returned guard).
pub fn edited(name: &str, line: usize, text: &str) -> (tempfile::TempDir, PathBuf) {
    let src = std::fs::read_to_string(fixtures().join(name)).expect("read fixture");
    let mut lines: Vec<&str> = src.lines().collect();
    lines[line - 1] = text;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(name);
    std::fs::write(&path, lines.join("\n") + "\n").expect("write copy");
    (dir, path)
}

/// Writes `content` to a file named `name` in a new temporary directory.
pub fn file(name: &str, content: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(name);
    std::fs::write(&path, content).expect("write");
    (dir, path)
}

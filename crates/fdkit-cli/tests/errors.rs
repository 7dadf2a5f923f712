//! Hostile input to `fdkit run` (issue 7): a missing file, a directory, binary
//! garbage, garbage text, a truncated last line, unknown calls, absurd pids, a
//! 10 MB line, 100,000-deep nesting, endless input. Each gives one clear line on
//! stderr (`fdkit: FILE[:LINE:COL]: message`), exit status 2, no panic or
//! backtrace (RUST_BACKTRACE=1 is set), within a 256 MiB address-space limit.
//!
//! `fdkit check` gets the same list once it lands (see ROBUSTNESS.md).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Address space the binary may use, in KiB (`ulimit -v`).
const MEMORY_KIB: u32 = 256 * 1024;

/// Runs `fdkit ARGS` under `ulimit -v`, with `stdin` piped in.
fn fdkit(args: &[&str], stdin: &[u8]) -> Output {
    let script = format!("ulimit -v {MEMORY_KIB} && exec \"$0\" \"$@\"");
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_fdkit"))
        .args(args)
        .env("RUST_BACKTRACE", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run fdkit");
    let mut input = child.stdin.take().unwrap();
    // fdkit may stop reading early (and close the pipe): ignore EPIPE.
    let _ = input.write_all(stdin);
    drop(input);
    child.wait_with_output().unwrap()
}

/// A scratch file holding `bytes`.
fn file(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Asserts exit 2, one stderr line that starts with `prefix` and contains
/// `needle`, no panic; returns the line.
#[track_caller]
fn one_error(out: &Output, prefix: &str, needle: &str) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("backtrace"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(prefix),
        "want {prefix:?}..., got {stderr}"
    );
    assert!(stderr.contains(needle), "want {needle:?} in {stderr}");
    assert!(
        stderr.len() < 600,
        "a long error line: {} bytes",
        stderr.len()
    );
    stderr
}

#[test]
fn missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nope.strace");
    let p = path.display().to_string();
    let out = fdkit(&["run", &p], b"");
    one_error(&out, &format!("fdkit: {p}: "), "No such file");
}

#[test]
fn directory_instead_of_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().display().to_string();
    let out = fdkit(&["run", &p], b"");
    one_error(&out, &format!("fdkit: {p}: "), "Is a directory");
}

#[test]
fn binary_garbage() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = Vec::new();
    let mut x: u32 = 0x1234_5678;
    for _ in 0..100_000 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        bytes.push(x as u8);
    }
    let path = file(dir.path(), "garbage.bin", &bytes);
    let p = path.display().to_string();
    let out = fdkit(&["run", &p], b"");
    one_error(&out, &format!("fdkit: {p}:"), "not valid UTF-8");
}

#[test]
fn garbage_text_stops_after_twenty_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = file(dir.path(), "text", "x\n".repeat(5_000_000).as_bytes());
    let p = path.display().to_string();
    let out = fdkit(&["run", &p], b"");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 21, "{stderr}");
    assert_eq!(
        lines[20],
        format!("fdkit: {p}:21:1: more than 20 bad lines; stopped reading here")
    );
}

#[test]
fn truncated_last_line() {
    let dir = tempfile::tempdir().unwrap();
    let text = "dup(1) = 3\nopenat(AT_FDCWD, \"/tmp/a\", O_RD";
    let path = file(dir.path(), "cut.strace", text.as_bytes());
    let p = path.display().to_string();
    let out = fdkit(&["run", &p], b"");
    one_error(&out, &format!("fdkit: {p}:2:32: "), "expected `)`");
    // Cut inside a string.
    let path = file(dir.path(), "cut2.strace", b"openat(AT_FDCWD, \"/tmp/");
    let p = path.display().to_string();
    let out = fdkit(&["run", &p], b"");
    one_error(&out, &format!("fdkit: {p}:1:"), "expected");
}

#[test]
fn unknown_syscall_names() {
    let out = fdkit(&["run", "-"], b"frobnicate(3) = 0\n");
    one_error(&out, "fdkit: <stdin>:1:1: ", "`frobnicate` is not a call");
    let long = format!("{}(3) = 0\n", "f".repeat(100_000));
    let out = fdkit(&["run", "-"], long.as_bytes());
    one_error(&out, "fdkit: <stdin>:1:", "is not a call");
}

#[test]
fn absurd_pids() {
    for (text, column, message) in [
        ("[pid 99999999999] dup(1)\n", 6, "expected a pid"),
        (
            "dup(1)\n[pid 4294967295] dup(1)\n",
            1,
            "4294967295 cannot be a pid",
        ),
        ("dup(1)\n[pid 0] dup(1)\n", 1, "0 cannot be a pid"),
        (
            "dup(1)\nfork() = 2147483648\n",
            1,
            "2147483648 cannot be a pid",
        ),
    ] {
        let out = fdkit(&["run", "-"], text.as_bytes());
        let line = text.lines().count().min(2);
        one_error(&out, &format!("fdkit: <stdin>:{line}:{column}: "), message);
    }
    // The largest pid is fine.
    let out = fdkit(
        &["run", "-"],
        b"fork() = 2147483647\n[pid 2147483647] dup(1) = 3\n",
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_ten_megabyte_line() {
    let dir = tempfile::tempdir().unwrap();
    for (name, line) in [
        (
            "write",
            format!("write(1, \"{}\", 10) = 10\n", "a".repeat(10_000_000)),
        ),
        ("name", format!("dup({})\n", "x".repeat(10_000_000))),
        ("flags", format!("dup({}1)\n", "1|".repeat(5_000_000))),
    ] {
        let path = file(dir.path(), name, line.as_bytes());
        let p = path.display().to_string();
        let out = fdkit(&["run", &p], b"");
        one_error(
            &out,
            &format!("fdkit: {p}:1:"),
            "a scenario line holds at most",
        );
    }
    // Below the line cap, a long token is quoted in part.
    let out = fdkit(
        &["run", "-"],
        format!("dup({})\n", "x".repeat(1_000_000)).as_bytes(),
    );
    one_error(&out, "fdkit: <stdin>:1:5: ", "unknown constant `xxxx");
}

#[test]
fn deep_nesting() {
    for (open, close) in [("(", ")"), ("[", "]"), ("{a=", "}"), ("~", ""), ("-", "")] {
        let text = format!(
            "dup({}3{}) = 3\n",
            open.repeat(100_000),
            close.repeat(100_000)
        );
        let out = fdkit(&["run", "-"], text.as_bytes());
        one_error(&out, "fdkit: <stdin>:1:", "nesting");
    }
}

#[test]
fn endless_input() {
    let out = fdkit(&["run", "/dev/zero"], b"");
    one_error(&out, "fdkit: /dev/zero: ", "larger than 16 MiB");
    let out = fdkit(&["run", "-"], &vec![b'a'; 17 << 20]);
    one_error(&out, "fdkit: <stdin>: ", "larger than 16 MiB");
}

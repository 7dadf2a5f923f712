//! Live mode: `fdkit audit|check|tables [OPTIONS] -- PROG [ARGS...]` runs PROG
//! under `strace -f` and replays the log as it comes.

mod support;

use std::collections::BTreeSet;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use support::fdkit;

/// Runs `fdkit ARGS` with standard input from /dev/null, output captured.
fn live(args: &[&str]) -> Output {
    fdkit()
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("run fdkit")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
#[cfg_attr(not(has_strace), ignore = "needs strace in PATH")]
fn live_check_of_a_shell_redirection_agrees() {
    // Whatever this test process passes down (a CI runner or a shell may leak
    // descriptors), live mode knows PROG's starting table exactly.
    let out = live(&["check", "--", "sh", "-c", "exec 3</dev/null; cat <&3"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    let last = stdout.lines().last().unwrap_or("");
    assert!(last.contains(", 0 differ"), "{stdout}");
}

#[test]
#[cfg_attr(
    not(all(has_strace, has_gcc)),
    ignore = "needs strace (allowed to trace) and gcc in PATH"
)]
fn live_audit_finds_a_descriptor_leaked_across_exec() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("leak.c");
    std::fs::write(
        &src,
        r#"#include <fcntl.h>
#include <unistd.h>
int main(void) {
    int fd = open("/etc/hostname", O_RDONLY); /* no O_CLOEXEC: leaks into true */
    if (fd < 0) fd = open("/dev/null", O_RDONLY);
    execl("/bin/true", "true", (char *)0);
    return 1;
}
"#,
    )
    .unwrap();
    let bin = dir.path().join("leak");
    let cc = Command::new("gcc")
        .arg("-o")
        .arg(&bin)
        .arg(&src)
        .output()
        .expect("run gcc");
    assert!(cc.status.success(), "gcc: {}", text(&cc.stderr));
    let out = live(&["audit", "--fail-on", "high", "--", bin.to_str().unwrap()]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains(
            "inherited-across-exec: fd 3 (/etc/hostname) inherited across execve(\"/bin/true\")"
        ) || stdout.contains("inherited-across-exec: fd 3 (/dev/null) inherited across execve"),
        "{stdout}"
    );
    assert!(stdout.starts_with("high (1)"), "{stdout}");
}

#[test]
#[cfg_attr(not(has_strace), ignore = "needs strace in PATH")]
fn live_log_is_kept_with_log_file() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("kept.strace");
    let l = log.to_str().unwrap();
    let out = live(&[
        "tables", "--at", "1", "--log", l, "--", "sh", "-c", "exit 0",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let kept = std::fs::read_to_string(&log).unwrap();
    let first = kept.lines().next().unwrap();
    assert!(first.contains(" execve(\"/"), "{first}");
    // Kept whole, though the tables were wanted after line 1: to PROG's exit.
    // (with `-k`, strace writes the stack of `_exit` after that line)
    assert!(
        kept.lines().any(|l| l.ends_with("+++ exited with 0 +++")),
        "{kept}"
    );
    // The kept log replays as the live one did, and its name is in the output.
    let again = live(&["check", l]);
    let live_check = live(&["check", "--log", l, "--", "sh", "-c", "exit 0"]);
    let summary = |o: &Output| text(&o.stdout).lines().last().unwrap_or("").to_owned();
    assert_eq!(again.status.code(), live_check.status.code());
    assert!(summary(&again).contains(" 0 differ"), "{}", summary(&again));
    assert!(
        summary(&live_check).contains(" 0 differ"),
        "{}",
        summary(&live_check)
    );
}

#[test]
#[cfg_attr(not(has_strace), ignore = "needs strace in PATH")]
fn live_program_starts_with_exactly_the_callers_descriptors() {
    // What `ls` lists when this test starts it, and when fdkit starts it under
    // strace: the same numbers (ls's own directory descriptor included).
    let direct = Command::new("ls")
        .arg("/proc/self/fd")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let out = live(&["check", "--json", "--", "ls", "/proc/self/fd"]);
    assert!(
        matches!(out.status.code(), Some(0 | 3)),
        "{}",
        text(&out.stderr)
    );
    let numbers =
        |s: &str| -> BTreeSet<u32> { s.lines().filter_map(|l| l.trim().parse().ok()).collect() };
    let traced = numbers(&text(&out.stdout));
    assert_eq!(
        traced,
        numbers(&text(&direct.stdout)),
        "{}",
        text(&out.stdout)
    );
    assert!(traced.contains(&0) && traced.contains(&3), "{traced:?}");
}

#[test]
fn live_missing_program_is_one_error() {
    for (prog, needle) in [
        (
            "fdkit-no-such-program",
            "fdkit: fdkit-no-such-program: command not found",
        ),
        ("/nonexistent/prog", "fdkit: /nonexistent/prog: cannot run"),
    ] {
        let out = live(&["check", "--", prog]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.starts_with(needle), "{stderr}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn live_without_strace_says_how_to_install_it() {
    let out = fdkit()
        .args(["audit", "--", "true"])
        .env("PATH", "/nonexistent")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("apt-get install strace"), "{stderr}");
}

#[test]
fn live_log_file_and_program_exclude_each_other() {
    let out = live(&["check", "some.strace", "--", "true"]);
    assert_eq!(out.status.code(), Some(2));
    let out = live(&["check", "--log", "x.strace", "some.strace"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
#[cfg_attr(not(has_strace), ignore = "needs strace in PATH")]
fn live_signal_to_fdkit_stops_the_program() {
    let mut child = fdkit()
        .args(["check", "--", "sleep", "60"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Let strace start sleep and write its first lines.
    std::thread::sleep(Duration::from_millis(800));
    let start = Instant::now();
    // SAFETY: a signal to our own child.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    let deadline = start + Duration::from_secs(20);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("fdkit did not end after SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let out = child.wait_with_output().unwrap();
    let stdout = text(&out.stdout);
    // fdkit reports on the log up to sleep's end, with its own status.
    assert!(status.code().is_some(), "{status:?}");
    assert!(
        stdout.lines().last().unwrap_or("").starts_with("checked "),
        "{stdout}"
    );
}

/// Where ptrace is refused (a container without `SYS_PTRACE`), strace says
/// "Operation not permitted": fdkit says how to allow it, in one line. A stand-in
/// `strace` first in `PATH` plays the refusing one.
#[test]
fn live_ptrace_refused_says_how_to_allow_it() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("strace");
    std::fs::write(
        &fake,
        "#!/bin/sh\necho 'strace: test_ptrace_get_syscall_info: PTRACE_TRACEME: Operation not permitted' >&2\nexit 1\n",
    )
    .unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        dir.path().display(),
        std::env::var("PATH").unwrap()
    );
    let out = fdkit()
        .args(["check", "--", "true"])
        .env("PATH", path)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("fdkit: strace cannot trace here: ptrace is not permitted"),
        "{stderr}"
    );
    assert!(stderr.contains("--cap-add SYS_PTRACE"), "{stderr}");
    assert!(stderr.contains("kernel.yama.ptrace_scope"), "{stderr}");
    assert!(out.stdout.is_empty());
}

/// `--svg` replays twice: the live log is kept in memory for that.
#[test]
#[cfg_attr(not(has_strace), ignore = "needs strace in PATH")]
fn live_audit_pictures() {
    let out = live(&[
        "audit",
        "--svg",
        "--",
        "sh",
        "-c",
        "exec 3</dev/null; cat <&3",
    ]);
    let stdout = text(&out.stdout);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        text(&out.stderr)
    );
    assert!(
        stdout.starts_with("<svg") || stdout.starts_with("<?xml"),
        "{stdout}"
    );
}

/// A PROG that is found but whose `execve` fails (a script's interpreter is
/// missing): exit 2, fdkit's line last (strace's own `exec:` line comes first:
/// its standard error is PROG's).
#[test]
#[cfg_attr(not(has_strace), ignore = "needs strace in PATH")]
fn live_program_whose_exec_fails_is_exit_2() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("script");
    std::fs::write(&script, "#!/nonexistent/interpreter\n").unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let s = script.to_str().unwrap();
    let out = live(&["audit", "--", s]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(
        stderr.lines().last().unwrap(),
        format!("fdkit: {s}: cannot run: ENOENT (No such file or directory)")
    );
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
}

/// A descriptor fdkit itself inherited (3 here) is PROG's too: live mode takes the
/// starting table from fdkit's own descriptors, so `cat`'s open getting 4 is not an
/// unconfirmed inference (exit 3) but exact (exit 0).
#[test]
#[cfg_attr(not(has_strace), ignore = "needs strace in PATH")]
fn live_mode_knows_the_descriptors_prog_inherits() {
    let out = Command::new("sh")
        .arg("-c")
        .arg("exec 3</dev/null; exec \"$0\" check -- cat /dev/null")
        .arg(env!("CARGO_BIN_EXE_fdkit"))
        .stdin(Stdio::null())
        .output()
        .expect("run sh");
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(!stdout.contains("unconfirmed"), "{stdout}");
    assert!(!stdout.contains("inferred"), "{stdout}");
}

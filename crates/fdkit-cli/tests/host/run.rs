//! `fdkit run --host`: prints what the model run prints (but for the numbers the
//! kernel really gives differently), checks written results, reports steps the
//! host cannot run, and leaves no scratch directory behind.

use super::{examples, fdkit_at_root, host_required};
use crate::support::{fdkit, file, run};

/// `text` without what the kernel numbers differently from the model (pipe and
/// socket inodes, the terminal's number), the column padding those change, and
/// the summary's "on the host kernel".
fn normalized(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let line = line.replace(" on the host kernel:", ":");
        let mut rest = line.as_str();
        let mut kept = String::new();
        while let Some(at) = ["pipe:[", "socket:[", "/dev/pts/"]
            .iter()
            .filter_map(|p| rest.find(p).map(|i| (i, p.len())))
            .min()
        {
            let (i, len) = at;
            kept.push_str(&rest[..i + len]);
            rest = rest[i + len..].trim_start_matches(|c: char| c.is_ascii_digit());
        }
        kept.push_str(rest);
        out.push_str(&kept.split_whitespace().collect::<Vec<_>>().join(" "));
        out.push('\n');
    }
    out
}

#[test]
#[cfg_attr(
    not(has_host_executor),
    ignore = "needs the host executor (Linux with /dev/ptmx)"
)]
fn host_output_is_the_model_output_for_every_example() {
    host_required!();
    for name in examples() {
        for flags in [&[][..], &["--tables"], &["--json"]] {
            let args = |host: bool| {
                let mut a = vec!["run"];
                a.extend(flags);
                if host {
                    a.push("--host");
                }
                a.push(&name);
                a
            };
            let model = fdkit_at_root(&args(false));
            let host = fdkit_at_root(&args(true));
            assert_eq!(
                (host.code, host.stderr.as_str()),
                (0, ""),
                "{name} {flags:?}:\n{}",
                host.stdout
            );
            assert_eq!(model.code, 0);
            assert_eq!(
                normalized(&host.stdout),
                normalized(&model.stdout),
                "{name} {flags:?}: the host run prints what the model run prints"
            );
        }
        let summary = fdkit_at_root(&["run", "--host", &name]).stdout;
        let last = summary.lines().last().unwrap_or_default();
        assert!(
            last.contains(" on the host kernel: ") && last.ends_with(", 0 differ"),
            "{name}: {last}"
        );
    }
}

#[test]
#[cfg_attr(
    not(has_host_executor),
    ignore = "needs the host executor (Linux with /dev/ptmx)"
)]
fn host_run_checks_written_results() {
    host_required!();
    let (_dir, path) = file("wrong.strace", b"dup(0) = 3\ndup(0) = 7\nfork() = 4242\n[pid 4242] dup(0) = 5\nwait4(4242, NULL, WNOHANG, NULL) = 0\n");
    let path = path.to_str().unwrap();
    let r = run(&["run", "--host", path]);
    assert_eq!((r.code, r.stderr.as_str()), (1, ""), "{}", r.stdout);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines[1], "dup(0)                                  = 4");
    assert_eq!(lines[2], "# ^ differs from line 2: expected 7, got 4");
    assert_eq!(lines[3], "fork()                                  = 4242");
    assert_eq!(lines[4], "[pid  4242] dup(0)                      = 5");
    assert_eq!(
        lines.last().copied(),
        Some("# 5 calls in 2 processes on the host kernel: 5 checked, 4 agree, 1 differ")
    );
}

#[test]
#[cfg_attr(
    not(has_host_executor),
    ignore = "needs the host executor (Linux with /dev/ptmx)"
)]
fn host_run_reports_what_it_cannot_run_and_exits_2() {
    host_required!();
    let text = b"fcntl(0, F_GETLK, 0x7ffc0000)\npipe2([3, 4], 0) = 0\nread(3, 0x7ffc0000, 10)\nread(0, 0x7ffc0000, 10)\n[pid 7] dup(0)\nvfork()\ndup(0) = 5\n";
    let (_dir, path) = file("cannot.strace", text);
    let path = path.to_str().unwrap();
    let r = run(&["run", "--host", path]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    let errors: Vec<&str> = r.stderr.lines().collect();
    let want = [
        (
            1,
            "the host executor cannot run this call: fcntl command 5 takes a pointer",
        ),
        (
            3,
            "the call would block forever (nothing to read, and a writer could still write)",
        ),
        (
            4,
            "the call would block forever (the terminal has no input)",
        ),
        (5, "no process 7"),
        (6, "the host executor cannot run this call: "),
    ];
    assert_eq!(errors.len(), want.len(), "{}", r.stderr);
    for (got, (line, text)) in errors.iter().zip(want) {
        assert!(
            got.starts_with(&format!("fdkit: {path}:{line}:1: {text}")),
            "{got}"
        );
    }
    assert!(r.stdout.ends_with("7 calls in 1 process on the host kernel: 2 checked, 2 agree, 0 differ, 5 could not run\n"), "{}", r.stdout);
}

#[test]
#[cfg_attr(
    not(has_host_executor),
    ignore = "needs the host executor (Linux with /dev/ptmx)"
)]
fn host_run_removes_its_scratch_directory() {
    host_required!();
    let (_dir, path) = file("files.strace", b"mkdir(\"/tmp/d\", 0755) = 0\nopenat(AT_FDCWD, \"/tmp/d/f\", O_WRONLY|O_CREAT, 0600) = 3\nwrite(3, \"x\", 1) = 1\n");
    let child = fdkit()
        .args(["run", "--host", path.to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run fdkit");
    let pid = child.id();
    let out = child.wait_with_output().expect("wait");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for parent in [std::path::PathBuf::from("/dev/shm"), std::env::temp_dir()] {
        let prefix = format!("fdkit-host-{pid}-");
        let left: Vec<String> = std::fs::read_dir(&parent)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(&prefix))
            .collect();
        assert!(left.is_empty(), "{}: {left:?}", parent.display());
    }
}

#[test]
fn strace_needs_host() {
    let r = run(&["run", "--strace", "/tmp/x.log", "examples/seed.strace"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--host"), "{}", r.stderr);
}

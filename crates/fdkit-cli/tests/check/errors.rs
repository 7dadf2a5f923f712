//! Unreadable or unparseable input: one clear line per problem on stderr
//! (`fdkit: FILE:LINE:COL: expected ..., found ...`), the rest still replayed,
//! exit status 2, never a panic or a backtrace.

use crate::support::{file, fixtures, run};

#[track_caller]
fn assert_clean_failure(stderr: &str) {
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("RUST_BACKTRACE"), "{stderr}");
    for line in stderr.lines() {
        assert!(line.starts_with("fdkit: "), "{line:?} in {stderr}");
    }
}

#[test]
fn garbage_is_reported_line_by_line() {
    let (_d, path) = file("garbage.log", b"hello world\nthis is not strace\n");
    let p = path.to_str().unwrap();
    let r = run(&["check", p]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_clean_failure(&r.stderr);
    assert!(
        r.stderr
            .contains(&format!("fdkit: {p}:1:6: expected `(`, found ` world`")),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains(&format!("fdkit: {p}:2:")), "{}", r.stderr);
    // The summary is still the last line of the results.
    assert!(r.stdout.starts_with("checked 0 calls"), "{}", r.stdout);
}

#[test]
fn a_truncated_last_line_is_an_error_at_that_line() {
    let text = std::fs::read_to_string(fixtures().join("c-dup-edge.strace")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let n = lines.len();
    let last = lines[n - 3]; // a complete call, not the exit notice
    let cut = &last[..last.len() / 2];
    let mut broken = lines[..n - 3].join("\n");
    broken.push('\n');
    broken.push_str(cut);
    let (_d, path) = file("cut.strace", broken.as_bytes());
    let p = path.to_str().unwrap();
    let r = run(&["check", p]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert_clean_failure(&r.stderr);
    assert!(
        r.stderr.contains(&format!("fdkit: {p}:{}:", n - 2)),
        "{}",
        r.stderr
    );
    // Everything before it was replayed.
    assert!(r.stdout.contains(" 0 differ, "), "{}", r.stdout);
}

#[test]
fn binary_bytes_are_errors_not_panics() {
    let mut junk: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    junk.extend_from_slice(b"\n1234 close(3) = 0\n\xff\xfe\x00\n");
    let (_d, path) = file("junk.bin", &junk);
    let r = run(&["check", path.to_str().unwrap()]);
    assert_eq!(r.code, 2);
    assert_clean_failure(&r.stderr);
    assert!(
        r.stderr.contains("expected UTF-8 text, found byte 0x"),
        "{}",
        r.stderr
    );
    // At most 20 errors are shown, then a count.
    assert!(r.stderr.lines().count() <= 23, "{}", r.stderr);
}

#[test]
fn a_missing_file_is_one_line() {
    let r = run(&["check", "/nonexistent/fdkit-no-such.strace"]);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr.trim_end(),
        "fdkit: /nonexistent/fdkit-no-such.strace: cannot open: No such file or directory (os error 2)"
    );
    assert!(r.stdout.is_empty());
}

#[test]
fn a_directory_is_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().to_str().unwrap();
    let r = run(&["check", p]);
    assert_eq!(r.code, 2);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(
        r.stderr.starts_with(&format!("fdkit: {p}: cannot read: ")),
        "{}",
        r.stderr
    );
    assert!(r.stdout.is_empty());
}

#[test]
fn a_few_bad_lines_are_each_reported_and_the_rest_checked() {
    let text = std::fs::read_to_string(fixtures().join("use-after-close.strace")).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines[5] = "11018 openat(AT_FDCWD, \"x\", O_RDONLY".to_owned();
    lines[10] = "11018 <<<>>>".to_owned();
    lines.insert(20, "\u{1}garbage".to_owned());
    let (_d, path) = file("some-bad.strace", (lines.join("\n") + "\n").as_bytes());
    let p = path.to_str().unwrap();
    let r = run(&["check", p]);
    assert_eq!(r.code, 2, "errors win over a clean replay");
    assert_clean_failure(&r.stderr);
    for n in [6, 11, 21] {
        assert!(
            r.stderr.contains(&format!("fdkit: {p}:{n}:")),
            "line {n}: {}",
            r.stderr
        );
    }
    assert!(
        r.stderr.contains("3 lines could not be parsed"),
        "{}",
        r.stderr
    );
    let summary = r.stdout.lines().last().unwrap();
    assert!(summary.starts_with("checked 3"), "{summary}");
}

#[test]
fn an_unexpected_resume_is_an_error_naming_its_column() {
    let (_d, path) = file(
        "resume.strace",
        b"77  <... read resumed>\"x\", 1) = 1\n77  close(0) = 0\n",
    );
    let p = path.to_str().unwrap();
    let r = run(&["check", p]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains(&format!(
            "fdkit: {p}:1:5: expected an unfinished call to resume, found `<... read resumed>`"
        )),
        "{}",
        r.stderr
    );
}

//! Small things at the edges of the command line: clap's errors as one line, a
//! recorded log given to `fdkit run`, an unknown call in a scenario, `fdkit check`
//! on a scenario with comments.

mod support;

use support::{repo, run, run_with_stdin, Run};

/// Asserts exit 2 and exactly one stderr line, `fdkit: ...`; returns it.
#[track_caller]
fn one_line(r: &Run) -> String {
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(r.stderr.starts_with("fdkit: "), "{}", r.stderr);
    assert!(!r.stderr.contains("Usage:"), "{}", r.stderr);
    r.stderr.trim_end().to_owned()
}

#[test]
fn clap_errors_are_one_line() {
    let line = one_line(&run(&["check", "--no-such-flag", "x"]));
    assert_eq!(
        line,
        "fdkit: unexpected argument '--no-such-flag' found; see `fdkit check --help`"
    );
    let line = one_line(&run(&["audit", "--fail-on", "bogus", "x"]));
    assert!(
        line.contains("invalid value 'bogus' for '--fail-on <SEVERITY>'"),
        "{line}"
    );
    assert!(
        line.contains("[possible values: high, medium, low, info, never]"),
        "{line}"
    );
    assert!(line.ends_with("see `fdkit audit --help`"), "{line}");
    let line = one_line(&run(&["tables", "x"]));
    assert!(line.contains("--at <LINE>"), "{line}");
    let line = one_line(&run(&["frobnicate"]));
    assert!(
        line.contains("unrecognized subcommand 'frobnicate'"),
        "{line}"
    );
    let line = one_line(&run(&[]));
    assert!(
        line.starts_with("fdkit: a subcommand is required: run, diff, check"),
        "{line}"
    );
}

#[test]
fn help_and_version_stay_normal() {
    for args in [
        &["--help"][..],
        &["check", "--help"],
        &["-h"],
        &["help", "run"],
    ] {
        let r = run(args);
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        assert!(r.stdout.contains("Usage: fdkit"), "{args:?}: {}", r.stdout);
        assert!(r.stderr.is_empty(), "{args:?}: {}", r.stderr);
    }
    let r = run(&["--version"]);
    assert_eq!((r.code, r.stdout.trim()), (0, "fdkit 0.1.0"));
    // `fdkit run --help` lists the calls a scenario may use.
    let r = run(&["run", "--help"]);
    assert!(
        r.stdout.contains("Calls a scenario may use: open, openat"),
        "{}",
        r.stdout
    );
}

#[test]
fn run_on_a_recorded_log_suggests_check() {
    let log = repo().join("tests/fixtures/c-dup-edge.strace");
    let log = log.to_str().unwrap();
    let line = one_line(&run(&["run", log]));
    assert!(
        line.starts_with(&format!(
            "fdkit: {log}:2:7: `brk` is not a call scenarios model"
        )),
        "{line}"
    );
    assert!(
        line.ends_with(&format!(
            "this looks like a recorded `strace -f` log; replay it with `fdkit check {log}`"
        )),
        "{line}"
    );
    // And `fdkit check` takes it.
    assert_eq!(run(&["check", log]).code, 0);
}

#[test]
fn an_unknown_call_is_one_short_line() {
    let r = run_with_stdin(&["run", "-"], b"dupp(1) = 3\n");
    let line = one_line(&r);
    assert_eq!(
        line,
        "fdkit: <stdin>:1:1: `dupp` is not a call scenarios model; did you mean `dup`?"
    );
    let r = run_with_stdin(&["run", "-"], b"frobnicate(3) = 0\n");
    let line = one_line(&r);
    assert_eq!(
        line,
        "fdkit: <stdin>:1:1: `frobnicate` is not a call scenarios model (`fdkit run --help` lists them)"
    );
    // One or two real calls a scenario does not model are errors, not "a log".
    let r = run_with_stdin(
        &["run", "-"],
        b"dup(1) = 3\nmmap(NULL, 8192, PROT_READ, MAP_PRIVATE, 3, 0) = 0x7f00\n",
    );
    assert!(
        one_line(&r).contains("`mmap` is not a call scenarios model ("),
        "{}",
        r.stderr
    );
}

#[test]
fn check_skips_a_scenarios_comments() {
    // seed.strace: comment lines, `# show`, and comments after results.
    let seed = repo().join("examples/seed.strace");
    let text = std::fs::read_to_string(&seed).unwrap();
    assert!(text.lines().any(|l| l.starts_with('#')));
    assert!(text
        .lines()
        .any(|l| l.contains(") = ") && l.contains("  # ")));
    let r = run(&["check", seed.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    assert!(
        r.stdout.lines().last().unwrap().contains(", 0 differ"),
        "{}",
        r.stdout
    );
    // Indented comment lines too.
    let r = run_with_stdin(
        &["check", "-"],
        b"  # indented\ndup(1) = 3 # trailing\n# show\n",
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("1 agree, 0 differ"), "{}", r.stdout);
}

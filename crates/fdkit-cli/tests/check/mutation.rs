//! Mutation tests: one recorded result altered in a real log must be reported at
//! exactly that line, and nowhere else (the model resynchronises with the log).
//!
//! Each case names the fixture, a text that occurs on exactly one line (so the
//! case survives re-recording as long as the program does the same thing), the
//! edit, and what the divergence is about.

use super::{check_json, divergences};
use crate::support::{edited, fixtures};

struct Case {
    fixture: &'static str,
    /// Text found on the line to alter.
    needle: &'static str,
    /// Which occurrence of `needle` (1-based); 0: it must occur exactly once.
    nth: usize,
    from: &'static str,
    to: &'static str,
    what: &'static str,
}

const CASES: &[Case] = &[
    // The number an allocation returned.
    Case {
        nth: 0,
        fixture: "c-dup-edge.strace",
        needle: "dup(3)                            = 6",
        from: "= 6",
        to: "= 7",
        what: "descriptor",
    },
    Case {
        nth: 0,
        fixture: "c-emfile.strace",
        needle: "fcntl(0, F_DUPFD, 3)              = 7",
        from: "= 7",
        to: "= 8",
        what: "descriptor",
    },
    Case {
        nth: 0,
        fixture: "py-subprocess.strace",
        needle: "fcntl(3, F_DUPFD_CLOEXEC, 0)      = 5",
        from: "= 5",
        to: "= 6",
        what: "descriptor",
    },
    Case {
        nth: 0,
        fixture: "shell-pipeline.strace",
        needle: "pipe2([4, 5], 0)",
        from: "[4, 5]",
        to: "[3, 5]",
        what: "descriptor",
    },
    Case {
        nth: 0,
        fixture: "shell-pipeline.stderr.strace",
        needle: "pipe2([4, 5], 0)",
        from: "[4, 5]",
        to: "[3, 5]",
        what: "descriptor",
    },
    // EMFILE turned into success: the table was full.
    Case {
        nth: 0,
        fixture: "c-emfile.strace",
        needle: "fcntl(0, F_DUPFD_CLOEXEC, 10)     = -1 EMFILE",
        from: "= -1 EMFILE (Too many open files)",
        to: "= 10",
        what: "descriptor",
    },
    // EBADF from SCM_RIGHTS naming a closed number (net/core/scm.c) turned
    // into success.
    Case {
        nth: 0,
        fixture: "c-scm-badf.strace",
        needle: "cmsg_data=[6]}], msg_controllen=24, msg_flags=0}, 0) = -1 EBADF",
        from: "= -1 EBADF (Bad file descriptor)",
        to: "= 1",
        what: "EBADF",
    },
    // A pipe's read end does not get O_DIRECT (fs/pipe.c, create_pipe_files).
    Case {
        nth: 3,
        fixture: "c-pipe2-flags.strace",
        needle: "fcntl(3, F_GETFL)                 = 0 (flags O_RDONLY)",
        from: "= 0 (flags O_RDONLY)",
        to: "= 0x4000 (flags O_RDONLY|O_DIRECT)",
        what: "F_GETFL",
    },
    // A descriptor TIOCGPTPEER made is open.
    Case {
        nth: 0,
        fixture: "c-ioctl-ptpeer.strace",
        needle: "fcntl(5, F_GETFD)",
        from: "= 0x1 (flags FD_CLOEXEC)",
        to: "= -1 EBADF (Bad file descriptor)",
        what: "F_GETFD",
    },
    // EBADF turned into success.
    Case {
        nth: 0,
        fixture: "use-after-close.strace",
        needle: "write(3, \"after close\\n\", 12)     = -1 EBADF",
        from: "= -1 EBADF (Bad file descriptor)",
        to: "= 12",
        what: "EBADF",
    },
    Case {
        nth: 0,
        fixture: "c-dup-edge.strace",
        needle: "fcntl(22, F_GETFD)                = -1 EBADF",
        from: "= -1 EBADF (Bad file descriptor)",
        to: "= 0",
        what: "F_GETFD",
    },
    // close-on-exec swept by execve (in the exec'd image).
    Case {
        nth: 0,
        fixture: "c-fork-exec.strace",
        needle: "10821 fcntl(4, F_GETFD)                 = -1 EBADF",
        from: "= -1 EBADF (Bad file descriptor)",
        to: "= 0x1 (flags FD_CLOEXEC)",
        what: "F_GETFD",
    },
    // A double close that succeeds.
    Case {
        nth: 0,
        fixture: "use-after-close.strace",
        needle: "close(3)                          = -1 EBADF",
        from: "= -1 EBADF (Bad file descriptor)",
        to: "= 0",
        what: "close",
    },
    // F_GETFD values.
    Case {
        nth: 0,
        fixture: "c-dup-edge.strace",
        needle: "fcntl(10, F_GETFD)                = 0x1 (flags FD_CLOEXEC)",
        from: "= 0x1 (flags FD_CLOEXEC)",
        to: "= 0",
        what: "F_GETFD",
    },
    Case {
        nth: 1,
        fixture: "make-j.strace",
        needle: "10970 fcntl(3, F_GETFD)                 = 0",
        from: "= 0",
        to: "= 0x1 (flags FD_CLOEXEC)",
        what: "F_GETFD",
    },
    // close_range arguments are valid.
    Case {
        nth: 0,
        fixture: "py-subprocess.strace",
        needle: "close_range(3, 9, 0)              = 0",
        from: "= 0",
        to: "= -1 EINVAL (Invalid argument)",
        what: "close_range",
    },
    // Offsets: through a dup, across fork, across SCM_RIGHTS, with decorations.
    Case {
        nth: 0,
        fixture: "c-dup-edge.strace",
        needle: "lseek(6, 0, SEEK_CUR)             = 5",
        from: "= 5",
        to: "= 4",
        what: "offset",
    },
    Case {
        nth: 0,
        fixture: "c-fork-exec.strace",
        needle: "10818 lseek(3, 0, SEEK_CUR)             = 4",
        from: "= 4",
        to: "= 5",
        what: "offset",
    },
    Case {
        nth: 0,
        fixture: "c-sockets.strace",
        needle: "10919 <... lseek resumed>)              = 5",
        from: "= 5",
        to: "= 4",
        what: "offset",
    },
    Case {
        nth: 0,
        fixture: "c-sockets.yy-tt-T.strace",
        needle: "<... lseek resumed>) = 5 <",
        from: "= 5 <",
        to: "= 6 <",
        what: "offset",
    },
];

/// Threaded logs: the altered result is reported where no order of the
/// overlapping calls explains it.
const THREADED: &[Case] = &[
    Case {
        nth: 6,
        fixture: "c-threads.strace",
        needle: "10785 <... openat resumed>)             = 6",
        from: "= 6",
        to: "= 7",
        what: "descriptor",
    },
    Case {
        nth: 7,
        fixture: "c-threads.strace",
        needle: "10785 <... fcntl resumed>)              = 64",
        from: "= 64",
        to: "= 63",
        what: "descriptor",
    },
    Case {
        nth: 1,
        fixture: "py-threads.strace",
        needle: "10713 <... close resumed>)              = 0",
        from: "= 0",
        to: "= -1 EBADF (Bad file descriptor)",
        what: "close",
    },
];

/// The 1-based number and text of the line to alter.
fn line_of(case: &Case) -> (usize, String) {
    let text = std::fs::read_to_string(fixtures().join(case.fixture)).unwrap();
    let hits: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains(case.needle))
        .collect();
    let pick = if case.nth == 0 {
        assert_eq!(
            hits.len(),
            1,
            "{}: {:?} is not unique",
            case.fixture,
            case.needle
        );
        0
    } else {
        case.nth - 1
    };
    let (i, l) = hits.get(pick).unwrap_or_else(|| {
        panic!(
            "{}: no occurrence {} of {:?}",
            case.fixture, case.nth, case.needle
        )
    });
    (i + 1, (*l).to_owned())
}

#[track_caller]
fn assert_reported_at_its_line(case: &Case) {
    let (line, text) = line_of(case);
    assert!(text.contains(case.from), "{text}");
    let (_dir, path) = edited(case.fixture, line, &text.replacen(case.from, case.to, 1));
    let (r, records, s) = check_json(&[path.to_str().unwrap()]);
    let found: Vec<(u64, &str)> = divergences(&records)
        .iter()
        .map(|d| (d.line, d.what.as_str()))
        .collect();
    assert_eq!(
        found,
        [(line as u64, case.what)],
        "{}:{line}: {} -> {}",
        case.fixture,
        case.from,
        case.to
    );
    assert_eq!(s.differ, 1);
    assert_eq!(r.code, 1, "exit status 1 for a divergence");
}

#[test]
fn one_altered_result_is_reported_at_its_line_and_only_there() {
    for case in CASES {
        assert_reported_at_its_line(case);
    }
}

#[test]
fn one_altered_result_in_a_threaded_log_is_reported_at_its_line() {
    for case in THREADED {
        assert_reported_at_its_line(case);
    }
}

#[test]
fn a_divergence_shows_the_call_both_results_and_the_table() {
    let case = &CASES[0];
    let (line, text) = line_of(case);
    let (_dir, path) = edited(case.fixture, line, &text.replacen(case.from, case.to, 1));
    let r = crate::support::run(&["check", path.to_str().unwrap()]);
    assert_eq!(r.code, 1);
    let out = &r.stdout;
    assert!(
        out.contains(&format!(":{line}: pid 10811: dup(3) = 7")),
        "{out}"
    );
    assert!(
        out.contains("descriptor: log says 7, model predicts 6"),
        "{out}"
    );
    assert!(out.contains("table of pid 10811 before the call:"), "{out}");
    assert!(out.contains("lrwx------ 3 -> edge.txt"), "{out}");
    assert!(
        out.lines().last().unwrap().contains("agree, 1 differ, "),
        "{out}"
    );
}

//! Inferences about the starting state that rest only on an allocation skipping
//! numbers are provisional (see the `infer` module): confirmed by a later use of
//! each number, else reported as unconfirmed when the log ends (`fdkit check`
//! then exits 3, never a clean 0).

use fdkit_replay::Fact;

mod common;

use common::replay;

const HEAD: &str = "1 openat(AT_FDCWD, \"f\", O_RDONLY) = 3\n1 dup(3) = 4\n";

#[test]
fn a_skipped_allocation_never_confirmed_is_reported_unconfirmed_at_its_line() {
    // The `dup(4) = 7` of a real log changed into `= 9`.
    let (s, k) = replay(&format!(
        "{HEAD}1 dup(4) = 9\n1 close(9) = 0\n1 close(4) = 0\n"
    ));
    assert_eq!(
        (s.differ, s.inferred, s.unconfirmed),
        (0, 4, 4),
        "{s:?} {:?}",
        k.inf
    );
    assert!(k.div.is_empty(), "{:?}", k.div);
    let got: Vec<(u64, Fact, bool, &str)> = k
        .inf
        .iter()
        .map(|i| (i.line, i.fact, i.unconfirmed, i.evidence.as_str()))
        .collect();
    let want: Vec<(u64, Fact, bool, &str)> = (5..9)
        .map(|fd| (3, Fact::OpenAtStart { fd }, true, "dup(4) = 9"))
        .collect();
    assert_eq!(got, want);
    assert!(s.to_string().ends_with(", 4 unconfirmed inferences"), "{s}");
}

#[test]
fn one_unconfirmed_number_is_enough() {
    // 7 is used later (it is the real result), 8 never: 8 stays unconfirmed.
    let (s, k) = replay(&format!("{HEAD}1 dup(4) = 9\n1 close(7) = 0\n"));
    assert_eq!((s.differ, s.unconfirmed), (0, 3), "{s:?}");
    assert!(k.inf.iter().all(|i| i.line == 3));
}

#[test]
fn an_inherited_fd_confirmed_by_a_later_use_stays_clean() {
    let (s, k) = replay(&format!(
        "{HEAD}1 dup(4) = 7\n1 newfstatat(5, \"\", {{st_mode=S_IFREG|0644, st_size=0, ...}}, AT_EMPTY_PATH) = 0\n\
         1 dup2(6, 1) = 1\n"
    ));
    assert_eq!((s.differ, s.inferred), (0, 2), "{s:?} {:?}", k.div);
    let got: Vec<(u64, Fact, Option<u64>)> = k
        .inf
        .iter()
        .map(|i| (i.line, i.fact, i.confirmed_by))
        .collect();
    assert_eq!(
        got,
        [
            (3, Fact::OpenAtStart { fd: 5 }, Some(4)),
            (3, Fact::OpenAtStart { fd: 6 }, Some(5)),
        ]
    );
    assert_eq!(k.inf[0].evidence, "dup(4) = 7");
}

#[test]
fn an_inference_from_a_use_needs_no_confirmation() {
    let (s, k) = replay("1 read(7, \"x\", 1) = 1\n");
    assert_eq!((s.differ, s.inferred), (0, 1), "{s:?}");
    assert_eq!(k.inf[0].confirmed_by, None);
}

#[test]
fn an_inference_contradicted_by_an_earlier_line_is_a_divergence() {
    // 5 was shown closed before the allocation that skips it.
    let (s, k) = replay(&format!(
        "{HEAD}1 fcntl(5, F_GETFD) = -1 EBADF (Bad file descriptor)\n1 dup(4) = 6\n1 close(5) = 0\n"
    ));
    assert!(k.inf.is_empty(), "{:?}", k.inf);
    assert_eq!(k.div.first().map(|d| d.line), Some(4), "{s:?}");
}

#[test]
fn a_child_using_the_number_confirms_it() {
    // Inferred numbers hold in every table that inherited them.
    let (s, k) = replay(&format!(
        "{HEAD}1 dup(4) = 6\n\
         1 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f) = 2\n\
         2 close(5) = 0\n"
    ));
    assert_eq!((s.differ, s.inferred), (0, 1), "{s:?} {:?}", k.div);
    assert_eq!(k.inf[0].confirmed_by, Some(5));
}

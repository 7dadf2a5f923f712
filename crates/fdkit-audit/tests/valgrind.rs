//! fdkit's view of what each process held at exit agrees with
//! `valgrind --track-fds=yes --trace-children=yes` on the same programs.
//!
//! # What valgrind reports, and what is compared
//!
//! valgrind prints, for every process when it exits, `FILE DESCRIPTORS: N open
//! (S std) at exit.` and then each open descriptor other than 0, 1, 2: `Open
//! file descriptor 3: PATH` (no path for pipes; `Open AF_UNIX socket ...` for
//! sockets) followed by the stack that created it, or by `<inherited from
//! parent>` when valgrind did not see it created. valgrind starts over at each
//! `execve` (with `--trace-children=yes` the new program gets its own report and
//! a `Command:` banner), but a forked child keeps the parent's records: it has no
//! banner, and the descriptors its parent made before the `fork` are listed with
//! the parent's stacks, as if the child had made them.
//!
//! fdkit's [`ExitRecord`]s hold the same facts per process: the descriptors
//! released at its exit, each with how it [`Came`] there. So, per process, like
//! with like:
//!
//! - the process: valgrind's `Command:` basename is the basename of the last
//!   `execve` fdkit saw in that process; a report without a banner is a process
//!   that never called `execve` after its `fork`;
//! - `N` is the number of descriptors fdkit's table held at exit;
//! - the descriptors other than 0, 1, 2 are the same numbers; valgrind's
//!   `<inherited from parent>` ones are exactly those that came across an
//!   `execve` (or from before the log), [`Came::Exec`]; a path valgrind names ends
//!   with the path fdkit shows (fdkit shows it as the program wrote it, valgrind
//!   absolute), and where valgrind names none fdkit's is a pipe;
//! - fdkit's `open-at-exit` findings for the process are exactly its
//!   [`Came::Own`] descriptors, and valgrind's non-inherited ones are those plus
//!   the [`Came::Fork`] ones. That one difference is principled: a child that
//!   exits without `execve` holds its parent's descriptors, which valgrind
//!   counts against the child (it runs the parent's code) and fdkit reports once,
//!   against the parent that made them (leak-c-dup2's child shows it).
//!
//! The reports compared are the checked-in `tests/fixtures/NAME.valgrind.txt`
//! (from `scripts/valgrind-fds.sh`) and, when valgrind is installed, a live run of
//! the same script into a temporary directory; without valgrind the live run is
//! skipped with a message. Both are compared with the checked-in strace logs of
//! the same programs (run the same way: same launcher, fds 0-2 only).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use fdkit_audit::{Auditor, Came, ExitRecord, Finding, Kind};
use fdkit_replay::Replay;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// One process of a valgrind report, or of fdkit's exits, in the same terms.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Debug)]
struct Held {
    /// The program's basename; `None` for a forked child that never exec'd.
    program: Option<String>,
    /// `N open` at exit.
    open: usize,
    /// Descriptors other than 0, 1, 2: (inherited, path if named).
    fds: BTreeMap<u32, (bool, Option<String>)>,
}

fn basename(p: &str) -> String {
    p.rsplit('/').next().unwrap_or(p).to_owned()
}

/// Parses a `--track-fds=yes` report: one [`Held`] per process, in report order.
fn parse_valgrind(text: &str) -> Vec<Held> {
    let mut command: BTreeMap<String, String> = BTreeMap::new();
    let mut out: Vec<(String, Held)> = Vec::new();
    let mut current: Option<(String, u32)> = None;
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("==") else {
            continue;
        };
        let Some((pid, body)) = rest.split_once("== ") else {
            continue;
        };
        let body = body.trim();
        if let Some(c) = body.strip_prefix("Command: ") {
            command.insert(pid.to_owned(), basename(c.split(' ').next().unwrap_or(c)));
        } else if let Some(r) = body.strip_prefix("FILE DESCRIPTORS: ") {
            let open = r.split(' ').next().unwrap().parse().unwrap();
            let held = Held {
                program: command.get(pid).cloned(),
                open,
                fds: BTreeMap::new(),
            };
            out.push((pid.to_owned(), held));
        } else if let Some(r) = body.strip_prefix("Open ") {
            // "file descriptor 3: /path", "file descriptor 4:", "AF_UNIX socket 5: ..."
            let (head, path) = r.split_once(':').unwrap();
            let fd: u32 = head.rsplit(' ').next().unwrap().parse().unwrap();
            let path = Some(path.trim())
                .filter(|p| p.starts_with('/'))
                .map(str::to_owned);
            let (_, held) = out.iter_mut().rev().find(|(p, _)| p == pid).unwrap();
            held.fds.insert(fd, (false, path));
            current = Some((pid.to_owned(), fd));
        } else if body == "<inherited from parent>" {
            let (p, fd) = current.clone().unwrap();
            let (_, held) = out.iter_mut().rev().find(|(q, _)| *q == p).unwrap();
            held.fds.get_mut(&fd).unwrap().0 = true;
        }
    }
    out.into_iter().map(|(_, h)| h).collect()
}

fn audit(name: &str) -> (Vec<Finding>, Vec<ExitRecord>) {
    let f = std::fs::File::open(root().join(format!("tests/fixtures/{name}.strace"))).unwrap();
    let mut replay = Replay::default();
    let mut a = Auditor::default();
    replay.run(f, &mut a, |_| {}).unwrap();
    (a.finish(), a.exits().to_vec())
}

fn fdkit_held(e: &ExitRecord) -> Held {
    Held {
        program: e.exec_line.map(|_| basename(&e.program)),
        open: e.open.len(),
        fds: e
            .open
            .iter()
            .filter(|h| h.fd > 2)
            .map(|h| (h.fd, (h.came == Came::Exec, Some(h.object.clone()))))
            .collect(),
    }
}

/// Whether valgrind's `v` and fdkit's `f` describe the same process at exit.
fn same(v: &Held, f: &Held) -> bool {
    v.program == f.program
        && v.open == f.open
        && v.fds.len() == f.fds.len()
        && v.fds.iter().all(|(fd, (inh, path))| {
            let Some((finh, fpath)) = f.fds.get(fd) else {
                return false;
            };
            let fpath = fpath.as_deref().unwrap_or("");
            let named = match path {
                Some(p) => {
                    p.ends_with(&format!("/{}", fpath.trim_start_matches("./"))) || p == fpath
                }
                None => fpath.starts_with("pipe"),
            };
            inh == finh && named
        })
}

/// Compares the report `text` of program `name` with fdkit's audit of its log.
fn compare(name: &str, text: &str) {
    let valgrind = parse_valgrind(text);
    assert!(!valgrind.is_empty(), "{name}: no FILE DESCRIPTORS section");
    let (findings, exits) = audit(name);
    let mut unmatched: Vec<(Held, &ExitRecord)> =
        exits.iter().map(|e| (fdkit_held(e), e)).collect();
    for v in &valgrind {
        let Some(i) = unmatched.iter().position(|(f, _)| same(v, f)) else {
            panic!("{name}: valgrind's {v:?} matches none of fdkit's {unmatched:#?}");
        };
        let (_, e) = unmatched.remove(i);
        // fdkit's open-at-exit findings for this process: its own descriptors.
        let mut reported: Vec<u32> = findings
            .iter()
            .filter(|f| f.kind == Kind::OpenAtExit)
            .flat_map(|f| f.places.iter().map(move |p| (p, f.fd)))
            .filter(|(p, _)| p.pid == e.pid && p.line == e.line)
            .filter_map(|(_, fd)| fd)
            .collect();
        reported.sort_unstable();
        let own: Vec<u32> = e
            .open
            .iter()
            .filter(|h| h.fd > 2 && h.came == Came::Own)
            .map(|h| h.fd)
            .collect();
        assert_eq!(reported, own, "{name}: pid {}", e.pid);
        // valgrind's not-inherited ones: fdkit's own, plus those a forked child
        // holds from its parent (the one principled difference).
        let not_inherited: Vec<u32> = v
            .fds
            .iter()
            .filter(|(_, (inh, _))| !inh)
            .map(|(fd, _)| *fd)
            .collect();
        let forked: Vec<u32> = e
            .open
            .iter()
            .filter(|h| h.fd > 2 && h.came == Came::Fork)
            .map(|h| h.fd)
            .collect();
        let mut expect = [own.clone(), forked].concat();
        expect.sort_unstable();
        assert_eq!(not_inherited, expect, "{name}: pid {}", e.pid);
    }
    assert!(
        unmatched.is_empty(),
        "{name}: processes valgrind did not report: {unmatched:#?}"
    );
}

/// The programs with a checked-in valgrind report.
fn reported() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root().join("tests/fixtures"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter_map(|n| n.strip_suffix(".valgrind.txt").map(str::to_owned))
        .collect();
    names.sort();
    names
}

#[test]
fn checked_in_valgrind_reports_agree() {
    let names = reported();
    assert!(names.len() >= 4, "{names:?}");
    for name in names {
        let text =
            std::fs::read_to_string(root().join(format!("tests/fixtures/{name}.valgrind.txt")))
                .unwrap();
        compare(&name, &text);
    }
}

#[test]
fn the_comparison_sees_each_kind_of_descriptor() {
    // Not vacuous: the reports hold an inherited descriptor (leak-c-exec's
    // secret.txt in /bin/true), an own one (leak-c-dup2's pipe end at exit) and
    // a forked child's copy of it.
    let text =
        std::fs::read_to_string(root().join("tests/fixtures/leak-c-dup2.valgrind.txt")).unwrap();
    let v = parse_valgrind(&text);
    assert_eq!(v.len(), 2);
    assert!(v.iter().all(|h| h.fds.get(&4) == Some(&(false, None))));
    assert_eq!(v.iter().filter(|h| h.program.is_none()).count(), 1);
    let text =
        std::fs::read_to_string(root().join("tests/fixtures/leak-c-exec.valgrind.txt")).unwrap();
    let v = parse_valgrind(&text);
    let t = v
        .iter()
        .find(|h| h.program.as_deref() == Some("true"))
        .unwrap();
    assert!(matches!(t.fds.get(&3), Some((true, Some(p))) if p.ends_with("/secret.txt")));
}

#[test]
#[cfg_attr(
    not(all(has_valgrind, has_gcc)),
    ignore = "needs valgrind and gcc in PATH (apt-get install valgrind gcc); \
              the checked-in reports are still compared"
)]
fn live_valgrind_agrees() {
    for tool in ["valgrind", "gcc"] {
        if let Err(e) = Command::new(tool).arg("--version").output() {
            panic!(
                "{tool} is not installed ({e}; apt-get install {tool}): \
                 CI=true requires it; elsewhere this test is ignored without it"
            );
        }
    }
    let dir = std::env::temp_dir().join(format!("fdkit-valgrind-test-{}", std::process::id()));
    let out = Command::new(root().join("scripts/valgrind-fds.sh"))
        .arg("--out")
        .arg(&dir)
        .output()
        .expect("run scripts/valgrind-fds.sh");
    assert!(
        out.status.success(),
        "valgrind-fds.sh failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut compared = 0;
    for name in reported() {
        let path = dir.join(format!("{name}.valgrind.txt"));
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        compare(&name, &text);
        compared += 1;
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(compared >= 4);
}

#[test]
fn parse_reads_paths_pipes_and_inheritance() {
    let text = "\
==7== Command: /x/bin/prog
==7== FILE DESCRIPTORS: 5 open (3 std) at exit.
==7== Open file descriptor 3: /tmp/a b.txt
==7==    <inherited from parent>
==7== Open file descriptor 4:
==7==    at 0x1: pipe2 (syscall-template.S:120)
";
    let v = parse_valgrind(text);
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].program.as_deref(), Some("prog"));
    assert_eq!(v[0].open, 5);
    assert_eq!(v[0].fds[&3], (true, Some("/tmp/a b.txt".to_owned())));
    assert_eq!(v[0].fds[&4], (false, None));
}

//! "Each flag and command name is spelled in one source file": no non-test source
//! file of the workspace may write a flag, command or constant name as a string
//! literal (`"O_CLOEXEC"`, `"F_GETFD"`, `"CLONE_FILES"` …); it takes the name from
//! `fdkit::catalog::flagset::name` instead, where the name is the identifier of the
//! constant holding its value.

use fdkit::catalog::flagset::ALL;
use std::path::{Path, PathBuf};

/// Prefixes of the name families strace prints (Linux header macro names).
const PREFIXES: &[&str] = &[
    "O_",
    "__O_",
    "F_",
    "FD_",
    "AT_",
    "CLONE_",
    "CLOSE_RANGE_",
    "SOCK_",
    "AF_",
    "PF_",
    "EFD_",
    "MFD_",
    "TFD_",
    "SFD_",
    "IN_",
    "EPOLL_",
    "FAN_",
    "MSG_",
    "SCM_",
    "SOL_",
    "SEEK_",
    "RLIMIT_",
    "RLIM_",
    "RLIM64_",
    "MAP_",
    "P_",
    "FIO",
    "TIOC",
    "FSOPEN_",
    "FSPICK_",
    "FSMOUNT_",
    "OPEN_TREE_",
    "PERF_FLAG_",
    "LANDLOCK_",
];

/// Files the check skips, with the reason. The catalogue itself spells every name.
const SKIP: &[&str] = &["crates/fdkit/src/catalog/flagset.rs"];

/// `file: "NAME"` literals allowed: only in crates that do not depend on fdkit,
/// and one panic message.
const ALLOWED: &[(&str, &str)] = &[
    // Crates without an fdkit dependency: the strace parser and the drawing crate.
    ("crates/fdkit-strace/src/args.rs", "AT_FDCWD"),
    ("crates/fdkit-draw/src/svg.rs", "FD_CLOEXEC"),
    // A panic message naming the command, in the benchmark host cases.
    ("crates/fdkit-bench/src/cases/far.rs", "F_DUPFD"),
];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The non-test part of a source file: everything before its first `#[cfg(test)]`,
/// without comment lines (doc examples may quote strace text).
fn code(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .take_while(|l| l.trim() != "#[cfg(test)]")
        .filter(|l| !l.trim_start().starts_with("//"))
}

/// The identifier-like string literals of `line`: `"O_CLOEXEC"` gives `O_CLOEXEC`.
fn literals(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut parts = line.split('"');
    parts.next();
    while let (Some(inside), Some(_)) = (parts.next(), parts.clone().next()) {
        if !inside.is_empty()
            && inside
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            out.push(inside);
        }
        parts.next();
    }
    out
}

fn is_flag_name(lit: &str) -> bool {
    let known = ALL
        .iter()
        .any(|s| s.flags.iter().chain(s.aliases).any(|(n, _)| *n == lit));
    let family = PREFIXES.iter().any(|p| {
        lit.strip_prefix(p)
            .is_some_and(|rest| rest.bytes().next().is_some_and(|b| b.is_ascii_uppercase()))
    });
    known || family
}

#[test]
fn flag_names_are_spelled_only_in_the_catalogue() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    for krate in std::fs::read_dir(root.join("crates")).unwrap().flatten() {
        sources(&krate.path().join("src"), &mut files);
    }
    files.sort();
    let mut offenders = Vec::new();
    let mut used = vec![false; ALLOWED.len()];
    for f in &files {
        let rel = f
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if SKIP.contains(&rel.as_str()) {
            continue;
        }
        let text = std::fs::read_to_string(f).unwrap();
        for (i, line) in code(&text).enumerate() {
            for lit in literals(line).into_iter().filter(|l| is_flag_name(l)) {
                match ALLOWED.iter().position(|&(af, an)| af == rel && an == lit) {
                    Some(k) => used[k] = true,
                    None => offenders.push(format!("{rel}:{}: \"{lit}\"", i + 1)),
                }
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "flag names spelled outside fdkit::catalog::flagset (use flagset::name::X):\n{}",
        offenders.join("\n")
    );
    let stale: Vec<_> = ALLOWED
        .iter()
        .zip(&used)
        .filter(|(_, u)| !**u)
        .map(|((f, n), _)| format!("{f}: \"{n}\""))
        .collect();
    if !stale.is_empty() {
        // Not a failure, so that switching a file never breaks this test.
        eprintln!(
            "allow-list entries no longer needed (remove them):\n{}",
            stale.join("\n")
        );
    }
}

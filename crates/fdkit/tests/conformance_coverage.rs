//! Keeps `tests/CONFORMANCE.md` honest: every test it names exists and cites its case
//! ID, every conformance test is listed, the counts add up, and (when the reference
//! file `shared/reference/conformance-cases.md` is found) every case ID of the
//! reference appears exactly once. CI clones only the repository, so without the
//! reference that last check is skipped with a message.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const STATUSES: [&str; 4] = ["covered", "partial", "n/a", "xref"];

/// A row of the "Cases" table: `| ID | status | tests, or why not |`.
struct Row {
    id: String,
    status: String,
    detail: String,
}

fn tests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests")
}

fn conformance_md() -> String {
    let path = tests_dir().join("CONFORMANCE.md");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The rows of the `## Cases` section.
fn case_rows(md: &str) -> Vec<Row> {
    let section = md
        .split("\n## ")
        .find(|s| s.starts_with("Cases"))
        .expect("a `## Cases` section");
    section
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| Case ") && !l.starts_with("|---"))
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').splitn(3, '|').map(str::trim).collect();
            assert_eq!(cells.len(), 3, "malformed row: {l}");
            Row {
                id: cells[0].to_string(),
                status: cells[1].to_string(),
                detail: cells[2].to_string(),
            }
        })
        .collect()
}

/// `module::function` for every `#[test]` in `tests/conformance_*.rs` (this file
/// excepted), with the text of its file.
fn conformance_tests() -> BTreeMap<String, String> {
    let mut tests = BTreeMap::new();
    let entries = std::fs::read_dir(tests_dir()).expect("tests/");
    for entry in entries {
        let path = entry.expect("entry").path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let Some(module) = name.strip_suffix(".rs") else {
            continue;
        };
        if !module.starts_with("conformance_") || module == "conformance_coverage" {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read test file");
        let mut lines = text.lines();
        while let Some(line) = lines.next() {
            if line.trim() != "#[test]" {
                continue;
            }
            for next in lines.by_ref() {
                if let Some(rest) = next.trim().strip_prefix("fn ") {
                    let f = rest.split('(').next().unwrap_or_default();
                    tests.insert(format!("{module}::{f}"), text.clone());
                    break;
                }
            }
        }
    }
    tests
}

/// The `` `module::function` `` names in a cell.
fn named_tests(cell: &str) -> Vec<&str> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .filter(|s| s.starts_with("conformance_") && s.contains("::"))
        .collect()
}

/// Finds the reference list: `$FDKIT_CONFORMANCE_CASES`, or
/// `shared/reference/conformance-cases.md` in an ancestor of the crate.
fn reference_cases() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("FDKIT_CONFORMANCE_CASES") {
        return Some(PathBuf::from(path));
    }
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|dir| dir.join("shared/reference/conformance-cases.md"))
        .find(|path| path.is_file())
}

#[test]
fn listed_tests_exist_and_cite_their_case() {
    let md = conformance_md();
    let tests = conformance_tests();
    let rows = case_rows(&md);
    assert!(!rows.is_empty());
    let mut seen = BTreeSet::new();
    for row in &rows {
        assert!(seen.insert(row.id.clone()), "{} listed twice", row.id);
        assert!(
            STATUSES.contains(&row.status.as_str()),
            "{}: unknown status {:?}",
            row.id,
            row.status
        );
        let named = named_tests(&row.detail);
        match row.status.as_str() {
            "covered" | "partial" => {
                assert!(!named.is_empty(), "{}: no test named", row.id);
                for test in named {
                    let text = tests
                        .get(test)
                        .unwrap_or_else(|| panic!("{}: no test {test}", row.id));
                    assert!(
                        text.contains(&row.id),
                        "{}: {test}'s file never cites it",
                        row.id
                    );
                }
                let partial = row.detail.contains("not covered:");
                assert_eq!(
                    partial,
                    row.status == "partial",
                    "{}: say what is not covered",
                    row.id
                );
            }
            _ => {
                assert!(
                    named.is_empty(),
                    "{}: {} but names a test",
                    row.id,
                    row.status
                );
                assert!(row.detail.len() > 10, "{}: give the reason", row.id);
            }
        }
    }
    // The counts line agrees with the table.
    let count = |status: &str| rows.iter().filter(|r| r.status == status).count();
    let line = format!(
        "{} IDs: {} covered, {} partial, {} n/a, {} xref",
        rows.len(),
        count("covered"),
        count("partial"),
        count("n/a"),
        count("xref")
    );
    assert!(md.contains(&line), "CONFORMANCE.md should say: {line}");
}

#[test]
fn every_conformance_test_is_listed() {
    let md = conformance_md();
    let tests = conformance_tests();
    assert!(tests.len() > 100, "found only {} tests", tests.len());
    for test in tests.keys() {
        assert!(
            md.contains(&format!("`{test}`")),
            "{test} is not in CONFORMANCE.md"
        );
    }
}

#[test]
fn every_reference_case_is_listed_once() {
    let Some(path) = reference_cases() else {
        eprintln!(
            "skipped: shared/reference/conformance-cases.md not found above {} \
             (set FDKIT_CONFORMANCE_CASES to check against it)",
            env!("CARGO_MANIFEST_DIR")
        );
        return;
    };
    let reference =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let want: BTreeSet<String> = reference
        .lines()
        .filter_map(|l| l.strip_prefix("- "))
        .filter_map(|l| l.split(" | ").next())
        .filter(|id| {
            id.split_once('-').is_some_and(|(family, n)| {
                !family.is_empty()
                    && family
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
                    && !n.is_empty()
                    && n.chars().all(|c| c.is_ascii_digit())
            })
        })
        .map(str::to_string)
        .collect();
    assert!(
        want.len() > 200,
        "{}: found only {} IDs",
        path.display(),
        want.len()
    );
    let got: BTreeSet<String> = case_rows(&conformance_md())
        .into_iter()
        .map(|r| r.id)
        .collect();
    let missing: Vec<_> = want.difference(&got).collect();
    let unknown: Vec<_> = got.difference(&want).collect();
    assert!(missing.is_empty(), "not in CONFORMANCE.md: {missing:?}");
    assert!(unknown.is_empty(), "not in {}: {unknown:?}", path.display());
}

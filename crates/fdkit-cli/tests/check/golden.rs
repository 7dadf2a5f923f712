//! The summary of `fdkit check` on every fixture, compared with a golden file
//! captured before the replay engine was optimised (`data/summaries.tsv`): a
//! speed-up must not move a single verdict.
//!
//! Each golden line is `FIXTURE<TAB>summary line<TAB>reordered=R bounded=B
//! inferred=I errors=E` (the last field from the `--json` summary). After a change
//! that is meant to alter verdicts, regenerate the file with
//! `FDKIT_BLESS=1 cargo test -p fdkit-cli --test cli golden` and review the diff.

use super::check_json;
use crate::support::{fixtures, logs_in, repo};

fn line_of(path: &std::path::Path) -> String {
    let name = path.file_name().unwrap().to_str().unwrap();
    let (r, _, s) = check_json(&[path.to_str().unwrap()]);
    assert!(r.code == 0 || r.code == 1, "{name}: {}", r.stderr);
    let last = r.stdout.lines().last().unwrap_or_default();
    let v: serde_json::Value = serde_json::from_str(last).unwrap();
    let text = v["data"]["text"].as_str().unwrap().to_owned();
    format!(
        "{name}\t{text}\treordered={} bounded={} inferred={} errors={}",
        s.reordered, s.bounded, s.inferred, s.errors
    )
}

#[test]
fn summaries_match_the_golden_file() {
    let golden = repo().join("crates/fdkit-cli/tests/check/data/summaries.tsv");
    let logs = logs_in(&fixtures());
    let got: Vec<String> = logs.iter().map(|p| line_of(p)).collect();
    if std::env::var_os("FDKIT_BLESS").is_some() {
        std::fs::write(&golden, got.join("\n") + "\n").unwrap();
        return;
    }
    let want = std::fs::read_to_string(&golden).unwrap();
    let want: Vec<&str> = want.lines().collect();
    assert_eq!(
        want.len(),
        got.len(),
        "fixtures added or removed: bless again"
    );
    for (w, g) in want.iter().zip(&got) {
        assert_eq!(*w, g.as_str());
    }
    // The human output ends with the same summary line.
    for (path, w) in logs.iter().zip(&want) {
        let r = crate::support::run(&["check", path.to_str().unwrap()]);
        let text = w.split('\t').nth(1).unwrap();
        assert_eq!(r.stdout.lines().last(), Some(text), "{}", path.display());
    }
}

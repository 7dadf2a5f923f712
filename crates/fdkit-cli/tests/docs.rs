//! docs/scenario-syntax.md stays true: its list of calls is exactly
//! `fdkit_scenario::CALLS` (what `fdkit run --help` prints), in that order, and
//! the README links the page.

use std::path::Path;

fn read(path: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn the_scenario_syntax_page_lists_exactly_the_calls() {
    let doc = read("docs/scenario-syntax.md");
    let block = doc
        .split("<!-- calls: begin -->")
        .nth(1)
        .and_then(|r| r.split("<!-- calls: end -->").next())
        .expect("the calls block");
    let listed: Vec<&str> = block
        .split(',')
        .map(|c| c.trim().trim_matches('`'))
        .filter(|c| !c.is_empty())
        .collect();
    assert_eq!(
        listed,
        fdkit_scenario::CALLS,
        "docs/scenario-syntax.md: the calls block must list fdkit_scenario::CALLS"
    );
    assert!(read("README.md").contains("docs/scenario-syntax.md"));
}

#[test]
fn run_help_lists_the_same_calls() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_fdkit"))
        .args(["run", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8(out.stdout).unwrap().replace('\n', " ");
    let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(help.contains(&fdkit_scenario::CALLS.join(", ")), "{help}");
}

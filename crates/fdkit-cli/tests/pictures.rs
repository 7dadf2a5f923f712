//! The pictures of issue 14: a legend, long paths shortened in the middle with
//! the whole path in a tooltip, a bounded height for real programs, and
//! `fdkit audit --svg --finding N`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fdkit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fdkit"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("run fdkit")
}

fn stdout(args: &[&str]) -> String {
    let out = fdkit(args);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The `height` attribute of the `<svg>` element.
fn height(svg: &str) -> f64 {
    let head = svg.lines().next().unwrap();
    let at = head.find(" height=\"").unwrap() + " height=\"".len();
    head[at..].split('"').next().unwrap().parse().unwrap()
}

/// Rows of each drawn table: rows are the `<rect ... height="20"` boxes after a
/// table header; counted per table by the bold numbers between headers.
fn rows_per_table(svg: &str) -> Vec<usize> {
    let mut counts = Vec::new();
    for line in svg.lines() {
        if line.contains("fill=\"#e8e8e8\"") {
            counts.push(0);
        } else if line.contains("height=\"20\"") && line.contains("font-weight=\"bold\"") {
            if let Some(c) = counts.last_mut() {
                *c += 1;
            }
        }
    }
    counts
}

#[test]
fn pictures_have_a_legend() {
    let svg = stdout(&["audit", "--svg", "tests/fixtures/leak-c-exec12.strace"]);
    assert!(svg.contains("class=\"legend\""));
    for word in [
        "high finding",
        "low finding",
        "number not open",
        "FD_CLOEXEC",
    ] {
        assert!(svg.contains(word), "{word}");
    }
    let dot = stdout(&["audit", "--dot", "tests/fixtures/leak-c-exec12.strace"]);
    assert!(dot.contains("cluster_legend") && dot.contains("high finding"));
}

#[test]
fn long_paths_are_shortened_in_the_middle_with_a_tooltip() {
    // Python's start-up opens files under its long installation prefix.
    let svg = stdout(&[
        "tables",
        "--svg",
        "--at",
        "1000",
        "tests/fixtures/py-subprocess.strace",
    ]);
    let title = svg
        .split("<title>")
        .nth(1)
        .expect("a tooltip")
        .split("</title>")
        .next()
        .unwrap();
    assert!(title.len() > 44, "{title}");
    // The shown text: the path's start, an ellipsis, its end.
    let shown = svg
        .split(&format!("<title>{title}</title>"))
        .nth(1)
        .unwrap()
        .split("</text>")
        .next()
        .unwrap()
        .rsplit('>')
        .next()
        .unwrap();
    let (head, tail) = shown.split_once('…').expect("an ellipsis");
    assert!(
        !head.is_empty() && title.starts_with(head),
        "{shown} / {title}"
    );
    assert!(
        !tail.is_empty() && title.ends_with(tail),
        "{shown} / {title}"
    );
    let dot = stdout(&[
        "tables",
        "--dot",
        "--at",
        "1000",
        "tests/fixtures/py-subprocess.strace",
    ]);
    assert!(dot.contains(&format!("tooltip=\"{title}\"")));
}

#[test]
fn a_large_program_stays_readable() {
    // Python programs: every table is cut to 20 rows and 6 processes, so a
    // panel is at most ~2,700 px high (the case was 1118x14919).
    for (args, tables) in [
        (
            vec!["audit", "--svg", "tests/fixtures/leak-py-loop.strace"],
            None,
        ),
        (
            vec!["audit", "--svg", "tests/fixtures/py-subprocess.strace"],
            None,
        ),
        (
            vec!["audit", "--svg", "tests/fixtures/py-threads.strace"],
            None,
        ),
        (
            vec![
                "tables",
                "--svg",
                "--at",
                "1640",
                "tests/fixtures/py-subprocess.strace",
            ],
            Some(()),
        ),
        (
            vec![
                "tables",
                "--svg",
                "--at",
                "7000",
                "tests/fixtures/c-threads.strace",
            ],
            Some(()),
        ),
    ] {
        let svg = stdout(&args);
        let rows = rows_per_table(&svg);
        assert!(!rows.is_empty() || tables.is_none(), "{args:?}");
        assert!(rows.iter().all(|&n| n <= 20), "{args:?}: {rows:?}");
        let panels = svg.matches("descriptor tables</text>").count().max(1);
        assert!(
            height(&svg) <= 2_800.0 * panels as f64,
            "{args:?}: {} px for {panels} panels",
            height(&svg)
        );
    }
    // leak-py-loop's last panel holds 32 descriptors: 12 are summarised.
    let svg = stdout(&["audit", "--svg", "tests/fixtures/leak-py-loop.strace"]);
    assert!(svg.contains("more not drawn)"));
}

#[test]
fn finding_n_draws_that_finding_alone() {
    let log = "tests/fixtures/leak-c-exec12.strace";
    let json = stdout(&["audit", "--json", log]);
    let findings: Vec<serde_json::Value> = json
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["type"] == "finding")
        .collect();
    assert_eq!(findings.len(), 4);
    let all = stdout(&["audit", "--svg", log]);
    for (i, f) in findings.iter().enumerate() {
        let svg = stdout(&["audit", "--svg", "--finding", &(i + 1).to_string(), log]);
        assert_eq!(svg.matches("descriptor tables</text>").count(), 1);
        let note = format!(
            "line {}: {} {}",
            f["data"]["line"],
            f["data"]["severity"].as_str().unwrap(),
            f["data"]["kind"].as_str().unwrap()
        );
        assert!(svg.contains(&note), "finding {}: {note}", i + 1);
        assert!(height(&svg) < height(&all));
    }
    let out = fdkit(&["audit", "--svg", "--finding", "5", log]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("there are 4 findings"));
    let out = fdkit(&["audit", "--finding", "1", log]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn many_processes_with_many_descriptors_are_summarised() {
    // 13 processes with 43 descriptors each: 11,806 px high before the bound.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.strace");
    let mut s = String::new();
    for i in 1..=40 {
        s.push_str(&format!(
            "openat(AT_FDCWD, \"/tmp/file{i}.txt\", O_RDWR|O_CREAT, 0644)\n"
        ));
    }
    for p in 101..=112 {
        s.push_str(&format!("fork() = {p}\n"));
    }
    std::fs::write(&path, s).unwrap();
    let svg = stdout(&["run", "--svg", path.to_str().unwrap()]);
    assert!(height(&svg) < 2_900.0, "{} px", height(&svg));
    assert_eq!(rows_per_table(&svg), [20; 6]);
    assert!(svg.contains("7 more processes not drawn: pid 106"));
    assert!(svg.contains("(23 more not drawn)"));
}

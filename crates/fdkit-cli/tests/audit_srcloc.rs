//! Source locations (issue 14's "done when"): a C program compiled with
//! `gcc -g` leaks two descriptors into a dozen execs, reads one after closing
//! it and closes it twice; `fdkit audit -- ./prog` exits 1 with a handful of
//! grouped findings naming `prog.c:LINE` for the open, the bad use and the
//! double close (from `strace -k` stacks and the binary's DWARF). Also
//! `--sarif`'s shape and `--suppressions`.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use support::fdkit;

const PROG: &str = include_str!("c/prog.c");

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The line of `prog.c` marked `/* @mark */`.
fn line_of(mark: &str) -> u32 {
    let tag = format!("/* @{mark} */");
    let i = PROG
        .lines()
        .position(|l| l.contains(&tag))
        .unwrap_or_else(|| panic!("no {tag} in prog.c"));
    i as u32 + 1
}

/// `prog.c` compiled with `-g` in a fresh directory: (directory, binary).
fn compiled() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("prog.c");
    std::fs::write(&src, PROG).unwrap();
    let bin = dir.path().join("prog");
    let cc = Command::new("gcc")
        .args(["-g", "-O0", "-o"])
        .arg(&bin)
        .arg(&src)
        .output()
        .expect("run gcc");
    assert!(cc.status.success(), "gcc: {}", text(&cc.stderr));
    (dir, bin)
}

/// `fdkit ARGS` in `dir`, standard input from /dev/null.
fn run_in(dir: &Path, args: &[&str]) -> Output {
    fdkit()
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("run fdkit")
}

/// The findings of a `--json` run.
fn findings(out: &Output) -> Vec<Value> {
    text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("a JSON line"))
        .filter(|v| v["type"] == "finding")
        .map(|v| v["data"].clone())
        .collect()
}

/// `file:line` of a JSON source, the file's last component only.
fn at(source: &Value) -> String {
    let file = source["file"].as_str().unwrap_or("?");
    let name = file.rsplit('/').next().unwrap_or(file);
    format!("{name}:{}", source["line"])
}

#[test]
#[cfg_attr(
    not(all(has_strace, has_gcc)),
    ignore = "needs strace (allowed to trace, with -k) and gcc in PATH"
)]
fn audit_of_a_compiled_program_names_its_source_lines() {
    let (dir, _bin) = compiled();
    let out = run_in(dir.path(), &["audit", "--", "./prog"]);
    let stdout = text(&out.stdout);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    let (open_log, open_data) = (line_of("open-log"), line_of("open-data"));
    let (exec, close, bad, double) = (
        line_of("exec"),
        line_of("close"),
        line_of("use"),
        line_of("double-close"),
    );
    for want in [
        format!("at {}/prog.c:{exec} (main)", dir.path().display()),
        format!("prog.c:{open_log} (main)"),
        format!("prog.c:{open_data} (main)"),
        "read(4) failed with EBADF: fd 4 (/dev/null) was closed at line".to_owned(),
        format!("prog.c:{close} (main)"),
        format!("prog.c:{bad} (main)"),
        format!("prog.c:{double} (main)"),
        "(12 times, ".to_owned(),
    ] {
        assert!(stdout.contains(&want), "no {want:?} in\n{stdout}{stderr}");
    }

    let out = run_in(dir.path(), &["audit", "--json", "--", "./prog"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    // Descriptors the test process itself may have been given (a CI runner's)
    // are one finding at most, made before the log: not the program's.
    let own: Vec<Value> = findings(&out)
        .into_iter()
        .filter(|f| f["created"]["line"] != 0)
        .collect();
    let got: Vec<String> = own
        .iter()
        .map(|f| {
            format!(
                "{} {} x{} at {} created {}{}",
                f["severity"].as_str().unwrap_or("?"),
                f["kind"].as_str().unwrap_or("?"),
                f["count"],
                at(&f["source"]),
                at(&f["created"]["source"]),
                match f["closed"]["source"].is_object() {
                    true => format!(" closed {}", at(&f["closed"]["source"])),
                    false => String::new(),
                }
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            format!("high inherited-across-exec x12 at prog.c:{exec} created prog.c:{open_log}"),
            format!("high inherited-across-exec x12 at prog.c:{exec} created prog.c:{open_data}"),
            format!("low use-after-close x1 at prog.c:{bad} created prog.c:{open_data} closed prog.c:{close}"),
            format!("low double-close x1 at prog.c:{double} created prog.c:{open_data} closed prog.c:{close}"),
        ],
        "{}",
        text(&out.stdout)
    );
    // Every place of a grouped finding has its own source.
    for p in own[0]["places"].as_array().unwrap() {
        assert_eq!(at(&p["source"]), format!("prog.c:{exec}"), "{p}");
        assert_eq!(p["fd"], 3, "{p}");
    }
}

#[test]
#[cfg_attr(
    not(all(has_strace, has_gcc)),
    ignore = "needs strace (allowed to trace, with -k) and gcc in PATH"
)]
fn sarif_has_the_shape_code_scanning_reads() {
    let (dir, _bin) = compiled();
    let out = run_in(dir.path(), &["audit", "--sarif", "--", "./prog"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let log: Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    assert_eq!(log["version"], "2.1.0");
    assert!(log["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
    let run = &log["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "fdkit");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&"double-close"), "{ids:?}");
    for r in rules {
        assert!(r["shortDescription"]["text"].is_string(), "{r}");
    }
    let results = run["results"].as_array().unwrap();
    assert!(results.len() >= 4, "{results:?}");
    let double = line_of("double-close");
    let mut seen_double = false;
    for r in results {
        // Required by SARIF 2.1.0 for a result: a message; ruleId/ruleIndex
        // pointing at a rule; a level from the enumeration.
        assert!(r["message"]["text"].is_string(), "{r}");
        let i = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], r["ruleId"], "{r}");
        assert!(
            ["error", "warning", "note", "none"].contains(&r["level"].as_str().unwrap()),
            "{r}"
        );
        let loc = &r["locations"][0]["physicalLocation"];
        let uri = loc["artifactLocation"]["uri"].as_str().unwrap();
        assert!(!uri.is_empty(), "{r}");
        if let Some(l) = loc["region"]["startLine"].as_u64() {
            assert!(l >= 1, "{r}");
        }
        for rel in r["relatedLocations"].as_array().unwrap() {
            assert!(
                rel["id"].is_u64() && rel["message"]["text"].is_string(),
                "{rel}"
            );
        }
        if r["ruleId"] == "double-close" {
            seen_double = true;
            assert!(
                uri.starts_with("file:///") && uri.ends_with("/prog.c"),
                "{uri}"
            );
            assert_eq!(loc["region"]["startLine"], double, "{r}");
            assert_eq!(r["level"], "note", "{r}");
            let funcs = &r["locations"][0]["logicalLocations"][0];
            assert_eq!(funcs["name"], "main", "{r}");
        }
    }
    assert!(seen_double, "{results:?}");
}

#[test]
#[cfg_attr(
    not(all(has_strace, has_gcc)),
    ignore = "needs strace (allowed to trace, with -k) and gcc in PATH"
)]
fn suppressions_leave_out_what_they_match() {
    let (dir, _bin) = compiled();
    let exec = line_of("exec");
    let rules = dir.path().join("fdkit.supp");
    std::fs::write(
        &rules,
        format!(
            "# the log file is passed on on purpose\n\
             kind=inherited-across-exec path=prog.log\n\
             kind=double-close,use-after-close frame=*prog.c:*  # known\n\
             kind=inherited-across-exec program=/bin/true frame=*prog.c:{exec}\n"
        ),
    )
    .unwrap();
    let out = run_in(
        dir.path(),
        &[
            "audit",
            "--json",
            "--suppressions",
            "fdkit.supp",
            "--",
            "./prog",
        ],
    );
    let own: Vec<Value> = findings(&out)
        .into_iter()
        .filter(|f| f["created"]["line"] != 0)
        .collect();
    assert!(own.is_empty(), "{}", text(&out.stdout));
    let summary = text(&out.stdout);
    assert!(summary.contains("\"suppressed\":4"), "{summary}");

    std::fs::write(&rules, "kind=inherited-across-exec pth=x\n").unwrap();
    let out = run_in(
        dir.path(),
        &["audit", "--suppressions", "fdkit.supp", "--", "./prog"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr).trim(),
        "fdkit: fdkit.supp:1:28: unknown key `pth` (kind, path, program, frame)"
    );
}

#[test]
#[cfg_attr(
    not(all(has_strace, has_gcc)),
    ignore = "needs strace (allowed to trace, with -k) and gcc in PATH"
)]
fn a_recorded_log_gives_the_same_sources_unless_the_binary_changed() {
    let (dir, _bin) = compiled();
    let args = ["audit", "--json", "--log", "prog.strace", "--", "./prog"];
    let live = run_in(dir.path(), &args);
    assert_eq!(live.status.code(), Some(1), "{}", text(&live.stderr));
    let recorded = run_in(dir.path(), &["audit", "--json", "prog.strace"]);
    // The same findings and sources (live mode also knows the descriptors it
    // was given, which a recorded log cannot show: those are left out).
    let own = |o: &Output| -> Vec<String> {
        findings(o)
            .iter()
            .filter(|f| f["created"]["line"] != 0)
            .map(|f| {
                format!(
                    "{} {} {} {}",
                    f["kind"], f["count"], f["source"], f["created"]
                )
            })
            .collect()
    };
    assert_eq!(own(&live).len(), 4, "{}", text(&live.stdout));
    assert_eq!(own(&live), own(&recorded));
    let recorded = run_in(dir.path(), &["audit", "prog.strace"]);
    let bad = line_of("use");
    assert!(
        text(&recorded.stdout).contains(&format!("prog.c:{bad} (main)")),
        "{}",
        text(&recorded.stdout)
    );

    // A log whose frames name a function the binary does not have there (the
    // program was rebuilt, or the log comes from elsewhere): no source lines
    // from the wrong binary, only binary+offset.
    let log = std::fs::read_to_string(dir.path().join("prog.strace")).unwrap();
    let changed = log.replace("/prog(main+", "/prog(other+");
    std::fs::write(dir.path().join("changed.strace"), changed).unwrap();
    let out = run_in(dir.path(), &["audit", "changed.strace"]);
    let stdout = text(&out.stdout);
    assert!(!stdout.contains("prog.c:"), "{stdout}");
    assert!(stdout.contains("/prog+0x"), "{stdout}");
    assert!(stdout.contains(" (other)"), "{stdout}");
}

/// Without `-k` stacks, a SARIF result points at the line of the log.
#[test]
fn sarif_of_a_log_without_stacks_points_at_its_lines() {
    let log =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/use-after-close.strace");
    let out = fdkit()
        .args(["audit", "--sarif"])
        .arg(&log)
        .output()
        .expect("run fdkit");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let sarif: Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let got: Vec<String> = results
        .iter()
        .map(|r| {
            let loc = &r["locations"][0]["physicalLocation"];
            let uri = loc["artifactLocation"]["uri"].as_str().unwrap();
            format!(
                "{} {} {}:{}",
                r["level"].as_str().unwrap(),
                r["ruleId"].as_str().unwrap(),
                uri.rsplit('/').next().unwrap(),
                loc["region"]["startLine"]
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            "error stale-number use-after-close.strace:36",
            "note use-after-close use-after-close.strace:33",
            "note double-close use-after-close.strace:34",
        ]
    );
    // The use after close's related locations: the creation and the close.
    let rel: Vec<u64> = results[1]["relatedLocations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            l["physicalLocation"]["region"]["startLine"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(rel, [30, 32]);
}

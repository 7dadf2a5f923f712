//! `fdkit audit`, `fdkit tables` and the pictures (`--dot`, `--svg`, also of
//! `fdkit run`), issue 6: the planted leaks of the recorded fixtures found at
//! their lines, exit statuses by `--fail-on`, JSON deserialized into typed
//! records, human output against snapshots (`UPDATE_SNAPSHOTS=1` rewrites them),
//! pictures well formed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde::Deserialize;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fdkit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fdkit"))
        .args(args)
        .current_dir(root())
        .env_remove("NO_COLOR")
        .output()
        .expect("run fdkit")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

fn log(name: &str) -> String {
    format!("tests/fixtures/{name}.strace")
}

#[track_caller]
fn snapshot(name: &str, got: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/audit")
        .join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, got).unwrap();
    }
    let want = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        got, want,
        "{name}: set UPDATE_SNAPSHOTS=1 to accept the new output"
    );
}

// ---- JSON records --------------------------------------------------------------

#[derive(Deserialize, Debug)]
#[serde(tag = "type", content = "data", rename_all = "lowercase")]
enum AuditRecord {
    Finding(Box<Finding>),
    Summary(AuditSummary),
}

#[derive(Deserialize, Debug, Clone, PartialEq)]
struct Site {
    line: u64,
    syscall: String,
}

#[derive(Deserialize, Debug, Clone)]
#[allow(dead_code)]
struct Finding {
    kind: String,
    severity: String,
    line: u64,
    pid: u32,
    fd: Option<u32>,
    object: Option<String>,
    created: Option<Site>,
    opened: Option<u64>,
    message: String,
    program: Option<String>,
    used: Option<Site>,
    syscall: Option<String>,
    closed: Option<Site>,
    bad: Option<Site>,
    reused: Option<Site>,
    before: Option<String>,
    last_use: Option<Site>,
    now: Option<String>,
    open: Option<u64>,
    shape: Option<String>,
    created_count: Option<u64>,
    closed_count: Option<u64>,
    peak: Option<u64>,
    count: usize,
    places: Vec<Place>,
}

#[derive(Deserialize, Debug, Clone, PartialEq)]
struct Place {
    line: u64,
    pid: u32,
    program: String,
}

#[derive(Deserialize, Debug)]
#[allow(dead_code)]
struct AuditSummary {
    findings: usize,
    high: usize,
    medium: usize,
    low: usize,
    info: usize,
    fail_on: String,
    failing: usize,
    processes: u64,
    lines: u64,
    divergences: u64,
    hidden: usize,
    text: String,
}

/// `fdkit audit --json`: the findings, the summary (checked to be last and
/// alone), the exit status.
fn audit_json(name: &str, extra: &[&str]) -> (Vec<Finding>, AuditSummary, Option<i32>) {
    let path = log(name);
    let mut args = vec!["audit", "--json", &path];
    args.extend_from_slice(extra);
    let out = fdkit(&args);
    assert!(out.stderr.is_empty(), "{name}: {}", text(&out.stderr));
    let records: Vec<AuditRecord> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect();
    let mut findings = Vec::new();
    let mut summary = None;
    for r in records {
        assert!(summary.is_none(), "{name}: a record after the summary");
        match r {
            AuditRecord::Finding(f) => findings.push(*f),
            AuditRecord::Summary(s) => summary = Some(s),
        }
    }
    (findings, summary.expect("a summary"), out.status.code())
}

fn site(line: u64, syscall: &str) -> Option<Site> {
    Some(Site {
        line,
        syscall: syscall.into(),
    })
}

// ---- fdkit audit ------------------------------------------------------------------

#[test]
fn audit_finds_the_c_exec_leak_at_its_line() {
    let (f, s, code) = audit_json("leak-c-exec", &[]);
    assert_eq!(code, Some(1));
    assert_eq!(f.len(), 1);
    let x = &f[0];
    assert_eq!(
        (x.kind.as_str(), x.severity.as_str()),
        ("inherited-across-exec", "high")
    );
    assert_eq!((x.line, x.pid, x.fd), (42, 10986, Some(3)));
    assert_eq!(x.object.as_deref(), Some("secret.txt"));
    assert_eq!(x.created, site(36, "openat"));
    assert_eq!(x.program.as_deref(), Some("/bin/true"));
    assert_eq!(x.used, None);
    assert!(x.message.contains("CWE-403"), "{}", x.message);
    assert_eq!((s.findings, s.high, s.failing, s.processes), (1, 1, 1, 2));
    assert_eq!(
        s.text,
        "1 finding: 1 high, 0 medium, 0 low, 0 info (2 processes, 78 lines)"
    );
}

#[test]
fn audit_finds_the_shell_leak_at_its_line() {
    let (f, _, code) = audit_json("leak-shell", &[]);
    assert_eq!(code, Some(1));
    assert_eq!(f.len(), 1);
    assert_eq!((f[0].line, f[0].fd, f[0].opened), (82, Some(5), Some(57)));
    assert_eq!(f[0].created, site(59, "dup2"));
    assert_eq!(f[0].program.as_deref(), Some("/usr/bin/cat"));
}

#[test]
fn audit_finds_the_python_loop_leak_trend_emfile_and_exit() {
    let (f, s, code) = audit_json("leak-py-loop", &[]);
    assert_eq!(code, Some(1));
    let trend = &f[0];
    assert_eq!((trend.kind.as_str(), trend.line), ("leak-trend", 328));
    assert_eq!(trend.shape.as_deref(), Some("log#.txt"));
    assert_eq!(
        (
            trend.created_count,
            trend.closed_count,
            trend.peak,
            trend.open
        ),
        (Some(44), Some(15), Some(29), Some(29))
    );
    assert_eq!(trend.created, site(305, "openat"));
    let emfile = &f[1];
    assert_eq!(
        (emfile.kind.as_str(), emfile.line, emfile.open),
        ("emfile", 405, Some(32))
    );
    assert_eq!(emfile.syscall.as_deref(), Some("openat"));
    let at_exit: Vec<&Finding> = f.iter().filter(|x| x.kind == "open-at-exit").collect();
    assert_eq!(at_exit.len(), 29);
    assert!(at_exit.iter().all(|x| x.line == 411 && x.severity == "low"));
    assert_eq!(at_exit[0].object.as_deref(), Some("log1.txt"));
    assert_eq!((s.medium, s.low), (2, 29));
}

#[test]
fn audit_finds_use_after_close_double_close_and_the_stale_number() {
    let (f, _, code) = audit_json("use-after-close", &[]);
    assert_eq!(code, Some(1));
    let kinds: Vec<(&str, u64)> = f.iter().map(|x| (x.kind.as_str(), x.line)).collect();
    // The stale write reached another file: high; the EBADFs harmed nothing.
    assert_eq!(
        kinds,
        [
            ("stale-number", 36),
            ("use-after-close", 33),
            ("double-close", 34)
        ]
    );
    let sev: Vec<&str> = f.iter().map(|x| x.severity.as_str()).collect();
    assert_eq!(sev, ["high", "low", "low"]);
    assert_eq!(f[1].closed, site(32, "close"));
    assert_eq!(f[1].syscall.as_deref(), Some("write"));
    assert_eq!(f[0].bad, site(33, "write"));
    assert_eq!(f[0].reused, site(35, "openat"));
    assert_eq!(f[0].before.as_deref(), Some("data.txt"));
}

#[test]
fn audit_finds_the_silent_dup2_close_and_the_pipe_open_at_exit() {
    let (f, _, _) = audit_json("leak-c-dup2", &[]);
    let kinds: Vec<(&str, u64)> = f.iter().map(|x| (x.kind.as_str(), x.line)).collect();
    assert_eq!(kinds, [("replaced-by-dup2", 46), ("open-at-exit", 61)]);
    assert_eq!(f[0].last_use, site(43, "dup2"));
    assert_eq!(f[0].object.as_deref(), Some("app.log"));
    assert_eq!(f[1].created, site(33, "pipe2"));
}

#[test]
fn audit_of_clean_c_is_clean() {
    let out = fdkit(&["audit", &log("clean-c")]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), "no findings (2 processes, 89 lines)\n");
    assert!(out.stderr.is_empty());
}

/// c-fork-exec leaks the pipe's fd 6 into three `execve`s: one finding, its
/// three places in JSON, "(3 times, ...)" in text.
#[test]
fn a_leak_into_several_execs_is_one_grouped_finding() {
    let (f, s, _) = audit_json("c-fork-exec", &[]);
    assert_eq!((s.findings, s.high, s.info, s.hidden), (4, 2, 2, 0));
    let six: Vec<&Finding> = f
        .iter()
        .filter(|x| x.severity == "high" && x.fd == Some(6))
        .collect();
    assert_eq!(six.len(), 1);
    let six = six[0];
    assert_eq!(
        (six.count, six.line, six.created.clone()),
        (3, 64, site(34, "pipe2"))
    );
    let places: Vec<(u64, &str)> = six
        .places
        .iter()
        .map(|p| (p.line, p.program.as_str()))
        .collect();
    assert_eq!(
        places,
        [
            (64, "/proc/self/exe"),
            (114, "/bin/true"),
            (200, "/proc/self/exe")
        ]
    );
    assert_eq!(six.places[0].pid, six.pid);
    let out = fdkit(&["audit", &log("c-fork-exec")]);
    assert!(
        text(&out.stdout).contains("(CWE-403) (3 times, lines 64\u{2013}200, in 3 processes)\n"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn kind_pid_and_min_severity_filter_before_fail_on() {
    // --min-severity high leaves the info findings out.
    let (f, s, code) = audit_json(
        "c-fork-exec",
        &["--min-severity", "high", "--fail-on", "high"],
    );
    assert!(f.iter().all(|x| x.severity == "high"), "{f:?}");
    assert_eq!((s.findings, s.hidden, s.failing, code), (2, 2, 2, Some(1)));
    let (f, s, code) = audit_json(
        "leak-py-loop",
        &["--kind", "leak-trend,emfile", "--fail-on", "medium"],
    );
    let kinds: Vec<&str> = f.iter().map(|x| x.kind.as_str()).collect();
    assert_eq!(kinds, ["leak-trend", "emfile"]);
    assert_eq!((s.findings, s.hidden, s.low, code), (2, 29, 0, Some(1)));
    let (f, _, code) = audit_json(
        "leak-py-loop",
        &["--kind", "open-at-exit", "--fail-on", "medium"],
    );
    assert_eq!(
        (f.len(), code),
        (29, Some(0)),
        "low findings only: clean at medium"
    );
    // --pid keeps a grouped finding's places in those processes.
    let (f, _, _) = audit_json("c-fork-exec", &["--pid", "10822,10825"]);
    let six = f
        .iter()
        .find(|x| x.severity == "high" && x.fd == Some(6))
        .expect("fd 6");
    assert_eq!((six.count, six.line, six.pid), (2, 114, 10822));
    assert!(six.places.iter().all(|p| [10822, 10825].contains(&p.pid)));
    assert!(f.iter().all(|x| x.places.iter().all(|p| p.pid != 10821)));
    let (f, s, code) = audit_json("c-fork-exec", &["--pid", "1"]);
    assert_eq!((f.len(), s.findings, code), (0, 0, Some(0)));
    assert!(s.text.contains("4 more left out by"), "{}", s.text);
    // A misspelt kind is a command-line error.
    let out = fdkit(&["audit", "--kind", "leaks", &log("c-fork-exec")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("possible values: inherited-across-exec"));
}

#[test]
fn fail_on_sets_the_threshold_of_exit_1() {
    let code = |name: &str, fail_on: &str| audit_json(name, &["--fail-on", fail_on]).2;
    // leak-c-dup2: one medium, one low.
    assert_eq!(code("leak-c-dup2", "high"), Some(0));
    assert_eq!(code("leak-c-dup2", "medium"), Some(1));
    assert_eq!(code("leak-c-dup2", "never"), Some(0));
    // py-subprocess: one info (a deliberate pass_fds).
    assert_eq!(audit_json("py-subprocess", &[]).2, Some(0));
    assert_eq!(code("py-subprocess", "info"), Some(1));
    let (_, s, _) = audit_json("leak-c-dup2", &["--fail-on", "medium"]);
    assert_eq!((s.fail_on.as_str(), s.failing), ("medium", 1));
}

#[test]
fn audit_human_output_matches_snapshots() {
    for name in ["use-after-close", "leak-shell", "leak-c-dup2"] {
        let out = fdkit(&["audit", "--color", "never", &log(name)]);
        assert_eq!(out.status.code(), Some(1));
        snapshot(&format!("{name}.audit.out"), &text(&out.stdout));
    }
}

#[test]
fn audit_colours_only_when_asked() {
    let out = fdkit(&["audit", "--color", "always", &log("leak-shell")]);
    assert!(text(&out.stdout).contains("\x1b[1;31mhigh (1)\x1b[0m"));
    let out = fdkit(&["audit", &log("leak-shell")]);
    assert!(!text(&out.stdout).contains('\x1b'));
}

#[test]
fn audit_reports_unparsable_lines_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.strace");
    std::fs::write(
        &path,
        "1 openat(AT_FDCWD, \"a\", O_RDONLY) = 3\n1 close(3 = 0\n1 execve(\"/bin/x\", [\"x\"], 0x1 /* 0 vars */) = 0\n",
    )
    .unwrap();
    let p = path.to_str().unwrap();
    let out = fdkit(&["audit", p]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.starts_with(&format!("fdkit: {p}:2:")), "{stderr}");
    assert!(
        stderr
            .lines()
            .last()
            .unwrap()
            .ends_with("1 line could not be parsed"),
        "{stderr}"
    );
    // The rest was audited: fd 3 survives the execve.
    assert!(text(&out.stdout).contains("inherited-across-exec"));
}

// ---- fdkit tables -----------------------------------------------------------------

#[derive(Deserialize, Debug)]
#[serde(tag = "type", content = "data", rename_all = "lowercase")]
enum TablesRecord {
    Table(Table),
    Shared(Shared),
    Summary(TablesSummary),
}

#[derive(Deserialize, Debug)]
#[allow(dead_code)]
struct Table {
    line: u64,
    pid: u32,
    tids: Vec<u32>,
    program: String,
    shared_with: Vec<u32>,
    fds: Vec<Fd>,
}

#[derive(Deserialize, Debug)]
#[allow(dead_code)]
struct Fd {
    fd: u32,
    mode: String,
    link: String,
    ofd: String,
    description: u64,
    flags: Option<String>,
    offset: Option<u64>,
    cloexec: bool,
}

#[derive(Deserialize, Debug)]
#[allow(dead_code)]
struct Shared {
    ofd: String,
    description: u64,
    link: String,
    flags: Option<String>,
    offset: Option<u64>,
    holders: Vec<Holder>,
}

#[derive(Deserialize, Debug, PartialEq)]
struct Holder {
    pid: u32,
    fd: u32,
}

#[derive(Deserialize, Debug)]
#[allow(dead_code)]
struct TablesSummary {
    line: u64,
    processes: usize,
    descriptors: usize,
    descriptions: usize,
    shared: usize,
    text: String,
}

#[test]
fn tables_show_the_leaked_descriptor_in_both_processes() {
    let out = fdkit(&["tables", "--json", &log("leak-shell"), "--at", "82"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let records: Vec<TablesRecord> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect();
    let tables: Vec<&Table> = records
        .iter()
        .filter_map(|r| match r {
            TablesRecord::Table(t) => Some(t),
            _ => None,
        })
        .collect();
    assert_eq!(
        tables.iter().map(|t| t.pid).collect::<Vec<_>>(),
        [11002, 11003]
    );
    assert_eq!(tables[1].program, "/usr/bin/cat");
    let five = |t: &Table| {
        t.fds
            .iter()
            .find(|f| f.fd == 5)
            .map(|f| (f.ofd.clone(), f.description))
    };
    assert_eq!(five(tables[0]), five(tables[1]));
    let f5 = tables[0].fds.iter().find(|f| f.fd == 5).unwrap();
    assert_eq!(
        (f5.link.as_str(), f5.mode.as_str()),
        ("held.txt", "l-wx------")
    );
    assert_eq!(
        (f5.offset, f5.flags.as_deref(), f5.cloexec),
        (Some(14), Some("O_WRONLY|O_LARGEFILE"), false)
    );
    let ten = tables[0].fds.iter().find(|f| f.fd == 10).unwrap();
    assert!(ten.cloexec);
    let shared: Vec<&Shared> = records
        .iter()
        .filter_map(|r| match r {
            TablesRecord::Shared(s) => Some(s),
            _ => None,
        })
        .collect();
    let held = shared.iter().find(|s| s.link == "held.txt").unwrap();
    assert_eq!(
        held.holders,
        [Holder { pid: 11002, fd: 5 }, Holder { pid: 11003, fd: 5 }]
    );
    let Some(TablesRecord::Summary(s)) = records.last() else {
        panic!("summary last")
    };
    assert_eq!(
        (s.line, s.processes, s.descriptors, s.shared),
        (82, 2, 9, 4)
    );
}

#[test]
fn tables_human_output_matches_snapshots() {
    let out = fdkit(&["tables", &log("leak-shell"), "--at", "82"]);
    assert_eq!(out.status.code(), Some(0));
    snapshot("leak-shell.82.tables.out", &text(&out.stdout));
    let out = fdkit(&["tables", &log("c-dup-edge"), "--at", "60", "--pid", "10811"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    snapshot("c-dup-edge.60.tables.out", &text(&out.stdout));
}

#[test]
fn tables_errors_exit_2() {
    let out = fdkit(&["tables", &log("clean-c"), "--at", "1000"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "fdkit: tests/fixtures/clean-c.strace: line 1000 is past the end of the log (89 lines)\n"
    );
    let out = fdkit(&["tables", &log("clean-c"), "--at", "10", "--pid", "4"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("pid 4 is not live at line 10 (live: "));
    let out = fdkit(&["tables", &log("clean-c"), "--at", "0"]);
    assert_eq!(out.status.code(), Some(2));
}

// ---- pictures ---------------------------------------------------------------------

/// Every tag of `svg` closed in order (a small well-formedness check: elements,
/// no stray `<` or `&` in text).
#[track_caller]
fn well_formed(svg: &str) {
    let mut stack: Vec<String> = Vec::new();
    let mut rest = svg;
    while let Some(at) = rest.find('<') {
        let text = &rest[..at];
        assert!(!text.contains('>'), "stray > in {text:?}");
        for (i, _) in text.match_indices('&') {
            let ent = &text[i..];
            assert!(
                ["&amp;", "&lt;", "&gt;", "&quot;"]
                    .iter()
                    .any(|e| ent.starts_with(e)),
                "bare & in {text:?}"
            );
        }
        let end = rest[at..].find('>').expect("unclosed tag") + at;
        let tag = &rest[at + 1..end];
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(stack.pop().as_deref(), Some(name), "mismatched </{name}>");
        } else if !tag.ends_with('/') {
            stack.push(tag.split([' ', '\n']).next().unwrap().to_owned());
        }
        rest = &rest[end + 1..];
    }
    assert!(stack.is_empty(), "unclosed: {stack:?}");
}

#[test]
fn tables_svg_draws_three_columns() {
    let out = fdkit(&["tables", "--svg", &log("leak-shell"), "--at", "82"]);
    assert_eq!(out.status.code(), Some(0));
    let svg = text(&out.stdout);
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    well_formed(&svg);
    for needle in [
        "pid 11002",
        "pid 11003",
        "/usr/bin/cat",
        "held.txt",
        "ofd D  shared by 2",
        "FD_CLOEXEC",
        "pos 14",
    ] {
        assert!(svg.contains(needle), "{needle}");
    }
    // 9 descriptors into descriptions, 5 descriptions into objects.
    assert_eq!(svg.matches("marker-end=").count(), 14);
}

#[test]
fn audit_svg_highlights_the_leak() {
    let out = fdkit(&["audit", "--svg", &log("leak-c-exec")]);
    assert_eq!(out.status.code(), Some(1));
    let svg = text(&out.stdout);
    well_formed(&svg);
    assert!(svg.contains("pid 10986 (/bin/true) after line 42"));
    // the leaked row in the high colour, with a high arrow
    assert!(svg.contains("fill=\"#fdd5d5\""));
    assert!(svg.contains("url(#arrow-high)"));
    // the parent holding the same description is drawn too
    assert!(svg.contains("pid 10985"));
    let out = fdkit(&["audit", "--svg", &log("use-after-close")]);
    let svg = text(&out.stdout);
    assert!(svg.contains("closed at line 32") && svg.contains("stroke-dasharray"));
}

#[test]
fn dot_is_graphviz_text() {
    let out = fdkit(&["audit", "--dot", &log("leak-c-exec")]);
    let dot = text(&out.stdout);
    assert!(dot.starts_with("digraph fdkit {"));
    assert_eq!(dot.matches('{').count(), dot.matches('}').count());
    assert!(
        dot.contains("p0_t0:r3:e -> p0_d3 [color=\"#c62828\"]"),
        "{dot}"
    );
    if let Ok(mut child) = Command::new("dot")
        .arg("-Tsvg")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
    {
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(dot.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
    } else {
        eprintln!("Graphviz `dot` not installed: DOT output not rendered");
    }
}

#[test]
fn run_draws_each_show_and_the_end() {
    let out = fdkit(&["run", "--svg", "examples/seed.strace"]);
    assert_eq!(out.status.code(), Some(0));
    let svg = text(&out.stdout);
    well_formed(&svg);
    assert_eq!(svg.matches("# show</text>").count(), 2);
    assert!(svg.contains("examples/seed.strace: after line 29"));
    assert!(svg.contains("ofd B  shared by 7"));
    let out = fdkit(&["run", "--dot", "examples/seed.strace"]);
    assert!(text(&out.stdout).starts_with("digraph fdkit {"));
    let out = fdkit(&["run", "--json", "--svg", "examples/seed.strace"]);
    assert_eq!(out.status.code(), Some(2));
}

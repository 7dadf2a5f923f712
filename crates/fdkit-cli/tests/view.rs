//! `fdkit view` (issue 18), in a real browser: headless Chromium driven over
//! WebDriver (chromedriver). The page is opened from disk, scrubbed with its
//! own controls (the line box, the range slider, the keyboard, the process
//! list), and the tables it shows are compared with what `fdkit tables --at
//! LINE --json` prints for the same line; findings and divergences are clicked
//! and must move the page to their lines; a log full of markup and script
//! strings must run none of them. Screenshots go to `CARGO_TARGET_TMPDIR`
//! (or `FDKIT_VIEW_SCREENSHOTS`, a directory, when set).
//!
//! Without `chromium` and `chromedriver` these tests are ignored; under
//! `CI=true` they run and fail (`build-support/tools.rs`, `has_chromium`).

#[path = "view/webdriver.rs"]
mod webdriver;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use serde_json::{json, Value};
use webdriver::Browser;

/// One browser at a time: each is a few processes, and the machine may be
/// small.
static BROWSER: Mutex<()> = Mutex::new(());

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fdkit(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_fdkit"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("run fdkit")
}

/// `fdkit view LOG -o DIR/NAME.html`; the page's path. `code`: the expected
/// exit status.
fn page(log: &str, dir: &Path, code: i32) -> PathBuf {
    let name = Path::new(log).file_stem().unwrap().to_string_lossy();
    let out = dir.join(format!("{name}.html"));
    let o = fdkit(&["view", log, "-o", out.to_str().unwrap()]);
    assert_eq!(
        o.status.code(),
        Some(code),
        "fdkit view {log}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    out
}

/// What `fdkit tables --at LINE --json` says: pid → (program, rows), each row
/// `fd mode link ofd flags offset cloexec` as one string.
fn tables_at(log: &str, line: u64) -> BTreeMap<u64, Vec<String>> {
    let o = fdkit(&["tables", log, "--at", &line.to_string(), "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut out = BTreeMap::new();
    for l in String::from_utf8(o.stdout).unwrap().lines() {
        let v: Value = serde_json::from_str(l).unwrap();
        if v["type"] != "table" {
            continue;
        }
        let d = &v["data"];
        let rows = d["fds"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                row_text(
                    f["fd"].as_u64().unwrap(),
                    f["mode"].as_str().unwrap(),
                    f["link"].as_str().unwrap(),
                    f["ofd"].as_str().unwrap(),
                    f["flags"].as_str().unwrap_or("?"),
                    &f["offset"]
                        .as_u64()
                        .map_or(String::new(), |o| o.to_string()),
                    f["cloexec"].as_bool().unwrap(),
                )
            })
            .collect();
        out.insert(d["pid"].as_u64().unwrap(), rows);
    }
    out
}

fn row_text(
    fd: u64,
    mode: &str,
    link: &str,
    ofd: &str,
    flags: &str,
    offset: &str,
    cloexec: bool,
) -> String {
    format!("{fd} {mode} {link} ofd={ofd} flags={flags} pos={offset} cloexec={cloexec}")
}

/// What the page shows: the selected process, its descriptors joined with
/// the open file description table by letter (mode, offset, flags, link).
const READ_TABLES: &str = r#"
const ofds = {};
for (const tr of document.querySelectorAll('#ofds tbody tr')) {
  const c = tr.querySelectorAll('td');
  ofds[c[0].textContent] = {mode: c[1].textContent, pos: c[2].textContent, flags: c[3].textContent, link: c[4].textContent};
}
const rows = [];
for (const tr of document.querySelectorAll('#fds tbody tr')) {
  if (tr.dataset.closed) continue;
  const c = tr.querySelectorAll('td');
  const o = ofds[c[2].textContent];
  rows.push([Number(c[0].textContent), o.mode, o.link, c[2].textContent, o.flags, o.pos, c[1].textContent !== '']);
}
const procs = Array.from(document.querySelectorAll('#proc option:not([data-gone])')).map(o => Number(o.value));
return {line: Number(document.body.dataset.line), pid: Number(document.body.dataset.pid),
        heading: document.getElementById('heading').textContent, rows, procs};
"#;

struct Shown {
    line: u64,
    pid: u64,
    heading: String,
    rows: Vec<String>,
    procs: Vec<u64>,
}

fn shown(b: &Browser) -> Shown {
    let v = b.exec(READ_TABLES, json!([]));
    let rows = v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            row_text(
                r[0].as_u64().unwrap(),
                r[1].as_str().unwrap(),
                r[2].as_str().unwrap(),
                r[3].as_str().unwrap(),
                r[4].as_str().unwrap(),
                r[5].as_str().unwrap(),
                r[6].as_bool().unwrap(),
            )
        })
        .collect();
    Shown {
        line: v["line"].as_u64().unwrap(),
        pid: v["pid"].as_u64().unwrap_or(0),
        heading: v["heading"].as_str().unwrap().to_owned(),
        rows,
        procs: v["procs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_u64().unwrap())
            .collect(),
    }
}

/// Moves the page to `line` by typing it into the line box.
fn go_to(b: &Browser, line: u64) {
    b.clear("#lineno");
    b.type_into("#lineno", &format!("{line}\u{E007}"));
    assert_eq!(shown(b).line, line, "the line box moved the page");
}

/// Chooses `pid` in the process list.
fn select(b: &Browser, pid: u64) {
    // Clicking the option chooses it (WebDriver), without leaving the list
    // open.
    b.click(&format!("#proc option[value=\"{pid}\"]"));
    assert_eq!(shown(b).pid, pid, "the process list selected {pid}");
}

/// At `line`, every live process's table on the page equals `fdkit tables`'s.
fn check_line(b: &Browser, log: &str, line: u64) {
    go_to(b, line);
    let want = tables_at(log, line);
    let live: Vec<u64> = want.keys().copied().collect();
    assert_eq!(shown(b).procs, live, "{log}: live processes at line {line}");
    for (pid, rows) in &want {
        select(b, *pid);
        let s = shown(b);
        assert_eq!(&s.rows, rows, "{log}: pid {pid} at line {line}");
        assert!(
            s.heading.starts_with(&format!("pid {pid} (")),
            "{}",
            s.heading
        );
    }
}

fn save(name: &str, png: &[u8]) {
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "{name}: not a PNG");
    let dir = std::env::var_os("FDKIT_VIEW_SCREENSHOTS")
        .map_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")), PathBuf::from);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), png).unwrap();
}

/// Lines spread over the log, plus the ones where `fdkit tables` shows the
/// most descriptors (where the tables are the most interesting).
fn sample_lines(log: &str, n: u64) -> Vec<u64> {
    let total = std::fs::read_to_string(root().join(log))
        .unwrap()
        .lines()
        .count() as u64;
    let mut lines: Vec<u64> = (1..=n).map(|i| i * total / (n + 1)).collect();
    lines.push(total);
    lines
}

#[test]
#[cfg_attr(not(has_chromium), ignore = "needs chromium and chromedriver in PATH")]
fn scrubbed_tables_are_fdkit_tables() {
    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let b = Browser::start(1500, 950);
    for (log, n) in [
        ("tests/fixtures/shell-pipeline.strace", 6),
        ("tests/fixtures/py-threads.strace", 5),
        ("tests/fixtures/py-subprocess.strace", 6),
    ] {
        let html = page(log, dir.path(), 0);
        b.open(&html);
        for line in sample_lines(log, n) {
            check_line(&b, log, line);
        }
    }
    // The slider and the keyboard move one line at a time, and the tables
    // follow.
    let log = "tests/fixtures/shell-pipeline.strace";
    b.open(&dir.path().join("shell-pipeline.html"));
    go_to(&b, 60);
    b.click("#scrub");
    let at = shown(&b).line;
    b.keys("\u{E014}\u{E014}");
    assert_eq!(shown(&b).line, at + 2, "two right arrows on the slider");
    b.click("#heading");
    b.keys("j");
    let s = shown(&b);
    assert_eq!(s.line, at + 3, "j: the next line");
    assert_eq!(s.rows, tables_at(log, s.line)[&s.pid]);
    // n: the next line of the selected process, whoever else writes between.
    let pid = s.pid;
    b.keys("n");
    let s = shown(&b);
    let text = std::fs::read_to_string(root().join(log)).unwrap();
    let next = text
        .lines()
        .enumerate()
        .skip(at as usize + 3)
        .find(|(_, l)| l.starts_with(&format!("{pid} ")))
        .map(|(i, _)| i as u64 + 1)
        .unwrap();
    assert_eq!((s.line, s.pid), (next, pid), "n: next call of pid {pid}");
    assert_eq!(s.rows, tables_at(log, s.line)[&pid]);
    // sort's `dup2(5, 1)`: its fd 1 now on the pipe to wc, marked as changed.
    go_to(&b, 77);
    select(&b, 10656);
    let changed = b.exec(
        "return Array.from(document.querySelectorAll('#fds tr.changed td.fd')).map(td => td.textContent)",
        json!([]),
    );
    assert_eq!(changed, json!(["1"]));
    save("view-pipeline.png", &b.screenshot());
    let errors: Vec<_> = b
        .console()
        .into_iter()
        .filter(|(level, _)| level == "SEVERE")
        .collect();
    assert!(errors.is_empty(), "console errors: {errors:?}");
}

#[test]
#[cfg_attr(not(has_chromium), ignore = "needs chromium and chromedriver in PATH")]
fn findings_and_divergences_link_to_their_lines() {
    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let b = Browser::start(1500, 950);
    let log = "tests/fixtures/leak-shell.strace";
    b.open(&page(log, dir.path(), 0));
    // The one finding: fd 5 (held.txt) inherited by cat at line 82.
    let n = b.exec(
        "return document.querySelectorAll('#findings li').length",
        json!([]),
    );
    assert_eq!(n, json!(1));
    b.click("#findings li button.go");
    let s = shown(&b);
    assert_eq!((s.line, s.pid), (82, 11003));
    assert!(
        s.rows
            .iter()
            .any(|r| r.starts_with("5 l-wx------ held.txt ")),
        "{:?}",
        s.rows
    );
    assert_eq!(s.rows, tables_at(log, 82)[&11003]);
    let active = b.exec(
        "return document.querySelector('#findings li.active') !== null",
        json!([]),
    );
    assert_eq!(
        active,
        json!(true),
        "the finding is marked as the current one"
    );
    save("view-finding.png", &b.screenshot());
    // Its related lines: where fd 5 was made, in the shell.
    b.click("#findings li div button.go");
    let s = shown(&b);
    assert_eq!((s.line, s.pid), (59, 11002));
    assert!(s
        .rows
        .iter()
        .any(|r| r.starts_with("5 l-wx------ held.txt ")));
    // f: the next finding from the top.
    go_to(&b, 1);
    b.click("#heading");
    b.keys("f");
    assert_eq!(shown(&b).line, 82, "f: the next finding");

    // Search by path: every descriptor made or closed on held.txt; the first
    // result is its openat, where the row is marked.
    b.type_into("#search", "held.txt");
    let results = b.exec(
        "return Array.from(document.querySelectorAll('#results li')).map(li => li.textContent)",
        json!([]),
    );
    let results = results.as_array().unwrap();
    assert!(results.len() >= 2, "{results:?}");
    assert!(
        results[0]
            .as_str()
            .unwrap()
            .contains("fd 3 opened by openat"),
        "{results:?}"
    );
    b.click("#results li button.go");
    assert_eq!(shown(&b).line, 57);
    let hit = b.exec(
        "return Array.from(document.querySelectorAll('#fds tr.hit td.fd')).map(td => td.textContent)",
        json!([]),
    );
    assert_eq!(hit, json!(["3"]));
    // By number: fd 5 (dup2 at line 59, closed when cat's table goes).
    b.clear("#search");
    b.type_into("#search", "5");
    let first = b.exec(
        "return document.querySelector('#results li button.go').dataset.line",
        json!([]),
    );
    assert_eq!(first, json!("59"));

    // A divergence: fd 3 used after its close succeeds in the log.
    let bad = dir.path().join("diverge.strace");
    std::fs::write(
        &bad,
        "100 openat(AT_FDCWD, \"/tmp/a\", O_RDONLY) = 3\n100 dup(3) = 4\n\
         100 close(3) = 0\n100 fcntl(3, F_GETFD) = 0\n100 close(4) = 0\n",
    )
    .unwrap();
    b.open(&page(bad.to_str().unwrap(), dir.path(), 0));
    let d = b.exec(
        "return Array.from(document.querySelectorAll('#divergences li')).map(li => li.textContent)",
        json!([]),
    );
    let d = d.as_array().unwrap();
    assert_eq!(d.len(), 1, "{d:?}");
    assert!(
        d[0].as_str().unwrap().contains("fcntl(3, F_GETFD)"),
        "{d:?}"
    );
    b.click("#divergences li button.go");
    let s = shown(&b);
    assert_eq!((s.line, s.pid), (4, 100));
    b.click("#heading");
    b.keys("D");
    assert_eq!(shown(&b).line, 4, "D from line 4 stays: none before it");
    go_to(&b, 1);
    b.click("#heading");
    b.keys("d");
    assert_eq!(shown(&b).line, 4, "d: the next divergence");
}

#[test]
#[cfg_attr(not(has_chromium), ignore = "needs chromium and chromedriver in PATH")]
fn seed_scenario_steps_one_call_at_a_time() {
    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let b = Browser::start(1500, 950);
    let log = "examples/seed.strace";
    b.open(&page(log, dir.path(), 0));
    let text = std::fs::read_to_string(root().join(log)).unwrap();
    // The calls of the first process (lines without `[pid N]`), in order.
    let calls: Vec<u64> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| {
            let t = l.trim_start();
            !t.is_empty() && !t.starts_with('#') && !t.starts_with('[')
        })
        .map(|(i, _)| i as u64 + 1)
        .collect();
    go_to(&b, calls[0]);
    select(&b, 0);
    assert_eq!(shown(&b).rows, tables_at(log, calls[0])[&0]);
    b.click("#heading");
    let mut visited = Vec::new();
    for _ in 1..calls.len() {
        b.keys("n");
        let s = shown(&b);
        if visited.last() == Some(&s.line) {
            break;
        }
        visited.push(s.line);
        assert_eq!(s.pid, 0);
        assert_eq!(
            s.rows,
            tables_at(log, s.line)[&0],
            "seed at line {}",
            s.line
        );
        if s.line == 15 {
            // dup3(3, 11, O_CLOEXEC): a new descriptor, close-on-exec, on the
            // description of 3, 4 and 10; the page marks it new.
            assert!(s
                .rows
                .iter()
                .any(|r| r.starts_with("11 ") && r.ends_with("cloexec=true")));
            let new = b.exec(
                "return Array.from(document.querySelectorAll('#fds tr.new td.fd')).map(td => td.textContent)",
                json!([]),
            );
            assert_eq!(new, json!(["11"]));
            save("view-seed.png", &b.screenshot());
        }
    }
    assert_eq!(visited, calls[1..], "n visits every call of the process");
    // The child: execve (line 25) swept 11, and the page shows it closed there.
    go_to(&b, 25);
    select(&b, 101);
    let s = shown(&b);
    assert_eq!(s.rows, tables_at(log, 25)[&101]);
    let closed = b.exec(
        "return Array.from(document.querySelectorAll('#fds tr.closed td.fd')).map(td => td.textContent)",
        json!([]),
    );
    assert_eq!(
        closed,
        json!(["11"]),
        "execve's sweep of fd 11 is shown at line 25"
    );
}

#[test]
#[cfg_attr(not(has_chromium), ignore = "needs chromium and chromedriver in PATH")]
fn markup_in_a_log_is_only_text() {
    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let log = "crates/fdkit-cli/tests/view/hostile.strace";
    // Line 12 is not strace's: exit 2, the page written all the same.
    let html = page(log, dir.path(), 2);
    let b = Browser::start(1500, 950);
    b.open(&html);
    let probe = r#"
      return {
        pwned: window.__pwned === undefined ? null : window.__pwned,
        scripts: document.scripts.length,
        imgs: document.images.length,
        bolds: document.querySelectorAll('b').length,
        links: document.querySelectorAll('a').length,
        ready: document.body.dataset.ready || null,
        log: Array.from(document.querySelectorAll('#log .ln')).map(d => d.textContent).join('\n'),
        title: document.title,
      };"#;
    let v = b.exec(probe, json!([]));
    assert_eq!(v["ready"], json!("1"), "the page's own script ran");
    assert_eq!(v["pwned"], Value::Null, "a script from the log ran");
    assert_eq!(
        v["scripts"],
        json!(2),
        "the data and the page's script only"
    );
    assert_eq!(
        (&v["imgs"], &v["bolds"], &v["links"]),
        (&json!(0), &json!(0), &json!(0))
    );
    let shown_log = v["log"].as_str().unwrap();
    for s in [
        "</script><script>window.__pwned=2</script>",
        "<img src=x onerror=\\\"window.__pwned=3\\\">",
        "javascript:window.__pwned=5",
        "<script>window.__pwned=8</script> this line is not strace's",
    ] {
        assert!(shown_log.contains(s), "{s} is shown as text");
    }
    assert!(v["title"].as_str().unwrap().contains("hostile.strace"));
    // The tables, the findings, the divergence and the error show the strings
    // as text too.
    go_to(&b, 9);
    select(&b, 4001);
    let s = shown(&b);
    assert_eq!(s.rows, tables_at(log, 9)[&4001]);
    assert!(
        s.heading
            .contains("/bin/<b onmouseover=window.__pwned=7>x</b>"),
        "{}",
        s.heading
    );
    b.click("#findings li button.go");
    let text = b.exec("return document.body.textContent", json!([]));
    let text = text.as_str().unwrap();
    assert!(text.contains("execve(\"/bin/<b onmouseover=window.__pwned=7>x</b>\")"));
    assert!(text.contains("read(3, \"<script>window.__pwned=6</script>\""));
    assert!(text.contains("expected a system call, signal or notice, found `<script>"));
    // Hovering and clicking through everything ran nothing either.
    for sel in [
        "#divergences li button.go",
        "#errors li button.go",
        "#log .ln",
    ] {
        b.click(sel);
    }
    let v = b.exec(probe, json!([]));
    assert_eq!(v["pwned"], Value::Null);
    assert_eq!((&v["scripts"], &v["imgs"]), (&json!(2), &json!(0)));
    let console = b.console();
    assert!(
        console
            .iter()
            .all(|(_, m)| !m.contains("Content Security Policy")),
        "nothing tried to run against the policy: {console:?}"
    );
}

// ---- without a browser: the page's data, the window, errors ---------------------

/// The JSON inside the page's data element.
fn data_of(html: &Path) -> Value {
    let page = std::fs::read_to_string(html).unwrap();
    let tag = "id=\"fdkit-data\">";
    let start = page.find(tag).expect("the data element") + tag.len();
    let end = start + page[start..].find("</script>").expect("its end");
    serde_json::from_str(&page[start..end]).expect("the data is JSON")
}

/// The tables the data holds for `line`, as [`tables_at`] writes them: what
/// the page's script reads (the last history entry at or before the line).
fn data_tables_at(d: &Value, line: u64) -> BTreeMap<u64, Vec<String>> {
    let s = |i: &Value| {
        d["strings"][i.as_u64().unwrap() as usize]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let mut out = BTreeMap::new();
    for p in d["procs"].as_array().unwrap() {
        let Some(e) = p["h"]
            .as_array()
            .unwrap()
            .iter()
            .rfind(|e| e[0].as_u64().unwrap() <= line)
        else {
            continue;
        };
        let Ok(t) = usize::try_from(e[1].as_i64().unwrap()) else {
            continue;
        };
        let rows = d["tables"][t]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                let r = &d["rows"][i.as_u64().unwrap() as usize];
                let flags = if r[5].as_i64().unwrap() < 0 {
                    "?".to_owned()
                } else {
                    s(&r[5])
                };
                row_text(
                    r[0].as_u64().unwrap(),
                    &s(&r[1]),
                    &s(&r[2]),
                    &s(&r[3]),
                    &flags,
                    &r[6].as_u64().map_or(String::new(), |o| o.to_string()),
                    r[7] == 1,
                )
            })
            .collect();
        out.insert(p["pid"].as_u64().unwrap(), rows);
    }
    out
}

#[test]
fn the_data_at_every_line_is_fdkit_tables() {
    let dir = tempfile::tempdir().unwrap();
    for log in [
        "examples/seed.strace",
        "tests/fixtures/leak-shell.strace",
        "tests/fixtures/shell-redirs.strace",
    ] {
        let d = data_of(&page(log, dir.path(), 0));
        let n = d["lines"].as_array().unwrap().len() as u64;
        let step = (n / 40).max(1);
        for line in (1..=n).filter(|l| l % step == 0 || *l == n) {
            let want = tables_at(log, line);
            assert_eq!(data_tables_at(&d, line), want, "{log} at line {line}");
        }
    }
}

#[test]
fn a_window_starts_from_the_tables_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let log = "tests/fixtures/shell-pipeline.strace";
    let out = dir.path().join("w.html");
    let o = fdkit(&[
        "view",
        log,
        "--from",
        "150",
        "--to",
        "170",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let d = data_of(&out);
    assert_eq!(d["first"], 150);
    assert_eq!(d["lines"].as_array().unwrap().len(), 21);
    assert_eq!(d["more"], true);
    for line in [149, 150, 160, 170] {
        assert_eq!(
            data_tables_at(&d, line),
            tables_at(log, line),
            "line {line}"
        );
    }
    // --max-lines cuts a long log, says so, and the page says so too.
    let o = fdkit(&[
        "view",
        log,
        "--max-lines",
        "100",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("the page shows lines 1\u{2013}100; the log goes on"),
        "{err}"
    );
    let d = data_of(&out);
    assert_eq!(d["lines"].as_array().unwrap().len(), 100);
    assert!(d["notes"][0].as_str().unwrap().contains("--from/--to"));
}

#[test]
fn the_page_goes_to_stdout_without_o() {
    let o = fdkit(&["view", "examples/seed.strace"]);
    assert!(o.status.success());
    let page = String::from_utf8(o.stdout).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>\n"));
    assert!(page.contains("Content-Security-Policy"));
    assert!(page.trim_end().ends_with("</html>"));
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    for (args, want) in [
        (
            vec!["view", "no-such.strace"],
            "fdkit: no-such.strace: cannot open",
        ),
        (
            vec!["view", "examples/seed.strace", "--from", "20", "--to", "10"],
            "fdkit: --to 10 is before --from 20",
        ),
        (
            vec!["view", "examples/seed.strace", "--from", "500"],
            "fdkit: examples/seed.strace: --from 500 is past the end of the log (29 lines)",
        ),
    ] {
        let o = fdkit(&args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with(want), "{err}");
    }
    let empty = dir.path().join("empty.strace");
    std::fs::write(&empty, "").unwrap();
    let o = fdkit(&["view", empty.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).ends_with("empty.strace: the log is empty\n"));
    let out = dir.path().join("no-dir/x.html");
    let o = fdkit(&["view", "examples/seed.strace", "-o", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot write"));
}

#[test]
#[cfg_attr(not(has_strace), ignore = "needs strace (allowed to trace) in PATH")]
fn live_mode_records_prog() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("live.html");
    let o = fdkit(&[
        "view",
        "-o",
        out.to_str().unwrap(),
        "--",
        "sh",
        "-c",
        "exec 7</dev/null; exec 7<&-",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let d = data_of(&out);
    let opened = d["events"].as_array().unwrap().iter().any(|e| {
        e[1] == "open" && e[4] == 7 && d["strings"][e[5].as_u64().unwrap() as usize] == "/dev/null"
    });
    assert!(opened, "{d}");
}

#[test]
fn findings_carry_the_stack_frames_of_their_lines() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("k.strace");
    std::fs::write(
        &log,
        "300 openat(AT_FDCWD, \"/tmp/k\", O_RDONLY) = 3\n\
          > /lib/libc.so.6(__open64+0x51) [0xf8011]\n\
          > /usr/bin/app(open_config+0x12) [0x1234]\n\
         300 clone(child_stack=NULL, flags=SIGCHLD, child_tidptr=0x7f) = 301\n\
         301 execve(\"/bin/true\", [\"true\"], 0x7ffd /* 3 vars */) = 0\n\
          > /lib/libc.so.6(execve+0x7) [0xd4ad7]\n\
         301 exit_group(0) = ?\n\
         301 +++ exited with 0 +++\n",
    )
    .unwrap();
    let d = data_of(&page(log.to_str().unwrap(), dir.path(), 0));
    let f = d["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "inherited-across-exec")
        .expect("fd 3 inherited by /bin/true");
    assert_eq!(f["line"], 5);
    assert_eq!(
        f["frames"],
        json!([
            [5, ["/lib/libc.so.6(execve+0x7) [0xd4ad7]"]],
            [
                1,
                [
                    "/lib/libc.so.6(__open64+0x51) [0xf8011]",
                    "/usr/bin/app(open_config+0x12) [0x1234]"
                ]
            ]
        ])
    );
    // Frame lines belong to no process.
    assert_eq!(d["linePids"], json!([300, -1, -1, 300, 301, -1, 301, 301]));
}

//! The page as text: the policy names exactly the page's script and style,
//! text from a log can never end the data element or become markup, and the
//! data keeps one history entry per change.

use fdkit_view::{csp, csp_hash, escape_html, json_for_script, Builder, Row, Table, SCRIPT, STYLE};
use serde_json::Value;

fn data_of(page: &str) -> Value {
    let start =
        page.find("id=\"fdkit-data\">").expect("the data element") + "id=\"fdkit-data\">".len();
    let end = start + page[start..].find("</script>").expect("its end");
    serde_json::from_str(&page[start..end]).expect("the data is JSON")
}

fn row(fd: u32, link: &str, desc: u64, letter: &str, offset: Option<u64>) -> Row {
    Row {
        fd,
        mode: "lrwx------".into(),
        link: link.into(),
        ofd: letter.into(),
        description: desc,
        flags: Some("O_RDWR".into()),
        offset,
        cloexec: fd == 11,
        object: format!("link:{link}"),
        object_label: link.into(),
    }
}

fn table(pid: u32, rows: Vec<Row>) -> Table {
    Table {
        pid,
        heading: "/bin/sh".into(),
        tids: vec![pid],
        shared_with: vec![],
        rows,
    }
}

#[test]
fn hashes_are_sha256_in_base64() {
    assert_eq!(
        csp_hash(""),
        "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
    );
    assert_eq!(
        csp_hash("abc"),
        "sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="
    );
}

#[test]
fn the_policy_allows_the_page_s_own_script_and_style_only() {
    let page = Builder::new("x", 1, 10).page();
    let policy = csp();
    assert!(page.contains(&format!("content=\"{policy}\"")));
    assert!(policy.starts_with("default-src 'none'; "));
    assert!(policy.contains(&format!("script-src '{}';", csp_hash(SCRIPT))));
    assert!(policy.contains(&format!("style-src '{}';", csp_hash(STYLE))));
    assert!(!policy.contains("unsafe"));
    // The hashed text is exactly what the elements hold.
    assert!(page.contains(&format!("<script>{SCRIPT}</script>")));
    assert!(page.contains(&format!("<style>{STYLE}</style>")));
    assert_eq!(
        page.matches("<script").count(),
        2,
        "the data and the script"
    );
}

#[test]
fn log_text_never_becomes_markup() {
    let evil = "</script><script>alert(1)</script><!-- <img src=x onerror=alert(2)> & \u{2028}";
    let mut b = Builder::new("<b>name</b>", 1, 10);
    b.line(
        1,
        &format!("100 openat(AT_FDCWD, \"{evil}\", O_RDONLY) = 3"),
    );
    b.tables(1, &[table(100, vec![row(3, evil, 1, "A", Some(0))])]);
    b.line(2, evil);
    b.error(2, format!("expected a call, found `{evil}`"));
    let page = b.page();
    // Only the page's own two elements end, and no comment opens.
    assert_eq!(page.matches("</script>").count(), 2);
    assert_eq!(page.matches("<script").count(), 2);
    assert!(!page.contains("<img"), "{page}");
    assert!(!page.contains("<!--"));
    assert!(page.contains("<title>fdkit view: &lt;b&gt;name&lt;/b&gt;</title>"));
    // The data still says exactly what the log said.
    let d = data_of(&page);
    assert_eq!(d["name"], "<b>name</b>");
    assert!(d["lines"][0].as_str().unwrap().contains(evil));
    assert_eq!(d["lines"][1], evil);
    assert!(d["strings"].as_array().unwrap().iter().any(|s| s == evil));
    assert_eq!(d["linePids"], serde_json::json!([100, -1]));
}

#[test]
fn escapes() {
    assert_eq!(
        escape_html("<a href='x'>&\"</a>"),
        "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;"
    );
    assert_eq!(json_for_script("\"</x>&\""), "\"\\u003c/x\\u003e\\u0026\"");
    let s = json_for_script(&serde_json::to_string("a\u{2028}<b>").unwrap());
    assert!(!s.contains("\u{2028}"));
    assert_eq!(serde_json::from_str::<String>(&s).unwrap(), "a\u{2028}<b>");
}

#[test]
fn one_history_entry_per_change_and_one_when_a_process_goes() {
    let mut b = Builder::new("log", 1, 100);
    let t1 = table(100, vec![row(0, "/dev/pts/0", 1, "A", None)]);
    let t2 = table(
        100,
        vec![
            row(0, "/dev/pts/0", 1, "A", None),
            row(3, "/tmp/a", 2, "B", Some(0)),
        ],
    );
    let t3 = table(
        100,
        vec![
            row(0, "/dev/pts/0", 1, "A", None),
            row(3, "/tmp/a", 2, "B", Some(5)),
        ],
    );
    let child = table(101, vec![row(0, "/dev/pts/0", 1, "A", None)]);
    for n in 1..=8 {
        b.line(n, "100 getpid() = 100");
    }
    b.tables(1, std::slice::from_ref(&t1));
    b.tables(2, std::slice::from_ref(&t1));
    b.tables(3, std::slice::from_ref(&t2));
    b.tables(4, &[t2.clone(), child.clone()]);
    b.tables(5, &[t3.clone(), child]);
    b.tables(6, std::slice::from_ref(&t3));
    b.tables(7, &[t3]);
    let d = data_of(&b.page());
    let procs = d["procs"].as_array().unwrap();
    assert_eq!(procs.len(), 2);
    let h = |i: usize| -> Vec<(u64, i64)> {
        procs[i]["h"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e[0].as_u64().unwrap(), e[1].as_i64().unwrap()))
            .collect()
    };
    let p100 = h(0);
    assert_eq!(p100.iter().map(|e| e.0).collect::<Vec<_>>(), [1, 3, 5]);
    // t1 and the child's table are one interned table.
    assert_eq!(h(1), [(4, p100[0].1), (6, -1)]);
    // Rows and strings are shared: 3 distinct rows, each string once.
    assert_eq!(d["rows"].as_array().unwrap().len(), 3);
    let strings: Vec<&str> = d["strings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    let mut unique = strings.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), strings.len());
}

#[test]
fn a_window_keeps_its_lines_and_the_tables_before_it() {
    let mut b = Builder::new("log", 3, 4);
    for n in 1..=5 {
        b.line(n, &format!("100 dup(0) = {}", n + 2));
        b.tables(n, &[table(100, vec![row(0, "/dev/pts/0", 1, "A", None)])]);
    }
    let d = data_of(&b.page());
    assert_eq!(d["first"], 3);
    assert_eq!(
        d["lines"],
        serde_json::json!(["100 dup(0) = 5", "100 dup(0) = 6"])
    );
    // The state before the window: after line 2.
    assert_eq!(d["procs"][0]["h"][0][0], 2);
}

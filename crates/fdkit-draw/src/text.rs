//! Small text helpers shared by the two outputs.

/// `A` ... `Z`, `AA`, `AB` ... (spreadsheet columns).
pub(crate) fn label(n: usize) -> String {
    let mut n = n + 1;
    let mut out = Vec::new();
    while n > 0 {
        n -= 1;
        out.push(b'A' + (n % 26) as u8);
        n /= 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// Escapes `&`, `<`, `>`, `"` for XML text and attributes (SVG, Graphviz HTML
/// labels).
pub(crate) fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c if c.is_control() => out.push('?'),
            c => out.push(c),
        }
    }
    out
}

/// Shortens `s` to at most `max` characters by an ellipsis in the middle,
/// keeping its start and, longer, its end (paths are told apart by their last
/// components): `/tmp/fdkit-fi…/run/leak-shell/held.txt`. The whole text goes
/// in a tooltip where the output has them.
pub(crate) fn clip(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max || max < 3 {
        return s.to_owned();
    }
    let keep = max - 1;
    let tail = keep * 2 / 3;
    let head = keep - tail;
    let start: String = s.chars().take(head).collect();
    let end: String = s.chars().skip(n - tail).collect();
    format!("{start}…{end}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_count_like_spreadsheet_columns() {
        assert_eq!(label(0), "A");
        assert_eq!(label(25), "Z");
        assert_eq!(label(26), "AA");
    }

    #[test]
    fn xml_escapes_markup() {
        assert_eq!(xml("a<b>&\"c\""), "a&lt;b&gt;&amp;&quot;c&quot;");
    }

    #[test]
    fn clip_elides_the_middle() {
        assert_eq!(clip("/tmp/x/held.txt", 9), "/tm…d.txt");
        assert_eq!(clip("short", 9), "short");
        let long = "/tmp/fdkit-fixtures.8gZuvG/run/leak-shell/held.txt";
        let c = clip(long, 30);
        assert_eq!(c.chars().count(), 30);
        assert!(
            c.starts_with("/tmp/fdkit") && c.ends_with("leak-shell/held.txt") && c.contains('…')
        );
    }
}

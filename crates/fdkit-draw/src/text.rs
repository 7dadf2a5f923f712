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

/// Shortens `s` to at most `max` characters, keeping its end (paths are told
/// apart by their last components): `…/run/leak-shell/held.txt`.
pub(crate) fn clip(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max || max < 2 {
        return s.to_owned();
    }
    let tail: String = s.chars().skip(n - (max - 1)).collect();
    format!("…{tail}")
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
    fn clip_keeps_the_end() {
        assert_eq!(clip("/tmp/x/held.txt", 9), "…held.txt");
        assert_eq!(clip("short", 9), "short");
    }
}

//! `str::trim` and friends with a fast path for ASCII text: strace writes ASCII, and
//! the standard functions decode characters to test the Unicode `White_Space`
//! property. Where a non-ASCII byte borders the trimmed text, the standard function
//! decides, so the results are always exactly `str::trim`'s.

/// The ASCII characters with the `White_Space` property: `\t`, `\n`, `\x0b`,
/// `\x0c`, `\r` and space (what [`char::is_whitespace`] accepts below 0x80).
#[inline]
fn ascii_ws(c: u8) -> bool {
    matches!(c, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ')
}

/// [`str::trim_start`].
#[inline]
pub fn trim_start(s: &str) -> &str {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() && ascii_ws(b[i]) {
        i += 1;
    }
    if i < b.len() && b[i] >= 0x80 {
        return s.trim_start();
    }
    &s[i..]
}

/// [`str::trim_end`].
#[inline]
pub fn trim_end(s: &str) -> &str {
    let b = s.as_bytes();
    let mut j = b.len();
    while j > 0 && ascii_ws(b[j - 1]) {
        j -= 1;
    }
    if j > 0 && b[j - 1] >= 0x80 {
        return s.trim_end();
    }
    &s[..j]
}

/// [`str::trim`].
#[inline]
pub fn trim(s: &str) -> &str {
    trim_end(trim_start(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_the_standard_functions() {
        let cases = [
            "",
            " ",
            "a",
            " a ",
            "\t\n\x0b\x0c\r a b \r\n",
            "\u{a0}a\u{a0}",
            " \u{3000}x\u{2028} ",
            "\u{85}",
            "é",
            " é ",
            "\x1c a \x1f",
            "a\u{a0} ",
            " \u{a0}",
        ];
        for s in cases {
            assert_eq!(trim(s), s.trim(), "{s:?}");
            assert_eq!(trim_start(s), s.trim_start(), "{s:?}");
            assert_eq!(trim_end(s), s.trim_end(), "{s:?}");
        }
    }
}

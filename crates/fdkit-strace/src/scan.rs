//! Byte-level scanning: finding the end of an argument list or of one argument
//! without building anything.
//!
//! Read this first: everything else in the crate locates text with these functions,
//! then slices. The scanner knows four kinds of opaque runs that may hold any
//! bracket: `"strings"` (with `\` escapes), `/* comments */`, and `<decorations>`
//! such as `3</tmp/a>` or `7</dev/pts/0<char 136:0>>` (strace escapes `<` and `>`
//! inside paths as `\74` and `\76`, so only nested decorations open another `<`).
//! Around those it balances `()`, `[]` and `{}` on a 2-bit-per-level stack held in a
//! `u128`, so nesting is capped at [`MAX_DEPTH`] and no memory is allocated.

use crate::error::{Error, ErrorKind};

/// The deepest bracket nesting the parser accepts; deeper input is an
/// [`ErrorKind::TooDeep`] error rather than a stack overflow.
pub const MAX_DEPTH: usize = 64;

/// Stop at a `,` at depth 0.
pub(crate) const STOP_COMMA: u8 = 1;
/// Stop at a `)`, `]` or `}` at depth 0 instead of reporting it unbalanced.
pub(crate) const STOP_CLOSE: u8 = 2;

/// Where a scan stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stop {
    /// Index of the stopping byte, or the text's length at the end.
    pub pos: usize,
    /// Brackets still open at `pos` (only nonzero at the end of the text).
    pub depth: usize,
}

/// Bytes the scanner must look at; all others are skipped in a tight loop.
static SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    let s = b"\"()[]{},</";
    while i < s.len() {
        t[s[i] as usize] = true;
        i += 1;
    }
    t
};

fn kind(open: u8) -> u128 {
    match open {
        b'(' => 0,
        b'[' => 1,
        _ => 2,
    }
}

fn closer(kind: u128) -> &'static str {
    match kind {
        0 => "`)`",
        1 => "`]`",
        _ => "`}`",
    }
}

/// Scans `text` from `start` for a depth-0 stop byte (per `stops`), skipping
/// strings, comments and decorations and checking that brackets match.
///
/// Reaching the end is not an error here: the caller decides whether brackets
/// left open (`Stop::depth`) are acceptable.
pub(crate) fn scan(text: &str, start: usize, stops: u8) -> Result<Stop, Error> {
    let b = text.as_bytes();
    let mut stack: u128 = 0;
    let mut depth = 0usize;
    let mut i = start;
    while i < b.len() {
        // Skip uninteresting bytes in one tight, bounds-check-free loop.
        match b[i..].iter().position(|&c| SPECIAL[c as usize]) {
            Some(k) => i += k,
            None => break,
        }
        let c = b[i];
        match c {
            b'"' => {
                i = skip_string(text, i)?;
                continue;
            }
            b'(' | b'[' | b'{' => {
                if depth >= MAX_DEPTH {
                    return Err(Error::at(ErrorKind::TooDeep, text, i, "shallower nesting"));
                }
                stack = (stack << 2) | kind(c);
                depth += 1;
            }
            b')' | b']' | b'}' => {
                if depth == 0 {
                    if stops & STOP_CLOSE != 0 {
                        return Ok(Stop { pos: i, depth });
                    }
                    return Err(Error::at(
                        ErrorKind::Unbalanced,
                        text,
                        i,
                        "an opening bracket before it",
                    ));
                }
                if stack & 3 != kind(open_of(c)) {
                    return Err(Error::at(ErrorKind::Unbalanced, text, i, closer(stack & 3)));
                }
                stack >>= 2;
                depth -= 1;
            }
            b',' if depth == 0 && stops & STOP_COMMA != 0 => return Ok(Stop { pos: i, depth }),
            b'<' if opens_angle(b, i) => {
                i = skip_angle(text, i)?;
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = skip_comment(text, i)?;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    Ok(Stop {
        pos: b.len(),
        depth,
    })
}

fn open_of(close: u8) -> u8 {
    match close {
        b')' => b'(',
        b']' => b'[',
        _ => b'{',
    }
}

/// Whether the `<` at `i` opens a decoration (`3</a>`, `1234<sh>`,
/// `<... resuming ...>`) rather than being an operator (`1<<3`, `a < b`, `<=`).
pub(crate) fn opens_angle(b: &[u8], i: usize) -> bool {
    let next_ok = matches!(b.get(i + 1), Some(&n) if n != b'<' && n != b'=' && n != b' ');
    let prev_ok = i == 0 || b[i - 1] != b'<';
    next_ok && prev_ok
}

/// Given `"` at `i`, returns the index just past the closing quote.
pub(crate) fn skip_string(text: &str, i: usize) -> Result<usize, Error> {
    let b = text.as_bytes();
    let mut j = i + 1;
    while let Some(k) = memchr::memchr2(b'"', b'\\', &b[j.min(b.len())..]) {
        let at = j + k;
        if b[at] == b'"' {
            return Ok(at + 1);
        }
        j = at + 2;
        if j > b.len() {
            break;
        }
    }
    Err(Error::at(
        ErrorKind::Unterminated,
        text,
        i,
        "a closing `\"`",
    ))
}

/// Given `/*` at `i`, returns the index just past `*/`.
pub(crate) fn skip_comment(text: &str, i: usize) -> Result<usize, Error> {
    match memchr::memmem::find(&text.as_bytes()[i + 2..], b"*/") {
        Some(k) => Ok(i + 2 + k + 2),
        None => Err(Error::at(
            ErrorKind::Unterminated,
            text,
            i,
            "a closing `*/`",
        )),
    }
}

/// Given an opening `<` at `i`, returns the index just past its matching `>`.
///
/// Inside, only `\` escapes, nested `<` and `>` count; `->` followed by a digit or
/// `[` is the arrow of a socket pair (`TCP:[1.2.3.4:80->5.6.7.8:99]`), not a close.
pub(crate) fn skip_angle(text: &str, i: usize) -> Result<usize, Error> {
    let b = text.as_bytes();
    let mut depth = 1usize;
    let mut j = i + 1;
    while j < b.len() {
        let Some(k) = memchr::memchr3(b'\\', b'<', b'>', &b[j..]) else {
            break;
        };
        let at = j + k;
        match b[at] {
            b'\\' => j = at + 2,
            b'<' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(Error::at(ErrorKind::TooDeep, text, at, "shallower nesting"));
                }
                j = at + 1;
            }
            _ => {
                let arrow = b[at - 1] == b'-'
                    && matches!(b.get(at + 1), Some(n) if n.is_ascii_digit() || *n == b'[');
                j = at + 1;
                if !arrow {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(j);
                    }
                }
            }
        }
    }
    Err(Error::at(ErrorKind::Unterminated, text, i, "a closing `>`"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn stop(text: &str, stops: u8) -> (usize, usize) {
        let s = scan(text, 0, stops).unwrap_or_else(|e| panic!("scan({text:?}): got {e}"));
        (s.pos, s.depth)
    }

    #[track_caller]
    fn fails(text: &str, stops: u8) -> ErrorKind {
        match scan(text, 0, stops) {
            Ok(s) => panic!("scan({text:?}): got {s:?}, want an error"),
            Err(e) => e.kind(),
        }
    }

    // ---- brackets -------------------------------------------------------------

    #[test]
    fn scan_stops_at_top_level_comma_only() {
        assert_eq!(stop("[3, 4], 0", STOP_COMMA), (6, 0));
        assert_eq!(stop("{a=1, b=[2, 3]}, x", STOP_COMMA), (15, 0));
        assert_eq!(stop("f(1, 2)", STOP_COMMA), (7, 0));
    }

    #[test]
    fn scan_stops_at_unmatched_close_when_asked() {
        assert_eq!(stop("3, [4])  = 0", STOP_CLOSE), (6, 0));
        assert_eq!(fails("3)", 0), ErrorKind::Unbalanced);
    }

    #[test]
    fn scan_reports_mismatch_and_open_depth() {
        assert_eq!(fails("[1, 2)", 0), ErrorKind::Unbalanced);
        assert_eq!(stop("{a=[1", 0), (5, 2));
    }

    #[test]
    fn scan_caps_depth() {
        let deep = "[".repeat(MAX_DEPTH + 1);
        assert_eq!(fails(&deep, 0), ErrorKind::TooDeep);
        let ok = "[".repeat(MAX_DEPTH);
        assert_eq!(stop(&ok, 0), (MAX_DEPTH, MAX_DEPTH));
    }

    // ---- opaque runs ----------------------------------------------------------

    #[test]
    fn scan_skips_strings_with_escapes() {
        assert_eq!(stop(r#""a,)\"b\\", 1"#, STOP_COMMA), (10, 0));
        assert_eq!(fails(r#""abc\""#, 0), ErrorKind::Unterminated);
        assert_eq!(fails("\"abc\\", 0), ErrorKind::Unterminated);
    }

    #[test]
    fn scan_skips_comments() {
        assert_eq!(stop("0x7ffc /* 3, ) vars */, 1", STOP_COMMA), (22, 0));
        assert_eq!(fails("1 /* open", 0), ErrorKind::Unterminated);
    }

    #[test]
    fn scan_skips_decorations() {
        assert_eq!(stop("3</tmp/a(b,c>, 1", STOP_COMMA), (13, 0));
        assert_eq!(stop("7</dev/pts/0<char 136:0>>, 1", STOP_COMMA), (25, 0));
        let tcp = "6<TCP:[127.0.0.1:80->127.0.0.1:4321]>, 1";
        assert_eq!(stop(tcp, STOP_COMMA), (37, 0));
        assert_eq!(stop("3</tmp/p\\74a\\76b>, 1", STOP_COMMA), (17, 0));
        assert_eq!(stop("3</tmp/a->, 1", STOP_COMMA), (10, 0));
        assert_eq!(fails("3</tmp/a, 1", 0), ErrorKind::Unterminated);
    }

    #[test]
    fn scan_treats_shift_and_compare_as_operators() {
        assert_eq!(stop("1<<3, 2", STOP_COMMA), (4, 0));
        assert_eq!(stop("{a < b}, 2", STOP_COMMA), (7, 0));
        assert_eq!(stop("x<=3, 2", STOP_COMMA), (4, 0));
    }
}

//! [`Outcome`]: what follows ` = ` on a finished call.

use std::borrow::Cow;
use std::fmt;

use crate::error::{Error, ErrorKind};
use crate::scan;
use crate::value::{self, Value};

/// The result of a system call as strace printed it after ` = `.
///
/// | strace writes | value | errno | detail | tail |
/// |---|---|---|---|---|
/// | `3` | `3` | | | |
/// | `3</tmp/a>` | `3</tmp/a>` | | | |
/// | `0x1 (flags FD_CLOEXEC)` | `0x1` | | `flags FD_CLOEXEC` | |
/// | `2 ([{fd=3, revents=POLLIN}])` | `2` | | `[{fd=3, revents=POLLIN}]` | |
/// | `-1 EBADF (Bad file descriptor)` | `-1` | `EBADF` | `Bad file descriptor` | |
/// | `-1 EBADF (Bad file descriptor) (INJECTED)` | `-1` | `EBADF` | `Bad file descriptor` | `(INJECTED)` |
/// | `0 (DELAYED)` | `0` | | | `(DELAYED)` |
/// | `? ERESTARTSYS (To be restarted if SA_RESTART is set)` | | `ERESTARTSYS` | `To be ...` | |
/// | `?` | | | | |
/// | `? <unavailable>` | | | | `<unavailable>` |
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Outcome<'a> {
    value: Option<Cow<'a, str>>,
    errno: Option<Cow<'a, str>>,
    detail: Option<Cow<'a, str>>,
    tail: Option<Cow<'a, str>>,
}

impl<'a> Outcome<'a> {
    /// A successful return of `value`, printed in decimal.
    pub fn returned(value: i64) -> Outcome<'static> {
        Outcome {
            value: Some(Cow::Owned(value.to_string())),
            errno: None,
            detail: None,
            tail: None,
        }
    }

    /// A successful return written as given, e.g. `0x1` or `3</tmp/a>`, with an
    /// optional parenthesised detail such as `flags FD_CLOEXEC`.
    pub fn returned_text(
        value: impl Into<Cow<'a, str>>,
        detail: Option<Cow<'a, str>>,
    ) -> Outcome<'a> {
        Outcome {
            value: Some(value.into()),
            errno: None,
            detail,
            tail: None,
        }
    }

    /// A failure `-1 ERRNO (message)`, e.g. `failed("EBADF", "Bad file descriptor")`.
    pub fn failed(errno: impl Into<Cow<'a, str>>, message: impl Into<Cow<'a, str>>) -> Outcome<'a> {
        Outcome {
            value: Some(Cow::Borrowed("-1")),
            errno: Some(errno.into()),
            detail: Some(message.into()),
            tail: None,
        }
    }

    /// An outcome from its four parts as [`Outcome::parse`] splits them (each
    /// `None` where the text has none): what a caller that kept the parts' places
    /// in a line (to hand a parsed line to another thread, say) puts back together.
    /// `from_parts(o.value(), o.errno(), o.detail(), o.tail())` equals `o`.
    pub fn from_parts(
        value: Option<&'a str>,
        errno: Option<&'a str>,
        detail: Option<&'a str>,
        tail: Option<&'a str>,
    ) -> Outcome<'a> {
        Outcome {
            value: value.map(Cow::Borrowed),
            errno: errno.map(Cow::Borrowed),
            detail: detail.map(Cow::Borrowed),
            tail: tail.map(Cow::Borrowed),
        }
    }

    /// `?`: the call did not return (`exit_group`, `execve` replaced by another thread).
    pub fn unknown() -> Outcome<'static> {
        Outcome {
            value: None,
            errno: None,
            detail: None,
            tail: None,
        }
    }

    /// Parses the text after ` = ` (without a `-T` duration), e.g.
    /// `-1 ENOENT (No such file or directory)`.
    pub fn parse(text: &'a str) -> Result<Outcome<'a>, Error> {
        parse_at(text, 0)
    }

    /// The returned value as written (`3`, `0x7f00`, `3</tmp/a>`), `None` for `?`.
    pub fn value(&self) -> Option<&str> {
        self.value.as_deref()
    }

    /// The returned value as an integer, ignoring a `-y` decoration; `None` for
    /// `?` or a value that is not an integer.
    pub fn int(&self) -> Option<i64> {
        let v = self.value.as_deref()?;
        let end = v.find('<').unwrap_or(v.len());
        value::parse_int_token(&v[..end]).and_then(|(v, _)| i64::try_from(v).ok())
    }

    /// The returned value parsed as a [`Value`] (e.g. a [`Value::Decorated`] fd).
    pub fn parsed_value(&self) -> Option<Result<Value<'_>, Error>> {
        self.value.as_deref().map(Value::parse)
    }

    /// The error name (`EBADF`, `ERESTARTSYS`), if the call failed or was interrupted.
    pub fn errno(&self) -> Option<&str> {
        self.errno.as_deref()
    }

    /// The text inside the first parentheses: the error message, or what strace
    /// decoded from the return (`flags O_RDWR`, `[{fd=3, revents=POLLIN}]`, `Timeout`).
    pub fn detail(&self) -> Option<&str> {
        self.detail.as_deref()
    }

    /// Anything after that: `(INJECTED)`, `(DELAYED)`, `<unavailable>`.
    pub fn tail(&self) -> Option<&str> {
        self.tail.as_deref()
    }

    /// Whether the call failed: an errno other than the `ERESTART*` family, which
    /// strace shows for calls interrupted by a signal and restarted.
    pub fn is_error(&self) -> bool {
        self.errno
            .as_deref()
            .is_some_and(|e| !e.starts_with("ERESTART"))
    }

    /// Copies borrowed text so the outcome outlives its line.
    pub fn into_owned(self) -> Outcome<'static> {
        let own = |c: Option<Cow<'_, str>>| c.map(|c| Cow::Owned(c.into_owned()));
        Outcome {
            value: own(self.value),
            errno: own(self.errno),
            detail: own(self.detail),
            tail: own(self.tail),
        }
    }
}

/// Parses `text`, found at 0-based byte `offset` of its line.
pub(crate) fn parse_at(text: &str, offset: usize) -> Result<Outcome<'_>, Error> {
    let err = |kind, at, expected| Error::at(kind, text, at, expected).shifted(offset);
    let b = text.as_bytes();
    let mut i;
    let value = if b.first() == Some(&b'?') {
        i = 1;
        None
    } else {
        if !matches!(b.first(), Some(c) if c.is_ascii_digit() || *c == b'-') {
            return Err(err(ErrorKind::Syntax, 0, "a return value"));
        }
        i = value_end(text).map_err(|e| e.shifted(offset))?;
        Some(Cow::Borrowed(&text[..i]))
    };
    i = skip_spaces(b, i);
    let mut errno = None;
    if b.get(i) == Some(&b'E') {
        let n = b[i..]
            .iter()
            .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || **c == b'_')
            .count();
        errno = Some(Cow::Borrowed(&text[i..i + n]));
        i = skip_spaces(b, i + n);
    }
    let mut detail = None;
    let annotation =
        |at: usize| text[at..].starts_with("(INJECTED)") || text[at..].starts_with("(DELAYED)");
    if b.get(i) == Some(&b'(') && !annotation(i) {
        let end = group_end(text, i).map_err(|e| e.shifted(offset))?;
        detail = Some(Cow::Borrowed(&text[i + 1..end - 1]));
        i = skip_spaces(b, end);
    }
    let mut tail = None;
    // A `#` after the result starts a comment, as in a scenario file (`dup(3) = 4
    // # the lowest free number`); strace itself never writes one there.
    if i < b.len() && b[i] != b'#' {
        if !matches!(b[i], b'(' | b'<') {
            return Err(err(ErrorKind::Syntax, i, "`(` or end of line"));
        }
        let rest = text[i..].trim_end();
        let mut j = i;
        let mut end = i + rest.len();
        while j < end {
            j = match b[j] {
                b'(' => group_end(text, j),
                b'<' => scan::skip_angle(text, j),
                b'#' => {
                    end = j;
                    break;
                }
                _ => return Err(err(ErrorKind::Syntax, j, "`(` or end of line")),
            }
            .map_err(|e| e.shifted(offset))?;
            j = skip_spaces(b, j);
        }
        tail = Some(Cow::Borrowed(text[i..end].trim_end()));
    }
    Ok(Outcome {
        value,
        errno,
        detail,
        tail,
    })
}

fn skip_spaces(b: &[u8], mut i: usize) -> usize {
    while b.get(i) == Some(&b' ') {
        i += 1;
    }
    i
}

/// End of the return value token: up to a space outside `<decorations>`.
fn value_end(text: &str) -> Result<usize, Error> {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() && b[i] != b' ' {
        if b[i] == b'<' && scan::opens_angle(b, i) {
            i = scan::skip_angle(text, i)?;
        } else {
            i += 1;
        }
    }
    Ok(i)
}

/// Given `(` at `i`, the index past its matching `)`.
fn group_end(text: &str, i: usize) -> Result<usize, Error> {
    let stop = scan::scan(text, i + 1, scan::STOP_CLOSE)?;
    if stop.pos >= text.len() || text.as_bytes()[stop.pos] != b')' {
        return Err(Error::at(ErrorKind::Unbalanced, text, stop.pos, "`)`"));
    }
    Ok(stop.pos + 1)
}

impl fmt::Display for Outcome<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.value.as_deref().unwrap_or("?"))?;
        if let Some(e) = &self.errno {
            write!(f, " {e}")?;
        }
        if let Some(d) = &self.detail {
            write!(f, " ({d})")?;
        }
        if let Some(t) = &self.tail {
            write!(f, " {t}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn parse(text: &str) -> Outcome<'_> {
        let o = Outcome::parse(text).unwrap_or_else(|e| panic!("parse({text:?}): got {e}"));
        assert_eq!(o.to_string(), text, "print(parse({text:?}))");
        o
    }

    #[test]
    fn parses_success_forms() {
        assert_eq!(parse("3").int(), Some(3));
        let o = parse("3</tmp/a>");
        assert_eq!((o.value(), o.int()), (Some("3</tmp/a>"), Some(3)));
        let o = parse("0x1 (flags FD_CLOEXEC)");
        assert_eq!((o.int(), o.detail()), (Some(1), Some("flags FD_CLOEXEC")));
        let o = parse("2 ([{fd=3, revents=POLLIN}])");
        assert_eq!(o.detail(), Some("[{fd=3, revents=POLLIN}]"));
        assert!(!o.is_error());
        assert_eq!(parse("3</memfd:m>(deleted)").int(), Some(3));
        assert_eq!(parse("0x7f69a03d2000").int(), Some(0x7f69a03d2000));
        assert_eq!(parse("3</tmp/sp ace>").int(), Some(3));
    }

    #[test]
    fn parses_failure_and_unknown_forms() {
        let o = parse("-1 EBADF (Bad file descriptor)");
        assert_eq!(
            (o.int(), o.errno(), o.detail()),
            (Some(-1), Some("EBADF"), Some("Bad file descriptor"))
        );
        assert!(o.is_error());
        let o = parse("? ERESTARTSYS (To be restarted if SA_RESTART is set)");
        assert_eq!((o.value(), o.errno()), (None, Some("ERESTARTSYS")));
        assert!(!o.is_error());
        assert_eq!(parse("?"), Outcome::unknown());
        assert_eq!(parse("? <unavailable>").tail(), Some("<unavailable>"));
        assert_eq!(
            parse("-1 EBADF (Bad file descriptor) (INJECTED)").tail(),
            Some("(INJECTED)")
        );
    }

    #[test]
    fn rejects_garbage() {
        let e = Outcome::parse("3 garbage").unwrap_err();
        assert_eq!((e.kind(), e.column()), (ErrorKind::Syntax, 3));
        let e = Outcome::parse("abc").unwrap_err();
        assert_eq!((e.kind(), e.column()), (ErrorKind::Syntax, 1));
        let e = Outcome::parse("0 (Timeout").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unbalanced);
    }

    #[test]
    fn parts_put_back_together_equal_the_parse() {
        for text in [
            "3",
            "-1 EBADF (Bad file descriptor) (INJECTED)",
            "? <unavailable>",
            "?",
        ] {
            let o = parse(text);
            assert_eq!(
                Outcome::from_parts(o.value(), o.errno(), o.detail(), o.tail()),
                o
            );
        }
    }

    #[test]
    fn builders_print_like_strace() {
        assert_eq!(Outcome::returned(3).to_string(), "3");
        assert_eq!(
            Outcome::failed("EBADF", "Bad file descriptor").to_string(),
            "-1 EBADF (Bad file descriptor)"
        );
        assert_eq!(Outcome::unknown().to_string(), "?");
        let o = Outcome::returned_text("0x1", Some("flags FD_CLOEXEC".into()));
        assert_eq!(o.to_string(), "0x1 (flags FD_CLOEXEC)");
    }
}

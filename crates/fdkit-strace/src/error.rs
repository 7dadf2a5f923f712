//! The parser's one error type: what went wrong, where, and what was seen there.

use std::borrow::Cow;
use std::fmt;

/// The category of an [`Error`].
///
/// New categories may be added; match with a wildcard arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The text does not follow strace's grammar at this point.
    Syntax,
    /// A `"` string, `/* */` comment or `<...>` decoration is not closed.
    Unterminated,
    /// A bracket is closed by the wrong kind, or never closed, or closed twice.
    Unbalanced,
    /// Brackets nest deeper than [`MAX_DEPTH`](crate::MAX_DEPTH).
    TooDeep,
    /// A finished system call has no ` = result` after its `)`.
    MissingResult,
    /// The line is not valid UTF-8 (strace itself only writes ASCII).
    InvalidUtf8,
    /// A `<... name resumed>` line arrived for a pid with no unfinished call.
    UnexpectedResume,
    /// A `<... name resumed>` line names another call than the pid's unfinished one.
    MismatchedResume,
}

/// A parse or join failure, with its position and the offending text.
///
/// Lines and columns are 1-based; columns count bytes. A single line parsed on its
/// own reports line 1; [`Lines`](crate::Lines) and [`Joiner`](crate::Joiner) set the
/// real line number, and the caller may add the file name with
/// [`with_path`](Error::with_path):
///
/// ```
/// let err = fdkit_strace::Line::parse("close(3) 0").unwrap_err().with_path("x.log");
/// assert_eq!(err.to_string(), "x.log:1:10: expected `=`, found `0`");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Error(Box<Inner>);

#[derive(Clone, PartialEq, Eq)]
struct Inner {
    kind: ErrorKind,
    line: u64,
    column: usize,
    expected: Cow<'static, str>,
    found: String,
    path: Option<String>,
}

/// How many characters of offending text an error quotes.
const EXCERPT_CHARS: usize = 24;

impl Error {
    /// An error at byte offset `offset` of `text`, quoting the text found there.
    pub(crate) fn at(kind: ErrorKind, text: &str, offset: usize, expected: &'static str) -> Error {
        let offset = offset.min(text.len());
        let rest = text.get(offset..).unwrap_or("");
        Error::new(kind, offset + 1, expected, excerpt(rest))
    }

    /// An error with an already-rendered `found` description.
    pub(crate) fn new(
        kind: ErrorKind,
        column: usize,
        expected: impl Into<Cow<'static, str>>,
        found: String,
    ) -> Error {
        Error(Box::new(Inner {
            kind,
            line: 1,
            column,
            expected: expected.into(),
            found,
            path: None,
        }))
    }

    /// Shifts the column right by `by` bytes (for errors found inside a slice).
    pub(crate) fn shifted(mut self, by: usize) -> Error {
        self.0.column += by;
        self
    }

    /// Sets the 1-based line number.
    #[must_use]
    pub fn at_line(mut self, line: u64) -> Error {
        self.0.line = line;
        self
    }

    /// Sets the file name shown before `line:column`.
    #[must_use]
    pub fn with_path(mut self, path: impl Into<String>) -> Error {
        self.0.path = Some(path.into());
        self
    }

    /// What kind of error this is.
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// The 1-based line number.
    pub fn line(&self) -> u64 {
        self.0.line
    }

    /// The 1-based byte column.
    pub fn column(&self) -> usize {
        self.0.column
    }

    /// What the parser expected, e.g. ``"`)`"``.
    pub fn expected(&self) -> &str {
        &self.0.expected
    }

    /// A short excerpt of what it found instead (``"`]) = 0`"`` or `"end of line"`).
    pub fn found(&self) -> &str {
        &self.0.found
    }

    /// The file name, if one was set with [`with_path`](Error::with_path).
    pub fn path(&self) -> Option<&str> {
        self.0.path.as_deref()
    }
}

/// Quotes the start of `rest` in backticks, or says `end of line`.
pub(crate) fn excerpt(rest: &str) -> String {
    if rest.is_empty() {
        return "end of line".to_owned();
    }
    let mut out = String::with_capacity(EXCERPT_CHARS + 5);
    out.push('`');
    let mut chars = rest.chars();
    for c in chars.by_ref().take(EXCERPT_CHARS) {
        if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    out.push('`');
    if chars.next().is_some() {
        out.push_str("...");
    }
    out
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = &self.0;
        if let Some(path) = &e.path {
            write!(f, "{path}:")?;
        }
        write!(
            f,
            "{}:{}: expected {}, found {}",
            e.line, e.column, e.expected, e.found
        )
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Error({:?}, \"{self}\")", self.0.kind)
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_quotes_and_truncates() {
        assert_eq!(excerpt(""), "end of line");
        assert_eq!(excerpt("]) = 0"), "`]) = 0`");
        let long = "a".repeat(40);
        assert_eq!(excerpt(&long), format!("`{}`...", "a".repeat(24)));
        assert_eq!(excerpt("\"\t"), "`\"\\t`");
    }

    #[test]
    fn display_has_path_line_column() {
        let e = Error::at(ErrorKind::Syntax, "abc", 1, "`(`")
            .at_line(7)
            .with_path("f.log");
        assert_eq!(e.to_string(), "f.log:7:2: expected `(`, found `bc`");
        assert_eq!(e.kind(), ErrorKind::Syntax);
        assert_eq!((e.line(), e.column()), (7, 2));
    }
}

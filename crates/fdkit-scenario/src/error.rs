//! The scenario parser's one error type: what is wrong, and where.

use std::fmt;

/// The category of an [`Error`].
///
/// New categories may be added; match with a wildcard arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The line is not strace syntax (the strace parser's error).
    Syntax,
    /// A system call the scenario format does not model (`mmap`).
    UnknownCall,
    /// A name that is no constant strace prints (`O_RDWRX`).
    UnknownSymbol,
    /// The wrong number of arguments.
    Arity,
    /// An argument or result of the wrong shape: a string where a number belongs,
    /// a number out of range.
    Value,
    /// strace syntax a scenario cannot hold: `<unfinished ...>` halves.
    Unsupported,
    /// The file is not valid UTF-8.
    Encoding,
    /// A line longer than [`MAX_LINE_BYTES`](crate::MAX_LINE_BYTES).
    TooLong,
    /// More than [`MAX_ERRORS`](crate::MAX_ERRORS) bad lines: reading stopped.
    TooManyErrors,
}

/// Text quoted in a message is cut to this many characters.
const QUOTE_CHARS: usize = 40;
/// A message is cut to this many bytes.
const MESSAGE_BYTES: usize = 1024;

/// A scenario that cannot be read: the kind, the 1-based line and byte column, and
/// a message that quotes the offending text.
///
/// `Display` gives `LINE:COLUMN: message`; the caller puts the file name in front.
///
/// ```
/// let errors = fdkit_scenario::Scenario::parse("dup(3)\nopen(\"/x\", O_RDWRX) = 3\n").unwrap_err();
/// assert_eq!(errors[0].to_string(), "2:12: unknown constant `O_RDWRX`");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Error(Box<Inner>);

#[derive(Clone, PartialEq, Eq)]
struct Inner {
    kind: ErrorKind,
    line: u64,
    column: usize,
    message: String,
}

impl Error {
    pub(crate) fn new(
        kind: ErrorKind,
        line: u64,
        column: usize,
        message: impl Into<String>,
    ) -> Error {
        Error(Box::new(Inner {
            kind,
            line,
            column: column.max(1),
            message: bounded(message.into()),
        }))
    }

    /// From the strace parser's error for line `line`.
    pub(crate) fn strace(e: &fdkit_strace::Error, line: u64) -> Error {
        let message = format!("expected {}, found {}", e.expected(), e.found());
        Error::new(ErrorKind::Syntax, line, e.column(), message)
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

    /// The message, without the position.
    pub fn message(&self) -> &str {
        &self.0.message
    }
}

/// `message` with each `quoted` piece cut to [`QUOTE_CHARS`] characters (marked
/// with `...` after the closing quote, as the strace parser marks its excerpts)
/// and the whole cut to [`MESSAGE_BYTES`]: a message quotes the input, and the
/// input may be a 10 MB token.
fn bounded(message: String) -> String {
    if message.len() <= QUOTE_CHARS {
        return message;
    }
    let mut out = String::with_capacity(message.len().min(MESSAGE_BYTES));
    let mut cut_before = false;
    for (i, piece) in message.split('`').enumerate() {
        if i > 0 {
            out.push('`');
            if cut_before {
                out.push_str("...");
                cut_before = false;
            }
        }
        match piece.char_indices().nth(QUOTE_CHARS) {
            Some((cut, _)) if i % 2 == 1 => {
                out.push_str(&piece[..cut]);
                cut_before = true;
            }
            _ => out.push_str(piece),
        }
    }
    if out.len() <= MESSAGE_BYTES {
        return out;
    }
    let mut cut = MESSAGE_BYTES;
    while !out.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}...", &out[..cut])
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.0.line, self.0.column, self.0.message)
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
    fn messages_quote_long_input_cut() {
        let long = "x".repeat(10_000_000);
        let e = Error::new(
            ErrorKind::UnknownSymbol,
            1,
            5,
            format!("unknown constant `{long}`"),
        );
        assert_eq!(
            e.message(),
            format!("unknown constant `{}`...", "x".repeat(QUOTE_CHARS))
        );
        let e = Error::new(ErrorKind::Value, 1, 1, format!("`{long}` and `b`"));
        assert_eq!(
            e.message(),
            format!("`{}`... and `b`", "x".repeat(QUOTE_CHARS))
        );
        let e = Error::new(ErrorKind::Value, 1, 1, long.clone());
        assert_eq!(e.message().len(), MESSAGE_BYTES + 3);
        let short = "unknown constant `O_NOPE`";
        assert_eq!(Error::new(ErrorKind::Value, 1, 1, short).message(), short);
    }
}

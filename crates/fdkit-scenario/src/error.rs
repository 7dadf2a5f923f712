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
}

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
            message: message.into(),
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

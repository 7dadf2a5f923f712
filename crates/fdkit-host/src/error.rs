//! [`Error`]: why the executor could not produce a result (as opposed to a call that
//! failed with an errno, which is a result).

use std::fmt;

/// What went wrong, broadly.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Setting up: the scratch directory, the terminal, the shared memory, starting
    /// the helper, or the helper's own setup (limits, signals).
    Setup,
    /// A helper process died unexpectedly.
    HelperDied,
    /// A helper did not answer within the time allowed.
    Timeout,
    /// The helper and the driver disagree about the protocol (a bug).
    Protocol,
    /// The host executor does not perform this call (a pointer `fcntl` command, an
    /// unknown `ioctl`, `vfork`, `clone` with `CLONE_VM`, a `..` path ...).
    Unsupported,
    /// More processes, or a bigger call, than the host was configured for.
    Capacity,
    /// The helper binary was not found.
    HelperNotFound,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ErrorKind::Setup => "setup failed",
            ErrorKind::HelperDied => "helper died",
            ErrorKind::Timeout => "timed out",
            ErrorKind::Protocol => "protocol error",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::Capacity => "over capacity",
            ErrorKind::HelperNotFound => "helper not found",
        })
    }
}

/// An executor failure: a kind and a message naming the step or resource.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Error {
    kind: ErrorKind,
    message: String,
}

impl Error {
    /// An error of `kind` described by `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
        }
    }

    /// The kind.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }

    pub(crate) fn setup(what: &str, err: impl fmt::Display) -> Error {
        Error::new(ErrorKind::Setup, format!("{what}: {err}"))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)
    }
}

impl std::error::Error for Error {}

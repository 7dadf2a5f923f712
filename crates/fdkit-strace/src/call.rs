//! [`Call`]: one complete system call, joined from its lines or built by hand.

use std::borrow::Cow;
use std::fmt;
use std::fmt::Write as _;

use crate::args::Args;
use crate::line::{Seconds, Timestamp};
use crate::outcome::Outcome;
use crate::value::Value;

/// One system call with its whole argument text and result.
///
/// From a [`Joiner`](crate::Joiner), text borrows the line when the call was on
/// one line and is owned when it was joined from an `<unfinished ...>` line and
/// its `<... resumed>` line. Built by hand, it renders its arguments once:
///
/// ```
/// use fdkit_strace::{Call, Outcome, Value};
///
/// let call = Call::new("dup2", &[Value::int(3), Value::int(10)])
///     .with_pid(42)
///     .returning(Outcome::returned(10));
/// assert_eq!(call.to_string(), "42    dup2(3, 10)                       = 10");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Call<'a> {
    /// The pid (or tid) from the line prefix; `None` when strace traced one process.
    pub pid: Option<u32>,
    /// The system call name.
    pub name: Cow<'a, str>,
    /// The full argument text, e.g. `3, "hi", 2`.
    pub args: Cow<'a, str>,
    /// What it returned; `None` if the log never says (`<detached ...>`, the
    /// process died, or the log ended while the call was unfinished).
    pub outcome: Option<Outcome<'a>>,
    /// When the call entered (`-t`/`-tt`/`-ttt`).
    pub time: Option<Timestamp>,
    /// `-T`: time spent in the call.
    pub duration: Option<Seconds>,
    /// 1-based line where the call entered (0 for calls built by hand).
    pub entered: u64,
    /// 1-based line where it completed (or was given up on).
    pub completed: u64,
}

impl<'a> Call<'a> {
    /// A call with `args` rendered in strace syntax, no pid and no outcome yet.
    pub fn new(name: impl Into<Cow<'a, str>>, args: &[Value<'_>]) -> Call<'a> {
        let mut text = String::new();
        for (i, v) in args.iter().enumerate() {
            if i > 0 {
                text.push_str(", ");
            }
            // Writing to a String cannot fail.
            let _ = write!(text, "{v}");
        }
        Call {
            pid: None,
            name: name.into(),
            args: Cow::Owned(text),
            outcome: None,
            time: None,
            duration: None,
            entered: 0,
            completed: 0,
        }
    }

    /// Sets the pid.
    #[must_use]
    pub fn with_pid(mut self, pid: u32) -> Call<'a> {
        self.pid = Some(pid);
        self
    }

    /// Sets the outcome.
    #[must_use]
    pub fn returning(mut self, outcome: Outcome<'a>) -> Call<'a> {
        self.outcome = Some(outcome);
        self
    }

    /// The arguments, split lazily.
    pub fn args(&self) -> Args<'_> {
        Args::from_text(&self.args)
    }

    /// Copies borrowed text so the call outlives its lines.
    pub fn into_owned(self) -> Call<'static> {
        Call {
            pid: self.pid,
            name: Cow::Owned(self.name.into_owned()),
            args: Cow::Owned(self.args.into_owned()),
            outcome: self.outcome.map(Outcome::into_owned),
            time: self.time,
            duration: self.duration,
            entered: self.entered,
            completed: self.completed,
        }
    }
}

impl fmt::Display for Call<'_> {
    /// Prints the call as `strace -f -o FILE` would: pid column, padding before
    /// ` = `, `-T` duration; a call without outcome ends in `<unfinished ...>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        if let Some(pid) = self.pid {
            write!(out, "{pid:<5} ")?;
        }
        write!(out, "{}({}", self.name, self.args)?;
        match &self.outcome {
            None => out.push_str(" <unfinished ...>"),
            Some(outcome) => {
                out.push_str(") ");
                while out.len() < 40 {
                    out.push(' ');
                }
                write!(out, "= {outcome}")?;
                if let Some(d) = self.duration {
                    write!(out, " <{d}>")?;
                }
            }
        }
        f.write_str(&out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Str;

    #[test]
    fn built_call_prints_and_splits() {
        let call = Call::new(
            "openat",
            &[
                Value::ident("AT_FDCWD"),
                Value::Str(Str::from_bytes(b"/tmp/a b\n")),
                Value::Flags(vec![Value::ident("O_RDONLY"), Value::ident("O_CLOEXEC")]),
            ],
        )
        .returning(Outcome::failed("ENOENT", "No such file or directory"));
        assert_eq!(
            call.to_string(),
            "openat(AT_FDCWD, \"/tmp/a b\\n\", O_RDONLY|O_CLOEXEC) = -1 ENOENT (No such file or directory)"
        );
        let args: Vec<_> = call.args().iter().map(|a| a.text()).collect();
        assert_eq!(args, ["AT_FDCWD", "\"/tmp/a b\\n\"", "O_RDONLY|O_CLOEXEC"]);
    }

    #[test]
    fn call_without_outcome_prints_unfinished() {
        let call = Call::new("read", &[Value::int(3)]).with_pid(7);
        assert_eq!(call.to_string(), "7     read(3 <unfinished ...>");
    }
}

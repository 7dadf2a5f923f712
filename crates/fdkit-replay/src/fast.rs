//! The fast path: lines of calls that have nothing to do with descriptor tables
//! (`mmap`, `futex`, `brk`, `rt_sigaction`...) are recognised by their shape and
//! name, without running the full line parser over their arguments.
//!
//! Read this first: about half of a typical log is such calls, and the full parser
//! spends most of its time balancing their argument brackets and strings. Here a
//! line is taken apart only as far as the replay needs it: the `1234  ` pid prefix
//! (`-o` style; `[pid N]` lines take the full path), up to two timestamps (`-t`,
//! `-tt`, `-ttt`, `-r`), the syscall name, and its ending: ` <unfinished ...>`,
//! or ` = RESULT` after the `)` (with an optional `-T` duration), where `RESULT`
//! must parse as an [`Outcome`]. Anything else, and every call whose name is not
//! [`Class::Ignore`], goes to the full parser. So a dismissed line is checked for
//! its shape, not bracket by bracket: strace writes balanced brackets, and a line
//! cut short (a truncated log) has no result and is reported by the full parser.

use fdkit_strace::Outcome;

use crate::engine::Replay;
use crate::report::Sink;
use crate::syscalls::{classify, Class};

/// How a dismissed line ends.
enum Shape<'a> {
    /// `name(args <unfinished ...>`.
    Unfinished { name: &'a str },
    /// `name(args) = result`.
    Call { name: &'a str, result: &'a str },
    /// `<... name resumed>args) = result`.
    Resumed {
        name: &'a str,
        result: &'a str,
        col: usize,
    },
}

fn skip_spaces(b: &[u8], mut i: usize) -> usize {
    while b.get(i) == Some(&b' ') {
        i += 1;
    }
    i
}

fn ident_len(b: &[u8], i: usize) -> usize {
    b.get(i..).map_or(0, |rest| {
        rest.iter()
            .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || **c == b'_')
            .count()
    })
}

/// The result text of a complete call: after the last `)`, padding and `= `,
/// without a `-T` duration.
fn result(text: &str, from: usize) -> Option<&str> {
    let b = text.as_bytes();
    let eq = memchr::memrchr(b'=', &b[from..]).map(|k| from + k)?;
    if b.get(eq + 1) != Some(&b' ') {
        return None;
    }
    let before = text[..eq].trim_end_matches(' ');
    if !before.ends_with(')') || before.len() == eq {
        return None;
    }
    let mut r = text[eq + 2..].trim_end();
    if r.ends_with('>') {
        if let Some(k) = r.rfind(" <") {
            let d = &r[k + 2..r.len() - 1];
            if !d.is_empty() && d.bytes().all(|c| c.is_ascii_digit() || c == b'.') {
                r = r[..k].trim_end();
            }
        }
    }
    Some(r)
}

fn dismissed(name: &str) -> bool {
    classify(name) == Class::Ignore
}

/// Recognises a line of a dismissed call: its pid and shape.
fn shape(text: &str) -> Option<(u32, Shape<'_>)> {
    let b = text.as_bytes();
    let n = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if n == 0 || n > 9 || b.get(n) != Some(&b' ') {
        return None;
    }
    let pid = b[..n]
        .iter()
        .fold(0u32, |acc, &c| acc * 10 + u32::from(c - b'0'));
    let mut i = skip_spaces(b, n);
    for _ in 0..2 {
        if !b.get(i).is_some_and(u8::is_ascii_digit) {
            break;
        }
        let t = b[i..]
            .iter()
            .take_while(|c| c.is_ascii_digit() || **c == b'.' || **c == b':')
            .count();
        if b.get(i + t) != Some(&b' ') {
            return None;
        }
        i = skip_spaces(b, i + t);
    }
    if b[i..].starts_with(b"<... ") {
        let at = i + 5;
        let len = ident_len(b, at);
        let name = &text[at..at + len];
        if len == 0 || !text[at + len..].starts_with(" resumed>") || !dismissed(name) {
            return None;
        }
        let result = result(text, at + len + 9)?;
        return Some((
            pid,
            Shape::Resumed {
                name,
                result,
                col: i + 1,
            },
        ));
    }
    let len = ident_len(b, i);
    if len == 0 || b.get(i + len) != Some(&b'(') {
        return None;
    }
    let name = &text[i..i + len];
    if !dismissed(name) {
        return None;
    }
    if text.ends_with(" <unfinished ...>") {
        return Some((pid, Shape::Unfinished { name }));
    }
    Some((
        pid,
        Shape::Call {
            name,
            result: result(text, i + len + 1)?,
        },
    ))
}

impl Replay {
    /// Handles `text` here if it is a well-shaped line of a call that tables do
    /// not care about; returns false to send it to the full parser.
    pub(crate) fn fast_dismiss(&mut self, number: u64, text: &str, sink: &mut dyn Sink) -> bool {
        let Some((pid, sh)) = shape(text) else {
            return false;
        };
        let outcome = match &sh {
            Shape::Call { result, .. } | Shape::Resumed { result, .. } => {
                match Outcome::parse(result) {
                    Ok(o) => Some(o),
                    Err(_) => return false,
                }
            }
            Shape::Unfinished { .. } => None,
        };
        self.line = number;
        self.events = sink.wants_events();
        let pid = self.resolve_pid(Some(pid), false);
        match sh {
            Shape::Unfinished { name } => {
                self.give_up(pid, sink);
                self.enter(pid, name, "", number);
            }
            Shape::Call { name, .. } => {
                self.give_up(pid, sink);
                self.on_call(
                    pid,
                    name,
                    Class::Ignore,
                    "",
                    outcome.as_ref(),
                    number,
                    None,
                    sink,
                );
            }
            Shape::Resumed { name, col, .. } => {
                if let Some(o) = &outcome {
                    self.resume(pid, Some(name), "", col, o, sink);
                }
            }
        }
        if !self.pending_events.is_empty() {
            self.flush_events(sink);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(text: &str) -> Option<String> {
        shape(text).map(|(pid, s)| match s {
            Shape::Unfinished { name } => format!("{pid} unfinished {name}"),
            Shape::Call { name, result } => format!("{pid} call {name} = {result}"),
            Shape::Resumed { name, result, .. } => format!("{pid} resumed {name} = {result}"),
        })
    }

    #[test]
    fn recognises_the_three_shapes() {
        assert_eq!(
            kind("10783 mprotect(NULL, 8192, PROT_READ) = 0x7f3b00315000").as_deref(),
            Some("10783 call mprotect = 0x7f3b00315000")
        );
        assert_eq!(
            kind("9077  futex(0x1, FUTEX_WAIT, 0, NULL <unfinished ...>").as_deref(),
            Some("9077 unfinished futex")
        );
        assert_eq!(
            kind("9077  <... futex resumed>)       = -1 EAGAIN (Resource temporarily unavailable)")
                .as_deref(),
            Some("9077 resumed futex = -1 EAGAIN (Resource temporarily unavailable)")
        );
        assert_eq!(
            kind("9077  11:32:34.807856 brk(NULL) = 0x55 <0.000018>").as_deref(),
            Some("9077 call brk = 0x55")
        );
        assert_eq!(
            kind("8967       0.000099 getpid()       = 8967").as_deref(),
            Some("8967 call getpid = 8967")
        );
    }

    #[test]
    fn leaves_everything_else_to_the_parser() {
        for text in [
            "[pid  1234] brk(NULL) = 0x55",
            "brk(NULL) = 0x55",
            "1234  brk(NULL",
            "1234  brk(NULL) =",
            "1234  brk(NULL) = 0x55 garbage",
            "1234  +++ exited with 0 +++",
            "1234  --- SIGCHLD {si_signo=SIGCHLD} ---",
            "1234  write(1, \"a = 3\", 5",
        ] {
            let ok = shape(text).and_then(|(_, s)| match s {
                Shape::Call { result, .. } | Shape::Resumed { result, .. } => {
                    Outcome::parse(result).ok().map(|_| ())
                }
                Shape::Unfinished { .. } => Some(()),
            });
            assert!(ok.is_none(), "{text:?} was taken");
        }
    }
}

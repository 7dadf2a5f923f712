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
//! [`Class::Plain`], goes to the full parser. So a dismissed line is checked for
//! its shape, not bracket by bracket: strace writes balanced brackets, and a line
//! cut short (a truncated log) has no result and is reported by the full parser.

use fdkit_strace::Outcome;

use crate::engine::Replay;
use crate::prep::{OutSpans, Span};
use crate::report::Sink;
use crate::syscalls::{classify, Class};
use fdkit_strace::ws;

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

pub(crate) fn skip_spaces(b: &[u8], mut i: usize) -> usize {
    // strace pads results to a column: eight spaces at a time first.
    const SPACES: u64 = u64::from_ne_bytes([b' '; 8]);
    while let Some(w) = b.get(i..i + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(w);
        if u64::from_ne_bytes(word) != SPACES {
            break;
        }
        i += 8;
    }
    while i < b.len() && b[i] == b' ' {
        i += 1;
    }
    i
}

/// A `-o` style prefix, `1234  `: the pid (at most nine digits) and where what
/// follows its spaces starts. `None` for a line that does not start so.
pub(crate) fn pid_prefix(b: &[u8]) -> Option<(u32, usize)> {
    let mut n = 0;
    let mut pid = 0u32;
    while n < b.len() && b[n].is_ascii_digit() {
        if n == 9 {
            return None;
        }
        pid = pid * 10 + u32::from(b[n] - b'0');
        n += 1;
    }
    if n == 0 || b.get(n) != Some(&b' ') {
        return None;
    }
    Some((pid, skip_spaces(b, n)))
}

pub(crate) fn ident_len(b: &[u8], i: usize) -> usize {
    let mut j = i;
    while j < b.len() && matches!(b[j], b'a'..=b'z' | b'0'..=b'9' | b'_') {
        j += 1;
    }
    j.saturating_sub(i)
}

/// The result text of a complete call: after the last `)`, padding and `= `,
/// without a `-T` duration.
fn result(text: &str, from: usize) -> Option<&str> {
    let b = text.as_bytes();
    let eq = memchr::memrchr(b'=', &b[from..]).map(|k| from + k)?;
    if b.get(eq + 1) != Some(&b' ') {
        return None;
    }
    let mut k = eq;
    while k > 0 && b[k - 1] == b' ' {
        k -= 1;
    }
    let before = &text[..k];
    if !before.ends_with(')') || before.len() == eq {
        return None;
    }
    let mut r = ws::trim_end(&text[eq + 2..]);
    if r.ends_with('>') {
        if let Some(k) = r.rfind(" <") {
            let d = &r[k + 2..r.len() - 1];
            if !d.is_empty() && d.bytes().all(|c| c.is_ascii_digit() || c == b'.') {
                r = ws::trim_end(&r[..k]);
            }
        }
    }
    Some(r)
}

/// [`Outcome::parse`], with the commonest result, a plain decimal number (`0`,
/// `3`), taken without the general parser (which reads it the same way).
pub(crate) fn parse_outcome(text: &str) -> Result<Outcome<'_>, fdkit_strace::Error> {
    if !text.is_empty() && text.bytes().all(|c| c.is_ascii_digit()) {
        return Ok(Outcome::from_parts(Some(text), None, None, None));
    }
    Outcome::parse(text)
}

/// The bytes that make argument text not simple (see [`simple_args`]).
static NOT_SIMPLE: [bool; 256] = {
    let mut t = [false; 256];
    let s = b"\"()[]{}</=";
    let mut i = 0;
    while i < s.len() {
        t[s[i] as usize] = true;
        i += 1;
    }
    t
};

/// Whether argument text is simple: no string, bracket, decoration, comment or
/// `name=` (`3, F_GETFD`, `AT_FDCWD, 3, 0`). Its arguments are the pieces between
/// its commas, and the first `)` after a simple argument list closes it.
pub(crate) fn simple_args(args: &[u8]) -> bool {
    !args.iter().any(|&c| NOT_SIMPLE[usize::from(c)])
}

/// A complete call line whose arguments are simple, read the way the line
/// parser reads it (its arguments up to the first `)`, padding, `= `, the result
/// to the end of the line) without scanning the arguments: the arguments and the
/// outcome. `open` is the index of the `(` after the name. `None` for anything
/// else (then the full parser decides): other arguments, a line ending in `>`
/// (`-T` durations, `<unfinished ...>`, `<detached ...>`), a result that does not
/// parse.
#[cfg(test)]
pub(crate) fn simple_call(text: &str, open: usize) -> Option<(&str, Outcome<'_>)> {
    let (args, result) = simple_parts(text, open)?;
    Some((args, parse_outcome(result).ok()?))
}

/// [`simple_call`] without parsing the result: the arguments and the result's
/// text.
pub(crate) fn simple_parts(text: &str, open: usize) -> Option<(&str, &str)> {
    let b = text.as_bytes();
    let start = open + 1;
    let mut close = start;
    loop {
        let c = *b.get(close)?;
        if c == b')' {
            break;
        }
        if NOT_SIMPLE[usize::from(c)] {
            return None;
        }
        close += 1;
    }
    let eq = skip_spaces(b, close + 1);
    if b.get(eq) != Some(&b'=') {
        return None;
    }
    let from = skip_spaces(b, eq + 1);
    let end = ws::trim_end(text).len().max(from);
    if end > from && b[end - 1] == b'>' {
        return None;
    }
    Some((&text[start..close], ws::trim_end(&text[from..end])))
}

/// A result that is a short plain decimal number without leading zeros (`0`,
/// `3`, `4096`), the commonest: its value, which [`parse_outcome`] and
/// [`crate::calls::obs_of`] read the same way.
pub(crate) fn plain_decimal(result: &str) -> Option<i64> {
    let b = result.as_bytes();
    if b.is_empty() || b.len() > 18 || (b[0] == b'0' && b.len() > 1) {
        return None;
    }
    let mut n = 0i64;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n * 10 + i64::from(c - b'0');
    }
    Some(n)
}

/// What the fast path read of a line it leaves to the full parser, so that it is
/// not done twice.
#[derive(Clone, Copy, Default)]
pub(crate) struct Hint<'a> {
    /// The call's name and class (the name is classified once per line).
    pub call: Option<(&'a str, Class)>,
    /// A plain prefix, `PID` and spaces: the pid and where the body starts.
    pub prefix: Option<(u32, usize)>,
}

/// Recognises a line of a dismissed call: its pid and shape. Otherwise, the name
/// and class of the call if it got that far (a call that is not dismissed).
fn shape<'t>(text: &'t str, hint: &mut Hint<'t>) -> Option<(u32, Shape<'t>)> {
    let b = text.as_bytes();
    let (pid, mut i) = pid_prefix(b)?;
    // With no timestamp, the full parser would read the same prefix (a body
    // starting with `(` or `[` would be a timestamp or field to it).
    hint.prefix = match b.get(i) {
        Some(c) if !c.is_ascii_digit() && *c != b'(' && *c != b'[' => Some((pid, i)),
        _ => None,
    };
    for _ in 0..2 {
        if !b.get(i).is_some_and(u8::is_ascii_digit) {
            break;
        }
        let mut t = i;
        while t < b.len() && matches!(b[t], b'0'..=b'9' | b'.' | b':') {
            t += 1;
        }
        if b.get(t) != Some(&b' ') {
            return None;
        }
        i = skip_spaces(b, t);
    }
    if b[i..].starts_with(b"<... ") {
        let at = i + 5;
        let len = ident_len(b, at);
        let name = &text[at..at + len];
        if len == 0 || !text[at + len..].starts_with(" resumed>") {
            return None;
        }
        let class = classify(name);
        hint.call = Some((name, class));
        if class != Class::Plain {
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
    // Classified already if the memo's reader looked at this line.
    let class = class_of(name, *hint);
    hint.call = Some((name, class));
    if class != Class::Plain {
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

/// The class of `name`, from the fast path's hint when it read the same name.
pub(crate) fn class_of(name: &str, hint: Hint<'_>) -> Class {
    match hint.call {
        Some((n, class)) if std::ptr::eq(n, name) => class,
        _ => classify(name),
    }
}

/// A dismissed line, prepared: its pid and shape, as spans of the line.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FastPrep {
    pid: u32,
    name: Span,
    kind: FastKind,
}

#[derive(Clone, Copy, Debug)]
enum FastKind {
    Unfinished,
    Call { outcome: OutSpans },
    Resumed { outcome: OutSpans, col: usize },
}

/// Recognises `text` as a well-shaped line of a call that tables do not care
/// about; otherwise `None`, and `hint` says what was read (for the full parser).
pub(crate) fn fast_prep<'t>(text: &'t str, hint: &mut Hint<'t>) -> Option<FastPrep> {
    let (pid, sh) = shape(text, hint)?;
    let outcome = |result: &str, hint: &mut Hint<'_>| match parse_outcome(result) {
        Ok(o) => OutSpans::of(text, &o),
        Err(_) => {
            hint.prefix = None;
            None
        }
    };
    let (name, kind) = match sh {
        Shape::Unfinished { name } => (name, FastKind::Unfinished),
        Shape::Call { name, result } => (
            name,
            FastKind::Call {
                outcome: outcome(result, hint)?,
            },
        ),
        Shape::Resumed { name, result, col } => (
            name,
            FastKind::Resumed {
                outcome: outcome(result, hint)?,
                col,
            },
        ),
    };
    Some(FastPrep {
        pid,
        name: Span::of(text, name)?,
        kind,
    })
}

impl Replay {
    /// Replays a dismissed line prepared by [`fast_prep`].
    pub(crate) fn apply_fast(&mut self, number: u64, text: &str, f: FastPrep, sink: &mut dyn Sink) {
        self.line = number;
        self.events = sink.wants_events();
        let pid = self.resolve_pid(Some(f.pid), false);
        let name = f.name.get(text);
        match f.kind {
            FastKind::Unfinished => {
                self.give_up(pid, sink);
                self.enter(pid, name, Class::Plain, "", number, None);
            }
            FastKind::Call { outcome } => {
                self.give_up(pid, sink);
                let o = outcome.get(text);
                self.on_call(
                    pid,
                    name,
                    Class::Plain,
                    "",
                    Some(&o),
                    number,
                    None,
                    None,
                    None,
                    sink,
                );
            }
            FastKind::Resumed { outcome, col } => {
                let o = outcome.get(text);
                self.resume(pid, Some(name), "", col, &o, sink);
            }
        }
        if !self.pending_events.is_empty() {
            self.flush_events(sink);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(text: &str) -> Option<String> {
        shape(text, &mut Hint::default()).map(|(pid, s)| match s {
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
            let ok = shape(text, &mut Hint::default()).and_then(|(_, s)| match s {
                Shape::Call { result, .. } | Shape::Resumed { result, .. } => {
                    Outcome::parse(result).ok().map(|_| ())
                }
                Shape::Unfinished { .. } => Some(()),
            });
            assert!(ok.is_none(), "{text:?} was taken");
        }
    }
}

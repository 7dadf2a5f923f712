//! The pure half of replaying a line: [`Preparer::prepare`] reads everything that
//! depends on the line's text alone (its shape, its parse, the call's class, and
//! the decoded input arguments of a call the tables care about) into a [`Prep`]
//! that owns no text: every piece is a byte [`Span`] of the line. The stateful
//! half (`Replay::push_prepared`) takes a line with its `Prep`.
//!
//! Read this first: `push_line` is exactly `prepare` then `push_prepared`, on one
//! thread; [`Replay::run_threaded`](crate::Replay::run_threaded) runs `prepare` on a
//! second thread for a batch of lines at a time. Both go through the same two
//! functions, so their results cannot differ. The [`Preparer`] keeps the decoded
//! arguments of recent calls (decoding is pure, so a cache changes no result).

use fdkit_strace::{Error, Event as LineEvent, Line, Outcome, Pause};

use crate::calls::{decode, decode_simple, Decoded};
use crate::engine::Replay;
use crate::fast::{class_of, fast_prep, simple_call, FastPrep, Hint};
use crate::report::Sink;
use crate::syscalls::Class;

/// A byte range of a line (lines are at most [`crate::MAX_LINE`] bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Span {
    start: u32,
    end: u32,
}

impl Span {
    /// Where `part`, a slice of `text`, lies in it (`None` if it is not one).
    pub(crate) fn of(text: &str, part: &str) -> Option<Span> {
        let start = (part.as_ptr() as usize).checked_sub(text.as_ptr() as usize)?;
        let end = start + part.len();
        (end <= text.len()).then_some(Span {
            start: u32::try_from(start).ok()?,
            end: u32::try_from(end).ok()?,
        })
    }

    /// The text of the span in `text` (empty if `text` is not the span's line).
    pub(crate) fn get(self, text: &str) -> &str {
        text.get(self.start as usize..self.end as usize)
            .unwrap_or("")
    }
}

/// An [`Outcome`]'s parts as spans (value, errno, detail, tail).
#[derive(Clone, Copy, Debug)]
pub(crate) struct OutSpans([Option<Span>; 4]);

impl OutSpans {
    /// `None` if a part is not a slice of `text` (it always is after a parse).
    pub(crate) fn of(text: &str, o: &Outcome<'_>) -> Option<OutSpans> {
        let part = |p: Option<&str>| match p {
            Some(p) => Span::of(text, p).map(Some),
            None => Some(None),
        };
        Some(OutSpans([
            part(o.value())?,
            part(o.errno())?,
            part(o.detail())?,
            part(o.tail())?,
        ]))
    }

    /// The outcome again, borrowing `text`.
    pub(crate) fn get(self, text: &str) -> Outcome<'_> {
        let [v, e, d, t] = self.0.map(|s| s.map(|s| s.get(text)));
        Outcome::from_parts(v, e, d, t)
    }
}

/// Why an `<unfinished ...>` line stopped, as spans.
#[derive(Clone, Copy, Debug)]
pub(crate) enum PauseSpan {
    Unfinished,
    Detached,
    PidChanged(u32),
    Notice(Span),
}

/// The call events of a parsed line, as spans (a `-T` duration is dropped: the
/// replay does not read it).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Ev {
    Call {
        name: Span,
        args: Span,
        outcome: OutSpans,
    },
    Unfinished {
        name: Span,
        args: Span,
        pause: PauseSpan,
    },
    Resumed {
        name: Option<Span>,
        args: Span,
        outcome: OutSpans,
    },
}

/// A line, prepared (see the [module documentation](self)).
#[derive(Debug)]
pub(crate) enum Prep {
    /// A `#` comment line: skipped before anything else.
    Comment,
    /// A blank line.
    Blank,
    /// A dismissed call the fast path recognised.
    Fast(FastPrep),
    /// Any other line, parsed.
    Parsed(Parsed),
}

/// A line the parser read.
#[derive(Debug)]
pub(crate) enum Parsed {
    /// A call line.
    Event(EventPrep),
    /// Any other line (signals, exits, notices, marks): parsed again where it is
    /// replayed ([`reparse`]), from the body at `body` of a plain prefix's `pid`
    /// if known.
    Other { prefix: Option<(u32, usize)> },
    /// The parser's error.
    Error(Error),
}

/// A call line, parsed: the prefix's pid, the event, the call's class and its
/// decoded input arguments (a call that is not [`Class::Plain`]).
#[derive(Debug)]
pub(crate) struct EventPrep {
    pub pid: Option<u32>,
    ev: Ev,
    class: Class,
    decoded: Option<Decoded>,
}

impl EventPrep {
    /// Whether the line continues a call cut by a notice (no name).
    pub(crate) fn continues_cut(&self) -> bool {
        matches!(self.ev, Ev::Resumed { name: None, .. })
    }

    /// Replays the line, `text`, as task `pid`'s.
    pub(crate) fn apply(
        self,
        r: &mut Replay,
        pid: u32,
        number: u64,
        text: &str,
        sink: &mut dyn Sink,
    ) {
        let (class, decoded) = (self.class, self.decoded);
        match self.ev {
            Ev::Call {
                name,
                args,
                outcome,
            } => {
                let o = outcome.get(text);
                let (name, args) = (name.get(text), args.get(text));
                r.call_line(pid, name, class, args, &o, number, decoded, sink);
            }
            Ev::Unfinished { name, args, pause } => {
                let pause = match pause {
                    PauseSpan::Unfinished => Pause::Unfinished,
                    PauseSpan::Detached => Pause::Detached,
                    PauseSpan::PidChanged(p) => Pause::PidChanged(p),
                    PauseSpan::Notice(s) => Pause::Notice(s.get(text)),
                };
                let (name, args) = (name.get(text), args.get(text));
                r.unfinished_line(pid, name, class, args, pause, number, decoded, sink);
            }
            Ev::Resumed {
                name,
                args,
                outcome,
            } => {
                let o = outcome.get(text);
                let name = name.map(|n| n.get(text));
                r.resumed_line(pid, text, name, args.get(text), &o, sink);
            }
        }
    }
}

/// Recent simple calls' decoded arguments, by their text `name(args`: logs
/// repeat calls (a loop's `fcntl(3, F_GETFD)`), and [`decode()`] is a pure
/// function of that text, so a repeated call is decoded once. Direct-mapped,
/// [`CACHE_SLOTS`] entries of at most [`CACHE_KEY_MAX`] bytes: memory is fixed.
#[derive(Default)]
pub(crate) struct Preparer {
    cache: Vec<(String, Decoded)>,
}

/// Entries of the decode cache.
const CACHE_SLOTS: usize = 64;
/// Longer call texts are not cached.
const CACHE_KEY_MAX: usize = 48;

impl Preparer {
    /// [`decode_simple`] of `args`, with `key` (`name(args`) looked up first.
    fn decode(&mut self, key: &str, class: Class, name: &str, args: &str) -> Decoded {
        if key.len() > CACHE_KEY_MAX {
            return decode_simple(class, name, args);
        }
        if self.cache.is_empty() {
            self.cache.resize_with(CACHE_SLOTS, Default::default);
        }
        // FNV-1a.
        let h = key.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, c| {
            (h ^ u64::from(c)).wrapping_mul(0x0100_0000_01b3)
        });
        let slot = &mut self.cache[(h as usize) % CACHE_SLOTS];
        if slot.0 == key {
            return slot.1.clone();
        }
        let d = decode_simple(class, name, args);
        slot.0.clear();
        slot.0.push_str(key);
        slot.1 = d.clone();
        d
    }

    /// Prepares a line (without its terminator): see the [module
    /// documentation](self).
    pub(crate) fn prepare(&mut self, text: &str) -> Prep {
        prepare_with(text, self)
    }
}

fn prepare_with(text: &str, preparer: &mut Preparer) -> Prep {
    if text.trim_start_matches([' ', '\t']).starts_with('#') {
        return Prep::Comment;
    }
    let mut hint = Hint::default();
    if let Some(f) = fast_prep(text, &mut hint) {
        return Prep::Fast(f);
    }
    // A line starting with a visible ASCII character is not blank (the common
    // case, without decoding characters).
    let visible = text.as_bytes().first().is_some_and(u8::is_ascii_graphic);
    if !visible && text.trim().is_empty() {
        return Prep::Blank;
    }
    // A complete call with simple arguments right after a plain prefix: read
    // here, without the parser's scan of the arguments.
    if let (Some((pid, body)), Some((name, class))) = (hint.prefix, hint.call) {
        if Span::of(text, name).is_some_and(|n| n.start as usize == body) {
            if let Some((args, outcome)) = simple_call(text, body + name.len()) {
                if let (Some(n), Some(a), Some(o)) = (
                    Span::of(text, name),
                    Span::of(text, args),
                    OutSpans::of(text, &outcome),
                ) {
                    return Prep::Parsed(Parsed::Event(EventPrep {
                        pid: Some(pid),
                        ev: Ev::Call {
                            name: n,
                            args: a,
                            outcome: o,
                        },
                        class,
                        decoded: (class != Class::Plain).then(|| {
                            let key = text.get(body..body + name.len() + 1 + args.len());
                            preparer.decode(key.unwrap_or(""), class, name, args)
                        }),
                    }));
                }
            }
        }
    }
    // The prefix, if the fast path read it, is not parsed again.
    let (pid, event) = match reparse(text, hint.prefix) {
        Ok(p) => p,
        Err(e) => return Prep::Parsed(Parsed::Error(e)),
    };
    let other = Prep::Parsed(Parsed::Other {
        prefix: hint.prefix,
    });
    let span = |s: &str| Span::of(text, s);
    let (ev, class, decoded) = match event {
        LineEvent::Call {
            name,
            args,
            outcome,
            ..
        } => {
            let class = class_of(name, hint);
            let (Some(n), Some(a), Some(o)) = (
                span(name),
                span(args.as_str()),
                OutSpans::of(text, &outcome),
            ) else {
                return other;
            };
            let ev = Ev::Call {
                name: n,
                args: a,
                outcome: o,
            };
            (ev, class, decoded(class, name, args.as_str()))
        }
        LineEvent::Unfinished { name, args, pause } => {
            let class = class_of(name, hint);
            let pause = match pause {
                Pause::Unfinished => PauseSpan::Unfinished,
                Pause::Detached => PauseSpan::Detached,
                Pause::PidChanged(p) => PauseSpan::PidChanged(p),
                Pause::Notice(n) => match span(n) {
                    Some(s) => PauseSpan::Notice(s),
                    None => return other,
                },
            };
            let (Some(n), Some(a)) = (span(name), span(args.as_str())) else {
                return other;
            };
            let ev = Ev::Unfinished {
                name: n,
                args: a,
                pause,
            };
            (ev, class, decoded(class, name, args.as_str()))
        }
        LineEvent::Resumed {
            name,
            args,
            outcome,
            ..
        } => {
            let name = match name {
                Some(n) => match span(n) {
                    Some(s) => Some(s),
                    None => return other,
                },
                None => None,
            };
            let (Some(a), Some(o)) = (span(args.as_str()), OutSpans::of(text, &outcome)) else {
                return other;
            };
            let ev = Ev::Resumed {
                name,
                args: a,
                outcome: o,
            };
            (ev, Class::Plain, None)
        }
        _ => return other,
    };
    Prep::Parsed(Parsed::Event(EventPrep {
        pid,
        ev,
        class,
        decoded,
    }))
}

/// The decoded input arguments of a call the tables care about.
fn decoded(class: Class, name: &str, args: &str) -> Option<Decoded> {
    (class != Class::Plain).then(|| decode(class, name, args))
}

/// A line that [`prepare`] left to be parsed where it is replayed: its pid and
/// event (`prefix` as in [`Parsed::Other`]).
pub(crate) fn reparse(
    text: &str,
    prefix: Option<(u32, usize)>,
) -> Result<(Option<u32>, LineEvent<'_>), Error> {
    match prefix {
        Some((pid, body)) => Line::parse_event_at(text, body).map(|e| (Some(pid), e)),
        None => Line::parse(text).map(|l| (l.pid(), l.into_event())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fast::{parse_outcome, simple_args};
    use proptest::prelude::*;

    /// Lines of calls built from pieces that make simple and other argument
    /// lists, padding, results and endings.
    fn line() -> impl Strategy<Value = String> {
        let arg = prop::sample::select(vec![
            "3",
            " 4",
            "5 ",
            "",
            "F_GETFD",
            "FD_CLOEXEC|0x10",
            "AT_FDCWD",
            "-1",
            "0x7f",
            "\"/x\"",
            "[3, 4]",
            "{a=1}",
            "3</x>",
            "flags=O_RDONLY",
            "0 /* x */",
            "~0U",
        ]);
        let result = prop::sample::select(vec![
            "0",
            "3",
            "-1 EBADF (Bad file descriptor)",
            "?",
            "0x10 (flags FD_CLOEXEC)",
            "10</dev/null>",
            "0 <0.000010>",
            "3 # c",
            "garbage",
            "",
            "0 (INJECTED)",
            "007",
        ]);
        let name = prop::sample::select(vec!["close", "fcntl", "dup2", "openat", "read", "brk"]);
        let pad = prop::sample::select(vec!["", " ", "        ", "                 "]);
        (
            name,
            prop::collection::vec(arg, 0..4),
            pad,
            result,
            any::<bool>(),
        )
            .prop_map(|(name, args, pad, result, close)| {
                let close = if close { ")" } else { "" };
                format!("42  {name}({}{close}{pad} = {result}", args.join(","))
            })
    }

    proptest! {
        #[test]
        fn simple_calls_read_as_the_parser_reads_them(text in line()) {
            let open = text.find('(').unwrap();
            if let Some((args, outcome)) = crate::fast::simple_call(&text, open) {
                let Ok(LineEvent::Call { args: a, outcome: o, .. }) = Line::parse_event_at(&text, 4)
                else {
                    panic!("{text:?} is simple but the parser disagrees");
                };
                prop_assert_eq!(args, a.as_str());
                prop_assert_eq!(outcome, o);
            }
        }

        #[test]
        fn simple_arguments_split_as_the_scanner_splits_them(
            args in prop::collection::vec(prop::sample::select(vec!["3", " 4 ", "", " ", "F_GETFD", "A|B"]), 0..5)
        ) {
            let text = args.join(",");
            prop_assume!(simple_args(text.as_bytes()));
            let mut a = crate::calls::Argv::simple(&text);
            let mut b = crate::calls::Argv::scanned(&text);
            for i in 0..8 {
                prop_assert_eq!(a.get(i), b.get(i), "{:?} argument {}", text, i);
            }
        }

        #[test]
        fn every_line_prepares_the_same_with_or_without_the_cache(
            lines in prop::collection::vec(line(), 1..40)
        ) {
            let mut p = Preparer::default();
            for text in lines.iter().chain(&lines) {
                let with = format!("{:?}", p.prepare(text));
                let without = format!("{:?}", prepare_with(text, &mut Preparer::default()));
                prop_assert_eq!(with, without, "{:?}", text);
            }
        }
    }

    #[test]
    fn plain_decimal_results_read_as_the_parser_reads_them() {
        for t in ["0", "3", "4294967296", "007", "-1", "3 ", "", "3<x>", "?"] {
            assert_eq!(parse_outcome(t).ok(), Outcome::parse(t).ok(), "{t:?}");
        }
    }

    #[test]
    fn colliding_cache_entries_replace_each_other() {
        // More distinct calls than slots: every one still decodes to itself.
        let mut p = Preparer::default();
        for round in 0..2 {
            for fd in 0..(2 * CACHE_SLOTS) {
                let text = format!("7 fcntl({fd}, F_DUPFD, 10) = 10");
                let Prep::Parsed(Parsed::Event(e)) = p.prepare(&text) else {
                    panic!("{text}: not a call");
                };
                let want = decode(Class::Fcntl, "fcntl", &format!("{fd}, F_DUPFD, 10"));
                assert_eq!(
                    format!("{:?}", e.decoded),
                    format!("{:?}", Some(want)),
                    "{round}"
                );
            }
        }
    }
}

//! The pure half of replaying a line: [`prepare`] reads everything that depends on
//! the line's text alone (its shape, its parse, the call's class, and the decoded
//! input arguments of a call the tables care about) into a [`Prep`] that owns no
//! text: every piece is a byte [`Span`] of the line. The stateful half
//! ([`Replay::push_prepared`](crate::Replay)) takes a line with its `Prep`.
//!
//! Read this first: `push_line` is exactly `prepare` then `push_prepared`, on one
//! thread; [`Replay::run_threaded`](crate::Replay::run_threaded) runs `prepare` on a
//! second thread for a batch of lines at a time. Both go through the same two
//! functions, so their results cannot differ.

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

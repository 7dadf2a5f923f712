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

use std::sync::Arc;

use fdkit_strace::{Error, Event as LineEvent, Line, Outcome, Pause};

use crate::calls::{as_fds, decode, decode_simple, obs_of, Decoded, Op, Res};
use crate::engine::Replay;
use crate::fast::{
    class_of, fast_prep, ident_len, parse_outcome, pid_prefix, plain_decimal, simple_parts,
    FastPrep, Hint,
};
use crate::op::{Obs, Touch};
use crate::report::Sink;
use crate::syscalls::{classify, Class};

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

    /// The span `by` bytes further on (a span of a line's body, placed in the
    /// line).
    fn after(self, by: u32) -> Span {
        Span {
            start: self.start.saturating_add(by),
            end: self.end.saturating_add(by),
        }
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
    fn after(self, by: u32) -> OutSpans {
        OutSpans(self.0.map(|s| s.map(|s| s.after(by))))
    }

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

    /// The value part ([`Outcome::value`]), borrowing `text`.
    pub(crate) fn value(self, text: &str) -> Option<&str> {
        self.0[0].map(|s| s.get(text))
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
    /// A call line after a plain prefix, task `pid`'s, whose body (the rest of
    /// the line) the [`Preparer`] has seen before: its preparation, shared with
    /// the earlier lines, spans counted in the body ([`Shared::body`]).
    Body { pid: u32, prep: Arc<Shared> },
    /// Any other line, parsed (boxed, so that a batch's lines stay small; the
    /// boxes are reused, see [`Preparer::recycle`]).
    Parsed(Box<Parsed>),
}

/// A memoised body's preparation, shared by the lines that repeat it: aligned
/// to a cache line of its own, so that the reader thread counting references
/// to it does not write the line the replay thread reads it from.
#[derive(Debug)]
#[repr(align(64))]
pub(crate) struct Shared(pub(crate) EventPrep, pub(crate) Box<str>);

impl Shared {
    /// The body itself, the same text as the line's from `at` on: the replay
    /// reads the call's name and arguments here, not in the batch the other
    /// thread wrote.
    pub(crate) fn body(&self) -> &str {
        &self.1
    }
}

/// A line the parser read.
#[derive(Debug)]
// Boxed whole in `Prep::Parsed`, and the boxes reused: the variants' sizes do
// not matter.
#[allow(clippy::large_enum_variant)]
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
#[derive(Clone, Debug)]
pub(crate) struct EventPrep {
    pub pid: Option<u32>,
    ev: Ev,
    class: Class,
    decoded: Option<Decoded>,
    /// A complete call's observed result ([`obs_of`] its outcome, a pure
    /// function of the text), read here so that the replay does not.
    obs: Option<Obs>,
    /// For a memoised body whose arguments decoded to a table change: the
    /// numbers it pins down ([`TOp::pinned`](crate::op::TOp::pinned)).
    pinned: Option<Touch>,
}

impl EventPrep {
    /// With [`EventPrep::pinned`] filled in, for a table change.
    fn with_pinned(mut self) -> EventPrep {
        if let (
            Some(Decoded {
                op: Op::Table { op, fds, .. },
                ..
            }),
            Some(obs),
        ) = (&self.decoded, &self.obs)
        {
            self.pinned = Some(if *fds {
                op.pinned(&as_fds(obs.clone()))
            } else {
                op.pinned(obs)
            });
        }
        self
    }

    /// The same call `by` bytes further on in its line, as task `pid`'s (a
    /// body's preparation placed after its line's prefix).
    fn placed(mut self, pid: u32, by: u32) -> EventPrep {
        self.pid = Some(pid);
        if let Ev::Call {
            name,
            args,
            outcome,
        } = self.ev
        {
            self.ev = Ev::Call {
                name: name.after(by),
                args: args.after(by),
                outcome: outcome.after(by),
            };
        }
        self
    }

    /// Whether the line continues a call cut by a notice (no name).
    pub(crate) fn continues_cut(&self) -> bool {
        matches!(self.ev, Ev::Resumed { name: None, .. })
    }

    /// Replays a complete call whose arguments decoded to a table change through
    /// [`Replay::on_table_call`], if its task is ready for it
    /// ([`Replay::ready_for_table_call`]); `false` (nothing done) otherwise.
    #[inline]
    pub(crate) fn apply_table_call(
        &self,
        pid: Option<u32>,
        r: &mut Replay,
        text: &str,
        sink: &mut dyn Sink,
    ) -> bool {
        let (
            Some(pid),
            Ev::Call {
                name,
                args,
                outcome,
            },
            Some(Decoded {
                op: Op::Table { op, what, fds },
                ..
            }),
            Some(obs),
        ) = (pid, &self.ev, &self.decoded, &self.obs)
        else {
            return false;
        };
        let Some(at) = r.ready_for_table_call(pid) else {
            return false;
        };
        let o = Res::Spans(text, *outcome);
        let (name, args) = (name.get(text), args.get(text));
        let seen = (obs, self.pinned);
        r.on_table_call((pid, at), name, args, o, (op, what, *fds), seen, sink);
        true
    }

    /// Replays the line, `text`, as task `pid`'s.
    pub(crate) fn apply(
        &self,
        r: &mut Replay,
        pid: u32,
        number: u64,
        text: &str,
        sink: &mut dyn Sink,
    ) {
        let (class, decoded) = (self.class, self.decoded.clone());
        match self.ev {
            Ev::Call {
                name,
                args,
                outcome,
            } => {
                let o = outcome.get(text);
                let (name, args) = (name.get(text), args.get(text));
                r.call_line(
                    pid,
                    name,
                    class,
                    args,
                    &o,
                    number,
                    decoded,
                    self.obs.clone(),
                    sink,
                );
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
///
/// Whole line bodies repeat too (a loop's `close(3)                  = 0`, the
/// same padding, the same result): a second direct-mapped memo keeps what
/// [`simple_table_body`] made of the last [`BODY_SLOTS`] bodies of at most
/// [`BODY_KEY_MAX`] bytes that it prepared, so a repeated line costs its pid and
/// one lookup.
#[derive(Default)]
pub(crate) struct Preparer {
    cache: Vec<(String, Decoded)>,
    bodies: Vec<BodySlot>,
    /// Boxes of parsed lines given back ([`Preparer::recycle`]), reused: no
    /// allocation per line. At most [`SPARE_BOXES`].
    #[allow(clippy::vec_box)] // the boxes themselves are what is reused
    spare: Vec<Box<Parsed>>,
    /// Tests turn the body memo off, to compare with the parser's reading.
    #[cfg(test)]
    no_memo: bool,
}

/// Boxes of parsed lines a [`Preparer`] keeps for reuse (a batch's worth).
const SPARE_BOXES: usize = 8192;

/// One entry of the body memo.
#[derive(Default)]
struct BodySlot {
    /// The body kept (empty: none).
    key: String,
    /// Its preparation.
    prep: Option<Arc<Shared>>,
    /// The hash of the last body not kept that landed here.
    seen: u64,
}

/// Entries of the decode cache.
const CACHE_SLOTS: usize = 64;
/// Longer call texts are not cached.
const CACHE_KEY_MAX: usize = 48;
/// Entries of the body memo.
const BODY_SLOTS: usize = 256;
/// Longer bodies are not kept.
const BODY_KEY_MAX: usize = 128;

/// A hash of a short key, eight bytes at a time (FxHash's mixing step).
fn key_hash(key: &[u8]) -> u64 {
    const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
    let mut h = key.len() as u64;
    let mut chunks = key.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
    }
    let mut w = [0u8; 8];
    let rest = chunks.remainder();
    w[..rest.len()].copy_from_slice(rest);
    (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K)
}

impl Preparer {
    /// [`decode_simple`] of a call of `class` (not [`Class::Plain`]) named
    /// `name` with arguments `args`, with `key` (`name(args`) looked up first.
    fn decode(&mut self, key: &str, class: Class, name: &str, args: &str) -> Decoded {
        if key.len() > CACHE_KEY_MAX {
            return decode_simple(class, name, args);
        }
        if self.cache.is_empty() {
            self.cache
                .resize_with(CACHE_SLOTS, || (String::new(), Decoded::default()));
        }
        let slot = &mut self.cache[(key_hash(key.as_bytes()) as usize) % CACHE_SLOTS];
        if slot.0 == key {
            return slot.1.clone();
        }
        let d = decode_simple(class, name, args);
        slot.0.clear();
        slot.0.push_str(key);
        slot.1 = d.clone();
        d
    }

    /// `p` in a box, a given-back one if there is one.
    fn boxed(&mut self, p: Parsed) -> Box<Parsed> {
        match self.spare.pop() {
            Some(mut b) => {
                *b = p;
                b
            }
            None => Box::new(p),
        }
    }

    /// Takes back a line's preparation once it is replayed, to reuse its box.
    pub(crate) fn recycle(&mut self, prep: Prep) {
        if let Prep::Parsed(b) = prep {
            if self.spare.len() < SPARE_BOXES {
                self.spare.push(b);
            }
        }
    }

    /// Prepares a line (without its terminator): see the [module
    /// documentation](self).
    pub(crate) fn prepare(&mut self, text: &str) -> Prep {
        prepare_with(text, self)
    }
}

/// A complete call with simple arguments right after a plain prefix (`PID  `,
/// no timestamp) whose name is not [`Class::Plain`], read in one pass, without
/// the parser (see [`simple_parts`]); its body (from the name on) looked up in
/// the [`Preparer`]'s memo first. `None` for any other line.
fn simple_table_call<'t>(
    text: &'t str,
    preparer: &mut Preparer,
    hint: &mut Hint<'t>,
) -> Option<Prep> {
    #[cfg(test)]
    if preparer.no_memo {
        return None;
    }
    let (pid, at) = pid_prefix(text.as_bytes())?;
    let body = text.get(at..)?;
    let by = u32::try_from(at).ok()?;
    if body.len() > BODY_KEY_MAX {
        let e = simple_table_body(body, preparer, hint)?;
        return Some(Prep::Parsed(
            preparer.boxed(Parsed::Event(e.placed(pid, by))),
        ));
    }
    if preparer.bodies.is_empty() {
        preparer.bodies.resize_with(BODY_SLOTS, BodySlot::default);
    }
    let h = body_hash(body.as_bytes());
    let k = (h as usize) % BODY_SLOTS;
    if preparer.bodies[k].key != body {
        let e = simple_table_body(body, preparer, hint)?;
        let slot = &mut preparer.bodies[k];
        if slot.seen != h {
            // A body kept only the second time in a row it lands here: one seen
            // once (most lines of most logs) costs no copy, and does not push out
            // one that repeats.
            slot.seen = h;
            return Some(Prep::Parsed(
                preparer.boxed(Parsed::Event(e.placed(pid, by))),
            ));
        }
        slot.key.clear();
        slot.key.push_str(body);
        slot.prep = Some(Arc::new(Shared(e, body.into())));
    }
    let prep = Arc::clone(preparer.bodies[k].prep.as_ref()?);
    Some(Prep::Body { pid, prep })
}

/// The memo's hash of a body: its first 32 bytes, its last 8 and its length
/// (a long body is not hashed whole; the lookup compares it whole).
fn body_hash(b: &[u8]) -> u64 {
    if b.len() <= 40 {
        return key_hash(b);
    }
    let mut tail = [0u8; 8];
    tail.copy_from_slice(&b[b.len() - 8..]);
    let h = key_hash(&b[..32]) ^ (b.len() as u64).rotate_left(32);
    (h.rotate_left(5) ^ u64::from_le_bytes(tail)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95)
}

/// [`simple_table_call`] of a line's body (the line from the call's name on):
/// its preparation with spans of `body` and no pid. A pure function of `body`.
/// The call's name and class go to `hint` (for the fast path, when the name is
/// one the tables do not care about).
fn simple_table_body<'t>(
    body: &'t str,
    preparer: &mut Preparer,
    hint: &mut Hint<'t>,
) -> Option<EventPrep> {
    let b = body.as_bytes();
    // A name starts with a letter or `_` (a digit would start a timestamp).
    if !b
        .first()
        .is_some_and(|c| c.is_ascii_lowercase() || *c == b'_')
    {
        return None;
    }
    let open = ident_len(b, 0);
    if b.get(open) != Some(&b'(') {
        return None;
    }
    let name = &body[..open];
    let class = classify(name);
    hint.call = Some((name, class));
    if class == Class::Plain {
        return None;
    }
    let Some((args, result)) = simple_parts(body, open) else {
        return parsed_table_body(body, name, class);
    };
    let (outcome, obs) = match plain_decimal(result) {
        Some(v) => (
            OutSpans([Some(Span::of(body, result)?), None, None, None]),
            Obs::Ok(v),
        ),
        None => {
            let o = parse_outcome(result).ok()?;
            (OutSpans::of(body, &o)?, obs_of(Some(&o)))
        }
    };
    let key = &body[..open + 1 + args.len()];
    let decoded = Some(preparer.decode(key, class, name, args));
    Some(
        EventPrep {
            pid: None,
            ev: Ev::Call {
                name: Span::of(body, name)?,
                args: Span::of(body, args)?,
                outcome,
            },
            class,
            decoded,
            obs: Some(obs),
            pinned: None,
        }
        .with_pinned(),
    )
}

/// [`simple_table_body`] of a call whose arguments are not simple (strings,
/// structures: `openat(AT_FDCWD, "/dev/null", O_RDONLY) = 3`): the parser's
/// reading of the body, as the general path below reads the line. `None`
/// unless it is a complete call whose name is not [`Class::Plain`].
fn parsed_table_body(body: &str, name: &str, class: Class) -> Option<EventPrep> {
    // `<unfinished ...>`, `<detached ...>`: not a complete call (left to the
    // general path, which parses it once).
    if body.ends_with("...>") {
        return None;
    }
    let Ok(LineEvent::Call {
        name: parsed,
        args,
        outcome,
        ..
    }) = Line::parse_event_at(body, 0)
    else {
        return None;
    };
    if parsed != name {
        return None;
    }
    Some(
        EventPrep {
            pid: None,
            ev: Ev::Call {
                name: Span::of(body, name)?,
                args: Span::of(body, args.as_str())?,
                outcome: OutSpans::of(body, &outcome)?,
            },
            class,
            decoded: decoded(class, name, args.as_str()),
            obs: Some(obs_of(Some(&outcome))),
            pinned: None,
        }
        .with_pinned(),
    )
}

fn prepare_with(text: &str, preparer: &mut Preparer) -> Prep {
    if text.trim_start_matches([' ', '\t']).starts_with('#') {
        return Prep::Comment;
    }
    let mut hint = Hint::default();
    if let Some(p) = simple_table_call(text, preparer, &mut hint) {
        return p;
    }
    if let Some(f) = fast_prep(text, &mut hint) {
        return Prep::Fast(f);
    }
    // A line starting with a visible ASCII character is not blank (the common
    // case, without decoding characters).
    let visible = text.as_bytes().first().is_some_and(u8::is_ascii_graphic);
    if !visible && text.trim().is_empty() {
        return Prep::Blank;
    }
    // The prefix, if the fast path read it, is not parsed again.
    let (pid, event) = match reparse(text, hint.prefix) {
        Ok(p) => p,
        Err(e) => return Prep::Parsed(preparer.boxed(Parsed::Error(e))),
    };
    let other = |preparer: &mut Preparer| {
        Prep::Parsed(preparer.boxed(Parsed::Other {
            prefix: hint.prefix,
        }))
    };
    let span = |s: &str| Span::of(text, s);
    let mut obs = None;
    let (ev, class, decoded) = match event {
        LineEvent::Call {
            name,
            args,
            outcome,
            ..
        } => {
            obs = Some(obs_of(Some(&outcome)));
            let class = class_of(name, hint);
            let (Some(n), Some(a), Some(o)) = (
                span(name),
                span(args.as_str()),
                OutSpans::of(text, &outcome),
            ) else {
                return other(preparer);
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
                    None => return other(preparer),
                },
            };
            let (Some(n), Some(a)) = (span(name), span(args.as_str())) else {
                return other(preparer);
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
                    None => return other(preparer),
                },
                None => None,
            };
            let (Some(a), Some(o)) = (span(args.as_str()), OutSpans::of(text, &outcome)) else {
                return other(preparer);
            };
            let ev = Ev::Resumed {
                name,
                args: a,
                outcome: o,
            };
            (ev, Class::Plain, None)
        }
        _ => return other(preparer),
    };
    Prep::Parsed(preparer.boxed(Parsed::Event(EventPrep {
        pid,
        ev,
        class,
        decoded,
        obs,
        pinned: None,
    })))
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
        let prefix = prop::sample::select(vec!["42  ", "7 ", "123456789 ", "8109     "]);
        (
            prefix,
            name,
            prop::collection::vec(arg, 0..4),
            pad,
            result,
            any::<bool>(),
        )
            .prop_map(|(prefix, name, args, pad, result, close)| {
                let close = if close { ")" } else { "" };
                format!("{prefix}{name}({}{close}{pad} = {result}", args.join(","))
            })
    }

    proptest! {
        #[test]
        fn simple_calls_read_as_the_parser_reads_them(text in line()) {
            let open = text.find('(').unwrap();
            let body = text.find(|c: char| c.is_ascii_lowercase()).unwrap();
            if let Some((args, outcome)) = crate::fast::simple_call(&text, open) {
                let Ok(LineEvent::Call { args: a, outcome: o, .. }) = Line::parse_event_at(&text, body)
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
        fn a_memoised_body_prepares_as_the_parser_reads_its_line(
            lines in prop::collection::vec(line(), 1..40)
        ) {
            // Twice, so that the second round comes from the memo.
            let mut p = Preparer::default();
            for text in lines.iter().chain(&lines) {
                let memo = match p.prepare(text) {
                    Prep::Body { pid, prep } => prep.0.clone().placed(pid, at(text, &prep)),
                    _ => continue,
                };
                let mut parsed = Preparer {
                    no_memo: true,
                    ..Preparer::default()
                };
                let e = match parsed.prepare(text) {
                    Prep::Parsed(p) => match *p {
                        Parsed::Event(e) => e,
                        _ => panic!("{text:?}: memoised, but the parser does not read a call"),
                    },
                    _ => panic!("{text:?}: memoised, but the parser does not read a call"),
                };
                let e = e.with_pinned();
                prop_assert_eq!(format!("{memo:?}"), format!("{e:?}"), "{:?}", text);
            }
        }

        #[test]
        fn every_line_prepares_the_same_with_or_without_the_cache(
            lines in prop::collection::vec(line(), 1..40)
        ) {
            let mut p = Preparer::default();
            for text in lines.iter().chain(&lines) {
                let with = meaning(text, p.prepare(text));
                let without = meaning(text, prepare_with(text, &mut Preparer::default()));
                prop_assert_eq!(with, without, "{:?}", text);
            }
        }
    }

    /// Where a memoised body starts in its line `text`.
    fn at(text: &str, prep: &Shared) -> u32 {
        assert!(text.ends_with(prep.body()), "{text:?}");
        (text.len() - prep.body().len()) as u32
    }

    /// What line `text`'s preparation says, whether it came from the body memo
    /// or not.
    fn meaning(text: &str, p: Prep) -> String {
        match p {
            Prep::Body { pid, prep } => {
                format!("{:?}", prep.0.clone().placed(pid, at(text, &prep)))
            }
            Prep::Parsed(p) => match *p {
                Parsed::Event(e) => format!("{e:?}"),
                p => format!("{p:?}"),
            },
            p => format!("{p:?}"),
        }
    }

    #[test]
    fn plain_decimal_results_read_as_the_parser_reads_them() {
        for t in ["0", "3", "4294967296", "007", "-1", "3 ", "", "3<x>", "?"] {
            assert_eq!(parse_outcome(t).ok(), Outcome::parse(t).ok(), "{t:?}");
        }
    }

    #[test]
    fn repeated_bodies_come_from_the_memo_placed_in_their_line() {
        let mut p = Preparer::default();
        for text in [
            "8109  fcntl(5, F_DUPFD, 10)             = 11",
            "12 fcntl(5, F_DUPFD, 10)             = 11",
            "7 openat(AT_FDCWD, \"/x\", O_RDONLY) = 3",
            "99999 openat(AT_FDCWD, \"/x\", O_RDONLY) = 3",
            "5  fcntl(4, F_GETFD) = -1 EBADF (Bad file descriptor)",
        ] {
            // Kept the second time a body is seen.
            let first = p.prepare(text);
            let Prep::Body { pid, prep } = p.prepare(text) else {
                panic!("{text:?} is not memoised");
            };
            let memo = Prep::Body {
                pid,
                prep: Arc::clone(&prep),
            };
            assert_eq!(meaning(text, first), meaning(text, memo));
            let mut parser = Preparer {
                no_memo: true,
                ..Preparer::default()
            };
            let e = match parser.prepare(text) {
                Prep::Parsed(p) => match *p {
                    Parsed::Event(e) => e,
                    _ => panic!("{text:?}: the parser reads no call"),
                },
                _ => panic!("{text:?}: the parser reads no call"),
            };
            let memo = prep.0.clone().placed(pid, at(text, &prep));
            let e = e.with_pinned();
            assert_eq!(format!("{memo:?}"), format!("{e:?}"), "{text:?}");
        }
        // The two `fcntl` lines share one preparation.
        let (Prep::Body { prep: a, .. }, Prep::Body { prep: b, .. }) = (
            p.prepare("1 fcntl(5, F_DUPFD, 10)             = 11"),
            p.prepare("2   fcntl(5, F_DUPFD, 10)             = 11"),
        ) else {
            panic!("not memoised");
        };
        assert!(Arc::ptr_eq(&a, &b));
    }

    #[test]
    fn a_reused_box_carries_nothing_over() {
        let lines = [
            "1  write(1, \"a\", 1) = 1",
            "1  +++ exited with 0 +++",
            "1  close(3 <unfinished ...>",
            "bad line",
            "1  <... close resumed>) = 0",
        ];
        let mut p = Preparer::default();
        for round in 0..3 {
            for text in lines {
                let prep = p.prepare(text);
                let fresh = Preparer::default().prepare(text);
                assert_eq!(
                    meaning(text, prep),
                    meaning(text, fresh),
                    "{round} {text:?}"
                );
                // Give a box back after each line, the way the replay does.
                let used = p.prepare(text);
                p.recycle(used);
            }
        }
        assert!(!p.spare.is_empty(), "no box was given back");
    }

    #[test]
    fn colliding_cache_entries_replace_each_other() {
        // More distinct calls than slots: every one still decodes to itself.
        let mut p = Preparer::default();
        for round in 0..2 {
            for fd in 0..(2 * CACHE_SLOTS) {
                let text = format!("7 fcntl({fd}, F_DUPFD, 10) = 10");
                let e = match p.prepare(&text) {
                    Prep::Body { prep, .. } => Arc::new(prep.0.clone()),
                    Prep::Parsed(p) => match *p {
                        Parsed::Event(e) => Arc::new(e),
                        _ => panic!("{text}: not a call"),
                    },
                    _ => panic!("{text}: not a call"),
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

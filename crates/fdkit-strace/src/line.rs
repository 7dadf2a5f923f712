//! [`Line`]: one line of strace output, parsed eagerly up to the arguments.
//!
//! A line is `[prefix] [timestamps] [-n nr] [-i ip] body`, where the prefix is
//! `1234  ` (`-f -o FILE`), `[pid  1234] ` (`-f` to stderr) or nothing, and the body
//! is a call, an unfinished or resumed call, a `---` signal, a `+++` exit, a
//! `strace:` notice or a `-k` stack frame. See [`Event`] for every body form.

use std::fmt;
use std::fmt::Write as _;

use crate::args::Args;
use crate::error::{Error, ErrorKind};
use crate::outcome::{self, Outcome};
use crate::scan::{self, STOP_CLOSE};
use crate::ws;

/// A decimal number of seconds as strace prints it, keeping the precision so
/// that printing gives back the same digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Seconds {
    /// Whole seconds.
    pub secs: u64,
    /// Nanoseconds, below 1e9.
    pub nanos: u32,
    /// Digits after the decimal point (0 to 9).
    pub digits: u8,
}

impl Seconds {
    /// As a [`std::time::Duration`].
    pub fn to_duration(self) -> std::time::Duration {
        std::time::Duration::new(self.secs, self.nanos)
    }

    /// Parses `secs[.frac]` with up to 9 fraction digits.
    fn parse(t: &str) -> Option<Seconds> {
        let (whole, frac) = match t.split_once('.') {
            Some((w, f)) => (w, Some(f)),
            None => (t, None),
        };
        if whole.is_empty() || !whole.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let secs = whole.parse().ok()?;
        let Some(frac) = frac else {
            return Some(Seconds {
                secs,
                nanos: 0,
                digits: 0,
            });
        };
        if frac.is_empty() || frac.len() > 9 || !frac.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let digits = frac.len() as u8;
        let nanos = frac.parse::<u32>().ok()? * 10u32.pow(9 - u32::from(digits));
        Some(Seconds {
            secs,
            nanos,
            digits,
        })
    }

    fn write_frac(&self, f: &mut impl fmt::Write) -> fmt::Result {
        if self.digits > 0 {
            let d = u32::from(self.digits.min(9));
            write!(f, ".{:0w$}", self.nanos / 10u32.pow(9 - d), w = d as usize)?;
        }
        Ok(())
    }
}

impl fmt::Display for Seconds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.secs)?;
        self.write_frac(f)
    }
}

/// When a line was written (`-t`, `-tt`, `-ttt`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Timestamp {
    /// `-t`/`-tt`: wall-clock time of day, `11:17:12.123456`, as seconds since
    /// midnight.
    Clock(Seconds),
    /// `-ttt`: seconds since the Unix epoch, `1700000000.123456`.
    Unix(Seconds),
}

impl Timestamp {
    /// The timestamp a line without a pid prefix starts with (`strace -ff`'s
    /// per-process files), whatever follows it: `11:17:12.123456 ...` or
    /// `1700000000.123456 ...`. `None` for no timestamp or a relative one
    /// (`-r`).
    pub fn leading(text: &str) -> Option<Timestamp> {
        let token = text.split(' ').next()?;
        if !token.as_bytes().first()?.is_ascii_digit() {
            return None;
        }
        if token.as_bytes().get(2) == Some(&b':') {
            return parse_clock(token).map(Timestamp::Clock);
        }
        Seconds::parse(token)
            .filter(|s| s.secs >= UNIX_MIN)
            .map(Timestamp::Unix)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Timestamp::Clock(s) => {
                let t = s.secs;
                write!(f, "{:02}:{:02}:{:02}", t / 3600, t / 60 % 60, t % 60)?;
                s.write_frac(f)
            }
            Timestamp::Unix(s) => write!(f, "{s}"),
        }
    }
}

/// Why a call's line ended before its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pause<'a> {
    /// ` <unfinished ...>`: another process printed; a `<... name resumed>` follows.
    Unfinished,
    /// ` <detached ...>`: strace detached; the call never completes in the log.
    Detached,
    /// ` <pid changed to 1234 ...>`: a non-leader thread called `execve` and is
    /// about to take over the leader's pid 1234; the call resumes under that pid
    /// after `+++ superseded by execve in pid ... +++`.
    PidChanged(u32),
    /// strace wrote a notice into the middle of the line (stderr output only):
    /// `clone(...|SIGCHLDstrace: Process 2861 attached`. The rest of the call
    /// follows on a line starting with `,` or `)`. Holds the notice text after
    /// `strace: `.
    Notice(&'a str),
}

/// What a line says.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Event<'a> {
    /// A complete call: `close(3) = 0`.
    Call {
        /// The system call name (`syscall_0x3e8` for unknown numbers).
        name: &'a str,
        /// The arguments, split lazily.
        args: Args<'a>,
        /// What it returned.
        outcome: Outcome<'a>,
        /// `-T`: time spent in the call.
        duration: Option<Seconds>,
    },
    /// The first half of a call: `read(3,  <unfinished ...>`.
    Unfinished {
        /// The system call name.
        name: &'a str,
        /// The arguments printed so far (with their trailing `, ` if any).
        args: Args<'a>,
        /// Why the line stopped.
        pause: Pause<'a>,
    },
    /// The second half: `<... read resumed>"hi", 2) = 2`, or the rest of a line
    /// cut by a notice (`, child_tidptr=0x7f) = 2861`, with no name).
    Resumed {
        /// The name in `<... name resumed>`, `None` for a continuation.
        name: Option<&'a str>,
        /// The remaining arguments.
        args: Args<'a>,
        /// What the call returned.
        outcome: Outcome<'a>,
        /// `-T`: time spent in the whole call.
        duration: Option<Seconds>,
    },
    /// A pause marker alone on a line, ending a line that a notice cut:
    /// ` <detached ...>` (strace detached before the call returned) or
    /// ` <unfinished ...>` (seen after `clone` in stderr output).
    Mark(Pause<'a>),
    /// `--- SIGCHLD {si_signo=SIGCHLD, ...} ---`: a signal was delivered.
    Signal {
        /// The signal name, `SIGCHLD`.
        signal: &'a str,
        /// The rest, usually the `{siginfo}` (parse it with [`Value::parse`](crate::Value::parse)).
        info: &'a str,
    },
    /// `--- stopped by SIGSTOP ---`.
    Stopped {
        /// The stopping signal.
        signal: &'a str,
    },
    /// `+++ exited with 0 +++`.
    Exited {
        /// The exit status.
        status: i32,
    },
    /// `+++ killed by SIGKILL +++` or `+++ killed by SIGSEGV (core dumped) +++`.
    Killed {
        /// The fatal signal.
        signal: &'a str,
        /// Whether a core was dumped.
        core_dumped: bool,
    },
    /// `+++ superseded by execve in pid 1235 +++`: a non-leader thread (1235) called
    /// `execve`; it takes over this pid, and every other thread is gone.
    Superseded {
        /// The thread whose `execve` replaced this one.
        by: u32,
    },
    /// `strace: Process 1234 attached` and other notices: the text after `strace: `.
    Notice(&'a str),
    /// ` > /lib/libc.so.6(read+0x12) [0x10e1d2]`: a `-k` stack frame, the text after ` > `.
    StackFrame(&'a str),
}

/// One parsed line of strace output, borrowing the text.
///
/// The prefix, timestamps, call name, result and duration are parsed eagerly;
/// arguments are left as [`Args`] to split and decode on demand.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Line<'a> {
    pid: Option<u32>,
    comm: Option<&'a str>,
    bracketed: bool,
    time: Option<Timestamp>,
    relative: Option<Seconds>,
    syscall_nr: Option<u32>,
    ip: Option<&'a str>,
    event: Event<'a>,
}

const UNFINISHED: &str = " <unfinished ...>";
const DETACHED: &str = " <detached ...>";
/// strace pads a call to this column before ` = `.
const RESULT_COLUMN: usize = 40;
/// `-ttt` values below this are taken as `-r` relative times (1973-03-03).
const UNIX_MIN: u64 = 100_000_000;

impl<'a> Line<'a> {
    /// Parses one line, without its line terminator (a trailing `\n` or `\r\n` is
    /// ignored).
    ///
    /// Errors report line 1; set the real number with [`Error::at_line`].
    pub fn parse(text: &'a str) -> Result<Line<'a>, Error> {
        let text = text.strip_suffix('\n').unwrap_or(text);
        let text = text.strip_suffix('\r').unwrap_or(text);
        let mut p = Prefix::default();
        let i = p.parse(text)?;
        let event = parse_body(text, i)?;
        Ok(Line {
            pid: p.pid,
            comm: p.comm,
            bracketed: p.bracketed,
            time: p.time,
            relative: p.relative,
            syscall_nr: p.syscall_nr,
            ip: p.ip,
            event,
        })
    }

    /// The [`Event`] of a line whose prefix the caller has read itself: the same as
    /// `Line::parse(text).map(Line::into_event)` when `text` starts with a plain
    /// prefix (a pid and spaces: no `-Y` name, timestamps, `-n` or `-i` fields) that
    /// ends at byte `body`, without the work of parsing the prefix again (and
    /// errors report the same columns).
    pub fn parse_event_at(text: &'a str, body: usize) -> Result<Event<'a>, Error> {
        let text = text.strip_suffix('\n').unwrap_or(text);
        let text = text.strip_suffix('\r').unwrap_or(text);
        parse_body(text, body)
    }

    /// The pid (or tid) from the prefix; `None` when strace traced one process.
    pub fn pid(&self) -> Option<u32> {
        self.pid
    }

    /// `-Y`: the command name after the pid, `1234<sh>`.
    pub fn comm(&self) -> Option<&'a str> {
        self.comm
    }

    /// `-t`/`-tt`/`-ttt`: when the line was written.
    pub fn time(&self) -> Option<Timestamp> {
        self.time
    }

    /// `-r`: time since the previous line.
    pub fn relative(&self) -> Option<Seconds> {
        self.relative
    }

    /// `-n`: the system call number, `[  3]`.
    pub fn syscall_nr(&self) -> Option<u32> {
        self.syscall_nr
    }

    /// `-i`: the instruction pointer, as written (`00007f0388990ad7`).
    pub fn ip(&self) -> Option<&'a str> {
        self.ip
    }

    /// What the line says.
    pub fn event(&self) -> &Event<'a> {
        &self.event
    }

    /// Takes the event out of the line.
    pub fn into_event(self) -> Event<'a> {
        self.event
    }
}

/// Everything before the body.
#[derive(Default)]
struct Prefix<'a> {
    pid: Option<u32>,
    comm: Option<&'a str>,
    bracketed: bool,
    time: Option<Timestamp>,
    relative: Option<Seconds>,
    syscall_nr: Option<u32>,
    ip: Option<&'a str>,
}

fn digits(b: &[u8], i: usize) -> usize {
    let mut j = i.min(b.len());
    let from = j;
    while j < b.len() && b[j].is_ascii_digit() {
        j += 1;
    }
    j - from
}

fn spaces(b: &[u8], mut i: usize) -> usize {
    while b.get(i) == Some(&b' ') {
        i += 1;
    }
    i
}

impl<'a> Prefix<'a> {
    /// Parses the prefix; returns where the body starts.
    fn parse(&mut self, text: &'a str) -> Result<usize, Error> {
        let b = text.as_bytes();
        let mut i = 0;
        if b.starts_with(b"[pid ") {
            self.bracketed = true;
            i = spaces(b, 5);
            i = self.pid_at(text, i)?;
            if b.get(i) != Some(&b']') {
                return Err(Error::at(ErrorKind::Syntax, text, i, "`]`"));
            }
            i += 1;
        } else {
            let n = digits(b, 0);
            if n > 0 && matches!(b.get(n), Some(b' ' | b'<')) {
                i = self.pid_at(text, 0)?;
            }
        }
        i = spaces(b, i);
        i = self.timestamps(text, i)?;
        for _ in 0..2 {
            if b.get(i) != Some(&b'[') {
                break;
            }
            i = self.bracket_field(text, i)?;
        }
        Ok(i)
    }

    fn pid_at(&mut self, text: &'a str, i: usize) -> Result<usize, Error> {
        let b = text.as_bytes();
        let n = digits(b, i);
        // `str::parse::<u32>` of the digits, without its generality.
        self.pid = (n > 0)
            .then(|| {
                b[i..i + n].iter().try_fold(0u32, |v, &c| {
                    v.checked_mul(10)?.checked_add(u32::from(c - b'0'))
                })
            })
            .flatten();
        if self.pid.is_none() {
            return Err(Error::at(ErrorKind::Syntax, text, i, "a pid"));
        }
        let mut j = i + n;
        if b.get(j) == Some(&b'<') {
            let end = scan::skip_angle(text, j)?;
            self.comm = Some(&text[j + 1..end - 1]);
            j = end;
        }
        Ok(j)
    }

    /// `-t`/`-tt`/`-ttt` and `-r` (alone, or as `(+ 0.000123)` after a clock).
    fn timestamps(&mut self, text: &'a str, mut i: usize) -> Result<usize, Error> {
        let b = text.as_bytes();
        if b.get(i).is_some_and(u8::is_ascii_digit) {
            let end = memchr::memchr(b' ', &b[i..]).map_or(b.len(), |k| i + k);
            let token = &text[i..end];
            let bad = || Error::at(ErrorKind::Syntax, text, i, "a timestamp");
            if token.as_bytes().get(2) == Some(&b':') {
                self.time = Some(Timestamp::Clock(parse_clock(token).ok_or_else(bad)?));
            } else {
                let s = Seconds::parse(token).ok_or_else(bad)?;
                if s.secs >= UNIX_MIN {
                    self.time = Some(Timestamp::Unix(s));
                } else {
                    self.relative = Some(s);
                }
            }
            i = spaces(b, end);
        }
        if b[i.min(b.len())..].starts_with(b"(+") {
            let close = memchr::memchr(b')', &b[i..]).map(|k| i + k);
            let s = close.and_then(|c| Seconds::parse(text[i + 2..c].trim_start()));
            let (Some(close), Some(s)) = (close, s) else {
                return Err(Error::at(
                    ErrorKind::Syntax,
                    text,
                    i,
                    "a relative timestamp",
                ));
            };
            self.relative = Some(s);
            i = spaces(b, close + 1);
        }
        Ok(i)
    }

    /// `[  3]` (`-n`) or `[00007f0388990ad7]` (`-i`).
    fn bracket_field(&mut self, text: &'a str, i: usize) -> Result<usize, Error> {
        let b = text.as_bytes();
        let Some(close) = memchr::memchr(b']', &b[i..]).map(|k| i + k) else {
            return Err(Error::at(ErrorKind::Unbalanced, text, i, "`]`"));
        };
        let inner = text[i + 1..close].trim_start();
        let is_ip = inner.len() >= 8 && inner.bytes().all(|c| c.is_ascii_hexdigit() || c == b'?');
        if is_ip && self.ip.is_none() {
            self.ip = Some(inner);
        } else if let (Ok(nr), None, None) = (inner.parse(), self.syscall_nr, self.ip) {
            self.syscall_nr = Some(nr);
        } else {
            return Err(Error::at(ErrorKind::Syntax, text, i, "a system call"));
        }
        Ok(spaces(b, close + 1))
    }
}

/// `HH:MM:SS[.frac]` as seconds since midnight.
fn parse_clock(t: &str) -> Option<Seconds> {
    let b = t.as_bytes();
    if b.len() < 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    // Bytes, not `&t[r]`: a multi-byte character may straddle a field's edge.
    let field = |r: std::ops::Range<usize>| -> Option<u64> {
        b[r].iter().try_fold(0u64, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u64::from(c - b'0'))
        })
    };
    // A time of day, as localtime gives it: `HH:MM:SS`, each field two digits in
    // range (any other text would print back differently).
    let (h, m, whole) = (field(0..2)?, field(3..5)?, field(6..8)?);
    if h > 23 || m > 59 || whole > 59 || !matches!(b.get(8), None | Some(b'.')) {
        return None;
    }
    let mut s = Seconds::parse(&t[6..])?;
    s.secs += h * 3600 + m * 60;
    Some(s)
}

fn name_len(b: &[u8], i: usize) -> usize {
    let mut j = i;
    while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_' || b[j] == b'?') {
        j += 1;
    }
    j - i
}

fn parse_body(text: &str, i: usize) -> Result<Event<'_>, Error> {
    let b = text.as_bytes();
    let body = &text[i..];
    let syntax = |at: usize, expected| Error::at(ErrorKind::Syntax, text, at, expected);
    match b.get(i) {
        Some(b'+') if body.starts_with("+++ ") => return exit_event(text, i),
        Some(b'-') if body.starts_with("--- ") => return signal_event(text, i),
        Some(b's') if body.starts_with("strace: ") => return Ok(Event::Notice(&body[8..])),
        Some(b'>') if body.starts_with("> ") => return Ok(Event::StackFrame(&body[2..])),
        Some(b'<') if body == "<detached ...>" => return Ok(Event::Mark(Pause::Detached)),
        Some(b'<') if body == "<unfinished ...>" => return Ok(Event::Mark(Pause::Unfinished)),
        Some(b'<') if body.starts_with("<... ") => return resumed(text, i),
        Some(b',' | b')' | b'=') if b[i] != b'=' || body.starts_with("=>") => {
            // A continuation; ` => {parent_tid=[1]}, 88) = 1` keeps its space
            // when it starts the line. After a prefix, the spaces belong to the
            // prefix (printed anew, padded), so none are kept.
            let mut start = i;
            if text[..i].trim_end().is_empty() && body.starts_with("=>") {
                start = 0;
            }
            let (args, outcome, duration) = finish(text, start)?;
            return Ok(Event::Resumed {
                name: None,
                args,
                outcome,
                duration,
            });
        }
        _ => {}
    }
    let n = name_len(b, i);
    if n == 0 {
        return Err(syntax(i, "a system call, signal or notice"));
    }
    if b.get(i + n) != Some(&b'(') {
        return Err(syntax(i + n, "`(`"));
    }
    call(text, &text[i..i + n], i + n + 1)
}

/// A call from its name to the end of the line; `start` is just past `(`.
fn call<'a>(text: &'a str, name: &'a str, start: usize) -> Result<Event<'a>, Error> {
    for (suffix, pause) in [(UNFINISHED, Pause::Unfinished), (DETACHED, Pause::Detached)] {
        if let Some(head) = text.strip_suffix(suffix) {
            if head.len() >= start {
                return unfinished(head, name, start, pause);
            }
        }
    }
    if let Some(head) = text.strip_suffix(" ...>") {
        if let Some(k) = memchr::memmem::rfind(head.as_bytes(), b" <pid changed to ") {
            if let (true, Ok(pid)) = (k >= start, head[k + 17..].parse()) {
                return unfinished(&text[..k], name, start, Pause::PidChanged(pid));
            }
        }
    }
    let scanned = scan::scan(text, start, STOP_CLOSE);
    if let Ok(stop) = scanned {
        if stop.pos < text.len() {
            if text.as_bytes()[stop.pos] != b')' {
                return Err(Error::at(ErrorKind::Unbalanced, text, stop.pos, "`)`"));
            }
            let (args, outcome, duration) = finish_at(text, start, stop.pos)?;
            return Ok(Event::Call {
                name,
                args,
                outcome,
                duration,
            });
        }
    }
    // No `)`: a line cut by a notice, or broken.
    if let Some(k) = memchr::memmem::rfind(&text.as_bytes()[start..], b"strace: ") {
        let head = &text[..start + k];
        if let Ok(Event::Unfinished { name, args, .. }) =
            unfinished(head, name, start, Pause::Unfinished)
        {
            return Ok(Event::Unfinished {
                name,
                args,
                pause: Pause::Notice(&text[start + k + 8..]),
            });
        }
    }
    Err(scanned
        .err()
        .unwrap_or_else(|| Error::at(ErrorKind::Unbalanced, text, text.len(), "`)`")))
}

/// The head of a call whose line ends in a pause marker; `head` excludes it.
fn unfinished<'a>(
    head: &'a str,
    name: &'a str,
    start: usize,
    pause: Pause<'a>,
) -> Result<Event<'a>, Error> {
    scan::scan(head, start, 0)?;
    Ok(Event::Unfinished {
        name,
        args: Args::new(&head[start..], start),
        pause,
    })
}

/// `<... name resumed>rest) = result`.
fn resumed(text: &str, i: usize) -> Result<Event<'_>, Error> {
    let b = text.as_bytes();
    let at = i + 5;
    let n = name_len(b, at);
    if n == 0 || !text[at + n..].starts_with(" resumed>") {
        return Err(Error::at(
            ErrorKind::Syntax,
            text,
            at + n,
            "`<... name resumed>`",
        ));
    }
    let (args, outcome, duration) = finish(text, at + n + 9)?;
    Ok(Event::Resumed {
        name: Some(&text[at..at + n]),
        args,
        outcome,
        duration,
    })
}

/// From the start of (remaining) arguments to the end: args, `)`, ` = result`,
/// ` <duration>`.
fn finish(text: &str, start: usize) -> Result<(Args<'_>, Outcome<'_>, Option<Seconds>), Error> {
    let stop = scan::scan(text, start, STOP_CLOSE)?;
    if stop.pos >= text.len() || text.as_bytes()[stop.pos] != b')' {
        return Err(Error::at(ErrorKind::Unbalanced, text, stop.pos, "`)`"));
    }
    finish_at(text, start, stop.pos)
}

/// [`finish`] once the `)` at `close` is known.
fn finish_at(
    text: &str,
    start: usize,
    close: usize,
) -> Result<(Args<'_>, Outcome<'_>, Option<Seconds>), Error> {
    let b = text.as_bytes();
    let args = Args::new(&text[start..close], start);
    let eq = spaces(b, close + 1);
    if b.get(eq) != Some(&b'=') {
        return Err(Error::at(ErrorKind::MissingResult, text, eq, "`=`"));
    }
    let from = spaces(b, eq + 1);
    let mut end = ws::trim_end(text).len().max(from);
    let mut duration = None;
    if end > from && b[end - 1] == b'>' {
        if let Some(k) = memchr::memrchr(b'<', &b[from..end]) {
            let open = from + k;
            if open > from && b[open - 1] == b' ' {
                if let Some(d) = Seconds::parse(&text[open + 1..end - 1]) {
                    duration = Some(d);
                    end = open - 1;
                }
            }
        }
    }
    let outcome = outcome::parse_at(ws::trim_end(&text[from..end]), from)?;
    Ok((args, outcome, duration))
}

fn exit_event(text: &str, i: usize) -> Result<Event<'_>, Error> {
    let inner = text[i + 4..].strip_suffix(" +++");
    let bad = || {
        Error::at(
            ErrorKind::Syntax,
            text,
            i + 4,
            "`exited with`, `killed by` or `superseded by`",
        )
    };
    let inner = inner.ok_or_else(bad)?;
    if let Some(n) = inner.strip_prefix("exited with ") {
        return Ok(Event::Exited {
            status: n.parse().map_err(|_| bad())?,
        });
    }
    if let Some(sig) = inner.strip_prefix("killed by ") {
        let (signal, core_dumped) = match sig.strip_suffix(" (core dumped)") {
            Some(s) => (s, true),
            None => (sig, false),
        };
        if signal.is_empty() || signal.contains(' ') {
            return Err(bad());
        }
        return Ok(Event::Killed {
            signal,
            core_dumped,
        });
    }
    if let Some(pid) = inner.strip_prefix("superseded by execve in pid ") {
        return Ok(Event::Superseded {
            by: pid.parse().map_err(|_| bad())?,
        });
    }
    Err(bad())
}

fn signal_event(text: &str, i: usize) -> Result<Event<'_>, Error> {
    let Some(inner) = text[i + 4..].strip_suffix(" ---") else {
        return Err(Error::at(ErrorKind::Syntax, text, text.len(), "` ---`"));
    };
    if let Some(signal) = inner.strip_prefix("stopped by ") {
        return Ok(Event::Stopped { signal });
    }
    let (signal, info) = inner.split_once(' ').unwrap_or((inner, ""));
    if signal.is_empty() {
        return Err(Error::at(ErrorKind::Syntax, text, i + 4, "a signal name"));
    }
    Ok(Event::Signal {
        signal,
        info: info.trim(),
    })
}

// ---- printing -------------------------------------------------------------------

impl fmt::Display for Line<'_> {
    /// Prints the line as strace would, including its padding before ` = `.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        self.write_prefix(&mut out)?;
        write_event(&mut out, &self.event)?;
        f.write_str(&out)
    }
}

impl Line<'_> {
    fn write_prefix(&self, out: &mut String) -> fmt::Result {
        if let Some(pid) = self.pid {
            let with_comm = |out: &mut String| match self.comm {
                Some(c) => write!(out, "{pid}<{c}>"),
                None => write!(out, "{pid}"),
            };
            if self.bracketed {
                out.push_str("[pid ");
                let mut p = String::new();
                with_comm(&mut p)?;
                write!(out, "{p:>5}] ")?;
            } else if self.comm.is_some() {
                with_comm(out)?;
                out.push(' ');
            } else {
                write!(out, "{pid:<5} ")?;
            }
        }
        if let Some(t) = self.time {
            write!(out, "{t} ")?;
        }
        if let Some(r) = self.relative {
            let open = if self.time.is_some() { "(+" } else { "" };
            write!(out, "{open}{:>6}", r.secs)?;
            r.write_frac(out)?;
            out.push_str(if self.time.is_some() { ") " } else { " " });
        }
        if let Some(nr) = self.syscall_nr {
            write!(out, "[{nr:>4}] ")?;
        }
        if let Some(ip) = self.ip {
            write!(out, "[{ip}] ")?;
        }
        Ok(())
    }
}

/// Writes ` = outcome <duration>` padded the way strace pads it.
fn write_result(out: &mut String, outcome: &Outcome<'_>, duration: Option<Seconds>) -> fmt::Result {
    out.push(' ');
    while out.len() < RESULT_COLUMN {
        out.push(' ');
    }
    write!(out, "= {outcome}")?;
    if let Some(d) = duration {
        write!(out, " <{d}>")?;
    }
    Ok(())
}

fn write_event(out: &mut String, event: &Event<'_>) -> fmt::Result {
    match event {
        Event::Call {
            name,
            args,
            outcome,
            duration,
        } => {
            write!(out, "{name}({args})")?;
            write_result(out, outcome, *duration)
        }
        Event::Unfinished { name, args, pause } => {
            write!(out, "{name}({args}")?;
            match pause {
                Pause::Unfinished => out.push_str(UNFINISHED),
                Pause::Detached => out.push_str(DETACHED),
                Pause::Notice(n) => write!(out, "strace: {n}")?,
                Pause::PidChanged(pid) => write!(out, " <pid changed to {pid} ...>")?,
            }
            Ok(())
        }
        Event::Resumed {
            name,
            args,
            outcome,
            duration,
        } => {
            if let Some(name) = name {
                write!(out, "<... {name} resumed>")?;
            }
            write!(out, "{args})")?;
            write_result(out, outcome, *duration)
        }
        Event::Mark(Pause::Detached) => {
            out.push_str(DETACHED);
            Ok(())
        }
        Event::Mark(Pause::Unfinished) => {
            out.push_str(UNFINISHED);
            Ok(())
        }
        Event::Mark(Pause::Notice(n)) => write!(out, "strace: {n}"),
        Event::Mark(Pause::PidChanged(pid)) => write!(out, " <pid changed to {pid} ...>"),
        Event::Signal { signal, info: "" } => write!(out, "--- {signal} ---"),
        Event::Signal { signal, info } => write!(out, "--- {signal} {info} ---"),
        Event::Stopped { signal } => write!(out, "--- stopped by {signal} ---"),
        Event::Exited { status } => write!(out, "+++ exited with {status} +++"),
        Event::Killed {
            signal,
            core_dumped,
        } => {
            let core = if *core_dumped { " (core dumped)" } else { "" };
            write!(out, "+++ killed by {signal}{core} +++")
        }
        Event::Superseded { by } => write!(out, "+++ superseded by execve in pid {by} +++"),
        Event::Notice(n) => write!(out, "strace: {n}"),
        Event::StackFrame(s) => write!(out, " > {s}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn parse(text: &str) -> Line<'_> {
        Line::parse(text).unwrap_or_else(|e| panic!("parse({text:?}): got {e}"))
    }

    #[test]
    fn seconds_keep_their_precision() {
        let s = Seconds::parse("0.000123").unwrap();
        assert_eq!((s.secs, s.nanos, s.digits), (0, 123_000, 6));
        assert_eq!(s.to_string(), "0.000123");
        assert_eq!(
            Seconds::parse("1.123456789").unwrap().to_string(),
            "1.123456789"
        );
        assert_eq!(Seconds::parse("12").unwrap().to_string(), "12");
        assert!(Seconds::parse("1.1234567890").is_none());
        assert!(Seconds::parse("1.").is_none());
    }

    #[test]
    fn clock_is_seconds_since_midnight() {
        let Some(Timestamp::Clock(s)) = parse("11:17:12 close(3) = 0").time() else {
            panic!()
        };
        assert_eq!((s.secs, s.digits), (11 * 3600 + 17 * 60 + 12, 0));
        assert_eq!(Timestamp::Clock(s).to_string(), "11:17:12");
    }

    #[test]
    fn prefix_pid_forms() {
        assert_eq!(parse("1234  close(3) = 0").pid(), Some(1234));
        assert_eq!(parse("[pid  1234] close(3) = 0").pid(), Some(1234));
        assert_eq!(parse("close(3) = 0").pid(), None);
        let l = parse("3342<sh> close(3) = 0");
        assert_eq!((l.pid(), l.comm()), (Some(3342), Some("sh")));
    }

    #[test]
    fn events_after_a_read_prefix_are_those_of_the_whole_line() {
        for text in [
            "1234  close(3) = 0",
            "1234  close(3 <unfinished ...>",
            "1234  <... close resumed>) = 0",
            "1234 read(3, \"a)\", 2) = 2\r",
            "1234  close(3",
            "1234  close(3) = ",
            "1234  +++ exited with 0 +++",
            "1234  clone(child_stack=NULL, flags=SIGCHLDstrace: Process 9 attached",
        ] {
            let body = text.find(|c: char| !c.is_ascii_digit()).unwrap();
            let body = body + text[body..].len() - text[body..].trim_start().len();
            let whole = Line::parse(text).map(Line::into_event);
            let after = Line::parse_event_at(text, body);
            assert_eq!(format!("{whole:?}"), format!("{after:?}"), "{text:?}");
        }
    }

    #[test]
    fn display_pads_like_strace() {
        let text = "getpid()                                = 2860";
        assert_eq!(parse(text).to_string(), text);
        let text = "2829  brk(NULL)                         = 0x55ab417de000";
        assert_eq!(parse(text).to_string(), text);
    }
}

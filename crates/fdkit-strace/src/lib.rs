//! A fast, zero-copy, never-panicking parser and writer for what strace 6.x
//! writes.
//!
//! # Layers
//!
//! | layer | type | cost |
//! |---|---|---|
//! | a log in memory → numbered lines | [`Lines`] | one `memchr` and one UTF-8 check per line |
//! | a line → prefix, name, result, duration | [`Line`], [`Event`], [`Outcome`] | one pass, no allocation |
//! | argument text → arguments | [`Args`], [`Arg`] | one pass when iterated, no allocation |
//! | one argument → a tree | [`Value`] | on demand; allocates for compound values |
//! | unfinished + resumed lines → calls | [`Joiner`], [`Call`] | one owned buffer per pending call |
//!
//! Every type prints back in strace syntax with `Display`; [`Call::new`] builds a
//! call from [`Value`]s, so a model can print its calls the way strace would.
//!
//! ```
//! use fdkit_strace::{Event, Line, Value};
//!
//! let line = Line::parse(
//!     "[pid  4242] 11:17:12.123456 openat(AT_FDCWD, \"/tmp/a\", O_RDWR|O_CREAT, 0644) = 3</tmp/a> <0.000012>",
//! )?;
//! assert_eq!(line.pid(), Some(4242));
//! let Event::Call { name, args, outcome, duration } = line.event() else { panic!() };
//! assert_eq!(*name, "openat");
//! assert_eq!(outcome.int(), Some(3));
//! assert_eq!(duration.unwrap().nanos, 12_000);
//!
//! let flags = args.get(2).unwrap().value()?;
//! assert_eq!(flags, Value::Flags(vec![Value::ident("O_RDWR"), Value::ident("O_CREAT")]));
//! assert_eq!(args.get(3).unwrap().int(), Some(0o644));
//!
//! let line = Line::parse("4242  +++ killed by SIGSEGV (core dumped) +++")?;
//! assert_eq!(*line.event(), Event::Killed { signal: "SIGSEGV", core_dumped: true });
//! # Ok::<(), fdkit_strace::Error>(())
//! ```
//!
//! # Forms understood
//!
//! Prefixes `1234  ` (`-f -o`), `[pid  1234] ` (`-f` to stderr), `1234<comm> `
//! (`-Y`); timestamps `-t`, `-tt`, `-ttt` (microseconds or nanoseconds), `-r` alone
//! or as `(+ 0.000123)` after a clock; `[  3]` (`-n`) and `[00007f..]` (`-i`);
//! results with `-y`/`-yy` decorations, errno, details, `(INJECTED)`, `<unavailable>`;
//! `-T` durations; `<unfinished ...>`, `<... name resumed>`, `<detached ...>`; lines
//! cut by a `strace:` notice and their continuation; signals, stops, exits, kills,
//! `superseded by execve`; `strace:` notices; `-k` stack frames. See [`Event`].
//!
//! `-ttt` and `-r` look alike when a pid precedes them; values below 10⁸ seconds
//! (1973) are taken as `-r`.
//!
//! # Why hand-written
//!
//! The replaying CLI must read at least 300 MB/s of log on one core. A combinator
//! or generated parser would build a tree per line; this one splits the line with
//! a single forward scan (a lookup table skips uninteresting bytes, `memchr` skips
//! strings and decorations, a `u128` holds the bracket stack) and borrows every
//! piece, so parsing a line allocates nothing. The argument grammar is only run
//! when an argument is asked for. The scanner is the one place that knows quoting
//! rules, so splitting, joining and value parsing agree on where things end.
//!
//! # Performance
//!
//! `cargo bench -p fdkit-strace --bench parse` parses a 64 MiB log made by
//! repeating the recorded logs in `tests/data`. On the development machine (one
//! core of a 2-core VM) it measured about **600 MiB/s** for [`Lines`] +
//! [`Line::parse`], about **370 MiB/s** when every argument is also split, and
//! about **350 MiB/s** through the [`Joiner`] (figures in the crate README).
//!
//! # Robustness
//!
//! No input makes the parser panic (property-tested on arbitrary bytes). Work is
//! linear in the input: nesting is capped at [`MAX_DEPTH`] (deeper input is an
//! [`ErrorKind::TooDeep`] error), and each byte is scanned a bounded number of
//! times. Input is `&str`; [`Lines`] takes bytes and reports non-UTF-8 lines as
//! [`ErrorKind::InvalidUtf8`] errors, since strace itself only writes ASCII.
//!
//! # Not covered
//!
//! `-c` summary tables, and program output interleaved into strace's stderr (such lines are
//! errors to skip). `-ff`'s per-pid files are merged into one log by
//! [`merge::Merge`] (by timestamp, as `strace-log-merge` does).

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod args;
mod call;
mod error;
mod join;
mod line;
mod lines;
pub mod merge;
mod outcome;
mod scan;
mod value;
pub mod ws;

pub use args::{Arg, ArgIter, Args};
pub use call::Call;
pub use error::{Error, ErrorKind};
pub use join::{Joiner, Record, Records};
pub use line::{Event, Line, Pause, Seconds, Timestamp};
pub use lines::Lines;
pub use outcome::Outcome;
pub use scan::MAX_DEPTH;
pub use value::{BinaryOp, Field, Int, Radix, Str, UnaryOp, Value};

//! [`Merge`]: `strace -ff -o PREFIX`'s per-process files, merged into the one
//! log `strace -f` would have written, as `strace-log-merge` does.
//!
//! With `-ff` strace writes each process's lines to `PREFIX.PID`, without a pid
//! prefix. Merging gives every line its file's pid (`PID line`, the `-f -o`
//! form) and orders the lines of all files by their timestamps (`-t`, `-tt` or
//! `-ttt`): a k-way merge that holds one line per file, so memory is bounded by
//! the number of files and the longest line, never by the logs' length. Lines
//! with equal timestamps keep the order of the files as given (the merge is
//! stable, like `sort -m -s`); a file's own lines are never reordered.
//!
//! A file whose first line has no timestamp cannot be merged (nothing tells how
//! its lines interleave with the others'): [`MergeError::NoTimestamp`]. A later
//! line without one (a `-k` stack frame, a line strace cut) takes the timestamp
//! of the line before it. `-t`/`-tt` clocks that go back by more than twelve
//! hours in one file are taken to have passed midnight.
//!
//! ```
//! use fdkit_strace::merge::Merge;
//!
//! let parent = &b"10:00:00.000001 clone(child_stack=NULL, flags=SIGCHLD) = 7\n10:00:00.000009 close(3) = 0\n"[..];
//! let child = &b"10:00:00.000005 close(4) = 0\n"[..];
//! let mut m = Merge::new(vec![(6, parent), (7, child)])?;
//! let mut out = Vec::new();
//! while let Some(l) = m.next_line()? {
//!     out.push((l.source, l.line, String::from_utf8_lossy(l.text).into_owned()));
//! }
//! assert_eq!(out[1], (1, 1, "10:00:00.000005 close(4) = 0".to_owned()));
//! assert_eq!(out[2].0, 0);
//! # Ok::<(), fdkit_strace::merge::MergeError>(())
//! ```

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fmt;
use std::io::{self, BufRead};

use crate::line::Timestamp;

/// Lines longer than this are cut (the rest is dropped, so the line fails to
/// parse and is reported), as [`crate::Lines`]' callers cut them: a hostile file
/// never grows memory without bound.
pub const MAX_LINE: usize = 4 << 20;

/// Seconds in a day: a `-t`/`-tt` clock that goes back by more than half of it
/// has passed midnight.
const DAY: u64 = 86_400;

/// A point in time, in nanoseconds (since midnight of the first day for `-t`
/// and `-tt`, since the epoch for `-ttt`).
type Key = u128;

/// Why files cannot be merged.
#[derive(Debug)]
pub enum MergeError {
    /// A file could not be read.
    Io {
        /// The file (index in the order given).
        source: usize,
        /// The error.
        error: io::Error,
    },
    /// A file's first line has no timestamp: the files were recorded without
    /// `-t`, `-tt` or `-ttt`.
    NoTimestamp {
        /// The file (index in the order given).
        source: usize,
    },
}

impl fmt::Display for MergeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MergeError::Io { error, .. } => write!(f, "cannot read: {error}"),
            MergeError::NoTimestamp { .. } => f.write_str(
                "1:1: no timestamp: per-process logs are merged by time; \
                 record them with `strace -ff -tt -o PREFIX`",
            ),
        }
    }
}

impl std::error::Error for MergeError {}

impl MergeError {
    /// The file the error is about (index in the order given).
    pub fn source_index(&self) -> usize {
        match self {
            MergeError::Io { source, .. } | MergeError::NoTimestamp { source } => *source,
        }
    }
}

/// One line of the merged log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MergedLine<'a> {
    /// The file it comes from (index in the order given).
    pub source: usize,
    /// Its 1-based line number in that file.
    pub line: u64,
    /// The pid of that file.
    pub pid: u32,
    /// The line as written, without its `\n`.
    pub text: &'a [u8],
}

/// One file being merged: its next line, read ahead.
struct Source<R> {
    reader: R,
    pid: u32,
    /// The line read ahead (valid while `ready`).
    buf: Vec<u8>,
    /// Its 1-based number.
    line: u64,
    /// Its time.
    key: Key,
    /// Days added to `-t`/`-tt` clocks (midnight passed).
    days: u64,
    /// The last clock read, in seconds since midnight.
    last_clock: Option<u64>,
    ready: bool,
}

/// A k-way merge of per-process logs by timestamp. See the [module](self).
pub struct Merge<R> {
    sources: Vec<Source<R>>,
    /// Files with a line ready: (time, file index), earliest first; the index
    /// breaks ties in the order the files were given.
    heap: BinaryHeap<Reverse<(Key, usize)>>,
    /// The file whose line was handed out last (read again on the next call).
    current: Option<usize>,
}

impl<R: BufRead> Merge<R> {
    /// Starts merging `(pid, file)` pairs: reads each file's first line.
    ///
    /// # Errors
    /// A read error, or a file whose first line has no timestamp (an empty file
    /// is fine: it adds nothing).
    pub fn new(files: Vec<(u32, R)>) -> Result<Merge<R>, MergeError> {
        let mut m = Merge {
            sources: files
                .into_iter()
                .map(|(pid, reader)| Source {
                    reader,
                    pid,
                    buf: Vec::new(),
                    line: 0,
                    key: 0,
                    days: 0,
                    last_clock: None,
                    ready: false,
                })
                .collect(),
            heap: BinaryHeap::new(),
            current: None,
        };
        for i in 0..m.sources.len() {
            m.advance(i)?;
        }
        Ok(m)
    }

    /// The number of files.
    pub fn len(&self) -> usize {
        self.sources.len()
    }

    /// Whether there are no files.
    pub fn is_empty(&self) -> bool {
        self.sources.is_empty()
    }

    /// The next line of the merged log, or `None` at the end of every file.
    ///
    /// # Errors
    /// A read error.
    pub fn next_line(&mut self) -> Result<Option<MergedLine<'_>>, MergeError> {
        if let Some(i) = self.current.take() {
            self.advance(i)?;
        }
        let Some(Reverse((_, i))) = self.heap.pop() else {
            return Ok(None);
        };
        self.current = Some(i);
        let s = &self.sources[i];
        Ok(Some(MergedLine {
            source: i,
            line: s.line,
            pid: s.pid,
            text: &s.buf,
        }))
    }

    /// Reads file `i`'s next line and queues it.
    fn advance(&mut self, i: usize) -> Result<(), MergeError> {
        let s = &mut self.sources[i];
        s.ready = read_line(&mut s.reader, &mut s.buf)
            .map_err(|error| MergeError::Io { source: i, error })?;
        if !s.ready {
            return Ok(());
        }
        s.line += 1;
        let time = std::str::from_utf8(&s.buf)
            .ok()
            .and_then(Timestamp::leading);
        match time {
            Some(Timestamp::Unix(t)) => s.key = nanos(t.secs, t.nanos),
            Some(Timestamp::Clock(t)) => {
                if s.last_clock.is_some_and(|last| last > t.secs + DAY / 2) {
                    s.days += 1;
                }
                s.last_clock = Some(t.secs);
                s.key = nanos(s.days * DAY + t.secs, t.nanos);
            }
            // A later line keeps the time of the line before it.
            None if s.line > 1 => {}
            None => return Err(MergeError::NoTimestamp { source: i }),
        }
        self.heap.push(Reverse((s.key, i)));
        Ok(())
    }
}

fn nanos(secs: u64, nanos: u32) -> Key {
    u128::from(secs) * 1_000_000_000 + u128::from(nanos)
}

/// Reads one line into `buf` (without `\n`), cut at [`MAX_LINE`] bytes; false at
/// the end of the input.
fn read_line(r: &mut impl BufRead, buf: &mut Vec<u8>) -> io::Result<bool> {
    buf.clear();
    let mut any = false;
    loop {
        let chunk = match r.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            return Ok(any);
        }
        any = true;
        let (take, done) = match memchr::memchr(b'\n', chunk) {
            Some(k) => (k, true),
            None => (chunk.len(), false),
        };
        let room = MAX_LINE.saturating_sub(buf.len());
        buf.extend_from_slice(&chunk[..take.min(room)]);
        r.consume(if done { take + 1 } else { take });
        if done {
            return Ok(true);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn merged(files: Vec<(u32, &str)>) -> Result<Vec<String>, MergeError> {
        let mut m = Merge::new(files.into_iter().map(|(p, t)| (p, t.as_bytes())).collect())?;
        let mut out = Vec::new();
        while let Some(l) = m.next_line()? {
            out.push(format!(
                "{}:{} {}",
                l.pid,
                l.line,
                String::from_utf8_lossy(l.text)
            ));
        }
        Ok(out)
    }

    #[test]
    fn lines_are_ordered_by_time_and_stable_on_ties() {
        let a = "10:00:01.000000 a1\n10:00:03.000000 a2\n10:00:03.000000 a3\n";
        let b = "10:00:02.000000 b1\n10:00:03.000000 b2\n";
        let got = merged(vec![(1, a), (2, b)]).unwrap();
        assert_eq!(
            got,
            [
                "1:1 10:00:01.000000 a1",
                "2:1 10:00:02.000000 b1",
                "1:2 10:00:03.000000 a2",
                "1:3 10:00:03.000000 a3",
                "2:2 10:00:03.000000 b2",
            ]
        );
    }

    #[test]
    fn every_timestamp_form_and_lines_without_one() {
        // -ttt; a stack frame line keeps the time of its call.
        let a = "1700000000.000001 close(3) = 0\n > /lib/libc.so.6(close+0x1) [0x1]\n1700000000.000009 close(5) = 0\n";
        let b = "1700000000.000005 close(4) = 0\n";
        let got = merged(vec![(1, a), (2, b)]).unwrap();
        assert_eq!(got[1], "1:2  > /lib/libc.so.6(close+0x1) [0x1]");
        assert_eq!(got[2], "2:1 1700000000.000005 close(4) = 0");
        // -t: whole seconds.
        let got = merged(vec![(1, "10:00:02 x\n"), (2, "10:00:01 y\n")]).unwrap();
        assert_eq!(got, ["2:1 10:00:01 y", "1:1 10:00:02 x"]);
    }

    #[test]
    fn midnight_passes_within_a_file() {
        let a = "23:59:59.000000 a1\n00:00:01.000000 a2\n";
        let b = "23:59:59.500000 b1\n";
        let got = merged(vec![(1, a), (2, b)]).unwrap();
        assert_eq!(got[2], "1:2 00:00:01.000000 a2");
    }

    #[test]
    fn no_timestamps_is_an_error_naming_the_file() {
        let e = merged(vec![(1, "10:00:00 x\n"), (2, "close(3) = 0\n")]).unwrap_err();
        assert_eq!(e.source_index(), 1);
        assert!(e.to_string().contains("-tt"), "{e}");
        // Empty files add nothing.
        assert_eq!(
            merged(vec![(1, ""), (2, "")]).unwrap(),
            Vec::<String>::new()
        );
    }

    #[test]
    fn hostile_lines_are_cut() {
        let long = format!("10:00:00 {}\n10:00:01 y\n", "x".repeat(MAX_LINE + 10));
        let got = merged(vec![(1, &long)]).unwrap();
        assert_eq!(got[0].len(), "1:1 ".len() + MAX_LINE);
        assert_eq!(got[1], "1:2 10:00:01 y");
    }
}

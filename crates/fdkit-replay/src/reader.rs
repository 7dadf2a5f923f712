//! [`LogReader`]: a log read in chunks, line by line, with memory bounded by the
//! longest line (never the whole file).

use std::io::{self, Read};

/// The first read size; the buffer grows only for a longer line.
const CHUNK: usize = 1 << 20;
/// Lines longer than this are cut (the rest of the line is dropped, so it fails to
/// parse and is reported, instead of growing memory without bound).
pub const MAX_LINE: usize = 64 << 20;

/// Reads a log from any [`Read`] in chunks and hands out numbered lines.
///
/// ```
/// use fdkit_replay::LogReader;
///
/// let mut lines = Vec::new();
/// let mut r = LogReader::new(&b"1 close(3) = 0\n\n2 close(4) = 0"[..]);
/// r.for_each_line(|n, line| lines.push((n, line.to_vec())))?;
/// assert_eq!(lines, [(1, b"1 close(3) = 0".to_vec()), (2, b"".to_vec()), (3, b"2 close(4) = 0".to_vec())]);
/// assert_eq!(r.bytes_read(), 30);
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct LogReader<R> {
    inner: R,
    buf: Vec<u8>,
    read: u64,
    line: u64,
}

impl<R: Read> LogReader<R> {
    /// A reader over `inner`.
    pub fn new(inner: R) -> LogReader<R> {
        LogReader {
            inner,
            buf: Vec::new(),
            read: 0,
            line: 0,
        }
    }

    /// Bytes read so far.
    pub fn bytes_read(&self) -> u64 {
        self.read
    }

    /// Calls `f(number, line)` for every line (1-based numbers, without the `\n`),
    /// reading `inner` to its end. `chunk` is called after each read with the
    /// bytes read so far (for progress).
    ///
    /// # Errors
    /// The first read error (`EISDIR` for a directory...).
    pub fn for_each_line(&mut self, f: impl FnMut(u64, &[u8])) -> io::Result<()> {
        self.for_each_line_progress(f, |_| {})
    }

    /// [`LogReader::for_each_line`] with a progress callback.
    ///
    /// # Errors
    /// The first read error.
    pub fn for_each_line_progress(
        &mut self,
        mut f: impl FnMut(u64, &[u8]),
        progress: impl FnMut(u64),
    ) -> io::Result<()> {
        self.try_for_each_line(
            |n, l| {
                f(n, l);
                Ok(())
            },
            progress,
        )
    }

    /// [`LogReader::for_each_line_progress`] where `f` may stop the reading with an
    /// error (a closed output, for instance).
    ///
    /// # Errors
    /// The first read error or error of `f`.
    pub fn try_for_each_line(
        &mut self,
        mut f: impl FnMut(u64, &[u8]) -> io::Result<()>,
        progress: impl FnMut(u64),
    ) -> io::Result<()> {
        self.try_for_each_text_line(
            |n, line| match line {
                Ok(text) => f(n, text.as_bytes()),
                Err(bytes) => f(n, bytes),
            },
            progress,
        )
    }

    /// [`LogReader::try_for_each_line`] with the lines checked as UTF-8 a whole read
    /// at a time (much cheaper than line by line): `Ok(text)` for a line of a read
    /// that is valid UTF-8, `Err(bytes)` for every line of one that is not (check
    /// those one by one, e.g. with [`Replay::push_bytes`](crate::Replay::push_bytes)).
    ///
    /// # Errors
    /// The first read error or error of `f`.
    pub fn try_for_each_text_line(
        &mut self,
        mut f: impl FnMut(u64, Result<&str, &[u8]>) -> io::Result<()>,
        mut progress: impl FnMut(u64),
    ) -> io::Result<()> {
        self.buf.clear();
        self.buf.resize(CHUNK, 0);
        let mut filled = 0usize;
        let mut skipping = false;
        loop {
            if filled == self.buf.len() {
                if self.buf.len() >= MAX_LINE {
                    // One line filled the buffer: hand out what there is and drop
                    // the rest of it.
                    self.line += 1;
                    f(self.line, Err(&self.buf[..filled]))?;
                    filled = 0;
                    skipping = true;
                } else {
                    let n = (self.buf.len() * 2).min(MAX_LINE);
                    self.buf.resize(n, 0);
                }
            }
            let n = match self.inner.read(&mut self.buf[filled..]) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            self.read += n as u64;
            progress(self.read);
            let end = filled + n;
            // The complete lines of this read: up to its last newline.
            let complete = memchr::memrchr(b'\n', &self.buf[filled..end]).map_or(0, |k| filled + k);
            let region = &self.buf[..complete];
            let text = std::str::from_utf8(region).ok();
            let mut start = 0;
            let mut scan_from = filled;
            while let Some(i) = memchr::memchr(b'\n', &self.buf[scan_from..end]) {
                let nl = scan_from + i;
                if skipping {
                    skipping = false;
                } else {
                    self.line += 1;
                    let line = match text {
                        Some(t) => Ok(&t[start..nl]),
                        None => Err(&self.buf[start..nl]),
                    };
                    f(self.line, line)?;
                }
                start = nl + 1;
                scan_from = start;
            }
            if skipping {
                filled = 0;
                continue;
            }
            self.buf.copy_within(start..end, 0);
            filled = end - start;
            if self.buf.len() > CHUNK && filled < CHUNK / 2 {
                self.buf.truncate(CHUNK.max(filled));
                self.buf.shrink_to(CHUNK);
                self.buf.resize(CHUNK, 0);
            }
        }
        if filled > 0 && !skipping {
            self.line += 1;
            f(self.line, Err(&self.buf[..filled]))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hands out one byte per read, the worst case for line splitting.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            match (self.0.split_first(), buf.first_mut()) {
                (Some((b, rest)), Some(out)) => {
                    *out = *b;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    #[test]
    fn lines_survive_any_read_boundaries() {
        let text = b"a\nbb\r\n\nccc";
        let mut got = Vec::new();
        LogReader::new(Trickle(text))
            .for_each_line(|n, l| got.push((n, l.to_vec())))
            .unwrap();
        let want: Vec<(u64, Vec<u8>)> = vec![
            (1, b"a".to_vec()),
            (2, b"bb\r".to_vec()),
            (3, b"".to_vec()),
            (4, b"ccc".to_vec()),
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn text_lines_are_checked_a_read_at_a_time() {
        let text = b"a\n\xff\nccc";
        /// Each line as text (`Ok`) or as bytes (`Err`, not UTF-8 in its read).
        fn text_lines(r: impl Read) -> Vec<(u64, Result<String, Vec<u8>>)> {
            let mut got = Vec::new();
            LogReader::new(r)
                .try_for_each_text_line(
                    |n, l| {
                        got.push((n, l.map(str::to_owned).map_err(<[u8]>::to_vec)));
                        Ok(())
                    },
                    |_| {},
                )
                .unwrap();
            got
        }
        // One read: every line of it is handed out as bytes; the last line too.
        assert_eq!(
            text_lines(&text[..]),
            [
                (1, Err(b"a".to_vec())),
                (2, Err(b"\xff".to_vec())),
                (3, Err(b"ccc".to_vec()))
            ]
        );
        assert_eq!(
            text_lines(Trickle(b"a\nbb\n")),
            [(1, Ok("a".to_owned())), (2, Ok("bb".to_owned()))]
        );
    }

    #[test]
    fn long_lines_grow_the_buffer() {
        let mut text = vec![b'x'; 3 * CHUNK];
        text.push(b'\n');
        text.extend_from_slice(b"y\n");
        let mut got = Vec::new();
        LogReader::new(&text[..])
            .for_each_line(|n, l| got.push((n, l.len())))
            .unwrap();
        assert_eq!(got, [(1, 3 * CHUNK), (2, 1)]);
    }
}

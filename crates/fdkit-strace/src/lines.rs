//! [`Lines`]: a whole log in memory, split into numbered, parsed lines.

use crate::error::{Error, ErrorKind};
use crate::line::Line;

/// Iterates over the lines of a log held in memory, parsing each.
///
/// Yields `(line number, line)` or an error carrying its line number; after an
/// error the next line is parsed as usual. Blank lines are skipped. Lines may end
/// in `\n` or `\r\n`. strace writes only ASCII (it escapes everything else), so a
/// line that is not valid UTF-8 is corrupt and yields [`ErrorKind::InvalidUtf8`]
/// at the first bad byte rather than being decoded lossily.
///
/// ```
/// use fdkit_strace::{Event, Lines};
///
/// let log = b"1  close(3) = 0\n\n1  +++ exited with 0 +++\n";
/// let numbers: Vec<u64> = Lines::new(log).map(|r| r.unwrap().0).collect();
/// assert_eq!(numbers, [1, 3]);
/// ```
#[derive(Debug, Clone)]
pub struct Lines<'a> {
    rest: &'a [u8],
    number: u64,
}

impl<'a> Lines<'a> {
    /// Lines of `input`, numbered from 1.
    pub fn new(input: &'a [u8]) -> Lines<'a> {
        Lines {
            rest: input,
            number: 0,
        }
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = Result<(u64, Line<'a>), Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.rest.is_empty() {
                return None;
            }
            let (raw, rest) = match memchr::memchr(b'\n', self.rest) {
                Some(i) => (&self.rest[..i], &self.rest[i + 1..]),
                None => (self.rest, &self.rest[..0]),
            };
            self.rest = rest;
            self.number += 1;
            let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
            if raw.is_empty() {
                continue;
            }
            let number = self.number;
            let text = match std::str::from_utf8(raw) {
                Ok(t) => t,
                Err(e) => {
                    let at = e.valid_up_to();
                    let found = format!("byte 0x{:02x}", raw[at]);
                    let err = Error::new(ErrorKind::InvalidUtf8, at + 1, "UTF-8 text", found);
                    return Some(Err(err.at_line(number)));
                }
            };
            return Some(
                Line::parse(text)
                    .map(|l| (number, l))
                    .map_err(|e| e.at_line(number)),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_number_skip_blanks_and_report_bad_utf8() {
        let log = b"close(3) = 0\r\n\nclose(\xff) = 0\nclose(4 = 0";
        let got: Vec<_> = Lines::new(log)
            .map(|r| r.map(|(n, _)| n).map_err(|e| e.to_string()))
            .collect();
        assert_eq!(
            got,
            [
                Ok(1),
                Err("3:7: expected UTF-8 text, found byte 0xff".to_owned()),
                Err("4:12: expected `)`, found end of line".to_owned()),
            ]
        );
    }
}

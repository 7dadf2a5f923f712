//! `Replay::run_threaded` (lines prepared on a second thread) reports exactly what
//! `Replay::push_line` on one thread reports: every divergence, inference, note,
//! input error and event, in the same order, and the same summary; read errors
//! and a stopping sink end it the same way.

use std::io::{self, Read};

use fdkit_replay::{Divergence, Event, Inference, InputError, LogReader, Note, Replay, Sink};

/// Everything a replay reports, printed in order.
#[derive(Default)]
struct Record(Vec<String>);

/// `records` with each `Description#N` (a process-wide counter) renumbered by
/// first appearance, so that two replays in one process compare equal.
fn renumbered(records: Vec<String>) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    records
        .into_iter()
        .map(|r| {
            let mut out = String::new();
            let mut rest = r.as_str();
            while let Some(i) = rest.find("Description#") {
                let after = &rest[i + 12..];
                let digits = after.bytes().take_while(u8::is_ascii_digit).count();
                let id = after[..digits].to_owned();
                let n = seen.iter().position(|s| *s == id).unwrap_or_else(|| {
                    seen.push(id);
                    seen.len() - 1
                });
                out.push_str(&rest[..i]);
                out.push_str(&format!("Description@{n}"));
                rest = &after[digits..];
            }
            out.push_str(rest);
            out
        })
        .collect()
}

impl Sink for Record {
    fn divergence(&mut self, d: &Divergence) {
        self.0.push(format!("divergence {d:?}"));
    }
    fn inference(&mut self, i: &Inference) {
        self.0.push(format!("inference {i:?}"));
    }
    fn note(&mut self, n: &Note) {
        self.0.push(format!("note {n:?}"));
    }
    fn error(&mut self, e: &InputError) {
        self.0.push(format!("error {e:?}"));
    }
    fn wants_events(&self) -> bool {
        true
    }
    fn event(&mut self, e: &Event) {
        self.0.push(format!("event {e:?}"));
    }
}

/// The one-thread replay of `log`, as `fdkit check` did it before: the reader's
/// lines into `push_text`/`push_bytes`.
fn one_thread(log: &[u8]) -> Vec<String> {
    let mut r = Replay::default();
    let mut rec = Record::default();
    LogReader::new(log)
        .try_for_each_text_line(
            |n, line| {
                match line {
                    Ok(text) => r.push_text(n, text, &mut rec),
                    Err(bytes) => r.push_bytes(n, bytes, &mut rec),
                }
                Ok(())
            },
            |_| {},
        )
        .unwrap();
    r.finish(&mut rec);
    rec.0.push(format!("summary {:?}", r.summary()));
    renumbered(rec.0)
}

/// The two-thread replay of `log`, read `chunk` bytes at a time.
fn two_threads(log: &[u8], chunk: usize) -> Vec<String> {
    let mut r = Replay::default();
    let mut rec = Record::default();
    let mut progress = Vec::new();
    r.run_threaded(
        Chunks(log, chunk),
        &mut rec,
        |_| Ok(()),
        |n| progress.push(n),
    )
    .unwrap();
    r.finish(&mut rec);
    rec.0.push(format!("summary {:?}", r.summary()));
    assert_eq!(progress.last().copied(), Some(log.len() as u64));
    assert!(progress.windows(2).all(|w| w[0] <= w[1]), "{progress:?}");
    renumbered(rec.0)
}

/// Hands out at most `.1` bytes per read.
struct Chunks<'a>(&'a [u8], usize);

impl Read for Chunks<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.0.len().min(buf.len()).min(self.1);
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

fn fixtures() -> Vec<std::path::PathBuf> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures");
    let mut logs: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "strace"))
        .collect();
    logs.sort();
    logs
}

/// Lines of every kind the two halves treat differently: simple and other
/// arguments, results with and without `-T`, comments, blanks, bad UTF-8, lines
/// that do not parse, split and cut calls, exits.
const ODD: &[&[u8]] = &[
    b"100 fcntl(3, F_GETFD)   =   0",
    b"100 fcntl(3, F_GETFD) = 0 <0.000010>",
    b"100 close(3) = 0 # a comment",
    b"100 close(3)=0",
    b"100 close(3) = garbage",
    b"100 close(3 = 0",
    b"100 dup2(3, 4) = 4\r",
    b"100 fcntl(\xff, F_GETFD) = 0",
    b"   ",
    b"",
    b"\t# a comment line",
    b"100 close() = -1 EBADF (Bad file descriptor)",
    b"100 close(, 3) = 0",
    b"100 close(3, ) = 0",
    b"100 dup2( 3 ,4 ) = 4",
    b"100 fcntl(3, F_DUPFD, 10) = 10</dev/null>",
    b"100 close(3) = 0 (INJECTED)",
    b"100 openat(AT_FDCWD, \"/x\", O_RDONLY) = 3",
    b"100 close(3)  =  -1 EBADF (Bad file descriptor)",
    b"100 close(3) = ?",
    b"100 read(3,  <unfinished ...>",
    b"101 close(3) = 0",
    b"100 <... read resumed>\"\", 1) = 0",
    b"100 close_range(3, ~0U, 0) = 0",
    b"100 fcntl(3, F_SETFD, FD_CLOEXEC|0x10) = 0",
    b"100 dup3(3, 4, O_CLOEXEC) = 4",
    b"100 close(3)) = 0",
    b"100 close(3) = 0 )",
    b"100 close(3) == 0",
    b"100 CLOSE(3) = 0",
    b"100 12:00:01 close(4) = 0",
    b"100 12:00:01.000001 dup(0) = 3 <0.000004>",
    b"[pid   100] close(3) = 0",
    b"100 --- SIGCHLD {si_signo=SIGCHLD} ---",
    b"101 +++ exited with 0 +++",
];

#[test]
fn every_fixture_replays_the_same_on_two_threads() {
    for log in fixtures() {
        let text = std::fs::read(&log).unwrap();
        let want = one_thread(&text);
        assert!(want.len() > 10, "{log:?}");
        for chunk in [usize::MAX, 4096, 777] {
            assert_eq!(two_threads(&text, chunk), want, "{log:?}, reads of {chunk}");
        }
    }
}

#[test]
fn odd_lines_replay_the_same_on_two_threads() {
    let mut text = Vec::new();
    for line in ODD {
        text.extend_from_slice(line);
        text.push(b'\n');
    }
    // A last line without its newline.
    text.extend_from_slice(b"100 fcntl(4, F_GETFD) = 0");
    let want = one_thread(&text);
    assert!(want.iter().any(|r| r.starts_with("error")), "{want:#?}");
    assert!(
        want.iter().any(|r| r.starts_with("divergence")),
        "{want:#?}"
    );
    for chunk in [usize::MAX, 64, 5, 1] {
        assert_eq!(two_threads(&text, chunk), want, "reads of {chunk}");
    }
}

#[test]
fn many_batches_replay_the_same_on_two_threads() {
    // More than a batch of text and of lines (blank lines are many lines in few
    // bytes), so batches are handed over, recycled and refilled.
    let mut text = Vec::new();
    for i in 0..40_000u32 {
        let fd = 3 + i % 5;
        let line = match i % 4 {
            0 => format!("7  openat(AT_FDCWD, \"/dev/null\", O_RDONLY) = {fd}\n"),
            1 => format!("7  fcntl({fd}, F_DUPFD, 10)              = 10\n"),
            2 => "\n".repeat(3),
            _ => format!("7  close({fd}) = 0\n7  close(10) = 0\n"),
        };
        text.extend_from_slice(line.as_bytes());
    }
    let want = one_thread(&text);
    assert_eq!(two_threads(&text, usize::MAX), want);
}

/// A reader that fails after handing out its text.
struct Failing<'a>(&'a [u8]);

impl Read for Failing<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.0.is_empty() {
            return Err(io::Error::other("disk on fire"));
        }
        let n = self.0.len().min(buf.len());
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

#[test]
fn a_read_error_ends_the_replay_after_the_lines_before_it() {
    let text = b"7 openat(AT_FDCWD, \"/x\", O_RDONLY) = 3\n7 close(3) = 0\n7 close(3) = 0\n";
    let mut r = Replay::default();
    let mut rec = Record::default();
    let e = r
        .run_threaded(Failing(text), &mut rec, |_| Ok(()), |_| {})
        .unwrap_err();
    assert_eq!(e.to_string(), "disk on fire");
    let s = r.summary();
    // The three complete lines were replayed: the second close differs.
    assert_eq!((s.calls, s.differ), (3, 1), "{s:?}");
}

#[test]
fn an_error_after_a_line_stops_the_replay() {
    let mut text = Vec::new();
    for _ in 0..100_000 {
        text.extend_from_slice(b"7 close(3) = -1 EBADF (Bad file descriptor)\n");
    }
    let mut r = Replay::default();
    let mut rec = Record::default();
    let mut lines = 0;
    let e = r
        .run_threaded(
            &text[..],
            &mut rec,
            |_| {
                lines += 1;
                if lines == 10 {
                    Err(io::Error::from(io::ErrorKind::BrokenPipe))
                } else {
                    Ok(())
                }
            },
            |_| {},
        )
        .unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::BrokenPipe);
    assert_eq!(r.summary().calls, 10);
}

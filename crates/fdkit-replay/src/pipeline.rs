//! [`Replay::run_threaded`]: a log replayed on two threads. A reader thread
//! splits the log into lines and does each line's pure half ([`prepare`]: shape,
//! parse, class, decoded arguments) for a batch of lines at a time; the calling
//! thread replays the batches in order ([`Replay::push_prepared`]), the stateful
//! half. Both halves are the ones [`Replay::push_line`] runs one after the other,
//! so the results are the same as one thread's, line for line.
//!
//! Memory stays bounded: a batch holds about [`BATCH_BYTES`] of text (more only
//! for one longer line, itself cut at [`MAX_LINE`](crate::MAX_LINE)), at most
//! [`BATCHES_AHEAD`] batches wait in the channel, and replayed batches go back
//! to the reader to be refilled.

use std::cell::Cell;
use std::io::{self, Read};
use std::sync::mpsc::{self, Receiver, SyncSender};

use crate::engine::{LineText, Replay};
use crate::prep::{Prep, Preparer};
use crate::reader::LogReader;
use crate::report::Sink;

/// The text a batch collects before it is handed over.
pub(crate) const BATCH_BYTES: usize = 256 << 10;
/// Batches prepared ahead of the replay, at most.
pub(crate) const BATCHES_AHEAD: usize = 2;

/// One line of a batch.
enum Item {
    /// Text at `start..end` of the batch's text, prepared.
    Text {
        number: u64,
        start: usize,
        end: usize,
        prep: Prep,
    },
    /// A line that is not UTF-8: its first bad byte, at 0-based `at`.
    NotUtf8 { number: u64, at: usize, byte: u8 },
}

/// Lines prepared together.
#[derive(Default)]
struct Batch {
    text: String,
    items: Vec<Item>,
    /// Bytes of the log read when the batch was handed over.
    read: u64,
}

/// What the reader thread sends.
enum Msg {
    Batch(Batch),
    /// The read error that ended the log (after the lines read before it).
    Failed(io::Error),
}

impl Replay {
    /// [`Replay::run`] on two threads: `reader` is read, split into lines and each
    /// line's pure half done (shape, parse, class, decoded arguments) on a second
    /// thread, 256 KiB of lines at a time with at most two batches waiting, while
    /// this thread replays them; the results are those of [`Replay::push_line`],
    /// line for line, and memory stays fixed. `after_line` is called after each
    /// line (an error from it stops the replay and is returned: a closed output,
    /// say); `progress` with the bytes read so far after each batch. Does not
    /// call [`Replay::finish`].
    ///
    /// # Errors
    /// The first read error (after every line before it was replayed) or error
    /// of `after_line`.
    pub fn run_threaded<R, S>(
        &mut self,
        reader: R,
        sink: &mut S,
        mut after_line: impl FnMut(&mut S) -> io::Result<()>,
        mut progress: impl FnMut(u64),
    ) -> io::Result<()>
    where
        R: Read + Send,
        S: Sink,
    {
        let (tx, rx) = mpsc::sync_channel::<Msg>(BATCHES_AHEAD);
        let (back_tx, back_rx) = mpsc::sync_channel::<Batch>(BATCHES_AHEAD + 2);
        std::thread::scope(|scope| {
            scope.spawn(move || produce(reader, &tx, &back_rx));
            // Owned here, so that returning early drops it before the scope
            // waits for the reader: a reader blocked on a full channel then wakes
            // up with a send error and ends.
            let rx = rx;
            for msg in rx.iter() {
                let batch = match msg {
                    Msg::Batch(b) => b,
                    Msg::Failed(e) => return Err(e),
                };
                // Read in place (an item is moved and dropped nowhere on this
                // thread: the reader empties the batch when it comes back).
                for item in &batch.items {
                    match item {
                        Item::Text {
                            number,
                            start,
                            end,
                            prep,
                        } => {
                            let line = LineText::part(&batch.text, *start, *end);
                            self.push_prepared(*number, line, prep, sink);
                        }
                        Item::NotUtf8 { number, at, byte } => {
                            self.not_utf8(*number, *at, *byte, sink);
                        }
                    }
                    after_line(sink)?;
                }
                progress(batch.read);
                // The reader may have stopped: then the batch is dropped.
                let _ = back_tx.try_send(batch);
            }
            Ok(())
        })
    }
}

/// The reader thread: reads, splits and prepares lines into batches until the
/// log ends, a read fails, or the replay stops listening.
fn produce<R: Read>(reader: R, tx: &SyncSender<Msg>, back: &Receiver<Batch>) {
    let read = Cell::new(0u64);
    // Replayed batches back from the replay, emptied (their lines' boxes given
    // back to the preparer): at most the batches in flight.
    let mut spare: Vec<Batch> = Vec::new();
    // Every batch come back so far emptied into `spare`, then one of them, or a
    // new one.
    let mut fresh = |preparer: &mut Preparer| {
        while let Ok(mut b) = back.try_recv() {
            b.text.clear();
            for item in b.items.drain(..) {
                if let Item::Text { prep, .. } = item {
                    preparer.recycle(prep);
                }
            }
            spare.push(b);
        }
        spare.pop().unwrap_or_else(|| Batch {
            text: String::with_capacity(BATCH_BYTES + 4096),
            items: Vec::with_capacity(BATCH_BYTES / 32),
            read: 0,
        })
    };
    let mut preparer = Preparer::default();
    let mut batch = fresh(&mut preparer);
    let mut r = LogReader::new(reader);
    let send = |batch: Batch| tx.send(Msg::Batch(batch)).map_err(|_| stopped());
    let result = r.try_for_each_text_line(
        |number, line| {
            let text = match line {
                Ok(t) => Some(t),
                Err(bytes) => {
                    let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
                    let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
                    match std::str::from_utf8(bytes) {
                        Ok(t) => Some(t),
                        Err(e) => {
                            let at = e.valid_up_to();
                            let byte = bytes.get(at).copied().unwrap_or(0);
                            batch.items.push(Item::NotUtf8 { number, at, byte });
                            None
                        }
                    }
                }
            };
            if let Some(t) = text {
                let t = t.strip_suffix('\n').unwrap_or(t);
                let t = t.strip_suffix('\r').unwrap_or(t);
                let start = batch.text.len();
                batch.text.push_str(t);
                batch.items.push(Item::Text {
                    number,
                    start,
                    end: batch.text.len(),
                    prep: preparer.prepare(t),
                });
            }
            if batch.text.len() >= BATCH_BYTES || batch.items.len() >= BATCH_BYTES / 8 {
                let mut full = std::mem::replace(&mut batch, fresh(&mut preparer));
                full.read = read.get();
                send(full)?;
            }
            Ok(())
        },
        |n| read.set(n),
    );
    match result {
        Ok(()) => {
            batch.read = read.get();
            if !batch.items.is_empty() || batch.read > 0 {
                let _ = send(batch);
            }
        }
        Err(e) if is_stopped(&e) => {}
        Err(e) => {
            if send(batch).is_ok() {
                let _ = tx.send(Msg::Failed(e));
            }
        }
    }
}

/// The error that stops the reader when the replay no longer listens.
fn stopped() -> io::Error {
    io::Error::other(Stopped)
}

fn is_stopped(e: &io::Error) -> bool {
    e.get_ref().is_some_and(|i| i.is::<Stopped>())
}

#[derive(Debug)]
struct Stopped;

impl std::fmt::Display for Stopped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the replay stopped reading")
    }
}

impl std::error::Error for Stopped {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_stay_bounded_when_recycled() {
        let line = "7  fcntl(3, F_GETFD)                 = 0\n";
        let log = line.repeat(4 * BATCH_BYTES / line.len() * 4);
        let (tx, rx) = mpsc::sync_channel::<Msg>(BATCHES_AHEAD);
        let (back_tx, back_rx) = mpsc::sync_channel::<Batch>(BATCHES_AHEAD + 2);
        let reader = std::thread::spawn(move || produce(log.as_bytes(), &tx, &back_rx));
        let (mut batches, mut lines) = (0, 0);
        for msg in rx.iter() {
            let Msg::Batch(b) = msg else {
                panic!("a read error");
            };
            assert!(b.text.len() < BATCH_BYTES + line.len(), "{}", b.text.len());
            assert!(b.items.len() <= BATCH_BYTES / 8);
            batches += 1;
            lines += b.items.len();
            let _ = back_tx.try_send(b);
        }
        reader.join().unwrap();
        assert_eq!(lines, 4 * BATCH_BYTES / line.len() * 4);
        assert!(batches >= 16, "{batches}");
    }
}

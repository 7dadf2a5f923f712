//! Unix stream socket pairs (`socketpair(AF_UNIX, SOCK_STREAM, 0)`).
//!
//! Each end has its own inode (`socket:[N]` differs per end) and receives what the
//! other end sends. A read returns buffered bytes, 0 once the peer's description is
//! released (after one `ECONNRESET` if the peer went with bytes it had not read),
//! `EAGAIN` when non-blocking and empty, and waits otherwise; a write to a released
//! peer fails with `EPIPE` (no `SIGPIPE` is modelled). Each direction buffers
//! up to 212,992 bytes (Linux's default `wmem_default`).
//!
//! Not modelled: `SCM_RIGHTS` descriptor passing, `shutdown`, datagram boundaries of
//! `SOCK_DGRAM`/`SOCK_SEQPACKET` (treated as streams), addresses.

use super::{FileKind, FileObject, Io, Stat};
use crate::errno::{Errno, Result};
use crate::sync::{Arc, Condvar, Mutex};
use crate::wait::{lock, Wake};
use std::collections::VecDeque;

/// Bytes each direction buffers.
pub const SOCKET_BUFFER: usize = 212_992;

#[derive(Debug)]
struct State {
    /// `inbox[i]`: bytes waiting for end `i` to read.
    inbox: [VecDeque<u8>; 2],
    open: [bool; 2],
    /// `reset[i]`: end `i` has a pending `ECONNRESET` (Linux `sk_err`), set when the
    /// peer was released with bytes it never read.
    reset: [bool; 2],
}

/// The shared state of a connected pair.
#[derive(Debug)]
pub struct SocketPair {
    ino: [u64; 2],
    state: Mutex<State>,
    changed: Condvar,
}

impl Wake for SocketPair {
    fn wake_all(&self) {
        let _guard = lock(&self.state);
        self.changed.notify_all();
    }
}

impl SocketPair {
    /// A connected pair whose ends have inode numbers `ino0` and `ino1`.
    pub fn connected(ino0: u64, ino1: u64) -> (SocketEnd, SocketEnd) {
        let pair = Arc::new(SocketPair {
            ino: [ino0, ino1],
            state: Mutex::new(State {
                inbox: [VecDeque::new(), VecDeque::new()],
                open: [true, true],
                reset: [false, false],
            }),
            changed: Condvar::new(),
        });
        (
            SocketEnd {
                pair: Arc::clone(&pair),
                side: 0,
            },
            SocketEnd { pair, side: 1 },
        )
    }
}

/// One end of a socket pair.
#[derive(Debug)]
pub struct SocketEnd {
    pair: Arc<SocketPair>,
    side: usize,
}

impl Drop for SocketEnd {
    fn drop(&mut self) {
        let mut st = lock(&self.pair.state);
        st.open[self.side] = false;
        // Linux unix_release_sock: closing with unread data resets the connection;
        // the peer's next read that finds its own queue empty fails with ECONNRESET.
        if !st.inbox[self.side].is_empty() {
            st.reset[1 - self.side] = true;
        }
        st.inbox[self.side].clear();
        self.pair.changed.notify_all();
    }
}

impl FileObject for SocketEnd {
    fn kind(&self) -> FileKind {
        FileKind::Socket
    }

    fn proc_link(&self) -> String {
        format!("socket:[{}]", self.pair.ino[self.side])
    }

    fn is_stream(&self) -> bool {
        true
    }

    fn read(&self, io: &mut Io<'_>, buf: &mut [u8]) -> Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let pair = &self.pair;
        let mut st = lock(&pair.state);
        loop {
            let inbox = &mut st.inbox[self.side];
            if !inbox.is_empty() {
                let n = buf.len().min(inbox.len());
                for (dst, src) in buf.iter_mut().zip(inbox.drain(..n)) {
                    *dst = src;
                }
                pair.changed.notify_all();
                return Ok(n);
            }
            // unix_stream_read_generic: sock_error, then RCV_SHUTDOWN, then EAGAIN.
            if std::mem::take(&mut st.reset[self.side]) {
                return Err(Errno::CONNRESET);
            }
            if !st.open[1 - self.side] {
                return Ok(0);
            }
            if io.nonblock {
                return Err(Errno::AGAIN);
            }
            st = io
                .interrupt
                .wait(&pair.changed, st, Arc::clone(pair) as Arc<dyn Wake>)?;
        }
    }

    fn write(&self, io: &mut Io<'_>, data: &[u8]) -> Result<usize> {
        let pair = &self.pair;
        let peer = 1 - self.side;
        let mut st = lock(&pair.state);
        let mut written = 0;
        loop {
            if !st.open[peer] {
                return if written > 0 {
                    Ok(written)
                } else {
                    Err(Errno::PIPE)
                };
            }
            if written == data.len() {
                return Ok(written);
            }
            let room = SOCKET_BUFFER.saturating_sub(st.inbox[peer].len());
            if room > 0 {
                let n = (data.len() - written).min(room);
                st.inbox[peer].extend(&data[written..written + n]);
                written += n;
                pair.changed.notify_all();
                continue;
            }
            if io.nonblock {
                return if written > 0 {
                    Ok(written)
                } else {
                    Err(Errno::AGAIN)
                };
            }
            st = match io
                .interrupt
                .wait(&pair.changed, st, Arc::clone(pair) as Arc<dyn Wake>)
            {
                Ok(st) => st,
                Err(e) if written == 0 => return Err(e),
                Err(_) => return Ok(written),
            };
        }
    }

    fn stat(&self) -> Stat {
        Stat {
            dev: 0x8,
            ino: self.pair.ino[self.side],
            mode: FileKind::Socket.mode_bits() | 0o777,
            nlink: 1,
            size: 0,
        }
    }

    fn supports_async(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use crate::{Errno, System};

    // ---- read ------------------------------------------------------------------------

    /// Found by the host differential test: a peer closed with unread bytes resets
    /// the connection; the reader drains its own queue, gets ECONNRESET once, then
    /// end of file.
    #[test]
    fn peer_closed_with_unread_data_resets_once() {
        let sys = System::new();
        let t = sys.task(sys.spawn().unwrap()).unwrap();
        let [a, b] = t.socketpair(1, 1, crate::SockFlags::empty(), 0).unwrap();
        t.write(b, b"x").unwrap();
        t.write(a, b"y").unwrap();
        t.close(a).unwrap();
        let mut buf = [0; 4];
        assert_eq!(t.read(b, &mut buf), Ok(1), "its own queue first");
        assert_eq!(t.write(b, b"q"), Err(Errno::PIPE));
        assert_eq!(
            t.read(b, &mut buf[..0]),
            Ok(0),
            "an empty read leaves the error"
        );
        assert_eq!(t.read(b, &mut buf), Err(Errno::CONNRESET));
        assert_eq!(t.read(b, &mut buf), Ok(0));
    }

    #[test]
    fn peer_closed_after_reading_everything_is_plain_eof() {
        let sys = System::new();
        let t = sys.task(sys.spawn().unwrap()).unwrap();
        let [a, b] = t.socketpair(1, 1, crate::SockFlags::empty(), 0).unwrap();
        t.write(b, b"x").unwrap();
        t.read(a, &mut [0; 1]).unwrap();
        t.close(a).unwrap();
        assert_eq!(t.read(b, &mut [0; 1]), Ok(0));
    }
}

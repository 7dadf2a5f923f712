//! Pipes: a 64 KiB byte buffer with a read end and a write end.
//!
//! Rules (pipe(7)): a read returns what is buffered (up to the request); on an empty
//! pipe it returns 0 once no write end is open, fails with `EAGAIN` when non-blocking,
//! and waits otherwise. A write with no read end open fails with `EPIPE` (the model
//! does not deliver `SIGPIPE`, as if it were ignored); an empty write returns 0
//! even then. Writes of at most `PIPE_BUF`
//! (4096) bytes are atomic: a non-blocking one that does not fit fails with `EAGAIN`;
//! a larger non-blocking one writes what fits. A blocking write waits until all is
//! written, returning the partial count if interrupted after writing something.
//!
//! An end is "open" while an open file description of it exists: the end's object is
//! dropped at the description's release, which is when Linux's `pipe_release` runs.
//!
//! Not modelled: Linux accounts capacity in page-sized slots (16 by default), so a
//! pipe of many small unmerged writes can hold less than 64 KiB; the model counts bytes.

use super::{FileKind, FileObject, Io, Stat};
use crate::errno::{Errno, Result};
use crate::sync::{Arc, Condvar, Mutex};
use crate::wait::{lock, Wake};
use std::collections::VecDeque;

/// Default pipe capacity: 16 pages.
pub const PIPE_DEF_BUFFERS_BYTES: usize = 65536;
/// Writes up to this size are atomic.
pub const PIPE_BUF: usize = 4096;
/// Largest size an unprivileged `F_SETPIPE_SZ` may set (`/proc/sys/fs/pipe-max-size`).
pub const PIPE_MAX_SIZE: usize = 1 << 20;

#[derive(Debug)]
struct State {
    buf: VecDeque<u8>,
    capacity: usize,
    readers: usize,
    writers: usize,
}

/// The shared part of a pipe (Linux `pipe_inode_info`).
#[derive(Debug)]
pub struct Pipe {
    ino: u64,
    state: Mutex<State>,
    changed: Condvar,
}

impl Wake for Pipe {
    fn wake_all(&self) {
        let _guard = lock(&self.state);
        self.changed.notify_all();
    }
}

impl Pipe {
    /// A new pipe with inode number `ino` and no ends yet.
    pub fn new(ino: u64) -> Arc<Pipe> {
        Arc::new(Pipe {
            ino,
            state: Mutex::new(State {
                buf: VecDeque::new(),
                capacity: PIPE_DEF_BUFFERS_BYTES,
                readers: 0,
                writers: 0,
            }),
            changed: Condvar::new(),
        })
    }

    /// A new end of `pipe`, counted as open until dropped.
    pub fn end(pipe: &Arc<Pipe>, end: End) -> PipeEnd {
        {
            let mut st = lock(&pipe.state);
            match end {
                End::Read => st.readers += 1,
                End::Write => st.writers += 1,
            }
        }
        PipeEnd {
            pipe: Arc::clone(pipe),
            end,
        }
    }

    /// Bytes currently buffered.
    pub fn buffered(&self) -> usize {
        lock(&self.state).buf.len()
    }

    fn read(self: &Arc<Self>, io: &mut Io<'_>, buf: &mut [u8]) -> Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let mut st = lock(&self.state);
        loop {
            if !st.buf.is_empty() {
                let n = buf.len().min(st.buf.len());
                for (dst, src) in buf.iter_mut().zip(st.buf.drain(..n)) {
                    *dst = src;
                }
                self.changed.notify_all();
                return Ok(n);
            }
            if st.writers == 0 {
                return Ok(0);
            }
            if io.nonblock {
                return Err(Errno::AGAIN);
            }
            st = io
                .interrupt
                .wait(&self.changed, st, Arc::clone(self) as Arc<dyn Wake>)?;
        }
    }

    fn write(self: &Arc<Self>, io: &mut Io<'_>, data: &[u8]) -> Result<usize> {
        // Linux pipe_write: "Null write succeeds", before the check for readers, so
        // an empty write to a widowed pipe is 0, not EPIPE.
        if data.is_empty() {
            return Ok(0);
        }
        let mut st = lock(&self.state);
        let mut written = 0;
        loop {
            if st.readers == 0 {
                return if written > 0 {
                    Ok(written)
                } else {
                    Err(Errno::PIPE)
                };
            }
            let rest = &data[written..];
            if rest.is_empty() {
                return Ok(written);
            }
            let room = st.capacity.saturating_sub(st.buf.len());
            let atomic = data.len() <= PIPE_BUF;
            let fits = if atomic { room >= rest.len() } else { room > 0 };
            if fits {
                let n = rest.len().min(room);
                st.buf.extend(&rest[..n]);
                written += n;
                self.changed.notify_all();
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
                .wait(&self.changed, st, Arc::clone(self) as Arc<dyn Wake>)
            {
                Ok(st) => st,
                Err(e) if written == 0 => return Err(e),
                Err(_) => return Ok(written),
            };
        }
    }
}

/// Which end of a pipe.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum End {
    /// The read end (`O_RDONLY`).
    Read,
    /// The write end (`O_WRONLY`).
    Write,
}

/// One end of a pipe, the object of that end's open file description.
#[derive(Debug)]
pub struct PipeEnd {
    pipe: Arc<Pipe>,
    end: End,
}

impl PipeEnd {
    /// The pipe this end belongs to.
    pub fn pipe(&self) -> &Arc<Pipe> {
        &self.pipe
    }

    /// Which end this is.
    pub fn end(&self) -> End {
        self.end
    }
}

impl Drop for PipeEnd {
    /// Linux `pipe_release`: the end closes, and the other side sees EOF or `EPIPE`.
    fn drop(&mut self) {
        let mut st = lock(&self.pipe.state);
        match self.end {
            End::Read => st.readers -= 1,
            End::Write => st.writers -= 1,
        }
        self.pipe.changed.notify_all();
    }
}

impl FileObject for PipeEnd {
    fn kind(&self) -> FileKind {
        FileKind::Fifo
    }

    fn proc_link(&self) -> String {
        format!("pipe:[{}]", self.pipe.ino)
    }

    fn is_stream(&self) -> bool {
        true
    }

    fn read(&self, io: &mut Io<'_>, buf: &mut [u8]) -> Result<usize> {
        self.pipe.read(io, buf)
    }

    fn write(&self, io: &mut Io<'_>, buf: &[u8]) -> Result<usize> {
        self.pipe.write(io, buf)
    }

    fn stat(&self) -> Stat {
        Stat {
            dev: 0xd,
            ino: self.pipe.ino,
            mode: FileKind::Fifo.mode_bits() | 0o600,
            nlink: 1,
            size: 0,
        }
    }

    fn supports_direct(&self) -> bool {
        true
    }

    fn supports_async(&self) -> bool {
        true
    }

    fn pipe_capacity(&self) -> Option<usize> {
        Some(lock(&self.pipe.state).capacity)
    }

    fn set_pipe_capacity(&self, size: u64) -> Result<usize> {
        // Linux pipe_set_size: round_pipe_size gives 0 pages above 2^31 (EINVAL),
        // else at least one page, rounded up to a power of two; only then is a size
        // above pipe-max-size refused (EPERM; the model's callers never hold
        // CAP_SYS_RESOURCE for this).
        if size > 1 << 31 {
            return Err(Errno::INVAL);
        }
        if size > PIPE_MAX_SIZE as u64 {
            return Err(Errno::PERM);
        }
        let size = (size.max(4096) as usize).next_power_of_two();
        let mut st = lock(&self.pipe.state);
        if st.buf.len() > size {
            return Err(Errno::BUSY);
        }
        st.capacity = size;
        self.pipe.changed.notify_all();
        Ok(size)
    }
}

#[cfg(test)]
mod tests {
    use crate::{Errno, System};

    // ---- write -----------------------------------------------------------------------

    /// Found by the host differential test: Linux answers an empty write before
    /// looking for readers.
    #[test]
    fn empty_write_without_readers_is_zero() {
        let sys = System::new();
        let t = sys.task(sys.spawn().unwrap()).unwrap();
        let [r, w] = t.pipe().unwrap();
        t.close(r).unwrap();
        assert_eq!(t.write(w, b""), Ok(0));
        assert_eq!(t.write(w, b"x"), Err(Errno::PIPE));
    }

    // ---- F_SETPIPE_SZ ----------------------------------------------------------------

    /// Found by the host differential test: sizes above 2^31 round to no page at
    /// all (EINVAL) before the pipe-max-size check (EPERM); `arg` is an `unsigned int`.
    #[test]
    fn setpipe_sz_above_2_31_is_einval() {
        let sys = System::new();
        let t = sys.task(sys.spawn().unwrap()).unwrap();
        let [r, _w] = t.pipe().unwrap();
        let set = |size: u64| t.fcntl(r, crate::flags::fcntl_cmd::F_SETPIPE_SZ, size);
        assert_eq!(set(u64::MAX), Err(Errno::INVAL));
        assert_eq!(set((1 << 31) + 1), Err(Errno::INVAL));
        assert_eq!(set(1 << 31), Err(Errno::PERM));
        assert_eq!(set((1 << 20) + 1), Err(Errno::PERM));
        assert_eq!(set((1 << 32) + 4097), Ok(8192));
        assert_eq!(set(0), Ok(4096));
    }
}

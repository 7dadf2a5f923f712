//! `eventfd(2)`: a 64-bit counter behind a descriptor.
//!
//! A read needs an 8-byte buffer (else `EINVAL`) and returns the counter, resetting it
//! to 0 (or returns 1 and decrements, with `EFD_SEMAPHORE`); on 0 it fails with
//! `EAGAIN` when non-blocking and waits otherwise. A write needs exactly 8 bytes (else
//! `EINVAL`), rejects `0xffffffffffffffff` (`EINVAL`) and adds its value, waiting (or
//! `EAGAIN`) while the sum would exceed `0xfffffffffffffffe`.

use super::{FileKind, FileObject, Io, Stat};
use crate::errno::{Errno, Result};
use crate::sync::{Arc, Condvar, Mutex};
use crate::wait::{lock, Wake};

#[derive(Debug)]
struct Counter {
    value: Mutex<u64>,
    changed: Condvar,
}

impl Wake for Counter {
    fn wake_all(&self) {
        let _guard = lock(&self.value);
        self.changed.notify_all();
    }
}

/// An eventfd counter.
#[derive(Debug)]
pub struct EventFd {
    ino: u64,
    semaphore: bool,
    counter: Arc<Counter>,
}

impl EventFd {
    /// A counter starting at `initval`; `semaphore` is `EFD_SEMAPHORE`.
    pub fn new(ino: u64, initval: u32, semaphore: bool) -> EventFd {
        EventFd {
            ino,
            semaphore,
            counter: Arc::new(Counter {
                value: Mutex::new(u64::from(initval)),
                changed: Condvar::new(),
            }),
        }
    }
}

impl FileObject for EventFd {
    fn kind(&self) -> FileKind {
        FileKind::Anon
    }

    fn proc_link(&self) -> String {
        "anon_inode:[eventfd]".to_string()
    }

    fn is_stream(&self) -> bool {
        true
    }

    fn read(&self, io: &mut Io<'_>, buf: &mut [u8]) -> Result<usize> {
        if buf.len() < 8 {
            return Err(Errno::INVAL);
        }
        let c = &self.counter;
        let mut v = lock(&c.value);
        loop {
            if *v > 0 {
                let out = if self.semaphore { 1 } else { *v };
                *v -= out;
                buf[..8].copy_from_slice(&out.to_ne_bytes());
                c.changed.notify_all();
                return Ok(8);
            }
            if io.nonblock {
                return Err(Errno::AGAIN);
            }
            v = io
                .interrupt
                .wait(&c.changed, v, Arc::clone(c) as Arc<dyn Wake>)?;
        }
    }

    fn write(&self, io: &mut Io<'_>, buf: &[u8]) -> Result<usize> {
        // Linux eventfd_write: exactly 8 bytes; a longer buffer is EINVAL too
        // (checked on 6.18), unlike a read, which takes any buffer of 8 or more.
        let Ok(raw) = <[u8; 8]>::try_from(buf) else {
            return Err(Errno::INVAL);
        };
        let add = u64::from_ne_bytes(raw);
        if add == u64::MAX {
            return Err(Errno::INVAL);
        }
        let c = &self.counter;
        let mut v = lock(&c.value);
        loop {
            if u64::MAX - 1 - *v >= add {
                *v += add;
                c.changed.notify_all();
                return Ok(8);
            }
            if io.nonblock {
                return Err(Errno::AGAIN);
            }
            v = io
                .interrupt
                .wait(&c.changed, v, Arc::clone(c) as Arc<dyn Wake>)?;
        }
    }

    /// Linux `noop_llseek`: the position does not move.
    fn seek(&self, pos: u64, _offset: i64, _whence: crate::flags::Whence) -> Result<i64> {
        i64::try_from(pos).map_err(|_| Errno::INVAL)
    }

    fn stat(&self) -> Stat {
        Stat {
            dev: 0xe,
            ino: self.ino,
            mode: 0o600,
            nlink: 1,
            size: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{Errno, System};

    // ---- write -----------------------------------------------------------------------

    /// Found by the host differential test: `eventfd_write` wants exactly 8 bytes.
    #[test]
    fn write_needs_exactly_eight_bytes() {
        let sys = System::new();
        let t = sys.task(sys.spawn().unwrap()).unwrap();
        let fd = t.eventfd2(0, crate::EventFdFlags::empty()).unwrap();
        assert_eq!(t.write(fd, &[1; 7]), Err(Errno::INVAL));
        assert_eq!(t.write(fd, &[1; 9]), Err(Errno::INVAL));
        assert_eq!(t.write(fd, &1u64.to_ne_bytes()), Ok(8));
        let mut buf = [0; 16];
        assert_eq!(t.read(fd, &mut buf), Ok(8), "a read takes a larger buffer");
    }
}

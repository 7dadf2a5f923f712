//! Character devices: `/dev/null`, `/dev/zero`, and the terminal the standard
//! streams refer to.

use super::{FileKind, FileObject, Io, Stat};
use crate::errno::{Errno, Result};
use crate::flags::Whence;
use crate::sync::{Arc, Mutex};
use crate::wait::lock;

/// Which memory device.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum MemDevice {
    /// `/dev/null` (1:3): reads end at once, writes vanish.
    Null,
    /// `/dev/zero` (1:5): reads give zero bytes, writes vanish.
    Zero,
}

/// An open of `/dev/null` or `/dev/zero`.
#[derive(Clone, Copy, Debug)]
pub struct Device {
    which: MemDevice,
    ino: u64,
}

impl Device {
    /// A device object; `ino` is the device node's inode number.
    pub fn new(which: MemDevice, ino: u64) -> Device {
        Device { which, ino }
    }
}

impl FileObject for Device {
    fn kind(&self) -> FileKind {
        FileKind::CharDevice
    }

    fn proc_link(&self) -> String {
        match self.which {
            MemDevice::Null => "/dev/null".to_string(),
            MemDevice::Zero => "/dev/zero".to_string(),
        }
    }

    fn path(&self) -> Option<String> {
        Some(self.proc_link())
    }

    fn read(&self, _io: &mut Io<'_>, buf: &mut [u8]) -> Result<usize> {
        match self.which {
            MemDevice::Null => Ok(0),
            MemDevice::Zero => {
                buf.fill(0);
                Ok(buf.len())
            }
        }
    }

    fn write(&self, _io: &mut Io<'_>, buf: &[u8]) -> Result<usize> {
        Ok(buf.len())
    }

    /// Linux `null_lseek` (also used by `/dev/zero`): the position becomes 0.
    fn seek(&self, _pos: u64, _offset: i64, _whence: Whence) -> Result<i64> {
        Ok(0)
    }

    fn stat(&self) -> Stat {
        Stat {
            dev: 0x5,
            ino: self.ino,
            mode: FileKind::CharDevice.mode_bits() | 0o666,
            nlink: 1,
            size: 0,
        }
    }
}

/// What was written to and can be read from a terminal.
#[derive(Debug, Default)]
pub struct TerminalBuffers {
    /// Everything written to the terminal, in order.
    pub output: Vec<u8>,
    /// Bytes waiting to be read; a read of an empty terminal returns 0 (the model
    /// does not wait for a user).
    pub input: std::collections::VecDeque<u8>,
}

/// The terminal `/dev/pts/0` that a new process's standard streams refer to.
///
/// Output is captured so an embedder (or a test) can inspect what the model's
/// programs printed: see [`Terminal::buffers`].
#[derive(Clone, Debug)]
pub struct Terminal {
    buffers: Arc<Mutex<TerminalBuffers>>,
    ino: u64,
}

impl Terminal {
    /// A terminal with inode number `ino` and empty buffers.
    pub fn new(ino: u64) -> Terminal {
        Terminal {
            buffers: Arc::default(),
            ino,
        }
    }

    /// The shared buffers: output written so far and input not yet read.
    pub fn buffers(&self) -> Arc<Mutex<TerminalBuffers>> {
        Arc::clone(&self.buffers)
    }
}

impl FileObject for Terminal {
    fn kind(&self) -> FileKind {
        FileKind::CharDevice
    }

    fn proc_link(&self) -> String {
        "/dev/pts/0".to_string()
    }

    fn path(&self) -> Option<String> {
        Some(self.proc_link())
    }

    fn is_stream(&self) -> bool {
        true
    }

    fn read(&self, _io: &mut Io<'_>, buf: &mut [u8]) -> Result<usize> {
        let mut b = lock(&self.buffers);
        let n = buf.len().min(b.input.len());
        for (dst, src) in buf.iter_mut().zip(b.input.drain(..n)) {
            *dst = src;
        }
        Ok(n)
    }

    fn write(&self, _io: &mut Io<'_>, buf: &[u8]) -> Result<usize> {
        lock(&self.buffers).output.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn seek(&self, _pos: u64, _offset: i64, _whence: Whence) -> Result<i64> {
        Err(Errno::SPIPE)
    }

    fn stat(&self) -> Stat {
        Stat {
            dev: 0x18,
            ino: self.ino,
            mode: FileKind::CharDevice.mode_bits() | 0o620,
            nlink: 1,
            size: 0,
        }
    }

    fn supports_async(&self) -> bool {
        true
    }

    fn fasync_sets_owner(&self) -> bool {
        true
    }
}

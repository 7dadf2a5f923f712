//! Transfer calls: `read`, `write`, `pread64`, `pwrite64`, `lseek`.
//!
//! `read` and `write` use and advance the description's offset, holding it locked
//! for the whole transfer (Linux `f_pos_lock`), so transfers through duplicates in
//! different threads or processes never overlap. Stream objects (pipes, sockets,
//! terminals) have no offset and take no offset lock, so a reader blocked on a pipe
//! does not block other users of the description.

use crate::errno::{Errno, Result};
use crate::fd::Fd;
use crate::flags::Whence;
use crate::object::Io;
use crate::ofd::OpenFileDescription;
use crate::system::Task;
use std::sync::Arc;

impl Task {
    /// `read(fd, buf, count)`.
    ///
    /// # Errors
    /// 1. `EBADF`: not open, `O_PATH`, or not opened for reading.
    /// 2. the object's errors: `EISDIR` (directory), `EAGAIN` (non-blocking, nothing
    ///    buffered), `EINTR` (interrupted while waiting), `EINVAL` (no read method).
    pub fn read(&self, fd: impl Into<Fd>, buf: &mut [u8]) -> Result<usize> {
        let ofd = self.file_no_path(fd.into())?;
        if !ofd.access_mode().can_read() {
            return Err(Errno::BADF);
        }
        self.transfer(&ofd, None, |io| ofd.object().read(io, buf))
    }

    /// `write(fd, buf, count)` — with `O_APPEND`, at the end of the file.
    ///
    /// # Errors
    /// 1. `EBADF`: not open, `O_PATH`, or not opened for writing.
    /// 2. the object's errors: `EPIPE` (no reader), `EAGAIN`, `EINTR`, `EFBIG`.
    pub fn write(&self, fd: impl Into<Fd>, buf: &[u8]) -> Result<usize> {
        let ofd = self.file_no_path(fd.into())?;
        if !ofd.access_mode().can_write() {
            return Err(Errno::BADF);
        }
        self.transfer(&ofd, None, |io| ofd.object().write(io, buf))
    }

    /// `pread64(fd, buf, count, offset)` — read at `offset`; the offset is unchanged.
    ///
    /// # Errors
    /// 1. `EINVAL`: `offset < 0`.
    /// 2. `EBADF`: not open or `O_PATH`.
    /// 3. `ESPIPE`: a pipe, socket or other stream.
    /// 4. `EBADF`: not opened for reading; then as [`Task::read`].
    pub fn pread(&self, fd: impl Into<Fd>, buf: &mut [u8], offset: i64) -> Result<usize> {
        let ofd = self.positional(fd.into(), offset)?;
        if !ofd.access_mode().can_read() {
            return Err(Errno::BADF);
        }
        self.transfer(&ofd, Some(offset as u64), |io| ofd.object().read(io, buf))
    }

    /// `pwrite64(fd, buf, count, offset)` — write at `offset`; the offset is
    /// unchanged. As on Linux, with `O_APPEND` the data goes to the end regardless.
    ///
    /// # Errors
    /// As [`Task::pread`], with writing access.
    pub fn pwrite(&self, fd: impl Into<Fd>, buf: &[u8], offset: i64) -> Result<usize> {
        let ofd = self.positional(fd.into(), offset)?;
        if !ofd.access_mode().can_write() {
            return Err(Errno::BADF);
        }
        self.transfer(&ofd, Some(offset as u64), |io| ofd.object().write(io, buf))
    }

    fn positional(&self, fd: Fd, offset: i64) -> Result<Arc<OpenFileDescription>> {
        if offset < 0 {
            return Err(Errno::INVAL);
        }
        let ofd = self.file_no_path(fd)?;
        if ofd.object().is_stream() {
            return Err(Errno::SPIPE);
        }
        Ok(ofd)
    }

    /// Runs one transfer: at `at` (positional), at the locked offset, or with no
    /// offset at all for streams.
    fn transfer(
        &self,
        ofd: &OpenFileDescription,
        at: Option<u64>,
        f: impl FnOnce(&mut Io<'_>) -> Result<usize>,
    ) -> Result<usize> {
        let flags = ofd.flags();
        let mut io = Io {
            pos: at.unwrap_or(0),
            nonblock: flags.contains(crate::flags::OFlags::NONBLOCK),
            append: flags.contains(crate::flags::OFlags::APPEND),
            interrupt: &self.state.interrupt,
        };
        if at.is_some() || ofd.object().is_stream() {
            return f(&mut io);
        }
        let mut offset = ofd.lock_offset();
        io.pos = *offset;
        let n = f(&mut io)?;
        *offset = io.pos;
        Ok(n)
    }

    /// `lseek(fd, offset, whence)` — moves the description's offset and returns the
    /// new one (Linux `ksys_lseek`, then the object's `llseek`). A guest's raw
    /// `whence` goes through [`Call::Lseek`](crate::syscall::Call::Lseek), where a
    /// value other than 0-4 is `EINVAL` (after the `EBADF` check, as in Linux).
    ///
    /// # Errors
    /// 1. `EBADF`: not open or `O_PATH`.
    /// 2. `ESPIPE`: a pipe, socket or terminal.
    /// 3. `EINVAL`: the result would be negative or overflow; `ENXIO`: `SEEK_DATA` or
    ///    `SEEK_HOLE` at or past the end.
    pub fn lseek(&self, fd: impl Into<Fd>, offset: i64, whence: Whence) -> Result<u64> {
        self.lseek_raw(fd.into(), offset, Some(whence))
    }

    /// `lseek` with a decoded raw `whence`: `None` (not 0-4) is `EINVAL` once the
    /// descriptor is known good.
    pub(crate) fn lseek_raw(&self, fd: Fd, offset: i64, whence: Option<Whence>) -> Result<u64> {
        let ofd = self.file_no_path(fd)?;
        let whence = whence.ok_or(Errno::INVAL)?;
        let mut pos = ofd.lock_offset();
        let new = ofd.object().seek(*pos, offset, whence)?;
        let new = u64::try_from(new).map_err(|_| Errno::INVAL)?;
        *pos = new;
        Ok(new)
    }
}

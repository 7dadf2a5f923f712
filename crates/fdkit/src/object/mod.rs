//! The objects behind open file descriptions, behind the [`FileObject`] trait.
//!
//! Linux calls these inodes and `file_operations`; an embedder plugs its own in (a
//! host file, a virtual device, a network socket) by implementing [`FileObject`] and
//! installing it with [`Task::open_object`](crate::Task::open_object). The built-in
//! ones are:
//!
//! | object | module | `/proc/PID/fd` link |
//! |---|---|---|
//! | regular files and directories | [`memfs`] | the path (`/tmp/a`, `/tmp/a (deleted)`) |
//! | `/dev/null`, `/dev/zero` | [`dev`] | `/dev/null` |
//! | standard streams (a terminal) | [`dev`] | `/dev/pts/0` |
//! | pipes | [`pipe`] | `pipe:[N]` |
//! | unix stream socket pairs | [`socket`] | `socket:[N]` |
//! | eventfd | [`eventfd`] | `anon_inode:[eventfd]` |
//! | anything else, by link text only | [`anon`] | as given |

pub mod anon;
pub mod dev;
pub mod eventfd;
pub mod memfs;
pub mod pipe;
pub mod socket;

use crate::errno::{Errno, Result};
use crate::flags::Whence;
use crate::wait::Interrupt;
use std::fmt;

/// The type of an object, as `st_mode & S_IFMT` tells it.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum FileKind {
    /// A regular file (`S_IFREG`).
    Regular,
    /// A directory (`S_IFDIR`).
    Directory,
    /// A character device (`S_IFCHR`): `/dev/null`, a terminal.
    CharDevice,
    /// A pipe or FIFO (`S_IFIFO`).
    Fifo,
    /// A socket (`S_IFSOCK`).
    Socket,
    /// An anonymous inode (eventfd, epoll, pidfd ...): no file type bits.
    Anon,
}

impl FileKind {
    /// The `S_IFMT` bits of this kind.
    pub fn mode_bits(self) -> u32 {
        match self {
            FileKind::Regular => 0o100000,
            FileKind::Directory => 0o040000,
            FileKind::CharDevice => 0o020000,
            FileKind::Fifo => 0o010000,
            FileKind::Socket => 0o140000,
            FileKind::Anon => 0,
        }
    }
}

/// The part of `struct stat` the model knows.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Stat {
    /// Device number of the filesystem.
    pub dev: u64,
    /// Inode number: equal for every descriptor and open of the same object.
    pub ino: u64,
    /// File type and permission bits.
    pub mode: u32,
    /// Number of hard links.
    pub nlink: u32,
    /// Size in bytes (bytes buffered, for pipes and sockets: 0).
    pub size: u64,
}

/// One read or write request as an object sees it.
pub struct Io<'a> {
    /// The file position to use; a positional object moves it to where the
    /// transfer ended (for an `O_APPEND` write, first to the end of the file). The
    /// caller stores it back in the description's offset for `read`/`write`, and
    /// discards it for `pread`/`pwrite`. Stream objects ignore it.
    pub pos: u64,
    /// `O_NONBLOCK` is set on the description: fail with `EAGAIN` instead of waiting.
    pub nonblock: bool,
    /// `O_APPEND` is set on the description.
    pub append: bool,
    /// The calling thread's interrupt, for objects that wait: a wait that sees it
    /// fails with `EINTR`.
    pub interrupt: &'a Interrupt,
}

/// An object behind open file descriptions (Linux: an inode and its
/// `file_operations`).
///
/// Each [`OpenFileDescription`](crate::OpenFileDescription) owns one `FileObject`
/// value; two opens of one file give two values that share the underlying file. The
/// value is dropped when the description is released, after the last descriptor
/// referring to it in any process is closed (Linux `__fput`): an object with
/// something to do at last close (a pipe end waking the other side) does it in `Drop`.
///
/// The defaults describe an object that can be neither read nor written nor seeked.
pub trait FileObject: Send + Sync + fmt::Debug {
    /// What kind of object this is.
    fn kind(&self) -> FileKind;

    /// The text of the `/proc/PID/fd/N` symbolic link: a path, `pipe:[N]`,
    /// `socket:[N]`, `anon_inode:[eventfd]` ...
    fn proc_link(&self) -> String;

    /// The path of a filesystem object, used to resolve paths relative to a directory
    /// descriptor (`openat`). `None` for objects outside the filesystem.
    fn path(&self) -> Option<String> {
        None
    }

    /// Stream objects (pipes, sockets, terminals) have no file position: `lseek`
    /// fails with `ESPIPE`, as do `pread` and `pwrite` (Linux `FMODE_STREAM`, no
    /// `FMODE_PREAD`).
    fn is_stream(&self) -> bool {
        false
    }

    /// Reads into `buf` at `io.pos`, moving `io.pos` for positional objects.
    ///
    /// # Errors
    /// Object specific; the default is `EINVAL` (no `read` method).
    fn read(&self, io: &mut Io<'_>, buf: &mut [u8]) -> Result<usize> {
        let _ = (io, buf);
        Err(Errno::INVAL)
    }

    /// Writes `buf` at `io.pos` (at the end when `io.append`), moving `io.pos` for
    /// positional objects.
    ///
    /// # Errors
    /// Object specific; the default is `EINVAL` (no `write` method).
    fn write(&self, io: &mut Io<'_>, buf: &[u8]) -> Result<usize> {
        let _ = (io, buf);
        Err(Errno::INVAL)
    }

    /// The new position for `lseek(fd, offset, whence)` from position `pos`, before
    /// Linux's common checks (negative result → `EINVAL`).
    ///
    /// # Errors
    /// Object specific; the default is `ESPIPE`.
    fn seek(&self, pos: u64, offset: i64, whence: Whence) -> Result<i64> {
        let _ = (pos, offset, whence);
        Err(Errno::SPIPE)
    }

    /// `fstat` information.
    fn stat(&self) -> Stat;

    /// Whether `F_SETFL` may set `O_DIRECT` (Linux `FMODE_CAN_ODIRECT`); if not, it
    /// fails with `EINVAL`.
    fn supports_direct(&self) -> bool {
        false
    }

    /// Whether the object has a `->fasync` method, so that `F_SETFL` changes
    /// `O_ASYNC`. Without one, `O_ASYNC` is silently ignored, as on Linux.
    fn supports_async(&self) -> bool {
        false
    }

    /// Whether turning `O_ASYNC` on makes the caller's process the description's
    /// owner (`F_GETOWN`), as a terminal's `->fasync` does (Linux `__tty_fasync`
    /// calls `__f_setown`; the model's terminal has no foreground process group, so
    /// the owner is the caller). Default: no.
    fn fasync_sets_owner(&self) -> bool {
        false
    }

    /// The capacity of a pipe, for `F_GETPIPE_SZ`; `None` for other objects
    /// (`F_GETPIPE_SZ` then fails with `EBADF`).
    fn pipe_capacity(&self) -> Option<usize> {
        None
    }

    /// Sets a pipe's capacity for `F_SETPIPE_SZ`, returning the size actually set.
    ///
    /// # Errors
    /// `EBADF` for objects that are not pipes; pipes: `EBUSY` when the buffered data
    /// would not fit, `EINVAL` for sizes out of range.
    fn set_pipe_capacity(&self, size: u64) -> Result<usize> {
        let _ = size;
        Err(Errno::BADF)
    }
}

/// Linux `generic_file_llseek_size` for an object of `size` bytes at position `pos`:
/// `SEEK_SET`, `SEEK_CUR`, `SEEK_END`, and `SEEK_DATA`/`SEEK_HOLE` on a file with no
/// holes (`ENXIO` at or past the end). Overflow gives `EINVAL`; the caller rejects a
/// negative result.
pub fn generic_seek(size: u64, pos: u64, offset: i64, whence: Whence) -> Result<i64> {
    let size = i64::try_from(size).map_err(|_| Errno::INVAL)?;
    let pos = i64::try_from(pos).map_err(|_| Errno::INVAL)?;
    let base = match whence {
        Whence::Set => 0,
        Whence::Cur => pos,
        Whence::End => size,
        Whence::Data => {
            return if offset < 0 || offset >= size {
                Err(Errno::NXIO)
            } else {
                Ok(offset)
            };
        }
        Whence::Hole => {
            return if offset < 0 || offset >= size {
                Err(Errno::NXIO)
            } else {
                Ok(size)
            };
        }
    };
    base.checked_add(offset).ok_or(Errno::INVAL)
}

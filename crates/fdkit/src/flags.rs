//! Flag words of the descriptor system, with Linux x86-64 values.
//!
//! Two layers carry flags, and mixing them up is the classic bug this module exists to
//! prevent:
//! - **descriptor flags** ([`FdFlags`]) belong to one slot of one table; the only one
//!   Linux has is `FD_CLOEXEC`;
//! - **status flags** ([`OFlags`] minus the access mode and creation flags) belong to
//!   the [open file description](crate::OpenFileDescription) and are shared by every
//!   descriptor that refers to it.

use crate::catalog::flagset as fs;
use bitflags::bitflags;

bitflags! {
    /// `open(2)` flags (`O_*`), Linux x86-64 values.
    ///
    /// The access mode occupies the two low bits and is not a flag; use
    /// [`OFlags::access_mode`]. `O_RDONLY` is the absence of `WRONLY` and `RDWR`.
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
    pub struct OFlags: u32 {
        /// `O_WRONLY` (01): open for writing only.
        const WRONLY = fs::O_WRONLY as u32;
        /// `O_RDWR` (02): open for reading and writing.
        const RDWR = fs::O_RDWR as u32;
        /// `O_CREAT` (0100): create the file if it does not exist.
        const CREAT = fs::O_CREAT as u32;
        /// `O_EXCL` (0200): with `O_CREAT`, fail with `EEXIST` if the file exists.
        const EXCL = fs::O_EXCL as u32;
        /// `O_NOCTTY` (0400): do not make a terminal the controlling terminal.
        const NOCTTY = fs::O_NOCTTY as u32;
        /// `O_TRUNC` (01000): truncate a regular file to length 0.
        const TRUNC = fs::O_TRUNC as u32;
        /// `O_APPEND` (02000): every write goes to the end of the file (status flag).
        const APPEND = fs::O_APPEND as u32;
        /// `O_NONBLOCK` (04000), also `O_NDELAY`: never block (status flag).
        const NONBLOCK = fs::O_NONBLOCK as u32;
        /// `O_DSYNC` (010000): synchronized data writes.
        const DSYNC = fs::O_DSYNC as u32;
        /// `O_ASYNC` / `FASYNC` (020000): signal-driven I/O (status flag).
        const ASYNC = fs::FASYNC as u32;
        /// `O_DIRECT` (040000): bypass the page cache (status flag).
        const DIRECT = fs::O_DIRECT as u32;
        /// `O_LARGEFILE` (0100000): always forced on by 64-bit `open`.
        const LARGEFILE = fs::O_LARGEFILE as u32;
        /// `O_DIRECTORY` (0200000): fail with `ENOTDIR` unless the path is a directory.
        const DIRECTORY = fs::O_DIRECTORY as u32;
        /// `O_NOFOLLOW` (0400000): do not follow a final symbolic link.
        const NOFOLLOW = fs::O_NOFOLLOW as u32;
        /// `O_NOATIME` (01000000): do not update access time (status flag).
        const NOATIME = fs::O_NOATIME as u32;
        /// `O_CLOEXEC` (02000000): set `FD_CLOEXEC` on the new descriptor.
        const CLOEXEC = fs::O_CLOEXEC as u32;
        /// `__O_SYNC` (04000000); `O_SYNC` is `__O_SYNC | O_DSYNC`.
        const SYNC = fs::__O_SYNC as u32;
        /// `O_PATH` (010000000): a location-only descriptor with no access.
        const PATH = fs::O_PATH as u32;
        /// `__O_TMPFILE` (020000000); `O_TMPFILE` is `__O_TMPFILE | O_DIRECTORY`.
        const TMPFILE = fs::__O_TMPFILE as u32;
    }
}

/// `O_ACCMODE` (03): the mask of the access-mode bits.
pub const O_ACCMODE: u32 = fs::O_ACCMODE as u32;

/// Status flags `F_SETFL` may change: Linux `SETFL_MASK` (`O_APPEND`, `O_NONBLOCK`,
/// `O_DIRECT`, `O_NOATIME`). `O_ASYNC` is changed too, but only for objects with a
/// `->fasync` method (pipes, sockets, terminals); see
/// [`FileObject::supports_async`](crate::FileObject::supports_async).
pub const SETFL_MASK: OFlags = OFlags::APPEND
    .union(OFlags::NONBLOCK)
    .union(OFlags::DIRECT)
    .union(OFlags::NOATIME);

/// Flags `open` accepts (Linux `VALID_OPEN_FLAGS`); other bits are silently dropped
/// by `open`/`openat`.
pub const VALID_OPEN_FLAGS: OFlags = OFlags::all();

/// Flags an `O_PATH` open keeps (Linux `O_PATH_FLAGS`); `open` drops the others.
pub const O_PATH_FLAGS: OFlags = OFlags::DIRECTORY
    .union(OFlags::NOFOLLOW)
    .union(OFlags::PATH)
    .union(OFlags::CLOEXEC);

/// Flags removed from the stored status word at open time: `O_CREAT`, `O_EXCL`,
/// `O_NOCTTY`, `O_TRUNC` (in `do_dentry_open`) and `O_CLOEXEC` (in
/// `build_open_flags`), so `F_GETFL` never shows them.
pub const OPEN_STRIP: OFlags = OFlags::CREAT
    .union(OFlags::EXCL)
    .union(OFlags::NOCTTY)
    .union(OFlags::TRUNC)
    .union(OFlags::CLOEXEC);

/// The access mode of an open file description: the two low bits of the open flags.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum AccessMode {
    /// `O_RDONLY` (0).
    ReadOnly,
    /// `O_WRONLY` (1).
    WriteOnly,
    /// `O_RDWR` (2).
    ReadWrite,
    /// Access mode 3: Linux's "no read, no write" mode used for ioctl-only opens.
    /// Descriptors opened with `O_PATH` also have neither access.
    NoAccess,
}

impl AccessMode {
    /// The access mode encoded in `flags & O_ACCMODE`.
    pub fn from_bits(bits: u32) -> AccessMode {
        match bits & O_ACCMODE {
            0 => AccessMode::ReadOnly,
            1 => AccessMode::WriteOnly,
            2 => AccessMode::ReadWrite,
            _ => AccessMode::NoAccess,
        }
    }

    /// The `O_ACCMODE` bits of this mode.
    pub fn bits(self) -> u32 {
        match self {
            AccessMode::ReadOnly => 0,
            AccessMode::WriteOnly => 1,
            AccessMode::ReadWrite => 2,
            AccessMode::NoAccess => 3,
        }
    }

    /// Whether `read(2)` is allowed (`FMODE_READ`).
    pub fn can_read(self) -> bool {
        matches!(self, AccessMode::ReadOnly | AccessMode::ReadWrite)
    }

    /// Whether `write(2)` is allowed (`FMODE_WRITE`).
    pub fn can_write(self) -> bool {
        matches!(self, AccessMode::WriteOnly | AccessMode::ReadWrite)
    }
}

impl OFlags {
    /// `O_RDONLY` (0): open for reading only — the absence of `WRONLY` and `RDWR`.
    pub const RDONLY: OFlags = OFlags::empty();

    /// The access mode in the low two bits.
    pub fn access_mode(self) -> AccessMode {
        AccessMode::from_bits(self.bits())
    }

    /// Builds flags from a raw word, dropping bits Linux does not define (as `open`
    /// does).
    pub fn from_raw(raw: u32) -> OFlags {
        OFlags::from_bits_truncate(raw)
    }
}

bitflags! {
    /// Descriptor flags (`F_GETFD`/`F_SETFD`). Per descriptor, never shared.
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
    pub struct FdFlags: u32 {
        /// `FD_CLOEXEC` (1): close this descriptor on a successful `execve`.
        const CLOEXEC = fs::FD_CLOEXEC as u32;
    }
}

bitflags! {
    /// Flags of `dup3(2)`: only `O_CLOEXEC` is valid.
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
    pub struct DupFlags: u32 {
        /// `O_CLOEXEC` (02000000): set `FD_CLOEXEC` on the new descriptor.
        const CLOEXEC = fs::O_CLOEXEC as u32;
    }
}

bitflags! {
    /// Flags of `close_range(2)`.
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
    pub struct CloseRangeFlags: u32 {
        /// `CLOSE_RANGE_UNSHARE` (2): unshare the table before acting.
        const UNSHARE = fs::CLOSE_RANGE_UNSHARE as u32;
        /// `CLOSE_RANGE_CLOEXEC` (4): set `FD_CLOEXEC` instead of closing.
        const CLOEXEC = fs::CLOSE_RANGE_CLOEXEC as u32;
    }
}

bitflags! {
    /// Flags of `eventfd2(2)` (`EFD_*`): `EFD_CLOEXEC` and `EFD_NONBLOCK` have the
    /// `O_` values.
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
    pub struct EventFdFlags: u32 {
        /// `EFD_SEMAPHORE` (1): each read decrements the counter by one.
        const SEMAPHORE = 1;
        /// `EFD_NONBLOCK` (04000): `O_NONBLOCK` on the description.
        const NONBLOCK = 0o4000;
        /// `EFD_CLOEXEC` (02000000): `FD_CLOEXEC` on the descriptor.
        const CLOEXEC = 0o2000000;
    }
}

bitflags! {
    /// Flags or-ed into a socket type (`socket(2)`, `socketpair(2)`): `SOCK_*` above
    /// the type's low four bits.
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
    pub struct SockFlags: u32 {
        /// `SOCK_NONBLOCK` (04000): `O_NONBLOCK` on the descriptions.
        const NONBLOCK = 0o4000;
        /// `SOCK_CLOEXEC` (02000000): `FD_CLOEXEC` on the descriptors.
        const CLOEXEC = 0o2000000;
    }
}

bitflags! {
    /// `clone(2)` flags that matter to the descriptor system. Other bits are accepted
    /// and ignored by the model.
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
    pub struct CloneFlags: u64 {
        /// `CLONE_VM` (0x100): share the address space.
        const VM = fs::CLONE_VM;
        /// `CLONE_FS` (0x200): share cwd/root/umask.
        const FS = fs::CLONE_FS;
        /// `CLONE_FILES` (0x400): share the descriptor table.
        const FILES = fs::CLONE_FILES;
        /// `CLONE_SIGHAND` (0x800): share signal handlers.
        const SIGHAND = fs::CLONE_SIGHAND;
        /// `CLONE_PIDFD` (0x1000): return a pidfd for the child in the parent.
        const PIDFD = fs::CLONE_PIDFD;
        /// `CLONE_VFORK` (0x4000): the parent waits until the child execs or exits.
        const VFORK = fs::CLONE_VFORK;
        /// `CLONE_THREAD` (0x10000): same thread group (a thread, not a process).
        const THREAD = fs::CLONE_THREAD;
    }
}

/// `fcntl(2)` command numbers (Linux x86-64).
pub mod fcntl_cmd {
    use crate::catalog::flagset as fs;

    /// `F_DUPFD`: duplicate to the lowest free number ≥ arg.
    pub const F_DUPFD: i32 = fs::F_DUPFD as i32;
    /// `F_GETFD`: read the descriptor flags.
    pub const F_GETFD: i32 = fs::F_GETFD as i32;
    /// `F_SETFD`: set the descriptor flags (only `FD_CLOEXEC` counts).
    pub const F_SETFD: i32 = fs::F_SETFD as i32;
    /// `F_GETFL`: read access mode and status flags.
    pub const F_GETFL: i32 = fs::F_GETFL as i32;
    /// `F_SETFL`: set the changeable status flags.
    pub const F_SETFL: i32 = fs::F_SETFL as i32;
    /// `F_GETLK`: test a POSIX record lock (not modelled).
    pub const F_GETLK: i32 = fs::F_GETLK as i32;
    /// `F_SETLK`: set a POSIX record lock (not modelled).
    pub const F_SETLK: i32 = fs::F_SETLK as i32;
    /// `F_SETLKW`: set a POSIX record lock, waiting (not modelled).
    pub const F_SETLKW: i32 = fs::F_SETLKW as i32;
    /// `F_SETOWN`: set the process receiving `SIGIO`.
    pub const F_SETOWN: i32 = fs::F_SETOWN as i32;
    /// `F_GETOWN`: get the process receiving `SIGIO`.
    pub const F_GETOWN: i32 = fs::F_GETOWN as i32;
    /// `F_SETSIG`: set the signal sent for I/O readiness.
    pub const F_SETSIG: i32 = fs::F_SETSIG as i32;
    /// `F_GETSIG`: get the signal sent for I/O readiness.
    pub const F_GETSIG: i32 = fs::F_GETSIG as i32;
    /// `F_SETOWN_EX`: set the owner, with thread targeting.
    pub const F_SETOWN_EX: i32 = fs::F_SETOWN_EX as i32;
    /// `F_GETOWN_EX`: get the owner, with thread targeting.
    pub const F_GETOWN_EX: i32 = fs::F_GETOWN_EX as i32;
    /// `F_GETOWNER_UIDS`.
    pub const F_GETOWNER_UIDS: i32 = fs::F_GETOWNER_UIDS as i32;
    /// `F_OFD_GETLK`: test an open-file-description lock (not modelled).
    pub const F_OFD_GETLK: i32 = fs::F_OFD_GETLK as i32;
    /// `F_OFD_SETLK`: set an open-file-description lock (not modelled).
    pub const F_OFD_SETLK: i32 = fs::F_OFD_SETLK as i32;
    /// `F_OFD_SETLKW`: set an open-file-description lock, waiting (not modelled).
    pub const F_OFD_SETLKW: i32 = fs::F_OFD_SETLKW as i32;
    /// `F_SETLEASE`.
    pub const F_SETLEASE: i32 = fs::F_SETLEASE as i32;
    /// `F_GETLEASE`.
    pub const F_GETLEASE: i32 = fs::F_GETLEASE as i32;
    /// `F_NOTIFY`.
    pub const F_NOTIFY: i32 = fs::F_NOTIFY as i32;
    /// `F_DUPFD_QUERY` (Linux 6.10): 1 if `arg` refers to the same description.
    pub const F_DUPFD_QUERY: i32 = fs::F_DUPFD_QUERY as i32;
    /// `F_CREATED_QUERY` (Linux 6.12): 1 if this open created the file.
    pub const F_CREATED_QUERY: i32 = fs::F_CREATED_QUERY as i32;
    /// `F_DUPFD_CLOEXEC`: like `F_DUPFD`, with `FD_CLOEXEC` set on the copy.
    pub const F_DUPFD_CLOEXEC: i32 = fs::F_DUPFD_CLOEXEC as i32;
    /// `F_SETPIPE_SZ`: set a pipe's capacity.
    pub const F_SETPIPE_SZ: i32 = fs::F_SETPIPE_SZ as i32;
    /// `F_GETPIPE_SZ`: get a pipe's capacity.
    pub const F_GETPIPE_SZ: i32 = fs::F_GETPIPE_SZ as i32;
    /// `F_ADD_SEALS`.
    pub const F_ADD_SEALS: i32 = fs::F_ADD_SEALS as i32;
    /// `F_GET_SEALS`.
    pub const F_GET_SEALS: i32 = fs::F_GET_SEALS as i32;
    /// `F_GET_RW_HINT`.
    pub const F_GET_RW_HINT: i32 = fs::F_GET_RW_HINT as i32;
    /// `F_SET_RW_HINT`.
    pub const F_SET_RW_HINT: i32 = fs::F_SET_RW_HINT as i32;
    /// `F_GET_FILE_RW_HINT`.
    pub const F_GET_FILE_RW_HINT: i32 = fs::F_GET_FILE_RW_HINT as i32;
    /// `F_SET_FILE_RW_HINT`.
    pub const F_SET_FILE_RW_HINT: i32 = fs::F_SET_FILE_RW_HINT as i32;

    /// Commands an `O_PATH` descriptor accepts (Linux `check_fcntl_cmd`); any other
    /// command on an `O_PATH` descriptor fails with `EBADF`.
    pub fn allowed_on_path(cmd: i32) -> bool {
        matches!(
            cmd,
            F_DUPFD
                | F_DUPFD_CLOEXEC
                | F_DUPFD_QUERY
                | F_GETFD
                | F_SETFD
                | F_GETFL
                | F_CREATED_QUERY
        )
    }
}

/// `lseek(2)` origins.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Whence {
    /// `SEEK_SET` (0): from the start.
    Set,
    /// `SEEK_CUR` (1): from the current offset.
    Cur,
    /// `SEEK_END` (2): from the end of the file.
    End,
    /// `SEEK_DATA` (3): next data at or after the offset.
    Data,
    /// `SEEK_HOLE` (4): next hole at or after the offset.
    Hole,
}

impl Whence {
    /// Decodes a raw `whence`; other values make `lseek` fail with `EINVAL`.
    pub fn from_raw(raw: i32) -> Option<Whence> {
        Some(match raw {
            0 => Whence::Set,
            1 => Whence::Cur,
            2 => Whence::End,
            3 => Whence::Data,
            4 => Whence::Hole,
            _ => return None,
        })
    }
}

/// `SOCK_NONBLOCK` (04000), or-ed into the socket type.
pub const SOCK_NONBLOCK: u32 = fs::SOCK_NONBLOCK as u32;
/// `SOCK_CLOEXEC` (02000000), or-ed into the socket type.
pub const SOCK_CLOEXEC: u32 = fs::SOCK_CLOEXEC as u32;
/// `SOCK_STREAM` (1).
pub const SOCK_STREAM: u32 = fs::SOCK_STREAM as u32;
/// `SOCK_DGRAM` (2).
pub const SOCK_DGRAM: u32 = fs::SOCK_DGRAM as u32;
/// `SOCK_SEQPACKET` (5).
pub const SOCK_SEQPACKET: u32 = fs::SOCK_SEQPACKET as u32;
/// `AF_UNIX` (1).
pub const AF_UNIX: i32 = fs::AF_UNIX as i32;
/// `EFD_SEMAPHORE` (1): `eventfd` reads decrement by one.
pub const EFD_SEMAPHORE: u32 = fs::EFD_SEMAPHORE as u32;
/// `RLIMIT_NOFILE` (7): the resource number of the descriptor limit.
pub const RLIMIT_NOFILE: u32 = fs::RLIMIT_NOFILE as u32;
/// `RLIM_INFINITY`: no limit.
pub const RLIM_INFINITY: u64 = fs::RLIM_INFINITY;
/// `AT_FDCWD` (-100): resolve relative paths from the current directory.
pub const AT_FDCWD: i32 = fs::AT_FDCWD as i32;

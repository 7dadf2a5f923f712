//! Path calls: `open`, `openat`, `creat`, `mkdir`, `unlink`, `rmdir`, `rename`,
//! `chdir`, and `fstat`.

use crate::errno::{Errno, Result};
use crate::fd::Fd;
use crate::flags::{OFlags, AT_FDCWD, O_PATH_FLAGS};
use crate::object::memfs::PATH_MAX;
use crate::object::{FileKind, Stat};
use crate::ofd::OpenFileDescription;
use crate::system::Task;
use crate::wait::lock;
use std::sync::Arc;

impl Task {
    /// `open(path, flags, mode)` — `openat(AT_FDCWD, ...)`.
    ///
    /// # Errors
    /// As [`Task::openat`].
    pub fn open(&self, path: &str, flags: OFlags, mode: u32) -> Result<Fd> {
        self.openat(AT_FDCWD, path, flags, mode)
    }

    /// `creat(path, mode)` — `open(path, O_CREAT|O_WRONLY|O_TRUNC, mode)`.
    ///
    /// # Errors
    /// As [`Task::openat`].
    pub fn creat(&self, path: &str, mode: u32) -> Result<Fd> {
        self.open(path, OFlags::CREAT | OFlags::WRONLY | OFlags::TRUNC, mode)
    }

    /// `openat(dirfd, path, flags, mode)` — open a file in the model's filesystem at
    /// the lowest free descriptor, with close-on-exec iff `O_CLOEXEC`.
    ///
    /// Linux order (`do_sys_openat2`): flags are checked, the path is copied in, a
    /// descriptor number is *reserved*, and only then is the path looked up — so a
    /// full table gives `EMFILE` even for a path that does not exist, and another
    /// thread sees the number as reserved (`dup2` onto it: `EBUSY`) meanwhile. The
    /// stored status flags are [`OpenFileDescription::flags_for_open`]'s.
    ///
    /// # Errors
    /// 1. `EINVAL`: `O_CREAT` with `O_DIRECTORY`; `O_TMPFILE` without write access.
    /// 2. `ENOENT`: empty path; `ENAMETOOLONG`: path ≥ 4096 bytes.
    /// 3. `EMFILE`: no free descriptor below the soft `RLIMIT_NOFILE`.
    /// 4. `EBADF`: relative path and `dirfd` not open; `ENOTDIR`: `dirfd` is not a
    ///    directory.
    /// 5. lookup and open errors of [`MemFs::open`](crate::object::memfs::MemFs::open);
    ///    `EOPNOTSUPP` for `O_TMPFILE` (not modelled).
    /// 6. `EINVAL`: `O_DIRECT` on an object without direct I/O (a directory, a
    ///    device); a file `O_CREAT` made stays.
    ///
    /// # References
    /// [open(2)](https://man7.org/linux/man-pages/man2/open.2.html)
    pub fn openat(&self, dirfd: impl Into<Fd>, path: &str, flags: OFlags, mode: u32) -> Result<Fd> {
        let dirfd = dirfd.into();
        // build_open_how + build_open_flags, for the legacy calls.
        let mut flags = flags | OFlags::LARGEFILE;
        if flags.contains(OFlags::PATH) {
            flags &= O_PATH_FLAGS;
        }
        if flags.contains(OFlags::CREAT | OFlags::DIRECTORY) {
            return Err(Errno::INVAL);
        }
        if flags.contains(OFlags::TMPFILE) && !flags.access_mode().can_write() {
            return Err(Errno::INVAL);
        }
        // getname
        if path.is_empty() {
            return Err(Errno::NOENT);
        }
        if path.len() >= PATH_MAX {
            return Err(Errno::NAMETOOLONG);
        }
        let cloexec = flags.contains(OFlags::CLOEXEC);
        let fd = self.with_table(|t, limits| t.reserve(0, cloexec, limits))??;
        let opened = self.open_reserved(dirfd, path, flags, mode);
        self.edit_table(|t| match opened {
            Ok(ofd) => match t.install(fd, ofd) {
                Ok(()) => Ok(fd),
                // The reservation vanished (the table was swept meanwhile).
                Err(_) => Err(Errno::BADF),
            },
            Err(e) => {
                t.unreserve(fd);
                Err(e)
            }
        })?
    }

    fn open_reserved(
        &self,
        dirfd: Fd,
        path: &str,
        flags: OFlags,
        mode: u32,
    ) -> Result<Arc<OpenFileDescription>> {
        let path = self.absolute(dirfd, path)?;
        if flags.contains(OFlags::TMPFILE) {
            return Err(Errno::OPNOTSUPP);
        }
        let opened = self
            .shared
            .fs
            .open(&path, flags, mode & 0o7777, self.credentials())?;
        // Linux do_dentry_open, after the file's own open: O_DIRECT needs
        // FMODE_CAN_ODIRECT (regular files; not directories or devices). O_PATH
        // opens have had O_DIRECT stripped already.
        if flags.contains(OFlags::DIRECT) && !opened.object.supports_direct() {
            return Err(Errno::INVAL);
        }
        let stored = OpenFileDescription::flags_for_open(flags);
        Ok(Arc::new(self.shared.new_ofd(
            opened.object,
            stored,
            opened.created,
        )))
    }

    /// The absolute form of `path` for a lookup relative to `dirfd` (Linux
    /// `path_init`): absolute paths ignore `dirfd`; `AT_FDCWD` means the current
    /// directory; otherwise `dirfd` must be an open directory (`O_PATH` allowed).
    fn absolute(&self, dirfd: Fd, path: &str) -> Result<String> {
        if path.starts_with('/') {
            return Ok(path.to_string());
        }
        let base = if dirfd == Fd::from(AT_FDCWD) {
            self.cwd()
        } else {
            let dir = self.file(dirfd)?;
            if dir.object().kind() != FileKind::Directory {
                return Err(Errno::NOTDIR);
            }
            dir.object().path().ok_or(Errno::NOTDIR)?
        };
        Ok(if base.ends_with('/') {
            format!("{base}{path}")
        } else {
            format!("{base}/{path}")
        })
    }

    /// `mkdir(path, mode)` (relative to the current directory).
    ///
    /// # Errors
    /// `EEXIST`, `ENOENT`, `ENOTDIR`, `EACCES`, `ENAMETOOLONG`.
    pub fn mkdir(&self, path: &str, mode: u32) -> Result<()> {
        self.check_alive()?;
        let path = self.absolute(Fd::from(AT_FDCWD), path)?;
        self.shared.fs.mkdir(&path, mode, self.credentials())
    }

    /// `unlink(path)`: open descriptions keep the file (`(deleted)` in `/proc`).
    ///
    /// # Errors
    /// `ENOENT`, `EISDIR`, `ENOTDIR`.
    pub fn unlink(&self, path: &str) -> Result<()> {
        self.check_alive()?;
        let path = self.absolute(Fd::from(AT_FDCWD), path)?;
        self.shared.fs.unlink(&path)
    }

    /// `rmdir(path)`.
    ///
    /// # Errors
    /// `ENOENT`, `ENOTDIR`, `ENOTEMPTY`, `EBUSY`, `EINVAL`.
    pub fn rmdir(&self, path: &str) -> Result<()> {
        self.check_alive()?;
        let path = self.absolute(Fd::from(AT_FDCWD), path)?;
        self.shared.fs.rmdir(&path)
    }

    /// `rename(old, new)`.
    ///
    /// # Errors
    /// `ENOENT`, `EISDIR`, `ENOTDIR`, `ENOTEMPTY`, `EINVAL`, `EBUSY`.
    pub fn rename(&self, old: &str, new: &str) -> Result<()> {
        self.check_alive()?;
        let old = self.absolute(Fd::from(AT_FDCWD), old)?;
        let new = self.absolute(Fd::from(AT_FDCWD), new)?;
        self.shared.fs.rename(&old, &new)
    }

    /// `chdir(path)`: the process's current directory, used for relative paths.
    ///
    /// # Errors
    /// `ENOENT`, `ENOTDIR`.
    pub fn chdir(&self, path: &str) -> Result<()> {
        self.check_alive()?;
        let path = self.absolute(Fd::from(AT_FDCWD), path)?;
        let inode = self.shared.fs.resolve(&path)?;
        if !inode.is_dir() {
            return Err(Errno::NOTDIR);
        }
        lock(&self.state.process.state).cwd = inode;
        Ok(())
    }

    /// `fstat(fd)` — works on `O_PATH` descriptors too.
    ///
    /// # Errors
    /// `EBADF`: not open.
    pub fn fstat(&self, fd: impl Into<Fd>) -> Result<Stat> {
        Ok(self.file(fd)?.object().stat())
    }
}

#[cfg(test)]
mod tests {
    use crate::{Errno, OFlags, System};

    // ---- chdir -----------------------------------------------------------------------

    /// Found by the host differential test: the current directory is the directory,
    /// not its path; after a rename, relative paths resolve in it at its new place.
    #[test]
    fn cwd_follows_a_renamed_directory() {
        let sys = System::new();
        let t = sys.task(sys.spawn().unwrap()).unwrap();
        t.mkdir("/tmp/d", 0o755).unwrap();
        t.chdir("/tmp/d").unwrap();
        let child = sys.task(t.fork().unwrap()).unwrap();
        t.rename("/tmp/d", "/tmp/e").unwrap();
        assert!(t.open("a", OFlags::CREAT, 0o644).is_ok());
        assert!(sys.fs().resolve("/tmp/e/a").is_ok());
        assert!(
            child.open("a", OFlags::empty(), 0).is_ok(),
            "the child's copy follows too"
        );
    }

    // ---- open ------------------------------------------------------------------------

    /// Found by the host differential test: Linux `do_dentry_open` refuses `O_DIRECT`
    /// without `FMODE_CAN_ODIRECT`; regular files have it, directories and
    /// `/dev/null` do not. `O_PATH` drops the flag first.
    #[test]
    fn o_direct_needs_an_object_with_direct_io() {
        let sys = System::new();
        let t = sys.task(sys.spawn().unwrap()).unwrap();
        let direct = OFlags::DIRECT;
        assert_eq!(t.open("/dev/null", direct, 0), Err(Errno::INVAL));
        assert_eq!(t.open("/tmp", direct, 0), Err(Errno::INVAL));
        assert_eq!(
            t.open("/tmp/f", direct | OFlags::CREAT, 0o600)
                .map(|fd| fd.get()),
            Ok(3)
        );
        assert_eq!(
            t.open("/dev/null", direct | OFlags::PATH, 0)
                .map(|fd| fd.get()),
            Ok(4)
        );
        assert_eq!(
            t.dup(0).map(|fd| fd.get()),
            Ok(5),
            "failed opens left no number behind"
        );
    }
}

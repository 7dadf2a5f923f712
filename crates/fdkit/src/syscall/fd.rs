//! The descriptor calls: `dup`, `dup2`, `dup3`, `close`, `close_range`, `fcntl`, and
//! the descriptor `ioctl`s. Each check order lives in [`FdTable`](crate::FdTable)
//! (table rules) or in [`Task::fcntl`] (the common `fcntl` checks).

use crate::errno::{Errno, Result};
use crate::fd::Fd;
use crate::flags::fcntl_cmd::*;
use crate::flags::{CloseRangeFlags, DupFlags, FdFlags, OFlags};
use crate::ofd::OpenFileDescription;
use crate::process::Pid;
use crate::system::Task;
use crate::table::CloseRange;
use std::sync::Arc;

/// `ioctl(fd, FIOCLEX)`: set close-on-exec.
pub const FIOCLEX: u64 = crate::catalog::flagset::FIOCLEX;
/// `ioctl(fd, FIONCLEX)`: clear close-on-exec.
pub const FIONCLEX: u64 = crate::catalog::flagset::FIONCLEX;
/// `ioctl(fd, FIONBIO, &int)`: set or clear `O_NONBLOCK`.
pub const FIONBIO: u64 = crate::catalog::flagset::FIONBIO;
/// `ioctl(fd, FIOASYNC, &int)`: set or clear `O_ASYNC`.
pub const FIOASYNC: u64 = crate::catalog::flagset::FIOASYNC;

impl Task {
    /// `dup(oldfd)` — see [`FdTable::dup`](crate::FdTable::dup).
    ///
    /// # Errors
    /// 1. `EBADF`: `old` is not open.
    /// 2. `EMFILE`: no free number below the soft `RLIMIT_NOFILE`.
    pub fn dup(&self, old: impl Into<Fd>) -> Result<Fd> {
        let old = old.into();
        self.with_table(|t, limits| t.dup(old, limits))?
    }

    /// `dup2(oldfd, newfd)` — see [`FdTable::dup2`](crate::FdTable::dup2). The
    /// description `new` held is released (if this was its last reference) after the
    /// table lock is dropped.
    ///
    /// # Errors
    /// `EBADF` (bad `old`, `new` ≥ the soft limit or beyond `nr_open`), `EBUSY`
    /// (`new` reserved), in the order [`FdTable::dup2`](crate::FdTable::dup2) lists.
    pub fn dup2(&self, old: impl Into<Fd>, new: impl Into<Fd>) -> Result<Fd> {
        let (old, new) = (old.into(), new.into());
        let (fd, displaced) = self.with_table(|t, limits| t.dup2(old, new, limits))??;
        drop(displaced);
        Ok(fd)
    }

    /// `dup3(oldfd, newfd, flags)` — Linux `ksys_dup3`: [`Task::dup2`] with the
    /// copy's close-on-exec taken from [`DupFlags::CLOEXEC`] and `old == new` an
    /// error; see [`FdTable::dup3`](crate::FdTable::dup3). A guest's raw flag word
    /// goes through [`Call::Dup3`](crate::syscall::Call::Dup3), or
    /// [`DupFlags::from_bits_retain`], which keeps unknown bits so they are refused.
    ///
    /// # Errors
    /// 1. `EINVAL`: `flags` has a bit other than `O_CLOEXEC`.
    /// 2. `EINVAL`: `old == new`, whether or not it is open.
    /// 3. `EBADF`: `new` ≥ the soft `RLIMIT_NOFILE`, `old` not open, or the table
    ///    cannot grow to `new` (`nr_open`).
    /// 4. `EBUSY`: `new` is reserved (an open in flight).
    pub fn dup3(&self, old: impl Into<Fd>, new: impl Into<Fd>, flags: DupFlags) -> Result<Fd> {
        let (old, new) = (old.into(), new.into());
        let flags = flags.bits();
        let (fd, displaced) = self.with_table(|t, limits| t.dup3(old, new, flags, limits))??;
        drop(displaced);
        Ok(fd)
    }

    /// `close(fd)` — the number is freed at once; the description is released after
    /// the table lock if this was its last reference.
    ///
    /// # Errors
    /// `EBADF`: `fd` is not open (or reserved).
    pub fn close(&self, fd: impl Into<Fd>) -> Result<()> {
        let fd = fd.into();
        let closed = self.edit_table(|t| t.close(fd))??;
        drop(closed);
        Ok(())
    }

    /// `close_range(first, last, flags)` — close (or, with `CLOSE_RANGE_CLOEXEC`, mark
    /// close-on-exec) every open descriptor in `[first, last]`; with
    /// `CLOSE_RANGE_UNSHARE`, first give this thread a private table if it is shared
    /// (sized to the last open descriptor below `first` when the range holds the last
    /// open one, as those would be closed at once).
    /// Not bounded by `RLIMIT_NOFILE`; a range beyond the table succeeds. Linux
    /// `close_range` (`fs/file.c`). A guest's raw flag word goes through
    /// [`Call::CloseRange`](crate::syscall::Call::CloseRange), or
    /// [`CloseRangeFlags::from_bits_retain`], which keeps unknown bits so they are
    /// refused.
    ///
    /// # Errors
    /// 1. `EINVAL`: unknown flag bits.
    /// 2. `EINVAL`: `first > last`.
    /// 3. `EMFILE`: the unsharing copy would exceed `nr_open`.
    pub fn close_range(&self, first: u32, last: u32, flags: CloseRangeFlags) -> Result<()> {
        let request = CloseRange::new(first, last, flags.bits())?;
        if request.unshare() {
            self.unshare_files_with(|table| request.unshare_max_fds(table))?;
        }
        let closed = self.edit_table(|t| t.apply_close_range(&request))?;
        drop(closed);
        Ok(())
    }

    /// `fcntl(fd, cmd, arg)` — the generic entry, returning the call's integer result.
    /// The typed `fcntl_*` methods go through it, so its checks are the only ones.
    ///
    /// Modelled commands: `F_DUPFD`, `F_DUPFD_CLOEXEC`, `F_GETFD`, `F_SETFD`,
    /// `F_GETFL`, `F_SETFL`, `F_DUPFD_QUERY`, `F_CREATED_QUERY`, `F_GETOWN`,
    /// `F_SETOWN`, `F_GETSIG`, `F_SETSIG`, `F_GETPIPE_SZ`, `F_SETPIPE_SZ`. Record
    /// locks, leases, `F_NOTIFY`, owner-ex and write hints are not modelled and fail
    /// with `ENOSYS`; seals fail with `EINVAL` (no object here is a memfd).
    ///
    /// # Errors
    /// 1. `EBADF`: `fd` is not open (before the command is looked at, so an unknown
    ///    command on a closed descriptor is `EBADF`).
    /// 2. `EBADF`: an `O_PATH` descriptor and a command other than `F_DUPFD`,
    ///    `F_DUPFD_CLOEXEC`, `F_DUPFD_QUERY`, `F_GETFD`, `F_SETFD`, `F_GETFL`,
    ///    `F_CREATED_QUERY`.
    /// 3. `EINVAL`: an unknown command.
    /// 4. the command's own errors (`F_DUPFD`: `EINVAL`, `EMFILE`; `F_SETFL`:
    ///    `EINVAL` for `O_DIRECT`; `F_DUPFD_QUERY`: `EBADF` for `arg`; `F_SETOWN`:
    ///    `EINVAL` for `INT_MIN`, `ESRCH` for an id no task or process has;
    ///    `F_SETSIG`: `EINVAL` outside 0 ..= 64).
    ///
    /// # References
    /// [fcntl(2)](https://man7.org/linux/man-pages/man2/fcntl.2.html)
    pub fn fcntl(&self, fd: impl Into<Fd>, cmd: i32, arg: u64) -> Result<i64> {
        let fd = fd.into();
        match cmd {
            F_GETFD => {
                // The lookup alone (allowed on O_PATH): a shared table answers it
                // without its mutex when it can.
                let flags = self.with_files(|files| files.fd_flags(fd))?;
                return flags.map(|f| i64::from(f.bits())).ok_or(Errno::BADF);
            }
            F_DUPFD | F_DUPFD_CLOEXEC | F_SETFD | F_DUPFD_QUERY => {
                // Commands on the table: under its lock.
                return self.with_table(|t, limits| {
                    let ofd = t.get(fd).ok_or(Errno::BADF)?;
                    check_path(ofd, cmd)?;
                    // `arg` is truncated to int and read as unsigned by f_dupfd.
                    let min = arg as u32;
                    Ok(match cmd {
                        F_DUPFD => i64::from(t.fcntl_dupfd(fd, min, limits)?.get()),
                        F_DUPFD_CLOEXEC => i64::from(t.fcntl_dupfd_cloexec(fd, min, limits)?.get()),
                        F_SETFD => t.fcntl_setfd(fd, arg).map(|()| 0)?,
                        _ => {
                            // F_DUPFD_QUERY: both numbers read in one snapshot.
                            let other = t.get(Fd::from_arg(arg)).ok_or(Errno::BADF)?;
                            i64::from(Arc::ptr_eq(ofd, other))
                        }
                    })
                })?;
            }
            _ => {}
        }
        // Commands on the description: its lookup (`fdget`) is a read, answered
        // without a shared table's mutex when it can, and the command runs with no
        // table lock.
        let ofd = self.file(fd)?;
        check_path(&ofd, cmd)?;
        match cmd {
            F_GETFL => Ok(i64::from(ofd.flags().bits())),
            F_SETFL => self.set_status_flags(&ofd, arg as u32).map(|()| 0),
            F_CREATED_QUERY => Ok(i64::from(ofd.created())),
            F_GETOWN => Ok(i64::from(self.owner(&ofd))),
            F_SETOWN => {
                let who = arg as i32;
                self.check_owner(who)?;
                ofd.set_owner(who);
                Ok(0)
            }
            F_GETSIG => Ok(i64::from(ofd.signal())),
            F_SETSIG => {
                // valid_signal((int)arg): 0 ..= _NSIG (64); the upper 32 bits of the
                // register are not part of the int, a negative int is huge.
                let sig = arg as i32;
                if !(0..=64).contains(&sig) {
                    return Err(Errno::INVAL);
                }
                ofd.set_signal(sig);
                Ok(0)
            }
            F_GETPIPE_SZ => ofd
                .object()
                .pipe_capacity()
                .map(|n| n as i64)
                .ok_or(Errno::BADF),
            F_SETPIPE_SZ => ofd
                .object()
                .set_pipe_capacity(u64::from(arg as u32))
                .map(|n| n as i64),
            F_ADD_SEALS | F_GET_SEALS => Err(Errno::INVAL),
            F_GETLK | F_SETLK | F_SETLKW | F_OFD_GETLK | F_OFD_SETLK | F_OFD_SETLKW
            | F_SETLEASE | F_GETLEASE | F_NOTIFY | F_SETOWN_EX | F_GETOWN_EX | F_GETOWNER_UIDS
            | F_GET_RW_HINT | F_SET_RW_HINT | F_GET_FILE_RW_HINT | F_SET_FILE_RW_HINT => {
                Err(Errno::NOSYS)
            }
            _ => Err(Errno::INVAL),
        }
    }

    /// Linux `f_setown`'s checks on an owner: a pid, or a process group negated
    /// (the model has no process groups, so any existing id is accepted for one).
    fn check_owner(&self, who: i32) -> Result<()> {
        if who == i32::MIN {
            return Err(Errno::INVAL);
        }
        if who == 0 {
            return Ok(());
        }
        let id = Pid::new(who.unsigned_abs());
        let reg = self.shared.read_registry();
        if reg.tasks.contains_key(&id) || reg.processes.contains_key(&id) {
            Ok(())
        } else {
            Err(Errno::SRCH)
        }
    }

    /// `F_SETFL`'s effect on `ofd` (also `FIOASYNC`'s): the status flags, and when
    /// `O_ASYNC` turns on for an object whose `->fasync` claims the description (a
    /// terminal), the caller's process becomes its owner — if it has none
    /// (`__f_setown` without `force`; an owner that has exited still counts).
    fn set_status_flags(&self, ofd: &OpenFileDescription, arg: u32) -> Result<()> {
        let was_async = ofd.flags().contains(OFlags::ASYNC);
        ofd.set_status_flags(arg)?;
        let turned_on = !was_async && ofd.flags().contains(OFlags::ASYNC);
        if turned_on && ofd.object().fasync_sets_owner() && ofd.owner() == 0 {
            ofd.set_owner(self.pid().get() as i32);
        }
        Ok(())
    }

    /// `F_GETOWN`: the owner, or 0 when the owning process no longer exists (Linux
    /// `f_getown` reports only a pid with a task; a zombie still has one). A group
    /// owner (negative) is reported only while the group has a member; the model
    /// has no `setpgid`/`setsid`, its processes are all in one group whose id is no
    /// process's pid, so a group named by a pid has none: 0 (found by `fdkit diff`).
    fn owner(&self, ofd: &OpenFileDescription) -> i32 {
        let owner = ofd.owner();
        let exists = || {
            let pid = Pid::new(owner as u32);
            self.shared.read_registry().processes.contains_key(&pid)
        };
        if owner < 0 || (owner > 0 && !exists()) {
            0
        } else {
            owner
        }
    }

    /// `fcntl(fd, F_DUPFD, min)`.
    ///
    /// # Errors
    /// As [`Task::fcntl`]: `EBADF`, then `EINVAL` (`min` ≥ the soft limit, or
    /// negative as an `int`), then `EMFILE`.
    pub fn fcntl_dupfd(&self, fd: impl Into<Fd>, min: u64) -> Result<Fd> {
        self.fcntl(fd, F_DUPFD, min).map(|n| Fd::new(n as u32))
    }

    /// `fcntl(fd, F_DUPFD_CLOEXEC, min)`.
    ///
    /// # Errors
    /// As [`Task::fcntl_dupfd`].
    pub fn fcntl_dupfd_cloexec(&self, fd: impl Into<Fd>, min: u64) -> Result<Fd> {
        self.fcntl(fd, F_DUPFD_CLOEXEC, min)
            .map(|n| Fd::new(n as u32))
    }

    /// `fcntl(fd, F_GETFD)`.
    ///
    /// # Errors
    /// `EBADF`: not open.
    pub fn fcntl_getfd(&self, fd: impl Into<Fd>) -> Result<FdFlags> {
        self.fcntl(fd, F_GETFD, 0)
            .map(|n| FdFlags::from_bits_retain(n as u32))
    }

    /// `fcntl(fd, F_SETFD, flags)` — sets the descriptor flags (Linux `do_fcntl`:
    /// `set_close_on_exec(fd, arg & FD_CLOEXEC)`): only [`FdFlags::CLOEXEC`] counts,
    /// other bits are ignored. Allowed on `O_PATH` descriptors.
    ///
    /// # Errors
    /// `EBADF`: not open.
    pub fn fcntl_setfd(&self, fd: impl Into<Fd>, flags: FdFlags) -> Result<()> {
        self.fcntl(fd, F_SETFD, u64::from(flags.bits())).map(|_| ())
    }

    /// `fcntl(fd, F_GETFL)` — access mode and status flags of the description, with
    /// `O_LARGEFILE` as 64-bit Linux shows it.
    ///
    /// # Errors
    /// `EBADF`: not open.
    pub fn fcntl_getfl(&self, fd: impl Into<Fd>) -> Result<OFlags> {
        self.fcntl(fd, F_GETFL, 0)
            .map(|n| OFlags::from_bits_retain(n as u32))
    }

    /// `fcntl(fd, F_SETFL, arg)` — replaces `O_APPEND`, `O_NONBLOCK`, `O_DIRECT`,
    /// `O_NOATIME` (and `O_ASYNC` where supported); every other bit is ignored.
    /// Visible through every descriptor of the description.
    ///
    /// # Errors
    /// `EBADF` (not open, or `O_PATH`); `EINVAL` (`O_DIRECT` unsupported).
    pub fn fcntl_setfl(&self, fd: impl Into<Fd>, arg: u64) -> Result<()> {
        self.fcntl(fd, F_SETFL, arg).map(|_| ())
    }

    /// `fcntl(fd, F_DUPFD_QUERY, other)` — whether both refer to one description.
    ///
    /// # Errors
    /// `EBADF`: either is not open.
    pub fn fcntl_dupfd_query(&self, fd: impl Into<Fd>, other: impl Into<Fd>) -> Result<bool> {
        let other = other.into();
        self.fcntl(fd, F_DUPFD_QUERY, u64::from(other.get()))
            .map(|n| n == 1)
    }

    /// `ioctl(fd, request, arg)` for the descriptor-level requests: `FIOCLEX`,
    /// `FIONCLEX`, `FIONBIO` and `FIOASYNC` (`arg` is the `int` the pointer refers
    /// to). Other requests fail with `ENOTTY`, as on a file with no `ioctl` method.
    ///
    /// # Errors
    /// `EBADF` (not open, or `O_PATH`: `ioctl` uses `fdget`); `ENOTTY` (an unknown
    /// request, or `FIOASYNC` changing the state of an object without a `->fasync`
    /// method, such as a regular file or `/dev/null`).
    pub fn ioctl(&self, fd: impl Into<Fd>, request: u64, arg: u64) -> Result<i64> {
        let fd = fd.into();
        let ofd = self.file_no_path(fd)?;
        match request as u32 as u64 {
            FIOCLEX => self.edit_table(|t| t.set_cloexec(fd, true))??,
            FIONCLEX => self.edit_table(|t| t.set_cloexec(fd, false))??,
            FIONBIO => ofd.set_nonblocking(arg as u32 != 0),
            FIOASYNC => {
                let on = arg as u32 != 0;
                let mut flags = ofd.flags();
                // Linux ioctl_fioasync: changing FASYNC needs the file's ->fasync;
                // without one it is ENOTTY (where F_SETFL ignores the bit).
                if flags.contains(OFlags::ASYNC) != on && !ofd.object().supports_async() {
                    return Err(Errno::NOTTY);
                }
                flags.set(OFlags::ASYNC, on);
                self.set_status_flags(&ofd, flags.bits())?;
            }
            _ => return Err(Errno::NOTTY),
        }
        Ok(0)
    }
}

/// `fcntl`'s second check: an `O_PATH` descriptor accepts only the commands
/// [`allowed_on_path`] lists (`EBADF` otherwise).
fn check_path(ofd: &OpenFileDescription, cmd: i32) -> Result<()> {
    if ofd.is_path() && !allowed_on_path(cmd) {
        return Err(Errno::BADF);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::FIOASYNC;
    use crate::flags::fcntl_cmd::{F_GETOWN, F_SETFL, F_SETOWN};
    use crate::{Errno, OFlags, System};

    // ---- fcntl -----------------------------------------------------------------------

    /// Found by `fdkit diff`: a process-group owner (`F_SETOWN` with `-pid`, which
    /// needs only the pid to exist) is reported by `F_GETOWN` only while the group
    /// has a member (`f_getown`: `pid_task(pid, PIDTYPE_PGID)`); no model process
    /// leads a group, so it is 0. The stored owner still keeps a terminal from
    /// claiming the description.
    #[test]
    fn a_group_owner_without_members_reads_as_0() {
        let sys = System::new();
        let pid = sys.spawn().unwrap();
        let t = sys.task(pid).unwrap();
        let group = u64::from((-(pid.get() as i32)) as u32);
        assert_eq!(t.fcntl(0, F_SETOWN, group), Ok(0));
        assert_eq!(t.fcntl(0, F_GETOWN, 0), Ok(0));
        let on = u64::from(OFlags::ASYNC.bits());
        assert_eq!(t.fcntl(0, F_SETFL, on), Ok(0));
        assert_eq!(t.fcntl(0, F_GETOWN, 0), Ok(0), "still the group's");
        assert_eq!(t.fcntl(0, F_SETOWN, u64::from(pid.get())), Ok(0));
        assert_eq!(t.fcntl(0, F_GETOWN, 0), Ok(i64::from(pid.get())));
    }

    // ---- ioctl -----------------------------------------------------------------------

    /// Found by the host differential test: `FIOASYNC` that would change `O_ASYNC` on
    /// a file without `->fasync` (an eventfd, `/dev/null`, a regular file) is ENOTTY;
    /// asking for the state it already has succeeds; pipes take it.
    #[test]
    fn fioasync_needs_fasync_to_change_the_flag() {
        let sys = System::new();
        let t = sys.task(sys.spawn().unwrap()).unwrap();
        let efd = t.eventfd2(0, crate::EventFdFlags::empty()).unwrap();
        assert_eq!(t.ioctl(efd, FIOASYNC, 1), Err(Errno::NOTTY));
        assert_eq!(t.ioctl(efd, FIOASYNC, 0), Ok(0));
        let [r, _w] = t.pipe().unwrap();
        assert_eq!(t.ioctl(r, FIOASYNC, 1), Ok(0));
        assert!(t.fcntl_getfl(r).unwrap().contains(OFlags::ASYNC));
        assert_eq!(t.fcntl(r, F_GETOWN, 0), Ok(0), "a pipe claims no owner");
    }

    /// Found by the host differential test: turning O_ASYNC on for a terminal makes
    /// the caller its owner (`__tty_fasync`); only the off-to-on change does.
    #[test]
    fn o_async_on_a_terminal_makes_the_caller_owner() {
        let sys = System::new();
        let pid = sys.spawn().unwrap();
        let t = sys.task(pid).unwrap();
        let on = u64::from(OFlags::ASYNC.bits());
        let owner = |t: &crate::Task| t.fcntl(0, F_GETOWN, 0);
        assert_eq!(owner(&t), Ok(0));
        t.fcntl(1, F_SETFL, on).unwrap();
        assert_eq!(owner(&t), Ok(i64::from(pid.get())), "one description");
        let child = t.fork().unwrap();
        t.fcntl(0, F_SETOWN, u64::from(child.get())).unwrap();
        t.fcntl(0, F_SETFL, 0).unwrap();
        t.fcntl(0, F_SETFL, on).unwrap();
        assert_eq!(owner(&t), Ok(i64::from(child.get())), "owned: no claim");
        sys.task(child).unwrap().exit(0);
        assert_eq!(owner(&t), Ok(i64::from(child.get())), "a zombie");
        t.wait4(-1, false).unwrap();
        assert_eq!(owner(&t), Ok(0), "reaped: no task, 0");
        t.fcntl(0, F_SETFL, 0).unwrap();
        assert_eq!(t.ioctl(0, FIOASYNC, 1), Ok(0));
        assert_eq!(owner(&t), Ok(0), "the reaped owner still counts");
        t.fcntl(0, F_SETOWN, 0).unwrap();
        t.fcntl(0, F_SETFL, 0).unwrap();
        assert_eq!(t.ioctl(0, FIOASYNC, 1), Ok(0));
        assert_eq!(owner(&t), Ok(i64::from(pid.get())), "unowned again");
    }
}

//! Resource limits: `getrlimit`, `setrlimit`, `prlimit64`, `getdtablesize`.

use crate::errno::{Errno, Result};
use crate::flags::RLIMIT_NOFILE;
use crate::process::{Pid, RLimit};
use crate::system::Task;

impl Task {
    /// `getrlimit(resource)`.
    ///
    /// # Errors
    /// `EINVAL`: `resource` ≥ 16.
    pub fn getrlimit(&self, resource: u32) -> Result<RLimit> {
        self.check_alive()?;
        self.state.process.rlimit(resource)
    }

    /// `setrlimit(resource, new)` — lowering `RLIMIT_NOFILE` closes nothing:
    /// descriptors above the new limit stay usable, but no allocation or `dup2`
    /// target may reach them.
    ///
    /// # Errors
    /// 1. `EINVAL`: `resource` ≥ 16, or `new.cur > new.max`.
    /// 2. `EPERM`: `RLIMIT_NOFILE` with `new.max > nr_open`.
    /// 3. `EPERM`: raising `max` without privilege (`CAP_SYS_RESOURCE`).
    pub fn setrlimit(&self, resource: u32, new: RLimit) -> Result<()> {
        self.prlimit(None, resource, Some(new)).map(|_| ())
    }

    /// `prlimit64(pid, resource, new, old)` — read and optionally set another
    /// process's limit (`pid` `None` or 0: the caller's). Returns the old limit.
    ///
    /// # Errors
    /// `ESRCH` for an unknown pid, then as [`Task::setrlimit`].
    pub fn prlimit(&self, pid: Option<Pid>, resource: u32, new: Option<RLimit>) -> Result<RLimit> {
        self.check_alive()?;
        let process = match pid {
            None => std::sync::Arc::clone(&self.state.process),
            Some(p) if p.get() == 0 => std::sync::Arc::clone(&self.state.process),
            Some(p) => self
                .shared
                .read_registry()
                .processes
                .get(&p)
                .cloned()
                .ok_or(Errno::SRCH)?,
        };
        process.set_rlimit(resource, new, self.shared.nr_open())
    }

    /// `getdtablesize()` — glibc returns the soft `RLIMIT_NOFILE`.
    pub fn getdtablesize(&self) -> u64 {
        self.state
            .process
            .rlimit(RLIMIT_NOFILE)
            .map_or(0, |l| l.cur)
    }
}

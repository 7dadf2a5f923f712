//! The `/proc/PID/fd` view of a table: what `ls -l /proc/PID/fd` shows, plus the
//! `/proc/PID/fdinfo` facts (offset, flags) and which descriptors share a description.

use crate::errno::Result;
use crate::fd::Fd;
use crate::flags::{AccessMode, OFlags};
use crate::process::Pid;
use crate::system::Task;
use std::fmt;

/// One descriptor as `/proc/PID/fd/N` and `/proc/PID/fdinfo/N` describe it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct FdInfo {
    /// The descriptor number.
    pub fd: Fd,
    /// The link text: a path, `pipe:[N]`, `socket:[N]`, `anon_inode:[eventfd]` ...
    pub link: String,
    /// The description's access mode (`O_PATH`: [`AccessMode::NoAccess`]).
    pub access: AccessMode,
    /// The descriptor's close-on-exec flag.
    pub cloexec: bool,
    /// Identity of the open file description: equal for descriptors that share one
    /// (by `dup`, `dup2`, `fork` ...).
    pub description: u64,
    /// The description's offset (`fdinfo`'s `pos`).
    pub offset: u64,
    /// `F_GETFL` of the description (`fdinfo`'s `flags`, without `O_CLOEXEC`).
    pub flags: OFlags,
}

impl FdInfo {
    /// The permission column `ls -l` shows for the link: `r-x` for reading, `-wx`
    /// for writing, `rwx` for both (Linux `proc_fd_instantiate`), nothing for
    /// `O_PATH`.
    pub fn mode_string(&self) -> &'static str {
        match self.access {
            AccessMode::ReadOnly => "lr-x------",
            AccessMode::WriteOnly => "l-wx------",
            AccessMode::ReadWrite => "lrwx------",
            AccessMode::NoAccess => "l---------",
        }
    }
}

/// A process's descriptors, in increasing order. `Display` prints them as
/// `ls -l /proc/PID/fd` does, without the owner's name and the date:
///
/// ```text
/// lrwx------ 0 -> /dev/pts/0
/// lrwx------ 3 -> /tmp/a
/// ```
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct FdListing {
    /// The thread whose table this is.
    pub tid: Pid,
    /// The descriptors.
    pub entries: Vec<FdInfo>,
}

impl fmt::Display for FdListing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for e in &self.entries {
            writeln!(f, "{} {} -> {}", e.mode_string(), e.fd, e.link)?;
        }
        Ok(())
    }
}

impl Task {
    /// The table this thread uses, as `/proc/TID/fd` shows it.
    ///
    /// # Errors
    /// `ESRCH`: the thread has exited.
    pub fn fd_listing(&self) -> Result<FdListing> {
        let snapshot = self.edit_table(|t| {
            t.iter()
                .map(|(fd, ofd, flags)| (fd, std::sync::Arc::clone(ofd), flags))
                .collect::<Vec<_>>()
        })?;
        let entries = snapshot
            .into_iter()
            .map(|(fd, ofd, flags)| FdInfo {
                fd,
                link: ofd.object().proc_link(),
                access: ofd.access_mode(),
                cloexec: flags.contains(crate::flags::FdFlags::CLOEXEC),
                description: ofd.id(),
                offset: ofd.offset(),
                flags: ofd.flags(),
            })
            .collect();
        Ok(FdListing {
            tid: self.tid(),
            entries,
        })
    }
}

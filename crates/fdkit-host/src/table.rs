//! [`Table`]: a process's descriptors as the process itself can observe them, measured
//! the same way on both backends: `F_GETFD`, `F_GETFL`, `lseek(fd, 0, SEEK_CUR)`,
//! `F_DUPFD_QUERY` against each lower descriptor, and the `/proc/self/fd` link.
//!
//! On the host the helper runs these probes on the kernel (after `execve`, the
//! freshly started program judges what close-on-exec left open); on the model the
//! same calls run through [`fdkit::Task::execute`].

use crate::fmt::open_flags_text;
use fdkit::Errno;
use std::fmt;

/// `F_GETFD`.
const F_GETFD: i32 = 1;
/// `F_GETFL`.
const F_GETFL: i32 = 3;
/// `F_DUPFD_QUERY` (Linux 6.10).
const F_DUPFD_QUERY: i32 = 1027;

/// One open descriptor.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct FdState {
    /// The number.
    pub fd: u32,
    /// `F_GETFD & FD_CLOEXEC`.
    pub cloexec: bool,
    /// `F_GETFL`.
    pub flags: u32,
    /// `lseek(fd, 0, SEEK_CUR)`: the offset, or why there is none (`ESPIPE` ...).
    pub offset: Result<u64, Errno>,
    /// The `/proc/PID/fd` link text, in the model's namespace (host paths have the
    /// scratch directory removed).
    pub link: String,
    /// The lowest lower descriptor of this process sharing the open file description
    /// (`F_DUPFD_QUERY`), if any.
    pub shares_with: Option<u32>,
}

/// A process's open descriptors in increasing order.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct Table {
    /// The descriptors.
    pub fds: Vec<FdState>,
}

impl fmt::Display for FdState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} -> {} [{}{}",
            self.fd,
            self.link,
            open_flags_text(self.flags),
            if self.cloexec { ", FD_CLOEXEC" } else { "" }
        )?;
        match &self.offset {
            Ok(pos) => write!(f, ", pos {pos}")?,
            Err(e) => write!(f, ", lseek {e:?}")?,
        }
        if let Some(other) = self.shares_with {
            write!(f, ", same description as {other}")?;
        }
        f.write_str("]")
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for state in &self.fds {
            writeln!(f, "{state}")?;
        }
        Ok(())
    }
}

/// The link text with what legitimately differs removed: pipe and socket inode
/// numbers, the pty number.
pub fn normalize_link(link: &str) -> String {
    for prefix in ["pipe:[", "socket:["] {
        if link.starts_with(prefix) && link.ends_with(']') {
            return format!("{prefix}]");
        }
    }
    if let Some(rest) = link.strip_prefix("/dev/pts/") {
        if rest.bytes().all(|b| b.is_ascii_digit()) {
            return "/dev/pts/*".to_string();
        }
    }
    link.to_string()
}

/// Probes `candidates` (numbers that may be open) with `fcntl` and `lseek`; numbers
/// for which `F_GETFD` fails are not open and are left out. `link` gives the
/// `/proc` link text of an open number.
pub(crate) fn probe(
    candidates: &[u32],
    fcntl: impl Fn(i32, i32, u64) -> Result<i64, Errno>,
    lseek_cur: impl Fn(i32) -> Result<i64, Errno>,
    link: impl Fn(u32) -> String,
) -> Table {
    let mut sorted = candidates.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut fds: Vec<FdState> = Vec::new();
    for fd in sorted {
        let raw = fd as i32;
        let Ok(fd_flags) = fcntl(raw, F_GETFD, 0) else {
            continue;
        };
        let flags = fcntl(raw, F_GETFL, 0).unwrap_or(-1) as u32;
        let offset = lseek_cur(raw).map(|n| n as u64);
        let shares_with = fds
            .iter()
            .map(|s| s.fd)
            .find(|&lower| fcntl(raw, F_DUPFD_QUERY, u64::from(lower)) == Ok(1));
        fds.push(FdState {
            fd,
            cloexec: fd_flags & 1 != 0,
            flags,
            offset,
            link: link(fd),
            shares_with,
        });
    }
    Table { fds }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_lose_inode_and_pty_numbers() {
        assert_eq!(normalize_link("pipe:[4242]"), "pipe:[]");
        assert_eq!(normalize_link("socket:[1]"), "socket:[]");
        assert_eq!(normalize_link("/dev/pts/7"), "/dev/pts/*");
        assert_eq!(normalize_link("/tmp/a (deleted)"), "/tmp/a (deleted)");
        assert_eq!(
            normalize_link("anon_inode:[eventfd]"),
            "anon_inode:[eventfd]"
        );
    }
}

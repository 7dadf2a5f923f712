//! The errno contract of every call, from [`fdkit::catalog`]: after a call's own
//! table check, an error result is checked against what Linux can return.
//!
//! - An errno outside the call's set (for its `fcntl` command or `ioctl` request,
//!   and for `mmap`, whether a file is mapped) is a divergence.
//! - `EBADF` with no descriptor argument looked up is a divergence: the call has
//!   none (`pipe2`, `socket`, `close_range`), or ignored it (`openat(AT_FDCWD, …)`,
//!   an absolute path, `mmap(…, MAP_ANONYMOUS, -1, 0)`, `waitid` without `P_PIDFD`).
//! - A name the catalogue does not know, an errno strace could not name, or an
//!   argument the log does not show (`-s 0`, `...`) is not decided.

use fdkit::catalog::flagset::{self as fs, name};
use fdkit::catalog::{self, ArgKind, Errors, Shape, Syscall};

use super::*;

/// Whether some descriptor argument was looked up: `Some(false)` when none can
/// have been, `None` when one may have been.
fn fd_looked_up(sc: &Syscall, args: &str) -> Option<bool> {
    let mut a = Argv::new(args);
    for (i, kind) in sc.args.iter().enumerate() {
        let used = match *kind {
            ArgKind::Fd | ArgKind::FdSet | ArgKind::Msg => return None,
            ArgKind::FdOrNone => a.int(i) != Some(-1),
            ArgKind::DirFd { path } => dirfd_used(sc, &mut a, i, usize::from(path)),
            ArgKind::MapFd => {
                let f = a.text(3);
                if f.is_empty() {
                    true
                } else {
                    !flags::has(f, name::MAP_ANONYMOUS, fs::MAP_ANONYMOUS)
                }
            }
            ArgKind::PidfdIf => {
                let t = flags::strip_comment(a.text(0));
                t == name::P_PIDFD || flags::int(t) == Some(fs::P_PIDFD as i64) || t.is_empty()
            }
            ArgKind::CloneArgs => {
                let t = a.text(i);
                t.is_empty() || t.contains(name::CLONE_INTO_CGROUP) || t.ends_with("...")
            }
            _ => false,
        };
        if used {
            return None;
        }
    }
    Some(false)
}

/// Whether the directory descriptor at `i` is looked up (Linux `path_init`): not
/// for `AT_FDCWD`, nor for an absolute path (unless `openat2` resolves beneath it),
/// nor for an empty path without `AT_EMPTY_PATH` (`ENOENT` comes first).
fn dirfd_used(sc: &Syscall, a: &mut Argv<'_>, i: usize, path: usize) -> bool {
    let Some(dirfd) = a.fd(i) else {
        return true;
    };
    if dirfd == AT_FDCWD {
        return false;
    }
    let text = a.text(path);
    if text.ends_with("...") {
        return true;
    }
    match unquote(text) {
        Some(p) if p.starts_with('/') => {
            sc.shape == Shape::Open(OpenForm::Openat2)
                && (a.text(2).contains(name::RESOLVE_BENEATH)
                    || a.text(2).contains(name::RESOLVE_IN_ROOT))
        }
        Some("") => {
            let empty_is_fd = matches!(sc.shape, Shape::At(at) if at.empty_is_fd);
            empty_is_fd || (0..8).any(|k| a.text(k).contains(name::AT_EMPTY_PATH))
        }
        _ => true,
    }
}

/// The call's errno set for these arguments.
fn errors_for(sc: &Syscall, args: &str) -> Option<Errors> {
    let mut a = Argv::new(args);
    Some(match sc.shape {
        Shape::Fcntl => catalog::fcntl_command(flags::fcntl_cmd(a.text(1))? as i32),
        Shape::Ioctl => catalog::ioctl_request(flags::strip_comment(a.text(1))),
        Shape::Mmap if a.text(3).is_empty() => return None,
        _ => sc.errors,
    })
}

/// The errnos of a set, for a report: `EBADF, EINTR, EIO`.
fn names(errors: Errors) -> String {
    let mut s = String::new();
    for e in errors.only {
        if !s.is_empty() {
            s.push_str(", ");
        }
        s.push_str(e.name().unwrap_or("?"));
    }
    if s.is_empty() {
        s.push_str("no error");
    }
    s
}

impl Replay {
    /// Whether every descriptor argument of a complete call is open in the table,
    /// created in the log (not inherited, so its access mode is known) and not
    /// `O_PATH`; `false` when any argument is of a kind the table cannot judge
    /// (`fd_set`, `SCM_RIGHTS`, a pidfd).
    fn all_fds_usable(&self, c: &Ctx<'_>, sc: &Syscall) -> bool {
        let mut a = Argv::new(c.args);
        let mut any = false;
        for (i, kind) in sc.args.iter().enumerate() {
            let fd = match *kind {
                ArgKind::Fd => a.fd(i),
                ArgKind::FdOrNone if a.int(i) == Some(-1) => continue,
                ArgKind::FdOrNone => a.fd(i),
                ArgKind::DirFd { path } => {
                    if !dirfd_used(sc, &mut a, i, usize::from(path)) {
                        continue;
                    }
                    a.fd(i)
                }
                k if k.can_be_bad_fd() => return false,
                _ => continue,
            };
            let Some(fd) = fd else {
                return false;
            };
            let usable = self.lookup(c.pid, fd).is_some_and(|d| {
                d.kind() != Kind::Inherited && d.status().is_path_only() == Some(false)
            });
            if !usable {
                return false;
            }
            any = true;
        }
        any
    }

    /// Checks an error result against the catalogue, after the call's own check
    /// (`check`): a divergence when Linux cannot return that errno here.
    pub(super) fn contract(
        &mut self,
        c: &Ctx<'_>,
        obs: &Obs,
        check: Check,
        sink: &mut dyn Sink,
    ) -> Check {
        if matches!(check, Check::Differ(_)) {
            return check;
        }
        let Obs::Err(e) = *obs else {
            return check;
        };
        // A model that predicted EBADF has decided it; an unnamed errno is unknown.
        if e.raw() == 0 || (e == Errno::BADF && check == Check::Agree) {
            return check;
        }
        let Some(sc) = catalog::lookup(c.name) else {
            return check;
        };
        let Some(errors) = errors_for(sc, c.args) else {
            return check;
        };
        let predicted = if e == Errno::BADF {
            if errors.ebadf_without_fd() {
                return check;
            }
            match fd_looked_up(sc, c.args) {
                Some(false) => format!(
                    "not EBADF: no descriptor argument is looked up (possible: {})",
                    names(errors)
                ),
                _ if c.entered == c.completed && self.all_fds_usable(c, sc) => format!(
                    "not EBADF: every descriptor argument is open (possible: {})",
                    names(errors)
                ),
                _ => return check,
            }
        } else if errors.allows(e) {
            return check;
        } else {
            format!(
                "not {}: {} returns {} ({})",
                e.name().unwrap_or("this errno"),
                c.name,
                names(errors),
                sc.cite
            )
        };
        self.report_beyond_table(c, "errno", predicted, sink);
        Check::Differ(Predicted::Not(e))
    }
}

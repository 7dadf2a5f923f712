//! Every host process's table, as [`fdkit_scenario::tables`] shows the model's, for
//! `# show`, `--tables` and the drawings of `fdkit run --host`.
//!
//! The model labels open file descriptions by identity (`ofd A`, `ofd B` ...),
//! stable for the whole run and the same in every process. The kernel gives
//! descriptions no name, but `kcmp(KCMP_FILE)` tells whether two descriptors share
//! one ([`Host::same_description`]). So [`Descriptions`] follows identities from
//! step to step: after each step, a descriptor keeps its identity if the step
//! cannot have pointed it elsewhere, and a new descriptor takes the identity of an
//! old one it shares a description with (a `dup`, a `fork`), or a new identity.
//! Only `dup2`/`dup3` point an open number at another description in one step;
//! everything else opens fresh numbers or closes. Letters are given when a table
//! is shown, in the order shown, as the model gives them.

use super::{Driver, Host, Proc, State};
use fdkit::syscall::Call;
use fdkit_host::{Backend, FdState, ProcessRef};
use fdkit_scenario::{Entry, Table, TableState};
use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;

/// The identities of the open file descriptions of a host run.
#[derive(Debug, Default)]
pub struct Descriptions {
    /// Each open descriptor of each live process and its description's identity,
    /// as of the last [`Descriptions::refresh`].
    holders: Vec<(ProcessRef, u32, u64)>,
    /// The next identity.
    next: u64,
    /// Letters given so far.
    labels: HashMap<u64, String>,
}

impl Descriptions {
    /// The one open number `call`, made by `caller`, can point at another
    /// description: the target of `dup2`/`dup3`.
    pub fn moved(caller: ProcessRef, call: &Call) -> Option<(ProcessRef, u32)> {
        match *call {
            Call::Dup2 { new, .. } | Call::Dup3 { new, .. } => {
                u32::try_from(new).ok().map(|fd| (caller, fd))
            }
            _ => None,
        }
    }

    /// Re-identifies every descriptor after a step; `moved` is what it may have
    /// pointed elsewhere ([`Descriptions::moved`]), in its process and in every
    /// process sharing that table.
    pub fn refresh(&mut self, driver: &Driver<Host>, moved: Option<(ProcessRef, u32)>) {
        let host = driver.backend();
        let is_moved = |p: ProcessRef, fd: u32| {
            moved.is_some_and(|(caller, target)| {
                target == fd && (p == caller || host.same_table(p, caller) == Some(true))
            })
        };
        let old: Vec<(ProcessRef, u32, u64)> = std::mem::take(&mut self.holders)
            .into_iter()
            .filter(|&(p, fd, _)| !is_moved(p, fd))
            .collect();
        for (index, proc) in driver.processes().iter().enumerate() {
            if proc.state != State::Alive {
                continue;
            }
            let p = ProcessRef(index as u32);
            for fd in open_fds(host, p) {
                let id = self.identify(host, &old, p, fd);
                self.holders.push((p, fd, id));
            }
        }
    }

    /// The identity of `p`'s descriptor `fd`: its own from before, or that of a
    /// descriptor (from before, or just identified) sharing its description, or a
    /// new one.
    fn identify(
        &mut self,
        host: &Host,
        old: &[(ProcessRef, u32, u64)],
        p: ProcessRef,
        fd: u32,
    ) -> u64 {
        if let Some(&(_, _, id)) = old.iter().find(|&&(q, g, _)| q == p && g == fd) {
            return id;
        }
        let shares = |&&(q, g, _): &&(ProcessRef, u32, u64)| {
            host.same_description(p, fd, q, g) == Some(true)
        };
        if let Some(&(_, _, id)) = old
            .iter()
            .find(shares)
            .or_else(|| self.holders.iter().find(shares))
        {
            return id;
        }
        self.next += 1;
        self.next
    }

    /// The letter of the description `p`'s `fd` refers to (given now if new).
    fn label(&mut self, p: ProcessRef, fd: u32) -> String {
        let Some(&(_, _, id)) = self.holders.iter().find(|&&(q, g, _)| q == p && g == fd) else {
            return "?".to_string();
        };
        let next = self.labels.len();
        self.labels
            .entry(id)
            .or_insert_with(|| letters(next))
            .clone()
    }

    /// Every live or exited process's table now, in pid order, as the model's
    /// [`fdkit_scenario::Model::tables`] lists them.
    pub fn tables(&mut self, driver: &mut Driver<Host>) -> Vec<Table> {
        let mut order: Vec<(usize, Proc)> =
            driver.processes().iter().cloned().enumerate().collect();
        order.sort_by_key(|(_, p)| p.pid);
        let mut shown: Vec<(u32, ProcessRef)> = Vec::new();
        let mut tables = Vec::new();
        for (index, proc) in order {
            let p = ProcessRef(index as u32);
            let state = match proc.state {
                State::Gone => continue,
                State::Zombie(status) => TableState::Exited(status),
                State::Alive => {
                    let host = driver.backend();
                    match shown
                        .iter()
                        .find(|(_, q)| host.same_table(p, *q) == Some(true))
                    {
                        Some(&(owner, _)) => TableState::SharedWith(owner),
                        None => {
                            shown.push((proc.pid, p));
                            TableState::Open(self.entries(driver, p))
                        }
                    }
                }
            };
            tables.push(Table {
                pid: proc.pid,
                state,
            });
        }
        tables
    }

    fn entries(&mut self, driver: &mut Driver<Host>, p: ProcessRef) -> Vec<Entry> {
        let Ok(Some(table)) = driver.backend_mut().table(p) else {
            return Vec::new();
        };
        let pid = driver.backend().pid(p);
        table
            .fds
            .iter()
            .map(|s| {
                let file = s.link.starts_with('/') && !s.link.starts_with("/dev/pts/");
                Entry {
                    fd: s.fd,
                    mode: mode_string(pid, s),
                    link: s.link.clone(),
                    ofd: self.label(p, s.fd),
                    flags: s.flags,
                    pos: s.offset.as_ref().ok().copied().filter(|_| file),
                    cloexec: s.cloexec,
                }
            })
            .collect()
    }
}

/// The numbers open in `p`, from `/proc/PID/fd`, in increasing order.
fn open_fds(host: &Host, p: ProcessRef) -> Vec<u32> {
    let Some(pid) = host.pid(p) else {
        return Vec::new();
    };
    let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return Vec::new();
    };
    let mut fds: Vec<u32> = dir
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
        .collect();
    fds.sort_unstable();
    fds
}

/// `ls -l`'s permission column for the link, as the kernel sets it
/// (`proc_fd_instantiate`: `r-x` for reading, `-wx` for writing); from the access
/// mode if the link cannot be read.
fn mode_string(pid: Option<u32>, s: &FdState) -> &'static str {
    let bits = pid
        .and_then(|pid| std::fs::symlink_metadata(format!("/proc/{pid}/fd/{}", s.fd)).ok())
        .map(|m| m.permissions().mode() & 0o700);
    let (read, write) = match bits {
        Some(bits) => (bits & 0o400 != 0, bits & 0o200 != 0),
        None => {
            let path = s.flags & 0o10000000 != 0;
            let access = s.flags & 3;
            (!path && access != 1, !path && access != 0)
        }
    };
    match (read, write) {
        (true, true) => "lrwx------",
        (true, false) => "lr-x------",
        (false, true) => "l-wx------",
        (false, false) => "l---------",
    }
}

/// `A` ... `Z`, `AA`, `AB` ..., as the model labels descriptions.
fn letters(n: usize) -> String {
    let mut n = n + 1;
    let mut out = Vec::new();
    while n > 0 {
        n -= 1;
        out.push(b'A' + (n % 26) as u8);
        n /= 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_count_like_the_model() {
        assert_eq!(letters(0), "A");
        assert_eq!(letters(25), "Z");
        assert_eq!(letters(26), "AA");
    }
}

//! Every process's descriptor table, as `ls -l /proc/PID/fd` shows it, with what
//! `/proc/PID/fdinfo` adds: which open file description each descriptor refers to
//! (a letter, stable for the whole run, so sharing across `dup` and `fork` shows),
//! its offset and status flags (shared by every descriptor of the description), and
//! the descriptor's own close-on-exec flag.
//!
//! ```text
//! # ls -l /proc/100/fd
//! # lrwx------ 0 -> /dev/pts/0   ofd A         O_RDWR|O_LARGEFILE
//! # lrwx------ 3 -> /tmp/a       ofd B  pos 5  O_RDWR|O_LARGEFILE
//! # lrwx------ 11 -> /tmp/a      ofd B  pos 5  O_RDWR|O_LARGEFILE  FD_CLOEXEC
//! ```

use crate::model::Model;
use crate::print;
use fdkit::catalog::flagset::name;
use fdkit::ExitStatus;
use std::fmt::Write as _;

/// One process's table at one moment.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Table {
    /// The process.
    pub pid: u32,
    /// What its `/proc/PID/fd` holds.
    pub state: TableState,
}

/// What a process's table is.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum TableState {
    /// Its descriptors, in increasing order.
    Open(Vec<Entry>),
    /// The very table of an earlier process in the list (`CLONE_FILES`).
    SharedWith(u32),
    /// The process has ended and not been waited for (a zombie has no table).
    Exited(ExitStatus),
}

/// One descriptor.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Entry {
    /// The number.
    pub fd: u32,
    /// `ls -l`'s permission column: `lrwx------`, `lr-x------` ...
    pub mode: &'static str,
    /// The link: `/tmp/a`, `pipe:[1000]`, `/dev/pts/0`.
    pub link: String,
    /// The open file description's label, the same for every descriptor (in any
    /// process) that shares it.
    pub ofd: String,
    /// The description's `F_GETFL` flags.
    pub flags: u32,
    /// The description's offset, for files (not for terminals, pipes, sockets).
    pub pos: Option<u64>,
    /// The descriptor's `FD_CLOEXEC`.
    pub cloexec: bool,
}

impl Model {
    /// Every process's table now, in pid order.
    pub fn tables(&mut self) -> Vec<Table> {
        let sys = self.system().clone();
        let mut tables = Vec::new();
        let mut seen: Vec<(u32, fdkit::Pid)> = Vec::new();
        for pid in sys.pids() {
            let state = match (sys.exit_status(pid), sys.threads(pid)) {
                (Ok(Some(status)), _) => TableState::Exited(status),
                (_, Ok(threads)) if !threads.is_empty() => {
                    let tid = threads[0];
                    let shared = seen
                        .iter()
                        .find(|(_, other)| sys.shares_table(tid, *other).unwrap_or(false));
                    match shared {
                        Some((owner, _)) => TableState::SharedWith(*owner),
                        None => {
                            seen.push((pid.get(), tid));
                            TableState::Open(self.entries(tid))
                        }
                    }
                }
                _ => continue,
            };
            tables.push(Table {
                pid: pid.get(),
                state,
            });
        }
        tables
    }

    fn entries(&mut self, tid: fdkit::Pid) -> Vec<Entry> {
        let Ok(listing) = self.system().task(tid).and_then(|t| t.fd_listing()) else {
            return Vec::new();
        };
        listing
            .entries
            .iter()
            .map(|e| {
                let next = self.labels.len();
                let ofd = self
                    .labels
                    .entry(e.description)
                    .or_insert_with(|| label(next))
                    .clone();
                let file = e.link.starts_with('/') && !e.link.starts_with("/dev/pts/");
                Entry {
                    fd: e.fd.get(),
                    mode: e.mode_string(),
                    link: e.link.clone(),
                    ofd,
                    flags: e.flags.bits(),
                    pos: file.then_some(e.offset),
                    cloexec: e.cloexec,
                }
            })
            .collect()
    }
}

/// `A` ... `Z`, `AA`, `AB` ...
fn label(n: usize) -> String {
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

/// The tables as `#` comment lines (so output stays a valid scenario), each line
/// ending in `\n`.
pub fn render(tables: &[Table]) -> String {
    let mut out = String::new();
    for t in tables {
        let pid = t.pid;
        match &t.state {
            TableState::Exited(status) => {
                let how = match status {
                    ExitStatus::Exited(n) => format!("exited with {n}"),
                    ExitStatus::Killed(sig) => format!(
                        "was killed by {}",
                        crate::symbols::signal_name(*sig as u64).unwrap_or_else(|| sig.to_string())
                    ),
                };
                let _ = writeln!(
                    out,
                    "# ls -l /proc/{pid}/fd: none, {pid} {how} (a zombie until its parent waits)"
                );
            }
            TableState::SharedWith(owner) => {
                let _ = writeln!(
                    out,
                    "# ls -l /proc/{pid}/fd: the very table of /proc/{owner}/fd (shared, CLONE_FILES)"
                );
            }
            TableState::Open(entries) => {
                let _ = writeln!(out, "# ls -l /proc/{pid}/fd");
                render_entries(&mut out, entries);
            }
        }
    }
    out
}

fn render_entries(out: &mut String, entries: &[Entry]) {
    let rows: Vec<[String; 5]> = entries
        .iter()
        .map(|e| {
            [
                format!("{} {} -> {}", e.mode, e.fd, e.link),
                format!("ofd {}", e.ofd),
                e.pos.map(|p| format!("pos {p}")).unwrap_or_default(),
                print::open_modes(u64::from(e.flags)).to_string(),
                if e.cloexec { name::FD_CLOEXEC } else { "" }.to_string(),
            ]
        })
        .collect();
    let mut widths = [0; 5];
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.len());
        }
    }
    for row in rows {
        let mut line = String::from("#");
        for (cell, w) in row.iter().zip(widths) {
            if w > 0 {
                let _ = write!(line, " {cell:<w$} ");
            }
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_count_like_spreadsheet_columns() {
        assert_eq!(label(0), "A");
        assert_eq!(label(25), "Z");
        assert_eq!(label(26), "AA");
        assert_eq!(label(27), "AB");
        assert_eq!(label(26 + 26 * 26), "AAA");
    }
}

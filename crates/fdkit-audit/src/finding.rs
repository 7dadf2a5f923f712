//! [`Finding`]: one thing an audit reports, with its [`Kind`], [`Severity`] and the
//! lines that explain it.

use std::fmt;

use crate::symbols::Source;

/// How bad a finding is. Ordered: `Info < Low < Medium < High`.
///
/// | severity | kinds |
/// |---|---|
/// | high | [`Kind::InheritedAcrossExec`] (never used by the new program), [`Kind::StaleNumber`] (a call silently reached another file) |
/// | medium | [`Kind::ReplacedByDup2`], [`Kind::TooManyFiles`], [`Kind::LeakTrend`] |
/// | low | [`Kind::UseAfterClose`], [`Kind::DoubleClose`] (the `EBADF` touched nothing), [`Kind::OpenAtExit`], [`Kind::InheritedAcrossExec`] of a descriptor from before the log |
/// | info | [`Kind::InheritedAcrossExec`] that the new program used (a deliberate pass, as `pass_fds` or `3>file cmd` make) |
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum Severity {
    /// Worth knowing, probably intended.
    Info,
    /// Harmless in this run: a leak in a longer-lived program, an `EBADF` that
    /// touched nothing (a stale number waiting to be reused).
    Low,
    /// A bug that can lose or exhaust descriptors, or touch the wrong file.
    Medium,
    /// A security or correctness bug: another program can reach a file, or a
    /// call reached another file through a number the program had closed.
    High,
}

impl Severity {
    /// Every severity, highest first.
    pub const ALL: [Severity; 4] = [
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    /// `high`, `medium`, `low`, `info`.
    pub fn name(self) -> &'static str {
        match self {
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
            Severity::Info => "info",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What was found. The exact rules are in the [crate documentation](crate).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
#[non_exhaustive]
pub enum Kind {
    /// A descriptor other than 0, 1, 2 survived a successful `execve` because it
    /// lacked close-on-exec (CWE-403).
    InheritedAcrossExec,
    /// A call failed with `EBADF` on a number this process had closed.
    UseAfterClose,
    /// `close` failed with `EBADF` on a number this process had closed.
    DoubleClose,
    /// After a use after close of a number, the number was
    /// reused by a new descriptor and then used: possibly through the stale copy.
    StaleNumber,
    /// `dup2`/`dup3` onto a descriptor the program had used closed its last
    /// reference to the file, silently.
    ReplacedByDup2,
    /// An allocation failed with `EMFILE`.
    TooManyFiles,
    /// Descriptors made by the same call on the same kind of object piled up:
    /// at least [`crate::TREND_MIN`] open at once, until the program ended.
    LeakTrend,
    /// A descriptor other than 0, 1, 2 the process created itself was still open
    /// when it exited.
    OpenAtExit,
}

impl Kind {
    /// Every kind, in the order of the crate documentation's table.
    pub const ALL: [Kind; 8] = [
        Kind::InheritedAcrossExec,
        Kind::UseAfterClose,
        Kind::DoubleClose,
        Kind::StaleNumber,
        Kind::ReplacedByDup2,
        Kind::TooManyFiles,
        Kind::LeakTrend,
        Kind::OpenAtExit,
    ];

    /// The kind named `name` ([`Kind::name`]'s inverse).
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The name used in JSON and text: `inherited-across-exec`, `use-after-close`...
    pub fn name(self) -> &'static str {
        match self {
            Kind::InheritedAcrossExec => "inherited-across-exec",
            Kind::UseAfterClose => "use-after-close",
            Kind::DoubleClose => "double-close",
            Kind::StaleNumber => "stale-number",
            Kind::ReplacedByDup2 => "replaced-by-dup2",
            Kind::TooManyFiles => "emfile",
            Kind::LeakTrend => "leak-trend",
            Kind::OpenAtExit => "open-at-exit",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A call at a line: where a descriptor was created, closed or used.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Site {
    /// The line of the call (0: before the log started).
    pub line: u64,
    /// The system call (`openat`, `dup2`, `close`, `execve` for the close-on-exec
    /// sweep; empty before the log).
    pub syscall: String,
    /// Where the program made the call, from the log's `-k` stack
    /// ([`crate::symbols`]; `None` without one).
    pub source: Option<Source>,
}

impl Site {
    pub(crate) fn new(line: u64, syscall: impl Into<String>) -> Site {
        Site {
            line,
            syscall: syscall.into(),
            source: None,
        }
    }
}

impl fmt::Display for Site {
    /// `line 12 (openat)`, `line 12 (openat) at prog.c:7 (main)` with a source
    /// location, or `before the log`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            return f.write_str("before the log");
        }
        write!(f, "line {} ({})", self.line, self.syscall)?;
        if let Some(s) = &self.source {
            write!(f, " at {s}")?;
        }
        Ok(())
    }
}

/// One place where a finding occurred: a grouped [`Finding`] lists every one.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Place {
    /// The line of the occurrence (the `execve`, the failing call, the
    /// `+++ exited` notice...).
    pub line: u64,
    /// The process.
    pub pid: u32,
    /// The program: the new one for an `execve`, the process's otherwise (`?`
    /// if the log shows none).
    pub program: String,
    /// The descriptor of this occurrence (a finding grouped by source site, or
    /// one about descriptors from before the log, can cover several numbers).
    pub fd: Option<u32>,
    /// Where the program made the call of this occurrence (the `execve`, the
    /// failing call...), from the log's `-k` stack.
    pub source: Option<Source>,
}

/// What a finding adds to the common fields, by kind.
#[derive(Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum Detail {
    /// [`Kind::InheritedAcrossExec`].
    Inherited {
        /// The new program, as written in the `execve` call.
        program: String,
        /// The new program's first use of the descriptor, if it ever used it.
        used: Option<Site>,
        /// Where the old program cleared its close-on-exec flag (`F_SETFD`,
        /// `FIONCLEX`): passed on purpose, so the finding is only information.
        handed_over: Option<Site>,
    },
    /// [`Kind::UseAfterClose`] and [`Kind::DoubleClose`].
    AfterClose {
        /// The failing call.
        syscall: String,
        /// Where the number was closed.
        closed: Site,
    },
    /// [`Kind::StaleNumber`].
    Stale {
        /// The using call.
        syscall: String,
        /// The earlier `EBADF` that showed the program still held the number.
        bad: Site,
        /// Where the number was reused (the new descriptor's creation).
        reused: Site,
        /// What the number referred to before it was closed.
        before: String,
    },
    /// [`Kind::ReplacedByDup2`].
    Replaced {
        /// `dup2` or `dup3`.
        syscall: String,
        /// The last use of the replaced descriptor.
        last_use: Site,
        /// What the number refers to now.
        now: String,
    },
    /// [`Kind::TooManyFiles`].
    TooMany {
        /// The failing call.
        syscall: String,
        /// Descriptors open in the table then.
        open: usize,
    },
    /// [`Kind::LeakTrend`].
    Trend {
        /// The creating system call.
        syscall: String,
        /// The object's shape: its link with digits as `#` (`log#.txt`, `pipe:[#]`).
        shape: String,
        /// Descriptors of this shape created.
        created: u64,
        /// Of them, closed by the program.
        closed: u64,
        /// Most open at once.
        peak: u64,
        /// Still open when the program ended (or the log did).
        open: u64,
    },
    /// [`Kind::OpenAtExit`].
    AtExit {
        /// The program that exited.
        program: String,
    },
}

/// One finding.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Finding {
    /// What.
    pub kind: Kind,
    /// How bad.
    pub severity: Severity,
    /// The line of the finding: the `execve`, the failing call, the `+++ exited`
    /// notice, the line where a trend set in.
    pub line: u64,
    /// The process (thread-group id; 0 in a log without pids).
    pub pid: u32,
    /// The descriptor, when the finding is about one.
    pub fd: Option<u32>,
    /// What the descriptor refers to, as `ls -l /proc/PID/fd` would show it (a
    /// path, `pipe:[N]`, `socket:[N]`, `anon_inode:[eventfd]`, as the log shows or
    /// implies it).
    pub object: Option<String>,
    /// Where the descriptor got its number (`openat`, `dup2`, ...), when known.
    pub created: Option<Site>,
    /// The line where its open file description was created (the `openat`,
    /// `pipe2`... behind a `dup2`; 0: before the log).
    pub opened: Option<u64>,
    /// Kind-specific facts (of the first occurrence).
    pub detail: Detail,
    /// Every occurrence of the finding, in line order; the first is the
    /// finding's own `line` and `pid`. The same descriptor leaked by the same
    /// cause is one finding with many places (see the crate documentation,
    /// "Grouping").
    pub places: Vec<Place>,
}

impl Finding {
    /// Every [`Site`] of the finding: where the descriptor got its number, then
    /// the kind's own (the close before a use after close, the first use...).
    pub(crate) fn sites_mut(&mut self) -> Vec<&mut Site> {
        let mut out: Vec<&mut Site> = self.created.iter_mut().collect();
        match &mut self.detail {
            Detail::Inherited {
                used, handed_over, ..
            } => out.extend(used.iter_mut().chain(handed_over.iter_mut())),
            Detail::AfterClose { closed, .. } => out.push(closed),
            Detail::Stale { bad, reused, .. } => {
                out.push(bad);
                out.push(reused);
            }
            Detail::Replaced { last_use, .. } => out.push(last_use),
            Detail::TooMany { .. } | Detail::Trend { .. } | Detail::AtExit { .. } => {}
        }
        out
    }

    /// Every [`Site`] of the finding with its role: `created` (where the
    /// descriptor got its number), then by kind `used`, `handed over`, `closed`,
    /// `bad` (the `EBADF` that showed a stale number), `reused`, `last use`.
    pub fn sites(&self) -> Vec<(&'static str, &Site)> {
        let mut out: Vec<(&'static str, &Site)> =
            self.created.iter().map(|c| ("created", c)).collect();
        match &self.detail {
            Detail::Inherited {
                used, handed_over, ..
            } => {
                out.extend(used.iter().map(|u| ("used", u)));
                out.extend(handed_over.iter().map(|h| ("handed over", h)));
            }
            Detail::AfterClose { closed, .. } => out.push(("closed", closed)),
            Detail::Stale { bad, reused, .. } => {
                out.push(("bad", bad));
                out.push(("reused", reused));
            }
            Detail::Replaced { last_use, .. } => out.push(("last use", last_use)),
            Detail::TooMany { .. } | Detail::Trend { .. } | Detail::AtExit { .. } => {}
        }
        out
    }

    /// Where the program made the finding's own call (its first place's
    /// source), from the log's `-k` stack.
    pub fn source(&self) -> Option<&Source> {
        self.places.first().and_then(|p| p.source.as_ref())
    }

    /// How many times it occurred (at least 1).
    pub fn count(&self) -> usize {
        self.places.len().max(1)
    }

    /// How many processes it occurred in (at least 1).
    pub fn processes(&self) -> usize {
        let mut pids: Vec<u32> = self.places.iter().map(|p| p.pid).collect();
        pids.sort_unstable();
        pids.dedup();
        pids.len().max(1)
    }

    /// ` (12 times, lines 40–310, in 12 processes)` for a finding that occurred
    /// more than once; empty otherwise.
    pub fn repeats(&self) -> String {
        let (Some(first), Some(last)) = (self.places.first(), self.places.last()) else {
            return String::new();
        };
        if self.places.len() < 2 {
            return String::new();
        }
        let lines = if first.line == last.line {
            format!("line {}", first.line)
        } else {
            format!("lines {}\u{2013}{}", first.line, last.line)
        };
        let procs = match self.processes() {
            1 => "in 1 process".to_owned(),
            n => format!("in {n} processes"),
        };
        format!(" ({} times, {lines}, {procs})", self.places.len())
    }

    /// The finding in one sentence, without its line and pid, with
    /// [`Finding::repeats`] at the end.
    pub fn message(&self) -> String {
        format!("{}{}", self.sentence(), self.repeats())
    }

    /// The distinct descriptors of the finding's places, in increasing order
    /// (the finding's own if the places name none).
    pub fn fds(&self) -> Vec<u32> {
        let mut fds: Vec<u32> = self.places.iter().filter_map(|p| p.fd).collect();
        fds.extend(self.fd);
        fds.sort_unstable();
        fds.dedup();
        fds
    }

    fn sentence(&self) -> String {
        let fd = self.fd.map_or(String::new(), |n| n.to_string());
        // `fd 3`, or `fds 3, 4` for a finding that covers several numbers.
        let fds = match self.fds()[..] {
            [_, _, ..] => {
                let all: Vec<String> = self.fds().iter().map(u32::to_string).collect();
                format!("fds {}", all.join(", "))
            }
            _ => format!("fd {fd}"),
        };
        // What the descriptor refers to, in parentheses (`(inherited)` has its own).
        let obj = self.object.as_deref().unwrap_or("?");
        let pobj = match obj {
            o if o.starts_with('(') && o.ends_with(')') => o.to_owned(),
            o => format!("({o})"),
        };
        match &self.detail {
            Detail::Inherited {
                program,
                used,
                handed_over,
            } => {
                let base = format!(
                    "{fds} {pobj} inherited across execve(\"{program}\") without close-on-exec"
                );
                if let Some(h) = handed_over {
                    return format!("{base}; handed over on purpose: close-on-exec cleared at {h}");
                }
                if used.is_none() && self.created.as_ref().is_some_and(|c| c.line == 0) {
                    return format!(
                        "{base}; the new program never used it; it was open before the log \
                         began (passed in from outside the trace)"
                    );
                }
                match used {
                    Some(u) => format!("{base}; the new program used it at {u}: passed on purpose?"),
                    None => format!("{base}; the new program never used it (CWE-403)"),
                }
            }
            Detail::AfterClose { closed, .. } if self.kind == Kind::DoubleClose => {
                format!("close({fd}) failed with EBADF: fd {fd} {pobj} was already closed at {closed}")
            }
            Detail::AfterClose { syscall, closed } => {
                format!("{syscall}({fd}) failed with EBADF: fd {fd} {pobj} was closed at {closed}")
            }
            Detail::Stale {
                syscall,
                bad,
                reused,
                before,
            } => format!(
                "{syscall}({fd}) uses a reused number: the program still used fd {fd} ({before}) \
                 after closing it (EBADF at line {}), and {fd} now refers to {obj} (from {reused})",
                bad.line
            ),
            Detail::Replaced {
                syscall,
                last_use,
                now,
            } => format!(
                "{syscall} onto fd {fd} silently closed {obj} (last used at {last_use}); fd {fd} now refers to {now}"
            ),
            Detail::TooMany { syscall, open } => {
                format!("{syscall} failed with EMFILE with {open} descriptors open")
            }
            Detail::Trend {
                syscall,
                shape,
                created,
                closed,
                peak,
                open,
            } => format!(
                "descriptors from {syscall} of {shape} keep piling up: {created} created, {closed} closed, \
                 {peak} open at most, {open} still open at the end"
            ),
            Detail::AtExit { program } => {
                // The exit closed it: what makes it worth knowing is the same
                // code in a process that runs on (a server, a loop).
                format!(
                    "{fds} {pobj} still open when {program} exited (the exit closed it; a leak \
                     where this code runs longer)"
                )
            }
        }
    }
}

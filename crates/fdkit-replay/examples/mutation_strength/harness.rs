//! The mutation harness: turns single recorded results of a real log into results
//! Linux cannot give, in three classes, and counts how many `fdkit check` reports
//! at their own line.
//!
//! The harness decides what is impossible from the catalogue's data and its own
//! plain reading of the line, not from the checker's code:
//!
//! - **table**: `EBADF` on a descriptor the log shows open (the call succeeded), or
//!   success where the log shows `EBADF` (the number was not open);
//! - **no-fd**: `EBADF` from a call that takes no descriptor or ignored it
//!   (`AT_FDCWD` or an absolute path, `MAP_ANONYMOUS`, `waitid` without `P_PIDFD`);
//! - **errno**: an errno outside the call's closed set (for its `fcntl` command).

use fdkit::catalog::{self, ArgKind, Shape, Syscall};
use fdkit::Errno;
use fdkit_replay::{Divergence, Options, Replay, Sink};
use fdkit_strace::{Event, Line};

/// The classes of impossible results.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Class {
    /// `EBADF` on an open descriptor, success on a closed one.
    Table,
    /// `EBADF` with no descriptor argument looked up.
    NoFd,
    /// An errno the call cannot return.
    Errno,
}

/// Every class, in report order.
pub const CLASSES: [Class; 3] = [Class::Table, Class::NoFd, Class::Errno];

impl Class {
    /// Its name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Class::Table => "table",
            Class::NoFd => "no-fd",
            Class::Errno => "errno",
        }
    }
}

/// One mutation: the line (1-based) and its new text.
#[derive(Clone, Debug)]
pub struct Mutation {
    /// Which class.
    pub class: Class,
    /// The 1-based line number.
    pub line: u64,
    /// The mutated line.
    pub text: String,
}

/// Errnos tried, in order, as the impossible one for class `errno`.
const STRANGERS: &[Errno] = &[
    Errno::INVAL,
    Errno::NOTTY,
    Errno::CHILD,
    Errno::SPIPE,
    Errno::XDEV,
    Errno::DOM,
];

fn with_result(text: &str, result: &str) -> Option<String> {
    let eq = text
        .rfind(") = ")
        .map(|i| i + 1)
        .or_else(|| text.rfind(" = "))?;
    Some(format!("{} = {result}", text[..eq].trim_end()))
}

fn errno_result(e: Errno) -> String {
    format!("-1 {e}")
}

/// The `fcntl` command number of strace's name for it.
fn fcntl_cmd(name: &str) -> Option<i32> {
    fdkit::catalog::flagset::FCNTL_CMDS
        .value_of(name)
        .map(|v| v as i32)
}

/// Whether the call, with these argument texts, looks up no descriptor at all.
fn no_fd_looked_up(sc: &Syscall, args: &[String]) -> bool {
    if sc.errors.ebadf_without_fd() {
        return false;
    }
    sc.args.iter().enumerate().all(|(i, kind)| {
        let text = args.get(i).map_or("", String::as_str);
        match *kind {
            ArgKind::DirFd { path } => {
                let p = args.get(usize::from(path)).map_or("", String::as_str);
                text == "AT_FDCWD"
                    || (p.starts_with("\"/")
                        && !p.ends_with("...")
                        && sc.shape != Shape::Open(catalog::OpenForm::Openat2))
            }
            ArgKind::MapFd => args.get(3).is_some_and(|f| f.contains("MAP_ANONYMOUS")),
            ArgKind::FdOrNone => text == "-1",
            ArgKind::PidfdIf => args
                .first()
                .is_some_and(|t| t.starts_with("P_") && t != "P_PIDFD"),
            ArgKind::CloneArgs => !text.is_empty() && !text.contains("CLONE_INTO_CGROUP"),
            k => !k.can_be_bad_fd(),
        }
    })
}

/// The mutations of one log, in line order.
pub fn mutations(log: &str) -> Vec<Mutation> {
    let mut out = Vec::new();
    for (i, text) in log.lines().enumerate() {
        let line = i as u64 + 1;
        let Ok(parsed) = Line::parse(text) else {
            continue;
        };
        let (name, args, outcome, complete) = match parsed.event() {
            Event::Call {
                name,
                args,
                outcome,
                ..
            } => (*name, *args, outcome.clone(), true),
            Event::Resumed {
                name: Some(name),
                args,
                outcome,
                ..
            } => (*name, *args, outcome.clone(), false),
            _ => continue,
        };
        let Some(sc) = catalog::lookup(name) else {
            continue;
        };
        if outcome.value().is_none() && outcome.errno().is_none() {
            continue;
        }
        let errno = outcome.errno().and_then(Errno::from_name);
        if outcome.errno().is_some() && (errno.is_none() || !outcome.is_error()) {
            continue;
        }
        let args: Vec<String> = if complete {
            args.iter().map(|a| a.text().to_owned()).collect()
        } else {
            Vec::new()
        };
        let first_fd = complete
            && sc.shape != Shape::Plain
            && sc.args.first() == Some(&ArgKind::Fd)
            && args.first().is_some_and(|t| {
                t.trim_start_matches('-')
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == '<')
                    || t.contains('<')
            });
        let mut push = |class, result: String| {
            if let Some(text) = with_result(text, &result) {
                out.push(Mutation { class, line, text });
            }
        };
        // table: the result says whether the first descriptor was open.
        if first_fd
            && !sc.errors.ebadf_without_fd()
            && !matches!(sc.shape, Shape::Fcntl | Shape::Ioctl)
        {
            match errno {
                None => push(Class::Table, errno_result(Errno::BADF)),
                Some(Errno::BADF) if sc.shape != Shape::Dup2 && sc.shape != Shape::Dup3 => {
                    push(Class::Table, "0".to_owned())
                }
                _ => {}
            }
        }
        // no-fd: EBADF where no descriptor was looked up.
        if errno != Some(Errno::BADF) && (complete || !sc.takes_fds()) && no_fd_looked_up(sc, &args)
        {
            push(Class::NoFd, errno_result(Errno::BADF));
        }
        // errno: outside the call's closed set.
        let errors = match sc.shape {
            Shape::Fcntl if complete => args
                .get(1)
                .and_then(|c| fcntl_cmd(c))
                .map(catalog::fcntl_command),
            Shape::Ioctl if complete => args.get(1).map(|r| catalog::ioctl_request(r)),
            Shape::Mmap if complete => args
                .get(3)
                .filter(|f| f.contains("MAP_ANONYMOUS"))
                .map(|_| sc.errors),
            Shape::Fcntl | Shape::Ioctl | Shape::Mmap => None,
            _ => Some(sc.errors),
        };
        if let Some(errors) = errors.filter(|e| !e.from_file) {
            if let Some(&e) = STRANGERS
                .iter()
                .find(|&&e| !errors.allows(e) && Some(e) != errno)
            {
                push(Class::Errno, errno_result(e));
            }
        }
    }
    out
}

#[derive(Default)]
struct Lines(Vec<u64>);

impl Sink for Lines {
    fn divergence(&mut self, d: &Divergence) {
        self.0.push(d.line);
    }
}

/// The lines `fdkit check` reports divergences at, for `log` with line `m.line`
/// replaced (or none).
pub fn divergences(log: &str, m: Option<&Mutation>) -> Vec<u64> {
    let mut r = Replay::new(Options::default());
    let mut sink = Lines::default();
    for (i, text) in log.lines().enumerate() {
        let n = i as u64 + 1;
        match m {
            Some(m) if m.line == n => r.push_line(n, &m.text, &mut sink),
            _ => r.push_line(n, text, &mut sink),
        }
    }
    r.finish(&mut sink);
    sink.0
}

/// Counts per class: (tried, reported at their own line), and the missed ones.
#[derive(Default, Debug)]
pub struct Tally {
    /// Per class of [`CLASSES`]: mutations tried.
    pub tried: [u64; 3],
    /// Per class: reported at their own line.
    pub caught: [u64; 3],
    /// `FILE:LINE: class: mutated line` for each one missed.
    pub missed: Vec<String>,
}

impl Tally {
    /// Runs `muts` on `log` (named `file` in reports).
    pub fn run(&mut self, file: &str, log: &str, muts: &[Mutation]) {
        for m in muts {
            let k = CLASSES.iter().position(|&c| c == m.class).unwrap_or(0);
            self.tried[k] += 1;
            if divergences(log, Some(m)).contains(&m.line) {
                self.caught[k] += 1;
            } else {
                self.missed
                    .push(format!("{file}:{}: {}: {}", m.line, m.class.name(), m.text));
            }
        }
    }

    /// Reported / tried over all classes.
    pub fn ratio(&self) -> f64 {
        let t: u64 = self.tried.iter().sum();
        let c: u64 = self.caught.iter().sum();
        if t == 0 {
            1.0
        } else {
            c as f64 / t as f64
        }
    }
}

/// At most `n` mutations per class, evenly spread over the log.
pub fn sample(all: &[Mutation], n: usize) -> Vec<Mutation> {
    let mut out = Vec::new();
    for c in CLASSES {
        let of: Vec<&Mutation> = all.iter().filter(|m| m.class == c).collect();
        if of.len() <= n {
            out.extend(of.into_iter().cloned());
        } else {
            out.extend((0..n).map(|i| of[i * of.len() / n].clone()));
        }
    }
    out
}

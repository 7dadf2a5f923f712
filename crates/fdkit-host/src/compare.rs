//! [`diff`]: one script on two backends, compared call by call.
//!
//! What must agree, exactly: each call's errno or value — descriptor numbers, pairs,
//! counts, bytes read, offsets, flag words, limits, the file type and (for regular
//! files) size from `fstat`, which process a `fork` created and which one `wait4`
//! reaped with what status — and, after each `execve` and at the end, every live
//! process's table ([`Table`]: numbers, `FD_CLOEXEC`, `F_GETFL`, offset, which
//! descriptors share a description, the link text).
//!
//! What legitimately differs and is normalized away: pids (compared as the script's
//! [`ProcessRef`]s, including `fork`'s result and a positive `F_GETOWN`), inode
//! and device numbers, permission bits, link counts and
//! non-regular sizes in `fstat`, the numbers in `pipe:[N]`/`socket:[N]` and
//! `/dev/pts/N`. One case is not compared: reading the terminal (fds 0-2), which
//! the model answers at once with 0 bytes where a real terminal waits for input.

use crate::backend::{Backend, Outcome};
use crate::error::Error;
use crate::fmt::value_text;
use crate::script::{ProcessRef, Script, Step};
use crate::table::{normalize_link, FdState, Table};
use fdkit::catalog::flagset as fs;
use fdkit::syscall::{Call, Value};
use fdkit::{Errno, ExitStatus};
use std::fmt;

/// Where two backends first disagreed.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Divergence {
    /// The index of the step, or the script's length for the final tables.
    pub index: usize,
    /// The step (`None` for the final tables).
    pub step: Option<Step>,
    /// What differed: `"result"`, `"table after execve"`, `"final table of p1"`.
    pub aspect: String,
    /// What the model gave, as text.
    pub model: String,
    /// What the host gave, as text.
    pub host: String,
    /// The steps before, each with the (agreed) result.
    pub before: Vec<String>,
}

impl fmt::Display for Divergence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.step {
            Some(step) => writeln!(
                f,
                "model and host differ at step {}: {step}: {}",
                self.index, self.aspect
            )?,
            None => writeln!(f, "model and host differ in the {}", self.aspect)?,
        }
        let multi = self.model.contains('\n') || self.host.contains('\n');
        if multi {
            writeln!(f, "  model:\n{}", indent(&self.model))?;
            writeln!(f, "  host:\n{}", indent(&self.host))?;
        } else {
            writeln!(f, "  model: {}", self.model)?;
            writeln!(f, "  host:  {}", self.host)?;
        }
        if !self.before.is_empty() {
            writeln!(f, "  after (results both gave):")?;
            for line in &self.before {
                writeln!(f, "    {line}")?;
            }
        }
        Ok(())
    }
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The outcome of [`diff`].
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Report {
    /// Steps run on both backends.
    pub steps: usize,
    /// Steps whose results were compared (the rest are listed in `not_compared`).
    pub compared: usize,
    /// Tables compared (after `execve`, and at the end).
    pub tables: usize,
    /// Steps run but not compared, and why.
    pub not_compared: Vec<(usize, &'static str)>,
    /// The first divergence, if any.
    pub divergence: Option<Divergence>,
}

/// A result with the backend's pids replaced by the script's process names and the
/// fields that legitimately differ dropped.
#[derive(Clone, PartialEq, Eq, Debug)]
enum Seen {
    Int(i64),
    Process(Option<ProcessRef>),
    Pair([u32; 2]),
    Bytes(Vec<u8>),
    Value(Value),
    Stat { kind: u32, size: Option<u64> },
    Reaped(Option<ProcessRef>, ExitStatus),
}

fn seen(call: &Call, result: &Result<Value, Errno>, b: &dyn Backend) -> Result<Seen, Errno> {
    let value = result.as_ref().map_err(|e| *e)?;
    Ok(match (call, value) {
        (Call::Fork | Call::Vfork | Call::Clone { .. }, Value::Int(pid)) => {
            Seen::Process(b.process_of(*pid as u32))
        }
        // F_GETOWN: a positive owner is a process id.
        (Call::Fcntl { cmd: 9, .. }, Value::Int(pid)) if *pid > 0 => {
            Seen::Process(b.process_of(*pid as u32))
        }
        (_, Value::Int(n)) => Seen::Int(*n),
        (_, Value::Pair([a, c])) => Seen::Pair([a.get(), c.get()]),
        (_, Value::Bytes(bytes)) => Seen::Bytes(bytes.clone()),
        (_, Value::Stat(st)) => {
            let kind = st.mode & fs::S_IFMT as u32;
            Seen::Stat {
                kind,
                size: (kind == 0o100000).then_some(st.size),
            }
        }
        (_, Value::Child(Some((pid, status)))) => Seen::Reaped(b.process_of(pid.get()), *status),
        (_, other) => Seen::Value(other.clone()),
    })
}

fn seen_text(s: &Result<Seen, Errno>) -> String {
    match s {
        Err(e) => format!("-1 {e}"),
        Ok(Seen::Int(n)) => n.to_string(),
        Ok(Seen::Process(Some(p))) => format!("the pid of {p}"),
        Ok(Seen::Process(None)) => "a pid of no process the script knows".into(),
        Ok(Seen::Pair([a, b])) => format!("0 [{a}, {b}]"),
        Ok(Seen::Bytes(b)) => value_text(&Value::Bytes(b.clone())),
        Ok(Seen::Value(v)) => value_text(v),
        Ok(Seen::Stat { kind, size }) => match size {
            Some(size) => format!("0 {{st_mode={kind:#o}|..., st_size={size}}}"),
            None => format!("0 {{st_mode={kind:#o}|...}}"),
        },
        Ok(Seen::Reaped(p, status)) => {
            let who = p.map_or_else(|| "an unknown pid".to_string(), |p| format!("{p}"));
            format!("{who} reaped, {status:?}")
        }
    }
}

fn normalized(table: &Option<Table>) -> Option<Vec<FdState>> {
    table.as_ref().map(|t| {
        t.fds
            .iter()
            .map(|s| FdState {
                link: normalize_link(&s.link),
                ..s.clone()
            })
            .collect()
    })
}

fn table_text(table: &Option<Vec<FdState>>) -> String {
    match table {
        None => "(no such process)".to_string(),
        Some(fds) if fds.is_empty() => "(no descriptors)".to_string(),
        Some(fds) => fds
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

/// Whether two results of `call` disagree as [`diff`] judges them: pids compared
/// as the script's processes (each backend's [`Backend::process_of`]), and what
/// legitimately differs (inode numbers, other `stat` fields) left out. When they
/// disagree: the two as text, model first.
///
/// A front end that runs steps itself (such as `fdkit diff`, which goes on past a
/// difference) uses this, [`table_difference`] and [`not_compared`] to judge
/// exactly as [`diff`] does.
pub fn result_difference(
    call: &Call,
    model: &Result<Value, Errno>,
    model_backend: &dyn Backend,
    host: &Result<Value, Errno>,
    host_backend: &dyn Backend,
) -> Option<(String, String)> {
    let (m, h) = (
        seen(call, model, model_backend),
        seen(call, host, host_backend),
    );
    (m != h).then(|| (seen_text(&m), seen_text(&h)))
}

/// Whether two tables of one process disagree as [`diff`] judges them (pipe,
/// socket and terminal numbers in links left out; `None` is a process that does
/// not exist). When they disagree: each as text, one descriptor a line, model
/// first.
pub fn table_difference(model: &Option<Table>, host: &Option<Table>) -> Option<(String, String)> {
    let (m, h) = (normalized(model), normalized(host));
    (m != h).then(|| (table_text(&m), table_text(&h)))
}

/// Why `step` is run but its result not compared, if it is not: a read of the
/// terminal, which the model answers at once and a real terminal waits for.
/// Ask before running the step (`model` must be in the state the step finds).
pub fn not_compared(step: &Step, model: &mut dyn Backend) -> Option<&'static str> {
    match step.call {
        Call::Read { fd, .. } | Call::Pread { fd, .. } => model
            .link(step.process, fd)
            .filter(|l| l.starts_with("/dev/pts/"))
            .map(|_| "terminal input is not modelled (a real terminal waits)"),
        _ => None,
    }
}

/// Runs `script` on `model` and `host` step by step and stops at the first
/// divergence; then compares the final tables of every process.
///
/// # Errors
/// Either backend could not run a step.
pub fn diff(
    script: &Script,
    model: &mut dyn Backend,
    host: &mut dyn Backend,
) -> Result<Report, Error> {
    let mut report = Report::default();
    let mut before: Vec<String> = Vec::new();
    for (index, step) in script.steps.iter().enumerate() {
        let skip = not_compared(step, model);
        let m: Outcome = model.execute(step.process, &step.call)?;
        let h: Outcome = host.execute(step.process, &step.call)?;
        report.steps += 1;
        let diverge = |aspect: &str, model: String, host: String, before: &[String]| {
            Some(Divergence {
                index,
                step: Some(step.clone()),
                aspect: aspect.to_string(),
                model,
                host,
                before: before.to_vec(),
            })
        };
        let (ms, hs) = (
            seen(&step.call, &m.result, model),
            seen(&step.call, &h.result, host),
        );
        if let Some(why) = skip {
            report.not_compared.push((index, why));
        } else {
            report.compared += 1;
            if ms != hs {
                report.divergence = diverge("result", seen_text(&ms), seen_text(&hs), &before);
                return Ok(report);
            }
        }
        if m.table.is_some() || h.table.is_some() {
            report.tables += 1;
            if let Some((mt, ht)) = table_difference(&m.table, &h.table) {
                report.divergence = diverge("table after execve", mt, ht, &before);
                return Ok(report);
            }
        }
        let shown = if skip.is_some() {
            "(not compared)".to_string()
        } else {
            seen_text(&ms)
        };
        before.push(format!("{index:>3} {step} = {shown}"));
    }
    let processes = model.created().max(host.created());
    for p in (0..processes).map(ProcessRef) {
        let (mt, ht) = (model.table(p)?, host.table(p)?);
        report.tables += 1;
        if let Some((mt, ht)) = table_difference(&mt, &ht) {
            report.divergence = Some(Divergence {
                index: script.len(),
                step: None,
                aspect: format!("final table of {p}"),
                model: mt,
                host: ht,
                before,
            });
            return Ok(report);
        }
    }
    Ok(report)
}

//! [`group`]: one finding per descriptor per cause.

use std::collections::HashMap;

use crate::finding::{Detail, Finding, Kind};

/// What makes two occurrences one finding: the kind and severity, the
/// descriptor's number, where it got it and where its open file description
/// was created, and per kind the cause (the `close` before a use after close,
/// the failing call of an `EMFILE`, a trend's call and shape...).
type Key = (
    Kind,
    crate::Severity,
    Option<u32>,
    Option<u64>,
    Option<u64>,
    String,
);

fn key(f: &Finding) -> Key {
    let at = |s: &crate::Site| match &s.source {
        Some(src) => src.place(),
        None if s.line == 0 => "before the log".to_owned(),
        None => format!("line {}", s.line),
    };
    let created_line = f.created.as_ref().map(|c| c.line);
    // A descriptor from outside the log that no program used: one finding,
    // whatever its number and however many programs pass it on.
    if let Detail::Inherited {
        used: None,
        handed_over: None,
        ..
    } = &f.detail
    {
        if created_line == Some(0) {
            return (
                f.kind,
                f.severity,
                None,
                Some(0),
                None,
                "outside".to_owned(),
            );
        }
    }
    // With a source location: the same kind at the same source sites.
    if let Some(src) = f.source() {
        let cause = match &f.detail {
            Detail::Inherited { .. } | Detail::AtExit { .. } => String::new(),
            Detail::AfterClose { syscall, closed } => format!("{syscall} {}", at(closed)),
            Detail::Stale {
                syscall,
                bad,
                reused,
                ..
            } => format!("{syscall} {} {}", at(bad), at(reused)),
            Detail::Replaced {
                syscall, last_use, ..
            } => format!("{syscall} {}", at(last_use)),
            Detail::TooMany { syscall, .. } => syscall.clone(),
            Detail::Trend { syscall, shape, .. } => format!("{syscall} {shape}"),
        };
        let created = f.created.as_ref().map_or_else(String::new, at);
        return (
            f.kind,
            f.severity,
            None,
            None,
            None,
            format!("at {} created {created} {cause}", src.place()),
        );
    }
    let cause = match &f.detail {
        Detail::Inherited { .. } | Detail::AtExit { .. } => String::new(),
        Detail::AfterClose { syscall, closed } => format!("{syscall} {}", closed.line),
        Detail::Stale {
            syscall,
            bad,
            reused,
            ..
        } => format!("{syscall} {} {}", bad.line, reused.line),
        Detail::Replaced {
            syscall, last_use, ..
        } => format!("{syscall} {}", last_use.line),
        Detail::TooMany { syscall, .. } => syscall.clone(),
        Detail::Trend { syscall, shape, .. } => format!("{syscall} {shape}"),
    };
    (f.kind, f.severity, f.fd, created_line, f.opened, cause)
}

/// Groups `findings`: occurrences with the same kind, severity, descriptor
/// number, creation line, open file description line and cause become one
/// finding, the earliest occurrence's, with every occurrence's [`Place`] in
/// line order. So a descriptor leaked by one `openat` into 12 `fork`+`execve`s
/// is one `inherited-across-exec` finding with 12 places. Two rules group
/// wider:
///
/// - descriptors open before the log (creation line 0) that no program used,
///   inherited across `execve`s, are one finding whatever their numbers (they
///   came from outside the trace; each place names its descriptor);
/// - a finding whose call has a source location (from `strace -k`,
///   [`crate::symbols`]) is grouped by source site instead of by line: the same
///   kind, severity, source location of the finding's call, of the
///   descriptor's creation and of the cause (the `close` before a use after
///   close...), whatever the descriptor's number: a loop that opens and leaks a
///   file into each `execve` is one finding.
///
/// Sorted as [`crate::Auditor::finish`] sorts: highest severity first, then by
/// line.
///
/// [`Place`]: crate::Place
pub fn group(findings: Vec<Finding>) -> Vec<Finding> {
    let mut index: HashMap<Key, usize> = HashMap::new();
    let mut out: Vec<Finding> = Vec::new();
    let mut sorted = findings;
    sorted.sort_by_key(|f| (f.line, f.pid, f.fd));
    for f in sorted {
        match index.get(&key(&f)) {
            Some(&i) => {
                let places = f.places;
                out[i].places.extend(places);
            }
            None => {
                index.insert(key(&f), out.len());
                out.push(f);
            }
        }
    }
    for f in &mut out {
        f.places.sort_by_key(|p| (p.line, p.pid));
    }
    out.sort_by(|a, b| {
        (b.severity, a.line, a.pid, a.fd, a.kind).cmp(&(a.severity, b.line, b.pid, b.fd, b.kind))
    });
    out
}

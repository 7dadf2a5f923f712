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
    (
        f.kind,
        f.severity,
        f.fd,
        f.created.as_ref().map(|c| c.line),
        f.opened,
        cause,
    )
}

/// Groups `findings`: occurrences with the same kind, severity, descriptor
/// number, creation line, open file description line and cause become one
/// finding, the earliest occurrence's, with every occurrence's [`Place`] in
/// line order. So a descriptor leaked by one `openat` into 12 `fork`+`execve`s
/// is one `inherited-across-exec` finding with 12 places, and a descriptor open
/// before the log (creation line 0) is one finding per number and severity,
/// however many programs pass it on. Sorted as [`crate::Auditor::finish`]
/// sorts: highest severity first, then by line.
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

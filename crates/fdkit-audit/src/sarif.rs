//! [`sarif`]: findings as a SARIF 2.1.0 log (OASIS Static Analysis Results
//! Interchange Format), the input of code-scanning interfaces.
//!
//! One run; its tool `fdkit` has one rule per [`Kind`] (`ruleId` is the kind's
//! name). Each finding is one result:
//!
//! - `level`: `error` for high, `warning` for medium, `note` for low and info
//!   (the severity itself is in `properties.severity`);
//! - `locations`: where the program made the finding's call (the `execve`, the
//!   failing call, the exit...) as `file:line` from the `-k` stack's DWARF
//!   ([`crate::symbols`]); without one, the binary (`binary+0xOFFSET` in the
//!   message of the location); without a stack, the line of the log;
//! - `relatedLocations`: the descriptor's creation and the kind's other sites
//!   ([`Finding::sites`]: the `close` before a use after close...), each with
//!   its role and log line in its message;
//! - `properties`: `severity`, `pid`, `fd`, `object`, `count` and `places`
//!   (`[{line, pid, program, fd}]`), as `fdkit audit --json` gives them.

use serde_json::{json, Value};

use crate::finding::{Finding, Kind, Severity, Site};
use crate::symbols::Source;

/// The SARIF level of a severity.
pub fn level(s: Severity) -> &'static str {
    match s {
        Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// One sentence per kind: the rule's description.
fn describe(k: Kind) -> &'static str {
    match k {
        Kind::InheritedAcrossExec => {
            "A descriptor other than 0, 1, 2 survived execve because it lacked close-on-exec (CWE-403)."
        }
        Kind::UseAfterClose => "A call failed with EBADF on a number the process had closed.",
        Kind::DoubleClose => "close failed with EBADF on a number the process had closed.",
        Kind::StaleNumber => {
            "A number the program used after closing it was reused, and used again: the stale code path reaches another file."
        }
        Kind::ReplacedByDup2 => {
            "dup2 or dup3 onto a used descriptor silently closed the last reference to its file."
        }
        Kind::TooManyFiles => "An allocation failed with EMFILE.",
        Kind::LeakTrend => "Descriptors made by one call on one kind of object piled up until the program ended.",
        Kind::OpenAtExit => "A descriptor the process created was still open when it exited.",
    }
}

/// `file:///abs/path` for an absolute path, the path itself otherwise, with
/// the characters a URI cannot hold percent-encoded.
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len() + 8);
    if path.starts_with('/') {
        out.push_str("file://");
    }
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~+:@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A SARIF location for a call at `line` of the log named `log`, at `source`
/// if known; `text` is its message.
fn location(log: &str, line: u64, source: Option<&Source>, text: String) -> Value {
    let mut loc = match source {
        Some(s) => {
            let physical = match (&s.file, s.line) {
                (Some(f), Some(l)) => json!({
                    "artifactLocation": {"uri": uri(f)},
                    "region": {"startLine": l},
                }),
                (Some(f), None) => json!({"artifactLocation": {"uri": uri(f)}}),
                _ => json!({"artifactLocation": {"uri": uri(&s.binary)}}),
            };
            let mut loc = json!({"physicalLocation": physical});
            if let Some(func) = &s.function {
                loc["logicalLocations"] = json!([{"name": func, "kind": "function"}]);
            }
            loc
        }
        None => json!({
            "physicalLocation": {
                "artifactLocation": {"uri": uri(log)},
                "region": {"startLine": line.max(1)},
            }
        }),
    };
    loc["message"] = json!({ "text": text });
    loc
}

fn site_text(role: &str, log: &str, site: &Site) -> String {
    let mut t = format!("{role}: {log}:{} ({})", site.line, site.syscall);
    if let Some(s) = &site.source {
        t.push_str(&format!(" at {s}"));
    }
    t
}

/// The SARIF 2.1.0 log of `findings`, found in the log named `log` (a path
/// or `-`) by fdkit `version`.
pub fn sarif(findings: &[Finding], log: &str, version: &str) -> Value {
    let rules: Vec<Value> = Kind::ALL
        .iter()
        .map(|k| {
            json!({
                "id": k.name(),
                "name": k.name(),
                "shortDescription": {"text": describe(*k)},
                "fullDescription": {"text": describe(*k)},
                "defaultConfiguration": {"level": "warning"},
            })
        })
        .collect();
    let results: Vec<Value> = findings
        .iter()
        .map(|f| {
            let rule_index = Kind::ALL.iter().position(|k| *k == f.kind).unwrap_or(0);
            let src = f.source();
            let at = match src {
                Some(s) => format!("{log}:{} at {s}", f.line),
                None => format!("{log}:{}", f.line),
            };
            let related: Vec<Value> = f
                .sites()
                .into_iter()
                .filter(|(_, s)| s.line > 0)
                .enumerate()
                .map(|(i, (role, s))| {
                    let mut l = location(log, s.line, s.source.as_ref(), site_text(role, log, s));
                    l["id"] = json!(i + 1);
                    l
                })
                .collect();
            let places: Vec<Value> = f
                .places
                .iter()
                .map(|p| {
                    json!({
                        "line": p.line,
                        "pid": p.pid,
                        "program": p.program,
                        "fd": p.fd,
                        "source": p.source.as_ref().map(Source::to_string),
                    })
                })
                .collect();
            json!({
                "ruleId": f.kind.name(),
                "ruleIndex": rule_index,
                "level": level(f.severity),
                "message": {"text": f.message()},
                "locations": [location(log, f.line, src, at)],
                "relatedLocations": related,
                "properties": {
                    "severity": f.severity.name(),
                    "pid": f.pid,
                    "fd": f.fd,
                    "object": f.object,
                    "count": f.count(),
                    "places": places,
                },
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "fdkit",
                "version": version,
                "rules": rules,
            }},
            "results": results,
            "columnKind": "unicodeCodePoints",
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::uri;

    #[test]
    fn paths_become_uris() {
        assert_eq!(uri("/tmp/a b.c"), "file:///tmp/a%20b.c");
        assert_eq!(uri("src/x.c"), "src/x.c");
        assert_eq!(uri("-"), "-");
    }
}

//! [`Suppressions`]: findings a person has looked at and accepted, like
//! valgrind's suppression files.
//!
//! # Format
//!
//! One rule a line; `#` starts a comment; blank lines are skipped. A rule is
//! one or more `KEY=VALUE` fields separated by spaces, and it suppresses what
//! *all* of its fields match:
//!
//! | key | matches |
//! |---|---|
//! | `kind` | the finding's kind: a [`Kind::name`] or a comma list of them (`inherited-across-exec,open-at-exit`), or `*` |
//! | `path` | a shell glob on what the descriptor refers to (its [`Finding::object`]: `/tmp/*.log`, `pipe:*`, `socket:*`) |
//! | `program` | a shell glob on the program of an occurrence ([`Place::program`]: the new program of an `execve`, the exiting one...) |
//! | `frame` | a shell glob on where the program made the call of an occurrence, or where it created the descriptor (from `strace -k`, [`crate::symbols`]): its `file:line` (`*/vendor/*`, `*prog.c:12`), its function (`main`, `g_spawn_*`) or its `binary+0xOFFSET` |
//!
//! ```text
//! # make's jobserver pipe is passed to every recipe on purpose
//! kind=inherited-across-exec program=/usr/bin/make path=pipe:*
//! # the logging library opens its file once and keeps it
//! kind=open-at-exit frame=*/liblog/*
//! ```
//!
//! `program` and `frame` select occurrences: a grouped finding loses the
//! places they match, and is suppressed when none is left (the first place left
//! becomes its line and process). Globs are [`glob::Pattern`]s: `*` matches any
//! text, `/` included; `?` one character; `[...]` a class (so write `pipe:*`,
//! not `pipe:[*]`). A value cannot hold a space (`?` matches one).

use std::fmt;

use glob::Pattern;

use crate::finding::{Finding, Kind, Place};
use crate::symbols::Source;

/// A suppression file that cannot be read: where and why.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SuppressionError {
    /// The 1-based line.
    pub line: usize,
    /// The 1-based column (in characters) of the field at fault.
    pub col: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for SuppressionError {
    /// `LINE:COL: message`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.col, self.message)
    }
}

impl std::error::Error for SuppressionError {}

/// One rule: every field given must match.
#[derive(Clone, Debug)]
struct Rule {
    kinds: Option<Vec<Kind>>,
    path: Option<Pattern>,
    program: Option<Pattern>,
    frame: Option<Pattern>,
}

/// The rules of one or more suppression files (see the [module
/// documentation](self) for the format).
#[derive(Clone, Debug, Default)]
pub struct Suppressions {
    rules: Vec<Rule>,
}

impl Suppressions {
    /// Reads `text`'s rules and adds them.
    pub fn add(&mut self, text: &str) -> Result<(), SuppressionError> {
        for (i, raw) in text.lines().enumerate() {
            let line = raw.split_once('#').map_or(raw, |(code, _)| code);
            let mut rule = Rule {
                kinds: None,
                path: None,
                program: None,
                frame: None,
            };
            let mut any = false;
            let mut pos = 0;
            for field in line.split(' ') {
                let col = line[..pos].chars().count() + 1;
                pos += field.len() + 1;
                let field = field.trim_matches('\t');
                if field.is_empty() {
                    continue;
                }
                let err = |message: String| SuppressionError {
                    line: i + 1,
                    col,
                    message,
                };
                let Some((key, value)) = field.split_once('=') else {
                    return Err(err(format!(
                        "expected KEY=VALUE (kind, path, program, frame), found `{field}`"
                    )));
                };
                if value.is_empty() {
                    return Err(err(format!("`{key}=` needs a value")));
                }
                let pattern = |v: &str| {
                    Pattern::new(v).map_err(|e| err(format!("bad pattern `{v}`: {}", e.msg)))
                };
                match key {
                    "kind" if value == "*" => rule.kinds = None,
                    "kind" => {
                        let mut kinds = Vec::new();
                        for name in value.split(',') {
                            let Some(k) = Kind::from_name(name) else {
                                let all: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
                                return Err(err(format!(
                                    "unknown kind `{name}` (one of {})",
                                    all.join(", ")
                                )));
                            };
                            kinds.push(k);
                        }
                        rule.kinds = Some(kinds);
                    }
                    "path" => rule.path = Some(pattern(value)?),
                    "program" => rule.program = Some(pattern(value)?),
                    "frame" => rule.frame = Some(pattern(value)?),
                    _ => {
                        return Err(err(format!(
                            "unknown key `{key}` (kind, path, program, frame)"
                        )))
                    }
                }
                any = true;
            }
            if any {
                self.rules.push(rule);
            }
        }
        Ok(())
    }

    /// How many rules there are.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether there is no rule.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// `findings` without what the rules suppress, and how many findings were
    /// suppressed whole. A finding that keeps some of its places keeps its
    /// first remaining one as its line and process.
    pub fn apply(&self, findings: Vec<Finding>) -> (Vec<Finding>, usize) {
        if self.rules.is_empty() {
            return (findings, 0);
        }
        let mut suppressed = 0;
        let mut out = Vec::with_capacity(findings.len());
        for mut f in findings {
            let rules: Vec<&Rule> = self.rules.iter().filter(|r| r.selects(&f)).collect();
            if rules.is_empty() {
                out.push(f);
                continue;
            }
            let created = f.created.as_ref().and_then(|c| c.source.as_ref());
            let places = std::mem::take(&mut f.places);
            let total = places.len();
            f.places = places
                .into_iter()
                .filter(|p| !rules.iter().any(|r| r.takes(p, created)))
                .collect();
            match f.places.first() {
                None if total > 0 => suppressed += 1,
                None => {}
                Some(first) => {
                    (f.line, f.pid) = (first.line, first.pid);
                    if let Some(fd) = first.fd {
                        f.fd = Some(fd);
                    }
                    out.push(f);
                }
            }
        }
        (out, suppressed)
    }
}

impl Rule {
    /// The finding-wide fields match.
    fn selects(&self, f: &Finding) -> bool {
        self.kinds.as_ref().map_or(true, |k| k.contains(&f.kind))
            && self
                .path
                .as_ref()
                .map_or(true, |p| f.object.as_deref().is_some_and(|o| p.matches(o)))
    }

    /// The per-occurrence fields match place `p` (or, for `frame`, the
    /// descriptor's creation).
    fn takes(&self, p: &Place, created: Option<&Source>) -> bool {
        let program = self
            .program
            .as_ref()
            .map_or(true, |g| g.matches(&p.program));
        let frame = self.frame.as_ref().map_or(true, |g| {
            [p.source.as_ref(), created]
                .into_iter()
                .flatten()
                .any(|s| frame_matches(g, s))
        });
        program && frame
    }
}

/// `g` matches the source's `file:line`, its function or its `binary+0xOFF`.
fn frame_matches(g: &Pattern, s: &Source) -> bool {
    g.matches(&s.place())
        || s.function.as_deref().is_some_and(|f| g.matches(f))
        || g.matches(&format!("{}+{:#x}", s.binary, s.offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_line_and_column() {
        let mut s = Suppressions::default();
        let e = s.add("# ok\nkind=open-at-exit  colour=red\n").unwrap_err();
        assert_eq!((e.line, e.col), (2, 20));
        assert!(e.message.contains("unknown key `colour`"), "{e}");
        let e = s.add("kind=leaks").unwrap_err();
        assert!(e.message.contains("unknown kind `leaks`"), "{e}");
        let e = s.add("path").unwrap_err();
        assert!(e.message.contains("expected KEY=VALUE"), "{e}");
        let e = s.add("path=[").unwrap_err();
        assert!(e.message.contains("bad pattern"), "{e}");
        s.add("\n  # nothing\n\nkind=* path=/tmp/*\n").unwrap();
        assert_eq!(s.len(), 1);
    }
}

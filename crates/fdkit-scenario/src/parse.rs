//! Scenario text → [`Scenario`]: one item per line.

use crate::convert;
use crate::error::{Error, ErrorKind};
use crate::eval::Cx;
use crate::step::{Expected, Ret, Step, FIRST_PID};
use fdkit::Errno;
use fdkit_strace::{Event, Line, Outcome};

/// A parsed scenario: its lines in order, and the pid of the process that exists
/// at the start.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Scenario {
    /// The first process: the pid of the first call line if it names one, else
    /// [`FIRST_PID`] (100). Lines without a pid are its calls.
    pub first_pid: u32,
    /// Every line.
    pub items: Vec<Item>,
}

/// One line of a scenario.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Item {
    /// A call.
    Step(Step),
    /// `# show`: print every process's descriptor table here; `# show 101 102`:
    /// those processes' tables.
    Show {
        /// 1-based line number.
        line: u64,
        /// The processes to show; empty for all.
        pids: Vec<u32>,
    },
    /// A line that is shown as it is and does nothing: a `# comment`, a blank
    /// line, or a strace line that is no call (`+++ exited with 0 +++`,
    /// `--- SIGCHLD {...} ---`).
    Text {
        /// 1-based line number.
        line: u64,
        /// The line, without its line terminator.
        text: String,
    },
}

impl Scenario {
    /// Parses a scenario. Every line is read; all errors are returned, in line order.
    ///
    /// # Errors
    /// One [`Error`] per bad line (the first problem on it).
    pub fn parse(text: &str) -> Result<Scenario, Vec<Error>> {
        let mut items = Vec::new();
        let mut errors = Vec::new();
        let mut first_pid = None;
        for (i, raw) in text.lines().enumerate() {
            let line = i as u64 + 1;
            let raw = raw.strip_suffix('\r').unwrap_or(raw);
            match parse_line(raw, line) {
                Ok(Parsed::Call(step, pid)) => {
                    first_pid = first_pid.or(Some(pid.unwrap_or(FIRST_PID)));
                    items.push((Some(pid), Item::Step(step)));
                }
                Ok(Parsed::Item(item)) => items.push((None, item)),
                Err(e) => errors.push(e),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let first_pid = first_pid.unwrap_or(FIRST_PID);
        let mut items: Vec<Item> = items
            .into_iter()
            .map(|(pid, mut item)| {
                if let (Item::Step(step), Some(None)) = (&mut item, pid) {
                    step.pid = first_pid;
                }
                item
            })
            .collect();
        mark_shows(&mut items);
        Ok(Scenario { first_pid, items })
    }

    /// Parses a scenario from bytes, which must be UTF-8.
    ///
    /// # Errors
    /// As [`Scenario::parse`]; invalid UTF-8 is an [`ErrorKind::Encoding`] error at
    /// its line and column.
    pub fn parse_bytes(bytes: &[u8]) -> Result<Scenario, Vec<Error>> {
        match std::str::from_utf8(bytes) {
            Ok(text) => Scenario::parse(text),
            Err(e) => {
                let good = &bytes[..e.valid_up_to()];
                let line = good.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
                let column =
                    good.len() - good.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1) + 1;
                Err(vec![Error::new(
                    ErrorKind::Encoding,
                    line,
                    column,
                    "the scenario is not valid UTF-8",
                )])
            }
        }
    }

    /// The calls, in order.
    pub fn steps(&self) -> impl Iterator<Item = &Step> {
        self.items.iter().filter_map(|item| match item {
            Item::Step(step) => Some(step),
            _ => None,
        })
    }
}

/// Sets [`Step::show`] on each step a `# show` follows.
fn mark_shows(items: &mut [Item]) {
    let mut last_step = None;
    for i in 0..items.len() {
        match &items[i] {
            Item::Step(_) => last_step = Some(i),
            Item::Show { .. } => {
                if let Some(Item::Step(step)) = last_step.map(|k| &mut items[k]) {
                    step.show = true;
                }
            }
            Item::Text { .. } => {}
        }
    }
}

enum Parsed {
    /// A step, and the pid its line named.
    Call(Step, Option<u32>),
    Item(Item),
}

fn parse_line(raw: &str, line: u64) -> Result<Parsed, Error> {
    let trimmed = raw.trim();
    if trimmed.is_empty() || trimmed.starts_with('#') {
        if let Some(pids) = show_directive(trimmed) {
            return Ok(Parsed::Item(Item::Show { line, pids }));
        }
        return Ok(Parsed::Item(Item::Text {
            line,
            text: raw.to_string(),
        }));
    }
    let (body, note) = split_note(raw);
    let body = body.trim_end();
    // A call written without a result: parse it as if it ended in ` = ?`.
    let has_result = match Line::parse(body) {
        Err(e) if e.kind() == fdkit_strace::ErrorKind::MissingResult && e.column() > body.len() => {
            false
        }
        Err(e) => return Err(Error::strace(&e, line)),
        Ok(_) => true,
    };
    let padded;
    let text = if has_result {
        body
    } else {
        padded = format!("{body} = ?");
        padded.as_str()
    };
    let parsed = Line::parse(text).map_err(|e| Error::strace(&e, line))?;
    let cx = Cx { text, line };
    let pid = parsed.pid();
    let step = match parsed.into_event() {
        Event::Call {
            name,
            args,
            outcome,
            ..
        } => {
            let converted = convert::convert(cx, name, args)?;
            let ret = if has_result {
                Some(ret_of(cx, &outcome)?)
            } else {
                None
            };
            let expected = (ret.is_some() || converted.out.is_some()).then_some(Expected {
                ret,
                out: converted.out,
            });
            Step {
                line,
                pid: pid.unwrap_or(0),
                call: converted.call,
                argv: converted.argv,
                expected,
                show: false,
                note: note.map(str::to_string),
            }
        }
        Event::Unfinished { .. } | Event::Resumed { .. } | Event::Mark(_) => {
            return Err(Error::new(
                ErrorKind::Unsupported,
                line,
                1,
                "a scenario call is one whole line: join `<unfinished ...>` and `<... resumed>`",
            ))
        }
        _ => {
            return Ok(Parsed::Item(Item::Text {
                line,
                text: raw.to_string(),
            }))
        }
    };
    Ok(Parsed::Call(step, pid))
}

/// `# show` or `# show 100 101`: the pids to show (empty for all). A comment that
/// only starts with "show" is no directive.
fn show_directive(line: &str) -> Option<Vec<u32>> {
    let mut words = line.strip_prefix('#')?.split_whitespace();
    if words.next() != Some("show") {
        return None;
    }
    words.map(|w| w.parse().ok()).collect()
}

/// Splits a trailing `# comment` (a `#` after a space, outside strings) off a line.
fn split_note(raw: &str) -> (&str, Option<&str>) {
    let b = raw.as_bytes();
    let mut in_string = false;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' if in_string => i += 1,
            b'"' => in_string = !in_string,
            b'#' if !in_string && i > 0 && b[i - 1].is_ascii_whitespace() => {
                return (&raw[..i], Some(raw[i + 1..].trim()));
            }
            _ => {}
        }
        i += 1;
    }
    (raw, None)
}

/// The result after ` = `.
fn ret_of(cx: Cx<'_>, outcome: &Outcome<'_>) -> Result<Ret, Error> {
    if let Some(name) = outcome.errno() {
        let errno = Errno::from_name(name).or_else(|| {
            let n: i32 = name.strip_prefix('E')?.parse().ok()?;
            Some(Errno::from_raw(n))
        });
        return errno.map(Ret::Error).ok_or_else(|| {
            cx.error(
                ErrorKind::UnknownSymbol,
                name,
                name,
                format!("unknown error name `{name}`"),
            )
        });
    }
    let Some(text) = outcome.value() else {
        return Ok(Ret::NoReturn);
    };
    outcome.int().map(Ret::Value).ok_or_else(|| {
        cx.error(
            ErrorKind::Value,
            text,
            text,
            format!("expected an integer result, found `{text}`"),
        )
    })
}

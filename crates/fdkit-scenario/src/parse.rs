//! Scenario text → [`Scenario`]: one item per line.

use crate::convert;
use crate::error::{Error, ErrorKind};
use crate::eval::Cx;
use crate::step::{Expected, Ret, Step, FIRST_PID};
use fdkit::Errno;
use fdkit_strace::{Event, Line, Outcome};

/// The longest line a scenario may have, in bytes: 4 MiB, room for the largest
/// `write` a scenario makes (1 MiB of data) written with escapes (`\x00`).
pub const MAX_LINE_BYTES: usize = 4 << 20;

/// How many bad lines [`Scenario::parse`] reports before it stops reading.
pub const MAX_ERRORS: usize = 20;

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
    /// Parses a scenario. Every line is read; all errors are returned, in line
    /// order, up to [`MAX_ERRORS`].
    ///
    /// # Errors
    /// One [`Error`] per bad line (the first problem on it); a line longer than
    /// [`MAX_LINE_BYTES`] is an [`ErrorKind::TooLong`] error. After
    /// [`MAX_ERRORS`] errors reading stops with an [`ErrorKind::TooManyErrors`]
    /// one, so garbage costs neither memory nor a screenful per line.
    pub fn parse(text: &str) -> Result<Scenario, Vec<Error>> {
        let mut items = Vec::new();
        let mut errors = Vec::new();
        let mut first_pid = None;
        for (i, raw) in text.lines().enumerate() {
            let line = i as u64 + 1;
            // `\r\n` endings, and any further `\r`s before them: a line printed
            // back ends in `\n` alone, so a kept `\r` would read as part of the
            // terminator next time.
            let raw = raw.trim_end_matches('\r');
            if errors.len() == MAX_ERRORS {
                errors.push(Error::new(
                    ErrorKind::TooManyErrors,
                    line,
                    1,
                    format!("more than {MAX_ERRORS} bad lines; stopped reading here"),
                ));
                break;
            }
            if raw.len() > MAX_LINE_BYTES {
                errors.push(Error::new(
                    ErrorKind::TooLong,
                    line,
                    MAX_LINE_BYTES + 1,
                    format!(
                        "the line is {} bytes long; a scenario line holds at most {MAX_LINE_BYTES}",
                        raw.len()
                    ),
                ));
                continue;
            }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::step::Out;
    use fdkit::syscall::Call;
    use fdkit::{ExitStatus, RLimit};

    #[track_caller]
    fn one(line: &str) -> Step {
        let s = Scenario::parse(line).unwrap_or_else(|e| panic!("parse({line:?}): got {e:?}"));
        let steps: Vec<&Step> = s.steps().collect();
        assert_eq!(steps.len(), 1, "parse({line:?})");
        steps[0].clone()
    }

    #[track_caller]
    fn error(text: &str) -> (ErrorKind, u64, usize, String) {
        let e = Scenario::parse(text).expect_err(text).remove(0);
        (e.kind(), e.line(), e.column(), e.message().to_string())
    }

    fn ret(r: Ret) -> Option<Expected> {
        Some(Expected {
            ret: Some(r),
            out: None,
        })
    }

    fn out(o: Out) -> Option<Expected> {
        Some(Expected {
            ret: None,
            out: Some(o),
        })
    }

    // ---- results ----------------------------------------------------------------

    #[test]
    fn results_are_optional() {
        assert_eq!(one("dup(3)").expected, None);
        assert_eq!(one("dup(3) = 4").expected, ret(Ret::Value(4)));
        assert_eq!(one("dup(3)=4").expected, ret(Ret::Value(4)));
        assert_eq!(
            one("dup(42) = -1 EBADF (Bad file descriptor)").expected,
            ret(Ret::Error(Errno::BADF))
        );
        assert_eq!(
            one("fcntl(3, F_GETFD) = 0x1 (flags FD_CLOEXEC)").expected,
            ret(Ret::Value(1))
        );
        assert_eq!(one("exit_group(0) = ?").expected, ret(Ret::NoReturn));
        assert_eq!(one("dup(3) = 4</tmp/a>").expected, ret(Ret::Value(4)));
        assert_eq!(
            one("dup(3) = -1 E4000 (Unknown error 4000)").expected,
            ret(Ret::Error(Errno::from_raw(4000)))
        );
    }

    #[test]
    fn output_arguments_are_expectations_when_written_with_values() {
        assert_eq!(one("pipe2([3, 4], 0)").expected, out(Out::Fds([3, 4])));
        assert_eq!(one("pipe2(0x7ffd2c0, 0)").expected, None);
        assert_eq!(
            one("pipe2(O_CLOEXEC)").call,
            Call::Pipe2 { flags: 0o2000000 }
        );
        assert_eq!(
            one("read(3, \"a\\n\"..., 10)").expected,
            out(Out::Data {
                bytes: b"a\n".to_vec(),
                truncated: true
            })
        );
        assert_eq!(one("read(3, 10)").call, Call::Read { fd: 3, count: 10 });
        assert_eq!(
            one("getrlimit(RLIMIT_NOFILE, {rlim_cur=1024, rlim_max=4*1024})").expected,
            out(Out::Limit(RLimit {
                cur: 1024,
                max: 4096
            }))
        );
        assert_eq!(
            one("wait4(101, [{WIFSIGNALED(s) && WTERMSIG(s) == SIGKILL}], 0, NULL)").expected,
            out(Out::Status(ExitStatus::Killed(9)))
        );
        assert_eq!(one("wait4(-1, NULL, WNOHANG, NULL)").expected, None);
        assert_eq!(
            one("fstat(3, {st_mode=S_IFREG|0644, st_size=9, ...})").expected,
            out(Out::Stat {
                mode: 0o100644,
                size: Some(9)
            })
        );
    }

    // ---- arguments --------------------------------------------------------------

    #[test]
    fn values_narrow_to_the_argument_type() {
        assert_eq!(
            one("close_range(3, ~0, CLOSE_RANGE_CLOEXEC|CLOSE_RANGE_UNSHARE)").call,
            Call::CloseRange {
                first: 3,
                last: u32::MAX,
                flags: 6
            }
        );
        assert_eq!(
            one("close_range(3, -1, 0)").call,
            one("close_range(3, 4294967295, 0)").call
        );
        assert_eq!(one("dup(-1)").call, Call::Dup { fd: -1 });
        assert_eq!(
            one("fcntl(3, F_DUPFD, -1)").call,
            Call::Fcntl {
                fd: 3,
                cmd: 0,
                arg: u64::MAX
            }
        );
        assert_eq!(
            one("socketpair(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC, 0, [3, 4])").call,
            Call::Socketpair {
                domain: 1,
                ty: 0o2000001,
                protocol: 0
            }
        );
        assert_eq!(
            one("ioctl(3, FIONBIO, [1])").call,
            Call::Ioctl {
                fd: 3,
                request: 0x5421,
                arg: 1
            }
        );
    }

    #[test]
    fn clone_takes_its_flags_by_name() {
        let flags = 0x400 | 17;
        assert_eq!(
            one("clone(child_stack=NULL, flags=CLONE_FILES|SIGCHLD) = 101").call,
            Call::Clone { flags }
        );
        assert_eq!(
            one("clone(CLONE_FILES|SIGCHLD)").call,
            Call::Clone { flags }
        );
        assert_eq!(
            one("clone3({flags=CLONE_FILES, exit_signal=SIGCHLD, stack=NULL}, 88)").call,
            Call::Clone { flags }
        );
        let s = one("execve(\"/bin/true\", [\"true\", \"-x\"], [])");
        assert_eq!(s.argv, ["true", "-x"]);
        assert_eq!(one("execve(\"/usr/bin/env\")").argv, ["env"]);
        assert_eq!(
            one("execve(\"/bin/true\", NULL, NULL)").argv,
            Vec::<String>::new()
        );
    }

    // ---- lines ------------------------------------------------------------------

    #[test]
    fn pids_default_to_the_first_process() {
        let s = Scenario::parse("dup(0)\n[pid 101] dup(0)\n101  dup(0)\n").unwrap();
        let pids: Vec<u32> = s.steps().map(|s| s.pid).collect();
        assert_eq!((s.first_pid, pids), (100, vec![100, 101, 101]));
        let s = Scenario::parse("# pasted\n4242  dup(0) = 3\ndup(3)\n").unwrap();
        let pids: Vec<u32> = s.steps().map(|s| s.pid).collect();
        assert_eq!((s.first_pid, pids), (4242, vec![4242, 4242]));
    }

    #[test]
    fn show_directives_comments_and_notes() {
        let s = Scenario::parse(
            "dup(0)  # the note\n# show\n# show 100 101\n# showing\n\n+++ exited with 0 +++\n",
        )
        .unwrap();
        let Item::Step(step) = &s.items[0] else {
            panic!("{:?}", s.items[0])
        };
        assert_eq!((step.note.as_deref(), step.show), (Some("the note"), true));
        assert_eq!(
            s.items[1],
            Item::Show {
                line: 2,
                pids: vec![]
            }
        );
        assert_eq!(
            s.items[2],
            Item::Show {
                line: 3,
                pids: vec![100, 101]
            }
        );
        assert!(matches!(&s.items[3], Item::Text { text, .. } if text == "# showing"));
        assert!(matches!(&s.items[5], Item::Text { line: 6, .. }));
        let s = one("write(1, \"a # b\", 5)");
        assert_eq!(s.note, None);
    }

    // ---- errors -----------------------------------------------------------------

    #[test]
    fn errors_name_line_column_and_text() {
        assert_eq!(
            error("dup(3)\nopenat(AT_FDCWD, \"/x\", O_RDWR|O_NOPE) = 3"),
            (
                ErrorKind::UnknownSymbol,
                2,
                31,
                "unknown constant `O_NOPE`".into()
            )
        );
        assert_eq!(error("[pid 7] dup(3, 4)").0, ErrorKind::Arity);
        assert_eq!(error("[pid 7] dup(3, 4)").2, 9);
        assert_eq!(error("mmap(NULL, 4096)").0, ErrorKind::UnknownCall);
        assert_eq!(
            error("dup(\"x\")"),
            (
                ErrorKind::Value,
                1,
                5,
                "expected a number or constant, found `\"x\"`".into()
            )
        );
        assert_eq!(error("dup(3) = abc").0, ErrorKind::Syntax);
        assert_eq!(error("read(3, ").0, ErrorKind::Syntax);
        assert_eq!(error("read(3,  <unfinished ...>").0, ErrorKind::Unsupported);
        assert_eq!(error("dup(3) = -1 ENOPE (x)").2, 13);
        assert_eq!(error("write(1, \"ab\", 3)").0, ErrorKind::Value);
        let e = Scenario::parse_bytes(b"dup(3)\ndup(\xff)").unwrap_err();
        assert_eq!(
            (e[0].kind(), e[0].line(), e[0].column()),
            (ErrorKind::Encoding, 2, 5)
        );
        assert_eq!(Scenario::parse("dup(\nclose(\n").unwrap_err().len(), 2);
    }
}

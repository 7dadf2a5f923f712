//! `fdkit diff SCENARIO...`: run each scenario on the model and on the host kernel
//! and print where they differ, call by call, side by side.
//!
//! Both sides run through the same [`Driver`] (so processes are named alike), the
//! host first: a step the host executor cannot run is reported and skipped on both
//! sides, which keeps them in step. The model is configured like the host
//! ([`Host::model_config`]: its `RLIMIT_NOFILE`, `fs.nr_open`, and privileged only
//! with `CAP_SYS_RESOURCE`). Results are judged exactly as the `fdkit-host`
//! differential test judges them ([`fdkit_host::result_difference`],
//! [`fdkit_host::table_difference`], [`fdkit_host::not_compared`]): pids as the
//! scenario's processes, and inode numbers, `pipe:[N]`/`socket:[N]`/`/dev/pts/N`
//! numbers and `stat` fields other than the file type and a regular file's size
//! are not differences; reads of the terminal run but are not compared. Tables
//! are compared after each `execve`, at each `# show`, and at the end. Unlike the
//! test, the diff goes on past a difference.
//!
//! # Human output (stdout)
//!
//! For each scenario with something to show, a header and one row per differing
//! step or table (`--all`: every step and table), marked `|` where the sides
//! differ and `~` where a result is not compared; then a summary line per
//! scenario, and a total when there are several:
//!
//! ```text
//! == examples/x.strace
//!  line  call                      model                             host
//!    14  dup2(3, 1024)             1024                            | -1 EBADF (Bad file descriptor)
//! # examples/x.strace: 20 steps: 20 compared, 1 differs; 4 tables compared, 0 differ
//! ```
//!
//! # JSON Lines (`--json`)
//!
//! `{"type", "data"}` objects: `row` for each row the human output shows (`file`,
//! `line`, `pid` (null for final tables), `call` (strace text, or what the table
//! is), `kind` (`"result"` or `"table"`), `model`, `host` (lists of lines),
//! `differ`, `compared`); `file` after each scenario and `summary` last, both with
//! `steps`, `compared`, `differ`, `tables`, `tables_differ`, `not_run` (steps the
//! host cannot run), `not_compared` (terminal reads); `summary` adds `files` and
//! `errors`.
//!
//! # Exit status
//!
//! 0: model and host agree on every scenario; 1: something differs; 2: a scenario
//! could not be read or parsed, a step could not run, or the host executor could
//! not start (wins over 1).

use crate::cli::Color;
use crate::host::{self, Driver, Host, Ran, Refusal};
use crate::run::{read_input, use_color};
use crate::Status;
use fdkit::syscall::Value;
use fdkit::Errno;
use fdkit_host::{not_compared, result_difference, table_difference, Backend, Model, ProcessRef};
use fdkit_scenario::{print, Item, Scenario, Step, StepError};
use serde::Serialize;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

/// Flags of `fdkit diff`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Scenario files (`-` for standard input), as `fdkit run` takes them; each
    /// runs on a fresh model and a fresh set of host processes.
    #[arg(required = true)]
    pub scenarios: Vec<PathBuf>,
    /// Show every step and table, not only those that differ.
    #[arg(long)]
    pub all: bool,
    /// Print JSON Lines (`{"type", "data"}` objects, the summary last) instead of
    /// text.
    #[arg(long)]
    pub json: bool,
}

/// Runs `fdkit diff`.
pub fn main(args: &Args, color: Color) -> anyhow::Result<Status> {
    let config = host::config(None)?;
    let mut out = Output {
        w: BufWriter::new(io::stdout().lock()),
        json: args.json,
        color: use_color(color, args.json),
        all: args.all,
    };
    let mut total = Tally::default();
    let (mut files, mut errors) = (0u64, 0u64);
    for path in &args.scenarios {
        files += 1;
        let (name, bytes) = match read_input(path) {
            Ok(input) => input,
            Err(e) => {
                out.w.flush()?;
                eprintln!("fdkit: {e:#}");
                errors += 1;
                continue;
            }
        };
        let scenario = match Scenario::parse_bytes(&bytes) {
            Ok(s) => s,
            Err(parse_errors) => {
                out.w.flush()?;
                for e in parse_errors {
                    eprintln!("fdkit: {name}:{e}");
                }
                errors += 1;
                continue;
            }
        };
        let tally = Diff::start(&name, &scenario, config.clone())?.run(&scenario, &mut out)?;
        out.file_summary(&name, &tally)?;
        errors += tally.errors;
        total.add(&tally);
    }
    total.errors = errors;
    out.summary(files, &total, args.scenarios.len() > 1)?;
    out.w.flush()?;
    Ok(if errors > 0 {
        Status::Errors
    } else if total.differ + total.tables_differ > 0 {
        Status::Findings
    } else {
        Status::Clean
    })
}

/// What a scenario's diff counted.
#[derive(Clone, Default, Debug, Serialize)]
struct Tally {
    steps: u64,
    compared: u64,
    differ: u64,
    tables: u64,
    tables_differ: u64,
    not_run: u64,
    not_compared: u64,
    #[serde(skip)]
    errors: u64,
}

impl Tally {
    fn add(&mut self, o: &Tally) {
        self.steps += o.steps;
        self.compared += o.compared;
        self.differ += o.differ;
        self.tables += o.tables;
        self.tables_differ += o.tables_differ;
        self.not_run += o.not_run;
        self.not_compared += o.not_compared;
        self.errors += o.errors;
    }
}

/// One row of output: a step, or a table.
#[derive(Serialize)]
struct Row<'a> {
    file: &'a str,
    line: u64,
    pid: Option<u32>,
    call: String,
    kind: &'static str,
    model: Vec<String>,
    host: Vec<String>,
    differ: bool,
    compared: bool,
}

/// One scenario on both sides.
struct Diff<'n> {
    name: &'n str,
    model: Driver<Model>,
    host: Driver<Host>,
    first_pid: u32,
    tally: Tally,
    rows: Vec<Row<'n>>,
    /// The host executor stopped answering.
    stopped: bool,
}

impl<'n> Diff<'n> {
    /// Starts a fresh host and a model configured like it.
    fn start(
        name: &'n str,
        scenario: &Scenario,
        config: fdkit_host::Config,
    ) -> anyhow::Result<Self> {
        let (block, call) = (config.block_timeout, config.call_timeout);
        let host = Host::start(config).map_err(host::start_error)?;
        let model = Model::new(host.model_config())
            .map_err(|e| anyhow::anyhow!("cannot start the model: {e}"))?
            .with_timeouts(block, call);
        let first = scenario.first_pid;
        let (model, host) = match (Driver::new(model, first), Driver::new(host, first)) {
            (Ok(m), Ok(h)) => (m, h),
            (Err(e), _) | (_, Err(e)) => {
                let line = scenario.steps().next().map_or(1, |s| s.line);
                anyhow::bail!("{name}:{line}:1: {e}");
            }
        };
        Ok(Diff {
            name,
            model,
            host,
            first_pid: first,
            tally: Tally::default(),
            rows: Vec::new(),
            stopped: false,
        })
    }

    /// Runs every item, then compares the final tables; prints the rows.
    fn run(mut self, scenario: &Scenario, out: &mut Output<impl Write>) -> io::Result<Tally> {
        for item in &scenario.items {
            match item {
                Item::Step(_) if self.stopped => {
                    self.tally.steps += 1;
                    self.tally.errors += 1;
                }
                Item::Step(step) => self.step(step, out)?,
                Item::Show { line, pids } if !self.stopped => {
                    self.show(*line, pids);
                }
                _ => {}
            }
        }
        if !self.stopped {
            self.final_tables();
        }
        out.rows(self.name, &self.rows)?;
        Ok(self.tally)
    }

    fn report(
        &mut self,
        out: &mut Output<impl Write>,
        line: u64,
        refusal: &Refusal,
    ) -> io::Result<()> {
        out.w.flush()?;
        eprintln!("fdkit: {}:{line}:1: {refusal}", self.name);
        self.tally.errors += 1;
        if !refusal.recoverable() {
            self.stopped = true;
            eprintln!(
                "fdkit: {}: stopped at line {line}: the host executor no longer answers",
                self.name
            );
        }
        Ok(())
    }

    fn step(&mut self, step: &Step, out: &mut Output<impl Write>) -> io::Result<()> {
        self.tally.steps += 1;
        let skip = self.model.caller(step.pid).ok().and_then(|p| {
            let probe = fdkit_host::Step::new(p, step.call.clone());
            not_compared(&probe, self.model.backend_mut())
        });
        let h = self.host.run(step);
        if let Err(refusal @ Refusal::Host(_)) = &h {
            self.tally.not_run += 1;
            return self.report(out, step.line, refusal);
        }
        let m = self.model.run(step);
        if let Err(refusal @ Refusal::Host(_)) = &m {
            return self.report(out, step.line, refusal);
        }
        // The scenario's own mistake (no such process, a pid in use), the same on
        // both sides: an error, as `fdkit run` reports it.
        if let (Err(refusal @ Refusal::Step(a)), Err(Refusal::Step(b))) = (&m, &h) {
            if a == b && !matches!(a, StepError::WouldBlock(_)) {
                return self.report(out, step.line, refusal);
            }
        }
        self.record(step, &m, &h, skip.is_none());
        Ok(())
    }

    /// Compares what the two sides gave for `step` (`compared`: unless it is a
    /// read of the terminal) and records the rows.
    fn record(
        &mut self,
        step: &Step,
        m: &Result<Ran, Refusal>,
        h: &Result<Ran, Refusal>,
        compared: bool,
    ) {
        let differ = match (m, h) {
            _ if !compared => false,
            (Ok(m), Ok(h)) => result_difference(
                &step.call,
                &m.outcome.result,
                self.model.backend(),
                &h.outcome.result,
                self.host.backend(),
            )
            .is_some(),
            (Err(Refusal::Step(a)), Err(Refusal::Step(b))) => a != b,
            _ => true,
        };
        if compared {
            self.tally.compared += 1;
            self.tally.differ += u64::from(differ);
        } else {
            self.tally.not_compared += 1;
        }
        let prefix = (step.pid != self.first_pid).then(|| print::pid_prefix(step.pid));
        let call = format!(
            "{}{}",
            prefix.unwrap_or_default(),
            print::call_text(&step.call, &step.argv, None)
        );
        self.rows.push(Row {
            file: self.name,
            line: step.line,
            pid: Some(step.pid),
            call,
            kind: "result",
            model: vec![side_text(step, m)],
            host: vec![side_text(step, h)],
            differ,
            compared,
        });
        if let (Ok(m), Ok(h)) = (m, h) {
            if m.outcome.table.is_some() || h.outcome.table.is_some() {
                let what = format!("table of {} after {}", step.pid, step.call.name());
                self.table_row(
                    step.line,
                    Some(step.pid),
                    what,
                    &m.outcome.table,
                    &h.outcome.table,
                );
            }
        }
    }

    /// Compares the tables of `pids` (every live process if empty) at a `# show`.
    fn show(&mut self, line: u64, pids: &[u32]) {
        let live: Vec<(ProcessRef, u32)> = self
            .host
            .processes()
            .iter()
            .enumerate()
            .filter(|(_, p)| p.state == host::State::Alive)
            .filter(|(_, p)| pids.is_empty() || pids.contains(&p.pid))
            .map(|(i, p)| (ProcessRef(i as u32), p.pid))
            .collect();
        for (p, pid) in live {
            self.compare_tables(line, p, pid, format!("table of {pid} at # show"));
        }
    }

    /// Compares every process's table at the end, as `fdkit_host::diff` does.
    fn final_tables(&mut self) {
        let created = self
            .model
            .backend()
            .created()
            .max(self.host.backend().created());
        let line = self.rows.last().map_or(0, |r| r.line);
        for index in 0..created {
            let p = ProcessRef(index);
            let pid = self.host.processes().get(p.index()).map_or(0, |q| q.pid);
            self.compare_tables(line, p, pid, format!("final table of {pid}"));
        }
    }

    fn compare_tables(&mut self, line: u64, p: ProcessRef, pid: u32, what: String) {
        let model = self.model.backend_mut().table(p).unwrap_or(None);
        let host = self.host.backend_mut().table(p).unwrap_or(None);
        if model.is_none() && host.is_none() {
            return;
        }
        self.table_row(line, Some(pid), what, &model, &host);
    }

    fn table_row(
        &mut self,
        line: u64,
        pid: Option<u32>,
        what: String,
        model: &Option<fdkit_host::Table>,
        host: &Option<fdkit_host::Table>,
    ) {
        self.tally.tables += 1;
        let (model, host, differ) = match table_difference(model, host) {
            Some((m, h)) => (lines(&m), lines(&h), true),
            None => {
                let n = model.as_ref().map_or(0, |t| t.fds.len());
                let same = format!("{n} descriptors, the same");
                (vec![same.clone()], vec![same], false)
            }
        };
        self.tally.tables_differ += u64::from(differ);
        self.rows.push(Row {
            file: self.name,
            line,
            pid,
            call: what,
            kind: "table",
            model,
            host,
            differ,
            compared: true,
        });
    }
}

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_string).collect()
}

/// One side's result as strace prints it after ` = `, with what the call filled
/// in; or why the step did not run.
fn side_text(step: &Step, ran: &Result<Ran, Refusal>) -> String {
    match ran {
        Ok(r) => result_text(step, &r.result),
        Err(Refusal::Step(StepError::WouldBlock(_))) => "(would block)".to_string(),
        Err(Refusal::Step(StepError::NoProcess(pid))) => format!("(no process {pid})"),
        Err(Refusal::Step(StepError::PidInUse(pid))) => format!("(pid {pid} in use)"),
        Err(e) => format!("({e})"),
    }
}

fn result_text(step: &Step, result: &Result<Value, Errno>) -> String {
    let shown = step.shown(result);
    let mut text = shown
        .ret
        .map(|r| print::ret(&step.call, r).to_string())
        .unwrap_or_default();
    if let Some(o) = &shown.out {
        text.push(' ');
        text.push_str(&print::out(o).to_string());
    }
    text
}

const RED: &str = "\x1b[1;31m";
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

/// The widest a call or model cell is padded to; longer ones push the rest right.
const CALL_WIDTH: usize = 44;
const MODEL_WIDTH: usize = 36;

struct Output<W: Write> {
    w: W,
    json: bool,
    color: bool,
    all: bool,
}

#[derive(Serialize)]
#[serde(tag = "type", content = "data", rename_all = "lowercase")]
enum Message<'a> {
    Row(&'a Row<'a>),
    File(FileData<'a>),
    Summary(SummaryData<'a>),
}

#[derive(Serialize)]
struct FileData<'a> {
    file: &'a str,
    #[serde(flatten)]
    tally: &'a Tally,
}

#[derive(Serialize)]
struct SummaryData<'a> {
    files: u64,
    #[serde(flatten)]
    tally: &'a Tally,
    errors: u64,
}

impl<W: Write> Output<W> {
    fn emit(&mut self, m: &Message<'_>) -> io::Result<()> {
        serde_json::to_writer(&mut self.w, m)?;
        writeln!(self.w)
    }

    fn rows(&mut self, name: &str, rows: &[Row<'_>]) -> io::Result<()> {
        let shown: Vec<&Row<'_>> = rows.iter().filter(|r| self.all || r.differ).collect();
        if self.json {
            return shown.iter().try_for_each(|r| self.emit(&Message::Row(r)));
        }
        if shown.is_empty() {
            return Ok(());
        }
        let width =
            |cells: &mut dyn Iterator<Item = usize>, cap: usize| cells.max().unwrap_or(0).min(cap);
        let cw = width(&mut shown.iter().map(|r| r.call.len()), CALL_WIDTH).max(4);
        let mw = width(
            &mut shown.iter().flat_map(|r| r.model.iter().map(String::len)),
            MODEL_WIDTH,
        )
        .max(5);
        writeln!(self.w, "== {name}")?;
        let header = format!(" line  {:<cw$}  {:<mw$}    host", "call", "model");
        self.styled(DIM, &header)?;
        for row in shown {
            self.row(row, cw, mw)?;
        }
        Ok(())
    }

    fn row(&mut self, row: &Row<'_>, cw: usize, mw: usize) -> io::Result<()> {
        let mark = |m: &str, h: &str| match (row.compared, row.differ && m != h) {
            (false, _) => '~',
            (true, true) => '|',
            (true, false) => ' ',
        };
        let n = row.model.len().max(row.host.len());
        let empty = String::new();
        if row.kind == "table" && (n > 1 || row.differ) {
            // The table's name on a line of its own, then its descriptors.
            let text = format!("{:>5}  {}", row.line, row.call);
            self.styled(if row.differ { RED } else { "" }, &text)?;
            // Within a table the sides line up, however long its lines.
            let mw = row.model.iter().map(String::len).fold(mw, usize::max);
            for i in 0..n {
                let (m, h) = (
                    row.model.get(i).unwrap_or(&empty),
                    row.host.get(i).unwrap_or(&empty),
                );
                let text = format!("{:>5}  {:<cw$}  {m:<mw$}  {} {h}", "", "", mark(m, h));
                self.styled(if m != h { RED } else { "" }, text.trim_end())?;
            }
            return Ok(());
        }
        let (m, h) = (
            row.model.first().unwrap_or(&empty),
            row.host.first().unwrap_or(&empty),
        );
        let mark = if row.differ { '|' } else { mark(m, h) };
        let style = if row.differ { RED } else { "" };
        let line = row.line.to_string();
        let (line, call) = if row.call.len() > cw {
            // A long call on a line of its own, the results under it.
            self.styled(style, &format!("{line:>5}  {}", row.call))?;
            ("", "")
        } else {
            (line.as_str(), row.call.as_str())
        };
        let text = format!("{line:>5}  {call:<cw$}  {m:<mw$}  {mark} {h}");
        self.styled(style, text.trim_end())
    }

    fn file_summary(&mut self, name: &str, t: &Tally) -> io::Result<()> {
        if self.json {
            return self.emit(&Message::File(FileData {
                file: name,
                tally: t,
            }));
        }
        let text = format!("# {name}: {}", tally_text(t));
        self.styled(
            if t.differ + t.tables_differ + t.errors > 0 {
                RED
            } else {
                DIM
            },
            &text,
        )
    }

    fn summary(&mut self, files: u64, t: &Tally, several: bool) -> io::Result<()> {
        if self.json {
            let data = SummaryData {
                files,
                tally: t,
                errors: t.errors,
            };
            return self.emit(&Message::Summary(data));
        }
        if !several {
            return Ok(());
        }
        let text = format!("# {files} scenarios: {}", tally_text(t));
        self.styled(
            if t.differ + t.tables_differ + t.errors > 0 {
                RED
            } else {
                DIM
            },
            &text,
        )
    }

    fn styled(&mut self, style: &str, text: &str) -> io::Result<()> {
        if self.color && !style.is_empty() {
            writeln!(self.w, "{style}{text}{RESET}")
        } else {
            writeln!(self.w, "{text}")
        }
    }
}

/// `13 steps: 13 compared, 0 differ; 3 tables compared, 0 differ`, with the steps
/// not run or not compared when there are any.
fn tally_text(t: &Tally) -> String {
    let verb = |n: u64| if n == 1 { "differs" } else { "differ" };
    let mut text = format!(
        "{} {}: {} compared, {} {}; {} {} compared, {} {}",
        t.steps,
        if t.steps == 1 { "step" } else { "steps" },
        t.compared,
        t.differ,
        verb(t.differ),
        t.tables,
        if t.tables == 1 { "table" } else { "tables" },
        t.tables_differ,
        verb(t.tables_differ),
    );
    if t.not_compared > 0 {
        text.push_str(&format!(
            ", {} not compared (terminal input)",
            t.not_compared
        ));
    }
    if t.not_run > 0 {
        text.push_str(&format!(", {} not run on the host", t.not_run));
    }
    if t.errors > t.not_run {
        text.push_str(&format!(", {} could not run", t.errors - t.not_run));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(
        line: u64,
        call: &str,
        kind: &'static str,
        model: &[&str],
        host: &[&str],
    ) -> Row<'static> {
        Row {
            file: "s.strace",
            line,
            pid: Some(100),
            call: call.to_string(),
            kind,
            model: model.iter().map(|s| s.to_string()).collect(),
            host: host.iter().map(|s| s.to_string()).collect(),
            differ: model != host,
            compared: true,
        }
    }

    fn shown(rows: &[Row<'_>], all: bool) -> String {
        let mut out = Output {
            w: Vec::new(),
            json: false,
            color: false,
            all,
        };
        out.rows("s.strace", rows).unwrap();
        String::from_utf8(out.w).unwrap()
    }

    #[test]
    fn rows_line_up_and_mark_what_differs() {
        let rows = [
            row(3, "dup(3)", "result", &["4"], &["4"]),
            row(
                4,
                "dup2(3, 1024)",
                "result",
                &["1024"],
                &["-1 EBADF (Bad file descriptor)"],
            ),
            row(
                9,
                "table of 101 after execve",
                "table",
                &[
                    "0 -> /dev/pts/* [O_RDWR|O_LARGEFILE, lseek ESPIPE]",
                    "3 -> /tmp/a [O_RDWR, pos 0]",
                ],
                &["0 -> /dev/pts/* [O_RDWR|O_LARGEFILE, lseek ESPIPE]"],
            ),
        ];
        assert_eq!(
            shown(&rows, false),
            "== s.strace\n \
             line  call                       model                                   host\n    \
                4  dup2(3, 1024)              1024                                  | -1 EBADF (Bad file descriptor)\n    \
                9  table of 101 after execve\n                                  \
             0 -> /dev/pts/* [O_RDWR|O_LARGEFILE, lseek ESPIPE]    0 -> /dev/pts/* [O_RDWR|O_LARGEFILE, lseek ESPIPE]\n                                  \
             3 -> /tmp/a [O_RDWR, pos 0]                         |\n"
        );
        let all = shown(&rows, true);
        assert!(
            all.contains("\n    3  dup(3)                     4"),
            "{all}"
        );
        assert_eq!(shown(&rows[..1], false), "", "nothing differs: no rows");
    }

    #[test]
    fn a_long_call_gets_a_line_of_its_own() {
        let call = format!("openat(AT_FDCWD, \"{}\", O_RDONLY)", "/tmp/x".repeat(8));
        let text = shown(&[row(2, &call, "result", &["3"], &["4"])], false);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[2], format!("    2  {call}"));
        assert_eq!(
            lines[3].split_whitespace().collect::<Vec<_>>(),
            ["3", "|", "4"]
        );
    }

    #[test]
    fn tallies_read_as_sentences() {
        let t = Tally {
            steps: 5,
            compared: 4,
            differ: 1,
            tables: 1,
            tables_differ: 0,
            not_run: 1,
            not_compared: 0,
            errors: 2,
        };
        assert_eq!(
            tally_text(&t),
            "5 steps: 4 compared, 1 differs; 1 table compared, 0 differ, 1 not run on the host, 1 could not run"
        );
    }
}

//! `fdkit run SCENARIO`: run a scenario written in strace syntax in the model, or
//! with `--host` on the real kernel.
//!
//! Output is itself a scenario: each call as strace prints it, with the result the
//! model (or the kernel) gave; a written result that differs is followed by a
//! `# ^ ...` line; tables and the summary are `#` comments. Feeding the output back
//! in gives the same output and exit 0.
//!
//! Both runs print through the same code ([`Executor`] is the only difference), so
//! `fdkit run S` and `fdkit run --host S` compare line by line: pids are the
//! scenario's in both ([`crate::host`] maps the kernel's), and only what the
//! kernel really numbers differently (`pipe:[N]`, `/dev/pts/N`) or really does
//! differently can differ. `fdkit diff` does that comparison.

mod json;

use crate::cli::Color;
use crate::host::{self, tables::Descriptions, Driver, Host, Refusal};
use crate::Status;
use fdkit::syscall::{Call, Value};
use fdkit::{CloneFlags, Errno};
use fdkit_scenario::{print, tables, Item, Mismatch, Model, Scenario, Step, Table};
use std::io::{self, BufWriter, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

/// Flags of `fdkit run`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The scenario file (`-` for standard input): strace lines written by hand,
    /// results optional (`dup(3) = 4` is checked, `dup(3)` is not), `# show` to
    /// print every process's descriptor table.
    pub scenario: PathBuf,
    /// Print every process's descriptor table after each call.
    #[arg(long)]
    pub tables: bool,
    /// Print JSON Lines instead: `{"type":"step"|"tables"|"summary","data":{...}}`,
    /// one object per call, the summary last.
    #[arg(long, conflicts_with_all = ["dot", "svg"])]
    pub json: bool,
    /// Print the three-table picture (at each `# show` and at the end) as
    /// Graphviz DOT instead of text.
    #[arg(long, conflicts_with = "svg")]
    pub dot: bool,
    /// Print the three-table picture (at each `# show` and at the end) as SVG
    /// instead of text.
    #[arg(long)]
    pub svg: bool,
    /// Run on the real kernel instead of the model: each scenario process a real
    /// process (fork and exec for real), started with exactly 0, 1, 2 open on a
    /// fresh terminal, RLIMIT_NOFILE 1024/4096, absolute paths mapped into a
    /// private scratch directory removed afterwards (Linux only). The processes
    /// run `fdkit` itself in a hidden helper mode (or the `fdkit-host-helper` at
    /// $FDKIT_HOST_HELPER).
    #[arg(long)]
    pub host: bool,
    /// With `--host`: run the host's processes under `strace -f -o FILE`, so the
    /// run can be replayed with `fdkit check FILE`.
    #[arg(long, value_name = "FILE", requires = "host")]
    pub strace: Option<PathBuf>,
}

/// What runs a scenario's steps: the model, or the host kernel (`--host`).
pub(crate) trait Executor {
    /// Runs `step`; the result with pids as the scenario names them.
    fn run(&mut self, step: &Step) -> Result<Result<Value, Errno>, Refusal>;
    /// Every process's table now, in pid order.
    fn tables(&mut self) -> Vec<Table>;
}

impl Executor for Model {
    fn run(&mut self, step: &Step) -> Result<Result<Value, Errno>, Refusal> {
        Model::run(self, step).map_err(Refusal::Step)
    }

    fn tables(&mut self) -> Vec<Table> {
        Model::tables(self)
    }
}

/// The host kernel as an [`Executor`]; it follows description identities for
/// tables only when some are shown.
struct HostExecutor {
    driver: Driver<Host>,
    descriptions: Option<Descriptions>,
}

impl Executor for HostExecutor {
    fn run(&mut self, step: &Step) -> Result<Result<Value, Errno>, Refusal> {
        let ran = self.driver.run(step);
        if let Some(d) = &mut self.descriptions {
            let caller = match &ran {
                Ok(r) => Some(r.process),
                Err(_) => self.driver.caller(step.pid).ok(),
            };
            let moved = caller.and_then(|p| Descriptions::moved(p, &step.call));
            d.refresh(&self.driver, moved);
        }
        ran.map(|r| r.result)
    }

    fn tables(&mut self) -> Vec<Table> {
        let d = match &mut self.descriptions {
            Some(d) => d,
            None => {
                // Not followed from the start: identities from now on.
                let mut d = Descriptions::default();
                d.refresh(&self.driver, None);
                self.descriptions.insert(d)
            }
        };
        d.tables(&mut self.driver)
    }
}

/// Runs `fdkit run`.
pub fn main(args: &Args, color: Color) -> anyhow::Result<Status> {
    let (name, bytes) = read_input(&args.scenario)?;
    let scenario = match Scenario::parse_bytes(&bytes) {
        Ok(s) => s,
        Err(errors) => {
            if let Some((first, call)) = recorded_log(&errors) {
                // One line, not twenty: the file is not a scenario at all.
                eprintln!(
                    "fdkit: {name}:{}:{}: `{call}` is not a call scenarios model, nor are \
                     others here: this looks like a recorded `strace -f` log; replay it \
                     with `fdkit check {name}`",
                    first.line(),
                    first.column()
                );
                return Ok(Status::Errors);
            }
            for e in errors {
                eprintln!("fdkit: {name}:{e}");
            }
            return Ok(Status::Errors);
        }
    };
    let draw = crate::draw::Format::from_flags(args.dot, args.svg);
    let Some(executor) = executor(args, &scenario, &name, draw.is_some())? else {
        return Ok(Status::Errors);
    };
    let mut run = Run {
        name,
        tables: args.tables,
        json: args.json,
        color: use_color(color, args.json),
        first_pid: scenario.first_pid,
        on_host: args.host,
        stopped: false,
        exec: executor,
        out: BufWriter::new(match draw {
            Some(_) => Box::new(io::sink()) as Box<dyn Write>,
            None => Box::new(io::stdout().lock()),
        }),
        panels: draw.map(|_| Vec::new()),
        counts: Counts {
            processes: 1,
            ..Counts::default()
        },
    };
    for item in &scenario.items {
        run.item(item)?;
    }
    run.summary()?;
    run.out.flush()?;
    if let Some(format) = draw {
        let last = scenario.steps().last().map_or(0, |s| s.line);
        run.draw(&format!("{}: after line {last}", run.name), &[]);
        let panels = run.panels.unwrap_or_default();
        let picture = fdkit_draw::Picture { panels };
        io::stdout()
            .lock()
            .write_all(format.render(&picture).as_bytes())?;
    }
    Ok(if run.counts.errors > 0 {
        Status::Errors
    } else if run.counts.differ > 0 {
        Status::Findings
    } else {
        Status::Clean
    })
}

/// Whether parse errors say the input is a recorded `strace -f` log rather than
/// a scenario: at least three lines call real system calls (in fdkit's catalogue)
/// that scenarios do not model (`brk`, `mmap`, `access` ... which every recorded
/// program makes). Returns the first such error and its call.
fn recorded_log(errors: &[fdkit_scenario::Error]) -> Option<(&fdkit_scenario::Error, String)> {
    let real_call = |e: &fdkit_scenario::Error| -> Option<String> {
        if e.kind() != fdkit_scenario::ErrorKind::UnknownCall {
            return None;
        }
        let name = e.message().strip_prefix('`')?.split('`').next()?;
        fdkit::catalog::lookup(name).map(|_| name.to_owned())
    };
    let mut calls = errors.iter().filter_map(|e| Some((e, real_call(e)?)));
    let first = calls.next()?;
    (calls.count() >= 2).then_some(first)
}

/// The model, or with `--host` the host kernel, ready for `scenario`; `None`
/// (after saying why) when the scenario's first pid cannot be a pid.
fn executor(
    args: &Args,
    scenario: &Scenario,
    name: &str,
    drawn: bool,
) -> anyhow::Result<Option<Box<dyn Executor>>> {
    let refused = |e: fdkit_scenario::StepError| {
        let line = scenario.steps().next().map_or(1, |s| s.line);
        eprintln!("fdkit: {name}:{line}:1: {e}");
        None
    };
    if !args.host {
        return Ok(Model::new(scenario.first_pid)
            .map_or_else(refused, |m| Some(Box::new(m) as Box<dyn Executor>)));
    }
    let shows = scenario
        .items
        .iter()
        .any(|i| matches!(i, Item::Show { .. }));
    let host = Host::start(host::config(args.strace.as_deref())?).map_err(host::start_error)?;
    Ok(match Driver::new(host, scenario.first_pid) {
        Ok(driver) => Some(Box::new(HostExecutor {
            driver,
            descriptions: (args.tables || shows || drawn).then(Descriptions::default),
        })),
        Err(e) => refused(e),
    })
}

/// The largest scenario `fdkit run` reads, in bytes. Scenarios are written by
/// hand; the bound keeps memory bounded for any input (`/dev/zero`, an endless
/// pipe, a log given to the wrong subcommand).
pub const MAX_SCENARIO_BYTES: u64 = 16 << 20;

/// The scenario's bytes, and the name to report it by.
pub(crate) fn read_input(path: &Path) -> anyhow::Result<(String, Vec<u8>)> {
    let (name, reader): (String, Box<dyn Read>) = if path == Path::new("-") {
        ("<stdin>".to_string(), Box::new(io::stdin().lock()))
    } else {
        let name = path.display().to_string();
        let file = std::fs::File::open(path).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
        (name, Box::new(file))
    };
    let mut bytes = Vec::new();
    reader
        .take(MAX_SCENARIO_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
    if bytes.len() as u64 > MAX_SCENARIO_BYTES {
        anyhow::bail!(
            "{name}: larger than {} MiB; a scenario is written by hand (replay a recorded log with `fdkit check`)",
            MAX_SCENARIO_BYTES >> 20
        );
    }
    Ok((name, bytes))
}

/// `--color`: `auto` colours a terminal unless `NO_COLOR` is set or `TERM=dumb`;
/// never for `--json`.
pub(crate) fn use_color(color: Color, json: bool) -> bool {
    if json {
        return false;
    }
    match color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => {
            io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").map_or(true, |v| v.is_empty())
                && std::env::var_os("TERM").map_or(true, |t| t != "dumb")
        }
    }
}

/// What the summary line counts.
#[derive(Default)]
struct Counts {
    /// Calls in the scenario.
    calls: u64,
    /// Processes that existed: the first, and each one a call created.
    processes: u64,
    /// Calls with a written result.
    checked: u64,
    /// Calls whose written result differs.
    differ: u64,
    /// Calls that could not run.
    errors: u64,
}

struct Run<W: Write> {
    name: String,
    tables: bool,
    json: bool,
    color: bool,
    first_pid: u32,
    /// `--host`: the summary says so.
    on_host: bool,
    /// The host executor stopped answering: later steps are not run.
    stopped: bool,
    exec: Box<dyn Executor>,
    out: W,
    counts: Counts,
    /// `--dot`/`--svg`: a picture per `# show`, and one at the end.
    panels: Option<Vec<fdkit_draw::Panel>>,
}

/// Whether `call` makes a new process (`Some(false)`: a thread; `None`: neither).
fn creates_process(call: &Call) -> Option<bool> {
    match call {
        Call::Fork | Call::Vfork => Some(true),
        Call::Clone { flags } => Some(flags & CloneFlags::THREAD.bits() == 0),
        _ => None,
    }
}

/// What one step gave.
struct Done<'s> {
    step: &'s Step,
    result: Result<Value, Errno>,
    text: String,
    mismatch: Option<Mismatch>,
}

const RED: &str = "\x1b[1;31m";
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

impl<W: Write> Run<W> {
    fn item(&mut self, item: &Item) -> io::Result<()> {
        match item {
            Item::Text { text, .. } if !self.json => self.styled(DIM, text),
            Item::Text { .. } => Ok(()),
            Item::Show { line, pids } => {
                self.draw(&format!("{}: line {line}: # show", self.name), pids);
                self.show(*line, pids)
            }
            Item::Step(step) => {
                let Some(done) = self.step(step)? else {
                    return Ok(());
                };
                if self.json {
                    json::step(&mut self.out, &done)?;
                } else {
                    self.human(&done)?;
                }
                if self.tables {
                    self.show(step.line, &[])?;
                }
                Ok(())
            }
        }
    }

    /// Runs one step; `None` (after reporting it) if it could not run.
    fn step<'s>(&mut self, step: &'s Step) -> io::Result<Option<Done<'s>>> {
        self.counts.calls += 1;
        if self.stopped {
            self.counts.errors += 1;
            return Ok(None);
        }
        let result = match self.exec.run(step) {
            Ok(r) => r,
            Err(e) => {
                self.counts.errors += 1;
                self.out.flush()?;
                eprintln!("fdkit: {}:{}:1: {e}", self.name, step.line);
                if !e.recoverable() {
                    self.stopped = true;
                    eprintln!(
                        "fdkit: {}: stopped at line {}: the host executor no longer answers",
                        self.name, step.line
                    );
                }
                return Ok(None);
            }
        };
        if let (Ok(Value::Int(_)), Some(true)) = (&result, creates_process(&step.call)) {
            self.counts.processes += 1;
        }
        let mismatch = step.expected.as_ref().and_then(|e| {
            self.counts.checked += 1;
            e.check(&step.call, &result)
        });
        if mismatch.is_some() {
            self.counts.differ += 1;
        }
        // The first call names the first process unless it is the default one,
        // so the output read back runs as the same pids.
        let named = self.counts.calls == 1 && self.first_pid != fdkit_scenario::FIRST_PID;
        let prefix = if step.pid == self.first_pid && !named {
            String::new()
        } else {
            print::pid_prefix(step.pid)
        };
        let shown = step.shown(&result);
        let text = print::line(&prefix, &step.call, &step.argv, Some(&shown));
        Ok(Some(Done {
            step,
            result,
            text,
            mismatch,
        }))
    }

    fn human(&mut self, done: &Done<'_>) -> io::Result<()> {
        let line = print::with_note(done.text.clone(), done.step.note.as_deref());
        writeln!(self.out, "{line}")?;
        if let Some(m) = &done.mismatch {
            let marker = format!("# ^ differs from line {}: {m}", done.step.line);
            self.styled(RED, &marker)?;
        }
        Ok(())
    }

    /// Adds a picture of the tables of `pids` (of every process if empty).
    fn draw(&mut self, title: &str, pids: &[u32]) {
        if self.panels.is_none() {
            return;
        }
        let mut tables = self.exec.tables();
        tables.retain(|t| pids.is_empty() || pids.contains(&t.pid));
        let panel = crate::draw::scenario_panel(title, &tables);
        if let Some(panels) = &mut self.panels {
            panels.push(panel);
        }
    }

    /// Prints the tables of `pids` (of every process if empty).
    fn show(&mut self, line: u64, pids: &[u32]) -> io::Result<()> {
        if self.stopped {
            return Ok(());
        }
        let mut tables = self.exec.tables();
        if !pids.is_empty() {
            tables.retain(|t| pids.contains(&t.pid));
        }
        if self.json {
            return json::tables(&mut self.out, line, &tables);
        }
        for l in tables::render(&tables).lines() {
            self.styled(DIM, l)?;
        }
        Ok(())
    }

    fn summary(&mut self) -> io::Result<()> {
        let c = &self.counts;
        if self.json {
            return json::summary(&mut self.out, c);
        }
        let plural =
            |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let mut text = format!(
            "# {} in {}{}: {} checked, {} agree, {} differ",
            plural(c.calls, "call", "calls"),
            plural(c.processes, "process", "processes"),
            if self.on_host {
                " on the host kernel"
            } else {
                ""
            },
            c.checked,
            c.checked - c.differ,
            c.differ
        );
        if c.errors > 0 {
            text.push_str(&format!(", {} could not run", c.errors));
        }
        let style = if c.differ + c.errors > 0 { RED } else { DIM };
        self.styled(style, &text)
    }

    fn styled(&mut self, style: &str, text: &str) -> io::Result<()> {
        if self.color {
            writeln!(self.out, "{style}{text}{RESET}")
        } else {
            writeln!(self.out, "{text}")
        }
    }
}

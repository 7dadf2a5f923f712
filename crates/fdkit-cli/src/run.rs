//! `fdkit run SCENARIO`: run a scenario written in strace syntax in the model.
//!
//! Output is itself a scenario: each call as strace prints it, with the result the
//! model gave; a written result that differs is followed by a `# ^ ...` line;
//! tables and the summary are `#` comments. Feeding the output back in gives the
//! same output and exit 0.

mod json;

use crate::cli::Color;
use crate::Status;
use fdkit::syscall::{Call, Value};
use fdkit::{CloneFlags, Errno};
use fdkit_scenario::{print, tables, Item, Mismatch, Model, Scenario, Step};
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
}

/// Runs `fdkit run`.
pub fn main(args: &Args, color: Color) -> anyhow::Result<Status> {
    let (name, bytes) = read_input(&args.scenario)?;
    let scenario = match Scenario::parse_bytes(&bytes) {
        Ok(s) => s,
        Err(errors) => {
            for e in errors {
                eprintln!("fdkit: {name}:{e}");
            }
            return Ok(Status::Errors);
        }
    };
    let model = match Model::new(scenario.first_pid) {
        Ok(m) => m,
        Err(e) => {
            let line = scenario.steps().next().map_or(1, |s| s.line);
            eprintln!("fdkit: {name}:{line}:1: {e}");
            return Ok(Status::Errors);
        }
    };
    let draw = crate::draw::Format::from_flags(args.dot, args.svg);
    let mut run = Run {
        name,
        tables: args.tables,
        json: args.json,
        color: use_color(color, args.json),
        first_pid: scenario.first_pid,
        model,
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

/// The largest scenario `fdkit run` reads, in bytes. Scenarios are written by
/// hand; the bound keeps memory bounded for any input (`/dev/zero`, an endless
/// pipe, a log given to the wrong subcommand).
pub const MAX_SCENARIO_BYTES: u64 = 16 << 20;

/// The scenario's bytes, and the name to report it by.
fn read_input(path: &Path) -> anyhow::Result<(String, Vec<u8>)> {
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
fn use_color(color: Color, json: bool) -> bool {
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
    model: Model,
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
        let result = match self.model.run(step) {
            Ok(r) => r,
            Err(e) => {
                self.counts.errors += 1;
                self.out.flush()?;
                eprintln!("fdkit: {}:{}:1: {e}", self.name, step.line);
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
        let mut tables = self.model.tables();
        tables.retain(|t| pids.is_empty() || pids.contains(&t.pid));
        let panel = crate::draw::scenario_panel(title, &tables);
        if let Some(panels) = &mut self.panels {
            panels.push(panel);
        }
    }

    /// Prints the tables of `pids` (of every process if empty).
    fn show(&mut self, line: u64, pids: &[u32]) -> io::Result<()> {
        let mut tables = self.model.tables();
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
            "# {} in {}: {} checked, {} agree, {} differ",
            plural(c.calls, "call", "calls"),
            plural(c.processes, "process", "processes"),
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

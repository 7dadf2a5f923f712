//! `fdkit run --json`: JSON Lines, one `{"type": ..., "data": {...}}` object per line.
//!
//! | type | data |
//! |---|---|
//! | `step` | `line`, `pid`, `call` (strace text without the result), `text` (the whole strace line), `return` (integer or null), `errno` (`"EBADF"` or null), `expected` (the written result as strace text, or null), `expected_output` (a written output argument: `"[3, 4]"`, or null), `match` (true, false, or null when nothing was written), `mismatch` (`{"expected", "got"}` or null) |
//! | `tables` | `line`, `processes`: `[{"pid", "state": "open"\|"shared"\|"exited", "shared_with", "exit", "fds": [{"fd", "mode", "link", "ofd", "flags", "pos", "cloexec"}]}]` |
//! | `summary` | `calls`, `processes`, `checked`, `agree`, `differ`, `errors`; always last |
//!
//! Text is strace's, so bytes that are not UTF-8 appear as its `\ooo` escapes.

use super::{Counts, Done};
use fdkit::ExitStatus;
use fdkit_scenario::{print, Ret, Table, TableState};
use serde::Serialize;
use std::io::{self, Write};

#[derive(Serialize)]
#[serde(tag = "type", content = "data", rename_all = "lowercase")]
enum Message<'a> {
    Step(StepData<'a>),
    Tables(TablesData<'a>),
    Summary(SummaryData),
}

#[derive(Serialize)]
struct StepData<'a> {
    line: u64,
    pid: u32,
    call: String,
    text: &'a str,
    #[serde(rename = "return")]
    ret: Option<i64>,
    errno: Option<&'static str>,
    expected: Option<String>,
    expected_output: Option<String>,
    #[serde(rename = "match")]
    matches: Option<bool>,
    mismatch: Option<MismatchData<'a>>,
}

#[derive(Serialize)]
struct MismatchData<'a> {
    expected: &'a str,
    got: &'a str,
}

#[derive(Serialize)]
struct TablesData<'a> {
    line: u64,
    processes: Vec<ProcessData<'a>>,
}

#[derive(Serialize)]
struct ProcessData<'a> {
    pid: u32,
    state: &'static str,
    shared_with: Option<u32>,
    exit: Option<String>,
    fds: Vec<FdData<'a>>,
}

#[derive(Serialize)]
struct FdData<'a> {
    fd: u32,
    mode: &'static str,
    link: &'a str,
    ofd: &'a str,
    flags: String,
    pos: Option<u64>,
    cloexec: bool,
}

#[derive(Serialize)]
struct SummaryData {
    calls: u64,
    processes: u64,
    checked: u64,
    agree: u64,
    differ: u64,
    errors: u64,
}

fn emit(out: &mut impl Write, m: &Message<'_>) -> io::Result<()> {
    serde_json::to_writer(&mut *out, m)?;
    writeln!(out)
}

pub(super) fn step(out: &mut impl Write, done: &Done<'_>) -> io::Result<()> {
    let step = done.step;
    let shown = step.shown(&done.result);
    let (ret, errno) = match &done.result {
        Ok(v) if shown.ret != Some(Ret::NoReturn) => (Some(v.ret()), None),
        Ok(_) => (None, None),
        Err(e) => (Some(-1), e.name()),
    };
    let expected = step.expected.as_ref();
    let data = StepData {
        line: step.line,
        pid: step.pid,
        call: print::call_text(&step.call, &step.argv, shown.out.as_ref()),
        text: &done.text,
        ret,
        errno,
        expected: expected
            .and_then(|e| e.ret)
            .map(|r| print::ret(&step.call, r).to_string()),
        expected_output: expected
            .and_then(|e| e.out.as_ref())
            .map(|o| print::out(o).to_string()),
        matches: expected.map(|_| done.mismatch.is_none()),
        mismatch: done.mismatch.as_ref().map(|m| MismatchData {
            expected: &m.expected,
            got: &m.got,
        }),
    };
    emit(out, &Message::Step(data))
}

pub(super) fn tables(out: &mut impl Write, line: u64, tables: &[Table]) -> io::Result<()> {
    let processes = tables
        .iter()
        .map(|t| {
            let (state, shared_with, exit, fds) = match &t.state {
                TableState::Open(entries) => ("open", None, None, entries.iter().map(fd).collect()),
                TableState::SharedWith(owner) => ("shared", Some(*owner), None, Vec::new()),
                TableState::Exited(status) => {
                    ("exited", None, Some(exit_text(*status)), Vec::new())
                }
            };
            ProcessData {
                pid: t.pid,
                state,
                shared_with,
                exit,
                fds,
            }
        })
        .collect();
    emit(out, &Message::Tables(TablesData { line, processes }))
}

fn fd(e: &fdkit_scenario::Entry) -> FdData<'_> {
    FdData {
        fd: e.fd,
        mode: e.mode,
        link: &e.link,
        ofd: &e.ofd,
        flags: print::open_flags(e.flags),
        pos: e.pos,
        cloexec: e.cloexec,
    }
}

fn exit_text(status: ExitStatus) -> String {
    match status {
        ExitStatus::Exited(n) => format!("exited with {n}"),
        ExitStatus::Killed(sig) => format!("killed by signal {sig}"),
    }
}

pub(super) fn summary(out: &mut impl Write, c: &Counts) -> io::Result<()> {
    let data = SummaryData {
        calls: c.calls,
        processes: c.processes,
        checked: c.checked,
        agree: c.checked - c.differ,
        differ: c.differ,
        errors: c.errors,
    };
    emit(out, &Message::Summary(data))
}

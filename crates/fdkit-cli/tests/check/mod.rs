//! `fdkit check`: every recorded fixture replays clean (with the summaries of a
//! golden file), a single altered result is
//! reported at its line and only there, bad input exits 2 with one clear line per
//! problem, `--json` deserializes, and freshly recorded logs replay clean too.

mod errors;
mod fixtures;
mod golden;
mod json;
mod live;
mod mutation;
mod threads;

use serde::Deserialize;

use crate::support::{run, Run};

// The types below spell out the `--json` schema: deserializing checks that every
// field is there with its type, even where a test reads only some of them.

/// One `--json` record.
#[derive(Debug, Deserialize)]
#[allow(dead_code)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum Record {
    Divergence(Divergence),
    Inference(Inference),
    Undecided(Undecided),
    Summary(Summary),
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
pub struct TableFd {
    pub fd: u32,
    pub mode: String,
    pub link: String,
    pub cloexec: bool,
    pub description: u64,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
pub struct Divergence {
    pub line: u64,
    pub entered: u64,
    pub pid: Option<u32>,
    pub syscall: String,
    pub call: String,
    pub what: String,
    pub expected: String,
    pub predicted: String,
    pub table: Vec<TableFd>,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
pub struct Inference {
    pub line: u64,
    pub pid: Option<u32>,
    pub fact: String,
    pub fd: Option<u32>,
    pub value: Option<u64>,
    pub text: String,
    pub evidence: String,
    pub confirmed_by: Option<u64>,
    #[serde(default)]
    pub unconfirmed: bool,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
pub struct Undecided {
    pub line: u64,
    pub pid: Option<u32>,
    pub call: String,
    pub reason: String,
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub calls: u64,
    pub processes: u64,
    pub agree: u64,
    pub differ: u64,
    pub undecided: u64,
    pub reordered: u64,
    pub bounded: u64,
    pub inferred: u64,
    pub errors: u64,
}

/// `fdkit check --json ARGS...`, every line deserialized; the summary must be
/// the last record and the only one.
#[track_caller]
pub fn check_json(args: &[&str]) -> (Run, Vec<Record>, Summary) {
    let mut all = vec!["check", "--json"];
    all.extend_from_slice(args);
    let r = run(&all);
    let records: Vec<Record> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect();
    let summaries = records
        .iter()
        .filter(|r| matches!(r, Record::Summary(_)))
        .count();
    assert_eq!(summaries, 1, "one summary: {}", r.stdout);
    let Some(Record::Summary(s)) = records.last() else {
        panic!("summary not last: {}", r.stdout)
    };
    let s = *s;
    (r, records, s)
}

/// The divergences of a JSON run.
pub fn divergences(records: &[Record]) -> Vec<&Divergence> {
    records
        .iter()
        .filter_map(|r| match r {
            Record::Divergence(d) => Some(d),
            _ => None,
        })
        .collect()
}

//! The parser harness shared by the `strace` fuzz target
//! (`fuzz/fuzz_targets/strace.rs`) and the bounded property test `fuzz.rs`: any
//! bytes go through [`Lines`], [`Line::parse`], every argument's [`Value::parse`]
//! and the [`Joiner`], and:
//!
//! - nothing panics;
//! - printing is a fixed point: a parsed line prints as text that parses again and
//!   prints the same, and so does every argument's value;
//! - the joiner holds at most one pending call per pid (plus one without a pid).

#![allow(dead_code)]

use fdkit_strace::{Event, Joiner, Line, Lines, Record, Value};
use std::collections::BTreeSet;

/// Runs the whole property on `data`.
///
/// # Panics
/// When a property breaks.
pub fn run(data: &[u8]) {
    if let Err(e) = try_run(data) {
        panic!("{e}");
    }
}

/// As [`run`], returning the property broken.
pub fn try_run(data: &[u8]) -> Result<(), String> {
    let mut joiner = Joiner::new();
    let mut pids = BTreeSet::new();
    for item in Lines::new(data) {
        let Ok((number, line)) = item else {
            continue;
        };
        check_line(&line)?;
        pids.insert(line.pid());
        let records = match joiner.push(number, line) {
            Ok(r) => r,
            Err(_) => continue,
        };
        for record in records {
            if let Record::Call(call) = record {
                let text = call.to_string();
                for arg in call.args().iter() {
                    check_value(arg.text(), arg.value())?;
                }
                let _ = Line::parse(&text);
            }
        }
        if joiner.pending() > pids.len() {
            return Err(format!(
                "{} calls pending for {} pids",
                joiner.pending(),
                pids.len()
            ));
        }
    }
    let _ = joiner.finish();
    if joiner.pending() != 0 {
        return Err("finish left calls pending".into());
    }
    // The raw input as one line and as one value, too (not split at newlines).
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(line) = Line::parse(text) {
            check_line(&line)?;
        }
        check_value(text, Value::parse(text))?;
    }
    Ok(())
}

/// A parsed line prints as text that parses and prints the same; its arguments'
/// values do too.
fn check_line(line: &Line<'_>) -> Result<(), String> {
    let printed = line.to_string();
    let again = Line::parse(&printed)
        .map_err(|e| format!("printed line does not parse: {printed:?}: {e}"))?;
    let reprinted = again.to_string();
    if reprinted != printed {
        return Err(format!(
            "printing is not a fixed point:\n first {printed:?}\nsecond {reprinted:?}"
        ));
    }
    let _ = (line.pid(), line.time(), line.relative(), line.comm());
    if let Event::Call { args, outcome, .. } | Event::Resumed { args, outcome, .. } = line.event() {
        let _ = (outcome.int(), outcome.errno(), outcome.parsed_value());
        for arg in args.iter() {
            let _ = (arg.int(), arg.decoration(), arg.name());
            check_value(arg.text(), arg.value())?;
        }
    }
    if let Event::Unfinished { args, .. } = line.event() {
        for arg in args.iter() {
            let _ = (arg.int(), arg.decoration());
            let _ = arg.value();
        }
    }
    Ok(())
}

/// A parsed value prints as text that parses back to an equal value.
fn check_value(text: &str, parsed: Result<Value<'_>, fdkit_strace::Error>) -> Result<(), String> {
    let Ok(value) = parsed else {
        return Ok(());
    };
    let printed = value.to_string();
    let again = Value::parse(&printed)
        .map_err(|e| format!("value {text:?} printed as {printed:?}, which does not parse: {e}"))?;
    if again.to_string() != printed {
        return Err(format!(
            "value {text:?}: printing is not a fixed point: {printed:?} then {:?}",
            again.to_string()
        ));
    }
    let _ = value.as_int();
    Ok(())
}

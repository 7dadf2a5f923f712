//! The scenario harness shared by the `scenario` fuzz target
//! (`fuzz/fuzz_targets/scenario.rs`) and the bounded property test `fuzz.rs`: what
//! `fdkit run` does with a file, on any bytes:
//!
//! - parsing never panics; a scenario that parses prints as text that parses back
//!   to the same scenario;
//! - its steps run on a [`Model`] without panicking or blocking, the tables can be
//!   listed after each;
//! - each step as `fdkit run` prints it (with the model's result) parses again as a
//!   scenario line, so `fdkit run`'s output can be fed back in.

#![allow(dead_code)]

use fdkit_scenario::{print, Model, Scenario};

/// At most this many steps are run per input.
pub const MAX_STEPS: usize = 200;

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
    let Ok(scenario) = Scenario::parse_bytes(data) else {
        return Ok(());
    };
    let printed = scenario.to_string();
    match Scenario::parse(&printed) {
        Ok(again) if again == scenario => {}
        Ok(again) => {
            return Err(format!(
                "printed scenario parses differently:\n{printed}\nwas {scenario:#?}\nnow {again:#?}"
            ))
        }
        Err(e) => {
            return Err(format!(
                "printed scenario does not parse:\n{printed}\n{}",
                e[0]
            ))
        }
    }
    let Ok(mut model) = Model::new(scenario.first_pid) else {
        return Ok(());
    };
    let mut output = String::new();
    for step in scenario.steps().take(MAX_STEPS) {
        let Ok(result) = model.run(step) else {
            continue;
        };
        let _ = model.tables();
        // As `fdkit run` prints: the first call names a first process other
        // than the default.
        let named = output.is_empty() && scenario.first_pid != fdkit_scenario::FIRST_PID;
        let prefix = if step.pid == scenario.first_pid && !named {
            String::new()
        } else {
            print::pid_prefix(step.pid)
        };
        let shown = step.shown(&result);
        let line = print::line(&prefix, &step.call, &step.argv, Some(&shown));
        if let Some(expected) = &step.expected {
            let _ = expected.check(&step.call, &result);
        }
        output.push_str(&line);
        output.push('\n');
    }
    if let Err(e) = Scenario::parse(&output) {
        return Err(format!(
            "fdkit run's output does not parse back:\n{output}\n{}",
            e[0]
        ));
    }
    Ok(())
}

//! What `fdkit run` does with a file: parse a scenario, print it back, run its
//! steps on the model. Properties: crates/fdkit-scenario/tests/harness.
#![no_main]

#[path = "../../crates/fdkit-scenario/tests/harness/mod.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::run(data));

//! The strace parser on arbitrary bytes: `Lines`, `Line::parse`, `Value::parse` on
//! every argument, the `Joiner`. Properties: crates/fdkit-strace/tests/harness.
#![no_main]

#[path = "../../crates/fdkit-strace/tests/harness/mod.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::run(data));

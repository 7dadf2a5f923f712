//! Arbitrary call sequences with arbitrary integer arguments on a System with
//! several processes and threads, invariants checked after every call.
//! Properties: crates/fdkit/tests/harness.
#![no_main]

#[path = "../../crates/fdkit/tests/harness/mod.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::run(data));

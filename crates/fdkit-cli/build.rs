//! Declares the `has_*` cfgs its tests' `ignore` attributes use: which external
//! tools are usable here (see `build-support/tools.rs`).

#[path = "../../build-support/tools.rs"]
mod tools;

use tools::Need;

fn main() {
    tools::probe(&[
        Need::HostExecutor,
        Need::Strace,
        Need::Program("gcc"),
        Need::Program("make"),
        Need::Program("python3"),
        Need::Chromium,
    ]);
}

//! Declares the `has_*` cfgs its test's `ignore` attribute uses: whether the
//! tests' Python interpreter (`$FDKIT_PYTHON`, else `python3`) has pytest (see
//! `build-support/tools.rs`).

#[path = "../../build-support/tools.rs"]
mod tools;

use tools::Need;

fn main() {
    tools::probe(&[Need::PythonModule("pytest")]);
}

//! Generates the C header `fdkit.h` from `src/lib.rs` with cbindgen, into
//! `OUT_DIR` (the test `header.rs` checks that the committed copy,
//! `include/fdkit.h`, is identical), and declares the `has_*` cfg the C test's
//! `ignore` attribute uses (`build-support/tools.rs`).

#[path = "../../build-support/tools.rs"]
mod tools;

use std::env;
use std::path::PathBuf;

fn main() {
    tools::probe(&[tools::Need::Program("gcc")]);
    let dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    // The C test compiles for the same target, with the cc crate's compiler detection.
    for var in ["TARGET", "HOST"] {
        let value = env::var(var).expect("cargo sets TARGET and HOST");
        println!("cargo:rustc-env=FDKIT_C_{var}={value}");
    }
    println!("cargo:rerun-if-changed=src/lib.rs");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    let config = cbindgen::Config::from_file(dir.join("cbindgen.toml"))
        .expect("crates/fdkit-c/cbindgen.toml is readable and valid");
    cbindgen::Builder::new()
        .with_config(config)
        .with_src(dir.join("src/lib.rs"))
        .generate()
        .expect("cbindgen parses src/lib.rs")
        .write_to_file(out.join("fdkit.h"));
}

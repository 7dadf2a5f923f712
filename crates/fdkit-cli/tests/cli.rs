//! Integration tests of the `fdkit` binary: one test binary, a module per
//! subcommand, a temporary directory per test that writes files.

mod support;

mod check;
mod host;

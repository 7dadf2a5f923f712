//! `fdkit run SCENARIO`: run a scenario written in strace syntax in the model.

use crate::cli::Color;
use crate::Status;

/// Flags of `fdkit run`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The scenario file (`-` for standard input).
    pub scenario: std::path::PathBuf,
}

/// Runs `fdkit run`.
pub fn main(args: &Args, _color: Color) -> anyhow::Result<Status> {
    anyhow::bail!("{}: fdkit run is not built yet", args.scenario.display())
}

//! `fdkit check LOG`: replay a recorded strace log against the model.

use crate::cli::Color;
use crate::Status;

/// Flags of `fdkit check`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The log (`-` for standard input).
    pub log: std::path::PathBuf,
}

/// Runs `fdkit check`.
pub fn main(args: &Args, _color: Color) -> anyhow::Result<Status> {
    anyhow::bail!("{}: fdkit check is not built yet", args.log.display())
}

//! The catalogue of system calls: for every call fdkit knows (and every `fcntl` and
//! `ioctl` command with descriptor semantics), one entry that says what the call *is*
//! to a descriptor table — its names, its arguments and their kinds, what it creates,
//! and the complete set of errnos Linux can return from it.
//!
//! Everything else derives from this module: the replay's classification and its
//! errno checks, the scenario and host printers' flag names.
//!
//! - [`flagset`]: every flag and command name, spelled once, with its value.

pub mod flagset;

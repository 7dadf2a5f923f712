//! # fdkit-bench: fdkit against the host kernel, in the same run
//!
//! Each benchmark does one piece of descriptor work — a `dup`+`close` pair, a `dup2`
//! that replaces, an `F_GETFD`, an `F_DUPFD` whose only free slot is far away, a
//! `fork` of a 10⁵-descriptor table, a `close_range` over a 2²⁰-slot table — on up
//! to five sides ([`Side`]): fdkit's [`FdTable`](fdkit::FdTable) as an embedder holds
//! it, fdkit's thread-safe [`System`](fdkit::System)/[`Task`](fdkit::Task) surface,
//! the host kernel with real system calls, and two baseline tables a peer would write
//! first ([`baseline`]). Ratios compare numbers taken in the same process, minutes
//! apart, so machine noise moves both sides.
//!
//! The `replay_dense` rows measure `fdkit check` itself ([`Side::Replay`]) on a dense
//! `strace -f` log ([`dense_log`]), in ns per byte of log, against `wc -l` over the
//! same bytes; their goal is the issue's 300 MB/s.
//!
//! The same timers ([`sample::Timer`], criterion's `iter_custom` contract) serve
//! `cargo bench -p fdkit-bench` and [`run_suite`], which a CLI prints or writes as
//! JSON. `BENCHMARKS.md` at the repository root holds the results and what limits
//! each figure.
//!
//! ## JSON: one [`Measurement`] per object
//!
//! | key | type | meaning |
//! |---|---|---|
//! | `id` | string | `<bench>/<side>`: `dup_close/table`, `fork/system`, `memory/empty` ... stable across versions |
//! | `what` | string | one iteration's work, in words |
//! | `unit` | `"ns_per_op"` \| `"bytes"` \| `"bytes_per_fd"` \| `"ns_per_byte"` | unit of `model`, `host` and `baselines`; `ns_per_byte` (replay rows: ns per byte of log) is 1000 / MB/s |
//! | `model` | number \| null | fdkit's median (null for host-only rows such as `syscall_floor/host`) |
//! | `host` | number \| null | the host kernel's median for the same work (null where the host has no counterpart) |
//! | `ratio` | number \| null | `host / model`: how many times faster fdkit is |
//! | `target` | object \| null | the issue's goal: `{"ratio_at_least": 20}`, `{"at_most": 100}` (in `unit`: `replay_dense/2`'s 300 MB/s is `{"at_most": 3.333…}` ns per byte) or `{"scaling_at_most": 1.25}` (against `scaling`) |
//! | `met` | bool \| null | whether `target` holds for this run |
//! | `baselines` | object | `{"vec_scan": n, "btree_free": n}`, same unit, for the benches that have them |
//! | `params` | object | sizes used: `fds`, `min`, `hole`, `host_fds`, `capacity`, `threads`, replay rows' `log_bytes`, `log_lines`, `iterations`, `replay_threads` ... |
//! | `model_spread`, `host_spread` | number \| null | `(max − min) / median` over the samples: noise |
//! | `scaling` | number \| null | thread rows at N > 1 threads: the median over pairs of runs taken back to back on the same fixture with the same iteration count — each of the N threads alone, then all N at once — of the largest over the threads of (release → its end, at once) / (its time alone); with threads of equal speed, (wall time on N threads) / (wall time on 1). For `lookup_threads/2/system`: 2 threads sharing a table against each with a table of its own, alone. 1.0 is perfect scaling; N threads on fewer cores read about N / cores. 1-thread rows: 1.0. Null when no pair gave a ratio (a zero reading) |
//! | `scaling_spread` | number \| null | `(max − min) / median` of those pairs' ratios |
//! | `scaling_own` | number \| null | the same pairs' median ratio of each thread's own start-to-end time (mean over the threads) instead of the wall time: without the threads' start lag and the wait for the slowest |
//! | `scaling_same_table` | number \| null | `system` rows of `lookup_threads/N`: `scaling` of the same pairs with the threads alone being the N threads sharing the table (the others idle), taken alternately with this row's pairs: what the threads running at once cost, without the shared table's own read path (the rest of `scaling` over this) |
//! | `scaling_unshared` | number \| null | `system` rows of `lookup_threads/N`: `scaling` of the same pairs on N single-thread processes sharing nothing (`lookup_threads_private/N`), taken alternately with this row's pairs: what the machine's cores cost anyway. `met` judges `scaling` alone |
//!
//! Timing figures are medians of [`Sampling::samples`] samples, each running the
//! operation long enough to last [`Sampling::sample_time`]; a thread row at N > 1
//! threads takes [`Sampling::pairs`] pairs instead ([`sample::measure_pairs`]) and
//! reports the median of their N-thread halves.
//!
//! ## Use from a CLI
//!
//! ```no_run
//! use fdkit_bench::{benches, suite, Params, Sampling};
//!
//! // Everything, quickly (about 10 s here):
//! let rows = fdkit_bench::run_suite(true)?;
//! // Or a subset, with progress on stderr:
//! let params = Params::default();
//! let chosen: Vec<_> = benches(&params)
//!     .into_iter()
//!     .filter(|b| b.id.starts_with("dup"))
//!     .collect();
//! let rows = suite::run(&chosen, &params, Sampling::QUICK, &mut |id| eprintln!("{id}"))?;
//! for m in &rows {
//!     println!("{}", serde_json::to_string(m).unwrap());
//! }
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! `examples/suite.rs` is such a runner (Markdown table or JSON Lines), and
//! `scripts/medians.py` takes the median of several of its JSON runs.
//!
//! ## Side effects on the calling process
//!
//! The host side runs in the calling process: [`run_suite`] raises its soft
//! `RLIMIT_NOFILE` (to 2²⁰ when it may), opens up to 10⁶ descriptors at a time and
//! closes exactly those again, forks children that exit at once, and leaves the
//! process's kernel table grown to 2²⁰ slots. Call it from a single thread (the
//! `fork` bench needs no other thread running).

#![deny(unsafe_code)]
#![deny(missing_docs)]

pub mod baseline;
mod cases;
pub mod dense_log;
pub mod host;
mod memory;
pub mod model;
pub mod sample;
pub mod suite;
mod workers;

pub use memory::measurements as memory;
pub use sample::{Sampling, Stats};
pub use suite::{benches, Bench, Params, Reference, Side};

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Unit of a measurement's figures.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Nanoseconds per operation (per iteration of `what`).
    NsPerOp,
    /// Bytes.
    Bytes,
    /// Bytes per open descriptor.
    BytesPerFd,
    /// Nanoseconds per byte of input (a replay's throughput: [`mb_per_s`] turns it
    /// into MB/s).
    NsPerByte,
}

/// MB/s (10⁶ bytes a second) at `ns_per_byte` nanoseconds a byte: `1000 / ns_per_byte`.
pub fn mb_per_s(ns_per_byte: f64) -> f64 {
    1000.0 / ns_per_byte
}

/// Nanoseconds a byte at `mb_per_s` MB/s (10⁶ bytes a second): `1000 / mb_per_s`,
/// the inverse of [`mb_per_s`].
pub fn ns_per_byte(mb_per_s: f64) -> f64 {
    1000.0 / mb_per_s
}

/// A goal from the issue.
#[derive(Clone, Copy, PartialEq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// `host / model` must be at least this.
    RatioAtLeast(f64),
    /// `model` must be at most this (in the measurement's unit).
    AtMost(f64),
    /// `model` must be at most this many times the same bench's 1-thread figure
    /// ([`Measurement::scaling`]): a thread bench's goal.
    ScalingAtMost(f64),
}

/// One row of results: fdkit and the host doing the same work. See the
/// [crate documentation](crate) for the JSON keys.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct Measurement {
    /// `<bench>/<side>`.
    pub id: String,
    /// One iteration's work.
    pub what: String,
    /// Unit of `model`, `host` and `baselines`.
    pub unit: Unit,
    /// fdkit's median.
    pub model: Option<f64>,
    /// The host kernel's median.
    pub host: Option<f64>,
    /// `host / model`.
    pub ratio: Option<f64>,
    /// The issue's goal.
    pub target: Option<Target>,
    /// Whether `target` holds.
    pub met: Option<bool>,
    /// Baseline tables' medians, by [`Side::name`].
    pub baselines: BTreeMap<String, f64>,
    /// Sizes used.
    pub params: BTreeMap<String, u64>,
    /// `(max − min) / median` of fdkit's samples.
    pub model_spread: Option<f64>,
    /// `(max − min) / median` of the host's samples.
    pub host_spread: Option<f64>,
    /// Thread benches: N threads against 1, the median ratio of the row's pairs
    /// ([`sample::Scaling::median`]; 1.0 for a 1-thread row).
    #[serde(default)]
    pub scaling: Option<f64>,
    /// `(max − min) / median` of the pairs' ratios ([`sample::Scaling::spread`]).
    #[serde(default)]
    pub scaling_spread: Option<f64>,
    /// The pairs' median ratio of each thread's own time ([`sample::Scaling::own`]).
    #[serde(default)]
    pub scaling_own: Option<f64>,
    /// `scaling` with the 1-thread half on one of the threads sharing the table,
    /// measured alternately with this row's pairs ([`Reference::SameTable`]).
    #[serde(default)]
    pub scaling_same_table: Option<f64>,
    /// `scaling` of N processes sharing nothing, measured alternately with this row's
    /// pairs ([`Reference::Unshared`]).
    #[serde(default)]
    pub scaling_unshared: Option<f64>,
}

impl Measurement {
    /// An empty row in ns/op.
    pub fn new(id: impl Into<String>, what: impl Into<String>) -> Measurement {
        Measurement {
            id: id.into(),
            what: what.into(),
            unit: Unit::NsPerOp,
            model: None,
            host: None,
            ratio: None,
            target: None,
            met: None,
            baselines: BTreeMap::new(),
            params: BTreeMap::new(),
            model_spread: None,
            host_spread: None,
            scaling: None,
            scaling_spread: None,
            scaling_own: None,
            scaling_same_table: None,
            scaling_unshared: None,
        }
    }

    /// Sets `target` and computes `ratio` and `met` from `model` and `host`.
    pub fn set_target(&mut self, target: Option<Target>) {
        self.ratio = match (self.model, self.host) {
            (Some(m), Some(h)) if m > 0.0 => Some(h / m),
            _ => None,
        };
        self.target = target;
        self.met = match (target, self.model, self.ratio) {
            (Some(Target::RatioAtLeast(r)), _, Some(ratio)) => Some(ratio >= r),
            (Some(Target::AtMost(limit)), Some(m), _) => Some(m <= limit),
            (Some(Target::ScalingAtMost(limit)), _, _) => self.scaling.map(|s| s <= limit),
            _ => None,
        };
    }

    /// Sets [`Measurement::scaling`] to `model` over `one_thread`'s (the same bench's
    /// row at 1 thread, measured apart), and `met` for a [`Target::ScalingAtMost`].
    pub fn set_scaling(&mut self, one_thread: &Measurement) {
        self.scaling = match (self.model, one_thread.model) {
            (Some(m), Some(one)) if one > 0.0 => Some(m / one),
            _ => None,
        };
        self.set_target(self.target);
    }
}

impl Measurement {
    /// The scaling figures in words, for a text table: `1.04x, spread 0.12`, then for
    /// a row with them `; same table 1.01x` ([`Measurement::scaling_same_table`]) and
    /// `; sharing nothing 1.02x` ([`Measurement::scaling_unshared`]), and
    /// where the row has a [`Target::ScalingAtMost`] whether that figure is within the
    /// goal (`: within`, `: over`, or `: over too` when `scaling` is over as well) — so
    /// a missed goal says whether the machine missed it without any sharing. `None`
    /// without `scaling`.
    pub fn scaling_summary(&self) -> Option<String> {
        let scaling = self.scaling?;
        let mut out = format!("{scaling:.2}x");
        if let Some(spread) = self.scaling_spread {
            out += &format!(", spread {spread:.2}");
        }
        if let Some(same) = self.scaling_same_table {
            out += &format!("; same table {same:.2}x");
        }
        if let Some(unshared) = self.scaling_unshared {
            out += &format!("; sharing nothing {unshared:.2}x");
            if let Some(Target::ScalingAtMost(limit)) = self.target {
                out += match (unshared <= limit, scaling <= limit) {
                    (true, _) => ": within",
                    (false, true) => ": over",
                    (false, false) => ": over too",
                };
            }
        }
        Some(out)
    }
}

/// Runs every benchmark and returns its measurements: `quick` samples for about a
/// second per bench ([`Sampling::QUICK`], [`Params::quick`]), otherwise
/// [`Sampling::FULL`] at [`Params::default`].
///
/// # Errors
/// A host system call that the fixtures need failed (for example `fork`, or opening
/// `/dev/null`).
pub fn run_suite(quick: bool) -> std::io::Result<Vec<Measurement>> {
    let sampling = if quick {
        Sampling::QUICK
    } else {
        Sampling::FULL
    };
    let params = if quick {
        Params::quick()
    } else {
        Params::default()
    };
    suite::run(&benches(&params), &params, sampling, &mut |_| {})
}

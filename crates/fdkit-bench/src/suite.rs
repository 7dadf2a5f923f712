//! The benchmark registry and how a run becomes [`Measurement`]s.
//!
//! A [`Bench`] is one piece of work done by up to six [`Side`]s: the model through
//! [`fdkit::FdTable`] (with `Arc` and with handle entries) and through the
//! [`fdkit::System`] syscall surface, the host kernel, and the two baseline tables
//! (or, for the replay rows, fdkit's `strace` replay and the host's `wc -l`). Each side is set up lazily, measured and
//! dropped before the next, so only one fixture (and one host table) exists at a time
//! — with its reference fixtures for the `system` side of a thread bench
//! ([`Bench::references`]).

use crate::cases;
use crate::sample::{measure, measure_pairs, Sampling, Stats, ThreadTimer, Threads, Timer};
use crate::{Measurement, Target, Unit};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::rc::Rc;

/// Who does the work.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// fdkit's `FdTable` as an embedder holds it (`&mut`, no lock), with
    /// `Arc<OpenFileDescription>` entries as the `System` stores (each copy and drop of
    /// an entry is an atomic reference-count operation).
    Table,
    /// The same `FdTable` with `u32` handle entries (an embedder keeping descriptions
    /// in its own slab): the table's own cost, without reference counting.
    TableHandle,
    /// fdkit's thread-safe `System`/`Task` surface (locks, limits, liveness).
    System,
    /// fdkit's replay of a `strace -f` log (`fdkit check`): every line parsed and
    /// its call run against the model's tables.
    Replay,
    /// The host kernel, with real system calls.
    Host,
    /// Baseline: `Vec<Option<_>>`, lowest free by linear scan.
    VecScan,
    /// Baseline: `Vec<Option<_>>` plus a `BTreeSet` of free numbers.
    BtreeFree,
}

impl Side {
    /// The name used in criterion ids and JSON (`table`, `table_handle`, `system`,
    /// `replay`, `host`, `vec_scan`, `btree_free`).
    pub fn name(self) -> &'static str {
        match self {
            Side::Table => "table",
            Side::TableHandle => "table_handle",
            Side::System => "system",
            Side::Replay => "replay",
            Side::Host => "host",
            Side::VecScan => "vec_scan",
            Side::BtreeFree => "btree_free",
        }
    }
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Builds a side's fixture and returns its timer.
pub type Setup = Box<dyn Fn() -> io::Result<Timer>>;

/// Builds a thread bench's fixture and returns its [`ThreadTimer`].
pub type ThreadSetup = Rc<dyn Fn() -> io::Result<ThreadTimer>>;

/// One benchmark: the same work, done by several sides.
pub struct Bench {
    /// Stable id, e.g. `dup_close` or `exec_sweep/100000`.
    pub id: String,
    /// What one iteration does.
    pub what: String,
    /// Sizes and positions used (`fds`, `min`, `host_fds` ...).
    pub params: BTreeMap<String, u64>,
    /// Goal for the `table` and `table_handle` sides, if the issue sets one.
    pub table_target: Option<Target>,
    /// Goal for the `system` and `replay` sides, if the issue sets one.
    pub system_target: Option<Target>,
    /// Unit of the rows' figures: [`Unit::NsPerOp`] unless [`Bench::per_iteration`]
    /// counts something else (bytes of log for [`Unit::NsPerByte`]).
    pub unit: Unit,
    /// How many of `unit`'s things one iteration does (1 for ns per op; the log's
    /// length for a replay): the rows' figures are the medians per iteration over this.
    pub per_iteration: f64,
    /// The sides, in the order they run.
    pub sides: Vec<(Side, Setup)>,
    /// Thread benches: the thread count and the sides whose fixture can run on fewer
    /// threads. At more than one thread, [`Bench::run`] measures these sides in pairs
    /// ([`measure_pairs`]) instead of with their `sides` timer (which runs all
    /// threads, for criterion).
    pub paired: Vec<(Side, ThreadSetup)>,
    /// Thread count of a thread bench (1 for the others).
    pub threads: u32,
    /// Thread benches: the same work set up otherwise, whose pairs the `system`
    /// side's are interleaved with ([`Stats::references`]).
    pub references: Vec<(Reference, ThreadSetup)>,
}

/// A reference fixture of a thread bench's `system` side ([`Bench::references`]).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Reference {
    /// The threads alone are the N threads sharing the table, each while the others
    /// idle (the main fixture's threads alone have tables of their own): what
    /// running the threads at once costs, without the shared table's own read path.
    SameTable,
    /// N single-thread processes, each with its own table: what the machine's cores
    /// cost with nothing shared.
    Unshared,
}

impl Bench {
    pub(crate) fn new(id: impl Into<String>, what: impl Into<String>) -> Bench {
        Bench {
            id: id.into(),
            what: what.into(),
            params: BTreeMap::new(),
            table_target: None,
            system_target: None,
            unit: Unit::NsPerOp,
            per_iteration: 1.0,
            sides: Vec::new(),
            paired: Vec::new(),
            threads: 1,
            references: Vec::new(),
        }
    }

    pub(crate) fn param(mut self, key: &str, value: impl Into<u64>) -> Bench {
        self.params.insert(key.to_string(), value.into());
        self
    }

    /// Reports figures in `unit`, one iteration doing `amount` of them.
    pub(crate) fn per(mut self, unit: Unit, amount: f64) -> Bench {
        self.unit = unit;
        self.per_iteration = amount;
        self
    }

    pub(crate) fn targets(mut self, table: Option<Target>, system: Option<Target>) -> Bench {
        self.table_target = table;
        self.system_target = system;
        self
    }

    pub(crate) fn side(
        mut self,
        side: Side,
        setup: impl Fn() -> io::Result<Timer> + 'static,
    ) -> Bench {
        self.sides.push((side, Box::new(setup)));
        self
    }

    /// A side of a thread bench at `threads` threads: its `sides` timer runs them
    /// all; [`Bench::run`] measures it in pairs.
    pub(crate) fn thread_side(
        mut self,
        side: Side,
        threads: u32,
        setup: impl Fn() -> io::Result<ThreadTimer> + 'static,
    ) -> Bench {
        let setup: ThreadSetup = Rc::new(setup);
        let all = Rc::clone(&setup);
        self.threads = threads;
        self.paired.push((side, setup));
        self.side(side, move || {
            let mut timer = all()?;
            let all = Threads::First(threads as usize);
            Ok(Box::new(move |iters| timer(all, iters).wall) as Timer)
        })
    }

    /// A reference fixture for a thread bench's `system` side.
    pub(crate) fn reference(
        mut self,
        which: Reference,
        setup: impl Fn() -> io::Result<ThreadTimer> + 'static,
    ) -> Bench {
        self.references.push((which, Rc::new(setup)));
        self
    }

    /// Sets up, samples and drops each side in turn (with its references for the
    /// `system` side of a thread bench).
    pub fn run(&self, sampling: Sampling) -> io::Result<BTreeMap<Side, Stats>> {
        let mut out = BTreeMap::new();
        for (side, setup) in &self.sides {
            let paired = self.paired.iter().find(|(s, _)| s == side);
            let stats = match paired {
                Some((_, threads_setup)) if self.threads > 1 => {
                    let mut timer = threads_setup()?;
                    let mut references = Vec::new();
                    if *side == Side::System {
                        for (_, setup) in &self.references {
                            references.push(setup()?);
                        }
                    }
                    let n = self.threads as usize;
                    measure_pairs(&mut timer, n, &mut references, sampling)
                }
                _ => measure(&mut setup()?, sampling),
            };
            out.insert(*side, stats);
        }
        Ok(out)
    }

    /// The measurements of a run: one per model side present (`<id>/table`,
    /// `<id>/table_handle`, `<id>/system`, `<id>/replay`), or one `<id>/host` if the
    /// bench has no model side; figures in [`Bench::unit`], the medians per
    /// iteration over [`Bench::per_iteration`].
    pub fn measurements(&self, stats: &BTreeMap<Side, Stats>) -> Vec<Measurement> {
        let per = |s: &Stats| s.median_ns / self.per_iteration;
        let host = stats.get(&Side::Host).map(per);
        let mut baselines = BTreeMap::new();
        for side in [Side::VecScan, Side::BtreeFree] {
            if let Some(s) = stats.get(&side) {
                baselines.insert(side.name().to_string(), per(s));
            }
        }
        let mut out = Vec::new();
        for (side, target) in [
            (Side::Table, self.table_target),
            (Side::TableHandle, self.table_target),
            (Side::System, self.system_target),
            (Side::Replay, self.system_target),
        ] {
            let Some(model) = stats.get(&side) else {
                continue;
            };
            let mut m = Measurement::new(format!("{}/{}", self.id, side), &self.what);
            m.unit = self.unit;
            m.model = Some(per(model));
            m.model_spread = Some(model.spread());
            m.host = host;
            m.host_spread = stats.get(&Side::Host).map(Stats::spread);
            m.baselines = baselines.clone();
            m.params = self.params.clone();
            if let Some(pairs) = model.scaling {
                m.scaling = Some(pairs.median);
                m.scaling_spread = Some(pairs.spread);
                m.scaling_own = Some(pairs.own);
            }
            for ((which, _), pairs) in self.references.iter().zip(&model.references) {
                let median = pairs.map(|p| p.median);
                match which {
                    Reference::SameTable => m.scaling_same_table = median,
                    Reference::Unshared => m.scaling_unshared = median,
                }
            }
            m.set_target(target);
            out.push(m);
        }
        if out.is_empty() {
            if let Some(h) = stats.get(&Side::Host) {
                let mut m = Measurement::new(format!("{}/host", self.id), &self.what);
                m.unit = self.unit;
                m.host = Some(per(h));
                m.host_spread = Some(h.spread());
                m.params = self.params.clone();
                out.push(m);
            }
        }
        out
    }
}

/// Sizes the suite uses. [`Params::default`] is what the issue asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Params {
    /// Open descriptors for the "lowest free ≥ min, only hole far away" case (10⁶).
    pub far_fds: u32,
    /// Open descriptors for the fork case (10⁵).
    pub fork_fds: u32,
    /// Open descriptors of the dense dup/close case (20,000; the hole is at 5,000).
    pub dense_fds: u32,
    /// Table capacity for `close_range(first, ~0)` (2²⁰ = `nr_open`).
    pub close_range_capacity: u32,
    /// Table sizes for the exec sweep.
    pub exec_fds: Vec<u32>,
    /// Close-on-exec descriptors swept each time.
    pub exec_cloexec: u32,
    /// Thread counts for the lookup scaling case.
    pub threads: Vec<u32>,
    /// Bytes of the generated dense log the replay rows replay (at least; whole
    /// loop iterations): 32 MB, [`Params::quick`] 8 MB.
    pub dense_log_bytes: usize,
}

impl Params {
    /// [`Params::default`] with the sizes that only cost time made smaller for the
    /// quick suite: an 8 MB dense log.
    pub fn quick() -> Params {
        Params {
            dense_log_bytes: 8_000_000,
            ..Params::default()
        }
    }
}

impl Default for Params {
    fn default() -> Params {
        Params {
            far_fds: 1_000_000,
            fork_fds: 100_000,
            dense_fds: 20_000,
            close_range_capacity: 1 << 20,
            exec_fds: vec![1_000, 100_000, 1_000_000],
            exec_cloexec: 8,
            threads: vec![1, 2, 4],
            dense_log_bytes: 32_000_000,
        }
    }
}

/// Every benchmark, in the order the suite runs them: small host tables first, so the
/// process's own table grows (to 2²⁰ slots, which never shrinks) only at the end.
pub fn benches(p: &Params) -> Vec<Bench> {
    let mut all = vec![cases::ops::floor()];
    all.extend(cases::ops::benches(p));
    all.extend(cases::threads::benches(p));
    all.extend(cases::replay::benches(p));
    all.extend(cases::fork::benches(p));
    all.extend(cases::exec::benches(p));
    all.extend(cases::far::benches(p));
    all.push(cases::close_range::bench(p));
    all
}

/// Runs `benches`, calling `progress` with each bench id before it runs, and returns
/// their measurements followed by the memory figures.
pub fn run(
    benches: &[Bench],
    p: &Params,
    sampling: Sampling,
    progress: &mut dyn FnMut(&str),
) -> io::Result<Vec<Measurement>> {
    let mut out = Vec::new();
    for bench in benches {
        progress(&bench.id);
        let stats = bench.run(sampling)?;
        out.extend(bench.measurements(&stats));
    }
    set_scaling(&mut out);
    out.extend(crate::memory::measurements(p));
    Ok(out)
}

/// Fills [`Measurement::scaling`] of the 1-thread rows of the thread benches
/// (`params.threads` = 1): 1.0, their figure over itself. The rows at more threads
/// have theirs from their pairs ([`measure_pairs`]), or none if no pair gave one.
fn set_scaling(rows: &mut [Measurement]) {
    for m in rows.iter_mut() {
        if m.params.get("threads") == Some(&1) {
            let one = m.clone();
            m.set_scaling(&one);
        }
    }
}

//! Memory: `size_of` plus [`FdTable::heap_bytes`] for tables of several shapes, next
//! to the baselines' vectors. Entries' referents (the descriptions) are excluded on
//! every side. Linux, for comparison (not measured): one 8-byte pointer plus three
//! bitmap bits per slot of capacity, which is a power of two ≥ the highest number.

use crate::baseline::{BTreeFree, Table, VecScan};
use crate::cases::baseline;
use crate::model::{self, Entry};
use crate::suite::Params;
use crate::{Measurement, Target, Unit};
use fdkit::{Fd, FdTable};
use std::mem::size_of;

fn table_bytes(t: &FdTable<Entry>) -> f64 {
    (size_of::<FdTable<Entry>>() + t.heap_bytes()) as f64
}

fn baseline_bytes<B: Table<Entry>>(t: &B) -> f64 {
    (size_of::<B>() + t.heap_bytes()) as f64
}

fn row(id: String, what: String, unit: Unit, model: f64, target: Option<Target>) -> Measurement {
    let mut m = Measurement::new(id, what);
    m.unit = unit;
    m.model = Some(model);
    m.set_target(target);
    m
}

/// The memory rows (`memory/...`): sizes, computed, not timed.
pub fn measurements(p: &Params) -> Vec<Measurement> {
    let mut out = Vec::new();
    let empty = FdTable::<Entry>::new();
    let mut m = row(
        "memory/empty".into(),
        "an empty table: size_of + heap".into(),
        Unit::Bytes,
        table_bytes(&empty),
        Some(Target::AtMost(256.0)),
    );
    m.baselines.insert(
        "vec_scan".into(),
        baseline_bytes(&VecScan::<Entry>::default()),
    );
    m.baselines.insert(
        "btree_free".into(),
        baseline_bytes(&BTreeFree::<Entry>::default()),
    );
    out.push(m);
    out.push(stdio());
    for n in [64, 1_000, p.fork_fds, p.far_fds] {
        out.push(per_fd(n));
    }
    out.push(sparse());
    out
}

/// A typical process: 0, 1 and 2. Storage comes in 64-slot leaves (528 bytes with
/// 8-byte entries), as Linux's first table comes with 64 slots embedded in
/// `files_struct`, so a table this small is a fixed cost, not a per-descriptor one:
/// no per-descriptor target here.
fn stdio() -> Measurement {
    let t = model::dense_table(3);
    let mut m = row(
        "memory/stdio".into(),
        "a table holding 0, 1, 2: size_of + heap".into(),
        Unit::Bytes,
        table_bytes(&t),
        None,
    );
    m.params.insert("fds".into(), 3);
    let v: VecScan<Entry> = baseline(3);
    let b: BTreeFree<Entry> = baseline(3);
    m.baselines.insert("vec_scan".into(), baseline_bytes(&v));
    m.baselines.insert("btree_free".into(), baseline_bytes(&b));
    m
}

fn per_fd(n: u32) -> Measurement {
    let t = model::dense_table(n);
    let per = |bytes: f64| bytes / f64::from(n);
    let mut m = row(
        format!("memory/per_fd/{n}"),
        format!("(size_of + heap) / descriptors, {n} open (0..{n})"),
        Unit::BytesPerFd,
        per(table_bytes(&t)),
        Some(Target::AtMost(16.0)),
    );
    m.params.insert("fds".into(), u64::from(n));
    let v: VecScan<Entry> = baseline(n);
    let b: BTreeFree<Entry> = baseline(n);
    m.baselines
        .insert("vec_scan".into(), per(baseline_bytes(&v)));
    m.baselines
        .insert("btree_free".into(), per(baseline_bytes(&b)));
    m
}

fn sparse() -> Measurement {
    let far = 1_000_000;
    let mut t = model::dense_table(3);
    let e = model::entry();
    t.dup2(Fd::new(0), Fd::new(far), model::LIMITS)
        .expect("dup2");
    let mut m = row(
        "memory/sparse".into(),
        format!("a table holding 0, 1, 2 and {far}: size_of + heap"),
        Unit::Bytes,
        table_bytes(&t),
        None,
    );
    let mut v: VecScan<Entry> = baseline(3);
    v.replace(far, e.clone(), false);
    let mut b: BTreeFree<Entry> = baseline(3);
    b.replace(far, e, false);
    m.baselines.insert("vec_scan".into(), baseline_bytes(&v));
    m.baselines.insert("btree_free".into(), baseline_bytes(&b));
    m.params.insert("fds".into(), 4);
    m
}

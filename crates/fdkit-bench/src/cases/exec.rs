//! The exec sweep: close every close-on-exec descriptor. `k` of them are spread over a
//! dense table of `n`; the model's cost should follow `k`, not `n`.
//!
//! No host side: Linux's sweep cannot be run apart from `execve`, whose cost is
//! loading a program. Each sweep is timed on its own (the `k` descriptors are put
//! back untimed in between), so each figure includes one clock read.

use super::baseline;
use crate::baseline::{Table, VecScan};
use crate::model::{self, BASE, LIMITS};
use crate::sample::each;
use crate::suite::{Bench, Params, Side};
use fdkit::{DupFlags, Fd, OFlags};
use std::hint::black_box;

/// The table-size series (`exec_sweep/<n>`, `k` fixed) and the close-on-exec count
/// series at 10⁵ open (`exec_sweep_k/<k>`).
pub(crate) fn benches(p: &Params) -> Vec<Bench> {
    let sizes = p.exec_fds.iter().map(|&n| sweep(n, p.exec_cloexec, None));
    let n = p
        .exec_fds
        .iter()
        .copied()
        .max()
        .unwrap_or(1_000)
        .min(100_000);
    let counts = [1, 64, 512].into_iter().map(move |k| sweep(n, k, Some(k)));
    sizes.chain(counts).collect()
}

/// `k` distinct numbers spread evenly over `4..n` (`k` < `n` − 4).
fn positions(n: u32, k: u32) -> Vec<u32> {
    (1..=k)
        .map(|i| 4 + (u64::from(i) * u64::from(n - 4) / u64::from(k + 1)) as u32)
        .collect()
}

fn sweep(n: u32, k: u32, k_series: Option<u32>) -> Bench {
    let cloexec = OFlags::CLOEXEC.bits();
    let id = match k_series {
        Some(k) => format!("exec_sweep_k/{k}"),
        None => format!("exec_sweep/{n}"),
    };
    Bench::new(
        id,
        format!("exec sweep: {k} close-on-exec descriptors among {n} open"),
    )
    .param("fds", n)
    .param("cloexec", k)
    .side(Side::Table, move || {
        let pos = positions(n, k);
        let setup = move |t: &mut fdkit::FdTable<model::Entry>| {
            for &p in &pos {
                drop(t.dup3(BASE, Fd::new(p), cloexec, LIMITS).expect("dup3"));
            }
        };
        let op = |t: &mut fdkit::FdTable<model::Entry>| drop(black_box(t.close_on_exec()));
        Ok(each(model::dense_table(n), setup, op))
    })
    .side(Side::System, move || {
        let pos = positions(n, k);
        let (_, task) = model::dense_task(n);
        let setup = move |t: &mut fdkit::Task| {
            for &p in &pos {
                t.dup3(BASE, p, DupFlags::CLOEXEC).expect("dup3");
            }
        };
        let op = |t: &mut fdkit::Task| *t = t.execve().expect("execve");
        Ok(each(task, setup, op))
    })
    .side(Side::VecScan, move || {
        let pos = positions(n, k);
        let t: VecScan<model::Entry> = baseline(n);
        let setup = move |t: &mut VecScan<model::Entry>| {
            for &p in &pos {
                let e = t.slot(3).expect("open").entry.clone();
                t.replace(p, e, true);
            }
        };
        let op = |t: &mut VecScan<model::Entry>| drop(black_box(t.close_on_exec()));
        Ok(each(t, setup, op))
    })
}

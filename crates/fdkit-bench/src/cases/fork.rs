//! `fork` of a table: the child gets a copy, exits at once, the parent reaps it.
//!
//! The host pays `dup_fd` (a copy sized to the highest open descriptor plus one
//! reference per descriptor), process creation, and `exit_files` in the child. The
//! model's table copy is copy-on-write (one reference per 64-slot leaf) and dropping
//! it releases those references; the `system` side adds the process bookkeeping.

use super::baseline;
use crate::baseline::{BTreeFree, Table, VecScan};
use crate::host::{self, HostTable};
use crate::model::{self, Entry, LIMITS};
use crate::sample::{looped, Timer};
use crate::suite::{Bench, Params, Side};
use crate::Target;
use std::hint::black_box;

pub(crate) fn benches(p: &Params) -> Vec<Bench> {
    vec![fork("fork_small", 4, None), fork("fork", p.fork_fds, Some(100.0))]
}

fn fork(id: &str, n: u32, ratio: Option<f64>) -> Bench {
    let target = ratio.map(Target::RatioAtLeast);
    Bench::new(
        id,
        format!("fork with {n} descriptors open; the child exits; the parent reaps it"),
    )
    .param("fds", n)
    .targets(target, target)
    .side(Side::Table, move || {
        let mut t = model::dense_table(n);
        Ok(looped(move || {
            let child = t.fork(LIMITS.nr_open).expect("fork");
            drop(black_box(child));
        }))
    })
    .side(Side::System, move || {
        let (sys, t) = model::dense_task(n);
        Ok(looped(move || {
            let pid = t.fork().expect("fork");
            sys.task(pid).expect("child").exit(0);
            t.wait4(pid.get() as i32, false).expect("wait4");
        }))
    })
    .side(Side::Host, move || {
        host::raise_nofile(u64::from(n) + 64)?;
        let mut h = HostTable::new()?;
        h.fill(n as i32)?;
        Ok(looped(move || {
            let _keep = &h;
            host::fork_exit_wait().expect("fork");
        }))
    })
    .side(Side::VecScan, move || Ok(clone_baseline::<VecScan<_>>(n)))
    .side(Side::BtreeFree, move || Ok(clone_baseline::<BTreeFree<_>>(n)))
}

fn clone_baseline<B: Table<Entry> + Default + 'static>(n: u32) -> Timer {
    let t: B = baseline(n);
    looped(move || drop(black_box(t.clone())))
}

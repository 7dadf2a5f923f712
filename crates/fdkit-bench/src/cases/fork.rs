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

/// At 4 descriptors (the cost of process creation itself), at the largest table
/// the host's `RLIMIT_NOFILE` allows, and at the 10⁵ (with a host side only
/// where it fits).
pub(crate) fn benches(p: &Params) -> Vec<Bench> {
    let host_max = host::max_fds();
    let mut sizes = vec![4, host_max.min(p.fork_fds), p.fork_fds];
    sizes.dedup();
    sizes
        .into_iter()
        .map(|n| {
            let target = (n > 4).then_some(Target::RatioAtLeast(100.0));
            fork(n, n <= host_max, target)
        })
        .collect()
}

fn fork(n: u32, with_host: bool, target: Option<Target>) -> Bench {
    let mut b = Bench::new(
        format!("fork/{n}"),
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
    });
    if with_host {
        b = b.side(Side::Host, move || {
            let mut h = HostTable::new()?;
            h.fill(n as i32)?;
            Ok(looped(move || {
                let _keep = &h;
                host::fork_exit_wait().expect("fork");
            }))
        });
    }
    b.side(Side::VecScan, move || Ok(clone_baseline::<VecScan<_>>(n)))
        .side(Side::BtreeFree, move || {
            Ok(clone_baseline::<BTreeFree<_>>(n))
        })
}

fn clone_baseline<B: Table<Entry> + Default + 'static>(n: u32) -> Timer {
    let t: B = baseline(n);
    looped(move || drop(black_box(t.clone())))
}

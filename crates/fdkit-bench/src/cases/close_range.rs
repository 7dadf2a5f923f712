//! `close_range(first, ~0)` on a table with a few descriptors and a large capacity.
//!
//! Linux up to 6.x walks every slot from `first` to `max_fds` (about 10 ns per empty
//! slot measured here), so a table once grown to 2²⁰ slots would pay ~10 ms. The model
//! visits only the descriptors that are open. Each iteration first `dup2`s `k` = 3
//! descriptors into `first..first+3`, so there is something to close.

use super::baseline;
use crate::baseline::{BTreeFree, Table, VecScan};
use crate::host::{self, HostTable};
use crate::model::{self, Entry, BASE, LIMITS};
use crate::sample::{looped, Timer};
use crate::suite::{Bench, Params, Side};
use fdkit::{CloseRangeFlags, Fd};
use std::hint::black_box;

const K: u32 = 3;
const FIRST: u32 = 10;

/// The capacity Linux's table (and the model's `max_fds`) has after a descriptor
/// was opened at `top`.
fn capacity_after(top: u32) -> u32 {
    let mut t = model::dense_table(4);
    t.dup2(BASE, Fd::new(top), LIMITS).expect("dup2");
    t.capacity()
}

pub(crate) fn bench(p: &Params) -> Bench {
    // The table is grown by opening (then closing) its highest allowed number: 2²⁰−1
    // where RLIMIT_NOFILE may be raised to nr_open, else what the limit allows.
    let top = p.close_range_capacity.min(host::max_fds()) - 1;
    let cap = capacity_after(top);
    Bench::new(
        "close_range",
        format!(
            "dup2 into {FIRST}..{}, then close_range({FIRST}, ~0); capacity {cap}",
            FIRST + K
        ),
    )
    .param("capacity", cap)
    .param("top", top)
    .param("first", FIRST)
    .param("closed", K)
    .side(Side::Table, move || {
        let mut t = model::dense_table(4);
        let top = Fd::new(top);
        t.dup2(BASE, top, LIMITS).expect("dup2");
        drop(t.close(top));
        Ok(looped(move || {
            for fd in FIRST..FIRST + K {
                drop(t.dup2(BASE, Fd::new(fd), LIMITS).expect("dup2"));
            }
            drop(black_box(t.close_range(FIRST, u32::MAX, 0)));
        }))
    })
    .side(Side::System, move || {
        let (_, t) = model::dense_task(4);
        t.dup2(BASE, top).expect("dup2");
        t.close(top).expect("close");
        Ok(looped(move || {
            for fd in FIRST..FIRST + K {
                t.dup2(BASE, fd).expect("dup2");
            }
            t.close_range(FIRST, u32::MAX, CloseRangeFlags::empty())
                .expect("close_range");
        }))
    })
    .side(Side::Host, move || close_range_host(top))
    .side(Side::VecScan, move || {
        Ok(close_range_baseline::<VecScan<_>>(top))
    })
    .side(Side::BtreeFree, move || {
        Ok(close_range_baseline::<BTreeFree<_>>(top))
    })
}

fn close_range_host(top: u32) -> std::io::Result<Timer> {
    let h = HostTable::new()?;
    // Never close what the process had before: start past its highest descriptor.
    let first = host::open_fds()?
        .last()
        .map_or(FIRST, |&l| FIRST.max(l as u32 + 1));
    host::dup2(h.base, top as i32)?;
    host::close(top as i32)?;
    Ok(looped(move || {
        let h = &h;
        for fd in first..first + K {
            host::dup2(h.base, fd as i32).expect("dup2");
        }
        host::close_range(first, u32::MAX, 0).expect("close_range");
    }))
}

fn close_range_baseline<B: Table<Entry> + Default + 'static>(top: u32) -> Timer {
    let mut t: B = baseline(4);
    let e = t.slot(3).expect("open").entry.clone();
    t.replace(top, e, false);
    t.close(top);
    looped(move || {
        for fd in FIRST..FIRST + K {
            let e = t.slot(3).expect("open").entry.clone();
            t.replace(fd, e, false);
        }
        drop(black_box(t.close_range(FIRST, u32::MAX)));
    })
}

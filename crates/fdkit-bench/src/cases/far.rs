//! Lowest free ≥ min when the only hole is far away: `n` descriptors open, a hole at
//! 64, and `F_DUPFD(fd, 66)`, whose answer is the first number past the table.
//!
//! This is Linux's linear corner case (semantics reference §1.2): the word holding 66
//! has a free bit (64), but only below 66, so `find_next_fd` walks every full word
//! after it. The model's tree moves to the next word's summary instead.
//!
//! Run at the 10⁶ and at the largest table the host's `RLIMIT_NOFILE` allows
//! ([`host::max_fds`]); the host side is present only where it fits.

use super::{baseline, fixture_error};
use crate::baseline::{BTreeFree, Table, VecScan};
use crate::host::{self, HostTable};
use crate::model::{self, Entry, BASE, LIMITS};
use crate::sample::{looped, Timer};
use crate::suite::{Bench, Params, Side};
use crate::Target;
use fdkit::Fd;
use std::hint::black_box;

const HOLE: u32 = 64;
const MIN: u32 = 66;

pub(crate) fn benches(p: &Params) -> Vec<Bench> {
    let host_max = host::max_fds();
    let mut sizes = vec![host_max.min(p.far_fds), p.far_fds];
    sizes.dedup();
    let mut out: Vec<Bench> = sizes.iter().map(|&n| dupfd(n, n <= host_max)).collect();
    out.push(query(p.far_fds));
    out
}

fn dupfd(n: u32, with_host: bool) -> Bench {
    let mut b = Bench::new(
        format!("dupfd_far/{n}"),
        format!("F_DUPFD(fd, {MIN}) then close(), {n} open, the only hole at {HOLE}"),
    )
    .param("fds", n)
    .param("hole", HOLE)
    .param("min", MIN)
    .targets(Some(Target::AtMost(100.0)), None)
    .side(Side::Table, move || {
        let mut t = model::dense_table(n);
        drop(t.close(Fd::new(HOLE)));
        Ok(looped(move || {
            let fd = t
                .fcntl_dupfd(BASE, black_box(MIN), LIMITS)
                .expect("F_DUPFD");
            drop(black_box(t.close(fd)));
        }))
    })
    .side(Side::TableHandle, move || {
        let mut t = model::dense_handles(n);
        let _ = t.close(Fd::new(HOLE));
        Ok(looped(move || {
            let fd = t
                .fcntl_dupfd(BASE, black_box(MIN), LIMITS)
                .expect("F_DUPFD");
            let _ = black_box(t.close(fd));
        }))
    })
    .side(Side::System, move || {
        let (_, t) = model::dense_task(n);
        t.close(HOLE).expect("close");
        Ok(looped(move || {
            let fd = t
                .fcntl_dupfd(BASE, u64::from(black_box(MIN)))
                .expect("F_DUPFD");
            t.close(fd).expect("close");
        }))
    });
    if with_host {
        b = b.side(Side::Host, move || dupfd_host(n));
    }
    b.side(Side::VecScan, move || Ok(dupfd_baseline::<VecScan<_>>(n)))
        .side(Side::BtreeFree, move || {
            Ok(dupfd_baseline::<BTreeFree<_>>(n))
        })
}

fn dupfd_host(n: u32) -> std::io::Result<Timer> {
    let mut h = HostTable::new()?;
    h.fill(n as i32)?;
    if !h.owns(HOLE as i32) {
        return Err(fixture_error(format!("descriptor {HOLE} was open already")));
    }
    h.release(HOLE as i32)?;
    let got = host::fcntl_dupfd(h.base, MIN as i32)?;
    host::close(got)?;
    if got < n as i32 {
        return Err(fixture_error(format!(
            "F_DUPFD gave {got}: table not dense"
        )));
    }
    Ok(looped(move || {
        let h = &h;
        let fd = host::fcntl_dupfd(h.base, black_box(MIN as i32)).expect("F_DUPFD");
        host::close(fd).expect("close");
    }))
}

fn dupfd_baseline<B: Table<Entry> + Default + 'static>(n: u32) -> Timer {
    let mut t: B = baseline(n);
    t.close(HOLE);
    looped(move || {
        let e = t.slot(3).expect("open").entry.clone();
        let fd = t.insert_from(black_box(MIN), e, false);
        drop(black_box(t.close(fd)));
    })
}

fn query(n: u32) -> Bench {
    Bench::new(
        format!("lowest_free_far/{n}"),
        format!("FdTable::lowest_free_from({MIN}), {n} open, the only hole at {HOLE}"),
    )
    .param("fds", n)
    .param("hole", HOLE)
    .param("min", MIN)
    .targets(Some(Target::AtMost(100.0)), None)
    .side(Side::Table, move || {
        let mut t = model::dense_table(n);
        drop(t.close(Fd::new(HOLE)));
        Ok(looped(move || {
            black_box(t.lowest_free_from(black_box(MIN)));
        }))
    })
}

//! Single-descriptor operations on small tables: `F_GETFD`, `dup`+`close`, a
//! replacing `dup2`, and `dup`+`close` in a dense table whose hole is far from 0.

use super::{baseline, fixture_error};
use crate::baseline::{BTreeFree, Table, VecScan};
use crate::host::{self, HostTable};
use crate::model::{self, BASE, LIMITS};
use crate::sample::{looped, Timer};
use crate::suite::{Bench, Params, Side};
use crate::Target;
use fdkit::Fd;
use std::hint::black_box;

/// Targets for the single-descriptor operations: 20× through the table (either
/// entry type); through the system surface 10× for `F_GETFD`, 8× for `dup`+`close`
/// (issue 17) and 5× for `dup2`.
const TABLE_TARGET: Option<Target> = Some(Target::RatioAtLeast(20.0));
const GETFD_SYSTEM_TARGET: Option<Target> = Some(Target::RatioAtLeast(10.0));
const DUP_CLOSE_SYSTEM_TARGET: Option<Target> = Some(Target::RatioAtLeast(8.0));
const DUP2_SYSTEM_TARGET: Option<Target> = Some(Target::RatioAtLeast(5.0));

/// `getppid()`, host only: the floor under every host figure.
pub(crate) fn floor() -> Bench {
    Bench::new("syscall_floor", "getppid(): the cheapest system call").side(Side::Host, || {
        Ok(looped(|| {
            black_box(host::getppid());
        }))
    })
}

/// `Arc::clone` then drop, model only: the reference-count floor under every `table`
/// and `system` figure that copies or drops an entry (`dup`, `close`, `dup2`).
pub(crate) fn arc_floor() -> Bench {
    Bench::new("arc_clone_drop", "Arc::clone of an entry, then drop").side(Side::Table, || {
        let e = model::entry();
        Ok(looped(move || drop(black_box(std::sync::Arc::clone(&e)))))
    })
}

pub(crate) fn benches(p: &Params) -> Vec<Bench> {
    vec![
        arc_floor(),
        getfd(),
        dup_close(),
        dup2_replace(),
        dup_close_dense(p.dense_fds.min(host::max_fds())),
    ]
}

fn getfd() -> Bench {
    Bench::new("getfd", "fcntl(fd, F_GETFD), 4-descriptor table")
        .targets(TABLE_TARGET, GETFD_SYSTEM_TARGET)
        .side(Side::Table, || {
            let t = model::dense_table(4);
            Ok(looped(move || {
                let _ = black_box(t.fcntl_getfd(black_box(BASE)));
            }))
        })
        .side(Side::TableHandle, || {
            let t = model::dense_handles(4);
            Ok(looped(move || {
                let _ = black_box(t.fcntl_getfd(black_box(BASE)));
            }))
        })
        .side(Side::System, || {
            let (_, t) = model::dense_task(4);
            Ok(looped(move || {
                let _ = black_box(t.fcntl_getfd(black_box(BASE)));
            }))
        })
        .side(Side::Host, || {
            let h = HostTable::new()?;
            Ok(looped(move || {
                let h = &h;
                let _ = black_box(host::fcntl_getfd(black_box(h.base)));
            }))
        })
        .side(Side::VecScan, || Ok(getfd_baseline::<VecScan<_>>()))
        .side(Side::BtreeFree, || Ok(getfd_baseline::<BTreeFree<_>>()))
}

fn getfd_baseline<B: Table<model::Entry> + Default + 'static>() -> Timer {
    let t: B = baseline(4);
    looped(move || {
        black_box(t.slot(black_box(3)).map(|s| s.cloexec));
    })
}

fn dup_close() -> Bench {
    Bench::new(
        "dup_close",
        "dup(fd) then close() of the copy, 4-descriptor table",
    )
    .targets(TABLE_TARGET, DUP_CLOSE_SYSTEM_TARGET)
    .side(Side::Table, || Ok(dup_close_table(4, None)))
    .side(Side::TableHandle, || Ok(dup_close_handles(4, None)))
    .side(Side::System, || Ok(dup_close_system(4, None)))
    .side(Side::Host, || dup_close_host(4, None))
    .side(Side::VecScan, || {
        Ok(dup_close_baseline::<VecScan<_>>(4, None))
    })
    .side(Side::BtreeFree, || {
        Ok(dup_close_baseline::<BTreeFree<_>>(4, None))
    })
}

/// The reference's "dense table, hole at 5000" case: the lowest free number is far
/// from 0, which a linear scan pays for and Linux's `next_fd` does not. No target
/// (the dup+close target is the small-table pair); it shows the worst case
/// of the tree's bookkeeping: every dup fills the hole's leaf and every close
/// empties it again.
fn dup_close_dense(n: u32) -> Bench {
    let hole = Some(5_000);
    Bench::new(
        "dup_close_dense",
        format!("dup(fd) then close(), {n} descriptors open, the only hole at 5000"),
    )
    .param("fds", n)
    .param("hole", 5_000u32)
    .side(Side::Table, move || Ok(dup_close_table(n, hole)))
    .side(Side::TableHandle, move || Ok(dup_close_handles(n, hole)))
    .side(Side::System, move || Ok(dup_close_system(n, hole)))
    .side(Side::Host, move || dup_close_host(n, hole))
    .side(Side::VecScan, move || {
        Ok(dup_close_baseline::<VecScan<_>>(n, hole))
    })
    .side(Side::BtreeFree, move || {
        Ok(dup_close_baseline::<BTreeFree<_>>(n, hole))
    })
}

fn dup_close_table(n: u32, hole: Option<u32>) -> Timer {
    let mut t = model::dense_table(n);
    if let Some(h) = hole {
        drop(t.close(Fd::new(h)));
    }
    looped(move || {
        let fd = t.dup(BASE, LIMITS).expect("dup");
        drop(black_box(t.close(fd)));
    })
}

fn dup_close_handles(n: u32, hole: Option<u32>) -> Timer {
    let mut t = model::dense_handles(n);
    if let Some(h) = hole {
        let _ = t.close(Fd::new(h));
    }
    looped(move || {
        let fd = t.dup(BASE, LIMITS).expect("dup");
        let _ = black_box(t.close(fd));
    })
}

fn dup_close_system(n: u32, hole: Option<u32>) -> Timer {
    let (_, t) = model::dense_task(n);
    if let Some(h) = hole {
        t.close(h).expect("close");
    }
    looped(move || {
        let fd = t.dup(BASE).expect("dup");
        t.close(fd).expect("close");
    })
}

fn dup_close_host(n: u32, hole: Option<u32>) -> std::io::Result<Timer> {
    let mut h = HostTable::new()?;
    if let Some(hole) = hole {
        h.fill(n as i32)?;
        if !h.owns(hole as i32) {
            return Err(fixture_error(format!("descriptor {hole} was open already")));
        }
        h.release(hole as i32)?;
    }
    Ok(looped(move || {
        let h = &h;
        let fd = host::dup(h.base).expect("dup");
        host::close(fd).expect("close");
    }))
}

fn dup_close_baseline<B: Table<model::Entry> + Default + 'static>(
    n: u32,
    hole: Option<u32>,
) -> Timer {
    let mut t: B = baseline(n);
    if let Some(h) = hole {
        t.close(h);
    }
    looped(move || {
        let fd = t.dup(3).expect("dup");
        drop(black_box(t.close(fd)));
    })
}

fn dup2_replace() -> Bench {
    let target = Fd::new(10);
    Bench::new(
        "dup2_replace",
        "dup2(fd, 10) where 10 is open: replace, drop the old",
    )
    .targets(TABLE_TARGET, DUP2_SYSTEM_TARGET)
    .side(Side::Table, move || {
        let mut t = model::dense_table(4);
        t.dup2(BASE, target, LIMITS).expect("dup2");
        Ok(looped(move || {
            let (_, old) = t.dup2(BASE, black_box(target), LIMITS).expect("dup2");
            drop(black_box(old));
        }))
    })
    .side(Side::TableHandle, move || {
        let mut t = model::dense_handles(4);
        t.dup2(BASE, target, LIMITS).expect("dup2");
        Ok(looped(move || {
            let _ = black_box(t.dup2(BASE, black_box(target), LIMITS).expect("dup2"));
        }))
    })
    .side(Side::System, move || {
        let (_, t) = model::dense_task(4);
        t.dup2(BASE, target).expect("dup2");
        Ok(looped(move || {
            black_box(t.dup2(BASE, black_box(target)).expect("dup2"));
        }))
    })
    .side(Side::Host, || {
        let mut h = HostTable::new()?;
        let target = host::dup(h.base)?;
        h.adopt(target);
        Ok(looped(move || {
            let h = &h;
            black_box(host::dup2(h.base, black_box(target)).expect("dup2"));
        }))
    })
    .side(Side::VecScan, || Ok(dup2_baseline::<VecScan<_>>()))
    .side(Side::BtreeFree, || Ok(dup2_baseline::<BTreeFree<_>>()))
}

fn dup2_baseline<B: Table<model::Entry> + Default + 'static>() -> Timer {
    let mut t: B = baseline(4);
    let e = t.slot(3).expect("fixture").entry.clone();
    t.replace(10, e, false);
    looped(move || {
        let e = t.slot(3).expect("open").entry.clone();
        drop(black_box(t.replace(black_box(10), e, false)));
    })
}

//! Scratch driver for perf and callgrind: loops one model operation N times.
//!
//! `cargo run --release -p fdkit-bench --example prof -- OP N`; `scripts/instr.sh`
//! runs it under callgrind twice (N and 2N) so setup cancels out.
use fdkit::Fd;
use fdkit_bench::model::{self, BASE, LIMITS};
use std::hint::black_box;
use std::time::Instant;

fn table_op(which: &str, n: u64) -> bool {
    match which {
        "getfd" => {
            let t = model::dense_table(4);
            for _ in 0..n {
                let _ = black_box(t.fcntl_getfd(black_box(BASE)));
            }
        }
        "dup_close" | "dense" => {
            let size = if which == "dense" { 20_000 } else { 4 };
            let mut t = model::dense_table(size);
            if which == "dense" {
                drop(t.close(Fd::new(5000)));
            }
            for _ in 0..n {
                let fd = t.dup(BASE, LIMITS).unwrap();
                drop(black_box(t.close(fd)));
            }
        }
        "dup2" => {
            let mut t = model::dense_table(4);
            t.dup2(BASE, Fd::new(10), LIMITS).unwrap();
            for _ in 0..n {
                let (_, old) = t.dup2(BASE, black_box(Fd::new(10)), LIMITS).unwrap();
                drop(black_box(old));
            }
        }
        "far" => {
            let mut t = model::dense_table(1_000_000);
            drop(t.close(Fd::new(64)));
            for _ in 0..n {
                let fd = t.fcntl_dupfd(BASE, black_box(66), LIMITS).unwrap();
                drop(black_box(t.close(fd)));
            }
        }
        "fork" => {
            let mut t = model::dense_table(100_000);
            for _ in 0..n {
                drop(black_box(t.fork(LIMITS.nr_open).unwrap()));
            }
        }
        "h_dup_close" | "h_dense" => {
            let size = if which == "h_dense" { 20_000 } else { 4 };
            let mut t = fdkit::FdTable::new();
            for i in 0..size {
                t.insert(i, false, LIMITS).unwrap();
            }
            if which == "h_dense" {
                let _ = t.close(Fd::new(5000));
            }
            for _ in 0..n {
                let fd = t.dup(BASE, LIMITS).unwrap();
                let _ = black_box(t.close(fd));
            }
        }
        "h_dup2" => {
            let mut t = fdkit::FdTable::new();
            for i in 0..4u32 {
                t.insert(i, false, LIMITS).unwrap();
            }
            t.dup2(BASE, Fd::new(10), LIMITS).unwrap();
            for _ in 0..n {
                let (_, old) = t.dup2(BASE, black_box(Fd::new(10)), LIMITS).unwrap();
                let _ = black_box(old);
            }
        }
        "tag_dup_close" => {
            // h_dup_close with an fdsan owner tag per descriptor (issue 16): the
            // cost of per-descriptor data, next to the table without.
            let mut t: fdkit::FdTable<u32, fdkit::OwnerTag> = fdkit::FdTable::with_data();
            for i in 0..4 {
                t.insert(i, false, LIMITS).unwrap();
            }
            for _ in 0..n {
                let fd = t.dup(BASE, LIMITS).unwrap();
                let _ = black_box(t.close_with_tag(fd, fdkit::OwnerTag::NONE));
            }
        }
        _ => return false,
    }
    true
}

fn system_op(which: &str, n: u64) -> bool {
    let (_, t) = model::dense_task(4);
    match which {
        "sys_getfd" => {
            for _ in 0..n {
                let _ = black_box(t.fcntl_getfd(black_box(BASE)));
            }
        }
        "sys_dup_close" => {
            for _ in 0..n {
                let fd = t.dup(BASE).unwrap();
                t.close(fd).unwrap();
            }
        }
        "sys_getfd_shared" | "sys_file_shared" => {
            // One of two threads sharing the table calls: the shared-table read path.
            let flags = fdkit::CloneFlags::THREAD
                | fdkit::CloneFlags::SIGHAND
                | fdkit::CloneFlags::VM
                | fdkit::CloneFlags::FILES;
            let _other = t.clone_task(flags, None).unwrap();
            for _ in 0..n {
                if which == "sys_getfd_shared" {
                    let _ = black_box(t.fcntl_getfd(black_box(BASE)));
                } else {
                    let _ = black_box(t.file(black_box(BASE)));
                }
            }
        }
        "sys_file" => {
            for _ in 0..n {
                let _ = black_box(t.file(black_box(BASE)));
            }
        }
        "sys_dup2" => {
            t.dup2(BASE, 10).unwrap();
            for _ in 0..n {
                black_box(t.dup2(BASE, black_box(10)).unwrap());
            }
        }
        _ => return false,
    }
    true
}

fn host_op(which: &str, n: u64) -> bool {
    use fdkit_bench::host::{self, HostTable};
    let h = HostTable::new().unwrap();
    match which {
        "host_getfd" => {
            for _ in 0..n {
                let _ = black_box(host::fcntl_getfd(h.base));
            }
        }
        "host_dup_close" => {
            for _ in 0..n {
                let fd = host::dup(h.base).unwrap();
                host::close(fd).unwrap();
            }
        }
        "host_dup2" => {
            let target = host::dup(h.base).unwrap();
            for _ in 0..n {
                host::dup2(h.base, target).unwrap();
            }
            host::close(target).unwrap();
        }
        _ => return false,
    }
    true
}

fn main() {
    let which = std::env::args().nth(1).unwrap_or_default();
    let n: u64 = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000_000);
    let t0 = Instant::now();
    assert!(
        table_op(&which, n) || system_op(&which, n) || host_op(&which, n),
        "unknown op {which}"
    );
    let ns = t0.elapsed().as_nanos() as f64 / n as f64;
    println!("{which}: {ns:.2} ns/op (setup included)");
}

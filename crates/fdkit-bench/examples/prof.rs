//! Scratch driver for perf: loops one model operation.
use fdkit::Fd;
use fdkit_bench::model::{self, BASE, LIMITS};
use std::hint::black_box;
use std::time::Instant;
fn main() {
    let which = std::env::args().nth(1).unwrap_or_default();
    let n: u64 = std::env::args().nth(2).and_then(|s| s.parse().ok()).unwrap_or(50_000_000);
    let t0 = Instant::now();
    match which.as_str() {
        "dup_close" => {
            let mut t = model::dense_table(4);
            for _ in 0..n {
                let fd = t.dup(BASE, LIMITS).unwrap();
                drop(black_box(t.close(fd)));
            }
        }
        "dense" => {
            let mut t = model::dense_table(20_000);
            drop(t.close(Fd::new(5000)));
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
        "sys_dup_close" => {
            let (_, t) = model::dense_task(4);
            for _ in 0..n {
                let fd = t.dup(BASE).unwrap();
                t.close(fd).unwrap();
            }
        }
        "sys_dup2" => {
            let (_, t) = model::dense_task(4);
            t.dup2(BASE, 10).unwrap();
            for _ in 0..n {
                black_box(t.dup2(BASE, black_box(10)).unwrap());
            }
        }
        "sys_getfd" => {
            let (_, t) = model::dense_task(4);
            for _ in 0..n {
                let _ = black_box(t.fcntl_getfd(black_box(BASE)));
            }
        }
        _ => panic!("which?"),
    }
    println!("{which}: {:.2} ns/op", t0.elapsed().as_nanos() as f64 / n as f64);
}

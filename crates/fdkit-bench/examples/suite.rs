//! Runs the suite and prints a Markdown table (or JSON Lines with `--json`), the way
//! `fdkit bench` will.
//!
//! ```sh
//! cargo run --release -p fdkit-bench --example suite -- [--full] [--json] [FILTER...]
//! ```
//!
//! FILTERs keep the benches whose id contains one of them. Progress goes to stderr.

use fdkit_bench::{benches, suite, Measurement, Params, Sampling, Unit};

fn fmt(v: Option<f64>, unit: Unit) -> String {
    match (v, unit) {
        (None, _) => "–".into(),
        (Some(v), Unit::NsPerOp) if v >= 100_000.0 => format!("{:.0} µs", v / 1000.0),
        (Some(v), Unit::NsPerOp) if v >= 10_000.0 => format!("{:.1} µs", v / 1000.0),
        (Some(v), Unit::NsPerOp) if v >= 100.0 => format!("{v:.0} ns"),
        (Some(v), Unit::NsPerOp) => format!("{v:.1} ns"),
        (Some(v), Unit::Bytes) => format!("{v:.0} B"),
        (Some(v), Unit::BytesPerFd) => format!("{v:.2} B/fd"),
        (Some(v), Unit::NsPerByte) => {
            format!("{v:.2} ns/B ({:.0} MB/s)", fdkit_bench::mb_per_s(v))
        }
    }
}

fn row(m: &Measurement) -> String {
    // Below 1 (the replay rows against `wc -l`): how many times slower fdkit is.
    let ratio = m.ratio.map_or("–".into(), |r| match r {
        r if r < 1.0 && r > 0.0 => format!("1/{:.0}×", 1.0 / r),
        r => format!("{r:.1}×"),
    });
    let target = match (m.target, m.met) {
        (Some(t), Some(met)) => format!("{t:?} {}", if met { "✔" } else { "✘" }),
        _ => String::new(),
    };
    let base = |k: &str| fmt(m.baselines.get(k).copied(), m.unit);
    format!(
        "| {} | {} | {} | {} | {} | {} | {} |",
        m.id,
        fmt(m.model, m.unit),
        fmt(m.host, m.unit),
        ratio,
        base("vec_scan"),
        base("btree_free"),
        target
    )
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let json = args.iter().any(|a| a == "--json");
    let sampling = if args.iter().any(|a| a == "--full") {
        Sampling::FULL
    } else {
        Sampling::QUICK
    };
    let filters: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let params = if sampling == Sampling::FULL {
        Params::default()
    } else {
        Params::quick()
    };
    let all = benches(&params);
    let chosen: Vec<_> = all
        .into_iter()
        .filter(|b| filters.is_empty() || filters.iter().any(|f| b.id.contains(f.as_str())))
        .collect();
    // The machine's load, for the record: other processes move every figure.
    let load = || std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    eprintln!("fdkit-bench: load average at start: {}", load().trim());
    let mut progress = |id: &str| eprintln!("fdkit-bench: {id}");
    let results = suite::run(&chosen, &params, sampling, &mut progress)?;
    eprintln!("fdkit-bench: load average at end: {}", load().trim());
    if json {
        for m in &results {
            println!(
                "{}",
                serde_json::to_string(m).map_err(std::io::Error::other)?
            );
        }
        return Ok(());
    }
    println!("| id | fdkit | host | host/fdkit | Vec scan | BTreeSet | target |");
    println!("|---|---:|---:|---:|---:|---:|---|");
    for m in &results {
        println!("{}", row(m));
    }
    Ok(())
}

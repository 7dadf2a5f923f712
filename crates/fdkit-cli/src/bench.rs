//! `fdkit bench`: the benchmark suite of `fdkit-bench`, run from the command line so
//! any user sees the model's gain over their own kernel. Each row measures the model
//! and the host doing the same descriptor work in the same run.
//!
//! Output: a table of ns/op (or bytes, or ns per byte of log with MB/s) for fdkit and the host, their ratio, the two
//! baseline tables peers use, and the target. `--json` writes JSON Lines:
//! `{"type":"measurement","data":{...}}` per row — the keys are those of
//! `fdkit_bench::Measurement` (`id`, `what`, `unit`, `model`, `host`, `ratio`, `target`,
//! `met`, `baselines`, `params`, `model_spread`, `host_spread`), stable and tested —
//! then `{"type":"summary","data":{"rows":N,"targets":T,"met":M,"seconds":S}}` last.
//!
//! Exit status: 0 when every target of the rows run is met, 1 when one is MISSED
//! (so a script or CI can gate on it), 2 on an error.

use crate::cli::Color;
use crate::Status;
use fdkit_bench::{benches, suite, Measurement, Params, Sampling, Unit};
use std::io::{IsTerminal, Write};
use std::time::Instant;

/// Flags of `fdkit bench`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Sample each benchmark briefly (the whole suite in well under a minute).
    #[arg(long)]
    pub quick: bool,
    /// Write JSON Lines instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Run only the benchmarks whose id contains one of these words.
    pub filter: Vec<String>,
}

/// Runs `fdkit bench`.
pub fn main(args: &Args, _color: Color) -> anyhow::Result<Status> {
    // The quick suite also replays a smaller log (`Params::quick`).
    let params = if args.quick {
        Params::quick()
    } else {
        Params::default()
    };
    let wanted =
        |id: &str| args.filter.is_empty() || args.filter.iter().any(|f| id.contains(f.as_str()));
    let chosen: Vec<_> = benches(&params)
        .into_iter()
        .filter(|b| wanted(&b.id))
        .collect();
    let sampling = if args.quick {
        Sampling::QUICK
    } else {
        Sampling::FULL
    };
    let show_progress = std::io::stderr().is_terminal();
    let mut progress = |id: &str| {
        if show_progress {
            eprint!("\r\x1b[2Kfdkit bench: {id}");
        }
    };
    let started = Instant::now();
    let mut results = suite::run(&chosen, &params, sampling, &mut progress)?;
    // The memory figures always come last; a filter applies to them too.
    results.retain(|m| wanted(&m.id));
    if results.is_empty() {
        anyhow::bail!("no benchmark matches {:?}", args.filter);
    }
    if show_progress {
        eprint!("\r\x1b[2K");
    }
    let seconds = started.elapsed().as_secs_f64();
    let mut out = std::io::stdout().lock();
    if args.json {
        for m in &results {
            let line = serde_json::json!({"type": "measurement", "data": m});
            writeln!(out, "{line}")?;
        }
        let targets = results.iter().filter(|m| m.met.is_some()).count();
        let met = results.iter().filter(|m| m.met == Some(true)).count();
        let summary = serde_json::json!({"type": "summary", "data": {
            "rows": results.len(), "targets": targets, "met": met, "seconds": seconds,
        }});
        writeln!(out, "{summary}")?;
        return Ok(goals(targets, met));
    }
    writeln!(
        out,
        "{:<34} {:>10} {:>10} {:>9} {:>10} {:>10}  target",
        "benchmark", "fdkit", "host", "ratio", "Vec scan", "BTreeSet"
    )?;
    for m in &results {
        writeln!(out, "{}", row(m))?;
    }
    let targets = results.iter().filter(|m| m.met.is_some()).count();
    let met = results.iter().filter(|m| m.met == Some(true)).count();
    writeln!(
        out,
        "{} benchmarks in {seconds:.1} s: {met} of {targets} targets met (ratio = host / fdkit, same run)",
        results.len()
    )?;
    Ok(goals(targets, met))
}

/// Exit 1 when a target was missed.
fn goals(targets: usize, met: usize) -> Status {
    if met < targets {
        Status::Findings
    } else {
        Status::Clean
    }
}

fn value(v: Option<f64>, unit: Unit) -> String {
    match (v, unit) {
        (None, _) => "-".into(),
        (Some(v), Unit::NsPerOp) if v >= 100_000.0 => format!("{:.0} µs", v / 1000.0),
        (Some(v), Unit::NsPerOp) if v >= 10_000.0 => format!("{:.1} µs", v / 1000.0),
        (Some(v), Unit::NsPerOp) if v >= 100.0 => format!("{v:.0} ns"),
        (Some(v), Unit::NsPerOp) => format!("{v:.1} ns"),
        (Some(v), Unit::Bytes) => format!("{v:.0} B"),
        (Some(v), Unit::BytesPerFd) => format!("{v:.2} B/fd"),
        (Some(v), Unit::NsPerByte) if v >= 0.1 => format!("{v:.2} ns/B"),
        (Some(v), Unit::NsPerByte) => format!("{v:.4} ns/B"),
    }
}

/// A ratio below 1 (a replay row against `wc -l`) as how many times slower fdkit
/// is, `1/40x`; others as `12.3x`.
fn ratio(r: f64) -> String {
    if r > 0.0 && r < 1.0 {
        format!("1/{:.0}x", 1.0 / r)
    } else {
        format!("{r:.1}x")
    }
}

/// A per-byte row's figures as throughput: `fdkit 120 MB/s, host 9000 MB/s`.
fn throughput(m: &Measurement) -> Option<String> {
    if m.unit != Unit::NsPerByte {
        return None;
    }
    let side = |name: &str, v: Option<f64>| {
        v.filter(|&v| v > 0.0)
            .map(|v| format!("{name} {:.0} MB/s", fdkit_bench::mb_per_s(v)))
    };
    let parts: Vec<String> = [side("fdkit", m.model), side("host", m.host)]
        .into_iter()
        .flatten()
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

fn row(m: &Measurement) -> String {
    let ratio = m.ratio.map_or("-".into(), ratio);
    let target = match (m.target, m.met) {
        (Some(fdkit_bench::Target::RatioAtLeast(r)), Some(met)) => {
            format!(">= {r}x {}", if met { "met" } else { "MISSED" })
        }
        (Some(fdkit_bench::Target::AtMost(v)), Some(met)) if m.unit == Unit::NsPerByte => {
            let verdict = if met { "met" } else { "MISSED" };
            let goal = fdkit_bench::mb_per_s(v);
            let got = throughput(m).unwrap_or_else(|| "-".into());
            format!(">= {goal:.0} MB/s ({got}) {verdict}")
        }
        (Some(fdkit_bench::Target::AtMost(v)), Some(met)) => {
            format!(
                "<= {} {}",
                value(Some(v), m.unit),
                if met { "met" } else { "MISSED" }
            )
        }
        (Some(fdkit_bench::Target::ScalingAtMost(x)), Some(met)) => {
            let got = m.scaling_summary().unwrap_or_else(|| "-".into());
            let verdict = if met { "met" } else { "MISSED" };
            format!("<= {x}x the 1-thread time ({got}) {verdict}")
        }
        _ => throughput(m).unwrap_or_default(),
    };
    let base = |k: &str| value(m.baselines.get(k).copied(), m.unit);
    format!(
        "{:<34} {:>10} {:>10} {:>9} {:>10} {:>10}  {target}",
        m.id,
        value(m.model, m.unit),
        value(m.host, m.unit),
        ratio,
        base("vec_scan"),
        base("btree_free"),
    )
}

#[cfg(test)]
mod tests {
    use super::{goals, row};
    use crate::Status;
    use fdkit_bench::{Measurement, Target, Unit};

    #[test]
    fn a_per_byte_row_shows_mb_per_s_and_its_goal() {
        let mut m = Measurement::new("replay_dense/2/replay", "fdkit check");
        m.unit = Unit::NsPerByte;
        m.model = Some(4.0);
        m.host = Some(0.1);
        m.set_target(Some(Target::AtMost(fdkit_bench::ns_per_byte(300.0))));
        let text = row(&m);
        assert!(
            text.contains("4.00 ns/B") && text.contains("0.10 ns/B"),
            "{text}"
        );
        assert!(text.contains("1/40x"), "{text}");
        assert!(
            text.ends_with(">= 300 MB/s (fdkit 250 MB/s, host 10000 MB/s) MISSED"),
            "{text}"
        );
        m.model = Some(2.5);
        m.set_target(m.target);
        assert!(row(&m).ends_with("(fdkit 400 MB/s, host 10000 MB/s) met"));
        // Without a goal the figures still read as throughput.
        m.set_target(None);
        assert!(row(&m).ends_with("  fdkit 400 MB/s, host 10000 MB/s"));
    }

    #[test]
    fn a_missed_target_is_exit_1() {
        assert_eq!(goals(5, 5), Status::Clean);
        assert_eq!(goals(0, 0), Status::Clean);
        assert_eq!(goals(5, 4), Status::Findings);
    }
}

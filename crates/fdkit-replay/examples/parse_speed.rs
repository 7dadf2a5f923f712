//! Calibration: how fast the line parser alone reads a log (`LogReader` +
//! `Line::parse`), to compare with `fdkit check` on the same file.
//! `cargo run --release -p fdkit-replay --example parse_speed -- LOG`

fn main() -> std::io::Result<()> {
    let path = std::env::args().nth(1).unwrap_or_else(|| "-".into());
    let start = std::time::Instant::now();
    let mut reader = fdkit_replay::LogReader::new(std::fs::File::open(path)?);
    let (mut ok, mut bad) = (0u64, 0u64);
    reader.for_each_line(|_, line| match std::str::from_utf8(line) {
        Ok(t) if fdkit_strace::Line::parse(t).is_ok() => ok += 1,
        _ => bad += 1,
    })?;
    let secs = start.elapsed().as_secs_f64();
    let mb = reader.bytes_read() as f64 / 1e6;
    println!(
        "{ok} lines parsed, {bad} not; {mb:.0} MB in {secs:.2} s: {:.0} MB/s",
        mb / secs
    );
    Ok(())
}

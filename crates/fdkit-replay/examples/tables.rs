//! Prints every live process's table after line N of a log:
//! `cargo run -p fdkit-replay --example tables -- LOG N`.

use std::io::BufRead;

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_else(|| "-".into());
    let upto: u64 = args.next().and_then(|n| n.parse().ok()).unwrap_or(u64::MAX);
    let file = std::io::BufReader::new(std::fs::File::open(path)?);
    let mut replay = fdkit_replay::Replay::default();
    for (i, line) in file.split(b'\n').enumerate() {
        let n = i as u64 + 1;
        if n > upto {
            break;
        }
        replay.push_bytes(n, &line?, &mut ());
    }
    for t in replay.tables() {
        println!("pid {} (threads {:?}):", t.pid, t.tids);
        for fd in &t.fds {
            println!("  {fd}  [description {}]", fd.desc.id());
        }
    }
    println!("{}", replay.summary());
    Ok(())
}

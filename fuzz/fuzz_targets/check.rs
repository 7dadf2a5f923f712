//! `fdkit check` on arbitrary logs — a stub until the `fdkit-replay` crate lands on
//! main. Then: depend on `fdkit-replay` in fuzz/Cargo.toml and replace the body
//! with a replay of `data` as a log (bounded by its own line and call caps),
//! asserting no panic, and that every divergence it reports names a line that
//! exists in `data`. Until then it exercises what replay will read the log with:
//! `Lines` and the `Joiner`, joined calls converted by re-parsing their text.
#![no_main]

use fdkit_strace::{Joiner, Line, Lines, Record};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    // TODO(fdkit-replay): replace with the replay entry point.
    let mut joiner = Joiner::new();
    for (number, line) in Lines::new(data).flatten() {
        let Ok(records) = joiner.push(number, line) else {
            continue;
        };
        for record in records {
            if let Record::Call(call) = record {
                let text = call.to_string();
                let _ = Line::parse(&text);
                assert!(call.entered <= call.completed && call.completed <= number);
            }
        }
    }
    let _ = joiner.finish();
});

//! `fdkit check` on arbitrary logs: the replay engine fed `data` as a log, line by
//! line, exactly as `fdkit check` feeds it. Asserts no panic, that the summary's
//! counts add up, and that every divergence, inference and input error names a line
//! that exists in `data`.
#![no_main]

use fdkit_replay::{Divergence, InputError, Inference, Replay, Sink};

#[derive(Default)]
struct Lines {
    highest: u64,
    seen: Vec<u64>,
}

impl Sink for Lines {
    fn divergence(&mut self, d: &Divergence) {
        self.seen.push(d.line);
    }
    fn inference(&mut self, i: &Inference) {
        self.seen.push(i.line);
    }
    fn error(&mut self, e: &InputError) {
        self.seen.push(e.line);
    }
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut replay = Replay::default();
    let mut sink = Lines::default();
    let mut number = 0;
    for line in data.split(|&b| b == b'\n') {
        number += 1;
        replay.push_bytes(number, line, &mut sink);
    }
    sink.highest = number;
    replay.finish(&mut sink);
    let s = replay.summary();
    assert!(s.agree + s.differ + s.undecided <= s.calls, "{s:?}");
    for line in sink.seen {
        assert!(line <= sink.highest, "line {line} of {}", sink.highest);
    }
});

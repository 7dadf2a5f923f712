//! What the replay tests share: a sink that keeps divergences and inferences, and
//! a whole-log replay.

#![allow(dead_code)]

use fdkit_replay::{Divergence, Inference, Replay, Sink, Summary};

/// Keeps what a replay reports.
#[derive(Default)]
pub struct Keep {
    /// The divergences, in order.
    pub div: Vec<Divergence>,
    /// The inferences, in order.
    pub inf: Vec<Inference>,
}

impl Sink for Keep {
    fn divergence(&mut self, d: &Divergence) {
        self.div.push(d.clone());
    }
    fn inference(&mut self, i: &Inference) {
        self.inf.push(i.clone());
    }
}

/// Replays `log` (lines numbered from 1) to its end.
pub fn replay(log: &str) -> (Summary, Keep) {
    let mut r = Replay::default();
    let mut k = Keep::default();
    for (i, line) in log.lines().enumerate() {
        r.push_line(i as u64 + 1, line, &mut k);
    }
    r.finish(&mut k);
    (r.summary(), k)
}

/// The lines of the divergences.
pub fn lines(log: &str) -> Vec<u64> {
    replay(log).1.div.iter().map(|d| d.line).collect()
}

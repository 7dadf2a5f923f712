//! `fdkit check` on the dense log of issue 17 ([`DenseLog`]), in ns per byte of
//! log: `replay_dense/1` replays it on one thread as `fdkit check --threads 1`
//! does (each line read, parsed and replayed in turn), `replay_dense/2` on two as
//! plain `fdkit check FILE` does ([`Replay::run_threaded`]: lines split and parsed
//! on a second thread). The sink counts and drops what the replay reports, so the
//! figure is the replay's, not an output's.
//!
//! The host side is `wc -l` over the same bytes (a `memchr` count of the line
//! ends): the least any tool that reads every line does, so the ratio says how
//! many times slower than `wc -l` the replay is, in the same run. The goal of
//! `replay_dense/2` is the 300 MB/s.
//!
//! One iteration replays the whole log from a fresh [`Replay`] (a replay cannot
//! be repeated in place) and calls [`Replay::finish`]; the log is generated once,
//! in memory, at [`Params::dense_log_bytes`], and checked once (no divergence, no
//! parse error) before any side is timed.

use super::fixture_error;
use crate::dense_log::DenseLog;
use crate::sample::Timer;
use crate::suite::{Bench, Params, Side};
use crate::{ns_per_byte, Target, Unit};
use fdkit_replay::{Divergence, InputError, LogReader, Options, Replay, Sink, Summary};
use std::cell::OnceCell;
use std::hint::black_box;
use std::io;
use std::rc::Rc;
use std::time::Instant;

/// The goal for `fdkit check` on a dense log, in MB/s.
pub(crate) const GOAL_MB_PER_S: f64 = 300.0;

/// A sink that counts divergences and parse errors and keeps nothing.
#[derive(Default)]
pub(crate) struct Counting {
    divergences: u64,
    errors: u64,
}

impl Sink for Counting {
    fn divergence(&mut self, _d: &Divergence) {
        self.divergences += 1;
    }
    fn error(&mut self, _e: &InputError) {
        self.errors += 1;
    }
}

/// Replays `log` from a fresh [`Replay`] on one thread, as `fdkit check
/// --threads 1` does.
pub(crate) fn replay_one_thread(log: &[u8], sink: &mut Counting) -> io::Result<Summary> {
    let mut replay = Replay::new(Options::default());
    LogReader::new(log).try_for_each_text_line(
        |n, line| {
            match line {
                Ok(text) => replay.push_text(n, text, sink),
                Err(bytes) => replay.push_bytes(n, bytes, sink),
            }
            Ok(())
        },
        |_| {},
    )?;
    replay.finish(sink);
    Ok(replay.summary())
}

/// Replays `log` from a fresh [`Replay`] on two threads, as `fdkit check FILE`
/// does.
pub(crate) fn replay_two_threads(log: &[u8], sink: &mut Counting) -> io::Result<Summary> {
    let mut replay = Replay::new(Options::default());
    replay.run_threaded(log, sink, |_| Ok(()), |_| {})?;
    replay.finish(sink);
    Ok(replay.summary())
}

/// The generated log, shared by the rows and built (and checked) on first use.
type Shared = Rc<OnceCell<Result<Rc<[u8]>, String>>>;

fn log_of(shared: &Shared, k: usize) -> io::Result<Rc<[u8]>> {
    let made = shared.get_or_init(|| {
        let log: Rc<[u8]> = DenseLog::sample().generate(k).into();
        let mut sink = Counting::default();
        let summary = replay_one_thread(&log, &mut sink).map_err(|e| e.to_string())?;
        if summary.differ > 0 || summary.errors > 0 || sink.divergences > 0 {
            return Err(format!(
                "the generated dense log does not replay clean: {summary}"
            ));
        }
        Ok(log)
    });
    made.clone().map_err(fixture_error)
}

/// `replay_dense/1` and `replay_dense/2`.
pub(crate) fn benches(p: &Params) -> Vec<Bench> {
    let sample = DenseLog::sample();
    let k = sample.iterations_for(p.dense_log_bytes);
    let bytes = sample.len_with(k);
    let lines = sample.head.lines().count()
        + k * sample.iteration.lines().count()
        + sample.tail.lines().count();
    let shared: Shared = Rc::default();
    let goal = Target::AtMost(ns_per_byte(GOAL_MB_PER_S));
    let mut out = Vec::new();
    for threads in [1u32, 2] {
        let replay = if threads == 1 {
            replay_one_thread
        } else {
            replay_two_threads
        };
        let what = format!(
            "fdkit check on {threads} thread{} over a dense strace log, per byte \
             (host: wc -l over the same bytes)",
            if threads == 1 { "" } else { "s" }
        );
        let (model_log, host_log) = (Rc::clone(&shared), Rc::clone(&shared));
        let bench = Bench::new(format!("replay_dense/{threads}"), what)
            .param("log_bytes", bytes as u64)
            .param("log_lines", lines as u64)
            .param("iterations", k as u64)
            .param("replay_threads", threads)
            .per(Unit::NsPerByte, bytes as f64)
            .targets(None, (threads == 2).then_some(goal))
            .side(Side::Replay, move || {
                let log = log_of(&model_log, k)?;
                Ok(Box::new(move |iters: u64| {
                    let start = Instant::now();
                    for _ in 0..iters {
                        let mut sink = Counting::default();
                        // The log was checked when it was made: a read of memory cannot fail.
                        black_box(replay(&log, &mut sink).ok());
                        black_box((sink.divergences, sink.errors));
                    }
                    start.elapsed()
                }) as Timer)
            })
            .side(Side::Host, move || {
                let log = log_of(&host_log, k)?;
                Ok(Box::new(move |iters: u64| {
                    let start = Instant::now();
                    for _ in 0..iters {
                        black_box(memchr::memchr_iter(b'\n', black_box(&log)).count());
                    }
                    start.elapsed()
                }) as Timer)
            });
        out.push(bench);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_log_replays_clean_on_one_and_two_threads() {
        let sample = DenseLog::sample();
        let k = 200;
        let log = sample.generate(k);
        for replay in [replay_one_thread, replay_two_threads] {
            let mut sink = Counting::default();
            let s = replay(&log, &mut sink).unwrap();
            assert_eq!((s.differ, s.errors, s.unconfirmed), (0, 0, 0), "{s}");
            assert_eq!((sink.divergences, sink.errors), (0, 0));
            // Every line of the log is a call but the exit line; the loop's are
            // all decided by the table and agree.
            let lines = log.iter().filter(|&&b| b == b'\n').count() as u64;
            assert_eq!(s.calls, lines - 1, "{s}");
            assert!(s.agree >= 25 * k as u64, "{s}");
            assert_eq!(s.processes, 1);
        }
    }

    #[test]
    fn a_log_that_diverges_is_caught_by_the_counting_sink() {
        // The loop's first `dup2(3, 4) = 4` claiming another number: a divergence
        // the setup's check would refuse.
        let sample = DenseLog::sample();
        let bad = sample.iteration.replacen("= 4\n", "= 7\n", 1);
        assert_ne!(bad, sample.iteration);
        let log = format!("{}{}{}", sample.head, bad, sample.tail);
        let mut sink = Counting::default();
        let s = replay_two_threads(log.as_bytes(), &mut sink).unwrap();
        assert!(s.differ > 0 && sink.divergences > 0, "{s}");
    }

    #[test]
    fn rows_share_one_checked_log() {
        let shared: Shared = Rc::default();
        let a = log_of(&shared, 3).unwrap();
        let b = log_of(&shared, 3).unwrap();
        assert!(Rc::ptr_eq(&a, &b));
        assert_eq!(a.len(), DenseLog::sample().len_with(3));
    }
}

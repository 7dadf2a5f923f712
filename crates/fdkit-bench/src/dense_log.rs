//! The dense log of issue 17 at any size: a real `strace -f` recording of a bash
//! loop that does nothing but descriptor work, its loop repeated.
//!
//! `data/dense-loop.strace` is `scripts/record-dense-log.sh --iterations 3` as
//! recorded, with `#` lines added (strace never starts a line with `#`, and
//! [`Replay::push_line`](fdkit_replay::Replay::push_line) skips such lines). Two of
//! them cut it in three: the head (`execve`, the dynamic loader, bash's start-up
//! and the loop's first iteration), one iteration of the loop (25 lines:
//! `openat`, `dup2`, `fcntl` `F_GETFD`/`F_DUPFD`/`F_SETFD` and `close`, each
//! result decided by the descriptor table), and the tail (the last iteration and
//! the exit). The iteration starts and ends with only 0, 1 and 2 open, so any
//! number of copies of it replays as Linux ran it: [`DenseLog::generate`] writes
//! head + iteration × k + tail.

/// The committed recording, with its marker lines.
pub const SAMPLE: &str = include_str!("../data/dense-loop.strace");

/// The line that starts the repeated iteration in [`SAMPLE`].
const ITERATION_MARK: &str = "# fdkit-bench: iteration";
/// The line that starts the tail in [`SAMPLE`].
const TAIL_MARK: &str = "# fdkit-bench: tail";

/// [`SAMPLE`] cut into its three parts, `#` lines left out; each part is whole
/// lines, each ending in `\n`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DenseLog {
    /// Everything before the repeated iteration.
    pub head: String,
    /// One iteration of the loop.
    pub iteration: String,
    /// The last iteration and the exit.
    pub tail: String,
}

impl DenseLog {
    /// The committed sample, cut at its marker lines.
    pub fn sample() -> DenseLog {
        DenseLog::parse(SAMPLE).expect("data/dense-loop.strace has both marker lines")
    }

    /// Cuts `text` at a `# fdkit-bench: iteration` line and a later
    /// `# fdkit-bench: tail` line, dropping every `#` line; `None` without both
    /// marks in that order or with an empty iteration.
    pub fn parse(text: &str) -> Option<DenseLog> {
        let mut parts = [String::new(), String::new(), String::new()];
        let mut at = 0;
        for line in text.lines() {
            match line {
                ITERATION_MARK if at == 0 => at = 1,
                TAIL_MARK if at == 1 => at = 2,
                _ if line.starts_with('#') => {}
                _ => {
                    parts[at].push_str(line);
                    parts[at].push('\n');
                }
            }
        }
        let [head, iteration, tail] = parts;
        (at == 2 && !iteration.is_empty()).then_some(DenseLog {
            head,
            iteration,
            tail,
        })
    }

    /// Iterations that make [`DenseLog::generate`] at least `bytes` long (at least 1).
    pub fn iterations_for(&self, bytes: usize) -> usize {
        let fixed = self.head.len() + self.tail.len();
        bytes
            .saturating_sub(fixed)
            .div_ceil(self.iteration.len())
            .max(1)
    }

    /// The length of the log with `k` iterations.
    pub fn len_with(&self, k: usize) -> usize {
        self.head.len() + self.iteration.len() * k + self.tail.len()
    }

    /// Head + the iteration `k` times + tail, built in memory at its final size.
    pub fn generate(&self, k: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.len_with(k));
        out.extend_from_slice(self.head.as_bytes());
        for _ in 0..k {
            out.extend_from_slice(self.iteration.as_bytes());
        }
        out.extend_from_slice(self.tail.as_bytes());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_cuts_into_head_one_iteration_and_tail() {
        let log = DenseLog::sample();
        assert_eq!(log.iteration.lines().count(), 25);
        assert!(log.iteration.starts_with(|c: char| c.is_ascii_digit()));
        assert!(log
            .iteration
            .contains("openat(AT_FDCWD, \"/dev/null\", O_RDONLY) = 3"));
        assert!(log.head.contains("execve(\"/usr/bin/bash\""));
        assert!(log.tail.contains("+++ exited with 0 +++"));
        for part in [&log.head, &log.iteration, &log.tail] {
            assert!(part.ends_with('\n'));
            assert!(!part.lines().any(|l| l.starts_with('#')), "a # line kept");
        }
        // The committed file is the recording plus 11 `#` lines.
        let lines = |s: &str| s.lines().count();
        let kept = lines(&log.head) + lines(&log.iteration) + lines(&log.tail);
        assert_eq!(kept + 11, SAMPLE.lines().count());
    }

    #[test]
    fn marks_out_of_order_or_missing_are_refused() {
        assert_eq!(DenseLog::parse("1 close(3) = 0\n"), None);
        let reversed = format!("{TAIL_MARK}\n1 close(3) = 0\n{ITERATION_MARK}\n");
        assert_eq!(DenseLog::parse(&reversed), None);
        let empty = format!("{ITERATION_MARK}\n{TAIL_MARK}\n1 close(3) = 0\n");
        assert_eq!(DenseLog::parse(&empty), None);
    }

    #[test]
    fn generated_sizes_are_as_computed() {
        let log = DenseLog::sample();
        let k = log.iterations_for(100_000);
        let bytes = log.generate(k);
        assert_eq!(bytes.len(), log.len_with(k));
        assert!(bytes.len() >= 100_000, "{}", bytes.len());
        assert!(bytes.len() < 100_000 + log.iteration.len());
        assert_eq!(log.iterations_for(0), 1);
        let lines = bytes.iter().filter(|&&b| b == b'\n').count();
        let per = |s: &str| s.lines().count();
        assert_eq!(lines, per(&log.head) + k * 25 + per(&log.tail));
    }
}

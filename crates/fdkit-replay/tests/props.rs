//! Property tests: no input makes the replay panic, and replaying is
//! deterministic.

use fdkit_replay::{Divergence, InputError, Replay, Sink, Summary};
use proptest::prelude::*;

/// Counts what the replay reports, and asks for events so that their code runs.
#[derive(Default)]
struct Count {
    divergences: u64,
    errors: u64,
    events: u64,
}

impl Sink for Count {
    fn divergence(&mut self, _d: &Divergence) {
        self.divergences += 1;
    }
    fn error(&mut self, _e: &InputError) {
        self.errors += 1;
    }
    fn wants_events(&self) -> bool {
        true
    }
    fn event(&mut self, _e: &fdkit_replay::Event) {
        self.events += 1;
    }
}

fn replay(bytes: &[u8]) -> (Summary, Count) {
    let mut r = Replay::default();
    let mut sink = Count::default();
    r.run(bytes, &mut sink, |_| {})
        .expect("reading memory cannot fail");
    let _ = r.tables();
    (r.summary(), sink)
}

/// Lines of the recorded fixtures, to mutate.
fn fixture_lines() -> Vec<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures");
    let mut lines = Vec::new();
    for name in [
        "c-dup-edge",
        "c-fork-exec.stderr",
        "c-sockets.yy-tt-T",
        "c-threads",
    ] {
        let text = std::fs::read_to_string(format!("{dir}/{name}.strace")).unwrap();
        lines.extend(text.lines().take(400).map(str::to_owned));
    }
    lines
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let (s, sink) = replay(&bytes);
        prop_assert_eq!(s.agree + s.differ + s.undecided, s.calls);
        prop_assert_eq!(s.errors, sink.errors);
    }

    #[test]
    fn arbitrary_text_lines_never_panic(
        lines in proptest::collection::vec("[0-9 ]{0,6}[a-z_0-9(),<>.=\\[\\]{}\" -]{0,60}", 0..40)
    ) {
        let text = lines.join("\n");
        let (s, _) = replay(text.as_bytes());
        prop_assert_eq!(s.agree + s.differ + s.undecided, s.calls);
    }

    #[test]
    fn mutated_real_lines_never_panic(
        picks in proptest::collection::vec((0usize..1600, 0usize..200, any::<u8>()), 1..60)
    ) {
        let all = fixture_lines();
        let mut log = String::new();
        for (i, at, byte) in picks {
            let mut line = all[i % all.len()].clone().into_bytes();
            if !line.is_empty() {
                let k = at % line.len();
                line[k] = byte;
            }
            log.push_str(&String::from_utf8_lossy(&line));
            log.push('\n');
        }
        let (s, _) = replay(log.as_bytes());
        prop_assert_eq!(s.agree + s.differ + s.undecided, s.calls);
    }

    #[test]
    fn numbers_in_real_lines_may_be_anything(
        picks in proptest::collection::vec((0usize..1600, any::<i64>()), 1..80)
    ) {
        // Replace the last number of a line (often its result) with any value:
        // huge descriptors, negative counts, limits past nr_open.
        let all = fixture_lines();
        let mut log = String::new();
        for (i, v) in picks {
            let line = &all[i % all.len()];
            let cut = line.rfind(|c: char| c.is_ascii_digit()).map_or(line.len(), |k| k + 1);
            let start = line[..cut].rfind(|c: char| !c.is_ascii_digit()).map_or(0, |k| k + 1);
            log.push_str(&line[..start]);
            log.push_str(&v.to_string());
            log.push_str(&line[cut..]);
            log.push('\n');
        }
        let (s, _) = replay(log.as_bytes());
        prop_assert_eq!(s.agree + s.differ + s.undecided, s.calls);
    }
}

#[test]
fn replaying_twice_gives_the_same_summary() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures");
    for name in ["c-threads", "make-j", "py-subprocess"] {
        let bytes = std::fs::read(format!("{dir}/{name}.strace")).unwrap();
        let (a, _) = replay(&bytes);
        let (b, _) = replay(&bytes);
        assert_eq!(a, b, "{name}");
    }
}

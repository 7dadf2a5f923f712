//! New tasks whose parent is not known yet.
//!
//! A child can print before its parent's `clone` returns: strace shows the
//! child's first system calls as soon as it runs, and the parent's
//! `<... clone3 resumed> ... = PID` later. While one clone-family call is
//! pending, a new pid belongs to it. While several are pending (a build tool's
//! threads spawning compilers while other threads start threads), the pid's
//! first line does not say whose child it is, and guessing wrong is costly: the
//! child's calls land in the wrong table (a `vfork` child's `close(3)` closing a
//! thread group's descriptor) and the real parent's clone result then replaces
//! the task, losing its pending `execve`.
//!
//! So such a pid's lines are held back, in order, until a clone returns it
//! (then they are replayed as that clone's child), until no clone is pending
//! any more (then the guess is as good as it gets: the task is a new root), or
//! until the held lines exceed a bound (then the oldest held pid is guessed
//! from the clones pending at that point). Held lines keep their numbers, so
//! reports point at where they are in the log.

/// At most this many lines are held, over all pids.
pub(crate) const MAX_HELD_LINES: usize = 4096;
/// At most this many bytes of text are held, over all pids.
pub(crate) const MAX_HELD_BYTES: usize = 1 << 20;

/// The lines of pids waiting for their parent, and the pids a clone result just
/// claimed.
#[derive(Default)]
pub(crate) struct Orphans {
    held: Vec<Orphan>,
    lines: usize,
    bytes: usize,
    /// Pids whose clone returned since the last release.
    pub(crate) adopted: Vec<u32>,
}

/// One pid's held lines: (line number, text).
pub(crate) struct Orphan {
    pub(crate) pid: u32,
    pub(crate) lines: Vec<(u64, Box<str>)>,
}

impl Orphans {
    /// Nothing is held.
    pub(crate) fn is_empty(&self) -> bool {
        self.held.is_empty()
    }

    /// Whether `pid`'s lines are held.
    pub(crate) fn holds(&self, pid: u32) -> bool {
        self.held.iter().any(|o| o.pid == pid)
    }

    /// Holds line `number` of `pid`. Returns the oldest held pid's lines when the
    /// bounds are exceeded (to be replayed now, with a guessed parent).
    pub(crate) fn hold(&mut self, pid: u32, number: u64, text: &str) -> Option<Orphan> {
        let line = (number, Box::<str>::from(text));
        match self.held.iter_mut().find(|o| o.pid == pid) {
            Some(o) => o.lines.push(line),
            None => self.held.push(Orphan {
                pid,
                lines: vec![line],
            }),
        }
        self.lines += 1;
        self.bytes += text.len();
        if self.lines > MAX_HELD_LINES || self.bytes > MAX_HELD_BYTES {
            return self.take_at(0);
        }
        None
    }

    /// Takes `pid`'s held lines.
    pub(crate) fn take(&mut self, pid: u32) -> Option<Orphan> {
        let i = self.held.iter().position(|o| o.pid == pid)?;
        self.take_at(i)
    }

    /// Takes the pid held longest.
    pub(crate) fn take_oldest(&mut self) -> Option<Orphan> {
        self.take_at(0)
    }

    fn take_at(&mut self, i: usize) -> Option<Orphan> {
        if i >= self.held.len() {
            return None;
        }
        let o = self.held.remove(i);
        self.lines -= o.lines.len();
        self.bytes -= o.lines.iter().map(|(_, t)| t.len()).sum::<usize>();
        Some(o)
    }
}

/// The pid of a line's prefix (`1234 ` or `[pid 1234] `), if it has one.
pub(crate) fn line_pid(text: &str) -> Option<u32> {
    let b = text.as_bytes();
    let rest = match b.strip_prefix(b"[pid") {
        Some(r) => {
            let n = r.iter().take_while(|&&c| c == b' ').count();
            &r[n..]
        }
        None => b,
    };
    let digits = rest.iter().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 || digits > 10 {
        return None;
    }
    let end = rest.get(digits);
    if !matches!(end, Some(b' ') | Some(b']')) {
        return None;
    }
    std::str::from_utf8(&rest[..digits]).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_name_their_pid() {
        assert_eq!(line_pid("1234 close(3) = 0"), Some(1234));
        assert_eq!(line_pid("[pid  77] close(3) = 0"), Some(77));
        assert_eq!(line_pid("close(3) = 0"), None);
        assert_eq!(line_pid("12:00:01 close(3) = 0"), None);
        assert_eq!(line_pid("99999999999 close(3) = 0"), None);
        assert_eq!(line_pid("4294967296 close(3) = 0"), None);
    }

    #[test]
    fn held_lines_are_bounded_and_come_back_in_order() {
        let mut o = Orphans::default();
        assert!(o.hold(7, 1, "7 a").is_none());
        assert!(o.hold(8, 2, "8 b").is_none());
        assert!(o.hold(7, 3, "7 c").is_none());
        let seven = o.take(7).expect("held");
        let numbers: Vec<u64> = seven.lines.iter().map(|(n, _)| *n).collect();
        assert_eq!(numbers, [1, 3]);
        assert!(o.holds(8) && !o.holds(7));
        let mut evicted = None;
        for n in 0..MAX_HELD_LINES as u64 {
            evicted = evicted.or(o.hold(9, 10 + n, "9 x"));
        }
        // The bound gives back the pid held longest (8), not the newest.
        assert_eq!(evicted.map(|e| e.pid), Some(8));
        assert!(o.take_oldest().is_some_and(|e| e.pid == 9));
        assert!(o.is_empty());
    }
}

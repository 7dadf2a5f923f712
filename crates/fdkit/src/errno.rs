//! [`Errno`]: Linux error numbers, named and worded the way strace prints them.

use core::fmt;

include!("errno_table.rs");

/// A Linux error number (x86-64 numbering), as returned in `errno` by a failed system
/// call.
///
/// `Errno` is a `Copy` newtype rather than an enum so that any number read from a log
/// stays representable, including ones this crate has no name for. The associated
/// constants drop the C `E` prefix: `Errno::BADF` is `EBADF` (9). The kernel-internal
/// restart codes that strace shows (`ERESTARTSYS`, 512 ...) are included because traced
/// programs see them in logs even though user space never receives them.
///
/// `Display` renders the strace form `EBADF (Bad file descriptor)`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Errno(i32);

/// The result type of every modelled system call.
pub type Result<T, E = Errno> = core::result::Result<T, E>;

impl Errno {
    /// Wraps a raw error number (positive, as stored in `errno`).
    pub const fn from_raw(raw: i32) -> Errno {
        Errno(raw)
    }

    /// The raw error number.
    pub const fn raw(self) -> i32 {
        self.0
    }

    /// The symbolic name, e.g. `"EBADF"`, or `None` for a number Linux does not define.
    /// A `const fn`, so other crates can name an errno without spelling it again.
    pub const fn name(self) -> Option<&'static str> {
        match lookup(self.0) {
            Some(&(_, name, _)) => Some(name),
            None => None,
        }
    }

    /// The message strace prints after the name, e.g. `"Bad file descriptor"`
    /// (glibc's `strerror` text; strace's own text for the kernel-internal restart
    /// codes). Unknown numbers give `None`.
    pub fn message(self) -> Option<&'static str> {
        lookup(self.0).map(|&(_, _, msg)| msg)
    }

    /// Looks an error up by its symbolic name as strace prints it (`"EBADF"`). The
    /// aliases `EWOULDBLOCK`, `EDEADLOCK` and `ENOTSUP` are accepted.
    pub fn from_name(name: &str) -> Option<Errno> {
        let name = match name {
            "EWOULDBLOCK" => "EAGAIN",
            "EDEADLOCK" => "EDEADLK",
            "ENOTSUP" => "EOPNOTSUPP",
            other => other,
        };
        BY_NAME
            .binary_search_by(|&i| name_cmp(ERRNO_TABLE[usize::from(i)].1, name))
            .ok()
            .map(|k| Errno(ERRNO_TABLE[usize::from(BY_NAME[k])].0))
    }

    /// Every error number this crate can name, in numeric order.
    pub fn all() -> impl Iterator<Item = Errno> {
        ERRNO_TABLE.iter().map(|(raw, _, _)| Errno(*raw))
    }
}

/// `a` against `b`, byte by byte: for names of a few bytes, cheaper than `memcmp`.
#[inline]
fn name_cmp(a: &str, b: &str) -> core::cmp::Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    for (x, y) in a.iter().zip(b) {
        if x != y {
            return x.cmp(y);
        }
    }
    a.len().cmp(&b.len())
}

/// Whether `a` sorts before `b`, byte by byte (a `const` `str` comparison).
const fn name_less(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut i = 0;
    while i < a.len() && i < b.len() {
        if a[i] != b[i] {
            return a[i] < b[i];
        }
        i += 1;
    }
    a.len() < b.len()
}

/// Positions in [`ERRNO_TABLE`] sorted by name, built at compile time, so that
/// [`Errno::from_name`] is a binary search (it runs for every error in a log).
static BY_NAME: [u8; ERRNO_TABLE.len()] = {
    let mut ix = [0u8; ERRNO_TABLE.len()];
    let mut i = 0;
    while i < ix.len() {
        ix[i] = i as u8;
        i += 1;
    }
    // Insertion sort: a few hundred names, once, at compile time.
    let mut i = 1;
    while i < ix.len() {
        let mut j = i;
        while j > 0
            && name_less(
                ERRNO_TABLE[ix[j] as usize].1,
                ERRNO_TABLE[ix[j - 1] as usize].1,
            )
        {
            let t = ix[j];
            ix[j] = ix[j - 1];
            ix[j - 1] = t;
            j -= 1;
        }
        i += 1;
    }
    ix
};

/// The table row of `raw`: a binary search, usable in `const` contexts.
const fn lookup(raw: i32) -> Option<&'static (i32, &'static str, &'static str)> {
    let (mut lo, mut hi) = (0, ERRNO_TABLE.len());
    while lo < hi {
        let mid = (lo + hi) / 2;
        let n = ERRNO_TABLE[mid].0;
        if n == raw {
            return Some(&ERRNO_TABLE[mid]);
        }
        if n < raw {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    None
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match lookup(self.0) {
            Some((_, name, msg)) => write!(f, "{name} ({msg})"),
            None => write!(f, "E{} (Unknown error {})", self.0, self.0),
        }
    }
}

impl fmt::Debug for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "Errno({})", self.0),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Errno {}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn table_is_sorted_and_unique() {
        assert!(ERRNO_TABLE.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn display_matches_strace() {
        assert_eq!(Errno::BADF.to_string(), "EBADF (Bad file descriptor)");
        assert_eq!(Errno::MFILE.to_string(), "EMFILE (Too many open files)");
        assert_eq!(
            Errno::RESTARTSYS.to_string(),
            "ERESTARTSYS (To be restarted if SA_RESTART is set)"
        );
        assert_eq!(
            Errno::from_raw(4000).to_string(),
            "E4000 (Unknown error 4000)"
        );
    }

    #[test]
    fn names_round_trip() {
        for e in Errno::all() {
            assert_eq!(Errno::from_name(e.name().unwrap()), Some(e));
        }
        assert_eq!(Errno::from_name("EWOULDBLOCK"), Some(Errno::AGAIN));
        assert_eq!(Errno::from_name("ENOPE"), None);
        assert_eq!(Errno::BADF.raw(), 9);
        assert_eq!(Errno::MFILE.raw(), 24);
        assert_eq!(Errno::BUSY.raw(), 16);
    }
}

//! Reading flag words and numbers as strace prints them: `O_RDWR|O_CLOEXEC`,
//! `FD_CLOEXEC|0xfe`, `0x8 /* CLOSE_RANGE_??? */`, `8192*1024`, `RLIM64_INFINITY`.
//!
//! strace prints a flag word as names joined by `|`, with unknown bits as a trailing
//! number and sometimes a comment; an argument it cannot decode at all is a plain
//! number. Every function here accepts both, allocates nothing, and answers `None`
//! for text it cannot evaluate, so callers can tell "flag absent" from "unknown".
//!
//! Names and values come from [`fdkit::catalog::flagset`], where each is spelled
//! once; a name is matched against its `&'static str` there (`name::O_CLOEXEC`), as
//! fast as a `match` on literals.

use fdkit::catalog::flagset::{
    self as fs, name, CLONE_FLAGS, CLOSE_RANGE_FLAGS, FCNTL_CMDS, FD_FLAGS, OPEN_ACCESS,
    OPEN_FLAGS, RLIM_VALUES, SIGNALS,
};

use fdkit_strace::ws;

/// Strips a trailing `/* comment */` and surrounding blanks.
pub(crate) fn strip_comment(text: &str) -> &str {
    let t = ws::trim(text);
    // Flag words are short: a loop beats `memchr`'s setup.
    match t.bytes().position(|c| c == b'/') {
        Some(i) if t.as_bytes().get(i + 1) == Some(&b'*') => ws::trim_end(&t[..i]),
        Some(_) => match t.find("/*") {
            Some(i) => ws::trim_end(&t[..i]),
            None => t,
        },
        None => t,
    }
}

/// An integer token: decimal, `0x` hex or `0` octal, optionally negative; a `-y`
/// decoration (`3</tmp/a>`) is ignored. Negative values wrap as C does when the
/// caller truncates.
pub(crate) fn int(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if !b.is_empty()
        && b.len() <= 18
        && b.iter().all(u8::is_ascii_digit)
        && (b[0] != b'0' || b.len() == 1)
    {
        // The common case: a plain decimal.
        return Some(b.iter().fold(0i64, |v, &c| v * 10 + i64::from(c - b'0')));
    }
    // A name (`FD_CLOEXEC`, `O_RDONLY`) is no number: said without the reader.
    if ws::trim_start(text)
        .bytes()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == b'_')
    {
        return None;
    }
    let t = strip_comment(text);
    let t = match t.find('<') {
        Some(i) if i > 0 => &t[..i],
        _ => t,
    };
    let (neg, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    let v: u64 = if let Some(h) = digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        u64::from_str_radix(h, 16).ok()?
    } else if digits.len() > 1 && digits.starts_with('0') {
        u64::from_str_radix(&digits[1..], 8).ok()?
    } else {
        if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        digits.parse().ok()?
    };
    if neg {
        0i64.checked_sub_unsigned(v)
    } else {
        Some(v as i64)
    }
}

/// A descriptor argument: `3`, `3</tmp/a>`, `-1`, `4294967295`; `AT_FDCWD` is -100.
pub(crate) fn fd(text: &str) -> Option<i64> {
    if let Some(v) = int(text) {
        return Some(v);
    }
    let t = ws::trim(text);
    if t.starts_with(name::AT_FDCWD) {
        return Some(fs::AT_FDCWD as i64);
    }
    int(t)
}

/// Evaluates a flag word with `lookup` for names; `None` if a name is unknown.
pub(crate) fn eval(text: &str, lookup: fn(&str) -> Option<u64>) -> Option<u64> {
    let t = strip_comment(text);
    if t.is_empty() {
        return None;
    }
    let mut v = 0u64;
    for tok in t.split('|') {
        let tok = ws::trim(tok);
        v |= match int(tok) {
            Some(n) => n as u64,
            None => lookup(tok)?,
        };
    }
    Some(v)
}

/// Whether a flag word contains the name `name` or, written as numbers, the bit
/// `bit`.
pub(crate) fn has(text: &str, name: &str, bit: u64) -> bool {
    let t = strip_comment(text);
    t.split('|').any(|tok| {
        let tok = ws::trim(tok);
        tok == name || int(tok).is_some_and(|n| n as u64 & bit != 0)
    })
}

/// `O_*` names (x86-64 values, [`OPEN_ACCESS`] and [`OPEN_FLAGS`] with their aliases).
#[inline]
pub(crate) fn oflag(name: &str) -> Option<u64> {
    OPEN_ACCESS
        .value_of(name)
        .or_else(|| OPEN_FLAGS.value_of(name))
}

/// The `clone` bits the model acts on ([`fdkit::CloneFlags`]); other `CLONE_*` names
/// count as 0.
const CLONE_MODELLED: u64 = fdkit::CloneFlags::all().bits();

/// `CLONE_*` names; the exit signal (`SIGCHLD`) and `CLONE_` names the model does not
/// act on count as 0.
pub(crate) fn clone_flag(name: &str) -> Option<u64> {
    match CLONE_FLAGS.value_of(name) {
        Some(v) => Some(v & CLONE_MODELLED),
        None if name.starts_with(CLONE_FLAGS.unknown) || name.starts_with(SIGNALS.unknown) => {
            Some(0)
        }
        None => None,
    }
}

/// Clone flag bits.
pub(crate) mod clone {
    use fdkit::catalog::flagset as fs;
    /// `CLONE_FILES`.
    pub const FILES: u64 = fs::CLONE_FILES;
    /// `CLONE_PIDFD`.
    pub const PIDFD: u64 = fs::CLONE_PIDFD;
    /// `CLONE_THREAD`.
    pub const THREAD: u64 = fs::CLONE_THREAD;
}

/// `close_range` flag names.
pub(crate) fn close_range_flag(name: &str) -> Option<u64> {
    CLOSE_RANGE_FLAGS.value_of(name)
}

/// `FD_CLOEXEC`.
pub(crate) fn fd_flag(name: &str) -> Option<u64> {
    FD_FLAGS.value_of(name)
}

/// A resource limit value: `1024`, `8192*1024`, `RLIM64_INFINITY`, `RLIM_INFINITY`.
pub(crate) fn rlim(text: &str) -> Option<u64> {
    let t = strip_comment(text);
    if let Some(v) = RLIM_VALUES.value_of(t) {
        return Some(v);
    }
    let mut v: u64 = 1;
    for factor in t.split('*') {
        let n = int(factor.trim())?;
        v = v.checked_mul(u64::try_from(n).ok()?)?;
    }
    Some(v)
}

/// The `rlim_cur` field of `{rlim_cur=1024, rlim_max=4096}`.
pub(crate) fn rlim_cur(text: &str) -> Option<u64> {
    let t = text.trim();
    let t = t.strip_prefix('{')?;
    let start = t.find("rlim_cur=")? + "rlim_cur=".len();
    let rest = &t[start..];
    let end = rest.find([',', '}']).unwrap_or(rest.len());
    rlim(&rest[..end])
}

/// The value of `name=` inside a struct's text, up to the next top-level `,` or
/// `}` (for simple fields such as `flags=CLONE_VM|SIGCHLD`).
pub(crate) fn field<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    let mut from = 0;
    while let Some(i) = text[from..].find(name) {
        let at = from + i;
        let before = text[..at].chars().next_back();
        let after = &text[at + name.len()..];
        if matches!(before, None | Some('{' | ' ' | ',')) && after.starts_with('=') {
            let rest = &after[1..];
            let end = rest.find([',', '}']).unwrap_or(rest.len());
            return Some(rest[..end].trim());
        }
        from = at + name.len();
    }
    None
}

/// `fcntl` command names (x86-64 numbers), or a number.
pub(crate) fn fcntl_cmd(name: &str) -> Option<i64> {
    let n = strip_comment(name);
    match FCNTL_CMDS.value_of(n) {
        Some(v) => Some(v as i64),
        None => int(n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ints_in_every_form() {
        assert_eq!(int("3"), Some(3));
        assert_eq!(int("-1"), Some(-1));
        assert_eq!(int("0x1f"), Some(31));
        assert_eq!(int("0644"), Some(0o644));
        assert_eq!(int("0"), Some(0));
        assert_eq!(int("4294967295"), Some(4294967295));
        assert_eq!(int("3</tmp/a>"), Some(3));
        assert_eq!(int("0xfe /* FD_??? */"), Some(0xfe));
        assert_eq!(int("O_RDONLY"), None);
        assert_eq!(int(""), None);
        assert_eq!(fd("AT_FDCWD</x>"), Some(-100));
    }

    #[test]
    fn flag_words_evaluate() {
        assert_eq!(eval("O_RDWR|O_CLOEXEC", oflag), Some(0o2000002));
        assert_eq!(eval("FD_CLOEXEC|0xfe", fd_flag), Some(0xff));
        assert_eq!(eval("0x8 /* CLOSE_RANGE_??? */", close_range_flag), Some(8));
        assert_eq!(eval("O_BOGUS", oflag), None);
        assert!(has("SOCK_STREAM|SOCK_CLOEXEC", "SOCK_CLOEXEC", 0x80000));
        assert!(has("0x80000", name::O_CLOEXEC, 0x80000));
        assert!(!has(name::O_RDONLY, name::O_CLOEXEC, 0x80000));
        assert_eq!(
            eval("CLONE_VM|CLONE_FILES|SIGCHLD", clone_flag),
            Some(0x500)
        );
    }

    #[test]
    fn limits_and_fields() {
        assert_eq!(rlim("8192*1024"), Some(8 << 20));
        assert_eq!(rlim("RLIM64_INFINITY"), Some(u64::MAX));
        assert_eq!(rlim_cur("{rlim_cur=16, rlim_max=1024}"), Some(16));
        assert_eq!(
            field("{flags=CLONE_VM|CLONE_VFORK, exit_signal=SIGCHLD}", "flags"),
            Some("CLONE_VM|CLONE_VFORK")
        );
        assert_eq!(field("{msg_flags=0, flags=1}", "flags"), Some("1"));
        assert_eq!(fcntl_cmd("F_DUPFD_CLOEXEC"), Some(1030));
    }
}

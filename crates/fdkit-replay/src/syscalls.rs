//! Which system calls matter to descriptor tables, and how: the replay's view of
//! [`fdkit::catalog`], where every call is described once.
//!
//! The replay looks a call's name up before it reads any argument; a call whose
//! [`Class`] is [`Class::Plain`] (`futex`, `brk`, `rt_sigaction`, `getpid`..., and
//! every name the catalogue does not know) never reaches argument parsing: only its
//! errno is checked against the catalogue.

pub(crate) use fdkit::catalog::{At, New, Offset, OpenForm, Shape as Class, Use};

/// The class of syscall `name`: one hash and one comparison.
#[inline]
pub(crate) fn classify(name: &str) -> Class {
    fdkit::catalog::lookup(name).map_or(Class::Plain, |s| s.shape)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frequent_noise_is_plain_and_fd_calls_are_not() {
        for n in [
            "getrandom",
            "futex",
            "brk",
            "rt_sigaction",
            "getpid",
            "mprotect",
            "nanosleep",
            "no_such_call",
        ] {
            assert_eq!(classify(n), Class::Plain, "{n}");
        }
        assert_eq!(classify("openat"), Class::Open(OpenForm::Openat));
        assert_eq!(classify("close"), Class::Close);
        assert!(matches!(classify("read"), Class::Use(u) if u.offset == Offset::Advance));
        assert!(matches!(classify("fstat"), Class::Use(u) if u.raw));
        assert!(matches!(classify("newfstatat"), Class::At(_)));
    }
}

//! strace's names for constants and flag bits, with their Linux x86-64 values: the
//! scenario language's view of [`fdkit::catalog::flagset`], where every name is
//! spelled once.
//!
//! Every set lists its names in the order strace tries them when it prints a flag
//! word (strace `src/xlat/*.in`), because that order decides the output:
//! `O_SYNC` is tried before `O_DSYNC`, so `0o4010000` prints as `O_SYNC`, not
//! `__O_SYNC|O_DSYNC`. Parsing looks a name up in every set at once ([`lookup`]),
//! as a C compiler would: the names are macros in one namespace, so
//! `fcntl(3, F_SETFD, O_CLOEXEC)` means what it means in C (bit 0 is clear, so it
//! *clears* close-on-exec), and the model runs exactly that.

pub use fdkit::catalog::flagset::{
    lookup, signal_name, FlagSet, ADDRESS_FAMILIES, AT_DIRFD, CLONE_FLAGS, CLOSE_RANGE_FLAGS,
    CSIGNAL, EFD_FLAGS, FCNTL_CMDS, FD_FLAGS, FILE_TYPES, IOCTLS, IOC_DIRS, MODE_BITS, NSIG,
    OPEN_ACCESS, OPEN_FLAGS, OPEN_WITH_MODE, RESOURCES, RLIM_VALUES, SIGNALS, SOCK_TYPES,
    SOCK_TYPE_FLAGS, SOCK_TYPE_MASK, S_IFMT, UNSHARE_FLAGS, WAIT_OPTIONS, WHENCE,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_match_the_model() {
        use fdkit::catalog::flagset::name;
        use fdkit::flags::{fcntl_cmd, OFlags};
        assert_eq!(
            lookup(name::O_CLOEXEC),
            Some(u64::from(OFlags::CLOEXEC.bits()))
        );
        assert_eq!(
            lookup(name::O_LARGEFILE),
            Some(u64::from(OFlags::LARGEFILE.bits()))
        );
        assert_eq!(
            lookup(name::O_DIRECTORY),
            Some(u64::from(OFlags::DIRECTORY.bits()))
        );
        assert_eq!(
            lookup(name::F_DUPFD_CLOEXEC),
            Some(fcntl_cmd::F_DUPFD_CLOEXEC as u64)
        );
        assert_eq!(
            lookup(name::F_DUPFD_QUERY),
            Some(fcntl_cmd::F_DUPFD_QUERY as u64)
        );
        assert_eq!(lookup(name::FIOCLEX), Some(fdkit::syscall::fd::FIOCLEX));
        assert_eq!(
            lookup(name::RLIMIT_NOFILE),
            Some(u64::from(fdkit::flags::RLIMIT_NOFILE))
        );
        assert_eq!(
            lookup(name::SOCK_CLOEXEC),
            Some(u64::from(fdkit::flags::SOCK_CLOEXEC))
        );
        assert_eq!(
            lookup(name::CLONE_FILES),
            Some(fdkit::CloneFlags::FILES.bits())
        );
        assert_eq!(lookup(name::SIGCHLD), Some(17));
    }
}

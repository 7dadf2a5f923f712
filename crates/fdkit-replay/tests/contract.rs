//! The errno contract from `fdkit::catalog`: results Linux cannot give are reported
//! at their line, results it can give are not.

mod common;

use common::{lines, replay};

/// (line, what, predicted) of each divergence.
fn check(log: &str) -> Vec<(u64, String, String)> {
    replay(log)
        .1
        .div
        .into_iter()
        .map(|d| (d.line, d.what.to_owned(), d.predicted))
        .collect()
}

const HEAD: &str = "100 openat(AT_FDCWD, \"/etc/passwd\", O_RDONLY|O_CLOEXEC) = 3\n";

#[test]
fn errnos_outside_the_set_are_reported() {
    for (call, what) in [
        ("close(3) = -1 EINVAL (Invalid argument)", "not EINVAL"),
        (
            "fcntl(3, F_GETFD) = -1 EINVAL (Invalid argument)",
            "not EINVAL",
        ),
        (
            "dup(3) = -1 ENOENT (No such file or directory)",
            "not ENOENT",
        ),
        (
            "pipe2([4, 5], O_CLOEXEC) = -1 ENOTTY (Inappropriate ioctl for device)",
            "not ENOTTY",
        ),
        (
            "futex(0x7f, FUTEX_WAKE_PRIVATE, 1) = -1 EMFILE (Too many open files)",
            "not EMFILE",
        ),
        ("getpid() = -1 EPERM (Operation not permitted)", "not EPERM"),
    ] {
        let found = check(&format!("{HEAD}100 {call}\n"));
        assert_eq!(found.len(), 1, "{call}: {found:?}");
        assert_eq!(found[0].0, 2, "{call}");
        assert_eq!(found[0].1, "errno", "{call}");
        assert!(found[0].2.starts_with(what), "{call}: {}", found[0].2);
    }
}

#[test]
fn ebadf_without_a_descriptor_looked_up_is_reported() {
    for call in [
        "openat(AT_FDCWD, \"/tmp/x\", O_RDONLY) = -1 EBADF (Bad file descriptor)",
        "openat(7, \"/tmp/x\", O_RDONLY) = -1 EBADF (Bad file descriptor)",
        "newfstatat(AT_FDCWD, \"a\", 0x7ffd, 0) = -1 EBADF (Bad file descriptor)",
        "mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = -1 EBADF (Bad file descriptor)",
        "pipe2(0x7ffd, 0) = -1 EBADF (Bad file descriptor)",
        "socket(AF_UNIX, SOCK_STREAM, 0) = -1 EBADF (Bad file descriptor)",
        "close_range(3, 4294967295, 0) = -1 EBADF (Bad file descriptor)",
        "futex(0x7f, FUTEX_WAKE_PRIVATE, 1) = -1 EBADF (Bad file descriptor)",
        "waitid(P_PID, 5, NULL, WEXITED, NULL) = -1 EBADF (Bad file descriptor)",
        // The descriptor is open, created in the log, and no O_PATH.
        "accept4(3, NULL, NULL, SOCK_CLOEXEC) = -1 EBADF (Bad file descriptor)",
    ] {
        let found = check(&format!("{HEAD}100 {call}\n"));
        assert_eq!(lines(&format!("{HEAD}100 {call}\n")), vec![2], "{call}: {found:?}");
    }
}

#[test]
fn results_linux_can_give_are_not_reported() {
    for call in [
        "openat(AT_FDCWD, \"/nope\", O_RDONLY) = -1 ENOENT (No such file or directory)",
        "openat(7, \"rel\", O_RDONLY) = -1 EBADF (Bad file descriptor)",
        "openat(3, \"\", O_RDONLY) = -1 ENOENT (No such file or directory)",
        "newfstatat(9, \"\", 0x7ffd, AT_EMPTY_PATH) = -1 EBADF (Bad file descriptor)",
        "close(3) = -1 EINTR (Interrupted system call)",
        "close(3) = -1 EIO (Input/output error)",
        "madvise(0x7f, 4096, MADV_WILLNEED) = -1 EBADF (Bad file descriptor)",
        "read(3, 0x7ffd, 10) = -1 ECONNRESET (Connection reset by peer)",
        "ioctl(3, TCGETS, 0x7ffd) = -1 ENOTTY (Inappropriate ioctl for device)",
        "clone3(0x7ffd, 88) = -1 ENOSYS (Function not implemented)",
        "no_such_call(1, 2) = -1 EBADF (Bad file descriptor)",
        "select(5, [4], NULL, NULL, NULL) = -1 EBADF (Bad file descriptor)",
        "signalfd4(-1, [USR1], 8, SFD_CLOEXEC) = -1 EINVAL (Invalid argument)",
        "waitid(P_PIDFD, 9, NULL, WEXITED, NULL) = -1 EBADF (Bad file descriptor)",
        "mmap(NULL, 4096, PROT_READ, MAP_SHARED, 3, 0) = -1 ENODEV (No such device)",
        "fcntl(3, F_SETLK, {l_type=F_WRLCK, l_whence=SEEK_SET, l_start=0, l_len=0}) = -1 EBADF (Bad file descriptor)",
        "rt_sigreturn({mask=[]}) = -1 EINVAL (Invalid argument)",
        "futex(0x7f, FUTEX_WAIT_PRIVATE, 0, NULL) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)",
    ] {
        let found = check(&format!("{HEAD}100 {call}\n"));
        assert!(found.is_empty(), "{call}: {found:?}");
    }
}

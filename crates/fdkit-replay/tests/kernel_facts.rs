//! Regression tests for results the checker got wrong on real-kernel logs: each
//! names the kernel source that decides (see also the fixtures `c-pipe2-flags`,
//! `c-scm-badf`, `c-ioctl-ptpeer`, `py-pipes.s0`, `c-sockets.s0`).

mod common;

use common::{replay, Keep};

fn lines(k: &Keep) -> Vec<u64> {
    k.div.iter().map(|d| d.line).collect()
}

/// fs/pipe.c, `create_pipe_files`: the write end gets `O_NONBLOCK | O_DIRECT`
/// from the flags, the read end only `O_NONBLOCK`.
#[test]
fn pipe2_o_direct_goes_on_the_write_end_only() {
    let (s, k) = replay(
        "1 pipe2([3, 4], O_NONBLOCK|O_DIRECT) = 0\n\
         1 fcntl(3, F_GETFL) = 0x800 (flags O_RDONLY|O_NONBLOCK)\n\
         1 fcntl(4, F_GETFL) = 0x4801 (flags O_WRONLY|O_NONBLOCK|O_DIRECT)\n\
         1 pipe2([5, 6], O_DIRECT) = 0\n\
         1 fcntl(5, F_GETFL) = 0x4000 (flags O_RDONLY|O_DIRECT)\n",
    );
    assert_eq!(lines(&k), [5], "{s:?}");
    assert_eq!(k.div[0].what, "F_GETFL");
    assert_eq!(k.div[0].predicted, "0x0");
}

/// net/core/scm.c, `scm_fp_copy`: a number in `SCM_RIGHTS` that is not open
/// fails the whole `sendmsg` with `EBADF`; success there is a divergence.
#[test]
fn sendmsg_scm_rights_of_a_closed_number_fails_with_ebadf() {
    const SEND: &str = "1 sendmsg(3, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base=\"x\", iov_len=1}], \
msg_iovlen=1, msg_control=[{cmsg_len=20, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=[6]}], \
msg_controllen=24, msg_flags=0}, 0)";
    let start = "1 socketpair(AF_UNIX, SOCK_STREAM, 0, [3, 4]) = 0\n\
                 1 openat(AT_FDCWD, \"a\", O_RDWR) = 5\n\
                 1 dup(5) = 6\n\
                 1 close(6) = 0\n";
    let (s, k) = replay(&format!("{start}{SEND} = -1 EBADF (Bad file descriptor)\n"));
    assert_eq!((s.differ, s.agree), (0, 5), "{s:?} {:?}", k.div);
    let (s, k) = replay(&format!("{start}{SEND} = 1\n"));
    assert_eq!(lines(&k), [5], "{s:?}");
    assert_eq!(k.div[0].what, "EBADF");
    // With 6 open, EBADF is the divergence.
    let (_, k) = replay(&format!(
        "{start}1 dup(5) = 6\n{SEND} = -1 EBADF (Bad file descriptor)\n"
    ));
    assert_eq!(lines(&k), [6]);
}

/// drivers/tty/pty.c, `ptm_open_peer`: `TIOCGPTPEER` returns a new descriptor
/// (close-on-exec from O_CLOEXEC in the argument).
#[test]
fn ioctl_tiocgptpeer_creates_a_descriptor() {
    let (s, k) = replay(
        "1 openat(AT_FDCWD, \"/dev/ptmx\", O_RDWR|O_NOCTTY) = 3\n\
         1 ioctl(3, TIOCGPTPEER, 0x102) = 4\n\
         1 fcntl(4, F_GETFD) = 0\n\
         1 ioctl(3, TIOCGPTPEER, O_RDWR|O_NOCTTY|O_CLOEXEC) = 5\n\
         1 fcntl(5, F_GETFD) = 0x1 (flags FD_CLOEXEC)\n\
         1 dup(4) = 6\n\
         1 close(6) = 0\n\
         1 ioctl(3, TIOCGPTPEER, 0x102) = 7\n",
    );
    assert!(k.inf.is_empty(), "{:?}", k.inf);
    assert_eq!(lines(&k), [8], "{s:?}");
    assert_eq!(k.div[0].predicted, "6");
}

/// An ioctl the replay does not model that returns a positive value may have
/// made a descriptor: that number is doubtful, never a divergence later.
#[test]
fn an_unmodelled_ioctl_result_is_doubtful_not_a_divergence() {
    let (s, k) = replay(
        "1 openat(AT_FDCWD, \"/dev/kvm\", O_RDWR|O_CLOEXEC) = 3\n\
         1 ioctl(3, KVM_CREATE_VM, 0) = 4\n\
         1 ioctl(4, KVM_CREATE_VCPU, 0) = 5\n\
         1 openat(AT_FDCWD, \"a\", O_RDONLY) = 6\n\
         1 close(5) = 0\n\
         1 close(4) = 0\n",
    );
    assert_eq!((s.differ, s.errors), (0, 0), "{:?}", k.div);
    assert!(k.inf.is_empty(), "{:?}", k.inf);
}

/// `strace -s 0`: `pipe2([...], O_CLOEXEC) = 0` creates two descriptors whose
/// numbers the log does not show; later uses of any number are not divergences.
#[test]
fn elided_pipe2_numbers_are_unknown_not_guessed() {
    let (s, k) = replay(
        "1 pipe2([...], O_CLOEXEC) = 0\n\
         1 write(4, \"\"..., 3) = 3\n\
         1 pipe2([...], 0) = 0\n\
         1 close(4) = 0\n\
         1 dup2(5, 1) = 1\n\
         1 openat(AT_FDCWD, \"a\", O_RDONLY) = 4\n\
         1 socketpair(AF_UNIX, SOCK_STREAM, 0, [...]) = 0\n\
         1 close(7) = 0\n\
         1 close(8) = 0\n",
    );
    assert_eq!((s.differ, s.errors), (0, 0), "{:?}", k.div);
    assert!(k.inf.is_empty(), "{:?}", k.inf);
}

/// `strace -s 0` prints `cmsg_data=[...]`: how many descriptors arrive is known
/// from `cmsg_len`, their numbers are not; a failed `sendmsg` may have named a
/// closed one.
#[test]
fn elided_scm_rights_are_received_as_unknown_numbers() {
    const CMSG: &str = "{msg_name=NULL, msg_namelen=0, msg_iov=[...], msg_iovlen=1, \
msg_control=[{cmsg_len=24, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=[...]}], \
msg_controllen=24, msg_flags=0}, 0)";
    let (s, k) = replay(&format!(
        "1 socketpair(AF_UNIX, SOCK_STREAM, 0, [3, 4]) = 0\n\
         1 sendmsg(3, {CMSG} = -1 EBADF (Bad file descriptor)\n\
         1 recvmsg(4, {CMSG} = 1\n\
         1 fcntl(5, F_GETFD) = 0\n\
         1 fcntl(6, F_GETFD) = 0\n\
         1 openat(AT_FDCWD, \"a\", O_RDONLY) = 7\n"
    ));
    assert_eq!((s.differ, s.errors), (0, 0), "{:?}", k.div);
    assert!(k.inf.is_empty(), "{:?}", k.inf);
}

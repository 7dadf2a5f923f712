//! `pipe2` status flags per end, as fs/pipe.c `create_pipe_files` sets them: the
//! write end `O_WRONLY | (flags & (O_NONBLOCK | O_DIRECT))`, the read end
//! `O_RDONLY | (flags & O_NONBLOCK)` (recorded on Linux 6.18:
//! `tests/fixtures/c-pipe2-flags.strace`).

// Needs the whole system (feature `std`); `--no-default-features` skips it.
#![cfg(feature = "std")]

use fdkit::{OFlags, System};

const F_GETFD: i32 = 1;
const F_GETFL: i32 = 3;

#[test]
fn pipe2_status_flags_per_end_match_fs_pipe_c() {
    let sys = System::new();
    let t = sys.task(sys.spawn().unwrap()).unwrap();
    let nb = OFlags::NONBLOCK.bits();
    let direct = OFlags::DIRECT.bits();
    let cloexec = OFlags::CLOEXEC.bits();
    let wr = OFlags::WRONLY.bits();
    for flags in [
        0,
        nb,
        direct,
        nb | direct,
        cloexec | direct,
        cloexec | nb | direct,
    ] {
        let [r, w] = t.pipe2(OFlags::from_bits_retain(flags)).unwrap();
        let getfl = |fd| t.fcntl(fd, F_GETFL, 0).unwrap();
        assert_eq!(
            getfl(r),
            i64::from(flags & nb),
            "read end, flags {flags:#x}"
        );
        assert_eq!(
            getfl(w),
            i64::from(wr | (flags & (nb | direct))),
            "write end, flags {flags:#x}"
        );
        let fd_flags = i64::from(flags & cloexec != 0);
        assert_eq!(t.fcntl(r, F_GETFD, 0).unwrap(), fd_flags);
        assert_eq!(t.fcntl(w, F_GETFD, 0).unwrap(), fd_flags);
        t.close(r).unwrap();
        t.close(w).unwrap();
    }
}

//! The model against the catalogue: every call the model runs is in
//! `fdkit::catalog`, and every errno the model returns is one the catalogue says
//! Linux can return for that call (the check `fdkit check` applies to logs, applied
//! here to the model itself, over pseudo-random calls with valid and invalid
//! arguments).

// Needs the whole system (feature `std`); `--no-default-features` skips it.
#![cfg(feature = "std")]

use fdkit::catalog::{self, Shape};
use fdkit::process::RLimit;
use fdkit::syscall::Call;
use fdkit::{Errno, System};

/// xorshift64*: reproducible without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn pick<T: Copy>(&mut self, v: &[T]) -> T {
        v[(self.next() % v.len() as u64) as usize]
    }
}

const FDS: &[i32] = &[
    -1,
    0,
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    64,
    1023,
    1024,
    1 << 20,
    i32::MAX,
    -100,
];
const PATHS: &[&str] = &["/tmp/a", "/tmp/b", "/tmp", "/nope/x", "", "rel", "/tmp/a/x"];

fn flags(r: &mut Rng) -> u32 {
    match r.next() % 4 {
        0 => 0,
        1 => r.pick(&[0o2000000, 0o4000, 0o40000, 0o100, 0o1, 0o2, 0o2000]),
        2 => (r.next() as u32) & 0o7777777,
        _ => r.next() as u32,
    }
}

fn call(r: &mut Rng) -> Call {
    let fd = |r: &mut Rng| r.pick(FDS);
    let path = |r: &mut Rng| r.pick(PATHS).to_owned();
    match r.next() % 30 {
        0 => Call::Open {
            path: path(r),
            flags: flags(r),
            mode: 0o644,
        },
        1 => Call::Openat {
            dirfd: fd(r),
            path: path(r),
            flags: flags(r),
            mode: 0o600,
        },
        2 => Call::Creat {
            path: path(r),
            mode: 0o644,
        },
        3 => Call::Close { fd: fd(r) },
        4 => Call::CloseRange {
            first: r.pick(&[0, 3, 5, 100, u32::MAX]),
            last: r.pick(&[0, 4, 6, u32::MAX]),
            flags: flags(r) & 0x7 | (flags(r) & 0x8),
        },
        5 => Call::Dup { fd: fd(r) },
        6 => Call::Dup2 {
            old: fd(r),
            new: fd(r),
        },
        7 => Call::Dup3 {
            old: fd(r),
            new: fd(r),
            flags: flags(r),
        },
        8 | 9 => Call::Fcntl {
            fd: fd(r),
            cmd: r.pick(&[0, 1, 2, 3, 4, 8, 9, 1030, 1027, 1028, 1031, 1032, 999, -1]),
            arg: r.pick(&[0, 1, 3, 7, 0o4000, 0o2000, 1 << 20, u64::MAX]),
        },
        10 => Call::Ioctl {
            fd: fd(r),
            request: r.pick(&[0x5451, 0x5450, 0x5421, 0x5401, 0x1234]),
            arg: r.next() % 2,
        },
        // Not `read`: an empty pipe would block the model's thread, as Linux's.
        11 => Call::Pread {
            fd: fd(r),
            count: 1,
            offset: 0,
        },
        12 => Call::Write {
            fd: fd(r),
            data: b"hello".to_vec(),
        },
        13 => Call::Pread {
            fd: fd(r),
            count: 4,
            offset: r.pick(&[0, 2, -1]),
        },
        14 => Call::Pwrite {
            fd: fd(r),
            data: b"x".to_vec(),
            offset: r.pick(&[0, 3, -5]),
        },
        15 => Call::Lseek {
            fd: fd(r),
            offset: r.pick(&[0, 1, -1, 1 << 40]),
            whence: r.pick(&[0, 1, 2, 3, 4, 7, -1]),
        },
        16 => Call::Pipe,
        17 => Call::Pipe2 { flags: flags(r) },
        18 => Call::Socketpair {
            domain: r.pick(&[1, 2, 99]),
            ty: r.pick(&[1, 2, 5, 1 | 0o2000000, 1 | 0o4000, 99]),
            protocol: r.pick(&[0, 1, 6]),
        },
        19 => Call::Eventfd2 {
            initval: 0,
            flags: flags(r),
        },
        20 => Call::Getrlimit {
            resource: r.pick(&[7, 0, 99]),
        },
        21 => Call::Setrlimit {
            resource: r.pick(&[7, 99]),
            limit: RLimit {
                cur: r.pick(&[4, 8, 1024, u64::MAX]),
                max: r.pick(&[8, 1024, 4096, u64::MAX]),
            },
        },
        22 => Call::Prlimit {
            pid: r.pick(&[0, 100, 999]),
            resource: r.pick(&[7, 99]),
            new: None,
        },
        23 => Call::Unshare {
            flags: r.pick(&[0, 0x400, 0x200, 0x1_0000_0000]),
        },
        24 => Call::Mkdir {
            path: path(r),
            mode: 0o755,
        },
        25 => Call::Unlink { path: path(r) },
        26 => Call::Rmdir { path: path(r) },
        27 => Call::Rename {
            old: path(r),
            new: path(r),
        },
        28 => Call::Chdir { path: path(r) },
        _ => Call::Fstat { fd: fd(r) },
    }
}

/// Whether Linux can return `e` from `call` according to the catalogue.
fn allowed(call: &Call, e: Errno) -> bool {
    let sc = catalog::lookup(call.name()).expect("every Call is in the catalogue");
    let errors = match call {
        Call::Fcntl { cmd, .. } => catalog::fcntl_command(*cmd),
        Call::Ioctl { request, .. } => {
            let name = catalog::flagset::IOCTLS.name_of(*request).unwrap_or("");
            catalog::ioctl_request(name)
        }
        _ => sc.errors,
    };
    if e == Errno::BADF {
        sc.takes_fds() || errors.ebadf_without_fd()
    } else {
        errors.allows(e)
    }
}

#[test]
fn every_call_of_the_model_is_in_the_catalogue() {
    let mut r = Rng(7);
    for _ in 0..2000 {
        let c = call(&mut r);
        assert!(catalog::lookup(c.name()).is_some(), "{}", c.name());
    }
    for c in [
        Call::Fork,
        Call::Vfork,
        Call::Execve {
            path: "/bin/true".into(),
        },
        Call::Exit { status: 0 },
        Call::ExitGroup { status: 0 },
        Call::Wait4 {
            pid: -1,
            nohang: true,
        },
        Call::Clone { flags: 0 },
    ] {
        assert!(catalog::lookup(c.name()).is_some(), "{}", c.name());
    }
    assert_eq!(catalog::lookup("dup").map(|s| s.shape), Some(Shape::Dup));
}

#[test]
fn every_errno_of_the_model_is_one_linux_can_return() {
    let runs: u64 = std::env::var("FDKIT_CATALOG_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    let mut seen = std::collections::BTreeSet::new();
    for seed in 1..=runs {
        let sys = System::new();
        let pid = sys.spawn().expect("spawn");
        let t = sys.task(pid).expect("task");
        let mut r = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        for _ in 0..1000 {
            let c = call(&mut r);
            if let Err(e) = t.execute(&c) {
                assert!(
                    allowed(&c, e),
                    "seed {seed}: {c:?} returned {e:?}, outside the catalogue's set"
                );
                seen.insert((c.name(), e));
            }
        }
    }
    // The run reached the interesting errors.
    for (name, e) in [
        ("close", Errno::BADF),
        ("dup2", Errno::BADF),
        ("dup3", Errno::INVAL),
        ("fcntl", Errno::INVAL),
        ("lseek", Errno::INVAL),
        ("pipe2", Errno::INVAL),
    ] {
        assert!(
            seen.contains(&(name, e)),
            "never saw {name} -> {e:?}: {seen:?}"
        );
    }
}

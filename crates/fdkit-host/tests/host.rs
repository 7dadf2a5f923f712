//! The host executor on its own: what the real kernel does, through helper processes.
//! Each test asserts kernel behaviour the model must match (see differential.rs).

use fdkit::syscall::{Call, Value};
use fdkit::{Errno, ExitStatus, Fd, Pid, RLimit};
use fdkit_host::{Backend, Config, ErrorKind, Host, ProcessRef};
use std::time::{Duration, Instant};

const P0: ProcessRef = ProcessRef(0);
const P1: ProcessRef = ProcessRef(1);
const O_RDWR_CREAT: u32 = 0o102;
const O_CLOEXEC: u32 = 0o2000000;

fn config() -> Config {
    Config::new(env!("CARGO_BIN_EXE_fdkit-host-helper"))
}

#[track_caller]
fn host() -> Host {
    Host::start(config()).expect("host starts")
}

#[track_caller]
fn run(host: &mut Host, p: ProcessRef, call: Call) -> Result<Value, Errno> {
    host.execute(p, &call).expect("call runs").result
}

fn int(n: i64) -> Result<Value, Errno> {
    Ok(Value::Int(n))
}

fn open(path: &str, flags: u32) -> Call {
    Call::Open {
        path: path.into(),
        flags,
        mode: 0o644,
    }
}

#[test]
fn initial_process_has_exactly_stdio_on_a_terminal() {
    let mut h = host();
    let t = h.table(P0).unwrap().unwrap();
    let fds: Vec<u32> = t.fds.iter().map(|s| s.fd).collect();
    assert_eq!(fds, [0, 1, 2], "table: {t}");
    assert!(t.fds.iter().all(|s| s.link.starts_with("/dev/pts/")), "{t}");
    assert!(
        t.fds.iter().all(|s| s.flags == 0o100002),
        "O_RDWR|O_LARGEFILE: {t}"
    );
    assert_eq!(t.fds[1].shares_with, Some(0));
    assert_eq!(t.fds[2].shares_with, Some(0));
    assert_eq!(t.fds[0].offset, Err(Errno::SPIPE));
    assert_eq!(run(&mut h, P0, Call::Dup { fd: 1 }), int(3));
    assert_eq!(
        run(&mut h, P0, Call::Getrlimit { resource: 7 }),
        Ok(Value::Limit(RLimit {
            cur: 1024,
            max: 4096
        }))
    );
    h.shutdown().unwrap();
}

#[test]
fn paths_live_in_the_scratch_directory() {
    let mut h = host();
    assert_eq!(run(&mut h, P0, open("/tmp/a", O_RDWR_CREAT)), int(3));
    assert!(h.scratch_dir().join("tmp/a").is_file());
    assert_eq!(h.link(P0, 3).as_deref(), Some("/tmp/a"));
    assert_eq!(run(&mut h, P0, open("/dev/null", 1)), int(4));
    assert_eq!(h.link(P0, 4).as_deref(), Some("/dev/null"));
    assert_eq!(run(&mut h, P0, open("/etc/passwd", 0)), Err(Errno::NOENT));
    assert_eq!(
        h.execute(P0, &open("/tmp/../../etc/passwd", 0))
            .unwrap_err()
            .kind(),
        ErrorKind::Unsupported
    );
    let dir = h.scratch_dir().to_path_buf();
    drop(h);
    assert!(!dir.exists(), "scratch directory removed");
}

#[test]
fn dup2_at_the_soft_limit_is_ebadf() {
    let mut h = host();
    assert_eq!(run(&mut h, P0, Call::Dup2 { old: 1, new: 1023 }), int(1023));
    assert_eq!(
        run(&mut h, P0, Call::Dup2 { old: 1, new: 1024 }),
        Err(Errno::BADF)
    );
    assert_eq!(
        run(
            &mut h,
            P0,
            Call::Fcntl {
                fd: 1,
                cmd: 0,
                arg: 1024
            }
        ),
        Err(Errno::INVAL)
    );
    assert_eq!(
        run(
            &mut h,
            P0,
            Call::Fcntl {
                fd: 1,
                cmd: 0,
                arg: 1023
            }
        ),
        Err(Errno::MFILE)
    );
}

#[test]
fn fork_copies_the_table_and_shares_descriptions() {
    let mut h = host();
    assert_eq!(run(&mut h, P0, open("/tmp/a", O_RDWR_CREAT)), int(3));
    assert_eq!(
        run(
            &mut h,
            P0,
            Call::Fcntl {
                fd: 3,
                cmd: 2,
                arg: 1
            }
        ),
        int(0)
    );
    let Ok(Value::Int(pid)) = run(&mut h, P0, Call::Fork) else {
        panic!("fork failed")
    };
    assert_eq!(h.process_of(pid as u32), Some(P1));
    assert_eq!(
        run(
            &mut h,
            P1,
            Call::Write {
                fd: 3,
                data: b"abc".to_vec()
            }
        ),
        int(3)
    );
    // The offset belongs to the shared description; close-on-exec was copied.
    assert_eq!(
        run(
            &mut h,
            P0,
            Call::Lseek {
                fd: 3,
                offset: 0,
                whence: 1
            }
        ),
        int(3)
    );
    assert_eq!(
        run(
            &mut h,
            P1,
            Call::Fcntl {
                fd: 3,
                cmd: 1,
                arg: 0
            }
        ),
        int(1)
    );
    assert_eq!(run(&mut h, P1, Call::Close { fd: 3 }), int(0));
    assert_eq!(
        run(
            &mut h,
            P0,
            Call::Fcntl {
                fd: 3,
                cmd: 1,
                arg: 0
            }
        ),
        int(1)
    );
    h.shutdown().unwrap();
}

#[test]
fn execve_sweeps_close_on_exec_and_reports_the_inherited_table() {
    let mut h = host();
    assert_eq!(
        run(&mut h, P0, open("/tmp/a", O_RDWR_CREAT | O_CLOEXEC)),
        int(3)
    );
    assert_eq!(
        run(&mut h, P0, Call::Pipe2 { flags: 0o4000 }),
        Ok(Value::Pair([Fd::new(4), Fd::new(5)]))
    );
    assert_eq!(run(&mut h, P0, Call::Close { fd: 0 }), int(0));
    let pid = h.pid(P0);
    let out = h
        .execute(
            P0,
            &Call::Execve {
                path: "/bin/x".into(),
            },
        )
        .unwrap();
    assert_eq!(out.result, int(0));
    assert_eq!(h.pid(P0), pid, "execve keeps the pid");
    let table = out.table.expect("execve reports a table");
    let fds: Vec<u32> = table.fds.iter().map(|s| s.fd).collect();
    // 0 stays closed (no runtime reopened it), 3 was close-on-exec.
    assert_eq!(fds, [1, 2, 4, 5], "{table}");
    assert_eq!(table.fds[2].flags, 0o4000, "the read end keeps O_NONBLOCK");
    assert!(table.fds[2].link.starts_with("pipe:["));
    // The exec'd helper goes on serving, with the same limits.
    assert_eq!(run(&mut h, P0, Call::Dup { fd: 1 }), int(0));
    assert_eq!(
        run(&mut h, P0, Call::Getrlimit { resource: 7 }),
        Ok(Value::Limit(RLimit {
            cur: 1024,
            max: 4096
        }))
    );
    h.shutdown().unwrap();
}

#[test]
fn execve_with_a_table_full_below_the_soft_limit_still_runs() {
    let mut h = host();
    let limit = RLimit { cur: 5, max: 4096 };
    assert_eq!(
        run(&mut h, P0, Call::Setrlimit { resource: 7, limit }),
        int(0)
    );
    assert_eq!(
        run(&mut h, P0, Call::Pipe),
        Ok(Value::Pair([Fd::new(3), Fd::new(4)]))
    );
    assert_eq!(run(&mut h, P0, Call::Dup { fd: 0 }), Err(Errno::MFILE));
    let out = h.execute(P0, &Call::Execve { path: "/x".into() }).unwrap();
    assert_eq!(out.result, int(0));
    assert_eq!(out.table.unwrap().fds.len(), 5);
    assert_eq!(
        run(&mut h, P0, Call::Getrlimit { resource: 7 }),
        Ok(Value::Limit(limit))
    );
    assert_eq!(run(&mut h, P0, Call::Dup { fd: 0 }), Err(Errno::MFILE));
}

#[test]
fn execve_with_a_table_full_below_the_hard_limit_is_refused_or_runs() {
    let mut h = host();
    let limit = RLimit { cur: 5, max: 5 };
    assert_eq!(
        run(&mut h, P0, Call::Setrlimit { resource: 7, limit }),
        int(0)
    );
    assert_eq!(
        run(&mut h, P0, Call::Pipe),
        Ok(Value::Pair([Fd::new(3), Fd::new(4)]))
    );
    match h.execute(P0, &Call::Execve { path: "/x".into() }) {
        // With CAP_SYS_RESOURCE the helper makes room for its loader.
        Ok(out) => {
            assert!(h.model_config().privileged);
            assert_eq!(out.table.unwrap().fds.len(), 5);
            assert_eq!(
                run(&mut h, P0, Call::Getrlimit { resource: 7 }),
                Ok(Value::Limit(limit))
            );
        }
        Err(e) => {
            assert!(!h.model_config().privileged);
            assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
            assert_eq!(
                run(&mut h, P0, Call::Dup { fd: 0 }),
                Err(Errno::MFILE),
                "p0 unharmed"
            );
        }
    }
}

#[test]
fn a_call_that_would_block_fails_with_eintr() {
    let mut h = host();
    assert_eq!(
        run(&mut h, P0, Call::Pipe),
        Ok(Value::Pair([Fd::new(3), Fd::new(4)]))
    );
    let start = Instant::now();
    assert_eq!(
        run(&mut h, P0, Call::Read { fd: 3, count: 4 }),
        Err(Errno::INTR)
    );
    assert!(start.elapsed() < Duration::from_secs(2));
    assert_eq!(
        run(
            &mut h,
            P0,
            Call::Write {
                fd: 4,
                data: b"x".to_vec()
            }
        ),
        int(1)
    );
    assert_eq!(
        run(&mut h, P0, Call::Read { fd: 3, count: 4 }),
        Ok(Value::Bytes(b"x".to_vec()))
    );
}

#[test]
fn exit_then_wait_reaps_the_child() {
    let mut h = host();
    assert!(run(&mut h, P0, Call::Fork).is_ok());
    assert_eq!(
        run(
            &mut h,
            P0,
            Call::Wait4 {
                pid: -1,
                nohang: true
            }
        ),
        Ok(Value::Child(None))
    );
    assert_eq!(
        run(&mut h, P1, Call::Exit { status: 7 }),
        Ok(Value::NoReturn)
    );
    let child = Pid::new(h.pid(P1).unwrap());
    assert_eq!(
        run(
            &mut h,
            P0,
            Call::Wait4 {
                pid: -1,
                nohang: true
            }
        ),
        Ok(Value::Child(Some((child, ExitStatus::Exited(7)))))
    );
    assert_eq!(
        run(&mut h, P1, Call::Dup { fd: 0 }),
        Err(Errno::SRCH),
        "p1 is gone"
    );
    assert_eq!(
        run(
            &mut h,
            P0,
            Call::Wait4 {
                pid: -1,
                nohang: false
            }
        ),
        Err(Errno::CHILD)
    );
    h.shutdown().unwrap();
}

#[test]
fn clone_files_shares_the_table_until_close_range_unshare() {
    let mut h = host();
    assert!(run(&mut h, P0, Call::Clone { flags: 0x400 | 17 }).is_ok());
    assert_eq!(run(&mut h, P1, Call::Dup { fd: 0 }), int(3));
    assert_eq!(
        run(
            &mut h,
            P0,
            Call::Fcntl {
                fd: 3,
                cmd: 1,
                arg: 0
            }
        ),
        int(0),
        "shared"
    );
    assert_eq!(
        run(
            &mut h,
            P1,
            Call::CloseRange {
                first: 3,
                last: 3,
                flags: 2
            }
        ),
        int(0)
    );
    assert_eq!(
        run(
            &mut h,
            P1,
            Call::Fcntl {
                fd: 3,
                cmd: 1,
                arg: 0
            }
        ),
        Err(Errno::BADF)
    );
    assert_eq!(
        run(
            &mut h,
            P0,
            Call::Fcntl {
                fd: 3,
                cmd: 1,
                arg: 0
            }
        ),
        int(0)
    );
    h.shutdown().unwrap();
}

#[test]
fn close_range_everything_does_not_break_the_executor() {
    let mut h = host();
    assert_eq!(
        run(
            &mut h,
            P0,
            Call::CloseRange {
                first: 0,
                last: u32::MAX,
                flags: 0
            }
        ),
        int(0)
    );
    assert_eq!(
        run(&mut h, P0, Call::Pipe),
        Ok(Value::Pair([Fd::new(0), Fd::new(1)]))
    );
    assert!(run(&mut h, P0, Call::Fork).is_ok());
    assert_eq!(run(&mut h, P1, Call::Dup { fd: 1 }), int(2));
    h.shutdown().unwrap();
}

#[test]
fn unsupported_calls_are_errors_not_results() {
    let mut h = host();
    for call in [
        Call::Vfork,
        Call::Clone { flags: 0x100 | 17 },
        Call::Fcntl {
            fd: 0,
            cmd: 5,
            arg: 0,
        },
        Call::Ioctl {
            fd: 0,
            request: 0x5401,
            arg: 0,
        },
    ] {
        let err = h.execute(P0, &call).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unsupported, "{call:?}: {err}");
    }
    assert_eq!(
        run(&mut h, P0, Call::Dup { fd: 2 }),
        int(3),
        "still serving"
    );
    h.shutdown().unwrap();
}

#[test]
fn a_dead_helper_is_reported() {
    let mut h = host();
    let pid = h.pid(P0).unwrap();
    rustix::process::kill_process(
        rustix::process::Pid::from_raw(pid as i32).unwrap(),
        rustix::process::Signal::KILL,
    )
    .unwrap();
    let err = h.execute(P0, &Call::Dup { fd: 0 }).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::HelperDied, "{err}");
    assert_eq!(run(&mut h, P0, Call::Dup { fd: 0 }), Err(Errno::SRCH));
}

#[test]
fn shutdown_leaves_no_process_behind() {
    let mut h = host();
    assert!(run(&mut h, P0, Call::Fork).is_ok());
    assert!(run(&mut h, P1, Call::Fork).is_ok());
    assert!(run(&mut h, P0, Call::Clone { flags: 0x400 | 17 }).is_ok());
    // p1 exits without being waited for: its child is orphaned, and it stays a
    // zombie of p0 until someone reaps it.
    assert_eq!(
        run(&mut h, P1, Call::Exit { status: 0 }),
        Ok(Value::NoReturn)
    );
    let pids: Vec<u32> = (0..4).map(|i| h.pid(ProcessRef(i)).unwrap()).collect();
    h.shutdown().unwrap();
    for pid in pids {
        let proc_dir = std::path::PathBuf::from(format!("/proc/{pid}"));
        assert!(
            !proc_dir.exists(),
            "process {pid} is still there (or a zombie)"
        );
    }
}

/// A write to the terminal checks for signals as it goes, so an interrupt that lands
/// while it is still working fails it; the executor must only interrupt a call that
/// is asleep. With every core busy and a 1 ms block timeout, no write may fail
/// (before the fix, a few in a thousand did).
#[test]
fn terminal_writes_under_load_are_not_interrupted() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    let stop = Arc::new(AtomicBool::new(false));
    let burners: Vec<_> = (0..4)
        .map(|_| {
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                let mut x = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(1));
                }
            })
        })
        .collect();
    let mut c = config();
    c.block_timeout = Duration::from_millis(1);
    let mut failed = Vec::new();
    for _ in 0..10 {
        let mut h = Host::start(c.clone()).unwrap();
        for i in 0..100 {
            let data = b"fdkit\n".to_vec();
            let r = run(&mut h, P0, Call::Write { fd: i % 3, data });
            if r != int(6) {
                failed.push(r);
            }
        }
    }
    stop.store(true, Ordering::Relaxed);
    for b in burners {
        b.join().unwrap();
    }
    assert!(failed.is_empty(), "{failed:?}");
}

//! The syscall-surface harness shared by the `syscalls` fuzz target
//! (`fuzz/fuzz_targets/syscalls.rs`) and the bounded property test `surface.rs`:
//! bytes → a sequence of [`Op`]s (derived with `arbitrary`) → calls on a [`System`]
//! with several processes and threads, checking after every call:
//!
//! - nothing panics (the fuzzer's job) and no call blocks (reads and writes run with
//!   `O_NONBLOCK` for the call, `wait4` with `WNOHANG`, as `fdkit run` does);
//! - every live task's `/proc/PID/fd` listing is strictly increasing (sorted, no
//!   number twice);
//! - a description is released (observed through [`System::set_release_hook`]) at
//!   most once, never while a descriptor refers to it, and by the time the call that
//!   dropped its last descriptor returns.

#![allow(dead_code)]

use arbitrary::{Arbitrary, Unstructured};
use fdkit::syscall::Call;
use fdkit::{Config, Limits, Pid, RLimit, Released, System, Task};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

/// At most this many operations per input, and this many threads alive, so an
/// input's cost stays small whatever it says.
pub const MAX_OPS: usize = 96;
pub const MAX_TASKS: usize = 24;

/// A 32-bit argument biased towards the values that matter: small descriptors,
/// limits, edges of the number space.
#[derive(Clone, Copy, Debug)]
pub struct N32(pub u32);

impl<'a> Arbitrary<'a> for N32 {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<N32> {
        let top = Limits::MAX_NR_OPEN;
        Ok(N32(match u.int_in_range(0u8..=15)? {
            0..=6 => u.int_in_range(0u32..=12)?,
            7 => u32::MAX, // -1
            8 => i32::MAX as u32,
            9 => *u.choose(&[top - 1, top, top + 1, 1 << 20, (1 << 20) - 1, 1024, 1023])?,
            10 => *u.choose(&[4096, 4095, 64, 63, 65, 128, 0x8000_0000])?,
            11 => u.int_in_range(13u32..=200)?,
            12 => u32::MAX - u.int_in_range(0u32..=3)?,
            _ => u32::arbitrary(u)?,
        }))
    }
}

impl N32 {
    pub fn int(self) -> i32 {
        self.0 as i32
    }
}

/// A 64-bit argument: a biased 32-bit one, sign- or zero-extended, or any.
#[derive(Clone, Copy, Debug)]
pub struct N64(pub u64);

impl<'a> Arbitrary<'a> for N64 {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<N64> {
        Ok(N64(match u.int_in_range(0u8..=7)? {
            0..=3 => u64::from(N32::arbitrary(u)?.0),
            4 => i64::from(N32::arbitrary(u)?.int()) as u64,
            5 => *u.choose(&[
                u64::MAX,
                1 << 63,
                (1 << 63) - 1,
                1 << 32,
                (1 << 32) | 5,
                (1 << 30) - 1,
                1 << 30,
                (1 << 30) + 1,
                (1 << 20) + 7,
            ])?,
            _ => u64::arbitrary(u)?,
        }))
    }
}

/// One step: which live task makes it (an index, modulo the live ones) and what.
#[derive(Clone, Debug, Arbitrary)]
pub struct Op {
    pub who: u8,
    pub what: What,
}

/// A call, or an action of the embedder.
#[derive(Clone, Debug, Arbitrary)]
pub enum What {
    Open {
        path: u8,
        flags: N32,
        mode: u16,
    },
    Openat {
        dirfd: N32,
        path: u8,
        flags: N32,
    },
    Close {
        fd: N32,
    },
    CloseRange {
        first: N32,
        last: N32,
        flags: N32,
    },
    Dup {
        fd: N32,
    },
    Dup2 {
        old: N32,
        new: N32,
    },
    Dup3 {
        old: N32,
        new: N32,
        flags: N32,
    },
    Fcntl {
        fd: N32,
        cmd: Cmd,
        arg: N64,
    },
    Ioctl {
        fd: N32,
        request: Req,
        arg: N64,
    },
    Read {
        fd: N32,
        count: N64,
    },
    Write {
        fd: N32,
        len: u16,
    },
    Pread {
        fd: N32,
        count: N64,
        offset: N64,
    },
    Pwrite {
        fd: N32,
        len: u16,
        offset: N64,
    },
    Lseek {
        fd: N32,
        offset: N64,
        whence: N32,
    },
    Pipe2 {
        flags: N32,
    },
    Socketpair {
        domain: N32,
        ty: N32,
        protocol: N32,
    },
    Eventfd2 {
        initval: N32,
        flags: N32,
    },
    Setrlimit {
        resource: N32,
        cur: N64,
        max: N64,
    },
    Prlimit {
        pid: N32,
        resource: N32,
        new: Option<(N64, N64)>,
    },
    Fork,
    Clone {
        flags: CloneWord,
    },
    Unshare {
        flags: CloneWord,
    },
    Execve,
    Exit {
        status: i32,
    },
    ExitGroup {
        status: i32,
    },
    Wait4 {
        pid: N32,
    },
    Mkdir {
        path: u8,
    },
    Unlink {
        path: u8,
    },
    Chdir {
        path: u8,
    },
    Fstat {
        fd: N32,
    },
    /// The embedder interrupts the task (a signal without `SA_RESTART`).
    Interrupt,
    /// The embedder sets `fs.nr_open`.
    SetNrOpen {
        value: N32,
    },
    /// The embedder spawns a process.
    Spawn,
}

/// An `fcntl` command: the modelled ones, or any number.
#[derive(Clone, Copy, Debug)]
pub struct Cmd(pub i32);

impl<'a> Arbitrary<'a> for Cmd {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Cmd> {
        // F_DUPFD, F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_SETOWN, F_GETOWN, F_SETSIG,
        // F_GETSIG, F_SETLK, F_DUPFD_CLOEXEC, F_SETPIPE_SZ, F_GETPIPE_SZ,
        // F_DUPFD_QUERY, F_CREATED_QUERY, F_ADD_SEALS.
        const KNOWN: [i32; 16] = [
            0, 1, 2, 3, 4, 8, 9, 10, 11, 6, 1030, 1031, 1032, 1027, 1028, 1033,
        ];
        Ok(Cmd(if u.ratio(7u8, 8u8)? {
            *u.choose(&KNOWN)?
        } else {
            i32::arbitrary(u)?
        }))
    }
}

/// An `ioctl` request: `FIOCLEX`, `FIONCLEX`, `FIONBIO`, `FIOASYNC`, `FIONREAD`, or
/// any number.
#[derive(Clone, Copy, Debug)]
pub struct Req(pub u64);

impl<'a> Arbitrary<'a> for Req {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Req> {
        const KNOWN: [u64; 5] = [0x5451, 0x5450, 0x5421, 0x5452, 0x541b];
        Ok(Req(if u.ratio(7u8, 8u8)? {
            *u.choose(&KNOWN)?
        } else {
            u64::arbitrary(u)?
        }))
    }
}

/// A clone-flags word built from the flags that matter to tables and tasks.
#[derive(Clone, Copy, Debug)]
pub struct CloneWord(pub u64);

impl<'a> Arbitrary<'a> for CloneWord {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<CloneWord> {
        // CLONE_VM, CLONE_FILES, CLONE_SIGHAND, CLONE_PIDFD, CLONE_VFORK,
        // CLONE_THREAD, SIGCHLD; a thread; a CLONE_FILES process.
        const BITS: [u64; 7] = [0x100, 0x400, 0x800, 0x1000, 0x4000, 0x10000, 17];
        Ok(CloneWord(match u.int_in_range(0u8..=5)? {
            0 | 1 => 0x100 | 0x400 | 0x800 | 0x10000,
            2 => 0x400 | 17,
            3 => u64::arbitrary(u)?,
            _ => {
                let mut w = 0;
                for b in BITS {
                    if bool::arbitrary(u)? {
                        w |= b;
                    }
                }
                w
            }
        }))
    }
}

fn path(p: u8) -> String {
    const PATHS: [&str; 8] = [
        "/tmp/a",
        "/tmp/b",
        "/tmp/d",
        "/tmp",
        "/dev/null",
        "/dev/zero",
        "/",
        "rel",
    ];
    PATHS[usize::from(p) % PATHS.len()].to_string()
}

/// The system under test and what the release hook saw.
pub struct World {
    pub sys: System,
    released: Arc<Mutex<Vec<u64>>>,
    /// Every description id ever seen reachable.
    seen: BTreeSet<u64>,
    /// How many times each id was released, so far.
    counts: HashMap<u64, usize>,
    consumed: usize,
}

impl World {
    pub fn new() -> World {
        let sys = System::with_config(Config {
            nofile: RLimit {
                cur: 64,
                max: u64::from(Limits::DEFAULT_NR_OPEN),
            },
            ..Config::default()
        });
        let released = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&released);
        sys.set_release_hook(Some(Arc::new(move |r: &Released| {
            sink.lock().unwrap().push(r.id);
        })));
        let pid = sys.spawn().unwrap();
        // A second thread and a second process from the start.
        let t = sys.task(pid).unwrap();
        t.clone_task(
            fdkit::CloneFlags::THREAD
                | fdkit::CloneFlags::SIGHAND
                | fdkit::CloneFlags::VM
                | fdkit::CloneFlags::FILES,
            None,
        )
        .unwrap();
        t.fork().unwrap();
        World {
            sys,
            released,
            seen: BTreeSet::new(),
            counts: HashMap::new(),
            consumed: 0,
        }
    }

    pub fn live_tids(&self) -> Vec<Pid> {
        let mut tids = Vec::new();
        for pid in self.sys.pids() {
            if let Ok(threads) = self.sys.threads(pid) {
                tids.extend(threads);
            }
        }
        tids
    }

    /// Runs one op; returns `false` once nothing is alive.
    pub fn step(&mut self, op: &Op) -> bool {
        let tids = self.live_tids();
        if tids.is_empty() {
            return false;
        }
        let tid = tids[usize::from(op.who) % tids.len()];
        let Ok(t) = self.sys.task(tid) else {
            return true;
        };
        let crowded = tids.len() >= MAX_TASKS;
        self.apply(&t, &op.what, crowded);
        true
    }

    fn apply(&self, t: &Task, what: &What, crowded: bool) {
        use What::*;
        let call = match *what {
            Open {
                path: p,
                flags,
                mode,
            } => Call::Open {
                path: path(p),
                flags: flags.0,
                mode: u32::from(mode),
            },
            Openat {
                dirfd,
                path: p,
                flags,
            } => Call::Openat {
                dirfd: dirfd.int(),
                path: path(p),
                flags: flags.0,
                mode: 0o644,
            },
            Close { fd } => Call::Close { fd: fd.int() },
            CloseRange { first, last, flags } => Call::CloseRange {
                first: first.0,
                last: last.0,
                flags: flags.0 & 0xff,
            },
            Dup { fd } => Call::Dup { fd: fd.int() },
            Dup2 { old, new } => Call::Dup2 {
                old: old.int(),
                new: new.int(),
            },
            Dup3 { old, new, flags } => Call::Dup3 {
                old: old.int(),
                new: new.int(),
                flags: flags.0,
            },
            Fcntl { fd, cmd, arg } => Call::Fcntl {
                fd: fd.int(),
                cmd: cmd.0,
                arg: arg.0,
            },
            Ioctl { fd, request, arg } => Call::Ioctl {
                fd: fd.int(),
                request: request.0,
                arg: arg.0,
            },
            Read { fd, count } => Call::Read {
                fd: fd.int(),
                count: count.0 as usize,
            },
            Write { fd, len } => Call::Write {
                fd: fd.int(),
                data: vec![b'x'; usize::from(len)],
            },
            Pread { fd, count, offset } => Call::Pread {
                fd: fd.int(),
                count: count.0 as usize,
                offset: offset.0 as i64,
            },
            Pwrite { fd, len, offset } => Call::Pwrite {
                fd: fd.int(),
                data: vec![b'y'; usize::from(len)],
                offset: offset.0 as i64,
            },
            Lseek { fd, offset, whence } => Call::Lseek {
                fd: fd.int(),
                offset: offset.0 as i64,
                whence: whence.int(),
            },
            Pipe2 { flags } => Call::Pipe2 { flags: flags.0 },
            Socketpair {
                domain,
                ty,
                protocol,
            } => Call::Socketpair {
                domain: domain.int(),
                ty: ty.0,
                protocol: protocol.int(),
            },
            Eventfd2 { initval, flags } => Call::Eventfd2 {
                initval: initval.0,
                flags: flags.0,
            },
            Setrlimit { resource, cur, max } => Call::Setrlimit {
                resource: resource.0,
                limit: RLimit {
                    cur: cur.0,
                    max: max.0,
                },
            },
            Prlimit { pid, resource, new } => Call::Prlimit {
                pid: pid.0,
                resource: resource.0,
                new: new.map(|(cur, max)| RLimit {
                    cur: cur.0,
                    max: max.0,
                }),
            },
            Fork if !crowded => Call::Fork,
            Clone { flags } if !crowded => Call::Clone { flags: flags.0 },
            Unshare { flags } => Call::Unshare { flags: flags.0 },
            Execve => Call::Execve {
                path: "/bin/true".into(),
            },
            Exit { status } => Call::Exit { status },
            ExitGroup { status } => Call::ExitGroup { status },
            Wait4 { pid } => Call::Wait4 {
                pid: pid.int(),
                nohang: true,
            },
            Mkdir { path: p } => Call::Mkdir {
                path: path(p),
                mode: 0o755,
            },
            Unlink { path: p } => Call::Unlink { path: path(p) },
            Chdir { path: p } => Call::Chdir { path: path(p) },
            Fstat { fd } => Call::Fstat { fd: fd.int() },
            Interrupt => {
                let _ = self.sys.interrupt(t.tid());
                return;
            }
            SetNrOpen { value } => {
                let _ = self.sys.set_nr_open(value.0);
                return;
            }
            Spawn if !crowded => {
                let _ = self.sys.spawn();
                return;
            }
            Fork | Clone { .. } | Spawn => return,
        };
        run_nonblocking(t, &call);
    }

    /// Checks the invariants; `Err` names the first one broken.
    pub fn check(&mut self) -> Result<(), String> {
        let mut reachable: BTreeMap<u64, usize> = BTreeMap::new();
        for tid in self.live_tids() {
            let Ok(task) = self.sys.task(tid) else {
                continue;
            };
            let listing = task
                .fd_listing()
                .map_err(|e| format!("fd_listing of live task {tid}: {e}"))?;
            for pair in listing.entries.windows(2) {
                if pair[0].fd >= pair[1].fd {
                    return Err(format!(
                        "task {tid}: listing not strictly increasing: {} then {}",
                        pair[0].fd, pair[1].fd
                    ));
                }
            }
            for e in &listing.entries {
                *reachable.entry(e.description).or_default() += 1;
            }
        }
        let released = std::mem::take(&mut *self.released.lock().unwrap());
        for id in released {
            *self.counts.entry(id).or_default() += 1;
        }
        self.consumed += 1;
        for (id, n) in &self.counts {
            if *n != 1 {
                return Err(format!("description {id} released {n} times"));
            }
            if reachable.contains_key(id) {
                return Err(format!("description {id} released while reachable"));
            }
        }
        for id in reachable.keys() {
            self.seen.insert(*id);
        }
        for id in &self.seen {
            if !reachable.contains_key(id) && !self.counts.contains_key(id) {
                return Err(format!("description {id} unreachable but not released"));
            }
        }
        Ok(())
    }

    /// Ends every process; afterwards every description seen is released once.
    pub fn finish(&mut self) -> Result<(), String> {
        for tid in self.live_tids() {
            if let Ok(t) = self.sys.task(tid) {
                t.exit_group(0);
            }
        }
        self.check()?;
        if let Some(id) = self.seen.iter().find(|id| !self.counts.contains_key(id)) {
            return Err(format!("description {id} never released"));
        }
        Ok(())
    }
}

impl Default for World {
    fn default() -> World {
        World::new()
    }
}

/// Runs `call` without blocking: a read or write on a blocking description runs
/// with `O_NONBLOCK` set for the call.
fn run_nonblocking(t: &Task, call: &Call) {
    let fd = match call {
        Call::Read { fd, .. }
        | Call::Write { fd, .. }
        | Call::Pread { fd, .. }
        | Call::Pwrite { fd, .. } => *fd,
        _ => {
            let _ = t.execute(call);
            return;
        }
    };
    match t.file(fd) {
        Ok(ofd) if !ofd.is_nonblocking() => {
            ofd.set_nonblocking(true);
            let _ = t.execute(call);
            ofd.set_nonblocking(false);
        }
        _ => {
            let _ = t.execute(call);
        }
    }
}

/// The whole property on one input: decode ops, run each, check after each.
///
/// # Panics
/// When an invariant breaks (the fuzzer reports it as a crash).
pub fn run(data: &[u8]) {
    if let Err(e) = try_run(data) {
        panic!("{e}");
    }
}

/// As [`run`], returning the broken invariant.
pub fn try_run(data: &[u8]) -> Result<(), String> {
    let mut u = Unstructured::new(data);
    let mut w = World::new();
    w.check()?;
    let mut trace = Vec::new();
    for _ in 0..MAX_OPS {
        let Ok(op) = Op::arbitrary(&mut u) else {
            break;
        };
        if u.is_empty() && trace.len() > 1 {
            break;
        }
        trace.push(op.clone());
        if !w.step(&op) {
            break;
        }
        w.check().map_err(|e| format!("{e}\nafter {trace:#?}"))?;
    }
    w.finish().map_err(|e| format!("{e}\nafter {trace:#?}"))
}

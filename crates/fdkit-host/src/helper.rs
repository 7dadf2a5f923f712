//! The helper processes: what `fdkit-host-helper` runs.
//!
//! Read [`crate::host`] first for the whole picture. The driver starts the helper in
//! *root* mode; it becomes the **reaper** of a new session (a child subreaper, so
//! orphans come to it), closes every inherited descriptor above 2, and forks the
//! **initial process** `p0`. Every scripted process is a helper *serving* a mailbox:
//! it waits for a request, performs it on the kernel, and posts the result. `fork`
//! and `clone` are real; the child serves the mailbox the request named. `execve` is
//! a real exec of this same binary in *exec* mode, which probes the descriptors it
//! inherited before anything else and then goes on serving.
//!
//! Helpers are single-threaded (so `fork` is safe anywhere) and are built with
//! `#![no_main]`: Rust's runtime start-up would otherwise reopen closed descriptors
//! 0-2 on `/dev/null`, changing the table the kernel left after `execve`. Nothing
//! here opens a descriptor in a serving process except the calls a script asks for.

use crate::kernel;
use crate::mailbox::{Header, Mailbox, FAILED, READY, REQUEST, RESPONSE};
use crate::sys::{self, Forked, Segment};
use crate::wire::{Request, Response};
use fdkit::catalog::flagset as fs;
use fdkit::syscall::{Call, Value};
use fdkit::{Errno, RLimit};
use rustix::process::{Pid, Signal};
use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::sync::atomic::Ordering;
use std::time::Duration;

const NOFILE: u32 = fs::RLIMIT_NOFILE as u32;
/// How long an idle helper sleeps between checks that it has not been abandoned.
const IDLE_CHECK: Duration = Duration::from_secs(1);
/// `clone` flags the executor runs: `CSIGNAL`, `CLONE_FS`, `CLONE_FILES`,
/// `CLONE_SYSVSEM`. Anything sharing memory or creating threads is refused.
const CLONE_RUN: u64 = fs::CSIGNAL | fs::CLONE_FS | fs::CLONE_FILES | fs::CLONE_SYSVSEM;

fn raw(pid: Option<Pid>) -> u32 {
    Pid::as_raw(pid) as u32
}

fn me() -> u32 {
    raw(Some(rustix::process::getpid()))
}

fn parent() -> u32 {
    raw(rustix::process::getppid())
}

/// The first argument that starts a binary other than `fdkit-host-helper` as the
/// helper (see [`crate::Config::embedded`]): a program that embeds the helper
/// checks for it in a C `main` (`#![no_main]`, as `fdkit-host-helper` is built),
/// before anything else runs, and then calls [`main`].
pub const EMBEDDED_ARG: &str = "__fdkit-host-helper";

/// Whether this helper was started with [`EMBEDDED_ARG`] (its exec mode passes it
/// on).
static EMBEDDED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether `argv[1]` is [`EMBEDDED_ARG`]: for the C `main` of a binary that embeds
/// the helper.
///
/// # Safety
/// `argv` holds `argc` valid C strings, as `main` receives them.
pub unsafe fn is_embedded_call(argc: i32, argv: *const *const std::os::raw::c_char) -> bool {
    if argc < 2 || argv.is_null() {
        return false;
    }
    // SAFETY: the caller's contract: argv[1] exists and is a C string.
    let first = unsafe { *argv.add(1) };
    !first.is_null()
        && unsafe { std::ffi::CStr::from_ptr(first) }.to_bytes() == EMBEDDED_ARG.as_bytes()
}

/// The helper binary's `main` (not an API: run by the driver only).
#[doc(hidden)]
pub fn main() -> i32 {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some(EMBEDDED_ARG) {
        EMBEDDED.store(true, Ordering::Relaxed);
        args.remove(0);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let parsed = match args.as_slice() {
        ["root", shm, cur, max, driver] => (|| {
            Some(Mode::Root {
                shm: shm.parse().ok()?,
                limit: RLimit {
                    cur: cur.parse().ok()?,
                    max: max.parse().ok()?,
                },
                driver: driver.parse().ok()?,
            })
        })(),
        ["exec", shm, slot, cur, max] => (|| {
            Some(Mode::Exec {
                shm: shm.parse().ok()?,
                slot: slot.parse().ok()?,
                limit: RLimit {
                    cur: cur.parse().ok()?,
                    max: max.parse().ok()?,
                },
            })
        })(),
        _ => None,
    };
    match parsed {
        Some(Mode::Root { shm, limit, driver }) => root(shm, limit, driver),
        Some(Mode::Exec { shm, slot, limit }) => after_exec(shm, slot, limit),
        None => {
            eprintln!("fdkit-host-helper: started by fdkit-host only");
            2
        }
    }
}

enum Mode {
    Root {
        shm: i32,
        limit: RLimit,
        driver: u32,
    },
    Exec {
        shm: i32,
        slot: u32,
        limit: RLimit,
    },
}

/// The reaper: a session of its own, a subreaper, no descriptors above 2; forks `p0`
/// and reaps until no descendant is left.
fn root(shm: i32, limit: RLimit, driver: u32) -> i32 {
    let _ = rustix::process::setsid();
    let _ = rustix::process::set_child_subreaper(Some(rustix::process::getpid()));
    let _ = sys::close_range(3, u32::MAX, 0);
    // 0, 1 and 2 already share one description of the terminal (the driver passes
    // the same one three times). Saying so changes nothing here, but a trace of the
    // run (`strace -f`) then shows it, and `fdkit check` knows that 1 and 2 are 0.
    let _ = sys::dup2(0, 1);
    let _ = sys::dup2(0, 2);
    match sys::fork() {
        Ok(Forked::Child) => initial(shm, limit),
        Ok(Forked::Parent(_)) => reap(driver),
        Err(_) => 1,
    }
}

/// Reaps every descendant; if the driver process goes away, kills the session.
fn reap(driver: u32) -> i32 {
    use rustix::process::{pidfd_open, waitpid, PidfdFlags, WaitOptions};
    // Opened after the fork, so no scripted process inherits it.
    let driver = Pid::from_raw(driver as i32).and_then(|p| pidfd_open(p, PidfdFlags::empty()).ok());
    let _ = sys::tick_every(Duration::from_millis(500));
    loop {
        match waitpid(None, WaitOptions::empty()) {
            Ok(_) => {}
            Err(rustix::io::Errno::CHILD) => return 0,
            Err(rustix::io::Errno::INTR) => {
                if gone(driver.as_ref()) {
                    let _ = rustix::process::kill_process_group(
                        rustix::process::getpid(),
                        Signal::KILL,
                    );
                }
            }
            Err(_) => return 1,
        }
    }
}

/// Whether the process behind `pidfd` has exited (or there is no pidfd).
fn gone(pidfd: Option<&std::os::fd::OwnedFd>) -> bool {
    use rustix::event::{poll, PollFd, PollFlags, Timespec};
    let Some(fd) = pidfd else { return true };
    let mut fds = [PollFd::new(fd, PollFlags::IN)];
    let zero = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    poll(&mut fds, Some(&zero)).is_ok_and(|n| n > 0)
}

/// `p0`: the model's initial state (umask 022, the given `RLIMIT_NOFILE`, 0-2 open on
/// the terminal), then serve mailbox 0.
fn initial(shm: i32, limit: RLimit) -> i32 {
    let Ok(seg) = Segment::attach(shm) else {
        return 3;
    };
    let Some(header) = Header::open(&seg) else {
        return 3;
    };
    let Some(mailbox) = header.slot(0) else {
        return 3;
    };
    let reaper = parent();
    if let Some(word) = header.reaper() {
        word.store(reaper, Ordering::Release);
    }
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o022));
    if let Err(e) = sys::setrlimit(NOFILE, limit) {
        fail(
            &mailbox,
            &format!("setrlimit(RLIMIT_NOFILE, {limit:?}): {e}"),
        );
        return 3;
    }
    if let Err(e) = sys::install_signal_dispositions() {
        fail(&mailbox, &format!("sigaction: {e}"));
        return 3;
    }
    announce(&mailbox);
    serve(&seg, &header, 0, reaper)
}

/// After `execve`: put back the limit raised for the dynamic loader, report the
/// inherited table, then serve.
fn after_exec(shm: i32, slot: u32, limit: RLimit) -> i32 {
    let restored = sys::setrlimit(NOFILE, limit);
    let Ok(seg) = Segment::attach(shm) else {
        return 3;
    };
    let Some(header) = Header::open(&seg) else {
        return 3;
    };
    let Some(mailbox) = header.slot(slot) else {
        return 3;
    };
    let response = if let Err(e) = restored {
        Response::Unsupported(format!("after execve: setrlimit({limit:?}): {e}"))
    } else if let Err(e) = sys::install_signal_dispositions() {
        Response::Unsupported(format!("after execve: sigaction: {e}"))
    } else {
        match mailbox.request().and_then(|b| Request::decode(&b).ok()) {
            Some(Request::Call {
                call: Call::Execve { .. },
                candidates,
                ..
            }) => Response::Done {
                result: Ok(Value::Int(0)),
                table: Some(kernel::own_table(&candidates)),
            },
            _ => Response::Unsupported("after execve: no execve request".into()),
        }
    };
    respond(&mailbox, &response);
    serve(&seg, &header, slot, parent())
}

fn fail(mailbox: &Mailbox<'_>, why: &str) {
    mailbox.put_response(why.as_bytes());
    mailbox.hand_over(FAILED);
}

fn announce(mailbox: &Mailbox<'_>) {
    mailbox.pid.store(me(), Ordering::Relaxed);
    mailbox.hand_over(READY);
}

fn respond(mailbox: &Mailbox<'_>, response: &Response) {
    if !mailbox.put_response(&response.encode()) {
        let too_big = Response::Unsupported("the response does not fit the mailbox".into());
        mailbox.put_response(&too_big.encode());
    }
    mailbox.hand_over(RESPONSE);
}

fn done(result: Result<Value, Errno>) -> Response {
    Response::Done {
        result,
        table: None,
    }
}

/// Waits for a request; exits if abandoned (the parent is gone and this process was
/// not adopted by the reaper, i.e. the whole run was torn down).
fn wait_request(mailbox: &Mailbox<'_>, header: &Header<'_>, parent_pid: u32) {
    loop {
        let seen = mailbox.load();
        if seen == REQUEST {
            return;
        }
        if mailbox.sleep(seen, IDLE_CHECK) {
            let now = parent();
            let reaper = header.reaper().map_or(0, |w| w.load(Ordering::Acquire));
            if now != parent_pid && now != reaper {
                sys::exit_group(0);
            }
        }
    }
}

/// Serves mailbox `slot` for good. A `fork` child switches to the mailbox its
/// request named.
fn serve(seg: &Segment, header: &Header<'_>, mut slot: u32, mut parent_pid: u32) -> ! {
    loop {
        let Some(mailbox) = header.slot(slot) else {
            sys::exit_group(4)
        };
        wait_request(&mailbox, header, parent_pid);
        let request = mailbox.request().and_then(|b| Request::decode(&b).ok());
        let response = match request {
            None => Response::Unsupported("the request does not decode".into()),
            Some(Request::Quit) => sys::exit_group(0),
            Some(Request::Table { candidates }) => Response::Table(kernel::own_table(&candidates)),
            Some(Request::Call {
                call, child_slot, ..
            }) => match call {
                Call::Fork | Call::Clone { .. } => {
                    let forker = me();
                    match spawn(&call) {
                        Ok(Ok(Forked::Child)) => {
                            slot = child_slot;
                            parent_pid = forker;
                            match header.slot(slot) {
                                Some(own) => announce(&own),
                                None => sys::exit_group(4),
                            }
                            continue;
                        }
                        Ok(Ok(Forked::Parent(pid))) => done(Ok(Value::Int(i64::from(pid)))),
                        Ok(Err(e)) => done(Err(e)),
                        Err(why) => Response::Unsupported(why),
                    }
                }
                Call::Vfork => {
                    Response::Unsupported("vfork is not run by the host executor".into())
                }
                Call::Execve { .. } => exec_self(seg.id(), slot, header.nr_open()),
                Call::Exit { status } => sys::exit_thread(status),
                Call::ExitGroup { status } => sys::exit_group(status),
                other => match kernel::perform(&other, mailbox.capacity().saturating_sub(64)) {
                    Ok(result) => done(result),
                    Err(why) => Response::Unsupported(why),
                },
            },
        };
        respond(&mailbox, &response);
    }
}

/// `fork()` or a `clone` the executor runs.
fn spawn(call: &Call) -> Result<Result<Forked, Errno>, String> {
    match call {
        Call::Clone { flags } if flags & !CLONE_RUN != 0 => Err(format!(
            "clone flags {flags:#x}: only CLONE_FILES, CLONE_FS, CLONE_SYSVSEM and the exit signal are run"
        )),
        Call::Clone { flags } => Ok(sys::clone_process(*flags)),
        _ => Ok(sys::fork()),
    }
}

/// A real `execve` of this binary in exec mode. Returns only on failure.
///
/// The new program's dynamic loader opens its libraries, which needs a free number
/// below the soft limit: the limit is raised for the exec (to `nr_open` where that is
/// allowed, else the soft limit to the hard one) and put back by the new program
/// before it does anything else, so the script sees the limit it set. (The driver
/// refuses an `execve` that would leave the loader no number at all.)
fn exec_self(shm: i32, slot: u32, nr_open: u32) -> Response {
    let old = match sys::getrlimit(NOFILE) {
        Ok(l) => l,
        Err(e) => return done(Err(e)),
    };
    let most = u64::from(nr_open).max(old.max);
    if sys::setrlimit(
        NOFILE,
        RLimit {
            cur: most,
            max: most,
        },
    )
    .is_err()
    {
        let _ = sys::setrlimit(
            NOFILE,
            RLimit {
                cur: old.max,
                max: old.max,
            },
        );
    }
    let embedded = EMBEDDED
        .load(Ordering::Relaxed)
        .then(|| EMBEDDED_ARG.to_string());
    let argv: Vec<CString> = std::iter::once("fdkit-host-helper".to_string())
        .chain(embedded)
        .chain([
            "exec".to_string(),
            shm.to_string(),
            slot.to_string(),
            old.cur.to_string(),
            old.max.to_string(),
        ])
        .filter_map(|a| CString::new(a).ok())
        .collect();
    let envp: Vec<CString> = std::env::vars_os()
        .filter_map(|(k, v)| {
            let mut kv = k.as_bytes().to_vec();
            kv.push(b'=');
            kv.extend_from_slice(v.as_bytes());
            CString::new(kv).ok()
        })
        .collect();
    let err = sys::execve(c"/proc/self/exe", &argv, &envp);
    let _ = sys::setrlimit(NOFILE, old);
    done(Err(err))
}

//! A live strace check: a host script runs under `strace -f`, and the log must show
//! each call, made by the right process, with the result the executor reported.
//! (A later `fdkit check` will replay such logs against the model; this only checks
//! that the executor makes exactly the calls it claims.)

use fdkit::syscall::{Call, Value};
use fdkit_host::{Backend, Config, Host, Outcome, ProcessRef};
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;

const P0: ProcessRef = ProcessRef(0);
const P1: ProcessRef = ProcessRef(1);

/// Whether `strace` is installed and may trace here (ptrace can be forbidden).
fn strace_works() -> Result<(), String> {
    match Command::new("strace")
        .args(["-f", "-o", "/dev/null", "true"])
        .output()
    {
        Err(e) => Err(format!("strace is not installed ({e})")),
        Ok(out) if !out.status.success() => Err(format!(
            "strace cannot trace here: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )),
        Ok(_) => Ok(()),
    }
}

/// Joins `<unfinished ...>` / `<... NAME resumed>` halves, so each call is one line
/// `PID name(args) = result`, with runs of spaces collapsed.
fn calls(log: &str) -> Vec<(u32, String)> {
    let mut pending: HashMap<u32, String> = HashMap::new();
    let mut out = Vec::new();
    for line in log.lines() {
        let Some((pid, rest)) = line.split_once(' ') else {
            continue;
        };
        let Ok(pid) = pid.parse::<u32>() else {
            continue;
        };
        let rest = rest.trim_start();
        if let Some(head) = rest.strip_suffix(" <unfinished ...>") {
            pending.insert(pid, head.to_string());
            continue;
        }
        let full = match rest.strip_prefix("<... ") {
            Some(resumed) => {
                let tail = resumed.split_once("resumed>").map_or("", |(_, t)| t);
                format!("{}{tail}", pending.remove(&pid).unwrap_or_default())
            }
            None => rest.to_string(),
        };
        out.push((pid, full.split_whitespace().collect::<Vec<_>>().join(" ")));
    }
    out
}

/// What the log line of `call` must start with and end with, given its outcome;
/// `None` for calls this check does not look at.
fn expected(call: &Call, outcome: &Outcome) -> Option<(String, String)> {
    let result = match &outcome.result {
        Err(e) => format!("= -1 {}", e.name()?),
        Ok(Value::Int(n)) => match call {
            // strace shows F_GETFD/F_GETFL results in hex with their flag names.
            Call::Fcntl { cmd: 1 | 3, .. } if *n != 0 => format!("= {n:#x} ("),
            _ => format!("= {n}"),
        },
        Ok(Value::Pair(_)) => "= 0".to_string(),
        Ok(Value::Bytes(b)) => format!("= {}", b.len()),
        Ok(_) => return None,
    };
    let head = match call {
        Call::Dup { fd } => format!("dup({fd})"),
        Call::Dup2 { old, new } => format!("dup2({old}, {new})"),
        Call::Dup3 { old, new, .. } => format!("dup3({old}, {new}, "),
        Call::Close { fd } => format!("close({fd})"),
        Call::Fcntl { fd, cmd: 1, .. } => format!("fcntl({fd}, F_GETFD)"),
        Call::Fcntl { fd, cmd: 3, .. } => format!("fcntl({fd}, F_GETFL)"),
        Call::Fcntl { fd, cmd: 1030, arg } => format!("fcntl({fd}, F_DUPFD_CLOEXEC, {arg})"),
        Call::Pipe2 { .. } => match &outcome.result {
            Ok(Value::Pair([a, b])) => format!("pipe2([{a}, {b}], "),
            _ => "pipe2(".to_string(),
        },
        Call::Write { fd, .. } => format!("write({fd}, "),
        Call::Read { fd, .. } => format!("read({fd}, "),
        Call::Lseek { fd, offset, .. } => format!("lseek({fd}, {offset}, "),
        // glibc's fork is a clone(2) without a new stack.
        Call::Fork => "clone(child_stack=NULL, ".to_string(),
        Call::Execve { .. } => "execve(\"/proc/self/exe\", ".to_string(),
        _ => return None,
    };
    Some((head, result))
}

#[test]
#[cfg_attr(
    not(has_strace),
    ignore = "needs strace in PATH, allowed to trace (ptrace)"
)]
fn strace_log_shows_each_call_with_the_reported_result() {
    if let Err(why) = strace_works() {
        panic!("{why} (CI=true requires it; elsewhere this test is ignored without it)");
    }
    let log: PathBuf =
        std::env::temp_dir().join(format!("fdkit-host-strace-{}.log", std::process::id()));
    let mut config = Config::new(env!("CARGO_BIN_EXE_fdkit-host-helper"));
    config.launcher = vec![
        "strace".into(),
        "-f".into(),
        "-o".into(),
        log.clone().into(),
    ];
    let script = [
        (
            P0,
            Call::Open {
                path: "/tmp/a".into(),
                flags: 0o102,
                mode: 0o644,
            },
        ),
        (P0, Call::Dup { fd: 3 }),
        (P0, Call::Dup2 { old: 3, new: 1023 }),
        (P0, Call::Dup2 { old: 3, new: 1024 }),
        (
            P0,
            Call::Dup3 {
                old: 3,
                new: 3,
                flags: 0o2000000,
            },
        ),
        (
            P0,
            Call::Dup3 {
                old: 3,
                new: 6,
                flags: 0o2000000,
            },
        ),
        (
            P0,
            Call::Fcntl {
                fd: 6,
                cmd: 1,
                arg: 0,
            },
        ),
        (
            P0,
            Call::Fcntl {
                fd: 3,
                cmd: 3,
                arg: 0,
            },
        ),
        (
            P0,
            Call::Fcntl {
                fd: 3,
                cmd: 1030,
                arg: 10,
            },
        ),
        (P0, Call::Pipe2 { flags: 0o2000000 }),
        (
            P0,
            Call::Write {
                fd: 3,
                data: b"hello".to_vec(),
            },
        ),
        (
            P0,
            Call::Lseek {
                fd: 4,
                offset: 1,
                whence: 0,
            },
        ),
        (P0, Call::Fork),
        (P1, Call::Read { fd: 3, count: 8 }),
        (P1, Call::Close { fd: 1023 }),
        (P1, Call::Close { fd: 1023 }),
        (
            P1,
            Call::Execve {
                path: "/bin/true".into(),
            },
        ),
        (
            P1,
            Call::Fcntl {
                fd: 5,
                cmd: 1,
                arg: 0,
            },
        ),
        (P1, Call::Close { fd: 3 }),
        (
            P0,
            Call::Fcntl {
                fd: 1023,
                cmd: 1,
                arg: 0,
            },
        ),
    ];
    let mut host = Host::start(config).expect("host starts under strace");
    let mut seen = Vec::new();
    for (process, call) in &script {
        let outcome = host.execute(*process, call).expect("call runs");
        seen.push((host.pid(*process).unwrap(), call.clone(), outcome));
    }
    host.shutdown().expect("helpers exit");
    let text = std::fs::read_to_string(&log).expect("strace wrote its log");
    let _ = std::fs::remove_file(&log);
    let lines = calls(&text);
    let mut checked = 0;
    for (pid, call, outcome) in &seen {
        let Some((head, result)) = expected(call, outcome) else {
            continue;
        };
        let found = lines
            .iter()
            .any(|(p, l)| p == pid && l.starts_with(&head) && l.contains(&result));
        assert!(
            found,
            "no line `{pid} {head}... {result}` for {call:?} => {:?} in the log:\n{}",
            outcome.result,
            lines
                .iter()
                .filter(|(p, _)| p == pid)
                .map(|(p, l)| format!("{p} {l}"))
                .collect::<Vec<_>>()
                .join("\n")
        );
        checked += 1;
    }
    assert_eq!(checked, script.len() - 1, "every call but open was checked");
}

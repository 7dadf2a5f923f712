//! Integration tests on real strace 6.1 output recorded on Linux 6.18 (see
//! `tests/data/README.md` for the command behind each log).
//!
//! Each syntax-form test takes its line from a recorded log with [`real`], so every
//! form asserted here is one strace really wrote.

use fdkit_strace::{
    BinaryOp, Call, Error, ErrorKind, Event, Field, Int, Joiner, Line, Lines, Outcome, Pause,
    Radix, Record, Seconds, Str, Timestamp, UnaryOp, Value,
};
use proptest::prelude::*;
use std::borrow::Cow;

macro_rules! logs {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("data/", $name)))),*]
    };
}

const LOGS: &[(&str, &str)] = logs![
    "attach-f-o.log",
    "attach-stderr.log",
    "core-dumped.log",
    "exec-thread.log",
    "hex-x.log",
    "hex-xx.log",
    "inject-verbose.log",
    "ip-nr-comm.log",
    "many-children.log",
    "many-children-stderr.log",
    "misc.log",
    "ns-T.log",
    "paths-y.log",
    "paths-yy.log",
    "pipe-f-o.log",
    "pipe-stderr.log",
    "pipe-yy-tt-T.log",
    "restart.log",
    "signals-r.log",
    "stack-k.log",
    "t.log",
    "threads-f-o.log",
    "threads-r.log",
    "threads-stderr.log",
    "threads-yy-ttt-T.log",
    "tt-r.log",
    "unknown-syscall.log",
    "vfork.log",
];

/// The first line of log `file` that contains `needle`; a leading NUL in the
/// needle anchors it at the start of the line.
#[track_caller]
fn real(file: &str, needle: &str) -> &'static str {
    let (_, text) = LOGS
        .iter()
        .find(|(name, _)| *name == file)
        .unwrap_or_else(|| panic!("no log {file}"));
    text.lines()
        .find(|l| match needle.strip_prefix('\0') {
            Some(start) => l.starts_with(start),
            None => l.contains(needle),
        })
        .unwrap_or_else(|| panic!("{file}: no line contains {needle:?}"))
}

/// The line of log `file` that is exactly `text`.
#[track_caller]
fn exact(file: &str, text: &str) -> &'static str {
    let (_, log) = LOGS.iter().find(|(name, _)| *name == file).unwrap();
    log.lines()
        .find(|l| *l == text)
        .unwrap_or_else(|| panic!("{file}: no line {text:?}"))
}

#[track_caller]
fn parse(text: &str) -> Line<'_> {
    Line::parse(text).unwrap_or_else(|e| panic!("parse({text:?}): got {e}"))
}

/// Parses a complete call line: (name, args, outcome, duration).
#[track_caller]
fn call(text: &str) -> (&str, Vec<String>, Outcome<'_>, Option<Seconds>) {
    match parse(text).into_event() {
        Event::Call {
            name,
            args,
            outcome,
            duration,
        } => (
            name,
            args.iter().map(|a| a.to_string()).collect(),
            outcome,
            duration,
        ),
        other => panic!("parse({text:?}): got {other:?}, want a call"),
    }
}

/// The `n`th argument of a call line, parsed.
#[track_caller]
fn arg(text: &str, n: usize) -> Value<'_> {
    let line = parse(text);
    let args = match line.event() {
        Event::Call { args, .. } | Event::Unfinished { args, .. } | Event::Resumed { args, .. } => {
            *args
        }
        other => panic!("parse({text:?}): got {other:?}, want a call"),
    };
    let a = args
        .get(n)
        .unwrap_or_else(|| panic!("{text:?}: no argument {n}"));
    a.value()
        .unwrap_or_else(|e| panic!("{text:?} argument {n}: got {e}"))
}

fn int(v: i128) -> Value<'static> {
    Value::int(v)
}

fn id(s: &str) -> Value<'_> {
    Value::ident(s)
}

fn flags<'a>(names: &[&'a str]) -> Value<'a> {
    Value::Flags(names.iter().map(|n| id(n)).collect())
}

fn secs(secs: u64, nanos: u32, digits: u8) -> Seconds {
    Seconds {
        secs,
        nanos,
        digits,
    }
}

// ---- whole logs -------------------------------------------------------------------

#[test]
fn every_recorded_log_parses_joins_and_prints_back() {
    for (name, text) in LOGS {
        let mut joiner = Joiner::new();
        let mut calls = 0;
        for item in Lines::new(text.as_bytes()) {
            let (number, line) = item.unwrap_or_else(|e| panic!("{}", e.with_path(*name)));
            let printed = line.to_string();
            assert_eq!(
                Line::parse(&printed).as_ref(),
                Ok(&line),
                "{name}:{number}: reprinted as {printed:?}"
            );
            if let Event::Call { args, .. }
            | Event::Unfinished { args, .. }
            | Event::Resumed { args, .. } = line.event()
            {
                for a in args.iter() {
                    let v = a
                        .value()
                        .unwrap_or_else(|e| panic!("{}", e.at_line(number).with_path(*name)));
                    let again = v.to_string();
                    assert_eq!(
                        Value::parse(&again).as_ref(),
                        Ok(&v),
                        "{name}:{number}: {a} reprinted as {again}"
                    );
                }
            }
            let records = joiner
                .push(number, line)
                .unwrap_or_else(|e| panic!("{}", e.with_path(*name)));
            for record in records {
                if let Record::Call(c) = record {
                    calls += 1;
                    for a in c.args().iter() {
                        a.value()
                            .unwrap_or_else(|e| panic!("{name}:{}: joined {a}: {e}", c.completed));
                    }
                }
            }
        }
        let left = joiner.finish();
        // Only the attach logs end with calls strace detached from.
        let expect_left = if name.starts_with("attach") { 2 } else { 0 };
        assert_eq!(
            left.len(),
            expect_left,
            "{name}: unfinished at the end: {left:?}"
        );
        assert!(calls > 0 || name.starts_with("attach"), "{name}: no calls");
    }
}

#[test]
fn stderr_log_joins_to_the_same_calls_as_file_log() {
    // The same workload recorded twice: -f -o FILE and -f to stderr. The call
    // names per pid differ only by pid values, so compare name sequences.
    let names = |file: &str| {
        let text = LOGS.iter().find(|(n, _)| *n == file).unwrap().1;
        let mut joiner = Joiner::new();
        let mut names = Vec::new();
        for item in Lines::new(text.as_bytes()) {
            let (number, line) = item.unwrap();
            for r in joiner.push(number, line).unwrap() {
                if let Record::Call(c) = r {
                    names.push(c.name.into_owned());
                }
            }
        }
        names.sort();
        names
    };
    let file = names("pipe-f-o.log");
    let stderr = names("pipe-stderr.log");
    assert_eq!(file.len(), stderr.len());
}

// ---- prefixes ---------------------------------------------------------------------

#[test]
fn pid_prefix_as_written_by_dash_o() {
    let line = parse(real("pipe-f-o.log", "brk(NULL)"));
    assert!(line.pid().is_some_and(|p| p > 1));
    assert!(line.comm().is_none());
}

#[test]
fn pid_prefix_as_written_to_stderr() {
    let text = real("pipe-stderr.log", "[pid ");
    let pid: u32 = text[5..text.find(']').unwrap()].trim().parse().unwrap();
    assert_eq!(parse(text).pid(), Some(pid));
}

#[test]
fn no_prefix_while_one_process_is_traced() {
    let (name, args, outcome, _) = call(real("pipe-stderr.log", "getpid()"));
    assert_eq!((name, args.len()), ("getpid", 0));
    assert!(outcome.int().is_some_and(|p| p > 1));
    assert_eq!(parse(real("pipe-stderr.log", "getpid()")).pid(), None);
}

#[test]
fn comm_prefix_syscall_number_and_ip() {
    let line = parse(real("ip-nr-comm.log", "brk(NULL)"));
    assert_eq!(line.comm(), Some("sh"));
    assert_eq!(line.syscall_nr(), Some(12));
    assert_eq!(line.ip().map(str::len), Some(16));
    let (_, _, outcome, _) = call(real("ip-nr-comm.log", "getpid()"));
    let Some(Ok(Value::Decorated { info, .. })) = outcome.parsed_value() else {
        panic!("{outcome:?}")
    };
    assert_eq!(info, "sh");
}

// ---- timestamps and durations ----------------------------------------------------------

#[test]
fn timestamp_t() {
    let Some(Timestamp::Clock(s)) = parse(real("t.log", "brk(")).time() else {
        panic!()
    };
    assert_eq!(s.digits, 0);
    assert!(s.secs < 86_400);
}

#[test]
fn timestamp_tt_and_duration_t() {
    let text = real("pipe-yy-tt-T.log", "pipe2(");
    let line = parse(text);
    let Some(t @ Timestamp::Clock(s)) = line.time() else {
        panic!()
    };
    assert_eq!(s.digits, 6);
    assert!(text.contains(&format!(" {t} ")));
    let (_, _, _, duration) = call(text);
    let d = duration.unwrap();
    assert_eq!(d.digits, 6);
    assert!(text.ends_with(&format!("<{d}>")));
}

#[test]
fn timestamp_ttt() {
    let text = real("threads-yy-ttt-T.log", "execve(");
    let Some(Timestamp::Unix(s)) = parse(text).time() else {
        panic!()
    };
    assert!(s.secs > 1_600_000_000 && s.digits == 6);
}

#[test]
fn timestamp_and_duration_in_nanoseconds() {
    let text = real("ns-T.log", "brk(");
    let line = parse(text);
    let Some(Timestamp::Unix(s)) = line.time() else {
        panic!()
    };
    assert_eq!(s.digits, 9);
    let Event::Call {
        duration: Some(d), ..
    } = line.event()
    else {
        panic!()
    };
    assert_eq!(d.digits, 9);
}

#[test]
fn relative_timestamp_r() {
    let line = parse(real("threads-r.log", "execve("));
    assert_eq!(line.relative(), Some(secs(0, 0, 6)));
    assert!(line.pid().is_some());
    assert_eq!(line.time(), None);
}

#[test]
fn relative_timestamp_after_clock() {
    let line = parse(real("tt-r.log", "brk("));
    assert!(matches!(line.time(), Some(Timestamp::Clock(_))));
    assert!(line.relative().is_some_and(|r| r.secs == 0 && r.nanos > 0));
}

// ---- results ------------------------------------------------------------------------

#[test]
fn result_plain_and_decorated() {
    let (_, _, o, _) = call(real("pipe-f-o.log", "brk(NULL)"));
    assert!(o.value().unwrap().starts_with("0x"));
    let (_, _, o, _) = call(real("paths-y.log", "\"/tmp/rec/p<a>b\""));
    assert_eq!(
        (o.int(), o.value()),
        (Some(3), Some("3</tmp/rec/p\\74a\\76b>"))
    );
    let (_, _, o, _) = call(real("paths-yy.log", "memfd_create("));
    let Some(Ok(Value::Decorated { info, deleted, .. })) = o.parsed_value() else {
        panic!()
    };
    assert_eq!((&*info, deleted), ("/memfd:mymem", true));
}

#[test]
fn result_with_flags_detail() {
    let (_, _, o, _) = call(real("threads-stderr.log", "F_GETFD)"));
    assert_eq!(
        (o.value(), o.detail()),
        (Some("0x1"), Some("flags FD_CLOEXEC"))
    );
    let (_, _, o, _) = call(real("misc.log", "F_GETFL"));
    assert_eq!(
        (o.int(), o.detail()),
        (Some(0x8002), Some("flags O_RDWR|O_LARGEFILE"))
    );
}

#[test]
fn result_error() {
    let (name, args, o, _) = call(real("pipe-f-o.log", "close(-1)"));
    assert_eq!((name, &args[..]), ("close", &["-1".to_owned()][..]));
    assert_eq!(
        (o.int(), o.errno(), o.detail()),
        (Some(-1), Some("EBADF"), Some("Bad file descriptor"))
    );
    assert!(o.is_error());
}

#[test]
fn result_restart() {
    let line = parse(real("threads-stderr.log", "ERESTARTSYS"));
    let Event::Resumed { name, outcome, .. } = line.event() else {
        panic!()
    };
    assert_eq!(*name, Some("wait4"));
    assert_eq!(
        (outcome.value(), outcome.errno()),
        (None, Some("ERESTARTSYS"))
    );
    assert_eq!(
        outcome.detail(),
        Some("To be restarted if SA_RESTART is set")
    );
    assert!(!outcome.is_error());
    let (_, _, o, _) = call(real("restart.log", "ERESTART_RESTARTBLOCK"));
    assert_eq!(o.detail(), Some("Interrupted by signal"));
}

#[test]
fn result_unknown_for_exit() {
    let (name, _, o, _) = call(real("vfork.log", "exit_group(0)"));
    assert_eq!(name, "exit_group");
    assert_eq!(o, Outcome::unknown());
}

#[test]
fn result_with_decoded_value() {
    let (_, _, o, _) = call(real("paths-yy.log", "revents="));
    assert_eq!(o.int(), Some(1));
    let detail = Value::parse(o.detail().unwrap()).unwrap();
    let Value::Array(items) = detail else {
        panic!("{detail:?}")
    };
    let Value::Struct(fields) = &items[0] else {
        panic!()
    };
    assert_eq!(fields[1].name.as_deref(), Some("revents"));
    assert_eq!(fields[1].value, id("POLLIN"));
    let (_, _, o, _) = call(real("misc.log", "(Timeout)"));
    assert_eq!((o.int(), o.detail()), (Some(0), Some("Timeout")));
    let (_, _, o, _) = call(real("misc.log", "left {"));
    assert!(o
        .detail()
        .unwrap()
        .starts_with("in [4], out [5], left {tv_sec="));
}

#[test]
fn result_injected_and_delayed() {
    let (_, _, o, _) = call(real("inject-verbose.log", "(INJECTED)"));
    assert_eq!((o.errno(), o.tail()), (Some("EBADF"), Some("(INJECTED)")));
    let (_, _, o, _) = call(real("inject-verbose.log", "(DELAYED)"));
    assert_eq!((o.int(), o.tail()), (Some(0), Some("(DELAYED)")));
}

#[test]
fn result_unavailable() {
    // strace prints this when it cannot read the return registers; not
    // reproducible on demand, so the line is written here.
    let (_, _, o, _) = call("1234  read(3, 0x7ffc, 10)       = ? <unavailable>");
    assert_eq!((o.value(), o.tail()), (None, Some("<unavailable>")));
}

// ---- unfinished, resumed and other line kinds ------------------------------------------

#[test]
fn unfinished_and_resumed() {
    let line = parse(real("pipe-f-o.log", "wait4(-1,  <unfinished ...>"));
    let Event::Unfinished { name, args, pause } = line.event() else {
        panic!()
    };
    assert_eq!(
        (*name, args.as_str(), *pause),
        ("wait4", "-1, ", Pause::Unfinished)
    );
    let line = parse(real("pipe-f-o.log", "<... wait4 resumed>"));
    let Event::Resumed {
        name,
        args,
        outcome,
        ..
    } = line.event()
    else {
        panic!()
    };
    assert_eq!(*name, Some("wait4"));
    assert!(args
        .as_str()
        .starts_with("[{WIFEXITED(s) && WEXITSTATUS(s) == 0}]"));
    assert!(outcome.int().is_some());
}

#[test]
fn detached_call() {
    let line = parse(real("attach-f-o.log", "<detached ...>"));
    let Event::Unfinished { name, pause, .. } = line.event() else {
        panic!()
    };
    assert_eq!((*name, *pause), ("clock_nanosleep", Pause::Detached));
}

#[test]
fn pid_changed_by_execve_in_thread() {
    let text = real("exec-thread.log", "<pid changed to");
    let leader: u32 = text[text.find("to ").unwrap() + 3..]
        .trim_end_matches(" ...>")
        .parse()
        .unwrap();
    let line = parse(text);
    let Event::Unfinished { name, pause, .. } = line.event() else {
        panic!()
    };
    assert_eq!((*name, *pause), ("execve", Pause::PidChanged(leader)));
    let sup = parse(real("exec-thread.log", "superseded"));
    assert_eq!(sup.pid(), Some(leader));
    assert_eq!(
        *sup.event(),
        Event::Superseded {
            by: line.pid().unwrap()
        }
    );
}

#[test]
fn line_cut_by_notice_and_its_continuation() {
    let line = parse(real("pipe-stderr.log", "SIGCHLDstrace: Process"));
    let Event::Unfinished { name, args, pause } = line.event() else {
        panic!()
    };
    assert_eq!(*name, "clone");
    assert!(args.as_str().ends_with("|SIGCHLD"));
    let Pause::Notice(n) = pause else { panic!() };
    assert!(n.starts_with("Process ") && n.ends_with(" attached"));
    let line = parse(real("pipe-stderr.log", ", child_tidptr="));
    let Event::Resumed {
        name: None, args, ..
    } = line.event()
    else {
        panic!("{line:?}")
    };
    assert_eq!(args.iter().next().unwrap().name(), Some("child_tidptr"));
    let line = parse(real("threads-stderr.log", " => {parent_tid="));
    let Event::Resumed {
        name: None, args, ..
    } = line.event()
    else {
        panic!("{line:?}")
    };
    assert!(args.as_str().starts_with(" => {parent_tid=["));
}

#[test]
fn lone_pause_marks() {
    let text = exact("threads-stderr.log", " <unfinished ...>");
    assert_eq!(*parse(text).event(), Event::Mark(Pause::Unfinished));
    let text = exact("attach-stderr.log", " <detached ...>");
    assert_eq!(*parse(text).event(), Event::Mark(Pause::Detached));
}

#[test]
fn exits_and_kills() {
    assert_eq!(
        *parse(real("threads-f-o.log", "exited with 3")).event(),
        Event::Exited { status: 3 }
    );
    let killed = |file, sig: &'static str, core_dumped| {
        assert_eq!(
            *parse(real(file, "killed by")).event(),
            Event::Killed {
                signal: sig,
                core_dumped
            }
        );
    };
    killed("threads-f-o.log", "SIGKILL", false);
    killed("core-dumped.log", "SIGABRT", true);
    killed("unknown-syscall.log", "SIGILL", false);
}

#[test]
fn signals_and_stops() {
    let line = parse(real("pipe-f-o.log", "--- SIGCHLD"));
    let Event::Signal { signal, info } = line.event() else {
        panic!()
    };
    assert_eq!(*signal, "SIGCHLD");
    let Value::Struct(fields) = Value::parse(info).unwrap() else {
        panic!()
    };
    assert_eq!(
        fields[0],
        Field {
            name: Some("si_signo".into()),
            value: id("SIGCHLD")
        }
    );
    assert_eq!(
        *parse(real("signals-r.log", "stopped by")).event(),
        Event::Stopped { signal: "SIGSTOP" }
    );
    // -X verbose puts comments in the siginfo:
    let line = parse(real("inject-verbose.log", "--- SIGCHLD"));
    let Event::Signal { info, .. } = line.event() else {
        panic!()
    };
    let Value::Struct(fields) = Value::parse(info).unwrap() else {
        panic!()
    };
    assert_eq!(fields[0].value.as_int(), Some(17));
}

#[test]
fn strace_notices() {
    let line = parse(real("threads-stderr.log", "\u{0}strace: Process"));
    let Event::Notice(n) = line.event() else {
        panic!()
    };
    assert!(n.starts_with("Process ") && n.ends_with(" attached"));
    let line = parse(real("attach-stderr.log", "with 3 threads"));
    assert!(matches!(line.event(), Event::Notice(n) if n.ends_with("attached with 3 threads")));
    let line = parse(real("attach-stderr.log", "\0strace: Process"));
    assert!(matches!(line.event(), Event::Notice(n) if n.ends_with(" attached with 3 threads")));
    let line = parse(real("attach-stderr.log", "\0strace: Process 17172"));
    assert!(matches!(line.event(), Event::Notice(n) if n.ends_with(" detached")));
}

#[test]
fn stack_frames() {
    let line = parse(real("stack-k.log", " > "));
    let Event::StackFrame(frame) = line.event() else {
        panic!()
    };
    assert!(frame.contains("(") && frame.ends_with(']'));
}

#[test]
fn unknown_syscall_and_restart_syscall() {
    let (name, args, o, _) = call(real("unknown-syscall.log", "syscall_0x3e8"));
    assert_eq!(
        (name, args.len(), o.errno()),
        ("syscall_0x3e8", 6, Some("ENOSYS"))
    );
    let text = real("restart.log", "restart_syscall(");
    assert_eq!(
        arg(text, 0),
        Value::Raw("<... resuming interrupted clock_nanosleep ...>".into())
    );
}

#[test]
fn vfork_pair() {
    let line = parse(real("vfork.log", "vfork("));
    let Event::Unfinished { name, args, .. } = line.event() else {
        panic!()
    };
    assert_eq!((*name, args.iter().count()), ("vfork", 0));
}

// ---- argument values ----------------------------------------------------------------

#[test]
fn integers_null_identifiers_and_flags() {
    let text = real("pipe-f-o.log", "mmap(NULL, 8192, PROT_READ|PROT_WRITE");
    assert_eq!(arg(text, 0), Value::Null);
    assert_eq!(arg(text, 1), int(8192));
    assert_eq!(arg(text, 2), flags(&["PROT_READ", "PROT_WRITE"]));
    assert_eq!(arg(text, 4), int(-1));
    let text = real("pipe-f-o.log", "0666");
    assert_eq!(
        arg(text, 3),
        Value::Int(Int {
            value: 0o666,
            radix: Radix::Oct
        })
    );
    assert_eq!(arg(text, 0), id("AT_FDCWD"));
    let text = real("pipe-f-o.log", "mmap(0x");
    assert!(matches!(
        arg(text, 0),
        Value::Int(Int {
            radix: Radix::Hex,
            ..
        })
    ));
}

#[test]
fn numeric_flags_with_comments() {
    let text = real("inject-verbose.log", "clone(child_stack=NULL, flags=0x");
    let Value::Flags(parts) = arg(text, 1) else {
        panic!()
    };
    let Value::Commented { value, comment } = &parts[0] else {
        panic!("{parts:?}")
    };
    assert_eq!(
        (value.as_int(), &**comment),
        (Some(0x1200000), "CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID")
    );
    assert_eq!(parts[1].as_int(), Some(17));
}

#[test]
fn strings_with_escapes_and_truncation() {
    let text = real("pipe-f-o.log", "\\177ELF");
    let Value::Str(s) = arg(text, 1) else {
        panic!()
    };
    assert!(s.is_truncated());
    assert_eq!(&s.bytes()[..7], b"\x7fELF\x02\x01\x01");
    let Value::Str(s) = arg(real("hex-xx.log", "write("), 1) else {
        panic!()
    };
    assert_eq!(&*s.bytes(), b"hi\n");
    let Value::Str(s) = arg(real("hex-x.log", "write(1"), 1) else {
        panic!()
    };
    assert_eq!(&*s.bytes(), b"hi\xff\x01 ok");
    let text = real("paths-yy.log", "sp ace");
    let Value::Str(s) = arg(text, 1) else {
        panic!()
    };
    assert_eq!(&*s.bytes(), b"/tmp/rec/sp ace\n\"q\"");
}

#[test]
fn decorated_fds() {
    let v = arg(real("paths-yy.log", "close(3<TCP:"), 0);
    let Value::Decorated { base, info, .. } = v else {
        panic!()
    };
    assert_eq!((*base, &*info), (int(3), "TCP:[127.0.0.1:42113]"));
    let text = real("paths-yy.log", "accept4(");
    let Value::Decorated { info, .. } = Value::parse(call(text).2.value().unwrap())
        .unwrap()
        .into_owned()
    else {
        panic!()
    };
    assert!(info.starts_with("TCP:[127.0.0.1:") && info.contains("->"));
    let Value::Decorated { info, .. } = arg(real("paths-yy.log", "close(6</dev/ptmx"), 0) else {
        panic!()
    };
    assert_eq!(info, "/dev/ptmx<char 5:2>");
    let Value::Decorated { info, .. } = arg(real("paths-yy.log", "close(3</tmp/rec/a("), 0) else {
        panic!()
    };
    assert_eq!(info, "/tmp/rec/a(b[c{");
    let Value::Decorated { base, info, .. } = arg(real("paths-yy.log", "\"/dev/ptmx\""), 0) else {
        panic!()
    };
    assert_eq!((*base, &*info), (id("AT_FDCWD"), "/tmp/rec"));
    let Value::Decorated { deleted, .. } = arg(real("paths-y.log", "close(3</tmp/rec/del>"), 0)
    else {
        panic!()
    };
    assert!(deleted);
}

#[test]
fn arrays_of_fds_strings_and_structs() {
    assert_eq!(
        arg(real("misc.log", "pipe2("), 0),
        Value::Array(vec![int(4), int(5)])
    );
    let Value::Array(fds) = arg(real("pipe-yy-tt-T.log", "pipe2("), 0) else {
        panic!()
    };
    assert!(fds
        .iter()
        .all(|v| matches!(v, Value::Decorated { info, .. } if info.starts_with("pipe:["))));
    let Value::Array(argv) = arg(real("vfork.log", "execve(\"/usr/bin/ls\""), 1) else {
        panic!()
    };
    assert_eq!(argv, [Value::string(b"ls"), Value::string(b"/nonexist")]);
    let Value::Array(iov) = arg(real("misc.log", "writev("), 1) else {
        panic!()
    };
    assert_eq!(iov[1].to_string(), "{iov_base=\"cd\\n\", iov_len=3}");
}

#[test]
fn structs_nested_with_ellipsis_and_makedev() {
    let Value::Struct(f) = arg(real("paths-yy.log", "makedev("), 2) else {
        panic!()
    };
    assert_eq!(
        f[1].value,
        Value::Func {
            name: "makedev".into(),
            args: vec![
                Value::Int(Int {
                    value: 1,
                    radix: Radix::Hex
                }),
                Value::Int(Int {
                    value: 3,
                    radix: Radix::Hex
                })
            ]
        }
    );
    assert_eq!(f.last().unwrap().value, Value::Ellipsis);
    let Value::Struct(f) = arg(real("pipe-f-o.log", "rlim_cur=8192*1024"), 3) else {
        panic!()
    };
    assert!(matches!(
        f[0].value,
        Value::Binary {
            op: BinaryOp::Mul,
            ..
        }
    ));
}

#[test]
fn sig_sets() {
    let text = real("pipe-stderr.log", "sa_mask=~[RTMIN RT_1]");
    let Value::Struct(f) = arg(text, 1) else {
        panic!()
    };
    assert_eq!(
        f[1].value,
        Value::Unary {
            op: UnaryOp::Not,
            operand: Box::new(Value::Set(vec![id("RTMIN"), id("RT_1")]))
        }
    );
    assert_eq!(
        arg(real("misc.log", "[USR1 USR2]"), 1),
        Value::Set(vec![id("USR1"), id("USR2")])
    );
}

#[test]
fn in_out_values() {
    assert_eq!(
        arg(real("paths-yy.log", "[128 => 2]"), 2),
        Value::Array(vec![Value::InOut(Box::new(int(128)), Box::new(int(2)))])
    );
    let text = real("threads-f-o.log", "clone3(");
    let Value::InOut(_, after) = arg(text, 0) else {
        panic!()
    };
    assert!(matches!(*after, Value::Struct(_)));
}

#[test]
fn function_like_expressions() {
    let Value::Struct(f) = arg(real("paths-yy.log", "htons("), 1) else {
        panic!()
    };
    assert_eq!(f[1].value.to_string(), "htons(0)");
    assert_eq!(
        f[2].value,
        Value::Func {
            name: "inet_addr".into(),
            args: vec![Value::string(b"127.0.0.1")]
        }
    );
    let Value::Struct(f) = arg(real("paths-yy.log", "inet_pton("), 1) else {
        panic!()
    };
    let Value::Func { args, .. } = &f[3].value else {
        panic!()
    };
    assert_eq!(
        args[2],
        Value::Unary {
            op: UnaryOp::AddrOf,
            operand: Box::new(id("sin6_addr"))
        }
    );
    let Value::Array(w) = arg(real("pipe-f-o.log", "WIFEXITED"), 0) else {
        panic!()
    };
    let Value::Struct(f) = &w[0] else { panic!() };
    assert!(matches!(
        &f[0].value,
        Value::Binary {
            op: BinaryOp::LogAnd,
            ..
        }
    ));
}

#[test]
fn comments() {
    let v = arg(real("pipe-f-o.log", "vars */"), 2);
    let Value::Commented { value, comment } = v else {
        panic!()
    };
    assert!(value.as_int().is_some() && comment.ends_with(" vars"));
    let Value::Struct(f) = arg(real("misc.log", "capget("), 1) else {
        panic!()
    };
    let Value::Flags(caps) = &f[0].value else {
        panic!()
    };
    assert_eq!(caps[0].to_string(), "1<<CAP_CHOWN");
    assert!(matches!(
        caps[0],
        Value::Binary {
            op: BinaryOp::Shl,
            ..
        }
    ));
}

// ---- errors ---------------------------------------------------------------------------

#[track_caller]
fn error(text: &str) -> Error {
    match Line::parse(text) {
        Ok(l) => panic!("parse({text:?}): got {l:?}, want an error"),
        Err(e) => e.with_path("t.log"),
    }
}

#[test]
fn errors_give_line_column_and_excerpt() {
    assert_eq!(
        error("close(3) 0").to_string(),
        "t.log:1:10: expected `=`, found `0`"
    );
    assert_eq!(error("close(3)").kind(), ErrorKind::MissingResult);
    assert_eq!(
        error("read(3, \"abc, 3) = 3").to_string(),
        "t.log:1:9: expected a closing `\"`, found `\"abc, 3) = 3`"
    );
    assert_eq!(
        error("poll([{fd=3}), 1) = 1").to_string(),
        "t.log:1:13: expected `]`, found `), 1) = 1`"
    );
    assert_eq!(
        error("1234  hello world").to_string(),
        "t.log:1:12: expected `(`, found ` world`"
    );
    assert_eq!(
        error("1234  = 3").to_string(),
        "t.log:1:7: expected a system call, signal or notice, found `= 3`"
    );
    assert_eq!(
        error("close(3) = zz").to_string(),
        "t.log:1:12: expected a return value, found `zz`"
    );
    assert_eq!(error("+++ exploded +++").kind(), ErrorKind::Syntax);
    let deep = format!("f({}) = 0", "[".repeat(100));
    assert_eq!(error(&deep).kind(), ErrorKind::TooDeep);
}

#[test]
fn errors_in_lines_carry_line_numbers() {
    let log = b"close(3) = 0\nclose(3 = 0\n";
    let errs: Vec<String> = Lines::new(log)
        .filter_map(|r| r.err())
        .map(|e| e.with_path("x.log").to_string())
        .collect();
    assert_eq!(errs, ["x.log:2:12: expected `)`, found end of line"]);
}

#[test]
fn huge_line_and_deep_nesting_do_not_overflow() {
    let big = format!(
        "write(1, \"{}\", 10485760) = 10485760",
        "a".repeat(10 << 20)
    );
    let (_, args, _, _) = call(&big);
    assert_eq!(args.len(), 3);
    let deep = format!("f({}) = 0", "[".repeat(100_000));
    assert_eq!(error(&deep).kind(), ErrorKind::TooDeep);
    let v = "[".repeat(100_000);
    assert_eq!(Value::parse(&v).unwrap_err().kind(), ErrorKind::TooDeep);
    let many = format!("f({}) = 0", "[1], ".repeat(200_000));
    assert_eq!(call(&many).1.len(), 200_000);
}

// ---- writing ----------------------------------------------------------------------------

#[test]
fn built_calls_parse_back() {
    let c = Call::new(
        "pipe2",
        &[
            Value::Array(vec![Value::int(3), Value::int(4)]),
            Value::ident("O_CLOEXEC"),
        ],
    )
    .with_pid(100)
    .returning(Outcome::returned(0));
    let text = c.to_string();
    let line = parse(&text);
    let mut joiner = Joiner::new();
    let [Record::Call(back)] = &joiner.push(0, line).unwrap().collect::<Vec<_>>()[..] else {
        panic!()
    };
    assert_eq!(*back, c);
}

// ---- properties -----------------------------------------------------------------------

fn ident() -> impl Strategy<Value = String> {
    "[A-Z_][A-Z0-9_]{0,8}".prop_map(|s| if s == "NULL" { "NUL".to_owned() } else { s })
}

fn ident_value() -> impl Strategy<Value = Value<'static>> {
    ident().prop_map(|s| Value::Ident(Cow::Owned(s)))
}

/// Operands that print the same with or without an enclosing operator.
fn simple() -> BoxedStrategy<Value<'static>> {
    prop_oneof![
        any::<i64>().prop_map(Value::int),
        (
            any::<u32>(),
            prop_oneof![Just(Radix::Hex), Just(Radix::Oct)]
        )
            .prop_map(|(v, radix)| Value::Int(Int {
                value: v.into(),
                radix
            })),
        Just(Value::Null),
        ident_value(),
        proptest::collection::vec(any::<u8>(), 0..8).prop_map(|b| Value::string(&b)),
    ]
    .boxed()
}

fn atom() -> BoxedStrategy<Value<'static>> {
    prop_oneof![
        simple(),
        any::<u64>().prop_map(Value::int),
        (proptest::collection::vec(any::<u8>(), 0..12), any::<bool>()).prop_map(|(b, t)| {
            Value::Str(Str::from_escaped(
                Str::from_bytes(&b).escaped().to_owned(),
                t,
            ))
        }),
        Just(Value::Ellipsis),
        (0u32..1000, "[a-z/:. \\[\\]0-9]{1,12}", any::<bool>()).prop_map(|(fd, info, deleted)| {
            let info = info.replace("->", "-");
            Value::Decorated {
                base: Box::new(Value::int(fd)),
                info: Cow::Owned(format!("/{info}")),
                deleted,
            }
        }),
        "[a-z0-9][a-z0-9 .]{0,9}".prop_map(|c| Value::Comment(Cow::Owned(c.trim().to_owned()))),
    ]
    .boxed()
}

fn value() -> impl Strategy<Value = Value<'static>> {
    atom().prop_recursive(4, 48, 6, |inner| {
        let ops = prop_oneof![
            Just(BinaryOp::Shl),
            Just(BinaryOp::Eq),
            Just(BinaryOp::LogAnd),
            Just(BinaryOp::Mul)
        ];
        let fields = proptest::collection::vec(
            (
                proptest::option::of(ident().prop_map(|s| s.to_lowercase())),
                inner.clone(),
            ),
            0..5,
        );
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            proptest::collection::vec(ident_value(), 2..5).prop_map(Value::Set),
            fields.prop_map(|f| Value::Struct(
                f.into_iter()
                    .map(|(n, value)| Field {
                        name: n.map(Cow::Owned),
                        value
                    })
                    .collect()
            )),
            (ident(), proptest::collection::vec(inner.clone(), 0..4)).prop_map(|(n, args)| {
                Value::Func {
                    name: Cow::Owned(n.to_lowercase()),
                    args,
                }
            }),
            proptest::collection::vec(simple(), 2..5).prop_map(Value::Flags),
            (simple(), simple(), ops).prop_map(|(l, r, op)| Value::Binary {
                op,
                lhs: Box::new(l),
                rhs: Box::new(r)
            }),
            (simple(), simple()).prop_map(|(a, b)| Value::InOut(Box::new(a), Box::new(b))),
            inner.clone().prop_map(|v| Value::Paren(Box::new(v))),
            proptest::collection::vec(ident_value(), 2..4).prop_map(|v| Value::Unary {
                op: UnaryOp::Not,
                operand: Box::new(Value::Set(v))
            }),
            (simple(), "[a-z0-9]{1,8}").prop_map(|(v, c)| Value::Commented {
                value: Box::new(v),
                comment: Cow::Owned(c)
            }),
        ]
    })
}

proptest! {
    // 256 cases by default; set PROPTEST_CASES for a longer fuzzing run.

    #[test]
    fn values_round_trip_through_print(v in value()) {
        let text = v.to_string();
        let back = Value::parse(&text);
        prop_assert_eq!(back.as_ref(), Ok(&v), "printed as {}", text);
    }

    #[test]
    fn calls_round_trip_through_a_line(args in proptest::collection::vec(value(), 0..4), pid in 1u32..99999, ret in any::<i32>()) {
        let call = Call::new("fake_call", &args).with_pid(pid).returning(Outcome::returned(ret.into()));
        let text = call.to_string();
        let line = Line::parse(&text).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        let Event::Call { args: parsed, .. } = line.event() else { return Err(TestCaseError::fail("not a call")) };
        let back: Vec<Value<'_>> = parsed.iter().map(|a| a.value()).collect::<Result<_, _>>()
            .map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        prop_assert_eq!(back, args);
    }

    #[test]
    fn arbitrary_text_never_panics(s in "\\PC{0,200}") {
        let _ = Line::parse(&s).map(|l| l.to_string());
        let _ = Value::parse(&s);
    }

    #[test]
    fn strace_like_text_never_panics(s in "[0-9a-z_ ()\\[\\]{}<>\"\\\\,.=|&*/~!?+-]{0,120}") {
        if let Ok(line) = Line::parse(&s) {
            let printed = line.to_string();
            if let Event::Call { args, .. } | Event::Resumed { args, .. } | Event::Unfinished { args, .. } = line.event() {
                for a in args.iter() {
                    let _ = a.value();
                    let _ = a.int();
                    let _ = a.decoration();
                }
            }
            let mut j = Joiner::new();
            let _ = j.push(1, line);
            prop_assert!(!printed.is_empty());
        }
        let _ = Value::parse(&s).map(|v| v.to_string());
    }

    #[test]
    fn arbitrary_bytes_never_panic(b in proptest::collection::vec(any::<u8>(), 0..300)) {
        let mut j = Joiner::new();
        for (n, line) in Lines::new(&b).flatten() {
            let _ = j.push(n, line);
        }
        let _ = j.finish();
    }

    #[test]
    fn mutated_real_lines_never_panic(idx in 0usize..4000, cut in 0usize..400, byte in any::<u8>()) {
        let all: Vec<&str> = LOGS.iter().flat_map(|(_, t)| t.lines()).collect();
        let line = all[idx % all.len()];
        let mut bytes = line.as_bytes().to_vec();
        if !bytes.is_empty() {
            let at = cut % bytes.len();
            bytes[at] = byte;
            bytes.truncate(at + 1 + cut / 2);
        }
        for (_, l) in Lines::new(&bytes).flatten() {
            if let Event::Call { args, .. } = l.event() {
                for a in args.iter() {
                    let _ = a.value();
                }
            }
        }
    }
}

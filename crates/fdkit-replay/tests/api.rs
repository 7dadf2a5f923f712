//! The library API for audits and table listings: events in log order, and every
//! live process's table at any line.

use fdkit_replay::{Event, Options, Replay, Sink};

#[derive(Default)]
struct Events(Vec<String>);

impl Sink for Events {
    fn wants_events(&self) -> bool {
        true
    }
    fn event(&mut self, e: &Event) {
        let s = match e {
            Event::Created {
                line,
                fd,
                cloexec,
                desc,
                ..
            } => format!("{line}: created {fd} {} cloexec={cloexec}", desc.link()),
            Event::Closed {
                line, fd, cause, ..
            } => format!("{line}: closed {fd} {cause:?}"),
            Event::Forked {
                line,
                parent,
                child,
                shares_table,
                ..
            } => format!("{line}: forked {parent}->{child} shares={shares_table}"),
            Event::Exec {
                line,
                pid,
                program,
                inherited,
            } => {
                let fds: Vec<u32> = inherited.iter().map(|v| v.fd).collect();
                format!("{line}: exec {pid} {program} keeps {fds:?}")
            }
            Event::Exited { line, pid, open } => {
                let fds: Vec<u32> = open.iter().map(|v| v.fd).collect();
                format!("{line}: exited {pid} open {fds:?}")
            }
            Event::BadDescriptor { line, fd, .. } => format!("{line}: EBADF {fd}"),
            Event::TooManyFiles { line, .. } => format!("{line}: EMFILE"),
            Event::Used {
                line, fd, syscall, ..
            } => format!("{line}: used {fd} by {syscall}"),
            _ => format!("{e:?}"),
        };
        self.0.push(s);
    }
}

const LOG: &str = "\
100 openat(AT_FDCWD, \"/tmp/secret\", O_RDONLY) = 3
100 openat(AT_FDCWD, \"/tmp/conf\", O_RDONLY|O_CLOEXEC) = 4
100 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f) = 101
101 execve(\"/bin/true\", [\"true\"], 0x7ffd /* 4 vars */) = 0
101 exit_group(0) = ?
101 +++ exited with 0 +++
100 dup2(4, 3) = 3
100 close(4) = 0
100 close(4) = -1 EBADF (Bad file descriptor)
100 exit_group(0) = ?
100 +++ exited with 0 +++
";

#[test]
fn events_tell_an_audit_what_happened() {
    let mut r = Replay::new(Options::default());
    let mut sink = Events::default();
    for (i, line) in LOG.lines().enumerate() {
        r.push_line(i as u64 + 1, line, &mut sink);
    }
    r.finish(&mut sink);
    assert_eq!(
        sink.0,
        [
            "1: created 3 /tmp/secret cloexec=false",
            "2: created 4 /tmp/conf cloexec=true",
            "3: forked 100->101 shares=false",
            "4: closed 4 Exec",
            "4: exec 101 /bin/true keeps [0, 1, 2, 3]",
            "6: closed 0 Exit",
            "6: closed 1 Exit",
            "6: closed 2 Exit",
            "6: closed 3 Exit",
            "6: exited 101 open [0, 1, 2, 3]",
            "7: closed 3 Replaced",
            "7: created 3 /tmp/conf cloexec=false",
            "7: used 4 by dup2",
            "8: closed 4 Close",
            "9: EBADF 4",
            "11: closed 0 Exit",
            "11: closed 1 Exit",
            "11: closed 2 Exit",
            "11: closed 3 Exit",
            "11: exited 100 open [0, 1, 2, 3]",
        ]
    );
    assert_eq!(r.summary().differ, 0);
}

#[test]
fn tables_at_a_line_list_every_live_process() {
    let mut r = Replay::default();
    for (i, line) in LOG.lines().take(3).enumerate() {
        r.push_line(i as u64 + 1, line, &mut ());
    }
    let tables = r.tables();
    let pids: Vec<u32> = tables.iter().map(|t| t.pid).collect();
    assert_eq!(pids, [100, 101]);
    let child = &tables[1];
    let listing: Vec<String> = child.fds.iter().map(|v| v.to_string()).collect();
    assert_eq!(
        listing,
        [
            "l????????? 0 -> (inherited)",
            "l????????? 1 -> (inherited)",
            "l????????? 2 -> (inherited)",
            "lr-x------ 3 -> /tmp/secret",
            "lr-x------ 4 -> /tmp/conf (cloexec)",
        ]
    );
    // fork shares descriptions: the same identity in both tables.
    assert_eq!(tables[0].fds[3].desc.id(), child.fds[3].desc.id());
    assert_eq!(r.table(101).map(|t| t.tids), Some(vec![101]));
}

/// `F_DUPFD_QUERY` on inherited descriptors: the log's starting table does not
/// say which of them share a description (a terminal on 0, 1 and 2 usually
/// does), so only "same" is a prediction there; between descriptors the log
/// made, "different" is one too.
#[test]
fn dupfd_query_predicts_different_only_for_descriptions_the_log_made() {
    let summary = |log: &str| {
        let mut r = Replay::default();
        for (i, line) in log.lines().enumerate() {
            r.push_line(i as u64 + 1, line, &mut ());
        }
        r.finish(&mut ());
        r.summary()
    };
    // Inherited 0 and 1 shared a terminal: not decided, not a divergence.
    let s = summary("7 fcntl(1, F_DUPFD_QUERY, 0) = 1\n");
    assert_eq!((s.agree, s.differ, s.undecided), (0, 0, 1), "{s:?}");
    let s = summary("7 fcntl(1, F_DUPFD_QUERY, 0) = 0\n");
    assert_eq!((s.differ, s.undecided), (0, 0), "{s:?}");
    // A duplicate shares its source's description, inherited or not.
    let s = summary("7 dup(0) = 3\n7 fcntl(3, F_DUPFD_QUERY, 0) = 0\n");
    assert_eq!(s.differ, 1, "{s:?}");
    // Two opens are two descriptions.
    let s = summary(
        "7 openat(AT_FDCWD, \"/a\", O_RDONLY) = 3\n\
         7 openat(AT_FDCWD, \"/a\", O_RDONLY) = 4\n\
         7 fcntl(3, F_DUPFD_QUERY, 4) = 1\n",
    );
    assert_eq!(s.differ, 1, "{s:?}");
}

/// Found replaying `strace -f cargo build`: a child printed before its parent's
/// clone returned, while two clones were pending (a thread's `vfork` and the
/// main thread's `clone3`). Guessing the latest clone put the `vfork` child's
/// `close(4)` in the thread group's table and lost its `execve`; its lines now
/// wait until a clone returns its pid.
#[test]
fn a_child_that_prints_before_its_parents_clone_returns_waits_for_it() {
    const THREAD: &str = "flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|\
                          CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID";
    let log = format!(
        "\
100 openat(AT_FDCWD, \"/etc/passwd\", O_RDONLY|O_CLOEXEC) = 3
100 clone3({{{THREAD}, exit_signal=0}} => {{parent_tid=[101]}}, 88) = 101
101 pipe2([4, 5], O_CLOEXEC) = 0
101 vfork( <unfinished ...>
100 clone3({{{THREAD}, exit_signal=0}} <unfinished ...>
102 close(4) = 0
103 rseq(0x7f5a059fffe0, 0x20, 0, 0x53053053 <unfinished ...>
102 execve(\"/bin/true\", [\"true\"], 0x7ffd /* 4 vars */ <unfinished ...>
100 <... clone3 resumed> => {{parent_tid=[103]}}, 88) = 103
103 <... rseq resumed>) = 0
101 <... vfork resumed>) = 102
102 <... execve resumed>) = 0
102 openat(AT_FDCWD, \"/etc/ld.so.cache\", O_RDONLY|O_CLOEXEC) = 3
103 close(3) = 0
101 close(5) = 0
102 exit_group(0) = ?
102 +++ exited with 0 +++
"
    );
    let mut r = Replay::default();
    let mut sink = Events::default();
    for (i, line) in log.lines().enumerate() {
        r.push_line(i as u64 + 1, line, &mut sink);
    }
    let s = r.summary();
    assert_eq!((s.differ, s.errors), (0, 0), "{s:?}\n{:#?}", sink.0);
    // The child's close(4) was in its own copy: the thread group keeps 4.
    let fds: Vec<u32> = r
        .table(100)
        .map(|t| t.fds.iter().map(|v| v.fd).collect())
        .unwrap_or_default();
    assert_eq!(fds, [0, 1, 2, 4]);
    assert!(
        sink.0
            .iter()
            .any(|e| e.ends_with("forked 101->102 shares=false")),
        "{:#?}",
        sink.0
    );
    r.finish(&mut sink);
}

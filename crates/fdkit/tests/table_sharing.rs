//! Who uses which table: a table private to one task, shared by `CLONE_FILES`, private
//! again when its other users are gone, and released exactly once, after the last
//! user (semantics §1.8: `copy_files`, `unshare_files`, `close_files`).

// Needs the whole system (feature `std`); `--no-default-features` skips it.
#![cfg(feature = "std")]

use fdkit::{CloneFlags, Fd, OFlags, Released, System, Task};
use std::sync::{Arc, Mutex};

fn thread_flags() -> CloneFlags {
    CloneFlags::THREAD | CloneFlags::SIGHAND | CloneFlags::VM | CloneFlags::FILES
}

/// A system whose release hook records the ids released, and a process with a file
/// open at 3.
#[track_caller]
fn setup() -> (System, Task, Arc<Mutex<Vec<u64>>>) {
    let sys = System::new();
    let released: Arc<Mutex<Vec<u64>>> = Arc::default();
    let sink = Arc::clone(&released);
    sys.set_release_hook(Some(Arc::new(move |r: &Released| {
        sink.lock().unwrap().push(r.id);
    })));
    let t = sys.task(sys.spawn().unwrap()).unwrap();
    let fd = t
        .open("/tmp/f", OFlags::RDWR | OFlags::CREAT, 0o644)
        .unwrap();
    assert_eq!(fd, Fd::new(3), "open: got {fd:?}, want 3");
    (sys, t, released)
}

#[test]
fn a_task_shares_its_table_with_itself() {
    let (sys, t, _) = setup();
    assert_eq!(sys.shares_table(t.tid(), t.tid()), Ok(true));
}

#[test]
fn a_thread_sees_the_table_until_it_exits_then_the_table_stays() {
    let (sys, t, released) = setup();
    let (tid, _) = t.clone_task(thread_flags(), None).unwrap();
    let thread = sys.task(tid).unwrap();
    assert_eq!(sys.shares_table(t.tid(), tid), Ok(true));
    let fd = thread.dup(3).unwrap();
    assert_eq!(
        t.fcntl_getfd(fd).map(|_| ()),
        Ok(()),
        "dup in a thread shows in the leader"
    );
    thread.exit(0);
    // The leader is the table's only user now; its calls go on as before.
    assert_eq!(t.close(fd), Ok(()));
    assert_eq!(t.dup(3), Ok(Fd::new(4)));
    assert!(
        released.lock().unwrap().is_empty(),
        "nothing released while a user remains"
    );
    t.exit_group(0);
    // The terminal's description (0-2) and the file's, each once.
    assert_eq!(
        released.lock().unwrap().len(),
        2,
        "released at the last user's exit"
    );
}

#[test]
fn unshare_gives_a_private_copy() {
    let (sys, t, _) = setup();
    let (tid, _) = t.clone_task(thread_flags(), None).unwrap();
    let thread = sys.task(tid).unwrap();
    thread.unshare(CloneFlags::FILES).unwrap();
    assert_eq!(sys.shares_table(t.tid(), tid), Ok(false));
    assert_eq!(thread.dup(3), Ok(Fd::new(4)));
    assert_eq!(
        t.dup(3),
        Ok(Fd::new(4)),
        "the leader's table did not get the thread's 4"
    );
}

#[test]
fn clone_files_after_a_private_period_shares_again() {
    let (sys, t, released) = setup();
    let (a, _) = t.clone_task(thread_flags(), None).unwrap();
    sys.task(a).unwrap().exit(0);
    t.dup(3).unwrap(); // private again
    let (b, _) = t.clone_task(thread_flags(), None).unwrap();
    assert_eq!(sys.shares_table(t.tid(), b), Ok(true));
    let b = sys.task(b).unwrap();
    assert_eq!(b.close(4), Ok(()), "the new thread sees the leader's 4");
    assert_eq!(t.close(4), Err(fdkit::Errno::BADF));
    t.exit(0);
    assert!(released.lock().unwrap().is_empty());
    b.exit(0);
    assert_eq!(
        released.lock().unwrap().len(),
        2,
        "terminal and file, each once"
    );
}

//! Owner tags catch the wrong closer at the guilty close, in fdsan's own
//! two-thread example (Android, `docs/fdsan.md`): thread one closes its descriptor
//! twice; between the two closes thread two opens a file and gets the same number;
//! the second close silently closes thread two's file, which later fails far from
//! the bug. Without tags the model reproduces the bug exactly; with tags the
//! second close is refused, naming both owners, and thread two's file survives.
//! Table layer only: runs with `--no-default-features` too.

use fdkit::{Errno, Fd, FdData, FdTable, Limits, OwnerTag};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;

/// What thread one's second `close` returned, and what thread two then saw at its
/// descriptor (its "write").
struct Outcome<E> {
    second_close: E,
    thread_two_sees: Option<&'static str>,
}

/// Runs the two threads over one shared table, in fdsan's order, with the two
/// closes done by `close` (thread one: a plain close; thread two: its owner's).
fn run<D, E>(
    claim: fn(&mut FdTable<&'static str, D>, Fd),
    close_plain: fn(&mut FdTable<&'static str, D>, Fd) -> E,
) -> Outcome<E>
where
    D: FdData + Send + Sync + 'static,
    E: Send + 'static,
{
    let table: Arc<Mutex<FdTable<&'static str, D>>> = Arc::new(Mutex::new(FdTable::with_data()));
    let limits = Limits::default();
    let (to_two, two_rx) = mpsc::channel::<()>();
    let (to_one, one_rx) = mpsc::channel::<Fd>();
    let (done_tx, done_rx) = mpsc::channel::<()>();

    let t1 = {
        let table = Arc::clone(&table);
        thread::spawn(move || {
            let fd = table
                .lock()
                .unwrap()
                .insert("/dev/null", false, limits)
                .unwrap();
            table.lock().unwrap().close(fd).unwrap();
            to_two.send(()).unwrap(); // thread two runs now
            let reused = one_rx.recv().unwrap();
            assert_eq!(reused, fd, "thread two got the lowest free number back");
            let second = close_plain(&mut table.lock().unwrap(), fd); // the bug
            done_tx.send(()).unwrap();
            second
        })
    };
    let t2 = {
        let table = Arc::clone(&table);
        thread::spawn(move || {
            two_rx.recv().unwrap();
            let fd = {
                let mut t = table.lock().unwrap();
                let fd = t.insert("log", false, limits).unwrap();
                claim(&mut t, fd);
                fd
            };
            to_one.send(fd).unwrap();
            done_rx.recv().unwrap();
            // "write(fd, ...)": which file is at thread two's descriptor now?
            let sees = table.lock().unwrap().get(fd).copied();
            sees
        })
    };
    let second_close = t1.join().unwrap();
    let thread_two_sees = t2.join().unwrap();
    Outcome {
        second_close,
        thread_two_sees,
    }
}

/// Thread two's owner: its `File` object, as fdsan tags it.
const OWNER: OwnerTag = OwnerTag::new(OwnerTag::KIND_FILE, 0x7ff0_1234);

#[test]
fn without_tags_the_double_close_hits_the_other_thread() {
    let out = run::<(), _>(|_, _| {}, |t, fd| t.close(fd));
    // Linux: the second close succeeds, closing thread two's "log".
    assert_eq!(out.second_close, Ok("log"));
    assert_eq!(
        out.thread_two_sees, None,
        "thread two's write would fail: EBADF"
    );
}

#[test]
fn with_tags_the_guilty_close_is_refused_naming_both_owners() {
    let out = run::<OwnerTag, _>(
        |t, fd| t.exchange_owner_tag(fd, OwnerTag::NONE, OWNER).unwrap(),
        |t, fd| t.close_with_tag(fd, OwnerTag::NONE),
    );
    let err = out.second_close.unwrap_err();
    assert_eq!(err.fd(), Fd::new(0));
    assert_eq!(err.expected(), OwnerTag::NONE);
    assert_eq!(err.actual(), OWNER);
    assert_eq!(err.errno(), Errno::PERM);
    assert_eq!(
        err.to_string(),
        "attempted to close fd 0 as unowned, but it is owner 0x010000007ff01234"
    );
    // Thread two's file is intact.
    assert_eq!(out.thread_two_sees, Some("log"));
}

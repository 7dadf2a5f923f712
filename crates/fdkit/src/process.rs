//! Processes and threads: pids, resource limits, and who shares which table.
//!
//! Linux keeps the descriptor table per *task* (thread) and shares it between tasks
//! created with `CLONE_FILES` (every thread, usually; a process too, if asked).
//! Resource limits, the current directory and the exit status are per *process*
//! (thread group). The model keeps the same split: a task's state holds its table,
//! its own or one shared with other tasks (`files_struct`); a process's holds the
//! limits.

use crate::errno::{Errno, Result};
use crate::fd::Fd;
use crate::flags::{FdFlags, RLIM_INFINITY};
use crate::object::memfs::Inode;
use crate::ofd::OpenFileDescription;
use crate::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use crate::sync::{Arc, Mutex, RwLock, Weak};
use crate::table::FdTable;
use crate::wait::{lock, Interrupt};
use std::fmt;

/// A process or thread id.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Pid(u32);

impl Pid {
    /// The id `n`.
    pub const fn new(n: u32) -> Pid {
        Pid(n)
    }

    /// The number.
    pub const fn get(self) -> u32 {
        self.0
    }
}

impl From<u32> for Pid {
    fn from(n: u32) -> Pid {
        Pid(n)
    }
}

impl fmt::Display for Pid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl fmt::Debug for Pid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pid({})", self.0)
    }
}

/// A soft and hard resource limit (`struct rlimit`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct RLimit {
    /// The soft limit (`rlim_cur`), the one enforced.
    pub cur: u64,
    /// The hard limit (`rlim_max`), the ceiling for the soft one.
    pub max: u64,
}

impl RLimit {
    /// No limit.
    pub const INFINITY: RLimit = RLimit {
        cur: RLIM_INFINITY,
        max: RLIM_INFINITY,
    };
}

/// Number of resource kinds (`RLIM_NLIMITS`).
pub const RLIM_NLIMITS: usize = 16;

/// How a process ended, as `wait` reports it.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum ExitStatus {
    /// It called `exit`/`exit_group` with this code (low 8 bits kept).
    Exited(i32),
    /// It was killed by this signal.
    Killed(i32),
}

/// A descriptor table shared by the tasks that reference it (Linux `files_struct`
/// with its `file_lock`).
///
/// Writers change the table under `table`'s mutex and, still holding it, advance
/// `version`. Readers (`F_GETFD` and the descriptor lookup every I/O call starts
/// with, Linux `fdget` under RCU) take no shared lock when the table has not changed
/// since their task last looked at that descriptor: they compare `version` with the
/// one their [`ReadCache`] entry was filled at. An unchanged version means no write
/// was committed in between, so the cached answer is the table's answer at the
/// moment of the load (the read's linearization point); a changed one refills the
/// entry under the mutex. This is a sequence lock whose readers keep their last
/// read instead of retrying, and it scales as Linux's RCU lookup does: a read-only
/// workload touches no cache line another thread writes.
#[doc(alias = "files_struct")]
pub(crate) struct FileTable {
    pub(crate) table: Mutex<FdTable<Arc<OpenFileDescription>>>,
    /// How many writes have been committed. Advanced only with `table` locked.
    version: AtomicU64,
}

impl FileTable {
    pub(crate) fn new(table: FdTable<Arc<OpenFileDescription>>) -> Arc<FileTable> {
        Arc::new(FileTable {
            table: Mutex::new(table),
            version: AtomicU64::new(0),
        })
    }

    /// Runs `f` on the table under its mutex and commits it as a write (the version
    /// advances before the mutex is released).
    fn write<R>(&self, f: impl FnOnce(&mut FdTable<Arc<OpenFileDescription>>) -> R) -> R {
        let mut table = lock(&self.table);
        let out = f(&mut table);
        self.version.fetch_add(1, Ordering::Release);
        drop(table);
        out
    }
}

impl Drop for FileTable {
    /// The last task referencing the table is gone: close everything (Linux
    /// `close_files`). The table lock is not held by anyone at this point.
    fn drop(&mut self) {
        let table = self
            .table
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        drop(table.clear());
    }
}

/// One remembered lookup of a shared table: what `fd` held at `version`.
struct Cached {
    fd: u32,
    /// `u64::MAX`: empty (versions never get there).
    version: u64,
    /// The descriptor flags, or `None` if `fd` was not installed.
    flags: Option<FdFlags>,
    /// The description, weakly: a cache must not keep a closed description alive
    /// (its release — Linux's last `fput` — happens when the last descriptor goes).
    ofd: Weak<OpenFileDescription>,
}

impl Cached {
    const EMPTY: Cached = Cached {
        fd: 0,
        version: u64::MAX,
        flags: None,
        ofd: Weak::new(),
    };
}

/// A task's last lookups in a shared table, by descriptor number modulo
/// [`ReadCache::WAYS`]; valid while the table's version is unchanged (see
/// [`FileTable`]). Private to the task, under its `files` lock.
pub(crate) struct ReadCache {
    slots: [Cached; ReadCache::WAYS],
}

impl ReadCache {
    const WAYS: usize = 4;

    fn new() -> ReadCache {
        ReadCache {
            slots: [Cached::EMPTY, Cached::EMPTY, Cached::EMPTY, Cached::EMPTY],
        }
    }

    /// The entry for `fd` as of the version loaded now: a hit if the table has not
    /// changed since it was filled, else refilled under the table's mutex.
    fn entry(&mut self, shared: &FileTable, fd: Fd) -> &Cached {
        let now = shared.version.load(Ordering::Acquire);
        let slot = &mut self.slots[fd.get() as usize % ReadCache::WAYS];
        if slot.fd != fd.get() || slot.version != now {
            ReadCache::fill(slot, shared, fd);
        }
        slot
    }

    /// Reads `fd` under the table's mutex into `slot`.
    #[cold]
    fn fill(slot: &mut Cached, shared: &FileTable, fd: Fd) {
        let table = lock(&shared.table);
        // Stable: writers advance it only while holding the mutex.
        slot.version = shared.version.load(Ordering::Relaxed);
        slot.fd = fd.get();
        slot.flags = table.fd_flags(fd);
        slot.ofd = table.get(fd).map_or_else(Weak::new, Arc::downgrade);
    }
}

/// The table a task uses (Linux `current->files`): its own, or one shared with other
/// tasks through `CLONE_FILES`.
///
/// A private table sits directly behind the task's `files` lock, so a call takes one
/// lock; a shared one is reached through its [`FileTable`] mutex as well, except for
/// reads its [`ReadCache`] answers. A shared table whose other users have all gone
/// becomes private again on the next call.
pub(crate) enum Files {
    /// Used by this task alone; guarded by the task's `files` lock.
    Private(FdTable<Arc<OpenFileDescription>>),
    /// Used by several tasks; guarded by the `FileTable`'s own mutex. The cache is
    /// this task's own.
    Shared(Arc<FileTable>, ReadCache),
}

impl Files {
    /// Runs `f` on the table, under the shared table's mutex if it is shared, as a
    /// write. The caller holds the task's `files` lock for writing.
    #[inline]
    pub(crate) fn with<R>(
        &mut self,
        f: impl FnOnce(&mut FdTable<Arc<OpenFileDescription>>) -> R,
    ) -> R {
        match self.table() {
            Ok(table) => f(table),
            Err(shared) => shared.write(f),
        }
    }

    /// The table itself if this task is its only user (making a shared table whose
    /// other users have gone private again), else the shared table.
    #[inline]
    fn table(
        &mut self,
    ) -> core::result::Result<&mut FdTable<Arc<OpenFileDescription>>, &FileTable> {
        if let Files::Shared(shared, _) = self {
            if Arc::strong_count(shared) == 1 {
                self.make_private();
            }
        }
        match self {
            Files::Private(table) => Ok(table),
            Files::Shared(shared, _) => Err(shared),
        }
    }

    /// The descriptor flags of `fd` (`F_GETFD`), or `None` if it is not installed. A
    /// shared table is read through this task's [`ReadCache`].
    #[inline]
    pub(crate) fn fd_flags(&mut self, fd: Fd) -> Option<FdFlags> {
        if let Files::Shared(shared, cache) = self {
            if Arc::strong_count(shared) > 1 {
                return cache.entry(shared, fd).flags;
            }
        }
        match self.table() {
            Ok(table) => table.fd_flags(fd),
            Err(shared) => lock(&shared.table).fd_flags(fd),
        }
    }

    /// A new reference to the description installed at `fd` (Linux `fget`), or
    /// `None`. A shared table is read through this task's [`ReadCache`].
    #[inline]
    pub(crate) fn get(&mut self, fd: Fd) -> Option<Arc<OpenFileDescription>> {
        if let Files::Shared(shared, cache) = self {
            if Arc::strong_count(shared) > 1 {
                let entry = cache.entry(shared, fd);
                entry.flags?;
                crate::sync::switch_point();
                // The table held it at the version loaded; if a close has released
                // it since, the number may hold something else now: ask the table.
                if let Some(ofd) = entry.ofd.upgrade() {
                    return Some(ofd);
                }
                return lock(&shared.table).get(fd).cloned();
            }
        }
        match self.table() {
            Ok(table) => table.get(fd).cloned(),
            Err(shared) => lock(&shared.table).get(fd).cloned(),
        }
    }

    /// Takes a shared table whose other users have gone back as private. Only a
    /// holder can add users, and the caller is the only one, so the count cannot
    /// grow meanwhile.
    #[cold]
    fn make_private(&mut self) {
        let Files::Shared(shared, _) = self else {
            return;
        };
        let Some(sole) = Arc::get_mut(shared) else {
            return;
        };
        let table = sole
            .table
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *self = Files::Private(std::mem::take(table));
    }

    /// Makes the table shared (for `CLONE_FILES`) and returns a new reference to it.
    pub(crate) fn share(&mut self) -> Arc<FileTable> {
        if let Files::Private(table) = self {
            *self = Files::Shared(FileTable::new(std::mem::take(table)), ReadCache::new());
        }
        match self {
            Files::Shared(shared, _) => Arc::clone(shared),
            Files::Private(_) => unreachable!("made shared above"),
        }
    }

    /// A task's view of a table shared with it by `CLONE_FILES`.
    pub(crate) fn shared(table: Arc<FileTable>) -> Files {
        Files::Shared(table, ReadCache::new())
    }

    /// Whether this and `other` are the same shared table.
    pub(crate) fn same_shared(&self, other: &Files) -> bool {
        matches!((self, other), (Files::Shared(a, _), Files::Shared(b, _)) if Arc::ptr_eq(a, b))
    }

    /// Whether other tasks use this table too.
    pub(crate) fn is_shared(&self) -> bool {
        matches!(self, Files::Shared(shared, _) if Arc::strong_count(shared) > 1)
    }
}

impl Drop for Files {
    /// A private table goes with its only task: close everything (Linux
    /// `close_files`), as [`FileTable`]'s drop does for the last of several.
    fn drop(&mut self) {
        if let Files::Private(table) = self {
            drop(table.clear());
        }
    }
}

/// Mutable per-process state.
#[derive(Debug)]
pub(crate) struct ProcessState {
    pub(crate) parent: Option<Pid>,
    pub(crate) threads: Vec<Pid>,
    pub(crate) children: Vec<Pid>,
    pub(crate) exit: Option<ExitStatus>,
    pub(crate) rlimits: [RLimit; RLIM_NLIMITS],
    /// The current directory: the directory itself rather than its path, so that it
    /// follows a rename (Linux keeps a reference to the dentry).
    pub(crate) cwd: Arc<Inode>,
    pub(crate) umask: u32,
}

/// A process (thread group).
pub(crate) struct Process {
    pub(crate) pid: Pid,
    /// Soft `RLIMIT_NOFILE`, readable without the state lock (every allocation reads
    /// it).
    pub(crate) nofile: AtomicU64,
    /// Holds `CAP_SYS_RESOURCE` and `CAP_DAC_OVERRIDE` (root). Default: yes.
    pub(crate) privileged: AtomicBool,
    pub(crate) state: Mutex<ProcessState>,
}

impl Process {
    pub(crate) fn new(pid: Pid, state: ProcessState, privileged: bool) -> Arc<Process> {
        let nofile = state.rlimits[crate::flags::RLIMIT_NOFILE as usize].cur;
        Arc::new(Process {
            pid,
            nofile: AtomicU64::new(nofile),
            privileged: AtomicBool::new(privileged),
            state: Mutex::new(state),
        })
    }

    pub(crate) fn nofile(&self) -> u64 {
        self.nofile.load(Ordering::Acquire)
    }

    pub(crate) fn privileged(&self) -> bool {
        self.privileged.load(Ordering::Acquire)
    }

    pub(crate) fn rlimit(&self, resource: u32) -> Result<RLimit> {
        let st = lock(&self.state);
        st.rlimits
            .get(resource as usize)
            .copied()
            .ok_or(Errno::INVAL)
    }

    /// Linux `do_prlimit`, in its check order: resource number, `cur > max`,
    /// `RLIMIT_NOFILE` above `nr_open`, raising `max` without privilege.
    pub(crate) fn set_rlimit(
        &self,
        resource: u32,
        new: Option<RLimit>,
        nr_open: u32,
    ) -> Result<RLimit> {
        if resource as usize >= RLIM_NLIMITS {
            return Err(Errno::INVAL);
        }
        let nofile = resource == crate::flags::RLIMIT_NOFILE;
        if let Some(new) = new {
            if new.cur > new.max {
                return Err(Errno::INVAL);
            }
            if nofile && new.max > u64::from(nr_open) {
                return Err(Errno::PERM);
            }
        }
        let mut st = lock(&self.state);
        let old = st.rlimits[resource as usize];
        if let Some(new) = new {
            if new.max > old.max && !self.privileged() {
                return Err(Errno::PERM);
            }
            st.rlimits[resource as usize] = new;
            if nofile {
                self.nofile.store(new.cur, Ordering::Release);
            }
        }
        Ok(old)
    }
}

/// One task (thread): its process, its table reference, its interrupt.
///
/// Aligned to 128 bytes (two cache lines, the unit x86 prefetches), so that the
/// `files` locks of two threads calling at once never share a line.
#[repr(align(128))]
pub(crate) struct TaskState {
    pub(crate) tid: Pid,
    pub(crate) process: Arc<Process>,
    /// The table this task uses. Replaced only by this task's own `unshare`,
    /// `close_range(CLOSE_RANGE_UNSHARE)` and `execve`. Lock order: this, then a
    /// shared table's mutex. Calls hold this lock for writing (a private table is
    /// guarded by it alone) and never clone a shared table's `Arc`, so its strong
    /// count is exactly the number of tasks sharing the table.
    pub(crate) files: RwLock<Files>,
    pub(crate) interrupt: Interrupt,
    pub(crate) alive: AtomicBool,
}

impl TaskState {
    /// Marks the task dead, interrupts any wait it is in, and takes its table
    /// reference out (leaving an empty table), so that handles still held elsewhere
    /// keep no table alive. The caller drops the result with no lock held.
    pub(crate) fn retire(&self) -> Files {
        self.alive.store(false, Ordering::Release);
        self.interrupt.raise();
        let mut files = self.files.write().unwrap_or_else(|e| e.into_inner());
        std::mem::replace(&mut *files, Files::Private(FdTable::new()))
    }

    pub(crate) fn new(tid: Pid, process: Arc<Process>, files: Files) -> Arc<TaskState> {
        Arc::new(TaskState {
            tid,
            process,
            files: RwLock::new(files),
            interrupt: Interrupt::new(),
            alive: AtomicBool::new(true),
        })
    }
}

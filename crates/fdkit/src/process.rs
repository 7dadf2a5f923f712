//! Processes and threads: pids, resource limits, and who shares which table.
//!
//! Linux keeps the descriptor table per *task* (thread) and shares it between tasks
//! created with `CLONE_FILES` (every thread, usually; a process too, if asked).
//! Resource limits, the current directory and the exit status are per *process*
//! (thread group). The model keeps the same split: a task's state holds its table,
//! its own or one shared with other tasks (`files_struct`); a process's holds the
//! limits.

use crate::errno::{Errno, Result};
use crate::flags::RLIM_INFINITY;
use crate::object::memfs::Inode;
use crate::ofd::OpenFileDescription;
use crate::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use crate::sync::{Arc, Mutex, RwLock};
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
#[doc(alias = "files_struct")]
pub(crate) struct FileTable {
    pub(crate) table: Mutex<FdTable<Arc<OpenFileDescription>>>,
}

impl FileTable {
    pub(crate) fn new(table: FdTable<Arc<OpenFileDescription>>) -> Arc<FileTable> {
        Arc::new(FileTable {
            table: Mutex::new(table),
        })
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

/// The table a task uses (Linux `current->files`): its own, or one shared with other
/// tasks through `CLONE_FILES`.
///
/// A private table sits directly behind the task's `files` lock, so a call takes one
/// lock; a shared one is reached through its [`FileTable`] mutex as well. A shared
/// table whose other users have all gone becomes private again on the next call.
pub(crate) enum Files {
    /// Used by this task alone; guarded by the task's `files` lock.
    Private(FdTable<Arc<OpenFileDescription>>),
    /// Used by several tasks; guarded by the `FileTable`'s own mutex.
    Shared(Arc<FileTable>),
}

impl Files {
    /// Runs `f` on the table, under the shared table's mutex if it is shared. The
    /// caller holds the task's `files` lock for writing.
    #[inline]
    pub(crate) fn with<R>(
        &mut self,
        f: impl FnOnce(&mut FdTable<Arc<OpenFileDescription>>) -> R,
    ) -> R {
        if let Files::Shared(shared) = self {
            if Arc::strong_count(shared) > 1 {
                return f(&mut lock(&shared.table));
            }
            self.make_private();
        }
        match self {
            Files::Private(table) => f(table),
            Files::Shared(shared) => f(&mut lock(&shared.table)),
        }
    }

    /// Takes a shared table whose other users have gone back as private. Only a
    /// holder can add users, and the caller is the only one, so the count cannot
    /// grow meanwhile.
    #[cold]
    fn make_private(&mut self) {
        let Files::Shared(shared) = self else {
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
            *self = Files::Shared(FileTable::new(std::mem::take(table)));
        }
        match self {
            Files::Shared(shared) => Arc::clone(shared),
            Files::Private(_) => unreachable!("made shared above"),
        }
    }

    /// Whether this and `other` are the same shared table.
    pub(crate) fn same_shared(&self, other: &Files) -> bool {
        matches!((self, other), (Files::Shared(a), Files::Shared(b)) if Arc::ptr_eq(a, b))
    }

    /// Whether other tasks use this table too.
    pub(crate) fn is_shared(&self) -> bool {
        matches!(self, Files::Shared(shared) if Arc::strong_count(shared) > 1)
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

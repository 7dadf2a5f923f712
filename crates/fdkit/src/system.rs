//! [`System`]: processes, threads and the filesystem; the entry point of the model.
//!
//! Read this first: every system call is made *by a thread*. [`System::task`] gives a
//! [`Task`] handle for a thread id, and the handle has one method per system call
//! (`task.dup(3)`, `task.fork()`, ...). `System` is `Send + Sync`; calls from many OS
//! threads at once are linearizable: each takes the calling task's table lock once,
//! and closes (the release of open file descriptions) happen after it is dropped.
//!
//! Reads of a table that threads share — `F_GETFD` and the descriptor lookup every
//! I/O call and every description `fcntl` starts with (Linux `fdget`, lock-free
//! under RCU) — take only the calling task's own lock: the task remembers its last
//! lookups with the table's version, and a version no write has advanced since
//! answers without the shared table's mutex (`process::FileTable`).
//! A read-only workload thus touches no cache line that another thread writes, and
//! two threads look descriptors up as fast as one.
//!
//! Locks, outermost first: the registry (processes and tasks), a task's `files`
//! pointer, a table's mutex, an object's own mutex. No lock is held while an open
//! file description is released, so a release hook may call back into the system.

use crate::errno::{Errno, Result};
use crate::fd::Fd;
use crate::flags::{AccessMode, CloneFlags, OFlags, RLIMIT_NOFILE};
use crate::object::dev::Terminal;
use crate::object::memfs::{Credentials, MemFs};
use crate::object::FileObject;
use crate::ofd::{OpenFileDescription, ReleaseHook};
use crate::process::{
    ExitStatus, Files, Pid, Process, ProcessState, RLimit, TaskState, RLIM_NLIMITS,
};
use crate::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use crate::sync::{Arc, Condvar, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};
use crate::table::{FdTable, Limits};
use crate::wait::{lock, Wake};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Settings of a new [`System`].
#[derive(Clone, Debug)]
pub struct Config {
    /// `fs.nr_open` (default 1,048,576; Linux accepts 64 ..= 2,147,483,584).
    pub nr_open: u32,
    /// `RLIMIT_NOFILE` of a spawned process (default soft 1024, hard 4096: the
    /// kernel's `INR_OPEN_CUR` / `INR_OPEN_MAX`).
    pub nofile: RLimit,
    /// The first pid handed out (default 100).
    pub first_pid: u32,
    /// Whether spawned processes are privileged like root (`CAP_SYS_RESOURCE`,
    /// `CAP_DAC_OVERRIDE`). Default: yes.
    pub privileged: bool,
    /// The umask of spawned processes (default 022).
    pub umask: u32,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            nr_open: Limits::DEFAULT_NR_OPEN,
            nofile: RLimit {
                cur: 1024,
                max: 4096,
            },
            first_pid: 100,
            privileged: true,
            umask: 0o022,
        }
    }
}

/// A fast hasher for pids (small integers); the registry is looked up on every call.
#[derive(Default)]
pub(crate) struct PidHasher(u64);

impl Hasher for PidHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.0 = u64::from(n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

type PidMap<V> = HashMap<Pid, V, BuildHasherDefault<PidHasher>>;

#[derive(Default)]
pub(crate) struct Registry {
    pub(crate) tasks: PidMap<Arc<TaskState>>,
    pub(crate) processes: PidMap<Arc<Process>>,
    next_pid: u32,
}

/// Where `wait` sleeps until a child changes state.
pub(crate) struct ExitQueue {
    lock: Mutex<u64>,
    changed: Condvar,
}

impl Wake for ExitQueue {
    fn wake_all(&self) {
        let _guard = lock(&self.lock);
        self.changed.notify_all();
    }
}

pub(crate) struct Shared {
    pub(crate) fs: MemFs,
    pub(crate) registry: RwLock<Registry>,
    nr_open: AtomicU32,
    next_ino: AtomicU64,
    hook: RwLock<Option<Arc<ReleaseHook>>>,
    pub(crate) config: Config,
    pub(crate) terminal: Terminal,
    pub(crate) exits: Arc<ExitQueue>,
}

/// The modelled system: a filesystem and a set of processes and threads.
///
/// ```
/// use fdkit::{System, OFlags};
///
/// let sys = System::new();
/// let pid = sys.spawn()?;
/// let t = sys.task(pid)?;
/// let fd = t.open("/tmp/a", OFlags::RDWR | OFlags::CREAT, 0o644)?;
/// assert_eq!(fd.get(), 3);
/// assert_eq!(t.dup(fd)?.get(), 4);
/// # Ok::<(), fdkit::Errno>(())
/// ```
#[derive(Clone)]
pub struct System {
    pub(crate) shared: Arc<Shared>,
}

impl Default for System {
    fn default() -> System {
        System::new()
    }
}

impl std::fmt::Debug for System {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let pids = self.pids();
        f.debug_struct("System").field("processes", &pids).finish()
    }
}

/// A thread, as the caller of system calls. Obtained from [`System::task`]; cheap to
/// clone. The methods named after system calls are in the [`crate::syscall`] modules.
#[derive(Clone)]
pub struct Task {
    pub(crate) shared: Arc<Shared>,
    pub(crate) state: Arc<TaskState>,
}

impl std::fmt::Debug for Task {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Task")
            .field("tid", &self.state.tid)
            .field("pid", &self.state.process.pid)
            .finish()
    }
}

impl System {
    /// A system with the default [`Config`] and no processes.
    pub fn new() -> System {
        System::with_config(Config::default())
    }

    /// A system with `config`.
    pub fn with_config(config: Config) -> System {
        let nr_open = config
            .nr_open
            .clamp(Limits::MIN_NR_OPEN, Limits::MAX_NR_OPEN);
        System {
            shared: Arc::new(Shared {
                fs: MemFs::new(),
                registry: RwLock::new(Registry {
                    next_pid: config.first_pid.max(1),
                    ..Registry::default()
                }),
                nr_open: AtomicU32::new(nr_open),
                next_ino: AtomicU64::new(1000),
                hook: RwLock::new(None),
                terminal: Terminal::new(3),
                exits: Arc::new(ExitQueue {
                    lock: Mutex::new(0),
                    changed: Condvar::new(),
                }),
                config,
            }),
        }
    }

    /// The filesystem.
    pub fn fs(&self) -> &MemFs {
        &self.shared.fs
    }

    /// The terminal spawned processes' standard streams refer to.
    pub fn terminal(&self) -> &Terminal {
        &self.shared.terminal
    }

    /// `fs.nr_open`.
    pub fn nr_open(&self) -> u32 {
        self.shared.nr_open()
    }

    /// Sets `fs.nr_open` (`sysctl -w fs.nr_open=N`). Existing limits and descriptors
    /// are untouched; it takes effect when a table next grows or is copied.
    ///
    /// # Errors
    /// `EINVAL` outside 64 ..= 2,147,483,584.
    pub fn set_nr_open(&self, nr_open: u32) -> Result<()> {
        if !(Limits::MIN_NR_OPEN..=Limits::MAX_NR_OPEN).contains(&nr_open) {
            return Err(Errno::INVAL);
        }
        self.shared.nr_open.store(nr_open, Ordering::Release);
        Ok(())
    }

    /// Installs (or removes) the hook called when an open file description is
    /// released — its last descriptor in any process closed, Linux's last `fput`. It
    /// applies to descriptions created afterwards, and runs with no lock of the
    /// system held.
    pub fn set_release_hook(&self, hook: Option<Arc<ReleaseHook>>) {
        *self.shared.hook.write().unwrap_or_else(|e| e.into_inner()) = hook;
    }

    /// A handle for calls made by thread `tid`.
    ///
    /// # Errors
    /// `ESRCH`: no such thread (or it has exited).
    pub fn task(&self, tid: impl Into<Pid>) -> Result<Task> {
        let tid = tid.into();
        let reg = self.shared.read_registry();
        let state = reg.tasks.get(&tid).ok_or(Errno::SRCH)?;
        Ok(Task {
            shared: Arc::clone(&self.shared),
            state: Arc::clone(state),
        })
    }

    /// Starts a new process with the next free pid, no parent, and descriptors 0, 1
    /// and 2 open on the terminal (one open file description, read-write, like a
    /// login shell's).
    ///
    /// # Errors
    /// `EAGAIN` if no pid is free.
    pub fn spawn(&self) -> Result<Pid> {
        self.spawn_with(None, true)
    }

    /// Starts a new process: with pid `pid` (or the next free one), and with 0, 1, 2
    /// open on the terminal if `stdio`, else with an empty table.
    ///
    /// # Errors
    /// `EEXIST` if `pid` is in use; `EINVAL` for pid 0 or above `i32::MAX`.
    pub fn spawn_with(&self, pid: Option<Pid>, stdio: bool) -> Result<Pid> {
        let mut table = FdTable::new();
        if stdio {
            let ofd = Arc::new(self.shared.new_ofd(
                Box::new(self.shared.terminal.clone()),
                OFlags::RDWR | OFlags::LARGEFILE,
                false,
            ));
            for _ in 0..3 {
                table.insert(Arc::clone(&ofd), false, Limits::new(3))?;
            }
        }
        let config = &self.shared.config;
        let root = self.shared.fs.resolve("/")?;
        let mut rlimits = [RLimit::INFINITY; RLIM_NLIMITS];
        rlimits[RLIMIT_NOFILE as usize] = config.nofile;
        let mut reg = self.shared.write_registry();
        let pid = reg.allocate_pid(pid)?;
        let process = Process::new(
            pid,
            ProcessState {
                parent: None,
                threads: vec![pid],
                children: Vec::new(),
                exit: None,
                rlimits,
                cwd: root,
                umask: config.umask,
            },
            config.privileged,
        );
        let task = TaskState::new(pid, Arc::clone(&process), Files::Private(table));
        reg.processes.insert(pid, process);
        reg.tasks.insert(pid, task);
        Ok(pid)
    }

    /// Pids of all processes, zombies included, in increasing order.
    pub fn pids(&self) -> Vec<Pid> {
        let mut pids: Vec<Pid> = self
            .shared
            .read_registry()
            .processes
            .keys()
            .copied()
            .collect();
        pids.sort();
        pids
    }

    /// Thread ids of the live threads of process `pid`.
    ///
    /// # Errors
    /// `ESRCH`: no such process.
    pub fn threads(&self, pid: impl Into<Pid>) -> Result<Vec<Pid>> {
        let reg = self.shared.read_registry();
        let process = reg.processes.get(&pid.into()).ok_or(Errno::SRCH)?;
        let threads = lock(&process.state).threads.clone();
        Ok(threads)
    }

    /// How process `pid` ended, if it has (a zombie not yet reaped).
    ///
    /// # Errors
    /// `ESRCH`: no such process.
    pub fn exit_status(&self, pid: impl Into<Pid>) -> Result<Option<ExitStatus>> {
        let reg = self.shared.read_registry();
        let process = reg.processes.get(&pid.into()).ok_or(Errno::SRCH)?;
        let exit = lock(&process.state).exit;
        Ok(exit)
    }

    /// Interrupts thread `tid`, as a signal with a handler installed without
    /// `SA_RESTART` would: a call blocked in it fails with `EINTR`. If the thread is
    /// not blocked, the interrupt stays pending until its next wait. Returns whether
    /// it was blocked.
    ///
    /// # Errors
    /// `ESRCH`: no such thread.
    pub fn interrupt(&self, tid: impl Into<Pid>) -> Result<bool> {
        Ok(self.task(tid)?.state.interrupt.raise())
    }

    /// Whether process `pid` holds privileges (`CAP_SYS_RESOURCE`,
    /// `CAP_DAC_OVERRIDE`).
    ///
    /// # Errors
    /// `ESRCH`: no such process.
    pub fn set_privileged(&self, pid: impl Into<Pid>, privileged: bool) -> Result<()> {
        let reg = self.shared.read_registry();
        let process = reg.processes.get(&pid.into()).ok_or(Errno::SRCH)?;
        process.privileged.store(privileged, Ordering::Release);
        Ok(())
    }

    /// Whether threads `a` and `b` use the same descriptor table (threads of one
    /// process, or tasks created with `CLONE_FILES`).
    ///
    /// # Errors
    /// `ESRCH`: either thread does not exist.
    pub fn shares_table(&self, a: impl Into<Pid>, b: impl Into<Pid>) -> Result<bool> {
        let (a, b) = (self.task(a)?, self.task(b)?);
        if Arc::ptr_eq(&a.state, &b.state) {
            return Ok(true);
        }
        let fa = a.state.files.read().unwrap_or_else(|e| e.into_inner());
        let fb = b.state.files.read().unwrap_or_else(|e| e.into_inner());
        Ok(fa.same_shared(&fb))
    }
}

impl Registry {
    fn allocate_pid(&mut self, wanted: Option<Pid>) -> Result<Pid> {
        if let Some(pid) = wanted {
            if pid.get() == 0 || pid.get() > i32::MAX as u32 {
                return Err(Errno::INVAL);
            }
            if self.tasks.contains_key(&pid) || self.processes.contains_key(&pid) {
                return Err(Errno::EXIST);
            }
            return Ok(pid);
        }
        for _ in 0..=self.tasks.len() + self.processes.len() {
            let pid = Pid::new(self.next_pid);
            self.next_pid = if self.next_pid >= i32::MAX as u32 {
                1
            } else {
                self.next_pid + 1
            };
            if !self.tasks.contains_key(&pid) && !self.processes.contains_key(&pid) {
                return Ok(pid);
            }
        }
        Err(Errno::AGAIN)
    }
}

impl Shared {
    pub(crate) fn read_registry(&self) -> RwLockReadGuard<'_, Registry> {
        self.registry.read().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn write_registry(&self) -> RwLockWriteGuard<'_, Registry> {
        self.registry.write().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn nr_open(&self) -> u32 {
        self.nr_open.load(Ordering::Acquire)
    }

    /// A fresh inode number for pipes, sockets and anonymous inodes.
    pub(crate) fn next_ino(&self) -> u64 {
        self.next_ino.fetch_add(1, Ordering::Relaxed)
    }

    pub(crate) fn new_ofd(
        &self,
        object: Box<dyn FileObject>,
        flags: OFlags,
        created: bool,
    ) -> OpenFileDescription {
        let hook = self.hook.read().unwrap_or_else(|e| e.into_inner()).clone();
        OpenFileDescription::new(object, flags)
            .with_created(created)
            .with_release_hook(hook)
    }
}

impl Task {
    /// This thread's id.
    pub fn tid(&self) -> Pid {
        self.state.tid
    }

    /// The id of this thread's process (thread group).
    pub fn pid(&self) -> Pid {
        self.state.process.pid
    }

    /// The limits this thread's calls are checked against now.
    pub fn limits(&self) -> Limits {
        Limits::new(self.state.process.nofile()).with_nr_open(self.shared.nr_open())
    }

    #[inline]
    pub(crate) fn check_alive(&self) -> Result<()> {
        if self.state.alive.load(Ordering::Acquire) {
            Ok(())
        } else {
            Err(Errno::SRCH)
        }
    }

    /// Runs `f` on this thread's table under its lock (the task's `files` lock, and a
    /// shared table's mutex too). Whatever `f` returns is dropped by the caller after
    /// the locks are released, so returning closed entries releases them outside.
    #[inline]
    pub(crate) fn with_table<R>(
        &self,
        f: impl FnOnce(&mut FdTable<Arc<OpenFileDescription>>, Limits) -> R,
    ) -> Result<R> {
        self.check_alive()?;
        let limits = self.limits();
        let mut files = self.state.files.write().unwrap_or_else(|e| e.into_inner());
        Ok(files.with(|table| f(table, limits)))
    }

    /// [`Task::with_table`] for calls that never allocate a number (`close`,
    /// `F_SETFD` ...): the limits are not read.
    #[inline]
    pub(crate) fn edit_table<R>(
        &self,
        f: impl FnOnce(&mut FdTable<Arc<OpenFileDescription>>) -> R,
    ) -> Result<R> {
        self.check_alive()?;
        let mut files = self.state.files.write().unwrap_or_else(|e| e.into_inner());
        Ok(files.with(f))
    }

    /// Runs `f` on this thread's [`Files`] under the task's `files` lock only, for
    /// reads that a shared table answers without its mutex when it can (see
    /// [`FileTable`](crate::process::FileTable)).
    #[inline]
    pub(crate) fn with_files<R>(&self, f: impl FnOnce(&mut Files) -> R) -> Result<R> {
        self.check_alive()?;
        let mut files = self.state.files.write().unwrap_or_else(|e| e.into_inner());
        Ok(f(&mut files))
    }

    /// The open file description installed at `fd` (a new reference to it).
    ///
    /// # Errors
    /// `EBADF`: `fd` is not installed.
    pub fn file(&self, fd: impl Into<Fd>) -> Result<Arc<OpenFileDescription>> {
        let fd = fd.into();
        self.with_files(|files| files.get(fd))?.ok_or(Errno::BADF)
    }

    /// `fd`, for calls that refuse `O_PATH` descriptors (Linux `fdget` rather than
    /// `fdget_raw`): `read`, `write`, `lseek`, `ioctl` ...
    ///
    /// # Errors
    /// `EBADF`: not installed, or an `O_PATH` description.
    pub(crate) fn file_no_path(&self, fd: Fd) -> Result<Arc<OpenFileDescription>> {
        let ofd = self.file(fd)?;
        if ofd.is_path() {
            return Err(Errno::BADF);
        }
        Ok(ofd)
    }

    /// Installs a new open file description of `object` at the lowest free number.
    /// For embedders' own objects and for descriptor-creating calls the model does
    /// not simulate (the [`anon`](crate::object::anon) object). `flags` become the
    /// description's `F_GETFL` value; `O_CLOEXEC` in them sets the descriptor's
    /// close-on-exec and is not stored.
    ///
    /// # Errors
    /// `EMFILE`: no free number below the soft `RLIMIT_NOFILE`.
    pub fn open_object(&self, object: Box<dyn FileObject>, flags: OFlags) -> Result<Fd> {
        let cloexec = flags.contains(OFlags::CLOEXEC);
        let ofd = Arc::new(self.shared.new_ofd(object, flags - OFlags::CLOEXEC, false));
        self.with_table(|t, limits| t.insert(ofd, cloexec, limits))?
    }

    pub(crate) fn credentials(&self) -> Credentials {
        Credentials {
            privileged: self.state.process.privileged(),
            umask: lock(&self.state.process.state).umask,
        }
    }

    /// The current directory's path now (it follows renames).
    pub(crate) fn cwd(&self) -> String {
        lock(&self.state.process.state).cwd.path()
    }

    /// The access mode of `fd`'s description, for listings.
    pub fn access_mode(&self, fd: impl Into<Fd>) -> Result<AccessMode> {
        Ok(self.file(fd)?.access_mode())
    }
}

// ---- process lifecycle ------------------------------------------------------------

impl Task {
    /// `fork()` — a new process whose table is a copy of this one (same numbers, same
    /// open file descriptions, same close-on-exec flags; reservations dropped), with
    /// the caller's limits, directory and umask. Returns the child's pid.
    ///
    /// # Errors
    /// As [`Task::clone_task`].
    pub fn fork(&self) -> Result<Pid> {
        Ok(self.clone_task(CloneFlags::empty(), None)?.0)
    }

    /// `vfork()` — as [`Task::fork`]; the model does not suspend the parent.
    ///
    /// # Errors
    /// As [`Task::clone_task`].
    pub fn vfork(&self) -> Result<Pid> {
        Ok(self.clone_task(CloneFlags::VM | CloneFlags::VFORK, None)?.0)
    }

    /// `clone(flags)` — a new thread (`CLONE_THREAD`) or process. With
    /// `CLONE_FILES` the child shares this thread's table; without, it gets a copy.
    /// With `CLONE_PIDFD` a pidfd (`anon_inode:[pidfd]`, close-on-exec) is installed
    /// in the caller's table. `child` picks the new id (as a replay must); `None`
    /// takes the next free one. Other flags are accepted and ignored. Returns the new
    /// id and the pidfd, if one was asked for.
    ///
    /// # Errors
    /// 1. `EINVAL`: `CLONE_THREAD` without `CLONE_SIGHAND`, or `CLONE_SIGHAND` without
    ///    `CLONE_VM`.
    /// 2. `EMFILE`: the table copy would exceed `nr_open`.
    /// 3. `EMFILE`: no number for the pidfd.
    /// 4. `EEXIST`/`EINVAL`/`EAGAIN`: `child` is in use, invalid, or no id is free.
    pub fn clone_task(&self, flags: CloneFlags, child: Option<Pid>) -> Result<(Pid, Option<Fd>)> {
        self.check_alive()?;
        if flags.contains(CloneFlags::THREAD) && !flags.contains(CloneFlags::SIGHAND) {
            return Err(Errno::INVAL);
        }
        if flags.contains(CloneFlags::SIGHAND) && !flags.contains(CloneFlags::VM) {
            return Err(Errno::INVAL);
        }
        let nr_open = self.shared.nr_open();
        let files = {
            let mut current = self.state.files.write().unwrap_or_else(|e| e.into_inner());
            if flags.contains(CloneFlags::FILES) {
                Files::shared(current.share())
            } else {
                Files::Private(current.with(|table| table.fork(nr_open))?)
            }
        };
        let mut reg = self.shared.write_registry();
        let tid = reg.allocate_pid(child)?;
        let pidfd = if flags.contains(CloneFlags::PIDFD) {
            let object = crate::object::anon::AnonObject::new(
                "anon_inode:[pidfd]",
                crate::object::FileKind::Anon,
                self.shared.next_ino(),
            );
            let ofd = Arc::new(self.shared.new_ofd(Box::new(object), OFlags::RDWR, false));
            let installed = {
                let mut current = self.state.files.write().unwrap_or_else(|e| e.into_inner());
                current.with(|t| t.insert(ofd, true, self.limits()))
            };
            Some(installed?)
        } else {
            None
        };
        let process = if flags.contains(CloneFlags::THREAD) {
            let process = Arc::clone(&self.state.process);
            lock(&process.state).threads.push(tid);
            process
        } else {
            let parent_state = lock(&self.state.process.state);
            let process = Process::new(
                tid,
                ProcessState {
                    parent: Some(self.state.process.pid),
                    threads: vec![tid],
                    children: Vec::new(),
                    exit: None,
                    rlimits: parent_state.rlimits,
                    cwd: parent_state.cwd.clone(),
                    umask: parent_state.umask,
                },
                self.state.process.privileged(),
            );
            drop(parent_state);
            lock(&self.state.process.state).children.push(tid);
            reg.processes.insert(tid, Arc::clone(&process));
            process
        };
        reg.tasks.insert(tid, TaskState::new(tid, process, files));
        Ok((tid, pidfd))
    }

    /// `unshare(CLONE_FILES)` — give this thread a private copy of its table if it is
    /// shared. Other flags are accepted and ignored.
    ///
    /// # Errors
    /// `EMFILE`: the copy would exceed `nr_open`.
    pub fn unshare(&self, flags: CloneFlags) -> Result<()> {
        self.check_alive()?;
        if flags.contains(CloneFlags::FILES) {
            self.unshare_files_with(|_| u32::MAX)?;
        }
        Ok(())
    }

    /// Linux `unshare_fd`: copy the table if another task shares it, copying only
    /// descriptors below `max_fds(table)` (computed under the table lock). The old
    /// reference is dropped after the locks.
    pub(crate) fn unshare_files_with(
        &self,
        max_fds: impl FnOnce(&FdTable<Arc<OpenFileDescription>>) -> u32,
    ) -> Result<()> {
        let mut files = self.state.files.write().unwrap_or_else(|e| e.into_inner());
        if !files.is_shared() {
            return Ok(());
        }
        let nr_open = self.shared.nr_open();
        let copy = files.with(|table| table.fork_with_max(max_fds(table), nr_open))?;
        let old = std::mem::replace(&mut *files, Files::Private(copy));
        drop(files);
        drop(old);
        Ok(())
    }

    /// `execve` after its point of no return (the model does not load programs; an
    /// embedder decides failure before calling this): other threads of the process
    /// end, this thread takes the process id, its table is unshared, and every
    /// close-on-exec descriptor is closed (Linux `begin_new_exec`: `de_thread`,
    /// `unshare_files`, `do_close_on_exec`). Returns the handle of the thread after
    /// exec (its tid is the pid).
    ///
    /// # Errors
    /// `EMFILE`: the table is shared and its copy would exceed `nr_open` (Linux would
    /// kill the process at this point).
    pub fn execve(&self) -> Result<Task> {
        self.check_alive()?;
        let pid = self.state.process.pid;
        let mut garbage: Vec<Files> = Vec::new();
        let me = {
            let mut reg = self.shared.write_registry();
            let threads = std::mem::take(&mut lock(&self.state.process.state).threads);
            for tid in threads {
                if tid != self.state.tid {
                    if let Some(t) = reg.tasks.remove(&tid) {
                        garbage.push(t.retire());
                    }
                }
            }
            lock(&self.state.process.state).threads = vec![pid];
            if self.state.tid == pid {
                Arc::clone(&self.state)
            } else {
                // The exec'ing thread takes over the leader's id, and its table.
                reg.tasks.remove(&self.state.tid);
                let files = self.state.retire();
                let me = TaskState::new(pid, Arc::clone(&self.state.process), files);
                reg.tasks.insert(pid, Arc::clone(&me));
                me
            }
        };
        drop(garbage);
        let task = Task {
            shared: Arc::clone(&self.shared),
            state: me,
        };
        task.unshare_files_with(|_| u32::MAX)?;
        let closed = task.edit_table(|t| t.close_on_exec())?;
        drop(closed);
        Ok(task)
    }

    /// `exit(status)` — this thread ends. Its table reference goes; if it was the
    /// last one, every descriptor in it is closed. If it was the last thread, the
    /// process becomes a zombie with `status` until its parent waits for it (or is
    /// discarded at once if it has no live parent).
    pub fn exit(&self, status: i32) {
        self.end(ExitStatus::Exited(status & 0xff), false)
    }

    /// `exit_group(status)` — every thread of the process ends; see [`Task::exit`].
    pub fn exit_group(&self, status: i32) {
        self.end(ExitStatus::Exited(status & 0xff), true)
    }

    /// The process is killed by `signal` (every thread ends).
    pub fn kill(&self, signal: i32) {
        self.end(ExitStatus::Killed(signal), true)
    }

    fn end(&self, status: ExitStatus, whole_group: bool) {
        let mut garbage: Vec<Files> = Vec::new();
        let mut orphans: Vec<Arc<Process>> = Vec::new();
        {
            let mut reg = self.shared.write_registry();
            let process = Arc::clone(&self.state.process);
            let mut st = lock(&process.state);
            let leaving: Vec<Pid> = if whole_group {
                std::mem::take(&mut st.threads)
            } else {
                st.threads.retain(|&t| t != self.state.tid);
                vec![self.state.tid]
            };
            for tid in leaving {
                if let Some(t) = reg.tasks.remove(&tid) {
                    garbage.push(t.retire());
                }
            }
            if st.threads.is_empty() && st.exit.is_none() {
                st.exit = Some(status);
                // Children lose their parent; their zombies are discarded.
                for child in std::mem::take(&mut st.children) {
                    if let Some(c) = reg.processes.get(&child).cloned() {
                        let mut cs = lock(&c.state);
                        cs.parent = None;
                        if cs.exit.is_some() {
                            drop(cs);
                            if let Some(p) = reg.processes.remove(&child) {
                                orphans.push(p);
                            }
                        }
                    }
                }
                let parent_alive = st
                    .parent
                    .and_then(|p| reg.processes.get(&p))
                    .is_some_and(|p| lock(&p.state).exit.is_none());
                if !parent_alive {
                    drop(st);
                    if let Some(p) = reg.processes.remove(&process.pid) {
                        orphans.push(p);
                    }
                }
            }
        }
        // Tables are released here, with no lock held.
        drop(garbage);
        drop(orphans);
        self.shared.exits.wake_all();
    }

    /// `wait4(pid, ..., WNOHANG?)` — reap a child that has exited: `pid` −1 means any
    /// child, a positive value that child, 0 any child in the caller's process group
    /// and another negative value any child in that group. The model has no
    /// `setpgid`/`setsid`: all its processes are in one group, whose id is no
    /// process's pid, so 0 means any child and `-pgid` none. Returns `None` when
    /// `nohang` is set and no matching child has exited yet; otherwise waits.
    ///
    /// # Errors
    /// - `ESRCH`: `pid` is `INT_MIN`, whose negation is not an `int`
    ///   (`kernel_wait4`).
    /// - `ECHILD`: no matching child.
    /// - `EINTR`: interrupted while waiting.
    pub fn wait4(&self, pid: i32, nohang: bool) -> Result<Option<(Pid, ExitStatus)>> {
        if pid == i32::MIN {
            return Err(Errno::SRCH);
        }
        let any = pid == -1 || pid == 0;
        let queue = Arc::clone(&self.shared.exits);
        let mut guard = lock(&queue.lock);
        loop {
            self.check_alive()?;
            {
                let mut reg = self.shared.write_registry();
                let mut st = lock(&self.state.process.state);
                let candidates: Vec<Pid> = st
                    .children
                    .iter()
                    .copied()
                    .filter(|c| any || i64::from(c.get()) == i64::from(pid))
                    .collect();
                if candidates.is_empty() {
                    return Err(Errno::CHILD);
                }
                for c in candidates {
                    let exit = reg.processes.get(&c).and_then(|p| lock(&p.state).exit);
                    if let Some(exit) = exit {
                        st.children.retain(|&x| x != c);
                        let reaped = reg.processes.remove(&c);
                        drop(st);
                        drop(reg);
                        drop(reaped);
                        return Ok(Some((c, exit)));
                    }
                }
            }
            if nohang {
                return Ok(None);
            }
            guard = self.state.interrupt.wait(
                &queue.changed,
                guard,
                Arc::clone(&queue) as Arc<dyn Wake>,
            )?;
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{Errno, ExitStatus, System};

    // ---- wait4 -----------------------------------------------------------------------

    /// Found by `fdkit diff`: `wait4(0)` waits for any child in the caller's process
    /// group (every model process is in one, as the host executor's are), and
    /// `wait4(INT_MIN)` is `ESRCH` before anything else (`kernel_wait4`: `-INT_MIN`
    /// is not an `int`).
    #[test]
    fn wait4_pid_zero_and_int_min() {
        let sys = System::new();
        let t = sys.task(sys.spawn().unwrap()).unwrap();
        let waited = |pid: i32| t.wait4(pid, true).map(|c| c.is_some());
        assert_eq!(waited(i32::MIN), Err(Errno::SRCH), "wait4(INT_MIN)");
        assert_eq!(waited(0), Err(Errno::CHILD), "wait4(0) without children");
        let child = sys.task(t.fork().unwrap()).unwrap();
        assert_eq!(waited(i32::MIN), Err(Errno::SRCH), "with a child");
        assert_eq!(waited(0), Ok(false), "wait4(0): a child, not exited");
        assert_eq!(
            waited(-2),
            Err(Errno::CHILD),
            "wait4(-2): nobody in group 2"
        );
        child.exit(3);
        let reaped = t.wait4(0, true).unwrap();
        assert_eq!(reaped, Some((child.pid(), ExitStatus::Exited(3))));
    }
}

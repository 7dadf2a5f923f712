//! [`FdTable`]: one descriptor table (Linux `files_struct`), with Linux's exact rules.
//!
//! Read this first: the table maps descriptor numbers to entries of any `Clone` type
//! `F` (the [`System`](crate::System) stores `Arc<OpenFileDescription>`; an embedder
//! may store its own handle type) plus one descriptor flag, close-on-exec. Every
//! method that mirrors a system call owns that call's check order and errno, as Linux
//! 6.x implements it (`fs/file.c`, `fs/fcntl.c`); the `# Errors` sections list them in
//! the order they are checked.
//!
//! - **Limits are per call.** The soft `RLIMIT_NOFILE` belongs to the calling process,
//!   not to the table (two processes sharing a table through `CLONE_FILES` may differ),
//!   and `nr_open` is a system setting, so both arrive in a [`Limits`] argument.
//! - **Entries leave through return values.** Every operation that removes an entry
//!   (`close`, a `dup2` that replaces, `close_range`, the exec sweep, exit) returns it,
//!   so a caller holding a lock can drop it after unlocking: the last drop of an open
//!   file description is Linux's last `fput`, where files are flushed and locks go.
//! - **Reservations.** [`FdTable::reserve`] allocates a number without an entry, like
//!   `get_unused_fd_flags` while `open` is in flight; [`FdTable::install`] fills it.
//!   A reserved number is in use for allocation, `EBUSY` for `dup2`, `EBADF` for every
//!   lookup, and free in a forked copy.
//! - **Capacity.** Linux grows a table in power-of-two steps and checks `nr_open` only
//!   when it grows; the table keeps that virtual capacity (`max_fds`) so that `EMFILE`
//!   and `EBADF` at a lowered `nr_open` come out exactly as on Linux. The storage itself
//!   is sparse and never sized by it.
//!
//! - **Embedder data.** Next to its entry, every installed descriptor carries a value
//!   of the embedder's type `D` ([`FdData`]; `()` by default, which costs nothing):
//!   data that belongs to the *descriptor*, not to the open file description — an
//!   `F_SETOWN`-style owner, capability rights, an fdsan owner tag
//!   ([`OwnerTag`](crate::OwnerTag)). The type's [`DataRule`]s decide what a
//!   duplicate (`dup`, `dup2`, `dup3`, `F_DUPFD`) and a forked copy get: a copy, the
//!   default value, or a refusal with an errno of the embedder's choosing.
//!   Last closes are observed where entries leave: every removal returns the
//!   entries, so an entry type whose `Drop` reports (an `Arc` of the embedder's
//!   description, as `fdkit-c` keeps) sees each description's last close, in
//!   whichever table it happens (`System::set_release_hook` reports them for the
//!   full system).
//!
//! Not modelled: `ENOMEM` from table growth.

mod tree;

use crate::errno::{Errno, Result};
use crate::fd::Fd;
use crate::flags::{CloseRangeFlags, DupFlags, FdFlags};
use alloc::vec::Vec;
use tree::{bit, Mark, Tree};

/// What a copied descriptor gets of its original's embedder data ([`FdData`]).
///
/// Linux itself copies no per-descriptor state but close-on-exec, and sets that by
/// the call (`dup` clears it, `fork` keeps it); embedder data follows the rule its
/// type declares instead.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum DataRule {
    /// The copy gets a clone of the original's data (capability rights, which
    /// `dup` and `fork` carry over in Capsicum).
    Copy,
    /// The copy gets `D::default()` (an fdsan owner tag: a duplicate starts unowned).
    Reset,
    /// The call fails with this errno, after every check Linux makes on the original
    /// descriptor and before anything changes: for a duplicate, right after the
    /// `EBADF` check of the old descriptor; for `fork`, when any descriptor is
    /// installed (the table cannot be inherited at all).
    Refuse(Errno),
}

/// Per-descriptor data of the embedder's own, stored beside each installed entry of
/// an [`FdTable`]: see the [module documentation](self).
///
/// A table of `D` is made by [`FdTable::with_data`]. A new descriptor (`open`,
/// [`FdTable::insert`], [`FdTable::install`]) starts with
/// `D::default()`; [`FdTable::data`] and [`FdTable::data_mut`] read and change it;
/// it leaves with the descriptor ([`FdTable::close_with_data`] hands it back; every
/// other removal drops it). The two rules are per type, so a table of `()` (or of
/// any type whose `ON_FORK` is [`DataRule::Copy`]) forks in O(number of leaves),
/// copy-on-write, as without data.
pub trait FdData: Clone + Default {
    /// The new descriptor of `dup`, `dup2`, `dup3`, `F_DUPFD` and
    /// `F_DUPFD_CLOEXEC`. `dup2(fd, fd)`, which copies nothing, does not apply it.
    const ON_DUP: DataRule;
    /// Every descriptor of the child's table at `fork` ([`FdTable::fork`], and the
    /// private copy of `close_range(CLOSE_RANGE_UNSHARE)`). [`FdTable::snapshot`] is
    /// exact and does not apply it.
    const ON_FORK: DataRule;
}

/// No data: the default, free in time and space.
impl FdData for () {
    const ON_DUP: DataRule = DataRule::Copy;
    const ON_FORK: DataRule = DataRule::Copy;
}

/// What a tree slot holds for an installed descriptor: the entry and the
/// embedder's data (a `()` adds nothing to the slot's size).
#[derive(Clone)]
struct Slot<F, D> {
    entry: F,
    data: D,
}

impl<F, D: Default> Slot<F, D> {
    #[inline]
    fn new(entry: F) -> Self {
        Slot {
            entry,
            data: D::default(),
        }
    }
}

/// The leaf type of a table with entries `F` and data `D`.
type Leaf<F, D> = tree::Leaf<Slot<F, D>>;

/// The data a copy of `data` gets under `rule`.
#[inline]
fn copied_data<D: FdData>(data: &D, rule: DataRule) -> Result<D> {
    match rule {
        DataRule::Copy => Ok(data.clone()),
        DataRule::Reset => Ok(D::default()),
        DataRule::Refuse(errno) => Err(errno),
    }
}

/// The limits a table operation is checked against.
///
/// `nofile` is the calling process's soft `RLIMIT_NOFILE` (Linux reads it from
/// `current` on every call); `nr_open` is the system-wide `fs.nr_open`, which caps
/// table growth.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Limits {
    /// The soft `RLIMIT_NOFILE` of the calling process, clamped to `u32`.
    pub nofile: u32,
    /// `fs.nr_open`: no table grows to hold a descriptor ≥ this.
    pub nr_open: u32,
}

impl Limits {
    /// Linux's default `fs.nr_open`: 1,048,576.
    pub const DEFAULT_NR_OPEN: u32 = 1 << 20;
    /// The smallest `fs.nr_open` Linux accepts (`BITS_PER_LONG`).
    pub const MIN_NR_OPEN: u32 = 64;
    /// The largest `fs.nr_open` Linux accepts on 64-bit: `INT_MAX` rounded down to a
    /// multiple of 64.
    pub const MAX_NR_OPEN: u32 = 2_147_483_584;

    /// Limits with soft `RLIMIT_NOFILE` `nofile` (values above `u32::MAX`, such as
    /// `RLIM_INFINITY`, clamp) and the default `nr_open`.
    pub fn new(nofile: u64) -> Limits {
        Limits {
            nofile: u32::try_from(nofile).unwrap_or(u32::MAX),
            nr_open: Limits::DEFAULT_NR_OPEN,
        }
    }

    /// The same limits with another `nr_open`.
    pub fn with_nr_open(self, nr_open: u32) -> Limits {
        Limits { nr_open, ..self }
    }
}

impl Default for Limits {
    /// Soft limit 1024 (the kernel's default `INR_OPEN_CUR`), `nr_open` 1,048,576.
    fn default() -> Limits {
        Limits::new(1024)
    }
}

/// Slots in Linux's embedded first table (`NR_OPEN_DEFAULT`).
const NR_OPEN_DEFAULT: u32 = 64;

/// Linux `alloc_fdtable`: the capacity a table grows to when it must hold
/// `slots_wanted` slots — `slots_wanted / 128 + 1` rounded up to a power of two, times
/// 128; cut down to `nr_open` rounded down to 64, and `EMFILE` if that is too small.
fn grown_capacity(slots_wanted: u64, nr_open: u32) -> Result<u32> {
    let mut nr = ((slots_wanted / 128) + 1).next_power_of_two() * 128;
    if nr > u64::from(nr_open) {
        nr = u64::from(nr_open & !63);
        if nr < slots_wanted {
            return Err(Errno::MFILE);
        }
    }
    Ok(u32::try_from(nr).unwrap_or(u32::MAX))
}

/// A validated `close_range(2)` request: constructing one applies Linux's argument
/// checks, in order.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct CloseRange {
    first: u32,
    last: u32,
    flags: CloseRangeFlags,
}

impl CloseRange {
    /// Checks `close_range(first, last, flags)`'s arguments. Bounds are unsigned, so
    /// `last = ~0U` means "to the end".
    ///
    /// # Errors
    /// 1. `EINVAL`: a flag other than `CLOSE_RANGE_UNSHARE` (2) or
    ///    `CLOSE_RANGE_CLOEXEC` (4) is set.
    /// 2. `EINVAL`: `first > last`.
    pub fn new(first: u32, last: u32, flags: u32) -> Result<CloseRange> {
        let flags = CloseRangeFlags::from_bits(flags).ok_or(Errno::INVAL)?;
        if first > last {
            return Err(Errno::INVAL);
        }
        Ok(CloseRange { first, last, flags })
    }

    /// Lowest descriptor in the range.
    pub fn first(&self) -> u32 {
        self.first
    }

    /// Highest descriptor in the range (inclusive).
    pub fn last(&self) -> u32 {
        self.last
    }

    /// Whether `CLOSE_RANGE_UNSHARE` asks for a private table first.
    pub fn unshare(&self) -> bool {
        self.flags.contains(CloseRangeFlags::UNSHARE)
    }

    /// Whether `CLOSE_RANGE_CLOEXEC` asks to mark instead of close.
    pub fn cloexec(&self) -> bool {
        self.flags.contains(CloseRangeFlags::CLOEXEC)
    }

    /// How many descriptors the unsharing copy of `table` keeps, as
    /// [`FdTable::fork_with_max`]'s `max_fds`: Linux 6.11+ `__close_range` passes the
    /// range to `dup_fd` as a "punch hole" (without `CLOSE_RANGE_CLOEXEC`), and
    /// `sane_fdtable_size` then sizes the copy to the last allocated descriptor
    /// below `first` when the table's last allocated descriptor lies in the range
    /// (those above would be closed at once). Otherwise the whole table is copied
    /// (`u32::MAX`). The size matters: a copy larger than `nr_open` is `EMFILE`.
    pub fn unshare_max_fds<F, D>(&self, table: &FdTable<F, D>) -> u32 {
        if self.cloexec() {
            return u32::MAX;
        }
        match table.highest_allocated() {
            Some(last) if (self.first..=self.last).contains(&last.get()) => table
                .last_allocated_below(self.first)
                .map_or(0, |fd| fd + 1),
            _ => u32::MAX,
        }
    }
}

/// A descriptor table: numbers → entries of type `F`, plus close-on-exec and the
/// embedder's per-descriptor data `D` ([`FdData`], none by default).
///
/// See the [module documentation](self) for the model. All operations are
/// O(log₆₄ n) worst case on the number space (at most 6 levels for 2³² numbers);
/// `dup`/`open`-style allocation is O(1) in the common case through a lowest-free
/// cache, which is exact unless the leaf that held it has just filled up (then the
/// next allocation searches from it, as Linux does from `next_fd`). Bulk operations (`close_range`, the exec sweep, fork, exit)
/// cost in proportion to the descriptors they touch, not to the number range.
#[doc(alias = "files_struct")]
#[doc(alias = "fdtable")]
pub struct FdTable<F, D = ()> {
    tree: Tree<Slot<F, D>>,
    /// Every number below this is allocated (Linux's `next_fd`). It is the lowest
    /// unallocated number itself when `lowest_exact`; otherwise that number is the
    /// first free one from here, found when next needed (a close below it makes
    /// the search unnecessary: open/close churn at a full leaf never searches).
    lowest_free: u32,
    /// Whether `lowest_free` is itself free.
    lowest_exact: bool,
    /// Linux's `max_fds`: the capacity the kernel's table would have now.
    capacity: u32,
    /// Installed entries.
    installed: u32,
    /// Reserved (allocated, not installed) numbers; rarely more than a few.
    reserved: Vec<u32>,
}

impl<F, D> Default for FdTable<F, D> {
    fn default() -> Self {
        FdTable::with_data()
    }
}

impl<F> FdTable<F> {
    /// An empty table (Linux's embedded 64-slot table; nothing is allocated) with no
    /// per-descriptor data. [`FdTable::with_data`] makes one whose descriptors carry
    /// data.
    pub const fn new() -> Self {
        FdTable::with_data()
    }
}

impl<F, D> FdTable<F, D> {
    /// An empty table whose descriptors carry the embedder's data `D`
    /// ([`FdData`]); [`FdTable::new`] when `D` is `()`.
    pub const fn with_data() -> Self {
        FdTable {
            tree: Tree::new(),
            lowest_free: 0,
            lowest_exact: true,
            capacity: NR_OPEN_DEFAULT,
            installed: 0,
            reserved: Vec::new(),
        }
    }

    /// The entry installed at `fd`, or `None` if `fd` is free or reserved (Linux
    /// `fget_raw`: a reserved slot holds a NULL pointer).
    #[inline]
    pub fn get(&self, fd: Fd) -> Option<&F> {
        self.slot(fd).map(|slot| &slot.entry)
    }

    #[inline]
    fn slot(&self, fd: Fd) -> Option<&Slot<F, D>> {
        let n = fd.get();
        self.tree.leaf(n)?.slots[(n & 63) as usize].as_ref()
    }

    /// The embedder's data of an installed `fd` ([`FdData`]), or `None` if `fd` is
    /// free or reserved.
    pub fn data(&self, fd: Fd) -> Option<&D> {
        self.slot(fd).map(|slot| &slot.data)
    }

    /// The descriptor flags of an installed `fd`.
    pub fn fd_flags(&self, fd: Fd) -> Option<FdFlags> {
        let n = fd.get();
        let leaf = self.tree.leaf(n)?;
        let i = (n & 63) as usize;
        leaf.slots[i].as_ref()?;
        Some(if leaf.cloexec & bit(i) != 0 {
            FdFlags::CLOEXEC
        } else {
            FdFlags::empty()
        })
    }

    /// Whether `fd` is allocated (installed or reserved).
    pub fn is_allocated(&self, fd: Fd) -> bool {
        let n = fd.get();
        self.tree
            .leaf(n)
            .is_some_and(|leaf| leaf.open & bit((n & 63) as usize) != 0)
    }

    /// Whether `fd` is reserved: allocated but not installed.
    pub fn is_reserved(&self, fd: Fd) -> bool {
        self.is_allocated(fd) && self.get(fd).is_none()
    }

    /// Number of installed descriptors.
    pub fn len(&self) -> usize {
        self.installed as usize
    }

    /// Whether no descriptor is installed.
    pub fn is_empty(&self) -> bool {
        self.installed == 0
    }

    /// The reserved numbers, in no particular order.
    pub fn reserved(&self) -> &[u32] {
        &self.reserved
    }

    /// The capacity Linux's table would have now (`max_fds`): 64 at first, grown in
    /// Linux's steps by allocations and `dup2` targets, never shrunk.
    pub fn capacity(&self) -> u32 {
        self.capacity
    }

    /// The lowest unallocated number: what `dup`/`open` would return with no limit.
    pub fn lowest_free(&self) -> Fd {
        Fd::new(u32::try_from(self.exact_lowest_free()).unwrap_or(u32::MAX))
    }

    /// The lowest unallocated number, searched from `lowest_free` if not cached.
    #[inline]
    fn exact_lowest_free(&self) -> u64 {
        if self.lowest_exact {
            u64::from(self.lowest_free)
        } else {
            self.tree.lowest_free(u64::from(self.lowest_free))
        }
    }

    /// The lowest unallocated number ≥ `min`.
    pub fn lowest_free_from(&self, min: u32) -> u64 {
        if min <= self.lowest_free {
            self.exact_lowest_free()
        } else {
            self.tree.lowest_free(u64::from(min))
        }
    }

    /// The highest allocated number (installed or reserved).
    pub fn highest_allocated(&self) -> Option<Fd> {
        self.tree.last_open().map(|n| Fd::new(n as u32))
    }

    /// The highest allocated number below `end` (Linux `find_last_bit(open_fds,
    /// end)`), scanning back a 64-slot word at a time.
    fn last_allocated_below(&self, end: u32) -> Option<u32> {
        let mut end = end;
        while end > 0 {
            let base = (end - 1) & !63;
            if let Some(leaf) = self.tree.leaf(base) {
                let width = end - base;
                let mask = if width == 64 {
                    u64::MAX
                } else {
                    (1 << width) - 1
                };
                let bits = leaf.open & mask;
                if bits != 0 {
                    return Some(base + 63 - bits.leading_zeros());
                }
            }
            end = base;
        }
        None
    }

    /// Installed descriptors in increasing order, with their flags.
    pub fn iter(&self) -> Iter<'_, F, D> {
        Iter {
            table: self,
            next: 0,
            leaf: None,
        }
    }

    /// Heap bytes used by the table's own storage (entries' referents excluded).
    pub fn heap_bytes(&self) -> usize {
        self.tree.heap_bytes() + self.reserved.capacity() * core::mem::size_of::<u32>()
    }

    /// Linux `expand_files`: make room for `fd` or fail with `EMFILE`.
    fn expand(&mut self, fd: u32, nr_open: u32) -> Result<()> {
        if fd < self.capacity {
            return Ok(());
        }
        if fd >= nr_open {
            return Err(Errno::MFILE);
        }
        let grown = grown_capacity(u64::from(fd) + 1, nr_open)?;
        if grown <= fd {
            return Err(Errno::MFILE);
        }
        self.capacity = grown;
        Ok(())
    }

    /// After allocating `fd`, the lowest unallocated number (every number below it
    /// is allocated now): the next free number is the lowest of `free_above` (the
    /// free slots above `fd` in its leaf), or else somewhere past that leaf, found
    /// when next needed.
    #[inline]
    fn advance_lowest_free(&mut self, fd: u32, free_above: u64) {
        let leaf_base = u64::from(fd) & !63;
        if free_above != 0 {
            self.lowest_free = (leaf_base | u64::from(free_above.trailing_zeros())) as u32;
            self.lowest_exact = true;
        } else {
            self.lowest_free = u32::try_from(leaf_base + 64).unwrap_or(u32::MAX);
            self.lowest_exact = false;
        }
    }

    /// After freeing `n`: if every number below it was allocated, it is the lowest.
    #[inline]
    fn lower_lowest_free(&mut self, n: u32) {
        if n <= self.lowest_free {
            self.lowest_free = n;
            self.lowest_exact = true;
        }
    }

    fn recompute_lowest_free(&mut self) {
        self.lowest_free = u32::try_from(self.tree.lowest_free(0)).unwrap_or(u32::MAX);
        self.lowest_exact = true;
    }
}

impl<F: Clone, D: FdData> FdTable<F, D> {
    /// The embedder's data of an installed `fd`, for changing it (a leaf shared with
    /// a forked table is copied first), or `None` if `fd` is free or reserved.
    pub fn data_mut(&mut self, fd: Fd) -> Option<&mut D> {
        let n = fd.get();
        let installed = |leaf: &Leaf<F, D>, i: usize| leaf.slots[i].is_some();
        // Check before writing, so a lookup that fails never copies a shared leaf.
        self.tree
            .leaf(n)
            .filter(|leaf| installed(leaf, (n & 63) as usize))?;
        self.tree.leaf_for_write(n)?.slots[(n & 63) as usize]
            .as_mut()
            .map(|slot| &mut slot.data)
    }

    /// Allocates the lowest free number ≥ `start` below `limits.nofile` (Linux
    /// `alloc_fd`), with close-on-exec set as given, without installing anything.
    ///
    /// # Errors
    /// - `EMFILE`: no free number in `[start, nofile)`, or the table cannot grow to
    ///   the number found because of `nr_open`.
    pub fn reserve(&mut self, start: u32, cloexec: bool, limits: Limits) -> Result<Fd> {
        self.allocate(start, cloexec, limits, None)
    }

    /// [`FdTable::insert_from`] with the new descriptor's data given (instead of
    /// `D::default()`).
    ///
    /// # Errors
    /// - `EMFILE`: as [`FdTable::reserve`].
    pub fn insert_with_data(
        &mut self,
        start: u32,
        entry: F,
        data: D,
        cloexec: bool,
        limits: Limits,
    ) -> Result<Fd> {
        self.allocate(start, cloexec, limits, Some(Slot { entry, data }))
    }

    /// Linux `alloc_fd`, then `fd_install` when `entry` is given.
    fn allocate(
        &mut self,
        start: u32,
        cloexec: bool,
        limits: Limits,
        entry: Option<Slot<F, D>>,
    ) -> Result<Fd> {
        let from_lowest = start <= self.lowest_free;
        let fd = self.lowest_free_from(start);
        if fd >= u64::from(limits.nofile) {
            return Err(Errno::MFILE);
        }
        let fd = fd as u32;
        self.expand(fd, limits.nr_open)?;
        let installing = entry.is_some();
        let free_above = self.tree.update(fd, true, |leaf, i| {
            leaf.open |= bit(i);
            if cloexec {
                leaf.cloexec |= bit(i);
            } else {
                leaf.cloexec &= !bit(i);
            }
            leaf.slots[i] = entry;
            free_above(leaf, i)
        });
        if from_lowest {
            // `fd` was the lowest unallocated number.
            self.advance_lowest_free(fd, free_above.unwrap_or(0));
        }
        if installing {
            self.installed += 1;
        } else {
            self.reserved.push(fd);
        }
        Ok(Fd::new(fd))
    }

    /// Installs `entry` into the reserved number `fd` (Linux `fd_install`). Gives the
    /// entry back if `fd` is not reserved.
    pub fn install(&mut self, fd: Fd, entry: F) -> core::result::Result<(), F> {
        let Some(pos) = self.reserved.iter().position(|&r| r == fd.get()) else {
            return Err(entry);
        };
        self.reserved.swap_remove(pos);
        self.tree.update(fd.get(), false, |leaf, i| {
            leaf.slots[i] = Some(Slot::new(entry))
        });
        self.installed += 1;
        Ok(())
    }

    /// Releases a reservation that will not be installed, e.g. because the open failed
    /// (Linux `put_unused_fd`). Returns whether `fd` was reserved.
    pub fn unreserve(&mut self, fd: Fd) -> bool {
        let Some(pos) = self.reserved.iter().position(|&r| r == fd.get()) else {
            return false;
        };
        self.reserved.swap_remove(pos);
        self.free_slot(fd.get());
        true
    }

    /// Allocates the lowest free number ≥ `start` and installs `entry` there in one
    /// step: what every descriptor-creating call does once its object exists.
    ///
    /// # Errors
    /// - `EMFILE`: as [`FdTable::reserve`].
    pub fn insert_from(
        &mut self,
        start: u32,
        entry: F,
        cloexec: bool,
        limits: Limits,
    ) -> Result<Fd> {
        self.allocate(start, cloexec, limits, Some(Slot::new(entry)))
    }

    /// [`FdTable::insert_from`] with `start` 0: the lowest free number, as `open`,
    /// `socket`, `pipe` and `dup` allocate.
    ///
    /// # Errors
    /// - `EMFILE`: no free number below `limits.nofile`.
    pub fn insert(&mut self, entry: F, cloexec: bool, limits: Limits) -> Result<Fd> {
        self.insert_from(0, entry, cloexec, limits)
    }

    fn free_slot(&mut self, n: u32) -> Option<Slot<F, D>> {
        let taken = self.tree.update(n, false, |leaf, i| {
            leaf.open &= !bit(i);
            leaf.cloexec &= !bit(i);
            leaf.slots[i].take()
        })?;
        self.lower_lowest_free(n);
        taken
    }

    /// `dup(oldfd)` — duplicate to the lowest free number; the copy has close-on-exec
    /// clear.
    ///
    /// # Errors
    /// 1. `EBADF`: `old` is not installed (free, reserved, or out of range).
    ///    Then, not Linux's: the errno of the data's [`DataRule::Refuse`]
    ///    ([`FdData::ON_DUP`]; likewise for `dup2`, `dup3` and `F_DUPFD`).
    /// 2. `EMFILE`: no free number below `limits.nofile` (or beyond `nr_open`).
    ///
    /// # References
    /// [dup(2)](https://man7.org/linux/man-pages/man2/dup.2.html),
    /// [POSIX dup](https://pubs.opengroup.org/onlinepubs/9799919799/functions/dup.html)
    pub fn dup(&mut self, old: Fd, limits: Limits) -> Result<Fd> {
        let slot = self.duplicate(old)?;
        self.allocate(0, false, limits, Some(slot))
    }

    /// The slot a duplicate of `old` gets: its entry, and its data under
    /// [`FdData::ON_DUP`].
    ///
    /// # Errors
    /// 1. `EBADF`: `old` is not installed.
    /// 2. The errno of [`DataRule::Refuse`].
    #[inline]
    fn duplicate(&self, old: Fd) -> Result<Slot<F, D>> {
        let slot = self.slot(old).ok_or(Errno::BADF)?;
        Ok(Slot {
            entry: slot.entry.clone(),
            data: copied_data(&slot.data, D::ON_DUP)?,
        })
    }

    /// `dup2(oldfd, newfd)` — make `new` refer to `old`'s entry, closing what `new`
    /// held. Returns `new` and the displaced entry, which the caller drops (outside any
    /// lock): Linux closes it silently and ignores its errors.
    ///
    /// `dup2(x, x)` returns `x` with no limit check and no flag change when `x` is
    /// installed. Replacing an occupied `new` needs no free slot, so it works on a full
    /// table. The copy has close-on-exec clear.
    ///
    /// # Errors
    /// 1. `EBADF`: `old == new` and it is not installed.
    /// 2. `EBADF`: `new ≥ limits.nofile`.
    /// 3. `EBADF`: `old` is not installed (then a [`DataRule::Refuse`]).
    /// 4. `EBADF`: the table cannot grow to `new` (`nr_open`; Linux remaps `EMFILE`).
    /// 5. `EBUSY`: `new` is reserved by an open in flight.
    ///
    /// # References
    /// [dup2(2)](https://man7.org/linux/man-pages/man2/dup2.2.html)
    pub fn dup2(&mut self, old: Fd, new: Fd, limits: Limits) -> Result<(Fd, Option<F>)> {
        if old == new {
            return match self.get(old) {
                Some(_) => Ok((new, None)),
                None => Err(Errno::BADF),
            };
        }
        self.replace(old, new, false, limits)
    }

    /// `dup3(oldfd, newfd, flags)` — [`FdTable::dup2`] with the copy's close-on-exec
    /// taken from `flags` (raw; only `O_CLOEXEC` is valid) and `old == new` an error.
    ///
    /// # Errors
    /// 1. `EINVAL`: `flags` has a bit other than `O_CLOEXEC`.
    /// 2. `EINVAL`: `old == new`, whether or not it is open.
    /// 3. `EBADF`: `new ≥ limits.nofile`.
    /// 4. `EBADF`: `old` is not installed (then a [`DataRule::Refuse`]).
    /// 5. `EBADF`: the table cannot grow to `new` (`nr_open`).
    /// 6. `EBUSY`: `new` is reserved.
    ///
    /// # References
    /// [dup3(2)](https://man7.org/linux/man-pages/man2/dup3.2.html)
    pub fn dup3(
        &mut self,
        old: Fd,
        new: Fd,
        flags: u32,
        limits: Limits,
    ) -> Result<(Fd, Option<F>)> {
        let flags = DupFlags::from_bits(flags).ok_or(Errno::INVAL)?;
        if old == new {
            return Err(Errno::INVAL);
        }
        self.replace(old, new, flags.contains(DupFlags::CLOEXEC), limits)
    }

    /// Linux `ksys_dup3` after its flag and same-number checks.
    fn replace(
        &mut self,
        old: Fd,
        new: Fd,
        cloexec: bool,
        limits: Limits,
    ) -> Result<(Fd, Option<F>)> {
        let n = new.get();
        if n >= limits.nofile {
            return Err(Errno::BADF);
        }
        // Linux grows the table before looking at `old`, and keeps the error for later.
        let grown = self.expand(n, limits.nr_open);
        let entry = self.duplicate(old)?;
        grown.map_err(|_| Errno::BADF)?;
        // `reserved` lists exactly the reserved numbers (usually none).
        if self.reserved.contains(&n) {
            return Err(Errno::BUSY);
        }
        let (displaced, free_above) = self
            .tree
            .update(n, true, |leaf, i| {
                leaf.open |= bit(i);
                if cloexec {
                    leaf.cloexec |= bit(i);
                } else {
                    leaf.cloexec &= !bit(i);
                }
                (
                    leaf.slots[i].replace(entry).map(|slot| slot.entry),
                    free_above(leaf, i),
                )
            })
            .unwrap_or((None, 0));
        if displaced.is_none() {
            self.installed += 1;
        }
        if n == self.lowest_free {
            // Every number below `n` is allocated, and now `n` too.
            self.advance_lowest_free(n, free_above);
        }
        Ok((new, displaced))
    }

    /// `fcntl(oldfd, F_DUPFD, min)` — duplicate to the lowest free number ≥ `min`, with
    /// close-on-exec clear. `min` is the command argument truncated to `int` and read
    /// as unsigned, so a negative argument is a huge minimum.
    ///
    /// # Errors
    /// 1. `EBADF`: `old` is not installed (checked before the argument; then a
    ///    [`DataRule::Refuse`]).
    /// 2. `EINVAL`: `min ≥ limits.nofile`.
    /// 3. `EMFILE`: no free number in `[min, nofile)` (or beyond `nr_open`).
    ///
    /// # References
    /// [fcntl(2)](https://man7.org/linux/man-pages/man2/fcntl.2.html)
    pub fn fcntl_dupfd(&mut self, old: Fd, min: u32, limits: Limits) -> Result<Fd> {
        self.dupfd(old, min, false, limits)
    }

    /// `fcntl(oldfd, F_DUPFD_CLOEXEC, min)` — [`FdTable::fcntl_dupfd`] with
    /// close-on-exec set on the copy.
    ///
    /// # Errors
    /// As [`FdTable::fcntl_dupfd`].
    pub fn fcntl_dupfd_cloexec(&mut self, old: Fd, min: u32, limits: Limits) -> Result<Fd> {
        self.dupfd(old, min, true, limits)
    }

    fn dupfd(&mut self, old: Fd, min: u32, cloexec: bool, limits: Limits) -> Result<Fd> {
        let entry = self.duplicate(old)?;
        if min >= limits.nofile {
            return Err(Errno::INVAL);
        }
        self.allocate(min, cloexec, limits, Some(entry))
    }

    /// `fcntl(fd, F_GETFD)` — the descriptor flags: `FD_CLOEXEC` or nothing.
    ///
    /// # Errors
    /// - `EBADF`: `fd` is not installed.
    pub fn fcntl_getfd(&self, fd: Fd) -> Result<FdFlags> {
        self.fd_flags(fd).ok_or(Errno::BADF)
    }

    /// `fcntl(fd, F_SETFD, arg)` — set close-on-exec iff bit 0 (`FD_CLOEXEC`) of `arg`
    /// is set; every other bit is ignored.
    ///
    /// # Errors
    /// - `EBADF`: `fd` is not installed.
    pub fn fcntl_setfd(&mut self, fd: Fd, arg: u64) -> Result<()> {
        self.set_cloexec(fd, arg & 1 != 0)
    }

    /// Sets or clears close-on-exec on an installed `fd` (`F_SETFD`, `FIOCLEX`,
    /// `FIONCLEX`).
    ///
    /// # Errors
    /// - `EBADF`: `fd` is not installed.
    pub fn set_cloexec(&mut self, fd: Fd, on: bool) -> Result<()> {
        let n = fd.get();
        let done = self.tree.update(n, false, |leaf, i| {
            if leaf.slots[i].is_none() {
                return false;
            }
            if on {
                leaf.cloexec |= bit(i);
            } else {
                leaf.cloexec &= !bit(i);
            }
            true
        });
        if done == Some(true) {
            Ok(())
        } else {
            Err(Errno::BADF)
        }
    }

    /// `close(fd)` — free `fd` and return its entry, for the caller to drop outside
    /// any lock.
    ///
    /// # Errors
    /// - `EBADF`: `fd` is not installed (free, reserved, negative, or out of range).
    ///
    /// # References
    /// [close(2)](https://man7.org/linux/man-pages/man2/close.2.html)
    pub fn close(&mut self, fd: Fd) -> Result<F> {
        self.close_with_data(fd).map(|(entry, _)| entry)
    }

    /// [`FdTable::close`], handing back the descriptor's data with its entry.
    ///
    /// # Errors
    /// - `EBADF`: `fd` is not installed.
    pub fn close_with_data(&mut self, fd: Fd) -> Result<(F, D)> {
        let n = fd.get();
        // Checked before writing, so a failed close never copies a shared leaf.
        let installed = |leaf: &Leaf<F, D>, i: usize| leaf.slots[i].is_some();
        let entry = self
            .tree
            .update_if(n, false, installed, |leaf, i| {
                leaf.open &= !bit(i);
                leaf.cloexec &= !bit(i);
                leaf.slots[i].take()
            })
            .flatten()
            .ok_or(Errno::BADF)?;
        self.lower_lowest_free(n);
        self.installed -= 1;
        Ok((entry.entry, entry.data))
    }

    /// `close_range(first, last, flags)` on a table the caller holds exclusively (so
    /// `CLOSE_RANGE_UNSHARE` has nothing to unshare). Returns the closed entries.
    ///
    /// # Errors
    /// As [`CloseRange::new`].
    ///
    /// # References
    /// [close_range(2)](https://man7.org/linux/man-pages/man2/close_range.2.html)
    pub fn close_range(&mut self, first: u32, last: u32, flags: u32) -> Result<Vec<F>> {
        let request = CloseRange::new(first, last, flags)?;
        Ok(self.apply_close_range(&request))
    }

    /// Carries out a validated `close_range` on this table: with
    /// `CLOSE_RANGE_CLOEXEC`, sets close-on-exec on every allocated descriptor in the
    /// range; otherwise closes every installed one (reserved numbers are skipped, as
    /// Linux skips NULL slots). Cost is proportional to the descriptors in the range.
    pub fn apply_close_range(&mut self, request: &CloseRange) -> Vec<F> {
        let (lo, hi) = (u64::from(request.first), u64::from(request.last));
        let mut closed = Vec::new();
        if request.cloexec() {
            self.tree
                .update_range(lo, hi, Mark::Open, &mut |leaf, _base, range| {
                    leaf.cloexec |= leaf.open & range;
                });
            return closed;
        }
        self.tree
            .update_range(lo, hi, Mark::Open, &mut |leaf, _base, range| {
                take_installed(leaf, leaf.open & range, &mut closed);
            });
        self.installed -= closed.len() as u32;
        self.recompute_lowest_free();
        closed
    }

    /// The exec sweep (Linux `do_close_on_exec`): close every installed descriptor with
    /// close-on-exec and return the entries. Cost is proportional to the number of
    /// close-on-exec descriptors.
    pub fn close_on_exec(&mut self) -> Vec<F> {
        let mut closed = Vec::new();
        self.tree
            .update_range(0, u64::MAX, Mark::Cloexec, &mut |leaf, _base, range| {
                take_installed(leaf, leaf.cloexec & range, &mut closed);
            });
        self.installed -= closed.len() as u32;
        self.recompute_lowest_free();
        closed
    }

    /// Empties the table, as at exit (Linux `close_files`), returning the entries this
    /// table was the last to hold. Reservations are dropped.
    pub fn clear(&mut self) -> Vec<F> {
        let mut slots = Vec::with_capacity(self.installed as usize);
        self.tree.drain_all(&mut slots);
        *self = FdTable::with_data();
        slots.into_iter().map(|slot| slot.entry).collect()
    }

    /// The copy a child gets at `fork` without `CLONE_FILES` (Linux `dup_fd`): same
    /// numbers, same entries (open file descriptions are shared), same close-on-exec
    /// flags; reserved numbers are free in the copy. Descriptors at or above the
    /// child's limit are copied too.
    ///
    /// The copy is copy-on-write: O(number of leaves) pointer copies now, and a leaf
    /// is copied only when one side writes to it. The embedder's data follows
    /// [`FdData::ON_FORK`]: copied with the leaves, or reset in every descriptor of
    /// the copy (which then costs O(descriptors)).
    ///
    /// # Errors
    /// - `EMFILE`: the copy would need a table larger than `nr_open` allows (a
    ///   descriptor ≥ `nr_open` is open, `nr_open` having been lowered since).
    /// - Not Linux's: the errno of [`DataRule::Refuse`] when any descriptor is
    ///   installed.
    pub fn fork(&mut self, nr_open: u32) -> Result<FdTable<F, D>> {
        self.fork_with_max(u32::MAX, nr_open)
    }

    /// [`FdTable::fork`] copying only descriptors below `max_fds` (rounded up to
    /// Linux's 64-slot words, at least 64): the copy `close_range` with
    /// `CLOSE_RANGE_UNSHARE` makes when the rest is about to be closed anyway.
    ///
    /// # Errors
    /// As [`FdTable::fork`].
    pub fn fork_with_max(&mut self, max_fds: u32, nr_open: u32) -> Result<FdTable<F, D>> {
        // Linux sane_fdtable_size: whole words up to the last open one, capped.
        let count = self
            .tree
            .last_open()
            .map_or(64, |last| (last / 64 + 1) * 64);
        let cap = u64::from(max_fds.max(NR_OPEN_DEFAULT));
        let open_files = count.min(cap).div_ceil(64) * 64;
        let capacity = if open_files > u64::from(NR_OPEN_DEFAULT) {
            let grown = grown_capacity(open_files, nr_open)?;
            if u64::from(grown) < open_files {
                return Err(Errno::MFILE);
            }
            grown
        } else {
            NR_OPEN_DEFAULT
        };
        let mut child = FdTable {
            tree: self.tree.share(),
            lowest_free: self.lowest_free,
            lowest_exact: self.lowest_exact,
            capacity,
            installed: self.installed,
            reserved: Vec::new(),
        };
        for &fd in &self.reserved {
            child.free_slot(fd);
        }
        if open_files <= u64::from(u32::MAX) {
            let beyond = child.apply_close_range(&CloseRange {
                first: open_files as u32,
                last: u32::MAX,
                flags: CloseRangeFlags::empty(),
            });
            drop(beyond);
        }
        child.recompute_lowest_free();
        match D::ON_FORK {
            DataRule::Copy => {}
            DataRule::Reset => child.reset_data(),
            DataRule::Refuse(errno) if child.installed > 0 => return Err(errno),
            DataRule::Refuse(_) => {}
        }
        Ok(child)
    }

    /// Gives every installed descriptor `D::default()` (a fork under
    /// [`DataRule::Reset`]): unshares the leaves it touches.
    fn reset_data(&mut self) {
        self.tree
            .update_range(0, u64::MAX, Mark::Open, &mut |leaf, _base, range| {
                let mut bits = leaf.open & range;
                while bits != 0 {
                    let i = bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    if let Some(slot) = leaf.slots[i].as_mut() {
                        slot.data = D::default();
                    }
                }
            });
    }

    /// An exact copy, reservations included, sharing leaves copy-on-write (O(number
    /// of leaves)). For embedders that checkpoint state, e.g. to explore alternative
    /// orders of concurrent calls; not a Linux operation.
    pub fn snapshot(&mut self) -> FdTable<F, D> {
        FdTable {
            tree: self.tree.share(),
            lowest_free: self.lowest_free,
            lowest_exact: self.lowest_exact,
            capacity: self.capacity,
            installed: self.installed,
            reserved: self.reserved.clone(),
        }
    }
}

/// The free slots of `leaf` above slot `i`.
#[inline]
fn free_above<E>(leaf: &tree::Leaf<E>, i: usize) -> u64 {
    !leaf.open & (u64::MAX << i << 1)
}

/// Moves the installed entries of `mask` out of `leaf`, freeing their slots.
fn take_installed<F, D>(leaf: &mut Leaf<F, D>, mask: u64, out: &mut Vec<F>) {
    let mut bits = mask;
    while bits != 0 {
        let i = bits.trailing_zeros() as usize;
        bits &= bits - 1;
        if let Some(slot) = leaf.slots[i].take() {
            leaf.open &= !bit(i);
            leaf.cloexec &= !bit(i);
            out.push(slot.entry);
        }
    }
}

impl<F: core::fmt::Debug, D> core::fmt::Debug for FdTable<F, D> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let mut map = f.debug_map();
        for (fd, entry, flags) in self.iter() {
            map.entry(&fd.get(), &(entry, flags));
        }
        map.finish()
    }
}

/// Iterator over a table's installed descriptors; see [`FdTable::iter`].
pub struct Iter<'a, F, D = ()> {
    table: &'a FdTable<F, D>,
    /// Where the search for the next leaf starts.
    next: u64,
    /// The leaf being walked, its first number, and its allocated slots not yet
    /// visited: one tree descent per leaf, not per descriptor.
    leaf: Option<(&'a Leaf<F, D>, u64, u64)>,
}

impl<'a, F, D> Iterator for Iter<'a, F, D> {
    type Item = (Fd, &'a F, FdFlags);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some((leaf, base, bits)) = &mut self.leaf {
                if *bits != 0 {
                    let i = bits.trailing_zeros() as usize;
                    *bits &= *bits - 1;
                    // Reserved slots are allocated but hold no entry.
                    if let Some(Slot { entry, .. }) = leaf.slots[i].as_ref() {
                        let flags = if leaf.cloexec & bit(i) != 0 {
                            FdFlags::CLOEXEC
                        } else {
                            FdFlags::empty()
                        };
                        return Some((Fd::new((*base + i as u64) as u32), entry, flags));
                    }
                    continue;
                }
                self.leaf = None;
            }
            let n = self.table.tree.next_marked(self.next, Mark::Open)?;
            let base = n & !63;
            self.next = base + 64;
            let leaf = self.table.tree.leaf(base as u32)?;
            self.leaf = Some((leaf, base, leaf.open & (u64::MAX << (n & 63))));
        }
    }
}

#[cfg(test)]
mod tests;

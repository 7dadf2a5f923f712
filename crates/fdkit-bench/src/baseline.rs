//! Two descriptor tables a peer would write first, to show what the radix tree buys.
//!
//! Both store `Vec<Option<Slot<T>>>` indexed by descriptor number and differ only in
//! how they find the lowest free number:
//! - [`VecScan`] scans the vector from the minimum (Linux before 2.6 did this);
//! - [`BTreeFree`] keeps the free numbers below the vector's length in a `BTreeSet`
//!   and asks it for the first one ≥ the minimum.
//!
//! Bulk operations (`close_range`, the exec sweep) scan the slots in both, and `fork`
//! clones the vector. Limits and errno are left out: the benchmarks never hit them.

use std::collections::BTreeSet;

/// One occupied slot.
#[derive(Clone, Debug)]
pub struct Slot<T> {
    /// The entry (an open file description, for the benchmarks).
    pub entry: T,
    /// `FD_CLOEXEC`.
    pub cloexec: bool,
}

/// The operations the benchmarks run on a baseline table.
pub trait Table<T: Clone>: Clone {
    /// Installs `entry` at the lowest free number ≥ `min` and returns it.
    fn insert_from(&mut self, min: u32, entry: T, cloexec: bool) -> u32;
    /// The slot at `fd`.
    fn slot(&self, fd: u32) -> Option<&Slot<T>>;
    /// Installs `entry` at `fd`, returning what was there (`dup2`).
    fn replace(&mut self, fd: u32, entry: T, cloexec: bool) -> Option<T>;
    /// Frees `fd`, returning its entry.
    fn close(&mut self, fd: u32) -> Option<T>;
    /// Closes every descriptor in `[first, last]`.
    fn close_range(&mut self, first: u32, last: u32) -> Vec<T>;
    /// Closes every close-on-exec descriptor.
    fn close_on_exec(&mut self) -> Vec<T>;
    /// Heap bytes of the table's own storage.
    fn heap_bytes(&self) -> usize;

    /// `dup(old)`.
    fn dup(&mut self, old: u32) -> Option<u32> {
        let entry = self.slot(old)?.entry.clone();
        Some(self.insert_from(0, entry, false))
    }
}

fn scan_close<T>(slots: &mut [Option<Slot<T>>], pick: impl Fn(&Slot<T>) -> bool) -> Vec<T> {
    let mut out = Vec::new();
    for slot in slots.iter_mut() {
        if slot.as_ref().is_some_and(&pick) {
            out.extend(slot.take().map(|s| s.entry));
        }
    }
    out
}

fn slot_bytes<T>(n: usize) -> usize {
    n * std::mem::size_of::<Option<Slot<T>>>()
}

/// Lowest free by a linear scan of `Vec<Option<Slot<T>>>`.
#[derive(Clone, Debug)]
pub struct VecScan<T> {
    slots: Vec<Option<Slot<T>>>,
}

impl<T> Default for VecScan<T> {
    fn default() -> Self {
        VecScan { slots: Vec::new() }
    }
}

impl<T: Clone> Table<T> for VecScan<T> {
    fn insert_from(&mut self, min: u32, entry: T, cloexec: bool) -> u32 {
        let min = min as usize;
        let fd = self
            .slots
            .iter()
            .skip(min)
            .position(Option::is_none)
            .map_or(self.slots.len().max(min), |i| min + i);
        if fd >= self.slots.len() {
            self.slots.resize_with(fd + 1, || None);
        }
        self.slots[fd] = Some(Slot { entry, cloexec });
        fd as u32
    }

    fn slot(&self, fd: u32) -> Option<&Slot<T>> {
        self.slots.get(fd as usize)?.as_ref()
    }

    fn replace(&mut self, fd: u32, entry: T, cloexec: bool) -> Option<T> {
        let fd = fd as usize;
        if fd >= self.slots.len() {
            self.slots.resize_with(fd + 1, || None);
        }
        self.slots[fd]
            .replace(Slot { entry, cloexec })
            .map(|s| s.entry)
    }

    fn close(&mut self, fd: u32) -> Option<T> {
        self.slots.get_mut(fd as usize)?.take().map(|s| s.entry)
    }

    fn close_range(&mut self, first: u32, last: u32) -> Vec<T> {
        let end = (last as usize).saturating_add(1).min(self.slots.len());
        let start = (first as usize).min(end);
        scan_close(&mut self.slots[start..end], |_| true)
    }

    fn close_on_exec(&mut self) -> Vec<T> {
        scan_close(&mut self.slots, |s| s.cloexec)
    }

    fn heap_bytes(&self) -> usize {
        slot_bytes::<T>(self.slots.capacity())
    }
}

/// Lowest free from a `BTreeSet` of the free numbers below the vector's length.
#[derive(Clone, Debug)]
pub struct BTreeFree<T> {
    slots: Vec<Option<Slot<T>>>,
    free: BTreeSet<u32>,
}

impl<T> Default for BTreeFree<T> {
    fn default() -> Self {
        BTreeFree {
            slots: Vec::new(),
            free: BTreeSet::new(),
        }
    }
}

impl<T: Clone> Table<T> for BTreeFree<T> {
    fn insert_from(&mut self, min: u32, entry: T, cloexec: bool) -> u32 {
        let fd = match self.free.range(min..).next().copied() {
            Some(fd) => {
                self.free.remove(&fd);
                fd
            }
            None => {
                let len = self.slots.len() as u32;
                self.free.extend(len..min);
                self.slots.resize_with(len.max(min) as usize + 1, || None);
                len.max(min)
            }
        };
        self.slots[fd as usize] = Some(Slot { entry, cloexec });
        fd
    }

    fn slot(&self, fd: u32) -> Option<&Slot<T>> {
        self.slots.get(fd as usize)?.as_ref()
    }

    fn replace(&mut self, fd: u32, entry: T, cloexec: bool) -> Option<T> {
        let len = self.slots.len() as u32;
        if fd >= len {
            self.free.extend(len..fd);
            self.slots.resize_with(fd as usize + 1, || None);
        } else {
            self.free.remove(&fd);
        }
        self.slots[fd as usize]
            .replace(Slot { entry, cloexec })
            .map(|s| s.entry)
    }

    fn close(&mut self, fd: u32) -> Option<T> {
        let entry = self.slots.get_mut(fd as usize)?.take()?.entry;
        self.free.insert(fd);
        Some(entry)
    }

    fn close_range(&mut self, first: u32, last: u32) -> Vec<T> {
        let end = (last as usize).saturating_add(1).min(self.slots.len());
        let start = (first as usize).min(end);
        let mut out = Vec::new();
        for fd in start..end {
            out.extend(self.close(fd as u32));
        }
        out
    }

    fn close_on_exec(&mut self) -> Vec<T> {
        let mut out = Vec::new();
        for fd in 0..self.slots.len() as u32 {
            if self.slot(fd).is_some_and(|s| s.cloexec) {
                out.extend(self.close(fd));
            }
        }
        out
    }

    fn heap_bytes(&self) -> usize {
        // A BTreeSet<u32> node holds 11 keys in about 64 bytes (leaf) — count 6 bytes
        // per free number, a lower bound.
        slot_bytes::<T>(self.slots.capacity()) + self.free.len() * 6
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check<B: Table<u32> + Default>() {
        let mut t = B::default();
        for i in 0..10 {
            assert_eq!(t.insert_from(0, i, i % 2 == 0), i);
        }
        assert_eq!(t.close(4), Some(4));
        assert_eq!(t.close(7), Some(7));
        assert_eq!(t.insert_from(5, 70, false), 7, "insert_from(5): want 7");
        assert_eq!(t.dup(1), Some(4));
        assert_eq!(t.insert_from(20, 20, false), 20);
        assert_eq!(t.insert_from(0, 10, false), 10);
        assert_eq!(t.replace(3, 30, true), Some(3));
        let mut swept = t.close_on_exec();
        swept.sort_unstable();
        assert_eq!(swept, vec![0, 2, 6, 8, 30]);
        let mut closed = t.close_range(9, u32::MAX);
        closed.sort_unstable();
        assert_eq!(closed, vec![9, 10, 20]);
        assert_eq!(t.insert_from(0, 0, false), 0);
    }

    #[test]
    fn vec_scan_allocates_lowest_free() {
        check::<VecScan<u32>>();
    }

    #[test]
    fn btree_free_allocates_lowest_free() {
        check::<BTreeFree<u32>>();
    }
}

//! The storage behind [`FdTable`](super::FdTable): a sparse 64-ary radix tree of
//! descriptor slots with summary bitmaps at every level.
//!
//! Read this first: a **leaf** holds 64 consecutive slots and two words, `open` (slot
//! allocated: installed or reserved) and `cloexec` (always a subset of `open`). An
//! **inner node** at level `k` has 64 children, each covering `64^k` slots, and three
//! summary words with one bit per child:
//! - `full`: every slot under the child is allocated (an absent child is not full);
//! - `open`: at least one slot under the child is allocated;
//! - `cloexec`: at least one slot under the child has close-on-exec.
//!
//! Searches descend only where a summary bit promises a hit, so "lowest free ≥ n",
//! "next open ≥ n" and "next close-on-exec ≥ n" cost O(height) = O(log₆₄ n) word
//! operations, each one `tzcnt`. Unlike Linux's single `full_fds_bits` level, a search
//! that finds nothing in the start word moves to the *next* word's summary, so there is
//! no linear corner case (see the semantics reference, §1.2).
//!
//! Leaves are copy-on-write: a leaf is either owned (`Box`, mutated in place with no
//! atomic operation) or shared with forked tables (`Arc`). Writing to a shared leaf
//! first takes it back if this table is the last holder, else copies it, cloning each
//! entry. An entry is therefore referenced once per leaf *instance*, and it is dropped
//! exactly when no table reaches it any more: the moment Linux's last `fput` happens.
//! Inner nodes are always owned and are copied at fork; there is one per 4096 slots.
//!
//! Empty subtrees are freed (except the leaf holding descriptors 0-63), so memory
//! follows the number of open descriptors, never the largest number ever used.

use std::sync::Arc;

/// log₂ of the fan-out.
pub(crate) const SHIFT: u32 = 6;
/// Slots per leaf, children per inner node.
pub(crate) const FANOUT: usize = 1 << SHIFT;
const LOW: u64 = (FANOUT as u64) - 1;
/// The tallest tree ever needed: height 5 covers 64^6 = 2^36 > 2^32 slots.
pub(crate) const MAX_HEIGHT: u32 = 5;

/// 64 consecutive descriptor slots.
#[derive(Clone)]
pub(crate) struct Leaf<F> {
    /// Bit i: slot i is allocated (installed or reserved).
    pub(crate) open: u64,
    /// Bit i: slot i has `FD_CLOEXEC`. Invariant: `cloexec & !open == 0`.
    pub(crate) cloexec: u64,
    /// `Some` for installed slots; `None` for free and reserved ones.
    pub(crate) slots: [Option<F>; FANOUT],
}

impl<F> Leaf<F> {
    fn new() -> Self {
        Leaf {
            open: 0,
            cloexec: 0,
            slots: [const { None }; FANOUT],
        }
    }

    fn summary(&self) -> Summary {
        Summary {
            full: self.open == u64::MAX,
            open: self.open != 0,
            cloexec: self.cloexec != 0,
        }
    }
}

/// An inner node: 64 children and one summary bit per child in each word.
pub(crate) struct Inner<F> {
    full: u64,
    open: u64,
    cloexec: u64,
    children: [Option<Node<F>>; FANOUT],
}

impl<F> Inner<F> {
    fn new() -> Self {
        Inner {
            full: 0,
            open: 0,
            cloexec: 0,
            children: [const { None }; FANOUT],
        }
    }

    fn summary(&self) -> Summary {
        Summary {
            full: self.full == u64::MAX,
            open: self.open != 0,
            cloexec: self.cloexec != 0,
        }
    }

    fn set_summary(&mut self, idx: usize, s: Summary) {
        let bit = 1u64 << idx;
        let put = |word: &mut u64, on: bool| {
            if on {
                *word |= bit
            } else {
                *word &= !bit
            }
        };
        put(&mut self.full, s.full);
        put(&mut self.open, s.open);
        put(&mut self.cloexec, s.cloexec);
    }

    /// Records child `idx`'s new state, freeing it when nothing under it is allocated
    /// (unless it is the leaf of descriptors 0-63, kept to avoid churn).
    fn refresh(&mut self, idx: usize, keep: bool) {
        let s = node_summary(&self.children[idx]);
        if !s.open && !keep {
            self.children[idx] = None;
        }
        self.set_summary(idx, s);
    }

    fn deep_clone(&mut self) -> Self
    where
        F: Clone,
    {
        let mut copy = Inner {
            full: self.full,
            open: self.open,
            cloexec: self.cloexec,
            children: [const { None }; FANOUT],
        };
        for (dst, src) in copy.children.iter_mut().zip(self.children.iter_mut()) {
            *dst = share_slot(src);
        }
        copy
    }
}

/// A child pointer. The variant matches the level: leaves at level 0, inner above.
pub(crate) enum Node<F> {
    /// A leaf only this table reaches: mutated in place.
    Owned(Box<Leaf<F>>),
    /// A leaf possibly reached by forked tables too: copied before writing.
    Shared(Arc<Leaf<F>>),
    /// An inner node (always owned by one table).
    Inner(Box<Inner<F>>),
}

impl<F> Node<F> {
    fn summary(&self) -> Summary {
        match self {
            Node::Owned(l) => l.summary(),
            Node::Shared(l) => l.summary(),
            Node::Inner(i) => i.summary(),
        }
    }
}

/// One child's state as seen by its parent.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Summary {
    pub(crate) full: bool,
    pub(crate) open: bool,
    pub(crate) cloexec: bool,
}

const ABSENT: Summary = Summary {
    full: false,
    open: false,
    cloexec: false,
};

fn node_summary<F>(node: &Option<Node<F>>) -> Summary {
    node.as_ref().map_or(ABSENT, Node::summary)
}

/// Which summary a walk follows.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Mark {
    /// Allocated slots (installed or reserved).
    Open,
    /// Slots with close-on-exec.
    Cloexec,
}

impl Mark {
    fn leaf_word<F>(self, leaf: &Leaf<F>) -> u64 {
        match self {
            Mark::Open => leaf.open,
            Mark::Cloexec => leaf.cloexec,
        }
    }

    fn inner_word<F>(self, inner: &Inner<F>) -> u64 {
        match self {
            Mark::Open => inner.open,
            Mark::Cloexec => inner.cloexec,
        }
    }
}

/// Number of slots a node at `level` covers, as a shift.
fn span_shift(level: u32) -> u32 {
    SHIFT * (level + 1)
}

/// Bits of `word` at positions ≥ `from` (from ≤ 64).
fn bits_from(word: u64, from: u64) -> u64 {
    if from >= 64 {
        0
    } else {
        word & (u64::MAX << from)
    }
}

/// Bits of `word` at positions ≤ `to` (to < 64).
fn bits_to(word: u64, to: u64) -> u64 {
    word & (u64::MAX >> (63 - to))
}

/// The root of a tree and its height (0: the root is a leaf).
pub(crate) struct Tree<F> {
    root: Option<Node<F>>,
    height: u32,
}

impl<F> Tree<F> {
    pub(crate) const fn new() -> Self {
        Tree {
            root: None,
            height: 0,
        }
    }

    /// Number of slots the current height covers.
    pub(crate) fn span(&self) -> u64 {
        1u64 << span_shift(self.height)
    }

    /// The leaf holding `fd`, if it exists.
    #[inline]
    pub(crate) fn leaf(&self, fd: u32) -> Option<&Leaf<F>> {
        let fd = u64::from(fd);
        if fd >= self.span() {
            return None;
        }
        let mut node = self.root.as_ref()?;
        let mut level = self.height;
        loop {
            match node {
                Node::Owned(l) => return Some(l),
                Node::Shared(l) => return Some(l),
                Node::Inner(i) => {
                    let idx = ((fd >> (SHIFT * level)) & LOW) as usize;
                    node = i.children[idx].as_ref()?;
                    level -= 1;
                }
            }
        }
    }

    /// The lowest unallocated slot ≥ `from`. Slots beyond the tree are unallocated.
    pub(crate) fn lowest_free(&self, from: u64) -> u64 {
        if from >= self.span() {
            return from;
        }
        find_free(self.root.as_ref(), self.height, from).unwrap_or(self.span())
    }

    /// The lowest slot ≥ `from` carrying `mark`.
    pub(crate) fn next_marked(&self, from: u64, mark: Mark) -> Option<u64> {
        if from >= self.span() {
            return None;
        }
        find_marked(self.root.as_ref()?, self.height, from, mark)
    }

    /// The highest allocated slot.
    pub(crate) fn last_open(&self) -> Option<u64> {
        find_last_open(self.root.as_ref()?, self.height)
    }

    /// Grows the tree until it covers `fd`.
    fn grow_to(&mut self, fd: u64) {
        while fd >= self.span() && self.height < MAX_HEIGHT {
            let old = self.root.take();
            self.height += 1;
            if let Some(old) = old {
                let mut inner = Inner::new();
                inner.set_summary(0, old.summary());
                inner.children[0] = Some(old);
                self.root = Some(Node::Inner(Box::new(inner)));
            }
        }
    }

    /// Runs `f` on the leaf holding `fd` and the slot index in it, creating the path
    /// when `create` is set; summaries are brought up to date on the way back.
    /// Returns `None` when the leaf does not exist and `create` is not set.
    #[inline]
    pub(crate) fn update<R>(
        &mut self,
        fd: u32,
        create: bool,
        f: impl FnOnce(&mut Leaf<F>, usize) -> R,
    ) -> Option<R>
    where
        F: Clone,
    {
        let fd = u64::from(fd);
        if fd >= self.span() {
            if !create {
                return None;
            }
            self.grow_to(fd);
        }
        let r = update_node(&mut self.root, self.height, 0, fd, create, f);
        if let Some(Node::Inner(_)) = &self.root {
            if !node_summary(&self.root).open {
                self.root = None;
            }
        }
        r
    }

    /// Calls `f` on every leaf that has a slot in `[lo, hi]` carrying `mark`, with the
    /// leaf's base descriptor and the mask of slots in range. Summaries and freeing
    /// are handled as in [`Tree::update`].
    pub(crate) fn update_range(
        &mut self,
        lo: u64,
        hi: u64,
        mark: Mark,
        f: &mut dyn FnMut(&mut Leaf<F>, u64, u64),
    ) where
        F: Clone,
    {
        let hi = hi.min(self.span() - 1);
        if lo > hi {
            return;
        }
        update_range_node(&mut self.root, self.height, 0, lo, hi, mark, f);
        if let Some(Node::Inner(_)) = &self.root {
            if !node_summary(&self.root).open {
                self.root = None;
            }
        }
    }

    /// A copy-on-write copy (for fork): O(number of nodes) pointer copies, no entry is
    /// cloned.
    pub(crate) fn share(&mut self) -> Tree<F>
    where
        F: Clone,
    {
        Tree {
            root: share_slot(&mut self.root),
            height: self.height,
        }
    }

    /// Removes every installed entry, for exit. Entries in leaves still shared with
    /// another table are left to that table (they are not this table's to release).
    pub(crate) fn drain_all(&mut self, out: &mut Vec<F>) {
        if let Some(root) = self.root.take() {
            drain_node(root, out);
        }
        self.height = 0;
    }

    /// Approximate heap bytes used by the nodes this tree owns or shares.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.root.as_ref().map_or(0, node_bytes)
    }
}

fn node_bytes<F>(node: &Node<F>) -> usize {
    match node {
        Node::Owned(_) | Node::Shared(_) => std::mem::size_of::<Leaf<F>>(),
        Node::Inner(i) => {
            std::mem::size_of::<Inner<F>>()
                + i.children.iter().flatten().map(node_bytes).sum::<usize>()
        }
    }
}

fn find_free<F>(node: Option<&Node<F>>, level: u32, from: u64) -> Option<u64> {
    let Some(node) = node else {
        return Some(from);
    };
    match node {
        Node::Owned(l) => leaf_free(l, from),
        Node::Shared(l) => leaf_free(l, from),
        Node::Inner(i) => {
            let shift = SHIFT * level;
            let idx = from >> shift;
            let sub = from & ((1u64 << shift) - 1);
            if i.full & (1 << idx) == 0 {
                if let Some(r) = find_free(i.children[idx as usize].as_ref(), level - 1, sub) {
                    return Some((idx << shift) | r);
                }
            }
            let later = bits_from(!i.full, idx + 1);
            if later == 0 {
                return None;
            }
            let j = u64::from(later.trailing_zeros());
            find_free(i.children[j as usize].as_ref(), level - 1, 0).map(|r| (j << shift) | r)
        }
    }
}

fn leaf_free<F>(leaf: &Leaf<F>, from: u64) -> Option<u64> {
    let free = bits_from(!leaf.open, from);
    (free != 0).then(|| u64::from(free.trailing_zeros()))
}

fn find_marked<F>(node: &Node<F>, level: u32, from: u64, mark: Mark) -> Option<u64> {
    match node {
        Node::Owned(l) => leaf_marked(l, from, mark),
        Node::Shared(l) => leaf_marked(l, from, mark),
        Node::Inner(i) => {
            let shift = SHIFT * level;
            let idx = from >> shift;
            let sub = from & ((1u64 << shift) - 1);
            let word = mark.inner_word(i);
            if word & (1 << idx) != 0 {
                if let Some(child) = &i.children[idx as usize] {
                    if let Some(r) = find_marked(child, level - 1, sub, mark) {
                        return Some((idx << shift) | r);
                    }
                }
            }
            let later = bits_from(word, idx + 1);
            if later == 0 {
                return None;
            }
            let j = u64::from(later.trailing_zeros());
            let child = i.children[j as usize].as_ref()?;
            find_marked(child, level - 1, 0, mark).map(|r| (j << shift) | r)
        }
    }
}

fn leaf_marked<F>(leaf: &Leaf<F>, from: u64, mark: Mark) -> Option<u64> {
    let bits = bits_from(mark.leaf_word(leaf), from);
    (bits != 0).then(|| u64::from(bits.trailing_zeros()))
}

fn find_last_open<F>(node: &Node<F>, level: u32) -> Option<u64> {
    match node {
        Node::Owned(l) => leaf_last(l),
        Node::Shared(l) => leaf_last(l),
        Node::Inner(i) => {
            if i.open == 0 {
                return None;
            }
            let j = 63 - u64::from(i.open.leading_zeros());
            let child = i.children[j as usize].as_ref()?;
            find_last_open(child, level - 1).map(|r| (j << (SHIFT * level)) | r)
        }
    }
}

fn leaf_last<F>(leaf: &Leaf<F>) -> Option<u64> {
    (leaf.open != 0).then(|| 63 - u64::from(leaf.open.leading_zeros()))
}

/// A copy of `slot` for a forked table: leaves become shared (converted once), inner
/// nodes are copied.
fn share_slot<F: Clone>(slot: &mut Option<Node<F>>) -> Option<Node<F>> {
    if let Some(Node::Owned(_)) = slot {
        if let Some(Node::Owned(leaf)) = slot.take() {
            *slot = Some(Node::Shared(Arc::from(leaf)));
        }
    }
    match slot.as_mut()? {
        Node::Shared(leaf) => Some(Node::Shared(Arc::clone(leaf))),
        Node::Inner(inner) => Some(Node::Inner(Box::new(inner.deep_clone()))),
        Node::Owned(_) => unreachable!("converted to Shared above"),
    }
}

/// Mutable access to the leaf in `slot`, taking a shared leaf back (when this table is
/// its last holder) or copying it first. `slot` must hold a leaf.
fn leaf_mut<F: Clone>(slot: &mut Option<Node<F>>) -> &mut Leaf<F> {
    if let Some(Node::Shared(_)) = slot {
        if let Some(Node::Shared(arc)) = slot.take() {
            let leaf = Arc::try_unwrap(arc).unwrap_or_else(|arc| (*arc).clone());
            *slot = Some(Node::Owned(Box::new(leaf)));
        }
    }
    match slot {
        Some(Node::Owned(leaf)) => leaf,
        _ => unreachable!("leaf_mut is only called on level-0 slots holding a leaf"),
    }
}

fn new_node<F>(level: u32) -> Node<F> {
    if level == 0 {
        Node::Owned(Box::new(Leaf::new()))
    } else {
        Node::Inner(Box::new(Inner::new()))
    }
}

fn update_node<F: Clone, R>(
    slot: &mut Option<Node<F>>,
    level: u32,
    base: u64,
    rel: u64,
    create: bool,
    f: impl FnOnce(&mut Leaf<F>, usize) -> R,
) -> Option<R> {
    if slot.is_none() {
        if !create {
            return None;
        }
        *slot = Some(new_node(level));
    }
    if level == 0 {
        return Some(f(leaf_mut(slot), rel as usize));
    }
    let Some(Node::Inner(inner)) = slot else {
        unreachable!("inner levels hold inner nodes")
    };
    let shift = SHIFT * level;
    let idx = (rel >> shift) as usize;
    let child_base = base | ((idx as u64) << shift);
    let r = update_node(
        &mut inner.children[idx],
        level - 1,
        child_base,
        rel & ((1u64 << shift) - 1),
        create,
        f,
    );
    inner.refresh(idx, level == 1 && child_base == 0);
    r
}

fn update_range_node<F: Clone>(
    slot: &mut Option<Node<F>>,
    level: u32,
    base: u64,
    lo: u64,
    hi: u64,
    mark: Mark,
    f: &mut dyn FnMut(&mut Leaf<F>, u64, u64),
) {
    if level == 0 {
        // lo and hi are relative to this leaf and within 0..64.
        let range = bits_from(bits_to(u64::MAX, hi), lo);
        let hit = match slot {
            Some(Node::Owned(l)) => mark.leaf_word(l) & range,
            Some(Node::Shared(l)) => mark.leaf_word(l) & range,
            _ => 0,
        };
        if hit != 0 {
            f(leaf_mut(slot), base, range);
        }
        return;
    }
    let Some(Node::Inner(inner)) = slot else {
        return;
    };
    let shift = SHIFT * level;
    let sub_mask = (1u64 << shift) - 1;
    let (first, last) = (lo >> shift, hi >> shift);
    let mut candidates = bits_from(bits_to(mark.inner_word(inner), last), first);
    while candidates != 0 {
        let j = u64::from(candidates.trailing_zeros());
        candidates &= candidates - 1;
        let child_lo = if j == first { lo & sub_mask } else { 0 };
        let child_hi = if j == last { hi & sub_mask } else { sub_mask };
        let child_base = base | (j << shift);
        update_range_node(
            &mut inner.children[j as usize],
            level - 1,
            child_base,
            child_lo,
            child_hi,
            mark,
            f,
        );
        inner.refresh(j as usize, level == 1 && child_base == 0);
    }
}

fn drain_node<F>(node: Node<F>, out: &mut Vec<F>) {
    match node {
        Node::Owned(leaf) => out.extend(leaf.slots.into_iter().flatten()),
        // `into_inner` hands the leaf to exactly one of its last holders, even when
        // several tables exit at once, so every entry is released exactly once.
        Node::Shared(arc) => {
            if let Some(leaf) = Arc::into_inner(arc) {
                out.extend(leaf.slots.into_iter().flatten());
            }
        }
        Node::Inner(inner) => {
            for child in inner.children.into_iter().flatten() {
                drain_node(child, out);
            }
        }
    }
}

/// Slot mask helper for callers: the bit of slot `i` in a leaf word.
#[inline]
pub(crate) fn bit(i: usize) -> u64 {
    1u64 << i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alloc(t: &mut Tree<u32>, fd: u32) {
        t.update(fd, true, |leaf, i| {
            leaf.open |= bit(i);
            leaf.slots[i] = Some(fd);
        });
    }

    fn free(t: &mut Tree<u32>, fd: u32) {
        t.update(fd, false, |leaf, i| {
            leaf.open &= !bit(i);
            leaf.cloexec &= !bit(i);
            leaf.slots[i] = None;
        });
    }

    #[test]
    fn lowest_free_skips_full_words_at_every_level() {
        let mut t = Tree::new();
        for fd in 0..5000 {
            alloc(&mut t, fd);
        }
        assert_eq!(t.lowest_free(0), 5000);
        free(&mut t, 70);
        assert_eq!(t.lowest_free(0), 70);
        assert_eq!(t.lowest_free(71), 5000);
        // Linux's corner case: a hole just below the start in the start's word.
        free(&mut t, 4094);
        assert_eq!(t.lowest_free(4095), 5000);
        assert_eq!(t.lowest_free(4094), 4094);
    }

    #[test]
    fn sparse_high_descriptor_allocates_one_path() {
        let mut t = Tree::new();
        alloc(&mut t, 0);
        alloc(&mut t, 1_000_000);
        assert!(t.heap_bytes() < 8 * 1024, "{} bytes", t.heap_bytes());
        assert_eq!(t.last_open(), Some(1_000_000));
        assert_eq!(t.next_marked(1, Mark::Open), Some(1_000_000));
        free(&mut t, 1_000_000);
        assert_eq!(t.last_open(), Some(0));
        assert!(t.heap_bytes() < 8 * 1024);
    }

    #[test]
    fn top_of_the_number_space() {
        let mut t = Tree::new();
        let top = u32::MAX;
        alloc(&mut t, top);
        assert_eq!(t.last_open(), Some(u64::from(top)));
        assert!(t.leaf(top).is_some());
        assert_eq!(t.lowest_free(u64::from(top)), u64::from(top) + 1);
    }

    #[test]
    fn shared_leaves_copy_on_write() {
        let mut a = Tree::new();
        for fd in 0..10 {
            alloc(&mut a, fd);
        }
        let mut b = a.share();
        free(&mut b, 3);
        assert!(a.leaf(3).unwrap().slots[3].is_some());
        assert!(b.leaf(3).unwrap().slots[3].is_none());
        let mut out = Vec::new();
        a.drain_all(&mut out);
        assert_eq!(out.len(), 10);
    }
}

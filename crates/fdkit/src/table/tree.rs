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
//! follows the number of open descriptors, never the largest number ever used; one
//! emptied leaf is kept as a spare for the next leaf created.
//!
//! Writes ([`Tree::update`]) walk down without recursion, change the leaf, and walk
//! back up only if the leaf's summary changed, stopping at the first ancestor whose
//! own summary did not: most writes touch one leaf and nothing else. The walk up
//! re-descends from the root for each level (at most 5), which is cheaper than
//! keeping the path, since safe Rust cannot hold `&mut` to every node on it.

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;

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

    #[inline]
    fn summary(&self) -> Summary {
        Summary::of(self.open == u64::MAX, self.open, self.cloexec)
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

    #[inline]
    fn summary(&self) -> Summary {
        Summary::of(self.full == u64::MAX, self.open, self.cloexec)
    }

    /// Records child `idx`'s summary in the three words (branch-free).
    #[inline]
    fn set_summary(&mut self, idx: usize, s: Summary) {
        let keep = !(1u64 << idx);
        let bit = |flag: u8| u64::from((s.0 & flag) != 0) << idx;
        self.full = (self.full & keep) | bit(Summary::FULL);
        self.open = (self.open & keep) | bit(Summary::OPEN);
        self.cloexec = (self.cloexec & keep) | bit(Summary::CLOEXEC);
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
            if src.is_some() {
                *dst = share_slot(src);
            }
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

/// One child's state as seen by its parent, as bits: [`Summary::FULL`] (every slot
/// under it allocated; an absent child is not full), [`Summary::OPEN`] (some slot
/// allocated), [`Summary::CLOEXEC`] (some slot close-on-exec).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Summary(u8);

impl Summary {
    const FULL: u8 = 1;
    const OPEN: u8 = 2;
    const CLOEXEC: u8 = 4;
    /// An absent child: nothing allocated.
    const ABSENT: Summary = Summary(0);

    #[inline]
    fn of(full: bool, open: u64, cloexec: u64) -> Summary {
        Summary(
            (u8::from(full) * Summary::FULL)
                | (u8::from(open != 0) * Summary::OPEN)
                | (u8::from(cloexec != 0) * Summary::CLOEXEC),
        )
    }

    /// Whether some slot under the child is allocated.
    #[inline]
    pub(crate) fn open(self) -> bool {
        self.0 & Summary::OPEN != 0
    }
}

fn node_summary<F>(node: &Option<Node<F>>) -> Summary {
    node.as_ref().map_or(Summary::ABSENT, Node::summary)
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
    /// The last leaf freed, kept empty for the next one created, so a descriptor
    /// opened and closed again just past a leaf boundary (a dense table of 64·k, or
    /// `F_DUPFD` past its end) does not allocate each time. Counted in `heap_bytes`.
    spare: Option<Box<Leaf<F>>>,
}

/// Whether the child on `fd`'s path below an inner node at `level` is kept even when
/// empty: only the leaf of descriptors 0-63, to avoid churn in small tables.
#[inline]
fn kept(level: u32, fd: u64) -> bool {
    level == 1 && fd >> SHIFT == 0
}

/// The child index of `fd` in an inner node at `level` (≥ 1).
#[inline]
fn digit(fd: u64, level: u32) -> usize {
    ((fd >> (SHIFT * level)) & LOW) as usize
}

impl<F> Tree<F> {
    pub(crate) const fn new() -> Self {
        Tree {
            root: None,
            height: 0,
            spare: None,
        }
    }

    /// Number of slots the current height covers.
    pub(crate) fn span(&self) -> u64 {
        1u64 << span_shift(self.height)
    }

    /// The leaf holding `fd`, if it exists.
    #[inline]
    pub(crate) fn leaf(&self, fd: u32) -> Option<&Leaf<F>> {
        if fd < 64 && self.height == 0 {
            return self.root.as_ref()?.as_leaf();
        }
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
        match &self.root {
            None => from,
            Some(root) => find_free(root, self.height, from).unwrap_or(self.span()),
        }
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
    /// when `create` is set; summaries are brought up to date afterwards, and only as
    /// far up as they change. Returns `None` when the leaf does not exist and `create`
    /// is not set.
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
        self.update_if(fd, create, |_, _| true, f)
    }

    /// Mutable access to the existing leaf holding `fd` (copied first if shared), for
    /// changes to its slots' contents that leave `open` and `cloexec` alone: no
    /// summary is updated.
    pub(crate) fn leaf_for_write(&mut self, fd: u32) -> Option<&mut Leaf<F>>
    where
        F: Clone,
    {
        let fd = u64::from(fd);
        if fd >= self.span() {
            return None;
        }
        let Tree {
            root,
            height,
            spare,
        } = self;
        let slot = descend(root, *height, fd, false, spare)?;
        slot.as_ref()?;
        Some(leaf_mut(slot))
    }

    /// [`Tree::update`], but only if `check` holds for the leaf and slot first: a
    /// check that fails changes nothing (a shared leaf is not copied) and gives `None`.
    #[inline]
    pub(crate) fn update_if<R>(
        &mut self,
        fd: u32,
        create: bool,
        check: impl FnOnce(&Leaf<F>, usize) -> bool,
        f: impl FnOnce(&mut Leaf<F>, usize) -> R,
    ) -> Option<R>
    where
        F: Clone,
    {
        if fd < 64 && self.height == 0 {
            // A table below 64 descriptors: the root is the only leaf, with no
            // parent to tell and never freed.
            if let Some(Node::Owned(leaf)) = &mut self.root {
                let i = fd as usize;
                return check(leaf, i).then(|| f(leaf, i));
            }
        }
        let fd = u64::from(fd);
        if fd >= self.span() {
            if !create {
                return None;
            }
            self.grow_to(fd);
        }
        let Tree {
            root,
            height,
            spare,
        } = self;
        let i = (fd & LOW) as usize;
        let slot = descend(root, *height, fd, create, spare)?;
        if !check(slot.as_ref()?.as_leaf()?, i) {
            return None;
        }
        let leaf = leaf_mut(slot);
        if *height == 0 {
            // The root leaf has no parent to tell, and is never freed.
            return Some(f(leaf, i));
        }
        let before = leaf.summary();
        let r = f(leaf, i);
        let after = leaf.summary();
        if before.0 ^ after.0 == Summary::FULL && after.open() {
            // The common flip (a leaf filled or given a hole): only `full` words.
            self.propagate_full(fd, after.0 & Summary::FULL != 0);
        } else if before != after || !after.open() {
            // An empty leaf is always reported: its parent frees it.
            self.propagate(fd, after);
        }
        Some(r)
    }

    /// [`Tree::propagate`] for a leaf that became full or stopped being full and
    /// changed nothing else: only the `full` words change, up to the first ancestor
    /// whose own fullness stays the same.
    fn propagate_full(&mut self, fd: u64, full: bool) {
        for level in 1..=self.height {
            let inner = inner_mut(&mut self.root, self.height, fd, level);
            let bit = 1u64 << digit(fd, level);
            let was_full = inner.full == u64::MAX;
            inner.full = if full {
                inner.full | bit
            } else {
                inner.full & !bit
            };
            if (inner.full == u64::MAX) == was_full {
                return;
            }
        }
    }

    /// Records the new summary `s` of the leaf holding `fd` in its ancestors, bottom
    /// up, freeing every node left with nothing allocated (except the leaf of
    /// descriptors 0-63, kept to avoid churn); stops at the first ancestor whose own
    /// summary does not change.
    fn propagate(&mut self, fd: u64, mut s: Summary) {
        for level in 1..=self.height {
            let Tree {
                root,
                height,
                spare,
            } = self;
            let inner = inner_mut(root, *height, fd, level);
            let idx = digit(fd, level);
            let before = inner.summary();
            if !s.open() && !kept(level, fd) {
                recycle(inner.children[idx].take(), spare);
            }
            inner.set_summary(idx, s);
            let after = inner.summary();
            if before == after && after.open() {
                return;
            }
            s = after;
        }
        if self.height > 0 && !s.open() {
            self.root = None;
        }
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
        let range = Range { lo, hi, mark };
        update_range_node(&mut self.root, self.height, 0, range, &mut self.spare, f);
        if let Some(Node::Inner(_)) = &self.root {
            if !node_summary(&self.root).open() {
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
            spare: None,
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
        let spare = self
            .spare
            .as_ref()
            .map_or(0, |_| core::mem::size_of::<Leaf<F>>());
        self.root.as_ref().map_or(0, node_bytes) + spare
    }
}

fn node_bytes<F>(node: &Node<F>) -> usize {
    match node {
        Node::Owned(_) | Node::Shared(_) => core::mem::size_of::<Leaf<F>>(),
        Node::Inner(i) => {
            core::mem::size_of::<Inner<F>>()
                + i.children.iter().flatten().map(node_bytes).sum::<usize>()
        }
    }
}

impl<F> Node<F> {
    #[inline]
    fn as_leaf(&self) -> Option<&Leaf<F>> {
        match self {
            Node::Owned(l) => Some(l),
            Node::Shared(l) => Some(l),
            Node::Inner(_) => None,
        }
    }
}

/// The lowest unallocated slot ≥ `from` under `root` (at `height`), without
/// recursion: descend along `from` while the child holding it is not full, then climb
/// back to the nearest ancestor with a later child that is not full, and descend to
/// that child's first free slot. `None` if every slot ≥ `from` is allocated.
fn find_free<F>(root: &Node<F>, height: u32, from: u64) -> Option<u64> {
    let mut path: [Option<&Inner<F>>; MAX_HEIGHT as usize] = [None; MAX_HEIGHT as usize];
    let mut node = root;
    let mut level = height;
    loop {
        let Node::Inner(inner) = node else {
            let leaf = node.as_leaf()?;
            if let Some(i) = leaf_free(leaf, from & LOW) {
                return Some((from & !LOW) | i);
            }
            break;
        };
        let idx = digit(from, level);
        path[(level - 1) as usize] = Some(inner);
        if inner.full & (1 << idx) != 0 {
            break;
        }
        match &inner.children[idx] {
            None => return Some(from),
            Some(child) => node = child,
        }
        level -= 1;
    }
    // `level` is where the descent stopped; its ancestors (and itself, if inner) are
    // in `path`. Look right of `from`'s child, lowest level first.
    let first = level.max(1);
    for level in first..=height {
        let inner = path[(level - 1) as usize]?;
        let later = bits_from(!inner.full, digit(from, level) as u64 + 1);
        if later != 0 {
            let j = u64::from(later.trailing_zeros());
            let base = (from >> span_shift(level) << span_shift(level)) | (j << (SHIFT * level));
            return Some(first_free(
                inner.children[j as usize].as_ref(),
                level - 1,
                base,
            ));
        }
    }
    None
}

/// The first free slot under a child that is not full (or absent), which covers the
/// slots from `base` on at `level`.
fn first_free<F>(mut node: Option<&Node<F>>, mut level: u32, mut base: u64) -> u64 {
    loop {
        match node {
            None => return base,
            Some(Node::Inner(inner)) => {
                let j = u64::from((!inner.full).trailing_zeros());
                base |= j << (SHIFT * level);
                node = inner.children[j as usize].as_ref();
                level -= 1;
            }
            Some(leaf) => {
                let open = leaf.as_leaf().map_or(0, |l| l.open);
                return base | u64::from((!open).trailing_zeros());
            }
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
#[inline]
fn leaf_mut<F: Clone>(slot: &mut Option<Node<F>>) -> &mut Leaf<F> {
    if let Some(Node::Shared(_)) = slot {
        unshare(slot);
    }
    match slot {
        Some(Node::Owned(leaf)) => leaf,
        _ => unreachable!("leaf_mut is only called on level-0 slots holding a leaf"),
    }
}

/// Turns the shared leaf in `slot` into an owned one (the copy-on-write step), kept
/// out of line so the owned fast path stays small.
#[cold]
#[inline(never)]
fn unshare<F: Clone>(slot: &mut Option<Node<F>>) {
    if let Some(Node::Shared(arc)) = slot.take() {
        let leaf = Arc::try_unwrap(arc).unwrap_or_else(|arc| (*arc).clone());
        *slot = Some(Node::Owned(Box::new(leaf)));
    }
}

/// The level-0 slot holding `fd`'s leaf, creating the path (and the leaf, from
/// `spare` if there is one) when `create` is set. Summaries are not touched.
#[inline]
fn descend<'a, F>(
    mut slot: &'a mut Option<Node<F>>,
    height: u32,
    fd: u64,
    create: bool,
    spare: &mut Option<Box<Leaf<F>>>,
) -> Option<&'a mut Option<Node<F>>> {
    let mut level = height;
    loop {
        if slot.is_none() {
            if !create {
                return None;
            }
            create_node(slot, level, spare);
        }
        if level == 0 {
            return Some(slot);
        }
        let Some(Node::Inner(inner)) = slot else {
            unreachable!("inner levels hold inner nodes")
        };
        slot = &mut inner.children[digit(fd, level)];
        level -= 1;
    }
}

/// Fills the empty `slot` at `level` with a new node (a leaf from `spare` if any).
#[cold]
#[inline(never)]
fn create_node<F>(slot: &mut Option<Node<F>>, level: u32, spare: &mut Option<Box<Leaf<F>>>) {
    *slot = Some(if level == 0 {
        Node::Owned(spare.take().unwrap_or_else(|| Box::new(Leaf::new())))
    } else {
        Node::Inner(Box::new(Inner::new()))
    });
}

/// The inner node at `level` (1 ..= `height`) on `fd`'s path, which must exist.
fn inner_mut<F>(mut slot: &mut Option<Node<F>>, height: u32, fd: u64, level: u32) -> &mut Inner<F> {
    let mut at = height;
    loop {
        let Some(Node::Inner(inner)) = slot else {
            unreachable!("propagate runs on an existing path of inner nodes")
        };
        if at == level {
            return inner;
        }
        slot = &mut inner.children[digit(fd, at)];
        at -= 1;
    }
}

/// Drops a freed node, keeping an owned empty leaf as the spare.
fn recycle<F>(node: Option<Node<F>>, spare: &mut Option<Box<Leaf<F>>>) {
    if let Some(Node::Owned(leaf)) = node {
        if spare.is_none() && leaf.open == 0 {
            *spare = Some(leaf);
        }
    }
}

/// The range and mark an `update_range` walk follows.
#[derive(Clone, Copy)]
struct Range {
    lo: u64,
    hi: u64,
    mark: Mark,
}

fn update_range_node<F: Clone>(
    slot: &mut Option<Node<F>>,
    level: u32,
    base: u64,
    r: Range,
    spare: &mut Option<Box<Leaf<F>>>,
    f: &mut dyn FnMut(&mut Leaf<F>, u64, u64),
) {
    if level == 0 {
        // lo and hi are relative to this leaf and within 0..64.
        let range = bits_from(bits_to(u64::MAX, r.hi), r.lo);
        let hit = match slot {
            Some(Node::Owned(l)) => r.mark.leaf_word(l) & range,
            Some(Node::Shared(l)) => r.mark.leaf_word(l) & range,
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
    let (first, last) = (r.lo >> shift, r.hi >> shift);
    let mut candidates = bits_from(bits_to(r.mark.inner_word(inner), last), first);
    while candidates != 0 {
        let j = u64::from(candidates.trailing_zeros());
        candidates &= candidates - 1;
        let child = Range {
            lo: if j == first { r.lo & sub_mask } else { 0 },
            hi: if j == last { r.hi & sub_mask } else { sub_mask },
            mark: r.mark,
        };
        let child_base = base | (j << shift);
        let idx = j as usize;
        update_range_node(
            &mut inner.children[idx],
            level - 1,
            child_base,
            child,
            spare,
            f,
        );
        let s = node_summary(&inner.children[idx]);
        if !s.open() && !kept(level, child_base) {
            recycle(inner.children[idx].take(), spare);
        }
        inner.set_summary(idx, s);
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

    fn set_cloexec(t: &mut Tree<u32>, fd: u32, on: bool) {
        t.update(fd, false, |leaf, i| {
            if on {
                leaf.cloexec |= bit(i) & leaf.open;
            } else {
                leaf.cloexec &= !bit(i);
            }
        });
    }

    /// Checks every summary bit against the node it describes, and that no node but
    /// the leaf of 0-63 is kept empty; returns the node's own summary.
    fn check_node(node: &Node<u32>, level: u32, base: u64) -> Summary {
        let Node::Inner(inner) = node else {
            let leaf = node.as_leaf().unwrap();
            assert_eq!(leaf.cloexec & !leaf.open, 0, "cloexec ⊆ open at {base}");
            for i in 0..FANOUT {
                let installed = leaf.slots[i].is_some();
                assert!(
                    !installed || leaf.open & bit(i) != 0,
                    "slot {}",
                    base + i as u64
                );
            }
            return leaf.summary();
        };
        for (j, child) in inner.children.iter().enumerate() {
            let child_base = base | ((j as u64) << (SHIFT * level));
            let s = match child {
                None => Summary::ABSENT,
                Some(c) => {
                    let s = check_node(c, level - 1, child_base);
                    assert!(
                        s.open() || (level == 1 && child_base == 0),
                        "empty child kept at {child_base}"
                    );
                    s
                }
            };
            let mut probe = Inner::<u32>::new();
            probe.set_summary(j, s);
            let mask = 1u64 << j;
            let words = (inner.full & mask, inner.open & mask, inner.cloexec & mask);
            assert_eq!(
                words,
                (probe.full, probe.open, probe.cloexec),
                "summary of child {child_base} at level {level}"
            );
        }
        inner.summary()
    }

    fn check(t: &Tree<u32>) {
        if let Some(root) = &t.root {
            check_node(root, t.height, 0);
        }
    }

    /// A small xorshift generator: deterministic, no dependency.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    #[test]
    fn random_updates_keep_every_summary_exact() {
        let mut t = Tree::new();
        let mut open = std::collections::BTreeSet::new();
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        // Numbers clustered so that leaves and level-1 nodes fill up and empty again.
        let pick = |r: u64| match r % 4 {
            0 => (r >> 8) % 200,
            1 => 4000 + (r >> 8) % 200,
            2 => (r >> 8) % 9000,
            _ => 262_100 + (r >> 8) % 100,
        } as u32;
        for step in 0..40_000 {
            let r = rng.next();
            let fd = pick(r >> 2);
            match r & 3 {
                0 | 1 => {
                    alloc(&mut t, fd);
                    open.insert(fd);
                }
                2 => {
                    free(&mut t, fd);
                    open.remove(&fd);
                }
                _ => set_cloexec(&mut t, fd, r & 64 != 0),
            }
            if step % 97 == 0 {
                check(&t);
                for from in [0, u64::from(fd), u64::from(fd) + 1, 4095, 4096, 262_143] {
                    let want = (from..).find(|&x| !open.contains(&(x as u32))).unwrap();
                    assert_eq!(
                        t.lowest_free(from),
                        want,
                        "lowest_free({from}) at step {step}"
                    );
                }
            }
        }
        for fd in std::mem::take(&mut open) {
            free(&mut t, fd);
        }
        check(&t);
        assert!(t.root.is_none(), "an emptied tree frees its nodes");
        assert!(
            t.heap_bytes() <= core::mem::size_of::<Leaf<u32>>(),
            "only the spare leaf stays"
        );
    }

    #[test]
    fn a_leaf_freed_at_a_boundary_is_reused() {
        let mut t = Tree::new();
        for fd in 0..=128 {
            alloc(&mut t, fd);
        }
        let bytes = t.heap_bytes();
        for _ in 0..3 {
            free(&mut t, 128);
            assert_eq!(t.heap_bytes(), bytes, "the emptied leaf becomes the spare");
            alloc(&mut t, 128);
            assert_eq!(
                t.heap_bytes(),
                bytes,
                "the spare leaf is taken, not a new one"
            );
        }
        check(&t);
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

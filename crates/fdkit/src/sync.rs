//! The synchronization primitives the model is built on, in one place, so that
//! they can be swapped for a model checker's.
//!
//! Normally these are `std::sync`'s. With the private feature `_shuttle` they are
//! [shuttle](https://docs.rs/shuttle)'s drop-in equivalents, whose every lock,
//! wait and atomic access is a point where shuttle's scheduler may switch threads;
//! the crate `fdkit-shuttle` (`crates/fdkit-shuttle`) builds this source that way
//! and model-checks the shared-table operations. Nothing else in the crate names
//! `std::sync` for a lock, a condition variable or an atomic that threads share.
//!
//! `Arc` and `Weak` are `std`'s in both cases (shuttle has no scheduling point in reference
//! counting), and so is the global description-id counter in
//! [`ofd`](crate::ofd), which only hands out unique numbers.

pub(crate) use std::sync::PoisonError;
pub(crate) use std::sync::{Arc, Weak};

#[cfg(not(feature = "_shuttle"))]
pub(crate) use std::sync::{Condvar, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

#[cfg(feature = "_shuttle")]
pub(crate) use shuttle::sync::{
    Condvar, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard,
};

/// Atomics shared between threads.
pub(crate) mod atomic {
    pub(crate) use std::sync::atomic::Ordering;

    #[cfg(not(feature = "_shuttle"))]
    pub(crate) use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU32, AtomicU64};

    #[cfg(feature = "_shuttle")]
    pub(crate) use shuttle::sync::atomic::{AtomicBool, AtomicI32, AtomicU32, AtomicU64};
}

/// A point where the model checker may run another thread; nothing otherwise. It
/// marks a window in a lock-free read that steps on plain memory would hide from
/// shuttle, whose scheduler switches only at its own primitives.
#[inline(always)]
pub(crate) fn switch_point() {
    #[cfg(feature = "_shuttle")]
    shuttle::thread::yield_now();
}

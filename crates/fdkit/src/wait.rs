//! Blocking and interruption: how a thread waits inside a modelled call, and how the
//! embedder interrupts it (a signal with a handler and no `SA_RESTART`, which makes
//! the call fail with `EINTR`).
//!
//! Lock order: an object's own mutex, then [`Interrupt`]'s slot. The interrupter sets
//! the pending flag before it takes the object's mutex to notify, and a waiter checks
//! the flag while holding that mutex, so no interruption is lost between check and
//! wait.

use crate::errno::{Errno, Result};
use crate::sync::atomic::{AtomicBool, Ordering};
use crate::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

/// Something a blocked thread waits on, which an interrupter can wake.
pub trait Wake: Send + Sync {
    /// Wakes every waiter (taking the object's mutex first, then notifying).
    fn wake_all(&self);
}

/// A thread's interruption state: a pending flag and what the thread waits on now.
#[derive(Default)]
pub struct Interrupt {
    pending: AtomicBool,
    waiting_on: Mutex<Option<Arc<dyn Wake>>>,
}

impl std::fmt::Debug for Interrupt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Interrupt")
            .field("pending", &self.pending.load(Ordering::SeqCst))
            .finish()
    }
}

impl Interrupt {
    /// A new, clear interrupt.
    pub fn new() -> Interrupt {
        Interrupt::default()
    }

    /// Raises the interrupt. A thread blocked now wakes and fails with `EINTR`; a
    /// thread not blocked keeps it pending and fails its next wait, like a pending
    /// signal. Returns whether the thread was waiting.
    pub fn raise(&self) -> bool {
        self.pending.store(true, Ordering::SeqCst);
        let target = lock(&self.waiting_on).clone();
        match target {
            Some(target) => {
                target.wake_all();
                true
            }
            None => false,
        }
    }

    /// Whether an interrupt is pending.
    pub fn is_pending(&self) -> bool {
        self.pending.load(Ordering::SeqCst)
    }

    /// Clears a pending interrupt.
    pub fn clear(&self) {
        self.pending.store(false, Ordering::SeqCst);
    }

    /// Waits on `cv` with `guard` held, as one step of a blocking loop.
    ///
    /// # Errors
    /// `EINTR` if the interrupt is (or becomes) pending; it is consumed.
    pub fn wait<'g, T>(
        &self,
        cv: &Condvar,
        guard: MutexGuard<'g, T>,
        target: Arc<dyn Wake>,
    ) -> Result<MutexGuard<'g, T>> {
        *lock(&self.waiting_on) = Some(target);
        if self.pending.swap(false, Ordering::SeqCst) {
            *lock(&self.waiting_on) = None;
            return Err(Errno::INTR);
        }
        let guard = cv.wait(guard).unwrap_or_else(PoisonError::into_inner);
        *lock(&self.waiting_on) = None;
        if self.pending.swap(false, Ordering::SeqCst) {
            return Err(Errno::INTR);
        }
        Ok(guard)
    }
}

/// Locks a mutex, ignoring poisoning: the model's state stays consistent because no
/// code path panics while holding a lock.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

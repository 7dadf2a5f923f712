//! The benchmarks, a file per piece of work. Each returns [`Bench`](crate::Bench)es
//! whose sides build their own fixtures.

pub(crate) mod close_range;
pub(crate) mod exec;
pub(crate) mod far;
pub(crate) mod fork;
pub(crate) mod ops;
pub(crate) mod replay;
pub(crate) mod threads;

use crate::baseline::Table;
use crate::model::{self, Entry};
use std::io;
use std::sync::Arc;

/// A baseline table with `0..n` open on one description.
pub(crate) fn baseline<B: Table<Entry> + Default>(n: u32) -> B {
    let mut t = B::default();
    let e = model::entry();
    for fd in 0..n {
        t.insert_from(fd, Arc::clone(&e), false);
    }
    t
}

/// An `io::Error` for a fixture that could not be built as asked.
pub(crate) fn fixture_error(msg: String) -> io::Error {
    io::Error::other(msg)
}

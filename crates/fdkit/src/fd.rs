//! [`Fd`]: a descriptor number as the kernel sees it.

use core::fmt;

/// A descriptor number, as the kernel sees it at the system-call boundary: an
/// `unsigned int`.
///
/// C code passes `int`, and a negative value such as `-1` or `AT_FDCWD` (`-100`)
/// becomes a number ≥ 2³¹ that is beyond any table and any limit, which is exactly how
/// Linux rejects it (`EBADF`). [`Fd::from_arg`] also drops the upper 32 bits of a raw
/// 64-bit register, as Linux does (`dup2(fd, 0x1_0000_0005)` targets 5).
///
/// `Display` prints the C view (`-1` stays `-1`).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Fd(u32);

impl Fd {
    /// Standard input, 0.
    pub const STDIN: Fd = Fd(0);
    /// Standard output, 1.
    pub const STDOUT: Fd = Fd(1);
    /// Standard error, 2.
    pub const STDERR: Fd = Fd(2);

    /// The descriptor with this unsigned number.
    pub const fn new(n: u32) -> Fd {
        Fd(n)
    }

    /// The descriptor a C `int` names (negative values wrap to ≥ 2³¹).
    pub const fn from_raw(raw: i32) -> Fd {
        Fd(raw as u32)
    }

    /// The descriptor a raw 64-bit system-call argument names: the low 32 bits.
    pub const fn from_arg(raw: u64) -> Fd {
        Fd(raw as u32)
    }

    /// The unsigned number.
    pub const fn get(self) -> u32 {
        self.0
    }

    /// The C `int` view.
    pub const fn as_raw(self) -> i32 {
        self.0 as i32
    }
}

impl From<i32> for Fd {
    fn from(raw: i32) -> Fd {
        Fd::from_raw(raw)
    }
}

impl From<u32> for Fd {
    fn from(n: u32) -> Fd {
        Fd(n)
    }
}

impl From<Fd> for i32 {
    fn from(fd: Fd) -> i32 {
        fd.as_raw()
    }
}

impl fmt::Display for Fd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.as_raw(), f)
    }
}

impl fmt::Debug for Fd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fd({})", self.as_raw())
    }
}

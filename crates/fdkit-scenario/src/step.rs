//! [`Step`]: one call of a scenario with what it is expected to give, and
//! [`Expected::check`], which compares an expectation with what a call returned.

use fdkit::catalog::flagset as fs;
use fdkit::syscall::{Call, Value};
use fdkit::{Errno, ExitStatus, RLimit};
use std::fmt;

/// The pid of the first process when the scenario names none.
pub const FIRST_PID: u32 = 100;

/// One system call of a scenario: who makes it, the call with raw arguments, and
/// the result written after it, if any.
///
/// A step knows nothing of the model: the same steps can run on the model
/// ([`Model`](crate::Model)) or on the host kernel. Pids are *scenario* pids: a
/// `fork() = 101` step names the child 101 whatever pid a host gives it, and later
/// steps (`[pid 101] close(3)`, `wait4(101, ...)`) use that name.
///
/// `Display` prints the step as a scenario line that parses back to the same step
/// (but for [`line`](Step::line)), always with its `[pid N]` prefix.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Step {
    /// 1-based line in the scenario file.
    pub line: u64,
    /// The scenario pid (thread id) making the call.
    pub pid: u32,
    /// The call, with raw numeric arguments.
    pub call: Call,
    /// `execve`'s `argv` as written (`execve(path)` alone gives `[basename]`;
    /// `NULL` or a pointer gives none); empty for other calls.
    pub argv: Vec<String>,
    /// What the scenario says the call gives; `None` when it says nothing.
    pub expected: Option<Expected>,
    /// Whether a `# show` line follows this step (before the next one): print
    /// every process's table after it. [`Item::Show`](crate::Item::Show) holds the
    /// same directive in file order.
    pub show: bool,
    /// A trailing `# comment` on the line, without the `#`.
    pub note: Option<String>,
}

/// What a scenario line says a call gives: a result after ` = `, values written
/// through output arguments (`pipe2([3, 4], 0)`), or both. At least one is set.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Expected {
    /// The result: `= 3`, `= -1 EBADF (...)`, `= ?`.
    pub ret: Option<Ret>,
    /// What an output argument holds after the call.
    pub out: Option<Out>,
}

/// A call's result as strace shows it after ` = `.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Ret {
    /// A successful return (`3`, `0x1 (flags FD_CLOEXEC)` is 1, a child's pid).
    Value(i64),
    /// `-1 ERRNO (message)`.
    Error(Errno),
    /// `?`: the call does not return (`exit_group`).
    NoReturn,
}

/// A value a call writes through an output argument.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum Out {
    /// The two descriptors of `pipe`, `pipe2`, `socketpair`: `[3, 4]`.
    Fds([i32; 2]),
    /// The bytes `read`/`pread64` filled in; `truncated` (`"abc"...`) means they
    /// start so.
    Data {
        /// The bytes.
        bytes: Vec<u8>,
        /// Whether strace cut the string short.
        truncated: bool,
    },
    /// The limit `getrlimit` gives, or `prlimit64`'s old limit.
    Limit(RLimit),
    /// What `fstat` fills in: `st_mode`, and `st_size` when shown.
    Stat {
        /// `st_mode`: file type and permissions.
        mode: u32,
        /// `st_size` (strace shows `st_rdev` instead for devices).
        size: Option<u64>,
    },
    /// The status `wait4` stores: `[{WIFEXITED(s) && WEXITSTATUS(s) == 0}]`.
    Status(ExitStatus),
}

/// A result that differs from the expected one, both printed as strace prints
/// them: `expected 4, got 3`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Mismatch {
    /// The expected result or output.
    pub expected: String,
    /// What the call gave.
    pub got: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "expected {}, got {}", self.expected, self.got)
    }
}

impl Expected {
    /// A call's outcome as an expectation: exactly what a scenario line printing it
    /// would say.
    pub fn of(result: &Result<Value, Errno>) -> Expected {
        let (ret, out) = match result {
            Err(e) => (Ret::Error(*e), None),
            Ok(Value::NoReturn) => (Ret::NoReturn, None),
            Ok(Value::Pair([a, b])) => (Ret::Value(0), Some(Out::Fds([a.as_raw(), b.as_raw()]))),
            Ok(Value::Bytes(b)) => (
                Ret::Value(b.len() as i64),
                Some(Out::Data {
                    bytes: b.clone(),
                    truncated: false,
                }),
            ),
            Ok(Value::Limit(l)) => (Ret::Value(0), Some(Out::Limit(*l))),
            Ok(Value::Stat(s)) => {
                let device = matches!(u64::from(s.mode) & fs::S_IFMT, fs::S_IFCHR | fs::S_IFBLK);
                let size = (!device).then_some(s.size);
                (Ret::Value(0), Some(Out::Stat { mode: s.mode, size }))
            }
            Ok(Value::Child(Some((pid, status)))) => {
                (Ret::Value(i64::from(pid.get())), Some(Out::Status(*status)))
            }
            Ok(v) => (Ret::Value(v.ret()), None),
        };
        Expected {
            ret: Some(ret),
            out,
        }
    }

    /// Compares this expectation with what `call` gave; the first difference, if
    /// any (the result before the output argument), printed as strace prints each.
    pub fn check(&self, call: &Call, result: &Result<Value, Errno>) -> Option<Mismatch> {
        let got = Expected::of(result);
        if let (Some(want), Some(have)) = (self.ret, got.ret) {
            if want != have {
                return Some(Mismatch {
                    expected: crate::print::ret(call, want).to_string(),
                    got: crate::print::ret(call, have).to_string(),
                });
            }
        }
        let want = self.out.as_ref()?;
        let agrees = match (want, &got.out) {
            (
                Out::Data {
                    bytes,
                    truncated: true,
                },
                Some(Out::Data { bytes: have, .. }),
            ) => have.starts_with(bytes),
            (Out::Stat { mode, size: None }, Some(Out::Stat { mode: m, .. })) => mode == m,
            (want, Some(have)) => want == have,
            (_, None) => false,
        };
        if agrees {
            return None;
        }
        let got = match (&got.out, got.ret) {
            (Some(out), _) => crate::print::out(out).to_string(),
            (None, Some(ret)) => crate::print::ret(call, ret).to_string(),
            (None, None) => "nothing".to_string(),
        };
        Some(Mismatch {
            expected: crate::print::out(want).to_string(),
            got,
        })
    }
}

impl Step {
    /// What to print for this step's `result`: [`Expected::of`] the result, but
    /// for `prlimit64` the old limit only if the step wrote one (a program that
    /// passes `NULL` gets none back, and the step cannot tell).
    pub fn shown(&self, result: &Result<Value, Errno>) -> Expected {
        let mut shown = Expected::of(result);
        let asked = self.expected.as_ref().is_some_and(|e| e.out.is_some());
        if matches!(self.call, Call::Prlimit { .. }) && !asked {
            shown.out = None;
        }
        shown
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::print::step_line(self, Some(self.pid)))
    }
}

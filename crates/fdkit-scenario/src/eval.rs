//! Argument values as C would compute them: strace's symbolic expressions
//! (`O_RDWR|O_CREAT`, `~0`, `8192*1024`, `0x403 /* F_??? */`) evaluated to integers,
//! then narrowed to the argument's C type the way a register is (`-1` as an
//! `unsigned int` is `0xffffffff`).
//!
//! Errors point at the offending text: the parsed [`Value`]s borrow the line, so a
//! name's column is where its text sits in the line.

use crate::error::{Error, ErrorKind};
use crate::symbols::{self, IOC_DIRS};
use fdkit_strace::{BinaryOp, UnaryOp, Value};

/// The smallest and largest integer an argument may be written as: every `i64` and
/// every `u64`.
const MIN: i128 = i64::MIN as i128;
const MAX: i128 = u64::MAX as i128;

/// Where a line's pieces are, for error columns.
#[derive(Clone, Copy)]
pub(crate) struct Cx<'l> {
    /// The whole line.
    pub text: &'l str,
    /// Its 1-based number.
    pub line: u64,
}

impl<'l> Cx<'l> {
    /// The 1-based column of `piece` if it is a slice of the line.
    pub fn column_of(&self, piece: &str) -> Option<usize> {
        let start = self.text.as_ptr() as usize;
        let at = piece.as_ptr() as usize;
        (at >= start && at + piece.len() <= start + self.text.len()).then(|| at - start + 1)
    }

    /// An error at `piece` (or at `fallback` when `piece` is not in the line).
    pub fn error(&self, kind: ErrorKind, piece: &str, fallback: &str, message: String) -> Error {
        let column = self
            .column_of(piece)
            .or_else(|| self.column_of(fallback))
            .unwrap_or(1);
        Error::new(kind, self.line, column, message)
    }
}

/// The 64-bit pattern of `v` (negative values in two's complement).
pub(crate) fn bits(v: i128) -> u64 {
    if v < 0 {
        v as i64 as u64
    } else {
        v as u64
    }
}

/// Evaluates `v`, found in the text `at` of the line, to an integer.
pub(crate) fn int(cx: Cx<'_>, v: &Value<'_>, at: &str) -> Result<i128, Error> {
    let n = eval(cx, v, at)?;
    if !(MIN..=MAX).contains(&n) {
        return Err(out_of_range(cx, at));
    }
    Ok(n)
}

fn out_of_range(cx: Cx<'_>, at: &str) -> Error {
    cx.error(
        ErrorKind::Value,
        at,
        at,
        format!("`{at}` does not fit in 64 bits"),
    )
}

fn eval(cx: Cx<'_>, v: &Value<'_>, at: &str) -> Result<i128, Error> {
    let checked = |n: Option<i128>| {
        n.filter(|n| (MIN..=MAX).contains(n))
            .ok_or_else(|| out_of_range(cx, at))
    };
    match v {
        Value::Int(i) => checked(Some(i.value)),
        Value::Null => Ok(0),
        Value::Ident(name) => symbols::lookup(name)
            .map(i128::from)
            .ok_or_else(|| unknown(cx, name, at)),
        Value::Flags(parts) => {
            let mut acc = 0u64;
            for p in parts {
                acc |= bits(eval(cx, p, at)?);
            }
            Ok(i128::from(acc))
        }
        Value::Paren(inner) => eval(cx, inner, at),
        Value::Decorated { base, .. } => eval(cx, base, at),
        Value::Commented { value, .. } => eval(cx, value, at),
        Value::Unary { op, operand } => {
            let x = eval(cx, operand, at)?;
            match op {
                UnaryOp::Not => Ok(i128::from(!bits(x))),
                UnaryOp::Neg => checked(x.checked_neg()),
                UnaryOp::LogNot => Ok(i128::from(x == 0)),
                UnaryOp::AddrOf => Err(not_a_number(cx, v, at)),
            }
        }
        Value::Binary { op, lhs, rhs } => {
            let (a, b) = (eval(cx, lhs, at)?, eval(cx, rhs, at)?);
            checked(binary(*op, a, b))
        }
        Value::Func { name, args } if name == "_IOC" => ioc(cx, args, at),
        _ => Err(not_a_number(cx, v, at)),
    }
}

fn binary(op: BinaryOp, a: i128, b: i128) -> Option<i128> {
    use BinaryOp::*;
    let shift = u32::try_from(b).ok().filter(|s| *s < 64);
    Some(match op {
        Add => a.checked_add(b)?,
        Sub => a.checked_sub(b)?,
        Mul => a.checked_mul(b)?,
        Div => a.checked_div(b)?,
        Rem => a.checked_rem(b)?,
        Shl => i128::from(bits(a).checked_shl(shift?)?),
        Shr => i128::from(bits(a) >> shift?),
        And => i128::from(bits(a) & bits(b)),
        Xor => i128::from(bits(a) ^ bits(b)),
        Eq => i128::from(a == b),
        Ne => i128::from(a != b),
        Lt => i128::from(a < b),
        Gt => i128::from(a > b),
        Le => i128::from(a <= b),
        Ge => i128::from(a >= b),
        LogAnd => i128::from(a != 0 && b != 0),
        LogOr => i128::from(a != 0 || b != 0),
    })
}

/// `_IOC(dir, type, nr, size)`, as strace prints an ioctl request it has no name for.
fn ioc(cx: Cx<'_>, args: &[Value<'_>], at: &str) -> Result<i128, Error> {
    let [dir, ty, nr, size] = args else {
        return Err(cx.error(
            ErrorKind::Value,
            at,
            at,
            "`_IOC` takes 4 arguments: dir, type, nr, size".to_string(),
        ));
    };
    let dir = match dir {
        Value::Ident(name) => IOC_DIRS
            .value_of(name)
            .map(i128::from)
            .ok_or_else(|| unknown(cx, name, at))?,
        other => eval(cx, other, at)?,
    };
    let field = |v: &Value<'_>| eval(cx, v, at).map(|n| bits(n) as u32);
    let request = (bits(dir) as u32 & 3) << 30
        | (field(size)? & 0x3fff) << 16
        | (field(ty)? & 0xff) << 8
        | (field(nr)? & 0xff);
    Ok(i128::from(request))
}

pub(crate) fn unknown(cx: Cx<'_>, name: &str, at: &str) -> Error {
    cx.error(
        ErrorKind::UnknownSymbol,
        name,
        at,
        format!("unknown constant `{name}`"),
    )
}

fn not_a_number(cx: Cx<'_>, v: &Value<'_>, at: &str) -> Error {
    cx.error(
        ErrorKind::Value,
        at,
        at,
        format!("expected a number or constant, found `{v}`"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn eval_text(text: &str) -> Result<i128, Error> {
        let v = Value::parse(text).unwrap();
        int(Cx { text, line: 1 }, &v, text)
    }

    #[test]
    fn evaluates_strace_expressions() {
        assert_eq!(eval_text("O_RDWR|O_CREAT|O_CLOEXEC"), Ok(0o2000102));
        assert_eq!(eval_text("~0").map(|n| bits(n) as u32), Ok(u32::MAX));
        assert_eq!(eval_text("~RLIM64_INFINITY"), Ok(0));
        assert_eq!(eval_text("-1").map(|n| bits(n) as u32), Ok(u32::MAX));
        assert_eq!(eval_text("8192*1024"), Ok(8 << 20));
        assert_eq!(eval_text("0x403 /* F_??? */"), Ok(0x403));
        assert_eq!(eval_text("AT_FDCWD").map(|n| bits(n) as i32), Ok(-100));
        assert_eq!(eval_text("RLIM64_INFINITY"), Ok(i128::from(u64::MAX)));
        assert_eq!(eval_text("CLONE_FILES|SIGCHLD"), Ok(0x411));
        assert_eq!(eval_text("1<<3"), Ok(8));
        assert_eq!(
            eval_text("_IOC(_IOC_WRITE, 0x54, 0x21, 0x4)"),
            Ok(0x4004_5421)
        );
        assert_eq!(eval_text("3</tmp/a>"), Ok(3));
    }

    #[test]
    fn unknown_names_point_at_themselves() {
        let e = eval_text("O_RDWR|O_NOPE").unwrap_err();
        assert_eq!((e.kind(), e.column()), (ErrorKind::UnknownSymbol, 8));
        let e = eval_text("18446744073709551616").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Value);
        let e = eval_text("\"str\"").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Value);
    }
}

//! [`Value`]: one decoded argument, and its recursive-descent parser.
//!
//! The grammar is C-like expressions over strace's atoms: integers, strings,
//! identifiers, `-y` decorations, `[arrays]`, `[sig sets]`, `{structs}`,
//! `func(calls)`, `/* comments */` and `...`. Operators bind as in C, with
//! strace's `=>` (value before and after the call) loosest of all. An element the
//! grammar does not cover becomes [`Value::Raw`] as long as its brackets balance.

use std::borrow::Cow;
use std::fmt;

use crate::error::{Error, ErrorKind};
use crate::scan::{self, MAX_DEPTH, STOP_CLOSE, STOP_COMMA};

/// One decoded argument, struct field, array element or return detail.
///
/// Text is borrowed from the line when parsed (`Cow::Borrowed`) and owned when a
/// value is built by hand; [`into_owned`](Value::into_owned) detaches it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Value<'a> {
    /// An integer: `3`, `-1`, `0x1f`, `0644`.
    Int(Int),
    /// A quoted string.
    Str(Str<'a>),
    /// `NULL`.
    Null,
    /// A symbolic constant: `AT_FDCWD`, `O_RDONLY`, `SIG_DFL`, `s`.
    Ident(Cow<'a, str>),
    /// A value decorated by `-y`/`-yy`/`-Y`: `3</tmp/a>`, `AT_FDCWD</home>`,
    /// `1234<sh>`, `3</tmp/x>(deleted)`.
    Decorated {
        /// The number or identifier before the `<`.
        base: Box<Value<'a>>,
        /// The text between the outer `<` and `>`, still escaped (`/tmp/a`,
        /// `pipe:[123]`, `/dev/pts/0<char 136:0>`).
        info: Cow<'a, str>,
        /// Whether `(deleted)` followed the decoration.
        deleted: bool,
    },
    /// `[a, b, ...]`.
    Array(Vec<Value<'a>>),
    /// A signal set `[ILL TRAP]`: elements separated by spaces, not commas.
    Set(Vec<Value<'a>>),
    /// `{name=value, value, ...}`.
    Struct(Vec<Field<'a>>),
    /// A function-like form: `makedev(0x88, 0)`, `htons(80)`, `WIFEXITED(s)`.
    Func {
        /// The function name.
        name: Cow<'a, str>,
        /// Its arguments.
        args: Vec<Value<'a>>,
    },
    /// Flags joined by `|`: `O_RDWR|O_CREAT`, `0x10|O_RDWR`.
    Flags(Vec<Value<'a>>),
    /// A binary operation other than `|` and `=>`: `1<<3`, `WEXITSTATUS(s) == 0`.
    Binary {
        /// The operator.
        op: BinaryOp,
        /// Left operand.
        lhs: Box<Value<'a>>,
        /// Right operand.
        rhs: Box<Value<'a>>,
    },
    /// A prefix operation: `~[ILL TRAP]`, `&sin6_addr`, `!x`, `-x`.
    Unary {
        /// The operator.
        op: UnaryOp,
        /// The operand.
        operand: Box<Value<'a>>,
    },
    /// A value on entry and on exit: `[128 => 16]`, `{...} => {parent_tid=[3078]}`.
    InOut(Box<Value<'a>>, Box<Value<'a>>),
    /// A parenthesised value.
    Paren(Box<Value<'a>>),
    /// A value followed by a comment: `0x7ffc /* 39 vars */`.
    Commented {
        /// The value.
        value: Box<Value<'a>>,
        /// The comment text without `/*`, `*/` and the surrounding spaces.
        comment: Cow<'a, str>,
    },
    /// A comment standing alone: `/* 3 entries */`.
    Comment(Cow<'a, str>),
    /// `...`: strace left the rest out.
    Ellipsis,
    /// Well-bracketed text this grammar does not cover, kept verbatim:
    /// `<... resuming interrupted read ...>`.
    Raw(Cow<'a, str>),
}

/// A member of a [`Value::Struct`]: `name=value`, or a bare value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Field<'a> {
    /// The member name, when strace printed one.
    pub name: Option<Cow<'a, str>>,
    /// The member value.
    pub value: Value<'a>,
}

/// An integer literal and the base it was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Int {
    /// The value; wide enough for every `i64` and `u64`.
    pub value: i128,
    /// How it was written.
    pub radix: Radix,
}

/// The base of an [`Int`] literal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Radix {
    /// `123`.
    Dec,
    /// `0x7b`.
    Hex,
    /// `0173` (strace prints file modes this way).
    Oct,
}

/// A string as strace printed it: escaped text plus a truncation mark.
///
/// The text is kept escaped so parsing borrows; [`bytes`](Str::bytes) decodes it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Str<'a> {
    escaped: Cow<'a, str>,
    truncated: bool,
}

/// A binary operator of [`Value::Binary`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)] // each variant is its C operator
pub enum BinaryOp {
    LogOr,
    LogAnd,
    Xor,
    And,
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
    Shl,
    Shr,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

/// A prefix operator of [`Value::Unary`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    /// `~`, as in the complement sig set `~[RTMIN RT_1]`.
    Not,
    /// `!`.
    LogNot,
    /// `-` before a non-number.
    Neg,
    /// `&`, as in `&sin6_addr`.
    AddrOf,
}

// ---- construction ---------------------------------------------------------------

impl<'a> Value<'a> {
    /// Parses one value, e.g. `[{fd=3, revents=POLLIN}]` or the `{si_signo=...}`
    /// of a signal line.
    pub fn parse(text: &'a str) -> Result<Value<'a>, Error> {
        parse_at(text, 0)
    }

    /// A decimal integer.
    pub fn int(v: impl Into<i128>) -> Value<'static> {
        Value::Int(Int {
            value: v.into(),
            radix: Radix::Dec,
        })
    }

    /// An identifier or flag name.
    pub fn ident(name: impl Into<Cow<'a, str>>) -> Value<'a> {
        Value::Ident(name.into())
    }

    /// A complete string holding `bytes`, escaped as strace escapes.
    pub fn string(bytes: &[u8]) -> Value<'static> {
        Value::Str(Str::from_bytes(bytes))
    }

    /// The value as an integer if it is one (also through a decoration or comment).
    pub fn as_int(&self) -> Option<i128> {
        match self {
            Value::Int(i) => Some(i.value),
            Value::Decorated { base, .. } | Value::Commented { value: base, .. } => base.as_int(),
            _ => None,
        }
    }

    /// Copies borrowed text so the value outlives its line.
    pub fn into_owned(self) -> Value<'static> {
        fn own(c: Cow<'_, str>) -> Cow<'static, str> {
            Cow::Owned(c.into_owned())
        }
        fn all(v: Vec<Value<'_>>) -> Vec<Value<'static>> {
            v.into_iter().map(Value::into_owned).collect()
        }
        #[allow(clippy::boxed_local)] // matches the `Box` fields it converts
        fn boxed(v: Box<Value<'_>>) -> Box<Value<'static>> {
            Box::new((*v).into_owned())
        }
        match self {
            Value::Int(i) => Value::Int(i),
            Value::Str(s) => Value::Str(s.into_owned()),
            Value::Null => Value::Null,
            Value::Ident(s) => Value::Ident(own(s)),
            Value::Decorated {
                base,
                info,
                deleted,
            } => Value::Decorated {
                base: boxed(base),
                info: own(info),
                deleted,
            },
            Value::Array(v) => Value::Array(all(v)),
            Value::Set(v) => Value::Set(all(v)),
            Value::Struct(fields) => Value::Struct(
                fields
                    .into_iter()
                    .map(|f| Field {
                        name: f.name.map(own),
                        value: f.value.into_owned(),
                    })
                    .collect(),
            ),
            Value::Func { name, args } => Value::Func {
                name: own(name),
                args: all(args),
            },
            Value::Flags(v) => Value::Flags(all(v)),
            Value::Binary { op, lhs, rhs } => Value::Binary {
                op,
                lhs: boxed(lhs),
                rhs: boxed(rhs),
            },
            Value::Unary { op, operand } => Value::Unary {
                op,
                operand: boxed(operand),
            },
            Value::InOut(a, b) => Value::InOut(boxed(a), boxed(b)),
            Value::Paren(v) => Value::Paren(boxed(v)),
            Value::Commented { value, comment } => Value::Commented {
                value: boxed(value),
                comment: own(comment),
            },
            Value::Comment(c) => Value::Comment(own(c)),
            Value::Ellipsis => Value::Ellipsis,
            Value::Raw(s) => Value::Raw(own(s)),
        }
    }
}

impl<'a> Str<'a> {
    /// A string from text already escaped the way strace escapes (no quotes).
    pub fn from_escaped(escaped: impl Into<Cow<'a, str>>, truncated: bool) -> Str<'a> {
        Str {
            escaped: escaped.into(),
            truncated,
        }
    }

    /// A complete string holding `bytes`: printable ASCII as is, `\t \n \v \f \r
    /// \" \\` by name, everything else in octal, as strace does by default.
    pub fn from_bytes(bytes: &[u8]) -> Str<'static> {
        let mut out = String::with_capacity(bytes.len());
        for (i, &b) in bytes.iter().enumerate() {
            match b {
                b'"' => out.push_str("\\\""),
                b'\\' => out.push_str("\\\\"),
                b'\t' => out.push_str("\\t"),
                b'\n' => out.push_str("\\n"),
                0x0b => out.push_str("\\v"),
                0x0c => out.push_str("\\f"),
                b'\r' => out.push_str("\\r"),
                0x20..=0x7e => out.push(b as char),
                _ => {
                    // Short octal unless a digit follows, which would join it.
                    let next_digit = bytes.get(i + 1).is_some_and(|n| (b'0'..=b'7').contains(n));
                    if next_digit {
                        out.push_str(&format!("\\{b:03o}"));
                    } else {
                        out.push_str(&format!("\\{b:o}"));
                    }
                }
            }
        }
        Str {
            escaped: Cow::Owned(out),
            truncated: false,
        }
    }

    /// The escaped text between the quotes.
    pub fn escaped(&self) -> &str {
        &self.escaped
    }

    /// Whether strace cut the string short (`"abc"...`).
    pub fn is_truncated(&self) -> bool {
        self.truncated
    }

    /// The bytes the string stands for, with escapes decoded. Borrows when there
    /// is nothing to decode.
    pub fn bytes(&self) -> Cow<'_, [u8]> {
        let s = self.escaped.as_bytes();
        if !s.contains(&b'\\') {
            return Cow::Borrowed(s);
        }
        let mut out = Vec::with_capacity(s.len());
        let mut i = 0;
        while i < s.len() {
            if s[i] != b'\\' || i + 1 == s.len() {
                out.push(s[i]);
                i += 1;
                continue;
            }
            let (byte, used) = unescape(&s[i + 1..]);
            out.push(byte);
            i += 1 + used;
        }
        Cow::Owned(out)
    }

    /// Copies borrowed text so the string outlives its line.
    pub fn into_owned(self) -> Str<'static> {
        Str {
            escaped: Cow::Owned(self.escaped.into_owned()),
            truncated: self.truncated,
        }
    }
}

/// Decodes the escape after a `\`: returns the byte and how many bytes it used.
fn unescape(s: &[u8]) -> (u8, usize) {
    let simple = match s[0] {
        b'n' => Some(b'\n'),
        b't' => Some(b'\t'),
        b'r' => Some(b'\r'),
        b'v' => Some(0x0b),
        b'f' => Some(0x0c),
        b'a' => Some(0x07),
        b'b' => Some(0x08),
        b'e' => Some(0x1b),
        _ => None,
    };
    if let Some(b) = simple {
        return (b, 1);
    }
    if s[0] == b'x' {
        let hex = s[1..]
            .iter()
            .take(2)
            .take_while(|c| c.is_ascii_hexdigit())
            .count();
        if hex > 0 {
            let v = s[1..=hex]
                .iter()
                .fold(0u8, |acc, c| acc.wrapping_mul(16).wrapping_add(hex_val(*c)));
            return (v, 1 + hex);
        }
    }
    let oct = s
        .iter()
        .take(3)
        .take_while(|c| (b'0'..=b'7').contains(c))
        .count();
    if oct > 0 {
        let v = s[..oct]
            .iter()
            .fold(0u8, |acc, c| acc.wrapping_mul(8).wrapping_add(c - b'0'));
        return (v, oct);
    }
    (s[0], 1)
}

fn hex_val(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        _ => c - b'A' + 10,
    }
}

// ---- operators ------------------------------------------------------------------

impl BinaryOp {
    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        use BinaryOp::*;
        match self {
            LogOr => "||",
            LogAnd => "&&",
            Xor => "^",
            And => "&",
            Eq => "==",
            Ne => "!=",
            Lt => "<",
            Gt => ">",
            Le => "<=",
            Ge => ">=",
            Shl => "<<",
            Shr => ">>",
            Add => "+",
            Sub => "-",
            Mul => "*",
            Div => "/",
            Rem => "%",
        }
    }

    /// strace writes arithmetic tight (`1<<3`, `8192*1024`) and logic spaced.
    fn spaced(self) -> bool {
        use BinaryOp::*;
        matches!(self, LogOr | LogAnd | Eq | Ne | Lt | Gt | Le | Ge)
    }
}

impl UnaryOp {
    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            UnaryOp::Not => "~",
            UnaryOp::LogNot => "!",
            UnaryOp::Neg => "-",
            UnaryOp::AddrOf => "&",
        }
    }
}

/// What the expression parser found between operands.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    InOut,
    Or,
    Bin(BinaryOp),
}

/// Binding strength, C's order with `=>` loosest.
fn precedence(op: Op) -> u8 {
    use BinaryOp::*;
    match op {
        Op::InOut => 1,
        Op::Bin(LogOr) => 2,
        Op::Bin(LogAnd) => 3,
        Op::Or => 4,
        Op::Bin(Xor) => 5,
        Op::Bin(And) => 6,
        Op::Bin(Eq | Ne) => 7,
        Op::Bin(Lt | Gt | Le | Ge) => 8,
        Op::Bin(Shl | Shr) => 9,
        Op::Bin(Add | Sub) => 10,
        Op::Bin(Mul | Div | Rem) => 11,
    }
}

/// Recognises an operator at the start of `b`, with its length.
fn peek_op(b: &[u8]) -> Option<(Op, usize)> {
    use BinaryOp::*;
    let two = |c: u8| b.get(1) == Some(&c);
    let op = match b.first()? {
        b'=' if two(b'>') => (Op::InOut, 2),
        b'=' if two(b'=') => (Op::Bin(Eq), 2),
        b'|' if two(b'|') => (Op::Bin(LogOr), 2),
        b'|' => (Op::Or, 1),
        b'&' if two(b'&') => (Op::Bin(LogAnd), 2),
        b'&' => (Op::Bin(And), 1),
        b'^' => (Op::Bin(Xor), 1),
        b'!' if two(b'=') => (Op::Bin(Ne), 2),
        b'<' if two(b'<') => (Op::Bin(Shl), 2),
        b'<' if two(b'=') => (Op::Bin(Le), 2),
        b'<' => (Op::Bin(Lt), 1),
        b'>' if two(b'>') => (Op::Bin(Shr), 2),
        b'>' if two(b'=') => (Op::Bin(Ge), 2),
        b'>' => (Op::Bin(Gt), 1),
        b'+' => (Op::Bin(Add), 1),
        b'-' if two(b'>') => return None,
        b'-' => (Op::Bin(Sub), 1),
        b'*' => (Op::Bin(Mul), 1),
        b'/' if two(b'*') => return None,
        b'/' => (Op::Bin(Div), 1),
        b'%' => (Op::Bin(Rem), 1),
        _ => return None,
    };
    Some(op)
}

// ---- parsing --------------------------------------------------------------------

/// Parses `text`, which sits at 0-based byte `offset` of its line.
pub(crate) fn parse_at(text: &str, offset: usize) -> Result<Value<'_>, Error> {
    let mut p = Parser {
        text,
        b: text.as_bytes(),
        pos: 0,
        depth: 0,
    };
    p.skip_ws();
    let v = match p.element(Ctx::Top) {
        Ok(v) => v,
        Err(Fail::Broken(e)) => return Err(e.shifted(offset)),
        Err(Fail::NoMatch) => {
            return Err(Error::at(ErrorKind::Syntax, text, p.pos, "a value").shifted(offset))
        }
    };
    p.skip_ws();
    if p.pos < p.b.len() {
        // element() only stops early at a depth-0 `,` or closer.
        let kind = if p.b[p.pos] == b',' {
            ErrorKind::Syntax
        } else {
            ErrorKind::Unbalanced
        };
        return Err(Error::at(kind, text, p.pos, "end of value").shifted(offset));
    }
    Ok(v)
}

/// If `raw` starts with `name=` (not `==` or `=>`), splits it off.
pub(crate) fn split_field_name(raw: &str) -> Option<(&str, &str)> {
    let b = raw.as_bytes();
    let n = ident_len(b);
    if n == 0 || b.get(n) != Some(&b'=') || matches!(b.get(n + 1), Some(b'=' | b'>')) {
        return None;
    }
    Some((&raw[..n], &raw[n + 1..]))
}

fn ident_len(b: &[u8]) -> usize {
    match b.first() {
        Some(c) if c.is_ascii_alphabetic() || *c == b'_' => b
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
            .count(),
        _ => 0,
    }
}

/// Parses a whole integer token: `-`? then `0x` hex, `0` octal or decimal.
pub(crate) fn parse_int_token(t: &str) -> Option<(i128, Radix)> {
    let (neg, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    let d = digits.as_bytes();
    if !d.is_empty() && d.len() <= 18 && (d[0] != b'0' || d.len() == 1) {
        // The common case, a short decimal: what the general path below gives.
        let mut v: i128 = 0;
        let mut plain = true;
        for &c in d {
            if !c.is_ascii_digit() {
                plain = false;
                break;
            }
            v = v * 10 + i128::from(c - b'0');
        }
        if plain {
            return Some((if neg { -v } else { v }, Radix::Dec));
        }
    }
    let (radix, body, base) = if let Some(h) = digits.strip_prefix("0x") {
        (Radix::Hex, h, 16)
    } else if digits.len() > 1 && digits.starts_with('0') {
        (Radix::Oct, &digits[1..], 8)
    } else {
        (Radix::Dec, digits, 10)
    };
    if body.is_empty() || !body.bytes().all(|c| (c as char).is_digit(base)) {
        return None;
    }
    let mag = u128::from_str_radix(body, base).ok()?;
    let mag = i128::try_from(mag).ok()?;
    Some((if neg { -mag } else { mag }, radix))
}

/// Where an element sits, which decides what may end it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ctx {
    /// A whole argument: ends at the end of the text.
    Top,
    /// Inside brackets: ends at `,` or the closer.
    List,
    /// A sig set member: also ends at a space.
    Set,
}

/// Not recognised: the caller falls back to [`Value::Raw`].
struct NoMatch;

/// A structural error (propagated) or no match (recovered).
enum Fail {
    Broken(Error),
    NoMatch,
}

impl From<NoMatch> for Fail {
    fn from(_: NoMatch) -> Fail {
        Fail::NoMatch
    }
}

type PResult<T> = Result<T, Fail>;

struct Parser<'a> {
    text: &'a str,
    b: &'a [u8],
    pos: usize,
    depth: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn slice(&self, from: usize, to: usize) -> Cow<'a, str> {
        Cow::Borrowed(&self.text[from..to])
    }

    fn broken(&self, kind: ErrorKind, at: usize, expected: &'static str) -> Fail {
        Fail::Broken(Error::at(kind, self.text, at, expected))
    }

    /// One element; unrecognised but balanced text becomes `Raw`. Fails with
    /// `NoMatch` only where there is no element at all (`[1, , 2]`).
    fn element(&mut self, ctx: Ctx) -> PResult<Value<'a>> {
        let start = self.pos;
        let depth = self.depth;
        match self.expr(1) {
            Ok(v) if self.at_element_end(ctx) => return Ok(v),
            Ok(_) | Err(Fail::NoMatch) => {}
            Err(broken) => return Err(broken),
        }
        self.depth = depth;
        // Fall back: the element is everything up to a depth-0 `,` or closer.
        let stop = scan::scan(self.text, start, STOP_COMMA | STOP_CLOSE).map_err(Fail::Broken)?;
        if stop.depth > 0 {
            return Err(self.broken(ErrorKind::Unbalanced, stop.pos, "a closing bracket"));
        }
        if ctx == Ctx::Top && stop.pos < self.b.len() {
            let kind = if self.b[stop.pos] == b',' {
                ErrorKind::Syntax
            } else {
                ErrorKind::Unbalanced
            };
            return Err(self.broken(kind, stop.pos, "end of value"));
        }
        let raw = self.text[start..stop.pos].trim_end();
        if raw.is_empty() {
            return Err(Fail::NoMatch);
        }
        self.pos = start + raw.len();
        Ok(Value::Raw(Cow::Borrowed(raw)))
    }

    fn at_element_end(&mut self, ctx: Ctx) -> bool {
        let before = self.pos;
        self.skip_ws();
        match (self.peek(), ctx) {
            (None, _) => true,
            (Some(b',' | b')' | b']' | b'}'), Ctx::List | Ctx::Set) => true,
            (Some(_), Ctx::Set) => self.pos > before,
            _ => false,
        }
    }

    fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.broken(ErrorKind::TooDeep, self.pos, "shallower nesting"));
        }
        Ok(())
    }

    /// Precedence climbing over binary operators.
    fn expr(&mut self, min_prec: u8) -> PResult<Value<'a>> {
        self.enter()?;
        let mut lhs = self.unary()?;
        // Each non-`|` operator nests the tree one level deeper (`|` stays flat),
        // so a long chain counts against the depth cap like brackets do.
        let mut chain = 0;
        loop {
            let save = self.pos;
            self.skip_ws();
            let Some((op, len)) = peek_op(&self.b[self.pos..]) else {
                self.pos = save;
                break;
            };
            let prec = precedence(op);
            if prec < min_prec {
                self.pos = save;
                break;
            }
            if op != Op::Or {
                chain += 1;
                if self.depth + chain > MAX_DEPTH {
                    return Err(Fail::NoMatch);
                }
            }
            self.pos += len;
            self.skip_ws();
            let rhs = self.expr(prec + 1)?;
            lhs = match (op, lhs) {
                (Op::Or, Value::Flags(mut v)) => {
                    v.push(rhs);
                    Value::Flags(v)
                }
                (Op::Or, l) => Value::Flags(vec![l, rhs]),
                (Op::InOut, l) => Value::InOut(Box::new(l), Box::new(rhs)),
                (Op::Bin(op), l) => Value::Binary {
                    op,
                    lhs: Box::new(l),
                    rhs: Box::new(rhs),
                },
            };
        }
        self.depth -= 1;
        Ok(lhs)
    }

    fn unary(&mut self) -> PResult<Value<'a>> {
        let op = match self.peek() {
            Some(b'~') => UnaryOp::Not,
            Some(b'!') => UnaryOp::LogNot,
            Some(b'&') => UnaryOp::AddrOf,
            Some(b'-') if !matches!(self.b.get(self.pos + 1), Some(c) if c.is_ascii_digit()) => {
                UnaryOp::Neg
            }
            _ => return self.postfix(),
        };
        self.pos += 1;
        self.enter()?;
        let operand = self.unary()?;
        self.depth -= 1;
        Ok(Value::Unary {
            op,
            operand: Box::new(operand),
        })
    }

    /// A primary, then an optional trailing `/* comment */`.
    fn postfix(&mut self) -> PResult<Value<'a>> {
        let v = self.primary()?;
        let save = self.pos;
        self.skip_ws();
        if self.b[self.pos..].starts_with(b"/*") {
            let comment = self.comment()?;
            return Ok(Value::Commented {
                value: Box::new(v),
                comment,
            });
        }
        self.pos = save;
        Ok(v)
    }

    fn comment(&mut self) -> PResult<Cow<'a, str>> {
        let end = scan::skip_comment(self.text, self.pos).map_err(Fail::Broken)?;
        let inner = self.text[self.pos + 2..end - 2].trim();
        self.pos = end;
        Ok(Cow::Borrowed(inner))
    }

    fn primary(&mut self) -> PResult<Value<'a>> {
        let Some(c) = self.peek() else {
            return Err(Fail::NoMatch);
        };
        match c {
            b'"' => self.string(),
            b'0'..=b'9' | b'-' => self.number(),
            b'[' => self.array(),
            b'{' => self.structure(),
            b'(' => {
                self.pos += 1;
                self.skip_ws();
                let inner = self.expr(1)?;
                self.skip_ws();
                if !self.eat(b')') {
                    return Err(Fail::NoMatch);
                }
                Ok(Value::Paren(Box::new(inner)))
            }
            b'.' if self.b[self.pos..].starts_with(b"...") => {
                self.pos += 3;
                Ok(Value::Ellipsis)
            }
            b'/' if self.b[self.pos..].starts_with(b"/*") => Ok(Value::Comment(self.comment()?)),
            b'<' if scan::opens_angle(self.b, self.pos) => {
                let start = self.pos;
                self.pos = scan::skip_angle(self.text, start).map_err(Fail::Broken)?;
                Ok(Value::Raw(self.slice(start, self.pos)))
            }
            c if c.is_ascii_alphabetic() || c == b'_' => self.word(),
            _ => Err(Fail::NoMatch),
        }
    }

    fn string(&mut self) -> PResult<Value<'a>> {
        let start = self.pos;
        let end = scan::skip_string(self.text, start).map_err(Fail::Broken)?;
        self.pos = end;
        let truncated = self.b[end..].starts_with(b"...");
        if truncated {
            self.pos += 3;
        }
        Ok(Value::Str(Str {
            escaped: self.slice(start + 1, end - 1),
            truncated,
        }))
    }

    fn number(&mut self) -> PResult<Value<'a>> {
        let start = self.pos;
        let neg = usize::from(self.peek() == Some(b'-'));
        let len = self.b[start + neg..]
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
            .count();
        let end = start + neg + len;
        let (value, radix) = parse_int_token(&self.text[start..end]).ok_or(NoMatch)?;
        self.pos = end;
        if self.peek() == Some(b'.') && !self.b[end..].starts_with(b"...") {
            return Err(Fail::NoMatch); // 1.5: not an integer
        }
        let int = self.decorated(Value::Int(Int { value, radix }))?;
        if neg == 1 && value == 0 {
            // `-0` keeps its sign as a negation: as the literal 0 it would print
            // as `0`, and `--0` would print as `-0` (not a fixed point).
            return Ok(Value::Unary {
                op: UnaryOp::Neg,
                operand: Box::new(int),
            });
        }
        Ok(int)
    }

    /// An identifier, `NULL`, a decorated identifier or a function-like form.
    fn word(&mut self) -> PResult<Value<'a>> {
        let start = self.pos;
        self.pos += ident_len(&self.b[start..]);
        let name = &self.text[start..self.pos];
        if self.peek() == Some(b'(') {
            self.pos += 1;
            let args = self.list(b')')?;
            return Ok(Value::Func {
                name: Cow::Borrowed(name),
                args,
            });
        }
        if name == "NULL" {
            return Ok(Value::Null);
        }
        self.decorated(Value::Ident(Cow::Borrowed(name)))
    }

    /// Wraps `base` if a `<decoration>` (and `(deleted)`) follows directly.
    fn decorated(&mut self, base: Value<'a>) -> PResult<Value<'a>> {
        if self.peek() != Some(b'<') || !scan::opens_angle(self.b, self.pos) {
            if self
                .peek()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_')
            {
                return Err(Fail::NoMatch);
            }
            return Ok(base);
        }
        let open = self.pos;
        let end = scan::skip_angle(self.text, open).map_err(Fail::Broken)?;
        self.pos = end;
        let deleted = self.b[end..].starts_with(b"(deleted)");
        if deleted {
            self.pos += "(deleted)".len();
        }
        Ok(Value::Decorated {
            base: Box::new(base),
            info: self.slice(open + 1, end - 1),
            deleted,
        })
    }

    /// Comma-separated elements up to `close` (the opener is consumed).
    fn list(&mut self, close: u8) -> PResult<Vec<Value<'a>>> {
        self.enter()?;
        let mut items = Vec::new();
        self.skip_ws();
        if !self.eat(close) {
            loop {
                self.skip_ws();
                items.push(self.element(Ctx::List)?);
                self.skip_ws();
                if self.eat(close) {
                    break;
                }
                if !self.eat(b',') {
                    return Err(self.close_error(close));
                }
            }
        }
        self.depth -= 1;
        Ok(items)
    }

    fn close_error(&self, close: u8) -> Fail {
        let expected = match close {
            b')' => "`,` or `)`",
            b']' => "`,` or `]`",
            _ => "`,` or `}`",
        };
        match self.peek() {
            None | Some(b')' | b']' | b'}') => {
                self.broken(ErrorKind::Unbalanced, self.pos, expected)
            }
            Some(_) => Fail::NoMatch,
        }
    }

    /// `[a, b]`, or the sig set `[A B]`, or `[]`.
    fn array(&mut self) -> PResult<Value<'a>> {
        self.pos += 1;
        self.enter()?;
        self.skip_ws();
        let mut items = Vec::new();
        if self.eat(b']') {
            self.depth -= 1;
            return Ok(Value::Array(items));
        }
        items.push(self.element(Ctx::Set)?);
        self.skip_ws();
        let set = !matches!(self.peek(), Some(b',' | b']'));
        loop {
            self.skip_ws();
            if self.eat(b']') {
                break;
            }
            if set {
                if matches!(self.peek(), None | Some(b',' | b')' | b'}')) {
                    return Err(self.close_error(b']'));
                }
                items.push(self.element(Ctx::Set)?);
            } else {
                if !self.eat(b',') {
                    return Err(self.close_error(b']'));
                }
                self.skip_ws();
                items.push(self.element(Ctx::List)?);
            }
        }
        self.depth -= 1;
        Ok(if set {
            Value::Set(items)
        } else {
            Value::Array(items)
        })
    }

    /// `{name=value, value, ...}`.
    fn structure(&mut self) -> PResult<Value<'a>> {
        self.pos += 1;
        self.enter()?;
        let mut fields = Vec::new();
        self.skip_ws();
        if !self.eat(b'}') {
            loop {
                self.skip_ws();
                let name = split_field_name(&self.text[self.pos..]).map(|(n, _)| n);
                if let Some(n) = name {
                    self.pos += n.len() + 1;
                }
                let value = self.element(Ctx::List)?;
                fields.push(Field {
                    name: name.map(Cow::Borrowed),
                    value,
                });
                self.skip_ws();
                if self.eat(b'}') {
                    break;
                }
                if !self.eat(b',') {
                    return Err(self.close_error(b'}'));
                }
            }
        }
        self.depth -= 1;
        Ok(Value::Struct(fields))
    }
}

// ---- printing -------------------------------------------------------------------

impl fmt::Display for Int {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.value < 0 { "-" } else { "" };
        let mag = self.value.unsigned_abs();
        match self.radix {
            Radix::Dec => write!(f, "{sign}{mag}"),
            Radix::Hex => write!(f, "{sign}0x{mag:x}"),
            Radix::Oct => write!(f, "{sign}0{mag:o}"),
        }
    }
}

impl fmt::Display for Str<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{}\"", self.escaped)?;
        if self.truncated {
            f.write_str("...")?;
        }
        Ok(())
    }
}

fn write_list(f: &mut fmt::Formatter<'_>, items: &[Value<'_>], sep: &str) -> fmt::Result {
    for (i, v) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(sep)?;
        }
        write!(f, "{v}")?;
    }
    Ok(())
}

impl fmt::Display for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Int(i) => write!(f, "{i}"),
            Value::Str(s) => write!(f, "{s}"),
            Value::Null => f.write_str("NULL"),
            Value::Ident(s) | Value::Raw(s) => f.write_str(s),
            Value::Decorated {
                base,
                info,
                deleted,
            } => {
                write!(f, "{base}<{info}>")?;
                if *deleted {
                    f.write_str("(deleted)")?;
                }
                Ok(())
            }
            Value::Array(v) => {
                f.write_str("[")?;
                write_list(f, v, ", ")?;
                f.write_str("]")
            }
            Value::Set(v) => {
                f.write_str("[")?;
                write_list(f, v, " ")?;
                f.write_str("]")
            }
            Value::Struct(fields) => {
                f.write_str("{")?;
                for (i, field) in fields.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    if let Some(name) = &field.name {
                        write!(f, "{name}=")?;
                    }
                    write!(f, "{}", field.value)?;
                }
                f.write_str("}")
            }
            Value::Func { name, args } => {
                write!(f, "{name}(")?;
                write_list(f, args, ", ")?;
                f.write_str(")")
            }
            Value::Flags(v) => write_list(f, v, "|"),
            Value::Binary { op, lhs, rhs } if op.spaced() => {
                write!(f, "{lhs} {} {rhs}", op.as_str())
            }
            Value::Binary { op, lhs, rhs } => {
                // Tight, unless an operand's edge would fuse with the operator
                // into another token: `a & &b` printed `a&&b` reads as `&&`.
                let (l, r) = (lhs.to_string(), rhs.to_string());
                let fuses = |c: Option<char>| c.is_some_and(|c| "&|<>=!+*/%^~".contains(c));
                if fuses(l.chars().last()) || fuses(r.chars().next()) {
                    write!(f, "{l} {} {r}", op.as_str())
                } else {
                    write!(f, "{l}{}{r}", op.as_str())
                }
            }
            Value::Unary { op, operand } => write!(f, "{}{operand}", op.as_str()),
            Value::InOut(a, b) => write!(f, "{a} => {b}"),
            Value::Paren(v) => write!(f, "({v})"),
            Value::Commented { value, comment } => write!(f, "{value} /* {comment} */"),
            Value::Comment(c) => write!(f, "/* {c} */"),
            Value::Ellipsis => f.write_str("..."),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn parse(text: &str) -> Value<'_> {
        Value::parse(text).unwrap_or_else(|e| panic!("parse({text:?}): got {e}"))
    }

    #[track_caller]
    fn round_trips(text: &str) {
        let v = parse(text);
        assert_eq!(v.to_string(), text, "print(parse({text:?}))");
    }

    fn int(v: i128, radix: Radix) -> Value<'static> {
        Value::Int(Int { value: v, radix })
    }

    fn id(s: &str) -> Value<'_> {
        Value::Ident(Cow::Borrowed(s))
    }

    // ---- atoms ----------------------------------------------------------------

    #[test]
    fn parses_integers_in_every_base() {
        assert_eq!(parse("3"), int(3, Radix::Dec));
        assert_eq!(parse("-1"), int(-1, Radix::Dec));
        assert_eq!(parse("0x7ffc"), int(0x7ffc, Radix::Hex));
        assert_eq!(parse("0644"), int(0o644, Radix::Oct));
        assert_eq!(parse("0"), int(0, Radix::Dec));
        assert_eq!(
            parse("18446744073709551615"),
            int(u64::MAX.into(), Radix::Dec)
        );
        assert_eq!(parse("0x12g"), Value::Raw("0x12g".into()));
        assert_eq!(parse("1.5"), Value::Raw("1.5".into()));
    }

    #[test]
    fn decodes_string_escapes() {
        let v = parse(r#""a\n\t\"\\\x01\0\177\303\251""#);
        let Value::Str(s) = v else {
            panic!("got {v:?}")
        };
        assert_eq!(&*s.bytes(), b"a\n\t\"\\\x01\0\x7f\xc3\xa9");
        assert!(!s.is_truncated());
        let Value::Str(t) = parse(r#""abc"..."#) else {
            panic!()
        };
        assert!(t.is_truncated());
        assert_eq!(&*t.bytes(), b"abc");
    }

    #[test]
    fn escapes_like_strace() {
        let s = Str::from_bytes(b"a\n\0\x01x\x0017\xff\"\\");
        assert_eq!(s.escaped(), r#"a\n\0\1x\00017\377\"\\"#);
        assert_eq!(&*s.bytes(), b"a\n\0\x01x\x0017\xff\"\\");
    }

    #[test]
    fn parses_null_identifiers_and_decorations() {
        assert_eq!(parse("NULL"), Value::Null);
        assert_eq!(parse("AT_FDCWD"), id("AT_FDCWD"));
        let Value::Decorated {
            base,
            info,
            deleted,
        } = parse("7</dev/pts/0<char 136:0>>")
        else {
            panic!()
        };
        assert_eq!(
            (*base, &*info, deleted),
            (int(7, Radix::Dec), "/dev/pts/0<char 136:0>", false)
        );
        let Value::Decorated { info, deleted, .. } = parse("3</memfd:m>(deleted)") else {
            panic!()
        };
        assert_eq!((&*info, deleted), ("/memfd:m", true));
        round_trips("6<TCP:[127.0.0.1:80->127.0.0.1:4321]>");
        round_trips("AT_FDCWD</tmp/st>");
        round_trips("3</tmp/p\\74a\\76b>");
    }

    // ---- compounds ------------------------------------------------------------

    #[test]
    fn parses_arrays_sets_and_structs() {
        assert_eq!(
            parse("[3, 4]"),
            Value::Array(vec![int(3, Radix::Dec), int(4, Radix::Dec)])
        );
        assert_eq!(parse("[ILL TRAP]"), Value::Set(vec![id("ILL"), id("TRAP")]));
        assert_eq!(parse("[]"), Value::Array(vec![]));
        round_trips("~[RTMIN RT_1]");
        round_trips(r#"["ls", "-l"]"#);
        round_trips(r#"[{iov_base="..", iov_len=4}]"#);
        round_trips("{st_mode=S_IFREG|0644, st_size=0, ...}");
        round_trips("{sa_handler=SIG_DFL, sa_mask=[], sa_flags=SA_RESTORER|SA_ONSTACK}");
        round_trips("[3</x>, 4<pipe:[1]>]");
    }

    #[test]
    fn parses_functions_operators_and_comments() {
        round_trips("makedev(0x88, 0)");
        round_trips("[{WIFEXITED(s) && WEXITSTATUS(s) == 0}]");
        round_trips("{sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr(\"127.0.0.1\")}");
        round_trips("inet_pton(AF_INET6, \"::1\", &sin6_addr)");
        round_trips("0x7ffc /* 39 vars */");
        round_trips("/* 3 entries */");
        round_trips("[8 => 16]");
        round_trips("123 => 456");
        round_trips("8192*1024");
        round_trips("1<<3");
        round_trips("0x10|O_RDWR");
        round_trips("{flags=CLONE_VM, exit_signal=0} => {parent_tid=[3078]}");
        let Value::Binary { op, .. } = parse("a == b") else {
            panic!()
        };
        assert_eq!(op, BinaryOp::Eq);
        // `&&` binds looser than `==`:
        let Value::Binary { op, rhs, .. } = parse("a && b == 0") else {
            panic!()
        };
        assert_eq!(op, BinaryOp::LogAnd);
        assert!(matches!(
            *rhs,
            Value::Binary {
                op: BinaryOp::Eq,
                ..
            }
        ));
    }

    #[test]
    fn long_operator_chains_become_raw_not_deep_trees() {
        let chain = vec!["1"; 100_000].join("<<");
        assert!(matches!(parse(&chain), Value::Raw(_)));
        let flags = vec!["A"; 100_000].join("|");
        let Value::Flags(v) = parse(&flags) else {
            panic!()
        };
        assert_eq!(v.len(), 100_000);
    }

    #[test]
    fn unrecognised_balanced_text_is_raw() {
        assert_eq!(
            parse("<... resuming interrupted read ...>"),
            Value::Raw("<... resuming interrupted read ...>".into())
        );
        assert_eq!(parse("a->b"), Value::Raw("a->b".into()));
        assert_eq!(
            parse("[1, @x y, 3]"),
            Value::Array(vec![
                int(1, Radix::Dec),
                Value::Raw("@x y".into()),
                int(3, Radix::Dec)
            ])
        );
        assert_eq!(parse("{x=1 2 (3)}").to_string(), "{x=1 2 (3)}");
    }

    // ---- errors ---------------------------------------------------------------

    #[track_caller]
    fn fails(text: &str) -> (ErrorKind, usize) {
        match Value::parse(text) {
            Ok(v) => panic!("parse({text:?}): got {v:?}, want an error"),
            Err(e) => (e.kind(), e.column()),
        }
    }

    #[test]
    fn broken_brackets_and_quotes_are_errors() {
        assert_eq!(fails("[1, 2"), (ErrorKind::Unbalanced, 6));
        assert_eq!(fails("{a=\"x}"), (ErrorKind::Unterminated, 4));
        assert_eq!(fails("[1)"), (ErrorKind::Unbalanced, 3));
        assert_eq!(fails("1, 2"), (ErrorKind::Syntax, 2));
        assert_eq!(fails("1)"), (ErrorKind::Unbalanced, 2));
        let deep = "[".repeat(100_000);
        assert_eq!(fails(&deep).0, ErrorKind::TooDeep);
    }
}

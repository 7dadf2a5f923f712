//! Lazy argument lists: split on top-level commas without allocating, parse one
//! argument into a [`Value`] only when asked.

use std::fmt;

use crate::error::Error;
use crate::scan::{self, STOP_COMMA};
use crate::value::{self, Value};
use crate::ws;

/// The argument text of one call, e.g. `3</tmp/a>, "hi\n", 3`, split lazily.
///
/// Iterating yields one [`Arg`] per top-level comma-separated argument, borrowing
/// the text. Splitting trusts that the line parser already checked quotes and
/// brackets; on text that was not checked, a broken argument simply runs to the
/// end and reports its error when parsed with [`Arg::value`].
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Args<'a> {
    text: &'a str,
    /// Byte column of `text` in its line, for error positions.
    offset: usize,
}

impl<'a> Args<'a> {
    /// Wraps argument text found at byte `offset` of its line.
    pub(crate) fn new(text: &'a str, offset: usize) -> Args<'a> {
        Args { text, offset }
    }

    /// Wraps argument text that stands alone (errors count columns from it).
    pub fn from_text(text: &'a str) -> Args<'a> {
        Args { text, offset: 0 }
    }

    /// 0-based byte offset of the text in its line.
    pub(crate) fn offset(&self) -> usize {
        self.offset
    }

    /// The whole argument text, as strace wrote it.
    pub fn as_str(&self) -> &'a str {
        self.text
    }

    /// Iterates over the arguments.
    pub fn iter(&self) -> ArgIter<'a> {
        ArgIter {
            text: self.text,
            offset: self.offset,
            pos: 0,
            done: ws::trim(self.text).is_empty(),
        }
    }

    /// The `n`th argument (0-based), splitting only as far as needed.
    pub fn get(&self, n: usize) -> Option<Arg<'a>> {
        self.iter().nth(n)
    }
}

impl<'a> IntoIterator for Args<'a> {
    type Item = Arg<'a>;
    type IntoIter = ArgIter<'a>;
    fn into_iter(self) -> ArgIter<'a> {
        self.iter()
    }
}

impl fmt::Display for Args<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text)
    }
}

impl fmt::Debug for Args<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Args({:?})", self.text)
    }
}

/// Iterator over the [`Arg`]s of [`Args`].
#[derive(Debug, Clone)]
pub struct ArgIter<'a> {
    text: &'a str,
    offset: usize,
    pos: usize,
    done: bool,
}

impl<'a> Iterator for ArgIter<'a> {
    type Item = Arg<'a>;

    fn next(&mut self) -> Option<Arg<'a>> {
        if self.done {
            return None;
        }
        let start = self.pos;
        let end = match scan::scan(self.text, start, STOP_COMMA) {
            Ok(stop) => stop.pos,
            Err(_) => self.text.len(),
        };
        let last = end >= self.text.len();
        if last {
            self.done = true;
        }
        self.pos = end + 1;
        let raw = &self.text[start..end];
        let from_lead = ws::trim_start(raw);
        let arg = ws::trim_end(from_lead);
        // Halves of a split call start or end at a comma: `, child_tidptr=0x7f`,
        // `AT_FDCWD, "/x", `. The empty piece outside that comma is no argument.
        if arg.is_empty() && ((start == 0 && !last) || (last && start > 0)) {
            return self.next();
        }
        let lead = raw.len() - from_lead.len();
        Some(Arg::new(arg, self.offset + start + lead))
    }
}

/// One argument, e.g. `flags=O_RDONLY|O_CLOEXEC` or `3</tmp/a>`, unparsed.
///
/// strace names some arguments (`clone(child_stack=NULL, flags=...)`): the name is
/// split off here, and [`text`](Arg::text) is what follows the `=`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Arg<'a> {
    name: Option<&'a str>,
    text: &'a str,
    offset: usize,
}

impl<'a> Arg<'a> {
    fn new(raw: &'a str, offset: usize) -> Arg<'a> {
        match value::split_field_name(raw) {
            Some((name, rest)) => Arg {
                name: Some(name),
                text: rest,
                offset: offset + (raw.len() - rest.len()),
            },
            None => Arg {
                name: None,
                text: raw,
                offset,
            },
        }
    }

    /// The argument's name, for `name=value` arguments.
    pub fn name(&self) -> Option<&'a str> {
        self.name
    }

    /// The value's text, without the name.
    pub fn text(&self) -> &'a str {
        self.text
    }

    /// Parses the value.
    ///
    /// Well-bracketed text that is not recognised becomes [`Value::Raw`]; only
    /// broken quotes or brackets (or nesting past [`MAX_DEPTH`](crate::MAX_DEPTH))
    /// are errors, with columns counted in the line the argument came from.
    pub fn value(&self) -> Result<Value<'a>, Error> {
        value::parse_at(self.text, self.offset)
    }

    /// The argument as an integer, without building a [`Value`]: decimal, `0x` hex
    /// or `0` octal, optionally negative, ignoring a `<...>` decoration (`3</tmp/a>`
    /// is 3). `AT_FDCWD` is -100. `None` for anything else.
    pub fn int(&self) -> Option<i64> {
        let t = self.text;
        let end = t.find('<').unwrap_or(t.len());
        let number = &t[..end];
        if number == "AT_FDCWD" {
            return Some(-100);
        }
        value::parse_int_token(number).and_then(|(v, _)| i64::try_from(v).ok())
    }

    /// The text inside the decoration that `-y`/`-yy` add to file descriptors
    /// (`/tmp/a` for `3</tmp/a>`, `pipe:[12]` for `4<pipe:[12]>`), still escaped.
    pub fn decoration(&self) -> Option<&'a str> {
        let open = self.text.find('<')?;
        let end = scan::skip_angle(self.text, open).ok()?;
        Some(&self.text[open + 1..end - 1])
    }
}

impl fmt::Display for Arg<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(name) = self.name {
            write!(f, "{name}=")?;
        }
        f.write_str(self.text)
    }
}

impl fmt::Debug for Arg<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Arg({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn split(text: &str) -> Vec<String> {
        Args::from_text(text)
            .iter()
            .map(|a| a.to_string())
            .collect()
    }

    #[test]
    fn args_split_on_top_level_commas() {
        assert_eq!(split(""), Vec::<String>::new());
        assert_eq!(split("3"), ["3"]);
        assert_eq!(
            split("3</a,b>, \"x, y\", [1, 2], {a=1, b=2}, f(1, 2)"),
            ["3</a,b>", "\"x, y\"", "[1, 2]", "{a=1, b=2}", "f(1, 2)"]
        );
        assert_eq!(split("AT_FDCWD, \"/x\", "), ["AT_FDCWD", "\"/x\""]);
        assert_eq!(split(", child_tidptr=0x7f"), ["child_tidptr=0x7f"]);
        assert_eq!(split("1, , 2"), ["1", "", "2"]);
    }

    #[test]
    fn args_split_names() {
        let args = Args::from_text("child_stack=NULL, flags=CLONE_VM|SIGCHLD, x == 1");
        let names: Vec<_> = args.iter().map(|a| (a.name(), a.text())).collect();
        assert_eq!(
            names,
            [
                (Some("child_stack"), "NULL"),
                (Some("flags"), "CLONE_VM|SIGCHLD"),
                (None, "x == 1")
            ]
        );
    }

    #[test]
    fn arg_int_and_decoration() {
        let args = Args::from_text("3</tmp/a>, AT_FDCWD</x>, 0x10, 0644, -1, O_RDWR, 4<pipe:[5]>");
        let ints: Vec<_> = args.iter().map(|a| a.int()).collect();
        assert_eq!(
            ints,
            [
                Some(3),
                Some(-100),
                Some(16),
                Some(0o644),
                Some(-1),
                None,
                Some(4)
            ]
        );
        let decos: Vec<_> = args.iter().map(|a| a.decoration()).collect();
        assert_eq!(decos[0], Some("/tmp/a"));
        assert_eq!(decos[6], Some("pipe:[5]"));
        assert_eq!(decos[2], None);
    }

    #[test]
    fn arg_value_errors_count_columns_in_the_line() {
        // "[2" starts at byte 3 of the args, which start at byte 5 of the line;
        // the missing `]` is reported at the end: byte 10, column 11.
        let args = Args::new("1, [2", 5);
        let err = args.get(1).unwrap().value().unwrap_err();
        assert_eq!(err.column(), 11);
    }
}

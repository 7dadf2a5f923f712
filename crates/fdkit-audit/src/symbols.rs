//! Source locations from `strace -k` stack traces.
//!
//! With `-k`, strace prints after each completed call the stack of the thread
//! that made it, innermost first, one frame a line:
//!
//! ```text
//! 1648  openat(AT_FDCWD, "/etc/passwd", O_RDONLY) = 4
//!  > /usr/lib/x86_64-linux-gnu/libc.so.6(__open64+0x51) [0xf8011]
//!  > /tmp/prog(main+0x3d) [0x11d6]
//!  > /usr/lib/x86_64-linux-gnu/libc.so.6(__libc_start_main+0x85) [0x27305]
//! ```
//!
//! A frame is `BINARY(SYMBOL+0xOFF) [0xADDR]` (`BINARY() [0xADDR]` without a
//! symbol): the bracketed value is the return address as an offset into the
//! mapped file (strace's `unwind.c`: the address minus the mapping's start plus
//! the mapping's file offset), the same for every run of a position-independent
//! binary. The frames follow the line where the call *completed* (the call's
//! own line, or its `<... resumed>` line), and that is the line number the
//! replay gives the call's events ([`Stacks`]).
//!
//! Of a stack, the audit keeps one frame: the first (innermost) that is not in a
//! system shared library (a `.so` under `/lib`, `/lib64`, `/usr/lib`,
//! `/usr/lib64`), so `open` in libc called from `main` is placed in `main`; a
//! call made only by system libraries (the dynamic loader opening libc) has no
//! source location.
//! [`Symbolizer`] turns it into `file:line (function)` with the binary's DWARF
//! line table ([`addr2line`]; each binary is read once), or leaves it
//! `binary+0xOFFSET (symbol)` when the binary is gone or has no debug
//! information.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

/// One `-k` frame: ` > BINARY(SYMBOL+0xOFF) [0xOFFSET]`.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Frame {
    /// The mapped file, as strace names it (an absolute path).
    pub binary: Arc<str>,
    /// The symbol strace found (`main`, `__open64`), without its `+0x..`.
    pub symbol: Option<Arc<str>>,
    /// The return address as an offset into the file (the bracketed value).
    pub offset: u64,
}

impl Frame {
    /// Parses the text of a frame line after its ` > ` (`/tmp/p(main+0x21)
    /// [0x11ba]`); `None` for strace's `backtracing_error` lines and anything
    /// else that is not a frame.
    pub fn parse(text: &str) -> Option<Frame> {
        let (binary, symbol, offset) = split(text)?;
        Some(Frame {
            binary: binary.into(),
            symbol: symbol.map(Into::into),
            offset,
        })
    }

    /// Whether the frame is in a system shared library (libc, the dynamic
    /// loader, ...), which the audit skips to find the program's own frame.
    pub fn in_system_library(&self) -> bool {
        system_library(&self.binary)
    }
}

/// A frame's text as (binary, symbol, offset), borrowed.
fn split(text: &str) -> Option<(&str, Option<&str>, u64)> {
    let (binary, symbol, offset) = split_bytes(text.as_bytes())?;
    // The cuts are at ASCII bytes, so both parts are `str` too.
    let binary = std::str::from_utf8(binary).ok()?;
    let symbol = symbol.and_then(|s| std::str::from_utf8(s).ok());
    Some((binary, symbol, offset))
}

/// A frame's (binary, symbol, offset) as bytes of its line.
type RawFrame<'a> = (&'a [u8], Option<&'a [u8]>, u64);

/// [`split`] on bytes: a log line is validated as UTF-8 only where it is kept.
fn split_bytes(text: &[u8]) -> Option<RawFrame<'_>> {
    let text = text.trim_ascii_end();
    let cut = text.windows(2).rposition(|w| w == b" [")?;
    let (head, addr) = (&text[..cut], &text[cut + 2..]);
    let offset = parse_hex(std::str::from_utf8(addr.strip_suffix(b"]")?).ok()?)?;
    let head = head.strip_suffix(b")")?;
    let open = head.iter().position(|&b| b == b'(')?;
    let (binary, symbol) = (&head[..open], &head[open + 1..]);
    if binary.is_empty() {
        return None;
    }
    let symbol = match symbol.iter().rposition(|&b| b == b'+') {
        Some(plus) if symbol[plus + 1..].starts_with(b"0x") => &symbol[..plus],
        _ => symbol,
    };
    Some((binary, (!symbol.is_empty()).then_some(symbol), offset))
}

/// A `.so` (or the dynamic loader) under `/lib`, `/lib64`, `/usr/lib`, `/usr/lib64`.
fn system_library(b: &str) -> bool {
    system_library_bytes(b.as_bytes())
}

fn system_library_bytes(b: &[u8]) -> bool {
    let name = match b.iter().rposition(|&c| c == b'/') {
        Some(i) => &b[i + 1..],
        None => b,
    };
    let shared = name.windows(3).any(|w| w == b".so") || name.starts_with(b"ld-linux");
    let system = [&b"/lib/"[..], b"/lib64/", b"/usr/lib/", b"/usr/lib64/"]
        .iter()
        .any(|d| b.starts_with(d));
    shared && system
}

fn parse_hex(s: &str) -> Option<u64> {
    u64::from_str_radix(s.strip_prefix("0x")?, 16).ok()
}

/// Where a call was made in the program: a frame, resolved as far as the
/// binary allows.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Source {
    /// The binary of the frame.
    pub binary: String,
    /// The frame's offset into it (strace's bracketed value).
    pub offset: u64,
    /// The function: DWARF's name for the address, else strace's symbol.
    pub function: Option<String>,
    /// The source file, from the binary's DWARF line table.
    pub file: Option<String>,
    /// The source line.
    pub line: Option<u32>,
}

impl Source {
    /// `prog.c:12` with debug information, `/tmp/prog+0x11d6` without.
    pub fn place(&self) -> String {
        match (&self.file, self.line) {
            (Some(f), Some(l)) => format!("{f}:{l}"),
            (Some(f), None) => f.clone(),
            _ => format!("{}+{:#x}", self.binary, self.offset),
        }
    }
}

impl fmt::Display for Source {
    /// `prog.c:12 (main)`, `/tmp/prog+0x11d6 (main)`, `/tmp/prog+0x11d6`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.place())?;
        if let Some(func) = &self.function {
            write!(f, " ({func})")?;
        }
        Ok(())
    }
}

/// The chosen frame of every call the log gave a stack, by line: feed every
/// line of the log to [`Stacks::push_line`] in order.
///
/// Memory: each distinct frame once, and 12 bytes per call with a stack.
#[derive(Default, Debug)]
pub struct Stacks {
    /// Each binary's name once, with its number.
    binaries: HashMap<Arc<str>, u32>,
    frames: Vec<Frame>,
    /// (binary number, offset) → frame id (a binary's offset has one symbol).
    ids: HashMap<(u32, u64), u32>,
    /// (line of the call, frame id), in increasing line order.
    lines: Vec<(u64, u32)>,
    /// The last line that was not a frame.
    last: u64,
    /// A program frame was found for `last`: the rest of its stack is skipped.
    chosen: bool,
}

impl Stacks {
    /// Notes line `number` of the log: a frame line (` > ...`) belongs to the
    /// last line that was not one.
    pub fn push_line(&mut self, number: u64, text: &[u8]) {
        let trimmed = text.trim_ascii_start();
        let Some(frame) = trimmed.strip_prefix(b"> ") else {
            self.chosen = false;
            self.last = number;
            return;
        };
        if self.chosen || self.last == 0 {
            return;
        }
        // Borrowed until a new frame must be kept: no allocation per line.
        let Some((binary, symbol, offset)) = split_bytes(frame) else {
            return;
        };
        if system_library_bytes(binary) {
            return;
        }
        let (Ok(binary), Ok(symbol)) = (
            std::str::from_utf8(binary),
            symbol.map(std::str::from_utf8).transpose(),
        ) else {
            return;
        };
        let bin = match self.binaries.get(binary) {
            Some(&b) => b,
            None => {
                let b = self.binaries.len() as u32;
                self.binaries.insert(binary.into(), b);
                b
            }
        };
        let id = match self.ids.get(&(bin, offset)) {
            Some(&id) => id,
            None => {
                let id = self.frames.len() as u32;
                let binary = self
                    .binaries
                    .get_key_value(binary)
                    .map_or_else(|| binary.into(), |(k, _)| k.clone());
                self.frames.push(Frame {
                    binary,
                    symbol: symbol.map(Into::into),
                    offset,
                });
                self.ids.insert((bin, offset), id);
                id
            }
        };
        self.lines.push((self.last, id));
        self.chosen = true;
    }

    /// The chosen frame of the call at `line`, if it had a stack.
    pub fn frame_at(&self, line: u64) -> Option<&Frame> {
        let i = self.lines.binary_search_by_key(&line, |&(l, _)| l).ok()?;
        self.frames.get(self.lines[i].1 as usize)
    }

    /// Whether no call of the log had a program frame (no `strace -k`, or only
    /// system libraries).
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }
}

/// One binary's symbolizer: its DWARF and its loadable segments.
struct Binary {
    loader: addr2line::Loader,
    /// (file offset, file size, virtual address) of each `PT_LOAD` segment.
    segments: Vec<(u64, u64, u64)>,
}

impl Binary {
    /// The binary at `path`, if it is a regular file that parses (a log's
    /// paths are not trusted: a device or FIFO is never read).
    fn open(path: &str) -> Option<Binary> {
        // `stat` first: opening a FIFO would block.
        if !std::fs::metadata(path).ok()?.is_file() {
            return None;
        }
        let file = std::fs::File::open(path).ok()?;
        let segments = {
            use object::{Object as _, ObjectSegment as _};
            // Read lazily: the headers, not the whole file.
            let cache = object::ReadCache::new(file);
            let obj = object::File::parse(&cache).ok()?;
            obj.segments()
                .map(|s| {
                    let (off, size) = s.file_range();
                    (off, size, s.address())
                })
                .collect()
        };
        let loader = addr2line::Loader::new(path).ok()?;
        Some(Binary { loader, segments })
    }

    /// The virtual address (as DWARF states it) of file offset `off`.
    fn address(&self, off: u64) -> Option<u64> {
        self.segments
            .iter()
            .find(|&&(o, size, _)| off >= o && off - o < size)
            .and_then(|&(o, _, addr)| addr.checked_add(off - o))
    }
}

/// Resolves [`Frame`]s to [`Source`]s, reading each binary once.
#[derive(Default)]
pub struct Symbolizer {
    binaries: HashMap<Arc<str>, Option<Binary>>,
}

impl fmt::Debug for Symbolizer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Symbolizer")
            .field("binaries", &self.binaries.len())
            .finish()
    }
}

impl Symbolizer {
    /// `frame` as `file:line (function)` where the binary has a DWARF line
    /// table for it, else as `binary+0xOFFSET (symbol)`. The line is that of the
    /// call instruction: the frame's return address minus one.
    pub fn resolve(&mut self, frame: &Frame) -> Source {
        let mut source = Source {
            binary: frame.binary.to_string(),
            offset: frame.offset,
            function: frame.symbol.as_deref().map(str::to_owned),
            file: None,
            line: None,
        };
        let bin = self
            .binaries
            .entry(frame.binary.clone())
            .or_insert_with(|| Binary::open(&frame.binary));
        let Some(bin) = bin else {
            return source;
        };
        let Some(addr) = bin.address(frame.offset.saturating_sub(1)) else {
            return source;
        };
        // The file at that path now may not be the binary that ran (a log from
        // another machine, a rebuilt program): where strace named the function,
        // the binary must agree, else its lines are not trusted.
        if let (Some(want), Some(have)) = (frame.symbol.as_deref(), bin.loader.find_symbol(addr)) {
            // strace may print the name demangled (`f(int)`), the table has it raw.
            let plain = addr2line::demangle_auto(have.into(), None);
            if want != have && !plain.starts_with(want) {
                return source;
            }
        }
        if let Ok(Some(loc)) = bin.loader.find_location(addr) {
            source.file = loc.file.map(str::to_owned);
            source.line = loc.line;
        }
        if let Ok(mut frames) = bin.loader.find_frames(addr) {
            // The innermost function (an inlined one if the call was inlined).
            if let Ok(Some(f)) = frames.next() {
                if let Some(name) = f
                    .function
                    .and_then(|n| n.demangle().ok().map(|d| d.into_owned()))
                {
                    source.function = Some(name);
                }
            }
        }
        source
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_parse_as_strace_prints_them() {
        let f = Frame::parse("/usr/lib/x86_64-linux-gnu/libc.so.6(__open64+0x51) [0xf8011]")
            .expect("a frame");
        assert_eq!(&*f.binary, "/usr/lib/x86_64-linux-gnu/libc.so.6");
        assert_eq!(f.symbol.as_deref(), Some("__open64"));
        assert_eq!(f.offset, 0xf8011);
        assert!(f.in_system_library());
        let f = Frame::parse("/usr/bin/true(+0x0) [0x23f1]").expect("a frame");
        assert_eq!((f.symbol, f.offset), (None, 0x23f1));
        let f = Frame::parse("/tmp/p() [0x11ba]").expect("a frame");
        assert!(!f.in_system_library());
        assert_eq!(f.symbol, None);
        assert_eq!(Frame::parse("unexpected_backtracing_error [0x7f00]"), None);
        assert_eq!(Frame::parse("backtracing_error"), None);
    }

    #[test]
    fn the_first_frame_outside_system_libraries_is_kept() {
        let log = "1 openat(AT_FDCWD, \"a\", O_RDONLY) = 3
 > /usr/lib/x86_64-linux-gnu/libc.so.6(__open64+0x51) [0xf8011]
 > /tmp/p(main+0x21) [0x11ba]
 > /usr/lib/x86_64-linux-gnu/libc.so.6(__libc_start_main+0x85) [0x27305]
1 close(3) = 0
 > /lib64/ld-linux-x86-64.so.2(_dl_catch_error+0x8587) [0x20a07]
 > /lib64/ld-linux-x86-64.so.2(_dl_debug_state+0x201) [0x2261]
1 read(3, \"\", 1) = 0
";
        let mut s = Stacks::default();
        for (i, l) in log.lines().enumerate() {
            s.push_line(i as u64 + 1, l.as_bytes());
        }
        let f = s.frame_at(1).expect("line 1 has a stack");
        assert_eq!((&*f.binary, f.offset), ("/tmp/p", 0x11ba));
        // Only the loader: no program frame.
        assert_eq!(s.frame_at(5), None);
        assert_eq!(s.frame_at(8), None);
        assert_eq!(s.frame_at(2), None);
    }

    #[test]
    fn hostile_frames_are_not_frames() {
        for text in [
            "/p(main+0x1) [0xffffffffffffffffff]",
            "/p(main+0x1) [0x]",
            "/p(main+0x1) [12]",
            "(main+0x1) [0x12]",
            "/p main [0x12]",
            "",
            " [",
        ] {
            assert_eq!(Frame::parse(text), None, "{text:?}");
        }
        let mut s = Stacks::default();
        s.push_line(1, b"1 read(3, \"\", 1) = 0");
        s.push_line(2, b" > /p\xff\xfe(main+0x1) [0x12]");
        s.push_line(3, b" > ");
        assert!(s.is_empty());
        // A frame before any call line belongs to nothing.
        let mut s = Stacks::default();
        s.push_line(1, b" > /p(main+0x1) [0x12]");
        assert!(s.is_empty());
    }

    #[test]
    fn devices_and_fifos_named_by_a_log_are_never_read() {
        let mut sym = Symbolizer::default();
        for path in ["/dev/zero", "/dev/stdin", "/proc/self/mem"] {
            let f = Frame::parse(&format!("{path}(main+0x1) [0x10]")).expect("a frame");
            assert_eq!(sym.resolve(&f).file, None, "{path}");
        }
    }

    #[test]
    fn a_missing_binary_stays_binary_plus_offset() {
        let mut sym = Symbolizer::default();
        let f = Frame::parse("/nonexistent/prog(main+0x21) [0x11ba]").expect("a frame");
        let s = sym.resolve(&f);
        assert_eq!(s.to_string(), "/nonexistent/prog+0x11ba (main)");
    }
}

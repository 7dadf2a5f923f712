//! `--dot` / `--svg`: the three-table picture of `fdkit tables`, `fdkit audit` and
//! `fdkit run`, drawn by `fdkit_draw` from the replay's or the model's tables.

use std::collections::HashMap;

use fdkit_draw::{Fd, Mark, Panel, Picture};
use fdkit_replay::{Event, FdView, Kind, ProcessTable, Sink};
use fdkit_scenario::{print, Table, TableState};

/// Which picture format was asked for.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Format {
    /// Graphviz DOT.
    Dot,
    /// SVG, laid out by fdkit.
    Svg,
}

impl Format {
    /// The format of `--dot` / `--svg` (clap makes them exclusive).
    pub fn from_flags(dot: bool, svg: bool) -> Option<Format> {
        match (dot, svg) {
            (true, _) => Some(Format::Dot),
            (_, true) => Some(Format::Svg),
            _ => None,
        }
    }

    /// The picture as text in this format.
    pub fn render(self, p: &Picture) -> String {
        match self {
            Format::Dot => fdkit_draw::dot(p),
            Format::Svg => fdkit_draw::svg(p),
        }
    }
}

/// `--finding N`: the Nth of `all` (1-based), or all of them without `N`.
///
/// # Errors
/// `N` past the last finding: one line naming how many there are.
pub fn chosen<'a, T>(all: &'a [T], n: Option<u64>, name: &str) -> anyhow::Result<&'a [T]> {
    let Some(n) = n else {
        return Ok(all);
    };
    let i = usize::try_from(n - 1).unwrap_or(usize::MAX);
    match all.get(i) {
        Some(_) => Ok(&all[i..=i]),
        None => anyhow::bail!(
            "{name}: --finding {n}: there {} {} finding{}",
            if all.len() == 1 { "is" } else { "are" },
            all.len(),
            if all.len() == 1 { "" } else { "s" }
        ),
    }
}

/// The status flags as `F_GETFL` would print them, with `|?` when some bits are
/// not known; empty when the access mode is not known.
pub fn status_text(v: &FdView) -> String {
    let s = v.desc.status();
    let access = fdkit::flags::O_ACCMODE | fdkit::OFlags::PATH.bits();
    if s.unknown & access != 0 {
        return String::new();
    }
    let mut t = print::open_flags(s.bits & !s.unknown);
    if s.unknown != 0 {
        t.push_str("|?");
    }
    t
}

/// The object a description refers to: its key (equal for one file or one
/// pipe) and its label. Placeholders (`pipe:[?]`, `(inherited)`) are one object
/// per description, except both ends of one `pipe2`, which share one.
pub fn object_of(v: &FdView) -> (String, String) {
    let link = v.desc.link();
    let placeholder = link.contains("[?]") || link == "(inherited)" || link == "?";
    if !placeholder {
        return (format!("link:{link}"), link);
    }
    let o = v.desc.origin();
    match v.desc.kind() {
        Kind::Pipe if o.line > 0 => (
            format!("pipe@{}:{:?}", o.line, o.pid),
            format!("pipe (line {})", o.line),
        ),
        _ => (format!("desc:{}", v.desc.id()), link),
    }
}

/// A replayed descriptor as a picture row.
pub fn replay_fd(v: &FdView, mark: Option<Mark>) -> Fd {
    let (object, object_label) = object_of(v);
    Fd {
        fd: v.fd,
        cloexec: v.cloexec,
        description: v.desc.id().to_string(),
        flags: status_text(v),
        offset: if v.desc.has_offset() {
            v.desc.offset()
        } else {
            None
        },
        object,
        object_label,
        mark,
    }
}

/// The title and subtitle of a replayed process's table.
pub fn replay_heading(t: &ProcessTable, programs: &Programs) -> (String, String) {
    let title = format!("pid {}", t.pid);
    let mut sub = programs.get(t.pid).to_owned();
    if t.tids.len() > 1 {
        sub.push_str(&format!(", {} threads", t.tids.len()));
    }
    if !t.shared_with.is_empty() {
        let with: Vec<String> = t.shared_with.iter().map(u32::to_string).collect();
        sub.push_str(&format!(", table shared with {}", with.join(", ")));
    }
    (title, sub)
}

/// The scenario model's tables as one panel.
pub fn scenario_panel(title: &str, tables: &[Table]) -> Panel {
    let mut panel = Panel::new(title);
    for t in tables {
        let (sub, fds) = match &t.state {
            TableState::Open(entries) => (
                String::new(),
                entries
                    .iter()
                    .map(|e| Fd {
                        fd: e.fd,
                        cloexec: e.cloexec,
                        description: e.ofd.clone(),
                        flags: print::open_flags(e.flags),
                        offset: e.pos,
                        object: e.link.clone(),
                        object_label: e.link.clone(),
                        mark: None,
                    })
                    .collect(),
            ),
            TableState::SharedWith(owner) => (format!("the very table of pid {owner}"), Vec::new()),
            TableState::Exited(_) => ("exited (a zombie: no table)".to_owned(), Vec::new()),
        };
        panel.add_table(format!("pid {}", t.pid), sub, fds);
    }
    panel
}

/// Each process's program, learned from `execve` events (children start with
/// their parent's): a sink to run next to the others.
#[derive(Default, Debug)]
pub struct Programs {
    by_pid: HashMap<u32, String>,
}

impl Programs {
    /// The program of `pid`, or `?`.
    pub fn get(&self, pid: u32) -> &str {
        self.by_pid.get(&pid).map_or("?", String::as_str)
    }

    /// Learns from one event.
    pub fn learn(&mut self, e: &Event) {
        match e {
            Event::Exec { pid, program, .. } => {
                self.by_pid.insert(*pid, program.clone());
            }
            Event::Forked { parent, child, .. } => {
                if let Some(p) = self.by_pid.get(parent).cloned() {
                    self.by_pid.entry(*child).or_insert(p);
                }
            }
            _ => {}
        }
    }
}

impl Sink for Programs {
    fn wants_events(&self) -> bool {
        true
    }
    fn event(&mut self, e: &Event) {
        self.learn(e);
    }
}

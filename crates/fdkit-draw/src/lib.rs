//! # fdkit-draw: the three-table picture
//!
//! The textbook picture of Unix descriptors, in three columns: each process's
//! **descriptor table** (numbers, with their close-on-exec flag) points into the
//! system-wide table of **open file descriptions** (offset and status flags,
//! shared by `dup`, `dup2` and `fork`), which point to the **files, pipes and
//! sockets** themselves (two `open`s of one file: two descriptions, one file).
//!
//! A [`Picture`] is one or more [`Panel`]s (a moment each: tables at a log line,
//! or the tables a finding is about), built with [`Panel::add_table`] from plain
//! values, so any source can draw: the strace replay, the scenario model. Output:
//!
//! - [`dot`]: Graphviz DOT text (`dot -Tsvg`, `dot -Tpng`), one cluster per panel;
//! - [`svg`]: SVG laid out here, without Graphviz: columns left to right, boxes
//!   placed near the rows that point to them, edges as curves with arrowheads.
//!
//! ```
//! use fdkit_draw::{Fd, Panel, Picture};
//!
//! let mut panel = Panel::new("after dup(3) and fork()");
//! let file = Fd::new(3, "ofd-1", "/tmp/a").flags("O_RDWR").offset(5);
//! panel.add_table("pid 100", "/bin/app", vec![file.clone(), Fd { fd: 4, ..file.clone() }]);
//! panel.add_table("pid 101", "/bin/app", vec![file]);
//! let picture = Picture { panels: vec![panel] };
//! let svg = fdkit_draw::svg(&picture);
//! assert!(svg.starts_with("<svg") && svg.contains("/tmp/a"));
//! assert_eq!(picture.panels[0].descriptions.len(), 1); // one description, three descriptors
//! assert!(fdkit_draw::dot(&picture).contains("digraph"));
//! ```
//!
//! # Large programs
//!
//! A real program's tables are long (a Python start holds dozens of
//! descriptors in dozens of processes), so both outputs draw each panel
//! *summarised* ([`Panel::bounded`]): at most [`MAX_TABLES`] processes (the
//! first ones, which callers order by importance; the others are named in a
//! note) and at most [`MAX_ROWS`] rows per table (marked and ghost rows first,
//! then the lowest numbers; the table's title says how many are not drawn). A
//! panel's height is thereby bounded (about 2,700 px in SVG, plus its notes),
//! whatever the log. Both outputs end with a legend.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod dot;
mod svg;
mod text;

pub use dot::dot;
pub use svg::svg;

/// The most process tables a panel draws (see [`Panel::bounded`]).
pub const MAX_TABLES: usize = 6;
/// The most rows a table draws (see [`Panel::bounded`]).
pub const MAX_ROWS: usize = 20;

/// What a highlighted row or note is about: findings by severity.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Mark {
    /// A high-severity finding.
    High,
    /// A medium-severity finding.
    Medium,
    /// A low-severity finding.
    Low,
    /// Worth knowing.
    Info,
}

impl Mark {
    /// The highlight colour (fill) and the stroke colour.
    pub(crate) fn colors(self) -> (&'static str, &'static str) {
        match self {
            Mark::High => ("#fdd5d5", "#c62828"),
            Mark::Medium => ("#ffe6c7", "#e06c00"),
            Mark::Low => ("#fff6bf", "#a08000"),
            Mark::Info => ("#dbeafe", "#1d4ed8"),
        }
    }
}

/// One descriptor to draw, with its description and object (input to
/// [`Panel::add_table`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fd {
    /// The number.
    pub fd: u32,
    /// Its close-on-exec flag.
    pub cloexec: bool,
    /// The identity of its open file description: equal keys are one description.
    pub description: String,
    /// The description's status flags as text (`O_RDWR|O_APPEND`); empty if unknown.
    pub flags: String,
    /// The description's offset, where it has one and it is known.
    pub offset: Option<u64>,
    /// The identity of the object: equal keys are one file, pipe or socket.
    pub object: String,
    /// What `ls -l /proc/PID/fd` shows for it: a path, `pipe:[N]`, `socket:[N]`.
    pub object_label: String,
    /// A highlight (a finding about this descriptor).
    pub mark: Option<Mark>,
}

impl Fd {
    /// Descriptor `fd` of description `description`, referring to `object` (also
    /// its label); not close-on-exec, no flags or offset, not marked.
    pub fn new(fd: u32, description: impl Into<String>, object: impl Into<String>) -> Fd {
        let object = object.into();
        Fd {
            fd,
            cloexec: false,
            description: description.into(),
            flags: String::new(),
            offset: None,
            object_label: object.clone(),
            object,
            mark: None,
        }
    }

    /// With these status flags.
    pub fn flags(self, flags: impl Into<String>) -> Fd {
        Fd {
            flags: flags.into(),
            ..self
        }
    }

    /// With this offset.
    pub fn offset(self, offset: u64) -> Fd {
        Fd {
            offset: Some(offset),
            ..self
        }
    }
}

/// A picture: panels drawn one below the other.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Picture {
    /// The panels, top to bottom.
    pub panels: Vec<Panel>,
}

/// One moment: some processes' tables and what they point to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Panel {
    /// Shown above the panel.
    pub title: String,
    /// The first column, top to bottom.
    pub tables: Vec<Table>,
    /// The second column.
    pub descriptions: Vec<Description>,
    /// The third column.
    pub objects: Vec<Object>,
    /// Lines shown under the panel (findings), with their mark.
    pub notes: Vec<(Option<Mark>, String)>,
}

/// A process's descriptor table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    /// The first header line: `pid 100`.
    pub title: String,
    /// The second header line: the program, or `shares 100's table`.
    pub subtitle: String,
    /// Its descriptors, top to bottom.
    pub rows: Vec<Row>,
}

/// One row of a [`Table`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// The descriptor number.
    pub fd: u32,
    /// Its close-on-exec flag.
    pub cloexec: bool,
    /// Index into [`Panel::descriptions`]; `None` for a ghost row (a number that is
    /// not open, shown because a finding is about it).
    pub description: Option<usize>,
    /// Text after the number on a ghost row (`closed at line 32`).
    pub ghost: Option<String>,
    /// Highlight.
    pub mark: Option<Mark>,
}

/// An open file description.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Description {
    /// Its key (from [`Fd::description`]).
    pub key: String,
    /// A short label, `A`, `B`... in order of first appearance.
    pub label: String,
    /// Status flags (`O_RDWR|O_APPEND`), empty if unknown.
    pub flags: String,
    /// Offset, where known.
    pub offset: Option<u64>,
    /// Index into [`Panel::objects`].
    pub object: usize,
}

/// A file, pipe or socket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Object {
    /// Its key (from [`Fd::object`]).
    pub key: String,
    /// Its text: a path, `pipe:[N]`...
    pub label: String,
}

impl Panel {
    /// An empty panel.
    pub fn new(title: impl Into<String>) -> Panel {
        Panel {
            title: title.into(),
            ..Panel::default()
        }
    }

    /// Adds a table; descriptions and objects are shared by key with what the
    /// panel already has.
    pub fn add_table(
        &mut self,
        title: impl Into<String>,
        subtitle: impl Into<String>,
        fds: Vec<Fd>,
    ) {
        let rows = fds
            .into_iter()
            .map(|f| {
                let object = self.object(&f.object, &f.object_label);
                let description = self.description(&f, object);
                Row {
                    fd: f.fd,
                    cloexec: f.cloexec,
                    description: Some(description),
                    ghost: None,
                    mark: f.mark,
                }
            })
            .collect();
        self.tables.push(Table {
            title: title.into(),
            subtitle: subtitle.into(),
            rows,
        });
    }

    /// Adds a ghost row (a number not open) to table `table`, in number order.
    pub fn add_ghost(
        &mut self,
        table: usize,
        fd: u32,
        text: impl Into<String>,
        mark: Option<Mark>,
    ) {
        let Some(t) = self.tables.get_mut(table) else {
            return;
        };
        let at = t
            .rows
            .iter()
            .position(|r| r.fd > fd)
            .unwrap_or(t.rows.len());
        t.rows.insert(
            at,
            Row {
                fd,
                cloexec: false,
                description: None,
                ghost: Some(text.into()),
                mark,
            },
        );
    }

    /// This panel with at most [`MAX_TABLES`] tables of at most [`MAX_ROWS`]
    /// rows: marked and ghost rows are kept first, then the lowest numbers; a
    /// shortened table's title ends `(N more not drawn)`, and a note names the
    /// processes left out. Descriptions and objects no kept row points to are
    /// dropped. A panel within the bounds comes back unchanged.
    pub fn bounded(&self) -> Panel {
        let fits =
            self.tables.len() <= MAX_TABLES && self.tables.iter().all(|t| t.rows.len() <= MAX_ROWS);
        if fits {
            return self.clone();
        }
        let mut out = Panel::new(self.title.clone());
        let mut descs: Vec<Option<usize>> = vec![None; self.descriptions.len()];
        let mut objects: Vec<Option<usize>> = vec![None; self.objects.len()];
        for t in self.tables.iter().take(MAX_TABLES) {
            let mut keep: Vec<usize> = (0..t.rows.len())
                .filter(|&r| t.rows[r].mark.is_some() || t.rows[r].ghost.is_some())
                .take(MAX_ROWS)
                .collect();
            for r in 0..t.rows.len() {
                if keep.len() >= MAX_ROWS {
                    break;
                }
                if !keep.contains(&r) {
                    keep.push(r);
                }
            }
            keep.sort_unstable();
            let mut rows = Vec::with_capacity(keep.len());
            for r in &keep {
                let mut row = t.rows[*r].clone();
                row.description = row.description.map(|d| {
                    *descs[d].get_or_insert_with(|| {
                        let mut desc = self.descriptions[d].clone();
                        desc.object = *objects[desc.object].get_or_insert_with(|| {
                            out.objects.push(self.objects[desc.object].clone());
                            out.objects.len() - 1
                        });
                        out.descriptions.push(desc);
                        out.descriptions.len() - 1
                    })
                });
                rows.push(row);
            }
            let hidden = t.rows.len() - keep.len();
            let title = if hidden > 0 {
                format!("{} ({hidden} more not drawn)", t.title)
            } else {
                t.title.clone()
            };
            out.tables.push(Table {
                title,
                subtitle: t.subtitle.clone(),
                rows,
            });
        }
        out.notes = self.notes.clone();
        if self.tables.len() > MAX_TABLES {
            let rest: Vec<&str> = self.tables[MAX_TABLES..]
                .iter()
                .map(|t| t.title.as_str())
                .collect();
            let mut names = rest.iter().take(8).copied().collect::<Vec<_>>().join(", ");
            if rest.len() > 8 {
                names.push_str(", ...");
            }
            out.notes.push((
                None,
                format!("{} more processes not drawn: {names}", rest.len()),
            ));
        }
        out
    }

    /// How many rows point to description `i`.
    pub fn sharers(&self, i: usize) -> usize {
        self.tables
            .iter()
            .flat_map(|t| &t.rows)
            .filter(|r| r.description == Some(i))
            .count()
    }

    fn object(&mut self, key: &str, label: &str) -> usize {
        if let Some(i) = self.objects.iter().position(|o| o.key == key) {
            return i;
        }
        self.objects.push(Object {
            key: key.to_owned(),
            label: label.to_owned(),
        });
        self.objects.len() - 1
    }

    fn description(&mut self, f: &Fd, object: usize) -> usize {
        if let Some(i) = self
            .descriptions
            .iter()
            .position(|d| d.key == f.description)
        {
            return i;
        }
        self.descriptions.push(Description {
            key: f.description.clone(),
            label: text::label(self.descriptions.len()),
            flags: f.flags.clone(),
            offset: f.offset,
            object,
        });
        self.descriptions.len() - 1
    }
}

//! SVG output, laid out here (no Graphviz): three columns, left to right.
//!
//! Read this first: [`layout`] places one panel. Tables are stacked in the first
//! column in the order given. Each description is placed at the mean height of
//! the rows pointing to it, and each object at the mean height of its
//! descriptions (the barycenter heuristic for layered drawings), then boxes are
//! pushed down, in that order, until none overlaps; so a column keeps the order
//! of what points into it and edges rarely cross. Edges are cubic curves from a
//! row's right edge to the box they point to; several edges into one box arrive
//! at different heights, in the order of their sources. Text widths are
//! estimated for a monospace font (0.6 em per character). Panels are drawn
//! [bounded](crate::Panel::bounded); a legend ends the picture; text shortened
//! by an ellipsis keeps its whole value in a `<title>` tooltip.

use std::fmt::Write as _;

use crate::text::{clip, xml};
use crate::{Mark, Panel, Picture};

const FONT: f64 = 12.0;
const SMALL: f64 = 10.5;
/// Advance of one character of a monospace font, in em.
const EM: f64 = 0.61;
const ROW: f64 = 20.0;
/// A table's header: two lines, or one without a subtitle.
const HEAD: f64 = 36.0;
const HEAD1: f64 = 22.0;
/// Vertical room per edge arriving into a box.
const ARRIVAL: f64 = 8.0;
const PAD: f64 = 8.0;
const GAP: f64 = 12.0;
const GUTTER: f64 = 100.0;
const MARGIN: f64 = 16.0;
const LINE: f64 = 15.0;
const OBJ_H: f64 = 28.0;
/// Longest label drawn in a box (longer paths keep their end).
const MAX_LABEL: usize = 44;
/// Notes wrap at this many characters (or the panel's width, if wider).
const NOTE_MIN: usize = 90;
const MONO: &str = "DejaVu Sans Mono, Menlo, Consolas, monospace";
const SANS: &str = "DejaVu Sans, Helvetica, Arial, sans-serif";

fn width(chars: usize, size: f64) -> f64 {
    chars as f64 * size * EM
}

/// A box placed in a column.
#[derive(Clone, Copy, Debug, Default)]
struct Place {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
    /// A table's header height (0 for other boxes).
    head: f64,
}

impl Place {
    fn mid(&self) -> f64 {
        self.y + self.h / 2.0
    }
    fn bottom(&self) -> f64 {
        self.y + self.h
    }
}

/// Where everything of one panel goes, relative to the panel's top.
struct Layout {
    tables: Vec<Place>,
    descs: Vec<Place>,
    objects: Vec<Place>,
    notes: Vec<(Option<Mark>, String)>,
    notes_y: f64,
    width: f64,
    height: f64,
}

/// The picture as a standalone SVG document.
pub fn svg(p: &Picture) -> String {
    let panels: Vec<Panel> = p.panels.iter().map(Panel::bounded).collect();
    let layouts: Vec<Layout> = panels.iter().map(layout).collect();
    let w = layouts.iter().map(|l| l.width).fold(LEGEND_W, f64::max) + 2.0 * MARGIN;
    let h: f64 =
        layouts.iter().map(|l| l.height + GAP * 2.0).sum::<f64>() + 2.0 * MARGIN + LEGEND_H;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w:.0}\" height=\"{h:.0}\" \
         viewBox=\"0 0 {w:.0} {h:.0}\" font-family=\"{MONO}\" font-size=\"{FONT}\">"
    );
    out.push_str("<defs>\n");
    for (id, color) in arrow_colors() {
        let _ = writeln!(
            out,
            "<marker id=\"arrow-{id}\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" \
             markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"{color}\"/></marker>"
        );
    }
    out.push_str("</defs>\n");
    let _ = writeln!(out, "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>");
    let mut y = MARGIN;
    for (panel, l) in panels.iter().zip(&layouts) {
        draw_panel(&mut out, panel, l, MARGIN, y);
        y += l.height + GAP * 2.0;
    }
    legend(&mut out, MARGIN, y);
    out.push_str("</svg>\n");
    out
}

/// The legend's height and its least width.
const LEGEND_H: f64 = 44.0;
const LEGEND_W: f64 = 760.0;

/// What the colours and strokes mean, in two lines.
fn legend(out: &mut String, x0: f64, y0: f64) {
    let _ = writeln!(
        out,
        "<g class=\"legend\" transform=\"translate({x0:.1},{y0:.1})\" font-family=\"{SANS}\" font-size=\"{SMALL}\" fill=\"#333333\">\
         <text x=\"0\" y=\"11\" font-weight=\"bold\">legend</text>"
    );
    let mut x = 50.0;
    for (m, name) in [
        (Mark::High, "high"),
        (Mark::Medium, "medium"),
        (Mark::Low, "low"),
        (Mark::Info, "info"),
    ] {
        let (fill, stroke) = m.colors();
        let _ = writeln!(
            out,
            "<rect x=\"{x:.1}\" y=\"2\" width=\"14\" height=\"11\" fill=\"{fill}\" stroke=\"{stroke}\"/>\
             <text x=\"{:.1}\" y=\"11\">{name} finding</text>",
            x + 18.0
        );
        x += 18.0 + width(name.len() + 9, SMALL) + 14.0;
    }
    let shared = "description shared by several descriptors";
    let ghost = "number not open";
    let x2 = 18.0 + width(shared.len(), SMALL) + 14.0;
    let x3 = x2 + 18.0 + width(ghost.len(), SMALL) + 14.0;
    let _ = writeln!(
        out,
        "<rect x=\"0\" y=\"22\" width=\"14\" height=\"11\" rx=\"2\" fill=\"#eef4ff\" stroke=\"#1d4ed8\" stroke-width=\"2.5\"/>\
         <text x=\"18\" y=\"31\">{shared}</text>\
         <rect x=\"{x2:.1}\" y=\"22\" width=\"14\" height=\"11\" fill=\"white\" stroke=\"#444444\" stroke-dasharray=\"4 3\"/>\
         <text x=\"{:.1}\" y=\"31\">{ghost}</text>\
         <text x=\"{x3:.1}\" y=\"31\">FD_CLOEXEC: closed by execve; …: shortened</text></g>",
        x2 + 18.0
    );
}

/// `<title>` (a tooltip) with `full` when `shown` is not all of it.
fn tooltip(full: &str, shown: &str) -> String {
    if full == shown {
        String::new()
    } else {
        format!("<title>{}</title>", xml(full))
    }
}

fn arrow_colors() -> [(&'static str, &'static str); 5] {
    [
        ("plain", "#555555"),
        ("high", Mark::High.colors().1),
        ("medium", Mark::Medium.colors().1),
        ("low", Mark::Low.colors().1),
        ("info", Mark::Info.colors().1),
    ]
}

fn mark_id(m: Option<Mark>) -> &'static str {
    match m {
        None => "plain",
        Some(Mark::High) => "high",
        Some(Mark::Medium) => "medium",
        Some(Mark::Low) => "low",
        Some(Mark::Info) => "info",
    }
}

/// Title, column headings, then the columns.
const TOP: f64 = 50.0;

fn row_text(r: &crate::Row) -> (String, String) {
    match &r.ghost {
        Some(g) => (r.fd.to_string(), g.clone()),
        None if r.cloexec => (r.fd.to_string(), "FD_CLOEXEC".to_owned()),
        None => (r.fd.to_string(), String::new()),
    }
}

/// Descriptions drawn one line each when a panel has more than this many.
const COMPACT_AFTER: usize = 10;

/// The text lines of description `d`'s box: `ofd A  shared by 2`, the flags,
/// `pos 5`; or all on one line in a crowded panel.
fn desc_lines(p: &Panel, d: usize) -> Vec<String> {
    let desc = &p.descriptions[d];
    let shared = p.sharers(d);
    let mut head = format!("ofd {}", desc.label);
    if shared > 1 {
        let _ = write!(head, "  shared by {shared}");
    }
    let flags = if desc.flags.is_empty() {
        "flags ?".to_owned()
    } else {
        clip(&desc.flags, MAX_LABEL)
    };
    let pos = desc.offset.map(|o| format!("pos {o}"));
    if p.descriptions.len() > COMPACT_AFTER {
        let mut line = format!("{head}  {flags}");
        if let Some(pos) = pos {
            let _ = write!(line, "  {pos}");
        }
        return vec![line];
    }
    let mut lines = vec![head, flags];
    lines.extend(pos);
    lines
}

fn layout(p: &Panel) -> Layout {
    let tables = table_column(p);
    let compact = p.descriptions.len() > COMPACT_AFTER;
    let gap = if compact { GAP / 3.0 } else { GAP };
    let x1 = tables.first().map_or(0.0, |t| t.w) + GUTTER;
    let descs = desc_column(p, &tables, x1, gap);
    let x2 = x1 + descs.first().map_or(0.0, |d| d.w) + GUTTER;
    let objects = object_column(p, &descs, x2, gap, compact);
    let right = x2 + objects.first().map_or(0.0, |o| o.w);
    let bottom = tables
        .iter()
        .chain(&descs)
        .chain(&objects)
        .map(Place::bottom)
        .fold(TOP, f64::max);
    let cols = ((right / (SMALL * EM)) as usize).max(NOTE_MIN);
    let notes: Vec<(Option<Mark>, String)> = p
        .notes
        .iter()
        .flat_map(|(m, n)| {
            wrap(n, cols.saturating_sub(2))
                .into_iter()
                .enumerate()
                .map(move |(i, l)| (if i == 0 { *m } else { None }, l))
        })
        .collect();
    let notes_y = bottom + GAP * 1.5;
    let title = width(p.title.chars().count(), 14.0) * 1.05;
    let width = right.max(width_of_notes(&notes)).max(title);
    Layout {
        height: notes_y + notes.len() as f64 * LINE,
        tables,
        descs,
        objects,
        notes,
        notes_y,
        width,
    }
}

/// Column 0: the tables, stacked, all as wide as the widest text.
fn table_column(p: &Panel) -> Vec<Place> {
    let w0 = p
        .tables
        .iter()
        .flat_map(|t| {
            let rows = t.rows.iter().map(|r| {
                let (a, b) = row_text(r);
                width(a.len().max(3), FONT) + width(b.chars().count(), SMALL) + 3.0 * PAD
            });
            [
                width(t.title.chars().count(), FONT),
                width(clip(&t.subtitle, MAX_LABEL).chars().count(), SMALL),
            ]
            .into_iter()
            .map(|w| w + 2.0 * PAD)
            .chain(rows)
            .collect::<Vec<_>>()
        })
        .fold(110.0, f64::max);
    let mut y = TOP;
    p.tables
        .iter()
        .map(|t| {
            let head = if t.subtitle.is_empty() { HEAD1 } else { HEAD };
            let h = head + ROW * t.rows.len() as f64;
            let pl = Place {
                x: 0.0,
                y,
                w: w0,
                h,
                head,
            };
            y += h + GAP * 1.5;
            pl
        })
        .collect()
}

/// Column 1, at `x`: descriptions near the rows pointing to them, tall enough
/// for their text and their arrows.
fn desc_column(p: &Panel, tables: &[Place], x: f64, gap: f64) -> Vec<Place> {
    let w = (0..p.descriptions.len())
        .flat_map(|d| desc_lines(p, d))
        .map(|l| width(l.chars().count(), FONT) + 2.0 * PAD)
        .fold(120.0, f64::max);
    let mut want = vec![Vec::new(); p.descriptions.len()];
    for (t, table) in p.tables.iter().enumerate() {
        for (r, row) in table.rows.iter().enumerate() {
            if let Some(d) = row.description {
                want[d].push(row_mid(&tables[t], r));
            }
        }
    }
    let heights: Vec<f64> = (0..p.descriptions.len())
        .map(|d| {
            let text = match desc_lines(p, d).len() {
                1 => ROW,
                n => n as f64 * LINE + PAD,
            };
            text.max(want[d].len() as f64 * ARRIVAL + 4.0)
        })
        .collect();
    stack(&want, &heights, x, w, gap)
}

/// Column 2, at `x`: objects near their descriptions.
fn object_column(p: &Panel, descs: &[Place], x: f64, gap: f64, compact: bool) -> Vec<Place> {
    let w = p
        .objects
        .iter()
        .map(|o| width(clip(&o.label, MAX_LABEL).chars().count(), FONT) + 2.0 * PAD)
        .fold(120.0, f64::max);
    let mut want = vec![Vec::new(); p.objects.len()];
    for (d, desc) in p.descriptions.iter().enumerate() {
        if let Some(v) = want.get_mut(desc.object) {
            v.push(descs[d].mid());
        }
    }
    let obj_h = if compact { ROW } else { OBJ_H };
    let heights: Vec<f64> = want
        .iter()
        .map(|v| obj_h.max(v.len() as f64 * ARRIVAL + 4.0))
        .collect();
    stack(&want, &heights, x, w, gap)
}

fn width_of_notes(notes: &[(Option<Mark>, String)]) -> f64 {
    notes
        .iter()
        .map(|(_, n)| width(n.chars().count() + 2, SMALL))
        .fold(0.0, f64::max)
}

fn row_mid(t: &Place, r: usize) -> f64 {
    t.y + t.head + ROW * r as f64 + ROW / 2.0
}

/// Boxes of `heights` in one column at `x`, `gap` apart, each as near the mean of
/// its wanted centres as the ones above it allow.
fn stack(want: &[Vec<f64>], heights: &[f64], x: f64, w: f64, gap: f64) -> Vec<Place> {
    let centre = |i: usize| -> f64 {
        let v = &want[i];
        if v.is_empty() {
            f64::MAX / 4.0
        } else {
            v.iter().sum::<f64>() / v.len() as f64
        }
    };
    let mut order: Vec<usize> = (0..heights.len()).collect();
    order.sort_by(|&a, &b| centre(a).total_cmp(&centre(b)).then(a.cmp(&b)));
    let mut places = vec![Place::default(); heights.len()];
    let mut next = TOP;
    for i in order {
        let h = heights[i];
        let c = centre(i);
        let y = if c > f64::MAX / 8.0 {
            next
        } else {
            (c - h / 2.0).max(next)
        };
        places[i] = Place {
            x,
            y,
            w,
            h,
            head: 0.0,
        };
        next = y + h + gap;
    }
    places
}

/// Words of `s` in lines of at most `cols` characters.
fn wrap(s: &str, cols: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for word in s.split(' ') {
        if !cur.is_empty() && cur.chars().count() + 1 + word.chars().count() > cols {
            lines.push(std::mem::take(&mut cur));
            cur.push_str("  ");
        } else if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
    }
    if !cur.trim().is_empty() {
        lines.push(cur);
    }
    lines
}

fn draw_panel(out: &mut String, p: &Panel, l: &Layout, x0: f64, y0: f64) {
    let _ = writeln!(out, "<g transform=\"translate({x0:.1},{y0:.1})\">");
    let _ = writeln!(
        out,
        "<text x=\"0\" y=\"14\" font-family=\"{SANS}\" font-size=\"14\" font-weight=\"bold\">{}</text>",
        xml(&p.title)
    );
    let heads = [
        (0.0, "descriptor tables"),
        (
            l.descs.first().map_or(0.0, |d| d.x),
            "open file descriptions",
        ),
        (
            l.objects.first().map_or(0.0, |o| o.x),
            "files, pipes, sockets",
        ),
    ];
    for (x, h) in heads {
        let _ = writeln!(
            out,
            "<text x=\"{x:.1}\" y=\"38\" font-family=\"{SANS}\" font-size=\"11\" fill=\"#777777\">{h}</text>"
        );
    }
    draw_edges(out, p, l);
    for (t, table) in p.tables.iter().enumerate() {
        draw_table(out, table, &l.tables[t]);
    }
    for (d, place) in l.descs.iter().enumerate() {
        draw_desc(out, p, d, place);
    }
    for (o, place) in l.objects.iter().enumerate() {
        let full = &p.objects[o].label;
        let label = clip(full, MAX_LABEL);
        let _ = writeln!(
            out,
            "<g>{}<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"9\" fill=\"#f4f4f4\" stroke=\"#666666\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\">{}</text></g>",
            tooltip(full, &label),
            place.x,
            place.y,
            place.w,
            place.h,
            place.x + PAD,
            place.mid() + 4.0,
            xml(&label)
        );
    }
    for (i, (mark, note)) in l.notes.iter().enumerate() {
        let y = l.notes_y + LINE * i as f64 + 11.0;
        if let Some(m) = mark {
            let _ = writeln!(
                out,
                "<circle cx=\"5\" cy=\"{:.1}\" r=\"4\" fill=\"{}\"/>",
                y - 4.0,
                m.colors().1
            );
        }
        let _ = writeln!(
            out,
            "<text x=\"14\" y=\"{y:.1}\" font-size=\"{SMALL}\" fill=\"#222222\">{}</text>",
            xml(note.trim_start())
        );
    }
    out.push_str("</g>\n");
}

fn draw_table(out: &mut String, t: &crate::Table, pl: &Place) {
    let _ = writeln!(
        out,
        "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#e8e8e8\" stroke=\"#444444\"/>\
         <text x=\"{:.1}\" y=\"{:.1}\" font-weight=\"bold\">{}</text>\
         <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"{SMALL}\" fill=\"#444444\">{}{}</text>",
        pl.x,
        pl.y,
        pl.w,
        pl.head,
        pl.x + PAD,
        pl.y + 15.0,
        xml(&t.title),
        pl.x + PAD,
        pl.y + 30.0,
        tooltip(&t.subtitle, &clip(&t.subtitle, MAX_LABEL)),
        xml(&clip(&t.subtitle, MAX_LABEL))
    );
    for (r, row) in t.rows.iter().enumerate() {
        let y = pl.y + pl.head + ROW * r as f64;
        let (fill, stroke) = row.mark.map_or(("white", "#444444"), Mark::colors);
        let dash = if row.ghost.is_some() {
            " stroke-dasharray=\"4 3\""
        } else {
            ""
        };
        let stroke = if row.mark.is_some() {
            stroke
        } else {
            "#444444"
        };
        let (num, tag) = row_text(row);
        let color = if row.ghost.is_some() {
            "#888888"
        } else {
            "#000000"
        };
        let _ = writeln!(
            out,
            "<rect x=\"{:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{ROW}\" fill=\"{fill}\" stroke=\"{stroke}\"{dash}/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-weight=\"bold\" fill=\"{color}\">{num}</text>",
            pl.x,
            pl.w,
            pl.x + PAD,
            y + 14.5,
        );
        if !tag.is_empty() {
            let _ = writeln!(
                out,
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"{SMALL}\" fill=\"#666666\">{}</text>",
                pl.x + PAD + width(num.len().max(3), FONT) + PAD,
                y + 14.0,
                xml(&tag)
            );
        }
    }
}

fn draw_desc(out: &mut String, p: &Panel, d: usize, pl: &Place) {
    let shared = p.sharers(d) > 1;
    let (stroke, sw, fill) = if shared {
        ("#1d4ed8", 2.5, "#eef4ff")
    } else {
        ("#444444", 1.0, "#fafafa")
    };
    let _ = writeln!(
        out,
        "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"3\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"{sw}\"/>",
        pl.x, pl.y, pl.w, pl.h
    );
    let lines = desc_lines(p, d);
    if lines.len() == 1 {
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            pl.x + PAD,
            pl.mid() + 4.0,
            xml(&lines[0])
        );
        return;
    }
    for (i, line) in lines.iter().enumerate() {
        let weight = if i == 0 { " font-weight=\"bold\"" } else { "" };
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\"{weight}>{}</text>",
            pl.x + PAD,
            pl.y + PAD / 2.0 + LINE * (i as f64 + 1.0) - 3.0,
            xml(line)
        );
    }
}

/// A curve from (x1, y1) rightwards into (x2, y2).
fn curve(out: &mut String, (x1, y1): (f64, f64), (x2, y2): (f64, f64), mark: Option<Mark>) {
    let color = match mark {
        Some(m) => m.colors().1,
        None => "#555555",
    };
    let dx = (x2 - x1) / 2.0;
    let width = if mark.is_some() { 2.0 } else { 1.3 };
    let _ = writeln!(
        out,
        "<path d=\"M{x1:.1},{y1:.1} C{:.1},{y1:.1} {:.1},{y2:.1} {x2:.1},{y2:.1}\" fill=\"none\" \
         stroke=\"{color}\" stroke-width=\"{width}\" marker-end=\"url(#arrow-{})\"/>",
        x1 + dx,
        x2 - dx,
        mark_id(mark)
    );
}

/// Heights at which `n` edges arrive into a box, top to bottom.
fn arrivals(pl: &Place, n: usize) -> Vec<f64> {
    let inner = (pl.h - 8.0).max(2.0);
    (0..n)
        .map(|j| pl.y + 4.0 + inner * (j as f64 + 1.0) / (n as f64 + 1.0))
        .collect()
}

fn draw_edges(out: &mut String, p: &Panel, l: &Layout) {
    // Rows into descriptions.
    let mut into: Vec<Vec<(f64, f64, Option<Mark>)>> = vec![Vec::new(); p.descriptions.len()];
    for (t, table) in p.tables.iter().enumerate() {
        let pl = &l.tables[t];
        for (r, row) in table.rows.iter().enumerate() {
            if let Some(d) = row.description {
                into[d].push((pl.x + pl.w, row_mid(pl, r), row.mark));
            }
        }
    }
    for (d, mut edges) in into.into_iter().enumerate() {
        edges.sort_by(|a, b| a.1.total_cmp(&b.1));
        let ys = arrivals(&l.descs[d], edges.len());
        for ((x, y, mark), y2) in edges.into_iter().zip(ys) {
            curve(out, (x, y), (l.descs[d].x - 1.0, y2), mark);
        }
    }
    // Descriptions into objects.
    let mut into: Vec<Vec<(f64, f64)>> = vec![Vec::new(); p.objects.len()];
    for (d, desc) in p.descriptions.iter().enumerate() {
        if let Some(v) = into.get_mut(desc.object) {
            let pl = &l.descs[d];
            v.push((pl.x + pl.w, pl.mid()));
        }
    }
    for (o, mut edges) in into.into_iter().enumerate() {
        edges.sort_by(|a, b| a.1.total_cmp(&b.1));
        let arrive = arrivals(&l.objects[o], edges.len());
        for (from, y2) in edges.into_iter().zip(arrive) {
            curve(out, from, (l.objects[o].x - 1.0, y2), None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stack_keeps_order_and_never_overlaps() {
        let want = vec![vec![100.0], vec![100.0], vec![60.0, 80.0]];
        let places = stack(&want, &[30.0, 30.0, 30.0], 0.0, 10.0, GAP);
        assert!(places[2].y < places[0].y && places[0].y < places[1].y);
        assert!(places[2].bottom() + GAP <= places[0].y + 1e-9);
        assert!(places[0].bottom() + GAP <= places[1].y + 1e-9);
    }

    #[test]
    fn wrap_breaks_at_words() {
        assert_eq!(wrap("aa bb cc", 5), ["aa bb", "  cc"]);
    }
}

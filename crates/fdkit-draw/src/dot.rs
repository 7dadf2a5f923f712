//! Graphviz DOT output: `rankdir=LR`, one cluster per panel, tables as HTML-like
//! labels with one port per descriptor, so edges leave from the descriptor's row.
//! Panels are drawn [bounded](crate::Panel::bounded); long object labels are
//! shortened in the middle (the whole label is the node's `tooltip`); a legend
//! cluster ends the graph.

use std::fmt::Write as _;

use crate::text::{clip, xml};
use crate::{Mark, Panel, Picture};

/// The picture as Graphviz DOT text (render with `dot -Tsvg` or `dot -Tpng`).
pub fn dot(p: &Picture) -> String {
    let mut out = String::new();
    out.push_str("digraph fdkit {\n");
    out.push_str("  rankdir=LR;\n  newrank=true;\n  nodesep=0.15;\n  ranksep=0.9;\n");
    out.push_str("  node [fontname=\"DejaVu Sans Mono,monospace\", fontsize=10, shape=plain];\n");
    out.push_str("  edge [color=\"#555555\", arrowsize=0.7];\n");
    out.push_str("  graph [fontname=\"DejaVu Sans,sans-serif\", fontsize=12, labeljust=l];\n");
    for (i, panel) in p.panels.iter().enumerate() {
        panel_dot(&mut out, i, &panel.bounded());
    }
    legend(&mut out);
    out.push_str("}\n");
    out
}

/// Longest object label drawn (longer ones are shortened in the middle).
const MAX_LABEL: usize = 44;

/// What the colours and borders mean.
fn legend(out: &mut String) {
    let mut cells = String::new();
    for (m, name) in [
        (Mark::High, "high"),
        (Mark::Medium, "medium"),
        (Mark::Low, "low"),
        (Mark::Info, "info"),
    ] {
        let _ = write!(
            cells,
            "<tr><td bgcolor=\"{}\" align=\"left\"><font color=\"{}\">{name} finding</font></td></tr>",
            m.colors().0,
            m.colors().1
        );
    }
    cells.push_str(
        "<tr><td align=\"left\">thick border: description shared by several descriptors</td></tr>\
         <tr><td align=\"left\"><font color=\"#888888\">grey row: number not open</font></td></tr>\
         <tr><td align=\"left\">FD_CLOEXEC: closed by execve</td></tr>",
    );
    let _ = writeln!(
        out,
        "  subgraph cluster_legend {{\n    label=\"legend\";\n    color=\"#bbbbbb\";\n    \
         legend [label=<<table border=\"0\" cellborder=\"0\" cellspacing=\"0\" cellpadding=\"2\">{cells}</table>>];\n  }}"
    );
}

fn panel_dot(out: &mut String, i: usize, p: &Panel) {
    let _ = writeln!(out, "  subgraph cluster_{i} {{");
    let mut label = xml(&p.title);
    for (mark, note) in &p.notes {
        let color = mark.map_or("#333333", |m| m.colors().1);
        let _ = write!(
            label,
            "<br align=\"left\"/><font color=\"{color}\">{}</font>",
            xml(note)
        );
    }
    let _ = writeln!(
        out,
        "    label=<{label}<br align=\"left\"/>>;\n    color=\"#bbbbbb\";"
    );
    for (t, table) in p.tables.iter().enumerate() {
        let _ = write!(
            out,
            "    p{i}_t{t} [label=<<table border=\"0\" cellborder=\"1\" cellspacing=\"0\" cellpadding=\"3\">\
             <tr><td bgcolor=\"#e8e8e8\"><b>{}</b><br/>{}</td></tr>",
            xml(&table.title),
            xml(&table.subtitle)
        );
        for (r, row) in table.rows.iter().enumerate() {
            let bg = row.mark.map_or("white", |m| m.colors().0);
            let text = match &row.ghost {
                Some(g) => format!("<font color=\"#888888\">{} {}</font>", row.fd, xml(g)),
                None if row.cloexec => {
                    format!("{} <font color=\"#666666\">FD_CLOEXEC</font>", row.fd)
                }
                None => row.fd.to_string(),
            };
            let _ = write!(
                out,
                "<tr><td port=\"r{r}\" align=\"left\" bgcolor=\"{bg}\">{text}</td></tr>"
            );
        }
        out.push_str("</table>>];\n");
    }
    for (d, desc) in p.descriptions.iter().enumerate() {
        let shared = p.sharers(d);
        let border = if shared > 1 { "2" } else { "1" };
        let flags = if desc.flags.is_empty() {
            "flags ?"
        } else {
            &desc.flags
        };
        let mut rows = format!(
            "<tr><td bgcolor=\"#eef4ff\"><b>ofd {}</b>{}</td></tr><tr><td>{}</td></tr>",
            xml(&desc.label),
            if shared > 1 {
                format!(" (shared by {shared})")
            } else {
                String::new()
            },
            xml(flags)
        );
        if let Some(o) = desc.offset {
            let _ = write!(rows, "<tr><td>pos {o}</td></tr>");
        }
        let _ = writeln!(
            out,
            "    p{i}_d{d} [label=<<table border=\"{border}\" cellborder=\"0\" cellspacing=\"0\" cellpadding=\"2\">{rows}</table>>];"
        );
    }
    for (o, obj) in p.objects.iter().enumerate() {
        let _ = writeln!(
            out,
            "    p{i}_o{o} [shape=box, style=\"rounded,filled\", fillcolor=\"#f4f4f4\", label=\"{}\", tooltip=\"{}\"];",
            dot_string(&clip(&obj.label, MAX_LABEL)),
            dot_string(&obj.label)
        );
    }
    for (t, table) in p.tables.iter().enumerate() {
        for (r, row) in table.rows.iter().enumerate() {
            if let Some(d) = row.description {
                let color = row.mark.map_or("#555555", |m: Mark| m.colors().1);
                let _ = writeln!(
                    out,
                    "    p{i}_t{t}:r{r}:e -> p{i}_d{d} [color=\"{color}\"];"
                );
            }
        }
    }
    for (d, desc) in p.descriptions.iter().enumerate() {
        let _ = writeln!(out, "    p{i}_d{d} -> p{i}_o{};", desc.object);
    }
    out.push_str("  }\n");
}

/// A DOT double-quoted string's contents.
fn dot_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => out.push('?'),
            c => out.push(c),
        }
    }
    out
}

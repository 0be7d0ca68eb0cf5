//! The markdown form: a diff as a pull-request comment.

use super::human::{alerts, count, shown};
use super::thousands;
use crate::diff::DiffReport;
use std::fmt::Write as _;

/// Escapes text for a Markdown table cell, inline text or a code span: no table break, no
/// HTML, no line break, no end of a code span (`` ` `` → `ˋ`), no control character, and no
/// `@mention` or team ping (a zero-width space after `@`), whatever a product value holds.
fn md(text: &str) -> String {
    let text = text
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\n', " ")
        .replace('`', "ˋ")
        .replace('@', "@\u{200b}");
    super::human::visible(&text)
}

/// A diff as a pull-request comment: a summary table, then details per product and channel.
pub fn diff(report: &DiffReport) -> String {
    let mut out = String::from("### pim diff\n\n");
    let _ = writeln!(
        out,
        "Comparing `{}` → `{}`.\n",
        md(&report.base),
        md(&report.head)
    );
    let introduced_errors = report
        .problems
        .introduced
        .iter()
        .filter(|p| p.severity == crate::diag::Severity::Error)
        .count();
    out.push_str("| | |\n|---|---:|\n");
    let _ = writeln!(out, "| Products added | {} |", report.added.len());
    let _ = writeln!(out, "| Products removed | {} |", report.removed.len());
    let _ = writeln!(out, "| Products changed | {} |", report.changed.len());
    let _ = writeln!(
        out,
        "| Problems introduced | {} ({}) |",
        report.problems.introduced.len(),
        count(introduced_errors, "error", "errors")
    );
    let _ = writeln!(out, "| Problems fixed | {} |", report.problems.fixed.len());
    let price_alerts: usize = report.changed.iter().map(alerts).sum();
    let _ = writeln!(
        out,
        "| Price moves past {}% | {} |",
        report.price_alert, price_alerts
    );
    out.push('\n');
    let touched: Vec<_> = report
        .channels
        .iter()
        .filter(|c| !c.entering.is_empty() || !c.leaving.is_empty() || !c.completeness.is_empty())
        .collect();
    if !touched.is_empty() {
        out.push_str(
            "| Channel | Entering | Leaving | Completeness changes |\n|---|---:|---:|---:|\n",
        );
        for c in &touched {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} |",
                md(&c.channel),
                c.entering.len(),
                c.leaving.len(),
                c.completeness.len()
            );
        }
        out.push('\n');
    }
    // A fixed problem's line is the old file's, so only introduced ones show it.
    for (title, icon, problems, lines) in [
        (
            "Problems introduced",
            ":x:",
            &report.problems.introduced,
            true,
        ),
        (
            "Problems fixed",
            ":white_check_mark:",
            &report.problems.fixed,
            false,
        ),
    ] {
        if problems.is_empty() {
            continue;
        }
        let _ = writeln!(out, "**{title}**\n");
        for p in problems {
            let at = if lines {
                format!(" line {}", p.line)
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "- {icon} `{}` `{}`{at}: {}",
                p.rule.id(),
                md(&p.file),
                md(&p.message)
            );
        }
        out.push('\n');
    }
    for p in &report.added {
        let _ = writeln!(
            out,
            "<details><summary>➕ <code>{}</code> added</summary>\n\n`{}`\n</details>\n",
            md(&p.sku),
            md(&p.file)
        );
    }
    for p in &report.removed {
        let _ = writeln!(
            out,
            "<details><summary>➖ <code>{}</code> removed</summary>\n\n`{}`\n</details>\n",
            md(&p.sku),
            md(&p.file)
        );
    }
    for p in &report.changed {
        let warn = if alerts(p) > 0 {
            " ⚠️ price alert"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "<details><summary>✏️ <code>{}</code>: {}{warn}</summary>\n",
            md(&p.sku),
            count(p.fields.len(), "field", "fields")
        );
        if let Some(old) = &p.old_file {
            let _ = writeln!(out, "Moved from `{}` to `{}`.\n", md(old), md(&p.file));
        }
        out.push_str("| Field | Before | After | Move |\n|---|---|---|---:|\n");
        for f in &p.fields {
            let field = match &f.variant {
                Some(sku) => format!("`{}` ({})", md(&f.pointer), md(sku)),
                None => format!("`{}`", md(&f.pointer)),
            };
            let movement = match (&f.percent, f.alert) {
                (Some(p), true) => format!("**{p}%** ⚠️"),
                (Some(p), false) => format!("{p}%"),
                (None, _) => String::new(),
            };
            let _ = writeln!(
                out,
                "| {field} | {} | {} | {movement} |",
                md(&shown(f.old.as_ref())),
                md(&shown(f.new.as_ref()))
            );
        }
        out.push_str("\n</details>\n\n");
    }
    for c in &touched {
        if c.entering.is_empty() && c.leaving.is_empty() && c.completeness.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "<details><summary>Channel <code>{}</code>: {} entering, {} leaving</summary>\n",
            md(&c.channel),
            c.entering.len(),
            c.leaving.len()
        );
        for sku in &c.entering {
            let _ = writeln!(out, "- ➕ `{}`", md(sku));
        }
        for sku in &c.leaving {
            let _ = writeln!(out, "- ➖ `{}`", md(sku));
        }
        for k in &c.completeness {
            let _ = writeln!(
                out,
                "- `{}` completeness {}% → {}%",
                md(&k.sku),
                k.old,
                k.new
            );
        }
        out.push_str("\n</details>\n\n");
    }
    out
}

/// `pim report --format markdown`: for a pull-request comment or a wiki page.
pub fn quality(report: &crate::quality::QualityReport) -> String {
    let mut out = format!("### pim report: {}\n\n", md(&report.project));
    let _ = writeln!(
        out,
        "{}, {}.\n",
        count(report.products, "product", "products"),
        count(report.items, "item", "items")
    );
    if report.unreadable_files > 0 {
        let _ = writeln!(
            out,
            "{} could not be read as products (see `pim validate`).\n",
            count(report.unreadable_files, "file", "files")
        );
    }
    out.push_str("| channel | locale | items | ready | incomplete | invalid | filtered out | complete | A | B | C | D | E |\n");
    out.push_str("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
    for c in &report.channels {
        let g = c.grades;
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {:.1}% | {} | {} | {} | {} | {} |",
            md(&c.label),
            md(&c.locale),
            thousands(c.items),
            thousands(c.ready),
            thousands(c.incomplete),
            thousands(c.invalid),
            thousands(c.filtered_out),
            c.completeness,
            thousands(g.a),
            thousands(g.b),
            thousands(g.c),
            thousands(g.d),
            thousands(g.e)
        );
    }
    let mut families: Vec<&str> = report
        .channels
        .iter()
        .flat_map(|c| c.families.iter().map(|f| f.family.as_str()))
        .collect();
    families.sort_unstable();
    families.dedup();
    if !families.is_empty() {
        out.push_str("\n#### Completeness per family (% of items complete)\n\n| family |");
        for c in &report.channels {
            let _ = write!(out, " {} |", md(&c.label));
        }
        out.push_str("\n|---|");
        out.push_str(&"--:|".repeat(report.channels.len()));
        out.push('\n');
        for family in families {
            let _ = write!(out, "| {} |", md(family));
            for c in &report.channels {
                match c.families.iter().find(|f| f.family == family) {
                    Some(f) => {
                        let _ = write!(out, " {:.1} |", f.completeness);
                    }
                    None => out.push_str(" – |"),
                }
            }
            out.push('\n');
        }
    }
    if let Some(history) = &report.history {
        history_table(&mut out, history);
    }
    for c in &report.channels {
        if c.missing.is_empty() && c.worst.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "\n<details><summary><b>{}</b>: {} below grade A</summary>\n",
            md(&c.label),
            thousands(c.worst.len() + c.worst_more)
        );
        if !c.missing.is_empty() {
            out.push_str("| most missing attribute | items |\n|---|--:|\n");
            for m in &c.missing {
                let _ = writeln!(out, "| {} | {} |", md(&m.attribute), thousands(m.items));
            }
            if c.missing_more > 0 {
                let _ = writeln!(out, "\nand {} more attributes.", c.missing_more);
            }
            out.push('\n');
        }
        if !c.worst.is_empty() {
            out.push_str("| grade | score | sku | family | lacks |\n|:-:|--:|---|---|---|\n");
            for w in &c.worst {
                let lacks = if w.invalid {
                    "has errors".to_owned()
                } else {
                    w.missing
                        .iter()
                        .map(|m| md(m))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} |",
                    w.grade.letter(),
                    w.score,
                    md(&w.sku),
                    md(w.family.as_deref().unwrap_or("")),
                    lacks
                );
            }
            if c.worst_more > 0 {
                let _ = writeln!(
                    out,
                    "\nand {} more items below grade A.",
                    thousands(c.worst_more)
                );
            }
        }
        out.push_str("\n</details>\n");
    }
    out
}

/// `pim report --history`: a row per channel, a column per commit (oldest first), then the
/// commits' dates and subjects.
fn history_table(out: &mut String, history: &crate::history::History) {
    out.push_str("\n#### Completeness over time (% of items complete, oldest commit first)\n\n");
    let commits = &history.history;
    if commits.is_empty() {
        out.push_str("No commit touched the catalog yet.\n");
    } else {
        out.push_str("| channel |");
        for c in commits {
            let _ = write!(out, " `{}` |", md(&c.short));
        }
        out.push_str("\n|---|");
        out.push_str(&"--:|".repeat(commits.len()));
        out.push('\n');
        for label in history.labels() {
            let _ = write!(out, "| {} |", md(label));
            for point in history.series(label) {
                match point {
                    Some(p) => {
                        let _ = write!(out, " {:.1} |", p.completeness);
                    }
                    None => out.push_str(" – |"),
                }
            }
            out.push('\n');
        }
        out.push_str("\n<details><summary>Commits</summary>\n\n");
        for c in commits {
            let _ = write!(
                out,
                "- `{}` {} {}",
                md(&c.short),
                md(c.date.get(..10).unwrap_or(&c.date)),
                md(&c.subject)
            );
            if let Some(error) = &c.error {
                let _ = write!(out, " (no numbers: {})", md(error));
            }
            out.push('\n');
        }
        out.push_str("\n</details>\n");
    }
    if let Some(note) = &history.history_note {
        let _ = writeln!(out, "\n{}.", md(note));
    }
}

//! The three forms of a diff report: human (terminal), markdown (a pull-request comment)
//! and json (stable keys).

use super::{ChangedProduct, FieldChange, Problem, Report};
use crate::report::thousands;
use serde_json::Value;
use std::fmt::Write as _;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    Human,
    Markdown,
    Json,
}

pub fn render(format: DiffFormat, report: &Report) -> String {
    match format {
        DiffFormat::Human => human(report),
        DiffFormat::Markdown => markdown(report),
        DiffFormat::Json => {
            let mut text = serde_json::to_string_pretty(report).unwrap_or_default();
            text.push('\n');
            text
        }
    }
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

/// `"Zelt"`, a short form of lists and mappings, or `(none)`.
fn shown(value: Option<&Value>) -> String {
    match value {
        None => "(none)".to_owned(),
        Some(v) => {
            let text = v.to_string();
            if text.chars().count() > 120 {
                format!("{}…", text.chars().take(119).collect::<String>())
            } else {
                text
            }
        }
    }
}

fn field_line(change: &FieldChange, alert: &rust_decimal::Decimal) -> String {
    let mut line = match &change.variant {
        Some(sku) => format!("{} (variant {sku})", change.pointer),
        None => change.pointer.clone(),
    };
    let _ = write!(
        line,
        ": {} → {}",
        shown(change.old.as_ref()),
        shown(change.new.as_ref())
    );
    if let Some(percent) = &change.percent {
        let _ = write!(line, " ({percent}%)");
    }
    if change.alert {
        let _ = write!(line, " — price moves more than {alert}%");
    }
    line
}

fn summary(report: &Report) -> String {
    let introduced_errors = report
        .problems
        .introduced
        .iter()
        .filter(|p| p.severity == crate::diag::Severity::Error)
        .count();
    format!(
        "{} added, {} removed, {} changed; {} introduced ({}), {} fixed",
        count(report.added.len(), "product", "products"),
        thousands(report.removed.len()),
        thousands(report.changed.len()),
        count(report.problems.introduced.len(), "problem", "problems"),
        count(introduced_errors, "error", "errors"),
        thousands(report.problems.fixed.len()),
    )
}

fn problem_line(p: &Problem) -> String {
    format!(
        "{}[{}] {}:{}:{}: {}",
        p.severity, p.rule, p.file, p.line, p.column, p.message
    )
}

fn alerts(product: &ChangedProduct) -> usize {
    product.fields.iter().filter(|f| f.alert).count()
}

fn human(report: &Report) -> String {
    let mut out = format!("pim diff {} → {}\n", report.base, report.head);
    let _ = writeln!(out, "{}", summary(report));
    for p in &report.added {
        let _ = write!(out, "\nadded {} ({})\n", p.sku, p.file);
    }
    for p in &report.removed {
        let _ = write!(out, "\nremoved {} ({})\n", p.sku, p.file);
    }
    for p in &report.changed {
        let _ = write!(out, "\nchanged {} ({})\n", p.sku, p.file);
        if let Some(old) = &p.old_file {
            let _ = writeln!(out, "  moved from {old}");
        }
        for f in &p.fields {
            let _ = writeln!(out, "  {}", field_line(f, &report.price_alert));
        }
        if alerts(p) > 0 {
            let _ = writeln!(
                out,
                "  warning: {} past --price-alert {}%",
                count(alerts(p), "price moves", "prices move"),
                report.price_alert
            );
        }
    }
    if !report.problems.introduced.is_empty() || !report.problems.fixed.is_empty() {
        out.push_str("\nproblems\n");
        for p in &report.problems.introduced {
            let _ = writeln!(out, "  + {}", problem_line(p));
        }
        for p in &report.problems.fixed {
            let _ = writeln!(out, "  - {}", problem_line(p));
        }
    }
    let touched: Vec<_> = report
        .channels
        .iter()
        .filter(|c| !c.entering.is_empty() || !c.leaving.is_empty() || !c.completeness.is_empty())
        .collect();
    if !touched.is_empty() {
        out.push_str("\nchannels\n");
        for c in touched {
            let _ = writeln!(
                out,
                "  {}: {} entering, {} leaving",
                c.channel,
                thousands(c.entering.len()),
                thousands(c.leaving.len())
            );
            for sku in &c.entering {
                let _ = writeln!(out, "    + {sku}");
            }
            for sku in &c.leaving {
                let _ = writeln!(out, "    - {sku}");
            }
            for k in &c.completeness {
                let _ = writeln!(out, "    {} completeness {}% → {}%", k.sku, k.old, k.new);
            }
        }
    }
    out
}

/// Escapes text for a Markdown table cell or inline text.
fn md(text: &str) -> String {
    text.replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\n', " ")
}

fn markdown(report: &Report) -> String {
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
                p.rule,
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

//! The human form: diagnostics like rustc's, summary lines, the diff as text.

use super::{Style, plural, thousands};
use crate::diag::{Diagnostic, Severity};
use crate::diff::{ChangedProduct, DiffReport, FieldChange};
use crate::export::ExportOutcome;
use serde_json::Value;
use std::fmt::Write as _;

/// Diagnostics like rustc's: the message, file:line:col, the source line with a caret.
pub fn diagnostics(diagnostics: &[Diagnostic], hidden: usize, style: &Style) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let (label, code) = match d.severity {
            Severity::Error => ("error", "1;31"),
            Severity::Warning => ("warning", "1;33"),
        };
        let head = style.paint(code, &format!("{label}[{}]", d.rule.id()));
        let _ = writeln!(
            out,
            "{head}{} {}",
            style.paint("1", ":"),
            style.paint("1", &d.message)
        );
        let gutter = d.line.to_string().len();
        let pad = " ".repeat(gutter);
        let _ = writeln!(
            out,
            "{pad}{} {}:{}:{}",
            style.paint("1;34", "-->"),
            d.file,
            d.line,
            d.column
        );
        if let Some(line) = &d.source_line {
            let bar = style.paint("1;34", "|");
            let shown_line = line.replace('\t', " ");
            let caret_at: String = shown_line
                .chars()
                .take(d.column.saturating_sub(1))
                .map(|_| ' ')
                .collect();
            let _ = writeln!(out, "{pad} {bar}");
            let _ = writeln!(
                out,
                "{} {bar} {shown_line}",
                style.paint("1;34", &d.line.to_string())
            );
            let _ = writeln!(out, "{pad} {bar} {caret_at}{}", style.paint(code, "^"));
        }
        if let Some(help) = &d.help {
            let _ = writeln!(out, "{pad} {} {help}", style.paint("1;34", "= help:"));
        }
        out.push('\n');
    }
    if hidden > 0 {
        let _ = writeln!(out, "{} more not shown (--max-errors)\n", thousands(hidden));
    }
    out
}

/// `marketplace: 1,180 items → dist/marketplace.csv (24 left out: 18 incomplete, 6 invalid)`
pub fn export_summaries(outcome: &ExportOutcome) -> String {
    let mut out = String::new();
    for s in &outcome.channels {
        let _ = write!(
            out,
            "{}: {} → {}",
            s.channel,
            plural(s.items, "item", "items"),
            s.output
        );
        let left = s.left_out.incomplete + s.left_out.invalid;
        if left > 0 {
            let _ = write!(
                out,
                " ({} left out: {} incomplete, {} invalid)",
                thousands(left),
                thousands(s.left_out.incomplete),
                thousands(s.left_out.invalid)
            );
        }
        if !s.written {
            out.push_str(" (unchanged)");
        }
        out.push('\n');
    }
    out
}

/// `error: export refused: ...`, naming the channels and a few of the items with errors.
pub fn export_refusal(outcome: &ExportOutcome) -> Option<String> {
    if outcome.refused.is_empty() {
        return None;
    }
    let refused: Vec<String> = outcome
        .refused
        .iter()
        .map(|r| {
            let mut shown: Vec<&str> = r.items.iter().take(3).map(String::as_str).collect();
            if r.items.len() > 3 {
                shown.push("...");
            }
            format!(
                "{} ({} with errors: {})",
                r.channel,
                thousands(r.items.len()),
                shown.join(", ")
            )
        })
        .collect();
    Some(format!(
        "error: export refused: items that would be exported have errors in {}; nothing was written. Fix them, or pass --skip-invalid to leave them out",
        refused.join("; ")
    ))
}

pub(super) fn count(n: usize, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

/// `"Zelt"`, a short form of lists and mappings, or `(none)`.
pub(super) fn shown(value: Option<&Value>) -> String {
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

fn summary(report: &DiffReport) -> String {
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

pub(super) fn alerts(product: &ChangedProduct) -> usize {
    product.fields.iter().filter(|f| f.alert).count()
}

/// A diff as text.
pub fn diff(report: &DiffReport, style: &Style) -> String {
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
    // Problems read as validate prints them.
    for (title, problems) in [
        ("problems introduced", &report.problems.introduced),
        ("problems fixed", &report.problems.fixed),
    ] {
        if !problems.is_empty() {
            let _ = write!(out, "\n{title}\n\n{}", diagnostics(problems, 0, style));
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

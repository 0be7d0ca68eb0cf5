//! The human form: diagnostics like rustc's, summary lines, the diff as text.

use super::{Style, plural, thousands};
use crate::channel::{LeftOutItem, LeftOutReason};
use crate::diag::{Diagnostic, Severity};
use crate::diff::{ChangedProduct, DiffReport, FieldChange};
use crate::export::ExportOutcome;
use crate::import::{FileState, ImportOutcome};
use crate::scaffold::{InitOutcome, NewOutcome};
use crate::show::ShowReport;
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
        // Messages, paths and source lines hold text from files: control characters are
        // shown, never sent to the terminal.
        let _ = writeln!(
            out,
            "{head}{} {}",
            style.paint("1", ":"),
            style.paint("1", &visible(&d.message))
        );
        let gutter = d.line.to_string().len();
        let pad = " ".repeat(gutter);
        let _ = writeln!(
            out,
            "{pad}{} {}:{}:{}",
            style.paint("1;34", "-->"),
            visible(&d.file),
            d.line,
            d.column
        );
        if let Some(line) = &d.source_line {
            let bar = style.paint("1;34", "|");
            let line = line.replace('\t', " ");
            let shown_line = visible(&line);
            let before: String = line.chars().take(d.column.saturating_sub(1)).collect();
            let caret_at = " ".repeat(visible(&before).chars().count());
            let _ = writeln!(out, "{pad} {bar}");
            let _ = writeln!(
                out,
                "{} {bar} {shown_line}",
                style.paint("1;34", &d.line.to_string())
            );
            let _ = writeln!(out, "{pad} {bar} {caret_at}{}", style.paint(code, "^"));
        }
        if let Some(help) = &d.help {
            let _ = writeln!(
                out,
                "{pad} {} {}",
                style.paint("1;34", "= help:"),
                visible(help)
            );
        }
        out.push('\n');
    }
    if hidden > 0 {
        let _ = writeln!(out, "{} more not shown (--max-errors)\n", thousands(hidden));
    }
    out
}

/// `marketplace: 1,180 items → dist/marketplace.csv (24 left out: 18 incomplete, 6 invalid)`,
/// then, with `list`, up to that many of the items left out, each with why.
pub fn export_summaries(outcome: &ExportOutcome, list: Option<usize>) -> String {
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
        let Some(limit) = list else { continue };
        for item in s.left_out_items.iter().take(limit) {
            let _ = writeln!(out, "  left out: {}", left_out_line(item));
        }
        let hidden = s.left_out_items.len().saturating_sub(limit);
        if hidden > 0 {
            let _ = writeln!(
                out,
                "  and {} more left out (--max-errors {limit})",
                thousands(hidden)
            );
        }
    }
    out
}

/// `NW-LMP-5003 (catalog/lighting/NW-LMP-5003.yaml:1:1): incomplete (75%): missing ...`
pub fn left_out_line(item: &LeftOutItem) -> String {
    match &item.reason {
        LeftOutReason::Unreadable => {
            format!("{}: it cannot be read as a product", visible(&item.file))
        }
        reason => format!(
            "{} ({}:{}:{}): {}",
            visible(&item.sku),
            visible(&item.file),
            item.line,
            item.column,
            left_out_reason(reason)
        ),
    }
}

/// Why an item is left out, in words.
pub fn left_out_reason(reason: &LeftOutReason) -> String {
    match reason {
        LeftOutReason::Incomplete { missing, percent } => {
            format!(
                "incomplete ({percent}%): missing {}",
                visible(&missing.join(", "))
            )
        }
        LeftOutReason::Invalid { rules } if rules.is_empty() => "invalid".to_owned(),
        LeftOutReason::Invalid { rules } => format!("invalid: {}", rules.join(", ")),
        LeftOutReason::Unreadable => "it cannot be read as a product".to_owned(),
    }
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
        visible(&refused.join("; "))
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
        Some(sku) => format!("{} (variant {})", visible(&change.pointer), visible(sku)),
        None => visible(&change.pointer),
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
        let _ = write!(out, "\nadded {} ({})\n", visible(&p.sku), visible(&p.file));
    }
    for p in &report.removed {
        let _ = write!(
            out,
            "\nremoved {} ({})\n",
            visible(&p.sku),
            visible(&p.file)
        );
    }
    for p in &report.changed {
        let _ = write!(
            out,
            "\nchanged {} ({})\n",
            visible(&p.sku),
            visible(&p.file)
        );
        if let Some(old) = &p.old_file {
            let _ = writeln!(out, "  moved from {}", visible(old));
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
                let _ = writeln!(out, "    + {}", visible(sku));
            }
            for sku in &c.leaving {
                let _ = writeln!(out, "    - {}", visible(sku));
            }
            for k in &c.completeness {
                let _ = writeln!(
                    out,
                    "    {} completeness {}% → {}%",
                    visible(&k.sku),
                    k.old,
                    k.new
                );
            }
        }
    }
    out
}

/// `pim init`: the files written and the next steps.
pub fn init(outcome: &InitOutcome, dir: Option<&str>) -> String {
    let mut out = format!(
        "created the pim project `{}` in {}:\n",
        outcome.name,
        dir.map_or_else(|| "the current folder".to_owned(), |d| format!("{d}/"))
    );
    for file in &outcome.files {
        let _ = writeln!(out, "  {file}");
    }
    out.push_str("\nnext:\n");
    if let Some(dir) = dir {
        let _ = writeln!(out, "  cd {dir}");
    }
    out.push_str(
        "  pim validate                          # check the catalog
  pim export --all                      # write the feeds into dist/
  pim new TSHIRT-002 --family apparel   # add a product
",
    );
    out
}

/// `pim new`: the file written, the placeholders to fill in, and what `pim validate` will
/// say until they are.
pub fn new_product(outcome: &NewOutcome, style: &Style) -> String {
    let mut out = match &outcome.parent {
        None => format!("created {} (status: draft)", outcome.file),
        Some(parent) => format!("added a variant to {parent} in {}", outcome.file),
    };
    if !outcome.placeholders.is_empty() {
        let _ = write!(out, "; fill in {}", outcome.placeholders.join(", "));
    }
    out.push('\n');
    if !outcome.problems.is_empty() {
        let _ = writeln!(
            out,
            "\npim validate reports {} until then:\n",
            count(outcome.problems.len(), "problem", "problems")
        );
        out.push_str(diagnostics(&outcome.problems, 0, style).trim_end());
        out.push('\n');
    }
    out
}

/// `pim show`: values per locale and currency, items, and each channel's verdicts.
pub fn show(report: &ShowReport) -> String {
    let mut out = format!("{} ({})", visible(&report.sku), visible(&report.file));
    if let Some(parent) = &report.variant_of {
        let _ = write!(out, ", a variant of {}", visible(parent));
    }
    out.push('\n');
    let _ = writeln!(
        out,
        "family {}, status {}",
        visible(report.family.as_deref().unwrap_or("(none)")),
        visible(&report.status)
    );
    out.push_str("\nvalues\n");
    if let Value::Object(values) = &report.values {
        let header = ["sku", "family", "status", "variants"];
        for (key, value) in values.iter().filter(|(k, _)| !header.contains(&k.as_str())) {
            show_value(&mut out, &visible(key), value, 1);
        }
    }
    let _ = writeln!(out, "\nitems ({})", thousands(report.items.len()));
    for item in &report.items {
        let mut line = format!("  {}", visible(&item.sku));
        if let Value::Object(own) = &item.own {
            let parts: Vec<String> = own
                .iter()
                .map(|(k, v)| format!("{} {}", visible(k), short(v)))
                .collect();
            if !parts.is_empty() {
                let _ = write!(line, ": {}", parts.join(", "));
            }
        }
        let _ = writeln!(out, "{line}");
    }
    if !report.channels.is_empty() {
        out.push_str("\nchannels\n");
    }
    for channel in &report.channels {
        let inside = channel.items.iter().filter(|i| i.in_feed).count();
        let _ = writeln!(
            out,
            "  {} ({}, {}): {} of {} in the feed",
            channel.channel,
            channel.locale,
            channel.currency,
            thousands(inside),
            count(channel.items.len(), "item", "items")
        );
        for item in channel.items.iter().filter(|i| !i.in_feed) {
            let why = match item.left_out {
                Some("filter") => format!("left out by the filter `{}`", channel.filter),
                Some("incomplete") => format!(
                    "left out, incomplete ({}%): missing {}",
                    item.completeness,
                    visible(&item.missing.join(", "))
                ),
                Some("invalid") => {
                    let rules: Vec<String> = item
                        .errors
                        .iter()
                        .map(|d| {
                            format!(
                                "{}:{}:{} {}",
                                visible(&d.file),
                                d.line,
                                d.column,
                                d.rule.id()
                            )
                        })
                        .collect();
                    format!("left out, invalid: {}", rules.join(", "))
                }
                _ => "left out".to_owned(),
            };
            let _ = writeln!(out, "    {}: {why}", visible(&item.sku));
        }
    }
    if !report.diagnostics.is_empty() {
        let _ = writeln!(
            out,
            "\nproblems ({})\n",
            thousands(report.diagnostics.len())
        );
        out.push_str(diagnostics(&report.diagnostics, 0, &Style { color: false }).trim_end());
        out.push('\n');
    }
    out
}

/// `key: value`, or the key and one line per entry of a mapping (locales, currencies).
fn show_value(out: &mut String, key: &str, value: &Value, depth: usize) {
    let pad = "  ".repeat(depth);
    let measurement = value
        .get("value")
        .and_then(Value::as_str)
        .zip(value.get("unit").and_then(Value::as_str));
    match value {
        Value::Object(map) if map.len() == 2 && measurement.is_some() => {
            if let Some((amount, unit)) = measurement {
                let _ = writeln!(out, "{pad}{key}: {} {}", visible(amount), visible(unit));
            }
        }
        Value::Object(map) if !map.is_empty() && depth < 3 => {
            let _ = writeln!(out, "{pad}{key}");
            for (k, v) in map {
                show_value(out, &visible(k), v, depth + 1);
            }
        }
        other => {
            let _ = writeln!(out, "{pad}{key}: {}", short(other));
        }
    }
}

/// A value on one line: a string as it is (control characters made visible, long text cut),
/// anything else as JSON.
fn short(value: &Value) -> String {
    let text = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let one_line: String = text
        .chars()
        .map(|c| {
            if matches!(c, '\n' | '\r' | '\t') {
                ' '
            } else {
                c
            }
        })
        .collect();
    let shown = visible(&one_line);
    if shown.chars().count() > 100 {
        format!("{}…", shown.chars().take(99).collect::<String>())
    } else {
        shown
    }
}

/// Text from a file made safe for a terminal or CI log: control characters and bidirectional
/// overrides are written as `\u{1b}`, so nothing a catalog holds can drive the terminal.
pub fn visible(text: &str) -> String {
    let hidden =
        |c: char| c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    if !text.chars().any(hidden) {
        return text.to_owned();
    }
    text.chars()
        .map(|c| {
            if hidden(c) {
                format!("\\u{{{:x}}}", c as u32)
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// `pim validate --list-rules`: one rule a line, its severity in force, and its default
/// where `pim.toml` changed it.
pub fn rules(rules: &[crate::diag::RuleLevel]) -> String {
    let width = rules.iter().map(|r| r.rule.len()).max().unwrap_or(0);
    let mut out = String::new();
    for r in rules {
        let severity = r
            .severity
            .map_or_else(|| "off".to_owned(), |s| s.to_string());
        let mut line = format!("{:width$}  {severity}", r.rule);
        if r.severity != Some(r.default) {
            let _ = write!(line, " (pim.toml; {} by default)", r.default);
        }
        if r.rule == "schema-<keyword>" {
            line.push_str("  a JSON Schema keyword that failed: schema-required, schema-type, ...");
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
    out.push_str("\n`pim validate --explain RULE` says what a rule means; [rules] in pim.toml changes a severity\n");
    out
}

/// Text from an imported file, made visible and cut at 200 characters.
fn imported(text: &str) -> String {
    let shown = visible(text);
    if shown.chars().count() > 200 {
        format!("{}…", shown.chars().take(199).collect::<String>())
    } else {
        shown
    }
}

/// At most this many lines of each list; `--format json` has them all.
const IMPORT_LIST: usize = 20;

/// An import's report: counts, files, what could not be represented, damaged values.
pub fn import(outcome: &ImportOutcome, style: &Style) -> String {
    let c = &outcome.counts;
    let source = if outcome.source == "akeneo" {
        "Akeneo"
    } else {
        "Shopify"
    };
    let mut out = format!(
        "{} {source} export {} into {}\n",
        style.paint("1", "imported"),
        imported(&outcome.input),
        imported(&outcome.project)
    );
    let mut products = format!(
        "  {}: {} without variants",
        plural(c.products, "product", "products"),
        thousands(c.products.saturating_sub(c.product_models))
    );
    if c.product_models > 0 {
        let _ = write!(
            products,
            ", {} with {}",
            thousands(c.product_models),
            plural(c.variants, "variant", "variants")
        );
        if c.sub_models > 0 {
            let _ = write!(
                products,
                " (and {} intermediate ones)",
                thousands(c.sub_models)
            );
        }
    }
    let _ = writeln!(out, "{products}; {}", plural(c.items, "item", "items"));
    let _ = writeln!(
        out,
        "  {}, {}, {}, {}, {}",
        plural(c.families, "family", "families"),
        plural(c.family_schemas, "family schema", "family schemas"),
        plural(c.attributes, "attribute", "attributes"),
        plural(c.options, "option", "options"),
        plural(c.categories, "category", "categories"),
    );
    let _ = writeln!(
        out,
        "  {}, {}, {}, {}",
        plural(c.channels, "channel", "channels"),
        plural(c.locales, "locale", "locales"),
        plural(c.currencies, "currency", "currencies"),
        plural(c.associations, "association link", "association links"),
    );
    if !outcome.media.is_empty() {
        let _ = writeln!(
            out,
            "  media: {} copied into assets/, {} kept as references (not next to the export)",
            thousands(c.media_copied),
            thousands(c.media_referenced)
        );
    }
    let _ = writeln!(
        out,
        "  files: {} written, {} unchanged, {} kept because they differ",
        thousands(c.files_written),
        thousands(c.files_unchanged),
        thousands(c.files_refused)
    );
    let list = |out: &mut String, title: String, lines: Vec<String>| {
        if lines.is_empty() {
            return;
        }
        let _ = write!(out, "\n{}\n", style.paint("1", &title));
        for line in lines.iter().take(IMPORT_LIST) {
            let _ = writeln!(out, "  {line}");
        }
        if lines.len() > IMPORT_LIST {
            let _ = writeln!(
                out,
                "  ... {} more (--format json lists them all)",
                thousands(lines.len() - IMPORT_LIST)
            );
        }
    };
    let at = |file: &str, line: Option<u64>, sku: Option<&str>| {
        let mut place = imported(file);
        if let Some(line) = line {
            let _ = write!(place, ":{line}");
        }
        if let Some(sku) = sku {
            let _ = write!(place, " ({})", imported(sku));
        }
        place
    };
    list(
        &mut out,
        format!(
            "not represented, or interpreted ({})",
            thousands(outcome.not_represented.len())
        ),
        outcome
            .not_represented
            .iter()
            .map(|f| {
                format!(
                    "{}: {}",
                    at(&f.file, f.line, f.sku.as_deref()),
                    imported(&f.message)
                )
            })
            .collect(),
    );
    list(
        &mut out,
        format!(
            "damaged by a spreadsheet ({}), imported as they are",
            thousands(outcome.damaged.len())
        ),
        outcome
            .damaged
            .iter()
            .map(|d| {
                format!(
                    "{} `{}` = `{}`: {}",
                    at(&d.file, Some(d.line), d.sku.as_deref()),
                    imported(&d.column),
                    imported(&d.value),
                    d.reason
                )
            })
            .collect(),
    );
    list(
        &mut out,
        format!(
            "media kept as references ({}): put the files under assets/ with these paths",
            thousands(c.media_referenced)
        ),
        outcome
            .media
            .iter()
            .filter(|m| !m.copied)
            .map(|m| imported(&m.path))
            .collect(),
    );
    list(
        &mut out,
        format!(
            "kept because they differ ({}): --force overwrites them",
            thousands(c.files_refused)
        ),
        outcome
            .files
            .iter()
            .filter(|f| f.state == FileState::Refused)
            .map(|f| imported(&f.path))
            .collect(),
    );
    out
}

/// `error: 2 files differ from what the import writes and were kept: ...`
pub fn import_refusal(outcome: &ImportOutcome) -> Option<String> {
    let refused: Vec<&str> = outcome
        .files
        .iter()
        .filter(|f| f.state == FileState::Refused)
        .map(|f| f.path.as_str())
        .collect();
    if refused.is_empty() {
        return None;
    }
    let mut shown: Vec<String> = refused.iter().take(3).map(|p| imported(p)).collect();
    if refused.len() > 3 {
        shown.push("...".to_owned());
    }
    let what = if refused.len() == 1 {
        "1 file differs from what the import writes and was kept".to_owned()
    } else {
        format!(
            "{} files differ from what the import writes and were kept",
            thousands(refused.len())
        )
    };
    Some(format!(
        "error: {what}: {}. Pass --force to overwrite them",
        shown.join(", ")
    ))
}

/// `text` cut to `width` characters (an ellipsis marks the cut), made [`visible`].
fn fit(text: &str, width: usize) -> String {
    let text = visible(text);
    if text.chars().count() <= width {
        return text;
    }
    let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// A bar of `width` cells for a percentage, in eighths of a cell.
pub(super) fn bar(percent: f64, width: usize) -> String {
    const PARTS: [char; 8] = [' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
    let eighths = (percent.clamp(0.0, 100.0) / 100.0 * (width * 8) as f64).round() as usize;
    let mut out = "█".repeat(eighths / 8);
    if !eighths.is_multiple_of(8) && eighths / 8 < width {
        out.push(PARTS.get(eighths % 8).copied().unwrap_or(' '));
    }
    let drawn = out.chars().count();
    out.push_str(&"░".repeat(width.saturating_sub(drawn)));
    out
}

fn paint_percent(style: &Style, percent: f64, text: &str) -> String {
    let code = if percent >= 90.0 {
        "32"
    } else if percent >= 60.0 {
        "33"
    } else {
        "31"
    };
    style.paint(code, text)
}

fn paint_grade(style: &Style, grade: crate::quality::Grade, text: &str) -> String {
    use crate::quality::Grade;
    let code = match grade {
        Grade::A => "1;32",
        Grade::B => "32",
        Grade::C => "33",
        Grade::D => "31",
        Grade::E => "1;31",
    };
    style.paint(code, text)
}

/// `pim report`: a table of channels with completeness bars, completeness per family, then
/// per channel its grades, most missing attributes and worst items; at most 100 columns.
pub fn quality(report: &crate::quality::QualityReport, style: &Style) -> String {
    let mut out = format!(
        "pim report: {} ({}, {})\n\n",
        fit(&report.project, 40),
        count(report.products, "product", "products"),
        count(report.items, "item", "items"),
    );
    if report.unreadable_files > 0 {
        let _ = writeln!(
            out,
            "{} could not be read as products (see `pim validate`)\n",
            count(report.unreadable_files, "file", "files")
        );
    }
    let _ = writeln!(
        out,
        "{}",
        style.paint(
            "1",
            &format!(
                "{:<22} {:>7} {:>7} {:>7} {:>7} {:>7}  complete",
                "channel", "items", "ready", "incompl", "invalid", "filter"
            )
        )
    );
    for c in &report.channels {
        let percent = format!("{:>5.1}%", c.completeness);
        let _ = writeln!(
            out,
            "{:<22} {:>7} {:>7} {:>7} {:>7} {:>7}  {} {}",
            fit(&c.label, 22),
            thousands(c.items),
            thousands(c.ready),
            thousands(c.incomplete),
            thousands(c.invalid),
            thousands(c.filtered_out),
            paint_percent(style, c.completeness, &bar(c.completeness, 20)),
            paint_percent(style, c.completeness, &percent),
        );
    }
    if let Some(history) = &report.history {
        history_lines(&mut out, history, style);
    }
    // Completeness per family: a column per channel while they fit in 100 columns.
    let mut families: Vec<&str> = report
        .channels
        .iter()
        .flat_map(|c| c.families.iter().map(|f| f.family.as_str()))
        .collect();
    families.sort_unstable();
    families.dedup();
    let columns = report.channels.len().min(9);
    if !families.is_empty() && columns > 0 {
        // Two header lines: the channel's name, then its locale.
        let _ = write!(
            out,
            "\n{}",
            style.paint("1", &format!("{:<18}", "family complete %"))
        );
        for c in report.channels.iter().take(columns) {
            let _ = write!(
                out,
                " {}",
                style.paint("1", &format!("{:>8}", fit(&c.channel, 8)))
            );
        }
        let _ = write!(out, "\n{:<18}", "");
        for c in report.channels.iter().take(columns) {
            let _ = write!(
                out,
                " {}",
                style.paint("2", &format!("{:>8}", fit(&c.locale, 8)))
            );
        }
        out.push('\n');
        for family in &families {
            let _ = write!(out, "{:<18}", fit(family, 18));
            for c in report.channels.iter().take(columns) {
                match c.families.iter().find(|f| f.family == *family) {
                    Some(f) => {
                        let text = format!("{:>8.1}", f.completeness);
                        let _ = write!(out, " {}", paint_percent(style, f.completeness, &text));
                    }
                    None => {
                        let _ = write!(out, " {:>8}", "-");
                    }
                }
            }
            out.push('\n');
        }
        if report.channels.len() > columns {
            let _ = writeln!(
                out,
                "({} more channels: see --format json or html)",
                report.channels.len() - columns
            );
        }
    }
    for c in &report.channels {
        let grades: Vec<String> = c
            .grades
            .each()
            .iter()
            .map(|(g, n)| paint_grade(style, *g, &format!("{} {}", g.letter(), thousands(*n))))
            .collect();
        let _ = writeln!(
            out,
            "\n{}  grades {}",
            style.paint("1", &visible(&c.label)),
            grades.join(" · ")
        );
        if !c.missing.is_empty() {
            let list: Vec<String> = c
                .missing
                .iter()
                .map(|m| format!("{} {}", fit(&m.attribute, 30), thousands(m.items)))
                .collect();
            let more = if c.missing_more > 0 {
                format!(" (+{} more)", c.missing_more)
            } else {
                String::new()
            };
            let _ = writeln!(out, "  most missing: {}{more}", list.join(", "));
        }
        for w in &c.worst {
            let why = if w.invalid {
                "has errors".to_owned()
            } else if w.missing.is_empty() {
                format!(
                    "optional attributes {}% filled, {}",
                    w.optional,
                    count(w.images, "image", "images")
                )
            } else {
                format!(
                    "lacks {}",
                    w.missing
                        .iter()
                        .map(|m| visible(m))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            let line = format!(
                "  {} {:>3}  {:<24} {}",
                paint_grade(style, w.grade, w.grade.letter()),
                w.score,
                fit(&w.sku, 24),
                fit(&why, 66)
            );
            let _ = writeln!(out, "{line}");
        }
        if c.worst_more > 0 {
            let _ = writeln!(
                out,
                "  … {} more below A (--worst N lists more)",
                thousands(c.worst_more)
            );
        }
    }
    out
}

/// The most commits a sparkline shows (the newest), so a line fits 100 columns.
const SPARK: usize = 48;

/// `pim report --history`: per channel, a sparkline of its completeness over the commits,
/// and where it started and ended.
fn history_lines(out: &mut String, history: &crate::history::History, style: &Style) {
    let commits = &history.history;
    let shown = commits.len().min(SPARK);
    let skip = commits.len() - shown;
    match (commits.get(skip), commits.last()) {
        (Some(first), Some(last)) => {
            let _ = writeln!(
                out,
                "\n{}",
                style.paint(
                    "1",
                    &format!(
                        "completeness over {}: {} {} → {} {}",
                        count(shown, "commit", "commits"),
                        visible(&first.short),
                        first.date.get(..10).unwrap_or(&first.date),
                        visible(&last.short),
                        last.date.get(..10).unwrap_or(&last.date)
                    )
                )
            );
        }
        _ => {
            let _ = writeln!(out, "\nno commit touched the catalog yet");
        }
    }
    if skip > 0 {
        let _ = writeln!(
            out,
            "(the newest {shown} of {} commits; --format json or html has them all)",
            commits.len()
        );
    }
    for label in history.labels() {
        let series: Vec<Option<f64>> = history
            .series(label)
            .into_iter()
            .skip(skip)
            .map(|p| p.map(|p| p.completeness))
            .collect();
        let values: Vec<f64> = series.iter().flatten().copied().collect();
        let (Some(first), Some(last)) = (values.first(), values.last()) else {
            continue;
        };
        let _ = writeln!(
            out,
            "{:<22} {:<width$}  {} → {}",
            fit(label, 22),
            sparkline(&series),
            paint_percent(style, *first, &format!("{first:>5.1}%")),
            paint_percent(style, *last, &format!("{last:>5.1}%")),
            width = shown
        );
    }
    for c in commits.iter().skip(skip).filter(|c| c.error.is_some()) {
        let _ = writeln!(
            out,
            "  {}: {}",
            visible(&c.short),
            fit(c.error.as_deref().unwrap_or_default(), 80)
        );
    }
    if let Some(note) = &history.history_note {
        out.push_str(&wrap(&format!("({})", visible(note)), 100));
    }
}

/// `text` broken at spaces into lines of at most `width` characters (a longer word keeps its
/// own line), each ending in a newline.
fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            out.push_str(&line);
            out.push('\n');
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push_str(&line);
    out.push('\n');
    out
}

/// Block characters from the lowest value to the highest (a blank where there is none);
/// a flat series sits at its level of 0–100 %.
fn sparkline(series: &[Option<f64>]) -> String {
    const LEVELS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let values = series.iter().flatten();
    let lo = values.clone().copied().fold(f64::INFINITY, f64::min);
    let hi = values.copied().fold(f64::NEG_INFINITY, f64::max);
    series
        .iter()
        .map(|v| match v {
            None => ' ',
            Some(v) => {
                let share = if hi - lo < 0.05 {
                    v / 100.0
                } else {
                    (v - lo) / (hi - lo)
                };
                let level = (share.clamp(0.0, 1.0) * 7.0).round() as usize;
                LEVELS.get(level).copied().unwrap_or('█')
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparkline_spans_lowest_to_highest_with_gaps() {
        assert_eq!(
            sparkline(&[Some(90.0), None, Some(95.0), Some(100.0)]),
            "▁ ▅█"
        );
        // A flat series sits at its level of 0–100 %.
        assert_eq!(sparkline(&[Some(100.0), Some(100.0)]), "██");
        assert_eq!(sparkline(&[Some(0.0)]), "▁");
        assert_eq!(sparkline(&[None, None]), "  ");
    }

    #[test]
    fn wrap_breaks_at_spaces() {
        assert_eq!(wrap("aa bb cc", 5), "aa bb\ncc\n");
        assert_eq!(wrap("abcdefg h", 3), "abcdefg\nh\n");
        assert_eq!(wrap("", 3), "\n");
    }
}

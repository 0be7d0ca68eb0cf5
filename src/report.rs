//! Renders diagnostics and the summary, one function per format; the only code that picks one.

use crate::diag::{Diagnostic, Severity};
use serde::Serialize;
use std::fmt::Write as _;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    Github,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub files: usize,
    pub products: usize,
    pub items: usize,
    pub errors: usize,
    pub warnings: usize,
}

pub struct Style {
    pub color: bool,
}

impl Style {
    /// Colour only on a terminal, and never when `NO_COLOR` is set (no-color.org).
    pub fn for_stdout() -> Style {
        use std::io::IsTerminal;
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Style {
            color: std::io::stdout().is_terminal() && !no_color,
        }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
}

/// The whole report as text for stdout. `max` limits how many diagnostics are printed.
pub fn render(
    format: Format,
    diagnostics: &[Diagnostic],
    summary: &Summary,
    max: Option<usize>,
    style: &Style,
) -> String {
    let count = max.unwrap_or(usize::MAX).min(diagnostics.len());
    let shown = diagnostics.get(..count).unwrap_or(diagnostics);
    let hidden = diagnostics.len() - shown.len();
    match format {
        Format::Human => human(shown, hidden, summary, style),
        Format::Json => json(shown, summary),
        Format::Github => github(shown, hidden, summary),
    }
}

fn human(diagnostics: &[Diagnostic], hidden: usize, summary: &Summary, style: &Style) -> String {
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
    let _ = writeln!(out, "{}", summary_line(summary));
    out
}

/// `checked 310 files: 310 products, 1,204 items; 3 errors, 1 warning`
pub fn summary_line(s: &Summary) -> String {
    format!(
        "checked {}: {}, {}; {}, {}",
        plural(s.files, "file", "files"),
        plural(s.products, "product", "products"),
        plural(s.items, "item", "items"),
        plural(s.errors, "error", "errors"),
        plural(s.warnings, "warning", "warnings"),
    )
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

/// `1204` → `1,204`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    severity: Severity,
    rule: String,
    file: &'a str,
    line: usize,
    column: usize,
    pointer: Option<&'a str>,
    sku: Option<&'a str>,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    diagnostics: Vec<JsonDiagnostic<'a>>,
    summary: &'a Summary,
}

/// The diagnostics alone, for commands with their own summary (`pim export`).
pub fn render_diagnostics(format: Format, diagnostics: &[Diagnostic], style: &Style) -> String {
    let text = render(format, diagnostics, &Summary::default(), None, style);
    // Drop the validate summary line.
    let trimmed = text.trim_end_matches('\n');
    match trimmed.rfind('\n') {
        Some(i) => format!(
            "{}\n",
            trimmed.get(..i).unwrap_or_default().trim_end_matches('\n')
        ),
        None => String::new(),
    }
}

/// The JSON form of diagnostics.
pub fn json_diagnostics(diagnostics: &[Diagnostic]) -> serde_json::Value {
    serde_json::to_value(json_list(diagnostics)).unwrap_or_default()
}

fn json_list(diagnostics: &[Diagnostic]) -> Vec<JsonDiagnostic<'_>> {
    diagnostics
        .iter()
        .map(|d| JsonDiagnostic {
            severity: d.severity,
            rule: d.rule.id(),
            file: &d.file,
            line: d.line,
            column: d.column,
            pointer: d.pointer.as_deref(),
            sku: d.sku.as_deref(),
            message: &d.message,
        })
        .collect()
}

fn json(diagnostics: &[Diagnostic], summary: &Summary) -> String {
    let report = JsonReport {
        diagnostics: json_list(diagnostics),
        summary,
    };
    let mut text = serde_json::to_string_pretty(&report).unwrap_or_default();
    text.push('\n');
    text
}

fn github(diagnostics: &[Diagnostic], hidden: usize, summary: &Summary) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let mut message = d.message.clone();
        if let Some(help) = &d.help {
            message = format!("{message}\nhelp: {help}");
        }
        let _ = writeln!(
            out,
            "::{} file={},line={},col={},title={}::{}",
            d.severity,
            escape_property(&d.file),
            d.line,
            d.column,
            escape_property(&d.rule.id()),
            escape_data(&message)
        );
    }
    if hidden > 0 {
        let _ = writeln!(out, "{} more not shown (--max-errors)", thousands(hidden));
    }
    let _ = writeln!(out, "{}", summary_line(summary));
    out
}

/// Workflow command data: `%`, CR and LF are escaped (actions/toolkit `escapeData`).
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Workflow command properties also escape `:` and `,` (actions/toolkit `escapeProperty`).
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::{Position, Rule};

    fn sample() -> Vec<Diagnostic> {
        let mut d = Diagnostic::new(
            Rule::InvalidGtin,
            "catalog/a,b.yaml",
            Position::Offset(6),
            "`/gtin`: bad\n100%",
        )
        .at("/gtin")
        .sku(Some("A-1"))
        .help("fix it");
        d.line = 2;
        d.column = 7;
        d.source_line = Some("gtin: \"1\"".into());
        vec![d]
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1204), "1,204");
        assert_eq!(thousands(1_000_000), "1,000,000");
    }

    #[test]
    fn summary_is_plural_aware() {
        let s = Summary {
            files: 310,
            products: 310,
            items: 1204,
            errors: 3,
            warnings: 1,
        };
        assert_eq!(
            summary_line(&s),
            "checked 310 files: 310 products, 1,204 items; 3 errors, 1 warning"
        );
    }

    #[test]
    fn github_escapes() {
        let text = render(
            Format::Github,
            &sample(),
            &Summary::default(),
            None,
            &Style { color: false },
        );
        let first = text.lines().next().unwrap();
        assert_eq!(
            first,
            "::error file=catalog/a%2Cb.yaml,line=2,col=7,title=invalid-gtin::`/gtin`: bad%0A100%25%0Ahelp: fix it"
        );
    }

    #[test]
    fn human_shows_caret() {
        let text = render(
            Format::Human,
            &sample(),
            &Summary::default(),
            None,
            &Style { color: false },
        );
        assert!(text.contains(" --> catalog/a,b.yaml:2:7\n"), "{text}");
        assert!(text.contains("2 | gtin: \"1\"\n  |       ^\n"), "{text}");
    }

    #[test]
    fn max_limits_printing() {
        let text = render(
            Format::Json,
            &sample(),
            &Summary::default(),
            Some(0),
            &Style { color: false },
        );
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["diagnostics"].as_array().unwrap().len(), 0);
    }
}

//! Every command's output, one renderer per format (human, json, github, markdown), built
//! from the engine's typed results; the only code that picks a format.

mod github;
mod html;
mod human;
mod json;
mod markdown;

use crate::diag::{Diagnostic, RuleLevel};
use crate::diff::DiffReport;
use crate::export::ExportOutcome;
use crate::import::ImportOutcome;
use crate::scaffold::{InitOutcome, NewOutcome};
use crate::show::ShowReport;
pub use crate::validate::Summary;
pub use human::visible;

/// How a command's result is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// For people: like rustc, colour on a terminal only.
    Human,
    /// One JSON document with stable keys.
    Json,
    /// GitHub Actions workflow commands.
    Github,
    /// For a pull-request comment.
    Markdown,
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

/// A validation report as text for stdout. `max` limits how many diagnostics are printed.
pub fn render(
    format: Format,
    diagnostics: &[Diagnostic],
    summary: &Summary,
    max: Option<usize>,
    style: &Style,
) -> String {
    let count = max.unwrap_or(usize::MAX).min(diagnostics.len());
    // Under a limit, errors come first: a few warnings must not hide every error.
    let ordered: Vec<Diagnostic>;
    let diagnostics = match max {
        Some(_) => {
            let mut copy = diagnostics.to_vec();
            copy.sort_by_key(|d| d.severity);
            ordered = copy;
            &ordered[..]
        }
        None => diagnostics,
    };
    let shown = diagnostics.get(..count).unwrap_or(diagnostics);
    let hidden = diagnostics.len() - shown.len();
    match format {
        Format::Human | Format::Markdown => {
            let mut out = human::diagnostics(shown, hidden, style);
            out.push_str(&summary_line(summary));
            out.push('\n');
            out
        }
        Format::Json => json::validation(shown, summary),
        Format::Github => {
            let mut out = github::diagnostics(shown, hidden);
            out.push_str(&summary_line(summary));
            out.push('\n');
            out
        }
    }
}

/// `pim validate --list-rules`: every rule with the severity in force and its default.
pub fn rules(format: Format, rules: &[RuleLevel]) -> String {
    match format {
        Format::Json => json::rules(rules),
        _ => human::rules(rules),
    }
}

/// Diagnostics alone, for commands with a summary of their own (export), in the human or
/// github form; nothing for json, whose document carries them.
pub fn render_diagnostics(format: Format, diagnostics: &[Diagnostic], style: &Style) -> String {
    match format {
        Format::Human | Format::Markdown if !diagnostics.is_empty() => {
            human::diagnostics(diagnostics, 0, style)
                .trim_end_matches('\n')
                .to_owned()
                + "\n"
        }
        Format::Github => github::diagnostics(diagnostics, 0),
        _ => String::new(),
    }
}

/// An export's outcome: its problems, then a summary line per channel (stdout); for json,
/// one document whatever the outcome.
/// `max` limits the diagnostics printed, and the left-out items listed per channel.
pub fn export(
    format: Format,
    outcome: &ExportOutcome,
    max: Option<usize>,
    style: &Style,
) -> String {
    let limit = max.unwrap_or(usize::MAX);
    match format {
        Format::Json => json::export(outcome, None, limit),
        _ => {
            let shown = outcome
                .diagnostics
                .get(..limit.min(outcome.diagnostics.len()))
                .unwrap_or(&outcome.diagnostics);
            let mut out = render_diagnostics(format, shown, style);
            let hidden = outcome.diagnostics.len() - shown.len();
            if hidden > 0 {
                out.push_str(&format!(
                    "{} more not shown (--max-errors)\n",
                    thousands(hidden)
                ));
            }
            if outcome.refused.is_empty() {
                if format == Format::Github {
                    out.push_str(&github::left_out(outcome, limit));
                }
                out.push_str(&human::export_summaries(
                    outcome,
                    (format != Format::Github).then_some(limit),
                ));
            }
            out
        }
    }
}

/// The stderr line of a refused export.
pub fn export_refusal(outcome: &ExportOutcome) -> Option<String> {
    human::export_refusal(outcome)
}

/// An export that failed (a template, configuration or I/O error), as the json document;
/// the other formats print the error on stderr.
pub fn export_failure(error: &str) -> String {
    json::export(&ExportOutcome::default(), Some(error), 0)
}

/// What `pim init` wrote, and what to do next. `dir` is the folder as the user named it.
pub fn init(outcome: &InitOutcome, dir: Option<&str>) -> String {
    human::init(outcome, dir)
}

/// What `pim new` wrote, and what the new product still needs.
pub fn new_product(outcome: &NewOutcome, style: &Style) -> String {
    human::new_product(outcome, style)
}

/// How `pim show` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShowFormat {
    Human,
    Yaml,
    Json,
}

/// A product as `pim show` sees it.
pub fn show(format: ShowFormat, report: &ShowReport) -> anyhow::Result<String> {
    Ok(match format {
        ShowFormat::Human => human::show(report),
        ShowFormat::Json => json::show(report),
        ShowFormat::Yaml => serde_saphyr::to_string(report)
            .map_err(|e| anyhow::anyhow!("cannot write the report as YAML: {e}"))?,
    })
}

/// An import's report: what was written, counts, and what pim could not represent.
pub fn import(format: Format, outcome: &ImportOutcome, style: &Style) -> String {
    match format {
        Format::Json => json::import(outcome, None),
        _ => human::import(outcome, style),
    }
}

/// The stderr line of an import that kept files which differ.
pub fn import_refusal(outcome: &ImportOutcome) -> Option<String> {
    human::import_refusal(outcome)
}

/// An import that failed, as the json document; the other formats print the error on stderr.
pub fn import_failure(error: &str) -> String {
    json::import(&ImportOutcome::default(), Some(error))
}

/// `--format` of `pim report`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QualityFormat {
    Human,
    Json,
    Markdown,
    /// One self-contained page: inline CSS and SVG, no script needed, no network.
    Html,
}

/// A quality report (`pim report`).
pub fn quality(
    format: QualityFormat,
    report: &crate::quality::QualityReport,
    style: &Style,
) -> String {
    match format {
        QualityFormat::Human => human::quality(report, style),
        QualityFormat::Json => json::quality(report),
        QualityFormat::Markdown => markdown::quality(report),
        QualityFormat::Html => html::quality(report),
    }
}

/// A diff report.
pub fn diff(format: Format, report: &DiffReport, style: &Style) -> String {
    match format {
        Format::Human | Format::Github => human::diff(report, style),
        Format::Markdown => markdown::diff(report),
        Format::Json => json::diff(report),
    }
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

/// `1 item`, `1,204 items`.
pub fn plural(n: usize, one: &str, many: &str) -> String {
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
    fn control_characters_from_files_are_shown_not_sent() {
        let mut d = sample();
        d[0].message = "bad \x1b]0;x\x07".into();
        d[0].file = "catalog/\x1b[1m.yaml".into();
        d[0].source_line = Some("\x1b[1mgtin: \"1\"\r".into());
        d[0].column = 8;
        let text = render(
            Format::Human,
            &d,
            &Summary::default(),
            None,
            &Style { color: false },
        );
        assert!(!text.contains(['\x1b', '\x07', '\r']), "{text:?}");
        assert!(text.contains("bad \\u{1b}]0;x\\u{7}\n"), "{text}");
        assert!(text.contains("--> catalog/\\u{1b}[1m.yaml:2:8"), "{text}");
        // The caret stays under the character it points at.
        assert!(
            text.contains("2 | \\u{1b}[1mgtin: \"1\"\\u{d}\n  |             ^\n"),
            "{text}"
        );
        let text = render(
            Format::Github,
            &d,
            &Summary::default(),
            None,
            &Style { color: false },
        );
        assert!(!text.contains('\x1b'), "{text:?}");
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
    fn under_a_limit_errors_come_before_warnings() {
        let mut warning = sample().remove(0);
        warning.severity = crate::diag::Severity::Warning;
        warning.file = "catalog/a.yaml".into();
        let mut error = sample().remove(0);
        error.file = "catalog/z.yaml".into();
        let diagnostics = vec![warning.clone(), error.clone()];
        let json = |max| {
            let text = render(
                Format::Json,
                &diagnostics,
                &Summary::default(),
                max,
                &Style { color: false },
            );
            let v: serde_json::Value = serde_json::from_str(&text).unwrap();
            v["diagnostics"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["file"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        };
        assert_eq!(json(Some(1)), ["catalog/z.yaml"]);
        assert_eq!(json(Some(5)), ["catalog/z.yaml", "catalog/a.yaml"]);
        assert_eq!(json(None), ["catalog/a.yaml", "catalog/z.yaml"]);
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

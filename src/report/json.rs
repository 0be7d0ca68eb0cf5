//! The json form: one document per command, with stable keys, from typed structs.

use super::Summary;
use crate::channel::{LeftOut, LeftOutItem, LeftOutReason};
use crate::diag::Diagnostic;
use crate::diff::DiffReport;
use crate::export::ExportOutcome;
use crate::import::ImportOutcome;
use serde::Serialize;

#[derive(Serialize)]
struct JsonReport<'a> {
    diagnostics: &'a [Diagnostic],
    summary: &'a Summary,
}

/// `pim validate --format json`.
pub fn validation(diagnostics: &[Diagnostic], summary: &Summary) -> String {
    document(&JsonReport {
        diagnostics,
        summary,
    })
}

/// A pretty document and its final newline.
fn document(value: &impl Serialize) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

#[derive(Serialize)]
struct ExportChannel<'a> {
    channel: &'a str,
    items: usize,
    output: &'a str,
    written: bool,
    left_out: LeftOut,
    /// The items left out (up to --max-errors), with where they are and why.
    left_out_items: Vec<LeftOutJson<'a>>,
}

#[derive(Serialize)]
struct LeftOutJson<'a> {
    sku: &'a str,
    file: &'a str,
    line: usize,
    column: usize,
    pointer: &'a str,
    /// `incomplete`, `invalid` or `unreadable`.
    reason: &'static str,
    /// For `incomplete`.
    #[serde(skip_serializing_if = "Option::is_none")]
    missing: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    completeness: Option<u32>,
    /// For `invalid`: the rules of the errors that keep it out.
    #[serde(skip_serializing_if = "Option::is_none")]
    rules: Option<&'a [String]>,
}

fn left_out_json(item: &LeftOutItem) -> LeftOutJson<'_> {
    let (reason, missing, completeness, rules) = match &item.reason {
        LeftOutReason::Incomplete { missing, percent } => {
            ("incomplete", Some(&missing[..]), Some(*percent), None)
        }
        LeftOutReason::Invalid { rules } => ("invalid", None, None, Some(&rules[..])),
        LeftOutReason::Unreadable => ("unreadable", None, None, None),
    };
    LeftOutJson {
        sku: &item.sku,
        file: &item.file,
        line: item.line,
        column: item.column,
        pointer: &item.pointer,
        reason,
        missing,
        completeness,
        rules,
    }
}

#[derive(Serialize)]
struct ExportRefusal<'a> {
    channel: &'a str,
    items: &'a [String],
}

#[derive(Serialize)]
struct ExportDocument<'a> {
    /// `written`, `refused` or `failed`.
    status: &'a str,
    channels: Vec<ExportChannel<'a>>,
    refused: Vec<ExportRefusal<'a>>,
    diagnostics: &'a [Diagnostic],
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
}

/// `pim export --format json`, in every outcome; `limit` caps the left-out items listed
/// per channel.
pub fn export(outcome: &ExportOutcome, error: Option<&str>, limit: usize) -> String {
    let status = if error.is_some() {
        "failed"
    } else if outcome.refused.is_empty() {
        "written"
    } else {
        "refused"
    };
    document(&ExportDocument {
        status,
        channels: outcome
            .channels
            .iter()
            .map(|c| ExportChannel {
                channel: &c.channel,
                items: c.items,
                output: &c.output,
                written: c.written,
                left_out: c.left_out,
                left_out_items: c
                    .left_out_items
                    .iter()
                    .take(limit)
                    .map(left_out_json)
                    .collect(),
            })
            .collect(),
        refused: outcome
            .refused
            .iter()
            .map(|r| ExportRefusal {
                channel: &r.channel,
                items: &r.items,
            })
            .collect(),
        diagnostics: &outcome.diagnostics,
        error,
    })
}

/// `pim diff --format json`.
pub fn diff(report: &DiffReport) -> String {
    document(report)
}

/// `pim show --format json`.
pub fn show(report: &crate::show::ShowReport) -> String {
    document(report)
}

/// `pim validate --list-rules --format json`.
pub fn rules(rules: &[crate::diag::RuleLevel]) -> String {
    #[derive(Serialize)]
    struct Rules<'a> {
        rules: &'a [crate::diag::RuleLevel],
    }
    document(&Rules { rules })
}

#[derive(Serialize)]
struct ImportDocument<'a> {
    /// `imported`, `refused` (files that differ were kept) or `failed`.
    status: &'a str,
    #[serde(flatten)]
    outcome: &'a ImportOutcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
}

/// `pim import --format json`, in every outcome.
pub fn import(outcome: &ImportOutcome, error: Option<&str>) -> String {
    let status = if error.is_some() {
        "failed"
    } else if outcome.counts.files_refused > 0 {
        "refused"
    } else {
        "imported"
    };
    document(&ImportDocument {
        status,
        outcome,
        error,
    })
}

/// `pim report --format json`: the report's own keys (README, "pim report").
pub fn quality(report: &crate::quality::QualityReport) -> String {
    document(report)
}

//! The github form: GitHub Actions workflow commands, so a pull request shows each
//! diagnostic on its line.

use super::thousands;
use crate::diag::Diagnostic;
use std::fmt::Write as _;

/// One workflow command per diagnostic.
pub fn diagnostics(diagnostics: &[Diagnostic], hidden: usize) -> String {
    let mut out = String::new();
    for d in diagnostics {
        // Text from files with its control characters shown; line ends are escaped below
        // (GitHub shows them as line breaks within the annotation).
        let mut message = visible_but_line_ends(&d.message);
        if let Some(help) = &d.help {
            message = format!("{message}\nhelp: {}", visible_but_line_ends(help));
        }
        let _ = writeln!(
            out,
            "::{} file={},line={},col={},title={}::{}",
            d.severity,
            escape_property(&super::human::visible(&d.file)),
            d.line,
            d.column,
            escape_property(&d.rule.id()),
            escape_data(&message)
        );
    }
    if hidden > 0 {
        let _ = writeln!(out, "{} more not shown (--max-errors)", thousands(hidden));
    }
    out
}

/// A notice for each item a channel left out (up to `limit` per channel), on the item's
/// line, so the pull request shows why it is not in the feed.
pub fn left_out(outcome: &crate::export::ExportOutcome, limit: usize) -> String {
    let mut out = String::new();
    for channel in &outcome.channels {
        for item in channel.left_out_items.iter().take(limit) {
            let message = match &item.reason {
                crate::channel::LeftOutReason::Unreadable => {
                    "it cannot be read as a product".to_owned()
                }
                reason => format!("{}: {}", item.sku, super::human::left_out_reason(reason)),
            };
            let message = super::human::visible(&message);
            let _ = writeln!(
                out,
                "::notice file={},line={},col={},title={}::{}",
                escape_property(&item.file),
                item.line.max(1),
                item.column.max(1),
                escape_property(&format!("left out of {}", channel.channel)),
                escape_data(&message)
            );
        }
        let hidden = channel.left_out_items.len().saturating_sub(limit);
        if hidden > 0 {
            let _ = writeln!(
                out,
                "{} more left out of {} not shown (--max-errors)",
                thousands(hidden),
                channel.channel
            );
        }
    }
    out
}

/// [`super::human::visible`], but CR and LF kept for [`escape_data`].
fn visible_but_line_ends(text: &str) -> String {
    text.split('\n')
        .map(|line| {
            line.split('\r')
                .map(super::human::visible)
                .collect::<Vec<_>>()
                .join("\r")
        })
        .collect::<Vec<_>>()
        .join("\n")
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

//! Source text and positions: reading a product file (size, UTF-8, BOM), byte offset →
//! line and column, and the source line a diagnostic shows. The only place that does that.

pub mod yaml;

use crate::config::Limits;
use crate::diag::{Diagnostic, Position, Rule};
use std::collections::BTreeMap;
use std::path::Path;

const BOM: &str = "\u{feff}";

/// The text of a file that passed the file-level checks.
pub struct Text {
    /// Without the leading byte order mark, if any.
    pub text: String,
}

/// Reads a product file: within `max_file_size`, UTF-8, one leading BOM dropped.
pub fn read(path: &Path, rel: &str, limits: &Limits) -> Result<Text, Diagnostic> {
    let start = Position::LineColumn { line: 1, column: 1 };
    let size = std::fs::metadata(path).map(|m| m.len()).map_err(|e| {
        Diagnostic::new(
            Rule::IoError,
            rel,
            start,
            format!("cannot read the file: {e}"),
        )
    })?;
    if size > limits.max_file_size.0 {
        return Err(Diagnostic::new(
            Rule::FileTooLarge,
            rel,
            start,
            format!(
                "the file is {size} bytes, more than the limit of {} bytes",
                limits.max_file_size.0
            ),
        )
        .help("split the product, or raise `[limits] max_file_size` in pim.toml"));
    }
    let bytes = std::fs::read(path).map_err(|e| {
        Diagnostic::new(
            Rule::IoError,
            rel,
            start,
            format!("cannot read the file: {e}"),
        )
    })?;
    decode(bytes, rel)
}

/// UTF-8 with at most one leading BOM; the error points at the first bad byte.
pub fn decode(bytes: Vec<u8>, rel: &str) -> Result<Text, Diagnostic> {
    match String::from_utf8(bytes) {
        Ok(mut text) => {
            if text.starts_with(BOM) {
                text.drain(..BOM.len());
            }
            Ok(Text { text })
        }
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let prefix = String::from_utf8_lossy(bytes.get(..valid).unwrap_or_default());
            let prefix = prefix.strip_prefix(BOM).unwrap_or(&prefix);
            let (line, column) = line_column(prefix, prefix.len());
            let bad = bytes.get(valid).copied().unwrap_or_default();
            Err(Diagnostic::new(
                Rule::NotUtf8,
                rel,
                Position::LineColumn { line, column },
                format!("the file is not valid UTF-8: byte 0x{bad:02X} at byte offset {valid}"),
            )
            .help("re-save the file as UTF-8"))
        }
    }
}

/// 1-based line and column (in characters) of a byte offset; offsets past the end or
/// inside a character are clamped.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = text.get(..offset).unwrap_or_default();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let column = before.get(line_start..).unwrap_or_default().chars().count() + 1;
    (line, column)
}

/// The text of a 1-based line, without its line end.
pub fn line_text(text: &str, line: usize) -> Option<&str> {
    text.split('\n')
        .nth(line.checked_sub(1)?)
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
}

/// Fills in line, column and source line of every diagnostic, reading each file with a
/// diagnostic once more (texts are not kept for the whole run). Only regular files within
/// `max_size` are read again: never a FIFO, and never a file refused as too large.
pub fn resolve_positions(root: &Path, max_size: u64, diagnostics: &mut [Diagnostic]) {
    resolve_positions_with(diagnostics, |file| {
        let path = root.join(file);
        let readable = std::fs::metadata(&path).is_ok_and(|m| m.is_file() && m.len() <= max_size);
        readable.then(|| std::fs::read(&path).ok()).flatten()
    });
}

/// Line and column (1-based) of byte offsets in one product file of the project; (1, 1)
/// where the file cannot be read again. Reads like [`resolve_positions`].
pub fn positions(root: &Path, max_size: u64, file: &str, offsets: &[usize]) -> Vec<(usize, usize)> {
    let path = root.join(file);
    let readable = std::fs::metadata(&path).is_ok_and(|m| m.is_file() && m.len() <= max_size);
    let text = readable
        .then(|| std::fs::read(&path).ok())
        .flatten()
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned());
    let text = text.as_deref().map(|t| t.strip_prefix(BOM).unwrap_or(t));
    offsets
        .iter()
        .map(|&offset| text.map_or((1, 1), |t| line_column(t, offset)))
        .collect()
}

/// [`resolve_positions`] with the files' bytes from `read` (path relative to the project).
pub fn resolve_positions_with(
    diagnostics: &mut [Diagnostic],
    read: impl Fn(&str) -> Option<Vec<u8>>,
) {
    let mut by_file: BTreeMap<String, Vec<&mut Diagnostic>> = BTreeMap::new();
    for d in diagnostics.iter_mut() {
        by_file.entry(d.file.clone()).or_default().push(d);
    }
    for (file, diags) in by_file {
        let text = read(&file).map(|bytes| String::from_utf8_lossy(&bytes).into_owned());
        let text = text.as_deref().map(|t| t.strip_prefix(BOM).unwrap_or(t));
        for d in diags {
            if let (Position::Offset(offset), Some(text)) = (d.position, text) {
                (d.line, d.column) = line_column(text, offset);
            }
            if let Position::Offset(_) = d.position
                && d.line == 0
            {
                (d.line, d.column) = (1, 1);
            }
            d.source_line = text
                .and_then(|t| line_text(t, d.line))
                .map(|l| l.chars().take(400).collect());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_characters() {
        let text = "a: 1\nnäme: ü\r\nz: 2";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 5), (2, 1));
        let u = text.find('ü').unwrap();
        assert_eq!(line_column(text, u), (2, 7));
        assert_eq!(line_column(text, text.len() + 10), (3, 5));
        assert_eq!(line_text(text, 2), Some("näme: ü"));
        assert_eq!(line_text(text, 9), None);
    }

    #[test]
    fn bom_is_dropped_and_bad_utf8_located() {
        let t = decode(b"\xEF\xBB\xBFsku: A\r\n".to_vec(), "a.yaml")
            .ok()
            .unwrap();
        assert_eq!(t.text, "sku: A\r\n");
        let d = decode(b"sku: A\nname: \xFF\n".to_vec(), "a.yaml")
            .err()
            .unwrap();
        assert_eq!(d.rule, Rule::NotUtf8);
        assert_eq!(d.position, Position::LineColumn { line: 2, column: 7 });
    }
}

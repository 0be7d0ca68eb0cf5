//! Source text and positions: reading a product file (size, UTF-8, BOM), byte offset →
//! line and column, and the source line a diagnostic shows. The only place that does that.

pub mod yaml;
pub mod yaml_events;

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
    let io_error = |e: std::io::Error| {
        Diagnostic::new(
            Rule::IoError,
            rel,
            start,
            format!("cannot read the file: {e}"),
        )
    };
    let bytes = match read_regular(path, limits.max_file_size.0).map_err(io_error)? {
        Ok(bytes) => bytes,
        Err(size) => {
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
    };
    decode(bytes, rel)
}

/// Reads a regular file of at most `max` bytes; `Ok(Err(size))` when it is larger (it is
/// not read). The file is opened without blocking and checked once open, so a FIFO, socket
/// or device put in its place is an error, never a hang.
pub fn read_regular(path: &Path, max: u64) -> std::io::Result<Result<Vec<u8>, u64>> {
    use std::io::Read;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(std::io::Error::other(
            "it is not a regular file (a FIFO, socket or device)",
        ));
    }
    if meta.len() > max {
        return Ok(Err(meta.len()));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    // A file that grows while it is read stops at the limit, plus one byte to notice.
    file.take(max.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Ok(Err(bytes.len() as u64));
    }
    Ok(Ok(bytes))
}

/// [`read_regular`] as text, for pim's own files (templates, schemas); the error names why.
pub fn read_regular_text(path: &Path, max: u64) -> std::io::Result<String> {
    match read_regular(path, max)? {
        Ok(bytes) => {
            String::from_utf8(bytes).map_err(|_| std::io::Error::other("it is not valid UTF-8"))
        }
        Err(size) => Err(std::io::Error::other(format!(
            "it is {size} bytes, more than the limit of {max} bytes"
        ))),
    }
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
    Lines::new(text).line_column(offset)
}

/// The text of a 1-based line, without its line end.
pub fn line_text(text: &str, line: usize) -> Option<&str> {
    Lines::new(text).line(line)
}

/// A text with the start of every line indexed once: a position costs a binary search and a
/// count of characters within its line, never a scan from the start of the file.
pub struct Lines<'t> {
    text: &'t str,
    /// Byte offset of each line's first character.
    starts: Vec<usize>,
}

impl<'t> Lines<'t> {
    pub fn new(text: &'t str) -> Lines<'t> {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i + 1),
        );
        Lines { text, starts }
    }

    fn clamp(&self, offset: usize) -> usize {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    }

    /// The 0-based line holding a (clamped) byte offset, and that line's start.
    fn line_of(&self, offset: usize) -> (usize, usize) {
        let index = self
            .starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        (index, self.starts.get(index).copied().unwrap_or(0))
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_column(&self, offset: usize) -> (usize, usize) {
        let offset = self.clamp(offset);
        let (index, start) = self.line_of(offset);
        let column = self
            .text
            .get(start..offset)
            .unwrap_or_default()
            .chars()
            .count()
            + 1;
        (index + 1, column)
    }

    /// Line and column of many offsets, in their order: the offsets are visited sorted, so
    /// that many positions on one long line cost one pass over it.
    pub fn line_columns(&self, offsets: &[usize]) -> Vec<(usize, usize)> {
        let mut order: Vec<usize> = (0..offsets.len()).collect();
        order.sort_by_key(|&i| offsets.get(i).copied().unwrap_or(0));
        let mut out = vec![(1, 1); offsets.len()];
        // (byte offset, 0-based line, 1-based column) of the last position found.
        let mut cursor: Option<(usize, usize, usize)> = None;
        for i in order {
            let offset = self.clamp(offsets.get(i).copied().unwrap_or(0));
            let (index, start) = self.line_of(offset);
            let (from, column) = match cursor {
                Some((at, line, column)) if line == index && at <= offset => (at, column),
                _ => (start, 1),
            };
            let column = column
                + self
                    .text
                    .get(from..offset)
                    .unwrap_or_default()
                    .chars()
                    .count();
            cursor = Some((offset, index, column));
            if let Some(slot) = out.get_mut(i) {
                *slot = (index + 1, column);
            }
        }
        out
    }

    /// The text of a 1-based line, without its line end.
    pub fn line(&self, line: usize) -> Option<&'t str> {
        let start = *self.starts.get(line.checked_sub(1)?)?;
        let end = self
            .starts
            .get(line)
            .map_or(self.text.len(), |next| next - 1);
        let text = self.text.get(start..end)?;
        Some(text.strip_suffix('\r').unwrap_or(text))
    }
}

/// The most characters of a source line a diagnostic keeps.
const SOURCE_LINE_CHARS: usize = 400;

/// Fills in line, column and source line of every diagnostic, reading each file with a
/// diagnostic once more (texts are not kept for the whole run). A file is read again only
/// when it is a regular file within `max_size` whose real path is inside the project and
/// that was not skipped: never a FIFO or device, never a file refused as too large, never
/// the target of a link out of the project (whose text must not leak into a report).
pub fn resolve_positions(root: &Path, max_size: u64, diagnostics: &mut [Diagnostic]) {
    let skipped: std::collections::HashSet<String> = diagnostics
        .iter()
        .filter(|d| d.rule == Rule::SkippedFile)
        .map(|d| d.file.clone())
        .collect();
    resolve_positions_with(diagnostics, |file| {
        if skipped.contains(file) {
            return None;
        }
        read_again(root, max_size, file)
    });
}

/// A project file read once more for its lines: only a regular file within `max_size`
/// whose real path is inside the project, opened without blocking.
fn read_again(root: &Path, max_size: u64, file: &str) -> Option<Vec<u8>> {
    let path = root.join(file);
    let inside = path
        .canonicalize()
        .ok()
        .zip(root.canonicalize().ok())
        .is_some_and(|(real, root)| real.starts_with(root));
    if !inside {
        return None;
    }
    read_regular(&path, max_size).ok()?.ok()
}

/// Line and column (1-based) of byte offsets in one product file of the project; (1, 1)
/// where the file cannot be read again. Reads like [`resolve_positions`].
pub fn positions(root: &Path, max_size: u64, file: &str, offsets: &[usize]) -> Vec<(usize, usize)> {
    let text =
        read_again(root, max_size, file).map(|bytes| String::from_utf8_lossy(&bytes).into_owned());
    match text.as_deref().map(|t| t.strip_prefix(BOM).unwrap_or(t)) {
        Some(text) => Lines::new(text).line_columns(offsets),
        None => vec![(1, 1); offsets.len()],
    }
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
    for (file, mut diags) in by_file {
        let text = read(&file).map(|bytes| String::from_utf8_lossy(&bytes).into_owned());
        let text = text.as_deref().map(|t| t.strip_prefix(BOM).unwrap_or(t));
        let lines = text.map(Lines::new);
        if let Some(lines) = &lines {
            let offsets: Vec<usize> = diags
                .iter()
                .filter_map(|d| match d.position {
                    Position::Offset(offset) => Some(offset),
                    Position::LineColumn { .. } => None,
                })
                .collect();
            let mut found = lines.line_columns(&offsets).into_iter();
            for d in diags.iter_mut() {
                if let Position::Offset(_) = d.position
                    && let Some(position) = found.next()
                {
                    (d.line, d.column) = position;
                }
            }
        }
        for d in diags {
            if let Position::Offset(_) = d.position
                && d.line == 0
            {
                (d.line, d.column) = (1, 1);
            }
            d.source_line = lines
                .as_ref()
                .and_then(|l| l.line(d.line))
                .map(|l| l.chars().take(SOURCE_LINE_CHARS).collect());
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
        assert_eq!(line_text(text, 3), Some("z: 2"));
        assert_eq!(line_text("a\n", 2), Some(""));
    }

    #[test]
    fn many_positions_in_one_pass_agree_with_one_at_a_time() {
        let text = "ab: [1, ü, 3]\n\nx: \"äöü\"\r\nlast";
        let lines = Lines::new(text);
        let offsets: Vec<usize> = (0..=text.len() + 2).rev().chain([3, 0, 3]).collect();
        let many = lines.line_columns(&offsets);
        for (offset, found) in offsets.iter().zip(many) {
            assert_eq!(found, line_column(text, *offset), "{offset}");
        }
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

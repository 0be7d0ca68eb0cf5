//! CSV files read whole: UTF-8 (a BOM is dropped), the delimiter found from the header,
//! every record with its line number.

use anyhow::{Context, Result, bail};
use std::path::Path;

/// A CSV file: its header and records, cells as written.
#[derive(Debug, Default)]
pub struct Table {
    /// The file's name, for messages.
    pub file: String,
    pub headers: Vec<String>,
    pub rows: Vec<Row>,
}

#[derive(Debug)]
pub struct Row {
    /// 1-based line where the record starts.
    pub line: u64,
    pub cells: Vec<String>,
}

impl Row {
    /// The cell in column `index`, empty when the column or the cell is absent.
    pub fn get(&self, index: Option<usize>) -> &str {
        index
            .and_then(|i| self.cells.get(i))
            .map_or("", String::as_str)
    }
}

impl Table {
    /// Reads `path`; `preferred` is the delimiter used when the header holds none of the
    /// usual ones (`;`, `,`, TAB, `|`).
    pub fn read(path: &Path, shown: &str, preferred: u8) -> Result<Table> {
        let bytes = std::fs::read(path).with_context(|| format!("cannot read {shown}"))?;
        Table::parse(bytes, shown, preferred)
    }

    pub fn parse(bytes: Vec<u8>, shown: &str, preferred: u8) -> Result<Table> {
        let mut text = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => bail!(
                "{shown} is not UTF-8 (invalid byte at offset {}); export it again as UTF-8",
                e.utf8_error().valid_up_to()
            ),
        };
        if text.starts_with('\u{feff}') {
            text.drain(..'\u{feff}'.len_utf8());
        }
        let delimiter = detect_delimiter(&text, preferred);
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(true)
            .flexible(true)
            .from_reader(text.as_bytes());
        let headers = reader
            .headers()
            .with_context(|| format!("cannot read the header line of {shown}"))?
            .iter()
            .map(|h| h.trim().to_owned())
            .collect();
        let mut rows = Vec::new();
        // Lines counted from byte offsets: the csv crate does not count blank lines.
        let (mut counted_to, mut line) = (0usize, 1u64);
        for record in reader.records() {
            let record = record.with_context(|| format!("{shown} is not a readable CSV file"))?;
            let byte = record
                .position()
                .map_or(0, |p| usize::try_from(p.byte()).unwrap_or(usize::MAX));
            let mut upto = byte.min(text.len());
            // The position may be that of blank lines before the record.
            while matches!(text.as_bytes().get(upto), Some(b'\n' | b'\r')) {
                upto += 1;
            }
            if let Some(skipped) = text.as_bytes().get(counted_to..upto) {
                line += skipped.iter().filter(|b| **b == b'\n').count() as u64;
                counted_to = upto;
            }
            if record.iter().all(str::is_empty) {
                continue;
            }
            rows.push(Row {
                line,
                cells: record.iter().map(str::to_owned).collect(),
            });
        }
        Ok(Table {
            file: shown.to_owned(),
            headers,
            rows,
        })
    }

    /// The index of a column, compared exactly.
    pub fn col(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name)
    }

    /// `label-en_US` columns: (index, Akeneo locale code).
    pub fn label_columns(&self) -> Vec<(usize, String)> {
        self.headers
            .iter()
            .enumerate()
            .filter_map(|(i, h)| h.strip_prefix("label-").map(|l| (i, l.to_owned())))
            .collect()
    }
}

/// The delimiter the header line uses most, among `;`, `,`, TAB and `|` (outside quotes).
fn detect_delimiter(text: &str, preferred: u8) -> u8 {
    let header = text.lines().next().unwrap_or_default();
    let mut counts = [(b';', 0usize), (b',', 0), (b'\t', 0), (b'|', 0)];
    let mut quoted = false;
    for b in header.bytes() {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted {
            for (d, n) in &mut counts {
                if *d == b {
                    *n += 1;
                }
            }
        }
    }
    let best = counts.iter().max_by_key(|(d, n)| (*n, *d == preferred));
    match best {
        Some((d, n)) if *n > 0 => *d,
        _ => preferred,
    }
}

/// Why a cell looks damaged by a spreadsheet, if it does: a long number shown in scientific
/// notation (`1,76701E+15`) has lost its digits for good.
pub fn spreadsheet_damage(cell: &str) -> Option<&'static str> {
    let s = cell.trim();
    let (mantissa, exponent) = s.split_once(['E', 'e'])?;
    let exponent = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
    let mantissa = mantissa.strip_prefix(['+', '-']).unwrap_or(mantissa);
    let (int, frac) = mantissa.split_once(['.', ',']).unwrap_or((mantissa, "0"));
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    (digits(exponent) && digits(int) && digits(frac)).then_some(
        "a number in scientific notation: a spreadsheet shortened it and its other digits are lost; take the value from the source system",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_semicolon_files_with_bom_and_quotes() {
        let text = "\u{feff}code;label-en_US\nx;\"a;b\"\n\n\"multi\nline\";c\n";
        let t = Table::parse(text.as_bytes().to_vec(), "t.csv", b',').unwrap();
        assert_eq!(t.headers, ["code", "label-en_US"]);
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[0].cells, ["x", "a;b"]);
        assert_eq!(t.rows[0].line, 2);
        assert_eq!(t.rows[1].cells[0], "multi\nline");
        assert_eq!(t.rows[1].line, 4);
        assert_eq!(t.label_columns(), [(1, "en_US".to_owned())]);
        assert_eq!(t.rows[0].get(Some(9)), "");
    }

    #[test]
    fn comma_files_and_non_utf8() {
        let t = Table::parse(b"Handle,Title\na,\"b, c\"\n".to_vec(), "s.csv", b';').unwrap();
        assert_eq!(t.rows[0].cells, ["a", "b, c"]);
        let err = Table::parse(b"a;b\n\xff;x\n".to_vec(), "bad.csv", b';').unwrap_err();
        assert!(err.to_string().contains("bad.csv is not UTF-8"), "{err}");
    }

    #[test]
    fn scientific_notation_is_damage() {
        for bad in ["1,76701E+15", "3.65275E+11", "1E+10", "2e5"] {
            assert!(spreadsheet_damage(bad).is_some(), "{bad}");
        }
        for ok in [
            "1767010000000000",
            "E+15",
            "Size E",
            "1,5",
            "3.28",
            "EAN-1E",
        ] {
            assert!(spreadsheet_damage(ok).is_none(), "{ok}");
        }
    }
}

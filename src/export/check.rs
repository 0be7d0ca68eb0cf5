//! Checks of rendered output before anything is written, and the CSV/TSV writer.

use crate::config::OutputFormat;
use anyhow::{Result, anyhow, bail};

/// The CSV/TSV writer behind `row()`: each record is written as it comes, so a channel's
/// records are held once, as bytes. The first record is the header; every record must have
/// its width.
pub struct RowWriter {
    writer: csv::Writer<Vec<u8>>,
    width: Option<usize>,
    records: usize,
    formula_guard: bool,
}

impl RowWriter {
    pub fn new(format: OutputFormat, formula_guard: bool, bom: bool) -> RowWriter {
        let start = if bom {
            "\u{feff}".as_bytes().to_vec()
        } else {
            Vec::new()
        };
        let writer = csv::WriterBuilder::new()
            .delimiter(if format == OutputFormat::Tsv {
                b'\t'
            } else {
                b','
            })
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(start);
        RowWriter {
            writer,
            width: None,
            records: 0,
            formula_guard,
        }
    }

    /// Writes one record; the error is a sentence for the template author.
    pub fn push(&mut self, cells: Vec<String>) -> Result<(), String> {
        self.records += 1;
        let width = *self.width.get_or_insert(cells.len());
        if cells.len() != width {
            return Err(format!(
                "record {} has {} cells but the header has {width}; every row() needs the header's width",
                self.records,
                cells.len()
            ));
        }
        // The header is the template's own; data cells are guarded.
        let guard = self.formula_guard && self.records > 1;
        self.writer
            .write_record(cells.iter().map(|cell| {
                if guard {
                    guard_formula(cell)
                } else {
                    cell.clone()
                }
            }))
            .map_err(|e| format!("cannot write record {}: {e}", self.records))
    }

    /// The file's bytes, after checking that the template printed nothing but whitespace
    /// besides `row()` and called it at least once.
    pub fn finish(self, printed: &str) -> Result<Vec<u8>> {
        if let Some(stray) = printed.split_whitespace().next() {
            let shown: String = stray.chars().take(40).collect();
            bail!(
                "the template printed `{shown}` outside row(); a CSV or TSV template may print only whitespace besides row() calls"
            );
        }
        if self.records == 0 {
            bail!("the template called row() no times; the first row() is the header");
        }
        self.writer
            .into_inner()
            .map_err(|e| anyhow!("cannot write the records: {e}"))
    }
}

/// Writes whole records at once (what a template's `row()` calls amount to).
#[cfg(test)]
pub fn delimited(
    format: OutputFormat,
    printed: &str,
    records: &[Vec<String>],
    formula_guard: bool,
    bom: bool,
) -> Result<Vec<u8>> {
    let mut writer = RowWriter::new(format, formula_guard, bom);
    for record in records {
        writer.push(record.clone()).map_err(|e| anyhow!(e))?;
    }
    writer.finish(printed)
}

/// The characters that make a spreadsheet read a cell as a formula when it starts with one:
/// `=`, `+`, `-`, `@`, tab, CR, LF, and their full-width forms (`＝`, which spreadsheets in
/// East Asian locales also take for `=`).
const FORMULA_STARTS: [char; 11] = [
    '=', '+', '-', '@', '\t', '\r', '\n', '\u{ff1d}', '\u{ff0b}', '\u{ff0d}', '\u{ff20}',
];

/// A cell a spreadsheet would run as a formula: it starts with one of [`FORMULA_STARTS`]
/// and is not a number (like `-5.00`).
pub fn looks_like_formula(cell: &str) -> bool {
    cell.starts_with(FORMULA_STARTS) && !is_number(cell)
}

/// A cell that a spreadsheet would run as a formula gets a leading `'`.
pub fn guard_formula(cell: &str) -> String {
    if looks_like_formula(cell) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

fn is_number(cell: &str) -> bool {
    let body = cell.strip_prefix(['-', '+']).unwrap_or(cell);
    crate::schema::is_decimal(body)
}

/// JSON, JSONL and XML must parse; HTML is not checked.
pub fn check_text(format: OutputFormat, text: &str) -> Result<()> {
    match format {
        OutputFormat::Json => {
            serde_json::from_str::<serde::de::IgnoredAny>(text)
                .map_err(|e| anyhow!("the output is not valid JSON: {e}"))?;
        }
        OutputFormat::Jsonl => {
            for (i, line) in text.lines().enumerate() {
                if !line.trim().is_empty() {
                    serde_json::from_str::<serde::de::IgnoredAny>(line).map_err(|e| {
                        anyhow!("line {} of the output is not valid JSON: {e}", i + 1)
                    })?;
                }
            }
        }
        OutputFormat::Xml => check_xml(text)?,
        OutputFormat::Html | OutputFormat::Csv | OutputFormat::Tsv => {}
    }
    Ok(())
}

/// XML 1.0's `Char` production: TAB, LF, CR and U+0020 on, except U+FFFE and U+FFFF
/// (surrogates cannot occur in Rust text).
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{fffd}' | '\u{10000}'..)
}

/// A character XML does not allow, written out or as a character reference (`&#1;`), with
/// its line: a feed holding one does not parse, whatever else is right.
fn check_xml_chars(text: &str) -> Result<()> {
    let line = |offset: usize| {
        text.get(..offset)
            .map_or(1, |before| before.matches('\n').count() + 1)
    };
    if let Some((offset, c)) = text.char_indices().find(|&(_, c)| !xml_char(c)) {
        bail!(
            "the output holds the character U+{:04X} on line {}, which is not allowed in XML; remove it from the value, or leave the value out",
            c as u32,
            line(offset)
        );
    }
    for (offset, _) in text.match_indices("&#") {
        let rest = text.get(offset + 2..).unwrap_or_default();
        let Some((number, _)) = rest.split_once(';') else {
            continue;
        };
        let code = match number.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok(),
            None => number.parse::<u32>().ok(),
        };
        if let Some(code) = code
            && !char::from_u32(code).is_some_and(xml_char)
        {
            bail!(
                "the output refers to the character U+{code:04X} (`&#{number};`) on line {}, which is not allowed in XML",
                line(offset)
            );
        }
    }
    Ok(())
}

fn check_xml(text: &str) -> Result<()> {
    use quick_xml::events::Event;
    check_xml_chars(text)?;
    let mut reader = quick_xml::Reader::from_str(text);
    let mut depth = 0usize;
    let mut roots = 0usize;
    loop {
        let event = reader.read_event().map_err(|e| {
            anyhow!(
                "the output is not well-formed XML at byte {}: {e}",
                reader.buffer_position()
            )
        })?;
        match event {
            Event::Start(_) => {
                if depth == 0 {
                    roots += 1;
                }
                depth += 1;
            }
            Event::Empty(_) if depth == 0 => roots += 1,
            Event::End(_) => depth = depth.saturating_sub(1),
            Event::Text(t) if depth == 0 && !t.clone().into_inner().trim().is_empty() => {
                bail!("the output is not well-formed XML: text outside the root element");
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if depth != 0 || roots != 1 {
        bail!(
            "the output is not well-formed XML: it needs exactly one root element, all tags closed"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|c| (*c).to_owned()).collect()
    }

    #[test]
    fn csv_quotes_and_keeps_multiline_cells() {
        let out = delimited(
            OutputFormat::Csv,
            "\n  \n",
            &[rec(&["a", "b"]), rec(&["x,y", "line 1\nline \"2\""])],
            true,
            false,
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "a,b\n\"x,y\",\"line 1\nline \"\"2\"\"\"\n"
        );
    }

    #[test]
    fn formula_guard_and_bom() {
        let out = delimited(
            OutputFormat::Tsv,
            "",
            &[
                rec(&["h", "v"]),
                rec(&["=HYPERLINK(\"x\")", "-5.00"]),
                rec(&["@SUM(1)", "+1"]),
            ],
            true,
            true,
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\u{feff}h\tv\n\"'=HYPERLINK(\"\"x\"\")\"\t-5.00\n'@SUM(1)\t+1\n"
        );
        assert_eq!(guard_formula("\tx"), "'\tx");
        assert_eq!(guard_formula("plain"), "plain");
        assert_eq!(guard_formula("\n=1+1"), "'\n=1+1");
        assert_eq!(guard_formula("＝SUM(1)"), "'＝SUM(1)");
        assert_eq!(guard_formula("＠x"), "'＠x");
        assert_eq!(guard_formula("-5.00"), "-5.00");
        assert_eq!(guard_formula("+1"), "+1");
    }

    #[test]
    fn widths_and_stray_text_are_refused() {
        assert!(
            delimited(
                OutputFormat::Csv,
                "",
                &[rec(&["a", "b"]), rec(&["1"])],
                true,
                false
            )
            .unwrap_err()
            .to_string()
            .contains("record 2 has 1 cells")
        );
        assert!(
            delimited(OutputFormat::Csv, "oops", &[rec(&["a"])], true, false)
                .unwrap_err()
                .to_string()
                .contains("`oops`")
        );
        assert!(delimited(OutputFormat::Csv, "", &[], true, false).is_err());
    }

    #[test]
    fn structured_outputs_must_parse() {
        assert!(check_text(OutputFormat::Json, "{\"a\": [1]}").is_ok());
        assert!(check_text(OutputFormat::Json, "{\"a\": [1,]}").is_err());
        assert!(check_text(OutputFormat::Jsonl, "{}\n{\"a\":1}\n").is_ok());
        assert!(check_text(OutputFormat::Jsonl, "{}\n{\n").is_err());
        assert!(
            check_text(
                OutputFormat::Xml,
                "<?xml version=\"1.0\"?><rss><a>x &amp; y</a></rss>"
            )
            .is_ok()
        );
        assert!(check_text(OutputFormat::Xml, "<rss><a></rss>").is_err());
        assert!(check_text(OutputFormat::Xml, "<a/><b/>").is_err());
        assert!(check_text(OutputFormat::Xml, "<a>x & y</a>").is_err());
        for bad in [
            "\u{1}", "\0", "\u{b}", "\u{fffe}", "\u{ffff}", "&#1;", "&#x0;", "&#xFFFE;",
        ] {
            let err = check_text(OutputFormat::Xml, &format!("<a>\n{bad}</a>")).unwrap_err();
            assert!(
                err.to_string().contains("not allowed in XML"),
                "{bad:?}: {err}"
            );
            assert!(err.to_string().contains("line 2"), "{bad:?}: {err}");
        }
        for fine in [
            "\t\r\n",
            "\u{85}",
            "\u{10ffff}",
            "&#9;",
            "&#x1F600;",
            "&amp;#1;",
        ] {
            assert!(
                check_text(OutputFormat::Xml, &format!("<a>{fine}</a>")).is_ok(),
                "{fine:?}"
            );
        }
    }
}

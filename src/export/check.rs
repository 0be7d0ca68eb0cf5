//! Checks of rendered output before anything is written, and the CSV/TSV writer.

use crate::config::OutputFormat;
use anyhow::{Result, anyhow, bail};

/// Writes the records of a CSV/TSV channel, after checking that the template printed
/// nothing else and that every record has the header's width.
pub fn delimited(
    format: OutputFormat,
    printed: &str,
    records: &[Vec<String>],
    formula_guard: bool,
    bom: bool,
) -> Result<Vec<u8>> {
    if let Some(stray) = printed.split_whitespace().next() {
        let shown: String = stray.chars().take(40).collect();
        bail!(
            "the template printed `{shown}` outside row(); a CSV or TSV template may print only whitespace besides row() calls"
        );
    }
    let Some(header) = records.first() else {
        bail!("the template called row() no times; the first row() is the header");
    };
    let width = header.len();
    for (i, record) in records.iter().enumerate() {
        if record.len() != width {
            bail!(
                "record {} has {} cells but the header has {width}; every row() needs the header's width",
                i + 1,
                record.len()
            );
        }
    }
    let mut bytes = if bom {
        "\u{feff}".as_bytes().to_vec()
    } else {
        Vec::new()
    };
    {
        let mut writer = csv::WriterBuilder::new()
            .delimiter(if format == OutputFormat::Tsv {
                b'\t'
            } else {
                b','
            })
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(&mut bytes);
        for (i, record) in records.iter().enumerate() {
            // The header is ours; data cells are guarded.
            let guard = formula_guard && i > 0;
            writer
                .write_record(record.iter().map(|cell| {
                    if guard {
                        guard_formula(cell)
                    } else {
                        cell.clone()
                    }
                }))
                .map_err(|e| anyhow!("cannot write record {}: {e}", i + 1))?;
        }
        writer
            .flush()
            .map_err(|e| anyhow!("cannot write the records: {e}"))?;
    }
    Ok(bytes)
}

/// A cell that a spreadsheet would run as a formula gets a leading `'`; numbers (like
/// `-5.00`) are left alone.
pub fn guard_formula(cell: &str) -> String {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && !is_number(cell) {
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

fn check_xml(text: &str) -> Result<()> {
    use quick_xml::events::Event;
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
    }
}

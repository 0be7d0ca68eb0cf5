//! `pim import`: a pim project from another system's export (Akeneo CSV, Shopify CSV).
//! Takes plain options, returns an [`ImportOutcome`]; never prints or exits.

pub mod akeneo;
pub mod model;
pub mod shopify;
mod table;

use anyhow::{Context, Result, bail};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

/// `pim import akeneo DIR --into PROJECT`.
#[derive(Clone, Debug)]
pub struct AkeneoOptions {
    /// The folder holding Akeneo's CSV exports (and `files/` with the media, if present).
    pub dir: PathBuf,
    /// The project folder to write into; created when absent.
    pub into: PathBuf,
    /// `[project] name`; default: the name of the `into` folder.
    pub name: Option<String>,
    /// Overwrite files that exist and differ.
    pub force: bool,
}

/// `pim import shopify FILE.csv --into PROJECT`.
#[derive(Clone, Debug)]
pub struct ShopifyOptions {
    pub file: PathBuf,
    pub into: PathBuf,
    pub name: Option<String>,
    pub force: bool,
    /// The locale of titles and descriptions (Shopify has one).
    pub locale: String,
    /// The currency of prices (Shopify's CSV does not say).
    pub currency: String,
}

/// What an import did and found. Every value the source holds is either written or listed
/// here.
#[derive(Debug, Default, Serialize)]
pub struct ImportOutcome {
    /// `akeneo` or `shopify`.
    pub source: String,
    pub input: String,
    pub project: String,
    pub counts: Counts,
    /// Every file the import produced, in path order, with what happened to it.
    pub files: Vec<FileResult>,
    /// What pim cannot represent, or what the import had to interpret.
    pub not_represented: Vec<Finding>,
    /// Values that look damaged by a spreadsheet; imported as they are.
    pub damaged: Vec<Damaged>,
    /// Media files: copied into `assets/`, or kept as a reference when absent.
    pub media: Vec<Media>,
}

#[derive(Debug, Default, Serialize, PartialEq, Eq)]
pub struct Counts {
    /// Product files written (a product with its variants is one file).
    pub products: usize,
    /// Sellable items: variants at the last level, and products without variants.
    pub items: usize,
    /// Products with variants (Akeneo: root product models).
    pub product_models: usize,
    /// Intermediate variant levels (Akeneo: sub product models).
    pub sub_models: usize,
    /// Variants at the last level.
    pub variants: usize,
    pub families: usize,
    pub family_schemas: usize,
    pub attributes: usize,
    pub options: usize,
    pub categories: usize,
    pub channels: usize,
    pub locales: usize,
    pub currencies: usize,
    /// Association links (one per target).
    pub associations: usize,
    pub media_copied: usize,
    pub media_referenced: usize,
    pub files_written: usize,
    pub files_unchanged: usize,
    pub files_refused: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileState {
    /// A new file.
    Written,
    /// The file already held exactly these bytes.
    Unchanged,
    /// The file exists and differs; kept as it is (no `--force`).
    Refused,
    /// The file existed, differed, and was replaced (`--force`).
    Overwritten,
}

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct FileResult {
    /// Relative to the project folder, with `/`.
    pub path: String,
    pub state: FileState,
}

/// Something pim cannot hold as it is, or a choice the import made.
#[derive(Clone, Debug, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    /// The source file it comes from.
    pub file: String,
    pub line: Option<u64>,
    pub sku: Option<String>,
    pub message: String,
}

/// A cell that a spreadsheet seems to have damaged.
#[derive(Clone, Debug, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Damaged {
    pub file: String,
    pub line: u64,
    pub column: String,
    pub sku: Option<String>,
    pub value: String,
    pub reason: String,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Media {
    /// The path under `assets/` that products refer to.
    pub path: String,
    pub copied: bool,
}

/// A file the import produces.
pub(crate) struct Output {
    /// Relative to the project folder, `/`-separated, made only of plain names.
    pub rel: String,
    pub content: Content,
}

pub(crate) enum Content {
    Bytes(Vec<u8>),
    /// A copy of this file (media).
    Copy(PathBuf),
}

impl Output {
    pub fn text(rel: impl Into<String>, text: String) -> Output {
        Output {
            rel: rel.into(),
            content: Content::Bytes(text.into_bytes()),
        }
    }
}

/// Whether `rel` is a relative path of plain names, so it cannot lead out of a folder.
pub(crate) fn is_confined(rel: &str) -> bool {
    !rel.is_empty()
        && !rel.contains('\\')
        && Path::new(rel)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

/// Writes the outputs under `into`: a new file is written, an identical one left alone, and
/// one that differs is refused unless `force`. Everything is staged before the first rename.
pub(crate) fn write_outputs(
    into: &Path,
    outputs: Vec<Output>,
    force: bool,
) -> Result<Vec<FileResult>> {
    std::fs::create_dir_all(into)
        .with_context(|| format!("cannot create the project folder {}", into.display()))?;
    let mut seen = std::collections::BTreeSet::new();
    let mut prepared = std::collections::HashSet::new();
    let mut results = Vec::new();
    let mut staged = Vec::new();
    for output in outputs {
        if !is_confined(&output.rel) {
            bail!(
                "internal error: the import produced the path `{}`, which leads out of the project",
                output.rel
            );
        }
        if !seen.insert(output.rel.to_lowercase()) {
            bail!(
                "internal error: the import produced `{}` twice (paths are compared case-insensitively)",
                output.rel
            );
        }
        let path = into.join(&output.rel);
        let bytes = match output.content {
            Content::Bytes(bytes) => bytes,
            Content::Copy(from) => std::fs::read(&from)
                .with_context(|| format!("cannot read the media file {}", from.display()))?,
        };
        let state = match std::fs::read(&path) {
            Ok(old) if old == bytes => FileState::Unchanged,
            Ok(_) if !force => FileState::Refused,
            Ok(_) => FileState::Overwritten,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => FileState::Written,
            Err(e) => {
                return Err(e).with_context(|| format!("cannot read {}", path.display()));
            }
        };
        if matches!(state, FileState::Written | FileState::Overwritten) {
            // Each folder is created and checked once (thousands of products share a few).
            let parent = path.parent().map(Path::to_path_buf).unwrap_or_default();
            if prepared.insert(parent) {
                crate::fsutil::prepare_folder(into, &path)?;
            } else if path
                .symlink_metadata()
                .is_ok_and(|m| m.file_type().is_symlink())
            {
                bail!(
                    "{} is a symlink; pim does not write through symlinks",
                    path.display()
                );
            }
            staged.push(if state == FileState::Written {
                crate::fsutil::stage_new(&path, &bytes)?
            } else {
                crate::fsutil::stage(&path, &bytes)?
            });
        }
        results.push(FileResult {
            path: output.rel,
            state,
        });
    }
    for file in staged {
        file.commit()?;
    }
    results.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(results)
}

/// The default project name: the name of the folder.
pub(crate) fn default_name(into: &Path) -> String {
    let absolute = std::path::absolute(into).unwrap_or_else(|_| into.to_path_buf());
    absolute
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "Imported catalog".to_owned())
}

/// A TOML string literal.
pub(crate) fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

/// A TOML array of strings on one line.
pub(crate) fn toml_list(items: &[String]) -> String {
    let inner: Vec<String> = items.iter().map(|s| toml_str(s)).collect();
    format!("[{}]", inner.join(", "))
}

/// A TOML key: bare where TOML allows it, quoted otherwise.
pub(crate) fn toml_key(key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if bare { key.to_owned() } else { toml_str(key) }
}

/// Collects findings, counting repeats of the same message instead of listing each.
#[derive(Default)]
pub(crate) struct Findings {
    pub list: Vec<Finding>,
    /// message → (first occurrence, count)
    grouped: BTreeMap<String, (Finding, usize)>,
    pub damaged: Vec<Damaged>,
}

impl Findings {
    pub fn add(&mut self, file: &str, line: Option<u64>, sku: Option<&str>, message: String) {
        self.list.push(Finding {
            file: file.to_owned(),
            line,
            sku: sku.map(str::to_owned),
            message,
        });
    }

    /// A finding that may repeat (one per cell): reported once, with the number of times
    /// and the first place it occurs.
    pub fn repeat(&mut self, file: &str, line: Option<u64>, sku: Option<&str>, message: String) {
        self.grouped
            .entry(message.clone())
            .or_insert_with(|| {
                (
                    Finding {
                        file: file.to_owned(),
                        line,
                        sku: sku.map(str::to_owned),
                        message,
                    },
                    0,
                )
            })
            .1 += 1;
    }

    pub fn damaged(
        &mut self,
        table: &str,
        line: u64,
        column: &str,
        sku: Option<&str>,
        value: &str,
    ) {
        if let Some(reason) = table::spreadsheet_damage(value) {
            self.damaged.push(Damaged {
                file: table.to_owned(),
                line,
                column: column.to_owned(),
                sku: sku.map(str::to_owned),
                value: value.to_owned(),
                reason: reason.to_owned(),
            });
        }
    }

    pub fn finish(mut self) -> (Vec<Finding>, Vec<Damaged>) {
        for (_, (mut finding, count)) in std::mem::take(&mut self.grouped) {
            if count > 1 {
                finding.message =
                    format!("{} ({count} times; the first is shown)", finding.message);
            }
            self.list.push(finding);
        }
        self.list.sort();
        self.list.dedup();
        (self.list, self.damaged)
    }
}

/// The starter template of a channel: one CSV record per item. `label` is the attribute
/// that names an item, `price` the price attribute, if the dictionary has them.
pub(crate) fn starter_template(
    channel: &str,
    origin: &str,
    label: Option<&str>,
    price: Option<&str>,
) -> String {
    let mut headers = vec!["\"sku\"".to_owned(), "\"parent_sku\"".to_owned()];
    let mut cells = vec!["item.sku".to_owned(), "item.parent_sku".to_owned()];
    if let Some(label) = label {
        headers.push(format!("\"{label}\""));
        cells.push(format!("item.{label}|default(none)"));
    }
    if let Some(price) = price {
        headers.push(format!("\"{price}\""));
        cells.push(format!("item.{price}|default(none)"));
        headers.push("\"currency\"".to_owned());
        cells.push("channel.currency".to_owned());
    }
    headers.push("\"categories\"".to_owned());
    cells.push("item.categories|join(\",\")".to_owned());
    format!(
        "{{#- Starter feed for the channel `{channel}`, made by `pim import {origin}`: one record per\n    sellable item. Change the columns to what the channel's consumer expects. -#}}\n\
         {{{{- row({}) -}}}}\n\
         {{%- for item in items -%}}\n\
         {{{{- row({}) -}}}}\n\
         {{%- endfor -%}}\n",
        headers.join(", "),
        cells.join(", ")
    )
}

/// `1 value`, `12 values`.
pub(crate) fn values(n: usize) -> String {
    if n == 1 {
        "1 value".to_owned()
    } else {
        format!("{n} values")
    }
}

/// A `.gitignore` for a new project.
pub(crate) const GITIGNORE: &str = "# Export output and pim's cache\n/dist/\n/.pim/\n";

/// Fills the file counts of an outcome from its file results.
pub(crate) fn count_files(outcome: &mut ImportOutcome) {
    let c = &mut outcome.counts;
    for f in &outcome.files {
        match f.state {
            FileState::Written | FileState::Overwritten => c.files_written += 1,
            FileState::Unchanged => c.files_unchanged += 1,
            FileState::Refused => c.files_refused += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_confined() {
        assert!(is_confined("catalog/x/a.yaml"));
        for bad in ["", "/etc/passwd", "../x", "a/../b", "a\\b", "./a"] {
            assert!(!is_confined(bad), "{bad}");
        }
    }

    #[test]
    fn existing_files_that_differ_are_refused_unless_forced() {
        let dir = tempfile::tempdir().unwrap();
        let out = |text: &str| vec![Output::text("a/b.yaml", text.to_owned())];
        let r = write_outputs(dir.path(), out("x\n"), false).unwrap();
        assert_eq!(r[0].state, FileState::Written);
        let r = write_outputs(dir.path(), out("x\n"), false).unwrap();
        assert_eq!(r[0].state, FileState::Unchanged);
        let r = write_outputs(dir.path(), out("y\n"), false).unwrap();
        assert_eq!(r[0].state, FileState::Refused);
        assert_eq!(
            std::fs::read_to_string(dir.path().join("a/b.yaml")).unwrap(),
            "x\n"
        );
        let r = write_outputs(dir.path(), out("y\n"), true).unwrap();
        assert_eq!(r[0].state, FileState::Overwritten);
        assert_eq!(
            std::fs::read_to_string(dir.path().join("a/b.yaml")).unwrap(),
            "y\n"
        );
    }

    #[test]
    fn toml_keys_and_strings() {
        assert_eq!(toml_key("ecommerce"), "ecommerce");
        assert_eq!(toml_key("en US"), "\"en US\"");
        assert_eq!(toml_str("a\"b"), "'a\"b'");
        assert_eq!(toml_list(&["a".into(), "b".into()]), "[\"a\", \"b\"]");
    }

    #[test]
    fn findings_group_repeats() {
        let mut f = Findings::default();
        f.repeat("p.csv", Some(2), Some("A"), "x".into());
        f.repeat("p.csv", Some(3), Some("B"), "x".into());
        f.add("p.csv", Some(1), None, "y".into());
        let (list, _) = f.finish();
        assert_eq!(list.len(), 2);
        assert!(
            list.iter()
                .any(|l| l.message == "x (2 times; the first is shown)" && l.line == Some(2))
        );
    }
}

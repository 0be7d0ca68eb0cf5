//! `pim diff`: the catalog at two git revisions, products matched by SKU, field by field;
//! the problems the change brings or fixes; and what it does to every channel's feed.

use crate::cache::Blob;
use crate::catalog::{Checked, ProductPath, Project};
use crate::channel::{self, Blocking, blocking_errors, select};
use crate::diag::{Diagnostic, Severity};
use crate::git::{Layout, Part, Repo};
use crate::schema::{Annotation, Kind};
use crate::source;
use crate::validate::{self, CheckOptions, Validation};
use anyhow::{Context, Result};
use rayon::prelude::*;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// What `pim diff` is asked to compare.
#[derive(Clone, Debug)]
pub struct DiffOptions {
    /// The old revision; `None` for the default base (SPEC §5).
    pub base: Option<String>,
    /// The new revision; `None` for the working tree.
    pub head: Option<String>,
    /// Warn when a price moves by more than this percentage.
    pub price_alert: Decimal,
    /// Take what the cache of `.pim/cache/` knows of product files (refreshing it first),
    /// so only the files that differ from it are read and checked.
    pub cache: bool,
}

/// A diff and how its base was chosen.
pub struct DiffOutcome {
    pub report: DiffReport,
    /// When BASE was not given: which revision pim chose, in words.
    pub base_note: Option<String>,
}

impl DiffReport {
    /// The change introduces errors.
    pub fn introduces_errors(&self) -> bool {
        self.problems
            .introduced
            .iter()
            .any(|p| p.severity == Severity::Error)
    }
}

/// One side of the comparison, loaded and validated.
struct Side {
    label: String,
    root: PathBuf,
    project: Project,
    validation: Validation,
    /// Each checked file's git blob id, when known. A product taken from the cache has no
    /// values until [`Side::fill`] reads them.
    blobs: Vec<Option<Blob>>,
    /// Where the product files' bytes are: `None` for the working tree.
    revision: Option<Repo>,
    /// Kept alive while the side is used.
    _temp: Option<tempfile::TempDir>,
}

/// A product on one side: its file, values as written (when read) and blob id (when known).
#[derive(Clone, Copy)]
struct Product<'a> {
    file: &'a str,
    value: Option<&'a str>,
    blob: Option<&'a Blob>,
}

impl Product<'_> {
    /// The same text on both sides: the same blob, or the same values.
    fn same(&self, other: &Product<'_>) -> bool {
        match (self.blob, other.blob) {
            (Some(a), Some(b)) if a == b => true,
            _ => self.value == other.value,
        }
    }
}

/// The working tree's cache, brought up to date: its diagnostics, and what it knows of
/// each product file.
struct Warm {
    project: Project,
    files: Vec<crate::catalog::ProductPath>,
    diagnostics: Vec<Diagnostic>,
    known: crate::cache::Known,
    /// The key of what the checks depend on besides the product files.
    key: u64,
}

impl Warm {
    fn load(root: &Path) -> Result<Option<Warm>> {
        let project = Project::open(root)?;
        let Some(key) = crate::cache::content_key(&project) else {
            return Ok(None);
        };
        let (files, skipped) = crate::catalog::find_files(&project)?;
        let (diagnostics, _, warnings) = crate::cache::validate(&project, files.clone(), skipped)?;
        if !warnings.is_empty() {
            return Ok(None);
        }
        let Some(known) = crate::cache::Known::read(&project) else {
            return Ok(None);
        };
        Ok(Some(Warm {
            project,
            files,
            diagnostics,
            known,
            key,
        }))
    }

    /// The working tree as a side, from the cache alone (`None` where it falls short).
    fn side(self, label: String, root: PathBuf) -> Option<Side> {
        let found = self.known.by_path(&self.files);
        let (checked, blobs): (Vec<Checked>, Vec<Option<Blob>>) = found
            .into_iter()
            .map(|f| f.map(|(c, b)| (c, Some(b))))
            .collect::<Option<Vec<_>>>()?
            .into_iter()
            .unzip();
        Some(Side {
            label,
            root,
            project: self.project,
            validation: Validation {
                checked,
                diagnostics: self.diagnostics,
            },
            blobs,
            revision: None,
            _temp: None,
        })
    }
}

impl Side {
    fn load(label: String, root: PathBuf, temp: Option<tempfile::TempDir>) -> Result<Side> {
        let project = Project::open(&root)
            .with_context(|| format!("the catalog at {label} cannot be read"))?;
        let options = CheckOptions {
            keep_value: true,
            evaluator: None,
        };
        let mut validation = validate::validate_catalog(&project, options)?;
        source::resolve_positions(
            &root,
            project.config.limits.max_file_size.0,
            &mut validation.diagnostics,
        );
        let blobs = vec![None; validation.checked.len()];
        Ok(Side {
            label,
            root,
            project,
            validation,
            blobs,
            revision: None,
            _temp: temp,
        })
    }

    /// SKU → product, in SKU order.
    fn products(&self) -> BTreeMap<&str, Product<'_>> {
        self.validation
            .checked
            .iter()
            .zip(&self.blobs)
            .filter_map(|(c, blob)| {
                let value = c.value.as_deref();
                let blob = blob.as_ref();
                (value.is_some() || blob.is_some()).then_some(())?;
                let file = c.file.rel.as_str();
                Some((c.sku.as_deref()?, Product { file, value, blob }))
            })
            .collect()
    }

    /// Reads the values of the products with these SKUs (all: `None`) that have none yet.
    fn fill(&mut self, skus: Option<&HashSet<String>>) -> Result<()> {
        let wanted: Vec<usize> = self
            .validation
            .checked
            .iter()
            .enumerate()
            .filter(|(_, c)| c.value.is_none() && c.facts.is_some())
            .filter(|(_, c)| {
                c.sku
                    .as_ref()
                    .is_some_and(|s| skus.is_none_or(|skus| skus.contains(s)))
            })
            .map(|(i, _)| i)
            .collect();
        if wanted.is_empty() {
            return Ok(());
        }
        let bytes: Vec<Option<Vec<u8>>> = match &self.revision {
            Some(repo) => {
                let oids: Vec<String> = wanted
                    .iter()
                    .map(|&i| {
                        self.blobs
                            .get(i)
                            .copied()
                            .flatten()
                            .map(hex)
                            .unwrap_or_default()
                    })
                    .collect();
                let oids: Vec<&str> = oids.iter().map(String::as_str).collect();
                repo.read_blobs(&oids)?.into_iter().map(Some).collect()
            }
            None => wanted
                .iter()
                .map(|&i| {
                    let c = self.validation.checked.get(i)?;
                    std::fs::read(&c.file.path).ok()
                })
                .collect(),
        };
        let limits = &self.project.config.limits;
        for (i, bytes) in wanted.into_iter().zip(bytes) {
            let Some(c) = self.validation.checked.get_mut(i) else {
                continue;
            };
            let Some(text) = bytes.and_then(|b| source::decode(b, &c.file.rel).ok()) else {
                continue;
            };
            if let Ok((root, _)) = source::yaml::parse(&text.text, &c.file.rel, limits) {
                c.value = Some(std::sync::Arc::from(root.to_json().to_string()));
            }
        }
        Ok(())
    }

    /// What every product's items depend on besides the product itself: pim.toml, the
    /// schemas and the category tree, as bytes.
    fn configuration(&self) -> Vec<u8> {
        let p = &self.project.config.project;
        let mut paths = vec![
            self.root.join(crate::config::FILE_NAME),
            self.root.join(&p.categories),
        ];
        let mut schemas: Vec<_> = walkdir::WalkDir::new(self.root.join(&p.schemas))
            .into_iter()
            .filter_map(Result::ok)
            .map(|e| e.into_path())
            .collect();
        schemas.sort();
        paths.extend(schemas);
        let mut bytes = Vec::new();
        for path in paths {
            bytes.extend(crate::catalog::relative(&self.root, &path).into_bytes());
            bytes.extend(std::fs::read(&path).unwrap_or_default());
        }
        bytes
    }
}

#[derive(Debug, Serialize)]
pub struct ProductRef {
    pub sku: String,
    pub file: String,
}

#[derive(Debug, Serialize)]
pub struct FieldChange {
    /// JSON pointer in the new file (in the old one for removed values).
    pub pointer: String,
    /// The variant's SKU, for a change inside a variant.
    pub variant: Option<String>,
    pub old: Option<Value>,
    pub new: Option<Value>,
    /// For a price: the move in percent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub percent: Option<String>,
    /// The move exceeds `--price-alert`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub alert: bool,
}

#[derive(Debug, Serialize)]
pub struct ChangedProduct {
    pub sku: String,
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_file: Option<String>,
    pub fields: Vec<FieldChange>,
}

#[derive(Debug, Default, Serialize)]
pub struct Problems {
    pub introduced: Vec<Diagnostic>,
    pub fixed: Vec<Diagnostic>,
}

#[derive(Debug, Serialize)]
pub struct Completeness {
    pub sku: String,
    pub old: u32,
    pub new: u32,
}

#[derive(Debug, Serialize)]
pub struct ChannelChange {
    pub channel: String,
    pub entering: Vec<String>,
    pub leaving: Vec<String>,
    pub completeness: Vec<Completeness>,
}

#[derive(Debug, Serialize)]
pub struct DiffReport {
    pub base: String,
    pub head: String,
    pub added: Vec<ProductRef>,
    pub removed: Vec<ProductRef>,
    pub changed: Vec<ChangedProduct>,
    pub problems: Problems,
    pub channels: Vec<ChannelChange>,
    #[serde(skip)]
    pub price_alert: Decimal,
}

/// Compares the catalog at two revisions of the git repository holding `root`.
pub fn diff(root: &Path, options: &DiffOptions) -> Result<DiffOutcome> {
    let repo = Repo::open(root)?;
    let (base_rev, base_note) = match &options.base {
        Some(rev) => (repo.resolve(rev)?, rev.clone()),
        None => repo.default_base()?,
    };
    // The working tree's cache, up to date: each revision's products that it holds with the
    // same content under the same settings are not read again.
    let warm = if options.cache {
        Warm::load(root).ok().flatten()
    } else {
        None
    };
    let known = warm.as_ref().map(|w| (&w.known, w.key));
    let base = materialized(&repo, &base_rev, short_label(&base_rev, &base_note), known)?;
    let head = match &options.head {
        Some(rev) => {
            let commit = repo.resolve(rev)?;
            materialized(&repo, &commit, short_label(&commit, rev), known)?
        }
        None => {
            let label = "the working tree".to_owned();
            match warm.and_then(|w| w.side(label.clone(), root.to_path_buf())) {
                Some(side) => side,
                None => Side::load(label, root.to_path_buf(), None)?,
            }
        }
    };
    let (mut base, mut head) = (base, head);
    let report = compare(&mut base, &mut head, options.price_alert)?;
    Ok(DiffOutcome {
        report,
        base_note: options.base.is_none().then_some(base_note),
    })
}

fn short_label(commit: &str, name: &str) -> String {
    let short: String = commit.chars().take(10).collect();
    if name.starts_with(&short) || name.contains(' ') {
        short
    } else {
        format!("{name} ({short})")
    }
}

/// A revision's project: its settings, schemas, templates and assets written to a temporary
/// folder, its product files read from git into memory (creating a hundred thousand files
/// costs far more than checking them).
fn materialized(
    repo: &Repo,
    commit: &str,
    label: String,
    known: Option<(&crate::cache::Known, u64)>,
) -> Result<Side> {
    let temp = tempfile::Builder::new()
        .prefix("pim-diff-")
        .tempdir()
        .context("cannot create a temporary folder")?;
    let tree = repo.tree(commit)?;
    let layout = layout(repo, &tree);
    let catalog = layout.catalog.clone();
    // The catalog is walked as the working tree's is: same links followed, same skipped.
    let walk = tree.walk(&catalog);
    let products: Vec<(String, String)> = walk
        .files
        .into_iter()
        .filter(|(rel, _)| crate::catalog::is_product_name(Path::new(rel)))
        .collect();
    let skipped: Vec<Diagnostic> = walk
        .skipped
        .iter()
        .map(|(rel, why)| crate::catalog::skip(rel, why))
        .collect();
    let is_product: HashSet<&str> = products.iter().map(|(rel, _)| rel.as_str()).collect();
    // What a check needs besides the products: pim.toml, schemas, categories and templates
    // with their content, assets by path only (a rule asks whether one exists, never what
    // it holds); docs, code and media elsewhere are not read.
    let others: Vec<(String, String)> = tree
        .walk("")
        .files
        .into_iter()
        .filter(|(rel, _)| !is_product.contains(rel.as_str()))
        .collect();
    let mut contents: Vec<(&str, &str)> = Vec::new();
    let mut paths: Vec<&str> = Vec::new();
    for (rel, oid) in &others {
        match layout.part(rel) {
            Part::Content => contents.push((rel, oid)),
            Part::PathOnly => paths.push(rel),
            Part::Other => {}
        }
    }
    let oids: Vec<&str> = contents.iter().map(|(_, oid)| *oid).collect();
    let files = contents
        .iter()
        .map(|(rel, _)| *rel)
        .zip(repo.read_blobs(&oids)?)
        .chain(paths.iter().map(|rel| (*rel, Vec::new())));
    for (rel, bytes) in files {
        let path = temp.path().join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
    }
    let root = temp.path().to_path_buf();
    let project =
        Project::open(&root).with_context(|| format!("the catalog at {label} cannot be read"))?;
    let known = known
        .filter(|(_, key)| crate::cache::content_key(&project) == Some(*key))
        .map(|(known, _)| known);
    if let Some(known) = known {
        return from_cache(repo, label, temp, project, &products, skipped, known);
    }
    let oids: Vec<&str> = products.iter().map(|(_, oid)| oid.as_str()).collect();
    let inputs: Vec<_> = products
        .iter()
        .zip(repo.read_blobs(&oids)?)
        .map(|((rel, _), bytes)| {
            (
                ProductPath {
                    path: root.join(rel),
                    rel: rel.clone(),
                },
                bytes,
            )
        })
        .collect();
    let options = CheckOptions {
        keep_value: true,
        evaluator: None,
    };
    let mut validation = validate::validate_files(&project, inputs, skipped, options)?;
    // Positions: the files with diagnostics are read from git once more.
    let with_diagnostics: BTreeSet<&str> = validation
        .diagnostics
        .iter()
        .map(|d| d.file.as_str())
        .collect();
    let wanted: Vec<&(String, String)> = products
        .iter()
        .filter(|(rel, _)| with_diagnostics.contains(rel.as_str()))
        .collect();
    let oids: Vec<&str> = wanted.iter().map(|(_, oid)| oid.as_str()).collect();
    let texts: BTreeMap<String, Vec<u8>> = wanted
        .iter()
        .map(|(rel, _)| rel.clone())
        .zip(repo.read_blobs(&oids)?)
        .collect();
    source::resolve_positions_with(&mut validation.diagnostics, |file| texts.get(file).cloned());
    let blobs = products.iter().map(|(_, oid)| unhex(oid)).collect();
    Ok(Side {
        label,
        root,
        project,
        validation,
        blobs,
        revision: Some(repo.clone()),
        _temp: Some(temp),
    })
}

/// A revision's side from the working tree's cache where it holds the same file with the
/// same blob; only the other files are read from git and checked.
fn from_cache(
    repo: &Repo,
    label: String,
    temp: tempfile::TempDir,
    project: Project,
    products: &[(String, String)],
    skipped: Vec<Diagnostic>,
    known: &crate::cache::Known,
) -> Result<Side> {
    let root = temp.path().to_path_buf();
    let files: Vec<(ProductPath, Blob)> = products
        .iter()
        .map(|(rel, oid)| {
            let path = root.join(rel);
            let rel = rel.clone();
            (ProductPath { path, rel }, unhex(oid).unwrap_or_default())
        })
        .collect();
    let holds = known.holds(&files);
    let missing: Vec<usize> = holds
        .iter()
        .enumerate()
        .filter(|(_, held)| !**held)
        .map(|(i, _)| i)
        .collect();
    let oids: Vec<&str> = missing
        .iter()
        .filter_map(|&i| products.get(i).map(|(_, oid)| oid.as_str()))
        .collect();
    let options = CheckOptions {
        keep_value: true,
        evaluator: None,
    };
    let fresh: Vec<(usize, Checked)> = missing
        .into_par_iter()
        .zip(repo.read_blobs(&oids)?)
        .filter_map(|(i, bytes)| {
            let (file, _) = files.get(i)?;
            Some((i, validate::check_bytes(&project, i, file, bytes, options)))
        })
        .collect();
    let mut found: Vec<Option<Checked>> = files.iter().map(|_| None).collect();
    for (i, checked) in fresh {
        if let Some(slot) = found.get_mut(i) {
            *slot = Some(checked);
        }
    }
    let mut validation = known.conclude(&project, &files, found, skipped)?;
    // Positions: the files with diagnostics not yet positioned are read from git.
    let pending: Vec<usize> = validation
        .diagnostics
        .iter()
        .enumerate()
        .filter(|(_, d)| d.source_line.is_none())
        .map(|(i, _)| i)
        .collect();
    let wanted: BTreeSet<&str> = pending
        .iter()
        .filter_map(|&i| validation.diagnostics.get(i))
        .map(|d| d.file.as_str())
        .collect();
    let wanted: Vec<&(String, String)> = products
        .iter()
        .filter(|(rel, _)| wanted.contains(rel.as_str()))
        .collect();
    let oids: Vec<&str> = wanted.iter().map(|(_, oid)| oid.as_str()).collect();
    let texts: BTreeMap<String, Vec<u8>> = wanted
        .iter()
        .map(|(rel, _)| rel.clone())
        .zip(repo.read_blobs(&oids)?)
        .collect();
    let mut taken: Vec<Diagnostic> = pending
        .iter()
        .filter_map(|&i| validation.diagnostics.get(i).cloned())
        .collect();
    source::resolve_positions_with(&mut taken, |file| texts.get(file).cloned());
    for (i, d) in pending.into_iter().zip(taken) {
        if let Some(slot) = validation.diagnostics.get_mut(i) {
            *slot = d;
        }
    }
    let blobs = products.iter().map(|(_, oid)| unhex(oid)).collect();
    Ok(Side {
        label,
        root,
        project,
        validation,
        blobs,
        revision: Some(repo.clone()),
        _temp: Some(temp),
    })
}

/// A blob id from its hex form.
fn unhex(oid: &str) -> Option<Blob> {
    let mut out = [0u8; 20];
    if oid.len() != 40 {
        return None;
    }
    for (slot, pair) in out.iter_mut().zip(oid.as_bytes().chunks(2)) {
        let pair = std::str::from_utf8(pair).ok()?;
        *slot = u8::from_str_radix(pair, 16).ok()?;
    }
    Some(out)
}

fn hex(blob: Blob) -> String {
    blob.iter().map(|b| format!("{b:02x}")).collect()
}

/// Where a revision's pim.toml puts the catalog, schemas, templates, assets and categories.
fn layout(repo: &Repo, tree: &crate::git::Tree) -> Layout {
    let pim_toml = tree
        .files
        .get(crate::config::FILE_NAME)
        .and_then(|oid| repo.read_blobs(&[oid.as_str()]).ok())
        .and_then(|mut blobs| blobs.pop());
    Layout::of(pim_toml.as_deref())
}

fn compare(base: &mut Side, head: &mut Side, price_alert: Decimal) -> Result<DiffReport> {
    // Values are read for the products whose text may differ: on one side only, or with
    // another blob (or none known) on the other side.
    let differing: HashSet<String> = {
        let (old, new) = (base.products(), head.products());
        let one_sided = new.keys().filter(|sku| !old.contains_key(*sku));
        old.iter()
            .filter(|(sku, o)| {
                new.get(*sku)
                    .is_none_or(|n| !matches!((o.blob, n.blob), (Some(a), Some(b)) if a == b))
            })
            .map(|(sku, _)| sku)
            .chain(one_sided)
            .map(|sku| (*sku).to_owned())
            .collect()
    };
    base.fill(Some(&differing))?;
    head.fill(Some(&differing))?;
    let mut report = products_report(base, head, price_alert);
    let relevant = relevant(base, head);
    match &relevant {
        Some(skus) => {
            base.fill(Some(skus))?;
            head.fill(Some(skus))?;
        }
        None => {
            base.fill(None)?;
            head.fill(None)?;
        }
    }
    report.channels = channels(base, head, &relevant)?;
    Ok(report)
}

/// Products added, removed and changed, and the problems; the channels are left to fill.
fn products_report(base: &Side, head: &Side, price_alert: Decimal) -> DiffReport {
    let old = base.products();
    let new = head.products();
    let mut report = DiffReport {
        base: base.label.clone(),
        head: head.label.clone(),
        added: Vec::new(),
        removed: Vec::new(),
        changed: Vec::new(),
        problems: problems(&base.validation.diagnostics, &head.validation.diagnostics),
        channels: Vec::new(),
        price_alert,
    };
    for (sku, p) in new.iter().filter(|(s, _)| !old.contains_key(*s)) {
        report.added.push(ProductRef {
            sku: (*sku).to_owned(),
            file: p.file.to_owned(),
        });
    }
    for (sku, p) in old.iter().filter(|(s, _)| !new.contains_key(*s)) {
        report.removed.push(ProductRef {
            sku: (*sku).to_owned(),
            file: p.file.to_owned(),
        });
    }
    for (sku, p) in &new {
        let Some(o) = old.get(sku) else {
            continue;
        };
        if o.same(p) {
            continue;
        }
        let (file, old_file) = (&p.file, &o.file);
        let (Some(Ok(old_value)), Some(Ok(value))) = (
            o.value.map(serde_json::from_str::<Value>),
            p.value.map(serde_json::from_str::<Value>),
        ) else {
            continue;
        };
        let (old_value, value) = (&old_value, &value);
        let family = value
            .get("family")
            .and_then(Value::as_str)
            .and_then(|f| head.project.schemas.families.get(f));
        let annotations = head.project.schemas.annotations(value, family);
        let mut fields = Vec::new();
        diff_product(old_value, value, &mut fields);
        for change in &mut fields {
            price_move(change, &annotations, price_alert);
        }
        report.changed.push(ChangedProduct {
            sku: (*sku).to_owned(),
            file: (*file).to_owned(),
            old_file: (old_file != file).then(|| (*old_file).to_owned()),
            fields,
        });
    }
    report
}

/// Field changes of one product; variants are matched by SKU, not by position.
fn diff_product(old: &Value, new: &Value, out: &mut Vec<FieldChange>) {
    let (Value::Object(o), Value::Object(n)) = (old, new) else {
        diff_value("", None, Some(old), Some(new), out);
        return;
    };
    let keys: BTreeSet<&String> = o.keys().chain(n.keys()).collect();
    for key in keys {
        let pointer = crate::source::yaml::pointer_push("", key);
        if key == "variants" {
            diff_variants("", o.get(key), n.get(key), out);
        } else {
            diff_value(&pointer, None, o.get(key), n.get(key), out);
        }
    }
}

/// The `variants` list under `prefix` (the product, or a variant one level up), matched by SKU.
fn diff_variants(
    prefix: &str,
    old: Option<&Value>,
    new: Option<&Value>,
    out: &mut Vec<FieldChange>,
) {
    let list = |v: Option<&Value>| -> Vec<(String, usize, Value)> {
        v.and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
            .map(|(i, v)| {
                (
                    v.get("sku")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                    i,
                    v.clone(),
                )
            })
            .collect()
    };
    let (old, new) = (list(old), list(new));
    for (sku, i, value) in &new {
        let pointer = format!("{prefix}/variants/{i}");
        match old.iter().find(|(s, _, _)| s == sku) {
            Some((_, _, before)) => diff_variant(&pointer, sku, before, value, out),
            None => out.push(FieldChange {
                pointer,
                variant: Some(sku.clone()),
                old: None,
                new: Some(value.clone()),
                percent: None,
                alert: false,
            }),
        }
    }
    for (sku, i, value) in &old {
        if !new.iter().any(|(s, _, _)| s == sku) {
            out.push(FieldChange {
                pointer: format!("{prefix}/variants/{i}"),
                variant: Some(sku.clone()),
                old: Some(value.clone()),
                new: None,
                percent: None,
                alert: false,
            });
        }
    }
}

/// One variant, in both revisions: its values key by key, and its own variants (a second
/// level, SPEC §2) matched by SKU again.
fn diff_variant(pointer: &str, sku: &str, old: &Value, new: &Value, out: &mut Vec<FieldChange>) {
    let (Value::Object(o), Value::Object(n)) = (old, new) else {
        diff_value(pointer, Some(sku), Some(old), Some(new), out);
        return;
    };
    let keys: BTreeSet<&String> = o.keys().chain(n.keys()).collect();
    for key in keys {
        if key == "variants" {
            diff_variants(pointer, o.get(key), n.get(key), out);
        } else {
            let child = crate::source::yaml::pointer_push(pointer, key);
            diff_value(&child, Some(sku), o.get(key), n.get(key), out);
        }
    }
}

/// Mappings are compared key by key (so localized values and prices show per locale and
/// per currency); lists and scalars as a whole.
fn diff_value(
    pointer: &str,
    variant: Option<&str>,
    old: Option<&Value>,
    new: Option<&Value>,
    out: &mut Vec<FieldChange>,
) {
    match (old, new) {
        (Some(Value::Object(o)), Some(Value::Object(n))) => {
            let keys: BTreeSet<&String> = o.keys().chain(n.keys()).collect();
            for key in keys {
                let child = crate::source::yaml::pointer_push(pointer, key);
                diff_value(&child, variant, o.get(key), n.get(key), out);
            }
        }
        (o, n) if o != n => out.push(FieldChange {
            pointer: pointer.to_owned(),
            variant: variant.map(str::to_owned),
            old: o.cloned(),
            new: n.cloned(),
            percent: None,
            alert: false,
        }),
        _ => {}
    }
}

/// For a value inside a price mapping: its move in percent, and whether it passes the alert.
fn price_move(change: &mut FieldChange, annotations: &[(String, Annotation)], alert: Decimal) {
    let Some((parent, _)) = change.pointer.rsplit_once('/') else {
        return;
    };
    let is_price = annotations
        .iter()
        .any(|(p, a)| p == parent && *a == Annotation::Kind(Kind::Price));
    let amount = |v: &Option<Value>| {
        v.as_ref()
            .and_then(Value::as_str)
            .and_then(|s| Decimal::from_str(s).ok())
    };
    let (Some(old), Some(new)) = (amount(&change.old), amount(&change.new)) else {
        return;
    };
    if !is_price || old.is_zero() {
        return;
    }
    let Some(percent) = new
        .checked_sub(old)
        .and_then(|d| d.checked_mul(Decimal::from(100)))
        .and_then(|d| d.checked_div(old))
    else {
        return;
    };
    let percent = percent.round_dp(1);
    change.alert = percent.abs() > alert;
    change.percent = Some(format!(
        "{}{percent:.1}",
        if percent.is_sign_positive() && !percent.is_zero() {
            "+"
        } else {
            ""
        }
    ));
}

/// A diagnostic without its line: lines move when a file is edited.
fn problem_key(d: &Diagnostic) -> (String, String, Option<String>, String) {
    (
        d.rule.id(),
        d.sku.clone().unwrap_or_else(|| d.file.clone()),
        d.pointer.clone(),
        d.message.clone(),
    )
}

fn problems(base: &[Diagnostic], head: &[Diagnostic]) -> Problems {
    let old: BTreeSet<_> = base.iter().map(problem_key).collect();
    let new: BTreeSet<_> = head.iter().map(problem_key).collect();
    let mut introduced: Vec<&Diagnostic> = head
        .iter()
        .filter(|d| !old.contains(&problem_key(d)))
        .collect();
    let mut fixed: Vec<&Diagnostic> = base
        .iter()
        .filter(|d| !new.contains(&problem_key(d)))
        .collect();
    introduced.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    fixed.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    Problems {
        introduced: introduced.into_iter().cloned().collect(),
        fixed: fixed.into_iter().cloned().collect(),
    }
}

/// What a channel exports on one side: item SKUs, and the completeness of each item its
/// filter selects.
struct Feed {
    exported: BTreeSet<String>,
    completeness: BTreeMap<String, u32>,
}

/// The SKUs whose items may differ between the sides: products whose text differs, that
/// exist on one side only, or whose errors differ. `None` when the configuration differs
/// and every item must be looked at.
fn relevant(base: &Side, head: &Side) -> Option<HashSet<String>> {
    if base.configuration() != head.configuration() {
        return None;
    }
    let (old, new) = (base.products(), head.products());
    let old_blocking = blocking_errors(&base.validation.diagnostics);
    let new_blocking = blocking_errors(&head.validation.diagnostics);
    let blocked =
        |side: Option<&Product<'_>>, map: &Blocking| side.and_then(|p| map.get(p.file).cloned());
    let skus: BTreeSet<&str> = old.keys().chain(new.keys()).copied().collect();
    Some(
        skus.into_iter()
            .filter(|sku| {
                let (o, n) = (old.get(sku), new.get(sku));
                let same = match (o, n) {
                    (Some(o), Some(n)) => o.same(n),
                    (o, n) => o.is_none() && n.is_none(),
                };
                !same || blocked(o, &old_blocking) != blocked(n, &new_blocking)
            })
            .map(str::to_owned)
            .collect(),
    )
}

/// What the channel (or one locale of it) labelled `label` exports on one side; `None`
/// when that side has no such channel.
fn feed(side: &Side, label: &str, relevant: &Option<HashSet<String>>) -> Result<Option<Feed>> {
    let Some(channel) = side.project.config.specs().find(|c| c.label == label) else {
        return Ok(None);
    };
    // Only products that may differ: the others export the same items on both sides.
    let only: Option<HashSet<usize>> = relevant.as_ref().map(|skus| {
        let checked = &side.validation.checked;
        let keep = |c: &&crate::catalog::Checked| c.sku.as_ref().is_none_or(|s| skus.contains(s));
        checked
            .iter()
            .enumerate()
            .filter(|(_, c)| keep(c))
            .map(|(i, _)| i)
            .collect()
    });
    let env = channel::filter_environment();
    let evaluator = channel::Evaluator::new(&env, &side.project, &[channel])?;
    let items = channel::evaluate(&evaluator, &side.validation.checked, only.as_ref())?
        .into_iter()
        .next()
        .unwrap_or_default();
    let completeness = items
        .iter()
        .filter(|i| i.selected)
        .map(|i| (i.sku.to_string(), i.percent))
        .collect();
    let blocking = blocking_errors(&side.validation.diagnostics);
    let selection = select(items, &side.validation.checked, &blocking, true);
    Ok(Some(Feed {
        exported: selection
            .exported
            .into_iter()
            .map(|e| e.sku.to_string())
            .collect(),
        completeness,
    }))
}

fn channels(
    base: &Side,
    head: &Side,
    relevant: &Option<HashSet<String>>,
) -> Result<Vec<ChannelChange>> {
    // Each channel, and each locale of a channel with `locales`, as `webshop (de-DE)`.
    let labels: BTreeSet<&String> = base
        .project
        .config
        .specs()
        .chain(head.project.config.specs())
        .map(|c| &c.label)
        .collect();
    let mut out = Vec::new();
    for label in labels {
        let empty = || Feed {
            exported: BTreeSet::new(),
            completeness: BTreeMap::new(),
        };
        let old = feed(base, label, relevant)?.unwrap_or_else(empty);
        let new = feed(head, label, relevant)?.unwrap_or_else(empty);
        let completeness = new
            .completeness
            .iter()
            .filter_map(|(sku, &n)| {
                let &o = old.completeness.get(sku)?;
                (o != n).then(|| Completeness {
                    sku: sku.clone(),
                    old: o,
                    new: n,
                })
            })
            .collect();
        out.push(ChannelChange {
            channel: label.clone(),
            entering: new.exported.difference(&old.exported).cloned().collect(),
            leaving: old.exported.difference(&new.exported).cloned().collect(),
            completeness,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_per_locale_and_variants_by_sku() {
        let old = json!({"sku": "A", "name": {"en-US": "Tent", "de-DE": "Zelt"}, "images": ["a"],
            "variants": [{"sku": "A-1", "size": "S"}, {"sku": "A-2", "size": "M"}]});
        let new = json!({"sku": "A", "name": {"en-US": "Tent", "de-DE": "Zelt 2"}, "images": ["a", "b"],
            "variants": [{"sku": "A-2", "size": "L"}, {"sku": "A-3", "size": "XL"}]});
        let mut out = Vec::new();
        diff_product(&old, &new, &mut out);
        let shown: Vec<String> = out
            .iter()
            .map(|c| format!("{} {:?} {:?} {:?}", c.pointer, c.variant, c.old, c.new))
            .collect();
        assert_eq!(
            shown,
            vec![
                r#"/images None Some(Array [String("a")]) Some(Array [String("a"), String("b")])"#,
                r#"/name/de-DE None Some(String("Zelt")) Some(String("Zelt 2"))"#,
                r#"/variants/0/size Some("A-2") Some(String("M")) Some(String("L"))"#,
                r#"/variants/1 Some("A-3") None Some(Object {"size": String("XL"), "sku": String("A-3")})"#,
                r#"/variants/0 Some("A-1") Some(Object {"size": String("S"), "sku": String("A-1")}) None"#,
            ]
        );
    }

    #[test]
    fn two_level_variants_are_matched_by_sku_at_each_level() {
        let old = json!({"sku": "A", "variants": [
            {"sku": "A-RED", "color": "red", "images": ["r.jpg"], "variants": [
                {"sku": "A-RED-S", "size": "S", "gtin": "1"},
                {"sku": "A-RED-M", "size": "M", "gtin": "2"}]}]});
        let new = json!({"sku": "A", "variants": [
            {"sku": "A-RED", "color": "red", "images": ["r2.jpg"], "variants": [
                {"sku": "A-RED-M", "size": "M", "gtin": "3"},
                {"sku": "A-RED-L", "size": "L"}]}]});
        let mut out = Vec::new();
        diff_product(&old, &new, &mut out);
        let shown: Vec<String> = out
            .iter()
            .map(|c| format!("{} {:?} {:?} {:?}", c.pointer, c.variant, c.old, c.new))
            .collect();
        assert_eq!(
            shown,
            vec![
                r#"/variants/0/images Some("A-RED") Some(Array [String("r.jpg")]) Some(Array [String("r2.jpg")])"#,
                r#"/variants/0/variants/0/gtin Some("A-RED-M") Some(String("2")) Some(String("3"))"#,
                r#"/variants/0/variants/1 Some("A-RED-L") None Some(Object {"size": String("L"), "sku": String("A-RED-L")})"#,
                r#"/variants/0/variants/0 Some("A-RED-S") Some(Object {"gtin": String("1"), "size": String("S"), "sku": String("A-RED-S")}) None"#,
            ]
        );
    }

    #[test]
    fn price_moves_in_percent() {
        let annotations = vec![("/price".to_owned(), Annotation::Kind(Kind::Price))];
        let mut change = FieldChange {
            pointer: "/price/EUR".into(),
            variant: None,
            old: Some(json!("100.00")),
            new: Some(json!("145.00")),
            percent: None,
            alert: false,
        };
        price_move(&mut change, &annotations, Decimal::from(30));
        assert_eq!(
            (change.percent.as_deref(), change.alert),
            (Some("+45.0"), true)
        );
        let mut change = FieldChange {
            pointer: "/price/EUR".into(),
            variant: None,
            old: Some(json!("30.00")),
            new: Some(json!("29.00")),
            percent: None,
            alert: false,
        };
        price_move(&mut change, &annotations, Decimal::from(30));
        assert_eq!(
            (change.percent.as_deref(), change.alert),
            (Some("-3.3"), false)
        );
    }
}

//! The validation cache of SPEC §7: what checking each product file learned, kept under
//! `.pim/cache/` and reused while the file, the project's settings and pim are unchanged.
//!
//! The whole cache is tied to one project key: pim's version (and executable), `pim.toml`,
//! every schema file, the categories file and the assets folder's listing (paths, sizes,
//! modification times). An entry is tied to its file's metadata (size, modification and
//! change times, inode) as git's index is, and to a hash of its content: metadata that
//! changed, or that changed too close to when the entry was made (a "racy" file), sends
//! pim to the content, and a file whose content is unchanged is not checked again.
//! Entries live in [`SHARDS`] files by path; a run rewrites only the shards that changed,
//! each through a temporary file renamed into place, so concurrent runs never leave a torn
//! file. A cache that cannot be read or written is ignored with a warning.

use crate::catalog::{Checked, Facts, Located, Measured, ProductPath, Project};
use crate::diag::{Diagnostic, Position, Rule, Severity};
use crate::source;
use crate::validate::{self, CheckOptions};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hasher};
use std::path::{Path, PathBuf};

/// Where the cache lives, relative to the project root.
pub const FOLDER: &str = ".pim/cache";
/// How many files the entries are spread over.
const SHARDS: usize = 64;
/// Bumped when the entries' form changes; it is part of the shard files' names.
const FORMAT: u32 = 2;
/// A file modified less than this before it was checked is confirmed by its content.
const RACY_NS: i64 = 2_000_000_000;

/// A file's metadata as the cache compares it (stored as a list: it is in every entry).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "(u64, i64, i64, u64)", from = "(u64, i64, i64, u64)")]
struct Stamp {
    len: u64,
    mtime: i64,
    ctime: i64,
    ino: u64,
}

impl From<Stamp> for (u64, i64, i64, u64) {
    fn from(s: Stamp) -> Self {
        (s.len, s.mtime, s.ctime, s.ino)
    }
}

impl From<(u64, i64, i64, u64)> for Stamp {
    fn from((len, mtime, ctime, ino): (u64, i64, i64, u64)) -> Self {
        Stamp {
            len,
            mtime,
            ctime,
            ino,
        }
    }
}

impl Stamp {
    fn of(meta: &std::fs::Metadata) -> Stamp {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            Stamp {
                len: meta.len(),
                mtime: meta
                    .mtime()
                    .saturating_mul(1_000_000_000)
                    .saturating_add(meta.mtime_nsec()),
                ctime: meta
                    .ctime()
                    .saturating_mul(1_000_000_000)
                    .saturating_add(meta.ctime_nsec()),
                ino: meta.ino(),
            }
        }
        #[cfg(not(unix))]
        {
            Stamp {
                len: meta.len(),
                mtime: meta.modified().map_or(0, nanos),
                ctime: 0,
                ino: 0,
            }
        }
    }
}

fn nanos(time: std::time::SystemTime) -> i64 {
    time.duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

/// A diagnostic as stored, its position already resolved.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Stored {
    severity: Severity,
    rule: String,
    file: String,
    position: Position,
    line: usize,
    column: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pointer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sku: Option<String>,
    message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    help: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    source_line: Option<String>,
}

impl Stored {
    fn from(d: &Diagnostic) -> Stored {
        Stored {
            severity: d.severity,
            rule: d.rule.id(),
            file: d.file.clone(),
            position: d.position,
            line: d.line,
            column: d.column,
            pointer: d.pointer.clone(),
            sku: d.sku.clone(),
            message: d.message.clone(),
            help: d.help.clone(),
            source_line: d.source_line.clone(),
        }
    }

    fn into_diagnostic(self) -> Option<Diagnostic> {
        Some(Diagnostic {
            severity: self.severity,
            rule: Rule::from_id(&self.rule)?,
            file: self.file,
            position: self.position,
            line: self.line,
            column: self.column,
            pointer: self.pointer,
            sku: self.sku,
            message: self.message,
            help: self.help,
            source_line: self.source_line,
        })
    }
}

/// A value found in a file: value, byte offset, JSON pointer.
type StoredLocated = (String, usize, String);

/// [`Facts`] in a compact form: lists instead of named fields.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct StoredFacts(
    Vec<StoredLocated>,
    Vec<StoredLocated>,
    Vec<StoredLocated>,
    usize,
    Vec<(String, String, String)>,
);

impl StoredFacts {
    fn from(f: &Facts) -> StoredFacts {
        let located = |l: &[Located]| {
            l.iter()
                .map(|l| (l.value.clone(), l.offset, l.pointer.clone()))
                .collect()
        };
        StoredFacts(
            located(&f.skus),
            located(&f.gtins),
            located(&f.links),
            f.items,
            f.measurements
                .iter()
                .map(|m| (m.attribute.clone(), m.top.clone(), m.unit.clone()))
                .collect(),
        )
    }

    fn into_facts(self) -> Facts {
        let located = |l: Vec<StoredLocated>| {
            l.into_iter()
                .map(|(value, offset, pointer)| Located {
                    value,
                    offset,
                    pointer,
                })
                .collect()
        };
        let StoredFacts(skus, gtins, links, items, measurements) = self;
        Facts {
            skus: located(skus),
            gtins: located(gtins),
            links: located(links),
            items,
            measurements: measurements
                .into_iter()
                .map(|(attribute, top, unit)| Measured {
                    attribute,
                    top,
                    unit,
                })
                .collect(),
        }
    }
}

/// What checking one file learned, with what it depends on.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Entry {
    stamp: Stamp,
    /// When the stamp was taken (nanoseconds since the epoch).
    at: i64,
    /// Hash of the file's text.
    hash: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sku: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    facts: Option<StoredFacts>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    offsets: Vec<usize>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    diagnostics: Vec<Stored>,
}

impl Entry {
    fn new(checked: &Checked, stamp: Stamp, at: i64, hash: u64) -> Entry {
        Entry {
            stamp,
            at,
            hash,
            sku: checked.sku.clone(),
            facts: checked.facts.as_ref().map(StoredFacts::from),
            offsets: checked.item_offsets.clone(),
            diagnostics: checked.diagnostics.iter().map(Stored::from).collect(),
        }
    }

    /// Its metadata alone says the file is unchanged.
    fn fresh(&self, stamp: Stamp) -> bool {
        self.stamp == stamp && self.stamp.mtime.saturating_add(RACY_NS) < self.at
    }

    fn into_checked(self, file: &ProductPath) -> Option<Checked> {
        let diagnostics = self
            .diagnostics
            .into_iter()
            .map(Stored::into_diagnostic)
            .collect::<Option<Vec<_>>>()?;
        Some(Checked {
            file: file.clone(),
            diagnostics,
            facts: self.facts.map(StoredFacts::into_facts),
            sku: self.sku,
            value: None,
            item_offsets: self.offsets,
            channel_items: Vec::new(),
            evaluation_error: None,
        })
    }
}

/// A shard's entries by product file.
type Entries = HashMap<String, Entry>;

/// One shard file.
#[derive(Serialize, Deserialize)]
struct Shard {
    key: String,
    entries: Entries,
}

/// What a file's entry depends on, and whether it differs from the stored one (`None`:
/// the file could not be cached).
#[derive(Clone, Copy)]
struct Meta {
    stamp: Stamp,
    at: i64,
    hash: u64,
    changed: bool,
}

fn hash_text(text: &str) -> u64 {
    let mut h = DefaultHasher::new();
    h.write(text.as_bytes());
    h.write_usize(text.len());
    h.finish()
}

/// The key of everything besides the product files that a check depends on.
fn project_key(project: &Project) -> String {
    let mut h = DefaultHasher::new();
    // A change of the hash function itself changes this value too.
    let mut canary = DefaultHasher::new();
    canary.write(b"pim cache canary");
    h.write_u64(canary.finish());
    h.write_u32(FORMAT);
    h.write(env!("CARGO_PKG_VERSION").as_bytes());
    if let Some(meta) = std::env::current_exe()
        .ok()
        .and_then(|exe| std::fs::metadata(exe).ok())
    {
        let stamp = Stamp::of(&meta);
        h.write_u64(stamp.len);
        h.write_i64(stamp.mtime);
    }
    let root = &project.root;
    let p = &project.config.project;
    hash_file(&mut h, &root.join(crate::config::FILE_NAME));
    hash_file(&mut h, &root.join(&p.categories));
    hash_tree(&mut h, &root.join(&p.schemas), true);
    hash_tree(&mut h, &root.join(&p.assets), false);
    format!("{:016x}", h.finish())
}

fn hash_file(h: &mut DefaultHasher, path: &Path) {
    match std::fs::read(path) {
        Ok(bytes) => {
            h.write_u8(1);
            h.write(&bytes);
            h.write_usize(bytes.len());
        }
        Err(_) => h.write_u8(0),
    }
}

/// Every path under a folder, with its content (`content`) or size and times.
fn hash_tree(h: &mut DefaultHasher, dir: &Path, content: bool) {
    for entry in walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
    {
        match entry {
            Ok(entry) => {
                let rel = entry.path().strip_prefix(dir).unwrap_or(entry.path());
                h.write(rel.as_os_str().as_encoded_bytes());
                h.write_u8(0xff);
                let is_file = entry.file_type().is_file();
                h.write_u8(u8::from(is_file));
                if is_file {
                    if content {
                        hash_file(h, entry.path());
                    } else if let Ok(meta) = entry.metadata() {
                        let stamp = Stamp::of(&meta);
                        h.write_u64(stamp.len);
                        h.write_i64(stamp.mtime);
                    }
                }
            }
            Err(e) => {
                h.write(b"error");
                h.write(e.to_string().as_bytes());
            }
        }
    }
}

fn shard_of(rel: &str) -> usize {
    // FNV-1a: stable across runs and builds, unlike the std hasher's promise.
    let mut x: u64 = 0xcbf2_9ce4_8422_2325;
    for b in rel.bytes() {
        x ^= u64::from(b);
        x = x.wrapping_mul(0x0100_0000_01b3);
    }
    usize::try_from(x % SHARDS as u64).unwrap_or(0)
}

fn shard_path(dir: &Path, shard: usize) -> PathBuf {
    dir.join(format!("validate-v{FORMAT}-{shard:02}.json"))
}

/// Reads the shards that hold `key`: per shard its entries (`None`: must be rewritten),
/// and warnings for shards that could not be read.
fn load(dir: &Path, key: &str) -> (Vec<Option<Entries>>, Vec<String>) {
    let loaded: Vec<(Option<Entries>, Option<String>)> = (0..SHARDS)
        .into_par_iter()
        .map(|i| {
            let path = shard_path(dir, i);
            let bytes = match std::fs::read(&path) {
                Ok(bytes) => bytes,
                // No cache yet (or no folder for it: writing it will say why).
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
                    ) =>
                {
                    return (None, None);
                }
                Err(e) => return (None, Some(format!("cannot read {}: {e}", path.display()))),
            };
            match serde_json::from_slice::<Shard>(&bytes) {
                Ok(shard) if shard.key == key => (Some(shard.entries), None),
                Ok(_) => (None, None),
                Err(e) => (
                    None,
                    Some(format!("{} is not readable: {e}", path.display())),
                ),
            }
        })
        .collect();
    let mut shards = Vec::with_capacity(SHARDS);
    let mut warnings = Vec::new();
    for (shard, warning) in loaded {
        shards.push(shard);
        warnings.extend(warning);
    }
    (shards, warnings)
}

fn save(dir: &Path, shard: usize, content: &Shard) -> std::io::Result<()> {
    use std::io::Write;
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".validate-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    let text = serde_json::to_vec(content).map_err(std::io::Error::other)?;
    tmp.write_all(&text)?;
    tmp.persist(shard_path(dir, shard)).map_err(|e| e.error)?;
    Ok(())
}

/// Checks product files as [`validate::check_file`] does, taking what the cache knows of
/// unchanged files and storing what it learns of the others. Returns the checked files in
/// the given order and warnings about the cache itself.
pub fn check_files(project: &Project, files: &[ProductPath]) -> (Vec<Checked>, Vec<String>) {
    let dir = project.root.join(FOLDER);
    let key = project_key(project);
    let (mut shards, mut warnings) = load(&dir, &key);
    let now = nanos(std::time::SystemTime::now());
    // Each file's previous entry, taken out of its shard.
    let previous: Vec<Option<Entry>> = files
        .iter()
        .map(|f| {
            shards
                .get_mut(shard_of(&f.rel))
                .and_then(Option::as_mut)
                .and_then(|entries| entries.remove(&f.rel))
        })
        .collect();
    // Entries left in a shard belong to files that are gone: the shard is rewritten.
    let mut dirty: Vec<bool> = shards
        .iter()
        .map(|s| s.as_ref().is_none_or(|entries| !entries.is_empty()))
        .collect();
    let results: Vec<(Checked, Option<Meta>)> = files
        .par_iter()
        .zip(previous.into_par_iter())
        .enumerate()
        .map(|(index, (file, old))| check_one(project, index, file, old, now))
        .collect();
    for (checked, meta) in &results {
        if meta.is_none_or(|m| m.changed)
            && let Some(d) = dirty.get_mut(shard_of(&checked.file.rel))
        {
            *d = true;
        }
    }
    if !dirty.iter().any(|&d| d) {
        return (results.into_iter().map(|(c, _)| c).collect(), warnings);
    }
    let mut contents: Vec<Option<Shard>> = dirty
        .iter()
        .map(|&d| {
            d.then(|| Shard {
                key: key.clone(),
                entries: HashMap::new(),
            })
        })
        .collect();
    let mut checked = Vec::with_capacity(results.len());
    for (c, meta) in results {
        if let (Some(Some(shard)), Some(m)) = (contents.get_mut(shard_of(&c.file.rel)), meta) {
            shard
                .entries
                .insert(c.file.rel.clone(), Entry::new(&c, m.stamp, m.at, m.hash));
        }
        checked.push(c);
    }
    let failures: Vec<String> = contents
        .par_iter()
        .enumerate()
        .filter_map(|(i, shard)| {
            let shard = shard.as_ref()?;
            save(&dir, i, shard)
                .err()
                .map(|e| format!("cannot write {}: {e}", shard_path(&dir, i).display()))
        })
        .collect();
    warnings.extend(failures.into_iter().take(1));
    (checked, warnings)
}

/// The cache's problems as warnings for the user: the first one says enough.
pub fn warnings_text(warnings: &[String]) -> Option<String> {
    let first = warnings.first()?;
    Some(format!(
        "warning: the cache in {FOLDER} is ignored where it failed ({first}); the check is complete without it"
    ))
}

fn check_one(
    project: &Project,
    index: usize,
    file: &ProductPath,
    old: Option<Entry>,
    now: i64,
) -> (Checked, Option<Meta>) {
    let stamp = std::fs::metadata(&file.path)
        .ok()
        .filter(std::fs::Metadata::is_file)
        .map(|m| Stamp::of(&m));
    let mut old = old;
    if let (Some(stamp), Some(entry)) = (stamp, old.as_ref())
        && entry.fresh(stamp)
        && let Some(entry) = old.take()
    {
        let meta = Meta {
            stamp,
            at: entry.at,
            hash: entry.hash,
            changed: false,
        };
        if let Some(checked) = entry.into_checked(file) {
            return (checked, Some(meta));
        }
    }
    let text = match source::read(&file.path, &file.rel, &project.config.limits) {
        Ok(text) => text,
        Err(d) => return (Checked::failed(file, d), None),
    };
    let hash = hash_text(&text.text);
    let mut checked = match old
        .filter(|e| e.hash == hash)
        .and_then(|e| e.into_checked(file))
    {
        Some(checked) => checked,
        None => {
            let mut checked =
                validate::check_text(project, index, file, &text, CheckOptions::default());
            source::resolve_positions_with(&mut checked.diagnostics, |_| {
                Some(text.text.as_bytes().to_vec())
            });
            checked
        }
    };
    checked.file = file.clone();
    let meta = stamp.map(|stamp| Meta {
        stamp,
        at: now,
        hash,
        changed: true,
    });
    (checked, meta)
}

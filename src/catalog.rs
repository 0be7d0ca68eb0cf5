//! The catalog: the project's parts loaded once, the product files found under the catalog
//! folder, and what checking a file learns of it ([`Checked`], [`Facts`]).

use crate::categories::{self, Categories};
use crate::config::ProjectConfig;
use crate::diag::{Diagnostic, Position, Rule};
use crate::dictionary::Dictionary;
use crate::schema::{FormatContext, Schemas};
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};

/// A project loaded: its checked `pim.toml`, compiled schemas and category tree; everything
/// a command needs besides the product files.
pub struct Project {
    pub root: PathBuf,
    pub config: ProjectConfig,
    pub schemas: Schemas,
    /// The attributes the schemas declare, with labels, options and requirements.
    pub dictionary: Dictionary,
    pub categories: Categories,
}

impl Project {
    /// Loads `pim.toml`, the schemas and the category tree of the project at `root`.
    pub fn open(root: &Path) -> Result<Project> {
        let config = ProjectConfig::load(root)?;
        let p = &config.project;
        let formats = FormatContext {
            locales: p.locales.clone(),
            currencies: p.currencies.clone(),
            assets: root.join(&p.assets),
        };
        let schemas = Schemas::load(root, &p.schemas, formats)?;
        let categories = categories::load(root, &p.categories, &config.limits)?;
        let dictionary = Dictionary::build(&schemas, &config)?;
        Ok(Project {
            root: root.to_path_buf(),
            config,
            schemas,
            dictionary,
            categories,
        })
    }
}

/// A product file to read: absolute path and path relative to the project root.
#[derive(Clone, Debug)]
pub struct ProductPath {
    pub path: PathBuf,
    pub rel: String,
}

/// Why a path under the catalog folder is skipped (`skipped-file`), in the same words for
/// the working tree and a git revision (SPEC §5).
pub const LINK_OUT: &str = "it is a symlink that leads out of the project";
pub const LINK_TO_NOTHING: &str = "it is a symlink to nothing";
pub const LINK_LOOP: &str = "it is a symlink loop";
pub const SUBMODULE: &str = "it is another git repository (a submodule)";

/// The product files under the catalog folder in path order, and the paths skipped with a
/// warning (symlink loops, dangling links, links out of the project, FIFOs and devices).
pub fn find_files(project: &Project) -> Result<(Vec<ProductPath>, Vec<Diagnostic>)> {
    let catalog = project.root.join(&project.config.project.catalog);
    if !catalog.is_dir() {
        bail!(
            "the catalog folder {} does not exist; create it or set `catalog` under [project] in pim.toml",
            catalog.display()
        );
    }
    let root = project
        .root
        .canonicalize()
        .with_context(|| format!("cannot read the project folder {}", project.root.display()))?;
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    let mut walk = walkdir::WalkDir::new(&catalog)
        .follow_links(true)
        // Siblings share their folder's path: comparing whole paths orders them by name,
        // without taking each path apart (the walk sorts 10,000-file folders).
        .sort_by(|a, b| a.path().as_os_str().cmp(b.path().as_os_str()))
        .into_iter();
    while let Some(entry) = walk.next() {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                let path = error
                    .path()
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|| catalog.clone());
                let rel = relative(&project.root, &path);
                let is_link = path
                    .symlink_metadata()
                    .is_ok_and(|m| m.file_type().is_symlink());
                let eloop = error
                    .io_error()
                    .and_then(std::io::Error::raw_os_error)
                    .is_some_and(|code| code == libc::ELOOP);
                if error.loop_ancestor().is_some() || (is_link && eloop) {
                    skipped.push(skip(&rel, LINK_LOOP));
                } else if is_link {
                    skipped.push(skip(&rel, LINK_TO_NOTHING));
                } else {
                    return Err(anyhow::Error::new(error)).with_context(|| {
                        format!("cannot read the catalog folder {}", path.display())
                    });
                }
                continue;
            }
        };
        let rel = relative(&project.root, entry.path());
        if entry.path_is_symlink() {
            let inside = entry
                .path()
                .canonicalize()
                .is_ok_and(|target| target.starts_with(&root));
            if !inside {
                skipped.push(skip(&rel, LINK_OUT));
                if entry.file_type().is_dir() {
                    walk.skip_current_dir();
                }
                continue;
            }
        }
        let file_type = entry.file_type();
        if file_type.is_dir() {
            // Another repository's files are not this catalog's: git keeps a submodule's
            // history apart, so `pim diff` could not compare them.
            if entry.depth() > 0 && entry.path().join(".git").symlink_metadata().is_ok() {
                skipped.push(skip(&rel, SUBMODULE));
                walk.skip_current_dir();
            }
            continue;
        }
        if !is_product_name(entry.path()) {
            continue;
        }
        if file_type.is_file() {
            files.push(ProductPath {
                path: entry.path().to_path_buf(),
                rel,
            });
        } else {
            skipped.push(skip(
                &rel,
                "it is not a regular file (a FIFO, socket or device)",
            ));
        }
    }
    Ok((files, skipped))
}

pub fn is_product_name(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml")
    )
}

pub fn skip(rel: &str, why: &str) -> Diagnostic {
    Diagnostic::new(
        Rule::SkippedFile,
        rel,
        Position::LineColumn { line: 1, column: 1 },
        format!("skipped `{rel}`: {why}"),
    )
    .help("replace it with a regular file inside the project, or remove it")
}

/// `path` relative to `root`, with `/` separators.
pub fn relative(root: &Path, path: &Path) -> String {
    // The walk's paths extend the root's text: most need no parsing into components.
    if cfg!(unix)
        && let Some(rest) = path
            .as_os_str()
            .as_encoded_bytes()
            .strip_prefix(root.as_os_str().as_encoded_bytes())
            .and_then(|rest| rest.strip_prefix(b"/"))
            .and_then(|rest| std::str::from_utf8(rest).ok())
        && rest.split('/').all(|c| !c.is_empty() && c != ".")
    {
        return rest.to_owned();
    }
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// A value found in a product file, with where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Located {
    pub value: String,
    /// Byte offset in the file's text.
    pub offset: usize,
    /// JSON pointer.
    pub pointer: String,
}

impl Located {
    pub fn new(value: &str, offset: usize, pointer: impl Into<String>) -> Located {
        Located {
            value: value.to_owned(),
            offset,
            pointer: pointer.into(),
        }
    }
}

/// A measurement's unit, by attribute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Measured {
    /// The attribute (`length` in `/dimensions/length`).
    pub attribute: String,
    /// The top-level attribute that holds it (`dimensions`).
    pub top: String,
    pub unit: String,
}

/// What the cross-file rules need to know of one product file.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    /// SKUs of the product and its variants.
    pub skus: Vec<Located>,
    /// Every value whose format is `gtin`.
    pub gtins: Vec<Located>,
    /// Association targets.
    pub links: Vec<Located>,
    /// Sellable items: the variants, or one for a product without variants.
    pub items: usize,
    /// The units the product's measurements are in, once each, so a channel's `units` can
    /// be checked against what the catalog holds.
    pub measurements: Vec<Measured>,
}

/// The outcome of checking one file on its own.
#[derive(Clone)]
pub struct Checked {
    pub file: ProductPath,
    pub diagnostics: Vec<Diagnostic>,
    /// `None` when the file could not be read as a product.
    pub facts: Option<Facts>,
    /// The product's SKU, when it has one.
    pub sku: Option<String>,
    /// The values as written, as compact JSON text, kept only when a channel needs them:
    /// text takes a third of the memory of a parsed value, and parses back in microseconds.
    pub value: Option<std::sync::Arc<str>>,
    /// Byte offsets of the item mappings: the variants', or the product's own.
    pub item_offsets: Vec<usize>,
    /// The product's items for each channel evaluated with the check, in channel order.
    pub channel_items: Vec<Vec<crate::channel::Item>>,
    /// A channel's filter failed on this product.
    pub evaluation_error: Option<String>,
}

impl Checked {
    /// The values as written, parsed again from the kept JSON text.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_str(self.value.as_deref()?).ok()
    }

    pub fn failed(file: &ProductPath, diagnostic: Diagnostic) -> Checked {
        Checked {
            file: file.clone(),
            diagnostics: vec![diagnostic],
            facts: None,
            sku: None,
            value: None,
            item_offsets: Vec::new(),
            channel_items: Vec::new(),
            evaluation_error: None,
        }
    }
}

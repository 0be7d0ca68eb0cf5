//! The catalog: the project's parts loaded once, the product files found under the catalog
//! folder, and each file read, parsed and checked on its own.

use crate::categories::{self, Categories};
use crate::config::Config;
use crate::diag::{Diagnostic, Position, Rule};
use crate::rules;
use crate::schema::{FileRef, FormatContext, Schemas};
use crate::source::{self, yaml};
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};

/// Everything a check needs besides the product files.
pub struct Project {
    pub root: PathBuf,
    pub config: Config,
    pub schemas: Schemas,
    pub categories: Categories,
}

impl Project {
    /// Loads `pim.toml`, the schemas and the category tree of the project at `root`.
    pub fn open(root: &Path) -> Result<Project> {
        let config = Config::load(&root.join(crate::config::FILE_NAME))?;
        let p = &config.project;
        let formats = FormatContext {
            locales: p.locales.clone(),
            currencies: p.currencies.clone(),
            assets: root.join(&p.assets),
        };
        let schemas = Schemas::load(root, &p.schemas, formats)?;
        let categories = categories::load(root, &p.categories, &config.limits)?;
        Ok(Project {
            root: root.to_path_buf(),
            config,
            schemas,
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
        .sort_by_file_name()
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
                if error.loop_ancestor().is_some() {
                    skipped.push(skip(&rel, "it is a symlink loop"));
                } else if is_link {
                    skipped.push(skip(&rel, "it is a symlink to nothing"));
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
                skipped.push(skip(&rel, "it is a symlink that leads out of the project"));
                if entry.file_type().is_dir() {
                    walk.skip_current_dir();
                }
                continue;
            }
        }
        let file_type = entry.file_type();
        if file_type.is_dir() {
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

fn is_product_name(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml")
    )
}

fn skip(rel: &str, why: &str) -> Diagnostic {
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
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// What the cross-file rules need to know of one product file.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    /// SKUs of the product and its variants: (sku, byte offset, pointer).
    pub skus: Vec<(String, usize, String)>,
    /// Every value whose format is `gtin`: (gtin, byte offset, pointer).
    pub gtins: Vec<(String, usize, String)>,
    /// Association targets: (sku, byte offset, pointer).
    pub links: Vec<(String, usize, String)>,
    /// Sellable items: the variants, or one for a product without variants.
    pub items: usize,
}

/// The outcome of checking one file on its own.
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
}

impl Checked {
    /// The values as written, parsed again from the kept JSON text.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_str(self.value.as_deref()?).ok()
    }

    fn failed(file: &ProductPath, diagnostic: Diagnostic) -> Checked {
        Checked {
            file: file.clone(),
            diagnostics: vec![diagnostic],
            facts: None,
            sku: None,
            value: None,
            item_offsets: Vec::new(),
        }
    }
}

/// Reads, parses and checks one product file: file-level rules, JSON Schema, and the rules
/// that need no other file. `keep_value` keeps the product's values for channels.
pub fn check_file(project: &Project, file: &ProductPath, keep_value: bool) -> Checked {
    match source::read(&file.path, &file.rel, &project.config.limits) {
        Ok(text) => check_text(project, file, &text, keep_value),
        Err(d) => Checked::failed(file, d),
    }
}

/// Checks a product file's bytes, read from elsewhere (a git revision).
pub fn check_bytes(
    project: &Project,
    file: &ProductPath,
    bytes: Vec<u8>,
    keep_value: bool,
) -> Checked {
    let limit = project.config.limits.max_file_size.0;
    if bytes.len() as u64 > limit {
        let d = Diagnostic::new(
            Rule::FileTooLarge,
            &file.rel,
            Position::LineColumn { line: 1, column: 1 },
            format!(
                "the file is {} bytes, more than the limit of {limit} bytes",
                bytes.len()
            ),
        );
        return Checked::failed(file, d);
    }
    match source::decode(bytes, &file.rel) {
        Ok(text) => check_text(project, file, &text, keep_value),
        Err(d) => Checked::failed(file, d),
    }
}

/// Checks a product file's text (already read and decoded).
pub fn check_text(
    project: &Project,
    file: &ProductPath,
    text: &source::Text,
    keep_value: bool,
) -> Checked {
    let limits = &project.config.limits;
    let (root, mut diagnostics) = match yaml::parse(&text.text, &file.rel, limits) {
        Ok(parsed) => parsed,
        Err(d) => return Checked::failed(file, d),
    };
    let sku = root
        .get("sku")
        .and_then(yaml::Node::as_str)
        .map(str::to_owned);
    for d in &mut diagnostics {
        d.sku.clone_from(&sku);
    }
    let instance = root.to_json();
    let family_name = root.get("family").and_then(yaml::Node::as_str);
    let family = family_name.and_then(|f| project.schemas.families.get(f));
    let file_ref = FileRef {
        rel: &file.rel,
        sku: sku.as_deref(),
    };

    diagnostics.extend(
        project
            .schemas
            .validate(&root, &instance, family, &file_ref),
    );
    let annotations = project.schemas.annotations(&instance, family);
    let ctx = rules::FileContext {
        project,
        root: &root,
        file: &file_ref,
        annotations: &annotations,
    };
    diagnostics.extend(rules::check_product(&ctx, family_name, family));

    let facts = rules::facts(&ctx);
    let item_offsets = match root.get("variants") {
        Some(yaml::Node {
            value: yaml::Value::Seq(variants),
            ..
        }) if !variants.is_empty() => variants.iter().map(|v| v.span.start).collect(),
        _ => vec![root.span.start],
    };
    Checked {
        file: file.clone(),
        diagnostics,
        facts: Some(facts),
        sku,
        value: keep_value.then(|| std::sync::Arc::from(instance.to_string())),
        item_offsets,
    }
}

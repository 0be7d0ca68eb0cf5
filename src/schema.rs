//! JSON Schemas: loaded from the schemas folder only, compiled once, with pim's formats;
//! schema errors mapped back to file positions; the `x-pim` annotations read off them.

use crate::diag::{Diagnostic, MAX_VALUE_CHARS, Position, Rule, cut};
use crate::source::yaml::{Locator, Node, Value as Yaml, pointer_push};
use anyhow::{Context, Result, anyhow, bail};
use jsonschema::error::ValidationErrorKind;
use jsonschema::{Draft, ValidationError, Validator};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Schemas are registered in memory under this base; nothing is ever fetched.
const BASE_URI: &str = "https://schemas.pim.invalid/";
pub const PRODUCT_SCHEMA: &str = "product.schema.json";

/// What a schema node says its value is (`"x-pim"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Localized,
    Price,
    Measurement,
}

/// An annotation found at an instance location.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Annotation {
    Kind(Kind),
    Format(String),
}

pub struct Compiled {
    /// Path relative to the project root, for messages.
    pub file: String,
    uri: String,
    validator: Validator,
    /// The family's `x-variant-axes`, per level: `["color", "size"]` is one level with two
    /// axes, `[["color"], ["size"]]` two levels.
    pub variant_axes: Vec<Vec<String>>,
    /// The schema document's URI, for the dictionary.
    pub(crate) document_uri: String,
}

pub struct Schemas {
    pub base: Compiled,
    pub families: BTreeMap<String, Compiled>,
    documents: HashMap<String, Value>,
}

/// What the formats need to know about the project.
pub struct FormatContext {
    pub locales: Vec<String>,
    pub currencies: Vec<String>,
    pub assets: PathBuf,
}

impl Schemas {
    /// Loads `product.schema.json` and `families/*.schema.json` from `dir`. Any problem is an
    /// operational error naming the file.
    pub fn load(root: &Path, dir_rel: &Path, formats: FormatContext) -> Result<Schemas> {
        let dir = root.join(dir_rel);
        let mut sources: Vec<(String, PathBuf)> =
            vec![(PRODUCT_SCHEMA.to_owned(), dir.join(PRODUCT_SCHEMA))];
        let families_dir = dir.join("families");
        if families_dir.is_dir() {
            let entries = std::fs::read_dir(&families_dir)
                .with_context(|| format!("cannot read the folder {}", families_dir.display()))?;
            let mut names = Vec::new();
            for entry in entries {
                let entry = entry.with_context(|| {
                    format!("cannot read the folder {}", families_dir.display())
                })?;
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.ends_with(".schema.json") {
                    names.push(name);
                }
            }
            names.sort();
            sources.extend(
                names
                    .into_iter()
                    .map(|n| (format!("families/{n}"), families_dir.join(&n))),
            );
        }

        let mut documents = HashMap::new();
        let mut loaded = Vec::new();
        for (rel, path) in &sources {
            let shown = dir_rel.join(rel).display().to_string();
            let text = std::fs::read_to_string(path).with_context(|| {
                if rel == PRODUCT_SCHEMA {
                    format!("cannot read the base schema {shown}; every project needs one")
                } else {
                    format!("cannot read the schema {shown}")
                }
            })?;
            let doc: Value = serde_json::from_str(&text)
                .map_err(|e| anyhow!("{shown} is not valid JSON: {e}"))?;
            if !doc.is_object() {
                bail!("{shown} is not a JSON Schema: the top level must be an object");
            }
            let uri = format!("{BASE_URI}{rel}");
            documents.insert(uri.clone(), doc.clone());
            loaded.push((rel.clone(), shown, uri, doc));
        }

        for (_, shown, uri, doc) in &loaded {
            check_refs(doc, uri, shown, &documents)?;
        }
        let mut registry = jsonschema::Registry::new();
        for (_, shown, uri, doc) in &loaded {
            registry = registry
                .add(uri, doc.clone())
                .map_err(|e| anyhow!("{shown} cannot be registered: {e}"))?;
        }
        let registry = registry
            .prepare()
            .map_err(|e| anyhow!("the schemas in {} do not resolve: {e}", dir_rel.display()))?;

        let formats = Arc::new(formats);
        let mut base = None;
        let mut families = BTreeMap::new();
        for (rel, shown, uri, doc) in loaded {
            let mut options = jsonschema::options()
                .with_draft(Draft::Draft202012)
                .with_registry(&registry)
                .with_base_uri(uri.clone())
                .should_validate_formats(true);
            options = register_formats(options, &formats);
            let validator = options
                .build(&doc)
                .map_err(|e| anyhow!("{shown} is not a valid JSON Schema: {e}"))?;
            let variant_axes = variant_axes(doc.get("x-variant-axes")).ok_or_else(|| {
                anyhow!(
                    "{shown}: `x-variant-axes` must be a list of attribute names, or a list of such lists (one per variant level, at most two)"
                )
            })?;
            let compiled = Compiled {
                file: shown,
                document_uri: uri.clone(),
                uri,
                validator,
                variant_axes,
            };
            match rel
                .strip_prefix("families/")
                .and_then(|n| n.strip_suffix(".schema.json"))
            {
                Some(family) => {
                    families.insert(family.to_owned(), compiled);
                }
                None => base = Some(compiled),
            }
        }
        let base = base.ok_or_else(|| anyhow!("no base schema {PRODUCT_SCHEMA}"))?;
        Ok(Schemas {
            base,
            families,
            documents,
        })
    }

    /// The schema documents as written, by path under the schemas folder:
    /// `product.schema.json` and `families/<family>.schema.json`.
    pub fn documents(&self) -> BTreeMap<String, Value> {
        self.documents
            .iter()
            .filter_map(|(uri, doc)| Some((uri.strip_prefix(BASE_URI)?.to_owned(), doc.clone())))
            .collect()
    }

    /// Validates a product against the base schema, then its family's, and maps every error to
    /// a diagnostic at its position in the file.
    pub fn validate(
        &self,
        product: &Node,
        instance: &Value,
        family: Option<&Compiled>,
        file: &FileRef<'_>,
    ) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let locator = Locator::new(product);
        for schema in std::iter::once(&self.base).chain(family) {
            for error in schema.validator.iter_errors(instance) {
                out.extend(to_diagnostics(&error, &locator, file));
            }
        }
        out
    }

    /// [`Schemas::validate`] for errors that `remap` claims: it gives the pointer in the file
    /// of an error's instance path (values of a `channels` block, checked in place), or
    /// `None` for an error that is not about them.
    pub fn validate_remapped(
        &self,
        product: &Node,
        instance: &Value,
        family: Option<&Compiled>,
        file: &FileRef<'_>,
        remap: &dyn Fn(&str) -> Option<String>,
    ) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let locator = Locator::new(product);
        for schema in std::iter::once(&self.base).chain(family) {
            for error in schema.validator.iter_errors(instance) {
                if let Some(path) = remap(error.instance_path().as_str()) {
                    out.extend(to_diagnostics_at(&error, &locator, file, path));
                }
            }
        }
        out
    }

    /// The `x-pim` kind the schemas give to a top-level attribute, present or not.
    pub fn property_kind(&self, name: &str, family: Option<&Compiled>) -> Option<Kind> {
        std::iter::once(&self.base)
            .chain(family)
            .find_map(|schema| {
                let doc = self.documents.get(&schema.uri)?;
                let walker = Walker {
                    schemas: self,
                    out: &mut Vec::new(),
                    steps: 0,
                };
                let mut node = doc.get("properties")?.get(name)?;
                let mut uri: &str = &schema.uri;
                for _ in 0..16 {
                    if let Some(kind) = node.get("x-pim").and_then(Value::as_str) {
                        return match kind {
                            "localized" => Some(Kind::Localized),
                            "price" => Some(Kind::Price),
                            "measurement" => Some(Kind::Measurement),
                            _ => None,
                        };
                    }
                    let reference = node.get("$ref")?.as_str()?;
                    let (target, target_uri) = walker.resolve(uri, reference)?;
                    node = target;
                    uri = target_uri;
                }
                None
            })
    }

    /// Every `x-pim` kind and `format` the schemas give to a value of the instance, with the
    /// value's JSON pointer.
    pub fn annotations(
        &self,
        instance: &Value,
        family: Option<&Compiled>,
    ) -> Vec<(String, Annotation)> {
        let mut out = Vec::new();
        for schema in std::iter::once(&self.base).chain(family) {
            if let Some(doc) = self.documents.get(&schema.uri) {
                let mut walker = Walker {
                    schemas: self,
                    out: &mut out,
                    steps: 0,
                };
                walker.walk(doc, &schema.uri, instance, &mut Vec::new(), 0);
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out.dedup();
        out
    }
}

/// `x-variant-axes`: `["a", "b"]` (one level) or `[["a"], ["b"]]` (one list per level).
fn variant_axes(value: Option<&Value>) -> Option<Vec<Vec<String>>> {
    let names = |v: &Value| -> Option<Vec<String>> {
        v.as_array()?
            .iter()
            .map(|a| a.as_str().map(str::to_owned))
            .collect()
    };
    let Some(value) = value else {
        return Some(Vec::new());
    };
    let items = value.as_array()?;
    if items.iter().all(Value::is_string) {
        let level = names(value)?;
        return Some(if level.is_empty() {
            Vec::new()
        } else {
            vec![level]
        });
    }
    let levels: Vec<Vec<String>> = items.iter().map(names).collect::<Option<_>>()?;
    (levels.len() <= 2).then_some(levels)
}

impl Schemas {
    /// The schema documents that apply to a product of `family`: the base, then the family's.
    pub(crate) fn documents_for<'s>(
        &'s self,
        family: Option<&'s Compiled>,
    ) -> impl Iterator<Item = (&'s str, &'s Value)> + 's {
        std::iter::once(&self.base).chain(family).filter_map(|c| {
            Some((
                c.document_uri.as_str(),
                self.documents.get(&c.document_uri)?,
            ))
        })
    }

    /// A schema node and every node it leads to through `$ref` and `allOf`, in order.
    pub(crate) fn expand<'s>(&'s self, uri: &'s str, node: &'s Value) -> Vec<(&'s str, &'s Value)> {
        let mut out = Vec::new();
        let mut pending = vec![(uri, node)];
        while let Some((uri, node)) = pending.pop() {
            if out.len() > 64 {
                break;
            }
            out.push((uri, node));
            if let Some(branches) = node.get("allOf").and_then(Value::as_array) {
                pending.extend(branches.iter().rev().map(|b| (uri, b)));
            }
            if let Some(reference) = node.get("$ref").and_then(Value::as_str)
                && let Some((target, target_uri)) = self.resolve_ref(uri, reference)
            {
                pending.push((target_uri, target));
            }
        }
        out
    }

    /// Resolves a `$ref` among the project's schemas: `#/$defs/x`, `other.schema.json`,
    /// `../product.schema.json#/$defs/x`.
    fn resolve_ref<'s>(&'s self, uri: &str, reference: &str) -> Option<(&'s Value, &'s str)> {
        let (path, fragment) = reference.split_once('#').unwrap_or((reference, ""));
        let (target_uri, doc) = if path.is_empty() {
            self.documents.get_key_value(uri)?
        } else {
            self.documents.get_key_value(&join_uri(uri, path))?
        };
        let target = if fragment.is_empty() {
            doc
        } else {
            doc.pointer(fragment)?
        };
        Some((target, target_uri.as_str()))
    }
}

/// The file a diagnostic belongs to.
pub struct FileRef<'a> {
    pub rel: &'a str,
    pub sku: Option<&'a str>,
}

fn register_formats<'i>(
    options: jsonschema::ValidationOptions<'i>,
    ctx: &Arc<FormatContext>,
) -> jsonschema::ValidationOptions<'i> {
    let locales = Arc::clone(ctx);
    let currencies = Arc::clone(ctx);
    let assets = Arc::clone(ctx);
    options
        .with_format("gtin", |s: &str| gtin_check(s).is_ok())
        .with_format("decimal", is_decimal)
        .with_format("locale", move |s: &str| {
            locales.locales.iter().any(|l| l == s)
        })
        .with_format("currency", move |s: &str| {
            currencies.currencies.iter().any(|c| c == s)
        })
        .with_format("asset", move |s: &str| asset_exists(&assets.assets, s))
}

/// `Ok` for a valid GTIN-8/12/13/14; `Err` with the reason otherwise.
pub fn gtin_check(s: &str) -> Result<(), String> {
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err("a GTIN has only digits".into());
    }
    if ![8, 12, 13, 14].contains(&s.len()) {
        return Err(format!(
            "a GTIN has 8, 12, 13 or 14 digits, this one has {}",
            s.len()
        ));
    }
    let digits: Vec<u32> = s.bytes().map(|b| u32::from(b - b'0')).collect();
    let (body, check) = digits.split_at(digits.len() - 1);
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| if i % 2 == 0 { d * 3 } else { *d })
        .sum();
    let expected = (10 - sum % 10) % 10;
    match check.first() {
        Some(&c) if c == expected => Ok(()),
        _ => Err(format!("its check digit should be {expected}")),
    }
}

/// A decimal number written as a string: `199`, `199.00`, `-0.5`.
pub fn is_decimal(s: &str) -> bool {
    let body = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && (!body.contains('.') || (!frac.is_empty() && frac.bytes().all(|b| b.is_ascii_digit())))
}

/// A relative path that stays under the assets folder and names an existing file.
pub fn asset_exists(assets: &Path, s: &str) -> bool {
    let path = Path::new(s);
    if s.is_empty() || s.contains("://") || path.is_absolute() {
        return false;
    }
    if path
        .components()
        .any(|c| !matches!(c, std::path::Component::Normal(_)))
    {
        return false;
    }
    let (Ok(base), Ok(full)) = (assets.canonicalize(), assets.join(path).canonicalize()) else {
        return false;
    };
    full.starts_with(base) && full.is_file()
}

/// A JSON value as a message shows it: `None` when its text is within
/// [`MAX_VALUE_CHARS`] characters, else its start cut with `…`. Never writes out more than
/// the start, however large the value.
fn long_json(value: &Value) -> Option<String> {
    struct Capped(Vec<u8>);
    impl std::io::Write for Capped {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if self.0.len() > 4 * (MAX_VALUE_CHARS + 1) {
                return Err(std::io::Error::other("long enough"));
            }
            self.0.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut capped = Capped(Vec::new());
    let complete = serde_json::to_writer(&mut capped, value).is_ok();
    let text = String::from_utf8_lossy(&capped.0);
    if complete && text.chars().count() <= MAX_VALUE_CHARS {
        return None;
    }
    Some(cut(&text).into_owned())
}

/// The error's own message, with the value it is about cut to [`MAX_VALUE_CHARS`]
/// characters (an alias-expanded list repeats megabytes otherwise).
fn error_text(error: &ValidationError<'_>) -> String {
    match long_json(error.instance()) {
        None => error.to_string(),
        Some(shown) => error.masked_with(shown).to_string(),
    }
}

fn to_diagnostics(
    error: &ValidationError<'_>,
    locator: &Locator<'_>,
    file: &FileRef<'_>,
) -> Vec<Diagnostic> {
    to_diagnostics_at(
        error,
        locator,
        file,
        error.instance_path().as_str().to_owned(),
    )
}

/// A schema error as diagnostics, about the value at `path` in the file.
fn to_diagnostics_at(
    error: &ValidationError<'_>,
    locator: &Locator<'_>,
    file: &FileRef<'_>,
    path: String,
) -> Vec<Diagnostic> {
    let node = locator.node(&path);
    let offset = node.map_or(0, |n| n.span.start);
    let kind = error.kind();
    let keyword = kind.keyword().to_owned();
    let field = if path.is_empty() {
        "the product".to_owned()
    } else {
        format!("`{}`", cut(&path))
    };
    let make = |rule: Rule, offset: usize, pointer: String, message: String| {
        Diagnostic::new(rule, file.rel, Position::Offset(offset), message)
            .at(pointer)
            .sku(file.sku)
    };
    match kind {
        ValidationErrorKind::Required { property } => {
            let name = property
                .as_str()
                .map_or_else(|| property.to_string(), str::to_owned);
            vec![
                make(
                    Rule::Schema(keyword),
                    offset,
                    pointer_push(&path, &name),
                    format!("{field} lacks the required attribute `{name}`"),
                )
                .help(format!("add `{name}:` to this mapping")),
            ]
        }
        ValidationErrorKind::AdditionalProperties { unexpected } => unexpected
            .iter()
            .map(|key| {
                let pointer = pointer_push(&path, key);
                let key_offset = locator.key(&pointer).map_or(offset, |k| k.span.start);
                make(
                    Rule::Schema(keyword.clone()),
                    key_offset,
                    pointer,
                    format!(
                        "{field} has the attribute `{}`, which its schema does not allow",
                        cut(key)
                    ),
                )
                .help("remove it, correct its name, or add it to the schema")
            })
            .collect(),
        ValidationErrorKind::Format { format } => {
            let full = error.instance().as_str().unwrap_or_default();
            let value = cut(full);
            let (rule, message, help) = match format.as_str() {
                "gtin" => (
                    Rule::InvalidGtin,
                    format!(
                        "{field}: `{value}` is not a valid GTIN: {}",
                        gtin_check(full).err().unwrap_or_default()
                    ),
                    "copy the GTIN from the packaging or the GS1 record".to_owned(),
                ),
                "decimal" => (
                    Rule::InvalidDecimal,
                    format!("{field}: `{value}` is not a decimal number"),
                    "write it like \"199.00\", with a dot and digits only".to_owned(),
                ),
                "asset" => (
                    Rule::MissingAsset,
                    format!("{field}: the asset `{value}` does not exist under the assets folder"),
                    "add the file under assets/, or correct the path (a URL is not an asset)"
                        .to_owned(),
                ),
                "currency" => (
                    Rule::UnknownCurrency,
                    format!("{field}: `{value}` is not one of the project's currencies"),
                    "use a currency from `[project] currencies` in pim.toml".to_owned(),
                ),
                "locale" => (
                    Rule::UnknownLocale,
                    format!("{field}: `{value}` is not one of the project's locales"),
                    "use a locale from `[project] locales` in pim.toml".to_owned(),
                ),
                other => (
                    Rule::Schema(keyword),
                    format!("{field}: `{value}` is not a valid `{other}`"),
                    "correct the value".to_owned(),
                ),
            };
            vec![make(rule, offset, path, message).help(help)]
        }
        ValidationErrorKind::Type { kind: expected } => {
            let wants_string = format!("{expected:?}").contains("String");
            let is_number = matches!(
                node.map(|n| &n.value),
                Some(Yaml::Int(_) | Yaml::UInt(_) | Yaml::Float(_))
            );
            let mut d = make(
                Rule::Schema(keyword),
                offset,
                path.clone(),
                format!("{field}: {}", error_text(error)),
            );
            if wants_string && is_number {
                let text = cut(&error.instance().to_string()).into_owned();
                d.message = format!("{field} must be a string, but `{text}` is an unquoted number");
                d = d.help(format!("quote it: \"{text}\""));
            }
            vec![d]
        }
        ValidationErrorKind::Enum { options } => {
            // A near miss gets the closest allowed value: `640x480` → `640_x_480`.
            let allowed: Vec<String> = options
                .as_array()
                .map(|o| {
                    o.iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            let suggestion = error.instance().as_str().and_then(|value| {
                crate::suggest::closest(value, allowed.iter().map(String::as_str))
            });
            let mut d = make(
                Rule::Schema(keyword),
                offset,
                path,
                format!("{field}: {error}"),
            );
            if let Some(s) = suggestion {
                d.message.push_str(&format!("; did you mean \"{s}\"?"));
                d = d.help(format!(
                    "write \"{s}\", or add the value to the schema's `enum`"
                ));
            }
            vec![d]
        }
        _ => vec![make(
            Rule::Schema(keyword),
            offset,
            path,
            format!("{field}: {}", error_text(error)),
        )],
    }
}

/// Walks an instance alongside a schema to collect annotations. Follows `$ref`, `allOf`,
/// `anyOf`, `oneOf`, `properties`, `additionalProperties`, `items` and `prefixItems`.
struct Walker<'a> {
    schemas: &'a Schemas,
    out: &'a mut Vec<(String, Annotation)>,
    /// Bounds the work on recursive schemas.
    steps: usize,
}

/// A step of the instance path; the pointer string is built only for an annotation found.
enum Segment<'i> {
    Key(&'i str),
    Index(usize),
}

fn pointer_of(path: &[Segment<'_>]) -> String {
    let mut pointer = String::new();
    for segment in path {
        match segment {
            Segment::Key(key) => pointer = pointer_push(&pointer, key),
            Segment::Index(i) => {
                pointer.push('/');
                pointer.push_str(&i.to_string());
            }
        }
    }
    pointer
}

impl<'a> Walker<'a> {
    fn walk<'i>(
        &mut self,
        schema: &'a Value,
        uri: &str,
        instance: &'i Value,
        path: &mut Vec<Segment<'i>>,
        depth: usize,
    ) {
        self.steps += 1;
        if depth > 64 || self.steps > 100_000 {
            return;
        }
        let Value::Object(s) = schema else { return };
        let kind = match s.get("x-pim").and_then(Value::as_str) {
            Some("localized") => Some(Kind::Localized),
            Some("price") => Some(Kind::Price),
            Some("measurement") => Some(Kind::Measurement),
            _ => None,
        };
        if let Some(kind) = kind {
            self.out.push((pointer_of(path), Annotation::Kind(kind)));
        }
        if let (Some(format), Value::String(_)) =
            (s.get("format").and_then(Value::as_str), instance)
        {
            self.out
                .push((pointer_of(path), Annotation::Format(format.to_owned())));
        }
        if let Some(reference) = s.get("$ref").and_then(Value::as_str)
            && let Some((target, target_uri)) = self.resolve(uri, reference)
        {
            self.walk(target, target_uri, instance, path, depth + 1);
        }
        for key in ["allOf", "anyOf", "oneOf"] {
            if let Some(Value::Array(branches)) = s.get(key) {
                for branch in branches {
                    if key == "allOf" || type_matches(branch, instance) {
                        self.walk(branch, uri, instance, path, depth + 1);
                    }
                }
            }
        }
        match instance {
            Value::Object(map) => {
                let properties = s.get("properties").and_then(Value::as_object);
                let additional = s.get("additionalProperties");
                for (key, value) in map {
                    let sub = properties.and_then(|p| p.get(key)).or(additional);
                    if let Some(sub) = sub {
                        path.push(Segment::Key(key));
                        self.walk(sub, uri, value, path, depth + 1);
                        path.pop();
                    }
                }
            }
            Value::Array(items) => {
                let prefix = s.get("prefixItems").and_then(Value::as_array);
                for (i, item) in items.iter().enumerate() {
                    let sub = prefix.and_then(|p| p.get(i)).or_else(|| s.get("items"));
                    if let Some(sub) = sub {
                        path.push(Segment::Index(i));
                        self.walk(sub, uri, item, path, depth + 1);
                        path.pop();
                    }
                }
            }
            _ => {}
        }
    }

    fn resolve(&self, uri: &str, reference: &str) -> Option<(&'a Value, &'a str)> {
        self.schemas.resolve_ref(uri, reference)
    }
}

/// Every `$ref` must lead to a schema of the project: nothing is fetched or read from
/// outside the schemas folder.
fn check_refs(
    node: &Value,
    uri: &str,
    shown: &str,
    documents: &HashMap<String, Value>,
) -> Result<()> {
    match node {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref") {
                let path = reference
                    .split_once('#')
                    .map_or(reference.as_str(), |(p, _)| p);
                if !path.is_empty() && !documents.contains_key(&join_uri(uri, path)) {
                    bail!(
                        "{shown}: the `$ref` `{reference}` does not lead to a schema in the schemas folder; \
                         pim never fetches schemas, so copy it into the schemas folder and refer to it by a relative path"
                    );
                }
            }
            map.values()
                .try_for_each(|v| check_refs(v, uri, shown, documents))
        }
        Value::Array(items) => items
            .iter()
            .try_for_each(|v| check_refs(v, uri, shown, documents)),
        _ => Ok(()),
    }
}

/// Whether a branch of `anyOf`/`oneOf` could apply, judged by its `type` alone.
fn type_matches(branch: &Value, instance: &Value) -> bool {
    let name = match instance {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    match branch.get("type") {
        None => true,
        Some(Value::String(t)) => t == name || (t == "number" && name == "integer"),
        Some(Value::Array(ts)) => ts.iter().any(|t| {
            t.as_str() == Some(name) || (t.as_str() == Some("number") && name == "integer")
        }),
        Some(_) => false,
    }
}

/// Resolves a relative reference against a schema URI (folders and `..` only).
/// Where a `$ref` written in the schema at `rel` (a path under the schemas folder) leads: the
/// path of the schema it names under the schemas folder (`rel` itself for `#...`), and the
/// fragment after `#`. `None` for a reference out of the schemas folder.
pub fn ref_target(rel: &str, reference: &str) -> Option<(String, String)> {
    let (path, fragment) = reference.split_once('#').unwrap_or((reference, ""));
    if path.is_empty() {
        return Some((rel.to_owned(), fragment.to_owned()));
    }
    let uri = join_uri(&format!("{BASE_URI}{rel}"), path);
    Some((uri.strip_prefix(BASE_URI)?.to_owned(), fragment.to_owned()))
}

fn join_uri(base: &str, reference: &str) -> String {
    if reference.contains("://") {
        return reference.to_owned();
    }
    let mut parts: Vec<&str> = base.split('/').collect();
    parts.pop();
    for segment in reference.split('/') {
        match segment {
            "." | "" => {}
            ".." => {
                if parts.len() > 3 {
                    parts.pop();
                }
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gtins() {
        assert!(gtin_check("4006381333931").is_ok());
        assert!(gtin_check("036000291452").is_ok());
        assert!(gtin_check("96385074").is_ok());
        assert!(gtin_check("10012345678902").is_ok());
        assert_eq!(
            gtin_check("4006381333932").unwrap_err(),
            "its check digit should be 1"
        );
        assert!(gtin_check("400638133393").is_err());
        assert!(gtin_check("40063813339x1").is_err());
    }

    #[test]
    fn decimals() {
        for ok in ["199", "199.00", "-0.5", "0"] {
            assert!(is_decimal(ok), "{ok}");
        }
        for bad in ["", "1.", ".5", "1,5", "1e3", "abc", "-"] {
            assert!(!is_decimal(bad), "{bad}");
        }
    }

    #[test]
    fn uris_join() {
        let base = "https://schemas.pim.invalid/families/apparel.schema.json";
        assert_eq!(
            join_uri(base, "../product.schema.json"),
            "https://schemas.pim.invalid/product.schema.json"
        );
        assert_eq!(
            join_uri(base, "shoe.schema.json"),
            "https://schemas.pim.invalid/families/shoe.schema.json"
        );
        assert_eq!(
            join_uri(base, "../../../x.json"),
            "https://schemas.pim.invalid/x.json"
        );
    }
}

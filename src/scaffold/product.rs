//! `pim new`: a product file with a placeholder for every attribute its schemas require, or
//! a variant added to its product's file.

use crate::catalog::{self, ProductPath, Project};
use crate::diag::{Diagnostic, Severity};
use crate::schema::{self, PRODUCT_SCHEMA};
use crate::source::yaml::{self, Node};
use crate::suggest;
use crate::validate::{self, CheckOptions};
use anyhow::{Context, Result, anyhow, bail};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// What `pim new` is asked to do.
#[derive(Clone, Debug)]
pub struct NewOptions {
    pub sku: String,
    pub family: String,
    /// Add the SKU as a variant of this product instead of writing a new file.
    pub variant_of: Option<String>,
}

/// What `pim new` wrote.
#[derive(Clone, Debug)]
pub struct NewOutcome {
    /// The file written, relative to the project root.
    pub file: String,
    /// The product the variant was added to (`--variant-of`).
    pub parent: Option<String>,
    /// The attributes written as placeholders, to fill in.
    pub placeholders: Vec<String>,
    /// What `pim validate` reports on the new product as written (placeholders it rejects).
    pub problems: Vec<Diagnostic>,
}

/// Writes the new product (or variant) of `options` into the project at `project.root`.
pub fn new_product(project: &Project, options: &NewOptions) -> Result<NewOutcome> {
    let sku = options.sku.trim();
    check_file_name(sku)?;
    let Some(family) = project.schemas.families.get(&options.family) else {
        let known: Vec<&str> = project
            .schemas
            .families
            .keys()
            .map(String::as_str)
            .collect();
        let hint = suggest::did_you_mean(&options.family, known.iter().copied());
        let list = if known.is_empty() {
            "none yet".to_owned()
        } else {
            known.join(", ")
        };
        let families = format!(
            "amilies are the schemas in {}/families/: {list}",
            project.config.project.schemas.display()
        );
        if hint.is_empty() {
            bail!("unknown family `{}`; the f{families}", options.family);
        }
        bail!("unknown family `{}`{hint} The f{families}", options.family);
    };
    let validation = validate::validate_catalog(project, CheckOptions::default())?;
    if let Some((file, _)) = validation.checked.iter().find_map(|c| {
        let facts = c.facts.as_ref()?;
        facts
            .skus
            .iter()
            .find(|s| s.value.eq_ignore_ascii_case(sku))
            .map(|s| (c.file.rel.as_str(), s))
    }) {
        bail!(
            "the SKU `{sku}` already exists in {file} (SKUs are compared case-insensitively); choose another"
        );
    }
    let dictionary = Dictionary {
        project,
        documents: project.schemas.documents(),
        family: &options.family,
    };
    match &options.variant_of {
        None => write_product(project, &dictionary, sku),
        Some(parent) => add_variant(
            project,
            &dictionary,
            &validation,
            sku,
            parent,
            // A new variant is one of the first level.
            family.variant_axes.first().map_or(&[][..], Vec::as_slice),
        ),
    }
}

/// The SKU names the file: it must be a plain file name.
fn check_file_name(sku: &str) -> Result<()> {
    let bad = sku.is_empty()
        || sku.starts_with('.')
        || sku.starts_with('-')
        || sku
            .chars()
            .any(|c| c.is_control() || "/\\:*?\"<>|".contains(c));
    if bad {
        bail!(
            "`{sku}` cannot be a SKU here: it names the product's file, so use letters, digits and dashes"
        );
    }
    Ok(())
}

fn write_product(project: &Project, dictionary: &Dictionary<'_>, sku: &str) -> Result<NewOutcome> {
    let family = dictionary.family;
    let folder = project
        .root
        .join(&project.config.project.catalog)
        .join(family);
    let path = folder.join(format!("{sku}.yaml"));
    let rel = catalog::relative(&project.root, &path);
    if path.exists() {
        bail!("{rel} already exists; pim new never overwrites a file");
    }
    let (text, placeholders) = dictionary.product_text(sku);
    let problems = check(project, &rel, &text)?;
    refuse_rejected_sku(&problems, "/sku", sku)?;
    std::fs::create_dir_all(&folder)
        .with_context(|| format!("cannot create the folder {}", folder.display()))?;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .with_context(|| format!("cannot create {rel}"))?;
    std::io::Write::write_all(&mut file, text.as_bytes())
        .with_context(|| format!("cannot write {rel}"))?;
    Ok(NewOutcome {
        file: rel,
        parent: None,
        placeholders,
        problems,
    })
}

fn add_variant(
    project: &Project,
    dictionary: &Dictionary<'_>,
    validation: &validate::Validation,
    sku: &str,
    parent: &str,
    axes: &[String],
) -> Result<NewOutcome> {
    let found = validation.checked.iter().find_map(|c| {
        let facts = c.facts.as_ref()?;
        let s = facts
            .skus
            .iter()
            .find(|s| s.value.eq_ignore_ascii_case(parent))?;
        Some((c, s))
    });
    let Some((checked, located)) = found else {
        let products: Vec<&str> = validation
            .checked
            .iter()
            .filter_map(|c| c.sku.as_deref())
            .collect();
        bail!(
            "no product `{parent}` in the catalog{}",
            suggest::did_you_mean(parent, products.iter().copied())
        );
    };
    if located.pointer != "/sku" {
        let product = checked.sku.as_deref().unwrap_or("its product");
        bail!(
            "`{parent}` is a variant of {product} ({}); give the product: --variant-of {product}",
            checked.file.rel
        );
    }
    let parent_sku = located.value.clone();
    let rel = checked.file.rel.clone();
    let text = std::fs::read_to_string(&checked.file.path)
        .with_context(|| format!("cannot read {rel}"))?;
    let (root, _) = yaml::parse(&text, &rel, &project.config.limits)
        .map_err(|d| anyhow!("{rel} cannot be read as a product: {}", d.message))?;
    let family = root.get("family").and_then(Node::as_str).unwrap_or("");
    if family != dictionary.family {
        bail!(
            "{parent_sku} is of family `{family}`, not `{}`; a variant belongs to its product's family",
            dictionary.family
        );
    }
    let existing = existing_axes(&root, axes);
    let (lines, placeholders) = dictionary.variant_lines(sku, axes, &existing);
    let (edited, index) = insert_variant(&text, &root, &lines, &rel)?;
    let problems = check(project, &rel, &edited)?;
    let pointer = format!("/variants/{index}/sku");
    refuse_rejected_sku(&problems, &pointer, sku)?;
    // Only what the new variant brings: the product's own problems are not ours to report.
    let before: BTreeSet<(String, String)> = check(project, &rel, &text)?
        .into_iter()
        .map(|d| (d.rule.id(), d.message))
        .collect();
    let problems = problems
        .into_iter()
        .filter(|d| !before.contains(&(d.rule.id(), d.message.clone())))
        .collect();
    crate::fsutil::stage(&checked.file.path, edited.as_bytes())?.commit()?;
    Ok(NewOutcome {
        file: rel,
        parent: Some(parent_sku),
        placeholders,
        problems,
    })
}

/// The axis values the product's variants already use.
fn existing_axes(root: &Node, axes: &[String]) -> BTreeSet<Vec<String>> {
    let Some(Node {
        value: yaml::Value::Seq(variants),
        ..
    }) = root.get("variants")
    else {
        return BTreeSet::new();
    };
    variants
        .iter()
        .map(|v| {
            axes.iter()
                .map(|a| {
                    v.get(a)
                        .map(|n| n.to_json().to_string())
                        .unwrap_or_default()
                })
                .collect()
        })
        .collect()
}

/// The product file's text with the variant's lines appended to its `variants` list (a
/// new list at the end when it has none), and the new variant's index.
fn insert_variant(text: &str, root: &Node, lines: &[String], rel: &str) -> Result<(String, usize)> {
    let block = |dash: &str, content: &str| {
        let mut out = String::new();
        for (i, line) in lines.iter().enumerate() {
            let lead = if i == 0 { dash } else { content };
            let _ = writeln!(out, "{lead}{line}");
        }
        out
    };
    let Some((_, variants)) = root.entry("variants") else {
        let mut edited = text.to_owned();
        if !edited.is_empty() && !edited.ends_with('\n') {
            edited.push('\n');
        }
        edited.push_str("variants:\n");
        edited.push_str(&block("  - ", "    "));
        return Ok((edited, 0));
    };
    let yaml::Value::Seq(items) = &variants.value else {
        bail!("{rel}: `variants` is not a list; fix it before adding a variant");
    };
    let (Some(first), Some(last)) = (items.first(), items.last()) else {
        bail!(
            "{rel}: `variants` is an empty list written in flow style (`[]`); write the variants one per line to add one with pim new"
        );
    };
    let line_start = |offset: usize| {
        text.get(..offset)
            .and_then(|t| t.rfind('\n'))
            .map_or(0, |i| i + 1)
    };
    let prefix = text
        .get(line_start(first.span.start)..first.span.start)
        .unwrap_or("");
    let Some(dash) = prefix.find('-').filter(|_| prefix.trim() == "-") else {
        bail!(
            "{rel}: the variants are written in flow style (`[...]`); write them one per line to add one with pim new"
        );
    };
    let width = prefix.chars().count();
    let content = " ".repeat(width);
    let dash_prefix = format!("{}-{}", " ".repeat(dash), " ".repeat(width - dash - 1));
    // The last variant ends before the first line that is indented no deeper than the
    // dashes (blank lines and deeper comments belong to it).
    let mut at = line_start(last.span.start);
    let mut end = text.len();
    let mut first_line = true;
    for line in text.get(at..).unwrap_or("").split_inclusive('\n') {
        let indent = line.len() - line.trim_start_matches(' ').len();
        let blank = line.trim().is_empty();
        if !first_line && !blank && indent <= dash {
            end = at;
            break;
        }
        first_line = false;
        at += line.len();
    }
    // Trailing blank lines stay after the new variant.
    let body = text.get(..end).unwrap_or(text);
    let at = body.trim_end_matches(['\n', ' ', '\r']).len();
    let at = text
        .get(at..)
        .and_then(|rest| rest.find('\n'))
        .map_or(text.len(), |i| at + i + 1);
    let mut edited = String::with_capacity(text.len() + 200);
    edited.push_str(text.get(..at).unwrap_or(text));
    if !edited.ends_with('\n') {
        edited.push('\n');
    }
    edited.push_str(&block(&dash_prefix, &content));
    edited.push_str(text.get(at..).unwrap_or(""));
    Ok((edited, items.len()))
}

/// Checks a product file's new text on its own (the rules that need no other file).
fn check(project: &Project, rel: &str, text: &str) -> Result<Vec<Diagnostic>> {
    let file = ProductPath {
        path: project.root.join(rel),
        rel: rel.to_owned(),
    };
    let checked = validate::check_bytes(
        project,
        0,
        &file,
        text.as_bytes().to_vec(),
        CheckOptions::default(),
    );
    let mut diagnostics = validate::apply_levels(project, checked.diagnostics);
    crate::source::resolve_positions_with(&mut diagnostics, |_| Some(text.as_bytes().to_vec()));
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    Ok(diagnostics)
}

/// An error at the SKU means the schema rejects it: nothing is written.
fn refuse_rejected_sku(problems: &[Diagnostic], pointer: &str, sku: &str) -> Result<()> {
    if let Some(d) = problems
        .iter()
        .find(|d| d.severity == Severity::Error && d.pointer.as_deref() == Some(pointer))
    {
        let help = d
            .help
            .as_deref()
            .map(|h| format!(" ({h})"))
            .unwrap_or_default();
        bail!(
            "the schema rejects the SKU `{sku}`: {}{help}; nothing was written",
            d.message
        );
    }
    Ok(())
}

/// The attribute dictionary of one family, for placeholders.
struct Dictionary<'a> {
    project: &'a Project,
    documents: BTreeMap<String, Value>,
    family: &'a str,
}

/// A value to write, with a hint for the user.
enum Placeholder {
    Scalar(String),
    Map(Vec<(String, Placeholder)>),
    List(Vec<Placeholder>),
}

impl Dictionary<'_> {
    fn family_rel(&self) -> String {
        format!("families/{}.schema.json", self.family)
    }

    /// A schema node with its `$ref`s followed, and the document it is in.
    fn follow<'v>(&'v self, mut rel: String, mut node: &'v Value) -> (String, &'v Value) {
        for _ in 0..16 {
            let Some(reference) = node.get("$ref").and_then(Value::as_str) else {
                break;
            };
            let Some((target, fragment)) = schema::ref_target(&rel, reference) else {
                break;
            };
            let Some(next) = self
                .documents
                .get(&target)
                .and_then(|doc| doc.pointer(&fragment))
            else {
                break;
            };
            (rel, node) = (target, next);
        }
        (rel, node)
    }

    /// An attribute's schema: the family's, else the product schema's.
    fn attribute(&self, name: &str) -> Option<(String, &Value)> {
        [self.family_rel(), PRODUCT_SCHEMA.to_owned()]
            .into_iter()
            .find_map(|rel| {
                let node = self.documents.get(&rel)?.get("properties")?.get(name)?;
                Some(self.follow(rel, node))
            })
    }

    /// The `required` list of the product and the family schemas, in order, each once.
    fn required(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for rel in [PRODUCT_SCHEMA.to_owned(), self.family_rel()] {
            let names = self
                .documents
                .get(&rel)
                .and_then(|d| d.get("required"))
                .and_then(Value::as_array);
            for name in names.into_iter().flatten().filter_map(Value::as_str) {
                if !out.iter().any(|n| n == name) {
                    out.push(name.to_owned());
                }
            }
        }
        out
    }

    /// Every attribute of the product and family schemas, for the comment that lists them.
    fn attributes(&self) -> BTreeSet<String> {
        [PRODUCT_SCHEMA.to_owned(), self.family_rel()]
            .iter()
            .filter_map(|rel| self.documents.get(rel)?.get("properties")?.as_object())
            .flat_map(|props| props.keys().cloned())
            .collect()
    }

    fn placeholder(&self, name: &str, rel: &str, node: &Value) -> Placeholder {
        let (rel, node) = self.follow(rel.to_owned(), node);
        let p = &self.project.config.project;
        match node.get("x-pim").and_then(Value::as_str) {
            Some("localized") => {
                return Placeholder::Map(vec![(
                    p.default_locale.clone(),
                    Placeholder::Scalar("TODO".into()),
                )]);
            }
            Some("price") => {
                return Placeholder::Map(
                    p.currencies
                        .iter()
                        .map(|c| (c.clone(), Placeholder::Scalar("\"0.00\"".into())))
                        .collect(),
                );
            }
            _ => {}
        }
        if name == "categories"
            && let Some(code) = self.category()
        {
            return Placeholder::List(vec![Placeholder::Scalar(scalar(&code))]);
        }
        if let Some(value) = node.get("const") {
            return Placeholder::Scalar(literal(value));
        }
        if let Some(first) = node
            .get("enum")
            .and_then(Value::as_array)
            .and_then(|e| e.first())
        {
            return Placeholder::Scalar(literal(first));
        }
        for key in ["anyOf", "oneOf", "allOf"] {
            if let Some(first) = node
                .get(key)
                .and_then(Value::as_array)
                .and_then(|b| b.first())
            {
                return self.placeholder(name, &rel, first);
            }
        }
        let kind = match node.get("type") {
            Some(Value::String(t)) => t.as_str(),
            Some(Value::Array(types)) => types
                .iter()
                .filter_map(Value::as_str)
                .find(|t| *t != "null")
                .unwrap_or("string"),
            _ if node.get("properties").is_some() => "object",
            _ => "string",
        };
        match kind {
            "object" => {
                let required = node.get("required").and_then(Value::as_array);
                let properties = node.get("properties");
                Placeholder::Map(
                    required
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .map(|key| {
                            let child = properties.and_then(|p| p.get(key)).unwrap_or(&Value::Null);
                            (key.to_owned(), self.placeholder(key, &rel, child))
                        })
                        .collect(),
                )
            }
            "array" => match node.get("items") {
                Some(items) => Placeholder::List(vec![self.placeholder(name, &rel, items)]),
                None => Placeholder::List(vec![Placeholder::Scalar("TODO".into())]),
            },
            "integer" | "number" => Placeholder::Scalar(
                node.get("minimum")
                    .filter(|m| m.is_number())
                    .map_or_else(|| "0".to_owned(), Value::to_string),
            ),
            "boolean" => Placeholder::Scalar("false".into()),
            _ if node.get("format").and_then(Value::as_str) == Some("decimal") => {
                Placeholder::Scalar("\"0\"".into())
            }
            _ => Placeholder::Scalar("TODO".into()),
        }
    }

    /// A category for the placeholder: one named like the family, else the first code.
    fn category(&self) -> Option<String> {
        let categories = &self.project.categories;
        categories
            .keys()
            .find(|code| code.as_str() == self.family)
            .or_else(|| categories.keys().next())
            .cloned()
    }

    /// The new product's file and the attributes given placeholders.
    fn product_text(&self, sku: &str) -> (String, Vec<String>) {
        let mut out = format!(
            "# A new {} product: replace each placeholder (TODO, 0.00, ...), then set status: active.\n",
            self.family
        );
        let mut placeholders = Vec::new();
        let _ = writeln!(out, "sku: {}", scalar(sku));
        let _ = writeln!(out, "family: {}", scalar(self.family));
        let _ = writeln!(out, "status: draft");
        for name in self.required() {
            if ["sku", "family", "status", "variants"].contains(&name.as_str()) {
                continue;
            }
            let Some((rel, node)) = self.attribute(&name) else {
                continue;
            };
            let value = self.placeholder(&name, &rel, node);
            render(&mut out, &name, &value, 0);
            placeholders.push(name);
        }
        let others: Vec<String> = self
            .attributes()
            .into_iter()
            .filter(|a| {
                !placeholders.contains(a) && !["sku", "family", "status"].contains(&a.as_str())
            })
            .collect();
        if !others.is_empty() {
            let _ = writeln!(out, "# Other attributes: {}.", others.join(", "));
        }
        if let Some(family) = self.project.schemas.families.get(self.family)
            && !family.variant_axes.is_empty()
        {
            let _ = writeln!(
                out,
                "# Variants, one per {}: pim new SKU --family {} --variant-of {sku}",
                family.variant_axes.concat().join(" and "),
                self.family
            );
        }
        (out, placeholders)
    }

    /// The lines of a new variant (without indentation), choosing axis values no other
    /// variant of the product has where the schema lists them.
    fn variant_lines(
        &self,
        sku: &str,
        axes: &[String],
        existing: &BTreeSet<Vec<String>>,
    ) -> (Vec<String>, Vec<String>) {
        let mut lines = vec![format!("sku: {}", scalar(sku))];
        let options: Vec<Vec<Value>> = axes.iter().map(|axis| self.axis_values(axis)).collect();
        let chosen = unused_combination(&options, existing);
        let mut placeholders = Vec::new();
        for (i, axis) in axes.iter().enumerate() {
            let value = chosen
                .as_ref()
                .and_then(|c| c.get(i))
                .map_or_else(|| "TODO".to_owned(), literal);
            lines.push(format!("{axis}: {value}"));
            placeholders.push(axis.clone());
        }
        // What the product schema requires of each variant, besides its SKU.
        let item = self
            .documents
            .get(PRODUCT_SCHEMA)
            .and_then(|d| d.pointer("/properties/variants/items"))
            .map(|node| self.follow(PRODUCT_SCHEMA.to_owned(), node));
        if let Some((rel, item)) = item {
            let required = item.get("required").and_then(Value::as_array);
            for name in required.into_iter().flatten().filter_map(Value::as_str) {
                if name == "sku" || axes.iter().any(|a| a == name) {
                    continue;
                }
                let node = item
                    .get("properties")
                    .and_then(|p| p.get(name))
                    .unwrap_or(&Value::Null);
                let mut text = String::new();
                render(&mut text, name, &self.placeholder(name, &rel, node), 0);
                lines.extend(text.lines().map(str::to_owned));
                placeholders.push(name.to_owned());
            }
        }
        (lines, placeholders)
    }

    /// The values an axis may take, where its schema lists them (`enum`).
    fn axis_values(&self, axis: &str) -> Vec<Value> {
        let in_variants = [self.family_rel(), PRODUCT_SCHEMA.to_owned()]
            .into_iter()
            .find_map(|rel| {
                let node = self
                    .documents
                    .get(&rel)?
                    .pointer(&format!("/properties/variants/items/properties/{axis}"))?;
                Some(self.follow(rel, node))
            });
        in_variants
            .or_else(|| self.attribute(axis))
            .and_then(|(_, node)| node.get("enum").and_then(Value::as_array).cloned())
            .unwrap_or_default()
    }
}

/// The first combination of axis values (in the schemas' order) that no variant has.
fn unused_combination(
    options: &[Vec<Value>],
    existing: &BTreeSet<Vec<String>>,
) -> Option<Vec<Value>> {
    if options.iter().any(Vec::is_empty) {
        return None;
    }
    let mut index = vec![0usize; options.len()];
    for _ in 0..10_000 {
        let combination: Vec<Value> = index
            .iter()
            .zip(options)
            .filter_map(|(i, values)| values.get(*i).cloned())
            .collect();
        let key: Vec<String> = combination.iter().map(Value::to_string).collect();
        if !existing.contains(&key) {
            return Some(combination);
        }
        // The next combination, the last axis fastest.
        let mut position = options.len();
        loop {
            let p = position.checked_sub(1)?;
            position = p;
            let (Some(slot), Some(values)) = (index.get_mut(p), options.get(p)) else {
                return None;
            };
            *slot += 1;
            if *slot < values.len() {
                break;
            }
            *slot = 0;
        }
    }
    None
}

/// YAML lines for `name: value`, indented by `indent` spaces.
fn render(out: &mut String, name: &str, value: &Placeholder, indent: usize) {
    let pad = " ".repeat(indent);
    match value {
        Placeholder::Scalar(text) => {
            let _ = writeln!(out, "{pad}{name}: {text}");
        }
        Placeholder::Map(entries) if entries.is_empty() => {
            let _ = writeln!(out, "{pad}{name}: {{}}");
        }
        Placeholder::Map(entries) => {
            let _ = writeln!(out, "{pad}{name}:");
            for (key, value) in entries {
                render(out, &scalar(key), value, indent + 2);
            }
        }
        Placeholder::List(items) => {
            let _ = writeln!(out, "{pad}{name}:");
            for item in items {
                match item {
                    Placeholder::Scalar(text) => {
                        let _ = writeln!(out, "{pad}  - {text}");
                    }
                    Placeholder::Map(entries) if !entries.is_empty() => {
                        let mut text = String::new();
                        for (key, value) in entries {
                            render(&mut text, &scalar(key), value, indent + 4);
                        }
                        let text = text.replacen(&format!("{pad}    "), &format!("{pad}  - "), 1);
                        out.push_str(&text);
                    }
                    _ => {
                        let _ = writeln!(out, "{pad}  - TODO");
                    }
                }
            }
        }
    }
}

/// A string as a YAML scalar: plain where YAML reads it back as the same string, else quoted.
fn scalar(text: &str) -> String {
    let plain = text.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_. /".contains(c))
        && !text.ends_with(' ')
        && !matches!(
            text.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n" | "nan" | "inf"
        );
    if plain {
        text.to_owned()
    } else {
        Value::String(text.to_owned()).to_string()
    }
}

/// A JSON value from a schema (`enum`, `const`) as a YAML scalar.
fn literal(value: &Value) -> String {
    match value {
        Value::String(s) => scalar(s),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_are_quoted_when_yaml_would_read_them_otherwise() {
        assert_eq!(scalar("TSHIRT-002"), "TSHIRT-002");
        assert_eq!(scalar("10045"), "\"10045\"");
        assert_eq!(scalar("no"), "\"no\"");
        assert_eq!(scalar("a: b"), "\"a: b\"");
        assert_eq!(scalar("en-US"), "en-US");
    }

    #[test]
    fn the_first_unused_combination_is_chosen() {
        let options = vec![
            vec![Value::from("black"), Value::from("white")],
            vec![Value::from("M"), Value::from("L")],
        ];
        let existing: BTreeSet<Vec<String>> = [
            vec!["\"black\"".to_owned(), "\"M\"".to_owned()],
            vec!["\"black\"".to_owned(), "\"L\"".to_owned()],
        ]
        .into_iter()
        .collect();
        assert_eq!(
            unused_combination(&options, &existing),
            Some(vec![Value::from("white"), Value::from("M")])
        );
        let all: BTreeSet<Vec<String>> = ["black", "white"]
            .iter()
            .flat_map(|c| {
                ["M", "L"]
                    .iter()
                    .map(move |s| vec![format!("\"{c}\""), format!("\"{s}\"")])
            })
            .collect();
        assert_eq!(unused_combination(&options, &all), None);
    }

    #[test]
    fn a_variant_goes_after_the_last_one_with_its_indentation() {
        let text = "sku: A-1\nvariants:\n  - sku: A-1-S\n    size: S\n# end\n";
        let (root, _) = yaml::parse(text, "a.yaml", &crate::config::Limits::default()).unwrap();
        let lines = vec!["sku: A-1-M".to_owned(), "size: M".to_owned()];
        let (edited, index) = insert_variant(text, &root, &lines, "a.yaml").unwrap();
        assert_eq!(index, 1);
        assert_eq!(
            edited,
            "sku: A-1\nvariants:\n  - sku: A-1-S\n    size: S\n  - sku: A-1-M\n    size: M\n# end\n"
        );
        let flush = "sku: A-1\nvariants:\n- sku: A-1-S\n  size: S";
        let (root, _) = yaml::parse(flush, "a.yaml", &crate::config::Limits::default()).unwrap();
        let (edited, _) = insert_variant(flush, &root, &lines, "a.yaml").unwrap();
        assert_eq!(
            edited,
            "sku: A-1\nvariants:\n- sku: A-1-S\n  size: S\n- sku: A-1-M\n  size: M\n"
        );
        let none = "sku: A-1\n";
        let (root, _) = yaml::parse(none, "a.yaml", &crate::config::Limits::default()).unwrap();
        let (edited, index) = insert_variant(none, &root, &lines, "a.yaml").unwrap();
        assert_eq!(index, 0);
        assert_eq!(edited, "sku: A-1\nvariants:\n  - sku: A-1-M\n    size: M\n");
        let flow = "sku: A-1\nvariants: [{sku: A-1-S}]\n";
        let (root, _) = yaml::parse(flow, "a.yaml", &crate::config::Limits::default()).unwrap();
        assert!(insert_variant(flow, &root, &lines, "a.yaml").is_err());
    }
}

//! Channels: the plan of a channel from `pim.toml`, and which items it takes, each with its
//! values resolved, its filter result and its completeness.

use crate::catalog::{Checked, Project};
use crate::config::{self, OutputFormat};
use crate::resolve::{self, Target};
use anyhow::{Result, anyhow, bail};
use serde_json::Value;

/// The default filter: only active items.
pub const DEFAULT_FILTER: &str = "status == 'active'";

/// One channel, ready to evaluate items.
pub struct Channel<'p> {
    pub name: String,
    pub config: &'p config::Channel,
    pub format: OutputFormat,
    pub locale: String,
    pub currency: String,
    pub target: Target,
    pub filter: String,
    pub formula_guard: bool,
}

impl<'p> Channel<'p> {
    fn new(project: &'p Project, name: &str, config: &'p config::Channel) -> Result<Channel<'p>> {
        let p = &project.config.project;
        let format = match config.format {
            Some(f) => f,
            None => format_from_template(&config.template).ok_or_else(|| {
                anyhow!(
                    "[channels.{name}] cannot tell the format from the template name `{}`; set `format` to csv, tsv, json, jsonl, xml or html",
                    config.template
                )
            })?,
        };
        let locale = config
            .locale
            .clone()
            .unwrap_or_else(|| p.default_locale.clone());
        let currency = match &config.currency {
            Some(c) => c.clone(),
            None => p.currencies.first().cloned().unwrap_or_default(),
        };
        let target = Target {
            locales: resolve::locale_chain(&locale, &p.fallbacks, &p.default_locale),
            currency: currency.clone(),
            units: config.units.clone(),
        };
        Ok(Channel {
            name: name.to_owned(),
            config,
            format,
            locale,
            currency,
            target,
            filter: config
                .filter
                .clone()
                .unwrap_or_else(|| DEFAULT_FILTER.to_owned()),
            formula_guard: config.formula_guard.unwrap_or(format == OutputFormat::Csv),
        })
    }
}

/// `marketplace.csv.j2` → csv.
pub fn format_from_template(template: &str) -> Option<OutputFormat> {
    let name = template.rsplit('/').next().unwrap_or(template);
    let stem = [".j2", ".jinja2", ".jinja"]
        .iter()
        .find_map(|ext| name.strip_suffix(ext))
        .unwrap_or(name);
    match stem.rsplit_once('.')?.1.to_ascii_lowercase().as_str() {
        "csv" => Some(OutputFormat::Csv),
        "tsv" => Some(OutputFormat::Tsv),
        "json" => Some(OutputFormat::Json),
        "jsonl" | "ndjson" => Some(OutputFormat::Jsonl),
        "xml" | "rss" => Some(OutputFormat::Xml),
        "html" | "htm" => Some(OutputFormat::Html),
        _ => None,
    }
}

/// The channels named (or all of them, in name order).
pub fn plan<'p>(project: &'p Project, names: &[String], all: bool) -> Result<Vec<Channel<'p>>> {
    let channels = &project.config.channels;
    if all {
        if channels.is_empty() {
            bail!("pim.toml defines no channels; add a [channels.NAME] table");
        }
        return channels
            .iter()
            .map(|(n, c)| Channel::new(project, n, c))
            .collect();
    }
    let mut out = Vec::new();
    for name in names {
        if out.iter().any(|c: &Channel<'_>| &c.name == name) {
            continue;
        }
        let config = channels.get(name).ok_or_else(|| {
            let known: Vec<&str> = channels.keys().map(String::as_str).collect();
            anyhow!(
                "no channel `{name}` in pim.toml; the channels are: {}",
                if known.is_empty() {
                    "(none)".to_owned()
                } else {
                    known.join(", ")
                }
            )
        })?;
        out.push(Channel::new(project, name, config)?);
    }
    Ok(out)
}

/// One sellable item as a channel sees it.
pub struct Item {
    /// Index of the product file in the checked files.
    pub file_index: usize,
    /// The variant's index, `None` for a product without variants.
    pub variant: Option<usize>,
    pub sku: String,
    /// The parent's SKU, for a variant.
    pub parent_sku: Option<String>,
    /// The channel's filter accepts it.
    pub selected: bool,
    /// Required attributes it lacks, and its completeness in percent.
    pub missing: Vec<String>,
    pub percent: u32,
}

/// Evaluates every item of every parsed product for a channel, in file order: filter and
/// completeness. Values are not kept: an export resolves them again as it renders.
pub fn evaluate(
    project: &Project,
    channel: &Channel<'_>,
    checked: &[Checked],
) -> Result<Vec<Item>> {
    evaluate_files(project, channel, checked, None)
}

/// [`evaluate`], for the product files whose indexes `only` holds (all when `None`).
pub fn evaluate_files(
    project: &Project,
    channel: &Channel<'_>,
    checked: &[Checked],
    only: Option<&std::collections::HashSet<usize>>,
) -> Result<Vec<Item>> {
    use rayon::prelude::*;
    let mut env = minijinja::Environment::new();
    // Undefined values are simply false in a filter, never an error.
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
    let filter = env.compile_expression(&channel.filter).map_err(|e| {
        anyhow!(
            "[channels.{}] filter `{}` is not a valid expression: {e}",
            channel.name,
            channel.filter
        )
    })?;
    let per_file: Vec<Result<Vec<Item>>> = checked
        .par_iter()
        .enumerate()
        .map(|(file_index, c)| {
            if only.is_some_and(|only| !only.contains(&file_index)) {
                return Ok(Vec::new());
            }
            let Some(value) = c.json() else {
                return Ok(Vec::new());
            };
            product_items(project, channel, &filter, file_index, c, &value)
        })
        .collect();
    let mut items = Vec::new();
    for result in per_file {
        items.extend(result?);
    }
    Ok(items)
}

fn product_items(
    project: &Project,
    channel: &Channel<'_>,
    filter: &minijinja::Expression<'_, '_>,
    file_index: usize,
    checked: &Checked,
    product: &Value,
) -> Result<Vec<Item>> {
    let family = product
        .get("family")
        .and_then(Value::as_str)
        .and_then(|f| project.schemas.families.get(f));
    let parent_sku = product.get("sku").cloned().unwrap_or(Value::Null);
    let mut out = Vec::new();
    for (variant, raw) in resolve::items(product) {
        let annotations = project.schemas.annotations(&raw, family);
        let (missing, percent) = resolve::completeness(
            &raw,
            |a| project.schemas.property_kind(a, family),
            &channel.config.required,
            &channel.locale,
            &channel.currency,
        );
        let parent = variant.map(|_| &parent_sku);
        let values = item_values(
            &channel.target,
            raw,
            &annotations,
            parent,
            &checked.file.rel,
        );
        let sku = values
            .get("sku")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let selected = filter
            .eval(minijinja::Value::from(minijinja::value::Serde(&values)))
            .map_err(|e| {
                anyhow!(
                    "[channels.{}] filter `{}` failed on {}: {e}",
                    channel.name,
                    channel.filter,
                    checked.file.rel
                )
            })?
            .is_true();
        out.push(Item {
            file_index,
            variant,
            sku,
            parent_sku: variant.and_then(|_| parent_sku.as_str().map(str::to_owned)),
            selected,
            missing,
            percent,
        });
    }
    Ok(out)
}

/// An item's values as templates see them: resolved for the channel, plus `parent_sku`
/// (none for a product without variants), `status` (draft when absent), `categories` and
/// `file`.
pub fn item_values(
    target: &Target,
    mut values: Value,
    annotations: &[(String, crate::schema::Annotation)],
    parent_sku: Option<&Value>,
    file: &str,
) -> Value {
    resolve::resolve(&mut values, annotations, target);
    if let Value::Object(map) = &mut values {
        map.insert(
            "parent_sku".into(),
            parent_sku.cloned().unwrap_or(Value::Null),
        );
        map.entry("status")
            .or_insert_with(|| Value::String("draft".into()));
        map.entry("categories")
            .or_insert_with(|| Value::Array(Vec::new()));
        map.insert("file".into(), Value::String(file.to_owned()));
    }
    values
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_from_template_names() {
        assert_eq!(
            format_from_template("marketplace.csv.j2"),
            Some(OutputFormat::Csv)
        );
        assert_eq!(
            format_from_template("feeds/google.tsv.jinja"),
            Some(OutputFormat::Tsv)
        );
        assert_eq!(format_from_template("shop.html"), Some(OutputFormat::Html));
        assert_eq!(
            format_from_template("api.jsonl.j2"),
            Some(OutputFormat::Jsonl)
        );
        assert_eq!(format_from_template("feed.j2"), None);
    }
}

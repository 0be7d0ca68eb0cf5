//! What a channel takes: every item of the catalog evaluated once per run for the channels
//! asked for (values resolved once per locale, currency and units), its filter result and
//! its completeness; then the selection of what a channel exports and what it leaves out.

use crate::catalog::{Checked, Project};
use crate::config::ChannelSpec;
use crate::diag::{Diagnostic, Severity};
use crate::resolve::{self, Target};
use crate::view;
use anyhow::{Result, anyhow};
use rayon::prelude::*;
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

/// An item by its product file (index into the checked files) and variant index.
pub type ItemKey = (usize, Option<usize>);

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
    /// Its values resolved for the channel, as compact JSON text: kept, when asked, for
    /// the items the channel may export, so rendering does not resolve them again.
    pub values: Option<Arc<str>>,
}

/// Evaluates every item of every parsed product for each channel, in file order. Each
/// product is parsed once and each item resolved once per distinct [`Target`], however
/// many channels share it. `only` limits the work to some product files (all when `None`);
/// `keep_values` keeps the resolved values of the items a channel may export.
pub fn evaluate(
    project: &Project,
    channels: &[&ChannelSpec],
    checked: &[Checked],
    only: Option<&HashSet<usize>>,
    keep_values: bool,
) -> Result<Vec<Vec<Item>>> {
    let mut env = minijinja::Environment::new();
    // Undefined values are simply false in a filter, never an error.
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
    let filters = channels
        .iter()
        .map(|c| {
            env.compile_expression(&c.filter).map_err(|e| {
                anyhow!(
                    "[channels.{}] filter `{}` is not a valid expression: {e}",
                    c.name,
                    c.filter
                )
            })
        })
        .collect::<Result<Vec<_>>>()?;
    // Channels that see values alike share one resolution.
    let mut targets: Vec<(&Target, Vec<usize>)> = Vec::new();
    for (i, c) in channels.iter().enumerate() {
        match targets.iter_mut().find(|(t, _)| **t == c.target) {
            Some((_, members)) => members.push(i),
            None => targets.push((&c.target, vec![i])),
        }
    }
    let plan = Plan {
        project,
        channels,
        filters: &filters,
        targets: &targets,
        keep_values,
    };
    let per_file: Vec<Result<Vec<Vec<Item>>>> = checked
        .par_iter()
        .enumerate()
        .map(|(file_index, c)| {
            if only.is_some_and(|only| !only.contains(&file_index)) {
                return Ok(Vec::new());
            }
            let Some(value) = c.json() else {
                return Ok(Vec::new());
            };
            plan.product(file_index, c, &value)
        })
        .collect();
    let mut out: Vec<Vec<Item>> = channels.iter().map(|_| Vec::new()).collect();
    for result in per_file {
        for (slot, items) in out.iter_mut().zip(result?) {
            slot.extend(items);
        }
    }
    Ok(out)
}

/// What [`evaluate`] does for each product.
struct Plan<'a> {
    project: &'a Project,
    channels: &'a [&'a ChannelSpec],
    filters: &'a [minijinja::Expression<'a, 'a>],
    targets: &'a [(&'a Target, Vec<usize>)],
    keep_values: bool,
}

impl Plan<'_> {
    /// The product's items for each channel, in channel order.
    fn product(
        &self,
        file_index: usize,
        checked: &Checked,
        product: &Value,
    ) -> Result<Vec<Vec<Item>>> {
        let family = product
            .get("family")
            .and_then(Value::as_str)
            .and_then(|f| self.project.schemas.families.get(f));
        let parent_sku = product.get("sku").cloned().unwrap_or(Value::Null);
        let mut out: Vec<Vec<Item>> = self.channels.iter().map(|_| Vec::new()).collect();
        for (variant, raw) in resolve::items(product) {
            let annotations = self.project.schemas.annotations(&raw, family);
            let parent = variant.map(|_| &parent_sku);
            for (target, members) in self.targets {
                let values =
                    item_values(target, raw.clone(), &annotations, parent, &checked.file.rel);
                let sku = values
                    .get("sku")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                let mut text: Option<Arc<str>> = None;
                let view = view::of_json(values);
                for &i in members {
                    let (Some(channel), Some(filter), Some(slot)) =
                        (self.channels.get(i), self.filters.get(i), out.get_mut(i))
                    else {
                        continue;
                    };
                    let (missing, percent) = resolve::completeness(
                        &raw,
                        |a| self.project.schemas.property_kind(a, family),
                        &channel.required,
                        &channel.locale,
                        &channel.currency,
                    );
                    let selected = filter
                        .eval(view.clone())
                        .map_err(|e| {
                            anyhow!(
                                "[channels.{}] filter `{}` failed on {}: {e}",
                                channel.name,
                                channel.filter,
                                checked.file.rel
                            )
                        })?
                        .is_true();
                    let values = if self.keep_values && selected && missing.is_empty() {
                        if text.is_none() {
                            text = view::json_text(&view).map(Arc::from);
                        }
                        text.clone()
                    } else {
                        None
                    };
                    slot.push(Item {
                        file_index,
                        variant,
                        sku: sku.clone(),
                        parent_sku: variant.and_then(|_| parent_sku.as_str().map(str::to_owned)),
                        selected,
                        missing,
                        percent,
                        values,
                    });
                }
            }
        }
        Ok(out)
    }
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

/// Why items were left out of a channel.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct LeftOut {
    pub incomplete: usize,
    pub invalid: usize,
}

/// An item a channel exports.
#[derive(Clone, Debug)]
pub struct Exported {
    pub key: ItemKey,
    pub sku: String,
    pub parent_sku: Option<String>,
    /// Its resolved values, when the evaluation kept them.
    pub values: Option<Arc<str>>,
}

/// A channel's items, sorted into those it exports and those it leaves out.
pub struct Selection {
    /// The exported items, in file order.
    pub exported: Vec<Exported>,
    pub left_out: LeftOut,
    /// Items the channel would export that have errors (refusal unless `skip_invalid`).
    pub blocked: Vec<String>,
}

/// For each file with errors: `None` when the whole product is affected, else the variant
/// indexes whose own values have errors.
pub type Blocking = BTreeMap<String, Option<HashSet<usize>>>;

/// Which files and variants have errors, from a validation's diagnostics.
pub fn blocking_errors(diagnostics: &[Diagnostic]) -> Blocking {
    let mut out: Blocking = BTreeMap::new();
    for d in diagnostics.iter().filter(|d| d.severity == Severity::Error) {
        let variant = d
            .pointer
            .as_deref()
            .and_then(|p| p.strip_prefix("/variants/"))
            .and_then(|rest| rest.split('/').next())
            .and_then(|i| i.parse::<usize>().ok());
        let entry = out
            .entry(d.file.clone())
            .or_insert_with(|| Some(HashSet::new()));
        match (variant, entry) {
            (Some(i), Some(set)) => {
                set.insert(i);
            }
            (_, entry) => *entry = None,
        }
    }
    out
}

/// What a channel exports of its evaluated items: selected, complete and without errors.
pub fn select(
    items: Vec<Item>,
    checked: &[Checked],
    blocking: &Blocking,
    skip_invalid: bool,
) -> Selection {
    let mut selection = Selection {
        exported: Vec::new(),
        left_out: LeftOut::default(),
        blocked: Vec::new(),
    };
    for item in items.into_iter().filter(|i| i.selected) {
        let file = checked.get(item.file_index).map(|c| c.file.rel.as_str());
        let invalid = match file.and_then(|f| blocking.get(f)) {
            None => false,
            Some(None) => true,
            Some(Some(variants)) => item.variant.is_some_and(|v| variants.contains(&v)),
        };
        if invalid {
            selection.left_out.invalid += 1;
            if !skip_invalid {
                selection.blocked.push(item.sku);
            }
        } else if !item.missing.is_empty() {
            selection.left_out.incomplete += 1;
        } else {
            selection.exported.push(Exported {
                key: (item.file_index, item.variant),
                sku: item.sku,
                parent_sku: item.parent_sku,
                values: item.values,
            });
        }
    }
    // A file that could not be read as a product may hold an item of any channel.
    for c in checked.iter().filter(|c| c.value.is_none()) {
        selection.left_out.invalid += 1;
        if !skip_invalid {
            selection.blocked.push(c.file.rel.clone());
        }
    }
    selection
}

//! `pim show`: one product or variant as each channel sees it: its values per locale and
//! currency, its items, and for each channel whether each item is in the feed, and why not.
//! The verdicts come from the same evaluation and selection as `pim export`'s.

use crate::catalog::Project;
use crate::channel::{self, Evaluator, Verdict};
use crate::diag::Diagnostic;
use crate::resolve;
use crate::schema::{Annotation, Kind};
use crate::suggest;
use crate::validate::{self, CheckOptions};
use anyhow::{Result, anyhow, bail};
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::HashSet;

/// The variant mapping at a path of indexes (`None` for the product itself).
fn variant_at<'p>(product: &'p Value, path: &[usize]) -> Option<&'p Value> {
    if path.is_empty() {
        return None;
    }
    path.iter()
        .try_fold(product, |node, &i| node.get("variants")?.get(i))
}

/// What `pim show` is asked for.
#[derive(Clone, Debug, Default)]
pub struct ShowOptions {
    /// A product's or a variant's SKU, in any case.
    pub sku: String,
    /// The channels to show; every channel when empty.
    pub channels: Vec<String>,
}

/// A product (or one variant) as the catalog and each channel see it.
#[derive(Debug, Serialize)]
pub struct ShowReport {
    pub sku: String,
    pub file: String,
    pub family: Option<String>,
    pub status: String,
    /// For a variant: its product's SKU.
    pub variant_of: Option<String>,
    /// The values (a variant's merged with its product's), each localized value given in
    /// every locale (fallbacks followed) and each price in every currency.
    pub values: Value,
    /// The sellable items: the product's variants, the variant itself, or the product.
    pub items: Vec<ShowItem>,
    pub channels: Vec<ShowChannel>,
    /// Every problem `pim validate` finds in the file.
    pub diagnostics: Vec<Diagnostic>,
}

#[derive(Debug, Serialize)]
pub struct ShowItem {
    pub sku: String,
    pub status: String,
    /// What the variant sets itself (none for a product without variants).
    pub own: Value,
}

#[derive(Debug, Serialize)]
pub struct ShowChannel {
    pub channel: String,
    pub locale: String,
    pub currency: String,
    pub filter: String,
    pub items: Vec<ChannelItem>,
}

/// One item in one channel.
#[derive(Debug, Serialize)]
pub struct ChannelItem {
    pub sku: String,
    pub in_feed: bool,
    /// Why not: `filter`, `incomplete` or `invalid`; none when in the feed.
    pub left_out: Option<&'static str>,
    /// Its completeness for the channel, in percent, and what it lacks.
    pub completeness: u32,
    pub missing: Vec<String>,
    /// For `invalid`: the errors that keep it out.
    pub errors: Vec<Diagnostic>,
    /// Its values as the channel's template sees them.
    pub values: Value,
}

/// Looks up the SKU and evaluates it for the channels asked for.
pub fn show(project: &Project, options: &ShowOptions) -> Result<ShowReport> {
    let validation = validate::validate_catalog(
        project,
        CheckOptions {
            keep_value: true,
            evaluator: None,
        },
    )?;
    let wanted = options.sku.trim();
    let found = validation.checked.iter().enumerate().find_map(|(i, c)| {
        let facts = c.facts.as_ref()?;
        let s = facts
            .skus
            .iter()
            .find(|s| s.value.eq_ignore_ascii_case(wanted))?;
        Some((i, c, s.pointer.clone()))
    });
    let Some((index, checked, pointer)) = found else {
        let skus: Vec<&str> = validation
            .checked
            .iter()
            .filter_map(|c| c.facts.as_ref())
            .flat_map(|f| f.skus.iter().map(|s| s.value.as_str()))
            .collect();
        bail!(
            "no product or variant `{wanted}` in the catalog{}",
            suggest::did_you_mean(wanted, skus.iter().copied())
        );
    };
    // `/variants/N/sku` (or `/variants/N/variants/M/sku`) for a variant, `/sku` for a product.
    let variant = channel::variant_path(&pointer);
    let under = |path: &[usize]| variant.as_ref().is_none_or(|v| path.starts_with(v));
    let product = checked.json().ok_or_else(|| {
        anyhow!(
            "{} cannot be read as a product; pim validate says why",
            checked.file.rel
        )
    })?;
    let family_name = product
        .get("family")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let family = family_name
        .as_deref()
        .and_then(|f| project.schemas.families.get(f));
    let items: Vec<(Vec<usize>, Value)> = resolve::leaves(&product, None)
        .into_iter()
        .filter(|(path, _)| under(path))
        .collect();

    let mut diagnostics: Vec<Diagnostic> = validation
        .diagnostics
        .iter()
        .filter(|d| d.file == checked.file.rel)
        .cloned()
        .collect();
    crate::source::resolve_positions(
        &project.root,
        project.config.limits.max_file_size.0,
        &mut diagnostics,
    );
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));

    let channels = if options.channels.is_empty() && project.config.channels.is_empty() {
        Vec::new()
    } else {
        project
            .config
            .select_channels(&options.channels, options.channels.is_empty())?
    };
    let only: HashSet<usize> = [index].into_iter().collect();
    let env = channel::filter_environment();
    let evaluator = Evaluator::new(&env, project, &channels)?;
    let evaluated = channel::evaluate(&evaluator, &validation.checked, Some(&only))?;
    let blocking = channel::blocking_errors(&validation.diagnostics);
    let parent_sku = product.get("sku").cloned();
    let mut shown_channels = Vec::new();
    for (spec, evaluated) in channels.iter().zip(evaluated) {
        let mut channel_items = Vec::new();
        let leaves = resolve::leaves(&product, Some(&spec.name));
        for item in evaluated.into_iter().filter(|i| under(&i.path)) {
            let verdict = channel::verdict(&item, &validation.checked, &blocking);
            let raw = leaves
                .iter()
                .find(|(path, _)| path.as_slice() == &*item.path)
                .map(|(_, values)| values.clone())
                .unwrap_or(Value::Null);
            let annotations = project.schemas.annotations(&raw, family);
            let parent = (!item.path.is_empty())
                .then_some(parent_sku.as_ref())
                .flatten();
            let context = channel::ItemContext {
                project,
                family: family_name.as_deref().filter(|_| family.is_some()),
                file: &checked.file.rel,
            };
            let values = channel::item_values(&spec.target, &raw, &annotations, parent, &context);
            let errors = match verdict {
                Verdict::Invalid => channel::errors_of(&diagnostics, &checked.file.rel, &item.path)
                    .into_iter()
                    .cloned()
                    .collect(),
                _ => Vec::new(),
            };
            channel_items.push(ChannelItem {
                sku: item.sku.to_string(),
                in_feed: verdict == Verdict::Exported,
                left_out: match verdict {
                    Verdict::Exported => None,
                    Verdict::Filtered => Some("filter"),
                    Verdict::Incomplete => Some("incomplete"),
                    Verdict::Invalid => Some("invalid"),
                },
                completeness: item.percent,
                missing: item.missing,
                errors,
                values,
            });
        }
        shown_channels.push(ShowChannel {
            channel: spec.name.clone(),
            locale: spec.locale.clone(),
            currency: spec.currency.clone(),
            filter: spec.filter.clone(),
            items: channel_items,
        });
    }

    let shown_values = match variant {
        Some(_) => items.first().map(|(_, v)| v.clone()).unwrap_or(Value::Null),
        None => resolve::without_variants(&product),
    };
    let annotations = project.schemas.annotations(&shown_values, family);
    let values = expanded(project, shown_values, &annotations);
    let shown_items = items
        .iter()
        .map(|(path, merged)| ShowItem {
            sku: merged
                .get("sku")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            status: status(merged),
            own: variant_at(&product, path)
                .map(|own| {
                    let mut own = own.clone();
                    if let Value::Object(map) = &mut own {
                        map.remove("sku");
                    }
                    own
                })
                .unwrap_or(Value::Null),
        })
        .collect();
    let sku = match variant {
        Some(_) => shown_items_sku(&items).unwrap_or_else(|| wanted.to_owned()),
        None => checked.sku.clone().unwrap_or_else(|| wanted.to_owned()),
    };
    Ok(ShowReport {
        sku,
        file: checked.file.rel.clone(),
        family: family_name,
        status: status(&values),
        variant_of: variant.and_then(|_| checked.sku.clone()),
        values,
        items: shown_items,
        channels: shown_channels,
        diagnostics,
    })
}

fn shown_items_sku(items: &[(Vec<usize>, Value)]) -> Option<String> {
    items
        .first()?
        .1
        .get("sku")
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// `status` as the channels see it: absent means draft.
fn status(values: &Value) -> String {
    values
        .get("status")
        .and_then(Value::as_str)
        .unwrap_or("draft")
        .to_owned()
}

/// The values with each localized value given in every locale (following the fallbacks,
/// as channels do) and each price in every currency; a locale or currency with no value is
/// left out.
fn expanded(project: &Project, mut values: Value, annotations: &[(String, Annotation)]) -> Value {
    let p = &project.config.project;
    for (pointer, annotation) in annotations {
        let Annotation::Kind(kind) = annotation else {
            continue;
        };
        let Some(slot) = values.pointer_mut(pointer) else {
            continue;
        };
        let Value::Object(written) = slot else {
            continue;
        };
        let out: Map<String, Value> = match kind {
            Kind::Localized => p
                .locales
                .iter()
                .filter_map(|locale| {
                    let chain = resolve::locale_chain(locale, &p.fallbacks, &p.default_locale);
                    let text = chain.iter().find_map(|l| written.get(l))?;
                    Some((locale.clone(), text.clone()))
                })
                .collect(),
            Kind::Price => p
                .currencies
                .iter()
                .filter_map(|c| Some((c.clone(), written.get(c)?.clone())))
                .collect(),
            Kind::Measurement => continue,
        };
        *slot = Value::Object(out);
    }
    values
}

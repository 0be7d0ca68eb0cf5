//! What a channel takes: every item of the catalog evaluated once per run for the channels
//! asked for (values resolved once per locale, currency and units), its filter result and
//! its completeness; then the selection of what a channel exports and what it leaves out.

use crate::catalog::{Checked, Project};
use crate::config::ChannelSpec;
use crate::diag::{Diagnostic, Severity};
use crate::resolve::{self, Target};
use crate::schema::{Annotation, Kind};
use crate::view;
use anyhow::{Result, anyhow};
use rayon::prelude::*;
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

/// An item by its product file (index into the checked files) and variant index.
pub type ItemKey = (usize, Option<usize>);

/// One sellable item as a channel sees it.
#[derive(Clone)]
pub struct Item {
    /// Index of the product file in the checked files.
    pub file_index: usize,
    /// The item's index among the product's items (leaves), `None` for a product without
    /// variants.
    pub variant: Option<usize>,
    /// Its variant indexes from the product down (`[2, 0]`: the first of the third
    /// variant's variants); empty for a product without variants.
    pub path: Arc<[usize]>,
    /// Shared by the item's entries in every channel (one allocation, not one per channel).
    pub sku: Arc<str>,
    /// The parent's SKU, for a variant.
    pub parent_sku: Option<Arc<str>>,
    /// The channel's filter accepts it.
    pub selected: bool,
    /// Required attributes it lacks, and its completeness in percent.
    pub missing: Vec<String>,
    pub percent: u32,
    /// Its family, when the family has a schema.
    pub family: Option<Arc<str>>,
    /// Attributes its family and the product schema declare (reserved keys aside) that hold a
    /// value in the item as written (counted only when the evaluator is asked to), and how
    /// many images (`images`) it lists: for grades.
    pub filled: usize,
    pub images: usize,
}

/// The environment channel filters compile in: undefined values are simply false there,
/// never an error.
pub fn filter_environment() -> minijinja::Environment<'static> {
    let mut env = minijinja::Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
    env
}

/// Evaluates items for a set of channels: filters compiled once, channels that see values
/// alike grouped so each item is resolved once per distinct [`Target`], however many
/// channels share it (a product with `channels` blocks is resolved per channel).
pub struct Evaluator<'e> {
    project: &'e Project,
    channels: Vec<&'e ChannelSpec>,
    filters: Vec<minijinja::Expression<'e, 'e>>,
    targets: Vec<(&'e Target, Vec<usize>)>,
    /// The top-level values each channel's filter reads (`status`, `family`, ...).
    reads: Vec<BTreeSet<String>>,
    /// What each channel requires of a product of each family, and for no family.
    plans: BTreeMap<String, FamilyPlan>,
    without_family: FamilyPlan,
    /// Count each item's filled attributes (for `pim report`'s grades).
    count_filled: bool,
    /// Keep only the items a channel takes that lack something (all `validate --channel`
    /// reports): a catalog's complete items need no record.
    only_incomplete: bool,
}

/// What the channels require of a product of one family.
struct FamilyPlan {
    /// Per channel: its `required` and the family's `x-pim-required` for it.
    required: Vec<Vec<String>>,
    /// Required attributes and their `x-pim` kinds: a handful, searched in order.
    kinds: Vec<(String, Option<Kind>)>,
    /// The attributes a product of the family may hold, reserved keys aside.
    declared: Vec<String>,
}

impl FamilyPlan {
    fn new(project: &Project, channels: &[&ChannelSpec], family: Option<&str>) -> FamilyPlan {
        let compiled = family.and_then(|f| project.schemas.families.get(f));
        let required: Vec<Vec<String>> = channels
            .iter()
            .map(|c| {
                let mut list = c.required.clone();
                for a in project.dictionary.required_in(family, &c.name) {
                    if !list.contains(a) {
                        list.push(a.clone());
                    }
                }
                list
            })
            .collect();
        let mut kinds: Vec<(String, Option<Kind>)> = Vec::new();
        for a in required.iter().flatten() {
            if !kinds.iter().any(|(k, _)| k == a) {
                kinds.push((a.clone(), project.schemas.property_kind(a, compiled)));
            }
        }
        let mut declared: Vec<String> = project
            .dictionary
            .names(family)
            .filter(|n| !crate::dictionary::RESERVED.contains(n))
            .map(str::to_owned)
            .collect();
        declared.sort_unstable();
        declared.dedup();
        FamilyPlan {
            required,
            kinds,
            declared,
        }
    }

    fn kind_of(&self, attribute: &str) -> Option<Kind> {
        self.kinds
            .iter()
            .find(|(k, _)| k == attribute)
            .and_then(|(_, kind)| *kind)
    }
}

impl<'e> Evaluator<'e> {
    pub fn new(
        env: &'e minijinja::Environment<'static>,
        project: &'e Project,
        channels: &[&'e ChannelSpec],
    ) -> Result<Evaluator<'e>> {
        let filters = channels
            .iter()
            .map(|c| {
                env.compile_expression(&c.filter).map_err(|e| {
                    anyhow!(
                        "{} filter `{}` is not a valid expression: {e}",
                        c.section(),
                        c.filter
                    )
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let reads = filters
            .iter()
            .map(|f| f.undeclared_variables(false).into_iter().collect())
            .collect();
        let mut targets: Vec<(&Target, Vec<usize>)> = Vec::new();
        for (i, c) in channels.iter().enumerate() {
            match targets.iter_mut().find(|(t, _)| **t == c.target) {
                Some((_, members)) => members.push(i),
                None => targets.push((&c.target, vec![i])),
            }
        }
        let plans = project
            .schemas
            .families
            .keys()
            .map(|name| (name.clone(), FamilyPlan::new(project, channels, Some(name))))
            .collect();
        Ok(Evaluator {
            project,
            channels: channels.to_vec(),
            filters,
            targets,
            reads,
            plans,
            without_family: FamilyPlan::new(project, channels, None),
            count_filled: false,
            only_incomplete: false,
        })
    }

    /// How many attributes a product of the family may hold, reserved keys aside.
    pub fn declared(&self, family: Option<&str>) -> usize {
        self.plan(family).declared.len()
    }

    /// Also count each item's filled attributes ([`Item::filled`]), which only grades need.
    pub fn counting_filled(mut self) -> Self {
        self.count_filled = true;
        self
    }

    /// Keep only the selected items that lack required attributes: what `validate
    /// --channel` reports as `incomplete`, without a record per complete item.
    pub fn keeping_only_incomplete(mut self) -> Self {
        self.only_incomplete = true;
        self
    }

    /// The values the filters of these channels read.
    fn reads_of(&self, members: &[usize]) -> Option<BTreeSet<String>> {
        let mut out = BTreeSet::new();
        for &i in members {
            out.extend(self.reads.get(i)?.iter().cloned());
        }
        Some(out)
    }

    /// The attributes a channel (by its place in the evaluator) requires of a family.
    pub fn required(&self, channel: usize, family: Option<&str>) -> &[String] {
        self.plan(family)
            .required
            .get(channel)
            .map_or(&[][..], Vec::as_slice)
    }

    fn plan(&self, family: Option<&str>) -> &FamilyPlan {
        family
            .and_then(|f| self.plans.get(f))
            .unwrap_or(&self.without_family)
    }

    /// A product's items for each channel, in channel order; `annotations` are the
    /// product's own when it has no variants (they need not be computed again).
    pub fn product(
        &self,
        file_index: usize,
        file: &str,
        product: &Value,
        annotations: Option<&[(String, Annotation)]>,
    ) -> Result<Vec<Vec<Item>>> {
        let family_name = product.get("family").and_then(Value::as_str);
        let family = family_name.and_then(|f| self.project.schemas.families.get(f));
        let family_name = family_name.filter(|_| family.is_some());
        let family_arc: Option<Arc<str>> = family_name.map(Arc::from);
        let plan = self.plan(family_name);
        let parent_sku = product.get("sku").cloned().unwrap_or(Value::Null);
        let parent_arc: Option<Arc<str>> = parent_sku.as_str().map(Arc::from);
        let mut out: Vec<Vec<Item>> = self.channels.iter().map(|_| Vec::new()).collect();
        // With `channels` blocks, each channel sees values of its own.
        let groups: Vec<(&Target, Vec<usize>, Option<&str>)> =
            if resolve::has_channel_blocks(product) {
                self.channels
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (&c.target, vec![i], Some(c.name.as_str())))
                    .collect()
            } else {
                self.targets
                    .iter()
                    .map(|(t, members)| (*t, members.clone(), None))
                    .collect()
            };
        // Items of one product mostly share their shape, and so their annotations.
        let mut by_shape: Vec<(String, Vec<(String, Annotation)>)> = Vec::new();
        // Without channel blocks every target has the same items: merged once, not per target.
        let mut shared_leaves = None;
        for (target, members, channel_name) in groups {
            let reads = self.reads_of(&members);
            let own_leaves;
            let leaves = match channel_name {
                Some(_) => {
                    own_leaves = resolve::items_of(product, channel_name);
                    &own_leaves
                }
                None => shared_leaves.get_or_insert_with(|| resolve::items_of(product, None)),
            };
            for (index, (path, raw)) in leaves.iter().enumerate() {
                let variant = (!path.is_empty()).then_some(index);
                let annotations: &[(String, Annotation)] =
                    match (variant, annotations, channel_name) {
                        (None, Some(known), None) => known,
                        _ => {
                            let shape = shape(raw);
                            let at = match by_shape.iter().position(|(s, _)| *s == shape) {
                                Some(at) => at,
                                None => {
                                    let computed = self.project.schemas.annotations(raw, family);
                                    by_shape.push((shape, computed));
                                    by_shape.len() - 1
                                }
                            };
                            by_shape.get(at).map_or(&[][..], |(_, a)| a.as_slice())
                        }
                    };
                let parent = variant.map(|_| &parent_sku);
                let context = ItemContext {
                    project: self.project,
                    family: family_name,
                    file,
                };
                // The filters see only the values they read, resolved; rendering gets
                // every value, resolved once, for the items a channel exports.
                let values =
                    item_values_reading(target, raw, annotations, parent, &context, reads.as_ref());
                let sku: Arc<str> =
                    Arc::from(raw.get("sku").and_then(Value::as_str).unwrap_or_default());
                let item_path: Arc<[usize]> = Arc::from(path.as_slice());
                let view = view::of_json(values);
                let filled = if self.count_filled {
                    plan.declared
                        .iter()
                        .filter(|a| raw.get(a.as_str()).is_some_and(has_value))
                        .count()
                } else {
                    0
                };
                let images = raw
                    .get("images")
                    .and_then(Value::as_array)
                    .map_or(0, Vec::len);
                for &i in &members {
                    let (Some(channel), Some(filter), Some(slot)) =
                        (self.channels.get(i), self.filters.get(i), out.get_mut(i))
                    else {
                        continue;
                    };
                    let required = plan.required.get(i).map_or(&[][..], Vec::as_slice);
                    let (missing, percent) = resolve::completeness(
                        raw,
                        |a| plan.kind_of(a),
                        required,
                        &channel.locale,
                        &channel.currencies,
                    );
                    let selected = filter
                        .eval(view.clone())
                        .map_err(|e| {
                            anyhow!(
                                "{} filter `{}` failed on {file}: {e}",
                                channel.section(),
                                channel.filter,
                            )
                        })?
                        .is_true();
                    if self.only_incomplete && (!selected || missing.is_empty()) {
                        continue;
                    }
                    slot.push(Item {
                        file_index,
                        variant,
                        path: Arc::clone(&item_path),
                        sku: Arc::clone(&sku),
                        parent_sku: variant.and(parent_arc.clone()),
                        selected,
                        missing,
                        percent,
                        family: family_arc.clone(),
                        filled,
                        images,
                    });
                }
            }
        }
        // Channel-by-channel evaluation fills channels out of file order within a product:
        // items stay in leaf order per channel, which each slot already is. The lists are
        // kept for the whole run, one per file and channel: a pushed-to Vec holds room for
        // four items, most products have one or two.
        for items in &mut out {
            items.shrink_to_fit();
        }
        Ok(out)
    }
}

/// A value that counts as filled: not null, not blank, not an empty list or mapping.
fn has_value(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::String(s) => !s.trim().is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
        _ => true,
    }
}

/// What the schema walk that finds annotations depends on: every key, the length of every
/// list and the JSON type of every value (strings and numbers by type, not by content).
fn shape(value: &Value) -> String {
    fn walk(value: &Value, out: &mut String) {
        match value {
            Value::Null => out.push('n'),
            Value::Bool(_) => out.push('b'),
            Value::Number(n) if n.is_i64() || n.is_u64() => out.push('i'),
            Value::Number(_) => out.push('f'),
            Value::String(_) => out.push('s'),
            Value::Array(items) => {
                out.push('[');
                for item in items {
                    walk(item, out);
                }
                out.push(']');
            }
            Value::Object(map) => {
                out.push('{');
                for (key, item) in map {
                    out.push_str(&key.len().to_string());
                    out.push(':');
                    out.push_str(key);
                    walk(item, out);
                }
                out.push('}');
            }
        }
    }
    let mut out = String::new();
    walk(value, &mut out);
    out
}

/// Where an item's values come from, for what templates see besides its values.
pub struct ItemContext<'a> {
    pub project: &'a Project,
    /// The product's family, when it has a schema.
    pub family: Option<&'a str>,
    pub file: &'a str,
}

/// The items evaluated with the check, per channel in file order, taken out of the files.
pub fn take_items(checked: &mut [Checked], channels: usize) -> Vec<Vec<Item>> {
    let mut out: Vec<Vec<Item>> = (0..channels)
        .map(|i| {
            let count = checked
                .iter()
                .map(|c| c.channel_items.get(i).map_or(0, Vec::len))
                .sum();
            Vec::with_capacity(count)
        })
        .collect();
    for c in checked {
        for (slot, items) in out.iter_mut().zip(std::mem::take(&mut c.channel_items)) {
            slot.extend(items);
        }
    }
    out
}

impl Item {
    /// The JSON pointer of the item's mapping: `/variants/2/variants/0`, or empty for a
    /// product without variants.
    pub fn pointer(&self) -> String {
        self.path.iter().map(|i| format!("/variants/{i}")).collect()
    }
}

/// Evaluates the items of checked product files whose values were kept (a git revision's,
/// in `pim diff`), for the evaluator's channels; `only` limits the work to some files.
pub fn evaluate(
    evaluator: &Evaluator<'_>,
    checked: &[Checked],
    only: Option<&HashSet<usize>>,
) -> Result<Vec<Vec<Item>>> {
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
            evaluator.product(file_index, &c.file.rel, &value, None)
        })
        .collect();
    let mut out: Vec<Vec<Item>> = evaluator.channels.iter().map(|_| Vec::new()).collect();
    for result in per_file {
        for (slot, items) in out.iter_mut().zip(result?) {
            slot.extend(items);
        }
    }
    Ok(out)
}

/// An item's values as templates see them: resolved for the channel, plus `parent_sku`
/// (none for a product without variants), `status` (draft when absent), `categories`,
/// `file`, `labels` (each option's label in the channel's locale) and `prices` (each price
/// attribute in the channel's currencies).
pub fn item_values(
    target: &Target,
    raw: &Value,
    annotations: &[(String, Annotation)],
    parent_sku: Option<&Value>,
    context: &ItemContext<'_>,
) -> Value {
    let mut values = resolve::resolved_copy(raw, annotations, target);
    let labels = labels(&values, context, &target.locales);
    let prices = resolve::prices(raw, annotations, target);
    if let Value::Object(map) = &mut values {
        map.insert("prices".into(), prices);
        map.insert(
            "parent_sku".into(),
            parent_sku.cloned().unwrap_or(Value::Null),
        );
        map.entry("status")
            .or_insert_with(|| Value::String("draft".into()));
        map.entry("categories")
            .or_insert_with(|| Value::Array(Vec::new()));
        map.insert("file".into(), Value::String(context.file.to_owned()));
        map.insert("labels".into(), labels);
    }
    values
}

/// [`item_values`] limited to the top-level values in `reads` (all when `None`): what a
/// channel filter sees, without resolving what it never reads.
pub fn item_values_reading(
    target: &Target,
    raw: &Value,
    annotations: &[(String, Annotation)],
    parent_sku: Option<&Value>,
    context: &ItemContext<'_>,
    reads: Option<&BTreeSet<String>>,
) -> Value {
    let Some(reads) = reads else {
        return item_values(target, raw, annotations, parent_sku, context);
    };
    let Value::Object(map) = raw else {
        return item_values(target, raw, annotations, parent_sku, context);
    };
    let subset: serde_json::Map<String, Value> = map
        .iter()
        .filter(|(k, _)| reads.contains(*k) || (reads.contains("labels") && *k != "variants"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    // Annotations of the values kept: their pointer's first segment is a kept key.
    let kept_key = |p: &str| match p.split('/').nth(1) {
        Some(segment) if segment.contains('~') => {
            subset.contains_key(&segment.replace("~1", "/").replace("~0", "~"))
        }
        Some(segment) => subset.contains_key(segment),
        None => false,
    };
    let kept: Vec<(String, Annotation)> = annotations
        .iter()
        .filter(|(p, _)| kept_key(p))
        .cloned()
        .collect();
    item_values(target, &Value::Object(subset), &kept, parent_sku, context)
}

/// For each attribute with option labels that the values hold: the label of its value (a
/// list of labels for a list) in the first of `locales` that has one, else the value.
pub fn labels(values: &Value, context: &ItemContext<'_>, locales: &[String]) -> Value {
    let mut out = serde_json::Map::new();
    for (name, attribute) in context.project.dictionary.with_options(context.family) {
        let label = |v: &Value| match v {
            Value::String(code) => Value::String(attribute.option_label(code, locales)),
            other => Value::String(attribute.option_label(&other.to_string(), locales)),
        };
        match values.get(name) {
            None | Some(Value::Null) => {}
            Some(Value::Array(list)) => {
                out.insert(
                    name.to_owned(),
                    Value::Array(list.iter().map(label).collect()),
                );
            }
            Some(value) => {
                out.insert(name.to_owned(), label(value));
            }
        }
    }
    Value::Object(out)
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
    pub sku: Arc<str>,
    pub parent_sku: Option<Arc<str>>,
}

/// Why an item the channel's filter takes is not in the feed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LeftOutReason {
    /// It lacks these required attributes; its completeness in percent.
    Incomplete { missing: Vec<String>, percent: u32 },
    /// It has errors: the rule ids of those that keep it out.
    Invalid { rules: Vec<String> },
    /// Its file could not be read as a product (it may hold an item of any channel).
    Unreadable,
}

/// An item a channel leaves out, where it is, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeftOutItem {
    /// The item's SKU (the file's path for an unreadable file).
    pub sku: String,
    pub file: String,
    /// Byte offset of the item's mapping in the file.
    pub offset: usize,
    /// 1-based line and column of the item, once positions are resolved (0 before).
    pub line: usize,
    pub column: usize,
    /// JSON pointer of the item: `/variants/N`, or empty for the product itself.
    pub pointer: String,
    pub reason: LeftOutReason,
}

/// A channel's items, sorted into those it exports and those it leaves out.
pub struct Selection {
    /// The exported items, in file order.
    pub exported: Vec<Exported>,
    pub left_out: LeftOut,
    /// The items left out, in file order, with why (rules of `Invalid` not yet filled in).
    pub left_out_items: Vec<LeftOutItem>,
    /// Items the channel would export that have errors (refusal unless `skip_invalid`).
    pub blocked: Vec<String>,
}

/// For each file with errors: `None` when the whole product is affected, else the variant
/// paths whose values have errors (every item under such a variant is affected).
/// Sets, so that a product with thousands of variants in error costs no quadratic time.
pub type Blocking = BTreeMap<String, Option<BTreeSet<Vec<usize>>>>;

/// `/variants/2/variants/0/gtin` → `[2, 0]`; `None` for a pointer outside the variants.
pub fn variant_path(pointer: &str) -> Option<Vec<usize>> {
    let mut segments = pointer.split('/').skip(1);
    let mut path = Vec::new();
    while path.len() < 2 && segments.next() == Some("variants") {
        match segments.next().and_then(|i| i.parse::<usize>().ok()) {
            Some(i) => path.push(i),
            None => break,
        }
    }
    (!path.is_empty()).then_some(path)
}

/// Which files and variants have errors, from a validation's diagnostics.
pub fn blocking_errors(diagnostics: &[Diagnostic]) -> Blocking {
    let mut out: Blocking = BTreeMap::new();
    for d in diagnostics.iter().filter(|d| d.severity == Severity::Error) {
        let path = d.pointer.as_deref().and_then(variant_path);
        let entry = out
            .entry(d.file.clone())
            .or_insert_with(|| Some(BTreeSet::new()));
        match (path, entry) {
            (Some(path), Some(paths)) => {
                paths.insert(path);
            }
            (_, entry) => *entry = None,
        }
    }
    out
}

/// The errors that keep an item out, as [`blocking_errors`] counts them: those of its file
/// outside `/variants/`, and those of its own variant.
pub fn errors_of<'d>(
    diagnostics: &'d [Diagnostic],
    file: &str,
    path: &[usize],
) -> Vec<&'d Diagnostic> {
    diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error && d.file == file)
        .filter(|d| {
            d.pointer
                .as_deref()
                .and_then(variant_path)
                .is_none_or(|own| path.starts_with(&own))
        })
        .collect()
}

/// The rules of [`errors_of`] for many items at once: indexed once by file and variant, so
/// a product with thousands of variants in error costs no quadratic time.
pub struct ErrorRules {
    /// Per file: the rules of errors outside `/variants/`, and per variant path, each with
    /// the index of its first diagnostic.
    files: HashMap<String, FileRules>,
}

#[derive(Default)]
struct FileRules {
    whole: Vec<(usize, String)>,
    by_path: HashMap<Vec<usize>, Vec<(usize, String)>>,
}

fn add_rule(list: &mut Vec<(usize, String)>, index: usize, id: String) {
    if !list.iter().any(|(_, r)| *r == id) {
        list.push((index, id));
    }
}

impl ErrorRules {
    pub fn new(diagnostics: &[Diagnostic]) -> ErrorRules {
        let mut files: HashMap<String, FileRules> = HashMap::new();
        for (index, d) in diagnostics.iter().enumerate() {
            if d.severity != Severity::Error {
                continue;
            }
            let file = files.entry(d.file.clone()).or_default();
            match d.pointer.as_deref().and_then(variant_path) {
                None => add_rule(&mut file.whole, index, d.rule.id()),
                Some(path) => add_rule(file.by_path.entry(path).or_default(), index, d.rule.id()),
            }
        }
        ErrorRules { files }
    }

    /// The distinct rule ids of [`errors_of`]`(file, path)`, in the order of their first
    /// diagnostic.
    pub fn rules_of(&self, file: &str, path: &[usize]) -> Vec<String> {
        let Some(rules) = self.files.get(file) else {
            return Vec::new();
        };
        let mut found: Vec<(usize, String)> = Vec::new();
        let own = (1..=path.len())
            .filter_map(|n| path.get(..n))
            .filter_map(|p| rules.by_path.get(p));
        for list in std::iter::once(&rules.whole).chain(own) {
            for (index, id) in list {
                match found.iter_mut().find(|(_, r)| r == id) {
                    Some(slot) => slot.0 = slot.0.min(*index),
                    None => found.push((*index, id.clone())),
                }
            }
        }
        found.sort();
        found.into_iter().map(|(_, id)| id).collect()
    }
}

/// What a channel does with one item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// In the feed.
    Exported,
    /// The channel's filter does not take it.
    Filtered,
    /// The filter takes it, but it has errors (its own or its product's).
    Invalid,
    /// The filter takes it, but it lacks attributes the channel requires.
    Incomplete,
}

/// The channel's verdict on one evaluated item: [`select`] (export, diff) and `pim show`
/// decide alike by using this.
pub fn verdict(item: &Item, checked: &[Checked], blocking: &Blocking) -> Verdict {
    if !item.selected {
        return Verdict::Filtered;
    }
    let file = checked.get(item.file_index).map(|c| c.file.rel.as_str());
    let invalid = match file.and_then(|f| blocking.get(f)) {
        None => false,
        Some(None) => true,
        // A blocked path is a variant or one of its variants: a prefix of the item's path.
        Some(Some(paths)) => {
            (1..=item.path.len()).any(|n| item.path.get(..n).is_some_and(|p| paths.contains(p)))
        }
    };
    if invalid {
        Verdict::Invalid
    } else if !item.missing.is_empty() {
        Verdict::Incomplete
    } else {
        Verdict::Exported
    }
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
        left_out_items: Vec::new(),
        blocked: Vec::new(),
    };
    let left_out = |item: &Item, reason: LeftOutReason| {
        let c = checked.get(item.file_index);
        LeftOutItem {
            sku: item.sku.to_string(),
            file: c.map(|c| c.file.rel.clone()).unwrap_or_default(),
            offset: c
                .and_then(|c| c.item_offsets.get(item.variant.unwrap_or(0)))
                .copied()
                .unwrap_or(0),
            line: 0,
            column: 0,
            pointer: item.pointer(),
            reason,
        }
    };
    for item in items {
        match verdict(&item, checked, blocking) {
            Verdict::Filtered => {}
            Verdict::Invalid => {
                selection.left_out.invalid += 1;
                selection.left_out_items.push(left_out(
                    &item,
                    LeftOutReason::Invalid { rules: Vec::new() },
                ));
                if !skip_invalid {
                    selection.blocked.push(item.sku.to_string());
                }
            }
            Verdict::Incomplete => {
                selection.left_out.incomplete += 1;
                let reason = LeftOutReason::Incomplete {
                    missing: item.missing.clone(),
                    percent: item.percent,
                };
                selection.left_out_items.push(left_out(&item, reason));
            }
            Verdict::Exported => selection.exported.push(Exported {
                key: (item.file_index, item.variant),
                sku: item.sku,
                parent_sku: item.parent_sku,
            }),
        }
    }
    // A file that could not be read as a product may hold an item of any channel.
    for c in checked.iter().filter(|c| c.value.is_none()) {
        selection.left_out.invalid += 1;
        selection.left_out_items.push(LeftOutItem {
            sku: c.file.rel.clone(),
            file: c.file.rel.clone(),
            offset: 0,
            line: 0,
            column: 0,
            pointer: String::new(),
            reason: LeftOutReason::Unreadable,
        });
        if !skip_invalid {
            selection.blocked.push(c.file.rel.clone());
        }
    }
    selection
}

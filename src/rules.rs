//! Catalog rules beyond JSON Schema, one function each: those that look at one product
//! file, and those that span files.

use crate::catalog::{Checked, Facts, Located, Measured, Project};
use crate::diag::{Diagnostic, Position, Rule, cut};
use crate::resolve;
use crate::schema::{Annotation, Compiled, FileRef, Kind};
use crate::source::yaml::{Node, Value, pointer_push};
use crate::units;
use std::collections::{HashMap, HashSet};

/// One product file, parsed, with what the schemas say of its values.
pub struct FileContext<'a> {
    pub project: &'a Project,
    pub root: &'a Node,
    /// The same values as plain JSON.
    pub instance: &'a serde_json::Value,
    /// Finds `root`'s nodes by pointer.
    pub locator: crate::source::yaml::Locator<'a>,
    pub file: &'a FileRef<'a>,
    pub annotations: &'a [(String, Annotation)],
}

impl FileContext<'_> {
    fn diagnostic(&self, rule: Rule, node: &Node, pointer: String, message: String) -> Diagnostic {
        Diagnostic::new(
            rule,
            self.file.rel,
            Position::Offset(node.span.start),
            message,
        )
        .at(pointer)
        .sku(self.file.sku)
    }

    fn with_kind(&self, kind: Kind) -> impl Iterator<Item = (&str, &Node)> {
        self.annotations
            .iter()
            .filter_map(move |(pointer, a)| match a {
                Annotation::Kind(k) if *k == kind => {
                    self.locator.node(pointer).map(|n| (pointer.as_str(), n))
                }
                _ => None,
            })
    }
}

/// The rules that need only this file.
pub fn check_product(
    ctx: &FileContext<'_>,
    family_name: Option<&str>,
    family: Option<&Compiled>,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    unknown_family(ctx, family_name, family, &mut out);
    unknown_category(ctx, &mut out);
    unknown_locale(ctx, &mut out);
    unknown_currency(ctx, &mut out);
    unknown_unit(ctx, &mut out);
    unconvertible_measurement(ctx, family, &mut out);
    if let Some(family) = family {
        missing_variant_axis(ctx, &family.variant_axes, &mut out);
        duplicate_variant_axes(ctx, &family.variant_axes, &mut out);
    }
    // With an unknown family its attributes cannot be known: `unknown-family` says why.
    if family_name.is_none() || family.is_some() {
        unknown_attribute(ctx, family_name, &mut out);
    }
    unknown_channel(ctx, &mut out);
    misplaced_structure(ctx, &mut out);
    control_character(ctx, &mut out);
    no_items(ctx, &mut out);
    file_name_mismatch(ctx, &mut out);
    spreadsheet_formula(ctx, &mut out);
    out
}

/// The rules on annotated values alone (locales, currencies, units), for values checked
/// apart from the product (those of `channels` blocks).
pub fn check_values(ctx: &FileContext<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    unknown_locale(ctx, &mut out);
    unknown_currency(ctx, &mut out);
    unknown_unit(ctx, &mut out);
    out
}

/// CSV and TSV channels that write values without `formula_guard`, by name.
fn unguarded_channels<'a>(ctx: &FileContext<'a>) -> Vec<&'a str> {
    use crate::config::OutputFormat;
    ctx.project
        .config
        .channels
        .iter()
        .filter(|(_, specs)| {
            specs.iter().any(|channel| {
                matches!(channel.format, OutputFormat::Csv | OutputFormat::Tsv)
                    && !channel.formula_guard
            })
        })
        .map(|(name, _)| name.as_str())
        .collect()
}

/// Text values a spreadsheet would run as formulas, when some CSV or TSV channel writes
/// values unguarded.
fn spreadsheet_formula(ctx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
    let channels = unguarded_channels(ctx);
    if channels.is_empty() {
        return;
    }
    let mut found = Vec::new();
    formula_values(ctx.root, &mut String::new(), &mut found);
    for (pointer, node, text) in found {
        // A value in a `channels.C` block reaches channel C only.
        let segments: Vec<String> = crate::source::yaml::pointer_segments(&pointer).collect();
        let block = (0..segments.len()).find_map(|i| {
            let structural =
                i == 0 || (i >= 2 && segments.get(i - 2).is_some_and(|s| s == "variants"));
            (structural && segments.get(i).is_some_and(|s| s == "channels"))
                .then(|| segments.get(i + 1).cloned())
                .flatten()
        });
        let reached: Vec<&str> = match &block {
            Some(channel) => channels.iter().copied().filter(|c| c == channel).collect(),
            None => channels.clone(),
        };
        if reached.is_empty() {
            continue;
        }
        let first: String = text
            .chars()
            .next()
            .map(|c| c.escape_debug().collect())
            .unwrap_or_default();
        out.push(
            ctx.diagnostic(
                Rule::SpreadsheetFormula,
                node,
                pointer.clone(),
                format!(
                    "`{pointer}` starts with `{first}`, so a spreadsheet would run it as a formula; channels {} write it without `formula_guard`",
                    reached.join(", ")
                ),
            )
            .help("reword the value if it is meant as text, or set `formula_guard = true` for those channels"),
        );
    }
}

/// Every string value (not key) that looks like a formula, with its pointer.
fn formula_values<'n>(
    node: &'n Node,
    pointer: &mut String,
    out: &mut Vec<(String, &'n Node, &'n str)>,
) {
    match &node.value {
        Value::Str(text) if crate::export::looks_like_formula(text) => {
            out.push((pointer.clone(), node, text));
        }
        Value::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&i.to_string());
                formula_values(item, pointer, out);
                pointer.truncate(len);
            }
        }
        Value::Map(entries) => {
            for (key, value) in entries {
                let len = pointer.len();
                let escaped = pointer_push("", &key.key_text());
                pointer.push_str(&escaped);
                formula_values(value, pointer, out);
                pointer.truncate(len);
            }
        }
        _ => {}
    }
}

fn unknown_family(
    ctx: &FileContext<'_>,
    name: Option<&str>,
    family: Option<&Compiled>,
    out: &mut Vec<Diagnostic>,
) {
    if let (Some(name), None, Some(node)) = (name, family, ctx.root.get("family")) {
        let known: Vec<&str> = ctx
            .project
            .schemas
            .families
            .keys()
            .map(String::as_str)
            .collect();
        out.push(
            ctx.diagnostic(
                Rule::UnknownFamily,
                node,
                "/family".into(),
                format!(
                    "the family `{name}` has no schema{}",
                    crate::suggest::did_you_mean(name, known.iter().copied())
                ),
            )
            .help(format!(
                "add schemas/families/{name}.schema.json, or use one of: {}",
                if known.is_empty() {
                    "(no families defined)".to_owned()
                } else {
                    known.join(", ")
                }
            )),
        );
    }
}

fn unknown_category(ctx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
    let Some(Node {
        value: Value::Seq(codes),
        ..
    }) = ctx.root.get("categories")
    else {
        return;
    };
    for (i, node) in codes.iter().enumerate() {
        if let Some(code) = node.as_str()
            && !ctx.project.categories.contains_key(code)
        {
            out.push(
                ctx.diagnostic(
                    Rule::UnknownCategory,
                    node,
                    format!("/categories/{i}"),
                    format!(
                        "the category `{code}` is not defined in {}{}",
                        ctx.project.config.project.categories.display(),
                        crate::suggest::did_you_mean(
                            code,
                            ctx.project.categories.keys().map(String::as_str)
                        )
                    ),
                )
                .help("correct the code, or add the category to the tree"),
            );
        }
    }
}

fn unknown_locale(ctx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
    let config = &ctx.project.config;
    for (pointer, node) in ctx.with_kind(Kind::Localized) {
        let Value::Map(entries) = &node.value else {
            continue;
        };
        for (key, _) in entries {
            let locale = key.key_text();
            if !config.is_locale(&locale) {
                out.push(
                    ctx.diagnostic(
                        Rule::UnknownLocale,
                        key,
                        pointer_push(pointer, &locale),
                        format!(
                            "`{pointer}` has a value for the locale `{locale}`, which is not a project locale{}",
                            crate::suggest::did_you_mean(&locale, config.project.locales.iter().map(String::as_str))
                        ),
                    )
                    .help(format!("use one of {}, or add `{locale}` to [project] locales in pim.toml", config.project.locales.join(", "))),
                );
            }
        }
    }
}

fn unknown_currency(ctx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
    let currencies = &ctx.project.config.project.currencies;
    for (pointer, node) in ctx.with_kind(Kind::Price) {
        let Value::Map(entries) = &node.value else {
            continue;
        };
        for (key, _) in entries {
            let currency = key.key_text();
            if !currencies.contains(&currency) {
                out.push(
                    ctx.diagnostic(
                        Rule::UnknownCurrency,
                        key,
                        pointer_push(pointer, &currency),
                        format!(
                            "`{pointer}` has a price in `{currency}`, which is not a project currency{}",
                            crate::suggest::did_you_mean(&currency, currencies.iter().map(String::as_str))
                        ),
                    )
                    .help(format!("use one of {}, or add `{currency}` to [project] currencies in pim.toml", currencies.join(", "))),
                );
            }
        }
    }
}

fn unknown_unit(ctx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
    for (pointer, node) in ctx.with_kind(Kind::Measurement) {
        if let Some(unit_node) = node.get("unit")
            && let Some(unit) = unit_node.as_str()
            && !units::is_known(unit)
        {
            out.push(
                ctx.diagnostic(
                    Rule::UnknownUnit,
                    unit_node,
                    format!("{pointer}/unit"),
                    format!("`{pointer}` is measured in `{unit}`, which is not a known unit"),
                )
                .help(format!("use one of: {}", units::known_list())),
            );
        }
    }
}

/// A measurement that a channel converts to another unit, whose exact result would not fit
/// (`number-out-of-range`): an export could only drop or misstate it. Each item is looked at
/// as each channel sees it (its variant levels and `channels` blocks merged); the diagnostic
/// points once at the value as written.
fn unconvertible_measurement(
    ctx: &FileContext<'_>,
    family: Option<&Compiled>,
    out: &mut Vec<Diagnostic>,
) {
    let converting: Vec<(&String, &crate::config::ChannelSpec)> = ctx
        .project
        .config
        .channels
        .iter()
        // The locales of a channel share its units.
        .filter_map(|(name, specs)| specs.first().map(|c| (name, c)))
        .filter(|(_, c)| !c.target.units.is_empty())
        .collect();
    if converting.is_empty() {
        return;
    }
    // Without `channels` blocks every channel sees the same items.
    let per_channel = resolve::has_channel_blocks(ctx.instance);
    // (pointer of the value as written, its unit, channel, the channel's unit)
    let mut failing: Vec<(String, String, String, String)> = Vec::new();
    let views: Vec<Option<&String>> = if per_channel {
        converting.iter().map(|(name, _)| Some(*name)).collect()
    } else {
        vec![None]
    };
    for view in views {
        for (path, item) in resolve::items_of(ctx.instance, view.map(String::as_str)) {
            let own;
            let annotations = if path.is_empty() && !per_channel {
                ctx.annotations
            } else {
                own = ctx.project.schemas.annotations(&item, family);
                &own
            };
            for (pointer, annotation) in annotations {
                if *annotation != Annotation::Kind(Kind::Measurement) || pointer.is_empty() {
                    continue;
                }
                let Some(slot) = item.pointer(pointer) else {
                    continue;
                };
                let (Some(value), Some(unit)) = (
                    slot.get("value").and_then(serde_json::Value::as_str),
                    slot.get("unit").and_then(serde_json::Value::as_str),
                ) else {
                    continue;
                };
                // As resolve::resolve names them.
                let attribute = pointer.rsplit('/').next().unwrap_or_default();
                let top = pointer.split('/').nth(1).unwrap_or_default();
                for (name, channel) in &converting {
                    if view.is_some_and(|v| v != *name) {
                        continue;
                    }
                    let Some(to) =
                        resolve::wanted_unit(&channel.target.units, attribute, top, unit)
                    else {
                        continue;
                    };
                    if units::convert(value, unit, to) != Err(units::ConvertError::OutOfRange) {
                        continue;
                    }
                    let written = value_as_written(ctx.root, &path, name, pointer);
                    failing.push((written, unit.to_owned(), (*name).clone(), to.clone()));
                }
            }
        }
    }
    // One diagnostic per value as written, naming every channel it fails for.
    failing.sort();
    failing.dedup();
    let mut by_value: Vec<(String, String, Vec<String>)> = Vec::new();
    for (pointer, unit, name, to) in failing {
        let channel = format!("`{name}` (to {to})");
        match by_value.last_mut() {
            Some((p, _, channels)) if *p == pointer => channels.push(channel),
            _ => by_value.push((pointer, unit, vec![channel])),
        }
    }
    for (pointer, unit, channels) in by_value {
        let Some(node) = ctx.root.pointer(&pointer) else {
            continue;
        };
        let value = node.as_str().unwrap_or_default();
        out.push(
            ctx.diagnostic(
                Rule::NumberOutOfRange,
                node,
                pointer.clone(),
                format!(
                    "`{pointer}`: `{}` {unit} cannot be converted exactly for channel {}: the result needs more than {} digits",
                    cut(value),
                    channels.join(", "),
                    units::MAX_DIGITS
                ),
            )
            .help("correct the value; a measurement rarely needs more than a few decimal places"),
        );
    }
}

/// Where the `value` of the measurement at `pointer` of the item at variant `path` is written,
/// for `channel`: the deepest level that sets it (a variant's `channels` block, the variant,
/// ..., the product).
fn value_as_written(root: &Node, path: &[usize], channel: &str, pointer: &str) -> String {
    let mut levels = vec![String::new()];
    for i in path {
        let parent = levels.last().cloned().unwrap_or_default();
        levels.push(format!("{parent}/variants/{i}"));
    }
    let block = pointer_push("/channels", channel);
    for level in levels.iter().rev() {
        for candidate in [
            format!("{level}{block}{pointer}/value"),
            format!("{level}{pointer}/value"),
        ] {
            if root.pointer(&candidate).is_some() {
                return candidate;
            }
        }
    }
    format!("{pointer}/value")
}

/// A variant mapping of a product, at level 1 (`/variants/i`) or 2
/// (`/variants/i/variants/j`).
pub struct VariantNode<'n> {
    pub pointer: String,
    pub node: &'n Node,
    /// 0 for the first level, 1 for the second.
    pub level: usize,
    /// The pointer of the list it is in: siblings share it.
    pub group: String,
    /// Its place among its siblings.
    pub index: usize,
}

/// Every variant mapping of a product, depth first, in file order (two levels at most).
pub fn variant_nodes(root: &Node) -> Vec<VariantNode<'_>> {
    fn walk<'n>(node: &'n Node, pointer: &str, level: usize, out: &mut Vec<VariantNode<'n>>) {
        if level > 1 {
            return;
        }
        let Some(Node {
            value: Value::Seq(items),
            ..
        }) = node.get("variants")
        else {
            return;
        };
        let group = format!("{pointer}/variants");
        for (index, variant) in items.iter().enumerate() {
            let child = format!("{group}/{index}");
            out.push(VariantNode {
                pointer: child.clone(),
                node: variant,
                level,
                group: group.clone(),
                index,
            });
            walk(variant, &child, level + 1, out);
        }
    }
    let mut out = Vec::new();
    walk(root, "", 0, &mut out);
    out
}

/// The product's own mapping and every variant mapping, with its pointer and depth (0 for
/// the product, 1 and 2 for the variant levels).
pub fn owner_nodes(root: &Node) -> Vec<(String, &Node, usize)> {
    std::iter::once((String::new(), root, 0))
        .chain(
            variant_nodes(root)
                .into_iter()
                .map(|v| (v.pointer, v.node, v.level + 1)),
        )
        .collect()
}

/// The sellable items of a product in the file: the leaves of its variant tree (pointer and
/// node), or the product itself without variants; none for `variants: []`.
pub fn leaf_nodes(root: &Node) -> Vec<(String, &Node)> {
    fn walk<'n>(node: &'n Node, pointer: String, level: usize, out: &mut Vec<(String, &'n Node)>) {
        // A variant that is not a mapping is a schema error, not an item.
        if !matches!(node.value, Value::Map(_)) {
            return;
        }
        match node.get("variants") {
            Some(Node {
                value: Value::Seq(items),
                ..
            }) if level < 2 => {
                for (i, child) in items.iter().enumerate() {
                    walk(child, format!("{pointer}/variants/{i}"), level + 1, out);
                }
            }
            _ => out.push((pointer, node)),
        }
    }
    let mut out = Vec::new();
    walk(root, String::new(), 0, &mut out);
    out
}

fn missing_variant_axis(ctx: &FileContext<'_>, levels: &[Vec<String>], out: &mut Vec<Diagnostic>) {
    for v in variant_nodes(ctx.root) {
        if !matches!(v.node.value, Value::Map(_)) {
            continue;
        }
        let Some(axes) = levels.get(v.level) else {
            continue;
        };
        for axis in axes {
            let present = v
                .node
                .get(axis)
                .is_some_and(|value| !matches!(value.value, Value::Null));
            if !present {
                out.push(
                    ctx.diagnostic(
                        Rule::MissingVariantAxis,
                        v.node,
                        format!("{}/{axis}", v.pointer),
                        format!(
                            "variant {} lacks the variant axis `{axis}`",
                            variant_name(v.node, v.index)
                        ),
                    )
                    .help(format!(
                        "add `{axis}:` to the variant; its family's variant axes at this level are {}",
                        axes.join(", ")
                    )),
                );
            }
        }
    }
}

/// An axis value as compared between variants: measurements by their amount in the
/// dimension's base unit (`32 in` equals `81.28 cm`), anything else as written.
fn axis_key(node: &Node) -> String {
    let json = node.to_json();
    let amount = json
        .get("value")
        .and_then(serde_json::Value::as_str)
        .zip(json.get("unit").and_then(serde_json::Value::as_str))
        .and_then(|(value, unit)| units::in_base_unit(value, unit));
    amount.unwrap_or_else(|| json.to_string())
}

fn duplicate_variant_axes(
    ctx: &FileContext<'_>,
    levels: &[Vec<String>],
    out: &mut Vec<Diagnostic>,
) {
    let variants = variant_nodes(ctx.root);
    let mut seen: HashMap<(&str, Vec<String>), &VariantNode<'_>> = HashMap::new();
    for v in &variants {
        let Some(axes) = levels.get(v.level).filter(|a| !a.is_empty()) else {
            continue;
        };
        let values: Option<Vec<String>> = axes
            .iter()
            .map(|axis| v.node.get(axis).map(axis_key))
            .collect();
        let Some(values) = values else { continue };
        let shown: Vec<String> = axes
            .iter()
            .filter_map(|axis| Some(format!("{axis} {}", v.node.get(axis)?.to_json())))
            .collect();
        match seen.get(&(v.group.as_str(), values.clone())) {
            Some(first) => out.push(
                ctx.diagnostic(
                    Rule::DuplicateVariantAxes,
                    v.node,
                    v.pointer.clone(),
                    format!(
                        "variant {} has the same {} as variant {}",
                        variant_name(v.node, v.index),
                        shown.join(", "),
                        variant_name(first.node, first.index)
                    ),
                )
                .help("change the axis values of one of them, or remove one"),
            ),
            None => {
                seen.insert((v.group.as_str(), values), v);
            }
        }
    }
}

/// `variants: []`: the product has no sellable item.
fn no_items(ctx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
    for (pointer, node, _) in owner_nodes(ctx.root) {
        if let Some(
            list @ Node {
                value: Value::Seq(items),
                ..
            },
        ) = node.get("variants")
            && items.is_empty()
        {
            out.push(
                ctx.diagnostic(
                    Rule::NoItems,
                    list,
                    format!("{pointer}/variants"),
                    "`variants` is empty, so the product has no sellable item in any channel"
                        .into(),
                )
                .help("add variants, or remove `variants:` to sell the product itself"),
            );
        }
    }
}

/// Keys that no schema declares, in the product, its variants and their `channels` blocks.
fn unknown_attribute(ctx: &FileContext<'_>, family: Option<&str>, out: &mut Vec<Diagnostic>) {
    let dictionary = &ctx.project.dictionary;
    let mut check = |mapping: &Node, pointer: &str, in_block: bool| {
        let Value::Map(entries) = &mapping.value else {
            return;
        };
        for (key, _) in entries {
            let name = key.key_text();
            let reserved = if in_block {
                name == "status"
            } else {
                crate::dictionary::RESERVED.contains(&name.as_str())
            };
            if reserved || dictionary.declares(family, &name) {
                continue;
            }
            let suggestion = crate::suggest::closest(&name, dictionary.names(family));
            let mut d = ctx.diagnostic(
                Rule::UnknownAttribute,
                key,
                pointer_push(pointer, &name),
                format!(
                    "`{name}` is not an attribute of the dictionary{}",
                    suggestion
                        .map(|s| format!("; did you mean `{s}`?"))
                        .unwrap_or_default()
                ),
            );
            d = d.help(match suggestion {
                Some(s) => {
                    format!("rename it to `{s}`, or add `{name}` to the product or family schema")
                }
                None => {
                    format!("correct the name, or add `{name}` to the product or family schema")
                }
            });
            out.push(d);
        }
    };
    for (pointer, node, _) in &owner_nodes(ctx.root) {
        check(node, pointer, false);
        if let Some(Node {
            value: Value::Map(blocks),
            ..
        }) = node.get("channels")
        {
            for (channel, block) in blocks {
                let at = pointer_push(&format!("{pointer}/channels"), &channel.key_text());
                check(block, &at, true);
            }
        }
    }
}

/// `channels` is a mapping from channel name to a mapping of values; `variants` nest two
/// levels at most.
fn misplaced_structure(ctx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
    for (pointer, node, level) in owner_nodes(ctx.root) {
        if level == 2
            && let Some((key, _)) = node.entry("variants")
        {
            out.push(
                ctx.diagnostic(
                    Rule::UnknownAttribute,
                    key,
                    format!("{pointer}/variants"),
                    "`variants` nests a third level; pim reads two levels of variants at most"
                        .into(),
                )
                .help(
                    "move these values into the variant itself, or make them variants one level up",
                ),
            );
        }
        let Some(channels) = node.get("channels") else {
            continue;
        };
        let at = format!("{pointer}/channels");
        let Value::Map(blocks) = &channels.value else {
            out.push(
                ctx.diagnostic(
                    Rule::Schema("type".into()),
                    channels,
                    at,
                    "`channels` must be a mapping from channel name to the values for that channel"
                        .into(),
                )
                .help("write it like `channels: {marketplace: {description: {en-US: ...}}}`"),
            );
            continue;
        };
        for (key, block) in blocks {
            if !matches!(block.value, Value::Map(_)) {
                out.push(
                    ctx.diagnostic(
                        Rule::Schema("type".into()),
                        block,
                        pointer_push(&at, &key.key_text()),
                        format!(
                            "`channels.{}` must be a mapping of attributes to values",
                            key.key_text()
                        ),
                    )
                    .help("write the attributes this channel sees differently, e.g. `status: archived`"),
                );
            }
        }
    }
}

/// `channels` blocks must name channels of pim.toml.
fn unknown_channel(ctx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
    let channels = &ctx.project.config.channels;
    for (pointer, node, _) in owner_nodes(ctx.root) {
        let Some(Node {
            value: Value::Map(blocks),
            ..
        }) = node.get("channels")
        else {
            continue;
        };
        for (key, _) in blocks {
            let name = key.key_text();
            if channels.contains_key(&*name) {
                continue;
            }
            let names: Vec<&str> = channels.keys().map(String::as_str).collect();
            out.push(
                ctx.diagnostic(
                    Rule::UnknownChannel,
                    key,
                    pointer_push(&format!("{pointer}/channels"), &name),
                    format!(
                        "`channels` has values for `{name}`, which is not a channel of pim.toml{}",
                        crate::suggest::did_you_mean(&name, names.iter().copied())
                    ),
                )
                .help(format!("use one of: {}", names.join(", "))),
            );
        }
    }
}

/// C0 control characters other than TAB, LF and CR are errors (XML cannot carry them);
/// Unicode bidirectional overrides are warnings (text that displays unlike it reads).
fn control_character(ctx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
    fn walk(ctx: &FileContext<'_>, node: &Node, pointer: &str, out: &mut Vec<Diagnostic>) {
        match &node.value {
            Value::Str(text) => {
                // One pass over the bytes finds the rare string worth a closer look.
                let suspect = text
                    .bytes()
                    .any(|b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0xE2);
                if !suspect {
                    return;
                }
                if let Some((i, c)) = text.chars().enumerate().find(|(_, c)| {
                    c.is_ascii_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{7f}')
                }) {
                    out.push(
                        ctx.diagnostic(
                            Rule::ControlCharacter,
                            node,
                            pointer.to_owned(),
                            format!(
                                "`{pointer}` holds the control character U+{:04X} at character {}",
                                u32::from(c),
                                i + 1
                            ),
                        )
                        .help("remove it: feeds such as XML cannot carry it"),
                    );
                } else if let Some((i, c)) = text
                    .chars()
                    .enumerate()
                    .find(|(_, c)| matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'))
                {
                    let mut d = ctx
                        .diagnostic(
                            Rule::ControlCharacter,
                            node,
                            pointer.to_owned(),
                            format!(
                                "`{pointer}` holds the bidirectional override U+{:04X} at character {}: the text may display unlike it reads",
                                u32::from(c),
                                i + 1
                            ),
                        )
                        .help("remove it unless the text needs it");
                    d.severity = crate::diag::Severity::Warning;
                    out.push(d);
                }
            }
            Value::Seq(items) => {
                for (i, item) in items.iter().enumerate() {
                    walk(ctx, item, &format!("{pointer}/{i}"), out);
                }
            }
            Value::Map(entries) => {
                for (key, value) in entries {
                    walk(ctx, value, &pointer_push(pointer, &key.key_text()), out);
                }
            }
            _ => {}
        }
    }
    walk(ctx, ctx.root, "", out);
}

fn variant_name(variant: &Node, index: usize) -> String {
    match variant.get("sku").and_then(Node::as_str) {
        Some(sku) => format!("`{sku}`"),
        None => format!("#{}", index + 1),
    }
}

fn file_name_mismatch(ctx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
    let Some(node) = ctx.root.get("sku") else {
        return;
    };
    let Some(sku) = node.as_str() else { return };
    let name = ctx.file.rel.rsplit('/').next().unwrap_or_default();
    let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
    if stem != sku {
        out.push(
            ctx.diagnostic(
                Rule::FileNameMismatch,
                node,
                "/sku".into(),
                format!("the file is named `{name}` but holds the SKU `{sku}`"),
            )
            .help(format!("rename the file to `{sku}.yaml`")),
        );
    }
}

/// What the cross-file rules need: SKUs, GTINs and association targets with positions.
pub fn facts(ctx: &FileContext<'_>) -> Facts {
    let mut facts = Facts::default();
    if let Some(node) = ctx.root.get("sku")
        && let Some(sku) = node.as_str()
    {
        facts.skus.push(Located::new(sku, node.span.start, "/sku"));
    }
    for v in variant_nodes(ctx.root) {
        if let Some(node) = v.node.get("sku")
            && let Some(sku) = node.as_str()
        {
            facts.skus.push(Located::new(
                sku,
                node.span.start,
                format!("{}/sku", v.pointer),
            ));
        }
    }
    facts.items = leaf_nodes(ctx.root).len();
    for (pointer, _) in ctx
        .annotations
        .iter()
        .filter(|(_, a)| *a == Annotation::Kind(Kind::Measurement))
    {
        let Some(unit) = ctx
            .root
            .pointer(pointer)
            .and_then(|n| n.get("unit"))
            .and_then(Node::as_str)
        else {
            continue;
        };
        let mut segments = crate::source::yaml::pointer_segments(pointer)
            .filter(|s| s.parse::<usize>().is_err() && s != "variants");
        let top = segments.next().unwrap_or_default();
        let attribute = segments.last().unwrap_or_else(|| top.clone());
        let fact = Measured {
            attribute,
            top,
            unit: unit.to_owned(),
        };
        if !facts.measurements.contains(&fact) {
            facts.measurements.push(fact);
        }
    }
    for (pointer, annotation) in ctx.annotations {
        if *annotation == Annotation::Format("gtin".into())
            && let Some(node) = ctx.locator.node(pointer)
            && let Some(gtin) = node.as_str()
        {
            facts
                .gtins
                .push(Located::new(gtin, node.span.start, pointer.clone()));
        }
    }
    if let Some(Node {
        value: Value::Map(kinds),
        ..
    }) = ctx.root.get("associations")
    {
        for (kind, links) in kinds {
            let Value::Seq(links) = &links.value else {
                continue;
            };
            let base = pointer_push("/associations", &kind.key_text());
            for (i, link) in links.iter().enumerate() {
                let (node, pointer) = match &link.value {
                    Value::Str(_) => (link, format!("{base}/{i}")),
                    Value::Map(_) => match link.get("sku") {
                        Some(n) => (n, format!("{base}/{i}/sku")),
                        None => continue,
                    },
                    _ => continue,
                };
                if let Some(sku) = node.as_str() {
                    facts
                        .links
                        .push(Located::new(sku, node.span.start, pointer));
                }
            }
        }
    }
    facts
}

/// A value the cross-file rules look at: in which file (an index into
/// [`CrossFacts::files`]), where, and at which JSON pointer.
#[derive(Clone, Copy, Debug)]
pub struct Fact<'a> {
    pub file: usize,
    pub value: &'a str,
    pub offset: usize,
    pub pointer: &'a str,
}

/// A file as the cross-file rules see it: its path and its product's SKU.
#[derive(Clone, Copy, Debug)]
pub struct FactFile<'a> {
    pub rel: &'a str,
    pub sku: Option<&'a str>,
}

/// A measurement's unit in one file: attribute, top-level attribute, unit.
#[derive(Clone, Copy, Debug)]
pub struct FactUnit<'a> {
    pub file: usize,
    pub attribute: &'a str,
    pub top: &'a str,
    pub unit: &'a str,
}

/// What the cross-file rules need of every product file, in file order, borrowed from the
/// checked files or from the cache (which then need not build a [`Checked`] per file).
#[derive(Debug, Default)]
pub struct CrossFacts<'a> {
    pub files: Vec<FactFile<'a>>,
    pub skus: Vec<Fact<'a>>,
    pub gtins: Vec<Fact<'a>>,
    pub links: Vec<Fact<'a>>,
    pub units: Vec<FactUnit<'a>>,
}

impl<'a> CrossFacts<'a> {
    /// Adds a file that was read as a product; returns its index.
    pub fn add_file(&mut self, rel: &'a str, sku: Option<&'a str>) -> usize {
        self.files.push(FactFile { rel, sku });
        self.files.len() - 1
    }

    /// The facts of checked files, in their order.
    pub fn of(files: &'a [Checked]) -> CrossFacts<'a> {
        let mut out = CrossFacts::default();
        for c in files {
            let Some(facts) = &c.facts else { continue };
            out.add(&c.file.rel, c.sku.as_deref(), facts);
        }
        out
    }

    /// Adds one file's facts.
    pub fn add(&mut self, rel: &'a str, sku: Option<&'a str>, facts: &'a Facts) {
        let file = self.add_file(rel, sku);
        let located = |l: &'a Located| Fact {
            file,
            value: &l.value,
            offset: l.offset,
            pointer: &l.pointer,
        };
        self.skus.extend(facts.skus.iter().map(located));
        self.gtins.extend(facts.gtins.iter().map(located));
        self.links.extend(facts.links.iter().map(located));
        self.units
            .extend(facts.measurements.iter().map(|m| FactUnit {
                file,
                attribute: &m.attribute,
                top: &m.top,
                unit: &m.unit,
            }));
    }

    fn file(&self, fact: &Fact<'_>) -> FactFile<'a> {
        self.files
            .get(fact.file)
            .copied()
            .unwrap_or(FactFile { rel: "", sku: None })
    }
}

/// The rules that span files, over checked files.
pub fn check_catalog(files: &[Checked]) -> Vec<Diagnostic> {
    check_cross(&CrossFacts::of(files))
}

/// The rules that span files.
pub fn check_cross(facts: &CrossFacts<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    // SKUs are compared case-insensitively: each lowered once for both rules.
    let lowered: Vec<std::borrow::Cow<'_, str>> = facts
        .skus
        .iter()
        .map(|f| {
            if f.value
                .bytes()
                .any(|b| b.is_ascii_uppercase() || !b.is_ascii())
            {
                std::borrow::Cow::Owned(f.value.to_lowercase())
            } else {
                std::borrow::Cow::Borrowed(f.value)
            }
        })
        .collect();
    duplicate_sku(facts, &lowered, &mut out);
    duplicate_gtin(facts, &mut out);
    unknown_association(facts, &lowered, &mut out);
    out
}

fn duplicate_sku(
    facts: &CrossFacts<'_>,
    lowered: &[std::borrow::Cow<'_, str>],
    out: &mut Vec<Diagnostic>,
) {
    let mut first: HashMap<&str, &str> = HashMap::with_capacity(facts.skus.len());
    for (fact, key) in facts.skus.iter().zip(lowered) {
        let file = facts.file(fact);
        let sku = fact.value;
        match first.get(key.as_ref()) {
            Some(&where_) => out.push(
                Diagnostic::new(
                    Rule::DuplicateSku,
                    file.rel,
                    Position::Offset(fact.offset),
                    if where_ == file.rel {
                        format!("SKU `{sku}` is defined twice in this file (SKUs are compared case-insensitively)")
                    } else {
                        format!("SKU `{sku}` is also defined in {where_} (SKUs are compared case-insensitively)")
                    },
                )
                .at(fact.pointer.to_owned())
                .sku(file.sku)
                .help("give one of them a new SKU"),
            ),
            None => {
                first.insert(key.as_ref(), file.rel);
            }
        }
    }
}

fn duplicate_gtin(facts: &CrossFacts<'_>, out: &mut Vec<Diagnostic>) {
    let mut first: HashMap<&str, (&str, &str)> = HashMap::with_capacity(facts.gtins.len());
    for fact in &facts.gtins {
        let here = facts.file(fact);
        let gtin = fact.value;
        match first.get(gtin) {
            Some(&(file, first_pointer)) => out.push(
                Diagnostic::new(
                    Rule::DuplicateGtin,
                    here.rel,
                    Position::Offset(fact.offset),
                    format!("GTIN `{gtin}` is also used in {file} at `{first_pointer}`"),
                )
                .at(fact.pointer.to_owned())
                .sku(here.sku)
                .help("each trade item has its own GTIN; correct one of the two"),
            ),
            None => {
                first.insert(gtin, (here.rel, fact.pointer));
            }
        }
    }
}

fn unknown_association(
    facts: &CrossFacts<'_>,
    lowered: &[std::borrow::Cow<'_, str>],
    out: &mut Vec<Diagnostic>,
) {
    if facts.links.is_empty() {
        return;
    }
    let known: HashSet<&str> = lowered.iter().map(AsRef::as_ref).collect();
    for fact in &facts.links {
        let file = facts.file(fact);
        let (sku, pointer) = (fact.value, fact.pointer);
        if !known.contains(sku.to_lowercase().as_str()) {
            out.push(
                Diagnostic::new(
                    Rule::UnknownAssociation,
                    file.rel,
                    Position::Offset(fact.offset),
                    format!("`{pointer}` links to SKU `{sku}`, which no product or variant has"),
                )
                .at(pointer.to_owned())
                .sku(file.sku)
                .help("correct the SKU, or remove the link"),
            );
        }
    }
}

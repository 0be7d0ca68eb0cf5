//! Catalog rules beyond JSON Schema, one function each: those that look at one product
//! file, and those that span files.

use crate::catalog::{Checked, Facts, Located, Measured, Project};
use crate::diag::{Diagnostic, Position, Rule};
use crate::schema::{Annotation, Compiled, FileRef, Kind};
use crate::source::yaml::{Node, Value, pointer_push};
use crate::units;
use std::collections::{HashMap, HashSet};

/// One product file, parsed, with what the schemas say of its values.
pub struct FileContext<'a> {
    pub project: &'a Project,
    pub root: &'a Node,
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
                    self.root.pointer(pointer).map(|n| (pointer.as_str(), n))
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
    if let Some(family) = family {
        missing_variant_axis(ctx, &family.variant_axes, &mut out);
        duplicate_variant_axes(ctx, &family.variant_axes, &mut out);
    }
    file_name_mismatch(ctx, &mut out);
    out
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
                format!("the family `{name}` has no schema"),
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
                        "the category `{code}` is not defined in {}",
                        ctx.project.config.project.categories.display()
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
                        format!("`{pointer}` has a value for the locale `{locale}`, which is not a project locale"),
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
                        format!("`{pointer}` has a price in `{currency}`, which is not a project currency"),
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

fn variants(root: &Node) -> &[Node] {
    match root.get("variants") {
        Some(Node {
            value: Value::Seq(items),
            ..
        }) => items,
        _ => &[],
    }
}

fn missing_variant_axis(ctx: &FileContext<'_>, axes: &[String], out: &mut Vec<Diagnostic>) {
    for (i, variant) in variants(ctx.root).iter().enumerate() {
        if !matches!(variant.value, Value::Map(_)) {
            continue;
        }
        for axis in axes {
            let present = variant
                .get(axis)
                .is_some_and(|v| !matches!(v.value, Value::Null));
            if !present {
                out.push(
                    ctx.diagnostic(
                        Rule::MissingVariantAxis,
                        variant,
                        format!("/variants/{i}/{axis}"),
                        format!(
                            "variant {} lacks the variant axis `{axis}`",
                            variant_name(variant, i)
                        ),
                    )
                    .help(format!(
                        "add `{axis}:` to the variant; its family's variant axes are {}",
                        axes.join(", ")
                    )),
                );
            }
        }
    }
}

fn duplicate_variant_axes(ctx: &FileContext<'_>, axes: &[String], out: &mut Vec<Diagnostic>) {
    if axes.is_empty() {
        return;
    }
    let mut seen: HashMap<Vec<String>, usize> = HashMap::new();
    for (i, variant) in variants(ctx.root).iter().enumerate() {
        let values: Option<Vec<String>> = axes
            .iter()
            .map(|axis| variant.get(axis).map(|v| v.to_json().to_string()))
            .collect();
        let Some(values) = values else { continue };
        if let Some(&first) = seen.get(&values) {
            let shown: Vec<String> = axes
                .iter()
                .zip(&values)
                .map(|(a, v)| format!("{a} {v}"))
                .collect();
            out.push(
                ctx.diagnostic(
                    Rule::DuplicateVariantAxes,
                    variant,
                    format!("/variants/{i}"),
                    format!(
                        "variant {} has the same {} as variant {}",
                        variant_name(variant, i),
                        shown.join(", "),
                        variants(ctx.root)
                            .get(first)
                            .map_or_else(|| first.to_string(), |v| variant_name(v, first))
                    ),
                )
                .help("change the axis values of one of them, or remove one"),
            );
        } else {
            seen.insert(values, i);
        }
    }
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
    let variants = variants(ctx.root);
    for (i, variant) in variants.iter().enumerate() {
        if let Some(node) = variant.get("sku")
            && let Some(sku) = node.as_str()
        {
            facts.skus.push(Located::new(
                sku,
                node.span.start,
                format!("/variants/{i}/sku"),
            ));
        }
    }
    facts.items = variants.len().max(1);
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
            && let Some(node) = ctx.root.pointer(pointer)
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

/// The rules that span files, over every checked file in path order.
pub fn check_catalog(files: &[Checked]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    duplicate_sku(files, &mut out);
    duplicate_gtin(files, &mut out);
    unknown_association(files, &mut out);
    out
}

fn with_facts(files: &[Checked]) -> impl Iterator<Item = (&Checked, &Facts)> {
    files
        .iter()
        .filter_map(|c| c.facts.as_ref().map(|f| (c, f)))
}

fn duplicate_sku(files: &[Checked], out: &mut Vec<Diagnostic>) {
    let mut first: HashMap<String, &str> = HashMap::new();
    for (checked, facts) in with_facts(files) {
        for Located {
            value: sku,
            offset,
            pointer,
        } in &facts.skus
        {
            let key = sku.to_lowercase();
            match first.get(&key) {
                Some(&where_) => out.push(
                    Diagnostic::new(
                        Rule::DuplicateSku,
                        &checked.file.rel,
                        Position::Offset(*offset),
                        if where_ == checked.file.rel {
                            format!("SKU `{sku}` is defined twice in this file (SKUs are compared case-insensitively)")
                        } else {
                            format!("SKU `{sku}` is also defined in {where_} (SKUs are compared case-insensitively)")
                        },
                    )
                    .at(pointer.clone())
                    .sku(checked.sku.as_deref())
                    .help("give one of them a new SKU"),
                ),
                None => {
                    first.insert(key, &checked.file.rel);
                }
            }
        }
    }
}

fn duplicate_gtin(files: &[Checked], out: &mut Vec<Diagnostic>) {
    let mut first: HashMap<&str, (&str, &str)> = HashMap::new();
    for (checked, facts) in with_facts(files) {
        for Located {
            value: gtin,
            offset,
            pointer,
        } in &facts.gtins
        {
            match first.get(gtin.as_str()) {
                Some(&(file, first_pointer)) => out.push(
                    Diagnostic::new(
                        Rule::DuplicateGtin,
                        &checked.file.rel,
                        Position::Offset(*offset),
                        format!("GTIN `{gtin}` is also used in {file} at `{first_pointer}`"),
                    )
                    .at(pointer.clone())
                    .sku(checked.sku.as_deref())
                    .help("each trade item has its own GTIN; correct one of the two"),
                ),
                None => {
                    first.insert(gtin, (&checked.file.rel, pointer));
                }
            }
        }
    }
}

fn unknown_association(files: &[Checked], out: &mut Vec<Diagnostic>) {
    let known: HashSet<String> = with_facts(files)
        .flat_map(|(_, f)| f.skus.iter().map(|s| s.value.to_lowercase()))
        .collect();
    for (checked, facts) in with_facts(files) {
        for Located {
            value: sku,
            offset,
            pointer,
        } in &facts.links
        {
            if !known.contains(&sku.to_lowercase()) {
                out.push(
                    Diagnostic::new(
                        Rule::UnknownAssociation,
                        &checked.file.rel,
                        Position::Offset(*offset),
                        format!(
                            "`{pointer}` links to SKU `{sku}`, which no product or variant has"
                        ),
                    )
                    .at(pointer.clone())
                    .sku(checked.sku.as_deref())
                    .help("correct the SKU, or remove the link"),
                );
            }
        }
    }
}

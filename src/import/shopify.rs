//! Shopify's product CSV (the classic column names and the 2024 ones) to a pim project: one
//! product per handle, its variants by option, prices in the project's currency, images as
//! URLs, tags and status.

use super::model::{self, Entity, Layout, Slot, Val, Values, json_output, obj, strs};
use super::table::{Row, Table};
use super::{Findings, ImportOutcome, Output, ShopifyOptions};
use anyhow::{Result, bail};
use std::collections::{BTreeMap, BTreeSet};

/// What a column of the file holds, whatever its name's generation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    Handle,
    Title,
    Body,
    Vendor,
    ProductCategory,
    Type,
    Tags,
    Published,
    Status,
    OptionName(usize),
    OptionValue(usize),
    Sku,
    Grams,
    Price,
    CompareAt,
    Barcode,
    ImageSrc,
    ImagePosition,
    VariantImage,
    SeoTitle,
    SeoDescription,
    /// Columns with no place in pim (alt texts, inventory, the weight's display unit, ...),
    /// reported when they hold values.
    Other,
}

/// Classic and 2024 header names (compared case-insensitively).
fn field(header: &str) -> Field {
    let h = header.trim().to_ascii_lowercase();
    for n in 1..=3 {
        if h == format!("option{n} name") {
            return Field::OptionName(n - 1);
        }
        if h == format!("option{n} value") {
            return Field::OptionValue(n - 1);
        }
    }
    match h.as_str() {
        "handle" | "url handle" => Field::Handle,
        "title" => Field::Title,
        "body (html)" | "description" => Field::Body,
        "vendor" => Field::Vendor,
        "product category" => Field::ProductCategory,
        "type" => Field::Type,
        "tags" => Field::Tags,
        "published" | "published on online store" => Field::Published,
        "status" => Field::Status,
        "variant sku" | "sku" => Field::Sku,
        "variant grams" | "weight value (grams)" => Field::Grams,
        "variant price" | "price" => Field::Price,
        "variant compare at price" | "compare-at price" => Field::CompareAt,
        "variant barcode" | "barcode" => Field::Barcode,
        "image src" | "product image url" => Field::ImageSrc,
        "image position" => Field::ImagePosition,
        "variant image" | "variant image url" => Field::VariantImage,
        "seo title" => Field::SeoTitle,
        "seo description" => Field::SeoDescription,
        _ => Field::Other,
    }
}

/// The attributes every imported product may have, in file order.
const ATTRIBUTES: &[&str] = &[
    "name",
    "description",
    "brand",
    "product_type",
    "product_category",
    "tags",
    "seo_title",
    "seo_description",
    "images",
    "price",
    "compare_at_price",
    "gtin",
    "weight",
];

/// Keys an option's attribute may not take.
const RESERVED: &[&str] = &[
    "sku",
    "family",
    "status",
    "categories",
    "associations",
    "variants",
    "channels",
];

struct Columns {
    fields: Vec<Field>,
}

impl Columns {
    fn cell<'r>(&self, row: &'r Row, wanted: Field) -> &'r str {
        let index = self.fields.iter().position(|f| *f == wanted);
        row.get(index).trim()
    }

    fn has(&self, wanted: Field) -> bool {
        self.fields.contains(&wanted)
    }
}

/// A product as the file groups it: its rows, in file order.
struct Group<'t> {
    handle: String,
    rows: Vec<&'t Row>,
}

/// Imports the Shopify product CSV `options.file` into the project `options.into`.
pub fn import(options: &ShopifyOptions) -> Result<ImportOutcome> {
    let shown = options.file.file_name().map_or_else(
        || options.file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let table = Table::read(&options.file, &shown, b',')?;
    let columns = Columns {
        fields: table.headers.iter().map(|h| field(h)).collect(),
    };
    if !columns.has(Field::Handle) && !columns.has(Field::Title) {
        bail!(
            "{shown} is not a Shopify product CSV: it has neither a `Handle` (or `URL handle`) nor a `Title` column"
        );
    }
    let mut f = Findings::default();
    scan(&table, &columns, &mut f);
    let currency = options.currency.clone();
    let locale = options.locale.clone();

    let groups = group_rows(&table, &columns, &mut f);
    let mut roots: Vec<(String, Entity)> = Vec::new();
    let mut option_attrs: BTreeMap<String, String> = BTreeMap::new(); // code → label
    let mut families: BTreeMap<String, Vec<String>> = BTreeMap::new(); // family → axes
    let mut barcodes: Vec<String> = Vec::new();
    let mut counts = super::Counts::default();
    let mut skus: BTreeMap<String, String> = BTreeMap::new();
    for group in &groups {
        let Some(product) = build_product(
            group,
            &columns,
            &table.file,
            &locale,
            &currency,
            &mut option_attrs,
            &mut f,
        ) else {
            continue;
        };
        for e in std::iter::once(&product.entity).chain(product.entity.children.iter().flatten()) {
            if let Some(first) = skus.insert(e.sku.to_lowercase(), e.sku.clone()) {
                f.add(
                    &table.file,
                    Some(e.origin.1),
                    Some(&e.sku),
                    format!("the SKU `{}` is also used by `{first}` (pim compares SKUs case-insensitively); pim will report the duplicate", e.sku),
                );
            }
            if let Some(Val::Str(b)) = e.values.global.get(&Slot::top("gtin")) {
                barcodes.push(b.clone());
            }
        }
        counts.products += 1;
        match &product.entity.children {
            Some(children) => {
                counts.product_models += 1;
                counts.variants += children.len();
                counts.items += children.len();
            }
            None => counts.items += 1,
        }
        if let Some(family) = &product.entity.family {
            families.insert(family.clone(), product.axes.clone());
        }
        let folder = product
            .entity
            .family
            .clone()
            .unwrap_or_else(|| "no-family".to_owned());
        roots.push((folder, product.entity));
    }

    let layout = Layout {
        top_rank: ["status"]
            .iter()
            .chain(ATTRIBUTES)
            .enumerate()
            .map(|(i, a)| ((*a).to_owned(), i))
            .collect(),
        sub_rank: BTreeMap::from([(locale.clone(), 0), (currency.clone(), 1)]),
        channels: Vec::new(),
    };
    let mut outputs = Vec::new();
    let mut paths = BTreeSet::new();
    let mut inherited = Vec::new();
    for (folder, root) in &roots {
        let doc = model::product_document(root, &layout, &mut inherited);
        let text = model::to_yaml(&doc)
            .map_err(|e| anyhow::anyhow!("cannot write the product `{}` as YAML: {e}", root.sku))?;
        let stem = model::file_stem(&root.sku);
        let mut rel = format!("catalog/{folder}/{stem}.yaml");
        let mut n = 2;
        while !paths.insert(rel.to_lowercase()) {
            rel = format!("catalog/{folder}/{stem}-{n}.yaml");
            n += 1;
        }
        outputs.push(Output::text(rel, text));
    }
    for i in inherited {
        f.repeat(
            &table.file,
            Some(i.origin.1),
            Some(&i.sku),
            format!(
                "variants without `{}` get their product's",
                i.slot.display()
            ),
        );
    }
    let gtin_format = !barcodes.is_empty()
        && barcodes
            .iter()
            .all(|b| crate::schema::gtin_check(b).is_ok());
    if !barcodes.is_empty() && !gtin_format {
        let bad = barcodes
            .iter()
            .filter(|b| crate::schema::gtin_check(b).is_err())
            .count();
        f.add(
            &table.file,
            None,
            None,
            format!("{bad} of {} barcodes are not valid GTINs; `gtin` is imported as text, not checked as a GTIN", barcodes.len()),
        );
    }
    outputs.extend(schemas(
        &locale,
        &currency,
        &option_attrs,
        &families,
        gtin_format,
    ));
    counts.family_schemas = families.len();
    counts.families = families.len();
    counts.attributes = ATTRIBUTES.len() + option_attrs.len();
    counts.channels = 1;
    counts.locales = 1;
    counts.currencies = 1;

    let name = options
        .name
        .clone()
        .unwrap_or_else(|| super::default_name(&options.into));
    outputs.push(Output::text(
        "pim.toml",
        format!(
            "# Made by `pim import shopify` from `{shown}`. Importing the same file again changes no\n\
             # file; files that differ are kept unless the import runs with --force.\n\n\
             [project]\n\
             name = {}\n\
             locales = {}\n\
             default_locale = {}\n\
             currencies = {}\n\n\
             # The store the products came from.\n\
             [channels.shopify]\n\
             template = \"shopify.csv.j2\"\n\
             output = \"shopify.csv\"\n",
            super::toml_str(&name),
            super::toml_list(std::slice::from_ref(&locale)),
            super::toml_str(&locale),
            super::toml_list(std::slice::from_ref(&currency)),
        ),
    ));
    outputs.push(Output::text(
        "templates/shopify.csv.j2",
        super::starter_template("shopify", "shopify", Some("name"), Some("price")),
    ));
    outputs.push(Output::text(".gitignore", super::GITIGNORE.to_owned()));

    let files = super::write_outputs(&options.into, outputs, options.force)?;
    let (not_represented, damaged) = f.finish();
    let mut outcome = ImportOutcome {
        source: "shopify".to_owned(),
        input: options.file.display().to_string(),
        project: options.into.display().to_string(),
        counts,
        files,
        not_represented,
        damaged,
        media: Vec::new(),
    };
    super::count_files(&mut outcome);
    Ok(outcome)
}

/// Spreadsheet damage in any cell, and columns pim has no place for.
fn scan(table: &Table, columns: &Columns, f: &mut Findings) {
    let handle = columns.fields.iter().position(|c| *c == Field::Handle);
    for row in &table.rows {
        let sku = row.get(handle);
        for (i, cell) in row.cells.iter().enumerate() {
            let column = table.headers.get(i).map_or("", String::as_str);
            f.damaged(
                &table.file,
                row.line,
                column,
                (!sku.is_empty()).then_some(sku),
                cell,
            );
        }
    }
    for (i, (header, field)) in table.headers.iter().zip(&columns.fields).enumerate() {
        if *field != Field::Other {
            continue;
        }
        let used = table
            .rows
            .iter()
            .filter(|r| !r.get(Some(i)).trim().is_empty())
            .count();
        if used > 0 {
            f.add(
                &table.file,
                None,
                None,
                format!(
                    "the column `{header}` has no place in pim; not imported ({})",
                    super::values(used)
                ),
            );
        }
    }
}

/// Rows grouped by handle (in order of first appearance); without a handle column, a row
/// with a title starts a product and the following rows without one belong to it.
fn group_rows<'t>(table: &'t Table, columns: &Columns, f: &mut Findings) -> Vec<Group<'t>> {
    let mut groups: Vec<Group<'t>> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    let with_handle = columns.has(Field::Handle);
    for row in &table.rows {
        let handle = if with_handle {
            columns.cell(row, Field::Handle).to_owned()
        } else {
            let title = columns.cell(row, Field::Title);
            if title.is_empty() {
                match groups.last_mut() {
                    Some(g) => {
                        g.rows.push(row);
                        continue;
                    }
                    None => String::new(),
                }
            } else {
                handle_of(title)
            }
        };
        if handle.is_empty() {
            f.add(
                &table.file,
                Some(row.line),
                None,
                "the row has no handle and no title; it was not imported".to_owned(),
            );
            continue;
        }
        match index.get(&handle) {
            Some(&i) if with_handle => {
                if let Some(g) = groups.get_mut(i) {
                    g.rows.push(row);
                }
            }
            _ => {
                let mut unique = handle.clone();
                let mut n = 2;
                while index.contains_key(&unique) {
                    unique = format!("{handle}-{n}");
                    n += 1;
                }
                index.insert(unique.clone(), groups.len());
                groups.push(Group {
                    handle: unique,
                    rows: vec![row],
                });
            }
        }
    }
    groups
}

/// A handle as Shopify makes one from a title: lower-case letters, digits and dashes.
fn handle_of(title: &str) -> String {
    let mut out = String::new();
    for c in title.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

/// An option's name as an attribute code: `Shoe size` → `shoe_size`.
fn option_code(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    let code = out.trim_end_matches('_').to_owned();
    if code.is_empty() {
        "option".to_owned()
    } else if ATTRIBUTES.contains(&code.as_str()) || RESERVED.contains(&code.as_str()) {
        format!("option_{code}")
    } else {
        code
    }
}

struct Product {
    entity: Entity,
    axes: Vec<String>,
}

fn build_product(
    group: &Group<'_>,
    columns: &Columns,
    file: &str,
    locale: &str,
    currency: &str,
    option_attrs: &mut BTreeMap<String, String>,
    f: &mut Findings,
) -> Option<Product> {
    let first = group
        .rows
        .iter()
        .find(|r| !columns.cell(r, Field::Title).is_empty())
        .or(group.rows.first())?;
    let line = first.line;
    let handle = &group.handle;
    let mut values = Values::new();
    let text = |values: &mut Values, key: &str, field: Field| {
        let v = columns.cell(first, field);
        if !v.is_empty() {
            values.insert(Slot::top(key), Val::str(v));
        }
    };
    let title = columns.cell(first, Field::Title);
    if title.is_empty() {
        f.add(
            file,
            Some(line),
            Some(handle),
            "the product has no title".to_owned(),
        );
    } else {
        values.insert(Slot::at("name", vec![locale.to_owned()]), Val::str(title));
    }
    let body = columns.cell(first, Field::Body);
    if !body.is_empty() {
        values.insert(
            Slot::at("description", vec![locale.to_owned()]),
            Val::str(body),
        );
    }
    text(&mut values, "brand", Field::Vendor);
    text(&mut values, "product_type", Field::Type);
    text(&mut values, "product_category", Field::ProductCategory);
    text(&mut values, "seo_title", Field::SeoTitle);
    text(&mut values, "seo_description", Field::SeoDescription);
    let mut tags: Vec<Val> = Vec::new();
    for tag in columns.cell(first, Field::Tags).split(',').map(str::trim) {
        if !tag.is_empty() && !tags.contains(&Val::str(tag)) {
            tags.push(Val::str(tag));
        }
    }
    if !tags.is_empty() {
        values.insert(Slot::top("tags"), Val::List(tags));
    }
    let status = match columns
        .cell(first, Field::Status)
        .to_ascii_lowercase()
        .as_str()
    {
        s @ ("active" | "draft" | "archived") => s.to_owned(),
        other => {
            if !other.is_empty() {
                f.add(file, Some(line), Some(handle), format!("the status `{other}` is not active, draft or archived; the product is imported from `Published`"));
            }
            match columns
                .cell(first, Field::Published)
                .to_ascii_lowercase()
                .as_str()
            {
                "false" => "draft".to_owned(),
                _ => "active".to_owned(),
            }
        }
    };
    values.insert(Slot::top("status"), Val::Str(status));

    // Images, by position, then in file order.
    let mut images: Vec<(u64, usize, String)> = Vec::new();
    for (n, row) in group.rows.iter().enumerate() {
        let src = columns.cell(row, Field::ImageSrc);
        if src.is_empty() {
            continue;
        }
        let position = columns
            .cell(row, Field::ImagePosition)
            .parse()
            .unwrap_or(u64::MAX);
        images.push((position, n, src.to_owned()));
    }
    images.sort();
    let mut urls: Vec<Val> = Vec::new();
    for (_, _, url) in images {
        if !urls.contains(&Val::str(&url)) {
            urls.push(Val::Str(url));
        }
    }
    if !urls.is_empty() {
        values.insert(Slot::top("images"), Val::List(urls));
    }

    // Options: names on the first row; a single `Title` option means no options.
    let names: Vec<String> = (0..3)
        .map(|n| columns.cell(first, Field::OptionName(n)).to_owned())
        .collect();
    let default_title = names
        .first()
        .is_some_and(|n| n.eq_ignore_ascii_case("title"))
        && names.iter().skip(1).all(String::is_empty);
    let mut axes: Vec<(usize, String)> = Vec::new();
    if !default_title {
        for (n, name) in names.iter().enumerate() {
            if name.is_empty() {
                continue;
            }
            let mut code = option_code(name);
            while axes.iter().any(|(_, c)| *c == code) {
                code.push_str("_2");
            }
            option_attrs
                .entry(code.clone())
                .or_insert_with(|| name.clone());
            axes.push((n, code));
        }
    }

    let variant_rows: Vec<&Row> = group
        .rows
        .iter()
        .copied()
        .filter(|r| {
            [
                Field::Sku,
                Field::Price,
                Field::Barcode,
                Field::Grams,
                Field::OptionValue(0),
            ]
            .iter()
            .any(|field| !columns.cell(r, *field).is_empty())
        })
        .collect();
    let mut variants = Vec::new();
    for (n, row) in variant_rows.iter().enumerate() {
        let mut v = Values::new();
        let price = |v: &mut Values, key: &str, field: Field, f: &mut Findings| {
            let amount = columns.cell(row, field);
            if amount.is_empty() {
                return;
            }
            if !crate::schema::is_decimal(amount) {
                f.add(
                    file,
                    Some(row.line),
                    Some(handle),
                    format!(
                        "the price `{amount}` is not a decimal number with a dot; imported as it is"
                    ),
                );
            }
            v.insert(Slot::at(key, vec![currency.to_owned()]), Val::str(amount));
        };
        price(&mut v, "price", Field::Price, f);
        price(&mut v, "compare_at_price", Field::CompareAt, f);
        let barcode = columns.cell(row, Field::Barcode);
        if !barcode.is_empty() {
            v.insert(Slot::top("gtin"), Val::str(barcode));
        }
        let grams = columns.cell(row, Field::Grams);
        if !grams.is_empty() {
            if crate::schema::is_decimal(grams) {
                v.insert(
                    Slot::top("weight"),
                    Val::Map(vec![
                        ("value".to_owned(), Val::str(grams)),
                        ("unit".to_owned(), Val::str("g")),
                    ]),
                );
            } else {
                f.add(
                    file,
                    Some(row.line),
                    Some(handle),
                    format!("the weight `{grams}` (grams) is not a number; not imported"),
                );
            }
        }
        let image = columns.cell(row, Field::VariantImage);
        if !image.is_empty() {
            v.insert(Slot::top("images"), Val::List(vec![Val::str(image)]));
        }
        for (option, code) in &axes {
            let value = columns.cell(row, Field::OptionValue(*option));
            if value.is_empty() {
                f.add(
                    file,
                    Some(row.line),
                    Some(handle),
                    format!("the variant has no value for the option `{code}`; pim will report it"),
                );
            } else {
                v.insert(Slot::top(code.clone()), Val::str(value));
            }
        }
        let mut sku = columns.cell(row, Field::Sku).to_owned();
        if sku.is_empty() {
            sku = if axes.is_empty() {
                handle.clone()
            } else {
                format!("{handle}-{}", n + 1)
            };
            f.repeat(file, Some(row.line), Some(handle), "variants without a SKU got `HANDLE-N` (or the handle, for a product without options)".to_owned());
        }
        variants.push(Entity {
            sku,
            family: None,
            values: model::Scoped {
                global: v,
                channels: BTreeMap::new(),
            },
            forced: axes.iter().map(|(_, c)| Slot::top(c.clone())).collect(),
            children: None,
            origin: (file.to_owned(), row.line),
        });
    }

    if axes.is_empty() {
        // A product without options: its one variant's values are the product's.
        if variants.len() > 1 {
            f.add(
                file,
                Some(line),
                Some(handle),
                format!(
                    "the product has {} variant rows but no options; only the first was imported",
                    variants.len()
                ),
            );
        }
        let mut sku = handle.clone();
        if let Some(only) = variants.into_iter().next() {
            values.extend(only.values.global);
            sku = only.sku;
        }
        return Some(Product {
            entity: Entity {
                sku,
                family: None,
                values: model::Scoped {
                    global: values,
                    channels: BTreeMap::new(),
                },
                forced: BTreeSet::new(),
                children: None,
                origin: (file.to_owned(), line),
            },
            axes: Vec::new(),
        });
    }

    // Values every variant shares belong to the product.
    if let Some((head, rest)) = variants.split_first() {
        for (slot, value) in &head.values.global {
            let shared = rest
                .iter()
                .all(|v| v.values.global.get(slot) == Some(value));
            if shared && !head.forced.contains(slot) {
                if slot.top == "images" && values.contains_key(slot) {
                    continue;
                }
                values.insert(slot.clone(), value.clone());
            }
        }
    }
    let mut sku = handle.clone();
    if variants.iter().any(|v| v.sku.eq_ignore_ascii_case(&sku)) {
        sku = format!("{handle}-product");
        f.add(
            file,
            Some(line),
            Some(handle),
            format!("a variant has the handle as its SKU; the product's SKU is `{sku}`"),
        );
    }
    let axis_codes: Vec<String> = axes.into_iter().map(|(_, c)| c).collect();
    Some(Product {
        entity: Entity {
            sku,
            family: Some(axis_codes.join("_")),
            values: model::Scoped {
                global: values,
                channels: BTreeMap::new(),
            },
            forced: BTreeSet::new(),
            children: Some(variants),
            origin: (file.to_owned(), line),
        },
        axes: axis_codes,
    })
}

fn schemas(
    locale: &str,
    currency: &str,
    options: &BTreeMap<String, String>,
    families: &BTreeMap<String, Vec<String>>,
    gtin_format: bool,
) -> Vec<Output> {
    let labelled = |title: &str, mut rest: Vec<(&str, Val)>| {
        let mut entries = vec![
            ("title", Val::str(title)),
            (
                "x-pim-labels",
                Val::Map(vec![(locale.to_owned(), Val::str(title))]),
            ),
        ];
        entries.append(&mut rest);
        obj(entries)
    };
    let string = || vec![("type", Val::str("string"))];
    let localized = |extra: Vec<(&str, Val)>| {
        let mut value = string();
        value.extend(extra);
        vec![
            ("x-pim", Val::str("localized")),
            ("type", Val::str("object")),
            ("propertyNames", obj(vec![("enum", strs(&[locale]))])),
            ("additionalProperties", obj(value)),
        ]
    };
    let price = || {
        vec![
            ("x-pim", Val::str("price")),
            ("type", Val::str("object")),
            ("propertyNames", obj(vec![("enum", strs(&[currency]))])),
            (
                "additionalProperties",
                obj(vec![
                    ("type", Val::str("string")),
                    ("format", Val::str("decimal")),
                ]),
            ),
        ]
    };
    let mut gtin = string();
    if gtin_format {
        gtin.push(("format", Val::str("gtin")));
    }
    let defs: Vec<(String, Val)> = vec![
        ("name", labelled("Title", localized(vec![]))),
        (
            "description",
            labelled(
                "Description",
                localized(vec![("contentMediaType", Val::str("text/html"))]),
            ),
        ),
        ("brand", labelled("Vendor", string())),
        ("product_type", labelled("Type", string())),
        ("product_category", labelled("Product category", string())),
        (
            "tags",
            labelled(
                "Tags",
                vec![
                    ("type", Val::str("array")),
                    ("uniqueItems", Val::Bool(true)),
                    (
                        "items",
                        obj(vec![
                            ("type", Val::str("string")),
                            ("minLength", Val::Int(1)),
                        ]),
                    ),
                ],
            ),
        ),
        ("seo_title", labelled("SEO title", string())),
        ("seo_description", labelled("SEO description", string())),
        (
            "images",
            labelled(
                "Images",
                vec![
                    ("type", Val::str("array")),
                    (
                        "items",
                        obj(vec![
                            ("type", Val::str("string")),
                            ("format", Val::str("uri")),
                        ]),
                    ),
                ],
            ),
        ),
        ("price", labelled("Price", price())),
        ("compare_at_price", labelled("Compare-at price", price())),
        ("gtin", labelled("Barcode", gtin)),
        (
            "weight",
            labelled(
                "Weight",
                vec![
                    ("x-pim", Val::str("measurement")),
                    ("type", Val::str("object")),
                    ("required", strs(&["value", "unit"])),
                    ("additionalProperties", Val::Bool(false)),
                    (
                        "properties",
                        obj(vec![
                            (
                                "value",
                                obj(vec![
                                    ("type", Val::str("string")),
                                    ("format", Val::str("decimal")),
                                ]),
                            ),
                            ("unit", obj(vec![("enum", strs(&["g", "kg", "lb", "oz"]))])),
                        ]),
                    ),
                ],
            ),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .chain(
        options
            .iter()
            .map(|(code, name)| (code.clone(), labelled(name, string()))),
    )
    .collect();
    let reference =
        |code: &str, prefix: &str| obj(vec![("$ref", Val::Str(format!("{prefix}#/$defs/{code}")))]);
    let mut properties = vec![
        (
            "sku".to_owned(),
            obj(vec![
                ("type", Val::str("string")),
                ("minLength", Val::Int(1)),
            ]),
        ),
        ("family".to_owned(), obj(string())),
        (
            "status".to_owned(),
            obj(vec![("enum", strs(&["active", "draft", "archived"]))]),
        ),
        (
            "categories".to_owned(),
            obj(vec![
                ("type", Val::str("array")),
                ("uniqueItems", Val::Bool(true)),
                ("items", obj(string())),
            ]),
        ),
        (
            "channels".to_owned(),
            obj(vec![("type", Val::str("object"))]),
        ),
        (
            "variants".to_owned(),
            obj(vec![
                ("type", Val::str("array")),
                (
                    "items",
                    obj(vec![
                        ("type", Val::str("object")),
                        ("required", strs(&["sku"])),
                    ]),
                ),
            ]),
        ),
    ];
    properties.extend(
        ATTRIBUTES
            .iter()
            .map(|a| ((*a).to_owned(), reference(a, ""))),
    );
    let product = model::product_schema(
        "Made by `pim import shopify`. Each set of options is a family in schemas/families/, whose axes are the options.",
        properties,
        defs,
    );
    let mut out = vec![json_output("schemas/product.schema.json", &product)];
    for (family, axes) in families {
        let names: Vec<&str> = axes
            .iter()
            .map(|a| options.get(a).map_or(a.as_str(), String::as_str))
            .collect();
        let schema = obj(vec![
            (
                "$schema",
                Val::str("https://json-schema.org/draft/2020-12/schema"),
            ),
            (
                "title",
                Val::Str(format!("Products by {}", names.join(", "))),
            ),
            ("type", Val::str("object")),
            (
                "x-variant-axes",
                Val::List(axes.iter().map(Val::str).collect()),
            ),
            (
                "properties",
                Val::Map(
                    axes.iter()
                        .map(|a| (a.clone(), reference(a, "../product.schema.json")))
                        .collect(),
                ),
            ),
        ]);
        out.push(json_output(
            &format!("schemas/families/{family}.schema.json"),
            &schema,
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_generations_of_headers() {
        assert_eq!(field("Handle"), Field::Handle);
        assert_eq!(field("URL handle"), Field::Handle);
        assert_eq!(field("Body (HTML)"), Field::Body);
        assert_eq!(field("Description"), Field::Body);
        assert_eq!(field("Variant SKU"), Field::Sku);
        assert_eq!(field("SKU"), Field::Sku);
        assert_eq!(field("Option2 Value"), Field::OptionValue(1));
        assert_eq!(field("Option2 value"), Field::OptionValue(1));
        assert_eq!(field("Variant Price"), Field::Price);
        assert_eq!(field("Price"), Field::Price);
        assert_eq!(field("Product image URL"), Field::ImageSrc);
        assert_eq!(field("Weight value (grams)"), Field::Grams);
        assert_eq!(field("Gift Card"), Field::Other);
    }

    #[test]
    fn handles_and_option_codes() {
        assert_eq!(handle_of("Blue Leather Wallet!"), "blue-leather-wallet");
        assert_eq!(option_code("Shoe size"), "shoe_size");
        assert_eq!(option_code("Price"), "option_price");
        assert_eq!(option_code("Status"), "option_status");
        assert_eq!(option_code("Größe"), "größe");
    }
}

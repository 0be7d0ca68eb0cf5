//! Akeneo's CSV exports (structure, products and product models) to a pim project: settings,
//! categories, schemas from the attribute definitions, and one file per product or model.

use super::model::{self, Entity, Layout, Slot, Val, json_output, obj, strs};
use super::table::{Row, Table};
use super::{AkeneoOptions, Content, Findings, ImportOutcome, Media, Output};
use anyhow::{Result, bail};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::str::FromStr;

const PRODUCTS: &str = "products.csv";
const MODELS: &str = "product_models.csv";
const ATTRIBUTES: &str = "attributes.csv";
const OPTIONS: &str = "attribute_options.csv";
const FAMILIES: &str = "families.csv";
const FAMILY_VARIANTS: &str = "family_variants.csv";
const CATEGORIES: &str = "categories.csv";
const CHANNELS: &str = "channels.csv";
const LOCALES: &str = "locales.csv";
const CURRENCIES: &str = "currencies.csv";
const ASSOCIATION_TYPES: &str = "association_types.csv";
const ATTRIBUTE_GROUPS: &str = "attribute_groups.csv";
const GROUPS: &str = "groups.csv";
const GROUP_TYPES: &str = "group_types.csv";

const KNOWN: &[&str] = &[
    PRODUCTS,
    MODELS,
    ATTRIBUTES,
    OPTIONS,
    FAMILIES,
    FAMILY_VARIANTS,
    CATEGORIES,
    CHANNELS,
    LOCALES,
    CURRENCIES,
    ASSOCIATION_TYPES,
    ATTRIBUTE_GROUPS,
    GROUPS,
    GROUP_TYPES,
];

/// How deep variants may nest below a root model before the import stops (pim has two
/// levels; deeper ones are reported, and recursion stays bounded).
const MAX_LEVELS: usize = 8;

/// The folder under `catalog/` for products without a family (Akeneo codes have no `-`).
const NO_FAMILY: &str = "no-family";

/// Imports the Akeneo export in `options.dir` into the project `options.into`.
pub fn import(options: &AkeneoOptions) -> Result<ImportOutcome> {
    let dir = &options.dir;
    if !dir.is_dir() {
        bail!(
            "{} is not a folder; give the folder that holds Akeneo's CSV exports (products.csv, attributes.csv, ...)",
            dir.display()
        );
    }
    let mut f = Findings::default();
    let tables = read_tables(dir, &mut f)?;
    let structure = Structure::read(&tables, &mut f);
    let plan = Plan::new(&tables, &structure, &mut f);
    let mut media = BTreeSet::new();
    let mut parsed = Vec::new();
    for (name, is_model) in [(MODELS, true), (PRODUCTS, false)] {
        if let Some(table) = tables.get(name) {
            let columns = columns(table, &structure, &plan, is_model, &mut f);
            for row in &table.rows {
                parsed.push(parse_row(
                    table, &columns, row, is_model, &structure, &plan, &mut f, &mut media,
                ));
            }
        }
    }
    let built = build_entities(parsed, &structure, &mut f);

    let name = options
        .name
        .clone()
        .unwrap_or_else(|| super::default_name(&options.into));
    let mut outputs = Vec::new();
    let layout = plan.layout(&structure);
    let mut inherited = Vec::new();
    let mut paths = BTreeSet::new();
    for (folder, root) in &built.roots {
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
        if stem != root.sku || n > 2 {
            f.add(
                &root.origin.0,
                Some(root.origin.1),
                Some(&root.sku),
                format!("the SKU cannot be a file name as it is; written to {rel}"),
            );
        }
        outputs.push(Output::text(rel, text));
    }
    let mut seen_inherited = BTreeSet::new();
    for i in inherited {
        if seen_inherited.insert((i.sku.clone(), i.slot.clone())) {
            f.repeat(
                &i.origin.0,
                Some(i.origin.1),
                Some(&i.sku),
                format!(
                    "variants without a value for `{}` inherit their parent's, as in Akeneo",
                    i.slot.display()
                ),
            );
        }
    }

    let schemas = schemas(&structure, &plan, &built, &mut f);
    let family_schemas = schemas.len().saturating_sub(1);
    outputs.extend(schemas);
    outputs.push(Output::text(
        "categories.yaml",
        categories_yaml(&structure, &plan, &mut f)?,
    ));
    outputs.push(Output::text(
        "pim.toml",
        pim_toml(&name, dir, &structure, &plan, &built),
    ));
    let label = structure
        .attribute("name")
        .filter(|a| a.kind != Kind::Identifier)
        .map(|a| a.code.as_str());
    let price = structure
        .attributes
        .iter()
        .find(|a| a.kind == Kind::Price)
        .map(|a| a.code.as_str());
    for channel in &plan.channels {
        outputs.push(Output::text(
            format!("templates/{}.csv.j2", model::file_stem(&channel.code)),
            super::starter_template(&channel.code, "akeneo", label, price),
        ));
    }
    outputs.push(Output::text(".gitignore", super::GITIGNORE.to_owned()));

    let mut media_out = Vec::new();
    for path in &media {
        let source = dir.join(path);
        let copied = super::is_confined(path) && source.is_file();
        if copied {
            outputs.push(Output {
                rel: format!("assets/{path}"),
                content: Content::Copy(source),
            });
        } else if !super::is_confined(path) {
            f.add(
                PRODUCTS,
                None,
                None,
                format!("the media path `{path}` leads out of the export folder; it is kept as a value but not copied"),
            );
        }
        media_out.push(Media {
            path: path.clone(),
            copied,
        });
    }

    let files = super::write_outputs(&options.into, outputs, options.force)?;
    let (not_represented, damaged) = f.finish();
    let mut outcome = ImportOutcome {
        source: "akeneo".to_owned(),
        input: dir.display().to_string(),
        project: options.into.display().to_string(),
        counts: built.counts,
        files,
        not_represented,
        damaged,
        media: media_out,
    };
    let c = &mut outcome.counts;
    c.family_schemas = family_schemas;
    c.families = structure.families.len();
    c.attributes = structure.attributes.len();
    c.options = structure.attributes.iter().map(|a| a.options.len()).sum();
    c.categories = structure.categories.len();
    c.channels = plan.channels.len();
    c.locales = plan.locales.len();
    c.currencies = plan.currencies.len();
    c.media_copied = outcome.media.iter().filter(|m| m.copied).count();
    c.media_referenced = outcome.media.len() - c.media_copied;
    super::count_files(&mut outcome);
    Ok(outcome)
}

fn read_tables(dir: &Path, f: &mut Findings) -> Result<BTreeMap<&'static str, Table>> {
    let mut tables = BTreeMap::new();
    for name in KNOWN {
        let path = dir.join(name);
        if path.is_file() {
            let table = Table::read(&path, name, b';')?;
            scan_damage(&table, f);
            tables.insert(*name, table);
        }
    }
    if ![PRODUCTS, MODELS, ATTRIBUTES]
        .iter()
        .any(|n| tables.contains_key(n))
    {
        bail!(
            "{} holds none of Akeneo's CSV exports (products.csv, product_models.csv, attributes.csv); export them from Akeneo into one folder",
            dir.display()
        );
    }
    let mut others: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| {
                    (n.ends_with(".csv") || n.ends_with(".yml") || n.ends_with(".xlsx"))
                        && !KNOWN.contains(&n.as_str())
                })
                .collect()
        })
        .unwrap_or_default();
    others.sort();
    for other in others {
        let message = if other == "jobs.yml" {
            "Akeneo's job profiles are not imported: pim has no import or export jobs".to_owned()
        } else {
            format!("`{other}` is not one of Akeneo's standard exports; it was not read")
        };
        f.add(&other, None, None, message);
    }
    Ok(tables)
}

fn scan_damage(table: &Table, f: &mut Findings) {
    let key = table.col("sku").or_else(|| table.col("code")).or(Some(0));
    for row in &table.rows {
        let sku = row.get(key);
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
        if row.cells.len() > table.headers.len() {
            f.add(
                &table.file,
                Some(row.line),
                (!sku.is_empty()).then_some(sku),
                format!(
                    "the record has {} cells but the header has {} columns; the extra cells were not read",
                    row.cells.len(),
                    table.headers.len()
                ),
            );
        }
    }
}

/// Akeneo's `en_US` is pim's `en-US`.
fn pim_locale(code: &str) -> String {
    code.replace('_', "-")
}

fn split_list(cell: &str, sep: char) -> Vec<String> {
    cell.split(sep)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

// ---------------------------------------------------------------------------------------
// Structure
// ---------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Identifier,
    Text,
    Textarea,
    Number,
    Boolean,
    Date,
    Price,
    Metric,
    Simple,
    Multi,
    Image,
    File,
    /// A type pim has no equivalent for, kept as text.
    OtherSingle,
    /// Likewise, a list of codes.
    OtherMulti,
}

impl Kind {
    fn of(type_name: &str) -> Kind {
        match type_name {
            "pim_catalog_identifier" => Kind::Identifier,
            "pim_catalog_text" => Kind::Text,
            "pim_catalog_textarea" => Kind::Textarea,
            "pim_catalog_number" => Kind::Number,
            "pim_catalog_boolean" => Kind::Boolean,
            "pim_catalog_date" => Kind::Date,
            "pim_catalog_price_collection" => Kind::Price,
            "pim_catalog_metric" => Kind::Metric,
            "pim_catalog_simpleselect" | "pim_reference_data_simpleselect" => Kind::Simple,
            "pim_catalog_multiselect" | "pim_reference_data_multiselect" => Kind::Multi,
            "pim_catalog_image" => Kind::Image,
            "pim_catalog_file" => Kind::File,
            other if other.contains("multi") || other.contains("collection") => Kind::OtherMulti,
            _ => Kind::OtherSingle,
        }
    }
}

#[derive(Clone, Debug)]
struct AkOption {
    code: String,
    /// (pim locale, label)
    labels: Vec<(String, String)>,
}

#[derive(Clone, Debug)]
struct Attribute {
    code: String,
    kind: Kind,
    type_name: String,
    /// (Akeneo locale, label)
    labels: Vec<(String, String)>,
    localizable: bool,
    scopable: bool,
    /// Every other column of attributes.csv, by header.
    props: HashMap<String, String>,
    options: Vec<AkOption>,
    line: u64,
}

impl Attribute {
    fn prop(&self, name: &str) -> &str {
        self.props.get(name).map_or("", |s| s.trim())
    }

    fn flag(&self, name: &str) -> Option<bool> {
        match self.prop(name) {
            "1" | "true" => Some(true),
            "0" | "false" => Some(false),
            _ => None,
        }
    }

    /// The option code matching `code` case-insensitively (Akeneo compares them so).
    fn option(&self, code: &str) -> Option<&str> {
        self.options
            .iter()
            .find(|o| o.code == code)
            .or_else(|| {
                self.options
                    .iter()
                    .find(|o| o.code.eq_ignore_ascii_case(code))
            })
            .map(|o| o.code.as_str())
    }

    /// The pim measurement this metric attribute becomes, if its family is one pim knows.
    fn dimension(&self) -> Option<crate::units::Dimension> {
        use crate::units::Dimension;
        match self.prop("metric_family").to_ascii_lowercase().as_str() {
            "weight" => Some(Dimension::Mass),
            "length" => Some(Dimension::Length),
            "volume" => Some(Dimension::Volume),
            _ => None,
        }
    }
}

#[derive(Clone, Debug)]
struct Family {
    code: String,
    labels: Vec<(String, String)>,
    attributes: Vec<String>,
    /// channel → required attributes (the identifier left out)
    requirements: BTreeMap<String, Vec<String>>,
    label_attribute: String,
    image_attribute: String,
}

#[derive(Clone, Debug)]
struct FamilyVariant {
    code: String,
    family: String,
    labels: Vec<(String, String)>,
    /// Axes per level (one or two levels).
    axes: Vec<Vec<String>>,
    /// Attributes set at each level.
    level_attributes: Vec<Vec<String>>,
    /// The family schema's name in pim.
    schema: String,
}

#[derive(Clone, Debug)]
struct Category {
    code: String,
    parent: String,
    labels: Vec<(String, String)>,
    line: u64,
}

#[derive(Clone, Debug)]
struct AkChannel {
    code: String,
    labels: Vec<(String, String)>,
    locales: Vec<String>,
    currencies: Vec<String>,
    tree: String,
    conversion_units: Vec<(String, String)>,
}

#[derive(Clone, Debug)]
struct AssociationType {
    code: String,
    /// The key under `associations:` (lower case).
    key: String,
    labels: Vec<(String, String)>,
    quantified: bool,
}

#[derive(Default)]
struct Structure {
    attributes: Vec<Attribute>,
    by_code: HashMap<String, usize>,
    identifier: String,
    families: Vec<Family>,
    family_variants: Vec<FamilyVariant>,
    categories: Vec<Category>,
    channels: Vec<AkChannel>,
    /// Activated currencies, in file order.
    currencies: Vec<String>,
    /// Activated locales, when locales.csv says.
    locales: Vec<String>,
    association_types: Vec<AssociationType>,
}

/// Without attributes.csv, every data column is a text attribute (the identifier aside).
fn guessed_attributes(tables: &BTreeMap<&'static str, Table>, f: &mut Findings) -> Vec<Attribute> {
    let reserved = [
        "sku",
        "code",
        "categories",
        "enabled",
        "family",
        "family_variant",
        "parent",
        "groups",
        "uuid",
        "created",
        "updated",
    ];
    let mut attributes = vec![Attribute {
        code: "sku".to_owned(),
        kind: Kind::Identifier,
        type_name: "pim_catalog_identifier".to_owned(),
        labels: Vec::new(),
        localizable: false,
        scopable: false,
        props: HashMap::new(),
        options: Vec::new(),
        line: 0,
    }];
    for t in [PRODUCTS, MODELS].iter().filter_map(|n| tables.get(n)) {
        for h in &t.headers {
            let association =
                h.contains("-products") || h.contains("-product_models") || h.ends_with("-groups");
            if reserved.contains(&h.as_str())
                || association
                || attributes.iter().any(|a| a.code == *h)
            {
                continue;
            }
            attributes.push(Attribute {
                code: h.clone(),
                kind: Kind::Text,
                type_name: "pim_catalog_text".to_owned(),
                labels: Vec::new(),
                localizable: false,
                scopable: false,
                props: HashMap::new(),
                options: Vec::new(),
                line: 0,
            });
        }
    }
    f.add(
        ATTRIBUTES,
        None,
        None,
        format!(
            "the export has no attributes.csv: its {} data columns were imported as text attributes; export the attributes from Akeneo for their types, labels and rules",
            attributes.len() - 1
        ),
    );
    attributes
}

fn labels_of(table: &Table, row: &Row) -> Vec<(String, String)> {
    table
        .label_columns()
        .into_iter()
        .filter_map(|(i, locale)| {
            let label = row.get(Some(i));
            (!label.is_empty()).then(|| (locale, label.to_owned()))
        })
        .collect()
}

impl Structure {
    fn read(tables: &BTreeMap<&'static str, Table>, f: &mut Findings) -> Structure {
        let mut s = Structure::default();
        if let Some(t) = tables.get(ATTRIBUTES) {
            let code = t.col("code");
            let type_col = t.col("type");
            for row in &t.rows {
                let code = row.get(code).to_owned();
                if code.is_empty() {
                    continue;
                }
                let type_name = row.get(type_col).to_owned();
                let kind = Kind::of(&type_name);
                let props: HashMap<String, String> = t
                    .headers
                    .iter()
                    .zip(&row.cells)
                    .filter(|(h, _)| !h.starts_with("label-"))
                    .map(|(h, c)| (h.clone(), c.clone()))
                    .collect();
                let flag = |name: &str| props.get(name).is_some_and(|v| v == "1" || v == "true");
                if matches!(kind, Kind::OtherSingle | Kind::OtherMulti) {
                    f.add(
                        ATTRIBUTES,
                        Some(row.line),
                        None,
                        format!("the attribute `{code}` has the type `{type_name}`, which pim has no equivalent for; its values are kept as text"),
                    );
                }
                s.attributes.push(Attribute {
                    localizable: flag("localizable"),
                    scopable: flag("scopable"),
                    labels: labels_of(t, row),
                    code,
                    kind,
                    type_name,
                    props,
                    options: Vec::new(),
                    line: row.line,
                });
            }
        }
        if !tables.contains_key(ATTRIBUTES) {
            s.attributes = guessed_attributes(tables, f);
        }
        if let Some(t) = tables.get(OPTIONS) {
            let (code, attribute, sort) = (t.col("code"), t.col("attribute"), t.col("sort_order"));
            let mut options: Vec<(String, i64, usize, AkOption)> = Vec::new();
            for (n, row) in t.rows.iter().enumerate() {
                let labels = labels_of(t, row)
                    .into_iter()
                    .map(|(l, v)| (pim_locale(&l), v))
                    .collect();
                options.push((
                    row.get(attribute).to_owned(),
                    row.get(sort).parse().unwrap_or(0),
                    n,
                    AkOption {
                        code: row.get(code).to_owned(),
                        labels,
                    },
                ));
            }
            options.sort_by_key(|o| (o.1, o.2));
            for (attribute, _, _, option) in options {
                match s.attributes.iter_mut().find(|a| a.code == attribute) {
                    Some(a) => a.options.push(option),
                    None => f.repeat(
                        OPTIONS,
                        None,
                        None,
                        format!("options of the unknown attribute `{attribute}` were not imported"),
                    ),
                }
            }
        }
        s.by_code = s
            .attributes
            .iter()
            .enumerate()
            .map(|(i, a)| (a.code.clone(), i))
            .collect();
        s.identifier = s
            .attributes
            .iter()
            .find(|a| a.kind == Kind::Identifier)
            .map_or_else(|| "sku".to_owned(), |a| a.code.clone());

        if let Some(t) = tables.get(FAMILIES) {
            let (code, attrs) = (t.col("code"), t.col("attributes"));
            let (label_attr, image_attr) =
                (t.col("attribute_as_label"), t.col("attribute_as_image"));
            for row in &t.rows {
                let requirements = t
                    .headers
                    .iter()
                    .enumerate()
                    .filter_map(|(i, h)| {
                        let channel = h.strip_prefix("requirements-")?;
                        let required = split_list(row.get(Some(i)), ',')
                            .into_iter()
                            .filter(|a| *a != s.identifier)
                            .collect();
                        Some((channel.to_owned(), required))
                    })
                    .collect();
                s.families.push(Family {
                    code: row.get(code).to_owned(),
                    labels: labels_of(t, row),
                    attributes: split_list(row.get(attrs), ','),
                    requirements,
                    label_attribute: row.get(label_attr).to_owned(),
                    image_attribute: row.get(image_attr).to_owned(),
                });
            }
        }
        if let Some(t) = tables.get(FAMILY_VARIANTS) {
            let (code, family) = (t.col("code"), t.col("family"));
            let family_codes: BTreeSet<String> =
                s.families.iter().map(|f| f.code.clone()).collect();
            for row in &t.rows {
                let code = row.get(code).to_owned();
                let mut axes = Vec::new();
                let mut level_attributes = Vec::new();
                for level in 1..=5 {
                    let level_axes =
                        split_list(row.get(t.col(&format!("variant-axes_{level}"))), ',');
                    if level_axes.is_empty() {
                        break;
                    }
                    axes.push(level_axes);
                    level_attributes.push(split_list(
                        row.get(t.col(&format!("variant-attributes_{level}"))),
                        ',',
                    ));
                }
                let family = row.get(family).to_owned();
                let mut schema = model::file_stem(&code);
                while family_codes.contains(&schema)
                    || s.family_variants.iter().any(|v| v.schema == schema)
                {
                    schema = format!("{family}_{schema}");
                }
                if schema != code {
                    f.add(
                        FAMILY_VARIANTS,
                        Some(row.line),
                        None,
                        format!("the family variant `{code}` has the name of a family; its schema is families/{schema}.schema.json"),
                    );
                }
                if axes.len() > 2 {
                    f.add(
                        FAMILY_VARIANTS,
                        Some(row.line),
                        None,
                        format!("the family variant `{code}` has {} levels of variants; pim has two at most", axes.len()),
                    );
                }
                s.family_variants.push(FamilyVariant {
                    labels: labels_of(t, row),
                    code,
                    family,
                    axes,
                    level_attributes,
                    schema,
                });
            }
        }
        if let Some(t) = tables.get(CATEGORIES) {
            let (code, parent) = (t.col("code"), t.col("parent"));
            for row in &t.rows {
                s.categories.push(Category {
                    code: row.get(code).to_owned(),
                    parent: row.get(parent).to_owned(),
                    labels: labels_of(t, row),
                    line: row.line,
                });
            }
        }
        if let Some(t) = tables.get(CHANNELS) {
            let (code, locales, currencies, tree, units) = (
                t.col("code"),
                t.col("locales"),
                t.col("currencies"),
                t.col("tree"),
                t.col("conversion_units"),
            );
            for row in &t.rows {
                s.channels.push(AkChannel {
                    code: row.get(code).to_owned(),
                    labels: labels_of(t, row),
                    locales: split_list(row.get(locales), ',')
                        .iter()
                        .map(|l| pim_locale(l))
                        .collect(),
                    currencies: split_list(row.get(currencies), ','),
                    tree: row.get(tree).to_owned(),
                    conversion_units: split_list(row.get(units), ',')
                        .iter()
                        .filter_map(|pair| {
                            let (a, u) = pair.split_once(':')?;
                            Some((a.trim().to_owned(), u.trim().to_owned()))
                        })
                        .collect(),
                });
            }
        }
        if let Some(t) = tables.get(CURRENCIES) {
            let (code, activated) = (t.col("code"), t.col("activated"));
            s.currencies = t
                .rows
                .iter()
                .filter(|r| activated.is_none() || r.get(activated) == "1")
                .map(|r| r.get(code).to_owned())
                .filter(|c| !c.is_empty())
                .collect();
        }
        if let Some(t) = tables.get(LOCALES)
            && let Some(activated) = t.col("activated")
        {
            s.locales = t
                .rows
                .iter()
                .filter(|r| r.get(Some(activated)) == "1")
                .map(|r| pim_locale(r.get(t.col("code"))))
                .collect();
        }
        if let Some(t) = tables.get(ASSOCIATION_TYPES) {
            let (code, quantified) = (t.col("code"), t.col("is_quantified"));
            for row in &t.rows {
                let code = row.get(code).to_owned();
                s.association_types.push(AssociationType {
                    key: code.to_lowercase(),
                    labels: labels_of(t, row),
                    quantified: row.get(quantified) == "1",
                    code,
                });
            }
        }
        if !tables.contains_key(ASSOCIATION_TYPES) {
            let mut codes = BTreeSet::new();
            for t in [PRODUCTS, MODELS].iter().filter_map(|n| tables.get(n)) {
                for h in &t.headers {
                    let mut tokens = h.split('-');
                    if let (Some(code), Some("products" | "product_models" | "groups")) =
                        (tokens.next(), tokens.next())
                        && !code.is_empty()
                        && s.attr_index(code).is_none()
                    {
                        codes.insert(code.to_owned());
                    }
                }
            }
            s.association_types = codes
                .into_iter()
                .map(|code| AssociationType {
                    key: code.to_lowercase(),
                    labels: Vec::new(),
                    quantified: false,
                    code,
                })
                .collect();
        }
        let unsafe_codes = s
            .families
            .iter()
            .map(|x| (FAMILIES, &x.code))
            .chain(s.family_variants.iter().map(|x| (FAMILY_VARIANTS, &x.code)))
            .chain(s.channels.iter().map(|x| (CHANNELS, &x.code)));
        for (file, code) in unsafe_codes {
            if model::file_stem(code) != *code {
                f.add(
                    file,
                    None,
                    None,
                    format!(
                        "the code `{code}` cannot be a file name; its file is named `{}`",
                        model::file_stem(code)
                    ),
                );
            }
        }
        for (name, what) in [
            (ATTRIBUTE_GROUPS, "attribute groups"),
            (GROUPS, "product groups"),
            (GROUP_TYPES, "group types"),
        ] {
            if let Some(t) = tables.get(name)
                && !t.rows.is_empty()
            {
                f.add(
                    name,
                    None,
                    None,
                    format!("{what} ({}) are not imported: pim has none", t.rows.len()),
                );
            }
        }
        s
    }

    fn attribute(&self, code: &str) -> Option<&Attribute> {
        self.attr_index(code).and_then(|i| self.attributes.get(i))
    }

    /// The attribute named `code`, compared exactly, then case-insensitively.
    fn attr_index(&self, code: &str) -> Option<usize> {
        self.by_code.get(code).copied().or_else(|| {
            self.attributes
                .iter()
                .position(|a| a.code.eq_ignore_ascii_case(code))
        })
    }

    fn association(&self, code: &str) -> Option<usize> {
        self.association_types
            .iter()
            .position(|t| t.code == code)
            .or_else(|| {
                self.association_types
                    .iter()
                    .position(|t| t.code.eq_ignore_ascii_case(code))
            })
    }

    fn family_variant(&self, code: &str) -> Option<&FamilyVariant> {
        self.family_variants.iter().find(|v| v.code == code)
    }
}

// ---------------------------------------------------------------------------------------
// Project settings
// ---------------------------------------------------------------------------------------

struct ChannelPlan {
    code: String,
    labels: Vec<(String, String)>,
    locales: Vec<String>,
    currencies: Vec<String>,
    tree: String,
    units: Vec<(String, String)>,
}

struct Plan {
    locales: Vec<String>,
    default_locale: String,
    currencies: Vec<String>,
    channels: Vec<ChannelPlan>,
}

impl Plan {
    fn new(tables: &BTreeMap<&'static str, Table>, s: &Structure, f: &mut Findings) -> Plan {
        let mut locales: BTreeSet<String> = s
            .channels
            .iter()
            .flat_map(|c| c.locales.iter().cloned())
            .collect();
        locales.extend(s.locales.iter().cloned());
        let mut currencies: Vec<String> = s.currencies.clone();
        for c in s.channels.iter().flat_map(|c| &c.currencies) {
            if !currencies.contains(c) {
                currencies.push(c.clone());
            }
        }
        // Locales and currencies that values use, from the columns that hold any value.
        for name in [PRODUCTS, MODELS] {
            let Some(t) = tables.get(name) else { continue };
            for (i, header) in t.headers.iter().enumerate() {
                if !t.rows.iter().any(|r| !r.get(Some(i)).is_empty()) {
                    continue;
                }
                let Some(ValueColumn { locale, part, .. }) = value_column(header, s) else {
                    continue;
                };
                if let Some(l) = locale
                    && locales.insert(l.clone())
                {
                    f.add(
                        name,
                        None,
                        None,
                        format!("values in the locale `{l}` (column `{header}`) belong to no channel; `{l}` was added to the project's locales"),
                    );
                }
                if let Part::Currency(c) = part
                    && !currencies.contains(&c)
                {
                    f.add(
                        name,
                        None,
                        None,
                        format!("prices in `{c}` (column `{header}`) are in no activated currency; `{c}` was added to the project's currencies"),
                    );
                    currencies.push(c);
                }
            }
        }
        let default_locale = if locales.contains("en-US") {
            "en-US".to_owned()
        } else {
            s.channels
                .iter()
                .find_map(|c| c.locales.first().cloned())
                .or_else(|| locales.iter().next().cloned())
                .unwrap_or_else(|| "en-US".to_owned())
        };
        locales.remove(&default_locale);
        let mut ordered = vec![default_locale.clone()];
        ordered.extend(locales);
        if currencies.is_empty() {
            f.add(
                CURRENCIES,
                None,
                None,
                "the export names no currency; the project gets USD".to_owned(),
            );
            currencies.push("USD".to_owned());
        }
        let channels = s
            .channels
            .iter()
            .map(|c| {
                let mut units = Vec::new();
                for (attr, unit) in &c.conversion_units {
                    let dimension = s.attribute(attr).and_then(Attribute::dimension);
                    match dimension.and_then(|_| pim_unit(unit)) {
                        Some((pim, "1")) => units.push((attr.clone(), pim.to_owned())),
                        _ => f.add(
                            CHANNELS,
                            None,
                            None,
                            format!("the channel `{}` converts `{attr}` to `{unit}`, a unit pim does not have; that conversion is not imported", c.code),
                        ),
                    }
                }
                ChannelPlan {
                    code: c.code.clone(),
                    labels: c.labels.clone(),
                    locales: ordered.iter().filter(|l| c.locales.contains(l)).cloned().collect(),
                    currencies: c.currencies.clone(),
                    tree: c.tree.clone(),
                    units,
                }
            })
            .collect();
        Plan {
            locales: ordered,
            default_locale,
            currencies,
            channels,
        }
    }

    fn has_channel(&self, code: &str) -> bool {
        self.channels.iter().any(|c| c.code == code)
    }

    fn layout(&self, s: &Structure) -> Layout {
        let mut top_rank: BTreeMap<String, usize> = [("status", 0), ("categories", 1)]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
        for (i, a) in s.attributes.iter().enumerate() {
            top_rank.entry(a.code.clone()).or_insert(10 + i);
        }
        top_rank.insert("associations".to_owned(), 1_000_000);
        let mut sub_rank = BTreeMap::new();
        for (i, l) in self.locales.iter().enumerate() {
            sub_rank.insert(l.clone(), i);
        }
        for (i, c) in self.currencies.iter().enumerate() {
            sub_rank.entry(c.clone()).or_insert(1000 + i);
        }
        Layout {
            top_rank,
            sub_rank,
            channels: self.channels.iter().map(|c| c.code.clone()).collect(),
        }
    }
}

/// pim's unit for an Akeneo unit, and the exact factor from the one to the other.
fn pim_unit(unit: &str) -> Option<(&'static str, &'static str)> {
    const UNITS: &[(&str, &str, &str)] = &[
        ("MILLIGRAM", "g", "0.001"),
        ("GRAM", "g", "1"),
        ("KILOGRAM", "kg", "1"),
        ("TON", "kg", "1000"),
        ("GRAIN", "g", "0.06479891"),
        ("OUNCE", "oz", "1"),
        ("POUND", "lb", "1"),
        ("NANOMETER", "mm", "0.000001"),
        ("MICROMETER", "mm", "0.001"),
        ("MILLIMETER", "mm", "1"),
        ("CENTIMETER", "cm", "1"),
        ("DECIMETER", "cm", "10"),
        ("METER", "m", "1"),
        ("DEKAMETER", "m", "10"),
        ("HECTOMETER", "m", "100"),
        ("KILOMETER", "m", "1000"),
        ("MIL", "in", "0.001"),
        ("INCH", "in", "1"),
        ("FEET", "in", "12"),
        ("FOOT", "in", "12"),
        ("YARD", "in", "36"),
        ("MILE", "in", "63360"),
        ("CUBIC_MILLIMETER", "ml", "0.001"),
        ("CUBIC_CENTIMETER", "ml", "1"),
        ("MILLILITER", "ml", "1"),
        ("CENTILITER", "ml", "10"),
        ("DECILITER", "ml", "100"),
        ("CUBIC_DECIMETER", "l", "1"),
        ("LITER", "l", "1"),
        ("CUBIC_METER", "l", "1000"),
        ("CUBIC_INCH", "ml", "16.387064"),
        ("CUBIC_FOOT", "l", "28.316846592"),
        ("PINT", "ml", "473.176473"),
        ("LIQUID_GALLON", "l", "3.785411784"),
    ];
    UNITS
        .iter()
        .find(|(u, _, _)| *u == unit)
        .map(|(_, pim, factor)| (*pim, *factor))
}

/// `amount` (in `unit`) as a pim measurement, converted exactly where pim has no such unit.
fn convert_metric(amount: &str, unit: &str) -> Result<Val, String> {
    let Some((pim, factor)) = pim_unit(unit) else {
        return Err(format!("the unit `{unit}` has no equivalent in pim"));
    };
    if !crate::schema::is_decimal(amount) {
        return Err(format!("`{amount}` is not a decimal number"));
    }
    let value = if factor == "1" {
        amount.to_owned()
    } else {
        let (Ok(a), Ok(k)) = (Decimal::from_str(amount), Decimal::from_str(factor)) else {
            return Err(format!("`{amount}` cannot be converted from `{unit}`"));
        };
        let Some(product) = a.checked_mul(k) else {
            return Err(format!("`{amount} {unit}` is too large to convert exactly"));
        };
        product.normalize().to_string()
    };
    Ok(Val::Map(vec![
        ("value".to_owned(), Val::Str(value)),
        ("unit".to_owned(), Val::str(pim)),
    ]))
}

// ---------------------------------------------------------------------------------------
// Columns and rows
// ---------------------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq)]
enum Part {
    Whole,
    Currency(String),
    Unit,
}

#[derive(Clone, Debug, PartialEq)]
struct ValueColumn {
    attr: usize,
    /// pim locale
    locale: Option<String>,
    channel: Option<String>,
    part: Part,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    Products,
    Models,
    Groups,
}

#[derive(Clone, Debug, PartialEq)]
enum Column {
    Identifier,
    Categories,
    Enabled,
    Family,
    FamilyVariant,
    Parent,
    Groups,
    /// A column pim has no place for (e.g. `uuid`), named in the report.
    Ignored,
    Value(ValueColumn),
    Association {
        kind: usize,
        target: Target,
        quantity: bool,
    },
    Unknown,
}

/// Akeneo's flat column grammar: `code[-locale][-channel][-currency|-unit]`.
fn value_column(header: &str, s: &Structure) -> Option<ValueColumn> {
    if let Some(i) = s.by_code.get(header) {
        let a = s.attributes.get(*i)?;
        if !a.localizable && !a.scopable {
            return Some(ValueColumn {
                attr: *i,
                locale: None,
                channel: None,
                part: Part::Whole,
            });
        }
    }
    let mut tokens = header.split('-');
    let attr = s.attr_index(tokens.next()?)?;
    let a = s.attributes.get(attr)?;
    let locale = if a.localizable {
        Some(pim_locale(tokens.next()?))
    } else {
        None
    };
    let channel = if a.scopable {
        Some(tokens.next()?.to_owned())
    } else {
        None
    };
    let part = match (a.kind, tokens.next()) {
        (_, None) => Part::Whole,
        (Kind::Price, Some(currency)) => Part::Currency(currency.to_owned()),
        (Kind::Metric, Some("unit")) => Part::Unit,
        _ => return None,
    };
    if tokens.next().is_some() {
        return None;
    }
    Some(ValueColumn {
        attr,
        locale,
        channel,
        part,
    })
}

fn association_column(header: &str, s: &Structure) -> Option<Column> {
    let mut tokens = header.split('-');
    let kind = s.association(tokens.next()?)?;
    let target = match tokens.next()? {
        "products" | "product_uuids" => Target::Products,
        "product_models" => Target::Models,
        "groups" => Target::Groups,
        _ => return None,
    };
    let quantity = match tokens.next() {
        None => false,
        Some("quantity") => true,
        Some(_) => return None,
    };
    tokens.next().is_none().then_some(Column::Association {
        kind,
        target,
        quantity,
    })
}

fn columns(
    table: &Table,
    s: &Structure,
    plan: &Plan,
    is_model: bool,
    f: &mut Findings,
) -> Vec<Column> {
    table
        .headers
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let used = table.rows.iter().filter(|r| !r.get(Some(i)).is_empty()).count();
            let column = match h.as_str() {
                "code" if is_model => Column::Identifier,
                h if !is_model && h == s.identifier => Column::Identifier,
                "categories" => Column::Categories,
                "enabled" if !is_model => Column::Enabled,
                "family" if !is_model => Column::Family,
                "family_variant" if is_model => Column::FamilyVariant,
                "parent" => Column::Parent,
                "groups" if !is_model => Column::Groups,
                "uuid" | "created" | "updated" => Column::Ignored,
                _ => association_column(h, s)
                    .or_else(|| value_column(h, s).map(Column::Value))
                    .unwrap_or(Column::Unknown),
            };
            let file = &table.file;
            match &column {
                Column::Unknown if used > 0 => f.add(
                    file,
                    None,
                    None,
                    format!("the column `{h}` is not an attribute, association or field Akeneo exports; not imported ({})", super::values(used)),
                ),
                Column::Ignored if used > 0 => f.add(
                    file,
                    None,
                    None,
                    format!("the column `{h}` has no place in pim (products are identified by SKU); not imported ({})", super::values(used)),
                ),
                Column::Value(v) if used > 0 => {
                    if let Some(c) = &v.channel
                        && !plan.has_channel(c)
                    {
                        f.add(
                            file,
                            None,
                            None,
                            format!("the column `{h}` holds values for the channel `{c}`, which channels.csv does not define; not imported ({})", super::values(used)),
                        );
                    }
                }
                _ => {}
            }
            column
        })
        .collect()
}

/// Association targets as the export lists them.
#[derive(Default, Debug)]
struct Links {
    products: Vec<String>,
    models: Vec<String>,
    products_quantity: Vec<String>,
    models_quantity: Vec<String>,
}

/// A record of products.csv or product_models.csv.
#[derive(Debug)]
struct Parsed {
    key: String,
    line: u64,
    file: &'static str,
    is_model: bool,
    family: String,
    family_variant: String,
    parent: String,
    enabled: Option<bool>,
    categories: Vec<String>,
    values: model::Scoped,
    links: BTreeMap<usize, Links>,
}

#[allow(clippy::too_many_arguments)]
fn parse_row(
    table: &Table,
    columns: &[Column],
    row: &Row,
    is_model: bool,
    s: &Structure,
    plan: &Plan,
    f: &mut Findings,
    media: &mut BTreeSet<String>,
) -> Parsed {
    let file: &'static str = if is_model { MODELS } else { PRODUCTS };
    let key_col = columns.iter().position(|c| *c == Column::Identifier);
    let key = row.get(key_col).to_owned();
    let sku = Some(key.as_str());
    let mut p = Parsed {
        key: key.clone(),
        line: row.line,
        file,
        is_model,
        family: String::new(),
        family_variant: String::new(),
        parent: String::new(),
        enabled: None,
        categories: Vec::new(),
        values: model::Scoped::default(),
        links: BTreeMap::new(),
    };
    // Metric amounts and units come in two columns: (attr, locale, channel) → (amount, unit)
    let mut metrics: BTreeMap<MetricKey, (String, String)> = BTreeMap::new();
    for (i, column) in columns.iter().enumerate() {
        let cell = row.get(Some(i));
        if cell.is_empty() {
            continue;
        }
        let header = table.headers.get(i).map_or("", String::as_str);
        match column {
            Column::Identifier | Column::Ignored | Column::Unknown => {}
            Column::Categories => p.categories = split_list(cell, ','),
            Column::Enabled => match cell {
                "1" | "true" => p.enabled = Some(true),
                "0" | "false" => p.enabled = Some(false),
                _ => f.add(
                    file,
                    Some(row.line),
                    sku,
                    format!(
                        "`enabled` is `{cell}`, neither 1 nor 0; the product is imported as active"
                    ),
                ),
            },
            Column::Family => cell.clone_into(&mut p.family),
            Column::FamilyVariant => cell.clone_into(&mut p.family_variant),
            Column::Parent => cell.clone_into(&mut p.parent),
            Column::Groups => f.add(
                file,
                Some(row.line),
                sku,
                format!("the product is in the groups `{cell}`; pim has no product groups"),
            ),
            Column::Association {
                kind,
                target,
                quantity,
            } => {
                let links = p.links.entry(*kind).or_default();
                let list = split_list(cell, if *quantity { '|' } else { ',' });
                match (target, quantity) {
                    (Target::Products, false) => links.products = list,
                    (Target::Products, true) => links.products_quantity = list,
                    (Target::Models, false) => links.models = list,
                    (Target::Models, true) => links.models_quantity = list,
                    (Target::Groups, _) => f.add(
                        file,
                        Some(row.line),
                        sku,
                        format!("`{header}` associates the groups `{cell}`; pim associates products only, so these links were not imported"),
                    ),
                }
            }
            Column::Value(v) => {
                let Some(a) = s.attributes.get(v.attr) else {
                    continue;
                };
                if let Some(c) = &v.channel
                    && !plan.has_channel(c)
                {
                    continue;
                }
                if a.kind == Kind::Metric {
                    let entry = metrics
                        .entry((v.attr, v.locale.clone(), v.channel.clone()))
                        .or_default();
                    match v.part {
                        Part::Unit => cell.clone_into(&mut entry.1),
                        _ => cell.clone_into(&mut entry.0),
                    }
                    continue;
                }
                let mut path: Vec<String> = v.locale.iter().cloned().collect();
                match (&v.part, a.kind) {
                    (Part::Currency(c), _) => {
                        path.push(c.clone());
                        if !crate::schema::is_decimal(cell) {
                            f.add(
                                file,
                                Some(row.line),
                                sku,
                                format!("`{header}` is `{cell}`, not a decimal number with a dot; imported as it is"),
                            );
                        }
                        insert(&mut p.values, v, Slot::at(&a.code, path), Val::str(cell));
                    }
                    (_, Kind::Price) => {
                        // The older single-column form: `10.00 EUR, 12.50 USD`.
                        for pair in cell.split(',') {
                            let mut words = pair.split_whitespace();
                            match (words.next(), words.next()) {
                                (Some(amount), Some(currency)) => {
                                    let mut path = path.clone();
                                    path.push(currency.to_owned());
                                    insert(&mut p.values, v, Slot::at(&a.code, path), Val::str(amount));
                                }
                                _ => f.add(
                                    file,
                                    Some(row.line),
                                    sku,
                                    format!("`{header}` is `{cell}`, not `AMOUNT CURRENCY` pairs; not imported"),
                                ),
                            }
                        }
                    }
                    _ => {
                        let value = convert_value(a, cell, file, row.line, sku, header, f);
                        if matches!(a.kind, Kind::Image | Kind::File) {
                            media.insert(cell.to_owned());
                        }
                        insert(&mut p.values, v, Slot::at(&a.code, path), value);
                    }
                }
            }
        }
    }
    for ((attr, locale, channel), (amount, unit)) in metrics {
        let Some(a) = s.attributes.get(attr) else {
            continue;
        };
        if amount.is_empty() {
            continue;
        }
        let column = ValueColumn {
            attr,
            locale: locale.clone(),
            channel,
            part: Part::Whole,
        };
        let (amount, mut unit) = match amount.split_once(' ') {
            Some((amount, unit))
                if unit.is_empty() || unit.bytes().all(|b| b.is_ascii_uppercase() || b == b'_') =>
            {
                (amount.to_owned(), unit.to_owned())
            }
            _ => (amount, unit),
        };
        if unit.is_empty() {
            a.prop("default_metric_unit").clone_into(&mut unit);
            f.repeat(
                file,
                Some(row.line),
                sku,
                format!(
                    "a value of `{}` has no unit; the attribute's default unit `{unit}` was used",
                    a.code
                ),
            );
        }
        let path: Vec<String> = locale.into_iter().collect();
        let value = if a.dimension().is_some() {
            match convert_metric(&amount, &unit) {
                Ok(v) => v,
                Err(why) => {
                    f.add(
                        file,
                        Some(row.line),
                        sku,
                        format!("`{}`: {why}; kept as written", a.code),
                    );
                    metric_as_written(&amount, &unit)
                }
            }
        } else {
            metric_as_written(&amount, &unit)
        };
        insert(&mut p.values, &column, Slot::at(&a.code, path), value);
    }
    p
}

/// A metric value's attribute, locale and channel.
type MetricKey = (usize, Option<String>, Option<String>);

fn metric_as_written(amount: &str, unit: &str) -> Val {
    Val::Map(vec![
        ("value".to_owned(), Val::str(amount)),
        ("unit".to_owned(), Val::str(unit)),
    ])
}

fn insert(values: &mut model::Scoped, column: &ValueColumn, slot: Slot, value: Val) {
    match &column.channel {
        Some(c) => {
            values
                .channels
                .entry(c.clone())
                .or_default()
                .insert(slot, value);
        }
        None => {
            values.global.insert(slot, value);
        }
    }
}

/// A cell as the attribute's kind of value. What cannot be read as that kind is kept as
/// text, and said.
fn convert_value(
    a: &Attribute,
    cell: &str,
    file: &str,
    line: u64,
    sku: Option<&str>,
    header: &str,
    f: &mut Findings,
) -> Val {
    let mut problem = |why: String| {
        f.add(
            file,
            Some(line),
            sku,
            format!("`{header}`: {why}; kept as written"),
        )
    };
    match a.kind {
        Kind::Boolean => match cell {
            "1" | "true" => Val::Bool(true),
            "0" | "false" => Val::Bool(false),
            _ => {
                problem(format!("`{cell}` is not a boolean (1 or 0)"));
                Val::str(cell)
            }
        },
        Kind::Number => match number(cell, a.flag("decimals_allowed") == Some(false)) {
            Ok((value, None)) => value,
            Ok((value, Some(why))) => {
                f.add(file, Some(line), sku, format!("`{header}`: {why}"));
                value
            }
            Err(why) => {
                problem(why);
                Val::str(cell)
            }
        },
        Kind::Simple => match a.option(cell) {
            Some(code) => Val::str(code),
            None => {
                if !a.options.is_empty() {
                    problem(format!("`{cell}` is not an option of `{}`", a.code));
                }
                Val::str(cell)
            }
        },
        Kind::Multi | Kind::OtherMulti => Val::List(
            split_list(cell, ',')
                .into_iter()
                .map(|code| match a.option(&code) {
                    Some(c) => Val::str(c),
                    None => {
                        if !a.options.is_empty() {
                            problem(format!("`{code}` is not an option of `{}`", a.code));
                        }
                        Val::Str(code)
                    }
                })
                .collect(),
        ),
        _ => Val::str(cell),
    }
}

/// A number cell: an integer where the attribute allows no decimals, else a float that
/// must hold the written value exactly. `Ok` may carry a remark.
fn number(cell: &str, integer: bool) -> Result<(Val, Option<String>), String> {
    let d = Decimal::from_str(cell).map_err(|_| format!("`{cell}` is not a number"))?;
    if d.fract().is_zero()
        && let Ok(i) = i64::try_from(d.trunc())
    {
        return Ok((Val::Int(i), None));
    }
    let f: f64 = cell
        .parse()
        .map_err(|_| format!("`{cell}` is not a number"))?;
    let exact = Decimal::from_str(&f.to_string()).is_ok_and(|back| back == d);
    let remark = if !exact {
        Some(format!(
            "`{cell}` has more digits than a YAML number holds; written as {f}"
        ))
    } else if integer {
        Some(format!(
            "`{cell}` has decimals although the attribute allows none"
        ))
    } else {
        None
    };
    Ok((Val::Float(f), remark))
}

// ---------------------------------------------------------------------------------------
// Products, models and their variants
// ---------------------------------------------------------------------------------------

struct Built {
    /// (folder under catalog/, root entity)
    roots: Vec<(String, Entity)>,
    counts: super::Counts,
    /// Attributes with values in products of each family (family code; "" for none).
    used: BTreeMap<String, BTreeSet<String>>,
    /// The categories of each item, inherited ones included.
    item_categories: Vec<Vec<String>>,
}

fn build_entities(parsed: Vec<Parsed>, s: &Structure, f: &mut Findings) -> Built {
    let mut acc = Acc::default();
    // Every identifier, lower case → as written, for parents and association targets.
    let mut skus: HashMap<String, String> = HashMap::new();
    for p in &parsed {
        if p.key.is_empty() {
            f.add(
                p.file,
                Some(p.line),
                None,
                "the record has no identifier; it was not imported".to_owned(),
            );
            continue;
        }
        if let Some(first) = skus.insert(p.key.to_lowercase(), p.key.clone()) {
            f.add(
                p.file,
                Some(p.line),
                Some(&p.key),
                format!("the identifier `{}` is also used by `{first}` (pim compares SKUs case-insensitively); pim will report the duplicate", p.key),
            );
        }
    }
    let models: HashMap<String, usize> = parsed
        .iter()
        .enumerate()
        .filter(|(_, p)| p.is_model)
        .map(|(i, p)| (p.key.to_lowercase(), i))
        .collect();
    let known_categories: BTreeSet<&str> = s.categories.iter().map(|c| c.code.as_str()).collect();
    let mut used: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();

    // Parent of each record (index), matched case-insensitively.
    let mut parent_of: Vec<Option<usize>> = vec![None; parsed.len()];
    let mut case_mismatches = 0;
    for (i, p) in parsed.iter().enumerate() {
        if p.parent.is_empty() || p.key.is_empty() {
            continue;
        }
        match models.get(&p.parent.to_lowercase()) {
            Some(&m) if m != i => {
                if parsed.get(m).is_some_and(|parent| parent.key != p.parent) {
                    case_mismatches += 1;
                }
                if let Some(slot) = parent_of.get_mut(i) {
                    *slot = Some(m);
                }
            }
            _ => f.add(
                p.file,
                Some(p.line),
                Some(&p.key),
                format!("the parent `{}` is not a product model of the export; `{}` is imported without it", p.parent, p.key),
            ),
        }
    }
    if case_mismatches > 0 {
        f.add(
            PRODUCTS,
            None,
            None,
            format!(
                "{} with another case than its code (e.g. `Model-x` for `model-x`); matched case-insensitively, as Akeneo does",
                if case_mismatches == 1 {
                    "1 record names its parent".to_owned()
                } else {
                    format!("{case_mismatches} records name their parent")
                }
            ),
        );
    }
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); parsed.len()];
    for (i, parent) in parent_of.iter().enumerate() {
        if let Some(m) = parent
            && let Some(list) = children.get_mut(*m)
        {
            list.push(i);
        }
    }
    for list in &mut children {
        list.sort_by(|a, b| {
            let key = |i: &usize| parsed.get(*i).map_or("", |p| p.key.as_str());
            key(a).cmp(key(b))
        });
    }

    #[derive(Default)]
    struct Acc {
        counts: super::Counts,
        item_categories: Vec<Vec<String>>,
    }

    struct Ctx<'a> {
        parsed: &'a [Parsed],
        children: &'a [Vec<usize>],
        skus: &'a HashMap<String, String>,
        s: &'a Structure,
    }

    fn active(ctx: &Ctx<'_>, i: usize, depth: usize) -> bool {
        match ctx.parsed.get(i) {
            Some(p) if !p.is_model => p.enabled.unwrap_or(true),
            Some(_) if depth < MAX_LEVELS => ctx
                .children
                .get(i)
                .is_some_and(|c| c.iter().any(|&child| active(ctx, child, depth + 1))),
            _ => false,
        }
    }

    /// What a variant inherits besides values.
    struct Inheritance<'a> {
        categories: &'a [String],
        links: &'a BTreeMap<String, Vec<Val>>,
    }

    #[allow(clippy::too_many_arguments)]
    fn entity(
        ctx: &Ctx<'_>,
        i: usize,
        depth: usize,
        axes: &[Vec<String>],
        inherited: &Inheritance<'_>,
        acc: &mut Acc,
        f: &mut Findings,
        seen: &mut BTreeSet<usize>,
    ) -> Option<Entity> {
        let p = ctx.parsed.get(i)?;
        if depth > MAX_LEVELS {
            f.add(
                p.file,
                Some(p.line),
                Some(&p.key),
                format!("the record is more than {MAX_LEVELS} levels below its root model; it was not imported"),
            );
            return None;
        }
        seen.insert(i);
        let mut values = p.values.clone();
        let status = if active(ctx, i, depth) {
            "active"
        } else {
            "draft"
        };
        values.global.insert(Slot::top("status"), Val::str(status));
        // A variant is in its ancestors' categories and has their associations too, as in
        // Akeneo; pim's variants replace lists, so each writes the union.
        let mut categories = inherited.categories.to_vec();
        for c in &p.categories {
            if !categories.contains(c) {
                categories.push(c.clone());
            }
        }
        if !categories.is_empty() {
            values.global.insert(
                Slot::top("categories"),
                Val::List(categories.iter().map(Val::str).collect()),
            );
        }
        let mut links = inherited.links.clone();
        for (kind, cells) in &p.links {
            let Some(t) = ctx.s.association_types.get(*kind) else {
                continue;
            };
            let own = association_list(t, cells, p, ctx.skus, f);
            acc.counts.associations += own.len();
            let list = links.entry(t.key.clone()).or_default();
            for link in own {
                if !list.contains(&link) {
                    list.push(link);
                }
            }
        }
        for (key, list) in &links {
            if !list.is_empty() {
                values.global.insert(
                    Slot::at("associations", vec![key.clone()]),
                    Val::List(list.clone()),
                );
            }
        }
        let passed = Inheritance {
            categories: &categories,
            links: &links,
        };
        let mut forced = BTreeSet::new();
        if depth > 0
            && let Some(level) = axes.get(depth - 1)
        {
            for axis in level {
                forced.insert(Slot::top(axis.clone()));
            }
        }
        let children = if p.is_model {
            let mut list = Vec::new();
            for &c in ctx.children.get(i).map_or(&[][..], Vec::as_slice) {
                if let Some(child) = entity(ctx, c, depth + 1, axes, &passed, acc, f, seen) {
                    list.push(child);
                }
            }
            if depth == 0 {
                acc.counts.product_models += 1;
            } else {
                acc.counts.sub_models += 1;
            }
            if depth >= 2 {
                f.add(
                    p.file,
                    Some(p.line),
                    Some(&p.key),
                    "the product model is a third level of variants; pim has two at most"
                        .to_owned(),
                );
            }
            Some(list)
        } else {
            acc.counts.items += 1;
            if depth > 0 {
                acc.counts.variants += 1;
            }
            acc.item_categories.push(categories.clone());
            None
        };
        Some(Entity {
            sku: p.key.clone(),
            family: None,
            values,
            forced,
            children,
            origin: (p.file.to_owned(), p.line),
        })
    }

    let ctx = Ctx {
        parsed: &parsed,
        children: &children,
        skus: &skus,
        s,
    };
    for p in &parsed {
        for c in &p.categories {
            if !known_categories.contains(c.as_str()) {
                f.repeat(
                    p.file,
                    Some(p.line),
                    Some(&p.key),
                    format!("the category `{c}` is not in categories.csv; pim will report it"),
                );
            }
        }
    }
    let mut roots = Vec::new();
    let mut visited = BTreeSet::new();
    for (i, p) in parsed.iter().enumerate() {
        if p.key.is_empty() || parent_of.get(i).is_some_and(Option::is_some) {
            continue;
        }
        let (folder, family, axes) = if p.is_model {
            match s.family_variant(&p.family_variant) {
                Some(v) => (
                    model::file_stem(&v.family),
                    Some(v.schema.clone()),
                    v.axes.clone(),
                ),
                None => {
                    f.add(
                        p.file,
                        Some(p.line),
                        Some(&p.key),
                        format!("the family variant `{}` is not in family_variants.csv; the model is imported without a family", p.family_variant),
                    );
                    (NO_FAMILY.to_owned(), None, Vec::new())
                }
            }
        } else if p.family.is_empty() {
            (NO_FAMILY.to_owned(), None, Vec::new())
        } else {
            (
                model::file_stem(&p.family),
                Some(model::file_stem(&p.family)),
                Vec::new(),
            )
        };
        let mut seen = BTreeSet::new();
        let none = Inheritance {
            categories: &[],
            links: &BTreeMap::new(),
        };
        if let Some(mut root) = entity(&ctx, i, 0, &axes, &none, &mut acc, f, &mut seen) {
            root.family.clone_from(&family);
            acc.counts.products += 1;
            // Which attributes each family's products use, and family consistency.
            let family_key = if p.is_model {
                s.family_variant(&p.family_variant)
                    .map_or(String::new(), |v| v.family.clone())
            } else {
                p.family.clone()
            };
            for &m in &seen {
                if let Some(member) = parsed.get(m) {
                    for slot in member
                        .values
                        .global
                        .keys()
                        .chain(member.values.channels.values().flat_map(BTreeMap::keys))
                    {
                        used.entry(family_key.clone())
                            .or_default()
                            .insert(slot.top.clone());
                    }
                    if !member.is_model
                        && m != i
                        && !member.family.is_empty()
                        && member.family != family_key
                    {
                        f.add(
                            member.file,
                            Some(member.line),
                            Some(&member.key),
                            format!("the family `{}` differs from its model's family `{family_key}`; the model's applies", member.family),
                        );
                    }
                }
            }
            let folder = if folder.is_empty() {
                NO_FAMILY.to_owned()
            } else {
                folder
            };
            roots.push((folder, root));
        }
        visited.extend(seen);
    }
    for (i, p) in parsed.iter().enumerate() {
        if !p.key.is_empty() && !visited.contains(&i) {
            f.add(
                p.file,
                Some(p.line),
                Some(&p.key),
                "the record's parents form a loop that never reaches a model without parent; it was not imported".to_owned(),
            );
        }
    }
    Built {
        roots,
        counts: acc.counts,
        used,
        item_categories: acc.item_categories,
    }
}

fn association_list(
    t: &AssociationType,
    links: &Links,
    p: &Parsed,
    skus: &HashMap<String, String>,
    f: &mut Findings,
) -> Vec<Val> {
    let mut out = Vec::new();
    for (targets, quantities) in [
        (&links.products, &links.products_quantity),
        (&links.models, &links.models_quantity),
    ] {
        let quantified = t.quantified || !quantities.is_empty();
        if quantified && quantities.len() != targets.len() {
            f.add(
                p.file,
                Some(p.line),
                Some(&p.key),
                format!(
                    "`{}` lists {} targets and {} quantities; the links without a quantity get 1",
                    t.code,
                    targets.len(),
                    quantities.len()
                ),
            );
        }
        for (n, target) in targets.iter().enumerate() {
            let sku = match skus.get(&target.to_lowercase()) {
                Some(sku) => sku.clone(),
                None => {
                    f.add(
                        p.file,
                        Some(p.line),
                        Some(&p.key),
                        format!("`{}` links to `{target}`, which the export does not hold; the link is kept and pim will report it", t.code),
                    );
                    target.clone()
                }
            };
            if quantified {
                let quantity = quantities.get(n).map_or("1", String::as_str);
                let q = quantity.parse::<i64>().unwrap_or_else(|_| {
                    f.add(
                        p.file,
                        Some(p.line),
                        Some(&p.key),
                        format!(
                            "`{}`: the quantity `{quantity}` is not a whole number; 1 was written",
                            t.code
                        ),
                    );
                    1
                });
                out.push(Val::Map(vec![
                    ("sku".to_owned(), Val::Str(sku)),
                    ("quantity".to_owned(), Val::Int(q)),
                ]));
            } else {
                out.push(Val::Str(sku));
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Schemas
// ---------------------------------------------------------------------------------------

/// Labels with pim locales, for the project's locales only; others are reported.
fn label_map(
    labels: &[(String, String)],
    plan: &Plan,
    file: &str,
    f: &mut Findings,
) -> Vec<(String, Val)> {
    let mut out = Vec::new();
    for (locale, label) in labels {
        let locale = pim_locale(locale);
        if plan.locales.contains(&locale) {
            out.push((locale, Val::str(label)));
        } else {
            f.repeat(
                file,
                None,
                None,
                format!("labels in `{locale}` are not kept: it is the locale of no channel"),
            );
        }
    }
    out.sort_by_key(|(l, _)| plan.locales.iter().position(|p| p == l));
    out
}

fn title(labels: &[(String, Val)], plan: &Plan, code: &str) -> Val {
    labels
        .iter()
        .find(|(l, _)| *l == plan.default_locale)
        .map_or_else(|| Val::str(code), |(_, v)| v.clone())
}

/// A number from attributes.csv (`10.0000`) as a JSON number.
fn json_number(text: &str) -> Option<Val> {
    let d = Decimal::from_str(text.trim()).ok()?;
    if d.fract().is_zero() {
        i64::try_from(d.trunc()).ok().map(Val::Int)
    } else {
        text.trim().parse().ok().map(Val::Float)
    }
}

/// Whether pim's JSON Schema validator accepts `pattern`.
fn pattern_compiles(pattern: &str) -> bool {
    jsonschema::validator_for(&serde_json::json!({ "pattern": pattern })).is_ok()
}

/// A PCRE `/.../flags` regex as a JSON Schema pattern, and the flags pim cannot keep.
fn strip_delimiters(regex: &str) -> (String, String) {
    let mut chars = regex.chars();
    if let Some(d) = chars.next()
        && !d.is_alphanumeric()
        && d != '\\'
        && d != '^'
        && d != '('
        && d != '['
        && let Some(end) = regex.rfind(d)
        && end > 0
    {
        let inner = regex.get(d.len_utf8()..end).unwrap_or_default();
        let flags = regex.get(end + d.len_utf8()..).unwrap_or_default();
        return (inner.to_owned(), flags.replace('u', ""));
    }
    (regex.to_owned(), String::new())
}

/// A pattern matching `YYYY-MM-DD` dates from `min` to `max` (either may be empty).
fn date_range_pattern(min: &str, max: &str) -> Option<String> {
    fn digits(date: &str) -> Option<Vec<u8>> {
        let date = date.get(..10)?;
        let bytes: Vec<u8> = date.bytes().collect();
        let shape = bytes.iter().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                *b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
        shape.then(|| {
            bytes
                .iter()
                .filter(|b| b.is_ascii_digit())
                .map(|b| b - b'0')
                .collect()
        })
    }
    let lo = if min.is_empty() {
        vec![0, 0, 0, 0, 0, 1, 0, 1]
    } else {
        digits(min)?
    };
    let hi = if max.is_empty() {
        vec![9, 9, 9, 9, 1, 2, 3, 1]
    } else {
        digits(max)?
    };
    if lo > hi {
        return None;
    }
    let alternatives: Vec<String> = digit_range(&lo, &hi)
        .into_iter()
        .map(|classes| {
            let mut out = String::new();
            for (i, (a, b)) in classes.into_iter().enumerate() {
                if i == 4 || i == 6 {
                    out.push('-');
                }
                if a == b {
                    out.push(char::from(b'0' + a));
                } else {
                    out.push_str(&format!("[{a}-{b}]"));
                }
            }
            out
        })
        .collect();
    Some(format!("^(?:{})$", alternatives.join("|")))
}

/// Digit classes, position by position, matching every digit string from `lo` to `hi`
/// (equal lengths, `lo <= hi`).
fn digit_range(lo: &[u8], hi: &[u8]) -> Vec<Vec<(u8, u8)>> {
    let (Some((&l, lrest)), Some((&h, hrest))) = (lo.split_first(), hi.split_first()) else {
        return vec![Vec::new()];
    };
    let prefixed = |d: (u8, u8), rest: Vec<Vec<(u8, u8)>>| {
        rest.into_iter()
            .map(|mut r| {
                r.insert(0, d);
                r
            })
            .collect::<Vec<_>>()
    };
    if l == h {
        return prefixed((l, l), digit_range(lrest, hrest));
    }
    let n = lrest.len();
    let low_full = lrest.iter().all(|d| *d == 0);
    let high_full = hrest.iter().all(|d| *d == 9);
    let mut out = Vec::new();
    let mut from = l;
    let mut to = h;
    if !low_full {
        out.extend(prefixed((l, l), digit_range(lrest, &vec![9; n])));
        from = l + 1;
    }
    if !high_full {
        to = h - 1;
    }
    if from <= to {
        let mut whole = vec![(from, to)];
        whole.extend(std::iter::repeat_n((0, 9), n));
        out.push(whole);
    }
    if !high_full {
        out.extend(prefixed((h, h), digit_range(&vec![0; n], hrest)));
    }
    out
}

/// The JSON Schema of one attribute's value, with its labels and Akeneo's rules.
fn attribute_schema(a: &Attribute, plan: &Plan, f: &mut Findings) -> Val {
    let line = Some(a.line);
    let labels = label_map(&a.labels, plan, ATTRIBUTES, f);
    let mut head = vec![("title", title(&labels, plan, &a.code))];
    if !labels.is_empty() {
        head.push(("x-pim-labels", Val::Map(labels)));
    }
    let mut akeneo = vec![("type", Val::str(&a.type_name))];
    if a.scopable {
        akeneo.push(("scopable", Val::Bool(true)));
    }
    let mut value: Vec<(&str, Val)> = Vec::new();
    let text_rules = |value: &mut Vec<(&str, Val)>,
                      akeneo: &mut Vec<(&str, Val)>,
                      f: &mut Findings| {
        if let Ok(max) = a.prop("max_characters").parse::<u64>() {
            value.push((
                "maxLength",
                Val::Int(i64::try_from(max).unwrap_or(i64::MAX)),
            ));
        }
        match a.prop("validation_rule") {
            "" => {}
            "email" => value.push(("format", Val::str("email"))),
            "url" => value.push(("format", Val::str("uri"))),
            "regexp" => {
                let (pattern, flags) = strip_delimiters(a.prop("validation_regexp"));
                if pattern_compiles(&pattern) {
                    value.push(("pattern", Val::Str(pattern)));
                    if !flags.is_empty() {
                        akeneo.push(("regexp_flags", Val::Str(flags.clone())));
                        f.add(ATTRIBUTES, line, None, format!("the regular expression of `{}` has the flags `{flags}`, which JSON Schema patterns cannot carry; the pattern applies without them", a.code));
                    }
                } else {
                    akeneo.push(("validation_regexp", Val::str(a.prop("validation_regexp"))));
                    f.add(ATTRIBUTES, line, None, format!("the regular expression of `{}` is not one JSON Schema accepts; it is not checked", a.code));
                }
            }
            other => {
                akeneo.push(("validation_rule", Val::str(other)));
                f.add(ATTRIBUTES, line, None, format!("the validation rule `{other}` of `{}` has no equivalent in pim; it is not checked", a.code));
            }
        }
    };
    match a.kind {
        Kind::Identifier | Kind::Text | Kind::OtherSingle => {
            value.push(("type", Val::str("string")));
            text_rules(&mut value, &mut akeneo, f);
        }
        Kind::Textarea => {
            value.push(("type", Val::str("string")));
            if a.flag("wysiwyg_enabled") == Some(true) {
                value.push(("contentMediaType", Val::str("text/html")));
            }
            text_rules(&mut value, &mut akeneo, f);
        }
        Kind::Number => {
            let integer = a.flag("decimals_allowed") == Some(false);
            value.push(("type", Val::str(if integer { "integer" } else { "number" })));
            let min = json_number(a.prop("number_min"));
            let non_negative = a.flag("negative_allowed") == Some(false);
            match min {
                Some(m) => value.push(("minimum", m)),
                None if non_negative => value.push(("minimum", Val::Int(0))),
                None => {}
            }
            if let Some(m) = json_number(a.prop("number_max")) {
                value.push(("maximum", m));
            }
        }
        Kind::Boolean => value.push(("type", Val::str("boolean"))),
        Kind::Date => {
            value.push(("type", Val::str("string")));
            value.push(("format", Val::str("date")));
            let (min, max) = (a.prop("date_min"), a.prop("date_max"));
            if !min.is_empty() || !max.is_empty() {
                match date_range_pattern(min, max) {
                    Some(p) => value.push(("pattern", Val::Str(p))),
                    None => {
                        akeneo.push(("date_min", Val::str(min)));
                        akeneo.push(("date_max", Val::str(max)));
                        f.add(ATTRIBUTES, line, None, format!("the date range of `{}` (`{min}` to `{max}`) cannot be read; it is not checked", a.code));
                    }
                }
            }
        }
        Kind::Price => {
            let mut amount = vec![
                ("type", Val::str("string")),
                ("format", Val::str("decimal")),
            ];
            if a.flag("decimals_allowed") == Some(false) {
                amount.push(("pattern", Val::str("^-?[0-9]+$")));
            }
            for bound in ["number_min", "number_max"] {
                if !a.prop(bound).is_empty() {
                    akeneo.push((bound, Val::str(a.prop(bound))));
                    f.add(ATTRIBUTES, line, None, format!("`{bound}` of the price `{}` is not checked: prices are decimal strings, which JSON Schema cannot compare", a.code));
                }
            }
            value.push(("x-pim", Val::str("price")));
            value.push(("type", Val::str("object")));
            value.push(("propertyNames", obj(vec![("enum", strs(&plan.currencies))])));
            value.push(("additionalProperties", obj(amount)));
        }
        Kind::Metric => {
            let mut amount = vec![
                ("type", Val::str("string")),
                ("format", Val::str("decimal")),
            ];
            if a.flag("negative_allowed") == Some(false) {
                amount.push(("pattern", Val::str("^[0-9]")));
            }
            akeneo.push(("metric_family", Val::str(a.prop("metric_family"))));
            akeneo.push((
                "default_metric_unit",
                Val::str(a.prop("default_metric_unit")),
            ));
            let unit = match a.dimension() {
                Some(d) => {
                    value.push(("x-pim", Val::str("measurement")));
                    let units: Vec<&str> = crate::units::UNITS
                        .iter()
                        .filter(|(_, dim, _)| *dim == d)
                        .map(|(u, _, _)| *u)
                        .collect();
                    obj(vec![("enum", strs(&units))])
                }
                None => {
                    f.add(ATTRIBUTES, line, None, format!("the metric family `{}` of `{}` is not one pim measures (mass, length, volume); its values are kept as value and Akeneo unit code", a.prop("metric_family"), a.code));
                    obj(vec![("type", Val::str("string"))])
                }
            };
            value.push(("type", Val::str("object")));
            value.push(("required", strs(&["value", "unit"])));
            value.push(("additionalProperties", Val::Bool(false)));
            value.push((
                "properties",
                obj(vec![("value", obj(amount)), ("unit", unit)]),
            ));
        }
        Kind::Simple | Kind::Multi | Kind::OtherMulti => {
            let mut item = vec![("type", Val::str("string"))];
            if !a.options.is_empty() {
                item.push((
                    "enum",
                    strs(
                        &a.options
                            .iter()
                            .map(|o| o.code.as_str())
                            .collect::<Vec<_>>(),
                    ),
                ));
                let mut labels = Vec::new();
                for o in &a.options {
                    let l = label_map(&o.labels, plan, OPTIONS, f);
                    if !l.is_empty() {
                        labels.push((o.code.clone(), Val::Map(l)));
                    }
                }
                if !labels.is_empty() {
                    item.push(("x-pim-options", Val::Map(labels)));
                }
            }
            if a.kind == Kind::Simple {
                value = item;
            } else {
                value.push(("type", Val::str("array")));
                value.push(("uniqueItems", Val::Bool(true)));
                value.push(("items", obj(item)));
            }
        }
        Kind::Image | Kind::File => {
            value.push(("type", Val::str("string")));
            value.push(("format", Val::str("asset")));
            let extensions = split_list(a.prop("allowed_extensions"), ',');
            if !extensions.is_empty() {
                let alternatives: Vec<String> = extensions
                    .iter()
                    .map(|e| {
                        e.chars()
                            .map(|c| {
                                if c.is_ascii_alphabetic() {
                                    format!(
                                        "[{}{}]",
                                        c.to_ascii_lowercase(),
                                        c.to_ascii_uppercase()
                                    )
                                } else if c.is_ascii_alphanumeric() {
                                    c.to_string()
                                } else {
                                    format!("\\{c}")
                                }
                            })
                            .collect()
                    })
                    .collect();
                value.push((
                    "pattern",
                    Val::Str(format!("\\.(?:{})$", alternatives.join("|"))),
                ));
            }
            if !a.prop("max_file_size").is_empty() {
                akeneo.push(("max_file_size", Val::str(a.prop("max_file_size"))));
            }
        }
    }
    if a.flag("unique") == Some(true) && a.kind != Kind::Identifier {
        akeneo.push(("unique", Val::Bool(true)));
        f.add(ATTRIBUTES, line, None, format!("`{}` is unique in Akeneo; pim checks uniqueness of SKUs and GTINs only, so it is not checked", a.code));
    }
    let mut out = head;
    if a.localizable && a.kind != Kind::Identifier {
        let mut localized = vec![
            ("x-pim", Val::str("localized")),
            ("type", Val::str("object")),
        ];
        let available = split_list(a.prop("available_locales"), ',');
        let names: Vec<String> = if available.is_empty() {
            plan.locales.clone()
        } else {
            available.iter().map(|l| pim_locale(l)).collect()
        };
        localized.push(("propertyNames", obj(vec![("enum", strs(&names))])));
        localized.push(("additionalProperties", obj(value)));
        out.extend(localized);
    } else {
        out.extend(value);
    }
    out.push(("x-akeneo", obj(akeneo)));
    obj(out)
}

fn reference(code: &str, prefix: &str) -> Val {
    obj(vec![("$ref", Val::Str(format!("{prefix}#/$defs/{code}")))])
}

/// `schemas/product.schema.json` and one schema per family and per family variant.
fn schemas(s: &Structure, plan: &Plan, built: &Built, f: &mut Findings) -> Vec<Output> {
    let mut defs = Vec::new();
    for a in &s.attributes {
        if a.kind == Kind::Identifier {
            continue;
        }
        defs.push((a.code.clone(), attribute_schema(a, plan, f)));
    }
    // Attributes every family has, and those valued on products without a family, belong to
    // the base schema; the rest to the family schemas.
    let mut common: Option<BTreeSet<&str>> = None;
    for family in &s.families {
        let set: BTreeSet<&str> = family.attributes.iter().map(String::as_str).collect();
        common = Some(match common {
            None => set,
            Some(c) => c.intersection(&set).copied().collect(),
        });
    }
    let mut base: BTreeSet<String> = common
        .unwrap_or_default()
        .into_iter()
        .map(str::to_owned)
        .collect();
    if let Some(used) = built.used.get("") {
        base.extend(used.iter().cloned());
    }
    base.retain(|a| s.attribute(a).is_some_and(|a| a.kind != Kind::Identifier));
    let ordered = |set: &BTreeSet<String>| -> Vec<String> {
        s.attributes
            .iter()
            .filter(|a| set.contains(&a.code))
            .map(|a| a.code.clone())
            .collect()
    };

    let identifier = s.attribute(&s.identifier);
    let mut sku = vec![("type", Val::str("string")), ("minLength", Val::Int(1))];
    if let Some(id) = identifier {
        let labels = label_map(&id.labels, plan, ATTRIBUTES, f);
        sku.insert(0, ("title", title(&labels, plan, &id.code)));
        if !labels.is_empty() {
            sku.insert(1, ("x-pim-labels", Val::Map(labels)));
        }
        if let Ok(max) = id.prop("max_characters").parse::<i64>() {
            sku.push(("maxLength", Val::Int(max)));
        }
        if id.prop("validation_rule") == "regexp" {
            let (pattern, _) = strip_delimiters(id.prop("validation_regexp"));
            if pattern_compiles(&pattern) {
                sku.push(("pattern", Val::Str(pattern)));
            }
        }
    }
    let link = obj(vec![
        ("type", Val::str("string")),
        ("minLength", Val::Int(1)),
    ]);
    let quantified_link = obj(vec![
        ("type", Val::str("object")),
        ("required", strs(&["sku", "quantity"])),
        ("additionalProperties", Val::Bool(false)),
        (
            "properties",
            obj(vec![
                ("sku", link.clone()),
                (
                    "quantity",
                    obj(vec![
                        ("type", Val::str("integer")),
                        ("minimum", Val::Int(1)),
                    ]),
                ),
            ]),
        ),
    ]);
    let mut association_props = Vec::new();
    for t in &s.association_types {
        let labels = label_map(&t.labels, plan, ASSOCIATION_TYPES, f);
        let mut schema = vec![("title", title(&labels, plan, &t.code))];
        if !labels.is_empty() {
            schema.push(("x-pim-labels", Val::Map(labels)));
        }
        schema.push(("type", Val::str("array")));
        schema.push((
            "items",
            if t.quantified {
                quantified_link.clone()
            } else {
                link.clone()
            },
        ));
        schema.push(("x-akeneo", obj(vec![("code", Val::str(&t.code))])));
        association_props.push((t.key.clone(), obj(schema)));
    }
    let mut associations = vec![("type", Val::str("object"))];
    if s.association_types.is_empty() {
        associations.push((
            "additionalProperties",
            obj(vec![("type", Val::str("array"))]),
        ));
    } else {
        associations.push(("additionalProperties", Val::Bool(false)));
        associations.push(("properties", Val::Map(association_props)));
    }
    let mut properties = vec![
        ("sku".to_owned(), obj(sku)),
        ("family".to_owned(), obj(vec![("type", Val::str("string"))])),
        (
            "status".to_owned(),
            obj(vec![("enum", strs(&["active", "draft", "archived"]))]),
        ),
        (
            "categories".to_owned(),
            obj(vec![
                ("type", Val::str("array")),
                ("uniqueItems", Val::Bool(true)),
                ("items", obj(vec![("type", Val::str("string"))])),
            ]),
        ),
        ("associations".to_owned(), obj(associations)),
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
    for code in ordered(&base) {
        let r = reference(&code, "");
        properties.push((code, r));
    }
    let product = model::product_schema(
        "Made by `pim import akeneo`. Every Akeneo attribute is defined under $defs; this schema lists the attributes all families share, and schemas/families/ the others.",
        properties,
        defs,
    );
    let mut out = vec![json_output("schemas/product.schema.json", &product)];

    let family_properties = |family: &Family, f: &mut Findings| -> Vec<(String, Val)> {
        let mut set: BTreeSet<String> = family.attributes.iter().cloned().collect();
        if let Some(used) = built.used.get(&family.code) {
            for a in used {
                let reserved = matches!(a.as_str(), "status" | "categories" | "associations");
                if !reserved && !set.contains(a) && !base.contains(a) {
                    f.add(FAMILIES, None, None, format!("products of `{}` have values for `{a}`, which is not an attribute of the family; it was added to the family's schema", family.code));
                    set.insert(a.clone());
                }
            }
        }
        set.retain(|a| {
            !base.contains(a) && s.attribute(a).is_some_and(|a| a.kind != Kind::Identifier)
        });
        ordered(&set)
            .into_iter()
            .map(|code| {
                let r = reference(&code, "../product.schema.json");
                (code, r)
            })
            .collect()
    };
    let required = |family: &Family| -> Val {
        Val::Map(
            family
                .requirements
                .iter()
                .filter(|(channel, _)| plan.has_channel(channel))
                .map(|(channel, list)| (channel.clone(), strs(list)))
                .collect(),
        )
    };
    let mut noted = false;
    for family in &s.families {
        let labels = label_map(&family.labels, plan, FAMILIES, f);
        let mut schema = vec![
            (
                "$schema",
                Val::str("https://json-schema.org/draft/2020-12/schema"),
            ),
            ("title", title(&labels, plan, &family.code)),
        ];
        if !labels.is_empty() {
            schema.push(("x-pim-labels", Val::Map(labels)));
        }
        schema.push(("type", Val::str("object")));
        schema.push(("x-pim-required", required(family)));
        let properties = family_properties(family, f);
        schema.push(("properties", Val::Map(properties.clone())));
        let mut akeneo = vec![("family", Val::str(&family.code))];
        if !family.label_attribute.is_empty() {
            akeneo.push(("attribute_as_label", Val::str(&family.label_attribute)));
        }
        if !family.image_attribute.is_empty() {
            akeneo.push(("attribute_as_image", Val::str(&family.image_attribute)));
        }
        if !noted && (!family.label_attribute.is_empty() || !family.image_attribute.is_empty()) {
            noted = true;
            f.add(FAMILIES, None, None, "each family's `attribute_as_label` and `attribute_as_image` have no meaning in pim; they are kept under `x-akeneo` in the family schemas".to_owned());
        }
        schema.push(("x-akeneo", obj(akeneo.clone())));
        out.push(json_output(
            &format!(
                "schemas/families/{}.schema.json",
                model::file_stem(&family.code)
            ),
            &obj(schema),
        ));

        for v in s.family_variants.iter().filter(|v| v.family == family.code) {
            let labels = label_map(&v.labels, plan, FAMILY_VARIANTS, f);
            let mut schema = vec![
                (
                    "$schema",
                    Val::str("https://json-schema.org/draft/2020-12/schema"),
                ),
                ("title", title(&labels, plan, &v.code)),
            ];
            if !labels.is_empty() {
                schema.push(("x-pim-labels", Val::Map(labels)));
            }
            schema.push(("type", Val::str("object")));
            let axes = match v.axes.as_slice() {
                [one] => strs(one),
                levels => Val::List(levels.iter().map(|l| strs(l)).collect()),
            };
            schema.push(("x-variant-axes", axes));
            schema.push(("x-pim-required", required(family)));
            schema.push(("properties", Val::Map(properties.clone())));
            let mut akeneo = akeneo.clone();
            akeneo.push(("family_variant", Val::str(&v.code)));
            akeneo.push((
                "variant_attributes",
                Val::List(v.level_attributes.iter().map(|l| strs(l)).collect()),
            ));
            schema.push(("x-akeneo", obj(akeneo)));
            out.push(json_output(
                &format!("schemas/families/{}.schema.json", v.schema),
                &obj(schema),
            ));
        }
    }
    for v in &s.family_variants {
        if !s.families.iter().any(|fam| fam.code == v.family) {
            f.add(FAMILY_VARIANTS, None, None, format!("the family variant `{}` belongs to the unknown family `{}`; no schema was written for it", v.code, v.family));
        }
    }
    if s.family_variants
        .iter()
        .any(|v| !v.level_attributes.is_empty())
    {
        f.add(FAMILY_VARIANTS, None, None, "which attributes each variant level may set (`variant-attributes_N`) is not enforced by pim; a variant may set any attribute of its family (kept under `x-akeneo`)".to_owned());
    }
    out
}

// ---------------------------------------------------------------------------------------
// categories.yaml and pim.toml
// ---------------------------------------------------------------------------------------

fn categories_yaml(s: &Structure, plan: &Plan, f: &mut Findings) -> Result<String> {
    let codes: BTreeSet<&str> = s.categories.iter().map(|c| c.code.as_str()).collect();
    let mut children: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    let mut roots = Vec::new();
    for (i, c) in s.categories.iter().enumerate() {
        if c.parent.is_empty() {
            roots.push(i);
        } else if codes.contains(c.parent.as_str()) && c.parent != c.code {
            children.entry(c.parent.as_str()).or_default().push(i);
        } else {
            f.add(
                CATEGORIES,
                Some(c.line),
                None,
                format!(
                    "the category `{}` has the unknown parent `{}`; it is imported as a root",
                    c.code, c.parent
                ),
            );
            roots.push(i);
        }
    }
    fn node(
        i: usize,
        s: &Structure,
        plan: &Plan,
        children: &BTreeMap<&str, Vec<usize>>,
        f: &mut Findings,
        depth: usize,
    ) -> Option<(String, Val)> {
        let c = s.categories.get(i)?;
        let mut entries = Vec::new();
        let labels = label_map(&c.labels, plan, CATEGORIES, f);
        if !labels.is_empty() {
            entries.push(("name".to_owned(), Val::Map(labels)));
        }
        if depth < 64 {
            let kids: Vec<(String, Val)> = children
                .get(c.code.as_str())
                .map(|list| {
                    list.iter()
                        .filter_map(|k| node(*k, s, plan, children, f, depth + 1))
                        .collect()
                })
                .unwrap_or_default();
            if !kids.is_empty() {
                entries.push(("children".to_owned(), Val::Map(kids)));
            }
        }
        Some((c.code.clone(), Val::Map(entries)))
    }
    let tree: Vec<(String, Val)> = roots
        .into_iter()
        .filter_map(|i| node(i, s, plan, &children, f, 0))
        .collect();
    let header = "# The category trees of the Akeneo export, with their labels.\n";
    if tree.is_empty() {
        return Ok(format!("{header}{{}}\n"));
    }
    let text = model::to_yaml(&Val::Map(tree))
        .map_err(|e| anyhow::anyhow!("cannot write categories.yaml: {e}"))?;
    Ok(format!("{header}{text}"))
}

/// Codes of the tree under `root`, root included.
fn tree_codes(s: &Structure, root: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    out.insert(root.to_owned());
    loop {
        let before = out.len();
        for c in &s.categories {
            if out.contains(&c.parent) {
                out.insert(c.code.clone());
            }
        }
        if out.len() == before {
            return out;
        }
    }
}

fn pim_toml(name: &str, dir: &Path, s: &Structure, plan: &Plan, built: &Built) -> String {
    use super::{toml_key, toml_list, toml_str};
    let source = dir.file_name().map_or_else(
        || dir.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let mut out = format!(
        "# Made by `pim import akeneo` from `{source}`. Importing the same export again changes no\n\
         # file; files that differ are kept unless the import runs with --force.\n\n\
         [project]\n\
         name = {}\n\
         locales = {}\n\
         default_locale = {}\n\
         currencies = {}\n",
        toml_str(name),
        toml_list(&plan.locales),
        toml_str(&plan.default_locale),
        toml_list(&plan.currencies)
    );
    for c in &plan.channels {
        let key = toml_key(&c.code);
        out.push_str(&format!("\n# Akeneo channel `{}`", c.code));
        let mut filter = None;
        if !c.tree.is_empty() {
            out.push_str(&format!(", category tree `{}`", c.tree));
            let codes = tree_codes(s, &c.tree);
            let outside = built
                .item_categories
                .iter()
                .any(|cats| !cats.iter().any(|c| codes.contains(c)));
            if outside {
                let list: Vec<String> = codes
                    .iter()
                    .map(|c| format!("'{}'", c.replace('\'', "\\'")))
                    .collect();
                filter = Some(format!(
                    "status == 'active' and (categories | select('in', [{}]) | list | length) > 0",
                    list.join(", ")
                ));
            } else {
                out.push_str(": every imported product is in it");
            }
        }
        out.push_str(".\n");
        out.push_str(&format!("[channels.{key}]\n"));
        out.push_str(&format!(
            "template = {}\n",
            toml_str(&format!("{}.csv.j2", model::file_stem(&c.code)))
        ));
        match c.locales.as_slice() {
            [] => out.push_str(&format!(
                "output = {}\n",
                toml_str(&format!("{}.csv", c.code))
            )),
            [one] => {
                out.push_str(&format!(
                    "output = {}\n",
                    toml_str(&format!("{}.csv", c.code))
                ));
                out.push_str(&format!("locale = {}\n", toml_str(one)));
            }
            many => {
                out.push_str(&format!(
                    "output = {}\n",
                    toml_str(&format!("{}/{{locale}}.csv", c.code))
                ));
                out.push_str(&format!("locales = {}\n", toml_list(many)));
            }
        }
        match c.currencies.as_slice() {
            [] => {}
            [one] => out.push_str(&format!("currency = {}\n", toml_str(one))),
            many => out.push_str(&format!("currencies = {}\n", toml_list(many))),
        }
        if let Some(filter) = filter {
            out.push_str(&format!("filter = {}\n", toml_str(&filter)));
        }
        if !c.units.is_empty() {
            let pairs: Vec<String> = c
                .units
                .iter()
                .map(|(a, u)| format!("{} = {}", toml_key(a), toml_str(u)))
                .collect();
            out.push_str(&format!("units = {{ {} }}\n", pairs.join(", ")));
        }
        let labels: Vec<String> = c
            .labels
            .iter()
            .map(|(l, v)| (pim_locale(l), v))
            .filter(|(l, _)| plan.locales.contains(l))
            .map(|(l, v)| format!("{} = {}", toml_key(&l), toml_str(v)))
            .collect();
        if !labels.is_empty() || !c.tree.is_empty() {
            out.push_str(&format!("\n[channels.{key}.vars]\n"));
            if !labels.is_empty() {
                out.push_str(&format!("label = {{ {} }}\n", labels.join(", ")));
            }
            if !c.tree.is_empty() {
                out.push_str(&format!("category_tree = {}\n", toml_str(&c.tree)));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn structure(attributes: &str) -> Structure {
        let mut tables = BTreeMap::new();
        tables.insert(
            ATTRIBUTES,
            Table::parse(attributes.as_bytes().to_vec(), ATTRIBUTES, b';').unwrap(),
        );
        Structure::read(&tables, &mut Findings::default())
    }

    #[test]
    fn flat_columns_follow_akeneo_grammar() {
        let s = structure(
            "code;type;localizable;scopable\nsku;pim_catalog_identifier;0;0\ndescription;pim_catalog_textarea;1;1\nprice;pim_catalog_price_collection;0;0\nweight;pim_catalog_metric;0;0\nrelease_date;pim_catalog_date;0;1\n",
        );
        let v = value_column("description-en_US-ecommerce", &s).unwrap();
        assert_eq!(v.locale.as_deref(), Some("en-US"));
        assert_eq!(v.channel.as_deref(), Some("ecommerce"));
        assert_eq!(
            value_column("price-EUR", &s).unwrap().part,
            Part::Currency("EUR".into())
        );
        assert_eq!(value_column("weight-unit", &s).unwrap().part, Part::Unit);
        assert_eq!(value_column("weight", &s).unwrap().part, Part::Whole);
        assert_eq!(
            value_column("release_date-print", &s)
                .unwrap()
                .channel
                .as_deref(),
            Some("print")
        );
        assert!(value_column("description-en_US", &s).is_none());
        assert!(value_column("weight-x-y", &s).is_none());
        assert!(value_column("nothing", &s).is_none());
    }

    #[test]
    fn metrics_convert_exactly() {
        let v = convert_metric("1500", "MILLIGRAM").unwrap();
        assert_eq!(v.get("value"), Some(&Val::str("1.5")));
        assert_eq!(v.get("unit"), Some(&Val::str("g")));
        let v = convert_metric("2", "FEET").unwrap();
        assert_eq!(v.get("value"), Some(&Val::str("24")));
        assert_eq!(v.get("unit"), Some(&Val::str("in")));
        let v = convert_metric("500.0000", "GRAM").unwrap();
        assert_eq!(v.get("value"), Some(&Val::str("500.0000")));
        assert!(convert_metric("1", "KILOWATT").is_err());
        assert!(convert_metric("1,5", "GRAM").is_err());
    }

    #[test]
    fn numbers_keep_their_value() {
        assert_eq!(number("32", true).unwrap().0, Val::Int(32));
        assert_eq!(number("32.0000", true).unwrap().0, Val::Int(32));
        assert_eq!(number("3.28", false).unwrap(), (Val::Float(3.28), None));
        assert!(number("3.5", true).unwrap().1.is_some());
        assert!(
            number("0.1000000000000000055511151231257827", false)
                .unwrap()
                .1
                .is_some()
        );
        assert!(number("1,5", false).is_err());
    }

    #[test]
    fn date_ranges_become_patterns() {
        let p = date_range_pattern("2012-04-20", "2013-01-05T00:00:00+01:00").unwrap();
        let schema = serde_json::json!({ "pattern": p });
        let v = jsonschema::validator_for(&schema).unwrap();
        for ok in [
            "2012-04-20",
            "2012-04-29",
            "2012-12-31",
            "2013-01-05",
            "2012-05-01",
        ] {
            assert!(v.is_valid(&serde_json::json!(ok)), "{ok} {p}");
        }
        for bad in [
            "2012-04-19",
            "2013-01-06",
            "2011-12-31",
            "2014-01-01",
            "2012-4-20",
        ] {
            assert!(!v.is_valid(&serde_json::json!(bad)), "{bad} {p}");
        }
        let open = date_range_pattern("", "2000-01-01").unwrap();
        let v = jsonschema::validator_for(&serde_json::json!({ "pattern": open })).unwrap();
        assert!(v.is_valid(&serde_json::json!("1999-12-31")));
        assert!(!v.is_valid(&serde_json::json!("2000-01-02")));
        assert!(date_range_pattern("2013-01-01", "2012-01-01").is_none());
        assert!(date_range_pattern("01/02/2012", "").is_none());
    }

    #[test]
    fn pcre_delimiters_are_stripped() {
        assert_eq!(
            strip_delimiters("/^[A-Z]+$/"),
            ("^[A-Z]+$".into(), String::new())
        );
        assert_eq!(strip_delimiters("#^a/b$#iu"), ("^a/b$".into(), "i".into()));
        assert_eq!(strip_delimiters("^abc$"), ("^abc$".into(), String::new()));
    }
}

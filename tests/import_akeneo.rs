//! `pim import akeneo` on Akeneo's own demo catalog (../shared/data/akeneo-icecat-demo):
//! every value of the export comes back from the generated files after pim's merge, the
//! completeness of every item follows Akeneo's rule, and a re-import changes nothing.
//! Skipped where ../shared/data is absent.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use pim::import::model::item_view;
use pim::import::{AkeneoOptions, FileState, ImportOutcome};
use rust_decimal::Decimal;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::str::FromStr;

fn data(name: &str) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data")
        .join(name);
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipped: {} is absent", dir.display());
        None
    }
}

fn import(dir: &Path, into: &Path, force: bool) -> ImportOutcome {
    pim::import::akeneo::import(&AkeneoOptions {
        dir: dir.to_path_buf(),
        into: into.to_path_buf(),
        name: Some("Icecat demo".into()),
        force,
    })
    .unwrap()
}

/// Runs `f` on a thread with pim's stack size (YAML parsing recurses).
fn big_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(pim::STACK_SIZE)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

/// Every product file of the project, read with pim's own YAML loader.
fn read_catalog(root: &Path) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(root.join("catalog")).sort_by_file_name() {
        let entry = entry.unwrap();
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry
            .path()
            .strip_prefix(root)
            .unwrap()
            .display()
            .to_string();
        let text = std::fs::read_to_string(entry.path()).unwrap();
        let (node, diagnostics) =
            pim::source::yaml::parse(&text, &rel, &pim::config::Limits::default())
                .unwrap_or_else(|d| panic!("{rel}: {}", d.message));
        assert!(diagnostics.is_empty(), "{rel}: {diagnostics:?}");
        out.push((rel, node.to_json()));
    }
    out
}

struct Csv {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Csv {
    fn read(path: &Path) -> Csv {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(b';')
            .from_path(path)
            .unwrap();
        let headers = reader
            .headers()
            .unwrap()
            .iter()
            .map(str::to_owned)
            .collect();
        let rows = reader
            .records()
            .map(|r| r.unwrap().iter().map(str::to_owned).collect())
            .collect();
        Csv { headers, rows }
    }

    fn col(&self, name: &str) -> usize {
        self.headers.iter().position(|h| h == name).unwrap()
    }

    fn maps(&self) -> Vec<BTreeMap<String, String>> {
        self.rows
            .iter()
            .map(|r| {
                self.headers
                    .iter()
                    .cloned()
                    .zip(r.iter().cloned())
                    .filter(|(_, v)| !v.is_empty())
                    .collect()
            })
            .collect()
    }
}

struct Attr {
    kind: String,
    localizable: bool,
    scopable: bool,
}

/// What a value column of the export holds, read here independently of the importer.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Cell {
    attr: String,
    locale: Option<String>,
    channel: Option<String>,
    currency: Option<String>,
    unit: bool,
}

fn cell_of(header: &str, attrs: &HashMap<String, Attr>) -> Option<Cell> {
    let mut tokens = header.split('-');
    let attr = tokens.next()?.to_owned();
    let a = attrs.get(&attr)?;
    let locale = a
        .localizable
        .then(|| tokens.next().unwrap().replace('_', "-"));
    let channel = a.scopable.then(|| tokens.next().unwrap().to_owned());
    let rest = tokens.next();
    Some(Cell {
        currency: (a.kind == "pim_catalog_price_collection").then(|| rest.unwrap().to_owned()),
        unit: rest == Some("unit"),
        attr,
        locale,
        channel,
    })
}

/// Size of an Akeneo or pim unit in a base unit, to compare measurements by value.
fn unit_size(unit: &str) -> Decimal {
    let akeneo = [
        ("GRAM", "1"),
        ("KILOGRAM", "1000"),
        ("MILLIMETER", "1"),
        ("CENTIMETER", "10"),
        ("METER", "1000"),
        ("INCH", "25.4"),
    ];
    let size = akeneo
        .iter()
        .find(|(u, _)| *u == unit)
        .map(|(_, s)| *s)
        .or_else(|| {
            pim::units::UNITS
                .iter()
                .find(|(u, _, _)| *u == unit)
                .map(|(_, _, s)| *s)
        })
        .unwrap_or_else(|| panic!("unit {unit}"));
    Decimal::from_str(size).unwrap()
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap_or_else(|_| panic!("not a decimal: {s}"))
}

/// A record's item in the generated files: the file's value and the path to it.
struct Located<'a> {
    doc: &'a Value,
    path: Vec<usize>,
    /// Codes from the root down to the record, itself included.
    lineage: Vec<String>,
}

fn locate(catalog: &[(String, Value)]) -> HashMap<String, Located<'_>> {
    fn walk<'a>(
        doc: &'a Value,
        node: &'a Value,
        path: &mut Vec<usize>,
        lineage: &mut Vec<String>,
        out: &mut HashMap<String, Located<'a>>,
    ) {
        let sku = node["sku"].as_str().unwrap().to_owned();
        lineage.push(sku.clone());
        out.insert(
            sku.to_lowercase(),
            Located {
                doc,
                path: path.clone(),
                lineage: lineage.clone(),
            },
        );
        if let Some(children) = node.get("variants").and_then(Value::as_array) {
            for (i, child) in children.iter().enumerate() {
                path.push(i);
                walk(doc, child, path, lineage, out);
                path.pop();
            }
        }
        lineage.pop();
    }
    let mut out = HashMap::new();
    for (_, doc) in catalog {
        walk(doc, doc, &mut Vec::new(), &mut Vec::new(), &mut out);
    }
    out
}

/// An item's values in a channel, merged by pim (`resolve::leaves`); the import's own
/// `item_view` must agree.
fn leaf(at: &Located<'_>, channel: &str) -> Value {
    let (_, values) = pim::resolve::leaves(at.doc, Some(channel))
        .into_iter()
        .find(|(path, _)| *path == at.path)
        .unwrap_or_else(|| panic!("{:?} is not an item", at.lineage));
    assert_eq!(
        Some(&values),
        item_view(at.doc, &at.path, Some(channel)).as_ref()
    );
    values
}

/// The export's records (products and models) by lower-case code, with their parent.
fn records(dir: &Path) -> HashMap<String, BTreeMap<String, String>> {
    let mut out = HashMap::new();
    for (file, key) in [("product_models.csv", "code"), ("products.csv", "sku")] {
        for map in Csv::read(&dir.join(file)).maps() {
            out.insert(map[key].to_lowercase(), map);
        }
    }
    out
}

fn ancestors<'a>(
    records: &'a HashMap<String, BTreeMap<String, String>>,
    code: &str,
) -> Vec<&'a BTreeMap<String, String>> {
    let mut out = Vec::new();
    let mut current = records.get(&code.to_lowercase());
    while let Some(r) = current {
        out.push(r);
        current = r.get("parent").and_then(|p| records.get(&p.to_lowercase()));
    }
    out
}

fn attributes(dir: &Path) -> HashMap<String, Attr> {
    let csv = Csv::read(&dir.join("attributes.csv"));
    let (code, kind, loc, scope) = (
        csv.col("code"),
        csv.col("type"),
        csv.col("localizable"),
        csv.col("scopable"),
    );
    csv.rows
        .iter()
        .map(|r| {
            (
                r[code].clone(),
                Attr {
                    kind: r[kind].clone(),
                    localizable: r[loc] == "1",
                    scopable: r[scope] == "1",
                },
            )
        })
        .collect()
}

fn channels(dir: &Path) -> Vec<(String, Vec<String>, Vec<String>)> {
    let csv = Csv::read(&dir.join("channels.csv"));
    let (code, locales, currencies) = (csv.col("code"), csv.col("locales"), csv.col("currencies"));
    csv.rows
        .iter()
        .map(|r| {
            (
                r[code].clone(),
                r[locales].split(',').map(|l| l.replace('_', "-")).collect(),
                r[currencies].split(',').map(str::to_owned).collect(),
            )
        })
        .collect()
}

/// The value a cell describes, in pim's view of the item (`None` if absent).
fn pim_value<'v>(view: &'v Value, cell: &Cell) -> Option<&'v Value> {
    let mut v = view.get(&cell.attr)?;
    if let Some(l) = &cell.locale {
        v = v.get(l)?;
    }
    if let Some(c) = &cell.currency {
        v = v.get(c)?;
    }
    Some(v)
}

fn same(kind: &str, csv: &str, unit: Option<&str>, pim: &Value) -> bool {
    match kind {
        "pim_catalog_boolean" => pim.as_bool() == Some(csv == "1"),
        "pim_catalog_number" => pim.is_number() && dec(&pim.to_string()) == dec(csv),
        "pim_catalog_metric" => {
            let amount = dec(csv) * unit_size(unit.unwrap());
            let value =
                dec(pim["value"].as_str().unwrap()) * unit_size(pim["unit"].as_str().unwrap());
            amount == value
        }
        "pim_catalog_simpleselect" => pim.as_str().is_some_and(|p| p.eq_ignore_ascii_case(csv)),
        "pim_catalog_multiselect" => {
            let list: Vec<String> = pim
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_lowercase())
                .collect();
            list == csv.split(',').map(str::to_lowercase).collect::<Vec<_>>()
        }
        _ => pim.as_str() == Some(csv),
    }
}

#[test]
fn every_akeneo_value_comes_back_after_the_merge() {
    let Some(dir) = data("akeneo-icecat-demo") else {
        return;
    };
    big_stack(move || {
        let project = tempfile::tempdir().unwrap();
        let outcome = import(&dir, project.path(), false);
        assert_eq!(outcome.counts.items, 1239);
        assert_eq!(outcome.counts.variants, 240);
        let catalog = read_catalog(project.path());
        assert_eq!(catalog.len(), outcome.counts.products);
        let located = locate(&catalog);
        let records = records(&dir);
        let attrs = attributes(&dir);
        let channels: Vec<String> = channels(&dir).into_iter().map(|c| c.0).collect();
        let families = Csv::read(&dir.join("family_variants.csv"));
        let variant_family: HashMap<String, String> = families
            .rows
            .iter()
            .map(|r| {
                (
                    r[families.col("code")].clone(),
                    r[families.col("family")].clone(),
                )
            })
            .collect();

        let mut compared = 0;
        let mut product_values = 0;
        for (file, key) in [("products.csv", "sku"), ("product_models.csv", "code")] {
            for record in Csv::read(&dir.join(file)).maps() {
                let code = &record[key];
                let at = located
                    .get(&code.to_lowercase())
                    .unwrap_or_else(|| panic!("{code} is in no file"));
                assert_eq!(at.lineage.last().unwrap(), code);
                // The parent, matched case-insensitively.
                match record.get("parent") {
                    Some(parent) => assert!(
                        at.lineage[at.lineage.len() - 2].eq_ignore_ascii_case(parent),
                        "{code}: parent {parent} vs {:?}",
                        at.lineage
                    ),
                    None => assert_eq!(at.lineage.len(), 1, "{code}"),
                }
                let family = at.doc["family"].as_str().map(str::to_owned);
                if let Some(f) = record.get("family") {
                    let pim = family.clone().unwrap();
                    assert!(
                        pim == *f || variant_family.get(&pim) == Some(f),
                        "{code}: {f} vs {pim}"
                    );
                }
                let lineage = ancestors(&records, code);
                for channel in &channels {
                    // Products are items: their values as pim's own merge makes them.
                    let view = if file == "products.csv" {
                        leaf(at, channel)
                    } else {
                        item_view(at.doc, &at.path, Some(channel)).unwrap()
                    };
                    if let Some(enabled) = record.get("enabled") {
                        let status = if enabled == "1" { "active" } else { "draft" };
                        assert_eq!(view["status"], status, "{code}");
                    }
                    // Categories: the record's and its ancestors', as Akeneo unions them.
                    let pim_categories: BTreeSet<&str> = view
                        .get("categories")
                        .and_then(Value::as_array)
                        .map(|l| l.iter().map(|v| v.as_str().unwrap()).collect())
                        .unwrap_or_default();
                    let csv_categories: BTreeSet<&str> = lineage
                        .iter()
                        .filter_map(|r| r.get("categories"))
                        .flat_map(|c| c.split(','))
                        .collect();
                    assert_eq!(pim_categories, csv_categories, "{code}");

                    // Every value of the record is in pim's view for the channel...
                    let mut expected = BTreeSet::new();
                    for (header, value) in &record {
                        let Some(cell) = cell_of(header, &attrs) else {
                            continue;
                        };
                        if cell.unit || cell.attr == "sku" {
                            continue;
                        }
                        if cell.channel.as_ref().is_some_and(|c| c != channel) {
                            continue;
                        }
                        let kind = attrs[&cell.attr].kind.as_str();
                        let unit = record.get(&format!("{header}-unit")).map(String::as_str);
                        let pim = pim_value(&view, &cell)
                            .unwrap_or_else(|| panic!("{code}: {header} missing in {channel}"));
                        assert!(
                            same(kind, value, unit, pim),
                            "{code} {header} in {channel}: {value} vs {pim}"
                        );
                        compared += 1;
                        if file == "products.csv"
                            && (cell.channel.is_some() || channel == &channels[0])
                        {
                            product_values += 1;
                        }
                        expected.insert((cell.attr.clone(), cell.locale.or(cell.currency)));
                    }
                    // ... and every value of the view comes from the record or an ancestor.
                    for (attr, value) in view.as_object().unwrap() {
                        if !attrs.contains_key(attr) || attr == "sku" {
                            continue;
                        }
                        let subs: Vec<Option<String>> = match value {
                            Value::Object(m)
                                if !(m.contains_key("value") && m.contains_key("unit")) =>
                            {
                                m.keys().map(|k| Some(k.clone())).collect()
                            }
                            _ => vec![None],
                        };
                        for sub in subs {
                            if expected.contains(&(attr.clone(), sub.clone())) {
                                continue;
                            }
                            let from_ancestor = lineage.iter().skip(1).any(|r| {
                                r.keys().any(|h| {
                                    cell_of(h, &attrs).is_some_and(|c| {
                                        c.attr == *attr
                                            && !c.unit
                                            && c.channel.as_ref().is_none_or(|c| c == channel)
                                            && c.locale.clone().or(c.currency.clone()) == sub
                                    })
                                })
                            });
                            assert!(
                                from_ancestor,
                                "{code}: {attr} {sub:?} in {channel} comes from nowhere"
                            );
                        }
                    }
                }
            }
        }
        // Every value cell of products.csv (identifier and units aside) was compared.
        let products = Csv::read(&dir.join("products.csv"));
        let cells: usize = products
            .maps()
            .iter()
            .map(|r| {
                r.keys()
                    .filter(|h| cell_of(h, &attrs).is_some_and(|c| !c.unit && c.attr != "sku"))
                    .count()
            })
            .sum();
        assert_eq!(product_values, cells);
        assert!(compared > cells);
        eprintln!("{cells} values of products.csv compared ({compared} comparisons in all)");
    });
}

#[test]
fn completeness_follows_akeneos_rule() {
    let Some(dir) = data("akeneo-icecat-demo") else {
        return;
    };
    big_stack(move || {
        let project = tempfile::tempdir().unwrap();
        import(&dir, project.path(), false);
        let catalog = read_catalog(project.path());
        let located = locate(&catalog);
        let records = records(&dir);
        let attrs = attributes(&dir);
        let channels = channels(&dir);
        let schema_dir = project.path().join("schemas");
        let read_json = |p: PathBuf| -> Value {
            serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
        };
        let product_schema = read_json(schema_dir.join("product.schema.json"));
        let kind_of = |a: &str| match product_schema["$defs"][a]["x-pim"].as_str() {
            Some("localized") => Some(pim::schema::Kind::Localized),
            Some("price") => Some(pim::schema::Kind::Price),
            Some("measurement") => Some(pim::schema::Kind::Measurement),
            _ => None,
        };
        let families = Csv::read(&dir.join("families.csv"));
        let requirements: HashMap<(String, String), Vec<String>> = families
            .maps()
            .iter()
            .flat_map(|f| {
                channels.iter().map(move |(c, _, _)| {
                    let list = f
                        .get(&format!("requirements-{c}"))
                        .map(|l| l.split(',').map(str::to_owned).collect())
                        .unwrap_or_default();
                    ((f["code"].clone(), c.clone()), list)
                })
            })
            .collect();

        let mut checked = 0;
        let mut incomplete = 0;
        // (SKU, `channel (locale)`) of every incomplete item by Akeneo's rule.
        let mut akeneo_incomplete: BTreeSet<(String, String)> = BTreeSet::new();
        for product in Csv::read(&dir.join("products.csv")).maps() {
            let sku = &product["sku"];
            let Some(family) = product.get("family") else {
                continue;
            };
            let lineage = ancestors(&records, sku);
            let at = &located[&sku.to_lowercase()];
            let schema = read_json(schema_dir.join(format!(
                "families/{}.schema.json",
                at.doc["family"].as_str().unwrap()
            )));
            for (channel, locales, currencies) in &channels {
                let view = leaf(at, channel);
                let required: Vec<String> = schema["x-pim-required"][channel]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap().to_owned())
                    .collect();
                for locale in locales {
                    // Akeneo: every required attribute filled in this locale and channel, a
                    // price in every currency of the channel; values inherited from models.
                    let filled = |header: &str| {
                        lineage
                            .iter()
                            .any(|r| r.get(header).is_some_and(|v| !v.is_empty()))
                    };
                    let mut akeneo_missing = BTreeSet::new();
                    for attr in &requirements[&(family.clone(), channel.clone())] {
                        let a = &attrs[attr];
                        if a.kind == "pim_catalog_identifier" {
                            continue;
                        }
                        let mut header = attr.clone();
                        if a.localizable {
                            header = format!("{header}-{}", locale.replace('-', "_"));
                        }
                        if a.scopable {
                            header = format!("{header}-{channel}");
                        }
                        let ok = if a.kind == "pim_catalog_price_collection" {
                            currencies.iter().all(|c| filled(&format!("{header}-{c}")))
                        } else {
                            filled(&header)
                        };
                        if !ok {
                            akeneo_missing.insert(attr.clone());
                        }
                    }
                    // pim: completeness in the locale, with every currency of the channel.
                    let (missing, _) =
                        pim::resolve::completeness(&view, kind_of, &required, locale, currencies);
                    let pim_missing: BTreeSet<String> = missing
                        .into_iter()
                        .map(|m| m.split(' ').next().unwrap().to_owned())
                        .collect();
                    assert_eq!(pim_missing, akeneo_missing, "{sku} {channel} {locale}");
                    checked += 1;
                    if !pim_missing.is_empty() {
                        incomplete += 1;
                        akeneo_incomplete
                            .insert((sku.to_lowercase(), format!("{channel} ({locale})")));
                    }
                }
            }
        }
        assert!(checked > 3000, "{checked}");
        assert!(incomplete > 0, "the demo has incomplete items");
        // The real command agrees item by item: `pim validate --channel all` on the project.
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_pim"))
            .args(["validate", "--channel", "all", "--format", "json"])
            .current_dir(project.path())
            .output()
            .unwrap();
        let report: Value = serde_json::from_slice(&output.stdout).unwrap();
        let pim_incomplete: BTreeSet<(String, String)> = report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["rule"] == "incomplete")
            .map(|d| {
                let message = d["message"].as_str().unwrap();
                let channel = message
                    .split("for channel `")
                    .nth(1)
                    .unwrap()
                    .split('`')
                    .next()
                    .unwrap();
                (
                    d["sku"].as_str().unwrap().to_lowercase(),
                    channel.to_owned(),
                )
            })
            .collect();
        assert_eq!(pim_incomplete.len(), akeneo_incomplete.len());
        assert!(
            pim_incomplete == akeneo_incomplete,
            "pim validate --channel all disagrees with Akeneo's rule"
        );
        eprintln!("{checked} (product, channel, locale) compared, {incomplete} incomplete");
    });
}

#[test]
fn a_reimport_changes_nothing_and_differing_files_are_refused() {
    let Some(dir) = data("akeneo-icecat-demo") else {
        return;
    };
    let project = tempfile::tempdir().unwrap();
    let first = import(&dir, project.path(), false);
    assert_eq!(first.counts.files_refused, 0);
    assert_eq!(first.counts.files_unchanged, 0);
    let snapshot = |root: &Path| -> BTreeMap<String, Vec<u8>> {
        walkdir::WalkDir::new(root)
            .sort_by_file_name()
            .into_iter()
            .map(Result::unwrap)
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                (
                    e.path().strip_prefix(root).unwrap().display().to_string(),
                    std::fs::read(e.path()).unwrap(),
                )
            })
            .collect()
    };
    let before = snapshot(project.path());
    assert_eq!(before.len(), first.files.len());

    let second = import(&dir, project.path(), false);
    assert_eq!(second.counts.files_written, 0);
    assert_eq!(second.counts.files_unchanged, first.files.len());
    assert_eq!(snapshot(project.path()), before, "byte-identical");
    assert_eq!(second.counts, {
        let mut c = first.counts;
        c.files_unchanged = first.files.len();
        c.files_written = 0;
        c
    });

    // A product edited since: kept, and named.
    let edited = project.path().join("catalog/accessories/1111111171.yaml");
    std::fs::write(&edited, "sku: \"1111111171\"\n").unwrap();
    let third = import(&dir, project.path(), false);
    let refused: Vec<&str> = third
        .files
        .iter()
        .filter(|f| f.state == FileState::Refused)
        .map(|f| f.path.as_str())
        .collect();
    assert_eq!(refused, ["catalog/accessories/1111111171.yaml"]);
    assert_eq!(
        std::fs::read_to_string(&edited).unwrap(),
        "sku: \"1111111171\"\n"
    );
    let forced = import(&dir, project.path(), true);
    assert_eq!(forced.counts.files_written, 1);
    assert_eq!(snapshot(project.path()), before);
}

#[test]
fn the_report_lists_what_pim_cannot_hold() {
    let Some(dir) = data("akeneo-icecat-demo") else {
        return;
    };
    let project = tempfile::tempdir().unwrap();
    let outcome = import(&dir, project.path(), false);
    let messages: Vec<&str> = outcome
        .not_represented
        .iter()
        .map(|f| f.message.as_str())
        .collect();
    let has = |part: &str| messages.iter().any(|m| m.contains(part));
    assert!(
        has("18 records name their parent with another case"),
        "{messages:#?}"
    );
    assert!(has("attribute groups (11) are not imported"));
    assert!(has("`ean` is unique in Akeneo"));
    assert!(has("job profiles are not imported"));
    // The demo's media are absent: every path is kept as a reference.
    assert_eq!(outcome.counts.media_copied, 0);
    assert_eq!(outcome.counts.media_referenced, 270);
    assert!(outcome.media.iter().all(|m| m.path.starts_with("files/")));
    assert!(outcome.damaged.is_empty(), "{:?}", outcome.damaged);
    let json = serde_json::to_value(&outcome).unwrap();
    assert_eq!(json["counts"]["products"], outcome.counts.products);
    assert_eq!(json["files"][0]["state"], "written");
}

#[test]
fn media_next_to_the_export_are_copied() {
    let Some(dir) = data("akeneo-icecat-demo") else {
        return;
    };
    // The demo without media, plus one media file next to it.
    let export = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), export.path().join(entry.file_name())).unwrap();
    }
    let media = export.path().join("files/1111111171/image");
    std::fs::create_dir_all(&media).unwrap();
    std::fs::write(media.join("bag.jpg"), b"not really a jpeg").unwrap();
    let project = tempfile::tempdir().unwrap();
    let outcome = import(export.path(), project.path(), false);
    assert_eq!(outcome.counts.media_copied, 1);
    assert_eq!(outcome.counts.media_referenced, 269);
    assert_eq!(
        std::fs::read(project.path().join("assets/files/1111111171/image/bag.jpg")).unwrap(),
        b"not really a jpeg"
    );
    let product =
        std::fs::read_to_string(project.path().join("catalog/accessories/1111111171.yaml"))
            .unwrap();
    assert!(
        product.contains("image: files/1111111171/image/bag.jpg"),
        "{product}"
    );
}

#[test]
fn spreadsheet_damage_is_reported_in_a_products_only_export() {
    let Some(dir) = data("openfoodfacts-akeneo-export") else {
        return;
    };
    // A real retailer's export: one products file (under another name), no structure.
    let export = tempfile::tempdir().unwrap();
    std::fs::copy(
        dir.join("SUYQD_AKENEO_PU_02.csv"),
        export.path().join("products.csv"),
    )
    .unwrap();
    let project = tempfile::tempdir().unwrap();
    let outcome = import(export.path(), project.path(), false);
    assert_eq!(outcome.counts.products, 5);
    let first = &outcome.damaged[0];
    assert_eq!(
        (first.line, first.column.as_str(), first.value.as_str()),
        (2, "categories", "1,76701E+15")
    );
    assert_eq!(first.sku.as_deref(), Some("1991450-3368954957571"));
    assert!(
        outcome
            .damaged
            .iter()
            .any(|d| d.column == "UGC_nomGestion" || d.value == "1,10102E+16")
    );
    assert!(
        outcome
            .not_represented
            .iter()
            .any(|f| f.message.contains("no attributes.csv")),
        "{:#?}",
        outcome.not_represented
    );
}

/// A small export made for these tests, with every kind of value: runs everywhere.
fn small() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import/akeneo-small")
}

#[test]
fn a_small_export_with_every_kind_of_value() {
    let project = tempfile::tempdir().unwrap();
    let outcome = import(&small(), project.path(), false);
    let read = |rel: &str| std::fs::read_to_string(project.path().join(rel)).unwrap();
    // Two levels of variants, each with what differs only: the axis first, then the rest;
    // a variant in more categories writes them all; an inherited link is not repeated.
    assert_eq!(
        read("catalog/tshirt/TEE.yaml"),
        "sku: TEE\nfamily: tshirt_color_size\nstatus: active\ncategories:\n  - clothes\nname:\n  en-US: Tee\n  de-DE: T-Shirt\nprice:\n  EUR: \"19.90\"\nassociations:\n  x_sell:\n    - MUG-1\nchannels:\n  web:\n    description:\n      en-US: Soft tee\nvariants:\n  - sku: TEE-BLUE\n    color: blue\n    variants:\n      - sku: TEE-BLUE-S\n        size: s\n        weight:\n          value: \"0.2\"\n          unit: kg\n  - sku: TEE-RED\n    color: red\n    categories:\n      - clothes\n      - outlet\n    variants:\n      - sku: TEE-RED-M\n        size: m\n        status: draft\n        price:\n          USD: \"21.50\"\n        weight:\n          value: \"210\"\n          unit: g\n      - sku: TEE-RED-S\n        size: s\n        weight:\n          value: \"200\"\n          unit: g\n"
    );
    // A value the same in every channel is written once; one channel's own under `channels`;
    // quantified associations; option codes in their case; numeric-looking text quoted.
    assert_eq!(
        read("catalog/mug/MUG-1.yaml"),
        "sku: MUG-1\nfamily: mug\nstatus: active\ncategories:\n  - mugs\nname:\n  en-US: Enamel mug\n  de-DE: Emaillebecher\ndescription:\n  en-US: |-\n    Keeps coffee hot.\n    Dishwasher safe.\nprice:\n  EUR: \"12.00\"\n  USD: \"13.50\"\nweight:\n  value: \"350\"\n  unit: g\ntags:\n  - eco\n  - gift\nrating: 4\neco: true\nmanual: files/MUG-1/manual/mug.pdf\nlegal:\n  en-US: Made in EU\nerp_code: \"0012\"\nassociations:\n  pack:\n    - sku: MUG-2\n      quantity: 2\n    - sku: TEE-RED-S\n      quantity: 1\n  x_sell:\n    - TEE\nchannels:\n  web:\n    description:\n      de-DE: Hält Kaffee warm.\n    release: \"2012-04-20\"\n"
    );
    // Units pim lacks are converted exactly; a dimension it lacks keeps Akeneo's unit.
    let mug2 = read("catalog/mug/MUG-2.yaml");
    for part in [
        "weight:\n  value: \"1.5\"\n  unit: g\n",
        "length:\n  value: \"24\"\n  unit: in\n",
        "power:\n  value: \"100\"\n  unit: WATT\n",
        "status: draft\n",
    ] {
        assert!(mug2.contains(part), "{part}\n{mug2}");
    }
    assert_eq!(
        read("pim.toml"),
        "# Made by `pim import akeneo` from `akeneo-small`. Importing the same export again changes no\n# file; files that differ are kept unless the import runs with --force.\n\n[project]\nname = \"Icecat demo\"\nlocales = [\"en-US\", \"de-DE\"]\ndefault_locale = \"en-US\"\ncurrencies = [\"EUR\", \"USD\"]\n\n# Akeneo channel `web`, category tree `main`.\n[channels.web]\ntemplate = \"web.csv.j2\"\noutput = \"web/{locale}.csv\"\nlocales = [\"en-US\", \"de-DE\"]\ncurrencies = [\"EUR\", \"USD\"]\nfilter = \"status == 'active' and (categories | select('in', ['clothes', 'main', 'mugs']) | list | length) > 0\"\nunits = { weight = \"g\" }\n\n[channels.web.vars]\nlabel = { en-US = \"Web shop\", de-DE = \"Webshop\" }\ncategory_tree = \"main\"\n\n# Akeneo channel `print`, category tree `main`.\n[channels.print]\ntemplate = \"print.csv.j2\"\noutput = \"print.csv\"\nlocale = \"en-US\"\ncurrency = \"EUR\"\nfilter = \"status == 'active' and (categories | select('in', ['clothes', 'main', 'mugs']) | list | length) > 0\"\n\n[channels.print.vars]\nlabel = { en-US = \"Print\", de-DE = \"Druck\" }\ncategory_tree = \"main\"\n"
    );
    assert_eq!(
        read("categories.yaml"),
        "# The category trees of the Akeneo export, with their labels.\nmain:\n  name:\n    en-US: Main\n    de-DE: Haupt\n  children:\n    clothes:\n      name:\n        en-US: Clothes\n        de-DE: Kleidung\n    mugs:\n      name:\n        en-US: Mugs\n        de-DE: Tassen\noutlet:\n  name:\n    en-US: Outlet\n    de-DE: Restposten\n"
    );

    let schema: Value = serde_json::from_str(&read("schemas/product.schema.json")).unwrap();
    let defs = &schema["$defs"];
    assert_eq!(schema["properties"]["sku"]["pattern"], "^[A-Z0-9-]+$");
    assert_eq!(schema["properties"]["sku"]["maxLength"], 40);
    assert_eq!(defs["name"]["x-pim"], "localized");
    assert_eq!(defs["name"]["additionalProperties"]["maxLength"], 50);
    assert_eq!(
        defs["name"]["x-pim-labels"],
        serde_json::json!({"en-US": "Name", "de-DE": "Name"})
    );
    assert_eq!(
        defs["legal"]["propertyNames"]["enum"],
        serde_json::json!(["en-US"])
    );
    assert_eq!(defs["price"]["x-pim"], "price");
    assert_eq!(defs["weight"]["x-pim"], "measurement");
    assert!(defs["power"].get("x-pim").is_none());
    assert_eq!(
        (
            &defs["rating"]["type"],
            &defs["rating"]["minimum"],
            &defs["rating"]["maximum"]
        ),
        (
            &serde_json::json!("integer"),
            &serde_json::json!(0),
            &serde_json::json!(5)
        )
    );
    assert_eq!(
        defs["color"]["enum"],
        serde_json::json!(["red", "blue"]),
        "by sort order"
    );
    assert_eq!(defs["color"]["x-pim-options"]["blue"]["de-DE"], "Blau");
    assert_eq!(
        defs["tags"]["items"]["enum"],
        serde_json::json!(["eco", "gift"])
    );
    assert_eq!(defs["manual"]["format"], "asset");
    assert_eq!(defs["erp_code"]["x-akeneo"]["unique"], true);
    let date = jsonschema::validator_for(&defs["release"]).unwrap();
    assert!(date.is_valid(&serde_json::json!("2012-04-20")));
    assert!(!date.is_valid(&serde_json::json!("1999-12-31")));
    assert!(!date.is_valid(&serde_json::json!("2031-01-01")));
    let variant: Value =
        serde_json::from_str(&read("schemas/families/tshirt_color_size.schema.json")).unwrap();
    assert_eq!(
        variant["x-variant-axes"],
        serde_json::json!([["color"], ["size"]])
    );
    assert_eq!(
        variant["x-pim-required"],
        serde_json::json!({"print": ["name"], "web": ["name", "price", "color", "size"]})
    );
    assert_eq!(
        variant["properties"]["color"]["$ref"],
        "../product.schema.json#/$defs/color"
    );

    // Media next to the export are copied; the others are listed.
    assert_eq!(
        read("assets/files/MUG-1/manual/mug.pdf"),
        "%PDF-1.4 a tiny stand-in\n"
    );
    assert_eq!(
        (outcome.counts.media_copied, outcome.counts.media_referenced),
        (1, 1)
    );
    assert_eq!(outcome.counts.associations, 9);
    let d = &outcome.damaged[0];
    assert_eq!(
        (
            d.file.as_str(),
            d.line,
            d.column.as_str(),
            d.sku.as_deref(),
            d.value.as_str()
        ),
        ("products.csv", 8, "erp_code", Some("MUG-2"), "1,76701E+15")
    );
    let messages: Vec<String> = outcome
        .not_represented
        .iter()
        .map(|f| {
            format!(
                "{}:{} {}",
                f.file,
                f.line.map_or(String::new(), |l| l.to_string()),
                f.message
            )
        })
        .collect();
    for expected in [
        "products.csv: the column `legacy_id` is not an attribute, association or field Akeneo exports; not imported (1 value)",
        "products.csv:8 the product is in the groups `promo`; pim has no product groups",
        "products.csv: 1 record names its parent with another case than its code (e.g. `Model-x` for `model-x`); matched case-insensitively, as Akeneo does",
        "attributes.csv:8 the metric family `Power` of `power` is not one pim measures (mass, length, volume); its values are kept as value and Akeneo unit code",
        "families.csv: products of `mug` have values for `tags`, which is not an attribute of the family; it was added to the family's schema",
        "attributes.csv: labels in `fr-FR` are not kept: it is the locale of no channel (26 times; the first is shown)",
    ] {
        assert!(
            messages.iter().any(|m| m == expected),
            "{expected}\n{messages:#?}"
        );
    }

    // Every file reads back with pim's loader, without a warning.
    big_stack({
        let root = project.path().to_path_buf();
        move || assert_eq!(read_catalog(&root).len(), 3)
    });
}

#[test]
fn hostile_codes_stay_inside_the_project() {
    let export = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| std::fs::write(export.path().join(name), text).unwrap();
    write(
        "attributes.csv",
        "code;type;localizable;scopable\nsku;pim_catalog_identifier;0;0\nname;pim_catalog_text;0;0\npicture;pim_catalog_image;0;0\n",
    );
    write(
        "families.csv",
        "code;attributes\n../evil;sku,name,picture\n",
    );
    write(
        "channels.csv",
        "code;locales;currencies\nweb/../x;en_US;EUR\n",
    );
    // A chain of models deeper than any PIM, and two models that are each other's parent.
    let mut models = String::from("code;family_variant;parent\nm0;;\n");
    for i in 1..12 {
        models.push_str(&format!("m{i};;m{}\n", i - 1));
    }
    models.push_str("loop-a;;loop-b\nloop-b;;loop-a\n");
    write("product_models.csv", &models);
    write(
        "products.csv",
        "sku;family;parent;name;picture\n../../outside;../evil;;Evil;../../../etc/passwd\ndeep;;m11;Deep;\n",
    );
    let parent = tempfile::tempdir().unwrap();
    let project = parent.path().join("p");
    let outcome = import(export.path(), &project, false);
    // Everything written is under the project.
    let outside: Vec<_> = walkdir::WalkDir::new(parent.path())
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file() && !e.path().starts_with(&project))
        .collect();
    assert!(outside.is_empty(), "{outside:?}");
    let files: Vec<String> = walkdir::WalkDir::new(&project)
        .into_iter()
        .map(|e| {
            e.unwrap()
                .path()
                .strip_prefix(&project)
                .unwrap()
                .display()
                .to_string()
        })
        .collect();
    assert!(
        project
            .join("catalog/_.._evil/_.._.._outside.yaml")
            .is_file(),
        "{files:#?}"
    );
    assert!(
        project
            .join("schemas/families/_.._evil.schema.json")
            .is_file()
    );
    assert!(project.join("templates/web_.._x.csv.j2").is_file());
    let messages: Vec<&str> = outcome
        .not_represented
        .iter()
        .map(|f| f.message.as_str())
        .collect();
    let has = |part: &str| messages.iter().any(|m| m.contains(part));
    assert!(
        has("the code `../evil` cannot be a file name"),
        "{messages:#?}"
    );
    assert!(has("levels below its root model"), "{messages:#?}");
    assert!(has("parents form a loop"), "{messages:#?}");
    assert!(has("leads out of the export folder"), "{messages:#?}");
    assert_eq!(outcome.counts.media_copied, 0);
}

//! `pim import shopify`: a small file in Shopify's classic and 2024 column names, and the
//! round trip of the demo's `shopify` channel (export, then import into a new project).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use pim::import::model::{item_paths, item_view};
use pim::import::{ImportOutcome, ShopifyOptions};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

fn import(file: &Path, into: &Path) -> ImportOutcome {
    pim::import::shopify::import(&ShopifyOptions {
        file: file.to_path_buf(),
        into: into.to_path_buf(),
        name: Some("Store".into()),
        force: false,
        locale: "en-US".into(),
        currency: "USD".into(),
    })
    .unwrap()
}

fn fixture(name: &str) -> PathBuf {
    common::fixtures().join("import").join(name)
}

/// Product files by relative path, read with pim's own YAML loader.
fn catalog(root: &Path) -> BTreeMap<String, Value> {
    let root = root.to_path_buf();
    std::thread::Builder::new()
        .stack_size(pim::STACK_SIZE)
        .spawn(move || {
            let mut out = BTreeMap::new();
            for entry in walkdir::WalkDir::new(root.join("catalog")).sort_by_file_name() {
                let entry = entry.unwrap();
                if !entry.file_type().is_file() {
                    continue;
                }
                let rel = entry
                    .path()
                    .strip_prefix(&root)
                    .unwrap()
                    .display()
                    .to_string();
                let text = std::fs::read_to_string(entry.path()).unwrap();
                let (node, diagnostics) =
                    pim::source::yaml::parse(&text, &rel, &pim::config::Limits::default())
                        .unwrap_or_else(|d| panic!("{rel}: {}", d.message));
                assert!(diagnostics.is_empty(), "{rel}: {diagnostics:?}");
                out.insert(rel, node.to_json());
            }
            out
        })
        .unwrap()
        .join()
        .unwrap()
}

#[test]
fn classic_columns_give_products_with_variants_by_option() {
    let project = tempfile::tempdir().unwrap();
    let outcome = import(&fixture("shopify-classic.csv"), project.path());
    assert_eq!(
        (
            outcome.counts.products,
            outcome.counts.items,
            outcome.counts.variants
        ),
        (2, 4, 3)
    );
    let files = catalog(project.path());
    let shirt = &files["catalog/color_size/example-shirt.yaml"];
    assert_eq!(shirt["family"], "color_size");
    assert_eq!(shirt["status"], "active");
    assert_eq!(shirt["name"]["en-US"], "Example T-Shirt");
    assert_eq!(shirt["description"]["en-US"], "<p>Soft cotton tee.</p>");
    assert_eq!(shirt["brand"], "Acme");
    assert_eq!(shirt["product_type"], "Shirts");
    assert_eq!(
        shirt["tags"],
        serde_json::json!(["Made to Order", "Shirt Tag"])
    );
    assert_eq!(
        shirt["images"],
        serde_json::json!([
            "https://cdn.example/g.jpg",
            "https://cdn.example/g2.jpg",
            "https://cdn.example/g3.jpg"
        ])
    );
    let item = |i: usize| item_view(shirt, &[i], None).unwrap();
    let expected = [
        ("SRT-G-S", "Green", "S", "25.00", "4006381333931", "145"),
        ("SRT-G-M", "Green", "M", "25.00", "036000291452", "145"),
        ("SRT-B-S", "Blue", "S", "27.50", "0012345678905", "150"),
    ];
    for (i, (sku, color, size, price, gtin, grams)) in expected.iter().enumerate() {
        let v = item(i);
        assert_eq!(v["sku"], *sku);
        assert_eq!(v["color"], *color);
        assert_eq!(v["size"], *size);
        assert_eq!(v["price"]["USD"], *price);
        assert_eq!(v["gtin"], *gtin);
        assert_eq!(
            v["weight"],
            serde_json::json!({"value": grams, "unit": "g"})
        );
        assert_eq!(v["status"], "active");
    }
    assert_eq!(item(0)["compare_at_price"]["USD"], "30.00");
    assert!(item(2).get("compare_at_price").is_none());
    assert_eq!(
        item(2)["images"],
        serde_json::json!(["https://cdn.example/b.jpg"])
    );

    // A product without options is one item; a numeric-looking SKU keeps its zeros.
    let mug = &files["catalog/no-family/00042.yaml"];
    assert_eq!(mug["sku"], "00042");
    assert_eq!(mug["status"], "draft");
    assert_eq!(mug["price"]["USD"], "12.00");
    assert_eq!(mug["gtin"], "96385074");
    assert_eq!(
        mug["description"]["en-US"],
        "Holds 350 ml, keeps \"coffee\" hot.\nDishwasher safe."
    );
    assert!(mug.get("variants").is_none());

    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(
            project
                .path()
                .join("schemas/families/color_size.schema.json"),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(
        schema["x-variant-axes"],
        serde_json::json!(["color", "size"])
    );
    let product: Value = serde_json::from_str(
        &std::fs::read_to_string(project.path().join("schemas/product.schema.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(product["$defs"]["gtin"]["format"], "gtin");
    assert_eq!(product["$defs"]["color"]["x-pim-labels"]["en-US"], "Color");

    // Columns pim has no place for are named, with their number of values.
    let messages: Vec<&str> = outcome
        .not_represented
        .iter()
        .map(|f| f.message.as_str())
        .collect();
    assert!(
        messages.contains(
            &"the column `Variant Inventory Qty` has no place in pim; not imported (3 values)"
        ),
        "{messages:#?}"
    );
    assert!(outcome.damaged.is_empty());
}

#[test]
fn the_2024_column_names_give_the_same_project() {
    let classic = tempfile::tempdir().unwrap();
    let current = tempfile::tempdir().unwrap();
    import(&fixture("shopify-classic.csv"), classic.path());
    import(&fixture("shopify-2024.csv"), current.path());
    let read = |root: &Path| -> BTreeMap<String, String> {
        walkdir::WalkDir::new(root)
            .sort_by_file_name()
            .into_iter()
            .map(Result::unwrap)
            .filter(|e| e.file_type().is_file() && !e.path().ends_with("pim.toml"))
            .map(|e| {
                (
                    e.path().strip_prefix(root).unwrap().display().to_string(),
                    std::fs::read_to_string(e.path()).unwrap(),
                )
            })
            .collect()
    };
    assert_eq!(read(classic.path()), read(current.path()));
}

#[test]
fn a_reimport_changes_nothing() {
    let project = tempfile::tempdir().unwrap();
    let first = import(&fixture("shopify-classic.csv"), project.path());
    let second = import(&fixture("shopify-classic.csv"), project.path());
    assert_eq!(second.counts.files_written, 0);
    assert_eq!(second.counts.files_unchanged, first.files.len());
}

#[test]
fn spreadsheet_damaged_barcodes_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("products.csv");
    std::fs::write(
        &file,
        "Handle,Title,Option1 Name,Option1 Value,Variant SKU,Variant Price,Variant Barcode\n\
         cup,Cup,Title,Default Title,CUP-1,4.50,3.65275E+11\n",
    )
    .unwrap();
    let project = tempfile::tempdir().unwrap();
    let outcome = import(&file, project.path());
    assert_eq!(outcome.damaged.len(), 1);
    let d = &outcome.damaged[0];
    assert_eq!(
        (d.line, d.column.as_str(), d.value.as_str()),
        (2, "Variant Barcode", "3.65275E+11")
    );
    assert!(
        outcome
            .not_represented
            .iter()
            .any(|f| f.message.contains("1 of 1 barcodes are not valid GTINs")),
        "{:#?}",
        outcome.not_represented
    );
}

#[test]
fn a_file_that_is_not_shopifys_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("x.csv");
    std::fs::write(&file, "sku;name\nA;B\n").unwrap();
    let err = pim::import::shopify::import(&ShopifyOptions {
        file: file.clone(),
        into: dir.path().join("p"),
        name: None,
        force: false,
        locale: "en-US".into(),
        currency: "USD".into(),
    })
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "x.csv is not a Shopify product CSV: it has neither a `Handle` (or `URL handle`) nor a `Title` column"
    );
}

/// The items of a catalog (the leaves of each product's variant tree, one or two levels) by
/// lower-case SKU: (root product SKU, item values).
fn items(files: &BTreeMap<String, Value>) -> HashMap<String, (Option<String>, Value)> {
    let mut out = HashMap::new();
    for doc in files.values() {
        for path in item_paths(doc) {
            let item = item_view(doc, &path, None).unwrap();
            let parent = (!path.is_empty()).then(|| doc["sku"].as_str().unwrap().to_lowercase());
            out.insert(item["sku"].as_str().unwrap().to_lowercase(), (parent, item));
        }
    }
    out
}

#[test]
fn the_demo_shopify_channel_round_trips() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = tempfile::tempdir().unwrap();
    let export = common::pim(
        repo,
        &[
            "export",
            "--channel",
            "shopify",
            "--out",
            out.path().to_str().unwrap(),
        ],
    );
    assert!(export.status.success(), "{}", common::stderr(&export));
    let feed = out.path().join("shopify.csv");
    let project = tempfile::tempdir().unwrap();
    let outcome = import(&feed, project.path());
    assert!(outcome.damaged.is_empty());

    // The SKUs of the feed: what the channel exported.
    let mut reader = csv::Reader::from_path(&feed).unwrap();
    let sku_col = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "Variant SKU")
        .unwrap();
    let exported: Vec<String> = reader
        .records()
        .map(|r| r.unwrap()[sku_col].to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    assert!(exported.len() > 100, "{}", exported.len());

    let demo = items(&catalog(repo));
    let imported = items(&catalog(project.path()));
    assert_eq!(imported.len(), exported.len());
    // The channel's options: the family's variant axes (pim.toml, shopify vars).
    let axes: HashMap<&str, Vec<&str>> = HashMap::from([
        ("apparel", vec!["color", "size"]),
        ("footwear", vec!["size"]),
    ]);
    for sku in &exported {
        let key = sku.to_lowercase();
        let (demo_parent, before) = &demo[&key];
        let (parent, after) = imported
            .get(&key)
            .unwrap_or_else(|| panic!("{sku} was not imported"));
        assert_eq!(after["sku"], before["sku"], "SKUs keep their case");
        assert_eq!(
            parent, demo_parent,
            "{sku}: same product (handle = lower-case SKU)"
        );
        assert_eq!(
            after["price"]["USD"], before["price"]["USD"],
            "{sku}: price"
        );
        assert_eq!(after.get("gtin"), before.get("gtin"), "{sku}: GTIN");
        if demo_parent.is_some() {
            let family = before["family"].as_str().unwrap();
            for axis in &axes[family] {
                // The template writes the colour's label (`grey/teal` → `Grey/Teal`).
                let (a, b) = (
                    after[axis].as_str().unwrap(),
                    before[axis].as_str().unwrap(),
                );
                assert!(a.eq_ignore_ascii_case(b), "{sku}: {axis} {a} vs {b}");
            }
        }
    }
}

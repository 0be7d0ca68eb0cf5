//! End-to-end tests of `pim show`: values per locale and currency, items, and each
//! channel's verdict, which must agree with what `pim export` writes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use serde_json::{Value, json};
use std::path::Path;

fn show_json(dir: &Path, args: &[&str]) -> Value {
    let mut all = vec!["show"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json"]);
    let output = pim(dir, &all);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    serde_json::from_slice(&output.stdout).unwrap()
}

fn channel<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["channels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["channel"] == name)
        .unwrap()
}

#[test]
fn an_incomplete_item_says_what_it_lacks_per_channel() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let report = show_json(root, &["nw-lmp-5003"]);
    assert_eq!(report["sku"], "NW-LMP-5003");
    assert_eq!(report["file"], "catalog/lighting/NW-LMP-5003.yaml");
    assert_eq!(report["variant_of"], Value::Null);
    // Localized values in every locale, with fallbacks; prices in every currency.
    let name = report["values"]["name"].as_object().unwrap();
    assert_eq!(name.len(), 3, "{name:?}");
    assert_eq!(
        report["values"]["price"].as_object().unwrap().len(),
        3,
        "{}",
        report["values"]["price"]
    );
    // The web shop renders once per locale: one verdict each; the German page lacks it.
    let webshops: Vec<&Value> = report["channels"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["channel"] == "webshop")
        .collect();
    let locales: Vec<&Value> = webshops.iter().map(|c| &c["locale"]).collect();
    assert_eq!(locales, ["en-US", "de-DE", "fr-FR"]);
    assert_eq!(webshops[0]["items"][0]["in_feed"], true);
    let webshop = webshops[1];
    assert_eq!(webshop["locale"], "de-DE");
    let item = &webshop["items"][0];
    assert_eq!(item["in_feed"], false);
    assert_eq!(item["left_out"], "incomplete");
    assert_eq!(item["completeness"], 75);
    assert_eq!(item["missing"], json!(["description (de-DE)"]));
    let marketplace = channel(&report, "marketplace");
    assert_eq!(marketplace["items"][0]["in_feed"], true);
    // The values the marketplace template sees: English, dollars, kilograms.
    let values = &marketplace["items"][0]["values"];
    assert!(values["name"].is_string(), "{values}");
    assert!(values["price"].is_string(), "{values}");

    let output = pim(root, &["show", "NW-LMP-5003", "--channel", "webshop"]);
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    assert!(
        text.contains(
            "\nchannels\n  webshop (en-US, EUR): 1 of 1 item in the feed\n  \
             webshop (de-DE, EUR): 0 of 1 item in the feed\n    NW-LMP-5003: left out, \
             incomplete (75%): missing description (de-DE)\n  \
             webshop (fr-FR, EUR): 1 of 1 item in the feed\n"
        ),
        "{text}"
    );
    assert!(
        text.starts_with("NW-LMP-5003 (catalog/lighting/NW-LMP-5003.yaml)\n"),
        "{text}"
    );
}

#[test]
fn a_variant_is_shown_merged_with_its_product() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let report = show_json(root, &["NW-JKT-1001-NAVY-M", "--channel", "google"]);
    assert_eq!(report["variant_of"], "NW-JKT-1001");
    assert_eq!(report["items"].as_array().unwrap().len(), 1);
    // Its own values are the size level's; the colour comes from the colour level above.
    assert_eq!(report["items"][0]["own"]["size"], "M");
    assert_eq!(report["items"][0]["own"]["color"], Value::Null);
    assert_eq!(report["values"]["color"], "navy");
    assert!(report["values"]["brand"].is_string());
    assert_eq!(report["channels"].as_array().unwrap().len(), 1);
    let item = &channel(&report, "google")["items"][0];
    assert_eq!(item["values"]["parent_sku"], "NW-JKT-1001");
    // The Google channel converts weights to pounds.
    assert_eq!(item["values"]["weight"]["unit"], "lb");
}

#[test]
fn yaml_is_the_same_document_as_json() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let json = show_json(root, &["NW-TNT-3001"]);
    let output = pim(root, &["show", "NW-TNT-3001", "--format", "yaml"]);
    assert_eq!(output.status.code(), Some(0));
    let yaml: Value = serde_saphyr::from_str(&stdout(&output)).unwrap();
    assert_eq!(yaml, json);
}

#[test]
fn an_item_with_errors_names_them_and_a_filtered_one_names_the_filter() {
    let dir = demo_copy();
    let file = dir.path().join("catalog/jackets/NW-JKT-1001.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    let text = text
        .replacen("gtin: \"4270719001216\"", "gtin: \"4270719001217\"", 1)
        .replacen("status: active", "status: draft", 1);
    std::fs::write(&file, text).unwrap();
    let report = show_json(dir.path(), &["NW-JKT-1001"]);
    let marketplace = channel(&report, "marketplace");
    let items = marketplace["items"].as_array().unwrap();
    assert!(
        items.iter().all(|i| i["left_out"] == "filter"),
        "{marketplace}"
    );
    let api = channel(&report, "api");
    let bad = api["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["sku"] == "NW-JKT-1001-BLACK-L")
        .unwrap();
    assert_eq!(bad["left_out"], "invalid");
    assert_eq!(bad["errors"][0]["rule"], "invalid-gtin");
    assert_eq!(bad["errors"][0]["line"], 97);
    assert_eq!(report["diagnostics"][0]["rule"], "invalid-gtin");
    let output = pim(
        dir.path(),
        &["show", "NW-JKT-1001", "--channel", "marketplace"],
    );
    assert!(
        stdout(&output)
            .contains("    NW-JKT-1001-BLACK-S: left out by the filter `status == 'active'`\n"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn show_agrees_with_export_on_every_item() {
    let dir = demo_copy();
    // Make every kind of verdict appear: an error, a draft, a gap.
    let edit = |rel: &str, from: &str, to: &str| {
        let path = dir.path().join(rel);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{rel}: {from}");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    };
    edit(
        "catalog/jackets/NW-JKT-1001.yaml",
        "\"4270719001216\"",
        "\"4270719001217\"",
    );
    edit(
        "catalog/tents/NW-TNT-3001.yaml",
        "status: active",
        "status: draft",
    );
    edit("catalog/backpacks/NW-PCK-3201.yaml", "brand:", "mpn2:");
    let output = pim(
        dir.path(),
        &[
            "export",
            "--channel",
            "marketplace",
            "--channel",
            "api",
            "--skip-invalid",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let dist = dir.path().join("dist");
    let csv = std::fs::read_to_string(dist.join("marketplace.csv")).unwrap();
    let marketplace: Vec<String> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().to_owned())
        .collect();
    let api: Value =
        serde_json::from_str(&std::fs::read_to_string(dist.join("api.json")).unwrap()).unwrap();
    let api: Vec<String> = api["products"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["variants"].as_array().unwrap().iter())
        .map(|v| v["sku"].as_str().unwrap().to_owned())
        .collect();
    let mut seen = 0;
    for folder in ["jackets", "tents", "backpacks", "lighting"] {
        for entry in std::fs::read_dir(dir.path().join("catalog").join(folder)).unwrap() {
            let path = entry.unwrap().path();
            let sku = path.file_stem().unwrap().to_str().unwrap().to_owned();
            let report = show_json(
                dir.path(),
                &[&sku, "--channel", "marketplace", "--channel", "api"],
            );
            for (name, feed) in [("marketplace", &marketplace), ("api", &api)] {
                for item in channel(&report, name)["items"].as_array().unwrap() {
                    let sku = item["sku"].as_str().unwrap();
                    let in_feed = feed.iter().any(|s| s == sku);
                    assert_eq!(item["in_feed"] == true, in_feed, "{name} {sku}: {item}");
                    seen += 1;
                }
            }
        }
    }
    assert!(seen > 50, "{seen}");
}

#[test]
fn an_unknown_sku_or_channel_is_an_error_with_a_suggestion() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = pim(root, &["show", "NW-TNT-301"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "error: no product or variant `NW-TNT-301` in the catalog; did you mean `NW-TNT-3001`?\n"
    );
    let output = pim(root, &["show", "NW-TNT-3001", "--channel", "googel"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("no channel `googel` in pim.toml; did you mean `google`?"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn text_from_the_catalog_cannot_drive_the_terminal() {
    let dir = demo_copy();
    let file = dir.path().join("catalog/tents/NW-TNT-3001.yaml");
    let text = std::fs::read_to_string(&file).unwrap().replacen(
        "en-US: Fjellvik Skarven 2 Backpacking Tent",
        "en-US: \"\\e[31mRed\\e[0m \\u202Eevil\"",
        1,
    );
    std::fs::write(&file, text).unwrap();
    let output = pim(dir.path(), &["show", "NW-TNT-3001"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(!output.stdout.contains(&0x1b), "{}", stdout(&output));
    let text = stdout(&output);
    assert!(
        text.contains("en-US: \\u{1b}[31mRed\\u{1b}[0m \\u{202e}evil\n"),
        "{text}"
    );
}

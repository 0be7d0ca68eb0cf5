//! The catalog model of SPEC §1–§2 end to end: labels, per-channel values and their merge
//! order, family requirements, two-level variants, and the dictionary's checks.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{copy_tree, fixtures, pim, stderr, stdout};
use std::path::Path;

fn model() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixtures().join("model"), dir.path());
    dir
}

fn edit(dir: &Path, rel: &str, from: &str, to: &str) {
    let path = dir.join(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "`{from}` not in {rel}");
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn feeds_carry_labels_channel_values_and_the_leaves_of_two_level_variants() {
    let dir = model();
    let output = pim(dir.path(), &["export", "--all", "--out", "out"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    for name in ["feed.csv", "print.json"] {
        let expected =
            std::fs::read_to_string(fixtures().join("model-expected").join(name)).unwrap();
        let actual = std::fs::read_to_string(dir.path().join("out").join(name)).unwrap();
        assert_eq!(actual, expected, "{name}");
    }
    // What the expected files say, spelled out.
    let feed = std::fs::read_to_string(dir.path().join("out/feed.csv")).unwrap();
    assert!(
        feed.starts_with("sku,parent_sku,Name,Colour,"),
        "attribute labels: {feed}"
    );
    assert!(
        feed.contains("MUG-1,,Camp Mug (feed),blue,Blue,"),
        "a channel block: {feed}"
    );
    assert!(
        feed.contains(",Dishwasher safe/recycled\n"),
        "list labels, code without one"
    );
    assert!(
        !feed.contains("SHIRT-1-BLUE-S"),
        "archived for this channel only"
    );
    assert!(
        feed.contains("SHIRT-1-RED-M,SHIRT-1,Field Shirt,red,Red,M,"),
        "parent_sku is the root"
    );
    let print: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out/print.json")).unwrap())
            .unwrap();
    let shirt = &print["products"][0];
    assert_eq!(shirt["description"], "Une chemise pour le catalogue.");
    let prices: Vec<&str> = shirt["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["price"].as_str().unwrap())
        .collect();
    // parent 28 < parent's block 27 < variant (USD only) < variant's block 29.
    assert_eq!(prices, ["27.00", "29.00", "27.00"]);
    assert_eq!(shirt["items"][2]["color"], "Bleu");
    assert_eq!(print["attributes"]["size"], "Taille");
}

#[test]
fn a_family_requirement_makes_items_incomplete_in_its_channel() {
    let dir = model();
    edit(
        dir.path(),
        "catalog/shirts/SHIRT-1.yaml",
        "    description: {fr-FR: Une chemise pour le catalogue.}\n",
        "",
    );
    let output = pim(
        dir.path(),
        &["validate", "--channel", "print", "--format", "json"],
    );
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let incomplete: Vec<(&str, &str, u64)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == "incomplete")
        .map(|d| {
            (
                d["sku"].as_str().unwrap(),
                d["pointer"].as_str().unwrap(),
                d["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        incomplete,
        [
            ("MUG-1", "", 1),
            ("SHIRT-1-RED-S", "/variants/0/variants/0", 16),
            ("SHIRT-1-RED-M", "/variants/0/variants/1", 19),
            ("SHIRT-1-BLUE-S", "/variants/1/variants/0", 32),
        ]
    );
    let message = report["diagnostics"][1]["message"].as_str().unwrap();
    assert!(message.contains("missing description (fr-FR)"), "{message}");
    // The feed channel does not ask for a description.
    let feed = pim(dir.path(), &["validate", "--channel", "feed"]);
    assert_eq!(feed.status.code(), Some(0));
    assert!(
        stdout(&feed).contains("0 errors, 0 warnings"),
        "{}",
        stdout(&feed)
    );
}

#[test]
fn an_error_in_one_leaf_keeps_only_that_leaf_out() {
    let dir = model();
    edit(
        dir.path(),
        "catalog/shirts/SHIRT-1.yaml",
        "\"4006381333931\"",
        "\"4006381333932\"",
    );
    let output = pim(
        dir.path(),
        &["export", "--all", "--skip-invalid", "--out", "out"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let feed = std::fs::read_to_string(dir.path().join("out/feed.csv")).unwrap();
    assert!(!feed.contains("SHIRT-1-RED-S,"), "{feed}");
    assert!(feed.contains("SHIRT-1-RED-M,"), "{feed}");
    assert!(
        stdout(&output).contains("feed: 2 items"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn misspelt_attributes_and_values_get_suggestions() {
    let dir = model();
    edit(
        dir.path(),
        "catalog/mugs/MUG-1.yaml",
        "color: blue",
        "colr: blue",
    );
    edit(
        dir.path(),
        "catalog/shirts/SHIRT-1.yaml",
        "size: S\n        gtin",
        "size: s\n        gtin",
    );
    let output = pim(dir.path(), &["validate"]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1));
    assert!(text.contains("error[unknown-attribute]: `colr` is not an attribute of the dictionary; did you mean `color`?"), "{text}");
    assert!(text.contains("--> catalog/mugs/MUG-1.yaml:5:1"), "{text}");
    assert!(
        text.contains("\"s\" is not one of \"S\", \"M\" or \"L\"; did you mean \"S\"?"),
        "{text}"
    );
}

#[test]
fn label_annotations_are_checked_when_the_schemas_load() {
    for (from, to, expected) in [
        (
            "\"fr-FR\": \"Nom\"",
            "\"fr-XX\": \"Nom\"",
            "`name` has `x-pim-labels` for the locale `fr-XX`, which is not in [project] locales; did you mean `fr-FR`?",
        ),
        (
            "\"blue\": {",
            "\"bleu\": {",
            "`color` has `x-pim-options` for `bleu`, which is not one of its enum values (red, blue); did you mean `blue`?",
        ),
    ] {
        let dir = model();
        edit(dir.path(), "schemas/product.schema.json", from, to);
        let output = pim(dir.path(), &["validate"]);
        assert_eq!(output.status.code(), Some(2));
        assert!(stderr(&output).contains(expected), "{}", stderr(&output));
    }
    let dir = model();
    edit(
        dir.path(),
        "schemas/families/shirt.schema.json",
        "\"print\": [",
        "\"prnt\": [",
    );
    let output = pim(dir.path(), &["export", "--all"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("`x-pim-required` names the channel `prnt`, which pim.toml does not define; did you mean `print`?"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn unknown_families_categories_and_locales_get_suggestions() {
    let dir = model();
    edit(
        dir.path(),
        "catalog/shirts/SHIRT-1.yaml",
        "family: shirt",
        "family: shrt",
    );
    edit(
        dir.path(),
        "catalog/mugs/MUG-1.yaml",
        "categories: [home]",
        "categories: [hom]",
    );
    edit(
        dir.path(),
        "catalog/mugs/MUG-1.yaml",
        "name: {en-US: Camp Mug}",
        "name: {en-US: Camp Mug, fr-FX: Tasse}",
    );
    let output = pim(dir.path(), &["validate", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let found: Vec<(String, String)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap().to_owned(),
                d["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let has = |rule: &str, text: &str| found.iter().any(|(r, m)| r == rule && m.contains(text));
    assert!(has("unknown-family", "did you mean `shirt`?"), "{found:?}");
    assert!(has("unknown-category", "did you mean `home`?"), "{found:?}");
    assert!(has("unknown-locale", "did you mean `fr-FR`?"), "{found:?}");
    // The family's attributes are not reported one by one while the family is unknown.
    assert!(
        !found.iter().any(|(r, _)| r == "unknown-attribute"),
        "{found:?}"
    );
}

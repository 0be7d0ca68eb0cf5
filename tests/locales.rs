//! End-to-end tests of channels with `locales` (one output per locale, named `shop (de-DE)`),
//! `currencies` (completeness per currency, `prices` in templates) and `decimals`, on the
//! `locales` fixture: its feeds must equal the files under its `expected/` folder.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// The `locales` fixture in a temporary folder.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixtures().join("locales"), dir.path());
    dir
}

fn edit(dir: &Path, rel: &str, from: &str, to: &str) {
    let path = dir.join(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{from} not in {rel}");
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

fn files_under(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out: Vec<_> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path().strip_prefix(dir).unwrap().to_path_buf(),
                std::fs::read_to_string(e.path()).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

const SUMMARY: &str =
    "api (fr-FR): 3 items → dist/api/fr-FR.json (1 left out: 1 incomplete, 0 invalid)
  left out: LAMP-1 (catalog/LAMP-1.yaml:2:1): incomplete (0%): missing price (EUR)
api (en-US): 3 items → dist/api/en-US.json (1 left out: 1 incomplete, 0 invalid)
  left out: LAMP-1 (catalog/LAMP-1.yaml:2:1): incomplete (0%): missing price (EUR)
feed: 3 items → dist/feed.csv (1 left out: 1 incomplete, 0 invalid)
  left out: LAMP-1 (catalog/LAMP-1.yaml:2:1): incomplete (50%): missing price (EUR)
shop (en-US): 4 items → dist/shop/en-US.html
shop (de-DE): 3 items → dist/shop/de-DE.html (1 left out: 1 incomplete, 0 invalid)
  left out: LAMP-1 (catalog/LAMP-1.yaml:2:1): incomplete (50%): missing name (de-DE)
";

/// The German shop's summary line and what it leaves out.
const SHOP_DE: &str =
    "shop (de-DE): 3 items → dist/shop/de-DE.html (1 left out: 1 incomplete, 0 invalid)
  left out: LAMP-1 (catalog/LAMP-1.yaml:2:1): incomplete (50%): missing name (de-DE)
";

#[test]
fn every_locale_gets_its_output_and_every_output_matches_its_expected_file() {
    let dir = project();
    let output = pim(dir.path(), &["export", "--all"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output), SUMMARY);
    let actual = files_under(&dir.path().join("dist"));
    let expected = files_under(&fixtures().join("locales/expected"));
    let names = |files: &[(PathBuf, String)]| -> Vec<PathBuf> {
        files.iter().map(|(p, _)| p.clone()).collect()
    };
    assert_eq!(names(&actual), names(&expected));
    for ((path, text), (_, expected)) in actual.iter().zip(&expected) {
        assert_eq!(text, expected, "{}", path.display());
    }
}

#[test]
fn a_name_selects_every_locale_and_a_label_one() {
    let dir = project();
    let output = pim(dir.path(), &["export", "--channel", "shop"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        format!("shop (en-US): 4 items → dist/shop/en-US.html\n{SHOP_DE}")
    );
    std::fs::remove_dir_all(dir.path().join("dist")).unwrap();
    let output = pim(dir.path(), &["export", "--channel", "shop (de-DE)"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output), SHOP_DE);
    let written: Vec<PathBuf> = files_under(&dir.path().join("dist"))
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    assert_eq!(written, vec![PathBuf::from("shop/de-DE.html")]);
    // An unknown name lists the channels by name.
    let output = pim(dir.path(), &["export", "--channel", "shops"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains(
            "no channel `shops` in pim.toml; did you mean `shop`?; the channels are: api, feed, shop"
        ),
        "{}",
        stderr(&output)
    );
}

#[test]
fn the_json_document_names_each_locale() {
    let dir = project();
    let output = pim(dir.path(), &["export", "--all", "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let channels: Vec<(String, String, u64, u64)> = report["channels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["channel"].as_str().unwrap().to_owned(),
                c["output"].as_str().unwrap().to_owned(),
                c["items"].as_u64().unwrap(),
                c["left_out"]["incomplete"].as_u64().unwrap(),
            )
        })
        .collect();
    let expected: Vec<(String, String, u64, u64)> = [
        ("api (fr-FR)", "dist/api/fr-FR.json", 3, 1),
        ("api (en-US)", "dist/api/en-US.json", 3, 1),
        ("feed", "dist/feed.csv", 3, 1),
        ("shop (en-US)", "dist/shop/en-US.html", 4, 0),
        ("shop (de-DE)", "dist/shop/de-DE.html", 3, 1),
    ]
    .iter()
    .map(|(c, o, i, l)| ((*c).to_owned(), (*o).to_owned(), *i, *l))
    .collect();
    assert_eq!(channels, expected);
}

#[test]
fn completeness_is_per_locale_and_per_currency() {
    let dir = project();
    let (code, report) = validate_json(dir.path(), &["--channel", "all"]);
    assert_eq!(code, 0);
    let messages: Vec<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        messages,
        vec![
            "item `LAMP-1` is 0% complete for channel `api (fr-FR)`: missing price (EUR)",
            "item `LAMP-1` is 0% complete for channel `api (en-US)`: missing price (EUR)",
            "item `LAMP-1` is 50% complete for channel `feed`: missing price (EUR)",
            "item `LAMP-1` is 50% complete for channel `shop (de-DE)`: missing name (de-DE)",
        ]
    );
    assert_eq!(
        diagnostic_lines(&report),
        vec!["warning incomplete catalog/LAMP-1.yaml:2:1 "; 4]
    );
    // One locale by its label; the human form names it in the help line too.
    let (_, report) = validate_json(dir.path(), &["--channel", "shop (de-DE)"]);
    assert_eq!(report["diagnostics"].as_array().unwrap().len(), 1);
    let output = pim(dir.path(), &["validate", "--channel", "shop"]);
    let text = stdout(&output);
    assert!(
        text.contains(
            "= help: fill in the missing attributes; until then `shop (de-DE)` leaves the item out"
        ),
        "{text}"
    );
    assert_eq!(text.matches("warning[incomplete]").count(), 1, "{text}");
    // With both prices the lamp is complete in the feed; without its USD price, both
    // currencies are missing from the api and feed.
    edit(
        dir.path(),
        "catalog/LAMP-1.yaml",
        "price: {USD: \"19.90\"}",
        "price: {USD: \"19.90\", EUR: \"18.90\"}",
    );
    let (_, report) = validate_json(dir.path(), &["--channel", "feed"]);
    assert_eq!(report["diagnostics"], json!([]));
    edit(
        dir.path(),
        "catalog/LAMP-1.yaml",
        "price: {USD: \"19.90\", EUR: \"18.90\"}",
        "price: {GBP: \"1.00\"}",
    );
    edit(
        dir.path(),
        "pim.toml",
        "currencies = [\"USD\", \"EUR\"]\n\n",
        "currencies = [\"USD\", \"EUR\", \"GBP\"]\n\n",
    );
    let (_, report) = validate_json(dir.path(), &["--channel", "feed"]);
    assert_eq!(
        report["diagnostics"][0]["message"],
        "item `LAMP-1` is 50% complete for channel `feed`: missing price (USD, EUR)"
    );
}

/// Every command refuses the project with exit 2 and a message containing each of `expected`.
fn refused(dir: &Path, expected: &[&str]) {
    for args in [
        &["validate"][..],
        &["validate", "--channel", "all"],
        &["export", "--all"],
    ] {
        let output = pim(dir, args);
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {err}");
        for e in expected {
            assert!(err.contains(e), "{args:?}: expected `{e}` in: {err}");
        }
    }
    assert!(!dir.join("dist").exists(), "nothing written");
}

#[test]
fn an_output_without_the_locale_is_exit_2() {
    let dir = project();
    edit(
        dir.path(),
        "pim.toml",
        "output = \"shop/{locale}.html\"",
        "output = \"shop/index.html\"",
    );
    refused(
        dir.path(),
        &[
            "[channels.shop] output `shop/index.html` has no `{locale}`, but the channel has `locales`",
        ],
    );
}

#[test]
fn conflicting_channel_keys_are_exit_2() {
    let dir = project();
    edit(
        dir.path(),
        "pim.toml",
        "locales = [\"en-US\", \"de-DE\"]\n",
        "locales = [\"en-US\", \"de-DE\"]\nlocale = \"en-US\"\n",
    );
    refused(
        dir.path(),
        &["[channels.shop] `locale` and `locales` are both set"],
    );
    let dir = project();
    edit(
        dir.path(),
        "pim.toml",
        "currencies = [\"USD\", \"EUR\"]\nunits",
        "currencies = [\"USD\", \"EUR\"]\ncurrency = \"USD\"\nunits",
    );
    refused(
        dir.path(),
        &["[channels.feed] `currency` and `currencies` are both set"],
    );
    let dir = project();
    edit(
        dir.path(),
        "pim.toml",
        "locales = [\"fr-FR\", \"en-US\"]",
        "locales = [\"fr-FR\", \"en-GB\"]",
    );
    refused(
        dir.path(),
        &[
            "[channels.api] locales: locale `en-GB` is not in [project] locales or fallbacks; did you mean `en-US`?",
        ],
    );
    let dir = project();
    edit(
        dir.path(),
        "pim.toml",
        "output = \"feed.csv\"",
        "output = \"api/en-US.json\"",
    );
    refused(
        dir.path(),
        &["[channels.feed] output `api/en-US.json` is also the output of [channels.api] (en-US)"],
    );
    let dir = project();
    edit(
        dir.path(),
        "pim.toml",
        "decimals = { weight = 1, length = 0 }",
        "decimals = { weight = -1 }",
    );
    refused(
        dir.path(),
        &[
            "[channels.feed] decimals: `weight = -1` is not a number of decimal places; use a whole number from 0 to 20",
        ],
    );
}

#[test]
fn decimals_round_half_even_after_conversion() {
    let dir = project();
    let output = pim(dir.path(), &["export", "--channel", "feed"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let feed = std::fs::read_to_string(dir.path().join("dist/feed.csv")).unwrap();
    // 533 g = 1.1750… lb and 1.85 kg = 4.0785… lb to 1 place; 3.5 m and 2.5 m to 0 places,
    // half to even.
    assert!(
        feed.contains("JKT-1-S,Rain Jacket,99.00,89.00,1.2 lb,4 m\n"),
        "{feed}"
    );
    assert!(
        feed.contains("TENT-2P,Ridgeline 2-Person Tent,249.00,229.00,4.1 lb,2 m\n"),
        "{feed}"
    );
    // By dimension: every mass, whatever its attribute; lengths keep their digits.
    edit(
        dir.path(),
        "pim.toml",
        "decimals = { weight = 1, length = 0 }",
        "decimals = { mass = 0 }",
    );
    pim(dir.path(), &["export", "--channel", "feed"]);
    let feed = std::fs::read_to_string(dir.path().join("dist/feed.csv")).unwrap();
    assert!(
        feed.contains("JKT-1-S,Rain Jacket,99.00,89.00,1 lb,3.5 m\n"),
        "{feed}"
    );
    assert!(
        feed.contains("TENT-2P,Ridgeline 2-Person Tent,249.00,229.00,4 lb,2.5 m\n"),
        "{feed}"
    );
}

#[test]
fn diff_names_each_locale_of_a_channel() {
    let dir = project();
    git(dir.path(), &["init", "-q", "-b", "main"]);
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "catalog"]);
    // The lamp gets its German name: it enters the German shop only.
    edit(
        dir.path(),
        "catalog/LAMP-1.yaml",
        "  en-US: Camp Lamp\n",
        "  en-US: Camp Lamp\n  de-DE: Campinglampe\n",
    );
    let output = pim(dir.path(), &["diff", "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let channels: Vec<Value> = report["channels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| json!([c["channel"], c["entering"], c["completeness"]]))
        .collect();
    assert_eq!(
        channels,
        vec![
            json!(["api (en-US)", [], []]),
            json!(["api (fr-FR)", [], []]),
            json!(["feed", [], []]),
            json!(["shop (de-DE)", ["LAMP-1"], [{"sku": "LAMP-1", "old": 50, "new": 100}]]),
            json!(["shop (en-US)", [], []]),
        ]
    );
    let output = pim(dir.path(), &["diff"]);
    assert!(
        stdout(&output).contains("shop (de-DE)"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn a_template_error_names_the_locale() {
    let dir = project();
    edit(
        dir.path(),
        "templates/shop.html.j2",
        "<h2>{{ p.name }}</h2>",
        "<h2>{{ p.nickname }}</h2>",
    );
    let output = pim(dir.path(), &["export", "--channel", "shop"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains(
            "[channels.shop] (en-US) template error in shop.html.j2 line 10: undefined value"
        ),
        "{}",
        stderr(&output)
    );
    assert!(!dir.path().join("dist").exists(), "nothing written");
}

#[test]
fn a_channels_block_applies_to_every_locale_of_its_channel() {
    let dir = project();
    let path = dir.path().join("catalog/TENT-2P.yaml");
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str(
        "channels:\n  shop: {status: archived}\n  api: {name: {fr-FR: Tente spéciale}}\n",
    );
    std::fs::write(&path, text).unwrap();
    let output = pim(dir.path(), &["export", "--all"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let out = stdout(&output);
    assert!(out.contains("shop (en-US): 3 items"), "{out}");
    assert!(out.contains("shop (de-DE): 2 items"), "{out}");
    for locale in ["en-US", "de-DE"] {
        let page =
            std::fs::read_to_string(dir.path().join(format!("dist/shop/{locale}.html"))).unwrap();
        assert!(!page.contains("TENT-2P"), "{locale}: {page}");
    }
    let api = |locale: &str| -> Value {
        serde_json::from_str(
            &std::fs::read_to_string(dir.path().join(format!("dist/api/{locale}.json"))).unwrap(),
        )
        .unwrap()
    };
    assert_eq!(api("fr-FR")["products"][1]["name"], "Tente spéciale");
    assert_eq!(
        api("en-US")["products"][1]["name"],
        "Ridgeline 2-Person Tent"
    );
}

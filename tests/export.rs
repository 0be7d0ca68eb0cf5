//! End-to-end tests of `pim export` on the `ok` fixture, a project written from SPEC §4 alone
//! (its own templates use `items`, `products`, `row()`, includes and the filters).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use std::path::{Path, PathBuf};

/// The `ok` fixture with its products, in a temporary folder.
fn full_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixtures().join("ok"), dir.path());
    dir
}

fn files_under(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out: Vec<_> = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path().strip_prefix(dir).unwrap().to_path_buf(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

fn add_product(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn every_channel_matches_its_expected_file() {
    let dir = full_project();
    let output = pim(dir.path(), &["export", "--all"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "api: 5 items → dist/api/products.json\n\
         feed: 4 items → dist/feed.xml\n\
         lines: 3 items → dist/lines.jsonl\n\
         marketplace: 4 items → dist/marketplace.csv\n\
         shop: 4 items → dist/shop/index.html\n"
    );
    let actual = files_under(&dir.path().join("dist"));
    let expected = files_under(&fixtures().join("export-expected"));
    assert_eq!(actual.len(), expected.len());
    for ((path, bytes), (expected_path, expected_bytes)) in actual.iter().zip(&expected) {
        assert_eq!(path, expected_path);
        assert_eq!(
            String::from_utf8_lossy(bytes),
            String::from_utf8_lossy(expected_bytes),
            "{}",
            path.display()
        );
    }
}

#[test]
fn a_second_run_rewrites_nothing_and_threads_do_not_matter() {
    let dir = full_project();
    assert_eq!(pim(dir.path(), &["export", "--all"]).status.code(), Some(0));
    let first = files_under(&dir.path().join("dist"));
    let output = pim(dir.path(), &["export", "--channel", "marketplace"]);
    assert_eq!(
        stdout(&output),
        "marketplace: 4 items → dist/marketplace.csv (unchanged)\n"
    );
    for threads in ["1", "8"] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_pim"))
            .args(["export", "--all", "--out", "again"])
            .current_dir(dir.path())
            .env("RAYON_NUM_THREADS", threads)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        assert_eq!(
            files_under(&dir.path().join("again")),
            first,
            "threads={threads}"
        );
        std::fs::remove_dir_all(dir.path().join("again")).unwrap();
    }
}

#[test]
fn csv_cells_are_quoted_guarded_and_multiline() {
    let dir = full_project();
    pim(dir.path(), &["export", "--channel", "marketplace"]);
    let mut reader = csv::Reader::from_path(dir.path().join("dist/marketplace.csv")).unwrap();
    let records: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(records.len(), 4);
    let jacket = &records[0];
    assert_eq!(
        &jacket[2], "Stormline \"Storm\" Rain Jacket <Pro> & Co",
        "not escaped in CSV"
    );
    assert_eq!(
        &jacket[3],
        "'=HYPERLINK(\"http://evil.example\") first line,\n<b>second</b> line & more"
    );
    assert_eq!(&jacket[4], "179.00 USD");
    // The variant's own price replaces the parent's (variant merge).
    assert_eq!(&records[2][4], "189.00 USD");
    // 1.85 kg in lb, exact decimal arithmetic, 2 places.
    assert_eq!(&records[3][5], "4.08 lb");
    // A draft product is not in a channel with the default filter.
    assert!(records.iter().all(|r| &r[0] != "TENT-1P"));
}

#[test]
fn escaping_follows_the_format() {
    let dir = full_project();
    pim(dir.path(), &["export", "--all"]);
    let html = std::fs::read_to_string(dir.path().join("dist/shop/index.html")).unwrap();
    assert!(
        html.contains("<h2>Stormline &quot;Storm&quot; Rain Jacket &lt;Pro&gt; &amp; Co</h2>"),
        "{html}"
    );
    assert!(!html.contains("<b>second</b>"));
    let api: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("dist/api/products.json")).unwrap())
            .unwrap();
    assert_eq!(
        api["products"][0]["description"],
        "=HYPERLINK(\"http://evil.example\") first line,\n<b>second</b> line & more"
    );
}

#[test]
fn locales_fall_back_along_the_chain() {
    let dir = full_project();
    pim(
        dir.path(),
        &["export", "--channel", "feed", "--channel", "api"],
    );
    let feed = std::fs::read_to_string(dir.path().join("dist/feed.xml")).unwrap();
    // fr-BE falls back to fr-FR; the truncate filter keeps at most 30 characters.
    assert!(
        feed.contains("<g:title>Veste de pluie Stormline</g:title>"),
        "{feed}"
    );
    assert!(
        feed.contains("<g:title>Tente de randonnée...</g:title>"),
        "{feed}"
    );
    let api: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("dist/api/products.json")).unwrap())
            .unwrap();
    // de-DE has no name for TENT-1P: the default locale's is used.
    assert_eq!(api["products"][1]["name"], "Ridgeline Solo Tent");
    assert_eq!(
        api["products"][2]["name"],
        "Ridgeline Trekkingzelt für 2 Personen"
    );
}

#[test]
fn incomplete_items_are_left_out_and_counted() {
    let dir = full_project();
    add_product(
        dir.path(),
        "catalog/tents/TENT-3P.yaml",
        "sku: TENT-3P\nfamily: tent\nstatus: active\nname: {en-US: Basecamp Tent}\nprice: {EUR: \"399.00\"}\ncategories: [tents]\ncapacity: 3\n",
    );
    let output = pim(
        dir.path(),
        &["export", "--channel", "marketplace", "--format", "json"],
    );
    assert_eq!(output.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["channels"][0]["items"], 4);
    assert_eq!(report["channels"][0]["left_out"]["incomplete"], 1);
    let (_, validation) = validate_json(dir.path(), &["--channel", "marketplace"]);
    let lines = diagnostic_lines(&validation);
    assert_eq!(
        lines,
        vec!["warning incomplete catalog/tents/TENT-3P.yaml:1:1 "]
    );
    assert_eq!(
        validation["diagnostics"][0]["message"],
        "item `TENT-3P` is 66% complete for channel `marketplace`: missing price (USD)"
    );
}

#[test]
fn an_error_in_an_exported_item_refuses_the_export_and_keeps_old_feeds() {
    let dir = full_project();
    assert_eq!(pim(dir.path(), &["export", "--all"]).status.code(), Some(0));
    let before = files_under(&dir.path().join("dist"));
    add_product(
        dir.path(),
        "catalog/tents/TENT-4P.yaml",
        "sku: TENT-4P\nfamily: tent\nstatus: active\nname: {en-US: Family Tent}\nprice: {USD: \"499.00\", EUR: \"459.00\"}\ncategories: [tents]\ncapacity: 4\ngtin: \"4006381333932\"\n",
    );
    let output = pim(dir.path(), &["export", "--all"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).contains("error[invalid-gtin]"),
        "{}",
        stdout(&output)
    );
    assert!(
        stderr(&output).contains("export refused"),
        "{}",
        stderr(&output)
    );
    assert!(stderr(&output).contains("TENT-4P"));
    assert_eq!(
        files_under(&dir.path().join("dist")),
        before,
        "nothing written for any channel"
    );

    let output = pim(
        dir.path(),
        &["export", "--channel", "marketplace", "--skip-invalid"],
    );
    assert_eq!(output.status.code(), Some(0));
    assert!(
        stdout(&output).contains(
            "marketplace: 4 items → dist/marketplace.csv (1 left out: 0 incomplete, 1 invalid)"
        ),
        "{}",
        stdout(&output)
    );
}

#[test]
fn errors_in_products_no_channel_exports_do_not_block() {
    let dir = full_project();
    // A draft product with an error: the marketplace (active only) would not export it.
    add_product(
        dir.path(),
        "catalog/tents/TENT-5P.yaml",
        "sku: TENT-5P\nfamily: tent\nstatus: draft\nname: {en-US: Draft Tent}\nprice: {USD: \"1.00\"}\ncategories: [tents]\ncapacity: 40\n",
    );
    let output = pim(dir.path(), &["export", "--channel", "marketplace"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("error[schema-maximum]"),
        "reported: {}",
        stdout(&output)
    );
    // The api channel exports drafts, so it refuses.
    assert_eq!(
        pim(dir.path(), &["export", "--channel", "api"])
            .status
            .code(),
        Some(1)
    );
}

#[test]
fn an_output_that_leads_out_is_refused() {
    let dir = full_project();
    let toml = std::fs::read_to_string(dir.path().join("pim.toml")).unwrap();
    std::fs::write(
        dir.path().join("pim.toml"),
        toml.replace(
            "output = \"marketplace.csv\"",
            "output = \"../escaped.csv\"",
        ),
    )
    .unwrap();
    let output = pim(dir.path(), &["export", "--all"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains(
            "[channels.marketplace] output `../escaped.csv` leads out of the output folder"
        ),
        "{}",
        stderr(&output)
    );
    assert!(!dir.path().join("escaped.csv").exists());
    assert!(!dir.path().join("dist").exists(), "nothing written");
}

#[cfg(unix)]
#[test]
fn a_symlink_out_of_the_output_folder_is_refused() {
    let dir = full_project();
    let outside = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("dist")).unwrap();
    std::os::unix::fs::symlink(outside.path(), dir.path().join("dist/shop")).unwrap();
    let output = pim(dir.path(), &["export", "--all"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("leads out of the output folder"),
        "{}",
        stderr(&output)
    );
    assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0);
}

#[test]
fn a_template_include_out_of_the_templates_folder_is_refused() {
    let dir = full_project();
    std::fs::write(
        dir.path().join("templates/parts/item.xml.j2"),
        "{% include \"../../pim.toml\" %}",
    )
    .unwrap();
    let output = pim(dir.path(), &["export", "--channel", "feed"]);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(
        err.contains("the template `../../pim.toml` leads out of the templates folder"),
        "{err}"
    );
    assert!(!err.contains("[project]"), "nothing leaked");
    assert!(!dir.path().join("dist").exists());
}

#[cfg(unix)]
#[test]
fn a_template_symlink_out_of_the_templates_folder_is_refused() {
    let dir = full_project();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.j2"), "top secret").unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret.j2"),
        dir.path().join("templates/parts/secret.j2"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("templates/parts/item.xml.j2"),
        "{% include \"parts/secret.j2\" %}",
    )
    .unwrap();
    let output = pim(dir.path(), &["export", "--channel", "feed"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("leads out of the templates folder"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_template_error_names_template_and_line() {
    let dir = full_project();
    std::fs::write(
        dir.path().join("templates/shop.html.j2"),
        "<html>\n<body>\n{{ products[0].no_such_attribute }}\n</body>\n",
    )
    .unwrap();
    let output = pim(dir.path(), &["export", "--channel", "shop"]);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(
        err.contains("[channels.shop] template error in shop.html.j2 line 3"),
        "{err}"
    );
    assert!(err.contains("undefined"), "{err}");
}

/// Channels render in parallel, but the error reported is the first failing channel's in
/// pim.toml's order, whatever the number of threads, and no feed is written.
#[test]
fn the_first_failing_channel_is_reported_whatever_the_threads() {
    for threads in ["1", "2", "8"] {
        let dir = full_project();
        for template in ["lines.jsonl.j2", "shop.html.j2"] {
            let path = dir.path().join("templates").join(template);
            assert!(path.exists(), "{template}");
            std::fs::write(&path, "{{ products[0].no_such_attribute }}\n").unwrap();
        }
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_pim"))
            .args(["export", "--all"])
            .current_dir(dir.path())
            .env("RAYON_NUM_THREADS", threads)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "threads={threads}");
        let err = stderr(&output);
        assert!(
            err.contains("[channels.lines] template error in lines.jsonl.j2 line 1"),
            "threads={threads}: {err}"
        );
        assert!(!err.contains("shop.html.j2"), "threads={threads}: {err}");
        let dist = dir.path().join("dist");
        assert!(
            !dist.exists() || files_under(&dist).is_empty(),
            "threads={threads}: {:?}",
            files_under(&dist)
        );
    }
}

#[test]
fn broken_structured_output_is_refused() {
    let dir = full_project();
    std::fs::write(
        dir.path().join("templates/api.json.j2"),
        "{\"a\": [{% for p in products %}{{ p.sku }},{% endfor %}]}\n",
    )
    .unwrap();
    let output = pim(dir.path(), &["export", "--all"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("is not valid JSON"),
        "{}",
        stderr(&output)
    );
    assert!(!dir.path().join("dist").exists(), "no channel written");

    let dir = full_project();
    std::fs::write(
        dir.path().join("templates/marketplace.csv.j2"),
        "{{ row('a', 'b') }}{% for i in items %}{{ row(i.sku) }}{% endfor %}",
    )
    .unwrap();
    let output = pim(dir.path(), &["export", "--channel", "marketplace"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("record 2 has 1 cells but the header has 2"),
        "{}",
        stderr(&output)
    );

    std::fs::write(
        dir.path().join("templates/marketplace.csv.j2"),
        "sku\n{{ row('a') }}",
    )
    .unwrap();
    let output = pim(dir.path(), &["export", "--channel", "marketplace"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("printed `sku` outside row()"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn unknown_channels_are_named() {
    let dir = full_project();
    let output = pim(dir.path(), &["export", "--channel", "amazon"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains(
        "no channel `amazon` in pim.toml; the channels are: api, feed, lines, marketplace, shop"
    ));
    let output = pim(dir.path(), &["export"]);
    assert_eq!(
        output.status.code(),
        Some(2),
        "one of --channel or --all is required"
    );
}

//! `pim import` end to end: the real binary on Akeneo's demo export (skipped where
//! ../shared/data is absent) and on Shopify fixtures.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{pim, stderr, stdout};
use std::collections::BTreeMap;
use std::path::Path;

fn snapshot(root: &Path) -> BTreeMap<String, Vec<u8>> {
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
}

#[test]
fn akeneo_demo_imports_in_one_command_and_again_without_change() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/akeneo-icecat-demo");
    if !data.is_dir() {
        eprintln!("skipped: {} is absent", data.display());
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = data.to_str().unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec!["import", "akeneo", data, "--into", "shop"];
        args.extend_from_slice(extra);
        pim(dir.path(), &args)
    };
    let first = run(&["--format", "json"]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let report: serde_json::Value = serde_json::from_slice(&first.stdout).unwrap();
    assert_eq!(report["status"], "imported");
    let counts = &report["counts"];
    assert_eq!(counts["products"], 1049);
    assert_eq!(counts["items"], 1239);
    assert_eq!(counts["product_models"], 50);
    assert_eq!(counts["sub_models"], 31);
    assert_eq!(counts["variants"], 240);
    assert_eq!(counts["families"], 17);
    assert_eq!(counts["attributes"], 77);
    assert_eq!(counts["categories"], 168);
    assert_eq!(counts["channels"], 3);
    assert_eq!(counts["media_referenced"], 270);
    assert_eq!(counts["files_refused"], 0);
    let project = dir.path().join("shop");
    let before = snapshot(&project);
    assert_eq!(
        before.len(),
        counts["files_written"].as_u64().unwrap() as usize
    );
    assert!(before.contains_key("pim.toml"));
    assert!(before.contains_key("catalog/clothing/apollon.yaml"));
    assert!(before.contains_key("schemas/families/clothing_color_size.schema.json"));

    // Again: nothing changes, byte for byte.
    let second = run(&[]);
    assert_eq!(second.status.code(), Some(0), "{}", stderr(&second));
    let text = stdout(&second);
    assert!(
        text.starts_with(&format!("imported Akeneo export {data} into ")),
        "{text}"
    );
    assert!(
        text.contains("  1,049 products: 999 without variants, 50 with 240 variants (and 31 intermediate ones); 1,239 items\n"),
        "{text}"
    );
    assert!(
        text.contains("  files: 0 written, 1,082 unchanged, 0 kept because they differ\n"),
        "{text}"
    );
    assert_eq!(snapshot(&project), before);

    // A product edited since is kept, named, and the run exits 1.
    let edited = project.join("catalog/clothing/apollon.yaml");
    std::fs::write(&edited, "sku: apollon\n").unwrap();
    let third = run(&[]);
    assert_eq!(third.status.code(), Some(1));
    assert_eq!(
        stderr(&third),
        "error: 1 file differs from what the import writes and was kept: catalog/clothing/apollon.yaml. Pass --force to overwrite them\n"
    );
    assert!(
        stdout(&third).ends_with(
            "kept because they differ (1): --force overwrites them\n  catalog/clothing/apollon.yaml\n"
        ),
        "{}",
        stdout(&third)
    );
    assert_eq!(std::fs::read_to_string(&edited).unwrap(), "sku: apollon\n");
    let forced = run(&["--force"]);
    assert_eq!(forced.status.code(), Some(0), "{}", stderr(&forced));
    assert_eq!(snapshot(&project), before);
}

#[test]
fn a_missing_export_folder_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = pim(dir.path(), &["import", "akeneo", "nowhere", "--into", "p"]);
    assert_eq!(out.status.code(), Some(2));
    let expected = format!(
        "error: {} is not a folder; give the folder that holds Akeneo's CSV exports (products.csv, attributes.csv, ...)\n",
        dir.path().join("nowhere").display()
    );
    assert_eq!(stderr(&out), expected);
    assert!(!dir.path().join("p").exists(), "nothing written");
    let json = pim(
        dir.path(),
        &[
            "import", "akeneo", "nowhere", "--into", "p", "--format", "json",
        ],
    );
    assert_eq!(json.status.code(), Some(2));
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(report["status"], "failed");
    assert!(
        report["error"]
            .as_str()
            .unwrap()
            .contains("is not a folder")
    );
}

#[test]
fn a_shopify_import_validates_and_exports() {
    let dir = tempfile::tempdir().unwrap();
    let csv = common::fixtures().join("import/shopify-classic.csv");
    let out = pim(
        dir.path(),
        &[
            "import",
            "shopify",
            csv.to_str().unwrap(),
            "--into",
            "store",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("  2 products: 1 without variants, 1 with 3 variants; 4 items\n"),
        "{}",
        stdout(&out)
    );
    let project = dir.path().join("store");
    let (code, report) = common::validate_json(&project, &[]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["summary"]["items"], 4);
    let export = pim(&project, &["export", "--all"]);
    assert_eq!(export.status.code(), Some(0), "{}", stderr(&export));
    assert_eq!(
        std::fs::read_to_string(project.join("dist/shopify.csv")).unwrap(),
        "sku,parent_sku,name,price,currency,categories\n\
         SRT-G-S,example-shirt,Example T-Shirt,25.00,USD,\n\
         SRT-G-M,example-shirt,Example T-Shirt,25.00,USD,\n\
         SRT-B-S,example-shirt,Example T-Shirt,27.50,USD,\n"
    );
}

#[test]
fn shopify_prices_take_the_existing_projects_currency() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("p");
    std::fs::create_dir(&project).unwrap();
    let settings = "[project]\nname = \"Shop\"\nlocales = [\"de-DE\"]\ndefault_locale = \"de-DE\"\ncurrencies = [\"EUR\"]\n";
    std::fs::write(project.join("pim.toml"), settings).unwrap();
    let csv = common::fixtures().join("import/shopify-2024.csv");
    let out = pim(
        &project,
        &[
            "import",
            "shopify",
            csv.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    // The project's own pim.toml differs from a new one: kept, and said.
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(project.join("pim.toml")).unwrap(),
        settings
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["status"], "refused");
    let mug = std::fs::read_to_string(project.join("catalog/no-family/00042.yaml")).unwrap();
    assert!(mug.contains("price:\n  EUR: \"12.00\"\n"), "{mug}");
    assert!(mug.contains("name:\n  de-DE: Enamel Mug\n"), "{mug}");
}

//! End-to-end tests of the everyday touches to validate and export: `--list-rules`, errors
//! before warnings under `--max-errors`, the `--channel all` hint, and the items an export
//! leaves out, listed with why in every format.
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

fn edit(dir: &Path, rel: &str, from: &str, to: &str) {
    let path = dir.join(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{rel}: {from}");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn list_rules_prints_every_rule_with_its_severity() {
    let dir = demo_copy();
    let output = pim(dir.path(), &["validate", "--list-rules"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "io-error                error");
    assert!(lines.contains(&"incomplete              warning"), "{text}");
    assert!(lines.contains(&"missing-asset           error"), "{text}");
    assert!(
        text.contains("schema-<keyword>        error  a JSON Schema keyword that failed"),
        "{text}"
    );

    // What pim.toml changes shows, with the default.
    let config = dir.path().join("pim.toml");
    let mut toml = std::fs::read_to_string(&config).unwrap();
    toml = toml.replacen(
        "# ----",
        "[rules]\nfile-name-mismatch = \"off\"\nschema-pattern = \"warning\"\n\n# ----",
        1,
    );
    std::fs::write(&config, toml).unwrap();
    let text = stdout(&pim(dir.path(), &["validate", "--list-rules"]));
    assert!(
        text.contains("\nfile-name-mismatch      off (pim.toml; warning by default)\n"),
        "{text}"
    );
    assert!(
        text.contains("\nschema-pattern          warning (pim.toml; error by default)\n"),
        "{text}"
    );

    let output = pim(
        dir.path(),
        &["validate", "--list-rules", "--format", "json"],
    );
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    let rules = json["rules"].as_array().unwrap();
    let rule = |id: &str| rules.iter().find(|r| r["rule"] == id).unwrap().clone();
    assert_eq!(
        rule("file-name-mismatch"),
        json!({"rule": "file-name-mismatch", "severity": null, "default": "warning"})
    );
    assert_eq!(
        rule("duplicate-sku"),
        json!({"rule": "duplicate-sku", "severity": "error", "default": "error"})
    );
    // Every rule --explain knows is listed.
    for r in rules.iter().filter(|r| r["rule"] != "schema-<keyword>") {
        let id = r["rule"].as_str().unwrap();
        let output = pim(dir.path(), &["validate", "--explain", id]);
        assert_eq!(output.status.code(), Some(0), "{id}");
    }

    // Outside a project: the defaults.
    let empty = tempfile::tempdir().unwrap();
    let output = pim(empty.path(), &["validate", "--list-rules"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).contains("\nfile-name-mismatch      warning\n"));
}

#[test]
fn under_max_errors_errors_come_before_warnings() {
    let dir = demo_copy();
    // A warning in the first file by path, an error in a later one.
    std::fs::rename(
        dir.path().join("catalog/backpacks/NW-PCK-3201.yaml"),
        dir.path().join("catalog/backpacks/AAA.yaml"),
    )
    .unwrap();
    edit(
        dir.path(),
        "catalog/tents/NW-TNT-3001.yaml",
        "7044921001633",
        "7044921001634",
    );
    let (code, report) = validate_json(dir.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(
        diagnostic_lines(&report),
        [
            "warning file-name-mismatch catalog/backpacks/AAA.yaml:1:6 /sku",
            "error invalid-gtin catalog/tents/NW-TNT-3001.yaml:25:7 /gtin",
        ]
    );
    let (code, report) = validate_json(dir.path(), &["--max-errors", "1"]);
    assert_eq!(code, 1);
    assert_eq!(
        diagnostic_lines(&report),
        ["error invalid-gtin catalog/tents/NW-TNT-3001.yaml:25:7 /gtin"]
    );
    assert_eq!(report["summary"]["warnings"], 1);
    let output = pim(dir.path(), &["validate", "--max-errors", "1"]);
    let text = stdout(&output);
    assert!(text.starts_with("error[invalid-gtin]"), "{text}");
    assert!(
        text.contains("\n1 more not shown (--max-errors)\n"),
        "{text}"
    );
    let output = pim(
        dir.path(),
        &["validate", "--max-errors", "1", "--format", "github"],
    );
    assert!(stdout(&output).starts_with("::error file=catalog/tents/NW-TNT-3001.yaml"));
}

#[test]
fn export_channel_all_hints_at_dash_dash_all() {
    let dir = demo_copy();
    let output = pim(dir.path(), &["export", "--channel", "all"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "error: no channel is named `all`; to export every channel, pass --all instead of \
         --channel all\n"
    );
    assert!(!dir.path().join("dist").exists());
}

#[test]
fn a_long_channel_list_is_cut() {
    let dir = project(None);
    let config = dir.path().join("pim.toml");
    let mut toml = std::fs::read_to_string(&config).unwrap();
    for i in 0..20 {
        toml.push_str(&format!(
            "\n[channels.extra{i:02}]\ntemplate = \"marketplace.csv.j2\"\noutput = \"extra{i:02}.csv\"\n"
        ));
    }
    std::fs::write(&config, toml).unwrap();
    let output = pim(dir.path(), &["export", "--channel", "nope"]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.contains("; the channels are: api, extra00, extra01, "),
        "{message}"
    );
    assert!(message.contains(", and 13 more in pim.toml"), "{message}");
    assert!(message.len() < 400, "{message}");
}

/// The demo with one incomplete item (NW-LMP-5003 for the German web shop, as shipped) and one
/// variant with an invalid GTIN.
fn demo_with_gaps() -> tempfile::TempDir {
    let dir = demo_copy();
    edit(
        dir.path(),
        "catalog/jackets/NW-JKT-1001.yaml",
        "\"4270719001216\"",
        "\"4270719001217\"",
    );
    dir
}

#[test]
fn export_lists_the_items_it_leaves_out_and_why() {
    let dir = demo_with_gaps();
    let output = pim(
        dir.path(),
        &[
            "export",
            "--channel",
            "webshop (de-DE)",
            "--channel",
            "marketplace",
            "--skip-invalid",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.ends_with(
            "webshop (de-DE): 122 items → dist/webshop/de-DE/index.html (2 left out: 1 incomplete, 1 invalid)\n\
             \x20 left out: NW-JKT-1001-BLACK-L (catalog/jackets/NW-JKT-1001.yaml:95:9): invalid: invalid-gtin\n\
             \x20 left out: NW-LMP-5003 (catalog/lighting/NW-LMP-5003.yaml:1:1): incomplete (75%): missing description (de-DE)\n\
             marketplace: 117 items → dist/marketplace.csv (1 left out: 0 incomplete, 1 invalid)\n\
             \x20 left out: NW-JKT-1001-BLACK-L (catalog/jackets/NW-JKT-1001.yaml:95:9): invalid: invalid-gtin\n"
        ),
        "{text}"
    );
    // The error itself is printed above the summaries.
    assert!(text.starts_with("error[invalid-gtin]"), "{text}");

    // Up to --max-errors per channel, the rest counted.
    let output = pim(
        dir.path(),
        &[
            "export",
            "--channel",
            "webshop (de-DE)",
            "--skip-invalid",
            "--max-errors",
            "1",
        ],
    );
    let text = stdout(&output);
    assert!(
        text.ends_with(
            "(2 left out: 1 incomplete, 1 invalid) (unchanged)\n\
             \x20 left out: NW-JKT-1001-BLACK-L (catalog/jackets/NW-JKT-1001.yaml:95:9): invalid: invalid-gtin\n\
             \x20 and 1 more left out (--max-errors 1)\n"
        ),
        "{text}"
    );
}

#[test]
fn export_lists_left_out_items_in_json_and_github_too() {
    let dir = demo_with_gaps();
    let output = pim(
        dir.path(),
        &[
            "export",
            "--channel",
            "webshop (de-DE)",
            "--skip-invalid",
            "--format",
            "json",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        json["channels"][0]["left_out_items"],
        json!([
            {
                "sku": "NW-JKT-1001-BLACK-L",
                "file": "catalog/jackets/NW-JKT-1001.yaml",
                "line": 95,
                "column": 9,
                "pointer": "/variants/0/variants/2",
                "reason": "invalid",
                "rules": ["invalid-gtin"]
            },
            {
                "sku": "NW-LMP-5003",
                "file": "catalog/lighting/NW-LMP-5003.yaml",
                "line": 1,
                "column": 1,
                "pointer": "",
                "reason": "incomplete",
                "missing": ["description (de-DE)"],
                "completeness": 75
            }
        ])
    );
    let output = pim(
        dir.path(),
        &[
            "export",
            "--channel",
            "webshop (de-DE)",
            "--skip-invalid",
            "--format",
            "json",
            "--max-errors",
            "1",
        ],
    );
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        json["channels"][0]["left_out_items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(json["channels"][0]["left_out"]["incomplete"], 1);

    let output = pim(
        dir.path(),
        &[
            "export",
            "--channel",
            "webshop (de-DE)",
            "--skip-invalid",
            "--format",
            "github",
        ],
    );
    let text = stdout(&output);
    assert!(
        text.contains(
            "::notice file=catalog/lighting/NW-LMP-5003.yaml,line=1,col=1,title=left out of \
             webshop (de-DE)::NW-LMP-5003: incomplete (75%25): missing description (de-DE)\n"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "::notice file=catalog/jackets/NW-JKT-1001.yaml,line=95,col=9,title=left out of \
             webshop (de-DE)::NW-JKT-1001-BLACK-L: invalid: invalid-gtin\n"
        ),
        "{text}"
    );
    assert!(!text.contains("  left out:"), "{text}");
}

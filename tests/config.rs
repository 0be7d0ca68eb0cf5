//! pim.toml is checked once, the same way for every command: broken channel settings are
//! exit 2 naming the channel and key, with the closest name suggested on a typo.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{copy_tree, fixtures, pim, stderr, stdout};
use std::path::Path;

/// The `ok` fixture with its catalog, pim.toml edited by `edit`.
fn project_with(edit: impl Fn(&str) -> String) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixtures().join("ok"), dir.path());
    let toml = std::fs::read_to_string(dir.path().join("pim.toml")).unwrap();
    let edited = edit(&toml);
    assert_ne!(edited, toml, "the edit changed nothing");
    std::fs::write(dir.path().join("pim.toml"), edited).unwrap();
    dir
}

/// `pim validate` (and the other commands) exit 2 with a message containing `expected`.
fn refused_by_every_command(dir: &Path, expected: &[&str]) {
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
        assert!(stdout(&output).is_empty() || args[0] == "export");
    }
    assert!(!dir.join("dist").exists(), "nothing written");
}

#[test]
fn a_broken_filter_is_exit_2() {
    let dir = project_with(|t| {
        t.replace(
            "filter = \"status != 'archived'\"",
            "filter = \"status == \"",
        )
    });
    refused_by_every_command(
        dir.path(),
        &["[channels.api] filter `status == ` is not a valid expression"],
    );
}

#[test]
fn a_duplicate_output_is_exit_2() {
    let dir =
        project_with(|t| t.replace("output = \"feed.xml\"", "output = \"./marketplace.csv\""));
    refused_by_every_command(
        dir.path(),
        &[
            "[channels.marketplace]",
            "output `marketplace.csv` is also the output of [channels.feed]",
        ],
    );
}

#[test]
fn a_unit_of_the_wrong_dimension_is_exit_2() {
    // By dimension name, caught as pim.toml is read.
    let dir =
        project_with(|t| t.replace("units = { weight = \"lb\" }", "units = { mass = \"ml\" }"));
    refused_by_every_command(
        dir.path(),
        &["[channels.marketplace] units: `mass = \"ml\"` asks for a volume unit"],
    );
    // By attribute name, caught against the weights the catalog holds.
    let dir =
        project_with(|t| t.replace("units = { weight = \"lb\" }", "units = { weight = \"ml\" }"));
    refused_by_every_command(
        dir.path(),
        &[
            "[channels.marketplace] units: `weight = \"ml\"` is a volume unit",
            "catalog/tents/TENT-2P.yaml is in kg, a mass",
        ],
    );
    // An unknown unit gets the closest one.
    let dir = project_with(|t| {
        t.replace(
            "units = { weight = \"lb\" }",
            "units = { weight = \"lbs\" }",
        )
    });
    refused_by_every_command(
        dir.path(),
        &["`weight = \"lbs\"` is not a known unit; did you mean `lb`?"],
    );
}

#[test]
fn a_fallback_cycle_is_exit_2() {
    let dir = project_with(|t| {
        t.replace(
            "fallbacks = { \"fr-BE\" = \"fr-FR\" }",
            "fallbacks = { \"fr-BE\" = \"fr-CH\", \"fr-CH\" = \"fr-BE\" }",
        )
    });
    refused_by_every_command(
        dir.path(),
        &["[project] fallbacks", "cycle (fr-BE → fr-CH → fr-BE)"],
    );
}

#[test]
fn a_missing_template_is_exit_2() {
    let dir =
        project_with(|t| t.replace("template = \"feed.xml.j2\"", "template = \"fed.xml.j2\""));
    refused_by_every_command(
        dir.path(),
        &[
            "[channels.feed] template `fed.xml.j2` does not exist",
            "did you mean `feed.xml.j2`?",
        ],
    );
}

#[test]
fn a_typo_in_a_key_gets_the_closest_key() {
    let dir = project_with(|t| t.replace("required = [\"price\"]", "requried = [\"price\"]"));
    refused_by_every_command(
        dir.path(),
        &["unknown field `requried`", "did you mean `required`?"],
    );
}

#[test]
fn a_typo_in_a_channel_name_gets_a_suggestion() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixtures().join("ok"), dir.path());
    for args in [
        &["export", "--channel", "marketplac"][..],
        &["validate", "--channel", "marketplac"],
    ] {
        let output = pim(dir.path(), args);
        assert_eq!(output.status.code(), Some(2));
        assert!(
            stderr(&output)
                .contains("no channel `marketplac` in pim.toml; did you mean `marketplace`?"),
            "{}",
            stderr(&output)
        );
    }
}

#[test]
fn a_refused_export_prints_its_json_document() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixtures().join("ok"), dir.path());
    let tent = dir.path().join("catalog/tents/TENT-2P.yaml");
    let text = std::fs::read_to_string(&tent).unwrap();
    std::fs::write(&tent, text.replace("4006381333931", "4006381333932")).unwrap();
    let output = pim(dir.path(), &["export", "--all", "--format", "json"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(doc["status"], "refused");
    assert!(doc["refused"].as_array().unwrap().iter().any(|r| {
        r["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i == "TENT-2P")
    }));
    assert!(
        doc["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["file"] == "catalog/tents/TENT-2P.yaml")
    );
    assert!(
        doc["channels"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["written"] == false)
    );
    assert!(!dir.path().join("dist").exists());
}

#[test]
fn a_failed_export_prints_its_json_document() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixtures().join("ok"), dir.path());
    std::fs::write(dir.path().join("templates/feed.xml.j2"), "{% for x in %}").unwrap();
    let output = pim(dir.path(), &["export", "--all", "--format", "json"]);
    assert_eq!(output.status.code(), Some(2));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(doc["status"], "failed");
    assert!(
        doc["error"].as_str().unwrap().contains("feed.xml.j2"),
        "{doc}"
    );
    let ok = pim(
        dir.path(),
        &["export", "--channel", "api", "--format", "json"],
    );
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&ok)).unwrap();
    assert_eq!(doc["status"], "written");
    assert_eq!(doc["channels"][0]["channel"], "api");
}

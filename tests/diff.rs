//! End-to-end tests of `pim diff` in real temporary git repositories.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// The `ok` fixture committed in a new repository.
fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixtures().join("ok"), dir.path());
    git(dir.path(), &["init", "-q", "-b", "main"]);
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "catalog"]);
    dir
}

fn edit(dir: &Path, rel: &str, from: &str, to: &str) {
    let path = dir.join(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{from} not in {rel}");
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

fn diff_json(dir: &Path, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["diff", "--format", "json"];
    all.extend_from_slice(args);
    let output = pim(dir, &all);
    let report = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&output), stderr(&output)));
    (output.status.code().unwrap(), report)
}

fn fields(report: &Value, sku: &str) -> Vec<String> {
    report["changed"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["sku"] == sku)
        .map(|p| {
            p["fields"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| {
                    format!(
                        "{} {} -> {}",
                        f["pointer"].as_str().unwrap(),
                        f["old"],
                        f["new"]
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn nothing_changed() {
    let dir = repo();
    let (code, report) = diff_json(dir.path(), &[]);
    assert_eq!(code, 0);
    for key in ["added", "removed", "changed"] {
        assert_eq!(report[key], Value::Array(vec![]), "{key}");
    }
    assert_eq!(report["problems"]["introduced"], Value::Array(vec![]));
    let output = pim(dir.path(), &["diff"]);
    assert!(
        stderr(&output).contains(
            "note: comparing with the merge base of HEAD with main (the branch has no upstream \
             and no remote has a default branch)\n"
        ),
        "{}",
        stderr(&output)
    );
    assert!(
        stdout(&output).contains("0 products added, 0 removed, 0 changed"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn uncommitted_edits_of_localized_values_prices_and_variants() {
    let dir = repo();
    let jacket = "catalog/apparel/JKT-STORM.yaml";
    edit(
        dir.path(),
        jacket,
        "de-DE: Stormline Regenjacke",
        "de-DE: Stormline Regenjacke Pro",
    );
    edit(
        dir.path(),
        jacket,
        "price: {USD: \"179.00\", EUR: \"169.00\"}",
        "price: {USD: \"249.00\", EUR: \"174.00\"}",
    );
    edit(
        dir.path(),
        jacket,
        "    color: black\n    size: M\n",
        "    color: navy\n    size: L\n    gtin: \"4012345000047\"\n",
    );
    edit(dir.path(), jacket, "    gtin: \"4012345000023\"\n", "");
    let (code, report) = diff_json(dir.path(), &[]);
    assert_eq!(code, 0);
    assert_eq!(
        fields(&report, "JKT-STORM"),
        vec![
            r#"/name/de-DE "Stormline Regenjacke" -> "Stormline Regenjacke Pro""#,
            r#"/price/EUR "169.00" -> "174.00""#,
            r#"/price/USD "179.00" -> "249.00""#,
            r#"/variants/1/color "black" -> "navy""#,
            r#"/variants/1/gtin "4012345000023" -> "4012345000047""#,
            r#"/variants/1/size "M" -> "L""#,
        ]
    );
    let changed = &report["changed"][0]["fields"];
    assert_eq!(changed[1]["percent"], "+3.0");
    assert!(changed[1].get("alert").is_none());
    assert_eq!(changed[2]["percent"], "+39.1");
    assert_eq!(changed[2]["alert"], true);
    assert_eq!(changed[3]["variant"], "JKT-STORM-BLK-M");
    // Two variants now share navy/L: a problem the change introduces.
    let introduced: Vec<&str> = report["problems"]["introduced"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["rule"].as_str().unwrap())
        .collect();
    assert_eq!(introduced, vec!["duplicate-variant-axes"]);
    let (_, report) = diff_json(dir.path(), &["--price-alert", "50"]);
    assert!(report["changed"][0]["fields"][2].get("alert").is_none());
}

#[test]
fn adds_removes_moves_and_renamed_skus() {
    let dir = repo();
    std::fs::rename(
        dir.path().join("catalog/tents/TENT-2P.yaml"),
        dir.path().join("catalog/TENT-2P.yaml"),
    )
    .unwrap();
    std::fs::remove_file(dir.path().join("catalog/tents/TENT-1P.yaml")).unwrap();
    std::fs::write(dir.path().join("catalog/tents/TENT-6P.yaml"), "sku: TENT-6P\nfamily: tent\nstatus: active\nname: {en-US: Lodge Tent}\nprice: {USD: \"699.00\"}\ncategories: [tents]\ncapacity: 6\n").unwrap();
    edit(
        dir.path(),
        "catalog/apparel/JKT-STORM.yaml",
        "sku: JKT-STORM\n",
        "sku: JKT-STORMX\n",
    );
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "change"]);
    let (code, report) = diff_json(dir.path(), &["HEAD~1", "HEAD"]);
    assert_eq!(code, 0);
    let skus = |key: &str| -> Vec<String> {
        report[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["sku"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(skus("added"), vec!["JKT-STORMX", "TENT-6P"]);
    assert_eq!(skus("removed"), vec!["JKT-STORM", "TENT-1P"]);
    assert_eq!(
        report["changed"],
        Value::Array(vec![]),
        "a moved file is no change"
    );
    // The renamed SKU breaks the tent's cross-sell link (an error) and no longer matches its
    // file name (a warning); the tent leaves the feed, the new tent enters.
    let introduced: Vec<&str> = report["problems"]["introduced"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["rule"].as_str().unwrap())
        .collect();
    assert_eq!(
        introduced,
        vec!["unknown-association", "file-name-mismatch"]
    );
    let marketplace = report["channels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["channel"] == "marketplace")
        .unwrap();
    assert_eq!(marketplace["entering"], serde_json::json!(["TENT-6P"]));
    assert_eq!(marketplace["leaving"], serde_json::json!(["TENT-2P"]));
}

#[test]
fn a_change_that_introduces_an_error_fails_when_asked() {
    let dir = repo();
    edit(
        dir.path(),
        "catalog/tents/TENT-2P.yaml",
        "gtin: \"4006381333931\"",
        "gtin: \"4006381333932\"",
    );
    let (code, report) = diff_json(dir.path(), &[]);
    assert_eq!(code, 0, "only --fail-on makes it fail");
    assert_eq!(report["problems"]["introduced"][0]["rule"], "invalid-gtin");
    let marketplace = report["channels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["channel"] == "marketplace")
        .unwrap();
    assert_eq!(marketplace["leaving"], serde_json::json!(["TENT-2P"]));
    let (code, _) = diff_json(dir.path(), &["--fail-on", "new-errors"]);
    assert_eq!(code, 1);
    // Fixing it later shows as a fixed problem.
    git(dir.path(), &["commit", "-q", "-am", "break"]);
    edit(
        dir.path(),
        "catalog/tents/TENT-2P.yaml",
        "gtin: \"4006381333932\"",
        "gtin: \"4006381333931\"",
    );
    let (code, report) = diff_json(dir.path(), &["HEAD", "--fail-on", "new-errors"]);
    assert_eq!(code, 0);
    assert_eq!(report["problems"]["fixed"][0]["rule"], "invalid-gtin");
}

#[test]
fn completeness_changes_are_reported_per_channel() {
    let dir = repo();
    // The shop requires a description: the tent loses its English one.
    edit(
        dir.path(),
        "catalog/tents/TENT-2P.yaml",
        "  en-US: A freestanding double-wall tent with two doors and two vestibules.\n",
        "",
    );
    let (_, report) = diff_json(dir.path(), &[]);
    let shop = report["channels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["channel"] == "shop")
        .unwrap();
    assert_eq!(shop["leaving"], serde_json::json!(["TENT-2P"]));
    assert_eq!(
        shop["completeness"],
        serde_json::json!([{"sku": "TENT-2P", "old": 100, "new": 50}])
    );
}

#[test]
fn the_default_base_is_the_merge_base_with_upstream() {
    let dir = repo();
    git(dir.path(), &["checkout", "-q", "-b", "feature"]);
    git(dir.path(), &["branch", "-q", "--set-upstream-to=main"]);
    edit(
        dir.path(),
        "catalog/tents/TENT-2P.yaml",
        "capacity: 2",
        "capacity: 3",
    );
    git(dir.path(), &["commit", "-q", "-am", "feature work"]);
    // main moves on; the merge base stays at the fork point.
    git(dir.path(), &["checkout", "-q", "main"]);
    edit(
        dir.path(),
        "catalog/tents/TENT-1P.yaml",
        "capacity: 1",
        "capacity: 2",
    );
    git(dir.path(), &["commit", "-q", "-am", "main work"]);
    git(dir.path(), &["checkout", "-q", "feature"]);
    let output = pim(dir.path(), &["diff", "--format", "json"]);
    assert!(
        stderr(&output).contains("the merge base of HEAD with main"),
        "{}",
        stderr(&output)
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let changed: Vec<&str> = report["changed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["sku"].as_str().unwrap())
        .collect();
    assert_eq!(changed, vec!["TENT-2P"]);
}

#[test]
fn markdown_is_a_pull_request_comment() {
    let dir = repo();
    edit(
        dir.path(),
        "catalog/tents/TENT-2P.yaml",
        "USD: \"249.00\"",
        "USD: \"349.00\"",
    );
    let output = pim(dir.path(), &["diff", "--format", "markdown"]);
    let text = stdout(&output);
    assert!(text.starts_with("### pim diff\n"), "{text}");
    let table = text.find("| Products changed | 1 |").unwrap();
    let details = text
        .find("<details><summary>✏️ <code>TENT-2P</code>")
        .unwrap();
    assert!(table < details, "summary table first");
    assert!(
        text.contains("| `/price/USD` | \"249.00\" | \"349.00\" | **+40.2%** ⚠️ |"),
        "{text}"
    );
}

#[test]
fn outside_a_repository_and_unknown_revisions_are_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixtures().join("ok"), dir.path());
    let output = pim(dir.path(), &["diff"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("is not in a git repository"),
        "{}",
        stderr(&output)
    );

    let dir = repo();
    let output = pim(dir.path(), &["diff", "no-such-branch"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("unknown revision `no-such-branch`"),
        "{}",
        stderr(&output)
    );
    let output = pim(dir.path(), &["diff", "HEAD", "--bogus"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn no_git_on_path_is_exit_2() {
    let dir = repo();
    let output = Command::new(env!("CARGO_BIN_EXE_pim"))
        .arg("diff")
        .current_dir(dir.path())
        .env("PATH", "/nonexistent")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("`git` is not on PATH"));
}

/// The SKUs a diff reports as changed.
fn changed_skus(report: &Value) -> Vec<String> {
    report["changed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["sku"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn a_branch_without_upstream_is_compared_with_local_main() {
    let dir = repo();
    git(dir.path(), &["checkout", "-q", "-b", "feature"]);
    edit(
        dir.path(),
        "catalog/tents/TENT-2P.yaml",
        "capacity: 2",
        "capacity: 3",
    );
    git(dir.path(), &["commit", "-q", "-am", "feature work"]);
    let output = pim(dir.path(), &["diff", "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        stderr(&output),
        "note: comparing with the merge base of HEAD with main (the branch has no upstream and \
         no remote has a default branch)\n"
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(changed_skus(&report), ["TENT-2P"]);

    // `master` serves as well.
    git(dir.path(), &["branch", "-q", "-m", "main", "master"]);
    let output = pim(dir.path(), &["diff", "--format", "json"]);
    assert!(
        stderr(&output).contains("the merge base of HEAD with master"),
        "{}",
        stderr(&output)
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(changed_skus(&report), ["TENT-2P"]);
}

#[test]
fn a_branch_without_upstream_is_compared_with_the_remote_default_branch() {
    let origin = tempfile::tempdir().unwrap();
    copy_tree(&fixtures().join("ok"), origin.path());
    git(origin.path(), &["init", "-q", "-b", "trunk"]);
    git(origin.path(), &["add", "-A"]);
    git(origin.path(), &["commit", "-q", "-m", "catalog"]);
    let parent = tempfile::tempdir().unwrap();
    git(
        parent.path(),
        &["clone", "-q", origin.path().to_str().unwrap(), "clone"],
    );
    let dir = parent.path().join("clone");
    // A local branch off the remote's default branch, without upstream; a local `main`
    // that points elsewhere must not be chosen over the remote.
    git(
        &dir,
        &[
            "checkout",
            "-q",
            "--no-track",
            "-b",
            "feature",
            "origin/trunk",
        ],
    );
    edit(
        &dir,
        "catalog/tents/TENT-2P.yaml",
        "capacity: 2",
        "capacity: 3",
    );
    git(&dir, &["commit", "-q", "-am", "feature work"]);
    git(&dir, &["branch", "-q", "main", "HEAD"]);
    let output = pim(&dir, &["diff", "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        stderr(&output),
        "note: comparing with the merge base of HEAD with origin/trunk, the default branch of \
         `origin` (the branch has no upstream)\n"
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(changed_skus(&report), ["TENT-2P"]);
}

#[test]
fn with_no_branch_to_compare_with_the_base_is_head() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixtures().join("ok"), dir.path());
    git(dir.path(), &["init", "-q", "-b", "trunk"]);
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "catalog"]);
    edit(
        dir.path(),
        "catalog/tents/TENT-2P.yaml",
        "capacity: 2",
        "capacity: 3",
    );
    let output = pim(dir.path(), &["diff", "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        stderr(&output),
        "note: comparing with HEAD (no upstream, no remote default branch, no local main or \
         master; pass BASE to choose)\n"
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(changed_skus(&report), ["TENT-2P"]);
}

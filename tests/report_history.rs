//! `pim report --history N`: each commit's numbers are those of `pim report` on a checkout of
//! that commit; commits that do not touch the catalog are not counted; every format shows
//! the history; no git repository, or N = 0, is an error.
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

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} lacks {from:?}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

/// (label, items, complete, completeness, invalid, ready) of each channel of a report or
/// history entry.
fn numbers(channels: &Value) -> Vec<(String, u64, u64, f64, u64, u64)> {
    channels
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["label"].as_str().unwrap().to_owned(),
                c["items"].as_u64().unwrap(),
                c["complete"].as_u64().unwrap(),
                c["completeness"].as_f64().unwrap(),
                c["invalid"].as_u64().unwrap(),
                c["ready"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// The demo in a git repository of five commits, four of them touching the catalog (one
/// through pim.toml, which changes what a channel requires), plus an uncommitted change.
/// Returns the repository and the commits touching the catalog, oldest first.
fn demo_repository() -> (tempfile::TempDir, Vec<String>) {
    let dir = demo_copy();
    let root = dir.path();
    let backpacks = root.join("catalog/backpacks");
    git(root, &["init", "-q"]);
    git(root, &["add", "-A"]);
    git(root, &["commit", "-qm", "the demo"]);
    let mut commits = vec![git(root, &["rev-parse", "HEAD"])];
    let original: Vec<String> = ["NW-PCK-3201.yaml", "NW-PCK-3202.yaml"]
        .iter()
        .map(|f| std::fs::read_to_string(backpacks.join(f)).unwrap())
        .collect();
    edit(
        &backpacks.join("NW-PCK-3201.yaml"),
        "brand: Northwind\n",
        "",
    );
    edit(&backpacks.join("NW-PCK-3202.yaml"), "brand: Fjellvik\n", "");
    git(root, &["commit", "-qam", "two backpacks lose their brand"]);
    commits.push(git(root, &["rev-parse", "HEAD"]));
    edit(
        &root.join("pim.toml"),
        "required = [\"name\", \"price\"]",
        "required = [\"name\", \"price\", \"tags\"]",
    );
    git(root, &["commit", "-qam", "shopify requires tags"]);
    commits.push(git(root, &["rev-parse", "HEAD"]));
    std::fs::write(root.join("NOTES.md"), "not the catalog\n").unwrap();
    git(root, &["add", "NOTES.md"]);
    git(root, &["commit", "-qm", "notes, not the catalog"]);
    std::fs::write(backpacks.join("NW-PCK-3201.yaml"), &original[0]).unwrap();
    std::fs::write(backpacks.join("NW-PCK-3202.yaml"), &original[1]).unwrap();
    std::fs::remove_file(backpacks.join("NW-PCK-3203.yaml")).unwrap();
    // The same SKU twice: a cross-file error at this commit only.
    std::fs::copy(
        backpacks.join("NW-PCK-3204.yaml"),
        backpacks.join("NW-PCK-3204-copy.yaml"),
    )
    .unwrap();
    git(root, &["add", "-A"]);
    git(
        root,
        &["commit", "-qm", "brands back, one backpack gone, one twice"],
    );
    commits.push(git(root, &["rev-parse", "HEAD"]));
    // Uncommitted: the current report shows it, the history does not.
    edit(&backpacks.join("NW-PCK-3205.yaml"), "brand: Halvard\n", "");
    (dir, commits)
}

#[test]
fn each_commit_agrees_with_pim_report_on_its_checkout() {
    let (dir, commits) = demo_repository();
    let root = dir.path();
    let output = pim(root, &["report", "--history", "10", "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let history = report["history"].as_array().unwrap();
    let ids: Vec<&str> = history
        .iter()
        .map(|h| h["commit"].as_str().unwrap())
        .collect();
    assert_eq!(ids, commits, "oldest first, the notes commit left out");
    assert_eq!(
        report["history_note"],
        "only 4 commits touched the catalog (catalog, pim.toml, schemas, categories.yaml); --history asked for 10"
    );
    let checkouts = tempfile::tempdir().unwrap();
    for (i, entry) in history.iter().enumerate() {
        let commit = entry["commit"].as_str().unwrap();
        for key in ["short", "date", "subject"] {
            assert!(
                entry[key].as_str().is_some_and(|s| !s.is_empty()),
                "{entry}"
            );
        }
        assert!(commit.starts_with(entry["short"].as_str().unwrap()));
        assert!(entry.get("error").is_none(), "{entry}");
        let checkout = checkouts.path().join(format!("at-{i}"));
        git(
            root,
            &[
                "worktree",
                "add",
                "-q",
                "--detach",
                checkout.to_str().unwrap(),
                commit,
            ],
        );
        let plain = pim(&checkout, &["report", "--format", "json"]);
        assert_eq!(plain.status.code(), Some(0), "{}", stderr(&plain));
        let plain: Value = serde_json::from_slice(&plain.stdout).unwrap();
        assert_eq!(
            numbers(&entry["channels"]),
            numbers(&plain["channels"]),
            "commit {i} ({})",
            entry["subject"]
        );
    }
    // The numbers move: the brands' loss shows, and so does the new requirement.
    let complete = |i: usize, label: &str| {
        numbers(&history[i]["channels"])
            .into_iter()
            .find(|c| c.0 == label)
            .unwrap()
            .2
    };
    assert_eq!(complete(1, "marketplace") + 2, complete(0, "marketplace"));
    assert!(complete(2, "shopify") < complete(1, "shopify"));
    // Items with errors: none at first, the brandless two, then the duplicate SKU's (a
    // rule across files, checked at each commit).
    let invalid = |i: usize| numbers(&history[i]["channels"])[0].4;
    assert_eq!([invalid(0), invalid(1)], [0, 2]);
    assert!(invalid(3) > 0, "{:?}", history[3]);
    // The working tree's uncommitted change is in the current report only.
    let last = numbers(&history[3]["channels"]);
    assert_ne!(numbers(&report["channels"]), last);
}

#[test]
fn every_format_shows_the_history() {
    let (dir, commits) = demo_repository();
    let root = dir.path();
    let short = |id: &str| git(root, &["rev-parse", "--short", id]);

    // Fewer commits than asked: the note too fits 100 columns.
    let text = stdout(&pim(root, &["report", "--history", "30"]));
    assert!(text.lines().all(|l| l.chars().count() <= 100), "{text}");
    assert!(
        text.contains("only 4 commits touched the catalog"),
        "{text}"
    );

    let output = pim(root, &["report", "--history", "3"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    let first = short(&commits[1]);
    assert!(
        text.contains(&format!("completeness over 3 commits: {first} ")),
        "{text}"
    );
    let line = text
        .lines()
        .find(|l| l.starts_with("marketplace ") && l.contains('→'))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(line.contains(" 98.3% → 100.0%"), "{line}");
    assert!(line.chars().any(|c| ('▁'..='█').contains(&c)), "{line}");
    assert!(text.lines().all(|l| l.chars().count() <= 100), "{text}");

    let output = pim(root, &["report", "--history", "3", "--format", "markdown"]);
    let text = stdout(&output);
    let header = text
        .lines()
        .find(|l| l.starts_with("| channel | `"))
        .unwrap_or_else(|| panic!("{text}"));
    let columns: Vec<String> = commits[1..].iter().map(|c| short(c)).collect();
    assert_eq!(
        header,
        format!("| channel | `{}` |", columns.join("` | `")),
        "a column per commit, oldest first"
    );
    assert!(
        text.contains("| marketplace | 98.3 | 98.3 | 100.0 |"),
        "{text}"
    );

    let output = pim(root, &["report", "--history", "3", "--format", "html"]);
    let page = stdout(&output);
    assert!(page.contains("<svg class=\"chart\" id=\"history\" data-commits=\"3\""));
    let chart = page.split("id=\"history\"").nth(1).unwrap();
    let chart = chart.split("</svg>").next().unwrap();
    assert!(chart.matches("<polyline class=\"mark line\"").count() >= 8);
    // A point per channel and commit: six channels at every commit, the three webshop
    // locales likewise.
    assert_eq!(chart.matches("<circle class=\"mark point\"").count(), 8 * 3);
    assert!(!page.contains("<script src"));

    // Without --history, no history key.
    let report: Value =
        serde_json::from_slice(&pim(root, &["report", "--format", "json"]).stdout).unwrap();
    assert!(report.get("history").is_none());
}

#[test]
fn without_a_git_repository_history_is_an_error() {
    let dir = demo_copy();
    let output = pim(dir.path(), &["report", "--history", "5"]);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(
        err.starts_with("error: --history reads the catalog's git history, but "),
        "{err}"
    );
    assert!(err.contains("is not in a git repository"), "{err}");
    assert!(err.contains("leave out --history"), "{err}");
}

#[test]
fn history_needs_a_positive_number() {
    let dir = demo_copy();
    for bad in ["0", "many", "1.5"] {
        let output = pim(dir.path(), &["report", "--history", bad]);
        assert_eq!(output.status.code(), Some(2), "{bad}");
        let err = stderr(&output);
        assert!(err.contains("--history <N>"), "{bad}: {err}");
    }
}

#[test]
fn a_project_in_a_subfolder_and_a_commit_without_catalog() {
    let repo = tempfile::tempdir().unwrap();
    let shop = repo.path().join("shop");
    let demo = demo_copy();
    copy_tree(demo.path(), &shop);
    let catalog = shop.join("catalog");
    std::fs::rename(&catalog, repo.path().join("later")).unwrap();
    git(repo.path(), &["init", "-q"]);
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-qm", "settings first"]);
    std::fs::rename(repo.path().join("later"), &catalog).unwrap();
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-qm", "then the catalog"]);
    let output = pim(
        &shop,
        &[
            "report",
            "--history",
            "2",
            "--channel",
            "google",
            "--format",
            "json",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let history = report["history"].as_array().unwrap();
    assert_eq!(history.len(), 2);
    assert!(report.get("history_note").is_none());
    assert_eq!(
        history[0]["error"],
        "the catalog folder catalog does not exist at this commit"
    );
    assert_eq!(history[0]["channels"], serde_json::json!([]));
    assert_eq!(
        numbers(&history[1]["channels"]),
        numbers(&report["channels"]),
        "the last commit is the working tree"
    );
    assert_eq!(history[1]["channels"][0]["label"], "google");
}

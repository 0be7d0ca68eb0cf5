//! One renderer per format: validate, export and diff print a problem the same way.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;

#[test]
fn validate_export_and_diff_print_a_problem_alike() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixtures().join("ok"), dir.path());
    git(dir.path(), &["init", "-q", "-b", "main"]);
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "catalog"]);
    let tent = dir.path().join("catalog/tents/TENT-2P.yaml");
    let text = std::fs::read_to_string(&tent).unwrap();
    std::fs::write(&tent, text.replace("4006381333931", "4006381333932")).unwrap();

    let validate = stdout(&pim(dir.path(), &["validate"]));
    let block: String = validate.split("\n\n").next().unwrap().to_owned();
    assert!(block.starts_with("error[invalid-gtin]"), "{validate}");
    assert!(block.contains("--> catalog/tents/TENT-2P.yaml:"), "{block}");
    assert!(block.contains("= help:"), "{block}");

    let export = pim(
        dir.path(),
        &["export", "--all", "--skip-invalid", "--out", "out"],
    );
    assert_eq!(export.status.code(), Some(0), "{}", stderr(&export));
    assert!(stdout(&export).contains(&block), "{}", stdout(&export));

    let diff = pim(dir.path(), &["diff", "HEAD"]);
    assert_eq!(diff.status.code(), Some(0), "{}", stderr(&diff));
    let text = stdout(&diff);
    assert!(text.contains("problems introduced\n\n"), "{text}");
    assert!(text.contains(&block), "{text}");
}

//! Every bad-input case under tests/fixtures/invalid/<case>/: the case's files are laid over
//! the `ok` fixture (without its products), and `pim validate --format json` must give
//! exactly the diagnostics and exit code listed in the case's `expected` file:
//!
//! ```text
//! exit 1
//! error duplicate-sku catalog/b/a-1.yaml:1:6 /sku
//! ```
//!
//! `PIM_BLESS=1 cargo test --test validate_cases` rewrites the expected files; review them.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;

#[test]
fn invalid_cases_give_exactly_their_diagnostics() {
    let bless = std::env::var_os("PIM_BLESS").is_some();
    let mut cases: Vec<_> = std::fs::read_dir(fixtures().join("invalid"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    cases.sort();
    assert!(cases.len() >= 25, "fixtures missing");
    let mut failures = Vec::new();
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let dir = project(Some(case));
        let (code, report) = validate_json(dir.path(), &[]);
        let mut actual = vec![format!("exit {code}")];
        actual.extend(diagnostic_lines(&report));
        let actual = actual.join("\n") + "\n";
        let expected_path = case.join("expected");
        if bless {
            std::fs::write(&expected_path, &actual).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if expected != actual {
            failures.push(format!("== {name}\nexpected:\n{expected}actual:\n{actual}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

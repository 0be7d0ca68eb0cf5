//! Loads one product file from arbitrary bytes and validates it against the `ok` fixture
//! project's schemas and rules, then maps every diagnostic to a line and column, as
//! `pim validate` does. Any panic is a bug.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pim::catalog::{ProductPath, Project};
use pim::validate::{self, CheckOptions};
use std::path::Path;
use std::sync::OnceLock;

fn project() -> &'static Project {
    static PROJECT: OnceLock<Project> = OnceLock::new();
    PROJECT.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/ok");
        match Project::open(&root) {
            Ok(project) => project,
            Err(e) => panic!("the fixture project does not load: {e:#}"),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let project = project();
    let file = ProductPath { path: "fuzz.yaml".into(), rel: "catalog/fuzz.yaml".into() };
    let mut diagnostics = match pim::source::decode(data.to_vec(), &file.rel) {
        Ok(text) => {
            let options = CheckOptions { keep_value: true, evaluator: None };
            let checked = validate::check_text(project, 0, &file, &text, options);
            let mut diagnostics = checked.diagnostics;
            // Position mapping, as resolve_positions does with the file's text.
            for d in &mut diagnostics {
                if let pim::diag::Position::Offset(offset) = d.position {
                    let (line, column) = pim::source::line_column(&text.text, offset);
                    let _ = pim::source::line_text(&text.text, line);
                    assert!(line >= 1 && column >= 1);
                }
            }
            diagnostics
        }
        Err(d) => vec![d],
    };
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
});

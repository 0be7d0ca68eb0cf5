//! End-to-end tests of `pim validate` beyond the per-case fixtures: the demo project, the
//! output formats and flags, skipped files, and configuration errors (exit 2).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use serde::Deserialize;
use std::path::Path;

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct Report {
    diagnostics: Vec<JsonDiagnostic>,
    summary: Summary,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct JsonDiagnostic {
    severity: String,
    rule: String,
    file: String,
    line: usize,
    column: usize,
    pointer: Option<String>,
    sku: Option<String>,
    message: String,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct Summary {
    files: usize,
    products: usize,
    items: usize,
    errors: usize,
    warnings: usize,
}

fn typed(dir: &Path, extra: &[&str]) -> (i32, Report) {
    let (code, value) = validate_json(dir, extra);
    (code, serde_json::from_value(value).unwrap())
}

fn case(name: &str) -> tempfile::TempDir {
    project(Some(&fixtures().join("invalid").join(name)))
}

#[test]
fn the_demo_project_validates_clean() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (code, report) = typed(root, &[]);
    assert_eq!(report.diagnostics, vec![], "the demo catalog must be clean");
    assert_eq!(code, 0);
    assert!(report.summary.products >= 40, "{:?}", report.summary);
    assert!(report.summary.items > report.summary.products);
}

#[test]
fn the_ok_fixture_validates_clean_in_human_form() {
    let output = pim(&fixtures().join("ok"), &["validate"]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        stdout(&output),
        "checked 3 files: 3 products, 5 items; 0 errors, 0 warnings\n"
    );
}

#[test]
fn json_diagnostics_carry_every_key() {
    let dir = case("invalid-gtin");
    let (code, report) = typed(dir.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(
        report.diagnostics,
        vec![JsonDiagnostic {
            severity: "error".into(),
            rule: "invalid-gtin".into(),
            file: "catalog/A-1.yaml".into(),
            line: 6,
            column: 7,
            pointer: Some("/gtin".into()),
            sku: Some("A-1".into()),
            message: "`/gtin`: `4006381333932` is not a valid GTIN: its check digit should be 1"
                .into(),
        }]
    );
    assert_eq!(
        report.summary,
        Summary {
            files: 1,
            products: 1,
            items: 1,
            errors: 1,
            warnings: 0
        }
    );
}

#[test]
fn file_level_errors_have_null_pointer_and_sku() {
    let dir = case("duplicate-key");
    let (_, report) = validate_json(dir.path(), &[]);
    let d = &report["diagnostics"][0];
    assert!(d["pointer"].is_null() && d["sku"].is_null(), "{d}");
}

#[test]
fn human_output_is_like_rustc() {
    let dir = case("duplicate-sku");
    let output = pim(dir.path(), &["validate"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stdout(&output),
        "error[duplicate-sku]: SKU `a-1` is also defined in catalog/a/A-1.yaml (SKUs are compared case-insensitively)\n \
         --> catalog/b/a-1.yaml:1:6\n  |\n1 | sku: a-1\n  |      ^\n  = help: give one of them a new SKU\n\n\
         checked 2 files: 2 products, 2 items; 1 error, 0 warnings\n"
    );
}

#[test]
fn quoting_hint_for_unquoted_numbers() {
    let dir = case("schema-errors");
    let output = pim(dir.path(), &["validate"]);
    let text = stdout(&output);
    assert!(
        text.contains("`/sku` must be a string, but `10045` is an unquoted number"),
        "{text}"
    );
    assert!(text.contains("= help: quote it: \"10045\""), "{text}");
}

#[test]
fn github_format_gives_workflow_commands() {
    let dir = case("quote-number");
    let output = pim(dir.path(), &["validate", "--format", "github"]);
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    let mut lines = text.lines();
    let first = lines.next().unwrap();
    assert!(
        first.starts_with("::warning file=catalog/A-1.yaml,line=6,col=7,title=quote-number::"),
        "{first}"
    );
    assert_eq!(
        lines.next(),
        Some("checked 1 file: 1 product, 1 item; 0 errors, 1 warning")
    );
}

#[test]
fn deny_warnings_fails_on_warnings() {
    let dir = case("quote-number");
    assert_eq!(validate_json(dir.path(), &[]).0, 0);
    assert_eq!(validate_json(dir.path(), &["--deny-warnings"]).0, 1);
}

#[test]
fn max_errors_limits_printing_only() {
    let dir = case("missing-asset");
    let (code, report) = typed(dir.path(), &["--max-errors", "1"]);
    assert_eq!(code, 1);
    assert_eq!(report.diagnostics.len(), 1);
    assert_eq!(report.summary.errors, 3);
    let human = stdout(&pim(dir.path(), &["validate", "--max-errors", "1"]));
    assert!(human.contains("2 more not shown (--max-errors)"), "{human}");
}

#[test]
fn paths_narrow_the_report_not_the_rules() {
    let dir = case("duplicate-sku");
    let (code, report) = typed(dir.path(), &["catalog/b"]);
    assert_eq!(code, 1);
    assert_eq!(
        report.diagnostics.len(),
        1,
        "the duplicate in b is found through a"
    );
    assert_eq!(report.summary.files, 1);
    let (code, report) = typed(dir.path(), &["catalog/a/A-1.yaml"]);
    assert_eq!((code, report.diagnostics.len()), (0, 0));
    let output = pim(dir.path(), &["validate", "catalog/nowhere"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("catalog/nowhere does not exist"));
}

#[test]
fn project_is_found_upward_and_with_dash_c() {
    let dir = case("invalid-gtin");
    let (code, report) = validate_json(&dir.path().join("catalog"), &[]);
    assert_eq!(code, 1);
    assert_eq!(report["diagnostics"][0]["file"], "catalog/A-1.yaml");
    let elsewhere = tempfile::tempdir().unwrap();
    let project = dir.path().to_str().unwrap();
    let (code, _) = validate_json(elsewhere.path(), &["-C", project]);
    assert_eq!(code, 1);
    let output = pim(elsewhere.path(), &["validate"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("could not find pim.toml"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn output_is_the_same_on_one_thread_and_many() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = case("missing-asset");
    for (path, code) in [(root, 0), (dir.path(), 1)] {
        let run = |threads: &str| {
            let output = std::process::Command::new(env!("CARGO_BIN_EXE_pim"))
                .args(["validate", "--format", "json"])
                .current_dir(path)
                .env("RAYON_NUM_THREADS", threads)
                .output()
                .unwrap();
            assert_eq!(output.status.code(), Some(code), "{}", stderr(&output));
            output.stdout
        };
        let one = run("1");
        assert!(one.starts_with(b"{"), "{}", String::from_utf8_lossy(&one));
        assert_eq!(one, run("8"));
    }
}

#[test]
fn explain_prints_a_rule() {
    let output = pim(
        &fixtures().join("ok"),
        &["validate", "--explain", "duplicate-gtin"],
    );
    assert_eq!(output.status.code(), Some(0));
    assert!(
        stdout(&output)
            .starts_with("duplicate-gtin (error by default)\n\nTwo values with format `gtin`")
    );
    let output = pim(
        &fixtures().join("ok"),
        &["validate", "--explain", "schema-enum"],
    );
    assert!(stdout(&output).contains("`enum` keyword"));
    let output = pim(&fixtures().join("ok"), &["validate", "--explain", "nope"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("`nope` is not a rule id"));
}

#[cfg(unix)]
#[test]
fn odd_paths_are_skipped_with_a_warning() {
    use std::os::unix::fs::symlink;
    let dir = case("duplicate-gtin");
    let catalog = dir.path().join("catalog");
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("X-1.yaml"), "sku: X-1\n").unwrap();
    symlink(&catalog, catalog.join("loop")).unwrap();
    symlink(catalog.join("missing.yaml"), catalog.join("dangling.yaml")).unwrap();
    symlink(outside.path().join("X-1.yaml"), catalog.join("escape.yaml")).unwrap();
    symlink(outside.path(), catalog.join("escape-dir")).unwrap();
    symlink(catalog.join("A-1.yaml"), catalog.join("link-inside.yml")).unwrap();
    let fifo = catalog.join("pipe.yaml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success());

    let (code, report) = validate_json(dir.path(), &[]);
    let mut lines = diagnostic_lines(&report);
    lines.retain(|l| l.contains("skipped-file"));
    let mut expected = vec![
        "warning skipped-file catalog/dangling.yaml:1:1 -",
        "warning skipped-file catalog/escape-dir:1:1 -",
        "warning skipped-file catalog/escape.yaml:1:1 -",
        "warning skipped-file catalog/loop:1:1 -",
    ];
    if made {
        expected.push("warning skipped-file catalog/pipe.yaml:1:1 -");
    }
    assert_eq!(lines, expected);
    // The link inside the project is read: its SKU and GTIN clash with A-1's.
    let all = diagnostic_lines(&report);
    assert!(
        all.iter()
            .any(|l| l.starts_with("error duplicate-sku catalog/link-inside.yml:1:6")),
        "{all:?}"
    );
    assert_eq!(code, 1);
}

#[test]
fn configuration_errors_exit_2_naming_the_file() {
    let check = |dir: &Path, needles: &[&str]| {
        let output = pim(dir, &["validate"]);
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
        let err = stderr(&output);
        for needle in needles {
            assert!(err.contains(needle), "`{needle}` not in: {err}");
        }
        assert!(stdout(&output).is_empty());
    };

    let dir = project(None);
    let toml = std::fs::read_to_string(dir.path().join("pim.toml")).unwrap();
    let typo = toml.replacen("name = ", "colour = \"red\"\nname = ", 1);
    std::fs::write(dir.path().join("pim.toml"), typo).unwrap();
    check(dir.path(), &["pim.toml", "line 2", "colour"]);
    let typo = toml.replace("required = [\"price\"]", "requires = [\"price\"]");
    std::fs::write(dir.path().join("pim.toml"), typo).unwrap();
    check(dir.path(), &["pim.toml", "requires"]);

    std::fs::write(
        dir.path().join("pim.toml"),
        format!("{toml}[rules]\nno-such-rule = \"off\"\n"),
    )
    .unwrap();
    check(dir.path(), &["pim.toml", "no-such-rule"]);

    let dir = project(None);
    std::fs::write(
        dir.path().join("schemas/families/tent.schema.json"),
        "{ \"type\": ",
    )
    .unwrap();
    check(
        dir.path(),
        &["schemas/families/tent.schema.json is not valid JSON"],
    );

    let dir = project(None);
    std::fs::write(
        dir.path().join("schemas/families/tent.schema.json"),
        "{ \"type\": 12 }",
    )
    .unwrap();
    check(
        dir.path(),
        &["schemas/families/tent.schema.json is not a valid JSON Schema"],
    );

    let dir = project(None);
    std::fs::remove_file(dir.path().join("schemas/product.schema.json")).unwrap();
    check(dir.path(), &["schemas/product.schema.json"]);

    let dir = project(None);
    std::fs::write(
        dir.path().join("categories.yaml"),
        "a: {}\nb:\n  children:\n    a: {}\n",
    )
    .unwrap();
    check(dir.path(), &["categories.yaml:4", "`a` is defined twice"]);
}

#[test]
fn a_schema_ref_out_of_the_schemas_folder_is_refused() {
    let dir = project(None);
    std::fs::write(
        dir.path().join("schemas/families/tent.schema.json"),
        r#"{"$ref": "https://example.com/remote.schema.json"}"#,
    )
    .unwrap();
    let output = pim(dir.path(), &["validate"]);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(
        err.contains(
            "schemas/families/tent.schema.json: the `$ref` `https://example.com/remote.schema.json`"
        ),
        "{err}"
    );
    // A relative path that climbs out of the schemas folder is refused the same way.
    std::fs::write(
        dir.path().join("schemas/families/tent.schema.json"),
        r#"{"$ref": "../../pim.toml"}"#,
    )
    .unwrap();
    let output = pim(dir.path(), &["validate"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("does not lead to a schema in the schemas folder"));
}

#[cfg(unix)]
#[test]
fn an_unreadable_folder_is_exit_2() {
    use std::os::unix::fs::PermissionsExt;
    let dir = case("invalid-gtin");
    let locked = dir.path().join("catalog/locked");
    std::fs::create_dir(&locked).unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    // As root, pim runs as `nobody`: the mode applies to it.
    let output = pim_unprivileged(dir.path(), &["validate"]);
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("catalog/locked"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn the_demo_images_are_local_jpegs_and_a_missing_one_is_caught() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let images: Vec<_> = walkdir::WalkDir::new(root.join("assets/images"))
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .collect();
    assert!(images.len() >= 100, "{} images", images.len());
    for image in &images {
        let bytes = std::fs::read(image.path()).unwrap();
        assert!(bytes.starts_with(&[0xFF, 0xD8, 0xFF]), "{:?}", image.path());
        assert!(bytes.len() < 8_000, "{:?} is large", image.path());
    }

    let dir = demo_copy();
    std::fs::remove_file(dir.path().join("assets/images/nw-tnt-3001/2.jpg")).unwrap();
    let (code, report) = validate_json(dir.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(
        diagnostic_lines(&report),
        ["error missing-asset catalog/tents/NW-TNT-3001.yaml:38:5 /images/1"]
    );
    assert_eq!(
        report["diagnostics"][0]["message"],
        "`/images/1`: the asset `images/nw-tnt-3001/2.jpg` does not exist under the assets folder"
    );
    let output = pim(dir.path(), &["export", "--channel", "marketplace"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(!dir.path().join("dist/marketplace.csv").exists());
}

//! The README's example output is what pim prints on the demo: each example is re-run here on
//! a copy of the demo (with the README's edits) and must appear in the README verbatim.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use std::path::Path;
use std::process::Command;

fn readme() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap()
}

/// `$ pim ARGS` and what it printed (stdout, then stderr), as the README shows a run.
fn session(dir: &Path, args: &[&str]) -> String {
    let output = pim(dir, args);
    format!(
        "$ pim {}\n{}{}",
        args.join(" "),
        stdout(&output),
        stderr(&output)
    )
}

fn assert_in_readme(example: &str) {
    let readme = readme();
    assert!(
        readme.contains(&format!("```\n{example}```")),
        "the README does not show this run verbatim:\n{example}"
    );
}

fn edit(dir: &Path, file: &str, from: &str, to: &str) {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{file} has no {from:?}");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn the_demo_runs_are_the_readme_s() {
    let dir = demo_copy();
    let clean = session(dir.path(), &["validate"]);
    let all = session(dir.path(), &["validate", "--channel", "all"]);
    assert_in_readme(&format!("{clean}{all}"));
    assert_in_readme(&session(dir.path(), &["export", "--all"]));
    assert_in_readme(&session(
        dir.path(),
        &["report", "--channel", "webshop", "--worst", "2"],
    ));
}

#[test]
fn the_bad_product_example_is_the_readme_s() {
    let dir = demo_copy();
    let file = "catalog/tents/NW-TNT-3001.yaml";
    edit(dir.path(), file, "7044921001633", "7044921001634");
    edit(dir.path(), file, "nw-tnt-3001/2.jpg", "nw-tnt-3001/2.jpeg");
    assert_in_readme(&session(dir.path(), &["validate"]));
}

#[test]
fn the_diff_example_is_the_readme_s() {
    let dir = demo_copy();
    let git = |args: &[&str]| {
        let status = Command::new("git")
            .args(args)
            .current_dir(dir.path())
            .env("GIT_AUTHOR_NAME", "demo")
            .env("GIT_AUTHOR_EMAIL", "demo@example.com")
            .env("GIT_COMMITTER_NAME", "demo")
            .env("GIT_COMMITTER_EMAIL", "demo@example.com")
            .status()
            .unwrap();
        assert!(status.success(), "git {args:?}");
    };
    git(&["init", "-q", "-b", "main"]);
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "catalog"]);
    git(&["checkout", "-q", "-b", "autumn-prices"]);
    let file = "catalog/jackets/NW-JKT-1001.yaml";
    edit(
        dir.path(),
        file,
        "fr-FR: Veste de pluie Ridgeline 3L",
        "fr-FR: Veste imperméable Ridgeline 3L",
    );
    edit(dir.path(), file, "USD: \"189.00\"", "USD: \"269.00\"");
    edit(dir.path(), file, "\"4270719001216\"", "\"4270719001217\"");
    // The note on stderr comes first, as on a terminal.
    let output = pim(dir.path(), &["diff"]);
    let run = format!("$ pim diff\n{}{}", stderr(&output), stdout(&output));
    // The commit id differs from run to run; the README shows the one of its own run.
    let ids = regex::Regex::new(r"pim diff ([0-9a-f]{10}) →").unwrap();
    let readme = readme();
    let shown = readme
        .split("```\n$ pim diff\n")
        .nth(1)
        .and_then(|rest| ids.captures(rest))
        .map(|c| c[1].to_owned())
        .expect("the README shows no `pim diff` run");
    let run = ids
        .replace(&run, format!("pim diff {shown} →").as_str())
        .into_owned();
    assert_in_readme(&run);
}

/// The commands of the README's first fenced block after `heading`.
fn commands_under(heading: &str) -> Vec<String> {
    let readme = readme();
    let section = readme
        .split(&format!("\n{heading}\n"))
        .nth(1)
        .unwrap_or_else(|| panic!("no section {heading}"));
    let block = section
        .split("```sh\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .unwrap();
    block
        .lines()
        .map(|l| match l.find("  #") {
            Some(i) => l[..i].trim().to_owned(),
            None => l.trim().to_owned(),
        })
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn your_own_catalog_works_step_by_step_as_written() {
    let home = tempfile::tempdir().unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_pim")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cwd = home.path().to_path_buf();
    let steps = commands_under("## Your own catalog");
    assert!(steps.len() >= 7, "{steps:?}");
    let mut ran = Vec::new();
    for step in &steps {
        if step.starts_with("cargo install") {
            // The binary under test stands in for the installed one.
            continue;
        }
        if let Some(dir) = step.strip_prefix("cd ") {
            cwd = cwd.join(dir);
            continue;
        }
        let output = Command::new("sh")
            .args(["-c", step])
            .current_dir(&cwd)
            .env("PATH", &path)
            .env("NO_COLOR", "1")
            .env("GIT_AUTHOR_NAME", "demo")
            .env("GIT_AUTHOR_EMAIL", "demo@example.com")
            .env("GIT_COMMITTER_NAME", "demo")
            .env("GIT_COMMITTER_EMAIL", "demo@example.com")
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "`{step}` failed:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        ran.push(
            step.split_whitespace()
                .take(2)
                .collect::<Vec<_>>()
                .join(" "),
        );
    }
    for expected in [
        "pim init",
        "pim new",
        "pim validate",
        "pim export",
        "pim show",
        "git init",
    ] {
        assert!(
            ran.iter().any(|r| r == expected),
            "{expected} not run: {ran:?}"
        );
    }
    // The workflow the README tells to push is there, and the commit holds the catalog.
    assert!(cwd.join(".github/workflows/catalog.yml").is_file());
    let files = Command::new("git")
        .args(["ls-files"])
        .current_dir(&cwd)
        .output()
        .unwrap();
    let files = String::from_utf8_lossy(&files.stdout);
    assert!(files.contains("catalog/apparel/TSHIRT-002.yaml"), "{files}");
    assert!(!files.contains("dist/"), "{files}");
    assert!(!files.contains(".pim/"), "{files}");

    // The outputs the README shows for these steps.
    let new_file = std::fs::read_to_string(cwd.join("catalog/apparel/TSHIRT-002.yaml")).unwrap();
    let init = tempfile::tempdir().unwrap();
    assert_eq!(
        pim(init.path(), &["init", "my-catalog", "--name", "My Shop"])
            .status
            .code(),
        Some(0)
    );
    let project = init.path().join("my-catalog");
    let created = session(&project, &["new", "TSHIRT-002", "--family", "apparel"]);
    assert_in_readme(&format!(
        "{created}$ cat catalog/apparel/TSHIRT-002.yaml\n{new_file}"
    ));
    assert_in_readme(&session(&project, &["show", "TSHIRT-002"]));
}

/// The README's one fenced block that contains `anchor`, without its fence lines.
fn block_with(anchor: &str) -> String {
    let readme = readme();
    let blocks: Vec<String> = readme
        .split("```")
        .skip(1)
        .step_by(2)
        .filter_map(|b| b.split_once('\n').map(|(_, body)| body.to_owned()))
        .filter(|b| b.contains(anchor))
        .collect();
    assert_eq!(blocks.len(), 1, "README blocks with {anchor:?}: {blocks:?}");
    blocks.into_iter().next().unwrap()
}

/// Every part of `excerpt` between lines that are only `...` appears in `text` as written.
fn assert_excerpt(excerpt: &str, text: &str, what: &str) {
    let mut part = String::new();
    let mut parts = Vec::new();
    for line in excerpt.lines() {
        if line.trim() == "..." {
            parts.push(std::mem::take(&mut part));
        } else {
            part.push_str(line);
            part.push('\n');
        }
    }
    parts.push(part);
    for part in parts.iter().filter(|p| !p.is_empty()) {
        assert!(
            text.contains(part.as_str()),
            "the README's excerpt of {what} is not in it:\n{part}"
        );
    }
}

#[test]
fn the_dictionary_example_is_the_readme_s() {
    let dir = demo_copy();
    edit(
        dir.path(),
        "catalog/tents/NW-TNT-3001.yaml",
        "\ngtin: \"7044921001633\"",
        "\ngtn: \"7044921001633\"",
    );
    assert_in_readme(&session(dir.path(), &["validate", "catalog/tents"]));
}

#[test]
fn the_family_requirement_example_is_the_readme_s() {
    let dir = demo_copy();
    edit(
        dir.path(),
        "catalog/tents/NW-TNT-3002.yaml",
        "  de-DE: \"Außenzelt: 40D silikonbeschichtetes Nylon. Gestänge: Aluminium 9,5 mm\"\n",
        "",
    );
    assert_in_readme(&session(
        dir.path(),
        &["validate", "--channel", "webshop", "catalog/tents"],
    ));
}

#[test]
fn the_catalog_model_excerpts_are_the_demo_s() {
    let dir = demo_copy();
    let read = |rel: &str| std::fs::read_to_string(dir.path().join(rel)).unwrap();
    for (anchor, file) in [
        ("  google:\n    name:", "catalog/tents/NW-TNT-3001.yaml"),
        (
            "  marketplace:\n    status: archived",
            "catalog/fleece/NW-FLC-1202.yaml",
        ),
        (
            "  - sku: NW-JKT-1001-BLACK\n",
            "catalog/jackets/NW-JKT-1001.yaml",
        ),
        ("\"x-pim-required\"", "schemas/families/tent.schema.json"),
    ] {
        assert_excerpt(&block_with(anchor), &read(file), file);
    }

    // The colour's labels as the README shortens them.
    let schema: serde_json::Value =
        serde_json::from_str(&read("schemas/product.schema.json")).unwrap();
    let color = &schema["$defs"]["color"];
    assert_eq!(
        color["x-pim-labels"],
        serde_json::json!({"en-US": "Color", "de-DE": "Farbe", "fr-FR": "Couleur"})
    );
    assert_eq!(
        color["x-pim-options"]["navy"],
        serde_json::json!({"en-US": "Navy", "de-DE": "Marineblau", "fr-FR": "Bleu marine"})
    );
    let shown = block_with("\"x-pim-options\": {\n    \"navy\"");
    assert!(
        shown.contains("\"enum\": [\"black\", \"white\", \"grey\", \"charcoal\", \"navy\", ...]")
    );
    assert!(
        color["enum"].as_array().unwrap()[..5] == ["black", "white", "grey", "charcoal", "navy"]
    );

    // The feeds' excerpts.
    let output = pim(
        dir.path(),
        &["export", "--channel", "api", "--channel", "webshop"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_excerpt(
        &block_with("\"sku\": \"NW-JKT-1001-NAVY-M\""),
        &read("dist/api.json"),
        "dist/api.json",
    );
    assert_excerpt(
        &block_with("<dt>Farbe</dt>"),
        &read("dist/webshop/de-DE/index.html"),
        "dist/webshop/de-DE/index.html",
    );

    // What the channels block does.
    let run = session(
        dir.path(),
        &["show", "NW-FLC-1202", "--channel", "marketplace"],
    );
    assert_excerpt(
        &block_with("$ pim show NW-FLC-1202 --channel marketplace"),
        &run,
        "pim show NW-FLC-1202",
    );
}

//! `pim diff` with the cache (issue 14): products the working tree's cache holds with the
//! same blob are not read again, and the report is byte for byte the one `--no-cache`
//! prints, through random commits.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use std::path::Path;

/// One random change to the project; says what it did.
fn edit(dir: &Path, rng: &mut Lcg, step: usize) -> String {
    let files = product_files(dir);
    let file = files[rng.below(files.len())].clone();
    let name = file.strip_prefix(dir).unwrap().display().to_string();
    let text = std::fs::read_to_string(&file).unwrap();
    match rng.below(11) {
        0 | 1 => {
            // A price moves (or, without one, the status).
            let changed = match text.find("EUR: \"") {
                Some(at) => {
                    let digit = at + 6;
                    let old = &text[digit..digit + 1];
                    let new = if old == "9" { "1" } else { "9" };
                    format!("{}{new}{}", &text[..digit], &text[digit + 1..])
                }
                None => text.replacen("status: active", "status: draft", 1),
            };
            std::fs::write(&file, changed).unwrap();
            format!("a value changed in {name}")
        }
        2 => {
            std::fs::write(&file, text.replacen("brand:", "brnd:", 1)).unwrap();
            format!("an unknown attribute in {name}")
        }
        3 => {
            let to = file.with_file_name(format!("RENAMED-{step}.yaml"));
            std::fs::rename(&file, &to).unwrap();
            format!("{name} renamed")
        }
        4 => {
            std::fs::remove_file(&file).unwrap();
            format!("{name} removed")
        }
        5 => {
            // A new product: the copy with SKUs of its own.
            let to = file.with_file_name(format!("NEW-{step}.yaml"));
            std::fs::write(&to, text.replace("sku: ", &format!("sku: N{step}-"))).unwrap();
            format!("a product added beside {name}")
        }
        6 => {
            // The same SKU in a second file.
            let to = file.with_file_name(format!("ZZ-DUPLICATE-{step}.yaml"));
            std::fs::copy(&file, &to).unwrap();
            format!("a duplicate SKU of {name}")
        }
        7 => toggle_schema(dir),
        8 => toggle_rules(dir),
        9 => remove_an_image(dir, rng),
        _ => {
            std::fs::write(&file, "sku: [unclosed\n").unwrap();
            format!("a syntax error in {name}")
        }
    }
}

/// `pim diff ARGS` with the cache (twice: the run that refreshes it, then one that reads
/// it) and without, in both formats: the same output and exit status.
fn compare(dir: &Path, args: &[&str], what: &str) {
    for format in ["human", "json"] {
        let mut plain_args = vec!["diff", "--format", format, "--no-cache"];
        plain_args.extend_from_slice(args);
        let plain = pim(dir, &plain_args);
        assert!(
            plain.status.code().unwrap() < 2,
            "after {what}: {}",
            stderr(&plain)
        );
        for run in ["first", "second"] {
            let cached = pim(
                dir,
                &plain_args[..3]
                    .iter()
                    .chain(args)
                    .copied()
                    .collect::<Vec<_>>(),
            );
            assert_eq!(
                stdout(&cached),
                stdout(&plain),
                "after {what}, {run} cached `pim diff {args:?} --format {format}` differs"
            );
            assert_eq!(cached.status.code(), plain.status.code(), "after {what}");
            assert_eq!(stderr(&cached), stderr(&plain), "after {what} ({run})");
        }
    }
}

#[test]
fn cached_diffs_print_what_full_diffs_print_through_random_commits() {
    let project = demo_copy();
    let dir = project.path();
    std::fs::write(dir.join(".gitignore"), ".pim/\n").unwrap();
    git(dir, &["init", "-q", "-b", "main"]);
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "catalog"]);
    let mut rng = Lcg(14);
    for step in 0..7 {
        let mut what = Vec::new();
        for _ in 0..=rng.below(2) {
            what.push(edit(dir, &mut rng, step));
        }
        git(dir, &["add", "-A"]);
        git(dir, &["commit", "-q", "-m", &format!("step {step}")]);
        let what = what.join(", ");
        compare(dir, &["HEAD~1", "HEAD"], &what);
        compare(dir, &["HEAD~1"], &what);
        // Uncommitted edits: the working tree differs from both revisions.
        if step % 3 == 1 {
            let dirty = edit(dir, &mut rng, step + 100);
            let what = format!("{what}, then uncommitted: {dirty}");
            compare(dir, &["HEAD~1"], &what);
            compare(dir, &["HEAD~1", "HEAD"], &what);
            git(dir, &["add", "-A"]);
            git(dir, &["commit", "-q", "-m", &format!("step {step}, more")]);
        }
    }
    // The cache was used: it exists after the cached runs.
    assert!(dir.join(".pim/cache").is_dir());
}

//! Hostile input, round 2 (issue 15): symlinks that leak, alias amplification, huge lists,
//! numbers beyond exact arithmetic, partial exports, signals, odd configs and hostile git
//! content. Each test failed before its fix.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// An active tent of the `ok` fixture that every channel exports.
fn tent(sku: &str, extra: &str) -> String {
    format!(
        "sku: {sku}\nfamily: tent\nstatus: active\nname: {{en-US: Tent {sku}, de-DE: Zelt, fr-FR: Tente}}\ndescription: {{en-US: A tent., de-DE: Ein Zelt.}}\nprice: {{USD: \"10.00\", EUR: \"9.00\"}}\ncategories: [tents]\ncapacity: 2\n{extra}"
    )
}

fn add(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Appends to the project's pim.toml.
fn configure(dir: &Path, text: &str) {
    let path = dir.join("pim.toml");
    let mut config = std::fs::read_to_string(&path).unwrap();
    config.push_str(text);
    std::fs::write(path, config).unwrap();
}

/// Replaces text in the project's pim.toml.
fn reconfigure(dir: &Path, from: &str, to: &str) {
    let path = dir.join("pim.toml");
    let config = std::fs::read_to_string(&path).unwrap();
    assert!(config.contains(from), "{from}");
    std::fs::write(path, config.replacen(from, to, 1)).unwrap();
}

/// Runs pim with a time limit (the test fails, the child is killed, past `limit`).
fn bounded(dir: &Path, args: &[&str], envs: &[(&str, &str)], limit: Duration) -> Output {
    bounded_cpu(dir, args, envs, limit).0
}

/// [`bounded`], with the CPU seconds the child used (sampled from /proc while it runs, so
/// other tests running at the same time do not count).
fn bounded_cpu(dir: &Path, args: &[&str], envs: &[(&str, &str)], limit: Duration) -> (Output, f64) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pim"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .envs(envs.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Drain both pipes while it runs: a full pipe would stall it.
    let drain = |mut pipe: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            pipe.read_to_end(&mut bytes).unwrap();
            bytes
        })
    };
    let out = drain(Box::new(child.stdout.take().unwrap()));
    let err = drain(Box::new(child.stderr.take().unwrap()));
    let start = Instant::now();
    let stat = format!("/proc/{}/stat", child.id());
    let mut ticks = 0u64;
    let status = loop {
        // utime and stime, fields 14 and 15, after the command name in parentheses.
        if let Ok(text) = std::fs::read_to_string(&stat)
            && let Some((_, rest)) = text.rsplit_once(')')
        {
            let fields: Vec<u64> = rest
                .split_whitespace()
                .skip(11)
                .take(2)
                .filter_map(|f| f.parse().ok())
                .collect();
            ticks = ticks.max(fields.iter().sum());
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > limit {
            child.kill().unwrap();
            let _ = child.wait();
            panic!("pim {args:?} ran more than {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let output = Output {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    };
    // The kernel counts in clock ticks of 1/100 s (USER_HZ).
    (output, ticks as f64 / 100.0)
}

fn code(output: &Output) -> i32 {
    output.status.code().unwrap_or(-1)
}

fn all_text(output: &Output) -> String {
    format!("{}{}", stdout(output), stderr(output))
}

/// The feeds under `dist/`, by path, as bytes.
fn feeds(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let dist = dir.join("dist");
    let mut out: Vec<(String, Vec<u8>)> = walkdir::WalkDir::new(&dist)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path()
                    .strip_prefix(&dist)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

// ---- 1. a skipped file is never opened ------------------------------------------------

#[test]
fn a_symlink_out_of_the_project_never_shows_its_target() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        outside.path().join("secret.env"),
        "API_TOKEN=hunter2-secret\n",
    )
    .unwrap();
    let dir = project(None);
    add(dir.path(), "catalog/A-1.yaml", &tent("A-1", ""));
    symlink(
        outside.path().join("secret.env"),
        dir.path().join("catalog/b.yaml"),
    )
    .unwrap();
    symlink("/proc/self/environ", dir.path().join("catalog/c.yaml")).unwrap();
    let envs = [("PIM_TEST_TOKEN", "hunter3-secret")];
    for args in [
        &["validate"][..],
        &["validate", "--format", "json"],
        &["validate", "--format", "github"],
        &["export", "--all"],
    ] {
        let output = bounded(dir.path(), args, &envs, Duration::from_secs(20));
        let text = all_text(&output);
        assert!(!text.contains("hunter2"), "{args:?}: {text}");
        assert!(!text.contains("hunter3"), "{args:?}: {text}");
        assert!(text.contains("catalog/b.yaml"), "{args:?}: {text}");
    }
}

#[test]
fn a_link_to_proc_kmsg_does_not_hang() {
    if !Path::new("/proc/kmsg").exists() {
        eprintln!("no /proc/kmsg here");
        return;
    }
    let dir = project(None);
    symlink("/proc/kmsg", dir.path().join("catalog/k.yaml")).unwrap();
    let output = bounded(dir.path(), &["validate"], &[], Duration::from_secs(20));
    assert_eq!(code(&output), 0, "{}", all_text(&output));
    assert!(stdout(&output).contains("warning[skipped-file]"));
}

// ---- 2. alias amplification -----------------------------------------------------------

/// One anchored string of `size` bytes and `aliases` aliases of it in a list.
fn amplified(size: usize, aliases: usize) -> String {
    let mut text = format!(
        "{}images: [&big \"{}\"",
        tent("AMP-1", ""),
        "x".repeat(size)
    );
    for _ in 0..aliases {
        text.push_str(", *big");
    }
    text.push_str("]\n");
    text
}

#[test]
fn expanded_aliases_count_against_a_budget() {
    // 100 KB and 99 aliases: 10 MB once expanded, far beyond 2 × max_file_size (1 MB).
    let dir = project(None);
    configure(dir.path(), "\n[limits]\nmax_file_size = \"512KB\"\n");
    add(dir.path(), "catalog/AMP-1.yaml", &amplified(100_000, 99));
    let output = bounded(
        dir.path(),
        &["validate", "--format", "json"],
        &[],
        Duration::from_secs(20),
    );
    assert_eq!(code(&output), 1);
    assert!(
        output.stdout.len() < 20_000,
        "{} bytes",
        output.stdout.len()
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let lines = diagnostic_lines(&report);
    assert_eq!(
        lines,
        vec!["error limit-exceeded catalog/AMP-1.yaml:9:100073 -"],
        "{report}"
    );
    let message = report["diagnostics"][0]["message"].as_str().unwrap();
    assert!(message.contains("max_expanded_size"), "{message}");
    // The same file within an explicit budget is read, and its error does not repeat the
    // 100 KB value a hundred times.
    configure(dir.path(), "max_expanded_size = \"20MB\"\n");
    let schema = dir.path().join("schemas/families/tent.schema.json");
    let s = std::fs::read_to_string(&schema).unwrap().replace(
        "\"capacity\": {",
        "\"images\": {\"type\": \"array\", \"uniqueItems\": true},\n    \"capacity\": {",
    );
    std::fs::write(&schema, s).unwrap();
    let output = bounded(
        dir.path(),
        &["validate", "--format", "json"],
        &[],
        Duration::from_secs(60),
    );
    assert_eq!(code(&output), 1);
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        diagnostic_lines(&report),
        vec!["error schema-uniqueItems catalog/AMP-1.yaml:9:9 /images"]
    );
    assert!(
        output.stdout.len() < 20_000,
        "{} bytes",
        output.stdout.len()
    );
}

#[test]
fn messages_cut_long_values_to_200_characters() {
    let dir = project(None);
    let long = "4".repeat(5000);
    add(
        dir.path(),
        "catalog/LONG-1.yaml",
        &tent(
            "LONG-1",
            &format!(
                "gtin: \"{long}\"\nweight: {{value: \"1\", unit: \"{}\"}}\n",
                "u".repeat(5000)
            ),
        ),
    );
    let (code, report) = validate_json(dir.path(), &[]);
    assert_eq!(code, 1);
    let diagnostics = report["diagnostics"].as_array().unwrap();
    assert!(diagnostics.len() >= 2, "{report}");
    for d in diagnostics {
        let message = d["message"].as_str().unwrap();
        assert!(message.chars().count() < 400, "{message}");
        assert!(message.contains('…'), "{message}");
    }
    let first = diagnostics[0]["message"].as_str().unwrap();
    assert!(first.contains(&format!("{}…", "4".repeat(200))), "{first}");
    assert!(!first.contains(&"4".repeat(201)), "{first}");
}

// ---- 3. diagnostics positions are linear ----------------------------------------------

#[test]
fn a_hundred_thousand_wrong_elements_take_seconds() {
    let dir = project(None);
    let mut text = tent("MANY-1", "images: [");
    text.push_str(&vec!["1"; 100_000].join(", "));
    text.push_str("]\nextra:\n");
    for i in 0..50_000 {
        text.push_str(&format!("  k{i}: 1\n"));
    }
    add(dir.path(), "catalog/MANY-1.yaml", &text);
    // `images` is not in the tent schema: give it a type so every element is wrong.
    let schema = dir.path().join("schemas/families/tent.schema.json");
    let s = std::fs::read_to_string(&schema).unwrap().replace(
        "\"capacity\": {",
        "\"images\": {\"type\": \"array\", \"items\": {\"type\": \"string\"}},\n    \"extra\": {\"type\": \"object\", \"additionalProperties\": {\"type\": \"string\"}},\n    \"capacity\": {",
    );
    std::fs::write(&schema, s).unwrap();
    for format in ["json", "human"] {
        let (output, seconds) = bounded_cpu(
            dir.path(),
            &["validate", "--format", format],
            &[("RAYON_NUM_THREADS", "1")],
            Duration::from_secs(120),
        );
        assert_eq!(code(&output), 1, "{}", stderr(&output));
        eprintln!("{format}: {seconds} s of CPU");
        assert!(seconds < 10.0, "{format}: {seconds} s of CPU");
        if format == "json" {
            let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
            assert_eq!(report["summary"]["errors"], 150_000);
            let last = &report["diagnostics"][149_999];
            assert_eq!(last["line"], 50_010, "{last}");
            assert_eq!(last["column"], 11);
        }
    }
}

// ---- 4. unit conversion is exact, or a diagnostic -------------------------------------

#[test]
fn a_weight_with_28_decimals_converts_exactly() {
    let dir = project(None);
    configure(
        dir.path(),
        "\n[channels.grams]\ntemplate = \"marketplace.csv.j2\"\noutput = \"grams.csv\"\nunits = { weight = \"g\" }\n",
    );
    add(
        dir.path(),
        "catalog/W-1.yaml",
        &tent(
            "W-1",
            "weight: {value: \"1.1234567890123456789012345678\", unit: kg}\n",
        ),
    );
    add(
        dir.path(),
        "catalog/W-2.yaml",
        &tent("W-2", "weight: {value: \"533\", unit: g}\n"),
    );
    let output = pim(dir.path(), &["export", "--channel", "grams"]);
    assert_eq!(code(&output), 0, "{}", all_text(&output));
    let feed = std::fs::read_to_string(dir.path().join("dist/grams.csv")).unwrap();
    assert!(
        feed.contains(",1123.4567890123456789012345678000 g,"),
        "{feed}"
    );
    reconfigure(
        dir.path(),
        "units = { weight = \"g\" }",
        "units = { weight = \"kg\" }",
    );
    let output = pim(dir.path(), &["export", "--channel", "grams"]);
    assert_eq!(code(&output), 0, "{}", all_text(&output));
    let feed = std::fs::read_to_string(dir.path().join("dist/grams.csv")).unwrap();
    assert!(feed.contains(",0.533 kg,"), "{feed}");
}

#[test]
fn a_weight_beyond_exact_arithmetic_is_an_error_not_a_crash() {
    let dir = project(None);
    configure(
        dir.path(),
        "\n[channels.grams]\ntemplate = \"marketplace.csv.j2\"\noutput = \"grams.csv\"\nunits = { weight = \"g\" }\n",
    );
    add(dir.path(), "catalog/OK-1.yaml", &tent("OK-1", ""));
    let huge = format!("1{}.5", "0".repeat(40));
    add(
        dir.path(),
        "catalog/W-3.yaml",
        &tent("W-3", &format!("weight: {{value: \"{huge}\", unit: kg}}\n")),
    );
    let (exit, report) = validate_json(dir.path(), &[]);
    assert_eq!(exit, 1, "{report}");
    assert_eq!(
        diagnostic_lines(&report),
        vec!["error number-out-of-range catalog/W-3.yaml:9:17 /weight/value"]
    );
    let message = report["diagnostics"][0]["message"].as_str().unwrap();
    assert!(message.contains("`grams`"), "{message}");
    let output = pim(
        dir.path(),
        &["validate", "--explain", "number-out-of-range"],
    );
    assert!(stdout(&output).contains("unit"), "{}", stdout(&output));
    // The export refuses, or leaves the item out: never a crash, never kilograms as grams.
    let output = pim(dir.path(), &["export", "--channel", "grams"]);
    assert_eq!(code(&output), 1, "{}", all_text(&output));
    assert!(!dir.path().join("dist/grams.csv").exists());
    let output = pim(
        dir.path(),
        &["export", "--channel", "grams", "--skip-invalid"],
    );
    assert_eq!(code(&output), 0, "{}", all_text(&output));
    let feed = std::fs::read_to_string(dir.path().join("dist/grams.csv")).unwrap();
    assert!(feed.contains("OK-1") && !feed.contains("W-3"), "{feed}");
    assert!(message.contains("`marketplace` (to lb)"), "{message}");
    // A number no channel converts is fine.
    reconfigure(
        dir.path(),
        "units = { weight = \"g\" }",
        "units = { weight = \"kg\" }",
    );
    reconfigure(dir.path(), "units = { weight = \"lb\" }", "units = {}");
    let (exit, report) = validate_json(dir.path(), &[]);
    assert_eq!(exit, 0, "{report}");
}

// ---- 5, 11, 12, 13: all-or-nothing writes ----------------------------------------------

#[test]
fn one_channel_in_the_way_leaves_every_feed_as_it_was() {
    let dir = project(None);
    add(dir.path(), "catalog/A-1.yaml", &tent("A-1", ""));
    let output = pim(dir.path(), &["export", "--all"]);
    assert_eq!(code(&output), 0, "{}", all_text(&output));
    let before = feeds(dir.path());
    assert!(before.len() >= 5);
    add(dir.path(), "catalog/A-2.yaml", &tent("A-2", ""));
    // `shop/index.html` is staged after api, feed, lines and marketplace (name order).
    std::fs::remove_dir_all(dir.path().join("dist/shop")).unwrap();
    std::fs::write(dir.path().join("dist/shop"), "not a folder").unwrap();
    let output = pim(dir.path(), &["export", "--all"]);
    assert_eq!(code(&output), 2, "{}", all_text(&output));
    assert!(stderr(&output).contains("dist/shop"), "{}", stderr(&output));
    let after = feeds(dir.path());
    let unchanged: Vec<_> = before
        .iter()
        .filter(|(p, _)| !p.starts_with("shop"))
        .collect();
    let now: Vec<_> = after.iter().filter(|(p, _)| p != "shop").collect();
    assert_eq!(unchanged, now, "no feed was replaced");
    // A folder where a feed should be.
    std::fs::remove_file(dir.path().join("dist/shop")).unwrap();
    std::fs::create_dir_all(dir.path().join("dist/shop/index.html/x")).unwrap();
    let output = pim(dir.path(), &["export", "--all"]);
    assert_eq!(code(&output), 2, "{}", all_text(&output));
    assert!(
        stderr(&output).contains("dist/shop/index.html"),
        "{}",
        stderr(&output)
    );
    let now: Vec<_> = feeds(dir.path())
        .into_iter()
        .filter(|(p, _)| !p.starts_with("shop"))
        .collect();
    assert_eq!(unchanged, now.iter().collect::<Vec<_>>());
    assert_eq!(temp_files(&dir.path().join("dist")), Vec::<String>::new());
}

#[test]
fn a_fifo_at_an_output_path_or_as_a_template_does_not_hang() {
    let dir = project(None);
    add(dir.path(), "catalog/A-1.yaml", &tent("A-1", ""));
    std::fs::create_dir_all(dir.path().join("dist")).unwrap();
    let fifo = dir.path().join("dist/marketplace.csv");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let output = bounded(
        dir.path(),
        &["export", "--all"],
        &[],
        Duration::from_secs(20),
    );
    assert_eq!(code(&output), 2, "{}", all_text(&output));
    assert!(
        stderr(&output).contains("dist/marketplace.csv"),
        "{}",
        stderr(&output)
    );
    std::fs::remove_file(&fifo).unwrap();
    assert!(
        Command::new("mkfifo")
            .arg(dir.path().join("templates/parts/item.xml.j2.fifo"))
            .status()
            .unwrap()
            .success()
    );
    let template = dir.path().join("templates/feed.xml.j2");
    let text = std::fs::read_to_string(&template)
        .unwrap()
        .replace("parts/item.xml.j2", "parts/item.xml.j2.fifo");
    std::fs::write(&template, text).unwrap();
    let output = bounded(
        dir.path(),
        &["export", "--channel", "feed"],
        &[],
        Duration::from_secs(20),
    );
    assert_eq!(code(&output), 2, "{}", all_text(&output));
    assert!(
        stderr(&output).contains("item.xml.j2.fifo"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn no_folder_is_created_outside_the_output_folder() {
    let outside = tempfile::tempdir().unwrap();
    let dir = project(None);
    add(dir.path(), "catalog/A-1.yaml", &tent("A-1", ""));
    std::fs::create_dir_all(dir.path().join("dist")).unwrap();
    symlink(outside.path(), dir.path().join("dist/link")).unwrap();
    reconfigure(
        dir.path(),
        "output = \"marketplace.csv\"",
        "output = \"link/new/dir/m.csv\"",
    );
    let output = pim(dir.path(), &["export", "--channel", "marketplace"]);
    assert_eq!(code(&output), 2, "{}", all_text(&output));
    assert!(
        stderr(&output).contains("leads out of the output folder"),
        "{}",
        stderr(&output)
    );
    assert!(!outside.path().join("new").exists(), "a folder was created");
}

#[test]
fn stale_temporary_files_are_removed_by_the_next_export() {
    let dir = project(None);
    add(dir.path(), "catalog/A-1.yaml", &tent("A-1", ""));
    std::fs::create_dir_all(dir.path().join("dist/shop")).unwrap();
    for stale in ["dist/.pim-AbC123.tmp", "dist/shop/.pim-x9Y8z7.tmp"] {
        std::fs::write(dir.path().join(stale), "x".repeat(1000)).unwrap();
    }
    // Not pim's naming: kept.
    std::fs::write(dir.path().join("dist/.pim-notes.txt"), "mine").unwrap();
    let output = pim(dir.path(), &["export", "--all"]);
    assert_eq!(code(&output), 0, "{}", all_text(&output));
    assert_eq!(
        temp_files(&dir.path().join("dist")),
        vec![".pim-notes.txt".to_owned()]
    );
}

/// A project with `count` products of a few KB each, so an export takes a while.

#[test]
fn sigterm_removes_temporary_files_like_ctrl_c() {
    let dir = big_project(3000);
    let first = pim(dir.path(), &["export", "--all"]);
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    let old = feeds(dir.path());
    for i in 0..3000 {
        let path = dir.path().join(format!("catalog/S-{i:05}.yaml"));
        let text = std::fs::read_to_string(&path)
            .unwrap()
            .replace("\"19.00\"", "\"21.00\"");
        std::fs::write(path, text).unwrap();
    }
    // Signal it once it writes (a temporary file appears).
    let mut child = signal_while_writing(dir.path(), "TERM");
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert_eq!(feeds(dir.path()), old, "every feed is the old one");
    assert_eq!(temp_files(&dir.path().join("dist")), Vec::<String>::new());
}

// ---- 6. a catalog that leads out ------------------------------------------------------

#[test]
fn a_catalog_folder_symlinked_out_of_the_project_is_exit_2() {
    let outside = tempfile::tempdir().unwrap();
    let dir = project(None);
    std::fs::remove_dir(dir.path().join("catalog")).unwrap();
    symlink(outside.path(), dir.path().join("catalog")).unwrap();
    for args in [&["validate"][..], &["export", "--all"]] {
        let output = pim(dir.path(), args);
        assert_eq!(code(&output), 2, "{args:?}: {}", all_text(&output));
        assert!(
            stderr(&output).contains("leads out of the project"),
            "{}",
            stderr(&output)
        );
    }
    assert!(!dir.path().join("dist").exists());
}

#[test]
fn export_prints_warnings_like_validate() {
    let dir = project(None);
    add(dir.path(), "catalog/A-1.yaml", &tent("A-1", ""));
    symlink("missing.yaml", dir.path().join("catalog/dangling.yaml")).unwrap();
    let output = pim(dir.path(), &["export", "--all"]);
    assert_eq!(code(&output), 0, "{}", all_text(&output));
    assert!(
        stdout(&output).contains("warning[skipped-file]"),
        "{}",
        stdout(&output)
    );
    assert!(stdout(&output).contains("catalog/dangling.yaml"));
    let output = pim(dir.path(), &["export", "--all", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["diagnostics"][0]["rule"], "skipped-file", "{report}");
}

// ---- 7. XML character rules -----------------------------------------------------------

#[test]
fn control_characters_never_reach_an_xml_feed() {
    for bad in ["\\u0001", "\\0", "\\x0B", "\\uFFFE"] {
        let dir = project(None);
        add(
            dir.path(),
            "catalog/A-1.yaml",
            &tent("A-1", "").replace("Tente}", &format!("\"Tente{bad}x\"}}")),
        );
        let output = pim(dir.path(), &["export", "--channel", "feed"]);
        let feed = dir.path().join("dist/feed.xml");
        assert!(
            !feed.exists(),
            "{bad}: {}",
            std::fs::read_to_string(&feed).unwrap()
        );
        // Exit 1 once validate refuses control characters (`control-character`); U+FFFE
        // only XML's rules catch.
        assert_ne!(code(&output), 0, "{bad}: {}", all_text(&output));
        if code(&output) == 2 || bad == "\\uFFFE" {
            assert_eq!(code(&output), 2, "{bad}: {}", all_text(&output));
            assert!(
                stderr(&output).contains("not allowed in XML"),
                "{}",
                stderr(&output)
            );
        }
    }
}

// ---- 8. modes -------------------------------------------------------------------------

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

#[test]
fn feeds_get_the_umask_mode_or_keep_the_old_one() {
    let dir = project(None);
    add(dir.path(), "catalog/A-1.yaml", &tent("A-1", ""));
    let run = |umask: &str| {
        Command::new("sh")
            .arg("-c")
            .arg(format!("umask {umask} && exec \"$0\" export --all",))
            .arg(env!("CARGO_BIN_EXE_pim"))
            .current_dir(dir.path())
            .output()
            .unwrap()
    };
    let output = run("022");
    assert_eq!(code(&output), 0, "{}", all_text(&output));
    assert_eq!(mode(&dir.path().join("dist/marketplace.csv")), 0o644);
    assert_eq!(mode(&dir.path().join("dist/shop/index.html")), 0o644);
    // A replaced file keeps its mode; a new one follows the umask.
    std::fs::set_permissions(
        dir.path().join("dist/shop/index.html"),
        std::fs::Permissions::from_mode(0o664),
    )
    .unwrap();
    std::fs::remove_file(dir.path().join("dist/marketplace.csv")).unwrap();
    add(dir.path(), "catalog/A-2.yaml", &tent("A-2", ""));
    let output = run("027");
    assert_eq!(code(&output), 0, "{}", all_text(&output));
    assert_eq!(mode(&dir.path().join("dist/shop/index.html")), 0o664);
    assert_eq!(mode(&dir.path().join("dist/marketplace.csv")), 0o640);
}

// ---- 10. formula injection ------------------------------------------------------------

#[test]
fn formulas_are_guarded_or_warned_about() {
    let dir = project(None);
    configure(
        dir.path(),
        "\n[channels.sheet]\ntemplate = \"marketplace.csv.j2\"\noutput = \"sheet.tsv\"\nformat = \"tsv\"\n\n[channels.raw]\ntemplate = \"marketplace.csv.j2\"\noutput = \"raw.csv\"\nformula_guard = false\n",
    );
    add(
        dir.path(),
        "catalog/F-1.yaml",
        &tent("F-1", "")
            .replace("Tent F-1,", "\"\\n=HYPERLINK(1)\",")
            .replace("A tent.,", "\"＝SUM(1)\","),
    );
    // In a `channels` block, a value reaches that channel only.
    add(
        dir.path(),
        "catalog/F-2.yaml",
        &tent(
            "F-2",
            "channels:\n  marketplace: {name: {en-US: \"=guarded\"}}\n  raw: {name: {en-US: \"@raw\"}}\n",
        ),
    );
    let (exit, report) = validate_json(dir.path(), &[]);
    assert_eq!(exit, 0, "{report}");
    let message = report["diagnostics"][2]["message"].as_str().unwrap();
    assert!(
        message.ends_with("channels raw write it without `formula_guard`"),
        "{message}"
    );
    assert_eq!(
        diagnostic_lines(&report),
        vec![
            "warning spreadsheet-formula catalog/F-1.yaml:4:15 /name/en-US",
            "warning spreadsheet-formula catalog/F-1.yaml:5:22 /description/en-US",
            "warning spreadsheet-formula catalog/F-2.yaml:11:23 /channels/raw/name/en-US",
        ]
    );
    let message = report["diagnostics"][0]["message"].as_str().unwrap();
    assert!(message.contains("raw, sheet"), "{message}");
    let output = pim(dir.path(), &["export", "--channel", "marketplace"]);
    assert_eq!(code(&output), 0, "{}", all_text(&output));
    let feed = std::fs::read_to_string(dir.path().join("dist/marketplace.csv")).unwrap();
    assert!(feed.contains("\"'\n=HYPERLINK(1)\""), "{feed}");
    assert!(feed.contains(",'＝SUM(1),"), "{feed}");
}

// ---- 14. undefined values passed to filters -------------------------------------------

#[test]
fn an_undefined_value_passed_to_tojson_is_a_template_error() {
    let dir = project(None);
    add(dir.path(), "catalog/A-1.yaml", &tent("A-1", ""));
    add(
        dir.path(),
        "templates/typo.json.j2",
        "[{% for p in products %}{{ p.descripton|tojson }}{% endfor %}]",
    );
    configure(
        dir.path(),
        "\n[channels.typo]\ntemplate = \"typo.json.j2\"\noutput = \"typo.json\"\n",
    );
    let output = pim(dir.path(), &["export", "--channel", "typo"]);
    assert_eq!(code(&output), 2, "{}", all_text(&output));
    assert!(
        stderr(&output).contains("typo.json.j2 line 1"),
        "{}",
        stderr(&output)
    );
    assert!(!dir.path().join("dist/typo.json").exists());
}

// ---- 15. control characters in the human format ---------------------------------------

#[test]
fn the_human_format_shows_control_characters_visibly() {
    let dir = project(None);
    add(
        dir.path(),
        "catalog/ESC-1.yaml",
        &format!(
            "{}gtin: \"123\" # \x1b]0;pwned\x07\x1b[2J\rOK\n",
            tent("ESC-1", "")
        ),
    );
    add(
        dir.path(),
        "catalog/ESC-2.yaml",
        &format!("{}bad: \x1b[31m\n", tent("ESC-2", "")),
    );
    for format in ["human", "github"] {
        let output = pim(dir.path(), &["validate", "--format", format]);
        assert_eq!(code(&output), 1);
        let text = stdout(&output);
        assert!(text.contains("ESC-1.yaml"), "{text}");
        assert!(!text.contains(['\x1b', '\x07', '\r']), "{format}: {text:?}");
    }
    let text = stdout(&pim(dir.path(), &["validate"]));
    assert!(
        text.contains("# \\u{1b}]0;pwned\\u{7}\\u{1b}[2J\\u{d}OK"),
        "{text}"
    );
}

// ---- 16. [project] paths are confined -------------------------------------------------

#[test]
fn project_paths_must_stay_in_the_project() {
    for (key, value) in [
        ("templates", "../../../../"),
        ("catalog", "/etc"),
        ("schemas", "schemas/../../x"),
        ("assets", "/"),
        ("categories", "../categories.yaml"),
        ("output", "../dist"),
    ] {
        let dir = project(None);
        reconfigure(
            dir.path(),
            "[project]\n",
            &format!("[project]\n{key} = \"{value}\"\n"),
        );
        let output = pim(dir.path(), &["validate"]);
        assert_eq!(code(&output), 2, "{key}: {}", all_text(&output));
        let err = stderr(&output);
        assert!(
            err.contains(&format!("[project] {key}")) && err.contains("inside the project"),
            "{key}: {err}"
        );
    }
    let outside = tempfile::tempdir().unwrap();
    let dir = project(None);
    symlink(outside.path(), dir.path().join("elsewhere")).unwrap();
    reconfigure(
        dir.path(),
        "[project]\n",
        "[project]\ntemplates = \"elsewhere\"\n",
    );
    let output = pim(dir.path(), &["validate"]);
    assert_eq!(code(&output), 2, "{}", all_text(&output));
    assert!(
        stderr(&output).contains("[project] templates"),
        "{}",
        stderr(&output)
    );
    // `./catalog` is the catalog folder.
    let dir = project(None);
    add(dir.path(), "catalog/A-1.yaml", &tent("A-1", ""));
    reconfigure(
        dir.path(),
        "[project]\n",
        "[project]\ncatalog = \"./catalog/\"\n",
    );
    let (exit, report) = validate_json(dir.path(), &[]);
    assert_eq!(exit, 0);
    assert_eq!(report["summary"]["products"], 1);
}

// ---- 17. config mistakes --------------------------------------------------------------

#[test]
fn a_non_finite_price_alert_is_refused() {
    let dir = project(None);
    for value in ["inf", "nan", "-inf", "NaN", "-5", "1e40"] {
        let output = pim(dir.path(), &["diff", &format!("--price-alert={value}")]);
        assert_eq!(code(&output), 2, "{value}");
        let err = stderr(&output);
        assert!(
            err.contains("--price-alert") && err.contains("percentage"),
            "{value}: {err}"
        );
    }
}

fn config_error(config: &str, needles: &[&str]) {
    let dir = project(None);
    add(
        dir.path(),
        "catalog/W-1.yaml",
        &tent("W-1", "weight: {value: \"1.5\", unit: kg}\n"),
    );
    configure(dir.path(), config);
    let output = pim(dir.path(), &["validate"]);
    assert_eq!(code(&output), 2, "{}", all_text(&output));
    for needle in needles {
        assert!(
            stderr(&output).contains(needle),
            "{needle}: {}",
            stderr(&output)
        );
    }
}

#[test]
fn two_channels_with_one_output_are_a_config_error() {
    config_error(
        "\n[channels.again]\ntemplate = \"marketplace.csv.j2\"\noutput = \"./marketplace.csv\"\n",
        &["[channels.again]", "output", "marketplace"],
    );
}

#[test]
fn a_unit_of_another_dimension_is_a_config_error() {
    config_error(
        "\n[channels.litres]\ntemplate = \"marketplace.csv.j2\"\noutput = \"l.csv\"\nunits = { weight = \"ml\" }\n",
        &["[channels.litres]", "units", "weight", "ml"],
    );
}

#[test]
fn a_fallback_cycle_is_a_config_error() {
    let dir = project(None);
    reconfigure(
        dir.path(),
        "fallbacks = { \"fr-BE\" = \"fr-FR\" }",
        "fallbacks = { \"fr-BE\" = \"fr-CH\", \"fr-CH\" = \"fr-BE\" }",
    );
    let output = pim(dir.path(), &["validate"]);
    assert_eq!(code(&output), 2, "{}", all_text(&output));
    let err = stderr(&output);
    assert!(
        err.contains("fallbacks") && err.contains("fr-BE") && err.contains("cycle"),
        "{err}"
    );
}

// ---- 9, 18: pim diff ------------------------------------------------------------------

fn repo(config: Option<(&str, &str)>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixtures().join("ok"), dir.path());
    if let Some((from, to)) = config {
        reconfigure(dir.path(), from, to);
    }
    git(dir.path(), &["init", "-q", "-b", "main"]);
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "catalog"]);
    dir
}

fn diff(dir: &Path, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["diff", "--format", "json"];
    all.extend_from_slice(args);
    let output = pim(dir, &all);
    assert_eq!(code(&output), 0, "{}", all_text(&output));
    serde_json::from_slice(&output.stdout).unwrap()
}

fn counts(report: &serde_json::Value) -> [usize; 4] {
    [
        report["added"].as_array().unwrap().len(),
        report["removed"].as_array().unwrap().len(),
        report["changed"].as_array().unwrap().len(),
        report["problems"]["introduced"].as_array().unwrap().len()
            + report["problems"]["fixed"].as_array().unwrap().len(),
    ]
}

#[test]
fn diff_normalises_configured_paths() {
    let dir = repo(Some((
        "[project]\n",
        "[project]\ncatalog = \"./catalog/\"\n",
    )));
    assert_eq!(counts(&diff(dir.path(), &[])), [0, 0, 0, 0]);
    let path = dir.path().join("catalog/tents/TENT-2P.yaml");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("\"249.00\"", "\"562.74\"");
    std::fs::write(&path, text).unwrap();
    let report = diff(dir.path(), &[]);
    assert_eq!(counts(&report), [0, 0, 1, 0], "{report}");
    assert_eq!(report["changed"][0]["fields"][0]["alert"], true, "{report}");
}

#[test]
fn diff_reads_links_like_the_working_tree() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("X-1.yaml"), tent("X-1", "")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixtures().join("ok"), dir.path());
    // A link to a product inside the project, a link to a folder inside it, a link out of it.
    std::fs::create_dir_all(dir.path().join("shared")).unwrap();
    std::fs::write(dir.path().join("shared/L-1.yaml"), tent("L-1", "")).unwrap();
    std::fs::write(dir.path().join("shared/L-2.yaml"), tent("L-2", "")).unwrap();
    symlink(
        "../../shared/L-1.yaml",
        dir.path().join("catalog/tents/L-1.yaml"),
    )
    .unwrap();
    symlink("../shared", dir.path().join("catalog/linked")).unwrap();
    symlink(
        outside.path().join("X-1.yaml"),
        dir.path().join("catalog/X-1.yaml"),
    )
    .unwrap();
    git(dir.path(), &["init", "-q", "-b", "main"]);
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "catalog"]);
    let (_, validated) = validate_json(dir.path(), &[]);
    assert_eq!(validated["summary"]["files"], 6, "{validated}");
    let report = diff(dir.path(), &[]);
    assert_eq!(counts(&report), [0, 0, 0, 0], "{report}");
    let report = diff(dir.path(), &["HEAD", "HEAD"]);
    assert_eq!(counts(&report), [0, 0, 0, 0], "{report}");
    // An edit through the link shows on the product.
    let path = dir.path().join("shared/L-2.yaml");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("10.00", "11.00");
    std::fs::write(&path, text).unwrap();
    let report = diff(dir.path(), &[]);
    assert_eq!(counts(&report), [0, 0, 1, 0], "{report}");
    assert_eq!(report["changed"][0]["sku"], "L-2");
}

#[test]
fn diff_skips_submodules_on_both_sides() {
    let sub = tempfile::tempdir().unwrap();
    std::fs::write(sub.path().join("S-1.yaml"), tent("S-1", "")).unwrap();
    git(sub.path(), &["init", "-q", "-b", "main"]);
    git(sub.path(), &["add", "-A"]);
    git(sub.path(), &["commit", "-q", "-m", "sub"]);
    let dir = repo(None);
    git(
        dir.path(),
        &[
            "submodule",
            "add",
            "-q",
            sub.path().to_str().unwrap(),
            "catalog/vendor",
        ],
    );
    git(dir.path(), &["commit", "-q", "-m", "vendor"]);
    let (_, validated) = validate_json(dir.path(), &[]);
    let lines = diagnostic_lines(&validated);
    assert!(
        lines.contains(&"warning skipped-file catalog/vendor:1:1 -".to_owned()),
        "{lines:?}"
    );
    let report = diff(dir.path(), &[]);
    assert_eq!(counts(&report), [0, 0, 0, 0], "{report}");
    let report = diff(dir.path(), &["HEAD~1"]);
    assert_eq!(counts(&report)[..3], [0, 0, 0], "{report}");
}

#[test]
fn diff_markdown_neutralises_mentions() {
    let dir = repo(None);
    let path = dir.path().join("catalog/tents/TENT-2P.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text.replacen("en-US: ", "en-US: \"@octocat and @github/security\" #", 1);
    std::fs::write(&path, text).unwrap();
    let output = pim(dir.path(), &["diff", "--format", "markdown"]);
    assert_eq!(code(&output), 0, "{}", all_text(&output));
    let text = stdout(&output);
    assert!(text.contains("octocat"), "{text}");
    assert!(!text.contains("@octocat"), "{text}");
    assert!(!text.contains("@github"), "{text}");
}

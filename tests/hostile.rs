//! Hostile input: whatever a pull request puts in the catalog, pim ends in seconds with
//! bounded memory, on one thread and on many, says which file, and exits as SPEC §3 says.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The outcome of one bounded run.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    seconds: f64,
    peak_kb: u64,
}

/// Runs pim with a time limit, sampling its peak memory (VmHWM) while it runs.
fn run_bounded(dir: &Path, args: &[&str], threads: &str) -> Run {
    let start = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_pim"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("RAYON_NUM_THREADS", threads)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak_kb = 0;
    let out = std::thread::spawn({
        let mut stdout = child.stdout.take().unwrap();
        move || {
            let mut s = String::new();
            std::io::Read::read_to_string(&mut stdout, &mut s).unwrap();
            s
        }
    });
    let err = std::thread::spawn({
        let mut stderr = child.stderr.take().unwrap();
        move || {
            let mut s = String::new();
            std::io::Read::read_to_string(&mut stderr, &mut s).unwrap();
            s
        }
    });
    let code = loop {
        if let Ok(status) = std::fs::read_to_string(&status_path)
            && let Some(line) = status.lines().find(|l| l.starts_with("VmHWM:"))
        {
            let kb: u64 = line
                .split_whitespace()
                .nth(1)
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            peak_kb = peak_kb.max(kb);
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status.code();
        }
        if start.elapsed() > Duration::from_secs(60) {
            child.kill().unwrap();
            panic!("pim {args:?} ran more than 60 s");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Run {
        code,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
        seconds: start.elapsed().as_secs_f64(),
        peak_kb,
    }
}

/// A project whose catalog holds one file with these bytes.
fn project_with(name: &str, bytes: &[u8]) -> tempfile::TempDir {
    let dir = project(None);
    std::fs::write(dir.path().join("catalog").join(name), bytes).unwrap();
    dir
}

/// `pim validate --format json` on one thread and on many: the exit code, the rules found
/// for `file`, and the bounds.
fn check(dir: &Path, file: &str, code: i32, rules: &[&str]) {
    for threads in ["1", "4"] {
        let run = run_bounded(dir, &["validate", "--format", "json"], threads);
        assert_eq!(
            run.code,
            Some(code),
            "threads={threads}: {}{}",
            run.stdout,
            run.stderr
        );
        let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        let found: Vec<&str> = report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["file"] == file)
            .map(|d| d["rule"].as_str().unwrap())
            .collect();
        assert_eq!(found, rules, "threads={threads}");
        assert!(run.seconds < 20.0, "{file}: {} s", run.seconds);
        assert!(run.peak_kb < 1_000_000, "{file}: {} KB", run.peak_kb);
    }
}

#[test]
fn an_alias_bomb_stops_at_the_limit() {
    let mut text =
        String::from("sku: BOMB\na0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..12 {
        let prev = format!("*a{}", i - 1);
        text.push_str(&format!(
            "a{i}: &a{i} [{}]\n",
            [prev.as_str(); 10].join(", ")
        ));
    }
    let dir = project_with("BOMB.yaml", text.as_bytes());
    check(dir.path(), "catalog/BOMB.yaml", 1, &["limit-exceeded"]);
}

#[test]
fn deep_flow_and_block_nesting_stop_at_the_limit() {
    let flow = format!(
        "sku: DEEP\nx: {}{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let dir = project_with("DEEP.yaml", flow.as_bytes());
    check(dir.path(), "catalog/DEEP.yaml", 1, &["limit-exceeded"]);
    let block: String = (0..3000)
        .map(|i| format!("{}k{i}:\n", " ".repeat(i * 2)))
        .collect();
    let dir = project_with("BLOCK.yaml", format!("sku: BLOCK\n{block}").as_bytes());
    check(dir.path(), "catalog/BLOCK.yaml", 1, &["limit-exceeded"]);
}

#[test]
fn a_60_mb_file_is_refused_without_reading_it_all() {
    let mut text = String::from("sku: HUGE\ndescription:\n  en-US: \"");
    text.push_str(&"x".repeat(60 * 1024 * 1024));
    text.push_str("\"\n");
    let dir = project_with("HUGE.yaml", text.as_bytes());
    check(dir.path(), "catalog/HUGE.yaml", 1, &["file-too-large"]);
}

#[test]
fn random_bytes_with_nuls() {
    // A fixed pseudo-random sequence (xorshift), with NULs and invalid UTF-8.
    let mut state: u32 = 0x9E37_79B9;
    let bytes: Vec<u8> = (0..4096)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            (state & 0xff) as u8
        })
        .collect();
    assert!(bytes.contains(&0));
    let dir = project_with("NOISE.yaml", &bytes);
    check(dir.path(), "catalog/NOISE.yaml", 1, &["not-utf8"]);
    // Valid UTF-8 with a NUL is refused by the YAML parser.
    let dir = project_with("NUL.yaml", b"sku: NUL\nname: {en-US: \"a\0b\"}\x00\n");
    check(dir.path(), "catalog/NUL.yaml", 1, &["yaml-syntax"]);
}

#[test]
fn malformed_documents() {
    for (name, text, rule) in [
        (
            "TWO.yaml",
            "sku: TWO\n---\nsku: THREE\n",
            "multiple-documents",
        ),
        ("TAB.yaml", "sku: TAB\nname:\n\ten-US: Tab\n", "yaml-syntax"),
        ("LIST.yaml", "- sku: LIST\n", "not-a-mapping"),
        (
            "BIG.yaml",
            "sku: BIG\nserial: 12345678901234567890123\n",
            "number-out-of-range",
        ),
        (
            "TAG.yaml",
            "sku: TAG\nnote: !!python/object:os.system [\"rm -rf /\"]\n",
            "unsupported-tag",
        ),
    ] {
        let dir = project_with(name, text.as_bytes());
        let (code, report) = validate_json(dir.path(), &[]);
        assert_eq!(code, 1, "{name}");
        let file = format!("catalog/{name}");
        let found = report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["rule"] == rule && d["file"] == file.as_str());
        assert!(found, "{name}: {report}");
    }
}

#[test]
fn a_bom_with_crlf_and_odd_file_names_are_fine() {
    let product = "\u{feff}sku: A-1\r\nfamily: apparel\r\nname: {en-US: Shirt}\r\nprice: {USD: \"9.00\"}\r\ncategories: [jackets]\r\n";
    let dir = project(None);
    for name in [
        "A-1.yaml",
        "with space.yaml",
        "accénts ü.yaml",
        "quote'\"s.yaml",
        "hash #1.yml",
    ] {
        std::fs::write(
            dir.path().join("catalog").join(name),
            product.replace("A-1", &format!("A-{}", name.len())),
        )
        .unwrap();
    }
    let (code, report) = validate_json(dir.path(), &[]);
    let rules: Vec<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["rule"].as_str().unwrap())
        .collect();
    assert!(
        rules.iter().all(|r| *r == "file-name-mismatch"),
        "{rules:?}"
    );
    assert_eq!(code, 0);
    assert_eq!(report["summary"]["products"], 5);
}

#[cfg(unix)]
#[test]
fn an_unreadable_file_is_an_io_error() {
    use std::os::unix::fs::PermissionsExt;
    let dir = project_with("LOCKED.yaml", b"sku: LOCKED\n");
    let path = dir.path().join("catalog/LOCKED.yaml");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    // As root, pim runs as `nobody`: the mode applies to it.
    let output = pim_unprivileged(dir.path(), &["validate", "--format", "json"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        diagnostic_lines(&report),
        vec!["error io-error catalog/LOCKED.yaml:1:1 -"]
    );
    assert!(
        report["diagnostics"][0]["message"]
            .as_str()
            .unwrap()
            .contains("ermission denied"),
        "{report}"
    );
}

#[test]
fn an_output_folder_that_cannot_be_written_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixtures().join("ok"), dir.path());
    std::fs::write(dir.path().join("not-a-folder"), "x").unwrap();
    let run = run_bounded(
        dir.path(),
        &["export", "--all", "--out", "not-a-folder/feeds"],
        "2",
    );
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("not-a-folder/feeds"), "{}", run.stderr);
}

/// A project with `count` products of a few KB each, so an export takes a while.
#[cfg(unix)]
#[test]
fn ctrl_c_removes_temporary_files_and_exits_130() {
    let dir = big_project(3000);
    let first = pim(dir.path(), &["export", "--all"]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let feed = std::fs::read(dir.path().join("dist/marketplace.csv")).unwrap();
    let first_product = dir.path().join("catalog/S-00000.yaml");
    let text = std::fs::read_to_string(&first_product)
        .unwrap()
        .replace("Shirt 0}", "Shirt zero}");
    std::fs::write(first_product, text).unwrap();
    // Interrupt it once it writes (a temporary file appears): it must not have finished.
    let child = signal_while_writing(dir.path(), "INT");
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(130));
    assert_eq!(
        std::fs::read(dir.path().join("dist/marketplace.csv")).unwrap(),
        feed,
        "the old feed stays"
    );
    assert_eq!(temp_files(&dir.path().join("dist")), Vec::<String>::new());
}

#[cfg(unix)]
#[test]
fn a_killed_export_leaves_the_previous_feed_whole() {
    let dir = big_project(3000);
    assert_eq!(pim(dir.path(), &["export", "--all"]).status.code(), Some(0));
    let old = std::fs::read(dir.path().join("dist/marketplace.csv")).unwrap();
    for i in 0..3000 {
        let path = dir.path().join(format!("catalog/S-{i:05}.yaml"));
        let text = std::fs::read_to_string(&path)
            .unwrap()
            .replace("\"19.00\"", "\"21.00\"");
        std::fs::write(path, text).unwrap();
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_pim"))
        .args(["export", "--all"])
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill it as soon as it starts writing (a temporary file appears), or after a while.
    let start = Instant::now();
    while temp_files(&dir.path().join("dist")).is_empty()
        && start.elapsed() < Duration::from_secs(30)
    {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let now = std::fs::read(dir.path().join("dist/marketplace.csv")).unwrap();
    let new_whole = String::from_utf8_lossy(&now).matches("21.00 USD").count() == 3000;
    assert!(
        now == old || new_whole,
        "the feed is the old one or the whole new one, never a part"
    );
}

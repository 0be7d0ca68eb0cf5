//! The validation cache (SPEC §7): a run with the cache reports byte for byte what a run
//! without it reports, through random edits and concurrent runs.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// Sets a file's modification time an hour back, so the cache may trust its metadata.
fn age(path: &Path) {
    let file = std::fs::OpenOptions::new().append(true).open(path).unwrap();
    file.set_modified(SystemTime::now() - Duration::from_secs(3600))
        .unwrap();
}

/// Validates with the cache (twice: the run that fills it, then the one that reads it) and
/// without it, in `format`; all three must print the same, exit alike and warn of nothing.
fn compare(dir: &Path, format: &str, what: &str) {
    let plain = pim(dir, &["validate", "--no-cache", "--format", format]);
    for run in ["filling", "reading"] {
        let cached = pim(dir, &["validate", "--format", format]);
        assert_eq!(
            stdout(&cached),
            stdout(&plain),
            "after {what}, the {run} run with the cache differs"
        );
        assert_eq!(cached.status.code(), plain.status.code(), "after {what}");
        assert_eq!(stderr(&cached), stderr(&plain), "after {what} ({run})");
    }
}

fn edit(dir: &Path, rng: &mut Lcg, step: usize) -> String {
    let files = product_files(dir);
    let file = files[rng.below(files.len())].clone();
    let name = file.strip_prefix(dir).unwrap().display().to_string();
    match rng.below(10) {
        0 => {
            let text = std::fs::read_to_string(&file).unwrap();
            std::fs::write(&file, text.replacen("brand:", "brnd:", 1)).unwrap();
            format!("an unknown attribute in {name}")
        }
        1 => {
            // Same size, the old modification time put back: only the content tells.
            let text = std::fs::read_to_string(&file).unwrap();
            let before = std::fs::metadata(&file).unwrap().modified().unwrap();
            let changed = match text.find("gtin: \"") {
                Some(at) => {
                    let digit = at + 7;
                    let old = &text[digit..digit + 1];
                    let new = if old == "1" { "2" } else { "1" };
                    format!("{}{new}{}", &text[..digit], &text[digit + 1..])
                }
                None => text.replacen("status: active", "status: draft!", 1),
            };
            std::fs::write(&file, changed).unwrap();
            let handle = std::fs::OpenOptions::new()
                .append(true)
                .open(&file)
                .unwrap();
            handle.set_modified(before).unwrap();
            format!("a same-size edit with the old mtime in {name}")
        }
        2 => {
            std::fs::write(&file, "sku: [unclosed\n").unwrap();
            format!("a syntax error in {name}")
        }
        3 => {
            let to = file.with_file_name(format!("RENAMED-{step}.yaml"));
            std::fs::rename(&file, &to).unwrap();
            format!("{name} renamed")
        }
        4 => {
            std::fs::remove_file(&file).unwrap();
            format!("{name} deleted")
        }
        5 => {
            let to = file.with_file_name(format!("COPY-{step}.yaml"));
            std::fs::copy(&file, &to).unwrap();
            format!("a copy of {name} added")
        }
        6 => toggle_schema(dir),
        7 => toggle_rules(dir),
        8 => remove_an_image(dir, rng),
        _ => {
            // Rewritten with the same content: new metadata, nothing to check again.
            let text = std::fs::read(&file).unwrap();
            std::fs::write(&file, text).unwrap();
            format!("{name} rewritten unchanged")
        }
    }
}

#[test]
fn cached_runs_print_what_uncached_runs_print_through_random_edits() {
    let project = demo_copy();
    let dir = project.path();
    for file in product_files(dir) {
        age(&file);
    }
    compare(dir, "json", "nothing");
    assert!(dir.join(".pim/cache").is_dir());
    let mut rng = Lcg(14);
    for step in 0..24 {
        let what = edit(dir, &mut rng, step);
        let format = if step % 3 == 0 { "human" } else { "json" };
        compare(dir, format, &what);
    }
}

#[test]
fn no_cache_leaves_no_cache_behind() {
    let project = demo_copy();
    let out = pim(project.path(), &["validate", "--no-cache"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!project.path().join(".pim/cache").exists());
}

#[test]
fn a_broken_cache_is_ignored_with_a_warning() {
    let project = demo_copy();
    let dir = project.path();
    let plain = pim(dir, &["validate", "--no-cache"]);
    pim(dir, &["validate"]);
    let shards: Vec<PathBuf> = files_in(&dir.join(".pim/cache"));
    assert!(!shards.is_empty());
    for shard in &shards {
        std::fs::write(shard, "{ not json").unwrap();
    }
    let broken = pim(dir, &["validate"]);
    assert_eq!(stdout(&broken), stdout(&plain));
    assert_eq!(broken.status.code(), plain.status.code());
    assert!(
        stderr(&broken).starts_with("warning: the cache in .pim/cache is ignored"),
        "{}",
        stderr(&broken)
    );
    // That run rewrote it.
    let again = pim(dir, &["validate"]);
    assert_eq!(stdout(&again), stdout(&plain));
    assert_eq!(stderr(&again), "");

    // A cache folder that cannot be written: a file stands in its place.
    std::fs::remove_dir_all(dir.join(".pim")).unwrap();
    std::fs::write(dir.join(".pim"), "not a folder").unwrap();
    let blocked = pim(dir, &["validate"]);
    assert_eq!(stdout(&blocked), stdout(&plain));
    assert_eq!(blocked.status.code(), plain.status.code());
    assert!(
        stderr(&blocked).contains("cannot write"),
        "{}",
        stderr(&blocked)
    );
}

#[test]
fn concurrent_runs_never_corrupt_the_cache() {
    let project = demo_copy();
    let dir = project.path().to_path_buf();
    let plain = stdout(&pim(&dir, &["validate", "--no-cache", "--format", "json"]));
    let mut rng = Lcg(7);
    for round in 0..4 {
        let children: Vec<_> = (0..4)
            .map(|_| {
                std::process::Command::new(env!("CARGO_BIN_EXE_pim"))
                    .args(["validate", "--format", "json"])
                    .current_dir(&dir)
                    .env("NO_COLOR", "1")
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert_eq!(stdout(&out), plain, "round {round}");
            assert_eq!(stderr(&out), "", "round {round}");
        }
        // The cache the runs left is whole: a run reads it without a warning.
        let after = pim(&dir, &["validate", "--format", "json"]);
        assert_eq!(stdout(&after), plain, "round {round}");
        assert_eq!(stderr(&after), "", "round {round}");
        let leftovers: Vec<PathBuf> = files_in(&dir.join(".pim/cache"))
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
        // An edit between rounds, so the next runs write again.
        let files = product_files(&dir);
        let file = &files[rng.below(files.len())];
        let text = std::fs::read_to_string(file).unwrap();
        std::fs::write(file, format!("{text}\n# round {round}\n")).unwrap();
        let expected = stdout(&pim(&dir, &["validate", "--no-cache", "--format", "json"]));
        assert_eq!(expected, plain, "a comment changes nothing");
    }
}

/// A damaged cache file (cut short, bytes flipped, garbage, a header announcing more than
/// the file holds) is never trusted and never crashes pim: the output is `--no-cache`'s,
/// with at most a warning about the cache.
#[test]
fn a_damaged_cache_is_not_trusted() {
    let dir = demo_copy();
    // A diagnostic, so the kept report holds text (`gtn`: did you mean `gtin`?).
    let product = product_files(dir.path())[0].clone();
    let text = std::fs::read_to_string(&product).unwrap();
    std::fs::write(&product, format!("{text}gtn: \"1\"\n")).unwrap();
    // Old enough for the cache to trust their metadata: the kept report is then printed.
    for file in product_files(dir.path()) {
        age(&file);
    }
    let plain = pim(dir.path(), &["validate", "--no-cache", "--format", "json"]);
    let fill = pim(dir.path(), &["validate", "--format", "json"]);
    assert_eq!(stdout(&fill), stdout(&plain));
    let cache_dir = dir.path().join(".pim/cache");
    let file = std::fs::read_dir(&cache_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "bin"))
        .expect("a cache file");
    let good = std::fs::read(&file).unwrap();
    assert!(good.len() > 200, "{}", good.len());
    let mut damaged: Vec<(String, Vec<u8>)> = vec![
        ("empty".into(), Vec::new()),
        ("garbage".into(), vec![0xA5; good.len()]),
    ];
    for cut in [8, 16, 60, 100, good.len() / 2, good.len() - 1] {
        damaged.push((format!("cut at {cut}"), good[..cut].to_vec()));
    }
    // Every u64 of the header set to huge values: lengths the file cannot hold.
    for at in (8..96).step_by(8) {
        let mut bytes = good.clone();
        bytes[at..at + 8].copy_from_slice(&u64::MAX.to_le_bytes());
        damaged.push((format!("u64 at {at} = MAX"), bytes));
        let mut bytes = good.clone();
        bytes[at..at + 8].copy_from_slice(&(1u64 << 40).to_le_bytes());
        damaged.push((format!("u64 at {at} = 2^40"), bytes));
    }
    let mut rng = Lcg(11);
    for i in 0..12 {
        let mut bytes = good.clone();
        let at = 96 + rng.below(bytes.len() - 96);
        bytes[at] ^= 0xFF;
        damaged.push((format!("flip {i} at {at}"), bytes));
    }
    // A letter of the kept report changed in case: still valid UTF-8, still parses, but
    // not the catalog's state (the reviewer's `help: Xorrect the SKU`).
    let report_at = good
        .windows(4)
        .position(|w| w == b"mean")
        .expect("a word of the kept report");
    let mut bytes = good.clone();
    bytes[report_at] ^= 0x20;
    damaged.push((format!("a letter of the report at {report_at}"), bytes));
    for (what, bytes) in damaged {
        std::fs::write(&file, &bytes).unwrap();
        let out = pim(dir.path(), &["validate", "--format", "json"]);
        assert_eq!(
            out.status.code(),
            plain.status.code(),
            "{what}: {}",
            stderr(&out)
        );
        assert_eq!(stdout(&out), stdout(&plain), "{what}");
        assert!(
            !stderr(&out).contains("panicked"),
            "{what}: {}",
            stderr(&out)
        );
        // The next run finds a sound cache again.
        std::fs::write(&file, &good).unwrap();
    }
}

/// A FIFO where the cache file should be is a warning, never a hang (SPEC §7: a cache that
/// cannot be read is ignored with a warning), for validate and for diff.
#[cfg(unix)]
#[test]
fn a_fifo_in_place_of_the_cache_does_not_hang() {
    let dir = demo_copy();
    let plain = pim(dir.path(), &["validate", "--no-cache", "--format", "json"]);
    assert_eq!(
        pim(dir.path(), &["validate", "--format", "json"])
            .status
            .code(),
        plain.status.code()
    );
    let cache_dir = dir.path().join(".pim/cache");
    let file = std::fs::read_dir(&cache_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "bin"))
        .expect("a cache file");
    std::fs::remove_file(&file).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(&file)
        .status()
        .unwrap();
    assert!(made.success());
    // `timeout` turns a hang into exit 124 instead of a stuck test.
    let out = std::process::Command::new("timeout")
        .arg("60")
        .arg(env!("CARGO_BIN_EXE_pim"))
        .args(["validate", "--format", "json"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), plain.status.code(), "{}", stderr(&out));
    assert_eq!(stdout(&out), stdout(&plain));
    assert!(
        stderr(&out).contains("not a regular file"),
        "{}",
        stderr(&out)
    );
}

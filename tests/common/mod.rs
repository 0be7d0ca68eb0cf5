//! Helpers for end-to-end tests: fixture projects in temporary folders, and the real binary.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Copies a folder tree (regular files and folders only).
pub fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from).sort_by_file_name() {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(from).unwrap();
        let target = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A temporary project: the `ok` fixture without its catalog, plus `overlay` (if any).
pub fn project(overlay: Option<&Path>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixtures().join("ok"), dir.path());
    std::fs::remove_dir_all(dir.path().join("catalog")).unwrap();
    std::fs::create_dir(dir.path().join("catalog")).unwrap();
    if let Some(overlay) = overlay {
        copy_tree(overlay, dir.path());
        let _ = std::fs::remove_file(dir.path().join("expected"));
    }
    dir
}

/// The demo project (the repository root) in a temporary folder.
pub fn demo_copy() -> tempfile::TempDir {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    for folder in ["catalog", "schemas", "templates", "assets"] {
        copy_tree(&root.join(folder), &dir.path().join(folder));
    }
    for file in ["pim.toml", "categories.yaml"] {
        std::fs::copy(root.join(file), dir.path().join(file)).unwrap();
    }
    dir
}

/// Runs `pim ARGS` in `dir`, without colour.
pub fn pim(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pim"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `pim validate --format json` in `dir`: the exit code and the parsed report.
pub fn validate_json(dir: &Path, extra: &[&str]) -> (i32, serde_json::Value) {
    let mut args = vec!["validate", "--format", "json"];
    args.extend_from_slice(extra);
    let output = pim(dir, &args);
    let report = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", stdout(&output), stderr(&output)));
    (output.status.code().unwrap_or(-1), report)
}

/// One line per diagnostic: `severity rule file:line:column pointer`.
pub fn diagnostic_lines(report: &serde_json::Value) -> Vec<String> {
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            format!(
                "{} {} {}:{}:{} {}",
                d["severity"].as_str().unwrap(),
                d["rule"].as_str().unwrap(),
                d["file"].as_str().unwrap(),
                d["line"],
                d["column"],
                d["pointer"].as_str().unwrap_or("-"),
            )
        })
        .collect()
}

/// `pim ARGS` in `dir` as a user that file permissions apply to. Tests run as root here and in
/// CI, where a mode of 0o000 stops nothing: then pim runs as `nobody` through `setpriv`, and
/// `dir` is opened to others so that `nobody` can reach the project.
#[cfg(unix)]
pub fn pim_unprivileged(dir: &Path, args: &[&str]) -> Output {
    use std::os::unix::fs::PermissionsExt;
    let uid = Command::new("id").arg("-u").output().unwrap();
    let root = String::from_utf8_lossy(&uid.stdout).trim() == "0";
    let mut command = if root {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(env!("CARGO_BIN_EXE_pim"));
        c
    } else {
        Command::new(env!("CARGO_BIN_EXE_pim"))
    };
    command
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// A project with `count` tents of about 3 KB each: big enough that an export is still
/// writing when a test signals it.
pub fn big_project(count: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixtures().join("ok"), dir.path());
    let description = "A sturdy tent for long summer trips, easy to pitch alone. ".repeat(40);
    for i in 0..count {
        let text = format!(
            "sku: S-{i:05}\nfamily: tent\nstatus: active\nname: {{en-US: Shirt {i}}}\ndescription: {{en-US: \"{description}\"}}\nprice: {{USD: \"19.00\", EUR: \"18.00\"}}\ncategories: [tents]\ncapacity: 2\n"
        );
        std::fs::write(dir.path().join(format!("catalog/S-{i:05}.yaml")), text).unwrap();
    }
    dir
}

/// pim's temporary files (`.pim-*`) under `dir`.
pub fn temp_files(dir: &Path) -> Vec<String> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".pim-"))
        .collect()
}

/// Starts `pim export --all` in `dir` and sends it `signal` (`INT`, `TERM`) as soon as it
/// writes (a temporary file appears in `dist/`); the export must not have ended by then.
#[cfg(unix)]
pub fn signal_while_writing(dir: &Path, signal: &str) -> std::process::Child {
    use std::time::{Duration, Instant};
    // One thread: channels render one at a time, each staged as soon as it renders, so the
    // first temporary file appears with four of the five channels still to render, a wide
    // window for the signal even on a loaded machine (with two threads, two channels would
    // render before anything is staged).
    let mut child = Command::new(env!("CARGO_BIN_EXE_pim"))
        .args(["export", "--all"])
        .current_dir(dir)
        .env("RAYON_NUM_THREADS", "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while temp_files(&dir.join("dist")).is_empty() {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the export ended before it was signalled"
        );
        assert!(start.elapsed() < Duration::from_secs(60));
        std::thread::sleep(Duration::from_millis(1));
    }
    Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .unwrap();
    child
}

/// Runs git in `dir` with a fixed identity and no signing; fails the test if git fails.
/// Returns what git printed, trimmed.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .args([
            "-c",
            "user.email=test@example.com",
            "-c",
            "user.name=Test",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "protocol.file.allow=always",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// A small deterministic generator (the tests need no randomness crate).
pub struct Lcg(pub u64);

impl Lcg {
    pub fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % n.max(1)
    }
}

/// Every file under `dir`, recursively, sorted.
pub fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_in(&path));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// The product files (`.yaml`) under the project's `catalog/`, sorted.
pub fn product_files(dir: &Path) -> Vec<PathBuf> {
    files_in(&dir.join("catalog"))
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect()
}

/// Random-edit steps shared by the cache suites: the product schema's `maxLength` flips
/// between 70 and 20.
pub fn toggle_schema(dir: &Path) -> String {
    let schema = dir.join("schemas/product.schema.json");
    let text = std::fs::read_to_string(&schema).unwrap();
    let changed = if text.contains("\"maxLength\": 70") {
        text.replacen("\"maxLength\": 70", "\"maxLength\": 20", 1)
    } else {
        text.replacen("\"maxLength\": 20", "\"maxLength\": 70", 1)
    };
    std::fs::write(&schema, changed).unwrap();
    "the product schema changed".into()
}

/// pim.toml gains or loses a `[rules]` section turning `file-name-mismatch` off.
pub fn toggle_rules(dir: &Path) -> String {
    let toml = dir.join("pim.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    let rule = "\n[rules]\nfile-name-mismatch = \"off\"\n";
    let changed = match text.strip_suffix(rule) {
        Some(before) => before.to_owned(),
        None => format!("{text}{rule}"),
    };
    std::fs::write(&toml, changed).unwrap();
    "pim.toml changed".into()
}

/// One of the demo's images, picked by `rng`, removed.
pub fn remove_an_image(dir: &Path, rng: &mut Lcg) -> String {
    let images = files_in(&dir.join("assets/images"));
    let image = &images[rng.below(images.len())];
    std::fs::remove_file(image).unwrap();
    format!("{} removed", image.display())
}

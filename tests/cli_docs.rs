//! Generated documents stay in step with the command line: the man page and the shell
//! completions checked in under docs/ are what `pim man` and `pim completions` print.
//! `PIM_BLESS=1 cargo test --test cli_docs` rewrites them after a change to the CLI.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use std::path::Path;

fn generated(args: &[&str]) -> String {
    let output = pim(Path::new(env!("CARGO_MANIFEST_DIR")), args);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{args:?}: {}",
        stderr(&output)
    );
    assert!(output.stderr.is_empty());
    stdout(&output)
}

fn matches_checked_in(args: &[&str], rel: &str) {
    let text = generated(args);
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    if std::env::var_os("PIM_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &text).unwrap();
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == text,
        "{rel} is not what `pim {}` prints; run PIM_BLESS=1 cargo test --test cli_docs and review the change",
        args.join(" ")
    );
}

const COMMANDS: [&str; 9] = [
    "validate",
    "export",
    "diff",
    "init",
    "new",
    "show",
    "completions",
    "man",
    "import",
];

#[test]
fn the_man_page_is_the_checked_in_one() {
    matches_checked_in(&["man"], "docs/man/pim.1");
    let page = generated(&["man"]);
    assert!(page.starts_with(".ie \\n(.g .ds Aq \\(aq\n"), "{page}");
    for command in COMMANDS {
        assert!(
            page.contains(&format!(".SH \"PIM {}\"\n", command.to_uppercase())),
            "no section for {command}"
        );
        assert!(
            page.contains(&format!(".TP\n\\fBpim {command}\\fR\n")),
            "{command}"
        );
    }
    assert!(page.contains(".SH \"EXIT STATUS\"\n"));
}

#[test]
fn the_completions_are_the_checked_in_ones() {
    for (shell, rel) in [
        ("bash", "docs/completions/pim.bash"),
        ("zsh", "docs/completions/_pim"),
        ("fish", "docs/completions/pim.fish"),
        ("powershell", "docs/completions/_pim.ps1"),
        ("elvish", "docs/completions/pim.elv"),
    ] {
        matches_checked_in(&["completions", shell], rel);
        let script = generated(&["completions", shell]);
        for command in COMMANDS {
            assert!(script.contains(command), "{shell}: no {command}");
        }
        assert!(script.contains("variant-of"), "{shell}");
    }
    let output = pim(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &["completions", "tcsh"],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("possible values: bash, elvish, fish, powershell, zsh"));
}

#[test]
fn bash_reads_the_bash_completions() {
    // The script must at least parse; `complete -p pim` shows it registered.
    let script = generated(&["completions", "bash"]);
    let output = std::process::Command::new("bash")
        .args(["-c", &format!("{script}\ncomplete -p pim")])
        .output();
    let Ok(output) = output else {
        eprintln!("skipped: no bash");
        return;
    };
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("_pim"));
}

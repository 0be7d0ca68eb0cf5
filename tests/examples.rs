//! The CI examples stay usable: they parse as YAML and call pim as it is.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;

fn yaml(rel: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)).unwrap();
    serde_saphyr::from_str(&text).unwrap()
}

fn pim_help(args: &[&str]) -> String {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_pim"))
        .args(args)
        .arg("--help")
        .output()
        .unwrap();
    assert!(output.status.success(), "{args:?}");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn the_workflow_runs_validate_export_and_diff_with_flags_pim_has() {
    let workflow = yaml("examples/github-workflow.yml");
    let runs: Vec<String> = workflow["jobs"]["catalog"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["run"].as_str().map(str::to_owned))
        .collect();
    let all = runs.join("\n");
    for (command, flags) in [
        ("validate", vec!["--format", "--channel"]),
        ("export", vec!["--all", "--format"]),
        ("diff", vec!["--format", "--fail-on"]),
    ] {
        assert!(
            all.contains(&format!("pim {command}")),
            "pim {command} missing"
        );
        let help = pim_help(&[command]);
        for flag in flags {
            assert!(help.contains(flag), "pim {command} has no {flag}");
        }
    }
    assert!(all.contains("--format markdown"));
}

#[test]
fn the_pre_commit_hook_runs_pim_validate() {
    let hooks = yaml(".pre-commit-hooks.yaml");
    let hook = &hooks[0];
    assert_eq!(hook["id"], "pim-validate");
    assert_eq!(hook["entry"], "pim validate");
    assert_eq!(hook["pass_filenames"], true);
}

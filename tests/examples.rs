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

/// The words of a shell command line, quotes removed (enough for the examples' commands).
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quote = None;
    let mut in_word = false;
    // `$(` and `)` outside quotes stand apart: `x=$(pim diff)` holds the command `pim diff`.
    let mut spaced = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = None;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (Some(q), c) if c == q => quoted = None,
            (None, '"' | '\'') => quoted = Some(c),
            (None, '$') if chars.peek() == Some(&'(') => {
                chars.next();
                spaced.push_str(" $( ");
                continue;
            }
            (None, ')') => {
                spaced.push_str(" ) ");
                continue;
            }
            _ => {}
        }
        spaced.push(c);
    }
    for c in spaced.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        out.push(word);
    }
    out
}

/// Every `pim ...` invocation in a script: its arguments, up to a redirection or pipe.
fn pim_invocations(script: &str) -> Vec<Vec<String>> {
    let script = script.replace("\\\n", " ");
    let mut found = Vec::new();
    for line in script.lines() {
        let words = words(line);
        let mut i = 0;
        while i < words.len() {
            let starts = i == 0 || ["|", "||", "&&", ";", "$("].contains(&words[i - 1].as_str());
            if words[i] == "pim" && starts {
                let args: Vec<String> = words[i + 1..]
                    .iter()
                    .take_while(|w| {
                        !w.starts_with('>') && !["|", "||", "&&", ";"].contains(&w.as_str())
                    })
                    .cloned()
                    .collect();
                i += args.len();
                found.push(args);
            }
            i += 1;
        }
    }
    found
}

/// Checks `pim ARGS` against pim's own `--help`: the subcommand exists, every flag is one it
/// has, and a flag's value is one of its possible values where it lists them.
fn assert_real_pim_command(args: &[String]) {
    let subcommand = args.first().expect("pim without a subcommand").as_str();
    let top = pim_help(&[]);
    assert!(
        top.lines()
            .any(|l| l.trim_start().starts_with(&format!("{subcommand} "))),
        "`pim {subcommand}` is not a pim subcommand:\n{top}"
    );
    let help = pim_help(&[subcommand]);
    let mut rest = args[1..].iter().peekable();
    while let Some(arg) = rest.next() {
        let Some(flag) = arg.strip_prefix("--") else {
            continue;
        };
        let (flag, inline) = flag
            .split_once('=')
            .map_or((flag, None), |(f, v)| (f, Some(v)));
        let line = help
            .lines()
            .find(|l| {
                l.contains(&format!("--{flag} "))
                    || l.trim_end().ends_with(&format!("--{flag}"))
                    || l.contains(&format!("--{flag},"))
            })
            .unwrap_or_else(|| panic!("`pim {subcommand}` has no --{flag}:\n{help}"));
        let takes_value = line.contains(&format!("--{flag} <"));
        if takes_value {
            let value = inline
                .map(str::to_owned)
                .or_else(|| rest.next().cloned())
                .unwrap();
            // The flag's description, up to the next flag, lists its possible values.
            let from = help.find(line).unwrap();
            let block: String = help[from..]
                .lines()
                .enumerate()
                .take_while(|(i, l)| *i == 0 || !l.trim_start().starts_with('-'))
                .map(|(_, l)| l)
                .collect::<Vec<_>>()
                .join(" ");
            if let Some(values) = block.split("[possible values: ").nth(1) {
                let values: Vec<&str> = values.split(']').next().unwrap().split(", ").collect();
                assert!(
                    values.contains(&value.as_str()),
                    "`pim {subcommand} --{flag} {value}`: not one of {values:?}"
                );
            }
        }
    }
}

/// A GitHub Actions expression (`if:`), evaluated for one simulated run: enough of the
/// language for the examples (status functions, contexts, literals, ==, !=, !, &&, ||).
struct Run<'a> {
    event: &'a str,
    failed: bool,
    outcomes: &'a std::collections::BTreeMap<String, &'static str>,
}

#[derive(Clone, Debug, PartialEq)]
enum V {
    S(String),
    B(bool),
}

impl V {
    fn truthy(&self) -> bool {
        match self {
            V::S(s) => !s.is_empty(),
            V::B(b) => *b,
        }
    }
}

fn eval_if(expr: &str, run: &Run) -> bool {
    let expr = expr.trim();
    let expr = expr
        .strip_prefix("${{")
        .and_then(|e| e.strip_suffix("}}"))
        .unwrap_or(expr);
    let mut tokens = Vec::new();
    let chars: Vec<char> = expr.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '\'' {
            let end = chars[i + 1..].iter().position(|&c| c == '\'').unwrap() + i + 1;
            tokens.push(format!("'{}", chars[i + 1..end].iter().collect::<String>()));
            i = end + 1;
        } else if "=!&|".contains(c) && i + 1 < chars.len() && "=&|".contains(chars[i + 1]) {
            tokens.push(chars[i..i + 2].iter().collect());
            i += 2;
        } else if "()!".contains(c) {
            tokens.push(c.to_string());
            i += 1;
        } else {
            let end = chars[i..]
                .iter()
                .position(|c| c.is_whitespace() || "()=!&|'".contains(*c))
                .map_or(chars.len(), |p| p + i);
            tokens.push(chars[i..end].iter().collect());
            i = end;
        }
    }
    let mut pos = 0;
    let value = or(&tokens, &mut pos, run);
    assert_eq!(pos, tokens.len(), "could not read `{expr}`");
    value.truthy()
}

fn or(t: &[String], pos: &mut usize, run: &Run) -> V {
    let mut left = and(t, pos, run);
    while t.get(*pos).is_some_and(|s| s == "||") {
        *pos += 1;
        let right = and(t, pos, run);
        left = if left.truthy() { left } else { right };
    }
    left
}

fn and(t: &[String], pos: &mut usize, run: &Run) -> V {
    let mut left = cmp(t, pos, run);
    while t.get(*pos).is_some_and(|s| s == "&&") {
        *pos += 1;
        let right = cmp(t, pos, run);
        left = if left.truthy() { right } else { left };
    }
    left
}

fn cmp(t: &[String], pos: &mut usize, run: &Run) -> V {
    let left = unary(t, pos, run);
    match t.get(*pos).map(String::as_str) {
        Some(op @ ("==" | "!=")) => {
            let op = op.to_owned();
            *pos += 1;
            let right = unary(t, pos, run);
            V::B((left == right) == (op == "=="))
        }
        _ => left,
    }
}

fn unary(t: &[String], pos: &mut usize, run: &Run) -> V {
    let token = t[*pos].clone();
    *pos += 1;
    match token.as_str() {
        "!" => V::B(!unary(t, pos, run).truthy()),
        "(" => {
            let v = or(t, pos, run);
            assert_eq!(t[*pos], ")");
            *pos += 1;
            v
        }
        "true" => V::B(true),
        "false" => V::B(false),
        f @ ("always" | "cancelled" | "success" | "failure") => {
            assert_eq!((t[*pos].as_str(), t[*pos + 1].as_str()), ("(", ")"));
            *pos += 2;
            V::B(match f {
                "always" => true,
                "cancelled" => false,
                "success" => !run.failed,
                _ => run.failed,
            })
        }
        s if s.starts_with('\'') => V::S(s[1..].to_owned()),
        "github.event_name" => V::S(run.event.to_owned()),
        s if s.starts_with("steps.") => {
            let parts: Vec<&str> = s.split('.').collect();
            match parts[2] {
                "outcome" | "conclusion" => {
                    V::S(run.outcomes.get(parts[1]).copied().unwrap_or("").to_owned())
                }
                // Outputs of the steps the simulation knows: a cache miss.
                "outputs" => V::S(match parts[3] {
                    "cache-hit" => "false".to_owned(),
                    _ => "x".to_owned(),
                }),
                other => panic!("steps.*.{other}"),
            }
        }
        other => panic!("unknown token `{other}`"),
    }
}

/// Runs the workflow's steps in order for one event: `fails` names the steps whose command
/// fails. Returns the steps (by name, or by `uses`) that ran.
fn simulate(steps: &[serde_json::Value], event: &str, fails: &[&str]) -> Vec<String> {
    let mut outcomes = std::collections::BTreeMap::new();
    let mut failed = false;
    let mut ran = Vec::new();
    for step in steps {
        let name = step["name"]
            .as_str()
            .or(step["uses"].as_str())
            .unwrap()
            .to_owned();
        // GitHub's rule: a condition without a status function means `success() && (...)`.
        let condition = step["if"].as_str().unwrap_or("true");
        let condition = condition.trim();
        let condition = condition
            .strip_prefix("${{")
            .and_then(|e| e.strip_suffix("}}"))
            .unwrap_or(condition);
        let condition = if ["success(", "failure(", "cancelled(", "always("]
            .iter()
            .any(|f| condition.contains(f))
        {
            condition.to_owned()
        } else {
            format!("success() && ({condition})")
        };
        let run = Run {
            event,
            failed,
            outcomes: &outcomes,
        };
        let runs = eval_if(&condition, &run);
        let outcome = if !runs {
            "skipped"
        } else if fails.contains(&name.as_str()) {
            failed = true;
            "failure"
        } else {
            "success"
        };
        if let Some(id) = step["id"].as_str() {
            outcomes.insert(id.to_owned(), outcome);
        }
        if runs {
            ran.push(name);
        }
    }
    ran
}

#[test]
fn every_pim_command_in_the_examples_is_one_pim_has() {
    let workflow = yaml("examples/github-workflow.yml");
    let mut commands = Vec::new();
    for step in workflow["jobs"]["catalog"]["steps"].as_array().unwrap() {
        if let Some(run) = step["run"].as_str() {
            commands.extend(pim_invocations(run));
        }
    }
    let hooks = yaml(".pre-commit-hooks.yaml");
    for hook in hooks.as_array().unwrap() {
        commands.extend(pim_invocations(hook["entry"].as_str().unwrap()));
    }
    let seen: Vec<String> = commands.iter().map(|c| c.join(" ")).collect();
    for expected in [
        "validate --format github --channel all",
        "export --all",
        "diff origin/$BASE_REF HEAD --format markdown",
        "diff origin/$BASE_REF HEAD --fail-on new-errors",
        "validate",
    ] {
        assert!(
            seen.iter().any(|s| s == expected),
            "`pim {expected}` not in {seen:#?}"
        );
    }
    for command in &commands {
        assert_real_pim_command(command);
    }
}

#[test]
fn the_command_checker_catches_a_wrong_flag_or_value() {
    let bad = |line: &str| {
        let args = pim_invocations(line).remove(0);
        std::panic::catch_unwind(|| assert_real_pim_command(&args)).is_err()
    };
    assert!(!bad("pim validate --format github --channel all"));
    assert!(bad("pim validate --format markdown"));
    assert!(bad("pim validate --formats github"));
    assert!(bad("pim frobnicate x"));
    assert!(bad("x=$(pim diff --fail-on everything)"));
}

#[test]
fn the_workflow_comments_and_gates_a_pull_request_with_errors() {
    let workflow = yaml("examples/github-workflow.yml");
    let steps = workflow["jobs"]["catalog"]["steps"].as_array().unwrap();
    let names: Vec<&str> = steps.iter().filter_map(|s| s["name"].as_str()).collect();
    let position = |name: &str| names.iter().position(|n| *n == name).unwrap();
    // The order: pim is there before validation, validation before the rest.
    assert!(position("Cache pim") < position("Install pim"));
    assert!(position("Install pim") < position("Validate"));
    for later in ["Export feeds", "Review comment", "Refuse new errors"] {
        assert!(position("Validate") < position(later), "{later}");
    }

    // A pull request whose catalog has errors: validation and export fail, yet the comment
    // and the gate run.
    let ran = simulate(steps, "pull_request", &["Validate", "Export feeds"]);
    for step in [
        "Install pim",
        "Validate",
        "Export feeds",
        "Review comment",
        "Refuse new errors",
    ] {
        assert!(ran.iter().any(|r| r == step), "{step} did not run: {ran:?}");
    }
    assert!(!ran.iter().any(|r| r == "Keep the feeds"), "{ran:?}");

    // A clean pull request: everything runs, the feeds are kept.
    let ran = simulate(steps, "pull_request", &[]);
    assert!(ran.iter().any(|r| r == "Keep the feeds"), "{ran:?}");
    assert!(ran.iter().any(|r| r == "Refuse new errors"), "{ran:?}");

    // A push to main with errors: validation and export run, no comment or gate.
    let ran = simulate(steps, "push", &["Validate"]);
    assert!(ran.iter().any(|r| r == "Export feeds"), "{ran:?}");
    assert!(
        !ran.iter()
            .any(|r| r == "Review comment" || r == "Refuse new errors")
    );

    // The old workflow's condition would skip the comment after a failed validation.
    let mut old = steps.clone();
    let comment = old
        .iter_mut()
        .find(|s| s["name"] == "Review comment")
        .unwrap();
    comment["if"] = "github.event_name == 'pull_request'".into();
    let ran = simulate(&old, "pull_request", &["Validate"]);
    assert!(!ran.iter().any(|r| r == "Review comment"), "{ran:?}");

    // pim could not be installed: nothing after it tries to run pim.
    let ran = simulate(steps, "pull_request", &["Install pim"]);
    for step in [
        "Validate",
        "Export feeds",
        "Review comment",
        "Refuse new errors",
    ] {
        assert!(
            !ran.iter().any(|r| r == step),
            "{step} ran without pim: {ran:?}"
        );
    }
}

#[test]
fn the_workflow_caches_pim_by_its_commit() {
    let workflow = yaml("examples/github-workflow.yml");
    let steps = workflow["jobs"]["catalog"]["steps"].as_array().unwrap();
    let step = |name: &str| steps.iter().find(|s| s["name"] == name).unwrap();
    let cache = step("Cache pim");
    assert!(
        cache["uses"]
            .as_str()
            .unwrap()
            .starts_with("actions/cache@")
    );
    assert_eq!(cache["with"]["path"], "~/.cargo/bin/pim");
    let key = cache["with"]["key"].as_str().unwrap();
    assert!(key.contains("steps.pim.outputs.commit"), "{key}");
    let install = step("Install pim");
    assert_eq!(install["if"], "steps.cache.outputs.cache-hit != 'true'");
    let command = install["run"].as_str().unwrap();
    assert!(command.contains("cargo install --locked"), "{command}");
    assert!(
        command.contains("--rev \"${{ steps.pim.outputs.commit }}\""),
        "{command}"
    );
}

#[test]
fn the_pre_commit_hooks_cover_products_and_project_files() {
    let hooks = yaml(".pre-commit-hooks.yaml");
    let hook = |id: &str| {
        hooks
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["id"] == id)
            .unwrap()
            .clone()
    };
    // pre-commit matches `files` and `exclude` with Python's re.search.
    let runs_on = |hook: &serde_json::Value, path: &str| {
        let files = regex::Regex::new(hook["files"].as_str().unwrap()).unwrap();
        let exclude = hook["exclude"]
            .as_str()
            .map(|e| regex::Regex::new(e).unwrap());
        files.is_match(path) && !exclude.is_some_and(|e| e.is_match(path))
    };
    let products = hook("pim-validate");
    let project = hook("pim-validate-all");
    assert_eq!(project["pass_filenames"], false);
    for path in ["catalog/tents/NW-TNT-3001.yaml", "catalog/a/b/X-1.yml"] {
        assert!(runs_on(&products, path), "{path}");
        assert!(!runs_on(&project, path), "{path}");
    }
    for path in [
        "pim.toml",
        "categories.yaml",
        "schemas/product.schema.json",
        "schemas/families/tent.schema.json",
        "templates/google.tsv.j2",
        "templates/partials/head.html.j2",
    ] {
        assert!(runs_on(&project, path), "{path}");
        assert!(!runs_on(&products, path), "{path}");
    }
    for path in [
        ".pre-commit-config.yaml",
        ".github/workflows/catalog.yml",
        "README.md",
    ] {
        assert!(
            !runs_on(&products, path) && !runs_on(&project, path),
            "{path}"
        );
    }
}

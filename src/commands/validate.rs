//! `pim validate`: check the catalog and print the diagnostics.

use super::{Invocation, print_stdout};
use crate::ExitStatus;
use crate::catalog::Project;
use crate::cli::ValidateArgs;
use crate::diag::Rule;
use crate::report::{self, Style};
use crate::suggest;
use crate::validate::{ValidateOptions, validate};
use anyhow::{Result, bail};

pub fn run(invocation: &Invocation, args: &ValidateArgs) -> Result<ExitStatus> {
    if let Some(id) = &args.explain {
        return explain(id);
    }
    if args.list_rules {
        return list_rules(invocation, args);
    }
    let project = Project::open(&invocation.project_root()?)?;
    let options = ValidateOptions {
        paths: args.paths.iter().map(|p| invocation.path(p)).collect(),
        all_channels: args.channel.iter().any(|c| c == "all"),
        channels: args.channel.clone(),
        cache: !args.no_cache,
    };
    let result = validate(&project, &options)?;
    if let Some(warning) = crate::cache::warnings_text(&result.cache_warnings) {
        super::note(&warning);
    }
    // The combined schemas the editor settings use follow the schemas (never the settings
    // file itself: a check must not change tracked files).
    if crate::editor::in_use(&project.root) {
        for warning in super::refresh_editor(&project, false) {
            super::note(&warning);
        }
    }
    let text = report::render(
        args.format.into(),
        &result.diagnostics,
        &result.summary,
        args.max_errors,
        &Style::for_stdout(),
    );
    print_stdout(&text)?;
    let s = result.summary;
    let failed = s.errors > 0 || (args.deny_warnings && s.warnings > 0);
    Ok(if failed {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}

fn explain(id: &str) -> Result<ExitStatus> {
    let Some(rule) = Rule::from_id(id) else {
        let ids: Vec<String> = Rule::ALL.iter().map(Rule::id).collect();
        bail!(
            "`{id}` is not a rule id{}; the rules are: {}, and schema-<keyword> for JSON Schema errors",
            suggest::did_you_mean(id, ids.iter().map(String::as_str)),
            ids.join(", ")
        );
    };
    let text = format!(
        "{} ({} by default)\n\n{}\n",
        rule.id(),
        rule.default_severity(),
        rule.explanation()
    );
    print_stdout(&text)?;
    Ok(ExitStatus::Success)
}

/// Every rule with its severity: as `pim.toml` sets it inside a project, else the defaults.
fn list_rules(invocation: &Invocation, args: &ValidateArgs) -> Result<ExitStatus> {
    let config = match invocation.project_root() {
        Ok(root) => Some(crate::config::ProjectConfig::load(&root)?),
        Err(_) => None,
    };
    let configured: Vec<String> = config
        .as_ref()
        .map(|c| c.rules.keys().cloned().collect())
        .unwrap_or_default();
    let levels = crate::diag::rule_levels(&configured, |rule| match &config {
        Some(config) => config.level(rule),
        None => Some(rule.default_severity()),
    });
    print_stdout(&report::rules(args.format.into(), &levels))?;
    Ok(ExitStatus::Success)
}
